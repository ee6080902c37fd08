//! The encrypted packet layer: BIP324's packet format, used once a
//! handshake has agreed on keys.
//!
//! ```text
//! offset   size  field
//! 0        3     contents length, u24 little-endian, encrypted with FSChaCha20
//! 3        1     header: bit 7 = decoy, other bits reserved     } ChaCha20-Poly1305
//! 4        len   contents                                       } (RFC 8439)
//! 4+len    16    Poly1305 tag over header and contents (and any associated data)
//! ```
//!
//! Each direction has two 32-byte keys: one for the lengths, one for the
//! packets; [`ciphers_from_noise`] derives them from a finished Noise
//! handshake (never use one key for both). Both ciphers move to a new key, drawn from their own keystream,
//! every [`REKEY_INTERVAL`] packets, so a key stolen later cannot decrypt
//! earlier traffic.
//!
//! [`SendCipher`] writes packets into the caller's buffers.
//! [`ReceiveCipher`] reads them in two steps: it decrypts the 3-byte length
//! first and checks it against a maximum, so the caller learns how many more
//! bytes to wait for before it buffers any; then it verifies and decrypts the
//! rest. Nothing allocates on either path.
//!
//! # Example
//!
//! ```
//! use veil_core::packet::{Header, ReceiveCipher, SendCipher, LENGTH_FIELD_LEN};
//!
//! let (length_key, packet_key) = ([1u8; 32], [2u8; 32]);
//! let mut sender = SendCipher::new(length_key, packet_key);
//! let mut receiver = ReceiveCipher::new(length_key, packet_key);
//!
//! let packet = sender.encrypt_to_vec(b"hello", &[], Header::DATA).unwrap();
//! assert_eq!(packet.len(), 5 + 20);
//!
//! let (length, rest) = packet.split_at(LENGTH_FIELD_LEN);
//! let body_len = receiver.decrypt_length(length.try_into().unwrap()).unwrap();
//! assert_eq!(body_len, rest.len());
//!
//! let mut body = rest.to_vec();
//! let received = receiver.decrypt_in_place(&mut body, &[]).unwrap();
//! assert_eq!(received.contents, b"hello");
//! assert!(!received.header.is_decoy());
//! ```

mod error;
mod fs_chacha20;
mod fs_chacha20_poly1305;
mod header;
mod keys;
mod receive;
mod send;

pub use error::{DecryptError, EncryptError};
pub use header::Header;
pub use keys::ciphers_from_noise;
pub use receive::{Packet, ReceiveCipher, DEFAULT_MAX_CONTENTS_LEN};
pub use send::SendCipher;

/// Length of each key: the length key and the packet key.
///
/// ```
/// assert_eq!(veil_core::packet::KEY_LEN, 32);
/// ```
pub const KEY_LEN: usize = 32;

/// Length of the encrypted length field at the start of every packet.
///
/// ```
/// assert_eq!(veil_core::packet::LENGTH_FIELD_LEN, 3);
/// ```
pub const LENGTH_FIELD_LEN: usize = 3;

/// Length of the header byte that precedes the contents.
///
/// ```
/// assert_eq!(veil_core::packet::HEADER_LEN, 1);
/// ```
pub const HEADER_LEN: usize = 1;

/// Length of the Poly1305 authentication tag at the end of every packet.
///
/// ```
/// assert_eq!(veil_core::packet::TAG_LEN, 16);
/// ```
pub const TAG_LEN: usize = 16;

/// Bytes a packet adds to its contents: length field, header and tag.
///
/// ```
/// assert_eq!(veil_core::packet::PACKET_OVERHEAD, 20);
/// ```
pub const PACKET_OVERHEAD: usize = LENGTH_FIELD_LEN + HEADER_LEN + TAG_LEN;

/// Longest contents the 3-byte length field can express: 2^24 - 1 bytes.
///
/// ```
/// assert_eq!(veil_core::packet::MAX_CONTENTS_LEN, 16_777_215);
/// ```
pub const MAX_CONTENTS_LEN: usize = (1 << (8 * LENGTH_FIELD_LEN)) - 1;

/// Packets encrypted under one key before both ciphers rekey.
///
/// ```
/// assert_eq!(veil_core::packet::REKEY_INTERVAL, 224);
/// ```
pub const REKEY_INTERVAL: u32 = 224;

/// The whole packet's length for contents of `contents_len` bytes.
///
/// ```
/// assert_eq!(veil_core::packet::packet_len(100), 120);
/// ```
#[must_use]
pub const fn packet_len(contents_len: usize) -> usize {
    contents_len.saturating_add(PACKET_OVERHEAD)
}

/// The length of what follows the length field (header, contents and tag)
/// for contents of `contents_len` bytes: what
/// [`ReceiveCipher::decrypt_length`] returns.
///
/// ```
/// assert_eq!(veil_core::packet::body_len(100), 117);
/// ```
#[must_use]
pub const fn body_len(contents_len: usize) -> usize {
    contents_len.saturating_add(HEADER_LEN + TAG_LEN)
}
