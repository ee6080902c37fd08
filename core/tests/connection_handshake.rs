//! The connection handshake: both transports complete it and report the
//! right outcome (identities, negotiated features, the peer's version),
//! states move in order, and the self-connection check holds the
//! handshake until the caller answers.

mod support;

use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use support::conn::*;
use veil_core::connection::{
    CloseReason, ConnectionConfig, ConnectionState, Event, LocalVersion, SendError, TransportKind,
};
use veil_core::identity::Identity;
use veil_core::message::{DisconnectReason, Message, MessageKind, PROTOCOL_VERSION};
use veil_core::shaping::ShapingConfig;
use veil_core::testing::Pair;
use veil_core::wire::{EncodeError, HEADER_LEN};
use veil_core::{Duration, Instant, UnixTime};

#[test]
fn encrypted_handshake_proves_both_identities() {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let (id_a, id_b) = (Identity::generate(&mut rng), Identity::generate(&mut rng));
    let config = ConnectionConfig::default();
    let mut pair = Pair::with_identities(
        config.clone(),
        config,
        &id_a,
        &id_b,
        Some(id_b.peer_id()),
        1,
    )
    .unwrap();
    pair.run_until_connected().unwrap();
    let (at_a, at_b) = (
        handshake_info(&pair, true).unwrap(),
        handshake_info(&pair, false).unwrap(),
    );
    assert_eq!(at_a.peer_id, Some(id_b.peer_id()));
    assert_eq!(at_b.peer_id, Some(id_a.peer_id()));
    assert_eq!(at_a.transport, TransportKind::Encrypted);
    assert_eq!(at_b.transport, TransportKind::Encrypted);
    assert_eq!(pair.a.transport_kind(), Some(TransportKind::Encrypted));
    assert_eq!(pair.b.transport_kind(), Some(TransportKind::Encrypted));
    // Each side learns the other's nonce and keeps its own.
    assert_eq!(at_a.remote.nonce, pair.b.local_nonce());
    assert_eq!(at_b.remote.nonce, pair.a.local_nonce());
    assert_eq!(at_a.local_nonce, pair.a.local_nonce());
    assert_ne!(pair.a.local_nonce(), pair.b.local_nonce());
}

#[test]
fn an_unpinned_outbound_connection_also_learns_the_peer_id() {
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let (id_a, id_b) = (Identity::generate(&mut rng), Identity::generate(&mut rng));
    let config = ConnectionConfig::default();
    let mut pair = Pair::with_identities(config.clone(), config, &id_a, &id_b, None, 2).unwrap();
    pair.run_until_connected().unwrap();
    assert_eq!(
        handshake_info(&pair, true).unwrap().peer_id,
        Some(id_b.peer_id())
    );
    assert_eq!(
        handshake_info(&pair, false).unwrap().peer_id,
        Some(id_a.peer_id())
    );
}

#[test]
fn plaintext_handshake_completes_without_identities() {
    let (config_a, config_b) = plaintext_configs();
    let pair = connected_pair(config_a, config_b, 3);
    for at_a in [true, false] {
        let info = handshake_info(&pair, at_a).unwrap();
        assert_eq!(info.peer_id, None, "plaintext proves nothing");
        assert_eq!(info.transport, TransportKind::Plaintext);
    }
    assert_eq!(pair.a.transport_kind(), Some(TransportKind::Plaintext));
    assert_eq!(pair.b.transport_kind(), Some(TransportKind::Plaintext));
    // The whole plaintext handshake is four frames: version, version +
    // verack, verack.
    let sent = pair.a.stats().bytes_sent + pair.b.stats().bytes_sent;
    let version = |local: &LocalVersion| (HEADER_LEN + 69 + local.user_agent.len()) as u64;
    let defaults = LocalVersion::default();
    assert_eq!(sent, 2 * version(&defaults) + 2 * HEADER_LEN as u64);
}

#[test]
fn handshake_info_negotiates_features_by_and_and_reports_the_remote_version() {
    for transport in [TransportKind::Encrypted, TransportKind::Plaintext] {
        let config_a = ConnectionConfig {
            local: LocalVersion {
                features: 0b1011,
                privacy_features: 0b0101 << 8,
                user_agent: "/alice:1.0/".into(),
                best_block_hash: [7; 32],
                best_block_height: 99,
                ..LocalVersion::default()
            },
            outbound_transport: transport,
            shaping: ShapingConfig::OFF,
            ..ConnectionConfig::default()
        };
        let config_b = ConnectionConfig {
            local: LocalVersion {
                features: 0b0110,
                privacy_features: 0b0100 << 8,
                user_agent: "/bob:2.0/".into(),
                ..LocalVersion::default()
            },
            accept_plaintext: true,
            // Only the bits set above: shaping would add its own.
            shaping: ShapingConfig::OFF,
            ..ConnectionConfig::default()
        };
        let mut pair = Pair::new(config_a, config_b, 4).unwrap();
        // A plaintext dialler's version went out with the connection; an
        // encrypted one's waits for the Noise handshake.
        assert_eq!(
            pair.a.set_best_block([7; 32], 99),
            transport == TransportKind::Encrypted
        );
        assert!(pair.b.set_best_block([8; 32], 100));
        pair.latency = Duration::from_millis(700);
        pair.run_until_connected().unwrap();
        let (at_a, at_b) = (
            handshake_info(&pair, true).unwrap(),
            handshake_info(&pair, false).unwrap(),
        );
        for info in [&at_a, &at_b] {
            assert_eq!(info.features, 0b0010, "{transport:?}");
            assert_eq!(info.privacy_features, 0b0100 << 8, "{transport:?}");
            assert_eq!(info.transport, transport);
        }
        assert_eq!(at_b.remote.user_agent, "/alice:1.0/");
        assert_eq!(at_b.remote.features, 0b1011);
        assert_eq!(at_b.remote.privacy_features, 0b0101 << 8);
        assert_eq!(at_b.remote.best_block_hash, [7; 32]);
        assert_eq!(at_b.remote.best_block_height, 99);
        assert_eq!(at_b.remote.protocol_version, PROTOCOL_VERSION);
        assert_eq!(at_b.remote.nonce, pair.a.local_nonce());
        assert_eq!(at_a.remote.user_agent, "/bob:2.0/");
        assert_eq!(at_a.remote.features, 0b0110);
        assert_eq!(at_a.remote.best_block_hash, [8; 32]);
        assert_eq!(at_a.remote.best_block_height, 100);
        assert_eq!(at_a.remote.nonce, pair.b.local_nonce());
        // Timestamps are the wall clock at sending, in whole seconds.
        // Encrypted: `a` sends its version on message 2 (2 × 700 ms), `b`
        // on that version (3 × 700 ms); plaintext: `a` at once, `b` after
        // 700 ms.
        let (a_sent, b_sent) = match transport {
            TransportKind::Encrypted => (1, 2),
            TransportKind::Plaintext => (0, 0),
        };
        assert_eq!(
            at_b.remote.timestamp,
            UnixTime::from_secs(WALL.as_secs() + a_sent)
        );
        assert_eq!(
            at_a.remote.timestamp,
            UnixTime::from_secs(WALL.as_secs() + b_sent)
        );
        // The best block is fixed once the version went out.
        assert!(!pair.a.set_best_block([9; 32], 1));
    }
}

#[test]
fn states_run_connecting_handshaking_connected_closing_closed() {
    for transport in [TransportKind::Encrypted, TransportKind::Plaintext] {
        let (mut config_a, config_b) = plaintext_configs();
        config_a.outbound_transport = transport;
        let mut pair = Pair::new(config_a, config_b, 5).unwrap();
        pair.latency = Duration::from_millis(10);
        let mut seen = [vec![pair.a.state()], vec![pair.b.state()]];
        let note = |pair: &Pair, seen: &mut [Vec<ConnectionState>; 2]| {
            for (i, state) in [pair.a.state(), pair.b.state()].into_iter().enumerate() {
                if seen[i].last() != Some(&state) {
                    seen[i].push(state);
                }
            }
        };
        while pair.a.state() != ConnectionState::Connected
            || pair.b.state() != ConnectionState::Connected
        {
            assert!(pair.advance(Instant::from_millis(1_000)).unwrap());
            note(&pair, &mut seen);
        }
        let now = pair.now;
        pair.a.send(now, Message::GetAddr).unwrap();
        pair.a.close(now, DisconnectReason::Shutdown);
        note(&pair, &mut seen);
        // The getaddr and the disconnect wait in the queue.
        assert_eq!(pair.a.state(), ConnectionState::Closing);
        assert_eq!(
            pair.a.send(now, Message::GetAddr),
            Err(SendError::NotConnected {
                state: ConnectionState::Closing
            })
        );
        pair.run_until(now + Duration::from_millis(100)).unwrap();
        note(&pair, &mut seen);
        use ConnectionState::*;
        match transport {
            TransportKind::Encrypted => {
                assert_eq!(
                    seen[0],
                    [Connecting, Handshaking, Connected, Closing, Closed]
                );
            }
            // A plaintext dialler's first input is the peer's version and
            // verack in one piece: it passes through handshaking within
            // that one call.
            TransportKind::Plaintext => {
                assert_eq!(seen[0], [Connecting, Connected, Closing, Closed]);
            }
        }
        // The peer that is told to go closes at once.
        assert_eq!(
            seen[1],
            [Connecting, Handshaking, Connected, Closed],
            "{transport:?}"
        );
        assert_eq!(messages(&pair, false), [Message::GetAddr]);
        assert_eq!(pair.a.poll_timeout(), None);
        assert_eq!(pair.b.poll_timeout(), None);
    }
}

#[test]
fn the_encrypted_handshake_takes_five_one_way_trips() {
    let mut pair = Pair::new(ConnectionConfig::default(), ConnectionConfig::default(), 6).unwrap();
    pair.latency = Duration::from_millis(40);
    pair.run_until_connected().unwrap();
    // msg1 → msg2 → msg3 + version → version + verack → verack.
    let done = |at_a| {
        pair.events
            .iter()
            .find(|e| e.at_a == at_a && matches!(e.event, Event::HandshakeComplete(_)))
            .map(|e| e.at)
    };
    assert_eq!(done(true), Some(Instant::from_millis(4 * 40)));
    assert_eq!(done(false), Some(Instant::from_millis(5 * 40)));
    assert_eq!(
        pair.a.stats().established_at,
        Some(Instant::from_millis(160))
    );
}

#[test]
fn only_application_messages_can_be_sent_and_only_once_connected() {
    let mut pair = Pair::new(ConnectionConfig::default(), ConnectionConfig::default(), 7).unwrap();
    assert_eq!(
        pair.a.send(Instant::ZERO, Message::GetAddr),
        Err(SendError::NotConnected {
            state: ConnectionState::Connecting
        })
    );
    pair.run_until_connected().unwrap();
    for message in [
        Message::Verack,
        Message::Version(version(1, WALL)),
        Message::Disconnect(veil_core::message::Disconnect {
            reason: DisconnectReason::Shutdown,
            text: String::new(),
        }),
    ] {
        let kind = message.kind();
        assert_eq!(
            pair.a.send(pair.now, message),
            Err(SendError::Reserved { kind })
        );
    }
    assert_eq!(
        pair.a
            .send(pair.now, Message::Tx(vec![0; 4_000_001].into())),
        Err(SendError::Invalid(EncodeError::Oversize {
            kind: MessageKind::Tx,
            len: 4_000_001,
            max: 4_000_000,
        }))
    );
    assert_eq!(pair.a.queued_bytes(), 0, "refused messages are not queued");
    // The transmit queue is bounded: once `max_queued_bytes` wait, sends
    // are refused until the caller drains it.
    let config = ConnectionConfig {
        max_queued_bytes: 10_000,
        ..ConnectionConfig::default()
    };
    let mut pair = connected_pair(config.clone(), config, 7);
    let tx = Message::Tx(vec![1; 4_000].into());
    for _ in 0..3 {
        pair.a.send(pair.now, tx.clone()).unwrap();
    }
    let queued = pair.a.queued_bytes();
    assert!(queued >= 10_000);
    assert_eq!(
        pair.a.send(pair.now, tx.clone()),
        Err(SendError::QueueFull {
            queued,
            limit: 10_000,
        })
    );
    pair.settle().unwrap();
    assert_eq!(messages(&pair, false).len(), 3);
    assert_eq!(pair.a.send(pair.now, tx), Ok(()));
}

#[test]
fn check_self_connection_asks_about_the_peer_nonce_and_goes_on() {
    let config = ConnectionConfig {
        check_self_connection: true,
        ..ConnectionConfig::default()
    };
    let pair = connected_pair(config.clone(), config, 12);
    let asked = |at_a: bool| -> Vec<u64> {
        side_events(&pair, at_a)
            .iter()
            .filter_map(|e| match e {
                Event::CheckNonce { remote_nonce } => Some(*remote_nonce),
                _ => None,
            })
            .collect()
    };
    assert_eq!(asked(true), [pair.b.local_nonce()]);
    assert_eq!(asked(false), [pair.a.local_nonce()]);
    // The question comes before the completion.
    let events = side_events(&pair, false);
    let ask = events
        .iter()
        .position(|e| matches!(e, Event::CheckNonce { .. }));
    let done = events
        .iter()
        .position(|e| matches!(e, Event::HandshakeComplete(_)));
    assert!(ask < done);
}

#[test]
fn input_held_during_the_nonce_check_is_read_after_it() {
    let config = ConnectionConfig {
        check_self_connection: true,
        ..plaintext_configs().1
    };
    let peer = version(42, WALL);
    // Version and verack in one piece: the verack waits for the answer.
    let mut b = inbound(config.clone(), 13);
    let mut input = frame(&Message::Version(peer.clone()));
    input.extend(frame(&Message::Verack));
    b.handle_input(Instant::ZERO, &input);
    assert_eq!(
        drain_events(&mut b),
        [Event::CheckNonce { remote_nonce: 42 }]
    );
    assert!(drain(&mut b).is_empty(), "no answer before the check");
    b.resolve_nonce_check(Instant::ZERO, false);
    let events = drain_events(&mut b);
    assert_eq!(handshake_info_in(&events).unwrap().remote, peer);
    assert_eq!(b.state(), ConnectionState::Connected);
    assert!(!drain(&mut b).is_empty(), "version and verack went out");
    // Answering again changes nothing.
    b.resolve_nonce_check(Instant::ZERO, true);
    assert_eq!(b.state(), ConnectionState::Connected);

    // A nonce of our own: closed, telling the peer why; the held verack
    // is never read.
    let mut b = inbound(config, 13);
    b.handle_input(Instant::ZERO, &input);
    assert_eq!(drain_events(&mut b).len(), 1);
    b.resolve_nonce_check(Instant::ZERO, true);
    assert_eq!(b.state(), ConnectionState::Closing);
    let sent = drain(&mut b);
    assert_eq!(
        sent,
        frame(&Message::Disconnect(veil_core::message::Disconnect {
            reason: DisconnectReason::SelfConnection,
            text: String::new(),
        }))
    );
    assert_eq!(
        close_reason_in(&drain_events(&mut b)),
        Some(CloseReason::SelfConnection)
    );
}
