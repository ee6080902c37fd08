//! One address in the book and the rules that judge it: terrible or not,
//! and how likely a dial should pick it.

use crate::message::{AddrEntry, NetAddress};
use crate::UnixTime;

use super::netgroup::NetGroup;
use super::network::Network;

/// An address last seen longer ago than this (30 days) is terrible.
///
/// ```
/// assert_eq!(veil_core::addrbook::HORIZON_SECS, 30 * 24 * 3600);
/// ```
pub const HORIZON_SECS: u64 = 30 * 24 * 3600;
/// Failed attempts after which a never-successful address is terrible.
///
/// ```
/// assert_eq!(veil_core::addrbook::MAX_RETRIES, 3);
/// ```
pub const MAX_RETRIES: u32 = 3;
/// Failed attempts after which an address without success in
/// [`MIN_FAIL_SECS`] is terrible.
///
/// ```
/// assert_eq!(veil_core::addrbook::MAX_FAILURES, 10);
/// ```
pub const MAX_FAILURES: u32 = 10;
/// See [`MAX_FAILURES`]: 7 days.
///
/// ```
/// assert_eq!(veil_core::addrbook::MIN_FAIL_SECS, 7 * 24 * 3600);
/// ```
pub const MIN_FAIL_SECS: u64 = 7 * 24 * 3600;
/// Selection chances are in parts per million of this.
///
/// ```
/// assert_eq!(veil_core::addrbook::CHANCE_ONE, 1_000_000);
/// ```
pub const CHANCE_ONE: u64 = 1_000_000;

/// Timestamps further ahead than this (10 minutes) are not believed.
pub(crate) const MAX_FUTURE_SECS: u64 = 600;
/// Attempted this recently (1 minute): never terrible, whatever else.
const RECENT_ATTEMPT_SECS: u64 = 60;
/// Attempted this recently (10 minutes): a hundred times less likely picked.
const RECENT_RETRY_SECS: u64 = 600;

/// What the book knows about one address.
///
/// Read-only for callers: the book changes it through its operations.
///
/// # Example
///
/// ```
/// use core::net::Ipv4Addr;
/// use veil_core::addrbook::{AddrBook, AddrBookConfig};
/// use veil_core::message::NetAddress;
/// use veil_core::UnixTime;
///
/// let mut book = AddrBook::with_key(AddrBookConfig::default(), [1; 32]).unwrap();
/// let addr = NetAddress::Ipv4(Ipv4Addr::new(8, 8, 8, 8));
/// let now = UnixTime::from_secs(1_700_000_000);
/// book.add_manual(&addr, 8333, 1, now).unwrap();
/// let info = book.get(&addr, 8333).unwrap();
/// assert_eq!((info.port, info.features, info.attempts), (8333, 1, 0));
/// assert!(!info.in_tried);
/// assert!(!info.is_terrible(now));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddrInfo {
    /// The address (IPv4-mapped IPv6 addresses are stored as IPv4).
    pub address: NetAddress,
    /// Its port.
    pub port: u16,
    /// Feature bits announced for it (accumulated, as in Bitcoin Core).
    pub features: u32,
    /// When it was last heard to be up (penalised when heard from others).
    pub last_seen: UnixTime,
    /// When we last tried to connect.
    pub last_attempt: Option<UnixTime>,
    /// When a connection last succeeded.
    pub last_success: Option<UnixTime>,
    /// Failed attempts since the last success (counted at most once per
    /// address between two successes anywhere, so an offline node does not
    /// condemn its whole book).
    pub attempts: u32,
    /// The group of the peer it was heard from (its own for manual adds).
    pub source: NetGroup,
    /// Whether it is in the TRIED table (else NEW).
    pub in_tried: bool,
}

impl AddrInfo {
    /// The address's network.
    ///
    /// ```
    /// # use veil_core::addrbook::{AddrBook, AddrBookConfig, Network};
    /// # use veil_core::message::NetAddress;
    /// # use veil_core::UnixTime;
    /// let mut book = AddrBook::with_key(AddrBookConfig::default(), [1; 32]).unwrap();
    /// let onion = NetAddress::TorV3([9; 32]);
    /// book.add_manual(&onion, 9333, 0, UnixTime::from_secs(1_700_000_000)).unwrap();
    /// assert_eq!(book.get(&onion, 9333).unwrap().network(), Network::Onion);
    /// ```
    #[must_use]
    pub fn network(&self) -> Network {
        // Only known networks are stored; IPv4 is an unreachable fallback.
        Network::of(&self.address).unwrap_or(Network::Ipv4)
    }

    /// The address's own group.
    ///
    /// ```
    /// # use core::net::Ipv4Addr;
    /// # use veil_core::addrbook::{AddrBook, AddrBookConfig, NetGroup};
    /// # use veil_core::message::NetAddress;
    /// # use veil_core::UnixTime;
    /// let mut book = AddrBook::with_key(AddrBookConfig::default(), [1; 32]).unwrap();
    /// let addr = NetAddress::Ipv4(Ipv4Addr::new(8, 8, 8, 8));
    /// book.add_manual(&addr, 1, 0, UnixTime::from_secs(1_700_000_000)).unwrap();
    /// assert_eq!(book.get(&addr, 1).unwrap().group(), NetGroup::Ipv4([8, 8]));
    /// ```
    #[must_use]
    pub fn group(&self) -> NetGroup {
        NetGroup::of(&self.address)
    }

    /// Bitcoin Core's `IsTerrible`: whether the address is not worth keeping.
    /// Never if attempted in the last minute; otherwise yes if last seen
    /// more than 10 minutes in the future or over [`HORIZON_SECS`] ago, or
    /// [`MAX_RETRIES`] attempts failed without any success, or
    /// [`MAX_FAILURES`] failed with no success in [`MIN_FAIL_SECS`].
    ///
    /// ```
    /// # use core::net::Ipv4Addr;
    /// # use veil_core::addrbook::{AddrBook, AddrBookConfig, HORIZON_SECS};
    /// # use veil_core::message::NetAddress;
    /// # use veil_core::UnixTime;
    /// let mut book = AddrBook::with_key(AddrBookConfig::default(), [1; 32]).unwrap();
    /// let addr = NetAddress::Ipv4(Ipv4Addr::new(8, 8, 8, 8));
    /// let now = UnixTime::from_secs(1_700_000_000);
    /// book.add_manual(&addr, 1, 0, now).unwrap();
    /// let later = UnixTime::from_secs(now.as_secs() + HORIZON_SECS + 1);
    /// assert!(book.get(&addr, 1).unwrap().is_terrible(later));
    /// ```
    #[must_use]
    pub fn is_terrible(&self, now: UnixTime) -> bool {
        let now = now.as_secs();
        if let Some(attempt) = self.last_attempt {
            if attempt.as_secs() >= now.saturating_sub(RECENT_ATTEMPT_SECS) {
                return false;
            }
        }
        let seen = self.last_seen.as_secs();
        if seen > now.saturating_add(MAX_FUTURE_SECS) {
            return true;
        }
        if seen == 0 || now.saturating_sub(seen) > HORIZON_SECS {
            return true;
        }
        match self.last_success {
            None => self.attempts >= MAX_RETRIES,
            Some(success) => {
                now.saturating_sub(success.as_secs()) > MIN_FAIL_SECS
                    && self.attempts >= MAX_FAILURES
            }
        }
    }

    /// How willing a dial should be to pick this address, in parts per
    /// [`CHANCE_ONE`] (Bitcoin Core's `GetChance`): ×0.01 if attempted in the
    /// last 10 minutes, ×0.66 per failed attempt (at most 8).
    ///
    /// ```
    /// # use core::net::Ipv4Addr;
    /// # use veil_core::addrbook::{AddrBook, AddrBookConfig, CHANCE_ONE};
    /// # use veil_core::message::NetAddress;
    /// # use veil_core::UnixTime;
    /// let mut book = AddrBook::with_key(AddrBookConfig::default(), [1; 32]).unwrap();
    /// let addr = NetAddress::Ipv4(Ipv4Addr::new(8, 8, 8, 8));
    /// let now = UnixTime::from_secs(1_700_000_000);
    /// book.add_manual(&addr, 1, 0, now).unwrap();
    /// assert_eq!(book.get(&addr, 1).unwrap().chance(now), CHANCE_ONE);
    /// book.attempt(&addr, 1, now);
    /// assert_eq!(book.get(&addr, 1).unwrap().chance(now), CHANCE_ONE / 100 * 66 / 100);
    /// ```
    #[must_use]
    pub fn chance(&self, now: UnixTime) -> u64 {
        let mut chance = CHANCE_ONE;
        if let Some(attempt) = self.last_attempt {
            if now.as_secs().saturating_sub(attempt.as_secs()) < RECENT_RETRY_SECS {
                chance /= 100;
            }
        }
        for _ in 0..self.attempts.min(8) {
            chance = chance * 66 / 100;
        }
        chance
    }

    /// The record to relay in an `addr` message.
    ///
    /// ```
    /// # use core::net::Ipv4Addr;
    /// # use veil_core::addrbook::{AddrBook, AddrBookConfig};
    /// # use veil_core::message::NetAddress;
    /// # use veil_core::UnixTime;
    /// let mut book = AddrBook::with_key(AddrBookConfig::default(), [1; 32]).unwrap();
    /// let addr = NetAddress::Ipv4(Ipv4Addr::new(8, 8, 8, 8));
    /// let now = UnixTime::from_secs(1_700_000_000);
    /// book.add_manual(&addr, 1, 5, now).unwrap();
    /// let record = book.get(&addr, 1).unwrap().to_addr_entry();
    /// assert_eq!((record.address, record.port, record.features, record.time), (addr, 1, 5, now));
    /// ```
    #[must_use]
    pub fn to_addr_entry(&self) -> AddrEntry {
        AddrEntry {
            time: self.last_seen,
            features: self.features,
            address: self.address.clone(),
            port: self.port,
        }
    }
}

/// An address and port as a sortable key (BTreeMap order is deterministic).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct AddrKey {
    network: u8,
    bytes: [u8; 32],
    port: u16,
}

impl AddrKey {
    /// The key of an address already in canonical form (see
    /// `netgroup::canonical`); `None` for unknown networks.
    pub(crate) fn new(address: &NetAddress, port: u16) -> Option<AddrKey> {
        let mut bytes = [0u8; 32];
        match address {
            NetAddress::Ipv4(ip) => bytes[..4].copy_from_slice(&ip.octets()),
            NetAddress::Ipv6(ip) => bytes[..16].copy_from_slice(&ip.octets()),
            NetAddress::TorV3(key) | NetAddress::I2p(key) => bytes = *key,
            NetAddress::Unknown { .. } => return None,
        }
        Some(AddrKey {
            network: address.network_id(),
            bytes,
            port,
        })
    }

    /// Bytes identifying the address and port, as hashed for placement.
    pub(crate) fn to_bytes(self) -> [u8; 35] {
        let mut out = [0u8; 35];
        out[0] = self.network;
        out[1..33].copy_from_slice(&self.bytes);
        out[33..].copy_from_slice(&self.port.to_le_bytes());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::net::Ipv4Addr;

    const NOW: u64 = 1_700_000_000;

    fn info() -> AddrInfo {
        AddrInfo {
            address: NetAddress::Ipv4(Ipv4Addr::new(8, 8, 8, 8)),
            port: 8333,
            features: 0,
            last_seen: UnixTime::from_secs(NOW - 3600),
            last_attempt: None,
            last_success: None,
            attempts: 0,
            source: NetGroup::Ipv4([8, 8]),
            in_tried: false,
        }
    }

    fn at(secs: u64) -> UnixTime {
        UnixTime::from_secs(secs)
    }

    #[test]
    fn terrible_rules() {
        let now = at(NOW);
        assert!(!info().is_terrible(now));
        let stale = AddrInfo {
            last_seen: at(NOW - HORIZON_SECS - 1),
            ..info()
        };
        assert!(stale.is_terrible(now));
        let never = AddrInfo {
            last_seen: UnixTime::EPOCH,
            ..info()
        };
        assert!(never.is_terrible(now));
        let future = AddrInfo {
            last_seen: at(NOW + MAX_FUTURE_SECS + 1),
            ..info()
        };
        assert!(future.is_terrible(now));
        let near_future = AddrInfo {
            last_seen: at(NOW + MAX_FUTURE_SECS),
            ..info()
        };
        assert!(!near_future.is_terrible(now));
        let retried = AddrInfo {
            attempts: MAX_RETRIES,
            last_attempt: Some(at(NOW - 3600)),
            ..info()
        };
        assert!(retried.is_terrible(now));
        // Attempted within the last minute: spared whatever else.
        let just_tried = AddrInfo {
            last_attempt: Some(at(NOW - 30)),
            ..stale.clone()
        };
        assert!(!just_tried.is_terrible(now));
        let failing = AddrInfo {
            attempts: MAX_FAILURES,
            last_success: Some(at(NOW - MIN_FAIL_SECS - 1)),
            last_attempt: Some(at(NOW - 3600)),
            ..info()
        };
        assert!(failing.is_terrible(now));
        let recent_success = AddrInfo {
            last_success: Some(at(NOW - MIN_FAIL_SECS)),
            ..failing
        };
        assert!(!recent_success.is_terrible(now));
    }

    #[test]
    fn chance_falls_with_failures_and_recent_attempts() {
        let now = at(NOW);
        assert_eq!(info().chance(now), CHANCE_ONE);
        let mut last = CHANCE_ONE;
        for attempts in 1..=12 {
            let c = AddrInfo { attempts, ..info() }.chance(now);
            if attempts <= 8 {
                assert!(c < last);
            } else {
                assert_eq!(c, last);
            }
            last = c;
        }
        let recent = AddrInfo {
            last_attempt: Some(at(NOW - 599)),
            ..info()
        };
        assert_eq!(recent.chance(now), CHANCE_ONE / 100);
        let older = AddrInfo {
            last_attempt: Some(at(NOW - 600)),
            ..info()
        };
        assert_eq!(older.chance(now), CHANCE_ONE);
    }

    #[test]
    fn keys_order_and_distinguish_ports() {
        let a = AddrKey::new(&info().address, 1).unwrap();
        let b = AddrKey::new(&info().address, 2).unwrap();
        assert!(a < b);
        assert_ne!(a.to_bytes(), b.to_bytes());
        let tor = AddrKey::new(&NetAddress::TorV3([8; 32]), 1).unwrap();
        let i2p = AddrKey::new(&NetAddress::I2p([8; 32]), 1).unwrap();
        assert_ne!(tor, i2p);
    }
}
