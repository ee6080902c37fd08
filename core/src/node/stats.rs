//! What the node tells about its peers and itself: per-peer health and a
//! snapshot, and node-wide counters.

use alloc::collections::BTreeMap;

use super::{ConnId, ConnectionKind, Direction, PeerAddr, Via};
use crate::identity::PeerId;
use crate::peering::RelayPriority;
use crate::time::{Duration, Instant};

/// One peer's health: round trips, traffic, last activity, failures.
///
/// ```
/// use veil_core::node::PeerHealth;
/// let health = PeerHealth::default();
/// assert_eq!(health.bytes_sent, 0);
/// assert!(health.rtt_avg.is_none());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PeerHealth {
    /// Lowest measured ping round trip.
    pub rtt_min: Option<Duration>,
    /// Smoothed ping round trip.
    pub rtt_avg: Option<Duration>,
    /// Bytes written to the peer (all layers).
    pub bytes_sent: u64,
    /// Bytes read from the peer (all layers).
    pub bytes_received: u64,
    /// Messages sent.
    pub messages_sent: u64,
    /// Messages received.
    pub messages_received: u64,
    /// When the peer last sent anything.
    pub last_seen: Option<Instant>,
    /// Failed dials to this address in a row (outbound kinds).
    pub failures: u32,
}

/// Where a connection stands, as the node sees it.
///
/// ```
/// use veil_core::node::PeerState;
/// assert_eq!(PeerState::Proxying.as_str(), "proxying");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PeerState {
    /// The shell is opening the TCP connection.
    Dialing,
    /// The SOCKS5 proxy is opening the tunnel.
    Proxying,
    /// The veil handshake is running.
    Handshaking,
    /// Handshake complete: messages flow.
    Connected,
    /// Closing: the last bytes drain.
    Closing,
}

impl PeerState {
    /// A stable lower-case name.
    ///
    /// ```
    /// assert_eq!(veil_core::node::PeerState::Connected.as_str(), "connected");
    /// ```
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            PeerState::Dialing => "dialing",
            PeerState::Proxying => "proxying",
            PeerState::Handshaking => "handshaking",
            PeerState::Connected => "connected",
            PeerState::Closing => "closing",
        }
    }
}

/// A copy of what the node knows about one connection, from
/// [`Node::peer`](super::Node::peer) and [`Node::peers`](super::Node::peers).
///
/// ```
/// use veil_core::node::{Node, NodeConfig};
/// # use rand_chacha::rand_core::SeedableRng;
/// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
/// # let identity = veil_core::identity::Identity::generate(&mut rng);
/// let node = Node::new(NodeConfig::default(), identity, veil_core::Instant::ZERO, veil_core::UnixTime::from_secs(1_700_000_000), &mut rng).unwrap();
/// assert_eq!(node.peers().count(), 0);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerSnapshot {
    /// The connection.
    pub conn: ConnId,
    /// Its kind.
    pub kind: ConnectionKind,
    /// Which side opened it.
    pub direction: Direction,
    /// The peer's address.
    pub addr: PeerAddr,
    /// Direct or through the proxy.
    pub via: Via,
    /// Its state.
    pub state: PeerState,
    /// The peer's id, once proven.
    pub peer_id: Option<PeerId>,
    /// Negotiated general features (AND of both sides' bits).
    pub features: u32,
    /// Negotiated privacy features.
    pub privacy_features: u32,
    /// When the handshake completed.
    pub connected_since: Option<Instant>,
    /// When the connection was opened (dial or accept).
    pub opened_at: Instant,
    /// Health counters.
    pub health: PeerHealth,
    /// Its score ([`peering::score`](crate::peering::score)); higher is
    /// better.
    pub score: i64,
    /// Its relay priority.
    pub priority: RelayPriority,
    /// Its keyed netgroup.
    pub netgroup: u64,
    /// Bytes queued for it and not yet taken by the shell.
    pub queued_bytes: usize,
}

/// Node-wide counters, from [`Node::stats`](super::Node::stats).
///
/// ```
/// use veil_core::node::NodeStats;
/// assert_eq!(NodeStats::default().dials_started, 0);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodeStats {
    /// Dials asked of the shell.
    pub dials_started: u64,
    /// Dials that never opened (refused, unreachable, timed out, SOCKS5).
    pub dials_failed: u64,
    /// Inbound connections admitted.
    pub inbound_accepted: u64,
    /// Inbound connections refused.
    pub inbound_refused: u64,
    /// Handshakes completed.
    pub handshakes_completed: u64,
    /// Connections that closed before completing the handshake, by the
    /// close reason's name.
    pub handshake_failures: BTreeMap<&'static str, u64>,
    /// Connections ended, by [`Disconnection::name`](super::Disconnection::name).
    pub disconnections: BTreeMap<&'static str, u64>,
    /// Inbound peers evicted for newcomers.
    pub evictions: u64,
    /// Outbound peers rotated out.
    pub rotations: u64,
    /// Discouragements and bans recorded.
    pub punishments: u64,
    /// Bytes read from all connections.
    pub bytes_received: u64,
    /// Bytes handed to the shell for all connections.
    pub bytes_sent: u64,
    /// Messages delivered to the application.
    pub messages_received: u64,
    /// Messages the application sent (each copy of a broadcast counts).
    pub messages_sent: u64,
    /// Address records received in `addr` messages.
    pub addr_received: u64,
    /// Address records dropped by the per-peer rate limit.
    pub addr_rate_limited: u64,
    /// Transactions sent in stem phase.
    pub tx_stemmed: u64,
    /// Transactions broadcast in fluff phase.
    pub tx_fluffed: u64,
    /// Stem transactions fluffed because their embargo expired.
    pub tx_embargo_expired: u64,
}

impl NodeStats {
    pub(super) fn count(map: &mut BTreeMap<&'static str, u64>, key: &'static str) {
        *map.entry(key).or_insert(0) += 1;
    }
}
