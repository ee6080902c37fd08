//! A minimal HTTP/1.1 server for the status endpoint: GET only, one
//! request per connection, every step bounded in size and time so that a
//! client can neither hold it nor crash it.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

use super::request::{head_len, parse, starts_like_request, Request, Route};
use super::{render_metrics, snapshot};
use crate::driver::NodeHandle;

/// Longest request head read.
const MAX_HEAD: usize = 8 * 1024;
/// How long a client may take to send its request head.
const READ_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a client may take to read the response.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// Clients answered at once; more wait in the listen backlog.
const MAX_CLIENTS: usize = 32;
/// After answering, what is still read of the request (a body, or the
/// rest of an oversized head) so that closing with unread bytes does not
/// send a reset that could destroy the response before the client reads
/// it.
const DRAIN_LIMIT: usize = 64 * 1024;
const DRAIN_TIMEOUT: Duration = Duration::from_secs(1);

/// The Prometheus text format's content type.
const METRICS_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";
const JSON_TYPE: &str = "application/json";
const TEXT_TYPE: &str = "text/plain; charset=utf-8";

/// Serves `/metrics` (Prometheus text) and `/peers` (JSON) on `listener`,
/// with a fresh [`snapshot`](super::snapshot()) per request.
///
/// Runs until aborted (or the runtime ends); once the node has stopped, requests
/// get `503 Service Unavailable`. Answers `404` for other paths, `405`
/// for other methods, `400` for anything that is not an HTTP/1.x request,
/// `431` for a head over 8 KiB and `408` if the head takes over 5 s. It
/// binds nothing itself: the caller picks the address (loopback, unless
/// the operator says otherwise).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// # use rand_core::OsRng;
/// # use veil_core::{identity::Identity, node::{Node, NodeConfig}};
/// # use veil_tokio::{clock::Clock, driver::{spawn, DriverConfig}};
/// # let clock = Clock::start();
/// # let node = Node::new(NodeConfig::default(), Identity::generate(&mut OsRng), clock.now(), clock.wall(), &mut OsRng).unwrap();
/// let running = spawn(node, clock, DriverConfig::default());
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
/// let addr = listener.local_addr().unwrap();
/// tokio::spawn(veil_tokio::status::serve(listener, running.handle.clone()));
/// assert!(veil_tokio::status::fetch_peers(addr).await.unwrap().is_empty());
/// # running.handle.shutdown();
/// # running.task.await.unwrap();
/// # }
/// ```
pub async fn serve(listener: TcpListener, handle: NodeHandle) {
    let slots = Arc::new(Semaphore::new(MAX_CLIENTS));
    loop {
        let Ok(slot) = Arc::clone(&slots).acquire_owned().await else {
            return; // never closed
        };
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(error) => {
                // Out of descriptors and the like: retrying at once would
                // spin.
                tracing::debug!(%error, "status endpoint: accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let handle = handle.clone();
        tokio::spawn(async move {
            answer(stream, &handle).await;
            drop(slot);
        });
    }
}

/// Reads one request, writes one response, closes.
async fn answer(mut stream: TcpStream, handle: &NodeHandle) {
    let response = match tokio::time::timeout(READ_TIMEOUT, read_head(&mut stream)).await {
        Err(_) => Response::text(408, "the request took too long\n"),
        Ok(Err(_)) => return, // the client is gone
        Ok(Ok(Head::Complete(head))) => respond(parse(&head), handle).await,
        Ok(Ok(Head::TooLarge(start))) if starts_like_request(&start) => {
            Response::text(431, "the request head is over 8 KiB\n")
        }
        Ok(Ok(Head::TooLarge(_) | Head::Ended)) => Response::text(400, "not an HTTP request\n"),
    };
    let bytes = response.into_bytes();
    let written = tokio::time::timeout(WRITE_TIMEOUT, async {
        stream.write_all(&bytes).await?;
        stream.shutdown().await
    })
    .await;
    if matches!(written, Ok(Ok(()))) {
        let _ = tokio::time::timeout(DRAIN_TIMEOUT, drain(&mut stream)).await;
    }
}

/// What the client sent before the blank line.
enum Head {
    /// The head, through its blank line.
    Complete(Vec<u8>),
    /// [`MAX_HEAD`] bytes without a blank line.
    TooLarge(Vec<u8>),
    /// The client stopped sending before the blank line.
    Ended,
}

async fn read_head(stream: &mut TcpStream) -> std::io::Result<Head> {
    let mut head = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    while head.len() < MAX_HEAD {
        // Never read past the cap, so memory per client stays bounded.
        let room = chunk.len().min(MAX_HEAD - head.len());
        let n = stream.read(&mut chunk[..room]).await?;
        if n == 0 {
            return Ok(Head::Ended);
        }
        head.extend_from_slice(&chunk[..n]);
        // Only a new line feed can complete the head; rescanning at most
        // 8 KiB each time is cheap.
        if !chunk[..n].contains(&b'\n') {
            continue;
        }
        if let Some(len) = head_len(&head) {
            head.truncate(len);
            return Ok(Head::Complete(head));
        }
    }
    Ok(Head::TooLarge(head))
}

/// Reads and discards what the client still sends, up to a limit.
async fn drain(stream: &mut TcpStream) {
    let mut sink = [0u8; 4096];
    let mut total = 0;
    while total < DRAIN_LIMIT {
        match stream.read(&mut sink).await {
            Ok(0) | Err(_) => return,
            Ok(n) => total += n,
        }
    }
}

async fn respond(request: Request, handle: &NodeHandle) -> Response {
    let route = match request {
        Request::Get(route) => route,
        Request::NotFound => return Response::text(404, "not found: try /metrics or /peers\n"),
        Request::MethodNotAllowed => return Response::text(405, "only GET\n"),
        Request::Bad => return Response::text(400, "not an HTTP/1.x request\n"),
    };
    let Ok(snapshot) = snapshot(handle).await else {
        return Response::text(503, "the node has stopped\n");
    };
    match route {
        Route::Metrics => Response::new(200, METRICS_TYPE, render_metrics(&snapshot).into_bytes()),
        Route::Peers => match serde_json::to_vec_pretty(&snapshot.peers) {
            Ok(mut json) => {
                json.push(b'\n');
                Response::new(200, JSON_TYPE, json)
            }
            Err(error) => {
                tracing::warn!(%error, "status endpoint: /peers did not serialize");
                Response::text(500, "internal error\n")
            }
        },
    }
}

struct Response {
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
}

impl Response {
    fn new(status: u16, content_type: &'static str, body: Vec<u8>) -> Response {
        Response {
            status,
            content_type,
            body,
        }
    }

    fn text(status: u16, body: &str) -> Response {
        Response::new(status, TEXT_TYPE, body.as_bytes().to_vec())
    }

    fn into_bytes(self) -> Vec<u8> {
        let reason = match self.status {
            200 => "OK",
            400 => "Bad Request",
            404 => "Not Found",
            405 => "Method Not Allowed",
            408 => "Request Timeout",
            431 => "Request Header Fields Too Large",
            503 => "Service Unavailable",
            _ => "Internal Server Error",
        };
        // RFC 9110 15.5.6: a 405 lists the methods that are allowed.
        let allow = if self.status == 405 {
            "Allow: GET\r\n"
        } else {
            ""
        };
        let mut out = format!(
            "HTTP/1.1 {} {reason}\r\nContent-Type: {}\r\nContent-Length: {}\r\n{allow}\
             Cache-Control: no-store\r\nConnection: close\r\n\r\n",
            self.status,
            self.content_type,
            self.body.len(),
        )
        .into_bytes();
        out.extend_from_slice(&self.body);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responses_carry_length_type_and_close() {
        let bytes = Response::new(200, JSON_TYPE, b"[]\n".to_vec()).into_bytes();
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 3\r\n\
             Cache-Control: no-store\r\nConnection: close\r\n\r\n[]\n"
        );
        let bytes = Response::text(405, "only GET\n").into_bytes();
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.starts_with("HTTP/1.1 405 Method Not Allowed\r\n"));
        assert!(text.contains("\r\nAllow: GET\r\n"));
    }
}
