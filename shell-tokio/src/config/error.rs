//! One configuration error, naming the key.

use std::fmt;

/// What is wrong with the configuration: the key and the problem. Every
/// error names exactly one key, as the file or the flag spells it.
///
/// ```
/// use veil_tokio::config::Settings;
/// let error = Settings::from_toml_str("max_inbound_connections = -1").unwrap_err();
/// assert_eq!(error.key, "max_inbound_connections");
/// assert_eq!(error.to_string(), "max_inbound_connections: expected a whole number from 0 to 4294967295, got -1");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// The key, as written in the file or after `--set`.
    pub key: String,
    /// What is wrong with its value.
    pub problem: String,
}

impl ConfigError {
    pub(crate) fn new(key: &str, problem: impl Into<String>) -> ConfigError {
        ConfigError {
            key: key.to_owned(),
            problem: problem.into(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.problem)
    }
}

impl std::error::Error for ConfigError {}
