//! A deterministic multi-node simulator: many [`Node`]s in one process on a
//! virtual clock, joined by simulated TCP streams with seeded latency and
//! loss, partitions, and nodes that stop and restart.
//!
//! The simulator plays every node's shell: it carries out dials and closes,
//! delivers bytes in order after a link latency, and wakes each node at its
//! deadline. Time jumps from one scheduled delivery or deadline to the next,
//! so ten virtual minutes cost only the work done in them. The same seed
//! gives the same run, byte for byte.
//!
//! Its application validates every transaction and relays it
//! ([`Node::relay_transaction`], the hash being SHA-256 of the bytes), so
//! Dandelion++ can be watched across the network.
//!
//! # Example
//!
//! ```
//! use core::net::Ipv4Addr;
//! use veil_core::node::NodeConfig;
//! use veil_core::testing::sim::{SimConfig, Simulator};
//! use veil_core::Duration;
//!
//! let mut sim = Simulator::new(SimConfig::default(), 7);
//! let seed = sim.add_node(NodeConfig::default(), Ipv4Addr::new(20, 0, 0, 1));
//! for i in 1..4u8 {
//!     let node = sim.add_node(NodeConfig::default(), Ipv4Addr::new(20, i, 0, 1));
//!     sim.add_bootstrap(node, seed);
//! }
//! sim.run_for(Duration::from_secs(30));
//! assert_eq!(sim.connected_peers(seed).len(), 3);
//! ```

mod link;
mod run;

use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use core::net::Ipv4Addr;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;

pub use link::SimConfig;

use self::link::{Delivery, Socket};
use crate::identity::{Identity, PeerId};
use crate::message::NetAddress;
use crate::node::{ConnId, Node, NodeConfig, NodeEvent, PeerAddr, PeerState};
use crate::time::{Instant, UnixTime};

/// The port every simulated node listens on.
pub const SIM_PORT: u16 = 8333;

/// One node's event, with when and where it happened.
///
/// ```
/// use veil_core::testing::sim::SimEvent;
/// fn first_node(events: &[SimEvent]) -> Option<usize> { events.first().map(|e| e.node) }
/// assert_eq!(first_node(&[]), None);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimEvent {
    /// The virtual time.
    pub at: Instant,
    /// The node's index.
    pub node: usize,
    /// The event.
    pub event: NodeEvent,
}

/// Counters of a run.
///
/// ```
/// use veil_core::testing::sim::SimStats;
/// assert_eq!(SimStats::default().deliveries, 0);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SimStats {
    /// Scheduled deliveries and deadlines processed.
    pub steps: u64,
    /// Byte segments delivered.
    pub deliveries: u64,
    /// Bytes delivered.
    pub bytes: u64,
    /// Node events produced.
    pub node_events: u64,
}

/// A simulated host: its node (none while stopped), address and sockets.
struct Host {
    node: Option<Node>,
    identity: Identity,
    config: NodeConfig,
    ip: Ipv4Addr,
    sockets: BTreeMap<ConnId, Socket>,
    next_port: u16,
    /// The deadline a wake-up is scheduled for, and its generation.
    timer: Option<(Instant, u64)>,
    /// The address book saved when the node stopped.
    saved_book: Option<Vec<u8>>,
    bootstrap: Vec<(PeerAddr, PeerId)>,
    /// Partition group: hosts in different groups cannot reach each other.
    group: u8,
    /// Incarnation: bumped at every stop, so deliveries meant for the
    /// previous run (whose connection ids the next run reuses) are dropped.
    epoch: u64,
}

/// The simulator. See the [module documentation](self).
pub struct Simulator {
    config: SimConfig,
    rng: ChaCha20Rng,
    now: Instant,
    hosts: Vec<Host>,
    listeners: BTreeMap<PeerAddr, usize>,
    queue: BTreeMap<(Instant, u64), Delivery>,
    seq: u64,
    events: Vec<SimEvent>,
    stats: SimStats,
}

impl Simulator {
    /// An empty network whose randomness all comes from `seed`.
    ///
    /// ```
    /// use veil_core::testing::sim::{SimConfig, Simulator};
    /// let sim = Simulator::new(SimConfig::default(), 1);
    /// assert_eq!(sim.len(), 0);
    /// ```
    #[must_use]
    pub fn new(config: SimConfig, seed: u64) -> Simulator {
        Simulator {
            config,
            rng: ChaCha20Rng::seed_from_u64(seed),
            now: Instant::ZERO,
            hosts: Vec::new(),
            listeners: BTreeMap::new(),
            queue: BTreeMap::new(),
            seq: 0,
            events: Vec::new(),
            stats: SimStats::default(),
        }
    }

    /// Adds a node listening on `ip`:[`SIM_PORT`], advertising that
    /// address, and starts it. Returns its index.
    ///
    /// ```
    /// use core::net::Ipv4Addr;
    /// use veil_core::node::NodeConfig;
    /// use veil_core::testing::sim::{SimConfig, Simulator};
    /// let mut sim = Simulator::new(SimConfig::default(), 1);
    /// assert_eq!(sim.add_node(NodeConfig::default(), Ipv4Addr::new(20, 0, 0, 1)), 0);
    /// ```
    pub fn add_node(&mut self, mut config: NodeConfig, ip: Ipv4Addr) -> usize {
        let listen = PeerAddr::new(NetAddress::Ipv4(ip), SIM_PORT);
        if !config.advertised.contains(&listen) {
            config.advertised.push(listen.clone());
        }
        let identity = Identity::generate(&mut self.rng);
        let index = self.hosts.len();
        self.hosts.push(Host {
            node: None,
            identity,
            config,
            ip,
            sockets: BTreeMap::new(),
            next_port: 40_000,
            timer: None,
            saved_book: None,
            bootstrap: Vec::new(),
            group: 0,
            epoch: 0,
        });
        self.listeners.insert(listen, index);
        self.start(index);
        index
    }

    /// Makes `target` a bootstrap node of `node` (its id pinned).
    ///
    /// ```
    /// use core::net::Ipv4Addr;
    /// use veil_core::node::NodeConfig;
    /// use veil_core::testing::sim::{SimConfig, Simulator};
    /// let mut sim = Simulator::new(SimConfig::default(), 1);
    /// let a = sim.add_node(NodeConfig::default(), Ipv4Addr::new(20, 0, 0, 1));
    /// let b = sim.add_node(NodeConfig::default(), Ipv4Addr::new(20, 1, 0, 1));
    /// sim.add_bootstrap(b, a);
    /// ```
    pub fn add_bootstrap(&mut self, node: usize, target: usize) {
        let addr = self.listen_addr(target);
        let id = self.hosts[target].identity.peer_id();
        self.hosts[node].bootstrap.push((addr.clone(), id));
        self.with_node(node, |n, _| {
            n.add_bootstrap(addr, id);
        });
    }

    /// Starts a stopped node again, with its identity and saved address
    /// book (a restart).
    ///
    /// ```
    /// use core::net::Ipv4Addr;
    /// use veil_core::node::NodeConfig;
    /// use veil_core::testing::sim::{SimConfig, Simulator};
    /// let mut sim = Simulator::new(SimConfig::default(), 1);
    /// let a = sim.add_node(NodeConfig::default(), Ipv4Addr::new(20, 0, 0, 1));
    /// sim.stop(a);
    /// assert!(!sim.is_running(a));
    /// sim.start(a);
    /// assert!(sim.is_running(a));
    /// ```
    pub fn start(&mut self, index: usize) {
        if self.hosts[index].node.is_some() {
            return;
        }
        let wall = self.wall_clock();
        let host = &mut self.hosts[index];
        let mut seed = [0u8; 32];
        self.rng.fill_bytes(&mut seed);
        let mut node_rng = ChaCha20Rng::from_seed(seed);
        let mut node = Node::new(
            host.config.clone(),
            host.identity.clone(),
            self.now,
            wall,
            &mut node_rng,
        )
        .unwrap_or_else(|error| panic!("simulated node {index}: {error}"));
        if let Some(saved) = host.saved_book.take() {
            if let Ok(book) = crate::addrbook::AddrBook::from_bytes(&saved, host.config.addrbook) {
                node.set_address_book(book);
            }
        }
        for (addr, id) in &host.bootstrap {
            node.add_bootstrap(addr.clone(), *id);
        }
        host.node = Some(node);
        host.timer = None;
        self.drain(index);
    }

    /// Stops a node: its address book is saved for a restart and every
    /// socket it held is reset (peers see the stream end). Whatever is
    /// still in flight to it is dropped, even if it restarts at once.
    ///
    /// ```
    /// use core::net::Ipv4Addr;
    /// use veil_core::node::NodeConfig;
    /// use veil_core::testing::sim::{SimConfig, Simulator};
    /// let mut sim = Simulator::new(SimConfig::default(), 1);
    /// let a = sim.add_node(NodeConfig::default(), Ipv4Addr::new(20, 0, 0, 1));
    /// sim.stop(a);
    /// assert!(sim.node(a).is_none());
    /// ```
    pub fn stop(&mut self, index: usize) {
        let Some(node) = self.hosts[index].node.take() else {
            return;
        };
        self.hosts[index].epoch += 1;
        self.hosts[index].saved_book = Some(node.address_book().to_bytes());
        self.hosts[index].timer = None;
        let sockets = core::mem::take(&mut self.hosts[index].sockets);
        for socket in sockets.into_values() {
            self.reset_remote(&socket);
        }
    }

    /// Whether node `index` runs.
    ///
    /// ```
    /// # use core::net::Ipv4Addr;
    /// # use veil_core::{node::NodeConfig, testing::sim::{SimConfig, Simulator}};
    /// # let mut sim = Simulator::new(SimConfig::default(), 1);
    /// let a = sim.add_node(NodeConfig::default(), Ipv4Addr::new(20, 0, 0, 1));
    /// assert!(sim.is_running(a));
    /// ```
    #[must_use]
    pub fn is_running(&self, index: usize) -> bool {
        self.hosts[index].node.is_some()
    }

    /// Node `index`, if running.
    ///
    /// ```
    /// # use core::net::Ipv4Addr;
    /// # use veil_core::{node::NodeConfig, testing::sim::{SimConfig, Simulator}};
    /// # let mut sim = Simulator::new(SimConfig::default(), 1);
    /// let a = sim.add_node(NodeConfig::default(), Ipv4Addr::new(20, 0, 0, 1));
    /// assert_eq!(sim.node(a).unwrap().peers().count(), 0);
    /// ```
    #[must_use]
    pub fn node(&self, index: usize) -> Option<&Node> {
        self.hosts[index].node.as_ref()
    }

    /// Runs `f` on node `index` (if running) at the current virtual time,
    /// then carries out what it asked for. Returns `f`'s result.
    ///
    /// ```
    /// # use core::net::Ipv4Addr;
    /// # use veil_core::{node::NodeConfig, testing::sim::{SimConfig, Simulator}};
    /// # let mut sim = Simulator::new(SimConfig::default(), 1);
    /// let a = sim.add_node(NodeConfig::default(), Ipv4Addr::new(20, 0, 0, 1));
    /// let id = sim.with_node(a, |node, _now| node.peer_id());
    /// assert!(id.is_some());
    /// ```
    pub fn with_node<T>(
        &mut self,
        index: usize,
        f: impl FnOnce(&mut Node, Instant) -> T,
    ) -> Option<T> {
        let now = self.now;
        let result = f(self.hosts[index].node.as_mut()?, now);
        self.drain(index);
        Some(result)
    }

    /// The address node `index` listens on.
    ///
    /// ```
    /// # use core::net::Ipv4Addr;
    /// # use veil_core::{node::NodeConfig, testing::sim::{SimConfig, Simulator}};
    /// # let mut sim = Simulator::new(SimConfig::default(), 1);
    /// let a = sim.add_node(NodeConfig::default(), Ipv4Addr::new(20, 0, 0, 1));
    /// assert_eq!(sim.listen_addr(a).to_string(), "20.0.0.1:8333");
    /// ```
    #[must_use]
    pub fn listen_addr(&self, index: usize) -> PeerAddr {
        PeerAddr::new(NetAddress::Ipv4(self.hosts[index].ip), SIM_PORT)
    }

    /// The peer id of node `index`.
    ///
    /// ```
    /// # use core::net::Ipv4Addr;
    /// # use veil_core::{node::NodeConfig, testing::sim::{SimConfig, Simulator}};
    /// # let mut sim = Simulator::new(SimConfig::default(), 1);
    /// let a = sim.add_node(NodeConfig::default(), Ipv4Addr::new(20, 0, 0, 1));
    /// assert_eq!(Some(sim.peer_id(a)), sim.node(a).map(|n| n.peer_id()));
    /// ```
    #[must_use]
    pub fn peer_id(&self, index: usize) -> PeerId {
        self.hosts[index].identity.peer_id()
    }

    /// The index of the node with id `peer_id`.
    ///
    /// ```
    /// # use core::net::Ipv4Addr;
    /// # use veil_core::{node::NodeConfig, testing::sim::{SimConfig, Simulator}};
    /// # let mut sim = Simulator::new(SimConfig::default(), 1);
    /// let a = sim.add_node(NodeConfig::default(), Ipv4Addr::new(20, 0, 0, 1));
    /// assert_eq!(sim.index_of(&sim.peer_id(a)), Some(a));
    /// ```
    #[must_use]
    pub fn index_of(&self, peer_id: &PeerId) -> Option<usize> {
        self.hosts
            .iter()
            .position(|h| h.identity.peer_id() == *peer_id)
    }

    /// The nodes node `index` has a completed connection with.
    ///
    /// ```
    /// # use core::net::Ipv4Addr;
    /// # use veil_core::{node::NodeConfig, testing::sim::{SimConfig, Simulator}};
    /// # let mut sim = Simulator::new(SimConfig::default(), 1);
    /// let a = sim.add_node(NodeConfig::default(), Ipv4Addr::new(20, 0, 0, 1));
    /// assert!(sim.connected_peers(a).is_empty());
    /// ```
    #[must_use]
    pub fn connected_peers(&self, index: usize) -> Vec<usize> {
        let Some(node) = self.node(index) else {
            return Vec::new();
        };
        node.peers()
            .filter(|p| p.state == PeerState::Connected)
            .filter_map(|p| p.peer_id.and_then(|id| self.index_of(&id)))
            .collect()
    }

    /// How many nodes the simulator holds.
    ///
    /// ```
    /// # use veil_core::testing::sim::{SimConfig, Simulator};
    /// assert!(Simulator::new(SimConfig::default(), 1).is_empty());
    /// ```
    #[must_use]
    pub fn len(&self) -> usize {
        self.hosts.len()
    }

    /// Whether the simulator holds no node.
    ///
    /// ```
    /// # use veil_core::testing::sim::{SimConfig, Simulator};
    /// assert!(Simulator::new(SimConfig::default(), 1).is_empty());
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.hosts.is_empty()
    }

    /// The virtual time.
    ///
    /// ```
    /// # use veil_core::testing::sim::{SimConfig, Simulator};
    /// assert_eq!(Simulator::new(SimConfig::default(), 1).now(), veil_core::Instant::ZERO);
    /// ```
    #[must_use]
    pub fn now(&self) -> Instant {
        self.now
    }

    /// The wall-clock time of the run: [`SimConfig::start_wall`] plus the
    /// virtual time.
    fn wall_clock(&self) -> UnixTime {
        UnixTime::from_secs(self.config.start_wall.as_secs() + self.now.as_millis() / 1000)
    }

    /// Takes the events recorded so far (with [`SimConfig::record_events`]).
    ///
    /// ```
    /// # use veil_core::testing::sim::{SimConfig, Simulator};
    /// let mut sim = Simulator::new(SimConfig::default(), 1);
    /// assert!(sim.take_events().is_empty());
    /// ```
    pub fn take_events(&mut self) -> Vec<SimEvent> {
        core::mem::take(&mut self.events)
    }

    /// Counters of the run so far.
    ///
    /// ```
    /// # use veil_core::testing::sim::{SimConfig, Simulator};
    /// assert_eq!(Simulator::new(SimConfig::default(), 1).stats().steps, 0);
    /// ```
    #[must_use]
    pub fn stats(&self) -> SimStats {
        self.stats
    }
}
