//! The status endpoint: Prometheus text that parses, `/peers` read by
//! curl and Python's JSON parser, the `veil peers` table, and the HTTP
//! errors for other paths, methods and garbage.

mod support;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::process::Command;
use std::time::Duration;

use support::inproc::{start_node, wait_for};
use support::tools::require;
use tokio::net::TcpListener;
use veil_core::node::{ConnectionKind, NodeEvent};
use veil_tokio::carrier::Carrier;
use veil_tokio::status::{fetch_peers, render_table, serve};

/// A raw request's response: status code and body.
fn raw_request(addr: SocketAddr, request: &[u8]) -> (u16, String, String) {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(request).unwrap();
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let code = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (code, head.to_owned(), body.to_owned())
}

/// Checks Prometheus text: every sample's family has HELP and TYPE, every
/// value is a number, histogram buckets are cumulative up to `+Inf` =
/// `_count`. Returns the samples by their full name with labels.
fn parse_prometheus(text: &str) -> BTreeMap<String, f64> {
    let mut typed = BTreeMap::new();
    let mut helped = Vec::new();
    let mut samples = BTreeMap::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            helped.push(rest.split(' ').next().unwrap().to_owned());
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let mut parts = rest.split(' ');
            typed.insert(
                parts.next().unwrap().to_owned(),
                parts.next().unwrap().to_owned(),
            );
        } else {
            let (name, value) = line.rsplit_once(' ').expect("name value");
            let value: f64 = value
                .parse()
                .unwrap_or_else(|_| panic!("not a number: {line}"));
            let family = name.split('{').next().unwrap();
            let base = ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|s| {
                    family
                        .strip_suffix(s)
                        .filter(|b| typed.get(*b).is_some_and(|t| t == "histogram"))
                })
                .unwrap_or(family);
            assert!(typed.contains_key(base), "no TYPE for {base}");
            assert!(helped.iter().any(|h| h == base), "no HELP for {base}");
            samples.insert(name.to_owned(), value);
        }
    }
    for (family, kind) in &typed {
        if kind == "histogram" {
            let buckets: Vec<f64> = samples
                .iter()
                .filter(|(n, _)| n.starts_with(&format!("{family}_bucket")))
                .map(|(_, v)| *v)
                .collect();
            let inf = samples[&format!("{family}_bucket{{le=\"+Inf\"}}")];
            assert_eq!(inf, samples[&format!("{family}_count")]);
            assert!(buckets.iter().all(|b| *b <= inf));
        }
    }
    samples
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_peers_and_errors() {
    let curl = require("curl", "curl");
    let python = require("python3", "python3");
    let mut a = start_node(&[Carrier::Tcp], None).await;
    let b = start_node(&[], None).await;
    let target = format!("tcp://{}", a.local_addrs[0].0).parse().unwrap();
    b.handle
        .connect(target, Some(a.handle.peer_id()), ConnectionKind::Manual)
        .await
        .unwrap()
        .unwrap();
    let limit = Duration::from_secs(20);
    wait_for(&mut a.events, limit, |e| {
        matches!(e, NodeEvent::Connected { .. }).then_some(())
    })
    .await;

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let status = listener.local_addr().unwrap();
    tokio::spawn(serve(listener, a.handle.clone()));

    let (code, head, body) = tokio::task::spawn_blocking(move || {
        raw_request(status, b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
    })
    .await
    .unwrap();
    assert_eq!(code, 200);
    assert!(
        head.contains("Content-Type: text/plain; version=0.0.4"),
        "{head}"
    );
    let samples = parse_prometheus(&body);
    let inbound = "veil_connections{direction=\"inbound\",state=\"connected\",carrier=\"tcp\"}";
    assert_eq!(samples[inbound], 1.0, "{body}");
    assert!(samples["veil_bytes_sent_total"] > 0.0);
    assert!(samples["veil_bytes_received_total"] > 0.0);
    assert_eq!(samples["veil_handshakes_completed_total"], 1.0);

    // /peers through curl, parsed by Python's json module.
    let b_id = b.handle.peer_id().to_string();
    let url = format!("http://{status}/peers");
    let check = format!(
        "import json, sys\nrows = json.load(sys.stdin)\nassert len(rows) == 1, rows\n\
         assert rows[0]['peer_id'] == '{b_id}', rows\nassert rows[0]['carrier'] == 'tcp', rows\n\
         print('ok', rows[0]['direction'])\n"
    );
    let output = tokio::task::spawn_blocking(move || {
        let fetched = Command::new(curl).args(["-sf", &url]).output().unwrap();
        assert!(fetched.status.success(), "curl failed");
        let mut child = Command::new(python)
            .args(["-c", &check])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(&fetched.stdout)
            .unwrap();
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "ok inbound");

    let rows = fetch_peers(status).await.unwrap();
    assert_eq!(rows.len(), 1);
    let table = render_table(&rows);
    assert!(
        table.contains(&b_id[..16]) && table.contains("inbound"),
        "{table}"
    );

    let errors = tokio::task::spawn_blocking(move || {
        [
            raw_request(status, b"GET /nope HTTP/1.1\r\n\r\n").0,
            raw_request(status, b"POST /metrics HTTP/1.1\r\n\r\n").0,
            raw_request(status, &[b'x'; 10 * 1024]).0,
            raw_request(status, b"GET /peers HTTP/1.1\r\n\r\n").0,
        ]
    })
    .await
    .unwrap();
    assert_eq!(
        errors,
        [404, 405, 400, 200],
        "and it still serves afterwards"
    );
    b.handle.shutdown();
    a.handle.shutdown();
}
