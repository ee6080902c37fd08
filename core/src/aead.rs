//! The one ChaCha20-Poly1305 implementation veil uses, shared by the Noise
//! handshake and the packet layer: ring's, measured here at about twice the
//! throughput of RustCrypto's (BENCHMARKS.md, REFERENCES §4).

use ring::aead::{LessSafeKey, UnboundKey, CHACHA20_POLY1305};

/// A ChaCha20-Poly1305 key ready for sealing and opening.
pub(crate) fn chacha20_poly1305_key(key: &[u8; 32]) -> LessSafeKey {
    match UnboundKey::new(&CHACHA20_POLY1305, key) {
        Ok(key) => LessSafeKey::new(key),
        Err(_) => unreachable!("ChaCha20-Poly1305 takes exactly 32-byte keys"),
    }
}
