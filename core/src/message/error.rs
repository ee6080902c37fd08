//! Why a payload was rejected.

use core::fmt;

/// What was wrong with a message payload (or with a message the application
/// tried to encode).
///
/// `field` names follow `docs/PROTOCOL.md`, for example `addr.count` or
/// `version.user_agent`.
///
/// # Example
///
/// ```
/// use bytes::Bytes;
/// use veil_core::message::{Message, MessageKind, PayloadError};
///
/// let err = Message::decode(MessageKind::Ping, Bytes::from_static(&[1, 2, 3])).unwrap_err();
/// assert_eq!(err, PayloadError::Truncated { field: "ping.nonce", needed: 8, available: 3 });
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PayloadError {
    /// The payload ended in the middle of `field`.
    Truncated {
        /// The field being read.
        field: &'static str,
        /// Bytes it needed.
        needed: usize,
        /// Bytes that were left.
        available: usize,
    },
    /// Bytes were left over after the last field.
    TrailingBytes {
        /// How many.
        count: usize,
    },
    /// A CompactSize used a longer form than its value needs.
    NonCanonicalCompactSize {
        /// The field being read.
        field: &'static str,
    },
    /// A count or length is above the protocol's limit for it.
    LimitExceeded {
        /// The field being read.
        field: &'static str,
        /// The value found.
        value: u64,
        /// The largest value allowed.
        max: u64,
    },
    /// An address of a known network does not have that network's length.
    AddressLength {
        /// The BIP155-style network id.
        network: u8,
        /// The length that network's addresses have.
        expected: usize,
        /// The length found.
        actual: usize,
    },
    /// An application-built `Other`/`Unknown` value uses a code that has its
    /// own variant, so it would decode as that variant (never raised by
    /// decoding; encoding refuses it so round trips stay exact).
    ShadowsKnownValue {
        /// The field.
        field: &'static str,
        /// The code used.
        value: u64,
    },
    /// A text field is not valid UTF-8.
    InvalidUtf8 {
        /// The field being read.
        field: &'static str,
    },
}

impl fmt::Display for PayloadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PayloadError::Truncated {
                field,
                needed,
                available,
            } => write!(
                f,
                "payload ends inside {field}: needs {needed} bytes, {available} left"
            ),
            PayloadError::TrailingBytes { count } => {
                write!(f, "{count} unexpected bytes after the last field")
            }
            PayloadError::NonCanonicalCompactSize { field } => {
                write!(f, "{field} uses a non-canonical CompactSize")
            }
            PayloadError::LimitExceeded { field, value, max } => {
                write!(f, "{field} is {value}, above the limit of {max}")
            }
            PayloadError::AddressLength {
                network,
                expected,
                actual,
            } => write!(
                f,
                "address of network {network} has {actual} bytes, expected {expected}"
            ),
            PayloadError::ShadowsKnownValue { field, value } => write!(
                f,
                "{field} {value} has its own variant; it cannot be sent as Other/Unknown"
            ),
            PayloadError::InvalidUtf8 { field } => write!(f, "{field} is not valid UTF-8"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for PayloadError {}
