//! Prints the frame examples of `docs/PROTOCOL.md`: for each example, the
//! whole frame as hex and a field-by-field breakdown, in the exact Markdown
//! the document uses (and `core/tests/protocol_doc.rs` checks).
//!
//! Each payload is built twice: field by field here, from the layout the
//! document gives, and by the real [`FrameEncoder`]; the program fails if the
//! two differ. Header lengths and checksums come from the encoder only.
//!
//! Run with `cargo run -p veil-core --example protocol_hex` (all examples) or
//! `cargo run -p veil-core --example protocol_hex -- addr` (one command).

use std::net::{Ipv4Addr, Ipv6Addr};

use bytes::Bytes;
use veil_core::message::{
    AddrEntry, BlockLocator, Disconnect, DisconnectReason, InvItem, InvKind, Message, NetAddress,
    Ping, Pong, Version, PROTOCOL_VERSION,
};
use veil_core::wire::{FrameEncoder, HEADER_LEN};
use veil_core::UnixTime;

/// One field of a payload: its name, its bytes and what they mean.
#[derive(Clone)]
struct Field {
    name: String,
    bytes: Vec<u8>,
    value: String,
}

/// One example frame: the message and its payload, field by field.
struct Example {
    message: Message,
    fields: Vec<Field>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn field(name: &str, bytes: impl Into<Vec<u8>>, value: impl Into<String>) -> Field {
    Field {
        name: name.into(),
        bytes: bytes.into(),
        value: value.into(),
    }
}

/// `N` bytes counting up from `start`: an obviously made-up hash or key whose
/// byte order is visible.
fn counting<const N: usize>(start: u8) -> [u8; N] {
    core::array::from_fn(|i| start.wrapping_add(i as u8))
}

fn describe_counting(start: u8, len: usize) -> String {
    format!(
        "{len} bytes {:02x} {:02x} … {:02x}",
        start,
        start.wrapping_add(1),
        start.wrapping_add(len as u8 - 1)
    )
}

fn count_field(name: &str, count: usize) -> Field {
    assert!(count < 0xFD, "examples use one-byte CompactSize counts");
    field(name, [count as u8], format!("{count} (CompactSize)"))
}

fn examples() -> Vec<Example> {
    let mut out = Vec::new();

    // version
    let hash: [u8; 32] = counting(0x00);
    let user_agent = "/veil:0.1.0/";
    out.push(Example {
        message: Message::Version(Version {
            protocol_version: PROTOCOL_VERSION,
            timestamp: UnixTime::from_secs(1_700_000_000),
            features: 0b11,
            privacy_features: 0b1,
            user_agent: user_agent.into(),
            best_block_hash: hash,
            best_block_height: 840_000,
            nonce: 0x0123_4567_89ab_cdef,
        }),
        fields: vec![
            field(
                "version.protocol_version",
                PROTOCOL_VERSION.to_le_bytes(),
                format!("{PROTOCOL_VERSION} (u32 LE)"),
            ),
            field(
                "version.timestamp",
                1_700_000_000u64.to_le_bytes(),
                "1700000000 = 2023-11-14T22:13:20Z (u64 LE)",
            ),
            field(
                "version.features",
                0b11u32.to_le_bytes(),
                "0x00000003 (u32 LE; illustrative bits)",
            ),
            field(
                "version.privacy_features",
                0b1u32.to_le_bytes(),
                "0x00000001 (u32 LE; illustrative bits)",
            ),
            count_field("version.user_agent length", user_agent.len()),
            field(
                "version.user_agent",
                user_agent.as_bytes(),
                format!("\"{user_agent}\" (UTF-8)"),
            ),
            field("version.best_block_hash", hash, describe_counting(0x00, 32)),
            field(
                "version.best_block_height",
                840_000u64.to_le_bytes(),
                "840000 (u64 LE)",
            ),
            field(
                "version.nonce",
                0x0123_4567_89ab_cdefu64.to_le_bytes(),
                "0x0123456789abcdef (u64 LE)",
            ),
        ],
    });

    out.push(Example {
        message: Message::Verack,
        fields: vec![],
    });

    let nonce = 0x1122_3344_5566_7788u64;
    out.push(Example {
        message: Message::Ping(Ping { nonce }),
        fields: vec![field(
            "ping.nonce",
            nonce.to_le_bytes(),
            "0x1122334455667788 (u64 LE)",
        )],
    });
    out.push(Example {
        message: Message::Pong(Pong { nonce }),
        fields: vec![field(
            "pong.nonce",
            nonce.to_le_bytes(),
            "0x1122334455667788 (u64 LE), echoing the ping",
        )],
    });

    // addr over IP networks.
    let v4 = Ipv4Addr::new(203, 0, 113, 7);
    let v6: Ipv6Addr = "2001:db8::7".parse().unwrap();
    out.push(Example {
        message: Message::Addr(vec![
            AddrEntry {
                time: UnixTime::from_secs(1_700_000_000),
                features: 1,
                address: NetAddress::Ipv4(v4),
                port: 8333,
            },
            AddrEntry {
                time: UnixTime::from_secs(1_699_999_000),
                features: 3,
                address: NetAddress::Ipv6(v6),
                port: 8333,
            },
        ]),
        fields: vec![
            count_field("addr.count", 2),
            field(
                "addr.time",
                1_700_000_000u64.to_le_bytes(),
                "1700000000 (u64 LE)",
            ),
            field("addr.features", 1u32.to_le_bytes(), "0x00000001 (u32 LE)"),
            field("addr.network", [1], "1 = IPv4"),
            field("addr.address length", [4], "4 (CompactSize)"),
            field("addr.address", v4.octets(), "203.0.113.7"),
            field("addr.port", 8333u16.to_be_bytes(), "8333 (u16 **BE**)"),
            field(
                "addr.time",
                1_699_999_000u64.to_le_bytes(),
                "1699999000 (u64 LE)",
            ),
            field("addr.features", 3u32.to_le_bytes(), "0x00000003 (u32 LE)"),
            field("addr.network", [2], "2 = IPv6"),
            field("addr.address length", [16], "16 (CompactSize)"),
            field("addr.address", v6.octets(), "2001:db8::7"),
            field("addr.port", 8333u16.to_be_bytes(), "8333 (u16 **BE**)"),
        ],
    });

    // addr over overlay networks, and a network this version does not know.
    let tor: [u8; 32] = counting(0x40);
    let i2p: [u8; 32] = counting(0x60);
    let unknown = [0xde, 0xad, 0xbe, 0xef];
    out.push(Example {
        message: Message::Addr(vec![
            AddrEntry {
                time: UnixTime::from_secs(1_700_000_000),
                features: 1,
                address: NetAddress::TorV3(tor),
                port: 8333,
            },
            AddrEntry {
                time: UnixTime::from_secs(1_700_000_000),
                features: 1,
                address: NetAddress::I2p(i2p),
                port: 0,
            },
            AddrEntry {
                time: UnixTime::from_secs(1_700_000_000),
                features: 0,
                address: NetAddress::Unknown {
                    network: 9,
                    bytes: Bytes::copy_from_slice(&unknown),
                },
                port: 1234,
            },
        ]),
        fields: vec![
            count_field("addr.count", 3),
            field(
                "addr.time",
                1_700_000_000u64.to_le_bytes(),
                "1700000000 (u64 LE)",
            ),
            field("addr.features", 1u32.to_le_bytes(), "0x00000001 (u32 LE)"),
            field("addr.network", [4], "4 = Tor v3"),
            field("addr.address length", [32], "32 (CompactSize)"),
            field(
                "addr.address",
                tor,
                format!("ed25519 key, {}", describe_counting(0x40, 32)),
            ),
            field("addr.port", 8333u16.to_be_bytes(), "8333 (u16 **BE**)"),
            field(
                "addr.time",
                1_700_000_000u64.to_le_bytes(),
                "1700000000 (u64 LE)",
            ),
            field("addr.features", 1u32.to_le_bytes(), "0x00000001 (u32 LE)"),
            field("addr.network", [5], "5 = I2P"),
            field("addr.address length", [32], "32 (CompactSize)"),
            field(
                "addr.address",
                i2p,
                format!("SHA-256 of destination, {}", describe_counting(0x60, 32)),
            ),
            field("addr.port", 0u16.to_be_bytes(), "0 (I2P has no ports)"),
            field(
                "addr.time",
                1_700_000_000u64.to_le_bytes(),
                "1700000000 (u64 LE)",
            ),
            field("addr.features", 0u32.to_le_bytes(), "0x00000000 (u32 LE)"),
            field("addr.network", [9], "9 = unknown: kept, ignored"),
            field("addr.address length", [4], "4 (CompactSize)"),
            field("addr.address", unknown, "opaque"),
            field("addr.port", 1234u16.to_be_bytes(), "1234 (u16 **BE**)"),
        ],
    });

    out.push(Example {
        message: Message::GetAddr,
        fields: vec![],
    });

    let block: [u8; 16] = counting(0xb0);
    out.push(Example {
        message: Message::Block(Bytes::copy_from_slice(&block)),
        fields: vec![field(
            "block body",
            block,
            format!("opaque, {}", describe_counting(0xb0, 16)),
        )],
    });

    let (h1, h2): ([u8; 32], [u8; 32]) = (counting(0xa0), counting(0xc0));
    out.push(Example {
        message: Message::GetBlocks(BlockLocator {
            version: PROTOCOL_VERSION,
            hashes: vec![h1, h2],
            stop: [0; 32],
        }),
        fields: vec![
            field("locator.version", 1u32.to_le_bytes(), "1 (u32 LE)"),
            count_field("locator.count", 2),
            field("locator.hash", h1, describe_counting(0xa0, 32)),
            field("locator.hash", h2, describe_counting(0xc0, 32)),
            field("locator.stop", [0; 32], "all zero: no stop"),
        ],
    });

    let (hd1, hd2) = (
        [0xde, 0xad, 0xbe, 0xef],
        [0xca, 0xfe, 0xba, 0xbe, 0x00, 0x01],
    );
    out.push(Example {
        message: Message::Headers(vec![
            Bytes::copy_from_slice(&hd1),
            Bytes::copy_from_slice(&hd2),
        ]),
        fields: vec![
            count_field("headers.count", 2),
            field("headers.header length", [4], "4 (CompactSize)"),
            field("headers.header", hd1, "opaque"),
            field("headers.header length", [6], "6 (CompactSize)"),
            field("headers.header", hd2, "opaque"),
        ],
    });

    let stop: [u8; 32] = counting(0xe0);
    out.push(Example {
        message: Message::GetHeaders(BlockLocator {
            version: PROTOCOL_VERSION,
            hashes: vec![h1],
            stop,
        }),
        fields: vec![
            field("locator.version", 1u32.to_le_bytes(), "1 (u32 LE)"),
            count_field("locator.count", 1),
            field("locator.hash", h1, describe_counting(0xa0, 32)),
            field("locator.stop", stop, describe_counting(0xe0, 32)),
        ],
    });

    let (tx_hash, block_hash): ([u8; 32], [u8; 32]) = (counting(0x10), counting(0x30));
    let tx_item = InvItem {
        kind: InvKind::Tx,
        hash: tx_hash,
    };
    let block_item = InvItem {
        kind: InvKind::Block,
        hash: block_hash,
    };
    let tx_fields = || {
        vec![
            field("inv.kind", 1u32.to_le_bytes(), "1 = tx (u32 LE)"),
            field("inv.hash", tx_hash, describe_counting(0x10, 32)),
        ]
    };
    let block_fields = || {
        vec![
            field("inv.kind", 2u32.to_le_bytes(), "2 = block (u32 LE)"),
            field("inv.hash", block_hash, describe_counting(0x30, 32)),
        ]
    };
    out.push(Example {
        message: Message::Inv(vec![tx_item, block_item]),
        fields: [
            vec![count_field("inv.count", 2)],
            tx_fields(),
            block_fields(),
        ]
        .concat(),
    });

    let tx: [u8; 10] = counting(0x70);
    out.push(Example {
        message: Message::Tx(Bytes::copy_from_slice(&tx)),
        fields: vec![field(
            "tx body",
            tx,
            format!("opaque, {}", describe_counting(0x70, 10)),
        )],
    });

    out.push(Example {
        message: Message::Mempool,
        fields: vec![],
    });

    out.push(Example {
        message: Message::GetData(vec![tx_item]),
        fields: [vec![count_field("inv.count", 1)], tx_fields()].concat(),
    });
    out.push(Example {
        message: Message::NotFound(vec![block_item]),
        fields: [vec![count_field("inv.count", 1)], block_fields()].concat(),
    });

    let text = "pong timeout";
    out.push(Example {
        message: Message::Disconnect(Disconnect {
            reason: DisconnectReason::Timeout,
            text: text.into(),
        }),
        fields: vec![
            field(
                "disconnect.reason",
                4u16.to_le_bytes(),
                "4 = timeout (u16 LE)",
            ),
            count_field("disconnect.text length", text.len()),
            field(
                "disconnect.text",
                text.as_bytes(),
                format!("\"{text}\" (UTF-8)"),
            ),
        ],
    });

    out
}

/// The Markdown of one example: marker, hex block, breakdown table.
fn render(example: &Example) -> String {
    let frame = FrameEncoder::default()
        .encode_to_vec(&example.message)
        .expect("every example is a valid message");
    let payload: Vec<u8> = example
        .fields
        .iter()
        .flat_map(|f| f.bytes.iter().copied())
        .collect();
    let name = example.message.kind().name();
    assert_eq!(
        hex(&frame[HEADER_LEN..]),
        hex(&payload),
        "{name}: the field-by-field layout differs from the encoder's payload"
    );

    let mut md = format!("<!-- frame: {name} -->\n```hex\n");
    md += &format!(
        "{} {} {}\n",
        hex(&frame[..4]),
        hex(&frame[4..16]),
        hex(&frame[16..HEADER_LEN])
    );
    for line in frame[HEADER_LEN..].chunks(32) {
        md += &hex(line);
        md += "\n";
    }
    md += "```\n\n";
    md += "| offset | bytes | field | value |\n|---:|---|---|---|\n";
    let nuls = 12 - name.len();
    let header = [
        field("length", &frame[..4], format!("{} (u32 LE)", payload.len())),
        field("command", &frame[4..16], format!("`{name}` + {nuls} × NUL")),
        field(
            "checksum",
            &frame[16..HEADER_LEN],
            "SHA-256d(payload)[0..4]",
        ),
    ];
    let mut offset = 0;
    for f in header.iter().chain(&example.fields) {
        md += &format!(
            "| {offset} | `{}` | {} | {} |\n",
            hex(&f.bytes),
            if f.name.contains('.') || f.name.contains(' ') {
                format!("`{}`", f.name)
            } else {
                f.name.clone()
            },
            f.value
        );
        offset += f.bytes.len();
    }
    assert_eq!(offset, frame.len());
    md
}

fn main() {
    let only = std::env::args().nth(1);
    for example in examples() {
        if only
            .as_deref()
            .is_some_and(|name| name != example.message.kind().name())
        {
            continue;
        }
        println!("{}", render(&example));
    }
}
