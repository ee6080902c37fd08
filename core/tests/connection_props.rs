//! Properties of the whole connection: the same seed gives the same bytes
//! and events, any chunking of the streams gives the same outcome as
//! whole flights, and the handshake completes for any latency and garbage
//! length in a fixed number of one-way trips.

mod support;

use std::sync::OnceLock;

use proptest::prelude::*;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use support::conn::*;
use veil_core::connection::{
    CloseReason, Connection, ConnectionConfig, ConnectionState, Event, TransportKind,
};
use veil_core::identity::Identity;
use veil_core::message::{DisconnectReason, InvItem, InvKind, Message, Ping};
use veil_core::testing::{Direction, Pair, PairEvent};
use veil_core::{Duration, Instant};

type Recorded = (Vec<(Direction, u64, Vec<u8>)>, Vec<PairEvent>);

/// A busy five minutes: handshake with the nonce check, traffic both
/// ways, volume and time rekeys, keepalive pings, then a graceful close.
fn busy(transport: TransportKind, seed: u64) -> Recorded {
    let (mut config_a, mut config_b) = plaintext_configs();
    config_a.outbound_transport = transport;
    for config in [&mut config_a, &mut config_b] {
        config.rekey_interval = Duration::from_secs(45);
        config.rekey_after_bytes = 20_000;
        config.check_self_connection = true;
    }
    let mut pair = Pair::new(config_a, config_b, seed).unwrap();
    pair.latency = Duration::from_millis(40);
    let chunks = record(&mut pair);
    pair.run_until_connected().unwrap();
    for i in 0..50u8 {
        let now = pair.now;
        pair.a
            .send(now, Message::Tx(vec![i; 997 * usize::from(i)].into()))
            .unwrap();
        pair.b
            .send(
                now,
                Message::Ping(Ping {
                    nonce: u64::from(i),
                }),
            )
            .unwrap();
        pair.run_until(now + Duration::from_millis(333)).unwrap();
    }
    pair.run_until(Instant::from_millis(300_000)).unwrap();
    pair.a.close(pair.now, DisconnectReason::Shutdown);
    pair.run_until(Instant::from_millis(301_000)).unwrap();
    let chunks = chunks.borrow().clone();
    (chunks, pair.events)
}

#[test]
fn the_same_seed_gives_the_same_bytes_and_events() {
    for transport in [TransportKind::Encrypted, TransportKind::Plaintext] {
        let (chunks, events) = busy(transport, 7);
        let (again_chunks, again_events) = busy(transport, 7);
        assert!(chunks == again_chunks, "{transport:?}: bytes differ");
        assert!(events == again_events, "{transport:?}: events differ");
        // The run did what it says.
        assert!(events.iter().any(|e| matches!(e.event, Event::Pong { .. })));
        assert!(events
            .iter()
            .any(|e| matches!(e.event, Event::CheckNonce { .. })));
        if transport == TransportKind::Encrypted {
            assert!(events
                .iter()
                .any(|e| matches!(e.event, Event::Rekeyed { .. })));
        }
        assert!(matches!(
            events.last().map(|e| &e.event),
            Some(Event::Closed {
                reason: CloseReason::Remote(_),
                ..
            })
        ));
        // Another seed: other bytes. On the plaintext transport only the
        // nonces and ping nonces differ, which still shows.
        let (other, _) = busy(transport, 8);
        assert!(chunks != other, "{transport:?}");
    }
}

#[test]
fn connections_from_the_same_seed_send_the_same_first_flight() {
    let flight = |seed: u64| {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let identity = Identity::generate(&mut rng);
        let config = std::sync::Arc::new(ConnectionConfig::default());
        let mut c =
            Connection::outbound(config, &identity, None, Instant::ZERO, WALL, &mut rng).unwrap();
        (drain(&mut c), c.local_nonce())
    };
    assert_eq!(flight(1), flight(1));
    assert_ne!(flight(1).0, flight(2).0);
    assert_ne!(flight(1).1, flight(2).1);
}

/// What one side saw and sent.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Outcome {
    events_a: Vec<Event>,
    events_b: Vec<Event>,
    sent_a: Vec<u8>,
    sent_b: Vec<u8>,
}

/// Handshake, traffic both ways (with volume rekeys on the encrypted
/// transport) and a graceful close, all at one instant, every flight cut
/// by `split`.
fn chunked(transport: TransportKind, split: &mut dyn FnMut(&[u8]) -> Vec<Vec<u8>>) -> Outcome {
    let (mut config_a, mut config_b) = plaintext_configs();
    config_a.outbound_transport = transport;
    config_a.rekey_after_bytes = 3_000;
    config_b.rekey_after_bytes = 5_000;
    let mut link = Link::new(config_a, config_b, 5, WALL, WALL);
    let t = Instant::ZERO;
    link.shuttle_split(t, split);
    assert_eq!(link.a.state(), ConnectionState::Connected);
    assert_eq!(link.b.state(), ConnectionState::Connected);
    for i in 0..12u8 {
        let len = usize::from(i) * 337;
        link.a.send(t, Message::Block(vec![i; len].into())).unwrap();
        let inv = vec![
            InvItem {
                kind: InvKind::Tx,
                hash: [i; 32]
            };
            usize::from(i)
        ];
        link.b.send(t, Message::Inv(inv)).unwrap();
        if i % 4 == 0 {
            link.shuttle_split(t, split);
        }
    }
    link.shuttle_split(t, split);
    link.a.close(t, DisconnectReason::Rotation);
    link.shuttle_split(t, split);
    assert_eq!(link.b.state(), ConnectionState::Closed);
    Outcome {
        events_a: link.events_a,
        events_b: link.events_b,
        sent_a: link.sent_a,
        sent_b: link.sent_b,
    }
}

fn whole(bytes: &[u8]) -> Vec<Vec<u8>> {
    vec![bytes.to_vec()]
}

fn reference(transport: TransportKind) -> &'static Outcome {
    static REFERENCE: OnceLock<[Outcome; 2]> = OnceLock::new();
    let [encrypted, plaintext] = REFERENCE.get_or_init(|| {
        [
            chunked(TransportKind::Encrypted, &mut whole),
            chunked(TransportKind::Plaintext, &mut whole),
        ]
    });
    match transport {
        TransportKind::Encrypted => encrypted,
        TransportKind::Plaintext => plaintext,
    }
}

#[test]
fn the_reference_run_covers_what_chunking_could_break() {
    let outcome = reference(TransportKind::Encrypted);
    assert_eq!(messages_in(&outcome.events_b).len(), 12);
    assert_eq!(messages_in(&outcome.events_a).len(), 12);
    let rekeys = outcome
        .events_a
        .iter()
        .filter(|e| matches!(e, Event::Rekeyed { .. }))
        .count();
    assert!(rekeys >= 3, "{rekeys}");
    assert!(matches!(
        close_reason_in(&outcome.events_b),
        Some(CloseReason::Remote(_))
    ));
    assert_eq!(
        messages_in(&reference(TransportKind::Plaintext).events_b).len(),
        12
    );
}

fn transports() -> impl Strategy<Value = TransportKind> {
    prop_oneof![
        Just(TransportKind::Encrypted),
        Just(TransportKind::Plaintext)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Cutting every flight at random points (piece sizes drawn anew for
    /// each test, cycled) changes nothing: the same events in the same
    /// order, the same bytes sent.
    #[test]
    fn any_chunking_gives_the_same_events_as_whole_flights(
        transport in transports(),
        sizes in prop::collection::vec(1usize..700, 1..12),
    ) {
        let mut next = sizes.iter().copied().cycle();
        let mut split = |bytes: &[u8]| -> Vec<Vec<u8>> {
            let mut pieces = Vec::new();
            let mut rest = bytes;
            while !rest.is_empty() {
                let (piece, tail) = rest.split_at(next.next().unwrap().min(rest.len()));
                pieces.push(piece.to_vec());
                rest = tail;
            }
            pieces
        };
        let outcome = chunked(transport, &mut split);
        let expected = reference(transport);
        prop_assert!(outcome.events_a == expected.events_a, "events at a differ");
        prop_assert!(outcome.events_b == expected.events_b, "events at b differ");
        prop_assert!(outcome.sent_a == expected.sent_a, "bytes from a differ");
        prop_assert!(outcome.sent_b == expected.sent_b, "bytes from b differ");
    }

    /// The handshake completes for any latency and garbage length: the
    /// dialler after four one-way trips and the listener after five on
    /// the encrypted transport, after two and three on plaintext.
    #[test]
    fn the_handshake_takes_a_fixed_number_of_trips(
        transport in transports(),
        latency in 0u64..5_000,
        max_garbage_len in 0usize..=4095,
        seed in any::<u64>(),
    ) {
        let (mut config_a, mut config_b) = plaintext_configs();
        config_a.outbound_transport = transport;
        config_a.max_garbage_len = max_garbage_len;
        config_b.max_garbage_len = max_garbage_len;
        let mut pair = Pair::new(config_a, config_b, seed).unwrap();
        pair.latency = Duration::from_millis(latency);
        pair.run_until_connected().unwrap();
        let trips = match transport {
            TransportKind::Encrypted => [4, 5],
            TransportKind::Plaintext => [2, 3],
        };
        for (at_a, n) in [(true, trips[0]), (false, trips[1])] {
            let done = pair
                .events
                .iter()
                .find(|e| e.at_a == at_a && matches!(e.event, Event::HandshakeComplete(_)))
                .map(|e| e.at);
            prop_assert_eq!(done, Some(Instant::from_millis(n * latency)));
        }
    }
}
