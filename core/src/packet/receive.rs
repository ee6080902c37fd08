//! Decrypting packets: the length first, then the authenticated body.

use core::fmt;

use super::error::DecryptError;
use super::fs_chacha20::FsChaCha20;
use super::fs_chacha20_poly1305::FsChaCha20Poly1305;
use super::header::Header;
use super::{body_len, KEY_LEN, LENGTH_FIELD_LEN, MAX_CONTENTS_LEN, TAG_LEN};

/// The default largest contents a [`ReceiveCipher`] accepts: room for one
/// wire frame at the wire layer's default payload limit
/// ([`crate::wire::DEFAULT_MAX_PAYLOAD_LEN`] plus its 20-byte header).
///
/// ```
/// assert_eq!(veil_core::packet::DEFAULT_MAX_CONTENTS_LEN, 4_000_020);
/// ```
pub const DEFAULT_MAX_CONTENTS_LEN: usize =
    crate::wire::DEFAULT_MAX_PAYLOAD_LEN as usize + crate::wire::HEADER_LEN;

/// A verified, decrypted packet.
///
/// A decoy ([`Packet::is_decoy`]) has been authenticated like any other
/// packet; the caller drops it (BIP324 processes the garbage-authentication
/// packet whatever its decoy bit, so the choice is the caller's).
///
/// # Example
///
/// ```
/// use veil_core::packet::{Header, Packet};
/// let packet = Packet { header: Header::DECOY, contents: b"" };
/// assert!(packet.is_decoy());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Packet<'a> {
    /// The header byte, reserved bits included.
    pub header: Header,
    /// The contents, borrowed from the buffer they were decrypted in.
    pub contents: &'a [u8],
}

impl Packet<'_> {
    /// Whether this is a decoy, to be dropped.
    ///
    /// ```
    /// use veil_core::packet::{Header, Packet};
    /// assert!(!Packet { header: Header::DATA, contents: b"x" }.is_decoy());
    /// ```
    #[must_use]
    pub const fn is_decoy(&self) -> bool {
        self.header.is_decoy()
    }
}

/// What the receiver needs next.
#[derive(Clone, Copy)]
enum Awaiting {
    Length,
    Body {
        body_len: usize,
    },
    /// The stream failed; every call returns this error.
    Failed(DecryptError),
}

/// The receiving half of one direction: turns packets back into contents.
///
/// Two steps per packet. [`ReceiveCipher::decrypt_length`] takes the first
/// 3 bytes, checks the announced length against the maximum and says how
/// many bytes the rest of the packet (its *body*: header, contents, tag)
/// has, before the caller buffers any of them. Then
/// [`ReceiveCipher::decrypt_in_place`] or [`ReceiveCipher::decrypt`]
/// verifies the tag and returns the header and contents. Packets must be
/// fed in the order they were sent.
///
/// # Example
///
/// ```
/// use veil_core::packet::{Header, ReceiveCipher, SendCipher};
///
/// let mut sender = SendCipher::new([1; 32], [2; 32]);
/// let mut receiver = ReceiveCipher::new([1; 32], [2; 32]).with_max_contents_len(1_000);
/// let packet = sender.encrypt_to_vec(b"block", &[], Header::DATA).unwrap();
///
/// let body_len = receiver.decrypt_length([packet[0], packet[1], packet[2]]).unwrap();
/// let mut out = [0u8; 64];
/// let received = receiver.decrypt(&packet[3..3 + body_len], &[], &mut out).unwrap();
/// assert_eq!(received.contents, b"block");
/// assert_eq!(receiver.packets_received(), 1);
/// ```
pub struct ReceiveCipher {
    lengths: FsChaCha20,
    packets: FsChaCha20Poly1305,
    max_contents_len: usize,
    awaiting: Awaiting,
    packets_received: u64,
}

impl ReceiveCipher {
    /// A receiver for the peer's sending keys (`length_key` = the peer's
    /// `send_L`, `packet_key` = its `send_P`), accepting contents up to
    /// [`DEFAULT_MAX_CONTENTS_LEN`].
    ///
    /// ```
    /// let receiver = veil_core::packet::ReceiveCipher::new([0; 32], [1; 32]);
    /// assert_eq!(receiver.max_contents_len(), veil_core::packet::DEFAULT_MAX_CONTENTS_LEN);
    /// ```
    #[must_use]
    pub fn new(length_key: [u8; KEY_LEN], packet_key: [u8; KEY_LEN]) -> Self {
        ReceiveCipher {
            lengths: FsChaCha20::new(length_key),
            packets: FsChaCha20Poly1305::new(packet_key),
            max_contents_len: DEFAULT_MAX_CONTENTS_LEN,
            awaiting: Awaiting::Length,
            packets_received: 0,
        }
    }

    /// The same receiver accepting contents up to `max` bytes (at most
    /// [`MAX_CONTENTS_LEN`], which the length field cannot exceed).
    ///
    /// ```
    /// let receiver = veil_core::packet::ReceiveCipher::new([0; 32], [1; 32]).with_max_contents_len(100);
    /// assert_eq!(receiver.max_contents_len(), 100);
    /// ```
    #[must_use]
    pub fn with_max_contents_len(mut self, max: usize) -> Self {
        self.set_max_contents_len(max);
        self
    }

    /// Changes the largest contents accepted from the next length field on
    /// (at most [`MAX_CONTENTS_LEN`]).
    ///
    /// ```
    /// let mut receiver = veil_core::packet::ReceiveCipher::new([0; 32], [1; 32]);
    /// receiver.set_max_contents_len(usize::MAX);
    /// assert_eq!(receiver.max_contents_len(), veil_core::packet::MAX_CONTENTS_LEN);
    /// ```
    pub fn set_max_contents_len(&mut self, max: usize) {
        self.max_contents_len = max.min(MAX_CONTENTS_LEN);
    }

    /// The largest contents accepted.
    ///
    /// ```
    /// let receiver = veil_core::packet::ReceiveCipher::new([0; 32], [1; 32]);
    /// assert!(receiver.max_contents_len() > 1_000_000);
    /// ```
    #[must_use]
    pub fn max_contents_len(&self) -> usize {
        self.max_contents_len
    }

    /// Packets verified and decrypted so far.
    ///
    /// ```
    /// let receiver = veil_core::packet::ReceiveCipher::new([0; 32], [1; 32]);
    /// assert_eq!(receiver.packets_received(), 0);
    /// ```
    #[must_use]
    pub fn packets_received(&self) -> u64 {
        self.packets_received
    }

    /// The length of the body awaited after a decrypted length field, if
    /// any.
    ///
    /// ```
    /// let receiver = veil_core::packet::ReceiveCipher::new([0; 32], [1; 32]);
    /// assert_eq!(receiver.awaited_body_len(), None);
    /// ```
    #[must_use]
    pub fn awaited_body_len(&self) -> Option<usize> {
        match self.awaiting {
            Awaiting::Body { body_len } => Some(body_len),
            Awaiting::Length | Awaiting::Failed(_) => None,
        }
    }

    /// Decrypts a packet's 3-byte length field; returns the length of the
    /// rest of the packet ([`super::body_len`] of the contents length), the
    /// bytes to wait for next.
    ///
    /// Fails with [`DecryptError::Oversize`] when the contents would exceed
    /// [`ReceiveCipher::max_contents_len`]. The length is not authenticated
    /// until the body verifies.
    ///
    /// ```
    /// use veil_core::packet::{DecryptError, Header, ReceiveCipher, SendCipher};
    /// let mut sender = SendCipher::new([1; 32], [2; 32]);
    /// let mut receiver = ReceiveCipher::new([1; 32], [2; 32]).with_max_contents_len(3);
    /// let packet = sender.encrypt_to_vec(b"four", &[], Header::DATA).unwrap();
    /// assert_eq!(
    ///     receiver.decrypt_length([packet[0], packet[1], packet[2]]),
    ///     Err(DecryptError::Oversize { len: 4, max: 3 })
    /// );
    /// ```
    pub fn decrypt_length(
        &mut self,
        encrypted_length: [u8; LENGTH_FIELD_LEN],
    ) -> Result<usize, DecryptError> {
        match self.awaiting {
            Awaiting::Length => {}
            Awaiting::Body { body_len } => return Err(DecryptError::BodyExpected { body_len }),
            Awaiting::Failed(error) => return Err(error),
        }
        let mut field = encrypted_length;
        self.lengths.crypt(&mut field);
        let [a, b, c] = field;
        let len = u32::from_le_bytes([a, b, c, 0]) as usize;
        if len > self.max_contents_len {
            return Err(self.fail(DecryptError::Oversize {
                len,
                max: self.max_contents_len,
            }));
        }
        let body_len = body_len(len);
        self.awaiting = Awaiting::Body { body_len };
        Ok(body_len)
    }

    /// Verifies and decrypts the awaited body in place; the contents borrow
    /// from `body`. `aad` must be the associated data the sender used.
    ///
    /// On [`DecryptError::Authentication`] the contents of `body` are
    /// unspecified.
    ///
    /// ```
    /// use veil_core::packet::{Header, ReceiveCipher, SendCipher};
    /// let mut sender = SendCipher::new([1; 32], [2; 32]);
    /// let mut receiver = ReceiveCipher::new([1; 32], [2; 32]);
    /// let mut packet = sender.encrypt_to_vec(b"", b"garbage", Header::DECOY).unwrap();
    /// receiver.decrypt_length([packet[0], packet[1], packet[2]]).unwrap();
    /// let received = receiver.decrypt_in_place(&mut packet[3..], b"garbage").unwrap();
    /// assert!(received.is_decoy() && received.contents.is_empty());
    /// ```
    pub fn decrypt_in_place<'a>(
        &mut self,
        body: &'a mut [u8],
        aad: &[u8],
    ) -> Result<Packet<'a>, DecryptError> {
        self.check_body_len(body.len())?;
        let (plaintext, tag) = body.split_at_mut(body.len() - TAG_LEN);
        let mut tag_bytes = [0u8; TAG_LEN];
        tag_bytes.copy_from_slice(tag);
        self.open(plaintext, aad, tag_bytes)
    }

    /// Verifies and decrypts the awaited body into `out`, which needs room
    /// for header and contents: `body.len() - 16` bytes. The contents
    /// borrow from `out`.
    ///
    /// ```
    /// use veil_core::packet::{DecryptError, Header, ReceiveCipher, SendCipher};
    /// let mut sender = SendCipher::new([1; 32], [2; 32]);
    /// let mut receiver = ReceiveCipher::new([1; 32], [2; 32]);
    /// let packet = sender.encrypt_to_vec(b"abc", &[], Header::DATA).unwrap();
    /// receiver.decrypt_length([packet[0], packet[1], packet[2]]).unwrap();
    /// let mut small = [0u8; 3];
    /// assert_eq!(
    ///     receiver.decrypt(&packet[3..], &[], &mut small),
    ///     Err(DecryptError::BufferTooSmall { required: 4, available: 3 })
    /// );
    /// let mut out = [0u8; 4];
    /// assert_eq!(receiver.decrypt(&packet[3..], &[], &mut out).unwrap().contents, b"abc");
    /// ```
    pub fn decrypt<'a>(
        &mut self,
        body: &[u8],
        aad: &[u8],
        out: &'a mut [u8],
    ) -> Result<Packet<'a>, DecryptError> {
        self.check_body_len(body.len())?;
        let (ciphertext, tag) = body.split_at(body.len() - TAG_LEN);
        let available = out.len();
        let Some(plaintext) = out.get_mut(..ciphertext.len()) else {
            return Err(DecryptError::BufferTooSmall {
                required: ciphertext.len(),
                available,
            });
        };
        plaintext.copy_from_slice(ciphertext);
        let mut tag_bytes = [0u8; TAG_LEN];
        tag_bytes.copy_from_slice(tag);
        self.open(plaintext, aad, tag_bytes)
    }

    /// Checks that a body of `len` bytes is what the last length field
    /// announced.
    fn check_body_len(&self, len: usize) -> Result<(), DecryptError> {
        match self.awaiting {
            Awaiting::Body { body_len } if body_len == len => Ok(()),
            Awaiting::Body { body_len } => Err(DecryptError::WrongBodyLength {
                expected: body_len,
                actual: len,
            }),
            Awaiting::Length => Err(DecryptError::LengthExpected),
            Awaiting::Failed(error) => Err(error),
        }
    }

    /// Verifies `plaintext` (header and contents, still encrypted) against
    /// `tag` and decrypts it in place.
    fn open<'a>(
        &mut self,
        plaintext: &'a mut [u8],
        aad: &[u8],
        tag: [u8; TAG_LEN],
    ) -> Result<Packet<'a>, DecryptError> {
        if self.packets.open(aad, plaintext, tag).is_err() {
            return Err(self.fail(DecryptError::Authentication));
        }
        self.awaiting = Awaiting::Length;
        self.packets_received += 1;
        let plaintext: &'a [u8] = plaintext;
        match plaintext.split_first() {
            Some((&header, contents)) => Ok(Packet {
                header: Header::from_byte(header),
                contents,
            }),
            None => unreachable!("a body holds at least the header byte"),
        }
    }

    /// Records that the stream is unusable from now on.
    fn fail(&mut self, error: DecryptError) -> DecryptError {
        self.awaiting = Awaiting::Failed(error);
        error
    }
}

impl fmt::Debug for ReceiveCipher {
    // Keys stay out of logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReceiveCipher")
            .field("packets_received", &self.packets_received)
            .field("max_contents_len", &self.max_contents_len)
            .field("awaited_body_len", &self.awaited_body_len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use alloc::vec::Vec;

    use super::*;
    use crate::packet::SendCipher;

    const LENGTH_KEY: [u8; KEY_LEN] = [1; KEY_LEN];
    const PACKET_KEY: [u8; KEY_LEN] = [2; KEY_LEN];

    fn pair() -> (SendCipher, ReceiveCipher) {
        (
            SendCipher::new(LENGTH_KEY, PACKET_KEY),
            ReceiveCipher::new(LENGTH_KEY, PACKET_KEY),
        )
    }

    fn packet(sender: &mut SendCipher, contents: &[u8]) -> Vec<u8> {
        sender.encrypt_to_vec(contents, &[], Header::DATA).unwrap()
    }

    fn length_field(packet: &[u8]) -> [u8; LENGTH_FIELD_LEN] {
        packet[..LENGTH_FIELD_LEN].try_into().unwrap()
    }

    #[test]
    fn oversize_is_reported_before_the_body_and_sticks() {
        let (mut sender, receiver) = pair();
        let mut receiver = receiver.with_max_contents_len(4);
        let packet = packet(&mut sender, b"fives");
        let oversize = DecryptError::Oversize { len: 5, max: 4 };
        assert_eq!(
            receiver.decrypt_length(length_field(&packet)),
            Err(oversize)
        );
        assert_eq!(receiver.awaited_body_len(), None);
        assert_eq!(receiver.decrypt_length([0; 3]), Err(oversize));
        assert_eq!(
            receiver.decrypt_in_place(&mut [0u8; 17], &[]),
            Err(oversize)
        );
    }

    #[test]
    fn contents_at_the_maximum_pass() {
        let (mut sender, receiver) = pair();
        let mut receiver = receiver.with_max_contents_len(5);
        let mut packet = packet(&mut sender, b"fives");
        assert_eq!(receiver.decrypt_length(length_field(&packet)), Ok(22));
        let received = receiver.decrypt_in_place(&mut packet[3..], &[]).unwrap();
        assert_eq!(received.contents, b"fives");
    }

    #[test]
    fn tampered_body_fails_authentication_and_sticks() {
        let (mut sender, mut receiver) = pair();
        let mut packet = packet(&mut sender, b"hello");
        *packet.last_mut().unwrap() ^= 1;
        receiver.decrypt_length(length_field(&packet)).unwrap();
        assert_eq!(
            receiver.decrypt_in_place(&mut packet[3..], &[]),
            Err(DecryptError::Authentication)
        );
        assert_eq!(
            receiver.decrypt_length([0; 3]),
            Err(DecryptError::Authentication)
        );
        assert_eq!(receiver.packets_received(), 0);
    }

    #[test]
    fn wrong_associated_data_fails_authentication() {
        let (mut sender, mut receiver) = pair();
        let packet = sender
            .encrypt_to_vec(b"", b"garbage", Header::DATA)
            .unwrap();
        receiver.decrypt_length(length_field(&packet)).unwrap();
        let mut out = [0u8; 1];
        assert_eq!(
            receiver.decrypt(&packet[3..], b"garbagE", &mut out),
            Err(DecryptError::Authentication)
        );
    }

    #[test]
    fn caller_mistakes_change_nothing() {
        let (mut sender, mut receiver) = pair();
        let packet = packet(&mut sender, b"abc");
        let mut body = packet[3..].to_vec();

        assert_eq!(
            receiver.decrypt_in_place(&mut body, &[]),
            Err(DecryptError::LengthExpected)
        );
        assert_eq!(receiver.decrypt_length(length_field(&packet)), Ok(20));
        assert_eq!(
            receiver.decrypt_length(length_field(&packet)),
            Err(DecryptError::BodyExpected { body_len: 20 })
        );
        assert_eq!(
            receiver.decrypt_in_place(&mut body[..19], &[]),
            Err(DecryptError::WrongBodyLength {
                expected: 20,
                actual: 19
            })
        );
        let mut small = [0u8; 3];
        assert_eq!(
            receiver.decrypt(&body, &[], &mut small),
            Err(DecryptError::BufferTooSmall {
                required: 4,
                available: 3
            })
        );
        assert_eq!(receiver.awaited_body_len(), Some(20));

        let received = receiver.decrypt_in_place(&mut body, &[]).unwrap();
        assert_eq!(received.contents, b"abc");
        assert_eq!(receiver.awaited_body_len(), None);
    }

    #[test]
    fn reserved_header_bits_reach_the_caller() {
        let (mut sender, mut receiver) = pair();
        let mut packet = sender
            .encrypt_to_vec(b"x", &[], Header::from_byte(0x85))
            .unwrap();
        receiver.decrypt_length(length_field(&packet)).unwrap();
        let received = receiver.decrypt_in_place(&mut packet[3..], &[]).unwrap();
        assert_eq!(received.header.to_byte(), 0x85);
        assert!(received.is_decoy());
    }

    #[test]
    fn max_is_capped_by_the_length_field() {
        let receiver = ReceiveCipher::new(LENGTH_KEY, PACKET_KEY).with_max_contents_len(1 << 30);
        assert_eq!(receiver.max_contents_len(), MAX_CONTENTS_LEN);
    }

    #[test]
    fn debug_shows_no_keys() {
        let receiver = ReceiveCipher::new(LENGTH_KEY, PACKET_KEY).with_max_contents_len(9);
        assert_eq!(
            alloc::format!("{receiver:?}"),
            "ReceiveCipher { packets_received: 0, max_contents_len: 9, awaited_body_len: None, .. }"
        );
    }
}
