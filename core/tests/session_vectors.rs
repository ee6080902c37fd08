//! Session transcript vectors: `testvectors/v1/sessions.json`, and the
//! worked handshake transcript `docs/HANDSHAKE_TRANSCRIPT.md` derived from
//! its first vector.
//!
//! `replay_session_vectors` replays the committed file and is the check.
//! `session_vectors_file_is_current` regenerates the file from the cases
//! and fails if the committed file differs; likewise
//! `handshake_transcript_doc_is_current` for the document. Run with
//! `VEIL_UPDATE_VECTORS=1` to rewrite both.
//!
//! Each case is a script run by [`Sim`](session_sim::Sim): two connections
//! joined by a link with a fixed one-way latency, whose deadlines fire when
//! due. The sim only decides *which* steps happen; every step is recorded
//! explicitly (bytes delivered included), so a replayer needs no link model.
//!
//! The parts, in `support/` but declared here since no other test uses them:
//! - `session_sim`: the simulator;
//! - `session_scenarios`: the cases;
//! - `reference_crypto`: an independent Noise symmetric state, packet
//!   ciphers and identity proof check, written from the specifications;
//! - `transcript_values`: the document's values, recomputed and checked;
//! - `transcript_format` and `transcript_doc`: the document itself.
//!
//! Not with the `elligator2` feature: the vectors put raw X25519 ephemeral
//! keys on the wire.
#![cfg(not(feature = "elligator2"))]

mod support;

#[path = "support/reference_crypto.rs"]
mod reference_crypto;
#[path = "support/session_scenarios.rs"]
mod session_scenarios;
#[path = "support/session_sim.rs"]
mod session_sim;
#[path = "support/transcript_doc.rs"]
mod transcript_doc;
#[path = "support/transcript_format.rs"]
mod transcript_format;
#[path = "support/transcript_values.rs"]
mod transcript_values;

use serde_json::{json, Value};
use session_scenarios::cases;
use session_sim::{endings, Sim};
use support::replay::vectors_dir;
use support::session::{
    connection_rng, derived, noise_draws, sides_from_json, sides_to_json, step_to_json, SideSpec,
    SIDES,
};
use transcript_doc::handshake_doc;
use veil_core::connection::TransportKind;
use veil_core::testing::vectors::{replay, Outcome, VectorKind};

const FILE: &str = "v1/sessions.json";
const DOC: &str = "docs/HANDSHAKE_TRANSCRIPT.md";

/// Whether `side` runs the encrypted handshake.
fn is_encrypted(sides: &[Option<SideSpec>; 2], side: usize) -> bool {
    let outbound = sides[0].as_ref().map(|a| &a.config.outbound_transport);
    match side {
        0 => outbound == Some(&TransportKind::Encrypted),
        _ => outbound != Some(&TransportKind::Plaintext),
    }
}

fn derived_json(sides: &[Option<SideSpec>; 2]) -> Value {
    let mut out = serde_json::Map::new();
    for (index, spec) in sides.iter().enumerate() {
        if let Some(spec) = spec {
            out.insert(
                SIDES[index].into(),
                derived(spec, is_encrypted(sides, index)),
            );
        }
    }
    Value::Object(out)
}

fn generate() -> Value {
    let vectors: Vec<Value> = cases()
        .into_iter()
        .map(|case| {
            let mut sim = Sim::new(case.sides.clone());
            (case.script)(&mut sim);
            let ends = endings(&sim);
            assert_eq!(
                ends.each_ref().map(Option::as_deref),
                case.ends,
                "case {} does not end as declared",
                case.name
            );
            json!({
                "name": case.name,
                "description": case.description,
                "config": sides_to_json(&case.sides),
                "derived": derived_json(&case.sides),
                "steps": sim.steps.iter().map(step_to_json).collect::<Vec<_>>(),
                "expect": sim.expect,
            })
        })
        .collect();
    json!({
        "format": "veil-testvectors",
        "version": 1,
        "kind": "session",
        "description": "Connection session transcripts: two connections (a dials, b answers) driven step by step, with every byte transmitted, every event and every deadline change. See testvectors/README.md.",
        "vectors": vectors,
    })
}

fn write_or_compare(path: &std::path::Path, generated: &str, what: &str) {
    if std::env::var_os("VEIL_UPDATE_VECTORS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, generated).unwrap();
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == generated,
        "{what} is out of date: run VEIL_UPDATE_VECTORS=1 cargo test -p veil-core --test session_vectors"
    );
}

#[test]
fn session_vectors_file_is_current() {
    let generated = serde_json::to_string_pretty(&generate()).unwrap() + "\n";
    write_or_compare(&vectors_dir().join(FILE), &generated, FILE);
}

/// The committed file, or (while regenerating) the generated one, so that
/// the checks below do not race the rewrite.
fn load() -> Value {
    let file: Value = if std::env::var_os("VEIL_UPDATE_VECTORS").is_some() {
        generate()
    } else {
        let text = std::fs::read_to_string(vectors_dir().join(FILE)).expect("sessions.json exists");
        serde_json::from_str(&text).unwrap()
    };
    assert_eq!(file["format"], "veil-testvectors");
    assert_eq!(file["version"], 1);
    assert_eq!(file["kind"], "session");
    file
}

/// The file's text: generated afresh under `VEIL_UPDATE_VECTORS`, else the
/// committed file.
fn load_text() -> String {
    if std::env::var_os("VEIL_UPDATE_VECTORS").is_some() {
        serde_json::to_string_pretty(&generate()).unwrap()
    } else {
        std::fs::read_to_string(vectors_dir().join(FILE)).expect("sessions.json exists")
    }
}

#[test]
fn replay_session_vectors() {
    let text = load_text();
    // The library's replayer, the one `veil replay` runs.
    let report = replay(&text).expect("a valid vector file");
    assert_eq!(report.kind, VectorKind::Session);
    for result in &report.results {
        assert_eq!(result.outcome, Outcome::Passed, "{result}");
    }
    let file = load();
    assert_eq!(
        report.results.len(),
        file["vectors"].as_array().unwrap().len()
    );
    let mut ops = std::collections::BTreeSet::new();
    let mut events = std::collections::BTreeSet::new();
    for vector in file["vectors"].as_array().unwrap() {
        let expected = vector["expect"].as_array().unwrap();
        for step in vector["steps"].as_array().unwrap() {
            ops.insert(step["op"].as_str().unwrap().to_string());
        }
        for output in expected.iter().filter(|o| o["output"] == "event") {
            events.insert(output["event"].as_str().unwrap().to_string());
        }
    }
    for op in [
        "open",
        "deliver",
        "timeout",
        "send",
        "close",
        "eof",
        "nonce_check",
    ] {
        assert!(ops.contains(op), "no vector uses op {op}");
    }
    for event in [
        "handshake_complete",
        "message",
        "pong",
        "rekeyed",
        "closed",
        "check_nonce",
    ] {
        assert!(events.contains(event), "no vector has event {event}");
    }
}

/// The `derived` values are what the seeds give, and agree with the bytes
/// on the wire: each side's ephemeral opens its first flight, and the
/// garbage length fits it.
#[test]
fn derived_values_match_the_transcripts() {
    let file = load();
    for vector in file["vectors"].as_array().unwrap() {
        let sides = sides_from_json(&vector["config"]).expect("valid config");
        assert_eq!(
            vector["derived"],
            derived_json(&sides),
            "{}",
            vector["name"]
        );
        for (index, spec) in sides.iter().enumerate() {
            let Some(spec) = spec else { continue };
            if !is_encrypted(&sides, index) {
                continue;
            }
            let Some(first) = vector["expect"]
                .as_array()
                .unwrap()
                .iter()
                .find(|o| o["side"] == SIDES[index] && o["output"] == "transmit")
            else {
                continue;
            };
            let bytes = hex::decode(first["bytes"].as_str().unwrap()).unwrap();
            let (mut rng, _) = connection_rng(spec);
            let draws = noise_draws(&mut rng, spec.config.max_garbage_len);
            let ephemeral = veil_core::noise::Ephemeral::from_secret_bytes(draws.ephemeral_secret);
            assert_eq!(bytes[..32], ephemeral.wire_bytes(), "{}", vector["name"]);
            if spec.outbound {
                assert_eq!(bytes[32..], draws.garbage, "{}", vector["name"]);
            } else {
                assert_eq!(
                    bytes[193..193 + draws.garbage.len()],
                    draws.garbage,
                    "{}",
                    vector["name"]
                );
                assert_eq!(bytes.len(), 193 + draws.garbage.len() + 16);
            }
        }
    }
}

#[test]
fn handshake_transcript_doc_is_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(DOC);
    write_or_compare(&path, &handshake_doc(&load()), DOC);
}

/// A vector whose expected bytes were altered fails, naming the vector and
/// the first output that differs; the others still pass.
#[test]
fn a_tampered_vector_fails_by_name() {
    let mut file = load();
    let vector = &mut file["vectors"][0];
    let name = vector["name"].as_str().unwrap().to_string();
    let transmit = vector["expect"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|o| o["output"] == "transmit")
        .expect("a transmit output");
    let bytes = transmit["bytes"].as_str().unwrap().to_string();
    let flipped = if bytes.starts_with('0') { "1" } else { "0" };
    transmit["bytes"] = Value::String(format!("{flipped}{}", &bytes[1..]));
    let report = replay(&file.to_string()).unwrap();
    assert_eq!(report.failed(), 1);
    let failed = &report.results[0];
    assert_eq!(failed.name, name);
    assert!(
        matches!(&failed.outcome, Outcome::Failed(why) if why.starts_with("output ")),
        "{failed}"
    );
}
