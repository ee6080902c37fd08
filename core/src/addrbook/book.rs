//! The book itself: storage of entries in the two tables, and adding
//! addresses heard from peers or given by the operator.

use alloc::collections::BTreeMap;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt;

use rand_core::RngCore;

use super::config::AddrBookConfig;
use super::entry::{AddrInfo, AddrKey};
use super::error::ConfigError;
use super::getaddr::GetAddrCache;
use super::netgroup::{canonical, NetGroup};
use super::network::Network;
use crate::message::NetAddress;
use crate::UnixTime;

/// The node's address book: a NEW table of addresses heard of and a TRIED
/// table of addresses connected to, each buckets × slots, with placement
/// keyed by a secret so that an attacker from a few network groups can fill
/// only a bounded share of either (see the module docs for the bound).
///
/// Capacity is fixed by the configuration; nothing an attacker sends makes
/// the book grow beyond it. Iteration is in address order and every random
/// choice comes from the caller's RNG, so the same inputs and seed give the
/// same book.
///
/// # Example
///
/// ```
/// use core::net::Ipv4Addr;
/// use rand_chacha::rand_core::SeedableRng;
/// use veil_core::addrbook::{AddrBook, AddrBookConfig, Networks};
/// use veil_core::message::NetAddress;
/// use veil_core::UnixTime;
///
/// let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
/// let mut book = AddrBook::new(AddrBookConfig::default(), &mut rng).unwrap();
/// let now = UnixTime::from_secs(1_700_000_000);
/// let addr = NetAddress::Ipv4(Ipv4Addr::new(8, 8, 8, 8));
/// book.add_manual(&addr, 8333, 0, now).unwrap();
/// assert_eq!((book.len(), book.new_len(), book.tried_len()), (1, 1, 0));
/// let picked = book.select(now, Networks::ALL, &mut rng).unwrap();
/// assert_eq!(picked.address, addr);
/// ```
pub struct AddrBook {
    pub(crate) config: AddrBookConfig,
    pub(crate) key: [u8; 32],
    /// Entries by id; `None` marks a free id (listed in `free`).
    slab: Vec<Option<Stored>>,
    free: Vec<u32>,
    index: BTreeMap<AddrKey, u32>,
    /// Slots of the NEW and TRIED tables: the id stored there.
    tables: [Vec<Option<u32>>; 2],
    /// Entries per table and network, so `select` knows what it can find.
    counts: [[usize; 4]; 2],
    /// When a connection last succeeded with any address.
    pub(crate) last_good: Option<UnixTime>,
    pub(crate) getaddr: GetAddrCache,
}

/// An entry with where it lives.
pub(crate) struct Stored {
    pub(crate) info: AddrInfo,
    pub(crate) key: AddrKey,
    pub(crate) slot: usize,
}

/// Which table: the index into `tables` and `counts`.
const NEW: usize = 0;
const TRIED: usize = 1;

impl AddrBook {
    /// An empty book whose secret key is drawn from `rng`.
    ///
    /// ```
    /// use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::addrbook::{AddrBook, AddrBookConfig};
    /// let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    /// let book = AddrBook::new(AddrBookConfig::default(), &mut rng).unwrap();
    /// assert!(book.is_empty());
    /// ```
    pub fn new<R: RngCore>(config: AddrBookConfig, rng: &mut R) -> Result<Self, ConfigError> {
        let mut key = [0u8; 32];
        rng.fill_bytes(&mut key);
        Self::with_key(config, key)
    }

    /// An empty book with a given secret key (the caller keeps it secret;
    /// [`AddrBook::to_bytes`] persists it with the entries).
    ///
    /// ```
    /// use veil_core::addrbook::{AddrBook, AddrBookConfig};
    /// let book = AddrBook::with_key(AddrBookConfig::default(), [5; 32]).unwrap();
    /// assert_eq!(book.capacity(), AddrBookConfig::default().capacity());
    /// ```
    pub fn with_key(config: AddrBookConfig, key: [u8; 32]) -> Result<Self, ConfigError> {
        config.validate()?;
        Ok(AddrBook {
            config,
            key,
            slab: Vec::new(),
            free: Vec::new(),
            index: BTreeMap::new(),
            tables: [
                vec![None; config.new_slots()],
                vec![None; config.tried_slots()],
            ],
            counts: [[0; 4]; 2],
            last_good: None,
            getaddr: GetAddrCache::default(),
        })
    }

    /// The configuration.
    ///
    /// ```
    /// use veil_core::addrbook::{AddrBook, AddrBookConfig};
    /// let book = AddrBook::with_key(AddrBookConfig::default(), [5; 32]).unwrap();
    /// assert_eq!(book.config().new_buckets, 256);
    /// ```
    #[must_use]
    pub fn config(&self) -> &AddrBookConfig {
        &self.config
    }

    /// `address`'s group keyed with this book's secret (see
    /// [`NetGroup::keyed`]): for callers that group peers, such as inbound
    /// eviction, without learning the key.
    ///
    /// ```
    /// # use core::net::Ipv4Addr;
    /// use veil_core::addrbook::{AddrBook, AddrBookConfig};
    /// use veil_core::message::NetAddress;
    /// let book = AddrBook::with_key(AddrBookConfig::default(), [5; 32]).unwrap();
    /// let a = book.keyed_group(&NetAddress::Ipv4(Ipv4Addr::new(8, 8, 1, 1)));
    /// assert_eq!(a, book.keyed_group(&NetAddress::Ipv4(Ipv4Addr::new(8, 8, 2, 2))));
    /// ```
    #[must_use]
    pub fn keyed_group(&self, address: &NetAddress) -> u64 {
        NetGroup::of(address).keyed(&self.key)
    }

    /// How many addresses the book holds.
    ///
    /// ```
    /// # use veil_core::addrbook::{AddrBook, AddrBookConfig};
    /// assert_eq!(AddrBook::with_key(AddrBookConfig::default(), [0; 32]).unwrap().len(), 0);
    /// ```
    #[must_use]
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Whether the book is empty.
    ///
    /// ```
    /// # use veil_core::addrbook::{AddrBook, AddrBookConfig};
    /// assert!(AddrBook::with_key(AddrBookConfig::default(), [0; 32]).unwrap().is_empty());
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Entries in the NEW table.
    ///
    /// ```
    /// # use veil_core::addrbook::{AddrBook, AddrBookConfig};
    /// assert_eq!(AddrBook::with_key(AddrBookConfig::default(), [0; 32]).unwrap().new_len(), 0);
    /// ```
    #[must_use]
    pub fn new_len(&self) -> usize {
        self.counts[NEW].iter().sum()
    }

    /// Entries in the TRIED table.
    ///
    /// ```
    /// # use veil_core::addrbook::{AddrBook, AddrBookConfig};
    /// assert_eq!(AddrBook::with_key(AddrBookConfig::default(), [0; 32]).unwrap().tried_len(), 0);
    /// ```
    #[must_use]
    pub fn tried_len(&self) -> usize {
        self.counts[TRIED].iter().sum()
    }

    /// Entries of `network` in the NEW (`tried == false`) or TRIED table.
    ///
    /// ```
    /// # use veil_core::addrbook::{AddrBook, AddrBookConfig, Network};
    /// # use veil_core::message::NetAddress;
    /// # use veil_core::UnixTime;
    /// let mut book = AddrBook::with_key(AddrBookConfig::default(), [0; 32]).unwrap();
    /// book.add_manual(&NetAddress::I2p([3; 32]), 0, 0, UnixTime::from_secs(1_700_000_000)).unwrap();
    /// assert_eq!(book.network_len(Network::I2p, false), 1);
    /// assert_eq!(book.network_len(Network::Onion, false), 0);
    /// ```
    #[must_use]
    pub fn network_len(&self, network: Network, tried: bool) -> usize {
        self.counts[usize::from(tried)][network.index()]
    }

    /// The most addresses the book can hold.
    ///
    /// ```
    /// # use veil_core::addrbook::{AddrBook, AddrBookConfig};
    /// assert_eq!(AddrBook::with_key(AddrBookConfig::default(), [0; 32]).unwrap().capacity(), 20_480);
    /// ```
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.config.capacity()
    }

    /// What the book knows about `address`:`port`, if anything.
    ///
    /// ```
    /// # use core::net::Ipv4Addr;
    /// # use veil_core::addrbook::{AddrBook, AddrBookConfig};
    /// # use veil_core::message::NetAddress;
    /// let book = AddrBook::with_key(AddrBookConfig::default(), [0; 32]).unwrap();
    /// assert!(book.get(&NetAddress::Ipv4(Ipv4Addr::new(8, 8, 8, 8)), 1).is_none());
    /// ```
    #[must_use]
    pub fn get(&self, address: &NetAddress, port: u16) -> Option<&AddrInfo> {
        let id = self.find(address, port)?;
        self.slab[id as usize].as_ref().map(|s| &s.info)
    }

    /// Every entry, in address order.
    ///
    /// ```
    /// # use veil_core::addrbook::{AddrBook, AddrBookConfig};
    /// # use veil_core::message::NetAddress;
    /// # use veil_core::UnixTime;
    /// let mut book = AddrBook::with_key(AddrBookConfig::default(), [0; 32]).unwrap();
    /// book.add_manual(&NetAddress::TorV3([3; 32]), 1, 0, UnixTime::from_secs(1_700_000_000)).unwrap();
    /// assert_eq!(book.iter().count(), 1);
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = &AddrInfo> + '_ {
        self.index
            .values()
            .filter_map(|id| self.slab[*id as usize].as_ref().map(|s| &s.info))
    }

    pub(crate) fn find(&self, address: &NetAddress, port: u16) -> Option<u32> {
        self.id_of(AddrKey::new(&canonical(address)?, port)?)
    }

    pub(crate) fn id_of(&self, key: AddrKey) -> Option<u32> {
        self.index.get(&key).copied()
    }

    pub(crate) fn entry(&self, id: u32) -> &Stored {
        // Ids come from the index or a table, which only hold live entries.
        self.slab[id as usize].as_ref().expect("live entry id")
    }

    pub(crate) fn entry_mut(&mut self, id: u32) -> &mut Stored {
        self.slab[id as usize].as_mut().expect("live entry id")
    }

    pub(crate) fn table(&self, tried: bool) -> &[Option<u32>] {
        &self.tables[usize::from(tried)]
    }

    /// Stores an entry in its (free) slot of the table its `in_tried` names.
    pub(crate) fn place(&mut self, stored: Stored) -> u32 {
        let table = usize::from(stored.info.in_tried);
        debug_assert!(self.tables[table][stored.slot].is_none());
        let (key, slot, network) = (stored.key, stored.slot, stored.info.network());
        let id = match self.free.pop() {
            Some(id) => {
                self.slab[id as usize] = Some(stored);
                id
            }
            None => {
                // At most one id per slot is ever live, so this fits a u32.
                self.slab.push(Some(stored));
                (self.slab.len() - 1) as u32
            }
        };
        self.tables[table][slot] = Some(id);
        self.counts[table][network.index()] += 1;
        self.index.insert(key, id);
        id
    }

    /// Takes an entry out of the book and returns it.
    pub(crate) fn remove(&mut self, id: u32) -> Stored {
        let stored = self.slab[id as usize].take().expect("live entry id");
        let table = usize::from(stored.info.in_tried);
        self.tables[table][stored.slot] = None;
        self.counts[table][stored.info.network().index()] -= 1;
        self.index.remove(&stored.key);
        self.free.push(id);
        stored
    }
}

impl fmt::Debug for AddrBook {
    // Never prints the key: it is what keeps placement unpredictable.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AddrBook")
            .field("config", &self.config)
            .field("new_len", &self.new_len())
            .field("tried_len", &self.tried_len())
            .finish_non_exhaustive()
    }
}
