//! Encrypting packets into the caller's buffers.

use alloc::vec;
use alloc::vec::Vec;
use core::fmt;

use super::error::EncryptError;
use super::fs_chacha20::FsChaCha20;
use super::fs_chacha20_poly1305::FsChaCha20Poly1305;
use super::header::Header;
use super::{packet_len, KEY_LEN, LENGTH_FIELD_LEN, MAX_CONTENTS_LEN, TAG_LEN};

/// Where the contents start in a packet: after the length field and header.
const CONTENTS_OFFSET: usize = LENGTH_FIELD_LEN + super::HEADER_LEN;

/// The sending half of one direction: turns contents into packets.
///
/// Every packet advances both ciphers, so packets must reach the peer in
/// the order they were encrypted. A failed call writes nothing and advances
/// nothing.
///
/// # Example
///
/// ```
/// use veil_core::packet::{packet_len, Header, SendCipher};
///
/// let mut sender = SendCipher::new([1; 32], [2; 32]);
/// let mut buf = [0u8; 64];
/// let n = sender.encrypt(b"ping", &[], Header::DATA, &mut buf).unwrap();
/// assert_eq!(n, packet_len(4));
/// assert_eq!(sender.packets_sent(), 1);
/// ```
pub struct SendCipher {
    lengths: FsChaCha20,
    packets: FsChaCha20Poly1305,
    packets_sent: u64,
}

impl SendCipher {
    /// A sender for one direction's keys: `length_key` for the length
    /// fields (BIP324's `send_L`), `packet_key` for header and contents
    /// (`send_P`).
    ///
    /// ```
    /// let sender = veil_core::packet::SendCipher::new([0; 32], [1; 32]);
    /// assert_eq!(sender.packets_sent(), 0);
    /// ```
    #[must_use]
    pub fn new(length_key: [u8; KEY_LEN], packet_key: [u8; KEY_LEN]) -> Self {
        SendCipher {
            lengths: FsChaCha20::new(length_key),
            packets: FsChaCha20Poly1305::new(packet_key),
            packets_sent: 0,
        }
    }

    /// Packets encrypted so far.
    ///
    /// ```
    /// let sender = veil_core::packet::SendCipher::new([0; 32], [1; 32]);
    /// assert_eq!(sender.packets_sent(), 0);
    /// ```
    #[must_use]
    pub fn packets_sent(&self) -> u64 {
        self.packets_sent
    }

    /// Encrypts `contents` as one packet at the start of `out`; returns the
    /// packet's length, [`packet_len`]`(contents.len())`.
    ///
    /// `aad` is associated data: authenticated, not sent (BIP324 passes the
    /// garbage here for the first packet; empty otherwise).
    ///
    /// ```
    /// use veil_core::packet::{Header, SendCipher};
    /// let mut sender = SendCipher::new([0; 32], [1; 32]);
    /// let mut buf = vec![0u8; 20];
    /// // An empty decoy, authenticated together with some garbage.
    /// assert_eq!(sender.encrypt(&[], b"garbage", Header::DECOY, &mut buf), Ok(20));
    /// ```
    pub fn encrypt(
        &mut self,
        contents: &[u8],
        aad: &[u8],
        header: Header,
        out: &mut [u8],
    ) -> Result<usize, EncryptError> {
        let packet = checked_packet(out, contents.len())?;
        packet[CONTENTS_OFFSET..CONTENTS_OFFSET + contents.len()].copy_from_slice(contents);
        Ok(self.seal(packet, aad, header))
    }

    /// Encrypts contents already in place: `packet[4..4 + contents_len]`
    /// holds them, and the length field, header and tag are written around
    /// them. Saves a copy when the caller serializes straight into its send
    /// buffer. Returns the packet's length.
    ///
    /// ```
    /// use veil_core::packet::{packet_len, Header, SendCipher};
    /// let mut sender = SendCipher::new([0; 32], [1; 32]);
    /// let mut buf = vec![0u8; packet_len(5)];
    /// buf[4..9].copy_from_slice(b"hello");
    /// assert_eq!(sender.encrypt_in_place(&mut buf, 5, &[], Header::DATA), Ok(25));
    /// assert_ne!(&buf[4..9], b"hello");
    /// ```
    pub fn encrypt_in_place(
        &mut self,
        packet: &mut [u8],
        contents_len: usize,
        aad: &[u8],
        header: Header,
    ) -> Result<usize, EncryptError> {
        let packet = checked_packet(packet, contents_len)?;
        Ok(self.seal(packet, aad, header))
    }

    /// Encrypts `contents` into a new vector: a convenience off the hot path.
    ///
    /// ```
    /// use veil_core::packet::{Header, SendCipher};
    /// let mut sender = SendCipher::new([0; 32], [1; 32]);
    /// assert_eq!(sender.encrypt_to_vec(b"abc", &[], Header::DATA).unwrap().len(), 23);
    /// ```
    pub fn encrypt_to_vec(
        &mut self,
        contents: &[u8],
        aad: &[u8],
        header: Header,
    ) -> Result<Vec<u8>, EncryptError> {
        if contents.len() > MAX_CONTENTS_LEN {
            return Err(EncryptError::ContentsTooLong {
                len: contents.len(),
            });
        }
        let mut out = vec![0u8; packet_len(contents.len())];
        self.encrypt(contents, aad, header, &mut out)?;
        Ok(out)
    }

    /// Encrypts a packet whose contents are in place and whose length was
    /// checked; returns its length.
    fn seal(&mut self, packet: &mut [u8], aad: &[u8], header: Header) -> usize {
        let contents_len = packet.len() - CONTENTS_OFFSET - TAG_LEN;
        let (length_field, rest) = packet.split_at_mut(LENGTH_FIELD_LEN);
        let (plaintext, tag) = rest.split_at_mut(rest.len() - TAG_LEN);

        let mut length = [0u8; LENGTH_FIELD_LEN];
        length.copy_from_slice(&(contents_len as u32).to_le_bytes()[..LENGTH_FIELD_LEN]);
        self.lengths.crypt(&mut length);
        length_field.copy_from_slice(&length);

        plaintext[0] = header.to_byte();
        tag.copy_from_slice(&self.packets.seal(aad, plaintext));
        self.packets_sent += 1;
        packet.len()
    }
}

/// The packet's slice of `buf`, once the contents length and buffer size
/// are known to be fine.
fn checked_packet(buf: &mut [u8], contents_len: usize) -> Result<&mut [u8], EncryptError> {
    if contents_len > MAX_CONTENTS_LEN {
        return Err(EncryptError::ContentsTooLong { len: contents_len });
    }
    let required = packet_len(contents_len);
    let available = buf.len();
    buf.get_mut(..required).ok_or(EncryptError::BufferTooSmall {
        required,
        available,
    })
}

impl fmt::Debug for SendCipher {
    // Keys stay out of logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendCipher")
            .field("packets_sent", &self.packets_sent)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::PACKET_OVERHEAD;

    #[test]
    fn buffer_too_small_writes_and_advances_nothing() {
        let mut sender = SendCipher::new([1; KEY_LEN], [2; KEY_LEN]);
        let mut buf = [0xaa; PACKET_OVERHEAD + 2];
        assert_eq!(
            sender.encrypt(b"abc", &[], Header::DATA, &mut buf),
            Err(EncryptError::BufferTooSmall {
                required: 23,
                available: 22
            })
        );
        assert_eq!(buf, [0xaa; 22]);
        assert_eq!(sender.packets_sent(), 0);

        // The next packet is the one a fresh sender would have made.
        let mut fresh = SendCipher::new([1; KEY_LEN], [2; KEY_LEN]);
        assert_eq!(
            sender.encrypt_to_vec(b"abc", &[], Header::DATA),
            fresh.encrypt_to_vec(b"abc", &[], Header::DATA)
        );
    }

    #[test]
    fn in_place_buffer_too_small() {
        let mut sender = SendCipher::new([1; KEY_LEN], [2; KEY_LEN]);
        let mut buf = [0u8; 30];
        assert_eq!(
            sender.encrypt_in_place(&mut buf, 11, &[], Header::DATA),
            Err(EncryptError::BufferTooSmall {
                required: 31,
                available: 30
            })
        );
    }

    #[test]
    fn contents_too_long() {
        let mut sender = SendCipher::new([1; KEY_LEN], [2; KEY_LEN]);
        let too_long = MAX_CONTENTS_LEN + 1;
        let err = EncryptError::ContentsTooLong { len: too_long };
        assert_eq!(
            sender.encrypt_in_place(&mut [], too_long, &[], Header::DATA),
            Err(err)
        );
        let contents = vec![0u8; too_long];
        assert_eq!(
            sender.encrypt_to_vec(&contents, &[], Header::DATA),
            Err(err)
        );
        assert_eq!(
            sender.encrypt(&contents, &[], Header::DATA, &mut []),
            Err(err)
        );
        assert_eq!(sender.packets_sent(), 0);
    }

    #[test]
    fn encrypt_and_in_place_agree() {
        let mut a = SendCipher::new([4; KEY_LEN], [5; KEY_LEN]);
        let mut b = SendCipher::new([4; KEY_LEN], [5; KEY_LEN]);
        let copied = a.encrypt_to_vec(b"same", b"ad", Header::DECOY).unwrap();
        let mut in_place = vec![0u8; 24];
        in_place[4..8].copy_from_slice(b"same");
        b.encrypt_in_place(&mut in_place, 4, b"ad", Header::DECOY)
            .unwrap();
        assert_eq!(copied, in_place);
    }

    #[test]
    fn debug_shows_no_keys() {
        let sender = SendCipher::new([0x42; KEY_LEN], [0x42; KEY_LEN]);
        let shown = alloc::format!("{sender:?}");
        assert_eq!(shown, "SendCipher { packets_sent: 0, .. }");
    }
}
