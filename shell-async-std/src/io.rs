//! One socket's work, polled with the socket's own waker: reads handed to
//! the node, the node's queued bytes written straight from its buffer,
//! the carrier's buffer flushed, and the last close. None of it looks at
//! the bytes.

use std::io::ErrorKind;
use std::task::{Context, Poll, Waker};

use veil_core::node::{ConnId, Node};
use veil_core::Instant;

use crate::carrier::{BoxedStream, Opening};

/// Reads taken from one socket per wake-up before the others get a turn.
pub(crate) const READS_PER_TURN: usize = 16;
/// Bytes offered to a socket in one write (a WebSocket message each).
const WRITE_CHUNK: usize = 256 * 1024;

/// One connection's stream, whatever its carrier.
pub(crate) struct Socket {
    pub(crate) stream: BoxedStream,
    /// Marks the socket ready in the driver's queue.
    pub(crate) waker: Waker,
    /// The peer ended its side; not read again.
    pub(crate) read_closed: bool,
    /// The last write would have blocked: wait for the waker.
    pub(crate) blocked: bool,
    /// Written since the last flush (TLS records, WebSocket frames).
    pub(crate) unflushed: bool,
}

/// How a turn of reading ended.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ReadTurn {
    /// The socket has nothing more now; its waker is registered.
    Drained,
    /// The turn's reads were used up: look again after the others.
    MoreLeft,
    /// The socket failed.
    Broken,
}

impl Socket {
    /// A socket for a stream that just opened.
    pub(crate) fn new(stream: BoxedStream, waker: Waker) -> Socket {
        Socket {
            stream,
            waker,
            read_closed: false,
            blocked: false,
            unflushed: false,
        }
    }

    /// Hands the node what the socket has, up to [`READS_PER_TURN`] reads.
    pub(crate) fn read_turn(
        &mut self,
        node: &mut Node,
        conn: ConnId,
        buf: &mut [u8],
        now: impl Fn() -> Instant,
    ) -> ReadTurn {
        let mut cx = Context::from_waker(&self.waker);
        for _ in 0..READS_PER_TURN {
            if self.read_closed {
                return ReadTurn::Drained;
            }
            match self.stream.as_mut().poll_read(&mut cx, buf) {
                Poll::Ready(Ok(0)) => {
                    self.read_closed = true;
                    node.handle_eof(now(), conn);
                }
                Poll::Ready(Ok(n)) => node.handle_input(now(), conn, &buf[..n]),
                Poll::Ready(Err(error)) if error.kind() == ErrorKind::Interrupted => {}
                Poll::Ready(Err(_)) => return ReadTurn::Broken,
                Poll::Pending => return ReadTurn::Drained,
            }
        }
        ReadTurn::MoreLeft
    }

    /// Writes what the node queued for `conn` until the socket would block
    /// or the queue is empty, then flushes the carrier's buffer.
    /// `Ok(true)` if any byte moved.
    pub(crate) fn write_out(&mut self, node: &mut Node, conn: ConnId) -> Result<bool, ()> {
        let mut cx = Context::from_waker(&self.waker);
        let mut moved = false;
        loop {
            let queued = node.transmit_slice(conn);
            if queued.is_empty() {
                break;
            }
            let take = queued.len().min(WRITE_CHUNK);
            match self.stream.as_mut().poll_write(&mut cx, &queued[..take]) {
                Poll::Ready(Ok(0)) => return Err(()),
                Poll::Ready(Ok(n)) => {
                    node.advance_transmit(conn, n);
                    self.unflushed = true;
                    moved = true;
                }
                Poll::Ready(Err(error)) if error.kind() == ErrorKind::Interrupted => {}
                Poll::Ready(Err(_)) => return Err(()),
                Poll::Pending => {
                    self.blocked = true;
                    return Ok(moved);
                }
            }
        }
        if self.unflushed {
            match self.stream.as_mut().poll_flush(&mut cx) {
                Poll::Ready(Ok(())) => self.unflushed = false,
                Poll::Ready(Err(_)) => return Err(()),
                Poll::Pending => self.blocked = true,
            }
        }
        Ok(moved)
    }

    /// After the node closed the connection: pushes out what the carrier
    /// buffers, then closes the stream (TLS close_notify, WebSocket close,
    /// TCP end of stream). Ready when done or failed.
    pub(crate) fn poll_finish(&mut self) -> Poll<()> {
        let mut cx = Context::from_waker(&self.waker);
        if self.unflushed {
            match self.stream.as_mut().poll_flush(&mut cx) {
                Poll::Ready(Ok(())) => self.unflushed = false,
                Poll::Ready(Err(_)) => return Poll::Ready(()),
                Poll::Pending => return Poll::Pending,
            }
        }
        self.stream.as_mut().poll_close(&mut cx).map(|_| ())
    }
}

/// A connection being opened (a dial, or an inbound carrier handshake),
/// polled with its own waker.
pub(crate) struct Opener {
    pub(crate) opening: Opening,
    pub(crate) waker: Waker,
}

impl Opener {
    /// Polls the opening once with its waker.
    pub(crate) fn poll(&mut self) -> Poll<std::io::Result<BoxedStream>> {
        let mut cx = Context::from_waker(&self.waker);
        self.opening.as_mut().poll(&mut cx)
    }
}
