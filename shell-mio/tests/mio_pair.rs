//! Two nodes, each on its own mio thread, over loopback TCP: handshake,
//! messages both ways, graceful shutdown reaching the peer, and a refused
//! dial reported with the node's reason.

use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use bytes::Bytes;
use rand_core::OsRng;
use veil_core::identity::Identity;
use veil_core::message::Message;
use veil_core::node::{
    ConnectionKind, DialError, DialFailure, Disconnection, Node, NodeConfig, NodeEvent, PeerAddr,
};
use veil_mio::{Carrier, Clock, MioConfig, MioNode, Running};

fn start(listen: bool) -> Running {
    let clock = Clock::start();
    let config = NodeConfig {
        max_outbound_connections: 0,
        min_connections: 0,
        ..NodeConfig::default()
    };
    let node = Node::new(
        config,
        Identity::generate(&mut OsRng),
        clock.now(),
        clock.wall(),
        &mut OsRng,
    )
    .unwrap();
    let mut mio = MioConfig::default();
    if listen {
        mio.listen
            .push(("127.0.0.1:0".parse().unwrap(), Carrier::Tcp));
    }
    MioNode::spawn(node, clock, mio).unwrap()
}

fn wait_for<T>(events: &Receiver<NodeEvent>, mut pick: impl FnMut(NodeEvent) -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let event = events
            .recv_timeout(left)
            .expect("the event came within 10 s");
        if let Some(found) = pick(event) {
            return found;
        }
    }
}

#[test]
fn two_mio_nodes_handshake_exchange_and_part() {
    let a = start(true);
    let b = start(false);
    let a_addr = PeerAddr::from(a.local_addrs[0].0);
    let a_id = a.handle.call(|node, _| node.peer_id()).unwrap();
    let b_conn = b
        .handle
        .call(move |node, now| node.connect(now, a_addr, Some(a_id), ConnectionKind::Manual))
        .unwrap()
        .unwrap();
    let a_conn = wait_for(&a.events, |e| match e {
        NodeEvent::Connected { conn, .. } => Some(conn),
        _ => None,
    });
    wait_for(&b.events, |e| {
        matches!(e, NodeEvent::Connected { conn, .. } if conn == b_conn).then_some(())
    });
    b.handle
        .call(move |node, now| node.send(now, b_conn, Message::Tx(Bytes::from_static(b"hi A"))))
        .unwrap()
        .unwrap();
    let got = wait_for(&a.events, |e| match e {
        NodeEvent::Message {
            message: Message::Tx(tx),
            ..
        } => Some(tx),
        _ => None,
    });
    assert_eq!(&got[..], b"hi A");
    // A large answer crosses many would-block writes.
    let big = Bytes::from(vec![7u8; 2_000_000]);
    let sent = big.clone();
    a.handle
        .call(move |node, now| node.send(now, a_conn, Message::Block(sent)))
        .unwrap()
        .unwrap();
    let got = wait_for(&b.events, |e| match e {
        NodeEvent::Message {
            message: Message::Block(block),
            ..
        } => Some(block),
        _ => None,
    });
    assert_eq!(got, big);

    b.handle.shutdown();
    let reason = wait_for(&a.events, |e| match e {
        NodeEvent::Disconnected { reason, .. } => Some(reason),
        _ => None,
    });
    assert!(matches!(reason, Disconnection::Closed(_)), "{reason:?}");
    b.join();
    a.handle.shutdown();
    a.join();
}

#[test]
fn a_refused_dial_and_a_missing_proxy_are_typed() {
    let b = start(false);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let target: PeerAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let first = target.clone();
    b.handle
        .call(move |node, now| node.connect(now, first, None, ConnectionKind::Manual))
        .unwrap()
        .unwrap();
    let failure = wait_for(&b.events, |e| match e {
        NodeEvent::DialFailed { failure, .. } => Some(failure),
        _ => None,
    });
    assert_eq!(failure, DialFailure::Dial(DialError::Refused));
    b.handle.shutdown();
    b.join();

    // Every dial through a proxy the shell was not given.
    let clock = Clock::start();
    let config = NodeConfig {
        max_outbound_connections: 0,
        min_connections: 0,
        proxy: veil_core::node::ProxyMode::All,
        ..NodeConfig::default()
    };
    let node = Node::new(
        config,
        Identity::generate(&mut OsRng),
        clock.now(),
        clock.wall(),
        &mut OsRng,
    )
    .unwrap();
    let c = MioNode::spawn(node, clock, MioConfig::default()).unwrap();
    c.handle
        .call(move |node, now| node.connect(now, target, None, ConnectionKind::Manual))
        .unwrap()
        .unwrap();
    let failure = wait_for(&c.events, |e| match e {
        NodeEvent::DialFailed { failure, .. } => Some(failure),
        _ => None,
    });
    assert_eq!(failure, DialFailure::Dial(DialError::NoProxy));
    c.handle.shutdown();
    c.join();
}
