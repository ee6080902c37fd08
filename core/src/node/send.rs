//! Application commands: sending, broadcasting, load-balanced sends,
//! disconnecting, bans, misbehaviour reports, relay priorities, shutdown.

use alloc::vec::Vec;

use super::peer::Peer;
use super::{ConnId, Disconnection, Node, NodeSendError, Offence, PeerSnapshot};
use crate::identity::PeerId;
use crate::message::Message;
use crate::peering::{Record, RelayPriority};
use crate::time::{Duration, Instant};
use crate::Consequence;

impl Node {
    /// Queues `message` for connected peer `conn`.
    ///
    /// ```
    /// use core::net::Ipv4Addr;
    /// # use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::message::{Message, NetAddress};
    /// use veil_core::node::{Node, NodeConfig, NodeSendError, PeerAddr, Reached};
    /// # use veil_core::{identity::Identity, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    /// # let mut node = Node::new(NodeConfig::default(), Identity::generate(&mut rng), Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// let conn = node.accept(Instant::ZERO, PeerAddr::new(NetAddress::Ipv4(Ipv4Addr::new(8, 8, 8, 8)), 1), Reached::Direct).unwrap();
    /// // Still handshaking.
    /// assert_eq!(node.send(Instant::ZERO, conn, Message::Mempool), Err(NodeSendError::NotConnected));
    /// ```
    pub fn send(
        &mut self,
        now: Instant,
        conn: ConnId,
        message: Message,
    ) -> Result<(), NodeSendError> {
        let now = self.advance(now);
        let peer = self
            .peers
            .get_mut(&conn)
            .ok_or(NodeSendError::UnknownConnection)?;
        if !peer.is_connected() || peer.close_cause.is_some() {
            return Err(NodeSendError::NotConnected);
        }
        peer.last_used = now;
        let connection = peer.connection_mut().ok_or(NodeSendError::NotConnected)?;
        connection
            .send(now, message)
            .map_err(NodeSendError::Connection)?;
        self.stats.messages_sent += 1;
        self.process(now, conn);
        Ok(())
    }

    /// Queues `message` for the connected peer with id `peer_id`; returns
    /// its connection.
    ///
    /// ```
    /// # use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::message::Message;
    /// use veil_core::node::{Node, NodeConfig, NodeSendError};
    /// # use veil_core::{identity::Identity, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    /// # let mut node = Node::new(NodeConfig::default(), Identity::generate(&mut rng), Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// let nobody = Identity::generate(&mut rng).peer_id();
    /// assert_eq!(node.send_to_peer(Instant::ZERO, &nobody, Message::Mempool), Err(NodeSendError::NoPeer));
    /// ```
    pub fn send_to_peer(
        &mut self,
        now: Instant,
        peer_id: &PeerId,
        message: Message,
    ) -> Result<ConnId, NodeSendError> {
        let conn = *self.by_peer_id.get(peer_id).ok_or(NodeSendError::NoPeer)?;
        self.send(now, conn, message).map(|()| conn)
    }

    /// Queues `message` for every connected long-lived peer that `filter`
    /// accepts; returns how many took it (a peer whose queue is full is
    /// skipped, see [`Node::peer`]'s `queued_bytes`).
    ///
    /// ```
    /// # use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::message::Message;
    /// use veil_core::node::{Direction, Node, NodeConfig};
    /// # use veil_core::{identity::Identity, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    /// # let mut node = Node::new(NodeConfig::default(), Identity::generate(&mut rng), Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// let sent = node.broadcast(Instant::ZERO, &Message::Mempool, |peer| peer.direction == Direction::Outbound);
    /// assert_eq!(sent, 0);
    /// ```
    pub fn broadcast(
        &mut self,
        now: Instant,
        message: &Message,
        filter: impl Fn(&PeerSnapshot) -> bool,
    ) -> usize {
        let now = self.advance(now);
        let targets: Vec<ConnId> = self
            .peers
            .iter()
            .filter(|(_, p)| p.is_connected() && p.close_cause.is_none() && !p.kind.is_temporary())
            .filter(|(&id, p)| filter(&self.snapshot(now, id, p)))
            .map(|(&id, _)| id)
            .collect();
        targets
            .into_iter()
            .filter(|&id| self.send(now, id, message.clone()).is_ok())
            .count()
    }

    /// Sends `message` to one of `candidates` (peer ids): the connected one
    /// with the fewest bytes queued, then the best score. Returns the
    /// connection used.
    ///
    /// ```
    /// # use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::message::Message;
    /// use veil_core::node::{Node, NodeConfig, NodeSendError};
    /// # use veil_core::{identity::Identity, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    /// # let mut node = Node::new(NodeConfig::default(), Identity::generate(&mut rng), Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// let relays = [Identity::generate(&mut rng).peer_id()];
    /// assert_eq!(node.send_any(Instant::ZERO, &relays, Message::Mempool), Err(NodeSendError::NoPeer));
    /// ```
    pub fn send_any(
        &mut self,
        now: Instant,
        candidates: &[PeerId],
        message: Message,
    ) -> Result<ConnId, NodeSendError> {
        let now = self.advance(now);
        let best = candidates
            .iter()
            .filter_map(|id| self.by_peer_id.get(id).copied())
            .filter_map(|conn| self.peers.get(&conn).map(|p| (conn, p)))
            .filter(|(_, p)| p.is_connected() && p.close_cause.is_none())
            .map(|(conn, p)| {
                let queued = p.connection().map_or(0, |c| c.queued_bytes());
                (queued, core::cmp::Reverse(self.score_of(now, p)), conn)
            })
            .min()
            .map(|(_, _, conn)| conn)
            .ok_or(NodeSendError::NoPeer)?;
        self.send(now, best, message).map(|()| best)
    }

    /// Queues a message the node itself sends (address relay, answers);
    /// a full queue drops it, as the peer would not get it anyway.
    pub(super) fn send_internal(&mut self, now: Instant, conn: ConnId, message: Message) {
        if let Some(connection) = self.peers.get_mut(&conn).and_then(Peer::connection_mut) {
            let _ = connection.send(now, message);
        }
    }

    /// Closes connection `conn` (a persistent peer is not dialled again).
    /// Returns false for an unknown id.
    ///
    /// ```
    /// # use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::node::{ConnId, Node, NodeConfig};
    /// # use veil_core::{identity::Identity, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    /// # let mut node = Node::new(NodeConfig::default(), Identity::generate(&mut rng), Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// assert!(!node.disconnect(Instant::ZERO, ConnId::from_raw(99)));
    /// ```
    pub fn disconnect(&mut self, now: Instant, conn: ConnId) -> bool {
        let now = self.advance(now);
        if !self.peers.contains_key(&conn) {
            return false;
        }
        self.redials.retain(|_, r| r.conn != Some(conn));
        self.close_peer(now, conn, Disconnection::Requested);
        true
    }

    /// Bans `peer_id` (and records its netgroup if connected) for
    /// `duration`, or the policy's ban duration; disconnects it.
    ///
    /// ```
    /// # use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::node::{Node, NodeConfig};
    /// use veil_core::peering::Rule;
    /// # use veil_core::{identity::Identity, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    /// # let mut node = Node::new(NodeConfig::default(), Identity::generate(&mut rng), Instant::ZERO, UnixTime::from_secs(1_000), &mut rng).unwrap();
    /// let peer = Identity::generate(&mut rng).peer_id();
    /// let record = node.ban(Instant::ZERO, peer, None);
    /// assert_eq!(record.rule, Rule::Operator);
    /// assert_eq!(record.until.as_secs(), 1_000 + 24 * 3600);
    /// assert!(node.unban(&peer));
    /// ```
    pub fn ban(&mut self, now: Instant, peer_id: PeerId, duration: Option<Duration>) -> Record {
        let now = self.advance(now);
        let wall = self.wall_clock(now);
        let conn = self.by_peer_id.get(&peer_id).copied();
        let netgroup = conn
            .and_then(|c| self.peers.get(&c))
            .map_or(0, |p| p.netgroup);
        let record = self.bans.ban(peer_id, netgroup, duration, wall);
        self.stats.punishments += 1;
        if let Some(conn) = conn {
            if let Some(peer) = self.peers.get(&conn) {
                self.events.push_back(super::NodeEvent::Punished {
                    conn,
                    peer_id,
                    addr: peer.addr.clone(),
                    offence: Offence::Operator,
                    punishment: crate::peering::Punishment::Recorded {
                        peer: record,
                        netgroup: None,
                    },
                });
            }
            self.redials.retain(|_, r| r.conn != Some(conn));
            self.close_peer(now, conn, Disconnection::Banned(record.rule));
        }
        record
    }

    /// Lifts the ban or discouragement of `peer_id`; returns whether there
    /// was one.
    ///
    /// ```
    /// # use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::node::{Node, NodeConfig};
    /// # use veil_core::{identity::Identity, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    /// # let mut node = Node::new(NodeConfig::default(), Identity::generate(&mut rng), Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// assert!(!node.unban(&Identity::generate(&mut rng).peer_id()));
    /// ```
    pub fn unban(&mut self, peer_id: &PeerId) -> bool {
        self.bans.unban(peer_id).is_some()
    }

    /// Puts `peer_id` on the allow list: never punished or evicted by the
    /// discouraged rule.
    ///
    /// ```
    /// # use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::node::{Node, NodeConfig};
    /// # use veil_core::{identity::Identity, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    /// # let mut node = Node::new(NodeConfig::default(), Identity::generate(&mut rng), Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// let friend = Identity::generate(&mut rng).peer_id();
    /// node.allow(friend);
    /// assert!(node.ban_list().is_allowed(&friend));
    /// ```
    pub fn allow(&mut self, peer_id: PeerId) {
        self.bans.allow(peer_id);
    }

    /// The application found `conn`'s peer misbehaving (an invalid block, a
    /// spam pattern): `consequence` is applied (a discouragement or ban is
    /// recorded and the connection closed; a close just closes; a dropped
    /// message does nothing). Manual and allow-listed peers are spared.
    ///
    /// ```
    /// use core::net::Ipv4Addr;
    /// # use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::node::{ConnId, Node, NodeConfig};
    /// use veil_core::Consequence;
    /// # use veil_core::{identity::Identity, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    /// # let mut node = Node::new(NodeConfig::default(), Identity::generate(&mut rng), Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// assert!(!node.report_misbehaviour(Instant::ZERO, ConnId::from_raw(5), Consequence::Ban, "invalid block"));
    /// ```
    pub fn report_misbehaviour(
        &mut self,
        now: Instant,
        conn: ConnId,
        consequence: Consequence,
        what: &'static str,
    ) -> bool {
        let now = self.advance(now);
        let Some(peer) = self.peers.get(&conn) else {
            return false;
        };
        let offender = peer.offender();
        let spared = peer.kind.is_protected()
            || offender.peer_id.is_some_and(|id| self.bans.is_allowed(&id));
        if matches!(consequence, Consequence::Discourage | Consequence::Ban) {
            self.punish(
                now,
                conn,
                offender,
                consequence,
                Offence::Application { what },
            );
        }
        if consequence == Consequence::Close || (consequence.closes_connection() && !spared) {
            self.close_peer(now, conn, Disconnection::Misbehaved { what });
        }
        true
    }

    /// Sets the relay priority of connected peer `peer_id` (the secIRC
    /// levels: first ring 10, trusted 8, verified 6, discovered 4,
    /// untrusted 2), used in its score. Returns false if not connected.
    ///
    /// ```
    /// # use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::node::{Node, NodeConfig};
    /// use veil_core::peering::RelayPriority;
    /// # use veil_core::{identity::Identity, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    /// # let mut node = Node::new(NodeConfig::default(), Identity::generate(&mut rng), Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// assert!(!node.set_relay_priority(&Identity::generate(&mut rng).peer_id(), RelayPriority::Trusted));
    /// ```
    pub fn set_relay_priority(&mut self, peer_id: &PeerId, priority: RelayPriority) -> bool {
        let Some(peer) = self
            .by_peer_id
            .get(peer_id)
            .and_then(|c| self.peers.get_mut(c))
        else {
            return false;
        };
        peer.priority = priority;
        true
    }

    /// Closes every connection with `shutdown` and stops dialling and
    /// admitting. Once [`Node::is_idle`] the shell can exit (persist the
    /// address book and ban list first).
    ///
    /// ```
    /// # use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::node::{Node, NodeConfig};
    /// # use veil_core::{identity::Identity, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    /// # let mut node = Node::new(NodeConfig::default(), Identity::generate(&mut rng), Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// node.shutdown(Instant::ZERO);
    /// assert!(node.is_idle());
    /// ```
    pub fn shutdown(&mut self, now: Instant) {
        let now = self.advance(now);
        self.shutting_down = true;
        self.redials.clear();
        let all: Vec<ConnId> = self.peers.keys().copied().collect();
        for conn in all {
            self.close_peer(now, conn, Disconnection::Shutdown);
        }
    }

    /// Whether no connection is left (after [`Node::shutdown`], the
    /// signal to exit).
    ///
    /// ```
    /// # use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::node::{Node, NodeConfig};
    /// # use veil_core::{identity::Identity, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    /// let node = Node::new(NodeConfig::default(), Identity::generate(&mut rng), Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// assert!(node.is_idle());
    /// ```
    #[must_use]
    pub fn is_idle(&self) -> bool {
        self.peers.is_empty()
    }
}
