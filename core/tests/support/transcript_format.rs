//! Markdown pieces of `docs/HANDSHAKE_TRANSCRIPT.md`: annotated hex dumps,
//! and tables taking a packet, a `version` payload and an identity proof
//! apart.
//!
//! Only `session_vectors` uses this; it declares it with `#[path]`.

use bytes::Bytes;
use veil_core::message::Message;

use crate::reference_crypto::{verify_proof, OpenedPacket, PROOF_CONTEXT};

/// Hex in lines of 32 bytes, each line indented by `indent`.
fn hex_lines(bytes: &[u8], indent: &str) -> String {
    if bytes.is_empty() {
        return format!("{indent}(empty)\n");
    }
    bytes
        .chunks(32)
        .map(|chunk| format!("{indent}{}\n", hex::encode(chunk)))
        .collect()
}

/// An annotated byte string: `(name, bytes)` segments, each with its offset.
pub fn annotated(segments: &[(&str, &[u8])]) -> String {
    let mut out = String::from("```text\n");
    let mut offset = 0;
    for (name, bytes) in segments {
        let unit = if bytes.len() == 1 { "byte" } else { "bytes" };
        out += &format!(
            "[{offset}..{}] {name} ({} {unit})\n",
            offset + bytes.len(),
            bytes.len()
        );
        out += &hex_lines(bytes, "    ");
        offset += bytes.len();
    }
    out + "```\n"
}

pub fn h(bytes: &[u8]) -> String {
    format!("`{}`", hex::encode(bytes))
}

pub fn packet_section(p: &OpenedPacket, what: &str, aad_name: &str) -> String {
    let mut out = annotated(&[
        ("encrypted length", &p.encrypted_length),
        ("encrypted header", &p.encrypted_body[..1]),
        ("encrypted contents", &p.encrypted_body[1..]),
        ("tag (Poly1305, over header and contents)", &p.tag),
    ]);
    out += &format!(
        "\n| value | bytes |\n|---|---|\n\
         | packet number in this direction | {} |\n\
         | length keystream (bytes {}..{} of ChaCha20(length key, nonce 0)) | {} |\n\
         | length, decrypted (`u24` LE) | {} = {} |\n\
         | AEAD nonce (`u32` LE packet number ‖ `u64` LE rekey count) | {} |\n\
         | associated data | {} |\n\
         | header, decrypted | `{:02x}` ({}) |\n",
        p.index,
        3 * p.index,
        3 * p.index + 3,
        h(&p.length_keystream),
        h(&(p.contents_len as u32).to_le_bytes()[..3]),
        p.contents_len,
        h(&p.nonce),
        if p.aad.is_empty() {
            "empty".to_string()
        } else {
            format!("{aad_name} ({} bytes)", p.aad.len())
        },
        p.header,
        if p.header & 0x80 == 0 {
            "data"
        } else {
            "decoy"
        },
    );
    out += &format!("\nDecrypted contents ({what}):\n\n");
    if p.contents.len() == 1 {
        return out + &annotated(&[("message id", &p.contents[..1])]);
    }
    out + &annotated(&[
        ("message id", &p.contents[..1]),
        ("payload", &p.contents[1..]),
    ])
}

/// The `version` payload field by field (contents offsets: the payload
/// starts after the one-byte message id).
pub fn version_table(payload: &[u8]) -> String {
    use veil_core::message::MessageKind;
    let Message::Version(v) =
        Message::decode(MessageKind::Version, Bytes::copy_from_slice(payload)).unwrap()
    else {
        unreachable!()
    };
    let agent = v.user_agent.len();
    assert!(agent < 0xFD, "one-byte CompactSize");
    let fields: [(&str, usize, String); 9] = [
        (
            "protocol_version (u32 LE)",
            4,
            v.protocol_version.to_string(),
        ),
        ("timestamp (u64 LE)", 8, v.timestamp.as_secs().to_string()),
        ("features (u32 LE)", 4, v.features.to_string()),
        (
            "privacy_features (u32 LE)",
            4,
            v.privacy_features.to_string(),
        ),
        ("user_agent length (CompactSize)", 1, agent.to_string()),
        ("user_agent", agent, format!("`{}`", v.user_agent)),
        ("best_block_hash", 32, "(all zero)".into()),
        (
            "best_block_height (u64 LE)",
            8,
            v.best_block_height.to_string(),
        ),
        ("nonce (u64 LE)", 8, v.nonce.to_string()),
    ];
    let mut out = String::from("| contents offset | field | bytes | value |\n|---|---|---|---|\n");
    let mut at = 0;
    for (name, len, value) in fields {
        out += &format!(
            "| {}..{} | {name} | {} | {value} |\n",
            1 + at,
            1 + at + len,
            h(&payload[at..at + len])
        );
        at += len;
    }
    assert_eq!(at, payload.len());
    out
}

/// The payload of message 2 or 3 taken apart, its proof verified.
pub fn payload_section(
    payload: &[u8],
    noise_static: &[u8; 32],
    signed_hash: &[u8; 32],
    signed_name: &str,
) -> String {
    verify_proof(payload, noise_static, signed_hash);
    let mut out = annotated(&[
        ("format", &payload[..1]),
        ("identity (Ed25519 public key = peer id)", &payload[1..33]),
        ("signature", &payload[33..97]),
    ]);
    out += "\nThe signature verifies (strict Ed25519) over the 97-byte proof message \
            `\"veil/v1 identity proof for noise\" ‖ 00 ‖ static key ‖ transcript hash`:\n\n";
    out += &annotated(&[
        ("context", PROOF_CONTEXT),
        ("the sender's Noise static key", noise_static),
        (signed_name, signed_hash),
    ]);
    out
}
