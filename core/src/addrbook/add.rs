//! Adding addresses heard from peers or given by the operator: the
//! timestamp rules, and placement in NEW that only displaces terrible
//! entries.

use crate::message::{AddrEntry, NetAddress};
use crate::UnixTime;

use super::book::{AddrBook, Stored};
use super::entry::{AddrInfo, AddrKey, MAX_FUTURE_SECS};
use super::error::AddError;
use super::netgroup::{canonical, NetGroup};
use super::placement::new_slot;

/// Timestamps before this (1973) are not believed (Bitcoin Core's rule).
const MIN_BELIEVED_SECS: u64 = 100_000_000;
/// An unbelievable timestamp is replaced by "five days ago".
const UNBELIEVED_AGE_SECS: u64 = 5 * 24 * 3600;
/// Addresses relayed by a peer other than themselves count as seen two
/// hours earlier than claimed, so relaying cannot make an address look
/// fresher than the address itself can.
const RELAY_PENALTY_SECS: u64 = 2 * 3600;

/// What adding one address did.
///
/// # Example
///
/// ```
/// use core::net::Ipv4Addr;
/// use veil_core::addrbook::{AddOutcome, AddrBook, AddrBookConfig};
/// use veil_core::message::NetAddress;
/// use veil_core::UnixTime;
///
/// let mut book = AddrBook::with_key(AddrBookConfig::default(), [1; 32]).unwrap();
/// let addr = NetAddress::Ipv4(Ipv4Addr::new(8, 8, 8, 8));
/// let now = UnixTime::from_secs(1_700_000_000);
/// assert_eq!(book.add_manual(&addr, 1, 0, now), Ok(AddOutcome::Added));
/// assert_eq!(book.add_manual(&addr, 1, 0, now), Ok(AddOutcome::Updated));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AddOutcome {
    /// A new entry in the NEW table (perhaps replacing a terrible one).
    Added,
    /// Already known: its last-seen time and features were refreshed.
    Updated,
}

/// What one `addr` message did to the book.
///
/// # Example
///
/// ```
/// # use core::net::Ipv4Addr;
/// # use veil_core::addrbook::{AddSummary, AddrBook, AddrBookConfig};
/// # use veil_core::message::{AddrEntry, NetAddress};
/// # use veil_core::UnixTime;
/// let mut book = AddrBook::with_key(AddrBookConfig::default(), [1; 32]).unwrap();
/// let now = UnixTime::from_secs(1_700_000_000);
/// let record = |a, b| AddrEntry {
///     time: now,
///     features: 0,
///     address: NetAddress::Ipv4(Ipv4Addr::new(a, b, 1, 1)),
///     port: 8333,
/// };
/// let peer = NetAddress::Ipv4(Ipv4Addr::new(9, 9, 9, 9));
/// let summary = book.add_from_peer(&[record(8, 8), record(10, 0), record(8, 8)], &peer, now);
/// assert_eq!(summary, AddSummary { added: 1, updated: 1, rejected: 1 });
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct AddSummary {
    /// New entries.
    pub added: usize,
    /// Known entries refreshed.
    pub updated: usize,
    /// Records dropped (unknown network, unroutable, slot taken).
    pub rejected: usize,
}

impl AddrBook {
    /// Adds an address the operator gave (bootstrap list, manual add): seen
    /// now, heard from itself.
    ///
    /// ```
    /// # use veil_core::addrbook::{AddOutcome, AddrBook, AddrBookConfig};
    /// # use veil_core::message::NetAddress;
    /// # use veil_core::UnixTime;
    /// let mut book = AddrBook::with_key(AddrBookConfig::default(), [0; 32]).unwrap();
    /// let added = book.add_manual(&NetAddress::I2p([1; 32]), 0, 0, UnixTime::from_secs(1_700_000_000));
    /// assert_eq!(added, Ok(AddOutcome::Added));
    /// ```
    pub fn add_manual(
        &mut self,
        address: &NetAddress,
        port: u16,
        features: u32,
        now: UnixTime,
    ) -> Result<AddOutcome, AddError> {
        let address = checked(address)?;
        let source = NetGroup::of(&address);
        self.insert_new(address, port, features, now, source, now)
    }

    /// Adds one record of an `addr` message from the peer at `source`.
    /// Timestamps over 10 minutes ahead or before 1973 count as five days
    /// old; a record relayed by another address counts as two hours older.
    ///
    /// ```
    /// # use core::net::Ipv4Addr;
    /// # use veil_core::addrbook::{AddrBook, AddrBookConfig};
    /// # use veil_core::message::{AddrEntry, NetAddress};
    /// # use veil_core::UnixTime;
    /// let mut book = AddrBook::with_key(AddrBookConfig::default(), [0; 32]).unwrap();
    /// let now = UnixTime::from_secs(1_700_000_000);
    /// let addr = NetAddress::Ipv4(Ipv4Addr::new(8, 8, 8, 8));
    /// let record = AddrEntry { time: now, features: 1, address: addr.clone(), port: 8333 };
    /// book.add(&record, &NetAddress::Ipv4(Ipv4Addr::new(1, 1, 1, 1)), now).unwrap();
    /// assert_eq!(book.get(&addr, 8333).unwrap().last_seen.as_secs(), now.as_secs() - 7200);
    /// ```
    pub fn add(
        &mut self,
        record: &AddrEntry,
        source: &NetAddress,
        now: UnixTime,
    ) -> Result<AddOutcome, AddError> {
        let address = checked(&record.address)?;
        let now_secs = now.as_secs();
        let mut seen = record.time.as_secs();
        if seen <= MIN_BELIEVED_SECS || seen > now_secs.saturating_add(MAX_FUTURE_SECS) {
            seen = now_secs.saturating_sub(UNBELIEVED_AGE_SECS);
        }
        if canonical(source).as_ref() != Some(&address) {
            seen = seen.saturating_sub(RELAY_PENALTY_SECS);
        }
        let seen = UnixTime::from_secs(seen);
        let source = NetGroup::of(source);
        self.insert_new(address, record.port, record.features, seen, source, now)
    }

    /// Adds every record of an `addr` message from the peer at `source`
    /// (pass only what the [`AddrRateLimiter`](super::AddrRateLimiter)
    /// admitted).
    ///
    /// ```
    /// # use veil_core::addrbook::{AddrBook, AddrBookConfig};
    /// # use veil_core::message::{AddrEntry, NetAddress};
    /// # use veil_core::UnixTime;
    /// let mut book = AddrBook::with_key(AddrBookConfig::default(), [0; 32]).unwrap();
    /// let now = UnixTime::from_secs(1_700_000_000);
    /// let records: Vec<AddrEntry> = (0..10u8)
    ///     .map(|i| AddrEntry { time: now, features: 0, address: NetAddress::TorV3([i; 32]), port: 9 })
    ///     .collect();
    /// let summary = book.add_from_peer(&records, &NetAddress::TorV3([0xee; 32]), now);
    /// assert_eq!(summary.added + summary.rejected, 10);
    /// ```
    pub fn add_from_peer(
        &mut self,
        records: &[AddrEntry],
        source: &NetAddress,
        now: UnixTime,
    ) -> AddSummary {
        let mut summary = AddSummary::default();
        for record in records {
            match self.add(record, source, now) {
                Ok(AddOutcome::Added) => summary.added += 1,
                Ok(AddOutcome::Updated) => summary.updated += 1,
                Err(_) => summary.rejected += 1,
            }
        }
        summary
    }

    /// Refreshes a known entry, or places a new one in its NEW slot,
    /// replacing the occupant only if that one is terrible.
    fn insert_new(
        &mut self,
        address: NetAddress,
        port: u16,
        features: u32,
        seen: UnixTime,
        source: NetGroup,
        now: UnixTime,
    ) -> Result<AddOutcome, AddError> {
        let key = AddrKey::new(&address, port).ok_or(AddError::Unroutable)?;
        if let Some(id) = self.id_of(key) {
            let info = &mut self.entry_mut(id).info;
            info.features |= features;
            info.last_seen = info.last_seen.max(seen);
            return Ok(AddOutcome::Updated);
        }
        let group = NetGroup::of(&address);
        let slot = new_slot(&self.key, &self.config, group, source, key);
        if let Some(occupant) = self.table(false)[slot] {
            if !self.entry(occupant).info.is_terrible(now) {
                return Err(AddError::SlotTaken);
            }
            self.remove(occupant);
        }
        let info = AddrInfo {
            address,
            port,
            features,
            last_seen: seen,
            last_attempt: None,
            last_success: None,
            attempts: 0,
            source,
            in_tried: false,
        };
        self.place(Stored { info, key, slot });
        Ok(AddOutcome::Added)
    }
}

/// The canonical form of an address the book accepts.
fn checked(address: &NetAddress) -> Result<NetAddress, AddError> {
    let address = canonical(address).ok_or(AddError::UnknownNetwork {
        network: address.network_id(),
    })?;
    if !NetGroup::of(&address).is_routable() {
        return Err(AddError::Unroutable);
    }
    Ok(address)
}
