//! The replay report every shell prints: the same lines for the same
//! files, whichever shell read them.

use alloc::string::String;
use core::fmt::Write;

use super::replay;

/// What replaying a set of vector files gave: the printed report and its
/// counts.
///
/// ```
/// use veil_core::testing::vectors::replay_files;
/// let file = r#"{"format": "veil-testvectors", "version": 1, "kind": "frame",
///   "description": "", "vectors": [{"name": "empty", "description": "", "config": {},
///   "steps": [], "expect": []}]}"#;
/// let report = replay_files([("frame.json", file), ("bad.json", "{")]);
/// assert_eq!((report.passed, report.failed, report.unreadable), (1, 0, 1));
/// assert!(report.text.starts_with("frame.json (1 vectors, kind frame)\n  ok    empty\n"));
/// assert!(!report.all_passed());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplayReport {
    /// One header line per file, one line per vector, and a summary.
    pub text: String,
    /// Vectors that passed.
    pub passed: usize,
    /// Vectors that failed.
    pub failed: usize,
    /// Files that could not be replayed at all.
    pub unreadable: usize,
}

impl ReplayReport {
    /// True when every vector passed and every file could be replayed.
    ///
    /// See [`ReplayReport`] for an example.
    #[must_use]
    pub fn all_passed(&self) -> bool {
        self.failed == 0 && self.unreadable == 0
    }
}

/// Replays each `(name, text)` file in the order given.
///
/// See [`ReplayReport`] for an example.
pub fn replay_files<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> ReplayReport {
    let mut report = ReplayReport {
        text: String::new(),
        passed: 0,
        failed: 0,
        unreadable: 0,
    };
    // Writing to a String cannot fail.
    for (name, text) in files {
        match replay(text) {
            Ok(file) => {
                let _ = writeln!(
                    report.text,
                    "{name} ({} vectors, kind {})",
                    file.results.len(),
                    file.kind.as_str()
                );
                for result in &file.results {
                    let _ = writeln!(report.text, "  {result}");
                }
                report.passed += file.passed();
                report.failed += file.failed();
            }
            Err(error) => {
                let _ = writeln!(report.text, "{name}: cannot replay: {error}");
                report.unreadable += 1;
            }
        }
    }
    let _ = writeln!(
        report.text,
        "{} passed, {} failed, {} files unreadable",
        report.passed, report.failed, report.unreadable
    );
    report
}
