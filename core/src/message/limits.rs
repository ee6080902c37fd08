//! Every bound the protocol puts on a payload. `docs/PROTOCOL.md` lists the
//! same numbers; a test keeps the two in step.
//!
//! ```
//! use veil_core::message::limits::MAX_ADDR_ENTRIES;
//! use veil_core::message::Message;
//!
//! assert!(Message::Addr(Vec::with_capacity(MAX_ADDR_ENTRIES)).validate().is_ok());
//! ```

/// Largest user agent in a version message, in bytes.
///
/// ```
/// assert_eq!(veil_core::message::limits::MAX_USER_AGENT_LEN, 256);
/// ```
pub const MAX_USER_AGENT_LEN: usize = 256;
/// Most address records in one `addr` message (as Bitcoin Core).
///
/// ```
/// assert_eq!(veil_core::message::limits::MAX_ADDR_ENTRIES, 1000);
/// ```
pub const MAX_ADDR_ENTRIES: usize = 1_000;
/// Longest address of an unknown network kept in an address record, in
/// bytes (BIP155's bound).
///
/// ```
/// assert_eq!(veil_core::message::limits::MAX_ADDRESS_LEN, 512);
/// ```
pub const MAX_ADDRESS_LEN: usize = 512;
/// Most entries in one `inv`, `getdata` or `notfound` message.
///
/// ```
/// assert_eq!(veil_core::message::limits::MAX_INV_ENTRIES, 50000);
/// ```
pub const MAX_INV_ENTRIES: usize = 50_000;
/// Most hashes in a block locator (as Bitcoin Core).
///
/// ```
/// assert_eq!(veil_core::message::limits::MAX_LOCATOR_HASHES, 101);
/// ```
pub const MAX_LOCATOR_HASHES: usize = 101;
/// Most headers in one `headers` message.
///
/// ```
/// assert_eq!(veil_core::message::limits::MAX_HEADERS, 2000);
/// ```
pub const MAX_HEADERS: usize = 2_000;
/// Longest single header in a `headers` message, in bytes.
///
/// ```
/// assert_eq!(veil_core::message::limits::MAX_HEADER_LEN, 1024);
/// ```
pub const MAX_HEADER_LEN: usize = 1_024;
/// Longest reason text in a `disconnect` message, in bytes.
///
/// ```
/// assert_eq!(veil_core::message::limits::MAX_DISCONNECT_TEXT_LEN, 256);
/// ```
pub const MAX_DISCONNECT_TEXT_LEN: usize = 256;
