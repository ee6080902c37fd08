//! Socket inputs (bytes, end of stream, loss) and what each connection's
//! events mean for the node: handshake results, self-connections,
//! duplicates, bans, misbehaviour and closes.

use alloc::boxed::Box;

use super::peer::{Offender, Peer, Stage};
use super::{
    Action, ConnId, ConnectionKind, DialError, DialFailure, Direction, Disconnection, Node,
    NodeEvent, NodeStats, Offence,
};
use crate::connection::{CloseReason, Event, HandshakeInfo};
use crate::dandelion::PeerInfo;
use crate::message::{features, DisconnectReason, Message};
use crate::peering::{Level, Punishment, RelayPriority};
use crate::socks5::Progress;
use crate::time::Instant;
use crate::Consequence;

/// Most peer ids remembered with the address they were reached at.
const MAX_KNOWN_ADDRS: usize = 1_024;

impl Node {
    /// Bytes read from `conn`'s socket. Unknown ids are ignored.
    ///
    /// ```
    /// use core::net::Ipv4Addr;
    /// # use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::message::NetAddress;
    /// use veil_core::node::{Action, Node, NodeConfig, NodeEvent, PeerAddr, Reached};
    /// # use veil_core::{identity::Identity, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    /// # let mut node = Node::new(NodeConfig::default(), Identity::generate(&mut rng), Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// let conn = node.accept(Instant::ZERO, PeerAddr::new(NetAddress::Ipv4(Ipv4Addr::new(8, 8, 8, 8)), 1), Reached::Direct).unwrap();
    /// // Noise message 1 and then 8 KiB of garbage with no terminator.
    /// node.handle_input(Instant::ZERO, conn, &[0u8; 8192]);
    /// assert_eq!(node.poll_action(), Some(Action::Close { conn }));
    /// assert!(matches!(node.poll_event(), Some(NodeEvent::Disconnected { .. })));
    /// ```
    pub fn handle_input(&mut self, now: Instant, conn: ConnId, input: &[u8]) {
        let now = self.advance(now);
        let Some(peer) = self.peers.get_mut(&conn) else {
            return;
        };
        self.stats.bytes_received += input.len() as u64;
        match &mut peer.stage {
            Stage::Dialing { .. } => return,
            Stage::Proxying { client, .. } => {
                peer.proxy_bytes_received += input.len() as u64;
                match client.handle_input(input) {
                    Ok(Progress::Pending) => {
                        peer.pump_proxy();
                        return;
                    }
                    Ok(progress) => {
                        let rest = progress.tunnel_bytes(input);
                        self.start_session(now, conn);
                        if let Some(connection) =
                            self.peers.get_mut(&conn).and_then(Peer::connection_mut)
                        {
                            if !rest.is_empty() {
                                connection.handle_input(now, rest);
                            }
                        }
                    }
                    Err(error) => {
                        self.fail_dial(now, conn, DialFailure::Socks5(error), true);
                        return;
                    }
                }
            }
            Stage::Session(connection) => connection.handle_input(now, input),
        }
        self.process(now, conn);
    }

    /// The peer closed its sending side of `conn`.
    ///
    /// ```
    /// use core::net::Ipv4Addr;
    /// # use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::message::NetAddress;
    /// use veil_core::node::{Action, Node, NodeConfig, PeerAddr, Reached};
    /// # use veil_core::{identity::Identity, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    /// # let mut node = Node::new(NodeConfig::default(), Identity::generate(&mut rng), Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// let conn = node.accept(Instant::ZERO, PeerAddr::new(NetAddress::Ipv4(Ipv4Addr::new(8, 8, 8, 8)), 1), Reached::Direct).unwrap();
    /// node.handle_eof(Instant::ZERO, conn);
    /// assert_eq!(node.poll_action(), Some(Action::Close { conn }));
    /// ```
    pub fn handle_eof(&mut self, now: Instant, conn: ConnId) {
        let now = self.advance(now);
        let Some(peer) = self.peers.get_mut(&conn) else {
            return;
        };
        match &mut peer.stage {
            Stage::Dialing { .. } => {
                self.fail_dial(now, conn, DialFailure::Dial(DialError::Refused), true)
            }
            Stage::Proxying { client, .. } => {
                let failure = match client.handle_eof() {
                    Err(error) => DialFailure::Socks5(error),
                    Ok(()) => DialFailure::Dial(DialError::Refused),
                };
                self.fail_dial(now, conn, failure, true);
            }
            Stage::Session(connection) => {
                connection.handle_eof(now);
                self.process(now, conn);
            }
        }
    }

    /// `conn`'s socket is gone (error, reset, or closed after
    /// [`Action::Close`]). The node forgets it at once; nothing more is
    /// written to it.
    ///
    /// ```
    /// use core::net::Ipv4Addr;
    /// # use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::message::NetAddress;
    /// use veil_core::node::{Node, NodeConfig, PeerAddr, Reached};
    /// # use veil_core::{identity::Identity, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    /// # let mut node = Node::new(NodeConfig::default(), Identity::generate(&mut rng), Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// let conn = node.accept(Instant::ZERO, PeerAddr::new(NetAddress::Ipv4(Ipv4Addr::new(8, 8, 8, 8)), 1), Reached::Direct).unwrap();
    /// node.handle_closed(Instant::ZERO, conn);
    /// assert!(node.peer(conn).is_none());
    /// ```
    pub fn handle_closed(&mut self, now: Instant, conn: ConnId) {
        let now = self.advance(now);
        if !self.peers.contains_key(&conn) {
            return;
        }
        self.handle_eof(now, conn);
        // A connection still draining its close loses the rest.
        if let Some(connection) = self.peers.get_mut(&conn).and_then(Peer::connection_mut) {
            connection.handle_eof(now);
            connection.advance_transmit(usize::MAX);
            self.process(now, conn);
        }
        if self.peers.contains_key(&conn) {
            self.finish(now, conn, CloseReason::TransportEnded, 0);
        }
    }

    /// Handles every event `conn`'s connection queued.
    pub(super) fn process(&mut self, now: Instant, conn: ConnId) {
        loop {
            let Some(event) = self
                .peers
                .get_mut(&conn)
                .and_then(Peer::connection_mut)
                .and_then(|c| c.poll_event())
            else {
                return;
            };
            match event {
                Event::CheckNonce { remote_nonce } => {
                    let is_local = self.peers.iter().any(|(&id, p)| {
                        id != conn
                            && p.connection()
                                .is_some_and(|c| c.local_nonce() == remote_nonce)
                    });
                    if is_local {
                        self.mark_cause(conn, Disconnection::SelfConnection);
                    }
                    if let Some(connection) =
                        self.peers.get_mut(&conn).and_then(Peer::connection_mut)
                    {
                        connection.resolve_nonce_check(now, is_local);
                    }
                }
                Event::HandshakeComplete(info) => self.on_connected(now, conn, info),
                Event::Message(message) => self.on_message(now, conn, message),
                Event::Closed {
                    reason,
                    unsent_bytes,
                } => {
                    self.finish(now, conn, reason, unsent_bytes);
                    return;
                }
                // RTTs are in the connection's stats; rekeys need nothing.
                _ => {}
            }
        }
    }

    fn mark_cause(&mut self, conn: ConnId, cause: Disconnection) {
        if let Some(peer) = self.peers.get_mut(&conn) {
            peer.close_cause.get_or_insert(cause);
        }
    }

    /// A handshake completed: admit the peer, or close it for being
    /// ourselves, banned or a duplicate.
    fn on_connected(&mut self, now: Instant, conn: ConnId, info: Box<HandshakeInfo>) {
        self.stats.handshakes_completed += 1;
        let wall = self.wall_clock(now);
        let Some(peer) = self.peers.get_mut(&conn) else {
            return;
        };
        peer.proven_id = info.peer_id;
        let (kind, netgroup, addr) = (peer.kind, peer.netgroup, peer.addr.clone());
        if let Some(peer_id) = info.peer_id {
            if peer_id == self.local_id {
                self.close_peer(now, conn, Disconnection::SelfConnection);
                return;
            }
            let spared = kind.is_protected() || self.bans.is_allowed(&peer_id);
            let standing = self.bans.standing(&peer_id, netgroup, wall);
            if let Some(record) = standing.filter(|r| !spared && r.level() == Level::Banned) {
                self.close_peer(now, conn, Disconnection::Banned(record.rule));
                return;
            }
            if let Some(&other) = self.by_peer_id.get(&peer_id) {
                let keep_new = self.keeps_newer(conn, other, &peer_id);
                let loser = if keep_new { other } else { conn };
                self.close_peer(now, loser, Disconnection::DuplicatePeer);
                if !keep_new {
                    return;
                }
            }
            self.by_peer_id.insert(peer_id, conn);
            if kind.direction() == Direction::Outbound {
                if self.known_addrs.len() >= MAX_KNOWN_ADDRS
                    && !self.known_addrs.contains_key(&peer_id)
                {
                    self.known_addrs.pop_first();
                }
                self.known_addrs.insert(peer_id, addr.clone());
            }
        }
        let is_bootstrap = self
            .bootstrap
            .iter()
            .any(|b| Some(b.peer_id) == info.peer_id && b.addr == addr);
        let Some(peer) = self.peers.get_mut(&conn) else {
            return;
        };
        peer.connected_at = Some(now);
        peer.info = Some(info.clone());
        peer.priority = match kind {
            _ if is_bootstrap => RelayPriority::FirstRing,
            ConnectionKind::Manual | ConnectionKind::Persistent => RelayPriority::Trusted,
            ConnectionKind::Inbound => RelayPriority::Untrusted,
            _ => RelayPriority::Discovered,
        };
        if kind.direction() == Direction::Outbound {
            self.addrbook.good(&addr.address, addr.port, wall);
            self.addrbook.connected(&addr.address, addr.port, wall);
        }
        if let Some(boot) = self.bootstrap.iter_mut().find(|b| b.addr == addr) {
            boot.backoff.on_connected(now);
        }
        if let Some(redial) = self.redials.values_mut().find(|r| r.conn == Some(conn)) {
            redial.backoff.on_connected(now);
            redial.retries.reset();
        }
        if kind == ConnectionKind::Manual {
            self.redials.retain(|_, r| r.conn != Some(conn));
        }
        let outbound = kind.direction() == Direction::Outbound;
        if let Some(router) = &mut self.router {
            if info.features & features::DANDELION != 0 && !kind.is_temporary() {
                let peer_info = PeerInfo {
                    outbound,
                    supports_dandelion: true,
                };
                if router.peer_connected(now, conn, peer_info).is_ok() {
                    if let Some(peer) = self.peers.get_mut(&conn) {
                        peer.in_router = true;
                    }
                }
            }
        }
        self.events.push_back(NodeEvent::Connected {
            conn,
            kind,
            addr,
            info,
        });
        match kind {
            ConnectionKind::Feeler => self.close_peer(now, conn, Disconnection::PurposeDone),
            ConnectionKind::AddrFetch => self.ask_addresses(now, conn),
            ConnectionKind::Inbound => self.announce_self(now, conn),
            _ => {
                self.ask_addresses(now, conn);
                self.announce_self(now, conn);
            }
        }
    }

    /// Of two connections to one peer id, whether the newer (`new`) is kept:
    /// the one dialled by the side with the smaller id, so both sides agree;
    /// in the same direction, the older one.
    fn keeps_newer(&self, new: ConnId, old: ConnId, peer_id: &crate::identity::PeerId) -> bool {
        let direction = |id: ConnId| self.peers.get(&id).map(|p| p.kind.direction());
        match (direction(new), direction(old)) {
            (Some(new_dir), Some(old_dir)) if new_dir != old_dir => {
                let dialled_by_us = if self.local_id < *peer_id {
                    Direction::Outbound
                } else {
                    Direction::Inbound
                };
                new_dir == dialled_by_us
            }
            _ => false,
        }
    }

    /// Closes `conn` for `cause` (sending a `disconnect` if the handshake got
    /// that far). A dial is abandoned at once.
    pub(super) fn close_peer(&mut self, now: Instant, conn: ConnId, cause: Disconnection) {
        let Some(peer) = self.peers.get_mut(&conn) else {
            return;
        };
        if peer.close_cause.is_some() {
            return;
        }
        let reason = disconnect_reason(&cause);
        peer.close_cause = Some(cause);
        match &mut peer.stage {
            Stage::Dialing { .. } | Stage::Proxying { .. } => {
                self.finish(now, conn, CloseReason::Local(reason), 0);
            }
            Stage::Session(connection) => {
                connection.close(now, reason);
                self.process(now, conn);
            }
        }
    }

    /// `conn` is closed: punish, unregister, schedule its redial, report.
    pub(super) fn finish(
        &mut self,
        now: Instant,
        conn: ConnId,
        reason: CloseReason,
        unsent: usize,
    ) {
        let Some(mut peer) = self.peers.remove(&conn) else {
            return;
        };
        let was_connected = peer.info.is_some();
        let consequence = reason.consequence();
        if matches!(consequence, Consequence::Discourage | Consequence::Ban) {
            let offender = peer.offender();
            self.punish(
                now,
                conn,
                offender,
                consequence,
                Offence::Protocol(reason.clone()),
            );
        }
        let cause = peer
            .close_cause
            .take()
            .unwrap_or(Disconnection::Closed(reason.clone()));
        if !was_connected {
            NodeStats::count(&mut self.stats.handshake_failures, reason.name());
        }
        NodeStats::count(&mut self.stats.disconnections, cause.name());
        if let Some(peer_id) = peer.peer_id() {
            if self.by_peer_id.get(&peer_id) == Some(&conn) {
                self.by_peer_id.remove(&peer_id);
            }
        }
        if peer.in_router {
            if let Some(router) = &mut self.router {
                router.peer_disconnected(now, &conn);
            }
        }
        if cause == Disconnection::Requested {
            self.redials.retain(|_, r| r.conn != Some(conn));
        }
        self.after_outbound_end(now, conn, &peer, was_connected);
        self.actions.push_back(Action::Close { conn });
        self.events.push_back(NodeEvent::Disconnected {
            conn,
            kind: peer.kind,
            addr: peer.addr.clone(),
            peer_id: peer.peer_id(),
            reason: cause,
            was_connected,
            unsent_bytes: unsent,
        });
    }

    /// Records a misbehaving peer by id and netgroup (nothing for a peer
    /// that never proved an id: anyone on the path could have caused it).
    pub(super) fn punish(
        &mut self,
        now: Instant,
        conn: ConnId,
        offender: Offender,
        consequence: Consequence,
        offence: Offence,
    ) {
        let Some(peer_id) = offender.peer_id else {
            return;
        };
        let wall = self.wall_clock(now);
        let punishment = self.bans.punish(
            peer_id,
            offender.netgroup,
            consequence,
            offender.protected,
            wall,
        );
        if matches!(punishment, Punishment::Recorded { .. }) {
            self.stats.punishments += 1;
        }
        self.events.push_back(NodeEvent::Punished {
            conn,
            peer_id,
            addr: offender.addr,
            offence,
            punishment,
        });
    }

    /// A message from a connected peer.
    fn on_message(&mut self, now: Instant, conn: ConnId, message: Message) {
        let Some(peer) = self.peers.get_mut(&conn) else {
            return;
        };
        peer.last_used = now;
        let peer_id = peer.peer_id();
        match message {
            Message::Addr(records) => self.on_addr(now, conn, &records),
            Message::GetAddr => self.on_getaddr(now, conn),
            message => {
                if matches!(message, Message::Block(_) | Message::Headers(_)) {
                    peer.last_other = Some(now);
                }
                self.stats.messages_received += 1;
                self.events.push_back(NodeEvent::Message {
                    conn,
                    peer_id,
                    message,
                });
            }
        }
    }
}

/// The `disconnect` reason told to a peer the node closes.
fn disconnect_reason(cause: &Disconnection) -> DisconnectReason {
    match cause {
        Disconnection::Closed(reason) => reason.disconnect_reason(),
        Disconnection::Evicted(_) | Disconnection::LeastRecentlyUsed => DisconnectReason::Evicted,
        Disconnection::Banned(_) => DisconnectReason::Banned,
        Disconnection::Misbehaved { .. } => DisconnectReason::ProtocolViolation,
        Disconnection::DuplicatePeer => DisconnectReason::DuplicateConnection,
        Disconnection::SelfConnection => DisconnectReason::SelfConnection,
        Disconnection::Rotation => DisconnectReason::Rotation,
        Disconnection::PurposeDone | Disconnection::Expired | Disconnection::Requested => {
            DisconnectReason::Requested
        }
        Disconnection::Shutdown => DisconnectReason::Shutdown,
    }
}
