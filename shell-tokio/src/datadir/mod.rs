//! The node's data directory: its identity, address book and ban list.
//!
//! - `identity.key` (see [`parse_identity_file`] for the format) is created
//!   on first run with mode 0600 and never replaced: a corrupt key, or one
//!   other users can access, is an error, since a new key would be a
//!   different node.
//! - `addrbook.dat` and `banlist.dat` are written atomically (see
//!   [`write_atomic`]). One that does not load is renamed
//!   `<name>.corrupt-<unix seconds>` and reported as a [`SetAside`]
//!   warning, and the node starts without it: it is never deleted or
//!   silently overwritten.
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
mod error;
mod identity_file;
mod lock;

use std::fs::{self, File};
use std::io::{self, Read};
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use rand_core::{CryptoRng, RngCore};
use veil_core::addrbook::{AddrBook, AddrBookConfig};
use veil_core::identity::Identity;
use veil_core::peering::{BanList, BanPolicy};
use zeroize::Zeroizing;

pub use atomic::write_atomic;
pub use error::{DataDirError, DataDirErrorKind, LoadFailure, SetAside};
pub use identity_file::{identity_file_text, parse_identity_file, IdentityFileError};

const IDENTITY: &str = "identity.key";
const ADDRBOOK: &str = "addrbook.dat";
const BANLIST: &str = "banlist.dat";

/// An open, locked data directory. The lock is released when it is
/// dropped (or the process ends).
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
    /// removes temporary files a crash left behind. Fails with
    /// [`DataDirErrorKind::Locked`] while another `DataDir` (in this
    /// process or another) has it open.
    ///
    /// ```
    /// use veil_tokio::datadir::{DataDir, DataDirErrorKind};
    /// let path = std::env::temp_dir().join(format!("veil-doc-lock-{}", std::process::id()));
    /// let first = DataDir::open(&path).unwrap();
    /// let second = DataDir::open(&path).unwrap_err();
    /// assert!(matches!(second.kind, DataDirErrorKind::Locked { .. }));
    /// # drop(first);
    /// # std::fs::remove_dir_all(&path).unwrap();
    /// ```
    pub fn open(path: impl AsRef<Path>) -> Result<DataDir, DataDirError> {
        let path = path.as_ref();
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(path)
            .map_err(|e| DataDirError::io(path, "create the data directory", e))?;
        let lock = lock::acquire(path)?;
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

    /// Temporary files are never the real state: a crash mid-write left
    /// them, and the target still holds the previous version.
    fn remove_leftovers(&self) -> Result<(), DataDirError> {
        let entries = fs::read_dir(&self.path)
            .map_err(|e| DataDirError::io(&self.path, "list the data directory", e))?;
        for entry in entries.flatten() {
            if atomic::is_temporary(&entry.file_name().to_string_lossy()) {
                let leftover = entry.path();
                fs::remove_file(&leftover).map_err(|e| {
                    DataDirError::io(&leftover, "remove a temporary file left by a crash", e)
                })?;
                tracing::info!(file = %leftover.display(), "removed a temporary file left by a crash");
            }
        }
        Ok(())
    }

    /// The node's identity, created (mode 0600) if there is none; `true`
    /// if it was created now. An existing key file is never replaced: if
    /// other users can access it, or it does not parse, this is an error
    /// and the file is left as it is.
    ///
    /// See the [module docs](self) for an example.
    pub fn load_or_create_identity<R: RngCore + CryptoRng>(
        &self,
        rng: &mut R,
    ) -> Result<(Identity, bool), DataDirError> {
        let path = self.path.join(IDENTITY);
        let file = match File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let identity = Identity::generate(rng);
                let text = identity_file_text(&identity);
                write_atomic(&path, text.as_bytes(), 0o600)
                    .map_err(|e| DataDirError::io(&path, "write the new identity key", e))?;
                return Ok((identity, true));
            }
            Err(e) => return Err(DataDirError::io(&path, "open", e)),
        };
        // The mode of the file opened, not of whatever the name points to later.
        let metadata = file
            .metadata()
            .map_err(|e| DataDirError::io(&path, "read the metadata of the file", e))?;
        if !metadata.is_file() {
            return Err(DataDirError::new(&path, DataDirErrorKind::IdentityNotAFile));
        }
        let mode = metadata.permissions().mode() & 0o7777;
        if mode & 0o077 != 0 {
            return Err(DataDirError::new(
                &path,
                DataDirErrorKind::IdentityExposed { mode },
            ));
        }
        // Sized so the read never reallocates (which would leave copies of
        // the secret behind); one byte more than allowed detects a longer file.
        let mut bytes = Zeroizing::new(Vec::with_capacity(identity_file::MAX_LEN + 1));
        file.take(identity_file::MAX_LEN as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| DataDirError::io(&path, "read", e))?;
        let identity = parse_identity_file(&bytes)
            .map_err(|e| DataDirError::new(&path, DataDirErrorKind::IdentityCorrupt(e)))?;
        Ok((identity, false))
    }

    /// The saved address book, if there is one that loads, and the file
    /// set aside if there was one that did not (corrupt, unreadable, or
    /// longer than `config` allows): a warning for the caller to log.
    /// An invalid `config` is an error, and the file is not touched.
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
        // A bad configuration says nothing about the file: keep it.
        config.validate().map_err(|e| {
            DataDirError::new(
                &self.path.join(ADDRBOOK),
                DataDirErrorKind::AddrBookConfig(e),
            )
        })?;
        self.load(ADDRBOOK, AddrBook::max_file_len(&config), |bytes| {
            AddrBook::from_bytes(bytes, config).map_err(LoadFailure::AddrBook)
        })
    }

    /// The saved ban list, if there is one that loads, and the file set
    /// aside if there was one that did not (corrupt, unreadable, or longer
    /// than `policy` allows): a warning for the caller to log.
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
        self.load(BANLIST, BanList::max_file_len(&policy), |bytes| {
            BanList::from_bytes(bytes, policy).map_err(LoadFailure::BanList)
        })
    }

    /// Saves the address book atomically (mode 0600).
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
        write_atomic(&path, &book.to_bytes(), 0o600)
            .map_err(|e| DataDirError::io(&path, "write", e))
    }

    /// Saves the ban list atomically (mode 0600).
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
        write_atomic(&path, &bans.to_bytes(), 0o600)
            .map_err(|e| DataDirError::io(&path, "write", e))
    }

    /// Reads and parses `name`, at most `max` bytes; a file that does not
    /// load is set aside.
    fn load<T>(
        &self,
        name: &str,
        max: usize,
        parse: impl FnOnce(&[u8]) -> Result<T, LoadFailure>,
    ) -> Result<(Option<T>, Option<SetAside>), DataDirError> {
        let path = self.path.join(name);
        let loaded = match read_at_most(&path, max) {
            Ok(None) => return Ok((None, None)),
            Ok(Some(bytes)) if bytes.len() > max => Err(LoadFailure::TooLarge { max }),
            Ok(Some(bytes)) => parse(&bytes),
            Err(e) => Err(LoadFailure::Unreadable(e)),
        };
        match loaded {
            Ok(value) => Ok((Some(value), None)),
            // The caller logs the warning: it knows what starting fresh means.
            Err(reason) => Ok((None, Some(self.set_aside(name, reason)?))),
        }
    }

    /// Renames `name` to `<name>.corrupt-<unix seconds>`, with `-<n>` added
    /// if that exists: an earlier file set aside is never overwritten.
    /// Checking then renaming is safe because the lock keeps other veil
    /// processes out. No directory fsync: if a crash undoes the rename,
    /// the file is set aside again on the next start.
    fn set_aside(&self, name: &str, reason: LoadFailure) -> Result<SetAside, DataDirError> {
        let file = self.path.join(name);
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let stem = format!("{name}.corrupt-{secs}");
        let mut moved_to = self.path.join(&stem);
        let mut n = 0u32;
        while fs::symlink_metadata(&moved_to).is_ok() {
            n += 1;
            moved_to = self.path.join(format!("{stem}-{n}"));
        }
        match fs::rename(&file, &moved_to) {
            Ok(()) => Ok(SetAside {
                file,
                moved_to,
                reason,
            }),
            Err(error) => Err(DataDirError::new(
                &file,
                DataDirErrorKind::CannotSetAside { reason, error },
            )),
        }
    }
}

/// The first `max + 1` bytes of `path` (one more than allowed detects a
/// longer file), or `None` if there is no such file.
fn read_at_most(path: &Path, max: usize) -> io::Result<Option<Vec<u8>>> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut bytes = Vec::new();
    file.take(u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1))
        .read_to_end(&mut bytes)?;
    Ok(Some(bytes))
}
