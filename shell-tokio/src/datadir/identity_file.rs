//! `identity.key`: the node's Ed25519 secret, in a small text format
//! (`veil-identity-v1`, then 64 hex digits) that says what it is.

use veil_core::identity::Identity;

const HEADER: &str = "veil-identity-v1";

/// The file's contents for `identity`.
pub(super) fn encode(identity: &Identity) -> Vec<u8> {
    let secret = identity.secret_bytes();
    let hex: String = secret.iter().map(|b| format!("{b:02x}")).collect();
    format!("{HEADER}\n{hex}\n").into_bytes()
}

/// The identity in `bytes`, or what is wrong with them.
pub(super) fn decode(bytes: &[u8]) -> Result<Identity, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "not text".to_owned())?;
    let mut lines = text.lines();
    if lines.next() != Some(HEADER) {
        return Err(format!("does not start with {HEADER:?}"));
    }
    let hex = lines.next().unwrap_or("").trim();
    if hex.len() != 64 {
        return Err(format!("the secret has {} hex digits, not 64", hex.len()));
    }
    let mut secret = [0u8; 32];
    for (i, byte) in secret.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16)
            .map_err(|_| format!("digit {} of the secret is not hex", 2 * i))?;
    }
    if lines.any(|l| !l.trim().is_empty()) {
        return Err("has text after the secret".to_owned());
    }
    Ok(Identity::from_secret_bytes(secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_rejections() {
        let identity = Identity::from_secret_bytes([7; 32]);
        let bytes = encode(&identity);
        assert_eq!(decode(&bytes).unwrap().peer_id(), identity.peer_id());
        assert!(decode(b"veil-identity-v2\n00\n").is_err());
        assert!(decode(b"veil-identity-v1\nzz\n").is_err());
        let mut long = bytes.clone();
        long.extend_from_slice(b"extra\n");
        assert!(decode(&long).is_err());
        assert!(decode(&[0xff, 0xfe]).is_err());
    }
}
