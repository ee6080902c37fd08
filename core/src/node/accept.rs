//! Inbound admission: bans, per-netgroup caps, limits, and Bitcoin Core's
//! protect-then-evict when the inbound slots are full.

use alloc::boxed::Box;
use alloc::vec::Vec;

use super::peer::{Opening, Peer, Stage};
use super::{ConnId, ConnectionKind, Disconnection, Node, PeerAddr, Reached, Refusal, Via};
use crate::addrbook::AddrRateLimiter;
use crate::connection::Connection;
use crate::message::NetAddress;
use crate::peering::{select_victim, Candidate, Exemption, Level};
use crate::time::Instant;

impl Node {
    /// An inbound connection from `remote` arrived on a listener of kind
    /// `reached`. Admitted, it gets an id and its handshake starts (the
    /// node speaks once the peer did); refused, the shell closes the socket
    /// without writing anything. Admitting may evict another inbound peer
    /// (its close comes out of [`Node::poll_action`]).
    ///
    /// ```
    /// use core::net::Ipv4Addr;
    /// # use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::message::NetAddress;
    /// use veil_core::node::{Node, NodeConfig, PeerAddr, Reached, Refusal};
    /// # use veil_core::{identity::Identity, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    /// let config = NodeConfig { max_inbound_per_netgroup: 1, ..NodeConfig::default() };
    /// let mut node = Node::new(config, Identity::generate(&mut rng), Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// let from = |i| PeerAddr::new(NetAddress::Ipv4(Ipv4Addr::new(8, 8, 0, i)), 40000);
    /// assert!(node.accept(Instant::ZERO, from(1), Reached::Direct).is_ok());
    /// // Same /16: over the per-netgroup cap.
    /// assert_eq!(node.accept(Instant::ZERO, from(2), Reached::Direct), Err(Refusal::NetgroupFull));
    /// ```
    pub fn accept(
        &mut self,
        now: Instant,
        remote: PeerAddr,
        reached: Reached,
    ) -> Result<ConnId, Refusal> {
        let now = self.advance(now);
        let result = self.admit(now, &remote, reached);
        match result {
            Ok(netgroup) => Ok(self.open_inbound(now, remote, reached, netgroup)),
            Err(refusal) => {
                self.stats.inbound_refused += 1;
                Err(refusal)
            }
        }
    }

    /// The keyed netgroup of an inbound peer, or why it is refused; evicts
    /// a peer if that makes room.
    fn admit(&mut self, now: Instant, remote: &PeerAddr, reached: Reached) -> Result<u64, Refusal> {
        if self.shutting_down {
            return Err(Refusal::ShuttingDown);
        }
        // Onion and I2P peers all arrive from the local daemon: one group
        // per network, not the daemon's address.
        let netgroup = match reached {
            Reached::Direct => self.addrbook.keyed_group(&remote.address),
            Reached::Onion => self.addrbook.keyed_group(&NetAddress::TorV3([0; 32])),
            Reached::I2p => self.addrbook.keyed_group(&NetAddress::I2p([0; 32])),
        };
        let wall = self.wall_clock(now);
        let group_record = self
            .bans
            .netgroup_record(netgroup)
            .filter(|r| r.is_live(wall));
        if let Some(record) = group_record.filter(|r| r.level() == Level::Banned) {
            return Err(Refusal::Banned(record));
        }
        if reached == Reached::Direct {
            let same_group = self.count(|p| {
                p.kind == ConnectionKind::Inbound && p.netgroup == netgroup && p.is_active()
            });
            if same_group >= self.config.max_inbound_per_netgroup {
                return Err(Refusal::NetgroupFull);
            }
        }
        let inbound = self.count(|p| p.kind == ConnectionKind::Inbound && p.is_active());
        let long_lived = self.count(|p| p.is_long_lived() && p.is_active());
        let full = inbound >= self.config.max_inbound_connections
            || long_lived >= self.config.max_connections;
        if !full {
            return Ok(netgroup);
        }
        if let Some(record) = group_record {
            return Err(Refusal::Discouraged(record));
        }
        let candidates = self.eviction_candidates(now);
        if candidates.is_empty() && inbound < self.config.max_inbound_connections {
            return Err(Refusal::TotalFull);
        }
        let eviction = select_victim(&candidates, &self.config.eviction);
        let Some(victim) = eviction.victim else {
            return Err(Refusal::InboundFull);
        };
        self.stats.evictions += 1;
        self.close_peer(now, victim.id, Disconnection::Evicted(victim.rule));
        Ok(netgroup)
    }

    /// Every active inbound peer as an eviction candidate; allow-listed
    /// peers and newcomers inside `inbound_grace` are exempt.
    pub(super) fn eviction_candidates(&self, now: Instant) -> Vec<Candidate<ConnId>> {
        let wall = self.wall_clock(now);
        self.peers
            .iter()
            .filter(|(_, p)| p.kind == ConnectionKind::Inbound && p.is_active())
            .map(|(&id, p)| {
                let peer_id = p.peer_id();
                let standing = peer_id.and_then(|pid| self.bans.standing(&pid, p.netgroup, wall));
                let allowed = peer_id.is_some_and(|pid| self.bans.is_allowed(&pid));
                let newcomer = standing.is_none()
                    && now.saturating_duration_since(p.opened_at) < self.config.inbound_grace;
                let exemption = if allowed {
                    Some(Exemption::NoBan)
                } else if newcomer {
                    Some(Exemption::Newcomer)
                } else {
                    None
                };
                Candidate {
                    id,
                    connected_at: p.connected_at.unwrap_or(p.opened_at),
                    min_ping: p.connection().and_then(|c| c.stats().rtt_min),
                    last_tx: p.last_tx,
                    last_other: p.last_other,
                    netgroup: p.netgroup,
                    network: p.network,
                    discouraged: standing.is_some(),
                    exemption,
                }
            })
            .collect()
    }

    fn open_inbound(
        &mut self,
        now: Instant,
        remote: PeerAddr,
        reached: Reached,
        netgroup: u64,
    ) -> ConnId {
        let conn = self.allocate_id();
        let wall = self.wall_clock(now);
        let connection = Connection::inbound(
            self.connection_config.clone(),
            &self.identity,
            None,
            now,
            wall,
            &mut self.rng,
        )
        .unwrap_or_else(|_| unreachable!("the configuration was validated"));
        let opening = Opening {
            kind: ConnectionKind::Inbound,
            addr: remote,
            via: Via::Direct,
            netgroup,
            reached,
        };
        let limiter = AddrRateLimiter::new(self.config.addr_rate, now);
        let mut peer = Peer::new(opening, Stage::Session(Box::new(connection)), limiter, now);
        peer.priority = crate::peering::RelayPriority::Untrusted;
        self.peers.insert(conn, peer);
        self.stats.inbound_accepted += 1;
        conn
    }
}
