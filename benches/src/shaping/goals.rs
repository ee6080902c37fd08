//! The goals of the shaping work, checked against the measured figures
//! and printed PASS or FAIL: never assumed, so a regression in core's
//! shaping shows up here.

use std::fmt::Write as _;

use veil_core::shaping::{Budget, OVERHEAD_ALLOWANCE};

use super::summary::Summary;

/// Largest number of distinct sizes for the `standard` goal.
pub const GOAL_MAX_SIZES: usize = 8;
/// Largest overhead for the `standard` goal, percent.
pub const GOAL_MAX_OVERHEAD: f64 = 30.0;

/// The PASS/FAIL lines; `summaries[0]` is the `off` run. A run that
/// lost, reordered or refused messages fails its goal.
#[must_use]
pub fn render(summaries: &[Summary], markdown: bool) -> String {
    let mut out = String::new();
    let bullet = if markdown { "- " } else { "  " };
    let _ = writeln!(out, "Goals");
    if markdown {
        out.push('\n');
    }
    let off = &summaries[0];
    let verdict = |ok: bool| if ok { "PASS" } else { "FAIL" };
    match summaries.iter().find(|s| s.name == "standard") {
        Some(s) => {
            let overhead = s.overhead_vs(off);
            let ok =
                s.distinct_sizes() <= GOAL_MAX_SIZES && overhead <= GOAL_MAX_OVERHEAD && s.clean();
            let _ = writeln!(
                out,
                "{bullet}{}: `standard` shows at most {GOAL_MAX_SIZES} distinct sizes at no more than {GOAL_MAX_OVERHEAD:.0} % overhead: {} distinct, {overhead:+.2} % (run clean: {})",
                verdict(ok), s.distinct_sizes(), s.clean()
            );
        }
        None => {
            let _ = writeln!(out, "{bullet}FAIL: no `standard` run");
        }
    }
    match summaries.iter().find(|s| s.name == "constant_rate") {
        Some(s) => {
            let k = s.shaping_total();
            let ok = s.clean() && k.decoys_sent > 0;
            let _ = writeln!(
                out,
                "{bullet}{}: a constant-rate preset exists and applied (decoys filled {} empty slots): overhead {:+.2} % over `off`, shaper overhead {} (run clean: {})",
                verdict(ok), k.decoys_sent, s.overhead_vs(off),
                s.shaper_overhead_percent().map_or("–".into(), |p| format!("{p:.2} %")),
                s.clean()
            );
        }
        None => {
            let _ = writeln!(out, "{bullet}FAIL: no `constant_rate` run");
        }
    }
    for s in summaries {
        let _ = writeln!(
            out,
            "{bullet}budget of `{}` ({}): {}",
            s.name,
            s.budget,
            budget_check(s)
        );
    }
    for s in summaries.iter().filter(|s| !s.clean()) {
        let _ = writeln!(
            out,
            "{bullet}NOTE: `{}` was not clean: lost {:?}, reordered {:?}, impossible timings {}, send errors {:?}, closes {:?}",
            s.name, s.lost, s.reordered, s.impossible, s.send_errors, s.closed
        );
    }
    out.push('\n');
    out
}

/// Whether each side kept the negotiated budget: added bytes at most the
/// percentage of the unshaped bytes plus [`OVERHEAD_ALLOWANCE`], and no
/// message held longer than `max_added_latency`.
fn budget_check(s: &Summary) -> String {
    let mut parts = Vec::new();
    for (side, k) in ["a", "b"].into_iter().zip(&s.shaping) {
        let bytes = if s.budget.max_overhead_percent == Budget::UNLIMITED_OVERHEAD {
            "bytes unlimited".to_string()
        } else {
            let allowed = k.unshaped_bytes * u64::from(s.budget.max_overhead_percent) / 100
                + OVERHEAD_ALLOWANCE;
            let verdict = if k.added_bytes <= allowed {
                "within"
            } else {
                "EXCEEDED"
            };
            format!(
                "added {} of {allowed} allowed bytes ({verdict})",
                k.added_bytes
            )
        };
        let delay = k.max_added_delay;
        let verdict = if delay <= s.budget.max_added_latency {
            "within"
        } else {
            "EXCEEDED"
        };
        parts.push(format!(
            "{side}: {bytes}, max delay {} ms ({verdict})",
            delay.as_millis()
        ));
    }
    parts.join("; ")
}
