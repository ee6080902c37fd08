//! Outbound connections: dials the application asks for, automatic
//! outbound filling from the address book and bootstrap nodes, feelers,
//! rotation, and redials of persistent, manual and address-fetch peers.

use alloc::boxed::Box;

use super::peer::{Opening, Peer, Stage};
use super::{
    Action, ConnId, ConnectError, ConnectionKind, DialFailure, Disconnection, Node, NodeEvent,
    PeerAddr, ProxyMode, Reached, Via, IDLE_RECHECK,
};
use crate::addrbook::{AddrRateLimiter, Network, Networks};
use crate::connection::{Connection, TransportKind};
use crate::identity::PeerId;
use crate::message::NetAddress;
use crate::peering::{least_recently_used, Backoff, Level, Retries, Temporary};
use crate::socks5::{Auth, Socks5Client, Target};
use rand_chacha::rand_core::RngCore;

use crate::time::{Duration, Instant};

/// Address picks tried per automatic dial before giving up for this round
/// (Bitcoin Core tries 100).
const MAX_PICKS: usize = 100;

/// An address attempted this recently is passed over by automatic dials.
const RECENT_ATTEMPT_SECS: u64 = 60;

/// A bootstrap node: dialled when the address book offers nothing.
pub(super) struct Bootstrap {
    pub addr: PeerAddr,
    pub peer_id: PeerId,
    pub next_attempt: Instant,
    pub backoff: Backoff,
}

/// A peer the node dials again: persistent (always, with backoff) or
/// manual and address-fetch (after failures, with retry limits).
pub(super) struct Redial {
    pub kind: ConnectionKind,
    pub peer_id: Option<PeerId>,
    /// The live connection (or dial) serving this entry.
    pub conn: Option<ConnId>,
    /// When to dial again, while no connection serves it.
    pub next_attempt: Option<Instant>,
    pub backoff: Backoff,
    pub retries: Retries,
}

impl Node {
    /// Dials `addr` as a connection of `kind`, pinning `peer_id` if given
    /// (the handshake then fails unless the peer proves that identity).
    /// The dial comes out of [`Node::poll_action`].
    ///
    /// Persistent peers are dialled again whenever they drop; manual and
    /// address-fetch dials are retried after failures. Automatic kinds
    /// (outbound, feeler) are refused for banned peers and netgroups; the
    /// operator's manual and persistent connections are not.
    ///
    /// ```
    /// use core::net::Ipv4Addr;
    /// # use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::message::NetAddress;
    /// use veil_core::node::{Action, ConnectError, ConnectionKind, Node, NodeConfig, PeerAddr, Via};
    /// # use veil_core::{identity::Identity, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    /// # let mut node = Node::new(NodeConfig::default(), Identity::generate(&mut rng), Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// let addr = PeerAddr::new(NetAddress::Ipv4(Ipv4Addr::new(8, 8, 8, 8)), 8333);
    /// let conn = node.connect(Instant::ZERO, addr.clone(), None, ConnectionKind::Persistent).unwrap();
    /// assert_eq!(node.poll_action(), Some(Action::Dial { conn, addr: addr.clone(), via: Via::Direct }));
    /// assert_eq!(node.connect(Instant::ZERO, addr, None, ConnectionKind::Manual), Err(ConnectError::AlreadyConnected(conn)));
    /// let onion = PeerAddr::new(NetAddress::TorV3([7; 32]), 9333);
    /// assert_eq!(node.connect(Instant::ZERO, onion, None, ConnectionKind::Manual), Err(ConnectError::OnionWithoutProxy));
    /// ```
    pub fn connect(
        &mut self,
        now: Instant,
        addr: PeerAddr,
        peer_id: Option<PeerId>,
        kind: ConnectionKind,
    ) -> Result<ConnId, ConnectError> {
        let now = self.advance(now);
        let via = self.check_dial(&addr, peer_id, kind)?;
        if kind.is_temporary() {
            self.make_temporary_room(now)?;
        }
        if matches!(
            kind,
            ConnectionKind::Persistent | ConnectionKind::Manual | ConnectionKind::AddrFetch
        ) {
            self.redials.insert(
                addr.clone(),
                Redial {
                    kind,
                    peer_id,
                    conn: None,
                    next_attempt: None,
                    backoff: Backoff::new(self.config.reconnect),
                    retries: Retries::new(self.config.retry),
                },
            );
        }
        let conn = self.open_dial(now, addr.clone(), kind, peer_id, via);
        if let Some(redial) = self.redials.get_mut(&addr) {
            redial.conn = Some(conn);
        }
        Ok(conn)
    }

    /// Dials the peer with id `peer_id` at the address it was last reached
    /// at (or its bootstrap address), pinning its identity.
    ///
    /// ```
    /// # use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::node::{ConnectError, ConnectionKind, Node, NodeConfig};
    /// # use veil_core::{identity::Identity, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    /// # let mut node = Node::new(NodeConfig::default(), Identity::generate(&mut rng), Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// let stranger = Identity::generate(&mut rng).peer_id();
    /// assert_eq!(node.connect_peer(Instant::ZERO, stranger, ConnectionKind::Manual), Err(ConnectError::UnknownPeer));
    /// ```
    pub fn connect_peer(
        &mut self,
        now: Instant,
        peer_id: PeerId,
        kind: ConnectionKind,
    ) -> Result<ConnId, ConnectError> {
        let addr = self
            .known_addrs
            .get(&peer_id)
            .cloned()
            .or_else(|| {
                self.bootstrap
                    .iter()
                    .find(|b| b.peer_id == peer_id)
                    .map(|b| b.addr.clone())
            })
            .ok_or(ConnectError::UnknownPeer)?;
        self.connect(now, addr, Some(peer_id), kind)
    }

    /// Adds a bootstrap node: dialled (as an automatic outbound peer, its id
    /// pinned) when the address book offers nothing to dial. Returns false
    /// if the list is full or holds the address already.
    ///
    /// ```
    /// use core::net::Ipv4Addr;
    /// # use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::message::NetAddress;
    /// use veil_core::node::{Action, Node, NodeConfig, PeerAddr};
    /// # use veil_core::{identity::Identity, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    /// # let mut node = Node::new(NodeConfig::default(), Identity::generate(&mut rng), Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// let seed = Identity::generate(&mut rng).peer_id();
    /// let addr = PeerAddr::new(NetAddress::Ipv4(Ipv4Addr::new(8, 8, 8, 8)), 8333);
    /// assert!(node.add_bootstrap(addr.clone(), seed));
    /// // The book is empty: the first timeout dials the bootstrap node.
    /// let (deadline, _) = node.poll_timeout().unwrap();
    /// node.handle_timeout(deadline);
    /// assert!(matches!(node.poll_action(), Some(Action::Dial { addr: a, .. }) if a == addr));
    /// ```
    pub fn add_bootstrap(&mut self, addr: PeerAddr, peer_id: PeerId) -> bool {
        if self.bootstrap.len() >= self.config.max_bootstrap_nodes
            || self.bootstrap.iter().any(|b| b.addr == addr)
        {
            return false;
        }
        self.bootstrap.push(Bootstrap {
            addr,
            peer_id,
            next_attempt: self.latest,
            backoff: Backoff::new(self.config.reconnect),
        });
        self.next_fill = self.latest;
        true
    }

    /// Adds an address to the address book by hand (as if this node heard
    /// of it from itself). Returns whether it was new.
    ///
    /// ```
    /// use core::net::Ipv4Addr;
    /// # use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::message::NetAddress;
    /// use veil_core::node::{Node, NodeConfig, PeerAddr};
    /// # use veil_core::{identity::Identity, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    /// # let mut node = Node::new(NodeConfig::default(), Identity::generate(&mut rng), Instant::ZERO, UnixTime::from_secs(1_700_000_000), &mut rng).unwrap();
    /// assert!(node.add_address(Instant::ZERO, &PeerAddr::new(NetAddress::Ipv4(Ipv4Addr::new(8, 8, 8, 8)), 8333)));
    /// assert_eq!(node.address_book().len(), 1);
    /// ```
    pub fn add_address(&mut self, now: Instant, addr: &PeerAddr) -> bool {
        let now = self.advance(now);
        let wall = self.wall_clock(now);
        let added = matches!(
            self.addrbook.add_manual(&addr.address, addr.port, 0, wall),
            Ok(crate::addrbook::AddOutcome::Added)
        );
        if added {
            self.next_fill = now;
        }
        added
    }

    /// The dial's route, or why it may not be dialled.
    fn check_dial(
        &self,
        addr: &PeerAddr,
        peer_id: Option<PeerId>,
        kind: ConnectionKind,
    ) -> Result<Via, ConnectError> {
        if self.shutting_down {
            return Err(ConnectError::ShuttingDown);
        }
        if kind == ConnectionKind::Inbound {
            return Err(ConnectError::NotDialable);
        }
        if self.config.advertised.contains(addr) {
            return Err(ConnectError::OwnAddress);
        }
        if let Some((&conn, _)) = self
            .peers
            .iter()
            .find(|(_, p)| p.addr == *addr && p.kind.direction() == super::Direction::Outbound)
        {
            return Err(ConnectError::AlreadyConnected(conn));
        }
        if let Some(&conn) = peer_id.as_ref().and_then(|id| self.by_peer_id.get(id)) {
            return Err(ConnectError::AlreadyConnected(conn));
        }
        if peer_id.is_some()
            && self.connection_config.outbound_transport == TransportKind::Plaintext
        {
            return Err(ConnectError::PinNeedsEncryption);
        }
        let via = self.route(addr)?;
        if !kind.is_protected() {
            let wall = self.wall_clock(self.latest);
            let netgroup = self.addrbook.keyed_group(&addr.address);
            let standing = match peer_id {
                Some(id) => self.bans.standing(&id, netgroup, wall),
                None => self
                    .bans
                    .netgroup_record(netgroup)
                    .filter(|r| r.is_live(wall)),
            };
            if let Some(record) = standing.filter(|r| r.level() == Level::Banned) {
                return Err(ConnectError::Banned(record));
            }
        }
        let count = |f: &dyn Fn(&Peer) -> bool| {
            self.peers
                .values()
                .filter(|p| p.is_active() && f(p))
                .count()
        };
        match kind {
            ConnectionKind::Manual | ConnectionKind::Persistent
                if count(&|p| p.kind.is_protected()) >= self.config.max_manual_connections =>
            {
                return Err(ConnectError::LimitReached {
                    key: "max_manual_connections",
                });
            }
            ConnectionKind::Outbound
                if count(&|p| p.kind == ConnectionKind::Outbound)
                    >= self.config.max_outbound_connections =>
            {
                return Err(ConnectError::LimitReached {
                    key: "max_outbound_connections",
                });
            }
            _ => {}
        }
        if !kind.is_temporary() && count(&Peer::is_long_lived) >= self.config.max_connections {
            return Err(ConnectError::LimitReached {
                key: "max_connections",
            });
        }
        Ok(via)
    }

    /// Direct or through the proxy; onion peers fail closed without one.
    fn route(&self, addr: &PeerAddr) -> Result<Via, ConnectError> {
        match (&addr.address, self.config.proxy) {
            (NetAddress::TorV3(_), ProxyMode::Off) => Err(ConnectError::OnionWithoutProxy),
            (NetAddress::TorV3(_), _) | (_, ProxyMode::All) => match addr.address {
                NetAddress::Ipv4(_) | NetAddress::Ipv6(_) | NetAddress::TorV3(_) => Ok(Via::Socks5),
                _ => Err(ConnectError::UnsupportedNetwork {
                    network: addr.address.network_id(),
                }),
            },
            (NetAddress::Ipv4(_) | NetAddress::Ipv6(_), _) => Ok(Via::Direct),
            (other, _) => Err(ConnectError::UnsupportedNetwork {
                network: other.network_id(),
            }),
        }
    }

    /// The networks automatic dials may pick from.
    pub(super) fn reachable(&self) -> Networks {
        match self.config.proxy {
            ProxyMode::Off => Networks::CLEARNET,
            ProxyMode::OnionOnly | ProxyMode::All => Networks::CLEARNET.with(Network::Onion),
        }
    }

    /// Frees a temporary slot if all are taken, least recently used first.
    fn make_temporary_room(&mut self, now: Instant) -> Result<(), ConnectError> {
        let temporaries: alloc::vec::Vec<Temporary<ConnId>> = self
            .peers
            .iter()
            .filter(|(_, p)| p.kind.is_temporary() && p.close_cause.is_none())
            .map(|(&id, p)| Temporary {
                id,
                last_used: p.last_used,
                pinned: false,
            })
            .collect();
        if temporaries.len() < self.config.max_temporary_connections {
            return Ok(());
        }
        match least_recently_used(&temporaries) {
            Some(victim) => {
                self.close_peer(now, victim, Disconnection::LeastRecentlyUsed);
                Ok(())
            }
            None => Err(ConnectError::LimitReached {
                key: "max_temporary_connections",
            }),
        }
    }

    /// Records a dial and asks the shell for it.
    fn open_dial(
        &mut self,
        now: Instant,
        addr: PeerAddr,
        kind: ConnectionKind,
        expected: Option<PeerId>,
        via: Via,
    ) -> ConnId {
        let conn = self.allocate_id();
        let netgroup = self.addrbook.keyed_group(&addr.address);
        let opening = Opening {
            kind,
            addr: addr.clone(),
            via,
            netgroup,
            reached: Reached::Direct,
        };
        let stage = Stage::Dialing {
            deadline: now + self.config.connect_timeout,
        };
        let limiter = AddrRateLimiter::new(self.config.addr_rate, now);
        let mut peer = Peer::new(opening, stage, limiter, now);
        peer.expected = expected;
        self.peers.insert(conn, peer);
        let wall = self.wall_clock(now);
        self.addrbook.attempt(&addr.address, addr.port, wall);
        self.stats.dials_started += 1;
        self.actions.push_back(Action::Dial { conn, addr, via });
        conn
    }

    /// The shell opened the socket of dial `conn` (to the peer, or to the
    /// proxy for [`Via::Socks5`]): the handshake (or SOCKS5) starts. Does
    /// nothing for an unknown id or one that is not dialling.
    ///
    /// ```
    /// use core::net::Ipv4Addr;
    /// # use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::message::NetAddress;
    /// use veil_core::node::{ConnectionKind, Node, NodeConfig, PeerAddr, PeerState};
    /// # use veil_core::{identity::Identity, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    /// # let mut node = Node::new(NodeConfig::default(), Identity::generate(&mut rng), Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// let addr = PeerAddr::new(NetAddress::Ipv4(Ipv4Addr::new(8, 8, 8, 8)), 8333);
    /// let conn = node.connect(Instant::ZERO, addr, None, ConnectionKind::Manual).unwrap();
    /// node.dial_opened(Instant::ZERO, conn);
    /// assert_eq!(node.peer(conn).unwrap().state, PeerState::Handshaking);
    /// assert!(node.poll_transmit(&mut [0u8; 4096]).is_some());
    /// ```
    pub fn dial_opened(&mut self, now: Instant, conn: ConnId) {
        let now = self.advance(now);
        let isolate = self.config.isolate_streams;
        let Some(peer) = self.peers.get_mut(&conn) else {
            return;
        };
        let Stage::Dialing { deadline } = peer.stage else {
            return;
        };
        if peer.via == Via::Socks5 {
            let Ok(target) = Target::from_net_address(&peer.addr.address, peer.addr.port) else {
                unreachable!("routes through the proxy only for addresses it can name")
            };
            let auth = if isolate {
                Auth::isolated(&mut self.rng)
            } else {
                Auth::None
            };
            peer.stage = Stage::Proxying {
                client: Box::new(Socks5Client::new(target, auth)),
                deadline,
            };
            peer.pump_proxy();
            return;
        }
        self.start_session(now, conn);
    }

    /// The dial `conn` failed to open: the node forgets it, and dials again
    /// later if its kind says so (see [`NodeEvent::DialFailed`]).
    ///
    /// ```
    /// use core::net::Ipv4Addr;
    /// # use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::message::NetAddress;
    /// use veil_core::node::{ConnectionKind, DialError, Node, NodeConfig, NodeEvent, PeerAddr};
    /// # use veil_core::{identity::Identity, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    /// # let mut node = Node::new(NodeConfig::default(), Identity::generate(&mut rng), Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// let addr = PeerAddr::new(NetAddress::Ipv4(Ipv4Addr::new(8, 8, 8, 8)), 8333);
    /// let conn = node.connect(Instant::ZERO, addr, None, ConnectionKind::Manual).unwrap();
    /// node.dial_failed(Instant::ZERO, conn, DialError::Refused);
    /// let _ = node.poll_action();
    /// let failed = std::iter::from_fn(|| node.poll_event()).find(|e| matches!(e, NodeEvent::DialFailed { .. }));
    /// // Manual dials retry after `retry_delay` (30 s by default).
    /// assert!(matches!(failed, Some(NodeEvent::DialFailed { retry_at: Some(t), .. }) if t.as_millis() == 30_000));
    /// ```
    pub fn dial_failed(&mut self, now: Instant, conn: ConnId, error: super::DialError) {
        let now = self.advance(now);
        let dialing = self
            .peers
            .get(&conn)
            .is_some_and(|p| matches!(p.stage, Stage::Dialing { .. } | Stage::Proxying { .. }));
        if dialing {
            self.fail_dial(now, conn, DialFailure::Dial(error), false);
        }
    }

    /// Starts the veil connection of `conn` over its open stream.
    pub(super) fn start_session(&mut self, now: Instant, conn: ConnId) {
        let wall = self.wall_clock(now);
        let Some(peer) = self.peers.get_mut(&conn) else {
            return;
        };
        let connection = Connection::outbound(
            self.connection_config.clone(),
            &self.identity,
            peer.expected,
            now,
            wall,
            &mut self.rng,
        )
        .unwrap_or_else(|_| unreachable!("validated, and pins refused under plaintext"));
        peer.stage = Stage::Session(Box::new(connection));
    }

    /// A dial that never opened: forget it, schedule what its kind asks.
    /// `close_socket` asks the shell to drop a socket it may hold.
    pub(super) fn fail_dial(
        &mut self,
        now: Instant,
        conn: ConnId,
        failure: DialFailure,
        close_socket: bool,
    ) {
        let Some(peer) = self.peers.remove(&conn) else {
            return;
        };
        self.stats.dials_failed += 1;
        if close_socket {
            self.actions.push_back(Action::Close { conn });
        }
        let retry_at = self.after_outbound_end(now, conn, &peer, false);
        self.events.push_back(NodeEvent::DialFailed {
            conn,
            kind: peer.kind,
            addr: peer.addr,
            failure,
            retry_at,
        });
    }

    /// An outbound connection ended (`established`: after its handshake):
    /// schedules its redial, returns when it happens.
    pub(super) fn after_outbound_end(
        &mut self,
        now: Instant,
        conn: ConnId,
        peer: &Peer,
        established: bool,
    ) -> Option<Instant> {
        if peer.kind == ConnectionKind::Outbound || peer.kind == ConnectionKind::Feeler {
            self.next_fill = self.next_fill.min(now);
            if let Some(boot) = self.bootstrap.iter_mut().find(|b| b.addr == peer.addr) {
                let delay = if established {
                    boot.backoff.on_disconnected(now, &mut self.rng)
                } else {
                    boot.backoff.on_failure(&mut self.rng)
                };
                boot.next_attempt = now + delay;
            }
            // A persistent entry may have adopted this connection (it
            // reached the peer first): fall through so it redials.
        }
        let key = self
            .redials
            .iter()
            .find(|(_, r)| r.conn == Some(conn))
            .map(|(addr, _)| addr.clone())?;
        let redial = self.redials.get_mut(&key)?;
        redial.conn = None;
        // Learn the id, so a later inbound connection from it counts.
        redial.peer_id = redial.peer_id.or(peer.peer_id());
        let delay = match redial.kind {
            ConnectionKind::Persistent if established => {
                Some(redial.backoff.on_disconnected(now, &mut self.rng))
            }
            ConnectionKind::Persistent => Some(redial.backoff.on_failure(&mut self.rng)),
            _ if established => None,
            _ => match redial.retries.on_failure() {
                Ok(delay) => Some(delay),
                Err(gave_up) => {
                    self.events.push_back(NodeEvent::GaveUp {
                        addr: key.clone(),
                        attempts: gave_up.attempts,
                    });
                    None
                }
            },
        };
        match delay {
            Some(delay) if !self.shutting_down => {
                let at = now + delay;
                if let Some(redial) = self.redials.get_mut(&key) {
                    redial.next_attempt = Some(at);
                }
                Some(at)
            }
            _ => {
                self.redials.remove(&key);
                None
            }
        }
    }

    /// Dials the redials that are due.
    pub(super) fn run_redials(&mut self, now: Instant) {
        let due: alloc::vec::Vec<PeerAddr> = self
            .redials
            .iter()
            .filter(|(_, r)| r.conn.is_none() && r.next_attempt.is_some_and(|t| t <= now))
            .map(|(addr, _)| addr.clone())
            .collect();
        for addr in due {
            let Some(redial) = self.redials.get(&addr) else {
                continue;
            };
            let (kind, peer_id) = (redial.kind, redial.peer_id);
            // Already connected to this peer (say, it dialled us): that
            // connection serves the entry.
            if let Some(&existing) = peer_id.as_ref().and_then(|id| self.by_peer_id.get(id)) {
                if let Some(redial) = self.redials.get_mut(&addr) {
                    redial.conn = Some(existing);
                    redial.next_attempt = None;
                }
                continue;
            }
            // An address-fetch retry gives way like a new temporary.
            let checked = self.check_dial(&addr, peer_id, kind).and_then(|via| {
                if kind.is_temporary() {
                    self.make_temporary_room(now)?;
                }
                Ok(via)
            });
            match checked {
                Ok(via) => {
                    let conn = self.open_dial(now, addr.clone(), kind, peer_id, via);
                    if let Some(redial) = self.redials.get_mut(&addr) {
                        redial.conn = Some(conn);
                        redial.next_attempt = None;
                    }
                }
                Err(ConnectError::AlreadyConnected(existing)) => {
                    if let Some(redial) = self.redials.get_mut(&addr) {
                        redial.conn = Some(existing);
                        redial.next_attempt = None;
                    }
                }
                Err(_) => {
                    // A limit or a ban for now: look again a base delay later.
                    if let Some(redial) = self.redials.get_mut(&addr) {
                        redial.next_attempt = Some(now + self.config.reconnect.base);
                    }
                }
            }
        }
    }

    /// Fills automatic outbound slots from the address book (or bootstrap
    /// nodes when it offers nothing).
    pub(super) fn fill_outbound(&mut self, now: Instant) {
        self.next_fill = now + IDLE_RECHECK;
        if self.shutting_down {
            return;
        }
        let wall = self.wall_clock(now);
        self.bans.expire(wall);
        let outbound = self.count(|p| p.kind == ConnectionKind::Outbound && p.is_active());
        let long_lived = self.count(|p| p.is_long_lived() && p.is_active());
        let free = self
            .config
            .max_outbound_connections
            .saturating_sub(outbound)
            .min(self.config.max_connections.saturating_sub(long_lived));
        if free == 0 {
            return;
        }
        let pending = self.count(|p| p.kind == ConnectionKind::Outbound && p.info.is_none());
        let connected = self.count(|p| p.is_connected() && p.is_long_lived());
        let burst = if connected < self.config.min_connections {
            self.config.max_pending_dials
        } else {
            1
        };
        let dials = burst
            .min(self.config.max_pending_dials.saturating_sub(pending))
            .min(free);
        let mut dialled = 0;
        for _ in 0..dials {
            match self.pick_outbound(now) {
                Some((addr, pin)) => {
                    let via = match self.check_dial(&addr, pin, ConnectionKind::Outbound) {
                        Ok(via) => via,
                        Err(_) => break,
                    };
                    self.open_dial(now, addr, ConnectionKind::Outbound, pin, via);
                    dialled += 1;
                }
                None => break,
            }
        }
        if dialled > 0 || pending > 0 {
            self.next_fill = now + self.config.dial_interval;
        }
    }

    /// An address for an automatic outbound dial: from the book, honouring
    /// the per-netgroup cap; else a due bootstrap node.
    fn pick_outbound(&mut self, now: Instant) -> Option<(PeerAddr, Option<PeerId>)> {
        let wall = self.wall_clock(now);
        let reachable = self.reachable();
        // Picks are drawn with replacement, and each costs up to a few
        // thousand probes in a sparse book: a few per address is enough.
        let picks = MAX_PICKS.min(self.addrbook.len().saturating_mul(4).saturating_add(4));
        for _ in 0..picks {
            let Some(info) = self.addrbook.select(wall, reachable, &mut self.rng) else {
                break;
            };
            // An address tried in the last minute waits (Bitcoin Core waits
            // 10 minutes unless nothing else is found): a peer that refuses
            // us is not redialled in a tight loop.
            let tried_lately = info
                .last_attempt
                .is_some_and(|t| t.as_secs() + RECENT_ATTEMPT_SECS > wall.as_secs());
            if tried_lately {
                continue;
            }
            let addr = PeerAddr::new(info.address.clone(), info.port);
            if self.is_dialable_automatically(&addr) {
                return Some((addr, None));
            }
        }
        self.pick_bootstrap(now)
    }

    /// A due bootstrap node not connected or dialled.
    fn pick_bootstrap(&self, now: Instant) -> Option<(PeerAddr, Option<PeerId>)> {
        self.bootstrap
            .iter()
            .filter(|b| b.next_attempt <= now)
            .filter(|b| !self.by_peer_id.contains_key(&b.peer_id))
            .find(|b| self.is_dialable_automatically(&b.addr))
            .map(|b| (b.addr.clone(), Some(b.peer_id)))
    }

    /// Not connected or dialled (by IP, as Bitcoin Core: an inbound peer
    /// comes from another port), not our own, its netgroup under the
    /// outbound cap and not banned.
    fn is_dialable_automatically(&self, addr: &PeerAddr) -> bool {
        let own = self
            .config
            .advertised
            .iter()
            .any(|a| a.address == addr.address);
        if own || self.peers.values().any(|p| p.addr.address == addr.address) {
            return false;
        }
        let netgroup = self.addrbook.keyed_group(&addr.address);
        let same_group = self
            .peers
            .values()
            .filter(|p| p.kind == ConnectionKind::Outbound && p.netgroup == netgroup)
            .count();
        if same_group >= self.config.max_outbound_per_netgroup {
            return false;
        }
        let wall = self.wall_clock(self.latest);
        let banned = self
            .bans
            .netgroup_record(netgroup)
            .is_some_and(|r| r.is_live(wall) && r.level() == Level::Banned);
        !banned && self.route(addr).is_ok()
    }

    /// Opens a feeler to a NEW address once outbound slots are full.
    pub(super) fn run_feeler(&mut self, now: Instant) {
        let interval = self.config.feeler_interval.as_millis();
        let jitter = interval / 2 + self.rng.next_u64() % (interval + 1);
        self.next_feeler = now + Duration::from_millis(jitter.max(1));
        let full = self.count(|p| p.kind == ConnectionKind::Outbound && p.is_connected())
            >= self.config.max_outbound_connections;
        if !full || self.shutting_down {
            return;
        }
        let wall = self.wall_clock(now);
        let reachable = self.reachable();
        for _ in 0..MAX_PICKS / 10 {
            let Some(info) = self.addrbook.select_new(wall, reachable, &mut self.rng) else {
                return;
            };
            let addr = PeerAddr::new(info.address.clone(), info.port);
            if self.is_dialable_automatically(&addr) {
                if self.make_temporary_room(now).is_ok() {
                    if let Ok(via) = self.check_dial(&addr, None, ConnectionKind::Feeler) {
                        self.open_dial(now, addr, ConnectionKind::Feeler, None, via);
                    }
                }
                return;
            }
        }
    }

    /// Replaces the automatic outbound peer with the lowest score.
    pub(super) fn run_rotation(&mut self, now: Instant) {
        self.next_rotation = now + self.config.rotation_interval;
        let full = self.count(|p| p.kind == ConnectionKind::Outbound && p.is_connected())
            >= self.config.max_outbound_connections;
        if !full || self.shutting_down {
            return;
        }
        let worst = self
            .peers
            .iter()
            .filter(|(_, p)| p.kind == ConnectionKind::Outbound && p.is_connected())
            .map(|(&id, p)| (self.score_of(now, p), core::cmp::Reverse(id)))
            .min()
            .map(|(_, core::cmp::Reverse(id))| id);
        if let Some(conn) = worst {
            self.stats.rotations += 1;
            self.close_peer(now, conn, Disconnection::Rotation);
            self.next_fill = now;
        }
    }

    pub(super) fn count(&self, f: impl Fn(&Peer) -> bool) -> usize {
        self.peers.values().filter(|p| f(p)).count()
    }
}
