//! Noise's CipherState: a ChaCha20-Poly1305 key and a 64-bit nonce counter.

use crate::aead::chacha20_poly1305_key;
use core::fmt;

use ring::aead::{Aad, Nonce, Tag};
use zeroize::Zeroizing;

use super::error::NoiseError;
use super::{KEY_LEN, MAX_MESSAGE_LEN, TAG_LEN};

/// Reserved by the spec for [`CipherState::rekey`]; never a message nonce.
const REKEY_NONCE: u64 = u64::MAX;

/// One direction of a finished handshake: encrypts or decrypts transport
/// messages in order, each under the next nonce.
///
/// Decrypting must follow the order of encrypting. A failed call changes
/// nothing (a message that fails authentication does not use up a nonce, as
/// the spec says).
///
/// The key is wiped on drop. `ring` builds its own key copy on the stack for
/// each call and does not wipe that one.
///
/// # Example
///
/// ```
/// use veil_core::noise::CipherState;
///
/// let (mut sender, mut receiver) = (CipherState::new([7; 32]), CipherState::new([7; 32]));
/// let mut message = [0u8; 64];
/// let len = sender.encrypt(b"ping", &mut message).unwrap();
/// assert_eq!(len, 4 + 16);
/// let mut plaintext = [0u8; 64];
/// let n = receiver.decrypt(&message[..len], &mut plaintext).unwrap();
/// assert_eq!(&plaintext[..n], b"ping");
/// ```
pub struct CipherState {
    /// `None` until the handshake mixes in its first DH result: messages
    /// then go in plaintext.
    key: Option<Zeroizing<[u8; KEY_LEN]>>,
    nonce: u64,
}

impl CipherState {
    /// A cipher with `key`, starting at nonce 0.
    ///
    /// ```
    /// let cipher = veil_core::noise::CipherState::new([0; 32]);
    /// assert_eq!(cipher.nonce(), 0);
    /// ```
    #[must_use]
    pub fn new(key: [u8; KEY_LEN]) -> Self {
        Self::with_key(Zeroizing::new(key))
    }

    /// Like [`CipherState::new`], without an unwiped copy of the key.
    pub(super) fn with_key(key: Zeroizing<[u8; KEY_LEN]>) -> Self {
        CipherState {
            key: Some(key),
            nonce: 0,
        }
    }

    pub(super) fn empty() -> Self {
        CipherState {
            key: None,
            nonce: 0,
        }
    }

    /// A second cipher in the same state, for work that may be abandoned.
    /// Not `Clone`: two live copies would encrypt under the same nonce.
    pub(super) fn fork(&self) -> Self {
        CipherState {
            key: self.key.clone(),
            nonce: self.nonce,
        }
    }

    pub(super) fn has_key(&self) -> bool {
        self.key.is_some()
    }

    /// The nonce the next message will use: the count of messages
    /// encrypted or decrypted so far.
    ///
    /// ```
    /// let mut cipher = veil_core::noise::CipherState::new([0; 32]);
    /// cipher.encrypt(b"", &mut [0; 16]).unwrap();
    /// assert_eq!(cipher.nonce(), 1);
    /// ```
    #[must_use]
    pub fn nonce(&self) -> u64 {
        self.nonce
    }

    /// Encrypts `plaintext` as one transport message at the start of `out`
    /// and returns its length, `plaintext.len() + 16`.
    ///
    /// ```
    /// use veil_core::noise::{CipherState, NoiseError};
    /// let mut cipher = CipherState::new([0; 32]);
    /// let err = cipher.encrypt(b"hello", &mut [0; 8]);
    /// assert_eq!(err, Err(NoiseError::BufferTooSmall { required: 21, available: 8 }));
    /// ```
    pub fn encrypt(&mut self, plaintext: &[u8], out: &mut [u8]) -> Result<usize, NoiseError> {
        let max = MAX_MESSAGE_LEN - TAG_LEN;
        if plaintext.len() > max {
            return Err(NoiseError::PayloadTooLong {
                len: plaintext.len(),
                max,
            });
        }
        self.encrypt_with_ad(&[], plaintext, out)
    }

    /// Verifies and decrypts one transport message into the start of `out`
    /// and returns the plaintext's length, `message.len() - 16`.
    ///
    /// ```
    /// use veil_core::noise::{CipherState, NoiseError};
    /// let mut cipher = CipherState::new([0; 32]);
    /// assert_eq!(cipher.decrypt(&[0; 20], &mut [0; 4]), Err(NoiseError::Decrypt));
    /// assert_eq!(cipher.nonce(), 0);
    /// ```
    pub fn decrypt(&mut self, message: &[u8], out: &mut [u8]) -> Result<usize, NoiseError> {
        if !(TAG_LEN..=MAX_MESSAGE_LEN).contains(&message.len()) {
            return Err(NoiseError::WrongMessageLength {
                len: message.len(),
                min: TAG_LEN,
                max: MAX_MESSAGE_LEN,
            });
        }
        self.decrypt_with_ad(&[], message, out)
    }

    /// Moves to a new key derived from the current one (the spec's
    /// `Rekey()`), so a later key leak does not expose earlier messages.
    /// Both sides must rekey at the same point; the nonce carries on.
    ///
    /// ```
    /// use veil_core::noise::CipherState;
    /// let (mut a, mut b) = (CipherState::new([1; 32]), CipherState::new([1; 32]));
    /// a.rekey();
    /// let mut message = [0u8; 16];
    /// a.encrypt(b"", &mut message).unwrap();
    /// assert!(b.decrypt(&message, &mut []).is_err());
    /// ```
    pub fn rekey(&mut self) {
        if let Some(key) = &mut self.key {
            // REKEY(k): the first 32 bytes of ENCRYPT(k, 2^64 - 1, "", zeros).
            let mut next = Zeroizing::new([0u8; KEY_LEN]);
            let Ok(_) = chacha20_poly1305_key(key).seal_in_place_separate_tag(
                nonce(REKEY_NONCE),
                Aad::empty(),
                &mut next[..],
            ) else {
                unreachable!("sealing 32 bytes cannot fail")
            };
            *key = next;
        }
    }

    /// The spec's `EncryptWithAd`: without a key, the plaintext as is.
    pub(super) fn encrypt_with_ad(
        &mut self,
        ad: &[u8],
        plaintext: &[u8],
        out: &mut [u8],
    ) -> Result<usize, NoiseError> {
        let tag_len = if self.has_key() { TAG_LEN } else { 0 };
        let required = plaintext.len() + tag_len;
        let Some(out) = out.get_mut(..required) else {
            return Err(NoiseError::BufferTooSmall {
                required,
                available: out.len(),
            });
        };
        if self.has_key() && self.nonce == REKEY_NONCE {
            return Err(NoiseError::NonceExhausted);
        }
        let (body, tag_out) = out.split_at_mut(plaintext.len());
        body.copy_from_slice(plaintext);
        let Some(key) = &self.key else {
            return Ok(required);
        };
        let Ok(tag) = chacha20_poly1305_key(key).seal_in_place_separate_tag(
            nonce(self.nonce),
            Aad::from(ad),
            body,
        ) else {
            unreachable!(
                "ChaCha20-Poly1305 seals anything under 256 GiB; messages are under 64 KiB"
            )
        };
        tag_out.copy_from_slice(tag.as_ref());
        self.nonce += 1;
        Ok(required)
    }

    /// The spec's `DecryptWithAd`: without a key, the ciphertext as is. On
    /// failure the nonce stays and `out` is zeroed, so no unauthenticated
    /// plaintext is left behind.
    pub(super) fn decrypt_with_ad(
        &mut self,
        ad: &[u8],
        ciphertext: &[u8],
        out: &mut [u8],
    ) -> Result<usize, NoiseError> {
        let Some(key) = &self.key else {
            let Some(out) = out.get_mut(..ciphertext.len()) else {
                return Err(NoiseError::BufferTooSmall {
                    required: ciphertext.len(),
                    available: out.len(),
                });
            };
            out.copy_from_slice(ciphertext);
            return Ok(ciphertext.len());
        };
        let Some(body_len) = ciphertext.len().checked_sub(TAG_LEN) else {
            // A keyed field shorter than its tag cannot be authentic.
            return Err(NoiseError::Decrypt);
        };
        let Some(body) = out.get_mut(..body_len) else {
            return Err(NoiseError::BufferTooSmall {
                required: body_len,
                available: out.len(),
            });
        };
        if self.nonce == REKEY_NONCE {
            return Err(NoiseError::NonceExhausted);
        }
        let (encrypted, tag) = ciphertext.split_at(body_len);
        let mut tag_bytes = [0u8; TAG_LEN];
        tag_bytes.copy_from_slice(tag);
        body.copy_from_slice(encrypted);
        let opened = chacha20_poly1305_key(key).open_in_place_separate_tag(
            nonce(self.nonce),
            Aad::from(ad),
            Tag::from(tag_bytes),
            body,
            0..,
        );
        if opened.is_err() {
            body.fill(0);
            return Err(NoiseError::Decrypt);
        }
        self.nonce += 1;
        Ok(body_len)
    }
}

impl fmt::Debug for CipherState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CipherState")
            .field("has_key", &self.has_key())
            .field("nonce", &self.nonce)
            .finish_non_exhaustive()
    }
}

/// Noise's ChaChaPoly nonce: 4 zero bytes, then the counter as u64 LE.
fn nonce(counter: u64) -> Nonce {
    let mut bytes = [0u8; 12];
    bytes[4..].copy_from_slice(&counter.to_le_bytes());
    Nonce::assume_unique_for_key(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonce_layout_is_four_zero_bytes_then_counter_le() {
        let mut expected = [0u8; 12];
        expected[4] = 0x02;
        expected[5] = 0x01;
        assert_eq!(nonce(0x0102).as_ref(), &expected);
    }

    #[test]
    fn without_key_fields_pass_in_plaintext() {
        let mut cipher = CipherState::empty();
        let mut out = [0u8; 3];
        assert_eq!(cipher.encrypt_with_ad(b"h", b"abc", &mut out), Ok(3));
        assert_eq!(&out, b"abc");
        assert_eq!(cipher.decrypt_with_ad(b"h", b"xyz", &mut out), Ok(3));
        assert_eq!(&out, b"xyz");
        assert_eq!(cipher.nonce(), 0);
    }

    #[test]
    fn associated_data_is_authenticated() {
        let (mut a, mut b) = (CipherState::new([9; 32]), CipherState::new([9; 32]));
        let mut message = [0u8; 18];
        a.encrypt_with_ad(b"one", b"hi", &mut message).unwrap();
        let mut out = [0u8; 2];
        assert_eq!(
            b.decrypt_with_ad(b"two", &message, &mut out),
            Err(NoiseError::Decrypt)
        );
        assert_eq!(b.decrypt_with_ad(b"one", &message, &mut out), Ok(2));
        assert_eq!(&out, b"hi");
    }

    #[test]
    fn failed_decryption_zeroes_output_and_keeps_nonce() {
        let (mut a, mut b) = (CipherState::new([9; 32]), CipherState::new([9; 32]));
        let mut message = [0u8; 20];
        a.encrypt(b"data", &mut message).unwrap();
        message[0] ^= 1;
        let mut out = [0xaa; 4];
        assert_eq!(b.decrypt(&message, &mut out), Err(NoiseError::Decrypt));
        assert_eq!(out, [0; 4]);
        assert_eq!(b.nonce(), 0);
        message[0] ^= 1;
        assert_eq!(b.decrypt(&message, &mut out), Ok(4));
    }

    #[test]
    fn last_nonce_is_reserved() {
        let mut cipher = CipherState::new([1; 32]);
        cipher.nonce = REKEY_NONCE;
        assert_eq!(
            cipher.encrypt(b"", &mut [0; 16]),
            Err(NoiseError::NonceExhausted)
        );
        assert_eq!(
            cipher.decrypt(&[0; 16], &mut []),
            Err(NoiseError::NonceExhausted)
        );
        // One below still works.
        cipher.nonce = REKEY_NONCE - 1;
        assert_eq!(cipher.encrypt(b"", &mut [0; 16]), Ok(16));
    }

    #[test]
    fn transport_lengths_are_bounded() {
        let mut cipher = CipherState::new([1; 32]);
        let too_long = [0u8; MAX_MESSAGE_LEN - TAG_LEN + 1];
        let mut out = [0u8; MAX_MESSAGE_LEN + 1];
        assert_eq!(
            cipher.encrypt(&too_long, &mut out),
            Err(NoiseError::PayloadTooLong {
                len: MAX_MESSAGE_LEN - TAG_LEN + 1,
                max: MAX_MESSAGE_LEN - TAG_LEN
            })
        );
        let longest = &too_long[..MAX_MESSAGE_LEN - TAG_LEN];
        assert_eq!(cipher.encrypt(longest, &mut out), Ok(MAX_MESSAGE_LEN));
        for len in [0, TAG_LEN - 1, MAX_MESSAGE_LEN + 1] {
            assert_eq!(
                cipher.decrypt(&out[..len], &mut [0; MAX_MESSAGE_LEN]),
                Err(NoiseError::WrongMessageLength {
                    len,
                    min: TAG_LEN,
                    max: MAX_MESSAGE_LEN
                })
            );
        }
    }

    #[test]
    fn rekeying_both_sides_keeps_them_in_step() {
        let (mut a, mut b) = (CipherState::new([4; 32]), CipherState::new([4; 32]));
        let mut message = [0u8; 17];
        a.encrypt(b"1", &mut message).unwrap();
        b.decrypt(&message, &mut [0; 1]).unwrap();
        a.rekey();
        b.rekey();
        a.encrypt(b"1", &mut message).unwrap();
        assert_eq!(b.decrypt(&message, &mut [0; 1]), Ok(1));
        assert_eq!((a.nonce(), b.nonce()), (2, 2));
    }
}
