//! The records of the ban list: policy, levels, rules, and what an offence
//! led to.

use core::fmt;

use crate::time::{Duration, UnixTime};
use crate::Consequence;

/// How long records last and how many are kept.
///
/// # Example
///
/// ```
/// use veil_core::peering::BanPolicy;
/// use veil_core::Duration;
///
/// let policy = BanPolicy::default();
/// assert_eq!(policy.ban_duration, Duration::from_secs(24 * 60 * 60));
/// assert_eq!(policy.netgroup_offenders, 3);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BanPolicy {
    /// How long a ban lasts (default 24 hours).
    pub ban_duration: Duration,
    /// How long a discouragement lasts, for a peer or a netgroup (default
    /// 24 hours).
    pub discourage_duration: Duration,
    /// Distinct peers with live records that discourage their netgroup
    /// (default 3; values below 2 count as 2, so that one peer never
    /// discourages its netgroup alone).
    pub netgroup_offenders: usize,
    /// Most peer records kept (default 4096).
    pub max_peers: usize,
    /// Most netgroup records kept (default 1024).
    pub max_netgroups: usize,
}

impl Default for BanPolicy {
    fn default() -> Self {
        BanPolicy {
            ban_duration: Duration::from_secs(24 * 60 * 60),
            discourage_duration: Duration::from_secs(24 * 60 * 60),
            netgroup_offenders: 3,
            max_peers: 4096,
            max_netgroups: 1024,
        }
    }
}

/// How grave a record is.
///
/// # Example
///
/// ```
/// use veil_core::peering::Level;
/// assert!(Level::Banned > Level::Discouraged);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Evicted first, dialled last; connections are still accepted.
    Discouraged,
    /// No connection at all until the record expires.
    Banned,
}

/// The rule that wrote a record.
///
/// # Example
///
/// ```
/// use veil_core::peering::{Level, Rule};
/// assert_eq!(Rule::NetgroupOffenders.level(), Level::Discouraged);
/// assert_eq!(Rule::Operator.to_string(), "operator");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// The peer's input was rejected with [`Consequence::Discourage`].
    Discourage,
    /// The peer's input was rejected with [`Consequence::Ban`].
    Ban,
    /// The operator banned the peer ([`BanList::ban`](super::BanList::ban)).
    Operator,
    /// Enough distinct peers of the netgroup offended.
    NetgroupOffenders,
}

impl Rule {
    /// The level a record of this rule has.
    ///
    /// ```
    /// use veil_core::peering::{Level, Rule};
    /// assert_eq!(Rule::Ban.level(), Level::Banned);
    /// ```
    #[must_use]
    pub const fn level(self) -> Level {
        match self {
            Rule::Discourage | Rule::NetgroupOffenders => Level::Discouraged,
            Rule::Ban | Rule::Operator => Level::Banned,
        }
    }

    /// A stable lower-case name for logs.
    ///
    /// ```
    /// assert_eq!(veil_core::peering::Rule::Ban.as_str(), "ban");
    /// ```
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Rule::Discourage => "discourage",
            Rule::Ban => "ban",
            Rule::Operator => "operator",
            Rule::NetgroupOffenders => "netgroup_offenders",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One discouragement or ban, of a peer or a netgroup.
///
/// # Example
///
/// ```
/// use veil_core::peering::{Record, Rule};
/// use veil_core::UnixTime;
///
/// let record = Record { rule: Rule::Ban, since: UnixTime::from_secs(10), until: UnixTime::from_secs(20) };
/// assert!(record.is_live(UnixTime::from_secs(19)));
/// assert!(!record.is_live(UnixTime::from_secs(20)));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Record {
    /// The rule that wrote it (and so its [`Level`]).
    pub rule: Rule,
    /// When it was last written.
    pub since: UnixTime,
    /// When it expires.
    pub until: UnixTime,
}

impl Record {
    /// Whether the record still applies at `now`.
    ///
    /// ```
    /// use veil_core::peering::{Record, Rule};
    /// use veil_core::UnixTime;
    /// let r = Record { rule: Rule::Discourage, since: UnixTime::EPOCH, until: UnixTime::from_secs(1) };
    /// assert!(r.is_live(UnixTime::EPOCH));
    /// ```
    #[must_use]
    pub fn is_live(&self, now: UnixTime) -> bool {
        now < self.until
    }

    /// The record's level.
    ///
    /// ```
    /// use veil_core::peering::{Level, Record, Rule};
    /// use veil_core::UnixTime;
    /// let r = Record { rule: Rule::Operator, since: UnixTime::EPOCH, until: UnixTime::EPOCH };
    /// assert_eq!(r.level(), Level::Banned);
    /// ```
    #[must_use]
    pub fn level(&self) -> Level {
        self.rule.level()
    }

    pub(super) fn new(rule: Rule, now: UnixTime, duration: Duration) -> Record {
        Record {
            rule,
            since: now,
            until: UnixTime::from_secs(now.as_secs().saturating_add(duration.as_secs())),
        }
    }
}

/// Why an offence left no record.
///
/// # Example
///
/// ```
/// use veil_core::peering::Spared;
/// assert_eq!(Spared::AllowListed.to_string(), "allow-listed peer");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Spared {
    /// The consequence does not punish the peer (drop or close).
    NotPunishable(Consequence),
    /// The operator asked for this connection.
    Manual,
    /// The peer is on the allow list.
    AllowListed,
}

impl fmt::Display for Spared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Spared::NotPunishable(c) => write!(f, "{c} does not punish the peer"),
            Spared::Manual => f.write_str("manual connection"),
            Spared::AllowListed => f.write_str("allow-listed peer"),
        }
    }
}

/// What [`BanList::punish`](super::BanList::punish) decided.
///
/// # Example
///
/// ```
/// use veil_core::peering::{BanList, BanPolicy, Punishment, Spared};
/// use veil_core::{Consequence, UnixTime};
/// # let peer = veil_core::identity::Identity::from_secret_bytes([1; 32]).peer_id();
///
/// let mut bans = BanList::new(BanPolicy::default());
/// let now = UnixTime::from_secs(1_000);
/// let spared = bans.punish(peer, 7, Consequence::Close, false, now);
/// assert_eq!(spared, Punishment::Spared(Spared::NotPunishable(Consequence::Close)));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Punishment {
    /// Nothing was recorded.
    Spared(Spared),
    /// The peer's record as it now stands.
    Recorded {
        /// The peer's record.
        peer: Record,
        /// The netgroup's record, if this offence wrote it.
        netgroup: Option<Record>,
    },
}
