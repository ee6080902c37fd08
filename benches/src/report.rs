//! Reads criterion's estimates back and prints veil against its baseline.
//!
//! For each pair in [`plan`] (a veil function and the raw baseline of its
//! group), criterion has written
//! `<dir>/<group>/<function>/new/estimates.json` (the mean, in ns per
//! iteration) and `benchmark.json` beside it (the throughput per iteration).
//! [`table`] turns the loaded [`Row`]s into a markdown table.
//!
//! # Example
//!
//! ```
//! use veil_benches::report::{plan, Goal};
//!
//! let pairs = plan();
//! assert!(pairs.iter().any(|p| p.group == "frame_1MiB" && p.goal == Goal::MinRatio(0.9)));
//! assert!(pairs.iter().any(|p| p.group == "packet_64KiB" && p.goal == Goal::MinRatio(0.85)));
//! ```

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

mod plan;
pub use plan::{plan, Goal, Pair};

/// One criterion measurement: mean time and work per iteration.
///
/// # Example
///
/// ```
/// use veil_benches::report::{Estimate, Work};
/// let e = Estimate { mean_ns: 500.0, work: Work::Elements(1_000) };
/// assert_eq!(e.per_second(), 2e9);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    /// Mean time of one iteration, in nanoseconds.
    pub mean_ns: f64,
    /// What one iteration processes.
    pub work: Work,
}

/// The throughput unit criterion recorded for a bench.
///
/// ```
/// assert_eq!(veil_benches::report::Work::Bytes(8).amount(), 8);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Work {
    /// Bytes per iteration (`Throughput::Bytes`), shown in MiB/s.
    Bytes(u64),
    /// Bytes per iteration (`Throughput::BytesDecimal`), shown in GB/s.
    BytesDecimal(u64),
    /// Elements (frames, hashes, handshakes) per iteration
    /// (`Throughput::Elements`).
    Elements(u64),
}

impl Work {
    /// The number of bytes or elements.
    ///
    /// ```
    /// assert_eq!(veil_benches::report::Work::Elements(3).amount(), 3);
    /// ```
    #[must_use]
    pub fn amount(self) -> u64 {
        match self {
            Work::Bytes(n) | Work::BytesDecimal(n) | Work::Elements(n) => n,
        }
    }
}

impl Estimate {
    /// Parses criterion's `estimates.json` and `benchmark.json` texts.
    ///
    /// # Errors
    ///
    /// Invalid JSON, or no mean or throughput in it.
    ///
    /// ```
    /// use veil_benches::report::{Estimate, Work};
    /// let e = Estimate::parse(
    ///     r#"{"mean": {"point_estimate": 250.0}}"#,
    ///     r#"{"throughput": {"Bytes": 256}}"#,
    /// ).unwrap();
    /// assert_eq!(e, Estimate { mean_ns: 250.0, work: Work::Bytes(256) });
    /// ```
    pub fn parse(estimates: &str, benchmark: &str) -> Result<Estimate, String> {
        let estimates: Value = serde_json::from_str(estimates).map_err(|e| e.to_string())?;
        let benchmark: Value = serde_json::from_str(benchmark).map_err(|e| e.to_string())?;
        let mean_ns = estimates["mean"]["point_estimate"]
            .as_f64()
            .ok_or("estimates.json has no mean.point_estimate")?;
        let throughput = &benchmark["throughput"];
        let work = if let Some(n) = throughput["Bytes"].as_u64() {
            Work::Bytes(n)
        } else if let Some(n) = throughput["BytesDecimal"].as_u64() {
            Work::BytesDecimal(n)
        } else if let Some(n) = throughput["Elements"].as_u64() {
            Work::Elements(n)
        } else {
            return Err("benchmark.json has no Bytes, BytesDecimal or Elements throughput".into());
        };
        Ok(Estimate { mean_ns, work })
    }

    /// Loads `<dir>/<group>/<function>/new/{estimates,benchmark}.json`.
    ///
    /// # Errors
    ///
    /// A missing or unreadable file (the bench has not run), or bad JSON.
    ///
    /// ```
    /// let dir = std::env::temp_dir().join("veil-bench-report-doc");
    /// let new = dir.join("g").join("f").join("new");
    /// std::fs::create_dir_all(&new).unwrap();
    /// std::fs::write(new.join("estimates.json"), r#"{"mean":{"point_estimate":2.0}}"#).unwrap();
    /// std::fs::write(new.join("benchmark.json"), r#"{"throughput":{"Bytes":8}}"#).unwrap();
    /// let e = veil_benches::report::Estimate::load(&dir, "g", "f").unwrap();
    /// assert_eq!(e.per_second(), 4e9);
    /// assert!(veil_benches::report::Estimate::load(&dir, "g", "missing").is_err());
    /// ```
    pub fn load(dir: &Path, group: &str, function: &str) -> Result<Estimate, String> {
        let new = dir.join(group).join(function).join("new");
        let read = |name: &str| {
            let path = new.join(name);
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))
        };
        Estimate::parse(&read("estimates.json")?, &read("benchmark.json")?)
            .map_err(|e| format!("{group}/{function}: {e}"))
    }

    /// Bytes or elements per second.
    ///
    /// ```
    /// use veil_benches::report::{Estimate, Work};
    /// assert_eq!(Estimate { mean_ns: 1e9, work: Work::Bytes(5) }.per_second(), 5.0);
    /// ```
    #[must_use]
    pub fn per_second(&self) -> f64 {
        self.work.amount() as f64 * 1e9 / self.mean_ns
    }

    /// The throughput as text: MiB/s or GB/s for bytes, as criterion was
    /// told; millions per second for elements, or thousands below a
    /// million.
    ///
    /// ```
    /// use veil_benches::report::{Estimate, Work};
    /// let e = Estimate { mean_ns: 1e9, work: Work::Bytes(3 << 20) };
    /// assert_eq!(e.throughput_text(), "3.0 MiB/s");
    /// let e = Estimate { mean_ns: 1e3, work: Work::BytesDecimal(1_500) };
    /// assert_eq!(e.throughput_text(), "1.50 GB/s");
    /// let e = Estimate { mean_ns: 1e9, work: Work::Elements(2_500_000) };
    /// assert_eq!(e.throughput_text(), "2.50 M/s");
    /// let e = Estimate { mean_ns: 1e9, work: Work::Elements(2_500) };
    /// assert_eq!(e.throughput_text(), "2.50 k/s");
    /// ```
    #[must_use]
    pub fn throughput_text(&self) -> String {
        let per_second = self.per_second();
        match self.work {
            Work::Bytes(_) => format!("{:.1} MiB/s", per_second / (1024.0 * 1024.0)),
            Work::BytesDecimal(_) => format!("{:.2} GB/s", per_second / 1e9),
            Work::Elements(_) if per_second < 1e6 => format!("{:.2} k/s", per_second / 1e3),
            Work::Elements(_) => format!("{:.2} M/s", per_second / 1e6),
        }
    }
}

/// A pair of measurements with its goal.
///
/// ```
/// use veil_benches::report::{Estimate, Goal, Row, Work};
/// let row = Row {
///     size: "1MiB".into(),
///     op: "decode".into(),
///     veil: Estimate { mean_ns: 110.0, work: Work::Bytes(1) },
///     raw: Estimate { mean_ns: 100.0, work: Work::Bytes(1) },
///     goal: Goal::MinRatio(0.9),
/// };
/// assert!((row.ratio() - 0.909).abs() < 0.001);
/// assert_eq!(row.met(), Some(true));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// Payload size label, or what one iteration processes.
    pub size: String,
    /// The veil function measured.
    pub op: String,
    /// The veil measurement.
    pub veil: Estimate,
    /// The raw baseline of the same group.
    pub raw: Estimate,
    /// The goal for this row.
    pub goal: Goal,
}

impl Row {
    /// Throughput of veil divided by throughput of the baseline.
    ///
    /// ```
    /// # use veil_benches::report::{Estimate, Goal, Row, Work};
    /// let e = Estimate { mean_ns: 10.0, work: Work::Bytes(1) };
    /// let row = Row { size: "8B".into(), op: "encode".into(), veil: e, raw: e, goal: Goal::None };
    /// assert_eq!(row.ratio(), 1.0);
    /// ```
    #[must_use]
    pub fn ratio(&self) -> f64 {
        self.veil.per_second() / self.raw.per_second()
    }

    /// Whether the goal is met, or `None` when the row has no goal.
    ///
    /// ```
    /// # use veil_benches::report::{Estimate, Goal, Row, Work};
    /// let veil = Estimate { mean_ns: 1e6, work: Work::Elements(1_000) };
    /// let raw = Estimate { mean_ns: 1e5, work: Work::Elements(1_000) };
    /// let row = Row { size: "ping".into(), op: "decode".into(), veil, raw, goal: Goal::MinPerSecond(3e6) };
    /// assert_eq!(row.met(), Some(false)); // 1 M/s
    /// ```
    #[must_use]
    pub fn met(&self) -> Option<bool> {
        match self.goal {
            Goal::None => None,
            Goal::MinRatio(min) => Some(self.ratio() >= min),
            Goal::MinPerSecond(min) => Some(self.veil.per_second() >= min),
        }
    }
}

/// Loads every pair of [`plan`] from criterion's directory `dir`.
///
/// # Errors
///
/// The first estimate that cannot be loaded.
///
/// ```
/// assert!(veil_benches::report::load_rows(std::path::Path::new("/nonexistent")).is_err());
/// ```
pub fn load_rows(dir: &Path) -> Result<Vec<Row>, String> {
    plan()
        .into_iter()
        .map(|pair| {
            Ok(Row {
                veil: Estimate::load(dir, &pair.group, pair.op)?,
                raw: Estimate::load(dir, &pair.group, pair.raw)?,
                size: pair.size,
                op: pair.op.to_string(),
                goal: pair.goal,
            })
        })
        .collect()
}

/// The markdown table of `rows`.
///
/// ```
/// use veil_benches::report::{table, Estimate, Goal, Row, Work};
/// let e = Estimate { mean_ns: 10.0, work: Work::Bytes(8) };
/// let row = Row { size: "8B".into(), op: "encode".into(), veil: e, raw: e, goal: Goal::None };
/// let text = table(&[row]);
/// assert!(text.starts_with("| size | op |"));
/// assert!(text.contains("| 8B | encode | 10.0 | 10.0 | 762.9 MiB/s | 762.9 MiB/s | 1.000 | — | — |"));
/// ```
#[must_use]
pub fn table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| size | op | veil ns/iter | raw ns/iter | veil throughput | raw throughput \
         | ratio | goal | met? |\n|---|---|---:|---:|---:|---:|---:|---|---|\n",
    );
    for row in rows {
        let met = match row.met() {
            None => "—",
            Some(true) => "yes",
            Some(false) => "**NO**",
        };
        let _ = writeln!(
            out,
            "| {} | {} | {:.1} | {:.1} | {} | {} | {:.3} | {} | {met} |",
            row.size,
            row.op,
            row.veil.mean_ns,
            row.raw.mean_ns,
            row.veil.throughput_text(),
            row.raw.throughput_text(),
            row.ratio(),
            row.goal,
        );
    }
    out
}

/// Where criterion wrote its results: `arg` if given, else
/// `$CRITERION_HOME`, else `$CARGO_TARGET_DIR/criterion`, else
/// `target/criterion` under the workspace root.
///
/// ```
/// let dir = veil_benches::report::criterion_dir(Some("/tmp/c".into()));
/// assert_eq!(dir, std::path::PathBuf::from("/tmp/c"));
/// ```
#[must_use]
pub fn criterion_dir(arg: Option<PathBuf>) -> PathBuf {
    if let Some(dir) = arg {
        return dir;
    }
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(target).join("criterion");
    }
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("target")
        .join("criterion")
}
