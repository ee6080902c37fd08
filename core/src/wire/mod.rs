//! The frame layer: a 20-byte header and a payload.
//!
//! ```text
//! offset  size  field
//! 0       4     payload length, u32 little-endian
//! 4       12    command, printable ASCII, NUL-padded
//! 16      4     checksum: first 4 bytes of SHA-256(SHA-256(payload))
//! 20      len   payload
//! ```
//!
//! [`FrameEncoder`] writes frames into the caller's buffers;
//! [`FrameDecoder`] reads them from a stream in any chunking, enforcing
//! [`WireConfig`]'s limits before it buffers a byte of payload.
//!
//! # Example
//!
//! ```
//! use veil_core::message::{Message, Pong};
//! use veil_core::wire::{FrameDecoder, FrameEncoder};
//!
//! let frame = FrameEncoder::default().encode_to_vec(&Message::Pong(Pong { nonce: 9 })).unwrap();
//! let decoded = FrameDecoder::default().decode(&mut &frame[..]).unwrap().unwrap();
//! assert_eq!(decoded.into_message().unwrap(), Message::Pong(Pong { nonce: 9 }));
//! ```

mod checksum;
mod command;
mod config;
mod decoder;
mod encoder;
mod error;
mod header;

pub use checksum::{checksum, CHECKSUM_LEN};
pub use command::{Command, CommandError, COMMAND_LEN};
pub use config::{UnknownCommandPolicy, WireConfig, DEFAULT_MAX_PAYLOAD_LEN};
pub use decoder::{DecoderStats, Frame, FrameDecoder, GROWTH_STEP, PADDING_COMMAND};
pub use encoder::FrameEncoder;
pub use error::{EncodeError, WireError, WireErrorKind};
pub use header::{FrameHeader, HEADER_LEN};
