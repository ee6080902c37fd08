//! The language-neutral JSON view of a message (`testvectors/README.md`),
//! both ways.

use alloc::format;
use alloc::string::ToString;
use alloc::vec::Vec;

use bytes::Bytes;
use serde_json::{json, Map, Value};

use super::read::{hex, hex32, list, string, to_hex, u16n, u32n, u64s, Bad};
use crate::message::{
    AddrEntry, BlockLocator, Disconnect, DisconnectReason, InvItem, InvKind, Message, MessageKind,
    NetAddress, Ping, Pong, Version,
};
use crate::time::UnixTime;

fn dec(value: u64) -> Value {
    Value::String(value.to_string())
}

fn addr_entry(entry: &AddrEntry) -> Value {
    json!({
        "time": dec(entry.time.as_secs()),
        "features": entry.features,
        "network": entry.address.network_id(),
        "address": to_hex(&entry.address.to_bytes()),
        "port": entry.port,
    })
}

fn inv_items_json(items: &[InvItem]) -> Value {
    items
        .iter()
        .map(|i| json!({"kind": i.kind.to_u32(), "hash": to_hex(&i.hash)}))
        .collect()
}

fn locator_json(l: &BlockLocator) -> Value {
    json!({
        "version": l.version,
        "hashes": l.hashes.iter().map(|h| to_hex(h)).collect::<Vec<_>>(),
        "stop": to_hex(&l.stop),
    })
}

/// The JSON view of `message`: `{"type": <command>, …fields}`.
///
/// ```
/// use veil_core::message::{Message, Ping};
/// use veil_core::testing::vectors::message_to_json;
/// let json = message_to_json(&Message::Ping(Ping { nonce: 7 }));
/// assert_eq!(json.to_string(), r#"{"type":"ping","nonce":"7"}"#);
/// ```
#[must_use]
pub fn message_to_json(message: &Message) -> Value {
    let fields = match message {
        Message::Version(v) => json!({
            "protocol_version": v.protocol_version,
            "timestamp": dec(v.timestamp.as_secs()),
            "features": v.features,
            "privacy_features": v.privacy_features,
            "user_agent": v.user_agent,
            "best_block_hash": to_hex(&v.best_block_hash),
            "best_block_height": dec(v.best_block_height),
            "nonce": dec(v.nonce),
        }),
        Message::Verack | Message::GetAddr | Message::Mempool => json!({}),
        Message::Ping(p) => json!({"nonce": dec(p.nonce)}),
        Message::Pong(p) => json!({"nonce": dec(p.nonce)}),
        Message::Addr(entries) => {
            json!({"entries": entries.iter().map(addr_entry).collect::<Vec<_>>()})
        }
        Message::Block(body) | Message::Tx(body) | Message::StemTx(body) => {
            json!({"body": to_hex(body)})
        }
        Message::GetBlocks(l) | Message::GetHeaders(l) => locator_json(l),
        Message::Headers(headers) => {
            json!({"headers": headers.iter().map(|h| to_hex(h)).collect::<Vec<_>>()})
        }
        Message::Inv(items) | Message::GetData(items) | Message::NotFound(items) => {
            json!({"items": inv_items_json(items)})
        }
        Message::Disconnect(d) => json!({"reason": d.reason.to_u16(), "text": d.text}),
    };
    let mut object = Map::new();
    object.insert("type".into(), message.kind().name().into());
    if let Value::Object(fields) = fields {
        object.extend(fields);
    }
    Value::Object(object)
}

fn inv_items(value: &Value) -> Result<Vec<InvItem>, Bad> {
    list(value, "items")?
        .iter()
        .map(|item| {
            Ok(InvItem {
                kind: InvKind::from_u32(u32n(&item["kind"], "kind")?),
                hash: hex32(&item["hash"], "hash")?,
            })
        })
        .collect()
}

fn locator(value: &Value) -> Result<BlockLocator, Bad> {
    Ok(BlockLocator {
        version: u32n(&value["version"], "version")?,
        hashes: list(value, "hashes")?
            .iter()
            .map(|h| hex32(h, "hash"))
            .collect::<Result<_, _>>()?,
        stop: hex32(&value["stop"], "stop")?,
    })
}

fn body(value: &Value) -> Result<Bytes, Bad> {
    Ok(Bytes::from(hex(&value["body"], "body")?))
}

fn addr_entries(value: &Value) -> Result<Vec<AddrEntry>, Bad> {
    list(value, "entries")?
        .iter()
        .map(|entry| {
            let network = u8::try_from(u32n(&entry["network"], "network")?)
                .map_err(|_| "network: expected a byte".to_string())?;
            let address = NetAddress::from_parts(network, &hex(&entry["address"], "address")?)
                .map_err(|_| "address: not valid for its network".to_string())?;
            Ok(AddrEntry {
                time: UnixTime::from_secs(u64s(&entry["time"], "time")?),
                features: u32n(&entry["features"], "features")?,
                address,
                port: u16n(&entry["port"], "port")?,
            })
        })
        .collect()
}

/// The message whose JSON view is `value` (the inverse of
/// [`message_to_json`]).
///
/// ```
/// use veil_core::message::{Message, Ping};
/// use veil_core::testing::vectors::{message_from_json, message_to_json};
/// let message = Message::Ping(Ping { nonce: 7 });
/// assert_eq!(message_from_json(&message_to_json(&message)).unwrap(), message);
/// assert!(message_from_json(&serde_json::json!({"type": "nope"})).is_err());
/// ```
pub fn message_from_json(value: &Value) -> Result<Message, Bad> {
    let kind = value["type"]
        .as_str()
        .and_then(MessageKind::from_name)
        .ok_or_else(|| format!("unknown message type {}", value["type"]))?;
    Ok(match kind {
        MessageKind::Version => Message::Version(Version {
            protocol_version: u32n(&value["protocol_version"], "protocol_version")?,
            timestamp: UnixTime::from_secs(u64s(&value["timestamp"], "timestamp")?),
            features: u32n(&value["features"], "features")?,
            privacy_features: u32n(&value["privacy_features"], "privacy_features")?,
            user_agent: string(&value["user_agent"], "user_agent")?.to_string(),
            best_block_hash: hex32(&value["best_block_hash"], "best_block_hash")?,
            best_block_height: u64s(&value["best_block_height"], "best_block_height")?,
            nonce: u64s(&value["nonce"], "nonce")?,
        }),
        MessageKind::Verack => Message::Verack,
        MessageKind::Ping => Message::Ping(Ping {
            nonce: u64s(&value["nonce"], "nonce")?,
        }),
        MessageKind::Pong => Message::Pong(Pong {
            nonce: u64s(&value["nonce"], "nonce")?,
        }),
        MessageKind::Addr => Message::Addr(addr_entries(value)?),
        MessageKind::GetAddr => Message::GetAddr,
        MessageKind::Block => Message::Block(body(value)?),
        MessageKind::GetBlocks => Message::GetBlocks(locator(value)?),
        MessageKind::Headers => Message::Headers(
            list(value, "headers")?
                .iter()
                .map(|h| hex(h, "header").map(Bytes::from))
                .collect::<Result<_, _>>()?,
        ),
        MessageKind::GetHeaders => Message::GetHeaders(locator(value)?),
        MessageKind::Inv => Message::Inv(inv_items(value)?),
        MessageKind::Tx => Message::Tx(body(value)?),
        MessageKind::StemTx => Message::StemTx(body(value)?),
        MessageKind::Mempool => Message::Mempool,
        MessageKind::GetData => Message::GetData(inv_items(value)?),
        MessageKind::NotFound => Message::NotFound(inv_items(value)?),
        MessageKind::Disconnect => Message::Disconnect(Disconnect {
            reason: DisconnectReason::from_u16(u16n(&value["reason"], "reason")?),
            text: string(&value["text"], "text")?.to_string(),
        }),
    })
}
