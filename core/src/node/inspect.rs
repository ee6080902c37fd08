//! Read-only views: peers, scores, counters and the composed parts.

use super::peer::Peer;
use super::{ConnId, Node, NodeConfig, NodeStats, PeerHealth, PeerSnapshot};
use crate::addrbook::AddrBook;
use crate::dandelion::Router;
use crate::identity::{Identity, PeerId};
use crate::peering::{penalty_points, score, BanList, Level, ScoreInputs};
use crate::time::Instant;
use crate::Consequence;

impl Node {
    /// What the node knows about connection `conn`.
    ///
    /// ```
    /// # use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::node::{ConnId, Node, NodeConfig};
    /// # use veil_core::{identity::Identity, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    /// # let node = Node::new(NodeConfig::default(), Identity::generate(&mut rng), Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// assert!(node.peer(ConnId::from_raw(1)).is_none());
    /// ```
    #[must_use]
    pub fn peer(&self, conn: ConnId) -> Option<PeerSnapshot> {
        self.peers
            .get(&conn)
            .map(|peer| self.snapshot(self.latest, conn, peer))
    }

    /// Every connection, in id order.
    ///
    /// ```
    /// # use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::node::{Node, NodeConfig};
    /// # use veil_core::{identity::Identity, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    /// # let node = Node::new(NodeConfig::default(), Identity::generate(&mut rng), Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// assert_eq!(node.peers().filter(|p| p.state == veil_core::node::PeerState::Connected).count(), 0);
    /// ```
    pub fn peers(&self) -> impl Iterator<Item = PeerSnapshot> + '_ {
        self.peers
            .iter()
            .map(|(&conn, peer)| self.snapshot(self.latest, conn, peer))
    }

    /// The connection to the connected peer with id `peer_id`.
    ///
    /// ```
    /// # use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::node::{Node, NodeConfig};
    /// # use veil_core::{identity::Identity, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    /// # let node = Node::new(NodeConfig::default(), Identity::generate(&mut rng), Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// assert_eq!(node.connection_of(&node.peer_id()), None);
    /// ```
    #[must_use]
    pub fn connection_of(&self, peer_id: &PeerId) -> Option<ConnId> {
        self.by_peer_id.get(peer_id).copied()
    }

    pub(super) fn snapshot(&self, now: Instant, conn: ConnId, peer: &Peer) -> PeerSnapshot {
        let stats = peer.connection().map(|c| c.stats()).unwrap_or_default();
        let info = peer.info.as_deref();
        PeerSnapshot {
            conn,
            kind: peer.kind,
            direction: peer.kind.direction(),
            addr: peer.addr.clone(),
            via: peer.via,
            state: peer.state(),
            peer_id: peer.peer_id(),
            features: info.map_or(0, |i| i.features),
            privacy_features: info.map_or(0, |i| i.privacy_features),
            connected_since: peer.connected_at,
            opened_at: peer.opened_at,
            health: PeerHealth {
                rtt_min: stats.rtt_min,
                rtt_avg: stats.rtt_avg,
                bytes_sent: stats.bytes_sent + peer.proxy_bytes_sent,
                bytes_received: stats.bytes_received + peer.proxy_bytes_received,
                messages_sent: stats.messages_sent,
                messages_received: stats.messages_received,
                last_seen: stats.last_seen,
                failures: self.failures_of(peer),
            },
            score: self.score_of(now, peer),
            priority: peer.priority,
            netgroup: peer.netgroup,
            queued_bytes: self.queued_bytes(conn),
        }
    }

    /// Failed dials to the peer's address in a row.
    fn failures_of(&self, peer: &Peer) -> u32 {
        if let Some(redial) = self.redials.get(&peer.addr) {
            return redial.backoff.failures();
        }
        self.addrbook
            .get(&peer.addr.address, peer.addr.port)
            .map_or(0, |info| info.attempts)
    }

    /// `peer`'s score from its priority, ping, uptime, netgroup share,
    /// features and standing.
    pub(super) fn score_of(&self, now: Instant, peer: &Peer) -> i64 {
        let wall = self.wall_clock(now);
        let misbehavior = peer
            .peer_id()
            .and_then(|id| self.bans.standing(&id, peer.netgroup, wall))
            .map_or(0, |record| match record.level() {
                Level::Discouraged => penalty_points(Consequence::Discourage),
                Level::Banned => penalty_points(Consequence::Ban),
            });
        let netgroup_peers = self
            .peers
            .values()
            .filter(|p| p.netgroup == peer.netgroup)
            .count()
            .saturating_sub(1);
        score(&ScoreInputs {
            priority: peer.priority,
            min_ping: peer.connection().and_then(|c| c.stats().rtt_min),
            uptime: peer.connected_at.map_or(crate::time::Duration::ZERO, |at| {
                now.saturating_duration_since(at)
            }),
            netgroup_peers: u32::try_from(netgroup_peers).unwrap_or(u32::MAX),
            features: peer.info.as_ref().map_or(0, |i| i.features),
            wanted_features: self.config.wanted_features,
            misbehavior,
        })
    }

    /// Node-wide counters.
    ///
    /// ```
    /// # use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::node::{Node, NodeConfig};
    /// # use veil_core::{identity::Identity, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    /// # let node = Node::new(NodeConfig::default(), Identity::generate(&mut rng), Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// assert_eq!(node.stats().handshakes_completed, 0);
    /// ```
    #[must_use]
    pub fn stats(&self) -> &NodeStats {
        &self.stats
    }

    /// The address book (persist it with [`AddrBook::to_bytes`]).
    ///
    /// ```
    /// # use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::node::{Node, NodeConfig};
    /// # use veil_core::{identity::Identity, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    /// # let node = Node::new(NodeConfig::default(), Identity::generate(&mut rng), Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// assert!(node.address_book().is_empty());
    /// ```
    #[must_use]
    pub fn address_book(&self) -> &AddrBook {
        &self.addrbook
    }

    /// The ban list (persist it with [`BanList::to_bytes`]).
    ///
    /// ```
    /// # use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::node::{Node, NodeConfig};
    /// # use veil_core::{identity::Identity, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    /// # let node = Node::new(NodeConfig::default(), Identity::generate(&mut rng), Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// assert!(node.ban_list().is_empty());
    /// ```
    #[must_use]
    pub fn ban_list(&self) -> &BanList {
        &self.bans
    }

    /// The Dandelion++ router, if Dandelion++ is on.
    ///
    /// ```
    /// # use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::node::{Node, NodeConfig};
    /// # use veil_core::{identity::Identity, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    /// # let node = Node::new(NodeConfig::default(), Identity::generate(&mut rng), Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// assert_eq!(node.dandelion().unwrap().peer_count(), 0);
    /// ```
    #[must_use]
    pub fn dandelion(&self) -> Option<&Router<ConnId>> {
        self.router.as_ref()
    }

    /// This node's identity.
    ///
    /// ```
    /// # use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::node::{Node, NodeConfig};
    /// # use veil_core::{identity::Identity, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    /// # let node = Node::new(NodeConfig::default(), Identity::generate(&mut rng), Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// assert_eq!(node.identity().peer_id(), node.peer_id());
    /// ```
    #[must_use]
    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// This node's peer id.
    ///
    /// ```
    /// # use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::node::{Node, NodeConfig};
    /// # use veil_core::{identity::Identity, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    /// let identity = Identity::generate(&mut rng);
    /// let id = identity.peer_id();
    /// let node = Node::new(NodeConfig::default(), identity, Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// assert_eq!(node.peer_id(), id);
    /// ```
    #[must_use]
    pub fn peer_id(&self) -> PeerId {
        self.local_id
    }

    /// The configuration.
    ///
    /// ```
    /// # use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::node::{Node, NodeConfig};
    /// # use veil_core::{identity::Identity, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    /// # let node = Node::new(NodeConfig::default(), Identity::generate(&mut rng), Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// assert_eq!(node.config().max_outbound_connections, 8);
    /// ```
    #[must_use]
    pub fn config(&self) -> &NodeConfig {
        &self.config
    }
}
