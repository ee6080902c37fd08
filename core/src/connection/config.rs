//! What a connection needs to know before its first byte.

use alloc::string::String;

use crate::message::{limits::MAX_USER_AGENT_LEN, MessageKind, PROTOCOL_VERSION};
use crate::shaping::{ShapingConfig, ShapingConfigError};
use crate::time::Duration;
use crate::wire::WireConfig;

/// How an outbound connection talks to its peer.
///
/// # Example
///
/// ```
/// use veil_core::connection::{ConnectionConfig, TransportKind};
/// assert_eq!(ConnectionConfig::default().outbound_transport, TransportKind::Encrypted);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TransportKind {
    /// Noise XX handshake, then BIP324-style encrypted packets (the default).
    Encrypted,
    /// The seed's cleartext frames: for interoperability and debugging only.
    /// No identity is proven and anyone on the path can read and change
    /// everything.
    Plaintext,
}

impl TransportKind {
    /// A stable lower-case name (`"encrypted"`, `"plaintext"`).
    ///
    /// ```
    /// assert_eq!(veil_core::connection::TransportKind::Plaintext.as_str(), "plaintext");
    /// ```
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            TransportKind::Encrypted => "encrypted",
            TransportKind::Plaintext => "plaintext",
        }
    }
}

/// Everything this node announces in its `version` message, except the
/// timestamp (taken from the wall clock passed in) and the nonce (drawn per
/// connection).
///
/// # Example
///
/// ```
/// use veil_core::connection::LocalVersion;
/// let local = LocalVersion { user_agent: "/my-node:1.0/".into(), ..LocalVersion::default() };
/// assert_eq!(local.features, 0);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LocalVersion {
    /// The highest protocol version spoken; [`PROTOCOL_VERSION`] by default.
    pub protocol_version: u32,
    /// General feature bits offered.
    pub features: u32,
    /// Privacy feature bits offered, besides traffic shaping's: bits 0-5
    /// ([`crate::shaping::feature::ALL`]) are announced from
    /// [`ConnectionConfig::shaping`] only, and ignored here.
    pub privacy_features: u32,
    /// Software name and version, at most 256 bytes.
    pub user_agent: String,
    /// Hash of the best block known.
    pub best_block_hash: [u8; 32],
    /// Height of that block.
    pub best_block_height: u64,
}

impl Default for LocalVersion {
    fn default() -> Self {
        LocalVersion {
            protocol_version: PROTOCOL_VERSION,
            features: 0,
            privacy_features: 0,
            user_agent: String::from(concat!("/veil:", env!("CARGO_PKG_VERSION"), "/")),
            best_block_hash: [0; 32],
            best_block_height: 0,
        }
    }
}

/// The rules and timers of a [`super::Connection`]. Share one among many
/// connections with an `Arc`.
///
/// Defaults follow the seed (`handshake_timeout`, `ping_interval`,
/// `inactivity_timeout`) and Bitcoin Core where the seed is silent.
///
/// # Example
///
/// ```
/// use veil_core::connection::{ConnectionConfig, LocalVersion};
/// use veil_core::Duration;
///
/// let config = ConnectionConfig {
///     local: LocalVersion { features: 0b11, ..LocalVersion::default() },
///     ping_interval: Duration::from_secs(30),
///     required_features: 0b1,
///     ..ConnectionConfig::default()
/// };
/// assert!(config.validate().is_ok());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectionConfig {
    /// What this node announces.
    pub local: LocalVersion,
    /// The oldest protocol version accepted from a peer.
    pub min_protocol_version: u32,
    /// Feature bits a peer must offer, or the handshake is refused.
    pub required_features: u32,
    /// Privacy feature bits a peer must offer.
    pub required_privacy_features: u32,
    /// Largest difference between the peer's `version` timestamp and the
    /// local wall clock.
    pub max_clock_skew: Duration,
    /// Transport of outbound connections.
    pub outbound_transport: TransportKind,
    /// Whether an inbound connection may speak plaintext (detected from its
    /// first 16 bytes). Never for a connection with an expected peer id.
    pub accept_plaintext: bool,
    /// Whether to hand the peer's `version` nonce to the caller for the
    /// self-connection check before answering (see
    /// [`super::Event::CheckNonce`]).
    pub check_self_connection: bool,
    /// From the first byte until the handshake is complete.
    pub handshake_timeout: Duration,
    /// Bytes accepted from the peer before the handshake completes.
    pub max_handshake_bytes: usize,
    /// Time between pings once connected.
    pub ping_interval: Duration,
    /// How long a ping may go unanswered.
    pub pong_timeout: Duration,
    /// How long the peer may send nothing at all.
    pub inactivity_timeout: Duration,
    /// How long a graceful close waits for the queue to drain.
    pub close_linger: Duration,
    /// Frame limits and the unknown-command policy, for both transports.
    pub wire: WireConfig,
    /// Most bytes [`super::Connection::send`] lets wait in the transmit queue.
    pub max_queued_bytes: usize,
    /// Largest random garbage sent after the first handshake message
    /// (at most [`super::MAX_GARBAGE_LEN`]).
    pub max_garbage_len: usize,
    /// Session rekey after this long (a fresh key exchange inside the
    /// channel; encrypted transport only).
    pub rekey_interval: Duration,
    /// Session rekey after this many bytes sent under one key.
    pub rekey_after_bytes: u64,
    /// How long the peer may take to answer a rekey.
    pub rekey_timeout: Duration,
    /// Traffic shaping of the encrypted transport: padding, decoys,
    /// bursts, jitter and the budgets offered to the peer. The
    /// [`privacy_level`](crate::shaping::PrivacyLevel) presets fill it;
    /// `standard` (bucket padding) by default.
    pub shaping: ShapingConfig,
}

impl Default for ConnectionConfig {
    fn default() -> Self {
        ConnectionConfig {
            local: LocalVersion::default(),
            min_protocol_version: PROTOCOL_VERSION,
            required_features: 0,
            required_privacy_features: 0,
            max_clock_skew: Duration::from_secs(70 * 60),
            outbound_transport: TransportKind::Encrypted,
            accept_plaintext: false,
            check_self_connection: false,
            handshake_timeout: Duration::from_secs(30),
            max_handshake_bytes: 16 * 1024,
            ping_interval: Duration::from_secs(60),
            pong_timeout: Duration::from_secs(60),
            inactivity_timeout: Duration::from_secs(10 * 60),
            close_linger: Duration::from_secs(5),
            wire: WireConfig::default(),
            max_queued_bytes: 16 * 1024 * 1024,
            max_garbage_len: super::MAX_GARBAGE_LEN,
            rekey_interval: Duration::from_secs(60 * 60),
            rekey_after_bytes: 1 << 30,
            rekey_timeout: Duration::from_secs(60),
            shaping: ShapingConfig::default(),
        }
    }
}

/// A configuration value that cannot work.
///
/// # Example
///
/// ```
/// use veil_core::connection::{ConfigError, ConnectionConfig};
/// let config = ConnectionConfig { max_garbage_len: 5000, ..ConnectionConfig::default() };
/// assert!(matches!(config.validate(), Err(ConfigError::GarbageTooLong { .. })));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// `max_garbage_len` is above the protocol's limit.
    GarbageTooLong {
        /// The configured value.
        len: usize,
        /// [`super::MAX_GARBAGE_LEN`].
        max: usize,
    },
    /// The user agent is longer than a `version` message allows.
    UserAgentTooLong {
        /// Its length.
        len: usize,
    },
    /// `max_handshake_bytes` is too small for any handshake to fit.
    HandshakeBytesTooSmall {
        /// The configured value.
        len: usize,
        /// The least that works with the configured garbage.
        min: usize,
    },
    /// A timer is zero.
    ZeroDuration {
        /// Which one.
        field: &'static str,
    },
    /// The own protocol version is below the minimum accepted.
    VersionBelowMinimum,
    /// The own offer lacks a feature it requires of peers (the peer would
    /// refuse the same way).
    RequiresUnofferedFeature,
    /// An expected peer id needs the encrypted transport.
    PinnedPeerNeedsEncryption,
    /// The traffic-shaping configuration cannot work.
    Shaping(ShapingConfigError),
    /// `wire.max_payload_len` cannot hold a largest `version` message.
    WireLimitTooSmall {
        /// The configured value.
        len: u32,
        /// The least that works.
        min: u32,
    },
}

impl core::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ConfigError::GarbageTooLong { len, max } => {
                write!(f, "max_garbage_len {len} is above the protocol limit {max}")
            }
            ConfigError::UserAgentTooLong { len } => write!(
                f,
                "user agent of {len} bytes is above the limit of {MAX_USER_AGENT_LEN}"
            ),
            ConfigError::HandshakeBytesTooSmall { len, min } => write!(
                f,
                "max_handshake_bytes {len} is below the {min} bytes a handshake may need"
            ),
            ConfigError::ZeroDuration { field } => write!(f, "{field} must not be zero"),
            ConfigError::VersionBelowMinimum => {
                f.write_str("own protocol version is below min_protocol_version")
            }
            ConfigError::RequiresUnofferedFeature => {
                f.write_str("a required feature bit is not offered locally")
            }
            ConfigError::PinnedPeerNeedsEncryption => {
                f.write_str("a connection with an expected peer id must be encrypted")
            }
            ConfigError::Shaping(error) => error.fmt(f),
            ConfigError::WireLimitTooSmall { len, min } => write!(
                f,
                "wire.max_payload_len {len} is below the {min} bytes of a largest version"
            ),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ConfigError {}

impl ConnectionConfig {
    /// Checks the values against each other and the protocol's limits.
    ///
    /// ```
    /// use veil_core::connection::{ConfigError, ConnectionConfig};
    /// use veil_core::Duration;
    /// let config = ConnectionConfig { pong_timeout: Duration::ZERO, ..ConnectionConfig::default() };
    /// assert_eq!(config.validate(), Err(ConfigError::ZeroDuration { field: "pong_timeout" }));
    /// ```
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.max_garbage_len > super::MAX_GARBAGE_LEN {
            return Err(ConfigError::GarbageTooLong {
                len: self.max_garbage_len,
                max: super::MAX_GARBAGE_LEN,
            });
        }
        if self.local.user_agent.len() > MAX_USER_AGENT_LEN {
            return Err(ConfigError::UserAgentTooLong {
                len: self.local.user_agent.len(),
            });
        }
        let min = super::MIN_HANDSHAKE_BYTES;
        if self.max_handshake_bytes < min {
            return Err(ConfigError::HandshakeBytesTooSmall {
                len: self.max_handshake_bytes,
                min,
            });
        }
        for (field, value) in [
            ("handshake_timeout", self.handshake_timeout),
            ("ping_interval", self.ping_interval),
            ("pong_timeout", self.pong_timeout),
            ("inactivity_timeout", self.inactivity_timeout),
            ("close_linger", self.close_linger),
            ("rekey_interval", self.rekey_interval),
            ("rekey_timeout", self.rekey_timeout),
        ] {
            if value == Duration::ZERO {
                return Err(ConfigError::ZeroDuration { field });
            }
        }
        let min = MessageKind::Version.max_payload_len();
        if self.wire.max_payload_len < min {
            return Err(ConfigError::WireLimitTooSmall {
                len: self.wire.max_payload_len,
                min,
            });
        }
        self.shaping.validate().map_err(ConfigError::Shaping)?;
        if self.local.protocol_version < self.min_protocol_version {
            return Err(ConfigError::VersionBelowMinimum);
        }
        if self.local.features & self.required_features != self.required_features
            || self.announced_privacy_features() & self.required_privacy_features
                != self.required_privacy_features
        {
            return Err(ConfigError::RequiresUnofferedFeature);
        }
        Ok(())
    }

    /// The privacy feature bits this side's `version` announces: those of
    /// [`LocalVersion::privacy_features`] above the shaping bits, and the
    /// traffic-shaping ones of [`ConnectionConfig::shaping`] (so a node
    /// never announces shaping it does not do).
    ///
    /// ```
    /// use veil_core::connection::ConnectionConfig;
    /// use veil_core::shaping::{feature, PrivacyLevel};
    /// let config = ConnectionConfig { shaping: PrivacyLevel::Off.config(), ..ConnectionConfig::default() };
    /// assert_eq!(config.announced_privacy_features(), 0);
    /// assert_eq!(ConnectionConfig::default().announced_privacy_features(), feature::BUCKET_PADDING);
    /// ```
    #[must_use]
    pub fn announced_privacy_features(&self) -> u32 {
        use crate::shaping::feature;
        (self.local.privacy_features & !feature::ALL) | self.shaping.features()
    }
}
