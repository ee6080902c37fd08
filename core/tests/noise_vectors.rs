//! The Noise handshake against the cacophony and snow test vectors, read
//! from `shared/vectors/noise/` beside the repository.
//!
//! Every vector named exactly `Noise_XX_25519_ChaChaPoly_SHA256` runs (the
//! exact name leaves out psk and fallback variants). Keys in the files are
//! private keys. Messages alternate direction from the first on, the
//! initiator sending the even-numbered ones, through the handshake's three
//! and on into transport messages, as both suites' harnesses do.
//!
//! Not with the `elligator2` feature: the vectors put raw X25519 keys on
//! the wire, that feature Elligator2 representatives, so no byte matches.
#![cfg(not(feature = "elligator2"))]

use serde_json::Value;
use veil_core::noise::{Ephemeral, Handshake, StaticKeypair, Transport, PROTOCOL_NAME};

const VECTOR_FILES: [&str; 2] = [
    concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/vectors/noise/cacophony.txt"
    ),
    concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/vectors/noise/snow.txt"
    ),
];

const HANDSHAKE_MESSAGES: usize = 3;

fn hex_field(vector: &Value, name: &str) -> Vec<u8> {
    let text = vector[name]
        .as_str()
        .unwrap_or_else(|| panic!("field {name} missing or not a string"));
    hex::decode(text).unwrap_or_else(|e| panic!("field {name}: {e}"))
}

fn key_field(vector: &Value, name: &str) -> [u8; 32] {
    hex_field(vector, name)
        .try_into()
        .unwrap_or_else(|_| panic!("field {name} is not 32 bytes"))
}

fn xx_vectors(path: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let file: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    file["vectors"]
        .as_array()
        .unwrap_or_else(|| panic!("{path}: no vectors array"))
        .iter()
        .filter(|vector| vector["protocol_name"] == PROTOCOL_NAME)
        .cloned()
        .collect()
}

/// Runs one vector on both sides; `label` names it in failures.
fn run_vector(vector: &Value, label: &str) {
    let mut initiator = Handshake::initiator(
        StaticKeypair::from_secret_bytes(key_field(vector, "init_static")),
        Ephemeral::from_secret_bytes(key_field(vector, "init_ephemeral")),
        &hex_field(vector, "init_prologue"),
    );
    let mut responder = Handshake::responder(
        StaticKeypair::from_secret_bytes(key_field(vector, "resp_static")),
        Ephemeral::from_secret_bytes(key_field(vector, "resp_ephemeral")),
        &hex_field(vector, "resp_prologue"),
    );
    let messages = vector["messages"].as_array().expect("messages array");
    assert!(
        messages.len() >= HANDSHAKE_MESSAGES,
        "{label}: fewer messages than the handshake has"
    );

    for (i, message) in messages[..HANDSHAKE_MESSAGES].iter().enumerate() {
        let (payload, ciphertext) = (
            hex_field(message, "payload"),
            hex_field(message, "ciphertext"),
        );
        let (writer, reader) = if i % 2 == 0 {
            (&mut initiator, &mut responder)
        } else {
            (&mut responder, &mut initiator)
        };
        let mut written = vec![0u8; writer.message_len(payload.len()).unwrap()];
        let len = writer.write_message(&payload, &mut written).unwrap();
        assert_eq!(
            hex::encode(&written[..len]),
            hex::encode(&ciphertext),
            "{label}: handshake message {i}"
        );
        let mut read = vec![0u8; reader.payload_len(ciphertext.len()).unwrap()];
        let read_len = reader.read_message(&ciphertext, &mut read).unwrap();
        assert_eq!(read[..read_len], payload, "{label}: handshake payload {i}");
    }

    assert!(
        initiator.is_finished() && responder.is_finished(),
        "{label}"
    );
    let hash = initiator.handshake_hash().expect("finished");
    assert_eq!(responder.handshake_hash(), Some(hash), "{label}");
    if vector.get("handshake_hash").is_some() {
        assert_eq!(
            hash.to_vec(),
            hex_field(vector, "handshake_hash"),
            "{label}: handshake hash"
        );
    }
    let init_public =
        StaticKeypair::from_secret_bytes(key_field(vector, "init_static")).public_key();
    let resp_public =
        StaticKeypair::from_secret_bytes(key_field(vector, "resp_static")).public_key();
    assert_eq!(initiator.remote_static(), Some(resp_public), "{label}");
    assert_eq!(responder.remote_static(), Some(init_public), "{label}");

    let mut initiator = initiator.into_transport().unwrap();
    let mut responder = responder.into_transport().unwrap();
    for (i, message) in messages.iter().enumerate().skip(HANDSHAKE_MESSAGES) {
        let (payload, ciphertext) = (
            hex_field(message, "payload"),
            hex_field(message, "ciphertext"),
        );
        let (writer, reader): (&mut Transport, &mut Transport) = if i % 2 == 0 {
            (&mut initiator, &mut responder)
        } else {
            (&mut responder, &mut initiator)
        };
        let mut written = vec![0u8; payload.len() + 16];
        let len = writer.send.encrypt(&payload, &mut written).unwrap();
        assert_eq!(
            hex::encode(&written[..len]),
            hex::encode(&ciphertext),
            "{label}: transport message {i}"
        );
        let mut read = vec![0u8; payload.len()];
        let read_len = reader.receive.decrypt(&ciphertext, &mut read).unwrap();
        assert_eq!(read[..read_len], payload, "{label}: transport payload {i}");
    }
}

#[test]
fn every_xx_vector_passes() {
    let mut count = 0;
    for path in VECTOR_FILES {
        let vectors = xx_vectors(path);
        let name = path.rsplit('/').next().unwrap_or(path);
        for (i, vector) in vectors.iter().enumerate() {
            run_vector(vector, &format!("{name} #{i}"));
        }
        eprintln!("{name}: {} {PROTOCOL_NAME} vectors passed", vectors.len());
        count += vectors.len();
    }
    eprintln!("total: {count} vectors passed");
    assert!(count > 0, "no {PROTOCOL_NAME} vector found");
}

/// Direction is not a guess: with it reversed, the first transport message
/// of every vector fails to decrypt.
#[test]
fn transport_direction_is_fixed_by_the_data() {
    for path in VECTOR_FILES {
        for vector in xx_vectors(path) {
            let messages = vector["messages"].as_array().expect("messages array");
            let Some(first_transport) = messages.get(HANDSHAKE_MESSAGES) else {
                continue;
            };
            let mut initiator = Handshake::initiator(
                StaticKeypair::from_secret_bytes(key_field(&vector, "init_static")),
                Ephemeral::from_secret_bytes(key_field(&vector, "init_ephemeral")),
                &hex_field(&vector, "init_prologue"),
            );
            let mut buf = vec![0u8; 1024];
            for (i, message) in messages[..HANDSHAKE_MESSAGES].iter().enumerate() {
                let ciphertext = hex_field(message, "ciphertext");
                if i % 2 == 0 {
                    initiator
                        .write_message(&hex_field(message, "payload"), &mut buf)
                        .unwrap();
                } else {
                    initiator.read_message(&ciphertext, &mut buf).unwrap();
                }
            }
            let mut transport = initiator.into_transport().unwrap();
            let ciphertext = hex_field(first_transport, "ciphertext");
            // Message 3 is the responder's: the initiator's receive key opens it...
            assert!(transport.receive.decrypt(&ciphertext, &mut buf).is_ok());
            // ...and the initiator's own send key does not.
            assert!(transport.send.decrypt(&ciphertext, &mut buf).is_err());
        }
    }
}
