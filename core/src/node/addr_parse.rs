//! Peer addresses written by people: `1.2.3.4:9333`, `[::1]:9333`,
//! `<56 base32>.onion:9333`, `<52 base32>.b32.i2p:9333`. Every shell
//! parses configuration and command lines the same way.

use core::fmt;
use core::net::{Ipv4Addr, Ipv6Addr};
use core::str::FromStr;

use super::PeerAddr;
use crate::message::NetAddress;
use crate::socks5::onion::{parse_i2p_name, parse_onion_name};

/// Why a peer address did not parse.
///
/// ```
/// use veil_core::node::{AddrParseError, PeerAddr};
/// assert_eq!("1.2.3.4".parse::<PeerAddr>(), Err(AddrParseError::MissingPort));
/// assert_eq!("example.com:80".parse::<PeerAddr>(), Err(AddrParseError::UnsupportedHost));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddrParseError {
    /// No `:port` at the end.
    MissingPort,
    /// The port is not a number from 1 to 65535.
    InvalidPort,
    /// A `.onion` name with the wrong length, alphabet, version or checksum.
    InvalidOnion,
    /// A `.b32.i2p` name with the wrong length or alphabet.
    InvalidI2p,
    /// Neither an IP address nor an onion or I2P name: DNS names are not
    /// resolved (that would leak to the local resolver which peers a node
    /// talks to).
    UnsupportedHost,
}

impl AddrParseError {
    /// A short stable name for logs and metrics.
    ///
    /// ```
    /// use veil_core::node::AddrParseError;
    /// assert_eq!(AddrParseError::InvalidPort.as_str(), "invalid_port");
    /// ```
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            AddrParseError::MissingPort => "missing_port",
            AddrParseError::InvalidPort => "invalid_port",
            AddrParseError::InvalidOnion => "invalid_onion",
            AddrParseError::InvalidI2p => "invalid_i2p",
            AddrParseError::UnsupportedHost => "unsupported_host",
        }
    }
}

impl fmt::Display for AddrParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AddrParseError::MissingPort => "the address has no :port",
            AddrParseError::InvalidPort => "the port is not a number from 1 to 65535",
            AddrParseError::InvalidOnion => {
                "not a Tor v3 onion name (56 base32 characters with a valid checksum)"
            }
            AddrParseError::InvalidI2p => "not an I2P name (52 base32 characters then .b32.i2p)",
            AddrParseError::UnsupportedHost => {
                "the host must be an IP address, a .onion or a .b32.i2p name (DNS names are not resolved)"
            }
        })
    }
}

#[cfg(feature = "std")]
impl std::error::Error for AddrParseError {}

impl FromStr for PeerAddr {
    type Err = AddrParseError;

    /// ```
    /// use core::net::Ipv4Addr;
    /// use veil_core::message::NetAddress;
    /// use veil_core::node::PeerAddr;
    /// let addr: PeerAddr = "10.0.0.7:9333".parse().unwrap();
    /// assert_eq!(addr, PeerAddr::new(NetAddress::Ipv4(Ipv4Addr::new(10, 0, 0, 7)), 9333));
    /// let onion: PeerAddr = "2gzyxa5ihm7nsggfxnu52rck2vv4rvmdlkiu3zzui5du4xyclen53wid.onion:80".parse().unwrap();
    /// assert!(onion.is_onion());
    /// assert_eq!(onion.to_string(), "2gzyxa5ihm7nsggfxnu52rck2vv4rvmdlkiu3zzui5du4xyclen53wid.onion:80");
    /// ```
    fn from_str(text: &str) -> Result<PeerAddr, AddrParseError> {
        let (host, port) = text.rsplit_once(':').ok_or(AddrParseError::MissingPort)?;
        let port = match port.parse::<u16>() {
            Ok(0) | Err(_) => return Err(AddrParseError::InvalidPort),
            Ok(port) => port,
        };
        let address = if let Some(v6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            NetAddress::Ipv6(
                v6.parse::<Ipv6Addr>()
                    .map_err(|_| AddrParseError::UnsupportedHost)?,
            )
        } else if let Ok(v4) = host.parse::<Ipv4Addr>() {
            NetAddress::Ipv4(v4)
        } else if host.to_ascii_lowercase().ends_with(".onion") {
            NetAddress::TorV3(parse_onion_name(host).ok_or(AddrParseError::InvalidOnion)?)
        } else if host.to_ascii_lowercase().ends_with(".b32.i2p") {
            NetAddress::I2p(parse_i2p_name(host).ok_or(AddrParseError::InvalidI2p)?)
        } else {
            // Includes IPv6 without brackets, where the port split guessed.
            return Err(AddrParseError::UnsupportedHost);
        };
        Ok(PeerAddr::new(address, port))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn every_form_round_trips_through_display() {
        for text in [
            "1.2.3.4:9333",
            "[2001:db8::1]:8333",
            "2gzyxa5ihm7nsggfxnu52rck2vv4rvmdlkiu3zzui5du4xyclen53wid.onion:9333",
        ] {
            let addr: PeerAddr = text.parse().unwrap();
            assert_eq!(addr.to_string(), text);
        }
        let i2p = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.b32.i2p:1";
        assert_eq!(
            i2p.parse::<PeerAddr>().unwrap().address,
            NetAddress::I2p([0; 32])
        );
    }

    #[test]
    fn every_error_is_named() {
        let cases = [
            ("1.2.3.4", AddrParseError::MissingPort),
            ("1.2.3.4:0", AddrParseError::InvalidPort),
            ("1.2.3.4:70000", AddrParseError::InvalidPort),
            ("1.2.3.4:x", AddrParseError::InvalidPort),
            ("abc.onion:1", AddrParseError::InvalidOnion),
            ("abc.b32.i2p:1", AddrParseError::InvalidI2p),
            ("example.com:1", AddrParseError::UnsupportedHost),
            ("2001:db8::1:80", AddrParseError::UnsupportedHost),
            ("[nonsense]:80", AddrParseError::UnsupportedHost),
        ];
        for (text, error) in cases {
            assert_eq!(text.parse::<PeerAddr>(), Err(error), "{text}");
            assert!(!error.to_string().is_empty());
        }
    }
}
