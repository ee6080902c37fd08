//! The streaming frame decoder.

use alloc::vec::Vec;
use bytes::Bytes;

use super::checksum::{ChecksumHasher, CHECKSUM_LEN};
use super::command::Command;
use super::config::{UnknownCommandPolicy, WireConfig};
use super::error::WireError;
use super::header::{FrameHeader, HEADER_LEN};
use crate::message::{Message, MessageKind};

/// Payload bytes a frame may have reserved before any of them arrived.
///
/// A payload up to this size is reserved whole when its header arrives, so
/// its bytes are copied exactly once. A larger one arriving in pieces grows
/// with the data (geometrically, so bytes already received move at most
/// about once more in total): a peer must send the bytes it makes us hold.
///
/// ```
/// assert_eq!(veil_core::wire::GROWTH_STEP, 256 * 1024);
/// ```
pub const GROWTH_STEP: usize = 256 * 1024;

/// Makes room in `body` for `incoming` more bytes of a `len`-byte payload.
/// Capacity stays within `max(2 × received, received + GROWTH_STEP)` and
/// never exceeds `len`.
fn grow_for(body: &mut Vec<u8>, incoming: usize, len: usize) {
    let needed = body.len() + incoming;
    if needed > body.capacity() {
        let target = needed.saturating_add(GROWTH_STEP).max(2 * needed).min(len);
        body.reserve_exact(target - body.len());
    }
}

/// One frame of a catalogue message, with its checksum verified.
///
/// # Example
///
/// ```
/// use veil_core::message::{Message, MessageKind};
/// use veil_core::wire::{FrameDecoder, FrameEncoder};
///
/// let bytes = FrameEncoder::default().encode_to_vec(&Message::Verack).unwrap();
/// let frame = FrameDecoder::default().decode(&mut &bytes[..]).unwrap().unwrap();
/// assert_eq!(frame.kind(), MessageKind::Verack);
/// assert!(frame.payload().is_empty());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    kind: MessageKind,
    payload: Bytes,
}

impl Frame {
    /// The message type the frame's command names.
    ///
    /// ```
    /// # use veil_core::message::{Message, MessageKind};
    /// # let bytes = veil_core::wire::FrameEncoder::default().encode_to_vec(&Message::GetAddr).unwrap();
    /// # let frame = veil_core::wire::FrameDecoder::default().decode(&mut &bytes[..]).unwrap().unwrap();
    /// assert_eq!(frame.kind(), MessageKind::GetAddr);
    /// ```
    #[must_use]
    pub fn kind(&self) -> MessageKind {
        self.kind
    }

    /// The frame's command.
    ///
    /// ```
    /// # use veil_core::message::Message;
    /// # let bytes = veil_core::wire::FrameEncoder::default().encode_to_vec(&Message::GetAddr).unwrap();
    /// # let frame = veil_core::wire::FrameDecoder::default().decode(&mut &bytes[..]).unwrap().unwrap();
    /// assert_eq!(frame.command().as_str(), "getaddr");
    /// ```
    #[must_use]
    pub fn command(&self) -> Command {
        self.kind.command()
    }

    /// The payload bytes.
    ///
    /// ```
    /// # use veil_core::message::{Message, Ping};
    /// # let bytes = veil_core::wire::FrameEncoder::default().encode_to_vec(&Message::Ping(Ping { nonce: 3 })).unwrap();
    /// # let frame = veil_core::wire::FrameDecoder::default().decode(&mut &bytes[..]).unwrap().unwrap();
    /// assert_eq!(&frame.payload()[..], &[3, 0, 0, 0, 0, 0, 0, 0]);
    /// ```
    #[must_use]
    pub fn payload(&self) -> &Bytes {
        &self.payload
    }

    /// Decodes the payload into its typed message.
    ///
    /// Opaque bodies (`block`, `tx`, `stemtx`, headers) share the payload's
    /// buffer.
    ///
    /// ```
    /// # use veil_core::message::{Message, Ping};
    /// # let bytes = veil_core::wire::FrameEncoder::default().encode_to_vec(&Message::Ping(Ping { nonce: 3 })).unwrap();
    /// # let frame = veil_core::wire::FrameDecoder::default().decode(&mut &bytes[..]).unwrap().unwrap();
    /// assert_eq!(frame.into_message(), Ok(Message::Ping(Ping { nonce: 3 })));
    /// ```
    pub fn into_message(self) -> Result<Message, WireError> {
        let kind = self.kind;
        Message::decode(kind, self.payload)
            .map_err(|error| WireError::MalformedPayload { kind, error })
    }
}

/// Counters of a [`FrameDecoder`].
///
/// # Example
///
/// ```
/// let stats = veil_core::wire::FrameDecoder::default().stats().clone();
/// assert_eq!(stats.frames, 0);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DecoderStats {
    /// Frames delivered.
    pub frames: u64,
    /// Bytes consumed, headers included.
    pub bytes: u64,
    /// Frames of unknown commands skipped under [`UnknownCommandPolicy::Skip`].
    pub skipped_frames: u64,
    /// The command of the last skipped frame.
    pub last_skipped: Option<Command>,
    /// `padding` frames dropped (whatever the unknown-command policy).
    pub padding_frames: u64,
}

/// The command of a frame that carries only padding: dropped after its
/// checksum is checked, under either unknown-command policy, so a
/// plaintext peer can hide message sizes a little.
///
/// ```
/// assert_eq!(veil_core::wire::PADDING_COMMAND, "padding");
/// ```
pub const PADDING_COMMAND: &str = "padding";

#[derive(Clone, Debug)]
enum Stage {
    /// Waiting for (the rest of) a header.
    Header,
    /// Buffering the payload of a catalogue message.
    Body {
        kind: MessageKind,
        expected: [u8; CHECKSUM_LEN],
        /// The announced payload length.
        len: usize,
        body: Vec<u8>,
        hasher: ChecksumHasher,
    },
    /// Verifying and discarding the payload of an unknown command.
    Skip {
        command: Command,
        expected: [u8; CHECKSUM_LEN],
        remaining: usize,
        hasher: ChecksumHasher,
    },
    /// The stream is broken; every call repeats the error.
    Failed(WireError),
}

/// Turns a byte stream, in any chunking, into frames.
///
/// Memory is bounded: a header is checked (command, per-command and
/// configured size limits) before any payload buffer is allocated, and the
/// buffer then grows with the data received, never ahead of it by more than
/// [`GROWTH_STEP`] or the bytes already received, so a bare header cannot
/// pin the announced size. Each input byte is copied once into the frame's
/// buffer (a payload over [`GROWTH_STEP`] arriving in pieces may move when
/// its buffer grows). Frames of unknown commands
/// are skipped without buffering. After a frame error the decoder stays
/// failed, since the stream can no longer be trusted.
///
/// # Example
///
/// ```
/// use veil_core::message::{Message, Ping, Pong};
/// use veil_core::wire::{FrameDecoder, FrameEncoder};
///
/// let encoder = FrameEncoder::default();
/// let mut stream = encoder.encode_to_vec(&Message::Ping(Ping { nonce: 1 })).unwrap();
/// stream.extend(encoder.encode_to_vec(&Message::Pong(Pong { nonce: 1 })).unwrap());
///
/// let mut decoder = FrameDecoder::default();
/// let mut input = &stream[..];
/// let mut kinds = Vec::new();
/// while let Some(frame) = decoder.decode(&mut input).unwrap() {
///     kinds.push(frame.kind());
/// }
/// assert!(input.is_empty());
/// assert_eq!(kinds.len(), 2);
/// ```
#[derive(Clone, Debug)]
pub struct FrameDecoder {
    config: WireConfig,
    header: [u8; HEADER_LEN],
    header_filled: usize,
    stage: Stage,
    stats: DecoderStats,
}

impl Default for FrameDecoder {
    fn default() -> Self {
        FrameDecoder::new(WireConfig::default())
    }
}

impl FrameDecoder {
    /// A decoder enforcing `config`.
    ///
    /// ```
    /// use veil_core::wire::{FrameDecoder, UnknownCommandPolicy, WireConfig};
    /// let decoder = FrameDecoder::new(WireConfig {
    ///     unknown_commands: UnknownCommandPolicy::Reject,
    ///     ..WireConfig::default()
    /// });
    /// assert!(decoder.is_at_frame_boundary());
    /// ```
    #[must_use]
    pub fn new(config: WireConfig) -> Self {
        FrameDecoder {
            config,
            header: [0; HEADER_LEN],
            header_filled: 0,
            stage: Stage::Header,
            stats: DecoderStats::default(),
        }
    }

    /// The configuration in force.
    ///
    /// ```
    /// assert_eq!(veil_core::wire::FrameDecoder::default().config().max_payload_len, 4_000_000);
    /// ```
    #[must_use]
    pub fn config(&self) -> &WireConfig {
        &self.config
    }

    /// Changes the largest payload accepted from the next header on (for
    /// example a small limit until the handshake completes).
    ///
    /// ```
    /// let mut decoder = veil_core::wire::FrameDecoder::default();
    /// decoder.set_max_payload_len(256 * 1024);
    /// assert_eq!(decoder.config().max_payload_len, 262_144);
    /// ```
    pub fn set_max_payload_len(&mut self, max: u32) {
        self.config.max_payload_len = max;
    }

    /// The decoder's counters.
    ///
    /// ```
    /// assert_eq!(veil_core::wire::FrameDecoder::default().stats().bytes, 0);
    /// ```
    #[must_use]
    pub fn stats(&self) -> &DecoderStats {
        &self.stats
    }

    /// Bytes of heap the decoder holds for a partial frame.
    ///
    /// ```
    /// assert_eq!(veil_core::wire::FrameDecoder::default().buffered_capacity(), 0);
    /// ```
    #[must_use]
    pub fn buffered_capacity(&self) -> usize {
        match &self.stage {
            Stage::Body { body, .. } => body.capacity(),
            _ => 0,
        }
    }

    /// Whether no partial frame is pending: a stream that ends here ended
    /// cleanly.
    ///
    /// ```
    /// let mut decoder = veil_core::wire::FrameDecoder::default();
    /// decoder.decode(&mut &[1u8, 2][..]).unwrap();
    /// assert!(!decoder.is_at_frame_boundary());
    /// ```
    #[must_use]
    pub fn is_at_frame_boundary(&self) -> bool {
        matches!(self.stage, Stage::Header) && self.header_filled == 0
    }

    /// Consumes bytes from `input` until a frame is complete.
    ///
    /// Returns `Ok(Some(frame))` as soon as one frame is complete, leaving the
    /// rest of `input` unconsumed (call again), or `Ok(None)` once all of
    /// `input` has been consumed without completing a frame.
    ///
    /// # Errors
    ///
    /// A [`WireError`] other than `MalformedPayload` (which only
    /// [`Frame::into_message`] returns); the decoder returns it again on
    /// every later call.
    ///
    /// ```
    /// use veil_core::message::Message;
    /// use veil_core::wire::{FrameDecoder, FrameEncoder};
    ///
    /// let bytes = FrameEncoder::default().encode_to_vec(&Message::Verack).unwrap();
    /// let mut decoder = FrameDecoder::default();
    /// let (first, second) = bytes.split_at(10);
    /// assert!(decoder.decode(&mut &first[..]).unwrap().is_none());
    /// assert!(decoder.decode(&mut &second[..]).unwrap().is_some());
    /// ```
    pub fn decode(&mut self, input: &mut &[u8]) -> Result<Option<Frame>, WireError> {
        loop {
            match &mut self.stage {
                Stage::Failed(error) => return Err(error.clone()),
                Stage::Header => {
                    let Some(header) = self.take_header(input) else {
                        return Ok(None);
                    };
                    if let Some(frame) = self.start_frame(header, input)? {
                        return Ok(Some(frame));
                    }
                }
                Stage::Body {
                    len, body, hasher, ..
                } => {
                    let take = (*len - body.len()).min(input.len());
                    let (chunk, rest) = input.split_at(take);
                    hasher.update(chunk);
                    grow_for(body, take, *len);
                    body.extend_from_slice(chunk);
                    *input = rest;
                    self.stats.bytes += take as u64;
                    if body.len() < *len {
                        return Ok(None);
                    }
                    return self.finish_body().map(Some);
                }
                Stage::Skip {
                    remaining, hasher, ..
                } => {
                    let take = (*remaining).min(input.len());
                    let (chunk, rest) = input.split_at(take);
                    hasher.update(chunk);
                    *remaining -= take;
                    *input = rest;
                    self.stats.bytes += take as u64;
                    if *remaining > 0 {
                        return Ok(None);
                    }
                    self.finish_skip()?;
                }
            }
        }
    }

    /// Takes a whole header from `input`, straight from the slice when it is
    /// all there, otherwise through the 20-byte staging array.
    fn take_header(&mut self, input: &mut &[u8]) -> Option<FrameHeader> {
        if self.header_filled == 0 {
            if let Some((header, rest)) = input.split_first_chunk::<HEADER_LEN>() {
                *input = rest;
                self.stats.bytes += HEADER_LEN as u64;
                return Some(FrameHeader::from_bytes(header));
            }
        }
        let take = (HEADER_LEN - self.header_filled).min(input.len());
        let (chunk, rest) = input.split_at(take);
        self.header[self.header_filled..self.header_filled + take].copy_from_slice(chunk);
        self.header_filled += take;
        *input = rest;
        self.stats.bytes += take as u64;
        if self.header_filled < HEADER_LEN {
            return None;
        }
        self.header_filled = 0;
        Some(FrameHeader::from_bytes(&self.header))
    }

    /// Validates a header and either completes the frame at once (its payload
    /// is all in `input`) or sets up buffering or skipping.
    fn start_frame(
        &mut self,
        header: FrameHeader,
        input: &mut &[u8],
    ) -> Result<Option<Frame>, WireError> {
        let command = match Command::from_raw(header.command) {
            Ok(command) => command,
            Err(problem) => {
                return self.fail(WireError::MalformedCommand {
                    raw: header.command,
                    problem,
                })
            }
        };
        let len = header.payload_len;
        let Some(kind) = MessageKind::from_command(&command) else {
            return self.start_skip(command, header).map(|()| None);
        };
        let max = self.config.max_payload_for(kind);
        if len > max {
            return self.fail(WireError::Oversize { command, len, max });
        }
        let len = len as usize;
        if let Some((payload, rest)) = input.split_at_checked(len) {
            // The whole payload is here: hash it in place, copy it once.
            *input = rest;
            self.stats.bytes += len as u64;
            let mut hasher = ChecksumHasher::new();
            hasher.update(payload);
            let actual = hasher.finish();
            if actual != header.checksum {
                return self.fail(WireError::BadChecksum {
                    command,
                    expected: header.checksum,
                    actual,
                });
            }
            self.stats.frames += 1;
            return Ok(Some(Frame {
                kind,
                payload: Bytes::copy_from_slice(payload),
            }));
        }
        self.stage = Stage::Body {
            kind,
            expected: header.checksum,
            len,
            // Memory follows the data: a bare header must not pin the
            // announced size (Bitcoin Core grows its buffer the same way).
            body: Vec::with_capacity(len.min(GROWTH_STEP)),
            hasher: ChecksumHasher::new(),
        };
        Ok(None)
    }

    fn start_skip(&mut self, command: Command, header: FrameHeader) -> Result<(), WireError> {
        let padding = command.as_str() == PADDING_COMMAND;
        if self.config.unknown_commands == UnknownCommandPolicy::Reject && !padding {
            return self.fail(WireError::UnknownCommand { command });
        }
        let (len, max) = (header.payload_len, self.config.max_payload_len);
        if len > max {
            return self.fail(WireError::Oversize { command, len, max });
        }
        self.stage = Stage::Skip {
            command,
            expected: header.checksum,
            remaining: len as usize,
            hasher: ChecksumHasher::new(),
        };
        Ok(())
    }

    fn finish_body(&mut self) -> Result<Frame, WireError> {
        let Stage::Body {
            kind,
            expected,
            body,
            hasher,
            ..
        } = core::mem::replace(&mut self.stage, Stage::Header)
        else {
            unreachable!("finish_body is only called in the Body stage")
        };
        let actual = hasher.finish();
        if actual != expected {
            return self.fail(WireError::BadChecksum {
                command: kind.command(),
                expected,
                actual,
            });
        }
        self.stats.frames += 1;
        Ok(Frame {
            kind,
            payload: Bytes::from(body),
        })
    }

    fn finish_skip(&mut self) -> Result<(), WireError> {
        let Stage::Skip {
            command,
            expected,
            hasher,
            ..
        } = core::mem::replace(&mut self.stage, Stage::Header)
        else {
            unreachable!("finish_skip is only called in the Skip stage")
        };
        let actual = hasher.finish();
        if actual != expected {
            return self.fail(WireError::BadChecksum {
                command,
                expected,
                actual,
            });
        }
        if command.as_str() == PADDING_COMMAND {
            self.stats.padding_frames += 1;
        } else {
            self.stats.skipped_frames += 1;
            self.stats.last_skipped = Some(command);
        }
        Ok(())
    }

    fn fail<T>(&mut self, error: WireError) -> Result<T, WireError> {
        self.stage = Stage::Failed(error.clone());
        Err(error)
    }
}
