//! The CONNECT reply codes other than success, one variant each.

use core::fmt;

use super::error::Blame;

/// A CONNECT reply other than success (RFC 1928 section 6, and Tor's
/// onion service codes from proposal 304).
///
/// # Example
///
/// ```
/// use veil_core::socks5::ReplyError;
///
/// let err = ReplyError::from_code(0xf2).unwrap();
/// assert_eq!(err, ReplyError::OnionIntroductionFailed);
/// assert_eq!(err.code(), 0xf2);
/// assert_eq!(ReplyError::from_code(0x00), None);
/// assert_eq!(ReplyError::from_code(0x42), Some(ReplyError::Unassigned(0x42)));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReplyError {
    /// 0x01: general SOCKS server failure. Tor sends it for its own
    /// troubles (resource limits, circuit failures), so it blames the proxy.
    GeneralFailure,
    /// 0x02: the proxy's rules forbid the connection (Tor: exit policy).
    /// The proxy works; this target is out of its reach.
    NotAllowed,
    /// 0x03: the target's network is unreachable.
    NetworkUnreachable,
    /// 0x04: the target host is unreachable (or its name did not resolve).
    HostUnreachable,
    /// 0x05: the target refused the connection.
    ConnectionRefused,
    /// 0x06: TTL expired; Tor sends it when the target did not answer in
    /// time.
    TtlExpired,
    /// 0x07: the proxy does not support CONNECT.
    CommandNotSupported,
    /// 0x08: the proxy does not support the target's address type.
    AddressTypeNotSupported,
    /// 0xF0: the onion service's descriptor was not found (offline or
    /// gone).
    OnionDescriptorNotFound,
    /// 0xF1: the onion service's descriptor is invalid.
    OnionDescriptorInvalid,
    /// 0xF2: introduction to the onion service failed.
    OnionIntroductionFailed,
    /// 0xF3: the rendezvous with the onion service failed.
    OnionRendezvousFailed,
    /// 0xF4: the onion service requires client authorization we lack.
    OnionClientAuthMissing,
    /// 0xF5: the onion service refused our client authorization.
    OnionClientAuthWrong,
    /// 0xF6: the onion address is invalid.
    OnionAddressInvalid,
    /// 0xF7: introduction to the onion service timed out.
    OnionIntroductionTimedOut,
    /// Any other non-zero code: not assigned by RFC 1928 or Tor.
    Unassigned(u8),
}

impl ReplyError {
    /// The error for reply code `code`; `None` for 0x00 (succeeded).
    ///
    /// ```
    /// use veil_core::socks5::ReplyError;
    /// assert_eq!(ReplyError::from_code(5), Some(ReplyError::ConnectionRefused));
    /// ```
    #[must_use]
    pub const fn from_code(code: u8) -> Option<ReplyError> {
        Some(match code {
            0x00 => return None,
            0x01 => ReplyError::GeneralFailure,
            0x02 => ReplyError::NotAllowed,
            0x03 => ReplyError::NetworkUnreachable,
            0x04 => ReplyError::HostUnreachable,
            0x05 => ReplyError::ConnectionRefused,
            0x06 => ReplyError::TtlExpired,
            0x07 => ReplyError::CommandNotSupported,
            0x08 => ReplyError::AddressTypeNotSupported,
            0xf0 => ReplyError::OnionDescriptorNotFound,
            0xf1 => ReplyError::OnionDescriptorInvalid,
            0xf2 => ReplyError::OnionIntroductionFailed,
            0xf3 => ReplyError::OnionRendezvousFailed,
            0xf4 => ReplyError::OnionClientAuthMissing,
            0xf5 => ReplyError::OnionClientAuthWrong,
            0xf6 => ReplyError::OnionAddressInvalid,
            0xf7 => ReplyError::OnionIntroductionTimedOut,
            other => ReplyError::Unassigned(other),
        })
    }

    /// The reply code on the wire.
    ///
    /// ```
    /// assert_eq!(veil_core::socks5::ReplyError::TtlExpired.code(), 0x06);
    /// ```
    #[must_use]
    pub const fn code(self) -> u8 {
        match self {
            ReplyError::GeneralFailure => 0x01,
            ReplyError::NotAllowed => 0x02,
            ReplyError::NetworkUnreachable => 0x03,
            ReplyError::HostUnreachable => 0x04,
            ReplyError::ConnectionRefused => 0x05,
            ReplyError::TtlExpired => 0x06,
            ReplyError::CommandNotSupported => 0x07,
            ReplyError::AddressTypeNotSupported => 0x08,
            ReplyError::OnionDescriptorNotFound => 0xf0,
            ReplyError::OnionDescriptorInvalid => 0xf1,
            ReplyError::OnionIntroductionFailed => 0xf2,
            ReplyError::OnionRendezvousFailed => 0xf3,
            ReplyError::OnionClientAuthMissing => 0xf4,
            ReplyError::OnionClientAuthWrong => 0xf5,
            ReplyError::OnionAddressInvalid => 0xf6,
            ReplyError::OnionIntroductionTimedOut => 0xf7,
            ReplyError::Unassigned(code) => code,
        }
    }

    /// Whom the reply blames: [`Blame::Target`] when the proxy reached out
    /// and the target (or its route, or its onion service) failed, or a rule
    /// keeps this target out of reach; [`Blame::Proxy`] for the proxy's own
    /// failures and missing features, and for unassigned codes.
    ///
    /// ```
    /// use veil_core::socks5::{Blame, ReplyError};
    /// assert_eq!(ReplyError::OnionDescriptorNotFound.blame(), Blame::Target);
    /// assert_eq!(ReplyError::CommandNotSupported.blame(), Blame::Proxy);
    /// ```
    #[must_use]
    pub const fn blame(self) -> Blame {
        match self {
            ReplyError::GeneralFailure
            | ReplyError::CommandNotSupported
            | ReplyError::AddressTypeNotSupported
            | ReplyError::Unassigned(_) => Blame::Proxy,
            ReplyError::NotAllowed
            | ReplyError::NetworkUnreachable
            | ReplyError::HostUnreachable
            | ReplyError::ConnectionRefused
            | ReplyError::TtlExpired
            | ReplyError::OnionDescriptorNotFound
            | ReplyError::OnionDescriptorInvalid
            | ReplyError::OnionIntroductionFailed
            | ReplyError::OnionRendezvousFailed
            | ReplyError::OnionClientAuthMissing
            | ReplyError::OnionClientAuthWrong
            | ReplyError::OnionAddressInvalid
            | ReplyError::OnionIntroductionTimedOut => Blame::Target,
        }
    }
}

impl fmt::Display for ReplyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self {
            ReplyError::GeneralFailure => "general SOCKS server failure",
            ReplyError::NotAllowed => "connection not allowed by the proxy's ruleset",
            ReplyError::NetworkUnreachable => "network unreachable",
            ReplyError::HostUnreachable => "host unreachable",
            ReplyError::ConnectionRefused => "connection refused by the target",
            ReplyError::TtlExpired => "TTL expired (the target did not answer in time)",
            ReplyError::CommandNotSupported => "proxy does not support the CONNECT command",
            ReplyError::AddressTypeNotSupported => {
                "proxy does not support the target's address type"
            }
            ReplyError::OnionDescriptorNotFound => "onion service descriptor not found",
            ReplyError::OnionDescriptorInvalid => "onion service descriptor is invalid",
            ReplyError::OnionIntroductionFailed => "onion service introduction failed",
            ReplyError::OnionRendezvousFailed => "onion service rendezvous failed",
            ReplyError::OnionClientAuthMissing => "onion service requires client authorization",
            ReplyError::OnionClientAuthWrong => "onion service client authorization is wrong",
            ReplyError::OnionAddressInvalid => "invalid onion address",
            ReplyError::OnionIntroductionTimedOut => "onion service introduction timed out",
            ReplyError::Unassigned(_) => "unassigned reply code",
        };
        write!(f, "{what} ({:#04x})", self.code())
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ReplyError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips() {
        for code in 1..=u8::MAX {
            let err = ReplyError::from_code(code).unwrap();
            assert_eq!(err.code(), code);
            let assigned = matches!(code, 0x01..=0x08 | 0xf0..=0xf7);
            assert_eq!(
                !assigned,
                err == ReplyError::Unassigned(code),
                "{code:#04x}"
            );
        }
    }
}
