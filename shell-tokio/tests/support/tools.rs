//! External programs the integration tests run: found or the test fails
//! saying what to install (CI installs them in `.ci/run`).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The path of `program`, or a panic naming the package to install.
pub fn require(program: &str, package: &str) -> PathBuf {
    for dir in ["/usr/bin", "/usr/sbin", "/usr/local/bin", "/bin", "/sbin"] {
        let path = Path::new(dir).join(program);
        if path.exists() {
            return path;
        }
    }
    panic!("{program} is not installed: apt-get install {package} (as .ci/run does)");
}

/// A child process killed when dropped.
pub struct Running(pub Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits until something accepts TCP connections on `port`.
pub fn wait_listening(port: u16, limit: Duration) {
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < limit,
            "nothing listens on {port} after {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// microsocks, a real SOCKS5 proxy, on `port`.
pub fn start_microsocks(port: u16) -> Running {
    let program = require("microsocks", "microsocks");
    let child = Command::new(program)
        .args(["-i", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_listening(port, Duration::from_secs(10));
    Running(child)
}

/// tor with a fresh data directory in `dir` and its SOCKS port on
/// `port`. The machine has no route out, so Tor never bootstraps: enough
/// to check what its SOCKS port answers.
pub fn start_tor(dir: &Path, port: u16) -> Running {
    let program = require("tor", "tor");
    let data = dir.join("tor-data");
    std::fs::create_dir_all(&data).unwrap();
    let child = Command::new(program)
        .args(["--SocksPort", &format!("127.0.0.1:{port}")])
        .args(["--DataDirectory", data.to_str().unwrap()])
        .args(["--ControlPort", "0", "--ORPort", "0", "--Log", "err stdout"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_listening(port, Duration::from_secs(30));
    Running(child)
}
