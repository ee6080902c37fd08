//! veil on async-io: one future drives a [`veil_core::node::Node`] over
//! non-blocking sockets, on any executor: async-std's (feature
//! `async-std`), smol's (feature `smol`, on by default), or a plain
//! `block_on`.
//!
//! The [`Driver`] owns the node, its listeners and sockets. Every socket
//! polls with a waker of its own, so a wake-up costs work only on the
//! sockets that are ready: it reads what arrived
//! ([`Node::handle_input`](veil_core::node::Node::handle_input)), writes
//! each connection's queued bytes straight from the node's buffer
//! ([`Node::transmit_slice`](veil_core::node::Node::transmit_slice)), opens
//! the node's dials (with a connect timeout), and sleeps on an async-io
//! timer until the node's next deadline. The application talks to it
//! through an [`AsyncHandle`]: closures run inside the driver.
//!
//! Carriers, per listener and per dialled target: raw TCP, TLS 1.3
//! (futures-rustls), WebSocket and WebSocket over TLS (async-tungstenite),
//! configured as in every shell (`veil-carrier`); and TCP to a SOCKS5
//! proxy (the node speaks SOCKS5 itself).
//!
//! async-std is discontinued; this crate depends only on async-io,
//! futures-io and async-channel, the pieces async-std and smol share.
//!
//! ```
//! use veil_async_std::{AsyncConfig, Carrier, Driver};
//! # use rand_core::OsRng;
//! # use veil_core::{identity::Identity, node::{Node, NodeConfig}};
//! let clock = veil_async_std::Clock::start();
//! let node = Node::new(NodeConfig::default(), Identity::generate(&mut OsRng), clock.now(), clock.wall(), &mut OsRng).unwrap();
//! let config = AsyncConfig { listen: vec![("127.0.0.1:0".parse().unwrap(), Carrier::Tls)], ..AsyncConfig::default() };
//! let (running, driver) = Driver::new(node, clock, config).unwrap();
//! futures_lite::future::block_on(futures_lite::future::zip(driver, async {
//!     let id = running.handle.call(|node, _| node.peer_id()).await.unwrap();
//!     println!("{id} on tls://{}", running.local_addrs[0].0);
//!     running.handle.shutdown();
//! }));
//! ```

mod carrier;
mod config;
mod driver;
mod handle;
mod io;
mod ready;
mod runtime;

pub use config::AsyncConfig;
pub use driver::{Driver, Running};
pub use handle::AsyncHandle;
#[cfg(feature = "async-std")]
pub use runtime::spawn_async_std;
#[cfg(feature = "smol")]
pub use runtime::spawn_smol;
pub use veil_carrier::{Carrier, CarrierSettings, ClientCarrier, ServerCarrier, Target};
pub use veil_core::node::Stopped;
/// The shell's clocks: the core's [`StdClock`](veil_core::StdClock).
pub use veil_core::StdClock as Clock;
