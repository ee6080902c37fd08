//! The cases of `testvectors/v1/sessions.json`: each declares its two sides
//! and a script run by [`Sim`], and says how each side must end.
//!
//! Only `session_vectors` uses this; it declares it with `#[path]`.

use bytes::Bytes;
use veil_core::connection::{ConnectionConfig, TransportKind};
use veil_core::identity::Identity;
use veil_core::message::{
    AddrEntry, DisconnectReason, InvItem, InvKind, Message, NetAddress, Ping,
};
use veil_core::shaping::{PrivacyLevel, PrivacyOptions, ShapingConfig};
use veil_core::{Duration, UnixTime};

use crate::session_sim::{Sim, LATENCY_MS};
use crate::support::session::{Op, SideSpec};

/// Wall-clock time at `at_ms` 0 (2023-11-14T22:13:20Z).
const WALL: u64 = 1_700_000_000;

const ID_A: [u8; 32] = [0xA1; 32];
const ID_B: [u8; 32] = [0xB2; 32];
const ID_C: [u8; 32] = [0xC3; 32];

fn peer_id(secret: [u8; 32]) -> [u8; 32] {
    *Identity::from_secret_bytes(secret).peer_id().as_bytes()
}

/// One vector: its two sides, its script and how it must end.
pub struct Case {
    pub name: &'static str,
    pub description: &'static str,
    pub sides: [Option<SideSpec>; 2],
    /// What each side must end as: a close reason name, or `connected`.
    pub ends: [Option<&'static str>; 2],
    pub script: Box<dyn FnOnce(&mut Sim)>,
}

fn config(user_agent: &str) -> ConnectionConfig {
    let mut config = ConnectionConfig {
        max_garbage_len: 64,
        // The shaped vectors say so; the others show the bare protocol.
        shaping: PrivacyLevel::Off.config(),
        ..ConnectionConfig::default()
    };
    config.local.user_agent = user_agent.into();
    config
}

fn side(
    outbound: bool,
    rng_seed: u64,
    identity: [u8; 32],
    expected: Option<[u8; 32]>,
    config: ConnectionConfig,
) -> SideSpec {
    SideSpec {
        outbound,
        rng_seed,
        identity_secret: identity,
        expected_peer_id: expected,
        wall_clock: WALL,
        config,
    }
}

/// `a` dials `b` and pins `b`'s identity; both with [`config`].
fn encrypted_pair(seed: u64) -> [Option<SideSpec>; 2] {
    [
        Some(side(
            true,
            seed,
            ID_A,
            Some(peer_id(ID_B)),
            config("/veil-vectors:a/"),
        )),
        Some(side(
            false,
            seed + 1,
            ID_B,
            None,
            config("/veil-vectors:b/"),
        )),
    ]
}

fn with_config(
    mut sides: [Option<SideSpec>; 2],
    index: usize,
    change: impl FnOnce(&mut SideSpec),
) -> [Option<SideSpec>; 2] {
    change(sides[index].as_mut().unwrap());
    sides
}

fn plaintext_a(sides: [Option<SideSpec>; 2]) -> [Option<SideSpec>; 2] {
    with_config(sides, 0, |a| {
        a.config.outbound_transport = TransportKind::Plaintext;
        a.expected_peer_id = None;
    })
}

/// [`encrypted_pair`] with each side's traffic shaping set.
fn shaped_pair(seed: u64, a: ShapingConfig, b: ShapingConfig) -> [Option<SideSpec>; 2] {
    with_config(
        with_config(encrypted_pair(seed), 0, |side| side.config.shaping = a),
        1,
        |side| side.config.shaping = b,
    )
}

/// The `high` preset with bursts of 2 to 4 messages, from the seed's keys.
fn high_with_bursts() -> ShapingConfig {
    let options = PrivacyOptions {
        privacy_level: PrivacyLevel::High,
        traffic_burst_mode_enabled: true,
        traffic_burst_min_messages: 2,
        traffic_burst_max_messages: 4,
        ..PrivacyOptions::default()
    };
    options.to_config().expect("valid privacy options")
}

/// An opaque body of `len` bytes counting up from `start`.
fn body(len: usize, start: u8) -> Bytes {
    (0..len)
        .map(|i| start.wrapping_add(i as u8))
        .collect::<Vec<u8>>()
        .into()
}

fn tx_item(byte: u8) -> Vec<InvItem> {
    vec![InvItem {
        kind: InvKind::Tx,
        hash: hash(byte),
    }]
}

fn hash(byte: u8) -> [u8; 32] {
    let mut h = [byte; 32];
    h[0] = 0xA0;
    h
}

/// Both sides connect at 125 ms: three Noise flights, then version, version
/// and verack, verack, each 25 ms after the one before.
const CONNECTED_AT: u64 = 5 * LATENCY_MS;

pub fn cases() -> Vec<Case> {
    let connected = [Some("connected"), Some("connected")];
    vec![
        Case {
            name: "encrypted_handshake",
            description: "The encrypted handshake to connected: a dials b (pinning b's peer id), 25 ms one-way latency, garbage of at most 64 bytes. docs/HANDSHAKE_TRANSCRIPT.md takes this vector apart byte by byte.",
            sides: encrypted_pair(1),
            ends: connected,
            script: Box::new(|sim| sim.run_until(CONNECTED_AT)),
        },
        Case {
            name: "encrypted_handshake_full_garbage",
            description: "The encrypted handshake with the default garbage limit (up to 4,095 bytes each way).",
            sides: with_config(
                with_config(encrypted_pair(11), 0, |a| a.config.max_garbage_len = 4095),
                1,
                |b| b.config.max_garbage_len = 4095,
            ),
            ends: connected,
            script: Box::new(|sim| sim.run_until(CONNECTED_AT)),
        },
        Case {
            name: "plaintext_handshake",
            description: "The plaintext handshake: a dials in plaintext, b accepts plaintext. version, then version and verack, then verack; no peer ids.",
            sides: with_config(plaintext_a(encrypted_pair(21)), 1, |b| {
                b.config.accept_plaintext = true
            }),
            ends: connected,
            script: Box::new(|sim| sim.run_until(3 * LATENCY_MS)),
        },
        Case {
            name: "keepalive_ping_pong",
            description: "Connected, then each side's keepalive ping one ping interval (60 s) after it connected; the peer answers with a pong and the pinging side reports the round trip (50 ms).",
            sides: encrypted_pair(31),
            ends: connected,
            script: Box::new(|sim| sim.run_until(60_200)),
        },
        Case {
            name: "message_exchange",
            description: "Connected, then inv, getdata and tx; getaddr and addr; and a ping sent by the application: the peer's connection answers it, and since it is not the connection's own keepalive the pong is reported as a message.",
            sides: encrypted_pair(41),
            ends: connected,
            script: Box::new(|sim| {
                let tx = Bytes::from_static(b"an opaque transaction");
                let item = vec![InvItem {
                    kind: InvKind::Tx,
                    hash: hash(0x44),
                }];
                sim.run_until(1_000);
                sim.act(0, Op::Send(Message::Inv(item.clone())));
                sim.run_until(1_025);
                sim.act(1, Op::Send(Message::GetData(item)));
                sim.run_until(1_050);
                sim.act(0, Op::Send(Message::Tx(tx)));
                sim.run_until(2_000);
                sim.act(1, Op::Send(Message::GetAddr));
                sim.run_until(2_025);
                sim.act(
                    0,
                    Op::Send(Message::Addr(vec![AddrEntry {
                        time: UnixTime::from_secs(WALL - 600),
                        features: 1,
                        address: NetAddress::Ipv4([203, 0, 113, 7].into()),
                        port: 8_333,
                    }])),
                );
                sim.run_until(3_000);
                sim.act(0, Op::Send(Message::Ping(Ping { nonce: 42 })));
                sim.run_until(3_100);
            }),
        },
        Case {
            name: "graceful_close",
            description: "Connected, then a closes with reason shutdown: its disconnect goes out, it is closed once that is written; b closes on receiving it.",
            sides: encrypted_pair(51),
            ends: [Some("local"), Some("remote")],
            script: Box::new(|sim| {
                sim.run_until(1_000);
                sim.act(0, Op::Close(DisconnectReason::Shutdown));
                sim.run_until(1_100);
            }),
        },
        Case {
            name: "peer_eof",
            description: "Connected, then b's byte stream ends (the peer vanished): b closes with transport_ended.",
            sides: encrypted_pair(61),
            ends: [Some("connected"), Some("transport_ended")],
            script: Box::new(|sim| {
                sim.run_until(1_000);
                sim.act(1, Op::Eof);
            }),
        },
        Case {
            name: "handshake_timeout",
            description: "a dials and no answer ever comes (there is no b): after the handshake timeout (30 s) a closes at once, since it cannot send yet.",
            sides: [encrypted_pair(71)[0].clone(), None],
            ends: [Some("timed_out"), None],
            script: Box::new(|sim| sim.run_until(30_000)),
        },
        Case {
            name: "pong_timeout",
            description: "Connected, then b hangs (receives and sends nothing more). a's keepalive ping goes unanswered; after the pong timeout (60 s) a closes gracefully, telling b the reason (timeout).",
            sides: encrypted_pair(81),
            ends: [Some("timed_out"), Some("connected")],
            script: Box::new(|sim| {
                sim.run_until(1_000);
                sim.frozen[1] = true;
                sim.run_until(121_000);
            }),
        },
        Case {
            name: "session_rekey",
            description: "a's rekey interval is 10 s: 10 s after connecting it sends rekey_init, and right after it an inv (old key). b answers rekey_ack, then sends getaddr under the new key. a switches, reports generation 1, sends rekey_done; b switches on it. Then a message each way under the new keys. Transmits arriving together are delivered as one read, so each rekey packet shares its read with the message behind it.",
            sides: with_config(encrypted_pair(91), 0, |a| {
                a.config.rekey_interval = Duration::from_secs(10)
            }),
            ends: connected,
            script: Box::new(|sim| {
                sim.coalesce = true;
                let item = vec![InvItem {
                    kind: InvKind::Block,
                    hash: hash(0x55),
                }];
                sim.run_until(CONNECTED_AT - LATENCY_MS + 10_000);
                sim.act(0, Op::Send(Message::Inv(item.clone())));
                sim.run_until(CONNECTED_AT + 10_000);
                sim.act(1, Op::Send(Message::GetAddr));
                sim.run_until(11_000);
                sim.act(0, Op::Send(Message::NotFound(item)));
                sim.act(1, Op::Send(Message::Mempool));
                sim.run_until(11_100);
            }),
        },
        Case {
            name: "reject_missing_features",
            description: "b requires feature bit 0, which a does not offer: b checks a's version, sends disconnect (missing_features) and closes; a closes on receiving it.",
            sides: with_config(encrypted_pair(101), 1, |b| {
                b.config.local.features = 1;
                b.config.required_features = 1;
            }),
            ends: [Some("remote"), Some("missing_features")],
            script: Box::new(|sim| sim.run_until(1_000)),
        },
        Case {
            name: "reject_peer_id_mismatch",
            description: "a pins a peer id that is not b's. a checks b's identity proof in message 2 and closes at once, before revealing its own identity (it cannot send yet); b then sees the stream end.",
            sides: with_config(encrypted_pair(111), 0, |a| {
                a.expected_peer_id = Some(peer_id(ID_C))
            }),
            ends: [Some("peer_id_mismatch"), Some("transport_ended")],
            script: Box::new(|sim| sim.run_until(1_000)),
        },
        Case {
            name: "reject_plaintext_refused",
            description: "a dials in plaintext; b, with the default configuration, refuses plaintext at a's first 16 bytes and closes without a word; a then sees the stream end.",
            sides: plaintext_a(encrypted_pair(121)),
            ends: [Some("transport_ended"), Some("plaintext_refused")],
            script: Box::new(|sim| sim.run_until(1_000)),
        },
        Case {
            name: "reject_clock_skew",
            description: "b's wall clock is two hours ahead of a's: a's version timestamp is off by more than the allowed 70 minutes, so b closes (telling a protocol_violation).",
            sides: with_config(encrypted_pair(131), 1, |b| b.wall_clock = WALL + 7_200),
            ends: [Some("remote"), Some("clock_skew")],
            script: Box::new(|sim| sim.run_until(1_000)),
        },
        Case {
            name: "reject_tampered_garbage",
            description: "One bit of a's garbage is flipped in flight. b still finds a's terminator, but a's first packet (its version) carries the garbage as associated data and fails authentication: b closes, telling a protocol_violation.",
            sides: encrypted_pair(141),
            ends: [Some("remote"), Some("decrypt")],
            script: Box::new(|sim| {
                // a's first transmit: e_i (32 bytes), then its garbage.
                sim.tamper[0] = Some(Box::new(|bytes: &mut Vec<u8>| {
                    assert!(bytes.len() > 32, "a sends garbage");
                    bytes[32] ^= 0x01;
                }));
                sim.run_until(1_000);
            }),
        },
        Case {
            name: "self_connection",
            description: "a node dialled itself: a and b share one identity, and b checks nonces (check_self_connection). b reports a's version nonce; the caller finds it among its own (is_local: true), so b closes (self_connection).",
            sides: with_config(
                with_config(encrypted_pair(151), 0, |a| a.expected_peer_id = Some(peer_id(ID_A))),
                1,
                |b| {
                    b.identity_secret = ID_A;
                    b.config.check_self_connection = true;
                },
            ),
            ends: [Some("remote"), Some("self_connection")],
            script: Box::new(|sim| {
                sim.nonce_is_local[1] = true;
                sim.run_until(1_000);
            }),
        },
        Case {
            name: "check_nonce_passes",
            description: "b checks nonces (check_self_connection): it reports a's version nonce and waits; the caller answers that it is not one of its own (is_local: false) and the handshake completes.",
            sides: with_config(encrypted_pair(161), 1, |b| {
                b.config.check_self_connection = true
            }),
            ends: connected,
            script: Box::new(|sim| sim.run_until(CONNECTED_AT)),
        },
        Case {
            name: "shaped_standard",
            description: "Both sides at privacy_level standard (bucket padding, overhead unlimited, no delay). Every packet is padded to the smallest bucket that holds it: version, privacy_budget (overhead unlimited, latencies 0) and verack at 256 bytes. Connected, a sends a 20,000-byte block, cut into a 16,384-byte fragment (more-fragments set) and a 4,096-byte last fragment; b answers with inv, a sends a tx: 256 bytes each. Negotiated: bucket_padding.",
            sides: shaped_pair(201, PrivacyLevel::Standard.config(), PrivacyLevel::Standard.config()),
            ends: connected,
            script: Box::new(|sim| {
                sim.run_until(1_000);
                sim.act(0, Op::Send(Message::Block(body(20_000, 0x10))));
                sim.run_until(1_025);
                sim.act(1, Op::Send(Message::Inv(tx_item(0x61))));
                sim.run_until(1_050);
                sim.act(0, Op::Send(Message::Tx(body(100, 0x80))));
                sim.run_until(1_100);
            }),
        },
        Case {
            name: "shaped_high",
            description: "Both sides at privacy_level high (bucket padding, decoys: chaff after about 2 s idle and dummy packets at a random rate averaging one per 10 s, jitter up to 20 ms; budget 100 % overhead, 250 ms added latency, 50 ms for ping/pong/disconnect). The handshake is padded but not delayed; once connected, messages are held for a random jitter (a deadline with reason shaping) and decoy packets (header bit 0x80, sizes copied from recent real packets) appear over 15 virtual seconds. An application ping and its pong take the urgent path.",
            sides: shaped_pair(211, PrivacyLevel::High.config(), PrivacyLevel::High.config()),
            ends: connected,
            script: Box::new(|sim| {
                sim.run_until(1_000);
                sim.act(0, Op::Send(Message::Inv(tx_item(0x62))));
                sim.run_until(1_100);
                sim.act(1, Op::Send(Message::GetData(tx_item(0x62))));
                sim.run_until(1_200);
                sim.act(0, Op::Send(Message::Tx(body(600, 0x20))));
                sim.run_until(4_000);
                sim.act(0, Op::Send(Message::Ping(Ping { nonce: 7 })));
                sim.run_until(8_000);
                sim.act(1, Op::Send(Message::Block(body(3_000, 0x30))));
                sim.run_until(15_000);
            }),
        },
        Case {
            name: "shaped_bursts",
            description: "Both sides at high with burst mode (the seed's traffic_burst_mode_enabled, 2 to 4 messages a burst), spelled out in the config as a shaping object. a sends five invs 10 ms apart: each burst gathers until its drawn size is reached (here 3, then 2) and then goes out together after the jitter. b's two getdata, 20 ms apart, form one burst. Last, a lone tx from a never completes a burst: it waits until its 250 ms latency budget runs out.",
            sides: shaped_pair(221, high_with_bursts(), high_with_bursts()),
            ends: connected,
            script: Box::new(|sim| {
                sim.run_until(1_000);
                for i in 0..5u8 {
                    sim.act(0, Op::Send(Message::Inv(tx_item(0x70 + i))));
                    sim.run_until(1_010 + 10 * u64::from(i));
                }
                sim.run_until(1_500);
                sim.act(1, Op::Send(Message::GetData(tx_item(0x70))));
                sim.run_until(1_520);
                sim.act(1, Op::Send(Message::GetData(tx_item(0x71))));
                sim.run_until(1_600);
                sim.act(0, Op::Send(Message::Tx(body(50, 0x90))));
                sim.run_until(2_000);
            }),
        },
        Case {
            name: "shaped_constant_rate",
            description: "Both sides at privacy_level constant_rate: once connected, each sends one 4,096-byte packet every 10 ms, a decoy when it has nothing to send. The handshake is bucket-padded (no slots before negotiation). a sends a 6,000-byte tx, carried over two slots as fragments of 4,096 bytes; b sends an inv in its next slot.",
            sides: shaped_pair(
                231,
                PrivacyLevel::ConstantRate.config(),
                PrivacyLevel::ConstantRate.config(),
            ),
            ends: connected,
            script: Box::new(|sim| {
                sim.run_until(145);
                sim.act(0, Op::Send(Message::Tx(body(6_000, 0x40))));
                sim.act(1, Op::Send(Message::Inv(tx_item(0x63))));
                sim.run_until(185);
            }),
        },
        Case {
            name: "shaped_mismatch",
            description: "a at privacy_level standard, b at off. a announces bucket_padding and sends its privacy_budget after its version; b announces nothing and sends no budget. Before negotiation a pads (version, budget, verack at 256 bytes); since b did not offer bucket_padding, nothing is padded after: a's tx and b's inv travel unpadded. Negotiated: no feature.",
            sides: shaped_pair(241, PrivacyLevel::Standard.config(), PrivacyLevel::Off.config()),
            ends: connected,
            script: Box::new(|sim| {
                sim.run_until(1_000);
                sim.act(0, Op::Send(Message::Tx(body(100, 0x50))));
                sim.run_until(1_025);
                sim.act(1, Op::Send(Message::Inv(tx_item(0x64))));
                sim.run_until(1_100);
            }),
        },
    ]
}
