//! The language-neutral JSON view of a message used in `testvectors/`.
//!
//! Byte strings are lower-case hex; u64 values are decimal strings (JSON
//! numbers lose precision above 2^53); smaller integers are numbers.

use serde_json::{json, Value};
use veil_core::message::{AddrEntry, BlockLocator, InvItem, Message};

fn u64s(value: u64) -> Value {
    Value::String(value.to_string())
}

fn addr_entry(entry: &AddrEntry) -> Value {
    json!({
        "time": u64s(entry.time.as_secs()),
        "features": entry.features,
        "network": entry.address.network_id(),
        "address": hex::encode(entry.address.to_bytes()),
        "port": entry.port,
    })
}

fn inv_items(items: &[InvItem]) -> Value {
    items
        .iter()
        .map(|i| json!({"kind": i.kind.to_u32(), "hash": hex::encode(i.hash)}))
        .collect()
}

fn locator(l: &BlockLocator) -> Value {
    json!({
        "version": l.version,
        "hashes": l.hashes.iter().map(hex::encode).collect::<Vec<_>>(),
        "stop": hex::encode(l.stop),
    })
}

fn with_type(kind: &str, fields: Value) -> Value {
    let mut object = serde_json::Map::new();
    object.insert("type".into(), kind.into());
    if let Value::Object(fields) = fields {
        object.extend(fields);
    }
    Value::Object(object)
}

/// The JSON view of `message`.
pub fn message_to_json(message: &Message) -> Value {
    let kind = message.kind().name();
    let fields = match message {
        Message::Version(v) => json!({
            "protocol_version": v.protocol_version,
            "timestamp": u64s(v.timestamp.as_secs()),
            "features": v.features,
            "privacy_features": v.privacy_features,
            "user_agent": v.user_agent,
            "best_block_hash": hex::encode(v.best_block_hash),
            "best_block_height": u64s(v.best_block_height),
            "nonce": u64s(v.nonce),
        }),
        Message::Verack | Message::GetAddr | Message::Mempool => json!({}),
        Message::Ping(p) => json!({"nonce": u64s(p.nonce)}),
        Message::Pong(p) => json!({"nonce": u64s(p.nonce)}),
        Message::Addr(entries) => {
            json!({"entries": entries.iter().map(addr_entry).collect::<Vec<_>>()})
        }
        Message::Block(body) | Message::Tx(body) | Message::StemTx(body) => {
            json!({"body": hex::encode(body)})
        }
        Message::GetBlocks(l) | Message::GetHeaders(l) => locator(l),
        Message::Headers(headers) => {
            json!({"headers": headers.iter().map(hex::encode).collect::<Vec<_>>()})
        }
        Message::Inv(items) | Message::GetData(items) | Message::NotFound(items) => {
            json!({"items": inv_items(items)})
        }
        Message::Disconnect(d) => json!({"reason": d.reason.to_u16(), "text": d.text}),
    };
    with_type(kind, fields)
}
