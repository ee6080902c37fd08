//! Properties of the address book under arbitrary operations: it never
//! holds more than its capacity, `select` only returns stored addresses of
//! the allowed networks, and the persisted form round-trips exactly.

use std::net::{Ipv4Addr, Ipv6Addr};

use proptest::prelude::*;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use veil_core::addrbook::{AddrBook, AddrBookConfig, Network, Networks};
use veil_core::message::{AddrEntry, NetAddress};
use veil_core::UnixTime;

const START: u64 = 1_700_000_000;

/// One thing that happens to the book.
#[derive(Clone, Debug)]
enum Op {
    /// A record from a peer: (network, address seed, source seed, age).
    Relay(u8, u32, u32, u32),
    Manual(u8, u32),
    /// On the address added `n`-th before (modulo), if any.
    Attempt(usize),
    Good(usize),
    Connected(usize),
    /// Let time pass, up to ~10 days.
    Wait(u32),
}

fn address(network: u8, seed: u32) -> NetAddress {
    let s = seed.to_be_bytes();
    match network % 4 {
        0 => NetAddress::Ipv4(Ipv4Addr::from(seed)),
        1 => NetAddress::Ipv6(Ipv6Addr::from([
            0x2a00 | u16::from(s[0]),
            u16::from(s[1]),
            u16::from_be_bytes([s[2], s[3]]),
            0,
            0,
            0,
            0,
            1,
        ])),
        2 => NetAddress::TorV3([s[0], s[1], s[2], s[3]].repeat(8).try_into().unwrap()),
        _ => NetAddress::I2p([s[3], s[2], s[1], s[0]].repeat(8).try_into().unwrap()),
    }
}

fn op() -> impl Strategy<Value = Op> {
    // Seeds drawn from small ranges make groups, sources and slots collide.
    let seed = prop_oneof![0u32..64, any::<u32>()];
    prop_oneof![
        4 => (0u8..4, seed.clone(), seed.clone(), 0u32..3_000_000)
            .prop_map(|(n, a, s, age)| Op::Relay(n, a, s, age)),
        2 => (0u8..4, seed).prop_map(|(n, a)| Op::Manual(n, a)),
        1 => any::<usize>().prop_map(Op::Attempt),
        2 => any::<usize>().prop_map(Op::Good),
        1 => any::<usize>().prop_map(Op::Connected),
        1 => (0u32..900_000).prop_map(Op::Wait),
    ]
}

fn config() -> impl Strategy<Value = AddrBookConfig> {
    (1usize..6, 1usize..5, 1usize..4, 1usize..4).prop_map(|(nb, ns, tb, ts)| AddrBookConfig {
        new_buckets: nb,
        new_bucket_size: ns,
        tried_buckets: tb,
        tried_bucket_size: ts,
        new_buckets_per_source_group: nb.min(2),
        tried_buckets_per_group: 1,
        ..AddrBookConfig::default()
    })
}

/// Runs `ops`, checking the bounds after each; returns the book and time.
fn run(config: AddrBookConfig, key: [u8; 32], ops: &[Op]) -> (AddrBook, UnixTime) {
    let mut book = AddrBook::with_key(config, key).unwrap();
    let mut now = START;
    let mut known: Vec<(NetAddress, u16)> = Vec::new();
    for op in ops {
        let t = UnixTime::from_secs(now);
        let pick = |n: usize| known.get(n % known.len().max(1)).cloned();
        match *op {
            Op::Relay(network, seed, source, age) => {
                let record = AddrEntry {
                    time: UnixTime::from_secs(now.saturating_sub(u64::from(age))),
                    features: seed & 7,
                    address: address(network, seed),
                    port: 8333,
                };
                let source = address(0, source);
                if book.add(&record, &source, t).is_ok() {
                    known.push((record.address, 8333));
                }
            }
            Op::Manual(network, seed) => {
                let a = address(network, seed);
                if book.add_manual(&a, 9333, 1, t).is_ok() {
                    known.push((a, 9333));
                }
            }
            Op::Attempt(n) => {
                if let Some((a, p)) = pick(n) {
                    book.attempt(&a, p, t);
                }
            }
            Op::Good(n) => {
                if let Some((a, p)) = pick(n) {
                    book.good(&a, p, t);
                }
            }
            Op::Connected(n) => {
                if let Some((a, p)) = pick(n) {
                    book.connected(&a, p, t);
                }
            }
            Op::Wait(secs) => now += u64::from(secs),
        }
        let new_slots = config.new_buckets * config.new_bucket_size;
        let tried_slots = config.tried_buckets * config.tried_bucket_size;
        assert!(
            book.new_len() <= new_slots,
            "{} > {new_slots}",
            book.new_len()
        );
        assert!(book.tried_len() <= tried_slots);
        assert!(book.len() <= book.capacity());
        assert_eq!(book.len(), book.new_len() + book.tried_len());
        assert_eq!(book.iter().count(), book.len());
        assert_eq!(book.iter().filter(|i| i.in_tried).count(), book.tried_len());
    }
    (book, UnixTime::from_secs(now))
}

fn networks() -> impl Strategy<Value = Networks> {
    (0u8..16).prop_map(|mask| {
        Network::ALL
            .iter()
            .enumerate()
            .filter(|(i, _)| mask & (1 << i) != 0)
            .fold(Networks::NONE, |set, (_, n)| set.with(*n))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn size_never_exceeds_capacity(
        config in config(),
        key in any::<[u8; 32]>(),
        ops in prop::collection::vec(op(), 0..300),
    ) {
        run(config, key, &ops);
    }

    #[test]
    fn select_returns_stored_addresses_of_allowed_networks(
        key in any::<[u8; 32]>(),
        ops in prop::collection::vec(op(), 0..200),
        reachable in networks(),
        seed in any::<u64>(),
    ) {
        let (book, now) = run(AddrBookConfig::default(), key, &ops);
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let any_allowed = book.iter().any(|i| reachable.contains(i.network()));
        for _ in 0..20 {
            match book.select(now, reachable, &mut rng) {
                Some(info) => {
                    prop_assert!(reachable.contains(info.network()));
                    prop_assert_eq!(book.get(&info.address, info.port), Some(info));
                }
                None => prop_assert!(!any_allowed),
            }
        }
    }

    #[test]
    fn persisted_books_round_trip(
        config in config(),
        key in any::<[u8; 32]>(),
        ops in prop::collection::vec(op(), 0..300),
    ) {
        let (book, _) = run(config, key, &ops);
        let bytes = book.to_bytes();
        let loaded = AddrBook::from_bytes(&bytes, config).unwrap();
        prop_assert_eq!(loaded.iter().collect::<Vec<_>>(), book.iter().collect::<Vec<_>>());
        prop_assert_eq!((loaded.new_len(), loaded.tried_len()), (book.new_len(), book.tried_len()));
        prop_assert_eq!(loaded.to_bytes(), bytes);
    }

    #[test]
    fn damaged_files_are_refused_without_panicking(
        key in any::<[u8; 32]>(),
        ops in prop::collection::vec(op(), 0..50),
        at in any::<prop::sample::Index>(),
        xor in 1u8..,
        cut in any::<prop::sample::Index>(),
    ) {
        let (book, _) = run(AddrBookConfig::default(), key, &ops);
        let bytes = book.to_bytes();
        let mut flipped = bytes.clone();
        flipped[at.index(bytes.len())] ^= xor;
        prop_assert!(AddrBook::from_bytes(&flipped, AddrBookConfig::default()).is_err());
        let short = &bytes[..cut.index(bytes.len())];
        prop_assert!(AddrBook::from_bytes(short, AddrBookConfig::default()).is_err());
    }
}
