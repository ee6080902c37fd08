//! veil on mio: one thread drives a [`veil_core::node::Node`] over
//! non-blocking sockets, with no async runtime.
//!
//! The thread polls its listeners and connections, reads until a socket
//! would block ([`Node::handle_input`](veil_core::node::Node::handle_input)),
//! writes each connection's queued bytes straight from the node's buffer
//! ([`Node::transmit_slice`](veil_core::node::Node::transmit_slice)), opens
//! the node's dials with non-blocking connects, and sleeps in `poll` until
//! the node's next deadline. Other threads talk to it through a
//! [`MioHandle`]: closures run on the node thread, woken by a `mio::Waker`.
//! Carriers, per listener and per dialled target ([`MioHandle::connect`]):
//! raw TCP, TLS 1.3 (rustls' buffered connection over the non-blocking
//! socket), WebSocket and WebSocket over TLS (tungstenite, its handshake
//! resumed on each readiness event), configured as in every shell
//! (`veil-carrier`); and TCP to a SOCKS5 proxy (the node speaks SOCKS5
//! itself).
//!
//! ```
//! use veil_mio::{MioConfig, MioNode};
//! # use rand_core::OsRng;
//! # use veil_core::{identity::Identity, node::{Node, NodeConfig}};
//! let clock = veil_mio::Clock::start();
//! let node = Node::new(NodeConfig::default(), Identity::generate(&mut OsRng), clock.now(), clock.wall(), &mut OsRng).unwrap();
//! let running = MioNode::spawn(node, clock, MioConfig::default()).unwrap();
//! running.handle.shutdown();
//! running.join();
//! ```

mod carrier;
mod config;
mod driver;
mod handle;
mod opening;

pub use config::MioConfig;
pub use driver::{MioNode, Running};
pub use handle::MioHandle;
pub use veil_carrier::{Carrier, CarrierSettings, ClientCarrier, ServerCarrier, Target};
pub use veil_core::node::Stopped;
/// The shell's clocks: the core's [`StdClock`](veil_core::StdClock).
pub use veil_core::StdClock as Clock;
