//! Proof that a listener really speaks its carrier: a plain blocking
//! client (rustls, tungstenite) completes the carrier's own handshake
//! with it, independently of any shell.

use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use rustls::{ClientConnection, StreamOwned};
use veil_carrier::{Carrier, ClientCarrier};

/// What the listener at `addr` answered on `carrier`: the ALPN protocol
/// TLS agreed on (if TLS), and whether the WebSocket upgrade succeeded
/// (if WebSocket). Panics if the carrier's handshake fails.
pub fn probe(carrier: Carrier, addr: SocketAddr) -> (Option<Vec<u8>>, bool) {
    let client = ClientCarrier::default();
    let tcp = TcpStream::connect(addr).expect("connect");
    tcp.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let host = addr.ip().to_string();
    match carrier {
        Carrier::Tcp => (None, false),
        Carrier::Tls => {
            let tls = tls_handshake(&client, &host, tcp);
            (tls.conn.alpn_protocol().map(<[u8]>::to_vec), false)
        }
        Carrier::WebSocket => {
            let url = client.websocket_url("ws", &host);
            let upgraded = tungstenite::client::client(url, tcp).is_ok();
            (None, upgraded)
        }
        Carrier::WebSocketTls => {
            let tls = tls_handshake(&client, &host, tcp);
            let alpn = tls.conn.alpn_protocol().map(<[u8]>::to_vec);
            let url = client.websocket_url("wss", &host);
            let upgraded = tungstenite::client::client(url, tls).is_ok();
            (alpn, upgraded)
        }
    }
}

fn tls_handshake(
    client: &ClientCarrier,
    host: &str,
    mut tcp: TcpStream,
) -> StreamOwned<ClientConnection, TcpStream> {
    let name = client.server_name(host).expect("server name");
    let mut conn = ClientConnection::new(client.tls_config(), name).expect("TLS client");
    while conn.is_handshaking() {
        conn.complete_io(&mut tcp).expect("the TLS handshake");
    }
    StreamOwned::new(conn, tcp)
}
