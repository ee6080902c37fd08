//! `identity.key`: the node's Ed25519 secret in a short text format that
//! says what it is and carries its own check:
//!
//! ```text
//! veil-identity-v1
//! secret <64 hex digits>
//! peer-id <64 hex digits>
//! ```
//!
//! The peer id is derived from the secret, so a damaged secret no longer
//! matches it: a flipped digit is refused instead of silently becoming a
//! different node. It also shows which node a key file belongs to.

use std::fmt;

use veil_core::identity::{Identity, PeerId};
use zeroize::Zeroizing;

const HEADER: &str = "veil-identity-v1";
const SECRET: &str = "secret ";
const PEER_ID: &str = "peer-id ";
/// The longest file read: the format is well under this.
pub(super) const MAX_LEN: usize = 1024;

/// Why the contents of an identity file are not a veil identity.
///
/// ```
/// use veil_tokio::datadir::{parse_identity_file, IdentityFileError};
/// assert_eq!(parse_identity_file(b"ssh-ed25519 AAAA").unwrap_err(), IdentityFileError::Header);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdentityFileError {
    /// Not UTF-8 text.
    NotText,
    /// The first line is not `veil-identity-v1`.
    Header,
    /// The `secret` line is missing or is not 64 hex digits.
    Secret,
    /// The `peer-id` line is missing or is not a peer id.
    PeerId,
    /// The secret does not give the peer id written beside it.
    Mismatch,
    /// Something follows the `peer-id` line.
    TrailingText,
    /// Longer than any identity file.
    TooLong,
}

impl fmt::Display for IdentityFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IdentityFileError::NotText => "not text",
            IdentityFileError::Header => "the first line is not `veil-identity-v1`",
            IdentityFileError::Secret => "the second line is not `secret ` and 64 hex digits",
            IdentityFileError::PeerId => "the third line is not `peer-id ` and a peer id",
            IdentityFileError::Mismatch => {
                "the secret does not match the peer id beside it (the file is damaged)"
            }
            IdentityFileError::TrailingText => "there is text after the peer id",
            IdentityFileError::TooLong => "far longer than an identity key",
        })
    }
}

impl std::error::Error for IdentityFileError {}

/// The text of an `identity.key` file for `identity` (for `veil keygen`
/// without a data directory). It holds the secret and is wiped from
/// memory when dropped.
///
/// ```
/// use veil_core::identity::Identity;
/// use veil_tokio::datadir::{identity_file_text, parse_identity_file};
/// let identity = Identity::from_secret_bytes([1; 32]);
/// let text = identity_file_text(&identity);
/// assert!(text.starts_with("veil-identity-v1\nsecret "));
/// assert_eq!(parse_identity_file(text.as_bytes()).unwrap().peer_id(), identity.peer_id());
/// ```
#[must_use]
pub fn identity_file_text(identity: &Identity) -> Zeroizing<String> {
    let secret = Zeroizing::new(identity.secret_bytes());
    let peer_id = identity.peer_id().to_string();
    let len = HEADER.len() + SECRET.len() + PEER_ID.len() + 64 + peer_id.len() + 3;
    // Sized up front: a reallocation would leave a copy of the secret behind.
    let mut text = Zeroizing::new(String::with_capacity(len));
    text.push_str(HEADER);
    text.push('\n');
    text.push_str(SECRET);
    for byte in secret.iter() {
        text.push(hex_digit(byte >> 4));
        text.push(hex_digit(byte & 0xf));
    }
    text.push('\n');
    text.push_str(PEER_ID);
    text.push_str(&peer_id);
    text.push('\n');
    text
}

/// The identity in the contents of an identity file, checked against the
/// peer id written with it. Line ends may be `\n` or `\r\n`.
///
/// ```
/// use veil_core::identity::Identity;
/// use veil_tokio::datadir::{identity_file_text, parse_identity_file, IdentityFileError};
/// let mut text = identity_file_text(&Identity::from_secret_bytes([1; 32])).as_bytes().to_vec();
/// text[24] = if text[24] == b'0' { b'1' } else { b'0' }; // one digit of the secret
/// assert_eq!(parse_identity_file(&text).unwrap_err(), IdentityFileError::Mismatch);
/// ```
pub fn parse_identity_file(bytes: &[u8]) -> Result<Identity, IdentityFileError> {
    if bytes.len() > MAX_LEN {
        return Err(IdentityFileError::TooLong);
    }
    let text = std::str::from_utf8(bytes).map_err(|_| IdentityFileError::NotText)?;
    let mut lines = text.lines();
    if lines.next() != Some(HEADER) {
        return Err(IdentityFileError::Header);
    }
    let hex = lines
        .next()
        .and_then(|line| line.strip_prefix(SECRET))
        .ok_or(IdentityFileError::Secret)?;
    let mut secret = Zeroizing::new([0u8; 32]);
    if hex.len() != 64 {
        return Err(IdentityFileError::Secret);
    }
    for (byte, pair) in secret.iter_mut().zip(hex.as_bytes().chunks_exact(2)) {
        let (Some(high), Some(low)) = (hex_value(pair[0]), hex_value(pair[1])) else {
            return Err(IdentityFileError::Secret);
        };
        *byte = high << 4 | low;
    }
    let written: PeerId = lines
        .next()
        .and_then(|line| line.strip_prefix(PEER_ID))
        .and_then(|id| id.parse().ok())
        .ok_or(IdentityFileError::PeerId)?;
    if lines.any(|line| !line.trim().is_empty()) {
        return Err(IdentityFileError::TrailingText);
    }
    let identity = Identity::from_secret_bytes(*secret);
    if identity.peer_id() != written {
        return Err(IdentityFileError::Mismatch);
    }
    Ok(identity)
}

fn hex_digit(nibble: u8) -> char {
    char::from(b"0123456789abcdef"[usize::from(nibble)])
}

fn hex_value(digit: u8) -> Option<u8> {
    char::from(digit)
        .to_digit(16)
        .and_then(|v| u8::try_from(v).ok())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn rejections_name_the_line() {
        let text = identity_file_text(&Identity::from_secret_bytes([7; 32]));
        let lines: Vec<&str> = text.lines().collect();
        let with = |i: usize, line: &str| {
            let mut changed = lines.clone();
            changed[i] = line;
            changed.join("\n")
        };
        assert_eq!(
            parse_identity_file(with(0, "veil-identity-v2").as_bytes()).unwrap_err(),
            IdentityFileError::Header
        );
        assert_eq!(
            parse_identity_file(with(1, "secret zz").as_bytes()).unwrap_err(),
            IdentityFileError::Secret
        );
        assert_eq!(
            parse_identity_file(with(2, "peer-id 00").as_bytes()).unwrap_err(),
            IdentityFileError::PeerId
        );
        let other = Identity::from_secret_bytes([8; 32]).peer_id().to_string();
        assert_eq!(
            parse_identity_file(with(2, &format!("peer-id {other}")).as_bytes()).unwrap_err(),
            IdentityFileError::Mismatch
        );
        assert_eq!(
            parse_identity_file(format!("{}extra\n", *text).as_bytes()).unwrap_err(),
            IdentityFileError::TrailingText
        );
        assert_eq!(
            parse_identity_file(&[0xff, 0xfe]).unwrap_err(),
            IdentityFileError::NotText
        );
        assert_eq!(
            parse_identity_file(&[b'\n'; MAX_LEN + 1]).unwrap_err(),
            IdentityFileError::TooLong
        );
        let crlf = text.replace('\n', "\r\n");
        assert!(parse_identity_file(crlf.as_bytes()).is_ok());
    }

    proptest! {
        #[test]
        fn round_trip(secret in any::<[u8; 32]>()) {
            let identity = Identity::from_secret_bytes(secret);
            let text = identity_file_text(&identity);
            let parsed = parse_identity_file(text.as_bytes()).unwrap();
            prop_assert_eq!(parsed.secret_bytes(), secret);
        }

        /// Damage anywhere gives an error or the same key (a hex digit's
        /// case, a blank line's spaces), never another identity.
        #[test]
        fn damage_never_gives_another_identity(
            secret in any::<[u8; 32]>(),
            at in any::<prop::sample::Index>(),
            byte in any::<u8>(),
        ) {
            let identity = Identity::from_secret_bytes(secret);
            let mut bytes = identity_file_text(&identity).as_bytes().to_vec();
            let at = at.index(bytes.len());
            bytes[at] = byte;
            if let Ok(parsed) = parse_identity_file(&bytes) {
                prop_assert_eq!(parsed.peer_id(), identity.peer_id());
            }
        }
    }
}
