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
//! Carriers: raw TCP, and TCP to a SOCKS5 proxy (the node speaks SOCKS5
//! itself). TLS and WebSocket are not carried yet: rustls and tungstenite
//! both work over non-blocking sockets, but `veil-tokio`'s carriers are
//! its async wrappers, so this shell will need its own (issue 7).
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

mod driver;
mod handle;

pub use driver::{MioConfig, MioNode, Running};
pub use handle::MioHandle;
pub use veil_core::node::Stopped;
/// The shell's clocks: the core's [`StdClock`](veil_core::StdClock).
pub use veil_core::StdClock as Clock;
