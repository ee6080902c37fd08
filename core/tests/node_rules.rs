//! One test per node rule, on two or three nodes (hand-wired or simulated).

use core::net::Ipv4Addr;

use rand_chacha::rand_core::SeedableRng;
use veil_core::identity::Identity;
use veil_core::message::NetAddress;
use veil_core::node::{
    Action, ConnectError, ConnectionKind, DialFailure, Disconnection, Node, NodeConfig, NodeEvent,
    PeerAddr, PeerState, ProxyMode, Reached, Via,
};
use veil_core::testing::sim::{SimConfig, SimEvent, Simulator};
use veil_core::{Duration, Instant, UnixTime};

fn addr(a: u8, b: u8) -> PeerAddr {
    PeerAddr::new(NetAddress::Ipv4(Ipv4Addr::new(a, b, 0, 1)), 8333)
}

fn node(config: NodeConfig, seed: u64) -> Node {
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
fn quiet() -> NodeConfig {
    NodeConfig {
        max_outbound_connections: 0,
        min_connections: 0,
        ..NodeConfig::default()
    }
}

fn events_of(events: &[SimEvent], node: usize) -> Vec<&NodeEvent> {
    events
        .iter()
        .filter(|e| e.node == node)
        .map(|e| &e.event)
        .collect()
}

#[test]
fn connect_errors_name_the_rule() {
    let config = NodeConfig {
        max_manual_connections: 1,
        advertised: vec![addr(20, 0)],
        ..NodeConfig::default()
    };
    let mut n = node(config, 1);
    let now = Instant::ZERO;
    assert_eq!(
        n.connect(now, addr(20, 0), None, ConnectionKind::Manual),
        Err(ConnectError::OwnAddress)
    );
    assert_eq!(
        n.connect(now, addr(20, 1), None, ConnectionKind::Inbound),
        Err(ConnectError::NotDialable)
    );
    let first = n
        .connect(now, addr(20, 1), None, ConnectionKind::Manual)
        .unwrap();
    assert_eq!(
        n.connect(now, addr(20, 1), None, ConnectionKind::Persistent),
        Err(ConnectError::AlreadyConnected(first))
    );
    assert_eq!(
        n.connect(now, addr(20, 2), None, ConnectionKind::Manual),
        Err(ConnectError::LimitReached {
            key: "max_manual_connections"
        })
    );
    let onion = PeerAddr::new(NetAddress::TorV3([3; 32]), 9333);
    assert_eq!(
        n.connect(now, onion, None, ConnectionKind::Outbound),
        Err(ConnectError::OnionWithoutProxy)
    );
    let i2p = PeerAddr::new(NetAddress::I2p([3; 32]), 0);
    assert_eq!(
        n.connect(now, i2p, None, ConnectionKind::Outbound),
        Err(ConnectError::UnsupportedNetwork { network: 5 })
    );
    let mut plain = NodeConfig::default();
    plain.connection.outbound_transport = veil_core::connection::TransportKind::Plaintext;
    let mut p = node(plain, 2);
    let pin = Identity::generate(&mut rand_chacha::ChaCha20Rng::seed_from_u64(9)).peer_id();
    assert_eq!(
        p.connect(now, addr(20, 3), Some(pin), ConnectionKind::Manual),
        Err(ConnectError::PinNeedsEncryption)
    );
}

#[test]
fn onion_peers_go_through_socks5_and_proxy_failures_are_typed() {
    let config = NodeConfig {
        proxy: ProxyMode::OnionOnly,
        ..NodeConfig::default()
    };
    let mut n = node(config, 3);
    let now = Instant::ZERO;
    let onion = PeerAddr::new(NetAddress::TorV3([7; 32]), 9333);
    let conn = n
        .connect(now, onion.clone(), None, ConnectionKind::Manual)
        .unwrap();
    assert_eq!(
        n.poll_action(),
        Some(Action::Dial {
            conn,
            addr: onion,
            via: Via::Socks5
        })
    );
    let clear = n
        .connect(now, addr(20, 1), None, ConnectionKind::Manual)
        .unwrap();
    assert!(
        matches!(n.poll_action(), Some(Action::Dial { conn, via: Via::Direct, .. }) if conn == clear)
    );

    n.dial_opened(now, conn);
    assert_eq!(n.peer(conn).unwrap().state, PeerState::Proxying);
    // Greeting: version 5, one method (username/password, for isolation).
    let mut buf = [0u8; 1024];
    let greeting = n.poll_transmit(&mut buf).unwrap();
    assert_eq!(greeting.conn, conn);
    assert_eq!(&buf[..greeting.len], &[5, 1, 2]);
    // The proxy picks user/password, accepts it, then the CONNECT is refused
    // with "host unreachable" (4).
    n.handle_input(now, conn, &[5, 2]);
    let auth = n.poll_transmit(&mut buf).unwrap();
    assert_eq!(buf[0], 1, "RFC 1929 version");
    assert!(auth.len > 3);
    n.handle_input(now, conn, &[1, 0]);
    let request = n.poll_transmit(&mut buf).unwrap();
    assert_eq!(
        &buf[..4],
        &[5, 1, 0, 3],
        "CONNECT by domain name: the onion is never resolved here"
    );
    assert!(request.len > 62);
    n.handle_input(now, conn, &[5, 4, 0, 1, 0, 0, 0, 0, 0, 0]);
    assert_eq!(n.poll_action(), Some(Action::Close { conn }));
    let failure = std::iter::from_fn(|| n.poll_event()).find_map(|e| match e {
        NodeEvent::DialFailed {
            conn: c,
            failure,
            retry_at,
            ..
        } if c == conn => Some((failure, retry_at)),
        _ => None,
    });
    let (failure, retry_at) = failure.unwrap();
    assert!(
        matches!(failure, DialFailure::Socks5(error) if error.blame() == veil_core::socks5::Blame::Target)
    );
    assert_eq!(
        retry_at,
        Some(Instant::ZERO + Duration::from_secs(30)),
        "manual dials retry"
    );
}

#[test]
fn a_successful_tunnel_carries_the_handshake() {
    let config = NodeConfig {
        proxy: ProxyMode::All,
        isolate_streams: false,
        ..NodeConfig::default()
    };
    let mut n = node(config, 4);
    let now = Instant::ZERO;
    let conn = n
        .connect(now, addr(20, 1), None, ConnectionKind::Manual)
        .unwrap();
    assert!(matches!(
        n.poll_action(),
        Some(Action::Dial {
            via: Via::Socks5,
            ..
        })
    ));
    n.dial_opened(now, conn);
    let mut buf = [0u8; 8192];
    let greeting = n.poll_transmit(&mut buf).unwrap();
    assert_eq!(&buf[..greeting.len], &[5, 1, 0]);
    n.handle_input(now, conn, &[5, 0]);
    let request = n.poll_transmit(&mut buf).unwrap();
    assert_eq!(&buf[..request.len], &[5, 1, 0, 1, 20, 1, 0, 1, 0x20, 0x8d]);
    n.handle_input(now, conn, &[5, 0, 0, 1, 127, 0, 0, 1, 0x1f, 0x90]);
    assert_eq!(n.peer(conn).unwrap().state, PeerState::Handshaking);
    assert!(
        n.poll_transmit(&mut buf).unwrap().len >= 64,
        "Noise message 1 follows"
    );
}

#[test]
fn the_duplicate_rule_keeps_the_same_connection_on_both_sides() {
    let mut sim = Simulator::new(SimConfig::default(), 5);
    let quiet = quiet();
    let a = sim.add_node(quiet.clone(), Ipv4Addr::new(20, 0, 0, 1));
    let b = sim.add_node(quiet, Ipv4Addr::new(20, 1, 0, 1));
    let (a_addr, b_addr) = (sim.listen_addr(a), sim.listen_addr(b));
    // Both dial at once.
    sim.with_node(a, |n, now| {
        n.connect(now, b_addr, None, ConnectionKind::Manual)
            .unwrap()
    });
    sim.with_node(b, |n, now| {
        n.connect(now, a_addr, None, ConnectionKind::Manual)
            .unwrap()
    });
    sim.run_for(Duration::from_secs(10));
    let (pa, pb) = (sim.connected_peers(a), sim.connected_peers(b));
    assert_eq!((pa, pb), (vec![b], vec![a]), "exactly one connection left");
    // It is the one dialled by the side with the smaller peer id.
    let smaller = if sim.peer_id(a) < sim.peer_id(b) {
        a
    } else {
        b
    };
    let kept = sim
        .node(smaller)
        .unwrap()
        .peers()
        .find(|p| p.state == PeerState::Connected)
        .unwrap();
    assert_eq!(kept.kind, ConnectionKind::Manual);
    let events = sim.take_events();
    for side in [a, b] {
        assert!(events_of(&events, side).iter().any(|e| matches!(
            e,
            NodeEvent::Disconnected {
                reason: Disconnection::DuplicatePeer,
                ..
            } | NodeEvent::Disconnected {
                reason: Disconnection::Closed(_),
                ..
            }
        )));
    }
}

#[test]
fn dialling_itself_is_detected() {
    // The shell (a NAT, a proxy) leads a dial back to the same node.
    let mut n = node(NodeConfig::default(), 6);
    let now = Instant::ZERO;
    let out = n
        .connect(now, addr(20, 5), None, ConnectionKind::Manual)
        .unwrap();
    let inc = n.accept(now, addr(20, 6), Reached::Direct).unwrap();
    n.dial_opened(now, out);
    let mut buf = vec![0u8; 65536];
    for _ in 0..20 {
        while let Some(t) = n.poll_transmit(&mut buf) {
            let to = if t.conn == out { inc } else { out };
            n.handle_input(now, to, &buf[..t.len]);
        }
    }
    let reasons: Vec<Disconnection> = std::iter::from_fn(|| n.poll_event())
        .filter_map(|e| match e {
            NodeEvent::Disconnected { reason, .. } => Some(reason),
            _ => None,
        })
        .collect();
    assert!(
        reasons.contains(&Disconnection::SelfConnection),
        "{reasons:?}"
    );
    assert!(n.peers().all(|p| p.state != PeerState::Connected));
}

#[test]
fn feelers_close_once_the_handshake_completes() {
    let mut sim = Simulator::new(SimConfig::default(), 8);
    let quiet = quiet();
    let a = sim.add_node(quiet.clone(), Ipv4Addr::new(20, 0, 0, 1));
    let b = sim.add_node(quiet, Ipv4Addr::new(20, 1, 0, 1));
    let b_addr = sim.listen_addr(b);
    sim.with_node(a, |n, now| {
        assert!(n.add_address(now, &b_addr));
        n.connect(now, b_addr, None, ConnectionKind::Feeler)
            .unwrap()
    });
    sim.run_for(Duration::from_secs(5));
    assert!(sim.connected_peers(a).is_empty());
    let events = sim.take_events();
    let a_events = events_of(&events, a);
    assert!(a_events.iter().any(|e| matches!(
        e,
        NodeEvent::Connected {
            kind: ConnectionKind::Feeler,
            ..
        }
    )));
    assert!(a_events.iter().any(|e| matches!(
        e,
        NodeEvent::Disconnected {
            reason: Disconnection::PurposeDone,
            was_connected: true,
            ..
        }
    )));
    // The address moved to TRIED.
    assert_eq!(sim.node(a).unwrap().address_book().tried_len(), 1);
}

#[test]
fn addr_fetch_closes_after_the_answer_and_getaddr_is_answered_once_to_inbound_only() {
    let mut sim = Simulator::new(SimConfig::default(), 9);
    let quiet = quiet();
    let a = sim.add_node(quiet.clone(), Ipv4Addr::new(20, 0, 0, 1));
    let b = sim.add_node(quiet, Ipv4Addr::new(20, 1, 0, 1));
    for i in 0..20u8 {
        let _ = sim.with_node(b, |n, now| n.add_address(now, &addr(40, i)));
    }
    let b_addr = sim.listen_addr(b);
    sim.with_node(a, |n, now| {
        n.connect(now, b_addr, None, ConnectionKind::AddrFetch)
            .unwrap()
    });
    sim.run_for(Duration::from_secs(5));
    assert!(sim.connected_peers(a).is_empty(), "closed once answered");
    let learned = sim.node(a).unwrap().address_book().len();
    assert!(learned >= 4, "learned {learned} addresses");
    let events = sim.take_events();
    assert!(events_of(&events, a).iter().any(|e| matches!(
        e,
        NodeEvent::Disconnected {
            reason: Disconnection::PurposeDone,
            kind: ConnectionKind::AddrFetch,
            ..
        }
    )));
}

#[test]
fn inbound_eviction_makes_room_and_names_its_rule() {
    let mut sim = Simulator::new(SimConfig::default(), 10);
    let victim_config = NodeConfig {
        max_inbound_connections: 3,
        max_outbound_connections: 0,
        min_connections: 0,
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
        sim.with_node(p, |n, now| {
            n.connect(now, target.clone(), None, ConnectionKind::Manual)
                .unwrap()
        });
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
fn the_deadline_always_moves_on() {
    let mut sim = Simulator::new(SimConfig::default(), 12);
    let a = sim.add_node(NodeConfig::default(), Ipv4Addr::new(20, 0, 0, 1));
    for i in 1..6u8 {
        let n = sim.add_node(NodeConfig::default(), Ipv4Addr::new(20, i, 0, 1));
        sim.add_bootstrap(n, a);
    }
    for _ in 0..60 {
        sim.run_for(Duration::from_secs(1));
        for i in 0..sim.len() {
            let now = sim.now();
            sim.with_node(i, |node, now2| {
                node.handle_timeout(now2);
                while node.poll_transmit(&mut [0u8; 65536]).is_some() {}
                if let Some((deadline, why)) = node.poll_timeout() {
                    assert!(
                        deadline > now,
                        "node {i}: {why} at {deadline} not after {now}"
                    );
                }
            });
        }
    }
}
