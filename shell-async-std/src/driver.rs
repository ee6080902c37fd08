//! The driver: one future that owns the node, its listeners and sockets,
//! and drives the node by its contract on async-io's reactor.

use std::collections::HashMap;
use std::future::Future;
use std::io::{self, ErrorKind};
use std::net::{SocketAddr, TcpListener};
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use async_io::{Async, Timer};
use futures_lite::Stream;
use veil_core::node::{
    drain_output, Action, ConnId, DialError, Node, NodeEvent, PeerAddr, Reached, ShellIo,
};

use veil_carrier::{Carrier, DialCarriers};

use crate::carrier::BoxedStream;
use crate::carrier::{dial, upgrade, DialPlan};
use crate::handle::{AsyncHandle, Command};
use crate::io::{Opener, ReadTurn, Socket};
use crate::ready::{Key, ReadyQueue};
use crate::{AsyncConfig, Clock};

/// Bytes read at once.
const READ_CHUNK: usize = 256 * 1024;
/// Passes over the ready sockets in one poll before the driver yields to
/// the executor's other tasks.
const PASSES_PER_POLL: usize = 32;
/// How often the node hears the wall clock.
const WALL_CLOCK_EVERY: Duration = Duration::from_secs(10);
/// How long a listener rests after an accept error such as "too many
/// open files", instead of spinning on it.
const ACCEPT_PAUSE: Duration = Duration::from_millis(100);

/// What the application keeps of a started node.
///
/// See the [crate docs](crate) for an example.
pub struct Running {
    /// Commands to the node, from any task or thread.
    pub handle: AsyncHandle,
    /// Everything the node reports, in order (unbounded: read it).
    pub events: async_channel::Receiver<NodeEvent>,
    /// The listeners' bound addresses and carriers, in the order given.
    pub local_addrs: Vec<(SocketAddr, Carrier)>,
}

struct Listener {
    socket: Async<TcpListener>,
    carrier: Carrier,
    waker: Waker,
    /// After an accept error: not polled again before this.
    paused_until: Option<std::time::Instant>,
}

/// The node's driver: a future to run on any executor (async-std, smol,
/// or `futures_lite::future::block_on`). It completes after a shutdown.
///
/// See the [crate docs](crate) for an example.
#[must_use = "the node runs only while its driver is polled"]
pub struct Driver {
    node: Node,
    clock: Clock,
    config: AsyncConfig,
    listeners: Vec<Listener>,
    sockets: HashMap<ConnId, Socket>,
    /// Closed by the node; flushing and closing their streams.
    closing: HashMap<ConnId, Socket>,
    dials: HashMap<ConnId, Opener>,
    /// Inbound sockets in their carrier handshake, by number.
    accepts: HashMap<u64, (Opener, SocketAddr)>,
    next_accept: u64,
    /// The carrier to dial each address with (set by `connect`).
    dial_carriers: DialCarriers,
    /// Boxed: a receiver is not `Unpin` (it may hold a listener).
    commands: Pin<Box<async_channel::Receiver<Command>>>,
    events: async_channel::Sender<NodeEvent>,
    ready: ReadyQueue,
    timer: Timer,
    wall_at: std::time::Instant,
    stop_by: Option<std::time::Instant>,
    started: bool,
    buf: Vec<u8>,
}

impl Driver {
    /// Binds the listeners and returns the driver with the application's
    /// side. Nothing happens until the driver is polled.
    ///
    /// See the [crate docs](crate) for an example.
    pub fn new(node: Node, clock: Clock, config: AsyncConfig) -> io::Result<(Running, Driver)> {
        let ready = ReadyQueue::default();
        let mut listeners = Vec::new();
        let mut local_addrs = Vec::new();
        for (index, &(addr, carrier)) in config.listen.iter().enumerate() {
            let socket = Async::<TcpListener>::bind(addr)?;
            local_addrs.push((socket.get_ref().local_addr()?, carrier));
            listeners.push(Listener {
                socket,
                carrier,
                waker: ready.waker(Key::Listener(index)),
                paused_until: None,
            });
        }
        let (commands_tx, commands) = async_channel::unbounded();
        let (events, events_rx) = async_channel::unbounded();
        let driver = Driver {
            node,
            clock,
            config,
            listeners,
            sockets: HashMap::new(),
            closing: HashMap::new(),
            dials: HashMap::new(),
            accepts: HashMap::new(),
            next_accept: 0,
            dial_carriers: DialCarriers::default(),
            commands: Box::pin(commands),
            events,
            ready,
            timer: Timer::never(),
            wall_at: std::time::Instant::now() + WALL_CLOCK_EVERY,
            stop_by: None,
            started: false,
            buf: vec![0u8; READ_CHUNK],
        };
        let running = Running {
            handle: AsyncHandle {
                commands: commands_tx,
            },
            events: events_rx,
            local_addrs,
        };
        Ok((running, driver))
    }

    fn on_command(&mut self, command: Command) {
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
                let result = self.node.connect(now, target.addr, peer_id, kind);
                let _ = reply.try_send(result);
            }
            Command::Shutdown => {
                if self.stop_by.is_none() {
                    self.node.shutdown(now);
                    self.listeners.clear();
                    self.stop_by = Some(std::time::Instant::now() + self.config.shutdown_grace);
                }
            }
        }
    }

    fn on_ready(&mut self, key: Key) {
        match key {
            Key::Listener(index) => self.accept(index),
            Key::Accept(number) => self.poll_accept(number),
            Key::Conn(conn) if self.dials.contains_key(&conn) => self.poll_dial(conn),
            Key::Conn(conn) if self.closing.contains_key(&conn) => self.poll_closing(conn),
            Key::Conn(conn) => self.service(conn),
        }
    }

    fn accept(&mut self, index: usize) {
        loop {
            let Some(listener) = self.listeners.get_mut(index) else {
                return;
            };
            if listener
                .paused_until
                .is_some_and(|until| std::time::Instant::now() < until)
            {
                return;
            }
            listener.paused_until = None;
            let (stream, remote) = match listener.socket.get_ref().accept() {
                Ok(accepted) => accepted,
                Err(error) if error.kind() == ErrorKind::WouldBlock => {
                    let mut cx = Context::from_waker(&listener.waker);
                    match listener.socket.poll_readable(&mut cx) {
                        Poll::Ready(_) => continue,
                        Poll::Pending => return,
                    }
                }
                // The peer gave up before we took it: the next one.
                Err(error) if error.kind() == ErrorKind::ConnectionAborted => continue,
                Err(_) => {
                    listener.paused_until = Some(std::time::Instant::now() + ACCEPT_PAUSE);
                    return;
                }
            };
            let carrier = listener.carrier;
            let Ok(stream) = Async::new(stream) else {
                continue;
            };
            let _ = stream.get_ref().set_nodelay(true);
            if carrier == Carrier::Tcp {
                self.admit(remote, Box::pin(stream));
            } else if self.accepts.len() < self.config.max_pending_accepts {
                let number = self.next_accept;
                self.next_accept += 1;
                let opener = Opener {
                    opening: upgrade(
                        carrier,
                        stream,
                        self.config.server_carrier.clone(),
                        self.config.carrier_handshake_timeout,
                    ),
                    waker: self.ready.waker(Key::Accept(number)),
                };
                self.accepts.insert(number, (opener, remote));
                self.ready.push(Key::Accept(number));
            }
        }
    }

    /// An inbound stream is ready (its carrier's handshake done): the
    /// node decides whether to admit the peer.
    fn admit(&mut self, remote: SocketAddr, stream: BoxedStream) {
        let now = self.clock.now();
        if let Ok(conn) = self
            .node
            .accept(now, PeerAddr::from(remote), Reached::Direct)
        {
            self.attach(conn, stream);
        }
        self.drain();
    }

    fn poll_accept(&mut self, number: u64) {
        let Some((opener, _)) = self.accepts.get_mut(&number) else {
            return;
        };
        let Poll::Ready(result) = opener.poll() else {
            return;
        };
        let Some((_, remote)) = self.accepts.remove(&number) else {
            return;
        };
        // A failed or slow handshake is not a peer yet: nothing to tell.
        if let Ok(stream) = result {
            self.admit(remote, stream);
        }
    }

    fn attach(&mut self, conn: ConnId, stream: BoxedStream) {
        let waker = self.ready.waker(Key::Conn(conn));
        self.sockets.insert(conn, Socket::new(stream, waker));
        // Its first read registers the socket's waker.
        self.ready.push(Key::Conn(conn));
    }

    fn poll_closing(&mut self, conn: ConnId) {
        if let Some(socket) = self.closing.get_mut(&conn) {
            if socket.poll_finish().is_ready() {
                self.closing.remove(&conn);
            }
        }
    }

    fn poll_dial(&mut self, conn: ConnId) {
        let Some(opener) = self.dials.get_mut(&conn) else {
            return;
        };
        let Poll::Ready(result) = opener.poll() else {
            return;
        };
        self.dials.remove(&conn);
        let now = self.clock.now();
        match result {
            // The node may have given up on this dial meanwhile.
            Ok(stream) if self.node.peer(conn).is_some() => {
                self.attach(conn, stream);
                self.node.dial_opened(now, conn);
            }
            Ok(_) => {}
            Err(error) => self.node.dial_failed(now, conn, DialError::from(&error)),
        }
    }

    /// A socket woke: read a turn, and let writes try again.
    fn service(&mut self, conn: ConnId) {
        let Some(socket) = self.sockets.get_mut(&conn) else {
            return;
        };
        socket.blocked = false;
        let clock = &self.clock;
        match socket.read_turn(&mut self.node, conn, &mut self.buf, || clock.now()) {
            ReadTurn::Drained => {}
            ReadTurn::MoreLeft => self.ready.push(Key::Conn(conn)),
            ReadTurn::Broken => self.broken(conn),
        }
    }

    /// A socket failed: forget it and tell the node.
    fn broken(&mut self, conn: ConnId) {
        if self.sockets.remove(&conn).is_some() {
            let now = self.clock.now();
            self.node.handle_closed(now, conn);
        }
    }

    /// Carries out the node's output until it has nothing more.
    fn drain(&mut self) {
        drain_output(self);
    }

    /// Writes each connection's queued bytes until its socket would block
    /// (its waker brings it back).
    fn write_all(&mut self) -> bool {
        let mut moved = false;
        let mut broken = Vec::new();
        for (&conn, socket) in &mut self.sockets {
            if socket.blocked {
                continue;
            }
            match socket.write_out(&mut self.node, conn) {
                Ok(wrote) => moved |= wrote,
                Err(()) => broken.push(conn),
            }
        }
        for conn in broken {
            self.broken(conn);
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
                match target {
                    Ok((socket, carrier)) => {
                        let plan = DialPlan {
                            socket,
                            carrier,
                            connect_timeout: self.config.connect_timeout,
                            handshake_timeout: self.config.carrier_handshake_timeout,
                        };
                        let opener = Opener {
                            opening: dial(plan, self.config.client_carrier.clone()),
                            waker: self.ready.waker(Key::Conn(conn)),
                        };
                        self.dials.insert(conn, opener);
                        self.ready.push(Key::Conn(conn));
                    }
                    Err(error) => self.node.dial_failed(now, conn, error),
                }
            }
            Action::Close { conn } => {
                self.dials.remove(&conn);
                // The node handed over every byte it meant to send; the
                // carrier may still buffer some, then closes its way.
                if let Some(socket) = self.sockets.remove(&conn) {
                    self.closing.insert(conn, socket);
                    self.ready.push(Key::Conn(conn));
                }
            }
        }
    }

    /// The earliest moment the driver must look again without a wake-up.
    fn next_wake(&self) -> std::time::Instant {
        let mut wake = self.wall_at;
        if let Some((at, _)) = self.node.poll_timeout() {
            wake = wake.min(self.clock.to_std(at));
        }
        if let Some(at) = self.stop_by {
            wake = wake.min(at);
        }
        for listener in &self.listeners {
            if let Some(at) = listener.paused_until {
                wake = wake.min(at);
            }
        }
        wake
    }

    /// Feeds the node the deadlines that passed. True if any did.
    fn on_time(&mut self) -> bool {
        let now_std = std::time::Instant::now();
        let mut fired = false;
        if self
            .node
            .poll_timeout()
            .is_some_and(|(at, _)| self.clock.to_std(at) <= now_std)
        {
            self.node.handle_timeout(self.clock.now());
            fired = true;
        }
        if self.wall_at <= now_std {
            self.node
                .set_wall_clock(self.clock.now(), self.clock.wall());
            self.wall_at = now_std + WALL_CLOCK_EVERY;
            fired = true;
        }
        for index in 0..self.listeners.len() {
            if self.listeners[index]
                .paused_until
                .is_some_and(|at| at <= now_std)
            {
                self.ready.push(Key::Listener(index));
            }
        }
        fired
    }

    fn stopped(&self) -> bool {
        self.stop_by
            .is_some_and(|by| self.node.is_idle() || by <= std::time::Instant::now())
    }

    /// After the loop: every stream closed as far as it goes without
    /// waiting (the grace is over), then dropped.
    fn finish(&mut self) {
        for (_, mut socket) in self.sockets.drain().chain(self.closing.drain()) {
            let _ = socket.poll_finish();
        }
        self.dials.clear();
        self.accepts.clear();
        self.listeners.clear();
    }
}

impl Future for Driver {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        this.ready.set_task(cx.waker());
        if !this.started {
            this.started = true;
            for index in 0..this.listeners.len() {
                this.ready.push(Key::Listener(index));
            }
            this.drain();
        }
        for _ in 0..PASSES_PER_POLL {
            let mut worked = false;
            while let Poll::Ready(Some(command)) = this.commands.as_mut().poll_next(cx) {
                this.on_command(command);
                this.drain();
                worked = true;
            }
            for key in this.ready.take() {
                this.on_ready(key);
                this.drain();
                worked = true;
            }
            worked |= this.on_time();
            this.drain();
            if this.stopped() {
                this.finish();
                return Poll::Ready(());
            }
            if !worked {
                this.timer.set_at(this.next_wake());
                if Pin::new(&mut this.timer).poll(cx).is_ready() {
                    cx.waker().wake_by_ref();
                }
                return Poll::Pending;
            }
        }
        // Still busy: let the executor run others, then come back.
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

impl ShellIo for Driver {
    fn node(&mut self) -> &mut Node {
        &mut self.node
    }

    fn act(&mut self, action: Action) {
        Driver::act(self, action);
    }

    fn emit(&mut self, event: NodeEvent) {
        let _ = self.events.try_send(event);
    }

    fn write_queued(&mut self) -> bool {
        self.write_all()
    }
}
