//! `veil peers`: a running node's peers as a table.

use std::net::SocketAddr;

use super::CommandError;
use crate::status::{fetch_peers, render_table, FetchError};

/// Fetches `/peers` from the status endpoint and prints the table.
///
/// ```no_run
/// # async fn demo() {
/// veil_tokio::commands::peers::run("127.0.0.1:9334".parse().unwrap()).await.unwrap();
/// # }
/// ```
pub async fn run(status: SocketAddr) -> Result<(), CommandError> {
    let rows = fetch_peers(status).await.map_err(|e| match e {
        FetchError::Connect { .. } => {
            CommandError::new(format!("{e} (is the node running with --status {status}?)"))
        }
        e => CommandError::new(e.to_string()),
    })?;
    print!("{}", render_table(&rows));
    Ok(())
}
