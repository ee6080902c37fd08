//! The address book: which peers the node knows and which it dials,
//! modelled on Bitcoin Core's addrman and built to resist eclipse attacks.
//!
//! - [`AddrBook`]: entries in a NEW table (heard of) and a TRIED table
//!   (connected to), buckets × slots each, placed by hashes keyed with the
//!   node's secret; [`AddrBook::add`], [`AddrBook::attempt`],
//!   [`AddrBook::good`], [`AddrBook::connected`], [`AddrBook::select`],
//!   [`AddrBook::getaddr`], [`AddrBook::to_bytes`]/[`AddrBook::from_bytes`];
//! - [`NetGroup`] and [`Network`]: the group an address belongs to (IPv4
//!   /16, IPv6 /32, Tor and I2P by 4 key bits) and its network;
//! - [`AddrRateLimiter`]: how many addresses of a peer's `addr` messages
//!   are processed (a token bucket, 0.1/s, burst 1,000).
//!
//! # Eclipse bound
//!
//! An attacker's addresses enter NEW only through source groups it holds,
//! and all addresses from one source group land in at most
//! `new_buckets_per_source_group` of the `new_buckets` buckets (the keyed
//! hash picks which). With `k` source groups it holds at most
//! `k × new_buckets_per_source_group × new_bucket_size` NEW slots however
//! many addresses it sends: with the defaults, 1/16 of NEW per group (3
//! groups: 3,072 of 16,384 slots, 18.75%). A newcomer only takes the slot
//! of a terrible entry, so a flood cannot push honest entries out even
//! there. Likewise its addresses from `k` groups occupy at most
//! `k × tried_buckets_per_group` of the `tried_buckets` TRIED buckets
//! (1/16 per group), and only after real successful connections.
//!
//! # File format
//!
//! Integers little-endian:
//!
//! | bytes | field |
//! |---|---|
//! | 8 | magic [`FILE_MAGIC`] (`VEILADDR`) |
//! | 1 | format version [`FILE_VERSION`] |
//! | 32 | the secret placement key |
//! | 8 | last success with any address (Unix seconds, 0 = never) |
//! | 4 | entry count |
//! | 41-73 each | entries |
//! | 32 | SHA-256 of everything before it |
//!
//! An entry: network id (1, 2, 4, 5), the address (4, 16, 32 or 32 bytes),
//! port u16, features u32, last seen u64, last attempt u64, last success
//! u64 (0 = never), attempts u32, the source group as
//! [`NetGroup::encode`] writes it (1-5 bytes), table (0 NEW, 1 TRIED).
//! Slots are not stored: they are recomputed with the loader's
//! configuration, so the tables can be resized between runs.
//!
//! # Example
//!
//! A peer's `addr` message, limited, added, then a dial picked:
//!
//! ```
//! use core::net::Ipv4Addr;
//! use rand_chacha::rand_core::SeedableRng;
//! use veil_core::addrbook::{AddrBook, AddrBookConfig, AddrRateConfig, AddrRateLimiter, Networks};
//! use veil_core::message::{AddrEntry, NetAddress};
//! use veil_core::{Instant, UnixTime};
//!
//! let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
//! let mut book = AddrBook::new(AddrBookConfig::default(), &mut rng).unwrap();
//! let now = UnixTime::from_secs(1_700_000_000);
//! let peer = NetAddress::Ipv4(Ipv4Addr::new(9, 9, 9, 9));
//! let records: Vec<AddrEntry> = (1..=50u8)
//!     .map(|i| AddrEntry {
//!         time: now,
//!         features: 1,
//!         address: NetAddress::Ipv4(Ipv4Addr::new(i, 1, 2, 3)),
//!         port: 8333,
//!     })
//!     .collect();
//!
//! let mut limiter = AddrRateLimiter::new(AddrRateConfig::default(), Instant::ZERO);
//! limiter.expect_response(); // we asked this peer with getaddr
//! let admitted = limiter.admit(Instant::ZERO, records.len());
//! let summary = book.add_from_peer(&records[..admitted], &peer, now);
//! assert_eq!(summary.added + summary.rejected, 50);
//!
//! let dial = book.select(now, Networks::CLEARNET, &mut rng).unwrap();
//! let (address, port) = (dial.address.clone(), dial.port);
//! book.attempt(&address, port, now);
//! book.good(&address, port, now);
//! assert_eq!(book.tried_len(), 1);
//! ```

mod add;
mod book;
mod config;
mod connect;
mod entry;
mod error;
mod getaddr;
mod limiter;
mod netgroup;
mod network;
mod persist;
#[cfg(test)]
mod persist_tests;
mod placement;
mod select;
#[cfg(test)]
mod tests;

pub use add::{AddOutcome, AddSummary};
pub use book::AddrBook;
pub use config::{AddrBookConfig, MAX_TABLE_SLOTS};
pub use connect::{GoodOutcome, REPLACEMENT_SECS};
pub use entry::{AddrInfo, CHANCE_ONE, HORIZON_SECS, MAX_FAILURES, MAX_RETRIES, MIN_FAIL_SECS};
pub use error::{AddError, ConfigError, LoadError};
pub use getaddr::{GETADDR_CACHE_JITTER_SECS, GETADDR_CACHE_MIN_SECS};
pub use limiter::{AddrRateConfig, AddrRateLimiter};
pub use netgroup::{EncodedGroup, NetGroup};
pub use network::{Network, Networks};
pub use persist::{FILE_MAGIC, FILE_VERSION};
