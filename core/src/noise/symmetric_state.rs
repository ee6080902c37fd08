//! Noise's SymmetricState: the chaining key, the handshake hash and the
//! handshake's CipherState.

use hkdf::Hkdf;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::cipher_state::CipherState;
use super::error::NoiseError;
use super::{HASH_LEN, KEY_LEN};

pub(super) struct SymmetricState {
    /// `ck`: the secret every DH result is folded into.
    chaining_key: Zeroizing<[u8; HASH_LEN]>,
    /// `h`: the hash of everything sent and received so far.
    hash: [u8; HASH_LEN],
    cipher: CipherState,
}

impl SymmetricState {
    /// The spec's `InitializeSymmetric(protocol_name)`.
    pub(super) fn new(protocol_name: &[u8]) -> Self {
        let mut hash = [0u8; HASH_LEN];
        if protocol_name.len() <= HASH_LEN {
            hash[..protocol_name.len()].copy_from_slice(protocol_name);
        } else {
            hash = Sha256::digest(protocol_name).into();
        }
        SymmetricState {
            chaining_key: Zeroizing::new(hash),
            hash,
            cipher: CipherState::empty(),
        }
    }

    /// A copy to work on; see [`CipherState::fork`].
    pub(super) fn fork(&self) -> Self {
        SymmetricState {
            chaining_key: self.chaining_key.clone(),
            hash: self.hash,
            cipher: self.cipher.fork(),
        }
    }

    pub(super) fn has_key(&self) -> bool {
        self.cipher.has_key()
    }

    pub(super) fn handshake_hash(&self) -> [u8; HASH_LEN] {
        self.hash
    }

    /// `MixKey(ikm)`: a new chaining key and a fresh cipher key, both
    /// from `HKDF(ck, ikm)`.
    pub(super) fn mix_key(&mut self, input_key_material: &[u8]) {
        let [chaining_key, key] = hkdf_pair(&self.chaining_key, input_key_material);
        self.chaining_key = chaining_key;
        self.cipher = CipherState::with_key(key);
    }

    /// `MixHash(data)`: `h = SHA-256(h || data)`.
    pub(super) fn mix_hash(&mut self, data: &[u8]) {
        let mut hasher = Sha256::new();
        hasher.update(self.hash);
        hasher.update(data);
        self.hash = hasher.finalize().into();
    }

    /// `EncryptAndHash(plaintext)` into the start of `out`; returns the
    /// ciphertext's length.
    pub(super) fn encrypt_and_hash(
        &mut self,
        plaintext: &[u8],
        out: &mut [u8],
    ) -> Result<usize, NoiseError> {
        let len = self.cipher.encrypt_with_ad(&self.hash, plaintext, out)?;
        self.mix_hash(&out[..len]);
        Ok(len)
    }

    /// `DecryptAndHash(ciphertext)` into the start of `out`; returns the
    /// plaintext's length. The hash takes the ciphertext, as sent.
    pub(super) fn decrypt_and_hash(
        &mut self,
        ciphertext: &[u8],
        out: &mut [u8],
    ) -> Result<usize, NoiseError> {
        let len = self.cipher.decrypt_with_ad(&self.hash, ciphertext, out)?;
        self.mix_hash(ciphertext);
        Ok(len)
    }

    /// A secret for `label` from the current chaining key:
    /// `HKDF-Expand(HKDF-Extract(ck, ""), label)`. Split uses the same
    /// extract with empty info, so a non-empty label never yields a split
    /// key; nothing is mixed into the handshake.
    pub(super) fn export(&self, label: &[u8]) -> Zeroizing<[u8; HASH_LEN]> {
        let mut out = Zeroizing::new([0u8; HASH_LEN]);
        let Ok(()) =
            Hkdf::<Sha256>::new(Some(&self.chaining_key[..]), &[]).expand(label, &mut out[..])
        else {
            unreachable!("32 bytes is far below HKDF-SHA256's limit")
        };
        out
    }

    /// `Split()`: the initiator's sending key, then the responder's.
    pub(super) fn split(&self) -> [Zeroizing<[u8; KEY_LEN]>; 2] {
        hkdf_pair(&self.chaining_key, &[])
    }
}

/// Noise's `HKDF(ck, ikm, 2)`, computed as RFC 5869 HKDF with `ck` as the
/// salt and empty info, expanded to 64 bytes.
///
/// The two are the same function. Noise: `temp = HMAC(ck, ikm)`,
/// `out1 = HMAC(temp, 0x01)`, `out2 = HMAC(temp, out1 || 0x02)`. RFC 5869:
/// Extract gives `PRK = HMAC(salt, ikm)`; Expand gives
/// `T(i) = HMAC(PRK, T(i-1) || info || i)` with `T(0)` empty. With
/// `salt = ck` and empty `info`, `PRK = temp`, `T(1) = out1` and
/// `T(2) = out2`. Both chaining key and cipher key are `HASH_LEN` = 32
/// bytes, so no truncation is needed.
fn hkdf_pair(chaining_key: &[u8; HASH_LEN], input_key_material: &[u8]) -> [Zeroizing<[u8; 32]>; 2] {
    let mut okm = Zeroizing::new([0u8; 2 * HASH_LEN]);
    let Ok(()) =
        Hkdf::<Sha256>::new(Some(chaining_key), input_key_material).expand(&[], &mut okm[..])
    else {
        unreachable!("HKDF-SHA256 expands to up to 8160 bytes; this asks for 64")
    };
    let mut first = Zeroizing::new([0u8; 32]);
    let mut second = Zeroizing::new([0u8; 32]);
    first.copy_from_slice(&okm[..HASH_LEN]);
    second.copy_from_slice(&okm[HASH_LEN..]);
    [first, second]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// HMAC-SHA256 by its definition (RFC 2104), keys up to 64 bytes.
    fn hmac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
        let mut padded = [0u8; 64];
        padded[..key.len()].copy_from_slice(key);
        let mut inner = Sha256::new();
        inner.update(padded.map(|b| b ^ 0x36));
        for part in parts {
            inner.update(part);
        }
        let mut outer = Sha256::new();
        outer.update(padded.map(|b| b ^ 0x5c));
        outer.update(inner.finalize());
        outer.finalize().into()
    }

    /// The spec's HKDF, written out with HMAC, against the HKDF crate's.
    #[test]
    fn hkdf_pair_is_noise_hkdf() {
        let chaining_key = [0x5a; 32];
        for ikm in [&b""[..], &[1; 32], &[7; 100]] {
            let temp_key = hmac(&chaining_key, &[ikm]);
            let out1 = hmac(&temp_key, &[&[1]]);
            let out2 = hmac(&temp_key, &[&out1, &[2]]);
            let [first, second] = hkdf_pair(&chaining_key, ikm);
            assert_eq!((*first, *second), (out1, out2));
        }
    }

    #[test]
    fn short_protocol_name_is_zero_padded_long_one_hashed() {
        let short = SymmetricState::new(b"Noise_X");
        let mut padded = [0u8; 32];
        padded[..7].copy_from_slice(b"Noise_X");
        assert_eq!(short.handshake_hash(), padded);
        assert_eq!(*short.chaining_key, padded);

        let long = [b'N'; 33];
        let hashed: [u8; 32] = Sha256::digest(long).into();
        assert_eq!(SymmetricState::new(&long).handshake_hash(), hashed);
    }

    #[test]
    fn mix_key_switches_on_encryption() {
        let mut state = SymmetricState::new(b"test");
        let mut out = [0u8; 32];
        assert_eq!(state.encrypt_and_hash(b"abc", &mut out), Ok(3));
        state.mix_key(&[1; 32]);
        assert!(state.has_key());
        assert_eq!(state.encrypt_and_hash(b"abc", &mut out), Ok(3 + 16));
    }
}
