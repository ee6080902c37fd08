//! Carriers: what a veil session runs inside. Raw TCP, TLS 1.3 (rustls)
//! and WebSocket over TCP or TLS. The session, its encryption and the
//! peers' veil identities are the same in every carrier; a carrier only
//! changes what the bytes look like on the wire.

use core::fmt;
use core::str::FromStr;
use std::pin::Pin;

use tokio::io::{AsyncRead, AsyncWrite};

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

/// How a connection's bytes travel: the scheme of an address
/// (`tcp://`, `tls://`, `ws://`, `wss://`).
///
/// ```
/// use veil_tokio::carrier::Carrier;
/// assert_eq!("wss".parse::<Carrier>().unwrap(), Carrier::WebSocketTls);
/// assert_eq!(Carrier::WebSocket.to_string(), "ws");
/// assert!("udp".parse::<Carrier>().is_err());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Carrier {
    /// The encrypted veil session straight on TCP.
    #[default]
    Tcp,
    /// The session inside TLS 1.3.
    Tls,
    /// The session in binary WebSocket messages over TCP.
    WebSocket,
    /// The session in binary WebSocket messages over TLS 1.3.
    WebSocketTls,
}

impl Carrier {
    /// Every carrier, in a fixed order.
    ///
    /// ```
    /// use veil_tokio::carrier::Carrier;
    /// assert_eq!(Carrier::ALL.len(), 4);
    /// ```
    pub const ALL: [Carrier; 4] = [
        Carrier::Tcp,
        Carrier::Tls,
        Carrier::WebSocket,
        Carrier::WebSocketTls,
    ];

    /// The scheme of addresses on this carrier.
    ///
    /// ```
    /// use veil_tokio::carrier::Carrier;
    /// assert_eq!(Carrier::Tls.scheme(), "tls");
    /// ```
    #[must_use]
    pub const fn scheme(self) -> &'static str {
        match self {
            Carrier::Tcp => "tcp",
            Carrier::Tls => "tls",
            Carrier::WebSocket => "ws",
            Carrier::WebSocketTls => "wss",
        }
    }
}

impl fmt::Display for Carrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.scheme())
    }
}

/// A scheme that names no carrier.
///
/// ```
/// use veil_tokio::carrier::{Carrier, UnknownCarrier};
/// let error = "quic".parse::<Carrier>().unwrap_err();
/// assert_eq!(error, UnknownCarrier("quic".into()));
/// assert!(error.to_string().contains("tcp, tls, ws, wss"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownCarrier(pub String);

impl fmt::Display for UnknownCarrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown carrier {:?} (expected one of tcp, tls, ws, wss)",
            self.0
        )
    }
}

impl std::error::Error for UnknownCarrier {}

impl FromStr for Carrier {
    type Err = UnknownCarrier;

    fn from_str(s: &str) -> Result<Carrier, UnknownCarrier> {
        Carrier::ALL
            .into_iter()
            .find(|c| c.scheme() == s)
            .ok_or_else(|| UnknownCarrier(s.to_owned()))
    }
}

/// Prepared client side of the carriers.
///
/// ```
/// let _ = veil_tokio::carrier::ClientCarrier::default();
/// ```
#[derive(Debug, Default)]
pub struct ClientCarrier {}

/// Prepared server side of the carriers.
///
/// ```
/// let _ = veil_tokio::carrier::ServerCarrier::default();
/// ```
#[derive(Debug, Default)]
pub struct ServerCarrier {}

/// Runs the client side of `carrier` on `tcp`.
///
/// ```no_run
/// # async fn demo(tcp: tokio::net::TcpStream) -> std::io::Result<()> {
/// use veil_tokio::carrier::{connect, Carrier, ClientCarrier};
/// let stream = connect(Carrier::Tcp, tcp, "192.0.2.7", &ClientCarrier::default()).await?;
/// # Ok(()) }
/// ```
pub async fn connect(
    carrier: Carrier,
    tcp: tokio::net::TcpStream,
    _host: &str,
    _client: &ClientCarrier,
) -> std::io::Result<BoxedStream> {
    match carrier {
        Carrier::Tcp => Ok(Box::pin(tcp)),
        other => Err(std::io::Error::new(
            std::io::ErrorKind::Unsupported,
            format!("carrier {other} is not built in yet"),
        )),
    }
}

/// Runs the server side of `carrier` on `tcp`.
///
/// ```no_run
/// # async fn demo(tcp: tokio::net::TcpStream) -> std::io::Result<()> {
/// use veil_tokio::carrier::{accept, Carrier, ServerCarrier};
/// let stream = accept(Carrier::Tcp, tcp, &ServerCarrier::default()).await?;
/// # Ok(()) }
/// ```
pub async fn accept(
    carrier: Carrier,
    tcp: tokio::net::TcpStream,
    _server: &ServerCarrier,
) -> std::io::Result<BoxedStream> {
    match carrier {
        Carrier::Tcp => Ok(Box::pin(tcp)),
        other => Err(std::io::Error::new(
            std::io::ErrorKind::Unsupported,
            format!("carrier {other} is not built in yet"),
        )),
    }
}
