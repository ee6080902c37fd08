//! Read-only views of a router's state, for the caller's logs and tests.

use super::config::DandelionConfig;
use super::route::Mode;
use super::router::Router;
use super::TxHash;
use crate::time::Instant;

impl<P: Ord + Clone> Router<P> {
    /// The configuration.
    ///
    /// # Example
    ///
    /// ```
    /// use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::dandelion::{DandelionConfig, Router};
    /// use veil_core::Instant;
    ///
    /// let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    /// let router = Router::<u8>::new(DandelionConfig::default(), Instant::ZERO, &mut rng).unwrap();
    /// assert_eq!(router.config().stem_relays, 2);
    /// ```
    #[must_use]
    pub fn config(&self) -> &DandelionConfig {
        &self.config
    }

    /// The node's mode for the current epoch.
    ///
    /// # Example
    ///
    /// ```
    /// use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::dandelion::{DandelionConfig, Mode, Router};
    /// use veil_core::Instant;
    ///
    /// let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    /// let config = DandelionConfig { fluff_permille: 0, ..DandelionConfig::default() };
    /// let router = Router::<u8>::new(config, Instant::ZERO, &mut rng).unwrap();
    /// assert_eq!(router.mode(), Mode::Relay);
    /// ```
    #[must_use]
    pub fn mode(&self) -> Mode {
        self.epoch.mode
    }

    /// The current epoch's stem relays, in the order they were drawn.
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
    /// let inbound = PeerInfo { outbound: false, supports_dandelion: true };
    /// router.peer_connected(Instant::ZERO, 1u8, inbound).unwrap();
    /// assert!(router.relays().is_empty());
    /// ```
    #[must_use]
    pub fn relays(&self) -> &[P] {
        self.epoch.relays()
    }

    /// The relay of this node's own transactions in the current epoch.
    ///
    /// # Example
    ///
    /// ```
    /// use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::dandelion::{DandelionConfig, Router};
    /// use veil_core::Instant;
    ///
    /// let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    /// let router = Router::<u8>::new(DandelionConfig::default(), Instant::ZERO, &mut rng).unwrap();
    /// assert_eq!(router.own_relay(), None);
    /// ```
    #[must_use]
    pub fn own_relay(&self) -> Option<&P> {
        self.epoch.own_relay()
    }

    /// The relay that stem transactions from `source` go to in this epoch,
    /// once one has arrived.
    ///
    /// # Example
    ///
    /// ```
    /// use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::dandelion::{DandelionConfig, PeerInfo, Router};
    /// use veil_core::Instant;
    ///
    /// let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    /// let config = DandelionConfig { fluff_permille: 0, ..DandelionConfig::default() };
    /// let mut router = Router::new(config, Instant::ZERO, &mut rng).unwrap();
    /// router.peer_connected(Instant::ZERO, 1u8, PeerInfo { outbound: true, supports_dandelion: true }).unwrap();
    /// router.peer_connected(Instant::ZERO, 7u8, PeerInfo { outbound: false, supports_dandelion: true }).unwrap();
    /// assert_eq!(router.route_of(&7), None);
    /// let _ = router.stem_tx_received(Instant::ZERO, &7, [0; 32]);
    /// assert_eq!(router.route_of(&7), Some(&1));
    /// ```
    #[must_use]
    pub fn route_of(&self, source: &P) -> Option<&P> {
        self.epoch.route_of(source)
    }

    /// When the current epoch ends.
    ///
    /// # Example
    ///
    /// ```
    /// use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::dandelion::{DandelionConfig, Router};
    /// use veil_core::{Duration, Instant};
    ///
    /// let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    /// let router = Router::<u8>::new(DandelionConfig::default(), Instant::ZERO, &mut rng).unwrap();
    /// let end = router.epoch_end().saturating_duration_since(Instant::ZERO);
    /// assert!(end >= Duration::from_secs(600) && end <= Duration::from_secs(630));
    /// ```
    #[must_use]
    pub fn epoch_end(&self) -> Instant {
        self.epoch.ends
    }

    /// Transactions under embargo now (not counting expired ones whose
    /// event is still queued).
    ///
    /// # Example
    ///
    /// ```
    /// use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::dandelion::{DandelionConfig, Router};
    /// use veil_core::Instant;
    ///
    /// let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    /// let router = Router::<u8>::new(DandelionConfig::default(), Instant::ZERO, &mut rng).unwrap();
    /// assert_eq!(router.embargoed(), 0);
    /// ```
    #[must_use]
    pub fn embargoed(&self) -> usize {
        self.embargoes.len()
    }

    /// Whether `tx` is under embargo.
    ///
    /// # Example
    ///
    /// ```
    /// use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::dandelion::{DandelionConfig, Router};
    /// use veil_core::Instant;
    ///
    /// let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    /// let router = Router::<u8>::new(DandelionConfig::default(), Instant::ZERO, &mut rng).unwrap();
    /// assert!(!router.is_embargoed(&[0; 32]));
    /// ```
    #[must_use]
    pub fn is_embargoed(&self, tx: &TxHash) -> bool {
        self.embargoes.origin(tx).is_some()
    }

    /// Embargo slots in use: embargoed transactions plus expired embargoes
    /// whose event is still queued. Never above
    /// [`DandelionConfig::max_embargoed`].
    ///
    /// # Example
    ///
    /// ```
    /// use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::dandelion::{DandelionConfig, Router};
    /// use veil_core::Instant;
    ///
    /// let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    /// let router = Router::<u8>::new(DandelionConfig::default(), Instant::ZERO, &mut rng).unwrap();
    /// assert_eq!(router.embargo_slots_used(), 0);
    /// ```
    #[must_use]
    pub fn embargo_slots_used(&self) -> usize {
        self.embargoes.len() + self.expired_queued
    }

    /// Peers tracked (connected and not yet disconnected).
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
    /// router.peer_connected(Instant::ZERO, 1u8, PeerInfo { outbound: false, supports_dandelion: false }).unwrap();
    /// router.peer_disconnected(Instant::ZERO, &1);
    /// assert_eq!(router.peer_count(), 0);
    /// ```
    #[must_use]
    pub fn peer_count(&self) -> usize {
        self.peers.len()
    }

    /// Events waiting in [`Router::poll_event`]'s queue.
    ///
    /// # Example
    ///
    /// ```
    /// use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::dandelion::{DandelionConfig, Router};
    /// use veil_core::Instant;
    ///
    /// let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    /// let router = Router::<u8>::new(DandelionConfig::default(), Instant::ZERO, &mut rng).unwrap();
    /// assert_eq!(router.queued_events(), 1);
    /// ```
    #[must_use]
    pub fn queued_events(&self) -> usize {
        self.events.len()
    }
}
