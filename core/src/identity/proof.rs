//! The identity proof exchanged inside the encrypted handshake.

use core::fmt;

use ed25519_dalek::Signature;

use super::PeerId;
use crate::Consequence;

/// Length of an encoded proof: peer id (32) and signature (64).
///
/// ```
/// assert_eq!(veil_core::identity::PROOF_LEN, 96);
/// ```
pub const PROOF_LEN: usize = 32 + 64;

/// Domain separation: these signatures can never be mistaken for any other
/// signature the identity key makes.
const CONTEXT: &[u8; 33] = b"veil/v1 identity proof for noise\0";

/// What the identity key signs: the context, the Noise static key, and the
/// handshake transcript hash.
pub(super) fn signed_message(noise_static: &[u8; 32], transcript_hash: &[u8; 32]) -> [u8; 97] {
    let mut message = [0u8; CONTEXT.len() + 64];
    message[..CONTEXT.len()].copy_from_slice(CONTEXT);
    message[CONTEXT.len()..CONTEXT.len() + 32].copy_from_slice(noise_static);
    message[CONTEXT.len() + 32..].copy_from_slice(transcript_hash);
    message
}

/// A peer id and its signature over a Noise static key and a handshake
/// transcript hash.
///
/// Wire form: peer id (32 bytes) then signature (64 bytes).
///
/// # Example
///
/// ```
/// use veil_core::identity::{Identity, IdentityProof};
///
/// let proof = Identity::from_secret_bytes([1; 32]).prove(&[2; 32], &[3; 32]);
/// let decoded = IdentityProof::from_bytes(&proof.to_bytes()).unwrap();
/// assert_eq!(decoded, proof);
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct IdentityProof {
    peer_id: PeerId,
    signature: [u8; 64],
}

impl IdentityProof {
    pub(super) fn new(peer_id: PeerId, signature: [u8; 64]) -> IdentityProof {
        IdentityProof { peer_id, signature }
    }

    /// The identity this proof claims.
    ///
    /// ```
    /// use veil_core::identity::Identity;
    /// let identity = Identity::from_secret_bytes([1; 32]);
    /// assert_eq!(identity.prove(&[0; 32], &[0; 32]).peer_id(), identity.peer_id());
    /// ```
    #[must_use]
    pub fn peer_id(&self) -> PeerId {
        self.peer_id
    }

    /// The 96-byte wire form.
    ///
    /// ```
    /// let proof = veil_core::identity::Identity::from_secret_bytes([1; 32]).prove(&[0; 32], &[0; 32]);
    /// assert_eq!(proof.to_bytes().len(), 96);
    /// ```
    #[must_use]
    pub fn to_bytes(&self) -> [u8; PROOF_LEN] {
        let mut out = [0u8; PROOF_LEN];
        out[..32].copy_from_slice(self.peer_id.as_bytes());
        out[32..].copy_from_slice(&self.signature);
        out
    }

    /// Reads the wire form; the peer id must be a valid, not small-order,
    /// Ed25519 key.
    ///
    /// ```
    /// use veil_core::identity::{IdentityError, IdentityProof};
    /// assert_eq!(IdentityProof::from_bytes(&[0; 10]), Err(IdentityError::Length { len: 10 }));
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> Result<IdentityProof, IdentityError> {
        let Ok(bytes) = <&[u8; PROOF_LEN]>::try_from(bytes) else {
            return Err(IdentityError::Length { len: bytes.len() });
        };
        let mut key = [0u8; 32];
        key.copy_from_slice(&bytes[..32]);
        let peer_id = PeerId::from_bytes(key).ok_or(IdentityError::InvalidKey)?;
        let mut signature = [0u8; 64];
        signature.copy_from_slice(&bytes[32..]);
        Ok(IdentityProof { peer_id, signature })
    }

    /// Checks the proof for this handshake; returns the proven peer id.
    ///
    /// Uses strict verification (no malleable or small-order signatures).
    ///
    /// ```
    /// use veil_core::identity::{Identity, IdentityError};
    /// let proof = Identity::from_secret_bytes([1; 32]).prove(&[2; 32], &[3; 32]);
    /// assert_eq!(proof.verify(&[9; 32], &[3; 32]), Err(IdentityError::BadSignature));
    /// ```
    pub fn verify(
        &self,
        noise_static: &[u8; 32],
        transcript_hash: &[u8; 32],
    ) -> Result<PeerId, IdentityError> {
        let key = self
            .peer_id
            .verifying_key()
            .ok_or(IdentityError::InvalidKey)?;
        let message = signed_message(noise_static, transcript_hash);
        key.verify_strict(&message, &Signature::from_bytes(&self.signature))
            .map_err(|_| IdentityError::BadSignature)?;
        Ok(self.peer_id)
    }
}

impl fmt::Debug for IdentityProof {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdentityProof")
            .field("peer_id", &self.peer_id)
            .finish_non_exhaustive()
    }
}

/// Why an identity proof was rejected.
///
/// ```
/// use veil_core::identity::IdentityError;
/// use veil_core::Consequence;
/// assert_eq!(IdentityError::BadSignature.consequence(), Consequence::Close);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdentityError {
    /// The proof is not 96 bytes.
    Length {
        /// The length found.
        len: usize,
    },
    /// The claimed peer id is not a usable Ed25519 public key.
    InvalidKey,
    /// The signature does not cover this static key and transcript.
    BadSignature,
}

impl IdentityError {
    /// What happens to the connection and peer: close, without punishment.
    ///
    /// The proof travels inside the encrypted handshake, but until a proof
    /// verifies nothing is proven about who sent it: whoever answered a dial
    /// can complete XX with its own static key and send garbage, and a newer
    /// honest peer may send a longer proof. Only proven peer ids are punished.
    ///
    /// ```
    /// use veil_core::identity::IdentityError;
    /// assert!(!IdentityError::BadSignature.consequence().punishes_peer());
    /// ```
    #[must_use]
    pub fn consequence(&self) -> Consequence {
        Consequence::Close
    }
}

impl fmt::Display for IdentityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdentityError::Length { len } => {
                write!(f, "identity proof of {len} bytes, expected {PROOF_LEN}")
            }
            IdentityError::InvalidKey => f.write_str("identity proof names an invalid key"),
            IdentityError::BadSignature => {
                f.write_str("identity proof signature does not match this handshake")
            }
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for IdentityError {}
