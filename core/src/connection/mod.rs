//! One peer connection, from its first byte to its close, with no I/O.
//!
//! A [`Connection`] is a state machine in the style of quinn-proto: the
//! caller owns the socket, the clock and the randomness, feeds in what
//! happens and carries out what the connection asks for.
//!
//! # Drive contract
//!
//! 1. Create it with [`Connection::outbound`] or [`Connection::inbound`]
//!    right after the byte stream (TCP, a Tor circuit, …) is open.
//! 2. Whenever bytes arrive, call [`Connection::handle_input`]; when the
//!    stream ends, [`Connection::handle_eof`].
//! 3. When the deadline from [`Connection::poll_timeout`] passes, call
//!    [`Connection::handle_timeout`].
//! 4. After *any* of these calls, and after [`Connection::send`],
//!    [`Connection::close`] or [`Connection::resolve_nonce_check`]:
//!    - drain [`Connection::poll_transmit`] into the socket until it
//!      returns 0;
//!    - drain [`Connection::poll_event`] until it returns `None`;
//!    - re-read [`Connection::poll_timeout`]: it is one absolute deadline
//!      (with its reason) and replaces any earlier one.
//!    - while [`Connection::queued_bytes`] stays high because the socket
//!      takes no more, stop reading from it too (backpressure): a peer that
//!      keeps asking for answers while the queue holds `max_queued_bytes`
//!      is disconnected ([`CloseReason::TransmitQueueFull`]).
//! 5. Stop once [`Event::Closed`] came out (the state is
//!    [`ConnectionState::Closed`]); drop the socket.
//!
//! Every state-changing call takes `now`, a monotonic [`Instant`] that
//! never goes backwards. Wall-clock time ([`UnixTime`]) is a separate input,
//! used for the `version` timestamp and the clock-skew check. The same
//! seed, configuration and inputs give the same bytes out, always.
//!
//! # Handshake
//!
//! The encrypted transport (the default) runs a Noise XX handshake with
//! identity proofs and random garbage (see `docs/PROTOCOL.md`), then the
//! version handshake inside the channel: the outbound side sends `version`;
//! the inbound side checks it and answers `version` and `verack`; the
//! outbound side checks that and answers `verack`. Both are connected once
//! they have checked the peer's `version` and received its `verack`.
//!
//! # Example
//!
//! Two connections in one process, wired back to back:
//!
//! ```
//! use std::sync::Arc;
//! use rand_chacha::rand_core::SeedableRng;
//! use veil_core::connection::{Connection, ConnectionConfig, ConnectionState, Event};
//! use veil_core::identity::Identity;
//! use veil_core::message::{Message, Ping};
//! use veil_core::{Instant, UnixTime};
//!
//! let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
//! let config = Arc::new(ConnectionConfig::default());
//! let (alice_id, bob_id) = (Identity::generate(&mut rng), Identity::generate(&mut rng));
//! let (now, wall) = (Instant::ZERO, UnixTime::from_secs(1_700_000_000));
//! let mut alice = Connection::outbound(config.clone(), &alice_id, Some(bob_id.peer_id()), now, wall, &mut rng).unwrap();
//! let mut bob = Connection::inbound(config, &bob_id, None, now, wall, &mut rng).unwrap();
//!
//! let mut buf = vec![0u8; 64 * 1024];
//! for _ in 0..10 {
//!     let n = alice.poll_transmit(&mut buf);
//!     bob.handle_input(now, &buf[..n]);
//!     let n = bob.poll_transmit(&mut buf);
//!     alice.handle_input(now, &buf[..n]);
//! }
//! assert_eq!(alice.state(), ConnectionState::Connected);
//! assert!(matches!(alice.poll_event(), Some(Event::HandshakeComplete(info)) if info.peer_id == Some(bob_id.peer_id())));
//!
//! alice.send(now, Message::Ping(Ping { nonce: 1 })).unwrap();
//! let n = alice.poll_transmit(&mut buf);
//! bob.handle_input(now, &buf[..n]);
//! assert!(matches!(bob.poll_event(), Some(Event::HandshakeComplete(_))));
//! // Pings are answered by the connection itself.
//! assert_eq!(bob.poll_event(), None);
//! ```

mod close;
mod config;
mod encrypted;
mod event;
mod handshake;
mod liveness;
mod outbox;
mod output;
mod plaintext;
mod receive;
mod stats;

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::sync::Arc;
use alloc::vec::Vec;
use rand_chacha::rand_core::{CryptoRng, RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;

pub use close::{CloseReason, TimeoutReason};
pub use config::{ConfigError, ConnectionConfig, LocalVersion, TransportKind};
pub use event::{Event, HandshakeInfo};
pub use output::SendError;
pub use stats::ConnectionStats;

use self::encrypted::Encrypted;
use self::handshake::VersionExchange;
use self::outbox::Outbox;
use self::plaintext::Plaintext;
use crate::identity::{Identity, PeerId};
use crate::time::{Instant, UnixTime};

/// The encrypted handshake's fixed sizes and labels (`docs/PROTOCOL.md`
/// section 8), for independent implementations and tests.
///
/// # Example
///
/// ```
/// use veil_core::connection::layout;
/// assert_eq!(layout::MSG2_LEN, 193);
/// assert_eq!(layout::packet_message_id(veil_core::message::MessageKind::Ping), 3);
/// ```
pub mod layout {
    pub use super::encrypted::setup::{
        MSG1_LEN, MSG2_LEN, MSG3_LEN, PAYLOAD_FORMAT, PAYLOAD_LEN, PROLOGUE, TERMINATOR_LEN,
    };

    /// The one-byte id of `kind` in encrypted packet contents.
    ///
    /// ```
    /// use veil_core::message::MessageKind;
    /// assert_eq!(veil_core::connection::layout::packet_message_id(MessageKind::Version), 1);
    /// ```
    #[must_use]
    pub fn packet_message_id(kind: crate::message::MessageKind) -> u8 {
        super::encrypted::contents::short_id(kind)
    }
}

/// Most random garbage either side may send after its first handshake
/// message (BIP324's limit).
pub const MAX_GARBAGE_LEN: usize = 4095;

/// The least `max_handshake_bytes` that fits any valid handshake: full
/// garbage, terminator, Noise messages and a largest `version` and
/// `verack` on either transport.
pub const MIN_HANDSHAKE_BYTES: usize = 6 * 1024;

/// Where a connection stands.
///
/// # Example
///
/// ```
/// use veil_core::connection::ConnectionState;
/// assert_eq!(ConnectionState::Handshaking.as_str(), "handshaking");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ConnectionState {
    /// Created; no byte has arrived from the peer yet.
    Connecting,
    /// Bytes are flowing; the handshake has not completed.
    Handshaking,
    /// The handshake completed: messages flow both ways.
    Connected,
    /// A close is under way: the `disconnect` message and what was queued
    /// before it are draining.
    Closing,
    /// Finished; nothing more will happen.
    Closed,
}

impl ConnectionState {
    /// A stable lower-case name.
    ///
    /// ```
    /// assert_eq!(veil_core::connection::ConnectionState::Closed.as_str(), "closed");
    /// ```
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            ConnectionState::Connecting => "connecting",
            ConnectionState::Handshaking => "handshaking",
            ConnectionState::Connected => "connected",
            ConnectionState::Closing => "closing",
            ConnectionState::Closed => "closed",
        }
    }
}

/// The transport under the messages.
enum Transport {
    /// Inbound, first bytes not seen yet: plaintext or encrypted?
    Detecting {
        prefix: Vec<u8>,
        identity: Box<Identity>,
    },
    Plaintext(Box<Plaintext>),
    Encrypted(Box<Encrypted>),
    /// Closed: all transport state freed.
    Gone,
}

/// One peer connection. See the [module documentation](self) for the drive
/// contract and an example.
pub struct Connection {
    config: Arc<ConnectionConfig>,
    outbound: bool,
    state: ConnectionState,
    transport: Transport,
    expected_peer: Option<PeerId>,
    outbox: Outbox,
    events: VecDeque<Event>,
    rng: ChaCha20Rng,
    stats: ConnectionStats,
    /// The version exchange; `None` once connected.
    exchange: Option<Box<VersionExchange>>,
    local_nonce: u64,
    created: Instant,
    /// Wall-clock time at `created`.
    wall_at_created: UnixTime,
    /// The keepalive ping in flight: its nonce and when it went out.
    ping_in_flight: Option<(u64, Instant)>,
    next_ping: Instant,
    last_rekey: Instant,
    /// Why the connection is closing, and until when it may drain.
    closing: Option<(CloseReason, Instant)>,
    /// Input held while the caller checks the peer's nonce.
    held_input: Vec<u8>,
    skipped_encrypted: u64,
    /// Seed of traffic shaping's own generator (derived from the
    /// connection's seed, so shaping draws never shift the connection's).
    shaping_seed: [u8; 32],
}

/// The seed of the shaper's generator: SHA-256 of a label and the
/// connection's seed.
fn shaping_seed(connection_seed: &[u8; 32]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    hash.update(b"veil/v1 shaping rng");
    hash.update(connection_seed);
    hash.finalize().into()
}

impl Connection {
    /// An outbound (dialling) connection. Its first bytes are queued at once.
    ///
    /// `expected_peer` pins the identity the peer must prove (needs the
    /// encrypted transport). `rng` seeds the connection's own generator:
    /// the same seed and inputs give the same bytes.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::connection::{Connection, ConnectionConfig, ConnectionState};
    /// use veil_core::identity::Identity;
    /// use veil_core::{Instant, UnixTime};
    ///
    /// let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    /// let identity = Identity::generate(&mut rng);
    /// let mut connection = Connection::outbound(
    ///     Arc::new(ConnectionConfig::default()), &identity, None,
    ///     Instant::ZERO, UnixTime::from_secs(1_700_000_000), &mut rng,
    /// ).unwrap();
    /// assert_eq!(connection.state(), ConnectionState::Connecting);
    /// let mut buf = [0u8; 8192];
    /// assert!(connection.poll_transmit(&mut buf) >= 32);
    /// ```
    pub fn outbound<R: RngCore + CryptoRng>(
        config: Arc<ConnectionConfig>,
        identity: &Identity,
        expected_peer: Option<PeerId>,
        now: Instant,
        wall_clock: UnixTime,
        rng: &mut R,
    ) -> Result<Connection, ConfigError> {
        config.validate()?;
        let plaintext = config.outbound_transport == TransportKind::Plaintext;
        if plaintext && expected_peer.is_some() {
            return Err(ConfigError::PinnedPeerNeedsEncryption);
        }
        let mut connection = Connection::new(config, true, expected_peer, now, wall_clock, rng);
        connection.transport = if plaintext {
            Transport::Plaintext(Box::new(connection.new_plaintext()))
        } else {
            Transport::Encrypted(Box::new(Encrypted::initiator(
                identity.clone(),
                expected_peer,
                connection.config.max_garbage_len,
                (connection.config.shaping, connection.shaping_seed),
                &mut connection.rng,
                &mut connection.outbox,
            )))
        };
        if plaintext {
            connection.send_version(now);
        }
        Ok(connection)
    }

    /// An inbound (accepted) connection. It tells a plaintext peer from an
    /// encrypted one by its first 16 bytes; plaintext is refused unless
    /// `accept_plaintext` is set and no peer is expected.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::connection::{Connection, ConnectionConfig};
    /// use veil_core::identity::Identity;
    /// use veil_core::{Instant, UnixTime};
    ///
    /// let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    /// let identity = Identity::generate(&mut rng);
    /// let mut connection = Connection::inbound(
    ///     Arc::new(ConnectionConfig::default()), &identity, None,
    ///     Instant::ZERO, UnixTime::from_secs(1_700_000_000), &mut rng,
    /// ).unwrap();
    /// // The inbound side speaks only after the peer did.
    /// assert_eq!(connection.poll_transmit(&mut [0u8; 64]), 0);
    /// ```
    pub fn inbound<R: RngCore + CryptoRng>(
        config: Arc<ConnectionConfig>,
        identity: &Identity,
        expected_peer: Option<PeerId>,
        now: Instant,
        wall_clock: UnixTime,
        rng: &mut R,
    ) -> Result<Connection, ConfigError> {
        config.validate()?;
        let mut connection = Connection::new(config, false, expected_peer, now, wall_clock, rng);
        connection.transport = Transport::Detecting {
            prefix: Vec::new(),
            identity: Box::new(identity.clone()),
        };
        Ok(connection)
    }

    fn new<R: RngCore + CryptoRng>(
        config: Arc<ConnectionConfig>,
        outbound: bool,
        expected_peer: Option<PeerId>,
        now: Instant,
        wall_clock: UnixTime,
        rng: &mut R,
    ) -> Connection {
        let mut seed = [0u8; 32];
        rng.fill_bytes(&mut seed);
        let shaping_seed = shaping_seed(&seed);
        let mut rng = ChaCha20Rng::from_seed(seed);
        let local_nonce = rng.next_u64();
        Connection {
            exchange: Some(Box::new(VersionExchange::new(&config.local))),
            config,
            outbound,
            state: ConnectionState::Connecting,
            transport: Transport::Gone,
            expected_peer,
            outbox: Outbox::default(),
            events: VecDeque::new(),
            rng,
            stats: ConnectionStats::default(),
            local_nonce,
            created: now,
            wall_at_created: wall_clock,
            ping_in_flight: None,
            next_ping: now,
            last_rekey: now,
            closing: None,
            held_input: Vec::new(),
            skipped_encrypted: 0,
            shaping_seed,
        }
    }

    fn new_plaintext(&self) -> Plaintext {
        Plaintext::new(self.config.wire, handshake::HANDSHAKE_MAX_PAYLOAD)
    }

    /// Where the connection stands.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use rand_chacha::rand_core::SeedableRng;
    /// # use veil_core::connection::{Connection, ConnectionConfig, ConnectionState};
    /// # use veil_core::{identity::Identity, message::DisconnectReason, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    /// # let identity = Identity::generate(&mut rng);
    /// let mut connection = Connection::outbound(Arc::new(ConnectionConfig::default()), &identity, None, Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// connection.close(Instant::ZERO, DisconnectReason::Shutdown);
    /// // Nothing can be sent before the Noise handshake: closed at once.
    /// assert_eq!(connection.state(), ConnectionState::Closed);
    /// ```
    #[must_use]
    pub fn state(&self) -> ConnectionState {
        self.state
    }

    /// Whether this side dialled.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use rand_chacha::rand_core::SeedableRng;
    /// # use veil_core::connection::{Connection, ConnectionConfig};
    /// # use veil_core::{identity::Identity, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    /// # let identity = Identity::generate(&mut rng);
    /// let connection = Connection::inbound(Arc::new(ConnectionConfig::default()), &identity, None, Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// assert!(!connection.is_outbound());
    /// ```
    #[must_use]
    pub fn is_outbound(&self) -> bool {
        self.outbound
    }

    /// The nonce this side puts in its `version`: the caller records it in
    /// the set its self-connection check consults.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use rand_chacha::rand_core::SeedableRng;
    /// # use veil_core::connection::{Connection, ConnectionConfig};
    /// # use veil_core::{identity::Identity, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    /// # let identity = Identity::generate(&mut rng);
    /// let connection = Connection::outbound(Arc::new(ConnectionConfig::default()), &identity, None, Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// let mut our_nonces = std::collections::BTreeSet::new();
    /// our_nonces.insert(connection.local_nonce());
    /// ```
    #[must_use]
    pub fn local_nonce(&self) -> u64 {
        self.local_nonce
    }

    /// The transport in use; `None` while an inbound connection has not yet
    /// seen enough bytes to tell.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use rand_chacha::rand_core::SeedableRng;
    /// # use veil_core::connection::{Connection, ConnectionConfig, TransportKind};
    /// # use veil_core::{identity::Identity, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    /// # let identity = Identity::generate(&mut rng);
    /// let connection = Connection::outbound(Arc::new(ConnectionConfig::default()), &identity, None, Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// assert_eq!(connection.transport_kind(), Some(TransportKind::Encrypted));
    /// ```
    #[must_use]
    pub fn transport_kind(&self) -> Option<TransportKind> {
        match &self.transport {
            Transport::Plaintext(_) => Some(TransportKind::Plaintext),
            Transport::Encrypted(_) => Some(TransportKind::Encrypted),
            Transport::Detecting { .. } | Transport::Gone => None,
        }
    }

    /// Counters and round-trip times.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use rand_chacha::rand_core::SeedableRng;
    /// # use veil_core::connection::{Connection, ConnectionConfig};
    /// # use veil_core::{identity::Identity, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    /// # let identity = Identity::generate(&mut rng);
    /// let connection = Connection::inbound(Arc::new(ConnectionConfig::default()), &identity, None, Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// assert_eq!(connection.stats().messages_received, 0);
    /// ```
    #[must_use]
    pub fn stats(&self) -> ConnectionStats {
        let mut stats = self.stats;
        stats.messages_skipped = self.skipped_encrypted
            + match &self.transport {
                Transport::Plaintext(plain) => plain.skipped_frames(),
                _ => 0,
            };
        match &self.transport {
            Transport::Encrypted(encrypted) => stats.shaping = encrypted.shaping_stats(),
            Transport::Plaintext(plain) => stats.decoys_received = plain.padding_frames(),
            Transport::Detecting { .. } | Transport::Gone => {}
        }
        stats
    }

    /// Heap bytes this connection holds in buffers (transmit queue, partial
    /// input, handshake state), for memory accounting.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use rand_chacha::rand_core::SeedableRng;
    /// # use veil_core::connection::{Connection, ConnectionConfig};
    /// # use veil_core::{identity::Identity, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    /// # let identity = Identity::generate(&mut rng);
    /// let connection = Connection::inbound(Arc::new(ConnectionConfig::default()), &identity, None, Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// assert!(connection.buffered_bytes() < 1024);
    /// ```
    #[must_use]
    pub fn buffered_bytes(&self) -> usize {
        let transport = match &self.transport {
            Transport::Detecting { prefix, .. } => prefix.capacity(),
            Transport::Plaintext(plain) => plain.buffer_capacity(),
            Transport::Encrypted(encrypted) => encrypted.buffer_capacity(),
            Transport::Gone => 0,
        };
        transport + self.outbox.capacity() + self.held_input.capacity()
    }

    /// Bytes waiting to be sent: in the transmit queue, and messages
    /// traffic shaping holds back for a later release.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use rand_chacha::rand_core::SeedableRng;
    /// # use veil_core::connection::{Connection, ConnectionConfig};
    /// # use veil_core::{identity::Identity, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    /// # let identity = Identity::generate(&mut rng);
    /// let connection = Connection::inbound(Arc::new(ConnectionConfig::default()), &identity, None, Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// assert_eq!(connection.queued_bytes(), 0);
    /// ```
    #[must_use]
    pub fn queued_bytes(&self) -> usize {
        self.outbox.len() + self.held_bytes()
    }

    /// Message bytes traffic shaping holds back (bursts, jitter,
    /// constant-rate slots).
    fn held_bytes(&self) -> usize {
        match &self.transport {
            Transport::Encrypted(encrypted) => encrypted.held_bytes(),
            _ => 0,
        }
    }

    /// Whether input is held until the caller answers a nonce check.
    fn paused(&self) -> bool {
        self.exchange
            .as_ref()
            .is_some_and(|exchange| exchange.awaiting_nonce_check.is_some())
    }

    /// Wall-clock time now, from the time given at creation.
    fn wall_clock(&self, now: Instant) -> UnixTime {
        let elapsed = now.saturating_duration_since(self.created);
        UnixTime::from_secs(
            self.wall_at_created
                .as_secs()
                .saturating_add(elapsed.as_secs()),
        )
    }
}

impl core::fmt::Debug for Connection {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Connection")
            .field("outbound", &self.outbound)
            .field("state", &self.state)
            .field("transport", &self.transport_kind())
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}
