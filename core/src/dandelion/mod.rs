//! Dandelion++ transaction relay: a pure router that says, for every
//! transaction, whether to send it to one peer (stem) or broadcast it
//! (fluff), and when to give up waiting and fluff it anyway.
//!
//! Dandelion++ (Fanti et al., SIGMETRICS 2018; BIP156) hides which node
//! created a transaction: it first travels a random path of single hops,
//! the *stem*, and only then spreads by ordinary flooding, the *fluff*.
//! An observer who sees where the flood starts learns where the stem ended,
//! not where it began.
//!
//! # The algorithm
//!
//! - **Epochs.** Time is cut into epochs of [`DandelionConfig::epoch_min`]
//!   plus a random jitter (10 minutes and up to 30 s by default). At each
//!   epoch start the node draws its [`Mode`]: a *diffuser* with
//!   probability `q` ([`DandelionConfig::fluff_permille`], 10%), otherwise
//!   a *relay*. It also draws [`DandelionConfig::stem_relays`] (2) stem
//!   relays uniformly among its connected outbound peers that support
//!   Dandelion, and one of them as the relay of its own transactions.
//! - **Stem.** A relay-mode node sends a stem transaction from peer `S` to
//!   `S`'s relay: drawn the first time `S` sends one in the epoch (among
//!   the relays with the fewest sources, never `S` itself) and then fixed,
//!   so everything from one source takes one path (BIP156 per-inbound-edge
//!   routing). A diffuser fluffs every stem transaction. The node's own
//!   transactions are always stemmed, to its own relay, in either mode.
//!   A stem is therefore about `1/q` hops long.
//! - **Embargo.** Whoever stems a transaction starts a timer of
//!   [`DandelionConfig::embargo_min`] plus an exponential delay with mean
//!   [`DandelionConfig::embargo_mean_extra`] (10 s + 20 s). If the
//!   transaction is not seen in fluff by then, a later hop dropped it: the
//!   router reports [`Event::EmbargoExpired`] and the node fluffs it.
//! - **Failures.** A relay that disconnects is replaced at once and its
//!   routes move. With no usable relay, a transaction that returns along its
//!   own stem, or a full embargo table, the transaction is fluffed with a
//!   [`FluffReason`] saying why.
//!
//! The router keeps no transactions, only their 32-byte hashes
//! ([`TxHash`]), and is generic over the caller's peer key. Memory is
//! bounded by [`DandelionConfig::max_peers`] and
//! [`DandelionConfig::max_embargoed`].
//!
//! # Call order
//!
//! 1. [`Router::new`] at start-up.
//! 2. [`Router::peer_connected`] when a peer is connected (and again when
//!    its [`PeerInfo`] changes), [`Router::peer_disconnected`] when it
//!    goes.
//! 3. For each transaction, after validating it:
//!    [`Router::stem_tx_received`] for a stem transaction from a peer,
//!    [`Router::local_tx`] for the node's own; act on the [`Route`]:
//!    send to one peer, broadcast, or nothing.
//! 4. [`Router::fluff_tx_seen`] whenever a transaction is received or sent
//!    in fluff phase (it ends the embargo).
//! 5. When the deadline from [`Router::poll_timeout`] passes,
//!    [`Router::handle_timeout`]; then drain [`Router::poll_event`]
//!    (broadcast each [`Event::EmbargoExpired`]) and re-read the deadline.
//!
//! `now` never goes backwards; an earlier instant is read as the latest
//! one seen. The router owns a ChaCha20 generator seeded from the caller's
//! at construction, and iterates only ordered maps, so the same seed and
//! inputs give the same decisions.
//!
//! # Example
//!
//! ```
//! use rand_chacha::rand_core::SeedableRng;
//! use veil_core::dandelion::{DandelionConfig, Event, PeerInfo, Route, Router};
//! use veil_core::Instant;
//!
//! let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
//! let mut router = Router::new(DandelionConfig::default(), Instant::ZERO, &mut rng).unwrap();
//! let outbound = PeerInfo { outbound: true, supports_dandelion: true };
//! router.peer_connected(Instant::ZERO, "alice", outbound).unwrap();
//! router.peer_connected(Instant::ZERO, "bob", outbound).unwrap();
//!
//! // Our own transaction goes to this epoch's own relay.
//! let tx = [0xab; 32];
//! let relay = *router.own_relay().unwrap();
//! assert_eq!(router.local_tx(Instant::ZERO, tx), Route::Stem(relay));
//!
//! // Nobody fluffs it: at the deadline, the embargo fires and we broadcast it.
//! let (deadline, _) = router.poll_timeout();
//! router.handle_timeout(deadline);
//! let mut to_broadcast = Vec::new();
//! while let Some(event) = router.poll_event() {
//!     if let Event::EmbargoExpired { tx } = event {
//!         to_broadcast.push(tx);
//!     }
//! }
//! assert_eq!(to_broadcast, vec![tx]);
//! ```

mod config;
mod embargo;
mod epoch;
mod inspect;
mod peer;
mod random;
mod route;
mod router;
#[cfg(test)]
mod tests;

pub use config::{ConfigError, DandelionConfig};
pub use peer::{PeerInfo, PeerLimit};
pub use route::{Event, FluffReason, Mode, Route, TimeoutReason};
pub use router::Router;

/// A transaction's 32-byte id, as carried in an
/// [`InvItem`](crate::message::InvItem)'s hash.
///
/// # Example
///
/// ```
/// use veil_core::dandelion::TxHash;
/// use veil_core::message::{InvItem, InvKind};
///
/// let tx: TxHash = [7; 32];
/// let item = InvItem { kind: InvKind::Tx, hash: tx };
/// assert_eq!(item.hash, tx);
/// ```
pub type TxHash = [u8; 32];
