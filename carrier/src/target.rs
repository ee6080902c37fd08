//! Where to dial: a carrier and a peer address, written
//! `[scheme://]host:port` (`tls://192.0.2.7:443`, `ws://[::1]:8080`,
//! `<onion>.onion:9333`); without a scheme, raw TCP.

use core::fmt;
use core::str::FromStr;

use veil_core::node::{AddrParseError, PeerAddr};

use crate::{Carrier, UnknownCarrier};

/// A dialable address: the carrier and the peer's address.
///
/// ```
/// use veil_carrier::{Carrier, Target};
/// let target: Target = "wss://192.0.2.7:443".parse().unwrap();
/// assert_eq!(target.carrier, Carrier::WebSocketTls);
/// assert_eq!(target.addr.port, 443);
/// assert_eq!(target.to_string(), "wss://192.0.2.7:443");
/// assert_eq!("192.0.2.7:9333".parse::<Target>().unwrap().carrier, Carrier::Tcp);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Target {
    /// How the bytes travel.
    pub carrier: Carrier,
    /// Who to reach.
    pub addr: PeerAddr,
}

/// Why a target did not parse.
///
/// ```
/// use veil_carrier::{Target, TargetParseError};
/// assert!(matches!("udp://1.2.3.4:1".parse::<Target>(), Err(TargetParseError::Carrier(_))));
/// assert!(matches!("tcp://1.2.3.4".parse::<Target>(), Err(TargetParseError::Address(_))));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TargetParseError {
    /// The scheme names no carrier.
    Carrier(UnknownCarrier),
    /// The address after the scheme is not a peer address.
    Address(AddrParseError),
}

impl fmt::Display for TargetParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TargetParseError::Carrier(error) => error.fmt(f),
            TargetParseError::Address(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for TargetParseError {}

impl FromStr for Target {
    type Err = TargetParseError;

    fn from_str(text: &str) -> Result<Target, TargetParseError> {
        let (carrier, rest) = match text.split_once("://") {
            Some((scheme, rest)) => (scheme.parse().map_err(TargetParseError::Carrier)?, rest),
            None => (Carrier::Tcp, text),
        };
        let addr = rest
            .trim_end_matches('/')
            .parse()
            .map_err(TargetParseError::Address)?;
        Ok(Target { carrier, addr })
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}", self.carrier, self.addr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_and_addresses() {
        for text in [
            "tcp://1.2.3.4:1",
            "tls://[2001:db8::1]:443",
            "ws://10.0.0.1:80",
            "wss://10.0.0.1:443",
        ] {
            let target: Target = text.parse().unwrap();
            assert_eq!(target.to_string(), text);
        }
        assert!("tls://example.com:443".parse::<Target>().is_err());
    }
}
