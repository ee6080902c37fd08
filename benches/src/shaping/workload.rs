//! The one synthetic workload every preset carries: a seeded, open-loop
//! schedule of real message types, so that each preset sends exactly the
//! same messages at exactly the same virtual times and the differences in
//! the report come from shaping alone.
//!
//! Bitcoin-like relay over a link with [`LINK_LATENCY_MS`] one way:
//!
//! - `a` relays transactions to `b`, a Poisson process at
//!   [`TX_PER_SECOND_A`] per second: `inv` (one entry, 37-byte payload) at
//!   `t`, `b`'s `getdata` (37 bytes) at `t + 50 ms`, `a`'s `tx` at
//!   `t + 100 ms`: the request/response as it would run on an unshaped
//!   link;
//! - `b` relays its own transactions to `a` the same way, at
//!   [`TX_PER_SECOND_B`] per second;
//! - `a` announces a block every 45–75 s (uniform): `inv` at `t`, `b`
//!   answers `getheaders` (one locator hash, 69 bytes) and `getdata` at
//!   `t + 50 ms`, `a` sends the `block` at `t + 100 ms`.
//!
//! Transactions are 200–300 bytes (uniform, mean 250) and blocks 1 MiB ±
//! 64 KiB (uniform, mean 1 MiB): real traffic varies in size, and fixed
//! sizes would make even unshaped traffic show only a handful of packet
//! sizes. The schedule is open loop (it does not wait for deliveries), so
//! a shaping delay never changes what is sent when.
//!
//! Every message carries a unique id in its first hash or body bytes, so
//! the receiver's events can be matched to the sends exactly (and loss or
//! reordering detected).

use bytes::Bytes;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use veil_core::message::{BlockLocator, InvItem, InvKind, Message};
use veil_core::testing::Direction;

/// One-way latency of the virtual link.
pub const LINK_LATENCY_MS: u64 = 50;
/// When the workload starts (the handshake takes 5 × 50 ms before).
pub const START_MS: u64 = 1_000;
/// How long the workload runs: 10 virtual minutes.
pub const DURATION_MS: u64 = 600_000;
/// Extra time at the end for held messages and deliveries.
pub const DRAIN_MS: u64 = 10_000;
/// Transactions `a` relays per second (Poisson).
pub const TX_PER_SECOND_A: f64 = 3.0;
/// Transactions `b` relays per second (Poisson).
pub const TX_PER_SECOND_B: f64 = 0.5;
/// Seed of the schedule.
pub const WORKLOAD_SEED: u64 = 2024;

/// What kind of application message, for per-class latency.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    /// `inv`, `getdata`, `getheaders`: 37–69 bytes.
    Control,
    /// `tx`: 200–300 bytes.
    Tx,
    /// `block`: about 1 MiB.
    Block,
}

impl Class {
    /// Every class.
    pub const ALL: [Class; 3] = [Class::Control, Class::Tx, Class::Block];

    /// A lower-case name.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Class::Control => "control",
            Class::Tx => "tx",
            Class::Block => "block",
        }
    }
}

/// One scheduled send.
#[derive(Clone, Debug)]
pub struct ScheduledSend {
    /// Virtual time, ms.
    pub at_ms: u64,
    /// Which side sends.
    pub direction: Direction,
    /// Unique id, increasing in schedule order.
    pub id: u32,
    /// Its class.
    pub class: Class,
    /// The message (ids embedded, see [`message_id`]).
    pub message: Message,
}

/// The schedule, sorted by time (ties in generation order).
#[must_use]
pub fn schedule() -> Vec<ScheduledSend> {
    let mut rng = ChaCha20Rng::seed_from_u64(WORKLOAD_SEED);
    let end = START_MS + DURATION_MS;
    // (time, direction, kind) first; ids once sorted.
    let mut plan: Vec<(u64, Direction, Kind)> = Vec::new();
    for (rate, direction) in [
        (TX_PER_SECOND_A, Direction::AToB),
        (TX_PER_SECOND_B, Direction::BToA),
    ] {
        let mut t = START_MS as f64;
        loop {
            t += exponential_ms(&mut rng, 1000.0 / rate);
            let at = t.round() as u64;
            if at >= end {
                break;
            }
            let len = 200 + (rng.next_u32() % 101) as usize;
            plan.push((at, direction, Kind::Inv(InvKind::Tx)));
            plan.push((
                at + LINK_LATENCY_MS,
                direction.reverse(),
                Kind::GetData(InvKind::Tx),
            ));
            plan.push((at + 2 * LINK_LATENCY_MS, direction, Kind::Tx(len)));
        }
    }
    let mut t = START_MS;
    loop {
        t += 45_000 + u64::from(rng.next_u32() % 30_001);
        if t >= end {
            break;
        }
        let len = (1 << 20) - (64 << 10) + (rng.next_u32() % (128 << 10)) as usize;
        plan.push((t, Direction::AToB, Kind::Inv(InvKind::Block)));
        plan.push((t + LINK_LATENCY_MS, Direction::BToA, Kind::GetHeaders));
        plan.push((
            t + LINK_LATENCY_MS,
            Direction::BToA,
            Kind::GetData(InvKind::Block),
        ));
        plan.push((t + 2 * LINK_LATENCY_MS, Direction::AToB, Kind::Block(len)));
    }
    plan.sort_by_key(|&(at, _, _)| at);
    plan.into_iter()
        .enumerate()
        .map(|(i, (at_ms, direction, kind))| {
            let id = u32::try_from(i).expect("fewer than 2^32 sends");
            let (class, message) = kind.build(id, &mut rng);
            ScheduledSend {
                at_ms,
                direction,
                id,
                class,
                message,
            }
        })
        .collect()
}

/// The id embedded in a workload message; `None` for anything else.
#[must_use]
pub fn message_id(message: &Message) -> Option<u32> {
    let head = match message {
        Message::Inv(items) | Message::GetData(items) => &items.first()?.hash[..],
        Message::GetHeaders(locator) => &locator.hashes.first()?[..],
        Message::Tx(body) | Message::Block(body) => &body[..],
        _ => return None,
    };
    Some(u32::from_le_bytes(head.get(..4)?.try_into().ok()?))
}

#[derive(Clone, Copy, Debug)]
enum Kind {
    Inv(InvKind),
    GetData(InvKind),
    GetHeaders,
    Tx(usize),
    Block(usize),
}

impl Kind {
    fn build(self, id: u32, rng: &mut ChaCha20Rng) -> (Class, Message) {
        let hash = tagged::<32>(id, rng);
        let item = |kind| vec![InvItem { kind, hash }];
        match self {
            Kind::Inv(kind) => (Class::Control, Message::Inv(item(kind))),
            Kind::GetData(kind) => (Class::Control, Message::GetData(item(kind))),
            Kind::GetHeaders => (
                Class::Control,
                Message::GetHeaders(BlockLocator {
                    version: 1,
                    hashes: vec![hash],
                    stop: [0; 32],
                }),
            ),
            Kind::Tx(len) => (Class::Tx, Message::Tx(body(id, len, rng))),
            Kind::Block(len) => (Class::Block, Message::Block(body(id, len, rng))),
        }
    }
}

/// Random bytes with `id` in the first four (little-endian).
fn tagged<const N: usize>(id: u32, rng: &mut ChaCha20Rng) -> [u8; N] {
    let mut out = [0u8; N];
    rng.fill_bytes(&mut out);
    out[..4].copy_from_slice(&id.to_le_bytes());
    out
}

fn body(id: u32, len: usize, rng: &mut ChaCha20Rng) -> Bytes {
    let mut out = vec![0u8; len];
    rng.fill_bytes(&mut out);
    out[..4].copy_from_slice(&id.to_le_bytes());
    Bytes::from(out)
}

/// An exponential variate with the given mean: the gap of a Poisson
/// process.
fn exponential_ms(rng: &mut ChaCha20Rng, mean_ms: f64) -> f64 {
    // 53 random bits in (0, 1]: never ln(0).
    let unit = ((rng.next_u64() >> 11) + 1) as f64 / (1u64 << 53) as f64;
    -unit.ln() * mean_ms
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_is_seeded_sorted_and_tagged() {
        let first = schedule();
        let again = schedule();
        assert_eq!(first.len(), again.len());
        assert!(first.windows(2).all(|w| w[0].at_ms <= w[1].at_ms));
        for (i, send) in first.iter().enumerate() {
            assert_eq!(send.id as usize, i);
            assert_eq!(message_id(&send.message), Some(send.id));
            assert_eq!(send.message, again[i].message);
        }
        let blocks = first.iter().filter(|s| s.class == Class::Block).count();
        assert!((8..=13).contains(&blocks), "{blocks} blocks");
    }
}
