//! Reading a vector file's JSON values, each failure saying which field
//! was wrong and how.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use serde_json::Value;

/// What was wrong with one field: where it is and what was expected.
pub(super) type Bad = String;

/// Byte strings are lower-case hex without prefix.
pub(super) fn hex(value: &Value, what: &str) -> Result<Vec<u8>, Bad> {
    let text = value
        .as_str()
        .ok_or_else(|| format!("{what}: expected hex"))?;
    if text.len() % 2 != 0 {
        return Err(format!("{what}: odd number of hex digits"));
    }
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    text.as_bytes()
        .chunks(2)
        .map(|pair| match (digit(pair[0]), digit(pair[1])) {
            (Some(high), Some(low)) => Ok((high << 4) | low),
            _ => Err(format!("{what}: not lower-case hex")),
        })
        .collect()
}

pub(super) fn hex32(value: &Value, what: &str) -> Result<[u8; 32], Bad> {
    hex(value, what)?
        .try_into()
        .map_err(|_| format!("{what}: expected 32 bytes"))
}

/// Lower-case hex of `bytes`.
pub(super) fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 15)]));
    }
    out
}

/// 64-bit integers are decimal strings.
pub(super) fn u64s(value: &Value, what: &str) -> Result<u64, Bad> {
    value
        .as_str()
        .ok_or_else(|| format!("{what}: expected a decimal string"))?
        .parse()
        .map_err(|_| format!("{what}: not a u64"))
}

pub(super) fn u32n(value: &Value, what: &str) -> Result<u32, Bad> {
    value
        .as_u64()
        .and_then(|v| u32::try_from(v).ok())
        .ok_or_else(|| format!("{what}: expected a u32"))
}

pub(super) fn u16n(value: &Value, what: &str) -> Result<u16, Bad> {
    u16::try_from(u32n(value, what)?).map_err(|_| format!("{what}: expected a u16"))
}

pub(super) fn u64n(value: &Value, what: &str) -> Result<u64, Bad> {
    value
        .as_u64()
        .ok_or_else(|| format!("{what}: expected a number"))
}

pub(super) fn usize_n(value: &Value, what: &str) -> Result<usize, Bad> {
    usize::try_from(u64n(value, what)?).map_err(|_| format!("{what}: too large"))
}

pub(super) fn string<'a>(value: &'a Value, what: &str) -> Result<&'a str, Bad> {
    value
        .as_str()
        .ok_or_else(|| format!("{what}: expected a string"))
}

pub(super) fn boolean(value: &Value, what: &str) -> Result<bool, Bad> {
    value
        .as_bool()
        .ok_or_else(|| format!("{what}: expected true or false"))
}

pub(super) fn list<'a>(value: &'a Value, key: &str) -> Result<&'a Vec<Value>, Bad> {
    value[key]
        .as_array()
        .ok_or_else(|| format!("{key}: expected a list"))
}
