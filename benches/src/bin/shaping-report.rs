//! Measures traffic shaping: one seeded workload over an encrypted pair on
//! a virtual clock, once per preset (see `veil_benches::shaping`).
//!
//! Usage: `shaping-report [--markdown]`. Plain text by default;
//! `--markdown` prints the tables for `BENCHMARKS.md`. Deterministic: two
//! runs print the same bytes.

use std::process::ExitCode;

use veil_benches::shaping::randomness::{FlightSample, Randomness};
use veil_benches::shaping::summary::Summary;
use veil_benches::shaping::workload::{
    schedule, DRAIN_MS, DURATION_MS, LINK_LATENCY_MS, START_MS, WORKLOAD_SEED,
};
use veil_benches::shaping::{drive, presets, report, DEFAULT_PRESET};

/// Fresh initiators whose first flights the GFW rule is applied to.
const FLIGHT_SAMPLE: usize = 1000;

fn main() -> ExitCode {
    let markdown = std::env::args().skip(1).any(|arg| arg == "--markdown");
    let workload = schedule();
    let mut summaries = Vec::new();
    let mut randomness = None;
    for preset in presets() {
        let trace = match drive::run(preset.config, &workload) {
            Ok(trace) => trace,
            Err(error) => {
                eprintln!("shaping-report: {}: {error}", preset.name);
                return ExitCode::from(1);
            }
        };
        if preset.name == DEFAULT_PRESET {
            randomness = Randomness::of(&trace);
        }
        summaries.push(Summary::of(&preset, &workload, &trace));
    }
    let flights = match FlightSample::measure(FLIGHT_SAMPLE) {
        Ok(sample) => sample,
        Err(error) => {
            eprintln!("shaping-report: first flights: {error}");
            return ExitCode::from(1);
        }
    };
    if !markdown {
        println!(
            "Traffic shaping: {} workload messages over {} s of virtual time from t = {} ms \
             (+{} s drain), link latency {LINK_LATENCY_MS} ms, workload seed {WORKLOAD_SEED}, \
             pair seed {}\n",
            workload.len(),
            DURATION_MS / 1000,
            START_MS,
            DRAIN_MS / 1000,
            drive::PAIR_SEED,
        );
    }
    print!(
        "{}",
        report::render(
            &workload,
            &summaries,
            randomness.as_ref(),
            Some(&flights),
            markdown
        )
    );
    ExitCode::SUCCESS
}
