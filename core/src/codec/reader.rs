//! A bounds-checked reader over one payload.
//!
//! Every read names the field it reads, so a rejection says exactly what was
//! wrong. Nothing here panics or allocates on behalf of the input: byte
//! strings are zero-copy slices of the payload, and counts are checked against
//! their limit *and* against the bytes actually left before a caller
//! allocates for them.

use bytes::{Buf, Bytes};

use crate::message::PayloadError;

pub(crate) struct Reader {
    rest: Bytes,
}

impl Reader {
    pub(crate) fn new(payload: Bytes) -> Self {
        Reader { rest: payload }
    }

    fn need(&self, field: &'static str, needed: usize) -> Result<(), PayloadError> {
        if self.rest.len() < needed {
            return Err(PayloadError::Truncated {
                field,
                needed,
                available: self.rest.len(),
            });
        }
        Ok(())
    }

    pub(crate) fn u8(&mut self, field: &'static str) -> Result<u8, PayloadError> {
        self.need(field, 1)?;
        Ok(self.rest.get_u8())
    }

    pub(crate) fn u16_le(&mut self, field: &'static str) -> Result<u16, PayloadError> {
        self.need(field, 2)?;
        Ok(self.rest.get_u16_le())
    }

    pub(crate) fn u16_be(&mut self, field: &'static str) -> Result<u16, PayloadError> {
        self.need(field, 2)?;
        Ok(self.rest.get_u16())
    }

    pub(crate) fn u32_le(&mut self, field: &'static str) -> Result<u32, PayloadError> {
        self.need(field, 4)?;
        Ok(self.rest.get_u32_le())
    }

    pub(crate) fn u64_le(&mut self, field: &'static str) -> Result<u64, PayloadError> {
        self.need(field, 8)?;
        Ok(self.rest.get_u64_le())
    }

    pub(crate) fn array<const N: usize>(
        &mut self,
        field: &'static str,
    ) -> Result<[u8; N], PayloadError> {
        self.need(field, N)?;
        let mut out = [0u8; N];
        self.rest.copy_to_slice(&mut out);
        Ok(out)
    }

    /// `len` bytes as a zero-copy slice of the payload.
    pub(crate) fn bytes(&mut self, field: &'static str, len: usize) -> Result<Bytes, PayloadError> {
        self.need(field, len)?;
        Ok(self.rest.split_to(len))
    }

    /// Everything left, as a zero-copy slice.
    pub(crate) fn rest(&mut self) -> Bytes {
        core::mem::take(&mut self.rest)
    }

    pub(crate) fn compact_size(&mut self, field: &'static str) -> Result<u64, PayloadError> {
        let (value, minimum) = match self.u8(field)? {
            0xFD => (u64::from(self.u16_le(field)?), 0xFD),
            0xFE => (u64::from(self.u32_le(field)?), 0x1_0000),
            0xFF => (self.u64_le(field)?, 0x1_0000_0000),
            small => return Ok(u64::from(small)),
        };
        if value < minimum {
            return Err(PayloadError::NonCanonicalCompactSize { field });
        }
        Ok(value)
    }

    /// A CompactSize count of items, checked against `max` and against the
    /// bytes left (each item takes at least `min_item_len` bytes), so the
    /// caller may allocate `count` items without trusting the peer.
    pub(crate) fn count(
        &mut self,
        field: &'static str,
        max: usize,
        min_item_len: usize,
    ) -> Result<usize, PayloadError> {
        let count = self.compact_size(field)?;
        if count > max as u64 {
            return Err(PayloadError::LimitExceeded {
                field,
                value: count,
                max: max as u64,
            });
        }
        let count = count as usize;
        self.need(field, count.saturating_mul(min_item_len))?;
        Ok(count)
    }

    /// A CompactSize length followed by that many bytes, at most `max`.
    pub(crate) fn var_bytes(
        &mut self,
        field: &'static str,
        max: usize,
    ) -> Result<Bytes, PayloadError> {
        let len = self.count(field, max, 1)?;
        self.bytes(field, len)
    }

    /// A CompactSize length followed by that many bytes of UTF-8, at most `max`.
    pub(crate) fn string(
        &mut self,
        field: &'static str,
        max: usize,
    ) -> Result<alloc::string::String, PayloadError> {
        let raw = self.var_bytes(field, max)?;
        core::str::from_utf8(&raw)
            .map(alloc::string::String::from)
            .map_err(|_| PayloadError::InvalidUtf8 { field })
    }

    /// Fails unless every byte was consumed: payloads have one encoding.
    pub(crate) fn finish(self) -> Result<(), PayloadError> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(PayloadError::TrailingBytes {
                count: self.rest.len(),
            })
        }
    }
}
