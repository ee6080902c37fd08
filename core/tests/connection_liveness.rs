//! Deadlines and closes: each timeout closes with its own reason at its
//! own time, keepalive pings measure the round trip, a graceful close
//! drains what was queued before it, and the end of the stream is
//! reported as such.

mod support;

use support::conn::*;
use veil_core::connection::{
    CloseReason, ConnectionConfig, ConnectionState, Event, TimeoutReason, TransportKind,
};
use veil_core::message::{Disconnect, DisconnectReason, Message, Ping};
use veil_core::testing::{Direction, Pair};
use veil_core::{Consequence, Duration, Instant};

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn at(s: u64) -> Instant {
    Instant::from_millis(s * 1_000)
}

/// Drops every chunk going `direction` from the moment both sides are
/// connected: the peer falls silent (or deaf) without closing.
fn cut_after_connect(pair: &mut Pair, direction: Direction) {
    pair.run_until_connected().unwrap();
    assert_eq!(pair.b.state(), ConnectionState::Connected);
    pair.tamper = Some(Box::new(move |d, _, bytes| {
        if d == direction {
            bytes.clear();
        }
    }));
}

#[test]
fn a_silent_peer_times_out_the_handshake() {
    // An outbound connection whose peer never answers.
    let mut a = outbound(ConnectionConfig::default(), 1);
    assert!(!drain(&mut a).is_empty());
    assert_eq!(a.poll_timeout(), Some((at(30), TimeoutReason::Handshake)));
    a.handle_timeout(Instant::from_millis(29_999));
    assert_eq!(
        a.state(),
        ConnectionState::Connecting,
        "early calls do nothing"
    );
    a.handle_timeout(at(30));
    let events = drain_events(&mut a);
    let reason = CloseReason::TimedOut(TimeoutReason::Handshake);
    assert_eq!(close_reason_in(&events), Some(reason.clone()));
    assert_eq!(reason.consequence(), Consequence::Close);
    assert_eq!(reason.disconnect_reason(), DisconnectReason::Timeout);
    assert_eq!(a.poll_timeout(), None);

    // In a pair where `b`'s answers are lost, both give up at 30 s.
    let mut pair = Pair::new(ConnectionConfig::default(), ConnectionConfig::default(), 1).unwrap();
    pair.tamper = Some(Box::new(|d, _, bytes| {
        if d == Direction::BToA {
            bytes.clear();
        }
    }));
    pair.run_until(at(100)).unwrap();
    for at_a in [true, false] {
        assert_eq!(closed(&pair, at_a), Some((reason.clone(), at(30))));
    }
}

#[test]
fn a_peer_that_stops_answering_times_out_the_pong() {
    // `b` pings rarely, so only `a` notices the silence.
    let config_b = ConnectionConfig {
        ping_interval: secs(3_600),
        ..ConnectionConfig::default()
    };
    let mut pair = Pair::new(ConnectionConfig::default(), config_b, 2).unwrap();
    cut_after_connect(&mut pair, Direction::BToA);
    // Ping at 60 s, no pong by 60 + 60 s.
    pair.run_until(at(1_000)).unwrap();
    assert_eq!(
        closed(&pair, true),
        Some((CloseReason::TimedOut(TimeoutReason::Pong), at(120)))
    );
    assert_eq!(pair.a.stats().pings_sent, 1);
    // `a` could still send: `b` is told why.
    assert_eq!(
        close_reason(&pair, false),
        Some(CloseReason::Remote(Disconnect {
            reason: DisconnectReason::Timeout,
            text: String::new(),
        }))
    );
}

#[test]
fn a_peer_that_sends_nothing_times_out_inactivity() {
    // Inactivity (90 s) comes before the pong timeout of the first ping
    // (60 + 60 s).
    let config_a = ConnectionConfig {
        inactivity_timeout: secs(90),
        ..ConnectionConfig::default()
    };
    let mut pair = Pair::new(config_a, ConnectionConfig::default(), 3).unwrap();
    cut_after_connect(&mut pair, Direction::BToA);
    pair.run_until(at(1_000)).unwrap();
    assert_eq!(
        closed(&pair, true),
        Some((CloseReason::TimedOut(TimeoutReason::Inactivity), at(90)))
    );

    // Any byte counts as activity: with answered pings it never fires.
    let config_a = ConnectionConfig {
        inactivity_timeout: secs(90),
        ..ConnectionConfig::default()
    };
    let mut pair = connected_pair(config_a, ConnectionConfig::default(), 3);
    pair.run_until(at(1_000)).unwrap();
    assert_eq!(pair.a.state(), ConnectionState::Connected);
    assert_eq!(pair.a.stats().last_seen, Some(at(960)));
}

#[test]
fn a_peer_that_ignores_a_rekey_times_out_the_rekey_response() {
    let config_a = ConnectionConfig {
        rekey_interval: secs(10),
        rekey_timeout: secs(5),
        ..ConnectionConfig::default()
    };
    let mut pair = Pair::new(config_a, ConnectionConfig::default(), 4).unwrap();
    // `b` never sees `a`'s rekey_init (nor anything else from `a`).
    cut_after_connect(&mut pair, Direction::AToB);
    assert_eq!(pair.a.poll_timeout(), Some((at(10), TimeoutReason::Rekey)));
    pair.run_until(at(12)).unwrap();
    assert_eq!(
        pair.a.poll_timeout(),
        Some((at(15), TimeoutReason::RekeyResponse))
    );
    pair.run_until(at(100)).unwrap();
    assert_eq!(
        closed(&pair, true),
        Some((CloseReason::TimedOut(TimeoutReason::RekeyResponse), at(15)))
    );
    assert_eq!(pair.a.stats().rekeys, 0);

    // The answering side waits for rekey_done just as long.
    let config_b = ConnectionConfig {
        rekey_timeout: secs(5),
        ..ConnectionConfig::default()
    };
    let config_a = ConnectionConfig {
        rekey_interval: secs(10),
        ..ConnectionConfig::default()
    };
    let mut pair = Pair::new(config_a, config_b, 4).unwrap();
    // `b` answers `a`'s rekey_init, but its rekey_ack is lost, so no
    // rekey_done ever comes back.
    cut_after_connect(&mut pair, Direction::BToA);
    pair.run_until(at(100)).unwrap();
    assert_eq!(
        closed(&pair, false),
        Some((CloseReason::TimedOut(TimeoutReason::RekeyResponse), at(15)))
    );
}

#[test]
fn a_close_that_cannot_drain_finishes_after_the_linger() {
    let mut pair = connected_pair(ConnectionConfig::default(), ConnectionConfig::default(), 5);
    let now = pair.now;
    pair.a
        .send(now, Message::Tx(vec![1; 10_000].into()))
        .unwrap();
    pair.a.close(now, DisconnectReason::Shutdown);
    // The caller never drains the queue (a stuck socket).
    let queued = pair.a.queued_bytes();
    assert!(queued > 10_000);
    assert_eq!(pair.a.state(), ConnectionState::Closing);
    assert_eq!(
        pair.a.poll_timeout(),
        Some((now + secs(5), TimeoutReason::CloseLinger))
    );
    pair.a.handle_timeout(now + Duration::from_millis(4_999));
    assert_eq!(pair.a.state(), ConnectionState::Closing);
    pair.a.handle_timeout(now + secs(5));
    assert_eq!(pair.a.state(), ConnectionState::Closed);
    // The linger ends the close with the close's own reason, reporting
    // what it could not send.
    assert_eq!(
        drain_events(&mut pair.a),
        [Event::Closed {
            reason: CloseReason::Local(DisconnectReason::Shutdown),
            unsent_bytes: queued,
        }]
    );
    assert_eq!(pair.a.queued_bytes(), 0);
}

#[test]
fn pings_go_out_every_interval_and_measure_twice_the_latency() {
    for transport in [TransportKind::Encrypted, TransportKind::Plaintext] {
        let (mut config_a, config_b) = plaintext_configs();
        config_a.outbound_transport = transport;
        let mut pair = Pair::new(config_a, config_b, 6).unwrap();
        pair.latency = Duration::from_millis(75);
        pair.run_until_connected().unwrap();
        let established = pair.a.stats().established_at.unwrap();
        pair.run_until(established + secs(600) + secs(1)).unwrap();
        let stats = pair.a.stats();
        assert_eq!(stats.pings_sent, 10, "{transport:?}");
        assert_eq!(stats.rtt_min, Some(Duration::from_millis(150)));
        assert_eq!(stats.rtt_avg, Some(Duration::from_millis(150)));
        let pongs: Vec<(Instant, Duration)> = pair
            .events
            .iter()
            .filter(|e| e.at_a)
            .filter_map(|e| match e.event {
                Event::Pong { rtt } => Some((e.at, rtt)),
                _ => None,
            })
            .collect();
        let expected: Vec<(Instant, Duration)> = (1..=10)
            .map(|k| {
                let sent = established + secs(60 * k);
                (
                    sent + Duration::from_millis(150),
                    Duration::from_millis(150),
                )
            })
            .collect();
        assert_eq!(pongs, expected, "{transport:?}");
        // Keepalive pings are answered by the connection and not reported.
        assert!(messages(&pair, false).is_empty());
        assert!(messages(&pair, true).is_empty());
        assert_eq!(pair.b.state(), ConnectionState::Connected);
    }
}

#[test]
fn rtt_statistics_follow_a_changing_latency() {
    let mut pair = Pair::new(ConnectionConfig::default(), ConnectionConfig::default(), 7).unwrap();
    pair.latency = Duration::from_millis(100);
    pair.run_until_connected().unwrap();
    let start = pair.a.stats().established_at.unwrap();
    pair.run_until(start + secs(61)).unwrap();
    pair.latency = Duration::from_millis(20);
    pair.run_until(start + secs(121)).unwrap();
    let stats = pair.a.stats();
    // Samples 200 ms then 40 ms: min 40, average (7 × 200 + 40) / 8.
    assert_eq!(stats.rtt_min, Some(Duration::from_millis(40)));
    assert_eq!(stats.rtt_avg, Some(Duration::from_millis(180)));
}

#[test]
fn a_pong_that_answers_no_ping_of_ours_is_reported() {
    let mut pair = connected_pair(ConnectionConfig::default(), ConnectionConfig::default(), 8);
    pair.b
        .send(pair.now, Message::Ping(Ping { nonce: 77 }))
        .unwrap();
    pair.settle().unwrap();
    // `a` answered `b`'s application ping; `b` has no keepalive ping in
    // flight with that nonce, so the pong reaches its caller.
    assert_eq!(
        messages(&pair, false),
        [Message::Pong(veil_core::message::Pong { nonce: 77 })]
    );
    assert_eq!(pair.b.stats().rtt_min, None);
}

#[test]
fn a_graceful_close_drains_queued_messages_before_the_disconnect() {
    for transport in [TransportKind::Encrypted, TransportKind::Plaintext] {
        let (mut config_a, config_b) = plaintext_configs();
        config_a.outbound_transport = transport;
        let mut pair = Pair::new(config_a, config_b, 9).unwrap();
        pair.latency = Duration::from_millis(30);
        pair.run_until_connected().unwrap();
        let now = pair.now;
        let sent: Vec<Message> = (0..20u8)
            .map(|i| Message::Tx(vec![i; 1_000 * usize::from(i)].into()))
            .collect();
        for message in &sent {
            pair.a.send(now, message.clone()).unwrap();
        }
        pair.a.close(now, DisconnectReason::Rotation);
        assert_eq!(pair.a.state(), ConnectionState::Closing);
        pair.run_until(now + secs(1)).unwrap();
        assert_eq!(messages(&pair, false), sent, "{transport:?}");
        let events_b = side_events(&pair, false);
        let bye = Disconnect {
            reason: DisconnectReason::Rotation,
            text: String::new(),
        };
        assert_eq!(
            events_b.last(),
            Some(&Event::Closed {
                reason: CloseReason::Remote(bye.clone()),
                unsent_bytes: 0,
            })
        );
        assert_eq!(
            closed(&pair, false).unwrap().1,
            now + Duration::from_millis(30)
        );
        assert_eq!(CloseReason::Remote(bye).consequence(), Consequence::Close);
        // `a` finished as soon as its queue drained, with nothing unsent.
        assert_eq!(
            side_events(&pair, true).last(),
            Some(&Event::Closed {
                reason: CloseReason::Local(DisconnectReason::Rotation),
                unsent_bytes: 0,
            })
        );
        assert_eq!(closed(&pair, true).unwrap().1, now);
    }
}

#[test]
fn closing_twice_or_after_the_end_changes_nothing() {
    let mut pair = connected_pair(ConnectionConfig::default(), ConnectionConfig::default(), 10);
    let now = pair.now;
    pair.a.close(now, DisconnectReason::Shutdown);
    pair.a.close(now, DisconnectReason::Banned);
    pair.settle().unwrap();
    assert_eq!(
        close_reason(&pair, true),
        Some(CloseReason::Local(DisconnectReason::Shutdown))
    );
    pair.a.handle_eof(now);
    pair.a.close(now, DisconnectReason::Banned);
    pair.settle().unwrap();
    let closes = side_events(&pair, true)
        .iter()
        .filter(|e| matches!(e, Event::Closed { .. }))
        .count();
    assert_eq!(closes, 1);
}

#[test]
fn the_end_of_the_stream_closes_with_transport_ended() {
    // Connected.
    let mut pair = connected_pair(ConnectionConfig::default(), ConnectionConfig::default(), 11);
    pair.b.handle_eof(pair.now);
    assert_eq!(
        drain_events(&mut pair.b),
        [Event::Closed {
            reason: CloseReason::TransportEnded,
            unsent_bytes: 0,
        }]
    );
    assert_eq!(pair.b.state(), ConnectionState::Closed);
    assert_eq!(
        CloseReason::TransportEnded.consequence(),
        Consequence::Close
    );
    // Mid-handshake, with bytes still queued.
    let mut a = outbound(ConnectionConfig::default(), 11);
    let queued = a.queued_bytes();
    a.handle_eof(Instant::ZERO);
    assert_eq!(
        drain_events(&mut a),
        [Event::Closed {
            reason: CloseReason::TransportEnded,
            unsent_bytes: queued,
        }]
    );
    // While closing, the end finishes the close with its own reason.
    let mut pair = connected_pair(ConnectionConfig::default(), ConnectionConfig::default(), 12);
    pair.a.close(pair.now, DisconnectReason::Evicted);
    let queued = pair.a.queued_bytes();
    pair.a.handle_eof(pair.now);
    assert_eq!(
        drain_events(&mut pair.a),
        [Event::Closed {
            reason: CloseReason::Local(DisconnectReason::Evicted),
            unsent_bytes: queued,
        }]
    );
}

#[test]
fn input_after_a_close_is_ignored() {
    let mut pair = connected_pair(ConnectionConfig::default(), ConnectionConfig::default(), 13);
    pair.a.send(pair.now, Message::GetAddr).unwrap();
    let in_flight = drain(&mut pair.a);
    pair.b.handle_eof(pair.now);
    let received = pair.b.stats().bytes_received;
    pair.b.handle_input(pair.now, &in_flight);
    assert_eq!(pair.b.stats().bytes_received, received);
    assert_eq!(
        drain_events(&mut pair.b),
        [Event::Closed {
            reason: CloseReason::TransportEnded,
            unsent_bytes: 0,
        }]
    );
}
