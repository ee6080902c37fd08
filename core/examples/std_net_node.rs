//! A complete event loop for a [`Node`] on `std::net` non-blocking sockets,
//! with no async runtime: the whole shell a node needs, in one file.
//!
//! Two nodes run in two threads on `127.0.0.1` (ephemeral ports). Node A
//! listens; node B connects to it as a [`ConnectionKind::Manual`] peer
//! pinned to A's peer id. Once connected, B sends a `tx` message, A answers
//! with one of its own, then B shuts down gracefully and both loops end.
//! Each loop:
//!
//! 1. accepts every pending connection on its non-blocking `TcpListener`
//!    ([`Node::accept`]; refused: the socket is dropped);
//! 2. reads every socket until `WouldBlock` ([`Node::handle_input`]; end of
//!    stream: [`Node::handle_eof`]; error: [`Node::handle_closed`]);
//! 3. drains the node: writes with [`Node::transmit_slice`] and
//!    [`Node::advance_transmit`] until the socket says `WouldBlock`,
//!    carries out [`Action::Dial`] (a blocking `TcpStream::connect_timeout`,
//!    then `set_nonblocking`; [`Node::dial_opened`] / [`Node::dial_failed`])
//!    and [`Action::Close`], and handles [`Node::poll_event`];
//! 4. sleeps until [`Node::poll_timeout`] (at most a 5 ms poll interval,
//!    since readiness is polled, not waited for) and calls
//!    [`Node::handle_timeout`] once the deadline has passed.
//!
//! The node's monotonic clock is the time since the thread started
//! ([`Instant::from_std`]). The example exits with status 0 after printing
//! what happened, or panics if the exchange takes more than 10 seconds.
//!
//! Run with `cargo run -p veil-core --example std_net_node`.

use std::collections::BTreeMap;
use std::io::{ErrorKind, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration as StdDuration, Instant as StdInstant, SystemTime};

use bytes::Bytes;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use veil_core::identity::{Identity, PeerId};
use veil_core::message::{Message, NetAddress};
use veil_core::node::{
    Action, ConnId, ConnectionKind, DialError, Node, NodeConfig, NodeEvent, PeerAddr, Reached,
};
use veil_core::{Instant, UnixTime};

/// The longest the shell sleeps without looking at its sockets.
const POLL_INTERVAL: StdDuration = StdDuration::from_millis(5);

/// How long the whole exchange may take.
const DEADLINE: StdDuration = StdDuration::from_secs(10);

/// What the application in each thread is doing.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Node A: answers B's transaction, ends once B has gone.
    Listener,
    /// Node B: sends a transaction once connected, shuts down on the answer.
    Dialer,
}

/// One node and its sockets.
struct Shell {
    name: &'static str,
    role: Role,
    node: Node,
    listener: Option<TcpListener>,
    sockets: BTreeMap<ConnId, TcpStream>,
    /// Sockets whose read side ended (EOF reported): not read again.
    read_closed: Vec<ConnId>,
    epoch: StdInstant,
    buf: Vec<u8>,
    /// What happened, for the final report.
    log: Vec<String>,
    done: bool,
}

impl Shell {
    fn new(name: &'static str, role: Role, seed: u64, listener: Option<TcpListener>) -> Shell {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let identity = Identity::generate(&mut rng);
        let wall = UnixTime::from_system_time(SystemTime::now());
        let node = Node::new(
            NodeConfig::default(),
            identity,
            Instant::ZERO,
            wall,
            &mut rng,
        )
        .expect("the default configuration is valid");
        Shell {
            name,
            role,
            node,
            listener,
            sockets: BTreeMap::new(),
            read_closed: Vec::new(),
            epoch: StdInstant::now(),
            buf: vec![0u8; 64 * 1024],
            log: Vec::new(),
            done: false,
        }
    }

    fn now(&self) -> Instant {
        Instant::from_std(self.epoch, StdInstant::now())
    }

    fn say(&mut self, what: String) {
        let line = format!(
            "[{} {:>6.3} s] {what}",
            self.name,
            self.epoch.elapsed().as_secs_f64()
        );
        println!("{line}");
        self.log.push(line);
    }

    /// Runs the loop until the application is done and the node idle.
    fn run(&mut self) -> Vec<String> {
        while !(self.done && self.node.is_idle()) {
            assert!(
                self.epoch.elapsed() < DEADLINE,
                "{}: not done within {DEADLINE:?}",
                self.name
            );
            self.accept();
            self.read();
            self.drain();
            self.wait();
        }
        self.say("idle, loop ends".into());
        std::mem::take(&mut self.log)
    }

    /// Step 1: every pending inbound connection.
    fn accept(&mut self) {
        loop {
            let Some(listener) = &self.listener else {
                return;
            };
            match listener.accept() {
                Ok((stream, remote)) => {
                    let now = self.now();
                    stream.set_nonblocking(true).expect("non-blocking socket");
                    match self.node.accept(now, peer_addr(remote), Reached::Direct) {
                        Ok(conn) => {
                            self.say(format!("accepted {remote} as {conn}"));
                            self.sockets.insert(conn, stream);
                        }
                        Err(refusal) => self.say(format!("refused {remote}: {refusal}")),
                    }
                }
                Err(error) if error.kind() == ErrorKind::WouldBlock => return,
                Err(error) => panic!("{}: accept: {error}", self.name),
            }
            self.drain();
        }
    }

    /// Step 2: every socket, until it would block.
    fn read(&mut self) {
        let conns: Vec<ConnId> = self.sockets.keys().copied().collect();
        for conn in conns {
            while !self.read_closed.contains(&conn) {
                let Some(stream) = self.sockets.get_mut(&conn) else {
                    break;
                };
                let result = stream.read(&mut self.buf);
                let now = self.now();
                match result {
                    Ok(0) => {
                        self.read_closed.push(conn);
                        self.node.handle_eof(now, conn);
                    }
                    Ok(n) => self.node.handle_input(now, conn, &self.buf[..n]),
                    Err(error) if error.kind() == ErrorKind::WouldBlock => break,
                    Err(error) if error.kind() == ErrorKind::Interrupted => continue,
                    Err(_) => {
                        self.sockets.remove(&conn);
                        self.node.handle_closed(now, conn);
                    }
                }
                self.drain();
            }
        }
    }

    /// Step 3: transmits, actions and events, until the node has nothing
    /// more to say (events may make the application send).
    fn drain(&mut self) {
        loop {
            self.write();
            let mut busy = false;
            while let Some(action) = self.node.poll_action() {
                busy = true;
                self.act(action);
            }
            while let Some(event) = self.node.poll_event() {
                busy = true;
                self.on_event(event);
            }
            if !busy {
                return;
            }
        }
    }

    /// Writes what each socket takes.
    fn write(&mut self) {
        let conns: Vec<ConnId> = self.sockets.keys().copied().collect();
        for conn in conns {
            while let Some(stream) = self.sockets.get_mut(&conn) {
                let queued = self.node.transmit_slice(conn);
                if queued.is_empty() {
                    break;
                }
                match stream.write(queued) {
                    Ok(n) => self.node.advance_transmit(conn, n),
                    Err(error) if error.kind() == ErrorKind::WouldBlock => break,
                    Err(error) if error.kind() == ErrorKind::Interrupted => {}
                    Err(_) => {
                        self.sockets.remove(&conn);
                        let now = self.now();
                        self.node.handle_closed(now, conn);
                    }
                }
            }
        }
    }

    fn act(&mut self, action: Action) {
        match action {
            Action::Dial { conn, addr, .. } => {
                let now = self.now();
                let Some(target) = socket_addr(&addr) else {
                    self.node.dial_failed(now, conn, DialError::Unreachable);
                    return;
                };
                match TcpStream::connect_timeout(&target, StdDuration::from_secs(2)) {
                    Ok(stream) => {
                        stream.set_nonblocking(true).expect("non-blocking socket");
                        self.say(format!("dialled {target} for {conn}"));
                        self.sockets.insert(conn, stream);
                        let now = self.now();
                        self.node.dial_opened(now, conn);
                    }
                    Err(error) => {
                        self.say(format!("dial {target} failed: {error}"));
                        let now = self.now();
                        self.node.dial_failed(now, conn, DialError::Refused);
                    }
                }
            }
            Action::Close { conn } => {
                // The node wrote into transmit_slice until it forgot the
                // connection, and write() took what the socket would; the
                // rest is dropped with the socket.
                if let Some(stream) = self.sockets.remove(&conn) {
                    let _ = stream.shutdown(std::net::Shutdown::Both);
                }
                self.read_closed.retain(|&c| c != conn);
            }
        }
    }

    /// The application.
    fn on_event(&mut self, event: NodeEvent) {
        let now = self.now();
        match event {
            NodeEvent::Connected {
                conn, kind, info, ..
            } => {
                let id = info.peer_id.map_or("-".into(), |id| id.to_string());
                self.say(format!("connected {conn} ({kind}), peer id {id}"));
                if self.role == Role::Dialer {
                    let tx = Message::Tx(Bytes::from_static(b"a transaction from B"));
                    self.node.send(now, conn, tx).expect("connected");
                    self.say(format!("sent tx to {conn}"));
                }
            }
            NodeEvent::Message {
                conn,
                message: Message::Tx(tx),
                ..
            } => {
                let text = String::from_utf8_lossy(&tx).into_owned();
                self.say(format!("received tx {text:?} on {conn}"));
                match self.role {
                    Role::Listener => {
                        let answer = Message::Tx(Bytes::from_static(b"an answer from A"));
                        self.node.send(now, conn, answer).expect("connected");
                        self.say(format!("sent tx to {conn}"));
                    }
                    Role::Dialer => {
                        self.say("shutting down".into());
                        self.node.shutdown(now);
                        self.done = true;
                    }
                }
            }
            NodeEvent::Disconnected { conn, reason, .. } => {
                self.say(format!("disconnected {conn}: {}", reason.name()));
                if self.role == Role::Listener {
                    self.node.shutdown(now);
                    self.done = true;
                }
            }
            other => self.say(format!("event {other:?}")),
        }
    }

    /// Step 4: sleeps until the deadline (or the poll interval) and
    /// handles it once due.
    fn wait(&mut self) {
        let now = self.now();
        let sleep = match self.node.poll_timeout() {
            Some((at, _)) => {
                let ms = at.saturating_duration_since(now).as_millis();
                StdDuration::from_millis(ms).min(POLL_INTERVAL)
            }
            None => POLL_INTERVAL,
        };
        if !sleep.is_zero() {
            thread::sleep(sleep);
        }
        let now = self.now();
        if self.node.poll_timeout().is_some_and(|(at, _)| at <= now) {
            self.node.handle_timeout(now);
            self.drain();
        }
    }
}

fn peer_addr(remote: SocketAddr) -> PeerAddr {
    let address = match remote.ip() {
        IpAddr::V4(ip) => NetAddress::Ipv4(ip),
        IpAddr::V6(ip) => NetAddress::Ipv6(ip),
    };
    PeerAddr::new(address, remote.port())
}

fn socket_addr(addr: &PeerAddr) -> Option<SocketAddr> {
    match addr.address {
        NetAddress::Ipv4(ip) => Some(SocketAddr::from((ip, addr.port))),
        NetAddress::Ipv6(ip) => Some(SocketAddr::from((ip, addr.port))),
        _ => None,
    }
}

fn main() {
    let (tx, rx) = mpsc::channel::<(SocketAddr, PeerId)>();
    let a = thread::spawn(move || {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let mut shell = Shell::new("A", Role::Listener, 1, Some(listener));
        let local = shell.listener.as_ref().unwrap().local_addr().unwrap();
        shell.say(format!("listening on {local}"));
        tx.send((local, shell.node.peer_id()))
            .expect("B is waiting");
        shell.run()
    });
    let b = thread::spawn(move || {
        let (target, a_id) = rx.recv().expect("A listens");
        let mut shell = Shell::new("B", Role::Dialer, 2, None);
        let now = shell.now();
        let conn = shell
            .node
            .connect(now, peer_addr(target), Some(a_id), ConnectionKind::Manual)
            .expect("a manual connection to A");
        shell.say(format!(
            "connecting to {target} as {conn} (manual, pinned to A)"
        ));
        shell.run()
    });
    let a_log = a.join().expect("node A's thread");
    let b_log = b.join().expect("node B's thread");
    let received = |log: &[String], what: &str| log.iter().any(|l| l.contains(what));
    assert!(received(&a_log, "received tx \"a transaction from B\""));
    assert!(received(&b_log, "received tx \"an answer from A\""));
    println!("done: B sent a transaction to A, A answered, both nodes shut down cleanly");
}
