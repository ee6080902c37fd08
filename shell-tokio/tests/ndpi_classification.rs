//! What a DPI engine makes of veil's carriers: captures of a session on
//! each carrier, classified by nDPI's `ndpiReader`. The raw encrypted
//! carrier must look like nothing known; the TLS carrier like TLS.

mod support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use bytes::Bytes;
use support::inproc::{start_node, wait_for};
use support::scratch;
use support::tools::{require, Running};
use veil_core::message::Message;
use veil_core::node::{ConnectionKind, NodeEvent};
use veil_tokio::carrier::Carrier;

/// Starts tcpdump on loopback for `port`, returning once it captures.
fn capture(port: u16, file: &Path) -> Running {
    let tcpdump = require("tcpdump", "tcpdump");
    let mut child = Command::new(tcpdump)
        .args([
            "-i",
            "lo",
            "--immediate-mode",
            "-U",
            "-w",
            file.to_str().unwrap(),
        ])
        .arg(format!("tcp port {port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stderr.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(
        line.contains("listening on"),
        "tcpdump did not start (root needed?): {line}"
    );
    Running(child)
}

/// The protocols `ndpiReader` detects in `file`, by name.
fn classify(file: &Path) -> Vec<String> {
    let ndpi = require("ndpiReader", "libndpi-bin");
    let output = Command::new(ndpi)
        .args(["-i", file.to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let block = text
        .split("Detected protocols:")
        .nth(1)
        .unwrap_or_else(|| panic!("no protocol summary:\n{text}"));
    block
        .lines()
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_raw_carrier_is_unknown_and_the_tls_carrier_is_tls() {
    let dir = scratch("ndpi");
    let mut a = start_node(&[Carrier::Tcp, Carrier::Tls], None).await;
    let mut captures = Vec::new();
    let mut dialers = Vec::new();
    for (addr, carrier) in a.local_addrs.clone() {
        // One dialer per carrier: a node keeps one connection per peer.
        let mut b = start_node(&[], None).await;
        let file = dir.join(format!("{carrier}.pcap"));
        let tcpdump = capture(addr.port(), &file);
        captures.push((carrier, file, tcpdump));
        let target = format!("{carrier}://{addr}").parse().unwrap();
        let conn = b
            .handle
            .connect(target, Some(a.handle.peer_id()), ConnectionKind::Manual)
            .await
            .unwrap()
            .unwrap();
        wait_for(&mut b.events, Duration::from_secs(20), |e| {
            matches!(e, NodeEvent::Connected { conn: c, .. } if c == conn).then_some(())
        })
        .await;
        for i in 0..20u8 {
            let tx = Message::Tx(Bytes::from(vec![i; 100 + 37 * usize::from(i)]));
            b.handle
                .call(move |ctx| ctx.node.send(ctx.now, conn, tx))
                .await
                .unwrap()
                .unwrap();
        }
        for _ in 0..20 {
            wait_for(&mut a.events, Duration::from_secs(20), |e| {
                matches!(e, NodeEvent::Message { .. }).then_some(())
            })
            .await;
        }
        dialers.push(b);
    }
    for b in dialers {
        b.handle.shutdown();
        b.task.await.unwrap();
    }
    a.handle.shutdown();
    a.task.await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    for (carrier, file, mut tcpdump) in captures {
        // SIGINT: tcpdump flushes and closes the file.
        let pid = tcpdump.0.id().to_string();
        Command::new("kill").args(["-INT", &pid]).status().unwrap();
        tcpdump.0.wait().unwrap();
        let size = std::fs::metadata(&file).unwrap().len();
        assert!(size > 1000, "{carrier}: only {size} bytes captured");
        let protocols = classify(&file);
        let expected = match carrier {
            Carrier::Tcp => "Unknown",
            _ => "TLS",
        };
        assert_eq!(protocols, [expected], "{carrier}: {protocols:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
