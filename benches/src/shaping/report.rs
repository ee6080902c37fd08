//! Prints the figures: one set of tables, rendered either as aligned
//! plain text (stdout) or as Markdown (`--markdown`, for
//! `BENCHMARKS.md`), so both always show the same numbers.

use std::fmt::Write as _;

use super::randomness::{FlightSample, Randomness, Uniformity};
use super::stats::{gap_bin_labels, GfwVerdict, CHI_SQUARE_CRITICAL_255_0999};
use super::summary::{Latency, Summary};
use super::workload::{Class, ScheduledSend};
use super::DEFAULT_PRESET;

/// Most size-histogram entries shown per preset.
const SIZES_SHOWN: usize = 8;

/// A table: header and rows of cells.
struct Table {
    title: String,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn new(title: &str, header: &[&str]) -> Table {
        Table {
            title: title.to_string(),
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    fn render(&self, markdown: bool, out: &mut String) {
        if markdown {
            let _ = writeln!(out, "{}\n", self.title);
            let _ = writeln!(out, "| {} |", self.header.join(" | "));
            let rule: Vec<&str> = self.header.iter().map(|_| "---").collect();
            let _ = writeln!(out, "|{}|", rule.join("|"));
            for row in &self.rows {
                let _ = writeln!(out, "| {} |", row.join(" | "));
            }
        } else {
            let _ = writeln!(out, "{}", self.title);
            let widths: Vec<usize> = (0..self.header.len())
                .map(|i| {
                    self.rows
                        .iter()
                        .map(|r| r[i].chars().count())
                        .chain([self.header[i].chars().count()])
                        .max()
                        .unwrap_or(0)
                })
                .collect();
            for row in [&self.header].into_iter().chain(&self.rows) {
                let cells: Vec<String> = row
                    .iter()
                    .zip(&widths)
                    .map(|(cell, &w)| format!("{cell}{}", " ".repeat(w - cell.chars().count())))
                    .collect();
                let _ = writeln!(out, "  {}", cells.join("  ").trim_end());
            }
        }
        out.push('\n');
    }
}

fn latency_cell(l: &Latency) -> String {
    format!("{} / {} / {} / {:.1}", l.p50, l.p99, l.max, l.mean)
}

fn sizes_cell(s: &Summary, shown: usize) -> String {
    let mut by_count: Vec<(u32, u64)> = s.sizes.iter().map(|(&k, &v)| (k, v)).collect();
    by_count.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
    let mut cells: Vec<String> = by_count
        .iter()
        .take(shown)
        .map(|(size, count)| format!("{size}×{count}"))
        .collect();
    if by_count.len() > shown {
        cells.push(format!("+{} more", by_count.len() - shown));
    }
    cells.join(", ")
}

fn chi_cell(u: &Uniformity) -> [String; 3] {
    let below = u.chi_square < CHI_SQUARE_CRITICAL_255_0999;
    [
        u.bytes.to_string(),
        format!("{:.1}", u.chi_square),
        if below { "yes (uniform)" } else { "no" }.to_string(),
    ]
}

fn gfw_row(what: &str, len: usize, v: &GfwVerdict) -> Vec<String> {
    let mut others = Vec::new();
    for (on, name) in [
        (v.first_six_printable, "first 6 printable"),
        (v.half_printable, ">50% printable"),
        (v.run_printable, ">20 printable in a row"),
        (v.looks_like_tls_or_http, "TLS/HTTP"),
    ] {
        if on {
            others.push(name);
        }
    }
    vec![
        what.to_string(),
        len.to_string(),
        format!("{:.3}", v.popcount_per_byte),
        if v.popcount_exempt {
            "yes"
        } else {
            "no (3.4 < x < 4.6)"
        }
        .to_string(),
        if others.is_empty() {
            "none".to_string()
        } else {
            others.join(", ")
        },
        if v.blocked() { "blocked" } else { "passes" }.to_string(),
    ]
}

/// The whole report. `summaries[0]` must be the `off` run.
#[must_use]
pub fn render(
    workload: &[ScheduledSend],
    summaries: &[Summary],
    randomness: Option<&Randomness>,
    flights: Option<&FlightSample>,
    markdown: bool,
) -> String {
    let mut out = String::new();
    let off = &summaries[0];
    let mut t = Table::new(
        "Bandwidth, latency and sizes (added latency = receive − send − 50 ms link latency, ms)",
        &[
            "preset",
            "wire bytes a→b",
            "wire bytes b→a",
            "overhead vs off",
            "a→b / b→a",
            "shaper overhead",
            "packets",
            "distinct sizes",
            "added latency p50 / p99 / max / mean",
        ],
    );
    for s in summaries {
        t.rows.push(vec![
            s.name.to_string(),
            s.wire_bytes[0].to_string(),
            s.wire_bytes[1].to_string(),
            format!("{:+.2} %", s.overhead_vs(off)),
            format!(
                "{:+.1} % / {:+.1} %",
                s.direction_overhead_vs(off, 0),
                s.direction_overhead_vs(off, 1)
            ),
            s.shaper_overhead_percent()
                .map_or("–".into(), |p| format!("{p:.2} %")),
            (s.packets[0] + s.packets[1]).to_string(),
            s.distinct_sizes().to_string(),
            latency_cell(&s.latency),
        ]);
    }
    t.render(markdown, &mut out);

    let mut t = Table::new(
        "Added latency by message class, p50 / p99 / max / mean (ms)",
        &[
            "preset",
            "control (inv, getdata, getheaders)",
            "tx",
            "block",
        ],
    );
    for s in summaries {
        let mut row = vec![s.name.to_string()];
        row.extend(s.latency_by_class.iter().map(latency_cell));
        t.rows.push(row);
    }
    t.render(markdown, &mut out);

    let mut t = Table::new(
        "Shaping counters, both sides summed (max delay: the larger side's)",
        &[
            "preset",
            "decoys sent",
            "decoy bytes",
            "decoys over budget",
            "messages delayed",
            "max added delay ms",
            "overflow",
            "unpadded over budget",
            "slots missed",
            "lost",
            "reordered",
        ],
    );
    for s in summaries {
        let k = s.shaping_total();
        t.rows.push(vec![
            s.name.to_string(),
            k.decoys_sent.to_string(),
            k.decoy_bytes.to_string(),
            k.decoys_over_budget.to_string(),
            k.messages_delayed.to_string(),
            k.max_added_delay.as_millis().to_string(),
            k.overflow_messages.to_string(),
            k.unpadded_over_budget.to_string(),
            k.slots_missed.to_string(),
            (s.lost[0] + s.lost[1]).to_string(),
            (s.reordered[0] + s.reordered[1]).to_string(),
        ]);
    }
    t.render(markdown, &mut out);

    let shown = if markdown {
        SIZES_SHOWN
    } else {
        2 * SIZES_SHOWN
    };
    let mut t = Table::new(
        "Packet wire sizes, both directions (size×count, most frequent first)",
        &["preset", "distinct", "histogram"],
    );
    for s in summaries {
        t.rows.push(vec![
            s.name.to_string(),
            s.distinct_sizes().to_string(),
            sizes_cell(s, shown),
        ]);
    }
    t.render(markdown, &mut out);

    for (d, name) in ["a→b", "b→a"].into_iter().enumerate() {
        let mut header = vec!["preset".to_string(), "median".to_string()];
        header.extend(gap_bin_labels());
        let header: Vec<&str> = header.iter().map(String::as_str).collect();
        let mut t = Table::new(
            &format!("Gaps between consecutive packets {name} (ms, log bins: count per bin)"),
            &header,
        );
        for s in summaries {
            let mut row = vec![s.name.to_string(), s.median_gap_ms[d].to_string()];
            row.extend(s.gaps[d].iter().map(u64::to_string));
            t.rows.push(row);
        }
        t.render(markdown, &mut out);
    }

    if let Some(r) = randomness {
        let mut t = Table::new(
            &format!("Chi-square uniformity of the encrypted stream ({DEFAULT_PRESET}; 256 bins, 255 df, 0.999 critical value {CHI_SQUARE_CRITICAL_255_0999})"),
            &["bytes tested", "bytes", "χ²", "below critical?"],
        );
        for (what, u) in [
            ("whole a→b stream", &r.stream_a_to_b),
            ("whole b→a stream", &r.stream_b_to_a),
            ("first 64 KiB of a→b", &r.prefix_a_to_b),
        ] {
            let mut row = vec![what.to_string()];
            row.extend(chi_cell(u));
            t.rows.push(row);
        }
        t.render(markdown, &mut out);

        let mut t = Table::new(
            &format!("GFW first-packet rule ({DEFAULT_PRESET}; blocked unless popcount/byte ≤ 3.4 or ≥ 4.6 or a printable/protocol exemption holds)"),
            &["bytes", "length", "popcount/byte", "popcount exempt?", "other exemptions", "verdict"],
        );
        t.rows.push(gfw_row(
            "initiator first flight (key + garbage)",
            r.first_flight_len,
            &r.first_flight,
        ));
        t.rows.push(gfw_row(
            "initiator first encrypted packet",
            r.first_packet_len,
            &r.first_packet,
        ));
        t.render(markdown, &mut out);
        let garbage = r
            .garbage_popcount
            .map_or("no garbage".into(), |p| format!("{p:.3}"));
        let _ = writeln!(
            out,
            "First flight parts: ephemeral key (32 bytes, raw X25519) popcount/byte {:.3}; garbage ({} bytes) {}. Stream layout accounted for byte by byte: {}.\n",
            r.key_popcount,
            r.first_flight_len.saturating_sub(32),
            garbage,
            if r.layout_accounted { "yes" } else { "NO" },
        );
    }

    if let Some(f) = flights {
        let _ = writeln!(
            out,
            "First flights of {} fresh initiators (seeds 0..{}): {} blocked by the GFW rule; popcount/byte {:.3}–{:.3}; lengths {}–{} bytes; exempted by popcount {}, first 6 printable {}, >50% printable {}, >20 printable in a row {}, TLS/HTTP {}.\n",
            f.count, f.count, f.blocked, f.popcount_range.0, f.popcount_range.1, f.len_range.0, f.len_range.1,
            f.exempted_by[0], f.exempted_by[1], f.exempted_by[2], f.exempted_by[3], f.exempted_by[4],
        );
    }
    out.push_str(&super::goals::render(summaries, markdown));
    if !markdown {
        out.push_str(&workload_note(workload, summaries));
    }
    out
}

/// The workload as run: counts and bytes per class and direction.
fn workload_note(workload: &[ScheduledSend], summaries: &[Summary]) -> String {
    let mut out = String::from("Workload (same for every preset)\n");
    for class in Class::ALL {
        for (d, name) in ["a→b", "b→a"].into_iter().enumerate() {
            let sends: Vec<&ScheduledSend> = workload
                .iter()
                .filter(|s| s.class == class && super::drive::index(s.direction) == d)
                .collect();
            let bytes: usize = sends.iter().map(|s| s.message.payload_len()).sum();
            let _ = writeln!(
                out,
                "  {:<8} {name}: {:>5} messages, {:>9} payload bytes",
                class.name(),
                sends.len(),
                bytes
            );
        }
    }
    for s in summaries {
        let _ = writeln!(
            out,
            "  {}: connected at {} ms; packet bytes a→b {} b→a {}; decoys received a→b {} b→a {}",
            s.name,
            s.connected_at_ms
                .map_or("never".into(), |ms| ms.to_string()),
            s.packet_bytes[0],
            s.packet_bytes[1],
            s.decoys_received[0],
            s.decoys_received[1],
        );
        for (side, k) in ["a", "b"].into_iter().zip(&s.shaping) {
            let _ = writeln!(
                out,
                "    side {side}: shaper overhead {} % (unshaped {}, added {}), decoys {} (over budget {}), unpadded over budget {}, delayed {}, max delay {} ms, overflow {}",
                k.overhead_percent().map_or("–".into(), |p| p.to_string()),
                k.unshaped_bytes,
                k.added_bytes,
                k.decoys_sent,
                k.decoys_over_budget,
                k.unpadded_over_budget,
                k.messages_delayed,
                k.max_added_delay.as_millis(),
                k.overflow_messages,
            );
        }
    }
    out
}
