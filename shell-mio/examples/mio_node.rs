//! A veil node on mio: listens on loopback, optionally dials a peer, and
//! prints what happens, for a given number of seconds; or replays vector
//! files with the core's replayer.
//!
//! ```sh
//! cargo run -p veil-mio --example mio_node -- 127.0.0.1:9400            # listen
//! cargo run -p veil-mio --example mio_node -- 127.0.0.1:0 <id>@127.0.0.1:9400 10
//! cargo run -p veil-mio --example mio_node -- replay testvectors/v1/*.json
//! ```

use std::time::{Duration, Instant};

use rand_core::OsRng;
use veil_core::identity::{Identity, PeerId};
use veil_core::node::{ConnectionKind, Node, NodeConfig, PeerAddr};
use veil_core::testing::vectors::replay_files;
use veil_mio::{Carrier, Clock, MioConfig, MioNode};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().is_some_and(|a| a == "replay") {
        return replay(&args[1..]);
    }
    let listen = args.first().map_or("127.0.0.1:0", String::as_str).parse()?;
    let seconds: u64 = args.get(2).map_or(Ok(30), |s| s.parse())?;
    let clock = Clock::start();
    let config = NodeConfig {
        max_outbound_connections: 0,
        min_connections: 0,
        ..NodeConfig::default()
    };
    let node = Node::new(
        config,
        Identity::generate(&mut OsRng),
        clock.now(),
        clock.wall(),
        &mut OsRng,
    )?;
    let running = MioNode::spawn(
        node,
        clock,
        MioConfig {
            listen: vec![(listen, Carrier::Tcp)],
            ..MioConfig::default()
        },
    )?;
    let id = running.handle.call(|node, _| node.peer_id())?;
    println!("peer id {id}, listening on {}", running.local_addrs[0].0);
    if let Some(peer) = args.get(1) {
        let (id, addr) = peer.split_once('@').ok_or("peer: <peer id>@<ip:port>")?;
        let id: PeerId = id.parse()?;
        let addr: PeerAddr = addr.parse()?;
        let conn = running
            .handle
            .call(move |node, now| node.connect(now, addr, Some(id), ConnectionKind::Manual))??;
        println!("dialling {peer} as {conn}");
    }
    let end = Instant::now() + Duration::from_secs(seconds);
    while let Some(left) = end.checked_duration_since(Instant::now()) {
        if let Ok(event) = running.events.recv_timeout(left) {
            println!("{event:?}");
        }
    }
    running.handle.shutdown();
    running.join();
    println!("stopped");
    Ok(())
}

/// Replays vector files, printing the core's report (the same lines as
/// `veil replay`).
fn replay(files: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    let mut texts = Vec::new();
    for file in files {
        texts.push((file.as_str(), std::fs::read_to_string(file)?));
    }
    let report = replay_files(texts.iter().map(|(n, t)| (*n, t.as_str())));
    print!("{}", report.text);
    if report.all_passed() {
        Ok(())
    } else {
        Err("some vectors failed".into())
    }
}
