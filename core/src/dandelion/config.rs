//! Configuration of the Dandelion++ router, with the defaults' sources.

use core::fmt;

use crate::time::Duration;

/// How the router stems, fluffs and embargoes.
///
/// The defaults follow BIP156 and the Dandelion++ paper (Fanti et al.,
/// SIGMETRICS 2018), with Monero's epoch jitter; each field says where its
/// default comes from.
///
/// # Example
///
/// ```
/// use veil_core::dandelion::DandelionConfig;
/// use veil_core::Duration;
///
/// let config = DandelionConfig::default();
/// assert_eq!(config.fluff_permille, 100);
/// assert_eq!(config.stem_relays, 2);
/// assert_eq!(config.epoch_min, Duration::from_secs(600));
/// assert_eq!(config.validate(), Ok(()));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DandelionConfig {
    /// Shortest epoch: relays, routes and the node's mode are redrawn when
    /// an epoch ends. Default 10 minutes (BIP156: "every ten minutes on
    /// average"; Monero `CRYPTONOTE_DANDELIONPP_MIN_EPOCH`).
    pub epoch_min: Duration,
    /// Each epoch lasts `epoch_min` plus a uniform draw from
    /// `0..=epoch_jitter`, so epochs of different nodes do not line up
    /// (BIP156: "MUST be cleared and reconstructed at random intervals").
    /// Default 30 seconds (Monero `CRYPTONOTE_DANDELIONPP_EPOCH_RANGE`).
    pub epoch_jitter: Duration,
    /// Probability, in thousandths, that the node is a *diffuser* for an
    /// epoch and fluffs every stem transaction it receives; a *relay* node
    /// stems them on. This is the paper's `q`: the stem is about `1/q` hops
    /// long. Default 100 (10%, BIP156 and the paper's evaluation).
    pub fluff_permille: u16,
    /// Stem relays drawn per epoch among outbound Dandelion peers. Default
    /// 2 (BIP156 `DANDELION_MAX_DESTINATIONS`, Monero
    /// `CRYPTONOTE_DANDELIONPP_STEMS`; the paper's approximately 4-regular
    /// privacy graph).
    pub stem_relays: usize,
    /// Fixed part of the embargo of a stemmed transaction. Default 10
    /// seconds (BIP156 reference implementation, `DANDELION_EMBARGO_MINIMUM`).
    pub embargo_min: Duration,
    /// Mean of the exponential part of the embargo, added to `embargo_min`.
    /// Random, so that the node whose embargo fires first (and fluffs a
    /// black-holed transaction) is not predictably the one nearest the
    /// source. Default 20 seconds (BIP156 reference implementation,
    /// `DANDELION_EMBARGO_AVG_ADD`).
    pub embargo_mean_extra: Duration,
    /// Most transactions under embargo at once (expired embargoes not yet
    /// taken with `poll_event` count too). Beyond it a stem transaction is
    /// fluffed at once with [`FluffReason::EmbargoFull`]. Default 4096: at
    /// the default mean embargo of 30 s that sustains about 136 stem
    /// transactions per second, far above Bitcoin's or Monero's rates,
    /// for roughly half a megabyte.
    ///
    /// [`FluffReason::EmbargoFull`]: super::FluffReason::EmbargoFull
    pub max_embargoed: usize,
    /// Most peers tracked at once; `peer_connected` refuses more. Default
    /// 1024, above any sane connection count.
    pub max_peers: usize,
}

impl Default for DandelionConfig {
    fn default() -> Self {
        DandelionConfig {
            epoch_min: Duration::from_secs(600),
            epoch_jitter: Duration::from_secs(30),
            fluff_permille: 100,
            stem_relays: 2,
            embargo_min: Duration::from_secs(10),
            embargo_mean_extra: Duration::from_secs(20),
            max_embargoed: 4096,
            max_peers: 1024,
        }
    }
}

impl DandelionConfig {
    /// Checks that the configuration can drive a router.
    ///
    /// # Example
    ///
    /// ```
    /// use veil_core::dandelion::{ConfigError, DandelionConfig};
    ///
    /// let config = DandelionConfig { fluff_permille: 1001, ..DandelionConfig::default() };
    /// assert_eq!(config.validate(), Err(ConfigError::FluffPermille { permille: 1001 }));
    /// ```
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.fluff_permille > 1000 {
            return Err(ConfigError::FluffPermille {
                permille: self.fluff_permille,
            });
        }
        if self.stem_relays == 0 {
            return Err(ConfigError::NoStemRelays);
        }
        if self.epoch_min == Duration::ZERO {
            // An epoch must end strictly after it starts, or handle_timeout
            // would leave a deadline at `now`.
            return Err(ConfigError::ZeroEpoch);
        }
        Ok(())
    }
}

/// Why a [`DandelionConfig`] was refused.
///
/// # Example
///
/// ```
/// use veil_core::dandelion::{ConfigError, DandelionConfig};
///
/// let config = DandelionConfig { stem_relays: 0, ..DandelionConfig::default() };
/// assert_eq!(config.validate(), Err(ConfigError::NoStemRelays));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ConfigError {
    /// `fluff_permille` above 1000.
    FluffPermille {
        /// The configured value.
        permille: u16,
    },
    /// `stem_relays` is zero.
    NoStemRelays,
    /// `epoch_min` is zero.
    ZeroEpoch,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::FluffPermille { permille } => {
                write!(f, "fluff probability of {permille}‰ is above 1000‰")
            }
            ConfigError::NoStemRelays => f.write_str("at least one stem relay is needed"),
            ConfigError::ZeroEpoch => f.write_str("an epoch must last at least 1 ms"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries() {
        let ok = |config: DandelionConfig| config.validate();
        let base = DandelionConfig::default();
        assert_eq!(
            ok(DandelionConfig {
                fluff_permille: 1000,
                ..base.clone()
            }),
            Ok(())
        );
        assert_eq!(
            ok(DandelionConfig {
                epoch_min: Duration::from_millis(1),
                epoch_jitter: Duration::ZERO,
                max_embargoed: 0,
                ..base.clone()
            }),
            Ok(())
        );
        assert_eq!(
            ok(DandelionConfig {
                epoch_min: Duration::ZERO,
                ..base
            }),
            Err(ConfigError::ZeroEpoch)
        );
    }
}
