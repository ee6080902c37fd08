//! One blocking interface over a node running in any of the shells, so
//! each scenario is written once.

use std::fmt;
use std::net::SocketAddr;
use std::time::{Duration, Instant as StdInstant};

use futures_lite::FutureExt;
use rand_core::OsRng;
use veil_carrier::{Carrier, Target};
use veil_core::identity::{Identity, PeerId};
use veil_core::node::{ConnId, ConnectionKind, Node, NodeConfig, NodeEvent, Reached};
use veil_core::Instant;

/// A shell, and for the async-io shell the runtime under it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShellKind {
    /// `veil-tokio`.
    Tokio,
    /// `veil-mio`.
    Mio,
    /// `veil-async-std`'s driver on async-std's executor.
    AsyncStd,
    /// `veil-async-std`'s driver on smol's executor.
    Smol,
}

impl fmt::Display for ShellKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            ShellKind::Tokio => "tokio",
            ShellKind::Mio => "mio",
            ShellKind::AsyncStd => "async-std",
            ShellKind::Smol => "smol",
        })
    }
}

/// How to start a node.
#[derive(Clone)]
pub struct NodeSpec {
    /// The node's configuration.
    pub config: NodeConfig,
    /// Its identity (a new one if `None`).
    pub identity: Option<Identity>,
    /// Where it listens (no listener if `None`; port 0 picks one).
    pub listen: Option<SocketAddr>,
    /// The SOCKS5 proxy the shell dials for the node's proxied dials.
    pub socks5_proxy: Option<SocketAddr>,
    /// The carrier its listener's peers speak.
    pub carrier: Carrier,
}

impl NodeSpec {
    /// A node that dials nobody by itself and listens on loopback.
    pub fn quiet() -> NodeSpec {
        NodeSpec {
            config: quiet_config(),
            identity: None,
            listen: Some(SocketAddr::from(([127, 0, 0, 1], 0))),
            socks5_proxy: None,
            carrier: Carrier::Tcp,
        }
    }
}

/// A configuration that dials nobody by itself.
pub fn quiet_config() -> NodeConfig {
    NodeConfig {
        max_outbound_connections: 0,
        min_connections: 0,
        ..NodeConfig::default()
    }
}

type Call = Box<dyn FnOnce(&mut Node, Instant) + Send>;

enum Running {
    Tokio {
        runtime: tokio::runtime::Runtime,
        running: veil_tokio::driver::Running,
    },
    Mio(veil_mio::Running),
    AsyncIo {
        running: veil_async_std::Running,
        task: AsyncTask,
    },
}

enum AsyncTask {
    AsyncStd(async_std::task::JoinHandle<()>),
    Smol(smol::Task<()>),
}

/// A node running in one of the shells, driven from the test's thread.
pub struct TestNode {
    /// Its shell.
    pub kind: ShellKind,
    /// Its peer id.
    pub peer_id: PeerId,
    /// Its listener's address, if it listens.
    pub listen_addr: Option<SocketAddr>,
    /// The carrier its listener's peers speak.
    pub carrier: Carrier,
    running: Option<Running>,
}

impl TestNode {
    /// Starts a node in `kind`'s shell.
    pub fn start(kind: ShellKind, spec: NodeSpec) -> TestNode {
        let clock = veil_core::StdClock::start();
        let identity = spec
            .identity
            .unwrap_or_else(|| Identity::generate(&mut OsRng));
        let peer_id = identity.peer_id();
        let node = Node::new(spec.config, identity, clock.now(), clock.wall(), &mut OsRng)
            .expect("a valid configuration");
        let listen: Vec<SocketAddr> = spec.listen.into_iter().collect();
        let socks5_proxy = spec.socks5_proxy;
        let carrier = spec.carrier;
        let (running, listen_addr) = match kind {
            ShellKind::Tokio => {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(1)
                    .enable_all()
                    .build()
                    .expect("a tokio runtime");
                let running = runtime.block_on(async {
                    let mut driver = veil_tokio::driver::DriverConfig {
                        socks5_proxy,
                        ..veil_tokio::driver::DriverConfig::default()
                    };
                    for addr in &listen {
                        driver.listeners.push(veil_tokio::driver::Listener {
                            tcp: tokio::net::TcpListener::bind(addr).await.expect("bind"),
                            carrier: spec.carrier,
                            reached: Reached::Direct,
                        });
                    }
                    veil_tokio::driver::spawn(node, clock, driver)
                });
                let addr = running.local_addrs.first().map(|(a, _)| *a);
                (Running::Tokio { runtime, running }, addr)
            }
            ShellKind::Mio => {
                let config = veil_mio::MioConfig {
                    listen: listen.iter().map(|&a| (a, spec.carrier)).collect(),
                    socks5_proxy,
                    ..veil_mio::MioConfig::default()
                };
                let running = veil_mio::MioNode::spawn(node, clock, config).expect("mio node");
                let addr = running.local_addrs.first().map(|(a, _)| *a);
                (Running::Mio(running), addr)
            }
            ShellKind::AsyncStd | ShellKind::Smol => {
                let config = veil_async_std::AsyncConfig {
                    listen: listen.iter().map(|&a| (a, spec.carrier)).collect(),
                    socks5_proxy,
                    ..veil_async_std::AsyncConfig::default()
                };
                let (running, task) = if kind == ShellKind::AsyncStd {
                    let (running, task) = veil_async_std::spawn_async_std(node, clock, config)
                        .expect("async-std node");
                    (running, AsyncTask::AsyncStd(task))
                } else {
                    let (running, task) =
                        veil_async_std::spawn_smol(node, clock, config).expect("smol node");
                    (running, AsyncTask::Smol(task))
                };
                let addr = running.local_addrs.first().map(|(a, _)| *a);
                (Running::AsyncIo { running, task }, addr)
            }
        };
        TestNode {
            kind,
            peer_id,
            listen_addr,
            carrier,
            running: Some(running),
        }
    }

    fn running(&self) -> &Running {
        self.running.as_ref().expect("the node runs until stopped")
    }

    /// Runs `f` with the node in its shell and returns its result.
    pub fn call<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Node, Instant) -> R + Send + 'static,
    ) -> R {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let call: Call = Box::new(move |node, now| {
            let _ = tx.send(f(node, now));
        });
        match self.running() {
            Running::Tokio { runtime, running } => runtime
                .block_on(running.handle.call(move |ctx| call(ctx.node, ctx.now)))
                .expect("the tokio node runs"),
            Running::Mio(running) => running.handle.call(call).expect("the mio node runs"),
            Running::AsyncIo { running, .. } => running
                .handle
                .call_blocking(call)
                .expect("the async-io node runs"),
        }
        rx.recv().expect("the call ran")
    }

    /// Dials `target` with its carrier through the shell's own connect
    /// (the carrier is the shell's business, not the node's).
    pub fn connect_target(
        &self,
        target: Target,
        peer_id: Option<PeerId>,
        kind: ConnectionKind,
    ) -> ConnId {
        let started = match self.running() {
            Running::Tokio { runtime, running } => runtime
                .block_on(running.handle.connect(target, peer_id, kind))
                .expect("the tokio node runs"),
            Running::Mio(running) => running
                .handle
                .connect(target, peer_id, kind)
                .expect("the mio node runs"),
            Running::AsyncIo { running, .. } => {
                futures_lite::future::block_on(running.handle.connect(target, peer_id, kind))
                    .expect("the async-io node runs")
            }
        };
        started.expect("the dial starts")
    }

    /// The next event, or `None` if none came within `limit`.
    pub fn next_event(&mut self, limit: Duration) -> Option<NodeEvent> {
        match self.running.as_mut().expect("running") {
            Running::Tokio { runtime, running } => runtime
                .block_on(async { tokio::time::timeout(limit, running.events.recv()).await })
                .ok()
                .flatten(),
            Running::Mio(running) => running.events.recv_timeout(limit).ok(),
            Running::AsyncIo { running, .. } => futures_lite::future::block_on(
                async { running.events.recv().await.ok() }.or(async {
                    async_io::Timer::after(limit).await;
                    None
                }),
            ),
        }
    }

    /// The first event `pick` accepts within `limit`; panics naming the
    /// shell if none does.
    pub fn wait_for<T>(
        &mut self,
        limit: Duration,
        mut pick: impl FnMut(NodeEvent) -> Option<T>,
    ) -> T {
        let deadline = StdInstant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(StdInstant::now());
            match self.next_event(left) {
                Some(event) => {
                    if let Some(found) = pick(event) {
                        return found;
                    }
                }
                None => panic!("{}: the event did not come within {limit:?}", self.kind),
            }
        }
    }

    /// Shuts the node down gracefully and waits for its shell to stop.
    pub fn stop(mut self) {
        self.stop_running();
    }

    fn stop_running(&mut self) {
        let Some(running) = self.running.take() else {
            return;
        };
        match running {
            Running::Tokio { runtime, running } => {
                running.handle.shutdown();
                let _ = runtime.block_on(running.task);
            }
            Running::Mio(running) => {
                running.handle.shutdown();
                running.join();
            }
            Running::AsyncIo { running, task } => {
                running.handle.shutdown();
                match task {
                    AsyncTask::AsyncStd(task) => async_std::task::block_on(task),
                    AsyncTask::Smol(task) => smol::block_on(task),
                }
            }
        }
    }
}

impl Drop for TestNode {
    fn drop(&mut self) {
        self.stop_running();
    }
}
