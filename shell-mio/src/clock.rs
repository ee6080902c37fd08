//! The node's clocks: monotonic time since the driver started, and the
//! wall clock as a separate input.

use std::time::{Instant as StdInstant, SystemTime};

use veil_core::{Instant, UnixTime};

/// Converts between the OS monotonic clock and the node's [`Instant`].
///
/// ```
/// let clock = veil_mio::Clock::start();
/// assert!(clock.now() <= clock.now());
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
    /// assert!(veil_mio::Clock::start().now().as_millis() < 1_000);
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
    /// let clock = veil_mio::Clock::start();
    /// let _ = clock.now();
    /// ```
    #[must_use]
    pub fn now(&self) -> Instant {
        Instant::from_std(self.epoch, StdInstant::now())
    }

    /// The wall clock now.
    ///
    /// ```
    /// assert!(veil_mio::Clock::start().wall().as_secs() > 0);
    /// ```
    #[must_use]
    pub fn wall(&self) -> UnixTime {
        UnixTime::from_system_time(SystemTime::now())
    }

    /// How long from now until the node time `at` (zero if past).
    ///
    /// ```
    /// let clock = veil_mio::Clock::start();
    /// assert_eq!(clock.until(veil_core::Instant::ZERO), std::time::Duration::ZERO);
    /// ```
    #[must_use]
    pub fn until(&self, at: Instant) -> std::time::Duration {
        let ms = at.saturating_duration_since(self.now()).as_millis();
        std::time::Duration::from_millis(ms)
    }
}
