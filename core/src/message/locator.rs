//! Block locators for `getblocks` and `getheaders`.

use alloc::vec::Vec;
use bytes::BufMut;

use super::limits::MAX_LOCATOR_HASHES;
use super::{check_len, Decode, Encode, PayloadError};
use crate::codec::{compact_size_len, put_compact_size, Reader};

/// "Send me what follows the first of these hashes you know."
///
/// Wire layout: `version` u32 LE, CompactSize count (≤ 101), that many
/// 32-byte hashes (newest first, thinning out towards genesis), `stop` 32
/// bytes (all zero: as many as the answer allows).
///
/// # Example
///
/// ```
/// use veil_core::message::{BlockLocator, Message};
/// let locator = BlockLocator { version: 1, hashes: vec![[9; 32]], stop: [0; 32] };
/// assert_eq!(Message::GetHeaders(locator).payload_len(), 4 + 1 + 32 + 32);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct BlockLocator {
    /// The sender's protocol version.
    pub version: u32,
    /// Known block hashes, newest first.
    pub hashes: Vec<[u8; 32]>,
    /// Hash to stop at, or all zero for no limit.
    pub stop: [u8; 32],
}

/// Smallest encoded locator: version, empty count, stop hash.
const MIN_LEN: usize = 4 + 1 + 32;
/// Largest encoded locator.
pub(crate) const MAX_LOCATOR_LEN: usize =
    MIN_LEN - 1 + compact_size_len(MAX_LOCATOR_HASHES as u64) + MAX_LOCATOR_HASHES * 32;

impl Encode for BlockLocator {
    fn encoded_len(&self) -> usize {
        MIN_LEN - 1 + compact_size_len(self.hashes.len() as u64) + 32 * self.hashes.len()
    }

    fn encode<B: BufMut>(&self, out: &mut B) {
        out.put_u32_le(self.version);
        put_compact_size(out, self.hashes.len() as u64);
        for hash in &self.hashes {
            out.put_slice(hash);
        }
        out.put_slice(&self.stop);
    }

    fn check_limits(&self) -> Result<(), PayloadError> {
        check_len("locator.count", self.hashes.len(), MAX_LOCATOR_HASHES)
    }
}

impl Decode for BlockLocator {
    fn decode(r: &mut Reader) -> Result<Self, PayloadError> {
        let version = r.u32_le("locator.version")?;
        let count = r.count("locator.count", MAX_LOCATOR_HASHES, 32)?;
        let mut hashes = Vec::with_capacity(count);
        for _ in 0..count {
            hashes.push(r.array("locator.hash")?);
        }
        Ok(BlockLocator {
            version,
            hashes,
            stop: r.array("locator.stop")?,
        })
    }
}
