//! Scenario tests of the node on the multi-node simulator: each runs a
//! network on a virtual clock and asserts a property of the whole.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use core::net::Ipv4Addr;
use sha2::{Digest, Sha256};
use veil_core::dandelion::DandelionConfig;
use veil_core::message::Message;
use veil_core::node::{
    ConnectionKind, Direction, Disconnection, NodeConfig, NodeEvent, PeerSnapshot, PeerState,
};
use veil_core::peering::{BackoffConfig, BanPolicy};
use veil_core::testing::sim::{SimConfig, SimEvent, Simulator};
use veil_core::{Consequence, Duration};

fn connected(sim: &Simulator, node: usize) -> Vec<PeerSnapshot> {
    sim.node(node)
        .map(|n| {
            n.peers()
                .filter(|p| p.state == PeerState::Connected)
                .collect()
        })
        .unwrap_or_default()
}

fn outbound(sim: &Simulator, node: usize) -> Vec<PeerSnapshot> {
    connected(sim, node)
        .into_iter()
        .filter(|p| p.kind == ConnectionKind::Outbound)
        .collect()
}

fn inbound(sim: &Simulator, node: usize) -> Vec<PeerSnapshot> {
    connected(sim, node)
        .into_iter()
        .filter(|p| p.direction == Direction::Inbound)
        .collect()
}

/// Whether `node` has its outbound slots full, or is connected (either way)
/// to every other running node, so it has no one left to dial (a node may
/// not dial a peer already connected to it).
fn has_full_outbound(sim: &Simulator, node: usize, slots: usize) -> bool {
    let running = (0..sim.len()).filter(|&n| sim.is_running(n)).count();
    outbound(sim, node).len() == slots || connected(sim, node).len() + 1 >= running
}

/// A network of `n` nodes, node `i` at 20.i.0.1 (one /16 each), nodes 0..3
/// the bootstrap nodes of everyone.
fn network(n: usize, config: &NodeConfig, seed: u64) -> Simulator {
    let mut sim = Simulator::new(SimConfig::default(), seed);
    for i in 0..n {
        sim.add_node(config.clone(), Ipv4Addr::new(20, i as u8, 0, 1));
    }
    for i in 0..n {
        for b in 0..3 {
            if i != b {
                sim.add_bootstrap(i, b);
            }
        }
    }
    sim
}

/// A network of `n` nodes, node `i` at 20.i.0.1, each bootstrapping from
/// the next two: no node is dialled by everyone (and so left without
/// outbound peers of its own).
fn ring_network(n: usize, config: &NodeConfig, seed: u64) -> Simulator {
    let mut sim = Simulator::new(SimConfig::default(), seed);
    for i in 0..n {
        sim.add_node(config.clone(), Ipv4Addr::new(20, i as u8, 0, 1));
    }
    for i in 0..n {
        sim.add_bootstrap(i, (i + 1) % n);
        sim.add_bootstrap(i, (i + 2) % n);
    }
    sim
}

/// Whether the graph of connected peers is one component.
fn is_one_component(sim: &Simulator) -> bool {
    let mut seen = BTreeSet::from([0]);
    let mut queue = VecDeque::from([0]);
    while let Some(node) = queue.pop_front() {
        for peer in sim.connected_peers(node) {
            if seen.insert(peer) {
                queue.push_back(peer);
            }
        }
    }
    seen.len() == sim.len()
}

#[test]
fn fifty_nodes_fill_their_outbound_slots() {
    let config = NodeConfig::default();
    let mut sim = network(50, &config, 1);
    sim.run_for(Duration::from_secs(300));
    for node in 0..50 {
        let slots = config.max_outbound_connections;
        assert!(
            has_full_outbound(&sim, node, slots),
            "node {node}: {} outbound, {} peers",
            outbound(&sim, node).len(),
            connected(&sim, node).len()
        );
        assert!(inbound(&sim, node).len() <= config.max_inbound_connections);
        let peers = outbound(&sim, node);
        let groups: BTreeSet<u64> = peers.iter().map(|p| p.netgroup).collect();
        assert_eq!(groups.len(), peers.len(), "one per netgroup");
    }
    // Only the bootstrap nodes, which everyone dialled, may fall short.
    assert!((3..50).all(|node| outbound(&sim, node).len() == 8));
    assert!(is_one_component(&sim));
}

#[test]
fn attacker_from_three_netgroups_cannot_evict_the_protected_peers() {
    let victim_config = NodeConfig {
        max_inbound_connections: 20,
        max_inbound_per_netgroup: 100,
        ..NodeConfig::default()
    };
    let peer_config = NodeConfig {
        max_outbound_connections: 0,
        min_connections: 0,
        reconnect: BackoffConfig {
            base: Duration::from_secs(1),
            max: Duration::from_secs(4),
            stable_after: Duration::from_secs(60),
        },
        ..NodeConfig::default()
    };
    let mut sim = Simulator::new(SimConfig::default(), 2);
    let victim = sim.add_node(victim_config, Ipv4Addr::new(20, 0, 0, 1));
    let target = sim.listen_addr(victim);
    let honest: Vec<usize> = (1..=20u8)
        .map(|i| sim.add_node(peer_config.clone(), Ipv4Addr::new(21, i, 0, 1)))
        .collect();
    for &h in &honest {
        sim.with_node(h, |n, now| {
            n.connect(now, target.clone(), None, ConnectionKind::Manual)
        });
    }
    // Long enough for uptime and measured pings.
    sim.run_for(Duration::from_secs(300));
    assert_eq!(inbound(&sim, victim).len(), 20);
    sim.take_events();

    // 60 attacker nodes from 3 netgroups keep reconnecting.
    let attackers: Vec<usize> = (0..60u8)
        .map(|i| sim.add_node(peer_config.clone(), Ipv4Addr::new(30, i % 3, i, 1)))
        .collect();
    for &a in &attackers {
        sim.with_node(a, |n, now| {
            n.connect(now, target.clone(), None, ConnectionKind::Persistent)
        });
    }
    for _ in 0..10 {
        sim.run_for(Duration::from_secs(30));
        let inbound = inbound(&sim, victim).len();
        assert!(inbound <= 20, "inbound limit held: {inbound}");
    }
    let honest_ids: BTreeSet<_> = honest.iter().map(|&h| sim.peer_id(h)).collect();
    let mut evicted_honest = 0;
    let mut evictions = 0;
    for SimEvent { node, event, .. } in sim.take_events() {
        if let NodeEvent::Disconnected {
            reason: Disconnection::Evicted(rule),
            peer_id,
            ..
        } = event
        {
            assert_eq!(node, victim);
            evictions += 1;
            assert!(
                !rule.to_string().is_empty(),
                "every eviction names its rule"
            );
            if peer_id.is_some_and(|id| honest_ids.contains(&id)) {
                evicted_honest += 1;
            }
        }
    }
    assert!(evictions > 20, "the attack ran ({evictions} evictions)");
    let remaining_honest = inbound(&sim, victim)
        .iter()
        .filter(|p| p.peer_id.is_some_and(|id| honest_ids.contains(&id)))
        .count();
    // Netgroup (4) and ping (8) protection alone keep 12 honest peers; the
    // attacker's own crowded netgroups are evicted first.
    assert!(
        remaining_honest >= 12,
        "{remaining_honest} honest peers remain"
    );
    assert!(evicted_honest <= 8, "{evicted_honest} honest peers evicted");
}

#[test]
fn outbound_peers_keep_spanning_netgroups_under_churn() {
    let config = NodeConfig::default();
    let mut sim = Simulator::new(SimConfig::default(), 3);
    // 48 nodes, 4 per /16: the per-netgroup cap matters.
    for i in 0..48u8 {
        sim.add_node(config.clone(), Ipv4Addr::new(20, i / 4, i % 4, 1));
    }
    for i in 0..48 {
        for b in [0, 4, 8] {
            if i != b {
                sim.add_bootstrap(i, b);
            }
        }
    }
    sim.run_for(Duration::from_secs(120));
    let mut stopped: Vec<usize> = Vec::new();
    let mut up_since = vec![sim.now(); 48];
    for round in 0..12usize {
        // Restart last round's nodes, stop four others (never a bootstrap).
        for node in stopped.drain(..) {
            sim.start(node);
            up_since[node] = sim.now();
        }
        for k in 0..4 {
            let node = 12 + (round * 7 + k * 9) % 36;
            if !stopped.contains(&node) {
                sim.stop(node);
                stopped.push(node);
            }
        }
        sim.run_for(Duration::from_secs(60));
        for node in (0..48).filter(|n| sim.is_running(*n)) {
            let peers = outbound(&sim, node);
            let mut per_group: BTreeMap<u64, usize> = BTreeMap::new();
            for peer in &peers {
                *per_group.entry(peer.netgroup).or_default() += 1;
            }
            assert!(per_group
                .values()
                .all(|&n| n <= config.max_outbound_per_netgroup));
            let settled =
                sim.now().saturating_duration_since(up_since[node]) >= Duration::from_secs(60);
            let bootstrap = [0, 4, 8].contains(&node);
            if settled && !bootstrap {
                assert!(
                    per_group.len() >= 4,
                    "round {round}: node {node} spans {} netgroups",
                    per_group.len()
                );
            }
        }
    }
}

#[test]
fn partitioned_network_heals_when_the_link_returns() {
    let config = NodeConfig {
        rotation_interval: Duration::from_secs(60),
        ..NodeConfig::default()
    };
    let mut sim = network(30, &config, 4);
    sim.run_for(Duration::from_secs(120));
    assert!(is_one_component(&sim));
    sim.partition(|i| (i % 2) as u8);
    sim.run_for(Duration::from_secs(180));
    assert!(!is_one_component(&sim), "the partition cut the graph");
    for node in 0..30 {
        for peer in sim.connected_peers(node) {
            assert_eq!(node % 2, peer % 2, "no link crosses the partition");
        }
    }
    sim.heal();
    // Rotation replaces an outbound peer every minute from the address
    // book, which still knows the other side.
    sim.run_for(Duration::from_secs(600));
    assert!(is_one_component(&sim));
}

#[test]
fn a_banned_peer_is_refused_until_its_ban_expires() {
    let config = NodeConfig {
        bans: BanPolicy {
            ban_duration: Duration::from_secs(120),
            ..BanPolicy::default()
        },
        ..NodeConfig::default()
    };
    let mut sim = Simulator::new(SimConfig::default(), 5);
    let a = sim.add_node(config.clone(), Ipv4Addr::new(20, 0, 0, 1));
    let b = sim.add_node(config, Ipv4Addr::new(20, 1, 0, 1));
    let a_addr = sim.listen_addr(a);
    let dial = |sim: &mut Simulator| {
        let addr = a_addr.clone();
        sim.with_node(b, |n, now| {
            n.connect(now, addr, None, ConnectionKind::Manual)
        })
        .unwrap()
        .unwrap();
    };
    dial(&mut sim);
    sim.run_for(Duration::from_secs(5));
    let conn = connected(&sim, a)[0].conn;
    let reported = sim.with_node(a, |n, now| {
        n.report_misbehaviour(now, conn, Consequence::Ban, "invalid block")
    });
    assert_eq!(reported, Some(true));
    sim.run_for(Duration::from_secs(5));
    assert!(connected(&sim, a).is_empty());
    let events = sim.take_events();
    assert!(events.iter().any(|e| e.node == a
        && matches!(&e.event, NodeEvent::Punished { offence, .. } if offence.to_string() == "invalid block")));

    // Within the ban: b completes the handshake and is closed at once.
    dial(&mut sim);
    sim.run_for(Duration::from_secs(5));
    assert!(connected(&sim, a).is_empty());
    assert!(sim.take_events().iter().any(|e| e.node == a
        && matches!(
            &e.event,
            NodeEvent::Disconnected {
                reason: Disconnection::Banned(_),
                ..
            }
        )));

    // After it: admitted.
    sim.run_for(Duration::from_secs(120));
    dial(&mut sim);
    sim.run_for(Duration::from_secs(5));
    assert_eq!(sim.connected_peers(a), vec![b]);
}

#[test]
fn persistent_peer_is_redialled_within_the_backoff_envelope() {
    let reconnect = BackoffConfig {
        base: Duration::from_secs(2),
        max: Duration::from_secs(16),
        stable_after: Duration::from_secs(60),
    };
    let config = NodeConfig {
        reconnect,
        max_outbound_connections: 0,
        min_connections: 0,
        ..NodeConfig::default()
    };
    let mut sim = Simulator::new(SimConfig::default(), 6);
    let a = sim.add_node(config.clone(), Ipv4Addr::new(20, 0, 0, 1));
    let b = sim.add_node(config, Ipv4Addr::new(20, 1, 0, 1));
    let b_addr = sim.listen_addr(b);
    sim.with_node(a, |n, now| {
        n.connect(now, b_addr, None, ConnectionKind::Persistent)
    });
    sim.run_for(Duration::from_secs(5));
    assert_eq!(sim.connected_peers(a), vec![b]);
    sim.take_events();

    sim.stop(b);
    sim.run_for(Duration::from_secs(120));
    let failures: Vec<(u64, u64)> = sim
        .take_events()
        .into_iter()
        .filter(|e| e.node == a)
        .filter_map(|e| match e.event {
            NodeEvent::DialFailed { retry_at, .. } => {
                retry_at.map(|t| (e.at.as_millis(), t.as_millis()))
            }
            _ => None,
        })
        .collect();
    assert!(failures.len() >= 5, "{failures:?}");
    // The first failure follows the short-lived connection's drop (failure
    // count 1 after it); the n-th delay lies in [envelope/2, envelope].
    for (n, (at, retry)) in failures.iter().enumerate() {
        let envelope = (2_000u64 << (n + 1)).min(16_000);
        let delay = retry - at;
        assert!(
            delay >= envelope / 2 && delay <= envelope,
            "failure {n}: delay {delay} ms, envelope {envelope} ms"
        );
    }

    // b comes back: a reconnects on its own.
    sim.start(b);
    sim.run_for(Duration::from_secs(30));
    assert_eq!(sim.connected_peers(a), vec![b]);
}

#[test]
fn dandelion_transactions_reach_everyone_with_stems_of_the_expected_length() {
    let fluff_permille = 250;
    let config = NodeConfig {
        // Short epochs: every node's mode (diffuser with probability q) is
        // drawn afresh many times over the run, so stems are many
        // independent-ish draws rather than a few fixed paths.
        dandelion: Some(DandelionConfig {
            fluff_permille,
            epoch_min: Duration::from_secs(20),
            ..DandelionConfig::default()
        }),
        ..NodeConfig::default()
    };
    let n = 48;
    // Bootstrap in a ring: a node that everyone dialled has no outbound
    // peer to relay a stem to, and would end every stem that reached it.
    let mut sim = ring_network(n, &config, 7);
    sim.run_for(Duration::from_secs(200));
    for node in 0..n {
        assert_eq!(outbound(&sim, node).len(), 8, "node {node} has relays");
    }
    sim.take_events();
    let mut txs = Vec::new();
    for k in 0..80usize {
        let origin = (k * 17) % n;
        let body = format!("transaction {k}").into_bytes();
        txs.push((sim.submit_transaction(origin, body), origin));
        sim.run_for(Duration::from_secs(3));
    }
    sim.run_for(Duration::from_secs(90));
    // Stem hops: `stemtx` receptions before the first `tx` of that hash
    // (events come in time order).
    let mut stems: BTreeMap<[u8; 32], usize> = BTreeMap::new();
    let mut fluffed: BTreeSet<[u8; 32]> = BTreeSet::new();
    let mut seen: BTreeMap<[u8; 32], BTreeSet<usize>> = BTreeMap::new();
    let mut last = veil_core::Instant::ZERO;
    for SimEvent { node, event, at } in sim.take_events() {
        assert!(at >= last, "events in time order");
        last = at;
        if let NodeEvent::Message { message, .. } = event {
            let (body, stem) = match &message {
                Message::Tx(body) => (body, false),
                Message::StemTx(body) => (body, true),
                _ => continue,
            };
            let hash: [u8; 32] = Sha256::digest(body).into();
            seen.entry(hash).or_default().insert(node);
            if !stem {
                fluffed.insert(hash);
            } else if !fluffed.contains(&hash) {
                *stems.entry(hash).or_default() += 1;
            }
        }
    }
    for (hash, origin) in &txs {
        let reached = seen
            .get(hash)
            .map_or(0, |s| s.len() + usize::from(!s.contains(origin)));
        assert_eq!(reached, n, "every node got the transaction");
    }
    let lengths: Vec<f64> = txs
        .iter()
        .map(|(h, _)| stems.get(h).copied().unwrap_or(0) as f64)
        .collect();
    let samples = lengths.len() as f64;
    let mean = lengths.iter().sum::<f64>() / samples;
    // The origin stems, and each relay fluffs with probability q: the hop
    // count is geometric on 1, 2, ... with mean 1/q (4 here) and variance
    // (1 - q)/q^2. The sample mean of n stems lies within 4 standard errors
    // of 1/q but for a rare loop cut short (a relay that already holds the
    // transaction: half a hop on average at most).
    let q = f64::from(fluff_permille) / 1000.0;
    let expected = 1.0 / q;
    let standard_error = ((1.0 - q) / (q * q) / samples).sqrt();
    let tolerance = 4.0 * standard_error + 0.5;
    assert!(
        (mean - expected).abs() <= tolerance,
        "mean stem length {mean}, expected {expected} ± {tolerance}"
    );
    // And they spread like a geometric draw (variance (1 - q)/q^2 = 12),
    // not a few fixed paths of one length each.
    let variance = lengths.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / (samples - 1.0);
    assert!(
        variance > (1.0 - q) / (q * q) / 3.0,
        "stem lengths {lengths:?}: variance {variance}"
    );
    // An origin whose relay just left fluffs at once (FluffReason): rare.
    let stemmed = txs.iter().filter(|(h, _)| stems.contains_key(h)).count();
    assert!(
        stemmed * 10 >= txs.len() * 9,
        "{stemmed} of {} stemmed first",
        txs.len()
    );
}

#[test]
fn same_seed_same_run() {
    let run = |seed| {
        let mut sim = network(12, &NodeConfig::default(), seed);
        sim.run_for(Duration::from_secs(60));
        sim.submit_transaction(5, b"tx".to_vec());
        sim.run_for(Duration::from_secs(30));
        sim.stop(7);
        sim.partition(|i| u8::from(i < 6));
        sim.run_for(Duration::from_secs(30));
        sim.heal();
        sim.start(7);
        sim.submit_transaction(7, b"another".to_vec());
        sim.run_for(Duration::from_secs(60));
        let peers: Vec<Vec<usize>> = (0..12).map(|i| sim.connected_peers(i)).collect();
        (sim.take_events(), peers, sim.stats())
    };
    let first = run(9);
    assert!(first.0.len() > 100, "a busy run");
    assert_eq!(first, run(9));
    assert_ne!(first.0, run(10).0, "the seed matters");
}

#[test]
fn a_node_restarted_at_once_never_reads_bytes_meant_for_its_previous_run() {
    // A restarted node reuses connection ids from 1: bytes, closes and dial
    // outcomes still in flight for its previous run must not reach the new
    // connections (they would fail authentication, or worse, be read as a
    // protocol violation and punish an honest peer).
    let mut sim = network(14, &NodeConfig::default(), 11);
    sim.run_for(Duration::from_secs(60));
    sim.take_events();
    for round in 0..24usize {
        let node = 3 + (round * 5) % 11;
        sim.stop(node);
        sim.start(node);
        for origin in (0..14).step_by(3) {
            sim.submit_transaction(origin, format!("tx {round} {origin}").into_bytes());
        }
        sim.run_for(Duration::from_secs(2));
    }
    sim.run_for(Duration::from_secs(30));
    for SimEvent { node, event, .. } in sim.take_events() {
        match event {
            NodeEvent::Punished { offence, .. } => {
                panic!("node {node} punished a peer: {offence}")
            }
            NodeEvent::Disconnected {
                reason: Disconnection::Closed(reason),
                ..
            } => {
                use veil_core::connection::CloseReason;
                assert!(
                    !matches!(
                        reason,
                        CloseReason::Noise(_)
                            | CloseReason::Decrypt(_)
                            | CloseReason::Wire(_)
                            | CloseReason::MalformedPacket { .. }
                            | CloseReason::MalformedPayload { .. }
                            | CloseReason::UnexpectedMessage { .. }
                            | CloseReason::UnknownHandshakeFormat { .. }
                            | CloseReason::GarbageTerminatorMissing
                    ),
                    "node {node}: {reason}"
                );
            }
            _ => {}
        }
    }
    for node in 0..14 {
        assert!(
            connected(&sim, node).len() >= 4,
            "node {node} reconnected: {:?}",
            sim.connected_peers(node)
        );
    }
}
