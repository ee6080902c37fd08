//! Handshakes that are refused: too many bytes before completing (and
//! messages pipelined right after it, which are not counted), garbage
//! without a terminator, plaintext where it is not accepted, an old
//! version, missing features, a skewed clock and a node that dialled
//! itself. Each closes with its typed reason and consequence.

mod support;

use std::sync::Arc;

use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use support::conn::*;
use support::raw_frame;
use veil_core::connection::{
    CloseReason, Connection, ConnectionConfig, ConnectionState, Event, LocalVersion, TimeoutReason,
    MIN_HANDSHAKE_BYTES,
};
use veil_core::identity::Identity;
use veil_core::message::{Disconnect, DisconnectReason, Message};
use veil_core::shaping::ShapingConfig;
use veil_core::testing::Pair;
use veil_core::{Consequence, Duration, Instant, UnixTime};

const T0: Instant = Instant::ZERO;

#[test]
fn too_many_handshake_bytes_close_the_connection() {
    let limit = MIN_HANDSHAKE_BYTES;
    let config = ConnectionConfig {
        accept_plaintext: true,
        max_handshake_bytes: limit,
        ..ConnectionConfig::default()
    };
    let too_large = CloseReason::HandshakeTooLarge { limit };
    // Counted before anything is authenticated: not held against the peer.
    assert_eq!(too_large.consequence(), Consequence::Close);
    assert_eq!(
        too_large.disconnect_reason(),
        DisconnectReason::ProtocolViolation
    );

    // A plaintext peer padding its handshake with frames of unknown type,
    // one frame at a time and all in one piece.
    let mut input = frame(&Message::Version(version(1, WALL)));
    let padding = raw_frame("padding", &[0; 500]);
    while input.len() <= limit {
        input.extend(&padding);
    }
    let mut b = inbound(config.clone(), 8);
    let mut fed = 0;
    for piece in input.chunks(padding.len()) {
        let (reason, _) = feed(&mut b, piece);
        fed += piece.len();
        if reason.is_some() {
            assert_eq!(reason, Some(too_large.clone()));
            break;
        }
    }
    assert!(fed > limit && fed - padding.len() <= limit, "{fed}");
    let mut b = inbound(config.clone(), 8);
    let (reason, sent) = feed(&mut b, &input);
    assert_eq!(reason, Some(too_large.clone()));
    let sent = frames(&sent);
    assert_eq!(sent.len(), 3, "version and verack, then the disconnect");
    assert_eq!(sent[2], bye(DisconnectReason::ProtocolViolation));

    // An encrypted peer that proved its identity, then stalls before its
    // verack with decoy packets.
    let mut link = Link::new(ConnectionConfig::default(), config, 8, WALL, WALL);
    let first = drain(&mut link.a);
    link.b.handle_input(T0, &first);
    let second = drain(&mut link.b);
    link.a.handle_input(T0, &second);
    assert_eq!(link.a.state(), ConnectionState::Handshaking);
    for _ in 0..7 {
        link.a.queue_raw_packet_for_testing(&[0; 1_000], true);
    }
    let third = drain(&mut link.a);
    assert!(first.len() + third.len() > limit);
    link.b.handle_input(T0, &third);
    // `b` can send by now: it closes gracefully, telling `a` why.
    assert_eq!(link.b.state(), ConnectionState::Closing);
    assert!(!drain(&mut link.b).is_empty());
    let events = drain_events(&mut link.b);
    assert_eq!(close_reason_in(&events), Some(too_large));
    assert!(link.b.stats().decoys_received > 0);
    assert!(handshake_info_in(&events).is_none());
}

#[test]
fn messages_pipelined_right_after_the_verack_are_not_handshake_bytes() {
    // `a` sends a large message the moment it connects; its verack and the
    // message reach `b` in one piece.
    for (config_a, config_b) in [
        (ConnectionConfig::default(), ConnectionConfig::default()),
        plaintext_configs(),
    ] {
        let mut link = Link::new(config_a, config_b, 9, WALL, WALL);
        let block = Message::Block(vec![3; 100_000].into());
        loop {
            let to_b = drain(&mut link.a);
            if link.a.state() == ConnectionState::Connected {
                // Pipeline the block behind the verack.
                let mut to_b = to_b;
                link.a.send(T0, block.clone()).unwrap();
                to_b.extend(drain(&mut link.a));
                link.b.handle_input(T0, &to_b);
                break;
            }
            link.b.handle_input(T0, &to_b);
            let to_a = drain(&mut link.b);
            link.a.handle_input(T0, &to_a);
        }
        let events = drain_events(&mut link.b);
        assert_eq!(close_reason_in(&events), None);
        assert!(messages_in(&events) == [block], "the block arrives");
        assert_eq!(link.b.state(), ConnectionState::Connected);
    }
}

#[test]
fn garbage_without_a_terminator_is_refused_at_the_protocol_limit() {
    let mut rng = ChaCha20Rng::seed_from_u64(10);
    let mut noise = vec![0u8; 32 + 4095 + 16];
    rng.fill_bytes(&mut noise);
    let mut b = inbound(ConnectionConfig::default(), 10);
    // A key, then garbage up to one byte short of the limit (4095 bytes of
    // garbage and a 16-byte terminator).
    let (reason, answer) = feed(&mut b, &noise[..32 + 4095 + 15]);
    assert_eq!(reason, None);
    assert!(answer.len() >= 193 + 16, "message 2 went out");
    assert_eq!(b.state(), ConnectionState::Handshaking);
    let (reason, _) = feed(&mut b, &noise[32 + 4095 + 15..]);
    let reason = reason.unwrap();
    assert_eq!(reason, CloseReason::GarbageTerminatorMissing);
    assert_eq!(reason.consequence(), Consequence::Close);
    assert_eq!(b.state(), ConnectionState::Closed);
}

#[test]
fn plaintext_is_refused_unless_accepted_and_never_with_a_pinned_peer() {
    let hello = frame(&Message::Version(version(1, WALL)));
    let mut b = inbound(ConnectionConfig::default(), 11);
    let (reason, sent) = feed(&mut b, &hello);
    assert_eq!(reason, Some(CloseReason::PlaintextRefused));
    assert_eq!(
        CloseReason::PlaintextRefused.consequence(),
        Consequence::Close
    );
    assert!(sent.is_empty());
    // Decided from the first 16 bytes.
    let mut b = inbound(ConnectionConfig::default(), 11);
    assert_eq!(feed(&mut b, &hello[..15]).0, None);
    assert_eq!(
        feed(&mut b, &hello[15..16]).0,
        Some(CloseReason::PlaintextRefused)
    );

    let mut rng = ChaCha20Rng::seed_from_u64(11);
    let (me, them) = (Identity::generate(&mut rng), Identity::generate(&mut rng));
    let config = Arc::new(plaintext_configs().1);
    let mut pinned =
        Connection::inbound(config, &me, Some(them.peer_id()), T0, WALL, &mut rng).unwrap();
    assert_eq!(
        feed(&mut pinned, &hello).0,
        Some(CloseReason::PlaintextRefused)
    );

    // A plaintext dialler meeting a default listener.
    let (config_a, _) = plaintext_configs();
    let mut pair = Pair::new(config_a, ConnectionConfig::default(), 11).unwrap();
    pair.run_until(Instant::from_millis(60_000)).unwrap();
    assert_eq!(
        close_reason(&pair, false),
        Some(CloseReason::PlaintextRefused)
    );
    assert_eq!(
        close_reason(&pair, true),
        Some(CloseReason::TimedOut(TimeoutReason::Handshake))
    );
}

#[test]
fn an_old_protocol_version_is_incompatible() {
    let strict = ConnectionConfig {
        local: LocalVersion {
            protocol_version: 2,
            ..LocalVersion::default()
        },
        min_protocol_version: 2,
        accept_plaintext: true,
        ..ConnectionConfig::default()
    };
    for config_a in [ConnectionConfig::default(), plaintext_configs().0] {
        let mut pair = Pair::new(config_a, strict.clone(), 12).unwrap();
        pair.run_until_connected().unwrap();
        let reason = close_reason(&pair, false).unwrap();
        assert_eq!(
            reason,
            CloseReason::IncompatibleVersion { remote: 1, min: 2 }
        );
        assert_eq!(reason.consequence(), Consequence::Close);
        pair.settle().unwrap();
        assert_eq!(
            close_reason(&pair, true),
            Some(CloseReason::Remote(Disconnect {
                reason: DisconnectReason::IncompatibleVersion,
                text: String::new(),
            }))
        );
    }
}

#[test]
fn a_peer_without_required_features_is_refused() {
    // Privacy bits above the traffic-shaping ones (bits 0-5).
    for (features, privacy) in [(0b100, 0), (0, 0b10 << 8), (0b100, 0b10 << 8)] {
        let demanding = ConnectionConfig {
            local: LocalVersion {
                features: 0b111,
                privacy_features: 0b11 << 8,
                ..LocalVersion::default()
            },
            required_features: features,
            required_privacy_features: privacy,
            // Only the bits set above: shaping would add its own.
            shaping: ShapingConfig::OFF,
            ..ConnectionConfig::default()
        };
        let offering = ConnectionConfig {
            local: LocalVersion {
                features: 0b011,
                privacy_features: 0b01 << 8,
                ..LocalVersion::default()
            },
            shaping: ShapingConfig::OFF,
            ..ConnectionConfig::default()
        };
        let mut pair = Pair::new(offering, demanding, 13).unwrap();
        pair.run_until_connected().unwrap();
        pair.settle().unwrap();
        let reason = close_reason(&pair, false).unwrap();
        assert_eq!(
            reason,
            CloseReason::MissingFeatures {
                features,
                privacy_features: privacy,
            }
        );
        assert_eq!(reason.consequence(), Consequence::Close);
        assert_eq!(
            close_reason(&pair, true),
            Some(CloseReason::Remote(Disconnect {
                reason: DisconnectReason::MissingFeatures,
                text: String::new(),
            }))
        );
    }
}

#[test]
fn a_peer_clock_beyond_the_skew_limit_is_refused() {
    let max = Duration::from_secs(70 * 60);
    let shifted = |secs: i64| UnixTime::from_secs(WALL.as_secs().checked_add_signed(secs).unwrap());
    for (offset, refused) in [
        (70 * 60, false),
        (-70 * 60, false),
        (70 * 60 + 1, true),
        (-(70 * 60 + 1), true),
    ] {
        let config = ConnectionConfig::default();
        let mut link = Link::new(config.clone(), config, 14, shifted(offset), WALL);
        link.shuttle(T0);
        let reason = close_reason_in(&link.events_b);
        if refused {
            let expected = CloseReason::ClockSkew {
                skew: Duration::from_secs(70 * 60 + 1),
                max,
            };
            assert_eq!(reason, Some(expected.clone()), "offset {offset}");
            assert_eq!(expected.consequence(), Consequence::Close);
            assert!(matches!(
                close_reason_in(&link.events_a),
                Some(CloseReason::Remote(Disconnect {
                    reason: DisconnectReason::ProtocolViolation,
                    ..
                }))
            ));
        } else {
            assert_eq!(reason, None, "offset {offset}");
            assert_eq!(link.a.state(), ConnectionState::Connected);
            assert_eq!(link.b.state(), ConnectionState::Connected);
        }
    }
}

#[test]
fn our_own_nonce_coming_back_is_a_self_connection() {
    // A plaintext dialler whose stream is looped back to itself.
    let mut a = plain_out();
    let own = drain(&mut a);
    let (reason, sent) = feed(&mut a, &own);
    assert_eq!(reason, Some(CloseReason::SelfConnection));
    assert_eq!(
        CloseReason::SelfConnection.consequence(),
        Consequence::Close
    );
    assert_eq!(frames(&sent), [bye(DisconnectReason::SelfConnection)]);
    // A listener handed a version carrying its own nonce.
    let mut b = plain_in();
    let nonce = b.local_nonce();
    let (reason, _) = feed(&mut b, &frame(&Message::Version(version(nonce, WALL))));
    assert_eq!(reason, Some(CloseReason::SelfConnection));
}

#[test]
fn the_nonce_check_finds_a_node_that_dialled_itself() {
    let config = ConnectionConfig {
        check_self_connection: true,
        ..ConnectionConfig::default()
    };
    for config_a in [ConnectionConfig::default(), config.clone()] {
        let mut pair = Pair::new(config_a, config.clone(), 15).unwrap();
        pair.same_node = true;
        pair.run_until(Instant::from_millis(1_000)).unwrap();
        let asked = side_events(&pair, false).iter().any(|e| {
            *e == Event::CheckNonce {
                remote_nonce: pair.a.local_nonce(),
            }
        });
        assert!(asked);
        assert_eq!(
            close_reason(&pair, false),
            Some(CloseReason::SelfConnection)
        );
        assert!(handshake_info(&pair, false).is_none());
        assert_eq!(
            close_reason(&pair, true),
            Some(CloseReason::Remote(Disconnect {
                reason: DisconnectReason::SelfConnection,
                text: String::new(),
            }))
        );
    }
}
