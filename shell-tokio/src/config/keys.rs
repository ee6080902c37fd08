//! Every configuration key and what it sets.

use std::path::PathBuf;

use toml::Value;
use veil_core::Duration;

use super::values::{bool_of, port_of, str_of, strings_of, text_of, u32_of, u64_of, usize_of};
use super::{ConfigError, PeerSpec, Settings};
use crate::target::Target;

/// Every key the configuration file and `--set` accept.
///
/// ```
/// assert!(veil_tokio::config::KEYS.contains(&"inactivity_timeout"));
/// ```
pub const KEYS: &[&str] = &[
    // The shell.
    "data_dir",
    "listen",
    "bootstrap",
    "persistent",
    "connect",
    "socks5_proxy",
    "proxy_all",
    "isolate_streams",
    "status",
    "status_public",
    "log",
    "tls_server_name",
    "tls_sni",
    "tls_alpn",
    "websocket_path",
    "save_interval",
    "advertise",
    // Seed 000: connection management.
    "max_outbound_connections",
    "max_inbound_connections",
    "connection_timeout",
    "handshake_timeout",
    "ping_interval",
    "inactivity_timeout",
    "reconnect_interval",
    "privacy_level",
    "traffic_obfuscation_enabled",
    "traffic_burst_mode_enabled",
    "traffic_burst_min_messages",
    "traffic_burst_max_messages",
    "traffic_chaff_interval_ms",
    "traffic_morphing_enabled",
    // Seed 002: relay connections.
    "max_connections",
    "min_connections",
    "heartbeat_interval",
    "max_retry_attempts",
    "retry_delay",
    "enable_tcp",
    "enable_tor",
    "enable_websocket",
    "tcp_port",
    "websocket_port",
    "tor_socks_port",
    "ssl_enabled",
    "tls_port",
    "ssl_cert_path",
    "ssl_key_path",
    // Further node limits.
    "max_inbound_per_netgroup",
    "max_outbound_per_netgroup",
    "ban_duration",
    "dandelion",
];

/// Longest duration a key accepts (a year), so sums cannot overflow.
const MAX_SECS: u64 = 365 * 24 * 3600;

fn secs(key: &str, value: &Value) -> Result<Duration, ConfigError> {
    Ok(Duration::from_secs(u64_of(key, value, MAX_SECS)?))
}

fn peers(key: &str, value: &Value) -> Result<Vec<PeerSpec>, ConfigError> {
    strings_of(key, value)?
        .iter()
        .map(|s| s.parse().map_err(|e| ConfigError::new(key, e)))
        .collect()
}

fn socket(key: &str, value: &Value) -> Result<std::net::SocketAddr, ConfigError> {
    let text = str_of(key, value)?;
    text.parse()
        .map_err(|_| ConfigError::new(key, format!("expected IP:port, got {text:?}")))
}

impl Settings {
    /// Sets one key.
    ///
    /// ```
    /// use veil_tokio::config::Settings;
    /// let mut settings = Settings::default();
    /// settings.set("ping_interval", &toml::Value::Integer(20)).unwrap();
    /// assert_eq!(settings.node_config().unwrap().connection.ping_interval.as_secs(), 20);
    /// ```
    pub fn set(&mut self, key: &str, value: &Value) -> Result<(), ConfigError> {
        let node = &mut self.node;
        match key {
            "data_dir" => self.data_dir = Some(PathBuf::from(str_of(key, value)?)),
            "listen" => {
                self.listen = strings_of(key, value)?
                    .iter()
                    .map(|s| {
                        let target: Target = s
                            .parse()
                            .map_err(|e| ConfigError::new(key, format!("{s:?}: {e}")))?;
                        target.addr.socket_addr().map(|_| target).ok_or_else(|| {
                            ConfigError::new(key, format!("{s:?}: listen on an IP address"))
                        })
                    })
                    .collect::<Result<_, _>>()?;
            }
            "bootstrap" => {
                let specs = peers(key, value)?;
                if let Some(unpinned) = specs.iter().find(|s| s.peer_id.is_none()) {
                    return Err(ConfigError::new(
                        key,
                        format!("{unpinned}: a bootstrap node needs its peer id (<id>@<address>)"),
                    ));
                }
                self.bootstrap = specs;
            }
            "persistent" => self.persistent = peers(key, value)?,
            "connect" => self.connect = peers(key, value)?,
            "socks5_proxy" => self.socks5_proxy = Some(socket(key, value)?),
            "proxy_all" => self.proxy_all = bool_of(key, value)?,
            "isolate_streams" => node.isolate_streams = bool_of(key, value)?,
            "status" => self.status = Some(socket(key, value)?),
            "status_public" => self.status_public = bool_of(key, value)?,
            "log" => self.log = str_of(key, value)?.to_owned(),
            "tls_server_name" => self.tls_server_name = str_of(key, value)?.to_owned(),
            "tls_sni" => self.tls_sni = Some(str_of(key, value)?.to_owned()),
            "tls_alpn" => self.tls_alpn = strings_of(key, value)?,
            "websocket_path" => {
                let path = str_of(key, value)?;
                if !path.starts_with('/') {
                    return Err(ConfigError::new(key, "must start with /"));
                }
                self.websocket_path = path.to_owned();
            }
            "save_interval" => {
                let interval = u64_of(key, value, MAX_SECS)?;
                if interval == 0 {
                    return Err(ConfigError::new(key, "must be positive"));
                }
                self.save_interval = std::time::Duration::from_secs(interval);
            }
            "advertise" => {
                node.advertised = strings_of(key, value)?
                    .iter()
                    .map(|s| {
                        s.parse::<veil_core::node::PeerAddr>()
                            .map_err(|e| ConfigError::new(key, format!("{s:?}: {e}")))
                    })
                    .collect::<Result<_, _>>()?;
            }
            "max_outbound_connections" => node.max_outbound_connections = usize_of(key, value)?,
            "max_inbound_connections" => node.max_inbound_connections = usize_of(key, value)?,
            "max_connections" => node.max_connections = usize_of(key, value)?,
            "min_connections" => node.min_connections = usize_of(key, value)?,
            "max_inbound_per_netgroup" => node.max_inbound_per_netgroup = usize_of(key, value)?,
            "max_outbound_per_netgroup" => node.max_outbound_per_netgroup = usize_of(key, value)?,
            "connection_timeout" => node.connect_timeout = secs(key, value)?,
            "handshake_timeout" => node.connection.handshake_timeout = secs(key, value)?,
            "ping_interval" | "heartbeat_interval" => {
                node.connection.ping_interval = secs(key, value)?;
            }
            "inactivity_timeout" => node.connection.inactivity_timeout = secs(key, value)?,
            "reconnect_interval" => node.reconnect.base = secs(key, value)?,
            "max_retry_attempts" => node.retry.max_retry_attempts = u32_of(key, value)?,
            "retry_delay" => node.retry.retry_delay = secs(key, value)?,
            "ban_duration" => node.bans.ban_duration = secs(key, value)?,
            "dandelion" => {
                node.dandelion = bool_of(key, value)?.then(Default::default);
            }
            "enable_tcp" => self.ports.enable_tcp = bool_of(key, value)?,
            "enable_tor" => self.ports.enable_tor = bool_of(key, value)?,
            "enable_websocket" => self.ports.enable_websocket = bool_of(key, value)?,
            "ssl_enabled" => self.ports.ssl_enabled = bool_of(key, value)?,
            "tcp_port" => self.ports.tcp_port = port_of(key, value)?,
            "websocket_port" => self.ports.websocket_port = port_of(key, value)?,
            "tor_socks_port" => self.ports.tor_socks_port = port_of(key, value)?,
            "tls_port" => self.ports.tls_port = port_of(key, value)?,
            "ssl_cert_path" => {
                self.cert_path = Some(PathBuf::from(str_of(key, value)?));
                self.pair_cert();
            }
            "ssl_key_path" => {
                self.key_path = Some(PathBuf::from(str_of(key, value)?));
                self.pair_cert();
            }
            privacy if veil_core::shaping::PRIVACY_KEYS.contains(&privacy) => {
                let text = text_of(value);
                self.privacy
                    .set(privacy, &text)
                    .map_err(|e| ConfigError::new(key, e.to_string()))?;
            }
            _ => {
                return Err(ConfigError::new(
                    key,
                    "unknown key (see `veil node --help` for the list)",
                ))
            }
        }
        Ok(())
    }

    fn pair_cert(&mut self) {
        if let (Some(cert), Some(key)) = (&self.cert_path, &self.key_path) {
            self.tls_cert = Some((cert.clone(), key.clone()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_key_is_known() {
        let mut settings = Settings::default();
        for key in KEYS {
            let error = settings.set(key, &Value::Array(vec![Value::Boolean(true)]));
            if let Err(error) = error {
                assert!(!error.problem.contains("unknown key"), "{key}");
                assert_eq!(error.key, *key);
            }
        }
    }

    #[test]
    fn durations_and_limits_reach_the_node() {
        let settings = Settings::from_toml_str(
            "connection_timeout = 7\nhandshake_timeout = 9\ninactivity_timeout = 600\n\
             reconnect_interval = 5\nmax_retry_attempts = 2\nretry_delay = 4\n\
             heartbeat_interval = 45\nmax_connections = 50\nmin_connections = 2\n\
             max_inbound_connections = 40\ndandelion = false\n\
             traffic_burst_mode_enabled = true\nprivacy_level = \"high\"",
        )
        .unwrap();
        let node = settings.node_config().unwrap();
        assert_eq!(node.connect_timeout, Duration::from_secs(7));
        assert_eq!(node.connection.handshake_timeout, Duration::from_secs(9));
        assert_eq!(node.connection.inactivity_timeout, Duration::from_secs(600));
        assert_eq!(node.connection.ping_interval, Duration::from_secs(45));
        assert_eq!(node.reconnect.base, Duration::from_secs(5));
        assert_eq!(node.retry.max_retry_attempts, 2);
        assert_eq!(node.retry.retry_delay, Duration::from_secs(4));
        assert_eq!((node.max_connections, node.min_connections), (50, 2));
        assert!(node.dandelion.is_none());
        assert_ne!(
            node.connection.shaping,
            veil_core::shaping::ShapingConfig::default()
        );
    }

    #[test]
    fn bad_values_name_their_key() {
        for (text, key) in [
            ("tcp_port = 0", "tcp_port"),
            ("ping_interval = \"soon\"", "ping_interval"),
            ("privacy_level = \"paranoid\"", "privacy_level"),
            ("bootstrap = [\"127.0.0.1:1\"]", "bootstrap"),
            ("listen = [\"udp://1.2.3.4:1\"]", "listen"),
            ("socks5_proxy = \"localhost:9050\"", "socks5_proxy"),
            ("websocket_path = \"ws\"", "websocket_path"),
            ("enable_tor = 1", "enable_tor"),
        ] {
            let error = Settings::from_toml_str(text).unwrap_err();
            assert_eq!(error.key, key, "{text}");
        }
        let public = Settings::from_toml_str("status = \"0.0.0.0:9000\"").unwrap();
        assert_eq!(public.node_config().unwrap_err().key, "status");
        let allowed =
            Settings::from_toml_str("status = \"0.0.0.0:9000\"\nstatus_public = true").unwrap();
        assert!(allowed.node_config().is_ok());
    }

    #[test]
    fn the_proxy_turns_on_onion_routing() {
        use veil_core::node::ProxyMode;
        let onion = Settings::from_toml_str("socks5_proxy = \"127.0.0.1:9050\"").unwrap();
        assert_eq!(onion.node_config().unwrap().proxy, ProxyMode::OnionOnly);
        let all = Settings::from_toml_str("enable_tor = true\nproxy_all = true").unwrap();
        assert_eq!(all.node_config().unwrap().proxy, ProxyMode::All);
        assert_eq!(
            Settings::default().node_config().unwrap().proxy,
            ProxyMode::Off
        );
    }
}
