//! The SOCKS5 path on mio: a node reaches another through a real SOCKS5
//! proxy (microsocks, installed by `.ci/run`); the node speaks SOCKS5 in
//! its own byte stream, the shell only dials the proxy.

use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rand_core::OsRng;
use veil_core::identity::Identity;
use veil_core::node::{ConnectionKind, Node, NodeConfig, NodeEvent, PeerAddr, ProxyMode, Via};
use veil_mio::{Clock, MioConfig, MioNode};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn a_mio_node_connects_through_microsocks() {
    let program = ["/usr/bin/microsocks", "/usr/local/bin/microsocks"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .expect("microsocks is not installed: apt-get install microsocks (as .ci/run does)");
    let port = free_port();
    let mut proxy = Command::new(program)
        .args(["-i", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "microsocks did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }

    let node = |config: NodeConfig, mio: MioConfig| {
        let clock = Clock::start();
        let node = Node::new(
            config,
            Identity::generate(&mut OsRng),
            clock.now(),
            clock.wall(),
            &mut OsRng,
        )
        .unwrap();
        MioNode::spawn(node, clock, mio).unwrap()
    };
    let quiet = NodeConfig {
        max_outbound_connections: 0,
        min_connections: 0,
        ..NodeConfig::default()
    };
    let a = node(
        quiet.clone(),
        MioConfig {
            listen: vec!["127.0.0.1:0".parse().unwrap()],
            ..MioConfig::default()
        },
    );
    // microsocks takes no credentials: no per-stream isolation here.
    let b = node(
        NodeConfig {
            proxy: ProxyMode::All,
            isolate_streams: false,
            ..quiet
        },
        MioConfig {
            socks5_proxy: Some(format!("127.0.0.1:{port}").parse().unwrap()),
            ..MioConfig::default()
        },
    );
    let a_id = a.handle.call(|node, _| node.peer_id()).unwrap();
    let target = PeerAddr::from(a.local_addrs[0]);
    let conn = b
        .handle
        .call(move |node, now| node.connect(now, target, Some(a_id), ConnectionKind::Manual))
        .unwrap()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match b.events.recv_timeout(left).expect("connected within 10 s") {
            NodeEvent::Connected { conn: c, .. } if c == conn => break,
            NodeEvent::DialFailed { failure, .. } => panic!("dial failed: {failure}"),
            _ => {}
        }
    }
    let via = b
        .handle
        .call(move |node, _| node.peer(conn).map(|p| p.via))
        .unwrap();
    assert_eq!(via, Some(Via::Socks5));
    b.handle.shutdown();
    a.handle.shutdown();
    b.join();
    a.join();
    let _ = proxy.kill();
    let _ = proxy.wait();
}
