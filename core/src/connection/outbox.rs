//! The transmit queue: bytes waiting for `poll_transmit`.

use alloc::vec::Vec;

/// Capacity kept after the queue drains; more is freed so an idle
/// connection holds little memory.
const KEEP_CAPACITY: usize = 1024;

/// A byte queue written at the back and drained from the front.
#[derive(Default, Debug)]
pub(crate) struct Outbox {
    buf: Vec<u8>,
    head: usize,
}

impl Outbox {
    /// Bytes waiting.
    pub(crate) fn len(&self) -> usize {
        self.buf.len() - self.head
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends `bytes`.
    pub(crate) fn push(&mut self, bytes: &[u8]) {
        self.compact();
        self.buf.extend_from_slice(bytes);
    }

    /// Appends `len` zero bytes and returns them for the caller to fill in
    /// place (a packet is encrypted where it will be sent from).
    pub(crate) fn append(&mut self, len: usize) -> &mut [u8] {
        self.compact();
        let start = self.buf.len();
        self.buf.resize(start + len, 0);
        &mut self.buf[start..]
    }

    /// The queue's buffer, for appending in place (a packet is encoded and
    /// encrypted where it will be sent from, without zero-filling first).
    pub(crate) fn back_buffer(&mut self) -> &mut Vec<u8> {
        self.compact();
        &mut self.buf
    }

    /// The bytes waiting, front first.
    pub(crate) fn front(&self) -> &[u8] {
        &self.buf[self.head..]
    }

    /// Drops the first `n` bytes waiting (at most all of them).
    pub(crate) fn advance(&mut self, n: usize) {
        self.head += n.min(self.len());
        if self.head == self.buf.len() {
            self.clear();
        }
    }

    /// Removes the last `len` bytes (undoes an [`Outbox::append`] whose
    /// filling failed).
    pub(crate) fn truncate_back(&mut self, len: usize) {
        let keep = self.buf.len().saturating_sub(len).max(self.head);
        self.buf.truncate(keep);
    }

    /// Moves up to `out.len()` bytes from the front into `out`.
    pub(crate) fn pop_into(&mut self, out: &mut [u8]) -> usize {
        let n = out.len().min(self.len());
        out[..n].copy_from_slice(&self.buf[self.head..self.head + n]);
        self.advance(n);
        n
    }

    /// Drops everything queued; returns how many bytes that was.
    pub(crate) fn clear(&mut self) -> usize {
        let dropped = self.len();
        self.buf.clear();
        self.head = 0;
        if self.buf.capacity() > KEEP_CAPACITY {
            self.buf = Vec::new();
        }
        dropped
    }

    /// Heap bytes held.
    pub(crate) fn capacity(&self) -> usize {
        self.buf.capacity()
    }

    /// Moves the live bytes to the front once the drained prefix is at
    /// least half the buffer, so appends never grow it without bound.
    fn compact(&mut self) {
        if self.head > 0 && self.head * 2 >= self.buf.len() {
            self.buf.drain(..self.head);
            self.head = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drains_in_order_across_partial_pops() {
        let mut outbox = Outbox::default();
        outbox.push(b"hello ");
        outbox.append(5).copy_from_slice(b"world");
        let mut out = [0u8; 4];
        assert_eq!(outbox.pop_into(&mut out), 4);
        assert_eq!(&out, b"hell");
        outbox.push(b"!");
        let mut rest = [0u8; 16];
        let n = outbox.pop_into(&mut rest);
        assert_eq!(&rest[..n], b"o world!");
        assert!(outbox.is_empty());
    }

    #[test]
    fn truncate_back_never_eats_drained_bytes() {
        let mut outbox = Outbox::default();
        outbox.push(b"abc");
        outbox.append(10);
        outbox.truncate_back(10);
        assert_eq!(outbox.len(), 3);
    }

    #[test]
    fn large_buffers_are_freed_when_drained() {
        let mut outbox = Outbox::default();
        outbox.append(100_000);
        let mut sink = alloc::vec![0u8; 100_000];
        outbox.pop_into(&mut sink);
        assert_eq!(outbox.capacity(), 0);
    }
}
