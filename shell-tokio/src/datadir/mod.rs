//! The node's data directory: its identity, address book and ban list.
//!
//! - `identity.key` is created on first run with mode 0600 and never
//!   replaced: a corrupt or over-exposed key is an error, since a new key
//!   would be a different node.
//! - `addrbook.dat` and `banlist.dat` are written atomically (see
//!   [`write_atomic`]). One that does not load is renamed
//!   `<name>.corrupt-<unix seconds>` with a warning and the node starts
//!   fresh: it is set aside, never deleted or silently overwritten.
//! - `veil.lock` is held (an OS file lock) while a node uses the
//!   directory, so two nodes cannot share one.
//!
//! ```
//! use veil_tokio::datadir::DataDir;
//! let path = std::env::temp_dir().join(format!("veil-doc-datadir-{}", std::process::id()));
//! let dir = DataDir::open(&path).unwrap();
//! let (identity, created) = dir.load_or_create_identity(&mut rand_core::OsRng).unwrap();
//! assert!(created);
//! drop(dir);
//! let dir = DataDir::open(&path).unwrap();
//! let (again, created) = dir.load_or_create_identity(&mut rand_core::OsRng).unwrap();
//! assert!(!created);
//! assert_eq!(again.peer_id(), identity.peer_id());
//! # drop(dir);
//! std::fs::remove_dir_all(&path).unwrap();
//! ```

mod atomic;
mod identity_file;

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

pub use atomic::write_atomic;

/// The text of an `identity.key` file for `identity` (for `veil keygen`
/// without a data directory).
///
/// ```
/// let identity = veil_core::identity::Identity::from_secret_bytes([1; 32]);
/// assert!(veil_tokio::datadir::identity_file_text(&identity).starts_with("veil-identity-v1\n"));
/// ```
#[must_use]
pub fn identity_file_text(identity: &Identity) -> String {
    String::from_utf8(identity_file::encode(identity)).unwrap_or_default()
}
use rand_core::{CryptoRng, RngCore};
use veil_core::addrbook::{AddrBook, AddrBookConfig};
use veil_core::identity::Identity;
use veil_core::peering::{BanList, BanPolicy};

const IDENTITY: &str = "identity.key";
const ADDRBOOK: &str = "addrbook.dat";
const BANLIST: &str = "banlist.dat";
const LOCK: &str = "veil.lock";

/// A problem with a file of the data directory: which file, and what.
///
/// ```
/// use veil_tokio::datadir::DataDir;
/// let error = DataDir::open(std::path::Path::new("/proc/veil-cannot-be-here")).unwrap_err();
/// assert!(error.to_string().starts_with("/proc/veil-cannot-be-here"));
/// ```
#[derive(Debug)]
pub struct DataDirError {
    /// The file or directory.
    pub path: PathBuf,
    /// What is wrong, in words an operator can act on.
    pub problem: String,
}

impl fmt::Display for DataDirError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.problem)
    }
}

impl std::error::Error for DataDirError {}

fn error(path: &Path, problem: impl fmt::Display) -> DataDirError {
    DataDirError {
        path: path.to_owned(),
        problem: problem.to_string(),
    }
}

/// A file that did not load and was moved aside.
///
/// ```
/// use veil_tokio::datadir::SetAside;
/// let aside = SetAside { file: "a.dat".into(), moved_to: "a.dat.corrupt-1".into(), reason: "bad magic".into() };
/// assert_eq!(aside.to_string(), "a.dat did not load (bad magic); moved to a.dat.corrupt-1, starting without it");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetAside {
    /// The file as it was named.
    pub file: PathBuf,
    /// Where it is now.
    pub moved_to: PathBuf,
    /// Why it did not load.
    pub reason: String,
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

/// An open, locked data directory.
///
/// See the [module docs](self) for an example.
#[derive(Debug)]
pub struct DataDir {
    path: PathBuf,
    /// Held for the lock's lifetime.
    _lock: File,
}

impl DataDir {
    /// Opens (creating with mode 0700 if needed) and locks `path`, and
    /// removes temporary files a crash left behind.
    ///
    /// ```
    /// use veil_tokio::datadir::DataDir;
    /// let path = std::env::temp_dir().join(format!("veil-doc-lock-{}", std::process::id()));
    /// let first = DataDir::open(&path).unwrap();
    /// let second = DataDir::open(&path).unwrap_err();
    /// assert!(second.problem.contains("another node"));
    /// # drop(first);
    /// # std::fs::remove_dir_all(&path).unwrap();
    /// ```
    pub fn open(path: &Path) -> Result<DataDir, DataDirError> {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(path)
            .map_err(|e| error(path, format!("cannot create the data directory: {e}")))?;
        let lock_path = path.join(LOCK);
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(&lock_path)
            .map_err(|e| error(&lock_path, e))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                return Err(error(path, "another node is using this data directory"))
            }
            Err(fs::TryLockError::Error(e)) => return Err(error(&lock_path, e)),
        }
        let dir = DataDir {
            path: path.to_owned(),
            _lock: lock,
        };
        dir.remove_leftovers()?;
        Ok(dir)
    }

    /// The directory.
    ///
    /// ```
    /// # let path = std::env::temp_dir().join(format!("veil-doc-path-{}", std::process::id()));
    /// let dir = veil_tokio::datadir::DataDir::open(&path).unwrap();
    /// assert_eq!(dir.path(), path);
    /// # drop(dir); std::fs::remove_dir_all(&path).unwrap();
    /// ```
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn remove_leftovers(&self) -> Result<(), DataDirError> {
        let entries = fs::read_dir(&self.path).map_err(|e| error(&self.path, e))?;
        for entry in entries.flatten() {
            let name = entry.file_name();
            if atomic::is_temporary(&name.to_string_lossy()) {
                let leftover = entry.path();
                fs::remove_file(&leftover).map_err(|e| error(&leftover, e))?;
                tracing::info!(file = %leftover.display(), "removed a temporary file left by a crash");
            }
        }
        Ok(())
    }

    /// The node's identity, created (mode 0600) if there is none; `true`
    /// if it was created now.
    ///
    /// See the [module docs](self) for an example.
    pub fn load_or_create_identity<R: RngCore + CryptoRng>(
        &self,
        rng: &mut R,
    ) -> Result<(Identity, bool), DataDirError> {
        let path = self.path.join(IDENTITY);
        match fs::read(&path) {
            Ok(bytes) => {
                let mode = fs::metadata(&path)
                    .map_err(|e| error(&path, e))?
                    .permissions()
                    .mode();
                if mode & 0o077 != 0 {
                    return Err(error(
                        &path,
                        format!(
                            "the identity key is readable by other users (mode {:o}); run `chmod 600 {}`",
                            mode & 0o777,
                            path.display()
                        ),
                    ));
                }
                let identity = identity_file::decode(&bytes).map_err(|problem| {
                    error(
                        &path,
                        format!("not a veil identity key: {problem} (left untouched)"),
                    )
                })?;
                Ok((identity, false))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let identity = Identity::generate(rng);
                write_atomic(&path, &identity_file::encode(&identity), 0o600)
                    .map_err(|e| error(&path, e))?;
                Ok((identity, true))
            }
            Err(e) => Err(error(&path, e)),
        }
    }

    /// The saved address book, if any, and the file set aside if it did
    /// not load.
    ///
    /// ```
    /// # let path = std::env::temp_dir().join(format!("veil-doc-book-{}", std::process::id()));
    /// let dir = veil_tokio::datadir::DataDir::open(&path).unwrap();
    /// let (book, aside) = dir.load_address_book(Default::default()).unwrap();
    /// assert!(book.is_none() && aside.is_none());
    /// # drop(dir); std::fs::remove_dir_all(&path).unwrap();
    /// ```
    pub fn load_address_book(
        &self,
        config: AddrBookConfig,
    ) -> Result<(Option<AddrBook>, Option<SetAside>), DataDirError> {
        self.load(ADDRBOOK, |bytes| {
            AddrBook::from_bytes(bytes, config).map_err(|e| e.to_string())
        })
    }

    /// The saved ban list, if any, and the file set aside if it did not
    /// load.
    ///
    /// ```
    /// # let path = std::env::temp_dir().join(format!("veil-doc-bans-{}", std::process::id()));
    /// let dir = veil_tokio::datadir::DataDir::open(&path).unwrap();
    /// let (bans, aside) = dir.load_ban_list(Default::default()).unwrap();
    /// assert!(bans.is_none() && aside.is_none());
    /// # drop(dir); std::fs::remove_dir_all(&path).unwrap();
    /// ```
    pub fn load_ban_list(
        &self,
        policy: BanPolicy,
    ) -> Result<(Option<BanList>, Option<SetAside>), DataDirError> {
        self.load(BANLIST, |bytes| {
            BanList::from_bytes(bytes, policy).map_err(|e| e.to_string())
        })
    }

    /// Saves the address book atomically.
    ///
    /// ```
    /// # let path = std::env::temp_dir().join(format!("veil-doc-save-{}", std::process::id()));
    /// use veil_core::addrbook::AddrBook;
    /// let dir = veil_tokio::datadir::DataDir::open(&path).unwrap();
    /// dir.save_address_book(&AddrBook::new(Default::default(), &mut rand_core::OsRng).unwrap()).unwrap();
    /// assert!(dir.load_address_book(Default::default()).unwrap().0.is_some());
    /// # drop(dir); std::fs::remove_dir_all(&path).unwrap();
    /// ```
    pub fn save_address_book(&self, book: &AddrBook) -> Result<(), DataDirError> {
        let path = self.path.join(ADDRBOOK);
        write_atomic(&path, &book.to_bytes(), 0o600).map_err(|e| error(&path, e))
    }

    /// Saves the ban list atomically.
    ///
    /// ```
    /// # let path = std::env::temp_dir().join(format!("veil-doc-savebans-{}", std::process::id()));
    /// use veil_core::peering::BanList;
    /// let dir = veil_tokio::datadir::DataDir::open(&path).unwrap();
    /// dir.save_ban_list(&BanList::new(Default::default())).unwrap();
    /// assert!(dir.load_ban_list(Default::default()).unwrap().0.is_some());
    /// # drop(dir); std::fs::remove_dir_all(&path).unwrap();
    /// ```
    pub fn save_ban_list(&self, bans: &BanList) -> Result<(), DataDirError> {
        let path = self.path.join(BANLIST);
        write_atomic(&path, &bans.to_bytes(), 0o600).map_err(|e| error(&path, e))
    }

    fn load<T>(
        &self,
        name: &str,
        parse: impl FnOnce(&[u8]) -> Result<T, String>,
    ) -> Result<(Option<T>, Option<SetAside>), DataDirError> {
        let path = self.path.join(name);
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok((None, None)),
            Err(e) => return Err(error(&path, e)),
        };
        match parse(&bytes) {
            Ok(value) => Ok((Some(value), None)),
            Err(reason) => {
                let secs = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs());
                let moved_to = self.path.join(format!("{name}.corrupt-{secs}"));
                fs::rename(&path, &moved_to).map_err(|e| {
                    error(
                        &path,
                        format!("did not load ({reason}) and could not be set aside: {e}"),
                    )
                })?;
                Ok((
                    None,
                    Some(SetAside {
                        file: path,
                        moved_to,
                        reason,
                    }),
                ))
            }
        }
    }
}
