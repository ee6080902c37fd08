//! Handshake latency over loopback: from `connect` until the listening
//! node receives the first message the dialler sent once connected. The
//! baseline in the same run is a raw TCP connect plus a one-byte round
//! trip.

use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use veil_core::message::Message;
use veil_core::node::{ConnectionKind, NodeEvent};

use super::{bench_config, next, start};

/// `samples` handshakes to one listening node, each from a fresh dialling
/// node (started before the clock runs).
pub async fn veil(samples: usize) -> Vec<Duration> {
    let mut a = start(bench_config(samples + 8), true).await;
    let target: veil_tokio::target::Target = format!("tcp://{}", a.local_addrs[0].0)
        .parse()
        .expect("target");
    let a_id = a.handle.peer_id();
    let mut out = Vec::with_capacity(samples);
    for _ in 0..samples {
        let mut b = start(bench_config(8), false).await;
        let began = Instant::now();
        let conn = b
            .handle
            .connect(target.clone(), Some(a_id), ConnectionKind::Manual)
            .await
            .expect("running")
            .expect("dial accepted");
        next(&mut b.events, |e| {
            matches!(e, NodeEvent::Connected { conn: c, .. } if c == conn).then_some(())
        })
        .await;
        b.handle
            .call(move |ctx| {
                ctx.node
                    .send(ctx.now, conn, Message::Tx(Bytes::from_static(b"first")))
            })
            .await
            .expect("running")
            .expect("connected");
        next(&mut a.events, |e| {
            matches!(e, NodeEvent::Message { .. }).then_some(())
        })
        .await;
        out.push(began.elapsed());
        b.handle.shutdown();
        let _ = b.task.await;
    }
    a.handle.shutdown();
    let _ = a.task.await;
    out
}

/// `samples` raw TCP connects, each with a one-byte round trip.
pub async fn raw_tcp(samples: usize) -> Vec<Duration> {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = tokio::spawn(async move {
        for _ in 0..samples {
            let (mut socket, _) = listener.accept().await.expect("accept");
            let mut byte = [0u8; 1];
            socket.read_exact(&mut byte).await.expect("read");
            socket.write_all(&byte).await.expect("echo");
        }
    });
    let mut out = Vec::with_capacity(samples);
    for _ in 0..samples {
        let began = Instant::now();
        let mut socket = TcpStream::connect(addr).await.expect("connect");
        socket.set_nodelay(true).expect("nodelay");
        socket.write_all(b"x").await.expect("write");
        let mut byte = [0u8; 1];
        socket.read_exact(&mut byte).await.expect("read");
        out.push(began.elapsed());
    }
    server.await.expect("server");
    out
}
