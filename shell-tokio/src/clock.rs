//! The node's clocks: a monotonic [`Instant`] counted from the driver's
//! start, and the wall clock as a separate input.

use std::time::{Instant as StdInstant, SystemTime};

use veil_core::{Duration, Instant, UnixTime};

/// Converts between tokio's monotonic clock and the node's [`Instant`].
///
/// ```
/// use veil_tokio::clock::Clock;
/// let clock = Clock::start();
/// let now = clock.now();
/// assert!(clock.to_std(now) <= std::time::Instant::now());
/// assert!(clock.wall().as_secs() > 1_600_000_000);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    epoch: StdInstant,
}

impl Clock {
    /// A clock whose zero is now.
    ///
    /// ```
    /// use veil_tokio::clock::Clock;
    /// assert!(Clock::start().now().as_millis() < 1_000);
    /// ```
    #[must_use]
    pub fn start() -> Clock {
        Clock {
            epoch: StdInstant::now(),
        }
    }

    /// The node's time now.
    ///
    /// ```
    /// use veil_tokio::clock::Clock;
    /// let clock = Clock::start();
    /// assert!(clock.now() <= clock.now());
    /// ```
    #[must_use]
    pub fn now(&self) -> Instant {
        Instant::from_std(self.epoch, StdInstant::now())
    }

    /// The wall clock now.
    ///
    /// ```
    /// use veil_tokio::clock::Clock;
    /// assert!(Clock::start().wall().as_secs() > 0);
    /// ```
    #[must_use]
    pub fn wall(&self) -> UnixTime {
        UnixTime::from_system_time(SystemTime::now())
    }

    /// The std instant of a node time (for timers).
    ///
    /// ```
    /// use veil_tokio::clock::Clock;
    /// use veil_core::{Duration, Instant};
    /// let clock = Clock::start();
    /// let later = clock.to_std(Instant::ZERO + Duration::from_secs(1));
    /// assert!(later > clock.to_std(Instant::ZERO));
    /// ```
    #[must_use]
    pub fn to_std(&self, at: Instant) -> StdInstant {
        let since = at.saturating_duration_since(Instant::ZERO);
        self.epoch + std::time::Duration::from_millis(since.as_millis())
    }
}

/// A core duration as a std duration.
///
/// ```
/// use veil_tokio::clock::to_std_duration;
/// assert_eq!(to_std_duration(veil_core::Duration::from_secs(2)).as_secs(), 2);
/// ```
#[must_use]
pub fn to_std_duration(d: Duration) -> std::time::Duration {
    std::time::Duration::from_millis(d.as_millis())
}
