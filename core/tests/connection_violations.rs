//! Protocol violations in the byte stream: messages out of turn, malformed
//! payloads and packets, oversize messages, bad checksums and failed
//! authentication. Each closes with its typed reason and the consequence
//! that reason carries, and the peer is told why whenever a message can
//! still be sent.

mod support;

use support::conn::*;
use support::raw_frame;
use veil_core::connection::{CloseReason, ConnectionConfig, ConnectionState};
use veil_core::message::{Disconnect, DisconnectReason, Message, MessageKind};
use veil_core::packet::DecryptError;
use veil_core::testing::Direction;
use veil_core::wire::{UnknownCommandPolicy, WireConfig, WireError, WireErrorKind, HEADER_LEN};
use veil_core::Consequence;

fn unexpected(name: &'static str, state: &'static str) -> CloseReason {
    CloseReason::UnexpectedMessage { name, state }
}

#[test]
fn a_message_before_the_version_is_unexpected() {
    // A plaintext dialler sent its version; the peer answers with getaddr.
    let mut a = plain_out();
    let (reason, sent) = feed(&mut a, &frame(&Message::GetAddr));
    let reason = reason.unwrap();
    assert_eq!(reason, unexpected("getaddr", "handshaking"));
    assert_eq!(reason.consequence(), Consequence::Discourage);
    let sent = frames(&sent);
    assert!(matches!(sent[0], Message::Version(_)));
    assert_eq!(sent[1..], [bye(DisconnectReason::ProtocolViolation)]);
    assert_eq!(a.state(), ConnectionState::Closed);

    // An inbound one: version, then getaddr before the verack.
    let mut b = plain_in();
    let mut input = frame(&Message::Version(version(1, WALL)));
    input.extend(frame(&Message::GetAddr));
    let (reason, sent) = feed(&mut b, &input);
    assert_eq!(reason, Some(unexpected("getaddr", "handshaking")));
    let sent = frames(&sent);
    assert_eq!(sent.len(), 3, "version, verack, disconnect");
    assert_eq!(sent[2], bye(DisconnectReason::ProtocolViolation));
}

#[test]
fn a_second_version_is_unexpected() {
    let mut b = plain_in();
    let mut input = frame(&Message::Version(version(1, WALL)));
    input.extend(frame(&Message::Version(version(2, WALL))));
    let (reason, _) = feed(&mut b, &input);
    let reason = reason.unwrap();
    assert_eq!(reason, unexpected("version", "handshaking"));
    assert_eq!(reason.consequence(), Consequence::Discourage);
}

#[test]
fn a_verack_before_the_version_is_unexpected() {
    let mut a = plain_out();
    let (reason, _) = feed(&mut a, &frame(&Message::Verack));
    assert_eq!(reason, Some(unexpected("verack", "handshaking")));
    // Twice is as bad.
    let mut a = plain_out();
    let mut input = frame(&Message::Version(version(1, WALL)));
    input.extend(frame(&Message::Verack));
    input.extend(frame(&Message::Verack));
    let (reason, _) = feed(&mut a, &input);
    assert_eq!(reason, Some(unexpected("verack", "connected")));
}

#[test]
fn version_or_verack_after_the_handshake_is_unexpected() {
    for (contents, name) in [
        (
            {
                let mut c = vec![1];
                c.extend(payload(&Message::Version(version(5, WALL))));
                c
            },
            "version",
        ),
        (vec![2], "verack"),
    ] {
        let mut pair = connected_pair(ConnectionConfig::default(), ConnectionConfig::default(), 1);
        pair.a.queue_raw_packet_for_testing(&contents, false);
        pair.settle().unwrap();
        let reason = close_reason(&pair, false).unwrap();
        assert_eq!(reason, unexpected(name, "connected"));
        assert_eq!(reason.consequence(), Consequence::Discourage);
        assert_eq!(
            close_reason(&pair, true),
            Some(CloseReason::Remote(Disconnect {
                reason: DisconnectReason::ProtocolViolation,
                text: String::new(),
            }))
        );
    }
    // The same on the plaintext transport.
    let (config_a, config_b) = plaintext_configs();
    let mut pair = connected_pair(config_a, config_b, 1);
    pair.b
        .handle_input(pair.now, &frame(&Message::Version(version(5, WALL))));
    pair.settle().unwrap();
    assert_eq!(
        close_reason(&pair, false),
        Some(unexpected("version", "connected"))
    );
}

#[test]
fn malformed_payloads_are_typed() {
    // Encrypted: an authenticated ping of 3 bytes.
    let mut pair = connected_pair(ConnectionConfig::default(), ConnectionConfig::default(), 2);
    pair.a.queue_raw_packet_for_testing(&[3, 1, 2, 3], false);
    pair.settle().unwrap();
    let reason = close_reason(&pair, false).unwrap();
    assert!(
        matches!(
            reason,
            CloseReason::MalformedPayload {
                kind: MessageKind::Ping,
                ..
            }
        ),
        "{reason:?}"
    );
    assert_eq!(reason.consequence(), Consequence::Discourage);
    // Plaintext: a frame with a valid checksum around the same payload.
    let mut b = plain_in();
    let mut input = frame(&Message::Version(version(1, WALL)));
    input.extend(raw_frame("ping", &[1, 2, 3]));
    let (reason, _) = feed(&mut b, &input);
    let reason = reason.unwrap();
    assert!(
        matches!(&reason, CloseReason::Wire(e) if e.kind() == WireErrorKind::MalformedPayload),
        "{reason:?}"
    );
    assert_eq!(reason.consequence(), Consequence::Discourage);
}

#[test]
fn malformed_packets_are_typed() {
    let cases: [(&[u8], &str, Option<u8>); 5] = [
        (&[], "empty packet", None),
        (
            &[3, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            "message above its size limit",
            Some(3),
        ),
        (
            &[0, b'a'],
            "long-form id without a 12-byte command",
            Some(0),
        ),
        (&[0x80, 1, 2], "rekey key is not 32 bytes", Some(0x80)),
        (&[0x82, 0], "rekey_done has a payload", Some(0x82)),
    ];
    for (contents, problem, id) in cases {
        let mut pair = connected_pair(ConnectionConfig::default(), ConnectionConfig::default(), 3);
        pair.a.queue_raw_packet_for_testing(contents, false);
        pair.settle().unwrap();
        let reason = close_reason(&pair, false).unwrap();
        assert_eq!(reason, CloseReason::MalformedPacket { problem, id });
        assert_eq!(reason.consequence(), Consequence::Discourage);
    }
}

#[test]
fn rekey_messages_out_of_turn_are_refused() {
    let mut zero_key = vec![0x80];
    zero_key.extend([0; 32]);
    let mut ack = vec![0x81];
    ack.extend([9; 32]);
    let cases = [
        (vec![0x82], unexpected("rekey_done", "rekeying")),
        (ack, unexpected("rekey_ack", "rekeying")),
        (
            zero_key,
            CloseReason::MalformedPacket {
                problem: "rekey key of small order",
                id: None,
            },
        ),
    ];
    for (contents, expected) in cases {
        let mut pair = connected_pair(ConnectionConfig::default(), ConnectionConfig::default(), 4);
        pair.a.queue_raw_packet_for_testing(&contents, false);
        pair.settle().unwrap();
        assert_eq!(close_reason(&pair, false), Some(expected));
    }
}

#[test]
fn unknown_ids_are_skipped_or_refused_and_decoys_dropped() {
    let mut pair = connected_pair(ConnectionConfig::default(), ConnectionConfig::default(), 5);
    pair.a.queue_raw_packet_for_testing(&[0x40, 1, 2, 3], false);
    pair.a.queue_raw_packet_for_testing(&[6], true);
    pair.a.send(pair.now, Message::GetAddr).unwrap();
    pair.settle().unwrap();
    assert_eq!(pair.b.state(), ConnectionState::Connected);
    assert_eq!(pair.b.stats().messages_skipped, 1);
    assert_eq!(pair.b.stats().decoys_received, 1);
    // The decoy's contents (a getaddr) were not delivered.
    assert_eq!(messages(&pair, false), [Message::GetAddr]);

    let reject = ConnectionConfig {
        wire: WireConfig {
            unknown_commands: UnknownCommandPolicy::Reject,
            ..WireConfig::default()
        },
        ..ConnectionConfig::default()
    };
    let mut pair = connected_pair(ConnectionConfig::default(), reject, 5);
    pair.a.queue_raw_packet_for_testing(&[0x40, 1, 2, 3], false);
    pair.settle().unwrap();
    assert_eq!(
        close_reason(&pair, false),
        Some(CloseReason::MalformedPacket {
            problem: "unknown message id",
            id: Some(0x40),
        })
    );
}

#[test]
fn oversize_messages_are_refused_before_buffering() {
    // Encrypted: contents beyond the configured limit, refused from the
    // length field.
    let small = ConnectionConfig {
        wire: WireConfig {
            max_payload_len: 10_000,
            ..WireConfig::default()
        },
        ..ConnectionConfig::default()
    };
    let mut pair = connected_pair(ConnectionConfig::default(), small, 6);
    let mut contents = vec![12u8];
    contents.extend(vec![0u8; 20_000]);
    pair.a.queue_raw_packet_for_testing(&contents, false);
    let received = pair.b.stats().bytes_received;
    pair.settle().unwrap();
    let reason = close_reason(&pair, false).unwrap();
    assert_eq!(
        reason,
        CloseReason::Decrypt(DecryptError::Oversize {
            len: 20_001,
            max: 10_013
        })
    );
    assert_eq!(reason.consequence(), Consequence::Close);
    assert!(pair.b.stats().bytes_received > received);
    // What remains is the transmit buffer of the (padded) handshake, far
    // below the 20 kB the peer announced.
    let buffered = pair.b.buffered_bytes();
    assert!(buffered < 4_096, "nothing of it was kept: {buffered}");

    // Plaintext: a header announcing a 9-byte ping.
    let mut b = plain_in();
    let mut input = frame(&Message::Version(version(1, WALL)));
    let mut header = raw_frame("ping", &[0; 9]);
    header.truncate(HEADER_LEN);
    input.extend(header);
    let (reason, _) = feed(&mut b, &input);
    let reason = reason.unwrap();
    assert!(matches!(
        &reason,
        CloseReason::Wire(WireError::Oversize { len: 9, max: 8, .. })
    ));
    assert_eq!(reason.consequence(), Consequence::Discourage);

    // Plaintext, before the handshake: payloads above 1 KiB are refused,
    // whatever their type allows later.
    let mut b = plain_in();
    let mut input = frame(&Message::Version(version(1, WALL)));
    input.extend(raw_frame("tx", &[0; 2_000]));
    let (reason, _) = feed(&mut b, &input);
    let reason = reason.unwrap();
    assert!(
        matches!(
            &reason,
            CloseReason::Wire(WireError::Oversize {
                len: 2_000,
                max: 1_024,
                ..
            })
        ),
        "{reason:?}"
    );
    assert_eq!(
        reason.consequence(),
        Consequence::Close,
        "within the type's own bound"
    );
}

#[test]
fn a_bad_checksum_closes_a_plaintext_connection() {
    let mut b = plain_in();
    let mut input = frame(&Message::Version(version(1, WALL)));
    let mut ping = frame(&Message::Ping(veil_core::message::Ping { nonce: 5 }));
    *ping.last_mut().unwrap() ^= 1;
    input.extend(ping);
    let (reason, _) = feed(&mut b, &input);
    let reason = reason.unwrap();
    assert!(
        matches!(&reason, CloseReason::Wire(WireError::BadChecksum { .. })),
        "{reason:?}"
    );
    assert_eq!(reason.consequence(), Consequence::Close);
}

#[test]
fn a_flipped_byte_fails_authentication() {
    let mut pair = connected_pair(ConnectionConfig::default(), ConnectionConfig::default(), 7);
    // Flip one byte of the next packet's body (past its 3-byte length).
    let start = pair.a.stats().bytes_sent;
    pair.tamper = Some(Box::new(move |direction, offset, bytes| {
        if direction == Direction::AToB && offset == start {
            bytes[10] ^= 0x20;
        }
    }));
    pair.a
        .send(pair.now, Message::Tx(vec![5; 100].into()))
        .unwrap();
    pair.settle().unwrap();
    let reason = close_reason(&pair, false).unwrap();
    assert_eq!(reason, CloseReason::Decrypt(DecryptError::Authentication));
    assert_eq!(reason.consequence(), Consequence::Close);
    assert!(messages(&pair, false).is_empty());
    assert_eq!(
        close_reason(&pair, true),
        Some(CloseReason::Remote(Disconnect {
            reason: DisconnectReason::ProtocolViolation,
            text: String::new(),
        }))
    );
}

#[test]
fn a_low_order_first_message_closes_without_leaving_bytes_queued() {
    use std::sync::Arc;
    use veil_core::connection::{CloseReason, Connection, ConnectionConfig, Event};
    use veil_core::identity::Identity;
    use veil_core::noise::NoiseError;
    use veil_core::{Instant, UnixTime};

    let mut rng =
        <rand_chacha::ChaCha20Rng as rand_chacha::rand_core::SeedableRng>::seed_from_u64(9);
    let identity = Identity::generate(&mut rng);
    let config = Arc::new(ConnectionConfig::default());
    let mut inbound = Connection::inbound(
        config,
        &identity,
        None,
        Instant::ZERO,
        UnixTime::EPOCH,
        &mut rng,
    )
    .unwrap();
    // The all-zero u-coordinate is a small-order point: no shared secret.
    inbound.handle_input(Instant::ZERO, &[0u8; 32]);
    assert_eq!(
        inbound.poll_event(),
        Some(Event::Closed {
            reason: CloseReason::Noise(NoiseError::WeakPublicKey),
            unsent_bytes: 0,
        })
    );
    assert_eq!(inbound.poll_transmit(&mut [0u8; 256]), 0);
}
