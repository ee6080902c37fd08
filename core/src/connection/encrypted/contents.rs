//! What an encrypted packet carries: a one-byte message id, then the
//! message's payload exactly as on the plaintext transport (no header, no
//! checksum: the AEAD tag covers the packet).
//!
//! Ids 1..=16 name the catalogue's messages, id 0 is followed by a 12-byte
//! command for messages without a short id, ids 0x80..=0x82 are the
//! channel's own rekey messages and 0x83 its traffic-shaping budget.

use bytes::Bytes;

use crate::connection::CloseReason;
use crate::message::{Message, MessageKind};
use crate::shaping::{Budget, BUDGET_LEN};
use crate::wire::{Command, UnknownCommandPolicy, WireConfig, COMMAND_LEN};

/// The id followed by a 12-byte command.
pub(crate) const LONG_FORM_ID: u8 = 0;
/// `rekey_init`: 32 bytes, the sender's fresh ephemeral key.
pub(crate) const REKEY_INIT_ID: u8 = 0x80;
/// `rekey_ack`: 32 bytes, the answering side's fresh ephemeral key.
pub(crate) const REKEY_ACK_ID: u8 = 0x81;
/// `rekey_done`: empty; the last packet its sender sends under the old key.
pub(crate) const REKEY_DONE_ID: u8 = 0x82;
/// `privacy_budget`: the sender's traffic-shaping budget (10 bytes), right
/// after its `version` when that announces shaping features.
pub(crate) const PRIVACY_BUDGET_ID: u8 = 0x83;

/// Short ids in catalogue order: index + 1 is the id. Fixed forever; new
/// messages get new ids at the end.
const SHORT_IDS: [MessageKind; 17] = [
    MessageKind::Version,
    MessageKind::Verack,
    MessageKind::Ping,
    MessageKind::Pong,
    MessageKind::Addr,
    MessageKind::GetAddr,
    MessageKind::Block,
    MessageKind::GetBlocks,
    MessageKind::Headers,
    MessageKind::GetHeaders,
    MessageKind::Inv,
    MessageKind::Tx,
    MessageKind::Mempool,
    MessageKind::GetData,
    MessageKind::NotFound,
    MessageKind::Disconnect,
    MessageKind::StemTx,
];

/// The short id of `kind`.
pub(crate) fn short_id(kind: MessageKind) -> u8 {
    let index = SHORT_IDS
        .iter()
        .position(|&k| k == kind)
        .unwrap_or_else(|| unreachable!("every catalogue kind has a short id"));
    index as u8 + 1
}

/// A rekey message of the channel itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(clippy::enum_variant_names)] // named as on the wire
pub(crate) enum Control {
    RekeyInit([u8; 32]),
    RekeyAck([u8; 32]),
    RekeyDone,
    PrivacyBudget(Budget),
}

impl Control {
    /// The message's name, for errors.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Control::RekeyInit(_) => "rekey_init",
            Control::RekeyAck(_) => "rekey_ack",
            Control::RekeyDone => "rekey_done",
            Control::PrivacyBudget(_) => "privacy_budget",
        }
    }

    pub(crate) fn encoded_len(self) -> usize {
        match self {
            Control::RekeyInit(_) | Control::RekeyAck(_) => 33,
            Control::RekeyDone => 1,
            Control::PrivacyBudget(_) => 1 + BUDGET_LEN,
        }
    }

    pub(crate) fn encode(self, out: &mut [u8]) {
        match self {
            Control::RekeyInit(key) => {
                out[0] = REKEY_INIT_ID;
                out[1..33].copy_from_slice(&key);
            }
            Control::RekeyAck(key) => {
                out[0] = REKEY_ACK_ID;
                out[1..33].copy_from_slice(&key);
            }
            Control::RekeyDone => out[0] = REKEY_DONE_ID,
            Control::PrivacyBudget(budget) => {
                out[0] = PRIVACY_BUDGET_ID;
                out[1..1 + BUDGET_LEN].copy_from_slice(&budget.encode());
            }
        }
    }
}

/// One decoded packet's contents.
#[derive(Debug)]
pub(crate) enum Contents {
    Message(Message),
    Control(Control),
    /// A message of a type this version does not know, skipped.
    Skipped,
}

fn malformed(problem: &'static str, id: Option<u8>) -> CloseReason {
    CloseReason::MalformedPacket { problem, id }
}

/// Decodes authenticated contents. `contents` is a zero-copy slice of the
/// packet buffer, so opaque bodies (blocks, transactions) are never copied.
pub(crate) fn decode(contents: Bytes, wire: &WireConfig) -> Result<Contents, CloseReason> {
    let Some(&id) = contents.first() else {
        return Err(malformed("empty packet", None));
    };
    let (kind, payload) = match id {
        LONG_FORM_ID => {
            let Some(raw) = contents.get(1..1 + COMMAND_LEN) else {
                return Err(malformed(
                    "long-form id without a 12-byte command",
                    Some(id),
                ));
            };
            let mut bytes = [0u8; COMMAND_LEN];
            bytes.copy_from_slice(raw);
            let command = Command::from_raw(bytes)
                .map_err(|_| malformed("long-form command is not a valid command", Some(id)))?;
            match MessageKind::from_command(&command) {
                Some(kind) => (kind, contents.slice(1 + COMMAND_LEN..)),
                None => return unknown(id, wire),
            }
        }
        REKEY_INIT_ID | REKEY_ACK_ID => {
            let Ok(key) = <[u8; 32]>::try_from(&contents[1..]) else {
                return Err(malformed("rekey key is not 32 bytes", Some(id)));
            };
            return Ok(Contents::Control(if id == REKEY_INIT_ID {
                Control::RekeyInit(key)
            } else {
                Control::RekeyAck(key)
            }));
        }
        REKEY_DONE_ID if contents.len() == 1 => return Ok(Contents::Control(Control::RekeyDone)),
        REKEY_DONE_ID => return Err(malformed("rekey_done has a payload", Some(id))),
        PRIVACY_BUDGET_ID => {
            let Ok(budget) = <[u8; BUDGET_LEN]>::try_from(&contents[1..]) else {
                return Err(malformed("privacy_budget is not 10 bytes", Some(id)));
            };
            return Ok(Contents::Control(Control::PrivacyBudget(Budget::decode(
                &budget,
            ))));
        }
        _ => match SHORT_IDS.get(usize::from(id) - 1) {
            Some(&kind) => (kind, contents.slice(1..)),
            None => return unknown(id, wire),
        },
    };
    let max = wire.max_payload_for(kind) as usize;
    if payload.len() > max {
        return Err(malformed("message above its size limit", Some(id)));
    }
    Message::decode(kind, payload)
        .map(Contents::Message)
        .map_err(|error| CloseReason::MalformedPayload { kind, error })
}

fn unknown(id: u8, wire: &WireConfig) -> Result<Contents, CloseReason> {
    match wire.unknown_commands {
        UnknownCommandPolicy::Skip => Ok(Contents::Skipped),
        UnknownCommandPolicy::Reject => Err(malformed("unknown message id", Some(id))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Ping;
    use alloc::vec::Vec;

    fn contents_of(message: &Message) -> Bytes {
        let mut out = Vec::from([short_id(message.kind())]);
        message.encode_payload(&mut out).unwrap();
        Bytes::from(out)
    }

    #[test]
    fn every_kind_has_a_distinct_short_id_that_round_trips() {
        for &kind in MessageKind::ALL {
            let id = short_id(kind);
            assert_eq!(SHORT_IDS[usize::from(id) - 1], kind);
        }
        let message = Message::Ping(Ping { nonce: 9 });
        match decode(contents_of(&message), &WireConfig::default()).unwrap() {
            Contents::Message(decoded) => assert_eq!(decoded, message),
            other => panic!("decoded {other:?}"),
        }
    }

    #[test]
    fn long_form_names_known_and_unknown_commands() {
        let mut known = Vec::from([LONG_FORM_ID]);
        known.extend_from_slice(b"verack\0\0\0\0\0\0");
        assert!(matches!(
            decode(Bytes::from(known), &WireConfig::default()),
            Ok(Contents::Message(Message::Verack))
        ));
        let mut unknown = Vec::from([LONG_FORM_ID]);
        unknown.extend_from_slice(b"future\0\0\0\0\0\0payload");
        assert!(matches!(
            decode(Bytes::from(unknown.clone()), &WireConfig::default()),
            Ok(Contents::Skipped)
        ));
        let reject = WireConfig {
            unknown_commands: UnknownCommandPolicy::Reject,
            ..WireConfig::default()
        };
        assert!(decode(Bytes::from(unknown), &reject).is_err());
    }

    #[test]
    fn malformed_contents_are_typed_errors() {
        let wire = WireConfig::default();
        for bad in [
            &[][..],
            &[REKEY_INIT_ID, 1, 2],
            &[REKEY_DONE_ID, 0],
            &[PRIVACY_BUDGET_ID, 1, 2],
            &[LONG_FORM_ID, b'a'],
        ] {
            let err = decode(Bytes::copy_from_slice(bad), &wire).unwrap_err();
            assert_eq!(err.consequence(), crate::Consequence::Discourage, "{bad:?}");
        }
        let ping_too_long = Bytes::from_static(&[3, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert!(matches!(
            decode(ping_too_long, &wire),
            Err(CloseReason::MalformedPacket { id: Some(3), .. })
        ));
    }

    #[test]
    fn control_messages_round_trip() {
        for control in [
            Control::RekeyInit([7; 32]),
            Control::RekeyAck([8; 32]),
            Control::RekeyDone,
            Control::PrivacyBudget(Budget {
                max_overhead_percent: 30,
                max_added_latency: crate::Duration::from_millis(250),
                max_urgent_latency: crate::Duration::from_millis(50),
            }),
        ] {
            let mut out = [0u8; 33];
            control.encode(&mut out);
            let decoded = decode(
                Bytes::copy_from_slice(&out[..control.encoded_len()]),
                &WireConfig::default(),
            );
            assert!(matches!(decoded, Ok(Contents::Control(c)) if c == control));
        }
    }
}
