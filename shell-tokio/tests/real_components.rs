//! veil against components it did not write: a real SOCKS5 proxy
//! (microsocks), Tor's SOCKS port, `openssl s_client` on the TLS carrier,
//! and Python's `websockets` on the WebSocket carrier.

mod support;

use std::process::Command;
use std::time::Duration;

use bytes::Bytes;
use support::inproc::{quiet, start_node, start_with, wait_for};
use support::tools::{require, start_microsocks, start_tor};
use support::{free_port, scratch};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use veil_core::message::Message;
use veil_core::node::{ConnectionKind, DialFailure, NodeEvent};
use veil_core::socks5::{ReplyError, Socks5Error};
use veil_tokio::carrier::{accept, Carrier, ServerCarrier};

const LIMIT: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn microsocks_carries_a_veil_session() {
    let proxy_port = free_port();
    let _proxy = start_microsocks(proxy_port);
    let mut a = start_node(&[Carrier::Tcp], None).await;
    let proxy = format!("127.0.0.1:{proxy_port}").parse().unwrap();
    // microsocks offers no authentication, so no per-stream credentials.
    let config = veil_core::node::NodeConfig {
        isolate_streams: false,
        ..quiet()
    };
    let mut b = start_with(config, &[], Some(proxy)).await;
    let target = format!("tcp://{}", a.local_addrs[0].0).parse().unwrap();
    let a_id = a.handle.peer_id();
    let conn = b
        .handle
        .connect(target, Some(a_id), ConnectionKind::Manual)
        .await
        .unwrap()
        .unwrap();
    wait_for(&mut b.events, LIMIT, |e| {
        matches!(e, NodeEvent::Connected { conn: c, .. } if c == conn).then_some(())
    })
    .await;
    let via = b
        .handle
        .call(move |ctx| ctx.node.peer(conn).map(|p| p.via))
        .await
        .unwrap();
    assert_eq!(via, Some(veil_core::node::Via::Socks5));
    b.handle
        .call(move |ctx| {
            ctx.node
                .send(ctx.now, conn, Message::Tx(Bytes::from_static(b"via socks")))
        })
        .await
        .unwrap()
        .unwrap();
    let got = wait_for(&mut a.events, LIMIT, |e| match e {
        NodeEvent::Message {
            message: Message::Tx(tx),
            ..
        } => Some(tx),
        _ => None,
    })
    .await;
    assert_eq!(&got[..], b"via socks");
    b.handle.shutdown();
    a.handle.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tor_refuses_a_private_address_and_the_error_says_so() {
    let dir = scratch("tor");
    let socks_port = free_port();
    let _tor = start_tor(&dir, socks_port);
    let proxy = format!("127.0.0.1:{socks_port}").parse().unwrap();
    let mut b = start_node(&[], Some(proxy)).await;
    let target = "tcp://127.0.0.1:9".parse().unwrap();
    b.handle
        .connect(target, None, ConnectionKind::Manual)
        .await
        .unwrap()
        .unwrap();
    let failure = wait_for(&mut b.events, LIMIT, |e| match e {
        NodeEvent::DialFailed { failure, .. } => Some(failure),
        _ => None,
    })
    .await;
    // Tor answers a CONNECT to an internal address with reply 0x01.
    assert_eq!(
        failure,
        DialFailure::Socks5(Socks5Error::Reply(ReplyError::GeneralFailure))
    );
    assert!(
        failure.to_string().contains("general SOCKS server failure"),
        "{failure}"
    );
    b.handle.shutdown();
    drop(_tor);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openssl_sees_tls_1_3_with_the_https_alpn() {
    let openssl = require("openssl", "openssl");
    let a = start_node(&[Carrier::Tls], None).await;
    let addr = a.local_addrs[0].0;
    let output = tokio::task::spawn_blocking(move || {
        Command::new(openssl)
            .args([
                "s_client",
                "-connect",
                &addr.to_string(),
                "-alpn",
                "h2,http/1.1",
            ])
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("TLSv1.3"), "{text}");
    assert!(text.contains("ALPN protocol: h2"), "{text}");
    a.handle.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_websockets_completes_the_upgrade_and_exchanges_binary() {
    let python = require("python3", "python3");
    let check = Command::new(&python)
        .args(["-c", "import websockets"])
        .status()
        .unwrap();
    assert!(
        check.success(),
        "Python websockets is missing: pip3 install websockets (as .ci/run does)"
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut stream = accept(Carrier::WebSocket, tcp, &ServerCarrier::default())
            .await
            .unwrap();
        let mut hello = [0u8; 4];
        stream.read_exact(&mut hello).await.unwrap();
        stream.write_all(b"veil").await.unwrap();
        stream.flush().await.unwrap();
        hello
    });
    let script = format!(
        "import asyncio, websockets\n\
         async def main():\n\
         \x20   async with websockets.connect('ws://127.0.0.1:{port}/') as ws:\n\
         \x20       await ws.send(b'ping')\n\
         \x20       reply = await ws.recv()\n\
         \x20       print('reply', reply)\n\
         asyncio.run(main())\n"
    );
    let output = tokio::task::spawn_blocking(move || {
        Command::new(python).args(["-c", &script]).output().unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(stdout.trim(), "reply b'veil'");
    assert_eq!(&server.await.unwrap(), b"ping");
}
