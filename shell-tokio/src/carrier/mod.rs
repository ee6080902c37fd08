//! Carriers: what a veil session runs inside. Raw TCP, TLS 1.3 (rustls)
//! and WebSocket over TCP or TLS. The names, settings, TLS configurations
//! and the WebSocket byte stream are `veil-carrier`'s, shared by every
//! shell; this module runs the handshakes on tokio (tokio-rustls,
//! tokio-tungstenite).

mod ws;

use std::io;
use std::pin::Pin;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::{TlsAcceptor, TlsConnector};

pub use veil_carrier::{
    Carrier, CarrierError, CarrierSettings, ClientCarrier, ServerCarrier, UnknownCarrier, WsStream,
};

/// A byte stream a veil session can run inside.
///
/// ```
/// use veil_tokio::carrier::{AsyncStream, BoxedStream};
/// fn boxed(stream: tokio::net::TcpStream) -> BoxedStream {
///     Box::pin(stream)
/// }
/// ```
pub trait AsyncStream: AsyncRead + AsyncWrite + Send {}

impl<T: AsyncRead + AsyncWrite + Send> AsyncStream for T {}

/// A carrier's stream, whatever the carrier.
///
/// ```
/// use veil_tokio::carrier::BoxedStream;
/// fn is_send(_: &BoxedStream) -> bool { true }
/// ```
pub type BoxedStream = Pin<Box<dyn AsyncStream>>;

/// Runs the client side of `carrier` on a connected socket: nothing for
/// TCP, a TLS 1.3 handshake, a WebSocket upgrade, or both. `host` is the
/// dialled host (SNI unless configured, WebSocket `Host`).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// use tokio::io::{AsyncReadExt, AsyncWriteExt};
/// use veil_tokio::carrier::{accept, connect, Carrier, ClientCarrier, ServerCarrier};
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
/// let addr = listener.local_addr()?;
/// let server = tokio::spawn(async move {
///     let (tcp, _) = listener.accept().await.unwrap();
///     let mut stream = accept(Carrier::WebSocketTls, tcp, &ServerCarrier::default()).await.unwrap();
///     let mut buf = [0u8; 5];
///     stream.read_exact(&mut buf).await.unwrap();
///     buf
/// });
/// let tcp = tokio::net::TcpStream::connect(addr).await?;
/// let mut stream = connect(Carrier::WebSocketTls, tcp, "127.0.0.1", &ClientCarrier::default()).await?;
/// stream.write_all(b"hello").await?;
/// stream.flush().await?;
/// assert_eq!(&server.await.unwrap(), b"hello");
/// # Ok(()) }
/// ```
pub async fn connect(
    carrier: Carrier,
    tcp: TcpStream,
    host: &str,
    client: &ClientCarrier,
) -> io::Result<BoxedStream> {
    let tls = || TlsConnector::from(client.tls_config());
    let url = |scheme: &str| client.websocket_url(scheme, host);
    match carrier {
        Carrier::Tcp => Ok(Box::pin(tcp)),
        Carrier::Tls => {
            let stream = tls().connect(client.server_name(host)?, tcp).await?;
            Ok(Box::pin(stream))
        }
        Carrier::WebSocket => {
            let (ws, _) = tokio_tungstenite::client_async_with_config(
                url("ws"),
                tcp,
                Some(veil_carrier::ws::config()),
            )
            .await
            .map_err(io::Error::other)?;
            Ok(Box::pin(WsStream::new(ws)))
        }
        Carrier::WebSocketTls => {
            let tls = tls().connect(client.server_name(host)?, tcp).await?;
            let (ws, _) = tokio_tungstenite::client_async_with_config(
                url("wss"),
                tls,
                Some(veil_carrier::ws::config()),
            )
            .await
            .map_err(io::Error::other)?;
            Ok(Box::pin(WsStream::new(ws)))
        }
    }
}

/// Runs the server side of `carrier` on an accepted socket.
///
/// See [`connect`] for an example.
pub async fn accept(
    carrier: Carrier,
    tcp: TcpStream,
    server: &ServerCarrier,
) -> io::Result<BoxedStream> {
    let tls = TlsAcceptor::from(server.tls_config());
    match carrier {
        Carrier::Tcp => Ok(Box::pin(tcp)),
        Carrier::Tls => Ok(Box::pin(tls.accept(tcp).await?)),
        Carrier::WebSocket => ws::accept(tcp, server.websocket_path()).await,
        Carrier::WebSocketTls => {
            let tls = tls.accept(tcp).await?;
            ws::accept(tls, server.websocket_path()).await
        }
    }
}
