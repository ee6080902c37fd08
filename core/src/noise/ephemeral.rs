//! The per-handshake ephemeral key, and the one place that decides how an
//! ephemeral public key looks on the wire.

use core::fmt;

use rand_core::{CryptoRng, RngCore};
use sha2::{Digest, Sha256};
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::Zeroizing;

use super::DH_LEN;

#[cfg(feature = "elligator2")]
mod elligator2;
#[cfg(all(test, feature = "elligator2"))]
mod uniformity_tests;

/// How ephemeral public keys travel on the wire.
///
/// The handshake writes, reads and hashes ephemeral keys only through this,
/// so a different encoding (an Elligator2 representative, which makes the
/// key indistinguishable from random bytes) is a new implementation selected
/// at [`WireEncoding`], with no change to the handshake. The transcript
/// hashes the wire bytes, which both sides see alike whatever the encoding.
trait EphemeralEncoding {
    /// The wire bytes of `secret`'s public key, or `None` if that key has
    /// no encoding (the caller then draws another secret; Elligator2 can
    /// encode only about half of all keys).
    fn encode(secret: &StaticSecret) -> Option<[u8; DH_LEN]>;

    /// The public key that `wire` stands for. Total: every byte string must
    /// decode, so no wire bytes can be rejected on their form alone.
    fn decode(wire: &[u8; DH_LEN]) -> PublicKey;
}

/// The encoding in use: the spec's own, the raw X25519 u-coordinate.
#[cfg(not(feature = "elligator2"))]
type WireEncoding = RawX25519;

/// The encoding in use: Elligator2 representatives.
#[cfg(feature = "elligator2")]
type WireEncoding = elligator2::Elligator2;

/// Noise's `25519` encoding: the 32-byte little-endian u-coordinate.
#[cfg(any(not(feature = "elligator2"), test))]
struct RawX25519;

#[cfg(any(not(feature = "elligator2"), test))]
impl EphemeralEncoding for RawX25519 {
    fn encode(secret: &StaticSecret) -> Option<[u8; DH_LEN]> {
        Some(PublicKey::from(secret).to_bytes())
    }

    fn decode(wire: &[u8; DH_LEN]) -> PublicKey {
        PublicKey::from(*wire)
    }
}

/// Domain separation for [`Ephemeral::from_secret_bytes`]'s next candidate.
const RETRY_DOMAIN: &[u8] = b"veil ephemeral retry";

/// The public key behind an ephemeral's wire bytes.
pub(super) fn decode_wire(wire: &[u8; DH_LEN]) -> PublicKey {
    WireEncoding::decode(wire)
}

/// A one-handshake X25519 key pair with its wire encoding. The secret is
/// wiped on drop.
///
/// Not `Clone`: an ephemeral used twice would break the forward secrecy
/// and unlinkability the handshake is for.
///
/// # Example
///
/// ```
/// use veil_core::noise::Ephemeral;
///
/// let ephemeral = Ephemeral::from_secret_bytes([5; 32]);
/// assert_eq!(ephemeral.wire_bytes().len(), 32);
/// ```
pub struct Ephemeral {
    secret: StaticSecret,
    wire: [u8; DH_LEN],
}

impl Ephemeral {
    /// A fresh ephemeral from the caller's RNG: the normal way. With the
    /// `elligator2` feature, secrets are drawn until one's key has a
    /// representative (two draws on average).
    ///
    /// ```
    /// use veil_core::noise::{CryptoRng, Ephemeral, RngCore};
    ///
    /// /// Not random at all: stands in for the caller's CSPRNG.
    /// struct Fixed(u8);
    /// impl RngCore for Fixed {
    ///     fn next_u32(&mut self) -> u32 { rand_core::impls::next_u32_via_fill(self) }
    ///     fn next_u64(&mut self) -> u64 { rand_core::impls::next_u64_via_fill(self) }
    ///     fn fill_bytes(&mut self, dest: &mut [u8]) { dest.fill(self.0) }
    ///     fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
    ///         Ok(self.fill_bytes(dest))
    ///     }
    /// }
    /// impl CryptoRng for Fixed {}
    ///
    /// // [7; 32]'s key has an Elligator2 representative: the first draw is
    /// // kept in every build.
    /// let ephemeral = Ephemeral::generate(&mut Fixed(7));
    /// assert_eq!(ephemeral.wire_bytes(), Ephemeral::from_secret_bytes([7; 32]).wire_bytes());
    /// ```
    #[must_use]
    pub fn generate<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        loop {
            let secret = StaticSecret::random_from_rng(&mut *rng);
            if let Some(ephemeral) = Self::encoded(secret) {
                return ephemeral;
            }
        }
    }

    /// The ephemeral of a fixed secret, for test vectors. Never reuse one
    /// across handshakes.
    ///
    /// Total in every build. With the `elligator2` feature a secret whose
    /// key has no representative (about half) is replaced, deterministically,
    /// by a hash of itself until one has; [`Ephemeral::try_from_secret_bytes`]
    /// refuses such a secret instead.
    ///
    /// ```
    /// use veil_core::noise::{Ephemeral, StaticKeypair};
    /// let wire = Ephemeral::from_secret_bytes([5; 32]).wire_bytes();
    /// assert_eq!(wire, Ephemeral::from_secret_bytes([5; 32]).wire_bytes());
    /// // With the raw encoding the wire bytes are the public key.
    /// #[cfg(not(feature = "elligator2"))]
    /// assert_eq!(wire, StaticKeypair::from_secret_bytes([5; 32]).public_key());
    /// ```
    #[must_use]
    pub fn from_secret_bytes(secret: [u8; DH_LEN]) -> Self {
        let mut candidate = Zeroizing::new(secret);
        loop {
            if let Some(ephemeral) = Self::try_from_secret_bytes(*candidate) {
                return ephemeral;
            }
            // Only Elligator2 refuses keys. A hash keeps the result a pure
            // function of `secret` and the next candidate as secret as it.
            let next = Sha256::new()
                .chain_update(RETRY_DOMAIN)
                .chain_update(candidate.as_slice())
                .finalize();
            candidate.copy_from_slice(&next);
        }
    }

    /// The ephemeral of exactly this secret, or `None` if its key has no
    /// wire encoding: never with the raw encoding, for about half of all
    /// secrets with the `elligator2` feature.
    ///
    /// ```
    /// use veil_core::noise::Ephemeral;
    /// // [7; 32] has an Elligator2 representative; [5; 32] has none.
    /// assert!(Ephemeral::try_from_secret_bytes([7; 32]).is_some());
    /// let five = Ephemeral::try_from_secret_bytes([5; 32]);
    /// assert_eq!(five.is_none(), cfg!(feature = "elligator2"));
    /// ```
    #[must_use]
    pub fn try_from_secret_bytes(secret: [u8; DH_LEN]) -> Option<Self> {
        Self::encoded(StaticSecret::from(secret))
    }

    fn encoded(secret: StaticSecret) -> Option<Self> {
        let wire = WireEncoding::encode(&secret)?;
        Some(Ephemeral { secret, wire })
    }

    /// The bytes this ephemeral puts on the wire.
    ///
    /// ```
    /// let ephemeral = veil_core::noise::Ephemeral::from_secret_bytes([5; 32]);
    /// assert_ne!(ephemeral.wire_bytes(), [0; 32]);
    /// ```
    #[must_use]
    pub fn wire_bytes(&self) -> [u8; DH_LEN] {
        self.wire
    }

    pub(super) fn secret(&self) -> &StaticSecret {
        &self.secret
    }
}

impl fmt::Debug for Ephemeral {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ephemeral")
            .field("wire", &self.wire)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_encoding_round_trips() {
        let secret = StaticSecret::from([0x42; 32]);
        let wire = RawX25519::encode(&secret).expect("raw encodes every key");
        assert_eq!(RawX25519::decode(&wire), PublicKey::from(&secret));
    }

    #[test]
    fn wire_bytes_decode_to_a_key_with_the_same_shared_secrets() {
        let peer = StaticSecret::from([0x99; 32]);
        for fill in 0..16 {
            let ephemeral = Ephemeral::from_secret_bytes([fill; 32]);
            let public = decode_wire(&ephemeral.wire_bytes());
            assert_eq!(
                peer.diffie_hellman(&public).as_bytes(),
                ephemeral
                    .secret()
                    .diffie_hellman(&PublicKey::from(&peer))
                    .as_bytes()
            );
        }
    }
}
