//! Where to dial: a carrier and a peer address, written
//! `[scheme://]host:port` (`tls://192.0.2.7:443`, `ws://[::1]:8080`,
//! `<onion>.onion:9333`); without a scheme, raw TCP. The type is
//! `veil-carrier`'s, shared by every shell.
//!
//! ```
//! use veil_tokio::target::Target;
//! assert_eq!("tls://192.0.2.7:443".parse::<Target>().unwrap().to_string(), "tls://192.0.2.7:443");
//! ```

pub use veil_carrier::{Target, TargetParseError};
