//! Errors of the Noise handshake and transport: what was wrong and what it
//! costs the peer.

use core::fmt;

use crate::Consequence;

/// Why a Noise message could not be written or read.
///
/// A failed read, write, encryption or decryption changes nothing: the
/// handshake or cipher is as it was before, and the output buffer holds
/// nothing meaningful.
///
/// # Example
///
/// ```
/// use veil_core::noise::{Ephemeral, Handshake, NoiseError, StaticKeypair};
/// use veil_core::Consequence;
///
/// let mut responder = Handshake::responder(
///     StaticKeypair::from_secret_bytes([1; 32]),
///     Ephemeral::from_secret_bytes([2; 32]),
///     b"",
/// );
/// // The first message is at least an ephemeral key long.
/// let err = responder.read_message(&[0; 5], &mut []).unwrap_err();
/// assert_eq!(err, NoiseError::WrongMessageLength { len: 5, min: 32, max: 65_535 });
/// assert_eq!(err.consequence(), Consequence::Close);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NoiseError {
    /// A tag did not verify: the message was altered, or the two sides do
    /// not share the same keys, prologue or transcript.
    Decrypt,
    /// The message's length is outside what the next message may be.
    WrongMessageLength {
        /// The message's length.
        len: usize,
        /// The shortest the message may be.
        min: usize,
        /// The longest the message may be.
        max: usize,
    },
    /// A peer's key gave an all-zero Diffie-Hellman result (a low-order
    /// point): it would contribute nothing to the shared secret.
    WeakPublicKey,
    /// The call does not fit the handshake's turn: reading while a write is
    /// due, writing while a read is due, either after the handshake
    /// finished, or taking the transport before it finished.
    OutOfOrder,
    /// The caller's buffer cannot hold the message or payload.
    BufferTooSmall {
        /// The bytes needed.
        required: usize,
        /// The buffer's length.
        available: usize,
    },
    /// The payload would make the message longer than
    /// [`super::MAX_MESSAGE_LEN`].
    PayloadTooLong {
        /// The payload's length.
        len: usize,
        /// The longest payload this message can carry.
        max: usize,
    },
    /// The cipher has used all 2^64 - 1 nonces; it must not encrypt or
    /// decrypt again.
    NonceExhausted,
}

impl NoiseError {
    /// Whether the error comes from the peer's bytes rather than the
    /// caller's use of the API.
    ///
    /// [`NoiseError::OutOfOrder`] counts as the caller's: only the caller
    /// knows whether it misrouted a message or the peer sent out of turn.
    ///
    /// ```
    /// use veil_core::noise::NoiseError;
    /// assert!(NoiseError::Decrypt.is_from_peer());
    /// assert!(!NoiseError::OutOfOrder.is_from_peer());
    /// ```
    #[must_use]
    pub const fn is_from_peer(&self) -> bool {
        matches!(
            self,
            NoiseError::Decrypt | NoiseError::WrongMessageLength { .. } | NoiseError::WeakPublicKey
        )
    }

    /// What happens to the connection and the peer: always
    /// [`Consequence::Close`].
    ///
    /// - decryption failure: close, as a failed handshake or a stream out of
    ///   step cannot continue. Not discourage: until a tag verifies nothing
    ///   proves who sent the bytes, so anyone on the path could flip one bit
    ///   and, were failures punished, get honest peers discouraged;
    /// - wrong length and weak key: close, for the same reason (message
    ///   framing and ephemeral keys travel unauthenticated);
    /// - out of order and the caller's mistakes: close (the two sides can
    ///   no longer be trusted to be in step), without blaming the peer;
    /// - nonce exhaustion: close; the keys are used up.
    ///
    /// ```
    /// use veil_core::noise::NoiseError;
    /// use veil_core::Consequence;
    /// assert_eq!(NoiseError::Decrypt.consequence(), Consequence::Close);
    /// ```
    #[must_use]
    pub const fn consequence(&self) -> Consequence {
        Consequence::Close
    }
}

impl fmt::Display for NoiseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NoiseError::Decrypt => f.write_str(
                "noise message failed authentication (altered, or wrong keys or transcript)",
            ),
            NoiseError::WrongMessageLength { len, min, max } => write!(
                f,
                "noise message of {len} bytes, expected between {min} and {max}"
            ),
            NoiseError::WeakPublicKey => {
                f.write_str("peer's public key is a low-order point (all-zero shared secret)")
            }
            NoiseError::OutOfOrder => {
                f.write_str("noise message out of order for the handshake's turn")
            }
            NoiseError::BufferTooSmall {
                required,
                available,
            } => write!(
                f,
                "buffer of {available} bytes cannot hold the {required} bytes needed"
            ),
            NoiseError::PayloadTooLong { len, max } => write!(
                f,
                "payload of {len} bytes exceeds this message's limit of {max}"
            ),
            NoiseError::NonceExhausted => f.write_str("noise cipher has used all its nonces"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for NoiseError {}
