//! Frame test vectors: `testvectors/v1/frames.json`.
//!
//! `replay_frame_vectors` replays the committed file and is the check.
//! `frame_vectors_file_is_current` regenerates the file from the cases below
//! (each declaring the error it must end with) and fails if the committed
//! file differs; run with `VEIL_UPDATE_VECTORS=1` to rewrite it.

mod support;

use bytes::Bytes;
use serde_json::{json, Value};
use support::replay::vectors_dir;
use veil_core::message::{
    AddrEntry, BlockLocator, Disconnect, DisconnectReason, InvItem, InvKind, Message, NetAddress,
    Ping, Pong, Version, PROTOCOL_VERSION,
};
use veil_core::testing::vectors::{replay, run_frame_session, wire_config, Outcome, VectorKind};
use veil_core::wire::{checksum, FrameEncoder, FrameHeader, WireErrorKind, HEADER_LEN};
use veil_core::UnixTime;

const FILE: &str = "v1/frames.json";

struct Case {
    name: &'static str,
    description: &'static str,
    config: Value,
    steps: Vec<(u64, Vec<u8>)>,
    ends_with: Option<WireErrorKind>,
}

fn frame(message: &Message) -> Vec<u8> {
    FrameEncoder::default().encode_to_vec(message).unwrap()
}

fn raw(command: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut name = [0u8; 12];
    name[..command.len()].copy_from_slice(command);
    let mut out = FrameHeader {
        payload_len: payload.len() as u32,
        command: name,
        checksum: checksum(payload),
    }
    .to_bytes()
    .to_vec();
    out.extend_from_slice(payload);
    out
}

fn valid(name: &'static str, description: &'static str, message: Message) -> Case {
    Case {
        name,
        description,
        config: json!({}),
        steps: vec![(0, frame(&message))],
        ends_with: None,
    }
}

fn invalid(
    name: &'static str,
    description: &'static str,
    bytes: Vec<u8>,
    kind: WireErrorKind,
) -> Case {
    Case {
        name,
        description,
        config: json!({}),
        steps: vec![(0, bytes)],
        ends_with: Some(kind),
    }
}

fn hash(byte: u8) -> [u8; 32] {
    let mut h = [byte; 32];
    h[0] = 0xA0;
    h
}

fn sample_version() -> Version {
    Version {
        protocol_version: PROTOCOL_VERSION,
        timestamp: UnixTime::from_secs(1_763_769_600),
        features: 0x0000_0003,
        privacy_features: 0x0000_0001,
        user_agent: "/veil:0.1.0/".into(),
        best_block_hash: hash(0x11),
        best_block_height: 840_000,
        nonce: 0x0123_4567_89AB_CDEF,
    }
}

fn sample_addrs() -> Vec<AddrEntry> {
    let at = |secs, features, address, port| AddrEntry {
        time: UnixTime::from_secs(secs),
        features,
        address,
        port,
    };
    vec![
        at(
            1_763_700_000,
            1,
            NetAddress::Ipv4([203, 0, 113, 7].into()),
            8_333,
        ),
        at(
            1_763_700_100,
            3,
            NetAddress::Ipv6("2001:db8::1".parse().unwrap()),
            18_444,
        ),
        at(1_763_700_200, 1, NetAddress::TorV3(hash(0x22)), 9_735),
        at(1_763_700_300, 1, NetAddress::I2p(hash(0x33)), 0),
        at(
            1_763_700_400,
            0,
            NetAddress::Unknown {
                network: 200,
                bytes: Bytes::from_static(b"future"),
            },
            1,
        ),
    ]
}

fn sample_inv() -> Vec<InvItem> {
    vec![
        InvItem {
            kind: InvKind::Tx,
            hash: hash(0x44),
        },
        InvItem {
            kind: InvKind::Block,
            hash: hash(0x55),
        },
        InvItem {
            kind: InvKind::Other(0x4000_0001),
            hash: hash(0x66),
        },
    ]
}

fn sample_locator() -> BlockLocator {
    BlockLocator {
        version: PROTOCOL_VERSION,
        hashes: vec![hash(0x77), hash(0x88)],
        stop: [0; 32],
    }
}

fn valid_cases() -> Vec<Case> {
    vec![
        valid(
            "version",
            "A version message with every field set.",
            Message::Version(sample_version()),
        ),
        valid("verack", "verack has an empty payload.", Message::Verack),
        valid(
            "ping",
            "A ping with a nonce.",
            Message::Ping(Ping {
                nonce: 0x1122_3344_5566_7788,
            }),
        ),
        valid(
            "pong",
            "The pong answering it.",
            Message::Pong(Pong {
                nonce: 0x1122_3344_5566_7788,
            }),
        ),
        valid(
            "addr",
            "One record of each network, and one of an unknown network (kept, ignored).",
            Message::Addr(sample_addrs()),
        ),
        valid(
            "addr_empty",
            "An addr message with no records.",
            Message::Addr(vec![]),
        ),
        valid("getaddr", "getaddr has an empty payload.", Message::GetAddr),
        valid(
            "block",
            "A block: opaque bytes.",
            Message::Block(Bytes::from_static(b"an opaque block body")),
        ),
        valid(
            "getblocks",
            "A two-hash locator with no stop hash.",
            Message::GetBlocks(sample_locator()),
        ),
        valid(
            "headers",
            "Two opaque headers of different lengths.",
            Message::Headers(vec![
                Bytes::from(vec![0xAB; 80]),
                Bytes::from_static(b"short"),
            ]),
        ),
        valid(
            "getheaders",
            "A two-hash locator with no stop hash.",
            Message::GetHeaders(sample_locator()),
        ),
        valid(
            "inv",
            "A tx, a block and a type veil does not know (kept, ignored).",
            Message::Inv(sample_inv()),
        ),
        valid(
            "tx",
            "A transaction: opaque bytes.",
            Message::Tx(Bytes::from_static(b"an opaque transaction")),
        ),
        valid(
            "stemtx",
            "A Dandelion++ stem-phase transaction: opaque bytes.",
            Message::StemTx(Bytes::from_static(b"a stem transaction")),
        ),
        valid("mempool", "mempool has an empty payload.", Message::Mempool),
        valid(
            "getdata",
            "Asks for the announced objects.",
            Message::GetData(sample_inv()),
        ),
        valid(
            "notfound",
            "None of them is available.",
            Message::NotFound(sample_inv()),
        ),
        valid(
            "disconnect",
            "A graceful close with a reason text.",
            Message::Disconnect(Disconnect {
                reason: DisconnectReason::Shutdown,
                text: "node shutting down".into(),
            }),
        ),
        valid(
            "disconnect_unknown_reason",
            "A reason code this version does not know.",
            Message::Disconnect(Disconnect {
                reason: DisconnectReason::Other(500),
                text: String::new(),
            }),
        ),
    ]
}

fn stream_cases() -> Vec<Case> {
    let mut stream = frame(&Message::Version(sample_version()));
    stream.extend(frame(&Message::Verack));
    stream.extend(frame(&Message::Ping(Ping { nonce: 1 })));
    let split: Vec<(u64, Vec<u8>)> = stream
        .chunks(7)
        .enumerate()
        .map(|(i, c)| (i as u64 * 10, c.to_vec()))
        .collect();
    let mut skip = raw(b"sendcmpct", &[0, 1, 0, 0, 0, 0, 0, 0, 0]);
    skip.extend(frame(&Message::Verack));
    vec![
        Case {
            name: "stream_in_7_byte_pieces",
            description: "version, verack and ping arriving in 7-byte pieces 10 ms apart.",
            config: json!({}),
            steps: split,
            ends_with: None,
        },
        Case {
            name: "unknown_command_skipped",
            description: "With the default policy an unknown command is verified, discarded and reported; the next frame decodes.",
            config: json!({"unknown_commands": "skip"}),
            steps: vec![(0, skip)],
            ends_with: None,
        },
    ]
}

fn with_header_len(mut bytes: Vec<u8>, len: u32) -> Vec<u8> {
    bytes[..4].copy_from_slice(&len.to_le_bytes());
    bytes
}

fn invalid_cases() -> Vec<Case> {
    use WireErrorKind::*;
    let mut corrupt = frame(&Message::Ping(Ping { nonce: 5 }));
    corrupt[HEADER_LEN] ^= 0x80;
    let mut bad_command = frame(&Message::Verack);
    bad_command[8] = b' ';
    let mut after_nul = frame(&Message::Verack);
    after_nul[15] = b'x';
    let mut agent_too_long = vec![1, 0, 0, 0];
    agent_too_long.extend_from_slice(&[0; 16]);
    agent_too_long.extend_from_slice(&[0xFD, 0x01, 0x01]);
    let mut bad_ipv4 = vec![1u8];
    bad_ipv4.extend_from_slice(&[0; 12]);
    bad_ipv4.extend_from_slice(&[1, 3, 10, 0, 0, 0x20, 0x8D]);
    vec![
        invalid("oversize_ping", "A ping header announcing 9 bytes: pings have exactly 8. Rejected from the header alone.", with_header_len(raw(b"ping", &[]), 9), Oversize),
        invalid("oversize_tx", "A tx header announcing 4,000,001 bytes, above the default maximum. Only the header is sent.", with_header_len(raw(b"tx", &[]), 4_000_001), Oversize),
        Case {
            name: "oversize_configured",
            description: "A 101-byte block when the configured maximum is 100.",
            config: json!({"max_payload_len": 100}),
            steps: vec![(0, raw(b"block", &[0; 101]))],
            ends_with: Some(Oversize),
        },
        invalid("oversize_unknown_command", "An unknown command announcing 4,000,001 bytes under the skip policy: over the configured maximum, and with no type bound of its own, so it closes without punishment.", with_header_len(raw(b"sendcmpct", &[]), 4_000_001), Oversize),
        invalid("bad_checksum", "A ping whose first payload byte was flipped after checksumming.", corrupt, BadChecksum),
        invalid("malformed_command_empty", "The command field is all NUL.", raw(b"", &[]), MalformedCommand),
        invalid("malformed_command_space", "A space inside the command.", bad_command, MalformedCommand),
        invalid("malformed_command_after_nul", "A non-NUL byte after the first NUL.", after_nul, MalformedCommand),
        Case {
            name: "unknown_command_rejected",
            description: "An unknown command when the configuration rejects them.",
            config: json!({"unknown_commands": "reject"}),
            steps: vec![(0, raw(b"sendcmpct", &[0; 9]))],
            ends_with: Some(UnknownCommand),
        },
        invalid("ping_truncated", "A ping with a 7-byte payload (header and checksum consistent).", raw(b"ping", &[0; 7]), MalformedPayload),
        invalid("verack_with_payload", "A verack with one payload byte: its bound is 0, so the header alone is rejected.", raw(b"verack", &[0]), Oversize),
        invalid("disconnect_trailing", "A disconnect with one byte after its text.", raw(b"disconnect", &[1, 0, 0, 9]), MalformedPayload),
        invalid("inv_noncanonical_count", "An inv count of 1 written as 0xFD 0x01 0x00.", raw(b"inv", &[0xFD, 0x01, 0x00]), MalformedPayload),
        invalid("inv_too_many", "An inv count of 50,001.", raw(b"inv", &[0xFD, 0x51, 0xC3]), MalformedPayload),
        invalid("addr_count_without_entries", "An addr claiming 1,000 records but carrying none: rejected before allocating.", raw(b"addr", &[0xFD, 0xE8, 0x03]), MalformedPayload),
        invalid("addr_ipv4_wrong_length", "An IPv4 record with a 3-byte address.", raw(b"addr", &bad_ipv4), MalformedPayload),
        invalid("version_user_agent_too_long", "A version whose user agent length is 257 (the limit is 256): rejected at the length, before reading the text.", raw(b"version", &agent_too_long), MalformedPayload),
        invalid("disconnect_invalid_utf8", "A disconnect text that is not UTF-8.", raw(b"disconnect", &[2, 0, 2, 0xC3, 0x28]), MalformedPayload),
    ]
}

fn all_cases() -> Vec<Case> {
    let mut cases = valid_cases();
    cases.extend(stream_cases());
    cases.extend(invalid_cases());
    cases
}

fn generate() -> Value {
    let vectors: Vec<Value> = all_cases()
        .into_iter()
        .map(|case| {
            let expect = run_frame_session(wire_config(&case.config).unwrap(), &case.steps);
            let last_error = expect
                .last()
                .filter(|o| o["output"] == "error")
                .map(|o| o["error"].as_str().unwrap().to_string());
            assert_eq!(
                last_error.as_deref(),
                case.ends_with.map(WireErrorKind::as_str),
                "case {} does not end as declared",
                case.name
            );
            json!({
                "name": case.name,
                "description": case.description,
                "config": case.config,
                "steps": case.steps.iter().map(|(at, bytes)| json!({
                    "at_ms": at, "op": "input", "bytes": hex::encode(bytes),
                })).collect::<Vec<_>>(),
                "expect": expect,
            })
        })
        .collect();
    json!({
        "format": "veil-testvectors",
        "version": 1,
        "kind": "frame",
        "description": "Frame codec vectors: bytes fed to a frame decoder and everything it must output. See testvectors/README.md.",
        "vectors": vectors,
    })
}

#[test]
fn frame_vectors_file_is_current() {
    let path = vectors_dir().join(FILE);
    let generated = serde_json::to_string_pretty(&generate()).unwrap() + "\n";
    if std::env::var_os("VEIL_UPDATE_VECTORS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).expect("testvectors/v1/frames.json exists");
    assert!(
        committed == generated,
        "{FILE} is out of date: run VEIL_UPDATE_VECTORS=1 cargo test -p veil-core --test vectors"
    );
}

#[test]
fn replay_frame_vectors() {
    let text = std::fs::read_to_string(vectors_dir().join(FILE)).unwrap();
    // The library's replayer, the one `veil replay` runs.
    let report = replay(&text).expect("a valid vector file");
    assert_eq!(report.kind, VectorKind::Frame);
    for result in &report.results {
        assert_eq!(result.outcome, Outcome::Passed, "{result}");
    }
    let file: Value = serde_json::from_str(&text).unwrap();
    let vectors = file["vectors"].as_array().unwrap();
    assert_eq!(report.results.len(), vectors.len());
    let mut commands_seen = std::collections::BTreeSet::new();
    let mut errors_seen = std::collections::BTreeSet::new();
    for output in vectors.iter().flat_map(|v| v["expect"].as_array().unwrap()) {
        match output["output"].as_str() {
            Some("frame") => commands_seen.insert(output["command"].as_str().unwrap().to_string()),
            Some("error") => errors_seen.insert(output["error"].as_str().unwrap().to_string()),
            _ => false,
        };
    }
    for kind in veil_core::message::MessageKind::ALL {
        assert!(
            commands_seen.contains(kind.name()),
            "no valid vector for {}",
            kind.name()
        );
    }
    for kind in WireErrorKind::ALL {
        assert!(
            errors_seen.contains(kind.as_str()),
            "no vector for error {}",
            kind.as_str()
        );
    }
}

/// An altered expectation fails, naming the vector.
#[test]
fn a_tampered_frame_vector_fails_by_name() {
    let text = std::fs::read_to_string(vectors_dir().join(FILE)).unwrap();
    let mut file: Value = serde_json::from_str(&text).unwrap();
    file["vectors"][2]["expect"][0]["at_ms"] = json!(999);
    let report = replay(&file.to_string()).unwrap();
    assert_eq!(report.failed(), 1);
    assert_eq!(
        report.results[2].name,
        file["vectors"][2]["name"].as_str().unwrap()
    );
    assert!(!report.results[2].outcome.is_pass());
}
