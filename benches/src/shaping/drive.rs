//! Runs the workload over an encrypted pair and records what an observer
//! of the link and the two applications would see.
//!
//! The drive follows the connection's contract on a virtual clock: it
//! jumps to the earliest of the next scheduled send, the next delivery and
//! either side's `poll_timeout` (which includes `TimeoutReason::Shaping`:
//! held messages, constant-rate slots, chaff and dummy packets), handles
//! it at exactly that time, drains transmits and events, and after every
//! such step takes the wire sizes of the packets each side sealed
//! (`take_packet_sizes_for_testing`), stamped with that step's time.

use std::cell::RefCell;
use std::rc::Rc;

use veil_core::connection::{ConnectionConfig, Event};
use veil_core::shaping::{ShapingConfig, ShapingStats};
use veil_core::testing::{Direction, Pair};
use veil_core::{Duration, Instant};

use super::stats::ByteCounts;
use super::workload::{
    message_id, ScheduledSend, DRAIN_MS, DURATION_MS, LINK_LATENCY_MS, START_MS,
};

/// Seed of the pair (identities, garbage, nonces, shaping draws).
pub const PAIR_SEED: u64 = 7;
/// Bytes of each direction's stream kept verbatim (for the first packets
/// and a 64 KiB uniformity test).
pub const PREFIX_KEEP: usize = 64 * 1024;
/// Most drive steps before the run is declared stuck.
const MAX_STEPS: u64 = 20_000_000;

/// The bytes one direction carried.
#[derive(Clone, Debug, Default)]
pub struct StreamTap {
    /// Byte-value counts over the whole stream.
    pub counts: ByteCounts,
    /// The first [`PREFIX_KEEP`] bytes.
    pub prefix: Vec<u8>,
}

impl StreamTap {
    fn add(&mut self, chunk: &[u8]) {
        self.counts.add(chunk);
        let keep = PREFIX_KEEP
            .saturating_sub(self.prefix.len())
            .min(chunk.len());
        self.prefix.extend_from_slice(&chunk[..keep]);
    }
}

/// Everything recorded in one run. Arrays are indexed by direction
/// ([`index`]): `[a→b, b→a]`.
#[derive(Clone, Debug, Default)]
pub struct Trace {
    /// Each sealed packet: (virtual ms, wire size).
    pub packets: [Vec<(u64, u32)>; 2],
    /// When each workload message (by id) was accepted by `send`.
    pub sent_ms: Vec<Option<u64>>,
    /// Each workload message received: (id, virtual ms), in event order.
    pub received: [Vec<(u32, u64)>; 2],
    /// Sends the connection refused.
    pub send_errors: Vec<String>,
    /// `stats().bytes_sent` of the sending side: everything on the wire,
    /// handshake included.
    pub bytes_sent: [u64; 2],
    /// `stats().shaping` of the sending side.
    pub shaping: [ShapingStats; 2],
    /// Decoys the receiving side dropped.
    pub decoys_received: [u64; 2],
    /// The byte streams.
    pub streams: [StreamTap; 2],
    /// The initiator's first flight (ephemeral key and garbage).
    pub first_flight: Vec<u8>,
    /// When `a` reported the handshake complete.
    pub connected_at_ms: Option<u64>,
    /// Close events (there should be none).
    pub closed: Vec<String>,
}

/// The array index of a direction: 0 for a→b, 1 for b→a.
#[must_use]
pub fn index(direction: Direction) -> usize {
    match direction {
        Direction::AToB => 0,
        Direction::BToA => 1,
    }
}

/// Runs `workload` with both sides shaping under `shaping`.
///
/// # Errors
///
/// A configuration the connection refuses, or a drive that livelocks.
pub fn run(shaping: ShapingConfig, workload: &[ScheduledSend]) -> Result<Trace, String> {
    let config = ConnectionConfig {
        shaping,
        ..ConnectionConfig::default()
    };
    let mut pair = Pair::new(config.clone(), config, PAIR_SEED).map_err(|e| e.to_string())?;
    pair.latency = Duration::from_millis(LINK_LATENCY_MS);
    let taps = Rc::new(RefCell::new([StreamTap::default(), StreamTap::default()]));
    let tap = Rc::clone(&taps);
    pair.tamper = Some(Box::new(move |direction, _offset, chunk| {
        tap.borrow_mut()[index(direction)].add(chunk);
    }));
    let mut trace = Trace {
        sent_ms: vec![None; workload.len()],
        first_flight: pair.a.transmit_slice().to_vec(),
        ..Trace::default()
    };
    if trace.first_flight.len() != pair.a.queued_bytes() {
        return Err("the first flight is not one contiguous slice".into());
    }
    pair.a.record_packet_sizes_for_testing();
    // Put the first flight on the link before the clock moves.
    pair.settle().map_err(|e| e.to_string())?;
    collect(&mut pair, &mut trace);
    let end = Instant::from_millis(START_MS + DURATION_MS + DRAIN_MS);
    let mut next = 0;
    for _ in 0..MAX_STEPS {
        // `b` picks its transport on its first input: start its log as
        // soon as it exists (its first packet comes a round trip later).
        pair.b.record_packet_sizes_for_testing();
        let send_at = workload.get(next).map(|s| Instant::from_millis(s.at_ms));
        let wake = pair.next_wakeup();
        if let Some(at) = send_at.filter(|&at| wake.is_none_or(|w| at < w)) {
            pair.now = pair.now.max(at);
            while let Some(send) = workload.get(next).filter(|s| s.at_ms == at.as_millis()) {
                let side = match send.direction {
                    Direction::AToB => &mut pair.a,
                    Direction::BToA => &mut pair.b,
                };
                match side.send(pair.now, send.message.clone()) {
                    Ok(()) => trace.sent_ms[send.id as usize] = Some(pair.now.as_millis()),
                    Err(error) => trace.send_errors.push(format!("id {}: {error}", send.id)),
                }
                next += 1;
            }
            pair.settle().map_err(|e| e.to_string())?;
        } else if wake.is_some_and(|w| w <= end) {
            pair.advance(end).map_err(|e| e.to_string())?;
        } else {
            finish(&mut pair, &mut trace, &taps);
            return Ok(trace);
        }
        collect(&mut pair, &mut trace);
    }
    Err(format!("no end after {MAX_STEPS} steps"))
}

/// Takes the packets sealed and the events since the last call.
fn collect(pair: &mut Pair, trace: &mut Trace) {
    let now = pair.now.as_millis();
    for (i, side) in [&mut pair.a, &mut pair.b].into_iter().enumerate() {
        let sizes = side.take_packet_sizes_for_testing();
        trace.packets[i].extend(sizes.into_iter().map(|size| (now, size)));
    }
    for event in pair.events.drain(..) {
        let at = event.at.as_millis();
        match event.event {
            Event::Message(message) => {
                if let Some(id) = message_id(&message) {
                    // Received at `a` means sent b→a.
                    let direction = if event.at_a { 1 } else { 0 };
                    trace.received[direction].push((id, at));
                }
            }
            Event::HandshakeComplete(_) if event.at_a => trace.connected_at_ms = Some(at),
            Event::Closed { reason, .. } => {
                let side = if event.at_a { "a" } else { "b" };
                trace.closed.push(format!("{side} at {at} ms: {reason}"));
            }
            _ => {}
        }
    }
}

fn finish(pair: &mut Pair, trace: &mut Trace, taps: &Rc<RefCell<[StreamTap; 2]>>) {
    collect(pair, trace);
    for (i, side) in [&pair.a, &pair.b].into_iter().enumerate() {
        let stats = side.stats();
        trace.bytes_sent[i] = stats.bytes_sent;
        trace.shaping[i] = stats.shaping;
        // What a side received and dropped is the other direction's.
        trace.decoys_received[1 - i] = stats.decoys_received;
    }
    trace.streams = taps.borrow().clone();
}
