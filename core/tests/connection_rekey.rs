//! Session rekeys: by volume and by time, from either side or both at
//! once, with traffic in flight both ways. Every message of every size
//! arrives in order exactly once across every key switch, including the
//! packet layer's own ratchet every 224 packets.

mod support;

use bytes::Bytes;
use support::conn::*;
use veil_core::connection::{
    ConnectionConfig, ConnectionState, Event, TimeoutReason, TransportKind,
};
use veil_core::message::Message;
use veil_core::packet::REKEY_INTERVAL;
use veil_core::testing::Pair;
use veil_core::{Duration, Instant};

/// A transaction of `len` bytes that says which side sent it and its
/// index.
fn tx(side: u8, index: usize, len: usize) -> Message {
    let mut bytes = vec![side; len];
    for (i, b) in bytes.iter_mut().enumerate().skip(1) {
        *b = (index.wrapping_mul(31) ^ i) as u8;
    }
    Message::Tx(Bytes::from(bytes))
}

/// The generations of one side's `Rekeyed` events.
fn generations(pair: &Pair, at_a: bool) -> Vec<u32> {
    side_events(pair, at_a)
        .iter()
        .filter_map(|e| match e {
            Event::Rekeyed { generation } => Some(*generation),
            _ => None,
        })
        .collect()
}

/// Checks that no side closed, every rekey completed on both sides and
/// generations count up from one.
fn assert_healthy(pair: &Pair) {
    assert_eq!(
        pair.a.state(),
        ConnectionState::Connected,
        "{:?}",
        closed(pair, true)
    );
    assert_eq!(
        pair.b.state(),
        ConnectionState::Connected,
        "{:?}",
        closed(pair, false)
    );
    for at_a in [true, false] {
        let gens = generations(pair, at_a);
        let stats = if at_a { pair.a.stats() } else { pair.b.stats() };
        assert_eq!(gens, (1..=stats.rekeys).collect::<Vec<_>>());
    }
    assert_eq!(pair.a.stats().rekeys, pair.b.stats().rekeys);
}

#[test]
fn every_message_size_arrives_in_order_exactly_once_across_rekeys() {
    let config = ConnectionConfig {
        rekey_after_bytes: 16 * 1024,
        rekey_interval: Duration::from_secs(2),
        ..ConnectionConfig::default()
    };
    let mut pair = connected_pair(config.clone(), config, 1);
    pair.latency = Duration::from_millis(3);
    let (mut to_b, mut to_a) = (Vec::new(), Vec::new());
    // Sizes 0..=700 both ways (more than three times the 224-packet
    // ratchet), interleaved with time passing, so rekeys start and finish
    // with packets in flight in both directions.
    let sizes = (0..=700).chain([65_536, 262_144, 1_000_000, 3, 0, 1_048_576]);
    for (i, len) in sizes.enumerate() {
        let (from_a, from_b) = (tx(b'a', i, len), tx(b'b', i, len.saturating_sub(i % 5)));
        pair.a.send(pair.now, from_a.clone()).unwrap();
        pair.b.send(pair.now, from_b.clone()).unwrap();
        to_b.push(from_a);
        to_a.push(from_b);
        if i % 7 == 0 {
            let step = pair.now + Duration::from_millis(2);
            pair.run_until(step).unwrap();
        }
    }
    pair.run_until(pair.now + Duration::from_secs(1)).unwrap();
    assert_eq!(messages(&pair, false).len(), to_b.len());
    assert!(messages(&pair, false) == to_b, "a → b: all, in order, once");
    assert!(messages(&pair, true) == to_a, "b → a: all, in order, once");
    assert_healthy(&pair);
    // Volume calls for a rekey every 16 KiB; one at a time can run, each
    // taking two or three one-way trips, so the bursts get about a dozen.
    let rekeys = pair.a.stats().rekeys;
    assert!(rekeys >= 10, "{rekeys}");
    assert!(to_b.len() as u32 > 3 * REKEY_INTERVAL);
}

#[test]
fn rekeys_by_volume_from_one_side() {
    let config_a = ConnectionConfig {
        rekey_after_bytes: 10_000,
        ..ConnectionConfig::default()
    };
    let mut pair = connected_pair(config_a, ConnectionConfig::default(), 2);
    let sent: Vec<Message> = (0..100).map(|i| tx(b'a', i, 1_000)).collect();
    for message in &sent {
        pair.a.send(pair.now, message.clone()).unwrap();
        pair.settle().unwrap();
    }
    assert!(messages(&pair, false) == sent);
    assert_healthy(&pair);
    // About 102 KB went out: one rekey per 10 KB, give or take the packet
    // that crosses the threshold.
    let rekeys = pair.a.stats().rekeys;
    assert!((9..=10).contains(&rekeys), "{rekeys}");
}

#[test]
fn rekeys_by_time_keep_going_on_an_idle_connection() {
    let config = ConnectionConfig {
        rekey_interval: Duration::from_secs(30),
        ..ConnectionConfig::default()
    };
    let mut pair = Pair::new(config.clone(), config, 3).unwrap();
    pair.latency = Duration::from_millis(10);
    pair.run_until_connected().unwrap();
    let start = pair.a.stats().established_at.unwrap();
    assert_eq!(
        pair.a.poll_timeout(),
        Some((start + Duration::from_secs(30), TimeoutReason::Rekey))
    );
    pair.run_until(start + Duration::from_secs(315)).unwrap();
    assert_healthy(&pair);
    // `a` starts each rekey 30 s after its previous one completed (two
    // one-way trips): rekeys at 30 s, 60.02 s, … → 10 by 315 s.
    assert_eq!(pair.a.stats().rekeys, 10);
    let first = pair
        .events
        .iter()
        .find(|e| e.at_a && matches!(e.event, Event::Rekeyed { .. }))
        .unwrap()
        .at;
    assert_eq!(
        first,
        start + Duration::from_secs(30) + Duration::from_millis(20)
    );
}

#[test]
fn simultaneous_rekeys_resolve_to_one() {
    // Both sides cross the volume threshold in the same instant, so both
    // rekey_inits are in flight at once: the dialler's wins.
    let config = ConnectionConfig {
        rekey_after_bytes: 5_000,
        ..ConnectionConfig::default()
    };
    let mut pair = connected_pair(config.clone(), config, 4);
    pair.latency = Duration::from_millis(25);
    let (big_a, big_b) = (tx(b'a', 0, 6_000), tx(b'b', 0, 6_000));
    pair.a.send(pair.now, big_a.clone()).unwrap();
    pair.b.send(pair.now, big_b.clone()).unwrap();
    // Then traffic both ways while the collision resolves.
    let (mut to_b, mut to_a) = (vec![big_a], vec![big_b]);
    for i in 1..20 {
        pair.run_until(pair.now + Duration::from_millis(5)).unwrap();
        let (m_a, m_b) = (tx(b'a', i, 100), tx(b'b', i, 100));
        pair.a.send(pair.now, m_a.clone()).unwrap();
        pair.b.send(pair.now, m_b.clone()).unwrap();
        to_b.push(m_a);
        to_a.push(m_b);
    }
    pair.run_until(pair.now + Duration::from_secs(1)).unwrap();
    assert!(messages(&pair, false) == to_b);
    assert!(messages(&pair, true) == to_a);
    assert_healthy(&pair);
    assert_eq!(generations(&pair, true), [1]);
    assert_eq!(generations(&pair, false), [1]);
}

#[test]
fn simultaneous_rekeys_by_timer_resolve_to_one() {
    // With no latency both sides complete the handshake at once, so their
    // rekey timers fire in the same instant.
    let config = ConnectionConfig {
        rekey_interval: Duration::from_secs(10),
        ..ConnectionConfig::default()
    };
    let mut pair = connected_pair(config.clone(), config, 5);
    assert_eq!(pair.a.poll_timeout(), pair.b.poll_timeout());
    assert_eq!(
        pair.a.poll_timeout(),
        Some((Instant::from_millis(10_000), TimeoutReason::Rekey))
    );
    pair.run_until(Instant::from_millis(10_000)).unwrap();
    assert_healthy(&pair);
    assert_eq!(pair.a.stats().rekeys, 1);
    // And traffic still flows under the new keys.
    pair.a.send(pair.now, Message::GetAddr).unwrap();
    pair.b.send(pair.now, Message::Mempool).unwrap();
    pair.settle().unwrap();
    assert_eq!(messages(&pair, false), [Message::GetAddr]);
    assert_eq!(messages(&pair, true), [Message::Mempool]);
}

#[test]
fn plaintext_connections_never_rekey() {
    let (mut config_a, mut config_b) = plaintext_configs();
    for config in [&mut config_a, &mut config_b] {
        config.rekey_interval = Duration::from_secs(1);
        config.rekey_after_bytes = 100;
    }
    let mut pair = connected_pair(config_a, config_b, 6);
    assert_eq!(pair.a.transport_kind(), Some(TransportKind::Plaintext));
    for i in 0..10 {
        pair.a.send(pair.now, tx(b'a', i, 1_000)).unwrap();
    }
    pair.run_until(Instant::from_millis(100_000)).unwrap();
    assert_eq!(messages(&pair, false).len(), 10);
    assert_eq!(pair.a.stats().rekeys, 0);
    assert!(generations(&pair, true).is_empty());
    assert!(pair
        .a
        .poll_timeout()
        .is_some_and(|(_, r)| r != TimeoutReason::Rekey));
}

#[test]
fn packets_behind_a_rekey_message_in_the_same_piece_are_read() {
    // `a` crosses the volume threshold with its first message, so its
    // rekey_init sits between that message and the next two, all in one
    // piece. (Before a fix the reader stopped at the rekey_init and lost
    // the rest of the piece.)
    let config_a = ConnectionConfig {
        rekey_after_bytes: 1_000,
        ..ConnectionConfig::default()
    };
    let mut pair = connected_pair(config_a, ConnectionConfig::default(), 7);
    let sent = [tx(b'a', 0, 2_000), Message::GetAddr, tx(b'a', 2, 10)];
    for message in &sent {
        pair.a.send(pair.now, message.clone()).unwrap();
    }
    let piece = drain(&mut pair.a);
    pair.b.handle_input(pair.now, &piece);
    let events = drain_events(&mut pair.b);
    assert!(messages_in(&events) == sent);
    assert_eq!(pair.b.state(), ConnectionState::Connected);
    // `b` answered the init: the rekey completes once `a` hears back.
    let answer = drain(&mut pair.b);
    assert!(!answer.is_empty());
    pair.a.handle_input(pair.now, &answer);
    assert_eq!(
        drain_events(&mut pair.a),
        [Event::Rekeyed { generation: 1 }]
    );
    let done = drain(&mut pair.a);
    pair.b.handle_input(pair.now, &done);
    assert_eq!(
        drain_events(&mut pair.b),
        [Event::Rekeyed { generation: 1 }]
    );

    // The colliding init the dialler ignores is followed by messages too.
    let config = ConnectionConfig {
        rekey_after_bytes: 1_000,
        ..ConnectionConfig::default()
    };
    let mut pair = connected_pair(config.clone(), config, 8);
    pair.a.send(pair.now, tx(b'a', 0, 2_000)).unwrap();
    let sent = [tx(b'b', 0, 2_000), Message::Mempool, tx(b'b', 2, 10)];
    for message in &sent {
        pair.b.send(pair.now, message.clone()).unwrap();
    }
    let (to_b, to_a) = (drain(&mut pair.a), drain(&mut pair.b));
    pair.a.handle_input(pair.now, &to_a);
    pair.b.handle_input(pair.now, &to_b);
    assert!(messages_in(&drain_events(&mut pair.a)) == sent);
    pair.settle().unwrap();
    assert_eq!(pair.a.stats().rekeys, 1);
    assert_eq!(pair.b.stats().rekeys, 1);
    assert_eq!(pair.a.state(), ConnectionState::Connected);
    assert_eq!(pair.b.state(), ConnectionState::Connected);
}
