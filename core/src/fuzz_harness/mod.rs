//! Invariant checks on arbitrary input, shared by the cargo-fuzz targets in
//! `fuzz/` and by the test that replays their corpus on stable Rust.
//!
//! Each harness panics only if veil breaks one of its promises; rejections of
//! bad input are expected and checked for consistency.
//!
//! - [`frame_decoder`] and [`message_payload`]: the wire codec;
//! - [`noise_handshake`]: the three handshake messages as read from a peer;
//! - [`packet_receive`]: a stream of encrypted packets.

mod noise;
mod packet;
mod wire;

pub use noise::noise_handshake;
pub use packet::packet_receive;
pub use wire::{frame_decoder, message_payload};
