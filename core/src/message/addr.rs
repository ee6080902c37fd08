//! Address records for `addr`: IPv4, IPv6, Tor v3 and I2P (BIP155's idea).

use alloc::vec::Vec;
use bytes::{BufMut, Bytes};
use core::net::{Ipv4Addr, Ipv6Addr};

use super::limits::MAX_ADDRESS_LEN;
use super::{check_len, Decode, Encode, PayloadError};
use crate::codec::{compact_size_len, put_compact_size, Reader};
use crate::time::UnixTime;

/// A network address of any network veil can reach.
///
/// On the wire: network id (u8), CompactSize length, the address bytes. The
/// ids and lengths are BIP155's: 1 = IPv4 (4 bytes), 2 = IPv6 (16),
/// 4 = Tor v3 (32: the onion service's ed25519 public key), 5 = I2P (32: the
/// SHA-256 of the destination). A known id with another length is rejected;
/// an unknown id is kept as [`NetAddress::Unknown`] (at most 512 bytes) so the
/// message still decodes, and the address book ignores it.
///
/// # Example
///
/// ```
/// use core::net::Ipv4Addr;
/// use veil_core::message::NetAddress;
///
/// let addr = NetAddress::Ipv4(Ipv4Addr::new(203, 0, 113, 7));
/// assert_eq!(addr.network_id(), 1);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NetAddress {
    /// An IPv4 address.
    Ipv4(Ipv4Addr),
    /// An IPv6 address.
    Ipv6(Ipv6Addr),
    /// A Tor v3 onion service, by its 32-byte ed25519 public key.
    TorV3([u8; 32]),
    /// An I2P destination, by the SHA-256 of its destination (32 bytes).
    I2p([u8; 32]),
    /// A network veil does not know; kept so the record decodes.
    Unknown {
        /// The network id (never 1, 2, 4 or 5).
        network: u8,
        /// The address bytes, at most 512.
        bytes: Bytes,
    },
}

/// Network ids of the networks veil knows.
mod network_id {
    pub const IPV4: u8 = 1;
    pub const IPV6: u8 = 2;
    pub const TOR_V3: u8 = 4;
    pub const I2P: u8 = 5;
}

const KNOWN_NETWORKS: [u8; 4] = [
    network_id::IPV4,
    network_id::IPV6,
    network_id::TOR_V3,
    network_id::I2P,
];

impl NetAddress {
    /// The BIP155 network id this address is sent with.
    ///
    /// ```
    /// assert_eq!(veil_core::message::NetAddress::TorV3([0; 32]).network_id(), 4);
    /// ```
    #[must_use]
    pub fn network_id(&self) -> u8 {
        match self {
            NetAddress::Ipv4(_) => network_id::IPV4,
            NetAddress::Ipv6(_) => network_id::IPV6,
            NetAddress::TorV3(_) => network_id::TOR_V3,
            NetAddress::I2p(_) => network_id::I2P,
            NetAddress::Unknown { network, .. } => *network,
        }
    }

    /// Builds an address from its network id and bytes, as decoding does.
    ///
    /// ```
    /// use veil_core::message::NetAddress;
    /// let a = NetAddress::from_parts(1, &[127, 0, 0, 1]).unwrap();
    /// assert_eq!(a, NetAddress::Ipv4([127, 0, 0, 1].into()));
    /// assert!(NetAddress::from_parts(1, &[127, 0, 0]).is_err());
    /// ```
    pub fn from_parts(network: u8, bytes: &[u8]) -> Result<NetAddress, PayloadError> {
        Self::from_wire(network, Bytes::copy_from_slice(bytes))
    }

    fn from_wire(network: u8, bytes: Bytes) -> Result<NetAddress, PayloadError> {
        let fixed = |expected: usize| -> Result<&[u8], PayloadError> {
            if bytes.len() == expected {
                Ok(&bytes[..])
            } else {
                Err(PayloadError::AddressLength {
                    network,
                    expected,
                    actual: bytes.len(),
                })
            }
        };
        Ok(match network {
            network_id::IPV4 => NetAddress::Ipv4(array::<4>(fixed(4)?).into()),
            network_id::IPV6 => NetAddress::Ipv6(array::<16>(fixed(16)?).into()),
            network_id::TOR_V3 => NetAddress::TorV3(array::<32>(fixed(32)?)),
            network_id::I2P => NetAddress::I2p(array::<32>(fixed(32)?)),
            _ => {
                check_len("addr.address", bytes.len(), MAX_ADDRESS_LEN)?;
                NetAddress::Unknown { network, bytes }
            }
        })
    }

    /// The address bytes as sent on the wire (without id or length).
    ///
    /// ```
    /// use veil_core::message::NetAddress;
    /// assert_eq!(NetAddress::Ipv4([10, 0, 0, 1].into()).to_bytes(), vec![10, 0, 0, 1]);
    /// ```
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.address_len());
        self.put_address(&mut out);
        out
    }

    fn address_len(&self) -> usize {
        match self {
            NetAddress::Ipv4(_) => 4,
            NetAddress::Ipv6(_) => 16,
            NetAddress::TorV3(_) | NetAddress::I2p(_) => 32,
            NetAddress::Unknown { bytes, .. } => bytes.len(),
        }
    }

    fn put_address<B: BufMut>(&self, out: &mut B) {
        match self {
            NetAddress::Ipv4(ip) => out.put_slice(&ip.octets()),
            NetAddress::Ipv6(ip) => out.put_slice(&ip.octets()),
            NetAddress::TorV3(key) | NetAddress::I2p(key) => out.put_slice(key),
            NetAddress::Unknown { bytes, .. } => out.put_slice(bytes),
        }
    }
}

/// Copies a slice whose length the caller has already checked.
fn array<const N: usize>(bytes: &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    out.copy_from_slice(&bytes[..N]);
    out
}

/// One record of an `addr` message: where a peer can be reached, since when,
/// and what it supports.
///
/// Wire layout: `time` u64 LE (Unix seconds the address was last seen),
/// `features` u32 LE, the [`NetAddress`] (id, CompactSize length, bytes),
/// `port` u16 **big-endian** (network order, as in Bitcoin).
///
/// # Example
///
/// ```
/// use veil_core::message::{AddrEntry, NetAddress};
/// use veil_core::UnixTime;
///
/// let entry = AddrEntry {
///     time: UnixTime::from_secs(1_700_000_000),
///     features: 1,
///     address: NetAddress::I2p([7; 32]),
///     port: 0,
/// };
/// assert_eq!(entry.address.network_id(), 5);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AddrEntry {
    /// When the address was last seen working.
    pub time: UnixTime,
    /// The feature bits the peer there announced.
    pub features: u32,
    /// Where the peer is.
    pub address: NetAddress,
    /// Its port (0 for networks without ports, such as I2P).
    pub port: u16,
}

/// Smallest encoded record: time, features, network id, empty length, port.
pub(crate) const MIN_ADDR_ENTRY_LEN: usize = 8 + 4 + 1 + 1 + 2;
/// Largest encoded record.
pub(crate) const MAX_ADDR_ENTRY_LEN: usize =
    MIN_ADDR_ENTRY_LEN - 1 + compact_size_len(MAX_ADDRESS_LEN as u64) + MAX_ADDRESS_LEN;

impl Encode for AddrEntry {
    fn encoded_len(&self) -> usize {
        let len = self.address.address_len();
        MIN_ADDR_ENTRY_LEN - 1 + compact_size_len(len as u64) + len
    }

    fn encode<B: BufMut>(&self, out: &mut B) {
        out.put_u64_le(self.time.as_secs());
        out.put_u32_le(self.features);
        out.put_u8(self.address.network_id());
        put_compact_size(out, self.address.address_len() as u64);
        self.address.put_address(out);
        out.put_u16(self.port);
    }

    fn check_limits(&self) -> Result<(), PayloadError> {
        match &self.address {
            NetAddress::Unknown { network, bytes } => {
                if KNOWN_NETWORKS.contains(network) {
                    return Err(PayloadError::ShadowsKnownValue {
                        field: "addr.network",
                        value: u64::from(*network),
                    });
                }
                check_len("addr.address", bytes.len(), MAX_ADDRESS_LEN)
            }
            _ => Ok(()),
        }
    }
}

impl Decode for AddrEntry {
    fn decode(r: &mut Reader) -> Result<Self, PayloadError> {
        let time = UnixTime::from_secs(r.u64_le("addr.time")?);
        let features = r.u32_le("addr.features")?;
        let network = r.u8("addr.network")?;
        let bytes = r.var_bytes("addr.address", MAX_ADDRESS_LEN)?;
        let address = NetAddress::from_wire(network, bytes)?;
        let port = r.u16_be("addr.port")?;
        Ok(AddrEntry {
            time,
            features,
            address,
            port,
        })
    }
}
