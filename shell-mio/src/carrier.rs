//! The carriers on non-blocking sockets: rustls' and tungstenite's
//! synchronous APIs, resumed on each readiness event until their
//! handshakes complete, then read and written like the raw socket (a
//! would-block from them means the same as from the socket). The
//! configurations are every shell's (`veil-carrier`).

use std::io::{self, ErrorKind, Read, Write};
use std::sync::Arc;

use mio::net::TcpStream;
use rustls::{ClientConnection, ServerConnection, StreamOwned};
use tungstenite::handshake::client::ClientHandshake;
use tungstenite::handshake::server::ServerHandshake;
use tungstenite::handshake::{HandshakeError, MidHandshake};
use tungstenite::{Message, WebSocket};
use veil_carrier::ws::PathCheck;
use veil_carrier::{Carrier, ClientCarrier, ServerCarrier};

/// The socket, bare or inside TLS.
pub(crate) enum Transport {
    Tcp(TcpStream),
    TlsClient(Box<StreamOwned<ClientConnection, TcpStream>>),
    TlsServer(Box<StreamOwned<ServerConnection, TcpStream>>),
}

impl Transport {
    /// Moves the TLS handshake on as far as the socket allows: `Ok(true)`
    /// once it is complete (at once for TCP).
    fn handshake(&mut self) -> io::Result<bool> {
        match self {
            Transport::Tcp(_) => Ok(true),
            Transport::TlsClient(tls) => tls_handshake(tls),
            Transport::TlsServer(tls) => tls_handshake(tls),
        }
    }

    /// The socket underneath (to deregister it before it is dropped).
    fn tcp_mut(&mut self) -> &mut TcpStream {
        match self {
            Transport::Tcp(tcp) => tcp,
            Transport::TlsClient(tls) => &mut tls.sock,
            Transport::TlsServer(tls) => &mut tls.sock,
        }
    }

    /// Sends TLS close_notify (best effort), then ends the TCP stream.
    fn close(&mut self) {
        let tcp = match self {
            Transport::Tcp(tcp) => tcp,
            Transport::TlsClient(tls) => {
                tls.conn.send_close_notify();
                let _ = tls.conn.write_tls(&mut tls.sock);
                &mut tls.sock
            }
            Transport::TlsServer(tls) => {
                tls.conn.send_close_notify();
                let _ = tls.conn.write_tls(&mut tls.sock);
                &mut tls.sock
            }
        };
        let _ = tcp.shutdown(std::net::Shutdown::Write);
    }
}

/// Runs rustls' handshake until it completes or the socket would block
/// (readiness then brings it back: edge-triggered, so never stop short of
/// a would-block).
fn tls_handshake<C, S>(tls: &mut StreamOwned<C, TcpStream>) -> io::Result<bool>
where
    C: std::ops::DerefMut<Target = rustls::ConnectionCommon<S>>,
    S: rustls::SideData,
{
    while tls.conn.is_handshaking() {
        match tls.conn.complete_io(&mut tls.sock) {
            Ok((0, 0)) => return Err(ErrorKind::UnexpectedEof.into()),
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(false),
            Err(e) => return Err(e),
        }
    }
    Ok(true)
}

impl Read for Transport {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Transport::Tcp(tcp) => tcp.read(buf),
            Transport::TlsClient(tls) => tls.read(buf),
            Transport::TlsServer(tls) => tls.read(buf),
        }
    }
}

impl Write for Transport {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Transport::Tcp(tcp) => tcp.write(buf),
            Transport::TlsClient(tls) => tls.write(buf),
            Transport::TlsServer(tls) => tls.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Transport::Tcp(tcp) => tcp.flush(),
            Transport::TlsClient(tls) => tls.flush(),
            Transport::TlsServer(tls) => tls.flush(),
        }
    }
}

/// An open carrier stream: the session's bytes, whatever carries them.
pub(crate) enum Stream {
    Plain(Transport),
    WebSocket(Box<WsBytes>),
}

/// A WebSocket as a byte stream (each write one binary message), over a
/// non-blocking transport.
pub(crate) struct WsBytes {
    ws: WebSocket<Transport>,
    /// The unread rest of the last binary message.
    pending: Vec<u8>,
    offset: usize,
}

fn ws_error(error: tungstenite::Error) -> io::Error {
    match error {
        tungstenite::Error::Io(error) => error,
        other => io::Error::other(other),
    }
}

impl Read for WsBytes {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.offset == self.pending.len() {
            match self.ws.read() {
                Ok(Message::Binary(data)) => {
                    self.pending = data;
                    self.offset = 0;
                }
                Ok(Message::Close(_))
                | Err(tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed) => {
                    return Ok(0)
                }
                // tungstenite queues the pong itself; the next write or
                // flush sends it.
                Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_)) => {}
                Ok(Message::Text(_)) => {
                    return Err(io::Error::new(
                        ErrorKind::InvalidData,
                        "a text message on a veil WebSocket",
                    ))
                }
                Err(error) => return Err(ws_error(error)),
            }
        }
        let n = (self.pending.len() - self.offset).min(buf.len());
        buf[..n].copy_from_slice(&self.pending[self.offset..self.offset + n]);
        self.offset += n;
        Ok(n)
    }
}

impl Write for WsBytes {
    /// At most one message waits in tungstenite beyond what the socket
    /// took: an earlier one still queued makes this write would-block.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.ws.flush().map_err(ws_error)?;
        let n = buf.len().min(veil_carrier::ws::MAX_MESSAGE);
        match self.ws.write(Message::Binary(buf[..n].to_vec())) {
            Ok(()) => {}
            // Queued; the socket is full for now.
            Err(tungstenite::Error::Io(e)) if e.kind() == ErrorKind::WouldBlock => {}
            Err(error) => return Err(ws_error(error)),
        }
        match self.ws.flush() {
            Err(tungstenite::Error::Io(e)) if e.kind() == ErrorKind::WouldBlock => Ok(n),
            other => other.map(|()| n).map_err(ws_error),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.ws.flush().map_err(ws_error)
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(transport) => transport.read(buf),
            Stream::WebSocket(ws) => ws.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(transport) => transport.write(buf),
            Stream::WebSocket(ws) => ws.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Plain(transport) => transport.flush(),
            Stream::WebSocket(ws) => ws.flush(),
        }
    }
}

impl Stream {
    /// The socket underneath (to deregister it before it is dropped).
    pub(crate) fn tcp_mut(&mut self) -> &mut TcpStream {
        match self {
            Stream::Plain(transport) => transport.tcp_mut(),
            Stream::WebSocket(ws) => ws.ws.get_mut().tcp_mut(),
        }
    }

    /// The carrier's own goodbye (WebSocket close frame, TLS
    /// close_notify), best effort, then the end of the TCP stream.
    pub(crate) fn close(&mut self) {
        match self {
            Stream::Plain(transport) => transport.close(),
            Stream::WebSocket(ws) => {
                let _ = ws.ws.close(None);
                let _ = ws.ws.flush();
                ws.ws.get_mut().close();
            }
        }
    }
}

/// A carrier handshake under way.
enum Stage {
    /// TLS (or nothing, for TCP); then a WebSocket upgrade if `ws`.
    Transport {
        transport: Transport,
        ws: bool,
    },
    WsClient(MidHandshake<ClientHandshake<Transport>>),
    WsServer(MidHandshake<ServerHandshake<Transport, PathCheck>>),
}

/// Which side of the handshakes this end plays.
#[derive(Clone)]
pub(crate) enum Side {
    /// Dialling `host` (SNI and WebSocket host).
    Client {
        carrier: Arc<ClientCarrier>,
        host: String,
    },
    Server(Arc<ServerCarrier>),
}

/// A carrier being opened over a connected (or connecting) socket,
/// moved on by [`Opener::advance`] at each readiness event.
pub(crate) struct Opener {
    stage: Option<Stage>,
    side: Side,
}

/// Where an opening stands.
pub(crate) enum Step {
    Open(Stream),
    Pending,
    Failed(io::Error),
}

impl Opener {
    /// Starts `carrier` over `tcp` on `side`.
    pub(crate) fn new(carrier: Carrier, tcp: TcpStream, side: Side) -> io::Result<Opener> {
        let transport = match (carrier, &side) {
            (Carrier::Tcp | Carrier::WebSocket, _) => Transport::Tcp(tcp),
            (Carrier::Tls | Carrier::WebSocketTls, Side::Client { carrier, host }) => {
                let conn = ClientConnection::new(carrier.tls_config(), carrier.server_name(host)?)
                    .map_err(io::Error::other)?;
                Transport::TlsClient(Box::new(StreamOwned::new(conn, tcp)))
            }
            (Carrier::Tls | Carrier::WebSocketTls, Side::Server(server)) => {
                let conn = ServerConnection::new(server.tls_config()).map_err(io::Error::other)?;
                Transport::TlsServer(Box::new(StreamOwned::new(conn, tcp)))
            }
        };
        let ws = matches!(carrier, Carrier::WebSocket | Carrier::WebSocketTls);
        Ok(Opener {
            stage: Some(Stage::Transport { transport, ws }),
            side,
        })
    }

    /// The socket underneath, if the opening has not ended.
    pub(crate) fn tcp_mut(&mut self) -> Option<&mut TcpStream> {
        Some(match self.stage.as_mut()? {
            Stage::Transport { transport, .. } => transport.tcp_mut(),
            Stage::WsClient(mid) => mid.get_mut().get_mut().tcp_mut(),
            Stage::WsServer(mid) => mid.get_mut().get_mut().tcp_mut(),
        })
    }

    /// Moves the handshakes on as far as the socket allows.
    pub(crate) fn advance(&mut self) -> Step {
        match self.stage.take() {
            None => Step::Failed(io::Error::other("advanced after the end")),
            Some(Stage::Transport { mut transport, ws }) => match transport.handshake() {
                Err(error) => Step::Failed(error),
                Ok(false) => {
                    self.stage = Some(Stage::Transport { transport, ws });
                    Step::Pending
                }
                Ok(true) if !ws => Step::Open(Stream::Plain(transport)),
                Ok(true) => match self.start_websocket(transport) {
                    Ok(stage) => {
                        self.stage = Some(stage);
                        Step::Pending
                    }
                    Err(step) => step,
                },
            },
            Some(Stage::WsClient(mid)) => match mid.handshake() {
                Ok((ws, _)) => Step::Open(websocket(ws)),
                Err(HandshakeError::Interrupted(mid)) => {
                    self.stage = Some(Stage::WsClient(mid));
                    Step::Pending
                }
                Err(HandshakeError::Failure(error)) => Step::Failed(ws_error(error)),
            },
            Some(Stage::WsServer(mid)) => match mid.handshake() {
                Ok(ws) => Step::Open(websocket(ws)),
                Err(HandshakeError::Interrupted(mid)) => {
                    self.stage = Some(Stage::WsServer(mid));
                    Step::Pending
                }
                Err(HandshakeError::Failure(error)) => Step::Failed(ws_error(error)),
            },
        }
    }

    /// The upgrade over a transport whose TLS (if any) is done: either
    /// the next stage, or how it already ended.
    fn start_websocket(&self, transport: Transport) -> Result<Stage, Step> {
        let config = Some(veil_carrier::ws::config());
        match &self.side {
            Side::Client { carrier, host } => {
                let scheme = if matches!(transport, Transport::Tcp(_)) {
                    "ws"
                } else {
                    "wss"
                };
                let url = carrier.websocket_url(scheme, host);
                match tungstenite::client::client_with_config(url, transport, config) {
                    Ok((ws, _)) => Err(Step::Open(websocket(ws))),
                    Err(HandshakeError::Interrupted(mid)) => Ok(Stage::WsClient(mid)),
                    Err(HandshakeError::Failure(error)) => Err(Step::Failed(ws_error(error))),
                }
            }
            Side::Server(server) => {
                let check = PathCheck::new(server.websocket_path());
                match tungstenite::accept_hdr_with_config(transport, check, config) {
                    Ok(ws) => Err(Step::Open(websocket(ws))),
                    Err(HandshakeError::Interrupted(mid)) => Ok(Stage::WsServer(mid)),
                    Err(HandshakeError::Failure(error)) => Err(Step::Failed(ws_error(error))),
                }
            }
        }
    }
}

fn websocket(ws: WebSocket<Transport>) -> Stream {
    Stream::WebSocket(Box::new(WsBytes {
        ws,
        pending: Vec::new(),
        offset: 0,
    }))
}
