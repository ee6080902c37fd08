//! Opening outbound sockets: TCP to the peer or to the SOCKS5 proxy, then
//! the carrier's own handshake (TLS, WebSocket upgrade).

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpStream;
use tokio::sync::mpsc;
use veil_core::node::{ConnId, DialError};

use super::Input;
use crate::carrier::{self, BoxedStream, Carrier, ClientCarrier};

/// Where the socket goes and what runs on it.
pub(super) struct DialPlan {
    pub conn: ConnId,
    pub socket: SocketAddr,
    pub carrier: Carrier,
    /// The name the carrier presents (TLS SNI, WebSocket Host).
    pub host: String,
    pub timeout: Duration,
}

/// Dials and reports the stream (or why not) as [`Input::Dialed`].
pub(super) async fn dial(plan: DialPlan, client: Arc<ClientCarrier>, inputs: mpsc::Sender<Input>) {
    let conn = plan.conn;
    let opened = tokio::time::timeout(plan.timeout, open(&plan, &client)).await;
    let result = match opened {
        Ok(Ok(stream)) => Ok(stream),
        Ok(Err(error)) => Err(DialError::from(&error)),
        Err(_) => Err(DialError::TimedOut),
    };
    let _ = inputs.send(Input::Dialed { conn, result }).await;
}

async fn open(plan: &DialPlan, client: &ClientCarrier) -> io::Result<BoxedStream> {
    let tcp = TcpStream::connect(plan.socket).await?;
    tcp.set_nodelay(true)?;
    carrier::connect(plan.carrier, tcp, &plan.host, client).await
}
