//! The packet layer against BIP324's official packet-encoding vectors, read
//! from `shared/vectors/bip324/` beside the repository, plus round-trip and
//! tamper properties.
//!
//! The BIP's procedure per row: a sender from the row's keys (the
//! initiator's when `in_initiating` is 1, else the responder's) encrypts
//! `in_idx` packets with empty contents, no associated data and no decoy
//! bit, then `in_contents` repeated `in_multiply` times with `in_aad` and
//! the decoy bit `in_ignore`.

use proptest::prelude::*;
use veil_core::packet::{
    packet_len, DecryptError, Header, ReceiveCipher, SendCipher, LENGTH_FIELD_LEN,
    MAX_CONTENTS_LEN, REKEY_INTERVAL,
};

const VECTORS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/vectors/bip324/packet_encoding_test_vectors.csv"
);

/// One row, by column name.
struct Row {
    columns: Vec<(String, String)>,
}

impl Row {
    fn get(&self, name: &str) -> &str {
        self.columns
            .iter()
            .find(|(column, _)| column == name)
            .map(|(_, value)| value.as_str())
            .unwrap_or_else(|| panic!("no column {name}"))
    }

    fn bytes(&self, name: &str) -> Vec<u8> {
        hex::decode(self.get(name)).unwrap_or_else(|e| panic!("column {name}: {e}"))
    }

    fn key(&self, name: &str) -> [u8; 32] {
        self.bytes(name).try_into().expect("32-byte key")
    }

    fn number(&self, name: &str) -> usize {
        self.get(name).parse().expect("decimal column")
    }
}

fn rows() -> Vec<Row> {
    let text =
        std::fs::read_to_string(VECTORS).unwrap_or_else(|e| panic!("cannot read {VECTORS}: {e}"));
    let mut lines = text.lines().filter(|line| !line.trim().is_empty());
    let names: Vec<&str> = lines.next().expect("header line").split(',').collect();
    lines
        .map(|line| {
            let values: Vec<&str> = line.split(',').collect();
            assert_eq!(values.len(), names.len(), "ragged row: {line:.40}");
            Row {
                columns: names
                    .iter()
                    .zip(values)
                    .map(|(n, v)| (n.to_string(), v.to_string()))
                    .collect(),
            }
        })
        .collect()
}

/// The row's sending keys: (length key, packet key).
fn sending_keys(row: &Row) -> ([u8; 32], [u8; 32]) {
    if row.get("in_initiating") == "1" {
        (row.key("mid_initiator_l"), row.key("mid_initiator_p"))
    } else {
        (row.key("mid_responder_l"), row.key("mid_responder_p"))
    }
}

/// Decrypts one whole packet, checking it is exactly one packet long.
fn receive<'a>(
    receiver: &mut ReceiveCipher,
    packet: &'a mut [u8],
    aad: &[u8],
) -> Result<(Header, &'a [u8]), DecryptError> {
    let (length, body) = packet.split_at_mut(LENGTH_FIELD_LEN);
    let body_len = receiver.decrypt_length(length.try_into().unwrap())?;
    assert_eq!(body_len, body.len());
    let received = receiver.decrypt_in_place(body, aad)?;
    Ok((received.header, received.contents))
}

#[test]
fn official_vectors_encrypt_and_decrypt() {
    let rows = rows();
    assert_eq!(rows.len(), 7, "the BIP ships 7 packet vectors");
    for (number, row) in rows.iter().enumerate() {
        let (length_key, packet_key) = sending_keys(row);
        let mut sender = SendCipher::new(length_key, packet_key);
        let mut receiver =
            ReceiveCipher::new(length_key, packet_key).with_max_contents_len(MAX_CONTENTS_LEN);

        for earlier in 0..row.number("in_idx") {
            let mut packet = sender.encrypt_to_vec(&[], &[], Header::DATA).unwrap();
            let (header, contents) = receive(&mut receiver, &mut packet, &[])
                .unwrap_or_else(|e| panic!("row {number}, earlier packet {earlier}: {e}"));
            assert_eq!((header, contents), (Header::DATA, &[][..]));
        }

        let contents = row.bytes("in_contents").repeat(row.number("in_multiply"));
        let aad = row.bytes("in_aad");
        let header = Header::DATA.with_decoy(row.get("in_ignore") == "1");
        let mut out = vec![0u8; packet_len(contents.len())];
        let written = sender.encrypt(&contents, &aad, header, &mut out).unwrap();
        assert_eq!(written, out.len());

        let expected = row.get("out_ciphertext");
        if expected.is_empty() {
            let tail = row.bytes("out_ciphertext_endswith");
            assert!(!tail.is_empty(), "row {number} has no expected output");
            assert!(
                out.ends_with(&tail),
                "row {number}: ciphertext tail differs"
            );
        } else {
            assert_eq!(
                hex::encode(&out),
                expected,
                "row {number}: ciphertext differs"
            );
        }

        let (received_header, received) =
            receive(&mut receiver, &mut out, &aad).unwrap_or_else(|e| panic!("row {number}: {e}"));
        assert_eq!(received_header, header, "row {number}: header");
        assert!(received == contents, "row {number}: contents differ");
        assert_eq!(receiver.packets_received(), sender.packets_sent());
    }
}

#[test]
fn vectors_fail_under_the_other_directions_keys_or_other_aad() {
    for row in rows().iter().filter(|row| row.number("in_idx") == 0) {
        let (length_key, packet_key) = sending_keys(row);
        let other_direction = if row.get("in_initiating") == "1" {
            (row.key("mid_responder_l"), row.key("mid_responder_p"))
        } else {
            (row.key("mid_initiator_l"), row.key("mid_initiator_p"))
        };
        let contents = row.bytes("in_contents").repeat(row.number("in_multiply"));
        let aad = row.bytes("in_aad");
        let packet = SendCipher::new(length_key, packet_key)
            .encrypt_to_vec(&contents, &aad, Header::DATA)
            .unwrap();

        let mut other_aad = aad.clone();
        other_aad.push(0);
        let mut receiver =
            ReceiveCipher::new(length_key, packet_key).with_max_contents_len(MAX_CONTENTS_LEN);
        assert_eq!(
            receive_any_length(&mut receiver, &packet, &other_aad),
            Err(DecryptError::Authentication)
        );

        let mut receiver = ReceiveCipher::new(other_direction.0, other_direction.1)
            .with_max_contents_len(MAX_CONTENTS_LEN);
        assert!(matches!(
            receive_any_length(&mut receiver, &packet, &aad),
            Err(DecryptError::Authentication | DecryptError::Oversize { .. })
        ));
    }
}

/// Decrypts the packet at the start of `stream` whatever length its
/// (possibly wrongly decrypted) length field gives, padding with zeros.
fn receive_any_length(
    receiver: &mut ReceiveCipher,
    stream: &[u8],
    aad: &[u8],
) -> Result<(), DecryptError> {
    let body_len = receiver.decrypt_length(stream[..LENGTH_FIELD_LEN].try_into().unwrap())?;
    let mut body = stream[LENGTH_FIELD_LEN..].to_vec();
    body.resize(body_len, 0);
    receiver.decrypt_in_place(&mut body, aad).map(|_| ())
}

/// Arbitrary packets: contents, associated data (usually empty) and header.
fn packets(count: std::ops::Range<usize>) -> impl Strategy<Value = Vec<(Vec<u8>, Vec<u8>, u8)>> {
    prop::collection::vec(
        (
            prop::collection::vec(any::<u8>(), 0..48),
            prop_oneof![3 => Just(Vec::new()), 1 => prop::collection::vec(any::<u8>(), 1..16)],
            any::<u8>(),
        ),
        count,
    )
}

const KEYS: ([u8; 32], [u8; 32]) = ([0x11; 32], [0x22; 32]);

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// In order, across more than two rekeys, every packet comes back as
    /// it was sent, whatever its contents, associated data and header.
    #[test]
    fn round_trip_across_rekeys(
        keys in any::<([u8; 32], [u8; 32])>(),
        packets in packets(2 * REKEY_INTERVAL as usize + 1..2 * REKEY_INTERVAL as usize + 40),
    ) {
        let mut sender = SendCipher::new(keys.0, keys.1);
        let mut receiver = ReceiveCipher::new(keys.0, keys.1);
        let mut stream = Vec::new();
        for (contents, aad, header) in &packets {
            let start = stream.len();
            stream.resize(start + packet_len(contents.len()), 0);
            sender.encrypt(contents, aad, Header::from_byte(*header), &mut stream[start..]).unwrap();
        }
        let mut rest = &mut stream[..];
        for (contents, aad, header) in &packets {
            let (packet, tail) = std::mem::take(&mut rest).split_at_mut(packet_len(contents.len()));
            let (received_header, received) = receive(&mut receiver, packet, aad).unwrap();
            prop_assert_eq!(received_header.to_byte(), *header);
            prop_assert_eq!(received, &contents[..]);
            rest = tail;
        }
        prop_assert!(rest.is_empty());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Flipping bits of any one byte of a packet (after any number of
    /// earlier packets, so across rekeys too) makes decryption fail: it
    /// never yields altered contents or header.
    #[test]
    fn any_flipped_byte_fails(
        earlier in 0..(REKEY_INTERVAL as usize + 20),
        contents in prop::collection::vec(any::<u8>(), 0..40),
        decoy in any::<bool>(),
        position in any::<prop::sample::Index>(),
        mask in 1..=u8::MAX,
        filler in any::<u8>(),
    ) {
        let mut sender = SendCipher::new(KEYS.0, KEYS.1);
        // Small, so most altered lengths are rejected up front.
        let mut receiver = ReceiveCipher::new(KEYS.0, KEYS.1).with_max_contents_len(64);
        for _ in 0..earlier {
            let mut packet = sender.encrypt_to_vec(b"earlier", &[], Header::DATA).unwrap();
            receive(&mut receiver, &mut packet, &[]).unwrap();
        }
        let header = Header::DATA.with_decoy(decoy);
        let mut packet = sender.encrypt_to_vec(&contents, &[], header).unwrap();
        let at = position.index(packet.len());
        packet[at] ^= mask;

        // Past the packet the receiver reads whatever follows in the stream.
        packet.resize(packet.len() + 64, filler);
        let result = receive_any_length(&mut receiver, &packet, &[]);
        match result {
            Err(DecryptError::Authentication | DecryptError::Oversize { .. }) => {}
            other => prop_assert!(false, "flip at {} gave {:?}", at, other),
        }
        // The failure sticks: nothing after it is trusted.
        prop_assert!(receiver.decrypt_length([0; 3]).is_err());
    }
}
