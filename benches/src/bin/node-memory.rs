//! Prints the memory a `Node` holds per connected idle peer, measured with
//! a counting global allocator (see `veil_benches::memory`).
//!
//! A hub node (default `NodeConfig`) accepts `n` inbound peers, each a
//! genuine outbound `Connection` (default configuration offering
//! Dandelion++, like a node) from its own public `/16`, wired in process:
//! bytes are passed until every handshake completes and the queues are
//! empty, and every event is taken. The hub is then dropped first: the
//! bytes freed are its heap. Per peer = (heap with `n` peers − heap with 0)
//! / `n`; `size_of::<Node>()` is the same for both and cancels. The
//! `Connection` share is the existing `connection-memory` figure of an
//! inbound connection just connected (`size_of` + heap).
//!
//! Usage: `node-memory` (peers 0, 1, 10, 100).
//!
//! ```sh
//! cargo run --release -p veil-benches --bin node-memory
//! ```

use std::mem::size_of;
use std::net::Ipv4Addr;
use std::process::ExitCode;
use std::sync::Arc;

use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use veil_benches::memory::{
    counting_alloc_installed, live_bytes, measure, CountingAlloc, Scenario,
};
use veil_core::connection::{Connection, ConnectionConfig, Event};
use veil_core::identity::Identity;
use veil_core::message::{features, NetAddress};
use veil_core::node::{ConnId, Node, NodeConfig, PeerAddr, PeerState, Reached};
use veil_core::{Instant, UnixTime};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// Peer counts measured; the last one gives the per-peer figure.
const COUNTS: [usize; 4] = [0, 1, 10, 100];

/// Rounds of byte passing after which every handshake must be done.
const MAX_ROUNDS: usize = 32;

fn main() -> ExitCode {
    if !counting_alloc_installed() {
        eprintln!("node-memory: the counting allocator is not installed");
        return ExitCode::from(1);
    }
    let connection = match measure(Scenario::JustConnected) {
        Ok(m) => m.inbound.total(),
        Err(error) => {
            eprintln!("node-memory: {error}");
            return ExitCode::from(1);
        }
    };
    let mut heaps = Vec::new();
    for n in COUNTS {
        match hub_heap(n) {
            Ok(heap) => heaps.push((n, heap)),
            Err(error) => {
                eprintln!("node-memory: {error}");
                return ExitCode::from(1);
            }
        }
    }
    let empty = heaps[0].1;
    println!("Node memory per connected idle peer (default NodeConfig)\n");
    println!("| peers | hub heap (bytes) | minus empty hub | per peer |");
    println!("|---|---|---|---|");
    for &(n, heap) in &heaps {
        let extra = heap.saturating_sub(empty);
        let per = extra
            .checked_div(n)
            .map_or("-".to_string(), |b| b.to_string());
        println!("| {n} | {heap} | {extra} | {per} |");
    }
    let (n, heap) = heaps[heaps.len() - 1];
    let per_peer = heap.saturating_sub(empty) / n;
    println!(
        "\nsize_of::<Node>() = {} bytes (not in the heap figures)",
        size_of::<Node>()
    );
    println!("Per connected peer ({n} peers): {per_peer} bytes");
    println!(
        "  of which the Connection (connection-memory, inbound, just connected): {connection} bytes \
         ({:.0} %)",
        100.0 * connection as f64 / per_peer as f64
    );
    println!(
        "  the node's own bookkeeping (Peer record, maps, router, limiter): {} bytes",
        per_peer.saturating_sub(connection)
    );
    ExitCode::SUCCESS
}

/// The heap of a hub node with `n` connected idle inbound peers.
fn hub_heap(n: usize) -> Result<usize, String> {
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let (now, wall) = (Instant::ZERO, UnixTime::from_secs(1_700_000_000));
    let identity = Identity::generate(&mut rng);
    let mut hub = Node::new(NodeConfig::default(), identity, now, wall, &mut rng)
        .map_err(|e| e.to_string())?;
    let mut config = ConnectionConfig::default();
    config.local.features |= features::DANDELION;
    let config = Arc::new(config);
    let mut peers: Vec<(ConnId, Connection)> = Vec::with_capacity(n);
    for i in 0..n {
        let ip = Ipv4Addr::new(20 + (i / 256) as u8, (i % 256) as u8, 0, 1);
        let remote = PeerAddr::new(NetAddress::Ipv4(ip), 40_000);
        let conn = hub
            .accept(now, remote, Reached::Direct)
            .map_err(|e| format!("peer {i} refused: {e}"))?;
        let peer = Connection::outbound(
            config.clone(),
            &Identity::generate(&mut rng),
            None,
            now,
            wall,
            &mut rng,
        )
        .map_err(|e| e.to_string())?;
        peers.push((conn, peer));
    }
    let mut buf = vec![0u8; 64 * 1024];
    for _ in 0..MAX_ROUNDS {
        let mut moved = false;
        for (conn, peer) in &mut peers {
            loop {
                let len = peer.poll_transmit(&mut buf);
                if len == 0 {
                    break;
                }
                moved = true;
                hub.handle_input(now, *conn, &buf[..len]);
            }
        }
        while let Some(transmit) = hub.poll_transmit(&mut buf) {
            moved = true;
            let (_, peer) = peers
                .iter_mut()
                .find(|(conn, _)| *conn == transmit.conn)
                .ok_or("bytes for an unknown connection")?;
            peer.handle_input(now, &buf[..transmit.len]);
        }
        for (_, peer) in &mut peers {
            while let Some(event) = peer.poll_event() {
                if let Event::CheckNonce { .. } = event {
                    peer.resolve_nonce_check(now, false);
                }
            }
        }
        while hub.poll_action().is_some() {}
        while hub.poll_event().is_some() {}
        if !moved {
            break;
        }
    }
    let connected = hub
        .peers()
        .filter(|p| p.state == PeerState::Connected && p.queued_bytes == 0)
        .count();
    if connected != n {
        return Err(format!("{connected} of {n} peers connected and idle"));
    }
    drop(buf);
    let before = live_bytes();
    drop(hub);
    let heap = before - live_bytes();
    drop(peers);
    Ok(heap)
}
