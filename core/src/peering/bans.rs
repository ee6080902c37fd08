//! Misbehaviour: discouragements and bans, by peer id and by netgroup.
//!
//! A [`Consequence`] becomes a record: `Close` (and `DropMessage`) leave
//! none, because an honest peer can cause them; `Discourage` discourages the
//! peer for [`BanPolicy::discourage_duration`]; `Ban` bans it for
//! [`BanPolicy::ban_duration`] (24 hours by default, as Bitcoin Core's
//! manual bans). Records are kept by [`PeerId`] and indexed by netgroup:
//! once [`BanPolicy::netgroup_offenders`] distinct peers of one netgroup hold
//! live records, the netgroup itself is discouraged, so an offender that
//! comes back under a fresh key is still caught. The threshold keeps one bad
//! peer from discouraging a whole /16, and a netgroup record only ever
//! discourages: banning a netgroup is left to the operator.
//!
//! Manual connections and allow-listed peers are never punished. Records
//! expire; the list is bounded, and when it is full the record set longest
//! ago goes first (counted in [`BanList::evicted`]). Times are
//! [`UnixTime`] because the list is persisted across restarts
//! ([`BanList::to_bytes`]).

use alloc::collections::{BTreeMap, BTreeSet};

use crate::identity::PeerId;
use crate::time::{Duration, UnixTime};
use crate::Consequence;

use super::record::{BanPolicy, Level, Punishment, Record, Rule, Spared};

/// A peer's record and the netgroup it was recorded in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct PeerEntry {
    pub(super) netgroup: u64,
    pub(super) record: Record,
}

/// The discouraged and banned peers and netgroups.
///
/// # Example
///
/// ```
/// use veil_core::peering::{BanList, BanPolicy, Level, Punishment};
/// use veil_core::{Consequence, UnixTime};
/// # let peer = veil_core::identity::Identity::from_secret_bytes([1; 32]).peer_id();
///
/// let mut bans = BanList::new(BanPolicy::default());
/// let now = UnixTime::from_secs(1_000);
/// let Punishment::Recorded { peer: record, .. } = bans.punish(peer, 7, Consequence::Ban, false, now) else {
///     unreachable!()
/// };
/// assert_eq!(record.until.as_secs(), 1_000 + 24 * 3600);
/// assert_eq!(bans.standing(&peer, 7, now).unwrap().level(), Level::Banned);
/// assert_eq!(bans.standing(&peer, 7, record.until), None);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BanList {
    pub(super) policy: BanPolicy,
    pub(super) peers: BTreeMap<PeerId, PeerEntry>,
    /// Peers with a record, by the netgroup they were recorded in.
    pub(super) by_netgroup: BTreeMap<u64, BTreeSet<PeerId>>,
    pub(super) netgroups: BTreeMap<u64, Record>,
    allowed: BTreeSet<PeerId>,
    evicted: u64,
}

impl BanList {
    /// An empty list.
    ///
    /// ```
    /// let bans = veil_core::peering::BanList::new(Default::default());
    /// assert_eq!(bans.len(), 0);
    /// ```
    #[must_use]
    pub fn new(policy: BanPolicy) -> Self {
        BanList {
            policy,
            peers: BTreeMap::new(),
            by_netgroup: BTreeMap::new(),
            netgroups: BTreeMap::new(),
            allowed: BTreeSet::new(),
            evicted: 0,
        }
    }

    /// The policy.
    ///
    /// ```
    /// use veil_core::peering::{BanList, BanPolicy};
    /// assert_eq!(BanList::new(BanPolicy::default()).policy(), &BanPolicy::default());
    /// ```
    #[must_use]
    pub fn policy(&self) -> &BanPolicy {
        &self.policy
    }

    /// Records an offence of `peer`, seen in `netgroup`, that was rejected
    /// with `consequence`. `manual` is whether the operator asked for the
    /// connection. A record never gets milder: a ban is not replaced by a
    /// discouragement, and a repeated offence extends the expiry.
    ///
    /// ```
    /// use veil_core::peering::{BanList, BanPolicy, Punishment, Rule, Spared};
    /// use veil_core::{Consequence, UnixTime};
    /// # let key = |i| veil_core::identity::Identity::from_secret_bytes([i; 32]).peer_id();
    ///
    /// let mut bans = BanList::new(BanPolicy::default());
    /// let now = UnixTime::from_secs(50);
    /// assert_eq!(bans.punish(key(1), 9, Consequence::Ban, true, now), Punishment::Spared(Spared::Manual));
    /// bans.punish(key(1), 9, Consequence::Discourage, false, now);
    /// bans.punish(key(2), 9, Consequence::Discourage, false, now);
    /// // The third distinct offender discourages netgroup 9.
    /// let Punishment::Recorded { netgroup: Some(group), .. } =
    ///     bans.punish(key(3), 9, Consequence::Discourage, false, now) else { unreachable!() };
    /// assert_eq!(group.rule, Rule::NetgroupOffenders);
    /// // A fresh key from netgroup 9 is discouraged by its netgroup's record.
    /// assert_eq!(bans.standing(&key(4), 9, now).unwrap().rule, Rule::NetgroupOffenders);
    /// ```
    pub fn punish(
        &mut self,
        peer: PeerId,
        netgroup: u64,
        consequence: Consequence,
        manual: bool,
        now: UnixTime,
    ) -> Punishment {
        let rule = match consequence {
            Consequence::Discourage => Rule::Discourage,
            Consequence::Ban => Rule::Ban,
            other => return Punishment::Spared(Spared::NotPunishable(other)),
        };
        if manual {
            return Punishment::Spared(Spared::Manual);
        }
        if self.allowed.contains(&peer) {
            return Punishment::Spared(Spared::AllowListed);
        }
        let record = self.record_peer(peer, netgroup, rule, now);
        let netgroup = self.check_netgroup(netgroup, now);
        Punishment::Recorded {
            peer: record,
            netgroup,
        }
    }

    /// The operator bans `peer` for `duration` (the policy's ban duration if
    /// `None`), taking it off the allow list.
    ///
    /// ```
    /// use veil_core::peering::{BanList, Rule};
    /// use veil_core::{Duration, UnixTime};
    /// # let peer = veil_core::identity::Identity::from_secret_bytes([1; 32]).peer_id();
    /// let mut bans = BanList::new(Default::default());
    /// bans.allow(peer);
    /// let record = bans.ban(peer, 3, Some(Duration::from_secs(60)), UnixTime::from_secs(0));
    /// assert_eq!((record.rule, record.until.as_secs()), (Rule::Operator, 60));
    /// assert!(!bans.is_allowed(&peer));
    /// ```
    pub fn ban(
        &mut self,
        peer: PeerId,
        netgroup: u64,
        duration: Option<Duration>,
        now: UnixTime,
    ) -> Record {
        self.allowed.remove(&peer);
        let duration = duration.unwrap_or(self.policy.ban_duration);
        let record = Record::new(Rule::Operator, now, duration);
        self.remove_peer(&peer);
        self.insert_peer(peer, PeerEntry { netgroup, record }, now);
        self.check_netgroup(netgroup, now);
        record
    }

    /// Lifts `peer`'s record, returning it. Its netgroup's record, if any,
    /// stays (see [`BanList::unban_netgroup`]).
    ///
    /// ```
    /// use veil_core::peering::BanList;
    /// use veil_core::UnixTime;
    /// # let peer = veil_core::identity::Identity::from_secret_bytes([1; 32]).peer_id();
    /// let mut bans = BanList::new(Default::default());
    /// bans.ban(peer, 3, None, UnixTime::EPOCH);
    /// assert!(bans.unban(&peer).is_some());
    /// assert_eq!(bans.standing(&peer, 3, UnixTime::EPOCH), None);
    /// ```
    pub fn unban(&mut self, peer: &PeerId) -> Option<Record> {
        self.remove_peer(peer).map(|entry| entry.record)
    }

    /// Lifts `netgroup`'s record, returning it.
    ///
    /// ```
    /// let mut bans = veil_core::peering::BanList::new(Default::default());
    /// assert_eq!(bans.unban_netgroup(3), None);
    /// ```
    pub fn unban_netgroup(&mut self, netgroup: u64) -> Option<Record> {
        self.netgroups.remove(&netgroup)
    }

    /// Puts `peer` on the allow list (it is never punished, and netgroup
    /// records do not apply to it) and lifts its record.
    ///
    /// ```
    /// # let peer = veil_core::identity::Identity::from_secret_bytes([1; 32]).peer_id();
    /// let mut bans = veil_core::peering::BanList::new(Default::default());
    /// bans.allow(peer);
    /// assert!(bans.is_allowed(&peer));
    /// ```
    pub fn allow(&mut self, peer: PeerId) {
        self.remove_peer(&peer);
        self.allowed.insert(peer);
    }

    /// Takes `peer` off the allow list; returns whether it was on it.
    ///
    /// ```
    /// # let peer = veil_core::identity::Identity::from_secret_bytes([1; 32]).peer_id();
    /// let mut bans = veil_core::peering::BanList::new(Default::default());
    /// assert!(!bans.disallow(&peer));
    /// ```
    pub fn disallow(&mut self, peer: &PeerId) -> bool {
        self.allowed.remove(peer)
    }

    /// Whether `peer` is on the allow list.
    ///
    /// ```
    /// # let peer = veil_core::identity::Identity::from_secret_bytes([1; 32]).peer_id();
    /// assert!(!veil_core::peering::BanList::new(Default::default()).is_allowed(&peer));
    /// ```
    #[must_use]
    pub fn is_allowed(&self, peer: &PeerId) -> bool {
        self.allowed.contains(peer)
    }

    /// The gravest live record that applies to `peer` connecting from
    /// `netgroup` at `now` (its own or its netgroup's); `None` if it is in
    /// good standing or allow-listed.
    ///
    /// ```
    /// # let peer = veil_core::identity::Identity::from_secret_bytes([1; 32]).peer_id();
    /// let bans = veil_core::peering::BanList::new(Default::default());
    /// assert_eq!(bans.standing(&peer, 1, veil_core::UnixTime::EPOCH), None);
    /// ```
    #[must_use]
    pub fn standing(&self, peer: &PeerId, netgroup: u64, now: UnixTime) -> Option<Record> {
        if self.allowed.contains(peer) {
            return None;
        }
        let own = self.peers.get(peer).map(|e| e.record);
        let group = self.netgroups.get(&netgroup).copied();
        [own, group]
            .into_iter()
            .flatten()
            .filter(|r| r.is_live(now))
            .max_by_key(|r| (r.level(), r.until))
    }

    /// The record of `peer` itself, live or not.
    ///
    /// ```
    /// # let peer = veil_core::identity::Identity::from_secret_bytes([1; 32]).peer_id();
    /// assert_eq!(veil_core::peering::BanList::new(Default::default()).peer_record(&peer), None);
    /// ```
    #[must_use]
    pub fn peer_record(&self, peer: &PeerId) -> Option<Record> {
        self.peers.get(peer).map(|e| e.record)
    }

    /// The record of `netgroup`, live or not.
    ///
    /// ```
    /// assert_eq!(veil_core::peering::BanList::new(Default::default()).netgroup_record(5), None);
    /// ```
    #[must_use]
    pub fn netgroup_record(&self, netgroup: u64) -> Option<Record> {
        self.netgroups.get(&netgroup).copied()
    }

    /// Every peer record, by peer id: the peer, the netgroup it was
    /// recorded in, the record.
    ///
    /// ```
    /// use veil_core::UnixTime;
    /// # let peer = veil_core::identity::Identity::from_secret_bytes([1; 32]).peer_id();
    /// let mut bans = veil_core::peering::BanList::new(Default::default());
    /// bans.ban(peer, 3, None, UnixTime::EPOCH);
    /// let (id, netgroup, _) = bans.peer_records().next().unwrap();
    /// assert_eq!((id, netgroup), (peer, 3));
    /// ```
    pub fn peer_records(&self) -> impl Iterator<Item = (PeerId, u64, Record)> + '_ {
        self.peers.iter().map(|(&p, e)| (p, e.netgroup, e.record))
    }

    /// Every netgroup record, by netgroup.
    ///
    /// ```
    /// let bans = veil_core::peering::BanList::new(Default::default());
    /// assert_eq!(bans.netgroup_records().count(), 0);
    /// ```
    pub fn netgroup_records(&self) -> impl Iterator<Item = (u64, Record)> + '_ {
        self.netgroups.iter().map(|(&g, &r)| (g, r))
    }

    /// Drops every record expired at `now`; returns how many.
    ///
    /// ```
    /// use veil_core::UnixTime;
    /// # let peer = veil_core::identity::Identity::from_secret_bytes([1; 32]).peer_id();
    /// let mut bans = veil_core::peering::BanList::new(Default::default());
    /// let record = bans.ban(peer, 3, None, UnixTime::EPOCH);
    /// assert_eq!(bans.expire(record.until), 1);
    /// assert!(bans.is_empty());
    /// ```
    pub fn expire(&mut self, now: UnixTime) -> usize {
        let groups = self.netgroups.len();
        self.netgroups.retain(|_, r| r.is_live(now));
        self.expire_peers(now) + (groups - self.netgroups.len())
    }

    /// Peer records held (live or not).
    ///
    /// ```
    /// assert_eq!(veil_core::peering::BanList::new(Default::default()).len(), 0);
    /// ```
    #[must_use]
    pub fn len(&self) -> usize {
        self.peers.len()
    }

    /// Netgroup records held (live or not).
    ///
    /// ```
    /// assert_eq!(veil_core::peering::BanList::new(Default::default()).netgroup_len(), 0);
    /// ```
    #[must_use]
    pub fn netgroup_len(&self) -> usize {
        self.netgroups.len()
    }

    /// Whether no record is held.
    ///
    /// ```
    /// assert!(veil_core::peering::BanList::new(Default::default()).is_empty());
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.peers.is_empty() && self.netgroups.is_empty()
    }

    /// Records dropped, live or not, to make room since the list was made
    /// (not persisted).
    ///
    /// ```
    /// assert_eq!(veil_core::peering::BanList::new(Default::default()).evicted(), 0);
    /// ```
    #[must_use]
    pub fn evicted(&self) -> u64 {
        self.evicted
    }
}

mod store;

#[cfg(test)]
mod tests;
