//! When to dial a peer again: exponential backoff with jitter for
//! persistent peers, a fixed number of retries for the others.
//!
//! Persistent peers are redialled forever. The delay's *envelope* starts at
//! [`BackoffConfig::base`] and doubles with every consecutive failure up to
//! [`BackoffConfig::max`] (Kaspa's 30 s · 2ⁿ capped at 8 minutes has the
//! same shape). The delay itself uses *equal jitter*: half the envelope is
//! fixed and the other half uniformly random. The random half spreads the
//! redials of many nodes that lost the same peer (or their own network) at
//! once, so they do not return in lockstep, and keeps the redial time from
//! being a fingerprint; the fixed half guarantees a floor, so a flapping peer
//! is never redialled in a tight loop (full jitter can draw zero). A
//! connection that stays up for [`BackoffConfig::stable_after`] resets the
//! count, so one failure after days of service starts again at the base.

use rand_core::RngCore;

use crate::time::{Duration, Instant};

/// The backoff's parameters.
///
/// # Example
///
/// ```
/// use veil_core::peering::BackoffConfig;
/// use veil_core::Duration;
///
/// let config = BackoffConfig::default();
/// assert_eq!(config.base, Duration::from_secs(1));
/// assert_eq!(config.max, Duration::from_secs(8 * 60));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BackoffConfig {
    /// The envelope after the first failure (default 1 s).
    pub base: Duration,
    /// The envelope's cap (default 8 minutes).
    pub max: Duration,
    /// Uptime after which a connection counts as stable and the failure
    /// count resets (default 60 s).
    pub stable_after: Duration,
}

impl Default for BackoffConfig {
    fn default() -> Self {
        BackoffConfig {
            base: Duration::from_secs(1),
            max: Duration::from_secs(8 * 60),
            stable_after: Duration::from_secs(60),
        }
    }
}

/// The reconnect backoff of one persistent peer.
///
/// # Example
///
/// ```
/// use rand_chacha::rand_core::SeedableRng;
/// use veil_core::peering::{Backoff, BackoffConfig};
/// use veil_core::{Duration, Instant};
///
/// let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
/// let mut backoff = Backoff::new(BackoffConfig::default());
/// let first = backoff.on_failure(&mut rng);
/// assert!(first >= Duration::from_millis(500) && first <= Duration::from_secs(1));
/// let second = backoff.on_failure(&mut rng);
/// assert!(second >= Duration::from_secs(1) && second <= Duration::from_secs(2));
///
/// // Up for ten minutes: the next drop starts again at the base.
/// backoff.on_connected(Instant::ZERO);
/// let again = backoff.on_disconnected(Instant::ZERO + Duration::from_secs(600), &mut rng);
/// assert!(again <= Duration::from_secs(1));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Backoff {
    config: BackoffConfig,
    failures: u32,
    up_since: Option<Instant>,
}

impl Backoff {
    /// A backoff with no failures yet.
    ///
    /// ```
    /// let backoff = veil_core::peering::Backoff::new(Default::default());
    /// assert_eq!(backoff.failures(), 0);
    /// ```
    #[must_use]
    pub fn new(config: BackoffConfig) -> Self {
        Backoff {
            config,
            failures: 0,
            up_since: None,
        }
    }

    /// Consecutive failures counted so far.
    ///
    /// ```
    /// # use rand_chacha::rand_core::SeedableRng;
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    /// let mut backoff = veil_core::peering::Backoff::new(Default::default());
    /// backoff.on_failure(&mut rng);
    /// assert_eq!(backoff.failures(), 1);
    /// ```
    #[must_use]
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// The largest delay the next failure can draw: `base · 2^failures`,
    /// at most `max`.
    ///
    /// ```
    /// use veil_core::peering::Backoff;
    /// use veil_core::Duration;
    /// assert_eq!(Backoff::new(Default::default()).envelope(), Duration::from_secs(1));
    /// ```
    #[must_use]
    pub fn envelope(&self) -> Duration {
        let factor = 1u64 << self.failures.min(63);
        let millis = self.config.base.as_millis().saturating_mul(factor);
        Duration::from_millis(millis).min(self.config.max)
    }

    /// A dial failed (or a connection dropped before it was stable): the
    /// delay before the next dial, in `[envelope / 2, envelope]`.
    ///
    /// ```
    /// # use rand_chacha::rand_core::SeedableRng;
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    /// use veil_core::peering::{Backoff, BackoffConfig};
    /// use veil_core::Duration;
    /// let config = BackoffConfig { max: Duration::from_secs(4), ..BackoffConfig::default() };
    /// let mut backoff = Backoff::new(config);
    /// for _ in 0..100 {
    ///     assert!(backoff.on_failure(&mut rng) <= Duration::from_secs(4));
    /// }
    /// ```
    pub fn on_failure<R: RngCore + ?Sized>(&mut self, rng: &mut R) -> Duration {
        let envelope = self.envelope().as_millis();
        let floor = envelope / 2;
        let delay = floor + uniform_up_to(rng, envelope - floor);
        self.failures = self.failures.saturating_add(1);
        self.up_since = None;
        Duration::from_millis(delay)
    }

    /// The connection came up at `now`.
    ///
    /// ```
    /// let mut backoff = veil_core::peering::Backoff::new(Default::default());
    /// backoff.on_connected(veil_core::Instant::ZERO);
    /// ```
    pub fn on_connected(&mut self, now: Instant) {
        self.up_since = Some(now);
    }

    /// The connection went down at `now`: resets the failure count if it
    /// was up for at least `stable_after`, then counts a failure and
    /// returns the delay before redialling.
    ///
    /// ```
    /// # use rand_chacha::rand_core::SeedableRng;
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    /// use veil_core::{Duration, Instant};
    /// let mut backoff = veil_core::peering::Backoff::new(Default::default());
    /// backoff.on_failure(&mut rng);
    /// backoff.on_connected(Instant::ZERO);
    /// // Dropped after 5 s: not stable, so the count keeps growing.
    /// backoff.on_disconnected(Instant::from_millis(5_000), &mut rng);
    /// assert_eq!(backoff.failures(), 2);
    /// ```
    pub fn on_disconnected<R: RngCore + ?Sized>(&mut self, now: Instant, rng: &mut R) -> Duration {
        if let Some(since) = self.up_since {
            if now.saturating_duration_since(since) >= self.config.stable_after {
                self.failures = 0;
            }
        }
        self.on_failure(rng)
    }

    /// Forgets every failure (for example when the operator asks for an
    /// immediate redial).
    ///
    /// ```
    /// # use rand_chacha::rand_core::SeedableRng;
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    /// let mut backoff = veil_core::peering::Backoff::new(Default::default());
    /// backoff.on_failure(&mut rng);
    /// backoff.reset();
    /// assert_eq!(backoff.failures(), 0);
    /// ```
    pub fn reset(&mut self) {
        self.failures = 0;
        self.up_since = None;
    }
}

/// A uniform draw from `0..=max`, without modulo bias.
fn uniform_up_to<R: RngCore + ?Sized>(rng: &mut R, max: u64) -> u64 {
    let Some(span) = max.checked_add(1) else {
        return rng.next_u64();
    };
    // Reject the top partial block of the u64 range.
    let zone = u64::MAX - (u64::MAX - span + 1) % span;
    loop {
        let value = rng.next_u64();
        if value <= zone {
            return value % span;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand_chacha::rand_core::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    #[test]
    fn envelope_doubles_to_the_cap() {
        let mut rng = ChaCha20Rng::seed_from_u64(0);
        let mut backoff = Backoff::new(BackoffConfig::default());
        let mut envelopes = alloc::vec::Vec::new();
        for _ in 0..12 {
            envelopes.push(backoff.envelope().as_secs());
            backoff.on_failure(&mut rng);
        }
        assert_eq!(envelopes, [1, 2, 4, 8, 16, 32, 64, 128, 256, 480, 480, 480]);
        for _ in 0..100 {
            backoff.on_failure(&mut rng);
        }
        assert_eq!(backoff.envelope(), Duration::from_secs(480));
    }

    #[test]
    fn short_connection_does_not_reset() {
        let mut rng = ChaCha20Rng::seed_from_u64(0);
        let mut backoff = Backoff::new(BackoffConfig::default());
        for _ in 0..5 {
            backoff.on_failure(&mut rng);
        }
        backoff.on_connected(Instant::from_millis(1_000));
        let delay = backoff.on_disconnected(Instant::from_millis(60_999), &mut rng);
        assert!(delay >= Duration::from_secs(16));
        backoff.on_connected(Instant::from_millis(100_000));
        let delay = backoff.on_disconnected(Instant::from_millis(160_000), &mut rng);
        assert!(delay <= Duration::from_secs(1));
        assert_eq!(backoff.failures(), 1);
    }

    #[test]
    fn jitter_covers_its_range() {
        let mut rng = ChaCha20Rng::seed_from_u64(0);
        let config = BackoffConfig {
            base: Duration::from_millis(8),
            ..BackoffConfig::default()
        };
        let mut seen = [false; 5];
        for _ in 0..200 {
            let mut backoff = Backoff::new(config);
            let delay = backoff.on_failure(&mut rng).as_millis();
            seen[usize::try_from(delay - 4).unwrap()] = true;
        }
        assert!(seen.iter().all(|&s| s));
    }

    proptest! {
        /// Delays stay within `[0, max]`, and within `[envelope / 2,
        /// envelope]` of an envelope that never shrinks between resets.
        #[test]
        fn delays_within_a_monotone_envelope(
            seed in any::<u64>(),
            base in 0..100_000u64,
            max in 0..10_000_000u64,
            stable in 0..100_000u64,
            events in proptest::collection::vec((any::<bool>(), 0..200_000u64), 1..80),
        ) {
            let mut rng = ChaCha20Rng::seed_from_u64(seed);
            let config = BackoffConfig {
                base: Duration::from_millis(base),
                max: Duration::from_millis(max),
                stable_after: Duration::from_millis(stable),
            };
            let mut backoff = Backoff::new(config);
            let mut now = Instant::ZERO;
            let mut last_envelope = Duration::ZERO;
            for (connect, wait) in events {
                let before = backoff.failures();
                let delay = if connect {
                    backoff.on_connected(now);
                    now += Duration::from_millis(wait);
                    let reset = Duration::from_millis(wait) >= config.stable_after;
                    let envelope = if reset { Duration::from_millis(base).min(config.max) } else { backoff.envelope() };
                    let delay = backoff.on_disconnected(now, &mut rng);
                    prop_assert!(delay <= envelope && delay.as_millis() >= envelope.as_millis() / 2);
                    if reset {
                        prop_assert_eq!(backoff.failures(), 1);
                        last_envelope = Duration::ZERO;
                    } else {
                        prop_assert_eq!(backoff.failures(), before + 1);
                    }
                    delay
                } else {
                    let envelope = backoff.envelope();
                    prop_assert!(envelope >= last_envelope);
                    last_envelope = envelope;
                    let delay = backoff.on_failure(&mut rng);
                    prop_assert!(delay <= envelope && delay.as_millis() >= envelope.as_millis() / 2);
                    delay
                };
                prop_assert!(delay <= config.max);
                now += delay;
            }
        }
    }
}
