//! The `veil` command: see `veil --help`.

use std::io::IsTerminal;

use clap::Parser;
use tracing_subscriber::EnvFilter;
use veil_tokio::cli::{Cli, Command};
use veil_tokio::commands;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let filter = cli
        .log_level
        .clone()
        .or_else(|| std::env::var("VEIL_LOG").ok())
        .unwrap_or_else(|| default_log(&cli.command).to_owned());
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_new(&filter).unwrap_or_else(|_| EnvFilter::new("info")))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the runtime: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Demo(args) => commands::demo::run(args).await,
            Command::Node(args) => commands::node::run(args).await,
            Command::Keygen { data_dir } => commands::keygen::run(data_dir.as_deref()).map(drop),
            Command::Peers { status } => commands::peers::run(status).await,
            Command::Replay { dir } => commands::replay::run(&dir).map(drop),
        }
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The demo prints its own view; logs would drown it.
fn default_log(command: &Command) -> &'static str {
    match command {
        Command::Demo(_) => "warn",
        _ => "info",
    }
}
