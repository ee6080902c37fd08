//! `veil peers`: fetches `/peers` from a running node and prints a table.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::PeerRow;

/// Why `/peers` could not be read.
///
/// ```
/// let error = veil_tokio::status::FetchError("connection refused".into());
/// assert_eq!(error.to_string(), "connection refused");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchError(pub String);

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FetchError {}

/// GETs `/peers` from the status endpoint at `addr`.
///
/// ```no_run
/// # async fn demo() {
/// let rows = veil_tokio::status::fetch_peers("127.0.0.1:9334".parse().unwrap()).await.unwrap();
/// print!("{}", veil_tokio::status::render_table(&rows));
/// # }
/// ```
pub async fn fetch_peers(addr: SocketAddr) -> Result<Vec<PeerRow>, FetchError> {
    let fetch = async {
        let mut stream = TcpStream::connect(addr)
            .await
            .map_err(|e| FetchError(format!("cannot reach the status endpoint at {addr}: {e}")))?;
        let request = format!("GET /peers HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        stream
            .write_all(request.as_bytes())
            .await
            .map_err(|e| FetchError(e.to_string()))?;
        let mut response = Vec::new();
        stream
            .read_to_end(&mut response)
            .await
            .map_err(|e| FetchError(e.to_string()))?;
        Ok::<_, FetchError>(response)
    };
    let response = tokio::time::timeout(Duration::from_secs(10), fetch)
        .await
        .map_err(|_| FetchError(format!("{addr} did not answer within 10 s")))??;
    let text = String::from_utf8_lossy(&response);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| FetchError("not an HTTP response".into()))?;
    if !head.starts_with("HTTP/1.1 200") {
        let status = head.lines().next().unwrap_or("");
        return Err(FetchError(format!("the endpoint answered {status:?}")));
    }
    serde_json::from_str(body).map_err(|e| FetchError(format!("not a peer list: {e}")))
}

/// Bytes in a human unit (`123 B`, `45.6 kB`, `7.8 MB`).
pub(crate) fn human_bytes(n: u64) -> String {
    match n {
        0..=9_999 => format!("{n} B"),
        10_000..=9_999_999 => format!("{:.1} kB", n as f64 / 1e3),
        _ => format!("{:.1} MB", n as f64 / 1e6),
    }
}

fn human_secs(secs: u64) -> String {
    match secs {
        0..=119 => format!("{secs} s"),
        120..=7199 => format!("{} min", secs / 60),
        _ => format!("{} h", secs / 3600),
    }
}

/// An aligned text table of `rows`.
///
/// ```
/// use veil_tokio::status::{render_table, PeerRow};
/// let row = PeerRow { peer_id: "ab".repeat(32), address: "127.0.0.1:1".into(), direction: "inbound".into(), carrier: "tls".into(), state: "connected".into(), rtt_ms: Some(3), ..PeerRow::default() };
/// let table = render_table(&[row]);
/// assert!(table.lines().next().unwrap().starts_with("PEER"));
/// assert!(table.contains("abababababababab") && table.contains("3 ms"));
/// ```
#[must_use]
pub fn render_table(rows: &[PeerRow]) -> String {
    let header = [
        "PEER", "ADDRESS", "DIR", "CARRIER", "STATE", "RTT", "IN", "OUT", "SCORE", "UP",
    ];
    let mut table: Vec<[String; 10]> = vec![header.map(str::to_owned)];
    for row in rows {
        table.push([
            row.peer_id.chars().take(16).collect(),
            row.address.clone(),
            row.direction.clone(),
            row.carrier.clone(),
            row.state.clone(),
            row.rtt_ms.map_or("-".into(), |ms| format!("{ms} ms")),
            human_bytes(row.bytes_received),
            human_bytes(row.bytes_sent),
            row.score.to_string(),
            row.connected_secs.map_or("-".into(), human_secs),
        ]);
    }
    let widths: Vec<usize> = (0..10)
        .map(|i| {
            table
                .iter()
                .map(|r| r[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in &table {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    if rows.is_empty() {
        out.push_str("(no peers)\n");
    }
    out
}
