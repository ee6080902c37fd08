//! What traffic shaping did on one connection.

use crate::time::Duration;

/// Counters of one direction's shaping.
///
/// # Example
///
/// ```
/// use veil_core::shaping::ShapingStats;
/// let stats = ShapingStats::default();
/// assert_eq!(stats.overhead_percent(), None);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ShapingStats {
    /// What the packets sent would have cost unshaped.
    pub unshaped_bytes: u64,
    /// Bytes shaping added: padding, extra fragment overhead, decoys.
    pub added_bytes: u64,
    /// Decoy packets sent (chaff, dummy traffic, empty constant-rate slots).
    pub decoys_sent: u64,
    /// Wire bytes of those decoys.
    pub decoy_bytes: u64,
    /// Decoys left out because they would have broken the budget.
    pub decoys_over_budget: u64,
    /// Messages sent unpadded because padding would have broken the budget.
    pub unpadded_over_budget: u64,
    /// Messages that waited before they were sent.
    pub messages_delayed: u64,
    /// The longest such wait.
    pub max_added_delay: Duration,
    /// Constant-rate slots skipped because the caller woke late.
    pub slots_missed: u64,
    /// Messages that left outside the constant-rate slots because their
    /// latency budget ran out.
    pub overflow_messages: u64,
}

impl ShapingStats {
    /// Added bytes as a percentage of the unshaped bytes; `None` before any
    /// traffic.
    ///
    /// ```
    /// use veil_core::shaping::ShapingStats;
    /// let stats = ShapingStats { unshaped_bytes: 200, added_bytes: 50, ..ShapingStats::default() };
    /// assert_eq!(stats.overhead_percent(), Some(25));
    /// ```
    #[must_use]
    pub fn overhead_percent(&self) -> Option<u64> {
        (self.unshaped_bytes > 0)
            .then(|| self.added_bytes.saturating_mul(100) / self.unshaped_bytes)
    }

    /// Counts a message that waited `delay`.
    pub(crate) fn record_delay(&mut self, delay: Duration) {
        if delay > Duration::ZERO {
            self.messages_delayed += 1;
            self.max_added_delay = self.max_added_delay.max(delay);
        }
    }
}
