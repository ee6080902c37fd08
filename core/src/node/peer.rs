//! The node's record of one connection, from dial or accept to close.

use alloc::boxed::Box;

use super::{ConnectionKind, Disconnection, PeerAddr, PeerState, Reached, Via};
use crate::addrbook::AddrRateLimiter;
use crate::connection::{Connection, ConnectionState, HandshakeInfo};
use crate::identity::PeerId;
use crate::peering::{Network, RelayPriority};
use crate::socks5::Socks5Client;
use crate::time::Instant;

/// How far the connection got.
pub(super) enum Stage {
    /// The shell is opening the socket; abandoned at `deadline`.
    Dialing { deadline: Instant },
    /// Speaking SOCKS5 to the proxy; abandoned at `deadline`.
    Proxying {
        client: Box<Socks5Client>,
        deadline: Instant,
    },
    /// The veil connection runs (handshaking, connected or closing).
    Session(Box<Connection>),
}

/// Who a new connection is with and how it is reached.
pub(super) struct Opening {
    pub kind: ConnectionKind,
    pub addr: PeerAddr,
    pub via: Via,
    pub netgroup: u64,
    pub reached: Reached,
}

pub(super) struct Peer {
    pub kind: ConnectionKind,
    pub addr: PeerAddr,
    pub via: Via,
    /// The keyed netgroup (address book key) of `addr`, or of the onion or
    /// I2P listener for such inbound peers.
    pub netgroup: u64,
    pub network: Network,
    pub stage: Stage,
    /// The identity the peer must prove (bootstrap and pinned peers).
    pub expected: Option<PeerId>,
    /// Set once the handshake completed and the peer was admitted.
    pub info: Option<Box<HandshakeInfo>>,
    /// The id the peer proved in its handshake (even if then refused).
    pub proven_id: Option<PeerId>,
    pub opened_at: Instant,
    pub connected_at: Option<Instant>,
    pub priority: RelayPriority,
    pub addr_limiter: AddrRateLimiter,
    /// Last novel transaction, last other useful message (eviction).
    pub last_tx: Option<Instant>,
    pub last_other: Option<Instant>,
    /// Last message either way (least-recently-used order).
    pub last_used: Instant,
    pub getaddr_answered: bool,
    /// Why the node is closing it, when the node decided.
    pub close_cause: Option<Disconnection>,
    /// Registered with the Dandelion++ router.
    pub in_router: bool,
    /// SOCKS5 bytes for the proxy, not yet taken by the shell.
    pub proxy_out: alloc::vec::Vec<u8>,
    /// SOCKS5 bytes exchanged before the session (health counters).
    pub proxy_bytes_sent: u64,
    pub proxy_bytes_received: u64,
}

impl Peer {
    pub(super) fn new(
        opening: Opening,
        stage: Stage,
        addr_limiter: AddrRateLimiter,
        now: Instant,
    ) -> Peer {
        let Opening {
            kind,
            addr,
            via,
            netgroup,
            reached,
        } = opening;
        let network = match (reached, &addr.address) {
            (Reached::Onion, _) | (_, crate::message::NetAddress::TorV3(_)) => Network::Onion,
            (Reached::I2p, _) | (_, crate::message::NetAddress::I2p(_)) => Network::I2p,
            _ if !crate::addrbook::NetGroup::of(&addr.address).is_routable() => Network::Localhost,
            _ => Network::Clearnet,
        };
        Peer {
            kind,
            addr,
            via,
            netgroup,
            network,
            stage,
            expected: None,
            info: None,
            proven_id: None,
            opened_at: now,
            connected_at: None,
            priority: RelayPriority::Discovered,
            addr_limiter,
            last_tx: None,
            last_other: None,
            last_used: now,
            getaddr_answered: false,
            close_cause: None,
            in_router: false,
            proxy_out: alloc::vec::Vec::new(),
            proxy_bytes_sent: 0,
            proxy_bytes_received: 0,
        }
    }

    pub(super) fn connection(&self) -> Option<&Connection> {
        match &self.stage {
            Stage::Session(connection) => Some(connection),
            _ => None,
        }
    }

    pub(super) fn connection_mut(&mut self) -> Option<&mut Connection> {
        match &mut self.stage {
            Stage::Session(connection) => Some(connection),
            _ => None,
        }
    }

    /// Whether messages can be sent (handshake complete, not closing).
    pub(super) fn is_connected(&self) -> bool {
        self.info.is_some()
            && self
                .connection()
                .is_some_and(|c| c.state() == ConnectionState::Connected)
    }

    pub(super) fn peer_id(&self) -> Option<PeerId> {
        self.proven_id
    }

    pub(super) fn state(&self) -> PeerState {
        match &self.stage {
            Stage::Dialing { .. } => PeerState::Dialing,
            Stage::Proxying { .. } => PeerState::Proxying,
            Stage::Session(connection) => match connection.state() {
                ConnectionState::Connecting | ConnectionState::Handshaking => {
                    PeerState::Handshaking
                }
                ConnectionState::Connected => PeerState::Connected,
                ConnectionState::Closing | ConnectionState::Closed => PeerState::Closing,
            },
        }
    }

    /// Whether this connection takes one of the long-lived slots counted by
    /// `max_connections`.
    pub(super) fn is_long_lived(&self) -> bool {
        !self.kind.is_temporary()
    }
}

impl Peer {
    /// Neither closing by the node's decision nor draining its close: it
    /// counts against the limits.
    pub(super) fn is_active(&self) -> bool {
        self.close_cause.is_none() && self.state() != PeerState::Closing
    }
}

/// Who a punishment is recorded against.
pub(super) struct Offender {
    pub peer_id: Option<PeerId>,
    pub netgroup: u64,
    /// Manual and persistent peers are spared.
    pub protected: bool,
    pub addr: PeerAddr,
}

impl Peer {
    pub(super) fn offender(&self) -> Offender {
        Offender {
            peer_id: self.peer_id(),
            netgroup: self.netgroup,
            protected: self.kind.is_protected(),
            addr: self.addr.clone(),
        }
    }
}

impl Peer {
    /// Moves what the SOCKS5 client wants to send into `proxy_out`.
    pub(super) fn pump_proxy(&mut self) {
        if let Stage::Proxying { client, .. } = &mut self.stage {
            let mut buf = [0u8; 512];
            loop {
                let n = client.poll_transmit(&mut buf);
                if n == 0 {
                    break;
                }
                self.proxy_out.extend_from_slice(&buf[..n]);
            }
        }
    }
}
