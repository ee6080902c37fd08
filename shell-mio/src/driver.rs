//! The node thread: one `mio::Poll` over the listeners, the sockets
//! (opening and open) and a waker for commands, driving the node by its
//! contract.

use std::collections::HashMap;
use std::io::{self, ErrorKind, Read, Write};
use std::net::SocketAddr;
use std::sync::mpsc;
use std::sync::Arc;
use std::thread::JoinHandle;

use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token, Waker};
use veil_carrier::{Carrier, DialCarriers};
use veil_core::node::{
    drain_output, Action, ConnId, DialError, Node, NodeEvent, PeerAddr, Reached, ShellIo,
};

use crate::carrier::{Side, Step, Stream};
use crate::handle::{Command, MioHandle};
use crate::opening::{Opening, Purpose};
use crate::{Clock, MioConfig};

/// The waker's token; listeners count up from 1; sockets take tokens
/// from `FIRST_SOCKET` on, never reused.
const WAKER: Token = Token(0);
const FIRST_SOCKET: usize = 1 << 16;
/// Bytes read at once.
const READ_CHUNK: usize = 256 * 1024;
/// Bytes offered to a socket in one write (a WebSocket message each).
const WRITE_CHUNK: usize = 256 * 1024;

/// A running node thread.
///
/// See the [crate docs](crate) for an example.
pub struct Running {
    /// Commands to the node, from any thread.
    pub handle: MioHandle,
    /// Everything the node reports, in order (unbounded: read it).
    pub events: mpsc::Receiver<NodeEvent>,
    /// The listeners' bound addresses and carriers, in the order given.
    pub local_addrs: Vec<(SocketAddr, Carrier)>,
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

/// One open connection's stream.
struct Socket {
    token: Token,
    stream: Stream,
    /// The peer ended its side; not read again.
    read_closed: bool,
    /// Written since the last flush (TLS records, WebSocket frames).
    unflushed: bool,
}

/// The node thread's state.
pub struct MioNode {
    node: Node,
    clock: Clock,
    poll: Poll,
    listeners: Vec<(TcpListener, Carrier)>,
    /// Sockets in their TCP connect or carrier handshake.
    openings: HashMap<Token, Opening>,
    /// The opening socket of each dial.
    dial_tokens: HashMap<ConnId, Token>,
    sockets: HashMap<ConnId, Socket>,
    by_token: HashMap<Token, ConnId>,
    /// The carrier to dial each address with (set by `connect`).
    dial_carriers: DialCarriers,
    next_token: usize,
    commands: mpsc::Receiver<Command>,
    events: mpsc::Sender<NodeEvent>,
    config: MioConfig,
    stop_at: Option<std::time::Instant>,
    buf: Vec<u8>,
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
        for (i, &(addr, carrier)) in config.listen.iter().enumerate() {
            let mut listener = TcpListener::bind(addr)?;
            poll.registry()
                .register(&mut listener, Token(1 + i), Interest::READABLE)?;
            local_addrs.push((listener.local_addr()?, carrier));
            listeners.push((listener, carrier));
        }
        let (commands_tx, commands) = mpsc::channel();
        let (events, events_rx) = mpsc::channel();
        let mut driver = MioNode {
            node,
            clock,
            poll,
            listeners,
            openings: HashMap::new(),
            dial_tokens: HashMap::new(),
            sockets: HashMap::new(),
            by_token: HashMap::new(),
            dial_carriers: DialCarriers::default(),
            next_token: FIRST_SOCKET,
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
            let timeout = self
                .next_wake()
                .map(|at| at.saturating_duration_since(std::time::Instant::now()));
            if let Err(error) = self.poll.poll(&mut events, timeout) {
                if error.kind() != ErrorKind::Interrupted {
                    return;
                }
            }
            for event in events.iter() {
                match event.token() {
                    WAKER => self.take_commands(),
                    Token(n) if n < FIRST_SOCKET => self.accept(n - 1),
                    token => self.socket_ready(token),
                }
                self.drain();
            }
            let now = self.clock.now();
            if self.node.poll_timeout().is_some_and(|(at, _)| at <= now) {
                self.node.handle_timeout(now);
            }
            self.expire_accepts();
            self.drain();
            if let Some(stop_at) = self.stop_at {
                if self.node.is_idle() || std::time::Instant::now() >= stop_at {
                    self.finish();
                    return;
                }
            }
        }
    }

    /// The node's deadline, the shutdown's, or the first inbound
    /// handshake's, whichever comes first.
    fn next_wake(&self) -> Option<std::time::Instant> {
        let node = self
            .node
            .poll_timeout()
            .map(|(at, _)| self.clock.to_std(at));
        let accepts = self.openings.values().filter_map(|o| o.deadline).min();
        [node, self.stop_at, accepts].into_iter().flatten().min()
    }

    fn take_commands(&mut self) {
        while let Ok(command) = self.commands.try_recv() {
            let now = self.clock.now();
            match command {
                Command::Call(call) => call(&mut self.node, now),
                Command::Connect {
                    target,
                    peer_id,
                    kind,
                    reply,
                } => {
                    self.dial_carriers.set(target.addr.clone(), target.carrier);
                    let _ = reply.send(self.node.connect(now, target.addr, peer_id, kind));
                }
                Command::Shutdown => {
                    if self.stop_at.is_none() {
                        self.node.shutdown(now);
                        for (mut listener, _) in self.listeners.drain(..) {
                            let _ = self.poll.registry().deregister(&mut listener);
                        }
                        self.stop_at = Some(std::time::Instant::now() + self.config.shutdown_grace);
                    }
                }
            }
            self.drain();
        }
    }

    fn new_token(&mut self) -> Token {
        self.next_token += 1;
        Token(self.next_token)
    }

    fn accept(&mut self, index: usize) {
        loop {
            let Some((listener, carrier)) = self.listeners.get(index) else {
                return;
            };
            let carrier = *carrier;
            let (mut tcp, remote) = match listener.accept() {
                Ok(accepted) => accepted,
                Err(error) if error.kind() == ErrorKind::ConnectionAborted => continue,
                // Would block, or out of descriptors: the next event.
                Err(_) => return,
            };
            if self.openings.len() >= self.config.max_pending_accepts {
                continue;
            }
            let _ = tcp.set_nodelay(true);
            let token = self.new_token();
            let interest = Interest::READABLE | Interest::WRITABLE;
            if self
                .poll
                .registry()
                .register(&mut tcp, token, interest)
                .is_err()
            {
                continue;
            }
            let side = Side::Server(self.config.server_carrier.clone());
            let deadline = std::time::Instant::now() + self.config.carrier_handshake_timeout;
            if let Ok(opening) = Opening::accept(remote, tcp, carrier, side, deadline) {
                self.openings.insert(token, opening);
                self.advance(token);
            }
            self.drain();
        }
    }

    /// Inbound handshakes that ran out of time are dropped (not a peer
    /// yet: nothing to tell the node).
    fn expire_accepts(&mut self) {
        let now = std::time::Instant::now();
        let expired: Vec<Token> = self
            .openings
            .iter()
            .filter(|(_, opening)| opening.deadline.is_some_and(|at| at <= now))
            .map(|(&token, _)| token)
            .collect();
        for token in expired {
            self.drop_opening(token);
        }
    }

    /// Forgets an opening socket, taking it out of the poll first.
    fn drop_opening(&mut self, token: Token) {
        if let Some(mut opening) = self.openings.remove(&token) {
            if let Some(tcp) = opening.tcp_mut() {
                let _ = self.poll.registry().deregister(tcp);
            }
        }
    }

    fn socket_ready(&mut self, token: Token) {
        if self.openings.contains_key(&token) {
            self.advance(token);
        } else if let Some(&conn) = self.by_token.get(&token) {
            self.read(conn);
        }
    }

    /// Moves an opening socket on; once open, the node hears of it.
    fn advance(&mut self, token: Token) {
        let Some(opening) = self.openings.get_mut(&token) else {
            return;
        };
        let step = opening.advance();
        let purpose = opening.purpose;
        if matches!(step, Step::Pending) {
            return;
        }
        self.openings.remove(&token);
        let now = self.clock.now();
        match (step, purpose) {
            (Step::Pending, _) => {}
            (Step::Failed(error), Purpose::Dial(conn)) => {
                self.dial_tokens.remove(&conn);
                self.node.dial_failed(now, conn, DialError::from(&error));
            }
            // A failed handshake is not a peer yet.
            (Step::Failed(_), Purpose::Accept(_)) => {}
            (Step::Open(stream), Purpose::Dial(conn)) => {
                self.dial_tokens.remove(&conn);
                if self.node.peer(conn).is_some() {
                    self.attach(conn, token, stream);
                    self.node.dial_opened(now, conn);
                    self.read(conn);
                }
            }
            (Step::Open(stream), Purpose::Accept(remote)) => {
                if let Ok(conn) = self
                    .node
                    .accept(now, PeerAddr::from(remote), Reached::Direct)
                {
                    self.attach(conn, token, stream);
                    self.read(conn);
                }
            }
        }
    }

    fn attach(&mut self, conn: ConnId, token: Token, stream: Stream) {
        self.by_token.insert(token, conn);
        self.sockets.insert(
            conn,
            Socket {
                token,
                stream,
                read_closed: false,
                unflushed: false,
            },
        );
    }

    fn read(&mut self, conn: ConnId) {
        loop {
            let Some(socket) = self.sockets.get_mut(&conn) else {
                return;
            };
            if socket.read_closed {
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
    /// block (a writable event brings it back), then flushes what the
    /// carrier buffers.
    fn write_all(&mut self) -> bool {
        let mut moved = false;
        let mut broken = Vec::new();
        for (&conn, socket) in &mut self.sockets {
            match write_out(&mut self.node, conn, socket) {
                Ok(wrote) => moved |= wrote,
                Err(()) => broken.push(conn),
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
                let target = self
                    .dial_carriers
                    .resolve(&addr, via, self.config.socks5_proxy);
                let (socket, carrier) = match target {
                    Ok(target) => target,
                    Err(error) => return self.node.dial_failed(now, conn, error),
                };
                let mut tcp = match TcpStream::connect(socket) {
                    Ok(tcp) => tcp,
                    Err(error) => return self.node.dial_failed(now, conn, DialError::from(&error)),
                };
                let token = self.new_token();
                let interest = Interest::READABLE | Interest::WRITABLE;
                if let Err(error) = self.poll.registry().register(&mut tcp, token, interest) {
                    return self.node.dial_failed(now, conn, DialError::from(&error));
                }
                let side = Side::Client {
                    carrier: self.config.client_carrier.clone(),
                    host: socket.ip().to_string(),
                };
                self.openings
                    .insert(token, Opening::dial(conn, tcp, carrier, side));
                self.dial_tokens.insert(conn, token);
            }
            Action::Close { conn } => {
                if let Some(token) = self.dial_tokens.remove(&conn) {
                    self.drop_opening(token);
                }
                // The node handed over every byte it meant to send.
                if let Some(mut socket) = self.remove(conn) {
                    let _ = socket.stream.flush();
                    socket.stream.close();
                }
            }
        }
    }

    fn remove(&mut self, conn: ConnId) -> Option<Socket> {
        let mut socket = self.sockets.remove(&conn)?;
        self.by_token.remove(&socket.token);
        let _ = self.poll.registry().deregister(socket.stream.tcp_mut());
        Some(socket)
    }

    /// After the loop: every stream closed its carrier's way.
    fn finish(&mut self) {
        for (_, mut socket) in self.sockets.drain() {
            let _ = socket.stream.flush();
            socket.stream.close();
            let _ = self.poll.registry().deregister(socket.stream.tcp_mut());
        }
        let tokens: Vec<Token> = self.openings.keys().copied().collect();
        for token in tokens {
            self.drop_opening(token);
        }
        self.by_token.clear();
    }
}

/// Writes what the node queued for `conn` until the socket would block
/// or the queue is empty, then flushes the carrier's buffer. `Ok(true)`
/// if any byte moved; `Err` if the socket failed.
fn write_out(node: &mut Node, conn: ConnId, socket: &mut Socket) -> Result<bool, ()> {
    let mut moved = false;
    loop {
        let queued = node.transmit_slice(conn);
        if queued.is_empty() {
            break;
        }
        let take = queued.len().min(WRITE_CHUNK);
        match socket.stream.write(&queued[..take]) {
            Ok(0) => return Err(()),
            Ok(n) => {
                node.advance_transmit(conn, n);
                socket.unflushed = true;
                moved = true;
            }
            Err(error) if error.kind() == ErrorKind::WouldBlock => return Ok(moved),
            Err(error) if error.kind() == ErrorKind::Interrupted => {}
            Err(_) => return Err(()),
        }
    }
    if socket.unflushed {
        match socket.stream.flush() {
            Ok(()) => socket.unflushed = false,
            Err(error) if error.kind() == ErrorKind::WouldBlock => {}
            Err(_) => return Err(()),
        }
    }
    Ok(moved)
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
