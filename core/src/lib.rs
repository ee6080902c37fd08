//! `veil-core`: the sans-IO heart of veil.
//!
//! Pure state machines and codecs fed bytes and timestamps. Nothing in this
//! crate opens a socket, reads a clock, spawns a thread, touches a file or asks
//! the operating system for randomness: the caller (a *shell*) owns all of
//! that and passes time in explicitly. The same inputs always give the same
//! bytes out.
//!
//! - [`connection`]: one peer connection from its first byte to its close
//!   (encrypted Noise XX handshake with Ed25519 identities, or plaintext
//!   frames; version handshake, keepalive, timeouts, session rekey), with
//!   [`testing::Pair`] to run two of them on a virtual clock;
//! - [`wire`]: the frame codec (20-byte header, SHA-256d checksum, streaming
//!   decoder with per-command size limits checked before any buffer grows);
//! - [`identity`]: Ed25519 node identities (the public key is the peer id)
//!   and the proof binding one to a Noise handshake;
//! - [`message`]: the typed message catalogue, byte for byte as in
//!   `docs/PROTOCOL.md`;
//! - [`packet`]: the encrypted packet layer (BIP324's format: encrypted
//!   3-byte length, ChaCha20-Poly1305 body, rekeying every 224 packets);
//! - [`noise`]: the `Noise_XX_25519_ChaChaPoly_SHA256` handshake that
//!   authenticates both sides and agrees on the packet layer's keys;
//! - [`time`]: monotonic [`Instant`]/[`Duration`] in milliseconds and
//!   wall-clock [`UnixTime`] as a separate input;
//! - [`dandelion`]: Dandelion++ transaction relay (stem or fluff, per-source
//!   routes, embargo timers), a pure router generic over the peer key;
//! - [`shaping`]: padding and fragmentation of messages into packets
//!   against traffic analysis (size buckets, random padding, reassembly);
//! - [`addrbook`]: the address book (NEW and TRIED tables with keyed,
//!   eclipse-resistant placement; dial selection, getaddr cache, addr rate
//!   limiting, persistence);
//! - [`peering`]: peer management rules (inbound eviction, scores,
//!   discouragements and bans with a persisted list, reconnect backoff);
//! - [`socks5`]: a SOCKS5 client (CONNECT, username/password, Tor stream
//!   isolation) that opens a tunnel through a proxy before the handshake;
//! - [`Consequence`]: what a rejection means for the connection and the peer;
//! - [`testing`]: an in-process pair of connections for tests.
//!
//! # Example
//!
//! Encode a ping into a frame, then decode it again from a stream that
//! arrives one byte at a time:
//!
//! ```
//! use veil_core::message::{Message, Ping};
//! use veil_core::wire::{FrameDecoder, FrameEncoder};
//!
//! let encoder = FrameEncoder::default();
//! let bytes = encoder.encode_to_vec(&Message::Ping(Ping { nonce: 7 })).unwrap();
//! assert_eq!(bytes.len(), 20 + 8);
//!
//! let mut decoder = FrameDecoder::default();
//! let mut frames = Vec::new();
//! for byte in &bytes {
//!     let mut input: &[u8] = core::slice::from_ref(byte);
//!     while let Some(frame) = decoder.decode(&mut input).unwrap() {
//!         frames.push(frame.into_message().unwrap());
//!     }
//! }
//! assert_eq!(frames, vec![Message::Ping(Ping { nonce: 7 })]);
//! ```
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod addrbook;
mod aead;
mod codec;
pub mod connection;
mod consequence;
pub mod dandelion;
pub mod fuzz_harness;
pub mod identity;
pub mod message;
pub mod node;
pub mod noise;
pub mod packet;
pub mod peering;
pub mod shaping;
pub mod socks5;
#[cfg(feature = "std")]
mod std_clock;
pub mod testing;
pub mod time;
pub mod wire;

pub use consequence::Consequence;
#[cfg(feature = "std")]
pub use std_clock::StdClock;
pub use time::{Duration, Instant, UnixTime};
