//! The node's one deadline, and what happens when it passes.

use alloc::vec::Vec;
use core::fmt;

use super::peer::Stage;
use super::{ConnId, DialFailure, Disconnection, Node};
use crate::connection::TimeoutReason;
use crate::dandelion::TimeoutReason as DandelionTimeout;
use crate::time::{Duration, Instant};

/// Why the node wants to be woken, from [`Node::poll_timeout`].
///
/// ```
/// use veil_core::node::NodeTimeout;
/// assert_eq!(NodeTimeout::FillOutbound.to_string(), "fill outbound slots");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NodeTimeout {
    /// A connection's own timer (handshake, ping, inactivity, shaping, ...).
    Connection {
        /// The connection.
        conn: ConnId,
        /// Its reason.
        reason: TimeoutReason,
    },
    /// A dial (or its SOCKS5 tunnel) must have opened by now.
    Dial {
        /// The connection.
        conn: ConnId,
    },
    /// A temporary connection reaches `temporary_lifetime`.
    TemporaryLifetime {
        /// The connection.
        conn: ConnId,
    },
    /// Look for automatic outbound peers.
    FillOutbound,
    /// Open a feeler.
    Feeler,
    /// Rotate an outbound peer.
    Rotation,
    /// Dial a persistent, manual or address-fetch peer again.
    Redial,
    /// A Dandelion++ embargo or epoch.
    Dandelion(DandelionTimeout),
}

impl fmt::Display for NodeTimeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NodeTimeout::Connection { conn, reason } => write!(f, "{conn}: {}", reason.as_str()),
            NodeTimeout::Dial { conn } => write!(f, "{conn}: connect timeout"),
            NodeTimeout::TemporaryLifetime { conn } => write!(f, "{conn}: temporary lifetime"),
            NodeTimeout::FillOutbound => f.write_str("fill outbound slots"),
            NodeTimeout::Feeler => f.write_str("feeler"),
            NodeTimeout::Rotation => f.write_str("outbound rotation"),
            NodeTimeout::Redial => f.write_str("redial"),
            NodeTimeout::Dandelion(reason) => write!(f, "dandelion {reason:?}"),
        }
    }
}

impl Node {
    /// The next instant the node must be woken at with
    /// [`Node::handle_timeout`], and why. It replaces any earlier deadline;
    /// re-read it after every call. `None` only once shut down and idle.
    ///
    /// ```
    /// # use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::node::{Node, NodeConfig, NodeTimeout};
    /// # use veil_core::{identity::Identity, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    /// let node = Node::new(NodeConfig::default(), Identity::generate(&mut rng), Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// assert_eq!(node.poll_timeout(), Some((Instant::ZERO, NodeTimeout::FillOutbound)));
    /// ```
    #[must_use]
    pub fn poll_timeout(&self) -> Option<(Instant, NodeTimeout)> {
        let mut best: Option<(Instant, NodeTimeout)> = None;
        let mut offer = |at: Instant, why: NodeTimeout| {
            if best.is_none_or(|(t, _)| at < t) {
                best = Some((at, why));
            }
        };
        for (&conn, peer) in &self.peers {
            match &peer.stage {
                Stage::Dialing { deadline } | Stage::Proxying { deadline, .. } => {
                    offer(*deadline, NodeTimeout::Dial { conn });
                }
                Stage::Session(connection) => {
                    if let Some((at, reason)) = connection.poll_timeout() {
                        offer(at, NodeTimeout::Connection { conn, reason });
                    }
                }
            }
            if peer.kind.is_temporary() && peer.close_cause.is_none() {
                let at = peer.opened_at + self.config.temporary_lifetime;
                offer(at, NodeTimeout::TemporaryLifetime { conn });
            }
        }
        if !self.shutting_down {
            offer(self.next_fill, NodeTimeout::FillOutbound);
            if self.config.feeler_interval > Duration::ZERO {
                offer(self.next_feeler, NodeTimeout::Feeler);
            }
            if self.config.rotation_interval > Duration::ZERO {
                offer(self.next_rotation, NodeTimeout::Rotation);
            }
            let redial = self
                .redials
                .values()
                .filter(|r| r.conn.is_none())
                .filter_map(|r| r.next_attempt)
                .min();
            if let Some(at) = redial {
                offer(at, NodeTimeout::Redial);
            }
            if let Some(router) = &self.router {
                let (at, reason) = router.poll_timeout();
                offer(at, NodeTimeout::Dandelion(reason));
            }
        }
        best
    }

    /// Runs every timer due at `now`.
    ///
    /// ```
    /// # use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::node::{Node, NodeConfig, NodeTimeout};
    /// # use veil_core::{identity::Identity, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    /// # let mut node = Node::new(NodeConfig::default(), Identity::generate(&mut rng), Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// node.handle_timeout(Instant::ZERO);
    /// // Nothing to dial: the next look is later.
    /// assert!(node.poll_timeout().unwrap().0 > Instant::ZERO);
    /// ```
    pub fn handle_timeout(&mut self, now: Instant) {
        let now = self.advance(now);
        let ids: Vec<ConnId> = self.peers.keys().copied().collect();
        for conn in ids {
            let Some(peer) = self.peers.get_mut(&conn) else {
                continue;
            };
            if peer.kind.is_temporary()
                && peer.close_cause.is_none()
                && peer.opened_at + self.config.temporary_lifetime <= now
            {
                self.close_peer(now, conn, Disconnection::Expired);
                continue;
            }
            let Some(peer) = self.peers.get_mut(&conn) else {
                continue;
            };
            match &mut peer.stage {
                Stage::Dialing { deadline } | Stage::Proxying { deadline, .. } => {
                    if *deadline <= now {
                        self.fail_dial(now, conn, DialFailure::Timeout, true);
                    }
                }
                Stage::Session(connection) => {
                    if connection.poll_timeout().is_some_and(|(at, _)| at <= now) {
                        connection.handle_timeout(now);
                        self.process(now, conn);
                    }
                }
            }
        }
        if self.shutting_down {
            return;
        }
        if self.next_fill <= now {
            self.fill_outbound(now);
        }
        if self.config.feeler_interval > Duration::ZERO && self.next_feeler <= now {
            self.run_feeler(now);
        }
        if self.config.rotation_interval > Duration::ZERO && self.next_rotation <= now {
            self.run_rotation(now);
        }
        self.run_redials(now);
        if self
            .router
            .as_ref()
            .is_some_and(|r| r.poll_timeout().0 <= now)
        {
            self.run_dandelion(now);
        }
    }
}
