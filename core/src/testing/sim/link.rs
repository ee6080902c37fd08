//! Simulated links: latency, loss, and what travels on them.

use alloc::vec::Vec;

use crate::node::{ConnId, DialError, PeerAddr};
use crate::time::{Duration, Instant, UnixTime};

/// The simulated network's parameters.
///
/// ```
/// use veil_core::testing::sim::SimConfig;
/// let config = SimConfig::default();
/// assert!(config.latency_min <= config.latency_max);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SimConfig {
    /// Least one-way latency of a segment (default 10 ms).
    pub latency_min: Duration,
    /// Most one-way latency of a segment, before loss (default 80 ms).
    pub latency_max: Duration,
    /// Chance in thousandths that a segment is lost once and retransmitted
    /// (default 0).
    pub loss_permille: u16,
    /// What a loss adds: the retransmission timeout (default 200 ms).
    pub retransmit_delay: Duration,
    /// Wall-clock time at virtual time zero.
    pub start_wall: UnixTime,
    /// Whether node events are kept for [`Simulator::take_events`](super::Simulator::take_events)
    /// (default on; off for big benches).
    pub record_events: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            latency_min: Duration::from_millis(10),
            latency_max: Duration::from_millis(80),
            loss_permille: 0,
            retransmit_delay: Duration::from_millis(200),
            start_wall: UnixTime::from_secs(1_700_000_000),
            record_events: true,
        }
    }
}

/// One end of a simulated stream.
pub(super) struct Socket {
    pub remote_host: usize,
    /// The remote end's connection id, once the stream is open.
    pub remote_conn: Option<ConnId>,
    /// The remote host's incarnation when the stream was opened: a host
    /// restarted since reuses connection ids, and must not receive what
    /// was meant for its previous life.
    pub remote_epoch: u64,
    /// When the last segment sent on it arrives (streams keep order).
    pub last_arrival: Instant,
}

/// What the simulator delivers at a scheduled time.
pub(super) enum Delivery {
    /// A dial's first segment reaches `to`.
    Connect {
        from_host: usize,
        from_conn: ConnId,
        from_epoch: u64,
        from_addr: PeerAddr,
        to: PeerAddr,
    },
    /// The dialler learns the outcome.
    Connected {
        host: usize,
        conn: ConnId,
        epoch: u64,
        outcome: Result<(usize, ConnId, u64), DialError>,
    },
    /// Bytes arrive on a stream.
    Bytes {
        host: usize,
        conn: ConnId,
        epoch: u64,
        data: Vec<u8>,
    },
    /// The remote end closed or reset the stream.
    Closed {
        host: usize,
        conn: ConnId,
        epoch: u64,
    },
    /// A host's deadline (stale unless the generation matches).
    Wake { host: usize, generation: u64 },
}
