//! Properties of the Dandelion++ router over random event sequences,
//! checked against a model of which transactions are under embargo: it
//! never panics, every deadline after `handle_timeout` is in the future,
//! relays and routes only ever name connected outbound Dandelion peers,
//! memory stays within its caps, and every embargoed transaction ends
//! either seen in fluff, fluffed as a loop, or fluffed by its embargo.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use veil_core::dandelion::{DandelionConfig, Event, FluffReason, PeerInfo, Route, Router, TxHash};
use veil_core::{Duration, Instant};

const MAX_EMBARGOED: usize = 6;
const MAX_PEERS: usize = 8;

#[derive(Clone, Debug)]
enum Op {
    Connect {
        peer: u8,
        info: PeerInfo,
    },
    Disconnect {
        peer: u8,
    },
    Stem {
        from: u8,
        tx: u8,
    },
    Local {
        tx: u8,
    },
    FluffSeen {
        tx: u8,
    },
    /// Move the clock on by this many milliseconds and handle timeouts.
    Advance {
        ms: u32,
    },
    /// Jump to the next deadline and handle it.
    ToDeadline,
}

fn op() -> impl Strategy<Value = Op> {
    let peer = 0u8..12;
    let tx = 0u8..16;
    prop_oneof![
        3 => (peer.clone(), any::<bool>(), any::<bool>()).prop_map(|(peer, outbound, dandelion)| {
            Op::Connect { peer, info: PeerInfo { outbound, supports_dandelion: dandelion } }
        }),
        1 => peer.clone().prop_map(|peer| Op::Disconnect { peer }),
        4 => (peer, tx.clone()).prop_map(|(from, tx)| Op::Stem { from, tx }),
        2 => tx.clone().prop_map(|tx| Op::Local { tx }),
        2 => tx.prop_map(|tx| Op::FluffSeen { tx }),
        2 => (0u32..20_000).prop_map(|ms| Op::Advance { ms }),
        1 => Just(Op::ToDeadline),
    ]
}

fn hash(tx: u8) -> TxHash {
    [tx; 32]
}

/// The router under test and what it must agree with.
struct Harness {
    router: Router<u8>,
    now: Instant,
    peers: BTreeMap<u8, PeerInfo>,
    /// Transactions whose embargo runs.
    embargoed: BTreeSet<TxHash>,
    config: DandelionConfig,
}

impl Harness {
    fn new(fluff_permille: u16, seed: u64) -> Self {
        let config = DandelionConfig {
            fluff_permille,
            epoch_min: Duration::from_secs(5),
            epoch_jitter: Duration::from_secs(2),
            embargo_min: Duration::from_secs(1),
            embargo_mean_extra: Duration::from_secs(2),
            max_embargoed: MAX_EMBARGOED,
            max_peers: MAX_PEERS,
            ..DandelionConfig::default()
        };
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let router = Router::new(config.clone(), Instant::ZERO, &mut rng).unwrap();
        let mut harness = Harness {
            router,
            now: Instant::ZERO,
            peers: BTreeMap::new(),
            embargoed: BTreeSet::new(),
            config,
        };
        harness.drain();
        harness
    }

    fn apply(&mut self, op: &Op) {
        let now = self.now;
        match *op {
            Op::Connect { peer, info } => {
                let result = self.router.peer_connected(now, peer, info);
                let refused = !self.peers.contains_key(&peer) && self.peers.len() >= MAX_PEERS;
                assert_eq!(result.is_err(), refused);
                if !refused {
                    self.peers.insert(peer, info);
                }
            }
            Op::Disconnect { peer } => {
                self.router.peer_disconnected(now, &peer);
                self.peers.remove(&peer);
                assert_eq!(self.router.route_of(&peer), None);
            }
            Op::Stem { from, tx } => {
                let before = self.router.route_of(&from).copied();
                let route = self.router.stem_tx_received(now, &from, hash(tx));
                self.check_route(&route, hash(tx));
                if !self.peers.contains_key(&from) {
                    assert!(matches!(
                        route,
                        Route::Fluff(FluffReason::UnknownPeer | FluffReason::Loop)
                            | Route::Duplicate
                    ));
                }
                if let Route::Stem(to) = route {
                    assert_ne!(to, from, "never back to the sender");
                    assert_eq!(self.router.route_of(&from), Some(&to));
                    if let Some(before) = before {
                        assert_eq!(before, to, "one relay per source per epoch");
                    }
                }
            }
            Op::Local { tx } => {
                let route = self.router.local_tx(now, hash(tx));
                self.check_route(&route, hash(tx));
                if let Route::Stem(to) = route {
                    assert_eq!(self.router.own_relay(), Some(&to));
                }
            }
            Op::FluffSeen { tx } => {
                let ended = self.router.fluff_tx_seen(now, &hash(tx));
                assert_eq!(ended, self.embargoed.remove(&hash(tx)));
            }
            Op::Advance { ms } => {
                self.now = now + Duration::from_millis(ms.into());
                self.timeout();
            }
            Op::ToDeadline => {
                self.now = self.router.poll_timeout().0.max(now);
                self.timeout();
            }
        }
        self.drain();
        self.check_invariants();
    }

    /// Compares a routing decision with the model and updates it.
    fn check_route(&mut self, route: &Route<u8>, tx: TxHash) {
        let was = self.embargoed.contains(&tx);
        match route {
            Route::Stem(to) => {
                assert!(!was, "stemmed twice");
                assert!(self.router.relays().contains(to));
                self.embargoed.insert(tx);
            }
            Route::Duplicate => assert!(was),
            Route::Fluff(FluffReason::Loop) => {
                assert!(was);
                self.embargoed.remove(&tx);
            }
            Route::Fluff(FluffReason::EmbargoFull { max }) => {
                assert!(!was);
                assert_eq!(*max, MAX_EMBARGOED);
                assert_eq!(self.embargoed.len(), MAX_EMBARGOED);
            }
            Route::Fluff(_) => assert!(!was),
        }
        assert_eq!(self.router.is_embargoed(&tx), self.embargoed.contains(&tx));
    }

    fn timeout(&mut self) {
        self.router.handle_timeout(self.now);
        assert!(
            self.router.poll_timeout().0 > self.now,
            "deadline not in the future"
        );
    }

    fn drain(&mut self) {
        while let Some(event) = self.router.poll_event() {
            match event {
                Event::EmbargoExpired { tx } => {
                    assert!(
                        self.embargoed.remove(&tx),
                        "expired twice or never embargoed"
                    );
                }
                Event::EpochStarted { relays, .. } => {
                    assert_eq!(relays, self.router.relays());
                }
            }
        }
    }

    fn check_invariants(&self) {
        let router = &self.router;
        assert_eq!(router.embargoed(), self.embargoed.len());
        assert!(router.embargo_slots_used() <= MAX_EMBARGOED);
        assert_eq!(router.peer_count(), self.peers.len());
        assert!(router.peer_count() <= MAX_PEERS);
        let candidates = self
            .peers
            .values()
            .filter(|info| info.is_stem_candidate())
            .count();
        let relays = router.relays();
        assert_eq!(relays.len(), candidates.min(self.config.stem_relays));
        let distinct: BTreeSet<_> = relays.iter().collect();
        assert_eq!(distinct.len(), relays.len());
        for relay in relays {
            assert!(self.peers[relay].is_stem_candidate());
        }
        match router.own_relay() {
            Some(own) => assert!(relays.contains(own)),
            None => assert!(relays.is_empty()),
        }
        for peer in self.peers.keys() {
            if let Some(to) = router.route_of(peer) {
                assert!(relays.contains(to) && to != peer);
            }
        }
        let (deadline, _) = router.poll_timeout();
        assert!(deadline <= router.epoch_end());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_event_sequences_keep_every_promise(
        fluff_permille in prop_oneof![Just(0u16), Just(1000u16), 0u16..=1000],
        seed in any::<u64>(),
        ops in prop::collection::vec(op(), 0..120),
    ) {
        let mut harness = Harness::new(fluff_permille, seed);
        for op in &ops {
            harness.apply(op);
        }
        // Long after the last embargo (1 s + 36.7 × 2 s): every stemmed
        // transaction was seen in fluff, fluffed as a loop, or expired.
        harness.now += Duration::from_secs(600);
        harness.timeout();
        harness.drain();
        prop_assert!(harness.embargoed.is_empty());
        prop_assert_eq!(harness.router.embargoed(), 0);
        prop_assert_eq!(harness.router.embargo_slots_used(), 0);
    }
}
