//! Writes the hand-written seeds of the connection, shaping, ban list, SOCKS5,
//! address book and node fuzz targets into `fuzz/corpus/connection_handshake/`,
//! `fuzz/corpus/connection_established/`, `fuzz/corpus/shaped_packets/`,
//! `fuzz/corpus/banlist_load/`, `fuzz/corpus/socks5_reply/`,
//! `fuzz/corpus/addrbook_load/` and `fuzz/corpus/node_inputs/`
//! (ignored by a plain `cargo test`):
//!
//! ```sh
//! cargo test -p veil-core --test fuzz_seeds -- --ignored
//! ```
//!
//! Complete handshakes are the bytes a genuine outbound connection sends to
//! `fuzz_harness::handshake_inbound`, which answers the same way every time,
//! so the harness's inbound connection completes its handshake on them.
//! SOCKS5 seeds each state the outcome a client reading them must reach.
//! Every seed is replayed through its harness before it is written.

use std::fs;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use rand_chacha::rand_core::SeedableRng;
use veil_core::addrbook::{AddrBook, AddrBookConfig};
use veil_core::connection::{Connection, ConnectionConfig, ConnectionState, Event, TransportKind};
use veil_core::fuzz_harness::{self, node_op, CONNECTION_WALL_CLOCK};
use veil_core::identity::Identity;
use veil_core::message::{
    AddrEntry, BlockLocator, Disconnect, DisconnectReason, InvItem, InvKind, Message, MessageKind,
    NetAddress, Ping, Pong, Version, PROTOCOL_VERSION,
};
use veil_core::peering::{BanList, BanPolicy};
use veil_core::socks5::{
    Auth, Credentials, Progress, ReplyError, Socks5Client, Socks5Error, Stage, Target,
};
use veil_core::wire::{FrameEncoder, FrameHeader};
use veil_core::{Consequence, Duration, Instant, UnixTime};

/// The project's limit on a committed corpus file.
const MAX_SEED_LEN: usize = 4096;

fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target)
}

/// Replays `data` through `harness`, then writes it as `dir/name`.
fn write_seed(dir: &Path, name: &str, data: &[u8], harness: fn(&[u8])) {
    assert!(data.len() <= MAX_SEED_LEN, "{name}: {} bytes", data.len());
    harness(data);
    fs::write(dir.join(name), data).expect("writable corpus directory");
}

/// What a genuine outbound connection sent to the harness's inbound one,
/// call by call.
struct Capture {
    /// The flights in order: each is what one call made the outbound side
    /// transmit.
    flights: Vec<Vec<u8>>,
}

impl Capture {
    fn stream(&self, flights: core::ops::Range<usize>) -> Vec<u8> {
        self.flights[flights].concat()
    }
    fn all(&self) -> Vec<u8> {
        self.flights.concat()
    }
}

fn drain(connection: &mut Connection) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = connection.poll_transmit(&mut buf);
        if n == 0 {
            return out;
        }
        out.extend_from_slice(&buf[..n]);
    }
}

/// Answers pending nonce checks with "not ours"; true once connected.
fn poll_events(connection: &mut Connection) {
    while let Some(event) = connection.poll_event() {
        if let Event::CheckNonce { .. } = event {
            connection.resolve_nonce_check(Instant::ZERO, false);
        }
    }
}

/// Runs an outbound connection with `config` against
/// `handshake_inbound(control)` until both are connected, then lets `after`
/// act on the outbound side and delivers what it sends.
fn capture(control: u8, config: ConnectionConfig, after: impl FnOnce(&mut Connection)) -> Capture {
    let now = Instant::ZERO;
    let mut b = fuzz_harness::handshake_inbound(control);
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(0xa11ce);
    let identity = Identity::from_secret_bytes([0xa1; 32]);
    let mut a = Connection::outbound(
        Arc::new(config),
        &identity,
        None,
        now,
        CONNECTION_WALL_CLOCK,
        &mut rng,
    )
    .expect("valid configuration");
    let mut flights = Vec::new();
    for _ in 0..10 {
        let flight = drain(&mut a);
        if !flight.is_empty() {
            b.handle_input(now, &flight);
            flights.push(flight);
        }
        poll_events(&mut b);
        let answer = drain(&mut b);
        a.handle_input(now, &answer);
        poll_events(&mut a);
    }
    assert_eq!(a.state(), ConnectionState::Connected);
    assert_eq!(b.state(), ConnectionState::Connected);
    after(&mut a);
    let flight = drain(&mut a);
    if !flight.is_empty() {
        flights.push(flight);
    }
    Capture { flights }
}

fn encrypted(max_garbage_len: usize) -> ConnectionConfig {
    ConnectionConfig {
        max_garbage_len,
        ..ConnectionConfig::default()
    }
}

fn plaintext() -> ConnectionConfig {
    ConnectionConfig {
        outbound_transport: TransportKind::Plaintext,
        ..ConnectionConfig::default()
    }
}

fn seed(control: u8, chunking: u8, stream: &[u8]) -> Vec<u8> {
    let mut data = vec![control, chunking];
    data.extend_from_slice(stream);
    data
}

fn frame(message: &Message) -> Vec<u8> {
    FrameEncoder::default()
        .encode_to_vec(message)
        .expect("valid message")
}

/// A valid message of every type.
fn samples() -> Vec<Message> {
    let hash = [0x11; 32];
    let items = vec![
        InvItem {
            kind: InvKind::Tx,
            hash,
        },
        InvItem {
            kind: InvKind::Other(9),
            hash: [0x22; 32],
        },
    ];
    let locator = BlockLocator {
        version: PROTOCOL_VERSION,
        hashes: vec![hash, [0x33; 32]],
        stop: [0; 32],
    };
    vec![
        Message::Version(Version {
            protocol_version: PROTOCOL_VERSION,
            timestamp: UnixTime::from_secs(1_700_000_000),
            features: 0,
            privacy_features: 0,
            user_agent: "/seed:1/".into(),
            best_block_hash: hash,
            best_block_height: 7,
            nonce: 0x0123_4567_89ab_cdef,
        }),
        Message::Verack,
        Message::Ping(Ping { nonce: 42 }),
        Message::Pong(Pong { nonce: 42 }),
        Message::Addr(vec![AddrEntry {
            time: UnixTime::from_secs(1_700_000_000),
            features: 1,
            address: NetAddress::Ipv4(Ipv4Addr::new(203, 0, 113, 7)),
            port: 8333,
        }]),
        Message::GetAddr,
        Message::Block(Bytes::from_static(b"an opaque block")),
        Message::GetBlocks(locator.clone()),
        Message::Headers(vec![Bytes::from_static(b"header one"), Bytes::new()]),
        Message::GetHeaders(locator),
        Message::Inv(items.clone()),
        Message::Tx(Bytes::from_static(b"an opaque transaction")),
        Message::Mempool,
        Message::GetData(items.clone()),
        Message::NotFound(items),
        Message::Disconnect(Disconnect {
            reason: DisconnectReason::Requested,
            text: "bye".into(),
        }),
        Message::StemTx(Bytes::from_static(b"a stem transaction")),
    ]
}

fn sample(kind: MessageKind) -> Message {
    samples()
        .into_iter()
        .find(|message| message.kind() == kind)
        .expect("a sample of every kind")
}

fn payload(message: &Message) -> Vec<u8> {
    let mut out = Vec::new();
    message.encode_payload(&mut out).expect("valid message");
    out
}

/// A packet's contents: short id (catalogue position + 1) and payload.
fn contents(message: &Message) -> Vec<u8> {
    let mut out = vec![kind_index(message.kind()) + 1];
    out.extend(payload(message));
    out
}

fn kind_index(kind: MessageKind) -> u8 {
    MessageKind::ALL
        .iter()
        .position(|&k| k == kind)
        .expect("catalogue kind") as u8
}

#[test]
#[ignore = "writes the seed corpus; run with --ignored"]
fn write_connection_handshake_seeds() {
    let dir = corpus_dir("connection_handshake");
    fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, data: Vec<u8>| {
        write_seed(&dir, name, &data, fuzz_harness::connection_handshake);
    };

    // Encrypted: flights 0 (message 1 and garbage), 1 (terminator,
    // message 3, version packet), 2 (verack packet).
    let handshake = capture(0, encrypted(200), |_| {});
    assert_eq!(handshake.flights.len(), 3);
    let hs = handshake.all();
    write("encrypted_handshake_whole", seed(0x00, 0xff, &hs));
    write("encrypted_handshake_byte_chunks", seed(0x00, 0x00, &hs));
    write("encrypted_handshake_chunks_1ms", seed(0x02, 8, &hs));
    write("encrypted_handshake_chunks_100ms", seed(0x06, 40, &hs));
    write("encrypted_handshake_eof", seed(0x10, 0xff, &hs));
    write("encrypted_handshake_local_close", seed(0x80, 0xff, &hs));
    write("encrypted_handshake_timeout_midway", seed(0x0e, 30, &hs));
    write("encrypted_handshake_check_nonce", seed(0x20, 0xff, &hs));
    write("encrypted_handshake_self_connection", seed(0x60, 0xff, &hs));
    write(
        "encrypted_handshake_accept_plaintext",
        seed(0x01, 0xff, &hs),
    );
    let long_garbage = capture(0, encrypted(3500), |_| {});
    write(
        "encrypted_handshake_long_garbage",
        seed(0x00, 0xff, &long_garbage.all()),
    );
    let no_garbage = capture(0, encrypted(0), |_| {});
    write(
        "encrypted_handshake_no_garbage",
        seed(0x00, 3, &no_garbage.all()),
    );

    let first = handshake.stream(0..1);
    write("encrypted_first_flight", seed(0x00, 0xff, &first));
    write("encrypted_first_flight_eof", seed(0x10, 0xff, &first));
    write("encrypted_first_flight_close", seed(0x80, 0xff, &first));
    write("encrypted_msg1_truncated", seed(0x00, 0xff, &first[..20]));
    write(
        "encrypted_detect_prefix_only",
        seed(0x00, 0xff, &first[..15]),
    );
    let two = handshake.stream(0..2);
    write(
        "encrypted_second_flight_truncated",
        seed(0x00, 0xff, &two[..first.len() + 40]),
    );
    write("encrypted_two_flights_close", seed(0x80, 0xff, &two));
    let flipped = |at: usize| {
        let mut stream = hs.clone();
        stream[at] ^= 0x01;
        seed(0x00, 0xff, &stream)
    };
    write("encrypted_terminator_flipped", flipped(first.len()));
    write(
        "encrypted_msg3_static_flipped",
        flipped(first.len() + 16 + 5),
    );
    write(
        "encrypted_msg3_tag_flipped",
        flipped(first.len() + 16 + 48 + 10),
    );
    write("encrypted_version_packet_flipped", flipped(two.len() - 3));
    write("encrypted_verack_length_flipped", flipped(two.len()));
    let mut low_order = hs.clone();
    low_order[..32].fill(0);
    write("encrypted_msg1_zero_key", seed(0x00, 0xff, &low_order));

    let with_messages = capture(0, encrypted(200), |a| {
        for message in [
            Message::GetAddr,
            Message::Ping(Ping { nonce: 5 }),
            Message::Tx(Bytes::from_static(b"tx")),
            Message::Pong(Pong { nonce: 6 }),
        ] {
            a.send(Instant::ZERO, message).unwrap();
        }
    });
    write(
        "encrypted_handshake_then_messages",
        seed(0x00, 0xff, &with_messages.all()),
    );
    write(
        "encrypted_handshake_then_messages_chunks",
        seed(0x00, 16, &with_messages.all()),
    );
    let raw = |contents: &[u8]| {
        capture(0, encrypted(200), |a| {
            a.queue_raw_packet_for_testing(contents, false);
        })
        .all()
    };
    let mut rekey_init = vec![0x80];
    rekey_init.extend_from_slice(&[9; 32]);
    write(
        "encrypted_handshake_then_rekey_init",
        seed(0x00, 0xff, &raw(&rekey_init)),
    );
    write(
        "encrypted_handshake_then_rekey_done",
        seed(0x00, 0xff, &raw(&[0x82])),
    );
    write(
        "encrypted_handshake_then_empty_packet",
        seed(0x00, 0xff, &raw(&[])),
    );
    write(
        "encrypted_handshake_then_version",
        seed(0x00, 0xff, &raw(&contents(&sample(MessageKind::Version)))),
    );
    let closed = capture(0, encrypted(200), |a| {
        a.close(Instant::ZERO, DisconnectReason::Shutdown);
    });
    write(
        "encrypted_handshake_then_disconnect",
        seed(0x00, 0xff, &closed.all()),
    );

    // Plaintext: flights 0 (version frame) and 1 (verack frame).
    let plain = capture(0x01, plaintext(), |_| {});
    assert_eq!(plain.flights.len(), 2);
    let version = plain.stream(0..1);
    let pt = plain.all();
    write("plaintext_handshake_whole", seed(0x01, 0xff, &pt));
    write("plaintext_handshake_byte_chunks", seed(0x01, 0x00, &pt));
    write("plaintext_handshake_check_nonce", seed(0x21, 0xff, &pt));
    write("plaintext_handshake_self_connection", seed(0x61, 5, &pt));
    write("plaintext_handshake_eof", seed(0x11, 0xff, &pt));
    write("plaintext_refused", seed(0x00, 0xff, &pt));
    write("plaintext_version_only", seed(0x01, 0xff, &version));
    write(
        "plaintext_version_truncated",
        seed(0x01, 0xff, &version[..version.len() - 10]),
    );
    let mut bad_checksum = pt.clone();
    bad_checksum[20] ^= 0xff;
    write(
        "plaintext_version_bad_checksum",
        seed(0x01, 0xff, &bad_checksum),
    );
    let mut verack_first = frame(&Message::Verack);
    verack_first.extend_from_slice(&pt);
    write("plaintext_verack_first", seed(0x01, 0xff, &verack_first));
    let mut version_twice = version.clone();
    version_twice.extend_from_slice(&pt);
    write("plaintext_version_twice", seed(0x01, 0xff, &version_twice));
    let mut oversize = frame(&Message::Tx(Bytes::from(vec![7u8; 1500])));
    oversize.truncate(60);
    write(
        "plaintext_oversize_before_handshake",
        seed(0x01, 0xff, &[version.clone(), oversize.clone()].concat()),
    );
    let mut after = pt.clone();
    for message in [
        Message::Ping(Ping { nonce: 9 }),
        Message::GetAddr,
        Message::Pong(Pong { nonce: 1 }),
        sample(MessageKind::Inv),
        sample(MessageKind::Disconnect),
    ] {
        after.extend(frame(&message));
    }
    write("plaintext_handshake_then_messages", seed(0x01, 7, &after));
    let mut unknown = pt.clone();
    unknown.extend_from_slice(
        &FrameHeader {
            payload_len: 4,
            command: *b"sendcmpct\0\0\0",
            checksum: veil_core::wire::checksum(b"abcd"),
        }
        .to_bytes(),
    );
    unknown.extend_from_slice(b"abcd");
    unknown.extend(frame(&Message::GetAddr));
    write(
        "plaintext_handshake_then_unknown",
        seed(0x01, 0xff, &unknown),
    );
    // Announces the largest block, sends 1000 bytes of it.
    let mut block = pt.clone();
    block.extend_from_slice(
        &FrameHeader {
            payload_len: 4_000_000,
            command: *b"block\0\0\0\0\0\0\0",
            checksum: [0; 4],
        }
        .to_bytes(),
    );
    block.extend(vec![0xb1; 1000]);
    write(
        "plaintext_handshake_then_partial_block",
        seed(0x01, 0xff, &block),
    );

    write("empty_stream", seed(0x00, 0xff, &[]));
    write("zeros", seed(0x00, 0xff, &[0; 64]));
    write("zeros_accept_plaintext", seed(0x01, 1, &[0; 64]));
}

/// Operation encoding of `fuzz_harness::connection_established`.
#[derive(Default)]
struct Ops(Vec<u8>);

const HOLD: u8 = 0x08;

impl Ops {
    fn new(control: u8) -> Ops {
        Ops(vec![control])
    }
    fn code(&mut self, op: u8, p: u8, hold: bool) -> &mut Ops {
        self.0.push(op | p << 4 | if hold { HOLD } else { 0 });
        self
    }
    fn len_bytes(&mut self, bytes: &[u8], long: bool) -> &mut Ops {
        if long {
            self.0
                .extend_from_slice(&u16::try_from(bytes.len()).unwrap().to_le_bytes());
        } else {
            self.0.push(u8::try_from(bytes.len()).unwrap());
        }
        self.0.extend_from_slice(bytes);
        self
    }
    fn raw_input(&mut self, bytes: &[u8]) -> &mut Ops {
        let long = bytes.len() > 255;
        self.code(0, u8::from(long), false).len_bytes(bytes, long)
    }
    fn raw_packet(&mut self, contents: &[u8], decoy: bool, hold: bool) -> &mut Ops {
        let long = contents.len() > 255;
        self.code(1, u8::from(decoy) | u8::from(long) << 1, hold)
            .len_bytes(contents, long)
    }
    /// A raw packet with the padded (0x40) and more-fragments (0x20)
    /// header flags as given.
    fn flagged_packet(&mut self, contents: &[u8], padded: bool, more: bool) -> &mut Ops {
        let long = contents.len() > 255;
        let p = u8::from(long) << 1 | u8::from(padded) << 2 | u8::from(more) << 3;
        self.code(1, p, false).len_bytes(contents, long)
    }
    fn message(&mut self, message: &Message, long: bool) -> &mut Ops {
        self.0.push(kind_index(message.kind()));
        self.len_bytes(&payload(message), long)
    }
    fn send_a(&mut self, message: &Message, hold: bool) -> &mut Ops {
        let long = message.payload_len() > 255;
        self.code(2, u8::from(long), hold).message(message, long)
    }
    fn send_b(&mut self, message: &Message, hold: bool) -> &mut Ops {
        let long = message.payload_len() > 255;
        self.code(3, u8::from(long), hold).message(message, long)
    }
    fn deliver(&mut self, from_b: bool, n: u8, hold: bool) -> &mut Ops {
        self.code(4, u8::from(from_b), hold);
        self.0.push(n);
        self
    }
    fn wait(&mut self, d: u8, hold: bool) -> &mut Ops {
        self.code(5, 0, hold);
        self.0.push(d);
        self
    }
    fn next_deadline(&mut self, hold: bool) -> &mut Ops {
        self.code(5, 1, hold)
    }
    /// `which`: 0 `b.close`, 1 `a.close`, 2 `b` EOF, 3 `a` EOF.
    fn close(&mut self, which: u8, reason: u8) -> &mut Ops {
        self.code(6, which, false);
        self.0.push(reason);
        self
    }
    fn burst_send(&mut self, count: u8, message: &Message, hold: bool) -> &mut Ops {
        let long = message.payload_len() > 255;
        self.code(7, u8::from(long) << 1, hold);
        self.0.push(count - 1);
        self.message(message, long)
    }
    fn burst_raw(&mut self, count: u8, contents: &[u8], decoy: bool) -> &mut Ops {
        let long = contents.len() > 255;
        self.code(7, 1 | u8::from(long) << 1 | u8::from(decoy) << 2, false);
        self.0.push(count - 1);
        self.len_bytes(contents, long)
    }
}

#[test]
#[ignore = "writes the seed corpus; run with --ignored"]
fn write_connection_established_seeds() {
    let dir = corpus_dir("connection_established");
    fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, ops: &Ops| {
        write_seed(&dir, name, &ops.0, fuzz_harness::connection_established);
    };
    let getaddr = Message::GetAddr;
    let tx = sample(MessageKind::Tx);

    write("nothing", &Ops::new(0));
    write("send_getaddr", Ops::new(0).send_a(&getaddr, false));
    let mut every = Ops::new(0);
    let mut every_b = Ops::new(0);
    for message in samples() {
        every.send_a(&message, false);
        every_b.send_b(&message, false);
    }
    write("send_every_kind", &every);
    write("send_every_kind_from_b", &every_b);
    write(
        "send_large_block",
        Ops::new(0).send_a(&Message::Block(Bytes::from(vec![0xbb; 3000])), false),
    );
    write(
        "send_large_block_small_max",
        Ops::new(0x04).send_a(&Message::Block(Bytes::from(vec![0xbb; 3000])), false),
    );

    for kind in MessageKind::ALL {
        let name = format!("raw_packet_{}", kind.name());
        write(
            &name,
            Ops::new(0).raw_packet(&contents(&sample(*kind)), false, false),
        );
    }
    let mut rekey_key = vec![0x80];
    rekey_key.extend_from_slice(&[9; 32]);
    write(
        "raw_packet_rekey_init",
        Ops::new(0).raw_packet(&rekey_key, false, false),
    );
    let mut zero_key = vec![0x80];
    zero_key.extend_from_slice(&[0; 32]);
    write(
        "raw_packet_rekey_init_zero_key",
        Ops::new(0).raw_packet(&zero_key, false, false),
    );
    write(
        "raw_packet_rekey_init_short",
        Ops::new(0).raw_packet(&[0x80, 1, 2], false, false),
    );
    let mut ack = rekey_key.clone();
    ack[0] = 0x81;
    write(
        "raw_packet_rekey_ack",
        Ops::new(0).raw_packet(&ack, false, false),
    );
    write(
        "raw_packet_rekey_done",
        Ops::new(0).raw_packet(&[0x82], false, false),
    );
    write(
        "raw_packet_rekey_done_payload",
        Ops::new(0).raw_packet(&[0x82, 0], false, false),
    );
    write(
        "raw_packet_empty",
        Ops::new(0).raw_packet(&[], false, false),
    );
    write(
        "raw_packet_decoy",
        Ops::new(0).raw_packet(&[0xde, 0xc0, 0x1], true, false),
    );
    write(
        "raw_packet_long_form_no_command",
        Ops::new(0).raw_packet(&[0], false, false),
    );
    let mut long_verack = vec![0];
    long_verack.extend_from_slice(b"verack\0\0\0\0\0\0");
    write(
        "raw_packet_long_form_verack",
        Ops::new(0).raw_packet(&long_verack, false, false),
    );
    let mut long_getaddr = vec![0];
    long_getaddr.extend_from_slice(b"getaddr\0\0\0\0\0");
    write(
        "raw_packet_long_form_getaddr",
        Ops::new(0).raw_packet(&long_getaddr, false, false),
    );
    let mut long_unknown = vec![0];
    long_unknown.extend_from_slice(b"future\0\0\0\0\0\0payload");
    write(
        "raw_packet_long_form_unknown",
        Ops::new(0).raw_packet(&long_unknown, false, false),
    );
    write(
        "raw_packet_long_form_unknown_rejected",
        Ops::new(0x02).raw_packet(&long_unknown, false, false),
    );
    let mut bad_command = vec![0];
    bad_command.extend_from_slice(b"ver\0ack\0\0\0\0\0");
    write(
        "raw_packet_long_form_bad_command",
        Ops::new(0).raw_packet(&bad_command, false, false),
    );
    write(
        "raw_packet_unknown_id_18",
        Ops::new(0).raw_packet(&[18, 1, 2], false, false),
    );
    write(
        "raw_packet_unknown_id_ff_rejected",
        Ops::new(0x02).raw_packet(&[0xff], false, false),
    );
    write(
        "raw_packet_ping_too_long",
        Ops::new(0).raw_packet(&[3, 0, 0, 0, 0, 0, 0, 0, 0, 0], false, false),
    );
    let mut oversize = vec![12];
    oversize.extend(vec![0x5a; 1100]);
    write(
        "raw_packet_oversize_small_max",
        Ops::new(0x04).raw_packet(&oversize, false, false),
    );
    write(
        "raw_packet_burst_pings",
        Ops::new(0).burst_raw(200, &contents(&sample(MessageKind::Ping)), false),
    );
    write(
        "raw_packet_burst_decoys",
        Ops::new(0).burst_raw(50, &[1; 40], true),
    );

    write("raw_input_garbage", Ops::new(0).raw_input(&[0x42; 40]));
    write(
        "raw_input_after_message",
        Ops::new(0).send_a(&getaddr, false).raw_input(&[1, 2, 3]),
    );
    write(
        "partial_delivery_then_raw_input",
        Ops::new(0)
            .send_a(&tx, true)
            .deliver(false, 5, true)
            .raw_input(&[0; 8]),
    );
    let mut bytewise = Ops::new(0);
    bytewise.send_a(&tx, true);
    for _ in 0..40 {
        bytewise.deliver(false, 1, true);
    }
    bytewise.send_a(&getaddr, false);
    write("partial_delivery_byte_by_byte", &bytewise);
    write(
        "held_messages_both_ways",
        Ops::new(0)
            .send_a(&tx, true)
            .send_b(&getaddr, true)
            .send_a(&getaddr, true)
            .deliver(true, 3, true)
            .deliver(false, 200, true),
    );

    let mut keepalive = Ops::new(0);
    for _ in 0..6 {
        keepalive.wait(40, false); // 64 s
    }
    write("keepalive_pings", &keepalive);
    let mut unanswered = Ops::new(0);
    for _ in 0..4 {
        unanswered.wait(40, true);
    }
    write("keepalive_pings_held", &unanswered);
    write("inactivity", Ops::new(0).wait(90, false));
    let mut deadlines = Ops::new(0);
    for _ in 0..8 {
        deadlines.next_deadline(false);
    }
    write("next_deadlines", &deadlines);
    let mut deadlines_held = Ops::new(0);
    for _ in 0..8 {
        deadlines_held.next_deadline(true);
    }
    write("next_deadlines_held", &deadlines_held);

    let big_tx = Message::Tx(Bytes::from(vec![0x7e; 1000]));
    write(
        "rekey_by_volume",
        Ops::new(0x01)
            .burst_send(5, &big_tx, false)
            .send_a(&getaddr, false),
    );
    // The volume rekey's `rekey_init` and the next message reach `b` in one
    // chunk (the connection once dropped the rest of a chunk after a
    // `rekey_init`).
    write(
        "rekey_init_and_message_in_one_chunk",
        Ops::new(0x01)
            .send_a(&Message::Block(Bytes::from(vec![1; 2100])), true)
            .send_a(&getaddr, false),
    );
    write(
        "rekey_both_ways_by_volume",
        Ops::new(0x01)
            .burst_send(3, &big_tx, true)
            .send_b(&Message::Block(Bytes::from(vec![2; 2100])), true)
            .send_b(&getaddr, true)
            .send_a(&getaddr, false),
    );
    let mut rekey_time = Ops::new(0x01);
    for _ in 0..4 {
        rekey_time.wait(46, false); // 97 s
    }
    write("rekey_by_time", &rekey_time);
    write(
        "rekey_by_volume_held",
        Ops::new(0x01)
            .burst_send(10, &tx, true)
            .send_b(&Message::Block(Bytes::from(vec![1; 2100])), true)
            .deliver(false, 255, true)
            .deliver(true, 255, false),
    );
    write(
        "rekey_race",
        Ops::new(0x01)
            .wait(46, true)
            .wait(0, true)
            .send_a(&getaddr, false),
    );
    write(
        "rekey_then_raw_done",
        Ops::new(0x01)
            .burst_send(10, &tx, true)
            .raw_packet(&[0x82], false, false),
    );
    write(
        "rekey_then_raw_init",
        Ops::new(0x01)
            .burst_send(10, &tx, true)
            .raw_packet(&rekey_key, false, false),
    );

    // Padding and fragments, as a peer with the keys could frame them: a
    // padded getaddr (id 6), a getaddr cut in two fragments, padding that
    // is not zero, a length beyond the contents, a fragment chain cut by a
    // decoy.
    write(
        "padded_getaddr",
        Ops::new(0).flagged_packet(&[1, 0, 0, 6, 0, 0, 0], true, false),
    );
    write(
        "fragmented_ping",
        Ops::new(0)
            .flagged_packet(&[3, 1, 2, 3], false, true)
            .flagged_packet(&[4, 5, 6, 7, 8], false, false),
    );
    write(
        "nonzero_padding",
        Ops::new(0).flagged_packet(&[1, 0, 0, 6, 0, 9], true, false),
    );
    write(
        "padded_length_too_long",
        Ops::new(0).flagged_packet(&[9, 0, 0, 6], true, false),
    );
    write(
        "fragments_around_a_decoy",
        Ops::new(0)
            .flagged_packet(&[2, 0, 0, 3, 1, 0, 0], true, true)
            .raw_packet(&[0; 40], true, false)
            .flagged_packet(&[2, 3, 4, 5, 6, 7, 8], false, false),
    );
    write("close_b", Ops::new(0).close(0, 1));
    write("close_a", Ops::new(0).close(1, 13));
    write("eof_b", Ops::new(0).close(2, 0));
    write("eof_a", Ops::new(0).close(3, 0));
    write(
        "close_b_with_held_input",
        Ops::new(0)
            .send_a(&tx, true)
            .close(0, 2)
            .send_a(&getaddr, false),
    );
    write(
        "send_after_close",
        Ops::new(0)
            .close(1, 4)
            .send_a(&getaddr, false)
            .send_b(&getaddr, false),
    );
}

#[test]
#[ignore = "writes the seed corpus; run with --ignored"]
fn write_shaped_packets_seeds() {
    use veil_core::shaping::{plan, PaddingPolicy, MORE_FRAGMENTS, PADDED};
    let dir = corpus_dir("shaped_packets");
    fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, data: Vec<u8>| {
        write_seed(&dir, name, &data, fuzz_harness::shaped_packets);
    };
    /// Records of (header, contents) after a control byte.
    fn records(control: u8, packets: &[(u8, &[u8])]) -> Vec<u8> {
        let mut out = vec![control];
        for (header, contents) in packets {
            out.push(*header);
            out.push(contents.len() as u8);
            out.extend_from_slice(contents);
        }
        out
    }
    write("unpadded", records(1, &[(0, b"hello")]));
    write(
        "padded",
        records(
            1,
            &[(PADDED, &[5, 0, 0, b'h', b'e', b'l', b'l', b'o', 0, 0])],
        ),
    );
    write(
        "fragments",
        records(
            2,
            &[
                (MORE_FRAGMENTS, b"ab"),
                (PADDED | MORE_FRAGMENTS, &[1, 0, 0, b'c', 0]),
                (0, b"d"),
            ],
        ),
    );
    write(
        "decoy_between_fragments",
        records(2, &[(MORE_FRAGMENTS, b"ab"), (0x80, &[7; 9]), (0, b"cd")]),
    );
    write("nonzero_padding", records(1, &[(PADDED, &[1, 0, 0, 7, 1])]));
    write("short_padded", records(1, &[(PADDED, &[1, 0])]));
    write("data_length", records(1, &[(PADDED, &[200, 0, 0, 1])]));
    write(
        "too_long",
        records(0, &[(MORE_FRAGMENTS, b"ab"), (0, b"cd")]),
    );
    // A planned message, as a sender frames it under random padding.
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(4);
    let message = b"a message split into random-size padded pieces";
    let policy = PaddingPolicy::Random {
        min_contents: 8,
        max_contents: 20,
    };
    let fragments = plan(message, &policy, &mut rng);
    let packets: Vec<(u8, &[u8])> = fragments
        .iter()
        .map(|f| (f.header, f.contents.as_slice()))
        .collect();
    write("planned_random", records(6, &packets));
}

/// A ban list with every kind of record: discouraged and banned peers, an
/// operator ban, a netgroup discouraged by three offenders.
fn sample_ban_list(policy: BanPolicy) -> BanList {
    let key = |i: u8| Identity::from_secret_bytes([i; 32]).peer_id();
    let now = UnixTime::from_secs(1_700_000_000);
    let mut bans = BanList::new(policy);
    for i in 1..=3 {
        bans.punish(key(i), 7, Consequence::Discourage, false, now);
    }
    bans.punish(key(4), 8, Consequence::Ban, false, now);
    bans.ban(key(5), 9, Some(Duration::from_secs(3600)), now);
    bans
}

#[test]
#[ignore = "writes the seed corpus; run with --ignored"]
fn write_banlist_load_seeds() {
    let dir = corpus_dir("banlist_load");
    fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, control: u8, file: &[u8]| {
        let mut data = vec![control];
        data.extend_from_slice(file);
        write_seed(&dir, name, &data, fuzz_harness::banlist_load);
    };
    let default = sample_ban_list(BanPolicy::default()).to_bytes();
    let empty = BanList::new(BanPolicy::default()).to_bytes();
    assert_eq!(default.len(), 17 + 5 * 57 + 25 + 32);

    write("empty_default_policy", 0x06, &empty);
    write("empty_no_records_allowed", 0x00, &empty);
    write("sample_default_policy", 0x06, &default);
    write("sample_resealed", 0x07, &default);
    write("sample_medium_policy", 0x04, &default);
    write("sample_too_large_for_small_policy", 0x02, &default);
    write("sample_too_large_for_empty_policy", 0x00, &default);
    write("truncated_header", 0x06, &default[..20]);
    write("truncated_record", 0x06, &default[..default.len() - 40]);
    let mut trailing = default.clone();
    trailing.push(0);
    write("trailing_byte", 0x06, &trailing);
    let with = |at: usize, value: u8| {
        let mut file = default.clone();
        file[at] = value;
        file
    };
    write("bad_magic", 0x06, &with(0, b'V'));
    write("version_2", 0x06, &with(8, 2));
    write(
        "checksum_flipped",
        0x06,
        &with(default.len() - 1, !default[default.len() - 1]),
    );
    write("record_flipped_unsealed", 0x06, &with(50, default[50] ^ 1));
    // With the reseal bit, these reach the record checks.
    write("peer_id_flipped", 0x07, &with(20, default[20] ^ 0x40));
    let mut small_order = default.clone();
    small_order[17..49].fill(0);
    write("peer_id_small_order", 0x07, &small_order);
    write("peer_rule_unknown", 0x07, &with(17 + 40, 9));
    write("peer_rule_netgroup", 0x07, &with(17 + 40, 4));
    write("netgroup_rule_ban", 0x07, &with(17 + 5 * 57 + 8, 2));
    write("expires_before_start", 0x07, &with(17 + 41 + 7, 0xff));
    let mut unsorted = default.clone();
    unsorted.copy_within(17..74, 74);
    write("duplicate_peer", 0x07, &unsorted);
    let mut huge_count = default.clone();
    huge_count[9..13].copy_from_slice(&u32::MAX.to_le_bytes());
    write("huge_peer_count", 0x07, &huge_count);
    let mut huge_groups = default.clone();
    huge_groups[13..17].copy_from_slice(&u32::MAX.to_le_bytes());
    write("huge_netgroup_count", 0x07, &huge_groups);
}

/// What a SOCKS5 seed's stream must do to a client.
#[derive(Debug, PartialEq)]
enum Socks5Outcome {
    /// The tunnel opens after this many bytes.
    Connected(usize),
    Failed(Socks5Error),
    /// The stream ends mid-negotiation.
    Pending,
}

/// The client of `fuzz_harness::socks5_reply` for `control` (bit 0
/// credentials; bits 1-2 the target) fed `stream` whole.
fn socks5_outcome(control: u8, stream: &[u8]) -> Socks5Outcome {
    let auth = if control & 1 == 0 {
        Auth::None
    } else {
        let (username, password) = fuzz_harness::SOCKS5_CREDENTIALS;
        Auth::UsernamePassword(Credentials::new(username, password).unwrap())
    };
    let target = Target::domain("example.onion", 8333).unwrap();
    match Socks5Client::new(target, auth).handle_input(stream) {
        Ok(Progress::Connected { consumed }) => Socks5Outcome::Connected(consumed),
        Ok(Progress::Pending) => Socks5Outcome::Pending,
        Err(error) => Socks5Outcome::Failed(error),
    }
}

#[test]
#[ignore = "writes the seed corpus; run with --ignored"]
fn write_socks5_reply_seeds() {
    use Socks5Outcome::{Connected, Failed, Pending};
    let dir = corpus_dir("socks5_reply");
    fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, control: u8, chunking: u8, stream: &[u8], expect: Socks5Outcome| {
        assert_eq!(socks5_outcome(control, stream), expect, "{name}");
        let data = [&[control, chunking][..], stream].concat();
        write_seed(&dir, name, &data, fuzz_harness::socks5_reply);
    };
    const METHOD_NONE: [u8; 2] = [5, 0];
    const METHOD_AUTH: [u8; 4] = [5, 2, 1, 0];
    const V4: [u8; 10] = [5, 0, 0, 1, 0, 0, 0, 0, 0, 0];
    let v6 = [&[5, 0, 0, 4][..], &[0xfe; 16], &[0x20, 0x8d]].concat();
    let long_name = [&[5, 0, 0, 3, 255][..], &[b'b'; 255], &[1, 2]].concat();
    let empty_name = [5, 0, 0, 3, 0, 0, 0];

    // Success: each target, each bound address type, each chunking.
    let none_v4 = [&METHOD_NONE[..], &V4].concat();
    let auth_v4 = [&METHOD_AUTH[..], &V4].concat();
    for (name, control) in [("onion", 0), ("ipv4", 2), ("ipv6", 4), ("long_name", 6)] {
        write(
            &format!("none_{name}_v4_whole"),
            control,
            0xff,
            &none_v4,
            Connected(12),
        );
        write(
            &format!("auth_{name}_v4_whole"),
            control | 1,
            0xff,
            &auth_v4,
            Connected(14),
        );
    }
    write("none_v4_bytewise", 0, 0, &none_v4, Connected(12));
    write("auth_v4_chunks", 1, 3, &auth_v4, Connected(14));
    let none_v6 = [&METHOD_NONE[..], &v6].concat();
    write("none_bound_v6", 0, 2, &none_v6, Connected(24));
    let none_long = [&METHOD_NONE[..], &long_name].concat();
    write("none_bound_name_255", 0, 9, &none_long, Connected(264));
    let auth_empty = [&METHOD_AUTH[..], &empty_name].concat();
    write("auth_bound_name_empty", 1, 1, &auth_empty, Connected(11));
    let tunnel = [&auth_v4[..], b"veil handshake bytes"].concat();
    write("auth_v4_then_tunnel", 1, 4, &tunnel, Connected(14));
    let tunnel = [&none_long[..], &[0x55; 40]].concat();
    write(
        "none_name_255_then_tunnel",
        0,
        0xff,
        &tunnel,
        Connected(264),
    );

    // Method selection refused or broken.
    let no_method = |offered| Failed(Socks5Error::NoAcceptableMethod { offered });
    write(
        "none_no_acceptable_method",
        0,
        0xff,
        &[5, 0xff],
        no_method(0),
    );
    write(
        "auth_no_acceptable_method",
        1,
        0xff,
        &[5, 0xff],
        no_method(2),
    );
    let unexpected = |offered, chosen| Failed(Socks5Error::UnexpectedMethod { offered, chosen });
    write(
        "auth_downgraded_to_none",
        1,
        0xff,
        &none_v4,
        unexpected(2, 0),
    );
    write("none_upgraded_to_auth", 0, 0xff, &auth_v4, unexpected(0, 2));
    write("none_gssapi_chosen", 0, 0xff, &[5, 1], unexpected(0, 1));
    let version = |stage, expected, found| {
        Failed(Socks5Error::Version {
            stage,
            expected,
            found,
        })
    };
    write(
        "method_version_4",
        0,
        0xff,
        &[4, 0],
        version(Stage::MethodSelection, 5, 4),
    );
    write(
        "method_http_answer",
        0,
        0,
        b"HTTP/1.1 400",
        version(Stage::MethodSelection, 5, b'H'),
    );

    // Authentication.
    let refused = |status| Failed(Socks5Error::AuthRefused { status });
    write("auth_refused_1", 1, 0xff, &[5, 2, 1, 1, 5, 0], refused(1));
    write("auth_refused_ff", 1, 0, &[5, 2, 1, 0xff], refused(0xff));
    write(
        "auth_version_5",
        1,
        0xff,
        &[5, 2, 5, 0],
        version(Stage::Authentication, 1, 5),
    );

    // CONNECT reply broken.
    write(
        "reply_version_4",
        0,
        0xff,
        &[5, 0, 4, 0, 0, 1],
        version(Stage::Connect, 5, 4),
    );
    let reserved = Failed(Socks5Error::NonZeroReserved { found: 1 });
    write("reply_reserved_1", 0, 0xff, &[5, 0, 5, 0, 1, 1], reserved);
    let atyp = |found| Failed(Socks5Error::AddressType { found });
    write("reply_atyp_0", 0, 0xff, &[5, 0, 5, 0, 0, 0, 1, 2], atyp(0));
    write("reply_atyp_2", 1, 0, &[5, 2, 1, 0, 5, 0, 0, 2], atyp(2));

    // Every assigned reply code and two unassigned ones.
    for code in (1..=8).chain(0xf0..=0xf7).chain([0x09, 0xff]) {
        let stream = [5, 0, 5, code, 0, 1, 0, 0, 0, 0, 0, 0];
        let error = Socks5Error::Reply(ReplyError::from_code(code).unwrap());
        write(
            &format!("reply_code_{code:02x}"),
            0,
            0xff,
            &stream,
            Failed(error),
        );
    }

    // Truncated in every stage.
    write("truncated_method", 0, 0xff, &[5], Pending);
    write("truncated_auth", 1, 0xff, &[5, 2, 1], Pending);
    write("truncated_reply_header", 0, 0, &[5, 0, 5, 0, 0], Pending);
    write("truncated_bound_v4", 0, 0xff, &none_v4[..11], Pending);
    write("truncated_bound_name", 0, 5, &none_long[..200], Pending);
}

/// A book with every network, both tables, failures and a relayed entry,
/// built from fixed inputs (so the seeds are the same on every run).
fn sample_book(addresses: u32) -> AddrBook {
    let now = UnixTime::from_secs(1_700_000_000);
    let mut book = AddrBook::with_key(AddrBookConfig::default(), [0x5e; 32]).unwrap();
    let peer = NetAddress::Ipv4(Ipv4Addr::new(9, 9, 9, 9));
    for i in 0..addresses {
        let [a, b, c, d] = i.to_le_bytes();
        let address = match i % 4 {
            0 => NetAddress::Ipv4(Ipv4Addr::new(1 + a % 9, b, c, d + 1)),
            1 => NetAddress::Ipv6(Ipv6Addr::from([0x2a00, u16::from(a), 0, 0, 0, 0, 0, 1])),
            2 => NetAddress::TorV3([a; 32]),
            _ => NetAddress::I2p([a.wrapping_add(7); 32]),
        };
        let record = AddrEntry {
            time: UnixTime::from_secs(now.as_secs() - u64::from(i) * 3600),
            features: i,
            address: address.clone(),
            port: 8333,
        };
        // A few collide in their slot and are dropped: fine for a seed.
        let _ = book.add(&record, &peer, now);
        if i % 3 == 1 {
            book.attempt(&address, 8333, now);
        }
        if i % 5 == 2 {
            book.good(&address, 8333, now);
        }
    }
    book
}

#[test]
#[ignore = "writes the seed corpus; run with --ignored"]
fn write_addrbook_load_seeds() {
    let dir = corpus_dir("addrbook_load");
    fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, data: &[u8]| write_seed(&dir, name, data, fuzz_harness::addrbook_load);

    let empty = sample_book(0).to_bytes();
    let small = sample_book(8).to_bytes();
    let full = sample_book(40).to_bytes();
    let loaded = AddrBook::from_bytes(&full, AddrBookConfig::default()).unwrap();
    assert!(loaded.len() > 30 && loaded.tried_len() > 4);
    write("empty", &empty);
    write("small", &small);
    write("mixed_40", &full);
    // Without the trailer: the harness seals it, so the entries get parsed.
    let unsealed = |bytes: &[u8]| bytes[..bytes.len() - 32].to_vec();
    write("unsealed_small", &unsealed(&small));
    write("unsealed_mixed_40", &unsealed(&full));
    write("truncated_header", &small[..40]);
    write("truncated_entry", &unsealed(&small)[..100]);
    let mut magic = small.clone();
    magic[0] = b'X';
    write("bad_magic", &magic);
    let mut version = small.clone();
    version[8] = 2;
    write("bad_version", &version);
    let mut checksum = small.clone();
    *checksum.last_mut().unwrap() ^= 1;
    write("bad_checksum", &checksum);
    let mut count = unsealed(&small);
    count[49..53].copy_from_slice(&u32::MAX.to_le_bytes());
    write("huge_count", &count);
    let mut network = unsealed(&small);
    network[53] = 3;
    write("bad_network", &network);
    let mut trailing = unsealed(&small);
    trailing.push(0);
    write("trailing_byte", &trailing);
}

/// Operations for the node harness (see `fuzz_harness::node_op`).
#[derive(Default)]
struct NodeOps(Vec<u8>);

impl NodeOps {
    fn op(&mut self, code: u8, args: &[u8]) -> &mut NodeOps {
        self.0.push(code);
        self.0.extend_from_slice(args);
        self
    }
    /// `accept a`, with a genuine peer of identity `id` if given.
    fn accept(&mut self, a: u8, id: Option<u8>) -> &mut NodeOps {
        let r = id.map_or(0, |id| 0x04 | id << 4);
        self.op(node_op::ACCEPT, &[a, r])
    }
    /// The oldest pending dial opens, a genuine peer of identity `id`
    /// answering.
    fn opened(&mut self, id: u8) -> &mut NodeOps {
        self.op(node_op::DIAL_OPENED, &[0, 0x01 | id << 4])
    }
    fn pump(&mut self) -> &mut NodeOps {
        self.op(node_op::PUMP, &[7])
    }
    fn wait(&mut self, step: u8) -> &mut NodeOps {
        self.op(node_op::WAIT, &[step])
    }
    /// `connect kind a pin` (pin 255: none).
    fn connect(&mut self, kind: u8, a: u8, pin: u8) -> &mut NodeOps {
        self.op(node_op::CONNECT, &[kind, a, pin])
    }
    /// `code c message` for SEND and PEER_SEND, or `code message` for
    /// BROADCAST (`c` None).
    fn message(&mut self, code: u8, conn: Option<u8>, message: &Message) -> &mut NodeOps {
        let payload = payload(message);
        let len = u8::try_from(payload.len()).expect("a one-byte length");
        self.0.push(code);
        self.0.extend(conn);
        self.0.push(kind_index(message.kind()));
        self.0.push(len);
        self.0.extend(payload);
        self
    }
}

#[test]
#[ignore = "writes the seed corpus; run with --ignored"]
fn write_node_inputs_seeds() {
    let dir = corpus_dir("node_inputs");
    fs::create_dir_all(&dir).unwrap();
    let write =
        |name: &str, ops: &mut NodeOps| write_seed(&dir, name, &ops.0, fuzz_harness::node_inputs);
    let (outbound, manual, persistent, feeler, addr_fetch) = (0, 1, 2, 3, 4);
    let tx = Message::Tx(Bytes::from_static(b"an opaque transaction"));
    let stem = Message::StemTx(Bytes::from_static(b"a stem transaction"));

    write(
        "accept_handshake",
        NodeOps::default().accept(0, Some(1)).pump().wait(6),
    );
    write(
        "accept_onion_i2p",
        NodeOps::default()
            .op(node_op::ACCEPT, &[1, 0x01 | 0x04 | 0x20])
            .op(node_op::ACCEPT, &[2, 0x02 | 0x04 | 0x30])
            .pump(),
    );
    let mut eviction = NodeOps::default();
    for i in 0..4 {
        eviction.accept(i, Some(i + 1)).pump().wait(3);
    }
    eviction.accept(4, Some(5)).pump().accept(5, None);
    write("inbound_eviction", &mut eviction);
    write(
        "inbound_netgroup_full",
        NodeOps::default()
            .accept(0, Some(1))
            .accept(8, Some(2))
            .accept(16, Some(3))
            .pump(),
    );
    write(
        "self_connection",
        NodeOps::default()
            .accept(3, Some(15))
            .pump()
            .connect(manual, 11, 255)
            .opened(15)
            .pump(),
    );
    write(
        "duplicate_peer",
        NodeOps::default()
            .accept(0, Some(2))
            .pump()
            .connect(manual, 9, 255)
            .opened(2)
            .pump()
            .connect(persistent, 10, 2),
    );
    write(
        "manual_messages",
        NodeOps::default()
            .connect(manual, 10, 3)
            .opened(3)
            .pump()
            .message(node_op::SEND, Some(0), &tx)
            .message(node_op::BROADCAST, None, &sample(MessageKind::Inv))
            .message(node_op::PEER_SEND, Some(0), &tx)
            .message(node_op::PEER_SEND, Some(0), &sample(MessageKind::Inv))
            .pump()
            .op(node_op::RELAY, &[0, 7, 2, b'h', b'i'])
            .pump()
            .op(node_op::DISCONNECT, &[0])
            .pump(),
    );
    let mut automatic = NodeOps::default();
    for a in 1..6 {
        automatic.op(node_op::ADD_ADDRESS, &[a]);
    }
    automatic
        .wait(0)
        .opened(4)
        .op(node_op::DIAL_FAILED, &[0, 0])
        .wait(3)
        .opened(5)
        .pump()
        .wait(3)
        .opened(6)
        .pump()
        .wait(6)
        .wait(7);
    write("automatic_outbound", &mut automatic);
    write(
        "bootstrap_addr",
        NodeOps::default()
            .op(node_op::ADD_BOOTSTRAP, &[6, 6])
            .op(node_op::NEXT_DEADLINE, &[])
            .opened(6)
            .pump()
            .message(node_op::PEER_SEND, Some(0), &sample(MessageKind::Addr))
            .message(node_op::PEER_SEND, Some(0), &Message::GetAddr)
            .pump()
            .wait(6),
    );
    write(
        "temporaries",
        NodeOps::default()
            .connect(feeler, 1, 255)
            .connect(addr_fetch, 2, 255)
            .opened(7)
            .pump()
            .connect(feeler, 3, 255)
            .opened(8)
            .pump()
            .wait(6),
    );
    write(
        "persistent_redial",
        NodeOps::default()
            .connect(persistent, 4, 255)
            .op(node_op::DIAL_FAILED, &[0, 1])
            .op(node_op::NEXT_DEADLINE, &[])
            .opened(9)
            .pump()
            .op(node_op::CLOSED, &[0])
            .op(node_op::NEXT_DEADLINE, &[])
            .op(node_op::NEXT_DEADLINE, &[]),
    );
    write(
        "dial_timeouts",
        NodeOps::default()
            .connect(manual, 5, 255)
            .connect(outbound, 6, 255)
            .wait(5)
            .wait(5)
            .wait(5)
            .wait(6),
    );
    write(
        "bans",
        NodeOps::default()
            .accept(0, Some(1))
            .pump()
            .op(node_op::BAN, &[1, 0])
            .accept(1, Some(1))
            .pump()
            .accept(2, Some(2))
            .pump()
            .op(node_op::REPORT, &[2, 3])
            .op(node_op::UNBAN, &[1])
            .accept(3, Some(3))
            .pump()
            .op(node_op::REPORT, &[3, 2]),
    );
    write(
        "raw_input",
        NodeOps::default()
            .accept(0, None)
            .op(node_op::INPUT, &[0, 4, 0, 1, 2, 3])
            .op(node_op::EOF, &[0])
            .accept(1, None)
            .op(node_op::CLOSED, &[1])
            .accept(2, Some(2))
            .op(node_op::INPUT, &[2, 1, 0xff])
            .pump(),
    );
    write(
        "dandelion",
        NodeOps::default()
            .connect(manual, 12, 255)
            .opened(1)
            .connect(manual, 13, 255)
            .opened(2)
            .pump()
            .op(node_op::RELAY, &[0, 1, 2, b'a', b'b'])
            .message(node_op::PEER_SEND, Some(0), &stem)
            .pump()
            .wait(4)
            .wait(5)
            .pump(),
    );
    write(
        "shutdown",
        NodeOps::default()
            .accept(0, Some(1))
            .connect(manual, 14, 255)
            .opened(2)
            .pump()
            .op(node_op::SHUTDOWN, &[])
            .pump()
            .wait(5)
            .accept(3, Some(3))
            .connect(manual, 15, 255),
    );
}
