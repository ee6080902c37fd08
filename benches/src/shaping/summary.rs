//! Turns one run's [`Trace`] into the figures the report prints.
//!
//! Kept apart from the printing so the numbers have one definition: the
//! text report, the Markdown tables and the goal checks all read the same
//! [`Summary`].

use std::collections::BTreeMap;

use veil_core::shaping::{Budget, ShapingStats};

use super::drive::Trace;
use super::stats::{gap_histogram, histogram, percentile};
use super::workload::{Class, ScheduledSend, LINK_LATENCY_MS};
use super::Preset;

/// Added latency of real messages: receive time minus send time minus the
/// link latency, in virtual ms.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Latency {
    /// Messages measured.
    pub count: usize,
    /// Median.
    pub p50: u64,
    /// 99th percentile.
    pub p99: u64,
    /// Largest.
    pub max: u64,
    /// Mean, ms.
    pub mean: f64,
}

impl Latency {
    fn of(mut added: Vec<u64>) -> Latency {
        added.sort_unstable();
        Latency {
            count: added.len(),
            p50: percentile(&added, 50.0).unwrap_or(0),
            p99: percentile(&added, 99.0).unwrap_or(0),
            max: added.last().copied().unwrap_or(0),
            mean: if added.is_empty() {
                0.0
            } else {
                added.iter().sum::<u64>() as f64 / added.len() as f64
            },
        }
    }
}

/// The figures of one preset.
#[derive(Clone, Debug)]
pub struct Summary {
    /// The preset's name.
    pub name: &'static str,
    /// Both sides' budget (the same config on both, so also the
    /// negotiated one).
    pub budget: Budget,
    /// Bytes on the wire per direction (`[a→b, b→a]`), handshake included.
    pub wire_bytes: [u64; 2],
    /// Sealed packets per direction.
    pub packets: [usize; 2],
    /// Sum of the sealed packets' wire sizes per direction.
    pub packet_bytes: [u64; 2],
    /// The shaper's own counters per sending side (`[a, b]`).
    pub shaping: [ShapingStats; 2],
    /// Decoys each direction's receiver dropped.
    pub decoys_received: [u64; 2],
    /// Added latency of every workload message.
    pub latency: Latency,
    /// The same per class (control, tx, block).
    pub latency_by_class: [Latency; 3],
    /// Wire size → packets, both directions.
    pub sizes: BTreeMap<u32, u64>,
    /// Gap histograms (see [`super::stats::gap_histogram`]) per direction.
    pub gaps: [Vec<u64>; 2],
    /// Median gap between consecutive packets per direction, ms.
    pub median_gap_ms: [u64; 2],
    /// Workload messages sent but never received, per direction.
    pub lost: [usize; 2],
    /// Messages received after a later-sent one, per direction.
    pub reordered: [usize; 2],
    /// Messages received earlier than the link latency allows (a
    /// measurement error if ever non-zero).
    pub impossible: usize,
    /// Sends the connection refused.
    pub send_errors: Vec<String>,
    /// Closes during the run.
    pub closed: Vec<String>,
    /// When the handshake completed (virtual ms).
    pub connected_at_ms: Option<u64>,
}

impl Summary {
    /// Computes the figures of `trace`, a run of `preset` over `workload`.
    #[must_use]
    pub fn of(preset: &Preset, workload: &[ScheduledSend], trace: &Trace) -> Summary {
        let mut received_at: [BTreeMap<u32, u64>; 2] = Default::default();
        let mut reordered = [0usize; 2];
        for (direction, received) in trace.received.iter().enumerate() {
            let mut highest = None;
            for &(id, at) in received {
                if highest.is_some_and(|h| id < h) {
                    reordered[direction] += 1;
                }
                highest = highest.max(Some(id));
                received_at[direction].entry(id).or_insert(at);
            }
        }
        let mut all = Vec::new();
        let mut by_class: [Vec<u64>; 3] = Default::default();
        let mut lost = [0usize; 2];
        let mut impossible = 0;
        for send in workload {
            let Some(sent) = trace.sent_ms[send.id as usize] else {
                continue;
            };
            let direction = super::drive::index(send.direction);
            let Some(&received) = received_at[direction].get(&send.id) else {
                lost[direction] += 1;
                continue;
            };
            let Some(added) = received.checked_sub(sent + LINK_LATENCY_MS) else {
                impossible += 1;
                continue;
            };
            all.push(added);
            let class = Class::ALL
                .iter()
                .position(|&c| c == send.class)
                .unwrap_or(0);
            by_class[class].push(added);
        }
        let times = |d: usize| {
            trace.packets[d]
                .iter()
                .map(|&(at, _)| at)
                .collect::<Vec<_>>()
        };
        let median_gap = |d: usize| {
            let t = times(d);
            let mut gaps: Vec<u64> = t.windows(2).map(|w| w[1] - w[0]).collect();
            gaps.sort_unstable();
            percentile(&gaps, 50.0).unwrap_or(0)
        };
        Summary {
            name: preset.name,
            budget: preset.config.budget,
            wire_bytes: trace.bytes_sent,
            packets: [trace.packets[0].len(), trace.packets[1].len()],
            packet_bytes: [0, 1].map(|d| trace.packets[d].iter().map(|&(_, s)| u64::from(s)).sum()),
            shaping: trace.shaping,
            decoys_received: trace.decoys_received,
            latency: Latency::of(all),
            latency_by_class: by_class.map(Latency::of),
            sizes: histogram(trace.packets.iter().flatten().map(|&(_, size)| size)),
            gaps: [gap_histogram(&times(0)), gap_histogram(&times(1))],
            median_gap_ms: [median_gap(0), median_gap(1)],
            lost,
            reordered,
            impossible,
            send_errors: trace.send_errors.clone(),
            closed: trace.closed.clone(),
            connected_at_ms: trace.connected_at_ms,
        }
    }

    /// Bytes on the wire, both directions.
    #[must_use]
    pub fn total_wire_bytes(&self) -> u64 {
        self.wire_bytes.iter().sum()
    }

    /// Bandwidth overhead over `baseline` (the `off` run) in percent.
    #[must_use]
    pub fn overhead_vs(&self, baseline: &Summary) -> f64 {
        let base = baseline.total_wire_bytes() as f64;
        (self.total_wire_bytes() as f64 - base) * 100.0 / base
    }

    /// Bandwidth overhead of one direction over `baseline`'s, in percent.
    #[must_use]
    pub fn direction_overhead_vs(&self, baseline: &Summary, direction: usize) -> f64 {
        let base = baseline.wire_bytes[direction] as f64;
        (self.wire_bytes[direction] as f64 - base) * 100.0 / base
    }

    /// The shaper's own overhead over both sides: added bytes over
    /// unshaped bytes, summed, in percent (`ShapingStats::overhead_percent`
    /// computes the same per side, rounded down).
    #[must_use]
    pub fn shaper_overhead_percent(&self) -> Option<f64> {
        let unshaped: u64 = self.shaping.iter().map(|s| s.unshaped_bytes).sum();
        let added: u64 = self.shaping.iter().map(|s| s.added_bytes).sum();
        (unshaped > 0).then(|| added as f64 * 100.0 / unshaped as f64)
    }

    /// Distinct packet sizes on the wire.
    #[must_use]
    pub fn distinct_sizes(&self) -> usize {
        self.sizes.len()
    }

    /// The shaping counters summed over both sides (the largest delay is
    /// the larger of the two).
    #[must_use]
    pub fn shaping_total(&self) -> ShapingStats {
        let [a, b] = self.shaping;
        ShapingStats {
            unshaped_bytes: a.unshaped_bytes + b.unshaped_bytes,
            added_bytes: a.added_bytes + b.added_bytes,
            decoys_sent: a.decoys_sent + b.decoys_sent,
            decoy_bytes: a.decoy_bytes + b.decoy_bytes,
            decoys_over_budget: a.decoys_over_budget + b.decoys_over_budget,
            unpadded_over_budget: a.unpadded_over_budget + b.unpadded_over_budget,
            messages_delayed: a.messages_delayed + b.messages_delayed,
            max_added_delay: a.max_added_delay.max(b.max_added_delay),
            slots_missed: a.slots_missed + b.slots_missed,
            overflow_messages: a.overflow_messages + b.overflow_messages,
        }
    }

    /// Whether the run was clean: nothing lost, reordered, refused or
    /// closed, and no impossible timing.
    #[must_use]
    pub fn clean(&self) -> bool {
        self.lost == [0, 0]
            && self.reordered == [0, 0]
            && self.impossible == 0
            && self.send_errors.is_empty()
            && self.closed.is_empty()
    }
}
