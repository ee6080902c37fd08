//! Sockets on their way to becoming a connection: a non-blocking TCP
//! connect, then the carrier's handshakes.

use std::io::{self, ErrorKind};
use std::net::SocketAddr;

use mio::net::TcpStream;
use veil_carrier::Carrier;
use veil_core::node::ConnId;

use crate::carrier::{Opener, Side, Step};

/// Whom an opening socket is for.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Purpose {
    /// The node's dial of this connection.
    Dial(ConnId),
    /// An inbound socket from this address (the node hears of it once
    /// its carrier is open).
    Accept(SocketAddr),
}

enum Phase {
    /// The TCP connect has not completed yet.
    Connecting {
        tcp: TcpStream,
        carrier: Carrier,
        side: Side,
    },
    /// Boxed: rustls and tungstenite states are large.
    Carrier(Box<Opener>),
    Done,
}

/// One socket being opened.
pub(crate) struct Opening {
    phase: Phase,
    pub(crate) purpose: Purpose,
    /// For inbound handshakes: when to give up.
    pub(crate) deadline: Option<std::time::Instant>,
}

impl Opening {
    /// A dial whose non-blocking connect was started.
    pub(crate) fn dial(conn: ConnId, tcp: TcpStream, carrier: Carrier, side: Side) -> Opening {
        Opening {
            phase: Phase::Connecting { tcp, carrier, side },
            purpose: Purpose::Dial(conn),
            deadline: None,
        }
    }

    /// An accepted socket whose carrier handshake starts now.
    pub(crate) fn accept(
        remote: SocketAddr,
        tcp: TcpStream,
        carrier: Carrier,
        side: Side,
        deadline: std::time::Instant,
    ) -> io::Result<Opening> {
        Ok(Opening {
            phase: Phase::Carrier(Box::new(Opener::new(carrier, tcp, side)?)),
            purpose: Purpose::Accept(remote),
            deadline: Some(deadline),
        })
    }

    /// The socket underneath, if the opening has not ended.
    pub(crate) fn tcp_mut(&mut self) -> Option<&mut TcpStream> {
        match &mut self.phase {
            Phase::Connecting { tcp, .. } => Some(tcp),
            Phase::Carrier(opener) => opener.tcp_mut(),
            Phase::Done => None,
        }
    }

    /// Moves the opening on after a readiness event.
    pub(crate) fn advance(&mut self) -> Step {
        loop {
            match std::mem::replace(&mut self.phase, Phase::Done) {
                Phase::Done => return Step::Failed(io::Error::other("advanced after the end")),
                Phase::Connecting { tcp, carrier, side } => {
                    // A non-blocking connect completes when the socket turns
                    // writable: an error, or a peer address, says how.
                    match (tcp.take_error(), tcp.peer_addr()) {
                        (Ok(None), Ok(_)) => {
                            let _ = tcp.set_nodelay(true);
                            match Opener::new(carrier, tcp, side) {
                                Ok(opener) => self.phase = Phase::Carrier(Box::new(opener)),
                                Err(error) => return Step::Failed(error),
                            }
                        }
                        (Ok(None), Err(error)) if error.kind() == ErrorKind::NotConnected => {
                            self.phase = Phase::Connecting { tcp, carrier, side };
                            return Step::Pending;
                        }
                        (Ok(Some(error)) | Err(error), _) | (_, Err(error)) => {
                            return Step::Failed(error)
                        }
                    }
                }
                Phase::Carrier(mut opener) => {
                    let step = opener.advance();
                    if matches!(step, Step::Pending) {
                        self.phase = Phase::Carrier(opener);
                    }
                    return step;
                }
            }
        }
    }
}
