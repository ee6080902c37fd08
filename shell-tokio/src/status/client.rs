//! The client side of `/peers`, for `veil peers`: one plain HTTP GET.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::PeerRow;

/// How long the whole exchange may take.
const TIMEOUT: Duration = Duration::from_secs(10);
/// Largest response read (a node with thousands of peers is far below).
const MAX_RESPONSE: u64 = 16 * 1024 * 1024;

/// Why `/peers` could not be read.
///
/// ```
/// use veil_tokio::status::FetchError;
/// let error = FetchError::Status { code: 404, reason: "Not Found".into() };
/// assert_eq!(error.to_string(), "the status endpoint answered 404 Not Found");
/// ```
#[derive(Debug)]
pub enum FetchError {
    /// No connection to the endpoint.
    Connect {
        /// The endpoint.
        addr: SocketAddr,
        /// Why.
        source: io::Error,
    },
    /// The connection failed mid-way.
    Io(io::Error),
    /// No complete response within 10 s.
    Timeout,
    /// The response is over 16 MiB.
    TooLarge,
    /// Not an HTTP/1.x response this client understands.
    Malformed(&'static str),
    /// An HTTP status other than 200.
    Status {
        /// The status code.
        code: u16,
        /// The reason phrase.
        reason: String,
    },
    /// The body is not a JSON list of peers.
    Json(serde_json::Error),
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::Connect { addr, source } => {
                write!(f, "cannot reach the status endpoint at {addr}: {source}")
            }
            FetchError::Io(error) => write!(f, "reading the status endpoint: {error}"),
            FetchError::Timeout => write!(f, "no answer within {} s", TIMEOUT.as_secs()),
            FetchError::TooLarge => write!(f, "the response is over {MAX_RESPONSE} bytes"),
            FetchError::Malformed(what) => write!(f, "not an HTTP response: {what}"),
            FetchError::Status { code, reason } => {
                write!(f, "the status endpoint answered {code} {reason}")
            }
            FetchError::Json(error) => write!(f, "not a peer list: {error}"),
        }
    }
}

impl std::error::Error for FetchError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FetchError::Connect { source, .. } | FetchError::Io(source) => Some(source),
            FetchError::Json(error) => Some(error),
            _ => None,
        }
    }
}

/// GETs `/peers` from the status endpoint at `addr` and parses the rows.
///
/// See [`serve`](super::serve()) for an example with a running node.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// // A port just released: nothing listens there.
/// let addr = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
/// let result = veil_tokio::status::fetch_peers(addr).await;
/// assert!(matches!(result, Err(veil_tokio::status::FetchError::Connect { .. })));
/// # }
/// ```
pub async fn fetch_peers(addr: SocketAddr) -> Result<Vec<PeerRow>, FetchError> {
    let response = tokio::time::timeout(TIMEOUT, get(addr, "/peers"))
        .await
        .map_err(|_| FetchError::Timeout)??;
    parse_response(&response)
}

/// The raw response to `GET path`, read until the server closes.
async fn get(addr: SocketAddr, path: &str) -> Result<Vec<u8>, FetchError> {
    let mut stream = TcpStream::connect(addr)
        .await
        .map_err(|source| FetchError::Connect { addr, source })?;
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: application/json\r\nConnection: close\r\n\r\n"
    );
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(FetchError::Io)?;
    let mut response = Vec::new();
    (&mut stream)
        .take(MAX_RESPONSE + 1)
        .read_to_end(&mut response)
        .await
        .map_err(FetchError::Io)?;
    if response.len() as u64 > MAX_RESPONSE {
        return Err(FetchError::TooLarge);
    }
    Ok(response)
}

/// The rows of a complete `/peers` response.
fn parse_response(response: &[u8]) -> Result<Vec<PeerRow>, FetchError> {
    let end = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or(FetchError::Malformed("no end of head"))?;
    let head = std::str::from_utf8(&response[..end])
        .map_err(|_| FetchError::Malformed("head not UTF-8"))?;
    let mut body = &response[end + 4..];
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap_or_default();
    let mut parts = status.splitn(3, ' ');
    let version = parts.next().unwrap_or_default();
    let code = parts.next().and_then(|c| c.parse::<u16>().ok());
    let (true, Some(code)) = (version.starts_with("HTTP/1."), code) else {
        return Err(FetchError::Malformed("no status line"));
    };
    if code != 200 {
        let reason = parts.next().unwrap_or_default().to_owned();
        return Err(FetchError::Status { code, reason });
    }
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(FetchError::Malformed("unexpected transfer encoding"));
        }
        if name.eq_ignore_ascii_case("content-length") {
            let len: usize = value
                .parse()
                .map_err(|_| FetchError::Malformed("bad Content-Length"))?;
            body = body.get(..len).ok_or(FetchError::Malformed(
                "body shorter than its Content-Length",
            ))?;
        }
    }
    serde_json::from_slice(body).map_err(FetchError::Json)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_peer_list_parses() {
        let body = r#"[{"peer_id":"ab","carrier":"tcp","bytes_sent":5,"future_field":1}]"#;
        let response = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        let rows = parse_response(response.as_bytes()).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].peer_id.as_deref(), Some("ab"));
        assert_eq!(rows[0].carrier.as_deref(), Some("tcp"));
        assert_eq!(rows[0].bytes_sent, 5);
        assert_eq!(rows[0].rtt_ms, None, "missing fields default");
    }

    #[test]
    fn errors_are_told_apart() {
        let status = parse_response(b"HTTP/1.1 503 Service Unavailable\r\n\r\nstopped");
        assert!(
            matches!(status, Err(FetchError::Status { code: 503, ref reason }) if reason == "Service Unavailable")
        );
        let short = parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n[]");
        assert!(matches!(short, Err(FetchError::Malformed(_))));
        let json = parse_response(b"HTTP/1.1 200 OK\r\n\r\n{\"not\":\"a list\"}");
        assert!(matches!(json, Err(FetchError::Json(_))));
        assert!(matches!(
            parse_response(b"SSH-2.0-OpenSSH\r\n\r\n"),
            Err(FetchError::Malformed(_))
        ));
        assert!(matches!(
            parse_response(b"HTTP/1.1 200 OK\r\n"),
            Err(FetchError::Malformed(_))
        ));
    }
}
