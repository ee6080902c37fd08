use alloc::vec::Vec;

use proptest::prelude::*;

use super::*;
use crate::identity::Identity;
use crate::peering::BanListError;

fn key(i: u8) -> PeerId {
    Identity::from_secret_bytes([i; 32]).peer_id()
}

fn t(secs: u64) -> UnixTime {
    UnixTime::from_secs(secs)
}

const DAY: u64 = 24 * 60 * 60;

fn recorded(p: Punishment) -> (Record, Option<Record>) {
    match p {
        Punishment::Recorded { peer, netgroup } => (peer, netgroup),
        Punishment::Spared(why) => panic!("spared: {why}"),
    }
}

#[test]
fn close_and_drop_are_not_punished() {
    let mut bans = BanList::new(BanPolicy::default());
    for c in [Consequence::DropMessage, Consequence::Close] {
        assert_eq!(
            bans.punish(key(1), 1, c, false, t(0)),
            Punishment::Spared(Spared::NotPunishable(c))
        );
    }
    assert!(bans.is_empty());
}

#[test]
fn manual_and_allow_listed_peers_are_spared() {
    let mut bans = BanList::new(BanPolicy::default());
    assert_eq!(
        bans.punish(key(1), 1, Consequence::Ban, true, t(0)),
        Punishment::Spared(Spared::Manual)
    );
    bans.allow(key(2));
    assert_eq!(
        bans.punish(key(2), 1, Consequence::Ban, false, t(0)),
        Punishment::Spared(Spared::AllowListed)
    );
    assert!(bans.is_empty());
}

#[test]
fn records_escalate_and_never_soften() {
    let mut bans = BanList::new(BanPolicy::default());
    let (first, _) = recorded(bans.punish(key(1), 1, Consequence::Discourage, false, t(100)));
    assert_eq!((first.rule, first.until), (Rule::Discourage, t(100 + DAY)));
    let (ban, _) = recorded(bans.punish(key(1), 1, Consequence::Ban, false, t(200)));
    assert_eq!((ban.rule, ban.until), (Rule::Ban, t(200 + DAY)));
    let (still, _) = recorded(bans.punish(key(1), 1, Consequence::Discourage, false, t(300)));
    assert_eq!((still.rule, still.until), (Rule::Ban, t(300 + DAY)));
    assert_eq!(bans.standing(&key(1), 1, t(300)), Some(still));
    // Once the ban expired, a discouragement starts afresh.
    let later = t(300 + DAY);
    let (fresh, _) = recorded(bans.punish(key(1), 1, Consequence::Discourage, false, later));
    assert_eq!(fresh.rule, Rule::Discourage);
}

#[test]
fn netgroup_needs_distinct_offenders() {
    let mut bans = BanList::new(BanPolicy::default());
    for _ in 0..5 {
        let (_, group) = recorded(bans.punish(key(1), 9, Consequence::Ban, false, t(0)));
        assert_eq!(group, None);
    }
    recorded(bans.punish(key(2), 9, Consequence::Discourage, false, t(0)));
    assert_eq!(bans.standing(&key(5), 9, t(0)), None);
    let (_, group) = recorded(bans.punish(key(3), 9, Consequence::Discourage, false, t(10)));
    let group = group.unwrap();
    assert_eq!(
        (group.rule, group.level(), group.until),
        (Rule::NetgroupOffenders, Level::Discouraged, t(10 + DAY))
    );
    // A fresh key in the netgroup is caught; elsewhere it is not; an
    // allow-listed one never is.
    assert_eq!(bans.standing(&key(5), 9, t(10)), Some(group));
    assert_eq!(bans.standing(&key(5), 8, t(10)), None);
    bans.allow(key(6));
    assert_eq!(bans.standing(&key(6), 9, t(10)), None);
    // A banned member's own record is graver than the netgroup's.
    assert_eq!(
        bans.standing(&key(1), 9, t(10)).unwrap().level(),
        Level::Banned
    );
    assert_eq!(bans.unban_netgroup(9), Some(group));
    assert_eq!(bans.standing(&key(5), 9, t(10)), None);
}

#[test]
fn expired_offenders_do_not_count() {
    let policy = BanPolicy {
        discourage_duration: Duration::from_secs(100),
        ..BanPolicy::default()
    };
    let mut bans = BanList::new(policy);
    recorded(bans.punish(key(1), 9, Consequence::Discourage, false, t(0)));
    recorded(bans.punish(key(2), 9, Consequence::Discourage, false, t(50)));
    let (_, group) = recorded(bans.punish(key(3), 9, Consequence::Discourage, false, t(100)));
    assert_eq!(group, None);
}

#[test]
fn expiry_and_unban() {
    let mut bans = BanList::new(BanPolicy::default());
    let record = bans.ban(key(1), 1, Some(Duration::from_secs(60)), t(1_000));
    assert!(bans.standing(&key(1), 1, t(1_059)).is_some());
    assert_eq!(bans.standing(&key(1), 1, t(1_060)), None);
    assert_eq!(bans.expire(t(1_059)), 0);
    assert_eq!(bans.expire(t(1_060)), 1);
    bans.ban(key(1), 1, None, t(0));
    assert_eq!(bans.unban(&key(1)).map(|r| r.rule), Some(Rule::Operator));
    assert_eq!(bans.unban(&key(1)), None);
    assert_eq!(record.rule, Rule::Operator);
}

#[test]
fn bounded_oldest_first_and_counted() {
    let policy = BanPolicy {
        max_peers: 3,
        max_netgroups: 1,
        netgroup_offenders: 2,
        ..BanPolicy::default()
    };
    let mut bans = BanList::new(policy);
    for i in 0..3u8 {
        bans.punish(
            key(i),
            u64::from(i),
            Consequence::Ban,
            false,
            t(u64::from(i)),
        );
    }
    bans.punish(key(9), 50, Consequence::Ban, false, t(10));
    assert_eq!(bans.len(), 3);
    assert_eq!(bans.evicted(), 1);
    assert_eq!(bans.peer_record(&key(0)), None);
    // Expired records make room without counting as evictions.
    let late = t(10 + DAY);
    bans.punish(key(10), 60, Consequence::Ban, false, late);
    assert_eq!((bans.len(), bans.evicted()), (1, 1));
}

#[test]
fn netgroup_records_are_bounded() {
    let policy = BanPolicy {
        max_netgroups: 1,
        netgroup_offenders: 2,
        ..BanPolicy::default()
    };
    let mut bans = BanList::new(policy);
    bans.punish(key(1), 60, Consequence::Ban, false, t(0));
    bans.punish(key(2), 60, Consequence::Ban, false, t(0));
    assert!(bans.netgroup_record(60).is_some());
    bans.punish(key(3), 70, Consequence::Ban, false, t(1));
    bans.punish(key(4), 70, Consequence::Ban, false, t(1));
    assert_eq!(bans.netgroup_len(), 1);
    assert!(bans.netgroup_record(70).is_some());
    assert_eq!(bans.evicted(), 1);
}

fn sample_list() -> BanList {
    let mut bans = BanList::new(BanPolicy::default());
    for i in 0..4u8 {
        bans.punish(key(i), 7, Consequence::Discourage, false, t(u64::from(i)));
    }
    bans.ban(key(9), 8, None, t(5));
    bans
}

#[test]
fn file_round_trip() {
    let bans = sample_list();
    let bytes = bans.to_bytes();
    assert_eq!(bytes.len(), 17 + 5 * 57 + 25 + 32);
    let loaded = BanList::from_bytes(&bytes, BanPolicy::default()).unwrap();
    assert_eq!(loaded, bans);
    assert_eq!(loaded.to_bytes(), bytes);
}

/// Replaces the checksum so that a change reaches the record checks.
fn resealed(mut bytes: Vec<u8>) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    let body = bytes.len() - 32;
    let checksum = Sha256::digest(&bytes[..body]);
    bytes[body..].copy_from_slice(&checksum);
    bytes
}

#[test]
fn file_errors_name_the_problem() {
    let policy = BanPolicy::default();
    let bytes = sample_list().to_bytes();
    let load = |b: &[u8]| BanList::from_bytes(b, policy).unwrap_err();

    assert_eq!(
        load(&bytes[..48]),
        BanListError::Truncated {
            len: 48,
            needed: 49
        }
    );
    let short = bytes.len() - 1;
    assert_eq!(
        load(&bytes[..short]),
        BanListError::Truncated {
            len: short,
            needed: bytes.len()
        }
    );
    let mut long = bytes.clone();
    long.push(0);
    assert_eq!(load(&long), BanListError::TrailingBytes { extra: 1 });
    let small = BanPolicy {
        max_peers: 2,
        max_netgroups: 1,
        ..policy
    };
    let max = BanList::max_file_len(&small);
    assert_eq!(
        BanList::from_bytes(&bytes, small),
        Err(BanListError::TooLarge {
            len: bytes.len(),
            max
        })
    );
    let few = BanPolicy {
        max_peers: 4,
        ..policy
    };
    assert_eq!(
        BanList::from_bytes(&bytes, few),
        Err(BanListError::TooManyPeers { count: 5, max: 4 })
    );
    let no_groups = BanPolicy {
        max_netgroups: 0,
        max_peers: 100,
        ..policy
    };
    assert_eq!(
        BanList::from_bytes(&bytes, no_groups),
        Err(BanListError::TooManyNetgroups { count: 1, max: 0 })
    );
    let with = |at: usize, value: u8| {
        let mut b = bytes.clone();
        b[at] = value;
        b
    };
    assert_eq!(load(&with(0, b'V')), BanListError::BadMagic);
    assert_eq!(
        load(&with(8, 2)),
        BanListError::UnsupportedVersion { version: 2 }
    );
    assert_eq!(
        load(&with(30, bytes[30] ^ 1)),
        BanListError::ChecksumMismatch
    );
    let huge = {
        let mut b = bytes.clone();
        b[9..13].copy_from_slice(&u32::MAX.to_le_bytes());
        b
    };
    assert_eq!(
        load(&huge),
        BanListError::TooManyPeers {
            count: u32::MAX,
            max: 4096
        }
    );

    // Record 1's fields: id at 74, netgroup at 106, rule at 114, since at
    // 115, until at 123.
    let mut bad_key = bytes.clone();
    bad_key[74..106].fill(0);
    // The all-zero key is a small-order point: refused.
    assert_eq!(
        load(&resealed(bad_key)),
        BanListError::InvalidPeerId { record: 1 }
    );
    assert_eq!(
        load(&resealed(with(114, 4))),
        BanListError::InvalidRule { record: 1, rule: 4 }
    );
    let netgroup_rule = 17 + 5 * 57 + 8;
    assert_eq!(
        load(&resealed(with(netgroup_rule, 2))),
        BanListError::InvalidRule { record: 5, rule: 2 }
    );
    assert_eq!(
        load(&resealed(with(115 + 7, 0xff))),
        BanListError::ExpiresBeforeStart { record: 1 }
    );
    let mut swapped = bytes.clone();
    let (first, second) = (bytes[17..74].to_vec(), bytes[74..131].to_vec());
    swapped[17..74].copy_from_slice(&second);
    swapped[74..131].copy_from_slice(&first);
    assert_eq!(
        load(&resealed(swapped)),
        BanListError::Unsorted { record: 1 }
    );
    for err in [BanListError::BadMagic, BanListError::Unsorted { record: 3 }] {
        assert!(!alloc::format!("{err}").is_empty());
    }
}

/// One operation on a list: (peer, netgroup, kind, seconds later).
type Op = (u8, u64, u8, u64);

fn apply(bans: &mut BanList, allowed: &[u8], op: Op, now: UnixTime) -> Option<Punishment> {
    let (peer, netgroup, kind, _) = op;
    match kind {
        0..=3 => {
            let c = [
                Consequence::DropMessage,
                Consequence::Close,
                Consequence::Discourage,
                Consequence::Ban,
            ][usize::from(kind)];
            Some(bans.punish(key(peer), netgroup, c, false, now))
        }
        4 => Some(bans.punish(key(peer), netgroup, Consequence::Ban, true, now)),
        5 if !allowed.contains(&peer) => {
            bans.ban(key(peer), netgroup, None, now);
            None
        }
        6 => {
            bans.unban(&key(peer));
            None
        }
        _ => {
            bans.expire(now);
            None
        }
    }
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    proptest::collection::vec((0..8u8, 0..3u64, 0..8u8, 0..(2 * DAY)), 0..40)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Allow-listed peers are never punished nor caught by a netgroup, and
    /// manual connections are never punished.
    #[test]
    fn allow_listed_and_manual_never_punished(ops in ops()) {
        let allowed = [0u8, 1];
        let mut bans = BanList::new(BanPolicy { netgroup_offenders: 2, ..BanPolicy::default() });
        for &peer in &allowed {
            bans.allow(key(peer));
        }
        let mut now = t(1_000_000);
        for op in ops {
            now = t(now.as_secs() + op.3);
            let result = apply(&mut bans, &allowed, op, now);
            if op.2 == 4 {
                prop_assert_eq!(result, Some(Punishment::Spared(Spared::Manual)));
            }
            for &peer in &allowed {
                for group in 0..3 {
                    prop_assert_eq!(bans.standing(&key(peer), group, now), None);
                }
                prop_assert_eq!(bans.peer_record(&key(peer)), None);
            }
        }
    }

    /// A standing is live exactly until its expiry, and every live record
    /// was written by a punishing rule with a non-empty span.
    #[test]
    fn standing_expires(ops in ops(), probe in 0..(3 * DAY)) {
        let mut bans = BanList::new(BanPolicy::default());
        let mut now = t(0);
        for op in ops {
            now = t(now.as_secs() + op.3);
            apply(&mut bans, &[], op, now);
        }
        let at = t(now.as_secs() + probe);
        for peer in 0..8 {
            for group in 0..3 {
                if let Some(record) = bans.standing(&key(peer), group, at) {
                    prop_assert!(record.since <= at && at < record.until);
                    prop_assert!(record.until.as_secs() - record.since.as_secs() <= DAY);
                }
            }
        }
        bans.expire(at);
        for peer in 0..8 {
            if let Some(record) = bans.peer_record(&key(peer)) {
                prop_assert!(record.is_live(at));
            }
        }
    }

    /// Any list survives its file format unchanged, byte for byte.
    #[test]
    fn file_round_trips(ops in ops()) {
        let mut bans = BanList::new(BanPolicy { max_peers: 5, max_netgroups: 2, ..BanPolicy::default() });
        let mut now = t(0);
        for op in ops {
            now = t(now.as_secs() + op.3);
            apply(&mut bans, &[], op, now);
        }
        let bytes = bans.to_bytes();
        let loaded = BanList::from_bytes(&bytes, *bans.policy()).unwrap();
        prop_assert_eq!(loaded.to_bytes(), bytes);
        for peer in 0..8 {
            prop_assert_eq!(loaded.peer_record(&key(peer)), bans.peer_record(&key(peer)));
            for group in 0..3 {
                prop_assert_eq!(loaded.standing(&key(peer), group, now), bans.standing(&key(peer), group, now));
            }
        }
    }
}
