//! Inbound eviction: which inbound peer to drop when a new one arrives and
//! every inbound slot is taken.
//!
//! The rules follow Bitcoin Core's `SelectNodeToEvict` and
//! `ProtectEvictionCandidatesByRatio` (src/node/eviction.cpp): peers are
//! protected in categories an attacker finds hard to win all at once (keyed
//! netgroup, latency, useful messages, uptime), then the youngest peer of the
//! most crowded netgroup goes. An attacker who fills the inbound slots from a
//! few netgroups therefore evicts its own peers, not the honest ones.

use alloc::vec::Vec;
use core::cmp::Reverse;
use core::fmt;

use self::protect::{crowded_youngest, protect_best, protect_by_uptime, protect_netgroups};
use crate::time::{Duration, Instant};

/// The network a peer is reached over.
///
/// Tor, I2P and localhost peers have higher latency than clearnet ones, so
/// the latency rule never protects them; a share of the uptime protection is
/// reserved for them instead.
///
/// # Example
///
/// ```
/// use veil_core::peering::Network;
/// assert!(Network::Onion.is_disadvantaged());
/// assert!(!Network::Clearnet.is_disadvantaged());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Network {
    /// IPv4 or IPv6.
    #[default]
    Clearnet,
    /// A Tor onion service.
    Onion,
    /// An I2P destination.
    I2p,
    /// A loopback connection (often a local Tor or I2P proxy).
    Localhost,
}

impl Network {
    /// Whether the network gets a reserved share of the uptime protection.
    ///
    /// ```
    /// assert!(veil_core::peering::Network::I2p.is_disadvantaged());
    /// ```
    #[must_use]
    pub const fn is_disadvantaged(self) -> bool {
        !matches!(self, Network::Clearnet)
    }
}

/// Why a peer is never an eviction candidate at all.
///
/// # Example
///
/// ```
/// use veil_core::peering::{select_victim, Candidate, EvictionConfig, Exemption, Protection};
/// use veil_core::Instant;
///
/// let mut peer = Candidate::new(1u32, 7, Instant::ZERO);
/// peer.exemption = Some(Exemption::Manual);
/// let eviction = select_victim(&[peer], &EvictionConfig::default());
/// assert!(eviction.victim.is_none());
/// assert_eq!(eviction.protected, vec![(1, Protection::Exempt(Exemption::Manual))]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Exemption {
    /// The operator asked for this connection.
    Manual,
    /// A persistent peer, reconnected whenever it drops.
    Persistent,
    /// A pinned connection (for example a bootstrap peer with a pinned key).
    Pinned,
    /// An allow-listed peer that is never punished.
    NoBan,
    /// Connected so recently that it is still handshaking or waiting for
    /// its first answers (the node's `inbound_grace`). Evicting it would
    /// drop a peer before it learnt anything, and a crowd arriving at once
    /// would evict each other in turn; the newest arrival is refused
    /// instead. The exemption lapses with the grace period.
    Newcomer,
}

/// What the eviction rules know about one inbound peer.
///
/// Ids should be distinct: ties are broken by id, which makes the result
/// independent of the order of the candidates.
///
/// # Example
///
/// ```
/// use veil_core::peering::{Candidate, Network};
/// use veil_core::{Duration, Instant};
///
/// let mut peer = Candidate::new("a", 0x1234, Instant::from_millis(5_000));
/// peer.min_ping = Some(Duration::from_millis(40));
/// peer.network = Network::Onion;
/// assert!(!peer.discouraged);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate<K> {
    /// The caller's key for the peer.
    pub id: K,
    /// When the connection was established.
    pub connected_at: Instant,
    /// The lowest ping round trip measured, if any.
    pub min_ping: Option<Duration>,
    /// When the peer last sent a useful (new, valid) transaction-like message.
    pub last_tx: Option<Instant>,
    /// When the peer last sent another useful message (block-like data).
    pub last_other: Option<Instant>,
    /// The peer's netgroup, hashed with a secret key by the caller so that an
    /// attacker cannot predict which netgroups the netgroup rule protects.
    pub netgroup: u64,
    /// The network the peer is reached over.
    pub network: Network,
    /// Whether the peer is discouraged (evicted before anyone else).
    pub discouraged: bool,
    /// Set if the peer must never be evicted.
    pub exemption: Option<Exemption>,
}

impl<K> Candidate<K> {
    /// A clearnet candidate with no measurements, not discouraged, not
    /// exempt.
    ///
    /// ```
    /// use veil_core::peering::Candidate;
    /// let peer = Candidate::new(3u8, 9, veil_core::Instant::ZERO);
    /// assert_eq!(peer.min_ping, None);
    /// ```
    #[must_use]
    pub fn new(id: K, netgroup: u64, connected_at: Instant) -> Self {
        Candidate {
            id,
            connected_at,
            min_ping: None,
            last_tx: None,
            last_other: None,
            netgroup,
            network: Network::Clearnet,
            discouraged: false,
            exemption: None,
        }
    }
}

/// The rule that kept a peer out of the eviction.
///
/// # Example
///
/// ```
/// use veil_core::peering::Protection;
/// assert_eq!(Protection::LowPing.as_str(), "low_ping");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Protection {
    /// Never a candidate.
    Exempt(Exemption),
    /// One of the distinct netgroups with the highest keyed value.
    Netgroup,
    /// Among the lowest minimum pings.
    LowPing,
    /// Among the most recent useful transaction-like messages.
    RecentTx,
    /// Among the most recent other useful messages.
    RecentOther,
    /// Among the longest connected of a disadvantaged network.
    Network(Network),
    /// Among the longest connected.
    Uptime,
}

impl Protection {
    /// A stable lower-case name for logs.
    ///
    /// ```
    /// use veil_core::peering::{Network, Protection};
    /// assert_eq!(Protection::Network(Network::Onion).as_str(), "network_onion");
    /// ```
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Protection::Exempt(Exemption::Manual) => "exempt_manual",
            Protection::Exempt(Exemption::Persistent) => "exempt_persistent",
            Protection::Exempt(Exemption::Pinned) => "exempt_pinned",
            Protection::Exempt(Exemption::NoBan) => "exempt_noban",
            Protection::Exempt(Exemption::Newcomer) => "exempt_newcomer",
            Protection::Netgroup => "netgroup",
            Protection::LowPing => "low_ping",
            Protection::RecentTx => "recent_tx",
            Protection::RecentOther => "recent_other",
            Protection::Network(Network::Clearnet) => "network_clearnet",
            Protection::Network(Network::Onion) => "network_onion",
            Protection::Network(Network::I2p) => "network_i2p",
            Protection::Network(Network::Localhost) => "network_localhost",
            Protection::Uptime => "uptime",
        }
    }
}

impl fmt::Display for Protection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The rule that chose the victim.
///
/// # Example
///
/// ```
/// use veil_core::peering::EvictionRule;
/// assert_eq!(EvictionRule::Discouraged.to_string(), "discouraged");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EvictionRule {
    /// Some unprotected peers were discouraged; the victim is the youngest
    /// of the most crowded netgroup among them.
    Discouraged,
    /// The youngest peer of the netgroup with the most unprotected peers
    /// (ties: the netgroup whose youngest peer is youngest).
    CrowdedNetgroup,
}

impl fmt::Display for EvictionRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EvictionRule::Discouraged => "discouraged",
            EvictionRule::CrowdedNetgroup => "crowded_netgroup",
        })
    }
}

/// How many peers each fixed protection category keeps (Bitcoin Core's
/// numbers by default). Half of the peers left after them are protected by
/// uptime, a quarter reserved for Tor, I2P and localhost peers.
///
/// # Example
///
/// ```
/// use veil_core::peering::EvictionConfig;
/// let none = EvictionConfig { netgroups: 0, low_ping: 0, recent_tx: 0, recent_other: 0 };
/// assert_eq!(EvictionConfig::default().low_ping, 8);
/// assert_ne!(none, EvictionConfig::default());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EvictionConfig {
    /// Distinct netgroups protected (one peer each).
    pub netgroups: usize,
    /// Peers protected for the lowest minimum ping.
    pub low_ping: usize,
    /// Peers protected for the most recent useful transaction-like message.
    pub recent_tx: usize,
    /// Peers protected for the most recent other useful message.
    pub recent_other: usize,
}

impl Default for EvictionConfig {
    fn default() -> Self {
        EvictionConfig {
            netgroups: 4,
            low_ping: 8,
            recent_tx: 4,
            recent_other: 4,
        }
    }
}

/// The peer chosen for eviction.
///
/// # Example
///
/// ```
/// use veil_core::peering::{select_victim, Candidate, EvictionConfig, EvictionRule};
/// use veil_core::Instant;
///
/// let none = EvictionConfig { netgroups: 0, low_ping: 0, recent_tx: 0, recent_other: 0 };
/// let peers = [Candidate::new(1u8, 5, Instant::ZERO), Candidate::new(2, 5, Instant::from_millis(1))];
/// let victim = select_victim(&peers, &none).victim.unwrap();
/// assert_eq!((victim.id, victim.rule, victim.netgroup_size), (2, EvictionRule::CrowdedNetgroup, 1));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Victim<K> {
    /// The peer to disconnect.
    pub id: K,
    /// The rule that chose it.
    pub rule: EvictionRule,
    /// Its netgroup.
    pub netgroup: u64,
    /// How many unprotected candidates shared that netgroup.
    pub netgroup_size: usize,
}

/// The outcome of [`select_victim`]: the victim, if any, and why every other
/// peer was kept.
///
/// # Example
///
/// ```
/// use veil_core::peering::{select_victim, EvictionConfig, Eviction};
///
/// let eviction: Eviction<u8> = select_victim(&[], &EvictionConfig::default());
/// assert!(eviction.victim.is_none() && eviction.protected.is_empty());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Eviction<K> {
    /// The peer to evict; `None` if every peer is protected.
    pub victim: Option<Victim<K>>,
    /// Each protected peer with the first rule that protected it, in the
    /// order the rules ran.
    pub protected: Vec<(K, Protection)>,
}

/// Chooses the inbound peer to evict.
///
/// In order: exempt peers are removed; then protected are one peer from each
/// of the `netgroups` distinct netgroups with the highest keyed value (its
/// longest-connected member), the `low_ping` lowest minimum pings, the
/// `recent_tx` most recent useful transaction-like messages, the
/// `recent_other` most recent other useful messages (a peer without the
/// measurement never wins these), then half of the rest by uptime, of which
/// up to half goes to the longest-connected Tor, I2P and localhost peers.
/// Of the rest, if any is discouraged only those are considered; the victim
/// is the youngest peer of the netgroup with the most of them (ties: the
/// netgroup whose youngest member is youngest). All ties are broken by id.
///
/// # Example
///
/// ```
/// use veil_core::peering::{select_victim, Candidate, EvictionConfig, EvictionRule};
/// use veil_core::Instant;
///
/// // 30 peers in netgroup 1, one honest peer alone in netgroup 2.
/// let mut peers: Vec<_> = (0..30u32)
///     .map(|i| Candidate::new(i, 1, Instant::from_millis(1_000 + u64::from(i))))
///     .collect();
/// peers.push(Candidate::new(99, 2, Instant::from_millis(5_000)));
/// let victim = select_victim(&peers, &EvictionConfig::default()).victim.unwrap();
/// assert_eq!(victim.netgroup, 1);
/// assert_eq!(victim.rule, EvictionRule::CrowdedNetgroup);
/// ```
#[must_use]
pub fn select_victim<K: Ord + Clone>(
    candidates: &[Candidate<K>],
    config: &EvictionConfig,
) -> Eviction<K> {
    let mut protected = Vec::new();
    let mut pool: Vec<&Candidate<K>> = Vec::with_capacity(candidates.len());
    for candidate in candidates {
        match candidate.exemption {
            Some(exemption) => {
                protected.push((candidate.id.clone(), Protection::Exempt(exemption)));
            }
            None => pool.push(candidate),
        }
    }
    protect_netgroups(&mut pool, &mut protected, config.netgroups);
    protect_best(
        &mut pool,
        &mut protected,
        (config.low_ping, Protection::LowPing),
        |c| c.min_ping.map(Reverse),
    );
    protect_best(
        &mut pool,
        &mut protected,
        (config.recent_tx, Protection::RecentTx),
        |c| c.last_tx.map(|t| (t, Reverse(c.connected_at))),
    );
    protect_best(
        &mut pool,
        &mut protected,
        (config.recent_other, Protection::RecentOther),
        |c| c.last_other.map(|t| (t, Reverse(c.connected_at))),
    );
    protect_by_uptime(&mut pool, &mut protected);

    if pool.iter().any(|c| c.discouraged) {
        pool.retain(|c| c.discouraged);
    }
    let rule = if pool.first().is_some_and(|c| c.discouraged) {
        EvictionRule::Discouraged
    } else {
        EvictionRule::CrowdedNetgroup
    };
    let victim = crowded_youngest(&pool).map(|(victim, netgroup_size)| Victim {
        id: victim.id.clone(),
        rule,
        netgroup: victim.netgroup,
        netgroup_size,
    });
    Eviction { victim, protected }
}

mod protect;

#[cfg(test)]
mod tests;
