//! The application's side of a running node.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};
use veil_core::identity::PeerId;
pub use veil_core::node::Stopped;
use veil_core::node::{ConnId, ConnectError, ConnectionKind, Node, PeerAddr};
use veil_core::Instant;

use crate::carrier::Carrier;
use crate::target::Target;
use veil_carrier::DialCarriers;

/// A closure run by the driver task with the node.
pub(super) type Call = Box<dyn FnOnce(&mut Ctx<'_>) + Send>;

/// A command for the driver task.
pub(super) enum Command {
    Call(Call),
    Shutdown,
}

/// What a call sees: the node, the time, and which carrier each
/// connection uses.
///
/// ```no_run
/// # async fn demo(handle: veil_tokio::driver::NodeHandle) {
/// let peers = handle.call(|ctx| ctx.node.peers().count()).await.unwrap();
/// # }
/// ```
pub struct Ctx<'a> {
    /// The node; call any of its methods with [`Ctx::now`].
    pub node: &'a mut Node,
    /// The time of this call.
    pub now: Instant,
    pub(super) carriers: &'a HashMap<ConnId, Carrier>,
    pub(super) dial_carriers: &'a mut DialCarriers,
}

impl Ctx<'_> {
    /// The carrier of a connection with a socket.
    ///
    /// ```no_run
    /// # async fn demo(handle: veil_tokio::driver::NodeHandle, conn: veil_core::node::ConnId) {
    /// let carrier = handle.call(move |ctx| ctx.carrier_of(conn)).await.unwrap();
    /// # }
    /// ```
    #[must_use]
    pub fn carrier_of(&self, conn: ConnId) -> Option<Carrier> {
        self.carriers.get(&conn).copied()
    }

    /// Dials of `addr` from now on use `carrier` (the node only knows
    /// addresses; the carrier is the shell's).
    ///
    /// ```no_run
    /// # async fn demo(handle: veil_tokio::driver::NodeHandle) {
    /// let target: veil_tokio::target::Target = "tls://192.0.2.7:443".parse().unwrap();
    /// handle.call(move |ctx| ctx.set_carrier(target.addr, target.carrier)).await.unwrap();
    /// # }
    /// ```
    pub fn set_carrier(&mut self, addr: PeerAddr, carrier: Carrier) {
        self.dial_carriers.set(addr, carrier);
    }
}

/// Commands for a running node; cheap to clone.
///
/// ```no_run
/// # async fn demo(handle: veil_tokio::driver::NodeHandle) {
/// use veil_core::node::ConnectionKind;
/// let target = "tls://192.0.2.7:443".parse().unwrap();
/// let conn = handle.connect(target, None, ConnectionKind::Manual).await;
/// handle.shutdown();
/// # }
/// ```
#[derive(Clone)]
pub struct NodeHandle {
    pub(super) commands: mpsc::UnboundedSender<Command>,
    pub(super) peer_id: PeerId,
    pub(super) local_addrs: Arc<Vec<(std::net::SocketAddr, Carrier)>>,
}

impl NodeHandle {
    /// Runs `f` in the driver task with the node, and returns its result.
    ///
    /// ```no_run
    /// # async fn demo(handle: veil_tokio::driver::NodeHandle) {
    /// let stats = handle.call(|ctx| ctx.node.stats().clone()).await.unwrap();
    /// # }
    /// ```
    pub async fn call<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Ctx<'_>) -> R + Send + 'static,
    ) -> Result<R, Stopped> {
        let (tx, rx) = oneshot::channel();
        let call: Call = Box::new(move |ctx| {
            let _ = tx.send(f(ctx));
        });
        self.commands
            .send(Command::Call(call))
            .map_err(|_| Stopped)?;
        rx.await.map_err(|_| Stopped)
    }

    /// Dials `target` (its carrier remembered for redials) as a
    /// connection of `kind`, optionally pinned to `peer_id`.
    ///
    /// ```no_run
    /// # async fn demo(handle: veil_tokio::driver::NodeHandle) {
    /// use veil_core::node::ConnectionKind;
    /// let result = handle.connect("ws://127.0.0.1:9001".parse().unwrap(), None, ConnectionKind::Persistent).await;
    /// # }
    /// ```
    pub async fn connect(
        &self,
        target: Target,
        peer_id: Option<PeerId>,
        kind: ConnectionKind,
    ) -> Result<Result<ConnId, ConnectError>, Stopped> {
        self.call(move |ctx| {
            ctx.set_carrier(target.addr.clone(), target.carrier);
            ctx.node.connect(ctx.now, target.addr, peer_id, kind)
        })
        .await
    }

    /// Starts a graceful shutdown: disconnect messages go out, state is
    /// saved, then the driver task ends.
    ///
    /// ```no_run
    /// # fn demo(handle: veil_tokio::driver::NodeHandle) {
    /// handle.shutdown();
    /// # }
    /// ```
    pub fn shutdown(&self) {
        let _ = self.commands.send(Command::Shutdown);
    }

    /// The node's peer id.
    ///
    /// ```no_run
    /// # fn demo(handle: veil_tokio::driver::NodeHandle) {
    /// println!("{}", handle.peer_id());
    /// # }
    /// ```
    #[must_use]
    pub fn peer_id(&self) -> PeerId {
        self.peer_id
    }

    /// The listeners' local addresses and carriers.
    ///
    /// ```no_run
    /// # fn demo(handle: veil_tokio::driver::NodeHandle) {
    /// for (addr, carrier) in handle.local_addrs() {
    ///     println!("{carrier}://{addr}");
    /// }
    /// # }
    /// ```
    #[must_use]
    pub fn local_addrs(&self) -> &[(std::net::SocketAddr, Carrier)] {
        &self.local_addrs
    }
}
