//! Answers to getaddr from a cached random sample, so asking again and
//! again cannot enumerate the book (Bitcoin Core's address response cache).

use alloc::vec::Vec;

use rand_core::RngCore;

use crate::message::AddrEntry;
use crate::UnixTime;

use super::book::AddrBook;

/// A cached sample lives at least this long (21 hours)...
///
/// ```
/// assert_eq!(veil_core::addrbook::GETADDR_CACHE_MIN_SECS, 21 * 3600);
/// ```
pub const GETADDR_CACHE_MIN_SECS: u64 = 21 * 3600;
/// ...plus a uniform jitter below this (6 hours): 24 hours on average, and
/// the refresh time does not reveal when the node started.
///
/// ```
/// assert_eq!(veil_core::addrbook::GETADDR_CACHE_JITTER_SECS, 6 * 3600);
/// ```
pub const GETADDR_CACHE_JITTER_SECS: u64 = 6 * 3600;

/// The current sample and when it was taken and expires.
#[derive(Clone, Debug, Default)]
pub(crate) struct GetAddrCache {
    entries: Vec<AddrEntry>,
    /// `(taken, expires)`; `None` until the first request.
    window: Option<(UnixTime, UnixTime)>,
    /// The book's size when the sample was taken.
    book_len: usize,
}

impl AddrBook {
    /// The addresses to answer a getaddr with: a random sample of the
    /// book's entries that are not terrible, at most
    /// `getaddr_max_percent` of the book and `getaddr_max_addresses`,
    /// taken once and served to everyone until it expires
    /// ([`GETADDR_CACHE_MIN_SECS`] plus up to [`GETADDR_CACHE_JITTER_SECS`]),
    /// the wall clock goes back before it was taken, or the book has grown
    /// to twice its size since. The last rule lets a young node (whose first
    /// sample was tiny) share what it learned; it can fire only about
    /// log2(capacity) times in a book's life, so it does not let anyone
    /// enumerate the book.
    ///
    /// ```
    /// use core::net::Ipv4Addr;
    /// use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::addrbook::{AddrBook, AddrBookConfig};
    /// use veil_core::message::NetAddress;
    /// use veil_core::UnixTime;
    ///
    /// let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
    /// let mut book = AddrBook::new(AddrBookConfig::default(), &mut rng).unwrap();
    /// let now = UnixTime::from_secs(1_700_000_000);
    /// for i in 0..100u8 {
    ///     let address = NetAddress::Ipv4(Ipv4Addr::new(20, i, 1, 1));
    ///     let _ = book.add_manual(&address, 8333, 0, now);
    /// }
    /// let first = book.getaddr(now, &mut rng).to_vec();
    /// assert_eq!(first.len(), book.len() * 23 / 100);
    /// let later = UnixTime::from_secs(now.as_secs() + 3600);
    /// assert_eq!(book.getaddr(later, &mut rng), &first[..]);
    /// ```
    pub fn getaddr<R: RngCore>(&mut self, now: UnixTime, rng: &mut R) -> &[AddrEntry] {
        let fresh = self
            .getaddr
            .window
            .is_some_and(|(taken, expires)| taken <= now && now < expires)
            && self.len() < self.getaddr.book_len.max(1) * 2;
        if !fresh {
            let entries = self.sample(now, rng);
            let jitter = rng.next_u64() % GETADDR_CACHE_JITTER_SECS;
            let expires = now
                .as_secs()
                .saturating_add(GETADDR_CACHE_MIN_SECS + jitter);
            self.getaddr = GetAddrCache {
                entries,
                window: Some((now, UnixTime::from_secs(expires))),
                book_len: self.len(),
            };
        }
        &self.getaddr.entries
    }

    /// A fresh random sample, the size Bitcoin Core's `GetAddr` takes.
    fn sample<R: RngCore>(&self, now: UnixTime, rng: &mut R) -> Vec<AddrEntry> {
        let percent = usize::from(self.config.getaddr_max_percent.min(100));
        let want = (self.len() * percent / 100).min(self.config.getaddr_max_addresses);
        let mut pool: Vec<_> = self.iter().collect();
        let mut out = Vec::with_capacity(want);
        // Partial Fisher-Yates: a uniform order without shuffling it all.
        let mut i = 0;
        while out.len() < want && i < pool.len() {
            let j = i + (rng.next_u64() % (pool.len() - i) as u64) as usize;
            pool.swap(i, j);
            if !pool[i].is_terrible(now) {
                out.push(pool[i].to_addr_entry());
            }
            i += 1;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::collections::BTreeSet;
    use rand_chacha::rand_core::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    use crate::addrbook::{AddrBookConfig, HORIZON_SECS};
    use crate::message::NetAddress;

    const NOW: u64 = 1_700_000_000;

    fn book(n: u32, rng: &mut ChaCha20Rng) -> AddrBook {
        let mut book = AddrBook::new(AddrBookConfig::default(), rng).unwrap();
        // One address per /16, so manual adds spread over the buckets.
        for i in 0..n {
            let ip = core::net::Ipv4Addr::from(0x0100_0000 + i * 0x1_0000);
            let _ = book.add_manual(&NetAddress::Ipv4(ip), 1, 0, UnixTime::from_secs(NOW));
        }
        book
    }

    #[test]
    fn sample_is_bounded_by_percent_and_maximum() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let mut small = book(1_000, &mut rng);
        let n = small.len();
        assert!(n > 900);
        let answer = small.getaddr(UnixTime::from_secs(NOW), &mut rng);
        assert_eq!(answer.len(), n * 23 / 100);
        let mut big = book(10_000, &mut rng);
        assert!(big.len() * 23 / 100 > 1_000);
        assert_eq!(big.getaddr(UnixTime::from_secs(NOW), &mut rng).len(), 1_000);
        let distinct: BTreeSet<_> = big
            .getaddr(UnixTime::from_secs(NOW), &mut rng)
            .iter()
            .map(|e| e.address.to_bytes())
            .collect();
        assert_eq!(distinct.len(), 1_000);
    }

    #[test]
    fn repeated_requests_see_one_sample_until_it_expires() {
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        let mut book = book(2_000, &mut rng);
        let now = UnixTime::from_secs(NOW);
        let first = book.getaddr(now, &mut rng).to_vec();
        let mut seen: BTreeSet<_> = BTreeSet::new();
        for hour in 0..21 {
            let t = UnixTime::from_secs(NOW + hour * 3600);
            let answer = book.getaddr(t, &mut rng);
            assert_eq!(answer, &first[..]);
            seen.extend(answer.iter().map(|e| e.address.to_bytes()));
        }
        // A thousand requests within the window learn 23% of the book.
        assert_eq!(seen.len(), first.len());
        let expired = UnixTime::from_secs(NOW + GETADDR_CACHE_MIN_SECS + GETADDR_CACHE_JITTER_SECS);
        assert_ne!(book.getaddr(expired, &mut rng), &first[..]);
        // A clock that jumps back also refreshes.
        let second = book.getaddr(expired, &mut rng).to_vec();
        assert_ne!(book.getaddr(now, &mut rng), &second[..]);
    }

    #[test]
    fn terrible_entries_are_not_relayed() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let mut book = book(500, &mut rng);
        let late = UnixTime::from_secs(NOW + HORIZON_SECS + 1);
        assert!(book.getaddr(late, &mut rng).is_empty());
    }
}
