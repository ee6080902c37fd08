//! The session rekey: a fresh X25519 exchange inside the channel that
//! replaces the packet keys of both directions.
//!
//! Three packets: A sends `rekey_init(e_a)`; B answers `rekey_ack(e_b)` and
//! sends everything after it under the new key; A switches its receiving
//! side, sends `rekey_done` as its last packet under the old key, and
//! switches its sending side; B switches its receiving side when `done`
//! arrives. Each direction has exactly one switch point in its own stream,
//! so no message is lost, repeated or reordered, and traffic flows in both
//! directions throughout.
//!
//! New keys come from `HKDF(salt = chain, ikm = DH(e_a, e_b))`: the chain
//! secret starts from the Noise handshake and is replaced at every rekey, so
//! later keys depend on every earlier exchange and old keys cannot be
//! recomputed from new ones (forward secrecy).

use hkdf::Hkdf;
use sha2::Sha256;
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::Zeroizing;

use crate::packet::{ReceiveCipher, SendCipher, KEY_LEN};

/// The HKDF label of a rekey.
const REKEY_INFO: &[u8] = b"veil/v1 session rekey";

/// The export label of the first chain secret, taken from the finished
/// Noise handshake.
pub(crate) const CHAIN_LABEL: &[u8] = b"veil/v1 session rekey chain";

/// Packet ciphers of both directions and the next chain secret.
pub(crate) struct NewKeys {
    pub(crate) chain: Zeroizing<[u8; 32]>,
    pub(crate) send: SendCipher,
    pub(crate) receive: ReceiveCipher,
}

/// A fresh rekey ephemeral and its public key.
pub(crate) fn ephemeral<R: rand_core::RngCore + rand_core::CryptoRng>(
    rng: &mut R,
) -> (StaticSecret, [u8; 32]) {
    let secret = StaticSecret::random_from_rng(rng);
    let public = PublicKey::from(&secret).to_bytes();
    (secret, public)
}

/// Derives the next keys. `initiator` is the connection's role (the
/// dialling side sends on the first key pair), not who started the rekey.
/// `None` if the peer's key is of small order (no shared secret).
pub(crate) fn derive(
    chain: &[u8; 32],
    local: &StaticSecret,
    remote: [u8; 32],
    initiator: bool,
) -> Option<NewKeys> {
    let shared = local.diffie_hellman(&PublicKey::from(remote));
    if !shared.was_contributory() {
        return None;
    }
    let mut okm = Zeroizing::new([0u8; 5 * KEY_LEN]);
    let Ok(()) =
        Hkdf::<Sha256>::new(Some(chain), shared.as_bytes()).expand(REKEY_INFO, &mut okm[..])
    else {
        unreachable!("160 bytes is far below HKDF-SHA256's limit")
    };
    let key = |index: usize| {
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        key.copy_from_slice(&okm[index * KEY_LEN..(index + 1) * KEY_LEN]);
        key
    };
    let mut next_chain = Zeroizing::new([0u8; 32]);
    next_chain.copy_from_slice(&okm[..KEY_LEN]);
    let (i2r, r2i) = ((key(1), key(2)), (key(3), key(4)));
    let ((send_length, send_contents), (receive_length, receive_contents)) =
        if initiator { (i2r, r2i) } else { (r2i, i2r) };
    Some(NewKeys {
        chain: next_chain,
        send: SendCipher::new(*send_length, *send_contents),
        receive: ReceiveCipher::new(*receive_length, *receive_contents),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::{Header, LENGTH_FIELD_LEN};

    #[test]
    fn both_sides_derive_matching_oriented_keys() {
        let (a, a_public) = (
            StaticSecret::from([1; 32]),
            PublicKey::from(&StaticSecret::from([1; 32])).to_bytes(),
        );
        let (b, b_public) = (
            StaticSecret::from([2; 32]),
            PublicKey::from(&StaticSecret::from([2; 32])).to_bytes(),
        );
        let mut alice = derive(&[9; 32], &a, b_public, true).unwrap();
        let mut bob = derive(&[9; 32], &b, a_public, false).unwrap();
        assert_eq!(*alice.chain, *bob.chain);
        assert_ne!(*alice.chain, [9; 32]);
        let packet = alice.send.encrypt_to_vec(b"hi", &[], Header::DATA).unwrap();
        let (length, body) = packet.split_at(LENGTH_FIELD_LEN);
        bob.receive
            .decrypt_length(length.try_into().unwrap())
            .unwrap();
        let mut body = body.to_vec();
        assert_eq!(
            bob.receive
                .decrypt_in_place(&mut body, &[])
                .unwrap()
                .contents,
            b"hi"
        );
    }

    #[test]
    fn a_small_order_key_is_refused() {
        assert!(derive(&[9; 32], &StaticSecret::from([1; 32]), [0; 32], true).is_none());
    }
}
