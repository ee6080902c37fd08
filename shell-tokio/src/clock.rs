//! The node's clocks: the core's [`StdClock`](veil_core::StdClock), the
//! same in every shell.

use veil_core::Duration;

/// The shell's clocks.
///
/// ```
/// let clock = veil_tokio::clock::Clock::start();
/// assert!(clock.now() <= clock.now());
/// ```
pub use veil_core::StdClock as Clock;

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
