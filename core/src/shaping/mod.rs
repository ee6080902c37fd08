//! Traffic shaping: padding and fragmentation of messages into packets so
//! that packet sizes on the wire say little about the messages they carry.
//!
//! A self-contained building block, not yet wired into the connection:
//!
//! - [`PaddingPolicy`]: how packet sizes are chosen (no padding, a uniformly
//!   random contents size, or fixed wire-size [`BUCKETS`]);
//! - [`plan`]: cut one message into [`Fragment`]s (header byte and packet
//!   contents) under a policy;
//! - [`Reassembler`]: the receiving side, rebuilding messages from packet
//!   contents with memory bounded by a configured maximum message size;
//! - [`wire_size`] and [`overhead`]: the wire bytes a message costs under a
//!   deterministic policy.
//!
//! # Framing
//!
//! Two bits of the packet header byte are used ([`PADDED`] and
//! [`MORE_FRAGMENTS`]; bit `0x80` is the packet layer's decoy bit). A padded
//! packet's contents are `[u24 LE data_len][data][zero padding]`; an unpadded
//! packet's contents are the data itself. Every fragment of a message but the
//! last carries [`MORE_FRAGMENTS`]; the receiver concatenates fragment data
//! up to and including the first packet without it.
//!
//! # Example
//!
//! ```
//! use rand_chacha::rand_core::SeedableRng;
//! use rand_chacha::ChaCha20Rng;
//! use veil_core::shaping::{plan, PaddingPolicy, Reassembler, BUCKETS};
//!
//! let mut rng = ChaCha20Rng::seed_from_u64(1);
//! let message = vec![7u8; 20_000];
//! let fragments = plan(&message, &PaddingPolicy::Buckets, &mut rng);
//! assert_eq!(fragments.len(), 2);
//! assert!(fragments.iter().all(|f| BUCKETS.contains(&f.wire_len())));
//!
//! let mut reassembler = Reassembler::new(1 << 20);
//! let mut received = None;
//! for fragment in &fragments {
//!     received = reassembler.push(fragment.header, &fragment.contents).unwrap();
//! }
//! assert_eq!(received, Some(message));
//! ```

mod budget;
mod config;
mod error;
pub mod feature;
mod fragment;
mod options;
mod padding;
mod reassemble;
mod shaper;
mod stats;
mod timing;

pub use budget::{Budget, Ledger, BUDGET_LEN, OVERHEAD_ALLOWANCE};
pub use config::{
    BurstConfig, ConstantRate, PrivacyLevel, ShapingConfig, ShapingConfigError, MAX_BURST_MESSAGES,
};
pub use error::ShapingError;
pub use fragment::{next_piece, plan, Fragment, Piece, LENGTH_PREFIX_LEN, MORE_FRAGMENTS, PADDED};
pub use options::{OptionProblem, PrivacyOptionError, PrivacyOptions, PRIVACY_KEYS};
pub(crate) use padding::uniform;
pub use padding::{overhead, wire_size, PaddingPolicy, BUCKETS};
pub use reassemble::Reassembler;
pub use shaper::{Negotiated, Shaper, ShapingTimer, Urgency, HANDSHAKE_MAX_CONTENTS};
pub use stats::ShapingStats;
