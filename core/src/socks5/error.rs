//! Why a SOCKS5 negotiation failed, and whom that blames.

use core::fmt;

use super::reply::ReplyError;

/// Whom a failure blames, so the node knows what to update.
///
/// # Example
///
/// ```
/// use veil_core::socks5::{Blame, ReplyError};
///
/// assert_eq!(ReplyError::ConnectionRefused.blame(), Blame::Target);
/// assert_eq!(ReplyError::GeneralFailure.blame(), Blame::Proxy);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Blame {
    /// The proxy failed, misbehaved or refused us; this says nothing about
    /// the target. Do not count the attempt against the peer's address (or
    /// a broken proxy would erode the address book); back off the proxy.
    Proxy,
    /// The proxy worked and reports that the target could not be reached
    /// through it. Count a failed attempt on the address; the proxy is fine.
    Target,
}

impl Blame {
    /// A stable lower-case name, for logs.
    ///
    /// ```
    /// assert_eq!(veil_core::socks5::Blame::Target.as_str(), "target");
    /// ```
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Blame::Proxy => "proxy",
            Blame::Target => "target",
        }
    }
}

impl fmt::Display for Blame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The step of the negotiation a message belongs to.
///
/// # Example
///
/// ```
/// assert_eq!(veil_core::socks5::Stage::Connect.as_str(), "connect");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Stage {
    /// Greeting and method selection (`05 ..`).
    MethodSelection,
    /// RFC 1929 username/password sub-negotiation (`01 ..`).
    Authentication,
    /// CONNECT request and reply (`05 ..`).
    Connect,
}

impl Stage {
    /// A stable lower-case name, for logs.
    ///
    /// ```
    /// use veil_core::socks5::Stage;
    /// assert_eq!(Stage::MethodSelection.as_str(), "method selection");
    /// ```
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Stage::MethodSelection => "method selection",
            Stage::Authentication => "authentication",
            Stage::Connect => "connect",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why the SOCKS5 negotiation failed. After an error the stream is
/// unusable: the shell closes it; [`Socks5Error::blame`] says what to
/// record.
///
/// # Example
///
/// ```
/// use veil_core::socks5::{Blame, ReplyError, Socks5Error};
///
/// let err = Socks5Error::Reply(ReplyError::HostUnreachable);
/// assert_eq!(err.blame(), Blame::Target);
/// assert_eq!(err.to_string(), "SOCKS5 proxy could not connect: host unreachable (0x04)");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Socks5Error {
    /// A reply started with the wrong version byte: not a SOCKS5 proxy, or
    /// a broken one.
    Version {
        /// The step the reply answered.
        stage: Stage,
        /// The version byte required there.
        expected: u8,
        /// The byte received.
        found: u8,
    },
    /// The proxy accepts none of the methods offered (0xFF): it wants
    /// credentials we did not configure, or refuses ours.
    NoAcceptableMethod {
        /// The one method offered.
        offered: u8,
    },
    /// The proxy chose a method that was not offered.
    UnexpectedMethod {
        /// The one method offered.
        offered: u8,
        /// The method the proxy chose.
        chosen: u8,
    },
    /// The proxy refused the username and password (RFC 1929 status not 0).
    AuthRefused {
        /// The status byte.
        status: u8,
    },
    /// The CONNECT reply was a failure.
    Reply(ReplyError),
    /// The CONNECT reply's reserved byte is not zero.
    NonZeroReserved {
        /// The byte received.
        found: u8,
    },
    /// The CONNECT reply's bound address has an unknown address type.
    AddressType {
        /// The address type byte received.
        found: u8,
    },
    /// The proxy closed the stream before the negotiation finished.
    ProxyClosed {
        /// The step that was waiting for a reply.
        stage: Stage,
    },
}

impl Socks5Error {
    /// Whom the error blames: a failed CONNECT reply as
    /// [`ReplyError::blame`] says; everything else is the proxy's doing.
    ///
    /// ```
    /// use veil_core::socks5::{Blame, Socks5Error};
    /// assert_eq!(Socks5Error::AuthRefused { status: 1 }.blame(), Blame::Proxy);
    /// ```
    #[must_use]
    pub const fn blame(&self) -> Blame {
        match self {
            Socks5Error::Reply(reply) => reply.blame(),
            Socks5Error::Version { .. }
            | Socks5Error::NoAcceptableMethod { .. }
            | Socks5Error::UnexpectedMethod { .. }
            | Socks5Error::AuthRefused { .. }
            | Socks5Error::NonZeroReserved { .. }
            | Socks5Error::AddressType { .. }
            | Socks5Error::ProxyClosed { .. } => Blame::Proxy,
        }
    }
}

impl fmt::Display for Socks5Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Socks5Error::Version {
                stage,
                expected,
                found,
            } => write!(
                f,
                "SOCKS5 proxy answered the {stage} with version {found:#04x}, expected {expected:#04x}"
            ),
            Socks5Error::NoAcceptableMethod { offered } => write!(
                f,
                "SOCKS5 proxy accepts no offered authentication method (offered {offered:#04x})"
            ),
            Socks5Error::UnexpectedMethod { offered, chosen } => write!(
                f,
                "SOCKS5 proxy chose authentication method {chosen:#04x}, but only {offered:#04x} was offered"
            ),
            Socks5Error::AuthRefused { status } => write!(
                f,
                "SOCKS5 proxy refused the username and password (status {status:#04x})"
            ),
            Socks5Error::Reply(reply) => write!(f, "SOCKS5 proxy could not connect: {reply}"),
            Socks5Error::NonZeroReserved { found } => write!(
                f,
                "SOCKS5 proxy's connect reply has reserved byte {found:#04x}, not 0x00"
            ),
            Socks5Error::AddressType { found } => write!(
                f,
                "SOCKS5 proxy's connect reply has unknown address type {found:#04x}"
            ),
            Socks5Error::ProxyClosed { stage } => write!(
                f,
                "SOCKS5 proxy closed the stream while we waited for its {stage} reply"
            ),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Socks5Error {}
