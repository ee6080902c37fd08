//! The node: one sans-IO state machine that owns all of a node's
//! connections and decides which peers to keep.
//!
//! A [`Node`] composes the parts of this crate: a [`Connection`](crate::connection::Connection) per peer,
//! the [`addrbook`](crate::addrbook) it dials from, the
//! [`peering`](crate::peering) rules (eviction, scores, bans, backoff), the
//! [`dandelion`](crate::dandelion) router and the [`socks5`](crate::socks5)
//! client. Like a connection it opens no socket and reads no clock: the
//! shell reports what happened and carries out what the node asks.
//!
//! # Drive contract
//!
//! 1. Create it with [`Node::new`]; restore state with
//!    [`Node::set_address_book`] and [`Node::set_ban_list`]; add
//!    [`Node::add_bootstrap`] nodes and [`Node::connect`] persistent peers.
//! 2. Report what the sockets do:
//!    - an inbound connection: [`Node::accept`] (refused: close the socket);
//!    - a dial the node asked for ([`Action::Dial`]) opened or failed:
//!      [`Node::dial_opened`] / [`Node::dial_failed`];
//!    - bytes read: [`Node::handle_input`]; the peer closed its side:
//!      [`Node::handle_eof`]; the socket broke or is gone:
//!      [`Node::handle_closed`];
//!    - the deadline of [`Node::poll_timeout`] passed: [`Node::handle_timeout`].
//! 3. Call commands when the application wants: [`Node::connect`],
//!    [`Node::disconnect`], [`Node::send`], [`Node::broadcast`],
//!    [`Node::send_any`], [`Node::relay_transaction`], [`Node::ban`],
//!    [`Node::unban`], [`Node::shutdown`], ...
//! 4. After *any* of these calls, drain in this order:
//!    - [`Node::poll_transmit`] until `None` (or, per writable socket,
//!      [`Node::transmit_slice`] and [`Node::advance_transmit`]);
//!    - [`Node::poll_action`] until `None`: dial, or close a socket (write
//!      what is still queued for it first);
//!    - [`Node::poll_event`] until `None`;
//!    - [`Node::poll_timeout`]: one absolute deadline with its reason; it
//!      replaces any earlier one.
//!
//! Every state-changing call takes `now`, a monotonic [`Instant`] that never
//! goes backwards. Wall-clock time (address timestamps, ban expiry) is
//! derived from the [`UnixTime`] given to [`Node::new`] plus the monotonic
//! time since; [`Node::set_wall_clock`] corrects it. Randomness comes from
//! the generator seeded at [`Node::new`]: the same seed, configuration and
//! inputs give the same bytes, actions and events, always.
//!
//! # Rules
//!
//! - **Limits.** Automatic outbound connections fill `max_outbound_connections`
//!   from the address book, at most `max_outbound_per_netgroup` per keyed
//!   netgroup, paced by `dial_interval` (up to `max_pending_dials` at once
//!   while fewer than `min_connections` peers are connected). With nothing
//!   to dial in the book, bootstrap nodes are dialled, their ids pinned.
//! - **Admission.** An inbound connection is refused if its netgroup is
//!   banned, holds `max_inbound_per_netgroup` peers, or the total is
//!   reached; when inbound slots are full, Bitcoin Core's protect-then-evict
//!   rule ([`peering::select_victim`](crate::peering::select_victim)) picks
//!   a peer to evict (discouraged ones first; peers younger than
//!   `inbound_grace` are exempt), or the newcomer is refused.
//! - **Misbehaviour.** A connection closing with a reason whose
//!   [`Consequence`](crate::Consequence) is discourage or ban records the
//!   peer (by id and netgroup) in the [`BanList`]; manual, persistent and
//!   allow-listed peers are spared. A banned peer id is disconnected right
//!   after its handshake.
//! - **Duplicates and self.** The node answers each connection's nonce check
//!   against the nonces of all its connections, and closes a connection that
//!   proves the node's own identity. Of two connections to the same peer id
//!   the one dialled by the side with the smaller peer id is kept, so both
//!   sides close the same one; of two in the same direction, the older.
//! - **Kinds.** See [`ConnectionKind`]: persistent peers reconnect with
//!   exponential backoff and jitter; manual and address-fetch dials retry
//!   `max_retry_attempts` times `retry_delay` apart; feelers and address
//!   fetches close once done, and give way least-recently-used first.
//! - **Rotation.** Every `rotation_interval` the automatic outbound peer
//!   with the lowest score is closed and its slot refilled from the book.
//! - **Addresses.** Each outbound peer is asked `getaddr` once; `addr`
//!   records pass the peer's token bucket into the address book; `getaddr`
//!   is answered once per connection from the book's cached sample; the
//!   node announces its `advertised` addresses after each handshake and
//!   relays small unsolicited `addr` messages to two peers.
//! - **Transactions.** [`Node::relay_transaction`] routes by Dandelion++
//!   (`stemtx` to one relay, or `tx` to every peer) and keeps stem
//!   transactions until their embargo ends.
//!
//! # Example
//!
//! Two nodes on one virtual clock, wired by hand:
//!
//! ```
//! use core::net::Ipv4Addr;
//! use rand_chacha::rand_core::SeedableRng;
//! use veil_core::identity::Identity;
//! use veil_core::message::NetAddress;
//! use veil_core::node::{Action, ConnectionKind, Node, NodeConfig, NodeEvent, PeerAddr, Reached};
//! use veil_core::{Instant, UnixTime};
//!
//! let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
//! let (now, wall) = (Instant::ZERO, UnixTime::from_secs(1_700_000_000));
//! let mut alice = Node::new(NodeConfig::default(), Identity::generate(&mut rng), now, wall, &mut rng).unwrap();
//! let mut bob = Node::new(NodeConfig::default(), Identity::generate(&mut rng), now, wall, &mut rng).unwrap();
//!
//! let bob_addr = PeerAddr::new(NetAddress::Ipv4(Ipv4Addr::new(8, 8, 8, 8)), 8333);
//! let alice_addr = PeerAddr::new(NetAddress::Ipv4(Ipv4Addr::new(9, 9, 9, 9)), 50000);
//! let out = alice.connect(now, bob_addr.clone(), None, ConnectionKind::Manual).unwrap();
//! assert!(matches!(alice.poll_action(), Some(Action::Dial { conn, .. }) if conn == out));
//! let inc = bob.accept(now, alice_addr, Reached::Direct).unwrap();
//! alice.dial_opened(now, out);
//!
//! let mut buf = vec![0u8; 65536];
//! for _ in 0..10 {
//!     while let Some(t) = alice.poll_transmit(&mut buf) { bob.handle_input(now, inc, &buf[..t.len]); }
//!     while let Some(t) = bob.poll_transmit(&mut buf) { alice.handle_input(now, out, &buf[..t.len]); }
//! }
//! let connected = std::iter::from_fn(|| alice.poll_event())
//!     .any(|e| matches!(e, NodeEvent::Connected { conn, .. } if conn == out));
//! assert!(connected);
//! assert_eq!(alice.peer(out).unwrap().peer_id, Some(bob.peer_id()));
//! ```

mod accept;
mod addr_parse;
mod config;
mod dial;
mod drive;
mod error;
mod event;
mod inspect;
mod messages;
mod output;
mod peer;
mod send;
mod shell;
mod stats;
mod timers;
mod txs;
mod types;

use alloc::collections::{BTreeMap, VecDeque};
use alloc::sync::Arc;
use alloc::vec::Vec;
use rand_chacha::rand_core::{CryptoRng, RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;

pub use addr_parse::AddrParseError;
pub use config::{NodeConfig, NodeConfigError, ProxyMode};
pub use error::{ConnectError, NodeSendError, Refusal};
pub use event::{DialFailure, Disconnection, NodeEvent, Offence};
pub use shell::{drain_output, ShellIo, Stopped};
pub use stats::{NodeStats, PeerHealth, PeerSnapshot, PeerState};
pub use timers::NodeTimeout;
pub use txs::{RelayOutcome, TxSource};
pub use types::{
    Action, ConnId, ConnectionKind, DialError, Direction, PeerAddr, Reached, Transmit, Via,
};

use self::dial::{Bootstrap, Redial};
use self::peer::Peer;
use self::txs::TxStore;
use crate::addrbook::AddrBook;
use crate::connection::ConnectionConfig;
use crate::dandelion::Router;
use crate::identity::{Identity, PeerId};
use crate::message::features;
use crate::peering::BanList;
use crate::time::{Duration, Instant, UnixTime};

/// How long the node waits before looking for outbound peers again when
/// its slots are full or nothing is dialable (a freed slot wakes it at once).
const IDLE_RECHECK: Duration = Duration::from_secs(30);

/// The node. See the [module documentation](self) for the drive contract,
/// the rules and an example.
pub struct Node {
    config: NodeConfig,
    connection_config: Arc<ConnectionConfig>,
    identity: Identity,
    local_id: PeerId,
    rng: ChaCha20Rng,
    /// Monotonic and wall-clock time at the last wall-clock setting.
    clock_base: (Instant, UnixTime),
    /// The latest `now` seen (time never goes backwards).
    latest: Instant,
    peers: BTreeMap<ConnId, Peer>,
    next_conn: u64,
    /// Connected peers by proven id.
    by_peer_id: BTreeMap<PeerId, ConnId>,
    addrbook: AddrBook,
    bans: BanList,
    router: Option<Router<ConnId>>,
    bootstrap: Vec<Bootstrap>,
    /// Persistent peers, manual and address-fetch retries, by address.
    redials: BTreeMap<PeerAddr, Redial>,
    /// Where peers with a known id were last reached (for `connect_peer`).
    known_addrs: BTreeMap<PeerId, PeerAddr>,
    txs: TxStore,
    actions: VecDeque<Action>,
    events: VecDeque<NodeEvent>,
    next_fill: Instant,
    next_feeler: Instant,
    next_rotation: Instant,
    /// Round-robin start of `poll_transmit`.
    transmit_cursor: u64,
    shutting_down: bool,
    stats: NodeStats,
}

impl Node {
    /// A node with `identity`, started at monotonic `now` and wall-clock
    /// `wall_clock`. `rng` seeds the node's generator (and through it every
    /// connection's): the same seed and inputs give the same outputs.
    ///
    /// ```
    /// use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::node::{Node, NodeConfig};
    /// use veil_core::{identity::Identity, Instant, UnixTime};
    ///
    /// let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    /// let identity = Identity::generate(&mut rng);
    /// let node = Node::new(NodeConfig::default(), identity, Instant::ZERO, UnixTime::from_secs(1_700_000_000), &mut rng).unwrap();
    /// assert_eq!(node.peers().count(), 0);
    /// ```
    pub fn new<R: RngCore + CryptoRng>(
        config: NodeConfig,
        identity: Identity,
        now: Instant,
        wall_clock: UnixTime,
        rng: &mut R,
    ) -> Result<Node, NodeConfigError> {
        config.validate()?;
        let mut seed = [0u8; 32];
        rng.fill_bytes(&mut seed);
        let mut rng = ChaCha20Rng::from_seed(seed);
        let mut connection = config.connection.clone();
        connection.check_self_connection = true;
        if config.dandelion.is_some() {
            connection.local.features |= features::DANDELION;
        }
        let addrbook =
            AddrBook::new(config.addrbook, &mut rng).map_err(NodeConfigError::AddrBook)?;
        let router = match &config.dandelion {
            Some(dandelion) => Some(
                Router::new(dandelion.clone(), now, &mut rng)
                    .map_err(NodeConfigError::Dandelion)?,
            ),
            None => None,
        };
        let first_feeler = now + config.feeler_interval;
        let first_rotation = now + config.rotation_interval;
        Ok(Node {
            bans: BanList::new(config.bans),
            txs: TxStore::new(config.max_known_txs, config.max_embargoed_bytes),
            connection_config: Arc::new(connection),
            local_id: identity.peer_id(),
            identity,
            rng,
            clock_base: (now, wall_clock),
            latest: now,
            peers: BTreeMap::new(),
            next_conn: 1,
            by_peer_id: BTreeMap::new(),
            addrbook,
            router,
            bootstrap: Vec::new(),
            redials: BTreeMap::new(),
            known_addrs: BTreeMap::new(),
            actions: VecDeque::new(),
            events: VecDeque::new(),
            next_fill: now,
            next_feeler: first_feeler,
            next_rotation: first_rotation,
            transmit_cursor: 0,
            shutting_down: false,
            stats: NodeStats::default(),
            config,
        })
    }

    /// Replaces the address book (one loaded from the data directory).
    ///
    /// ```
    /// # use rand_chacha::rand_core::SeedableRng;
    /// # use veil_core::node::{Node, NodeConfig};
    /// # use veil_core::{identity::Identity, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    /// # let mut node = Node::new(NodeConfig::default(), Identity::generate(&mut rng), Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// let saved = node.address_book().to_bytes();
    /// let book = veil_core::addrbook::AddrBook::from_bytes(&saved, Default::default()).unwrap();
    /// node.set_address_book(book);
    /// ```
    pub fn set_address_book(&mut self, book: AddrBook) {
        self.addrbook = book;
    }

    /// Replaces the ban list (one loaded from the data directory).
    ///
    /// ```
    /// # use rand_chacha::rand_core::SeedableRng;
    /// # use veil_core::node::{Node, NodeConfig};
    /// # use veil_core::{identity::Identity, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    /// # let mut node = Node::new(NodeConfig::default(), Identity::generate(&mut rng), Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// node.set_ban_list(veil_core::peering::BanList::new(Default::default()));
    /// assert!(node.ban_list().is_empty());
    /// ```
    pub fn set_ban_list(&mut self, bans: BanList) {
        self.bans = bans;
    }

    /// Corrects the wall clock: at monotonic `now` it reads `wall_clock`.
    ///
    /// ```
    /// # use rand_chacha::rand_core::SeedableRng;
    /// # use veil_core::node::{Node, NodeConfig};
    /// # use veil_core::{identity::Identity, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    /// # let mut node = Node::new(NodeConfig::default(), Identity::generate(&mut rng), Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// node.set_wall_clock(Instant::from_millis(5_000), UnixTime::from_secs(1_700_000_000));
    /// assert_eq!(node.wall_clock(Instant::from_millis(7_000)).as_secs(), 1_700_000_002);
    /// ```
    pub fn set_wall_clock(&mut self, now: Instant, wall_clock: UnixTime) {
        let now = self.advance(now);
        self.clock_base = (now, wall_clock);
    }

    /// The wall-clock time at monotonic `now`.
    ///
    /// ```
    /// # use rand_chacha::rand_core::SeedableRng;
    /// # use veil_core::node::{Node, NodeConfig};
    /// # use veil_core::{identity::Identity, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    /// let node = Node::new(NodeConfig::default(), Identity::generate(&mut rng), Instant::ZERO, UnixTime::from_secs(100), &mut rng).unwrap();
    /// assert_eq!(node.wall_clock(Instant::from_millis(60_000)).as_secs(), 160);
    /// ```
    #[must_use]
    pub fn wall_clock(&self, now: Instant) -> UnixTime {
        let (base, wall) = self.clock_base;
        let elapsed = now.saturating_duration_since(base).as_secs();
        UnixTime::from_secs(wall.as_secs().saturating_add(elapsed))
    }

    /// `now`, or the latest instant seen if `now` is earlier.
    fn advance(&mut self, now: Instant) -> Instant {
        if now > self.latest {
            self.latest = now;
        }
        self.latest
    }

    fn allocate_id(&mut self) -> ConnId {
        let id = ConnId::from_raw(self.next_conn);
        self.next_conn += 1;
        id
    }
}
