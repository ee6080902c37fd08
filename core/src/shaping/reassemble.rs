//! The receiving side: rebuilding messages from packet contents.

use alloc::vec::Vec;
use bytes::Bytes;

use super::error::ShapingError;
use super::fragment::{LENGTH_PREFIX_LEN, MORE_FRAGMENTS, PADDED};

/// Rebuilds messages from the contents of received packets.
///
/// Only the [`PADDED`] and [`MORE_FRAGMENTS`] bits of a header byte are read;
/// the others (the decoy bit among them) are the caller's business. The
/// buffer never holds more than the configured maximum message size, and
/// grows only with data actually received: an announced length reserves
/// nothing. After an error the partial message is dropped.
///
/// # Example
///
/// ```
/// use veil_core::shaping::{Reassembler, MORE_FRAGMENTS, PADDED};
///
/// let mut reassembler = Reassembler::new(16);
/// assert_eq!(reassembler.push(MORE_FRAGMENTS, b"he").unwrap(), None);
/// let padded = [3, 0, 0, b'l', b'l', b'o', 0, 0];
/// assert_eq!(reassembler.push(PADDED, &padded).unwrap(), Some(b"hello".to_vec()));
/// assert_eq!(reassembler.buffered(), 0);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reassembler {
    max_message_len: usize,
    buffer: Vec<u8>,
}

impl Reassembler {
    /// A reassembler accepting messages of at most `max_message_len` bytes.
    ///
    /// # Example
    ///
    /// ```
    /// use veil_core::shaping::Reassembler;
    ///
    /// assert_eq!(Reassembler::new(4096).max_message_len(), 4096);
    /// ```
    #[must_use]
    pub fn new(max_message_len: usize) -> Reassembler {
        Reassembler {
            max_message_len,
            buffer: Vec::new(),
        }
    }

    /// The largest message this reassembler accepts.
    ///
    /// # Example
    ///
    /// ```
    /// use veil_core::shaping::Reassembler;
    ///
    /// assert_eq!(Reassembler::new(10).max_message_len(), 10);
    /// ```
    #[must_use]
    pub fn max_message_len(&self) -> usize {
        self.max_message_len
    }

    /// Bytes of the current partial message held so far.
    ///
    /// # Example
    ///
    /// ```
    /// use veil_core::shaping::{Reassembler, MORE_FRAGMENTS};
    ///
    /// let mut reassembler = Reassembler::new(10);
    /// reassembler.push(MORE_FRAGMENTS, b"abc").unwrap();
    /// assert_eq!(reassembler.buffered(), 3);
    /// ```
    #[must_use]
    pub fn buffered(&self) -> usize {
        self.buffer.len()
    }

    /// Bytes allocated for the partial message: never more than
    /// [`max_message_len`](Reassembler::max_message_len).
    ///
    /// # Example
    ///
    /// ```
    /// use veil_core::shaping::{Reassembler, MORE_FRAGMENTS};
    ///
    /// let mut reassembler = Reassembler::new(10);
    /// reassembler.push(MORE_FRAGMENTS, b"abcdefgh").unwrap();
    /// assert!(reassembler.allocated() <= 10);
    /// ```
    #[must_use]
    pub fn allocated(&self) -> usize {
        self.buffer.capacity()
    }

    /// Take in the contents of one packet with header byte `header`.
    ///
    /// Returns the complete message when `header` lacks
    /// [`MORE_FRAGMENTS`], `None` while fragments are still expected.
    ///
    /// # Errors
    ///
    /// A [`ShapingError`] for malformed padded contents or a message beyond
    /// the maximum; the partial message is then dropped.
    ///
    /// # Example
    ///
    /// ```
    /// use veil_core::shaping::{Reassembler, ShapingError, PADDED};
    ///
    /// let mut reassembler = Reassembler::new(100);
    /// assert_eq!(reassembler.push(PADDED, &[1, 0, 0, 7, 0]).unwrap(), Some(vec![7]));
    /// assert_eq!(
    ///     reassembler.push(PADDED, &[1, 0, 0, 7, 1]),
    ///     Err(ShapingError::NonZeroPadding { offset: 4 }),
    /// );
    /// ```
    pub fn push(&mut self, header: u8, contents: &[u8]) -> Result<Option<Vec<u8>>, ShapingError> {
        match self.take(header, contents) {
            Ok(done) => Ok(done),
            Err(err) => {
                self.buffer = Vec::new();
                Err(err)
            }
        }
    }

    /// Changes the largest message accepted (a connection raises it once
    /// its handshake completes).
    ///
    /// # Example
    ///
    /// ```
    /// use veil_core::shaping::Reassembler;
    ///
    /// let mut reassembler = Reassembler::new(10);
    /// reassembler.set_max_message_len(4096);
    /// assert_eq!(reassembler.max_message_len(), 4096);
    /// ```
    pub fn set_max_message_len(&mut self, max_message_len: usize) {
        self.max_message_len = max_message_len;
    }

    /// As [`Reassembler::push`], for contents held in [`Bytes`]: a message
    /// that fits one packet comes back as a slice of it, without a copy.
    ///
    /// # Errors
    ///
    /// As [`Reassembler::push`].
    ///
    /// # Example
    ///
    /// ```
    /// use bytes::Bytes;
    /// use veil_core::shaping::{Reassembler, PADDED};
    ///
    /// let mut reassembler = Reassembler::new(100);
    /// let contents = Bytes::from_static(&[2, 0, 0, b'h', b'i', 0, 0]);
    /// assert_eq!(reassembler.push_bytes(PADDED, contents).unwrap(), Some(Bytes::from_static(b"hi")));
    /// ```
    pub fn push_bytes(
        &mut self,
        header: u8,
        contents: Bytes,
    ) -> Result<Option<Bytes>, ShapingError> {
        if header & MORE_FRAGMENTS == 0 && self.buffer.is_empty() {
            let data = if header & PADDED != 0 {
                let data = unpad(&contents)?;
                LENGTH_PREFIX_LEN..LENGTH_PREFIX_LEN + data.len()
            } else {
                0..contents.len()
            };
            if data.len() > self.max_message_len {
                return Err(ShapingError::MessageTooLong {
                    len: data.len(),
                    max: self.max_message_len,
                });
            }
            return Ok(Some(contents.slice(data)));
        }
        Ok(self.push(header, &contents)?.map(Bytes::from))
    }

    fn take(&mut self, header: u8, contents: &[u8]) -> Result<Option<Vec<u8>>, ShapingError> {
        let data = if header & PADDED != 0 {
            unpad(contents)?
        } else {
            contents
        };
        let len = self.buffer.len().saturating_add(data.len());
        if len > self.max_message_len {
            return Err(ShapingError::MessageTooLong {
                len,
                max: self.max_message_len,
            });
        }
        let last = header & MORE_FRAGMENTS == 0;
        if last && self.buffer.is_empty() {
            return Ok(Some(data.to_vec()));
        }
        if len > self.buffer.capacity() {
            // Exact for a complete message; otherwise amortised doubling,
            // capped at the maximum message size.
            let target = if last {
                len
            } else {
                self.buffer
                    .capacity()
                    .saturating_mul(2)
                    .clamp(len, self.max_message_len)
            };
            self.buffer.reserve_exact(target - self.buffer.len());
        }
        self.buffer.extend_from_slice(data);
        if last {
            return Ok(Some(core::mem::take(&mut self.buffer)));
        }
        Ok(None)
    }
}

/// The data of padded contents, checking length and zero padding.
fn unpad(contents: &[u8]) -> Result<&[u8], ShapingError> {
    if contents.len() < LENGTH_PREFIX_LEN {
        return Err(ShapingError::ShortPadded {
            len: contents.len(),
        });
    }
    let (prefix, body) = contents.split_at(LENGTH_PREFIX_LEN);
    let data_len =
        usize::from(prefix[0]) | usize::from(prefix[1]) << 8 | usize::from(prefix[2]) << 16;
    if data_len > body.len() {
        return Err(ShapingError::DataLength {
            data_len,
            available: body.len(),
        });
    }
    let (data, padding) = body.split_at(data_len);
    if let Some(pos) = padding.iter().position(|&byte| byte != 0) {
        return Err(ShapingError::NonZeroPadding {
            offset: LENGTH_PREFIX_LEN + data_len + pos,
        });
    }
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn each_error() {
        let mut r = Reassembler::new(4);
        assert_eq!(
            r.push(PADDED, &[]),
            Err(ShapingError::ShortPadded { len: 0 })
        );
        assert_eq!(
            r.push(PADDED, &[2, 0, 0, 1]),
            Err(ShapingError::DataLength {
                data_len: 2,
                available: 1
            })
        );
        assert_eq!(
            r.push(PADDED | MORE_FRAGMENTS, &[0, 0, 0, 0, 0, 9]),
            Err(ShapingError::NonZeroPadding { offset: 5 })
        );
        assert_eq!(r.push(MORE_FRAGMENTS, b"abc"), Ok(None));
        assert_eq!(
            r.push(0, b"de"),
            Err(ShapingError::MessageTooLong { len: 5, max: 4 })
        );
        // The partial message was dropped.
        assert_eq!(r.buffered(), 0);
        assert_eq!(r.push(0, b"abcd"), Ok(Some(b"abcd".to_vec())));
    }

    #[test]
    fn announced_length_reserves_nothing() {
        let mut r = Reassembler::new(1 << 20);
        let contents = [0xff, 0xff, 0xff];
        assert!(r.push(PADDED | MORE_FRAGMENTS, &contents).is_err());
        assert_eq!(r.allocated(), 0);
        assert_eq!(r.push(PADDED | MORE_FRAGMENTS, &[0, 0, 0]), Ok(None));
        assert_eq!(r.allocated(), 0);
    }

    #[test]
    fn capacity_capped_at_maximum() {
        let mut r = Reassembler::new(1000);
        for _ in 0..99 {
            assert_eq!(r.push(MORE_FRAGMENTS, &[1; 10]), Ok(None));
            assert!(r.allocated() <= 1000);
        }
        assert_eq!(r.push(0, &[1; 10]), Ok(Some(vec![1; 1000])));
    }
}
