//! The `disconnect` message: why a peer is closing the connection.

use alloc::string::String;
use bytes::BufMut;
use core::fmt;

use super::limits::MAX_DISCONNECT_TEXT_LEN;
use super::{check_len, Decode, Encode, PayloadError};
use crate::codec::{compact_size_len, put_compact_size, Reader};

/// Why a connection is being closed (u16 little-endian on the wire).
///
/// # Example
///
/// ```
/// use veil_core::message::DisconnectReason;
/// assert_eq!(DisconnectReason::from_u16(4), DisconnectReason::Timeout);
/// assert_eq!(DisconnectReason::Timeout.as_str(), "timeout");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DisconnectReason {
    /// The node is shutting down (1).
    Shutdown,
    /// The peer broke the protocol (2).
    ProtocolViolation,
    /// The node has no room for this connection (3).
    TooManyConnections,
    /// A handshake, pong or inactivity deadline passed (4).
    Timeout,
    /// The peer's protocol version is too old (5).
    IncompatibleVersion,
    /// The peer lacks a feature this node requires (6).
    MissingFeatures,
    /// The node connected to itself (7).
    SelfConnection,
    /// Another connection to the same peer is kept instead (8).
    DuplicateConnection,
    /// The peer is banned (9).
    Banned,
    /// The peer was evicted to make room (10).
    Evicted,
    /// The connection is replaced as part of rotation (11).
    Rotation,
    /// The peer is not the identity this side expected (12).
    IdentityMismatch,
    /// The application asked for the close (13).
    Requested,
    /// A code this version does not know (never 1..=13); treated as a
    /// plain close.
    Other(u16),
}

impl DisconnectReason {
    /// The reason for a wire code.
    ///
    /// ```
    /// use veil_core::message::DisconnectReason;
    /// assert_eq!(DisconnectReason::from_u16(999), DisconnectReason::Other(999));
    /// ```
    #[must_use]
    pub const fn from_u16(code: u16) -> DisconnectReason {
        use DisconnectReason::*;
        match code {
            1 => Shutdown,
            2 => ProtocolViolation,
            3 => TooManyConnections,
            4 => Timeout,
            5 => IncompatibleVersion,
            6 => MissingFeatures,
            7 => SelfConnection,
            8 => DuplicateConnection,
            9 => Banned,
            10 => Evicted,
            11 => Rotation,
            12 => IdentityMismatch,
            13 => Requested,
            other => Other(other),
        }
    }

    /// The wire code of this reason.
    ///
    /// ```
    /// assert_eq!(veil_core::message::DisconnectReason::Shutdown.to_u16(), 1);
    /// ```
    #[must_use]
    pub const fn to_u16(self) -> u16 {
        use DisconnectReason::*;
        match self {
            Shutdown => 1,
            ProtocolViolation => 2,
            TooManyConnections => 3,
            Timeout => 4,
            IncompatibleVersion => 5,
            MissingFeatures => 6,
            SelfConnection => 7,
            DuplicateConnection => 8,
            Banned => 9,
            Evicted => 10,
            Rotation => 11,
            IdentityMismatch => 12,
            Requested => 13,
            Other(code) => code,
        }
    }

    /// A stable snake_case name for logs and test vectors.
    ///
    /// ```
    /// assert_eq!(veil_core::message::DisconnectReason::Other(77).as_str(), "other");
    /// ```
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        use DisconnectReason::*;
        match self {
            Shutdown => "shutdown",
            ProtocolViolation => "protocol_violation",
            TooManyConnections => "too_many_connections",
            Timeout => "timeout",
            IncompatibleVersion => "incompatible_version",
            MissingFeatures => "missing_features",
            SelfConnection => "self_connection",
            DuplicateConnection => "duplicate_connection",
            Banned => "banned",
            Evicted => "evicted",
            Rotation => "rotation",
            IdentityMismatch => "identity_mismatch",
            Requested => "requested",
            Other(_) => "other",
        }
    }
}

impl fmt::Display for DisconnectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DisconnectReason::Other(code) => write!(f, "other({code})"),
            known => f.write_str(known.as_str()),
        }
    }
}

/// The last message before a graceful close: a reason code and a short text.
///
/// Wire layout: `reason` u16 LE, `text` (CompactSize length ≤ 256, UTF-8).
///
/// # Example
///
/// ```
/// use veil_core::message::{Disconnect, DisconnectReason, Message};
/// let bye = Disconnect { reason: DisconnectReason::Shutdown, text: "bye".into() };
/// assert_eq!(Message::Disconnect(bye).payload_len(), 2 + 1 + 3);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Disconnect {
    /// Why the sender closes.
    pub reason: DisconnectReason,
    /// Human-readable detail, at most 256 bytes of UTF-8; may be empty.
    pub text: String,
}

/// Largest disconnect payload.
pub(crate) const MAX_DISCONNECT_LEN: usize =
    2 + compact_size_len(MAX_DISCONNECT_TEXT_LEN as u64) + MAX_DISCONNECT_TEXT_LEN;

impl Encode for Disconnect {
    fn encoded_len(&self) -> usize {
        2 + compact_size_len(self.text.len() as u64) + self.text.len()
    }

    fn encode<B: BufMut>(&self, out: &mut B) {
        out.put_u16_le(self.reason.to_u16());
        put_compact_size(out, self.text.len() as u64);
        out.put_slice(self.text.as_bytes());
    }

    fn check_limits(&self) -> Result<(), PayloadError> {
        if let DisconnectReason::Other(code) = self.reason {
            if DisconnectReason::from_u16(code) != self.reason {
                return Err(PayloadError::ShadowsKnownValue {
                    field: "disconnect.reason",
                    value: u64::from(code),
                });
            }
        }
        check_len("disconnect.text", self.text.len(), MAX_DISCONNECT_TEXT_LEN)
    }
}

impl Decode for Disconnect {
    fn decode(r: &mut Reader) -> Result<Self, PayloadError> {
        Ok(Disconnect {
            reason: DisconnectReason::from_u16(r.u16_le("disconnect.reason")?),
            text: r.string("disconnect.text", MAX_DISCONNECT_TEXT_LEN)?,
        })
    }
}
