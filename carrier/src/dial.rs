//! Where and how a shell opens the node's dials: the node names an
//! address and a route, the shell remembers each address's carrier.

use std::collections::HashMap;
use std::net::SocketAddr;

use veil_core::node::{DialError, PeerAddr, Via};

use crate::Carrier;

/// The carrier to dial each address with (raw TCP unless set), and the
/// socket a dial goes to.
///
/// ```
/// use veil_carrier::{Carrier, DialCarriers, Target};
/// use veil_core::node::{DialError, Via};
/// let mut carriers = DialCarriers::default();
/// let target: Target = "wss://192.0.2.7:443".parse().unwrap();
/// carriers.set(target.addr.clone(), target.carrier);
/// let (socket, carrier) = carriers.resolve(&target.addr, Via::Direct, None).unwrap();
/// assert_eq!((socket.port(), carrier), (443, Carrier::WebSocketTls));
/// // Through a proxy the node speaks SOCKS5 itself: raw TCP to the proxy.
/// let proxy = "127.0.0.1:9050".parse().unwrap();
/// assert_eq!(carriers.resolve(&target.addr, Via::Socks5, Some(proxy)), Ok((proxy, Carrier::Tcp)));
/// assert_eq!(carriers.resolve(&target.addr, Via::Socks5, None), Err(DialError::NoProxy));
/// ```
#[derive(Clone, Debug, Default)]
pub struct DialCarriers {
    /// Only the addresses not on raw TCP.
    by_addr: HashMap<PeerAddr, Carrier>,
}

impl DialCarriers {
    /// Dials of `addr` from now on use `carrier`.
    ///
    /// See [`DialCarriers`] for an example.
    pub fn set(&mut self, addr: PeerAddr, carrier: Carrier) {
        if carrier == Carrier::Tcp {
            self.by_addr.remove(&addr);
        } else {
            self.by_addr.insert(addr, carrier);
        }
    }

    /// The carrier dials of `addr` use.
    ///
    /// ```
    /// let carriers = veil_carrier::DialCarriers::default();
    /// let addr = "192.0.2.7:9333".parse().unwrap();
    /// assert_eq!(carriers.get(&addr), veil_carrier::Carrier::Tcp);
    /// ```
    #[must_use]
    pub fn get(&self, addr: &PeerAddr) -> Carrier {
        self.by_addr.get(addr).copied().unwrap_or_default()
    }

    /// The socket and carrier of the node's dial of `addr` by `via`:
    /// the address itself with its carrier, or the SOCKS5 proxy over raw
    /// TCP (the node speaks SOCKS5 in its own byte stream).
    ///
    /// See [`DialCarriers`] for an example.
    pub fn resolve(
        &self,
        addr: &PeerAddr,
        via: Via,
        proxy: Option<SocketAddr>,
    ) -> Result<(SocketAddr, Carrier), DialError> {
        match via {
            Via::Socks5 => proxy
                .map(|proxy| (proxy, Carrier::Tcp))
                .ok_or(DialError::NoProxy),
            Via::Direct => addr
                .socket_addr()
                .map(|socket| (socket, self.get(addr)))
                .ok_or(DialError::Unreachable),
        }
    }
}
