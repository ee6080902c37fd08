//! A mio node and a tokio node over loopback, each dialling the other:
//! the shells drive the same core and speak the same bytes.

use std::time::Duration;

use bytes::Bytes;
use rand_core::OsRng;
use tokio::net::TcpListener;
use veil_core::identity::Identity;
use veil_core::message::Message;
use veil_core::node::{ConnectionKind, Node, NodeConfig, NodeEvent, PeerAddr, Reached};
use veil_mio::{Clock, MioConfig, MioNode};
use veil_tokio::carrier::Carrier;
use veil_tokio::driver::{spawn, DriverConfig, Listener};

fn quiet() -> NodeConfig {
    NodeConfig {
        max_outbound_connections: 0,
        min_connections: 0,
        ..NodeConfig::default()
    }
}

fn new_node(clock_now: veil_core::Instant, wall: veil_core::UnixTime) -> Node {
    Node::new(
        quiet(),
        Identity::generate(&mut OsRng),
        clock_now,
        wall,
        &mut OsRng,
    )
    .unwrap()
}

/// The tokio node's next event, within 10 s.
async fn next(events: &mut tokio::sync::mpsc::UnboundedReceiver<NodeEvent>) -> NodeEvent {
    tokio::time::timeout(Duration::from_secs(10), events.recv())
        .await
        .expect("an event within 10 s")
        .expect("running")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mio_and_tokio_nodes_dial_each_other_and_exchange_messages() {
    let tokio_clock = veil_tokio::clock::Clock::start();
    let mut driver = DriverConfig::default();
    driver.listeners.push(Listener {
        tcp: TcpListener::bind("127.0.0.1:0").await.unwrap(),
        carrier: Carrier::Tcp,
        reached: Reached::Direct,
    });
    let mut t = spawn(
        new_node(tokio_clock.now(), tokio_clock.wall()),
        tokio_clock,
        driver,
    );
    let mio_clock = Clock::start();
    let config = MioConfig {
        listen: vec!["127.0.0.1:0".parse().unwrap()],
        ..MioConfig::default()
    };
    let m = MioNode::spawn(
        new_node(mio_clock.now(), mio_clock.wall()),
        mio_clock,
        config,
    )
    .unwrap();
    let t_id = t.handle.peer_id();
    let m_id = m.handle.call(|node, _| node.peer_id()).unwrap();

    // mio dials tokio.
    let t_addr = PeerAddr::from(t.local_addrs[0].0);
    let conn = m
        .handle
        .call(move |node, now| node.connect(now, t_addr, Some(t_id), ConnectionKind::Manual))
        .unwrap()
        .unwrap();
    let t_conn = loop {
        if let NodeEvent::Connected { conn, info, .. } = next(&mut t.events).await {
            assert_eq!(info.peer_id, Some(m_id));
            break conn;
        }
    };
    t.handle
        .call(move |ctx| {
            ctx.node.send(
                ctx.now,
                t_conn,
                Message::Tx(Bytes::from_static(b"from tokio")),
            )
        })
        .await
        .unwrap()
        .unwrap();
    // The mio side's events, read on this worker while the others run.
    let m_got = tokio::task::block_in_place(|| {
        let mut got = Vec::new();
        while let Ok(event) = m.events.recv_timeout(Duration::from_secs(10)) {
            let done = matches!(&event, NodeEvent::Message { .. });
            got.push(event);
            if done {
                break;
            }
        }
        got
    });
    assert!(m_got
        .iter()
        .any(|e| matches!(e, NodeEvent::Connected { conn: c, .. } if *c == conn)));
    assert!(m_got.iter().any(|e| matches!(e,
        NodeEvent::Message { message: Message::Tx(tx), .. } if &tx[..] == b"from tokio")));

    // tokio dials mio.
    let target = format!("tcp://{}", m.local_addrs[0]).parse().unwrap();
    let mut second = spawn(
        new_node(
            veil_tokio::clock::Clock::start().now(),
            veil_tokio::clock::Clock::start().wall(),
        ),
        veil_tokio::clock::Clock::start(),
        DriverConfig::default(),
    );
    second
        .handle
        .connect(target, Some(m_id), ConnectionKind::Manual)
        .await
        .unwrap()
        .unwrap();
    loop {
        if let NodeEvent::Connected { info, .. } = next(&mut second.events).await {
            assert_eq!(info.peer_id, Some(m_id));
            break;
        }
    }
    second.handle.shutdown();
    t.handle.shutdown();
    m.handle.shutdown();
    let _ = second.task.await;
    let _ = t.task.await;
    tokio::task::block_in_place(|| m.join());
}
