//! Keeps `docs/PROTOCOL.md` true.
//!
//! Every frame example (`<!-- frame: COMMAND -->` then a fenced `hex` block
//! then its breakdown table) must decode with the real decoder, carry the
//! command it is filed under, re-encode to the identical bytes, and have a
//! breakdown whose bytes and offsets add up to the frame; every message type
//! must have an example. Every table marked with an HTML comment (limits,
//! maximum payloads, CompactSize, commands, errors, disconnect reasons,
//! networks, inventory kinds, packet ids, handshake lengths, and the
//! traffic-shaping tables: header bits, privacy feature bits, the
//! `privacy_budget` layout, receiver errors, bucket sizes) must match the
//! code.

use std::collections::{BTreeMap, BTreeSet};

use bytes::Bytes;
use veil_core::message::{
    limits, DisconnectReason, InvKind, Message, MessageKind, NetAddress, PayloadError,
    PROTOCOL_VERSION,
};
use veil_core::wire::{
    Command, CommandError, FrameDecoder, FrameEncoder, WireConfig, WireError, WireErrorKind,
    CHECKSUM_LEN, COMMAND_LEN, DEFAULT_MAX_PAYLOAD_LEN, HEADER_LEN,
};

const DOC: &str = include_str!("../../docs/PROTOCOL.md");

fn lines() -> Vec<&'static str> {
    DOC.lines().collect()
}

/// The argument of an HTML comment marker `<!-- name: arg -->` (or `""` for
/// `<!-- name -->`), if `line` is one.
fn marker<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let inner = line
        .trim()
        .strip_prefix("<!--")?
        .strip_suffix("-->")?
        .trim();
    let rest = inner.strip_prefix(name)?;
    if rest.is_empty() {
        Some("")
    } else {
        rest.strip_prefix(':').map(str::trim)
    }
}

/// Indices of the lines holding marker `name`, with their arguments.
fn markers(name: &str) -> Vec<(usize, &'static str)> {
    lines()
        .iter()
        .enumerate()
        .filter_map(|(i, line)| marker(line, name).map(|arg| (i, arg)))
        .collect()
}

/// The body rows of the Markdown table that starts at or after line `from`
/// (blank lines skipped), cells trimmed and without backticks; and the index
/// of the first line after the table.
fn table_at(lines: &[&str], from: usize) -> (Vec<Vec<String>>, usize) {
    let mut i = from;
    while i < lines.len() && lines[i].trim().is_empty() {
        i += 1;
    }
    let start = i;
    while i < lines.len() && lines[i].trim_start().starts_with('|') {
        i += 1;
    }
    assert!(
        i - start >= 2,
        "expected a table (header and separator rows) at line {}",
        from + 1
    );
    let rows = lines[start + 2..i]
        .iter()
        .map(|row| {
            let row = row.trim().trim_start_matches('|').trim_end_matches('|');
            row.split('|')
                .map(|cell| cell.trim().replace('`', ""))
                .collect()
        })
        .collect();
    (rows, i)
}

/// The table right after marker `name`, which must occur exactly once.
fn marked_table(name: &str) -> Vec<Vec<String>> {
    let found = markers(name);
    assert_eq!(found.len(), 1, "marker <!-- {name} --> must occur once");
    table_at(&lines(), found[0].0 + 1).0
}

/// A number as written in the document: digits with optional `,` separators.
fn number(cell: &str) -> u64 {
    cell.replace(',', "")
        .parse()
        .unwrap_or_else(|_| panic!("not a number: {cell:?}"))
}

fn unhex(text: &str) -> Vec<u8> {
    let digits: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    hex::decode(&digits).unwrap_or_else(|e| panic!("bad hex {digits:?}: {e}"))
}

#[test]
fn every_frame_example_decodes_and_reencodes_byte_exactly() {
    let lines = lines();
    let examples = markers("frame");
    let hex_fences = lines.iter().filter(|l| l.trim() == "```hex").count();
    assert_eq!(
        hex_fences,
        examples.len(),
        "every ```hex block must be a marked frame example"
    );

    let mut covered = BTreeSet::new();
    for (at, name) in examples {
        let context = format!("example `{name}` at line {}", at + 1);
        // The fenced hex block.
        let mut i = at + 1;
        assert_eq!(lines[i].trim(), "```hex", "{context}: no ```hex block");
        i += 1;
        let mut text = String::new();
        while lines[i].trim() != "```" {
            text.push_str(lines[i]);
            i += 1;
        }
        let bytes = unhex(&text);

        // Decode with the real decoder.
        let mut decoder = FrameDecoder::default();
        let mut input = &bytes[..];
        let frame = decoder
            .decode(&mut input)
            .unwrap_or_else(|e| panic!("{context}: {e}"))
            .unwrap_or_else(|| panic!("{context}: incomplete frame"));
        assert!(input.is_empty(), "{context}: bytes after the frame");
        assert!(decoder.is_at_frame_boundary(), "{context}");
        assert_eq!(frame.command().as_str(), name, "{context}: command");
        let message = frame
            .into_message()
            .unwrap_or_else(|e| panic!("{context}: {e}"));
        assert_eq!(message.kind().name(), name, "{context}");
        covered.insert(message.kind());

        // Re-encode: the identical bytes.
        let again = FrameEncoder::default().encode_to_vec(&message).unwrap();
        assert_eq!(
            hex::encode(&again),
            hex::encode(&bytes),
            "{context}: re-encoding differs"
        );

        // The breakdown: offsets and bytes add up to the frame.
        let (rows, _) = table_at(&lines, i + 1);
        let mut offset = 0;
        let mut joined = Vec::new();
        for row in &rows {
            assert_eq!(row.len(), 4, "{context}: breakdown row {row:?}");
            assert_eq!(
                number(&row[0]) as usize,
                offset,
                "{context}: offset of {row:?}"
            );
            let field = unhex(&row[1]);
            offset += field.len();
            joined.extend(field);
        }
        assert_eq!(
            hex::encode(&joined),
            hex::encode(&bytes),
            "{context}: breakdown"
        );
        let header: Vec<&str> = rows.iter().take(3).map(|r| r[2].as_str()).collect();
        assert_eq!(header, ["length", "command", "checksum"], "{context}");
    }

    let missing: Vec<_> = MessageKind::ALL
        .iter()
        .filter(|kind| !covered.contains(kind))
        .map(|kind| kind.name())
        .collect();
    assert!(
        missing.is_empty(),
        "messages without an example: {missing:?}"
    );
}

#[test]
fn limits_table_matches_the_code() {
    let expected: BTreeMap<&str, u64> = [
        ("PROTOCOL_VERSION", u64::from(PROTOCOL_VERSION)),
        ("HEADER_LEN", HEADER_LEN as u64),
        ("COMMAND_LEN", COMMAND_LEN as u64),
        ("CHECKSUM_LEN", CHECKSUM_LEN as u64),
        (
            "DEFAULT_MAX_PAYLOAD_LEN",
            u64::from(DEFAULT_MAX_PAYLOAD_LEN),
        ),
        ("MAX_USER_AGENT_LEN", limits::MAX_USER_AGENT_LEN as u64),
        ("MAX_ADDR_ENTRIES", limits::MAX_ADDR_ENTRIES as u64),
        ("MAX_ADDRESS_LEN", limits::MAX_ADDRESS_LEN as u64),
        ("MAX_INV_ENTRIES", limits::MAX_INV_ENTRIES as u64),
        ("MAX_LOCATOR_HASHES", limits::MAX_LOCATOR_HASHES as u64),
        ("MAX_HEADERS", limits::MAX_HEADERS as u64),
        ("MAX_HEADER_LEN", limits::MAX_HEADER_LEN as u64),
        (
            "MAX_DISCONNECT_TEXT_LEN",
            limits::MAX_DISCONNECT_TEXT_LEN as u64,
        ),
    ]
    .into_iter()
    .collect();
    let documented: BTreeMap<&str, u64> = marked_table("limits")
        .iter()
        .map(|row| {
            let name = expected
                .keys()
                .find(|k| **k == row[0])
                .unwrap_or_else(|| panic!("unknown constant {:?} in the limits table", row[0]));
            (*name, number(&row[1]))
        })
        .collect();
    assert_eq!(documented, expected);
}

#[test]
fn max_payload_tables_match_the_code() {
    let config = WireConfig::default();
    let rows = marked_table("max-payload");
    let names: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    let all: Vec<&str> = MessageKind::ALL.iter().map(|k| k.name()).collect();
    assert_eq!(names, all, "one row per message, in catalogue order");
    for row in &rows {
        let kind = MessageKind::from_name(&row[0]).unwrap();
        assert_eq!(
            number(&row[1]),
            u64::from(kind.max_payload_len()),
            "type bound of {}",
            row[0]
        );
        assert_eq!(
            number(&row[2]),
            u64::from(config.max_payload_for(kind)),
            "default maximum of {}",
            row[0]
        );
    }

    let summary = marked_table("max-payload-summary");
    let names: Vec<&str> = summary.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(
        names, all,
        "summary: one row per message, in catalogue order"
    );
    for row in &summary {
        let kind = MessageKind::from_name(&row[0]).unwrap();
        assert_eq!(
            number(row.last().unwrap()),
            u64::from(config.max_payload_for(kind)),
            "summary maximum of {}",
            row[0]
        );
    }
}

/// Decodes `encoding` as the count of a `headers` payload with nothing after
/// it: the decoder's verdict reveals the value it read.
fn decode_as_headers_count(encoding: &[u8]) -> Result<Message, PayloadError> {
    Message::decode(MessageKind::Headers, Bytes::copy_from_slice(encoding))
}

#[test]
fn compact_size_tables_match_the_decoder() {
    let max = limits::MAX_HEADERS as u64;
    let rows = marked_table("compactsize");
    assert!(rows.len() >= 8);
    for row in &rows {
        let (value, encoding) = (number(&row[0]), unhex(&row[1]));
        let verdict = decode_as_headers_count(&encoding);
        if value == 0 {
            assert_eq!(verdict, Ok(Message::Headers(Vec::new())));
        } else if value <= max {
            // A valid count: each header needs at least one byte.
            assert_eq!(
                verdict,
                Err(PayloadError::Truncated {
                    field: "headers.count",
                    needed: value as usize,
                    available: 0,
                }),
                "{row:?}"
            );
            // And the encoder writes the same bytes.
            let mut payload = Vec::new();
            Message::Headers(vec![Bytes::new(); value as usize])
                .encode_payload(&mut payload)
                .unwrap();
            assert_eq!(&payload[..encoding.len()], &encoding[..], "{row:?}");
        } else {
            assert_eq!(
                verdict,
                Err(PayloadError::LimitExceeded {
                    field: "headers.count",
                    value,
                    max,
                }),
                "{row:?}"
            );
        }
    }

    let rows = marked_table("compactsize-noncanonical");
    assert!(rows.len() >= 3);
    for row in &rows {
        assert_eq!(
            decode_as_headers_count(&unhex(&row[0])),
            Err(PayloadError::NonCanonicalCompactSize {
                field: "headers.count"
            }),
            "{row:?}"
        );
    }
}

#[test]
fn command_examples_match_the_code() {
    for row in marked_table("commands") {
        let raw: [u8; COMMAND_LEN] = unhex(&row[0]).try_into().unwrap();
        let verdict = Command::from_raw(raw);
        if let Some(rest) = row[1].strip_prefix("valid: ") {
            let name = rest.split(',').next().unwrap();
            assert_eq!(verdict.map(|c| c.as_str().to_owned()), Ok(name.into()));
        } else {
            assert!(row[1].starts_with("malformed"), "{row:?}");
            assert!(
                matches!(
                    verdict,
                    Err(CommandError::Empty
                        | CommandError::NotPrintable { .. }
                        | CommandError::DataAfterNul { .. })
                ),
                "{row:?}: {verdict:?}"
            );
        }
    }
}

#[test]
fn error_table_matches_the_code() {
    let command = Command::new("ping").unwrap();
    let sample = |kind: WireErrorKind| match kind {
        WireErrorKind::Oversize => WireError::Oversize {
            command,
            len: 9,
            max: 8,
        },
        WireErrorKind::BadChecksum => WireError::BadChecksum {
            command,
            expected: [0; 4],
            actual: [1; 4],
        },
        WireErrorKind::MalformedCommand => WireError::MalformedCommand {
            raw: [0; COMMAND_LEN],
            problem: CommandError::Empty,
        },
        WireErrorKind::UnknownCommand => WireError::UnknownCommand { command },
        WireErrorKind::MalformedPayload => WireError::MalformedPayload {
            kind: MessageKind::Ping,
            error: PayloadError::TrailingBytes { count: 1 },
        },
    };
    let rows = marked_table("errors");
    let names: BTreeSet<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    let all: BTreeSet<&str> = WireErrorKind::ALL.iter().map(|k| k.as_str()).collect();
    assert_eq!(names, all);
    for row in &rows {
        let kind = WireErrorKind::from_name(&row[0]).unwrap();
        let error = sample(kind);
        assert_eq!(error.kind(), kind);
        let cell = row.last().unwrap();
        if kind == WireErrorKind::Oversize {
            // Above the type's bound (ping: 8) it discourages; above only
            // the configured maximum it closes.
            let within_bound = WireError::Oversize {
                command: Command::new("tx").unwrap(),
                len: 4_000_001,
                max: 4_000_000,
            };
            let expected = format!(
                "{} above the type bound, else {}",
                error.consequence().as_str(),
                within_bound.consequence().as_str()
            );
            assert_eq!(cell, &expected, "{row:?}");
        } else {
            assert_eq!(error.consequence().as_str(), cell, "{row:?}");
        }
    }
}

#[test]
fn code_and_id_tables_match_the_code() {
    let rows = marked_table("disconnect-reasons");
    let codes: Vec<u64> = rows.iter().map(|r| number(&r[0])).collect();
    assert_eq!(codes, (1..=13).collect::<Vec<_>>());
    for row in &rows {
        let reason = DisconnectReason::from_u16(number(&row[0]) as u16);
        assert_eq!(reason.as_str(), row[1], "{row:?}");
        assert_eq!(u64::from(reason.to_u16()), number(&row[0]));
    }
    for code in [0, 14, u16::MAX] {
        assert_eq!(
            DisconnectReason::from_u16(code),
            DisconnectReason::Other(code)
        );
    }

    let rows = marked_table("networks");
    let ids: Vec<u64> = rows.iter().map(|r| number(&r[0])).collect();
    assert_eq!(ids, [1, 2, 4, 5]);
    for row in &rows {
        let (id, len) = (number(&row[0]) as u8, number(&row[2]) as usize);
        let address = NetAddress::from_parts(id, &vec![7; len]).unwrap();
        assert_eq!(address.network_id(), id);
        assert!(!matches!(address, NetAddress::Unknown { .. }), "{row:?}");
        assert!(NetAddress::from_parts(id, &vec![7; len + 1]).is_err());
        assert!(NetAddress::from_parts(id, &vec![7; len - 1]).is_err());
    }
    for id in [0, 3, 6, 255] {
        let max = limits::MAX_ADDRESS_LEN;
        assert!(matches!(
            NetAddress::from_parts(id, &vec![0; max]),
            Ok(NetAddress::Unknown { .. })
        ));
        assert!(NetAddress::from_parts(id, &vec![0; max + 1]).is_err());
    }

    let rows = marked_table("inv-kinds");
    for row in &rows {
        let kind = InvKind::from_u32(number(&row[0]) as u32);
        let expected = match row[1].as_str() {
            "tx" => InvKind::Tx,
            "block" => InvKind::Block,
            other => panic!("unexpected inventory kind {other:?}"),
        };
        assert_eq!(kind, expected);
    }
    assert_eq!(rows.len(), 2);
    assert_eq!(InvKind::from_u32(3), InvKind::Other(3));
}

#[test]
fn packet_id_table_matches_the_code() {
    use veil_core::connection::layout::packet_message_id;
    let rows = marked_table("packet-ids");
    assert_eq!(rows.len(), MessageKind::ALL.len());
    for row in rows {
        let kind = MessageKind::from_name(&row[1]).unwrap_or_else(|| panic!("unknown {row:?}"));
        assert_eq!(
            u64::from(packet_message_id(kind)),
            number(&row[0]),
            "{row:?}"
        );
    }
}

#[test]
fn handshake_length_table_matches_the_code() {
    use veil_core::connection::layout::{MSG1_LEN, MSG2_LEN, MSG3_LEN};
    let rows = marked_table("handshake-lengths");
    let lengths: Vec<u64> = rows.iter().map(|row| number(&row[3])).collect();
    assert_eq!(
        lengths,
        [MSG1_LEN, MSG2_LEN, MSG3_LEN].map(|len| len as u64)
    );
}

#[test]
fn packet_header_bit_table_matches_the_code() {
    use veil_core::packet::Header;
    use veil_core::shaping::{MORE_FRAGMENTS, PADDED};
    let rows = marked_table("packet-header-bits");
    let documented: Vec<(u64, u64, &str)> = rows
        .iter()
        .map(|row| {
            let value = u64::from_str_radix(row[1].trim_start_matches("0x"), 16).unwrap();
            (number(&row[0]), value, row[2].as_str())
        })
        .collect();
    assert_eq!(
        documented,
        [
            (7, u64::from(Header::DECOY_BIT), "decoy"),
            (6, u64::from(PADDED), "padded"),
            (5, u64::from(MORE_FRAGMENTS), "more_fragments"),
        ]
    );
    for (bit, value, _) in documented {
        assert_eq!(1 << bit, value);
    }
}

#[test]
fn privacy_feature_table_matches_the_code() {
    use veil_core::shaping::feature;
    let rows = marked_table("privacy-feature-bits");
    let mut all = 0;
    for row in &rows {
        let bit = number(&row[0]);
        let value = u32::from_str_radix(row[1].trim_start_matches("0x"), 16).unwrap();
        assert_eq!(1u64 << bit, u64::from(value), "{row:?}");
        let names: Vec<_> = feature::names(value).collect();
        assert_eq!(names, [row[2].as_str()], "{row:?}");
        all |= value;
    }
    assert_eq!(all, feature::ALL);
    assert_eq!(rows.len(), feature::names(feature::ALL).count());
    assert!(DOC.contains("`privacy_features & 0x3F`"));
}

#[test]
fn privacy_budget_table_and_example_match_the_code() {
    use veil_core::shaping::{Budget, PrivacyLevel, BUDGET_LEN};
    let rows = marked_table("privacy-budget");
    let layout: Vec<(u64, &str, &str)> = rows
        .iter()
        .map(|row| (number(&row[0]), row[1].as_str(), row[2].as_str()))
        .collect();
    assert_eq!(
        layout,
        [
            (0, "max_overhead_percent", "u16 LE"),
            (2, "max_added_latency", "u32 LE"),
            (6, "max_urgent_latency", "u32 LE"),
        ]
    );
    assert_eq!(BUDGET_LEN, 10);
    assert!(DOC.contains(&format!(
        "`{}` (`0xFFFF`): unlimited",
        Budget::UNLIMITED_OVERHEAD
    )));
    // The example is the `high` preset's budget after the id 0x83.
    let example = unhex("83 ffff fa000000 32000000");
    assert!(DOC.contains("`83` `ffff` `fa000000` `32000000`"));
    let high = PrivacyLevel::High.config().budget;
    assert_eq!(example[0], 0x83);
    assert_eq!(example[1..], high.encode());
    assert_eq!(Budget::decode(&high.encode()), high);
}

#[test]
fn shaping_error_table_matches_the_code() {
    use veil_core::connection::CloseReason;
    use veil_core::shaping::{Reassembler, ShapingError, PADDED};
    let rows = marked_table("shaping-errors");
    // The four reassembly errors, in the table's order, from real inputs.
    let mut reassembler = Reassembler::new(4);
    let errors: Vec<ShapingError> = [
        reassembler.push(PADDED, &[1, 0]),
        reassembler.push(PADDED, &[2, 0, 0, 1]),
        reassembler.push(PADDED, &[0, 0, 0, 7]),
        reassembler.push(0, b"abcde"),
    ]
    .into_iter()
    .map(|r| r.expect_err("an error"))
    .collect();
    assert!(matches!(errors[0], ShapingError::ShortPadded { .. }));
    assert!(matches!(errors[1], ShapingError::DataLength { .. }));
    assert!(matches!(errors[2], ShapingError::NonZeroPadding { .. }));
    assert!(matches!(errors[3], ShapingError::MessageTooLong { .. }));
    let mut reasons: Vec<CloseReason> = errors.into_iter().map(CloseReason::Padding).collect();
    reasons.push(CloseReason::MalformedPacket {
        problem: "privacy_budget is not 10 bytes",
        id: Some(0x83),
    });
    reasons.push(CloseReason::UnexpectedMessage {
        name: "privacy_budget",
        state: "handshaking",
    });
    assert_eq!(rows.len(), reasons.len());
    for (row, reason) in rows.iter().zip(&reasons) {
        assert_eq!(row[1], reason.name(), "{row:?}");
        assert_eq!(row[2], reason.consequence().as_str(), "{row:?}");
    }
}

#[test]
fn bucket_sizes_match_the_code() {
    use veil_core::shaping::{wire_size, PaddingPolicy, BUCKETS};
    assert!(DOC.contains(
        "256, 512, 1,024, 2,048,\n  4,096, 8,192 or 16,384 bytes on the wire (contents + 20)"
    ));
    assert_eq!(BUCKETS, [256, 512, 1024, 2048, 4096, 8192, 16_384]);
    // "A 20,000-byte block (20,001 content bytes): 16,384 + 4,096."
    assert_eq!(
        wire_size(20_001, &PaddingPolicy::Buckets),
        Some(16_384 + 4_096)
    );
    // "16,361 data bytes" in a full bucket.
    assert_eq!(wire_size(16_361, &PaddingPolicy::Buckets), Some(16_384));
    assert_eq!(
        wire_size(16_362, &PaddingPolicy::Buckets),
        Some(16_384 + 256)
    );
}
