//! Temporary connections: which one to close when their pool is full.

use crate::time::Instant;

/// A temporary (non-persistent, outbound) connection, for
/// [`least_recently_used`].
///
/// # Example
///
/// ```
/// use veil_core::peering::Temporary;
/// let conn = Temporary { id: 1u8, last_used: veil_core::Instant::ZERO, pinned: false };
/// assert!(!conn.pinned);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Temporary<K> {
    /// The caller's key for the connection.
    pub id: K,
    /// When it last carried a useful message.
    pub last_used: Instant,
    /// Pinned connections are never chosen.
    pub pinned: bool,
}

/// The unpinned temporary connection used least recently (ties: the
/// smaller id), to close when the pool of temporary connections is full.
///
/// # Example
///
/// ```
/// use veil_core::peering::{least_recently_used, Temporary};
/// use veil_core::Instant;
///
/// let pool = [
///     Temporary { id: 'a', last_used: Instant::from_millis(1), pinned: true },
///     Temporary { id: 'b', last_used: Instant::from_millis(5), pinned: false },
///     Temporary { id: 'c', last_used: Instant::from_millis(9), pinned: false },
/// ];
/// assert_eq!(least_recently_used(&pool), Some('b'));
/// ```
#[must_use]
pub fn least_recently_used<K: Ord + Clone>(connections: &[Temporary<K>]) -> Option<K> {
    connections
        .iter()
        .filter(|c| !c.pinned)
        .min_by(|a, b| (a.last_used, &a.id).cmp(&(b.last_used, &b.id)))
        .map(|c| c.id.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lru_skips_pinned_and_breaks_ties_by_id() {
        let conn = |id, ms, pinned| Temporary {
            id,
            last_used: Instant::from_millis(ms),
            pinned,
        };
        assert_eq!(least_recently_used::<u8>(&[]), None);
        assert_eq!(least_recently_used(&[conn(1u8, 0, true)]), None);
        let pool = [conn(3u8, 5, false), conn(2, 5, false), conn(1, 1, true)];
        assert_eq!(least_recently_used(&pool), Some(2));
    }
}
