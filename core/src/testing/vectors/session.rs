//! Replaying `session` vectors: two connections (`a` dials, `b` answers)
//! driven by a script of steps; everything each side outputs is recorded
//! in the vector format. The same [`Session::perform`] generates vectors
//! (in the tests) and replays them (here and in `veil replay`).

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;

use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use serde_json::{json, Value};

use super::config::{budget_to_json, SideSpec};
use super::message::{message_from_json, message_to_json};
use super::read::{boolean, hex, list, string, to_hex, u64n, Bad};
use crate::connection::{Connection, Event, TimeoutReason};
use crate::identity::PeerId;
use crate::message::{DisconnectReason, Message};
use crate::shaping::feature;
use crate::time::{Instant, UnixTime};

/// The two sides' names, by index: 0 is `a`, 1 is `b`.
///
/// ```
/// assert_eq!(veil_core::testing::vectors::SIDES, ["a", "b"]);
/// ```
pub const SIDES: [&str; 2] = ["a", "b"];

/// The index of side `name`.
///
/// ```
/// assert_eq!(veil_core::testing::vectors::side_index("b"), Ok(1));
/// ```
pub fn side_index(name: &str) -> Result<usize, String> {
    SIDES
        .iter()
        .position(|s| *s == name)
        .ok_or_else(|| format!("unknown side {name:?}"))
}

/// The vector's `config`: one entry per side; an absent side never opens.
///
/// ```
/// let sides = veil_core::testing::vectors::sides_from_json(&serde_json::json!({})).unwrap();
/// assert!(sides[0].is_none() && sides[1].is_none());
/// ```
pub fn sides_from_json(config: &Value) -> Result<[Option<SideSpec>; 2], String> {
    let object = config.as_object().ok_or("config: expected an object")?;
    for key in object.keys() {
        side_index(key)?;
    }
    let side = |name: &str| {
        object
            .get(name)
            .map(|v| SideSpec::from_json(v).map_err(|e| format!("config.{name}.{e}")))
            .transpose()
    };
    Ok([side("a")?, side("b")?])
}

/// What one step does to its side.
///
/// ```
/// use veil_core::testing::vectors::Op;
/// assert_ne!(Op::Open, Op::Eof);
/// ```
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
    NonceCheck {
        /// Whether the nonce is one of ours.
        is_local: bool,
    },
}

/// One step of a script.
///
/// ```
/// use veil_core::testing::vectors::{Op, Step};
/// let step = Step::from_json(&serde_json::json!({"at_ms": 5, "side": "a", "op": "open"})).unwrap();
/// assert_eq!(step, Step { at_ms: 5, side: 0, op: Op::Open });
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// Milliseconds on the virtual clock.
    pub at_ms: u64,
    /// 0 for `a`, 1 for `b`.
    pub side: usize,
    /// What happens.
    pub op: Op,
}

fn disconnect_reason_named(name: &str) -> Result<DisconnectReason, String> {
    (1..=u16::MAX)
        .map(DisconnectReason::from_u16)
        .take_while(|r| !matches!(r, DisconnectReason::Other(_)))
        .find(|r| r.as_str() == name)
        .ok_or_else(|| format!("reason: unknown disconnect reason {name:?}"))
}

impl Step {
    /// Reads a step from its JSON.
    ///
    /// See [`Step`] for an example.
    pub fn from_json(value: &Value) -> Result<Step, Bad> {
        let at_ms = u64n(&value["at_ms"], "at_ms")?;
        let side = side_index(string(&value["side"], "side")?)?;
        let op = match string(&value["op"], "op")? {
            "open" => Op::Open,
            "deliver" => Op::Deliver(hex(&value["bytes"], "bytes")?),
            "timeout" => Op::Timeout,
            "send" => {
                Op::Send(message_from_json(&value["message"]).map_err(|e| format!("message.{e}"))?)
            }
            "close" => Op::Close(disconnect_reason_named(string(
                &value["reason"],
                "reason",
            )?)?),
            "eof" => Op::Eof,
            "nonce_check" => Op::NonceCheck {
                is_local: boolean(&value["is_local"], "is_local")?,
            },
            other => return Err(format!("op: unknown {other:?}")),
        };
        Ok(Step { at_ms, side, op })
    }
}

fn with_fields(head: Value, fields: Value) -> Value {
    match (head, fields) {
        (Value::Object(mut head), Value::Object(fields)) => {
            head.extend(fields);
            Value::Object(head)
        }
        (head, _) => head,
    }
}

fn dec(value: u64) -> Value {
    Value::String(value.to_string())
}

/// The JSON view of an event (without the output's common fields);
/// `local_shaping_bits` are the traffic-shaping bits this side announced.
///
/// ```
/// use veil_core::connection::Event;
/// let json = veil_core::testing::vectors::event_to_json(&Event::Rekeyed { generation: 2 }, 0);
/// assert_eq!(json["event"], "rekeyed");
/// ```
#[must_use]
pub fn event_to_json(event: &Event, local_shaping_bits: u32) -> Value {
    match event {
        Event::CheckNonce { remote_nonce } => {
            json!({"event": "check_nonce", "remote_nonce": dec(*remote_nonce)})
        }
        Event::HandshakeComplete(info) => {
            let mut value = json!({
                "event": "handshake_complete",
                "peer_id": info.peer_id.map(|p| to_hex(p.as_bytes())),
                "transport": info.transport.as_str(),
                "features": info.features,
                "privacy_features": info.privacy_features,
                "local_nonce": dec(info.local_nonce),
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
            // A received message always re-encodes; an empty payload would
            // only make the comparison fail, never pass wrongly.
            let _ = message.encode_payload(&mut payload);
            json!({
                "event": "message",
                "kind": message.kind().name(),
                "payload": to_hex(&payload),
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
    }
}

type Deadline = Option<(Instant, TimeoutReason)>;

/// Two connections and the outputs they produce, step by step.
///
/// ```
/// use veil_core::testing::vectors::{Op, Session, Step};
/// let mut session = Session::new([None, None]);
/// let error = session.perform(0, &Step { at_ms: 0, side: 0, op: Op::Open }).unwrap_err();
/// assert!(error.contains("no config"));
/// ```
pub struct Session {
    specs: [Option<SideSpec>; 2],
    connections: [Option<Connection>; 2],
    /// The deadline last reported per side (`None`: none reported yet).
    deadlines: [Option<Deadline>; 2],
    last_at_ms: u64,
    buf: Vec<u8>,
}

impl Session {
    /// A session whose sides are made from `specs`.
    ///
    /// See [`Session`] for an example.
    #[must_use]
    pub fn new(specs: [Option<SideSpec>; 2]) -> Session {
        Session {
            specs,
            connections: [None, None],
            deadlines: [None, None],
            last_at_ms: 0,
            buf: vec![0u8; 64 * 1024],
        }
    }

    /// A side's connection, once opened.
    ///
    /// ```
    /// let session = veil_core::testing::vectors::Session::new([None, None]);
    /// assert!(session.connection(0).is_none());
    /// ```
    #[must_use]
    pub fn connection(&self, side: usize) -> Option<&Connection> {
        self.connections.get(side)?.as_ref()
    }

    /// A side's spec.
    ///
    /// ```
    /// let session = veil_core::testing::vectors::Session::new([None, None]);
    /// assert!(session.spec(1).is_none());
    /// ```
    #[must_use]
    pub fn spec(&self, side: usize) -> Option<&SideSpec> {
        self.specs.get(side)?.as_ref()
    }

    fn open(&mut self, side: usize, now: Instant, at_ms: u64) -> Result<(), String> {
        if self.connections[side].is_some() {
            return Err(format!("side {} opened twice", SIDES[side]));
        }
        let spec = self.specs[side]
            .as_ref()
            .ok_or_else(|| format!("side {} has no config", SIDES[side]))?;
        let mut rng = ChaCha20Rng::seed_from_u64(spec.rng_seed);
        let identity = spec.identity();
        let expected = match spec.expected_peer_id {
            Some(bytes) => {
                Some(PeerId::from_bytes(bytes).ok_or("expected_peer_id: not a valid key")?)
            }
            None => None,
        };
        let wall = UnixTime::from_secs(spec.wall_clock + at_ms / 1000);
        let config = spec.shared_config();
        let connection = if spec.outbound {
            Connection::outbound(config, &identity, expected, now, wall, &mut rng)
        } else {
            Connection::inbound(config, &identity, expected, now, wall, &mut rng)
        };
        let connection =
            connection.map_err(|e| format!("side {}: invalid configuration: {e}", SIDES[side]))?;
        self.connections[side] = Some(connection);
        Ok(())
    }

    /// Performs step number `index` and returns its outputs.
    ///
    /// See [`Session`] for an example.
    pub fn perform(&mut self, index: usize, step: &Step) -> Result<Vec<Value>, String> {
        if step.at_ms < self.last_at_ms {
            return Err(format!("step {index}: at_ms goes backwards"));
        }
        if step.side > 1 {
            return Err(format!("step {index}: no side {}", step.side));
        }
        self.last_at_ms = step.at_ms;
        let now = Instant::from_millis(step.at_ms);
        let side = step.side;
        let head = || json!({"at_ms": step.at_ms, "step": index, "side": SIDES[side]});
        let mut outputs = Vec::new();
        if step.op == Op::Open {
            self.open(side, now, step.at_ms)?;
        }
        let connection = self.connections[side]
            .as_mut()
            .ok_or_else(|| format!("step {index}: side {} acts before it opened", SIDES[side]))?;
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
                json!({"output": "transmit", "bytes": to_hex(&sent)}),
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
        Ok(outputs)
    }
}

/// Replays one session vector: performs its steps and returns every
/// output.
pub(super) fn replay_session_vector(vector: &Value) -> Result<Vec<Value>, String> {
    let mut session = Session::new(sides_from_json(&vector["config"])?);
    let mut outputs = Vec::new();
    for (index, step) in list(vector, "steps")?.iter().enumerate() {
        let step = Step::from_json(step).map_err(|e| format!("steps[{index}].{e}"))?;
        outputs.extend(session.perform(index, &step)?);
    }
    Ok(outputs)
}
