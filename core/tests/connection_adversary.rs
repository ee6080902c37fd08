//! A hostile or broken peer during the handshake: a pinned identity is
//! enforced before anything of ours is revealed, replayed flights go
//! nowhere, and a peer trickling one byte per second is bounded by the
//! handshake timeout.

mod support;

use std::collections::VecDeque;
use std::sync::Arc;

use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use support::conn::*;
use veil_core::connection::{
    layout, CloseReason, Connection, ConnectionConfig, ConnectionState, Event, LocalVersion,
    TimeoutReason, TransportKind,
};
use veil_core::identity::Identity;
use veil_core::message::{DisconnectReason, Message};
use veil_core::packet::packet_len;
use veil_core::shaping::ShapingConfig;
use veil_core::testing::{Direction, Pair};
use veil_core::wire::HEADER_LEN;
use veil_core::{Consequence, Duration, Instant};

#[test]
fn a_pinned_peer_that_proves_another_identity_never_learns_ours() {
    let mut rng = ChaCha20Rng::seed_from_u64(8);
    let (id_a, id_b, id_c) = (
        Identity::generate(&mut rng),
        Identity::generate(&mut rng),
        Identity::generate(&mut rng),
    );
    let config = ConnectionConfig::default();
    let mut pair = Pair::with_identities(
        config.clone(),
        config,
        &id_a,
        &id_b,
        Some(id_c.peer_id()),
        8,
    )
    .unwrap();
    let first_flight = pair.a.queued_bytes();
    assert!((32..=32 + 4095).contains(&first_flight));
    let chunks = record(&mut pair);
    pair.run_until(Instant::from_millis(60_000)).unwrap();

    let expected = CloseReason::PeerIdMismatch {
        expected: id_c.peer_id(),
        actual: id_b.peer_id(),
    };
    assert_eq!(closed(&pair, true), Some((expected.clone(), Instant::ZERO)));
    assert_eq!(expected.consequence(), Consequence::Close);
    assert_eq!(
        expected.disconnect_reason(),
        DisconnectReason::IdentityMismatch
    );
    // `a` sent its first flight and nothing else: no terminator, no
    // message 3 (which carries its identity), no disconnect.
    assert_eq!(chunks_of(&chunks, Direction::AToB).len(), 1);
    assert_eq!(stream(&chunks, Direction::AToB).len(), first_flight);
    assert_eq!(pair.a.stats().bytes_sent, first_flight as u64);
    // `b` never completes: it times out waiting for message 3.
    assert!(handshake_info(&pair, false).is_none());
    assert!(!side_events(&pair, false)
        .iter()
        .any(|e| matches!(e, Event::HandshakeComplete(_) | Event::Message(_))));
    assert_eq!(
        closed(&pair, false),
        Some((
            CloseReason::TimedOut(TimeoutReason::Handshake),
            Instant::from_millis(30_000)
        ))
    );
}

#[test]
fn a_replayed_initiator_flight_does_not_complete() {
    let mut rng = ChaCha20Rng::seed_from_u64(9);
    let (id_a, id_b) = (Identity::generate(&mut rng), Identity::generate(&mut rng));
    let config = ConnectionConfig::default();
    let mut pair = Pair::with_identities(
        config.clone(),
        config.clone(),
        &id_a,
        &id_b,
        Some(id_b.peer_id()),
        9,
    )
    .unwrap();
    let chunks = record(&mut pair);
    pair.run_until_connected().unwrap();
    pair.a.send(pair.now, Message::GetAddr).unwrap();
    pair.settle().unwrap();
    assert_eq!(messages(&pair, false), [Message::GetAddr]);
    let recorded = stream(&chunks, Direction::AToB);

    // A fresh responder with the same identity (and fresh randomness).
    let mut b2 =
        Connection::inbound(Arc::new(config), &id_b, None, Instant::ZERO, WALL, &mut rng).unwrap();
    // The first flight, then the rest: a responder that finds no
    // terminator within the garbage limit closes at once, so its answer is
    // read before the rest arrives (as from a socket).
    let first = chunks_of(&chunks, Direction::AToB)[0].len();
    b2.handle_input(Instant::ZERO, &recorded[..first]);
    let answer = drain(&mut b2);
    b2.handle_input(Instant::ZERO, &recorded[first..]);
    // It answers message 1 with a new message 2 (193 bytes), garbage and
    // terminator; the recorded message 3 belongs to another transcript.
    assert!(answer.len() >= layout::MSG2_LEN + layout::TERMINATOR_LEN);
    let mut events = drain_events(&mut b2);
    if b2.state() != ConnectionState::Closed {
        b2.handle_timeout(Instant::from_millis(30_000));
        events.extend(drain_events(&mut b2));
    }
    assert!(handshake_info_in(&events).is_none());
    assert!(messages_in(&events).is_empty());
    // The recorded terminator is not the one the new transcript gives, so
    // the responder never finds message 3: it gives up at the garbage limit
    // or the handshake timeout.
    let reason = close_reason_in(&events).unwrap();
    assert!(
        matches!(
            reason,
            CloseReason::TimedOut(TimeoutReason::Handshake) | CloseReason::GarbageTerminatorMissing
        ),
        "{reason:?}"
    );
}

#[test]
fn a_replayed_responder_flight_fails_authentication() {
    let mut rng = ChaCha20Rng::seed_from_u64(10);
    let (id_a, id_b) = (Identity::generate(&mut rng), Identity::generate(&mut rng));
    let config = ConnectionConfig::default();
    let mut pair = Pair::with_identities(
        config.clone(),
        config.clone(),
        &id_a,
        &id_b,
        Some(id_b.peer_id()),
        10,
    )
    .unwrap();
    let chunks = record(&mut pair);
    pair.run_until_connected().unwrap();
    let recorded = stream(&chunks, Direction::BToA);

    // A fresh initiator of the same node, dialling the same peer.
    let mut a2 = Connection::outbound(
        Arc::new(config),
        &id_a,
        Some(id_b.peer_id()),
        Instant::ZERO,
        WALL,
        &mut rng,
    )
    .unwrap();
    let first_flight = drain(&mut a2);
    a2.handle_input(Instant::ZERO, &recorded);
    let events = drain_events(&mut a2);
    assert_eq!(
        close_reason_in(&events),
        Some(CloseReason::Noise(veil_core::noise::NoiseError::Decrypt))
    );
    assert!(handshake_info_in(&events).is_none());
    assert_eq!(
        a2.stats().bytes_sent,
        first_flight.len() as u64,
        "no message 3"
    );
}

/// Feeds `a`'s stream to `b` one byte per second (b's answers reach `a`
/// at once) until `b` completes or closes. Returns `b`'s events, the time
/// of the last step and the bytes fed.
fn trickle(config_a: ConnectionConfig, config_b: ConnectionConfig) -> (Vec<Event>, Instant, usize) {
    let mut link = Link::new(config_a, config_b, 11, WALL, WALL);
    let mut queue: VecDeque<u8> = drain(&mut link.a).into();
    let mut fed = 0;
    for second in 0..10_000u64 {
        let now = Instant::from_millis(second * 1_000);
        for connection in [&mut link.a, &mut link.b] {
            if connection.poll_timeout().is_some_and(|(at, _)| at <= now) {
                connection.handle_timeout(now);
            }
        }
        if matches!(
            link.b.state(),
            ConnectionState::Connecting | ConnectionState::Handshaking
        ) {
            if let Some(byte) = queue.pop_front() {
                link.b.handle_input(now, &[byte]);
                fed += 1;
            }
        }
        let to_a = drain(&mut link.b);
        link.a.handle_input(now, &to_a);
        queue.extend(drain(&mut link.a));
        link.events_b.extend(drain_events(&mut link.b));
        if link
            .events_b
            .iter()
            .any(|e| matches!(e, Event::HandshakeComplete(_) | Event::Closed { .. }))
        {
            return (link.events_b, now, fed);
        }
    }
    panic!("neither completed nor closed");
}

#[test]
fn a_peer_sending_one_byte_per_second_fits_the_handshake_timeout_or_not() {
    let ua = LocalVersion::default().user_agent.len();
    let version_payload = 69 + ua;
    let patient = Duration::from_secs(10_000);
    for transport in [TransportKind::Encrypted, TransportKind::Plaintext] {
        // What `a` must send before `b` completes, without garbage:
        // encrypted: message 1 (32) + terminator (16) + message 3 (161) +
        // the version packet + the verack packet (20 bytes of overhead
        // each, one id byte); plaintext: the version frame + the verack
        // frame (20-byte headers).
        let needed = match transport {
            TransportKind::Encrypted => {
                layout::MSG1_LEN
                    + layout::TERMINATOR_LEN
                    + layout::MSG3_LEN
                    + packet_len(1 + version_payload)
                    + packet_len(1)
            }
            TransportKind::Plaintext => HEADER_LEN + version_payload + HEADER_LEN,
        };
        // Unpadded, so the byte counts above hold.
        let config_a = ConnectionConfig {
            outbound_transport: transport,
            max_garbage_len: 0,
            handshake_timeout: patient,
            shaping: ShapingConfig::OFF,
            ..ConnectionConfig::default()
        };
        let config_b = |handshake_timeout| ConnectionConfig {
            accept_plaintext: true,
            handshake_timeout,
            shaping: ShapingConfig::OFF,
            ..ConnectionConfig::default()
        };
        // Byte k arrives at k seconds, so the last of `needed` bytes at
        // `needed - 1` seconds: a timeout of `needed` seconds is enough...
        let timeout = Duration::from_secs(needed as u64);
        let (events, at, fed) = trickle(config_a.clone(), config_b(timeout));
        assert!(
            handshake_info_in(&events).is_some(),
            "{transport:?}: {events:?}"
        );
        assert_eq!(
            (at, fed),
            (Instant::from_millis((needed as u64 - 1) * 1_000), needed)
        );
        // ...one second less is not: the deadline passes before the last byte.
        let timeout = Duration::from_secs(needed as u64 - 1);
        let (events, at, fed) = trickle(config_a.clone(), config_b(timeout));
        assert_eq!(
            close_reason_in(&events),
            Some(CloseReason::TimedOut(TimeoutReason::Handshake)),
            "{transport:?}"
        );
        assert_eq!(
            (at, fed),
            (
                Instant::from_millis((needed as u64 - 1) * 1_000),
                needed - 1
            )
        );
        // The default 30 s cover 30 bytes: not even the first handshake
        // element (a 32-byte key, or a ~100-byte version frame).
        let (events, at, fed) = trickle(config_a, config_b(Duration::from_secs(30)));
        assert_eq!(
            close_reason_in(&events),
            Some(CloseReason::TimedOut(TimeoutReason::Handshake))
        );
        assert_eq!((at, fed), (Instant::from_millis(30_000), 30));
        assert!(needed > 30, "{transport:?} needs {needed} bytes");
    }
}
