//! What a node wants of traffic shaping, and the named presets.

use core::fmt;

use super::budget::Budget;
use super::feature;
use super::padding::{PaddingPolicy, BUCKETS};
use crate::time::Duration;

/// Messages held and released in bursts.
///
/// # Example
///
/// ```
/// use veil_core::shaping::BurstConfig;
/// let burst = BurstConfig { min_messages: 2, max_messages: 8 };
/// assert!(burst.min_messages <= burst.max_messages);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BurstConfig {
    /// Fewest messages in a burst (at least 1).
    pub min_messages: u16,
    /// Most messages in a burst (at most [`MAX_BURST_MESSAGES`]).
    pub max_messages: u16,
}

/// The largest burst: held messages are bounded by it.
///
/// ```
/// assert_eq!(veil_core::shaping::MAX_BURST_MESSAGES, 64);
/// ```
pub const MAX_BURST_MESSAGES: u16 = 64;

/// Constant-rate shaping: one packet of `packet_size` bytes on the wire
/// every `interval`, carrying real data when there is some and a decoy
/// otherwise.
///
/// # Example
///
/// ```
/// use veil_core::shaping::ConstantRate;
/// use veil_core::Duration;
/// let rate = ConstantRate { interval: Duration::from_millis(10), packet_size: 4096 };
/// assert_eq!(rate.bytes_per_second(), 409_600);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ConstantRate {
    /// Time between packets (at least 1 ms).
    pub interval: Duration,
    /// Wire size of every packet, one of [`BUCKETS`].
    pub packet_size: usize,
}

impl ConstantRate {
    /// The rate on the wire while nothing overflows.
    ///
    /// ```
    /// use veil_core::shaping::ConstantRate;
    /// use veil_core::Duration;
    /// assert_eq!(ConstantRate { interval: Duration::from_secs(1), packet_size: 256 }.bytes_per_second(), 256);
    /// ```
    #[must_use]
    pub fn bytes_per_second(&self) -> u64 {
        (self.packet_size as u64).saturating_mul(1000) / self.interval.as_millis().max(1)
    }
}

/// The privacy presets (`privacy_level`).
///
/// | level | padding | decoys | timing | budget (overhead, latency, urgent) |
/// |---|---|---|---|---|
/// | `off` | none | none | none | 0 %, 0, 0 |
/// | `standard` (default) | buckets | none | none | unlimited, 0, 0 |
/// | `high` | buckets | chaff after 2 s idle, dummy every 10 s on average | jitter ≤ 20 ms | unlimited, 250 ms, 50 ms |
/// | `constant_rate` | 4,096-byte packets | fill every empty slot | one packet per 10 ms | unlimited, 3 s, 3 s |
///
/// `docs/PRIVACY.md` says what each hides and what it costs on a measured
/// workload.
///
/// # Example
///
/// ```
/// use veil_core::shaping::{PaddingPolicy, PrivacyLevel};
/// assert_eq!(PrivacyLevel::default(), PrivacyLevel::Standard);
/// assert_eq!(PrivacyLevel::Standard.config().padding, PaddingPolicy::Buckets);
/// assert_eq!("high".parse::<PrivacyLevel>(), Ok(PrivacyLevel::High));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum PrivacyLevel {
    /// No shaping: packet sizes and timing follow the messages.
    Off,
    /// Bucket padding: packet sizes reveal only a size class.
    #[default]
    Standard,
    /// Bucket padding, decoys and jitter within a latency budget.
    High,
    /// A fixed-size packet at a fixed rate whatever the traffic.
    ConstantRate,
}

impl PrivacyLevel {
    /// Every level, weakest first.
    ///
    /// ```
    /// assert_eq!(veil_core::shaping::PrivacyLevel::ALL.len(), 4);
    /// ```
    pub const ALL: [PrivacyLevel; 4] = [
        PrivacyLevel::Off,
        PrivacyLevel::Standard,
        PrivacyLevel::High,
        PrivacyLevel::ConstantRate,
    ];

    /// The configuration name.
    ///
    /// ```
    /// assert_eq!(veil_core::shaping::PrivacyLevel::ConstantRate.as_str(), "constant_rate");
    /// ```
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            PrivacyLevel::Off => "off",
            PrivacyLevel::Standard => "standard",
            PrivacyLevel::High => "high",
            PrivacyLevel::ConstantRate => "constant_rate",
        }
    }

    /// The preset's shaping configuration.
    ///
    /// ```
    /// use veil_core::shaping::PrivacyLevel;
    /// for level in PrivacyLevel::ALL {
    ///     assert!(level.config().validate().is_ok());
    /// }
    /// ```
    #[must_use]
    pub fn config(self) -> ShapingConfig {
        match self {
            PrivacyLevel::Off => ShapingConfig::OFF,
            PrivacyLevel::Standard => ShapingConfig {
                padding: PaddingPolicy::Buckets,
                budget: Budget {
                    max_overhead_percent: Budget::UNLIMITED_OVERHEAD,
                    ..Budget::NONE
                },
                ..ShapingConfig::OFF
            },
            PrivacyLevel::High => ShapingConfig {
                padding: PaddingPolicy::Buckets,
                chaff_interval: Some(Duration::from_secs(2)),
                dummy_interval: Some(Duration::from_secs(10)),
                jitter: Some(Duration::from_millis(20)),
                // Capped overhead would drop padding where small messages
                // dominate, showing more sizes than `standard`; decoys are
                // bounded by their rates instead.
                budget: Budget {
                    max_overhead_percent: Budget::UNLIMITED_OVERHEAD,
                    max_added_latency: Duration::from_millis(250),
                    max_urgent_latency: Duration::from_millis(50),
                },
                ..ShapingConfig::OFF
            },
            PrivacyLevel::ConstantRate => ShapingConfig {
                padding: PaddingPolicy::Buckets,
                constant_rate: Some(ConstantRate {
                    interval: Duration::from_millis(10),
                    packet_size: 4096,
                }),
                budget: Budget {
                    max_overhead_percent: Budget::UNLIMITED_OVERHEAD,
                    max_added_latency: Duration::from_secs(3),
                    max_urgent_latency: Duration::from_secs(3),
                },
                ..ShapingConfig::OFF
            },
        }
    }
}

impl core::str::FromStr for PrivacyLevel {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PrivacyLevel::ALL
            .into_iter()
            .find(|level| level.as_str() == s)
            .ok_or(())
    }
}

/// How this side shapes what it sends. Applied after negotiation, each
/// mechanism only if the peer offers its [`feature`] bit too, and always
/// within both sides' budgets; before that (the handshake's own messages)
/// only the padding applies.
///
/// # Example
///
/// ```
/// use veil_core::shaping::{feature, PrivacyLevel, ShapingConfig};
/// let config = PrivacyLevel::High.config();
/// assert_eq!(config.features(), feature::BUCKET_PADDING | feature::DECOYS | feature::JITTER);
/// assert_eq!(ShapingConfig::OFF.features(), 0);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ShapingConfig {
    /// Packet sizes.
    pub padding: PaddingPolicy,
    /// A decoy after this long with nothing sent (drawn uniformly between
    /// half and one and a half times it, so chaff has no fixed period).
    pub chaff_interval: Option<Duration>,
    /// Dummy traffic: decoys at random times, on average this far apart
    /// (exponential gaps: a Poisson process).
    pub dummy_interval: Option<Duration>,
    /// Bursts.
    pub burst: Option<BurstConfig>,
    /// Largest random delay before a message is sent.
    pub jitter: Option<Duration>,
    /// Constant-rate shaping (overrides padding and bursts).
    pub constant_rate: Option<ConstantRate>,
    /// The most shaping may cost.
    pub budget: Budget,
    /// Prefer carriers that look like another protocol (TLS, WebSocket) on
    /// outbound dials: the seed's `traffic_morphing_enabled`, carried out by
    /// the shell, which picks the carrier. Not sent to the peer.
    pub prefer_disguised_carrier: bool,
}

impl Default for ShapingConfig {
    fn default() -> Self {
        PrivacyLevel::default().config()
    }
}

impl ShapingConfig {
    /// No shaping at all.
    ///
    /// ```
    /// use veil_core::shaping::{PaddingPolicy, ShapingConfig};
    /// assert_eq!(ShapingConfig::OFF.padding, PaddingPolicy::None);
    /// ```
    pub const OFF: ShapingConfig = ShapingConfig {
        padding: PaddingPolicy::None,
        chaff_interval: None,
        dummy_interval: None,
        burst: None,
        jitter: None,
        constant_rate: None,
        budget: Budget::NONE,
        prefer_disguised_carrier: false,
    };

    /// The feature bits this configuration offers.
    ///
    /// ```
    /// use veil_core::shaping::{feature, PrivacyLevel};
    /// assert_eq!(PrivacyLevel::Standard.config().features(), feature::BUCKET_PADDING);
    /// ```
    #[must_use]
    pub fn features(&self) -> u32 {
        let mut bits = match self.padding {
            PaddingPolicy::None => 0,
            PaddingPolicy::Random { .. } => feature::RANDOM_PADDING,
            PaddingPolicy::Buckets => feature::BUCKET_PADDING,
        };
        let flags = [
            (
                self.chaff_interval.is_some() || self.dummy_interval.is_some(),
                feature::DECOYS,
            ),
            (self.burst.is_some(), feature::BURSTS),
            (self.jitter.is_some(), feature::JITTER),
            (self.constant_rate.is_some(), feature::CONSTANT_RATE),
        ];
        for (on, bit) in flags {
            if on {
                bits |= bit;
            }
        }
        bits
    }

    /// Checks the values; the error names the field.
    ///
    /// ```
    /// use veil_core::shaping::{BurstConfig, ShapingConfig, ShapingConfigError};
    /// let config = ShapingConfig { burst: Some(BurstConfig { min_messages: 5, max_messages: 2 }), ..ShapingConfig::OFF };
    /// assert_eq!(config.validate().unwrap_err().field, "burst.max_messages");
    /// ```
    pub fn validate(&self) -> Result<(), ShapingConfigError> {
        let fail = |field, problem| Err(ShapingConfigError { field, problem });
        if let Some(burst) = self.burst {
            if burst.min_messages == 0 {
                return fail("burst.min_messages", "must be at least 1");
            }
            if burst.max_messages < burst.min_messages {
                return fail("burst.max_messages", "must not be below burst.min_messages");
            }
            if burst.max_messages > MAX_BURST_MESSAGES {
                return fail("burst.max_messages", "must be at most 64");
            }
        }
        for (field, interval) in [
            ("chaff_interval", self.chaff_interval),
            ("dummy_interval", self.dummy_interval),
        ] {
            if interval.is_some_and(|i| i < Duration::from_millis(MIN_DECOY_INTERVAL_MS)) {
                return fail(field, "must be at least 100 ms");
            }
        }
        if let Some(rate) = self.constant_rate {
            if rate.interval == Duration::ZERO {
                return fail("constant_rate.interval", "must not be zero");
            }
            if !BUCKETS.contains(&rate.packet_size) {
                return fail(
                    "constant_rate.packet_size",
                    "must be a bucket size (256, 512, ..., 16384)",
                );
            }
        }
        if self
            .jitter
            .is_some_and(|jitter| jitter > self.budget.max_added_latency)
        {
            return fail("jitter", "must not exceed budget.max_added_latency");
        }
        Ok(())
    }
}

/// Smallest chaff or dummy interval: decoys faster than this are a flood.
const MIN_DECOY_INTERVAL_MS: u64 = 100;

/// A [`ShapingConfig`] value that cannot work.
///
/// # Example
///
/// ```
/// use veil_core::shaping::ShapingConfigError;
/// let error = ShapingConfigError { field: "jitter", problem: "must not exceed budget.max_added_latency" };
/// assert_eq!(error.to_string(), "shaping.jitter: must not exceed budget.max_added_latency");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ShapingConfigError {
    /// The field, as named in [`ShapingConfig`].
    pub field: &'static str,
    /// What is wrong with it.
    pub problem: &'static str,
}

impl fmt::Display for ShapingConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "shaping.{}: {}", self.field, self.problem)
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ShapingConfigError {}
