//! What `benches/connection.rs` measures: whole [`Connection`]s, both
//! sides in one process, wired back to back by a small local loop ([`Link`]).
//!
//! - [`Nodes::connect`]: one outbound and one inbound connection, from
//!   `Connection::outbound` / `Connection::inbound` until both are
//!   [`ConnectionState::Connected`] (Noise XX with identity proofs and
//!   garbage, then `version` / `verack` inside the channel), with the
//!   default [`ConnectionConfig`]. Against
//!   [`RawKeys::connection_public_key_ops`](crate::handshake::RawKeys::connection_public_key_ops):
//!   the X25519 and Ed25519 operations one connection needs on both sides.
//!   [`Nodes::connect_pair`] does the same through
//!   [`veil_core::testing::Pair`], for comparison.
//! - [`Channel::send_block`]: one 64 KiB `block` message from `a` to `b`
//!   over an established connection (`send`, `transmit_slice`,
//!   `handle_input`, `poll_event`), against raw ChaCha20-Poly1305 sealing
//!   and opening 64 KiB ([`RawAead`](crate::packet::RawAead)).
//!
//! # Example
//!
//! ```
//! use veil_benches::connection::{Channel, Nodes, BLOCK_LEN};
//! use veil_core::connection::ConnectionState;
//!
//! let mut nodes = Nodes::default();
//! let (a, b) = nodes.connect();
//! assert_eq!((a.state(), b.state()), (ConnectionState::Connected, ConnectionState::Connected));
//!
//! let mut channel = Channel::default();
//! assert_eq!(channel.send_block(), BLOCK_LEN);
//! ```

use std::sync::Arc;

use bytes::Bytes;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use veil_core::connection::{Connection, ConnectionConfig, ConnectionState, Event};
use veil_core::identity::Identity;
use veil_core::message::Message;
use veil_core::testing::Pair;
use veil_core::{Instant, UnixTime};

use crate::fixtures::{message_of_len, payload_bytes};

/// Criterion group of the connection handshake benches.
///
/// ```
/// assert_eq!(veil_benches::connection::HANDSHAKE_GROUP, "connection_handshake");
/// ```
pub const HANDSHAKE_GROUP: &str = "connection_handshake";

/// Criterion function name of [`Nodes::connect`].
///
/// ```
/// assert_eq!(veil_benches::connection::CONNECT, "connect");
/// ```
pub const CONNECT: &str = "connect";

/// Criterion function name of [`Nodes::connect_pair`].
///
/// ```
/// assert_eq!(veil_benches::connection::CONNECT_PAIR, "connect_pair");
/// ```
pub const CONNECT_PAIR: &str = "connect_pair";

/// Criterion function name of the raw public-key operations of one
/// connection.
///
/// ```
/// assert_eq!(veil_benches::connection::HANDSHAKE_RAW, "public_key_ops_raw");
/// ```
pub const HANDSHAKE_RAW: &str = "public_key_ops_raw";

/// Criterion group of the established-channel throughput benches.
///
/// ```
/// assert_eq!(veil_benches::connection::THROUGHPUT_GROUP, "connection_64KiB");
/// ```
pub const THROUGHPUT_GROUP: &str = "connection_64KiB";

/// Criterion function name of [`Channel::send_block`].
///
/// ```
/// assert_eq!(veil_benches::connection::SEND_BLOCK, "block_a_to_b");
/// ```
pub const SEND_BLOCK: &str = "block_a_to_b";

/// Criterion function name of the raw ChaCha20-Poly1305 baseline.
///
/// ```
/// assert_eq!(veil_benches::connection::THROUGHPUT_RAW, "chacha20_poly1305_raw");
/// ```
pub const THROUGHPUT_RAW: &str = crate::packet::RAW;

/// Payload bytes of the `block` message [`Channel::send_block`] sends.
///
/// ```
/// assert_eq!(veil_benches::connection::BLOCK_LEN, 65_536);
/// ```
pub const BLOCK_LEN: usize = 64 * 1024;

/// Bytes moved per `transmit_slice` / `handle_input` call: one socket read
/// or write. A 64 KiB block's packet (65,557 bytes) takes two.
///
/// ```
/// assert_eq!(veil_benches::connection::IO_CHUNK, 65_536);
/// ```
pub const IO_CHUNK: usize = 64 * 1024;

/// Seed of the random generator the connections are seeded from.
const SEED: u64 = 0x7665_696c;

/// The time every bench connection runs at: the handshake and the
/// throughput benches never reach a deadline.
const NOW: Instant = Instant::ZERO;

/// The wall clock at [`NOW`] (the `version` timestamps).
const WALL_CLOCK: UnixTime = UnixTime::from_secs(1_700_000_000);

/// The wire between two connections: bytes lent from one side's queue to
/// the other's `handle_input`, [`IO_CHUNK`] at a time, and the drive
/// contract carried out for both sides.
///
/// ```
/// use veil_benches::connection::{Link, Nodes};
/// let (mut a, mut b) = Nodes::default().connect();
/// let mut link = Link::default();
/// // Nothing queued: nothing moves.
/// assert!(!link.settle(&mut a, &mut b, veil_core::Instant::ZERO, |_, _| {}));
/// ```
#[derive(Debug)]
pub struct Link {
    chunk: usize,
}

impl Default for Link {
    fn default() -> Self {
        Link { chunk: IO_CHUNK }
    }
}

impl Link {
    /// A link that moves at most `chunk` bytes per `transmit_slice` /
    /// `handle_input` call.
    ///
    /// # Panics
    ///
    /// If `chunk` is 0.
    ///
    /// ```
    /// let link = veil_benches::connection::Link::with_chunk(1);
    /// # let _ = link;
    /// ```
    #[must_use]
    pub fn with_chunk(chunk: usize) -> Link {
        assert!(chunk > 0, "a link moves at least one byte at a time");
        Link { chunk }
    }

    /// Moves everything `from` has queued into `to`, one chunk
    /// ([`IO_CHUNK`] unless made [`Link::with_chunk`]) at a time. True if
    /// any byte moved.
    pub fn carry(&mut self, from: &mut Connection, to: &mut Connection, now: Instant) -> bool {
        // Reads straight from the sender's queue (`transmit_slice`), as a
        // shell writing to a socket would: no copy out of the queue.
        let mut moved = false;
        loop {
            let queued = from.transmit_slice();
            let n = queued.len().min(self.chunk);
            if n == 0 {
                return moved;
            }
            moved = true;
            to.handle_input(now, &queued[..n]);
            from.advance_transmit(n);
        }
    }

    /// Carries bytes both ways and drains both sides' events into
    /// `on_event` (true for `a`'s) until nothing moves. True if anything
    /// did.
    pub fn settle(
        &mut self,
        a: &mut Connection,
        b: &mut Connection,
        now: Instant,
        mut on_event: impl FnMut(bool, Event),
    ) -> bool {
        let mut any = false;
        loop {
            let mut moved = self.carry(a, b, now);
            moved |= self.carry(b, a, now);
            for (at_a, connection) in [(true, &mut *a), (false, &mut *b)] {
                while let Some(event) = connection.poll_event() {
                    moved = true;
                    on_event(at_a, event);
                }
            }
            if !moved {
                return any;
            }
            any = true;
        }
    }
}

/// Two nodes, their shared configuration and the generator their
/// connections are seeded from: everything made once, outside the
/// measured loop.
///
/// ```
/// let nodes = veil_benches::connection::Nodes::default();
/// # let _ = nodes;
/// ```
pub struct Nodes {
    config: Arc<ConnectionConfig>,
    a: Identity,
    b: Identity,
    rng: ChaCha20Rng,
    link: Link,
}

impl Default for Nodes {
    fn default() -> Self {
        let mut rng = ChaCha20Rng::seed_from_u64(SEED);
        Nodes {
            config: Arc::new(ConnectionConfig::default()),
            a: Identity::generate(&mut rng),
            b: Identity::generate(&mut rng),
            rng,
            link: Link::default(),
        }
    }
}

impl core::fmt::Debug for Nodes {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Nodes")
            .field("a", &self.a)
            .field("b", &self.b)
            .finish_non_exhaustive()
    }
}

impl Nodes {
    /// One connection from `a` (outbound, expecting `b`'s identity) to `b`
    /// (inbound), driven by the local loop of [`Link::settle`] until both
    /// are connected. Every connection draws new Noise static and ephemeral
    /// keys and new garbage.
    ///
    /// # Panics
    ///
    /// If the handshake stalls or either side closes: a bug in veil.
    ///
    /// ```
    /// let mut nodes = veil_benches::connection::Nodes::default();
    /// let (a, b) = nodes.connect();
    /// assert!(a.is_outbound() && !b.is_outbound());
    /// ```
    pub fn connect(&mut self) -> (Connection, Connection) {
        let mut a = Connection::outbound(
            self.config.clone(),
            &self.a,
            Some(self.b.peer_id()),
            NOW,
            WALL_CLOCK,
            &mut self.rng,
        )
        .expect("a valid configuration");
        let mut b = Connection::inbound(
            self.config.clone(),
            &self.b,
            None,
            NOW,
            WALL_CLOCK,
            &mut self.rng,
        )
        .expect("a valid configuration");
        let mut completed = 0;
        self.link.settle(&mut a, &mut b, NOW, |_, event| {
            assert!(
                matches!(event, Event::HandshakeComplete(_)),
                "unexpected event {event:?}"
            );
            completed += 1;
        });
        assert_eq!(completed, 2, "both sides complete the handshake");
        assert_eq!(a.state(), ConnectionState::Connected);
        assert_eq!(b.state(), ConnectionState::Connected);
        (a, b)
    }

    /// The same connection through [`Pair::with_identities`] and
    /// [`Pair::run_until_connected`] (zero latency), seeded with `seed`.
    ///
    /// # Panics
    ///
    /// If the handshake does not complete: a bug in veil.
    ///
    /// ```
    /// use veil_core::connection::ConnectionState;
    /// let pair = veil_benches::connection::Nodes::default().connect_pair(1);
    /// assert_eq!(pair.b.state(), ConnectionState::Connected);
    /// ```
    #[must_use]
    pub fn connect_pair(&self, seed: u64) -> Pair {
        let mut pair = Pair::with_identities(
            (*self.config).clone(),
            (*self.config).clone(),
            &self.a,
            &self.b,
            Some(self.b.peer_id()),
            seed,
        )
        .expect("a valid configuration");
        pair.run_until_connected().expect("no livelock");
        assert_eq!(pair.a.state(), ConnectionState::Connected);
        assert_eq!(pair.b.state(), ConnectionState::Connected);
        pair
    }
}

/// An established connection and the 64 KiB `block` it carries from `a`
/// to `b`.
///
/// ```
/// let channel = veil_benches::connection::Channel::default();
/// # let _ = channel;
/// ```
pub struct Channel {
    a: Connection,
    b: Connection,
    link: Link,
    block: Bytes,
}

impl Default for Channel {
    fn default() -> Self {
        let (a, b) = Nodes::default().connect();
        let block = Bytes::from(payload_bytes(&message_of_len(BLOCK_LEN)));
        Channel {
            a,
            b,
            link: Link::default(),
            block,
        }
    }
}

impl core::fmt::Debug for Channel {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Channel")
            .field("a", &self.a)
            .field("b", &self.b)
            .finish_non_exhaustive()
    }
}

impl Channel {
    /// Sends the block from `a` and delivers it to `b`'s application:
    /// `a.send`, then `a.transmit_slice` into `b.handle_input` in
    /// [`IO_CHUNK`] pieces, then `b.poll_event`; and whatever `b` answers
    /// (a session rekey's packets, after every 1 GiB) back to `a`. Returns
    /// the length of the block `b` received.
    ///
    /// # Panics
    ///
    /// If `b` does not receive exactly the block: a bug in veil.
    ///
    /// ```
    /// let mut channel = veil_benches::connection::Channel::default();
    /// for _ in 0..3 {
    ///     assert_eq!(channel.send_block(), 65_536);
    /// }
    /// ```
    pub fn send_block(&mut self) -> usize {
        self.a
            .send(NOW, Message::Block(self.block.clone()))
            .expect("connected, queue empty");
        let mut received = 0;
        self.link
            .settle(&mut self.a, &mut self.b, NOW, |at_a, event| match event {
                Event::Message(Message::Block(block)) if !at_a => {
                    assert_eq!(block.len(), BLOCK_LEN);
                    received += block.len();
                }
                Event::Rekeyed { .. } => {}
                other => panic!("unexpected event {other:?}"),
            });
        received
    }
}
