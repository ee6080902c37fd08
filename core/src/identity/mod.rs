//! Node identities: Ed25519 keys whose public half is the peer id.
//!
//! A node's long-term [`Identity`] never touches the session keys. Inside the
//! encrypted handshake each side sends an [`IdentityProof`]: its peer id and
//! an Ed25519 signature over its Noise static key *and* the handshake
//! transcript hash at that point (libp2p signs the static key alone; veil
//! also binds the proof to the session, so a proof seen once cannot be
//! replayed into another handshake).
//!
//! # Example
//!
//! ```
//! use veil_core::identity::{Identity, IdentityProof};
//!
//! let node = Identity::from_secret_bytes([7; 32]);
//! let noise_static = [1u8; 32];
//! let transcript = [2u8; 32];
//! let proof = node.prove(&noise_static, &transcript);
//! assert_eq!(proof.verify(&noise_static, &transcript), Ok(node.peer_id()));
//! assert!(proof.verify(&noise_static, &[3u8; 32]).is_err());
//! ```

mod peer_id;
mod proof;

pub use peer_id::{ParsePeerIdError, PeerId};
pub use proof::{IdentityError, IdentityProof, PROOF_LEN};

use ed25519_dalek::SigningKey;
use rand_core::{CryptoRng, RngCore};

/// A node's long-term Ed25519 signing key.
///
/// The secret is wiped when the identity is dropped; `Debug` shows only the
/// peer id.
///
/// # Example
///
/// ```
/// use veil_core::identity::Identity;
///
/// let a = Identity::from_secret_bytes([1; 32]);
/// let b = Identity::from_secret_bytes(a.secret_bytes());
/// assert_eq!(a.peer_id(), b.peer_id());
/// ```
#[derive(Clone)]
pub struct Identity {
    signing: SigningKey,
}

impl Identity {
    /// A fresh identity from a cryptographically secure RNG (the shell
    /// passes OS entropy; tests pass a seeded RNG).
    ///
    /// ```
    /// use rand_core::{CryptoRng, RngCore};
    /// # struct Counter(u8);
    /// # impl RngCore for Counter {
    /// #     fn next_u32(&mut self) -> u32 { self.next_u64() as u32 }
    /// #     fn next_u64(&mut self) -> u64 { let mut b = [0; 8]; self.fill_bytes(&mut b); u64::from_le_bytes(b) }
    /// #     fn fill_bytes(&mut self, d: &mut [u8]) { for x in d { self.0 = self.0.wrapping_add(1); *x = self.0; } }
    /// #     fn try_fill_bytes(&mut self, d: &mut [u8]) -> Result<(), rand_core::Error> { self.fill_bytes(d); Ok(()) }
    /// # }
    /// # impl CryptoRng for Counter {}
    /// let identity = veil_core::identity::Identity::generate(&mut Counter(0));
    /// assert_eq!(identity.peer_id().as_bytes().len(), 32);
    /// ```
    #[must_use]
    pub fn generate<R: RngCore + CryptoRng>(rng: &mut R) -> Identity {
        let mut secret = [0u8; 32];
        rng.fill_bytes(&mut secret);
        let identity = Identity::from_secret_bytes(secret);
        zeroize::Zeroize::zeroize(&mut secret);
        identity
    }

    /// The identity with this 32-byte Ed25519 secret key (as stored in the
    /// node's data directory).
    ///
    /// ```
    /// let identity = veil_core::identity::Identity::from_secret_bytes([9; 32]);
    /// # let _ = identity;
    /// ```
    #[must_use]
    pub fn from_secret_bytes(secret: [u8; 32]) -> Identity {
        Identity {
            signing: SigningKey::from_bytes(&secret),
        }
    }

    /// The 32-byte secret key, for persisting the identity.
    ///
    /// ```
    /// let identity = veil_core::identity::Identity::from_secret_bytes([9; 32]);
    /// assert_eq!(identity.secret_bytes(), [9; 32]);
    /// ```
    #[must_use]
    pub fn secret_bytes(&self) -> [u8; 32] {
        self.signing.to_bytes()
    }

    /// This node's peer id: its Ed25519 public key.
    ///
    /// ```
    /// let identity = veil_core::identity::Identity::from_secret_bytes([9; 32]);
    /// assert_eq!(identity.peer_id().to_string().len(), 64);
    /// ```
    #[must_use]
    pub fn peer_id(&self) -> PeerId {
        PeerId::from_verifying_key(&self.signing.verifying_key())
    }

    /// Proves, for one handshake, that this identity owns `noise_static`.
    ///
    /// `transcript_hash` is the Noise handshake hash both sides hold when the
    /// proof is written (for the responder: after the initiator's first
    /// message, which carries a fresh ephemeral key).
    ///
    /// ```
    /// let identity = veil_core::identity::Identity::from_secret_bytes([9; 32]);
    /// let proof = identity.prove(&[1; 32], &[2; 32]);
    /// assert_eq!(proof.peer_id(), identity.peer_id());
    /// ```
    #[must_use]
    pub fn prove(&self, noise_static: &[u8; 32], transcript_hash: &[u8; 32]) -> IdentityProof {
        use ed25519_dalek::Signer;
        let message = proof::signed_message(noise_static, transcript_hash);
        let signature = self.signing.sign(&message);
        IdentityProof::new(self.peer_id(), signature.to_bytes())
    }
}

impl core::fmt::Debug for Identity {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Identity")
            .field("peer_id", &self.peer_id())
            .finish_non_exhaustive()
    }
}
