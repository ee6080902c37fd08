//! Accepting inbound sockets: TCP, then the carrier's handshake, then the
//! node decides (in the driver task) whether to admit the peer.

use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::mpsc;
use veil_core::node::Reached;

use super::Input;
use crate::carrier::{self, Carrier, ServerCarrier};

/// A bound listener and what arrives on it.
///
/// ```no_run
/// # async fn demo() -> std::io::Result<()> {
/// use veil_core::node::Reached;
/// use veil_tokio::carrier::Carrier;
/// use veil_tokio::driver::Listener;
/// let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
/// let listener = Listener { tcp, carrier: Carrier::Tls, reached: Reached::Direct };
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Listener {
    /// The bound socket.
    pub tcp: TcpListener,
    /// The carrier its peers speak.
    pub carrier: Carrier,
    /// How peers reach it: [`Reached::Onion`] for the port a Tor onion
    /// service forwards to (its peers all come from the local daemon).
    pub reached: Reached,
}

/// Accepts forever; each socket's carrier handshake runs in its own task
/// so a slow peer cannot hold up the others.
pub(super) async fn accept_loop(
    listener: Listener,
    server: Arc<ServerCarrier>,
    handshake_timeout: Duration,
    inputs: mpsc::Sender<Input>,
) {
    loop {
        let Ok((tcp, remote)) = listener.tcp.accept().await else {
            // Out of descriptors and the like: back off rather than spin.
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        let _ = tcp.set_nodelay(true);
        let (carrier, reached) = (listener.carrier, listener.reached);
        let server = server.clone();
        let inputs = inputs.clone();
        tokio::spawn(async move {
            let upgraded =
                tokio::time::timeout(handshake_timeout, carrier::accept(carrier, tcp, &server))
                    .await;
            match upgraded {
                Ok(Ok(stream)) => {
                    let input = Input::Accepted {
                        stream,
                        remote,
                        carrier,
                        reached,
                    };
                    let _ = inputs.send(input).await;
                }
                Ok(Err(error)) => {
                    tracing::debug!(%remote, %carrier, %error, "carrier handshake failed");
                }
                Err(_) => tracing::debug!(%remote, %carrier, "carrier handshake timed out"),
            }
        });
    }
}
