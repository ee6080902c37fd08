//! The book's shape: table sizes, the per-group bucket limits behind the
//! eclipse bound, and the getaddr sample size.

use super::error::ConfigError;

/// The most slots one table may have (about 100 MB of entries at worst), so
/// a configuration cannot make [`AddrBook::new`] allocate without bound.
///
/// [`AddrBook::new`]: super::AddrBook::new
///
/// ```
/// assert_eq!(veil_core::addrbook::MAX_TABLE_SLOTS, 1 << 20);
/// ```
pub const MAX_TABLE_SLOTS: usize = 1 << 20;

/// The address book's configuration.
///
/// Defaults: NEW 256 buckets × 64 slots (16,384 addresses heard of) and
/// TRIED 64 × 64 (4,096 addresses connected to). That is a quarter of
/// Bitcoin Core's tables (1,024 and 256 buckets of 64): veil's network is
/// smaller, the book stays near 2 MB, and the ratios that bound an attacker
/// are kept: addresses from one source group land in at most
/// `new_buckets_per_source_group` = 16 NEW buckets (1/16 of the table, as
/// Core's 64 of 1,024), and addresses of one group in at most
/// `tried_buckets_per_group` = 4 TRIED buckets (1/16; Core 8 of 256).
///
/// # Example
///
/// ```
/// use veil_core::addrbook::AddrBookConfig;
///
/// let config = AddrBookConfig::default();
/// assert_eq!(config.capacity(), 256 * 64 + 64 * 64);
/// assert!(config.validate().is_ok());
/// let broken = AddrBookConfig { new_buckets: 0, ..config };
/// assert!(broken.validate().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AddrBookConfig {
    /// Buckets of the NEW table (addresses heard of, never connected to).
    pub new_buckets: usize,
    /// Slots per NEW bucket.
    pub new_bucket_size: usize,
    /// Buckets of the TRIED table (addresses connected to at least once).
    pub tried_buckets: usize,
    /// Slots per TRIED bucket.
    pub tried_bucket_size: usize,
    /// How many NEW buckets the addresses one source group sends can reach.
    pub new_buckets_per_source_group: usize,
    /// How many TRIED buckets the addresses of one group can reach.
    pub tried_buckets_per_group: usize,
    /// A getaddr answer holds at most this percentage of the book (Core: 23).
    pub getaddr_max_percent: u8,
    /// A getaddr answer holds at most this many addresses (Core: 1,000, the
    /// most one `addr` message carries).
    pub getaddr_max_addresses: usize,
}

impl Default for AddrBookConfig {
    fn default() -> Self {
        AddrBookConfig {
            new_buckets: 256,
            new_bucket_size: 64,
            tried_buckets: 64,
            tried_bucket_size: 64,
            new_buckets_per_source_group: 16,
            tried_buckets_per_group: 4,
            getaddr_max_percent: 23,
            getaddr_max_addresses: 1_000,
        }
    }
}

impl AddrBookConfig {
    /// How many addresses the book can hold: every slot of both tables.
    ///
    /// ```
    /// use veil_core::addrbook::AddrBookConfig;
    /// let small = AddrBookConfig { new_buckets: 4, tried_buckets: 2, ..Default::default() };
    /// assert_eq!(small.capacity(), 4 * 64 + 2 * 64);
    /// ```
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.new_slots().saturating_add(self.tried_slots())
    }

    pub(crate) fn new_slots(&self) -> usize {
        self.new_buckets.saturating_mul(self.new_bucket_size)
    }

    pub(crate) fn tried_slots(&self) -> usize {
        self.tried_buckets.saturating_mul(self.tried_bucket_size)
    }

    /// Checks that every size is non-zero, each per-group limit is at most
    /// its table's bucket count, and no table exceeds [`MAX_TABLE_SLOTS`].
    ///
    /// ```
    /// use veil_core::addrbook::{AddrBookConfig, ConfigError};
    /// let config = AddrBookConfig { tried_buckets_per_group: 65, ..Default::default() };
    /// assert_eq!(
    ///     config.validate(),
    ///     Err(ConfigError::PerGroupLimit { field: "tried_buckets_per_group", value: 65, buckets: 64 })
    /// );
    /// ```
    pub fn validate(&self) -> Result<(), ConfigError> {
        let sizes = [
            ("new_buckets", self.new_buckets),
            ("new_bucket_size", self.new_bucket_size),
            ("tried_buckets", self.tried_buckets),
            ("tried_bucket_size", self.tried_bucket_size),
            (
                "new_buckets_per_source_group",
                self.new_buckets_per_source_group,
            ),
            ("tried_buckets_per_group", self.tried_buckets_per_group),
        ];
        if let Some((field, _)) = sizes.iter().find(|(_, value)| *value == 0) {
            return Err(ConfigError::Zero { field });
        }
        let limits = [
            (
                "new_buckets_per_source_group",
                self.new_buckets_per_source_group,
                self.new_buckets,
            ),
            (
                "tried_buckets_per_group",
                self.tried_buckets_per_group,
                self.tried_buckets,
            ),
        ];
        for (field, value, buckets) in limits {
            if value > buckets {
                return Err(ConfigError::PerGroupLimit {
                    field,
                    value,
                    buckets,
                });
            }
        }
        for (table, slots) in [("new", self.new_slots()), ("tried", self.tried_slots())] {
            if slots > MAX_TABLE_SLOTS {
                return Err(ConfigError::TableTooLarge {
                    table,
                    slots,
                    max: MAX_TABLE_SLOTS,
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_bad_field_is_named() {
        let ok = AddrBookConfig::default();
        assert_eq!(ok.validate(), Ok(()));
        let zero = AddrBookConfig {
            new_bucket_size: 0,
            ..ok
        };
        assert_eq!(
            zero.validate(),
            Err(ConfigError::Zero {
                field: "new_bucket_size"
            })
        );
        let wide = AddrBookConfig {
            new_buckets_per_source_group: 257,
            ..ok
        };
        assert!(matches!(
            wide.validate(),
            Err(ConfigError::PerGroupLimit { value: 257, .. })
        ));
        let huge = AddrBookConfig {
            tried_buckets: 1 << 15,
            tried_bucket_size: 1 << 6,
            ..ok
        };
        assert_eq!(
            huge.validate(),
            Err(ConfigError::TableTooLarge {
                table: "tried",
                slots: 1 << 21,
                max: MAX_TABLE_SLOTS
            })
        );
        let overflow = AddrBookConfig {
            new_buckets: usize::MAX,
            ..ok
        };
        assert!(overflow.validate().is_err());
    }
}
