//! How many addresses of a peer's `addr` messages are processed: a token
//! bucket per peer (Bitcoin Core: 0.1 addresses/s, burst 1,000).

use crate::{Duration, Instant};

/// Micro-tokens per token: refill is exact in integer arithmetic
/// (milliseconds × thousandths of a token per second).
const MICRO: u64 = 1_000_000;

/// The rate limiter's parameters.
///
/// # Example
///
/// ```
/// use veil_core::addrbook::AddrRateConfig;
/// let config = AddrRateConfig::default();
/// assert_eq!((config.milli_per_sec, config.burst, config.initial), (100, 1_000, 1));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AddrRateConfig {
    /// Refill rate in thousandths of an address per second (100 = 0.1/s).
    pub milli_per_sec: u32,
    /// The most tokens refill accumulates (one full `addr` message).
    pub burst: u32,
    /// Tokens at the start, so a new peer's self-announcement gets through.
    pub initial: u32,
}

impl Default for AddrRateConfig {
    fn default() -> Self {
        AddrRateConfig {
            milli_per_sec: 100,
            burst: 1_000,
            initial: 1,
        }
    }
}

/// One peer's address token bucket.
///
/// # Example
///
/// ```
/// use veil_core::addrbook::{AddrRateConfig, AddrRateLimiter};
/// use veil_core::{Duration, Instant};
///
/// let start = Instant::ZERO;
/// let mut limiter = AddrRateLimiter::new(AddrRateConfig::default(), start);
/// // A flood of 1,000 addresses at once: only the initial token passes.
/// assert_eq!(limiter.admit(start, 1_000), 1);
/// assert_eq!(limiter.dropped(), 999);
/// // 100 seconds later, 10 more.
/// assert_eq!(limiter.admit(start + Duration::from_secs(100), 1_000), 10);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddrRateLimiter {
    config: AddrRateConfig,
    micro_tokens: u64,
    last: Instant,
    processed: u64,
    dropped: u64,
}

impl AddrRateLimiter {
    /// A limiter holding `config.initial` tokens at `now`.
    ///
    /// ```
    /// # use veil_core::addrbook::{AddrRateConfig, AddrRateLimiter};
    /// let limiter = AddrRateLimiter::new(AddrRateConfig::default(), veil_core::Instant::ZERO);
    /// assert_eq!(limiter.tokens(), 1);
    /// ```
    #[must_use]
    pub fn new(config: AddrRateConfig, now: Instant) -> Self {
        AddrRateLimiter {
            config,
            micro_tokens: u64::from(config.initial) * MICRO,
            last: now,
            processed: 0,
            dropped: 0,
        }
    }

    /// Of an `addr` message of `count` addresses arriving at `now`, how
    /// many to process (the first ones); the rest are dropped and counted.
    ///
    /// ```
    /// # use veil_core::addrbook::{AddrRateConfig, AddrRateLimiter};
    /// # use veil_core::{Duration, Instant};
    /// let mut limiter = AddrRateLimiter::new(AddrRateConfig::default(), Instant::ZERO);
    /// let hour = Instant::ZERO + Duration::from_secs(3_600);
    /// // The initial token plus 0.1 per second for an hour.
    /// assert_eq!(limiter.admit(hour, 500), 361);
    /// assert_eq!(limiter.processed(), 361);
    /// ```
    pub fn admit(&mut self, now: Instant, count: usize) -> usize {
        self.refill(now);
        let available = self.micro_tokens / MICRO;
        let admitted = (count as u64).min(available);
        self.micro_tokens -= admitted * MICRO;
        self.processed = self.processed.saturating_add(admitted);
        self.dropped = self.dropped.saturating_add(count as u64 - admitted);
        // `admitted` is at most `count`, a usize.
        admitted as usize
    }

    /// Call when sending this peer a getaddr: its answer (up to `burst`
    /// addresses) is expected, so that many tokens are added on top
    /// (Bitcoin Core does the same). Holds at most twice `burst`.
    ///
    /// ```
    /// # use veil_core::addrbook::{AddrRateConfig, AddrRateLimiter};
    /// # use veil_core::Instant;
    /// let mut limiter = AddrRateLimiter::new(AddrRateConfig::default(), Instant::ZERO);
    /// limiter.expect_response();
    /// assert_eq!(limiter.admit(Instant::ZERO, 1_000), 1_000);
    /// ```
    pub fn expect_response(&mut self) {
        let cap = u64::from(self.config.burst) * 2 * MICRO;
        let extra = u64::from(self.config.burst) * MICRO;
        self.micro_tokens = self.micro_tokens.saturating_add(extra).min(cap);
    }

    /// Whole tokens available now (without refilling).
    ///
    /// ```
    /// # use veil_core::addrbook::{AddrRateConfig, AddrRateLimiter};
    /// let config = AddrRateConfig { initial: 5, ..Default::default() };
    /// assert_eq!(AddrRateLimiter::new(config, veil_core::Instant::ZERO).tokens(), 5);
    /// ```
    #[must_use]
    pub fn tokens(&self) -> u64 {
        self.micro_tokens / MICRO
    }

    /// Addresses admitted so far.
    ///
    /// ```
    /// # use veil_core::addrbook::{AddrRateConfig, AddrRateLimiter};
    /// let limiter = AddrRateLimiter::new(AddrRateConfig::default(), veil_core::Instant::ZERO);
    /// assert_eq!(limiter.processed(), 0);
    /// ```
    #[must_use]
    pub fn processed(&self) -> u64 {
        self.processed
    }

    /// Addresses dropped so far.
    ///
    /// ```
    /// # use veil_core::addrbook::{AddrRateConfig, AddrRateLimiter};
    /// let mut limiter = AddrRateLimiter::new(AddrRateConfig::default(), veil_core::Instant::ZERO);
    /// limiter.admit(veil_core::Instant::ZERO, 3);
    /// assert_eq!(limiter.dropped(), 2);
    /// ```
    #[must_use]
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    fn refill(&mut self, now: Instant) {
        // A time before `last` (a caller bug) adds nothing.
        let elapsed = now.saturating_duration_since(self.last);
        if elapsed == Duration::ZERO {
            return;
        }
        self.last = now;
        let cap = u64::from(self.config.burst) * MICRO;
        if self.micro_tokens < cap {
            let gain = elapsed
                .as_millis()
                .saturating_mul(u64::from(self.config.milli_per_sec));
            self.micro_tokens = self.micro_tokens.saturating_add(gain).min(cap);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: u64) -> Instant {
        Instant::from_millis(ms)
    }

    #[test]
    fn refills_at_the_rate_up_to_the_burst() {
        let mut l = AddrRateLimiter::new(AddrRateConfig::default(), at(0));
        assert_eq!(l.admit(at(0), 0), 0);
        assert_eq!(l.admit(at(0), 5), 1);
        // 0.1/s: one token every 10 s, fractions kept.
        assert_eq!(l.admit(at(9_999), 5), 0);
        assert_eq!(l.admit(at(10_000), 5), 1);
        for step in 1..=10 {
            assert_eq!(l.admit(at(10_000 + step * 1_000), 0), 0);
        }
        assert_eq!(l.admit(at(20_000), 5), 1);
        // A day of silence refills only to the burst.
        assert_eq!(l.admit(at(86_400_000), 5_000), 1_000);
        assert_eq!(l.processed(), 1_003);
        assert_eq!(l.dropped(), 4 + 5 + 4 + 4 + 4_000);
    }

    #[test]
    fn time_going_back_adds_nothing() {
        let mut l = AddrRateLimiter::new(AddrRateConfig::default(), at(100_000));
        assert_eq!(l.admit(at(0), 10), 1);
        assert_eq!(l.admit(at(100_000), 10), 0);
        assert_eq!(l.admit(at(110_000), 10), 1);
    }

    #[test]
    fn expected_responses_are_capped() {
        let mut l = AddrRateLimiter::new(AddrRateConfig::default(), at(0));
        for _ in 0..10 {
            l.expect_response();
        }
        assert_eq!(l.tokens(), 2_000);
        assert_eq!(l.admit(at(0), usize::MAX), 2_000);
    }
}
