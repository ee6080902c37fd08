//! What dialling does to an entry: attempts, successes (promotion to
//! TRIED), and refreshes while connected.

use crate::message::NetAddress;
use crate::UnixTime;

use super::book::{AddrBook, Stored};
use super::placement::{new_slot, tried_slot};

/// A TRIED occupant that succeeded this recently (4 hours) is not pushed
/// out by a newcomer: it is demonstrably up, the newcomer merely was once.
pub const REPLACEMENT_SECS: u64 = 4 * 3600;

/// What [`AddrBook::good`] did.
///
/// # Example
///
/// ```
/// # use core::net::Ipv4Addr;
/// use veil_core::addrbook::{AddrBook, AddrBookConfig, GoodOutcome};
/// use veil_core::message::NetAddress;
/// use veil_core::UnixTime;
///
/// let mut book = AddrBook::with_key(AddrBookConfig::default(), [1; 32]).unwrap();
/// let addr = NetAddress::Ipv4(Ipv4Addr::new(8, 8, 8, 8));
/// let now = UnixTime::from_secs(1_700_000_000);
/// book.add_manual(&addr, 1, 0, now).unwrap();
/// assert_eq!(book.good(&addr, 1, now), Some(GoodOutcome::Promoted { demoted: None }));
/// assert_eq!(book.good(&addr, 1, now), Some(GoodOutcome::AlreadyTried));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GoodOutcome {
    /// Moved to TRIED. If its slot held an address without a success in
    /// [`REPLACEMENT_SECS`], that one went back to NEW (`demoted`).
    Promoted {
        /// The address and port moved back to NEW, if any.
        demoted: Option<(NetAddress, u16)>,
    },
    /// Was already in TRIED; its record was refreshed.
    AlreadyTried,
    /// Its TRIED slot holds an address that succeeded within
    /// [`REPLACEMENT_SECS`]; that one stays and this one stays in NEW
    /// (with its success recorded).
    Kept {
        /// The occupant that was kept.
        occupant: (NetAddress, u16),
    },
}

impl AddrBook {
    /// Records a connection attempt to `address`:`port` at `now` (call it
    /// when dialling; [`AddrBook::good`] clears the failures on success).
    /// The attempt counts as a failure only if some connection succeeded
    /// since this address's previous attempt (or it was never attempted),
    /// so a node that is offline does not condemn its whole book. Returns
    /// whether the address is in the book.
    ///
    /// ```
    /// # use core::net::Ipv4Addr;
    /// # use veil_core::addrbook::{AddrBook, AddrBookConfig};
    /// # use veil_core::message::NetAddress;
    /// # use veil_core::UnixTime;
    /// let mut book = AddrBook::with_key(AddrBookConfig::default(), [1; 32]).unwrap();
    /// let addr = NetAddress::Ipv4(Ipv4Addr::new(8, 8, 8, 8));
    /// let now = UnixTime::from_secs(1_700_000_000);
    /// book.add_manual(&addr, 1, 0, now).unwrap();
    /// assert!(book.attempt(&addr, 1, now));
    /// assert_eq!(book.get(&addr, 1).unwrap().attempts, 1);
    /// assert_eq!(book.get(&addr, 1).unwrap().last_attempt, Some(now));
    /// ```
    pub fn attempt(&mut self, address: &NetAddress, port: u16, now: UnixTime) -> bool {
        let Some(id) = self.find(address, port) else {
            return false;
        };
        let last_good = self.last_good;
        let info = &mut self.entry_mut(id).info;
        let counts = match info.last_attempt {
            None => true,
            Some(previous) => last_good.is_some_and(|good| previous < good),
        };
        if counts {
            info.attempts = info.attempts.saturating_add(1);
        }
        info.last_attempt = Some(info.last_attempt.map_or(now, |t| t.max(now)));
        true
    }

    /// Records a successful connection (handshake done) to
    /// `address`:`port`: failures are cleared and the address moves to
    /// TRIED. On a TRIED slot collision the occupant stays if it succeeded
    /// within [`REPLACEMENT_SECS`]; otherwise it goes back to its NEW slot
    /// (pushing out what is there: it has worked once, the other has not)
    /// and the newcomer takes its place. `None` if the address is unknown.
    ///
    /// ```
    /// # use core::net::Ipv4Addr;
    /// # use veil_core::addrbook::{AddrBook, AddrBookConfig};
    /// # use veil_core::message::NetAddress;
    /// # use veil_core::UnixTime;
    /// let mut book = AddrBook::with_key(AddrBookConfig::default(), [1; 32]).unwrap();
    /// let addr = NetAddress::Ipv4(Ipv4Addr::new(8, 8, 8, 8));
    /// let now = UnixTime::from_secs(1_700_000_000);
    /// book.add_manual(&addr, 1, 0, now).unwrap();
    /// book.attempt(&addr, 1, now);
    /// book.good(&addr, 1, now).unwrap();
    /// let info = book.get(&addr, 1).unwrap();
    /// assert!(info.in_tried);
    /// assert_eq!((info.attempts, info.last_success), (0, Some(now)));
    /// assert_eq!((book.new_len(), book.tried_len()), (0, 1));
    /// ```
    pub fn good(&mut self, address: &NetAddress, port: u16, now: UnixTime) -> Option<GoodOutcome> {
        let id = self.find(address, port)?;
        self.last_good = Some(self.last_good.map_or(now, |t| t.max(now)));
        let stored = self.entry_mut(id);
        let info = &mut stored.info;
        info.last_success = Some(now);
        info.last_attempt = Some(info.last_attempt.map_or(now, |t| t.max(now)));
        info.last_seen = info.last_seen.max(now);
        info.attempts = 0;
        if info.in_tried {
            return Some(GoodOutcome::AlreadyTried);
        }
        let (group, key) = (info.group(), stored.key);
        let slot = tried_slot(&self.key, &self.config, group, key);

        let mut demoted = None;
        if let Some(occupant) = self.table(true)[slot] {
            let held = &self.entry(occupant).info;
            let recent = held
                .last_success
                .is_some_and(|t| now.as_secs().saturating_sub(t.as_secs()) < REPLACEMENT_SECS);
            if recent {
                return Some(GoodOutcome::Kept {
                    occupant: (held.address.clone(), held.port),
                });
            }
            let mut promoted = self.remove(id);
            let old = self.remove(occupant);
            demoted = Some((old.info.address.clone(), old.info.port));
            self.demote(old);
            promoted.info.in_tried = true;
            promoted.slot = slot;
            self.place(promoted);
        } else {
            let mut promoted = self.remove(id);
            promoted.info.in_tried = true;
            promoted.slot = slot;
            self.place(promoted);
        }
        Some(GoodOutcome::Promoted { demoted })
    }

    /// Puts an entry taken out of TRIED back in its NEW slot.
    fn demote(&mut self, mut stored: Stored) {
        let group = stored.info.group();
        let slot = new_slot(
            &self.key,
            &self.config,
            group,
            stored.info.source,
            stored.key,
        );
        if let Some(occupant) = self.table(false)[slot] {
            self.remove(occupant);
        }
        stored.info.in_tried = false;
        stored.slot = slot;
        self.place(stored);
    }

    /// Records that a connection to `address`:`port` is still up at `now`
    /// (refreshes last seen, which is what getaddr answers relay). Returns
    /// whether the address is in the book.
    ///
    /// ```
    /// # use core::net::Ipv4Addr;
    /// # use veil_core::addrbook::{AddrBook, AddrBookConfig};
    /// # use veil_core::message::NetAddress;
    /// # use veil_core::UnixTime;
    /// let mut book = AddrBook::with_key(AddrBookConfig::default(), [1; 32]).unwrap();
    /// let addr = NetAddress::Ipv4(Ipv4Addr::new(8, 8, 8, 8));
    /// let now = UnixTime::from_secs(1_700_000_000);
    /// book.add_manual(&addr, 1, 0, now).unwrap();
    /// let later = UnixTime::from_secs(now.as_secs() + 600);
    /// assert!(book.connected(&addr, 1, later));
    /// assert_eq!(book.get(&addr, 1).unwrap().last_seen, later);
    /// ```
    pub fn connected(&mut self, address: &NetAddress, port: u16, now: UnixTime) -> bool {
        let Some(id) = self.find(address, port) else {
            return false;
        };
        let info = &mut self.entry_mut(id).info;
        info.last_seen = info.last_seen.max(now);
        true
    }
}
