//! Errors of the packet layer: what was wrong and what it costs the peer.

use core::fmt;

use crate::Consequence;

/// Why a packet could not be encrypted. Nothing was written and the cipher
/// did not advance.
///
/// # Example
///
/// ```
/// use veil_core::packet::{EncryptError, Header, SendCipher};
///
/// let mut sender = SendCipher::new([0; 32], [1; 32]);
/// let mut small = [0u8; 10];
/// let err = sender.encrypt(b"hi", &[], Header::DATA, &mut small);
/// assert_eq!(err, Err(EncryptError::BufferTooSmall { required: 22, available: 10 }));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EncryptError {
    /// The caller's buffer cannot hold the packet.
    BufferTooSmall {
        /// The packet's length.
        required: usize,
        /// The buffer's length.
        available: usize,
    },
    /// The contents are longer than the 3-byte length field can express
    /// ([`super::MAX_CONTENTS_LEN`]).
    ContentsTooLong {
        /// The contents' length.
        len: usize,
    },
}

impl fmt::Display for EncryptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncryptError::BufferTooSmall {
                required,
                available,
            } => write!(
                f,
                "buffer of {available} bytes cannot hold a {required}-byte packet"
            ),
            EncryptError::ContentsTooLong { len } => write!(
                f,
                "packet contents of {len} bytes exceed the limit of {}",
                super::MAX_CONTENTS_LEN
            ),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for EncryptError {}

/// Why a packet could not be decrypted.
///
/// [`DecryptError::Oversize`] and [`DecryptError::Authentication`] come from
/// the peer's bytes: after either, the receiving cipher is out of step with
/// the stream for good and returns the same error from then on. The others
/// are the caller's mistakes; they change nothing.
///
/// # Example
///
/// ```
/// use veil_core::packet::{DecryptError, ReceiveCipher};
/// use veil_core::Consequence;
///
/// let mut receiver = ReceiveCipher::new([0; 32], [1; 32]);
/// let mut body = [0u8; 17];
/// let err = receiver.decrypt_in_place(&mut body, &[]).unwrap_err();
/// assert_eq!(err, DecryptError::LengthExpected);
/// assert_eq!(err.consequence(), Consequence::Close);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DecryptError {
    /// The length field announces more contents than the configured
    /// maximum. Reported before any of the body is buffered.
    Oversize {
        /// The announced contents length.
        len: usize,
        /// The largest length allowed.
        max: usize,
    },
    /// The tag did not verify: the packet was altered (its length field
    /// included), or encrypted under other keys or associated data.
    Authentication,
    /// A body was offered, but the next thing to decrypt is a length field
    /// ([`super::ReceiveCipher::decrypt_length`]).
    LengthExpected,
    /// A length field was offered while the body of the previous one is
    /// still awaited.
    BodyExpected {
        /// The length of the awaited body.
        body_len: usize,
    },
    /// The body offered is not as long as its length field announced.
    WrongBodyLength {
        /// The announced body length (header, contents and tag).
        expected: usize,
        /// The length offered.
        actual: usize,
    },
    /// The caller's buffer cannot hold the decrypted header and contents.
    BufferTooSmall {
        /// The bytes needed.
        required: usize,
        /// The buffer's length.
        available: usize,
    },
}

impl DecryptError {
    /// Whether the error comes from the peer's bytes rather than the
    /// caller's use of the API.
    ///
    /// ```
    /// use veil_core::packet::DecryptError;
    /// assert!(DecryptError::Authentication.is_from_peer());
    /// assert!(!DecryptError::LengthExpected.is_from_peer());
    /// ```
    #[must_use]
    pub const fn is_from_peer(&self) -> bool {
        matches!(
            self,
            DecryptError::Oversize { .. } | DecryptError::Authentication
        )
    }

    /// What happens to the connection and the peer: always
    /// [`Consequence::Close`].
    ///
    /// - authentication failure: close, as BIP324 disconnects. Not
    ///   discourage: the length field carries no tag, and anyone on the path
    ///   can flip ciphertext bits, so a failure proves nothing about the
    ///   peer, and punishing would let a third party get honest peers
    ///   discouraged;
    /// - oversize: close, for the same reason (the length it reads is
    ///   unauthenticated; one flipped bit makes an honest packet oversize);
    /// - the caller's mistakes: close (the stream can no longer be trusted
    ///   to be in step), without blaming the peer.
    ///
    /// ```
    /// use veil_core::packet::DecryptError;
    /// use veil_core::Consequence;
    /// assert_eq!(DecryptError::Authentication.consequence(), Consequence::Close);
    /// ```
    #[must_use]
    pub const fn consequence(&self) -> Consequence {
        Consequence::Close
    }
}

impl fmt::Display for DecryptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecryptError::Oversize { len, max } => write!(
                f,
                "packet announces {len} content bytes, more than the limit of {max}"
            ),
            DecryptError::Authentication => f.write_str(
                "packet failed authentication (altered, or wrong keys or associated data)",
            ),
            DecryptError::LengthExpected => {
                f.write_str("a packet body was offered before its length field")
            }
            DecryptError::BodyExpected { body_len } => write!(
                f,
                "a length field was offered while a {body_len}-byte packet body is awaited"
            ),
            DecryptError::WrongBodyLength { expected, actual } => write!(
                f,
                "packet body of {actual} bytes offered, its length field announced {expected}"
            ),
            DecryptError::BufferTooSmall {
                required,
                available,
            } => write!(
                f,
                "buffer of {available} bytes cannot hold {required} decrypted bytes"
            ),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for DecryptError {}
