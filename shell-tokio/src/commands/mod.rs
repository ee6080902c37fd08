//! The `veil` subcommands, as library functions the binary calls.

pub mod demo;
mod demo_proxy;
mod demo_view;
mod demo_watch;
pub mod keygen;
pub mod node;
pub mod peers;
pub mod replay;

use std::fmt;

/// Why a command failed, in words for the operator.
///
/// ```
/// let error = veil_tokio::commands::CommandError::new("the port is taken");
/// assert_eq!(error.to_string(), "the port is taken");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandError(String);

impl CommandError {
    /// An error with this message.
    ///
    /// ```
    /// let _ = veil_tokio::commands::CommandError::new("no");
    /// ```
    pub fn new(message: impl Into<String>) -> CommandError {
        CommandError(message.into())
    }
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CommandError {}
