//! Session transcripts (`testvectors/v1/sessions.json`): two connections,
//! `a` (outbound) and `b` (inbound), driven by an explicit script of steps.
//! Each step acts on one side at one time; everything that side then
//! outputs (transmitted bytes, events, a changed deadline) is recorded.
//!
//! The same [`Session::perform`] runs when generating and when replaying, so
//! a vector replays exactly what was generated.

use std::sync::Arc;

use bytes::Bytes;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use serde_json::{json, Map, Value};
use veil_core::connection::{
    Connection, ConnectionConfig, Event, LocalVersion, TimeoutReason, TransportKind,
};
use veil_core::identity::{Identity, PeerId};
use veil_core::message::{
    AddrEntry, BlockLocator, Disconnect, DisconnectReason, InvItem, InvKind, Message, MessageKind,
    NetAddress, Ping, Pong, Version,
};
use veil_core::noise::{Ephemeral, StaticKeypair};
use veil_core::shaping::{
    feature, Budget, BurstConfig, ConstantRate, PaddingPolicy, PrivacyLevel, ShapingConfig,
};
use veil_core::wire::UnknownCommandPolicy;
use veil_core::{Duration, Instant, UnixTime};

use super::json::message_to_json;

/// The two sides' names, by index: 0 is `a`, 1 is `b`.
pub const SIDES: [&str; 2] = ["a", "b"];

/// The index of side `name`.
pub fn side_index(name: &str) -> usize {
    SIDES
        .iter()
        .position(|s| *s == name)
        .unwrap_or_else(|| panic!("unknown side {name:?}"))
}

fn u64s(value: u64) -> Value {
    Value::String(value.to_string())
}

fn parse_u64s(value: &Value, what: &str) -> u64 {
    value
        .as_str()
        .unwrap_or_else(|| panic!("{what}: expected a decimal string"))
        .parse()
        .unwrap_or_else(|_| panic!("{what}: not a u64"))
}

fn parse_u32(value: &Value, what: &str) -> u32 {
    value
        .as_u64()
        .and_then(|v| u32::try_from(v).ok())
        .unwrap_or_else(|| panic!("{what}: expected a u32"))
}

fn parse_hex(value: &Value, what: &str) -> Vec<u8> {
    hex::decode(
        value
            .as_str()
            .unwrap_or_else(|| panic!("{what}: expected hex")),
    )
    .unwrap_or_else(|_| panic!("{what}: invalid hex"))
}

fn parse_hex32(value: &Value, what: &str) -> [u8; 32] {
    parse_hex(value, what)
        .try_into()
        .unwrap_or_else(|_| panic!("{what}: expected 32 bytes"))
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

/// A budget as in `privacy_budget`, latencies in milliseconds.
pub fn budget_to_json(budget: &Budget) -> Value {
    json!({
        "max_overhead_percent": budget.max_overhead_percent,
        "max_added_latency_ms": budget.max_added_latency.as_millis(),
        "max_urgent_latency_ms": budget.max_urgent_latency.as_millis(),
    })
}

fn budget_from_json(value: &Value) -> Budget {
    let ms = |key: &str| {
        Duration::from_millis(
            value[key]
                .as_u64()
                .unwrap_or_else(|| panic!("budget.{key}: expected ms")),
        )
    };
    Budget {
        max_overhead_percent: u16::try_from(parse_u32(
            &value["max_overhead_percent"],
            "budget.max_overhead_percent",
        ))
        .expect("budget.max_overhead_percent is a u16"),
        max_added_latency: ms("max_added_latency_ms"),
        max_urgent_latency: ms("max_urgent_latency_ms"),
    }
}

/// The inverse of [`shaping_to_json`]; every field is required.
pub fn shaping_from_json(value: &Value) -> ShapingConfig {
    let object = value.as_object().expect("shaping is an object");
    const KEYS: [&str; 8] = [
        "padding",
        "chaff_interval_ms",
        "dummy_interval_ms",
        "burst",
        "jitter_ms",
        "constant_rate",
        "budget",
        "prefer_disguised_carrier",
    ];
    for key in object.keys() {
        assert!(KEYS.contains(&key.as_str()), "unknown shaping key {key:?}");
    }
    for key in KEYS {
        assert!(object.contains_key(key), "shaping.{key} is missing");
    }
    let optional_ms = |key: &str| match &value[key] {
        Value::Null => None,
        v => {
            Some(Duration::from_millis(v.as_u64().unwrap_or_else(|| {
                panic!("shaping.{key}: expected ms or null")
            })))
        }
    };
    let u16_of = |v: &Value, what: &str| u16::try_from(parse_u32(v, what)).expect(what);
    let padding = match &value["padding"] {
        Value::String(name) if name == "none" => PaddingPolicy::None,
        Value::String(name) if name == "buckets" => PaddingPolicy::Buckets,
        Value::Object(random) if random.len() == 1 && random.contains_key("random") => {
            let range = &random["random"];
            PaddingPolicy::Random {
                min_contents: parse_u32(&range["min_contents"], "min_contents") as usize,
                max_contents: parse_u32(&range["max_contents"], "max_contents") as usize,
            }
        }
        other => panic!("shaping.padding: unknown {other}"),
    };
    let shaping = ShapingConfig {
        padding,
        chaff_interval: optional_ms("chaff_interval_ms"),
        dummy_interval: optional_ms("dummy_interval_ms"),
        burst: match &value["burst"] {
            Value::Null => None,
            b => Some(BurstConfig {
                min_messages: u16_of(&b["min_messages"], "burst.min_messages"),
                max_messages: u16_of(&b["max_messages"], "burst.max_messages"),
            }),
        },
        jitter: optional_ms("jitter_ms"),
        constant_rate: match &value["constant_rate"] {
            Value::Null => None,
            rate => Some(ConstantRate {
                interval: Duration::from_millis(
                    rate["interval_ms"]
                        .as_u64()
                        .expect("constant_rate.interval_ms"),
                ),
                packet_size: parse_u32(&rate["packet_size"], "constant_rate.packet_size") as usize,
            }),
        },
        budget: budget_from_json(&value["budget"]),
        prefer_disguised_carrier: value["prefer_disguised_carrier"]
            .as_bool()
            .expect("shaping.prefer_disguised_carrier"),
    };
    assert!(
        privacy_level(&shaping).is_none(),
        "a preset is named by privacy_level, not spelled out"
    );
    shaping
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

/// The configuration described by `diff`: the default with the given
/// fields replaced. Unknown keys are refused.
pub fn config_from_json(diff: &Value) -> ConnectionConfig {
    let mut config = ConnectionConfig::default();
    let diff = diff.as_object().expect("connection config is an object");
    let ms = |v: &Value, key: &str| {
        Duration::from_millis(v.as_u64().unwrap_or_else(|| panic!("{key}: expected ms")))
    };
    let usize_of = |v: &Value, key: &str| {
        usize::try_from(
            v.as_u64()
                .unwrap_or_else(|| panic!("{key}: expected a number")),
        )
        .unwrap()
    };
    for (key, v) in diff {
        let local: &mut LocalVersion = &mut config.local;
        match key.as_str() {
            "protocol_version" => local.protocol_version = parse_u32(v, key),
            "features" => local.features = parse_u32(v, key),
            "privacy_features" => local.privacy_features = parse_u32(v, key),
            "user_agent" => local.user_agent = v.as_str().expect("user_agent").to_string(),
            "best_block_hash" => local.best_block_hash = parse_hex32(v, key),
            "best_block_height" => local.best_block_height = parse_u64s(v, key),
            "min_protocol_version" => config.min_protocol_version = parse_u32(v, key),
            "required_features" => config.required_features = parse_u32(v, key),
            "required_privacy_features" => config.required_privacy_features = parse_u32(v, key),
            "max_clock_skew_ms" => config.max_clock_skew = ms(v, key),
            "outbound_transport" => {
                config.outbound_transport = match v.as_str() {
                    Some("encrypted") => TransportKind::Encrypted,
                    Some("plaintext") => TransportKind::Plaintext,
                    other => panic!("outbound_transport: unknown {other:?}"),
                }
            }
            "accept_plaintext" => config.accept_plaintext = v.as_bool().expect(key),
            "check_self_connection" => config.check_self_connection = v.as_bool().expect(key),
            "handshake_timeout_ms" => config.handshake_timeout = ms(v, key),
            "max_handshake_bytes" => config.max_handshake_bytes = usize_of(v, key),
            "ping_interval_ms" => config.ping_interval = ms(v, key),
            "pong_timeout_ms" => config.pong_timeout = ms(v, key),
            "inactivity_timeout_ms" => config.inactivity_timeout = ms(v, key),
            "close_linger_ms" => config.close_linger = ms(v, key),
            "max_payload_len" => config.wire.max_payload_len = parse_u32(v, key),
            "unknown_commands" => {
                config.wire.unknown_commands = match v.as_str() {
                    Some("skip") => UnknownCommandPolicy::Skip,
                    Some("reject") => UnknownCommandPolicy::Reject,
                    other => panic!("unknown_commands: unknown policy {other:?}"),
                }
            }
            "max_queued_bytes" => config.max_queued_bytes = usize_of(v, key),
            "max_garbage_len" => config.max_garbage_len = usize_of(v, key),
            "rekey_interval_ms" => config.rekey_interval = ms(v, key),
            "rekey_after_bytes" => config.rekey_after_bytes = parse_u64s(v, key),
            "rekey_timeout_ms" => config.rekey_timeout = ms(v, key),
            "privacy_level" => {
                let name = v.as_str().expect("privacy_level is a string");
                let level: PrivacyLevel = name
                    .parse()
                    .unwrap_or_else(|()| panic!("privacy_level: unknown {name:?}"));
                config.shaping = level.config();
            }
            "shaping" => config.shaping = shaping_from_json(v),
            other => panic!("unknown connection config key {other:?}"),
        }
    }
    config
}

/// Everything one side of a session is made from.
#[derive(Clone, Debug)]
pub struct SideSpec {
    /// `a` dials (outbound), `b` answers (inbound).
    pub outbound: bool,
    /// The caller's generator is `ChaCha20Rng::seed_from_u64(rng_seed)`.
    pub rng_seed: u64,
    /// The Ed25519 identity secret.
    pub identity_secret: [u8; 32],
    /// The peer id this side expects (pins the peer).
    pub expected_peer_id: Option<[u8; 32]>,
    /// Unix seconds at `at_ms` 0.
    pub wall_clock: u64,
    pub config: ConnectionConfig,
}

impl SideSpec {
    pub fn to_json(&self) -> Value {
        json!({
            "role": if self.outbound { "outbound" } else { "inbound" },
            "rng_seed": u64s(self.rng_seed),
            "identity_secret": hex::encode(self.identity_secret),
            "expected_peer_id": self.expected_peer_id.map(hex::encode),
            "wall_clock": u64s(self.wall_clock),
            "connection": config_diff(&self.config),
        })
    }

    pub fn from_json(value: &Value) -> SideSpec {
        let outbound = match value["role"].as_str() {
            Some("outbound") => true,
            Some("inbound") => false,
            other => panic!("role: unknown {other:?}"),
        };
        SideSpec {
            outbound,
            rng_seed: parse_u64s(&value["rng_seed"], "rng_seed"),
            identity_secret: parse_hex32(&value["identity_secret"], "identity_secret"),
            expected_peer_id: match &value["expected_peer_id"] {
                Value::Null => None,
                v => Some(parse_hex32(v, "expected_peer_id")),
            },
            wall_clock: parse_u64s(&value["wall_clock"], "wall_clock"),
            config: config_from_json(&value["connection"]),
        }
    }

    pub fn identity(&self) -> Identity {
        Identity::from_secret_bytes(self.identity_secret)
    }
}

/// The vector's `config`: one entry per side; an absent side never opens.
pub fn sides_to_json(sides: &[Option<SideSpec>; 2]) -> Value {
    let mut map = Map::new();
    for (name, side) in SIDES.iter().zip(sides) {
        if let Some(side) = side {
            map.insert((*name).into(), side.to_json());
        }
    }
    Value::Object(map)
}

pub fn sides_from_json(config: &Value) -> [Option<SideSpec>; 2] {
    let object = config.as_object().expect("config is an object");
    for key in object.keys() {
        side_index(key);
    }
    [
        object.get("a").map(SideSpec::from_json),
        object.get("b").map(SideSpec::from_json),
    ]
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
// Messages from their JSON view (the inverse of `message_to_json`)

fn list<'a>(value: &'a Value, key: &str) -> &'a Vec<Value> {
    value[key]
        .as_array()
        .unwrap_or_else(|| panic!("{key}: expected a list"))
}

fn inv_items(value: &Value) -> Vec<InvItem> {
    list(value, "items")
        .iter()
        .map(|item| InvItem {
            kind: InvKind::from_u32(parse_u32(&item["kind"], "kind")),
            hash: parse_hex32(&item["hash"], "hash"),
        })
        .collect()
}

fn locator(value: &Value) -> BlockLocator {
    BlockLocator {
        version: parse_u32(&value["version"], "version"),
        hashes: list(value, "hashes")
            .iter()
            .map(|h| parse_hex32(h, "hash"))
            .collect(),
        stop: parse_hex32(&value["stop"], "stop"),
    }
}

/// The message whose JSON view is `value` (see `testvectors/README.md`).
pub fn message_from_json(value: &Value) -> Message {
    let kind = value["type"]
        .as_str()
        .and_then(MessageKind::from_name)
        .unwrap_or_else(|| panic!("unknown message type {}", value["type"]));
    match kind {
        MessageKind::Version => Message::Version(Version {
            protocol_version: parse_u32(&value["protocol_version"], "protocol_version"),
            timestamp: UnixTime::from_secs(parse_u64s(&value["timestamp"], "timestamp")),
            features: parse_u32(&value["features"], "features"),
            privacy_features: parse_u32(&value["privacy_features"], "privacy_features"),
            user_agent: value["user_agent"]
                .as_str()
                .expect("user_agent")
                .to_string(),
            best_block_hash: parse_hex32(&value["best_block_hash"], "best_block_hash"),
            best_block_height: parse_u64s(&value["best_block_height"], "best_block_height"),
            nonce: parse_u64s(&value["nonce"], "nonce"),
        }),
        MessageKind::Verack => Message::Verack,
        MessageKind::Ping => Message::Ping(Ping {
            nonce: parse_u64s(&value["nonce"], "nonce"),
        }),
        MessageKind::Pong => Message::Pong(Pong {
            nonce: parse_u64s(&value["nonce"], "nonce"),
        }),
        MessageKind::Addr => Message::Addr(
            list(value, "entries")
                .iter()
                .map(|entry| AddrEntry {
                    time: UnixTime::from_secs(parse_u64s(&entry["time"], "time")),
                    features: parse_u32(&entry["features"], "features"),
                    address: NetAddress::from_parts(
                        u8::try_from(parse_u32(&entry["network"], "network")).unwrap(),
                        &parse_hex(&entry["address"], "address"),
                    )
                    .expect("valid address"),
                    port: u16::try_from(parse_u32(&entry["port"], "port")).unwrap(),
                })
                .collect(),
        ),
        MessageKind::GetAddr => Message::GetAddr,
        MessageKind::Block => Message::Block(Bytes::from(parse_hex(&value["body"], "body"))),
        MessageKind::GetBlocks => Message::GetBlocks(locator(value)),
        MessageKind::Headers => Message::Headers(
            list(value, "headers")
                .iter()
                .map(|h| Bytes::from(parse_hex(h, "header")))
                .collect(),
        ),
        MessageKind::GetHeaders => Message::GetHeaders(locator(value)),
        MessageKind::Inv => Message::Inv(inv_items(value)),
        MessageKind::Tx => Message::Tx(Bytes::from(parse_hex(&value["body"], "body"))),
        MessageKind::StemTx => Message::StemTx(Bytes::from(parse_hex(&value["body"], "body"))),
        MessageKind::Mempool => Message::Mempool,
        MessageKind::GetData => Message::GetData(inv_items(value)),
        MessageKind::NotFound => Message::NotFound(inv_items(value)),
        MessageKind::Disconnect => Message::Disconnect(Disconnect {
            reason: DisconnectReason::from_u16(
                u16::try_from(parse_u32(&value["reason"], "reason")).unwrap(),
            ),
            text: value["text"].as_str().expect("text").to_string(),
        }),
    }
}

// ---------------------------------------------------------------------------
// Steps

/// What one step does to its side.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    /// Create the side's connection (`Connection::outbound`/`inbound`).
    Open,
    /// Bytes arrive from the peer, as one read (`handle_input`).
    Deliver(Vec<u8>),
    /// `handle_timeout`.
    Timeout,
    /// `send`.
    Send(Message),
    /// `close` with a reason.
    Close(DisconnectReason),
    /// The byte stream ended (`handle_eof`).
    Eof,
    /// `resolve_nonce_check`.
    NonceCheck { is_local: bool },
}

/// One step of a script.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub at_ms: u64,
    pub side: usize,
    pub op: Op,
}

fn disconnect_reason_named(name: &str) -> DisconnectReason {
    (1..=u16::MAX)
        .map(DisconnectReason::from_u16)
        .take_while(|r| !matches!(r, DisconnectReason::Other(_)))
        .find(|r| r.as_str() == name)
        .unwrap_or_else(|| panic!("unknown disconnect reason {name:?}"))
}

impl Step {
    pub fn to_json(&self) -> Value {
        let mut step = Map::new();
        step.insert("at_ms".into(), self.at_ms.into());
        step.insert("side".into(), SIDES[self.side].into());
        let (op, fields) = match &self.op {
            Op::Open => ("open", json!({})),
            Op::Deliver(bytes) => ("deliver", json!({"bytes": hex::encode(bytes)})),
            Op::Timeout => ("timeout", json!({})),
            Op::Send(message) => ("send", json!({"message": message_to_json(message)})),
            Op::Close(reason) => ("close", json!({"reason": reason.as_str()})),
            Op::Eof => ("eof", json!({})),
            Op::NonceCheck { is_local } => ("nonce_check", json!({"is_local": is_local})),
        };
        step.insert("op".into(), op.into());
        if let Value::Object(fields) = fields {
            step.extend(fields);
        }
        Value::Object(step)
    }

    pub fn from_json(value: &Value) -> Step {
        let at_ms = value["at_ms"].as_u64().expect("at_ms");
        let side = side_index(value["side"].as_str().expect("side"));
        let op = match value["op"].as_str().expect("op") {
            "open" => Op::Open,
            "deliver" => Op::Deliver(parse_hex(&value["bytes"], "bytes")),
            "timeout" => Op::Timeout,
            "send" => Op::Send(message_from_json(&value["message"])),
            "close" => Op::Close(disconnect_reason_named(
                value["reason"].as_str().expect("reason"),
            )),
            "eof" => Op::Eof,
            "nonce_check" => Op::NonceCheck {
                is_local: value["is_local"].as_bool().expect("is_local"),
            },
            other => panic!("unknown op {other:?}"),
        };
        Step { at_ms, side, op }
    }
}

// ---------------------------------------------------------------------------
// Outputs

fn with_fields(head: Value, fields: Value) -> Value {
    let (Value::Object(mut head), Value::Object(fields)) = (head, fields) else {
        unreachable!("both are objects")
    };
    head.extend(fields);
    Value::Object(head)
}

/// The JSON view of an event (without the output's common fields).
/// `local_shaping_bits`: the traffic-shaping bits this side announced.
pub fn event_to_json(event: &Event, local_shaping_bits: u32) -> Value {
    match event {
        Event::CheckNonce { remote_nonce } => {
            json!({"event": "check_nonce", "remote_nonce": u64s(*remote_nonce)})
        }
        Event::HandshakeComplete(info) => {
            let mut value = json!({
                "event": "handshake_complete",
                "peer_id": info.peer_id.map(|p| hex::encode(p.as_bytes())),
                "transport": info.transport.as_str(),
                "features": info.features,
                "privacy_features": info.privacy_features,
                "local_nonce": u64s(info.local_nonce),
                "remote": message_to_json(&Message::Version(info.remote.clone())),
            });
            // Only where either side announced a shaping bit, so that the
            // vectors without shaping keep their bytes.
            if (local_shaping_bits | info.remote.privacy_features) & feature::ALL != 0 {
                value["shaping"] = json!({
                    "features": info.shaping.features,
                    "budget": budget_to_json(&info.shaping.budget),
                });
            }
            value
        }
        Event::Message(message) => {
            let mut payload = Vec::new();
            message
                .encode_payload(&mut payload)
                .expect("a received message encodes");
            json!({
                "event": "message",
                "kind": message.kind().name(),
                "payload": hex::encode(payload),
                "message": message_to_json(message),
            })
        }
        Event::Pong { rtt } => json!({"event": "pong", "rtt_ms": rtt.as_millis()}),
        Event::Rekeyed { generation } => json!({"event": "rekeyed", "generation": generation}),
        Event::Closed {
            reason,
            unsent_bytes,
        } => json!({
            "event": "closed",
            "reason": reason.name(),
            "text": reason.to_string(),
            "consequence": reason.consequence().as_str(),
            "unsent_bytes": unsent_bytes,
        }),
        other => panic!("no JSON view for event {other:?}"),
    }
}

type Deadline = Option<(Instant, TimeoutReason)>;

/// Two connections and the outputs they produce, step by step.
pub struct Session {
    specs: [Option<SideSpec>; 2],
    connections: [Option<Connection>; 2],
    /// The deadline last reported per side (`None`: none reported yet).
    deadlines: [Option<Deadline>; 2],
    last_at_ms: u64,
    buf: Vec<u8>,
}

impl Session {
    pub fn new(specs: [Option<SideSpec>; 2]) -> Session {
        Session {
            specs,
            connections: [None, None],
            deadlines: [None, None],
            last_at_ms: 0,
            buf: vec![0u8; 64 * 1024],
        }
    }

    pub fn connection(&self, side: usize) -> Option<&Connection> {
        self.connections[side].as_ref()
    }

    pub fn spec(&self, side: usize) -> Option<&SideSpec> {
        self.specs[side].as_ref()
    }

    /// Performs step number `index` and returns its outputs.
    pub fn perform(&mut self, index: usize, step: &Step) -> Vec<Value> {
        assert!(step.at_ms >= self.last_at_ms, "at_ms goes backwards");
        self.last_at_ms = step.at_ms;
        let now = Instant::from_millis(step.at_ms);
        let side = step.side;
        let head = || json!({"at_ms": step.at_ms, "step": index, "side": SIDES[side]});
        let mut outputs = Vec::new();
        if step.op == Op::Open {
            assert!(self.connections[side].is_none(), "side opened twice");
            let spec = self.specs[side]
                .as_ref()
                .unwrap_or_else(|| panic!("side {} has no config", SIDES[side]));
            let mut rng = ChaCha20Rng::seed_from_u64(spec.rng_seed);
            let identity = spec.identity();
            let expected = spec
                .expected_peer_id
                .map(|bytes| PeerId::from_bytes(bytes).expect("valid expected peer id"));
            let wall = UnixTime::from_secs(spec.wall_clock + step.at_ms / 1000);
            let config = Arc::new(spec.config.clone());
            let connection = if spec.outbound {
                Connection::outbound(config, &identity, expected, now, wall, &mut rng)
            } else {
                Connection::inbound(config, &identity, expected, now, wall, &mut rng)
            };
            self.connections[side] = Some(connection.expect("valid configuration"));
        }
        let connection = self.connections[side]
            .as_mut()
            .unwrap_or_else(|| panic!("side {} acts before it opened", SIDES[side]));
        match &step.op {
            Op::Open => {}
            Op::Deliver(bytes) => connection.handle_input(now, bytes),
            Op::Timeout => connection.handle_timeout(now),
            Op::Send(message) => {
                if let Err(error) = connection.send(now, message.clone()) {
                    outputs.push(with_fields(
                        head(),
                        json!({"output": "send_error", "error": error.to_string()}),
                    ));
                }
            }
            Op::Close(reason) => connection.close(now, *reason),
            Op::Eof => connection.handle_eof(now),
            Op::NonceCheck { is_local } => connection.resolve_nonce_check(now, *is_local),
        }
        let mut sent = Vec::new();
        loop {
            let n = connection.poll_transmit(&mut self.buf);
            if n == 0 {
                break;
            }
            sent.extend_from_slice(&self.buf[..n]);
        }
        if !sent.is_empty() {
            outputs.push(with_fields(
                head(),
                json!({"output": "transmit", "bytes": hex::encode(&sent)}),
            ));
        }
        let shaping_bits = self.specs[side].as_ref().map_or(0, |spec| {
            spec.config.announced_privacy_features() & feature::ALL
        });
        while let Some(event) = connection.poll_event() {
            outputs.push(with_fields(
                with_fields(head(), json!({"output": "event"})),
                event_to_json(&event, shaping_bits),
            ));
        }
        let deadline = connection.poll_timeout();
        if self.deadlines[side] != Some(deadline) {
            self.deadlines[side] = Some(deadline);
            outputs.push(with_fields(
                head(),
                json!({
                    "output": "timer",
                    "deadline_ms": deadline.map(|(at, _)| at.as_millis()),
                    "reason": deadline.map(|(_, reason)| reason.as_str()),
                }),
            ));
        }
        outputs
    }
}

/// Replays a vector: performs its steps and returns every output.
pub fn replay(vector: &Value) -> Vec<Value> {
    let mut session = Session::new(sides_from_json(&vector["config"]));
    vector["steps"]
        .as_array()
        .expect("steps is an array")
        .iter()
        .enumerate()
        .flat_map(|(index, step)| session.perform(index, &Step::from_json(step)))
        .collect()
}
