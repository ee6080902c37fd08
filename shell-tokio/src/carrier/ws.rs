//! The WebSocket carrier's server handshake on tokio: an ordinary
//! HTTP/1.1 upgrade for the configured path (another path gets a 404),
//! then the session's bytes in binary messages through
//! [`WsStream`](veil_carrier::WsStream).

use std::io;

use tokio::io::{AsyncRead, AsyncWrite};
use veil_carrier::ws::PathCheck;
use veil_carrier::WsStream;

/// Accepts a WebSocket upgrade for `path`.
pub(super) async fn accept<S>(stream: S, path: &str) -> io::Result<super::BoxedStream>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let ws = tokio_tungstenite::accept_hdr_async_with_config(
        stream,
        PathCheck::new(path),
        Some(veil_carrier::ws::config()),
    )
    .await
    .map_err(io::Error::other)?;
    Ok(Box::pin(WsStream::new(ws)))
}
