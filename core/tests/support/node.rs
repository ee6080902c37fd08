//! Helpers for the `node_*` tests: addresses, nodes with fixed seeds, and
//! dialling inside the simulator.

use core::net::Ipv4Addr;

use rand_chacha::rand_core::SeedableRng;
use veil_core::identity::Identity;
use veil_core::message::NetAddress;
use veil_core::node::{ConnId, ConnectionKind, Node, NodeConfig, NodeEvent, PeerAddr};
use veil_core::testing::sim::{SimEvent, Simulator};
use veil_core::{Instant, UnixTime};

/// `a.b.0.1:8333`: one address per /16 when `b` varies.
pub fn addr(a: u8, b: u8) -> PeerAddr {
    PeerAddr::new(NetAddress::Ipv4(Ipv4Addr::new(a, b, 0, 1)), 8333)
}

/// A node with an identity and RNG drawn from `seed`, started at zero.
pub fn node(config: NodeConfig, seed: u64) -> Node {
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
    let identity = Identity::generate(&mut rng);
    Node::new(
        config,
        identity,
        Instant::ZERO,
        UnixTime::from_secs(1_700_000_000),
        &mut rng,
    )
    .unwrap()
}

/// A node that dials nobody by itself.
pub fn quiet() -> NodeConfig {
    NodeConfig {
        max_outbound_connections: 0,
        min_connections: 0,
        ..NodeConfig::default()
    }
}

/// Has node `from` dial `to` as a connection of `kind`; its id.
pub fn dial(sim: &mut Simulator, from: usize, to: PeerAddr, kind: ConnectionKind) -> ConnId {
    sim.with_node(from, |n, now| n.connect(now, to, None, kind))
        .expect("node running")
        .expect("dial accepted")
}

/// The events of one simulated node, in order.
pub fn events_of(events: &[SimEvent], node: usize) -> Vec<&NodeEvent> {
    events
        .iter()
        .filter(|e| e.node == node)
        .map(|e| &e.event)
        .collect()
}
