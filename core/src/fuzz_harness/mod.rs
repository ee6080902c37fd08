//! Invariant checks on arbitrary input, shared by the cargo-fuzz targets in
//! `fuzz/` and by the test that replays their corpus on stable Rust.
//!
//! Each harness panics only if veil breaks one of its promises; rejections of
//! bad input are expected and checked for consistency.
//!
//! - [`frame_decoder`] and [`message_payload`]: the wire codec;
//! - [`noise_handshake`]: the three handshake messages as read from a peer;
//! - [`packet_receive`]: a stream of encrypted packets;
//! - [`connection_handshake`]: a fresh inbound connection fed arbitrary
//!   bytes, chunked and interleaved with deadlines;
//! - [`connection_established`]: a connected encrypted pair driven by
//!   arbitrary operations (raw bytes, authenticated packets with arbitrary
//!   contents, valid messages, clock jumps, closes);
//! - [`shaped_packets`]: padded, fragmented and decoy packet contents
//!   against the reassembler and a reference model;
//! - [`banlist_load`]: a persisted ban list file, as read back from disk;
//! - [`socks5_reply`]: a SOCKS5 client fed arbitrary proxy replies, chunked;
//! - [`addrbook_load`]: a persisted address book from arbitrary bytes;
//! - [`node_inputs`]: one node with small limits driven by arbitrary shell,
//!   application and peer operations (genuine peers complete handshakes).

mod addrbook;
mod banlist;
mod connection;
mod node;
mod noise;
mod packet;
mod shaping;
mod socks5;
mod wire;

pub use addrbook::addrbook_load;
pub use banlist::banlist_load;
pub use connection::{
    connection_established, connection_handshake, established_configs, established_pair,
    handshake_config, handshake_inbound, CONNECTION_SEED, CONNECTION_WALL_CLOCK,
};
pub use node::{node_address, node_config, node_identity, node_inputs, node_op, NODE_SEED};
pub use noise::noise_handshake;
pub use packet::packet_receive;
pub use shaping::shaped_packets;
pub use socks5::{socks5_reply, SOCKS5_CREDENTIALS};
pub use wire::{frame_decoder, message_payload};
