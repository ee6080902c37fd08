//! Carriers: what a veil session runs inside. Raw TCP, TLS 1.3 (rustls)
//! and WebSocket over TCP or TLS. The session, its encryption and the
//! peers' veil identities are the same in every carrier; a carrier only
//! changes what the bytes look like on the wire.

mod tls;
mod ws;

use core::fmt;
use core::str::FromStr;
use std::io;
use std::path::PathBuf;
use std::pin::Pin;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::{TlsAcceptor, TlsConnector};

pub use ws::WsStream;

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

/// How the TLS and WebSocket carriers present themselves.
///
/// ```
/// let settings = veil_tokio::carrier::CarrierSettings::default();
/// assert_eq!(settings.alpn, ["h2", "http/1.1"]);
/// assert_eq!(settings.websocket_path, "/");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CarrierSettings {
    /// The name in the self-signed certificate (default `localhost`).
    pub server_name: String,
    /// ALPN protocols offered and accepted (default `h2`, `http/1.1`, as
    /// an HTTPS server).
    pub alpn: Vec<String>,
    /// A PEM certificate chain and private key to serve instead of the
    /// self-signed certificate.
    pub cert_and_key: Option<(PathBuf, PathBuf)>,
    /// The SNI a client sends; by default the dialled host (none for an
    /// IP address, as browsers do).
    pub sni: Option<String>,
    /// The WebSocket request path (default `/`).
    pub websocket_path: String,
}

impl Default for CarrierSettings {
    fn default() -> Self {
        CarrierSettings {
            server_name: "localhost".to_owned(),
            alpn: vec!["h2".to_owned(), "http/1.1".to_owned()],
            cert_and_key: None,
            sni: None,
            websocket_path: "/".to_owned(),
        }
    }
}

/// Why the carriers could not be prepared.
///
/// ```
/// use veil_tokio::carrier::{CarrierSettings, ServerCarrier};
/// let settings = CarrierSettings {
///     cert_and_key: Some(("/nonexistent/cert.pem".into(), "/nonexistent/key.pem".into())),
///     ..CarrierSettings::default()
/// };
/// let error = ServerCarrier::new(&settings).unwrap_err();
/// assert!(error.to_string().starts_with("/nonexistent/cert.pem: "));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CarrierError {
    /// A certificate or key file could not be used.
    File {
        /// The file.
        path: String,
        /// What is wrong with it.
        problem: String,
    },
    /// rustls refused the configuration.
    Tls(String),
}

impl fmt::Display for CarrierError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CarrierError::File { path, problem } => write!(f, "{path}: {problem}"),
            CarrierError::Tls(problem) => write!(f, "TLS configuration: {problem}"),
        }
    }
}

impl std::error::Error for CarrierError {}

/// The client side of every carrier, prepared once.
///
/// ```
/// use veil_tokio::carrier::{CarrierSettings, ClientCarrier};
/// let client = ClientCarrier::new(&CarrierSettings::default()).unwrap();
/// ```
#[derive(Clone)]
pub struct ClientCarrier {
    tls: TlsConnector,
    sni: Option<String>,
    websocket_path: String,
}

impl ClientCarrier {
    /// Prepares the client side.
    ///
    /// ```
    /// use veil_tokio::carrier::{CarrierSettings, ClientCarrier};
    /// assert!(ClientCarrier::new(&CarrierSettings::default()).is_ok());
    /// ```
    pub fn new(settings: &CarrierSettings) -> Result<ClientCarrier, CarrierError> {
        Ok(ClientCarrier {
            tls: TlsConnector::from(tls::client_config(&settings.alpn)?),
            sni: settings.sni.clone(),
            websocket_path: settings.websocket_path.clone(),
        })
    }
}

impl Default for ClientCarrier {
    fn default() -> Self {
        ClientCarrier::new(&CarrierSettings::default())
            .expect("the default TLS client configuration is valid")
    }
}

impl fmt::Debug for ClientCarrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCarrier")
            .field("sni", &self.sni)
            .field("websocket_path", &self.websocket_path)
            .finish_non_exhaustive()
    }
}

/// The server side of every carrier, prepared once (with its
/// certificate).
///
/// ```
/// use veil_tokio::carrier::{CarrierSettings, ServerCarrier};
/// let server = ServerCarrier::new(&CarrierSettings::default()).unwrap();
/// ```
#[derive(Clone)]
pub struct ServerCarrier {
    tls: TlsAcceptor,
    websocket_path: String,
}

impl ServerCarrier {
    /// Prepares the server side: loads the certificate or makes a
    /// self-signed one.
    ///
    /// ```
    /// use veil_tokio::carrier::{CarrierSettings, ServerCarrier};
    /// assert!(ServerCarrier::new(&CarrierSettings::default()).is_ok());
    /// ```
    pub fn new(settings: &CarrierSettings) -> Result<ServerCarrier, CarrierError> {
        let files = settings
            .cert_and_key
            .as_ref()
            .map(|(cert, key)| (cert.as_path(), key.as_path()));
        let config = tls::server_config(&settings.server_name, &settings.alpn, files)?;
        Ok(ServerCarrier {
            tls: TlsAcceptor::from(config),
            websocket_path: settings.websocket_path.clone(),
        })
    }
}

impl Default for ServerCarrier {
    fn default() -> Self {
        ServerCarrier::new(&CarrierSettings::default())
            .expect("a self-signed certificate can be made")
    }
}

impl fmt::Debug for ServerCarrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerCarrier")
            .field("websocket_path", &self.websocket_path)
            .finish_non_exhaustive()
    }
}

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
    let sni = client.sni.as_deref().unwrap_or(host);
    let url = |scheme: &str| format!("{scheme}://{}{}", host_for_url(host), client.websocket_path);
    match carrier {
        Carrier::Tcp => Ok(Box::pin(tcp)),
        Carrier::Tls => {
            let stream = client.tls.connect(tls::server_name(sni)?, tcp).await?;
            Ok(Box::pin(stream))
        }
        Carrier::WebSocket => {
            let (ws, _) =
                tokio_tungstenite::client_async_with_config(url("ws"), tcp, Some(ws::config()))
                    .await
                    .map_err(io::Error::other)?;
            Ok(Box::pin(WsStream::new(ws)))
        }
        Carrier::WebSocketTls => {
            let tls = client.tls.connect(tls::server_name(sni)?, tcp).await?;
            let (ws, _) =
                tokio_tungstenite::client_async_with_config(url("wss"), tls, Some(ws::config()))
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
    match carrier {
        Carrier::Tcp => Ok(Box::pin(tcp)),
        Carrier::Tls => Ok(Box::pin(server.tls.accept(tcp).await?)),
        Carrier::WebSocket => ws::accept(tcp, &server.websocket_path).await,
        Carrier::WebSocketTls => {
            let tls = server.tls.accept(tcp).await?;
            ws::accept(tls, &server.websocket_path).await
        }
    }
}

/// An IPv6 host needs brackets in a URL.
fn host_for_url(host: &str) -> String {
    if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_owned()
    }
}
