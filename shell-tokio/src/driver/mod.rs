//! The driver: one tokio task owns the [`Node`] and everything it decides
//! is carried out by small socket tasks.
//!
//! ```text
//!  listeners ──Accepted──┐                 ┌──> sockets (written straight
//!  dial tasks ──Dialed───┤                 │    from the node's buffers)
//!  reader tasks ─Data/Eof┼──> driver task ─┼──> dial tasks (Action::Dial)
//!  socket wakers ─writable┘  owns the Node └──> events ──> the application
//!  NodeHandle ──commands────────^
//! ```
//!
//! The driver task follows the node's drive contract: every input is
//! passed with `now`; after each batch of inputs it drains
//! [`Node::poll_action`], [`Node::poll_event`] and the bytes queued per
//! connection, writing them to the socket without copying
//! ([`Node::transmit_slice`], then [`Node::advance_transmit`] by what the
//! socket took). A socket that takes no more is skipped until its waker
//! says it is writable; meanwhile its bytes wait inside the node, which
//! bounds them. Then the task sleeps until [`Node::poll_timeout`]'s
//! deadline or the next input. The clock, entropy and sockets stay here;
//! every rule is the node's.

mod dial;
mod handle;
mod io;
mod listen;
mod run;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use veil_core::node::{ConnId, DialError, Node, NodeEvent, Reached};

pub use handle::{Ctx, NodeHandle, Stopped};
pub use listen::Listener;

use crate::carrier::{BoxedStream, Carrier, ClientCarrier, ServerCarrier};

/// Called with the node to persist what it keeps (address book, bans):
/// every [`DriverConfig::save_interval`] and once more when the driver
/// stops.
pub type SaveHook = Box<dyn FnMut(&Node) + Send>;

/// What the driver needs besides the node.
///
/// ```
/// use veil_tokio::driver::DriverConfig;
/// let config = DriverConfig::default();
/// assert!(config.listeners.is_empty());
/// assert_eq!(config.shutdown_grace.as_secs(), 5);
/// ```
pub struct DriverConfig {
    /// Bound listeners (bind before spawning, so port 0 works).
    pub listeners: Vec<Listener>,
    /// The SOCKS5 proxy for the node's `Via::Socks5` dials (Tor's
    /// `127.0.0.1:9050`). Without one such dials fail with `NoProxy`.
    pub socks5_proxy: Option<SocketAddr>,
    /// Client side of TLS and WebSocket.
    pub client_carrier: Arc<ClientCarrier>,
    /// Server side of TLS and WebSocket.
    pub server_carrier: Arc<ServerCarrier>,
    /// How long a TCP connect plus carrier handshake may take.
    pub connect_timeout: Duration,
    /// How long an inbound carrier handshake (TLS, WebSocket upgrade) may
    /// take before the node hears of the peer.
    pub carrier_handshake_timeout: Duration,
    /// How often [`DriverConfig::on_save`] runs (default 5 min).
    pub save_interval: Duration,
    /// Persists the node's state.
    pub on_save: Option<SaveHook>,
    /// How long a shutdown waits for graceful closes (default 5 s).
    pub shutdown_grace: Duration,
}

impl Default for DriverConfig {
    fn default() -> Self {
        DriverConfig {
            listeners: Vec::new(),
            socks5_proxy: None,
            client_carrier: Arc::new(ClientCarrier::default()),
            server_carrier: Arc::new(ServerCarrier::default()),
            connect_timeout: Duration::from_secs(30),
            carrier_handshake_timeout: Duration::from_secs(10),
            save_interval: Duration::from_secs(300),
            on_save: None,
            shutdown_grace: Duration::from_secs(5),
        }
    }
}

/// What the socket tasks tell the driver task.
pub(crate) enum Input {
    Accepted {
        stream: BoxedStream,
        remote: SocketAddr,
        carrier: Carrier,
        reached: Reached,
    },
    Dialed {
        conn: ConnId,
        result: Result<BoxedStream, DialError>,
    },
    Data {
        conn: ConnId,
        bytes: Bytes,
    },
    Eof {
        conn: ConnId,
    },
    Broken {
        conn: ConnId,
    },
}

/// A running node: its handle, its events, and the task (it ends after
/// [`NodeHandle::shutdown`] once connections are closed and state saved).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use rand_core::OsRng;
/// use veil_core::identity::Identity;
/// use veil_core::node::{Node, NodeConfig};
/// use veil_tokio::clock::Clock;
/// use veil_tokio::driver::{spawn, DriverConfig};
/// let clock = Clock::start();
/// let node = Node::new(NodeConfig::default(), Identity::generate(&mut OsRng), clock.now(), clock.wall(), &mut OsRng).unwrap();
/// let running = spawn(node, clock, DriverConfig::default());
/// running.handle.shutdown();
/// running.task.await.unwrap();
/// # }
/// ```
pub struct Running {
    /// Commands to the node.
    pub handle: NodeHandle,
    /// Everything the node reports, in order. Read it: it is not bounded
    /// (a bounded queue would either stall the node or drop events).
    pub events: mpsc::UnboundedReceiver<NodeEvent>,
    /// The driver task.
    pub task: JoinHandle<()>,
    /// The listeners' local addresses, in the order given.
    pub local_addrs: Vec<(SocketAddr, Carrier)>,
}

/// Starts the driver task for `node` on the current tokio runtime.
///
/// See [`Running`] for an example.
pub fn spawn(node: Node, clock: crate::clock::Clock, config: DriverConfig) -> Running {
    run::start(node, clock, config)
}
