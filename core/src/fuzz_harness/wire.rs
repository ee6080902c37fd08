//! The wire codec's harnesses: the frame decoder and message payloads.

use alloc::vec::Vec;
use bytes::Bytes;

use crate::message::{Message, MessageKind};
use crate::wire::{FrameDecoder, FrameEncoder, WireConfig, HEADER_LEN};

/// Feeds `data` to a frame decoder in chunks whose sizes are taken from the
/// data itself, and checks that:
/// - it never holds more than one frame's worth of payload buffer;
/// - every frame it yields either decodes to a message that re-encodes to
///   the same bytes, or fails with a typed payload error;
/// - chunking does not change the result (a one-shot decode agrees).
///
/// # Example
///
/// ```
/// veil_core::fuzz_harness::frame_decoder(&[0xff; 64]);
/// ```
pub fn frame_decoder(data: &[u8]) {
    let Some((&chunk_seed, stream)) = data.split_first() else {
        return;
    };
    let config = WireConfig {
        max_payload_len: 64 * 1024,
        ..WireConfig::default()
    };
    let chunked = decode_all(config, stream, usize::from(chunk_seed % 32) + 1);
    let whole = decode_all(config, stream, stream.len().max(1));
    assert_eq!(chunked, whole, "chunking changed the decoded frames");
}

fn decode_all(config: WireConfig, stream: &[u8], chunk: usize) -> Vec<Result<Vec<u8>, u8>> {
    let encoder = FrameEncoder::new(config);
    let mut decoder = FrameDecoder::new(config);
    let mut out = Vec::new();
    for mut piece in stream.chunks(chunk) {
        loop {
            let result = decoder.decode(&mut piece);
            assert!(decoder.buffered_capacity() <= config.max_payload_len as usize);
            match result {
                Ok(Some(frame)) => {
                    let kind = frame.kind();
                    let payload = frame.payload().clone();
                    match frame.into_message() {
                        Ok(message) => {
                            assert_eq!(message.kind(), kind);
                            let bytes =
                                encoder.encode_to_vec(&message).expect("decoded re-encodes");
                            assert_eq!(&bytes[HEADER_LEN..], &payload[..], "not byte-exact");
                            out.push(Ok(bytes));
                        }
                        Err(error) => out.push(Err(error.kind() as u8)),
                    }
                }
                Ok(None) => break,
                Err(error) => {
                    out.push(Err(error.kind() as u8));
                    return out;
                }
            }
        }
    }
    out
}

/// Decodes `data[1..]` as the payload of the message type picked by
/// `data[0]`, and checks that a payload that decodes re-encodes to the same
/// bytes.
///
/// # Example
///
/// ```
/// veil_core::fuzz_harness::message_payload(&[2, 1, 0, 0, 0, 0, 0, 0, 0]);
/// ```
pub fn message_payload(data: &[u8]) {
    let Some((&selector, payload)) = data.split_first() else {
        return;
    };
    let kind = MessageKind::ALL[usize::from(selector) % MessageKind::ALL.len()];
    if let Ok(message) = Message::decode(kind, Bytes::copy_from_slice(payload)) {
        assert_eq!(message.kind(), kind);
        assert_eq!(message.payload_len(), payload.len());
        let mut out = Vec::with_capacity(payload.len());
        message
            .encode_payload(&mut out)
            .expect("decoded message is valid");
        assert_eq!(out, payload, "decode-then-encode is not byte-exact");
    }
}
