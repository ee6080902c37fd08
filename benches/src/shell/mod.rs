//! Benches of the shells over loopback: throughput, handshake latency and
//! idle connections of the tokio shell, and throughput and handshake
//! latency of every shell side by side (`compare`), each with its
//! baseline in the same run (raw TCP with the same pattern; raw crypto
//! where it applies).

pub mod compare;
pub mod handshake;
pub mod idle;
pub mod throughput;

use std::time::Duration;

use rand_core::OsRng;
use tokio::net::TcpListener;
use tokio::sync::mpsc::UnboundedReceiver;
use veil_core::identity::Identity;
use veil_core::node::{Node, NodeConfig, NodeEvent, Reached};
use veil_tokio::carrier::Carrier;
use veil_tokio::clock::Clock;
use veil_tokio::driver::{spawn, DriverConfig, Listener, Running};

/// A node that dials nobody by itself, with room for `inbound` peers
/// from loopback (one netgroup).
///
/// ```
/// let config = veil_benches::shell::bench_config(100);
/// assert_eq!(config.max_inbound_per_netgroup, 100);
/// ```
#[must_use]
pub fn bench_config(inbound: usize) -> NodeConfig {
    NodeConfig {
        max_outbound_connections: 0,
        min_connections: 0,
        max_inbound_connections: inbound.max(1),
        max_connections: inbound.max(1) + 16,
        max_inbound_per_netgroup: inbound.max(1),
        ..NodeConfig::default()
    }
}

/// Starts a node on the current runtime, listening on loopback TCP if
/// `listen`.
///
/// ```no_run
/// # async fn demo() {
/// let running = veil_benches::shell::start(veil_benches::shell::bench_config(8), true).await;
/// # }
/// ```
pub async fn start(config: NodeConfig, listen: bool) -> Running {
    let clock = Clock::start();
    let node = Node::new(
        config,
        Identity::generate(&mut OsRng),
        clock.now(),
        clock.wall(),
        &mut OsRng,
    )
    .expect("a valid configuration");
    let mut driver = DriverConfig::default();
    if listen {
        driver.listeners.push(Listener {
            tcp: TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind loopback"),
            carrier: Carrier::Tcp,
            reached: Reached::Direct,
        });
    }
    spawn(node, clock, driver)
}

/// The next event `pick` accepts (within 60 s, else a panic: a bench
/// that hangs says nothing).
pub async fn next<T>(
    events: &mut UnboundedReceiver<NodeEvent>,
    mut pick: impl FnMut(NodeEvent) -> Option<T>,
) -> T {
    let wait = async {
        loop {
            let event = events.recv().await.expect("the node runs");
            if let Some(found) = pick(event) {
                return found;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(60), wait)
        .await
        .expect("the event came within 60 s")
}

/// The median, 90th and 99th percentiles of `samples` (sorted in place).
///
/// ```
/// use std::time::Duration;
/// let mut samples: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
/// let (p50, p90, p99) = veil_benches::shell::percentiles(&mut samples);
/// assert_eq!((p50.as_millis(), p90.as_millis(), p99.as_millis()), (51, 91, 100));
/// ```
pub fn percentiles(samples: &mut [Duration]) -> (Duration, Duration, Duration) {
    samples.sort_unstable();
    let at = |q: f64| samples[((samples.len() as f64 * q) as usize).min(samples.len() - 1)];
    (at(0.5), at(0.9), at(0.99))
}

/// This process's resident set size in bytes (Linux `/proc`).
///
/// ```
/// assert!(veil_benches::shell::rss_bytes() > 0);
/// ```
#[must_use]
pub fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}
