//! Limits and policies of the frame codec.

use crate::message::MessageKind;

/// The default largest payload: 4,000,000 bytes, as Bitcoin Core.
///
/// ```
/// assert_eq!(veil_core::wire::DEFAULT_MAX_PAYLOAD_LEN, 4000000);
/// ```
pub const DEFAULT_MAX_PAYLOAD_LEN: u32 = 4_000_000;

/// What the decoder does with a well-formed frame whose command is not in
/// the catalogue.
///
/// # Example
///
/// ```
/// use veil_core::wire::{UnknownCommandPolicy, WireConfig};
/// assert_eq!(WireConfig::default().unknown_commands, UnknownCommandPolicy::Skip);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum UnknownCommandPolicy {
    /// Verify and discard the frame without buffering its payload, and count
    /// it in [`super::DecoderStats`]: newer peers can add messages without
    /// breaking older ones (Bitcoin's rule).
    #[default]
    Skip,
    /// Fail with [`super::WireError::UnknownCommand`].
    Reject,
}

/// Configuration of the frame encoder and decoder.
///
/// # Example
///
/// ```
/// use veil_core::message::MessageKind;
/// use veil_core::wire::WireConfig;
///
/// let config = WireConfig { max_payload_len: 1_000, ..WireConfig::default() };
/// assert_eq!(config.max_payload_for(MessageKind::Ping), 8);
/// assert_eq!(config.max_payload_for(MessageKind::Block), 1_000);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct WireConfig {
    /// Largest payload of any frame, in bytes. Per-connection receive memory
    /// is bounded by 20 bytes more than this; a connection may lower it
    /// before its handshake completes.
    pub max_payload_len: u32,
    /// What to do with frames of unknown commands.
    pub unknown_commands: UnknownCommandPolicy,
}

impl Default for WireConfig {
    fn default() -> Self {
        WireConfig {
            max_payload_len: DEFAULT_MAX_PAYLOAD_LEN,
            unknown_commands: UnknownCommandPolicy::Skip,
        }
    }
}

impl WireConfig {
    /// The largest payload a frame of `kind` may have: the smaller of the
    /// configured maximum and the type's own bound.
    ///
    /// ```
    /// use veil_core::message::MessageKind;
    /// let config = veil_core::wire::WireConfig::default();
    /// assert_eq!(config.max_payload_for(MessageKind::Tx), 4_000_000);
    /// ```
    #[must_use]
    pub fn max_payload_for(&self, kind: MessageKind) -> u32 {
        self.max_payload_len.min(kind.max_payload_len())
    }
}
