//! What the status endpoint shows, captured in the driver task so that
//! every number in one response comes from the same instant.

use serde::{Deserialize, Serialize};
use veil_core::node::{NodeStats, PeerSnapshot};
use veil_core::peering::{BanList, Level};
use veil_core::{Duration, Instant, UnixTime};

use crate::driver::{Ctx, NodeHandle, Stopped};

/// One connection, as `/peers` lists it.
///
/// The field names are the JSON's and stay stable; fields missing from a
/// response (an older node) take their defaults, so `veil peers` can read
/// any version.
///
/// ```
/// let row = veil_tokio::status::PeerRow::default();
/// let json = serde_json::to_value(&row).unwrap();
/// assert!(json["peer_id"].is_null() && json["carrier"].is_null());
/// assert_eq!(json["bytes_sent"], 0);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PeerRow {
    /// The peer's id (hex), once its handshake proved it.
    pub peer_id: Option<String>,
    /// Its address as the node dialled or accepted it.
    pub address: String,
    /// `inbound` or `outbound`.
    pub direction: String,
    /// The connection kind (`inbound`, `outbound`, `manual`, `persistent`,
    /// `feeler`, `addr_fetch`).
    pub kind: String,
    /// `dialing`, `proxying`, `handshaking`, `connected` or `closing`.
    pub state: String,
    /// `direct` or `socks5`.
    pub via: String,
    /// `tcp`, `tls`, `ws` or `wss`, once a socket exists.
    pub carrier: Option<String>,
    /// Negotiated feature bits (both sides' AND).
    pub features: u32,
    /// Negotiated privacy feature bits.
    pub privacy_features: u32,
    /// Smoothed ping round trip in milliseconds, once measured.
    pub rtt_ms: Option<u64>,
    /// Lowest ping round trip in milliseconds, once measured.
    pub rtt_min_ms: Option<u64>,
    /// Bytes written to the peer (all layers).
    pub bytes_sent: u64,
    /// Bytes read from the peer (all layers).
    pub bytes_received: u64,
    /// Messages sent on the connection, handshake and keepalive
    /// included.
    pub messages_sent: u64,
    /// Messages received on the connection, handshake and keepalive
    /// included.
    pub messages_received: u64,
    /// The node's score of the peer (higher is better).
    pub score: i64,
    /// Seconds since the handshake completed, once it has.
    pub connected_secs: Option<u64>,
    /// Bytes queued for the peer that its socket has not taken yet.
    pub queued_bytes: u64,
}

impl PeerRow {
    /// The row of one connection at `now`, on `carrier` if it has a
    /// socket.
    ///
    /// ```
    /// # use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::node::{ConnectionKind, Node, NodeConfig};
    /// use veil_core::{identity::Identity, Instant, UnixTime};
    /// use veil_tokio::status::PeerRow;
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    /// let mut node = Node::new(NodeConfig::default(), Identity::generate(&mut rng), Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// let target = "tcp://192.0.2.1:9333".parse::<veil_tokio::target::Target>().unwrap();
    /// let conn = node.connect(Instant::ZERO, target.addr, None, ConnectionKind::Manual).unwrap();
    /// let row = PeerRow::from_snapshot(&node.peer(conn).unwrap(), None, Instant::ZERO);
    /// assert_eq!((row.address.as_str(), row.state.as_str()), ("192.0.2.1:9333", "dialing"));
    /// assert_eq!((row.peer_id, row.carrier, row.connected_secs), (None, None, None));
    /// ```
    #[must_use]
    pub fn from_snapshot(
        peer: &PeerSnapshot,
        carrier: Option<crate::carrier::Carrier>,
        now: Instant,
    ) -> PeerRow {
        let health = &peer.health;
        PeerRow {
            peer_id: peer.peer_id.map(|id| id.to_string()),
            address: peer.addr.to_string(),
            direction: peer.direction.as_str().to_owned(),
            kind: peer.kind.as_str().to_owned(),
            state: peer.state.as_str().to_owned(),
            via: peer.via.as_str().to_owned(),
            carrier: carrier.map(|c| c.to_string()),
            features: peer.features,
            privacy_features: peer.privacy_features,
            rtt_ms: health.rtt_avg.map(Duration::as_millis),
            rtt_min_ms: health.rtt_min.map(Duration::as_millis),
            bytes_sent: health.bytes_sent,
            bytes_received: health.bytes_received,
            messages_sent: health.messages_sent,
            messages_received: health.messages_received,
            score: peer.score,
            connected_secs: peer
                .connected_since
                .map(|at| now.saturating_duration_since(at).as_secs()),
            queued_bytes: peer.queued_bytes as u64,
        }
    }
}

/// Live records of the ban list, by what they apply to and how grave they
/// are (expired records the list still holds are not counted).
///
/// ```
/// use veil_core::peering::BanList;
/// use veil_core::{Duration, UnixTime};
/// use veil_tokio::status::BanCounts;
/// # let peer = veil_core::identity::Identity::from_secret_bytes([1; 32]).peer_id();
/// let mut bans = BanList::new(Default::default());
/// bans.ban(peer, 3, Some(Duration::from_secs(60)), UnixTime::from_secs(0));
/// assert_eq!(BanCounts::count(&bans, UnixTime::from_secs(59)).peers_banned, 1);
/// assert_eq!(BanCounts::count(&bans, UnixTime::from_secs(60)), BanCounts::default());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BanCounts {
    /// Peer ids banned (no connection at all).
    pub peers_banned: usize,
    /// Peer ids discouraged (evicted first, dialled last).
    pub peers_discouraged: usize,
    /// Netgroups banned (only the operator bans netgroups).
    pub netgroups_banned: usize,
    /// Netgroups discouraged because enough of their peers offended.
    pub netgroups_discouraged: usize,
}

impl BanCounts {
    /// Counts the records of `list` that are live at `now`.
    ///
    /// See [`BanCounts`] for an example.
    #[must_use]
    pub fn count(list: &BanList, now: UnixTime) -> BanCounts {
        let mut counts = BanCounts::default();
        let peers = list.peer_records().map(|(_, _, record)| record);
        for record in peers.filter(|r| r.is_live(now)) {
            match record.level() {
                Level::Banned => counts.peers_banned += 1,
                Level::Discouraged => counts.peers_discouraged += 1,
            }
        }
        let groups = list.netgroup_records().map(|(_, record)| record);
        for record in groups.filter(|r| r.is_live(now)) {
            match record.level() {
                Level::Banned => counts.netgroups_banned += 1,
                Level::Discouraged => counts.netgroups_discouraged += 1,
            }
        }
        counts
    }

    /// Live bans, of peers and netgroups (discouragements not included).
    ///
    /// ```
    /// let counts = veil_tokio::status::BanCounts { peers_banned: 2, netgroups_banned: 1, peers_discouraged: 5, ..Default::default() };
    /// assert_eq!(counts.bans(), 3);
    /// ```
    #[must_use]
    pub fn bans(&self) -> usize {
        self.peers_banned + self.netgroups_banned
    }
}

/// Everything the status endpoint reports, at one instant.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// # use rand_core::OsRng;
/// # use veil_core::{identity::Identity, node::{Node, NodeConfig}};
/// # use veil_tokio::{clock::Clock, driver::{spawn, DriverConfig}};
/// # let clock = Clock::start();
/// # let node = Node::new(NodeConfig::default(), Identity::generate(&mut OsRng), clock.now(), clock.wall(), &mut OsRng).unwrap();
/// let running = spawn(node, clock, DriverConfig::default());
/// let snapshot = veil_tokio::status::snapshot(&running.handle).await.unwrap();
/// assert_eq!(snapshot.peer_id, running.handle.peer_id().to_string());
/// assert!(snapshot.peers.is_empty() && snapshot.bans.bans() == 0);
/// # running.handle.shutdown();
/// # running.task.await.unwrap();
/// # }
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StatusSnapshot {
    /// The node's peer id (hex).
    pub peer_id: String,
    /// Seconds since the node's clock started (the shell starts it with
    /// the node).
    pub uptime_secs: u64,
    /// The node's wall clock, in seconds since the Unix epoch.
    pub unix_time: u64,
    /// Every connection, in connection id order.
    pub peers: Vec<PeerRow>,
    /// The node's counters.
    pub stats: NodeStats,
    /// Live ban list records.
    pub bans: BanCounts,
}

impl StatusSnapshot {
    /// Captures the node's status; runs inside the driver task, through
    /// [`NodeHandle::call`] (or use [`snapshot`]).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # use rand_core::OsRng;
    /// # use veil_core::{identity::Identity, node::{Node, NodeConfig}};
    /// # use veil_tokio::{clock::Clock, driver::{spawn, DriverConfig}};
    /// use veil_tokio::status::StatusSnapshot;
    /// # let clock = Clock::start();
    /// # let node = Node::new(NodeConfig::default(), Identity::generate(&mut OsRng), clock.now(), clock.wall(), &mut OsRng).unwrap();
    /// let running = spawn(node, clock, DriverConfig::default());
    /// let snapshot = running.handle.call(|ctx| StatusSnapshot::capture(ctx)).await.unwrap();
    /// assert!(snapshot.unix_time > 1_600_000_000);
    /// # running.handle.shutdown();
    /// # running.task.await.unwrap();
    /// # }
    /// ```
    #[must_use]
    pub fn capture(ctx: &Ctx<'_>) -> StatusSnapshot {
        let now = ctx.now;
        let node = &*ctx.node;
        let wall = node.wall_clock(now);
        StatusSnapshot {
            peer_id: node.peer_id().to_string(),
            uptime_secs: now.saturating_duration_since(Instant::ZERO).as_secs(),
            unix_time: wall.as_secs(),
            peers: node
                .peers()
                .map(|peer| PeerRow::from_snapshot(&peer, ctx.carrier_of(peer.conn), now))
                .collect(),
            stats: node.stats().clone(),
            bans: BanCounts::count(node.ban_list(), wall),
        }
    }
}

/// Asks the running node for a [`StatusSnapshot`] (one call into the
/// driver task); fails once the node has stopped.
///
/// See [`StatusSnapshot`] for an example.
pub async fn snapshot(handle: &NodeHandle) -> Result<StatusSnapshot, Stopped> {
    handle.call(|ctx| StatusSnapshot::capture(ctx)).await
}
