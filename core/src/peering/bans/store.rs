//! The list's bookkeeping: writing records, the netgroup threshold, the
//! size bound and the netgroup index.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;

use super::{BanList, BanPolicy, Level, PeerEntry, Record, Rule};
use crate::identity::PeerId;
use crate::time::UnixTime;

impl BanList {
    /// Writes `rule` into `peer`'s record, never making it milder.
    pub(super) fn record_peer(
        &mut self,
        peer: PeerId,
        netgroup: u64,
        rule: Rule,
        now: UnixTime,
    ) -> Record {
        let duration = match rule.level() {
            Level::Banned => self.policy.ban_duration,
            Level::Discouraged => self.policy.discourage_duration,
        };
        let mut record = Record::new(rule, now, duration);
        if let Some(old) = self.remove_peer(&peer).map(|e| e.record) {
            if old.is_live(now) && old.level() > record.level() {
                record.rule = old.rule;
            }
            record.until = record.until.max(old.until);
        }
        self.insert_peer(peer, PeerEntry { netgroup, record }, now);
        record
    }

    /// Discourages `netgroup` if enough distinct peers in it hold live
    /// records; returns the netgroup record if written.
    pub(super) fn check_netgroup(&mut self, netgroup: u64, now: UnixTime) -> Option<Record> {
        let offenders = self.by_netgroup.get(&netgroup).map_or(0, |peers| {
            peers
                .iter()
                .filter(|p| self.peers.get(p).is_some_and(|e| e.record.is_live(now)))
                .count()
        });
        if offenders < self.policy.netgroup_offenders.max(2) || self.policy.max_netgroups == 0 {
            return None;
        }
        let mut record = Record::new(
            Rule::NetgroupOffenders,
            now,
            self.policy.discourage_duration,
        );
        if let Some(old) = self.netgroups.remove(&netgroup) {
            record.until = record.until.max(old.until);
        } else if self.netgroups.len() >= self.policy.max_netgroups {
            self.netgroups.retain(|_, r| r.is_live(now));
            while self.netgroups.len() >= self.policy.max_netgroups {
                let oldest = self.netgroups.iter().min_by_key(|(&g, r)| (r.since, g));
                let Some((&g, _)) = oldest else { break };
                self.netgroups.remove(&g);
                self.evicted += 1;
            }
        }
        self.netgroups.insert(netgroup, record);
        Some(record)
    }

    /// Inserts a peer record, making room first if the list is full.
    pub(super) fn insert_peer(&mut self, peer: PeerId, entry: PeerEntry, now: UnixTime) {
        if self.peers.len() >= self.policy.max_peers {
            self.expire_peers(now);
        }
        while self.peers.len() >= self.policy.max_peers {
            let oldest = self
                .peers
                .iter()
                .min_by_key(|(&p, e)| (e.record.since, p))
                .map(|(&p, _)| p);
            match oldest {
                Some(p) => {
                    self.remove_peer(&p);
                    self.evicted += 1;
                }
                None => return, // max_peers == 0: nothing is kept
            }
        }
        self.by_netgroup
            .entry(entry.netgroup)
            .or_default()
            .insert(peer);
        self.peers.insert(peer, entry);
    }

    pub(super) fn expire_peers(&mut self, now: UnixTime) -> usize {
        let expired: Vec<PeerId> = self
            .peers
            .iter()
            .filter(|(_, e)| !e.record.is_live(now))
            .map(|(&p, _)| p)
            .collect();
        for peer in &expired {
            self.remove_peer(peer);
        }
        expired.len()
    }

    /// Removes a peer record and its netgroup index entry.
    pub(super) fn remove_peer(&mut self, peer: &PeerId) -> Option<PeerEntry> {
        let entry = self.peers.remove(peer)?;
        if let Some(set) = self.by_netgroup.get_mut(&entry.netgroup) {
            set.remove(peer);
            if set.is_empty() {
                self.by_netgroup.remove(&entry.netgroup);
            }
        }
        Some(entry)
    }

    /// Rebuilds a list from loaded records (already validated and within
    /// the policy's bounds).
    pub(in crate::peering) fn from_records(
        policy: BanPolicy,
        peers: BTreeMap<PeerId, PeerEntry>,
        netgroups: BTreeMap<u64, Record>,
    ) -> BanList {
        let mut by_netgroup: BTreeMap<u64, BTreeSet<PeerId>> = BTreeMap::new();
        for (&peer, entry) in &peers {
            by_netgroup.entry(entry.netgroup).or_default().insert(peer);
        }
        BanList {
            peers,
            by_netgroup,
            netgroups,
            ..BanList::new(policy)
        }
    }
}
