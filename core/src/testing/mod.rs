//! Test helpers for code that embeds veil-core: an in-process [`Pair`] of
//! connections on a virtual clock.

mod pair;

pub use pair::{Direction, Livelock, Pair, PairEvent, Tamper, PAIR_WALL_CLOCK};
