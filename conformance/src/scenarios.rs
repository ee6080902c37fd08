//! The scenarios, each written once and run for every pair of shells:
//! `a` and `b` name the shells of the two nodes.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use bytes::Bytes;
use rand_core::{OsRng, RngCore};
use veil_carrier::{Carrier, Target};
use veil_core::connection::{CloseReason, TimeoutReason};
use veil_core::message::Message;
use veil_core::node::{
    ConnId, ConnectionKind, DialError, DialFailure, Disconnection, NodeEvent, PeerAddr, ProxyMode,
    Via,
};
use veil_core::Consequence;

use crate::probe::probe;
use crate::proxy::Microsocks;
use crate::raw_peer::RawPeer;
use crate::shells::{NodeSpec, ShellKind, TestNode};

/// How long any awaited event may take.
const LIMIT: Duration = Duration::from_secs(10);

/// `dialer` connects to `listener` (on the listener's carrier) and both
/// see the handshake complete.
/// Returns the connection's id on each side.
pub fn connect(
    listener: &mut TestNode,
    dialer: &mut TestNode,
    kind: ConnectionKind,
) -> (ConnId, ConnId) {
    let target = Target {
        carrier: listener.carrier,
        addr: PeerAddr::from(listener.listen_addr.expect("a listener")),
    };
    let dialer_conn = dialer.connect_target(target, Some(listener.peer_id), kind);
    let dialer_id = dialer.peer_id;
    let listener_conn = listener.wait_for(LIMIT, |e| match e {
        NodeEvent::Connected { conn, info, .. } if info.peer_id == Some(dialer_id) => Some(conn),
        _ => None,
    });
    dialer.wait_for(LIMIT, |e| {
        matches!(e, NodeEvent::Connected { conn, .. } if conn == dialer_conn).then_some(())
    });
    (listener_conn, dialer_conn)
}

/// The next message `node` receives.
fn next_message(node: &mut TestNode) -> Message {
    node.wait_for(LIMIT, |e| match e {
        NodeEvent::Message { message, .. } => Some(message),
        _ => None,
    })
}

/// Handshake, a small message one way, 2 MB the other (many would-block
/// writes), and a graceful shutdown the other side sees as a close.
pub fn handshake_and_exchange(a: ShellKind, b: ShellKind) {
    let mut node_a = TestNode::start(a, NodeSpec::quiet());
    let mut node_b = TestNode::start(b, NodeSpec::quiet());
    let (a_conn, b_conn) = connect(&mut node_a, &mut node_b, ConnectionKind::Manual);

    let hello = Bytes::from_static(b"hello from b");
    let sent = hello.clone();
    node_b
        .call(move |node, now| node.send(now, b_conn, Message::Tx(sent)))
        .expect("queued");
    assert_eq!(next_message(&mut node_a), Message::Tx(hello), "{b} -> {a}");

    send_block(&node_a, a_conn, &mut node_b, 2_000_000, "tcp");
    stop_seen_as_disconnect(node_a, node_b, a_conn, "tcp");
}

/// Stops `b`; `a` must see it on `a_conn` as the peer's disconnect (the
/// close went through the carrier).
fn stop_seen_as_disconnect(mut node_a: TestNode, node_b: TestNode, a_conn: ConnId, carrier: &str) {
    let (a, b) = (node_a.kind, node_b.kind);
    node_b.stop();
    let reason = node_a.wait_for(LIMIT, |e| match e {
        NodeEvent::Disconnected { conn, reason, .. } if conn == a_conn => Some(reason),
        _ => None,
    });
    assert!(
        matches!(reason, Disconnection::Closed(CloseReason::Remote(_))),
        "{carrier}: {a} sees {b}'s shutdown as the peer's disconnect: {reason:?}"
    );
    node_a.stop();
}

/// Node `a` pings every 200 ms: `b` answers (its shell reads, writes and
/// keeps time), RTTs are measured on both sides and the connection stays;
/// a peer that stops answering is closed for its missing pong, and a
/// socket that never starts a handshake for the handshake timeout.
pub fn pings_and_timeouts(a: ShellKind, b: ShellKind) {
    let mut spec = NodeSpec::quiet();
    spec.config.connection.ping_interval = veil_core::Duration::from_millis(200);
    spec.config.connection.pong_timeout = veil_core::Duration::from_millis(600);
    spec.config.connection.handshake_timeout = veil_core::Duration::from_millis(800);
    let mut node_a = TestNode::start(a, spec);
    let mut b_spec = NodeSpec::quiet();
    b_spec.config.connection.ping_interval = veil_core::Duration::from_millis(200);
    let mut node_b = TestNode::start(b, b_spec);
    let (a_conn, b_conn) = connect(&mut node_a, &mut node_b, ConnectionKind::Manual);

    std::thread::sleep(Duration::from_millis(1_200));
    for (node, conn) in [(&node_a, a_conn), (&node_b, b_conn)] {
        let peer = node
            .call(move |node, _| node.peer(conn))
            .unwrap_or_else(|| panic!("{}: the pinged connection is still up", node.kind));
        assert!(
            peer.health.rtt_min.is_some(),
            "{}: a pong measured the RTT",
            node.kind
        );
    }

    // A real handshake, then silence: no pong for the next ping.
    let listen = node_a.listen_addr.expect("a listener");
    let silent = RawPeer::handshake(listen, node_a.peer_id);
    let reason = node_a.wait_for(LIMIT, |e| match e {
        NodeEvent::Disconnected {
            reason: Disconnection::Closed(reason),
            was_connected: true,
            ..
        } => Some(reason),
        _ => None,
    });
    assert_eq!(reason, CloseReason::TimedOut(TimeoutReason::Pong), "{a}");
    drop(silent);

    // A socket that never says anything.
    let mute = TcpStream::connect(listen).expect("connect");
    let reason = node_a.wait_for(LIMIT, |e| match e {
        NodeEvent::Disconnected {
            reason: Disconnection::Closed(reason),
            was_connected: false,
            ..
        } => Some(reason),
        _ => None,
    });
    assert_eq!(
        reason,
        CloseReason::TimedOut(TimeoutReason::Handshake),
        "{a}"
    );
    assert!(closed_soon(mute), "{a} closed the mute socket");
    node_b.stop();
    node_a.stop();
}

/// `b` keeps a persistent connection to `a`; `a` stops and starts again
/// on the same address with the same identity; `b` redials and connects.
pub fn reconnect_after_restart(a: ShellKind, b: ShellKind) {
    let identity = veil_core::identity::Identity::generate(&mut OsRng);
    let mut spec = NodeSpec::quiet();
    spec.identity = Some(identity.clone());
    let mut node_a = TestNode::start(a, spec.clone());
    let mut b_spec = NodeSpec::quiet();
    b_spec.config.reconnect.base = veil_core::Duration::from_millis(100);
    b_spec.config.reconnect.max = veil_core::Duration::from_millis(400);
    let mut node_b = TestNode::start(b, b_spec);
    connect(&mut node_a, &mut node_b, ConnectionKind::Persistent);

    let listen = node_a.listen_addr;
    node_a.stop();
    node_b.wait_for(LIMIT, |e| {
        matches!(e, NodeEvent::Disconnected { .. }).then_some(())
    });
    spec.listen = listen;
    let mut node_a = TestNode::start(a, spec);
    let b_id = node_b.peer_id;
    node_a.wait_for(LIMIT, |e| match e {
        NodeEvent::Connected { info, .. } if info.peer_id == Some(b_id) => Some(()),
        _ => None,
    });
    let a_id = node_a.peer_id;
    node_b.wait_for(LIMIT, |e| match e {
        NodeEvent::Connected { kind, info, .. } if info.peer_id == Some(a_id) => {
            assert_eq!(
                kind,
                ConnectionKind::Persistent,
                "{b} redialled the persistent peer"
            );
            Some(())
        }
        _ => None,
    });
    node_b.stop();
    node_a.stop();
}

/// Bytes that are not veil: garbage before any handshake closes the
/// socket with `GarbageTerminatorMissing`; a packet tampered with after a
/// real handshake closes it with a decryption failure. Neither punishes
/// the peer (nothing proves who altered the bytes).
pub fn malformed_bytes(a: ShellKind) {
    let mut node_a = TestNode::start(a, NodeSpec::quiet());
    let listen = node_a.listen_addr.expect("a listener");

    let mut garbage = vec![0u8; 32 + 4095 + 16];
    OsRng.fill_bytes(&mut garbage);
    let mut stream = TcpStream::connect(listen).expect("connect");
    stream.write_all(&garbage).expect("write");
    let reason = node_a.wait_for(LIMIT, |e| match e {
        NodeEvent::Disconnected {
            reason: Disconnection::Closed(reason),
            ..
        } => Some(reason),
        _ => None,
    });
    assert_eq!(reason, CloseReason::GarbageTerminatorMissing, "{a}");
    assert_eq!(reason.consequence(), Consequence::Close);
    assert!(closed_soon(stream), "{a} closed the garbage sender");

    let mut raw = RawPeer::handshake(listen, node_a.peer_id);
    raw.send_tampered(Message::Tx(Bytes::from_static(b"flipped on the path")));
    let (reason, offender) = node_a.wait_for(LIMIT, |e| match e {
        NodeEvent::Disconnected {
            reason: Disconnection::Closed(reason),
            peer_id,
            was_connected: true,
            ..
        } => Some((reason, peer_id)),
        _ => None,
    });
    assert!(
        matches!(reason, CloseReason::Decrypt(_)),
        "{a}: a tampered packet fails authentication: {reason:?}"
    );
    // Anyone on the path can flip a bit: close, punish nobody.
    assert_eq!(reason.consequence(), Consequence::Close);
    let offender = offender.expect("the peer proved its id");
    let recorded = node_a.call(move |node, _| node.ban_list().peer_record(&offender));
    assert_eq!(recorded, None, "{a} punished nobody");
    assert!(raw.closed_by_peer(LIMIT), "{a} closed the socket");
    node_a.stop();
}

/// True when the other side ends the stream (or resets it) in time.
fn closed_soon(mut stream: TcpStream) -> bool {
    stream
        .set_read_timeout(Some(Duration::from_millis(100)))
        .expect("timeout");
    let deadline = std::time::Instant::now() + LIMIT;
    let mut buf = [0u8; 4096];
    while std::time::Instant::now() < deadline {
        match stream.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => return true,
        }
    }
    false
}

/// `b` reaches `a` through a real SOCKS5 proxy: the node speaks SOCKS5 in
/// its own byte stream, the shell only dials the proxy.
pub fn through_socks5(a: ShellKind, b: ShellKind, proxy: &Microsocks) {
    let mut node_a = TestNode::start(a, NodeSpec::quiet());
    let mut spec = NodeSpec::quiet();
    spec.config.proxy = ProxyMode::All;
    // microsocks takes no credentials: no per-stream isolation here.
    spec.config.isolate_streams = false;
    spec.socks5_proxy = Some(proxy.addr);
    spec.listen = None;
    let mut node_b = TestNode::start(b, spec);
    let (_, b_conn) = connect(&mut node_a, &mut node_b, ConnectionKind::Manual);
    let via = node_b.call(move |node, _| node.peer(b_conn).map(|p| p.via));
    assert_eq!(via, Some(Via::Socks5), "{b} dialled {a} through the proxy");
    node_b.stop();
    node_a.stop();
}

/// Dials that cannot open fail with the node's typed reason: a closed
/// port is `Refused`; a proxied dial in a shell given no proxy is
/// `NoProxy`.
pub fn dial_failures_are_typed(a: ShellKind) {
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port");
    for (proxy, expected) in [
        (ProxyMode::Off, DialError::Refused),
        (ProxyMode::All, DialError::NoProxy),
    ] {
        let mut spec = NodeSpec::quiet();
        spec.config.proxy = proxy;
        let mut node = TestNode::start(a, spec);
        let target = PeerAddr::from(closed_port);
        node.call(move |node, now| node.connect(now, target, None, ConnectionKind::Manual))
            .expect("the dial starts");
        let failure = node.wait_for(LIMIT, |e| match e {
            NodeEvent::DialFailed { failure, .. } => Some(failure),
            _ => None,
        });
        assert_eq!(failure, DialFailure::Dial(expected), "{a}");
        node.stop();
    }
}

/// The session inside each carrier that wraps the socket: TLS 1.3,
/// WebSocket, WebSocket over TLS. `b` dials `a`'s listener of that
/// carrier; 300 KB cross each way (more than one WebSocket message), and
/// a graceful shutdown reaches the other side through the carrier.
pub fn carriers(a: ShellKind, b: ShellKind) {
    for carrier in [Carrier::Tls, Carrier::WebSocket, Carrier::WebSocketTls] {
        let mut spec = NodeSpec::quiet();
        spec.carrier = carrier;
        let mut node_a = TestNode::start(a, spec);
        // A plain client completes the carrier's own handshake first.
        let (alpn, upgraded) = probe(carrier, node_a.listen_addr.expect("a listener"));
        let tls = matches!(carrier, Carrier::Tls | Carrier::WebSocketTls);
        let ws = matches!(carrier, Carrier::WebSocket | Carrier::WebSocketTls);
        assert_eq!(
            alpn.as_deref(),
            tls.then_some(&b"h2"[..]),
            "{a} {carrier}: TLS with ALPN h2"
        );
        assert_eq!(upgraded, ws, "{a} {carrier}: the WebSocket upgrade");
        let mut node_b = TestNode::start(b, NodeSpec::quiet());
        let (a_conn, b_conn) = connect(&mut node_a, &mut node_b, ConnectionKind::Manual);
        let label = carrier.to_string();
        send_block(&node_a, a_conn, &mut node_b, 300_000, &label);
        send_block(&node_b, b_conn, &mut node_a, 300_000, &label);
        stop_seen_as_disconnect(node_a, node_b, a_conn, &label);
    }
}

/// `len` random bytes in a block from `from` on `conn`, checked as `to`
/// receives them.
fn send_block(from: &TestNode, conn: ConnId, to: &mut TestNode, len: usize, carrier: &str) {
    let mut block = vec![0u8; len];
    OsRng.fill_bytes(&mut block);
    let block = Bytes::from(block);
    let sent = block.clone();
    from.call(move |node, now| node.send(now, conn, Message::Block(sent)))
        .expect("queued");
    assert_eq!(
        next_message(to),
        Message::Block(block),
        "{carrier}: {} -> {}",
        from.kind,
        to.kind
    );
}
