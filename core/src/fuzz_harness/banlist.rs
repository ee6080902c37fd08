//! The ban list file's harness: loading arbitrary bytes as a persisted list.

use alloc::string::ToString;
use alloc::vec::Vec;

use sha2::{Digest, Sha256};

use crate::peering::{BanList, BanListError, BanPolicy};
use crate::time::UnixTime;

/// Record bounds of the harness's policies, picked by bits 1-2 of byte 0.
const BOUNDS: [(usize, usize); 4] = [(0, 0), (3, 2), (40, 40), (4096, 1024)];

/// Loads `data` as a ban list file and checks that:
/// - a file longer than [`BanList::max_file_len`] is refused as
///   [`BanListError::TooLarge`], and no error has an empty message;
/// - a loaded list holds no more records than the policy allows, has the
///   exact length its counts announce, and writes back the same bytes (one
///   encoding per list);
/// - every loaded record is consistent (expiry not before start; a peer's
///   standing at least as grave as its own live record), and expiring
///   records at any time leaves a list that round-trips too.
///
/// The input: byte 0 holds, in bit 0, whether the harness replaces the
/// last 32 bytes with the SHA-256 of the rest (so that mutations reach the
/// record checks), and in bits 1-2 the policy's bounds (0/0, 3/2, 40/40 or
/// the defaults 4096/1024 peer/netgroup records). The rest is the file.
///
/// # Example
///
/// ```
/// use veil_core::peering::{BanList, BanPolicy};
///
/// let mut data = vec![0x06];
/// data.extend(BanList::new(BanPolicy::default()).to_bytes());
/// veil_core::fuzz_harness::banlist_load(&data);
/// veil_core::fuzz_harness::banlist_load(&[0x01, 1, 2, 3]);
/// ```
pub fn banlist_load(data: &[u8]) {
    let [control, ref file @ ..] = *data else {
        return;
    };
    let (max_peers, max_netgroups) = BOUNDS[usize::from((control >> 1) & 3)];
    let policy = BanPolicy {
        max_peers,
        max_netgroups,
        ..BanPolicy::default()
    };
    let mut file: Vec<u8> = file.to_vec();
    if control & 1 != 0 && file.len() >= 32 {
        let body = file.len() - 32;
        let checksum = Sha256::digest(&file[..body]);
        file[body..].copy_from_slice(&checksum);
    }

    let max = BanList::max_file_len(&policy);
    let list = match BanList::from_bytes(&file, policy) {
        Ok(list) => list,
        Err(error) => {
            assert!(!error.to_string().is_empty());
            if file.len() > max {
                assert_eq!(
                    error,
                    BanListError::TooLarge {
                        len: file.len(),
                        max
                    }
                );
            }
            return;
        }
    };
    assert!(file.len() <= max);
    assert!(list.len() <= max_peers && list.netgroup_len() <= max_netgroups);
    assert_eq!(
        file.len(),
        17 + 57 * list.len() + 25 * list.netgroup_len() + 32
    );
    assert_eq!(list.to_bytes(), file);

    let mut probes = Vec::new();
    for (peer, netgroup, record) in list.peer_records() {
        assert!(record.since <= record.until);
        probes.push(record.since);
        let standing = list
            .standing(&peer, netgroup, record.since)
            .map(|r| (r.level(), r.until));
        if record.is_live(record.since) {
            assert!(standing >= Some((record.level(), record.until)));
        }
    }
    for (_, record) in list.netgroup_records() {
        assert!(record.since <= record.until);
        probes.push(record.until);
    }
    probes.push(UnixTime::EPOCH);
    for now in probes.into_iter().take(8) {
        let mut expired = list.clone();
        let before = expired.len() + expired.netgroup_len();
        let dropped = expired.expire(now);
        assert_eq!(expired.len() + expired.netgroup_len() + dropped, before);
        let again = BanList::from_bytes(&expired.to_bytes(), policy).expect("a written list loads");
        assert_eq!(again.to_bytes(), expired.to_bytes());
    }
}
