//! Errors of the wire layer: what was wrong and what it costs the peer.

use core::fmt;

use super::command::{Command, CommandError, COMMAND_LEN};
use crate::message::{MessageKind, PayloadError};
use crate::Consequence;

/// Why bytes from a peer were rejected.
///
/// Frame errors (everything but [`WireError::MalformedPayload`]) leave the
/// stream unusable, so the decoder returns the same error from then on.
/// [`WireError::consequence`] says what to do about the connection and peer.
///
/// # Example
///
/// ```
/// use veil_core::wire::{FrameDecoder, WireError, WireErrorKind};
/// use veil_core::Consequence;
///
/// // A ping header announcing a 9-byte payload: pings have exactly 8.
/// let mut header = vec![9, 0, 0, 0];
/// header.extend_from_slice(b"ping\0\0\0\0\0\0\0\0");
/// header.extend_from_slice(&[0; 4]);
/// let err = FrameDecoder::default().decode(&mut &header[..]).unwrap_err();
/// assert_eq!(err.kind(), WireErrorKind::Oversize);
/// assert_eq!(err.consequence(), Consequence::Discourage);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WireError {
    /// The header announces a payload longer than allowed for its command
    /// (the smaller of the configured maximum and the type's own bound).
    Oversize {
        /// The frame's command.
        command: Command,
        /// The announced payload length.
        len: u32,
        /// The largest length allowed.
        max: u32,
    },
    /// The payload does not match the header's checksum.
    BadChecksum {
        /// The frame's command.
        command: Command,
        /// The checksum the header carried.
        expected: [u8; 4],
        /// The checksum of the payload received.
        actual: [u8; 4],
    },
    /// The command field is not a valid command.
    MalformedCommand {
        /// The 12 bytes received.
        raw: [u8; COMMAND_LEN],
        /// What is wrong with them.
        problem: CommandError,
    },
    /// The command is valid but not in the catalogue, and the configuration
    /// rejects unknown commands.
    UnknownCommand {
        /// The command received.
        command: Command,
    },
    /// The frame was intact but its payload is not a valid message of its
    /// type.
    MalformedPayload {
        /// The message type.
        kind: MessageKind,
        /// What is wrong with the payload.
        error: PayloadError,
    },
}

/// The kind of a [`WireError`], with a stable name for test vectors.
///
/// # Example
///
/// ```
/// use veil_core::wire::WireErrorKind;
/// assert_eq!(WireErrorKind::BadChecksum.as_str(), "bad_checksum");
/// assert_eq!(WireErrorKind::from_name("oversize"), Some(WireErrorKind::Oversize));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WireErrorKind {
    /// [`WireError::Oversize`].
    Oversize,
    /// [`WireError::BadChecksum`].
    BadChecksum,
    /// [`WireError::MalformedCommand`].
    MalformedCommand,
    /// [`WireError::UnknownCommand`].
    UnknownCommand,
    /// [`WireError::MalformedPayload`].
    MalformedPayload,
}

impl WireErrorKind {
    /// Every kind.
    ///
    /// ```
    /// assert_eq!(veil_core::wire::WireErrorKind::ALL.len(), 5);
    /// ```
    pub const ALL: [WireErrorKind; 5] = [
        WireErrorKind::Oversize,
        WireErrorKind::BadChecksum,
        WireErrorKind::MalformedCommand,
        WireErrorKind::UnknownCommand,
        WireErrorKind::MalformedPayload,
    ];

    /// The stable snake_case name.
    ///
    /// ```
    /// assert_eq!(veil_core::wire::WireErrorKind::MalformedPayload.as_str(), "malformed_payload");
    /// ```
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            WireErrorKind::Oversize => "oversize",
            WireErrorKind::BadChecksum => "bad_checksum",
            WireErrorKind::MalformedCommand => "malformed_command",
            WireErrorKind::UnknownCommand => "unknown_command",
            WireErrorKind::MalformedPayload => "malformed_payload",
        }
    }

    /// The kind with that name.
    ///
    /// ```
    /// assert!(veil_core::wire::WireErrorKind::from_name("nope").is_none());
    /// ```
    #[must_use]
    pub fn from_name(name: &str) -> Option<WireErrorKind> {
        WireErrorKind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

impl WireError {
    /// The kind of this error.
    ///
    /// ```
    /// use veil_core::wire::{Command, WireError, WireErrorKind};
    /// let err = WireError::UnknownCommand { command: Command::new("x").unwrap() };
    /// assert_eq!(err.kind(), WireErrorKind::UnknownCommand);
    /// ```
    #[must_use]
    pub fn kind(&self) -> WireErrorKind {
        match self {
            WireError::Oversize { .. } => WireErrorKind::Oversize,
            WireError::BadChecksum { .. } => WireErrorKind::BadChecksum,
            WireError::MalformedCommand { .. } => WireErrorKind::MalformedCommand,
            WireError::UnknownCommand { .. } => WireErrorKind::UnknownCommand,
            WireError::MalformedPayload { .. } => WireErrorKind::MalformedPayload,
        }
    }

    /// What happens to the connection and the peer.
    ///
    /// - oversize above the message type's own bound, malformed command,
    ///   malformed payload: close and discourage (no honest veil peer sends
    ///   them);
    /// - oversize within the type's bound but above this side's configured
    ///   maximum (or an unknown command above it): close only, since the
    ///   peer cannot know a limit this side lowered;
    /// - bad checksum: close (the stream is corrupt, but a faulty middlebox
    ///   could be to blame);
    /// - unknown command (when rejected): close (a newer peer may send it).
    ///
    /// ```
    /// use veil_core::wire::{Command, WireError};
    /// use veil_core::Consequence;
    /// let err = WireError::UnknownCommand { command: Command::new("x").unwrap() };
    /// assert_eq!(err.consequence(), Consequence::Close);
    /// let tx = Command::new("tx").unwrap();
    /// let err = WireError::Oversize { command: tx, len: 5_000_000, max: 4_000_000 };
    /// assert_eq!(err.consequence(), Consequence::Close);
    /// ```
    #[must_use]
    pub fn consequence(&self) -> Consequence {
        match self {
            WireError::Oversize { command, len, .. } => {
                let beyond_type_bound = MessageKind::from_command(command)
                    .is_some_and(|kind| *len > kind.max_payload_len());
                if beyond_type_bound {
                    Consequence::Discourage
                } else {
                    Consequence::Close
                }
            }
            WireError::MalformedCommand { .. } | WireError::MalformedPayload { .. } => {
                Consequence::Discourage
            }
            WireError::BadChecksum { .. } | WireError::UnknownCommand { .. } => Consequence::Close,
        }
    }
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WireError::Oversize { command, len, max } => write!(
                f,
                "{command} frame announces {len} payload bytes, more than its limit of {max}"
            ),
            WireError::BadChecksum {
                command,
                expected,
                actual,
            } => write!(
                f,
                "{command} frame checksum mismatch: header {expected:02x?}, payload {actual:02x?}"
            ),
            WireError::MalformedCommand { raw, problem } => {
                write!(f, "malformed command {raw:02x?}: {problem}")
            }
            WireError::UnknownCommand { command } => write!(f, "unknown command {command}"),
            WireError::MalformedPayload { kind, error } => {
                write!(f, "malformed {} payload: {error}", kind.name())
            }
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for WireError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WireError::MalformedCommand { problem, .. } => Some(problem),
            WireError::MalformedPayload { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// Why a message could not be encoded into a frame.
///
/// # Example
///
/// ```
/// use veil_core::message::{Message, Ping};
/// use veil_core::wire::{EncodeError, FrameEncoder};
///
/// let mut small = [0u8; 10];
/// let err = FrameEncoder::default().encode(&Message::Ping(Ping { nonce: 1 }), &mut small);
/// assert_eq!(err, Err(EncodeError::BufferTooSmall { required: 28, available: 10 }));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EncodeError {
    /// The caller's buffer cannot hold the frame.
    BufferTooSmall {
        /// The frame's length.
        required: usize,
        /// The buffer's length.
        available: usize,
    },
    /// The payload is longer than the configured maximum or its type's bound.
    Oversize {
        /// The message type.
        kind: MessageKind,
        /// The payload length.
        len: usize,
        /// The largest length allowed.
        max: u32,
    },
    /// The message breaks a limit its receiver enforces (for example more
    /// than 1,000 addresses).
    Invalid {
        /// The message type.
        kind: MessageKind,
        /// The limit broken.
        error: PayloadError,
    },
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncodeError::BufferTooSmall {
                required,
                available,
            } => write!(
                f,
                "buffer of {available} bytes cannot hold a {required}-byte frame"
            ),
            EncodeError::Oversize { kind, len, max } => write!(
                f,
                "{} payload of {len} bytes exceeds the limit of {max}",
                kind.name()
            ),
            EncodeError::Invalid { kind, error } => {
                write!(f, "invalid {} message: {error}", kind.name())
            }
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for EncodeError {}
