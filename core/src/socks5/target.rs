//! Where the proxy should connect: a host name or an IP address, and a port.

use core::fmt;
use core::net::{IpAddr, SocketAddr};

use super::onion::{i2p_name, onion_name};
use crate::message::NetAddress;

/// The longest domain name SOCKS5 can carry (its length is one byte).
///
/// ```
/// assert_eq!(veil_core::socks5::MAX_DOMAIN_LEN, 255);
/// ```
pub const MAX_DOMAIN_LEN: usize = 255;

/// The longest label (the text between dots) of a domain name (RFC 1035).
const MAX_LABEL_LEN: usize = 63;

/// A validated host name, sent to the proxy as it is (address type 0x03) so
/// the proxy resolves it: veil never resolves names locally, which would leak
/// them to the local resolver and cannot work for `.onion` names at all.
///
/// Valid names are 1 to 255 bytes of dot-separated labels, each 1 to 63
/// bytes of ASCII letters, digits, `-` or `_`. No empty label, so no leading,
/// doubled or trailing dot. Stored inline: no allocation.
///
/// # Example
///
/// ```
/// use veil_core::socks5::{DomainName, TargetError};
///
/// let name = DomainName::new("example.onion").unwrap();
/// assert_eq!(name.as_str(), "example.onion");
/// assert_eq!(
///     DomainName::new("bad..name"),
///     Err(TargetError::EmptyLabel { offset: 4 })
/// );
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct DomainName {
    bytes: [u8; MAX_DOMAIN_LEN],
    len: u8,
}

impl DomainName {
    /// Validates `name` as a domain name.
    ///
    /// ```
    /// use veil_core::socks5::{DomainName, TargetError};
    ///
    /// assert!(DomainName::new("seed.example.org").is_ok());
    /// assert_eq!(DomainName::new(""), Err(TargetError::EmptyName));
    /// assert_eq!(
    ///     DomainName::new("a b"),
    ///     Err(TargetError::InvalidByte { offset: 1, byte: b' ' })
    /// );
    /// ```
    pub fn new(name: &str) -> Result<DomainName, TargetError> {
        Self::from_bytes(name.as_bytes())
    }

    fn from_bytes(name: &[u8]) -> Result<DomainName, TargetError> {
        if name.is_empty() {
            return Err(TargetError::EmptyName);
        }
        if name.len() > MAX_DOMAIN_LEN {
            return Err(TargetError::NameTooLong { len: name.len() });
        }
        let mut offset = 0;
        for label in name.split(|&b| b == b'.') {
            if label.is_empty() {
                return Err(TargetError::EmptyLabel { offset });
            }
            if label.len() > MAX_LABEL_LEN {
                return Err(TargetError::LabelTooLong {
                    offset,
                    len: label.len(),
                });
            }
            let allowed = |b: &u8| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_';
            if let Some(at) = label.iter().position(|b| !allowed(b)) {
                return Err(TargetError::InvalidByte {
                    offset: offset + at,
                    byte: label[at],
                });
            }
            offset += label.len() + 1;
        }
        let mut bytes = [0u8; MAX_DOMAIN_LEN];
        bytes[..name.len()].copy_from_slice(name);
        Ok(DomainName {
            bytes,
            // At most MAX_DOMAIN_LEN (255), checked above.
            len: name.len() as u8,
        })
    }

    /// The name as text.
    ///
    /// ```
    /// let name = veil_core::socks5::DomainName::new("node.example").unwrap();
    /// assert_eq!(name.as_str().len(), 12);
    /// ```
    #[must_use]
    pub fn as_str(&self) -> &str {
        // Validated as ASCII, so this never takes the fallback.
        core::str::from_utf8(self.as_bytes()).unwrap_or_default()
    }

    /// The name's bytes, as sent to the proxy.
    ///
    /// ```
    /// let name = veil_core::socks5::DomainName::new("a.b").unwrap();
    /// assert_eq!(name.as_bytes(), b"a.b");
    /// ```
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

impl fmt::Debug for DomainName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("DomainName").field(&self.as_str()).finish()
    }
}

impl fmt::Display for DomainName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The host part of a [`Target`].
///
/// # Example
///
/// ```
/// use core::net::Ipv4Addr;
/// use veil_core::socks5::Host;
///
/// let host = Host::Ip(Ipv4Addr::LOCALHOST.into());
/// assert!(matches!(host, Host::Ip(ip) if ip.is_loopback()));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(clippy::large_enum_variant)] // one per connection; inline keeps it `Copy`
pub enum Host {
    /// A name the proxy resolves (address type 0x03).
    Domain(DomainName),
    /// An IPv4 (address type 0x01) or IPv6 (0x04) address.
    Ip(IpAddr),
}

/// The destination the proxy is asked to connect to.
///
/// # Example
///
/// ```
/// use veil_core::socks5::{Host, Target};
///
/// let target = Target::domain("example.onion", 8333).unwrap();
/// assert!(matches!(target.host, Host::Domain(_)));
/// assert_eq!(target.to_string(), "example.onion:8333");
///
/// let target = Target::from("[2001:db8::1]:8333".parse::<core::net::SocketAddr>().unwrap());
/// assert_eq!(target.to_string(), "[2001:db8::1]:8333");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Target {
    /// The host.
    pub host: Host,
    /// The port.
    pub port: u16,
}

impl Target {
    /// A host name and port; the name is validated as a [`DomainName`].
    ///
    /// ```
    /// use veil_core::socks5::{Target, TargetError};
    ///
    /// assert_eq!(Target::domain("seed.example", 8333).unwrap().port, 8333);
    /// assert_eq!(Target::domain("", 1), Err(TargetError::EmptyName));
    /// ```
    pub fn domain(name: &str, port: u16) -> Result<Target, TargetError> {
        Ok(Target {
            host: Host::Domain(DomainName::new(name)?),
            port,
        })
    }

    /// The target for a peer address from veil's address book: IPv4 and
    /// IPv6 as addresses; a Tor v3 service as its `<56 base32>.onion` name
    /// (with the SHA3-256 checksum Tor verifies); an I2P destination as its
    /// `<52 base32>.b32.i2p` name. An unknown network has no name a proxy
    /// could resolve.
    ///
    /// ```
    /// use veil_core::message::NetAddress;
    /// use veil_core::socks5::{Host, Target, TargetError};
    ///
    /// let tor = Target::from_net_address(&NetAddress::TorV3([0; 32]), 8333).unwrap();
    /// let Host::Domain(name) = tor.host else { unreachable!() };
    /// assert!(name.as_str().ends_with(".onion"));
    /// assert_eq!(name.as_str().len(), 62);
    ///
    /// let unknown = NetAddress::Unknown { network: 9, bytes: Default::default() };
    /// assert_eq!(
    ///     Target::from_net_address(&unknown, 1),
    ///     Err(TargetError::UnknownNetwork { network: 9 })
    /// );
    /// ```
    pub fn from_net_address(address: &NetAddress, port: u16) -> Result<Target, TargetError> {
        let host = match address {
            NetAddress::Ipv4(ip) => Host::Ip(IpAddr::V4(*ip)),
            NetAddress::Ipv6(ip) => Host::Ip(IpAddr::V6(*ip)),
            NetAddress::TorV3(key) => Host::Domain(DomainName::from_bytes(&onion_name(key))?),
            NetAddress::I2p(hash) => Host::Domain(DomainName::from_bytes(&i2p_name(hash))?),
            NetAddress::Unknown { network, .. } => {
                return Err(TargetError::UnknownNetwork { network: *network })
            }
        };
        Ok(Target { host, port })
    }
}

impl From<SocketAddr> for Target {
    fn from(addr: SocketAddr) -> Target {
        Target {
            host: Host::Ip(addr.ip()),
            port: addr.port(),
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.host {
            Host::Domain(name) => write!(f, "{name}:{}", self.port),
            Host::Ip(ip) => write!(f, "{}", SocketAddr::new(*ip, self.port)),
        }
    }
}

/// Why a target was refused (before anything is sent).
///
/// # Example
///
/// ```
/// use veil_core::socks5::{DomainName, TargetError};
///
/// let err = DomainName::new(&"a".repeat(64)).unwrap_err();
/// assert_eq!(err, TargetError::LabelTooLong { offset: 0, len: 64 });
/// assert_eq!(err.to_string(), "domain name label at offset 0 is 64 bytes, more than 63");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TargetError {
    /// The domain name is empty.
    EmptyName,
    /// The domain name is longer than [`MAX_DOMAIN_LEN`] bytes.
    NameTooLong {
        /// Its length.
        len: usize,
    },
    /// A label is empty: a leading, doubled or trailing dot.
    EmptyLabel {
        /// Byte offset where the empty label starts.
        offset: usize,
    },
    /// A label is longer than 63 bytes.
    LabelTooLong {
        /// Byte offset of the label.
        offset: usize,
        /// Its length.
        len: usize,
    },
    /// A byte other than an ASCII letter, digit, `-` or `_` (or `.` between
    /// labels).
    InvalidByte {
        /// Its offset.
        offset: usize,
        /// The byte.
        byte: u8,
    },
    /// A [`NetAddress::Unknown`] network: there is no name to give a proxy.
    UnknownNetwork {
        /// The network id.
        network: u8,
    },
}

impl fmt::Display for TargetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TargetError::EmptyName => f.write_str("domain name is empty"),
            TargetError::NameTooLong { len } => write!(
                f,
                "domain name is {len} bytes, more than {MAX_DOMAIN_LEN}"
            ),
            TargetError::EmptyLabel { offset } => {
                write!(f, "domain name has an empty label at offset {offset}")
            }
            TargetError::LabelTooLong { offset, len } => write!(
                f,
                "domain name label at offset {offset} is {len} bytes, more than {MAX_LABEL_LEN}"
            ),
            TargetError::InvalidByte { offset, byte } => write!(
                f,
                "domain name has byte {byte:#04x} at offset {offset} (allowed: ASCII letters, digits, '-', '_', '.')"
            ),
            TargetError::UnknownNetwork { network } => write!(
                f,
                "address of unknown network {network} has no name a proxy can reach"
            ),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for TargetError {}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn length_bounds() {
        let label = "a".repeat(63);
        let name = [label.as_str(); 4].join(".");
        assert_eq!(name.len(), 255);
        assert_eq!(DomainName::new(&name).unwrap().as_str(), name);
        let long = alloc::format!("{name}a");
        assert_eq!(
            DomainName::new(&long),
            Err(TargetError::NameTooLong { len: 256 })
        );
        assert!(DomainName::new("a").is_ok());
    }

    #[test]
    fn refusals_name_their_offset() {
        assert_eq!(
            DomainName::new(".a"),
            Err(TargetError::EmptyLabel { offset: 0 })
        );
        assert_eq!(
            DomainName::new("a."),
            Err(TargetError::EmptyLabel { offset: 2 })
        );
        assert_eq!(
            DomainName::new("ab.c\0"),
            Err(TargetError::InvalidByte { offset: 4, byte: 0 })
        );
        assert_eq!(
            DomainName::new("é"),
            Err(TargetError::InvalidByte {
                offset: 0,
                byte: 0xc3
            })
        );
        assert!(DomainName::new("_srv-1.Example.COM").is_ok());
    }

    #[test]
    fn net_addresses() {
        let v4 = NetAddress::Ipv4([192, 0, 2, 1].into());
        assert_eq!(
            Target::from_net_address(&v4, 8333).unwrap().to_string(),
            "192.0.2.1:8333"
        );
        let i2p = Target::from_net_address(&NetAddress::I2p([0xff; 32]), 0).unwrap();
        let Host::Domain(name) = i2p.host else {
            panic!("i2p is a name")
        };
        assert!(name.as_str().ends_with(".b32.i2p"));
        assert_eq!(name.as_str().len(), 60);
    }
}
