//! Budgets: how much bandwidth and delay shaping may cost, stated by each
//! side in the handshake and met by the smaller of the two.

use core::fmt;

use crate::time::Duration;

/// Bytes of an encoded [`Budget`].
///
/// ```
/// assert_eq!(veil_core::shaping::BUDGET_LEN, 10);
/// ```
pub const BUDGET_LEN: usize = 10;

/// Overhead a connection may spend beyond its percentage, so that the first
/// packets (the `version` among them) can be shaped before any real traffic
/// earned credit.
///
/// ```
/// assert_eq!(veil_core::shaping::OVERHEAD_ALLOWANCE, 65_536);
/// ```
pub const OVERHEAD_ALLOWANCE: u64 = 64 * 1024;

/// The most shaping may cost one direction of a connection.
///
/// - Bandwidth: the bytes shaping adds (padding, the extra overhead of
///   fragments, decoys) stay at most `max_overhead_percent` % of what the
///   same messages cost unshaped, plus [`OVERHEAD_ALLOWANCE`]; with
///   [`Budget::UNLIMITED_OVERHEAD`] there is no cap.
/// - Latency: no real message waits longer than `max_added_latency` before
///   it is encrypted and queued; `pong`, `ping` and `disconnect` no longer
///   than `max_urgent_latency` (never more than `max_added_latency`).
///
/// On the wire (a `privacy_budget` packet, `docs/PROTOCOL.md` section 10.5):
/// `max_overhead_percent` u16, then the two latencies in milliseconds as
/// u32, little-endian.
///
/// # Example
///
/// ```
/// use veil_core::shaping::Budget;
/// use veil_core::Duration;
///
/// let ours = Budget { max_overhead_percent: 50, max_added_latency: Duration::from_millis(200), max_urgent_latency: Duration::from_millis(20) };
/// let theirs = Budget { max_overhead_percent: 30, max_added_latency: Duration::from_millis(500), max_urgent_latency: Duration::from_millis(50) };
/// let met = ours.meet(theirs);
/// assert_eq!(met.max_overhead_percent, 30);
/// assert_eq!(met.max_added_latency, Duration::from_millis(200));
/// assert_eq!(Budget::decode(&met.encode()), met);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Budget {
    /// Bandwidth shaping may add, in percent of the unshaped bytes.
    pub max_overhead_percent: u16,
    /// Longest delay shaping may add to a real message.
    pub max_added_latency: Duration,
    /// Longest delay for `ping`, `pong` and `disconnect`.
    pub max_urgent_latency: Duration,
}

impl Budget {
    /// No cap on bandwidth overhead.
    ///
    /// ```
    /// assert_eq!(veil_core::shaping::Budget::UNLIMITED_OVERHEAD, u16::MAX);
    /// ```
    pub const UNLIMITED_OVERHEAD: u16 = u16::MAX;

    /// No overhead and no delay: shaping effectively off.
    ///
    /// ```
    /// use veil_core::shaping::Budget;
    /// assert_eq!(Budget::NONE.max_overhead_percent, 0);
    /// ```
    pub const NONE: Budget = Budget {
        max_overhead_percent: 0,
        max_added_latency: Duration::ZERO,
        max_urgent_latency: Duration::ZERO,
    };

    /// What both budgets allow: the smaller of each limit.
    ///
    /// ```
    /// use veil_core::shaping::Budget;
    /// assert_eq!(Budget::NONE.meet(Budget::NONE), Budget::NONE);
    /// ```
    #[must_use]
    pub fn meet(self, other: Budget) -> Budget {
        Budget {
            max_overhead_percent: self.max_overhead_percent.min(other.max_overhead_percent),
            max_added_latency: self.max_added_latency.min(other.max_added_latency),
            max_urgent_latency: self.max_urgent_latency.min(other.max_urgent_latency),
        }
    }

    /// The urgent latency limit as applied: never above the general one.
    ///
    /// ```
    /// use veil_core::shaping::Budget;
    /// use veil_core::Duration;
    /// let budget = Budget { max_overhead_percent: 0, max_added_latency: Duration::from_millis(5), max_urgent_latency: Duration::from_millis(9) };
    /// assert_eq!(budget.urgent_latency(), Duration::from_millis(5));
    /// ```
    #[must_use]
    pub fn urgent_latency(&self) -> Duration {
        self.max_urgent_latency.min(self.max_added_latency)
    }

    /// The wire form (latencies saturate at `u32::MAX` milliseconds).
    ///
    /// ```
    /// use veil_core::shaping::Budget;
    /// assert_eq!(Budget::NONE.encode(), [0; 10]);
    /// ```
    #[must_use]
    pub fn encode(&self) -> [u8; BUDGET_LEN] {
        let mut out = [0u8; BUDGET_LEN];
        out[..2].copy_from_slice(&self.max_overhead_percent.to_le_bytes());
        out[2..6].copy_from_slice(&millis_u32(self.max_added_latency).to_le_bytes());
        out[6..].copy_from_slice(&millis_u32(self.max_urgent_latency).to_le_bytes());
        out
    }

    /// Reads the wire form. Every value is meaningful, so this cannot fail.
    ///
    /// ```
    /// use veil_core::shaping::Budget;
    /// let budget = Budget::decode(&[30, 0, 200, 0, 0, 0, 20, 0, 0, 0]);
    /// assert_eq!(budget.max_overhead_percent, 30);
    /// assert_eq!(budget.max_added_latency.as_millis(), 200);
    /// ```
    #[must_use]
    pub fn decode(bytes: &[u8; BUDGET_LEN]) -> Budget {
        let u32_at = |at: usize| {
            u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
        };
        Budget {
            max_overhead_percent: u16::from_le_bytes([bytes[0], bytes[1]]),
            max_added_latency: Duration::from_millis(u64::from(u32_at(2))),
            max_urgent_latency: Duration::from_millis(u64::from(u32_at(6))),
        }
    }
}

impl fmt::Display for Budget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.max_overhead_percent == Budget::UNLIMITED_OVERHEAD {
            f.write_str("unlimited overhead")?;
        } else {
            write!(f, "overhead <= {}%", self.max_overhead_percent)?;
        }
        write!(
            f,
            ", added latency <= {} ms (urgent {} ms)",
            self.max_added_latency.as_millis(),
            self.urgent_latency().as_millis()
        )
    }
}

fn millis_u32(duration: Duration) -> u32 {
    u32::try_from(duration.as_millis()).unwrap_or(u32::MAX)
}

/// The bandwidth account of one direction: what the traffic would have
/// cost unshaped, and what shaping added on top.
///
/// # Example
///
/// ```
/// use veil_core::shaping::{Ledger, OVERHEAD_ALLOWANCE};
///
/// let mut ledger = Ledger::new(10);
/// ledger.record(1000, 1000);
/// assert!(ledger.can_spend(100 + OVERHEAD_ALLOWANCE));
/// assert!(!ledger.can_spend(101 + OVERHEAD_ALLOWANCE));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ledger {
    percent: u16,
    base: u64,
    added: u64,
}

impl Ledger {
    /// An empty account under a budget of `percent` %.
    ///
    /// ```
    /// assert_eq!(veil_core::shaping::Ledger::new(30).added(), 0);
    /// ```
    #[must_use]
    pub fn new(percent: u16) -> Ledger {
        Ledger {
            percent,
            base: 0,
            added: 0,
        }
    }

    /// Changes the percentage (after negotiation); the account is kept.
    ///
    /// ```
    /// let mut ledger = veil_core::shaping::Ledger::new(30);
    /// ledger.set_percent(10);
    /// ```
    pub fn set_percent(&mut self, percent: u16) {
        self.percent = percent;
    }

    /// The most overhead allowed so far.
    ///
    /// ```
    /// use veil_core::shaping::{Ledger, OVERHEAD_ALLOWANCE};
    /// assert_eq!(Ledger::new(0).allowed(), OVERHEAD_ALLOWANCE);
    /// ```
    #[must_use]
    pub fn allowed(&self) -> u64 {
        if self.percent == Budget::UNLIMITED_OVERHEAD {
            return u64::MAX;
        }
        (self.base.saturating_mul(u64::from(self.percent)) / 100).saturating_add(OVERHEAD_ALLOWANCE)
    }

    /// Whether `extra` more bytes of overhead stay within the budget.
    ///
    /// ```
    /// let ledger = veil_core::shaping::Ledger::new(0);
    /// assert!(!ledger.can_spend(u64::MAX));
    /// ```
    #[must_use]
    pub fn can_spend(&self, extra: u64) -> bool {
        self.added.saturating_add(extra) <= self.allowed()
    }

    /// Accounts packets that would have cost `unshaped` bytes and cost
    /// `shaped` (a decoy has `unshaped` 0).
    ///
    /// ```
    /// let mut ledger = veil_core::shaping::Ledger::new(50);
    /// ledger.record(100, 256);
    /// assert_eq!((ledger.base(), ledger.added()), (100, 156));
    /// ```
    pub fn record(&mut self, unshaped: u64, shaped: u64) {
        self.base = self.base.saturating_add(unshaped);
        self.added = self.added.saturating_add(shaped.saturating_sub(unshaped));
    }

    /// Bytes the traffic would have cost unshaped.
    ///
    /// ```
    /// assert_eq!(veil_core::shaping::Ledger::new(1).base(), 0);
    /// ```
    #[must_use]
    pub fn base(&self) -> u64 {
        self.base
    }

    /// Bytes shaping added.
    ///
    /// ```
    /// assert_eq!(veil_core::shaping::Ledger::new(1).added(), 0);
    /// ```
    #[must_use]
    pub fn added(&self) -> u64 {
        self.added
    }
}
