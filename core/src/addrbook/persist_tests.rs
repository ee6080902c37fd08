//! Persistence: round trips, and every way a file can be refused.

use alloc::vec;
use alloc::vec::Vec;
use core::net::Ipv4Addr;

use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use sha2::{Digest, Sha256};

use super::tests::{book, now, record, v4, NOW};
use super::*;
use crate::message::NetAddress;

/// Replaces the checksum of `body` (a file without its trailer).
fn seal(mut body: Vec<u8>) -> Vec<u8> {
    let sum = Sha256::digest(&body);
    body.extend_from_slice(&sum);
    body
}

fn body(bytes: &[u8]) -> Vec<u8> {
    bytes[..bytes.len() - 32].to_vec()
}

fn sample_book() -> AddrBook {
    let mut b = book();
    b.add_manual(&v4(8, 8, 8, 8), 8333, 1, now()).unwrap();
    b.add_manual(&NetAddress::TorV3([7; 32]), 9333, 2, now())
        .unwrap();
    b.add(&record(v4(1, 2, 3, 4), NOW), &v4(9, 9, 9, 9), now())
        .unwrap();
    b.attempt(&v4(1, 2, 3, 4), 8333, now());
    b.good(&v4(8, 8, 8, 8), 8333, now()).unwrap();
    b
}

fn load(bytes: &[u8]) -> Result<AddrBook, LoadError> {
    AddrBook::from_bytes(bytes, AddrBookConfig::default())
}

#[test]
fn round_trip_keeps_every_field_and_the_key() {
    let b = sample_book();
    let bytes = b.to_bytes();
    let loaded = load(&bytes).unwrap();
    assert_eq!(
        loaded.iter().collect::<Vec<_>>(),
        b.iter().collect::<Vec<_>>()
    );
    assert_eq!((loaded.new_len(), loaded.tried_len()), (2, 1));
    assert_eq!(loaded.last_good, b.last_good);
    assert_eq!(
        loaded.keyed_group(&v4(1, 1, 1, 1)),
        b.keyed_group(&v4(1, 1, 1, 1))
    );
    assert_eq!(loaded.to_bytes(), bytes);
}

#[test]
fn each_damaged_header_is_named() {
    let bytes = sample_book().to_bytes();
    assert_eq!(
        load(&bytes[..84]).unwrap_err(),
        LoadError::TooShort { len: 84, min: 85 }
    );
    let mut magic = bytes.clone();
    magic[0] = b'X';
    assert_eq!(load(&magic).unwrap_err(), LoadError::BadMagic);
    let mut version = bytes.clone();
    version[8] = 2;
    assert_eq!(
        load(&version).unwrap_err(),
        LoadError::UnsupportedVersion { version: 2 }
    );
    let mut flipped = bytes.clone();
    flipped[60] ^= 0x80;
    assert_eq!(load(&flipped).unwrap_err(), LoadError::Checksum);
    let bad_config = AddrBookConfig {
        tried_buckets: 0,
        ..AddrBookConfig::default()
    };
    assert_eq!(
        AddrBook::from_bytes(&bytes, bad_config).unwrap_err(),
        LoadError::Config(ConfigError::Zero {
            field: "tried_buckets"
        })
    );
}

#[test]
fn sizes_are_checked_against_the_loaders_capacity() {
    let small = super::tests::tiny_config();
    let mut b = book();
    for i in 1..=3 {
        b.add_manual(&v4(i, i, i, i), 1, 0, now()).unwrap();
    }
    let bytes = b.to_bytes();
    assert_eq!(
        AddrBook::from_bytes(&bytes, small).unwrap_err(),
        LoadError::TooManyEntries { count: 3, max: 2 }
    );
    let huge = vec![0u8; 85 + 2 * 73 + 1];
    assert_eq!(
        AddrBook::from_bytes(&huge, small).unwrap_err(),
        LoadError::TooLong { len: 232, max: 231 }
    );
}

#[test]
fn each_damaged_entry_is_named() {
    let bytes = sample_book().to_bytes();
    let b = body(&bytes);
    let first = 53; // the first entry: 1.2.3.4:8333 (address order)
    assert_eq!(b[first], 1);
    let cases: [(usize, u8, LoadError); 2] = [
        (
            first,
            3,
            LoadError::BadNetwork {
                entry: 0,
                network: 3,
            },
        ),
        (first + 1, 10, LoadError::Unroutable { entry: 0 }),
    ];
    for (at, value, expected) in cases {
        let mut damaged = b.clone();
        damaged[at] = value;
        assert_eq!(load(&seal(damaged)).unwrap_err(), expected);
    }
    // Entry layout: 1 + 4 + 2 + 4 + 24 + 4 = 39 bytes before the source group.
    let group = first + 39;
    assert_eq!(b[group], 2);
    let mut bad_group = b.clone();
    bad_group[group] = 9;
    assert_eq!(
        load(&seal(bad_group)).unwrap_err(),
        LoadError::BadSourceGroup { entry: 0 }
    );
    let mut bad_table = b.clone();
    bad_table[group + 3] = 7;
    assert_eq!(
        load(&seal(bad_table)).unwrap_err(),
        LoadError::BadTable { entry: 0, value: 7 }
    );
    let mut fewer = b.clone();
    fewer[49..53].copy_from_slice(&2u32.to_le_bytes());
    assert!(
        matches!(load(&seal(fewer)).unwrap_err(), LoadError::TrailingBytes { extra } if extra > 0)
    );
    let mut more = b.clone();
    more[49..53].copy_from_slice(&4u32.to_le_bytes());
    assert_eq!(
        load(&seal(more)).unwrap_err(),
        LoadError::Truncated { entry: 3 }
    );
    let entry_len = 39 + 3 + 1;
    let mut twice = b.clone();
    twice.extend_from_slice(&b[first..first + entry_len]);
    twice[49..53].copy_from_slice(&4u32.to_le_bytes());
    assert_eq!(
        load(&seal(twice)).unwrap_err(),
        LoadError::Duplicate { entry: 3 }
    );
    // Cut anywhere inside the entries: truncated, never a panic.
    for cut in first..b.len() {
        let err = load(&seal(b[..cut].to_vec())).unwrap_err();
        assert!(matches!(err, LoadError::Truncated { .. }), "{cut}: {err}");
    }
}

#[test]
fn a_smaller_loader_drops_colliding_entries() {
    let mut rng = ChaCha20Rng::seed_from_u64(9);
    let mut b = AddrBook::new(AddrBookConfig::default(), &mut rng).unwrap();
    for i in 0..200u32 {
        let _ = b.add_manual(
            &NetAddress::Ipv4(Ipv4Addr::from(0x0100_0000 + i * 65_536)),
            1,
            0,
            now(),
        );
    }
    let small = AddrBookConfig {
        new_buckets: 2,
        new_bucket_size: 8,
        new_buckets_per_source_group: 2,
        ..AddrBookConfig::default()
    };
    assert!(b.len() > 190);
    let loaded = AddrBook::from_bytes(&b.to_bytes(), small).unwrap();
    assert!(loaded.len() <= 16 && loaded.len() > 8);
    let fewer = AddrBookConfig {
        new_buckets: 16,
        new_bucket_size: 8,
        new_buckets_per_source_group: 16,
        ..AddrBookConfig::default()
    };
    let loaded = AddrBook::from_bytes(&b.to_bytes(), fewer).unwrap();
    assert!(loaded.len() <= 128 && loaded.len() > 50);
    assert!(loaded.iter().all(|i| b.get(&i.address, i.port) == Some(i)));
}
