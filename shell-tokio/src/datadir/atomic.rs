//! Crash-safe file replacement: write a temporary file beside the target,
//! fsync it, rename it over the target, fsync the directory. At any
//! moment of a crash the target is the old file or the new one, whole.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Temporary files are named `.<target>.tmp-<pid>-<n>`; `open` removes
/// leftovers from a crash.
pub(super) const TEMP_MARK: &str = ".tmp-";

/// Replaces `path` with `bytes` atomically, the new file with `mode`.
///
/// ```
/// use veil_tokio::datadir::write_atomic;
/// let dir = std::env::temp_dir().join(format!("veil-doc-atomic-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let file = dir.join("state.dat");
/// write_atomic(&file, b"one", 0o600).unwrap();
/// write_atomic(&file, b"two", 0o600).unwrap();
/// assert_eq!(std::fs::read(&file).unwrap(), b"two");
/// std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no file name"))?;
    let temp: PathBuf = dir.join(format!(
        ".{}{TEMP_MARK}{}-{}",
        name.to_string_lossy(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = write_then_rename(&temp, path, bytes, mode);
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result?;
    // The rename is durable only once the directory entry is.
    File::open(dir)?.sync_all()
}

fn write_then_rename(temp: &Path, path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(temp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    fs::rename(temp, path)
}

/// Whether a file name is one of [`write_atomic`]'s temporary files.
pub(super) fn is_temporary(name: &str) -> bool {
    name.starts_with('.') && name.contains(TEMP_MARK)
}
