//! The address messages the node answers itself: `addr` into the address
//! book (rate limited, small fresh ones relayed), `getaddr` from the cached
//! sample, and its own announcements.

use alloc::vec::Vec;

use super::{ConnId, ConnectionKind, Direction, Disconnection, Node, NodeEvent};
use rand_chacha::rand_core::RngCore;

use crate::message::limits::MAX_ADDR_ENTRIES;
use crate::message::{AddrEntry, Message};
use crate::time::Instant;

/// `addr` messages of at most this many records, with fresh timestamps,
/// are relayed onwards (Bitcoin Core's rule).
const MAX_RELAYED_ADDRS: usize = 10;
/// Records at most this old count as fresh (10 minutes).
const FRESH_SECS: u64 = 600;
/// Peers each fresh `addr` message is relayed to.
const ADDR_RELAY_FANOUT: usize = 2;

impl Node {
    /// A peer's `addr`: admitted by its token bucket into the book; an
    /// address-fetch connection closes once answered.
    pub(super) fn on_addr(&mut self, now: Instant, conn: ConnId, records: &[AddrEntry]) {
        let wall = self.wall_clock(now);
        let Some(peer) = self.peers.get_mut(&conn) else {
            return;
        };
        let admitted = peer.addr_limiter.admit(now, records.len());
        let source = peer.addr.address.clone();
        let kind = peer.kind;
        let summary = self
            .addrbook
            .add_from_peer(&records[..admitted], &source, wall);
        self.stats.addr_received += records.len() as u64;
        self.stats.addr_rate_limited += (records.len() - admitted) as u64;
        if summary.added > 0 {
            self.next_fill = self.next_fill.min(now);
        }
        self.events.push_back(NodeEvent::AddressesLearned {
            conn,
            received: records.len(),
            admitted,
            added: summary.added,
        });
        let fresh = |r: &AddrEntry| r.time.as_secs().saturating_add(FRESH_SECS) >= wall.as_secs();
        if summary.added > 0
            && admitted == records.len()
            && records.len() <= MAX_RELAYED_ADDRS
            && records.iter().all(fresh)
        {
            self.relay_addresses(now, conn, records);
        }
        if kind == ConnectionKind::AddrFetch && records.len() > 1 {
            self.close_peer(now, conn, Disconnection::PurposeDone);
        }
    }

    /// Forwards a small fresh `addr` to a few other connected peers.
    fn relay_addresses(&mut self, now: Instant, from: ConnId, records: &[AddrEntry]) {
        let mut targets: Vec<ConnId> = self
            .peers
            .iter()
            .filter(|(&id, p)| id != from && p.is_connected() && !p.kind.is_temporary())
            .map(|(&id, _)| id)
            .collect();
        for _ in 0..ADDR_RELAY_FANOUT.min(targets.len()) {
            let index = (self.rng.next_u64() % targets.len() as u64) as usize;
            let target = targets.swap_remove(index);
            self.send_internal(now, target, Message::Addr(records.to_vec()));
        }
    }

    /// Answers `getaddr` once per inbound connection from the book's cached
    /// sample (outbound peers are not answered, so a node cannot be
    /// fingerprinted through the peers it dials).
    pub(super) fn on_getaddr(&mut self, now: Instant, conn: ConnId) {
        let wall = self.wall_clock(now);
        let Some(peer) = self.peers.get_mut(&conn) else {
            return;
        };
        if peer.getaddr_answered || peer.kind.direction() != Direction::Inbound {
            return;
        }
        peer.getaddr_answered = true;
        let mut records: Vec<AddrEntry> = self.addrbook.getaddr(wall, &mut self.rng).to_vec();
        records.truncate(MAX_ADDR_ENTRIES);
        if !records.is_empty() {
            self.send_internal(now, conn, Message::Addr(records));
        }
    }

    /// Sends `getaddr` and opens the peer's bucket for the answer.
    pub(super) fn ask_addresses(&mut self, now: Instant, conn: ConnId) {
        if let Some(peer) = self.peers.get_mut(&conn) {
            peer.addr_limiter.expect_response();
        }
        self.send_internal(now, conn, Message::GetAddr);
    }

    /// Announces this node's advertised addresses to `conn`.
    pub(super) fn announce_self(&mut self, now: Instant, conn: ConnId) {
        if self.config.advertised.is_empty() {
            return;
        }
        let wall = self.wall_clock(now);
        let features = self.connection_config.local.features;
        let records = self
            .config
            .advertised
            .iter()
            .take(MAX_ADDR_ENTRIES)
            .map(|addr| AddrEntry {
                time: wall,
                features,
                address: addr.address.clone(),
                port: addr.port,
            })
            .collect();
        self.send_internal(now, conn, Message::Addr(records));
    }
}
