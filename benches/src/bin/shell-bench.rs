//! The shells' benches over loopback, each with its baseline in the same
//! run. See BENCHMARKS.md, "Issue 6: tokio shell" and "Issue 7: every
//! shell".
//!
//! ```sh
//! cargo run --release -p veil-benches --bin shell-bench -- throughput [messages]
//! cargo run --release -p veil-benches --bin shell-bench -- handshake [samples]
//! cargo run --release -p veil-benches --bin shell-bench -- idle [connections]
//! cargo run --release -p veil-benches --bin shell-bench -- shells [messages] [samples]
//! ```
//!
//! `idle` needs two descriptors per connection across two processes:
//! `ulimit -n` must exceed the count (20,000 here).

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, ExitCode, Stdio};
use std::time::Duration;

use veil_benches::handshake::RawKeys;
use veil_benches::shell::{
    self, bench_config, compare, handshake, idle, percentiles, rss_bytes, throughput,
};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number =
        |i: usize, default: usize| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    match args.first().map(String::as_str) {
        Some("throughput") => runtime.block_on(run_throughput(number(1, 8192))),
        Some("handshake") => runtime.block_on(run_handshake(number(1, 300))),
        Some("idle") => runtime.block_on(run_idle(number(1, 10_000))),
        Some("shells") => run_shells(number(1, 4096), number(2, 200)),
        Some("idle-raw") => runtime.block_on(run_idle_raw(number(1, 10_000))),
        Some("idle-client") => {
            let addr = args[1].parse().expect("address");
            runtime.block_on(idle::client(addr, number(2, 10_000)));
        }
        Some("raw-client") => {
            let addr = args[1].parse().expect("address");
            runtime.block_on(idle::raw_client(addr, number(2, 10_000)));
        }
        _ => {
            eprintln!(
                "usage: shell-bench throughput|handshake|idle [n] | shells [messages] [samples]"
            );
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

async fn run_throughput(messages: usize) {
    println!("throughput: {messages} messages of 64 KiB over loopback (2 tokio workers)");
    // Alternate, three runs each, so drift hits both alike.
    let (mut veil_runs, mut plain_runs, mut tcp_runs) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..3 {
        tcp_runs.push(throughput::raw_tcp(messages).await);
        veil_runs.push(throughput::veil(messages, true).await);
        plain_runs.push(throughput::veil(messages, false).await);
    }
    let best = |runs: &[throughput::Run]| runs.iter().map(|r| r.mb_per_s()).fold(0.0, f64::max);
    let aead = throughput::raw_aead(messages.min(4096)).mb_per_s();
    for (i, ((v, p), t)) in veil_runs.iter().zip(&plain_runs).zip(&tcp_runs).enumerate() {
        let (v, p, t) = (v.mb_per_s(), p.mb_per_s(), t.mb_per_s());
        println!("  run {i}: veil {v:.0} MB/s, veil unshaped {p:.0} MB/s, raw TCP {t:.0} MB/s");
    }
    let (v, p, t) = (best(&veil_runs), best(&plain_runs), best(&tcp_runs));
    println!("  best: veil {v:.0} MB/s (ratio to TCP {:.3}), unshaped {p:.0} MB/s ({:.3}), raw TCP {t:.0} MB/s", v / t, p / t);
    println!(
        "  raw ChaCha20-Poly1305 seal+open on one core: {aead:.0} MB/s (veil/AEAD {:.2})",
        v / aead
    );
}

async fn run_handshake(samples: usize) {
    println!("handshake: {samples} connects over loopback, connect to first message");
    let mut veil = handshake::veil(samples).await;
    let mut tcp = handshake::raw_tcp(samples).await;
    let (v50, v90, v99) = percentiles(&mut veil);
    let (t50, t90, t99) = percentiles(&mut tcp);
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "  veil:    median {:.3} ms, p90 {:.3} ms, p99 {:.3} ms",
        ms(v50),
        ms(v90),
        ms(v99)
    );
    println!(
        "  raw TCP: median {:.3} ms, p90 {:.3} ms, p99 {:.3} ms",
        ms(t50),
        ms(t90),
        ms(t99)
    );
    let keys = RawKeys::default();
    let start = std::time::Instant::now();
    for n in 0..samples as u64 {
        std::hint::black_box(keys.connection_public_key_ops(n));
    }
    let crypto = start.elapsed() / samples as u32;
    println!(
        "  raw handshake public-key crypto (both ends): {:.3} ms",
        ms(crypto)
    );
    println!("  ratio veil/TCP median {:.1}", ms(v50) / ms(t50));
}

/// Starts `args` of this binary as a child whose first stdout line is
/// `ready`; returns it with stdin open (closing it ends the child).
fn child(args: &[String]) -> std::process::Child {
    let exe = std::env::current_exe().expect("own path");
    let mut child = Command::new(exe)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("child starts");
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().expect("stdout"))
        .read_line(&mut line)
        .expect("child speaks");
    assert_eq!(line.trim(), "ready", "the child failed");
    child
}

async fn run_idle(count: usize) {
    println!("idle: {count} encrypted connections held by one node (clients in another process)");
    let mut node = shell::start(bench_config(count + 8), true).await;
    let addr = node.local_addrs[0].0;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = rss_bytes();
    let client_args = vec![
        "idle-client".to_owned(),
        addr.to_string(),
        count.to_string(),
    ];
    let mut client = tokio::task::spawn_blocking(move || child(&client_args))
        .await
        .expect("child");
    let mut connected = 0;
    while connected < count {
        shell::next(&mut node.events, |e| {
            matches!(e, veil_core::node::NodeEvent::Connected { .. }).then_some(())
        })
        .await;
        connected += 1;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let peers = node
        .handle
        .call(|ctx| ctx.node.peers().count())
        .await
        .expect("running");
    let after = rss_bytes();
    let per = (after.saturating_sub(before)) as f64 / count as f64;
    println!(
        "  node RSS before {:.1} MiB, after {:.1} MiB, {peers} peers",
        mib(before),
        mib(after)
    );
    println!(
        "  veil: {:.1} KiB RSS per idle encrypted connection",
        per / 1024.0
    );
    let _ = client.stdin.take().map(|mut s| s.write_all(b"x"));
    let _ = client.wait();
    node.handle.shutdown();
    let _ = tokio::time::timeout(Duration::from_secs(30), node.task).await;

    let raw = tokio::task::spawn_blocking(move || {
        let exe = std::env::current_exe().expect("own path");
        Command::new(exe)
            .args(["idle-raw", &count.to_string()])
            .output()
            .expect("raw run")
    })
    .await
    .expect("raw run");
    let raw_text = String::from_utf8_lossy(&raw.stdout);
    print!("{raw_text}");
    if let Some(raw_per) = raw_text
        .lines()
        .find_map(|l| l.trim().strip_prefix("raw TCP: "))
        .and_then(|l| l.split(' ').next())
        .and_then(|n| n.parse::<f64>().ok())
    {
        println!("  ratio veil/raw {:.1}", per / 1024.0 / raw_per);
    }
}

/// The baseline, in its own process so the veil run's heap does not
/// count: raw TCP connections each held by a task reading into 4 KiB.
async fn run_idle_raw(count: usize) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = rss_bytes();
    let server = tokio::spawn(idle::raw_server(listener, count));
    let client_args = vec!["raw-client".to_owned(), addr.to_string(), count.to_string()];
    let mut client = tokio::task::spawn_blocking(move || child(&client_args))
        .await
        .expect("child");
    server.await.expect("server");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = rss_bytes();
    let per = (after.saturating_sub(before)) as f64 / count as f64;
    println!(
        "  raw TCP: {:.1} KiB RSS per idle connection (task + 4 KiB buffer)",
        per / 1024.0
    );
    let _ = client.stdin.take().map(|mut s| s.write_all(b"x"));
    let _ = client.wait();
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// Throughput and handshake latency of every shell, driven the same way,
/// with raw TCP (same pattern, plain threads) in the same run.
fn run_shells(messages: usize, samples: usize) {
    use veil_conformance::shells::ShellKind;
    let kinds = [
        ShellKind::Tokio,
        ShellKind::Mio,
        ShellKind::AsyncStd,
        ShellKind::Smol,
    ];
    println!(
        "shells: {messages} messages of 64 KiB (best of 3, alternating) and {samples} handshakes each, over loopback"
    );
    let mut best = vec![0.0f64; kinds.len()];
    let mut tcp_best = 0.0f64;
    for _ in 0..3 {
        tcp_best = tcp_best.max(compare::raw_tcp_throughput(messages).mb_per_s());
        for (i, kind) in kinds.iter().enumerate() {
            best[i] = best[i].max(compare::throughput(*kind, messages).mb_per_s());
        }
    }
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let (t50, t90, _) = percentiles(&mut compare::raw_tcp_handshake(samples));
    println!(
        "  raw TCP: {tcp_best:.0} MB/s; connect + 1-byte round trip median {:.3} ms, p90 {:.3} ms",
        ms(t50),
        ms(t90)
    );
    for (i, kind) in kinds.iter().enumerate() {
        let (v50, v90, _) = percentiles(&mut compare::handshake(*kind, samples));
        println!(
            "  {kind:9}: {:.0} MB/s (ratio to TCP {:.3}); handshake median {:.3} ms, p90 {:.3} ms (ratio to TCP {:.1})",
            best[i],
            best[i] / tcp_best,
            ms(v50),
            ms(v90),
            ms(v50) / ms(t50)
        );
    }
}
