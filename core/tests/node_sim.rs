//! Scenario tests of the node on the multi-node simulator.

use core::net::Ipv4Addr;

use veil_core::node::NodeConfig;
use veil_core::testing::sim::{SimConfig, Simulator};
use veil_core::Duration;

#[test]
fn small_network_connects_through_a_bootstrap_node() {
    let mut sim = Simulator::new(SimConfig::default(), 7);
    let seed = sim.add_node(NodeConfig::default(), Ipv4Addr::new(20, 0, 0, 1));
    for i in 1..4u8 {
        let node = sim.add_node(NodeConfig::default(), Ipv4Addr::new(20, i, 0, 1));
        sim.add_bootstrap(node, seed);
    }
    sim.run_for(Duration::from_secs(30));
    for event in sim.take_events().iter().take(60) {
        println!("{} n{} {:?}", event.at, event.node, event.event);
    }
    println!("{:?}", sim.stats());
    assert_eq!(sim.connected_peers(seed).len(), 3);
}

#[test]
fn debug_traffic() {
    let mut sim = Simulator::new(SimConfig::default(), 7);
    let a = sim.add_node(NodeConfig::default(), Ipv4Addr::new(20, 0, 0, 1));
    let b = sim.add_node(NodeConfig::default(), Ipv4Addr::new(20, 1, 0, 1));
    sim.add_bootstrap(b, a);
    sim.run_for(Duration::from_secs(5));
    println!("{:?}", sim.stats());
    for p in sim.node(a).unwrap().peers() {
        println!("{:?}", p);
    }
    println!("{:?}", sim.node(a).unwrap().poll_timeout());
    println!("{:?}", sim.node(b).unwrap().poll_timeout());
}
