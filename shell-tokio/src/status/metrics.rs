//! `/metrics`: the Prometheus text format (version 0.0.4).

use std::collections::BTreeMap;
use std::fmt::Write;

use super::StatusSnapshot;

/// Upper bounds of the RTT histogram's buckets, in seconds.
const RTT_BUCKETS: [f64; 10] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5];

/// Escapes a label value: backslash, double quote and newline.
///
/// ```
/// use veil_tokio::status::escape_label;
/// assert_eq!(escape_label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
/// ```
#[must_use]
pub fn escape_label(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// Cumulative counts of `values` per bucket bound, then the total.
///
/// ```
/// use veil_tokio::status::cumulative_buckets;
/// assert_eq!(cumulative_buckets(&[0.5, 1.5, 3.0], &[1.0, 2.0]), vec![1, 2, 3]);
/// ```
#[must_use]
pub fn cumulative_buckets(values: &[f64], bounds: &[f64]) -> Vec<u64> {
    let mut counts: Vec<u64> = bounds
        .iter()
        .map(|bound| values.iter().filter(|v| **v <= *bound).count() as u64)
        .collect();
    counts.push(values.len() as u64);
    counts
}

struct Writer {
    out: String,
}

impl Writer {
    fn family(&mut self, name: &str, kind: &str, help: &str) {
        let _ = writeln!(self.out, "# HELP {name} {help}");
        let _ = writeln!(self.out, "# TYPE {name} {kind}");
    }

    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: impl std::fmt::Display) {
        self.out.push_str(name);
        if !labels.is_empty() {
            self.out.push('{');
            for (i, (key, val)) in labels.iter().enumerate() {
                if i > 0 {
                    self.out.push(',');
                }
                let _ = write!(self.out, "{key}=\"{}\"", escape_label(val));
            }
            self.out.push('}');
        }
        let _ = writeln!(self.out, " {value}");
    }

    fn counter(&mut self, name: &str, help: &str, value: u64) {
        self.family(name, "counter", help);
        self.sample(name, &[], value);
    }

    fn by_reason(&mut self, name: &str, help: &str, counts: &BTreeMap<&'static str, u64>) {
        self.family(name, "counter", help);
        for (reason, count) in counts {
            self.sample(name, &[("reason", reason)], count);
        }
    }
}

/// Renders a snapshot as Prometheus text.
///
/// ```
/// use veil_tokio::status::{render_metrics, StatusSnapshot};
/// let text = render_metrics(&StatusSnapshot::default());
/// assert!(text.contains("# TYPE veil_bytes_sent_total counter"));
/// assert!(text.contains("veil_peer_rtt_seconds_bucket{le=\"+Inf\"} 0"));
/// ```
#[must_use]
pub fn render_metrics(snapshot: &StatusSnapshot) -> String {
    let mut w = Writer { out: String::new() };
    let stats = &snapshot.stats;
    w.family(
        "veil_connections",
        "gauge",
        "Connections by direction, state and carrier.",
    );
    let mut groups: BTreeMap<(&str, &str, &str), u64> = BTreeMap::new();
    for peer in &snapshot.peers {
        let carrier = if peer.carrier.is_empty() {
            "none"
        } else {
            &peer.carrier
        };
        *groups
            .entry((&peer.direction, &peer.state, carrier))
            .or_default() += 1;
    }
    for ((direction, state, carrier), count) in &groups {
        w.sample(
            "veil_connections",
            &[
                ("direction", direction),
                ("state", state),
                ("carrier", carrier),
            ],
            count,
        );
    }
    w.counter(
        "veil_bytes_sent_total",
        "Bytes written to peers.",
        stats.bytes_sent,
    );
    w.counter(
        "veil_bytes_received_total",
        "Bytes read from peers.",
        stats.bytes_received,
    );
    w.counter(
        "veil_messages_sent_total",
        "Messages sent to peers.",
        stats.messages_sent,
    );
    w.counter(
        "veil_messages_received_total",
        "Messages received from peers.",
        stats.messages_received,
    );
    w.counter(
        "veil_dials_total",
        "Outbound dials started.",
        stats.dials_started,
    );
    w.counter(
        "veil_dials_failed_total",
        "Outbound dials that failed.",
        stats.dials_failed,
    );
    w.counter(
        "veil_inbound_accepted_total",
        "Inbound connections admitted.",
        stats.inbound_accepted,
    );
    w.counter(
        "veil_inbound_refused_total",
        "Inbound connections refused.",
        stats.inbound_refused,
    );
    w.counter(
        "veil_handshakes_completed_total",
        "Handshakes completed.",
        stats.handshakes_completed,
    );
    w.by_reason(
        "veil_handshake_failures_total",
        "Connections that closed before their handshake completed, by reason.",
        &stats.handshake_failures,
    );
    w.by_reason(
        "veil_disconnections_total",
        "Connections closed, by reason.",
        &stats.disconnections,
    );
    w.counter(
        "veil_evictions_total",
        "Inbound peers evicted to make room.",
        stats.evictions,
    );
    w.counter(
        "veil_punishments_total",
        "Misbehaviour records written (discouragements and bans).",
        stats.punishments,
    );
    w.family(
        "veil_ban_records",
        "gauge",
        "Peer ids and netgroups with a ban or discouragement record.",
    );
    w.sample("veil_ban_records", &[], snapshot.ban_records);
    w.counter(
        "veil_tx_stemmed_total",
        "Transactions relayed in the stem phase.",
        stats.tx_stemmed,
    );
    w.counter(
        "veil_tx_fluffed_total",
        "Transactions broadcast (fluff phase).",
        stats.tx_fluffed,
    );
    rtt_histogram(&mut w, snapshot);
    w.family(
        "veil_uptime_seconds",
        "gauge",
        "Seconds since the node started.",
    );
    w.sample("veil_uptime_seconds", &[], snapshot.uptime_secs);
    w.out
}

/// The node keeps each peer's smoothed RTT, not every ping, so this is
/// the distribution of the connected peers' current smoothed RTTs at
/// scrape time (it can go down between scrapes; rate() of it means
/// nothing). Prometheus' text format 0.0.4 has no gauge histogram type,
/// hence `histogram` with the caveat in HELP.
fn rtt_histogram(w: &mut Writer, snapshot: &StatusSnapshot) {
    let name = "veil_peer_rtt_seconds";
    w.family(
        name,
        "histogram",
        "Connected peers' current smoothed round-trip times (a snapshot at scrape time, not cumulative).",
    );
    let rtts: Vec<f64> = snapshot
        .peers
        .iter()
        .filter_map(|p| p.rtt_ms)
        .map(|ms| ms as f64 / 1000.0)
        .collect();
    let counts = cumulative_buckets(&rtts, &RTT_BUCKETS);
    for (bound, count) in RTT_BUCKETS.iter().zip(&counts) {
        w.sample(
            &format!("{name}_bucket"),
            &[("le", &bound.to_string())],
            count,
        );
    }
    let total = counts.last().copied().unwrap_or(0);
    w.sample(&format!("{name}_bucket"), &[("le", "+Inf")], total);
    w.sample(&format!("{name}_sum"), &[], rtts.iter().sum::<f64>());
    w.sample(&format!("{name}_count"), &[], total);
}
