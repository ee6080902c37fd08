//! The packet layer's harness: a stream of encrypted packets from arbitrary
//! bytes, with genuine packets spliced in.

use alloc::vec;
use alloc::vec::Vec;

use crate::packet::{
    body_len, DecryptError, Header, ReceiveCipher, SendCipher, DEFAULT_MAX_CONTENTS_LEN,
    LENGTH_FIELD_LEN, TAG_LEN,
};

/// The harness's fixed keys.
const LENGTH_KEY: [u8; 32] = [5; 32];
const PACKET_KEY: [u8; 32] = [6; 32];

/// How many genuine packets are spliced in, picked by bits 4-5 of byte 0.
/// The last one carries the stream across a rekey (every 224 packets).
const SPLICE_COUNTS: [usize; 4] = [1, 2, 5, 240];

/// Contents lengths of the genuine packets, in turn.
const SPLICE_LENGTHS: [usize; 6] = [0, 1, 17, 100, 3, 300];

/// Headers of the genuine packets, in turn (reserved bits included).
const SPLICE_HEADERS: [Header; 4] = [
    Header::DATA,
    Header::DECOY,
    Header::from_byte(0x05),
    Header::from_byte(0xff),
];

/// Feeds `data` to a [`ReceiveCipher`] with fixed keys as a stream of
/// packets, and checks that:
/// - [`ReceiveCipher::decrypt_length`] returns exactly the length the field
///   encrypts (found from a sender on the same keys kept in step), and
///   refuses it with [`DecryptError::Oversize`] when it exceeds the
///   configured maximum, before any body is offered;
/// - a body that verifies has exactly the announced contents length, and
///   the only error a whole body can cause is
///   [`DecryptError::Authentication`];
/// - the caller's mistakes (a second length field, a short body, a small
///   output buffer) are refused and change nothing;
/// - after a failure every later call fails with the same error;
/// - genuine packets from a [`SendCipher`] on the same keys, spliced into
///   the stream, decrypt to their header and contents if nothing failed
///   before them (or are refused as oversize if longer than the maximum).
///
/// The input: byte 0 holds, in bits 0-3, after how many packets of the
/// stream the genuine ones are spliced in (at the end if the stream is
/// shorter and does not end inside a body); in bits 4-5, how many (1, 2, 5
/// or 240, the last across a rekey); in bit 6, whether bodies are
/// decrypted into a separate buffer rather than in place (bit 7 is unused).
/// Byte 1 sets the maximum contents length: 16 times its value, or
/// [`DEFAULT_MAX_CONTENTS_LEN`] for 255. The rest is the stream: a 3-byte
/// length field, then as many bytes as it announces (if that many remain),
/// and so on.
///
/// # Example
///
/// ```
/// veil_core::fuzz_harness::packet_receive(&[0x12, 4, 1, 2, 3, 4, 5, 6, 7]);
/// ```
pub fn packet_receive(data: &[u8]) {
    let [control, max_selector, ref stream @ ..] = *data else {
        return;
    };
    let splice_at = usize::from(control & 0x0f);
    let splice_count = SPLICE_COUNTS[usize::from((control >> 4) & 3)];
    let max = match max_selector {
        u8::MAX => DEFAULT_MAX_CONTENTS_LEN,
        selector => usize::from(selector) * 16,
    };
    let mut receiver = Receiver {
        cipher: ReceiveCipher::new(LENGTH_KEY, PACKET_KEY).with_max_contents_len(max),
        shadow: SendCipher::new(LENGTH_KEY, PACKET_KEY),
        max,
        copy_out: control & 0x40 != 0,
        failed: None,
        received: 0,
    };
    assert_eq!(receiver.cipher.max_contents_len(), max);

    let mut rest = stream;
    let mut packets = 0;
    let mut spliced = false;
    loop {
        if packets == splice_at {
            receiver.splice(splice_count, stream);
            spliced = true;
        }
        if !receiver.stream_packet(&mut rest) {
            break;
        }
        packets += 1;
    }
    // A stream shorter than the splice point gets the genuine packets at
    // its end, unless it ended inside a body (they cannot follow that).
    if !spliced && receiver.cipher.awaited_body_len().is_none() {
        receiver.splice(splice_count, stream);
    }
}

/// The cipher under test and what it must do next.
struct Receiver {
    cipher: ReceiveCipher,
    /// A sender on the same keys, one packet per packet received: its empty
    /// packets' length fields are the length keystream.
    shadow: SendCipher,
    max: usize,
    copy_out: bool,
    /// The error every call must return, once one packet failed.
    failed: Option<DecryptError>,
    received: u64,
}

impl Receiver {
    /// Takes the next packet off `rest` and checks what the cipher makes of
    /// it; returns whether the stream goes on.
    fn stream_packet(&mut self, rest: &mut &[u8]) -> bool {
        let Some((field, tail)) = rest.split_first_chunk::<LENGTH_FIELD_LEN>() else {
            return false;
        };
        *rest = tail;
        if let Some(error) = self.failed {
            assert_eq!(self.cipher.decrypt_length(*field), Err(error));
            let [a, b, c] = *field;
            let announced = u32::from_le_bytes([a, b, c, 0]) as usize;
            let (body, tail) = rest.split_at(body_len(announced).min(rest.len()));
            *rest = tail;
            self.assert_failed(body, error);
            return true;
        }

        let keystream = self.next_keystream();
        let plain: Vec<u8> = field.iter().zip(keystream).map(|(x, k)| x ^ k).collect();
        let len = u32::from_le_bytes([plain[0], plain[1], plain[2], 0]) as usize;
        let result = self.cipher.decrypt_length(*field);
        if len > self.max {
            let error = DecryptError::Oversize { len, max: self.max };
            assert_eq!(result, Err(error));
            self.failed = Some(error);
            assert_eq!(self.cipher.awaited_body_len(), None);
            return true;
        }
        let body_len = body_len(len);
        assert_eq!(result, Ok(body_len));
        assert_eq!(self.cipher.awaited_body_len(), Some(body_len));
        assert_eq!(
            self.cipher.decrypt_length(*field),
            Err(DecryptError::BodyExpected { body_len })
        );

        if rest.len() < body_len {
            // The stream ends inside the body: a short body is refused.
            let mut short = rest.to_vec();
            assert_eq!(
                self.cipher.decrypt_in_place(&mut short, &[]),
                Err(DecryptError::WrongBodyLength {
                    expected: body_len,
                    actual: rest.len()
                })
            );
            assert_eq!(self.cipher.awaited_body_len(), Some(body_len));
            *rest = &[];
            return false;
        }
        let (body, tail) = rest.split_at(body_len);
        *rest = tail;
        match self.open(body) {
            Ok((_, contents)) => assert_eq!(contents.len(), len),
            Err(error) => {
                assert_eq!(error, DecryptError::Authentication);
                self.failed = Some(error);
            }
        }
        true
    }

    /// Splices `count` genuine packets into the stream, their contents
    /// taken from `source`, and checks that they decrypt.
    fn splice(&mut self, count: usize, source: &[u8]) {
        for i in 0..count {
            let len = SPLICE_LENGTHS[i % SPLICE_LENGTHS.len()];
            let contents: Vec<u8> = if source.is_empty() {
                vec![0x5a; len]
            } else {
                source.iter().copied().cycle().take(len).collect()
            };
            let header = SPLICE_HEADERS[i % SPLICE_HEADERS.len()];
            let packet = self
                .shadow
                .encrypt_to_vec(&contents, &[], header)
                .expect("contents fit");
            let (field, body) = packet
                .split_first_chunk::<LENGTH_FIELD_LEN>()
                .expect("a packet starts with its length");
            if let Some(error) = self.failed {
                assert_eq!(self.cipher.decrypt_length(*field), Err(error));
                self.assert_failed(body, error);
                continue;
            }
            if len > self.max {
                let error = DecryptError::Oversize { len, max: self.max };
                assert_eq!(self.cipher.decrypt_length(*field), Err(error));
                self.failed = Some(error);
                continue;
            }
            assert_eq!(self.cipher.decrypt_length(*field), Ok(body.len()));
            let received = self.open(body).expect("a genuine packet decrypts");
            assert_eq!(received, (header, contents), "genuine packet {i}");
        }
    }

    /// The length keystream for the next packet, keeping the shadow sender
    /// in step.
    fn next_keystream(&mut self) -> [u8; LENGTH_FIELD_LEN] {
        let empty = self
            .shadow
            .encrypt_to_vec(&[], &[], Header::DATA)
            .expect("an empty packet fits");
        let mut keystream = [0u8; LENGTH_FIELD_LEN];
        keystream.copy_from_slice(&empty[..LENGTH_FIELD_LEN]);
        keystream
    }

    /// Decrypts the awaited `body`, in place or into a separate buffer
    /// (after checking that a buffer one byte short is refused).
    fn open(&mut self, body: &[u8]) -> Result<(Header, Vec<u8>), DecryptError> {
        let result = if self.copy_out {
            let required = body.len() - TAG_LEN;
            let mut short = vec![0u8; required - 1];
            assert_eq!(
                self.cipher.decrypt(body, &[], &mut short),
                Err(DecryptError::BufferTooSmall {
                    required,
                    available: required - 1
                })
            );
            let mut out = vec![0u8; required];
            self.cipher
                .decrypt(body, &[], &mut out)
                .map(|packet| (packet.header, packet.contents.to_vec()))
        } else {
            let mut body = body.to_vec();
            self.cipher
                .decrypt_in_place(&mut body, &[])
                .map(|packet| (packet.header, packet.contents.to_vec()))
        };
        if result.is_ok() {
            self.received += 1;
        }
        assert_eq!(self.cipher.packets_received(), self.received);
        assert_eq!(self.cipher.awaited_body_len(), None);
        result
    }

    /// Every way of offering `body` fails with the stream's `error`.
    fn assert_failed(&mut self, body: &[u8], error: DecryptError) {
        let mut copy = body.to_vec();
        assert_eq!(self.cipher.decrypt_in_place(&mut copy, &[]), Err(error));
        let mut out = vec![0u8; body.len()];
        assert_eq!(self.cipher.decrypt(body, &[], &mut out), Err(error));
        assert_eq!(self.cipher.awaited_body_len(), None);
        assert_eq!(self.cipher.packets_received(), self.received);
    }
}
