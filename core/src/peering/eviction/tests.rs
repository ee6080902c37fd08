use alloc::collections::BTreeSet;
use alloc::vec::Vec;

use proptest::prelude::*;

use super::*;

const NONE: EvictionConfig = EvictionConfig {
    netgroups: 0,
    low_ping: 0,
    recent_tx: 0,
    recent_other: 0,
};

fn at(ms: u64) -> Instant {
    Instant::from_millis(ms)
}

/// `n` peers of netgroup 1 connected at 100, 101, ... (ids 0..n), and the
/// target (id 1000) connected last in the same netgroup: without protection
/// it is the victim.
fn crowd_with_target(n: u32) -> Vec<Candidate<u32>> {
    let mut peers: Vec<_> = (0..n)
        .map(|i| Candidate::new(i, 1, at(100 + u64::from(i))))
        .collect();
    peers.push(Candidate::new(1000, 1, at(10_000)));
    peers
}

fn protection_of(eviction: &Eviction<u32>, id: u32) -> Option<Protection> {
    eviction
        .protected
        .iter()
        .find(|(k, _)| *k == id)
        .map(|&(_, why)| why)
}

#[test]
fn target_is_victim_without_protection() {
    let eviction = select_victim(&crowd_with_target(10), &NONE);
    assert_eq!(eviction.victim.unwrap().id, 1000);
}

#[test]
fn exempt_peers_are_never_evicted() {
    for exemption in [
        Exemption::Manual,
        Exemption::Persistent,
        Exemption::Pinned,
        Exemption::NoBan,
        Exemption::Newcomer,
    ] {
        let mut peers = crowd_with_target(10);
        for peer in &mut peers {
            peer.discouraged = true;
        }
        peers[10].exemption = Some(exemption);
        let eviction = select_victim(&peers, &NONE);
        assert_ne!(eviction.victim.as_ref().unwrap().id, 1000);
        assert_eq!(
            protection_of(&eviction, 1000),
            Some(Protection::Exempt(exemption))
        );
    }
    let mut alone = Candidate::new(1u32, 1, at(0));
    alone.exemption = Some(Exemption::Pinned);
    assert_eq!(select_victim(&[alone], &NONE).victim, None);
}

#[test]
fn netgroup_rule_protects_one_peer_per_distinct_netgroup() {
    // Netgroups 10..=15 with two peers each: the four highest netgroups
    // each keep their older member.
    let peers: Vec<_> = (0..12u32)
        .map(|i| Candidate::new(i, 10 + u64::from(i / 2), at(u64::from(i))))
        .collect();
    let config = EvictionConfig {
        netgroups: 4,
        ..NONE
    };
    let eviction = select_victim(&peers, &config);
    let by_netgroup: Vec<u32> = eviction
        .protected
        .iter()
        .filter(|(_, why)| *why == Protection::Netgroup)
        .map(|&(id, _)| id)
        .collect();
    assert_eq!(by_netgroup, [4, 6, 8, 10]);
}

#[test]
fn low_ping_rule_protects() {
    let mut peers = crowd_with_target(20);
    for (i, peer) in peers.iter_mut().enumerate() {
        peer.min_ping = Some(Duration::from_millis(100 + i as u64));
    }
    peers[20].min_ping = Some(Duration::from_millis(1));
    peers[3].min_ping = None;
    let config = EvictionConfig {
        low_ping: 1,
        ..NONE
    };
    let eviction = select_victim(&peers, &config);
    assert_eq!(protection_of(&eviction, 1000), Some(Protection::LowPing));
    assert_ne!(eviction.victim.as_ref().unwrap().id, 1000);
}

#[test]
fn recent_message_rules_protect() {
    for (tx, why) in [
        (true, Protection::RecentTx),
        (false, Protection::RecentOther),
    ] {
        let mut peers = crowd_with_target(20);
        for peer in &mut peers[..5] {
            peer.last_tx = Some(at(50));
            peer.last_other = Some(at(50));
        }
        if tx {
            peers[20].last_tx = Some(at(20_000));
        } else {
            peers[20].last_other = Some(at(20_000));
        }
        let config = EvictionConfig {
            recent_tx: 1,
            recent_other: 1,
            ..NONE
        };
        let eviction = select_victim(&peers, &config);
        assert_eq!(protection_of(&eviction, 1000), Some(why));
        assert_ne!(eviction.victim.as_ref().unwrap().id, 1000);
    }
}

#[test]
fn peers_without_measurements_win_no_measured_category() {
    let peers = crowd_with_target(3);
    let eviction = select_victim(&peers, &EvictionConfig::default());
    // Three netgroup-less categories had nothing to measure; only the
    // netgroup rule (one netgroup) and uptime (half of 3) protect.
    let reasons: Vec<Protection> = eviction.protected.iter().map(|&(_, w)| w).collect();
    assert_eq!(reasons, [Protection::Netgroup, Protection::Uptime]);
}

#[test]
fn disadvantaged_network_gets_uptime_share() {
    let mut peers = crowd_with_target(20);
    peers[20].network = Network::Onion;
    let eviction = select_victim(&peers, &NONE);
    assert_eq!(
        protection_of(&eviction, 1000),
        Some(Protection::Network(Network::Onion))
    );
    // 21 candidates: 10 protected, 5 of them by network share (only one
    // onion peer exists), the other 9 by uptime, oldest first.
    let uptime: Vec<u32> = eviction
        .protected
        .iter()
        .filter(|(_, why)| *why == Protection::Uptime)
        .map(|&(id, _)| id)
        .collect();
    assert_eq!(uptime, (0..9).collect::<Vec<_>>());
}

#[test]
fn network_share_favours_the_rarest_network() {
    // 40 clearnet, 10 onion, 1 i2p: 25 protected, network share 12: the
    // i2p peer first, then onion peers.
    let mut peers: Vec<_> = (0..51u32)
        .map(|i| Candidate::new(i, u64::from(i), at(u64::from(i))))
        .collect();
    for peer in &mut peers[40..50] {
        peer.network = Network::Onion;
    }
    peers[50].network = Network::I2p;
    let eviction = select_victim(&peers, &NONE);
    let count = |why| eviction.protected.iter().filter(|(_, w)| *w == why).count();
    assert_eq!(count(Protection::Network(Network::I2p)), 1);
    assert_eq!(count(Protection::Network(Network::Onion)), 10);
    assert_eq!(count(Protection::Uptime), 25 - 11);
}

#[test]
fn discouraged_peers_go_first() {
    let mut peers = crowd_with_target(10);
    let mut bad = Candidate::new(500, 77, at(9_000));
    bad.discouraged = true;
    peers.push(bad);
    let victim = select_victim(&peers, &NONE).victim.unwrap();
    assert_eq!(victim.id, 500);
    assert_eq!(victim.rule, EvictionRule::Discouraged);
    assert_eq!(victim.netgroup_size, 1);
}

#[test]
fn netgroup_tie_goes_to_the_youngest_member() {
    // Four old peers take the uptime protection (half of eight).
    let mut peers: Vec<_> = (10..14u32)
        .map(|i| Candidate::new(i, u64::from(i) * 100, at(u64::from(i) - 10)))
        .collect();
    peers.extend([
        Candidate::new(1u32, 1, at(10)),
        Candidate::new(2, 1, at(20)),
        Candidate::new(3, 2, at(15)),
        Candidate::new(4, 2, at(30)),
    ]);
    let victim = select_victim(&peers, &NONE).victim.unwrap();
    assert_eq!((victim.id, victim.netgroup_size), (4, 2));
}

fn network(selector: u8) -> Network {
    [
        Network::Clearnet,
        Network::Onion,
        Network::I2p,
        Network::Localhost,
    ][usize::from(selector % 4)]
}

/// An attacker peer: any ping, any useful-message times, any network.
fn attacker(
    id: u32,
    netgroup: u64,
    (connected, ping, tx, other, net): (u64, Option<u64>, Option<u64>, Option<u64>, u8),
) -> Candidate<u32> {
    let mut c = Candidate::new(id, netgroup, at(connected));
    c.min_ping = ping.map(Duration::from_millis);
    c.last_tx = tx.map(at);
    c.last_other = other.map(at);
    c.network = network(net);
    c
}

type Traits = (u64, Option<u64>, Option<u64>, Option<u64>, u8);

fn traits(connected: core::ops::Range<u64>) -> impl Strategy<Value = Traits> {
    (
        connected,
        proptest::option::of(0..2_000u64),
        proptest::option::of(0..1_000_000u64),
        proptest::option::of(0..1_000_000u64),
        any::<u8>(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Honest peers connected before the attack, each in its own netgroup,
    /// survive an attacker with many inbound peers from 3 netgroups, however
    /// good the attacker's pings and messages and whatever its networks:
    /// the uptime protection keeps them all, so the victim is the
    /// attacker's, eviction after eviction.
    #[test]
    fn attack_from_three_netgroups_never_evicts_older_honest_peers(
        honest in proptest::collection::vec(traits(0..1_000), 1..12),
        attack in proptest::collection::vec((0..3u64, traits(1_000..100_000)), 80..120),
    ) {
        let mut peers: Vec<Candidate<u32>> = Vec::new();
        for (i, &t) in honest.iter().enumerate() {
            let mut c = attacker(i as u32, 1_000 + i as u64, t);
            c.network = Network::Clearnet;
            peers.push(c);
        }
        for (i, &(group, t)) in attack.iter().enumerate() {
            peers.push(attacker(10_000 + i as u32, group, t));
        }
        // While the attacker keeps 4 * honest + 24 peers, every eviction
        // hits one of them.
        while peers.len() - honest.len() >= 4 * honest.len() + 24 {
            let victim = select_victim(&peers, &EvictionConfig::default()).victim.unwrap();
            prop_assert!(victim.id >= 10_000, "honest peer {} evicted", victim.id);
            peers.retain(|c| c.id != victim.id);
        }
    }

    /// Honest peers of any age, each alone in its netgroup, are never the
    /// victim while the attacker's 3 netgroups keep enough peers to crowd
    /// them out.
    #[test]
    fn attack_from_three_netgroups_evicts_its_own_crowd(
        honest in proptest::collection::vec(traits(0..100_000), 1..12),
        attack in proptest::collection::vec((0..3u64, traits(0..100_000)), 60..100),
    ) {
        let mut peers: Vec<Candidate<u32>> = Vec::new();
        for (i, &t) in honest.iter().enumerate() {
            peers.push(attacker(i as u32, 1_000 + i as u64, t));
        }
        for (i, &(group, t)) in attack.iter().enumerate() {
            peers.push(attacker(10_000 + i as u32, group, t));
        }
        // 20 fixed protections, then half the rest: 48 + honest attacker
        // peers leave at least 4 of them, so 2 share a netgroup.
        prop_assume!(attack.len() >= 48 + honest.len());
        let victim = select_victim(&peers, &EvictionConfig::default()).victim.unwrap();
        prop_assert!(victim.id >= 10_000);
        prop_assert!(victim.netgroup_size >= 2);
    }

    /// The result does not depend on the order of the candidates, the victim
    /// is never protected, and no peer is protected twice.
    #[test]
    fn eviction_is_order_independent_and_consistent(
        peers in proptest::collection::vec((0..6u64, traits(0..1_000), any::<bool>(), 0..6u8), 0..60),
        rotate in any::<usize>(),
    ) {
        let candidates: Vec<Candidate<u32>> = peers
            .iter()
            .enumerate()
            .map(|(i, &(group, t, discouraged, exempt))| {
                let mut c = attacker(i as u32, group, t);
                c.discouraged = discouraged;
                c.exemption = match exempt {
                    0 => Some(Exemption::Manual),
                    1 => Some(Exemption::NoBan),
                    _ => None,
                };
                c
            })
            .collect();
        let eviction = select_victim(&candidates, &EvictionConfig::default());
        let mut shuffled = candidates.clone();
        shuffled.reverse();
        if !shuffled.is_empty() {
            let n = rotate % shuffled.len();
            shuffled.rotate_left(n);
        }
        let other = select_victim(&shuffled, &EvictionConfig::default());
        prop_assert_eq!(&eviction.victim, &other.victim);
        let ids: BTreeSet<u32> = eviction.protected.iter().map(|&(id, _)| id).collect();
        prop_assert_eq!(ids.len(), eviction.protected.len());
        let other_ids: BTreeSet<u32> = other.protected.iter().map(|&(id, _)| id).collect();
        prop_assert_eq!(&ids, &other_ids);
        if let Some(victim) = &eviction.victim {
            prop_assert!(!ids.contains(&victim.id));
            let c = &candidates[victim.id as usize];
            prop_assert!(c.exemption.is_none());
            let any_discouraged = candidates
                .iter()
                .any(|c| c.discouraged && !ids.contains(&c.id));
            prop_assert_eq!(c.discouraged, any_discouraged);
        } else {
            prop_assert_eq!(ids.len(), candidates.len());
        }
    }
}
