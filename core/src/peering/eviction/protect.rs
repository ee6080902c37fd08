//! The protection categories and the final choice, one function each.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use core::cmp::Reverse;

use super::{Candidate, Network, Protection};
use crate::time::Instant;

/// Younger sorts greater: later connection, then greater id.
pub(super) fn youth<K: Ord>(c: &Candidate<K>) -> (Instant, &K) {
    (c.connected_at, &c.id)
}

/// The youngest peer of the most crowded netgroup, and that netgroup's size.
pub(super) fn crowded_youngest<'a, K: Ord>(
    pool: &[&'a Candidate<K>],
) -> Option<(&'a Candidate<K>, usize)> {
    let mut groups: BTreeMap<u64, (usize, &Candidate<K>)> = BTreeMap::new();
    for &c in pool {
        groups
            .entry(c.netgroup)
            .and_modify(|(size, youngest)| {
                *size += 1;
                if youth(c) > youth(youngest) {
                    *youngest = c;
                }
            })
            .or_insert((1, c));
    }
    groups
        .into_values()
        .max_by(|(a_size, a), (b_size, b)| (a_size, youth(a)).cmp(&(b_size, youth(b))))
        .map(|(size, youngest)| (youngest, size))
}

/// Moves the chosen pool entries (indices) to `protected` under `why`.
pub(super) fn take<K: Clone>(
    pool: &mut Vec<&Candidate<K>>,
    protected: &mut Vec<(K, Protection)>,
    mut chosen: Vec<usize>,
    why: Protection,
) -> usize {
    chosen.sort_unstable();
    for &i in &chosen {
        protected.push((pool[i].id.clone(), why));
    }
    let mut index = 0;
    pool.retain(|_| {
        let keep = chosen.binary_search(&index).is_err();
        index += 1;
        keep
    });
    chosen.len()
}

/// Protects up to `count` peers with the greatest `rank` (peers ranked
/// `None` are not eligible); ties go to the smaller id.
pub(super) fn protect_best<K, T, F>(
    pool: &mut Vec<&Candidate<K>>,
    protected: &mut Vec<(K, Protection)>,
    (count, why): (usize, Protection),
    rank: F,
) -> usize
where
    K: Ord + Clone,
    T: Ord,
    F: Fn(&Candidate<K>) -> Option<T>,
{
    let mut order: Vec<(T, Reverse<&K>, usize)> = pool
        .iter()
        .enumerate()
        .filter_map(|(i, c)| rank(c).map(|r| (r, Reverse(&c.id), i)))
        .collect();
    order.sort_unstable_by(|a, b| (&b.0, &b.1).cmp(&(&a.0, &a.1)));
    let chosen: Vec<usize> = order.into_iter().take(count).map(|(.., i)| i).collect();
    take(pool, protected, chosen, why)
}

/// Protects the longest-connected member of each of the `count` distinct
/// netgroups with the highest keyed value.
pub(super) fn protect_netgroups<K: Ord + Clone>(
    pool: &mut Vec<&Candidate<K>>,
    protected: &mut Vec<(K, Protection)>,
    count: usize,
) {
    let mut oldest: BTreeMap<u64, usize> = BTreeMap::new();
    for (i, c) in pool.iter().enumerate() {
        oldest
            .entry(c.netgroup)
            .and_modify(|best| {
                if youth(c) < youth(pool[*best]) {
                    *best = i;
                }
            })
            .or_insert(i);
    }
    let chosen = oldest.into_values().rev().take(count).collect();
    take(pool, protected, chosen, Protection::Netgroup);
}

/// Protects half of the pool by uptime, up to half of that share going
/// first to the disadvantaged networks, the least represented first (as
/// Core's `ProtectEvictionCandidatesByRatio`).
pub(super) fn protect_by_uptime<K: Ord + Clone>(
    pool: &mut Vec<&Candidate<K>>,
    protected: &mut Vec<(K, Protection)>,
) {
    let total = pool.len() / 2;
    let network_share = total / 2;
    let mut networks = [Network::I2p, Network::Localhost, Network::Onion]
        .map(|n| (n, pool.iter().filter(|c| c.network == n).count()));
    // Stable: on equal counts the order above decides.
    networks.sort_by_key(|&(_, count)| count);
    let uptime = |c: &Candidate<K>| Some(Reverse(c.connected_at));
    let mut done = 0;
    while done < network_share {
        let present = networks.iter().filter(|(_, count)| *count > 0).count();
        if present == 0 {
            break;
        }
        let per_network = ((network_share - done) / present).max(1);
        let mut progress = false;
        for (network, count) in &mut networks {
            if *count == 0 {
                continue;
            }
            let n = *network;
            let kept = protect_best(
                pool,
                protected,
                (
                    per_network.min(network_share - done),
                    Protection::Network(n),
                ),
                |c| (c.network == n).then(|| uptime(c)).flatten(),
            );
            done += kept;
            *count -= kept;
            progress |= kept > 0;
            if done >= network_share {
                break;
            }
        }
        if !progress {
            break;
        }
    }
    protect_best(pool, protected, (total - done, Protection::Uptime), uptime);
}
