//! The frame checksum: the first 4 bytes of SHA-256(SHA-256(payload)).

use sha2::{Digest, Sha256};

/// Length of the checksum field.
///
/// ```
/// assert_eq!(veil_core::wire::CHECKSUM_LEN, 4);
/// ```
pub const CHECKSUM_LEN: usize = 4;

/// The checksum of a whole payload.
///
/// # Example
///
/// ```
/// // The checksum of the empty payload, as in Bitcoin's verack.
/// assert_eq!(veil_core::wire::checksum(b""), [0x5d, 0xf6, 0xe0, 0xe2]);
/// ```
#[must_use]
pub fn checksum(payload: &[u8]) -> [u8; CHECKSUM_LEN] {
    let mut hasher = ChecksumHasher::new();
    hasher.update(payload);
    hasher.finish()
}

/// Computes a checksum over a payload that arrives in pieces, so the decoder
/// hashes bytes while they are still in cache.
#[derive(Clone, Default)]
pub(crate) struct ChecksumHasher(Sha256);

impl core::fmt::Debug for ChecksumHasher {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("ChecksumHasher")
    }
}

impl ChecksumHasher {
    pub(crate) fn new() -> Self {
        ChecksumHasher(Sha256::new())
    }

    pub(crate) fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    pub(crate) fn finish(self) -> [u8; CHECKSUM_LEN] {
        let inner = self.0.finalize();
        let outer = Sha256::digest(inner);
        let mut out = [0u8; CHECKSUM_LEN];
        out.copy_from_slice(&outer[..CHECKSUM_LEN]);
        out
    }
}
