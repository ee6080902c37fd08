//! Session transcripts (`testvectors/v1/sessions.json`): two connections,
//! `a` (outbound) and `b` (inbound), driven by an explicit script of steps.
//! Each step acts on one side at one time; everything that side then
//! outputs (transmitted bytes, events, a changed deadline) is recorded.
//!
//! The replaying half (`Session`, the JSON readers) is the library's
//! `veil_core::testing::vectors`; this file writes vectors. The same
//! `Session::perform` runs when generating and when replaying, so a vector
//! replays exactly what was generated.

use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use serde_json::{json, Map, Value};
use veil_core::connection::ConnectionConfig;
use veil_core::noise::{Ephemeral, StaticKeypair};
use veil_core::shaping::{PaddingPolicy, PrivacyLevel, ShapingConfig};
pub use veil_core::testing::vectors::{
    budget_to_json, message_to_json, sides_from_json, Op, Session, SideSpec, Step, SIDES,
};
use veil_core::wire::UnknownCommandPolicy;
use veil_core::Duration;

fn u64s(value: u64) -> Value {
    Value::String(value.to_string())
}

// ---------------------------------------------------------------------------
// Configuration

/// Every configuration field, named as in the vectors. Durations are
/// milliseconds (`*_ms`); `rekey_after_bytes` and `best_block_height` are
/// decimal strings.
pub fn config_to_json(config: &ConnectionConfig) -> Map<String, Value> {
    let local = &config.local;
    let value = json!({
        "protocol_version": local.protocol_version,
        "features": local.features,
        "privacy_features": local.privacy_features,
        "user_agent": local.user_agent,
        "best_block_hash": hex::encode(local.best_block_hash),
        "best_block_height": u64s(local.best_block_height),
        "min_protocol_version": config.min_protocol_version,
        "required_features": config.required_features,
        "required_privacy_features": config.required_privacy_features,
        "max_clock_skew_ms": config.max_clock_skew.as_millis(),
        "outbound_transport": config.outbound_transport.as_str(),
        "accept_plaintext": config.accept_plaintext,
        "check_self_connection": config.check_self_connection,
        "handshake_timeout_ms": config.handshake_timeout.as_millis(),
        "max_handshake_bytes": config.max_handshake_bytes,
        "ping_interval_ms": config.ping_interval.as_millis(),
        "pong_timeout_ms": config.pong_timeout.as_millis(),
        "inactivity_timeout_ms": config.inactivity_timeout.as_millis(),
        "close_linger_ms": config.close_linger.as_millis(),
        "max_payload_len": config.wire.max_payload_len,
        "unknown_commands": match config.wire.unknown_commands {
            UnknownCommandPolicy::Skip => "skip",
            UnknownCommandPolicy::Reject => "reject",
        },
        "max_queued_bytes": config.max_queued_bytes,
        "max_garbage_len": config.max_garbage_len,
        "rekey_interval_ms": config.rekey_interval.as_millis(),
        "rekey_after_bytes": u64s(config.rekey_after_bytes),
        "rekey_timeout_ms": config.rekey_timeout.as_millis(),
    });
    let Value::Object(mut map) = value else {
        unreachable!()
    };
    // A preset is named; anything else is spelled out field by field.
    match privacy_level(&config.shaping) {
        Some(level) => map.insert("privacy_level".into(), level.as_str().into()),
        None => map.insert("shaping".into(), shaping_to_json(&config.shaping)),
    };
    map
}

/// The preset `shaping` is, if it is one.
fn privacy_level(shaping: &ShapingConfig) -> Option<PrivacyLevel> {
    PrivacyLevel::ALL
        .into_iter()
        .find(|level| level.config() == *shaping)
}

fn optional_ms(duration: Option<Duration>) -> Value {
    duration.map_or(Value::Null, |d| d.as_millis().into())
}

/// Every field of a traffic-shaping configuration that is not a preset
/// (see `testvectors/README.md`, "Traffic shaping").
pub fn shaping_to_json(shaping: &ShapingConfig) -> Value {
    let padding = match shaping.padding {
        PaddingPolicy::None => json!("none"),
        PaddingPolicy::Buckets => json!("buckets"),
        PaddingPolicy::Random {
            min_contents,
            max_contents,
        } => json!({"random": {"min_contents": min_contents, "max_contents": max_contents}}),
    };
    json!({
        "padding": padding,
        "chaff_interval_ms": optional_ms(shaping.chaff_interval),
        "dummy_interval_ms": optional_ms(shaping.dummy_interval),
        "burst": shaping.burst.map(|b| json!({
            "min_messages": b.min_messages,
            "max_messages": b.max_messages,
        })),
        "jitter_ms": optional_ms(shaping.jitter),
        "constant_rate": shaping.constant_rate.map(|rate| json!({
            "interval_ms": rate.interval.as_millis(),
            "packet_size": rate.packet_size,
        })),
        "budget": budget_to_json(&shaping.budget),
        "prefer_disguised_carrier": shaping.prefer_disguised_carrier,
    })
}

/// The fields of `config` that differ from the default, in the order of
/// [`config_to_json`].
pub fn config_diff(config: &ConnectionConfig) -> Value {
    let defaults = config_to_json(&ConnectionConfig::default());
    Value::Object(
        config_to_json(config)
            .into_iter()
            .filter(|(key, value)| defaults.get(key) != Some(value))
            .collect(),
    )
}

/// A side's JSON (the inverse of `SideSpec::from_json`).
pub fn side_to_json(spec: &SideSpec) -> Value {
    json!({
        "role": if spec.outbound { "outbound" } else { "inbound" },
        "rng_seed": u64s(spec.rng_seed),
        "identity_secret": hex::encode(spec.identity_secret),
        "expected_peer_id": spec.expected_peer_id.map(hex::encode),
        "wall_clock": u64s(spec.wall_clock),
        "connection": config_diff(&spec.config),
    })
}

/// The vector's `config`: one entry per side; an absent side never opens.
pub fn sides_to_json(sides: &[Option<SideSpec>; 2]) -> Value {
    let mut map = Map::new();
    for (name, side) in SIDES.iter().zip(sides) {
        if let Some(side) = side {
            map.insert((*name).into(), side_to_json(side));
        }
    }
    Value::Object(map)
}

// ---------------------------------------------------------------------------
// Values derived from the seeds

/// The secrets a side draws from its seed, in the order the connection
/// draws them (see `testvectors/README.md`). `encrypted` says whether the
/// side runs the encrypted handshake (for `b`: whether its peer does).
pub fn derived(spec: &SideSpec, encrypted: bool) -> Value {
    let mut caller = ChaCha20Rng::seed_from_u64(spec.rng_seed);
    let mut seed = [0u8; 32];
    caller.fill_bytes(&mut seed);
    let mut rng = ChaCha20Rng::from_seed(seed);
    let local_nonce = rng.next_u64();
    let mut out = Map::new();
    out.insert(
        "peer_id".into(),
        hex::encode(spec.identity().peer_id().as_bytes()).into(),
    );
    out.insert("connection_seed".into(), hex::encode(seed).into());
    out.insert("local_nonce".into(), u64s(local_nonce));
    if encrypted {
        let draws = noise_draws(&mut rng, spec.config.max_garbage_len);
        out.insert(
            "noise_static_secret".into(),
            hex::encode(draws.static_secret).into(),
        );
        out.insert(
            "noise_static_public".into(),
            hex::encode(StaticKeypair::from_secret_bytes(draws.static_secret).public_key()).into(),
        );
        out.insert(
            "ephemeral_secret".into(),
            hex::encode(draws.ephemeral_secret).into(),
        );
        out.insert(
            "ephemeral_public".into(),
            hex::encode(Ephemeral::from_secret_bytes(draws.ephemeral_secret).wire_bytes()).into(),
        );
        out.insert("garbage_len".into(), draws.garbage.len().into());
    }
    Value::Object(out)
}

/// What the encrypted handshake draws, after the local nonce.
pub struct NoiseDraws {
    pub static_secret: [u8; 32],
    pub ephemeral_secret: [u8; 32],
    pub garbage: Vec<u8>,
}

/// Mirrors `Setup::initiator`/`Setup::responder`: static secret, ephemeral
/// secret (32 bytes each, as x25519's `random_from_rng`), then the garbage
/// length (`next_u64 % (max + 1)`) and its bytes.
pub fn noise_draws(rng: &mut ChaCha20Rng, max_garbage_len: usize) -> NoiseDraws {
    let mut static_secret = [0u8; 32];
    rng.fill_bytes(&mut static_secret);
    let mut ephemeral_secret = [0u8; 32];
    rng.fill_bytes(&mut ephemeral_secret);
    // The initiator redraws an ephemeral that looks like a plaintext
    // `version` frame (2^-96); no vector hits it.
    assert_ne!(
        &Ephemeral::from_secret_bytes(ephemeral_secret).wire_bytes()[4..16],
        b"version\0\0\0\0\0"
    );
    let len = (rng.next_u64() % (max_garbage_len as u64 + 1)) as usize;
    let mut garbage = vec![0u8; len];
    rng.fill_bytes(&mut garbage);
    NoiseDraws {
        static_secret,
        ephemeral_secret,
        garbage,
    }
}

/// The connection's own generator for `spec`, positioned after the local
/// nonce (as in `Connection::new`).
pub fn connection_rng(spec: &SideSpec) -> (ChaCha20Rng, u64) {
    let mut caller = ChaCha20Rng::seed_from_u64(spec.rng_seed);
    let mut seed = [0u8; 32];
    caller.fill_bytes(&mut seed);
    let mut rng = ChaCha20Rng::from_seed(seed);
    let nonce = rng.next_u64();
    (rng, nonce)
}

// ---------------------------------------------------------------------------
// Steps

/// A step's JSON (the inverse of `Step::from_json`).
pub fn step_to_json(step: &Step) -> Value {
    let mut out = Map::new();
    out.insert("at_ms".into(), step.at_ms.into());
    out.insert("side".into(), SIDES[step.side].into());
    let (op, fields) = match &step.op {
        Op::Open => ("open", json!({})),
        Op::Deliver(bytes) => ("deliver", json!({"bytes": hex::encode(bytes)})),
        Op::Timeout => ("timeout", json!({})),
        Op::Send(message) => ("send", json!({"message": message_to_json(message)})),
        Op::Close(reason) => ("close", json!({"reason": reason.as_str()})),
        Op::Eof => ("eof", json!({})),
        Op::NonceCheck { is_local } => ("nonce_check", json!({"is_local": is_local})),
    };
    out.insert("op".into(), op.into());
    if let Value::Object(fields) = fields {
        out.extend(fields);
    }
    Value::Object(out)
}
