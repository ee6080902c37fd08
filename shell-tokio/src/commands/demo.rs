//! `veil demo`: a small network of local nodes on loopback, with no
//! configuration. Six nodes and a SOCKS5 proxy: A listens on every
//! carrier; B, C, D and E reach it over raw TCP, TLS, WebSocket and
//! WebSocket over TLS, and each other in a ring; F reaches A through the
//! SOCKS5 proxy. Every link is an encrypted veil session pinned to the
//! peer's identity. Messages go out, a Dandelion++ transaction spreads,
//! and the demo ends after a while or on Ctrl-C, every node closing
//! gracefully.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use rand_core::OsRng;
use sha2::{Digest, Sha256};
use tokio::net::TcpListener;
use veil_core::identity::{Identity, PeerId};
use veil_core::message::Message;
use veil_core::node::{ConnectionKind, Node, NodeConfig, ProxyMode, Reached, TxSource};

use super::demo_proxy::start_socks5_proxy;
use super::demo_view::{describe_outcome, short_hash, short_id, View, NAMES};
use super::demo_watch::relay;
use super::CommandError;
use crate::carrier::Carrier;
use crate::cli::DemoArgs;
use crate::clock::Clock;
use crate::driver::{spawn, DriverConfig, Listener, NodeHandle, Running};
use crate::status::human_bytes;
use crate::target::Target;

/// Who dials whom, and how: (from, to, carrier of `to`'s listener).
const LINKS: [(usize, usize, Carrier); 8] = [
    (1, 0, Carrier::Tcp),
    (2, 0, Carrier::Tls),
    (3, 0, Carrier::WebSocket),
    (4, 0, Carrier::WebSocketTls),
    (5, 0, Carrier::Tcp),
    (1, 2, Carrier::Tcp),
    (2, 3, Carrier::Tcp),
    (3, 4, Carrier::Tcp),
];

/// What the nodes' watchers saw.
#[derive(Default)]
pub(super) struct Seen {
    pub(super) connected: usize,
    /// Which nodes have the transaction.
    pub(super) tx_at: Vec<bool>,
}

struct DemoNode {
    handle: NodeHandle,
    task: tokio::task::JoinHandle<()>,
    watcher: tokio::task::JoinHandle<()>,
    listeners: Vec<(SocketAddr, Carrier)>,
}

/// Runs the demo; an error says which part did not work.
pub async fn run(args: DemoArgs) -> Result<(), CommandError> {
    let view = View::new();
    view.heading("Starting a SOCKS5 proxy and six veil nodes on 127.0.0.1");
    let proxy = start_socks5_proxy()
        .await
        .map_err(|e| CommandError::new(format!("starting the SOCKS5 proxy: {e}")))?;
    view.say(6, "px", &format!("SOCKS5 proxy listening on {proxy}"));

    let identities: Vec<Identity> = (0..NAMES.len())
        .map(|_| Identity::generate(&mut OsRng))
        .collect();
    let names: Arc<HashMap<PeerId, &'static str>> = Arc::new(
        identities
            .iter()
            .zip(NAMES)
            .map(|(id, name)| (id.peer_id(), name))
            .collect(),
    );
    let seen = Arc::new(Mutex::new(Seen {
        tx_at: vec![false; NAMES.len()],
        ..Seen::default()
    }));
    let mut nodes = Vec::new();
    for (index, identity) in identities.into_iter().enumerate() {
        let node = start_node(index, identity, proxy, &view, &names, &seen).await?;
        nodes.push(node);
    }

    view.heading("Connecting (every link encrypted and pinned to the peer's identity)");
    for (from, to, carrier) in LINKS {
        let (addr, _) = nodes[to]
            .listeners
            .iter()
            .find(|(_, c)| *c == carrier)
            .copied()
            .ok_or_else(|| CommandError::new(format!("{} has no {carrier} listener", NAMES[to])))?;
        let target: Target = format!("{carrier}://{addr}")
            .parse()
            .map_err(|e| CommandError::new(format!("{e}")))?;
        let via = if from == 5 {
            " through the SOCKS5 proxy"
        } else {
            ""
        };
        view.say(
            from,
            NAMES[from],
            &format!("dials {} at {target}{via}", NAMES[to]),
        );
        let pinned = Some(nodes[to].handle.peer_id());
        nodes[from]
            .handle
            .connect(target, pinned, ConnectionKind::Manual)
            .await
            .map_err(|e| CommandError::new(e.to_string()))?
            .map_err(|e| CommandError::new(format!("{} cannot dial: {e}", NAMES[from])))?;
    }
    // Each link is reported by both ends.
    wait_until(Duration::from_secs(15), || {
        seen.lock().unwrap().connected >= 2 * LINKS.len()
    })
    .await
    .map_err(|()| {
        let up = seen.lock().unwrap().connected / 2;
        CommandError::new(format!(
            "only {up} of {} links came up within 15 s",
            LINKS.len()
        ))
    })?;

    view.heading("Messages");
    let hello = Message::Block(Bytes::from_static(b"hello from B"));
    let a_id = nodes[0].handle.peer_id();
    nodes[1]
        .handle
        .call(move |ctx| ctx.node.send_to_peer(ctx.now, &a_id, hello))
        .await
        .map_err(|e| CommandError::new(e.to_string()))?
        .map_err(|e| CommandError::new(format!("B cannot send to A: {e}")))?;
    let welcome = Message::Block(Bytes::from_static(b"welcome, everyone"));
    let reached = nodes[0]
        .handle
        .call(move |ctx| ctx.node.broadcast(ctx.now, &welcome, |_| true))
        .await
        .map_err(|e| CommandError::new(e.to_string()))?;
    view.say(
        0,
        "A",
        &format!("broadcasts \"welcome, everyone\" to {reached} peers"),
    );
    tokio::time::sleep(Duration::from_millis(500)).await;

    view.heading("A Dandelion++ transaction from E: stem phase, then fluff");
    submit(&view, &nodes, &seen, &names, 4, b"E pays F 5 coins").await?;
    let everyone = || seen.lock().unwrap().tx_at.iter().all(|&b| b);
    let spread = wait_until(Duration::from_secs(args.seconds.max(10)), everyone).await;
    if spread.is_ok() {
        view.say(4, "E", "the transaction reached all six nodes");
    }

    view.heading("Status");
    for (index, node) in nodes.iter().enumerate() {
        print_status(&view, index, &node.handle, &names).await;
    }

    view.heading("More transactions, one every 3 s, until the end (Ctrl-C ends the demo now)");
    let end = tokio::time::Instant::now()
        + Duration::from_secs(args.seconds).saturating_sub(view.elapsed());
    let mut round = 0;
    loop {
        let next = tokio::time::Instant::now() + Duration::from_secs(3);
        tokio::select! {
            () = tokio::time::sleep_until(next.min(end)) => {}
            _ = tokio::signal::ctrl_c() => {
                view.say(6, "--", "Ctrl-C");
                break;
            }
        }
        if tokio::time::Instant::now() >= end {
            break;
        }
        round += 1;
        let from = 1 + round % 5;
        let text = format!("{} pays A {round} coins", NAMES[from]);
        seen.lock().unwrap().tx_at.fill(false);
        submit(&view, &nodes, &seen, &names, from, text.as_bytes()).await?;
    }
    view.heading("Status");
    for (index, node) in nodes.iter().enumerate() {
        print_status(&view, index, &node.handle, &names).await;
    }

    view.heading("Shutting down: every node says goodbye to its peers");
    for node in &nodes {
        node.handle.shutdown();
    }
    for (index, node) in nodes.into_iter().enumerate() {
        let stopped = tokio::time::timeout(Duration::from_secs(10), node.task).await;
        if stopped.is_err() {
            return Err(CommandError::new(format!(
                "{} did not stop within 10 s",
                NAMES[index]
            )));
        }
        let _ = node.watcher.await;
    }
    spread.map_err(|()| CommandError::new("the transaction did not reach every node"))?;
    view.heading("Done: all nodes stopped cleanly");
    Ok(())
}

/// Node `from` submits a transaction of its own.
async fn submit(
    view: &View,
    nodes: &[DemoNode],
    seen: &Mutex<Seen>,
    names: &HashMap<PeerId, &'static str>,
    from: usize,
    text: &[u8],
) -> Result<(), CommandError> {
    let tx = Bytes::copy_from_slice(text);
    let hash: [u8; 32] = Sha256::digest(&tx).into();
    view.say(
        from,
        NAMES[from],
        &format!(
            "submits transaction {} ({:?})",
            short_hash(&hash),
            String::from_utf8_lossy(text)
        ),
    );
    seen.lock().unwrap().tx_at[from] = true;
    let (outcome, next) = relay(&nodes[from].handle, hash, tx, TxSource::Local)
        .await
        .map_err(|e| CommandError::new(e.to_string()))?;
    let next = next.and_then(|id| names.get(&id).copied());
    view.say(from, NAMES[from], &describe_outcome(&outcome, next));
    Ok(())
}

/// Polls `done` every 50 ms until it holds or `limit` passes.
async fn wait_until(limit: Duration, mut done: impl FnMut() -> bool) -> Result<(), ()> {
    let start = std::time::Instant::now();
    while !done() {
        if start.elapsed() > limit {
            return Err(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

async fn start_node(
    index: usize,
    identity: Identity,
    proxy: SocketAddr,
    view: &View,
    names: &Arc<HashMap<PeerId, &'static str>>,
    seen: &Arc<Mutex<Seen>>,
) -> Result<DemoNode, CommandError> {
    let clock = Clock::start();
    // The demo wires its own topology: no automatic dials.
    let mut config = NodeConfig {
        max_outbound_connections: 0,
        min_connections: 0,
        ..NodeConfig::default()
    };
    // Frequent pings, so the status shows round-trip times.
    config.connection.ping_interval = veil_core::Duration::from_secs(2);
    let mut driver = DriverConfig::default();
    if index == 5 {
        config.proxy = ProxyMode::All;
        driver.socks5_proxy = Some(proxy);
    }
    let carriers: &[Carrier] = match index {
        0 => &Carrier::ALL,
        5 => &[],
        _ => &[Carrier::Tcp],
    };
    for &carrier in carriers {
        let tcp = TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| CommandError::new(format!("binding a listener: {e}")))?;
        driver.listeners.push(Listener {
            tcp,
            carrier,
            reached: Reached::Direct,
        });
    }
    let node = Node::new(config, identity, clock.now(), clock.wall(), &mut OsRng)
        .map_err(|e| CommandError::new(format!("node configuration: {e}")))?;
    let Running {
        handle,
        events,
        task,
        local_addrs,
    } = spawn(node, clock, driver);
    let name = NAMES[index];
    let listening: Vec<String> = local_addrs
        .iter()
        .map(|(a, c)| format!("{c}://{a}"))
        .collect();
    let what = if listening.is_empty() {
        "listens nowhere; dials through the proxy only".to_owned()
    } else {
        format!("listens on {}", listening.join(", "))
    };
    view.say(
        index,
        name,
        &format!("peer id {}…, {what}", short_id(&handle.peer_id())),
    );
    let watcher = tokio::spawn(super::demo_watch::watch(
        index,
        events,
        handle.clone(),
        *view,
        names.clone(),
        seen.clone(),
    ));
    Ok(DemoNode {
        handle,
        task,
        watcher,
        listeners: local_addrs,
    })
}

async fn print_status(
    view: &View,
    index: usize,
    handle: &NodeHandle,
    names: &HashMap<PeerId, &'static str>,
) {
    let rows = handle
        .call(|ctx| {
            ctx.node
                .peers()
                .map(|p| (p.peer_id, ctx.carrier_of(p.conn), p.health))
                .collect::<Vec<_>>()
        })
        .await
        .unwrap_or_default();
    let peers: Vec<String> = rows
        .iter()
        .map(|(id, carrier, health)| {
            let name = id.and_then(|id| names.get(&id).copied()).unwrap_or("?");
            let carrier = carrier.map_or("-".to_owned(), |c| c.to_string());
            let rtt = health.rtt_avg.map_or("not yet measured".to_owned(), |d| {
                format!("{} ms", d.as_millis())
            });
            format!(
                "{name} ({carrier}, rtt {rtt}, {} out / {} in)",
                human_bytes(health.bytes_sent),
                human_bytes(health.bytes_received)
            )
        })
        .collect();
    view.say(
        index,
        NAMES[index],
        &format!("{} peers: {}", rows.len(), peers.join("; ")),
    );
}
