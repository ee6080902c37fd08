//! The persisted form of the book, for the shell to write to disk.
//!
//! The format is in the module docs ([`crate::addrbook`], "File format").

use alloc::collections::BTreeSet;
use alloc::vec::Vec;

use sha2::{Digest, Sha256};

use crate::message::NetAddress;
use crate::UnixTime;

use super::book::{AddrBook, Stored};
use super::config::AddrBookConfig;
use super::entry::{AddrInfo, AddrKey};
use super::error::LoadError;
use super::netgroup::{canonical, NetGroup};
use super::placement::{new_slot, tried_slot};

/// The file's first bytes.
///
/// ```
/// assert_eq!(&veil_core::addrbook::FILE_MAGIC, b"VEILADDR");
/// ```
pub const FILE_MAGIC: [u8; 8] = *b"VEILADDR";
/// The format version written and read.
///
/// ```
/// assert_eq!(veil_core::addrbook::FILE_VERSION, 1);
/// ```
pub const FILE_VERSION: u8 = 1;

const HEADER_LEN: usize = 8 + 1 + 32 + 8 + 4;
const CHECKSUM_LEN: usize = 32;
const MAX_ENTRY_LEN: usize = 1 + 32 + 2 + 4 + 8 * 3 + 4 + 5 + 1;

impl AddrBook {
    /// The longest file a book shaped by `config` can be: a shell reads at
    /// most this many bytes (one more, to detect a longer file) before
    /// calling [`AddrBook::from_bytes`], which refuses anything longer.
    ///
    /// ```
    /// use veil_core::addrbook::{AddrBook, AddrBookConfig};
    /// let config = AddrBookConfig::default();
    /// let full = AddrBook::max_file_len(&config);
    /// assert!(AddrBook::with_key(config, [4; 32]).unwrap().to_bytes().len() < full);
    /// ```
    #[must_use]
    pub fn max_file_len(config: &AddrBookConfig) -> usize {
        config
            .capacity()
            .saturating_mul(MAX_ENTRY_LEN)
            .saturating_add(HEADER_LEN + CHECKSUM_LEN)
    }

    /// The book in its persisted form (see the
    /// [file format](crate::addrbook#file-format)): entries in address order,
    /// so the same book always gives the same bytes. The getaddr cache is
    /// not kept.
    ///
    /// ```
    /// use veil_core::addrbook::{AddrBook, AddrBookConfig, FILE_MAGIC};
    /// use veil_core::message::NetAddress;
    /// use veil_core::UnixTime;
    ///
    /// let mut book = AddrBook::with_key(AddrBookConfig::default(), [4; 32]).unwrap();
    /// book.add_manual(&NetAddress::TorV3([1; 32]), 9333, 0, UnixTime::from_secs(1_700_000_000)).unwrap();
    /// let bytes = book.to_bytes();
    /// assert_eq!(bytes[..8], FILE_MAGIC);
    /// let loaded = AddrBook::from_bytes(&bytes, AddrBookConfig::default()).unwrap();
    /// assert_eq!(loaded.to_bytes(), bytes);
    /// ```
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN + self.len() * MAX_ENTRY_LEN + CHECKSUM_LEN);
        out.extend_from_slice(&FILE_MAGIC);
        out.push(FILE_VERSION);
        out.extend_from_slice(&self.key);
        out.extend_from_slice(&secs(self.last_good).to_le_bytes());
        // The count is at most the capacity, at most 2 × 2^20.
        out.extend_from_slice(&(self.len() as u32).to_le_bytes());
        for info in self.iter() {
            put_entry(&mut out, info);
        }
        let checksum = Sha256::digest(&out);
        out.extend_from_slice(&checksum);
        out
    }

    /// Loads a book written by [`AddrBook::to_bytes`] into tables shaped by
    /// `config`, whose capacity bounds what the file may hold: nothing is
    /// allocated beyond it. Entries are placed again from their address and
    /// source group; if `config` is smaller than the writer's and two
    /// entries meet in a slot, the first in file order (TRIED entries
    /// before NEW ones) stays, a TRIED entry that does not fit falls back
    /// to NEW, and one that fits nowhere is dropped.
    ///
    /// ```
    /// use veil_core::addrbook::{AddrBook, AddrBookConfig, LoadError};
    ///
    /// let book = AddrBook::with_key(AddrBookConfig::default(), [4; 32]).unwrap();
    /// let mut bytes = book.to_bytes();
    /// let last = bytes.len() - 1;
    /// bytes[last] ^= 1;
    /// assert_eq!(AddrBook::from_bytes(&bytes, AddrBookConfig::default()).unwrap_err(), LoadError::Checksum);
    /// ```
    pub fn from_bytes(bytes: &[u8], config: AddrBookConfig) -> Result<AddrBook, LoadError> {
        config.validate().map_err(LoadError::Config)?;
        let min = HEADER_LEN + CHECKSUM_LEN;
        if bytes.len() < min {
            return Err(LoadError::TooShort {
                len: bytes.len(),
                min,
            });
        }
        let max = AddrBook::max_file_len(&config);
        if bytes.len() > max {
            return Err(LoadError::TooLong {
                len: bytes.len(),
                max,
            });
        }
        let (body, checksum) = bytes.split_at(bytes.len() - CHECKSUM_LEN);
        let mut r = Reader(body);
        if r.take(8) != Some(&FILE_MAGIC[..]) {
            return Err(LoadError::BadMagic);
        }
        let version = r.u8().unwrap_or(0);
        if version != FILE_VERSION {
            return Err(LoadError::UnsupportedVersion { version });
        }
        if Sha256::digest(body).as_slice() != checksum {
            return Err(LoadError::Checksum);
        }
        // The header fits: `body` is at least HEADER_LEN long.
        let key: [u8; 32] = r.array().unwrap_or([0; 32]);
        let last_good = time(r.u64().unwrap_or(0));
        let count = r.u32().unwrap_or(0);
        if count as usize > config.capacity() {
            return Err(LoadError::TooManyEntries {
                count,
                max: config.capacity(),
            });
        }

        let mut seen = BTreeSet::new();
        let mut entries = Vec::new();
        for entry in 0..count as usize {
            let stored = read_entry(&mut r, entry)?;
            if !seen.insert(stored.key) {
                return Err(LoadError::Duplicate { entry });
            }
            entries.push(stored);
        }
        if !r.0.is_empty() {
            return Err(LoadError::TrailingBytes { extra: r.0.len() });
        }

        let mut book = AddrBook::with_key(config, key).map_err(LoadError::Config)?;
        book.last_good = last_good;
        let (tried, new): (Vec<_>, Vec<_>) = entries.into_iter().partition(|s| s.info.in_tried);
        for mut stored in tried.into_iter().chain(new) {
            let group = stored.info.group();
            if stored.info.in_tried {
                let slot = tried_slot(&book.key, &book.config, group, stored.key);
                if book.table(true)[slot].is_none() {
                    stored.slot = slot;
                    book.place(stored);
                    continue;
                }
                stored.info.in_tried = false;
            }
            let slot = new_slot(
                &book.key,
                &book.config,
                group,
                stored.info.source,
                stored.key,
            );
            if book.table(false)[slot].is_none() {
                stored.slot = slot;
                book.place(stored);
            }
        }
        Ok(book)
    }
}

fn secs(t: Option<UnixTime>) -> u64 {
    t.map_or(0, UnixTime::as_secs)
}

fn time(secs: u64) -> Option<UnixTime> {
    (secs != 0).then(|| UnixTime::from_secs(secs))
}

fn put_entry(out: &mut Vec<u8>, info: &AddrInfo) {
    out.push(info.address.network_id());
    out.extend_from_slice(&info.address.to_bytes());
    out.extend_from_slice(&info.port.to_le_bytes());
    out.extend_from_slice(&info.features.to_le_bytes());
    out.extend_from_slice(&info.last_seen.as_secs().to_le_bytes());
    out.extend_from_slice(&secs(info.last_attempt).to_le_bytes());
    out.extend_from_slice(&secs(info.last_success).to_le_bytes());
    out.extend_from_slice(&info.attempts.to_le_bytes());
    out.extend_from_slice(info.source.encode().as_slice());
    out.push(u8::from(info.in_tried));
}

fn read_entry(r: &mut Reader<'_>, entry: usize) -> Result<Stored, LoadError> {
    let truncated = LoadError::Truncated { entry };
    let network = r.u8().ok_or(truncated)?;
    let len = match network {
        1 => 4,
        2 => 16,
        4 | 5 => 32,
        _ => return Err(LoadError::BadNetwork { entry, network }),
    };
    let raw = r.take(len).ok_or(truncated)?;
    let address = NetAddress::from_parts(network, raw)
        .ok()
        .and_then(|a| canonical(&a))
        .ok_or(LoadError::BadNetwork { entry, network })?;
    if !NetGroup::of(&address).is_routable() {
        return Err(LoadError::Unroutable { entry });
    }
    let port = r.u16().ok_or(truncated)?;
    let features = r.u32().ok_or(truncated)?;
    let last_seen = UnixTime::from_secs(r.u64().ok_or(truncated)?);
    let last_attempt = time(r.u64().ok_or(truncated)?);
    let last_success = time(r.u64().ok_or(truncated)?);
    let attempts = r.u32().ok_or(truncated)?;
    let tag = *r.0.first().ok_or(truncated)?;
    let group_len = match tag {
        0 | 1 => 1,
        4 | 5 => 2,
        2 => 3,
        3 => 5,
        _ => return Err(LoadError::BadSourceGroup { entry }),
    };
    let raw = r.take(group_len).ok_or(truncated)?;
    let (source, _) = NetGroup::decode(raw).ok_or(LoadError::BadSourceGroup { entry })?;
    let in_tried = match r.u8().ok_or(truncated)? {
        0 => false,
        1 => true,
        value => return Err(LoadError::BadTable { entry, value }),
    };
    let key = AddrKey::new(&address, port).ok_or(LoadError::BadNetwork { entry, network })?;
    let info = AddrInfo {
        address,
        port,
        features,
        last_seen,
        last_attempt,
        last_success,
        attempts,
        source,
        in_tried,
    };
    Ok(Stored { info, key, slot: 0 })
}

/// Reads fixed-size fields off the front of a slice.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Some(head)
    }

    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }

    fn u8(&mut self) -> Option<u8> {
        self.array::<1>().map(|[b]| b)
    }

    fn u16(&mut self) -> Option<u16> {
        self.array().map(u16::from_le_bytes)
    }

    fn u32(&mut self) -> Option<u32> {
        self.array().map(u32::from_le_bytes)
    }

    fn u64(&mut self) -> Option<u64> {
        self.array().map(u64::from_le_bytes)
    }
}
