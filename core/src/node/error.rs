//! The node's refusals: of a dial, of an inbound connection, of a send.

use core::fmt;

use super::ConnId;
use crate::connection::SendError;
use crate::peering::Record;

/// Why [`Node::connect`](super::Node::connect) did not dial.
///
/// ```
/// use veil_core::node::ConnectError;
/// assert_eq!(ConnectError::OnionWithoutProxy.to_string(),
///     "an onion address needs the SOCKS5 proxy, and none is configured (failing closed)");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnectError {
    /// The node is shutting down.
    ShuttingDown,
    /// A connection to this address (or peer id) exists or is being
    /// dialled.
    AlreadyConnected(ConnId),
    /// An onion address with [`ProxyMode::Off`](super::ProxyMode::Off).
    OnionWithoutProxy,
    /// The address's network cannot be dialled (I2P, unknown networks).
    UnsupportedNetwork {
        /// The network id.
        network: u8,
    },
    /// The slots of this kind are full; the setting named is the limit.
    LimitReached {
        /// The configuration key of the limit.
        key: &'static str,
    },
    /// No address is known for this peer id.
    UnknownPeer,
    /// The address is one of this node's own advertised addresses.
    OwnAddress,
    /// The peer id or the address's netgroup is banned until the record's
    /// expiry.
    Banned(Record),
    /// Inbound is not a kind that can be dialled.
    NotDialable,
    /// A pinned peer id needs the encrypted transport, and outbound
    /// connections are configured plaintext.
    PinNeedsEncryption,
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectError::ShuttingDown => f.write_str("the node is shutting down"),
            ConnectError::AlreadyConnected(conn) => {
                write!(f, "already connected or dialling ({conn})")
            }
            ConnectError::OnionWithoutProxy => f.write_str(
                "an onion address needs the SOCKS5 proxy, and none is configured (failing closed)",
            ),
            ConnectError::UnsupportedNetwork { network } => {
                write!(f, "network {network} cannot be dialled")
            }
            ConnectError::LimitReached { key } => write!(f, "limit reached: {key}"),
            ConnectError::UnknownPeer => f.write_str("no address is known for this peer id"),
            ConnectError::OwnAddress => f.write_str("this is one of the node's own addresses"),
            ConnectError::Banned(record) => {
                write!(f, "banned ({}) until {}", record.rule, record.until)
            }
            ConnectError::NotDialable => f.write_str("an inbound connection cannot be dialled"),
            ConnectError::PinNeedsEncryption => {
                f.write_str("a pinned peer id needs the encrypted transport")
            }
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ConnectError {}

/// Why [`Node::accept`](super::Node::accept) turned an inbound connection
/// away. The shell closes the socket without writing anything.
///
/// ```
/// use veil_core::node::Refusal;
/// assert_eq!(Refusal::InboundFull.to_string(), "inbound slots full and no peer evictable");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The node is shutting down.
    ShuttingDown,
    /// The address's netgroup is banned until the record's expiry.
    Banned(Record),
    /// The netgroup is discouraged and there is no free slot for it.
    Discouraged(Record),
    /// Inbound slots are full and every inbound peer is protected.
    InboundFull,
    /// The total connection limit is reached.
    TotalFull,
    /// The netgroup already holds `max_inbound_per_netgroup` inbound peers.
    NetgroupFull,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::ShuttingDown => f.write_str("the node is shutting down"),
            Refusal::Banned(record) => write!(
                f,
                "netgroup banned ({}) until {}",
                record.rule, record.until
            ),
            Refusal::Discouraged(record) => {
                write!(f, "netgroup discouraged ({}) and no free slot", record.rule)
            }
            Refusal::InboundFull => f.write_str("inbound slots full and no peer evictable"),
            Refusal::TotalFull => f.write_str("total connection limit reached"),
            Refusal::NetgroupFull => f.write_str("too many inbound peers from this netgroup"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Refusal {}

/// Why [`Node::send`](super::Node::send) did not queue a message.
///
/// ```
/// use veil_core::node::NodeSendError;
/// assert_eq!(NodeSendError::NotConnected.to_string(), "the connection has not completed its handshake");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NodeSendError {
    /// No such connection (never was, or gone).
    UnknownConnection,
    /// No connected peer has this id, or none of the candidates is
    /// connected.
    NoPeer,
    /// The connection is still dialling or handshaking, or closing.
    NotConnected,
    /// The connection refused the message (too large, queue full, ...).
    Connection(SendError),
}

impl fmt::Display for NodeSendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NodeSendError::UnknownConnection => f.write_str("no such connection"),
            NodeSendError::NoPeer => f.write_str("no connected peer matches"),
            NodeSendError::NotConnected => {
                f.write_str("the connection has not completed its handshake")
            }
            NodeSendError::Connection(error) => write!(f, "{error}"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for NodeSendError {}
