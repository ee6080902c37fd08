//! What the driver needs besides the node.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use veil_carrier::{Carrier, ClientCarrier, ServerCarrier};

/// The driver's settings.
///
/// ```
/// use veil_async_std::{AsyncConfig, Carrier};
/// let config = AsyncConfig {
///     listen: vec![("127.0.0.1:0".parse().unwrap(), Carrier::Tls)],
///     ..AsyncConfig::default()
/// };
/// assert!(config.socks5_proxy.is_none());
/// assert_eq!(config.connect_timeout.as_secs(), 10);
/// ```
#[derive(Clone, Debug)]
pub struct AsyncConfig {
    /// Addresses to listen on, each with the carrier its peers speak
    /// (port 0 picks one).
    pub listen: Vec<(SocketAddr, Carrier)>,
    /// The SOCKS5 proxy for the node's `Via::Socks5` dials.
    pub socks5_proxy: Option<SocketAddr>,
    /// How long a TCP connect may take before the dial fails with
    /// `DialError::TimedOut`.
    pub connect_timeout: Duration,
    /// How long a TLS or WebSocket handshake may take, either way.
    pub carrier_handshake_timeout: Duration,
    /// Inbound carrier handshakes under way at once; sockets beyond are
    /// closed at once (a flood of slow handshakes costs a bounded amount).
    pub max_pending_accepts: usize,
    /// The client side of the TLS and WebSocket carriers.
    pub client_carrier: Arc<ClientCarrier>,
    /// The server side (certificate, ALPN, WebSocket path).
    pub server_carrier: Arc<ServerCarrier>,
    /// How long a shutdown waits for graceful closes.
    pub shutdown_grace: Duration,
}

impl Default for AsyncConfig {
    fn default() -> Self {
        AsyncConfig {
            listen: Vec::new(),
            socks5_proxy: None,
            connect_timeout: Duration::from_secs(10),
            carrier_handshake_timeout: Duration::from_secs(10),
            max_pending_accepts: 256,
            client_carrier: Arc::new(ClientCarrier::default()),
            server_carrier: Arc::new(ServerCarrier::default()),
            shutdown_grace: Duration::from_secs(5),
        }
    }
}
