//! Embargo timers: every transaction this node stemmed, until it is seen in
//! fluff or its timer fires.

use alloc::collections::{BTreeMap, BTreeSet};

use super::TxHash;
use crate::time::Instant;

/// Where a stemmed transaction came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Origin<P> {
    /// Submitted by this node's own user.
    Local,
    /// Received in stem phase from this peer.
    Peer(P),
}

/// Embargoed transactions, by hash and by deadline.
///
/// Two indexes of the same entries: `entries` answers "is this transaction
/// embargoed, and from whom" and `deadlines` gives the earliest timer in
/// `O(log n)`. Both always hold the same hashes.
#[derive(Clone, Debug)]
pub(super) struct Embargoes<P> {
    entries: BTreeMap<TxHash, (Instant, Origin<P>)>,
    deadlines: BTreeSet<(Instant, TxHash)>,
}

impl<P: Ord + Clone> Embargoes<P> {
    pub(super) fn new() -> Self {
        Embargoes {
            entries: BTreeMap::new(),
            deadlines: BTreeSet::new(),
        }
    }

    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(super) fn origin(&self, tx: &TxHash) -> Option<&Origin<P>> {
        self.entries.get(tx).map(|(_, origin)| origin)
    }

    /// Starts the embargo of `tx`, replacing any earlier one.
    pub(super) fn insert(&mut self, tx: TxHash, deadline: Instant, origin: Origin<P>) {
        if let Some((old, _)) = self.entries.insert(tx, (deadline, origin)) {
            self.deadlines.remove(&(old, tx));
        }
        self.deadlines.insert((deadline, tx));
    }

    /// Ends the embargo of `tx`; `false` if there was none.
    pub(super) fn remove(&mut self, tx: &TxHash) -> bool {
        match self.entries.remove(tx) {
            Some((deadline, _)) => {
                self.deadlines.remove(&(deadline, *tx));
                true
            }
            None => false,
        }
    }

    /// The earliest deadline.
    pub(super) fn next_deadline(&self) -> Option<Instant> {
        self.deadlines.first().map(|(deadline, _)| *deadline)
    }

    /// Removes and returns one transaction whose deadline is at or before
    /// `now`, earliest first.
    pub(super) fn pop_due(&mut self, now: Instant) -> Option<TxHash> {
        let &(deadline, tx) = self.deadlines.first()?;
        if deadline > now {
            return None;
        }
        self.deadlines.pop_first();
        self.entries.remove(&tx);
        Some(tx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: u64) -> Instant {
        Instant::from_millis(ms)
    }

    #[test]
    fn due_entries_leave_in_deadline_order() {
        let mut embargoes = Embargoes::<u8>::new();
        embargoes.insert([2; 32], at(20), Origin::Peer(1));
        embargoes.insert([1; 32], at(10), Origin::Local);
        embargoes.insert([3; 32], at(10), Origin::Local);
        assert_eq!(embargoes.next_deadline(), Some(at(10)));
        assert_eq!(embargoes.pop_due(at(9)), None);
        assert_eq!(embargoes.pop_due(at(15)), Some([1; 32]));
        assert_eq!(embargoes.pop_due(at(15)), Some([3; 32]));
        assert_eq!(embargoes.pop_due(at(15)), None);
        assert_eq!(embargoes.origin(&[2; 32]), Some(&Origin::Peer(1)));
        assert_eq!(embargoes.len(), 1);
    }

    #[test]
    fn reinsert_and_remove_keep_both_indexes_equal() {
        let mut embargoes = Embargoes::<u8>::new();
        embargoes.insert([1; 32], at(10), Origin::Local);
        embargoes.insert([1; 32], at(30), Origin::Peer(4));
        assert_eq!(embargoes.len(), 1);
        assert_eq!(embargoes.next_deadline(), Some(at(30)));
        assert!(embargoes.remove(&[1; 32]));
        assert!(!embargoes.remove(&[1; 32]));
        assert_eq!(embargoes.next_deadline(), None);
        assert_eq!(embargoes.pop_due(at(100)), None);
    }
}
