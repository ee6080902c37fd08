//! Shared helpers for the veil benches.
//!
//! Every veil bench runs next to a raw baseline in the same process, so the
//! ratio between them survives the 20-40 % drift of a shared machine:
//!
//! - [`fixtures`]: the payloads, frames and the raw SHA-256d baseline that
//!   `benches/frame.rs` measures, with the criterion group and function
//!   names;
//! - [`handshake`]: the Noise XX handshake with identity proofs and its raw
//!   public-key operations (`benches/handshake.rs`);
//! - [`packet`]: the packet layer's send and receive of 64 KiB messages and
//!   raw ChaCha20-Poly1305 (`benches/packet.rs`);
//! - [`connection`]: whole `Connection`s, both sides in one process:
//!   handshakes against the raw public-key operations of one connection,
//!   64 KiB `block` messages against raw ChaCha20-Poly1305
//!   (`benches/connection.rs`);
//! - [`memory`]: the memory an idle established connection holds, counted
//!   by a global allocator (the `connection-memory` binary, and
//!   `bench-report`);
//! - [`report`]: reads criterion's estimates back and prints the
//!   veil-versus-baseline table (the `bench-report` binary);
//! - [`shaping`]: the traffic-shaping harness: one seeded workload per
//!   privacy preset on a virtual clock, bandwidth overhead, added latency,
//!   packet sizes and gaps, byte uniformity and the GFW first-packet rule
//!   (the `shaping-report` binary).
//!
//! # Example
//!
//! ```
//! use veil_benches::fixtures::{frame_bytes, message_of_len, sha256d};
//!
//! let message = message_of_len(256);
//! let frame = frame_bytes(&message);
//! assert_eq!(frame.len(), 20 + 256);
//! assert_eq!(&frame[16..20], &sha256d(&frame[20..])[..4]);
//! ```

#![warn(missing_docs)]

use std::time::Duration;

use criterion::Criterion;

pub mod connection;
pub mod fixtures;
pub mod handshake;
pub mod memory;
pub mod packet;
pub mod report;
pub mod shaping;
pub mod shell;

/// The criterion settings every veil bench uses: short enough that all the
/// benches run in a few minutes on two cores, long enough for stable means.
///
/// ```
/// let config = veil_benches::quick_criterion();
/// # let _ = config;
/// ```
#[must_use]
pub fn quick_criterion() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(30)
        .without_plots()
}
