//! CompactSize: Bitcoin's variable-length unsigned integer.
//!
//! `< 0xFD` is one byte; `0xFD` + u16 LE; `0xFE` + u32 LE; `0xFF` + u64 LE.
//! Decoding (in [`super::Reader`]) accepts only the shortest form, so every
//! value has exactly one encoding and decode-then-encode is byte-exact.

use bytes::BufMut;

/// Number of bytes the CompactSize encoding of `value` takes.
pub(crate) const fn compact_size_len(value: u64) -> usize {
    if value < 0xFD {
        1
    } else if value <= 0xFFFF {
        3
    } else if value <= 0xFFFF_FFFF {
        5
    } else {
        9
    }
}

/// Writes `value` as a canonical CompactSize.
pub(crate) fn put_compact_size<B: BufMut>(out: &mut B, value: u64) {
    if value < 0xFD {
        out.put_u8(value as u8);
    } else if value <= 0xFFFF {
        out.put_u8(0xFD);
        out.put_u16_le(value as u16);
    } else if value <= 0xFFFF_FFFF {
        out.put_u8(0xFE);
        out.put_u32_le(value as u32);
    } else {
        out.put_u8(0xFF);
        out.put_u64_le(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::Reader;
    use alloc::vec::Vec;
    use bytes::Bytes;

    #[test]
    fn boundaries_round_trip_with_their_lengths() {
        for value in [
            0,
            0xFC,
            0xFD,
            0xFFFF,
            0x1_0000,
            0xFFFF_FFFF,
            0x1_0000_0000,
            u64::MAX,
        ] {
            let mut out = Vec::new();
            put_compact_size(&mut out, value);
            assert_eq!(out.len(), compact_size_len(value));
            let mut reader = Reader::new(Bytes::from(out));
            assert_eq!(reader.compact_size("test").unwrap(), value);
            reader.finish().unwrap();
        }
    }

    #[test]
    fn non_canonical_forms_are_rejected() {
        for bytes in [
            &[0xFD, 0xFC, 0x00][..],
            &[0xFE, 0xFF, 0xFF, 0x00, 0x00],
            &[0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00],
        ] {
            let mut reader = Reader::new(Bytes::copy_from_slice(bytes));
            let err = reader.compact_size("count").unwrap_err();
            assert_eq!(
                err,
                crate::message::PayloadError::NonCanonicalCompactSize { field: "count" }
            );
        }
    }
}
