//! veil on tokio: a thin driver that owns sockets, timers, the clock,
//! entropy and files, and feeds a [`veil_core::node::Node`].
//!
//! No protocol logic lives here: the node decides what to dial, what to
//! write and when to close; this crate moves bytes between the node and
//! its carriers (raw TCP, TLS, WebSocket) and persists what the node asks
//! to keep.
//!
//! ```
//! use veil_tokio::carrier::Carrier;
//! assert_eq!("tls".parse::<Carrier>().unwrap(), Carrier::Tls);
//! ```

pub mod carrier;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod config;
pub mod datadir;
pub mod driver;
pub mod status;
pub mod target;
