//! The demo's SOCKS5 proxy (fast-socks5's server), so `veil demo` shows a
//! proxied link with nothing installed. It accepts any username and
//! password, as Tor does: veil sends fresh random ones per connection to
//! isolate streams.

use std::net::SocketAddr;
use std::time::Duration;

use fast_socks5::server::{run_tcp_proxy, Socks5ServerProtocol};
use fast_socks5::Socks5Command;
use tokio::net::{TcpListener, TcpStream};

/// Starts the proxy on an ephemeral loopback port; it runs until the
/// runtime ends.
pub(super) async fn start_socks5_proxy() -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                if let Err(error) = serve(socket).await {
                    tracing::debug!(%error, "demo proxy: a client failed");
                }
            });
        }
    });
    Ok(addr)
}

async fn serve(socket: TcpStream) -> Result<(), fast_socks5::SocksError> {
    let (protocol, _credentials) =
        Socks5ServerProtocol::accept_password_auth(socket, |_user, _password| true).await?;
    let (protocol, command, target) = protocol.read_command().await?;
    if command != Socks5Command::TCPConnect {
        return Ok(());
    }
    run_tcp_proxy(protocol, &target, Duration::from_secs(10), true).await?;
    Ok(())
}
