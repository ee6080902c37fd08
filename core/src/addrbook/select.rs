//! Picking an address to dial: Bitcoin Core's `Select`, bounded.

use rand_core::RngCore;

use crate::UnixTime;

use super::book::AddrBook;
use super::entry::{AddrInfo, CHANCE_ONE};
use super::network::{Network, Networks};

/// Random bucket probes before `select` falls back to a linear scan, so it
/// ends even when chances are tiny or allowed entries are rare.
const MAX_PROBES: usize = 2_048;

impl AddrBook {
    /// Picks an address to dial among the networks in `reachable`, or
    /// `None` if the book holds none of them.
    ///
    /// The table is NEW or TRIED with equal odds when both hold allowed
    /// addresses. Then, as in Bitcoin Core: a random bucket, the first
    /// allowed entry from a random slot on, taken with its
    /// [`AddrInfo::chance`] times a factor that grows 1.2× per refusal (so
    /// the loop ends). After 2,048 probes the first allowed
    /// entry from a random slot of the table is taken, whatever its chance.
    ///
    /// Since every bucket is equally likely and an attacker's source groups
    /// reach a bounded number of NEW buckets, it picks an attacker's address
    /// from NEW at most about that share of the time, however many addresses
    /// the attacker sent.
    ///
    /// ```
    /// use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::addrbook::{AddrBook, AddrBookConfig, Networks};
    /// use veil_core::message::NetAddress;
    /// use veil_core::UnixTime;
    ///
    /// let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
    /// let mut book = AddrBook::new(AddrBookConfig::default(), &mut rng).unwrap();
    /// let now = UnixTime::from_secs(1_700_000_000);
    /// book.add_manual(&NetAddress::TorV3([1; 32]), 9333, 0, now).unwrap();
    /// assert!(book.select(now, Networks::CLEARNET, &mut rng).is_none());
    /// let onion = book.select(now, Networks::ALL, &mut rng).unwrap();
    /// assert_eq!(onion.address, NetAddress::TorV3([1; 32]));
    /// ```
    pub fn select<R: RngCore>(
        &self,
        now: UnixTime,
        reachable: Networks,
        rng: &mut R,
    ) -> Option<&AddrInfo> {
        let tried = match (self.held(reachable, false), self.held(reachable, true)) {
            (0, 0) => return None,
            (0, _) => true,
            (_, 0) => false,
            _ => rng.next_u32() & 1 == 1,
        };
        self.select_in(now, reachable, tried, rng)
    }

    /// Like [`AddrBook::select`], but only from the NEW table (addresses
    /// heard of, never connected to): what a feeler connection tests.
    ///
    /// ```
    /// use core::net::Ipv4Addr;
    /// use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::addrbook::{AddrBook, AddrBookConfig, Networks};
    /// use veil_core::message::NetAddress;
    /// use veil_core::UnixTime;
    ///
    /// let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
    /// let mut book = AddrBook::new(AddrBookConfig::default(), &mut rng).unwrap();
    /// let now = UnixTime::from_secs(1_700_000_000);
    /// let address = NetAddress::Ipv4(Ipv4Addr::new(8, 8, 8, 8));
    /// book.add_manual(&address, 8333, 0, now).unwrap();
    /// assert!(book.select_new(now, Networks::CLEARNET, &mut rng).is_some());
    /// book.attempt(&address, 8333, now);
    /// book.good(&address, 8333, now);
    /// assert!(book.select_new(now, Networks::CLEARNET, &mut rng).is_none());
    /// ```
    pub fn select_new<R: RngCore>(
        &self,
        now: UnixTime,
        reachable: Networks,
        rng: &mut R,
    ) -> Option<&AddrInfo> {
        if self.held(reachable, false) == 0 {
            return None;
        }
        self.select_in(now, reachable, false, rng)
    }

    /// Entries of the networks in `reachable` in one table.
    fn held(&self, reachable: Networks, tried: bool) -> usize {
        Network::ALL
            .iter()
            .filter(|n| reachable.contains(**n))
            .map(|n| self.network_len(*n, tried))
            .sum()
    }

    fn select_in<R: RngCore>(
        &self,
        now: UnixTime,
        reachable: Networks,
        tried: bool,
        rng: &mut R,
    ) -> Option<&AddrInfo> {
        let (buckets, size) = if tried {
            (self.config.tried_buckets, self.config.tried_bucket_size)
        } else {
            (self.config.new_buckets, self.config.new_bucket_size)
        };
        let table = self.table(tried);
        let is_allowed = |slot: usize| {
            table[slot]
                .map(|id| &self.entry(id).info)
                .filter(|info| reachable.contains(info.network()))
        };

        // The factor is in thousandths; it passes CHANCE_ONE / min chance
        // within ~60 refusals, after which every probe that finds an entry
        // accepts it.
        let mut factor: u64 = 1_000;
        for _ in 0..MAX_PROBES {
            let bucket = below(rng, buckets);
            let start = below(rng, size);
            let found = (0..size)
                .map(|i| bucket * size + (start + i) % size)
                .find_map(is_allowed);
            let Some(info) = found else {
                continue;
            };
            let threshold = info.chance(now).saturating_mul(factor) / 1_000;
            if below_u64(rng, CHANCE_ONE) < threshold {
                return Some(info);
            }
            factor = factor.saturating_mul(6) / 5;
        }
        let slots = table.len();
        let start = below(rng, slots);
        (0..slots).map(|i| (start + i) % slots).find_map(is_allowed)
    }
}

/// A uniform value below `n` (> 0); the modulo bias is below 2^-32 for the
/// table sizes allowed.
fn below<R: RngCore>(rng: &mut R, n: usize) -> usize {
    below_u64(rng, n as u64) as usize
}

fn below_u64<R: RngCore>(rng: &mut R, n: u64) -> u64 {
    rng.next_u64() % n
}
