//! The small types of the node's interface: connection ids, addresses,
//! kinds, directions and what the shell is asked to do.

use core::fmt;

use crate::message::NetAddress;

/// A connection's handle, unique for the node's lifetime (never reused).
///
/// # Example
///
/// ```
/// use veil_core::node::ConnId;
/// assert_eq!(ConnId::from_raw(7).to_string(), "#7");
/// assert!(ConnId::from_raw(7) < ConnId::from_raw(8));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ConnId(u64);

impl ConnId {
    /// The id with number `raw` (for tests and logs; the node assigns ids).
    ///
    /// ```
    /// assert_eq!(veil_core::node::ConnId::from_raw(3).as_raw(), 3);
    /// ```
    #[must_use]
    pub const fn from_raw(raw: u64) -> ConnId {
        ConnId(raw)
    }

    /// The id's number.
    ///
    /// ```
    /// assert_eq!(veil_core::node::ConnId::from_raw(9).as_raw(), 9);
    /// ```
    #[must_use]
    pub const fn as_raw(self) -> u64 {
        self.0
    }
}

impl fmt::Display for ConnId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// Where a peer listens (or, for an inbound connection, where it came
/// from): a network address and a port.
///
/// # Example
///
/// ```
/// use core::net::Ipv4Addr;
/// use veil_core::message::NetAddress;
/// use veil_core::node::PeerAddr;
///
/// let addr = PeerAddr::new(NetAddress::Ipv4(Ipv4Addr::new(8, 8, 4, 4)), 8333);
/// assert_eq!(addr.to_string(), "8.8.4.4:8333");
/// assert!(!addr.is_onion());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PeerAddr {
    /// The network address.
    pub address: NetAddress,
    /// The TCP port.
    pub port: u16,
}

impl PeerAddr {
    /// The address `address` at `port`.
    ///
    /// ```
    /// # use core::net::Ipv4Addr;
    /// # use veil_core::{message::NetAddress, node::PeerAddr};
    /// let addr = PeerAddr::new(NetAddress::Ipv4(Ipv4Addr::LOCALHOST), 1);
    /// assert_eq!(addr.port, 1);
    /// ```
    #[must_use]
    pub const fn new(address: NetAddress, port: u16) -> PeerAddr {
        PeerAddr { address, port }
    }

    /// Whether this is a Tor v3 onion service (reachable only through a
    /// proxy).
    ///
    /// ```
    /// # use veil_core::{message::NetAddress, node::PeerAddr};
    /// assert!(PeerAddr::new(NetAddress::TorV3([1; 32]), 9).is_onion());
    /// ```
    #[must_use]
    pub const fn is_onion(&self) -> bool {
        matches!(self.address, NetAddress::TorV3(_))
    }
}

impl PeerAddr {
    /// The socket address of an IP peer; overlay addresses (onion, I2P)
    /// have none: they are reached through a proxy.
    ///
    /// ```
    /// use veil_core::node::PeerAddr;
    /// let addr: PeerAddr = "127.0.0.1:9333".parse().unwrap();
    /// assert_eq!(addr.socket_addr().unwrap().port(), 9333);
    /// ```
    #[must_use]
    pub fn socket_addr(&self) -> Option<core::net::SocketAddr> {
        match self.address {
            NetAddress::Ipv4(ip) => Some(core::net::SocketAddr::from((ip, self.port))),
            NetAddress::Ipv6(ip) => Some(core::net::SocketAddr::from((ip, self.port))),
            _ => None,
        }
    }
}

/// A socket's address as a peer address (IPv4-mapped IPv6 as IPv4).
///
/// ```
/// use veil_core::node::PeerAddr;
/// let socket: core::net::SocketAddr = "[::ffff:10.0.0.1]:1".parse().unwrap();
/// assert_eq!(PeerAddr::from(socket).to_string(), "10.0.0.1:1");
/// ```
impl From<core::net::SocketAddr> for PeerAddr {
    fn from(socket: core::net::SocketAddr) -> PeerAddr {
        let address = match socket.ip() {
            core::net::IpAddr::V4(ip) => NetAddress::Ipv4(ip),
            core::net::IpAddr::V6(ip) => match ip.to_ipv4_mapped() {
                Some(v4) => NetAddress::Ipv4(v4),
                None => NetAddress::Ipv6(ip),
            },
        };
        PeerAddr::new(address, socket.port())
    }
}

impl fmt::Display for PeerAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.address {
            NetAddress::Ipv4(ip) => write!(f, "{ip}:{}", self.port),
            NetAddress::Ipv6(ip) => write!(f, "[{ip}]:{}", self.port),
            NetAddress::TorV3(_) => {
                match crate::socks5::Target::from_net_address(&self.address, self.port) {
                    Ok(target) => write!(f, "{target}"),
                    Err(_) => write!(f, "onion:{}", self.port),
                }
            }
            NetAddress::I2p(key) => {
                for byte in &key[..4] {
                    write!(f, "{byte:02x}")?;
                }
                write!(f, "….i2p:{}", self.port)
            }
            NetAddress::Unknown { network, .. } => write!(f, "network-{network}:{}", self.port),
        }
    }
}

/// Which side opened a connection.
///
/// ```
/// use veil_core::node::Direction;
/// assert_eq!(Direction::Inbound.as_str(), "inbound");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Direction {
    /// The peer dialled this node.
    Inbound,
    /// This node dialled the peer.
    Outbound,
}

impl Direction {
    /// A stable lower-case name.
    ///
    /// ```
    /// assert_eq!(veil_core::node::Direction::Outbound.as_str(), "outbound");
    /// ```
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Direction::Inbound => "inbound",
            Direction::Outbound => "outbound",
        }
    }
}

/// Why a connection exists, which decides its limits, whether it is
/// evicted or punished, and what happens when it ends.
///
/// | kind | opened by | slots | on close |
/// |---|---|---|---|
/// | `Inbound` | the peer | `max_inbound_connections` | forgotten |
/// | `Outbound` | the node, from the address book or a bootstrap node | `max_outbound_connections` | slot refilled |
/// | `Manual` | the application | `max_manual_connections` | failed dials retried (`retry`) |
/// | `Persistent` | the application | `max_manual_connections` | reconnected with backoff, forever |
/// | `Feeler` | the node, to test a NEW address | `max_temporary_connections` | closed once the handshake completes |
/// | `AddrFetch` | the application or the node | `max_temporary_connections` | closed once the peer answered `getaddr` |
///
/// Manual and persistent peers are never evicted or punished.
///
/// # Example
///
/// ```
/// use veil_core::node::{ConnectionKind, Direction};
/// assert!(ConnectionKind::Feeler.is_temporary());
/// assert_eq!(ConnectionKind::Persistent.direction(), Direction::Outbound);
/// assert!(ConnectionKind::Manual.is_protected());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ConnectionKind {
    /// Accepted from a peer.
    Inbound,
    /// An automatic outbound connection that relays everything.
    Outbound,
    /// Asked for by the application once (with retries).
    Manual,
    /// Asked for by the application, kept up for good.
    Persistent,
    /// Short-lived: tests that an address from the NEW table answers.
    Feeler,
    /// Short-lived: asks the peer for addresses, then closes.
    AddrFetch,
}

impl ConnectionKind {
    /// A stable lower-case name.
    ///
    /// ```
    /// assert_eq!(veil_core::node::ConnectionKind::AddrFetch.as_str(), "addr_fetch");
    /// ```
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            ConnectionKind::Inbound => "inbound",
            ConnectionKind::Outbound => "outbound",
            ConnectionKind::Manual => "manual",
            ConnectionKind::Persistent => "persistent",
            ConnectionKind::Feeler => "feeler",
            ConnectionKind::AddrFetch => "addr_fetch",
        }
    }

    /// Which side opens a connection of this kind.
    ///
    /// ```
    /// use veil_core::node::{ConnectionKind, Direction};
    /// assert_eq!(ConnectionKind::Inbound.direction(), Direction::Inbound);
    /// ```
    #[must_use]
    pub const fn direction(self) -> Direction {
        match self {
            ConnectionKind::Inbound => Direction::Inbound,
            _ => Direction::Outbound,
        }
    }

    /// Whether the connection closes once its purpose is done.
    ///
    /// ```
    /// assert!(!veil_core::node::ConnectionKind::Outbound.is_temporary());
    /// ```
    #[must_use]
    pub const fn is_temporary(self) -> bool {
        matches!(self, ConnectionKind::Feeler | ConnectionKind::AddrFetch)
    }

    /// Whether the operator asked for this peer: never evicted, rotated or
    /// punished.
    ///
    /// ```
    /// assert!(veil_core::node::ConnectionKind::Persistent.is_protected());
    /// assert!(!veil_core::node::ConnectionKind::Inbound.is_protected());
    /// ```
    #[must_use]
    pub const fn is_protected(self) -> bool {
        matches!(self, ConnectionKind::Manual | ConnectionKind::Persistent)
    }
}

impl fmt::Display for ConnectionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How an outbound connection reaches its peer.
///
/// ```
/// use veil_core::node::Via;
/// assert_eq!(Via::Socks5.as_str(), "socks5");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Via {
    /// A direct TCP connection to the peer's address.
    Direct,
    /// A TCP connection to the configured SOCKS5 proxy (Tor); the node
    /// speaks SOCKS5 on it first, then the veil handshake through the
    /// tunnel.
    Socks5,
}

impl Via {
    /// A stable lower-case name.
    ///
    /// ```
    /// assert_eq!(veil_core::node::Via::Direct.as_str(), "direct");
    /// ```
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Via::Direct => "direct",
            Via::Socks5 => "socks5",
        }
    }
}

/// How an inbound connection reached this node: which listener took it.
/// Peers arriving through an onion service all come from the local Tor
/// daemon, so their address says nothing; they count as one network for
/// eviction (with their own protected share) and skip the per-netgroup cap.
///
/// ```
/// use veil_core::node::Reached;
/// assert_eq!(Reached::default(), Reached::Direct);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Reached {
    /// A clearnet listener.
    #[default]
    Direct,
    /// The local end of a Tor onion service.
    Onion,
    /// The local end of an I2P tunnel.
    I2p,
}

/// What the node asks the shell to do, from [`Node::poll_action`].
///
/// [`Node::poll_action`]: super::Node::poll_action
///
/// ```
/// use veil_core::node::{Action, ConnId};
/// let action = Action::Close { conn: ConnId::from_raw(1) };
/// assert!(matches!(action, Action::Close { .. }));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Open a TCP connection for `conn`: to `addr` if `via` is
    /// [`Via::Direct`], to the configured SOCKS5 proxy if [`Via::Socks5`].
    /// Report the result with [`Node::dial_opened`] or
    /// [`Node::dial_failed`].
    ///
    /// [`Node::dial_opened`]: super::Node::dial_opened
    /// [`Node::dial_failed`]: super::Node::dial_failed
    Dial {
        /// The connection's id.
        conn: ConnId,
        /// The peer's address.
        addr: PeerAddr,
        /// Direct or through the proxy.
        via: Via,
    },
    /// Write what is still queued for `conn` (if the socket takes it), then
    /// close its socket (or abandon the dial). The node already forgot it.
    Close {
        /// The connection's id.
        conn: ConnId,
    },
}

/// Bytes for one connection, from [`Node::poll_transmit`].
///
/// [`Node::poll_transmit`]: super::Node::poll_transmit
///
/// ```
/// use veil_core::node::{ConnId, Transmit};
/// let transmit = Transmit { conn: ConnId::from_raw(2), len: 10 };
/// assert_eq!(transmit.len, 10);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transmit {
    /// The connection whose socket the bytes go to.
    pub conn: ConnId,
    /// How many bytes were written into the buffer.
    pub len: usize,
}

/// Why a dial failed, as the shell reports it to [`Node::dial_failed`].
///
/// [`Node::dial_failed`]: super::Node::dial_failed
///
/// ```
/// use veil_core::node::DialError;
/// assert_eq!(DialError::Refused.as_str(), "refused");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DialError {
    /// The peer (or the proxy) refused the TCP connection.
    Refused,
    /// No route to the peer (or the proxy).
    Unreachable,
    /// The TCP connection did not open in time.
    TimedOut,
    /// The shell has no proxy configured for a [`Via::Socks5`] dial.
    NoProxy,
    /// Any other local error (out of sockets, permission, ...).
    Local,
}

impl DialError {
    /// A stable lower-case name.
    ///
    /// ```
    /// assert_eq!(veil_core::node::DialError::NoProxy.as_str(), "no_proxy");
    /// ```
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            DialError::Refused => "refused",
            DialError::Unreachable => "unreachable",
            DialError::TimedOut => "timed_out",
            DialError::NoProxy => "no_proxy",
            DialError::Local => "local",
        }
    }
}

/// The node's name for a failed connect, the same in every shell
/// (feature `std`).
///
/// ```
/// use std::io::{Error, ErrorKind};
/// use veil_core::node::DialError;
/// assert_eq!(DialError::from(&Error::from(ErrorKind::ConnectionRefused)), DialError::Refused);
/// assert_eq!(DialError::from(&Error::from(ErrorKind::PermissionDenied)), DialError::Local);
/// ```
#[cfg(feature = "std")]
impl From<&std::io::Error> for DialError {
    fn from(error: &std::io::Error) -> Self {
        use std::io::ErrorKind;
        match error.kind() {
            ErrorKind::ConnectionRefused | ErrorKind::ConnectionReset => DialError::Refused,
            ErrorKind::TimedOut => DialError::TimedOut,
            // This host's own limits and settings, not the peer's.
            ErrorKind::PermissionDenied
            | ErrorKind::AddrInUse
            | ErrorKind::AddrNotAvailable
            | ErrorKind::OutOfMemory
            | ErrorKind::Unsupported => DialError::Local,
            _ => DialError::Unreachable,
        }
    }
}

impl fmt::Display for DialError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
