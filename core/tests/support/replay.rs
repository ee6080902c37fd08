//! Replays `testvectors/` sessions: feeds each step's input at its time and
//! records every output in the vector format.

use serde_json::{json, Value};
use veil_core::wire::{FrameDecoder, UnknownCommandPolicy, WireConfig, WireError};

use super::json::message_to_json;

/// The repository's `testvectors/` directory.
pub fn vectors_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../testvectors")
}

/// Reads a vector's `config` object; absent keys take the defaults.
pub fn wire_config(config: &Value) -> WireConfig {
    let mut out = WireConfig::default();
    if let Some(max) = config.get("max_payload_len").and_then(Value::as_u64) {
        out.max_payload_len = u32::try_from(max).expect("max_payload_len fits u32");
    }
    match config.get("unknown_commands").and_then(Value::as_str) {
        None | Some("skip") => {}
        Some("reject") => out.unknown_commands = UnknownCommandPolicy::Reject,
        Some(other) => panic!("unknown_commands: unknown policy {other:?}"),
    }
    out
}

fn error_output(at_ms: u64, error: &WireError) -> Value {
    let command = match error {
        WireError::Oversize { command, .. }
        | WireError::BadChecksum { command, .. }
        | WireError::UnknownCommand { command } => Value::from(command.as_str()),
        WireError::MalformedPayload { kind, .. } => Value::from(kind.name()),
        WireError::MalformedCommand { .. } => Value::Null,
    };
    json!({
        "at_ms": at_ms,
        "output": "error",
        "error": error.kind().as_str(),
        "consequence": error.consequence().as_str(),
        "command": command,
    })
}

/// Runs a frame session: `steps` are `(at_ms, input bytes)`. An error ends
/// the session, as it ends the connection.
pub fn run_frame_session(config: WireConfig, steps: &[(u64, Vec<u8>)]) -> Vec<Value> {
    let mut decoder = FrameDecoder::new(config);
    let mut outputs = Vec::new();
    for (at_ms, input) in steps {
        let mut input = &input[..];
        loop {
            let skipped_before = decoder.stats().skipped_frames;
            let result = decoder.decode(&mut input);
            if decoder.stats().skipped_frames > skipped_before {
                let command = decoder.stats().last_skipped.expect("skipped command");
                outputs.push(
                    json!({"at_ms": at_ms, "output": "skipped", "command": command.as_str()}),
                );
            }
            let frame = match result {
                Ok(Some(frame)) => frame,
                Ok(None) => break,
                Err(error) => {
                    outputs.push(error_output(*at_ms, &error));
                    return outputs;
                }
            };
            let command = frame.command();
            let payload = hex::encode(frame.payload());
            match frame.into_message() {
                Ok(message) => outputs.push(json!({
                    "at_ms": at_ms,
                    "output": "frame",
                    "command": command.as_str(),
                    "payload": payload,
                    "message": message_to_json(&message),
                })),
                Err(error) => {
                    outputs.push(error_output(*at_ms, &error));
                    return outputs;
                }
            }
        }
    }
    outputs
}

/// Reads a vector's `steps` as `(at_ms, bytes)`.
pub fn frame_steps(vector: &Value) -> Vec<(u64, Vec<u8>)> {
    vector["steps"]
        .as_array()
        .expect("steps is an array")
        .iter()
        .map(|step| {
            assert_eq!(step["op"], "input", "frame vectors only have input steps");
            let at = step["at_ms"].as_u64().expect("at_ms");
            let bytes = hex::decode(step["bytes"].as_str().expect("bytes")).expect("hex");
            (at, bytes)
        })
        .collect()
}
