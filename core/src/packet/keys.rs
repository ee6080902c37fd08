//! The packet layer's four keys, derived from a finished Noise handshake.
//!
//! Noise's `Split()` gives one key per direction; the packet layer needs two
//! per direction (lengths and contents). Using one key for both would reuse
//! keystream: FSChaCha20's first period and the first packet's AEAD both run
//! ChaCha20 at nonce 0. So each direction key is expanded with HKDF-SHA256,
//! salted with the handshake hash, into two independent keys (BIP324 derives
//! its four keys from its shared secret the same way, by label).

use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::{Zeroize, Zeroizing};

use super::{ReceiveCipher, SendCipher, KEY_LEN};
use crate::noise::SplitKeys;

/// The label of veil's packet-key expansion.
const INFO: &[u8] = b"veil/v1 packet keys: length, contents";

/// Length and contents keys of one direction.
fn expand(
    direction_key: &[u8; KEY_LEN],
    handshake_hash: &[u8; 32],
) -> Zeroizing<[u8; 2 * KEY_LEN]> {
    let mut okm = Zeroizing::new([0u8; 2 * KEY_LEN]);
    Hkdf::<Sha256>::new(Some(handshake_hash), direction_key)
        .expand(INFO, &mut okm[..])
        .unwrap_or_else(|_| unreachable!("64 bytes is far below HKDF-SHA256's limit"));
    okm
}

fn split_pair(okm: &[u8; 2 * KEY_LEN]) -> ([u8; KEY_LEN], [u8; KEY_LEN]) {
    let mut length = [0u8; KEY_LEN];
    let mut contents = [0u8; KEY_LEN];
    length.copy_from_slice(&okm[..KEY_LEN]);
    contents.copy_from_slice(&okm[KEY_LEN..]);
    (length, contents)
}

/// Builds this side's packet ciphers from its finished handshake.
///
/// Both sides derive the same keys for each direction, because Noise's split
/// keys are already oriented (this side's send key is the peer's receive
/// key).
///
/// # Example
///
/// ```
/// use veil_core::noise::SplitKeys;
/// use veil_core::packet::{ciphers_from_noise, Header, LENGTH_FIELD_LEN};
///
/// // The two sides of one handshake: send and receive keys swapped.
/// let alice = SplitKeys::from_keys([1; 32], [2; 32], [9; 32]);
/// let bob = SplitKeys::from_keys([2; 32], [1; 32], [9; 32]);
/// let (mut alice_send, _) = ciphers_from_noise(&alice);
/// let (_, mut bob_receive) = ciphers_from_noise(&bob);
///
/// let packet = alice_send.encrypt_to_vec(b"hi", &[], Header::DATA).unwrap();
/// let (length, body) = packet.split_at(LENGTH_FIELD_LEN);
/// bob_receive.decrypt_length(length.try_into().unwrap()).unwrap();
/// let mut body = body.to_vec();
/// assert_eq!(bob_receive.decrypt_in_place(&mut body, &[]).unwrap().contents, b"hi");
/// ```
#[must_use]
pub fn ciphers_from_noise(keys: &SplitKeys) -> (SendCipher, ReceiveCipher) {
    let hash = keys.handshake_hash();
    let (mut send_length, mut send_contents) = split_pair(&expand(keys.send_key(), &hash));
    let (mut receive_length, mut receive_contents) = split_pair(&expand(keys.receive_key(), &hash));
    let ciphers = (
        SendCipher::new(send_length, send_contents),
        ReceiveCipher::new(receive_length, receive_contents),
    );
    for key in [
        &mut send_length,
        &mut send_contents,
        &mut receive_length,
        &mut receive_contents,
    ] {
        key.zeroize();
    }
    ciphers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_and_contents_keys_differ_and_depend_on_the_transcript() {
        let (length, contents) = split_pair(&expand(&[1; 32], &[9; 32]));
        assert_ne!(length, contents);
        let (other_length, _) = split_pair(&expand(&[1; 32], &[8; 32]));
        assert_ne!(length, other_length);
    }

    #[test]
    fn directions_do_not_share_keys() {
        let keys = SplitKeys::from_keys([1; 32], [2; 32], [9; 32]);
        let send = split_pair(&expand(keys.send_key(), &keys.handshake_hash()));
        let receive = split_pair(&expand(keys.receive_key(), &keys.handshake_hash()));
        assert_ne!(send, receive);
    }
}
