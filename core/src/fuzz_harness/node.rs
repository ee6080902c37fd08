//! The node's harness: one [`Node`] with small limits, driven by arbitrary
//! operations of its shell, its application and its peers.
//!
//! Peers can be raw bytes or genuine [`Connection`]s on the other end of a
//! socket (with one of a few fixed identities, one of them the node's own),
//! so handshakes complete, duplicates and self-connections happen and the
//! limits, evictions and redials are reached. After every operation the
//! harness drains the node (transmits, actions, events) and checks its
//! promises; see [`node_inputs`].

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use bytes::Bytes;
use core::net::Ipv4Addr;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

use super::connection::Input;
use super::CONNECTION_WALL_CLOCK;
use crate::addrbook::AddrBookConfig;
use crate::connection::{Connection, ConnectionConfig, Event};
use crate::identity::{Identity, PeerId};
use crate::message::{features, NetAddress};
use crate::node::{
    Action, ConnId, ConnectionKind, DialError, Node, NodeConfig, NodeEvent, PeerAddr, PeerState,
    Reached, TxSource,
};
use crate::peering::EvictionConfig;
use crate::time::{Duration, Instant};
use crate::Consequence;

/// The seed of the harness's node and of its peers' connections.
pub const NODE_SEED: u64 = 0x7665_696c_6e6f_6465;

/// The operation codes of [`node_inputs`] (an operation's first byte,
/// modulo [`COUNT`](node_op::COUNT)), for writing seeds.
///
/// ```
/// use veil_core::fuzz_harness::node_op;
/// assert!(node_op::SHUTDOWN < node_op::COUNT);
/// ```
pub mod node_op {
    /// `accept a r`: an inbound connection from [`node_address`]`(a)`
    /// (port `40000 + a`); `r` bits 0-1: reached directly, through an
    /// onion service, I2P, directly; bit 2: a genuine outbound
    /// [`Connection`](crate::connection::Connection) on the other end with
    /// identity `r >> 4` (see [`node_identity`]); bit 3: that peer
    /// expects the node's id.
    ///
    /// [`node_address`]: super::node_address
    /// [`node_identity`]: super::node_identity
    pub const ACCEPT: u8 = 0;
    /// `dial_opened d p`: the pending dial `d` (modulo their number) opened;
    /// `p` bit 0: a genuine inbound connection answers, with identity
    /// `p >> 4`.
    pub const DIAL_OPENED: u8 = 1;
    /// `dial_failed d e`: the pending dial `d` failed with error `e`
    /// (refused, unreachable, timed out, no proxy, local).
    pub const DIAL_FAILED: u8 = 2;
    /// `input c len bytes`: raw bytes for connection `c`.
    pub const INPUT: u8 = 3;
    /// `pump n`: `n % 8 + 1` rounds of the genuine peers' bytes to the node.
    pub const PUMP: u8 = 4;
    /// `eof c`: the socket of `c` read its end.
    pub const EOF: u8 = 5;
    /// `closed c`: the socket of `c` is gone.
    pub const CLOSED: u8 = 6;
    /// `wait s`: the clock moves by step `s % 8` (0 ms to 30 min), then
    /// every deadline due is handled.
    pub const WAIT: u8 = 7;
    /// `next`: the clock moves to the node's deadline, which is handled.
    pub const NEXT_DEADLINE: u8 = 8;
    /// `connect k a p`: [`Node::connect`](crate::node::Node::connect) with
    /// kind `k % 6` (outbound, manual, persistent, feeler, addr-fetch,
    /// inbound) to [`node_address`](super::node_address)`(a)` (255: an
    /// onion address), pinned to identity `p` if `p < 16`.
    pub const CONNECT: u8 = 9;
    /// `disconnect c`.
    pub const DISCONNECT: u8 = 10;
    /// `send c message`: a selector and a one-byte-length payload.
    pub const SEND: u8 = 11;
    /// `broadcast message`.
    pub const BROADCAST: u8 = 12;
    /// `relay s h len tx`: source `s % 3` (local, stem from, fluff from
    /// connection `s / 3`), hash `[h; 32]`.
    pub const RELAY: u8 = 13;
    /// `ban i d`: identity `i`, for ever if `d == 0`, else `d` minutes.
    pub const BAN: u8 = 14;
    /// `unban i`.
    pub const UNBAN: u8 = 15;
    /// `report c q`: misbehaviour of `c` with consequence `q % 4`.
    pub const REPORT: u8 = 16;
    /// `shutdown`.
    pub const SHUTDOWN: u8 = 17;
    /// `add_address a`: [`node_address`](super::node_address)`(a)` into
    /// the address book.
    pub const ADD_ADDRESS: u8 = 18;
    /// `add_bootstrap a i`: a bootstrap node at `node_address(a)` with
    /// identity `i`.
    pub const ADD_BOOTSTRAP: u8 = 19;
    /// `peer_send c message`: the genuine peer of `c` sends a message.
    pub const PEER_SEND: u8 = 20;
    /// The number of operations.
    pub const COUNT: u8 = 21;
}

/// How far [`node_op::WAIT`] moves the clock, in milliseconds.
const TIME_STEPS: [u64; 8] = [0, 10, 100, 1_000, 5_000, 31_000, 121_000, 1_800_001];

/// The node's own secret; identity 15 of [`node_identity`].
const NODE_SECRET: [u8; 32] = [0x4e; 32];

/// Size of the buffer transmits are drained through.
const TRANSMIT_BUF: usize = 16 * 1024;

/// Identity `index % 16`: 15 is the node's own, the others are fixed
/// peers.
///
/// ```
/// use veil_core::fuzz_harness::node_identity;
/// assert_eq!(node_identity(15).peer_id(), node_identity(31).peer_id());
/// assert_ne!(node_identity(0).peer_id(), node_identity(1).peer_id());
/// ```
#[must_use]
pub fn node_identity(index: u8) -> Identity {
    match index % 16 {
        15 => Identity::from_secret_bytes(NODE_SECRET),
        i => Identity::from_secret_bytes([0x30 + i; 32]),
    }
}

/// A public IPv4 address for selector `a`: netgroup (`/16`) `a % 8`, host
/// `a / 8`, port 8333.
///
/// ```
/// use veil_core::fuzz_harness::node_address;
/// assert_ne!(node_address(0).address, node_address(1).address);
/// assert_eq!(node_address(0).port, 8333);
/// ```
#[must_use]
pub fn node_address(a: u8) -> PeerAddr {
    let ip = Ipv4Addr::new(30 + (a & 7), 1, a >> 3, 1);
    PeerAddr::new(NetAddress::Ipv4(ip), 8333)
}

/// The harness's node configuration: the default with small limits (3
/// inbound, 2 outbound, 2 manual, 1 temporary, 2 per inbound netgroup), a
/// small address book and a light eviction protection, so every limit is
/// reached within a few operations.
///
/// ```
/// let config = veil_core::fuzz_harness::node_config();
/// assert_eq!(config.max_inbound_connections, 3);
/// assert!(config.validate().is_ok());
/// ```
#[must_use]
pub fn node_config() -> NodeConfig {
    NodeConfig {
        max_outbound_connections: 2,
        max_inbound_connections: 3,
        max_connections: 6,
        max_manual_connections: 2,
        max_temporary_connections: 1,
        min_connections: 2,
        max_outbound_per_netgroup: 1,
        max_inbound_per_netgroup: 2,
        max_pending_dials: 2,
        eviction: EvictionConfig {
            netgroups: 1,
            low_ping: 0,
            recent_tx: 1,
            recent_other: 0,
        },
        addrbook: AddrBookConfig {
            new_buckets: 4,
            new_bucket_size: 8,
            tried_buckets: 2,
            tried_bucket_size: 8,
            new_buckets_per_source_group: 2,
            tried_buckets_per_group: 1,
            ..AddrBookConfig::default()
        },
        ..NodeConfig::default()
    }
}

/// Drives a [`Node`] ([`node_config`], identity 15 of [`node_identity`],
/// seeded with [`NODE_SEED`]) with the operations of [`node_op`], read
/// from `data` until it ends. After every operation it drains
/// `poll_transmit` (bytes go to the genuine peer of that connection, if
/// any), `poll_action` and `poll_event`, and checks that:
/// - nothing panics;
/// - the limits hold, counting connections not closing: inbound at most
///   `max_inbound_connections`, automatic outbound at most
///   `max_outbound_connections`, manual and persistent at most
///   `max_manual_connections`, feelers and address fetches at most
///   `max_temporary_connections`, and all long-lived ones at most
///   `max_connections`;
/// - every connection id in a transmit, an action or an event is one the
///   node made (returned by `accept` or `connect`, or dialled); a dial is
///   asked once per id; a close once, for an id the node has forgotten,
///   and nothing is transmitted for it afterwards;
/// - after `handle_timeout(now)` the deadline of `poll_timeout` is not
///   before `now`, and there is one until the node is shut down and idle.
///
/// ```
/// use veil_core::fuzz_harness::{node_inputs, node_op};
/// // Accept a genuine peer (identity 1), let the handshake run.
/// node_inputs(&[node_op::ACCEPT, 3, 0x14, node_op::PUMP, 7]);
/// ```
pub fn node_inputs(data: &[u8]) {
    let mut harness = Harness::new();
    let mut input = Input(data);
    while let Some(code) = input.byte() {
        harness.step(code % node_op::COUNT, &mut input);
        harness.settle();
        harness.check();
    }
}

struct Harness {
    node: Node,
    config: NodeConfig,
    now: Instant,
    rng: ChaCha20Rng,
    peer_config: Arc<ConnectionConfig>,
    /// Ids the node made, in order.
    created: Vec<ConnId>,
    dialed: BTreeSet<ConnId>,
    closed: BTreeSet<ConnId>,
    /// Dials asked for and not yet reported.
    pending: Vec<ConnId>,
    /// The genuine peer on the other end of a connection.
    links: BTreeMap<ConnId, Connection>,
    buf: Vec<u8>,
}

impl Harness {
    fn new() -> Harness {
        let config = node_config();
        let mut rng = ChaCha20Rng::seed_from_u64(NODE_SEED);
        let node = Node::new(
            config.clone(),
            node_identity(15),
            Instant::ZERO,
            CONNECTION_WALL_CLOCK,
            &mut rng,
        )
        .expect("the harness configuration is valid");
        Harness {
            node,
            config,
            now: Instant::ZERO,
            rng,
            peer_config: Arc::new(peer_config()),
            created: Vec::new(),
            dialed: BTreeSet::new(),
            closed: BTreeSet::new(),
            pending: Vec::new(),
            links: BTreeMap::new(),
            buf: vec![0u8; TRANSMIT_BUF],
        }
    }

    /// A connection id picked by `b`: one the node made (open or not), or
    /// an unknown one for 255.
    fn pick(&self, b: u8) -> ConnId {
        if b == u8::MAX || self.created.is_empty() {
            return ConnId::from_raw(u64::from(b) << 20);
        }
        self.created[usize::from(b) % self.created.len()]
    }

    fn made(&mut self, conn: ConnId) {
        assert!(!self.created.contains(&conn), "{conn} handed out twice");
        self.created.push(conn);
    }

    fn peer(&mut self, outbound: bool, identity: u8, expected: Option<PeerId>) -> Connection {
        let identity = node_identity(identity);
        let make = if outbound {
            Connection::outbound
        } else {
            Connection::inbound
        };
        make(
            self.peer_config.clone(),
            &identity,
            expected,
            self.now,
            CONNECTION_WALL_CLOCK,
            &mut self.rng,
        )
        .expect("the default configuration is valid")
    }

    fn step(&mut self, code: u8, input: &mut Input<'_>) {
        let now = self.now;
        let mut arg = || input.byte().unwrap_or(0);
        match code {
            node_op::ACCEPT => {
                let (a, r) = (arg(), arg());
                let mut remote = node_address(a);
                remote.port = 40_000 + u16::from(a);
                let reached =
                    [Reached::Direct, Reached::Onion, Reached::I2p][usize::from(r & 3) % 3];
                if let Ok(conn) = self.node.accept(now, remote, reached) {
                    self.made(conn);
                    if r & 4 != 0 {
                        let expected = (r & 8 != 0).then(|| self.node.peer_id());
                        let peer = self.peer(true, r >> 4, expected);
                        self.links.insert(conn, peer);
                    }
                }
            }
            node_op::DIAL_OPENED => {
                let (d, p) = (arg(), arg());
                let conn = self.pending_dial(d);
                self.node.dial_opened(now, conn);
                if p & 1 != 0 && self.node.peer(conn).is_some() {
                    let peer = self.peer(false, p >> 4, None);
                    self.links.insert(conn, peer);
                }
            }
            node_op::DIAL_FAILED => {
                let (d, e) = (arg(), arg());
                let conn = self.pending_dial(d);
                let errors = [
                    DialError::Refused,
                    DialError::Unreachable,
                    DialError::TimedOut,
                    DialError::NoProxy,
                    DialError::Local,
                ];
                self.node
                    .dial_failed(now, conn, errors[usize::from(e) % errors.len()]);
            }
            node_op::INPUT => {
                let conn = self.pick(arg());
                let bytes = input.take_len(false);
                self.node.handle_input(now, conn, bytes);
            }
            node_op::PUMP => {
                let rounds = arg() % 8 + 1;
                for _ in 0..rounds {
                    self.pump();
                }
            }
            node_op::EOF => {
                let conn = self.pick(arg());
                self.node.handle_eof(now, conn);
            }
            node_op::CLOSED => {
                let conn = self.pick(arg());
                self.links.remove(&conn);
                self.node.handle_closed(now, conn);
            }
            node_op::WAIT => {
                let step = TIME_STEPS[usize::from(arg() % 8)];
                self.wait(Duration::from_millis(step));
            }
            node_op::NEXT_DEADLINE => {
                let at = self.node.poll_timeout().map_or(now, |(at, _)| at);
                self.wait(at.saturating_duration_since(now));
            }
            node_op::CONNECT => {
                let (k, a, p) = (arg(), arg(), arg());
                let kinds = [
                    ConnectionKind::Outbound,
                    ConnectionKind::Manual,
                    ConnectionKind::Persistent,
                    ConnectionKind::Feeler,
                    ConnectionKind::AddrFetch,
                    ConnectionKind::Inbound,
                ];
                let addr = if a == u8::MAX {
                    PeerAddr::new(NetAddress::TorV3([a; 32]), 9050)
                } else {
                    node_address(a)
                };
                let pin = (p < 16).then(|| node_identity(p).peer_id());
                let kind = kinds[usize::from(k) % kinds.len()];
                if let Ok(conn) = self.node.connect(now, addr, pin, kind) {
                    self.made(conn);
                }
            }
            node_op::DISCONNECT => {
                let conn = self.pick(arg());
                self.node.disconnect(now, conn);
            }
            node_op::SEND => {
                let conn = self.pick(arg());
                if let Some(message) = input.message(false) {
                    let _ = self.node.send(now, conn, message);
                }
            }
            node_op::BROADCAST => {
                if let Some(message) = input.message(false) {
                    self.node.broadcast(now, &message, |_| true);
                }
            }
            node_op::RELAY => {
                let (s, h) = (arg(), arg());
                let from = self.pick(s / 3);
                let source = match s % 3 {
                    0 => TxSource::Local,
                    1 => TxSource::Stem(from),
                    _ => TxSource::Fluff(from),
                };
                let tx = Bytes::copy_from_slice(input.take_len(false));
                self.node.relay_transaction(now, [h; 32], tx, source);
            }
            node_op::BAN => {
                let (i, d) = (arg(), arg());
                let duration = (d != 0).then(|| Duration::from_secs(60 * u64::from(d)));
                self.node.ban(now, node_identity(i).peer_id(), duration);
            }
            node_op::UNBAN => {
                let i = arg();
                self.node.unban(&node_identity(i).peer_id());
            }
            node_op::REPORT => {
                let (c, q) = (arg(), arg());
                let consequences = [
                    Consequence::DropMessage,
                    Consequence::Close,
                    Consequence::Discourage,
                    Consequence::Ban,
                ];
                let conn = self.pick(c);
                self.node.report_misbehaviour(
                    now,
                    conn,
                    consequences[usize::from(q % 4)],
                    "fuzzed",
                );
            }
            node_op::SHUTDOWN => self.node.shutdown(now),
            node_op::ADD_ADDRESS => {
                let a = arg();
                self.node.add_address(now, &node_address(a));
            }
            node_op::ADD_BOOTSTRAP => {
                let (a, i) = (arg(), arg());
                self.node
                    .add_bootstrap(node_address(a), node_identity(i).peer_id());
            }
            node_op::PEER_SEND => {
                let conn = self.pick(arg());
                let message = input.message(false);
                if let (Some(peer), Some(message)) = (self.links.get_mut(&conn), message) {
                    let _ = peer.send(now, message);
                    drain_peer(peer, now);
                }
            }
            _ => unreachable!("modulo COUNT"),
        }
    }

    /// A pending dial picked by `d`, or any id when none is pending.
    fn pending_dial(&mut self, d: u8) -> ConnId {
        if self.pending.is_empty() {
            return self.pick(d);
        }
        let index = usize::from(d) % self.pending.len();
        self.pending.remove(index)
    }

    /// Moves the clock by `step`, runs the genuine peers' deadlines, then
    /// the node's, and checks the node's next deadline.
    fn wait(&mut self, step: Duration) {
        self.now += step;
        let now = self.now;
        for peer in self.links.values_mut() {
            if peer.poll_timeout().is_some_and(|(at, _)| at <= now) {
                peer.handle_timeout(now);
                drain_peer(peer, now);
            }
        }
        self.node.handle_timeout(now);
        if let Some((at, why)) = self.node.poll_timeout() {
            assert!(
                at >= now,
                "after handle_timeout({now:?}) the deadline {why} is at {at:?}"
            );
        }
    }

    /// One round: every genuine peer's queued bytes to the node; a peer
    /// that closed and drained ends its socket (EOF).
    fn pump(&mut self) {
        let now = self.now;
        let ids: Vec<ConnId> = self.links.keys().copied().collect();
        for conn in ids {
            let Some(peer) = self.links.get_mut(&conn) else {
                continue;
            };
            let mut bytes = Vec::new();
            loop {
                let n = peer.poll_transmit(&mut self.buf);
                if n == 0 {
                    break;
                }
                bytes.extend_from_slice(&self.buf[..n]);
            }
            drain_peer(peer, now);
            let ended = peer.state() == crate::connection::ConnectionState::Closed;
            if !bytes.is_empty() {
                self.node.handle_input(now, conn, &bytes);
                self.settle();
            }
            if ended {
                self.links.remove(&conn);
                self.node.handle_eof(now, conn);
                self.settle();
            }
        }
    }

    /// Drains the node's transmits (to the genuine peers), actions and
    /// events, checking every id.
    fn settle(&mut self) {
        let now = self.now;
        while let Some(transmit) = self.node.poll_transmit(&mut self.buf) {
            let conn = transmit.conn;
            assert!(transmit.len > 0, "empty transmit for {conn}");
            assert!(
                self.created.contains(&conn) && !self.closed.contains(&conn),
                "transmit for {conn}, not an open connection"
            );
            if let Some(peer) = self.links.get_mut(&conn) {
                peer.handle_input(now, &self.buf[..transmit.len]);
                drain_peer(peer, now);
            }
        }
        while let Some(action) = self.node.poll_action() {
            match action {
                Action::Dial { conn, .. } => {
                    if !self.created.contains(&conn) {
                        self.created.push(conn);
                    }
                    assert!(!self.closed.contains(&conn), "dial of closed {conn}");
                    assert!(self.dialed.insert(conn), "{conn} dialled twice");
                    self.pending.push(conn);
                }
                Action::Close { conn } => {
                    assert!(self.created.contains(&conn), "close of unknown {conn}");
                    assert!(self.closed.insert(conn), "{conn} closed twice");
                    assert!(self.node.peer(conn).is_none(), "closed {conn} still known");
                    self.pending.retain(|&c| c != conn);
                    self.links.remove(&conn);
                }
            }
        }
        while let Some(event) = self.node.poll_event() {
            if let Some(conn) = event_conn(&event) {
                assert!(
                    self.created.contains(&conn),
                    "event for unknown {conn}: {event:?}"
                );
            }
        }
    }

    /// The limits, and a deadline while there is work.
    fn check(&self) {
        let config = &self.config;
        let active = |f: &dyn Fn(ConnectionKind) -> bool| {
            self.node
                .peers()
                .filter(|p| p.state != PeerState::Closing && f(p.kind))
                .count()
        };
        let inbound = active(&|k| k == ConnectionKind::Inbound);
        assert!(
            inbound <= config.max_inbound_connections,
            "{inbound} inbound"
        );
        let outbound = active(&|k| k == ConnectionKind::Outbound);
        assert!(
            outbound <= config.max_outbound_connections,
            "{outbound} outbound"
        );
        let manual = active(&ConnectionKind::is_protected);
        assert!(manual <= config.max_manual_connections, "{manual} manual");
        let temporary = active(&ConnectionKind::is_temporary);
        assert!(
            temporary <= config.max_temporary_connections,
            "{temporary} temporary"
        );
        let long_lived = active(&|k| !k.is_temporary());
        assert!(
            long_lived <= config.max_connections,
            "{long_lived} long-lived"
        );
        if self.node.poll_timeout().is_none() {
            assert!(self.node.is_idle(), "no deadline while busy");
        }
    }
}

/// The genuine peers' configuration: the default, offering Dandelion++
/// like the node.
fn peer_config() -> ConnectionConfig {
    let mut config = ConnectionConfig::default();
    config.local.features |= features::DANDELION;
    config
}

/// Answers a genuine peer's nonce checks (never its own) and drops its
/// other events.
fn drain_peer(peer: &mut Connection, now: Instant) {
    while let Some(event) = peer.poll_event() {
        if let Event::CheckNonce { .. } = event {
            peer.resolve_nonce_check(now, false);
        }
    }
}

fn event_conn(event: &NodeEvent) -> Option<ConnId> {
    match event {
        NodeEvent::Connected { conn, .. }
        | NodeEvent::Disconnected { conn, .. }
        | NodeEvent::DialFailed { conn, .. }
        | NodeEvent::Message { conn, .. }
        | NodeEvent::AddressesLearned { conn, .. }
        | NodeEvent::Punished { conn, .. } => Some(*conn),
        NodeEvent::GaveUp { .. } => None,
    }
}
