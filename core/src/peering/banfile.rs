//! The ban list's file format, for persistence across restarts.
//!
//! All integers little-endian:
//!
//! | field | bytes |
//! |---|---|
//! | magic [`BANLIST_MAGIC`] | 8 |
//! | version ([`BANLIST_VERSION`]) | 1 |
//! | peer record count `p` | 4 |
//! | netgroup record count `n` | 4 |
//! | `p` peer records: peer id 32, netgroup 8, rule 1, since 8, until 8 | 57 each |
//! | `n` netgroup records: netgroup 8, rule 1, since 8, until 8 | 25 each |
//! | SHA-256 of everything before | 32 |
//!
//! Rules are 1 discourage, 2 ban, 3 operator, 4 netgroup offenders (only in
//! netgroup records, and only there). Records are sorted by peer id and by
//! netgroup, each key once, so a list has exactly one encoding. The file is
//! untrusted on load: every length is checked against the policy's bounds
//! before anything is allocated, the checksum before any record is read.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use core::fmt;

use sha2::{Digest, Sha256};

use super::bans::{BanList, PeerEntry};
use super::record::{BanPolicy, Record, Rule};
use crate::identity::PeerId;
use crate::time::UnixTime;

/// The first bytes of a ban list file.
///
/// ```
/// assert_eq!(&veil_core::peering::BANLIST_MAGIC, b"veilbans");
/// ```
pub const BANLIST_MAGIC: [u8; 8] = *b"veilbans";

/// The format version written and read.
///
/// ```
/// assert_eq!(veil_core::peering::BANLIST_VERSION, 1);
/// ```
pub const BANLIST_VERSION: u8 = 1;

const HEADER_LEN: usize = 8 + 1 + 4 + 4;
const CHECKSUM_LEN: usize = 32;
const PEER_RECORD_LEN: usize = 32 + 8 + 1 + 8 + 8;
const NETGROUP_RECORD_LEN: usize = 8 + 1 + 8 + 8;

/// Why a ban list file could not be loaded.
///
/// # Example
///
/// ```
/// use veil_core::peering::{BanList, BanListError, BanPolicy};
///
/// let err = BanList::from_bytes(b"veilbans", BanPolicy::default()).unwrap_err();
/// assert_eq!(err, BanListError::Truncated { len: 8, needed: 49 });
/// assert_eq!(err.to_string(), "ban list of 8 bytes is truncated: 49 needed");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BanListError {
    /// Shorter than its header and checksum, or than its counts announce.
    Truncated {
        /// The file's length.
        len: usize,
        /// The length needed.
        needed: usize,
    },
    /// Longer than its counts announce.
    TrailingBytes {
        /// Bytes after the checksum.
        extra: usize,
    },
    /// Longer than any file the policy allows ([`BanList::max_file_len`]).
    TooLarge {
        /// The file's length.
        len: usize,
        /// The policy's maximum.
        max: usize,
    },
    /// The file does not start with [`BANLIST_MAGIC`].
    BadMagic,
    /// A version other than [`BANLIST_VERSION`].
    UnsupportedVersion {
        /// The version found.
        version: u8,
    },
    /// More peer records than [`BanPolicy::max_peers`].
    TooManyPeers {
        /// The count announced.
        count: u32,
        /// The policy's maximum.
        max: usize,
    },
    /// More netgroup records than [`BanPolicy::max_netgroups`].
    TooManyNetgroups {
        /// The count announced.
        count: u32,
        /// The policy's maximum.
        max: usize,
    },
    /// The SHA-256 checksum does not match the contents.
    ChecksumMismatch,
    /// A peer id that is not a valid Ed25519 public key.
    InvalidPeerId {
        /// The record's index (peer records first, then netgroups).
        record: usize,
    },
    /// An unknown rule byte, or a rule not allowed in that kind of record.
    InvalidRule {
        /// The record's index.
        record: usize,
        /// The byte found.
        rule: u8,
    },
    /// A record that expires before it was written.
    ExpiresBeforeStart {
        /// The record's index.
        record: usize,
    },
    /// A record whose key is not greater than the previous record's.
    Unsorted {
        /// The record's index.
        record: usize,
    },
}

impl fmt::Display for BanListError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BanListError::Truncated { len, needed } => {
                write!(f, "ban list of {len} bytes is truncated: {needed} needed")
            }
            BanListError::TrailingBytes { extra } => {
                write!(f, "ban list has {extra} bytes after its checksum")
            }
            BanListError::TooLarge { len, max } => {
                write!(f, "ban list of {len} bytes exceeds the maximum of {max}")
            }
            BanListError::BadMagic => f.write_str("not a ban list: bad magic"),
            BanListError::UnsupportedVersion { version } => {
                write!(f, "unsupported ban list version {version}")
            }
            BanListError::TooManyPeers { count, max } => {
                write!(f, "ban list holds {count} peer records, more than {max}")
            }
            BanListError::TooManyNetgroups { count, max } => {
                write!(
                    f,
                    "ban list holds {count} netgroup records, more than {max}"
                )
            }
            BanListError::ChecksumMismatch => f.write_str("ban list checksum mismatch"),
            BanListError::InvalidPeerId { record } => {
                write!(f, "record {record} has an invalid peer id")
            }
            BanListError::InvalidRule { record, rule } => {
                write!(f, "record {record} has invalid rule {rule}")
            }
            BanListError::ExpiresBeforeStart { record } => {
                write!(f, "record {record} expires before it was written")
            }
            BanListError::Unsorted { record } => {
                write!(f, "record {record} is out of order or a duplicate")
            }
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for BanListError {}

fn rule_byte(rule: Rule) -> u8 {
    match rule {
        Rule::Discourage => 1,
        Rule::Ban => 2,
        Rule::Operator => 3,
        Rule::NetgroupOffenders => 4,
    }
}

fn write_record(out: &mut Vec<u8>, record: &Record) {
    out.push(rule_byte(record.rule));
    out.extend_from_slice(&record.since.as_secs().to_le_bytes());
    out.extend_from_slice(&record.until.as_secs().to_le_bytes());
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(word)
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    let mut word = [0u8; 4];
    word.copy_from_slice(&bytes[at..at + 4]);
    u32::from_le_bytes(word)
}

/// Reads rule, since and until (17 bytes) of record `index`; `netgroup`
/// says which kind of record it is.
fn read_record(bytes: &[u8], index: usize, netgroup: bool) -> Result<Record, BanListError> {
    let rule = match (bytes[0], netgroup) {
        (1, false) => Rule::Discourage,
        (2, false) => Rule::Ban,
        (3, false) => Rule::Operator,
        (4, true) => Rule::NetgroupOffenders,
        (rule, _) => {
            return Err(BanListError::InvalidRule {
                record: index,
                rule,
            })
        }
    };
    let since = UnixTime::from_secs(u64_at(bytes, 1));
    let until = UnixTime::from_secs(u64_at(bytes, 9));
    if until < since {
        return Err(BanListError::ExpiresBeforeStart { record: index });
    }
    Ok(Record { rule, since, until })
}

impl BanList {
    /// The longest file `policy` allows: a shell reads at most this many
    /// bytes (one more, to detect a longer file) before calling
    /// [`BanList::from_bytes`].
    ///
    /// ```
    /// use veil_core::peering::{BanList, BanPolicy};
    /// let policy = BanPolicy { max_peers: 1, max_netgroups: 1, ..BanPolicy::default() };
    /// assert_eq!(BanList::max_file_len(&policy), 17 + 57 + 25 + 32);
    /// ```
    #[must_use]
    pub fn max_file_len(policy: &BanPolicy) -> usize {
        let records = policy
            .max_peers
            .saturating_mul(PEER_RECORD_LEN)
            .saturating_add(policy.max_netgroups.saturating_mul(NETGROUP_RECORD_LEN));
        records.saturating_add(HEADER_LEN + CHECKSUM_LEN)
    }

    /// The list in its file format (every record, live or not; the allow
    /// list is configuration and is not written).
    ///
    /// ```
    /// use veil_core::peering::{BanList, BanPolicy};
    /// use veil_core::UnixTime;
    /// # let peer = veil_core::identity::Identity::from_secret_bytes([1; 32]).peer_id();
    /// let mut bans = BanList::new(BanPolicy::default());
    /// bans.ban(peer, 3, None, UnixTime::from_secs(100));
    /// let bytes = bans.to_bytes();
    /// assert_eq!(bytes.len(), 17 + 57 + 32);
    /// let loaded = BanList::from_bytes(&bytes, BanPolicy::default()).unwrap();
    /// assert_eq!(loaded.peer_record(&peer), bans.peer_record(&peer));
    /// ```
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(
            HEADER_LEN
                + self.peers.len() * PEER_RECORD_LEN
                + self.netgroups.len() * NETGROUP_RECORD_LEN
                + CHECKSUM_LEN,
        );
        out.extend_from_slice(&BANLIST_MAGIC);
        out.push(BANLIST_VERSION);
        // Counts fit: the policy's bounds are far below u32::MAX in any
        // list that was loaded, and saturate otherwise (never on real lists).
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX).to_le_bytes();
        out.extend_from_slice(&count(self.peers.len()));
        out.extend_from_slice(&count(self.netgroups.len()));
        for (peer, entry) in &self.peers {
            out.extend_from_slice(peer.as_bytes());
            out.extend_from_slice(&entry.netgroup.to_le_bytes());
            write_record(&mut out, &entry.record);
        }
        for (netgroup, record) in &self.netgroups {
            out.extend_from_slice(&netgroup.to_le_bytes());
            write_record(&mut out, record);
        }
        let checksum = Sha256::digest(&out);
        out.extend_from_slice(&checksum);
        out
    }

    /// Loads a list written by [`BanList::to_bytes`], under `policy`.
    ///
    /// # Errors
    ///
    /// A [`BanListError`] naming the first problem: size, magic, version,
    /// counts beyond the policy, checksum, then each record's contents.
    ///
    /// ```
    /// use veil_core::peering::{BanList, BanListError, BanPolicy};
    ///
    /// let mut bytes = BanList::new(BanPolicy::default()).to_bytes();
    /// *bytes.last_mut().unwrap() ^= 1;
    /// assert_eq!(BanList::from_bytes(&bytes, BanPolicy::default()), Err(BanListError::ChecksumMismatch));
    /// ```
    pub fn from_bytes(data: &[u8], policy: BanPolicy) -> Result<BanList, BanListError> {
        let len = data.len();
        let max = BanList::max_file_len(&policy);
        if len > max {
            return Err(BanListError::TooLarge { len, max });
        }
        let minimum = HEADER_LEN + CHECKSUM_LEN;
        if len < minimum {
            return Err(BanListError::Truncated {
                len,
                needed: minimum,
            });
        }
        if data[..8] != BANLIST_MAGIC {
            return Err(BanListError::BadMagic);
        }
        if data[8] != BANLIST_VERSION {
            return Err(BanListError::UnsupportedVersion { version: data[8] });
        }
        let (peer_count, netgroup_count) = (u32_at(data, 9), u32_at(data, 13));
        let peers = usize::try_from(peer_count)
            .ok()
            .filter(|&n| n <= policy.max_peers)
            .ok_or(BanListError::TooManyPeers {
                count: peer_count,
                max: policy.max_peers,
            })?;
        let netgroups = usize::try_from(netgroup_count)
            .ok()
            .filter(|&n| n <= policy.max_netgroups)
            .ok_or(BanListError::TooManyNetgroups {
                count: netgroup_count,
                max: policy.max_netgroups,
            })?;
        let needed = peers
            .saturating_mul(PEER_RECORD_LEN)
            .saturating_add(netgroups.saturating_mul(NETGROUP_RECORD_LEN))
            .saturating_add(minimum);
        if len < needed {
            return Err(BanListError::Truncated { len, needed });
        }
        if len > needed {
            return Err(BanListError::TrailingBytes {
                extra: len - needed,
            });
        }
        let (body, checksum) = data.split_at(len - CHECKSUM_LEN);
        if Sha256::digest(body).as_slice() != checksum {
            return Err(BanListError::ChecksumMismatch);
        }

        let mut peer_records = BTreeMap::new();
        let records = body[HEADER_LEN..].chunks_exact(PEER_RECORD_LEN);
        for (index, bytes) in records.take(peers).enumerate() {
            let mut key = [0u8; 32];
            key.copy_from_slice(&bytes[..32]);
            let peer =
                PeerId::from_bytes(key).ok_or(BanListError::InvalidPeerId { record: index })?;
            if peer_records
                .last_key_value()
                .is_some_and(|(&last, _)| last >= peer)
            {
                return Err(BanListError::Unsorted { record: index });
            }
            let netgroup = u64_at(bytes, 32);
            let record = read_record(&bytes[40..], index, false)?;
            peer_records.insert(peer, PeerEntry { netgroup, record });
        }
        let mut netgroup_records = BTreeMap::new();
        let rest = &body[HEADER_LEN + peers * PEER_RECORD_LEN..];
        for (i, bytes) in rest.chunks_exact(NETGROUP_RECORD_LEN).enumerate() {
            let index = peers + i;
            let netgroup = u64_at(bytes, 0);
            if netgroup_records
                .last_key_value()
                .is_some_and(|(&last, _)| last >= netgroup)
            {
                return Err(BanListError::Unsorted { record: index });
            }
            let record = read_record(&bytes[8..], index, true)?;
            netgroup_records.insert(netgroup, record);
        }
        Ok(BanList::from_records(
            policy,
            peer_records,
            netgroup_records,
        ))
    }
}
