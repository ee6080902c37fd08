//! Helpers for the `connection_*` tests: configurations, a recorder of the
//! bytes a [`Pair`] moves, event queries, and a manual driver for two raw
//! [`Connection`]s when a test needs finer control than `Pair` gives.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use veil_core::connection::{
    CloseReason, ConfigError, Connection, ConnectionConfig, ConnectionState, Event, HandshakeInfo,
    TransportKind,
};
use veil_core::identity::{Identity, PeerId};
use veil_core::message::{Disconnect, DisconnectReason, Message, Version, PROTOCOL_VERSION};
use veil_core::testing::{Direction, Pair, PAIR_WALL_CLOCK};
use veil_core::wire::{FrameDecoder, FrameEncoder};
use veil_core::{Instant, UnixTime};

/// Wall-clock time of every connection a [`Pair`] makes.
pub const WALL: UnixTime = PAIR_WALL_CLOCK;

/// Configurations for a plaintext pair: `a` dials in plaintext, `b`
/// accepts it.
pub fn plaintext_configs() -> (ConnectionConfig, ConnectionConfig) {
    (
        ConnectionConfig {
            outbound_transport: TransportKind::Plaintext,
            ..ConnectionConfig::default()
        },
        ConnectionConfig {
            accept_plaintext: true,
            ..ConnectionConfig::default()
        },
    )
}

/// A pair run until both sides are connected (asserted).
pub fn connected_pair(config_a: ConnectionConfig, config_b: ConnectionConfig, seed: u64) -> Pair {
    let mut pair = Pair::new(config_a, config_b, seed).expect("valid configurations");
    pair.run_until_connected().expect("no livelock");
    assert_eq!(
        pair.a.state(),
        ConnectionState::Connected,
        "{:?}",
        pair.events
    );
    assert_eq!(
        pair.b.state(),
        ConnectionState::Connected,
        "{:?}",
        pair.events
    );
    pair
}

/// The events of one side.
pub fn side_events(pair: &Pair, at_a: bool) -> Vec<Event> {
    pair.events
        .iter()
        .filter(|e| e.at_a == at_a)
        .map(|e| e.event.clone())
        .collect()
}

/// The reason and time of one side's close, if it closed.
pub fn closed(pair: &Pair, at_a: bool) -> Option<(CloseReason, Instant)> {
    pair.events
        .iter()
        .filter(|e| e.at_a == at_a)
        .find_map(|e| match &e.event {
            Event::Closed { reason, .. } => Some((reason.clone(), e.at)),
            _ => None,
        })
}

/// One side's close reason, if it closed.
pub fn close_reason(pair: &Pair, at_a: bool) -> Option<CloseReason> {
    closed(pair, at_a).map(|(reason, _)| reason)
}

/// The close reason among raw events.
pub fn close_reason_in(events: &[Event]) -> Option<CloseReason> {
    events.iter().find_map(|e| match e {
        Event::Closed { reason, .. } => Some(reason.clone()),
        _ => None,
    })
}

/// The messages one side delivered to its caller, in order.
pub fn messages(pair: &Pair, at_a: bool) -> Vec<Message> {
    messages_in(&side_events(pair, at_a))
}

/// The messages among raw events.
pub fn messages_in(events: &[Event]) -> Vec<Message> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Message(m) => Some(m.clone()),
            _ => None,
        })
        .collect()
}

/// One side's handshake outcome, if it completed.
pub fn handshake_info(pair: &Pair, at_a: bool) -> Option<HandshakeInfo> {
    handshake_info_in(&side_events(pair, at_a))
}

/// The handshake outcome among raw events.
pub fn handshake_info_in(events: &[Event]) -> Option<HandshakeInfo> {
    events.iter().find_map(|e| match e {
        Event::HandshakeComplete(info) => Some((**info).clone()),
        _ => None,
    })
}

/// Every chunk a pair moved: direction, offset in its stream, bytes (as
/// they left the sender, before any later tamper).
pub type Chunks = Rc<RefCell<Vec<(Direction, u64, Vec<u8>)>>>;

/// Installs a tamper hook that records every chunk and then hands it to
/// `then` (which may change it).
pub fn record_with(
    pair: &mut Pair,
    mut then: impl FnMut(Direction, u64, &mut Vec<u8>) + 'static,
) -> Chunks {
    let chunks: Chunks = Rc::default();
    let log = chunks.clone();
    pair.tamper = Some(Box::new(move |direction, offset, bytes| {
        log.borrow_mut().push((direction, offset, bytes.clone()));
        then(direction, offset, bytes);
    }));
    chunks
}

/// Installs a tamper hook that only records.
pub fn record(pair: &mut Pair) -> Chunks {
    record_with(pair, |_, _, _| {})
}

/// The whole stream one direction carried.
pub fn stream(chunks: &Chunks, direction: Direction) -> Vec<u8> {
    chunks
        .borrow()
        .iter()
        .filter(|(d, _, _)| *d == direction)
        .flat_map(|(_, _, bytes)| bytes.iter().copied())
        .collect()
}

/// The chunks one direction carried.
pub fn chunks_of(chunks: &Chunks, direction: Direction) -> Vec<Vec<u8>> {
    chunks
        .borrow()
        .iter()
        .filter(|(d, _, _)| *d == direction)
        .map(|(_, _, bytes)| bytes.clone())
        .collect()
}

/// Everything queued for sending.
pub fn drain(connection: &mut Connection) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = connection.poll_transmit(&mut buf);
        if n == 0 {
            return out;
        }
        out.extend_from_slice(&buf[..n]);
    }
}

/// Every pending event.
pub fn drain_events(connection: &mut Connection) -> Vec<Event> {
    std::iter::from_fn(|| connection.poll_event()).collect()
}

/// Two raw connections driven by hand, all at one instant: what each sent
/// and reported so far.
pub struct Link {
    /// The outbound side.
    pub a: Connection,
    /// The inbound side.
    pub b: Connection,
    /// Everything `a` sent.
    pub sent_a: Vec<u8>,
    /// Everything `b` sent.
    pub sent_b: Vec<u8>,
    /// Events of `a`.
    pub events_a: Vec<Event>,
    /// Events of `b`.
    pub events_b: Vec<Event>,
}

impl Link {
    /// Connections with identities from `seed`, `a` pinning `b`'s identity
    /// on the encrypted transport, each with its own wall clock.
    pub fn new(
        config_a: ConnectionConfig,
        config_b: ConnectionConfig,
        seed: u64,
        wall_a: UnixTime,
        wall_b: UnixTime,
    ) -> Link {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let (id_a, id_b) = (Identity::generate(&mut rng), Identity::generate(&mut rng));
        let pin = (config_a.outbound_transport == TransportKind::Encrypted).then(|| id_b.peer_id());
        Link::with_identities(
            config_a, config_b, &id_a, &id_b, pin, &mut rng, wall_a, wall_b,
        )
    }

    /// Connections with the given identities.
    #[allow(clippy::too_many_arguments)]
    pub fn with_identities(
        config_a: ConnectionConfig,
        config_b: ConnectionConfig,
        id_a: &Identity,
        id_b: &Identity,
        pin: Option<PeerId>,
        rng: &mut ChaCha20Rng,
        wall_a: UnixTime,
        wall_b: UnixTime,
    ) -> Link {
        let t = Instant::ZERO;
        let a = Connection::outbound(Arc::new(config_a), id_a, pin, t, wall_a, rng).unwrap();
        let b = Connection::inbound(Arc::new(config_b), id_b, None, t, wall_b, rng).unwrap();
        Link {
            a,
            b,
            sent_a: Vec::new(),
            sent_b: Vec::new(),
            events_a: Vec::new(),
            events_b: Vec::new(),
        }
    }

    /// Moves bytes both ways at `now`, each flight in one piece, until
    /// nothing moves.
    pub fn shuttle(&mut self, now: Instant) {
        self.shuttle_split(now, &mut |bytes: &[u8]| vec![bytes.to_vec()]);
    }

    /// As [`Link::shuttle`], delivering every flight in the pieces `split`
    /// cuts it into.
    pub fn shuttle_split(&mut self, now: Instant, split: &mut dyn FnMut(&[u8]) -> Vec<Vec<u8>>) {
        loop {
            let to_b = drain(&mut self.a);
            for piece in split(&to_b) {
                self.b.handle_input(now, &piece);
            }
            let to_a = drain(&mut self.b);
            for piece in split(&to_a) {
                self.a.handle_input(now, &piece);
            }
            self.events_a.extend(drain_events(&mut self.a));
            self.events_b.extend(drain_events(&mut self.b));
            let moved = !to_b.is_empty() || !to_a.is_empty();
            self.sent_a.extend(to_b);
            self.sent_b.extend(to_a);
            if !moved {
                return;
            }
        }
    }
}

/// A valid `version` from a peer at wall-clock time `timestamp`.
pub fn version(nonce: u64, timestamp: UnixTime) -> Version {
    Version {
        protocol_version: PROTOCOL_VERSION,
        timestamp,
        features: 0,
        privacy_features: 0,
        user_agent: "/test-peer:1.0/".into(),
        best_block_hash: [0; 32],
        best_block_height: 0,
        nonce,
    }
}

/// A plaintext frame of `message`.
pub fn frame(message: &Message) -> Vec<u8> {
    FrameEncoder::default()
        .encode_to_vec(message)
        .expect("valid message")
}

/// The payload of `message` as it travels on either transport.
pub fn payload(message: &Message) -> Vec<u8> {
    let mut out = Vec::new();
    message.encode_payload(&mut out).expect("valid message");
    out
}

/// A raw inbound connection (identity from `seed`) at time zero.
pub fn inbound(config: ConnectionConfig, seed: u64) -> Connection {
    raw_connection(Connection::inbound, config, seed)
}

/// A raw outbound connection (identity from `seed`) at time zero.
pub fn outbound(config: ConnectionConfig, seed: u64) -> Connection {
    raw_connection(Connection::outbound, config, seed)
}

/// The signature of [`Connection::inbound`] and [`Connection::outbound`].
type Constructor = fn(
    Arc<ConnectionConfig>,
    &Identity,
    Option<PeerId>,
    Instant,
    UnixTime,
    &mut ChaCha20Rng,
) -> Result<Connection, ConfigError>;

fn raw_connection(new: Constructor, config: ConnectionConfig, seed: u64) -> Connection {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let identity = Identity::generate(&mut rng);
    new(
        Arc::new(config),
        &identity,
        None,
        Instant::ZERO,
        WALL,
        &mut rng,
    )
    .unwrap()
}

/// A raw plaintext listener (accepting plaintext) at time zero.
pub fn plain_in() -> Connection {
    inbound(plaintext_configs().1, 100)
}

/// A raw plaintext dialler at time zero; its version is queued.
pub fn plain_out() -> Connection {
    outbound(plaintext_configs().0, 101)
}

/// The messages in a plaintext stream.
pub fn frames(bytes: &[u8]) -> Vec<Message> {
    let mut decoder = FrameDecoder::default();
    let mut input = bytes;
    let mut out = Vec::new();
    while let Some(frame) = decoder.decode(&mut input).unwrap() {
        out.push(frame.into_message().unwrap());
    }
    out
}

/// A `disconnect` without text.
pub fn bye(reason: DisconnectReason) -> Message {
    Message::Disconnect(Disconnect {
        reason,
        text: String::new(),
    })
}

/// Feeds `input` to `connection` at time zero, drains it and returns its
/// close reason (if it closed) and what it sent.
pub fn feed(connection: &mut Connection, input: &[u8]) -> (Option<CloseReason>, Vec<u8>) {
    connection.handle_input(Instant::ZERO, input);
    let sent = drain(connection);
    (close_reason_in(&drain_events(connection)), sent)
}
