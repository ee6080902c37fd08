//! Test helpers for code that embeds veil-core: an in-process [`Pair`] of
//! connections on a virtual clock, and [`sim`], a deterministic
//! multi-node simulator.

mod pair;
pub mod sim;
#[cfg(feature = "vectors")]
pub mod vectors;

pub use pair::{Direction, Livelock, Pair, PairEvent, Tamper, PAIR_WALL_CLOCK};
