//! Traffic shaping inside a connection, as properties over presets,
//! workloads, schedules and chunkings: the peer receives exactly the
//! messages sent, once each and in order; no message waits longer than the
//! negotiated latency budget (urgent ones than the urgent budget); the
//! bandwidth added never exceeds the negotiated overhead budget; and the
//! same seed gives the same bytes.

mod support;

use bytes::Bytes;
use proptest::prelude::*;
use support::conn::{drain, drain_events, Link, WALL};
use veil_core::connection::{ConnectionConfig, ConnectionState, Event, HandshakeInfo};
use veil_core::message::Message;
use veil_core::shaping::{
    Budget, PaddingPolicy, PrivacyLevel, PrivacyOptions, ShapingConfig, OVERHEAD_ALLOWANCE,
};
use veil_core::{Duration, Instant};

/// Every preset, bursts on top of `high`, random padding, and a tight
/// budget that forces the shaper to give up padding.
fn shaping() -> impl Strategy<Value = ShapingConfig> {
    let bursts = PrivacyOptions {
        privacy_level: PrivacyLevel::High,
        traffic_burst_mode_enabled: true,
        traffic_burst_min_messages: 2,
        traffic_burst_max_messages: 6,
        ..PrivacyOptions::default()
    }
    .to_config()
    .unwrap();
    let random = ShapingConfig {
        padding: PaddingPolicy::Random {
            min_contents: 64,
            max_contents: 1500,
        },
        budget: Budget {
            max_overhead_percent: 60,
            ..PrivacyLevel::High.config().budget
        },
        ..PrivacyLevel::High.config()
    };
    let tight = ShapingConfig {
        budget: Budget {
            max_overhead_percent: 5,
            ..Budget::NONE
        },
        ..PrivacyLevel::Standard.config()
    };
    prop_oneof![
        Just(PrivacyLevel::Off.config()),
        Just(PrivacyLevel::Standard.config()),
        Just(PrivacyLevel::High.config()),
        Just(PrivacyLevel::ConstantRate.config()),
        Just(bursts),
        Just(random),
        Just(tight),
    ]
}

/// Message sizes: control-sized, transaction-sized and block-sized.
fn size() -> impl Strategy<Value = usize> {
    prop_oneof![0usize..120, 120usize..2_000, 2_000usize..70_000]
}

fn message(index: usize, size: usize) -> Message {
    // The first bytes number the message, so order and duplicates show.
    let mut body = vec![0u8; size.max(8)];
    body[..8].copy_from_slice(&(index as u64).to_le_bytes());
    if size > 1_000 {
        Message::Block(Bytes::from(body))
    } else {
        Message::Tx(Bytes::from(body))
    }
}

/// Splits every flight into pieces of the sizes in `cuts`, cycling.
fn splitter(cuts: Vec<usize>) -> impl FnMut(&[u8]) -> Vec<Vec<u8>> {
    let mut next = 0;
    move |bytes: &[u8]| {
        let mut pieces = Vec::new();
        let mut rest = bytes;
        while !rest.is_empty() {
            let n = cuts[next % cuts.len()].min(rest.len());
            next += 1;
            pieces.push(rest[..n].to_vec());
            rest = &rest[n..];
        }
        pieces
    }
}

fn config(shaping: ShapingConfig) -> ConnectionConfig {
    ConnectionConfig {
        shaping,
        ..ConnectionConfig::default()
    }
}

fn info(events: &[Event]) -> HandshakeInfo {
    events
        .iter()
        .find_map(|event| match event {
            Event::HandshakeComplete(info) => Some((**info).clone()),
            _ => None,
        })
        .expect("handshake completed")
}

/// Everything one run produced.
struct Run {
    link: Link,
    /// Messages `b` received, with the time each arrived.
    received: Vec<(Message, Instant)>,
    /// Pongs `a` received for its keepalive pings: their round-trip times.
    ping_rtts: Vec<Duration>,
}

/// Connects, sends `workload` (gap before each message, size) from `a`,
/// then runs until everything is delivered; the link has no latency, so
/// every delay is shaping's.
fn run(
    shaping_a: ShapingConfig,
    shaping_b: ShapingConfig,
    seed: u64,
    workload: &[(u64, usize)],
    cuts: Vec<usize>,
) -> Run {
    let mut link = Link::new(config(shaping_a), config(shaping_b), seed, WALL, WALL);
    let mut split = splitter(cuts);
    let mut now = Instant::ZERO;
    let mut received = Vec::new();
    let mut ping_rtts = Vec::new();
    let mut step = |link: &mut Link, now: Instant, received: &mut Vec<(Message, Instant)>| {
        link.a.handle_timeout(now);
        link.b.handle_timeout(now);
        let (before_a, before_b) = (link.events_a.len(), link.events_b.len());
        link.shuttle_split(now, &mut split);
        for event in &link.events_b[before_b..] {
            if let Event::Message(message) = event {
                received.push((message.clone(), now));
            }
        }
        for event in &link.events_a[before_a..] {
            if let Event::Pong { rtt } = event {
                ping_rtts.push(*rtt);
            }
        }
    };
    step(&mut link, now, &mut received);
    assert_eq!(
        link.a.state(),
        ConnectionState::Connected,
        "{:?} / {:?}",
        link.events_a,
        link.events_b
    );
    let mut sends = workload.iter().enumerate().peekable();
    let mut next_send = now;
    let end_of_work = Instant::ZERO
        + Duration::from_millis(workload.iter().map(|(gap, _)| gap).sum::<u64>() + 10_000);
    loop {
        if let Some(&(index, &(gap, size))) = sends.peek() {
            if next_send + Duration::from_millis(gap) <= now {
                link.a.send(now, message(index, size)).unwrap();
                next_send = now;
                sends.next();
                step(&mut link, now, &mut received);
                continue;
            }
        }
        let wakeups = [link.a.poll_timeout(), link.b.poll_timeout()];
        let deadline = wakeups.into_iter().flatten().map(|(at, _)| at).min();
        let send_at = sends
            .peek()
            .map(|(_, &(gap, _))| next_send + Duration::from_millis(gap));
        let next = [deadline, send_at].into_iter().flatten().min();
        match next {
            Some(at) if at <= end_of_work => {
                now = now.max(at);
                step(&mut link, now, &mut received);
            }
            _ => break,
        }
    }
    Run {
        link,
        received,
        ping_rtts: std::mem::take(&mut ping_rtts),
    }
}

fn send_times(workload: &[(u64, usize)]) -> Vec<Instant> {
    let mut at = Instant::ZERO;
    workload
        .iter()
        .map(|(gap, _)| {
            at += Duration::from_millis(*gap);
            at
        })
        .collect()
}

fn check_budget(budget: Budget, stats: veil_core::shaping::ShapingStats) {
    if budget.max_overhead_percent != Budget::UNLIMITED_OVERHEAD {
        let allowed = stats.unshaped_bytes * u64::from(budget.max_overhead_percent) / 100
            + OVERHEAD_ALLOWANCE;
        assert!(
            stats.added_bytes <= allowed,
            "added {} > allowed {allowed} ({stats:?})",
            stats.added_bytes
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn every_message_arrives_once_in_order_within_the_budgets(
        shaping_a in shaping(),
        shaping_b in shaping(),
        seed in any::<u64>(),
        workload in prop::collection::vec((0u64..3_000, size()), 1..20),
        cuts in prop::collection::vec(1usize..3_000, 1..6),
    ) {
        let run = run(shaping_a, shaping_b, seed, &workload, cuts);
        let expected: Vec<Message> = workload
            .iter()
            .enumerate()
            .map(|(index, &(_, size))| message(index, size))
            .collect();
        let got: Vec<Message> = run.received.iter().map(|(m, _)| m.clone()).collect();
        prop_assert_eq!(&got, &expected);

        let negotiated = info(&run.link.events_a).shaping;
        prop_assert_eq!(negotiated, info(&run.link.events_b).shaping);
        let budget = negotiated.budget;
        for ((_, arrived), sent) in run.received.iter().zip(send_times(&workload)) {
            let waited = arrived.saturating_duration_since(sent);
            prop_assert!(
                waited <= budget.max_added_latency,
                "waited {} > {}", waited, budget.max_added_latency
            );
        }
        // Keepalive pings and their pongs are urgent: each may wait the
        // urgent budget once on the way out and once on the way back.
        for rtt in &run.ping_rtts {
            prop_assert!(rtt.as_millis() <= 2 * budget.urgent_latency().as_millis());
        }
        check_budget(budget, run.link.a.stats().shaping);
        check_budget(budget, run.link.b.stats().shaping);
        prop_assert_eq!(run.link.a.queued_bytes(), 0);
    }
}

#[test]
fn the_same_seed_gives_the_same_bytes_and_schedule() {
    let workload = [(0, 100), (500, 30_000), (20, 10), (2_500, 250)];
    let high = PrivacyLevel::High.config();
    let first = run(high, high, 42, &workload, vec![700, 13]);
    let second = run(high, high, 42, &workload, vec![700, 13]);
    assert_eq!(first.link.sent_a, second.link.sent_a);
    assert_eq!(first.link.sent_b, second.link.sent_b);
    let times = |run: &Run| run.received.iter().map(|(_, at)| *at).collect::<Vec<_>>();
    assert_eq!(times(&first), times(&second));
    assert!(
        first.link.a.stats().shaping.decoys_sent > 0,
        "high sends decoys"
    );
    let other = run(high, high, 43, &workload, vec![700, 13]);
    assert_ne!(first.link.sent_a, other.link.sent_a);
}

#[test]
fn bucket_padding_leaves_only_bucket_sizes_after_the_handshake() {
    let standard = PrivacyLevel::Standard.config();
    let mut link = Link::new(config(standard), config(standard), 5, WALL, WALL);
    link.shuttle(Instant::ZERO);
    link.a.record_packet_sizes_for_testing();
    for (index, size) in [0, 60, 233, 234, 5_000, 16_361, 16_362, 70_000]
        .into_iter()
        .enumerate()
    {
        link.a.send(Instant::ZERO, message(index, size)).unwrap();
    }
    let sizes = link.a.take_packet_sizes_for_testing();
    link.shuttle(Instant::ZERO);
    assert!(sizes.len() >= 8, "{sizes:?}");
    assert!(
        sizes
            .iter()
            .all(|&size| veil_core::shaping::BUCKETS.contains(&(size as usize))),
        "{sizes:?}"
    );
    assert_eq!(
        drain_events(&mut link.b).len(),
        0,
        "events were collected by shuttle"
    );
    assert_eq!(
        link.events_b
            .iter()
            .filter(|e| matches!(e, Event::Message(_)))
            .count(),
        8
    );
}

#[test]
fn a_peer_that_offers_no_shaping_gets_unpadded_packets_after_the_handshake() {
    let mut link = Link::new(
        config(PrivacyLevel::High.config()),
        config(PrivacyLevel::Off.config()),
        6,
        WALL,
        WALL,
    );
    link.shuttle(Instant::ZERO);
    let negotiated = info(&link.events_a).shaping;
    assert_eq!(negotiated.features, 0);
    assert_eq!(negotiated.budget, Budget::NONE);
    link.a.record_packet_sizes_for_testing();
    link.a.send(Instant::ZERO, message(0, 100)).unwrap();
    // Unpadded, sent at once: 1 id byte, the payload, 20 bytes overhead.
    assert_eq!(link.a.take_packet_sizes_for_testing(), [1 + 100 + 20]);
    assert_eq!(link.a.poll_timeout().map(|(_, r)| r.as_str()), Some("ping"));
    assert!(!drain(&mut link.a).is_empty());
}

#[test]
fn held_messages_leave_before_the_disconnect_of_a_graceful_close() {
    let bursts = PrivacyOptions {
        privacy_level: PrivacyLevel::High,
        traffic_burst_mode_enabled: true,
        traffic_burst_min_messages: 8,
        traffic_burst_max_messages: 8,
        ..PrivacyOptions::default()
    }
    .to_config()
    .unwrap();
    let mut link = Link::new(config(bursts), config(bursts), 8, WALL, WALL);
    link.shuttle(Instant::ZERO);
    for index in 0..3 {
        link.a.send(Instant::ZERO, message(index, 50)).unwrap();
    }
    // A burst of 8 gathers: the three wait.
    assert!(link.a.queued_bytes() > 0);
    link.shuttle(Instant::ZERO);
    assert!(link
        .events_b
        .iter()
        .all(|e| !matches!(e, Event::Message(_))));
    link.a.close(
        Instant::ZERO,
        veil_core::message::DisconnectReason::Shutdown,
    );
    link.shuttle(Instant::ZERO);
    let got: Vec<_> = link
        .events_b
        .iter()
        .filter_map(|e| match e {
            Event::Message(m) => Some(m.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(got, (0..3).map(|i| message(i, 50)).collect::<Vec<_>>());
    assert_eq!(link.b.state(), ConnectionState::Closed);
}

#[test]
fn plaintext_padding_frames_round_each_message_to_a_bucket() {
    use veil_core::connection::TransportKind;
    use veil_core::wire::{UnknownCommandPolicy, WireConfig};
    let standard = PrivacyLevel::Standard.config();
    let config_a = ConnectionConfig {
        outbound_transport: TransportKind::Plaintext,
        ..config(standard)
    };
    // A receiver that rejects unknown commands still drops padding.
    let config_b = ConnectionConfig {
        accept_plaintext: true,
        wire: WireConfig {
            unknown_commands: UnknownCommandPolicy::Reject,
            ..WireConfig::default()
        },
        ..config(standard)
    };
    let mut link = Link::with_identities(
        config_a,
        config_b,
        &veil_core::identity::Identity::from_secret_bytes([1; 32]),
        &veil_core::identity::Identity::from_secret_bytes([2; 32]),
        None,
        &mut rand_chacha::rand_core::SeedableRng::seed_from_u64(3),
        WALL,
        WALL,
    );
    link.shuttle(Instant::ZERO);
    assert_eq!(link.a.state(), ConnectionState::Connected);
    for (index, size) in [10, 200, 3_000, 20_000].into_iter().enumerate() {
        link.a.send(Instant::ZERO, message(index, size)).unwrap();
        let bytes = drain(&mut link.a);
        let fits = veil_core::shaping::BUCKETS.contains(&bytes.len()) || bytes.len() % 16_384 == 0;
        assert!(
            fits,
            "{size}-byte message went out as {} bytes",
            bytes.len()
        );
        link.b.handle_input(Instant::ZERO, &bytes);
    }
    let got: Vec<_> = drain_events(&mut link.b)
        .into_iter()
        .filter_map(|e| match e {
            Event::Message(m) => Some(m),
            _ => None,
        })
        .collect();
    assert_eq!(
        got,
        (0..4)
            .map(|i| message(i, [10, 200, 3_000, 20_000][i]))
            .collect::<Vec<_>>()
    );
    assert_eq!(link.b.stats().decoys_received, 4);
    assert_eq!(link.b.state(), ConnectionState::Connected);
}
