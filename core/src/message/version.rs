//! The `version` message: what a node is and what it supports.

use alloc::string::String;
use bytes::BufMut;

use super::limits::MAX_USER_AGENT_LEN;
use super::{check_len, Decode, Encode, PayloadError};
use crate::codec::{compact_size_len, put_compact_size, Reader};
use crate::time::UnixTime;

/// The protocol version this release of veil speaks.
///
/// ```
/// assert_eq!(veil_core::message::PROTOCOL_VERSION, 1);
/// ```
pub const PROTOCOL_VERSION: u32 = 1;

/// The `version` message: the first message each side sends.
///
/// Wire layout (all integers little-endian): `protocol_version` u32,
/// `timestamp` u64 (Unix seconds), `features` u32, `privacy_features` u32,
/// `user_agent` (CompactSize length ≤ 256, UTF-8), `best_block_hash` 32 bytes,
/// `best_block_height` u64, `nonce` u64. Nothing may follow.
///
/// # Example
///
/// ```
/// use veil_core::message::{Message, Version, PROTOCOL_VERSION};
/// use veil_core::UnixTime;
///
/// let version = Version {
///     protocol_version: PROTOCOL_VERSION,
///     timestamp: UnixTime::from_secs(1_700_000_000),
///     features: 0b11,
///     privacy_features: 0b1,
///     user_agent: "/veil:0.1.0/".into(),
///     best_block_hash: [0; 32],
///     best_block_height: 0,
///     nonce: 42,
/// };
/// assert_eq!(Message::Version(version).payload_len(), 69 + 12);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Version {
    /// The highest protocol version the sender speaks.
    pub protocol_version: u32,
    /// The sender's wall-clock time when it sent the message.
    pub timestamp: UnixTime,
    /// General feature bits the sender supports; negotiated by AND.
    pub features: u32,
    /// Privacy feature bits the sender supports; negotiated by AND.
    pub privacy_features: u32,
    /// Software name and version, at most 256 bytes of UTF-8.
    pub user_agent: String,
    /// Hash of the best block the sender knows.
    pub best_block_hash: [u8; 32],
    /// Height of that block.
    pub best_block_height: u64,
    /// A random value identifying this connection (self-connection check).
    pub nonce: u64,
}

/// Bytes of a version payload besides the user agent's own bytes.
const FIXED_LEN: usize = 4 + 8 + 4 + 4 + 1 + 32 + 8 + 8;

impl Encode for Version {
    fn encoded_len(&self) -> usize {
        FIXED_LEN - 1 + compact_size_len(self.user_agent.len() as u64) + self.user_agent.len()
    }

    fn encode<B: BufMut>(&self, out: &mut B) {
        out.put_u32_le(self.protocol_version);
        out.put_u64_le(self.timestamp.as_secs());
        out.put_u32_le(self.features);
        out.put_u32_le(self.privacy_features);
        put_compact_size(out, self.user_agent.len() as u64);
        out.put_slice(self.user_agent.as_bytes());
        out.put_slice(&self.best_block_hash);
        out.put_u64_le(self.best_block_height);
        out.put_u64_le(self.nonce);
    }

    fn check_limits(&self) -> Result<(), PayloadError> {
        check_len(
            "version.user_agent",
            self.user_agent.len(),
            MAX_USER_AGENT_LEN,
        )
    }
}

impl Decode for Version {
    fn decode(r: &mut Reader) -> Result<Self, PayloadError> {
        Ok(Version {
            protocol_version: r.u32_le("version.protocol_version")?,
            timestamp: UnixTime::from_secs(r.u64_le("version.timestamp")?),
            features: r.u32_le("version.features")?,
            privacy_features: r.u32_le("version.privacy_features")?,
            user_agent: r.string("version.user_agent", MAX_USER_AGENT_LEN)?,
            best_block_hash: r.array("version.best_block_hash")?,
            best_block_height: r.u64_le("version.best_block_height")?,
            nonce: r.u64_le("version.nonce")?,
        })
    }
}

/// Largest version payload.
pub(crate) const MAX_VERSION_LEN: usize =
    FIXED_LEN - 1 + compact_size_len(MAX_USER_AGENT_LEN as u64) + MAX_USER_AGENT_LEN;
