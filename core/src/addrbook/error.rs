//! Why the book refused a configuration, an address or a persisted file.

use core::fmt;

/// A configuration the book cannot use.
///
/// # Example
///
/// ```
/// use veil_core::addrbook::{AddrBookConfig, ConfigError};
///
/// let config = AddrBookConfig { new_buckets: 0, ..Default::default() };
/// let err = config.validate().unwrap_err();
/// assert_eq!(err, ConfigError::Zero { field: "new_buckets" });
/// assert_eq!(err.to_string(), "address book new_buckets must not be zero");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ConfigError {
    /// A size or limit is zero.
    Zero {
        /// The configuration field.
        field: &'static str,
    },
    /// A per-group bucket limit exceeds its table's bucket count.
    PerGroupLimit {
        /// The configuration field.
        field: &'static str,
        /// Its value.
        value: usize,
        /// The table's bucket count.
        buckets: usize,
    },
    /// A table has more slots than [`MAX_TABLE_SLOTS`](super::MAX_TABLE_SLOTS).
    TableTooLarge {
        /// `"new"` or `"tried"`.
        table: &'static str,
        /// Buckets × slots (saturated).
        slots: usize,
        /// The maximum.
        max: usize,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Zero { field } => write!(f, "address book {field} must not be zero"),
            ConfigError::PerGroupLimit {
                field,
                value,
                buckets,
            } => write!(
                f,
                "address book {field} is {value}, more than the table's {buckets} buckets"
            ),
            ConfigError::TableTooLarge { table, slots, max } => write!(
                f,
                "address book {table} table of {slots} slots exceeds the maximum of {max}"
            ),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ConfigError {}

/// Why an address was not added to the book.
///
/// Addresses come from peers, so none of these is the caller's fault or the
/// peer's: the address is dropped and the message processed on.
///
/// # Example
///
/// ```
/// use core::net::Ipv4Addr;
/// use veil_core::addrbook::{AddError, AddrBook, AddrBookConfig};
/// use veil_core::message::NetAddress;
/// use veil_core::UnixTime;
///
/// let mut book = AddrBook::with_key(AddrBookConfig::default(), [7; 32]).unwrap();
/// let private = NetAddress::Ipv4(Ipv4Addr::new(192, 168, 1, 1));
/// let now = UnixTime::from_secs(1_700_000_000);
/// assert_eq!(book.add_manual(&private, 8333, 0, now), Err(AddError::Unroutable));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AddError {
    /// A network veil does not know.
    UnknownNetwork {
        /// Its BIP155 network id.
        network: u8,
    },
    /// A local, private or otherwise unroutable address.
    Unroutable,
    /// The address's slot holds another address that is not terrible; the
    /// newcomer is dropped (a flood cannot push out good entries).
    SlotTaken,
}

impl fmt::Display for AddError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AddError::UnknownNetwork { network } => {
                write!(f, "address of unknown network {network}")
            }
            AddError::Unroutable => f.write_str("unroutable address"),
            AddError::SlotTaken => f.write_str("bucket slot held by a better address"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for AddError {}

/// Why a persisted address book could not be loaded.
///
/// Checked in this order: size, magic, version, checksum, then each entry;
/// nothing is allocated for entries until the count has been checked
/// against the configuration's capacity and the file's length.
///
/// # Example
///
/// ```
/// use veil_core::addrbook::{AddrBook, AddrBookConfig, LoadError};
///
/// let err = AddrBook::from_bytes(b"hello", AddrBookConfig::default()).unwrap_err();
/// assert!(matches!(err, LoadError::TooShort { len: 5, .. }));
/// assert!(err.to_string().contains("too short"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LoadError {
    /// The loader's configuration is invalid.
    Config(ConfigError),
    /// Shorter than a header and checksum.
    TooShort {
        /// The file's length.
        len: usize,
        /// The least a file can be.
        min: usize,
    },
    /// Longer than a full book of the configured capacity can be.
    TooLong {
        /// The file's length.
        len: usize,
        /// The most it can be.
        max: usize,
    },
    /// Not an address book file.
    BadMagic,
    /// A format version this code does not read.
    UnsupportedVersion {
        /// The version found.
        version: u8,
    },
    /// The SHA-256 trailer does not match the contents.
    Checksum,
    /// More entries than the configured tables hold.
    TooManyEntries {
        /// The count in the header.
        count: u32,
        /// The configured capacity.
        max: usize,
    },
    /// The file ends inside an entry.
    Truncated {
        /// Index of the incomplete entry.
        entry: usize,
    },
    /// Bytes left after the last entry.
    TrailingBytes {
        /// How many.
        extra: usize,
    },
    /// An entry's network id is not IPv4, IPv6, Tor v3 or I2P.
    BadNetwork {
        /// Index of the entry.
        entry: usize,
        /// The network id.
        network: u8,
    },
    /// An entry holds an unroutable address, which the book never stores.
    Unroutable {
        /// Index of the entry.
        entry: usize,
    },
    /// An entry's source group does not decode.
    BadSourceGroup {
        /// Index of the entry.
        entry: usize,
    },
    /// An entry's table byte is neither 0 (NEW) nor 1 (TRIED).
    BadTable {
        /// Index of the entry.
        entry: usize,
        /// The byte found.
        value: u8,
    },
    /// An address appears twice.
    Duplicate {
        /// Index of the second occurrence.
        entry: usize,
    },
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Config(err) => write!(f, "cannot load address book: {err}"),
            LoadError::TooShort { len, min } => write!(
                f,
                "address book file of {len} bytes is too short (at least {min})"
            ),
            LoadError::TooLong { len, max } => write!(
                f,
                "address book file of {len} bytes is too long (at most {max})"
            ),
            LoadError::BadMagic => f.write_str("not an address book file (bad magic)"),
            LoadError::UnsupportedVersion { version } => {
                write!(f, "unsupported address book format version {version}")
            }
            LoadError::Checksum => f.write_str("address book checksum mismatch"),
            LoadError::TooManyEntries { count, max } => write!(
                f,
                "address book holds {count} entries, more than the capacity of {max}"
            ),
            LoadError::Truncated { entry } => {
                write!(f, "address book file ends inside entry {entry}")
            }
            LoadError::TrailingBytes { extra } => {
                write!(f, "{extra} bytes after the last address book entry")
            }
            LoadError::BadNetwork { entry, network } => {
                write!(
                    f,
                    "address book entry {entry} has unknown network {network}"
                )
            }
            LoadError::Unroutable { entry } => {
                write!(f, "address book entry {entry} is unroutable")
            }
            LoadError::BadSourceGroup { entry } => {
                write!(f, "address book entry {entry} has an invalid source group")
            }
            LoadError::BadTable { entry, value } => {
                write!(
                    f,
                    "address book entry {entry} has invalid table byte {value}"
                )
            }
            LoadError::Duplicate { entry } => {
                write!(f, "address book entry {entry} repeats an earlier address")
            }
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for LoadError {}
