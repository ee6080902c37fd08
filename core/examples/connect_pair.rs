//! Two veil connections in one process, on a virtual clock with 40 ms of
//! one-way latency: the encrypted handshake, a message each way, a
//! keepalive ping, a session rekey and a graceful close. Prints every event
//! with its virtual time.
//!
//! Run with `cargo run -p veil-core --example connect_pair`.

use veil_core::connection::{ConnectionConfig, Event, LocalVersion};
use veil_core::message::{DisconnectReason, InvItem, InvKind, Message};
use veil_core::testing::Pair;
use veil_core::{Duration, Instant};

fn main() {
    let config = ConnectionConfig {
        local: LocalVersion {
            features: 0b1011,
            ..LocalVersion::default()
        },
        ping_interval: Duration::from_secs(30),
        rekey_interval: Duration::from_secs(45),
        ..ConnectionConfig::default()
    };
    let mut pair = Pair::new(config.clone(), config, 2026).expect("valid configuration");
    pair.latency = Duration::from_millis(40);

    pair.run_until_connected().expect("handshake settles");
    let announce = Message::Inv(vec![InvItem {
        kind: InvKind::Tx,
        hash: [0xab; 32],
    }]);
    pair.a.send(pair.now, announce).expect("connected");
    pair.b.send(pair.now, Message::GetAddr).expect("connected");
    pair.run_until(Instant::from_millis(60_000))
        .expect("no livelock");
    pair.a.close(pair.now, DisconnectReason::Shutdown);
    pair.run_until(pair.now + Duration::from_secs(1))
        .expect("no livelock");

    for record in &pair.events {
        let side = if record.at_a {
            "a (outbound)"
        } else {
            "b (inbound) "
        };
        println!(
            "{:>8}  {side}  {}",
            record.at.to_string(),
            describe(&record.event)
        );
    }
    let (a, b) = (pair.a.stats(), pair.b.stats());
    println!(
        "a sent {} bytes in {} messages, received {}; rtt min {}; rekeys {}",
        a.bytes_sent,
        a.messages_sent,
        a.bytes_received,
        a.rtt_min.map_or("none".into(), |rtt| rtt.to_string()),
        a.rekeys
    );
    println!(
        "b sent {} bytes in {} messages, received {}",
        b.bytes_sent, b.messages_sent, b.bytes_received
    );
}

fn describe(event: &Event) -> String {
    match event {
        Event::HandshakeComplete(info) => format!(
            "handshake complete over {}: peer {}, features {:#06b}, agent {}",
            info.transport.as_str(),
            info.peer_id.map_or("unknown".into(), |id| id.to_string()),
            info.features,
            info.remote.user_agent
        ),
        Event::Message(message) => format!("message {}", message.kind().name()),
        Event::Pong { rtt } => format!("pong, rtt {rtt}"),
        Event::Rekeyed { generation } => format!("session rekeyed (generation {generation})"),
        Event::Closed {
            reason,
            unsent_bytes,
        } => format!(
            "closed: {reason} ({}, {unsent_bytes} bytes unsent)",
            reason.consequence()
        ),
        other => format!("{other:?}"),
    }
}
