//! The router's outputs: where a transaction goes, why it is fluffed, the
//! node's mode, events and deadlines.

use alloc::vec::Vec;
use core::fmt;

use super::TxHash;

/// Where a transaction goes next.
///
/// # Example
///
/// ```
/// use rand_chacha::rand_core::SeedableRng;
/// use veil_core::dandelion::{DandelionConfig, FluffReason, PeerInfo, Route, Router};
/// use veil_core::Instant;
///
/// let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
/// let mut router = Router::new(DandelionConfig::default(), Instant::ZERO, &mut rng).unwrap();
/// // No peers yet: nothing to stem to.
/// assert_eq!(router.local_tx(Instant::ZERO, [1; 32]), Route::Fluff(FluffReason::NoRelay));
/// let info = PeerInfo { outbound: true, supports_dandelion: true };
/// router.peer_connected(Instant::ZERO, "relay", info).unwrap();
/// assert_eq!(router.local_tx(Instant::ZERO, [2; 32]), Route::Stem("relay"));
/// assert_eq!(router.local_tx(Instant::ZERO, [2; 32]), Route::Duplicate);
/// ```
#[must_use]
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Route<P> {
    /// Send the transaction, as a stem transaction, to this peer only. Its
    /// embargo has started.
    Stem(P),
    /// Broadcast the transaction normally (fluff phase), for this reason.
    /// No embargo remains for it.
    Fluff(FluffReason),
    /// Already stemmed from the same origin: do nothing.
    Duplicate,
}

impl<P> Route<P> {
    /// The stem relay, if the transaction is to be stemmed.
    ///
    /// # Example
    ///
    /// ```
    /// use veil_core::dandelion::{FluffReason, Route};
    ///
    /// assert_eq!(Route::Stem(7u8).stem_to(), Some(&7));
    /// assert_eq!(Route::<u8>::Fluff(FluffReason::Diffuser).stem_to(), None);
    /// ```
    #[must_use]
    pub fn stem_to(&self) -> Option<&P> {
        match self {
            Route::Stem(peer) => Some(peer),
            Route::Fluff(_) | Route::Duplicate => None,
        }
    }
}

/// Why a transaction leaves the stem here.
///
/// # Example
///
/// ```
/// use veil_core::dandelion::FluffReason;
///
/// assert!(FluffReason::Diffuser.is_protocol());
/// assert!(!FluffReason::EmbargoFull { max: 4096 }.is_protocol());
/// assert_eq!(FluffReason::Loop.to_string(), "the transaction came back along its own stem");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FluffReason {
    /// This node is a diffuser for the current epoch (probability
    /// `fluff_permille`): the end of an ordinary stem.
    Diffuser,
    /// The transaction came back along its own stem (it is already under
    /// embargo here, from another origin): a routing cycle.
    Loop,
    /// The only stem relay is the peer the transaction came from.
    SenderIsRelay,
    /// No connected outbound peer supports Dandelion.
    NoRelay,
    /// The embargo table is full; stemming without an embargo could lose
    /// the transaction.
    EmbargoFull {
        /// The configured maximum.
        max: usize,
    },
    /// The sender was never reported with `peer_connected`: a caller bug,
    /// answered safely.
    UnknownPeer,
}

impl FluffReason {
    /// `true` for the protocol's own end of the stem ([`Diffuser`]);
    /// `false` for fallbacks that shorten the stem because something is
    /// missing or wrong, worth counting.
    ///
    /// [`Diffuser`]: FluffReason::Diffuser
    ///
    /// # Example
    ///
    /// ```
    /// use veil_core::dandelion::FluffReason;
    ///
    /// assert!(!FluffReason::NoRelay.is_protocol());
    /// ```
    #[must_use]
    pub const fn is_protocol(&self) -> bool {
        matches!(self, FluffReason::Diffuser)
    }
}

impl fmt::Display for FluffReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FluffReason::Diffuser => f.write_str("this node diffuses in the current epoch"),
            FluffReason::Loop => f.write_str("the transaction came back along its own stem"),
            FluffReason::SenderIsRelay => {
                f.write_str("the only stem relay is the peer that sent the transaction")
            }
            FluffReason::NoRelay => f.write_str("no outbound peer supports Dandelion"),
            FluffReason::EmbargoFull { max } => {
                write!(f, "{max} transactions are already under embargo")
            }
            FluffReason::UnknownPeer => f.write_str("the sender is not a connected peer"),
        }
    }
}

/// What this node does with stem transactions from peers for one epoch
/// (the paper's per-node choice, redrawn each epoch). Its own transactions
/// are stemmed in both modes.
///
/// # Example
///
/// ```
/// use rand_chacha::rand_core::SeedableRng;
/// use veil_core::dandelion::{DandelionConfig, Mode, Router};
/// use veil_core::Instant;
///
/// let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
/// let config = DandelionConfig { fluff_permille: 1000, ..DandelionConfig::default() };
/// let router = Router::<u8>::new(config, Instant::ZERO, &mut rng).unwrap();
/// assert_eq!(router.mode(), Mode::Diffuser);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Stem transactions from peers go on to their route's relay.
    Relay,
    /// Stem transactions from peers are fluffed.
    Diffuser,
}

/// Something the caller must act on, from [`Router::poll_event`].
///
/// [`Router::poll_event`]: super::Router::poll_event
///
/// # Example
///
/// ```
/// use rand_chacha::rand_core::SeedableRng;
/// use veil_core::dandelion::{DandelionConfig, Event, PeerInfo, Route, Router};
/// use veil_core::{Duration, Instant};
///
/// let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
/// let mut router = Router::new(DandelionConfig::default(), Instant::ZERO, &mut rng).unwrap();
/// let info = PeerInfo { outbound: true, supports_dandelion: true };
/// router.peer_connected(Instant::ZERO, 1u8, info).unwrap();
/// assert_eq!(router.local_tx(Instant::ZERO, [9; 32]), Route::Stem(1));
/// // The relay black-holes it: after at most the embargo, fluff it ourselves.
/// let later = Instant::ZERO + Duration::from_secs(3600);
/// router.handle_timeout(later);
/// let mut expired = Vec::new();
/// while let Some(event) = router.poll_event() {
///     if let Event::EmbargoExpired { tx } = event {
///         expired.push(tx);
///     }
/// }
/// assert_eq!(expired, vec![[9; 32]]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Event<P> {
    /// A new epoch began: the mode and relays that now apply. Only the
    /// latest is kept while events wait to be polled.
    EpochStarted {
        /// The node's mode for this epoch.
        mode: Mode,
        /// The stem relays drawn for it (fewer than configured if there
        /// are not enough candidates; more are added as they connect).
        relays: Vec<P>,
    },
    /// The embargo of a transaction this node stemmed fired before the
    /// transaction was seen in fluff: broadcast it normally now.
    EmbargoExpired {
        /// The transaction.
        tx: TxHash,
    },
}

/// What the deadline from [`Router::poll_timeout`] is for.
///
/// [`Router::poll_timeout`]: super::Router::poll_timeout
///
/// # Example
///
/// ```
/// use rand_chacha::rand_core::SeedableRng;
/// use veil_core::dandelion::{DandelionConfig, Router, TimeoutReason};
/// use veil_core::Instant;
///
/// let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
/// let router = Router::<u8>::new(DandelionConfig::default(), Instant::ZERO, &mut rng).unwrap();
/// assert_eq!(router.poll_timeout().1, TimeoutReason::EpochEnd);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TimeoutReason {
    /// The earliest embargo fires.
    Embargo,
    /// The epoch ends: new mode, relays and routes.
    EpochEnd,
}
