//! Retry limits for non-persistent connections: a fixed delay, a fixed
//! number of retries, then a typed [`GaveUp`].

use core::fmt;

use crate::time::Duration;

/// Retry limits for a non-persistent connection.
///
/// # Example
///
/// ```
/// use veil_core::peering::RetryPolicy;
/// assert_eq!(RetryPolicy::default().max_retry_attempts, 3);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RetryPolicy {
    /// Retries after the first attempt fails (default 3, so at most 4
    /// attempts).
    pub max_retry_attempts: u32,
    /// The fixed delay before each retry (default 5 s).
    pub retry_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retry_attempts: 3,
            retry_delay: Duration::from_secs(5),
        }
    }
}

/// The retry budget was spent: the caller stops dialling this peer.
///
/// # Example
///
/// ```
/// use veil_core::peering::GaveUp;
/// assert_eq!(GaveUp { attempts: 4 }.to_string(), "gave up after 4 failed attempts");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GaveUp {
    /// Failed attempts, the first included.
    pub attempts: u32,
}

impl fmt::Display for GaveUp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "gave up after {} failed attempts", self.attempts)
    }
}

#[cfg(feature = "std")]
impl std::error::Error for GaveUp {}

/// The retries of one non-persistent connection.
///
/// # Example
///
/// ```
/// use veil_core::peering::{GaveUp, RetryPolicy, Retries};
/// use veil_core::Duration;
///
/// let mut retries = Retries::new(RetryPolicy { max_retry_attempts: 1, retry_delay: Duration::from_secs(2) });
/// assert_eq!(retries.on_failure(), Ok(Duration::from_secs(2)));
/// assert_eq!(retries.on_failure(), Err(GaveUp { attempts: 2 }));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Retries {
    policy: RetryPolicy,
    failures: u32,
}

impl Retries {
    /// A fresh budget.
    ///
    /// ```
    /// let retries = veil_core::peering::Retries::new(Default::default());
    /// assert_eq!(retries.retries_left(), 3);
    /// ```
    #[must_use]
    pub fn new(policy: RetryPolicy) -> Self {
        Retries {
            policy,
            failures: 0,
        }
    }

    /// An attempt failed: the delay before the next one, or [`GaveUp`] once
    /// `max_retry_attempts` retries have failed too (and on every later
    /// call).
    ///
    /// # Errors
    ///
    /// [`GaveUp`] when the budget is spent.
    ///
    /// ```
    /// use veil_core::peering::{RetryPolicy, Retries};
    /// let mut retries = Retries::new(RetryPolicy { max_retry_attempts: 0, ..RetryPolicy::default() });
    /// assert_eq!(retries.on_failure().unwrap_err().attempts, 1);
    /// ```
    pub fn on_failure(&mut self) -> Result<Duration, GaveUp> {
        self.failures = self.failures.saturating_add(1);
        if self.failures > self.policy.max_retry_attempts {
            return Err(GaveUp {
                attempts: self.failures,
            });
        }
        Ok(self.policy.retry_delay)
    }

    /// Retries still allowed.
    ///
    /// ```
    /// let mut retries = veil_core::peering::Retries::new(Default::default());
    /// let _ = retries.on_failure();
    /// assert_eq!(retries.retries_left(), 2);
    /// ```
    #[must_use]
    pub fn retries_left(&self) -> u32 {
        self.policy.max_retry_attempts.saturating_sub(self.failures)
    }

    /// The connection succeeded: the full budget is available again.
    ///
    /// ```
    /// let mut retries = veil_core::peering::Retries::new(Default::default());
    /// let _ = retries.on_failure();
    /// retries.reset();
    /// assert_eq!(retries.retries_left(), 3);
    /// ```
    pub fn reset(&mut self) {
        self.failures = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_give_up_and_stay_given_up() {
        let mut retries = Retries::new(RetryPolicy::default());
        for left in [2, 1, 0] {
            assert_eq!(retries.on_failure(), Ok(Duration::from_secs(5)));
            assert_eq!(retries.retries_left(), left);
        }
        assert_eq!(retries.on_failure(), Err(GaveUp { attempts: 4 }));
        assert_eq!(retries.on_failure(), Err(GaveUp { attempts: 5 }));
        retries.reset();
        assert_eq!(retries.on_failure(), Ok(Duration::from_secs(5)));
    }
}
