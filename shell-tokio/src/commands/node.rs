//! `veil node`: a node on real sockets, configured from a TOML file and
//! flags, its state kept in a data directory, stopped gracefully by
//! SIGINT or SIGTERM.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rand_core::OsRng;
use tokio::net::TcpListener;
use tokio::signal::unix::{signal, SignalKind};
use veil_core::node::{ConnectionKind, Node, NodeEvent, Reached};

use super::CommandError;
use crate::carrier::{CarrierSettings, ClientCarrier, ServerCarrier};
use crate::cli::NodeArgs;
use crate::clock::Clock;
use crate::config::{ConfigError, Settings};
use crate::datadir::DataDir;
use crate::driver::{spawn, DriverConfig, Listener, NodeHandle, SaveHook};

/// Reads the configuration file, then applies the flags over it.
///
/// ```
/// use veil_tokio::cli::NodeArgs;
/// use veil_tokio::commands::node::settings_from;
/// let args = NodeArgs { set: vec!["max_outbound_connections=2".into()], ..NodeArgs::default() };
/// assert_eq!(settings_from(&args).unwrap().node_config().unwrap().max_outbound_connections, 2);
/// ```
pub fn settings_from(args: &NodeArgs) -> Result<Settings, CommandError> {
    let mut settings = Settings::default();
    if let Some(path) = &args.config {
        let text = std::fs::read_to_string(path)
            .map_err(|e| CommandError::new(format!("reading {}: {e}", path.display())))?;
        settings
            .merge_toml_str(&text)
            .map_err(|e| in_file(path, &e))?;
    }
    let list = |items: &[String]| {
        toml::Value::Array(items.iter().cloned().map(toml::Value::String).collect())
    };
    let mut flags: Vec<(&str, toml::Value)> = Vec::new();
    if let Some(dir) = &args.data_dir {
        flags.push(("data_dir", toml::Value::String(dir.display().to_string())));
    }
    for (key, items) in [
        ("listen", &args.listen),
        ("connect", &args.connect),
        ("persistent", &args.persistent),
        ("bootstrap", &args.bootstrap),
    ] {
        if !items.is_empty() {
            flags.push((key, list(items)));
        }
    }
    if let Some(proxy) = args.socks5_proxy {
        flags.push(("socks5_proxy", toml::Value::String(proxy.to_string())));
    }
    if args.proxy_all {
        flags.push(("proxy_all", toml::Value::Boolean(true)));
    }
    if let Some(status) = args.status {
        flags.push(("status", toml::Value::String(status.to_string())));
    }
    for (key, value) in &flags {
        settings.set(key, value).map_err(|e| flag_error(&e))?;
    }
    for flag in &args.set {
        settings.set_flag(flag).map_err(|e| flag_error(&e))?;
    }
    settings.node_config().map_err(|e| flag_error(&e))?;
    Ok(settings)
}

fn in_file(path: &Path, error: &ConfigError) -> CommandError {
    CommandError::new(format!(
        "invalid configuration in {}: {error}",
        path.display()
    ))
}

fn flag_error(error: &ConfigError) -> CommandError {
    CommandError::new(format!("invalid configuration: {error}"))
}

/// Where state lives when no `data_dir` is configured: `$HOME/.veil`, or
/// `./veil-data` without a home.
///
/// ```
/// let dir = veil_tokio::commands::node::default_data_dir();
/// assert!(dir.ends_with(".veil") || dir.ends_with("veil-data"));
/// ```
#[must_use]
pub fn default_data_dir() -> PathBuf {
    std::env::var_os("HOME").map_or_else(
        || PathBuf::from("veil-data"),
        |home| PathBuf::from(home).join(".veil"),
    )
}

/// Runs the node until SIGINT or SIGTERM.
pub async fn run(args: NodeArgs) -> Result<(), CommandError> {
    let settings = settings_from(&args)?;
    let config = settings.node_config().map_err(|e| flag_error(&e))?;
    let dir_path = settings.data_dir.clone().unwrap_or_else(default_data_dir);
    let dir = DataDir::open(&dir_path).map_err(|e| CommandError::new(e.to_string()))?;
    let (identity, created) = dir
        .load_or_create_identity(&mut OsRng)
        .map_err(|e| CommandError::new(e.to_string()))?;
    let peer_id = identity.peer_id();
    let origin = if created { "created" } else { "loaded" };
    tracing::info!(%peer_id, dir = %dir_path.display(), "identity {origin}");
    let clock = Clock::start();
    let addrbook_config = config.addrbook;
    let ban_policy = config.bans;
    let mut node = Node::new(config, identity, clock.now(), clock.wall(), &mut OsRng)
        .map_err(|e| CommandError::new(format!("invalid configuration: {e}")))?;
    let (book, aside) = dir
        .load_address_book(addrbook_config)
        .map_err(|e| CommandError::new(e.to_string()))?;
    if let Some(aside) = aside {
        tracing::warn!("{aside}");
    }
    if let Some(book) = book {
        node.set_address_book(book);
    }
    let (bans, aside) = dir
        .load_ban_list(ban_policy)
        .map_err(|e| CommandError::new(e.to_string()))?;
    if let Some(aside) = aside {
        tracing::warn!("{aside}");
    }
    if let Some(bans) = bans {
        node.set_ban_list(bans);
    }

    let carrier_settings = CarrierSettings {
        server_name: settings.tls_server_name.clone(),
        alpn: settings.tls_alpn.clone(),
        cert_and_key: settings.tls_cert.clone(),
        sni: settings.tls_sni.clone(),
        websocket_path: settings.websocket_path.clone(),
    };
    let client =
        ClientCarrier::new(&carrier_settings).map_err(|e| CommandError::new(e.to_string()))?;
    let server =
        ServerCarrier::new(&carrier_settings).map_err(|e| CommandError::new(e.to_string()))?;
    let mut driver = DriverConfig {
        socks5_proxy: settings.proxy(),
        client_carrier: Arc::new(client),
        server_carrier: Arc::new(server),
        save_interval: settings.save_interval,
        on_save: Some(save_hook(dir)),
        ..DriverConfig::default()
    };
    for (addr, carrier) in settings.listeners() {
        let tcp = TcpListener::bind(addr)
            .await
            .map_err(|e| CommandError::new(format!("listen on {carrier}://{addr}: {e}")))?;
        driver.listeners.push(Listener {
            tcp,
            carrier,
            reached: Reached::Direct,
        });
    }
    let status_listener = match settings.status {
        Some(addr) => Some(
            TcpListener::bind(addr)
                .await
                .map_err(|e| CommandError::new(format!("status endpoint on {addr}: {e}")))?,
        ),
        None => None,
    };

    let running = spawn(node, clock, driver);
    for (addr, carrier) in &running.local_addrs {
        tracing::info!(%peer_id, "listening on {carrier}://{addr}");
    }
    let handle = running.handle.clone();
    add_peers(&handle, &settings).await?;
    if let Some(listener) = status_listener {
        let addr = listener
            .local_addr()
            .map_err(|e| CommandError::new(e.to_string()))?;
        tracing::info!("status endpoint on http://{addr}/metrics and /peers");
        tokio::spawn(crate::status::serve(listener, handle.clone()));
    }
    tokio::spawn(log_events(running.events));

    wait_for_signal().await?;
    tracing::info!("shutting down: closing connections and saving state");
    handle.shutdown();
    running
        .task
        .await
        .map_err(|e| CommandError::new(format!("the node task failed: {e}")))?;
    tracing::info!("stopped");
    Ok(())
}

/// Persists the address book and the ban list, logging (not stopping the
/// node on) a failed write: the old file stays intact.
fn save_hook(dir: DataDir) -> SaveHook {
    Box::new(move |node: &Node| {
        if let Err(error) = dir.save_address_book(node.address_book()) {
            tracing::error!(%error, "saving the address book");
        }
        if let Err(error) = dir.save_ban_list(node.ban_list()) {
            tracing::error!(%error, "saving the ban list");
        }
    })
}

async fn add_peers(handle: &NodeHandle, settings: &Settings) -> Result<(), CommandError> {
    for spec in settings.bootstrap.clone() {
        let Some(peer_id) = spec.peer_id else {
            continue;
        };
        handle
            .call(move |ctx| {
                ctx.set_carrier(spec.target.addr.clone(), spec.target.carrier);
                ctx.node.add_bootstrap(spec.target.addr, peer_id)
            })
            .await
            .map_err(|e| CommandError::new(e.to_string()))?;
    }
    let kinds = [
        (&settings.persistent, ConnectionKind::Persistent),
        (&settings.connect, ConnectionKind::Manual),
    ];
    for (specs, kind) in kinds {
        for spec in specs.clone() {
            let shown = spec.to_string();
            let result = handle
                .connect(spec.target, spec.peer_id, kind)
                .await
                .map_err(|e| CommandError::new(e.to_string()))?;
            if let Err(error) = result {
                tracing::warn!(peer = %shown, %error, "not dialled");
            }
        }
    }
    Ok(())
}

async fn log_events(mut events: tokio::sync::mpsc::UnboundedReceiver<NodeEvent>) {
    while let Some(event) = events.recv().await {
        match event {
            NodeEvent::Connected {
                conn,
                kind,
                addr,
                info,
            } => {
                let peer = info.peer_id.map(|p| p.to_string()).unwrap_or_default();
                tracing::info!(%conn, %kind, %addr, %peer, "connected");
            }
            NodeEvent::Disconnected {
                conn, addr, reason, ..
            } => {
                tracing::info!(%conn, %addr, reason = reason.name(), "disconnected");
            }
            NodeEvent::DialFailed { addr, failure, .. } => {
                tracing::debug!(%addr, ?failure, "dial failed");
            }
            NodeEvent::Punished { .. } => tracing::warn!(?event, "punished"),
            other => tracing::trace!(?other, "event"),
        }
    }
}

async fn wait_for_signal() -> Result<(), CommandError> {
    let mut term = signal(SignalKind::terminate())
        .map_err(|e| CommandError::new(format!("installing the SIGTERM handler: {e}")))?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    Ok(())
}
