//! The networks an address can be on, and sets of them (the reachable
//! ones a dial may pick from).

use crate::message::NetAddress;

use super::netgroup::canonical;

/// The networks an address book entry can belong to.
///
/// # Example
///
/// ```
/// use veil_core::addrbook::Network;
/// use veil_core::message::NetAddress;
///
/// assert_eq!(Network::of(&NetAddress::TorV3([1; 32])), Some(Network::Onion));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Network {
    /// IPv4 (including IPv4-mapped IPv6 addresses).
    Ipv4,
    /// IPv6.
    Ipv6,
    /// Tor v3 onion services.
    Onion,
    /// I2P.
    I2p,
}

impl Network {
    /// Every network, in a fixed order (also the index order of counters).
    ///
    /// ```
    /// assert_eq!(veil_core::addrbook::Network::ALL.len(), 4);
    /// ```
    pub const ALL: [Network; 4] = [Network::Ipv4, Network::Ipv6, Network::Onion, Network::I2p];

    /// The network of `address`; `None` for networks veil does not know.
    ///
    /// ```
    /// use core::net::Ipv6Addr;
    /// use veil_core::addrbook::Network;
    /// use veil_core::message::NetAddress;
    ///
    /// let mapped = NetAddress::Ipv6(Ipv6Addr::from([0, 0, 0, 0, 0, 0xffff, 0x0808, 0x0808]));
    /// assert_eq!(Network::of(&mapped), Some(Network::Ipv4));
    /// ```
    #[must_use]
    pub fn of(address: &NetAddress) -> Option<Network> {
        match canonical(address)? {
            NetAddress::Ipv4(_) => Some(Network::Ipv4),
            NetAddress::Ipv6(_) => Some(Network::Ipv6),
            NetAddress::TorV3(_) => Some(Network::Onion),
            NetAddress::I2p(_) => Some(Network::I2p),
            NetAddress::Unknown { .. } => None,
        }
    }

    /// A small index (0-3), in the order of [`Network::ALL`].
    ///
    /// ```
    /// assert_eq!(veil_core::addrbook::Network::I2p.index(), 3);
    /// ```
    #[must_use]
    pub const fn index(self) -> usize {
        self as usize
    }
}

/// A set of networks, such as the ones the node can currently reach.
///
/// # Example
///
/// ```
/// use veil_core::addrbook::{Network, Networks};
///
/// let reachable = Networks::CLEARNET.with(Network::Onion);
/// assert!(reachable.contains(Network::Onion));
/// assert!(!reachable.contains(Network::I2p));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Networks(u8);

impl Networks {
    /// No network.
    ///
    /// ```
    /// use veil_core::addrbook::{Network, Networks};
    /// assert!(!Networks::NONE.contains(Network::Ipv4));
    /// ```
    pub const NONE: Networks = Networks(0);
    /// IPv4 and IPv6.
    ///
    /// ```
    /// use veil_core::addrbook::{Network, Networks};
    /// assert!(Networks::CLEARNET.contains(Network::Ipv6));
    /// ```
    pub const CLEARNET: Networks = Networks(0b0011);
    /// All four networks.
    ///
    /// ```
    /// use veil_core::addrbook::{Network, Networks};
    /// assert!(Network::ALL.iter().all(|n| Networks::ALL.contains(*n)));
    /// ```
    pub const ALL: Networks = Networks(0b1111);

    /// This set plus `network`.
    ///
    /// ```
    /// use veil_core::addrbook::{Network, Networks};
    /// assert!(Networks::NONE.with(Network::I2p).contains(Network::I2p));
    /// ```
    #[must_use]
    pub const fn with(self, network: Network) -> Networks {
        Networks(self.0 | 1 << network as u8)
    }

    /// Whether `network` is in the set.
    ///
    /// ```
    /// use veil_core::addrbook::{Network, Networks};
    /// assert!(!Networks::CLEARNET.contains(Network::Onion));
    /// ```
    #[must_use]
    pub const fn contains(self, network: Network) -> bool {
        self.0 & (1 << network as u8) != 0
    }
}
