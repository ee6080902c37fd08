//! What the node reports to the application, from
//! [`Node::poll_event`](super::Node::poll_event).

use alloc::boxed::Box;
use core::fmt;

use super::{ConnId, ConnectionKind, DialError, PeerAddr};
use crate::connection::{CloseReason, HandshakeInfo};
use crate::identity::PeerId;
use crate::message::Message;
use crate::peering::{EvictionRule, Punishment, Rule};
use crate::socks5::Socks5Error;
use crate::time::Instant;

/// Why a connection ended: the connection's own reason, or the node rule
/// that closed it.
///
/// ```
/// use veil_core::node::Disconnection;
/// use veil_core::peering::EvictionRule;
/// assert_eq!(Disconnection::Evicted(EvictionRule::CrowdedNetgroup).name(), "evicted");
/// assert_eq!(Disconnection::Rotation.to_string(), "rotated out for a fresh outbound peer");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Disconnection {
    /// The connection closed by itself: the peer left or said `disconnect`,
    /// a protocol rule was broken, a timer fired, the transport ended.
    Closed(CloseReason),
    /// An inbound peer was evicted to admit a newcomer, by this rule.
    Evicted(EvictionRule),
    /// A temporary connection gave its slot to a newer one (least recently
    /// used first).
    LeastRecentlyUsed,
    /// The peer's id or netgroup is banned or discouraged (a record of
    /// this rule) and it may not stay.
    Banned(Rule),
    /// Another connection to the same peer id was kept (see
    /// [`Node`](super::Node)'s duplicate rule).
    DuplicatePeer,
    /// The node is its own peer (same identity or a nonce it sent).
    SelfConnection,
    /// An automatic outbound peer made room for a fresh one.
    Rotation,
    /// A temporary connection did what it was opened for.
    PurposeDone,
    /// A temporary connection reached `temporary_lifetime`.
    Expired,
    /// The application reported it misbehaving
    /// ([`Node::report_misbehaviour`](super::Node::report_misbehaviour)).
    Misbehaved {
        /// The application's description.
        what: &'static str,
    },
    /// The application asked.
    Requested,
    /// The node is shutting down.
    Shutdown,
}

impl Disconnection {
    /// A stable snake_case name, for logs and metrics labels.
    ///
    /// ```
    /// use veil_core::node::Disconnection;
    /// assert_eq!(Disconnection::PurposeDone.name(), "purpose_done");
    /// ```
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Disconnection::Closed(reason) => reason.name(),
            Disconnection::Evicted(_) => "evicted",
            Disconnection::LeastRecentlyUsed => "least_recently_used",
            Disconnection::Banned(_) => "banned",
            Disconnection::DuplicatePeer => "duplicate_peer",
            Disconnection::SelfConnection => "self_connection",
            Disconnection::Rotation => "rotation",
            Disconnection::PurposeDone => "purpose_done",
            Disconnection::Expired => "expired",
            Disconnection::Misbehaved { .. } => "misbehaved",
            Disconnection::Requested => "requested",
            Disconnection::Shutdown => "shutdown",
        }
    }
}

impl fmt::Display for Disconnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Disconnection::Closed(reason) => write!(f, "{reason}"),
            Disconnection::Evicted(rule) => write!(f, "evicted for a newcomer ({rule})"),
            Disconnection::LeastRecentlyUsed => {
                f.write_str("least recently used temporary connection, replaced")
            }
            Disconnection::Banned(rule) => write!(f, "refused: {rule}"),
            Disconnection::DuplicatePeer => f.write_str("another connection to this peer is kept"),
            Disconnection::SelfConnection => f.write_str("connected to itself"),
            Disconnection::Rotation => f.write_str("rotated out for a fresh outbound peer"),
            Disconnection::PurposeDone => f.write_str("temporary connection done"),
            Disconnection::Expired => f.write_str("temporary connection expired"),
            Disconnection::Misbehaved { what } => write!(f, "misbehaved: {what}"),
            Disconnection::Requested => f.write_str("closed at the application's request"),
            Disconnection::Shutdown => f.write_str("node shutting down"),
        }
    }
}

/// Why a dial never became a connection.
///
/// ```
/// use veil_core::node::{DialError, DialFailure};
/// assert_eq!(DialFailure::Dial(DialError::Refused).to_string(), "connection refused: refused");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DialFailure {
    /// The shell could not open the TCP connection.
    Dial(DialError),
    /// The connection did not open within `connect_timeout`.
    Timeout,
    /// The SOCKS5 proxy refused or failed (its
    /// [`blame`](Socks5Error::blame) says whether the target is at fault).
    Socks5(Socks5Error),
}

impl fmt::Display for DialFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DialFailure::Dial(error) => write!(f, "connection refused: {error}"),
            DialFailure::Timeout => f.write_str("connection did not open in time"),
            DialFailure::Socks5(error) => write!(f, "{error}"),
        }
    }
}

/// What happened, for the application, in order.
///
/// ```
/// use core::net::Ipv4Addr;
/// use veil_core::message::NetAddress;
/// use veil_core::node::{NodeEvent, PeerAddr};
/// let event = NodeEvent::GaveUp { addr: PeerAddr::new(NetAddress::Ipv4(Ipv4Addr::new(8, 8, 8, 8)), 1), attempts: 4 };
/// assert!(matches!(event, NodeEvent::GaveUp { attempts: 4, .. }));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NodeEvent {
    /// A connection completed its handshake.
    Connected {
        /// The connection.
        conn: ConnId,
        /// Its kind.
        kind: ConnectionKind,
        /// The peer's address.
        addr: PeerAddr,
        /// What was negotiated (peer id, features, the peer's version).
        info: Box<HandshakeInfo>,
    },
    /// A connection is gone (whether or not it completed its handshake).
    Disconnected {
        /// The connection.
        conn: ConnId,
        /// Its kind.
        kind: ConnectionKind,
        /// The peer's address.
        addr: PeerAddr,
        /// The peer's id, if its handshake got that far.
        peer_id: Option<PeerId>,
        /// Why.
        reason: Disconnection,
        /// Whether it had completed its handshake.
        was_connected: bool,
        /// Bytes queued for the peer that were never sent.
        unsent_bytes: usize,
    },
    /// A dial never opened; `retry_at` says when the node tries again.
    DialFailed {
        /// The dial's connection id (now dead).
        conn: ConnId,
        /// Its kind.
        kind: ConnectionKind,
        /// Where it went.
        addr: PeerAddr,
        /// Why it failed.
        failure: DialFailure,
        /// When the node dials this address again, if it does.
        retry_at: Option<Instant>,
    },
    /// A manual or address-fetch peer failed `max_retry_attempts` retries
    /// in a row: the node stops dialling it.
    GaveUp {
        /// The address.
        addr: PeerAddr,
        /// Attempts made.
        attempts: u32,
    },
    /// A message from a connected peer, for the application. `ping`,
    /// `pong`, `addr`, `getaddr` and `disconnect` are handled by the node
    /// and not reported; `tx` and `stemtx` are, for the application to
    /// validate and pass to [`Node::relay_transaction`](super::Node::relay_transaction).
    Message {
        /// The connection.
        conn: ConnId,
        /// The peer's id (none on plaintext connections).
        peer_id: Option<PeerId>,
        /// The message.
        message: Message,
    },
    /// A peer's `addr` message was processed.
    AddressesLearned {
        /// The connection it came on.
        conn: ConnId,
        /// Records in the message.
        received: usize,
        /// Records the rate limiter let through.
        admitted: usize,
        /// Records new to the address book.
        added: usize,
    },
    /// A misbehaving peer was discouraged or banned (or spared, for a
    /// manual or allow-listed peer), with the rule that fired.
    Punished {
        /// The connection that misbehaved.
        conn: ConnId,
        /// The peer's id.
        peer_id: PeerId,
        /// Its address.
        addr: PeerAddr,
        /// What it did.
        offence: Offence,
        /// The records written, or why none was.
        punishment: Punishment,
    },
}

/// What a punished peer did.
///
/// ```
/// use veil_core::node::Offence;
/// assert_eq!(Offence::Application { what: "invalid block" }.to_string(), "invalid block");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Offence {
    /// The connection closed with a reason that punishes
    /// ([`CloseReason::consequence`]).
    Protocol(CloseReason),
    /// The application reported it with
    /// [`Node::report_misbehaviour`](super::Node::report_misbehaviour).
    Application {
        /// The application's description.
        what: &'static str,
    },
    /// The operator banned the peer.
    Operator,
}

impl fmt::Display for Offence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Offence::Protocol(reason) => write!(f, "{reason}"),
            Offence::Application { what } => f.write_str(what),
            Offence::Operator => f.write_str("banned by the operator"),
        }
    }
}
