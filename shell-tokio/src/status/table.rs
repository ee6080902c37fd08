//! `veil peers`' table: rows of `/peers` as aligned text.

use super::PeerRow;

const HEADER: [&str; 10] = [
    "PEER",
    "ADDRESS",
    "DIR",
    "CARRIER",
    "STATE",
    "RTT",
    "IN",
    "OUT",
    "SCORE",
    "CONNECTED",
];
/// Columns holding numbers: right-aligned, so magnitudes line up.
const RIGHT: [bool; 10] = [
    false, false, false, false, false, true, true, true, true, true,
];
/// Shown of a peer id: enough to tell peers apart at a glance.
const PEER_ID_CHARS: usize = 16;

/// An aligned text table of `rows`: peer id (first 16 characters),
/// address, direction, carrier, state, smoothed RTT, bytes in and out,
/// score, and how long connected. `-` marks what is not known yet.
///
/// ```
/// use veil_tokio::status::{render_table, PeerRow};
/// let row = PeerRow {
///     peer_id: Some("ab".repeat(32)),
///     address: "127.0.0.1:9333".into(),
///     direction: "inbound".into(),
///     carrier: Some("tls".into()),
///     state: "connected".into(),
///     rtt_ms: Some(3),
///     bytes_received: 12_345,
///     connected_secs: Some(125),
///     ..PeerRow::default()
/// };
/// let table = render_table(&[row]);
/// let lines: Vec<&str> = table.lines().collect();
/// assert!(lines[0].starts_with("PEER              ADDRESS"));
/// assert!(lines[1].starts_with("abababababababab  127.0.0.1:9333"));
/// assert!(lines[1].contains("3 ms") && lines[1].contains("12.3 kB") && lines[1].ends_with("2m 5s"));
/// ```
#[must_use]
pub fn render_table(rows: &[PeerRow]) -> String {
    let mut cells: Vec<[String; 10]> = vec![HEADER.map(str::to_owned)];
    cells.extend(rows.iter().map(|row| {
        [
            row.peer_id
                .as_deref()
                .map_or("-".into(), |id| id.chars().take(PEER_ID_CHARS).collect()),
            row.address.clone(),
            row.direction.clone(),
            row.carrier.clone().unwrap_or_else(|| "-".into()),
            row.state.clone(),
            row.rtt_ms.map_or("-".into(), |ms| format!("{ms} ms")),
            human_bytes(row.bytes_received),
            human_bytes(row.bytes_sent),
            row.score.to_string(),
            row.connected_secs.map_or("-".into(), human_duration),
        ]
    }));
    let widths: Vec<usize> = (0..HEADER.len())
        .map(|i| {
            cells
                .iter()
                .map(|r| r[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in &cells {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .zip(RIGHT)
            .map(|((cell, &width), right)| {
                if right {
                    format!("{cell:>width$}")
                } else {
                    format!("{cell:<width$}")
                }
            })
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    if rows.is_empty() {
        out.push_str("(no peers)\n");
    }
    out
}

/// Bytes in a decimal unit: `999 B`, `12.3 kB`, `4.6 MB`, up to `PB`.
pub(crate) fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["kB", "MB", "GB", "TB", "PB"];
    if n < 1000 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1000.0;
    let mut unit = 0;
    // Move up while the rounded figure would read 1000.0 or more.
    while value >= 999.95 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// A duration in its two largest units: `42s`, `2m 5s`, `3h 0m`, `2d 4h`.
fn human_duration(secs: u64) -> String {
    let (m, h, d) = (secs / 60, secs / 3600, secs / 86_400);
    match secs {
        0..60 => format!("{secs}s"),
        60..3600 => format!("{m}m {}s", secs % 60),
        3600..86_400 => format!("{h}h {}m", m % 60),
        _ => format!("{d}d {}h", h % 24),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_read_naturally() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(1000), "1.0 kB");
        assert_eq!(human_bytes(12_345), "12.3 kB");
        assert_eq!(human_bytes(999_960), "1.0 MB", "not 1000.0 kB");
        assert_eq!(human_bytes(4_600_000_000), "4.6 GB");
        assert_eq!(human_bytes(u64::MAX), "18446.7 PB");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(human_duration(0), "0s");
        assert_eq!(human_duration(59), "59s");
        assert_eq!(human_duration(60), "1m 0s");
        assert_eq!(human_duration(3_599), "59m 59s");
        assert_eq!(human_duration(3_600), "1h 0m");
        assert_eq!(human_duration(90_000), "1d 1h");
    }

    #[test]
    fn columns_line_up() {
        let rows = [
            PeerRow {
                peer_id: Some("0123456789abcdef0123".into()),
                address: "[2001:db8::1]:9333".into(),
                direction: "outbound".into(),
                state: "connected".into(),
                bytes_sent: 5_000_000,
                score: -40,
                ..PeerRow::default()
            },
            PeerRow {
                address: "10.0.0.1:1".into(),
                direction: "inbound".into(),
                state: "handshaking".into(),
                score: 7,
                ..PeerRow::default()
            },
        ];
        let table = render_table(&rows);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 3);
        let col = |line: &str, text: &str| line.find(text).unwrap();
        // Left-aligned columns start together, right-aligned ones end
        // together.
        assert_eq!(col(lines[0], "ADDRESS"), col(lines[1], "[2001"));
        assert_eq!(col(lines[0], "ADDRESS"), col(lines[2], "10.0.0.1"));
        assert_eq!(col(lines[1], "0123456789abcdef "), 0, "id cut at 16");
        assert!(lines[2].starts_with("-    "), "no id yet");
        let end = |line: &str, text: &str| col(line, text) + text.len();
        assert_eq!(end(lines[0], "SCORE"), end(lines[1], "-40"));
        assert_eq!(end(lines[0], "SCORE"), end(lines[2], " 7"));
        assert_eq!(
            render_table(&[]),
            "PEER  ADDRESS  DIR  CARRIER  STATE  RTT  IN  OUT  SCORE  CONNECTED\n(no peers)\n"
        );
    }
}
