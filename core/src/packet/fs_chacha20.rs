//! BIP324's FSChaCha20: the stream cipher for length fields, rekeyed from
//! its own keystream.

use chacha20::cipher::{KeyIvInit, StreamCipher};
use chacha20::{ChaCha20, Key, Nonce};

use super::{KEY_LEN, LENGTH_FIELD_LEN, REKEY_INTERVAL};

/// Encrypts (and, identically, decrypts) the 3-byte length fields.
///
/// One ChaCha20 keystream serves a whole rekey period: each length field
/// takes the next 3 bytes, rather than a fresh 64-byte block per packet.
/// After [`REKEY_INTERVAL`] fields (672 bytes) the next 32 keystream bytes
/// become the new key, the rekey counter (in the nonce) goes up by one and
/// the keystream restarts from block 0.
pub(super) struct FsChaCha20 {
    keystream: ChaCha20,
    fields_this_period: u32,
    rekeys: u64,
}

impl FsChaCha20 {
    pub(super) fn new(key: [u8; KEY_LEN]) -> Self {
        FsChaCha20 {
            keystream: keystream(key, 0),
            fields_this_period: 0,
            rekeys: 0,
        }
    }

    /// XORs the next 3 keystream bytes into `field`, rekeying after the last
    /// field of a period.
    pub(super) fn crypt(&mut self, field: &mut [u8; LENGTH_FIELD_LEN]) {
        self.keystream.apply_keystream(field);
        self.fields_this_period += 1;
        if self.fields_this_period == REKEY_INTERVAL {
            let mut next_key = [0u8; KEY_LEN];
            self.keystream.apply_keystream(&mut next_key);
            self.rekeys += 1;
            // Assigning in place overwrites the old cipher state (and the
            // keystream block holding `next_key`).
            self.keystream = keystream(next_key, self.rekeys);
            zeroize::Zeroize::zeroize(&mut next_key);
            self.fields_this_period = 0;
        }
    }
}

/// ChaCha20 for one period: nonce = 4 zero bytes || rekey counter (u64 LE).
fn keystream(key: [u8; KEY_LEN], rekeys: u64) -> ChaCha20 {
    let mut nonce = [0u8; 12];
    nonce[4..].copy_from_slice(&rekeys.to_le_bytes());
    ChaCha20::new(&Key::from(key), &Nonce::from(nonce))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consumes_one_keystream_then_rekeys_from_its_tail() {
        let key = [7u8; KEY_LEN];
        // The whole first period: 224 fields, then 32 bytes of next key.
        let mut expected = [0u8; 224 * 3 + 32];
        keystream(key, 0).apply_keystream(&mut expected);
        let next_key: [u8; KEY_LEN] = expected[672..].try_into().unwrap();

        let mut cipher = FsChaCha20::new(key);
        for chunk in expected[..672].chunks(3) {
            let mut field = [0u8; 3];
            cipher.crypt(&mut field);
            assert_eq!(field, chunk);
        }
        assert_eq!(cipher.rekeys, 1);

        let mut second_period = [0u8; 3];
        keystream(next_key, 1).apply_keystream(&mut second_period);
        let mut field = [0u8; 3];
        cipher.crypt(&mut field);
        assert_eq!(field, second_period);
    }
}
