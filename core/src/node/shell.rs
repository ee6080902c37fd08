//! The part of the drive contract every shell shares, written once: how
//! the node's output is drained, and the error for a node that stopped.

use core::fmt;

use super::{Action, Node, NodeEvent};

/// What a shell does with the node's output; [`drain_output`] calls it
/// in the contract's order until nothing moves.
///
/// ```
/// # use rand_chacha::rand_core::SeedableRng;
/// use veil_core::node::{drain_output, Action, Node, NodeConfig, NodeEvent, ShellIo};
/// # use veil_core::{identity::Identity, Instant, UnixTime};
/// struct Loop { node: Node, events: Vec<NodeEvent> }
/// impl ShellIo for Loop {
///     fn node(&mut self) -> &mut Node { &mut self.node }
///     fn act(&mut self, _action: Action) { /* connect or close a socket */ }
///     fn emit(&mut self, event: NodeEvent) { self.events.push(event) }
///     fn write_queued(&mut self) -> bool { false /* no sockets here */ }
/// }
/// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
/// let node = Node::new(NodeConfig::default(), Identity::generate(&mut rng), Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
/// let mut shell = Loop { node, events: Vec::new() };
/// drain_output(&mut shell);
/// ```
pub trait ShellIo {
    /// The node the shell drives.
    fn node(&mut self) -> &mut Node;
    /// Carries out a dial (directly or to the SOCKS5 proxy) or a close
    /// (shut the socket's write side: the node sends `Close` only after
    /// its bytes were taken).
    fn act(&mut self, action: Action);
    /// Hands an event to the application.
    fn emit(&mut self, event: NodeEvent);
    /// Writes each connection's [`Node::transmit_slice`] into its socket
    /// as far as the socket takes it, reporting it with
    /// [`Node::advance_transmit`] (and a failed socket with
    /// [`Node::handle_closed`]). True if anything moved.
    fn write_queued(&mut self) -> bool;
}

/// Step two of the drive contract: actions, events and queued bytes,
/// again and again until none of them moves (a write can free room that
/// lets the node queue more; a close can raise an event).
///
/// See [`ShellIo`] for an example.
pub fn drain_output(shell: &mut impl ShellIo) {
    loop {
        let mut busy = false;
        while let Some(action) = shell.node().poll_action() {
            busy = true;
            shell.act(action);
        }
        while let Some(event) = shell.node().poll_event() {
            busy = true;
            shell.emit(event);
        }
        busy |= shell.write_queued();
        if !busy {
            return;
        }
    }
}

/// A call into a shell's node after the node stopped.
///
/// ```
/// assert_eq!(veil_core::node::Stopped.to_string(), "the node has stopped");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stopped;

impl fmt::Display for Stopped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the node has stopped")
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Stopped {}
