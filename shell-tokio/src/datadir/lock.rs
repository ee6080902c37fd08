//! `veil.lock`: an OS advisory lock (`flock`) held while a node uses the
//! directory. The kernel drops it when the process ends, however it ends,
//! so a crash never leaves the directory locked. The holder writes its
//! process id in the file for the error a second node shows.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use super::{DataDirError, DataDirErrorKind};

const LOCK: &str = "veil.lock";

/// Takes the lock of `dir`, or says who holds it.
pub(super) fn acquire(dir: &Path) -> Result<File, DataDirError> {
    let path = dir.join(LOCK);
    let mut file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .mode(0o600)
        .open(&path)
        .map_err(|e| DataDirError::io(&path, "open the lock file", e))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(fs::TryLockError::WouldBlock) => {
            let mut text = String::new();
            let holder = file
                .read_to_string(&mut text)
                .ok()
                .and_then(|_| text.trim().parse().ok());
            return Err(DataDirError::new(dir, DataDirErrorKind::Locked { holder }));
        }
        Err(fs::TryLockError::Error(e)) => return Err(DataDirError::io(&path, "lock", e)),
    }
    // Only a hint for the error above: failing to write it is no failure.
    let _ = file
        .set_len(0)
        .and_then(|()| file.rewind())
        .and_then(|()| writeln!(file, "{}", std::process::id()));
    Ok(file)
}
