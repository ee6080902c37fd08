//! Where an address goes: keyed hashes from groups to buckets to slots.
//!
//! NEW: `sub = H("new-sub", group, source group) mod new_buckets_per_source_group`,
//! `bucket = H("new", source group, sub) mod new_buckets`. However many
//! groups one source group sends, `sub` takes at most
//! `new_buckets_per_source_group` values, so its addresses reach at most
//! that many buckets. TRIED: `sub = H("tried-sub", address) mod
//! tried_buckets_per_group`, `bucket = H("tried", group, sub) mod
//! tried_buckets`: one group reaches at most `tried_buckets_per_group`
//! buckets. The slot inside a bucket is `H("slot", table, bucket, address)`.
//! Every `H` is keyed with the node's secret, so nobody else can aim at a
//! bucket or know which groups share one.

use super::config::AddrBookConfig;
use super::entry::AddrKey;
use super::netgroup::{keyed_hash, NetGroup};

/// The slot (bucket × size + position) of `address` in the NEW table when
/// heard from `source`.
pub(crate) fn new_slot(
    key: &[u8; 32],
    config: &AddrBookConfig,
    group: NetGroup,
    source: NetGroup,
    address: AddrKey,
) -> usize {
    let (group, source) = (group.encode(), source.encode());
    let sub = keyed_hash(key, b"new-sub", &[group.as_slice(), source.as_slice()])
        % config.new_buckets_per_source_group as u64;
    let bucket = keyed_hash(key, b"new", &[source.as_slice(), &sub.to_le_bytes()])
        % config.new_buckets as u64;
    slot_in(key, b"new", bucket, config.new_bucket_size, address)
}

/// The slot of `address` in the TRIED table.
pub(crate) fn tried_slot(
    key: &[u8; 32],
    config: &AddrBookConfig,
    group: NetGroup,
    address: AddrKey,
) -> usize {
    let sub = keyed_hash(key, b"tried-sub", &[&address.to_bytes()])
        % config.tried_buckets_per_group as u64;
    let bucket = keyed_hash(
        key,
        b"tried",
        &[group.encode().as_slice(), &sub.to_le_bytes()],
    ) % config.tried_buckets as u64;
    slot_in(key, b"tried", bucket, config.tried_bucket_size, address)
}

fn slot_in(key: &[u8; 32], table: &[u8], bucket: u64, size: usize, address: AddrKey) -> usize {
    let position = keyed_hash(
        key,
        b"slot",
        &[table, &bucket.to_le_bytes(), &address.to_bytes()],
    ) % size as u64;
    // Both factors are below the table's slot count, which fits a usize.
    bucket as usize * size + position as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::collections::BTreeSet;
    use core::net::Ipv4Addr;

    use crate::message::NetAddress;

    fn addr(i: u32) -> (NetGroup, AddrKey) {
        let address = NetAddress::Ipv4(Ipv4Addr::from(0x0800_0000 + i * 7919));
        (
            NetGroup::of(&address),
            AddrKey::new(&address, 8333).unwrap(),
        )
    }

    #[test]
    fn one_source_group_reaches_a_bounded_number_of_new_buckets() {
        let config = AddrBookConfig::default();
        let key = [9; 32];
        let source = NetGroup::Ipv4([1, 2]);
        let buckets: BTreeSet<usize> = (0..5_000)
            .map(|i| {
                let (group, address) = addr(i);
                new_slot(&key, &config, group, source, address) / config.new_bucket_size
            })
            .collect();
        assert!(buckets.len() <= config.new_buckets_per_source_group);
        // And it does use more than one (the bound is not trivially met).
        assert!(buckets.len() > 1);
    }

    #[test]
    fn one_group_reaches_a_bounded_number_of_tried_buckets() {
        let config = AddrBookConfig::default();
        let key = [9; 32];
        let group = NetGroup::Ipv4([8, 8]);
        let buckets: BTreeSet<usize> = (0..5_000u32)
            .map(|i| {
                let address = NetAddress::Ipv4(Ipv4Addr::from(0x0808_0000 + i));
                let k = AddrKey::new(&address, 8333).unwrap();
                tried_slot(&key, &config, group, k) / config.tried_bucket_size
            })
            .collect();
        assert!(buckets.len() <= config.tried_buckets_per_group);
        assert!(buckets.len() > 1);
    }

    #[test]
    fn placement_depends_on_the_key_and_stays_in_range() {
        let config = AddrBookConfig {
            new_buckets: 7,
            new_bucket_size: 3,
            tried_buckets: 5,
            tried_bucket_size: 2,
            new_buckets_per_source_group: 2,
            tried_buckets_per_group: 1,
            ..AddrBookConfig::default()
        };
        let mut differ = false;
        for i in 0..200 {
            let (group, address) = addr(i);
            let a = new_slot(&[1; 32], &config, group, group, address);
            let b = new_slot(&[2; 32], &config, group, group, address);
            assert!(a < 21 && b < 21);
            assert!(tried_slot(&[1; 32], &config, group, address) < 10);
            differ |= a != b;
        }
        assert!(differ);
    }
}
