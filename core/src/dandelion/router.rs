//! The router: inputs, routing decisions, deadlines and events.

use alloc::collections::{BTreeMap, VecDeque};

use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;

use super::config::{ConfigError, DandelionConfig};
use super::embargo::{Embargoes, Origin};
use super::epoch::Epoch;
use super::peer::{PeerInfo, PeerLimit};
use super::random;
use super::route::{Event, FluffReason, Mode, Route, TimeoutReason};
use super::TxHash;
use crate::time::Instant;

/// A Dandelion++ router for one node, generic over the caller's peer key.
///
/// See the [module documentation](super) for the algorithm and the call
/// order.
///
/// # Example
///
/// ```
/// use rand_chacha::rand_core::SeedableRng;
/// use veil_core::dandelion::{DandelionConfig, PeerInfo, Route, Router};
/// use veil_core::Instant;
///
/// let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
/// let config = DandelionConfig { fluff_permille: 0, ..DandelionConfig::default() };
/// let mut router = Router::new(config, Instant::ZERO, &mut rng).unwrap();
/// let out = PeerInfo { outbound: true, supports_dandelion: true };
/// let inbound = PeerInfo { outbound: false, supports_dandelion: true };
/// router.peer_connected(Instant::ZERO, 1u16, out).unwrap();
/// router.peer_connected(Instant::ZERO, 2u16, out).unwrap();
/// router.peer_connected(Instant::ZERO, 9u16, inbound).unwrap();
/// // A relay-mode node stems what peer 9 sends, always to the same relay.
/// let first = router.stem_tx_received(Instant::ZERO, &9, [1; 32]);
/// let second = router.stem_tx_received(Instant::ZERO, &9, [2; 32]);
/// assert!(matches!(first, Route::Stem(relay) if relay == 1 || relay == 2));
/// assert_eq!(first, second);
/// ```
#[derive(Clone, Debug)]
pub struct Router<P> {
    pub(super) config: DandelionConfig,
    /// Seeded once from the caller's generator, like a connection's.
    pub(super) rng: ChaCha20Rng,
    /// The latest instant seen; earlier ones are read as this one.
    pub(super) now: Instant,
    pub(super) peers: BTreeMap<P, PeerInfo>,
    pub(super) epoch: Epoch<P>,
    pub(super) embargoes: Embargoes<P>,
    pub(super) events: VecDeque<Event<P>>,
    /// `EmbargoExpired` events waiting in `events`: they still count
    /// against `max_embargoed`, so an undrained queue cannot grow without
    /// bound.
    pub(super) expired_queued: usize,
}

impl<P: Ord + Clone> Router<P> {
    /// A router whose first epoch starts at `now`; `rng` seeds its own
    /// generator. Queues the first [`Event::EpochStarted`].
    ///
    /// # Example
    ///
    /// ```
    /// use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::dandelion::{DandelionConfig, Event, Router};
    /// use veil_core::Instant;
    ///
    /// let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    /// let mut router = Router::<u8>::new(DandelionConfig::default(), Instant::ZERO, &mut rng).unwrap();
    /// assert!(matches!(router.poll_event(), Some(Event::EpochStarted { relays, .. }) if relays.is_empty()));
    /// ```
    pub fn new<R: RngCore + ?Sized>(
        config: DandelionConfig,
        now: Instant,
        rng: &mut R,
    ) -> Result<Self, ConfigError> {
        config.validate()?;
        let mut seed = [0u8; 32];
        rng.fill_bytes(&mut seed);
        let mut rng = ChaCha20Rng::from_seed(seed);
        let peers = BTreeMap::new();
        let epoch = Epoch::start(&config, &peers, now, &mut rng);
        let mut router = Router {
            config,
            rng,
            now,
            peers,
            epoch,
            embargoes: Embargoes::new(),
            events: VecDeque::new(),
            expired_queued: 0,
        };
        router.announce_epoch();
        Ok(router)
    }

    /// A peer connected, or its [`PeerInfo`] changed (call again after the
    /// version handshake says it supports Dandelion). An eligible peer
    /// fills an empty relay slot of the current epoch at once; a relay that
    /// is no longer eligible is replaced.
    ///
    /// # Example
    ///
    /// ```
    /// use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::dandelion::{DandelionConfig, PeerInfo, Router};
    /// use veil_core::Instant;
    ///
    /// let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    /// let mut router = Router::new(DandelionConfig::default(), Instant::ZERO, &mut rng).unwrap();
    /// let info = PeerInfo { outbound: true, supports_dandelion: true };
    /// router.peer_connected(Instant::ZERO, 'a', info).unwrap();
    /// assert_eq!(router.relays(), &['a']);
    /// ```
    pub fn peer_connected(
        &mut self,
        now: Instant,
        peer: P,
        info: PeerInfo,
    ) -> Result<(), PeerLimit> {
        self.clock(now);
        if !self.peers.contains_key(&peer) && self.peers.len() >= self.config.max_peers {
            return Err(PeerLimit {
                max: self.config.max_peers,
            });
        }
        self.peers.insert(peer.clone(), info);
        let wanted = self.config.stem_relays;
        if !info.is_stem_candidate() {
            self.epoch
                .drop_relay(&peer, wanted, &self.peers, &mut self.rng);
        }
        self.epoch.fill(wanted, &self.peers, &mut self.rng);
        Ok(())
    }

    /// A peer disconnected. If it was a stem relay, another eligible peer
    /// replaces it at once and the routes through it (the own relay too)
    /// move to the remaining relays; its own route as a source is
    /// forgotten. Unknown peers are ignored.
    ///
    /// # Example
    ///
    /// ```
    /// use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::dandelion::{DandelionConfig, PeerInfo, Router};
    /// use veil_core::Instant;
    ///
    /// let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    /// let config = DandelionConfig { stem_relays: 1, ..DandelionConfig::default() };
    /// let mut router = Router::new(config, Instant::ZERO, &mut rng).unwrap();
    /// let info = PeerInfo { outbound: true, supports_dandelion: true };
    /// router.peer_connected(Instant::ZERO, 1u8, info).unwrap();
    /// router.peer_connected(Instant::ZERO, 2u8, info).unwrap();
    /// assert_eq!(router.relays(), &[1]);
    /// router.peer_disconnected(Instant::ZERO, &1);
    /// assert_eq!(router.relays(), &[2]);
    /// assert_eq!(router.own_relay(), Some(&2));
    /// ```
    pub fn peer_disconnected(&mut self, now: Instant, peer: &P) {
        self.clock(now);
        if self.peers.remove(peer).is_none() {
            return;
        }
        self.epoch.forget_source(peer);
        self.epoch
            .drop_relay(peer, self.config.stem_relays, &self.peers, &mut self.rng);
    }

    /// A stem transaction arrived from `from`: where it goes next. The
    /// caller has validated it (and drops transactions it already holds in
    /// fluff phase, which are no longer stem transactions).
    ///
    /// In order: a transaction already under embargo (from the same sender:
    /// [`Route::Duplicate`]; from elsewhere: a loop, fluffed), an unknown
    /// sender, a diffuser epoch, no usable relay and a full embargo table
    /// each fluff; otherwise the transaction goes to the sender's relay for
    /// this epoch and its embargo starts.
    ///
    /// # Example
    ///
    /// ```
    /// use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::dandelion::{DandelionConfig, FluffReason, PeerInfo, Route, Router};
    /// use veil_core::Instant;
    ///
    /// let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    /// let config = DandelionConfig { fluff_permille: 0, ..DandelionConfig::default() };
    /// let mut router = Router::new(config, Instant::ZERO, &mut rng).unwrap();
    /// let out = PeerInfo { outbound: true, supports_dandelion: true };
    /// router.peer_connected(Instant::ZERO, 1u8, out).unwrap();
    /// router.peer_connected(Instant::ZERO, 2u8, out).unwrap();
    /// let tx = [5; 32];
    /// let next = router.stem_tx_received(Instant::ZERO, &1, tx);
    /// assert_eq!(next, Route::Stem(2));
    /// assert_eq!(router.stem_tx_received(Instant::ZERO, &1, tx), Route::Duplicate);
    /// // Coming back from the relay it went to is a loop.
    /// assert_eq!(router.stem_tx_received(Instant::ZERO, &2, tx), Route::Fluff(FluffReason::Loop));
    /// assert!(!router.is_embargoed(&tx));
    /// ```
    pub fn stem_tx_received(&mut self, now: Instant, from: &P, tx: TxHash) -> Route<P> {
        let now = self.clock(now);
        match self.embargoes.origin(&tx) {
            Some(Origin::Peer(sender)) if sender == from => return Route::Duplicate,
            Some(_) => {
                self.embargoes.remove(&tx);
                return Route::Fluff(FluffReason::Loop);
            }
            None => {}
        }
        if !self.peers.contains_key(from) {
            return Route::Fluff(FluffReason::UnknownPeer);
        }
        if self.epoch.mode == Mode::Diffuser {
            return Route::Fluff(FluffReason::Diffuser);
        }
        let relay = match self.epoch.route(from, &mut self.rng) {
            Ok(relay) => relay,
            Err(reason) => return Route::Fluff(reason),
        };
        self.embargo(now, tx, Origin::Peer(from.clone()), relay)
    }

    /// This node's own transaction: stemmed in both modes, always to the
    /// epoch's own relay, under embargo like any other.
    ///
    /// # Example
    ///
    /// ```
    /// use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::dandelion::{DandelionConfig, PeerInfo, Router};
    /// use veil_core::Instant;
    ///
    /// let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    /// let config = DandelionConfig { fluff_permille: 1000, ..DandelionConfig::default() };
    /// let mut router = Router::new(config, Instant::ZERO, &mut rng).unwrap();
    /// let out = PeerInfo { outbound: true, supports_dandelion: true };
    /// for peer in 0..8u8 {
    ///     router.peer_connected(Instant::ZERO, peer, out).unwrap();
    /// }
    /// let own = *router.own_relay().unwrap();
    /// for tx in 0..20u8 {
    ///     assert_eq!(router.local_tx(Instant::ZERO, [tx; 32]).stem_to(), Some(&own));
    /// }
    /// ```
    pub fn local_tx(&mut self, now: Instant, tx: TxHash) -> Route<P> {
        let now = self.clock(now);
        if self.embargoes.origin(&tx).is_some() {
            return Route::Duplicate;
        }
        match self.epoch.own_relay().cloned() {
            Some(relay) => self.embargo(now, tx, Origin::Local, relay),
            None => Route::Fluff(FluffReason::NoRelay),
        }
    }

    /// A transaction was seen in fluff phase (received as an ordinary
    /// transaction, or broadcast by this node): its embargo, if any, ends.
    /// Returns whether one did.
    ///
    /// # Example
    ///
    /// ```
    /// use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::dandelion::{DandelionConfig, PeerInfo, Router};
    /// use veil_core::Instant;
    ///
    /// let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    /// let mut router = Router::new(DandelionConfig::default(), Instant::ZERO, &mut rng).unwrap();
    /// router.peer_connected(Instant::ZERO, 1u8, PeerInfo { outbound: true, supports_dandelion: true }).unwrap();
    /// let _ = router.local_tx(Instant::ZERO, [3; 32]);
    /// assert!(router.fluff_tx_seen(Instant::ZERO, &[3; 32]));
    /// assert!(!router.fluff_tx_seen(Instant::ZERO, &[3; 32]));
    /// assert_eq!(router.embargoed(), 0);
    /// ```
    pub fn fluff_tx_seen(&mut self, now: Instant, tx: &TxHash) -> bool {
        self.clock(now);
        self.embargoes.remove(tx)
    }

    /// The next deadline and what it is for: the earliest embargo or the
    /// end of the epoch, whichever comes first (there is always an epoch).
    /// Call [`Router::handle_timeout`] when it passes; re-read after every
    /// call that changes the router.
    ///
    /// # Example
    ///
    /// ```
    /// use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::dandelion::{DandelionConfig, PeerInfo, Router, TimeoutReason};
    /// use veil_core::{Duration, Instant};
    ///
    /// let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    /// let mut router = Router::new(DandelionConfig::default(), Instant::ZERO, &mut rng).unwrap();
    /// router.peer_connected(Instant::ZERO, 1u8, PeerInfo { outbound: true, supports_dandelion: true }).unwrap();
    /// let _ = router.local_tx(Instant::ZERO, [3; 32]);
    /// let (deadline, reason) = router.poll_timeout();
    /// assert_eq!(reason, TimeoutReason::Embargo);
    /// assert!(deadline >= Instant::ZERO + Duration::from_secs(10));
    /// ```
    #[must_use]
    pub fn poll_timeout(&self) -> (Instant, TimeoutReason) {
        let epoch = (self.epoch.ends, TimeoutReason::EpochEnd);
        match self.embargoes.next_deadline() {
            Some(deadline) => epoch.min((deadline, TimeoutReason::Embargo)),
            None => epoch,
        }
    }

    /// Acts on every deadline that has passed by `now`: each expired
    /// embargo queues [`Event::EmbargoExpired`], and an ended epoch starts
    /// the next one at `now` (queuing [`Event::EpochStarted`]). Afterwards
    /// [`Router::poll_timeout`] is later than `now`. Calling it early does
    /// nothing.
    ///
    /// # Example
    ///
    /// ```
    /// use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::dandelion::{DandelionConfig, Event, Router};
    /// use veil_core::Instant;
    ///
    /// let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    /// let mut router = Router::<u8>::new(DandelionConfig::default(), Instant::ZERO, &mut rng).unwrap();
    /// while router.poll_event().is_some() {}
    /// let (end, _) = router.poll_timeout();
    /// router.handle_timeout(end);
    /// assert!(matches!(router.poll_event(), Some(Event::EpochStarted { .. })));
    /// assert!(router.poll_timeout().0 > end);
    /// ```
    pub fn handle_timeout(&mut self, now: Instant) {
        let now = self.clock(now);
        while let Some(tx) = self.embargoes.pop_due(now) {
            self.events.push_back(Event::EmbargoExpired { tx });
            self.expired_queued += 1;
        }
        if self.epoch.ends <= now {
            self.epoch = Epoch::start(&self.config, &self.peers, now, &mut self.rng);
            self.announce_epoch();
        }
    }

    /// The next event, oldest first; `None` when there is none. Drain after
    /// every call.
    ///
    /// # Example
    ///
    /// ```
    /// use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::dandelion::{DandelionConfig, Router};
    /// use veil_core::Instant;
    ///
    /// let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    /// let mut router = Router::<u8>::new(DandelionConfig::default(), Instant::ZERO, &mut rng).unwrap();
    /// assert!(router.poll_event().is_some());
    /// assert_eq!(router.poll_event(), None);
    /// ```
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event<P>> {
        let event = self.events.pop_front()?;
        if matches!(event, Event::EmbargoExpired { .. }) {
            self.expired_queued -= 1;
        }
        Some(event)
    }

    fn clock(&mut self, now: Instant) -> Instant {
        self.now = self.now.max(now);
        self.now
    }

    /// Starts the embargo of `tx` and stems it to `relay`, or fluffs it if
    /// the table is full.
    fn embargo(&mut self, now: Instant, tx: TxHash, origin: Origin<P>, relay: P) -> Route<P> {
        let max = self.config.max_embargoed;
        if self.embargoes.len() + self.expired_queued >= max {
            return Route::Fluff(FluffReason::EmbargoFull { max });
        }
        let delay = random::exponential(&mut self.rng, self.config.embargo_mean_extra);
        let deadline = now + self.config.embargo_min + delay;
        self.embargoes.insert(tx, deadline, origin);
        Route::Stem(relay)
    }

    /// Queues `EpochStarted` for the current epoch, dropping any older one
    /// still queued: only the latest matters, and this keeps the queue
    /// bounded.
    fn announce_epoch(&mut self) {
        self.events
            .retain(|event| !matches!(event, Event::EpochStarted { .. }));
        self.events.push_back(Event::EpochStarted {
            mode: self.epoch.mode,
            relays: self.epoch.relays().to_vec(),
        });
    }
}
