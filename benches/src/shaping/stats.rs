//! The statistics the shaping report needs, kept free of veil types so each
//! can be unit-tested on known inputs: percentiles, histograms, the
//! chi-square uniformity test and the GFW first-packet rule.

use std::collections::BTreeMap;

/// The 0.999 quantile of the chi-square distribution with 255 degrees of
/// freedom (256 byte values). A statistic above it rejects uniformity at
/// the 0.1 % level. Wilson–Hilferty gives 330.52 (see the test); tables
/// give 330.5.
pub const CHI_SQUARE_CRITICAL_255_0999: f64 = 330.52;

/// GFW exemption 1 (Wu et al., USENIX Security 2023): a first packet whose
/// popcount per byte is at most this passes.
pub const GFW_POPCOUNT_LOW: f64 = 3.4;
/// ... or at least this.
pub const GFW_POPCOUNT_HIGH: f64 = 4.6;

/// The nearest-rank percentile `p` (0 < p ≤ 100) of `sorted`, which must
/// be in ascending order; `None` when empty. Nearest rank returns a value
/// that was actually observed, which keeps the report exact (no
/// interpolation between virtual-clock milliseconds).
#[must_use]
pub fn percentile(sorted: &[u64], p: f64) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// Bits set per byte of `bytes` (0.0 for an empty slice). Uniformly random
/// bytes give 4.0.
#[must_use]
pub fn popcount_per_byte(bytes: &[u8]) -> f64 {
    if bytes.is_empty() {
        return 0.0;
    }
    let ones: u64 = bytes.iter().map(|b| u64::from(b.count_ones())).sum();
    ones as f64 / bytes.len() as f64
}

/// Counts of each byte value: the input of [`chi_square`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ByteCounts {
    /// How often each value occurred.
    pub counts: [u64; 256],
    /// Bytes counted.
    pub total: u64,
}

impl Default for ByteCounts {
    fn default() -> Self {
        ByteCounts {
            counts: [0; 256],
            total: 0,
        }
    }
}

impl ByteCounts {
    /// Adds `bytes` to the counts.
    pub fn add(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.counts[usize::from(b)] += 1;
        }
        self.total += bytes.len() as u64;
    }

    /// Counts of one slice.
    #[must_use]
    pub fn of(bytes: &[u8]) -> ByteCounts {
        let mut counts = ByteCounts::default();
        counts.add(bytes);
        counts
    }
}

/// Pearson's chi-square statistic of the byte counts against the uniform
/// distribution over 256 values (255 degrees of freedom); `None` for no
/// bytes.
#[must_use]
pub fn chi_square(counts: &ByteCounts) -> Option<f64> {
    if counts.total == 0 {
        return None;
    }
    let expected = counts.total as f64 / 256.0;
    Some(
        counts
            .counts
            .iter()
            .map(|&observed| {
                let d = observed as f64 - expected;
                d * d / expected
            })
            .sum(),
    )
}

/// Upper bounds (exclusive, in ms) of the gap histogram's bins: `0` is
/// "same millisecond" (fragments and bursts), then powers of two. The last
/// bin holds everything from 4,096 ms up.
pub const GAP_BIN_UPPER_MS: [u64; 13] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096];

/// Names of the gap bins, matching [`gap_histogram`]'s output.
#[must_use]
pub fn gap_bin_labels() -> Vec<String> {
    let mut labels = vec!["0".to_string(), "1".to_string()];
    for pair in GAP_BIN_UPPER_MS.windows(2).skip(1) {
        labels.push(format!("{}-{}", pair[0], pair[1] - 1));
    }
    labels.push(format!("≥{}", GAP_BIN_UPPER_MS[GAP_BIN_UPPER_MS.len() - 1]));
    labels
}

/// Log-scale histogram of the gaps between consecutive times (ascending,
/// in ms): one count per bin of [`GAP_BIN_UPPER_MS`] plus the open last
/// bin. Log bins because gaps span from 0 (a block's fragments) to
/// seconds (idle spells between transactions).
#[must_use]
pub fn gap_histogram(times_ms: &[u64]) -> Vec<u64> {
    let mut bins = vec![0u64; GAP_BIN_UPPER_MS.len() + 1];
    for pair in times_ms.windows(2) {
        let gap = pair[1].saturating_sub(pair[0]);
        let bin = GAP_BIN_UPPER_MS
            .iter()
            .position(|&upper| gap < upper)
            .unwrap_or(GAP_BIN_UPPER_MS.len());
        bins[bin] += 1;
    }
    bins
}

/// How often each value occurs, in ascending order of value.
#[must_use]
pub fn histogram<I: IntoIterator<Item = u32>>(values: I) -> BTreeMap<u32, u64> {
    let mut map = BTreeMap::new();
    for value in values {
        *map.entry(value).or_insert(0) += 1;
    }
    map
}

/// What the GFW's first-packet rule (Wu et al. 2023, as summarised in
/// `REFERENCES.md` §3) makes of a connection's first payload. The censor
/// blocks a fully random-looking first packet unless one of the
/// exemptions holds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GfwVerdict {
    /// Bits set per byte.
    pub popcount_per_byte: f64,
    /// Exemption 1: popcount per byte ≤ 3.4 or ≥ 4.6.
    pub popcount_exempt: bool,
    /// Exemption 2: the first six bytes are printable ASCII.
    pub first_six_printable: bool,
    /// Exemption 3: more than half the bytes are printable.
    pub half_printable: bool,
    /// Exemption 4: more than 20 contiguous printable bytes.
    pub run_printable: bool,
    /// Exemption 5 (approximate): starts like a TLS record or an HTTP
    /// request.
    pub looks_like_tls_or_http: bool,
}

impl GfwVerdict {
    /// Applies the rule to `first_payload`.
    #[must_use]
    pub fn of(first_payload: &[u8]) -> GfwVerdict {
        let printable = |b: &u8| (0x20..=0x7e).contains(b);
        let popcount = popcount_per_byte(first_payload);
        let printable_count = first_payload.iter().filter(|b| printable(b)).count();
        let mut run = 0usize;
        let mut longest = 0usize;
        for b in first_payload {
            run = if printable(b) { run + 1 } else { 0 };
            longest = longest.max(run);
        }
        let tls = first_payload.len() >= 3
            && first_payload[0] == 0x16
            && first_payload[1] == 0x03
            && first_payload[2] <= 0x04;
        let http = [&b"GET "[..], b"POST ", b"PUT ", b"HEAD ", b"CONNECT "]
            .iter()
            .any(|method| first_payload.starts_with(method));
        GfwVerdict {
            popcount_per_byte: popcount,
            popcount_exempt: popcount <= GFW_POPCOUNT_LOW || popcount >= GFW_POPCOUNT_HIGH,
            first_six_printable: first_payload.len() >= 6
                && first_payload[..6].iter().all(printable),
            half_printable: printable_count * 2 > first_payload.len(),
            run_printable: longest > 20,
            looks_like_tls_or_http: tls || http,
        }
    }

    /// Whether the rule blocks it: no exemption applies.
    #[must_use]
    pub fn blocked(&self) -> bool {
        !(self.popcount_exempt
            || self.first_six_printable
            || self.half_printable
            || self.run_printable
            || self.looks_like_tls_or_http)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_nearest_rank() {
        let values: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&values, 50.0), Some(50));
        assert_eq!(percentile(&values, 99.0), Some(99));
        assert_eq!(percentile(&values, 100.0), Some(100));
        assert_eq!(percentile(&[7], 1.0), Some(7));
        assert_eq!(percentile(&[1, 2, 3], 50.0), Some(2));
        assert_eq!(percentile(&[1, 2, 3, 4], 50.0), Some(2));
        assert_eq!(percentile(&[], 50.0), None);
    }

    #[test]
    fn popcount_of_known_bytes() {
        assert_eq!(popcount_per_byte(&[0xff, 0x00]), 4.0);
        assert_eq!(popcount_per_byte(&[0x01, 0x03, 0x07]), 2.0);
        assert_eq!(popcount_per_byte(&[]), 0.0);
        // Every byte value once: exactly 4 bits per byte.
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(popcount_per_byte(&all), 4.0);
    }

    #[test]
    fn chi_square_of_known_sequences() {
        // Each value equally often: a perfect fit.
        let flat: Vec<u8> = (0..=255u8).cycle().take(256 * 4).collect();
        assert_eq!(chi_square(&ByteCounts::of(&flat)), Some(0.0));
        // 256 zero bytes: expected 1 per value, observed 256 once and 0
        // 255 times: (256-1)^2 + 255 * 1 = 65,280.
        assert_eq!(chi_square(&ByteCounts::of(&[0u8; 256])), Some(65_280.0));
        // Every value twice (expected 2), then two bytes changed by hand.
        let mut skewed: Vec<u8> = (0..=255u8).cycle().take(512).collect();
        skewed[2] = 0;
        skewed[3] = 1;
        // Values 0 and 1 now have 3 each, 2 and 3 have 1 each: 4 * 1/2.
        assert_eq!(chi_square(&ByteCounts::of(&skewed)), Some(2.0));
        assert_eq!(chi_square(&ByteCounts::default()), None);
    }

    #[test]
    fn chi_square_critical_value_matches_wilson_hilferty() {
        let k = 255.0f64;
        let z = 3.090_232; // standard normal 0.999 quantile
        let h = 2.0 / (9.0 * k);
        let approx = k * (1.0 - h + z * h.sqrt()).powi(3);
        assert!(
            (approx - CHI_SQUARE_CRITICAL_255_0999).abs() < 0.05,
            "{approx}"
        );
    }

    #[test]
    fn gaps_fall_in_log_bins() {
        let bins = gap_histogram(&[0, 0, 1, 3, 10, 5000, 5000]);
        // Gaps 0, 1, 2, 7, 4990, 0.
        assert_eq!(bins[0], 2);
        assert_eq!(bins[1], 1);
        assert_eq!(bins[2], 1);
        assert_eq!(bins[3], 1);
        assert_eq!(bins[13], 1);
        assert_eq!(bins.iter().sum::<u64>(), 6);
        assert_eq!(gap_bin_labels().len(), bins.len());
        assert_eq!(gap_bin_labels()[2], "2-3");
        assert_eq!(gap_histogram(&[5]), vec![0; 14]);
    }

    #[test]
    fn histogram_counts_values() {
        let map = histogram([256, 512, 256]);
        assert_eq!(map.into_iter().collect::<Vec<_>>(), [(256, 2), (512, 1)]);
    }

    #[test]
    fn gfw_rule_blocks_random_looking_bytes_only() {
        // Every byte value once, shuffled (157 is odd, so i * 157 mod 256
        // is a permutation): popcount 4.0, printable bytes scattered.
        let all: Vec<u8> = (0..=255u8).map(|i| i.wrapping_mul(157)).collect();
        let verdict = GfwVerdict::of(&all);
        assert_eq!(verdict.popcount_per_byte, 4.0);
        assert!(!verdict.popcount_exempt);
        assert!(verdict.blocked());
        // Low entropy passes on popcount.
        assert!(!GfwVerdict::of(&[0u8; 64]).blocked());
        // A TLS ClientHello record header passes.
        let mut tls = all.clone();
        tls[..3].copy_from_slice(&[0x16, 0x03, 0x01]);
        assert!(GfwVerdict::of(&tls).looks_like_tls_or_http);
        // Printable text passes.
        assert!(GfwVerdict::of(b"hello world, this is text").first_six_printable);
    }
}
