//! The address book's harness: loading a persisted book from arbitrary
//! bytes.

use alloc::string::ToString;
use alloc::vec::Vec;

use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use sha2::{Digest, Sha256};

use crate::addrbook::{AddrBook, AddrBookConfig, NetGroup, Networks};
use crate::UnixTime;

/// The harness's wall clock.
const NOW: UnixTime = UnixTime::from_secs(1_700_000_000);

/// Loads `data` as a persisted address book, twice: as it is (so genuine
/// files and damaged ones are tried) and with a correct SHA-256 trailer
/// appended (so the fuzzer gets past the checksum into the entries). Each
/// is loaded into the default tables and into small ones (where entries
/// collide and some are dropped), and it checks that:
/// - a refusal is a [`LoadError`](crate::addrbook::LoadError) whose message
///   is not empty, never a panic;
/// - a loaded book holds at most its capacity, only routable addresses,
///   and counts its tables consistently;
/// - a loaded book written out again loads to the same bytes;
/// - `select` on it returns stored addresses, and `getaddr` no more than
///   the configured share.
///
/// # Example
///
/// ```
/// veil_core::fuzz_harness::addrbook_load(b"VEILADDR\x01");
/// ```
pub fn addrbook_load(data: &[u8]) {
    let mut sealed = Vec::with_capacity(data.len() + 32);
    sealed.extend_from_slice(data);
    sealed.extend_from_slice(&Sha256::digest(data));
    let small = AddrBookConfig {
        new_buckets: 4,
        new_bucket_size: 4,
        tried_buckets: 2,
        tried_bucket_size: 4,
        new_buckets_per_source_group: 2,
        tried_buckets_per_group: 1,
        ..AddrBookConfig::default()
    };
    for bytes in [data, &sealed[..]] {
        for config in [AddrBookConfig::default(), small] {
            load(bytes, config);
        }
    }
}

fn load(bytes: &[u8], config: AddrBookConfig) {
    let mut book = match AddrBook::from_bytes(bytes, config) {
        Ok(book) => book,
        Err(error) => {
            assert!(!error.to_string().is_empty());
            return;
        }
    };
    assert!(book.len() <= config.capacity());
    assert_eq!(book.len(), book.new_len() + book.tried_len());
    assert_eq!(book.iter().count(), book.len());
    assert!(book.iter().all(|i| NetGroup::of(&i.address).is_routable()));

    let written = book.to_bytes();
    let again = AddrBook::from_bytes(&written, config).expect("a written book loads");
    assert_eq!(again.to_bytes(), written, "round trip changed the book");

    let mut rng = ChaCha20Rng::seed_from_u64(bytes.len() as u64);
    for _ in 0..4 {
        match book.select(NOW, Networks::ALL, &mut rng) {
            Some(info) => assert_eq!(book.get(&info.address, info.port), Some(info)),
            None => assert!(book.is_empty()),
        }
    }
    let most = book.len() * usize::from(config.getaddr_max_percent) / 100;
    assert!(book.getaddr(NOW, &mut rng).len() <= most);
}
