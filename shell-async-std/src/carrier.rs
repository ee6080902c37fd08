//! The carriers' handshakes on futures-io: TLS through futures-rustls,
//! WebSocket through async-tungstenite, with the configurations every
//! shell shares (`veil-carrier`).

use std::future::Future;
use std::io::{self, ErrorKind};
use std::net::{SocketAddr, TcpStream};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use async_io::{Async, Timer};
use futures_io::{AsyncRead, AsyncWrite};
use futures_rustls::{TlsAcceptor, TlsConnector};
use veil_carrier::ws::PathCheck;
use veil_carrier::{Carrier, ClientCarrier, ServerCarrier, WsStream};

/// A byte stream a veil session can run inside.
pub(crate) trait CarrierStream: AsyncRead + AsyncWrite + Send {}

impl<T: AsyncRead + AsyncWrite + Send> CarrierStream for T {}

/// A carrier's stream, whatever the carrier.
pub(crate) type BoxedStream = Pin<Box<dyn CarrierStream>>;

/// A connect or accept with its carrier handshake, under way.
pub(crate) type Opening = Pin<Box<dyn Future<Output = io::Result<BoxedStream>> + Send>>;

/// `future`, or `TimedOut` after `limit`.
async fn within<T>(limit: Duration, future: impl Future<Output = io::Result<T>>) -> io::Result<T> {
    futures_lite::future::or(future, async move {
        Timer::after(limit).await;
        Err(io::Error::from(ErrorKind::TimedOut))
    })
    .await
}

/// How a dial is made.
pub(crate) struct DialPlan {
    pub(crate) socket: SocketAddr,
    pub(crate) carrier: Carrier,
    pub(crate) connect_timeout: Duration,
    pub(crate) handshake_timeout: Duration,
}

/// Connects to the plan's socket, then runs the client side of its
/// carrier (SNI and WebSocket host: the dialled IP).
pub(crate) fn dial(plan: DialPlan, client: Arc<ClientCarrier>) -> Opening {
    Box::pin(async move {
        let tcp = within(
            plan.connect_timeout,
            Async::<TcpStream>::connect(plan.socket),
        )
        .await?;
        let _ = tcp.get_ref().set_nodelay(true);
        let host = plan.socket.ip().to_string();
        within(
            plan.handshake_timeout,
            connect(plan.carrier, tcp, &host, &client),
        )
        .await
    })
}

/// Runs the server side of `carrier` on an accepted socket, within
/// `limit`.
pub(crate) fn upgrade(
    carrier: Carrier,
    tcp: Async<TcpStream>,
    server: Arc<ServerCarrier>,
    limit: Duration,
) -> Opening {
    Box::pin(async move { within(limit, accept(carrier, tcp, &server)).await })
}

async fn connect(
    carrier: Carrier,
    tcp: Async<TcpStream>,
    host: &str,
    client: &ClientCarrier,
) -> io::Result<BoxedStream> {
    let tls = || TlsConnector::from(client.tls_config());
    let ws_config = Some(veil_carrier::ws::config());
    Ok(match carrier {
        Carrier::Tcp => Box::pin(tcp),
        Carrier::Tls => Box::pin(tls().connect(client.server_name(host)?, tcp).await?),
        Carrier::WebSocket => {
            let url = client.websocket_url("ws", host);
            let (ws, _) = async_tungstenite::client_async_with_config(url, tcp, ws_config)
                .await
                .map_err(io::Error::other)?;
            Box::pin(WsStream::new(ws))
        }
        Carrier::WebSocketTls => {
            let stream = tls().connect(client.server_name(host)?, tcp).await?;
            let url = client.websocket_url("wss", host);
            let (ws, _) = async_tungstenite::client_async_with_config(url, stream, ws_config)
                .await
                .map_err(io::Error::other)?;
            Box::pin(WsStream::new(ws))
        }
    })
}

async fn accept(
    carrier: Carrier,
    tcp: Async<TcpStream>,
    server: &ServerCarrier,
) -> io::Result<BoxedStream> {
    let tls = TlsAcceptor::from(server.tls_config());
    Ok(match carrier {
        Carrier::Tcp => Box::pin(tcp),
        Carrier::Tls => Box::pin(tls.accept(tcp).await?),
        Carrier::WebSocket => websocket(tcp, server).await?,
        Carrier::WebSocketTls => websocket(tls.accept(tcp).await?, server).await?,
    })
}

/// Accepts a WebSocket upgrade for the configured path (another path
/// gets a 404).
async fn websocket<S>(stream: S, server: &ServerCarrier) -> io::Result<BoxedStream>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let check = PathCheck::new(server.websocket_path());
    let ws = async_tungstenite::accept_hdr_async_with_config(
        stream,
        check,
        Some(veil_carrier::ws::config()),
    )
    .await
    .map_err(io::Error::other)?;
    Ok(Box::pin(WsStream::new(ws)))
}
