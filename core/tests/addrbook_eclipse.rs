//! Eclipse resistance of the address book with its default configuration.
//!
//! The bound, from the design: all addresses an attacker sends from one
//! source group land in at most `new_buckets_per_source_group` (16) of the
//! 256 NEW buckets, so with `k` source groups it holds at most
//! `k × 16 × 64` NEW slots, `k/16` of the table, however many addresses it
//! sends; and its addresses from `k` groups hold at most `k × 4` of the 64
//! TRIED buckets, again `k/16` of the table. With three groups: 18.75%.

use std::collections::BTreeSet;
use std::net::Ipv4Addr;

use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use veil_core::addrbook::{AddrBook, AddrBookConfig, AddrInfo, NetGroup, Networks};
use veil_core::message::{AddrEntry, NetAddress};
use veil_core::UnixTime;

const NOW: u64 = 1_700_000_000;

fn at(secs: u64) -> UnixTime {
    UnixTime::from_secs(secs)
}

/// A routable IPv4 address with the given first two octets.
fn ip(a: u8, b: u8, rng: &mut ChaCha20Rng) -> NetAddress {
    let [c, d, ..] = rng.next_u32().to_le_bytes();
    NetAddress::Ipv4(Ipv4Addr::new(a, b, c, d.max(1)))
}

/// A random routable IPv4 address (first octet 1-9 or 11-99).
fn random_ip(rng: &mut ChaCha20Rng) -> NetAddress {
    let a = match (rng.next_u32() % 98) as u8 + 1 {
        10 => 99,
        a => a,
    };
    let b = rng.next_u32() as u8;
    ip(a, b, rng)
}

fn record(address: NetAddress, time: u64) -> AddrEntry {
    AddrEntry {
        time: at(time),
        features: 1,
        address,
        port: 8333,
    }
}

/// The attacker's source peers: three /16s in 150.x (no honest peer there).
fn attacker_sources() -> Vec<NetAddress> {
    (0..3)
        .map(|i| NetAddress::Ipv4(Ipv4Addr::new(150, i, 0, 1)))
        .collect()
}

fn honest_flood(book: &mut AddrBook, rng: &mut ChaCha20Rng) -> usize {
    let mut added = 0;
    for _ in 0..500 {
        let source = random_ip(rng);
        let records: Vec<_> = (0..100)
            .map(|_| record(random_ip(rng), NOW - 3600))
            .collect();
        added += book.add_from_peer(&records, &source, at(NOW)).added;
    }
    added
}

/// 15,000 addresses (5,000 per source group), spread over as many groups
/// as the attacker likes: it gains nothing by concentrating them.
fn attack(book: &mut AddrBook, rng: &mut ChaCha20Rng) -> Vec<NetAddress> {
    let mut sent = Vec::new();
    for source in attacker_sources() {
        for chunk in 0..5 {
            let records: Vec<_> = (0..1_000)
                .map(|i| {
                    let address = if chunk % 2 == 0 {
                        random_ip(rng)
                    } else {
                        ip(151, (i % 200) as u8, rng)
                    };
                    record(address, NOW)
                })
                .collect();
            book.add_from_peer(&records, &source, at(NOW));
            sent.extend(records.into_iter().map(|r| r.address));
        }
    }
    sent
}

fn is_attackers(info: &AddrInfo) -> bool {
    attacker_sources()
        .iter()
        .any(|s| NetGroup::of(s) == info.source)
}

fn new_share_bound(config: &AddrBookConfig, groups: usize) -> usize {
    groups * config.new_buckets_per_source_group * config.new_bucket_size
}

fn check_new_table(book: &AddrBook, rng: &mut ChaCha20Rng) {
    let config = *book.config();
    let attacker = book
        .iter()
        .filter(|i| !i.in_tried && is_attackers(i))
        .count();
    let bound = new_share_bound(&config, 3);
    assert_eq!(
        bound * 100 / (config.new_buckets * config.new_bucket_size),
        18
    );
    eprintln!(
        "attacker NEW slots: {attacker} of {} (bound {bound})",
        book.new_len()
    );
    assert!(
        attacker <= bound,
        "attacker holds {attacker} NEW slots, bound {bound}"
    );
    assert!(attacker > 0);
    // Picks follow buckets, so the attacker's share of dials is bounded
    // the same way (18.75% plus sampling noise).
    let picks = 4_000;
    let attacker_picks = (0..picks)
        .filter(|_| is_attackers(book.select(at(NOW), Networks::ALL, rng).unwrap()))
        .count();
    eprintln!("attacker dials: {attacker_picks} of {picks}");
    assert!(
        attacker_picks * 100 < picks * 23,
        "{attacker_picks} of {picks} dials to the attacker"
    );
}

#[test]
fn attacker_first_holds_a_bounded_share_of_new() {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let mut book = AddrBook::new(AddrBookConfig::default(), &mut rng).unwrap();
    attack(&mut book, &mut rng);
    let alone = book.len();
    assert!(alone <= new_share_bound(book.config(), 3));
    honest_flood(&mut book, &mut rng);
    assert!(book.len() > 2 * alone, "honest sources fill the rest");
    check_new_table(&book, &mut rng);
}

#[test]
fn attacker_after_honest_peers_evicts_nobody() {
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let mut book = AddrBook::new(AddrBookConfig::default(), &mut rng).unwrap();
    honest_flood(&mut book, &mut rng);
    let honest: BTreeSet<_> = book
        .iter()
        .map(|i| (i.address.to_bytes(), i.port))
        .collect();
    attack(&mut book, &mut rng);
    let after: BTreeSet<_> = book
        .iter()
        .filter(|i| !is_attackers(i))
        .map(|i| (i.address.to_bytes(), i.port))
        .collect();
    assert_eq!(after, honest, "fresh honest entries are never displaced");
    check_new_table(&book, &mut rng);
}

#[test]
fn attacker_groups_hold_a_bounded_share_of_tried() {
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let config = AddrBookConfig::default();
    let mut book = AddrBook::new(config, &mut rng).unwrap();
    // Honest nodes we connected to a day ago.
    for _ in 0..3_000 {
        let address = random_ip(&mut rng);
        if book.add_manual(&address, 8333, 1, at(NOW - 86_400)).is_ok() {
            book.good(&address, 8333, at(NOW - 86_400));
        }
    }
    let honest_tried = book.tried_len();
    assert!(honest_tried > 1_500);
    // The attacker runs 6,000 real nodes in three /16s; every one of them
    // gets heard of from many sources and connected to successfully.
    let groups = [[160, 0], [160, 1], [160, 2]];
    for i in 0..6_000u32 {
        let [a, b] = groups[(i % 3) as usize];
        let address = ip(a, b, &mut rng);
        let source = random_ip(&mut rng);
        let _ = book.add(&record(address.clone(), NOW), &source, at(NOW));
        book.good(&address, 8333, at(NOW));
    }
    let attacker_tried = book
        .iter()
        .filter(|i| i.in_tried && groups.iter().any(|g| i.group() == NetGroup::Ipv4(*g)))
        .count();
    let bound = 3 * config.tried_buckets_per_group * config.tried_bucket_size;
    assert_eq!(
        bound * 10_000 / (config.tried_buckets * config.tried_bucket_size),
        1875
    );
    eprintln!(
        "attacker TRIED slots: {attacker_tried} of {} (bound {bound})",
        book.tried_len()
    );
    assert!(attacker_tried <= bound, "{attacker_tried} > {bound}");
    assert!(attacker_tried > 0);
    assert!(book.tried_len() - attacker_tried >= honest_tried - bound);
}
