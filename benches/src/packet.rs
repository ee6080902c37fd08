//! What `benches/packet.rs` measures: an established channel's packet
//! layer carrying 64 KiB messages, against raw ring ChaCha20-Poly1305 over
//! the same number of bytes.
//!
//! One iteration does both directions of work on one message: [`Channel`]
//! encrypts it with a `SendCipher` and decrypts the same packet with a
//! `ReceiveCipher` (length, then body in place); [`RawAead`] seals and opens
//! one 64 KiB buffer in place under an incrementing nonce.
//!
//! # Example
//!
//! ```
//! use veil_benches::packet::{Channel, RawAead, CONTENTS_LEN};
//!
//! let mut channel = Channel::default();
//! let expected = channel.contents().to_vec();
//! assert_eq!(expected.len(), CONTENTS_LEN);
//! assert_eq!(channel.round_trip(), &expected[..]);
//!
//! let mut raw = RawAead::default();
//! assert_eq!(raw.seal_open().len(), CONTENTS_LEN);
//! ```

use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, CHACHA20_POLY1305};
use veil_core::packet::{packet_len, Header, ReceiveCipher, SendCipher, LENGTH_FIELD_LEN};

use crate::fixtures::{message_of_len, payload_bytes};

/// Criterion group of the packet benches.
///
/// ```
/// assert_eq!(veil_benches::packet::GROUP, "packet_64KiB");
/// ```
pub const GROUP: &str = "packet_64KiB";

/// Criterion function name of veil's send and receive of one packet.
///
/// ```
/// assert_eq!(veil_benches::packet::VEIL, "send_receive");
/// ```
pub const VEIL: &str = "send_receive";

/// Criterion function name of the raw ChaCha20-Poly1305 seal and open.
///
/// ```
/// assert_eq!(veil_benches::packet::RAW, "chacha20_poly1305_raw");
/// ```
pub const RAW: &str = "chacha20_poly1305_raw";

/// Bytes of contents per message.
///
/// ```
/// assert_eq!(veil_benches::packet::CONTENTS_LEN, 65_536);
/// ```
pub const CONTENTS_LEN: usize = 64 * 1024;

const LENGTH_KEY: [u8; 32] = [0x11; 32];
const PACKET_KEY: [u8; 32] = [0x22; 32];

/// One direction of an established channel: the sender's and the
/// receiver's ciphers on the same keys, a message and a packet buffer.
///
/// ```
/// let channel = veil_benches::packet::Channel::default();
/// assert_eq!(channel.contents().len(), 65_536);
/// ```
pub struct Channel {
    send: SendCipher,
    receive: ReceiveCipher,
    contents: Vec<u8>,
    packet: Vec<u8>,
}

impl Default for Channel {
    fn default() -> Self {
        Channel {
            send: SendCipher::new(LENGTH_KEY, PACKET_KEY),
            receive: ReceiveCipher::new(LENGTH_KEY, PACKET_KEY),
            contents: payload_bytes(&message_of_len(CONTENTS_LEN)),
            packet: vec![0; packet_len(CONTENTS_LEN)],
        }
    }
}

impl core::fmt::Debug for Channel {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Channel")
            .field("send", &self.send)
            .field("receive", &self.receive)
            .finish_non_exhaustive()
    }
}

impl Channel {
    /// The message every round trip carries.
    ///
    /// ```
    /// let channel = veil_benches::packet::Channel::default();
    /// assert!(channel.contents().iter().any(|&b| b != 0));
    /// ```
    #[must_use]
    pub fn contents(&self) -> &[u8] {
        &self.contents
    }

    /// Sends the message as one packet and receives it: `SendCipher::encrypt`
    /// (which copies the contents into the packet), then
    /// `ReceiveCipher::decrypt_length` and `decrypt_in_place`. Returns the
    /// received contents.
    ///
    /// # Panics
    ///
    /// If the packet does not come back intact: a bug in veil.
    ///
    /// ```
    /// let mut channel = veil_benches::packet::Channel::default();
    /// // Across a rekey (every 224 packets) the two sides stay in step.
    /// for _ in 0..300 {
    ///     channel.round_trip();
    /// }
    /// let expected = channel.contents().to_vec();
    /// assert_eq!(channel.round_trip(), &expected[..]);
    /// ```
    pub fn round_trip(&mut self) -> &[u8] {
        let len = self
            .send
            .encrypt(&self.contents, &[], Header::DATA, &mut self.packet)
            .expect("the buffer fits the packet");
        let (length, body) = self.packet[..len].split_at_mut(LENGTH_FIELD_LEN);
        let length = length.try_into().expect("a 3-byte length field");
        let body_len = self.receive.decrypt_length(length).expect("a valid length");
        assert_eq!(body_len, body.len());
        let packet = self
            .receive
            .decrypt_in_place(body, &[])
            .expect("an authentic packet");
        packet.contents
    }
}

/// The raw baseline: one ring ChaCha20-Poly1305 key and a 64 KiB buffer.
///
/// ```
/// let raw = veil_benches::packet::RawAead::default();
/// assert_eq!(raw.nonces_used(), 0);
/// ```
pub struct RawAead {
    key: LessSafeKey,
    counter: u64,
    buffer: Vec<u8>,
}

impl Default for RawAead {
    fn default() -> Self {
        let key = UnboundKey::new(&CHACHA20_POLY1305, &PACKET_KEY).expect("a 32-byte key");
        RawAead {
            key: LessSafeKey::new(key),
            counter: 0,
            buffer: payload_bytes(&message_of_len(CONTENTS_LEN)),
        }
    }
}

impl core::fmt::Debug for RawAead {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RawAead")
            .field("counter", &self.counter)
            .finish_non_exhaustive()
    }
}

impl RawAead {
    /// How many nonces [`RawAead::seal_open`] has used.
    ///
    /// ```
    /// let mut raw = veil_benches::packet::RawAead::default();
    /// let _ = raw.seal_open();
    /// assert_eq!(raw.nonces_used(), 1);
    /// ```
    #[must_use]
    pub fn nonces_used(&self) -> u64 {
        self.counter
    }

    /// Seals the buffer in place under the next nonce and opens it again;
    /// returns the opened plaintext.
    ///
    /// # Panics
    ///
    /// If ring fails to open what it sealed.
    ///
    /// ```
    /// let mut raw = veil_benches::packet::RawAead::default();
    /// let before = raw.seal_open().to_vec();
    /// assert_eq!(raw.seal_open(), &before[..]);
    /// ```
    pub fn seal_open(&mut self) -> &[u8] {
        let mut nonce = [0u8; 12];
        nonce[4..].copy_from_slice(&self.counter.to_le_bytes());
        self.counter += 1;
        let tag = self
            .key
            .seal_in_place_separate_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::empty(),
                &mut self.buffer,
            )
            .expect("64 KiB seals");
        self.key
            .open_in_place_separate_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::empty(),
                tag,
                &mut self.buffer,
                0..,
            )
            .expect("an authentic buffer")
    }
}
