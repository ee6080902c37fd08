//! Two nodes, each driven by its own driver task, over loopback TCP:
//! handshake, messages both ways, a graceful shutdown that reaches the
//! peer as a disconnect, and dials that fail with the node's reason.

use std::time::Duration;

use bytes::Bytes;
use support::inproc::start_node;
use tokio::net::TcpListener;
use tokio::sync::mpsc::UnboundedReceiver;
use veil_core::message::Message;
use veil_core::node::{ConnectionKind, DialFailure, Disconnection, NodeEvent};
use veil_tokio::carrier::Carrier;
use veil_tokio::driver::Running;
use veil_tokio::target::Target;

mod support;

async fn start(listen: bool) -> Running {
    let carriers: &[Carrier] = if listen { &[Carrier::Tcp] } else { &[] };
    start_node(carriers, None).await
}

/// The next event matching `pick`, within 10 s.
async fn wait_for<T>(
    events: &mut UnboundedReceiver<NodeEvent>,
    pick: impl FnMut(NodeEvent) -> Option<T>,
) -> T {
    support::inproc::wait_for(events, Duration::from_secs(10), pick).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_drivers_handshake_exchange_and_part() {
    let mut a = start(true).await;
    let mut b = start(false).await;
    let (a_addr, _) = a.local_addrs[0];
    let target: Target = format!("tcp://{a_addr}").parse().unwrap();
    let a_id = a.handle.peer_id();
    let b_conn = b
        .handle
        .connect(target, Some(a_id), ConnectionKind::Manual)
        .await
        .unwrap()
        .unwrap();

    let a_conn = wait_for(&mut a.events, |e| match e {
        NodeEvent::Connected { conn, info, .. } => {
            assert_eq!(info.peer_id, Some(b.handle.peer_id()));
            Some(conn)
        }
        _ => None,
    })
    .await;
    wait_for(&mut b.events, |e| {
        matches!(e, NodeEvent::Connected { conn, .. } if conn == b_conn).then_some(())
    })
    .await;

    let carrier = a
        .handle
        .call(move |ctx| ctx.carrier_of(a_conn))
        .await
        .unwrap();
    assert_eq!(carrier, Some(Carrier::Tcp));

    // B to A, then a large answer from A to B (several writer chunks).
    b.handle
        .call(move |ctx| {
            ctx.node
                .send(ctx.now, b_conn, Message::Tx(Bytes::from_static(b"hello A")))
        })
        .await
        .unwrap()
        .unwrap();
    let got = wait_for(&mut a.events, |e| match e {
        NodeEvent::Message {
            message: Message::Tx(tx),
            ..
        } => Some(tx),
        _ => None,
    })
    .await;
    assert_eq!(&got[..], b"hello A");
    let big = Bytes::from(vec![0x5au8; 1_000_000]);
    let sent = big.clone();
    a.handle
        .call(move |ctx| ctx.node.send(ctx.now, a_conn, Message::Tx(sent)))
        .await
        .unwrap()
        .unwrap();
    let got = wait_for(&mut b.events, |e| match e {
        NodeEvent::Message {
            message: Message::Tx(tx),
            ..
        } => Some(tx),
        _ => None,
    })
    .await;
    assert_eq!(got, big);

    // B shuts down: A hears a disconnect, B's task ends.
    b.handle.shutdown();
    let reason = wait_for(&mut a.events, |e| match e {
        NodeEvent::Disconnected { reason, .. } => Some(reason),
        _ => None,
    })
    .await;
    assert!(
        matches!(reason, Disconnection::Closed(_)),
        "the peer's goodbye, got {reason:?}"
    );
    tokio::time::timeout(Duration::from_secs(10), b.task)
        .await
        .expect("B stops after its shutdown")
        .unwrap();
    a.handle.shutdown();
    tokio::time::timeout(Duration::from_secs(10), a.task)
        .await
        .expect("A stops")
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_dial_is_reported_with_the_nodes_reason() {
    let mut b = start(false).await;
    // A port nobody listens on: bind, note, drop.
    let port = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let target: Target = format!("127.0.0.1:{port}").parse().unwrap();
    b.handle
        .connect(target, None, ConnectionKind::Manual)
        .await
        .unwrap()
        .unwrap();
    let failure = wait_for(&mut b.events, |e| match e {
        NodeEvent::DialFailed { failure, .. } => Some(failure),
        _ => None,
    })
    .await;
    assert_eq!(
        failure,
        DialFailure::Dial(veil_core::node::DialError::Refused)
    );
    b.handle.shutdown();
    b.task.await.unwrap();
}
