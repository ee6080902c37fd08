//! Reading one TOML value as what a key needs, with the problem named.

use toml::Value;

use super::ConfigError;

pub(super) fn bool_of(key: &str, value: &Value) -> Result<bool, ConfigError> {
    match value {
        Value::Boolean(b) => Ok(*b),
        Value::String(s) if s == "true" => Ok(true),
        Value::String(s) if s == "false" => Ok(false),
        other => Err(ConfigError::new(
            key,
            format!("expected true or false, got {other}"),
        )),
    }
}

pub(super) fn u64_of(key: &str, value: &Value, max: u64) -> Result<u64, ConfigError> {
    let n = match value {
        Value::Integer(n) => u64::try_from(*n).ok(),
        Value::String(s) => s.parse::<u64>().ok(),
        _ => None,
    };
    n.filter(|n| *n <= max).ok_or_else(|| {
        ConfigError::new(
            key,
            format!("expected a whole number from 0 to {max}, got {value}"),
        )
    })
}

pub(super) fn usize_of(key: &str, value: &Value) -> Result<usize, ConfigError> {
    let n = u64_of(key, value, u64::from(u32::MAX))?;
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}

pub(super) fn u32_of(key: &str, value: &Value) -> Result<u32, ConfigError> {
    let n = u64_of(key, value, u64::from(u32::MAX))?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

pub(super) fn port_of(key: &str, value: &Value) -> Result<u16, ConfigError> {
    let n = u64_of(key, value, u64::from(u16::MAX))?;
    u16::try_from(n)
        .ok()
        .filter(|p| *p != 0)
        .ok_or_else(|| ConfigError::new(key, "expected a port from 1 to 65535, got 0"))
}

pub(super) fn str_of<'a>(key: &str, value: &'a Value) -> Result<&'a str, ConfigError> {
    value
        .as_str()
        .ok_or_else(|| ConfigError::new(key, format!("expected a string, got {value}")))
}

/// A list of strings; a single string counts as a list of one.
pub(super) fn strings_of(key: &str, value: &Value) -> Result<Vec<String>, ConfigError> {
    match value {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|item| str_of(key, item).map(str::to_owned))
            .collect(),
        other => Err(ConfigError::new(
            key,
            format!("expected a list of strings, got {other}"),
        )),
    }
}

/// The text a TOML value stands for, for keys core parses itself.
pub(super) fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A `--set key=value` value: TOML if it parses as one, else a string.
pub(super) fn parse_flag_value(text: &str) -> Value {
    let wrapped = format!("v = {text}");
    match wrapped.parse::<toml::Table>() {
        Ok(mut table) => table.remove("v").unwrap_or(Value::String(text.to_owned())),
        Err(_) => Value::String(text.to_owned()),
    }
}
