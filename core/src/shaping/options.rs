//! The seed's configuration keys (`privacy_level`, `traffic_*`), validated
//! into a [`ShapingConfig`].

use core::fmt;

use super::config::{BurstConfig, PrivacyLevel, ShapingConfig, MAX_BURST_MESSAGES};
use crate::time::Duration;

/// The traffic options as a node's configuration file names them.
///
/// `privacy_level` picks a preset; the `traffic_*` keys adjust it:
///
/// - `traffic_obfuscation_enabled`: the switch for timing obfuscation
///   (decoys, chaff, jitter, bursts). `false` turns them off and leaves
///   padding as the level sets it; unset follows the level.
/// - `traffic_burst_mode_enabled`, `traffic_burst_min_messages`,
///   `traffic_burst_max_messages`: bursts of that many messages.
/// - `traffic_chaff_interval_ms`: a decoy after this long idle (0: none);
///   unset follows the level.
/// - `traffic_morphing_enabled`: prefer the TLS and WebSocket carriers when
///   dialling (the shell's job) and pad to buckets at least.
///
/// # Example
///
/// ```
/// use veil_core::shaping::{PrivacyOptions, feature};
///
/// let mut options = PrivacyOptions::default();
/// options.set("privacy_level", "high").unwrap();
/// options.set("traffic_burst_mode_enabled", "true").unwrap();
/// let config = options.to_config().unwrap();
/// assert_ne!(config.features() & feature::BURSTS, 0);
///
/// let error = options.set("traffic_burst_max_messages", "many").unwrap_err();
/// assert_eq!(error.key, "traffic_burst_max_messages");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PrivacyOptions {
    /// `privacy_level`: the preset.
    pub privacy_level: PrivacyLevel,
    /// `traffic_obfuscation_enabled`.
    pub traffic_obfuscation_enabled: Option<bool>,
    /// `traffic_burst_mode_enabled`.
    pub traffic_burst_mode_enabled: bool,
    /// `traffic_burst_min_messages`.
    pub traffic_burst_min_messages: u16,
    /// `traffic_burst_max_messages`.
    pub traffic_burst_max_messages: u16,
    /// `traffic_chaff_interval_ms`.
    pub traffic_chaff_interval_ms: Option<u64>,
    /// `traffic_morphing_enabled`.
    pub traffic_morphing_enabled: bool,
}

impl Default for PrivacyOptions {
    fn default() -> Self {
        PrivacyOptions {
            privacy_level: PrivacyLevel::default(),
            traffic_obfuscation_enabled: None,
            traffic_burst_mode_enabled: false,
            traffic_burst_min_messages: 2,
            traffic_burst_max_messages: 8,
            traffic_chaff_interval_ms: None,
            traffic_morphing_enabled: false,
        }
    }
}

/// Every key [`PrivacyOptions::set`] knows.
///
/// ```
/// assert!(veil_core::shaping::PRIVACY_KEYS.contains(&"traffic_chaff_interval_ms"));
/// ```
pub const PRIVACY_KEYS: [&str; 7] = [
    "privacy_level",
    "traffic_obfuscation_enabled",
    "traffic_burst_mode_enabled",
    "traffic_burst_min_messages",
    "traffic_burst_max_messages",
    "traffic_chaff_interval_ms",
    "traffic_morphing_enabled",
];

impl PrivacyOptions {
    /// Sets one key from its text form (as read from a file or a flag).
    ///
    /// ```
    /// use veil_core::shaping::PrivacyOptions;
    /// let mut options = PrivacyOptions::default();
    /// assert_eq!(options.set("privacy_level", "paranoid").unwrap_err().to_string(),
    ///     "privacy_level: unknown level \"paranoid\" (expected off, standard, high or constant_rate)");
    /// assert_eq!(options.set("traffic_colour", "1").unwrap_err().key, "traffic_colour");
    /// ```
    pub fn set<'a>(&mut self, key: &'a str, value: &'a str) -> Result<(), PrivacyOptionError<'a>> {
        let error = |problem| PrivacyOptionError {
            key,
            problem,
            value: Some(truncated(value)),
        };
        match key {
            "privacy_level" => {
                self.privacy_level = value
                    .parse()
                    .map_err(|()| error(OptionProblem::UnknownLevel))?;
            }
            "traffic_obfuscation_enabled" => {
                self.traffic_obfuscation_enabled =
                    Some(parse_bool(value).ok_or(error(OptionProblem::NotABool))?);
            }
            "traffic_burst_mode_enabled" => {
                self.traffic_burst_mode_enabled =
                    parse_bool(value).ok_or(error(OptionProblem::NotABool))?;
            }
            "traffic_burst_min_messages" => {
                self.traffic_burst_min_messages = value
                    .parse()
                    .map_err(|_| error(OptionProblem::NotANumber))?;
            }
            "traffic_burst_max_messages" => {
                self.traffic_burst_max_messages = value
                    .parse()
                    .map_err(|_| error(OptionProblem::NotANumber))?;
            }
            "traffic_chaff_interval_ms" => {
                self.traffic_chaff_interval_ms = Some(
                    value
                        .parse()
                        .map_err(|_| error(OptionProblem::NotANumber))?,
                );
            }
            "traffic_morphing_enabled" => {
                self.traffic_morphing_enabled =
                    parse_bool(value).ok_or(error(OptionProblem::NotABool))?;
            }
            _ => {
                return Err(PrivacyOptionError {
                    key,
                    problem: OptionProblem::UnknownKey,
                    value: None,
                })
            }
        }
        Ok(())
    }

    /// The shaping configuration these options describe, or the first key
    /// whose value cannot work.
    ///
    /// ```
    /// use veil_core::shaping::{PrivacyLevel, PrivacyOptions};
    /// let options = PrivacyOptions { privacy_level: PrivacyLevel::Off, traffic_burst_mode_enabled: true, ..PrivacyOptions::default() };
    /// assert_eq!(options.to_config().unwrap_err().key, "traffic_burst_mode_enabled");
    /// ```
    pub fn to_config(&self) -> Result<ShapingConfig, PrivacyOptionError<'static>> {
        let fail = |key, problem| {
            Err(PrivacyOptionError {
                key,
                problem,
                value: None,
            })
        };
        let mut config = self.privacy_level.config();
        let obfuscation = self
            .traffic_obfuscation_enabled
            .unwrap_or(self.privacy_level != PrivacyLevel::Off);
        if self.traffic_burst_min_messages == 0 {
            return fail("traffic_burst_min_messages", OptionProblem::Zero);
        }
        if self.traffic_burst_max_messages < self.traffic_burst_min_messages {
            return fail("traffic_burst_max_messages", OptionProblem::BelowMinimum);
        }
        if self.traffic_burst_max_messages > MAX_BURST_MESSAGES {
            return fail("traffic_burst_max_messages", OptionProblem::AboveMaximum);
        }
        if self.traffic_burst_mode_enabled {
            if !obfuscation {
                return fail(
                    "traffic_burst_mode_enabled",
                    OptionProblem::NeedsObfuscation,
                );
            }
            if config.constant_rate.is_some() {
                return fail(
                    "traffic_burst_mode_enabled",
                    OptionProblem::ConstantRateConflict,
                );
            }
            config.burst = Some(BurstConfig {
                min_messages: self.traffic_burst_min_messages,
                max_messages: self.traffic_burst_max_messages,
            });
            // Bursts need time to gather: at least the `high` budget.
            let high = PrivacyLevel::High.config().budget;
            config.budget.max_added_latency =
                config.budget.max_added_latency.max(high.max_added_latency);
            config.budget.max_urgent_latency = config
                .budget
                .max_urgent_latency
                .max(high.max_urgent_latency);
        }
        if let Some(ms) = self.traffic_chaff_interval_ms {
            if ms != 0 && !obfuscation {
                return fail("traffic_chaff_interval_ms", OptionProblem::NeedsObfuscation);
            }
            if ms != 0 && ms < 100 {
                return fail("traffic_chaff_interval_ms", OptionProblem::TooFrequent);
            }
            config.chaff_interval = (ms != 0).then(|| Duration::from_millis(ms));
        }
        if !obfuscation {
            config.chaff_interval = None;
            config.dummy_interval = None;
            config.jitter = None;
            config.burst = None;
        }
        if self.traffic_morphing_enabled {
            config.prefer_disguised_carrier = true;
            if config.padding == super::PaddingPolicy::None {
                config.padding = super::PaddingPolicy::Buckets;
                config.budget.max_overhead_percent = super::Budget::UNLIMITED_OVERHEAD;
            }
        }
        if let Err(error) = config.validate() {
            unreachable!("the options checks above cover every field: {error}");
        }
        Ok(config)
    }
}

fn parse_bool(value: &str) -> Option<bool> {
    match value {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// At most 32 bytes of a bad value, cut at a character boundary.
fn truncated(value: &str) -> &str {
    let mut end = value.len().min(32);
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    &value[..end]
}

/// What is wrong with an option.
///
/// ```
/// use veil_core::shaping::OptionProblem;
/// assert_eq!(OptionProblem::Zero.to_string(), "must be at least 1");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OptionProblem {
    /// No such key.
    UnknownKey,
    /// Not one of the levels.
    UnknownLevel,
    /// Not `true` or `false`.
    NotABool,
    /// Not a whole number in range.
    NotANumber,
    /// Zero where at least 1 is needed.
    Zero,
    /// The burst maximum is below the minimum.
    BelowMinimum,
    /// The burst maximum is above [`MAX_BURST_MESSAGES`].
    AboveMaximum,
    /// Chaff faster than every 100 ms.
    TooFrequent,
    /// A timing option while obfuscation is off.
    NeedsObfuscation,
    /// Bursts cannot be combined with constant-rate shaping.
    ConstantRateConflict,
}

impl fmt::Display for OptionProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OptionProblem::UnknownKey => "unknown key",
            OptionProblem::UnknownLevel => {
                "unknown level (expected off, standard, high or constant_rate)"
            }
            OptionProblem::NotABool => "expected true or false",
            OptionProblem::NotANumber => "expected a whole number in range",
            OptionProblem::Zero => "must be at least 1",
            OptionProblem::BelowMinimum => "must not be below traffic_burst_min_messages",
            OptionProblem::AboveMaximum => "must be at most 64",
            OptionProblem::TooFrequent => "must be 0 (no chaff) or at least 100",
            OptionProblem::NeedsObfuscation => {
                "needs traffic obfuscation (privacy_level above off, or traffic_obfuscation_enabled = true)"
            }
            OptionProblem::ConstantRateConflict => {
                "cannot be combined with privacy_level constant_rate"
            }
        })
    }
}

/// An option that cannot work; names the key.
///
/// ```
/// use veil_core::shaping::{OptionProblem, PrivacyOptionError};
/// let error = PrivacyOptionError { key: "traffic_burst_min_messages", problem: OptionProblem::Zero, value: None };
/// assert_eq!(error.to_string(), "traffic_burst_min_messages: must be at least 1");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PrivacyOptionError<'a> {
    /// The key, as the configuration names it.
    pub key: &'a str,
    /// What is wrong.
    pub problem: OptionProblem,
    /// The value given, if it could not be read (at most 32 bytes of it).
    pub value: Option<&'a str>,
}

impl fmt::Display for PrivacyOptionError<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.problem, self.value) {
            (OptionProblem::UnknownLevel, Some(value)) => write!(
                f,
                "{}: unknown level {value:?} (expected off, standard, high or constant_rate)",
                self.key
            ),
            (problem, Some(value)) => write!(f, "{}: {problem}, got {value:?}", self.key),
            (problem, None) => write!(f, "{}: {problem}", self.key),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for PrivacyOptionError<'_> {}
