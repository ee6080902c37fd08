//! The Noise handshake's harness: each of the three messages read from
//! arbitrary bytes.

use alloc::vec;
use alloc::vec::Vec;

use crate::noise::{Ephemeral, Handshake, NoiseError, StaticKeypair, Turn, DH_LEN, HASH_LEN};

/// The prologue both sides of every handshake here share.
const PROLOGUE: &[u8] = b"veil fuzz";

/// The payloads of the genuine messages 1, 2 and 3.
const PAYLOADS: [&[u8]; 3] = [b"hello", b"responder payload", b"initiator payload"];

/// The two sides' long-term keys, made once per run (each costs a scalar
/// multiplication), and handshakes on them with fixed ephemerals.
struct Keys {
    /// The initiator's, from the secret `[1; 32]`.
    initiator: StaticKeypair,
    /// The responder's, from the secret `[3; 32]`.
    responder: StaticKeypair,
}

impl Keys {
    fn new() -> Self {
        Keys {
            initiator: StaticKeypair::from_secret_bytes([1; 32]),
            responder: StaticKeypair::from_secret_bytes([3; 32]),
        }
    }

    /// An initiator with the ephemeral `[2; 32]`.
    fn initiator(&self) -> Handshake {
        Handshake::initiator(
            self.initiator.clone(),
            Ephemeral::from_secret_bytes([2; 32]),
            PROLOGUE,
        )
    }

    /// A responder with the ephemeral `[4; 32]`.
    fn responder(&self) -> Handshake {
        Handshake::responder(
            self.responder.clone(),
            Ephemeral::from_secret_bytes([4; 32]),
            PROLOGUE,
        )
    }
}

/// Runs three handshake readers on `data`, each with fixed keys, and checks
/// the promises every read makes:
/// - a responder reads `data` as message 1 (and, if it accepts it, writes
///   message 2, which succeeds or refuses a low-order key);
/// - an initiator that wrote the genuine message 1 reads `data` as
///   message 2 (and, if it accepts it, writes message 3);
/// - a responder that read the genuine message 1 and wrote message 2 reads
///   `data` as message 3.
///
/// Every read must either return a payload exactly as long as
/// [`Handshake::payload_len`] says, written into the start of the buffer
/// and no further, or fail with an error caused by the peer's bytes
/// ([`NoiseError::is_from_peer`]; a wrong length only when `payload_len`
/// says so). A failed read must change nothing: the handshake keeps its
/// turn and transcript and then reads the genuine message, finishing with
/// the same keys as an untouched pair. A buffer one byte too short must be
/// refused up front, changing nothing. Where `data` is a genuine message,
/// what follows matches the untouched run byte for byte.
///
/// # Example
///
/// ```
/// veil_core::fuzz_harness::noise_handshake(&[0x42; 96]);
/// ```
pub fn noise_handshake(data: &[u8]) {
    let keys = Keys::new();
    let mut initiator = keys.initiator();
    let mut responder = keys.responder();
    let message1 = write(&mut initiator, PAYLOADS[0]);

    // Message 1, read by a fresh responder.
    let mut reader = keys.responder();
    match read_checked(&mut reader, data) {
        Ok(payload) => {
            // Message 1 is `e` and the payload, both in plaintext.
            assert_eq!(payload, data[DH_LEN..], "message 1 payload altered");
            let before = Snapshot::of(&reader);
            let mut message2 = vec![0u8; reader.message_len(PAYLOADS[1].len()).expect("turn")];
            match reader.write_message(PAYLOADS[1], &mut message2) {
                Ok(len) => {
                    assert_eq!(len, message2.len());
                    if data == message1 {
                        let mut genuine = keys.responder();
                        read_checked(&mut genuine, &message1).expect("genuine message 1");
                        assert_eq!(message2, write(&mut genuine, PAYLOADS[1]));
                    }
                }
                Err(error) => {
                    assert_eq!(error, NoiseError::WeakPublicKey, "writing message 2");
                    assert_eq!(
                        Snapshot::of(&reader),
                        before,
                        "a failed write changed state"
                    );
                }
            }
        }
        Err(_) => {
            let payload = read_checked(&mut reader, &message1)
                .expect("genuine message 1 refused after a rejected one");
            assert_eq!(payload, PAYLOADS[0]);
        }
    }

    // The genuine run goes on: message 2.
    read_checked(&mut responder, &message1).expect("genuine message 1");
    let message2 = write(&mut responder, PAYLOADS[1]);

    // Message 2, read by the initiator that wrote message 1.
    let message3 = match read_checked(&mut initiator, data) {
        Ok(payload) => {
            // Someone holding the keys wrote it: the handshake can finish.
            assert!(initiator.remote_static().is_some());
            let message3 = write(&mut initiator, PAYLOADS[2]);
            assert!(initiator.is_finished());
            if data == message2 {
                assert_eq!(payload, PAYLOADS[1]);
                message3
            } else {
                // Not the genuine run's message 2: start that run again.
                initiator = keys.initiator();
                assert_eq!(write(&mut initiator, PAYLOADS[0]), message1);
                read_checked(&mut initiator, &message2).expect("genuine message 2");
                write(&mut initiator, PAYLOADS[2])
            }
        }
        Err(_) => {
            let payload = read_checked(&mut initiator, &message2)
                .expect("genuine message 2 refused after a rejected one");
            assert_eq!(payload, PAYLOADS[1]);
            write(&mut initiator, PAYLOADS[2])
        }
    };
    assert_eq!(initiator.remote_static(), Some(keys.responder.public_key()));

    // Message 3, read by the responder that wrote message 2.
    match read_checked(&mut responder, data) {
        Ok(payload) => {
            assert!(responder.is_finished());
            assert!(responder.remote_static().is_some());
            if data == message3 {
                assert_eq!(payload, PAYLOADS[2]);
                assert_finished_alike(&keys, initiator, responder);
            }
        }
        Err(_) => {
            let payload = read_checked(&mut responder, &message3)
                .expect("genuine message 3 refused after a rejected one");
            assert_eq!(payload, PAYLOADS[2]);
            assert_finished_alike(&keys, initiator, responder);
        }
    }
}

/// What a failed read or write must leave as it was.
#[derive(Debug, PartialEq, Eq)]
struct Snapshot {
    turn: Turn,
    transcript_hash: [u8; HASH_LEN],
    remote_static: Option<[u8; DH_LEN]>,
    handshake_hash: Option<[u8; HASH_LEN]>,
}

impl Snapshot {
    fn of(handshake: &Handshake) -> Self {
        Snapshot {
            turn: handshake.turn(),
            transcript_hash: handshake.transcript_hash(),
            remote_static: handshake.remote_static(),
            handshake_hash: handshake.handshake_hash(),
        }
    }
}

/// Writes `writer`'s next message, which must succeed.
fn write(writer: &mut Handshake, payload: &[u8]) -> Vec<u8> {
    let mut message = vec![0u8; writer.message_len(payload.len()).expect("a write is due")];
    let len = writer
        .write_message(payload, &mut message)
        .expect("a genuine message is written");
    assert_eq!(len, message.len());
    message
}

/// Filler for the payload buffer: what is still there after a read was not
/// written by it.
const FILL: u8 = 0xa5;
/// Spare bytes after the payload's room, to catch writes past the payload.
const SLACK: usize = 8;

/// Reads `message` as `reader`'s next message and checks what every read
/// promises (see [`noise_handshake`]); returns the payload if accepted.
fn read_checked(reader: &mut Handshake, message: &[u8]) -> Result<Vec<u8>, NoiseError> {
    assert_eq!(reader.turn(), Turn::Read);
    let before = Snapshot::of(reader);
    let expected = reader.payload_len(message.len());
    if let Ok(required @ 1..) = expected {
        let mut short = vec![0u8; required - 1];
        assert_eq!(
            reader.read_message(message, &mut short),
            Err(NoiseError::BufferTooSmall {
                required,
                available: required - 1
            })
        );
        assert_eq!(Snapshot::of(reader), before, "a short buffer changed state");
    }
    let mut payload = vec![FILL; expected.unwrap_or(0) + SLACK];
    match reader.read_message(message, &mut payload) {
        Ok(len) => {
            assert_eq!(Ok(len), expected, "payload length");
            assert!(len <= message.len());
            assert!(
                payload[len..].iter().all(|&byte| byte == FILL),
                "read wrote past the payload"
            );
            assert_ne!(Snapshot::of(reader).turn, Turn::Read);
            payload.truncate(len);
            Ok(payload)
        }
        Err(error) => {
            assert!(error.is_from_peer(), "read failed with {error:?}");
            match expected {
                Err(length_error) => assert_eq!(error, length_error),
                Ok(_) => assert!(
                    !matches!(error, NoiseError::WrongMessageLength { .. }),
                    "{error:?} for a length payload_len accepts"
                ),
            }
            assert_eq!(Snapshot::of(reader), before, "a failed read changed state");
            Err(error)
        }
    }
}

/// Both sides finished the same handshake and agree on the keys.
fn assert_finished_alike(keys: &Keys, initiator: Handshake, responder: Handshake) {
    assert!(initiator.is_finished() && responder.is_finished());
    assert_eq!(initiator.handshake_hash(), responder.handshake_hash());
    assert_eq!(responder.remote_static(), Some(keys.initiator.public_key()));
    let initiator = initiator.into_split_keys().expect("finished");
    let responder = responder.into_split_keys().expect("finished");
    assert_eq!(initiator.send_key(), responder.receive_key());
    assert_eq!(initiator.receive_key(), responder.send_key());
}
