//! The traffic-shaping measurement harness (`shaping-report` binary).
//!
//! Every preset carries one fixed, seeded workload ([`workload`]) over an
//! encrypted [`veil_core::testing::Pair`] on a virtual clock ([`drive`]);
//! nothing depends on wall-clock time, so two runs print the same bytes.
//! [`summary`] turns each run's trace (every sealed packet's wire size and
//! virtual time, every message's send and receive time) into the figures
//! of the report, with the helpers of [`stats`]; [`report`] prints them as
//! text or as the Markdown tables of `BENCHMARKS.md`.
//!
//! Why a virtual clock: shaping is about *when* packets leave and how big
//! they are, and the connection is sans-IO, so driving every deadline it
//! asks for at its exact virtual time measures the policy itself, free of
//! scheduler noise. The link has a fixed latency and no bandwidth limit,
//! so every added millisecond is shaping's doing.

use veil_core::shaping::{PrivacyLevel, PrivacyOptions, ShapingConfig};

pub mod drive;
pub mod goals;
pub mod randomness;
pub mod report;
pub mod stats;
pub mod summary;
pub mod workload;

/// One row of the report: a name and the configuration both sides use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Preset {
    /// The row's name (the `privacy_level` value, or a description).
    pub name: &'static str,
    /// Both sides' `ConnectionConfig::shaping`.
    pub config: ShapingConfig,
}

/// The rows, `off` first (the baseline of the overhead figures): the four
/// `privacy_level` presets, then `high` with `traffic_burst_mode_enabled`
/// (bursts of 2–8 messages, the options' defaults).
#[must_use]
pub fn presets() -> Vec<Preset> {
    let mut rows: Vec<Preset> = PrivacyLevel::ALL
        .into_iter()
        .map(|level| Preset {
            name: level.as_str(),
            config: level.config(),
        })
        .collect();
    let bursts = PrivacyOptions {
        privacy_level: PrivacyLevel::High,
        traffic_burst_mode_enabled: true,
        ..PrivacyOptions::default()
    };
    rows.push(Preset {
        name: "high+bursts",
        config: bursts
            .to_config()
            .expect("high with bursts is a valid combination"),
    });
    rows
}

/// The preset whose byte stream and first flight are examined: the
/// default (`standard`).
pub const DEFAULT_PRESET: &str = "standard";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_comes_first_and_bursts_are_on_in_the_last_row() {
        let rows = presets();
        assert_eq!(rows[0].name, "off");
        assert_eq!(rows.len(), 5);
        assert!(rows[4].config.burst.is_some());
        assert!(rows.iter().any(|p| p.name == DEFAULT_PRESET));
        assert_eq!(
            PrivacyLevel::default().as_str(),
            DEFAULT_PRESET,
            "the examined preset is the default"
        );
    }
}
