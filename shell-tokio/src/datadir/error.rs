//! What can go wrong with the data directory, and the warning for a file
//! that did not load and was set aside.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use veil_core::addrbook::{ConfigError, LoadError};
use veil_core::peering::BanListError;

use super::IdentityFileError;

/// A problem with a file of the data directory: which file, and what.
///
/// ```
/// use veil_tokio::datadir::{DataDir, DataDirErrorKind};
/// let error = DataDir::open("/proc/veil-cannot-be-here").unwrap_err();
/// assert!(matches!(error.kind, DataDirErrorKind::Io { .. }));
/// assert!(error.to_string().starts_with("/proc/veil-cannot-be-here: cannot create"));
/// ```
#[derive(Debug)]
pub struct DataDirError {
    /// The file or directory.
    pub path: PathBuf,
    /// What is wrong with it.
    pub kind: DataDirErrorKind,
}

/// What is wrong, for a caller to match on; [`DataDirError`]'s `Display`
/// says it in words an operator can act on.
///
/// ```
/// use veil_tokio::datadir::DataDirErrorKind;
/// let kind = DataDirErrorKind::Locked { holder: Some(42) };
/// assert!(matches!(kind, DataDirErrorKind::Locked { .. }));
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum DataDirErrorKind {
    /// Another process holds the directory's lock (`veil.lock`).
    Locked {
        /// The holder's process id, as it wrote it in the lock file.
        holder: Option<u32>,
    },
    /// `identity.key` can be read or written by users other than its
    /// owner; it is not used until its mode is fixed.
    IdentityExposed {
        /// The file's permission bits.
        mode: u32,
    },
    /// `identity.key` is not a regular file.
    IdentityNotAFile,
    /// `identity.key` does not hold a veil identity; it is left untouched.
    IdentityCorrupt(IdentityFileError),
    /// The address book configuration is invalid, so its file was not read.
    AddrBookConfig(ConfigError),
    /// A file did not load, and moving it aside failed too.
    CannotSetAside {
        /// Why it did not load.
        reason: LoadFailure,
        /// Why the rename failed.
        error: io::Error,
    },
    /// A file operation failed.
    Io {
        /// What was being done, e.g. `"write"`.
        action: &'static str,
        /// The error.
        error: io::Error,
    },
}

impl DataDirError {
    pub(super) fn new(path: &Path, kind: DataDirErrorKind) -> DataDirError {
        DataDirError {
            path: path.to_owned(),
            kind,
        }
    }

    pub(super) fn io(path: &Path, action: &'static str, error: io::Error) -> DataDirError {
        DataDirError::new(path, DataDirErrorKind::Io { action, error })
    }
}

impl fmt::Display for DataDirError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path.display();
        write!(f, "{path}: ")?;
        match &self.kind {
            DataDirErrorKind::Locked { holder } => {
                f.write_str("in use by another veil node")?;
                if let Some(pid) = holder {
                    write!(f, " (process {pid})")?;
                }
                f.write_str("; stop it, or give each node its own data directory (--data-dir)")
            }
            DataDirErrorKind::IdentityExposed { mode } => write!(
                f,
                "the identity key is accessible to other users (mode {mode:04o}); \
                 it must be private to its owner: run `chmod 600 {path}`"
            ),
            DataDirErrorKind::IdentityNotAFile => {
                f.write_str("not a regular file; the identity key must be one")
            }
            DataDirErrorKind::IdentityCorrupt(problem) => write!(
                f,
                "not a valid veil identity key ({problem}); it was left untouched: \
                 restore it from a backup, or move it away to start as a new node \
                 with a new peer id"
            ),
            DataDirErrorKind::AddrBookConfig(problem) => write!(
                f,
                "not read: the address book configuration is invalid ({problem})"
            ),
            DataDirErrorKind::CannotSetAside { reason, error } => write!(
                f,
                "did not load ({reason}) and could not be moved aside ({error}); \
                 move it away by hand to start without it"
            ),
            DataDirErrorKind::Io { action, error } => write!(f, "cannot {action}: {error}"),
        }
    }
}

impl std::error::Error for DataDirError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            DataDirErrorKind::Io { error, .. } | DataDirErrorKind::CannotSetAside { error, .. } => {
                Some(error)
            }
            DataDirErrorKind::IdentityCorrupt(problem) => Some(problem),
            _ => None,
        }
    }
}

/// Why a saved address book or ban list did not load.
///
/// ```
/// use veil_tokio::datadir::LoadFailure;
/// assert_eq!(LoadFailure::TooLarge { max: 10 }.to_string(), "larger than 10 bytes, the most it can be");
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum LoadFailure {
    /// Reading it failed.
    Unreadable(io::Error),
    /// Longer than any file the configuration allows.
    TooLarge {
        /// The most it can be.
        max: usize,
    },
    /// Not a valid address book.
    AddrBook(LoadError),
    /// Not a valid ban list.
    BanList(BanListError),
}

impl fmt::Display for LoadFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadFailure::Unreadable(error) => write!(f, "unreadable: {error}"),
            LoadFailure::TooLarge { max } => {
                write!(f, "larger than {max} bytes, the most it can be")
            }
            LoadFailure::AddrBook(error) => error.fmt(f),
            LoadFailure::BanList(error) => error.fmt(f),
        }
    }
}

/// A file that did not load and was renamed aside: a warning for the
/// caller to log. The node goes on without it, and the file is kept.
///
/// ```
/// use veil_tokio::datadir::{LoadFailure, SetAside};
/// let aside = SetAside {
///     file: "a.dat".into(),
///     moved_to: "a.dat.corrupt-1".into(),
///     reason: LoadFailure::TooLarge { max: 10 },
/// };
/// assert_eq!(
///     aside.to_string(),
///     "a.dat did not load (larger than 10 bytes, the most it can be); \
///      moved to a.dat.corrupt-1, starting without it",
/// );
/// ```
#[derive(Debug)]
pub struct SetAside {
    /// The file as it was named.
    pub file: PathBuf,
    /// Where it is now.
    pub moved_to: PathBuf,
    /// Why it did not load.
    pub reason: LoadFailure,
}

impl fmt::Display for SetAside {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} did not load ({}); moved to {}, starting without it",
            self.file.display(),
            self.reason,
            self.moved_to.display()
        )
    }
}
