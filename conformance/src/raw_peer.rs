//! A peer that is not a shell: a core `Connection` driven by hand over a
//! blocking socket, so a scenario can complete a real handshake and then
//! send exactly the bytes it wants (tampered ones included).

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use rand_core::OsRng;
use veil_core::connection::{Connection, ConnectionConfig, Event};
use veil_core::identity::{Identity, PeerId};
use veil_core::message::Message;
use veil_core::{Duration as CoreDuration, Instant, UnixTime};

/// A hand-driven connection to a node.
pub struct RawPeer {
    /// The socket.
    pub stream: TcpStream,
    /// The connection's state machine.
    pub connection: Connection,
    started: std::time::Instant,
}

impl RawPeer {
    /// Connects to `addr` and runs the handshake to completion, expecting
    /// `peer` on the other side.
    pub fn handshake(addr: SocketAddr, peer: PeerId) -> RawPeer {
        let stream = TcpStream::connect(addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_millis(50)))
            .expect("timeout");
        let wall = UnixTime::from_secs(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .expect("after 1970")
                .as_secs(),
        );
        let connection = Connection::outbound(
            Arc::new(ConnectionConfig::default()),
            &Identity::generate(&mut OsRng),
            Some(peer),
            Instant::ZERO,
            wall,
            &mut OsRng,
        )
        .expect("valid configuration");
        let mut raw = RawPeer {
            stream,
            connection,
            started: std::time::Instant::now(),
        };
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            assert!(
                std::time::Instant::now() < deadline,
                "handshake within 10 s"
            );
            raw.exchange();
            while let Some(event) = raw.connection.poll_event() {
                match event {
                    Event::CheckNonce { .. } => {
                        let now = raw.now();
                        raw.connection.resolve_nonce_check(now, false);
                    }
                    Event::HandshakeComplete(_) => {
                        raw.exchange();
                        return raw;
                    }
                    Event::Closed { reason, .. } => panic!("handshake failed: {reason}"),
                    _ => {}
                }
            }
        }
    }

    fn now(&self) -> Instant {
        Instant::ZERO + CoreDuration::from_millis(self.started.elapsed().as_millis() as u64)
    }

    /// Writes what the connection queued, then reads once (up to the
    /// socket's 50 ms timeout) and hands it over.
    fn exchange(&mut self) {
        loop {
            let queued = self.connection.transmit_slice();
            if queued.is_empty() {
                break;
            }
            let n = self.stream.write(queued).expect("write");
            self.connection.advance_transmit(n);
        }
        let mut buf = [0u8; 16 * 1024];
        match self.stream.read(&mut buf) {
            Ok(0) => {}
            Ok(n) => {
                let now = self.now();
                self.connection.handle_input(now, &buf[..n]);
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) => panic!("read: {e}"),
        }
    }

    /// Sends `message` with the last byte of its packet (inside the
    /// authentication tag) flipped, as an attacker on the path would.
    pub fn send_tampered(&mut self, message: Message) {
        let now = self.now();
        self.connection.send(now, message).expect("connected");
        let mut packet = self.connection.transmit_slice().to_vec();
        self.connection.advance_transmit(packet.len());
        let last = packet.last_mut().expect("a packet");
        *last ^= 0x01;
        self.stream.write_all(&packet).expect("write");
    }

    /// True once the other side has closed the socket (end of stream or
    /// reset), read within `limit`.
    pub fn closed_by_peer(&mut self, limit: Duration) -> bool {
        let deadline = std::time::Instant::now() + limit;
        let mut buf = [0u8; 16 * 1024];
        while std::time::Instant::now() < deadline {
            match self.stream.read(&mut buf) {
                Ok(0) => return true,
                Ok(_) => {}
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(_) => return true,
            }
        }
        false
    }
}
