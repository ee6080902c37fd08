//! Elligator2 representatives as the ephemeral's wire encoding (feature
//! `elligator2`): 32 bytes that cannot be told from uniformly random ones,
//! where a raw X25519 key gives itself away (bit 255 is always clear, and
//! the u-coordinate always passes the curve's Legendre-symbol test).
//!
//! The known distinguishers (obfs4 shipped several of them, see
//! <https://www.bamsoftware.com/papers/fep-flaws/>), each closed here; the
//! first three are checked in `uniformity_tests`:
//!
//! - *Only the prime-order subgroup.* `k·B` always has order L, while a
//!   random representative maps to such a point only 1 time in 8.
//!   [`Randomized`] encodes the "dirty" key `k·B + T`, `T` a low-order
//!   point picked by the three secret bits that X25519's clamping clears:
//!   uniform over the whole curve. The peer's DH is unchanged, because its
//!   clamped scalar is a multiple of 8 and so annihilates `T`.
//! - *Two constant high bits.* A representative is below 2^254; the tweak
//!   fills bits 254 and 255, and decoding ignores them.
//! - *A fixed choice of root.* Each point has two representatives, one per
//!   branch of the map, and a Legendre symbol of r tells the branch; the
//!   tweak picks one at random.
//! - *A non-canonical square root* (square, then root, gives r back every
//!   time): the crate's root is canonical, always the one below (p-1)/2.
//!
//! `RFC9380`'s variant keeps the first distinguisher: unsuitable here.

use curve25519_elligator2::{MapToPointVariant, MontgomeryPoint, Randomized};
use sha2::{Digest, Sha256};
use x25519_dalek::{PublicKey, StaticSecret};

use super::EphemeralEncoding;
use crate::noise::DH_LEN;

/// Domain separation for the tweak derived from a secret.
const TWEAK_DOMAIN: &[u8] = b"veil elligator2 tweak";

/// The Elligator2 encoding of Curve25519, with the obfs4-hardened key
/// generation of the crate's [`Randomized`] variant.
pub(super) struct Elligator2;

impl EphemeralEncoding for Elligator2 {
    fn encode(secret: &StaticSecret) -> Option<[u8; DH_LEN]> {
        Randomized::to_representative(secret.as_bytes(), tweak(secret)).into()
    }

    fn decode(wire: &[u8; DH_LEN]) -> PublicKey {
        // Total: clears the two padding bits, then maps any field element
        // to a curve point (r = 0 gives u = 0, which the DH refuses).
        PublicKey::from(MontgomeryPoint::map_to_point(wire).to_bytes())
    }
}

/// The random byte the representative needs (bit 0 picks the root, bits
/// 6 and 7 fill the padding). Hashed from the fresh secret rather than
/// drawn separately, so an ephemeral stays a pure function of its secret:
/// the secret's 256 random bits make it as unpredictable, and the hash
/// makes it independent of everything else on the wire.
fn tweak(secret: &StaticSecret) -> u8 {
    let digest = Sha256::new()
        .chain_update(TWEAK_DOMAIN)
        .chain_update(secret.as_bytes())
        .finalize();
    digest[0]
}

#[cfg(test)]
mod tests {
    use super::super::Ephemeral;
    use super::*;

    /// A `[fill; 32]` secret whose key has a representative, and one whose
    /// key has none.
    const REPRESENTABLE: u8 = 7;
    const UNREPRESENTABLE: u8 = 5;

    #[test]
    fn a_representative_decodes_to_the_dirty_key_and_the_same_dh() {
        let peer = StaticSecret::from([0x99; 32]);
        let mut encoded = 0;
        for fill in 0..=255u8 {
            let secret = StaticSecret::from([fill; 32]);
            let Some(wire) = Elligator2::encode(&secret) else {
                continue;
            };
            encoded += 1;
            let dirty = Randomized::mul_base_clamped(secret.to_bytes()).to_montgomery();
            let decoded = Elligator2::decode(&wire);
            assert_eq!(decoded.to_bytes(), dirty.to_bytes(), "fill {fill}");
            // The crate's own inverse agrees with the total map we use.
            let inverse = MontgomeryPoint::from_representative::<Randomized>(&wire);
            assert_eq!(inverse, Some(dirty));
            assert_eq!(
                peer.diffie_hellman(&decoded).as_bytes(),
                peer.diffie_hellman(&PublicKey::from(&secret)).as_bytes(),
            );
        }
        assert!((96..=160).contains(&encoded), "{encoded} of 256 encoded");
    }

    #[test]
    fn the_padding_bits_are_ignored_on_decode() {
        let wire = Ephemeral::from_secret_bytes([REPRESENTABLE; 32]).wire_bytes();
        let public = Elligator2::decode(&wire);
        for padding in [0x00, 0x40, 0x80, 0xc0] {
            let mut other = wire;
            other[31] = (other[31] & 0x3f) | padding;
            assert_eq!(Elligator2::decode(&other), public);
        }
    }

    #[test]
    fn any_bytes_decode() {
        for fill in 0..=255u8 {
            let _ = Elligator2::decode(&[fill; 32]);
        }
        assert_eq!(Elligator2::decode(&[0; 32]).to_bytes(), [0; 32]);
    }

    #[test]
    fn secrets_without_representative_are_refused_or_replaced() {
        assert!(Elligator2::encode(&StaticSecret::from([UNREPRESENTABLE; 32])).is_none());
        assert!(Ephemeral::try_from_secret_bytes([UNREPRESENTABLE; 32]).is_none());
        let replaced = Ephemeral::from_secret_bytes([UNREPRESENTABLE; 32]);
        assert_ne!(replaced.secret().to_bytes(), [UNREPRESENTABLE; 32]);
        assert_eq!(
            replaced.wire_bytes(),
            Ephemeral::from_secret_bytes([UNREPRESENTABLE; 32]).wire_bytes()
        );
        let kept = Ephemeral::try_from_secret_bytes([REPRESENTABLE; 32]).expect("representable");
        assert_eq!(kept.secret().to_bytes(), [REPRESENTABLE; 32]);
    }
}
