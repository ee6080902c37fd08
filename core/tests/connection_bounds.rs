//! Bounds and edge cases found in review: a ping flood against a peer that
//! does not read, a nonce check answered after a close, configurations too
//! small for a handshake, and rekey messages before the handshake.

mod support;

use support::conn::{
    close_reason, connected_pair, drain, drain_events, frame, inbound, plain_in, version, WALL,
};
use veil_core::connection::{
    CloseReason, ConfigError, ConnectionConfig, ConnectionState, Event, TransportKind,
};
use veil_core::message::{DisconnectReason, Message, Ping};
use veil_core::testing::Pair;
use veil_core::wire::WireConfig;
use veil_core::{Consequence, Instant};

#[test]
fn a_ping_flood_against_a_full_transmit_queue_closes_instead_of_growing_it() {
    let limit = 4096;
    let config = ConnectionConfig {
        max_queued_bytes: limit,
        ..ConnectionConfig::default()
    };
    let mut pair = connected_pair(config.clone(), config, 11);
    let now = pair.now;
    // `b`'s caller stops draining its queue; `a` floods pings.
    let mut flood = Vec::new();
    for nonce in 0..2_000u64 {
        pair.a.send(now, Message::Ping(Ping { nonce })).unwrap();
        flood.extend(drain(&mut pair.a));
    }
    pair.b.handle_input(now, &flood);
    // Past the limit by at most the pong that crossed it and the
    // disconnect, each one smallest bucket under the default padding.
    assert!(
        pair.b.queued_bytes() <= limit + 2 * veil_core::shaping::BUCKETS[0],
        "{}",
        pair.b.queued_bytes()
    );
    // Closing: the queued answers and the disconnect still drain.
    assert_eq!(pair.b.state(), ConnectionState::Closing);
    let _ = drain(&mut pair.b);
    assert_eq!(pair.b.state(), ConnectionState::Closed);
    let events = drain_events(&mut pair.b);
    let reason = events.iter().find_map(|event| match event {
        Event::Closed { reason, .. } => Some(reason.clone()),
        _ => None,
    });
    let reason = reason.unwrap_or_else(|| panic!("b must close, events: {events:?}"));
    assert!(
        matches!(reason, CloseReason::TransmitQueueFull { limit: l, queued } if l == limit && queued >= limit),
        "{reason:?}"
    );
    assert_eq!(reason.consequence(), Consequence::Close);
    assert_eq!(reason.name(), "transmit_queue_full");
}

#[test]
fn a_nonce_check_answered_after_a_close_sends_nothing_more() {
    let config = ConnectionConfig {
        accept_plaintext: true,
        check_self_connection: true,
        ..ConnectionConfig::default()
    };
    let mut b = inbound(config, 5);
    b.handle_input(Instant::ZERO, &frame(&Message::Version(version(77, WALL))));
    assert!(matches!(
        drain_events(&mut b).as_slice(),
        [Event::CheckNonce { remote_nonce: 77 }]
    ));
    b.close(Instant::ZERO, DisconnectReason::Shutdown);
    let queued = b.queued_bytes();
    b.resolve_nonce_check(Instant::ZERO, false);
    assert_eq!(
        b.queued_bytes(),
        queued,
        "nothing may follow the disconnect"
    );
    assert_eq!(b.state(), ConnectionState::Closing);
    let _ = drain(&mut b);
    assert_eq!(b.state(), ConnectionState::Closed);
}

#[test]
fn a_wire_limit_below_a_version_is_a_configuration_error() {
    for transport in [TransportKind::Encrypted, TransportKind::Plaintext] {
        let config = ConnectionConfig {
            outbound_transport: transport,
            wire: WireConfig {
                max_payload_len: 16,
                ..WireConfig::default()
            },
            ..ConnectionConfig::default()
        };
        let error = Pair::new(config, ConnectionConfig::default(), 1).err();
        assert!(
            matches!(error, Some(ConfigError::WireLimitTooSmall { len: 16, .. })),
            "{error:?}"
        );
    }
}

#[test]
fn a_rekey_message_before_the_version_handshake_closes() {
    let mut pair = Pair::new(ConnectionConfig::default(), ConnectionConfig::default(), 21).unwrap();
    // Deliver flights until `a` has its keys (after message 2) but before
    // the version exchange completes, then inject a `rekey_done`.
    let mut injected = false;
    for _ in 0..10 {
        let to_b = drain(&mut pair.a);
        if !to_b.is_empty() {
            pair.b.handle_input(pair.now, &to_b);
        }
        if !injected && pair.a.state() != ConnectionState::Connected {
            pair.a.queue_raw_packet_for_testing(&[0x82], false);
            injected = pair.a.queued_bytes() > 0;
            let to_b = drain(&mut pair.a);
            pair.b.handle_input(pair.now, &to_b);
        }
        let to_a = drain(&mut pair.b);
        pair.a.handle_input(pair.now, &to_a);
    }
    assert!(injected, "a never had keys before connecting");
    pair.settle().unwrap();
    let reason = close_reason(&pair, false).expect("b closes");
    assert_eq!(
        reason,
        CloseReason::UnexpectedMessage {
            name: "rekey_done",
            state: "handshaking"
        }
    );
    assert_eq!(reason.consequence(), Consequence::Discourage);
    assert!(!pair
        .events_b()
        .any(|event| matches!(event, Event::HandshakeComplete(_))));
}

#[test]
fn plaintext_inbound_helper_still_detects_plaintext() {
    // Guards the helper the tests above rely on.
    let mut b = plain_in();
    b.handle_input(Instant::ZERO, &frame(&Message::Version(version(3, WALL))));
    assert_eq!(b.transport_kind(), Some(TransportKind::Plaintext));
}
