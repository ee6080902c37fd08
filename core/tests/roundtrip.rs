//! Property tests: every message survives encode → decode, valid frames
//! survive decode → encode byte for byte, and chunking never matters.

mod support;

use bytes::Bytes;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use std::collections::BTreeSet;
use support::strategies::message;
use support::{decode_in_chunks, stream_of};
use veil_core::message::{Message, MessageKind};
use veil_core::wire::{FrameDecoder, FrameEncoder, WireConfig, HEADER_LEN};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn encode_then_decode_gives_the_message(original in message()) {
        let bytes = FrameEncoder::default().encode_to_vec(&original).unwrap();
        prop_assert_eq!(bytes.len(), HEADER_LEN + original.payload_len());
        let mut input = &bytes[..];
        let frame = FrameDecoder::default().decode(&mut input).unwrap().unwrap();
        prop_assert!(input.is_empty());
        prop_assert_eq!(frame.kind(), original.kind());
        prop_assert_eq!(frame.into_message().unwrap(), original);
    }

    #[test]
    fn decode_then_encode_gives_the_same_bytes(original in message()) {
        let frame_bytes = FrameEncoder::default().encode_to_vec(&original).unwrap();
        let frame = FrameDecoder::default().decode(&mut &frame_bytes[..]).unwrap().unwrap();
        let payload = frame.payload().clone();
        let decoded = frame.into_message().unwrap();
        let mut again = Vec::new();
        decoded.encode_payload(&mut again).unwrap();
        prop_assert_eq!(&again[..], &payload[..]);
        prop_assert_eq!(FrameEncoder::default().encode_to_vec(&decoded).unwrap(), frame_bytes);
    }

    #[test]
    fn any_chunking_yields_the_same_frames(
        messages in vec(message(), 1..12),
        sizes in vec(1usize..64, 1..16),
    ) {
        let stream = stream_of(&messages);
        let (whole, error) = decode_in_chunks(WireConfig::default(), &stream, &[stream.len()]);
        prop_assert!(error.is_none());
        let (chunked, error) = decode_in_chunks(WireConfig::default(), &stream, &sizes);
        prop_assert!(error.is_none());
        prop_assert_eq!(&chunked, &whole);
        let decoded: Vec<Message> = chunked.into_iter().map(|f| f.into_message().unwrap()).collect();
        prop_assert_eq!(decoded, messages);
    }
}

#[test]
fn one_byte_at_a_time_works_for_every_type() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let mut seen = BTreeSet::new();
    let mut messages = Vec::new();
    while seen.len() < MessageKind::ALL.len() {
        let m = message().new_tree(&mut runner).unwrap().current();
        seen.insert(m.kind());
        messages.push(m);
    }
    let stream = stream_of(&messages);
    let (frames, error) = decode_in_chunks(WireConfig::default(), &stream, &[1]);
    assert!(error.is_none());
    let decoded: Vec<Message> = frames
        .into_iter()
        .map(|f| f.into_message().unwrap())
        .collect();
    assert_eq!(decoded, messages);
}

#[test]
fn opaque_bodies_share_the_frame_buffer() {
    let bytes = FrameEncoder::default()
        .encode_to_vec(&Message::Block(Bytes::from(vec![7u8; 4096])))
        .unwrap();
    let frame = FrameDecoder::default()
        .decode(&mut &bytes[..])
        .unwrap()
        .unwrap();
    let payload_ptr = frame.payload().as_ptr();
    let Message::Block(body) = frame.into_message().unwrap() else {
        panic!("not a block")
    };
    assert_eq!(body.as_ptr(), payload_ptr, "block body was copied");
}
