//! Counters and round-trip times of one connection.

use crate::shaping::ShapingStats;
use crate::time::{Duration, Instant};

/// What a connection has done so far.
///
/// # Example
///
/// ```
/// use veil_core::connection::ConnectionStats;
/// let stats = ConnectionStats::default();
/// assert_eq!(stats.bytes_sent, 0);
/// assert_eq!(stats.rtt_min, None);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConnectionStats {
    /// Bytes handed out by `poll_transmit`.
    pub bytes_sent: u64,
    /// Bytes passed to `handle_input`.
    pub bytes_received: u64,
    /// Messages queued for the peer (handshake and keepalive included).
    pub messages_sent: u64,
    /// Messages received from the peer.
    pub messages_received: u64,
    /// Messages of unknown type skipped under the skip policy.
    pub messages_skipped: u64,
    /// Decoy packets received and dropped.
    pub decoys_received: u64,
    /// Keepalive pings sent.
    pub pings_sent: u64,
    /// Smallest measured round-trip time.
    pub rtt_min: Option<Duration>,
    /// Moving average of the round-trip time (weight 1/8 for each new
    /// sample, as TCP's smoothed RTT).
    pub rtt_avg: Option<Duration>,
    /// When the peer last sent a byte.
    pub last_seen: Option<Instant>,
    /// When the handshake completed.
    pub established_at: Option<Instant>,
    /// Session rekeys completed.
    pub rekeys: u32,
    /// What traffic shaping did on the sending side (encrypted transport).
    pub shaping: ShapingStats,
}

impl ConnectionStats {
    /// Folds one round-trip sample into the minimum and the average.
    ///
    /// ```
    /// use veil_core::connection::ConnectionStats;
    /// use veil_core::Duration;
    /// let mut stats = ConnectionStats::default();
    /// stats.record_rtt(Duration::from_millis(80));
    /// stats.record_rtt(Duration::from_millis(160));
    /// assert_eq!(stats.rtt_min, Some(Duration::from_millis(80)));
    /// assert_eq!(stats.rtt_avg, Some(Duration::from_millis(90)));
    /// ```
    pub fn record_rtt(&mut self, rtt: Duration) {
        self.rtt_min = Some(self.rtt_min.map_or(rtt, |min| min.min(rtt)));
        let avg = match self.rtt_avg {
            None => rtt.as_millis(),
            Some(avg) => {
                avg.as_millis()
                    .saturating_mul(7)
                    .saturating_add(rtt.as_millis())
                    / 8
            }
        };
        self.rtt_avg = Some(Duration::from_millis(avg));
    }
}
