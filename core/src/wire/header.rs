//! The 20-byte frame header.

use super::checksum::CHECKSUM_LEN;
use super::command::COMMAND_LEN;

/// Length of a frame header: payload length, command, checksum.
///
/// ```
/// assert_eq!(veil_core::wire::HEADER_LEN, 20);
/// ```
pub const HEADER_LEN: usize = 4 + COMMAND_LEN + CHECKSUM_LEN;

/// The fields of a frame header, unvalidated.
///
/// Layout: payload length (u32 little-endian), command (12 bytes), checksum
/// (4 bytes: the first 4 of SHA-256(SHA-256(payload))).
///
/// # Example
///
/// ```
/// use veil_core::wire::{FrameHeader, HEADER_LEN};
///
/// let header = FrameHeader { payload_len: 8, command: *b"ping\0\0\0\0\0\0\0\0", checksum: [1, 2, 3, 4] };
/// let bytes = header.to_bytes();
/// assert_eq!(bytes.len(), HEADER_LEN);
/// assert_eq!(FrameHeader::from_bytes(&bytes), header);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FrameHeader {
    /// Length of the payload that follows.
    pub payload_len: u32,
    /// The command field as received.
    pub command: [u8; COMMAND_LEN],
    /// The checksum field as received.
    pub checksum: [u8; CHECKSUM_LEN],
}

impl FrameHeader {
    /// Splits 20 header bytes into their fields.
    ///
    /// ```
    /// let header = veil_core::wire::FrameHeader::from_bytes(&[0; 20]);
    /// assert_eq!(header.payload_len, 0);
    /// ```
    #[must_use]
    pub fn from_bytes(bytes: &[u8; HEADER_LEN]) -> FrameHeader {
        let mut len = [0u8; 4];
        let mut command = [0u8; COMMAND_LEN];
        let mut checksum = [0u8; CHECKSUM_LEN];
        len.copy_from_slice(&bytes[..4]);
        command.copy_from_slice(&bytes[4..4 + COMMAND_LEN]);
        checksum.copy_from_slice(&bytes[4 + COMMAND_LEN..]);
        FrameHeader {
            payload_len: u32::from_le_bytes(len),
            command,
            checksum,
        }
    }

    /// The 20 bytes of this header.
    ///
    /// ```
    /// let header = veil_core::wire::FrameHeader { payload_len: 1, command: [0; 12], checksum: [0; 4] };
    /// assert_eq!(header.to_bytes()[0], 1);
    /// ```
    #[must_use]
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        out[..4].copy_from_slice(&self.payload_len.to_le_bytes());
        out[4..4 + COMMAND_LEN].copy_from_slice(&self.command);
        out[4 + COMMAND_LEN..].copy_from_slice(&self.checksum);
        out
    }
}
