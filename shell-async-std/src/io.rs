//! One socket's work, polled with the socket's own waker: reads handed to
//! the node, the node's queued bytes written straight from its buffer,
//! and the connect of a dial. None of it looks at the bytes.

use std::future::Future;
use std::io::{self, ErrorKind};
use std::net::{SocketAddr, TcpStream};
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use async_io::{Async, Timer};
use futures_io::{AsyncRead, AsyncWrite};
use veil_core::node::{ConnId, Node};
use veil_core::Instant;

/// Reads taken from one socket per wake-up before the others get a turn.
pub(crate) const READS_PER_TURN: usize = 16;

/// One connection's socket.
pub(crate) struct Socket {
    pub(crate) stream: Async<TcpStream>,
    /// Marks the socket ready in the driver's queue.
    pub(crate) waker: Waker,
    /// The peer ended its side; not read again.
    pub(crate) read_closed: bool,
    /// The last write would have blocked: wait for the waker.
    pub(crate) blocked: bool,
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
            match Pin::new(&mut self.stream).poll_read(&mut cx, buf) {
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
    /// or the queue is empty. `Ok(true)` if any byte moved.
    pub(crate) fn write_out(&mut self, node: &mut Node, conn: ConnId) -> Result<bool, ()> {
        let mut cx = Context::from_waker(&self.waker);
        let mut moved = false;
        loop {
            let queued = node.transmit_slice(conn);
            if queued.is_empty() {
                return Ok(moved);
            }
            match Pin::new(&mut self.stream).poll_write(&mut cx, queued) {
                Poll::Ready(Ok(0)) => return Err(()),
                Poll::Ready(Ok(n)) => {
                    node.advance_transmit(conn, n);
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
    }
}

/// A TCP connect under way.
pub(crate) type Connecting = Pin<Box<dyn Future<Output = io::Result<Async<TcpStream>>> + Send>>;

/// A dial being opened, polled with its own waker.
pub(crate) struct Dialing {
    pub(crate) connect: Connecting,
    pub(crate) waker: Waker,
}

/// Connects to `target`, failing with `TimedOut` after `timeout`.
pub(crate) fn connect(target: SocketAddr, timeout: Duration) -> Connecting {
    Box::pin(futures_lite::future::or(
        Async::<TcpStream>::connect(target),
        async move {
            Timer::after(timeout).await;
            Err(io::Error::from(ErrorKind::TimedOut))
        },
    ))
}
