//! `veil replay <dir>`: replays every vector file under a directory with
//! the core's replayer (the one the core tests use) and reports each
//! vector.

use std::path::{Path, PathBuf};

use veil_core::testing::vectors::replay_files;

use super::CommandError;

/// Every `*.json` file under `dir`, sorted, recursively: the files
/// `veil replay` reads, in its order.
///
/// ```
/// let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../testvectors");
/// let files = veil_tokio::commands::replay::vector_files(&dir).unwrap();
/// assert!(files.iter().all(|f| f.extension().is_some_and(|e| e == "json")));
/// ```
pub fn vector_files(dir: &Path) -> Result<Vec<PathBuf>, CommandError> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        let entries = std::fs::read_dir(&next)
            .map_err(|e| CommandError::new(format!("{}: {e}", next.display())))?;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

/// Replays the vectors under `dir` with the core's report (the lines
/// every shell prints for the same files), printing it; an error if any
/// vector failed or a file could not be replayed.
///
/// ```
/// let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../testvectors");
/// let (passed, failed) = veil_tokio::commands::replay::run(&dir).unwrap();
/// assert!(passed > 0);
/// assert_eq!(failed, 0);
/// ```
pub fn run(dir: &Path) -> Result<(usize, usize), CommandError> {
    let files = vector_files(dir)?;
    if files.is_empty() {
        return Err(CommandError::new(format!(
            "no *.json vector files under {}",
            dir.display()
        )));
    }
    let mut texts = Vec::with_capacity(files.len());
    for file in &files {
        let text = std::fs::read_to_string(file)
            .map_err(|e| CommandError::new(format!("{}: {e}", file.display())))?;
        texts.push((file.display().to_string(), text));
    }
    let report = replay_files(texts.iter().map(|(n, t)| (n.as_str(), t.as_str())));
    print!("{}", report.text);
    if !report.all_passed() {
        return Err(CommandError::new(format!(
            "{} vectors failed, {} files could not be replayed",
            report.failed, report.unreadable
        )));
    }
    Ok((report.passed, report.failed))
}
