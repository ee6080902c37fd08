//! Two connections wired back to back on a virtual clock.

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

use crate::connection::{ConfigError, Connection, ConnectionConfig, Event};
use crate::identity::{Identity, PeerId};
use crate::time::{Duration, Instant, UnixTime};

/// Which way bytes travel.
///
/// # Example
///
/// ```
/// use veil_core::testing::Direction;
/// assert_eq!(Direction::AToB.reverse(), Direction::BToA);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// From the outbound side `a` to the inbound side `b`.
    AToB,
    /// From `b` to `a`.
    BToA,
}

impl Direction {
    /// The other way.
    ///
    /// ```
    /// # use veil_core::testing::Direction;
    /// assert_eq!(Direction::BToA.reverse(), Direction::AToB);
    /// ```
    #[must_use]
    pub fn reverse(self) -> Direction {
        match self {
            Direction::AToB => Direction::BToA,
            Direction::BToA => Direction::AToB,
        }
    }
}

/// An event and the side and time it came out.
///
/// # Example
///
/// ```
/// use veil_core::testing::{Direction, PairEvent};
/// # fn show(e: &PairEvent) {
/// let side = if e.at_a { "a" } else { "b" };
/// println!("{side} at {}: {:?}", e.at, e.event);
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PairEvent {
    /// True for `a`, false for `b`.
    pub at_a: bool,
    /// When.
    pub at: Instant,
    /// What.
    pub event: Event,
}

/// The drive did not settle within its step budget.
///
/// # Example
///
/// ```
/// use veil_core::testing::Livelock;
/// assert_eq!(Livelock { steps: 5 }.to_string(), "no quiescence after 5 steps");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Livelock {
    /// Steps taken.
    pub steps: usize,
}

impl core::fmt::Display for Livelock {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "no quiescence after {} steps", self.steps)
    }
}

/// A hook that sees (and may change) every chunk in flight: direction,
/// offset of the chunk's first byte in its direction's stream, bytes.
///
/// # Example
///
/// ```
/// use veil_core::testing::{Direction, Tamper};
/// // Flip the first byte the inbound side ever receives.
/// let flip: Tamper = Box::new(|direction, offset, chunk| {
///     if direction == Direction::AToB && offset == 0 {
///         chunk[0] ^= 1;
///     }
/// });
/// # let _ = flip;
/// ```
pub type Tamper = Box<dyn FnMut(Direction, u64, &mut Vec<u8>)>;

/// An outbound connection `a` and an inbound connection `b` joined by a
/// virtual link with a fixed one-way latency, on a virtual clock that
/// jumps from deadline to deadline.
///
/// `CheckNonce` events are answered from the side's own local nonce, or
/// from both sides' when [`Pair::same_node`] is set (a node that dialled
/// itself).
///
/// # Example
///
/// ```
/// use veil_core::connection::{ConnectionConfig, ConnectionState, Event};
/// use veil_core::message::Message;
/// use veil_core::testing::Pair;
/// use veil_core::Duration;
///
/// let mut pair = Pair::new(ConnectionConfig::default(), ConnectionConfig::default(), 1).unwrap();
/// pair.latency = Duration::from_millis(50);
/// pair.run_until_connected().unwrap();
/// assert_eq!(pair.a.state(), ConnectionState::Connected);
/// // Three flights of Noise, then version, version + verack, verack.
/// assert_eq!(pair.now.as_millis(), 5 * 50);
///
/// pair.a.send(pair.now, Message::GetAddr).unwrap();
/// pair.run_until(pair.now + pair.latency).unwrap();
/// assert!(pair.events_b().any(|e| e == &Event::Message(Message::GetAddr)));
/// ```
pub struct Pair {
    /// The outbound side.
    pub a: Connection,
    /// The inbound side.
    pub b: Connection,
    /// The virtual clock.
    pub now: Instant,
    /// One-way delay of the link.
    pub latency: Duration,
    /// Largest step budget of one drive before it reports [`Livelock`].
    pub max_steps: usize,
    /// Changes bytes in flight (byte flips, truncation…).
    pub tamper: Option<Tamper>,
    /// Every event so far, in order.
    pub events: Vec<PairEvent>,
    /// Whether `a` and `b` belong to one node, for the self-connection
    /// check.
    pub same_node: bool,
    in_flight: VecDeque<(Instant, Direction, Vec<u8>)>,
    offsets: [u64; 2],
    buf: Vec<u8>,
}

/// The wall-clock time at the pair's virtual epoch.
pub const PAIR_WALL_CLOCK: UnixTime = UnixTime::from_secs(1_700_000_000);

impl Pair {
    /// A pair with fresh identities from `seed`; `a` expects `b`'s identity.
    ///
    /// ```
    /// # use veil_core::{connection::ConnectionConfig, testing::Pair};
    /// let pair = Pair::new(ConnectionConfig::default(), ConnectionConfig::default(), 7).unwrap();
    /// assert!(pair.a.is_outbound());
    /// ```
    pub fn new(
        config_a: ConnectionConfig,
        config_b: ConnectionConfig,
        seed: u64,
    ) -> Result<Pair, ConfigError> {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let identity_a = Identity::generate(&mut rng);
        let identity_b = Identity::generate(&mut rng);
        let expected = (config_a.outbound_transport == crate::connection::TransportKind::Encrypted)
            .then(|| identity_b.peer_id());
        Pair::with_identities(config_a, config_b, &identity_a, &identity_b, expected, seed)
    }

    /// A pair with the given identities and expected peer id for `a`.
    ///
    /// ```
    /// # use veil_core::{connection::ConnectionConfig, identity::Identity, testing::Pair};
    /// let (ia, ib) = (Identity::from_secret_bytes([1; 32]), Identity::from_secret_bytes([2; 32]));
    /// let pair = Pair::with_identities(ConnectionConfig::default(), ConnectionConfig::default(), &ia, &ib, None, 3).unwrap();
    /// assert!(!pair.b.is_outbound());
    /// ```
    pub fn with_identities(
        config_a: ConnectionConfig,
        config_b: ConnectionConfig,
        identity_a: &Identity,
        identity_b: &Identity,
        expected_by_a: Option<PeerId>,
        seed: u64,
    ) -> Result<Pair, ConfigError> {
        let mut rng = ChaCha20Rng::seed_from_u64(seed ^ 0x5eed_5eed_5eed_5eed);
        let now = Instant::ZERO;
        let a = Connection::outbound(
            Arc::new(config_a),
            identity_a,
            expected_by_a,
            now,
            PAIR_WALL_CLOCK,
            &mut rng,
        )?;
        let b = Connection::inbound(
            Arc::new(config_b),
            identity_b,
            None,
            now,
            PAIR_WALL_CLOCK,
            &mut rng,
        )?;
        Ok(Pair {
            a,
            b,
            now,
            latency: Duration::ZERO,
            max_steps: 100_000,
            tamper: None,
            events: Vec::new(),
            same_node: false,
            in_flight: VecDeque::new(),
            offsets: [0; 2],
            buf: vec![0u8; 256 * 1024],
        })
    }

    /// Events `a` reported so far.
    ///
    /// ```
    /// # use veil_core::{connection::ConnectionConfig, testing::Pair};
    /// let pair = Pair::new(ConnectionConfig::default(), ConnectionConfig::default(), 7).unwrap();
    /// assert_eq!(pair.events_a().count(), 0);
    /// ```
    pub fn events_a(&self) -> impl Iterator<Item = &Event> {
        self.events.iter().filter(|e| e.at_a).map(|e| &e.event)
    }

    /// Events `b` reported so far.
    ///
    /// ```
    /// # use veil_core::{connection::ConnectionConfig, testing::Pair};
    /// let pair = Pair::new(ConnectionConfig::default(), ConnectionConfig::default(), 7).unwrap();
    /// assert_eq!(pair.events_b().count(), 0);
    /// ```
    pub fn events_b(&self) -> impl Iterator<Item = &Event> {
        self.events.iter().filter(|e| !e.at_a).map(|e| &e.event)
    }

    /// Moves bytes and events without advancing the clock until nothing
    /// more happens at `now`.
    ///
    /// ```
    /// # use veil_core::{connection::ConnectionConfig, testing::Pair};
    /// let mut pair = Pair::new(ConnectionConfig::default(), ConnectionConfig::default(), 7).unwrap();
    /// pair.settle().unwrap();
    /// // With no latency the whole handshake happens at time zero.
    /// assert_eq!(pair.a.state(), veil_core::connection::ConnectionState::Connected);
    /// ```
    pub fn settle(&mut self) -> Result<(), Livelock> {
        for _ in 0..self.max_steps {
            if !self.step() {
                return Ok(());
            }
        }
        Err(Livelock {
            steps: self.max_steps,
        })
    }

    /// The next time anything is due: a delivery or either side's deadline.
    ///
    /// ```
    /// # use veil_core::{connection::ConnectionConfig, testing::Pair};
    /// let pair = Pair::new(ConnectionConfig::default(), ConnectionConfig::default(), 7).unwrap();
    /// assert!(pair.next_wakeup().is_some());
    /// ```
    #[must_use]
    pub fn next_wakeup(&self) -> Option<Instant> {
        let arrival = self.in_flight.front().map(|(at, _, _)| *at);
        let deadlines = [self.a.poll_timeout(), self.b.poll_timeout()];
        deadlines
            .into_iter()
            .flatten()
            .map(|(at, _)| at)
            .chain(arrival)
            .min()
    }

    /// Settles, then jumps the clock to the next wakeup (never beyond
    /// `limit`) and handles it. Returns false when nothing is due by
    /// `limit`.
    ///
    /// ```
    /// # use veil_core::{connection::ConnectionConfig, testing::Pair, Instant};
    /// let mut pair = Pair::new(ConnectionConfig::default(), ConnectionConfig::default(), 7).unwrap();
    /// assert!(pair.advance(Instant::from_millis(120_000)).unwrap());
    /// ```
    pub fn advance(&mut self, limit: Instant) -> Result<bool, Livelock> {
        self.settle()?;
        let Some(next) = self.next_wakeup() else {
            return Ok(false);
        };
        if next > limit {
            return Ok(false);
        }
        self.now = self.now.max(next);
        self.a.handle_timeout(self.now);
        self.b.handle_timeout(self.now);
        self.settle()?;
        Ok(true)
    }

    /// Runs the clock until `until` (deadline to deadline), then sets it
    /// there.
    ///
    /// ```
    /// # use veil_core::{connection::ConnectionConfig, testing::Pair, Instant};
    /// let mut pair = Pair::new(ConnectionConfig::default(), ConnectionConfig::default(), 7).unwrap();
    /// pair.run_until(Instant::from_millis(600_000)).unwrap();
    /// assert!(pair.a.stats().pings_sent >= 9);
    /// ```
    pub fn run_until(&mut self, until: Instant) -> Result<(), Livelock> {
        let mut steps = 0;
        while self.advance(until)? {
            steps += 1;
            if steps > self.max_steps {
                return Err(Livelock { steps });
            }
        }
        self.now = self.now.max(until);
        self.settle()
    }

    /// Runs until both sides are connected or either closed.
    ///
    /// ```
    /// # use veil_core::{connection::{ConnectionConfig, ConnectionState}, testing::Pair};
    /// let mut pair = Pair::new(ConnectionConfig::default(), ConnectionConfig::default(), 7).unwrap();
    /// pair.run_until_connected().unwrap();
    /// assert_eq!(pair.b.state(), ConnectionState::Connected);
    /// ```
    pub fn run_until_connected(&mut self) -> Result<(), Livelock> {
        use crate::connection::ConnectionState::{Closed, Connected};
        let mut steps = 0;
        loop {
            self.settle()?;
            let (a, b) = (self.a.state(), self.b.state());
            if (a == Connected && b == Connected) || a == Closed || b == Closed {
                return Ok(());
            }
            if !self.advance(Instant::from_millis(u64::MAX))? {
                return Ok(());
            }
            steps += 1;
            if steps > self.max_steps {
                return Err(Livelock { steps });
            }
        }
    }

    /// One round: collect transmits, deliver what has arrived, collect
    /// events. True if anything moved.
    fn step(&mut self) -> bool {
        let mut moved = false;
        for direction in [Direction::AToB, Direction::BToA] {
            loop {
                let connection = match direction {
                    Direction::AToB => &mut self.a,
                    Direction::BToA => &mut self.b,
                };
                let n = connection.poll_transmit(&mut self.buf);
                if n == 0 {
                    break;
                }
                moved = true;
                let mut chunk = self.buf[..n].to_vec();
                let offset = &mut self.offsets[direction as usize];
                if let Some(tamper) = &mut self.tamper {
                    tamper(direction, *offset, &mut chunk);
                }
                *offset += n as u64;
                self.in_flight
                    .push_back((self.now + self.latency, direction, chunk));
            }
        }
        while let Some((at, _, _)) = self.in_flight.front() {
            if *at > self.now {
                break;
            }
            let Some((_, direction, chunk)) = self.in_flight.pop_front() else {
                break;
            };
            moved = true;
            match direction {
                Direction::AToB => self.b.handle_input(self.now, &chunk),
                Direction::BToA => self.a.handle_input(self.now, &chunk),
            }
        }
        moved |= self.collect_events();
        moved
    }

    fn collect_events(&mut self) -> bool {
        let mut moved = false;
        let own = [self.a.local_nonce(), self.b.local_nonce()];
        for at_a in [true, false] {
            loop {
                let connection = if at_a { &mut self.a } else { &mut self.b };
                let Some(event) = connection.poll_event() else {
                    break;
                };
                moved = true;
                if let Event::CheckNonce { remote_nonce } = event {
                    let local = remote_nonce == own[usize::from(!at_a)]
                        || (self.same_node && own.contains(&remote_nonce));
                    connection.resolve_nonce_check(self.now, local);
                }
                self.events.push(PairEvent {
                    at_a,
                    at: self.now,
                    event,
                });
            }
        }
        moved
    }
}
