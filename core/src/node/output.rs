//! What the node hands the shell: bytes per connection, actions, events.

use super::peer::Stage;
use super::{Action, ConnId, Node, NodeEvent, Transmit};
use crate::connection::ConnectionState;

impl Node {
    /// Writes bytes queued for some connection into `buf` (round-robin
    /// across connections), or `None` when nothing is queued. Call until
    /// `None` after every input.
    ///
    /// ```
    /// use core::net::Ipv4Addr;
    /// # use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::message::NetAddress;
    /// use veil_core::node::{ConnectionKind, Node, NodeConfig, PeerAddr};
    /// # use veil_core::{identity::Identity, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    /// # let mut node = Node::new(NodeConfig::default(), Identity::generate(&mut rng), Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// let conn = node.connect(Instant::ZERO, PeerAddr::new(NetAddress::Ipv4(Ipv4Addr::new(8, 8, 8, 8)), 1), None, ConnectionKind::Manual).unwrap();
    /// node.dial_opened(Instant::ZERO, conn);
    /// let mut buf = [0u8; 65536];
    /// let first = node.poll_transmit(&mut buf).unwrap();
    /// assert_eq!(first.conn, conn);
    /// ```
    #[must_use]
    pub fn poll_transmit(&mut self, buf: &mut [u8]) -> Option<Transmit> {
        let start = ConnId::from_raw(self.transmit_cursor);
        let order = self
            .peers
            .range(start..)
            .chain(self.peers.range(..start))
            .map(|(&id, _)| id)
            .find(|id| !self.transmit_slice(*id).is_empty())?;
        let len = self.transmit_slice(order).len().min(buf.len());
        buf[..len].copy_from_slice(&self.transmit_slice(order)[..len]);
        self.advance_transmit(order, len);
        self.transmit_cursor = order.as_raw() + 1;
        Some(Transmit { conn: order, len })
    }

    /// The bytes queued for `conn`, lent without copying: write what the
    /// socket takes, then report it with [`Node::advance_transmit`]. Empty
    /// for unknown ids.
    ///
    /// ```
    /// # use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::node::{ConnId, Node, NodeConfig};
    /// # use veil_core::{identity::Identity, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    /// # let node = Node::new(NodeConfig::default(), Identity::generate(&mut rng), Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// assert!(node.transmit_slice(ConnId::from_raw(1)).is_empty());
    /// ```
    #[must_use]
    pub fn transmit_slice(&self, conn: ConnId) -> &[u8] {
        match self.peers.get(&conn) {
            Some(peer) => match &peer.stage {
                Stage::Session(connection) if peer.proxy_out.is_empty() => {
                    connection.transmit_slice()
                }
                _ => &peer.proxy_out,
            },
            None => &[],
        }
    }

    /// Marks the first `n` bytes of [`Node::transmit_slice`]`(conn)` as
    /// written.
    ///
    /// ```
    /// # use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::node::{ConnId, Node, NodeConfig};
    /// # use veil_core::{identity::Identity, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    /// # let mut node = Node::new(NodeConfig::default(), Identity::generate(&mut rng), Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// node.advance_transmit(ConnId::from_raw(1), 10); // unknown: no effect
    /// ```
    pub fn advance_transmit(&mut self, conn: ConnId, n: usize) {
        let Some(peer) = self.peers.get_mut(&conn) else {
            return;
        };
        let mut closed = false;
        let taken = if !peer.proxy_out.is_empty() {
            let n = n.min(peer.proxy_out.len());
            peer.proxy_out.drain(..n);
            peer.proxy_bytes_sent += n as u64;
            n
        } else if let Stage::Session(connection) = &mut peer.stage {
            let n = n.min(connection.transmit_slice().len());
            connection.advance_transmit(n);
            closed = connection.state() == ConnectionState::Closed;
            n
        } else {
            0
        };
        self.stats.bytes_sent += taken as u64;
        if closed {
            // The close drained: report it.
            self.process(self.latest, conn);
        }
    }

    /// Bytes queued for `conn` and not yet taken (backpressure: while a
    /// socket is not writable, this grows; the connection itself bounds
    /// it).
    ///
    /// ```
    /// # use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::node::{ConnId, Node, NodeConfig};
    /// # use veil_core::{identity::Identity, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    /// # let node = Node::new(NodeConfig::default(), Identity::generate(&mut rng), Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// assert_eq!(node.queued_bytes(ConnId::from_raw(1)), 0);
    /// ```
    #[must_use]
    pub fn queued_bytes(&self, conn: ConnId) -> usize {
        self.peers.get(&conn).map_or(0, |peer| {
            peer.proxy_out.len() + peer.connection().map_or(0, |c| c.queued_bytes())
        })
    }

    /// The next action for the shell (dial, close), in order.
    ///
    /// ```
    /// # use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::node::{Node, NodeConfig};
    /// # use veil_core::{identity::Identity, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    /// # let mut node = Node::new(NodeConfig::default(), Identity::generate(&mut rng), Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// assert_eq!(node.poll_action(), None);
    /// ```
    #[must_use]
    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// The next event for the application, in order.
    ///
    /// ```
    /// # use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::node::{Node, NodeConfig};
    /// # use veil_core::{identity::Identity, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    /// # let mut node = Node::new(NodeConfig::default(), Identity::generate(&mut rng), Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// assert_eq!(node.poll_event(), None);
    /// ```
    #[must_use]
    pub fn poll_event(&mut self) -> Option<NodeEvent> {
        self.events.pop_front()
    }
}
