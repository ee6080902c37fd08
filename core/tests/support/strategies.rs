//! Proptest strategies producing valid messages of every type.

use bytes::Bytes;
use proptest::collection::vec;
use proptest::prelude::*;
use veil_core::message::{
    AddrEntry, BlockLocator, Disconnect, DisconnectReason, InvItem, InvKind, Message, NetAddress,
    Ping, Pong, Version,
};
use veil_core::UnixTime;

fn hash() -> impl Strategy<Value = [u8; 32]> {
    any::<[u8; 32]>()
}

fn bytes(max: usize) -> impl Strategy<Value = Bytes> {
    vec(any::<u8>(), 0..=max).prop_map(Bytes::from)
}

/// UTF-8 text whose encoding is at most `max_bytes` long.
fn text(max_bytes: usize) -> impl Strategy<Value = String> {
    any::<String>().prop_map(move |s| {
        let mut end = s.len().min(max_bytes);
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s[..end].to_string()
    })
}

pub fn version() -> impl Strategy<Value = Version> {
    (
        any::<u32>(),
        any::<u64>(),
        any::<(u32, u32)>(),
        text(256),
        hash(),
        any::<(u64, u64)>(),
    )
        .prop_map(
            |(
                protocol_version,
                time,
                (features, privacy_features),
                user_agent,
                best,
                (height, nonce),
            )| {
                Version {
                    protocol_version,
                    timestamp: UnixTime::from_secs(time),
                    features,
                    privacy_features,
                    user_agent,
                    best_block_hash: best,
                    best_block_height: height,
                    nonce,
                }
            },
        )
}

pub fn net_address() -> impl Strategy<Value = NetAddress> {
    prop_oneof![
        any::<[u8; 4]>().prop_map(|o| NetAddress::Ipv4(o.into())),
        any::<[u8; 16]>().prop_map(|o| NetAddress::Ipv6(o.into())),
        hash().prop_map(NetAddress::TorV3),
        hash().prop_map(NetAddress::I2p),
        (
            any::<u8>().prop_filter("unknown network", |n| ![1, 2, 4, 5].contains(n)),
            bytes(40)
        )
            .prop_map(|(network, bytes)| NetAddress::Unknown { network, bytes }),
    ]
}

pub fn addr_entry() -> impl Strategy<Value = AddrEntry> {
    (any::<u64>(), any::<u32>(), net_address(), any::<u16>()).prop_map(
        |(time, features, address, port)| AddrEntry {
            time: UnixTime::from_secs(time),
            features,
            address,
            port,
        },
    )
}

pub fn inv_item() -> impl Strategy<Value = InvItem> {
    (any::<u32>(), hash()).prop_map(|(kind, hash)| InvItem {
        kind: InvKind::from_u32(kind),
        hash,
    })
}

pub fn locator() -> impl Strategy<Value = BlockLocator> {
    (any::<u32>(), vec(hash(), 0..=12), hash()).prop_map(|(version, hashes, stop)| BlockLocator {
        version,
        hashes,
        stop,
    })
}

pub fn disconnect() -> impl Strategy<Value = Disconnect> {
    (any::<u16>(), text(256)).prop_map(|(code, text)| Disconnect {
        reason: DisconnectReason::from_u16(code),
        text,
    })
}

/// Any valid message, with small lists so that cases stay fast; the
/// boundary tests cover the limits themselves.
pub fn message() -> impl Strategy<Value = Message> {
    prop_oneof![
        version().prop_map(Message::Version),
        Just(Message::Verack),
        any::<u64>().prop_map(|nonce| Message::Ping(Ping { nonce })),
        any::<u64>().prop_map(|nonce| Message::Pong(Pong { nonce })),
        vec(addr_entry(), 0..=8).prop_map(Message::Addr),
        Just(Message::GetAddr),
        bytes(600).prop_map(Message::Block),
        locator().prop_map(Message::GetBlocks),
        vec(bytes(100), 0..=8).prop_map(Message::Headers),
        locator().prop_map(Message::GetHeaders),
        vec(inv_item(), 0..=16).prop_map(Message::Inv),
        bytes(300).prop_map(Message::Tx),
        Just(Message::Mempool),
        vec(inv_item(), 0..=16).prop_map(Message::GetData),
        vec(inv_item(), 0..=16).prop_map(Message::NotFound),
        disconnect().prop_map(Message::Disconnect),
        bytes(300).prop_map(Message::StemTx),
    ]
}
