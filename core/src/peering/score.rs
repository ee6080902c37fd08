//! Peer scores: one integer per peer for choosing whom to dial or keep and
//! in which order to let peers go.
//!
//! The score is a sum of bounded, documented parts computed in integer
//! arithmetic, so it is the same on every platform and a large value in one
//! input cannot overflow or drown all the others:
//!
//! | part | points |
//! |---|---|
//! | relay priority (secIRC levels 10/8/6/4/2) | level × 1000, 2000..=10000 |
//! | latency (lowest ping) | 300 − ping_ms / 10, at least 0; 0 if unmeasured |
//! | uptime | 20 per doubling of minutes connected, at most 200 |
//! | network diversity | 200 − 40 per other peer in the same netgroup, at least 0 |
//! | features | 25 per wanted feature bit supported, at most 800 |
//! | misbehaviour | − penalty points ([`penalty_points`]) |
//!
//! Priority dominates on purpose: one priority step (2000 points) is more
//! than everything a peer can earn (at most 1500), so an operator's trust
//! (first ring, trusted relays) is never outweighed by a stranger answering
//! pings fast, while measured behaviour orders peers of one level.
//! Misbehaviour is not capped: enough of it sinks any level.

use alloc::vec::Vec;
use core::cmp::Reverse;

use crate::time::Duration;
use crate::Consequence;

/// The relay priority levels of the secIRC seed.
///
/// # Example
///
/// ```
/// use veil_core::peering::RelayPriority;
/// assert_eq!(RelayPriority::FirstRing.level(), 10);
/// assert!(RelayPriority::Trusted > RelayPriority::Verified);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RelayPriority {
    /// Relays with unknown reputation (2).
    #[default]
    Untrusted,
    /// Newly discovered relays (4).
    Discovered,
    /// Relays that have passed verification (6).
    Verified,
    /// Verified and trusted relays (8).
    Trusted,
    /// The operator's first-ring relays (10).
    FirstRing,
}

impl RelayPriority {
    /// The seed's numeric level.
    ///
    /// ```
    /// assert_eq!(veil_core::peering::RelayPriority::Untrusted.level(), 2);
    /// ```
    #[must_use]
    pub const fn level(self) -> u32 {
        match self {
            RelayPriority::Untrusted => 2,
            RelayPriority::Discovered => 4,
            RelayPriority::Verified => 6,
            RelayPriority::Trusted => 8,
            RelayPriority::FirstRing => 10,
        }
    }
}

/// Points per priority level.
///
/// ```
/// assert!(veil_core::peering::PRIORITY_WEIGHT > 0);
/// ```
pub const PRIORITY_WEIGHT: i64 = 1000;
/// Latency points for a zero ping; one is lost per [`LATENCY_STEP_MS`].
///
/// ```
/// assert!(veil_core::peering::LATENCY_MAX > 0);
/// ```
pub const LATENCY_MAX: i64 = 300;
/// Milliseconds of ping that cost one latency point.
///
/// ```
/// assert!(veil_core::peering::LATENCY_STEP_MS > 0);
/// ```
pub const LATENCY_STEP_MS: u64 = 10;
/// Uptime points per doubling of the minutes connected.
///
/// ```
/// assert!(veil_core::peering::UPTIME_WEIGHT > 0);
/// ```
pub const UPTIME_WEIGHT: i64 = 20;
/// The most uptime points (reached after 512 minutes, about 8.5 hours).
///
/// ```
/// assert!(veil_core::peering::UPTIME_MAX > 0);
/// ```
pub const UPTIME_MAX: i64 = 200;
/// Diversity points of a peer alone in its netgroup.
///
/// ```
/// assert!(veil_core::peering::DIVERSITY_MAX > 0);
/// ```
pub const DIVERSITY_MAX: i64 = 200;
/// Diversity points lost per other peer in the same netgroup.
///
/// ```
/// assert!(veil_core::peering::DIVERSITY_STEP > 0);
/// ```
pub const DIVERSITY_STEP: i64 = 40;
/// Points per wanted feature bit the peer supports.
///
/// ```
/// assert!(veil_core::peering::FEATURE_WEIGHT > 0);
/// ```
pub const FEATURE_WEIGHT: i64 = 25;

/// Misbehaviour points a rejection costs: drop 1, close 10, discourage 100,
/// ban 1000. Closes cost a little because an honest peer can cause them,
/// but one that keeps causing them is worth less.
///
/// # Example
///
/// ```
/// use veil_core::peering::penalty_points;
/// use veil_core::Consequence;
/// assert_eq!(penalty_points(Consequence::Discourage), 100);
/// ```
#[must_use]
pub const fn penalty_points(consequence: Consequence) -> u32 {
    match consequence {
        Consequence::DropMessage => 1,
        Consequence::Close => 10,
        Consequence::Discourage => 100,
        Consequence::Ban => 1000,
    }
}

/// What a score is computed from.
///
/// # Example
///
/// ```
/// use veil_core::peering::{ScoreInputs, RelayPriority};
/// let inputs = ScoreInputs { priority: RelayPriority::Verified, ..ScoreInputs::default() };
/// assert_eq!(inputs.netgroup_peers, 0);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ScoreInputs {
    /// The peer's relay priority level.
    pub priority: RelayPriority,
    /// Its lowest ping round trip, if measured.
    pub min_ping: Option<Duration>,
    /// How long the current connection has been up.
    pub uptime: Duration,
    /// How many *other* connected peers share its netgroup.
    pub netgroup_peers: u32,
    /// Feature bits the peer announced.
    pub features: u32,
    /// Feature bits this node wants from peers.
    pub wanted_features: u32,
    /// Accumulated [`penalty_points`].
    pub misbehavior: u32,
}

/// The score of a peer: higher is better.
///
/// # Example
///
/// ```
/// use veil_core::peering::{score, ScoreInputs, RelayPriority};
/// use veil_core::Duration;
///
/// let fast = ScoreInputs { min_ping: Some(Duration::from_millis(20)), ..ScoreInputs::default() };
/// let slow = ScoreInputs { min_ping: Some(Duration::from_millis(900)), ..fast };
/// assert!(score(&fast) > score(&slow));
/// // 2000 priority + 298 latency + 0 uptime + 200 diversity.
/// assert_eq!(score(&fast), 2498);
/// ```
#[must_use]
pub fn score(inputs: &ScoreInputs) -> i64 {
    let priority = i64::from(inputs.priority.level()) * PRIORITY_WEIGHT;
    let latency = inputs.min_ping.map_or(0, |ping| {
        let steps = i64::try_from(ping.as_millis() / LATENCY_STEP_MS).unwrap_or(i64::MAX);
        LATENCY_MAX.saturating_sub(steps).max(0)
    });
    let minutes = inputs.uptime.as_secs() / 60;
    // Bit length of the minutes: 0 for 0, 1 for 1, 2 for 2..=3, ...
    let doublings = i64::from(u64::BITS - minutes.leading_zeros());
    let uptime = (doublings * UPTIME_WEIGHT).min(UPTIME_MAX);
    let diversity =
        (DIVERSITY_MAX - DIVERSITY_STEP * i64::from(inputs.netgroup_peers.min(5))).max(0);
    let supported = (inputs.features & inputs.wanted_features).count_ones();
    let features = i64::from(supported) * FEATURE_WEIGHT;
    priority + latency + uptime + diversity + features - i64::from(inputs.misbehavior)
}

/// Keys ordered best score first (ties: the smaller key), the order in
/// which to dial or keep peers; reversed, the order in which to let them
/// go.
///
/// # Example
///
/// ```
/// use veil_core::peering::{ranked, score, ScoreInputs, RelayPriority};
///
/// let trusted = ScoreInputs { priority: RelayPriority::Trusted, ..ScoreInputs::default() };
/// let stranger = ScoreInputs::default();
/// let order = ranked([("b", score(&stranger)), ("a", score(&trusted)), ("c", score(&stranger))]);
/// assert_eq!(order, ["a", "b", "c"]);
/// ```
#[must_use]
pub fn ranked<K: Ord>(scored: impl IntoIterator<Item = (K, i64)>) -> Vec<K> {
    let mut all: Vec<(K, i64)> = scored.into_iter().collect();
    all.sort_unstable_by(|a, b| (Reverse(a.1), &a.0).cmp(&(Reverse(b.1), &b.0)));
    all.into_iter().map(|(k, _)| k).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const PRIORITIES: [RelayPriority; 5] = [
        RelayPriority::Untrusted,
        RelayPriority::Discovered,
        RelayPriority::Verified,
        RelayPriority::Trusted,
        RelayPriority::FirstRing,
    ];

    fn inputs() -> impl Strategy<Value = ScoreInputs> {
        (
            0..5usize,
            proptest::option::of(any::<u64>()),
            any::<u64>(),
            any::<u32>(),
            any::<u32>(),
            any::<u32>(),
            any::<u32>(),
        )
            .prop_map(|(p, ping, up, peers, features, wanted, bad)| ScoreInputs {
                priority: PRIORITIES[p],
                min_ping: ping.map(Duration::from_millis),
                uptime: Duration::from_millis(up),
                netgroup_peers: peers,
                features,
                wanted_features: wanted,
                misbehavior: bad,
            })
    }

    #[test]
    fn bounds_of_each_part() {
        let best = ScoreInputs {
            priority: RelayPriority::FirstRing,
            min_ping: Some(Duration::ZERO),
            uptime: Duration::MAX,
            netgroup_peers: 0,
            features: u32::MAX,
            wanted_features: u32::MAX,
            misbehavior: 0,
        };
        assert_eq!(score(&best), 10_000 + 300 + 200 + 200 + 800);
        let worst = ScoreInputs {
            priority: RelayPriority::Untrusted,
            min_ping: Some(Duration::MAX),
            netgroup_peers: u32::MAX,
            misbehavior: u32::MAX,
            ..ScoreInputs::default()
        };
        assert_eq!(score(&worst), 2000 - i64::from(u32::MAX));
        let unmeasured = ScoreInputs::default();
        let very_slow = ScoreInputs {
            min_ping: Some(Duration::from_secs(10)),
            ..unmeasured
        };
        assert_eq!(score(&unmeasured), score(&very_slow));
    }

    #[test]
    fn uptime_grows_per_doubling() {
        let at = |minutes: u64| {
            score(&ScoreInputs {
                uptime: Duration::from_secs(minutes * 60),
                ..ScoreInputs::default()
            }) - 2200
        };
        assert_eq!([at(0), at(1), at(2), at(3), at(4)], [0, 20, 40, 40, 60]);
        assert_eq!(at(512), 200);
        assert_eq!(at(100_000), 200);
    }

    #[test]
    fn priority_outweighs_measured_behaviour_of_a_stranger() {
        let trusted = ScoreInputs {
            priority: RelayPriority::Trusted,
            netgroup_peers: 10,
            ..ScoreInputs::default()
        };
        for lower in [RelayPriority::Untrusted, RelayPriority::Verified] {
            let stranger = ScoreInputs {
                priority: lower,
                min_ping: Some(Duration::ZERO),
                uptime: Duration::MAX,
                features: u32::MAX,
                wanted_features: u32::MAX,
                ..ScoreInputs::default()
            };
            assert!(score(&trusted) > score(&stranger));
        }
    }

    proptest! {
        #[test]
        fn worse_inputs_never_raise_the_score(a in inputs(), b in inputs()) {
            let base = score(&a);
            // Slower (or unmeasured) ping.
            let slower = match (a.min_ping, b.min_ping) {
                (Some(x), Some(y)) => Some(x.max(y)),
                _ => None,
            };
            let changed = ScoreInputs { min_ping: slower, ..a };
            prop_assert!(score(&changed) <= base);
            let changed = ScoreInputs { uptime: a.uptime.min(b.uptime), ..a };
            prop_assert!(score(&changed) <= base);
            let crowded = a.netgroup_peers.max(b.netgroup_peers);
            let changed = ScoreInputs { netgroup_peers: crowded, ..a };
            prop_assert!(score(&changed) <= base);
            let fewer = a.features & b.features;
            let changed = ScoreInputs { features: fewer, ..a };
            prop_assert!(score(&changed) <= base);
            let worse = a.misbehavior.max(b.misbehavior);
            let changed = ScoreInputs { misbehavior: worse, ..a };
            prop_assert!(score(&changed) <= base);
            let lower = a.priority.min(b.priority);
            let changed = ScoreInputs { priority: lower, ..a };
            prop_assert!(score(&changed) <= base);
        }

        #[test]
        fn ranked_is_sorted_and_complete(scores in proptest::collection::vec(any::<i64>(), 0..30)) {
            let order = ranked(scores.iter().enumerate().map(|(i, &s)| (i, s)));
            prop_assert_eq!(order.len(), scores.len());
            for pair in order.windows(2) {
                let (a, b) = (pair[0], pair[1]);
                prop_assert!(scores[a] > scores[b] || (scores[a] == scores[b] && a < b));
            }
        }
    }
}
