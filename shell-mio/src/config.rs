//! What the node thread needs besides the node.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use veil_carrier::{Carrier, ClientCarrier, ServerCarrier};

/// The node thread's settings.
///
/// ```
/// use veil_mio::{Carrier, MioConfig};
/// let config = MioConfig {
///     listen: vec![("127.0.0.1:0".parse().unwrap(), Carrier::WebSocket)],
///     ..MioConfig::default()
/// };
/// assert!(config.socks5_proxy.is_none());
/// ```
#[derive(Clone, Debug)]
pub struct MioConfig {
    /// Addresses to listen on, each with the carrier its peers speak
    /// (port 0 picks one).
    pub listen: Vec<(SocketAddr, Carrier)>,
    /// The SOCKS5 proxy for the node's `Via::Socks5` dials.
    pub socks5_proxy: Option<SocketAddr>,
    /// How long an inbound TLS or WebSocket handshake may take (a dial's
    /// is bounded by the node's own connect timeout).
    pub carrier_handshake_timeout: Duration,
    /// Inbound carrier handshakes under way at once; sockets beyond are
    /// closed at once.
    pub max_pending_accepts: usize,
    /// The client side of the TLS and WebSocket carriers.
    pub client_carrier: Arc<ClientCarrier>,
    /// The server side (certificate, ALPN, WebSocket path).
    pub server_carrier: Arc<ServerCarrier>,
    /// How long a shutdown waits for graceful closes.
    pub shutdown_grace: Duration,
}

impl Default for MioConfig {
    fn default() -> Self {
        MioConfig {
            listen: Vec::new(),
            socks5_proxy: None,
            carrier_handshake_timeout: Duration::from_secs(10),
            max_pending_accepts: 256,
            client_carrier: Arc::new(ClientCarrier::default()),
            server_carrier: Arc::new(ServerCarrier::default()),
            shutdown_grace: Duration::from_secs(5),
        }
    }
}
