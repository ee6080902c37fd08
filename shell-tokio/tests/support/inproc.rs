//! Nodes driven in-process by the tokio driver, for tests.

use std::net::SocketAddr;
use std::time::Duration;

use rand_core::OsRng;
use tokio::net::TcpListener;
use tokio::sync::mpsc::UnboundedReceiver;
use veil_core::identity::Identity;
use veil_core::node::{Node, NodeConfig, NodeEvent, ProxyMode, Reached};
use veil_tokio::carrier::Carrier;
use veil_tokio::clock::Clock;
use veil_tokio::driver::{spawn, DriverConfig, Listener, Running};

/// A node that dials nobody by itself.
pub fn quiet() -> NodeConfig {
    NodeConfig {
        max_outbound_connections: 0,
        min_connections: 0,
        ..NodeConfig::default()
    }
}

/// Starts a quiet node with one loopback listener per carrier, and every
/// dial through `proxy` if given.
pub async fn start_node(carriers: &[Carrier], proxy: Option<SocketAddr>) -> Running {
    start_with(quiet(), carriers, proxy).await
}

/// [`start_node`] with a configuration of the caller's.
pub async fn start_with(
    mut config: NodeConfig,
    carriers: &[Carrier],
    proxy: Option<SocketAddr>,
) -> Running {
    let clock = Clock::start();
    if proxy.is_some() {
        config.proxy = ProxyMode::All;
    }
    let node = Node::new(
        config,
        Identity::generate(&mut OsRng),
        clock.now(),
        clock.wall(),
        &mut OsRng,
    )
    .unwrap();
    let mut driver = DriverConfig {
        socks5_proxy: proxy,
        ..DriverConfig::default()
    };
    for &carrier in carriers {
        let tcp = TcpListener::bind("127.0.0.1:0").await.unwrap();
        driver.listeners.push(Listener {
            tcp,
            carrier,
            reached: Reached::Direct,
        });
    }
    spawn(node, clock, driver)
}

/// The next event matching `pick`, within `limit`.
pub async fn wait_for<T>(
    events: &mut UnboundedReceiver<NodeEvent>,
    limit: Duration,
    mut pick: impl FnMut(NodeEvent) -> Option<T>,
) -> T {
    let found = tokio::time::timeout(limit, async {
        loop {
            let event = events.recv().await.expect("the node is running");
            if let Some(found) = pick(event) {
                return found;
            }
        }
    })
    .await;
    found.unwrap_or_else(|_| panic!("the event did not come within {limit:?}"))
}
