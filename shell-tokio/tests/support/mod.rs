//! Running `veil` binaries as processes in tests.
#![allow(dead_code)] // each test binary uses a different part

pub mod inproc;
pub mod tools;

use std::fs;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// A free loopback port (bound and released: another process could take
/// it in between, which the tests accept).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A scratch directory for one test.
pub fn scratch(name: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("veil-proc-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&path);
    fs::create_dir_all(&path).unwrap();
    path
}

/// A `veil node` process with its log in a file.
pub struct VeilNode {
    pub child: Child,
    pub log: PathBuf,
    pub status: SocketAddr,
}

impl VeilNode {
    /// Starts `veil node` with `args`, a status endpoint and its log in
    /// `dir/<name>.log`.
    pub fn start(dir: &Path, name: &str, args: &[String]) -> VeilNode {
        let status: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
        let log = dir.join(format!("{name}.log"));
        let file = fs::File::create(&log).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_veil"))
            .arg("node")
            .args(["--status", &status.to_string()])
            .args(args)
            .env("VEIL_LOG", "info")
            .stdout(Stdio::null())
            .stderr(file)
            .spawn()
            .expect("veil starts");
        VeilNode { child, log, status }
    }

    pub fn log_text(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits until the log has a line containing `needle`.
    pub fn wait_log(&self, needle: &str, limit: Duration) -> String {
        let start = Instant::now();
        loop {
            let text = self.log_text();
            if let Some(line) = text.lines().find(|l| l.contains(needle)) {
                return line.to_owned();
            }
            assert!(
                start.elapsed() < limit,
                "no {needle:?} within {limit:?}:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The peer id the node logged at start.
    pub fn peer_id(&self) -> String {
        let line = self.wait_log("identity", Duration::from_secs(20));
        let start = line.find("peer_id=").expect("peer_id field") + "peer_id=".len();
        line[start..start + 64].to_owned()
    }

    /// Sends `signal` (e.g. "TERM") and waits for the exit.
    pub fn stop(mut self, signal: &str) -> ExitStatus {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status()
            .unwrap();
        assert!(sent.success());
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "veil did not exit after SIG{signal}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until `/peers` lists `peer_id` as connected.
    pub fn wait_peer(&self, peer_id: &str, limit: Duration) {
        let start = Instant::now();
        loop {
            if let Some(body) = http_get(self.status, "/peers") {
                let rows: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
                let connected = rows.as_array().is_some_and(|rows| {
                    rows.iter()
                        .any(|r| r["peer_id"] == peer_id && r["state"] == "connected")
                });
                if connected {
                    return;
                }
            }
            assert!(
                start.elapsed() < limit,
                "{peer_id} not connected within {limit:?}:\n{}",
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for VeilNode {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A plain HTTP GET's body, or `None` if the server is not there.
pub fn http_get(addr: SocketAddr, path: &str) -> Option<String> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n").ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
}
