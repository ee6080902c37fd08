//! Padded, fragmented and decoy packet contents as the receiver reads them.

use alloc::vec::Vec;

use bytes::Bytes;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

use crate::packet::Header;
use crate::shaping::{
    plan, PaddingPolicy, Reassembler, ShapingError, LENGTH_PREFIX_LEN, MORE_FRAGMENTS, PADDED,
};

/// Feeds arbitrary packet headers and contents to the receiving side of
/// traffic shaping, as a peer holding the keys could send them, and checks:
///
/// - decoys (header bit `0x80`) are dropped before reassembly, as the
///   connection does;
/// - [`Reassembler::push`] and [`Reassembler::push_bytes`] agree on every
///   input, and both agree with a plain reference model written from
///   `docs/PROTOCOL.md` (unpad: a 3-byte length that fits, zero padding;
///   concatenate until a packet without [`MORE_FRAGMENTS`]; a message
///   beyond the maximum is an error and drops the partial message);
/// - neither reassembler ever holds or allocates more than its maximum;
/// - every message that came out survives a round trip through
///   [`plan`] and a fresh reassembler under a policy chosen by the input.
///
/// The input: byte 0 sets the maximum message size (`byte * 64 + 1`) and,
/// in its low two bits, the round-trip policy (none, buckets, random); then
/// records of a header byte, a length byte and that many contents bytes (a
/// record cut short takes what is left).
///
/// # Example
///
/// ```
/// use veil_core::shaping::{MORE_FRAGMENTS, PADDED};
/// // Max 129 bytes; a fragment "ab", then a padded last fragment "c".
/// veil_core::fuzz_harness::shaped_packets(&[2, MORE_FRAGMENTS, 2, b'a', b'b', PADDED, 5, 1, 0, 0, b'c', 0]);
/// ```
pub fn shaped_packets(data: &[u8]) {
    let Some((&control, mut records)) = data.split_first() else {
        return;
    };
    let max = usize::from(control) * 64 + 1;
    let mut from_slices = Reassembler::new(max);
    let mut from_bytes = Reassembler::new(max);
    let mut model = Model {
        max,
        buffer: Vec::new(),
    };
    let mut messages = Vec::new();
    while let Some((&header, rest)) = records.split_first() {
        let (&len, rest) = rest.split_first().unwrap_or((&0, &[]));
        let len = usize::from(len).min(rest.len());
        let (contents, rest) = rest.split_at(len);
        records = rest;
        if Header::from_byte(header).is_decoy() {
            continue;
        }
        let flags = header & (PADDED | MORE_FRAGMENTS);
        let expected = model.push(flags, contents);
        let got = from_slices.push(flags, contents);
        let got_bytes = from_bytes
            .push_bytes(flags, Bytes::copy_from_slice(contents))
            .map(|done| done.map(|message| message.to_vec()));
        assert_eq!(got, expected, "reassembler against the model");
        assert_eq!(got_bytes, expected, "push_bytes against the model");
        for reassembler in [&from_slices, &from_bytes] {
            assert!(reassembler.buffered() <= max && reassembler.allocated() <= max);
        }
        if let Ok(Some(message)) = got {
            messages.push(message);
        }
    }
    let policy = match control & 3 {
        0 => PaddingPolicy::None,
        1 => PaddingPolicy::Buckets,
        _ => PaddingPolicy::Random {
            min_contents: 4,
            max_contents: usize::from(control) + 4,
        },
    };
    let mut rng = ChaCha20Rng::seed_from_u64(u64::from(control));
    for message in messages {
        let mut fresh = Reassembler::new(max);
        let mut out = None;
        for fragment in plan(&message, &policy, &mut rng) {
            assert!(out.is_none(), "a message ends at its last fragment");
            out = fresh
                .push(fragment.header, &fragment.contents)
                .expect("a planned message reassembles");
        }
        assert_eq!(out.as_deref(), Some(&message[..]));
    }
}

/// The receiving rules in their plainest form.
struct Model {
    max: usize,
    buffer: Vec<u8>,
}

impl Model {
    fn push(&mut self, flags: u8, contents: &[u8]) -> Result<Option<Vec<u8>>, ShapingError> {
        let result = self.take(flags, contents);
        if result.is_err() {
            self.buffer.clear();
        }
        result
    }

    fn take(&mut self, flags: u8, contents: &[u8]) -> Result<Option<Vec<u8>>, ShapingError> {
        let data = if flags & PADDED != 0 {
            let Some(prefix) = contents.get(..LENGTH_PREFIX_LEN) else {
                return Err(ShapingError::ShortPadded {
                    len: contents.len(),
                });
            };
            let data_len = usize::from(prefix[0])
                + usize::from(prefix[1]) * 256
                + usize::from(prefix[2]) * 65_536;
            let available = contents.len() - LENGTH_PREFIX_LEN;
            if data_len > available {
                return Err(ShapingError::DataLength {
                    data_len,
                    available,
                });
            }
            let end = LENGTH_PREFIX_LEN + data_len;
            if let Some(offset) = contents[end..].iter().position(|&b| b != 0) {
                return Err(ShapingError::NonZeroPadding {
                    offset: end + offset,
                });
            }
            &contents[LENGTH_PREFIX_LEN..end]
        } else {
            contents
        };
        let len = self.buffer.len() + data.len();
        if len > self.max {
            return Err(ShapingError::MessageTooLong { len, max: self.max });
        }
        self.buffer.extend_from_slice(data);
        if flags & MORE_FRAGMENTS == 0 {
            return Ok(Some(core::mem::take(&mut self.buffer)));
        }
        Ok(None)
    }
}
