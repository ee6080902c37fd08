//! The Noise handshake `Noise_XX_25519_ChaChaPoly_SHA256` (Noise Protocol
//! Framework, revision 34), sans-IO.
//!
//! ```text
//! XX:
//!   -> e
//!   <- e, ee, s, es
//!   -> s, se
//! ```
//!
//! Both sides prove their static key; neither needs to know the other's
//! beforehand. [`Handshake`] writes and reads the three messages into and
//! from the caller's buffers; once finished it yields either two
//! [`CipherState`]s ([`Handshake::into_transport`]) or the raw split keys
//! ([`Handshake::into_split_keys`]), for a record layer of the caller's
//! choosing such as [`crate::packet`].
//!
//! The implementation is veil's own rather than a general Noise library so
//! that the ephemeral key's wire encoding stays one swappable function:
//! with the `elligator2` feature it is an Elligator2 representative, so
//! the handshake's first bytes look uniformly random (peers must agree on
//! the feature; it changes the wire format). Randomness comes only from
//! the caller's [`RngCore`] + [`CryptoRng`]; fixed keys are accepted for
//! test vectors.
//!
//! # Example
//!
//! ```
//! use veil_core::noise::{Ephemeral, Handshake, StaticKeypair};
//!
//! // Fixed keys keep the example short; real ones come from an RNG.
//! let mut alice = Handshake::initiator(
//!     StaticKeypair::from_secret_bytes([1; 32]),
//!     Ephemeral::from_secret_bytes([2; 32]),
//!     b"veil example",
//! );
//! let mut bob = Handshake::responder(
//!     StaticKeypair::from_secret_bytes([3; 32]),
//!     Ephemeral::from_secret_bytes([4; 32]),
//!     b"veil example",
//! );
//!
//! // -> e
//! let mut message = vec![0u8; alice.message_len(0).unwrap()];
//! alice.write_message(&[], &mut message).unwrap();
//! bob.read_message(&message, &mut []).unwrap();
//! // <- e, ee, s, es (the payload is encrypted from here on)
//! let mut message = vec![0u8; bob.message_len(5).unwrap()];
//! bob.write_message(b"hello", &mut message).unwrap();
//! let mut payload = vec![0u8; alice.payload_len(message.len()).unwrap()];
//! alice.read_message(&message, &mut payload).unwrap();
//! assert_eq!(payload, b"hello");
//! // -> s, se
//! let mut message = vec![0u8; alice.message_len(0).unwrap()];
//! alice.write_message(&[], &mut message).unwrap();
//! bob.read_message(&message, &mut []).unwrap();
//!
//! assert!(alice.is_finished() && bob.is_finished());
//! assert_eq!(alice.handshake_hash(), bob.handshake_hash());
//! assert_eq!(bob.remote_static(), Some(StaticKeypair::from_secret_bytes([1; 32]).public_key()));
//!
//! let mut alice = alice.into_transport().unwrap();
//! let mut bob = bob.into_transport().unwrap();
//! let mut message = [0u8; 64];
//! let len = alice.send.encrypt(b"ping", &mut message).unwrap();
//! let mut payload = [0u8; 64];
//! let payload_len = bob.receive.decrypt(&message[..len], &mut payload).unwrap();
//! assert_eq!(&payload[..payload_len], b"ping");
//! ```

mod cipher_state;
mod ephemeral;
mod error;
mod handshake;
mod pattern;
mod static_keypair;
mod symmetric_state;
#[cfg(test)]
mod tests;

pub use cipher_state::CipherState;
pub use ephemeral::Ephemeral;
pub use error::NoiseError;
pub use handshake::{Handshake, Role, SplitKeys, Transport, Turn};
/// The RNG traits [`Ephemeral::generate`] and [`StaticKeypair::generate`]
/// take (`rand_core` 0.6, the version `x25519-dalek` 2 uses).
pub use rand_core::{CryptoRng, RngCore};
pub use static_keypair::StaticKeypair;

/// The full protocol name; it is also the initial handshake hash.
///
/// ```
/// assert_eq!(veil_core::noise::PROTOCOL_NAME, "Noise_XX_25519_ChaChaPoly_SHA256");
/// ```
pub const PROTOCOL_NAME: &str = "Noise_XX_25519_ChaChaPoly_SHA256";

/// Length of an X25519 public key, and of an ephemeral key on the wire.
///
/// ```
/// assert_eq!(veil_core::noise::DH_LEN, 32);
/// ```
pub const DH_LEN: usize = 32;

/// Length of a SHA-256 hash: the handshake hash and the chaining key.
///
/// ```
/// assert_eq!(veil_core::noise::HASH_LEN, 32);
/// ```
pub const HASH_LEN: usize = 32;

/// Length of a ChaCha20-Poly1305 key, and of each split key.
///
/// ```
/// assert_eq!(veil_core::noise::KEY_LEN, 32);
/// ```
pub const KEY_LEN: usize = 32;

/// Length of the Poly1305 tag every encrypted field carries.
///
/// ```
/// assert_eq!(veil_core::noise::TAG_LEN, 16);
/// ```
pub const TAG_LEN: usize = 16;

/// Longest Noise message, handshake or transport: 65535 bytes.
///
/// ```
/// assert_eq!(veil_core::noise::MAX_MESSAGE_LEN, 65_535);
/// ```
pub const MAX_MESSAGE_LEN: usize = 65_535;
