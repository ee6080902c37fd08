//! A man in the middle: flipping any single byte of either stream, during
//! the handshake or after it, ends the connection (or keeps it from ever
//! completing) and never gets altered data delivered; stripping feature
//! bits works on the plaintext transport and fails authentication on the
//! encrypted one.

mod support;

use support::conn::*;
use veil_core::connection::{
    layout, CloseReason, ConnectionConfig, ConnectionState, LocalVersion, TransportKind,
};
use veil_core::message::Message;
use veil_core::packet::{packet_len, DecryptError};
use veil_core::shaping::ShapingConfig;
use veil_core::testing::{Direction, Pair};
use veil_core::wire::{checksum, HEADER_LEN};
use veil_core::{Duration, Instant};

const SEED: u64 = 21;

fn from_a() -> Vec<Message> {
    vec![
        Message::GetAddr,
        Message::Tx(vec![0xaa; 20].into()),
        Message::Block(vec![0xac; 10].into()),
        Message::Tx(vec![0xab; 40].into()),
    ]
}

fn from_b() -> Vec<Message> {
    vec![Message::Mempool, Message::Tx(vec![0xbb; 30].into())]
}

/// The scenario: handshake, then at 1 s each connected side sends its
/// messages; runs until `until`. `flip` XORs one bit into the byte at an
/// offset of one direction's stream.
fn run(
    config: &ConnectionConfig,
    seed: u64,
    flip: Option<(Direction, u64)>,
    until: Instant,
) -> Pair {
    let mut pair = Pair::new(config.clone(), config.clone(), seed).unwrap();
    pair.latency = Duration::from_millis(10);
    if let Some((direction, target)) = flip {
        let mask = 1u8 << (target % 8);
        pair.tamper = Some(Box::new(move |d, offset, bytes| {
            let end = offset + bytes.len() as u64;
            if d == direction && (offset..end).contains(&target) {
                bytes[(target - offset) as usize] ^= mask;
            }
        }));
    }
    let send_at = Instant::from_millis(1_000);
    pair.run_until(send_at).unwrap();
    if pair.a.state() == ConnectionState::Connected {
        for message in from_a() {
            pair.a.send(send_at, message).unwrap();
        }
    }
    if pair.b.state() == ConnectionState::Connected {
        for message in from_b() {
            pair.b.send(send_at, message).unwrap();
        }
    }
    pair.run_until(until).unwrap();
    pair
}

fn is_prefix(got: &[Message], sent: &[Message]) -> bool {
    got.len() <= sent.len() && got == &sent[..got.len()]
}

/// Flips each offset `pick` chooses in turn (it sees the direction, the
/// offset and how long that direction's handshake is) and checks the
/// outcome against the untouched run. Returns how many runs it made.
///
/// Each run is a fresh pair, so it costs a handshake's public-key
/// operations (20-40 ms in a debug build): the sweeps below choose their
/// offsets to stay near a thousand runs in all.
fn sweep(
    config: &ConnectionConfig,
    seed: u64,
    directions: &[Direction],
    pick: impl Fn(Direction, u64, u64) -> bool,
) -> usize {
    let handshake = {
        let mut pair = Pair::new(config.clone(), config.clone(), seed).unwrap();
        pair.run_until_connected().unwrap();
        [pair.a.stats().bytes_sent, pair.b.stats().bytes_sent]
    };
    let reference = run(config, seed, None, Instant::from_millis(2_000));
    assert!(messages(&reference, false) == from_a());
    assert!(messages(&reference, true) == from_b());
    let infos = [
        handshake_info(&reference, true),
        handshake_info(&reference, false),
    ];
    let lengths = [
        reference.a.stats().bytes_sent,
        reference.b.stats().bytes_sent,
    ];
    let mut runs = 0;
    for &direction in directions {
        let (len, handshake) = match direction {
            Direction::AToB => (lengths[0], handshake[0]),
            Direction::BToA => (lengths[1], handshake[1]),
        };
        assert!(len > handshake);
        for offset in (0..len).filter(|&o| pick(direction, o, handshake)) {
            runs += 1;
            // Long enough for the handshake, pong and any other timeout.
            let until = Instant::from_millis(400_000);
            let pair = run(config, seed, Some((direction, offset)), until);
            let what = format!("{direction:?} offset {offset} of {len}");
            assert!(
                closed(&pair, true).is_some() || closed(&pair, false).is_some(),
                "{what}: still open"
            );
            assert!(
                is_prefix(&messages(&pair, false), &from_a()),
                "{what}: altered a → b"
            );
            assert!(
                is_prefix(&messages(&pair, true), &from_b()),
                "{what}: altered b → a"
            );
            for (i, at_a) in [true, false].into_iter().enumerate() {
                if let Some(info) = handshake_info(&pair, at_a) {
                    assert_eq!(Some(info), infos[i], "{what}: altered handshake");
                }
            }
        }
    }
    runs
}

/// Without garbage: every offset of the handshake flights (message 1 or
/// 2, terminator, message 3, version and verack packets) and every other
/// offset of the application packets after them.
fn sweep_without_garbage(direction: Direction) -> usize {
    // Unpadded, so that every byte of the bare protocol is swept; the
    // sampled sweep below runs with the default (padded) configuration.
    let config = ConnectionConfig {
        max_garbage_len: 0,
        shaping: ShapingConfig::OFF,
        ..ConnectionConfig::default()
    };
    sweep(&config, SEED, &[direction], |_, offset, handshake| {
        offset < handshake || offset % 2 == 0
    })
}

/// The version packet of the default user agent: 1 id byte and 81 bytes
/// of payload, 20 bytes of packet overhead.
const VERSION_PACKET: usize = 102;

#[test]
fn flipping_any_handshake_byte_a_to_b_closes_and_delivers_nothing_altered() {
    // 32 + 16 + 161 + version + verack (21) = 332 handshake bytes, then
    // four application packets (21 + 41 + 31 + 61 = 154 bytes, every other
    // offset).
    let handshake = layout::MSG1_LEN + layout::TERMINATOR_LEN + layout::MSG3_LEN;
    let handshake = handshake + VERSION_PACKET + packet_len(1);
    assert_eq!(handshake, 332);
    assert_eq!(sweep_without_garbage(Direction::AToB), 332 + 154 / 2);
}

#[test]
fn flipping_any_handshake_byte_b_to_a_closes_and_delivers_nothing_altered() {
    // 193 + 16 + version + verack (21) = 332 handshake bytes, then two
    // application packets (21 + 51 = 72 bytes, every other offset).
    let handshake = layout::MSG2_LEN + layout::TERMINATOR_LEN + VERSION_PACKET + packet_len(1);
    assert_eq!(handshake, 332);
    assert_eq!(sweep_without_garbage(Direction::BToA), 332 + 72 / 2);
}

/// Default garbage (up to 4095 bytes each way): every 61st byte of the
/// garbage and its last two, every 13th offset of the rest (the rest is
/// swept in full without garbage above).
#[test]
fn flipping_sampled_bytes_of_a_full_garbage_stream_closes_and_delivers_nothing_altered() {
    let config = ConnectionConfig::default();
    // Garbage follows message 1 (a → b) or message 2 (b → a): the first
    // chunk each way is that message and the garbage (`b`'s also ends with
    // its terminator). Take the first seed with long garbage both ways.
    let (seed, garbage_a, garbage_b) = (SEED..)
        .map(|seed| {
            let mut pair = Pair::new(config.clone(), config.clone(), seed).unwrap();
            let chunks = record(&mut pair);
            pair.run_until_connected().unwrap();
            let first_a = chunks_of(&chunks, Direction::AToB)[0].len() as u64;
            let first_b = chunks_of(&chunks, Direction::BToA)[0].len() as u64;
            let garbage_a = layout::MSG1_LEN as u64..first_a;
            let garbage_b = layout::MSG2_LEN as u64..first_b - layout::TERMINATOR_LEN as u64;
            (seed, garbage_a, garbage_b)
        })
        .find(|(_, a, b)| a.end - a.start > 2_000 && b.end - b.start > 2_000)
        .unwrap();
    let both = [Direction::AToB, Direction::BToA];
    let runs = sweep(&config, seed, &both, |direction, offset, _| {
        let garbage = match direction {
            Direction::AToB => &garbage_a,
            Direction::BToA => &garbage_b,
        };
        if garbage.contains(&offset) {
            (offset - garbage.start) % 61 == 0 || garbage.end - offset <= 2
        } else {
            offset % 13 == 0
        }
    });
    assert!(runs > 100, "{runs} runs");
}

/// Offset 17 of a version packet holds the low byte of `features`: length
/// (3), header (1), id (1), protocol version (4) and timestamp (8) come
/// first.
const FEATURES_IN_PACKET: usize = 3 + 1 + 1 + 4 + 8;
/// In a plaintext version frame: the 20-byte header, protocol version and
/// timestamp.
const FEATURES_IN_FRAME: usize = HEADER_LEN + 4 + 8;

fn offering(transport: TransportKind) -> ConnectionConfig {
    ConnectionConfig {
        local: LocalVersion {
            features: 0b11,
            ..LocalVersion::default()
        },
        outbound_transport: transport,
        accept_plaintext: true,
        ..ConnectionConfig::default()
    }
}

#[test]
fn a_man_in_the_middle_strips_feature_bits_from_plaintext() {
    let config = offering(TransportKind::Plaintext);
    let mut pair = Pair::new(config.clone(), config, SEED).unwrap();
    // Each side's first chunk starts with its version frame: clear the
    // feature bits and fix the checksum.
    pair.tamper = Some(Box::new(|_, offset, bytes| {
        if offset == 0 && bytes.get(4..11) == Some(&b"version"[..]) {
            bytes[FEATURES_IN_FRAME] = 0;
            let len = u32::from_le_bytes(bytes[..4].try_into().unwrap()) as usize;
            let sum = checksum(&bytes[HEADER_LEN..HEADER_LEN + len]);
            bytes[16..20].copy_from_slice(&sum);
        }
    }));
    pair.run_until_connected().unwrap();
    assert_eq!(pair.a.state(), ConnectionState::Connected);
    for at_a in [true, false] {
        let info = handshake_info(&pair, at_a).unwrap();
        assert_eq!(info.remote.features, 0, "the strip went unnoticed");
        assert_eq!(info.features, 0, "both offered 0b11, both settle for none");
    }
}

#[test]
fn a_man_in_the_middle_cannot_strip_feature_bits_from_encrypted_packets() {
    for direction in [Direction::AToB, Direction::BToA] {
        let config = offering(TransportKind::Encrypted);
        let mut pair = Pair::new(config.clone(), config, SEED).unwrap();
        // The version packet: `a`'s follows its terminator and message 3
        // in its second chunk; `b`'s opens its second chunk. ChaCha20 is a
        // stream cipher, so XOR-ing the known plaintext bits would clear
        // them, were it not for the tag.
        let skip = match direction {
            Direction::AToB => layout::TERMINATOR_LEN + layout::MSG3_LEN,
            Direction::BToA => 0,
        };
        let mut seen = 0;
        pair.tamper = Some(Box::new(move |d, _, bytes| {
            if d == direction {
                seen += 1;
                if seen == 2 {
                    bytes[skip + FEATURES_IN_PACKET] ^= 0b11;
                }
            }
        }));
        pair.run_until(Instant::from_millis(60_000)).unwrap();
        let victim = direction == Direction::BToA;
        assert_eq!(
            close_reason(&pair, victim),
            Some(CloseReason::Decrypt(DecryptError::Authentication)),
            "{direction:?}"
        );
        assert!(handshake_info(&pair, victim).is_none());
        assert!(packet_len(1 + 69) > FEATURES_IN_PACKET);
    }
}
