//! The OS clocks as a shell hands them to a node (feature `std`): the
//! monotonic clock as an [`Instant`] since the shell started, and the wall
//! clock as a [`UnixTime`]. No state machine reads a clock; shells do, and
//! every shell does it the same way with this.

use std::time::{Instant as StdInstant, SystemTime};

use crate::time::{Instant, UnixTime};

/// Converts between the OS monotonic clock and the node's [`Instant`].
///
/// ```
/// use veil_core::StdClock;
/// let clock = StdClock::start();
/// let now = clock.now();
/// assert!(clock.to_std(now) <= std::time::Instant::now());
/// assert!(clock.wall().as_secs() > 1_600_000_000);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct StdClock {
    epoch: StdInstant,
}

impl StdClock {
    /// A clock whose zero is now.
    ///
    /// ```
    /// assert!(veil_core::StdClock::start().now().as_millis() < 1_000);
    /// ```
    #[must_use]
    pub fn start() -> StdClock {
        StdClock {
            epoch: StdInstant::now(),
        }
    }

    /// The node's time now.
    ///
    /// ```
    /// let clock = veil_core::StdClock::start();
    /// assert!(clock.now() <= clock.now());
    /// ```
    #[must_use]
    pub fn now(&self) -> Instant {
        Instant::from_std(self.epoch, StdInstant::now())
    }

    /// The wall clock now.
    ///
    /// ```
    /// assert!(veil_core::StdClock::start().wall().as_secs() > 0);
    /// ```
    #[must_use]
    pub fn wall(&self) -> UnixTime {
        UnixTime::from_system_time(SystemTime::now())
    }

    /// The OS instant of a node time (for timers).
    ///
    /// ```
    /// use veil_core::{Duration, Instant, StdClock};
    /// let clock = StdClock::start();
    /// assert!(clock.to_std(Instant::ZERO + Duration::from_secs(1)) > clock.to_std(Instant::ZERO));
    /// ```
    #[must_use]
    pub fn to_std(&self, at: Instant) -> StdInstant {
        let since = at.saturating_duration_since(Instant::ZERO);
        self.epoch + std::time::Duration::from_millis(since.as_millis())
    }

    /// How long from now until the node time `at` (zero if past).
    ///
    /// ```
    /// let clock = veil_core::StdClock::start();
    /// assert_eq!(clock.until(veil_core::Instant::ZERO), std::time::Duration::ZERO);
    /// ```
    #[must_use]
    pub fn until(&self, at: Instant) -> std::time::Duration {
        let ms = at.saturating_duration_since(self.now()).as_millis();
        std::time::Duration::from_millis(ms)
    }
}
