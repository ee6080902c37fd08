//! The status endpoint of a node with one peer: `/metrics` checked
//! against the Prometheus text format by a strict parser, `/peers` read
//! by curl and Python's JSON parser, `veil peers` (the library call and
//! the binary), and the HTTP errors after which the server keeps serving.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::process::Command;
use std::time::{Duration, Instant};

use support::inproc::{start_node, wait_for};
use support::tools::require;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use veil_core::node::{ConnectionKind, NodeEvent};
use veil_tokio::carrier::Carrier;
use veil_tokio::driver::Running;
use veil_tokio::status::{fetch_peers, render_table, serve};

/// The fields `/peers` promises.
const PEER_FIELDS: [&str; 15] = [
    "peer_id",
    "address",
    "direction",
    "kind",
    "state",
    "carrier",
    "features",
    "privacy_features",
    "rtt_ms",
    "bytes_sent",
    "bytes_received",
    "messages_sent",
    "messages_received",
    "score",
    "connected_secs",
];

/// Node `a` with `b` connected to it over TCP, and `a`'s status endpoint.
struct Served {
    a: Running,
    b: Running,
    status: SocketAddr,
}

async fn served_pair() -> Served {
    let mut a = start_node(&[Carrier::Tcp], None).await;
    let mut b = start_node(&[], None).await;
    let target = format!("tcp://{}", a.local_addrs[0].0).parse().unwrap();
    let b_conn = b
        .handle
        .connect(target, Some(a.handle.peer_id()), ConnectionKind::Manual)
        .await
        .unwrap()
        .unwrap();
    let limit = Duration::from_secs(20);
    wait_for(&mut a.events, limit, |e| {
        matches!(e, NodeEvent::Connected { .. }).then_some(())
    })
    .await;
    wait_for(&mut b.events, limit, |e| {
        matches!(e, NodeEvent::Connected { conn, .. } if conn == b_conn).then_some(())
    })
    .await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let status = listener.local_addr().unwrap();
    tokio::spawn(serve(listener, a.handle.clone()));
    Served { a, b, status }
}

/// A response as a raw client sees it.
struct Response {
    code: u16,
    head: String,
    body: String,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name).then(|| value.trim())
        })
    }
}

/// Sends `request` as is, reads until the server closes.
async fn exchange(addr: SocketAddr, request: &[u8]) -> Response {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(request).await.unwrap();
    read_response(&mut stream).await
}

async fn read_response(stream: &mut TcpStream) -> Response {
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(15), stream.read_to_end(&mut raw))
        .await
        .expect("the server answers and closes")
        .expect("no reset before the response is read");
    let text = String::from_utf8(raw).expect("UTF-8 response");
    let (head, body) = text.split_once("\r\n\r\n").expect("a head and a body");
    let code = head
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("a status line: {head}"));
    let response = Response {
        code,
        head: head.to_owned(),
        body: body.to_owned(),
    };
    let length: usize = response.header("Content-Length").unwrap().parse().unwrap();
    assert_eq!(length, response.body.len(), "Content-Length");
    assert_eq!(response.header("Connection"), Some("close"));
    response
}

async fn get(addr: SocketAddr, path: &str) -> Response {
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nUser-Agent: test\r\n\r\n");
    exchange(addr, request.as_bytes()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_parse_as_prometheus_text() {
    let Served { a, b, status } = served_pair().await;
    let response = get(status, "/metrics").await;
    assert_eq!(response.code, 200, "{}", response.body);
    assert_eq!(
        response.header("Content-Type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let metrics = prometheus::parse(&response.body);

    let connections = |direction: &str, state: &str, carrier: &str| {
        metrics.value(
            "veil_connections",
            &[
                ("direction", direction),
                ("state", state),
                ("carrier", carrier),
            ],
        )
    };
    assert_eq!(connections("inbound", "connected", "tcp"), 1.0);
    let all: f64 = metrics.family("veil_connections").map(|s| s.value).sum();
    assert_eq!(all, 1.0, "no other connection");
    assert_eq!(metrics.kind("veil_connections"), "gauge");
    for name in ["veil_bytes_sent_total", "veil_bytes_received_total"] {
        assert_eq!(metrics.kind(name), "counter");
        assert!(metrics.value(name, &[]) > 0.0, "{name}");
    }
    assert_eq!(metrics.value("veil_handshakes_completed_total", &[]), 1.0);
    assert_eq!(metrics.value("veil_inbound_accepted_total", &[]), 1.0);
    assert_eq!(metrics.kind("veil_handshake_failures_total"), "counter");
    assert_eq!(metrics.kind("veil_disconnections_total"), "counter");
    assert_eq!(metrics.kind("veil_bans"), "gauge");
    let bans: f64 = metrics.family("veil_bans").map(|s| s.value).sum();
    assert_eq!(bans, 0.0);
    assert_eq!(metrics.kind("veil_peer_rtt_seconds"), "histogram");
    let id = a.handle.peer_id().to_string();
    assert_eq!(
        metrics.value("veil_node_info", &[("peer_id", id.as_str())]),
        1.0
    );
    b.handle.shutdown();
    a.handle.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peers_json_read_by_curl_and_python() {
    let curl = require("curl", "curl");
    let python = require("python3", "python3");
    let Served { a, b, status } = served_pair().await;
    let b_id = b.handle.peer_id().to_string();
    let dir = tempfile::tempdir().unwrap();
    let body = dir.path().join("peers.json");
    let url = format!("http://{status}/peers");
    let check = r#"
import json, sys
with open(sys.argv[1]) as f:
    rows = json.load(f)
assert isinstance(rows, list) and len(rows) == 1, rows
row = rows[0]
missing = [k for k in sys.argv[3:] if k not in row]
assert not missing, missing
assert row["peer_id"] == sys.argv[2], row
assert row["carrier"] == "tcp", row
assert (row["direction"], row["kind"], row["state"]) == ("inbound", "inbound", "connected"), row
assert row["bytes_sent"] > 0 and row["bytes_received"] > 0, row
assert isinstance(row["connected_secs"], int), row
print("ok")
"#;
    let (fetched, checked) = tokio::task::spawn_blocking(move || {
        let fetched = Command::new(curl)
            .args(["--silent", "--show-error", "--fail", "--max-time", "10"])
            .args(["--write-out", "%{http_code} %{content_type}", "--output"])
            .arg(&body)
            .arg(&url)
            .output()
            .unwrap();
        let checked = Command::new(python)
            .args(["-c", check])
            .arg(&body)
            .arg(&b_id)
            .args(PEER_FIELDS)
            .output()
            .unwrap();
        (fetched, checked)
    })
    .await
    .unwrap();
    let curl_out = String::from_utf8_lossy(&fetched.stdout);
    assert!(
        fetched.status.success(),
        "curl: {curl_out} {}",
        String::from_utf8_lossy(&fetched.stderr)
    );
    assert_eq!(curl_out, "200 application/json");
    assert!(
        checked.status.success(),
        "python: {}",
        String::from_utf8_lossy(&checked.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&checked.stdout).trim(), "ok");
    b.handle.shutdown();
    a.handle.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn veil_peers_fetches_and_prints_the_table() {
    let Served { a, b, status } = served_pair().await;
    let b_id = b.handle.peer_id().to_string();
    let rows = fetch_peers(status).await.unwrap();
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row.peer_id.as_deref(), Some(b_id.as_str()));
    assert_eq!(row.carrier.as_deref(), Some("tcp"));
    assert_eq!(
        (row.direction.as_str(), row.state.as_str()),
        ("inbound", "connected")
    );
    assert!(row.address.starts_with("127.0.0.1:"));
    assert!(row.bytes_sent > 0 && row.bytes_received > 0);

    let table = render_table(&rows);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 2, "{table}");
    assert!(
        lines[1].starts_with(&format!("{}  ", &b_id[..16])),
        "{table}"
    );
    for cell in ["inbound", "tcp", "connected", &row.address] {
        assert!(lines[1].contains(cell), "{cell} in {table}");
    }
    let column = |line: &str, text: &str| line.find(text).unwrap();
    assert_eq!(column(lines[0], "ADDRESS"), column(lines[1], &row.address));

    // The binary's `veil peers` prints the same table.
    let printed = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_veil"))
            .args(["peers", "--status", &status.to_string()])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&printed.stdout);
    assert!(printed.status.success(), "{stdout}");
    assert!(stdout.starts_with("PEER "), "{stdout}");
    assert!(stdout.contains(&b_id[..16]), "{stdout}");
    b.handle.shutdown();
    a.handle.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_errors_then_the_server_keeps_serving() {
    let Served { a, b, status } = served_pair().await;
    // A client that connects and sends nothing holds no one up.
    let mut silent = TcpStream::connect(status).await.unwrap();
    let started = Instant::now();

    let not_found = get(status, "/nope").await;
    assert_eq!(not_found.code, 404);
    let post = exchange(
        status,
        b"POST /metrics HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}",
    )
    .await;
    assert_eq!(post.code, 405);
    assert_eq!(post.header("Allow"), Some("GET"));
    let junk = exchange(status, &[b'x'; 10 * 1024]).await;
    assert_eq!(junk.code, 400, "10 KiB without a blank line");
    let mut huge = b"GET /metrics HTTP/1.1\r\nX-Pad: ".to_vec();
    huge.extend([b'a'; 9 * 1024]);
    huge.extend(b"\r\n\r\n");
    assert_eq!(exchange(status, &huge).await.code, 431);
    let http2 = exchange(status, b"GET /metrics HTTP/2.0\r\n\r\n").await;
    assert_eq!(http2.code, 400);
    let binary = exchange(
        status,
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",
    )
    .await;
    assert_eq!(binary.code, 400, "a TLS hello");
    assert_eq!(exchange(status, b"GET /peers HTTP/1.0\n\n").await.code, 200);
    let again = get(status, "/metrics").await;
    assert_eq!(again.code, 200);
    assert!(again.body.contains("veil_connections{"));
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "answered while the silent client waited"
    );

    let timed_out = read_response(&mut silent).await;
    assert_eq!(timed_out.code, 408);
    assert!(started.elapsed() >= Duration::from_secs(4));

    // Once the node has stopped, the endpoint says so.
    b.handle.shutdown();
    a.handle.shutdown();
    a.task.await.unwrap();
    assert_eq!(get(status, "/metrics").await.code, 503);
}

/// A strict reader of the Prometheus text format 0.0.4.
mod prometheus {
    use super::*;

    pub struct Sample {
        pub name: String,
        pub labels: BTreeMap<String, String>,
        pub value: f64,
    }

    pub struct Metrics {
        kinds: BTreeMap<String, String>,
        samples: Vec<(String, Sample)>,
    }

    impl Metrics {
        /// The samples of family `family`.
        pub fn family<'a>(&'a self, family: &'a str) -> impl Iterator<Item = &'a Sample> + 'a {
            self.samples
                .iter()
                .filter(move |(f, _)| f == family)
                .map(|(_, s)| s)
        }

        pub fn kind(&self, family: &str) -> &str {
            self.kinds
                .get(family)
                .unwrap_or_else(|| panic!("no {family}"))
        }

        /// The value of the series `name{labels}`.
        pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
            let labels: BTreeMap<String, String> = labels
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect();
            self.samples
                .iter()
                .map(|(_, s)| s)
                .find(|s| s.name == name && s.labels == labels)
                .unwrap_or_else(|| panic!("no {name}{labels:?}"))
                .value
        }
    }

    /// Parses `text`, panicking at the first line that breaks the format:
    /// every sample `name{labels} value` with a numeric value, in a family
    /// with HELP and TYPE given before it and all its samples together,
    /// no series twice, counters not negative, and histogram buckets
    /// cumulative in ascending `le` up to `+Inf`, equal to `_count`.
    pub fn parse(text: &str) -> Metrics {
        assert!(text.ends_with('\n'), "the last line ends with a line feed");
        let mut kinds = BTreeMap::new();
        let mut helped = BTreeSet::new();
        let mut finished = BTreeSet::new();
        let mut current: Option<String> = None;
        let mut series = BTreeSet::new();
        let mut samples = Vec::new();
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("# HELP ") {
                let name = rest.split(' ').next().unwrap();
                assert!(helped.insert(name.to_owned()), "HELP twice: {line}");
            } else if let Some(rest) = line.strip_prefix("# TYPE ") {
                let (name, kind) = rest.split_once(' ').expect("TYPE name kind");
                assert!(
                    ["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind),
                    "{line}"
                );
                assert!(kinds.insert(name.to_owned(), kind.to_owned()).is_none());
            } else if line.starts_with('#') {
                continue;
            } else {
                let sample = sample(line);
                let family = family_of(&sample.name, &kinds);
                assert!(helped.contains(&family), "no HELP before {line}");
                let kind = &kinds[&family];
                if current.as_ref() != Some(&family) {
                    if let Some(done) = current.replace(family.clone()) {
                        finished.insert(done);
                    }
                    assert!(!finished.contains(&family), "{family} split up");
                }
                if kind == "counter" {
                    assert!(sample.value >= 0.0, "{line}");
                    assert!(family.ends_with("_total"), "counter name {family}");
                }
                let key = format!("{}{:?}", sample.name, sample.labels);
                assert!(series.insert(key), "series twice: {line}");
                samples.push((family, sample));
            }
        }
        let metrics = Metrics { kinds, samples };
        for (family, kind) in &metrics.kinds {
            if kind == "histogram" {
                check_histogram(&metrics, family);
            }
        }
        metrics
    }

    /// A sample's family: its own name, or a histogram's it suffixes.
    fn family_of(name: &str, kinds: &BTreeMap<String, String>) -> String {
        if kinds.contains_key(name) {
            return name.to_owned();
        }
        ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|suffix| {
                let base = name.strip_suffix(suffix)?;
                (kinds.get(base)? == "histogram").then(|| base.to_owned())
            })
            .unwrap_or_else(|| panic!("no TYPE for {name}"))
    }

    fn check_histogram(metrics: &Metrics, family: &str) {
        let mut groups: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
        let mut counts = BTreeMap::new();
        let mut sums = BTreeSet::new();
        for sample in metrics.family(family) {
            let mut labels = sample.labels.clone();
            let le = labels.remove("le");
            let key = format!("{labels:?}");
            match sample.name.strip_prefix(family) {
                Some("_bucket") => {
                    let le = le.expect("a bucket has le");
                    let bound = if le == "+Inf" {
                        f64::INFINITY
                    } else {
                        le.parse().unwrap()
                    };
                    groups.entry(key).or_default().push((bound, sample.value));
                }
                Some("_count") => {
                    counts.insert(key, sample.value);
                }
                Some("_sum") => {
                    sums.insert(key);
                }
                _ => panic!("{} in histogram {family}", sample.name),
            }
        }
        assert!(!groups.is_empty(), "{family} has buckets");
        for (key, buckets) in &groups {
            assert!(buckets.windows(2).all(|w| w[0].0 < w[1].0), "ascending le");
            assert!(buckets.windows(2).all(|w| w[0].1 <= w[1].1), "cumulative");
            let (bound, last) = *buckets.last().unwrap();
            assert_eq!(bound, f64::INFINITY, "ends with +Inf");
            assert_eq!(Some(&last), counts.get(key), "+Inf equals _count");
            assert!(sums.contains(key), "{family}_sum");
        }
    }

    /// `name{label="value",...} value [timestamp]`.
    fn sample(line: &str) -> Sample {
        let name_end = line
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or_else(|| panic!("no value: {line}"));
        let name = &line[..name_end];
        assert!(
            name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_' || c == ':'),
            "{line}"
        );
        let mut rest = &line[name_end..];
        let mut labels = BTreeMap::new();
        if let Some(after) = rest.strip_prefix('{') {
            rest = after;
            while !rest.starts_with('}') {
                let eq = rest.find("=\"").unwrap_or_else(|| panic!("{line}"));
                let label = &rest[..eq];
                assert!(
                    !label.is_empty()
                        && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                        && !label.starts_with(|c: char| c.is_ascii_digit()),
                    "label name {label:?} in {line}"
                );
                let (value, after) = label_value(&rest[eq + 2..], line);
                assert!(labels.insert(label.to_owned(), value).is_none(), "{line}");
                rest = after.strip_prefix(',').unwrap_or(after);
            }
            rest = &rest[1..];
        }
        let rest = rest.strip_prefix(' ').unwrap_or_else(|| panic!("{line}"));
        let mut fields = rest.split(' ');
        let value = match fields.next().unwrap() {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            "NaN" => f64::NAN,
            number => {
                assert!(
                    number
                        .chars()
                        .all(|c| c.is_ascii_digit() || "+-.eE".contains(c)),
                    "{line}"
                );
                number
                    .parse()
                    .unwrap_or_else(|_| panic!("not a number: {line}"))
            }
        };
        if let Some(timestamp) = fields.next() {
            timestamp.parse::<i64>().expect("a timestamp");
        }
        assert!(fields.next().is_none(), "{line}");
        Sample {
            name: name.to_owned(),
            labels,
            value,
        }
    }

    /// A quoted label value's text (after its opening quote), unescaped,
    /// and what follows its closing quote.
    fn label_value<'a>(text: &'a str, line: &str) -> (String, &'a str) {
        let mut value = String::new();
        let mut chars = text.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => return (value, &text[i + 1..]),
                '\\' => match chars.next() {
                    Some((_, '\\')) => value.push('\\'),
                    Some((_, '"')) => value.push('"'),
                    Some((_, 'n')) => value.push('\n'),
                    other => panic!("bad escape {other:?} in {line}"),
                },
                '\n' => panic!("raw line feed in {line}"),
                c => value.push(c),
            }
        }
        panic!("unterminated label value in {line}")
    }
}
