//! Encodes a version message into a frame, prints it, and decodes it again
//! from a stream that arrives in small pieces.
//!
//! Run with `cargo run -p veil-core --example encode_decode`.

use veil_core::message::{Message, Version, PROTOCOL_VERSION};
use veil_core::wire::{FrameDecoder, FrameEncoder, HEADER_LEN};
use veil_core::UnixTime;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn main() {
    let message = Message::Version(Version {
        protocol_version: PROTOCOL_VERSION,
        timestamp: UnixTime::from_system_time(std::time::SystemTime::now()),
        features: 0b11,
        privacy_features: 0b1,
        user_agent: "/veil-example:0.1.0/".into(),
        best_block_hash: [0; 32],
        best_block_height: 0,
        nonce: 0x5eed,
    });

    let encoder = FrameEncoder::default();
    let frame = encoder.encode_to_vec(&message).expect("a valid message");
    println!("message : {message:?}");
    println!("frame   : {} bytes", frame.len());
    println!("  header: {}", hex(&frame[..HEADER_LEN]));
    println!("  length: {}", hex(&frame[..4]));
    println!("  cmd   : {}", hex(&frame[4..16]));
    println!("  check : {}", hex(&frame[16..HEADER_LEN]));
    println!("  body  : {}", hex(&frame[HEADER_LEN..]));

    let mut decoder = FrameDecoder::default();
    let mut decoded = Vec::new();
    for mut piece in frame.chunks(5) {
        while let Some(frame) = decoder.decode(&mut piece).expect("a valid stream") {
            decoded.push(frame.into_message().expect("a valid payload"));
        }
    }
    assert_eq!(decoded, [message]);
    println!("decoded : the same message, from 5-byte pieces");
}
