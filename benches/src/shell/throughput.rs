//! One encrypted connection over loopback carrying 64 KiB messages, next
//! to raw TCP with the same writes and reads, and raw ChaCha20-Poly1305
//! over the same bytes.
//!
//! Flow control: the bench keeps at most [`WINDOW`] messages in flight,
//! counted from the receiving node's events, so the sender's queue stays
//! bounded and the figure is the steady state, not a burst into memory.

use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use veil_core::message::Message;
use veil_core::node::{ConnectionKind, NodeEvent};

use super::{bench_config, next, start};
use crate::packet::RawAead;

/// Bytes of each message.
pub const MESSAGE: usize = 64 * 1024;
/// Messages in flight.
pub const WINDOW: usize = 64;

/// Seconds and bytes of one run.
#[derive(Clone, Copy, Debug)]
pub struct Run {
    /// Wall time from the first write to the last byte read.
    pub elapsed: Duration,
    /// Payload bytes carried.
    pub bytes: u64,
}

impl Run {
    /// Megabytes (10^6) per second.
    ///
    /// ```
    /// use std::time::Duration;
    /// let run = veil_benches::shell::throughput::Run { elapsed: Duration::from_secs(2), bytes: 2_000_000 };
    /// assert_eq!(run.mb_per_s(), 1.0);
    /// ```
    #[must_use]
    pub fn mb_per_s(&self) -> f64 {
        self.bytes as f64 / 1e6 / self.elapsed.as_secs_f64()
    }
}

/// `messages` messages of 64 KiB from one node to another through two
/// drivers on the current runtime, with the default privacy level
/// (`standard`: packets padded to buckets, so a 64 KiB message travels as
/// 16 KiB packets) or with shaping off (one packet per message).
pub async fn veil(messages: usize, shaping: bool) -> Run {
    let mut config = bench_config(8);
    if !shaping {
        config.connection.shaping = veil_core::shaping::PrivacyLevel::Off.config();
    }
    let mut a = start(config.clone(), true).await;
    let b = start(config, false).await;
    let target = format!("tcp://{}", a.local_addrs[0].0)
        .parse()
        .expect("target");
    let conn = b
        .handle
        .connect(target, Some(a.handle.peer_id()), ConnectionKind::Manual)
        .await
        .expect("running")
        .expect("dial accepted");
    next(&mut a.events, |e| {
        matches!(e, NodeEvent::Connected { .. }).then_some(())
    })
    .await;
    let payload = Bytes::from(vec![0xa5u8; MESSAGE]);
    let send = |n: usize| {
        let payload = payload.clone();
        b.handle.call(move |ctx| {
            for _ in 0..n {
                let message = Message::Block(payload.clone());
                ctx.node
                    .send(ctx.now, conn, message)
                    .expect("queue has room");
            }
        })
    };
    let start_at = Instant::now();
    send(WINDOW.min(messages)).await.expect("running");
    let (mut sent, mut received) = (WINDOW.min(messages), 0);
    while received < messages {
        next(&mut a.events, |e| match e {
            NodeEvent::Message {
                message: Message::Block(b),
                ..
            } => Some(b.len()),
            _ => None,
        })
        .await;
        received += 1;
        if sent < messages {
            send(1).await.expect("running");
            sent += 1;
        }
    }
    let elapsed = start_at.elapsed();
    b.handle.shutdown();
    a.handle.shutdown();
    let _ = b.task.await;
    let _ = a.task.await;
    Run {
        elapsed,
        bytes: (messages * MESSAGE) as u64,
    }
}

/// The same bytes in 64 KiB writes over a loopback TCP pair, read fully.
pub async fn raw_tcp(messages: usize) -> Run {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let total = messages * MESSAGE;
    let reader = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.expect("accept");
        let mut buf = vec![0u8; 64 * 1024];
        let mut got = 0;
        while got < total {
            let n = socket.read(&mut buf).await.expect("read");
            assert!(n > 0, "early end");
            got += n;
        }
    });
    let mut socket = TcpStream::connect(addr).await.expect("connect");
    socket.set_nodelay(true).expect("nodelay");
    let payload = vec![0xa5u8; MESSAGE];
    let start_at = Instant::now();
    for _ in 0..messages {
        socket.write_all(&payload).await.expect("write");
    }
    reader.await.expect("reader");
    Run {
        elapsed: start_at.elapsed(),
        bytes: total as u64,
    }
}

/// Raw ChaCha20-Poly1305 (ring) sealing and opening the same bytes on
/// one core: the crypto floor of one connection (both ends' work).
#[must_use]
pub fn raw_aead(messages: usize) -> Run {
    let mut aead = RawAead::default();
    let start_at = Instant::now();
    for _ in 0..messages {
        std::hint::black_box(aead.seal_open());
    }
    Run {
        elapsed: start_at.elapsed(),
        bytes: (messages * MESSAGE) as u64,
    }
}
