//! Identities and identity proofs, alone and inside a real Noise XX
//! handshake (the way the connection will carry them).

use proptest::prelude::*;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use veil_core::identity::{Identity, IdentityError, IdentityProof, ParsePeerIdError, PeerId};
use veil_core::noise::{Ephemeral, Handshake, StaticKeypair};

#[test]
fn the_same_seed_gives_the_same_identity() {
    let a = Identity::generate(&mut ChaCha20Rng::seed_from_u64(7));
    let b = Identity::generate(&mut ChaCha20Rng::seed_from_u64(7));
    let c = Identity::generate(&mut ChaCha20Rng::seed_from_u64(8));
    assert_eq!(a.peer_id(), b.peer_id());
    assert_ne!(a.peer_id(), c.peer_id());
}

#[test]
fn a_proof_verifies_only_for_its_static_key_and_transcript() {
    let identity = Identity::from_secret_bytes([1; 32]);
    let proof = identity.prove(&[2; 32], &[3; 32]);
    assert_eq!(proof.verify(&[2; 32], &[3; 32]), Ok(identity.peer_id()));
    assert_eq!(
        proof.verify(&[9; 32], &[3; 32]),
        Err(IdentityError::BadSignature)
    );
    assert_eq!(
        proof.verify(&[2; 32], &[9; 32]),
        Err(IdentityError::BadSignature)
    );
}

#[test]
fn a_proof_cannot_be_claimed_by_another_identity() {
    let honest = Identity::from_secret_bytes([1; 32]);
    let thief = Identity::from_secret_bytes([2; 32]);
    let mut bytes = honest.prove(&[2; 32], &[3; 32]).to_bytes();
    bytes[..32].copy_from_slice(thief.peer_id().as_bytes());
    let forged = IdentityProof::from_bytes(&bytes).unwrap();
    assert_eq!(
        forged.verify(&[2; 32], &[3; 32]),
        Err(IdentityError::BadSignature)
    );
}

#[test]
fn small_order_keys_are_refused() {
    // The Ed25519 identity point: every signature "verifies" under it.
    let mut identity_point = [0u8; 32];
    identity_point[0] = 1;
    assert_eq!(PeerId::from_bytes(identity_point), None);
    let mut bytes = [0u8; 96];
    bytes[..32].copy_from_slice(&identity_point);
    assert_eq!(
        IdentityProof::from_bytes(&bytes),
        Err(IdentityError::InvalidKey)
    );
    let hex: String = identity_point.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(hex.parse::<PeerId>(), Err(ParsePeerIdError::InvalidKey));
}

#[test]
fn peer_id_text_errors_are_typed() {
    assert_eq!(
        "00".parse::<PeerId>(),
        Err(ParsePeerIdError::Length { len: 2 })
    );
    let mut text = Identity::from_secret_bytes([4; 32]).peer_id().to_string();
    text.replace_range(10..11, "g");
    assert_eq!(
        text.parse::<PeerId>(),
        Err(ParsePeerIdError::NotHex { position: 10 })
    );
    assert_eq!(
        IdentityProof::from_bytes(&[0; 95]),
        Err(IdentityError::Length { len: 95 })
    );
}

proptest! {
    #[test]
    fn any_flipped_bit_breaks_the_proof(byte in 0usize..96, bit in 0u8..8) {
        let identity = Identity::from_secret_bytes([5; 32]);
        let mut bytes = identity.prove(&[6; 32], &[7; 32]).to_bytes();
        bytes[byte] ^= 1 << bit;
        let verified = IdentityProof::from_bytes(&bytes).and_then(|p| p.verify(&[6; 32], &[7; 32]));
        prop_assert!(verified.is_err());
    }
}

/// A node: its identity, its Noise static key, and fresh ephemerals.
struct Node {
    identity: Identity,
    noise_static: StaticKeypair,
}

impl Node {
    fn new(seed: u8) -> Node {
        Node {
            identity: Identity::from_secret_bytes([seed; 32]),
            noise_static: StaticKeypair::from_secret_bytes([seed.wrapping_add(100); 32]),
        }
    }

    fn prove(&self, handshake: &Handshake) -> [u8; 96] {
        self.identity
            .prove(
                &self.noise_static.public_key(),
                &handshake.transcript_hash(),
            )
            .to_bytes()
    }
}

fn send(from: &mut Handshake, payload: &[u8]) -> Vec<u8> {
    let mut message = vec![0u8; from.message_len(payload.len()).unwrap()];
    let len = from.write_message(payload, &mut message).unwrap();
    message.truncate(len);
    message
}

fn receive(to: &mut Handshake, message: &[u8]) -> Vec<u8> {
    let mut payload = vec![0u8; message.len()];
    let len = to.read_message(message, &mut payload).unwrap();
    payload.truncate(len);
    payload
}

/// Verifies a proof received in a handshake message against the static key
/// that message authenticated and the transcript before it.
fn check(
    proof: &[u8],
    remote_static: Option<[u8; 32]>,
    transcript: [u8; 32],
) -> Result<PeerId, IdentityError> {
    IdentityProof::from_bytes(proof)?.verify(&remote_static.unwrap(), &transcript)
}

/// An initiator (alice) and a responder (bob) after message 1, with the
/// initiator's ephemeral key taken from `ephemeral`.
fn after_first_message(alice: &Node, bob: &Node, ephemeral: u8) -> (Handshake, Handshake) {
    let mut initiator = Handshake::initiator(
        alice.noise_static.clone(),
        Ephemeral::from_secret_bytes([ephemeral; 32]),
        b"veil",
    );
    let mut responder = Handshake::responder(
        bob.noise_static.clone(),
        Ephemeral::from_secret_bytes([12; 32]),
        b"veil",
    );
    let first = send(&mut initiator, &[]);
    receive(&mut responder, &first);
    (initiator, responder)
}

#[test]
fn both_sides_prove_their_identity_inside_noise_xx() {
    let (alice, bob) = (Node::new(1), Node::new(2));
    let (mut initiator, mut responder) = after_first_message(&alice, &bob, 11);
    let before_second = initiator.transcript_hash();
    let bob_proof = bob.prove(&responder);
    let second = send(&mut responder, &bob_proof);
    let bob_proof = receive(&mut initiator, &second);
    assert_eq!(bob_proof.len(), 96);
    assert_eq!(
        check(&bob_proof, initiator.remote_static(), before_second),
        Ok(bob.identity.peer_id())
    );

    let before_third = responder.transcript_hash();
    let alice_proof = alice.prove(&initiator);
    let third = send(&mut initiator, &alice_proof);
    let alice_proof = receive(&mut responder, &third);
    assert_eq!(
        check(&alice_proof, responder.remote_static(), before_third),
        Ok(alice.identity.peer_id())
    );
    assert!(initiator.is_finished() && responder.is_finished());
}

#[test]
fn a_proof_replayed_into_another_session_fails() {
    let (alice, bob) = (Node::new(1), Node::new(2));
    let (_, first_session) = after_first_message(&alice, &bob, 11);
    let recorded = bob.prove(&first_session);
    // A new session: the initiator's fresh ephemeral changes the transcript.
    let (initiator, _) = after_first_message(&alice, &bob, 21);
    assert_eq!(
        check(
            &recorded,
            Some(bob.noise_static.public_key()),
            initiator.transcript_hash()
        ),
        Err(IdentityError::BadSignature)
    );
}
