//! What `benches/handshake.rs` measures: a full Noise XX handshake with
//! identity proofs, both sides in one process, against exactly the
//! public-key operations it needs, done raw.
//!
//! Per handshake, counted from the XX pattern (`-> e`, `<- e, ee, s, es`,
//! `-> s, se`) and from `veil_core`'s code:
//!
//! | operation | initiator | responder | total |
//! |---|---|---|---|
//! | X25519 ephemeral keygen (base-point multiplication) | 1 | 1 | 2 |
//! | X25519 DH: `ee`, `es`, `se` | 3 | 3 | 6 |
//! | Ed25519 signature (identity proof) | 1 | 1 | 2 |
//! | Ed25519 strict verification of the peer's proof | 1 | 1 | 2 |
//!
//! The static keys and identities are fixed; the ephemeral keys are fresh
//! in every handshake, drawn from a counter with [`ephemeral_secret`].
//! [`RawKeys::connection_public_key_ops`] adds the fresh Noise static key
//! pair a `Connection` draws on each side (2 more keygens), for
//! `benches/connection.rs`.
//!
//! # Example
//!
//! ```
//! use veil_benches::handshake::{Peers, RawKeys};
//!
//! let peers = Peers::default();
//! let established = peers.handshake(1);
//! assert_eq!(established.initiator.send_key(), established.responder.receive_key());
//! assert_eq!(established.responder_proved, peers.responder_id());
//! assert_eq!(established.initiator_proved, peers.initiator_id());
//!
//! // The raw baseline agrees on every DH.
//! let [ee, es, se] = RawKeys::default().public_key_ops(1);
//! assert!(ee != es && es != se);
//! ```

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use veil_core::identity::{Identity, IdentityProof, PeerId, PROOF_LEN};
use veil_core::noise::{Ephemeral, Handshake, SplitKeys, StaticKeypair};
use x25519_dalek::{PublicKey, StaticSecret};

/// Criterion group of the handshake benches.
///
/// ```
/// assert_eq!(veil_benches::handshake::GROUP, "noise_xx_handshake");
/// ```
pub const GROUP: &str = "noise_xx_handshake";

/// Criterion function name of the veil handshake with identity proofs.
///
/// ```
/// assert_eq!(veil_benches::handshake::VEIL, "xx_identity_proofs");
/// ```
pub const VEIL: &str = "xx_identity_proofs";

/// Criterion function name of the raw public-key operations.
///
/// ```
/// assert_eq!(veil_benches::handshake::RAW, "public_key_ops_raw");
/// ```
pub const RAW: &str = "public_key_ops_raw";

/// The prologue both sides pass.
///
/// ```
/// assert!(!veil_benches::handshake::PROLOGUE.is_empty());
/// ```
pub const PROLOGUE: &[u8] = b"veil bench";

/// Fixed secrets of each side: identity, Noise static, and the byte that
/// fills its ephemeral secrets.
const INITIATOR: ([u8; 32], [u8; 32], u8) = ([1; 32], [2; 32], 3);
const RESPONDER: ([u8; 32], [u8; 32], u8) = ([4; 32], [5; 32], 6);

/// Room for the longest message: the second, 96 bytes of keys and tags
/// around a [`PROOF_LEN`]-byte proof.
const MESSAGE_ROOM: usize = 256;

/// The ephemeral secret of handshake `n` for the side whose secrets are
/// filled with `fill`: a distinct key for every `n` and side. The counter
/// goes in bytes 1 to 8, clear of the bits X25519's clamping drops (the low
/// three of byte 0).
///
/// ```
/// use veil_benches::handshake::ephemeral_secret;
/// use veil_core::noise::Ephemeral;
/// let wire = |n| Ephemeral::from_secret_bytes(ephemeral_secret(n, 3)).wire_bytes();
/// assert_ne!(wire(1), wire(2));
/// assert_eq!(ephemeral_secret(1, 3)[9..], [3; 23]);
/// ```
#[must_use]
pub fn ephemeral_secret(n: u64, fill: u8) -> [u8; 32] {
    let mut secret = [fill; 32];
    secret[1..9].copy_from_slice(&n.to_le_bytes());
    secret
}

/// One side's long-term keys.
#[derive(Clone, Debug)]
struct Node {
    identity: Identity,
    noise_static: StaticKeypair,
    ephemeral_fill: u8,
}

impl Node {
    fn new((identity, noise_static, ephemeral_fill): ([u8; 32], [u8; 32], u8)) -> Node {
        Node {
            identity: Identity::from_secret_bytes(identity),
            noise_static: StaticKeypair::from_secret_bytes(noise_static),
            ephemeral_fill,
        }
    }

    /// This node's proof for the handshake in `handshake`'s current state.
    fn prove(&self, handshake: &Handshake) -> [u8; PROOF_LEN] {
        self.identity
            .prove(
                &self.noise_static.public_key(),
                &handshake.transcript_hash(),
            )
            .to_bytes()
    }
}

/// The two nodes of the veil handshake bench.
///
/// ```
/// let peers = veil_benches::handshake::Peers::default();
/// assert_ne!(peers.initiator_id(), peers.responder_id());
/// ```
#[derive(Clone, Debug)]
pub struct Peers {
    initiator: Node,
    responder: Node,
}

impl Default for Peers {
    fn default() -> Self {
        Peers {
            initiator: Node::new(INITIATOR),
            responder: Node::new(RESPONDER),
        }
    }
}

/// The outcome of one handshake, for both sides.
#[derive(Debug)]
pub struct Established {
    /// The initiator's transport keys.
    pub initiator: SplitKeys,
    /// The responder's transport keys.
    pub responder: SplitKeys,
    /// The identity the initiator proved to the responder.
    pub initiator_proved: PeerId,
    /// The identity the responder proved to the initiator.
    pub responder_proved: PeerId,
}

impl Peers {
    /// The initiator's peer id.
    ///
    /// ```
    /// let peers = veil_benches::handshake::Peers::default();
    /// assert_eq!(peers.initiator_id(), peers.handshake(7).initiator_proved);
    /// ```
    #[must_use]
    pub fn initiator_id(&self) -> PeerId {
        self.initiator.identity.peer_id()
    }

    /// The responder's peer id.
    ///
    /// ```
    /// let peers = veil_benches::handshake::Peers::default();
    /// assert_eq!(peers.responder_id(), peers.handshake(7).responder_proved);
    /// ```
    #[must_use]
    pub fn responder_id(&self) -> PeerId {
        self.responder.identity.peer_id()
    }

    /// Handshake number `n`, as the connection will run it: the responder's
    /// message-2 payload is its identity proof over its static key and the
    /// transcript hash after message 1, the initiator's message-3 payload
    /// its proof over the hash after message 2, and each side verifies the
    /// other's proof against the static key the handshake authenticated.
    ///
    /// # Panics
    ///
    /// If the handshake or a proof fails: a bug in veil.
    ///
    /// ```
    /// let peers = veil_benches::handshake::Peers::default();
    /// let (a, b) = (peers.handshake(1), peers.handshake(2));
    /// assert_ne!(a.initiator.send_key(), b.initiator.send_key());
    /// ```
    #[must_use]
    pub fn handshake(&self, n: u64) -> Established {
        let (alice, bob) = (&self.initiator, &self.responder);
        let mut initiator = Handshake::initiator(
            alice.noise_static.clone(),
            Ephemeral::from_secret_bytes(ephemeral_secret(n, alice.ephemeral_fill)),
            PROLOGUE,
        );
        let mut responder = Handshake::responder(
            bob.noise_static.clone(),
            Ephemeral::from_secret_bytes(ephemeral_secret(n, bob.ephemeral_fill)),
            PROLOGUE,
        );
        let mut message = [0u8; MESSAGE_ROOM];
        let mut payload = [0u8; PROOF_LEN];

        // -> e
        let len = initiator
            .write_message(&[], &mut message)
            .expect("message 1");
        responder
            .read_message(&message[..len], &mut [])
            .expect("message 1");

        // <- e, ee, s, es, responder's proof
        let transcript = initiator.transcript_hash();
        let len = responder
            .write_message(&bob.prove(&responder), &mut message)
            .expect("message 2");
        let len = initiator
            .read_message(&message[..len], &mut payload)
            .expect("message 2");
        let responder_proved = verify(&payload[..len], initiator.remote_static(), &transcript);

        // -> s, se, initiator's proof
        let transcript = responder.transcript_hash();
        let len = initiator
            .write_message(&alice.prove(&initiator), &mut message)
            .expect("message 3");
        let len = responder
            .read_message(&message[..len], &mut payload)
            .expect("message 3");
        let initiator_proved = verify(&payload[..len], responder.remote_static(), &transcript);

        Established {
            initiator: initiator.into_split_keys().expect("finished"),
            responder: responder.into_split_keys().expect("finished"),
            initiator_proved,
            responder_proved,
        }
    }
}

/// Checks a received proof against the static key the handshake
/// authenticated and the verifier's own transcript hash before the message.
fn verify(proof: &[u8], remote_static: Option<[u8; 32]>, transcript: &[u8; 32]) -> PeerId {
    IdentityProof::from_bytes(proof)
        .and_then(|proof| proof.verify(&remote_static.expect("static key read"), transcript))
        .expect("a valid identity proof")
}

/// One side's keys for the raw baseline: X25519 static, Ed25519 identity.
struct RawNode {
    noise_static: StaticSecret,
    noise_static_public: PublicKey,
    signing: SigningKey,
    /// The identity's public key as the peer receives it: 32 bytes.
    peer_id: [u8; 32],
    ephemeral_fill: u8,
    /// Fills the fresh static secrets of [`RawKeys::connection_public_key_ops`].
    static_fill: u8,
}

impl RawNode {
    fn new((identity, noise_static, ephemeral_fill): ([u8; 32], [u8; 32], u8)) -> RawNode {
        let noise_static = StaticSecret::from(noise_static);
        let signing = SigningKey::from_bytes(&identity);
        RawNode {
            noise_static_public: PublicKey::from(&noise_static),
            peer_id: signing.verifying_key().to_bytes(),
            noise_static,
            signing,
            ephemeral_fill,
            static_fill: ephemeral_fill.wrapping_add(0x80),
        }
    }
}

/// The raw baseline's keys: the same fixed secrets as [`Peers`].
///
/// ```
/// let ops = veil_benches::handshake::RawKeys::default().public_key_ops(5);
/// assert_eq!(ops.len(), 3);
/// ```
pub struct RawKeys {
    initiator: RawNode,
    responder: RawNode,
}

impl Default for RawKeys {
    fn default() -> Self {
        RawKeys {
            initiator: RawNode::new(INITIATOR),
            responder: RawNode::new(RESPONDER),
        }
    }
}

impl core::fmt::Debug for RawKeys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RawKeys").finish_non_exhaustive()
    }
}

/// veil's domain-separation context (private to `veil_core`), so that the
/// raw signatures cover messages of the same length.
const CONTEXT: &[u8; 33] = b"veil/v1 identity proof for noise\0";

/// What the raw signatures cover: context, static key and a fresh 32-byte
/// value, laid out as veil's identity proofs are.
fn signed_message(noise_static: &PublicKey, fresh: &[u8; 32]) -> [u8; 97] {
    let mut message = [0u8; 97];
    message[..33].copy_from_slice(CONTEXT);
    message[33..65].copy_from_slice(noise_static.as_bytes());
    message[65..].copy_from_slice(fresh);
    message
}

/// A strict verification as the receiver does it: the signer's key arrives
/// as 32 bytes, so it is decompressed first.
fn verify_raw(peer_id: &[u8; 32], message: &[u8], signature: &Signature) {
    VerifyingKey::from_bytes(peer_id)
        .and_then(|key| key.verify_strict(message, signature))
        .expect("a valid signature");
}

impl RawKeys {
    /// The public-key operations of handshake `n`, raw with x25519-dalek
    /// and ed25519-dalek: 2 ephemeral keygens, 6 DHs, 2 signatures and 2
    /// strict verifications (each with the decompression of the signer's
    /// key). Each signature covers the signer's static key and the peer's
    /// ephemeral public key (fresh per handshake, as the transcript is).
    /// Returns the `ee`, `es` and `se` results after checking that both
    /// sides agree on them.
    ///
    /// # Panics
    ///
    /// If the sides disagree or a signature fails: a bug in the baseline.
    ///
    /// ```
    /// let raw = veil_benches::handshake::RawKeys::default();
    /// assert_ne!(raw.public_key_ops(1), raw.public_key_ops(2));
    /// ```
    #[must_use]
    pub fn public_key_ops(&self, n: u64) -> [[u8; 32]; 3] {
        let (alice, bob) = (&self.initiator, &self.responder);
        self.exchange(
            n,
            (&alice.noise_static, &alice.noise_static_public),
            (&bob.noise_static, &bob.noise_static_public),
        )
    }

    /// The public-key operations of connection `n`: those of
    /// [`RawKeys::public_key_ops`] plus a fresh X25519 static key pair per
    /// side (one more base-point multiplication each), as
    /// `veil_core::connection::Connection` draws a new Noise static key for
    /// every connection. 4 keygens, 6 DHs, 2 signatures, 2 strict
    /// verifications.
    ///
    /// # Panics
    ///
    /// If the sides disagree or a signature fails: a bug in the baseline.
    ///
    /// ```
    /// let raw = veil_benches::handshake::RawKeys::default();
    /// assert_ne!(raw.connection_public_key_ops(1), raw.public_key_ops(1));
    /// ```
    #[must_use]
    pub fn connection_public_key_ops(&self, n: u64) -> [[u8; 32]; 3] {
        let (alice, bob) = (&self.initiator, &self.responder);
        let alice_static = StaticSecret::from(ephemeral_secret(n, alice.static_fill));
        let alice_static_public = PublicKey::from(&alice_static);
        let bob_static = StaticSecret::from(ephemeral_secret(n, bob.static_fill));
        let bob_static_public = PublicKey::from(&bob_static);
        self.exchange(
            n,
            (&alice_static, &alice_static_public),
            (&bob_static, &bob_static_public),
        )
    }

    /// Ephemeral keygens, DHs, signatures and verifications of handshake
    /// `n` between the given static keys.
    fn exchange(
        &self,
        n: u64,
        (alice_static, alice_static_public): (&StaticSecret, &PublicKey),
        (bob_static, bob_static_public): (&StaticSecret, &PublicKey),
    ) -> [[u8; 32]; 3] {
        let (alice, bob) = (&self.initiator, &self.responder);
        let alice_e = StaticSecret::from(ephemeral_secret(n, alice.ephemeral_fill));
        let alice_e_public = PublicKey::from(&alice_e);
        let bob_e = StaticSecret::from(ephemeral_secret(n, bob.ephemeral_fill));
        let bob_e_public = PublicKey::from(&bob_e);

        // Responder, message 2: ee, es, signature.
        let bob_ee = bob_e.diffie_hellman(&alice_e_public);
        let bob_es = bob_static.diffie_hellman(&alice_e_public);
        let bob_message = signed_message(bob_static_public, alice_e_public.as_bytes());
        let bob_signature = bob.signing.sign(&bob_message);
        // Initiator reads it: ee, es, verification; message 3: se, signature.
        let alice_ee = alice_e.diffie_hellman(&bob_e_public);
        let alice_es = alice_e.diffie_hellman(bob_static_public);
        verify_raw(&bob.peer_id, &bob_message, &bob_signature);
        let alice_se = alice_static.diffie_hellman(&bob_e_public);
        let alice_message = signed_message(alice_static_public, bob_e_public.as_bytes());
        let alice_signature = alice.signing.sign(&alice_message);
        // Responder reads it: se, verification.
        let bob_se = bob_e.diffie_hellman(alice_static_public);
        verify_raw(&alice.peer_id, &alice_message, &alice_signature);

        let shared = [alice_ee, alice_es, alice_se].map(|s| s.to_bytes());
        assert_eq!(shared, [bob_ee, bob_es, bob_se].map(|s| s.to_bytes()));
        shared
    }
}
