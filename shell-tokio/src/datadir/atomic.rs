//! Crash-safe file replacement: write a temporary file beside the target,
//! fsync it, rename it over the target, fsync the directory. At any
//! moment of a crash the target is the old file or the new one, whole.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Temporary files are named `.<target>.tmp-<pid>-<n>`.
const TEMP_MARK: &str = ".tmp-";

/// Replaces `path` with `bytes` atomically: after a crash at any moment,
/// `path` holds its old contents or `bytes`, never a mix. A new file gets
/// `mode` (less the umask) from its creation, so it is never readable
/// more widely even for an instant.
///
/// An error before the rename leaves `path` as it was and removes the
/// temporary file; an error in the final directory fsync comes after the
/// rename, so `path` may then already hold `bytes`. A crash leaves a
/// temporary file `.<name>.tmp-<pid>-<n>` beside `path`
/// ([`DataDir::open`](super::DataDir::open) removes these).
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
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no file name"))?;
    let dir = directory_of(path);
    // Unique per process and call, so concurrent writers never share one.
    let temp: PathBuf = dir.join(format!(
        ".{}{TEMP_MARK}{}-{}",
        name.to_string_lossy(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    if let Err(error) = write_then_rename(&temp, path, bytes, mode) {
        let _ = fs::remove_file(&temp);
        return Err(error);
    }
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
    // The data must be on disk before the rename makes it the target.
    file.sync_all()?;
    drop(file);
    fs::rename(temp, path)
}

/// The directory holding `path`: `.` for a bare file name.
fn directory_of(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// Whether a file name is one of [`write_atomic`]'s temporary files:
/// `.<name>.tmp-<digits>-<digits>`.
pub(super) fn is_temporary(name: &str) -> bool {
    let Some((target, suffix)) = name.rsplit_once(TEMP_MARK) else {
        return false;
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    target.len() > 1
        && target.starts_with('.')
        && suffix
            .split_once('-')
            .is_some_and(|(pid, n)| all_digits(pid) && all_digits(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_names_live_in_the_current_directory() {
        assert_eq!(directory_of(Path::new("state.dat")), Path::new("."));
        assert_eq!(directory_of(Path::new("/state.dat")), Path::new("/"));
        assert_eq!(directory_of(Path::new("a/state.dat")), Path::new("a"));
    }

    #[test]
    fn only_our_temporary_names_count() {
        assert!(is_temporary(".addrbook.dat.tmp-12-0"));
        assert!(is_temporary(".x.tmp-1-99"));
        for name in [
            "addrbook.dat",
            "addrbook.dat.tmp-1-2",
            ".tmp-1-2",
            ".addrbook.dat.tmp-1",
            ".addrbook.dat.tmp-1-x",
            ".addrbook.dat.tmp--2",
            "addrbook.dat.corrupt-1700000000",
            "veil.lock",
        ] {
            assert!(!is_temporary(name), "{name}");
        }
    }
}
