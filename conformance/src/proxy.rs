//! A real SOCKS5 proxy for the scenarios: microsocks (installed by
//! `.ci/run`), started on a free loopback port and killed on drop.

use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running microsocks.
pub struct Microsocks {
    /// Where it listens.
    pub addr: SocketAddr,
    child: Child,
}

impl Microsocks {
    /// Starts microsocks; panics with the install command if it is
    /// missing.
    pub fn start() -> Microsocks {
        let program = ["/usr/bin/microsocks", "/usr/local/bin/microsocks"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists())
            .expect("microsocks is not installed: apt-get install microsocks (as .ci/run does)");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(program)
            .args(["-i", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("microsocks starts");
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let start = Instant::now();
        while TcpStream::connect(addr).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "microsocks did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Microsocks { addr, child }
    }
}

impl Drop for Microsocks {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
