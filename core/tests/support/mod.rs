//! Shared by the integration tests: proptest strategies for every message
//! and the language-neutral JSON view of messages used by test vectors.
#![allow(dead_code, unused_imports)] // each test binary uses a different part

pub mod conn;
pub mod json;
pub mod node;
pub mod replay;
pub mod session;
pub mod strategies;

use veil_core::message::Message;
use veil_core::wire::{
    checksum, Frame, FrameDecoder, FrameEncoder, FrameHeader, WireConfig, WireError,
};

/// A plaintext frame with any command bytes and payload, and a correct
/// checksum (commands need not be valid: tests build malformed ones).
pub fn raw_frame(command: impl AsRef<[u8]>, payload: &[u8]) -> Vec<u8> {
    let command = command.as_ref();
    let mut name = [0u8; 12];
    name[..command.len()].copy_from_slice(command);
    let header = FrameHeader {
        payload_len: payload.len() as u32,
        command: name,
        checksum: checksum(payload),
    };
    let mut out = header.to_bytes().to_vec();
    out.extend_from_slice(payload);
    out
}

/// Encodes messages back to back into one stream.
pub fn stream_of(messages: &[Message]) -> Vec<u8> {
    let encoder = FrameEncoder::default();
    messages
        .iter()
        .flat_map(|m| encoder.encode_to_vec(m).expect("valid message encodes"))
        .collect()
}

/// Decodes `stream` fed in pieces of the given sizes (cycled), collecting
/// every frame until the stream ends or an error occurs.
pub fn decode_in_chunks(
    config: WireConfig,
    stream: &[u8],
    sizes: &[usize],
) -> (Vec<Frame>, Option<WireError>) {
    let mut decoder = FrameDecoder::new(config);
    let mut frames = Vec::new();
    let mut rest = stream;
    let mut sizes = sizes.iter().copied().filter(|s| *s > 0).cycle();
    while !rest.is_empty() {
        let take = sizes.next().unwrap_or(rest.len()).min(rest.len());
        let (mut piece, tail) = rest.split_at(take);
        rest = tail;
        loop {
            match decoder.decode(&mut piece) {
                Ok(Some(frame)) => frames.push(frame),
                Ok(None) => break,
                Err(error) => return (frames, Some(error)),
            }
        }
    }
    (frames, None)
}
