//! Transaction relay: Dandelion++ stem or fluff, the embargo store, and the
//! known-transaction set that ends relay loops.

use alloc::collections::{BTreeMap, BTreeSet, VecDeque};
use alloc::vec::Vec;
use bytes::Bytes;

use super::{ConnId, Node};
use crate::dandelion::{Event as RouterEvent, Route, TxHash};
use crate::message::Message;
use crate::time::Instant;

/// Where a transaction given to [`Node::relay_transaction`] came from.
///
/// ```
/// use veil_core::node::{ConnId, TxSource};
/// let source = TxSource::Stem(ConnId::from_raw(4));
/// assert_ne!(source, TxSource::Local);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TxSource {
    /// This node's own transaction (always stemmed first).
    Local,
    /// Received as `stemtx` on this connection.
    Stem(ConnId),
    /// Received as `tx` (fluff phase) on this connection.
    Fluff(ConnId),
}

/// What [`Node::relay_transaction`] did.
///
/// ```
/// use veil_core::node::{ConnId, RelayOutcome};
/// assert!(matches!(RelayOutcome::Stemmed { to: ConnId::from_raw(1) }, RelayOutcome::Stemmed { .. }));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RelayOutcome {
    /// Sent as `stemtx` to one relay; kept until its embargo ends.
    Stemmed {
        /// The relay.
        to: ConnId,
    },
    /// Broadcast as `tx` to this many peers.
    Fluffed {
        /// Peers it was sent to.
        peers: usize,
    },
    /// Already relayed: nothing sent.
    Known,
}

/// Known transaction hashes (bounded, oldest forgotten first) and the stem
/// transactions kept for their embargo (bounded in bytes).
pub(super) struct TxStore {
    known: BTreeSet<TxHash>,
    order: VecDeque<TxHash>,
    max_known: usize,
    embargoed: BTreeMap<TxHash, Bytes>,
    embargoed_bytes: usize,
    max_embargoed_bytes: usize,
}

impl TxStore {
    pub(super) fn new(max_known: usize, max_embargoed_bytes: usize) -> TxStore {
        TxStore {
            known: BTreeSet::new(),
            order: VecDeque::new(),
            max_known,
            embargoed: BTreeMap::new(),
            embargoed_bytes: 0,
            max_embargoed_bytes,
        }
    }

    /// Marks `hash` fluffed; false if it already was.
    fn mark_fluffed(&mut self, hash: TxHash) -> bool {
        self.release(&hash);
        if !self.known.insert(hash) {
            return false;
        }
        self.order.push_back(hash);
        if self.order.len() > self.max_known {
            if let Some(old) = self.order.pop_front() {
                self.known.remove(&old);
            }
        }
        true
    }

    fn is_fluffed(&self, hash: &TxHash) -> bool {
        self.known.contains(hash)
    }

    /// Keeps a stem transaction; false if there is no room.
    fn keep(&mut self, hash: TxHash, tx: Bytes) -> bool {
        if self.embargoed.contains_key(&hash) {
            return true;
        }
        if self.embargoed_bytes + tx.len() > self.max_embargoed_bytes {
            return false;
        }
        self.embargoed_bytes += tx.len();
        self.embargoed.insert(hash, tx);
        true
    }

    fn release(&mut self, hash: &TxHash) -> Option<Bytes> {
        let tx = self.embargoed.remove(hash)?;
        self.embargoed_bytes -= tx.len();
        Some(tx)
    }
}

impl Node {
    /// Relays a transaction the application validated (its own, or one a
    /// peer sent as `tx` or `stemtx`), by Dandelion++: a stem transaction
    /// goes as `stemtx` to one relay and is kept until seen in fluff or its
    /// embargo ends; a fluffed one goes as `tx` to every connected peer but
    /// its source. `hash` is the application's transaction id. Without
    /// Dandelion++ every transaction is fluffed.
    ///
    /// ```
    /// use bytes::Bytes;
    /// # use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::node::{Node, NodeConfig, RelayOutcome, TxSource};
    /// # use veil_core::{identity::Identity, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    /// # let mut node = Node::new(NodeConfig::default(), Identity::generate(&mut rng), Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// // No peers: no stem relay, so the transaction is fluffed (to nobody).
    /// let outcome = node.relay_transaction(Instant::ZERO, [1; 32], Bytes::from_static(b"tx"), TxSource::Local);
    /// assert_eq!(outcome, RelayOutcome::Fluffed { peers: 0 });
    /// assert_eq!(node.relay_transaction(Instant::ZERO, [1; 32], Bytes::from_static(b"tx"), TxSource::Local), RelayOutcome::Known);
    /// ```
    pub fn relay_transaction(
        &mut self,
        now: Instant,
        hash: TxHash,
        tx: Bytes,
        source: TxSource,
    ) -> RelayOutcome {
        let now = self.advance(now);
        if self.txs.is_fluffed(&hash) {
            return RelayOutcome::Known;
        }
        let from = match source {
            TxSource::Local => None,
            TxSource::Stem(conn) | TxSource::Fluff(conn) => Some(conn),
        };
        if let Some(peer) = from.and_then(|conn| self.peers.get_mut(&conn)) {
            peer.last_tx = Some(now);
        }
        let route = match (&mut self.router, source) {
            (Some(router), TxSource::Fluff(_)) => {
                router.fluff_tx_seen(now, &hash);
                None
            }
            (Some(router), TxSource::Stem(conn)) => Some(router.stem_tx_received(now, &conn, hash)),
            (Some(router), TxSource::Local) => Some(router.local_tx(now, hash)),
            (None, _) => None,
        };
        match route {
            Some(Route::Stem(to)) => {
                if self.txs.keep(hash, tx.clone())
                    && self.send(now, to, Message::StemTx(tx.clone())).is_ok()
                {
                    self.stats.tx_stemmed += 1;
                    RelayOutcome::Stemmed { to }
                } else {
                    self.fluff(now, hash, tx, from)
                }
            }
            Some(Route::Duplicate) => RelayOutcome::Known,
            Some(Route::Fluff(_)) | None => self.fluff(now, hash, tx, from),
        }
    }

    /// Broadcasts `tx` to every connected peer but `except`.
    fn fluff(
        &mut self,
        now: Instant,
        hash: TxHash,
        tx: Bytes,
        except: Option<ConnId>,
    ) -> RelayOutcome {
        if !self.txs.mark_fluffed(hash) {
            return RelayOutcome::Known;
        }
        if let Some(router) = &mut self.router {
            router.fluff_tx_seen(now, &hash);
        }
        let message = Message::Tx(tx);
        let peers = self.broadcast(now, &message, |peer| Some(peer.conn) != except);
        self.stats.tx_fluffed += 1;
        RelayOutcome::Fluffed { peers }
    }

    /// Runs the router's timers and fluffs what their embargo released.
    pub(super) fn run_dandelion(&mut self, now: Instant) {
        let Some(router) = &mut self.router else {
            return;
        };
        router.handle_timeout(now);
        let mut expired: Vec<TxHash> = Vec::new();
        while let Some(event) = router.poll_event() {
            if let RouterEvent::EmbargoExpired { tx } = event {
                expired.push(tx);
            }
        }
        for hash in expired {
            if let Some(tx) = self.txs.release(&hash) {
                self.stats.tx_embargo_expired += 1;
                self.fluff(now, hash, tx, None);
            }
        }
    }
}
