//! The `veil` command line.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// veil: private, robust peer-to-peer connections.
///
/// ```
/// use clap::Parser;
/// use veil_tokio::cli::{Cli, Command};
/// let cli = Cli::parse_from(["veil", "node", "--listen", "tls://127.0.0.1:9443", "--set", "ping_interval=30"]);
/// assert!(matches!(cli.command, Command::Node(_)));
/// ```
#[derive(Debug, Parser)]
#[command(name = "veil", version, about)]
pub struct Cli {
    /// Log filter (e.g. `info`, `debug`, `veil_tokio=trace`); the
    /// `VEIL_LOG` environment variable works too.
    #[arg(long, global = true)]
    pub log_level: Option<String>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
///
/// ```
/// use clap::Parser;
/// use veil_tokio::cli::{Cli, Command};
/// let cli = Cli::parse_from(["veil", "keygen"]);
/// assert!(matches!(cli.command, Command::Keygen { .. }));
/// ```
#[derive(Debug, Subcommand)]
// Parsed once per run: the size difference costs nothing.
#[allow(clippy::large_enum_variant)]
pub enum Command {
    /// Runs a node.
    Node(NodeArgs),
    /// Starts a small network of local nodes and shows what happens.
    Demo(DemoArgs),
    /// Creates an identity key (in a data directory, or printed).
    Keygen {
        /// The data directory to create `identity.key` in.
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// Replays the test vectors under a directory and reports each one.
    Replay {
        /// A directory of vector files (searched recursively for `*.json`).
        dir: PathBuf,
    },
    /// Prints a running node's peers as a table (from its status
    /// endpoint).
    Peers {
        /// The status endpoint's address.
        #[arg(long, default_value = "127.0.0.1:9334")]
        status: SocketAddr,
    },
}

/// `veil node`: every configuration key can come from the file, a
/// dedicated flag, or `--set key=value`; flags win over the file.
///
/// ```
/// use clap::Parser;
/// use veil_tokio::cli::{Cli, Command};
/// let Command::Node(args) = Cli::parse_from(["veil", "node", "--socks5-proxy", "127.0.0.1:9050"]).command else { panic!() };
/// assert_eq!(args.socks5_proxy.unwrap().port(), 9050);
/// ```
#[derive(Debug, Args, Default)]
pub struct NodeArgs {
    /// A TOML configuration file.
    #[arg(long, short)]
    pub config: Option<PathBuf>,
    /// The data directory (identity, address book, bans).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Listen on `[scheme://]ip:port` (tcp, tls, ws, wss); repeatable.
    #[arg(long)]
    pub listen: Vec<String>,
    /// A manual peer `[peer id@][scheme://]address`; repeatable.
    #[arg(long)]
    pub connect: Vec<String>,
    /// A persistent peer, redialled with backoff; repeatable.
    #[arg(long)]
    pub persistent: Vec<String>,
    /// A bootstrap node `peer id@[scheme://]address`; repeatable.
    #[arg(long)]
    pub bootstrap: Vec<String>,
    /// The SOCKS5 proxy (Tor) for `.onion` peers, with stream isolation.
    #[arg(long)]
    pub socks5_proxy: Option<SocketAddr>,
    /// Every connection through the proxy, not only `.onion` ones.
    #[arg(long)]
    pub proxy_all: bool,
    /// Serve `/metrics` and `/peers` on this address (loopback unless
    /// `status_public = true`).
    #[arg(long)]
    pub status: Option<SocketAddr>,
    /// Any configuration key: `--set key=value`; repeatable.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
}

/// `veil demo`.
///
/// ```
/// use clap::Parser;
/// use veil_tokio::cli::{Cli, Command};
/// let Command::Demo(args) = Cli::parse_from(["veil", "demo", "--seconds", "5"]).command else { panic!() };
/// assert_eq!(args.seconds, 5);
/// ```
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// How long the demo runs before it shuts down.
    #[arg(long, default_value_t = 20)]
    pub seconds: u64,
}
