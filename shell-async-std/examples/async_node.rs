//! A veil node on async-io: listens on loopback, optionally dials a peer,
//! and prints what happens for a given number of seconds; or replays
//! vector files with the core's replayer.
//!
//! ```sh
//! cargo run -p veil-async-std --example async_node -- 127.0.0.1:9400           # smol
//! cargo run -p veil-async-std --features async-std --example async_node -- \
//!     --async-std 127.0.0.1:0 <id>@127.0.0.1:9400 10                          # async-std
//! cargo run -p veil-async-std --example async_node -- replay testvectors/v1/*.json
//! ```

use std::time::Duration;

use futures_lite::FutureExt;
use rand_core::OsRng;
use veil_async_std::{AsyncConfig, Carrier, Clock, Driver, Running};
use veil_core::identity::{Identity, PeerId};
use veil_core::node::{ConnectionKind, Node, NodeConfig, PeerAddr};
use veil_core::testing::vectors::replay_files;

type Error = Box<dyn std::error::Error + Send + Sync>;

fn main() -> Result<(), Error> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().is_some_and(|a| a == "replay") {
        return replay(&args[1..]);
    }
    let on_async_std = args.first().is_some_and(|a| a == "--async-std");
    if on_async_std {
        args.remove(0);
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
    let shell = AsyncConfig {
        listen: vec![(listen, Carrier::Tcp)],
        ..AsyncConfig::default()
    };
    let (running, driver) = Driver::new(node, clock, shell)?;
    let app = watch(running, args.get(1).cloned(), Duration::from_secs(seconds));
    if on_async_std {
        run_async_std(driver, app)
    } else {
        smol::block_on(async {
            let driver = smol::spawn(driver);
            app.await?;
            driver.await;
            Ok(())
        })
    }
}

#[cfg(feature = "async-std")]
fn run_async_std(
    driver: Driver,
    app: impl std::future::Future<Output = Result<(), Error>>,
) -> Result<(), Error> {
    let driver = async_std::task::spawn(driver);
    async_std::task::block_on(async {
        app.await?;
        driver.await;
        Ok(())
    })
}

#[cfg(not(feature = "async-std"))]
fn run_async_std(
    _: Driver,
    _: impl std::future::Future<Output = Result<(), Error>>,
) -> Result<(), Error> {
    Err("built without the async-std feature".into())
}

/// Dials `peer` if given, prints events until `duration` has passed, then
/// shuts the node down.
async fn watch(running: Running, peer: Option<String>, duration: Duration) -> Result<(), Error> {
    let id = running.handle.call(|node, _| node.peer_id()).await?;
    println!("peer id {id}, listening on {}", running.local_addrs[0].0);
    if let Some(peer) = peer {
        let (id, addr) = peer.split_once('@').ok_or("peer: <peer id>@<ip:port>")?;
        let id: PeerId = id.parse()?;
        let addr: PeerAddr = addr.parse()?;
        let conn = running
            .handle
            .call(move |node, now| node.connect(now, addr, Some(id), ConnectionKind::Manual))
            .await??;
        println!("dialling {peer} as {conn}");
    }
    let events = async {
        while let Ok(event) = running.events.recv().await {
            println!("{event:?}");
        }
    };
    events
        .or(async {
            async_io::Timer::after(duration).await;
        })
        .await;
    running.handle.shutdown();
    // The driver ends after the graceful close; the events end with it.
    while running.events.recv().await.is_ok() {}
    println!("stopped");
    Ok(())
}

/// Replays vector files, printing the core's report (the same lines as
/// `veil replay`).
fn replay(files: &[String]) -> Result<(), Error> {
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
