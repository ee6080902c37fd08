//! `/metrics`: a [`StatusSnapshot`] as Prometheus text (format 0.0.4).

use std::collections::BTreeMap;

use veil_core::node::PeerState;

use super::histogram::write_rtt_histogram;
use super::prometheus::{Exposition, Kind};
use super::StatusSnapshot;
use crate::carrier::Carrier;

/// The `carrier` label of a connection without a socket yet.
const NO_CARRIER: &str = "none";
const DIRECTIONS: [&str; 2] = ["inbound", "outbound"];
const STATES: [PeerState; 5] = [
    PeerState::Dialing,
    PeerState::Proxying,
    PeerState::Handshaking,
    PeerState::Connected,
    PeerState::Closing,
];

/// Renders a snapshot as Prometheus text, every name prefixed `veil_`.
///
/// Counters come from the node's [`NodeStats`](veil_core::node::NodeStats)
/// and only grow while the node runs. `veil_connections` is written for
/// every direction, state and carrier, zeros included, so a series does
/// not vanish when its count drops to zero. `veil_peer_rtt_seconds` is
/// the distribution of the connected peers' current smoothed RTTs at
/// scrape time, not of every ping (the node keeps no samples): it can go
/// down between scrapes, so read it with `histogram_quantile()`, not
/// `rate()`.
///
/// ```
/// use veil_tokio::status::{render_metrics, StatusSnapshot};
/// let text = render_metrics(&StatusSnapshot::default());
/// assert!(text.contains("# TYPE veil_bytes_sent_total counter\nveil_bytes_sent_total 0\n"));
/// assert!(text.contains("veil_connections{direction=\"inbound\",state=\"connected\",carrier=\"tcp\"} 0"));
/// assert!(text.contains("veil_peer_rtt_seconds_bucket{le=\"+Inf\"} 0"));
/// ```
#[must_use]
pub fn render_metrics(snapshot: &StatusSnapshot) -> String {
    let mut out = Exposition::default();
    node_gauges(&mut out, snapshot);
    connections(&mut out, snapshot);
    traffic(&mut out, snapshot);
    lifecycle(&mut out, snapshot);
    bans(&mut out, snapshot);
    relay(&mut out, snapshot);
    let rtts: Vec<u64> = snapshot
        .peers
        .iter()
        .filter(|p| p.state == PeerState::Connected.as_str())
        .filter_map(|p| p.rtt_ms)
        .collect();
    write_rtt_histogram(&mut out, &rtts);
    out.finish()
}

fn node_gauges(out: &mut Exposition, snapshot: &StatusSnapshot) {
    out.family(
        "veil_node_info",
        Kind::Gauge,
        "The node's identity, as a label; always 1.",
    );
    out.sample("veil_node_info", &[("peer_id", &snapshot.peer_id)], 1);
    out.single(
        "veil_uptime_seconds",
        Kind::Gauge,
        "Seconds since the node started.",
        snapshot.uptime_secs,
    );
}

fn connections(out: &mut Exposition, snapshot: &StatusSnapshot) {
    let mut counts: BTreeMap<(&str, &str, &str), u64> = BTreeMap::new();
    for peer in &snapshot.peers {
        let carrier = peer.carrier.as_deref().unwrap_or(NO_CARRIER);
        *counts
            .entry((&peer.direction, &peer.state, carrier))
            .or_default() += 1;
    }
    let carriers: Vec<String> = Carrier::ALL.iter().map(Carrier::to_string).collect();
    let carriers = carriers.iter().map(String::as_str).chain([NO_CARRIER]);
    out.family(
        "veil_connections",
        Kind::Gauge,
        "Connections by direction, state and carrier (\"none\" before a socket exists).",
    );
    for carrier in carriers {
        for direction in DIRECTIONS {
            for state in STATES.map(PeerState::as_str) {
                let count = counts.remove(&(direction, state, carrier)).unwrap_or(0);
                let labels = [
                    ("direction", direction),
                    ("state", state),
                    ("carrier", carrier),
                ];
                out.sample("veil_connections", &labels, count);
            }
        }
    }
    // Whatever a newer core or shell names differently still shows.
    for ((direction, state, carrier), count) in counts {
        let labels = [
            ("direction", direction),
            ("state", state),
            ("carrier", carrier),
        ];
        out.sample("veil_connections", &labels, count);
    }
    let queued: u64 = snapshot.peers.iter().map(|p| p.queued_bytes).sum();
    out.single(
        "veil_queued_bytes",
        Kind::Gauge,
        "Bytes queued for peers that their sockets have not taken yet.",
        queued,
    );
}

fn traffic(out: &mut Exposition, snapshot: &StatusSnapshot) {
    let stats = &snapshot.stats;
    let counters = [
        (
            "veil_bytes_sent_total",
            "Bytes handed to peers' sockets, all layers.",
            stats.bytes_sent,
        ),
        (
            "veil_bytes_received_total",
            "Bytes read from peers, all layers.",
            stats.bytes_received,
        ),
        (
            "veil_messages_sent_total",
            "Application messages sent (each copy of a broadcast counts; protocol messages not included).",
            stats.messages_sent,
        ),
        (
            "veil_messages_received_total",
            "Messages delivered to the application (protocol messages not included).",
            stats.messages_received,
        ),
    ];
    for (name, help, value) in counters {
        out.single(name, Kind::Counter, help, value);
    }
}

fn lifecycle(out: &mut Exposition, snapshot: &StatusSnapshot) {
    let stats = &snapshot.stats;
    let counters = [
        (
            "veil_dials_total",
            "Outbound dials started.",
            stats.dials_started,
        ),
        (
            "veil_dial_failures_total",
            "Dials that never opened (refused, unreachable, timed out, SOCKS5).",
            stats.dials_failed,
        ),
        (
            "veil_inbound_accepted_total",
            "Inbound connections admitted.",
            stats.inbound_accepted,
        ),
        (
            "veil_inbound_refused_total",
            "Inbound connections refused.",
            stats.inbound_refused,
        ),
        (
            "veil_handshakes_completed_total",
            "Handshakes completed.",
            stats.handshakes_completed,
        ),
        (
            "veil_evictions_total",
            "Inbound peers evicted to admit newcomers.",
            stats.evictions,
        ),
        (
            "veil_rotations_total",
            "Automatic outbound peers rotated out for fresh ones.",
            stats.rotations,
        ),
        (
            "veil_punishments_total",
            "Discouragements and bans recorded.",
            stats.punishments,
        ),
    ];
    for (name, help, value) in counters {
        out.single(name, Kind::Counter, help, value);
    }
    by_reason(
        out,
        "veil_handshake_failures_total",
        "Connections that closed before their handshake completed, by reason.",
        &stats.handshake_failures,
    );
    by_reason(
        out,
        "veil_disconnections_total",
        "Connections ended, by reason.",
        &stats.disconnections,
    );
}

/// A counter family labelled `reason`; a reason appears once it happened.
fn by_reason(out: &mut Exposition, name: &str, help: &str, counts: &BTreeMap<&str, u64>) {
    out.family(name, Kind::Counter, help);
    for (reason, count) in counts {
        out.sample(name, &[("reason", reason)], count);
    }
}

fn bans(out: &mut Exposition, snapshot: &StatusSnapshot) {
    let bans = &snapshot.bans;
    out.family(
        "veil_bans",
        Kind::Gauge,
        "Live ban list records, by what they apply to (peer id or netgroup) and level.",
    );
    let rows = [
        ("peer", "banned", bans.peers_banned),
        ("peer", "discouraged", bans.peers_discouraged),
        ("netgroup", "banned", bans.netgroups_banned),
        ("netgroup", "discouraged", bans.netgroups_discouraged),
    ];
    for (scope, level, count) in rows {
        out.sample("veil_bans", &[("scope", scope), ("level", level)], count);
    }
}

fn relay(out: &mut Exposition, snapshot: &StatusSnapshot) {
    let stats = &snapshot.stats;
    let counters = [
        (
            "veil_addr_received_total",
            "Address records received in addr messages.",
            stats.addr_received,
        ),
        (
            "veil_addr_rate_limited_total",
            "Address records dropped by the per-peer rate limit.",
            stats.addr_rate_limited,
        ),
        (
            "veil_tx_stemmed_total",
            "Transactions relayed in the Dandelion++ stem phase.",
            stats.tx_stemmed,
        ),
        (
            "veil_tx_fluffed_total",
            "Transactions broadcast in the fluff phase.",
            stats.tx_fluffed,
        ),
        (
            "veil_tx_embargo_expired_total",
            "Stem transactions fluffed because their embargo expired.",
            stats.tx_embargo_expired,
        ),
    ];
    for (name, help, value) in counters {
        out.single(name, Kind::Counter, help, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::{BanCounts, PeerRow};

    fn row(direction: &str, state: &str, carrier: Option<&str>, rtt_ms: Option<u64>) -> PeerRow {
        PeerRow {
            direction: direction.into(),
            state: state.into(),
            carrier: carrier.map(Into::into),
            rtt_ms,
            queued_bytes: 10,
            ..PeerRow::default()
        }
    }

    fn value<'a>(text: &'a str, series: &str) -> &'a str {
        text.lines()
            .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
            .unwrap_or_else(|| panic!("no {series} in\n{text}"))
    }

    #[test]
    fn connections_are_counted_and_zero_filled() {
        let mut snapshot = StatusSnapshot {
            peers: vec![
                row("inbound", "connected", Some("tcp"), Some(4)),
                row("inbound", "connected", Some("tcp"), Some(700)),
                row("outbound", "dialing", None, None),
                row("outbound", "handshaking", Some("wss"), None),
            ],
            ..StatusSnapshot::default()
        };
        snapshot.stats.disconnections.insert("evil \"reason\"\n", 2);
        snapshot.bans = BanCounts {
            peers_banned: 1,
            netgroups_discouraged: 2,
            ..BanCounts::default()
        };
        let text = render_metrics(&snapshot);
        let series = |d: &str, s: &str, c: &str| {
            format!("veil_connections{{direction=\"{d}\",state=\"{s}\",carrier=\"{c}\"}}")
        };
        assert_eq!(value(&text, &series("inbound", "connected", "tcp")), "2");
        assert_eq!(value(&text, &series("outbound", "dialing", "none")), "1");
        assert_eq!(value(&text, &series("outbound", "handshaking", "wss")), "1");
        assert_eq!(value(&text, &series("outbound", "connected", "tls")), "0");
        let lines = text
            .lines()
            .filter(|l| l.starts_with("veil_connections{"))
            .count();
        assert_eq!(lines, 2 * 5 * 5, "directions x states x carriers");
        assert_eq!(value(&text, "veil_queued_bytes"), "40");
        assert_eq!(
            value(
                &text,
                "veil_disconnections_total{reason=\"evil \\\"reason\\\"\\n\"}"
            ),
            "2"
        );
        assert_eq!(
            value(&text, "veil_bans{scope=\"peer\",level=\"banned\"}"),
            "1"
        );
        assert_eq!(
            value(&text, "veil_bans{scope=\"netgroup\",level=\"discouraged\"}"),
            "2"
        );
        // Only connected peers' RTTs are in the histogram.
        assert_eq!(value(&text, "veil_peer_rtt_seconds_count"), "2");
        assert_eq!(value(&text, "veil_peer_rtt_seconds_sum"), "0.704");
        assert_eq!(
            value(&text, "veil_peer_rtt_seconds_bucket{le=\"0.005\"}"),
            "1"
        );
    }

    #[test]
    fn every_family_has_help_and_type_before_its_samples() {
        let text = render_metrics(&StatusSnapshot::default());
        let mut typed = Vec::new();
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                let name = rest.split(' ').next().unwrap();
                assert!(!typed.contains(&name), "{name} typed twice");
                assert!(text.contains(&format!("# HELP {name} ")));
                typed.push(name);
            } else if !line.starts_with('#') {
                let name = line.split(['{', ' ']).next().unwrap();
                let family = typed.last().unwrap();
                assert!(name.starts_with(family), "{name} outside its family");
                assert!(name.starts_with("veil_"));
            }
        }
    }
}
