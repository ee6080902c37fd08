//! Time as plain values: veil-core never reads a clock.
//!
//! [`Instant`] is a monotonic point in milliseconds since an epoch the caller
//! chooses (usually when its process started); it only ever moves forward.
//! [`UnixTime`] is wall-clock time, a separate input used only where the
//! protocol carries timestamps (version messages, address records), because
//! wall clocks jump and monotonic clocks do not.

use core::fmt;
use core::ops::{Add, AddAssign, Sub};

/// A span of time in whole milliseconds.
///
/// # Example
///
/// ```
/// use veil_core::Duration;
///
/// let d = Duration::from_secs(2) + Duration::from_millis(500);
/// assert_eq!(d.as_millis(), 2_500);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration(u64);

impl Duration {
    /// No time at all.
    ///
    /// ```
    /// assert_eq!(veil_core::Duration::ZERO.as_millis(), 0);
    /// ```
    pub const ZERO: Duration = Duration(0);
    /// The longest representable span; adding it saturates.
    ///
    /// ```
    /// use veil_core::Duration;
    /// assert_eq!(Duration::MAX + Duration::from_secs(1), Duration::MAX);
    /// ```
    pub const MAX: Duration = Duration(u64::MAX);

    /// A span of `millis` milliseconds.
    ///
    /// ```
    /// assert_eq!(veil_core::Duration::from_millis(5).as_millis(), 5);
    /// ```
    #[must_use]
    pub const fn from_millis(millis: u64) -> Self {
        Duration(millis)
    }

    /// A span of `secs` seconds (saturating).
    ///
    /// ```
    /// assert_eq!(veil_core::Duration::from_secs(3).as_millis(), 3_000);
    /// ```
    #[must_use]
    pub const fn from_secs(secs: u64) -> Self {
        Duration(secs.saturating_mul(1_000))
    }

    /// The span in milliseconds.
    ///
    /// ```
    /// assert_eq!(veil_core::Duration::from_secs(1).as_millis(), 1_000);
    /// ```
    #[must_use]
    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// The span in whole seconds, rounded down.
    ///
    /// ```
    /// assert_eq!(veil_core::Duration::from_millis(1_999).as_secs(), 1);
    /// ```
    #[must_use]
    pub const fn as_secs(self) -> u64 {
        self.0 / 1_000
    }

    /// `self - other`, or zero if `other` is longer.
    ///
    /// ```
    /// use veil_core::Duration;
    /// assert_eq!(Duration::from_millis(1).saturating_sub(Duration::from_millis(2)), Duration::ZERO);
    /// ```
    #[must_use]
    pub const fn saturating_sub(self, other: Duration) -> Duration {
        Duration(self.0.saturating_sub(other.0))
    }
}

impl Add for Duration {
    type Output = Duration;
    fn add(self, rhs: Duration) -> Duration {
        Duration(self.0.saturating_add(rhs.0))
    }
}

impl From<core::time::Duration> for Duration {
    /// Truncates to whole milliseconds and saturates at [`Duration::MAX`].
    fn from(d: core::time::Duration) -> Self {
        Duration(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }
}

impl From<Duration> for core::time::Duration {
    fn from(d: Duration) -> Self {
        core::time::Duration::from_millis(d.0)
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}ms", self.0)
    }
}

/// A monotonic point in time: milliseconds since an epoch the caller picks.
///
/// Every state-changing call in veil-core takes the current `Instant`; the
/// caller must never pass one earlier than a previous call's. Arithmetic
/// saturates instead of overflowing, so hostile or buggy inputs cannot panic.
///
/// # Example
///
/// ```
/// use veil_core::{Duration, Instant};
///
/// let start = Instant::from_millis(1_000);
/// let later = start + Duration::from_secs(2);
/// assert_eq!(later.saturating_duration_since(start), Duration::from_secs(2));
/// assert_eq!(start.saturating_duration_since(later), Duration::ZERO);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(u64);

impl Instant {
    /// The caller's epoch.
    ///
    /// ```
    /// assert_eq!(veil_core::Instant::ZERO.as_millis(), 0);
    /// ```
    pub const ZERO: Instant = Instant(0);

    /// The instant `millis` milliseconds after the epoch.
    ///
    /// ```
    /// assert_eq!(veil_core::Instant::from_millis(9).as_millis(), 9);
    /// ```
    #[must_use]
    pub const fn from_millis(millis: u64) -> Self {
        Instant(millis)
    }

    /// Milliseconds since the epoch.
    ///
    /// ```
    /// assert_eq!(veil_core::Instant::ZERO.as_millis(), 0);
    /// ```
    #[must_use]
    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// Time elapsed from `earlier` to `self`, or zero if `earlier` is later.
    ///
    /// ```
    /// use veil_core::Instant;
    /// let d = Instant::from_millis(30).saturating_duration_since(Instant::from_millis(10));
    /// assert_eq!(d.as_millis(), 20);
    /// ```
    #[must_use]
    pub const fn saturating_duration_since(self, earlier: Instant) -> Duration {
        Duration(self.0.saturating_sub(earlier.0))
    }

    /// Converts a `std::time::Instant`, counting from `epoch`.
    ///
    /// Instants before `epoch` map to [`Instant::ZERO`].
    ///
    /// ```
    /// let epoch = std::time::Instant::now();
    /// let now = veil_core::Instant::from_std(epoch, epoch + std::time::Duration::from_millis(1500));
    /// assert_eq!(now.as_millis(), 1_500);
    /// ```
    #[cfg(feature = "std")]
    #[must_use]
    pub fn from_std(epoch: std::time::Instant, instant: std::time::Instant) -> Self {
        Instant(Duration::from(instant.saturating_duration_since(epoch)).0)
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, rhs: Duration) -> Instant {
        Instant(self.0.saturating_add(rhs.0))
    }
}

impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, rhs: Duration) {
        *self = *self + rhs;
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;
    /// Saturates at zero, like [`Instant::saturating_duration_since`].
    fn sub(self, rhs: Instant) -> Duration {
        self.saturating_duration_since(rhs)
    }
}

impl fmt::Display for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "t+{}ms", self.0)
    }
}

/// Wall-clock time: whole seconds since 1970-01-01T00:00:00Z.
///
/// Kept apart from [`Instant`] on purpose: it is what the protocol carries in
/// version messages and address records, and it may jump.
///
/// # Example
///
/// ```
/// use veil_core::UnixTime;
///
/// let t = UnixTime::from_secs(1_700_000_000);
/// assert_eq!(t.as_secs(), 1_700_000_000);
/// assert_eq!(t.abs_diff(UnixTime::from_secs(1_700_000_060)).as_secs(), 60);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnixTime(u64);

impl UnixTime {
    /// 1970-01-01T00:00:00Z.
    ///
    /// ```
    /// assert_eq!(veil_core::UnixTime::EPOCH.as_secs(), 0);
    /// ```
    pub const EPOCH: UnixTime = UnixTime(0);

    /// `secs` seconds after the Unix epoch.
    ///
    /// ```
    /// assert_eq!(veil_core::UnixTime::from_secs(5).as_secs(), 5);
    /// ```
    #[must_use]
    pub const fn from_secs(secs: u64) -> Self {
        UnixTime(secs)
    }

    /// Seconds since the Unix epoch.
    ///
    /// ```
    /// assert_eq!(veil_core::UnixTime::EPOCH.as_secs(), 0);
    /// ```
    #[must_use]
    pub const fn as_secs(self) -> u64 {
        self.0
    }

    /// The distance between two wall-clock times, whichever is later.
    ///
    /// ```
    /// use veil_core::UnixTime;
    /// assert_eq!(UnixTime::from_secs(10).abs_diff(UnixTime::from_secs(4)).as_secs(), 6);
    /// ```
    #[must_use]
    pub const fn abs_diff(self, other: UnixTime) -> Duration {
        Duration::from_secs(self.0.abs_diff(other.0))
    }

    /// Converts a `std::time::SystemTime`; times before 1970 map to the epoch.
    ///
    /// ```
    /// let now = veil_core::UnixTime::from_system_time(std::time::SystemTime::now());
    /// assert!(now.as_secs() > 1_600_000_000);
    /// ```
    #[cfg(feature = "std")]
    #[must_use]
    pub fn from_system_time(t: std::time::SystemTime) -> Self {
        UnixTime(
            t.duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
        )
    }
}

impl fmt::Display for UnixTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unix:{}", self.0)
    }
}
