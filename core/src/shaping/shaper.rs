//! The sending policy of one connection: when each message goes out, in
//! which packet sizes, and which decoys go with it.

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

use super::budget::{Budget, Ledger};
use super::config::{ConstantRate, ShapingConfig};
use super::fragment::{fixed_piece, next_piece, Piece};
use super::padding::{uniform, wire_size, PaddingPolicy, BUCKETS};
use super::stats::ShapingStats;
use super::{feature, timing};
use crate::packet::{Header, MAX_CONTENTS_LEN, PACKET_OVERHEAD};
use crate::time::{Duration, Instant};

/// How long a message may wait.
///
/// # Example
///
/// ```
/// use veil_core::shaping::Urgency;
/// assert_ne!(Urgency::Normal, Urgency::Urgent);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Urgency {
    /// Within the budget's `max_added_latency`.
    Normal,
    /// `ping`, `pong` and `disconnect`: within `max_urgent_latency`.
    Urgent,
    /// The channel's own packets (rekeys, the budget): never delayed.
    Immediate,
}

/// What applies after negotiation.
///
/// # Example
///
/// ```
/// use veil_core::shaping::{feature, Budget, Negotiated};
/// let negotiated = Negotiated { features: feature::BUCKET_PADDING, budget: Budget::NONE };
/// assert_eq!(negotiated.features, 2);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Negotiated {
    /// Feature bits both sides offered.
    pub features: u32,
    /// The smaller of both budgets.
    pub budget: Budget,
}

/// The mechanisms in force.
#[derive(Clone, Copy, Debug)]
struct Active {
    padding: PaddingPolicy,
    jitter: Option<Duration>,
    burst: Option<(usize, usize)>,
    chaff: Option<Duration>,
    dummy: Option<Duration>,
    constant_rate: Option<ConstantRate>,
    budget: Budget,
}

/// A message waiting to be sent.
struct Pending {
    contents: Vec<u8>,
    /// Bytes already sent (constant rate sends a message over several
    /// slots).
    sent: usize,
    enqueued: Instant,
    /// When the policy wants it out; `None` while its burst gathers.
    planned: Option<Instant>,
    /// When the budget needs it out.
    latest: Instant,
}

impl Pending {
    fn due(&self) -> Instant {
        self.planned
            .map_or(self.latest, |planned| planned.min(self.latest))
    }
}

/// Largest packet contents a peer accepts before its handshake completes
/// (`docs/PROTOCOL.md`): random padding stays below it until negotiation.
///
/// ```
/// assert_eq!(veil_core::shaping::HANDSHAKE_MAX_CONTENTS, 1024);
/// ```
pub const HANDSHAKE_MAX_CONTENTS: usize = 1024;

/// Last real packet sizes kept for decoys to imitate.
const RECENT_SIZES: usize = 16;

/// The traffic-shaping policy of one direction of a connection: a pure
/// state machine fed with the messages to send and the clock, emitting
/// packets (header flags, contents shape and data) for the caller to
/// encrypt in the order given.
///
/// Drive it like the connection that owns it: after [`Shaper::send`] and
/// whenever [`Shaper::poll_timeout`] passes, call [`Shaper::release`] and
/// encrypt what it emits. Randomness comes from its own generator, seeded
/// at creation, so the same seed gives the same schedule.
///
/// # Example
///
/// ```
/// use veil_core::shaping::{PrivacyLevel, Shaper, Urgency};
/// use veil_core::{Duration, Instant};
///
/// let mut shaper = Shaper::new(PrivacyLevel::High.config(), [7; 32]);
/// let negotiated = shaper.negotiate(Instant::ZERO, u32::MAX, PrivacyLevel::High.config().budget);
/// assert_ne!(negotiated.features, 0);
///
/// let mut wire_sizes = Vec::new();
/// shaper.send(Instant::ZERO, b"a transaction", Urgency::Normal, &mut |piece, _data| wire_sizes.push(piece.wire_len()));
/// // Jitter holds it for up to 20 ms.
/// let (deadline, _) = shaper.poll_timeout().unwrap();
/// assert!(deadline <= Instant::ZERO + Duration::from_millis(20));
/// shaper.release(Instant::ZERO + Duration::from_millis(20), &mut |piece, _data| wire_sizes.push(piece.wire_len()));
/// assert!(wire_sizes.contains(&256));
/// ```
pub struct Shaper {
    config: ShapingConfig,
    rng: ChaCha20Rng,
    active: Active,
    queue: VecDeque<Pending>,
    held_bytes: usize,
    burst_target: usize,
    next_chaff: Option<Instant>,
    next_dummy: Option<Instant>,
    next_slot: Option<Instant>,
    ledger: Ledger,
    recent_sizes: [u16; RECENT_SIZES],
    recent_count: usize,
    stats: ShapingStats,
}

/// Why [`Shaper::poll_timeout`] wants to be woken.
///
/// # Example
///
/// ```
/// use veil_core::shaping::ShapingTimer;
/// assert_eq!(ShapingTimer::Chaff.as_str(), "chaff");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ShapingTimer {
    /// A held message is due.
    Release,
    /// A constant-rate slot.
    Slot,
    /// Chaff after an idle period.
    Chaff,
    /// The next dummy packet.
    Dummy,
}

impl ShapingTimer {
    /// A stable lower-case name.
    ///
    /// ```
    /// assert_eq!(veil_core::shaping::ShapingTimer::Slot.as_str(), "slot");
    /// ```
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            ShapingTimer::Release => "release",
            ShapingTimer::Slot => "slot",
            ShapingTimer::Chaff => "chaff",
            ShapingTimer::Dummy => "dummy",
        }
    }
}

impl Shaper {
    /// A shaper for the handshake: only `config`'s padding applies until
    /// [`Shaper::negotiate`]. Its random draws (sizes, delays, decoys) come
    /// from a generator of its own seeded with `seed`, so shaping never
    /// shifts the draws of anything else.
    ///
    /// ```
    /// use veil_core::shaping::{Shaper, ShapingConfig};
    /// let shaper = Shaper::new(ShapingConfig::OFF, [7; 32]);
    /// assert_eq!(shaper.poll_timeout(), None);
    /// ```
    #[must_use]
    pub fn new(config: ShapingConfig, seed: [u8; 32]) -> Shaper {
        Shaper {
            rng: ChaCha20Rng::from_seed(seed),
            active: Active {
                padding: match config.padding {
                    PaddingPolicy::Random {
                        min_contents,
                        max_contents,
                    } => PaddingPolicy::Random {
                        min_contents: min_contents.min(HANDSHAKE_MAX_CONTENTS),
                        max_contents: max_contents.min(HANDSHAKE_MAX_CONTENTS),
                    },
                    other => other,
                },
                jitter: None,
                burst: None,
                chaff: None,
                dummy: None,
                constant_rate: None,
                budget: config.budget,
            },
            ledger: Ledger::new(config.budget.max_overhead_percent),
            config,
            queue: VecDeque::new(),
            held_bytes: 0,
            burst_target: 0,
            next_chaff: None,
            next_dummy: None,
            next_slot: None,
            recent_sizes: [0; RECENT_SIZES],
            recent_count: 0,
            stats: ShapingStats::default(),
        }
    }

    /// Applies what both sides offered (`remote_features`, the peer's
    /// `privacy_features`) within both budgets, and starts the timers.
    ///
    /// ```
    /// use veil_core::shaping::{feature, Budget, PrivacyLevel, Shaper};
    /// let mut shaper = Shaper::new(PrivacyLevel::High.config(), [7; 32]);
    /// // A peer that pads but wants no delay and no decoys.
    /// let negotiated = shaper.negotiate(veil_core::Instant::ZERO, feature::BUCKET_PADDING, Budget::NONE);
    /// assert_eq!(negotiated.features, feature::BUCKET_PADDING);
    /// assert_eq!(shaper.poll_timeout(), None);
    /// ```
    pub fn negotiate(
        &mut self,
        now: Instant,
        remote_features: u32,
        remote_budget: Budget,
    ) -> Negotiated {
        let config = &self.config;
        let features = config.features() & remote_features & feature::ALL;
        let budget = config.budget.meet(remote_budget);
        let on = |bit| features & bit != 0;
        let can_wait = budget.max_added_latency > Duration::ZERO;
        let padding_bit = match config.padding {
            PaddingPolicy::None => 0,
            PaddingPolicy::Random { .. } => feature::RANDOM_PADDING,
            PaddingPolicy::Buckets => feature::BUCKET_PADDING,
        };
        self.active = Active {
            padding: if on(padding_bit) {
                config.padding
            } else {
                PaddingPolicy::None
            },
            jitter: config
                .jitter
                .filter(|_| on(feature::JITTER) && can_wait)
                .map(|jitter| jitter.min(budget.max_added_latency)),
            burst: config
                .burst
                .filter(|_| on(feature::BURSTS) && can_wait)
                .map(|b| (usize::from(b.min_messages), usize::from(b.max_messages))),
            chaff: config.chaff_interval.filter(|_| on(feature::DECOYS)),
            dummy: config.dummy_interval.filter(|_| on(feature::DECOYS)),
            // A constant rate costs what it costs whatever the traffic: it
            // applies only where neither side caps the overhead.
            constant_rate: config.constant_rate.filter(|_| {
                on(feature::CONSTANT_RATE)
                    && budget.max_overhead_percent == Budget::UNLIMITED_OVERHEAD
            }),
            budget,
        };
        self.ledger.set_percent(budget.max_overhead_percent);
        if let Some((lo, hi)) = self.active.burst {
            self.burst_target = uniform(&mut self.rng, lo, hi);
        }
        self.next_chaff = self
            .active
            .chaff
            .map(|i| now + timing::around(&mut self.rng, i));
        self.next_dummy = self
            .active
            .dummy
            .map(|m| now + timing::exponential(&mut self.rng, m));
        self.next_slot = self.active.constant_rate.map(|rate| now + rate.interval);
        Negotiated { features, budget }
    }

    /// Sends one message's packet contents: emitted at once when nothing
    /// delays it, else held (a copy) until [`Shaper::release`] finds it
    /// due. `emit` receives each packet's shape and the data it carries, in
    /// wire order.
    ///
    /// ```
    /// use veil_core::shaping::{PrivacyLevel, Shaper, Urgency};
    /// let mut shaper = Shaper::new(PrivacyLevel::Standard.config(), [7; 32]);
    /// let mut sizes = Vec::new();
    /// shaper.send(veil_core::Instant::ZERO, &[1; 300], Urgency::Normal, &mut |piece, _| sizes.push(piece.wire_len()));
    /// assert_eq!(sizes, [512]);
    /// ```
    pub fn send(
        &mut self,
        now: Instant,
        contents: &[u8],
        urgency: Urgency,
        emit: &mut dyn FnMut(Piece, &[u8]),
    ) {
        let active = self.active;
        let immediate = urgency == Urgency::Immediate
            || (self.queue.is_empty()
                && active.jitter.is_none()
                && active.burst.is_none()
                && active.constant_rate.is_none());
        if immediate {
            self.emit_message(contents, emit);
            self.after_real(now);
            return;
        }
        let latency = match urgency {
            Urgency::Normal => active.budget.max_added_latency,
            Urgency::Urgent | Urgency::Immediate => active.budget.urgent_latency(),
        };
        let latest = now + latency;
        let jitter = active.jitter.map_or(Duration::ZERO, |max| {
            timing::jitter(&mut self.rng, max.min(latency))
        });
        let mut planned = Some(now + jitter);
        if active.constant_rate.is_some() {
            // Slots carry it; `latest` forces it out if they cannot.
            planned = None;
        } else if urgency == Urgency::Normal {
            if let Some((lo, hi)) = active.burst {
                let waiting = 1 + self.queue.iter().filter(|p| p.planned.is_none()).count();
                if waiting >= self.burst_target {
                    for pending in self.queue.iter_mut().filter(|p| p.planned.is_none()) {
                        pending.planned = planned;
                    }
                    self.burst_target = uniform(&mut self.rng, lo, hi);
                } else {
                    planned = None;
                }
            }
        }
        self.held_bytes += contents.len();
        self.queue.push_back(Pending {
            contents: contents.to_vec(),
            sent: 0,
            enqueued: now,
            planned,
            latest,
        });
        self.release(now, emit);
    }

    /// Emits everything due by `now`: held messages, constant-rate slots,
    /// chaff and dummy packets.
    ///
    /// ```
    /// use veil_core::shaping::{PrivacyLevel, Shaper};
    /// let config = PrivacyLevel::ConstantRate.config();
    /// let mut shaper = Shaper::new(config, [7; 32]);
    /// shaper.negotiate(veil_core::Instant::ZERO, u32::MAX, config.budget);
    /// let (slot, _) = shaper.poll_timeout().unwrap();
    /// let mut sizes = Vec::new();
    /// shaper.release(slot, &mut |piece, _| sizes.push(piece.wire_len()));
    /// assert_eq!(sizes, [4096]); // a decoy fills the empty slot
    /// ```
    pub fn release(&mut self, now: Instant, emit: &mut dyn FnMut(Piece, &[u8])) {
        if let Some(rate) = self.active.constant_rate {
            self.run_slots(now, rate, emit);
        } else if let Some(mut last_due) = self.queue.iter().rposition(|p| p.due() <= now) {
            // A gathering burst whose oldest message ran out of time leaves
            // whole: the messages still gathering go with it.
            if self.queue[last_due].planned.is_none() {
                if let Some(last) = self.queue.iter().rposition(|p| p.planned.is_none()) {
                    last_due = last_due.max(last);
                }
            }
            for _ in 0..=last_due {
                self.pop_and_emit(now, emit);
            }
        }
        if self.next_chaff.is_some_and(|at| at <= now) {
            self.emit_decoy(emit);
            self.next_chaff = self
                .active
                .chaff
                .map(|i| now + timing::around(&mut self.rng, i));
        }
        if self.next_dummy.is_some_and(|at| at <= now) {
            self.emit_decoy(emit);
            self.next_dummy = self
                .active
                .dummy
                .map(|m| now + timing::exponential(&mut self.rng, m));
        }
    }

    /// Emits every held message at once (before a close: nothing the user
    /// sent is dropped by shaping).
    ///
    /// ```
    /// use veil_core::shaping::{PrivacyLevel, Shaper, Urgency};
    /// let config = PrivacyLevel::High.config();
    /// let mut shaper = Shaper::new(config, [7; 32]);
    /// shaper.negotiate(veil_core::Instant::ZERO, u32::MAX, config.budget);
    /// shaper.send(veil_core::Instant::ZERO, b"x", Urgency::Normal, &mut |_, _| {});
    /// let mut count = 0;
    /// shaper.flush(veil_core::Instant::ZERO, &mut |_, _| count += 1);
    /// assert_eq!(shaper.held_bytes(), 0);
    /// ```
    pub fn flush(&mut self, now: Instant, emit: &mut dyn FnMut(Piece, &[u8])) {
        while !self.queue.is_empty() {
            self.pop_and_emit(now, emit);
        }
    }

    /// The next moment [`Shaper::release`] has work, and why.
    ///
    /// ```
    /// use veil_core::shaping::{PrivacyLevel, Shaper};
    /// let shaper = Shaper::new(PrivacyLevel::High.config(), [7; 32]);
    /// // Before negotiation nothing is timed.
    /// assert_eq!(shaper.poll_timeout(), None);
    /// ```
    #[must_use]
    pub fn poll_timeout(&self) -> Option<(Instant, ShapingTimer)> {
        let release = if self.active.constant_rate.is_some() {
            // Slots carry the data; only a budget overrun needs a wake-up.
            self.queue.iter().map(|p| p.latest).min()
        } else {
            self.queue.iter().map(Pending::due).min()
        };
        [
            release.map(|at| (at, ShapingTimer::Release)),
            self.next_slot.map(|at| (at, ShapingTimer::Slot)),
            self.next_chaff.map(|at| (at, ShapingTimer::Chaff)),
            self.next_dummy.map(|at| (at, ShapingTimer::Dummy)),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Bytes of messages held, not yet emitted.
    ///
    /// ```
    /// use veil_core::shaping::{Shaper, ShapingConfig};
    /// assert_eq!(Shaper::new(ShapingConfig::OFF, [7; 32]).held_bytes(), 0);
    /// ```
    #[must_use]
    pub fn held_bytes(&self) -> usize {
        self.held_bytes
    }

    /// Heap bytes held (for memory accounting).
    ///
    /// ```
    /// use veil_core::shaping::{Shaper, ShapingConfig};
    /// assert_eq!(Shaper::new(ShapingConfig::OFF, [7; 32]).buffer_capacity(), 0);
    /// ```
    #[must_use]
    pub fn buffer_capacity(&self) -> usize {
        self.queue.capacity() * core::mem::size_of::<Pending>()
            + self
                .queue
                .iter()
                .map(|p| p.contents.capacity())
                .sum::<usize>()
    }

    /// What shaping did so far.
    ///
    /// ```
    /// use veil_core::shaping::{Shaper, ShapingConfig};
    /// assert_eq!(Shaper::new(ShapingConfig::OFF, [7; 32]).stats().decoys_sent, 0);
    /// ```
    #[must_use]
    pub fn stats(&self) -> ShapingStats {
        let mut stats = self.stats;
        stats.unshaped_bytes = self.ledger.base();
        stats.added_bytes = self.ledger.added();
        stats
    }

    /// The bandwidth account under the budget.
    ///
    /// ```
    /// use veil_core::shaping::{Shaper, ShapingConfig};
    /// assert_eq!(Shaper::new(ShapingConfig::OFF, [7; 32]).ledger().added(), 0);
    /// ```
    #[must_use]
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// After a real message went out: chaff waits for the next idle spell.
    fn after_real(&mut self, now: Instant) {
        if let Some(interval) = self.active.chaff {
            self.next_chaff = Some(now + timing::around(&mut self.rng, interval));
        }
    }

    fn pop_and_emit(&mut self, now: Instant, emit: &mut dyn FnMut(Piece, &[u8])) {
        let Some(pending) = self.queue.pop_front() else {
            return;
        };
        self.held_bytes -= pending.contents.len() - pending.sent;
        self.stats
            .record_delay(now.saturating_duration_since(pending.enqueued));
        if self.active.constant_rate.is_some() {
            // Past its budget: the rest goes out now, beside the slots.
            self.stats.overflow_messages += 1;
        }
        self.emit_message(&pending.contents[pending.sent..], emit);
        self.after_real(now);
    }

    /// One constant-rate slot per interval passed: the head message's next
    /// piece, or a decoy. Then anything past its latency budget goes out
    /// at once.
    fn run_slots(&mut self, now: Instant, rate: ConstantRate, emit: &mut dyn FnMut(Piece, &[u8])) {
        while let Some(slot) = self.next_slot.filter(|&slot| slot <= now) {
            // After a stall (the caller woke late), do not catch up with a
            // burst of slots: resume the rhythm from now.
            let behind = now.saturating_duration_since(slot);
            self.next_slot = Some(if behind >= rate.interval {
                self.stats.slots_missed += behind.as_millis() / rate.interval.as_millis().max(1);
                now + rate.interval
            } else {
                slot + rate.interval
            });
            let Some(head) = self.queue.front_mut() else {
                self.emit_decoy(emit);
                continue;
            };
            let piece = fixed_piece(head.contents.len() - head.sent, rate.packet_size);
            let start = head.sent;
            head.sent += piece.data_len;
            self.held_bytes -= piece.data_len;
            emit(
                piece,
                &self.queue[0].contents[start..start + piece.data_len],
            );
            self.remember_size(piece.wire_len());
            let unshaped = unshaped_piece(piece.data_len, piece.is_last());
            self.ledger.record(unshaped, piece.wire_len() as u64);
            if piece.is_last() {
                if let Some(done) = self.queue.pop_front() {
                    self.stats
                        .record_delay(now.saturating_duration_since(done.enqueued));
                }
                self.after_real(now);
            }
        }
        while self.queue.front().is_some_and(|head| head.latest <= now) {
            self.pop_and_emit(now, emit);
        }
    }

    /// Emits `rest` (a message's contents not yet sent) now: in fixed-size
    /// pieces under constant rate, else under the padding policy, or
    /// unpadded when the padding would break the bandwidth budget.
    fn emit_message(&mut self, rest: &[u8], emit: &mut dyn FnMut(Piece, &[u8])) {
        let mut policy = self.active.padding;
        let fixed = self.active.constant_rate.map(|rate| rate.packet_size);
        let unshaped = unshaped_len(rest.len());
        if fixed.is_none() {
            // Random sizes are drawn piece by piece: their cost is checked
            // against the worst case.
            let worst = match policy {
                PaddingPolicy::Random { .. } => random_worst_case(rest.len(), &policy),
                _ => wire_size(rest.len(), &policy).map_or(unshaped, |size| size as u64),
            };
            if !self.ledger.can_spend(worst.saturating_sub(unshaped)) {
                policy = PaddingPolicy::None;
                self.stats.unpadded_over_budget += 1;
            }
        }
        let mut offset = 0;
        let mut shaped = 0u64;
        loop {
            let remaining = rest.len() - offset;
            let piece = match fixed {
                Some(packet_size) => fixed_piece(remaining, packet_size),
                None => next_piece(remaining, &policy, &mut self.rng),
            };
            emit(piece, &rest[offset..offset + piece.data_len]);
            self.remember_size(piece.wire_len());
            shaped += piece.wire_len() as u64;
            offset += piece.data_len;
            if piece.is_last() {
                break;
            }
        }
        self.ledger.record(unshaped, shaped);
    }

    fn emit_decoy(&mut self, emit: &mut dyn FnMut(Piece, &[u8])) {
        let wire_len = self.decoy_size();
        if !self.ledger.can_spend(wire_len as u64) {
            self.stats.decoys_over_budget += 1;
            return;
        }
        let piece = Piece {
            header: Header::DECOY_BIT,
            data_len: 0,
            contents_len: wire_len - PACKET_OVERHEAD,
        };
        emit(piece, &[]);
        self.ledger.record(0, wire_len as u64);
        self.stats.decoys_sent += 1;
        self.stats.decoy_bytes += wire_len as u64;
    }

    /// A decoy's wire size: one of the recent real sizes, so decoys follow
    /// the traffic's own size distribution; the policy's smallest before
    /// any real packet.
    fn decoy_size(&mut self) -> usize {
        if let Some(rate) = self.active.constant_rate {
            return rate.packet_size;
        }
        let known = self.recent_count.min(RECENT_SIZES);
        if known > 0 {
            return usize::from(self.recent_sizes[uniform(&mut self.rng, 0, known - 1)]);
        }
        match self.active.padding.random_range() {
            Some((lo, _)) => lo + PACKET_OVERHEAD,
            None => BUCKETS[0],
        }
    }

    fn remember_size(&mut self, wire_len: usize) {
        let size = u16::try_from(wire_len).unwrap_or(u16::MAX);
        self.recent_sizes[self.recent_count % RECENT_SIZES] = size;
        self.recent_count = self.recent_count.wrapping_add(1);
    }
}

/// What `len` bytes of contents cost on the wire unshaped.
fn unshaped_len(len: usize) -> u64 {
    (len + len.div_ceil(MAX_CONTENTS_LEN).max(1) * PACKET_OVERHEAD) as u64
}

/// The unshaped share of one constant-rate piece: its data, plus the
/// packet overhead once, on the message's last piece.
fn unshaped_piece(data_len: usize, last: bool) -> u64 {
    (data_len + if last { PACKET_OVERHEAD } else { 0 }) as u64
}

/// The most a message of `len` bytes can cost under a random policy: every
/// piece at the smallest size, but padded up to it.
fn random_worst_case(len: usize, policy: &PaddingPolicy) -> u64 {
    let Some((lo, hi)) = policy.random_range() else {
        return unshaped_len(len);
    };
    let per_piece = lo - super::LENGTH_PREFIX_LEN;
    let pieces = len.div_ceil(per_piece).max(1);
    // The last piece may be drawn as large as `hi`.
    ((pieces - 1) * (lo + PACKET_OVERHEAD) + hi + PACKET_OVERHEAD) as u64
}
