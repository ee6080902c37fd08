//! What a connection reports to its caller.

use alloc::boxed::Box;

use super::{CloseReason, TransportKind};
use crate::identity::PeerId;
use crate::message::{Message, Version};
use crate::shaping::Negotiated;
use crate::time::Duration;

/// The outcome of a completed handshake.
///
/// # Example
///
/// ```
/// use veil_core::connection::{HandshakeInfo, TransportKind};
/// # fn show(info: &HandshakeInfo) {
/// if info.transport == TransportKind::Encrypted {
///     println!("peer {} speaks {}", info.peer_id.unwrap(), info.remote.user_agent);
/// }
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HandshakeInfo {
    /// The peer's proven identity; `None` on the plaintext transport, which
    /// proves nothing.
    pub peer_id: Option<PeerId>,
    /// The transport in use.
    pub transport: TransportKind,
    /// General features both sides offered (AND of the two fields).
    pub features: u32,
    /// Privacy features both sides offered.
    pub privacy_features: u32,
    /// The traffic shaping this side applies to what it sends: the shaping
    /// features both offered, within both budgets (none on plaintext).
    pub shaping: Negotiated,
    /// The peer's `version` message as received.
    pub remote: Version,
    /// The nonce this side sent in its own `version`.
    pub local_nonce: u64,
}

/// Something the caller must know; drain with
/// [`super::Connection::poll_event`] after every input.
///
/// # Example
///
/// ```
/// use veil_core::connection::Event;
/// # fn handle(event: Event) {
/// match event {
///     Event::HandshakeComplete(info) => println!("connected to {:?}", info.peer_id),
///     Event::Message(message) => println!("got {}", message.kind().name()),
///     Event::Pong { rtt } => println!("rtt {rtt}"),
///     Event::Closed { reason, .. } => println!("closed: {reason}"),
///     _ => {}
/// }
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// The peer's `version` arrived with `check_self_connection` on. The
    /// handshake waits until the caller answers with
    /// [`super::Connection::resolve_nonce_check`], telling whether
    /// `remote_nonce` is one of the nonces its own connections sent.
    CheckNonce {
        /// The nonce in the peer's `version`.
        remote_nonce: u64,
    },
    /// The handshake completed; messages may be sent.
    HandshakeComplete(Box<HandshakeInfo>),
    /// A message from the peer. `ping` is answered by the connection and
    /// not reported; a `pong` is reported here only when it does not answer
    /// the connection's own ping.
    Message(Message),
    /// The peer answered the connection's keepalive ping.
    Pong {
        /// Time from sending the ping to receiving the pong.
        rtt: Duration,
    },
    /// A session rekey finished in both directions.
    Rekeyed {
        /// How many session rekeys this connection has done.
        generation: u32,
    },
    /// The connection is closed; nothing more will happen.
    Closed {
        /// Why.
        reason: CloseReason,
        /// Bytes still queued for sending that were dropped (0 after a
        /// graceful close that drained).
        unsent_bytes: usize,
    },
}
