//! Memory of idle encrypted connections held by one node. The node under
//! test runs in this process; the dialling side runs in a child process
//! (this binary's `idle-client` mode) so its memory is not counted. Each
//! client connection is a bare `Connection` on its own task, with its own
//! identity (a node keeps one connection per peer id).

use std::sync::Arc;
use std::time::Duration;

use rand_core::OsRng;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use veil_core::connection::{Connection, ConnectionConfig, Event};
use veil_core::identity::Identity;
use veil_core::message::features;
use veil_tokio::clock::Clock;

/// Drives one outbound connection on `socket` for ever: its handshake,
/// then pings and pongs. Sends `()` on `ready` once connected.
pub async fn hold_connection(
    mut socket: TcpStream,
    config: Arc<ConnectionConfig>,
    ready: tokio::sync::mpsc::Sender<()>,
) {
    let clock = Clock::start();
    let identity = Identity::generate(&mut OsRng);
    let mut conn = Connection::outbound(
        config,
        &identity,
        None,
        clock.now(),
        clock.wall(),
        &mut OsRng,
    )
    .expect("a valid configuration");
    let mut buf = vec![0u8; 4096];
    loop {
        while !conn.transmit_slice().is_empty() {
            let n = socket.write(conn.transmit_slice()).await.unwrap_or(0);
            if n == 0 {
                return;
            }
            conn.advance_transmit(n);
        }
        while let Some(event) = conn.poll_event() {
            match event {
                Event::HandshakeComplete(_) => {
                    let _ = ready.send(()).await;
                }
                Event::Closed { .. } => return,
                _ => {}
            }
        }
        let deadline = conn.poll_timeout().map(|(at, _)| clock.to_std(at));
        let sleep = async {
            match deadline {
                Some(at) => tokio::time::sleep_until(at.into()).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            read = socket.read(&mut buf) => match read {
                Ok(0) | Err(_) => return,
                Ok(n) => conn.handle_input(clock.now(), &buf[..n]),
            },
            () = sleep => conn.handle_timeout(clock.now()),
        }
    }
}

/// The client process: opens `count` connections to `addr`, prints
/// `ready` once all are connected, then holds them until stdin closes.
pub async fn client(addr: std::net::SocketAddr, count: usize) {
    let mut config = ConnectionConfig::default();
    config.local.features |= features::DANDELION;
    let config = Arc::new(config);
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel(1024);
    for _ in 0..count {
        let socket = TcpStream::connect(addr).await.expect("connect");
        tokio::spawn(hold_connection(socket, config.clone(), ready_tx.clone()));
    }
    for _ in 0..count {
        ready_rx.recv().await.expect("a connection is ready");
    }
    println!("ready");
    let mut stdin = tokio::io::stdin();
    let mut byte = [0u8; 1];
    let _ = stdin.read(&mut byte).await;
}

/// The raw baseline's server: accepts `count` TCP connections, each held
/// by a task blocked in a read into a 4 KiB buffer.
pub async fn raw_server(listener: TcpListener, count: usize) {
    for _ in 0..count {
        let (mut socket, _) = listener.accept().await.expect("accept");
        tokio::spawn(async move {
            let mut buf = vec![0u8; 4096];
            while matches!(socket.read(&mut buf).await, Ok(n) if n > 0) {}
        });
    }
}

/// The raw baseline's client: `count` plain TCP connections, held until
/// stdin closes.
pub async fn raw_client(addr: std::net::SocketAddr, count: usize) {
    let mut sockets = Vec::with_capacity(count);
    for _ in 0..count {
        sockets.push(TcpStream::connect(addr).await.expect("connect"));
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    println!("ready");
    let mut byte = [0u8; 1];
    let _ = tokio::io::stdin().read(&mut byte).await;
    drop(sockets);
}
