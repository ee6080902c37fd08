//! Replaying `frame` vectors: the frame decoder fed each step's bytes.

use alloc::format;
use alloc::vec::Vec;

use serde_json::{json, Value};

use super::message::message_to_json;
use super::read::{hex, string, u32n, u64n, Bad};
use crate::wire::{FrameDecoder, UnknownCommandPolicy, WireConfig, WireError};

/// A frame vector's `config`; absent keys take the defaults.
///
/// ```
/// let config = veil_core::testing::vectors::wire_config(&serde_json::json!({"max_payload_len": 10})).unwrap();
/// assert_eq!(config.max_payload_len, 10);
/// ```
pub fn wire_config(config: &Value) -> Result<WireConfig, Bad> {
    let mut out = WireConfig::default();
    if !config["max_payload_len"].is_null() {
        out.max_payload_len = u32n(&config["max_payload_len"], "config.max_payload_len")?;
    }
    match config["unknown_commands"].as_str() {
        None | Some("skip") => {}
        Some("reject") => out.unknown_commands = UnknownCommandPolicy::Reject,
        Some(other) => return Err(format!("config.unknown_commands: unknown policy {other:?}")),
    }
    Ok(out)
}

/// A frame vector's `steps` as `(at_ms, bytes)`.
pub(super) fn frame_steps(vector: &Value) -> Result<Vec<(u64, Vec<u8>)>, Bad> {
    super::read::list(vector, "steps")?
        .iter()
        .map(|step| {
            if string(&step["op"], "op")? != "input" {
                return Err(format!(
                    "op: frame vectors only have input steps, got {}",
                    step["op"]
                ));
            }
            Ok((
                u64n(&step["at_ms"], "at_ms")?,
                hex(&step["bytes"], "bytes")?,
            ))
        })
        .collect()
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

/// Runs a frame session and returns its outputs in the vector format. An
/// error ends the session, as it ends the connection.
///
/// ```
/// use veil_core::testing::vectors::run_frame_session;
/// use veil_core::wire::WireConfig;
/// let outputs = run_frame_session(WireConfig::default(), &[(0, vec![0xff; 24])]);
/// assert_eq!(outputs[0]["output"], "error");
/// ```
#[must_use]
pub fn run_frame_session(config: WireConfig, steps: &[(u64, Vec<u8>)]) -> Vec<Value> {
    let mut decoder = FrameDecoder::new(config);
    let mut outputs = Vec::new();
    for (at_ms, input) in steps {
        let mut input = &input[..];
        loop {
            let skipped_before = decoder.stats().skipped_frames;
            let result = decoder.decode(&mut input);
            if decoder.stats().skipped_frames > skipped_before {
                if let Some(command) = decoder.stats().last_skipped {
                    outputs.push(
                        json!({"at_ms": at_ms, "output": "skipped", "command": command.as_str()}),
                    );
                }
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
            let payload = super::read::to_hex(frame.payload());
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

/// Replays one frame vector: its outputs.
pub(super) fn replay_frame_vector(vector: &Value) -> Result<Vec<Value>, Bad> {
    Ok(run_frame_session(
        wire_config(&vector["config"])?,
        &frame_steps(vector)?,
    ))
}
