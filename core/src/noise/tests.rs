//! Whole-handshake properties: round trips, tampering, ordering, and every
//! error kind. The known-answer checks are in `tests/noise_vectors.rs`.

use alloc::vec;
use alloc::vec::Vec;

use proptest::prelude::*;
use rand_core::{CryptoRng, RngCore};
use sha2::{Digest, Sha256};

use super::*;
use crate::Consequence;

#[cfg(feature = "elligator2")]
mod elligator2;

/// A deterministic stand-in for the caller's CSPRNG: SHA-256 of a seed and
/// a counter.
struct TestRng {
    seed: u64,
    counter: u64,
}

impl RngCore for TestRng {
    fn next_u32(&mut self) -> u32 {
        rand_core::impls::next_u32_via_fill(self)
    }

    fn next_u64(&mut self) -> u64 {
        rand_core::impls::next_u64_via_fill(self)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for chunk in dest.chunks_mut(32) {
            let mut hasher = Sha256::new();
            hasher.update(self.seed.to_le_bytes());
            hasher.update(self.counter.to_le_bytes());
            self.counter += 1;
            chunk.copy_from_slice(&hasher.finalize()[..chunk.len()]);
        }
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl CryptoRng for TestRng {}

fn pair_from(rng: &mut TestRng, prologue: &[u8]) -> (Handshake, Handshake) {
    let initiator = Handshake::initiator(
        StaticKeypair::generate(rng),
        Ephemeral::generate(rng),
        prologue,
    );
    let responder = Handshake::responder(
        StaticKeypair::generate(rng),
        Ephemeral::generate(rng),
        prologue,
    );
    (initiator, responder)
}

fn pair() -> (Handshake, Handshake) {
    pair_from(
        &mut TestRng {
            seed: 1,
            counter: 0,
        },
        b"test",
    )
}

fn write(writer: &mut Handshake, payload: &[u8]) -> Vec<u8> {
    let mut message = vec![0u8; writer.message_len(payload.len()).unwrap()];
    let len = writer.write_message(payload, &mut message).unwrap();
    assert_eq!(len, message.len());
    message
}

fn read(reader: &mut Handshake, message: &[u8]) -> Result<Vec<u8>, NoiseError> {
    let mut payload = vec![0u8; reader.payload_len(message.len())?];
    let len = reader.read_message(message, &mut payload)?;
    payload.truncate(len);
    Ok(payload)
}

/// The writer and reader of handshake message `i`.
fn sides<'a>(
    i: usize,
    initiator: &'a mut Handshake,
    responder: &'a mut Handshake,
) -> (&'a mut Handshake, &'a mut Handshake) {
    if i % 2 == 0 {
        (initiator, responder)
    } else {
        (responder, initiator)
    }
}

/// An honest run's three messages, each carrying `b"payload i"`.
fn honest_transcript() -> Vec<Vec<u8>> {
    let (mut initiator, mut responder) = pair();
    (0..3)
        .map(|i| {
            let (writer, reader) = sides(i, &mut initiator, &mut responder);
            let message = write(writer, &[b'0' + i as u8; 9]);
            read(reader, &message).unwrap();
            message
        })
        .collect()
}

/// Plays `transcript` against fresh sides, each message's writer writing
/// and its reader reading the transcript's version; returns the first
/// error.
fn replay(transcript: &[Vec<u8>]) -> Result<(), NoiseError> {
    let (mut initiator, mut responder) = pair();
    for (i, message) in transcript.iter().enumerate() {
        let (writer, reader) = sides(i, &mut initiator, &mut responder);
        writer.write_message(&[b'0' + i as u8; 9], &mut vec![0u8; 1024])?;
        read(reader, message)?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn random_payloads_round_trip(
        seed in any::<u64>(),
        prologue in proptest::collection::vec(any::<u8>(), 0..64),
        payloads in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 7),
    ) {
        let (mut initiator, mut responder) = pair_from(&mut TestRng { seed, counter: 0 }, &prologue);
        for (i, payload) in payloads[..3].iter().enumerate() {
            let (writer, reader) = sides(i, &mut initiator, &mut responder);
            let message = write(writer, payload);
            prop_assert_eq!(&read(reader, &message).unwrap(), payload);
        }
        prop_assert!(initiator.is_finished() && responder.is_finished());
        prop_assert!(initiator.handshake_hash().is_some());
        prop_assert_eq!(initiator.handshake_hash(), responder.handshake_hash());

        let mut initiator = initiator.into_transport().unwrap();
        let mut responder = responder.into_transport().unwrap();
        for (i, payload) in payloads[3..].iter().enumerate() {
            let (writer, reader) = if i % 2 == 0 {
                (&mut initiator, &mut responder)
            } else {
                (&mut responder, &mut initiator)
            };
            let mut message = vec![0u8; payload.len() + TAG_LEN];
            let len = writer.send.encrypt(payload, &mut message).unwrap();
            let mut plaintext = vec![0u8; payload.len()];
            prop_assert_eq!(reader.receive.decrypt(&message[..len], &mut plaintext), Ok(payload.len()));
            prop_assert_eq!(&plaintext, payload);
        }
    }

    /// One flipped bit anywhere fails the handshake: at the altered message
    /// when it carries a tag, else (the first message, all plaintext) at
    /// the next one, whose tag covers a transcript the sides disagree on.
    #[test]
    fn any_flipped_byte_fails_the_handshake(
        message_index in 0usize..3,
        position in any::<prop::sample::Index>(),
        mask in 1u8..=255,
    ) {
        let mut transcript = honest_transcript();
        let message = &mut transcript[message_index];
        let position = position.index(message.len());
        message[position] ^= mask;
        let err = replay(&transcript).unwrap_err();
        prop_assert!(
            matches!(err, NoiseError::Decrypt | NoiseError::WeakPublicKey),
            "{:?}", err
        );
        if message_index > 0 {
            // The altered message's own read fails.
            let (mut initiator, mut responder) = pair();
            for (i, message) in transcript.iter().enumerate().take(message_index) {
                let (writer, reader) = sides(i, &mut initiator, &mut responder);
                write(writer, &[b'0' + i as u8; 9]);
                read(reader, message).unwrap();
            }
            let (writer, reader) = sides(message_index, &mut initiator, &mut responder);
            write(writer, &[b'0' + message_index as u8; 9]);
            prop_assert!(read(reader, &transcript[message_index]).is_err());
        }
    }

    /// Untrusted bytes of any length at any step give an error or a
    /// payload, never a panic.
    #[test]
    fn garbage_never_panics(
        honest_steps in 0usize..3,
        garbage in proptest::collection::vec(any::<u8>(), 0..200),
    ) {
        let transcript = honest_transcript();
        let (mut initiator, mut responder) = pair();
        for (i, message) in transcript.iter().enumerate().take(honest_steps) {
            let (writer, reader) = sides(i, &mut initiator, &mut responder);
            write(writer, &[b'0' + i as u8; 9]);
            read(reader, message).unwrap();
        }
        let (writer, reader) = sides(honest_steps, &mut initiator, &mut responder);
        write(writer, b"");
        let mut payload = [0u8; 256];
        let result = reader.read_message(&garbage, &mut payload);
        if honest_steps > 0 {
            // Past the first message every field is authenticated.
            prop_assert!(result.is_err());
        }
    }
}

#[test]
fn sides_agree_on_keys_and_identities() {
    let mut rng = TestRng {
        seed: 7,
        counter: 0,
    };
    let initiator_static = StaticKeypair::generate(&mut rng);
    let responder_static = StaticKeypair::generate(&mut rng);
    let mut initiator =
        Handshake::initiator(initiator_static.clone(), Ephemeral::generate(&mut rng), b"");
    let mut responder =
        Handshake::responder(responder_static.clone(), Ephemeral::generate(&mut rng), b"");
    for i in 0..3 {
        let (writer, reader) = sides(i, &mut initiator, &mut responder);
        let message = write(writer, b"");
        read(reader, &message).unwrap();
    }
    assert_finished_pair(initiator, responder, &initiator_static, &responder_static);
}

#[test]
fn remote_static_is_learned_with_its_message() {
    let (mut initiator, mut responder) = pair();
    let first = write(&mut initiator, b"");
    read(&mut responder, &first).unwrap();
    let second = write(&mut responder, b"");
    assert_eq!(initiator.remote_static(), None);
    read(&mut initiator, &second).unwrap();
    assert!(initiator.remote_static().is_some());
    assert_eq!(responder.remote_static(), None);
    let third = write(&mut initiator, b"");
    read(&mut responder, &third).unwrap();
    assert!(responder.remote_static().is_some());
}

#[test]
fn messages_out_of_order_fail() {
    let (mut initiator, mut responder) = pair();
    let mut buf = [0u8; 256];
    // The responder cannot write first; the initiator cannot read first.
    assert_eq!(
        responder.write_message(b"", &mut buf),
        Err(NoiseError::OutOfOrder)
    );
    assert_eq!(
        initiator.read_message(&[0; 32], &mut buf),
        Err(NoiseError::OutOfOrder)
    );
    let first = write(&mut initiator, b"");
    read(&mut responder, &first).unwrap();
    // A replayed first message arrives when the responder must write.
    assert_eq!(read(&mut responder, &first), Err(NoiseError::OutOfOrder));
    let second = write(&mut responder, b"");
    read(&mut initiator, &second).unwrap();
    let third = write(&mut initiator, b"");
    // Message 3 fed back to its own writer, and message 2 where 3 is due.
    assert_eq!(read(&mut initiator, &third), Err(NoiseError::OutOfOrder));
    assert_eq!(read(&mut responder, &second), Err(NoiseError::Decrypt));
    read(&mut responder, &third).unwrap();
    // Nothing more once finished.
    for side in [&mut initiator, &mut responder] {
        assert_eq!(side.turn(), Turn::Finished);
        assert_eq!(
            side.write_message(b"", &mut buf),
            Err(NoiseError::OutOfOrder)
        );
        assert_eq!(
            side.read_message(&third, &mut buf),
            Err(NoiseError::OutOfOrder)
        );
        assert_eq!(side.message_len(0), Err(NoiseError::OutOfOrder));
        assert_eq!(side.payload_len(64), Err(NoiseError::OutOfOrder));
    }
}

#[test]
fn a_failed_read_changes_nothing() {
    let transcript = honest_transcript();
    let (mut initiator, mut responder) = pair();
    read(&mut responder, &transcript[0]).unwrap();
    write(&mut initiator, &[b'0'; 9]);
    write(&mut responder, &[b'1'; 9]);
    let mut altered = transcript[1].clone();
    altered[40] ^= 1;
    assert_eq!(read(&mut initiator, &altered), Err(NoiseError::Decrypt));
    assert_eq!(initiator.turn(), Turn::Read);
    assert_eq!(initiator.remote_static(), None);
    assert_eq!(read(&mut initiator, &transcript[1]), Ok(vec![b'1'; 9]));
}

#[test]
fn a_message_from_another_session_fails() {
    let (mut initiator, mut responder) = pair();
    let (mut other_initiator, mut other_responder) = pair_from(
        &mut TestRng {
            seed: 2,
            counter: 0,
        },
        b"test",
    );
    let first = write(&mut initiator, b"");
    read(&mut responder, &first).unwrap();
    let other_first = write(&mut other_initiator, b"");
    read(&mut other_responder, &other_first).unwrap();
    let other_second = write(&mut other_responder, b"");
    assert_eq!(
        read(&mut initiator, &other_second),
        Err(NoiseError::Decrypt)
    );
}

#[test]
fn different_prologues_fail_at_the_first_tag() {
    let mut rng = TestRng {
        seed: 3,
        counter: 0,
    };
    let mut initiator = Handshake::initiator(
        StaticKeypair::generate(&mut rng),
        Ephemeral::generate(&mut rng),
        b"mainnet",
    );
    let mut responder = Handshake::responder(
        StaticKeypair::generate(&mut rng),
        Ephemeral::generate(&mut rng),
        b"testnet",
    );
    let first = write(&mut initiator, b"");
    read(&mut responder, &first).unwrap();
    let second = write(&mut responder, b"");
    assert_eq!(read(&mut initiator, &second), Err(NoiseError::Decrypt));
}

#[test]
fn wrong_lengths_are_refused() {
    let transcript = honest_transcript();
    let (mut initiator, mut responder) = pair();
    for len in [0, 31] {
        assert_eq!(
            read(&mut responder, &transcript[0][..len]),
            Err(NoiseError::WrongMessageLength {
                len,
                min: 32,
                max: MAX_MESSAGE_LEN
            })
        );
    }
    assert_eq!(
        read(&mut responder, &vec![0; MAX_MESSAGE_LEN + 1]),
        Err(NoiseError::WrongMessageLength {
            len: MAX_MESSAGE_LEN + 1,
            min: 32,
            max: MAX_MESSAGE_LEN
        })
    );
    read(&mut responder, &transcript[0]).unwrap();
    write(&mut initiator, &[b'0'; 9]);
    write(&mut responder, &[b'1'; 9]);
    assert_eq!(
        read(&mut initiator, &transcript[1][..95]),
        Err(NoiseError::WrongMessageLength {
            len: 95,
            min: 96,
            max: MAX_MESSAGE_LEN
        })
    );
    // Truncating the payload instead misplaces the tag.
    assert_eq!(
        read(&mut initiator, &transcript[1][..100]),
        Err(NoiseError::Decrypt)
    );
}

#[test]
fn longest_message_fits_and_one_more_byte_does_not() {
    let (mut initiator, mut responder) = pair();
    let max = MAX_MESSAGE_LEN - 32;
    assert_eq!(
        initiator.message_len(max + 1),
        Err(NoiseError::PayloadTooLong { len: max + 1, max })
    );
    let payload = vec![7u8; max];
    let first = write(&mut initiator, &payload);
    assert_eq!(first.len(), MAX_MESSAGE_LEN);
    assert_eq!(read(&mut responder, &first), Ok(payload));
    assert_eq!(
        responder.message_len(MAX_MESSAGE_LEN - 96 + 1),
        Err(NoiseError::PayloadTooLong {
            len: MAX_MESSAGE_LEN - 96 + 1,
            max: MAX_MESSAGE_LEN - 96
        })
    );
}

#[test]
fn small_buffers_are_refused_without_change() {
    let (mut initiator, mut responder) = pair();
    assert_eq!(
        initiator.write_message(b"abc", &mut [0; 34]),
        Err(NoiseError::BufferTooSmall {
            required: 35,
            available: 34
        })
    );
    assert_eq!(initiator.turn(), Turn::Write);
    let first = write(&mut initiator, b"abc");
    assert_eq!(
        responder.read_message(&first, &mut [0; 2]),
        Err(NoiseError::BufferTooSmall {
            required: 3,
            available: 2
        })
    );
    assert_eq!(read(&mut responder, &first), Ok(b"abc".to_vec()));
}

#[test]
fn low_order_ephemeral_is_refused() {
    // The all-zero u-coordinate is a low-order point: DH with it is zero.
    let (mut initiator, mut responder) = pair();
    read(&mut responder, &[0; 32]).unwrap();
    assert_eq!(
        responder.write_message(b"", &mut [0; 96]),
        Err(NoiseError::WeakPublicKey)
    );

    write(&mut initiator, b"");
    let mut second = [0u8; 96];
    assert_eq!(
        initiator.read_message(&second, &mut []),
        Err(NoiseError::WeakPublicKey)
    );
    // u = 1 is low-order too.
    #[cfg(not(feature = "elligator2"))]
    {
        second[0] = 1;
    }
    // The representative 0 maps to u = 0 whatever its padding bits.
    #[cfg(feature = "elligator2")]
    {
        second[31] = 0xc0;
    }
    assert_eq!(
        initiator.read_message(&second, &mut []),
        Err(NoiseError::WeakPublicKey)
    );
}

#[test]
fn taking_keys_early_fails() {
    let (initiator, responder) = pair();
    assert_eq!(
        initiator.into_transport().unwrap_err(),
        NoiseError::OutOfOrder
    );
    assert_eq!(
        responder.into_split_keys().unwrap_err(),
        NoiseError::OutOfOrder
    );
}

#[test]
fn every_error_closes_and_only_peer_errors_are_from_peer() {
    let all = [
        (NoiseError::Decrypt, true),
        (
            NoiseError::WrongMessageLength {
                len: 1,
                min: 32,
                max: 65_535,
            },
            true,
        ),
        (NoiseError::WeakPublicKey, true),
        (NoiseError::OutOfOrder, false),
        (
            NoiseError::BufferTooSmall {
                required: 2,
                available: 1,
            },
            false,
        ),
        (NoiseError::PayloadTooLong { len: 2, max: 1 }, false),
        (NoiseError::NonceExhausted, false),
    ];
    for (err, from_peer) in all {
        assert_eq!(err.consequence(), Consequence::Close, "{err:?}");
        assert!(!err.consequence().punishes_peer());
        assert_eq!(err.is_from_peer(), from_peer, "{err:?}");
        assert!(!alloc::format!("{err}").is_empty());
    }
}

#[test]
fn generated_keys_differ_and_debug_hides_secrets() {
    let mut rng = TestRng {
        seed: 9,
        counter: 0,
    };
    let (a, b) = (Ephemeral::generate(&mut rng), Ephemeral::generate(&mut rng));
    assert_ne!(a.wire_bytes(), b.wire_bytes());
    let keypair = StaticKeypair::from_secret_bytes([0xab; 32]);
    let shown = alloc::format!(
        "{keypair:?} {:?}",
        SplitKeys::from_keys([0xab; 32], [0xab; 32], [0; 32])
    );
    assert!(!shown.contains("171, 171"), "{shown}");
}

/// Both sides of a finished handshake agree: each learned the other's static
/// key, their split keys mirror each other, and their hashes match.
fn assert_finished_pair(
    initiator: Handshake,
    responder: Handshake,
    initiator_static: &StaticKeypair,
    responder_static: &StaticKeypair,
) {
    assert_eq!(
        initiator.remote_static(),
        Some(responder_static.public_key())
    );
    assert_eq!(
        responder.remote_static(),
        Some(initiator_static.public_key())
    );
    assert_eq!(initiator.handshake_hash(), responder.handshake_hash());
    let initiator = initiator.into_split_keys().unwrap();
    let responder = responder.into_split_keys().unwrap();
    assert_eq!(initiator.send_key(), responder.receive_key());
    assert_eq!(initiator.receive_key(), responder.send_key());
    assert_ne!(initiator.send_key(), initiator.receive_key());
}
