//! The WebSocket carrier's shared parts: its limits, the path check every
//! server applies (another path gets a 404, as from any web server), and
//! [`WsStream`], which turns a WebSocket's binary messages back into a
//! byte stream.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use futures_core::Stream;
use futures_sink::Sink;
use tungstenite::handshake::server::{Callback, ErrorResponse, Request, Response};
use tungstenite::http::StatusCode;
use tungstenite::protocol::WebSocketConfig;
use tungstenite::Message;

/// Largest message or frame accepted: 1 MiB. Shells write at most
/// 256 KiB at once, each write one message, so honest peers stay far
/// below; the bound keeps a hostile one from making tungstenite buffer
/// more.
pub const MAX_MESSAGE: usize = 1 << 20;

/// The WebSocket configuration of every shell (the limits above).
///
/// ```
/// assert_eq!(veil_carrier::ws::config().max_message_size, Some(veil_carrier::ws::MAX_MESSAGE));
/// ```
#[must_use]
pub fn config() -> WebSocketConfig {
    WebSocketConfig {
        max_message_size: Some(MAX_MESSAGE),
        max_frame_size: Some(MAX_MESSAGE),
        ..WebSocketConfig::default()
    }
}

/// Accepts an upgrade only for one path; any other gets `404 Not Found`.
///
/// ```
/// use tungstenite::handshake::server::{Callback, Request, Response};
/// let request = Request::builder().uri("/elsewhere").body(()).unwrap();
/// let refused = veil_carrier::ws::PathCheck::new("/").on_request(&request, Response::default());
/// assert_eq!(refused.unwrap_err().status(), 404);
/// ```
#[derive(Clone, Debug)]
pub struct PathCheck(String);

impl PathCheck {
    /// A check for `path`.
    ///
    /// See [`PathCheck`] for an example.
    #[must_use]
    pub fn new(path: &str) -> PathCheck {
        PathCheck(path.to_owned())
    }
}

impl Callback for PathCheck {
    fn on_request(self, request: &Request, response: Response) -> Result<Response, ErrorResponse> {
        if request.uri().path() == self.0 {
            Ok(response)
        } else {
            let mut refusal = ErrorResponse::new(Some("Not Found".to_owned()));
            *refusal.status_mut() = StatusCode::NOT_FOUND;
            Err(refusal)
        }
    }
}

/// A WebSocket as a byte stream: each write is one binary message; reads
/// return the payloads of binary messages in order. A close frame or the
/// end of the stream reads as end of file; a text message is an error
/// (veil never sends one). `W` is any runtime's WebSocket stream (a
/// `Stream` and `Sink` of tungstenite messages).
///
/// ```no_run
/// # async fn demo(tcp: async_io::Async<std::net::TcpStream>) -> std::io::Result<()> {
/// use futures_lite::AsyncWriteExt;
/// let (ws, _) = async_tungstenite::client_async("ws://192.0.2.7/", tcp).await.map_err(std::io::Error::other)?;
/// let mut stream = veil_carrier::WsStream::new(ws);
/// stream.write_all(b"bytes").await?;
/// # Ok(()) }
/// ```
pub struct WsStream<W> {
    inner: W,
    /// The unread rest of the last binary message.
    pending: Vec<u8>,
    offset: usize,
    ended: bool,
}

type WsResult<T> = Result<T, tungstenite::Error>;

impl<W> WsStream<W>
where
    W: Stream<Item = WsResult<Message>> + Sink<Message, Error = tungstenite::Error> + Unpin,
{
    /// Wraps an upgraded WebSocket.
    ///
    /// See [`WsStream`] for an example.
    pub fn new(inner: W) -> WsStream<W> {
        WsStream {
            inner,
            pending: Vec::new(),
            offset: 0,
            ended: false,
        }
    }

    /// The unread bytes of the current message, waiting for the next
    /// binary message if none are left; empty at the end of the stream.
    fn poll_unread(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        while self.offset == self.pending.len() && !self.ended {
            match ready!(Pin::new(&mut self.inner).poll_next(cx)) {
                Some(Ok(Message::Binary(data))) => {
                    self.pending = data;
                    self.offset = 0;
                }
                Some(Ok(Message::Close(_))) | None => self.ended = true,
                // Pings are answered by tungstenite itself.
                Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
                Some(Ok(Message::Text(_))) => {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        "a text message on a veil WebSocket",
                    )))
                }
                Some(Err(error)) => return Poll::Ready(Err(io::Error::other(error))),
            }
        }
        Poll::Ready(Ok(&self.pending[self.offset..]))
    }

    /// Copies up to `room` unread bytes out with `put`; the count copied
    /// (0 at the end of the stream or for no room).
    fn read_with(
        &mut self,
        cx: &mut Context<'_>,
        room: usize,
        put: impl FnOnce(&[u8]),
    ) -> Poll<io::Result<usize>> {
        if room == 0 {
            return Poll::Ready(Ok(0));
        }
        let unread = ready!(self.poll_unread(cx))?;
        let n = unread.len().min(room);
        put(&unread[..n]);
        self.offset += n;
        Poll::Ready(Ok(n))
    }

    /// Sends up to [`MAX_MESSAGE`] bytes of `buf` as one binary message.
    fn write_from(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        ready!(Pin::new(&mut self.inner).poll_ready(cx)).map_err(io::Error::other)?;
        let n = buf.len().min(MAX_MESSAGE);
        Pin::new(&mut self.inner)
            .start_send(Message::Binary(buf[..n].to_vec()))
            .map_err(io::Error::other)?;
        Poll::Ready(Ok(n))
    }

    fn flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner)
            .poll_flush(cx)
            .map_err(io::Error::other)
    }

    /// Sends a close frame.
    fn close(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner)
            .poll_close(cx)
            .map_err(io::Error::other)
    }
}

impl<W> futures_io::AsyncRead for WsStream<W>
where
    W: Stream<Item = WsResult<Message>> + Sink<Message, Error = tungstenite::Error> + Unpin,
{
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let room = buf.len();
        self.get_mut()
            .read_with(cx, room, |bytes| buf[..bytes.len()].copy_from_slice(bytes))
    }
}

impl<W> futures_io::AsyncWrite for WsStream<W>
where
    W: Stream<Item = WsResult<Message>> + Sink<Message, Error = tungstenite::Error> + Unpin,
{
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().write_from(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().close(cx)
    }
}

#[cfg(feature = "tokio")]
impl<W> tokio::io::AsyncRead for WsStream<W>
where
    W: Stream<Item = WsResult<Message>> + Sink<Message, Error = tungstenite::Error> + Unpin,
{
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let room = buf.remaining();
        ready!(self
            .get_mut()
            .read_with(cx, room, |bytes| buf.put_slice(bytes)))?;
        Poll::Ready(Ok(()))
    }
}

#[cfg(feature = "tokio")]
impl<W> tokio::io::AsyncWrite for WsStream<W>
where
    W: Stream<Item = WsResult<Message>> + Sink<Message, Error = tungstenite::Error> + Unpin,
{
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().write_from(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().close(cx)
    }
}
