//! Peer management rules as pure building blocks: inbound eviction, peer
//! scores, discouragements and bans, reconnect backoff.
//!
//! Nothing here holds connections or reads a clock: each rule takes what it
//! needs (candidates, measurements, `now`, an RNG) and returns a decision
//! with the rule that made it, for a peer manager to act on and log.
//! Peers are keyed by the caller (`K: Ord + Clone`), or by
//! [`PeerId`](crate::identity::PeerId) where a record must survive
//! reconnects; netgroups are keyed `u64` values computed by the caller.
//!
//! - [`select_victim`]: Bitcoin Core's inbound eviction, with the
//!   [`Protection`] that kept each other peer; [`least_recently_used`] for
//!   pools of temporary connections;
//! - [`score`]: one integer from relay priority, latency, uptime, netgroup
//!   diversity, features and misbehaviour, and [`ranked`] to order peers;
//! - [`BanList`]: discouragements and bans by peer id and by netgroup, with
//!   expiry, a size bound and a checksummed file format;
//! - [`Backoff`] and [`Retries`]: when to dial again.
//!
//! # Example
//!
//! An inbound peer misbehaves: the ban list records it, and the next
//! eviction takes it before anyone else.
//!
//! ```
//! use veil_core::peering::{select_victim, BanList, BanPolicy, Candidate, EvictionConfig, EvictionRule};
//! use veil_core::{Consequence, Instant, UnixTime};
//! # let key = |i| veil_core::identity::Identity::from_secret_bytes([i; 32]).peer_id();
//!
//! let wall = UnixTime::from_secs(1_700_000_000);
//! let mut bans = BanList::new(BanPolicy::default());
//! bans.punish(key(39), 7, Consequence::Discourage, false, wall);
//!
//! let mut peers: Vec<Candidate<u8>> = (0..40)
//!     .map(|i| Candidate::new(i, u64::from(i % 8), Instant::from_millis(u64::from(i))))
//!     .collect();
//! for peer in &mut peers {
//!     peer.discouraged = bans.standing(&key(peer.id), peer.netgroup, wall).is_some();
//! }
//! let victim = select_victim(&peers, &EvictionConfig::default()).victim.unwrap();
//! assert_eq!((victim.id, victim.rule), (39, EvictionRule::Discouraged));
//! ```

mod backoff;
mod banfile;
mod bans;
mod eviction;
mod record;
mod retry;
mod score;
mod temporary;

pub use backoff::{Backoff, BackoffConfig};
pub use banfile::{BanListError, BANLIST_MAGIC, BANLIST_VERSION};
pub use bans::BanList;
pub use eviction::{
    select_victim, Candidate, Eviction, EvictionConfig, EvictionRule, Exemption, Network,
    Protection, Victim,
};
pub use record::{BanPolicy, Level, Punishment, Record, Rule, Spared};
pub use retry::{GaveUp, Retries, RetryPolicy};
pub use score::{
    penalty_points, ranked, score, RelayPriority, ScoreInputs, DIVERSITY_MAX, DIVERSITY_STEP,
    FEATURE_WEIGHT, LATENCY_MAX, LATENCY_STEP_MS, PRIORITY_WEIGHT, UPTIME_MAX, UPTIME_WEIGHT,
};
pub use temporary::{least_recently_used, Temporary};
