//! The plaintext transport: the seed's cleartext frames, and the inbound
//! check that tells a plaintext peer from an encrypted one.

use rand_core::RngCore;

use crate::message::Message;
use crate::shaping::{PaddingPolicy, BUCKETS};
use crate::wire::{
    checksum, Command, EncodeError, FrameDecoder, FrameEncoder, FrameHeader, WireConfig,
    HEADER_LEN, PADDING_COMMAND,
};

use super::encrypted::setup::PLAINTEXT_COMMAND;
use super::outbox::Outbox;
use super::CloseReason;

/// Frames in, frames out.
pub(crate) struct Plaintext {
    decoder: FrameDecoder,
    encoder: FrameEncoder,
    /// Padding after each message, once both sides announced it.
    padding: PaddingPolicy,
}

impl Plaintext {
    /// A transport whose decoder starts at `handshake_max_payload` until
    /// [`Plaintext::set_max_payload_len`] raises it.
    pub(crate) fn new(wire: WireConfig, handshake_max_payload: u32) -> Plaintext {
        let mut decoder = FrameDecoder::new(wire);
        decoder.set_max_payload_len(handshake_max_payload.min(wire.max_payload_len));
        Plaintext {
            decoder,
            encoder: FrameEncoder::new(wire),
            padding: PaddingPolicy::None,
        }
    }

    /// Pads every later message with a `padding` frame under `policy`.
    pub(crate) fn set_padding(&mut self, policy: PaddingPolicy) {
        self.padding = policy;
    }

    /// `padding` frames received and dropped.
    pub(crate) fn padding_frames(&self) -> u64 {
        self.decoder.stats().padding_frames
    }

    pub(crate) fn set_max_payload_len(&mut self, max: u32) {
        self.decoder.set_max_payload_len(max);
    }

    pub(crate) fn buffer_capacity(&self) -> usize {
        self.decoder.buffered_capacity()
    }

    /// Frames of unknown commands skipped so far.
    pub(crate) fn skipped_frames(&self) -> u64 {
        self.decoder.stats().skipped_frames
    }

    /// The next whole message, if the input completes one.
    pub(crate) fn read(&mut self, input: &mut &[u8]) -> Result<Option<Message>, CloseReason> {
        match self.decoder.decode(input).map_err(CloseReason::Wire)? {
            Some(frame) => frame.into_message().map(Some).map_err(CloseReason::Wire),
            None => Ok(None),
        }
    }

    pub(crate) fn send_message<R: RngCore>(
        &mut self,
        message: &Message,
        out: &mut Outbox,
        rng: &mut R,
    ) -> Result<(), EncodeError> {
        let len = self.encoder.frame_len(message)?;
        let frame = out.append(len);
        let result = self.encoder.encode(message, frame).map(|_| ());
        if result.is_err() {
            out.truncate_back(len);
            return result;
        }
        if let Some(padding) = padding_len(len, &self.padding, rng) {
            append_padding_frame(out, padding);
        }
        Ok(())
    }
}

/// The payload of the `padding` frame that follows a frame of `frame_len`
/// bytes: under buckets, the two frames together fill the smallest bucket
/// that holds both headers (beyond the largest, a multiple of it); under
/// random padding, a uniformly drawn length.
fn padding_len<R: RngCore>(frame_len: usize, policy: &PaddingPolicy, rng: &mut R) -> Option<usize> {
    match policy {
        PaddingPolicy::None => None,
        PaddingPolicy::Buckets => {
            let needed = frame_len + HEADER_LEN;
            let largest = BUCKETS[BUCKETS.len() - 1];
            let target = BUCKETS
                .iter()
                .copied()
                .find(|&bucket| bucket >= needed)
                .unwrap_or_else(|| needed.div_ceil(largest) * largest);
            Some(target - needed)
        }
        PaddingPolicy::Random { .. } => {
            let (lo, hi) = policy.random_range()?;
            Some(crate::shaping::uniform(rng, lo, hi))
        }
    }
}

/// A `padding` frame of `len` zero bytes.
fn append_padding_frame(out: &mut Outbox, len: usize) {
    let frame = out.append(HEADER_LEN + len);
    let Ok(command) = Command::new(PADDING_COMMAND) else {
        unreachable!("a valid command name")
    };
    let header = FrameHeader {
        payload_len: len as u32,
        command: *command.as_bytes(),
        checksum: checksum(&frame[HEADER_LEN..]),
    };
    frame[..HEADER_LEN].copy_from_slice(&header.to_bytes());
}

/// What the first bytes of an inbound connection say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Detected {
    /// Not enough bytes yet.
    Undecided,
    Plaintext,
    Encrypted,
}

/// Decides from the bytes seen so far (at most 16 matter): a plaintext
/// peer's first frame is a `version`, so bytes 4..16 are its command. An
/// encrypted peer's first bytes are an ephemeral key, which the initiator
/// never lets look like that. Decided at the first differing byte.
pub(crate) fn detect(prefix: &[u8]) -> Detected {
    let command = prefix.get(4..).unwrap_or(&[]);
    let seen = command.len().min(PLAINTEXT_COMMAND.len());
    if command[..seen] != PLAINTEXT_COMMAND[..seen] {
        Detected::Encrypted
    } else if seen == PLAINTEXT_COMMAND.len() {
        Detected::Plaintext
    } else {
        Detected::Undecided
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection_decides_at_the_first_telling_byte() {
        assert_eq!(detect(&[1, 2, 3]), Detected::Undecided);
        assert_eq!(detect(b"\x51\0\0\0ver"), Detected::Undecided);
        assert_eq!(detect(b"\x51\0\0\0vex"), Detected::Encrypted);
        assert_eq!(detect(b"\x51\0\0\0version\0\0\0\0\0"), Detected::Plaintext);
        assert_eq!(
            detect(b"\x51\0\0\0version\0\0\0\0\0more"),
            Detected::Plaintext
        );
    }
}
