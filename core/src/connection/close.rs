//! Why a connection closed, and what that means for the peer.

use core::fmt;

use crate::identity::{IdentityError, PeerId};
use crate::message::{Disconnect, DisconnectReason, MessageKind, PayloadError};
use crate::noise::NoiseError;
use crate::packet::DecryptError;
use crate::shaping::ShapingError;
use crate::time::Duration;
use crate::wire::WireError;
use crate::Consequence;

/// Which deadline passed.
///
/// # Example
///
/// ```
/// use veil_core::connection::TimeoutReason;
/// assert_eq!(TimeoutReason::Pong.as_str(), "pong");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TimeoutReason {
    /// The handshake did not complete in time (closes).
    Handshake,
    /// A ping went unanswered (closes).
    Pong,
    /// The peer sent nothing for too long (closes).
    Inactivity,
    /// The peer did not answer a session rekey (closes).
    RekeyResponse,
    /// A graceful close could not drain its queue in time (finishes the
    /// close).
    CloseLinger,
    /// Time to send the next ping (does not close).
    Ping,
    /// Time for a session rekey (does not close).
    Rekey,
    /// Traffic shaping has a held message, a constant-rate slot, chaff or
    /// a dummy packet due (does not close).
    Shaping,
}

impl TimeoutReason {
    /// A stable lower-case name, used in test vectors.
    ///
    /// ```
    /// use veil_core::connection::TimeoutReason;
    /// assert_eq!(TimeoutReason::from_name("inactivity"), Some(TimeoutReason::Inactivity));
    /// ```
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            TimeoutReason::Handshake => "handshake",
            TimeoutReason::Pong => "pong",
            TimeoutReason::Inactivity => "inactivity",
            TimeoutReason::RekeyResponse => "rekey_response",
            TimeoutReason::CloseLinger => "close_linger",
            TimeoutReason::Ping => "ping",
            TimeoutReason::Rekey => "rekey",
            TimeoutReason::Shaping => "shaping",
        }
    }

    /// The reason named `name` (see [`TimeoutReason::as_str`]).
    ///
    /// ```
    /// assert_eq!(veil_core::connection::TimeoutReason::from_name("nope"), None);
    /// ```
    #[must_use]
    pub fn from_name(name: &str) -> Option<TimeoutReason> {
        TimeoutReason::ALL
            .iter()
            .copied()
            .find(|reason| reason.as_str() == name)
    }

    /// Every reason.
    pub const ALL: [TimeoutReason; 8] = [
        TimeoutReason::Handshake,
        TimeoutReason::Pong,
        TimeoutReason::Inactivity,
        TimeoutReason::RekeyResponse,
        TimeoutReason::CloseLinger,
        TimeoutReason::Ping,
        TimeoutReason::Rekey,
        TimeoutReason::Shaping,
    ];
}

impl fmt::Display for TimeoutReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a connection closed. [`CloseReason::consequence`] says how grave it
/// was for the peer, so a peer manager can score it.
///
/// # Example
///
/// ```
/// use veil_core::connection::{CloseReason, TimeoutReason};
/// use veil_core::Consequence;
///
/// let reason = CloseReason::TimedOut(TimeoutReason::Pong);
/// assert_eq!(reason.consequence(), Consequence::Close);
/// assert_eq!(reason.to_string(), "timed out: pong");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CloseReason {
    /// This side called [`super::Connection::close`].
    Local(DisconnectReason),
    /// The peer sent a `disconnect` message.
    Remote(Disconnect),
    /// The byte stream ended ([`super::Connection::handle_eof`]).
    TransportEnded,
    /// A deadline passed.
    TimedOut(TimeoutReason),
    /// A frame was invalid (plaintext transport).
    Wire(WireError),
    /// A packet failed to decrypt or authenticate.
    Decrypt(DecryptError),
    /// The Noise handshake failed.
    Noise(NoiseError),
    /// The peer's identity proof failed.
    Identity(IdentityError),
    /// An authenticated packet held an invalid message.
    MalformedPayload {
        /// The message type.
        kind: MessageKind,
        /// What is wrong with it.
        error: PayloadError,
    },
    /// An authenticated packet's contents could not be framed: empty, an
    /// unknown message id under the reject policy, an oversize message or a
    /// malformed control message.
    MalformedPacket {
        /// What is wrong.
        problem: &'static str,
        /// The message id (first contents byte), if there was one.
        id: Option<u8>,
    },
    /// An authenticated packet's padding or fragmentation was malformed.
    Padding(ShapingError),
    /// A message that is not allowed in the connection's current state.
    UnexpectedMessage {
        /// The message's name.
        name: &'static str,
        /// The state it arrived in.
        state: &'static str,
    },
    /// The peer sent more than `max_handshake_bytes` before the handshake
    /// completed.
    HandshakeTooLarge {
        /// The limit.
        limit: usize,
    },
    /// The peer's garbage ran past the protocol limit without its
    /// terminator.
    GarbageTerminatorMissing,
    /// The handshake payload has a format this version does not speak.
    UnknownHandshakeFormat {
        /// The format byte received.
        format: u8,
    },
    /// The peer proved an identity other than the expected one.
    PeerIdMismatch {
        /// The identity expected.
        expected: PeerId,
        /// The identity proven.
        actual: PeerId,
    },
    /// An inbound peer spoke plaintext, which the configuration refuses.
    PlaintextRefused,
    /// The peer's protocol version is below the minimum.
    IncompatibleVersion {
        /// The peer's version.
        remote: u32,
        /// The least accepted.
        min: u32,
    },
    /// The peer's clock differs from ours by more than `max_clock_skew`.
    ClockSkew {
        /// The difference.
        skew: Duration,
        /// The limit.
        max: Duration,
    },
    /// The peer does not offer a required feature.
    MissingFeatures {
        /// Required general feature bits the peer lacks.
        features: u32,
        /// Required privacy feature bits the peer lacks.
        privacy_features: u32,
    },
    /// The peer's nonce is one of our own: we connected to ourselves.
    SelfConnection,
    /// The peer kept asking for answers (pings) while the transmit queue
    /// held `max_queued_bytes`: it is not reading, or the caller is not
    /// draining [`super::Connection::poll_transmit`].
    TransmitQueueFull {
        /// Bytes queued.
        queued: usize,
        /// The configured limit.
        limit: usize,
    },
}

impl CloseReason {
    /// What the close means for the peer: [`Consequence::Close`] for
    /// closes that are nobody's fault or an honest mismatch,
    /// [`Consequence::Discourage`] for protocol violations only a broken or
    /// malicious peer commits.
    ///
    /// ```
    /// use veil_core::connection::CloseReason;
    /// use veil_core::Consequence;
    /// let reason = CloseReason::UnexpectedMessage { name: "block", state: "handshaking" };
    /// assert_eq!(reason.consequence(), Consequence::Discourage);
    /// ```
    #[must_use]
    pub fn consequence(&self) -> Consequence {
        match self {
            CloseReason::Wire(error) => error.consequence(),
            CloseReason::Decrypt(error) => error.consequence(),
            CloseReason::Noise(error) => error.consequence(),
            CloseReason::Identity(error) => error.consequence(),
            CloseReason::MalformedPayload { .. }
            | CloseReason::MalformedPacket { .. }
            | CloseReason::Padding(_)
            | CloseReason::UnexpectedMessage { .. } => Consequence::Discourage,
            // Counted before anything is authenticated: anyone on the path
            // could inflate it, so it does not punish the peer.
            CloseReason::HandshakeTooLarge { .. }
            | CloseReason::Local(_)
            | CloseReason::Remote(_)
            | CloseReason::TransportEnded
            | CloseReason::TimedOut(_)
            | CloseReason::GarbageTerminatorMissing
            | CloseReason::UnknownHandshakeFormat { .. }
            | CloseReason::PeerIdMismatch { .. }
            | CloseReason::PlaintextRefused
            | CloseReason::IncompatibleVersion { .. }
            | CloseReason::ClockSkew { .. }
            | CloseReason::MissingFeatures { .. }
            | CloseReason::SelfConnection
            | CloseReason::TransmitQueueFull { .. } => Consequence::Close,
        }
    }

    /// The reason code told to the peer in the `disconnect` message, when
    /// one can still be sent.
    ///
    /// ```
    /// use veil_core::connection::CloseReason;
    /// use veil_core::message::DisconnectReason;
    /// assert_eq!(CloseReason::SelfConnection.disconnect_reason(), DisconnectReason::SelfConnection);
    /// ```
    #[must_use]
    pub fn disconnect_reason(&self) -> DisconnectReason {
        match self {
            CloseReason::Local(reason) => *reason,
            CloseReason::Remote(disconnect) => disconnect.reason,
            CloseReason::TransportEnded => DisconnectReason::Requested,
            CloseReason::TimedOut(_) => DisconnectReason::Timeout,
            CloseReason::IncompatibleVersion { .. } => DisconnectReason::IncompatibleVersion,
            CloseReason::MissingFeatures { .. } => DisconnectReason::MissingFeatures,
            CloseReason::SelfConnection => DisconnectReason::SelfConnection,
            CloseReason::PeerIdMismatch { .. } => DisconnectReason::IdentityMismatch,
            CloseReason::ClockSkew { .. }
            | CloseReason::Wire(_)
            | CloseReason::Decrypt(_)
            | CloseReason::Noise(_)
            | CloseReason::Identity(_)
            | CloseReason::MalformedPayload { .. }
            | CloseReason::MalformedPacket { .. }
            | CloseReason::Padding(_)
            | CloseReason::UnexpectedMessage { .. }
            | CloseReason::HandshakeTooLarge { .. }
            | CloseReason::GarbageTerminatorMissing
            | CloseReason::UnknownHandshakeFormat { .. }
            | CloseReason::PlaintextRefused
            | CloseReason::TransmitQueueFull { .. } => DisconnectReason::ProtocolViolation,
        }
    }

    /// A stable snake_case name of the variant, used in test vectors.
    ///
    /// ```
    /// use veil_core::connection::CloseReason;
    /// assert_eq!(CloseReason::TransportEnded.name(), "transport_ended");
    /// ```
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            CloseReason::Local(_) => "local",
            CloseReason::Remote(_) => "remote",
            CloseReason::TransportEnded => "transport_ended",
            CloseReason::TimedOut(_) => "timed_out",
            CloseReason::Wire(_) => "wire",
            CloseReason::Decrypt(_) => "decrypt",
            CloseReason::Noise(_) => "noise",
            CloseReason::Identity(_) => "identity",
            CloseReason::MalformedPayload { .. } => "malformed_payload",
            CloseReason::MalformedPacket { .. } => "malformed_packet",
            CloseReason::Padding(_) => "padding",
            CloseReason::UnexpectedMessage { .. } => "unexpected_message",
            CloseReason::HandshakeTooLarge { .. } => "handshake_too_large",
            CloseReason::GarbageTerminatorMissing => "garbage_terminator_missing",
            CloseReason::UnknownHandshakeFormat { .. } => "unknown_handshake_format",
            CloseReason::PeerIdMismatch { .. } => "peer_id_mismatch",
            CloseReason::PlaintextRefused => "plaintext_refused",
            CloseReason::IncompatibleVersion { .. } => "incompatible_version",
            CloseReason::ClockSkew { .. } => "clock_skew",
            CloseReason::MissingFeatures { .. } => "missing_features",
            CloseReason::SelfConnection => "self_connection",
            CloseReason::TransmitQueueFull { .. } => "transmit_queue_full",
        }
    }
}

impl fmt::Display for CloseReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CloseReason::Local(reason) => write!(f, "closed locally: {}", reason.as_str()),
            CloseReason::Remote(bye) if bye.text.is_empty() => {
                write!(f, "peer disconnected: {}", bye.reason.as_str())
            }
            CloseReason::Remote(bye) => {
                write!(f, "peer disconnected: {} ({:?})", bye.reason.as_str(), bye.text)
            }
            CloseReason::TransportEnded => f.write_str("the byte stream ended"),
            CloseReason::TimedOut(which) => write!(f, "timed out: {which}"),
            CloseReason::Wire(error) => write!(f, "invalid frame: {error}"),
            CloseReason::Decrypt(error) => write!(f, "invalid packet: {error}"),
            CloseReason::Noise(error) => write!(f, "handshake failed: {error}"),
            CloseReason::Identity(error) => write!(f, "identity proof failed: {error}"),
            CloseReason::MalformedPayload { kind, error } => {
                write!(f, "malformed {} payload: {error}", kind.name())
            }
            CloseReason::MalformedPacket { problem, id: Some(id) } => {
                write!(f, "malformed packet (message id {id}): {problem}")
            }
            CloseReason::MalformedPacket { problem, id: None } => {
                write!(f, "malformed packet: {problem}")
            }
            CloseReason::Padding(error) => write!(f, "malformed padding: {error}"),
            CloseReason::UnexpectedMessage { name, state } => {
                write!(f, "{name} is not allowed while {state}")
            }
            CloseReason::HandshakeTooLarge { limit } => {
                write!(f, "peer sent more than {limit} bytes before the handshake completed")
            }
            CloseReason::GarbageTerminatorMissing => {
                f.write_str("no garbage terminator within the protocol limit")
            }
            CloseReason::UnknownHandshakeFormat { format } => {
                write!(f, "unknown handshake payload format {format}")
            }
            CloseReason::PeerIdMismatch { expected, actual } => {
                write!(f, "expected peer {expected}, but {actual} answered")
            }
            CloseReason::PlaintextRefused => f.write_str("plaintext connections are refused"),
            CloseReason::IncompatibleVersion { remote, min } => {
                write!(f, "peer protocol version {remote} is below the minimum {min}")
            }
            CloseReason::ClockSkew { skew, max } => {
                write!(f, "peer clock differs by {skew}, more than {max}")
            }
            CloseReason::MissingFeatures {
                features,
                privacy_features,
            } => write!(
                f,
                "peer lacks required features {features:#010x} / privacy features {privacy_features:#010x}"
            ),
            CloseReason::SelfConnection => f.write_str("connected to self"),
            CloseReason::TransmitQueueFull { queued, limit } => write!(
                f,
                "the peer asked for answers while {queued} bytes were queued (limit {limit})"
            ),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for CloseReason {}
