//! One test per rule of the book: adding, attempts, promotion, selection,
//! capacity (persistence is in `persist_tests.rs`).

use core::net::{Ipv4Addr, Ipv6Addr};

use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

use super::*;
use crate::message::{AddrEntry, NetAddress};
use crate::UnixTime;

pub(super) const NOW: u64 = 1_700_000_000;

pub(super) fn now() -> UnixTime {
    UnixTime::from_secs(NOW)
}

pub(super) fn v4(a: u8, b: u8, c: u8, d: u8) -> NetAddress {
    NetAddress::Ipv4(Ipv4Addr::new(a, b, c, d))
}

pub(super) fn book() -> AddrBook {
    AddrBook::with_key(AddrBookConfig::default(), [0x42; 32]).unwrap()
}

/// One bucket of one slot per table: every address collides.
pub(super) fn tiny_config() -> AddrBookConfig {
    AddrBookConfig {
        new_buckets: 1,
        new_bucket_size: 1,
        tried_buckets: 1,
        tried_bucket_size: 1,
        new_buckets_per_source_group: 1,
        tried_buckets_per_group: 1,
        ..AddrBookConfig::default()
    }
}

fn tiny() -> AddrBook {
    AddrBook::with_key(tiny_config(), [0x42; 32]).unwrap()
}

pub(super) fn record(address: NetAddress, time: u64) -> AddrEntry {
    AddrEntry {
        time: UnixTime::from_secs(time),
        features: 1,
        address,
        port: 8333,
    }
}

#[test]
fn refuses_unroutable_and_unknown_networks() {
    let mut b = book();
    assert_eq!(
        b.add_manual(&v4(127, 0, 0, 1), 1, 0, now()),
        Err(AddError::Unroutable)
    );
    assert_eq!(
        b.add_manual(&v4(10, 1, 2, 3), 1, 0, now()),
        Err(AddError::Unroutable)
    );
    let unknown = NetAddress::Unknown {
        network: 9,
        bytes: bytes::Bytes::from_static(&[1]),
    };
    assert_eq!(
        b.add_manual(&unknown, 1, 0, now()),
        Err(AddError::UnknownNetwork { network: 9 })
    );
    assert!(b.is_empty());
}

#[test]
fn ipv4_mapped_ipv6_is_the_same_entry() {
    let mut b = book();
    let mapped = NetAddress::Ipv6(Ipv6Addr::from([0, 0, 0, 0, 0, 0xffff, 0x0808, 0x0808]));
    assert_eq!(b.add_manual(&mapped, 1, 0, now()), Ok(AddOutcome::Added));
    assert_eq!(
        b.add_manual(&v4(8, 8, 8, 8), 1, 0, now()),
        Ok(AddOutcome::Updated)
    );
    assert_eq!(b.get(&mapped, 1).unwrap().address, v4(8, 8, 8, 8));
    assert_eq!(b.len(), 1);
}

#[test]
fn relayed_timestamps_are_penalised_and_sanitised() {
    let mut b = book();
    let peer = v4(9, 9, 9, 9);
    let seen = |b: &AddrBook, a: &NetAddress| b.get(a, 8333).unwrap().last_seen.as_secs();
    b.add(&record(v4(1, 1, 1, 1), NOW - 100), &peer, now())
        .unwrap();
    assert_eq!(seen(&b, &v4(1, 1, 1, 1)), NOW - 100 - 7200);
    // A self-announcement is not penalised.
    b.add(&record(peer.clone(), NOW), &peer, now()).unwrap();
    assert_eq!(seen(&b, &peer), NOW);
    // From the future or before 1973: five days old (then penalised).
    b.add(&record(v4(2, 2, 2, 2), NOW + 601), &peer, now())
        .unwrap();
    assert_eq!(seen(&b, &v4(2, 2, 2, 2)), NOW - 5 * 86_400 - 7200);
    b.add(&record(v4(3, 3, 3, 3), 5), &peer, now()).unwrap();
    assert_eq!(seen(&b, &v4(3, 3, 3, 3)), NOW - 5 * 86_400 - 7200);
    b.add(&record(v4(4, 4, 4, 4), NOW + 600), &peer, now())
        .unwrap();
    assert_eq!(seen(&b, &v4(4, 4, 4, 4)), NOW + 600 - 7200);
    assert_eq!(b.get(&peer, 8333).unwrap().source, NetGroup::Ipv4([9, 9]));
}

#[test]
fn re_adding_refreshes_features_and_time_but_never_goes_back() {
    let mut b = book();
    let a = v4(8, 8, 8, 8);
    b.add_manual(&a, 1, 0b01, now()).unwrap();
    let earlier = UnixTime::from_secs(NOW - 1000);
    assert_eq!(b.add_manual(&a, 1, 0b10, earlier), Ok(AddOutcome::Updated));
    let info = b.get(&a, 1).unwrap();
    assert_eq!((info.features, info.last_seen), (0b11, now()));
}

#[test]
fn a_newcomer_takes_only_a_terrible_slot() {
    let mut b = tiny();
    b.add_manual(&v4(1, 1, 1, 1), 1, 0, now()).unwrap();
    assert_eq!(
        b.add_manual(&v4(2, 2, 2, 2), 1, 0, now()),
        Err(AddError::SlotTaken)
    );
    assert!(b.get(&v4(1, 1, 1, 1), 1).is_some());
    // Later the occupant has become terrible: it gives way.
    let later = UnixTime::from_secs(NOW + HORIZON_SECS + 10);
    assert_eq!(
        b.add_manual(&v4(2, 2, 2, 2), 1, 0, later),
        Ok(AddOutcome::Added)
    );
    assert!(b.get(&v4(1, 1, 1, 1), 1).is_none());
    assert_eq!(b.len(), 1);
}

#[test]
fn failures_count_once_between_successes() {
    let mut b = book();
    let (a, c) = (v4(1, 1, 1, 1), v4(2, 2, 2, 2));
    b.add_manual(&a, 1, 0, now()).unwrap();
    b.add_manual(&c, 1, 0, now()).unwrap();
    assert!(!b.attempt(&v4(3, 3, 3, 3), 1, now()));
    for i in 0..5 {
        assert!(b.attempt(&a, 1, UnixTime::from_secs(NOW + i)));
    }
    // Offline: only the first failure counted.
    assert_eq!(b.get(&a, 1).unwrap().attempts, 1);
    b.attempt(&c, 1, UnixTime::from_secs(NOW + 10));
    b.good(&c, 1, UnixTime::from_secs(NOW + 20)).unwrap();
    b.attempt(&a, 1, UnixTime::from_secs(NOW + 30));
    assert_eq!(b.get(&a, 1).unwrap().attempts, 2);
    b.attempt(&a, 1, UnixTime::from_secs(NOW + 40));
    assert_eq!(b.get(&a, 1).unwrap().attempts, 2);
    assert_eq!(
        b.get(&a, 1).unwrap().last_attempt,
        Some(UnixTime::from_secs(NOW + 40))
    );
}

#[test]
fn good_moves_to_tried_and_keeps_a_recent_occupant() {
    let mut b = tiny();
    let (a, c) = (v4(1, 1, 1, 1), v4(2, 2, 2, 2));
    b.add_manual(&a, 1, 0, now()).unwrap();
    assert_eq!(
        b.good(&a, 1, now()),
        Some(GoodOutcome::Promoted { demoted: None })
    );
    b.add_manual(&c, 1, 0, now()).unwrap();
    let soon = UnixTime::from_secs(NOW + REPLACEMENT_SECS - 1);
    assert_eq!(
        b.good(&c, 1, soon),
        Some(GoodOutcome::Kept {
            occupant: (a.clone(), 1)
        })
    );
    assert!(b.get(&a, 1).unwrap().in_tried);
    let kept = b.get(&c, 1).unwrap();
    assert!(!kept.in_tried);
    assert_eq!(kept.last_success, Some(soon));
    assert_eq!(b.good(&v4(5, 5, 5, 5), 1, soon), None);
}

#[test]
fn good_demotes_a_stale_occupant_to_new() {
    let mut b = tiny();
    let (a, c) = (v4(1, 1, 1, 1), v4(2, 2, 2, 2));
    b.add_manual(&a, 1, 0, now()).unwrap();
    b.good(&a, 1, now()).unwrap();
    b.add_manual(&c, 1, 0, now()).unwrap();
    let later = UnixTime::from_secs(NOW + REPLACEMENT_SECS);
    assert_eq!(
        b.good(&c, 1, later),
        Some(GoodOutcome::Promoted {
            demoted: Some((a.clone(), 1))
        })
    );
    assert!(b.get(&c, 1).unwrap().in_tried);
    assert!(!b.get(&a, 1).unwrap().in_tried);
    assert_eq!((b.new_len(), b.tried_len()), (1, 1));
    assert_eq!(b.good(&c, 1, later), Some(GoodOutcome::AlreadyTried));
}

#[test]
fn connected_refreshes_last_seen_only_forward() {
    let mut b = book();
    let a = v4(1, 1, 1, 1);
    b.add_manual(&a, 1, 0, now()).unwrap();
    assert!(b.connected(&a, 1, UnixTime::from_secs(NOW - 50)));
    assert_eq!(b.get(&a, 1).unwrap().last_seen, now());
    assert!(!b.connected(&a, 2, now()));
}

#[test]
fn select_filters_networks_and_splits_tables() {
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let mut b = book();
    assert!(b.select(now(), Networks::ALL, &mut rng).is_none());
    b.add_manual(&v4(1, 1, 1, 1), 1, 0, now()).unwrap();
    b.add_manual(&v4(2, 2, 2, 2), 1, 0, now()).unwrap();
    b.good(&v4(2, 2, 2, 2), 1, UnixTime::from_secs(NOW - 3600))
        .unwrap();
    b.add_manual(&NetAddress::I2p([1; 32]), 0, 0, now())
        .unwrap();
    let mut tried = 0;
    for _ in 0..1_000 {
        let pick = b.select(now(), Networks::CLEARNET, &mut rng).unwrap();
        assert_eq!(pick.network(), Network::Ipv4);
        tried += usize::from(pick.in_tried);
    }
    assert!((400..600).contains(&tried), "{tried}");
    let i2p = Networks::NONE.with(Network::I2p);
    for _ in 0..20 {
        assert_eq!(
            b.select(now(), i2p, &mut rng).unwrap().network(),
            Network::I2p
        );
    }
    assert!(b
        .select(now(), Networks::NONE.with(Network::Onion), &mut rng)
        .is_none());
}

#[test]
fn select_favours_addresses_that_have_not_failed() {
    let mut rng = ChaCha20Rng::seed_from_u64(6);
    let mut b = book();
    let (fresh, failing) = (v4(1, 1, 1, 1), v4(2, 2, 2, 2));
    b.add_manual(&fresh, 1, 0, now()).unwrap();
    b.add_manual(&failing, 1, 0, now()).unwrap();
    // Eight counted failures, the last long ago: chance 0.66^8 ≈ 3.6%.
    for i in 0..8 {
        b.attempt(&failing, 1, UnixTime::from_secs(NOW - 10_000 + i * 100));
        b.good(&v4(9, 9, 9, 9), 1, now());
        b.last_good = Some(UnixTime::from_secs(NOW - 10_000 + i * 100 + 50));
    }
    assert_eq!(b.get(&failing, 1).unwrap().attempts, 8);
    let picks_failing = (0..2_000)
        .filter(|_| b.select(now(), Networks::ALL, &mut rng).unwrap().address == failing)
        .count();
    assert!(picks_failing < 300, "{picks_failing}");
}

#[test]
fn a_flood_never_grows_the_book_beyond_capacity() {
    let config = AddrBookConfig {
        new_buckets: 4,
        new_bucket_size: 4,
        tried_buckets: 2,
        tried_bucket_size: 2,
        new_buckets_per_source_group: 2,
        tried_buckets_per_group: 1,
        ..AddrBookConfig::default()
    };
    let mut b = AddrBook::with_key(config, [1; 32]).unwrap();
    for i in 0..5_000u32 {
        let address = NetAddress::Ipv4(Ipv4Addr::from(0x0100_0000 + i * 65_537));
        let source = NetAddress::Ipv4(Ipv4Addr::from(0x0200_0000 + (i % 50) * 65_536));
        let _ = b.add(&record(address.clone(), NOW), &source, now());
        if i % 3 == 0 {
            b.good(&address, 8333, now());
        }
        assert!(b.new_len() <= 16 && b.tried_len() <= 4);
        assert_eq!(b.len(), b.new_len() + b.tried_len());
    }
    assert_eq!(b.iter().count(), b.len());
}
