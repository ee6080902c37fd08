//! The node's configuration: limits, intervals and the configurations of
//! the parts it composes.

use alloc::vec::Vec;
use core::fmt;

use super::PeerAddr;
use crate::addrbook::{AddrBookConfig, AddrRateConfig};
use crate::connection::ConnectionConfig;
use crate::dandelion::DandelionConfig;
use crate::peering::{BackoffConfig, BanPolicy, EvictionConfig, RetryPolicy};
use crate::time::Duration;

/// Which outbound connections go through the SOCKS5 proxy.
///
/// `.onion` peers are reachable only through the proxy: with
/// [`ProxyMode::Off`] dialling one fails closed
/// ([`ConnectError::OnionWithoutProxy`](super::ConnectError::OnionWithoutProxy)).
///
/// ```
/// use veil_core::node::ProxyMode;
/// assert_eq!(ProxyMode::default(), ProxyMode::Off);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ProxyMode {
    /// No proxy: clearnet peers directly, onion peers never.
    #[default]
    Off,
    /// Onion peers through the proxy, clearnet peers directly.
    OnionOnly,
    /// Every outbound connection through the proxy (Tor-only node).
    All,
}

/// Everything a [`Node`](super::Node) is configured with. Defaults follow
/// the seeds and Bitcoin Core where the seeds are silent.
///
/// # Example
///
/// ```
/// use veil_core::node::{NodeConfig, ProxyMode};
///
/// let config = NodeConfig { proxy: ProxyMode::OnionOnly, ..NodeConfig::default() };
/// assert_eq!(config.max_outbound_connections, 8);
/// assert_eq!(config.max_inbound_connections, 125);
/// assert!(config.validate().is_ok());
/// let broken = NodeConfig { max_connections: 4, ..NodeConfig::default() };
/// assert_eq!(broken.validate().unwrap_err().key(), "max_connections");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeConfig {
    /// Every connection's rules and timers. The node turns on
    /// `check_self_connection` and, with Dandelion++ on, announces
    /// [`features::DANDELION`](crate::message::features::DANDELION).
    pub connection: ConnectionConfig,
    /// Automatic outbound connections kept (default 8).
    pub max_outbound_connections: usize,
    /// Inbound connections admitted; beyond, one is evicted or the newcomer
    /// refused (default 125).
    pub max_inbound_connections: usize,
    /// All long-lived connections together: inbound, outbound, manual and
    /// persistent (default 133).
    pub max_connections: usize,
    /// Manual and persistent connections (default 8).
    pub max_manual_connections: usize,
    /// Feeler and address-fetch connections at once (default 2); a new one
    /// replaces the least recently used.
    pub max_temporary_connections: usize,
    /// Below this many connected peers the node dials without pacing and
    /// turns to its bootstrap nodes (default 3).
    pub min_connections: usize,
    /// Automatic outbound peers per netgroup (default 1, as Bitcoin Core).
    pub max_outbound_per_netgroup: usize,
    /// Inbound peers per netgroup (default 8); onion and I2P inbound
    /// connections are exempt (their addresses are all local).
    pub max_inbound_per_netgroup: usize,
    /// Automatic dials in flight at once (default 4).
    pub max_pending_dials: usize,
    /// A dial (TCP, SOCKS5) must open within this (default 30 s, the
    /// seed's `connection_timeout`).
    pub connect_timeout: Duration,
    /// Pause between automatic dials while at least `min_connections`
    /// peers are connected (default 500 ms).
    pub dial_interval: Duration,
    /// How often a feeler tests a NEW address once outbound slots are full
    /// (default 2 min; zero turns feelers off).
    pub feeler_interval: Duration,
    /// How often one automatic outbound peer is replaced by a fresh one
    /// (default 30 min; zero turns rotation off).
    pub rotation_interval: Duration,
    /// A temporary connection is closed after this even if its purpose is
    /// not done (default 2 min).
    pub temporary_lifetime: Duration,
    /// Reconnect backoff of persistent peers (the seed's
    /// `reconnect_interval` is `base`; default 30 s up to 8 min).
    pub reconnect: BackoffConfig,
    /// Retry limits of manual and address-fetch dials (the seed's
    /// `max_retry_attempts` 3 and `retry_delay` 30 s).
    pub retry: RetryPolicy,
    /// An inbound peer connected less than this long ago is never evicted
    /// (default 10 s; zero turns the grace off): it gets time to finish its
    /// handshake and hear the answer to its `getaddr`. When only such
    /// newcomers could make room, a new arrival is refused instead
    /// ([`Refusal::InboundFull`](super::Refusal::InboundFull)), so a crowd
    /// arriving at once does not evict itself one by one.
    pub inbound_grace: Duration,
    /// Inbound eviction's protected shares.
    pub eviction: EvictionConfig,
    /// Discouragement and ban durations and bounds.
    pub bans: BanPolicy,
    /// The address book's tables.
    pub addrbook: AddrBookConfig,
    /// Per-peer `addr` token bucket.
    pub addr_rate: AddrRateConfig,
    /// Dandelion++ transaction relay; `None` relays every transaction by
    /// flooding.
    pub dandelion: Option<DandelionConfig>,
    /// Which dials go through the SOCKS5 proxy.
    pub proxy: ProxyMode,
    /// Fresh random SOCKS5 credentials per connection, so Tor gives each
    /// its own circuit (default on).
    pub isolate_streams: bool,
    /// This node's own listening addresses, announced to peers.
    pub advertised: Vec<PeerAddr>,
    /// General feature bits a peer scores higher for supporting.
    pub wanted_features: u32,
    /// Transaction hashes remembered to stop relay loops (default 50,000).
    pub max_known_txs: usize,
    /// Bytes of stem transactions kept to fluff them when their embargo
    /// expires (default 8 MiB); beyond, a transaction is fluffed at once.
    pub max_embargoed_bytes: usize,
    /// Bootstrap nodes kept (default 64).
    pub max_bootstrap_nodes: usize,
}

impl Default for NodeConfig {
    fn default() -> Self {
        NodeConfig {
            connection: ConnectionConfig::default(),
            max_outbound_connections: 8,
            max_inbound_connections: 125,
            max_connections: 133,
            max_manual_connections: 8,
            max_temporary_connections: 2,
            min_connections: 3,
            max_outbound_per_netgroup: 1,
            max_inbound_per_netgroup: 8,
            max_pending_dials: 4,
            connect_timeout: Duration::from_secs(30),
            dial_interval: Duration::from_millis(500),
            feeler_interval: Duration::from_secs(120),
            rotation_interval: Duration::from_secs(30 * 60),
            temporary_lifetime: Duration::from_secs(120),
            inbound_grace: Duration::from_secs(10),
            reconnect: BackoffConfig {
                base: Duration::from_secs(30),
                ..BackoffConfig::default()
            },
            retry: RetryPolicy {
                max_retry_attempts: 3,
                retry_delay: Duration::from_secs(30),
            },
            eviction: EvictionConfig::default(),
            bans: BanPolicy::default(),
            addrbook: AddrBookConfig::default(),
            addr_rate: AddrRateConfig::default(),
            dandelion: Some(DandelionConfig::default()),
            proxy: ProxyMode::Off,
            isolate_streams: true,
            advertised: Vec::new(),
            wanted_features: 0,
            max_known_txs: 50_000,
            max_embargoed_bytes: 8 << 20,
            max_bootstrap_nodes: 64,
        }
    }
}

/// A configuration the node refuses, naming the key that is wrong.
///
/// ```
/// use veil_core::node::NodeConfig;
/// let error = NodeConfig { max_pending_dials: 0, ..NodeConfig::default() }.validate().unwrap_err();
/// assert_eq!(error.to_string(), "max_pending_dials: must be at least 1");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NodeConfigError {
    /// A node setting is out of range.
    Invalid {
        /// The setting's name.
        key: &'static str,
        /// What is wrong with it.
        why: &'static str,
    },
    /// The connection configuration is invalid.
    Connection(crate::connection::ConfigError),
    /// The address book configuration is invalid.
    AddrBook(crate::addrbook::ConfigError),
    /// The Dandelion++ configuration is invalid.
    Dandelion(crate::dandelion::ConfigError),
}

impl NodeConfigError {
    /// The name of the offending setting (for nested configurations, the
    /// section).
    ///
    /// ```
    /// use veil_core::node::NodeConfigError;
    /// let error = NodeConfigError::Invalid { key: "min_connections", why: "too big" };
    /// assert_eq!(error.key(), "min_connections");
    /// ```
    #[must_use]
    pub fn key(&self) -> &'static str {
        match self {
            NodeConfigError::Invalid { key, .. } => key,
            NodeConfigError::Connection(_) => "connection",
            NodeConfigError::AddrBook(_) => "addrbook",
            NodeConfigError::Dandelion(_) => "dandelion",
        }
    }
}

impl fmt::Display for NodeConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NodeConfigError::Invalid { key, why } => write!(f, "{key}: {why}"),
            NodeConfigError::Connection(error) => write!(f, "connection: {error}"),
            NodeConfigError::AddrBook(error) => write!(f, "addrbook: {error}"),
            NodeConfigError::Dandelion(error) => write!(f, "dandelion: {error}"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for NodeConfigError {}

impl NodeConfig {
    /// Checks every setting; the error names the first wrong one.
    ///
    /// ```
    /// use veil_core::node::NodeConfig;
    /// let config = veil_core::node::NodeConfig { min_connections: 200, ..NodeConfig::default() };
    /// assert_eq!(config.validate().unwrap_err().key(), "min_connections");
    /// ```
    pub fn validate(&self) -> Result<(), NodeConfigError> {
        let invalid = |key, why| Err(NodeConfigError::Invalid { key, why });
        if self.max_connections < self.max_outbound_connections {
            return invalid(
                "max_connections",
                "must be at least max_outbound_connections",
            );
        }
        if self.min_connections > self.max_connections {
            return invalid("min_connections", "must be at most max_connections");
        }
        if self.max_pending_dials == 0 {
            return invalid("max_pending_dials", "must be at least 1");
        }
        if self.max_outbound_per_netgroup == 0 {
            return invalid("max_outbound_per_netgroup", "must be at least 1");
        }
        if self.max_inbound_per_netgroup == 0 {
            return invalid("max_inbound_per_netgroup", "must be at least 1");
        }
        if self.connect_timeout == Duration::ZERO {
            return invalid("connect_timeout", "must be positive");
        }
        if self.temporary_lifetime == Duration::ZERO {
            return invalid("temporary_lifetime", "must be positive");
        }
        if self.reconnect.base == Duration::ZERO || self.reconnect.max < self.reconnect.base {
            return invalid(
                "reconnect_interval",
                "must be positive and at most the backoff cap",
            );
        }
        if self.max_known_txs == 0 {
            return invalid("max_known_txs", "must be at least 1");
        }
        self.connection
            .validate()
            .map_err(NodeConfigError::Connection)?;
        self.addrbook
            .validate()
            .map_err(NodeConfigError::AddrBook)?;
        if let Some(dandelion) = &self.dandelion {
            dandelion.validate().map_err(NodeConfigError::Dandelion)?;
        }
        Ok(())
    }
}
