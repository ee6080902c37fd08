//! The long-term X25519 key that identifies a node.

use core::fmt;

use rand_core::{CryptoRng, RngCore};
use x25519_dalek::{PublicKey, StaticSecret};

use super::DH_LEN;

/// A node's long-term X25519 key pair; the handshake proves its possession
/// to the peer. The secret is wiped on drop.
///
/// Cloning is allowed (one identity serves many handshakes); each clone is
/// wiped on its own drop.
///
/// # Example
///
/// ```
/// use veil_core::noise::StaticKeypair;
///
/// let keypair = StaticKeypair::from_secret_bytes([9; 32]);
/// assert_eq!(keypair.public_key(), StaticKeypair::from_secret_bytes([9; 32]).public_key());
/// assert_ne!(keypair.public_key(), [9; 32]);
/// ```
#[derive(Clone)]
pub struct StaticKeypair {
    secret: StaticSecret,
    public: PublicKey,
}

impl StaticKeypair {
    /// A fresh key pair from the caller's RNG.
    ///
    /// ```
    /// use veil_core::noise::{CryptoRng, RngCore, StaticKeypair};
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
    /// let keypair = StaticKeypair::generate(&mut Fixed(3));
    /// assert_eq!(keypair.public_key(), StaticKeypair::from_secret_bytes([3; 32]).public_key());
    /// ```
    #[must_use]
    pub fn generate<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        Self::from_secret(StaticSecret::random_from_rng(rng))
    }

    /// The key pair of a stored 32-byte secret (clamped as X25519 does).
    ///
    /// ```
    /// let keypair = veil_core::noise::StaticKeypair::from_secret_bytes([1; 32]);
    /// assert_eq!(keypair.public_key().len(), 32);
    /// ```
    #[must_use]
    pub fn from_secret_bytes(secret: [u8; DH_LEN]) -> Self {
        Self::from_secret(StaticSecret::from(secret))
    }

    fn from_secret(secret: StaticSecret) -> Self {
        let public = PublicKey::from(&secret);
        StaticKeypair { secret, public }
    }

    /// The public key, as the peer learns it.
    ///
    /// ```
    /// let keypair = veil_core::noise::StaticKeypair::from_secret_bytes([1; 32]);
    /// assert_ne!(keypair.public_key(), [0; 32]);
    /// ```
    #[must_use]
    pub fn public_key(&self) -> [u8; DH_LEN] {
        self.public.to_bytes()
    }

    pub(super) fn secret(&self) -> &StaticSecret {
        &self.secret
    }
}

impl fmt::Debug for StaticKeypair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticKeypair")
            .field("public", &self.public.as_bytes())
            .finish_non_exhaustive()
    }
}
