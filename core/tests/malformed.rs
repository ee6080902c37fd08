//! Rejections of malformed input: one test per error kind, the limits at
//! their exact boundaries, and a property test over arbitrary bytes.

mod support;

use bytes::Bytes;
use proptest::prelude::*;
use veil_core::message::limits::*;
use veil_core::message::{
    AddrEntry, BlockLocator, Disconnect, DisconnectReason, InvItem, InvKind, Message, MessageKind,
    NetAddress, PayloadError, Version,
};
use veil_core::wire::{
    Command, CommandError, EncodeError, FrameDecoder, FrameEncoder, UnknownCommandPolicy,
    WireConfig, WireError, WireErrorKind, HEADER_LEN,
};
use veil_core::{Consequence, UnixTime};

use support::raw_frame;

fn decode_one(config: WireConfig, bytes: &[u8]) -> Result<Option<Message>, WireError> {
    let mut decoder = FrameDecoder::new(config);
    let mut input = bytes;
    match decoder.decode(&mut input)? {
        Some(frame) => frame.into_message().map(Some),
        None => Ok(None),
    }
}

fn reject() -> WireConfig {
    WireConfig {
        unknown_commands: UnknownCommandPolicy::Reject,
        ..WireConfig::default()
    }
}

#[test]
fn oversize_is_rejected_from_the_header_alone() {
    // A tx header announcing one byte more than the configured maximum.
    let mut header = raw_frame(b"tx", &[]);
    header[..4].copy_from_slice(&4_000_001u32.to_le_bytes());
    let mut decoder = FrameDecoder::default();
    let err = decoder.decode(&mut &header[..HEADER_LEN]).unwrap_err();
    assert_eq!(
        err,
        WireError::Oversize {
            command: Command::new("tx").unwrap(),
            len: 4_000_001,
            max: 4_000_000
        }
    );
    // Within tx's own bound: the peer may not know this side's limit.
    assert_eq!(err.consequence(), Consequence::Close);
    assert_eq!(decoder.buffered_capacity(), 0, "allocated before rejecting");
}

#[test]
fn per_command_maximum_applies_before_buffering() {
    let mut frame = raw_frame(b"ping", &[0; 9]);
    let err = FrameDecoder::default()
        .decode(&mut &frame[..HEADER_LEN])
        .unwrap_err();
    assert_eq!(err.kind(), WireErrorKind::Oversize);
    // Beyond the type's own bound: no honest peer sends it.
    assert_eq!(err.consequence(), Consequence::Discourage);
    frame[..4].copy_from_slice(&0u32.to_le_bytes());
    // An empty ping passes the size check but fails as a payload.
    let err = decode_one(WireConfig::default(), &frame[..HEADER_LEN]).unwrap_err();
    assert_eq!(err.kind(), WireErrorKind::BadChecksum);
}

#[test]
fn a_frame_up_to_the_growth_step_is_reserved_once_at_its_size() {
    let config = WireConfig {
        max_payload_len: 100_000,
        ..WireConfig::default()
    };
    let frame = FrameEncoder::new(config)
        .encode_to_vec(&Message::Tx(Bytes::from(vec![1u8; 100_000])))
        .unwrap();
    let mut decoder = FrameDecoder::new(config);
    assert!(decoder
        .decode(&mut &frame[..HEADER_LEN + 10])
        .unwrap()
        .is_none());
    assert_eq!(decoder.buffered_capacity(), 100_000);
    let frame = decoder
        .decode(&mut &frame[HEADER_LEN + 10..])
        .unwrap()
        .unwrap();
    assert_eq!(frame.payload().len(), 100_000);
    assert!(decoder.is_at_frame_boundary());
}

#[test]
fn a_bare_header_cannot_pin_the_announced_size() {
    use veil_core::wire::GROWTH_STEP;
    let frame = FrameEncoder::default()
        .encode_to_vec(&Message::Block(Bytes::from(vec![3u8; 4_000_000])))
        .unwrap();
    let mut decoder = FrameDecoder::default();
    assert!(decoder.decode(&mut &frame[..HEADER_LEN]).unwrap().is_none());
    assert_eq!(decoder.buffered_capacity(), GROWTH_STEP);
    // As the payload arrives in pieces, the reservation follows the data.
    let mut received = 0;
    let mut decoded = None;
    for mut piece in frame[HEADER_LEN..].chunks(100_000) {
        received += piece.len();
        if let Some(frame) = decoder.decode(&mut piece).unwrap() {
            decoded = Some(frame);
            break;
        }
        let capacity = decoder.buffered_capacity();
        assert!(capacity >= received);
        assert!(
            capacity <= (2 * received).max(received + GROWTH_STEP),
            "{capacity} for {received}"
        );
        assert!(capacity <= 4_000_000);
    }
    let frame = decoded.expect("the frame completes");
    assert_eq!(frame.payload().len(), 4_000_000);
    assert!(frame.payload().iter().all(|b| *b == 3));
}

#[test]
fn bad_checksum_is_caught_whole_and_in_pieces() {
    let mut frame = raw_frame(b"ping", &7u64.to_le_bytes());
    frame[HEADER_LEN] ^= 1;
    for chunk in [frame.len(), 1] {
        let (_, error) = support::decode_in_chunks(WireConfig::default(), &frame, &[chunk]);
        let error = error.expect("checksum mismatch detected");
        assert!(matches!(error, WireError::BadChecksum { .. }), "{error}");
        assert_eq!(error.consequence(), Consequence::Close);
    }
}

#[test]
fn malformed_commands_are_named() {
    let cases: [(&[u8; 12], CommandError); 3] = [
        (&[0; 12], CommandError::Empty),
        (
            b"pi\x07g\0\0\0\0\0\0\0\0",
            CommandError::NotPrintable {
                position: 2,
                byte: 7,
            },
        ),
        (
            b"ping\0x\0\0\0\0\0\0",
            CommandError::DataAfterNul { position: 5 },
        ),
    ];
    for (raw, problem) in cases {
        let mut frame = raw_frame(b"ping", &[0; 8]);
        frame[4..16].copy_from_slice(raw);
        let err = decode_one(WireConfig::default(), &frame).unwrap_err();
        assert_eq!(err, WireError::MalformedCommand { raw: *raw, problem });
        assert_eq!(err.consequence(), Consequence::Discourage);
    }
}

#[test]
fn unknown_commands_are_rejected_or_skipped_by_configuration() {
    let unknown = raw_frame(b"sendcmpct", &[1, 2, 3]);
    let err = decode_one(reject(), &unknown).unwrap_err();
    assert_eq!(
        err,
        WireError::UnknownCommand {
            command: Command::new("sendcmpct").unwrap()
        }
    );
    assert_eq!(err.consequence(), Consequence::Close);

    let mut stream = unknown.clone();
    stream.extend(raw_frame(b"verack", &[]));
    for chunk in [stream.len(), 1, 5] {
        let (frames, error) = support::decode_in_chunks(WireConfig::default(), &stream, &[chunk]);
        assert!(error.is_none());
        assert_eq!(frames.len(), 1);
        assert_eq!(frames[0].kind(), MessageKind::Verack);
    }
    let mut decoder = FrameDecoder::default();
    let mut input = &stream[..];
    assert!(decoder.decode(&mut input).unwrap().is_some());
    assert_eq!(decoder.stats().skipped_frames, 1);
    assert_eq!(decoder.stats().last_skipped, Command::new("sendcmpct").ok());
}

#[test]
fn skipped_frames_are_still_size_and_checksum_checked() {
    let mut oversize = raw_frame(b"future", &[]);
    oversize[..4].copy_from_slice(&u32::MAX.to_le_bytes());
    let err = decode_one(WireConfig::default(), &oversize).unwrap_err();
    assert_eq!(err.kind(), WireErrorKind::Oversize);

    let mut corrupt = raw_frame(b"future", &[1, 2, 3]);
    corrupt[HEADER_LEN] = 9;
    let err = decode_one(WireConfig::default(), &corrupt).unwrap_err();
    assert_eq!(err.kind(), WireErrorKind::BadChecksum);
}

#[test]
fn the_decoder_stays_failed_after_a_frame_error() {
    let mut decoder = FrameDecoder::default();
    let garbage = [0xFFu8; HEADER_LEN];
    let first = decoder.decode(&mut &garbage[..]).unwrap_err();
    let valid = raw_frame(b"verack", &[]);
    assert_eq!(decoder.decode(&mut &valid[..]).unwrap_err(), first);
}

fn payload_error(kind: MessageKind, payload: &[u8]) -> PayloadError {
    let frame = raw_frame(kind.name().as_bytes(), payload);
    match decode_one(WireConfig::default(), &frame) {
        Err(WireError::MalformedPayload { kind: k, error }) => {
            assert_eq!(k, kind);
            assert_eq!(
                WireError::MalformedPayload {
                    kind,
                    error: error.clone()
                }
                .consequence(),
                Consequence::Discourage
            );
            error
        }
        other => panic!("expected a malformed {kind:?} payload, got {other:?}"),
    }
}

#[test]
fn malformed_payloads_say_what_is_wrong() {
    assert_eq!(
        payload_error(MessageKind::Pong, &[1, 2]),
        PayloadError::Truncated {
            field: "pong.nonce",
            needed: 8,
            available: 2
        }
    );
    assert_eq!(
        payload_error(MessageKind::Ping, &[0; 7]),
        PayloadError::Truncated {
            field: "ping.nonce",
            needed: 8,
            available: 7
        }
    );
    assert_eq!(
        payload_error(MessageKind::Inv, &[0xFD, 0x01, 0x00]),
        PayloadError::NonCanonicalCompactSize { field: "inv.count" }
    );
    assert_eq!(
        payload_error(MessageKind::Inv, &[0xFD, 0x51, 0xC3]),
        PayloadError::LimitExceeded {
            field: "inv.count",
            value: 50_001,
            max: 50_000
        }
    );
    // Claims 1,000 entries but carries none: rejected before allocating.
    assert_eq!(
        payload_error(MessageKind::Addr, &[0xFD, 0xE8, 0x03]),
        PayloadError::Truncated {
            field: "addr.count",
            needed: 16_000,
            available: 0
        }
    );
    let mut ipv4_too_long = vec![1u8];
    ipv4_too_long.extend_from_slice(&[0; 12]);
    ipv4_too_long.extend_from_slice(&[1, 5, 1, 2, 3, 4, 5, 0, 80]);
    assert_eq!(
        payload_error(MessageKind::Addr, &ipv4_too_long),
        PayloadError::AddressLength {
            network: 1,
            expected: 4,
            actual: 5
        }
    );
    assert_eq!(
        payload_error(MessageKind::Disconnect, &[1, 0, 2, 0xC3, 0x28]),
        PayloadError::InvalidUtf8 {
            field: "disconnect.text"
        }
    );
    assert_eq!(
        payload_error(MessageKind::Disconnect, &[1, 0, 0, 9]),
        PayloadError::TrailingBytes { count: 1 }
    );
}

fn version_with_agent(len: usize) -> Message {
    Message::Version(Version {
        protocol_version: 1,
        timestamp: UnixTime::from_secs(1),
        features: 0,
        privacy_features: 0,
        user_agent: "a".repeat(len),
        best_block_hash: [0; 32],
        best_block_height: 0,
        nonce: 0,
    })
}

fn full_addr(count: usize) -> Message {
    let entry = AddrEntry {
        time: UnixTime::from_secs(1),
        features: 0,
        address: NetAddress::Unknown {
            network: 200,
            bytes: Bytes::from(vec![0u8; MAX_ADDRESS_LEN]),
        },
        port: 0,
    };
    Message::Addr(vec![entry; count])
}

fn inv(count: usize) -> Vec<InvItem> {
    vec![
        InvItem {
            kind: InvKind::Tx,
            hash: [0; 32]
        };
        count
    ]
}

/// The largest valid message of each bounded type, and one just past a limit.
fn limit_cases() -> Vec<(Message, Message)> {
    let locator = |n| BlockLocator {
        version: 1,
        hashes: vec![[0; 32]; n],
        stop: [0; 32],
    };
    let disconnect = |n: usize| {
        Message::Disconnect(Disconnect {
            reason: DisconnectReason::Shutdown,
            text: "x".repeat(n),
        })
    };
    let headers = |n, len| Message::Headers(vec![Bytes::from(vec![0u8; len]); n]);
    vec![
        (
            version_with_agent(MAX_USER_AGENT_LEN),
            version_with_agent(MAX_USER_AGENT_LEN + 1),
        ),
        (full_addr(MAX_ADDR_ENTRIES), full_addr(MAX_ADDR_ENTRIES + 1)),
        (
            Message::Inv(inv(MAX_INV_ENTRIES)),
            Message::Inv(inv(MAX_INV_ENTRIES + 1)),
        ),
        (
            Message::GetData(inv(MAX_INV_ENTRIES)),
            Message::GetData(inv(MAX_INV_ENTRIES + 1)),
        ),
        (
            Message::NotFound(inv(MAX_INV_ENTRIES)),
            Message::NotFound(inv(MAX_INV_ENTRIES + 1)),
        ),
        (
            Message::GetBlocks(locator(MAX_LOCATOR_HASHES)),
            Message::GetBlocks(locator(MAX_LOCATOR_HASHES + 1)),
        ),
        (
            Message::GetHeaders(locator(MAX_LOCATOR_HASHES)),
            Message::GetHeaders(locator(MAX_LOCATOR_HASHES + 1)),
        ),
        (
            headers(MAX_HEADERS, MAX_HEADER_LEN),
            headers(MAX_HEADERS, MAX_HEADER_LEN + 1),
        ),
        (
            disconnect(MAX_DISCONNECT_TEXT_LEN),
            disconnect(MAX_DISCONNECT_TEXT_LEN + 1),
        ),
    ]
}

#[test]
fn limits_hold_exactly_and_type_bounds_are_tight() {
    let roomy = WireConfig {
        max_payload_len: u32::MAX,
        ..WireConfig::default()
    };
    for (largest, too_big) in limit_cases() {
        let kind = largest.kind();
        assert_eq!(
            largest.payload_len() as u32,
            kind.max_payload_len(),
            "{kind:?}: the type's bound is not the size of its largest message"
        );
        let bytes = FrameEncoder::new(roomy).encode_to_vec(&largest).unwrap();
        assert_eq!(decode_one(roomy, &bytes).unwrap(), Some(largest));
        assert!(matches!(
            FrameEncoder::new(roomy).encode_to_vec(&too_big),
            Err(EncodeError::Invalid { .. })
        ));
    }
    // A headers message exceeding the count.
    let too_many = Message::Headers(vec![Bytes::new(); MAX_HEADERS + 1]);
    assert!(too_many.validate().is_err());
}

#[test]
fn other_values_that_shadow_known_ones_are_not_sent() {
    let shadowing = [
        (
            Message::Inv(vec![InvItem {
                kind: InvKind::Other(2),
                hash: [0; 32],
            }]),
            "inv.kind",
        ),
        (
            Message::Disconnect(Disconnect {
                reason: DisconnectReason::Other(4),
                text: String::new(),
            }),
            "disconnect.reason",
        ),
        (
            Message::Addr(vec![AddrEntry {
                time: UnixTime::from_secs(0),
                features: 0,
                address: NetAddress::Unknown {
                    network: 1,
                    bytes: Bytes::from_static(&[1, 2, 3, 4]),
                },
                port: 0,
            }]),
            "addr.network",
        ),
    ];
    for (message, field) in shadowing {
        match message.validate() {
            Err(PayloadError::ShadowsKnownValue { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{field}: expected ShadowsKnownValue, got {other:?}"),
        }
    }
}

#[test]
fn encoder_errors_are_typed() {
    let small = WireConfig {
        max_payload_len: 10,
        ..WireConfig::default()
    };
    assert_eq!(
        FrameEncoder::new(small).encode_to_vec(&Message::Tx(Bytes::from(vec![0u8; 11]))),
        Err(EncodeError::Oversize {
            kind: MessageKind::Tx,
            len: 11,
            max: 10
        })
    );
    let mut buf = [0u8; HEADER_LEN];
    assert_eq!(
        FrameEncoder::default().encode(&Message::Tx(Bytes::from_static(b"x")), &mut buf),
        Err(EncodeError::BufferTooSmall {
            required: HEADER_LEN + 1,
            available: HEADER_LEN
        })
    );
}

#[test]
fn every_error_kind_has_a_stable_name_and_consequence() {
    for kind in WireErrorKind::ALL {
        assert_eq!(WireErrorKind::from_name(kind.as_str()), Some(kind));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    /// Arbitrary bytes never panic, never make the decoder hold more than
    /// one frame's payload, and chunking does not change the outcome.
    #[test]
    fn arbitrary_bytes_are_handled(data in proptest::collection::vec(any::<u8>(), 0..2_048), chunk in 1usize..40) {
        let config = WireConfig { max_payload_len: 1_024, ..WireConfig::default() };
        let mut decoder = FrameDecoder::new(config);
        for mut piece in data.chunks(chunk) {
            loop {
                let result = decoder.decode(&mut piece);
                prop_assert!(decoder.buffered_capacity() <= 1_024);
                match result {
                    Ok(Some(frame)) => { let _ = frame.into_message(); }
                    Ok(None) => break,
                    Err(_) => break,
                }
            }
        }
        let (a, ea) = support::decode_in_chunks(config, &data, &[chunk]);
        let (b, eb) = support::decode_in_chunks(config, &data, &[data.len().max(1)]);
        prop_assert_eq!(a, b);
        prop_assert_eq!(ea, eb);
    }

    /// Arbitrary payloads for every type never panic; whatever decodes
    /// re-encodes to the same bytes.
    #[test]
    fn arbitrary_payloads_are_handled(data in proptest::collection::vec(any::<u8>(), 0..512), selector in 0usize..16) {
        let kind = MessageKind::ALL[selector % MessageKind::ALL.len()];
        if let Ok(message) = Message::decode(kind, Bytes::from(data.clone())) {
            let mut out = Vec::new();
            message.encode_payload(&mut out).unwrap();
            prop_assert_eq!(out, data);
        }
    }
}
