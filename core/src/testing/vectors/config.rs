//! A session side's configuration from its JSON (`testvectors/README.md`,
//! "Session vectors"): the connection configuration as a diff from the
//! default, traffic shaping, seeds and identity.

use alloc::format;
use alloc::string::ToString;
use alloc::sync::Arc;

use serde_json::Value;

use super::read::{boolean, hex32, string, u16n, u32n, u64n, u64s, usize_n, Bad};
use crate::connection::{ConnectionConfig, LocalVersion, TransportKind};
use crate::identity::Identity;
use crate::shaping::{
    Budget, BurstConfig, ConstantRate, PaddingPolicy, PrivacyLevel, ShapingConfig,
};
use crate::time::Duration;
use crate::wire::UnknownCommandPolicy;

fn ms(value: &Value, what: &str) -> Result<Duration, Bad> {
    Ok(Duration::from_millis(u64n(value, what)?))
}

fn optional_ms(value: &Value, what: &str) -> Result<Option<Duration>, Bad> {
    match value {
        Value::Null => Ok(None),
        v => ms(v, what).map(Some),
    }
}

fn budget_from_json(value: &Value) -> Result<Budget, Bad> {
    Ok(Budget {
        max_overhead_percent: u16n(
            &value["max_overhead_percent"],
            "budget.max_overhead_percent",
        )?,
        max_added_latency: ms(
            &value["max_added_latency_ms"],
            "budget.max_added_latency_ms",
        )?,
        max_urgent_latency: ms(
            &value["max_urgent_latency_ms"],
            "budget.max_urgent_latency_ms",
        )?,
    })
}

const SHAPING_KEYS: [&str; 8] = [
    "padding",
    "chaff_interval_ms",
    "dummy_interval_ms",
    "burst",
    "jitter_ms",
    "constant_rate",
    "budget",
    "prefer_disguised_carrier",
];

/// A traffic-shaping configuration spelled out field by field (every
/// field required; a preset is named by `privacy_level` instead).
pub(super) fn shaping_from_json(value: &Value) -> Result<ShapingConfig, Bad> {
    let object = value.as_object().ok_or("shaping: expected an object")?;
    if let Some(key) = object.keys().find(|k| !SHAPING_KEYS.contains(&k.as_str())) {
        return Err(format!("shaping: unknown key {key:?}"));
    }
    if let Some(key) = SHAPING_KEYS.iter().find(|k| !object.contains_key(**k)) {
        return Err(format!("shaping.{key} is missing"));
    }
    let padding = match &value["padding"] {
        Value::String(name) if name == "none" => PaddingPolicy::None,
        Value::String(name) if name == "buckets" => PaddingPolicy::Buckets,
        Value::Object(random) if random.len() == 1 && random.contains_key("random") => {
            let range = &random["random"];
            PaddingPolicy::Random {
                min_contents: usize_n(&range["min_contents"], "min_contents")?,
                max_contents: usize_n(&range["max_contents"], "max_contents")?,
            }
        }
        other => return Err(format!("shaping.padding: unknown {other}")),
    };
    let burst = match &value["burst"] {
        Value::Null => None,
        b => Some(BurstConfig {
            min_messages: u16n(&b["min_messages"], "burst.min_messages")?,
            max_messages: u16n(&b["max_messages"], "burst.max_messages")?,
        }),
    };
    let constant_rate = match &value["constant_rate"] {
        Value::Null => None,
        rate => Some(ConstantRate {
            interval: ms(&rate["interval_ms"], "constant_rate.interval_ms")?,
            packet_size: usize_n(&rate["packet_size"], "constant_rate.packet_size")?,
        }),
    };
    let shaping = ShapingConfig {
        padding,
        chaff_interval: optional_ms(&value["chaff_interval_ms"], "shaping.chaff_interval_ms")?,
        dummy_interval: optional_ms(&value["dummy_interval_ms"], "shaping.dummy_interval_ms")?,
        burst,
        jitter: optional_ms(&value["jitter_ms"], "shaping.jitter_ms")?,
        constant_rate,
        budget: budget_from_json(&value["budget"])?,
        prefer_disguised_carrier: boolean(
            &value["prefer_disguised_carrier"],
            "shaping.prefer_disguised_carrier",
        )?,
    };
    if PrivacyLevel::ALL
        .iter()
        .any(|level| level.config() == shaping)
    {
        return Err("shaping: a preset is named by privacy_level, not spelled out".to_string());
    }
    Ok(shaping)
}

/// The default configuration with the fields of `diff` replaced; unknown
/// keys are refused.
pub(super) fn config_from_json(diff: &Value) -> Result<ConnectionConfig, Bad> {
    let mut config = ConnectionConfig::default();
    let diff = diff.as_object().ok_or("connection: expected an object")?;
    for (key, v) in diff {
        let key = key.as_str();
        let local: &mut LocalVersion = &mut config.local;
        match key {
            "protocol_version" => local.protocol_version = u32n(v, key)?,
            "features" => local.features = u32n(v, key)?,
            "privacy_features" => local.privacy_features = u32n(v, key)?,
            "user_agent" => local.user_agent = string(v, key)?.to_string(),
            "best_block_hash" => local.best_block_hash = hex32(v, key)?,
            "best_block_height" => local.best_block_height = u64s(v, key)?,
            "min_protocol_version" => config.min_protocol_version = u32n(v, key)?,
            "required_features" => config.required_features = u32n(v, key)?,
            "required_privacy_features" => config.required_privacy_features = u32n(v, key)?,
            "max_clock_skew_ms" => config.max_clock_skew = ms(v, key)?,
            "outbound_transport" => {
                config.outbound_transport = match v.as_str() {
                    Some("encrypted") => TransportKind::Encrypted,
                    Some("plaintext") => TransportKind::Plaintext,
                    other => return Err(format!("outbound_transport: unknown {other:?}")),
                }
            }
            "accept_plaintext" => config.accept_plaintext = boolean(v, key)?,
            "check_self_connection" => config.check_self_connection = boolean(v, key)?,
            "handshake_timeout_ms" => config.handshake_timeout = ms(v, key)?,
            "max_handshake_bytes" => config.max_handshake_bytes = usize_n(v, key)?,
            "ping_interval_ms" => config.ping_interval = ms(v, key)?,
            "pong_timeout_ms" => config.pong_timeout = ms(v, key)?,
            "inactivity_timeout_ms" => config.inactivity_timeout = ms(v, key)?,
            "close_linger_ms" => config.close_linger = ms(v, key)?,
            "max_payload_len" => config.wire.max_payload_len = u32n(v, key)?,
            "unknown_commands" => {
                config.wire.unknown_commands = match v.as_str() {
                    Some("skip") => UnknownCommandPolicy::Skip,
                    Some("reject") => UnknownCommandPolicy::Reject,
                    other => return Err(format!("unknown_commands: unknown policy {other:?}")),
                }
            }
            "max_queued_bytes" => config.max_queued_bytes = usize_n(v, key)?,
            "max_garbage_len" => config.max_garbage_len = usize_n(v, key)?,
            "rekey_interval_ms" => config.rekey_interval = ms(v, key)?,
            "rekey_after_bytes" => config.rekey_after_bytes = u64s(v, key)?,
            "rekey_timeout_ms" => config.rekey_timeout = ms(v, key)?,
            "privacy_level" => {
                let name = string(v, key)?;
                let level: PrivacyLevel = name
                    .parse()
                    .map_err(|()| format!("privacy_level: unknown {name:?}"))?;
                config.shaping = level.config();
            }
            "shaping" => config.shaping = shaping_from_json(v)?,
            other => return Err(format!("connection: unknown key {other:?}")),
        }
    }
    Ok(config)
}

/// Everything one side of a session is made from.
///
/// ```
/// use veil_core::testing::vectors::SideSpec;
/// let spec = SideSpec::from_json(&serde_json::json!({
///     "role": "outbound", "rng_seed": "1", "identity_secret": "11".repeat(32),
///     "expected_peer_id": null, "wall_clock": "1700000000", "connection": {},
/// })).unwrap();
/// assert!(spec.outbound);
/// ```
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
    /// The connection's configuration.
    pub config: ConnectionConfig,
}

impl SideSpec {
    /// Reads a side from its JSON.
    ///
    /// See [`SideSpec`] for an example.
    pub fn from_json(value: &Value) -> Result<SideSpec, Bad> {
        let outbound = match value["role"].as_str() {
            Some("outbound") => true,
            Some("inbound") => false,
            other => return Err(format!("role: unknown {other:?}")),
        };
        Ok(SideSpec {
            outbound,
            rng_seed: u64s(&value["rng_seed"], "rng_seed")?,
            identity_secret: hex32(&value["identity_secret"], "identity_secret")?,
            expected_peer_id: match &value["expected_peer_id"] {
                Value::Null => None,
                v => Some(hex32(v, "expected_peer_id")?),
            },
            wall_clock: u64s(&value["wall_clock"], "wall_clock")?,
            config: config_from_json(&value["connection"])?,
        })
    }

    /// The side's identity.
    ///
    /// ```
    /// # use veil_core::testing::vectors::SideSpec;
    /// # let spec = SideSpec::from_json(&serde_json::json!({"role": "inbound", "rng_seed": "1",
    /// #     "identity_secret": "11".repeat(32), "expected_peer_id": null, "wall_clock": "0", "connection": {}})).unwrap();
    /// let id = spec.identity().peer_id();
    /// ```
    #[must_use]
    pub fn identity(&self) -> Identity {
        Identity::from_secret_bytes(self.identity_secret)
    }

    pub(super) fn shared_config(&self) -> Arc<ConnectionConfig> {
        Arc::new(self.config.clone())
    }
}

/// A budget as in `privacy_budget`, latencies in milliseconds.
///
/// ```
/// let json = veil_core::testing::vectors::budget_to_json(&veil_core::shaping::Budget::NONE);
/// assert!(json["max_added_latency_ms"].is_u64());
/// ```
#[must_use]
pub fn budget_to_json(budget: &Budget) -> Value {
    serde_json::json!({
        "max_overhead_percent": budget.max_overhead_percent,
        "max_added_latency_ms": budget.max_added_latency.as_millis(),
        "max_urgent_latency_ms": budget.max_urgent_latency.as_millis(),
    })
}
