//! One test per node rule, on two or three nodes (hand-wired or simulated).

use core::net::Ipv4Addr;
use std::collections::BTreeSet;
use std::sync::Arc;

use rand_chacha::rand_core::SeedableRng;
use veil_core::addrbook::AddrRateConfig;
use veil_core::connection::{CloseReason, Connection};
use veil_core::identity::{Identity, PeerId};
use veil_core::message::{AddrEntry, Message, NetAddress};
use veil_core::node::{
    Action, ConnId, ConnectError, ConnectionKind, DialFailure, Disconnection, Node, NodeConfig,
    NodeEvent, NodeSendError, Offence, PeerAddr, PeerState, ProxyMode, Reached, Refusal, Via,
};
use veil_core::peering::{BackoffConfig, Punishment};
use veil_core::testing::sim::{SimConfig, Simulator};
use veil_core::{Consequence, Duration, Instant, UnixTime};

mod support;
use support::node::{addr, dial, events_of, node, quiet};

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
    dial(&mut sim, a, b_addr, ConnectionKind::Manual);
    dial(&mut sim, b, a_addr, ConnectionKind::Manual);
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
    dial(&mut sim, a, b_addr, ConnectionKind::AddrFetch);
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

/// Carries bytes both ways between two hand-wired nodes until both are
/// quiet; `links` pairs a connection of `x` with its end at `y`.
fn shuttle(x: &mut Node, y: &mut Node, links: &[(ConnId, ConnId)], now: Instant) {
    let mut buf = vec![0u8; 65536];
    for _ in 0..50 {
        let mut moved = false;
        while let Some(t) = x.poll_transmit(&mut buf) {
            moved = true;
            if let Some(&(_, to)) = links.iter().find(|(from, _)| *from == t.conn) {
                y.handle_input(now, to, &buf[..t.len]);
            }
        }
        while let Some(t) = y.poll_transmit(&mut buf) {
            moved = true;
            if let Some(&(to, _)) = links.iter().find(|(_, from)| *from == t.conn) {
                x.handle_input(now, to, &buf[..t.len]);
            }
        }
        if !moved {
            return;
        }
    }
    panic!("the nodes never went quiet");
}

/// Carries bytes both ways between a node's `conn` and a raw connection.
fn shuttle_raw(node: &mut Node, conn: ConnId, raw: &mut Connection, now: Instant) {
    let mut buf = vec![0u8; 65536];
    for _ in 0..50 {
        let mut moved = false;
        while let Some(t) = node.poll_transmit(&mut buf) {
            moved = true;
            if t.conn == conn {
                raw.handle_input(now, &buf[..t.len]);
            }
        }
        loop {
            let n = raw.poll_transmit(&mut buf);
            if n == 0 {
                break;
            }
            moved = true;
            node.handle_input(now, conn, &buf[..n]);
        }
        if !moved {
            return;
        }
    }
    panic!("never went quiet");
}

fn drain_events(node: &mut Node) -> Vec<NodeEvent> {
    std::iter::from_fn(|| node.poll_event()).collect()
}

/// A raw connection speaking the node's protocol, with its own identity.
fn raw_peer(seed: u64, outbound: bool) -> (Connection, PeerId) {
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
    let identity = Identity::generate(&mut rng);
    let config = Arc::new(NodeConfig::default().connection);
    let wall = UnixTime::from_secs(1_700_000_000);
    let connection = if outbound {
        Connection::outbound(config, &identity, None, Instant::ZERO, wall, &mut rng)
    } else {
        Connection::inbound(config, &identity, None, Instant::ZERO, wall, &mut rng)
    };
    (connection.unwrap(), identity.peer_id())
}

fn fresh_records(n: u8, wall: UnixTime) -> Vec<AddrEntry> {
    (0..n)
        .map(|i| AddrEntry {
            time: wall,
            features: 0,
            address: NetAddress::Ipv4(Ipv4Addr::new(50, i, 1, 1)),
            port: 8333,
        })
        .collect()
}

#[test]
fn a_banned_peer_id_is_closed_right_after_its_handshake_unless_dialled_manually() {
    let now = Instant::ZERO;
    let mut a = node(quiet(), 20);
    let mut b = node(quiet(), 21);
    let record = a.ban(now, b.peer_id(), Some(Duration::from_secs(600)));
    assert!(!a.ban_list().is_empty());
    assert!(record.until.as_secs() > 1_700_000_000);

    // b dials a: a learns who it is only from the handshake, then closes.
    let out = b
        .connect(now, addr(20, 0), None, ConnectionKind::Manual)
        .unwrap();
    let inc = a.accept(now, addr(20, 1), Reached::Direct).unwrap();
    b.dial_opened(now, out);
    shuttle(&mut a, &mut b, &[(inc, out)], now);
    let events = drain_events(&mut a);
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, NodeEvent::Connected { conn, .. } if *conn == inc)),
        "never reported connected"
    );
    assert!(events.iter().any(|e| matches!(
        e,
        NodeEvent::Disconnected { conn, reason: Disconnection::Banned(_), peer_id: Some(id), .. }
            if *conn == inc && *id == b.peer_id()
    )));
    assert!(a.peer(inc).is_none() || a.peer(inc).unwrap().state != PeerState::Connected);

    // a dials b manually: the operator asked for it, so the ban spares it.
    let out = a
        .connect(now, addr(20, 1), None, ConnectionKind::Manual)
        .unwrap();
    let inc = b.accept(now, addr(20, 0), Reached::Direct).unwrap();
    a.dial_opened(now, out);
    shuttle(&mut a, &mut b, &[(out, inc)], now);
    assert_eq!(a.peer(out).unwrap().state, PeerState::Connected);
    assert_eq!(a.peer(out).unwrap().peer_id, Some(b.peer_id()));
}

#[test]
fn a_protocol_violation_discourages_the_peer_but_spares_manual_peers() {
    let now = Instant::ZERO;
    let mut a = node(quiet(), 22);

    // An inbound peer sends a verack after the handshake.
    let (mut raw, raw_id) = raw_peer(23, true);
    let conn = a.accept(now, addr(30, 1), Reached::Direct).unwrap();
    shuttle_raw(&mut a, conn, &mut raw, now);
    assert_eq!(a.peer(conn).unwrap().state, PeerState::Connected);
    let netgroup = a.peer(conn).unwrap().netgroup;
    drain_events(&mut a);
    raw.queue_raw_packet_for_testing(&[2], false);
    shuttle_raw(&mut a, conn, &mut raw, now);
    let events = drain_events(&mut a);
    assert!(events.iter().any(|e| matches!(
        e,
        NodeEvent::Punished { conn: c, peer_id, punishment: Punishment::Recorded { .. }, offence: Offence::Protocol(reason), .. }
            if *c == conn && *peer_id == raw_id && reason.consequence() == Consequence::Discourage
    )), "{events:?}");
    assert!(events.iter().any(|e| matches!(
        e,
        NodeEvent::Disconnected { conn: c, reason: Disconnection::Closed(CloseReason::UnexpectedMessage { .. }), .. }
            if *c == conn
    )));
    let wall = a.wall_clock(now);
    assert!(a.ban_list().standing(&raw_id, netgroup, wall).is_some());
    assert_eq!(a.stats().punishments, 1);

    // The node dialled this one manually: the same violation closes the
    // connection but records nothing.
    let (mut raw, raw_id) = raw_peer(24, false);
    let conn = a
        .connect(now, addr(31, 1), None, ConnectionKind::Manual)
        .unwrap();
    a.dial_opened(now, conn);
    shuttle_raw(&mut a, conn, &mut raw, now);
    assert_eq!(a.peer(conn).unwrap().state, PeerState::Connected);
    let netgroup = a.peer(conn).unwrap().netgroup;
    drain_events(&mut a);
    raw.queue_raw_packet_for_testing(&[2], false);
    shuttle_raw(&mut a, conn, &mut raw, now);
    let events = drain_events(&mut a);
    assert!(
        events.iter().any(|e| matches!(
            e,
            NodeEvent::Punished { conn: c, punishment: Punishment::Spared(_), .. } if *c == conn
        )),
        "{events:?}"
    );
    assert!(a.peer(conn).is_none());
    assert_eq!(a.ban_list().standing(&raw_id, netgroup, wall), None);
    assert_eq!(a.stats().punishments, 1);
}

#[test]
fn temporary_connections_give_way_least_recently_used() {
    let config = NodeConfig {
        max_temporary_connections: 2,
        ..quiet()
    };
    let mut n = node(config, 25);
    let t = |s| Instant::ZERO + Duration::from_secs(s);
    let first = n
        .connect(t(0), addr(20, 1), None, ConnectionKind::Feeler)
        .unwrap();
    let second = n
        .connect(t(1), addr(20, 2), None, ConnectionKind::AddrFetch)
        .unwrap();
    while n.poll_action().is_some() {}
    drain_events(&mut n);
    // A third: the oldest-used gives way.
    let third = n
        .connect(t(2), addr(20, 3), None, ConnectionKind::Feeler)
        .unwrap();
    assert!(n.peer(first).is_none());
    assert!(n.peer(second).is_some() && n.peer(third).is_some());
    let actions: Vec<Action> = std::iter::from_fn(|| n.poll_action()).collect();
    assert!(actions.contains(&Action::Close { conn: first }));
    assert!(drain_events(&mut n).iter().any(|e| matches!(
        e,
        NodeEvent::Disconnected { conn, reason: Disconnection::LeastRecentlyUsed, .. } if *conn == first
    )));
    // Long-lived kinds are not temporaries and take no temporary slot.
    let manual = n
        .connect(t(3), addr(20, 4), None, ConnectionKind::Manual)
        .unwrap();
    assert!(n.peer(second).is_some() && n.peer(manual).is_some());
    // A temporary outlives its lifetime by no more than the deadline.
    let lifetime = n.config().temporary_lifetime;
    n.dial_opened(t(3), second);
    n.dial_opened(t(3), third);
    let (deadline, _) = n.poll_timeout().unwrap();
    assert!(deadline <= t(1) + lifetime);
    n.handle_timeout(t(2) + lifetime);
    assert!(n.peer(second).is_none() && n.peer(third).is_none());
    assert!(drain_events(&mut n).iter().any(|e| matches!(
        e,
        NodeEvent::Disconnected { conn, reason: Disconnection::Expired, .. } if *conn == second
    )));
}

#[test]
fn rotation_closes_the_lowest_scoring_outbound_peer() {
    let config = NodeConfig {
        max_outbound_connections: 3,
        rotation_interval: Duration::from_secs(120),
        ..NodeConfig::default()
    };
    let mut sim = Simulator::new(SimConfig::default(), 28);
    let hub = sim.add_node(config, Ipv4Addr::new(20, 0, 0, 1));
    for i in 1..=6u8 {
        let peer = sim.add_node(quiet(), Ipv4Addr::new(20, i, 0, 1));
        sim.add_bootstrap(peer, hub);
        let peer_addr = sim.listen_addr(peer);
        sim.with_node(hub, |n, now| n.add_address(now, &peer_addr));
    }
    let mut rotations = 0;
    let mut last: Vec<veil_core::node::PeerSnapshot> = Vec::new();
    for _ in 0..400 {
        sim.run_for(Duration::from_secs(1));
        for e in sim.take_events() {
            if let (
                true,
                NodeEvent::Disconnected {
                    conn,
                    reason: Disconnection::Rotation,
                    ..
                },
            ) = (e.node == hub, &e.event)
            {
                rotations += 1;
                let rotated = last.iter().find(|p| p.conn == *conn).expect("known");
                assert_eq!(rotated.kind, ConnectionKind::Outbound);
                assert!(
                    last.iter().all(|p| p.score >= rotated.score),
                    "rotated score {} among {:?}",
                    rotated.score,
                    last.iter().map(|p| p.score).collect::<Vec<_>>()
                );
            }
        }
        last = sim
            .node(hub)
            .unwrap()
            .peers()
            .filter(|p| p.kind == ConnectionKind::Outbound && p.state == PeerState::Connected)
            .collect();
    }
    assert!(rotations >= 2, "{rotations} rotations");
    // Each slot was refilled.
    assert_eq!(last.len(), 3);
}

#[test]
fn getaddr_is_answered_once_and_only_to_inbound_peers() {
    let mut sim = Simulator::new(SimConfig::default(), 29);
    let a = sim.add_node(quiet(), Ipv4Addr::new(20, 0, 0, 1));
    let b = sim.add_node(quiet(), Ipv4Addr::new(20, 1, 0, 1));
    for i in 0..60u8 {
        sim.with_node(a, |n, now| n.add_address(now, &addr(40, i)));
        sim.with_node(b, |n, now| n.add_address(now, &addr(41, i)));
    }
    let b_addr = sim.listen_addr(b);
    let out = dial(&mut sim, a, b_addr, ConnectionKind::Manual);
    sim.run_for(Duration::from_secs(5));
    // Answers (more than one record; one record is a self-announcement).
    let answers = |sim: &mut Simulator, node: usize| {
        sim.take_events()
            .into_iter()
            .filter(|e| e.node == node)
            .filter(
                |e| matches!(e.event, NodeEvent::AddressesLearned { received, .. } if received > 1),
            )
            .count()
    };
    assert_eq!(answers(&mut sim, a), 1, "b answered a's getaddr");
    // Asked again on the same connection: no second answer.
    sim.with_node(a, |n, now| n.send(now, out, Message::GetAddr).unwrap());
    sim.run_for(Duration::from_secs(5));
    assert_eq!(answers(&mut sim, a), 0, "answered once per connection");
    // b asks a, which dialled it: a does not answer an outbound peer.
    let inc = sim.node(b).unwrap().peers().next().unwrap().conn;
    sim.with_node(b, |n, now| n.send(now, inc, Message::GetAddr).unwrap());
    sim.run_for(Duration::from_secs(5));
    assert_eq!(answers(&mut sim, b), 0, "outbound peers are not answered");
    assert_eq!(sim.connected_peers(a), vec![b]);
}

#[test]
fn unsolicited_addr_floods_pass_the_token_bucket_only() {
    let rate = AddrRateConfig::default();
    let mut sim = Simulator::new(SimConfig::default(), 30);
    let a = sim.add_node(quiet(), Ipv4Addr::new(20, 0, 0, 1));
    let b = sim.add_node(quiet(), Ipv4Addr::new(20, 1, 0, 1));
    let b_addr = sim.listen_addr(b);
    let out = dial(&mut sim, a, b_addr, ConnectionKind::Manual);
    sim.run_for(Duration::from_secs(2));
    let learned = |sim: &mut Simulator| -> Vec<(usize, usize)> {
        sim.take_events()
            .into_iter()
            .filter(|e| e.node == b)
            .filter_map(|e| match e.event {
                NodeEvent::AddressesLearned {
                    received, admitted, ..
                } if received > 1 => Some((received, admitted)),
                _ => None,
            })
            .collect()
    };
    learned(&mut sim);
    let wall = sim.node(a).unwrap().wall_clock(sim.now());
    sim.with_node(a, |n, now| {
        n.send(now, out, Message::Addr(fresh_records(200, wall)))
            .unwrap()
    });
    sim.run_for(Duration::from_secs(1));
    let first = learned(&mut sim);
    assert_eq!(first.len(), 1);
    let (received, admitted) = first[0];
    assert_eq!(received, 200);
    assert!(admitted <= 2, "the bucket held about one token: {admitted}");
    // 100 s later the bucket refilled at milli_per_sec.
    sim.run_for(Duration::from_secs(100));
    let wall = sim.node(a).unwrap().wall_clock(sim.now());
    sim.with_node(a, |n, now| {
        n.send(now, out, Message::Addr(fresh_records(200, wall)))
            .unwrap()
    });
    sim.run_for(Duration::from_secs(1));
    let second = learned(&mut sim);
    let expected = (100 * rate.milli_per_sec / 1000) as usize;
    assert_eq!(second.len(), 1);
    assert!(
        second[0].1 >= expected - 1 && second[0].1 <= expected + 1,
        "{second:?}, expected about {expected}"
    );
    assert!(sim.node(b).unwrap().stats().addr_rate_limited >= 380);
}

#[test]
fn send_broadcast_and_send_any_reach_the_chosen_peers() {
    let mut sim = Simulator::new(SimConfig::default(), 31);
    let hub = sim.add_node(quiet(), Ipv4Addr::new(20, 0, 0, 1));
    let target = sim.listen_addr(hub);
    let peers: Vec<usize> = (1..=3u8)
        .map(|i| sim.add_node(quiet(), Ipv4Addr::new(20, i, 0, 1)))
        .collect();
    for &p in &peers {
        let target = target.clone();
        dial(&mut sim, p, target, ConnectionKind::Manual);
    }
    sim.run_for(Duration::from_secs(5));
    sim.take_events();
    let conn_of = |sim: &Simulator, p: usize| {
        let id = sim.peer_id(p);
        sim.node(hub).unwrap().connection_of(&id).unwrap()
    };
    let received = |sim: &mut Simulator| -> BTreeSet<(usize, Vec<u8>)> {
        sim.take_events()
            .into_iter()
            .filter_map(|e| match e.event {
                NodeEvent::Message {
                    message: Message::Block(body),
                    ..
                } => Some((e.node, body.to_vec())),
                _ => None,
            })
            .collect()
    };
    let block = |s: &str| Message::Block(bytes::Bytes::from(s.as_bytes().to_vec()));

    let c0 = conn_of(&sim, peers[0]);
    sim.with_node(hub, |n, now| n.send(now, c0, block("one")).unwrap());
    sim.run_for(Duration::from_secs(1));
    assert_eq!(
        received(&mut sim),
        BTreeSet::from([(peers[0], b"one".to_vec())])
    );

    let skip = sim.peer_id(peers[2]);
    let count = sim
        .with_node(hub, |n, now| {
            n.broadcast(now, &block("all"), |p| p.peer_id != Some(skip))
        })
        .unwrap();
    assert_eq!(count, 2);
    sim.run_for(Duration::from_secs(1));
    assert_eq!(
        received(&mut sim),
        BTreeSet::from([(peers[0], b"all".to_vec()), (peers[1], b"all".to_vec())])
    );

    let stranger = Identity::generate(&mut rand_chacha::ChaCha20Rng::seed_from_u64(99)).peer_id();
    let wanted = [stranger, sim.peer_id(peers[1])];
    let chosen = sim
        .with_node(hub, |n, now| n.send_any(now, &wanted, block("any")))
        .unwrap();
    assert_eq!(chosen, Ok(conn_of(&sim, peers[1])));
    sim.run_for(Duration::from_secs(1));
    assert_eq!(
        received(&mut sim),
        BTreeSet::from([(peers[1], b"any".to_vec())])
    );

    // The refusals.
    sim.with_node(hub, |n, now| {
        assert_eq!(
            n.send_any(now, &[stranger], block("x")),
            Err(NodeSendError::NoPeer)
        );
        assert_eq!(
            n.send_to_peer(now, &stranger, block("x")),
            Err(NodeSendError::NoPeer)
        );
        assert_eq!(
            n.send(now, ConnId::from_raw(999), block("x")),
            Err(NodeSendError::UnknownConnection)
        );
        let dialling = n
            .connect(now, addr(60, 1), None, ConnectionKind::Manual)
            .unwrap();
        assert_eq!(
            n.send(now, dialling, block("x")),
            Err(NodeSendError::NotConnected)
        );
    });
}

#[test]
fn shutdown_closes_every_connection_and_refuses_new_work() {
    let mut sim = Simulator::new(SimConfig::default(), 32);
    let hub = sim.add_node(quiet(), Ipv4Addr::new(20, 0, 0, 1));
    let target = sim.listen_addr(hub);
    let peers: Vec<usize> = (1..=3u8)
        .map(|i| sim.add_node(quiet(), Ipv4Addr::new(20, i, 0, 1)))
        .collect();
    for &p in &peers[..2] {
        let target = target.clone();
        dial(&mut sim, p, target, ConnectionKind::Manual);
    }
    let persistent = sim.listen_addr(peers[2]);
    dial(&mut sim, hub, persistent, ConnectionKind::Persistent);
    sim.run_for(Duration::from_secs(5));
    assert_eq!(sim.connected_peers(hub).len(), 3);
    sim.take_events();
    sim.with_node(hub, |n, now| n.shutdown(now));
    sim.run_for(Duration::from_secs(5));
    let events = sim.take_events();
    let shut = events_of(&events, hub)
        .into_iter()
        .filter(|e| {
            matches!(
                e,
                NodeEvent::Disconnected {
                    reason: Disconnection::Shutdown,
                    was_connected: true,
                    ..
                }
            )
        })
        .count();
    assert_eq!(shut, 3);
    assert!(sim.node(hub).unwrap().is_idle());
    for &p in &peers {
        assert!(sim.connected_peers(p).is_empty());
    }
    let dials = sim.node(hub).unwrap().stats().dials_started;
    sim.with_node(hub, |n, now| {
        assert_eq!(
            n.connect(now, addr(60, 1), None, ConnectionKind::Manual),
            Err(ConnectError::ShuttingDown)
        );
        assert_eq!(
            n.accept(now, addr(60, 2), Reached::Direct),
            Err(Refusal::ShuttingDown)
        );
        assert_eq!(n.poll_timeout(), None, "nothing left to wake for");
    });
    // The persistent peer is not redialled.
    sim.run_for(Duration::from_secs(300));
    assert_eq!(sim.node(hub).unwrap().stats().dials_started, dials);
}

#[test]
fn a_persistent_peer_reached_by_an_automatic_connection_is_still_redialled() {
    // Long backoff: the automatic dialler reaches the persistent peer's
    // address before the persistent redial is due, which then adopts that
    // connection. When it drops, the persistent entry must redial.
    let config = NodeConfig {
        reconnect: BackoffConfig {
            base: Duration::from_secs(300),
            max: Duration::from_secs(300),
            stable_after: Duration::from_secs(60),
        },
        ..NodeConfig::default()
    };
    let mut sim = Simulator::new(SimConfig::default(), 33);
    let a = sim.add_node(config, Ipv4Addr::new(20, 0, 0, 1));
    let b = sim.add_node(quiet(), Ipv4Addr::new(20, 1, 0, 1));
    let b_addr = sim.listen_addr(b);
    dial(&mut sim, a, b_addr, ConnectionKind::Persistent);
    sim.run_for(Duration::from_secs(5));
    assert_eq!(sim.connected_peers(a), vec![b]);
    sim.stop(b);
    sim.run_for(Duration::from_secs(1));
    sim.start(b);
    sim.run_for(Duration::from_secs(400));
    let kinds: Vec<ConnectionKind> = sim
        .node(a)
        .unwrap()
        .peers()
        .filter(|p| p.state == PeerState::Connected)
        .map(|p| p.kind)
        .collect();
    assert_eq!(kinds.len(), 1, "one connection to b");
    sim.take_events();
    // b leaves for good: the persistent entry keeps trying.
    sim.stop(b);
    sim.run_for(Duration::from_secs(900));
    let persistent_dials = sim
        .take_events()
        .into_iter()
        .filter(|e| e.node == a)
        .filter(|e| {
            matches!(
                e.event,
                NodeEvent::DialFailed {
                    kind: ConnectionKind::Persistent,
                    ..
                }
            )
        })
        .count();
    assert!(
        persistent_dials >= 2,
        "persistent redials after the drop: {persistent_dials} (connection was {kinds:?})"
    );
}

#[test]
fn connect_limits_name_their_key() {
    let now = Instant::ZERO;
    // quiet(): no automatic outbound slots at all.
    let mut n = node(quiet(), 34);
    assert_eq!(
        n.connect(now, addr(20, 1), None, ConnectionKind::Outbound),
        Err(ConnectError::LimitReached {
            key: "max_outbound_connections"
        })
    );
    // Temporaries do not count against long-lived slots.
    let config = NodeConfig {
        max_connections: 1,
        ..quiet()
    };
    let mut n = node(config, 35);
    n.connect(now, addr(20, 1), None, ConnectionKind::Manual)
        .unwrap();
    assert_eq!(
        n.connect(now, addr(20, 2), None, ConnectionKind::Persistent),
        Err(ConnectError::LimitReached {
            key: "max_connections"
        })
    );
    assert!(n
        .connect(now, addr(20, 3), None, ConnectionKind::Feeler)
        .is_ok());
    // A banned peer id is not dialled automatically, but the operator's
    // manual dial goes through.
    let pin = Identity::generate(&mut rand_chacha::ChaCha20Rng::seed_from_u64(36)).peer_id();
    let mut n = node(NodeConfig::default(), 37);
    n.ban(now, pin, None);
    assert!(matches!(
        n.connect(now, addr(20, 4), Some(pin), ConnectionKind::Outbound),
        Err(ConnectError::Banned(_))
    ));
    assert!(n
        .connect(now, addr(20, 4), Some(pin), ConnectionKind::Manual)
        .is_ok());
}
