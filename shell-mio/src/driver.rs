//! The node thread: one `mio::Poll` over the listeners, the connections
//! and a waker for commands, driving the node by its contract.

use std::collections::HashMap;
use std::io::{self, ErrorKind, Read, Write};
use std::net::SocketAddr;
use std::sync::mpsc;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token, Waker};
use veil_core::node::{
    drain_output, Action, ConnId, DialError, Node, NodeEvent, PeerAddr, Reached, ShellIo, Via,
};

use crate::handle::{Command, MioHandle};
use crate::Clock;

/// The waker's token; listeners count up from 1, connections are
/// `CONN_BASE + ConnId`.
const WAKER: Token = Token(0);
const CONN_BASE: usize = 1 << 20;
/// Bytes read at once.
const READ_CHUNK: usize = 256 * 1024;

/// What the node thread needs besides the node.
///
/// ```
/// let config = veil_mio::MioConfig::default();
/// assert!(config.listen.is_empty() && config.socks5_proxy.is_none());
/// ```
#[derive(Clone, Debug)]
pub struct MioConfig {
    /// Addresses to listen on (raw TCP; port 0 picks one).
    pub listen: Vec<SocketAddr>,
    /// The SOCKS5 proxy for the node's `Via::Socks5` dials.
    pub socks5_proxy: Option<SocketAddr>,
    /// How long a shutdown waits for graceful closes.
    pub shutdown_grace: Duration,
}

impl Default for MioConfig {
    fn default() -> Self {
        MioConfig {
            listen: Vec::new(),
            socks5_proxy: None,
            shutdown_grace: Duration::from_secs(5),
        }
    }
}

/// A running node thread.
///
/// See the [crate docs](crate) for an example.
pub struct Running {
    /// Commands to the node, from any thread.
    pub handle: MioHandle,
    /// Everything the node reports, in order (unbounded: read it).
    pub events: mpsc::Receiver<NodeEvent>,
    /// The listeners' bound addresses, in the order given.
    pub local_addrs: Vec<SocketAddr>,
    thread: JoinHandle<()>,
}

impl Running {
    /// Waits for the node thread to end (after [`MioHandle::shutdown`]).
    ///
    /// See the [crate docs](crate) for an example.
    pub fn join(self) {
        let _ = self.thread.join();
    }
}

/// One connection's socket.
struct Socket {
    stream: TcpStream,
    /// The non-blocking connect has not completed yet.
    connecting: bool,
    /// The peer ended its side; not read again.
    read_closed: bool,
}

/// The node thread's state.
pub struct MioNode {
    node: Node,
    clock: Clock,
    poll: Poll,
    listeners: Vec<TcpListener>,
    sockets: HashMap<ConnId, Socket>,
    commands: mpsc::Receiver<Command>,
    events: mpsc::Sender<NodeEvent>,
    config: MioConfig,
    stop_at: Option<std::time::Instant>,
    buf: Vec<u8>,
}

fn conn_token(conn: ConnId) -> Token {
    Token(CONN_BASE + conn.as_raw() as usize)
}

impl MioNode {
    /// Binds the listeners and starts the node thread.
    ///
    /// See the [crate docs](crate) for an example.
    pub fn spawn(node: Node, clock: Clock, config: MioConfig) -> io::Result<Running> {
        let poll = Poll::new()?;
        let waker = Arc::new(Waker::new(poll.registry(), WAKER)?);
        let mut listeners = Vec::new();
        let mut local_addrs = Vec::new();
        for (i, addr) in config.listen.iter().enumerate() {
            let mut listener = TcpListener::bind(*addr)?;
            poll.registry()
                .register(&mut listener, Token(1 + i), Interest::READABLE)?;
            local_addrs.push(listener.local_addr()?);
            listeners.push(listener);
        }
        let (commands_tx, commands) = mpsc::channel();
        let (events, events_rx) = mpsc::channel();
        let mut driver = MioNode {
            node,
            clock,
            poll,
            listeners,
            sockets: HashMap::new(),
            commands,
            events,
            config,
            stop_at: None,
            buf: vec![0u8; READ_CHUNK],
        };
        let thread = std::thread::Builder::new()
            .name("veil-mio".into())
            .spawn(move || driver.run())?;
        Ok(Running {
            handle: MioHandle {
                commands: commands_tx,
                waker,
            },
            events: events_rx,
            local_addrs,
            thread,
        })
    }

    fn run(&mut self) {
        let mut events = Events::with_capacity(1024);
        self.drain();
        loop {
            let mut timeout = self.node.poll_timeout().map(|(at, _)| self.clock.until(at));
            if let Some(stop_at) = self.stop_at {
                let left = stop_at.saturating_duration_since(std::time::Instant::now());
                timeout = Some(timeout.map_or(left, |t| t.min(left)));
            }
            if let Err(error) = self.poll.poll(&mut events, timeout) {
                if error.kind() != ErrorKind::Interrupted {
                    return;
                }
            }
            for event in events.iter() {
                match event.token() {
                    WAKER => self.take_commands(),
                    Token(n) if n < CONN_BASE => self.accept(n - 1),
                    Token(n) => self.socket_ready(ConnId::from_raw((n - CONN_BASE) as u64)),
                }
                self.drain();
            }
            let now = self.clock.now();
            if self.node.poll_timeout().is_some_and(|(at, _)| at <= now) {
                self.node.handle_timeout(now);
            }
            self.drain();
            if let Some(stop_at) = self.stop_at {
                if self.node.is_idle() || std::time::Instant::now() >= stop_at {
                    return;
                }
            }
        }
    }

    fn take_commands(&mut self) {
        while let Ok(command) = self.commands.try_recv() {
            match command {
                Command::Call(call) => {
                    let now = self.clock.now();
                    call(&mut self.node, now);
                }
                Command::Shutdown => {
                    if self.stop_at.is_none() {
                        let now = self.clock.now();
                        self.node.shutdown(now);
                        for mut listener in self.listeners.drain(..) {
                            let _ = self.poll.registry().deregister(&mut listener);
                        }
                        self.stop_at = Some(std::time::Instant::now() + self.config.shutdown_grace);
                    }
                }
            }
            self.drain();
        }
    }

    fn accept(&mut self, index: usize) {
        loop {
            let Some(listener) = self.listeners.get(index) else {
                return;
            };
            let (stream, remote) = match listener.accept() {
                Ok(accepted) => accepted,
                Err(error) if error.kind() == ErrorKind::WouldBlock => return,
                Err(_) => return,
            };
            let now = self.clock.now();
            if let Ok(conn) = self
                .node
                .accept(now, PeerAddr::from(remote), Reached::Direct)
            {
                let _ = stream.set_nodelay(true);
                self.add_socket(conn, stream, false);
            }
            self.drain();
        }
    }

    fn add_socket(&mut self, conn: ConnId, mut stream: TcpStream, connecting: bool) {
        let interest = Interest::READABLE | Interest::WRITABLE;
        if self
            .poll
            .registry()
            .register(&mut stream, conn_token(conn), interest)
            .is_err()
        {
            let now = self.clock.now();
            self.node.handle_closed(now, conn);
            return;
        }
        self.sockets.insert(
            conn,
            Socket {
                stream,
                connecting,
                read_closed: false,
            },
        );
    }

    fn socket_ready(&mut self, conn: ConnId) {
        let now = self.clock.now();
        let Some(socket) = self.sockets.get_mut(&conn) else {
            return;
        };
        if socket.connecting {
            // A non-blocking connect completes when the socket turns
            // writable: an error, or a peer address, says how.
            match (socket.stream.take_error(), socket.stream.peer_addr()) {
                (Ok(None), Ok(_)) => {
                    socket.connecting = false;
                    let _ = socket.stream.set_nodelay(true);
                    self.node.dial_opened(now, conn);
                }
                (Ok(None), Err(error)) if error.kind() == ErrorKind::NotConnected => return,
                (Ok(Some(error)) | Err(error), _) | (_, Err(error)) => {
                    self.remove(conn);
                    self.node.dial_failed(now, conn, DialError::from(&error));
                    return;
                }
            }
        }
        self.read(conn);
    }

    fn read(&mut self, conn: ConnId) {
        loop {
            let Some(socket) = self.sockets.get_mut(&conn) else {
                return;
            };
            if socket.read_closed || socket.connecting {
                return;
            }
            let result = socket.stream.read(&mut self.buf);
            let now = self.clock.now();
            match result {
                Ok(0) => {
                    socket.read_closed = true;
                    self.node.handle_eof(now, conn);
                }
                Ok(n) => self.node.handle_input(now, conn, &self.buf[..n]),
                Err(error) if error.kind() == ErrorKind::WouldBlock => return,
                Err(error) if error.kind() == ErrorKind::Interrupted => {}
                Err(_) => {
                    self.remove(conn);
                    self.node.handle_closed(now, conn);
                    return;
                }
            }
        }
    }

    /// Carries out the node's output until it has nothing more.
    fn drain(&mut self) {
        drain_output(self);
    }

    /// Writes each connection's queued bytes until its socket would
    /// block (a writable event brings it back).
    fn write_all(&mut self) -> bool {
        let mut moved = false;
        let mut broken = Vec::new();
        for (&conn, socket) in &mut self.sockets {
            if socket.connecting {
                continue;
            }
            loop {
                let queued = self.node.transmit_slice(conn);
                if queued.is_empty() {
                    break;
                }
                match socket.stream.write(queued) {
                    Ok(0) => {
                        broken.push(conn);
                        break;
                    }
                    Ok(n) => {
                        self.node.advance_transmit(conn, n);
                        moved = true;
                    }
                    Err(error) if error.kind() == ErrorKind::WouldBlock => break,
                    Err(error) if error.kind() == ErrorKind::Interrupted => {}
                    Err(_) => {
                        broken.push(conn);
                        break;
                    }
                }
            }
        }
        for conn in broken {
            self.remove(conn);
            let now = self.clock.now();
            self.node.handle_closed(now, conn);
            moved = true;
        }
        moved
    }

    fn act(&mut self, action: Action) {
        let now = self.clock.now();
        match action {
            Action::Dial { conn, addr, via } => {
                let target = match via {
                    Via::Socks5 => self.config.socks5_proxy,
                    Via::Direct => addr.socket_addr(),
                };
                let Some(target) = target else {
                    let error = match via {
                        Via::Socks5 => DialError::NoProxy,
                        Via::Direct => DialError::Unreachable,
                    };
                    return self.node.dial_failed(now, conn, error);
                };
                match TcpStream::connect(target) {
                    Ok(stream) => self.add_socket(conn, stream, true),
                    Err(error) => self.node.dial_failed(now, conn, DialError::from(&error)),
                }
            }
            Action::Close { conn } => {
                // The node handed over every byte it meant to send.
                if let Some(mut socket) = self.remove(conn) {
                    let _ = socket.stream.flush();
                    let _ = socket.stream.shutdown(std::net::Shutdown::Write);
                }
            }
        }
    }

    fn remove(&mut self, conn: ConnId) -> Option<Socket> {
        let mut socket = self.sockets.remove(&conn)?;
        let _ = self.poll.registry().deregister(&mut socket.stream);
        Some(socket)
    }
}

impl ShellIo for MioNode {
    fn node(&mut self) -> &mut Node {
        &mut self.node
    }

    fn act(&mut self, action: Action) {
        MioNode::act(self, action);
    }

    fn emit(&mut self, event: NodeEvent) {
        let _ = self.events.send(event);
    }

    fn write_queued(&mut self) -> bool {
        self.write_all()
    }
}
