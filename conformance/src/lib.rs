//! One scenario suite, written once, run against every veil shell:
//! `veil-tokio`, `veil-mio`, and `veil-async-std`'s driver under both
//! async-std and smol.
//!
//! [`shells::TestNode`] gives each shell the same blocking interface (a
//! call into the node, the next event, a graceful stop);
//! [`scenarios`] holds the scenarios, each a function of the shells of
//! its nodes; `tests/pairs.rs` runs them for every pairing (tokio with
//! mio, mio with async-std, async-std with tokio, smol with each) and
//! `tests/replay.rs` checks that every shell's replay of `testvectors/`
//! prints the same report as the core's replayer.
//!
//! ```no_run
//! use veil_conformance::scenarios::handshake_and_exchange;
//! use veil_conformance::shells::ShellKind;
//! handshake_and_exchange(ShellKind::Tokio, ShellKind::Mio);
//! ```

pub mod probe;
pub mod proxy;
pub mod raw_peer;
pub mod scenarios;
pub mod shells;
