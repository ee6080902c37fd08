//! One connection's socket tasks: a reader that hands the node what
//! arrives, and a writer that writes what the node queued. Neither looks
//! at the bytes.

use bytes::{Bytes, BytesMut};
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

/// Writes every buffer in order, reporting each as [`Input::Written`]
/// (the driver's window). When the driver drops its sender (the node
/// closed the connection), writes what is left, then shuts the stream
/// down so the peer sees a clean end.
pub(super) async fn write_loop(
    conn: ConnId,
    mut writer: WriteHalf<BoxedStream>,
    mut queue: mpsc::UnboundedReceiver<Bytes>,
    inputs: mpsc::Sender<Input>,
) {
    while let Some(bytes) = queue.recv().await {
        let mut result = writer.write_all(&bytes).await;
        // TLS and WebSocket buffer: push the bytes out once the queue is
        // empty rather than after every buffer.
        if result.is_ok() && queue.is_empty() {
            result = writer.flush().await;
        }
        let input = match result {
            Ok(()) => Input::Written {
                conn,
                n: bytes.len(),
            },
            Err(_) => Input::Broken { conn },
        };
        let broken = matches!(input, Input::Broken { .. });
        if inputs.send(input).await.is_err() || broken {
            return;
        }
    }
    let _ = writer.shutdown().await;
}
