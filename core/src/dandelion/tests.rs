//! One test per routing rule of the router.

use alloc::vec::Vec;

use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

use super::*;
use crate::time::{Duration, Instant};

const OUT: PeerInfo = PeerInfo {
    outbound: true,
    supports_dandelion: true,
};
const IN: PeerInfo = PeerInfo {
    outbound: false,
    supports_dandelion: true,
};
const T0: Instant = Instant::ZERO;

fn config(fluff_permille: u16) -> DandelionConfig {
    DandelionConfig {
        fluff_permille,
        ..DandelionConfig::default()
    }
}

/// A router with outbound peers `1..=outbound` and inbound `100..100+inbound`.
fn router(config: DandelionConfig, outbound: u8, inbound: u8, seed: u64) -> Router<u8> {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let mut router = Router::new(config, T0, &mut rng).unwrap();
    for peer in 1..=outbound {
        router.peer_connected(T0, peer, OUT).unwrap();
    }
    for peer in 100..100 + inbound {
        router.peer_connected(T0, peer, IN).unwrap();
    }
    router
}

fn drain(router: &mut Router<u8>) -> Vec<Event<u8>> {
    core::iter::from_fn(|| router.poll_event()).collect()
}

fn tx(n: u32) -> TxHash {
    let mut hash = [0; 32];
    hash[..4].copy_from_slice(&n.to_le_bytes());
    hash
}

/// Moves to the next epoch.
fn next_epoch(router: &mut Router<u8>) -> Instant {
    let end = router.epoch_end();
    router.handle_timeout(end);
    end
}

#[test]
fn own_transactions_use_one_relay_per_epoch() {
    let mut router = router(config(100), 8, 0, 1);
    let mut own_relays = Vec::new();
    for epoch in 0..20u32 {
        let own = *router.own_relay().unwrap();
        assert!(router.relays().contains(&own));
        for n in 0..10 {
            let route = router.local_tx(router.now, tx(epoch * 100 + n));
            assert_eq!(route, Route::Stem(own), "in both modes");
        }
        own_relays.push(own);
        next_epoch(&mut router);
    }
    own_relays.sort_unstable();
    own_relays.dedup();
    assert!(own_relays.len() > 1, "the own relay is redrawn each epoch");
}

#[test]
fn each_source_keeps_its_relay_for_the_epoch_and_loads_are_balanced() {
    let mut router = router(config(0), 8, 6, 2);
    let mut first = alloc::collections::BTreeMap::new();
    for n in 0..60u32 {
        let source = 100 + (n % 6) as u8;
        let Route::Stem(relay) = router.stem_tx_received(T0, &source, tx(n)) else {
            panic!("relay mode stems");
        };
        assert_eq!(*first.entry(source).or_insert(relay), relay);
    }
    let relays = router.relays().to_vec();
    for relay in &relays {
        let load = first.values().filter(|r| *r == relay).count();
        assert_eq!(load, 3, "6 sources over 2 relays, least-loaded first");
    }
    next_epoch(&mut router);
    assert_eq!(router.route_of(&100), None, "routes are redrawn per epoch");
}

#[test]
fn a_diffuser_fluffs_stem_transactions_but_stems_its_own() {
    let mut router = router(config(1000), 4, 1, 3);
    assert_eq!(router.mode(), Mode::Diffuser);
    assert_eq!(
        router.stem_tx_received(T0, &100, tx(1)),
        Route::Fluff(FluffReason::Diffuser)
    );
    assert!(!router.is_embargoed(&tx(1)));
    assert!(router.local_tx(T0, tx(2)).stem_to().is_some());
    assert!(router.is_embargoed(&tx(2)));
}

#[test]
fn without_a_dandelion_outbound_peer_everything_fluffs() {
    let mut rng = ChaCha20Rng::seed_from_u64(4);
    let mut router = Router::new(config(0), T0, &mut rng).unwrap();
    let legacy = PeerInfo {
        outbound: true,
        supports_dandelion: false,
    };
    router.peer_connected(T0, 1u8, legacy).unwrap();
    router.peer_connected(T0, 2u8, IN).unwrap();
    let no_relay = Route::Fluff(FluffReason::NoRelay);
    assert_eq!(router.local_tx(T0, tx(1)), no_relay);
    assert_eq!(router.stem_tx_received(T0, &2, tx(2)), no_relay);
    assert_eq!(router.embargoed(), 0);
}

#[test]
fn a_transaction_that_comes_back_is_fluffed_and_unembargoed() {
    let mut router = router(config(0), 3, 2, 5);
    let Route::Stem(_) = router.stem_tx_received(T0, &100, tx(1)) else {
        panic!("stems");
    };
    assert_eq!(router.stem_tx_received(T0, &100, tx(1)), Route::Duplicate);
    assert_eq!(
        router.stem_tx_received(T0, &101, tx(1)),
        Route::Fluff(FluffReason::Loop)
    );
    assert!(!router.is_embargoed(&tx(1)));
    // Our own transaction arriving as someone's stem transaction: a loop.
    let _ = router.local_tx(T0, tx(2));
    assert_eq!(
        router.stem_tx_received(T0, &100, tx(2)),
        Route::Fluff(FluffReason::Loop)
    );
    // A local duplicate is nothing new.
    let _ = router.local_tx(T0, tx(3));
    assert_eq!(router.local_tx(T0, tx(3)), Route::Duplicate);
}

#[test]
fn the_only_relay_sending_to_us_is_a_loop() {
    let mut router = router(config(0), 1, 0, 6);
    assert_eq!(router.relays(), &[1]);
    assert_eq!(
        router.stem_tx_received(T0, &1, tx(1)),
        Route::Fluff(FluffReason::SenderIsRelay)
    );
    let mut router = self::router(config(0), 2, 0, 6);
    for relay in [1, 2] {
        let other = 3 - relay;
        assert_eq!(
            router.stem_tx_received(T0, &relay, tx(relay.into())),
            Route::Stem(other)
        );
    }
}

#[test]
fn an_unknown_sender_is_fluffed() {
    let mut router = router(config(0), 2, 0, 7);
    assert_eq!(
        router.stem_tx_received(T0, &55, tx(1)),
        Route::Fluff(FluffReason::UnknownPeer)
    );
}

#[test]
fn a_full_embargo_table_fluffs_with_its_limit_until_events_are_taken() {
    let max = 3;
    let mut router = router(
        DandelionConfig {
            max_embargoed: max,
            ..config(0)
        },
        2,
        1,
        8,
    );
    for n in 0..3 {
        assert!(router.local_tx(T0, tx(n)).stem_to().is_some());
    }
    let full = Route::Fluff(FluffReason::EmbargoFull { max });
    assert_eq!(router.local_tx(T0, tx(10)), full);
    assert_eq!(router.stem_tx_received(T0, &100, tx(11)), full);
    // Expired but not yet polled: the slots stay taken.
    let later = T0 + Duration::from_secs(3600);
    router.handle_timeout(later);
    assert_eq!(router.embargoed(), 0);
    assert_eq!(router.embargo_slots_used(), 3);
    assert_eq!(router.local_tx(later, tx(12)), full);
    let expired = drain(&mut router)
        .into_iter()
        .filter(|e| matches!(e, Event::EmbargoExpired { .. }))
        .count();
    assert_eq!(expired, 3);
    assert_eq!(router.embargo_slots_used(), 0);
    assert!(router.local_tx(later, tx(12)).stem_to().is_some());
}

#[test]
fn a_relay_that_disconnects_is_replaced_and_its_routes_move() {
    let mut router = router(config(0), 4, 4, 9);
    for source in 100..104 {
        let _ = router.stem_tx_received(T0, &source, tx(source.into()));
    }
    let gone = *router.own_relay().unwrap();
    router.peer_disconnected(T0, &gone);
    let relays = router.relays().to_vec();
    assert_eq!(relays.len(), 2);
    assert!(!relays.contains(&gone));
    assert!(relays.contains(router.own_relay().unwrap()));
    for source in 100..104 {
        assert!(relays.contains(router.route_of(&source).unwrap()));
    }
    // Down to no candidates: relays empty, everything fluffs.
    for peer in 1..=4 {
        router.peer_disconnected(T0, &peer);
    }
    assert!(router.relays().is_empty());
    assert_eq!(router.own_relay(), None);
    assert_eq!(router.route_of(&100), None);
    assert_eq!(
        router.local_tx(T0, tx(99)),
        Route::Fluff(FluffReason::NoRelay)
    );
}

#[test]
fn a_source_that_disconnects_loses_its_route() {
    let mut router = router(config(0), 2, 1, 10);
    let _ = router.stem_tx_received(T0, &100, tx(1));
    assert!(router.route_of(&100).is_some());
    router.peer_disconnected(T0, &100);
    assert_eq!(router.route_of(&100), None);
    assert_eq!(router.peer_count(), 2);
}

#[test]
fn peers_fill_empty_slots_and_lose_them_when_no_longer_eligible() {
    let mut router = router(config(0), 0, 0, 11);
    assert!(router.relays().is_empty());
    router.peer_connected(T0, 1, OUT).unwrap();
    assert_eq!(router.relays(), &[1]);
    assert_eq!(router.own_relay(), Some(&1));
    router.peer_connected(T0, 2, OUT).unwrap();
    router.peer_connected(T0, 3, OUT).unwrap();
    assert_eq!(router.relays().len(), 2, "capped at stem_relays");
    let relay = router.relays()[0];
    let downgraded = PeerInfo {
        outbound: true,
        supports_dandelion: false,
    };
    router.peer_connected(T0, relay, downgraded).unwrap();
    assert!(!router.relays().contains(&relay));
    assert_eq!(router.relays().len(), 2);
    assert_eq!(router.peer_count(), 3);
}

#[test]
fn embargoes_fire_within_their_bounds_unless_seen_in_fluff() {
    let mut router = router(config(0), 2, 0, 12);
    let cfg = router.config().clone();
    for n in 0..200 {
        let _ = router.local_tx(T0, tx(n));
    }
    assert!(router.fluff_tx_seen(T0, &tx(0)));
    let (first, reason) = router.poll_timeout();
    assert_eq!(reason, TimeoutReason::Embargo);
    assert!(first >= T0 + cfg.embargo_min);
    // 53 ln 2 ≈ 36.7 means is the longest exponential draw.
    let latest =
        T0 + cfg.embargo_min + Duration::from_millis(cfg.embargo_mean_extra.as_millis() * 37);
    router.handle_timeout(latest);
    let mut expired: Vec<TxHash> = drain(&mut router)
        .into_iter()
        .filter_map(|e| match e {
            Event::EmbargoExpired { tx } => Some(tx),
            Event::EpochStarted { .. } => None,
        })
        .collect();
    expired.sort_unstable();
    let mut expected: Vec<TxHash> = (1..200).map(tx).collect();
    expected.sort_unstable();
    assert_eq!(expired, expected);
}

#[test]
fn handle_timeout_leaves_only_future_deadlines_and_one_epoch_event() {
    let mut router = router(config(100), 3, 0, 13);
    let _ = drain(&mut router);
    let mut now = T0;
    for _ in 0..5 {
        now += Duration::from_secs(700);
        router.handle_timeout(now);
        assert!(router.poll_timeout().0 > now);
    }
    // Never drained: still one `EpochStarted`.
    assert_eq!(router.queued_events(), 1);
    // An instant from the past is read as the latest one.
    router.handle_timeout(T0);
    let _ = router.local_tx(T0, tx(1));
    assert!(router.poll_timeout().0 > now);
}

#[test]
fn the_mode_is_diffuser_with_probability_q() {
    let mut router = router(config(250), 2, 0, 14);
    let mut diffuser = 0;
    let epochs = 4000;
    for _ in 0..epochs {
        if router.mode() == Mode::Diffuser {
            diffuser += 1;
        }
        next_epoch(&mut router);
    }
    // Binomial(4000, 0.25): sd ≈ 27, so ±150 is over five sd.
    assert!((850..1150).contains(&diffuser), "{diffuser}");
}

#[test]
fn same_seed_same_decisions() {
    let run = |seed| {
        let mut router = router(config(300), 8, 8, seed);
        let mut routes = Vec::new();
        for n in 0..200u32 {
            let source = 100 + (n % 8) as u8;
            routes.push(router.stem_tx_received(T0, &source, tx(n)));
            if n % 50 == 0 {
                next_epoch(&mut router);
            }
        }
        (routes, router.poll_timeout())
    };
    assert_eq!(run(15), run(15));
    assert_ne!(run(15), run(16));
}

#[test]
fn the_peer_table_is_capped() {
    let mut router = router(
        DandelionConfig {
            max_peers: 2,
            ..config(0)
        },
        2,
        0,
        16,
    );
    assert_eq!(router.peer_connected(T0, 9, IN), Err(PeerLimit { max: 2 }));
    // Updating a known peer is not a new peer.
    assert_eq!(router.peer_connected(T0, 1, IN), Ok(()));
    assert_eq!(router.peer_count(), 2);
}

#[test]
fn a_loop_is_a_loop_even_from_a_peer_that_has_left() {
    // Found by the property test: checking the sender before the embargo
    // table fluffed without ending the embargo.
    let mut router = router(config(0), 2, 2, 17);
    let _ = router.stem_tx_received(T0, &100, tx(1));
    router.peer_disconnected(T0, &101);
    assert_eq!(
        router.stem_tx_received(T0, &101, tx(1)),
        Route::Fluff(FluffReason::Loop)
    );
    assert!(!router.is_embargoed(&tx(1)));
    let _ = router.stem_tx_received(T0, &100, tx(2));
    router.peer_disconnected(T0, &100);
    assert_eq!(router.stem_tx_received(T0, &100, tx(2)), Route::Duplicate);
    assert_eq!(
        router.stem_tx_received(T0, &100, tx(3)),
        Route::Fluff(FluffReason::UnknownPeer)
    );
}
