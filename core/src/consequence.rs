//! What a rejected input means for the connection and for the peer.

use core::fmt;

/// The consequence of a rejected input, from mildest to gravest.
///
/// Every error veil raises on untrusted bytes names one of these, so a peer
/// manager can act on it without parsing messages. The order is meaningful:
/// when several problems occur, the gravest (`max`) wins.
///
/// # Example
///
/// ```
/// use veil_core::Consequence;
///
/// assert!(Consequence::Ban > Consequence::Discourage);
/// assert!(Consequence::Close.closes_connection());
/// assert!(!Consequence::Close.punishes_peer());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Consequence {
    /// The offending message is dropped; the connection carries on.
    DropMessage,
    /// The connection is closed; the peer is not punished (an honest peer
    /// could have caused it, for example with a newer protocol version).
    Close,
    /// The connection is closed and the peer discouraged: it is the first to
    /// be evicted and the last to be dialled again.
    Discourage,
    /// The connection is closed and the peer banned for the ban period.
    Ban,
}

impl Consequence {
    /// Whether the connection must be closed.
    ///
    /// ```
    /// assert!(!veil_core::Consequence::DropMessage.closes_connection());
    /// ```
    #[must_use]
    pub const fn closes_connection(self) -> bool {
        !matches!(self, Consequence::DropMessage)
    }

    /// Whether the peer's record suffers (discouraged or banned).
    ///
    /// ```
    /// assert!(veil_core::Consequence::Discourage.punishes_peer());
    /// ```
    #[must_use]
    pub const fn punishes_peer(self) -> bool {
        matches!(self, Consequence::Discourage | Consequence::Ban)
    }

    /// A stable lower-case name, as used in test vectors and logs.
    ///
    /// ```
    /// assert_eq!(veil_core::Consequence::Discourage.as_str(), "discourage");
    /// ```
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Consequence::DropMessage => "drop_message",
            Consequence::Close => "close",
            Consequence::Discourage => "discourage",
            Consequence::Ban => "ban",
        }
    }
}

impl fmt::Display for Consequence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
