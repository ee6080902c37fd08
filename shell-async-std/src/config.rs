//! What the driver needs besides the node.

use std::net::SocketAddr;
use std::time::Duration;

/// The driver's settings.
///
/// ```
/// let config = veil_async_std::AsyncConfig::default();
/// assert!(config.listen.is_empty() && config.socks5_proxy.is_none());
/// assert_eq!(config.connect_timeout.as_secs(), 10);
/// ```
#[derive(Clone, Debug)]
pub struct AsyncConfig {
    /// Addresses to listen on (raw TCP; port 0 picks one).
    pub listen: Vec<SocketAddr>,
    /// The SOCKS5 proxy for the node's `Via::Socks5` dials.
    pub socks5_proxy: Option<SocketAddr>,
    /// How long a TCP connect may take before the dial fails with
    /// `DialError::TimedOut`.
    pub connect_timeout: Duration,
    /// How long a shutdown waits for graceful closes.
    pub shutdown_grace: Duration,
}

impl Default for AsyncConfig {
    fn default() -> Self {
        AsyncConfig {
            listen: Vec::new(),
            socks5_proxy: None,
            connect_timeout: Duration::from_secs(10),
            shutdown_grace: Duration::from_secs(5),
        }
    }
}
