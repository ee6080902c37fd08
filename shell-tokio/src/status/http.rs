//! A minimal HTTP/1.1 server for the status endpoint: GET only, one
//! request per connection, bounded and timed so a client cannot hold it.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::{render_metrics, StatusSnapshot};
use crate::driver::NodeHandle;

/// Longest request head read.
const MAX_HEAD: usize = 8 * 1024;
/// How long a client may take to send its request.
const READ_TIMEOUT: Duration = Duration::from_secs(5);

/// Serves `/metrics` and `/peers` on `listener` until the node stops.
///
/// ```no_run
/// # async fn demo(handle: veil_tokio::driver::NodeHandle) -> std::io::Result<()> {
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:9334").await?;
/// tokio::spawn(veil_tokio::status::serve(listener, handle));
/// # Ok(()) }
/// ```
pub async fn serve(listener: TcpListener, handle: NodeHandle) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        let handle = handle.clone();
        tokio::spawn(async move {
            let _ = answer(stream, &handle).await;
        });
    }
}

async fn answer(mut stream: TcpStream, handle: &NodeHandle) -> std::io::Result<()> {
    let head = tokio::time::timeout(READ_TIMEOUT, read_head(&mut stream)).await;
    let response = match head {
        Ok(Ok(Some(head))) => route(&head, handle).await,
        Ok(Ok(None)) => reply(400, "text/plain", "bad request\n".into()),
        Ok(Err(error)) => return Err(error),
        Err(_) => reply(408, "text/plain", "request timeout\n".into()),
    };
    stream.write_all(&response).await?;
    stream.shutdown().await
}

/// The request head up to the blank line, or `None` if it is too long or
/// the client stopped first.
async fn read_head(stream: &mut TcpStream) -> std::io::Result<Option<String>> {
    let mut head = Vec::with_capacity(512);
    let mut buf = [0u8; 1024];
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(None);
        }
        head.extend_from_slice(&buf[..n]);
        if let Some(end) = head.windows(4).position(|w| w == b"\r\n\r\n") {
            head.truncate(end);
            return Ok(String::from_utf8(head).ok());
        }
        if head.len() > MAX_HEAD {
            return Ok(None);
        }
    }
}

async fn route(head: &str, handle: &NodeHandle) -> Vec<u8> {
    let mut parts = head.lines().next().unwrap_or("").split(' ');
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    if !parts.next().is_some_and(|v| v.starts_with("HTTP/1.")) {
        return reply(400, "text/plain", "bad request\n".into());
    }
    let path = target.split('?').next().unwrap_or("");
    if !matches!(path, "/metrics" | "/peers") {
        return reply(
            404,
            "text/plain",
            "not found: try /metrics or /peers\n".into(),
        );
    }
    if method != "GET" {
        return reply(405, "text/plain", "only GET\n".into());
    }
    let Ok(snapshot) = StatusSnapshot::take(handle).await else {
        return reply(503, "text/plain", "the node has stopped\n".into());
    };
    if path == "/metrics" {
        reply(
            200,
            "text/plain; version=0.0.4; charset=utf-8",
            render_metrics(&snapshot),
        )
    } else {
        let json = serde_json::to_string_pretty(&snapshot.peers).unwrap_or_else(|_| "[]".into());
        reply(200, "application/json", json)
    }
}

fn reply(status: u16, content_type: &str, body: String) -> Vec<u8> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        _ => "Service Unavailable",
    };
    let mut out = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body.as_bytes());
    out
}
