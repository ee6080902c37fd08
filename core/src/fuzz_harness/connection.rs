//! The connection's harnesses: a fresh inbound [`Connection`] fed arbitrary
//! bytes, and a connected encrypted [`Pair`] driven by arbitrary operations.
//!
//! Both check the same promises after every call, once its transmit queue
//! and events are drained (see [`connection_handshake`] for the list), and
//! neither panics on anything a peer can do to a connection: a panic means
//! veil broke a promise.

use alloc::collections::VecDeque;
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use bytes::Bytes;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

use crate::connection::{
    CloseReason, Connection, ConnectionConfig, ConnectionState, Event, SendError, TransportKind,
};
use crate::identity::Identity;
use crate::message::{DisconnectReason, Message, MessageKind};
use crate::packet::{self, DecryptError};
use crate::testing::Pair;
use crate::time::{Duration, Instant, UnixTime};
use crate::wire::{UnknownCommandPolicy, COMMAND_LEN, GROWTH_STEP};

/// The seed of every connection and pair the harnesses build.
pub const CONNECTION_SEED: u64 = 0x7665_696c_6675_7a7a;

/// The wall-clock time at [`Instant::ZERO`] for the harnesses' connections.
pub const CONNECTION_WALL_CLOCK: UnixTime = UnixTime::from_secs(1_700_000_000);

/// The secret of the inbound identity [`connection_handshake`] uses.
const INBOUND_SECRET: [u8; 32] = [0x1b; 32];

/// Heap the transmit queue may keep once drained (it frees anything
/// larger when it empties).
const DRAINED_OUTBOX: usize = 1024;

/// Bytes a message costs on the encrypted transport beyond its payload:
/// length field, header byte and tag, message id and long-form command.
const MESSAGE_PACKET_OVERHEAD: usize = packet::PACKET_OVERHEAD + 1 + COMMAND_LEN;

/// How far the clock moves before each chunk of [`connection_handshake`],
/// in milliseconds, picked by bits 1-3 of its control byte. The handshake
/// timeout is 30 s.
const TIME_STEPS: [u64; 8] = [0, 1, 10, 100, 1_000, 5_000, 15_000, 31_000];

/// Deadlines [`connection_handshake`] lets pass at the end of its input, by
/// when a silent peer must have been dropped (handshake timeout, or ping,
/// pong timeout and close).
const FINAL_DEADLINES: usize = 8;

/// Exchanges after which a pair with nothing new to say must have gone
/// quiet (a ping and its pong, a rekey's three messages, a close).
const MAX_PUMP_ROUNDS: usize = 64;

/// Size of the buffer transmits are drained through.
const TRANSMIT_BUF: usize = 16 * 1024;

/// The configuration of the inbound connection of
/// [`connection_handshake`] for control byte `control`: the default, with
/// `accept_plaintext` if bit 0 is set and `check_self_connection` if bit 5
/// is.
///
/// # Example
///
/// ```
/// let config = veil_core::fuzz_harness::handshake_config(0x01);
/// assert!(config.accept_plaintext && !config.check_self_connection);
/// ```
#[must_use]
pub fn handshake_config(control: u8) -> ConnectionConfig {
    ConnectionConfig {
        accept_plaintext: control & 0x01 != 0,
        check_self_connection: control & 0x20 != 0,
        ..ConnectionConfig::default()
    }
}

/// The inbound connection [`connection_handshake`] feeds for control byte
/// `control`: made at [`Instant::ZERO`] with [`handshake_config`], a fixed
/// identity and an RNG seeded with [`CONNECTION_SEED`], so it answers the
/// same bytes the same way every time. Bytes a genuine outbound connection
/// sends to one of these (captured by running the two back to back) are
/// therefore a valid input for the harness: that is how the seed corpus's
/// complete handshakes were made.
///
/// # Example
///
/// ```
/// use veil_core::connection::ConnectionState;
/// let connection = veil_core::fuzz_harness::handshake_inbound(0);
/// assert_eq!(connection.state(), ConnectionState::Connecting);
/// assert!(!connection.is_outbound());
/// ```
#[must_use]
pub fn handshake_inbound(control: u8) -> Connection {
    let mut rng = ChaCha20Rng::seed_from_u64(CONNECTION_SEED);
    Connection::inbound(
        Arc::new(handshake_config(control)),
        &Identity::from_secret_bytes(INBOUND_SECRET),
        None,
        Instant::ZERO,
        CONNECTION_WALL_CLOCK,
        &mut rng,
    )
    .expect("the default configuration is valid")
}

/// Feeds arbitrary bytes to a fresh inbound connection
/// ([`handshake_inbound`]) in chunks, with the clock moving and deadlines
/// handled in between, then lets the deadlines pass; after every call,
/// with the transmit queue drained and every event polled, checks that:
/// - nothing panics;
/// - [`Connection::buffered_bytes`] stays within a bound computed from the
///   configuration: before the handshake completes,
///   `3 × max_handshake_bytes` (every input byte held was received, at most
///   `max_handshake_bytes` of them, in buffers that at most double, plus one
///   partial handshake-sized packet or frame); after it, the largest packet
///   or frame (`wire.max_payload_len` plus a packet's and a message id's
///   overhead) but never more than `2 × bytes received + 256 KiB` (a length
///   field alone does not reserve what it announces); plus in both cases
///   this side's own garbage (`max_garbage_len`) and the 1 KiB a drained
///   transmit queue may keep;
/// - events are well formed: `CheckNonce` only when configured and before
///   the handshake completed; one `HandshakeComplete` at most, consistent
///   with the transport (a peer id exactly when encrypted), the
///   configuration and the local nonce; `Message`, `Pong` and `Rekeyed`
///   only after it, never a `version`, `verack`, `ping` or `disconnect`
///   message, rekey generations counting up by one on the encrypted
///   transport only; one `Closed` at most, and nothing after it;
/// - the state agrees: `Closed` exactly once `Closed` came out, never
///   `Closing` once the transmit queue is drained, `Connected` exactly
///   between `HandshakeComplete` and the close; a deadline exactly until
///   closed, and after [`Connection::handle_timeout`] none that has passed;
/// - the connection closes when the input ends: at once on EOF or a local
///   close, otherwise within a few deadlines (a silent peer is dropped),
///   and once closed it ignores input, deadlines, EOF and close, and
///   transmits nothing.
///
/// The input: byte 0 is a control byte (bit 0: `accept_plaintext`;
/// bits 1-3: how far the clock moves before each chunk, 0 ms to 31 s;
/// bit 4: end with EOF; bit 7: end with a local close (if bit 4 is clear);
/// bit 5: `check_self_connection`, the check answered with bit 6 as "this
/// nonce is our own"). Byte 1 sets the chunk sizes: 255 feeds the stream
/// whole, a value `c` below that cuts it into pseudo-random sizes from 1 to
/// `c² + 1`. The rest is the stream from the peer.
///
/// # Example
///
/// ```
/// // A plaintext `version` frame header, refused by the default
/// // configuration, in chunks of 1 to 17 bytes.
/// let mut input = vec![0x00, 4];
/// input.extend_from_slice(b"\x51\0\0\0version\0\0\0\0\0");
/// veil_core::fuzz_harness::connection_handshake(&input);
/// ```
pub fn connection_handshake(data: &[u8]) {
    let [control, chunking, ref stream @ ..] = *data else {
        return;
    };
    let step = Duration::from_millis(TIME_STEPS[usize::from((control >> 1) & 7)]);
    let mut side = Side::new(handshake_inbound(control), handshake_config(control));
    side.nonce_is_local = control & 0x40 != 0;
    let mut buf = vec![0u8; TRANSMIT_BUF];
    let mut now = Instant::ZERO;
    let mut sizes = ChunkSizes::new(chunking);

    let mut rest = stream;
    while !rest.is_empty() {
        let (chunk, tail) = rest.split_at(sizes.next().min(rest.len()));
        rest = tail;
        now += step;
        side.connection.handle_input(now, chunk);
        side.settle(now, &mut buf);
        side.timeout(now, &mut buf);
    }

    if control & 0x10 != 0 {
        side.connection.handle_eof(now);
        side.settle(now, &mut buf);
        assert!(side.watch.closed, "EOF closes at once");
    } else if control & 0x80 != 0 {
        side.connection.close(now, DisconnectReason::Shutdown);
        side.settle(now, &mut buf);
        assert!(side.watch.closed, "a drained local close is finished");
    } else {
        for _ in 0..FINAL_DEADLINES {
            let Some((deadline, _)) = side.connection.poll_timeout() else {
                break;
            };
            now = now.max(deadline);
            side.timeout(now, &mut buf);
        }
        assert!(
            side.watch.closed,
            "a silent peer is dropped within {FINAL_DEADLINES} deadlines"
        );
    }
    side.assert_inert(now, stream, &mut buf);
}

/// The configurations of [`established_pair`] for control byte `control`:
/// the defaults, and if bit 0 is set, rekeys every 2 KiB sent or every
/// 90 s on both sides; if bit 1 is set, the inbound side `b` rejects
/// unknown message types; if bit 2 is, `b` accepts payloads of at most
/// 1 KiB.
///
/// # Example
///
/// ```
/// let (a, b) = veil_core::fuzz_harness::established_configs(0b110);
/// assert_eq!(a, veil_core::connection::ConnectionConfig::default());
/// assert_eq!(b.wire.max_payload_len, 1024);
/// ```
#[must_use]
pub fn established_configs(control: u8) -> (ConnectionConfig, ConnectionConfig) {
    let mut a = ConnectionConfig::default();
    if control & 0x01 != 0 {
        a.rekey_after_bytes = 2048;
        a.rekey_interval = Duration::from_secs(90);
    }
    let mut b = a.clone();
    if control & 0x02 != 0 {
        b.wire.unknown_commands = UnknownCommandPolicy::Reject;
    }
    if control & 0x04 != 0 {
        b.wire.max_payload_len = 1024;
    }
    (a, b)
}

/// The connected encrypted pair [`connection_established`] drives for
/// control byte `control`: [`Pair::new`] with [`established_configs`] and
/// [`CONNECTION_SEED`], run until both sides are connected (their
/// `HandshakeComplete` events are in [`Pair::events`]).
///
/// # Example
///
/// ```
/// use veil_core::connection::ConnectionState;
/// let pair = veil_core::fuzz_harness::established_pair(0);
/// assert_eq!(pair.b.state(), ConnectionState::Connected);
/// ```
#[must_use]
pub fn established_pair(control: u8) -> Pair {
    let (config_a, config_b) = established_configs(control);
    let mut pair = Pair::new(config_a, config_b, CONNECTION_SEED).expect("valid configurations");
    pair.run_until_connected().expect("the pair settles");
    assert_eq!(pair.a.state(), ConnectionState::Connected);
    assert_eq!(pair.b.state(), ConnectionState::Connected);
    pair
}

/// Operation codes of [`connection_established`] (the low 3 bits of an
/// operation's first byte).
mod op {
    pub(super) const RAW_INPUT: u8 = 0;
    pub(super) const RAW_PACKET: u8 = 1;
    pub(super) const SEND_A: u8 = 2;
    pub(super) const SEND_B: u8 = 3;
    pub(super) const DELIVER: u8 = 4;
    pub(super) const TIMEOUT: u8 = 5;
    pub(super) const CLOSE: u8 = 6;
    pub(super) const BURST: u8 = 7;
    /// Bit 3: leave the bytes in flight after this operation.
    pub(super) const HOLD: u8 = 0x08;
}

/// Builds a connected encrypted pair ([`established_pair`]), outbound `a`
/// and inbound `b`, then drives it with a sequence of operations taken from
/// the input: raw bytes into `b`, authenticated packets with arbitrary
/// contents from `a` (past the AEAD, as a peer with the keys could send
/// them), valid messages either way, partial deliveries, clock jumps and
/// closes. After every call on either side it checks what
/// [`connection_handshake`] checks (the same bound on
/// [`Connection::buffered_bytes`], well-formed events, a consistent state,
/// nothing after `Closed`), and also that:
/// - valid messages sent with [`Connection::send`] arrive, in order and
///   intact, as long as no raw bytes or packets were put into their
///   direction (`ping` and `pong`, which the connections answer and match
///   themselves, are left out of that check), and all of them arrived once
///   the input ends and the pair is drained, unless a side closed;
/// - as long as no raw bytes or packets were sent at all, neither side
///   closes for anything but a local close, the peer's `disconnect`, EOF or
///   a deadline (and, where `b` accepts smaller payloads than `a` sends, an
///   oversize packet or message): honest peers that see every byte, in
///   order and in any chunking, never fail each other;
/// - `send` refuses exactly `version`, `verack` and `disconnect`, and
///   anything when not connected;
/// - the pair goes quiet after a bounded number of exchanges (no
///   livelock), and both sides close after a day without input.
///
/// The input: byte 0 selects the configurations ([`established_configs`]);
/// then operations, each an operation byte (bits 0-2: the operation; bit 3:
/// leave the bytes in flight afterwards, otherwise everything is delivered
/// both ways until the pair is quiet; bits 4-7: parameters `p`) and its
/// arguments. A length is one byte, or two (little endian) where `p` says
/// "long"; an operation cut short by the end of the input takes what is
/// left.
///
/// | Op | Name         | Parameters (`p`)                        | Arguments |
/// |----|--------------|-----------------------------------------|-----------|
/// | 0  | raw input    | bit 0: long                             | length, bytes fed to `b` |
/// | 1  | raw packet   | bit 0: decoy, bit 1: long, bit 2: padded, bit 3: more fragments | length, contents of a packet from `a` |
/// | 2  | send from a  | bit 0: long                             | type (index into `MessageKind::ALL`, modulo), length, payload |
/// | 3  | send from b  | bit 0: long                             | as op 2 |
/// | 4  | deliver part | bit 0: from `b` (else from `a`)         | how many bytes in flight to deliver |
/// | 5  | timeout      | bit 0: jump to the next deadline        | `d`: otherwise the clock moves `d³` ms |
/// | 6  | close        | bits 0-1: `b.close`, `a.close`, `b` EOF, `a` EOF | reason code (for a close) |
/// | 7  | burst        | bit 0: raw packets, bit 1: long, bit 2: decoy | count − 1, then as op 2 (or op 1's contents) |
///
/// # Example
///
/// ```
/// use veil_core::message::MessageKind;
/// let getaddr = MessageKind::ALL.iter().position(|&k| k == MessageKind::GetAddr).unwrap() as u8;
/// // Send `getaddr` from a, then a packet holding only a message id.
/// veil_core::fuzz_harness::connection_established(&[0, 0x02, getaddr, 0, 0x01, 1, 6]);
/// ```
pub fn connection_established(data: &[u8]) {
    let Some((&control, ops)) = data.split_first() else {
        return;
    };
    let (config_a, config_b) = established_configs(control);
    let pair = established_pair(control);
    let mut now = pair.now;
    let mut a = Side::new(pair.a, config_a);
    let mut b = Side::new(pair.b, config_b);
    for side in [&mut a, &mut b] {
        side.watch.connected = true;
        side.watch.transport = Some(TransportKind::Encrypted);
        side.watch.expected = Some(VecDeque::new());
        side.watch.honest_peer = true;
    }
    b.watch.peer_may_oversize = b.config.wire.max_payload_len < a.config.wire.max_payload_len;
    let mut buf = vec![0u8; TRANSMIT_BUF];
    let mut input = Input(ops);

    while let Some(code) = input.byte() {
        let p = code >> 4;
        match code & 7 {
            op::RAW_INPUT => {
                let bytes = input.take_len(p & 1 != 0);
                dishonest(&mut a, &mut b);
                b.connection.handle_input(now, bytes);
                b.settle(now, &mut buf);
            }
            op::RAW_PACKET => {
                let contents = input.take_len(p & 2 != 0);
                // Header flags: decoy 0x80, padded 0x40, more fragments 0x20.
                let header = (p & 1) << 7 | (p & 4) << 4 | (p & 8) << 2;
                dishonest(&mut a, &mut b);
                a.connection
                    .queue_raw_packet_with_header_for_testing(contents, header);
                a.settle(now, &mut buf);
            }
            op::SEND_A => {
                if let Some(message) = input.message(p & 1 != 0) {
                    send(&mut a, &mut b, now, message, &mut buf);
                }
            }
            op::SEND_B => {
                if let Some(message) = input.message(p & 1 != 0) {
                    send(&mut b, &mut a, now, message, &mut buf);
                }
            }
            op::DELIVER => {
                let n = usize::from(input.byte().unwrap_or(0));
                if p & 1 != 0 {
                    deliver(&mut b, &mut a, n, now, &mut buf);
                } else {
                    deliver(&mut a, &mut b, n, now, &mut buf);
                }
            }
            op::TIMEOUT => {
                if p & 1 != 0 {
                    let next = [&a, &b]
                        .into_iter()
                        .filter_map(|side| side.connection.poll_timeout())
                        .map(|(at, _)| at)
                        .min();
                    now = now.max(next.unwrap_or(now));
                } else {
                    let d = u64::from(input.byte().unwrap_or(0));
                    now += Duration::from_millis(d * d * d);
                }
                a.timeout(now, &mut buf);
                b.timeout(now, &mut buf);
            }
            op::CLOSE => {
                let reason = DisconnectReason::from_u16(u16::from(input.byte().unwrap_or(1)));
                let side = if p & 1 == 0 { &mut b } else { &mut a };
                if p & 2 == 0 {
                    side.connection.close(now, reason);
                } else {
                    side.connection.handle_eof(now);
                    side.settle(now, &mut buf);
                    assert!(side.watch.closed, "EOF closes at once");
                }
                side.settle(now, &mut buf);
            }
            op::BURST => {
                let count = usize::from(input.byte().unwrap_or(0)) + 1;
                if p & 1 != 0 {
                    let contents = input.take_len(p & 2 != 0);
                    dishonest(&mut a, &mut b);
                    for _ in 0..count {
                        a.connection
                            .queue_raw_packet_for_testing(contents, p & 4 != 0);
                        a.settle(now, &mut buf);
                    }
                } else if let Some(message) = input.message(p & 2 != 0) {
                    for _ in 0..count {
                        send(&mut a, &mut b, now, message.clone(), &mut buf);
                    }
                }
            }
            _ => unreachable!("three bits"),
        }
        if code & op::HOLD == 0 {
            pump(&mut a, &mut b, now, &mut buf);
        }
    }

    pump(&mut a, &mut b, now, &mut buf);
    if !a.watch.closed && !b.watch.closed {
        for side in [&a, &b] {
            if let Some(expected) = &side.watch.expected {
                assert!(expected.is_empty(), "sent but never received: {expected:?}");
            }
        }
    }
    // A day without input: both sides give up on each other.
    now += Duration::from_secs(24 * 60 * 60);
    a.timeout(now, &mut buf);
    b.timeout(now, &mut buf);
    pump(&mut a, &mut b, now, &mut buf);
    assert!(a.watch.closed && b.watch.closed, "a silent pair closes");
    a.assert_inert(now, ops, &mut buf);
    b.assert_inert(now, ops, &mut buf);
}

/// Raw bytes or packets go from `a` to `b`: `b` can no longer tell which
/// messages to expect, and neither side's closes are predictable.
fn dishonest(a: &mut Side, b: &mut Side) {
    b.watch.expected = None;
    a.watch.honest_peer = false;
    b.watch.honest_peer = false;
}

/// `from` sends `message` with [`Connection::send`]; checks the answer and
/// records the message as one `to` must receive.
fn send(from: &mut Side, to: &mut Side, now: Instant, message: Message, buf: &mut [u8]) {
    let kind = message.kind();
    let state = from.connection.state();
    let result = from.connection.send(now, message.clone());
    let reserved = matches!(
        kind,
        MessageKind::Version | MessageKind::Verack | MessageKind::Disconnect
    );
    match result {
        Ok(()) => {
            assert_eq!(state, ConnectionState::Connected, "sent while {state:?}");
            assert!(!reserved, "sent a {} with send", kind.name());
            if !matches!(kind, MessageKind::Ping | MessageKind::Pong) {
                if let Some(expected) = &mut to.watch.expected {
                    expected.push_back(message);
                }
            }
        }
        Err(SendError::NotConnected { state: reported }) => {
            assert_eq!(reported, state);
            assert_ne!(state, ConnectionState::Connected);
        }
        Err(SendError::Reserved { kind: reported }) => {
            assert_eq!(reported, kind);
            assert!(reserved, "{} refused as reserved", kind.name());
        }
        Err(SendError::QueueFull { queued, limit }) => {
            assert!(queued >= limit, "queue full at {queued} of {limit}");
        }
        Err(SendError::Invalid(_)) => {}
    }
    from.settle(now, buf);
}

/// Moves up to `n` bytes `from` sent into `to`.
fn deliver(from: &mut Side, to: &mut Side, n: usize, now: Instant, buf: &mut [u8]) {
    let n = n.min(from.in_flight.len());
    if n == 0 {
        return;
    }
    let bytes: Vec<u8> = from.in_flight.drain(..n).collect();
    to.connection.handle_input(now, &bytes);
    to.settle(now, buf);
}

/// Delivers everything in flight both ways until the pair is quiet.
fn pump(a: &mut Side, b: &mut Side, now: Instant, buf: &mut [u8]) {
    for _ in 0..MAX_PUMP_ROUNDS {
        if a.in_flight.is_empty() && b.in_flight.is_empty() {
            return;
        }
        deliver(a, b, usize::MAX, now, buf);
        deliver(b, a, usize::MAX, now, buf);
    }
    panic!("the pair is still talking after {MAX_PUMP_ROUNDS} exchanges");
}

/// One connection under test, what it sent and what was seen of it.
struct Side {
    connection: Connection,
    config: ConnectionConfig,
    watch: Watch,
    /// Bytes transmitted and not yet delivered to the peer.
    in_flight: Vec<u8>,
    /// How to answer `CheckNonce`.
    nonce_is_local: bool,
}

/// What the events of one connection told so far.
#[derive(Default)]
struct Watch {
    connected: bool,
    closed: bool,
    transport: Option<TransportKind>,
    rekeys: u32,
    /// Messages the peer sent with `send` that this side must report, in
    /// order; `None` once raw input or packets made the stream unknowable.
    expected: Option<VecDeque<Message>>,
    /// Whether every byte either side received is genuine: then no close
    /// may blame the peer.
    honest_peer: bool,
    /// Whether the honest peer may send more than this side accepts.
    peer_may_oversize: bool,
}

impl Side {
    fn new(connection: Connection, config: ConnectionConfig) -> Side {
        Side {
            connection,
            config,
            watch: Watch::default(),
            in_flight: Vec::new(),
            nonce_is_local: false,
        }
    }

    /// Handles the deadlines due by `now`, checks that none is left, and
    /// settles.
    fn timeout(&mut self, now: Instant, buf: &mut [u8]) {
        self.connection.handle_timeout(now);
        if let Some((deadline, reason)) = self.connection.poll_timeout() {
            assert!(
                deadline > now,
                "deadline {reason:?} at {deadline} still due after handle_timeout({now})"
            );
        }
        self.settle(now, buf);
    }

    /// Drains the transmit queue into `in_flight` and every event (answering
    /// `CheckNonce`), then checks the state and the buffer bound.
    fn settle(&mut self, now: Instant, buf: &mut [u8]) {
        loop {
            if let Some(kind) = self.connection.transport_kind() {
                self.watch.transport = Some(kind);
            }
            loop {
                let n = self.connection.poll_transmit(buf);
                if n == 0 {
                    break;
                }
                assert!(!self.watch.closed, "transmitted after Closed");
                self.in_flight.extend_from_slice(&buf[..n]);
            }
            let mut check_nonce = false;
            while let Some(event) = self.connection.poll_event() {
                check_nonce |= matches!(event, Event::CheckNonce { .. });
                self.observe(event, now);
            }
            self.check_state();
            if !check_nonce {
                return;
            }
            self.connection
                .resolve_nonce_check(now, self.nonce_is_local);
        }
    }

    /// Checks one event against everything seen before.
    fn observe(&mut self, event: Event, now: Instant) {
        let watch = &mut self.watch;
        assert!(!watch.closed, "event after Closed: {event:?}");
        match event {
            Event::CheckNonce { .. } => {
                assert!(self.config.check_self_connection, "unasked CheckNonce");
                assert!(!watch.connected, "CheckNonce after the handshake");
            }
            Event::HandshakeComplete(info) => {
                assert!(!watch.connected, "second HandshakeComplete");
                watch.connected = true;
                // The transport is gone if the same call closed.
                assert_eq!(
                    *watch.transport.get_or_insert(info.transport),
                    info.transport
                );
                assert_eq!(
                    info.peer_id.is_some(),
                    info.transport == TransportKind::Encrypted
                );
                assert_eq!(info.local_nonce, self.connection.local_nonce());
                assert_ne!(info.remote.nonce, info.local_nonce, "self-connection");
                assert!(info.remote.protocol_version >= self.config.min_protocol_version);
                let local = &self.config.local;
                assert_eq!(info.features, local.features & info.remote.features);
                assert_eq!(
                    info.privacy_features,
                    self.config.announced_privacy_features() & info.remote.privacy_features
                );
                if info.transport == TransportKind::Encrypted {
                    let offered = self.config.shaping.features() & crate::shaping::feature::ALL;
                    assert_eq!(
                        info.shaping.features,
                        offered & info.remote.privacy_features
                    );
                }
            }
            Event::Message(message) => {
                assert!(watch.connected, "message before the handshake");
                let kind = message.kind();
                assert!(
                    !matches!(
                        kind,
                        MessageKind::Version
                            | MessageKind::Verack
                            | MessageKind::Ping
                            | MessageKind::Disconnect
                    ),
                    "the connection's own {} reported",
                    kind.name()
                );
                if let (Some(expected), false) = (&mut watch.expected, kind == MessageKind::Pong) {
                    assert_eq!(expected.pop_front().as_ref(), Some(&message));
                }
            }
            Event::Pong { rtt } => {
                assert!(watch.connected, "pong before the handshake");
                assert!(rtt <= now - Instant::ZERO, "rtt {rtt} longer than the run");
            }
            Event::Rekeyed { generation } => {
                assert!(watch.connected, "rekey before the handshake");
                assert_eq!(watch.transport, Some(TransportKind::Encrypted));
                assert_eq!(generation, watch.rekeys + 1, "rekey generations skip");
                watch.rekeys = generation;
            }
            Event::Closed { reason, .. } => {
                watch.closed = true;
                assert_eq!(self.connection.state(), ConnectionState::Closed);
                if watch.honest_peer {
                    let blameless = match &reason {
                        CloseReason::Local(_)
                        | CloseReason::Remote(_)
                        | CloseReason::TransportEnded
                        | CloseReason::TimedOut(_) => true,
                        CloseReason::Decrypt(DecryptError::Oversize { .. })
                        | CloseReason::MalformedPacket { .. } => watch.peer_may_oversize,
                        _ => false,
                    };
                    assert!(blameless, "an honest peer was refused: {reason:?}");
                }
            }
        }
    }

    /// With the transmit queue and events drained: the state agrees with
    /// the events, and the buffers are within their bound.
    fn check_state(&self) {
        let connection = &self.connection;
        let state = connection.state();
        let watch = &self.watch;
        assert_eq!(state == ConnectionState::Closed, watch.closed, "{state:?}");
        assert_ne!(
            state,
            ConnectionState::Closing,
            "closing with nothing queued"
        );
        if !watch.closed {
            assert_eq!(state == ConnectionState::Connected, watch.connected);
        }
        assert_eq!(connection.poll_timeout().is_none(), watch.closed);
        assert_eq!(connection.queued_bytes(), 0);
        let buffered = connection.buffered_bytes();
        let bound = if watch.closed {
            DRAINED_OUTBOX
        } else {
            self.buffered_bound()
        };
        assert!(
            buffered <= bound,
            "{buffered} bytes buffered, bound {bound} ({state:?})"
        );
    }

    /// See [`connection_handshake`].
    fn buffered_bound(&self) -> usize {
        let config = &self.config;
        let input = if self.watch.connected {
            let received =
                usize::try_from(self.connection.stats().bytes_received).unwrap_or(usize::MAX);
            let largest = config.wire.max_payload_len as usize + MESSAGE_PACKET_OVERHEAD;
            largest.min(received.saturating_mul(2).saturating_add(GROWTH_STEP))
        } else {
            3 * config.max_handshake_bytes
        };
        input + config.max_garbage_len + DRAINED_OUTBOX
    }

    /// Once closed: input, deadlines, EOF, a close, a send and a nonce
    /// answer change nothing and produce nothing.
    fn assert_inert(&mut self, now: Instant, input: &[u8], buf: &mut [u8]) {
        assert!(self.watch.closed);
        let later = now + Duration::from_secs(7 * 24 * 60 * 60);
        let connection = &mut self.connection;
        connection.handle_input(now, input);
        connection.handle_input(now, &[0; 64]);
        connection.handle_timeout(later);
        connection.handle_eof(later);
        connection.close(later, DisconnectReason::Shutdown);
        connection.resolve_nonce_check(later, false);
        connection.queue_raw_packet_for_testing(&[3, 0, 0, 0, 0, 0, 0, 0, 0], false);
        assert_eq!(
            connection.send(later, Message::GetAddr),
            Err(SendError::NotConnected {
                state: ConnectionState::Closed
            })
        );
        assert_eq!(connection.poll_transmit(buf), 0);
        assert_eq!(connection.poll_event(), None);
        assert_eq!(connection.state(), ConnectionState::Closed);
        assert_eq!(connection.poll_timeout(), None);
        self.check_state();
    }
}

/// Pseudo-random chunk sizes (xorshift) from one byte (shared with the
/// SOCKS5 harness).
pub(super) struct ChunkSizes {
    state: u32,
    limit: Option<usize>,
}

impl ChunkSizes {
    pub(super) fn new(chunking: u8) -> Self {
        ChunkSizes {
            state: 0x9e37_79b9 ^ u32::from(chunking),
            limit: (chunking != u8::MAX).then(|| usize::from(chunking).pow(2) + 1),
        }
    }

    pub(super) fn next(&mut self) -> usize {
        let Some(limit) = self.limit else {
            return usize::MAX;
        };
        self.state ^= self.state << 13;
        self.state ^= self.state >> 17;
        self.state ^= self.state << 5;
        1 + self.state as usize % limit
    }
}

/// The operations' bytes, read front to back (shared with the node
/// harness).
pub(super) struct Input<'a>(pub(super) &'a [u8]);

impl<'a> Input<'a> {
    pub(super) fn byte(&mut self) -> Option<u8> {
        let (&first, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(first)
    }

    /// Up to `n` bytes (fewer at the end of the input).
    pub(super) fn take(&mut self, n: usize) -> &'a [u8] {
        let (taken, rest) = self.0.split_at(n.min(self.0.len()));
        self.0 = rest;
        taken
    }

    /// A one- or two-byte length, then that many bytes.
    pub(super) fn take_len(&mut self, long: bool) -> &'a [u8] {
        let low = usize::from(self.byte().unwrap_or(0));
        let len = if long {
            low | usize::from(self.byte().unwrap_or(0)) << 8
        } else {
            low
        };
        self.take(len)
    }

    /// A type selector and a payload; the message if the payload decodes.
    pub(super) fn message(&mut self, long: bool) -> Option<Message> {
        let selector = usize::from(self.byte()?);
        let kind = MessageKind::ALL[selector % MessageKind::ALL.len()];
        let payload = self.take_len(long);
        Message::decode(kind, Bytes::copy_from_slice(payload)).ok()
    }
}
