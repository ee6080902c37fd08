//! Every bound the protocol puts on a payload. `docs/PROTOCOL.md` lists the
//! same numbers; a test keeps the two in step.

/// Largest user agent in a version message, in bytes.
pub const MAX_USER_AGENT_LEN: usize = 256;
/// Most address records in one `addr` message (as Bitcoin Core).
pub const MAX_ADDR_ENTRIES: usize = 1_000;
/// Longest address of an unknown network kept in an address record, in
/// bytes (BIP155's bound).
pub const MAX_ADDRESS_LEN: usize = 512;
/// Most entries in one `inv`, `getdata` or `notfound` message.
pub const MAX_INV_ENTRIES: usize = 50_000;
/// Most hashes in a block locator (as Bitcoin Core).
pub const MAX_LOCATOR_HASHES: usize = 101;
/// Most headers in one `headers` message.
pub const MAX_HEADERS: usize = 2_000;
/// Longest single header in a `headers` message, in bytes.
pub const MAX_HEADER_LEN: usize = 1_024;
/// Longest reason text in a `disconnect` message, in bytes.
pub const MAX_DISCONNECT_TEXT_LEN: usize = 256;
