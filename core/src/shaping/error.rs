//! Errors of reassembly: what was wrong with a peer's packet contents.

use core::fmt;

use crate::Consequence;

/// Why packet contents could not be taken into a message.
///
/// These arrive inside authenticated packets, so the peer itself wrote them:
/// every variant discourages it. After an error the [`Reassembler`] has
/// dropped the partial message.
///
/// [`Reassembler`]: super::Reassembler
///
/// # Example
///
/// ```
/// use veil_core::shaping::{Reassembler, ShapingError, PADDED};
/// use veil_core::Consequence;
///
/// let mut reassembler = Reassembler::new(1024);
/// let err = reassembler.push(PADDED, &[1, 0]).unwrap_err();
/// assert_eq!(err, ShapingError::ShortPadded { len: 2 });
/// assert_eq!(err.consequence(), Consequence::Discourage);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ShapingError {
    /// Padded contents too short to hold the 3-byte data length.
    ShortPadded {
        /// Length of the contents.
        len: usize,
    },
    /// A padded packet announces more data than its contents hold.
    DataLength {
        /// The announced data length.
        data_len: usize,
        /// Bytes after the length prefix.
        available: usize,
    },
    /// A padding byte is not zero (padding must be zeros, so that every
    /// message has exactly one encoding).
    NonZeroPadding {
        /// Offset of the first non-zero padding byte within the contents.
        offset: usize,
    },
    /// The message grows beyond the reassembler's maximum.
    MessageTooLong {
        /// The length the message would have reached.
        len: usize,
        /// The configured maximum.
        max: usize,
    },
}

impl ShapingError {
    /// What the error costs the peer: always [`Consequence::Discourage`].
    ///
    /// # Example
    ///
    /// ```
    /// use veil_core::shaping::ShapingError;
    /// use veil_core::Consequence;
    ///
    /// let err = ShapingError::MessageTooLong { len: 10, max: 5 };
    /// assert_eq!(err.consequence(), Consequence::Discourage);
    /// ```
    #[must_use]
    pub const fn consequence(&self) -> Consequence {
        Consequence::Discourage
    }
}

impl fmt::Display for ShapingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShapingError::ShortPadded { len } => write!(
                f,
                "padded contents of {len} bytes cannot hold the 3-byte data length"
            ),
            ShapingError::DataLength {
                data_len,
                available,
            } => write!(
                f,
                "padded packet announces {data_len} data bytes but holds {available}"
            ),
            ShapingError::NonZeroPadding { offset } => {
                write!(f, "non-zero padding byte at offset {offset}")
            }
            ShapingError::MessageTooLong { len, max } => write!(
                f,
                "message of at least {len} bytes exceeds the maximum of {max}"
            ),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ShapingError {}
