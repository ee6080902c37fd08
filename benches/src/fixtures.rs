//! What the frame benches measure: payload sizes, messages, frames, the raw
//! SHA-256d baseline, and the criterion names the report reads back.
//!
//! # Example
//!
//! ```
//! use veil_benches::fixtures::{group_name, SIZES};
//!
//! let names: Vec<String> = SIZES.iter().map(|s| group_name(s.label)).collect();
//! assert_eq!(names, ["frame_8B", "frame_256B", "frame_64KiB", "frame_1MiB"]);
//! ```

use bytes::Bytes;
use sha2::{Digest, Sha256};
use veil_core::message::{Message, Ping};
use veil_core::wire::FrameEncoder;

/// A payload size the frame benches cover.
///
/// # Example
///
/// ```
/// let size = veil_benches::fixtures::SIZES[2];
/// assert_eq!((size.label, size.bytes), ("64KiB", 65_536));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PayloadSize {
    /// Short name, used in the criterion group name.
    pub label: &'static str,
    /// Payload length in bytes (the frame adds a 20-byte header).
    pub bytes: usize,
}

/// The payload sizes: a ping, a small transaction, a large transaction and a
/// block-sized message.
///
/// # Example
///
/// ```
/// assert_eq!(veil_benches::fixtures::SIZES[3].bytes, 1 << 20);
/// ```
pub const SIZES: [PayloadSize; 4] = [
    PayloadSize {
        label: "8B",
        bytes: 8,
    },
    PayloadSize {
        label: "256B",
        bytes: 256,
    },
    PayloadSize {
        label: "64KiB",
        bytes: 64 * 1024,
    },
    PayloadSize {
        label: "1MiB",
        bytes: 1024 * 1024,
    },
];

/// Criterion function name of the raw SHA-256d baseline in every group.
///
/// ```
/// assert_eq!(veil_benches::fixtures::RAW, "sha256d_raw");
/// ```
pub const RAW: &str = "sha256d_raw";

/// Criterion function name of frame encoding.
///
/// ```
/// assert_eq!(veil_benches::fixtures::ENCODE, "encode");
/// ```
pub const ENCODE: &str = "encode";

/// Criterion function name of frame decoding.
///
/// ```
/// assert_eq!(veil_benches::fixtures::DECODE, "decode");
/// ```
pub const DECODE: &str = "decode";

/// Criterion function name of frame decoding followed by
/// `Frame::into_message` (the typed message an application gets).
///
/// ```
/// assert_eq!(veil_benches::fixtures::DECODE_MESSAGE, "decode_message");
/// ```
pub const DECODE_MESSAGE: &str = "decode_message";

/// Criterion function name of decoding the 1 MiB frame fed in
/// [`READ_CHUNK`]-byte pieces, as socket reads deliver it (the decoder's
/// buffering path rather than the whole-frame fast path).
///
/// ```
/// assert_eq!(veil_benches::fixtures::DECODE_CHUNKED, "decode_chunked");
/// ```
pub const DECODE_CHUNKED: &str = "decode_chunked";

/// Bytes per simulated socket read in [`DECODE_CHUNKED`].
///
/// ```
/// assert_eq!(veil_benches::fixtures::READ_CHUNK, 65_536);
/// ```
pub const READ_CHUNK: usize = 64 * 1024;

/// Criterion group of the back-to-back ping stream.
///
/// ```
/// assert_eq!(veil_benches::fixtures::PING_GROUP, "ping_stream");
/// ```
pub const PING_GROUP: &str = "ping_stream";

/// Number of ping frames in the stream decoded per iteration.
///
/// ```
/// assert_eq!(veil_benches::fixtures::PING_STREAM_FRAMES, 1_000);
/// ```
pub const PING_STREAM_FRAMES: usize = 1_000;

/// The criterion group of one payload size.
///
/// ```
/// assert_eq!(veil_benches::fixtures::group_name("1MiB"), "frame_1MiB");
/// ```
#[must_use]
pub fn group_name(label: &str) -> String {
    format!("frame_{label}")
}

/// The message measured at `len` payload bytes: a ping at 8 bytes, otherwise
/// a `block` of deterministic pseudo-random bytes.
///
/// ```
/// use veil_core::message::Message;
/// let message = veil_benches::fixtures::message_of_len(300);
/// assert!(matches!(&message, Message::Block(b) if b.len() == 300));
/// assert_eq!(message.payload_len(), 300);
/// ```
#[must_use]
pub fn message_of_len(len: usize) -> Message {
    if len == 8 {
        return Message::Ping(Ping {
            nonce: 0x0123_4567_89ab_cdef,
        });
    }
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let bytes: Vec<u8> = (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    Message::Block(Bytes::from(bytes))
}

/// The payload bytes of `message`, as the frame carries them.
///
/// ```
/// let ping = veil_benches::fixtures::message_of_len(8);
/// assert_eq!(veil_benches::fixtures::payload_bytes(&ping).len(), 8);
/// ```
#[must_use]
pub fn payload_bytes(message: &Message) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.payload_len());
    message
        .encode_payload(&mut out)
        .expect("bench messages are valid");
    out
}

/// The whole frame (header and payload) of `message`.
///
/// ```
/// let ping = veil_benches::fixtures::message_of_len(8);
/// assert_eq!(veil_benches::fixtures::frame_bytes(&ping).len(), 28);
/// ```
#[must_use]
pub fn frame_bytes(message: &Message) -> Vec<u8> {
    FrameEncoder::default()
        .encode_to_vec(message)
        .expect("bench messages fit the default limits")
}

/// `count` ping frames back to back, with nonces `0..count`, in one buffer.
///
/// ```
/// let stream = veil_benches::fixtures::ping_stream(3);
/// assert_eq!(stream.len(), 3 * 28);
/// ```
#[must_use]
pub fn ping_stream(count: usize) -> Vec<u8> {
    let encoder = FrameEncoder::default();
    let mut out = Vec::with_capacity(count * 28);
    for nonce in 0..count as u64 {
        let frame = encoder
            .encode_to_vec(&Message::Ping(Ping { nonce }))
            .expect("a ping always encodes");
        out.extend_from_slice(&frame);
    }
    out
}

/// The raw baseline: SHA-256(SHA-256(`data`)), with no framing around it.
///
/// ```
/// // The first 4 bytes are the frame checksum of the empty payload.
/// assert_eq!(veil_benches::fixtures::sha256d(b"")[..4], [0x5d, 0xf6, 0xe0, 0xe2]);
/// ```
#[must_use]
pub fn sha256d(data: &[u8]) -> [u8; 32] {
    Sha256::digest(Sha256::digest(data)).into()
}
