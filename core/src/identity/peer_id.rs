//! The peer id: an Ed25519 public key, shown as 64 lower-case hex digits.

use core::fmt;
use core::str::FromStr;

use ed25519_dalek::VerifyingKey;

/// Who a peer is: its 32-byte Ed25519 public key.
///
/// Displayed and parsed as 64 lower-case hex digits, the form used in
/// configuration files (pinned bootstrap peers) and logs.
///
/// # Example
///
/// ```
/// use veil_core::identity::{Identity, PeerId};
///
/// let id = Identity::from_secret_bytes([5; 32]).peer_id();
/// let parsed: PeerId = id.to_string().parse().unwrap();
/// assert_eq!(parsed, id);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PeerId([u8; 32]);

impl PeerId {
    pub(super) fn from_verifying_key(key: &VerifyingKey) -> PeerId {
        PeerId(key.to_bytes())
    }

    /// A peer id from its 32 bytes, if they are a valid Ed25519 public key.
    ///
    /// ```
    /// use veil_core::identity::{Identity, PeerId};
    /// let id = Identity::from_secret_bytes([5; 32]).peer_id();
    /// assert_eq!(PeerId::from_bytes(*id.as_bytes()), Some(id));
    /// ```
    #[must_use]
    pub fn from_bytes(bytes: [u8; 32]) -> Option<PeerId> {
        let key = VerifyingKey::from_bytes(&bytes).ok()?;
        // A small-order key would let anyone forge signatures that verify.
        if key.is_weak() {
            return None;
        }
        Some(PeerId(bytes))
    }

    /// The 32 bytes of the public key.
    ///
    /// ```
    /// let id = veil_core::identity::Identity::from_secret_bytes([5; 32]).peer_id();
    /// assert_eq!(id.as_bytes().len(), 32);
    /// ```
    #[must_use]
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    pub(super) fn verifying_key(&self) -> Option<VerifyingKey> {
        VerifyingKey::from_bytes(&self.0).ok()
    }
}

impl fmt::Display for PeerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl fmt::Debug for PeerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PeerId({self})")
    }
}

/// Why a string is not a peer id.
///
/// ```
/// use veil_core::identity::{ParsePeerIdError, PeerId};
/// assert_eq!("abc".parse::<PeerId>(), Err(ParsePeerIdError::Length { len: 3 }));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParsePeerIdError {
    /// Not 64 characters long.
    Length {
        /// The length found.
        len: usize,
    },
    /// A character is not a hex digit.
    NotHex {
        /// Its position.
        position: usize,
    },
    /// The bytes are not a usable Ed25519 public key.
    InvalidKey,
}

impl fmt::Display for ParsePeerIdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParsePeerIdError::Length { len } => {
                write!(f, "a peer id has 64 hex digits, not {len}")
            }
            ParsePeerIdError::NotHex { position } => {
                write!(f, "character {position} of the peer id is not a hex digit")
            }
            ParsePeerIdError::InvalidKey => f.write_str("not a valid Ed25519 public key"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ParsePeerIdError {}

impl FromStr for PeerId {
    type Err = ParsePeerIdError;

    fn from_str(s: &str) -> Result<PeerId, ParsePeerIdError> {
        let digits = s.as_bytes();
        if digits.len() != 64 {
            return Err(ParsePeerIdError::Length { len: digits.len() });
        }
        let mut bytes = [0u8; 32];
        let nibble = |position: usize| {
            char::from(digits[position])
                .to_digit(16)
                .map(|d| d as u8)
                .ok_or(ParsePeerIdError::NotHex { position })
        };
        for (i, byte) in bytes.iter_mut().enumerate() {
            *byte = (nibble(2 * i)? << 4) | nibble(2 * i + 1)?;
        }
        PeerId::from_bytes(bytes).ok_or(ParsePeerIdError::InvalidKey)
    }
}
