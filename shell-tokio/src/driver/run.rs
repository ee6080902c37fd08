//! The driver task's loop.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use tokio::io::{AsyncWrite, WriteHalf};
use tokio::sync::mpsc;
use tokio::task::{AbortHandle, JoinHandle};
use veil_core::node::{drain_output, Action, ConnId, Node, NodeEvent, PeerAddr, ShellIo, Via};
use veil_core::Instant;

use veil_carrier::DialCarriers;

use super::dial::{dial, DialPlan};
use super::handle::{Command, Ctx, NodeHandle};
use super::io::{finish_writing, read_loop, WritableWaker};
use super::listen::accept_loop;
use super::{DriverConfig, Input, Running};
use crate::carrier::{BoxedStream, Carrier};
use crate::clock::{to_std_duration, Clock};

/// Inputs handled before the node's output is drained again.
const BATCH: usize = 64;
/// Bytes offered to a socket in one write.
const WRITE_CHUNK: usize = 256 * 1024;
/// Capacity of the shared input channel (readers wait when it is full).
const INPUT_QUEUE: usize = 1024;
/// How often the node hears the wall clock.
const WALL_CLOCK_EVERY: std::time::Duration = std::time::Duration::from_secs(10);

/// One connection's socket: its write half (written by the driver task
/// itself) and its reader task.
struct Socket {
    writer: WriteHalf<BoxedStream>,
    /// Registered by every write that returns `Pending`.
    waker: Waker,
    /// The last write returned `Pending`: wait for the waker.
    blocked: bool,
    /// Written since the last flush (TLS and WebSocket buffer).
    unflushed: bool,
    reader: AbortHandle,
    carrier: Carrier,
}

struct Driver {
    node: Node,
    clock: Clock,
    config: DriverConfig,
    sockets: HashMap<ConnId, Socket>,
    carriers: HashMap<ConnId, Carrier>,
    dial_carriers: DialCarriers,
    inputs_tx: mpsc::Sender<Input>,
    writable_tx: mpsc::UnboundedSender<ConnId>,
    events: mpsc::UnboundedSender<NodeEvent>,
    listeners: Vec<AbortHandle>,
    /// Set by a shutdown: when the grace ends, whatever is left is cut.
    stop_by: Option<std::time::Instant>,
    /// Closed connections' last flushes and shutdowns.
    closing: Vec<JoinHandle<()>>,
}

pub(super) fn start(node: Node, clock: Clock, mut config: DriverConfig) -> Running {
    let (inputs_tx, inputs_rx) = mpsc::channel(INPUT_QUEUE);
    let (writable_tx, writable_rx) = mpsc::unbounded_channel();
    let (commands_tx, commands_rx) = mpsc::unbounded_channel();
    let (events_tx, events_rx) = mpsc::unbounded_channel();
    let local_addrs: Vec<_> = config
        .listeners
        .iter()
        .filter_map(|l| l.tcp.local_addr().ok().map(|a| (a, l.carrier)))
        .collect();
    let listeners = std::mem::take(&mut config.listeners)
        .into_iter()
        .map(|listener| {
            let task = accept_loop(
                listener,
                config.server_carrier.clone(),
                config.carrier_handshake_timeout,
                inputs_tx.clone(),
            );
            tokio::spawn(task).abort_handle()
        })
        .collect();
    let handle = NodeHandle {
        commands: commands_tx,
        peer_id: node.peer_id(),
        local_addrs: Arc::new(local_addrs.clone()),
    };
    let driver = Driver {
        node,
        clock,
        config,
        sockets: HashMap::new(),
        carriers: HashMap::new(),
        dial_carriers: DialCarriers::default(),
        inputs_tx,
        writable_tx,
        events: events_tx,
        listeners,
        stop_by: None,
        closing: Vec::new(),
    };
    let task = tokio::spawn(driver.run(inputs_rx, writable_rx, commands_rx));
    Running {
        handle,
        events: events_rx,
        task,
        local_addrs,
    }
}

impl Driver {
    async fn run(
        mut self,
        mut inputs: mpsc::Receiver<Input>,
        mut writable: mpsc::UnboundedReceiver<ConnId>,
        mut commands: mpsc::UnboundedReceiver<Command>,
    ) {
        let mut commands_open = true;
        let mut save_at = std::time::Instant::now() + self.config.save_interval;
        let mut wall_at = std::time::Instant::now() + WALL_CLOCK_EVERY;
        self.drain();
        loop {
            let node_deadline = self
                .node
                .poll_timeout()
                .map(|(at, _)| self.clock.to_std(at));
            let mut wake = save_at.min(wall_at);
            if let Some(at) = node_deadline {
                wake = wake.min(at);
            }
            if let Some(at) = self.stop_by {
                wake = wake.min(at);
            }
            tokio::select! {
                biased;
                command = commands.recv(), if commands_open => match command {
                    Some(command) => self.on_command(command),
                    None => commands_open = false,
                },
                Some(conn) = writable.recv() => {
                    self.unblock(conn);
                    while let Ok(conn) = writable.try_recv() {
                        self.unblock(conn);
                    }
                }
                Some(input) = inputs.recv() => {
                    self.on_input(input);
                    for _ in 1..BATCH {
                        match inputs.try_recv() {
                            Ok(input) => self.on_input(input),
                            Err(_) => break,
                        }
                    }
                }
                () = tokio::time::sleep_until(wake.into()) => {}
            }
            let now_std = std::time::Instant::now();
            if node_deadline.is_some_and(|at| at <= now_std) {
                let now = self.clock.now();
                self.node.handle_timeout(now);
            }
            if wall_at <= now_std {
                let now = self.clock.now();
                self.node.set_wall_clock(now, self.clock.wall());
                wall_at = now_std + WALL_CLOCK_EVERY;
            }
            if save_at <= now_std {
                self.save();
                save_at = now_std + self.config.save_interval;
            }
            self.drain();
            if let Some(stop_by) = self.stop_by {
                if self.node.is_idle() || stop_by <= now_std {
                    break;
                }
            }
        }
        self.finish().await;
    }

    fn now(&self) -> Instant {
        self.clock.now()
    }

    fn on_command(&mut self, command: Command) {
        match command {
            Command::Call(call) => {
                let now = self.now();
                let mut ctx = Ctx {
                    node: &mut self.node,
                    now,
                    carriers: &self.carriers,
                    dial_carriers: &mut self.dial_carriers,
                };
                call(&mut ctx);
            }
            Command::Shutdown => {
                if self.stop_by.is_none() {
                    let now = self.now();
                    self.node.shutdown(now);
                    for listener in self.listeners.drain(..) {
                        listener.abort();
                    }
                    self.stop_by = Some(std::time::Instant::now() + self.config.shutdown_grace);
                }
            }
        }
    }

    fn on_input(&mut self, input: Input) {
        let now = self.now();
        match input {
            Input::Accepted {
                stream,
                remote,
                carrier,
                reached,
            } => match self.node.accept(now, PeerAddr::from(remote), reached) {
                Ok(conn) => self.attach(conn, stream, carrier),
                Err(refusal) => {
                    tracing::debug!(%remote, %carrier, %refusal, "inbound refused");
                }
            },
            Input::Dialed { conn, result } => match result {
                // The node may have given up on this dial meanwhile.
                Ok(stream) if self.node.peer(conn).is_some() => {
                    let carrier = self.pending_carrier(conn);
                    self.attach(conn, stream, carrier);
                    self.node.dial_opened(now, conn);
                }
                Ok(_) => {}
                Err(error) => self.node.dial_failed(now, conn, error),
            },
            Input::Data { conn, bytes } => {
                if self.sockets.contains_key(&conn) {
                    self.node.handle_input(now, conn, &bytes);
                }
            }
            Input::Eof { conn } => {
                if self.sockets.contains_key(&conn) {
                    self.node.handle_eof(now, conn);
                }
            }
            Input::Broken { conn } => self.broken(conn),
        }
    }

    /// A socket failed: forget it and tell the node.
    fn broken(&mut self, conn: ConnId) {
        if let Some(socket) = self.sockets.remove(&conn) {
            socket.reader.abort();
            self.carriers.remove(&conn);
            let now = self.now();
            self.node.handle_closed(now, conn);
        }
    }

    fn unblock(&mut self, conn: ConnId) {
        if let Some(socket) = self.sockets.get_mut(&conn) {
            socket.blocked = false;
        }
    }

    /// The carrier a dial of `conn` was started with.
    fn pending_carrier(&self, conn: ConnId) -> Carrier {
        self.node
            .peer(conn)
            .filter(|p| p.via == Via::Direct)
            .map(|p| self.dial_carriers.get(&p.addr))
            .unwrap_or_default()
    }

    /// Starts the socket tasks of a connection the node knows.
    fn attach(&mut self, conn: ConnId, stream: BoxedStream, carrier: Carrier) {
        let (reader, writer) = tokio::io::split(stream);
        let reader = tokio::spawn(read_loop(conn, reader, self.inputs_tx.clone())).abort_handle();
        let waker = Waker::from(Arc::new(WritableWaker {
            conn,
            notify: self.writable_tx.clone(),
        }));
        self.sockets.insert(
            conn,
            Socket {
                writer,
                waker,
                blocked: false,
                unflushed: false,
                reader,
                carrier,
            },
        );
        self.carriers.insert(conn, carrier);
    }

    /// Carries out the node's output until it has nothing more.
    fn drain(&mut self) {
        drain_output(self);
    }

    /// Writes queued bytes straight from the node's buffers to every
    /// socket that takes them; a socket that would block is left until
    /// its waker fires.
    fn flush(&mut self) -> bool {
        let mut moved = false;
        let mut broken = Vec::new();
        for (&conn, socket) in &mut self.sockets {
            if socket.blocked {
                continue;
            }
            match write_out(&mut self.node, conn, socket) {
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
        match action {
            Action::Dial { conn, addr, via } => self.start_dial(conn, addr, via),
            Action::Close { conn } => {
                if let Some(socket) = self.sockets.remove(&conn) {
                    socket.reader.abort();
                    tracing::trace!(%conn, carrier = %socket.carrier, "closed");
                    self.closing.retain(|task| !task.is_finished());
                    self.closing
                        .push(tokio::spawn(finish_writing(socket.writer)));
                }
                self.carriers.remove(&conn);
            }
        }
    }

    fn start_dial(&mut self, conn: ConnId, addr: PeerAddr, via: Via) {
        let now = self.now();
        let target = self
            .dial_carriers
            .resolve(&addr, via, self.config.socks5_proxy);
        let (socket, carrier) = match target {
            Ok(target) => target,
            Err(error) => return self.node.dial_failed(now, conn, error),
        };
        let plan = DialPlan {
            conn,
            socket,
            carrier,
            host: socket.ip().to_string(),
            timeout: self.config.connect_timeout,
        };
        let client = self.config.client_carrier.clone();
        tokio::spawn(dial(plan, client, self.inputs_tx.clone()));
    }

    fn save(&mut self) {
        if let Some(save) = &mut self.config.on_save {
            save(&self.node);
        }
    }

    /// After the loop: the last state saved, every socket closed after its
    /// queued bytes, the listeners gone.
    async fn finish(mut self) {
        self.save();
        for listener in self.listeners.drain(..) {
            listener.abort();
        }
        for (_, socket) in self.sockets.drain() {
            socket.reader.abort();
            self.closing
                .push(tokio::spawn(finish_writing(socket.writer)));
        }
        let grace = to_std_duration(veil_core::Duration::from_secs(2));
        for task in self.closing.drain(..) {
            let _ = tokio::time::timeout(grace, task).await;
        }
    }
}

/// Writes what the node queued for `conn` until the socket would block or
/// the queue is empty, then flushes the carrier's buffer. `Ok(true)` if
/// any byte moved; `Err` if the socket failed.
fn write_out(node: &mut Node, conn: ConnId, socket: &mut Socket) -> Result<bool, ()> {
    let mut cx = Context::from_waker(&socket.waker);
    let mut moved = false;
    loop {
        let queued = node.transmit_slice(conn);
        if queued.is_empty() {
            break;
        }
        let take = queued.len().min(WRITE_CHUNK);
        match Pin::new(&mut socket.writer).poll_write(&mut cx, &queued[..take]) {
            Poll::Ready(Ok(0) | Err(_)) => return Err(()),
            Poll::Ready(Ok(n)) => {
                node.advance_transmit(conn, n);
                socket.unflushed = true;
                moved = true;
            }
            Poll::Pending => {
                socket.blocked = true;
                return Ok(moved);
            }
        }
    }
    if socket.unflushed {
        match Pin::new(&mut socket.writer).poll_flush(&mut cx) {
            Poll::Ready(Ok(())) => socket.unflushed = false,
            Poll::Ready(Err(_)) => return Err(()),
            Poll::Pending => socket.blocked = true,
        }
    }
    Ok(moved)
}

impl ShellIo for Driver {
    fn node(&mut self) -> &mut Node {
        &mut self.node
    }

    fn act(&mut self, action: Action) {
        Driver::act(self, action);
    }

    fn emit(&mut self, event: NodeEvent) {
        let _ = self.events.send(event);
    }

    fn write_queued(&mut self) -> bool {
        self.flush()
    }
}
