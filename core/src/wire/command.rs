//! The 12-byte command field of a frame header.

use core::fmt;

/// Length of the command field.
///
/// ```
/// assert_eq!(veil_core::wire::COMMAND_LEN, 12);
/// ```
pub const COMMAND_LEN: usize = 12;

/// A frame's command: 1 to 12 printable ASCII bytes, NUL-padded to 12.
///
/// Valid commands have at least one character, only printable ASCII
/// (`0x21..=0x7E`) before the first NUL, and nothing but NUL after it.
///
/// # Example
///
/// ```
/// use veil_core::wire::{Command, CommandError};
///
/// let command = Command::new("ping").unwrap();
/// assert_eq!(command.as_str(), "ping");
/// assert_eq!(&command.as_bytes()[..5], b"ping\0");
/// assert_eq!(Command::new("far-too-long-name"), Err(CommandError::TooLong { len: 17 }));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Command {
    raw: [u8; COMMAND_LEN],
    len: u8,
}

/// Why 12 bytes (or a string) are not a valid command.
///
/// # Example
///
/// ```
/// use veil_core::wire::{Command, CommandError};
/// let mut raw = *b"ping\0\0\0\0\0\0\0\0";
/// raw[6] = b'x';
/// assert_eq!(Command::from_raw(raw), Err(CommandError::DataAfterNul { position: 6 }));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CommandError {
    /// The command is empty (the first byte is NUL).
    Empty,
    /// A byte before the first NUL is not printable ASCII.
    NotPrintable {
        /// Its position in the field.
        position: usize,
        /// The byte.
        byte: u8,
    },
    /// A byte after the first NUL is not NUL.
    DataAfterNul {
        /// Its position in the field.
        position: usize,
    },
    /// The name is longer than 12 bytes.
    TooLong {
        /// Its length.
        len: usize,
    },
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CommandError::Empty => f.write_str("empty command"),
            CommandError::NotPrintable { position, byte } => {
                write!(f, "byte {byte:#04x} at {position} is not printable ASCII")
            }
            CommandError::DataAfterNul { position } => {
                write!(f, "non-NUL byte at {position} after the first NUL")
            }
            CommandError::TooLong { len } => {
                write!(f, "command of {len} bytes is longer than {COMMAND_LEN}")
            }
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for CommandError {}

const fn is_printable(byte: u8) -> bool {
    byte >= 0x21 && byte <= 0x7E
}

impl Command {
    /// A command from its name.
    ///
    /// ```
    /// assert!(veil_core::wire::Command::new("").is_err());
    /// ```
    pub fn new(name: &str) -> Result<Command, CommandError> {
        let bytes = name.as_bytes();
        if bytes.len() > COMMAND_LEN {
            return Err(CommandError::TooLong { len: bytes.len() });
        }
        let mut raw = [0u8; COMMAND_LEN];
        raw[..bytes.len()].copy_from_slice(bytes);
        if bytes.contains(&0) {
            // An interior NUL would silently truncate the name.
            return Err(CommandError::NotPrintable {
                position: bytes.iter().position(|b| *b == 0).unwrap_or(0),
                byte: 0,
            });
        }
        Command::from_raw(raw)
    }

    /// Validates the 12 bytes of a frame header's command field.
    ///
    /// ```
    /// let command = veil_core::wire::Command::from_raw(*b"verack\0\0\0\0\0\0").unwrap();
    /// assert_eq!(command.as_str(), "verack");
    /// ```
    pub fn from_raw(raw: [u8; COMMAND_LEN]) -> Result<Command, CommandError> {
        let len = raw.iter().position(|b| *b == 0).unwrap_or(COMMAND_LEN);
        if len == 0 {
            return Err(CommandError::Empty);
        }
        if let Some(position) = raw[..len].iter().position(|b| !is_printable(*b)) {
            return Err(CommandError::NotPrintable {
                position,
                byte: raw[position],
            });
        }
        if let Some(offset) = raw[len..].iter().position(|b| *b != 0) {
            return Err(CommandError::DataAfterNul {
                position: len + offset,
            });
        }
        Ok(Command {
            raw,
            len: len as u8,
        })
    }

    /// A command from a catalogue name known to be valid (1..=12 printable
    /// ASCII bytes; a unit test checks every one).
    pub(crate) fn from_known(name: &'static str) -> Command {
        let mut raw = [0u8; COMMAND_LEN];
        let len = name.len().min(COMMAND_LEN);
        raw[..len].copy_from_slice(&name.as_bytes()[..len]);
        Command {
            raw,
            len: len as u8,
        }
    }

    /// The name, without padding.
    ///
    /// ```
    /// assert_eq!(veil_core::wire::Command::new("inv").unwrap().as_str(), "inv");
    /// ```
    #[must_use]
    pub fn as_str(&self) -> &str {
        // Validated as printable ASCII, so always UTF-8.
        core::str::from_utf8(&self.raw[..usize::from(self.len)]).unwrap_or("")
    }

    /// The 12 bytes as they appear in a frame header.
    ///
    /// ```
    /// let c = veil_core::wire::Command::new("tx").unwrap();
    /// assert_eq!(c.as_bytes(), b"tx\0\0\0\0\0\0\0\0\0\0");
    /// ```
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; COMMAND_LEN] {
        &self.raw
    }
}

impl fmt::Debug for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Command({:?})", self.as_str())
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::MessageKind;

    #[test]
    fn every_catalogue_name_is_a_valid_command() {
        for kind in MessageKind::ALL {
            let checked = Command::new(kind.name()).unwrap();
            assert_eq!(checked, kind.command());
            assert_eq!(Command::from_raw(*checked.as_bytes()), Ok(checked));
        }
    }

    #[test]
    fn rejects_each_malformation() {
        assert_eq!(Command::from_raw([0; 12]), Err(CommandError::Empty));
        assert_eq!(
            Command::from_raw(*b"pi ng\0\0\0\0\0\0\0"),
            Err(CommandError::NotPrintable {
                position: 2,
                byte: b' '
            })
        );
        assert_eq!(
            Command::from_raw(*b"ping\0\0\0\0\0\0\0\x01"),
            Err(CommandError::DataAfterNul { position: 11 })
        );
        assert!(Command::new("pi\0ng").is_err());
        assert!(Command::from_raw(*b"twelve_bytes").is_ok());
    }
}
