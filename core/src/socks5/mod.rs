//! A sans-IO SOCKS5 client (RFC 1928 CONNECT, RFC 1929 username/password):
//! a shell runs it over a freshly opened TCP stream to the proxy (Tor, an
//! I2P router, any SOCKS5 proxy), then starts veil's handshake on the same
//! stream.
//!
//! - [`Target`]: where to connect; a [`DomainName`] (the proxy resolves it:
//!   veil never resolves names locally) or an IP address, and a port;
//!   [`Target::from_net_address`] names Tor v3 and I2P peers;
//! - [`Auth`]: no authentication, or [`Credentials`]; [`Auth::isolated`]
//!   draws random ones per connection for Tor's stream isolation;
//! - [`Socks5Client`]: the state machine;
//! - [`Socks5Error`]: every way the proxy can refuse or misbehave, and
//!   [`Blame`]: whether that counts against the target or the proxy.
//!
//! # Calls
//!
//! 1. [`Socks5Client::new`] queues the greeting.
//! 2. Write what [`Socks5Client::poll_transmit`] gives (until it returns 0).
//! 3. Feed every byte read from the proxy to
//!    [`Socks5Client::handle_input`], in whatever chunks they arrive, then
//!    go back to 2. On [`Progress::Connected`] the tunnel is open and the
//!    input's bytes after `consumed` ([`Progress::tunnel_bytes`]) are the
//!    target's first bytes: hand them to the veil connection. On an error
//!    close the stream and act on [`Socks5Error::blame`].
//! 4. If the proxy closes the stream first, [`Socks5Client::handle_eof`]
//!    gives the error.
//!
//! The client keeps no clock: the shell bounds the whole negotiation with
//! its connect timeout (reaching an onion service can take a minute).
//!
//! # Bytes
//!
//! Client to proxy, each sent only after the proxy's previous reply
//! (nothing is pipelined, so a strict proxy never sees early bytes):
//!
//! | Step | Bytes |
//! |------|-------|
//! | greeting | `05 01 M`: one method `M`, `00` (none) or `02` (username/password) |
//! | credentials (`M` = `02`) | `01 ULEN USERNAME PLEN PASSWORD` |
//! | connect | `05 01 00 ATYP ADDR PORT`: `ATYP` `01` + 4 bytes, `04` + 16 bytes, or `03` + length byte + name; port big-endian |
//!
//! Proxy to client:
//!
//! | Step | Bytes | Refused when |
//! |------|-------|--------------|
//! | method | `05 M` | version not `05`; `M` = `FF` ([`Socks5Error::NoAcceptableMethod`]); `M` not the one offered |
//! | credentials | `01 STATUS` | version not `01`; `STATUS` not `00` ([`Socks5Error::AuthRefused`]) |
//! | connect | `05 REP 00 ATYP BND.ADDR BND.PORT` | version not `05`; `REP` not `00` ([`ReplyError`]); reserved byte not `00`; `ATYP` not `01`, `03` or `04` |
//!
//! The reply's bound address and port (Tor sends `0.0.0.0:0`) are skipped
//! without being stored. Bytes are checked in order, so the first wrong
//! byte decides the error however the input is chunked.
//!
//! # Example
//!
//! A CONNECT to `example.onion:8333` with fresh isolating credentials, the
//! proxy's replies arriving one byte at a time, and the target's first bytes
//! arriving with the last byte of the reply:
//!
//! ```
//! use rand_chacha::rand_core::SeedableRng;
//! use veil_core::socks5::{Auth, Progress, Socks5Client, Target};
//!
//! let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
//! let target = Target::domain("example.onion", 8333).unwrap();
//! let mut client = Socks5Client::new(target, Auth::isolated(&mut rng));
//!
//! let mut sent = Vec::new();
//! let mut drain = |client: &mut Socks5Client| {
//!     let mut buf = [0u8; 512];
//!     let n = client.poll_transmit(&mut buf);
//!     sent.extend_from_slice(&buf[..n]);
//! };
//! drain(&mut client);
//! for byte in [5, 2, 1, 0] {
//!     assert_eq!(client.handle_input(&[byte]), Ok(Progress::Pending));
//!     drain(&mut client);
//! }
//! // Greeting (3), credentials (3 + 32 + 32), connect (5 + 13 + 2).
//! assert_eq!(sent.len(), 3 + 67 + 20);
//! assert_eq!(&sent[..4], &[5, 1, 2, 1]);
//! assert_eq!(&sent[70..75], &[5, 1, 0, 3, 13]);
//!
//! let reply = [5, 0, 0, 1, 0, 0, 0, 0, 0, 0];
//! for &byte in &reply[..9] {
//!     assert_eq!(client.handle_input(&[byte]), Ok(Progress::Pending));
//! }
//! let last = [0, b'v', b'e', b'i', b'l'];
//! let progress = client.handle_input(&last).unwrap();
//! assert_eq!(progress, Progress::Connected { consumed: 1 });
//! assert_eq!(progress.tunnel_bytes(&last), b"veil");
//! ```

mod auth;
mod client;
mod error;
pub(crate) mod onion;
mod reply;
mod target;
mod wire;

#[cfg(test)]
mod tests;

pub use auth::{Auth, Credentials, CredentialsError, MAX_CREDENTIAL_LEN};
pub use client::{ClientState, Progress, Socks5Client};
pub use error::{Blame, Socks5Error, Stage};
pub use reply::ReplyError;
pub use target::{DomainName, Host, Target, TargetError, MAX_DOMAIN_LEN};
