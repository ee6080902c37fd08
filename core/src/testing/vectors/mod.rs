//! Replaying the deterministic vectors of `testvectors/` (feature
//! `vectors`). Every shell's `replay` command and the core tests use this
//! one implementation, so they agree on every vector by construction.
//!
//! The API takes a vector file's text (no file access in core) and
//! reports each vector: passed, or failed with the first difference.
//!
//! ```
//! use veil_core::testing::vectors::{replay, Outcome};
//! let file = r#"{"format": "veil-testvectors", "version": 1, "kind": "frame",
//!   "description": "", "vectors": [{"name": "empty", "description": "", "config": {},
//!   "steps": [], "expect": []}]}"#;
//! let report = replay(file).unwrap();
//! assert_eq!(report.passed(), 1);
//! assert_eq!(report.results[0].outcome, Outcome::Passed);
//! ```

mod config;
mod frames;
mod message;
mod read;
mod report;
mod session;

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use serde_json::Value;

pub use config::{budget_to_json, SideSpec};
pub use frames::{run_frame_session, wire_config};
pub use message::{message_from_json, message_to_json};
pub use report::{replay_files, ReplayReport};
pub use session::{event_to_json, side_index, sides_from_json, Op, Session, Step, SIDES};

/// Which state machine a file's vectors drive.
///
/// ```
/// use veil_core::testing::vectors::VectorKind;
/// assert_eq!(VectorKind::Session.as_str(), "session");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VectorKind {
    /// The frame codec (`kind: "frame"`).
    Frame,
    /// Two connections from first byte to close (`kind: "session"`).
    Session,
}

impl VectorKind {
    /// The `kind` field's value.
    ///
    /// ```
    /// assert_eq!(veil_core::testing::vectors::VectorKind::Frame.as_str(), "frame");
    /// ```
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            VectorKind::Frame => "frame",
            VectorKind::Session => "session",
        }
    }
}

/// How one vector went.
///
/// ```
/// use veil_core::testing::vectors::Outcome;
/// assert!(Outcome::Passed.is_pass());
/// assert!(!Outcome::Failed("output 3 differs".into()).is_pass());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Every output matched, in order.
    Passed,
    /// What differed first (or why the vector could not run).
    Failed(String),
}

impl Outcome {
    /// Whether it passed.
    ///
    /// See [`Outcome`] for an example.
    #[must_use]
    pub fn is_pass(&self) -> bool {
        *self == Outcome::Passed
    }
}

/// One vector's name and outcome.
///
/// ```
/// use veil_core::testing::vectors::{Outcome, VectorResult};
/// let result = VectorResult { name: "ping".into(), outcome: Outcome::Passed };
/// assert_eq!(result.to_string(), "ok    ping");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VectorResult {
    /// The vector's `name`.
    pub name: String,
    /// How it went.
    pub outcome: Outcome,
}

impl fmt::Display for VectorResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.outcome {
            Outcome::Passed => write!(f, "ok    {}", self.name),
            Outcome::Failed(why) => write!(f, "FAIL  {}: {why}", self.name),
        }
    }
}

/// A replayed file: its kind and every vector's result, in file order.
///
/// See the [module docs](self) for an example.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Replay {
    /// The file's kind.
    pub kind: VectorKind,
    /// One result per vector.
    pub results: Vec<VectorResult>,
}

impl Replay {
    /// Vectors that passed.
    ///
    /// See the [module docs](self) for an example.
    #[must_use]
    pub fn passed(&self) -> usize {
        self.results.iter().filter(|r| r.outcome.is_pass()).count()
    }

    /// Vectors that failed.
    ///
    /// ```
    /// # use veil_core::testing::vectors::{Replay, VectorKind};
    /// let empty = Replay { kind: VectorKind::Frame, results: vec![] };
    /// assert_eq!(empty.failed(), 0);
    /// ```
    #[must_use]
    pub fn failed(&self) -> usize {
        self.results.len() - self.passed()
    }
}

/// Why a file could not be replayed at all.
///
/// ```
/// use veil_core::testing::vectors::{replay, VectorFileError};
/// assert!(matches!(replay("not json"), Err(VectorFileError::NotJson(_))));
/// let wrong = r#"{"format": "veil-testvectors", "version": 9, "kind": "frame", "vectors": []}"#;
/// assert_eq!(replay(wrong), Err(VectorFileError::UnsupportedVersion(9)));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VectorFileError {
    /// The text is not JSON.
    NotJson(String),
    /// `format` is not `veil-testvectors`.
    NotVectors,
    /// A `version` this replayer does not know (it must refuse it).
    UnsupportedVersion(u64),
    /// A `kind` this replayer does not know.
    UnknownKind(String),
    /// `vectors` is missing or not a list.
    NoVectors,
}

impl fmt::Display for VectorFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VectorFileError::NotJson(why) => write!(f, "not JSON: {why}"),
            VectorFileError::NotVectors => f.write_str("not a veil test vector file (format)"),
            VectorFileError::UnsupportedVersion(v) => write!(f, "unsupported version {v}"),
            VectorFileError::UnknownKind(kind) => write!(f, "unknown kind {kind:?}"),
            VectorFileError::NoVectors => f.write_str("no vectors list"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for VectorFileError {}

/// Replays every vector of a file's text.
///
/// See the [module docs](self) for an example.
pub fn replay(text: &str) -> Result<Replay, VectorFileError> {
    let file: Value =
        serde_json::from_str(text).map_err(|e| VectorFileError::NotJson(e.to_string()))?;
    if file["format"] != "veil-testvectors" {
        return Err(VectorFileError::NotVectors);
    }
    match file["version"].as_u64() {
        Some(1) => {}
        other => return Err(VectorFileError::UnsupportedVersion(other.unwrap_or(0))),
    }
    let kind = match file["kind"].as_str() {
        Some("frame") => VectorKind::Frame,
        Some("session") => VectorKind::Session,
        other => {
            return Err(VectorFileError::UnknownKind(
                other.unwrap_or("").to_string(),
            ))
        }
    };
    let vectors = file["vectors"]
        .as_array()
        .ok_or(VectorFileError::NoVectors)?;
    let results = vectors
        .iter()
        .enumerate()
        .map(|(i, vector)| VectorResult {
            name: vector["name"]
                .as_str()
                .map_or_else(|| format!("#{i}"), ToString::to_string),
            outcome: check(kind, vector),
        })
        .collect();
    Ok(Replay { kind, results })
}

/// Replays one vector and compares its outputs with `expect`.
fn check(kind: VectorKind, vector: &Value) -> Outcome {
    let outputs = match kind {
        VectorKind::Frame => frames::replay_frame_vector(vector),
        VectorKind::Session => session::replay_session_vector(vector),
    };
    let outputs = match outputs {
        Ok(outputs) => outputs,
        Err(why) => return Outcome::Failed(format!("cannot run: {why}")),
    };
    let Some(expected) = vector["expect"].as_array() else {
        return Outcome::Failed("expect: expected a list".to_string());
    };
    for (i, (got, want)) in outputs.iter().zip(expected).enumerate() {
        if got != want {
            return Outcome::Failed(format!("output {i}: expected {want}, got {got}"));
        }
    }
    if outputs.len() != expected.len() {
        return Outcome::Failed(format!(
            "expected {} outputs, got {}",
            expected.len(),
            outputs.len()
        ));
    }
    Outcome::Passed
}
