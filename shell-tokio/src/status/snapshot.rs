//! What the status endpoint shows, captured in the driver task.

use serde::{Deserialize, Serialize};
use veil_core::node::{NodeStats, PeerState};

use crate::driver::{Ctx, NodeHandle, Stopped};

/// One peer, as `/peers` lists it.
///
/// ```
/// let row = veil_tokio::status::PeerRow::default();
/// assert_eq!(serde_json::to_value(&row).unwrap()["carrier"], "");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PeerRow {
    /// The peer's id (hex), empty before its handshake.
    pub peer_id: String,
    /// Its address as the node dialled or accepted it.
    pub address: String,
    /// `inbound` or `outbound`.
    pub direction: String,
    /// The connection kind (`outbound`, `manual`, `feeler`, …).
    pub kind: String,
    /// `dialing`, `proxying`, `handshaking`, `connected` or `closing`.
    pub state: String,
    /// `tcp`, `tls`, `ws` or `wss` (empty while dialling).
    pub carrier: String,
    /// Negotiated feature bits.
    pub features: u32,
    /// Negotiated privacy feature bits.
    pub privacy_features: u32,
    /// Smoothed round-trip time in milliseconds, once measured.
    pub rtt_ms: Option<u64>,
    /// Bytes written to the peer.
    pub bytes_sent: u64,
    /// Bytes read from the peer.
    pub bytes_received: u64,
    /// Messages sent.
    pub messages_sent: u64,
    /// Messages received.
    pub messages_received: u64,
    /// The node's score of the peer (higher is better).
    pub score: i64,
    /// Seconds since the handshake completed, once it has.
    pub connected_secs: Option<u64>,
}

/// Everything the status endpoint reports, at one instant.
///
/// ```no_run
/// # async fn demo(handle: veil_tokio::driver::NodeHandle) {
/// let snapshot = veil_tokio::status::StatusSnapshot::take(&handle).await.unwrap();
/// println!("{} peers", snapshot.peers.len());
/// # }
/// ```
#[derive(Clone, Debug, Default)]
pub struct StatusSnapshot {
    /// The node's peer id.
    pub peer_id: String,
    /// Seconds since the node started.
    pub uptime_secs: u64,
    /// Every connection.
    pub peers: Vec<PeerRow>,
    /// The node's counters.
    pub stats: NodeStats,
    /// Peer ids and netgroups with a ban or discouragement record.
    pub ban_records: usize,
}

impl StatusSnapshot {
    /// Captures the node's status (inside the driver task).
    ///
    /// ```no_run
    /// # async fn demo(handle: veil_tokio::driver::NodeHandle) {
    /// use veil_tokio::status::StatusSnapshot;
    /// let snapshot = handle.call(|ctx| StatusSnapshot::capture(ctx)).await.unwrap();
    /// # }
    /// ```
    #[must_use]
    pub fn capture(ctx: &Ctx<'_>) -> StatusSnapshot {
        let now = ctx.now;
        let peers = ctx
            .node
            .peers()
            .map(|p| PeerRow {
                peer_id: p.peer_id.map(|id| id.to_string()).unwrap_or_default(),
                address: p.addr.to_string(),
                direction: p.direction.as_str().to_owned(),
                kind: p.kind.as_str().to_owned(),
                state: p.state.as_str().to_owned(),
                carrier: ctx
                    .carrier_of(p.conn)
                    .map(|c| c.to_string())
                    .unwrap_or_default(),
                features: p.features,
                privacy_features: p.privacy_features,
                rtt_ms: p.health.rtt_avg.map(|d| d.as_millis()),
                bytes_sent: p.health.bytes_sent,
                bytes_received: p.health.bytes_received,
                messages_sent: p.health.messages_sent,
                messages_received: p.health.messages_received,
                score: p.score,
                connected_secs: p
                    .connected_since
                    .filter(|_| p.state == PeerState::Connected)
                    .map(|at| now.saturating_duration_since(at).as_secs()),
            })
            .collect();
        StatusSnapshot {
            peer_id: ctx.node.peer_id().to_string(),
            uptime_secs: now
                .saturating_duration_since(veil_core::Instant::ZERO)
                .as_secs(),
            peers,
            stats: ctx.node.stats().clone(),
            ban_records: ctx.node.ban_list().len(),
        }
    }

    /// Asks the running node for a snapshot.
    ///
    /// See [`StatusSnapshot`] for an example.
    pub async fn take(handle: &NodeHandle) -> Result<StatusSnapshot, Stopped> {
        handle.call(|ctx| StatusSnapshot::capture(ctx)).await
    }
}
