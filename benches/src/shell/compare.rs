//! The same loopback benches for every shell, driven identically from a
//! plain thread through the conformance suite's `TestNode` (a blocking
//! call into the node, the next event), each next to raw TCP with the
//! same pattern in the same run.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use bytes::Bytes;
use veil_conformance::scenarios::connect;
use veil_conformance::shells::{NodeSpec, ShellKind, TestNode};
use veil_core::message::Message;
use veil_core::node::{ConnectionKind, NodeEvent};

use super::bench_config;
use super::throughput::{Run, MESSAGE, WINDOW};

/// How long a bench waits for one event before giving up.
const LIMIT: Duration = Duration::from_secs(60);

fn spec() -> NodeSpec {
    NodeSpec {
        config: bench_config(8),
        ..NodeSpec::quiet()
    }
}

/// `messages` messages of 64 KiB between two nodes of `kind` with
/// default shaping, at most [`WINDOW`] in flight, refilled half a window
/// at a time (one call into the sender per refill).
pub fn throughput(kind: ShellKind, messages: usize) -> Run {
    let mut a = TestNode::start(kind, spec());
    let mut b = TestNode::start(kind, spec());
    let (_, conn) = connect(&mut a, &mut b, ConnectionKind::Manual);
    let payload = Bytes::from(vec![0xa5u8; MESSAGE]);
    let send = |b: &TestNode, n: usize| {
        let payload = payload.clone();
        b.call(move |node, now| {
            for _ in 0..n {
                node.send(now, conn, Message::Block(payload.clone()))
                    .expect("queue has room");
            }
        });
    };
    let start_at = Instant::now();
    let mut sent = WINDOW.min(messages);
    send(&b, sent);
    let mut received = 0;
    while received < messages {
        a.wait_for(LIMIT, |e| match e {
            NodeEvent::Message {
                message: Message::Block(_),
                ..
            } => Some(()),
            _ => None,
        });
        received += 1;
        if sent < messages && sent - received <= WINDOW / 2 {
            let more = (WINDOW / 2).min(messages - sent);
            send(&b, more);
            sent += more;
        }
    }
    let elapsed = start_at.elapsed();
    b.stop();
    a.stop();
    Run {
        elapsed,
        bytes: (messages * MESSAGE) as u64,
    }
}

/// The same bytes in 64 KiB writes over a loopback TCP pair, a reader
/// thread reading them fully.
pub fn raw_tcp_throughput(messages: usize) -> Run {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let total = messages * MESSAGE;
    let reader = std::thread::spawn(move || {
        let (mut socket, _) = listener.accept().expect("accept");
        let mut buf = vec![0u8; 64 * 1024];
        let mut got = 0;
        while got < total {
            let n = socket.read(&mut buf).expect("read");
            assert!(n > 0, "early end");
            got += n;
        }
    });
    let mut socket = TcpStream::connect(addr).expect("connect");
    socket.set_nodelay(true).expect("nodelay");
    let payload = vec![0xa5u8; MESSAGE];
    let start_at = Instant::now();
    for _ in 0..messages {
        socket.write_all(&payload).expect("write");
    }
    reader.join().expect("reader");
    Run {
        elapsed: start_at.elapsed(),
        bytes: total as u64,
    }
}

/// `samples` handshakes to one listening node of `kind`, each from a
/// fresh dialling node of `kind` (started before the clock runs): from
/// `connect` until the listener receives the dialler's first message.
pub fn handshake(kind: ShellKind, samples: usize) -> Vec<Duration> {
    let mut a_spec = spec();
    a_spec.config = bench_config(samples + 8);
    let mut a = TestNode::start(kind, a_spec);
    let mut out = Vec::with_capacity(samples);
    for _ in 0..samples {
        let mut b = TestNode::start(kind, spec());
        let began = Instant::now();
        let (_, conn) = connect(&mut a, &mut b, ConnectionKind::Manual);
        b.call(move |node, now| node.send(now, conn, Message::Tx(Bytes::from_static(b"first"))))
            .expect("connected");
        a.wait_for(LIMIT, |e| {
            matches!(e, NodeEvent::Message { .. }).then_some(())
        });
        out.push(began.elapsed());
        b.stop();
        // The listener's view of the dialler's shutdown, so the next
        // sample starts quiet.
        a.wait_for(LIMIT, |e| {
            matches!(e, NodeEvent::Disconnected { .. }).then_some(())
        });
    }
    a.stop();
    out
}

/// `samples` raw TCP connects from a plain thread, each with a one-byte
/// round trip.
pub fn raw_tcp_handshake(samples: usize) -> Vec<Duration> {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = std::thread::spawn(move || {
        for _ in 0..samples {
            let (mut socket, _) = listener.accept().expect("accept");
            let mut byte = [0u8; 1];
            socket.read_exact(&mut byte).expect("read");
            socket.write_all(&byte).expect("echo");
        }
    });
    let mut out = Vec::with_capacity(samples);
    for _ in 0..samples {
        let began = Instant::now();
        let mut socket = TcpStream::connect(addr).expect("connect");
        socket.set_nodelay(true).expect("nodelay");
        socket.write_all(b"x").expect("write");
        let mut byte = [0u8; 1];
        socket.read_exact(&mut byte).expect("read");
        out.push(began.elapsed());
    }
    server.join().expect("server");
    out
}
