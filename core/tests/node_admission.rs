//! Inbound admission: eviction when full, the newcomer grace, and every
//! refusal with its reason.

use core::net::Ipv4Addr;

use veil_core::message::NetAddress;
use veil_core::node::{
    ConnectionKind, Disconnection, NodeConfig, NodeEvent, PeerAddr, Reached, Refusal,
};
use veil_core::peering::{Exemption, Protection};
use veil_core::testing::sim::{SimConfig, Simulator};
use veil_core::{Duration, Instant};

mod support;
use support::node::{addr, dial, node, quiet};

#[test]
fn inbound_eviction_makes_room_and_names_its_rule() {
    let mut sim = Simulator::new(SimConfig::default(), 10);
    let victim_config = NodeConfig {
        max_inbound_connections: 3,
        max_outbound_connections: 0,
        min_connections: 0,
        // Peers arrive 2 s apart: without this they would all be newcomers.
        inbound_grace: Duration::ZERO,
        ..NodeConfig::default()
    };
    let quiet = quiet();
    let v = sim.add_node(victim_config, Ipv4Addr::new(20, 0, 0, 1));
    let target = sim.listen_addr(v);
    // Two peers from one /16 and two from others.
    let peers = [
        sim.add_node(quiet.clone(), Ipv4Addr::new(30, 1, 0, 1)),
        sim.add_node(quiet.clone(), Ipv4Addr::new(30, 1, 0, 2)),
        sim.add_node(quiet.clone(), Ipv4Addr::new(31, 1, 0, 1)),
        sim.add_node(quiet, Ipv4Addr::new(32, 1, 0, 1)),
    ];
    for p in peers {
        dial(&mut sim, p, target.clone(), ConnectionKind::Manual);
        sim.run_for(Duration::from_secs(2));
    }
    assert_eq!(sim.connected_peers(v).len(), 3);
    let evicted: Vec<_> = sim
        .take_events()
        .into_iter()
        .filter(|e| e.node == v)
        .filter_map(|e| match e.event {
            NodeEvent::Disconnected {
                reason: Disconnection::Evicted(rule),
                peer_id,
                ..
            } => Some((rule, peer_id)),
            _ => None,
        })
        .collect();
    assert_eq!(evicted.len(), 1);
    assert!(!evicted[0].0.to_string().is_empty());
}

#[test]
fn accept_refuses_by_netgroup_cap_and_when_shutting_down() {
    let config = NodeConfig {
        max_inbound_per_netgroup: 2,
        ..NodeConfig::default()
    };
    let mut n = node(config, 11);
    let from = |i| PeerAddr::new(NetAddress::Ipv4(Ipv4Addr::new(20, 9, 0, i)), 50_000);
    let now = Instant::ZERO;
    assert!(n.accept(now, from(1), Reached::Direct).is_ok());
    assert!(n.accept(now, from(2), Reached::Direct).is_ok());
    assert_eq!(
        n.accept(now, from(3), Reached::Direct),
        Err(veil_core::node::Refusal::NetgroupFull)
    );
    // Onion inbound peers come from the local daemon: exempt from the cap.
    let local = PeerAddr::new(NetAddress::Ipv4(Ipv4Addr::LOCALHOST), 50_000);
    for _ in 0..4 {
        assert!(n.accept(now, local.clone(), Reached::Onion).is_ok());
    }
    n.shutdown(now);
    assert_eq!(
        n.accept(now, from(9), Reached::Direct),
        Err(veil_core::node::Refusal::ShuttingDown)
    );
    assert_eq!(n.stats().inbound_refused, 2);
}

#[test]
fn inbound_refusals_name_their_reason() {
    let now = Instant::ZERO;
    let from = |a, i| PeerAddr::new(NetAddress::Ipv4(Ipv4Addr::new(a, i, 0, 1)), 50_000);
    // Every long-lived slot taken by the node's own dials: total full.
    let config = NodeConfig {
        max_connections: 2,
        ..quiet()
    };
    let mut n = node(config, 26);
    n.connect(now, addr(20, 1), None, ConnectionKind::Manual)
        .unwrap();
    n.connect(now, addr(20, 2), None, ConnectionKind::Manual)
        .unwrap();
    assert_eq!(
        n.accept(now, from(30, 1), Reached::Direct),
        Err(Refusal::TotalFull)
    );
    // One inbound slot, its holder protected (its netgroup is unique): full.
    let config = NodeConfig {
        max_inbound_connections: 1,
        ..quiet()
    };
    let mut n = node(config, 27);
    let first = n.accept(now, from(30, 1), Reached::Direct).unwrap();
    assert_eq!(
        n.accept(now, from(31, 1), Reached::Direct),
        Err(Refusal::InboundFull)
    );
    assert!(n.peer(first).is_some(), "the protected peer stays");
    assert_eq!(n.stats().inbound_refused, 1);
    assert_eq!(n.stats().evictions, 0);
}

#[test]
fn newcomers_inside_the_grace_are_not_evicted_and_the_arrival_is_refused() {
    let from = |i| PeerAddr::new(NetAddress::Ipv4(Ipv4Addr::new(30, 1, 0, i)), 50_000);
    let at = |secs| Instant::ZERO + Duration::from_secs(secs);
    let config = |grace| NodeConfig {
        max_inbound_connections: 3,
        inbound_grace: grace,
        ..quiet()
    };
    // Control: without the grace, a fourth arrival one second later evicts
    // one of the three that are still handshaking.
    let mut n = node(config(Duration::ZERO), 40);
    for i in 1..=3 {
        n.accept(at(0), from(i), Reached::Direct).unwrap();
    }
    assert!(n.accept(at(1), from(4), Reached::Direct).is_ok());
    assert_eq!(n.stats().evictions, 1);

    // With the default 10 s grace the arrival is refused instead ...
    let grace = NodeConfig::default().inbound_grace;
    assert_eq!(grace, Duration::from_secs(10));
    let mut n = node(config(grace), 40);
    let first: Vec<_> = (1..=3)
        .map(|i| n.accept(at(0), from(i), Reached::Direct).unwrap())
        .collect();
    assert_eq!(
        n.accept(at(1), from(4), Reached::Direct),
        Err(Refusal::InboundFull)
    );
    assert_eq!(
        n.accept(at(9), from(5), Reached::Direct),
        Err(Refusal::InboundFull)
    );
    assert_eq!(n.stats().evictions, 0);
    assert!(first.iter().all(|&c| n.peer(c).is_some()));
    // ... until the grace has passed: then eviction makes room again.
    assert!(n.accept(at(10), from(6), Reached::Direct).is_ok());
    assert_eq!(n.stats().evictions, 1);
    let evicted = std::iter::from_fn(|| n.poll_event()).any(|e| {
        matches!(
            e,
            NodeEvent::Disconnected {
                reason: Disconnection::Evicted(_),
                ..
            }
        )
    });
    assert!(evicted, "the eviction is reported with its rule");
}

#[test]
fn the_newcomer_exemption_has_its_own_name() {
    assert_eq!(
        Protection::Exempt(Exemption::Newcomer).to_string(),
        "exempt_newcomer"
    );
}
