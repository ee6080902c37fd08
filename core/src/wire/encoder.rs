//! Writing frames into the caller's buffers.

use alloc::vec;
use alloc::vec::Vec;

use super::checksum::checksum;
use super::config::WireConfig;
use super::error::EncodeError;
use super::header::{FrameHeader, HEADER_LEN};
use crate::message::Message;

/// Encodes messages into frames, in a buffer the caller owns.
///
/// [`FrameEncoder::frame_len`] says how many bytes a frame needs before
/// anything is written; [`FrameEncoder::encode`] fails with
/// [`EncodeError::BufferTooSmall`] rather than write past the buffer.
///
/// # Example
///
/// ```
/// use veil_core::message::Message;
/// use veil_core::wire::FrameEncoder;
///
/// let encoder = FrameEncoder::default();
/// let len = encoder.frame_len(&Message::Verack).unwrap();
/// let mut buf = vec![0u8; len];
/// assert_eq!(encoder.encode(&Message::Verack, &mut buf), Ok(20));
/// assert_eq!(&buf[4..10], b"verack");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FrameEncoder {
    config: WireConfig,
}

impl FrameEncoder {
    /// An encoder enforcing `config`'s size limits.
    ///
    /// ```
    /// let encoder = veil_core::wire::FrameEncoder::new(veil_core::wire::WireConfig::default());
    /// # let _ = encoder;
    /// ```
    #[must_use]
    pub const fn new(config: WireConfig) -> Self {
        FrameEncoder { config }
    }

    /// The length of `message`'s frame, after checking every limit.
    ///
    /// ```
    /// use veil_core::message::{Message, Ping};
    /// let len = veil_core::wire::FrameEncoder::default().frame_len(&Message::Ping(Ping { nonce: 0 }));
    /// assert_eq!(len, Ok(28));
    /// ```
    pub fn frame_len(&self, message: &Message) -> Result<usize, EncodeError> {
        let kind = message.kind();
        message
            .validate()
            .map_err(|error| EncodeError::Invalid { kind, error })?;
        let len = message.payload_len();
        let max = self.config.max_payload_for(kind);
        if len > max as usize {
            return Err(EncodeError::Oversize { kind, len, max });
        }
        Ok(HEADER_LEN + len)
    }

    /// Writes `message`'s frame at the start of `out`; returns its length.
    ///
    /// ```
    /// use veil_core::message::Message;
    /// let mut buf = [0u8; 64];
    /// let n = veil_core::wire::FrameEncoder::default().encode(&Message::GetAddr, &mut buf).unwrap();
    /// assert_eq!(n, 20);
    /// ```
    pub fn encode(&self, message: &Message, out: &mut [u8]) -> Result<usize, EncodeError> {
        let len = self.frame_len(message)?;
        let available = out.len();
        let Some(frame) = out.get_mut(..len) else {
            return Err(EncodeError::BufferTooSmall {
                required: len,
                available,
            });
        };
        let kind = message.kind();
        let mut payload_out = &mut frame[HEADER_LEN..];
        message
            .encode_payload(&mut payload_out)
            .map_err(|error| EncodeError::Invalid { kind, error })?;
        let payload = &frame[HEADER_LEN..];
        let header_bytes = FrameHeader {
            payload_len: payload.len() as u32,
            command: *kind.command().as_bytes(),
            checksum: checksum(payload),
        }
        .to_bytes();
        frame[..HEADER_LEN].copy_from_slice(&header_bytes);
        Ok(len)
    }

    /// Encodes `message`'s frame into a new vector.
    ///
    /// ```
    /// use veil_core::message::Message;
    /// let frame = veil_core::wire::FrameEncoder::default().encode_to_vec(&Message::Mempool).unwrap();
    /// assert_eq!(frame.len(), 20);
    /// ```
    pub fn encode_to_vec(&self, message: &Message) -> Result<Vec<u8>, EncodeError> {
        let mut out = vec![0u8; self.frame_len(message)?];
        self.encode(message, &mut out)?;
        Ok(out)
    }
}
