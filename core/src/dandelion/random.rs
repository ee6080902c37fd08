//! The few random draws Dandelion++ needs, from a `rand_core` generator and
//! nothing else: uniform indices, biased coins and exponential delays.
//!
//! `core` has no `f64::ln`, so the exponential draw brings its own logarithm
//! (an `atanh` series, exact to a few ulps); only `+ - * /` on `f64` are
//! used, which IEEE 754 makes identical on every platform, so a seed gives
//! the same delays everywhere.

use rand_core::RngCore;

use crate::time::Duration;

/// A uniformly random value in `0..n` (rejection sampling, no modulo bias);
/// `0` when `n` is `0`.
pub(crate) fn below<R: RngCore + ?Sized>(rng: &mut R, n: u64) -> u64 {
    if n <= 1 {
        return 0;
    }
    // Largest multiple of `n` that fits, minus one: values above it would
    // favour small remainders.
    let zone = u64::MAX - (u64::MAX % n) - 1;
    loop {
        let value = rng.next_u64();
        if value <= zone {
            return value % n;
        }
    }
}

/// A uniformly random index into a slice of `len` elements (`len > 0`).
pub(crate) fn index<R: RngCore + ?Sized>(rng: &mut R, len: usize) -> usize {
    // `usize` fits in `u64` on every supported target, and the result is
    // below `len`.
    below(rng, len as u64) as usize
}

/// `true` with probability `permille / 1000` (certain from 1000 on).
pub(crate) fn chance<R: RngCore + ?Sized>(rng: &mut R, permille: u16) -> bool {
    below(rng, 1000) < u64::from(permille)
}

/// A uniformly random span in `0..=max`.
pub(crate) fn jitter<R: RngCore + ?Sized>(rng: &mut R, max: Duration) -> Duration {
    Duration::from_millis(below(rng, max.as_millis().saturating_add(1)))
}

/// An exponentially distributed span with the given mean, in whole
/// milliseconds (inverse transform: `-mean * ln(U)` with `U` in `(0, 1]`).
///
/// `U` has 53 random bits, so the longest possible draw is
/// `53 ln 2 ≈ 36.7` means: bounded, as a deadline must be.
pub(crate) fn exponential<R: RngCore + ?Sized>(rng: &mut R, mean: Duration) -> Duration {
    if mean == Duration::ZERO {
        return Duration::ZERO;
    }
    // k / 2^53 for k in 1..=2^53: never zero, so the logarithm is finite.
    let unit = ((rng.next_u64() >> 11) + 1) as f64 / (1u64 << 53) as f64;
    let millis = -ln(unit) * mean.as_millis() as f64;
    // Float-to-int casts saturate; the value is finite and non-negative.
    Duration::from_millis(millis as u64)
}

/// Natural logarithm of a positive, normal `x`.
///
/// Splits `x = m · 2^e` with `m` in `[1, 2)`, then
/// `ln m = 2 atanh(z) = 2 (z + z³/3 + z⁵/5 + …)` with `z = (m-1)/(m+1)`,
/// at most 1/3, so 20 terms are far below `f64` precision.
pub(crate) fn ln(x: f64) -> f64 {
    const LN_2: f64 = core::f64::consts::LN_2;
    let bits = x.to_bits();
    let exponent = ((bits >> 52) & 0x7ff) as i64 - 1023;
    let mantissa = f64::from_bits((bits & ((1u64 << 52) - 1)) | (1023u64 << 52));
    let z = (mantissa - 1.0) / (mantissa + 1.0);
    let z2 = z * z;
    let mut term = z;
    let mut sum = 0.0;
    for k in 0..20 {
        sum += term / f64::from(2 * k + 1);
        term *= z2;
    }
    exponent as f64 * LN_2 + 2.0 * sum
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::rand_core::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    #[test]
    fn ln_matches_known_values() {
        let cases = [
            (1.0, 0.0),
            (0.5, -core::f64::consts::LN_2),
            (core::f64::consts::E, 1.0),
            (0.1, -core::f64::consts::LN_10),
            (1.0 / (1u64 << 53) as f64, -36.736_800_569_677_1),
            (1.999_999, 0.693_146_680_560_254_8),
        ];
        for (x, expected) in cases {
            let got = ln(x);
            assert!(
                (got - expected).abs() < 1e-12,
                "ln({x}) = {got}, not {expected}"
            );
        }
    }

    #[test]
    fn below_covers_its_range_and_nothing_else() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let mut seen = [0u32; 7];
        for _ in 0..7_000 {
            seen[below(&mut rng, 7) as usize] += 1;
        }
        assert!(seen.iter().all(|&n| (800..1200).contains(&n)), "{seen:?}");
        assert_eq!(below(&mut rng, 0), 0);
        assert_eq!(below(&mut rng, 1), 0);
    }

    #[test]
    fn chance_is_exact_at_the_ends_and_fair_between() {
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        assert!((0..1000).all(|_| !chance(&mut rng, 0)));
        assert!((0..1000).all(|_| chance(&mut rng, 1000)));
        let hits = (0..100_000).filter(|_| chance(&mut rng, 100)).count();
        // Binomial(100 000, 0.1): sd ≈ 95, so ±600 is over six sd.
        assert!((9_400..10_600).contains(&hits), "{hits}");
    }

    #[test]
    fn exponential_has_the_requested_mean_and_tail() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let mean = Duration::from_secs(20);
        let n = 20_000u64;
        let draws: alloc::vec::Vec<u64> = (0..n)
            .map(|_| exponential(&mut rng, mean).as_millis())
            .collect();
        let avg = draws.iter().sum::<u64>() / n;
        // The sd of the mean is 20 s / sqrt(20 000) ≈ 141 ms: ±700 ms is
        // about five sd.
        assert!((19_300..20_700).contains(&avg), "{avg}");
        // P(X > 2 mean) = e^-2 ≈ 0.135.
        let tail = draws.iter().filter(|&&d| d > 40_000).count() as f64 / n as f64;
        assert!((0.12..0.15).contains(&tail), "{tail}");
        assert_eq!(exponential(&mut rng, Duration::ZERO), Duration::ZERO);
    }

    #[test]
    fn jitter_stays_within_its_bound() {
        let mut rng = ChaCha20Rng::seed_from_u64(4);
        let max = Duration::from_millis(30);
        assert!((0..1000).all(|_| jitter(&mut rng, max) <= max));
        assert_eq!(jitter(&mut rng, Duration::ZERO), Duration::ZERO);
    }
}
