//! Other threads' side of a running node: closures sent to the node
//! thread, which a `mio::Waker` wakes.

use std::sync::mpsc;
use std::sync::Arc;

use veil_carrier::Target;
use veil_core::identity::PeerId;
use veil_core::node::{ConnId, ConnectError, ConnectionKind, Node, Stopped};
use veil_core::Instant;

/// A closure run on the node thread.
pub(crate) type Call = Box<dyn FnOnce(&mut Node, Instant) + Send>;

/// A command for the node thread.
pub(crate) enum Command {
    Call(Call),
    /// Dial `target` with its carrier.
    Connect {
        target: Target,
        peer_id: Option<PeerId>,
        kind: ConnectionKind,
        reply: mpsc::SyncSender<Result<ConnId, ConnectError>>,
    },
    Shutdown,
}

/// Commands for a running node from any thread; cheap to clone.
///
/// ```no_run
/// # fn demo(handle: veil_mio::MioHandle) {
/// let peers = handle.call(|node, _now| node.peers().count()).unwrap();
/// handle.shutdown();
/// # }
/// ```
#[derive(Clone)]
pub struct MioHandle {
    pub(crate) commands: mpsc::Sender<Command>,
    pub(crate) waker: Arc<mio::Waker>,
}

impl MioHandle {
    fn send(&self, command: Command) -> Result<(), Stopped> {
        self.commands.send(command).map_err(|_| Stopped)?;
        self.waker.wake().map_err(|_| Stopped)
    }

    /// Runs `f` on the node thread with the node and the time, and waits
    /// for its result.
    ///
    /// See [`MioHandle`] for an example.
    pub fn call<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Node, Instant) -> R + Send + 'static,
    ) -> Result<R, Stopped> {
        let (tx, rx) = mpsc::sync_channel(1);
        self.send(Command::Call(Box::new(move |node, now| {
            let _ = tx.send(f(node, now));
        })))?;
        rx.recv().map_err(|_| Stopped)
    }

    /// Dials `target` with its carrier (`tcp://`, `tls://`, `ws://`,
    /// `wss://`), expecting `peer_id` if given: the node's
    /// [`Node::connect`] with the carrier remembered for this address
    /// (redials use it too).
    ///
    /// ```no_run
    /// # fn demo(handle: veil_mio::MioHandle) {
    /// use veil_core::node::ConnectionKind;
    /// let target = "tls://192.0.2.7:443".parse().unwrap();
    /// let conn = handle.connect(target, None, ConnectionKind::Manual).unwrap();
    /// # }
    /// ```
    pub fn connect(
        &self,
        target: Target,
        peer_id: Option<PeerId>,
        kind: ConnectionKind,
    ) -> Result<Result<ConnId, ConnectError>, Stopped> {
        let (reply, answer) = mpsc::sync_channel(1);
        self.send(Command::Connect {
            target,
            peer_id,
            kind,
            reply,
        })?;
        answer.recv().map_err(|_| Stopped)
    }

    /// Starts a graceful shutdown: disconnect messages go out, then the
    /// thread ends.
    ///
    /// See [`MioHandle`] for an example.
    pub fn shutdown(&self) {
        let _ = self.send(Command::Shutdown);
    }
}
