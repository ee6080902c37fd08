//! The node's configuration: a TOML file, overridden by flags, validated
//! into a [`NodeConfig`] and the shell's own settings. Keys are the seeds'
//! names (`max_outbound_connections`, `connection_timeout`, `ping_interval`,
//! `privacy_level`, `traffic_*`, `max_retry_attempts`, `tcp_port`, …);
//! durations are whole seconds unless the key ends in `_ms`. Every error
//! names its key.
//!
//! ```
//! use veil_tokio::config::Settings;
//! let mut settings = Settings::from_toml_str(r#"
//!     listen = ["tcp://127.0.0.1:9333", "tls://127.0.0.1:9443"]
//!     max_outbound_connections = 4
//!     ping_interval = 30
//!     privacy_level = "high"
//! "#).unwrap();
//! settings.set_flag("max_inbound_connections=10").unwrap();
//! let node = settings.node_config().unwrap();
//! assert_eq!(node.max_outbound_connections, 4);
//! assert_eq!(node.max_inbound_connections, 10);
//! assert_eq!(settings.listen.len(), 2);
//! ```

mod error;
mod keys;
mod peer_spec;
mod values;

use std::net::SocketAddr;
use std::path::PathBuf;

pub use error::ConfigError;
pub use keys::KEYS;
pub use peer_spec::PeerSpec;
use veil_core::node::NodeConfig;
use veil_core::shaping::PrivacyOptions;

use crate::target::Target;

/// Everything `veil node` is configured with.
///
/// ```
/// use veil_tokio::config::Settings;
/// let settings = Settings::default();
/// assert!(settings.status.is_none(), "the status endpoint is off by default");
/// assert_eq!(settings.node_config().unwrap().max_outbound_connections, 8);
/// ```
#[derive(Clone, Debug)]
pub struct Settings {
    /// Where the identity, address book and bans live (`data_dir`).
    pub data_dir: Option<PathBuf>,
    /// Listen addresses with their carriers (`listen`); if empty, the
    /// `*_port` and `enable_*` keys decide.
    pub listen: Vec<Target>,
    /// Bootstrap nodes, with their pinned peer ids (`bootstrap`).
    pub bootstrap: Vec<PeerSpec>,
    /// Persistent peers, redialled with backoff (`persistent`).
    pub persistent: Vec<PeerSpec>,
    /// Manual peers, dialled once with retries (`connect`).
    pub connect: Vec<PeerSpec>,
    /// The SOCKS5 proxy (`socks5_proxy`, or `enable_tor` with
    /// `tor_socks_port`).
    pub socks5_proxy: Option<SocketAddr>,
    /// Every connection through the proxy, not only `.onion` ones
    /// (`proxy_all`).
    pub proxy_all: bool,
    /// The status endpoint (`status`): off unless set.
    pub status: Option<SocketAddr>,
    /// Allow a status endpoint on a non-loopback address
    /// (`status_public`).
    pub status_public: bool,
    /// The log filter (`log`, e.g. `info` or `veil_tokio=debug`).
    pub log: String,
    /// TLS server name of the self-signed certificate and default SNI
    /// (`tls_server_name`).
    pub tls_server_name: String,
    /// The SNI sent when dialling TLS (`tls_sni`); by default the dialled
    /// host (no SNI for an IP address).
    pub tls_sni: Option<String>,
    /// ALPN protocols offered (`tls_alpn`; default what an HTTPS server
    /// offers).
    pub tls_alpn: Vec<String>,
    /// PEM certificate and key for the TLS listeners (`ssl_cert_path`,
    /// `ssl_key_path`); a self-signed certificate if unset.
    pub tls_cert: Option<(PathBuf, PathBuf)>,
    /// The WebSocket path (`websocket_path`).
    pub websocket_path: String,
    /// Seed 002's listener keys: used when `listen` is empty.
    pub ports: PortKeys,
    /// How often the address book and bans are saved (`save_interval`).
    pub save_interval: std::time::Duration,
    node: NodeConfig,
    privacy: PrivacyOptions,
    /// Parts of `ssl_cert_path` / `ssl_key_path` seen so far.
    cert_path: Option<PathBuf>,
    key_path: Option<PathBuf>,
}

/// The listener keys of seed 002 (`enable_tcp`, `tcp_port`,
/// `enable_websocket`, `websocket_port`, `ssl_enabled`, `tls_port`,
/// `enable_tor`, `tor_socks_port`), used when `listen` is empty.
///
/// ```
/// let ports = veil_tokio::config::PortKeys::default();
/// assert_eq!(ports.tcp_port, 6667);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortKeys {
    /// `enable_tcp` (default true).
    pub enable_tcp: bool,
    /// `tcp_port` (default 6667, the seed's).
    pub tcp_port: u16,
    /// `enable_websocket` (default false).
    pub enable_websocket: bool,
    /// `websocket_port` (default 8080).
    pub websocket_port: u16,
    /// `ssl_enabled`: a TLS listener on `tls_port`, and WebSocket over TLS
    /// (default false).
    pub ssl_enabled: bool,
    /// `tls_port` (default 8443).
    pub tls_port: u16,
    /// `enable_tor`: use Tor's SOCKS port for `.onion` peers.
    pub enable_tor: bool,
    /// `tor_socks_port` (default 9050).
    pub tor_socks_port: u16,
}

impl Default for PortKeys {
    fn default() -> Self {
        PortKeys {
            enable_tcp: true,
            tcp_port: 6667,
            enable_websocket: false,
            websocket_port: 8080,
            ssl_enabled: false,
            tls_port: 8443,
            enable_tor: false,
            tor_socks_port: 9050,
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            data_dir: None,
            listen: Vec::new(),
            bootstrap: Vec::new(),
            persistent: Vec::new(),
            connect: Vec::new(),
            socks5_proxy: None,
            proxy_all: false,
            status: None,
            status_public: false,
            log: "info".to_owned(),
            tls_server_name: "localhost".to_owned(),
            tls_sni: None,
            tls_alpn: vec!["h2".to_owned(), "http/1.1".to_owned()],
            tls_cert: None,
            websocket_path: "/".to_owned(),
            ports: PortKeys::default(),
            save_interval: std::time::Duration::from_secs(300),
            node: NodeConfig::default(),
            privacy: PrivacyOptions::default(),
            cert_path: None,
            key_path: None,
        }
    }
}

impl Settings {
    /// Reads a configuration file's text; unknown keys are errors.
    ///
    /// ```
    /// use veil_tokio::config::Settings;
    /// let error = Settings::from_toml_str("max_outbund_connections = 3").unwrap_err();
    /// assert_eq!(error.key, "max_outbund_connections");
    /// assert!(error.problem.contains("unknown key"));
    /// ```
    pub fn from_toml_str(text: &str) -> Result<Settings, ConfigError> {
        let mut settings = Settings::default();
        settings.merge_toml_str(text)?;
        Ok(settings)
    }

    /// Applies a configuration file's text over these settings.
    ///
    /// ```
    /// use veil_tokio::config::Settings;
    /// let mut settings = Settings::default();
    /// let error = settings.merge_toml_str("not toml at all").unwrap_err();
    /// assert_eq!(error.key, "(file)");
    /// ```
    pub fn merge_toml_str(&mut self, text: &str) -> Result<(), ConfigError> {
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| ConfigError::new("(file)", e.message().to_owned()))?;
        for (key, value) in &table {
            self.set(key, value)?;
        }
        Ok(())
    }

    /// Applies one `key=value` flag (the value is read as TOML if it can
    /// be, else as a string).
    ///
    /// ```
    /// use veil_tokio::config::Settings;
    /// let mut settings = Settings::default();
    /// settings.set_flag("privacy_level=high").unwrap();
    /// settings.set_flag("listen=[\"tcp://127.0.0.1:1\"]").unwrap();
    /// assert_eq!(settings.set_flag("oops").unwrap_err().key, "oops");
    /// ```
    pub fn set_flag(&mut self, flag: &str) -> Result<(), ConfigError> {
        let (key, value) = flag
            .split_once('=')
            .ok_or_else(|| ConfigError::new(flag, "expected key=value"))?;
        self.set(key.trim(), &values::parse_flag_value(value.trim()))
    }

    /// The node's configuration, validated (an error names the key).
    ///
    /// ```
    /// use veil_tokio::config::Settings;
    /// let settings = Settings::from_toml_str("max_connections = 2").unwrap();
    /// assert_eq!(settings.node_config().unwrap_err().key, "max_connections");
    /// ```
    pub fn node_config(&self) -> Result<NodeConfig, ConfigError> {
        let mut node = self.node.clone();
        node.connection.shaping = self
            .privacy
            .to_config()
            .map_err(|e| ConfigError::new(e.key, e.to_string()))?;
        if self.proxy().is_some() {
            node.proxy = if self.proxy_all {
                veil_core::node::ProxyMode::All
            } else {
                veil_core::node::ProxyMode::OnionOnly
            };
        }
        node.validate()
            .map_err(|e| ConfigError::new(e.key(), e.to_string()))?;
        if let Some(status) = self.status {
            if !status.ip().is_loopback() && !self.status_public {
                return Err(ConfigError::new(
                    "status",
                    format!(
                        "{status} is not a loopback address; set status_public = true to expose it"
                    ),
                ));
            }
        }
        Ok(node)
    }

    /// The proxy in effect: `socks5_proxy`, or Tor's SOCKS port if
    /// `enable_tor` is set.
    ///
    /// ```
    /// use veil_tokio::config::Settings;
    /// let settings = Settings::from_toml_str("enable_tor = true").unwrap();
    /// assert_eq!(settings.proxy().unwrap().to_string(), "127.0.0.1:9050");
    /// ```
    #[must_use]
    pub fn proxy(&self) -> Option<SocketAddr> {
        self.socks5_proxy.or_else(|| {
            self.ports
                .enable_tor
                .then(|| SocketAddr::from(([127, 0, 0, 1], self.ports.tor_socks_port)))
        })
    }

    /// The listeners in effect: `listen`, or those the port keys ask for
    /// (on all interfaces).
    ///
    /// ```
    /// use veil_tokio::carrier::Carrier;
    /// use veil_tokio::config::Settings;
    /// let settings = Settings::from_toml_str("enable_websocket = true\nssl_enabled = true").unwrap();
    /// let carriers: Vec<_> = settings.listeners().iter().map(|(_, c)| *c).collect();
    /// assert_eq!(carriers, [Carrier::Tcp, Carrier::Tls, Carrier::WebSocketTls]);
    /// ```
    #[must_use]
    pub fn listeners(&self) -> Vec<(SocketAddr, crate::carrier::Carrier)> {
        use crate::carrier::Carrier;
        if !self.listen.is_empty() {
            return self
                .listen
                .iter()
                .filter_map(|t| t.addr.socket_addr().map(|socket| (socket, t.carrier)))
                .collect();
        }
        let any = |port| SocketAddr::from(([0, 0, 0, 0], port));
        let ports = &self.ports;
        let mut out = Vec::new();
        if ports.enable_tcp {
            out.push((any(ports.tcp_port), Carrier::Tcp));
        }
        if ports.ssl_enabled {
            out.push((any(ports.tls_port), Carrier::Tls));
        }
        if ports.enable_websocket {
            let carrier = if ports.ssl_enabled {
                Carrier::WebSocketTls
            } else {
                Carrier::WebSocket
            };
            out.push((any(ports.websocket_port), carrier));
        }
        out
    }
}
