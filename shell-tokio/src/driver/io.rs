//! One connection's socket work outside the driver task: a reader that
//! hands the node what arrives, the waker that says a socket can take
//! more, and the last flush after a close. None of it looks at the bytes.

use bytes::BytesMut;
use tokio::io::{AsyncReadExt, AsyncWriteExt, ReadHalf, WriteHalf};
use tokio::sync::mpsc;
use veil_core::node::ConnId;

use super::Input;
use crate::carrier::BoxedStream;

/// The smallest and largest read. Each read asks for as much as the last
/// one got, doubled if it filled the buffer: an idle connection holds a
/// small buffer, a busy one reads in large chunks (fewer wake-ups).
const MIN_READ: usize = 4 * 1024;
const MAX_READ: usize = 256 * 1024;

/// Reads until end of stream or error, each read one [`Input::Data`].
/// A full input channel stops the reading: TCP's own flow control then
/// slows the peer down.
pub(super) async fn read_loop(
    conn: ConnId,
    mut reader: ReadHalf<BoxedStream>,
    inputs: mpsc::Sender<Input>,
) {
    let mut want = MIN_READ;
    let mut buf = BytesMut::new();
    loop {
        buf.reserve(want);
        let room = buf.capacity() - buf.len();
        let input = match reader.read_buf(&mut buf).await {
            Ok(0) => Input::Eof { conn },
            Ok(n) => {
                want = if n >= room {
                    (want * 2).min(MAX_READ)
                } else {
                    n.next_power_of_two().clamp(MIN_READ, MAX_READ)
                };
                Input::Data {
                    conn,
                    bytes: buf.split().freeze(),
                }
            }
            Err(_) => Input::Broken { conn },
        };
        let last = !matches!(input, Input::Data { .. });
        if inputs.send(input).await.is_err() || last {
            return;
        }
    }
}

/// Wakes the driver task when a socket it could not write to becomes
/// writable again: the waker the driver's own `poll_write` registers.
pub(super) struct WritableWaker {
    pub(super) conn: ConnId,
    pub(super) notify: mpsc::UnboundedSender<ConnId>,
}

impl std::task::Wake for WritableWaker {
    fn wake(self: std::sync::Arc<Self>) {
        let _ = self.notify.send(self.conn);
    }
}

/// After the node closed a connection: pushes out what the carrier still
/// buffers (TLS records, a WebSocket frame), then shuts the stream down
/// so the peer sees a clean end (TLS close_notify, WebSocket close).
pub(super) async fn finish_writing(mut writer: WriteHalf<BoxedStream>) {
    let _ = writer.flush().await;
    let _ = writer.shutdown().await;
}
