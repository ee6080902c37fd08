//! Network groups: which addresses an attacker can cheaply hold many of.
//!
//! One operator can easily get many addresses inside one IPv4 /16 or IPv6
//! /32, but hardly in many of them; the book limits how much of its tables
//! one group can take (Bitcoin Core's `GetGroup`). Groups are hashed with
//! the node's secret key, so an attacker cannot tell which groups share a
//! bucket.

use core::net::{Ipv4Addr, Ipv6Addr};

use sha2::{Digest, Sha256};

use crate::message::NetAddress;

/// The network group of an address: the unit an attacker pays for.
///
/// IPv4 groups by /16; IPv6 by /32, except addresses that embed an IPv4
/// address (IPv4-mapped, 6to4, Teredo), which take that address's group so
/// tunnels do not multiply an attacker's groups; Tor v3 and I2P by the
/// first 4 bits of the key (cheap to generate, so only 16 groups each).
/// Every local (loopback, unspecified) address is one group, and so is
/// every other unroutable address (private, link-local, documentation,
/// multicast, reserved ranges).
///
/// # Example
///
/// ```
/// use core::net::Ipv4Addr;
/// use veil_core::addrbook::NetGroup;
/// use veil_core::message::NetAddress;
///
/// let a = NetGroup::of(&NetAddress::Ipv4(Ipv4Addr::new(8, 8, 4, 4)));
/// let b = NetGroup::of(&NetAddress::Ipv4(Ipv4Addr::new(8, 8, 200, 1)));
/// assert_eq!(a, b);
/// assert_eq!(a, NetGroup::Ipv4([8, 8]));
/// assert!(a.is_routable());
/// assert!(!NetGroup::of(&NetAddress::Ipv4(Ipv4Addr::new(10, 0, 0, 1))).is_routable());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NetGroup {
    /// Loopback and unspecified addresses.
    Local,
    /// Routable nowhere on the Internet (private, reserved, unknown network).
    Unroutable,
    /// An IPv4 /16.
    Ipv4([u8; 2]),
    /// An IPv6 /32.
    Ipv6([u8; 4]),
    /// Tor v3, by the first 4 bits of the key (0-15).
    Onion(u8),
    /// I2P, by the first 4 bits of the hash (0-15).
    I2p(u8),
}

impl NetGroup {
    /// The group of `address`.
    ///
    /// ```
    /// use veil_core::addrbook::NetGroup;
    /// use veil_core::message::NetAddress;
    /// assert_eq!(NetGroup::of(&NetAddress::I2p([0xab; 32])), NetGroup::I2p(0xa));
    /// ```
    #[must_use]
    pub fn of(address: &NetAddress) -> NetGroup {
        match canonical(address) {
            Some(NetAddress::Ipv4(ip)) => ipv4_group(ip),
            Some(NetAddress::Ipv6(ip)) => ipv6_group(&ip),
            Some(NetAddress::TorV3(key)) => NetGroup::Onion(key[0] >> 4),
            Some(NetAddress::I2p(hash)) => NetGroup::I2p(hash[0] >> 4),
            Some(NetAddress::Unknown { .. }) | None => NetGroup::Unroutable,
        }
    }

    /// Whether addresses of this group can be dialled over the Internet
    /// (or an overlay): only those go into the address book.
    ///
    /// ```
    /// assert!(!veil_core::addrbook::NetGroup::Local.is_routable());
    /// ```
    #[must_use]
    pub const fn is_routable(self) -> bool {
        !matches!(self, NetGroup::Local | NetGroup::Unroutable)
    }

    /// A stable encoding: a tag byte and 0-4 group bytes (the persisted
    /// form, also the input of [`NetGroup::keyed`]).
    ///
    /// ```
    /// use veil_core::addrbook::NetGroup;
    /// assert_eq!(NetGroup::Ipv4([8, 8]).encode().as_slice(), &[2, 8, 8]);
    /// assert_eq!(NetGroup::Local.encode().as_slice(), &[0]);
    /// ```
    #[must_use]
    pub fn encode(self) -> EncodedGroup {
        let mut bytes = [0u8; 5];
        let len = match self {
            NetGroup::Local => 1,
            NetGroup::Unroutable => {
                bytes[0] = 1;
                1
            }
            NetGroup::Ipv4(g) => {
                bytes[0] = 2;
                bytes[1..3].copy_from_slice(&g);
                3
            }
            NetGroup::Ipv6(g) => {
                bytes[0] = 3;
                bytes[1..5].copy_from_slice(&g);
                5
            }
            NetGroup::Onion(bits) => {
                bytes = [4, bits, 0, 0, 0];
                2
            }
            NetGroup::I2p(bits) => {
                bytes = [5, bits, 0, 0, 0];
                2
            }
        };
        EncodedGroup { bytes, len }
    }

    /// Decodes [`NetGroup::encode`]'s output from the front of `bytes`;
    /// returns the group and the bytes it took, or `None` if the tag is
    /// unknown, the bytes are short, or a Tor/I2P group exceeds 15.
    ///
    /// ```
    /// use veil_core::addrbook::NetGroup;
    /// assert_eq!(NetGroup::decode(&[3, 1, 2, 3, 4, 9]), Some((NetGroup::Ipv6([1, 2, 3, 4]), 5)));
    /// assert_eq!(NetGroup::decode(&[4, 16]), None);
    /// ```
    #[must_use]
    pub fn decode(bytes: &[u8]) -> Option<(NetGroup, usize)> {
        let (&tag, rest) = bytes.split_first()?;
        let nibble = |rest: &[u8]| rest.first().copied().filter(|b| *b < 16);
        Some(match tag {
            0 => (NetGroup::Local, 1),
            1 => (NetGroup::Unroutable, 1),
            2 => (NetGroup::Ipv4(*rest.first_chunk::<2>()?), 3),
            3 => (NetGroup::Ipv6(*rest.first_chunk::<4>()?), 5),
            4 => (NetGroup::Onion(nibble(rest)?), 2),
            5 => (NetGroup::I2p(nibble(rest)?), 2),
            _ => return None,
        })
    }

    /// The group as a 64-bit value keyed with the node's secret `key`:
    /// the first 8 bytes of SHA-256(key || domain tag || encoded group).
    /// Without the key nobody can predict which groups collide.
    ///
    /// ```
    /// use veil_core::addrbook::NetGroup;
    /// let group = NetGroup::Ipv4([8, 8]);
    /// assert_eq!(group.keyed(&[1; 32]), group.keyed(&[1; 32]));
    /// assert_ne!(group.keyed(&[1; 32]), group.keyed(&[2; 32]));
    /// ```
    #[must_use]
    pub fn keyed(self, key: &[u8; 32]) -> u64 {
        keyed_hash(key, b"veil/addrbook/netgroup", &[self.encode().as_slice()])
    }
}

/// [`NetGroup::encode`]'s output: up to 5 bytes without allocating.
///
/// # Example
///
/// ```
/// use veil_core::addrbook::NetGroup;
/// assert_eq!(NetGroup::Onion(3).encode().as_slice(), &[4, 3]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EncodedGroup {
    bytes: [u8; 5],
    len: usize,
}

impl EncodedGroup {
    /// The encoded bytes.
    ///
    /// ```
    /// use veil_core::addrbook::NetGroup;
    /// assert_eq!(NetGroup::Unroutable.encode().as_slice(), &[1]);
    /// ```
    #[must_use]
    pub fn as_slice(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// First 8 bytes (little-endian) of SHA-256(key || tag || each part with a
/// length byte in front), so no two inputs share a preimage.
pub(crate) fn keyed_hash(key: &[u8; 32], tag: &[u8], parts: &[&[u8]]) -> u64 {
    let mut hasher = Sha256::new();
    hasher.update(key);
    hasher.update([tag.len() as u8]);
    hasher.update(tag);
    for part in parts {
        hasher.update([part.len() as u8]);
        hasher.update(part);
    }
    let digest = hasher.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_le_bytes(first)
}

/// The form an address is stored in: IPv4-mapped IPv6 becomes IPv4 (one
/// host, one entry). `None` for unknown networks.
pub(crate) fn canonical(address: &NetAddress) -> Option<NetAddress> {
    match address {
        NetAddress::Ipv6(ip) => Some(match ip.to_ipv4_mapped() {
            Some(v4) => NetAddress::Ipv4(v4),
            None => NetAddress::Ipv6(*ip),
        }),
        NetAddress::Unknown { .. } => None,
        other => Some(other.clone()),
    }
}

fn ipv4_group(ip: Ipv4Addr) -> NetGroup {
    let [a, b, c, _] = ip.octets();
    if a == 127 || a == 0 {
        return NetGroup::Local;
    }
    let unroutable = a == 10 // RFC 1918
        || (a == 172 && (16..32).contains(&b))
        || (a == 192 && b == 168)
        || (a == 100 && (64..128).contains(&b)) // RFC 6598 shared space
        || (a == 169 && b == 254) // link-local
        || (a == 198 && (b == 18 || b == 19)) // RFC 2544 benchmarking
        || (a == 192 && b == 0 && (c == 0 || c == 2)) // IETF, TEST-NET-1
        || (a == 198 && b == 51 && c == 100) // TEST-NET-2
        || (a == 203 && b == 0 && c == 113) // TEST-NET-3
        || a >= 224; // multicast, reserved, broadcast
    if unroutable {
        NetGroup::Unroutable
    } else {
        NetGroup::Ipv4([a, b])
    }
}

fn ipv6_group(ip: &Ipv6Addr) -> NetGroup {
    let o = ip.octets();
    let s = ip.segments();
    if ip.is_loopback() || ip.is_unspecified() {
        return NetGroup::Local;
    }
    if s[0] == 0x2002 {
        // 6to4: the tunnel's IPv4 end decides the group.
        return ipv4_group(Ipv4Addr::new(o[2], o[3], o[4], o[5]));
    }
    if s[0] == 0x2001 && s[1] == 0 {
        // Teredo: the client's IPv4 address, stored inverted.
        return ipv4_group(Ipv4Addr::new(!o[12], !o[13], !o[14], !o[15]));
    }
    let unroutable = s[0] & 0xe000 != 0x2000 // only 2000::/3 is global unicast
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || (s[0] == 0x2001 && (s[1] & 0xfff0) == 0x0010) // ORCHID
        || (s[0] == 0x2001 && (s[1] & 0xfff0) == 0x0020); // ORCHIDv2
    if unroutable {
        NetGroup::Unroutable
    } else {
        NetGroup::Ipv6([o[0], o[1], o[2], o[3]])
    }
}

#[cfg(test)]
mod tests {
    use super::super::network::Network;
    use super::*;
    use alloc::vec::Vec;

    fn v4(a: u8, b: u8, c: u8, d: u8) -> NetGroup {
        NetGroup::of(&NetAddress::Ipv4(Ipv4Addr::new(a, b, c, d)))
    }

    fn v6(s: [u16; 8]) -> NetGroup {
        NetGroup::of(&NetAddress::Ipv6(Ipv6Addr::from(s)))
    }

    #[test]
    fn ipv4_groups_by_slash_16() {
        assert_eq!(v4(1, 2, 3, 4), NetGroup::Ipv4([1, 2]));
        assert_eq!(v4(1, 2, 255, 255), v4(1, 2, 0, 1));
        assert_ne!(v4(1, 2, 3, 4), v4(1, 3, 3, 4));
    }

    #[test]
    fn unroutable_ipv4_ranges() {
        for (a, b, c) in [
            (10, 1, 1),
            (172, 16, 0),
            (172, 31, 9),
            (192, 168, 1),
            (100, 64, 0),
            (169, 254, 3),
            (198, 18, 0),
            (192, 0, 2),
            (198, 51, 100),
            (203, 0, 113),
            (224, 0, 0),
            (255, 255, 255),
        ] {
            assert_eq!(v4(a, b, c, 1), NetGroup::Unroutable, "{a}.{b}.{c}.1");
        }
        assert_eq!(v4(127, 0, 0, 1), NetGroup::Local);
        assert_eq!(v4(0, 0, 0, 0), NetGroup::Local);
        assert!(v4(172, 32, 0, 1).is_routable());
        assert!(v4(100, 128, 0, 1).is_routable());
    }

    #[test]
    fn ipv6_groups_by_slash_32_and_embedded_ipv4() {
        let g = v6([0x2a01, 0x4f8, 1, 2, 3, 4, 5, 6]);
        assert_eq!(g, NetGroup::Ipv6([0x2a, 0x01, 0x04, 0xf8]));
        assert_eq!(g, v6([0x2a01, 0x4f8, 9, 9, 9, 9, 9, 9]));
        assert_eq!(v6([0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304]), v4(1, 2, 3, 4));
        assert_eq!(v6([0x2002, 0x0102, 0x0304, 0, 0, 0, 0, 1]), v4(1, 2, 3, 4));
        let teredo = [0x2001, 0, 0x4136, 0xe378, 0x8000, 0x63bf, 0xfefd, 0xfcfb];
        assert_eq!(v6(teredo), v4(1, 2, 3, 4));
    }

    #[test]
    fn unroutable_ipv6_ranges() {
        assert_eq!(v6([0, 0, 0, 0, 0, 0, 0, 1]), NetGroup::Local);
        assert_eq!(v6([0; 8]), NetGroup::Local);
        for s in [
            [0xfe80, 0, 0, 0, 0, 0, 0, 1],
            [0xfc00, 1, 0, 0, 0, 0, 0, 1],
            [0xff02, 0, 0, 0, 0, 0, 0, 1],
            [0x2001, 0xdb8, 0, 0, 0, 0, 0, 1],
            [0x2001, 0x10, 0, 0, 0, 0, 0, 1],
            [0x2001, 0x2f, 0, 0, 0, 0, 0, 1],
        ] {
            assert_eq!(v6(s), NetGroup::Unroutable, "{s:x?}");
        }
        // Mapped private IPv4 stays unroutable.
        assert_eq!(v6([0, 0, 0, 0, 0, 0xffff, 0x0a00, 1]), NetGroup::Unroutable);
    }

    #[test]
    fn overlays_group_by_four_bits() {
        let mut a = [0u8; 32];
        a[0] = 0x7f;
        assert_eq!(NetGroup::of(&NetAddress::TorV3(a)), NetGroup::Onion(7));
        assert_eq!(NetGroup::of(&NetAddress::I2p(a)), NetGroup::I2p(7));
        assert_ne!(NetGroup::Onion(7), NetGroup::I2p(7));
        let unknown = NetAddress::Unknown {
            network: 9,
            bytes: bytes::Bytes::from_static(&[1, 2]),
        };
        assert_eq!(NetGroup::of(&unknown), NetGroup::Unroutable);
        assert_eq!(Network::of(&unknown), None);
    }

    #[test]
    fn encoding_round_trips_and_rejects_garbage() {
        let groups = [
            NetGroup::Local,
            NetGroup::Unroutable,
            NetGroup::Ipv4([1, 2]),
            NetGroup::Ipv6([1, 2, 3, 4]),
            NetGroup::Onion(15),
            NetGroup::I2p(0),
        ];
        let mut tags = Vec::new();
        for g in groups {
            let e = g.encode();
            assert_eq!(
                NetGroup::decode(e.as_slice()),
                Some((g, e.as_slice().len()))
            );
            tags.push(e.as_slice()[0]);
            // Every strict prefix is refused.
            for cut in 0..e.as_slice().len() {
                assert_eq!(NetGroup::decode(&e.as_slice()[..cut]), None);
            }
        }
        tags.dedup();
        assert_eq!(tags.len(), groups.len());
        assert_eq!(NetGroup::decode(&[]), None);
        assert_eq!(NetGroup::decode(&[6]), None);
        assert_eq!(NetGroup::decode(&[2, 1]), None);
        assert_eq!(NetGroup::decode(&[5, 200]), None);
    }

    #[test]
    fn keyed_hash_separates_parts() {
        let k = [3; 32];
        assert_ne!(
            keyed_hash(&k, b"t", &[&[1, 2], &[3]]),
            keyed_hash(&k, b"t", &[&[1], &[2, 3]])
        );
        assert_ne!(keyed_hash(&k, b"a", &[]), keyed_hash(&k, b"b", &[]));
    }
}
