//! The RTT histogram: the connected peers' current smoothed round trips,
//! bucketed at scrape time.
//!
//! The node keeps one smoothed RTT per peer, not every ping, so there is
//! no stream of observations to count. What can be exposed honestly is
//! the distribution of those current values, which can shrink between
//! scrapes (a peer leaves, an RTT improves): a gauge histogram.
//! Format 0.0.4 has no such type (`gaugehistogram` is OpenMetrics' only,
//! and a 0.0.4 parser rejects unknown types), and per-bucket gauges named
//! `_bucket`/`_sum`/`_count` with an `le` label are what `promtool check
//! metrics` flags as reserved for histograms. So the family is typed
//! `histogram`, and its HELP and the crate docs say that it is a
//! snapshot: read it with `histogram_quantile()` over the raw buckets,
//! never over `rate()`.

use super::prometheus::{Exposition, Kind};

/// Upper bounds of the RTT buckets, in milliseconds (1 ms to 2.5 s; the
/// node measures RTTs in whole milliseconds).
///
/// ```
/// assert_eq!(veil_tokio::status::RTT_BUCKETS_MS.last(), Some(&2_500));
/// ```
pub const RTT_BUCKETS_MS: [u64; 10] = [1, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500];

/// Cumulative bucket counts: for each of the ascending `bounds`, how many
/// `values` are at most that bound (Prometheus' `le`), then the count of
/// all values (the `+Inf` bucket).
///
/// ```
/// use veil_tokio::status::cumulative_buckets;
/// assert_eq!(cumulative_buckets(&[3, 1, 10, 7], &[1, 5, 9]), vec![1, 2, 3, 4]);
/// ```
#[must_use]
pub fn cumulative_buckets(values: &[u64], bounds: &[u64]) -> Vec<u64> {
    debug_assert!(bounds.windows(2).all(|w| w[0] < w[1]), "ascending bounds");
    // Count each value in its own (first fitting) bucket, then sum up.
    let mut counts = vec![0u64; bounds.len() + 1];
    for value in values {
        counts[bounds.partition_point(|bound| bound < value)] += 1;
    }
    let mut total = 0;
    for count in &mut counts {
        total += *count;
        *count = total;
    }
    counts
}

/// Milliseconds as decimal seconds, exactly (`1500` → `1.5`, `1` →
/// `0.001`), as Prometheus wants durations.
pub(super) fn ms_as_secs(ms: u64) -> String {
    let (secs, frac) = (ms / 1000, ms % 1000);
    if frac == 0 {
        return secs.to_string();
    }
    let frac = format!("{frac:03}");
    format!("{secs}.{}", frac.trim_end_matches('0'))
}

/// Writes `veil_peer_rtt_seconds` for the smoothed RTTs `rtts_ms`.
pub(super) fn write_rtt_histogram(exposition: &mut Exposition, rtts_ms: &[u64]) {
    const NAME: &str = "veil_peer_rtt_seconds";
    exposition.family(
        NAME,
        Kind::Histogram,
        "Connected peers' current smoothed ping round trips, bucketed when \
         scraped. A snapshot, not cumulative: it can decrease, so use \
         histogram_quantile() on the buckets directly, not on rate().",
    );
    let counts = cumulative_buckets(rtts_ms, &RTT_BUCKETS_MS);
    let bucket = format!("{NAME}_bucket");
    for (bound, count) in RTT_BUCKETS_MS.iter().zip(&counts) {
        exposition.sample(&bucket, &[("le", &ms_as_secs(*bound))], count);
    }
    let total = counts.last().copied().unwrap_or(0);
    exposition.sample(&bucket, &[("le", "+Inf")], total);
    let sum: u64 = rtts_ms.iter().sum();
    exposition.sample(&format!("{NAME}_sum"), &[], ms_as_secs(sum));
    exposition.sample(&format!("{NAME}_count"), &[], total);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_inclusive_and_counts_cumulative() {
        let bounds = [1, 5, 10];
        assert_eq!(cumulative_buckets(&[], &bounds), [0, 0, 0, 0]);
        // A value equal to a bound falls in that bucket (`le`).
        assert_eq!(cumulative_buckets(&[5], &bounds), [0, 1, 1, 1]);
        assert_eq!(cumulative_buckets(&[0, 1], &bounds), [2, 2, 2, 2]);
        // Above every bound: only `+Inf` counts it.
        assert_eq!(cumulative_buckets(&[11, 10_000], &bounds), [0, 0, 0, 2]);
        assert_eq!(
            cumulative_buckets(&[7, 2, 2, 30, 1], &bounds),
            [1, 3, 4, 5],
            "order of values does not matter"
        );
    }

    #[test]
    fn every_value_lands_once() {
        let values: Vec<u64> = (0..3_000).step_by(7).collect();
        let counts = cumulative_buckets(&values, &RTT_BUCKETS_MS);
        assert!(counts.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(*counts.last().unwrap(), values.len() as u64);
        for (bound, count) in RTT_BUCKETS_MS.iter().zip(&counts) {
            let expected = values.iter().filter(|v| *v <= bound).count() as u64;
            assert_eq!(*count, expected, "le {bound}");
        }
    }

    #[test]
    fn milliseconds_print_as_exact_seconds() {
        let printed: Vec<String> = RTT_BUCKETS_MS.iter().map(|ms| ms_as_secs(*ms)).collect();
        assert_eq!(
            printed,
            ["0.001", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5"]
        );
        assert_eq!(ms_as_secs(0), "0");
        assert_eq!(ms_as_secs(61_020), "61.02");
    }

    #[test]
    fn histogram_text_has_buckets_sum_and_count() {
        let mut exposition = Exposition::default();
        write_rtt_histogram(&mut exposition, &[3, 40, 3_000]);
        let text = exposition.finish();
        let samples: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
        assert_eq!(samples.len(), RTT_BUCKETS_MS.len() + 3);
        assert_eq!(samples[0], "veil_peer_rtt_seconds_bucket{le=\"0.001\"} 0");
        assert_eq!(samples[1], "veil_peer_rtt_seconds_bucket{le=\"0.005\"} 1");
        assert_eq!(samples[4], "veil_peer_rtt_seconds_bucket{le=\"0.05\"} 2");
        assert_eq!(samples[9], "veil_peer_rtt_seconds_bucket{le=\"2.5\"} 2");
        assert_eq!(samples[10], "veil_peer_rtt_seconds_bucket{le=\"+Inf\"} 3");
        assert_eq!(samples[11], "veil_peer_rtt_seconds_sum 3.043");
        assert_eq!(samples[12], "veil_peer_rtt_seconds_count 3");
        assert!(text.contains("# TYPE veil_peer_rtt_seconds histogram\n"));
    }
}
