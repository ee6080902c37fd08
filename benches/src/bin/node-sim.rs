//! Simulates 1,000 nodes for 10 virtual minutes with
//! `veil_core::testing::sim` and prints what it cost in wall time, next to
//! a raw baseline run in the same process: the public-key operations of as
//! many handshakes as the simulation completed
//! (`veil_benches::handshake::RawKeys::connection_public_key_ops`).
//!
//! Network: nodes at `20.0.0.1`, `20.1.0.1`, ... `23.231.0.1` (one `/16`
//! netgroup each),
//! the default `NodeConfig` and `SimConfig` (10–80 ms one-way latency, no
//! loss) except `record_events: false`; nodes 0–4 are the seeds, every other
//! node bootstraps from two of them. Seed 2024. By default every node
//! starts at t = 0 (a thundering herd on the seeds); with `--stagger` the
//! others join 10 per virtual second after the seeds (the joins are inside
//! the timed part).
//!
//! Usage: `node-sim [--stagger] [nodes] [virtual seconds]` (defaults 1000
//! and 600).
//!
//! ```sh
//! cargo run --release -p veil-benches --bin node-sim
//! ```

use std::hint::black_box;
use std::net::Ipv4Addr;
use std::process::ExitCode;
use std::time::Instant as WallInstant;

use veil_benches::handshake::RawKeys;
use veil_core::node::NodeConfig;
use veil_core::testing::sim::{SimConfig, Simulator};
use veil_core::{Duration, Instant};

/// How many nodes are seeds.
const SEEDS: usize = 5;

/// One public `/16` per node, first octets 20 to 99.
const MAX_NODES: usize = 80 * 256;

/// With `--stagger`, how many nodes join per virtual second.
const JOIN_RATE: usize = 10;

/// The simulator's seed.
const SIM_SEED: u64 = 2024;

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let stagger = args.iter().any(|a| a == "--stagger");
    args.retain(|a| a != "--stagger");
    let mut args = args.into_iter();
    let parse = |arg: Option<String>, default: u64| arg.map_or(Ok(default), |a| a.parse::<u64>());
    let (Ok(nodes), Ok(seconds)) = (parse(args.next(), 1000), parse(args.next(), 600)) else {
        eprintln!("usage: node-sim [--stagger] [nodes] [virtual seconds]");
        return ExitCode::from(1);
    };
    let nodes = usize::try_from(nodes).unwrap_or(usize::MAX);
    if !(SEEDS + 1..=MAX_NODES).contains(&nodes) {
        eprintln!("node-sim: between {} and {MAX_NODES} nodes", SEEDS + 1);
        return ExitCode::from(1);
    }
    let total = Duration::from_secs(seconds);

    let config = SimConfig {
        record_events: false,
        ..SimConfig::default()
    };
    let mut sim = Simulator::new(config, SIM_SEED);
    let setup = WallInstant::now();
    for i in 0..SEEDS {
        sim.add_node(NodeConfig::default(), address(i));
    }
    let joined_at_start = if stagger { 0 } else { nodes - SEEDS };
    for i in SEEDS..SEEDS + joined_at_start {
        join(&mut sim, i);
    }
    let setup = setup.elapsed();

    let start = WallInstant::now();
    // Staggered: JOIN_RATE nodes join every virtual second.
    let mut next = SEEDS + joined_at_start;
    while next < nodes && sim.now() + Duration::from_secs(1) <= Instant::ZERO + total {
        for i in next..(next + JOIN_RATE).min(nodes) {
            join(&mut sim, i);
        }
        next = (next + JOIN_RATE).min(nodes);
        sim.run_for(Duration::from_secs(1));
    }
    sim.run_until(Instant::ZERO + total);
    let wall = start.elapsed();
    let stats = sim.stats();

    let (mut handshakes, mut connected, mut dials, mut evictions) = (0u64, 0usize, 0u64, 0u64);
    let mut isolated = 0usize;
    for i in 0..nodes {
        let node = sim.node(i).expect("every node runs");
        handshakes += node.stats().handshakes_completed;
        dials += node.stats().dials_started;
        evictions += node.stats().evictions;
        let peers = sim.connected_peers(i).len();
        connected += peers;
        isolated += usize::from(peers == 0);
    }
    // Each connection completes a handshake on both of its ends.
    let established = handshakes / 2;

    let raw = RawKeys::default();
    let baseline_start = WallInstant::now();
    for n in 0..established {
        black_box(raw.connection_public_key_ops(black_box(n)));
    }
    let baseline = baseline_start.elapsed();

    let wall_s = wall.as_secs_f64();
    let joins = if stagger {
        format!("{JOIN_RATE} joining per virtual second after the seeds")
    } else {
        "all started at once".to_string()
    };
    println!("node-sim: {nodes} nodes ({joins}), {seconds} virtual seconds, seed {SIM_SEED}");
    println!(
        "  setup (Node::new for the nodes started at t = 0): {:.3} s",
        setup.as_secs_f64()
    );
    println!("  wall time of the run: {wall_s:.3} s");
    println!("  virtual/wall speed-up: {:.1}x", seconds as f64 / wall_s);
    println!("  sim steps: {}", stats.steps);
    println!("  deliveries: {} ({} bytes)", stats.deliveries, stats.bytes);
    println!("  node events: {}", stats.node_events);
    println!(
        "  node events per wall second: {:.0}",
        stats.node_events as f64 / wall_s
    );
    println!("  dials started: {dials}; inbound evictions: {evictions}");
    println!("  connections established (handshakes completed / 2): {established}");
    println!(
        "  connected at the end: {} connections, {:.1} peers per node, {isolated} nodes without a peer",
        connected / 2,
        connected as f64 / nodes as f64
    );
    println!(
        "baseline: the public-key operations of {established} handshakes \
         (RawKeys::connection_public_key_ops): {:.3} s",
        baseline.as_secs_f64()
    );
    if baseline.as_secs_f64() > 0.0 {
        println!(
            "  ratio simulation / baseline: {:.2} (handshake crypto is {:.1} % of the run)",
            wall_s / baseline.as_secs_f64(),
            100.0 * baseline.as_secs_f64() / wall_s
        );
    }
    ExitCode::SUCCESS
}

/// Adds node `i`, bootstrapping from two of the seeds.
fn join(sim: &mut Simulator, i: usize) {
    let node = sim.add_node(NodeConfig::default(), address(i));
    sim.add_bootstrap(node, i % SEEDS);
    sim.add_bootstrap(node, (i + 1) % SEEDS);
}

/// Node `i`'s address: `20.0.0.1` for node 0, one public `/16` each
/// (`20.0` to `99.255`).
fn address(i: usize) -> Ipv4Addr {
    let high = u8::try_from(20 + i / 256).expect("at most MAX_NODES nodes");
    Ipv4Addr::new(high, (i % 256) as u8, 0, 1)
}
