//! The application's side of a running node: closures sent to the
//! driver, which runs them with the node and the time.

use veil_carrier::Target;
use veil_core::identity::PeerId;
use veil_core::node::{ConnId, ConnectError, ConnectionKind, Node, Stopped};
use veil_core::Instant;

/// A closure run inside the driver.
pub(crate) type Call = Box<dyn FnOnce(&mut Node, Instant) + Send>;

/// A command for the driver.
pub(crate) enum Command {
    Call(Call),
    /// Dial `target` with its carrier.
    Connect {
        target: Target,
        peer_id: Option<PeerId>,
        kind: ConnectionKind,
        reply: async_channel::Sender<Result<ConnId, ConnectError>>,
    },
    Shutdown,
}

/// Commands for a running node from any task or thread; cheap to clone.
///
/// ```no_run
/// # async fn demo(handle: veil_async_std::AsyncHandle) {
/// let peers = handle.call(|node, _now| node.peers().count()).await.unwrap();
/// handle.shutdown();
/// # }
/// ```
#[derive(Clone)]
pub struct AsyncHandle {
    pub(crate) commands: async_channel::Sender<Command>,
}

impl AsyncHandle {
    /// Runs `f` in the driver with the node and the time, and waits for
    /// its result.
    ///
    /// See [`AsyncHandle`] for an example.
    pub async fn call<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Node, Instant) -> R + Send + 'static,
    ) -> Result<R, Stopped> {
        let (tx, rx) = async_channel::bounded(1);
        let call: Call = Box::new(move |node, now| {
            let _ = tx.try_send(f(node, now));
        });
        self.commands
            .send(Command::Call(call))
            .await
            .map_err(|_| Stopped)?;
        rx.recv().await.map_err(|_| Stopped)
    }

    /// Dials `target` with its carrier (`tcp://`, `tls://`, `ws://`,
    /// `wss://`), expecting `peer_id` if given: the node's
    /// [`Node::connect`] with the carrier remembered for this address
    /// (redials use it too).
    ///
    /// ```no_run
    /// # async fn demo(handle: veil_async_std::AsyncHandle) {
    /// use veil_core::node::ConnectionKind;
    /// let target = "wss://192.0.2.7:443".parse().unwrap();
    /// let conn = handle.connect(target, None, ConnectionKind::Manual).await.unwrap();
    /// # }
    /// ```
    pub async fn connect(
        &self,
        target: Target,
        peer_id: Option<PeerId>,
        kind: ConnectionKind,
    ) -> Result<Result<ConnId, ConnectError>, Stopped> {
        let (reply, answer) = async_channel::bounded(1);
        let command = Command::Connect {
            target,
            peer_id,
            kind,
            reply,
        };
        self.commands.send(command).await.map_err(|_| Stopped)?;
        answer.recv().await.map_err(|_| Stopped)
    }

    /// [`AsyncHandle::call`] for code outside any async task (it blocks
    /// the calling thread; never call it from the driver's own executor
    /// thread).
    ///
    /// ```no_run
    /// # fn demo(handle: veil_async_std::AsyncHandle) {
    /// let id = handle.call_blocking(|node, _now| node.peer_id()).unwrap();
    /// # }
    /// ```
    pub fn call_blocking<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Node, Instant) -> R + Send + 'static,
    ) -> Result<R, Stopped> {
        futures_lite::future::block_on(self.call(f))
    }

    /// Starts a graceful shutdown: disconnect messages go out, then the
    /// driver's future completes.
    ///
    /// See [`AsyncHandle`] for an example.
    pub fn shutdown(&self) {
        let _ = self.commands.try_send(Command::Shutdown);
    }
}
