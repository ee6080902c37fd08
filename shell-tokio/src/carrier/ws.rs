//! The WebSocket carrier (tungstenite): an ordinary HTTP/1.1 upgrade, then
//! the session's bytes in binary messages. [`WsStream`] turns the message
//! stream back into a byte stream.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use futures_util::{Sink, Stream};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::StatusCode;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

/// Largest message or frame accepted: 1 MiB. The driver writes at most
/// 256 KiB at once, each write one message, so honest peers stay far
/// below; the bound keeps a hostile one from making tungstenite buffer
/// more.
pub(super) const MAX_MESSAGE: usize = 1 << 20;

pub(super) fn config() -> WebSocketConfig {
    WebSocketConfig {
        max_message_size: Some(MAX_MESSAGE),
        max_frame_size: Some(MAX_MESSAGE),
        ..WebSocketConfig::default()
    }
}

/// Accepts a WebSocket upgrade for `path`; another path gets a 404, as
/// from any web server.
// The callback's error type (an HTTP response) is tungstenite's.
#[allow(clippy::result_large_err)]
pub(super) async fn accept<S>(stream: S, path: &str) -> io::Result<super::BoxedStream>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let expected = path.to_owned();
    let check = move |request: &Request, response: Response| {
        if request.uri().path() == expected {
            Ok(response)
        } else {
            let mut refusal = ErrorResponse::new(Some("Not Found".to_owned()));
            *refusal.status_mut() = StatusCode::NOT_FOUND;
            Err(refusal)
        }
    };
    let ws = tokio_tungstenite::accept_hdr_async_with_config(stream, check, Some(config()))
        .await
        .map_err(to_io)?;
    Ok(Box::pin(WsStream::new(ws)))
}

/// A WebSocket as a byte stream: each write is one binary message; reads
/// return the payloads of binary messages in order. A close frame or the
/// end of the stream reads as end of file; a text message is an error
/// (veil never sends one).
pub struct WsStream<S> {
    inner: WebSocketStream<S>,
    /// The unread rest of the last binary message.
    pending: Vec<u8>,
    offset: usize,
    ended: bool,
}

impl<S> WsStream<S> {
    pub(super) fn new(inner: WebSocketStream<S>) -> WsStream<S> {
        WsStream {
            inner,
            pending: Vec::new(),
            offset: 0,
            ended: false,
        }
    }
}

fn to_io(error: tokio_tungstenite::tungstenite::Error) -> io::Error {
    io::Error::other(error)
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for WsStream<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        loop {
            let this = &mut *self;
            if this.offset < this.pending.len() {
                let n = (this.pending.len() - this.offset).min(buf.remaining());
                buf.put_slice(&this.pending[this.offset..this.offset + n]);
                this.offset += n;
                return Poll::Ready(Ok(()));
            }
            if this.ended {
                return Poll::Ready(Ok(()));
            }
            match ready!(Pin::new(&mut this.inner).poll_next(cx)) {
                Some(Ok(Message::Binary(data))) => {
                    this.pending = data;
                    this.offset = 0;
                }
                Some(Ok(Message::Close(_))) | None => this.ended = true,
                // Pings are answered by tungstenite itself.
                Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
                Some(Ok(Message::Text(_))) => {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        "a text message on a veil WebSocket",
                    )))
                }
                Some(Err(error)) => return Poll::Ready(Err(to_io(error))),
            }
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for WsStream<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let inner = &mut self.inner;
        ready!(Pin::new(&mut *inner).poll_ready(cx)).map_err(to_io)?;
        let n = buf.len().min(MAX_MESSAGE);
        Pin::new(inner)
            .start_send(Message::Binary(buf[..n].to_vec()))
            .map_err(to_io)?;
        Poll::Ready(Ok(n))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx).map_err(to_io)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_close(cx).map_err(to_io)
    }
}
