//! Byte-level primitives shared by every payload: a bounds-checked reader
//! over untrusted bytes and the CompactSize variable-length integer.

mod compact_size;
mod reader;

pub(crate) use compact_size::{compact_size_len, put_compact_size};
pub(crate) use reader::Reader;
