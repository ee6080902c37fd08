//! What the router needs to know about a peer, and its one refusal.

use core::fmt;

/// How a peer is connected, as far as Dandelion++ cares.
///
/// # Example
///
/// ```
/// use veil_core::dandelion::PeerInfo;
///
/// let relay = PeerInfo { outbound: true, supports_dandelion: true };
/// assert!(relay.is_stem_candidate());
/// let inbound = PeerInfo { outbound: false, supports_dandelion: true };
/// assert!(!inbound.is_stem_candidate());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PeerInfo {
    /// This node dialled the peer. Only outbound peers become stem relays
    /// (BIP156): an attacker can open any number of inbound connections, but
    /// cannot choose which addresses this node dials.
    pub outbound: bool,
    /// The peer accepts stem transactions.
    pub supports_dandelion: bool,
}

impl PeerInfo {
    /// Whether the peer may be drawn as a stem relay: outbound and
    /// Dandelion-capable.
    ///
    /// # Example
    ///
    /// ```
    /// use veil_core::dandelion::PeerInfo;
    ///
    /// let legacy = PeerInfo { outbound: true, supports_dandelion: false };
    /// assert!(!legacy.is_stem_candidate());
    /// ```
    #[must_use]
    pub const fn is_stem_candidate(&self) -> bool {
        self.outbound && self.supports_dandelion
    }
}

/// A new peer was refused: the router already tracks
/// [`DandelionConfig::max_peers`](super::DandelionConfig::max_peers) peers.
///
/// # Example
///
/// ```
/// use rand_chacha::rand_core::SeedableRng;
/// use veil_core::dandelion::{DandelionConfig, PeerInfo, PeerLimit, Router};
/// use veil_core::Instant;
///
/// let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
/// let config = DandelionConfig { max_peers: 1, ..DandelionConfig::default() };
/// let mut router = Router::new(config, Instant::ZERO, &mut rng).unwrap();
/// let info = PeerInfo { outbound: true, supports_dandelion: true };
/// assert_eq!(router.peer_connected(Instant::ZERO, 1u32, info), Ok(()));
/// assert_eq!(router.peer_connected(Instant::ZERO, 2u32, info), Err(PeerLimit { max: 1 }));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PeerLimit {
    /// The configured maximum.
    pub max: usize,
}

impl fmt::Display for PeerLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the Dandelion router already tracks {} peers", self.max)
    }
}

#[cfg(feature = "std")]
impl std::error::Error for PeerLimit {}
