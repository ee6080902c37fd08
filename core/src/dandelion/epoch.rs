//! One epoch's routing state: the node's mode, its stem relays, the
//! relay of its own transactions and the per-source routes.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use rand_core::RngCore;

use super::config::DandelionConfig;
use super::peer::PeerInfo;
use super::random;
use super::route::{FluffReason, Mode};
use crate::time::Instant;

/// Routing state that lives for one epoch.
#[derive(Clone, Debug)]
pub(super) struct Epoch<P> {
    pub(super) mode: Mode,
    pub(super) ends: Instant,
    /// At most `stem_relays` connected outbound Dandelion peers, distinct.
    relays: Vec<P>,
    /// The relay of this node's own transactions: one of `relays`.
    own_relay: Option<P>,
    /// Source peer to relay; every value is in `relays` and differs from
    /// its key.
    routes: BTreeMap<P, P>,
}

impl<P: Ord + Clone> Epoch<P> {
    /// Draws a new epoch starting at `now`: mode, relays, own relay, end.
    pub(super) fn start<R: RngCore + ?Sized>(
        config: &DandelionConfig,
        peers: &BTreeMap<P, PeerInfo>,
        now: Instant,
        rng: &mut R,
    ) -> Self {
        let mode = if random::chance(rng, config.fluff_permille) {
            Mode::Diffuser
        } else {
            Mode::Relay
        };
        let mut epoch = Epoch {
            mode,
            ends: now + config.epoch_min + random::jitter(rng, config.epoch_jitter),
            relays: Vec::new(),
            own_relay: None,
            routes: BTreeMap::new(),
        };
        epoch.fill(config.stem_relays, peers, rng);
        epoch
    }

    pub(super) fn relays(&self) -> &[P] {
        &self.relays
    }

    pub(super) fn own_relay(&self) -> Option<&P> {
        self.own_relay.as_ref()
    }

    pub(super) fn route_of(&self, source: &P) -> Option<&P> {
        self.routes.get(source)
    }

    /// Draws relays uniformly among eligible peers that are not relays yet,
    /// until there are `wanted` or no candidate is left. Used at epoch start
    /// and whenever a slot opens or an eligible peer arrives: a node that
    /// starts with no peers should not fluff everything for ten minutes.
    pub(super) fn fill<R: RngCore + ?Sized>(
        &mut self,
        wanted: usize,
        peers: &BTreeMap<P, PeerInfo>,
        rng: &mut R,
    ) {
        if self.relays.len() >= wanted {
            return;
        }
        let mut candidates: Vec<&P> = peers
            .iter()
            .filter(|(peer, info)| info.is_stem_candidate() && !self.relays.contains(peer))
            .map(|(peer, _)| peer)
            .collect();
        while self.relays.len() < wanted && !candidates.is_empty() {
            let pick = candidates.swap_remove(random::index(rng, candidates.len()));
            self.relays.push(pick.clone());
        }
        if self.own_relay.is_none() && !self.relays.is_empty() {
            let pick = random::index(rng, self.relays.len());
            self.own_relay = Some(self.relays[pick].clone());
        }
    }

    /// Takes `peer` out of the relays (it left or is no longer eligible),
    /// draws a replacement from `peers` and moves the routes and the own
    /// relay that pointed at it. `peers` must no longer offer `peer`.
    pub(super) fn drop_relay<R: RngCore + ?Sized>(
        &mut self,
        peer: &P,
        wanted: usize,
        peers: &BTreeMap<P, PeerInfo>,
        rng: &mut R,
    ) {
        let Some(position) = self.relays.iter().position(|relay| relay == peer) else {
            return;
        };
        self.relays.remove(position);
        if self.own_relay.as_ref() == Some(peer) {
            self.own_relay = None;
        }
        self.fill(wanted, peers, rng);
        let orphaned: Vec<P> = self
            .routes
            .iter()
            .filter(|(_, relay)| *relay == peer)
            .map(|(source, _)| source.clone())
            .collect();
        for source in orphaned {
            self.routes.remove(&source);
            if let Some(relay) = self.least_loaded(&source, rng) {
                self.routes.insert(source, relay);
            }
        }
    }

    /// Forgets the route of a source peer that left.
    pub(super) fn forget_source(&mut self, peer: &P) {
        self.routes.remove(peer);
    }

    /// The relay for stem transactions from `source`: fixed for the epoch
    /// once drawn (BIP156 per-inbound-edge routing).
    pub(super) fn route<R: RngCore + ?Sized>(
        &mut self,
        source: &P,
        rng: &mut R,
    ) -> Result<P, FluffReason> {
        if let Some(relay) = self.routes.get(source) {
            return Ok(relay.clone());
        }
        if self.relays.is_empty() {
            return Err(FluffReason::NoRelay);
        }
        let relay = self
            .least_loaded(source, rng)
            .ok_or(FluffReason::SenderIsRelay)?;
        self.routes.insert(source.clone(), relay.clone());
        Ok(relay)
    }

    /// BIP156: among the relays other than `source` with the fewest routes,
    /// one uniformly at random. Never sends a transaction back where it
    /// came from; `None` if `source` is the only relay.
    fn least_loaded<R: RngCore + ?Sized>(&self, source: &P, rng: &mut R) -> Option<P> {
        let load = |relay: &P| self.routes.values().filter(|r| *r == relay).count();
        let eligible = self.relays.iter().filter(|relay| *relay != source);
        let fewest = eligible.clone().map(load).min()?;
        let best: Vec<&P> = eligible.filter(|relay| load(relay) == fewest).collect();
        Some(best[random::index(rng, best.len())].clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::rand_core::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    const OUT: PeerInfo = PeerInfo {
        outbound: true,
        supports_dandelion: true,
    };
    const IN: PeerInfo = PeerInfo {
        outbound: false,
        supports_dandelion: true,
    };

    fn peers(list: &[(u8, PeerInfo)]) -> BTreeMap<u8, PeerInfo> {
        list.iter().copied().collect()
    }

    #[test]
    fn relays_are_distinct_outbound_dandelion_peers() {
        let legacy = PeerInfo {
            outbound: true,
            supports_dandelion: false,
        };
        let table = peers(&[(1, OUT), (2, IN), (3, legacy), (4, OUT), (5, OUT)]);
        let config = DandelionConfig::default();
        for seed in 0..50 {
            let mut rng = ChaCha20Rng::seed_from_u64(seed);
            let epoch = Epoch::start(&config, &table, Instant::ZERO, &mut rng);
            let relays = epoch.relays();
            assert_eq!(relays.len(), 2);
            assert_ne!(relays[0], relays[1]);
            assert!(relays.iter().all(|r| [1, 4, 5].contains(r)));
            assert!(relays.contains(epoch.own_relay().unwrap()));
            let min = Instant::ZERO + config.epoch_min;
            assert!((min..=min + config.epoch_jitter).contains(&epoch.ends));
        }
    }

    #[test]
    fn sources_spread_evenly_over_relays() {
        let table = peers(&[(1, OUT), (2, OUT), (10, IN), (11, IN), (12, IN), (13, IN)]);
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let mut epoch = Epoch::start(&DandelionConfig::default(), &table, Instant::ZERO, &mut rng);
        for source in 10..14 {
            epoch.route(&source, &mut rng).unwrap();
        }
        let to_1 = (10..14).filter(|s| epoch.route_of(s) == Some(&1)).count();
        assert_eq!(to_1, 2, "least-loaded assignment splits 4 sources 2/2");
    }

    #[test]
    fn a_relay_never_routes_back_to_itself() {
        let table = peers(&[(1, OUT)]);
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        let mut epoch = Epoch::start(&DandelionConfig::default(), &table, Instant::ZERO, &mut rng);
        assert_eq!(epoch.route(&1, &mut rng), Err(FluffReason::SenderIsRelay));
        let table = peers(&[(1, OUT), (2, OUT)]);
        let mut epoch = Epoch::start(&DandelionConfig::default(), &table, Instant::ZERO, &mut rng);
        assert_eq!(epoch.route(&1, &mut rng), Ok(2));
        assert_eq!(epoch.route(&2, &mut rng), Ok(1));
    }

    #[test]
    fn dropping_a_relay_moves_its_routes_and_own_relay() {
        let mut table = peers(&[(1, OUT), (2, OUT), (3, OUT), (10, IN), (11, IN)]);
        let config = DandelionConfig::default();
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let mut epoch = Epoch::start(&config, &table, Instant::ZERO, &mut rng);
        epoch.route(&10, &mut rng).unwrap();
        epoch.route(&11, &mut rng).unwrap();
        let gone = epoch.relays()[0];
        table.remove(&gone);
        epoch.drop_relay(&gone, config.stem_relays, &table, &mut rng);
        assert_eq!(epoch.relays().len(), 2);
        assert!(!epoch.relays().contains(&gone));
        for source in [10, 11] {
            assert!(epoch.relays().contains(epoch.route_of(&source).unwrap()));
        }
        assert!(epoch.relays().contains(epoch.own_relay().unwrap()));
    }
}
