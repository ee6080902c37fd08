//! What every veil shell's carriers share. A carrier is what a veil
//! session runs inside: raw TCP, TLS 1.3 (rustls), or WebSocket over TCP
//! or TLS. The session, its encryption and the peers' veil identities are
//! the same in every carrier; a carrier only changes what the bytes look
//! like on the wire.
//!
//! This crate holds the runtime-neutral part: the [`Carrier`] names and
//! [`Target`]s, the TLS configurations ([`ClientCarrier`],
//! [`ServerCarrier`]: TLS 1.3, ALPN, a self-signed or PEM certificate),
//! the WebSocket settings and path check ([`ws`]), and [`WsStream`], a
//! WebSocket as a byte stream for futures-io (and tokio, feature
//! `tokio`). Each shell runs the handshakes with its runtime's wrappers
//! (tokio-rustls, futures-rustls; tokio-tungstenite, async-tungstenite).
//!
//! ```
//! use veil_carrier::{Carrier, ClientCarrier, Target};
//! let target: Target = "wss://192.0.2.7:443".parse().unwrap();
//! assert_eq!(target.carrier, Carrier::WebSocketTls);
//! let client = ClientCarrier::default();
//! assert_eq!(client.websocket_url("wss", "192.0.2.7"), "wss://192.0.2.7/");
//! ```

mod dial;
mod target;
mod tls;
pub mod ws;

use core::fmt;
use core::str::FromStr;
use std::io;
use std::path::PathBuf;
use std::sync::Arc;

use rustls::pki_types::ServerName;

pub use dial::DialCarriers;
pub use target::{Target, TargetParseError};
pub use ws::WsStream;

/// How a connection's bytes travel: the scheme of an address
/// (`tcp://`, `tls://`, `ws://`, `wss://`).
///
/// ```
/// use veil_carrier::Carrier;
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
    /// use veil_carrier::Carrier;
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
    /// use veil_carrier::Carrier;
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
/// use veil_carrier::{Carrier, UnknownCarrier};
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
/// let settings = veil_carrier::CarrierSettings::default();
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
/// use veil_carrier::{CarrierSettings, ServerCarrier};
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
/// use veil_carrier::{CarrierSettings, ClientCarrier};
/// let client = ClientCarrier::new(&CarrierSettings::default()).unwrap();
/// ```
#[derive(Clone)]
pub struct ClientCarrier {
    tls: Arc<rustls::ClientConfig>,
    sni: Option<String>,
    websocket_path: String,
}

impl ClientCarrier {
    /// Prepares the client side.
    ///
    /// ```
    /// use veil_carrier::{CarrierSettings, ClientCarrier};
    /// assert!(ClientCarrier::new(&CarrierSettings::default()).is_ok());
    /// ```
    pub fn new(settings: &CarrierSettings) -> Result<ClientCarrier, CarrierError> {
        Ok(ClientCarrier {
            tls: tls::client_config(&settings.alpn)?,
            sni: settings.sni.clone(),
            websocket_path: settings.websocket_path.clone(),
        })
    }
}

impl ClientCarrier {
    /// The TLS client configuration (TLS 1.3, the ALPN list, any
    /// certificate with a verified handshake signature).
    ///
    /// ```
    /// let client = veil_carrier::ClientCarrier::default();
    /// assert_eq!(client.tls_config().alpn_protocols, [b"h2".to_vec(), b"http/1.1".to_vec()]);
    /// ```
    #[must_use]
    pub fn tls_config(&self) -> Arc<rustls::ClientConfig> {
        self.tls.clone()
    }

    /// The TLS server name to present when dialling `host`: the
    /// configured SNI, else the host (an IP address sends no SNI).
    ///
    /// ```
    /// let client = veil_carrier::ClientCarrier::default();
    /// assert!(client.server_name("192.0.2.7").is_ok());
    /// ```
    pub fn server_name(&self, host: &str) -> io::Result<ServerName<'static>> {
        tls::server_name(self.sni.as_deref().unwrap_or(host))
    }

    /// The WebSocket URL for dialling `host` (`ws` or `wss`).
    ///
    /// ```
    /// let client = veil_carrier::ClientCarrier::default();
    /// assert_eq!(client.websocket_url("wss", "::1"), "wss://[::1]/");
    /// ```
    #[must_use]
    pub fn websocket_url(&self, scheme: &str, host: &str) -> String {
        format!("{scheme}://{}{}", host_for_url(host), self.websocket_path)
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
/// use veil_carrier::{CarrierSettings, ServerCarrier};
/// let server = ServerCarrier::new(&CarrierSettings::default()).unwrap();
/// ```
#[derive(Clone)]
pub struct ServerCarrier {
    tls: Arc<rustls::ServerConfig>,
    websocket_path: String,
}

impl ServerCarrier {
    /// Prepares the server side: loads the certificate or makes a
    /// self-signed one.
    ///
    /// ```
    /// use veil_carrier::{CarrierSettings, ServerCarrier};
    /// assert!(ServerCarrier::new(&CarrierSettings::default()).is_ok());
    /// ```
    pub fn new(settings: &CarrierSettings) -> Result<ServerCarrier, CarrierError> {
        let files = settings
            .cert_and_key
            .as_ref()
            .map(|(cert, key)| (cert.as_path(), key.as_path()));
        let config = tls::server_config(&settings.server_name, &settings.alpn, files)?;
        Ok(ServerCarrier {
            tls: config,
            websocket_path: settings.websocket_path.clone(),
        })
    }
}

impl ServerCarrier {
    /// The TLS server configuration (TLS 1.3, the ALPN list, the
    /// certificate).
    ///
    /// ```
    /// let server = veil_carrier::ServerCarrier::default();
    /// assert!(!server.tls_config().alpn_protocols.is_empty());
    /// ```
    #[must_use]
    pub fn tls_config(&self) -> Arc<rustls::ServerConfig> {
        self.tls.clone()
    }

    /// The WebSocket path it accepts upgrades on (others get a 404).
    ///
    /// ```
    /// assert_eq!(veil_carrier::ServerCarrier::default().websocket_path(), "/");
    /// ```
    #[must_use]
    pub fn websocket_path(&self) -> &str {
        &self.websocket_path
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

/// An IPv6 host needs brackets in a URL.
fn host_for_url(host: &str) -> String {
    if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_owned()
    }
}
