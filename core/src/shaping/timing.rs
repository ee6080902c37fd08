//! Random delays, in whole milliseconds, with integer arithmetic only
//! (`no_std` has no logarithm).

use rand_core::RngCore;

use super::padding::uniform;
use crate::time::Duration;

/// A delay drawn uniformly from `0..=max`.
pub(crate) fn jitter<R: RngCore + ?Sized>(rng: &mut R, max: Duration) -> Duration {
    Duration::from_millis(uniform(rng, 0, max.as_millis() as usize) as u64)
}

/// A delay drawn uniformly from half to one and a half times `interval`.
pub(crate) fn around<R: RngCore + ?Sized>(rng: &mut R, interval: Duration) -> Duration {
    let ms = interval.as_millis() as usize;
    Duration::from_millis(uniform(rng, ms / 2, ms + ms / 2) as u64)
}

/// Cap of an exponential draw, in means: keeps a Poisson process from
/// going silent for long on an unlucky draw.
const EXPONENTIAL_CAP: u64 = 16;

/// A delay drawn from the exponential distribution with mean `mean` (the
/// gaps of a Poisson process), capped at 16 means.
pub(crate) fn exponential<R: RngCore + ?Sized>(rng: &mut R, mean: Duration) -> Duration {
    // -ln(U) for U uniform in (0, 1]: U = x / 2^64, so
    // -ln(U) = (64 - log2(x)) * ln(2).
    let x = rng.next_u64().max(1);
    let neg_log2 = (64u64 << 16) - log2_q16(x);
    // ln(2) in 1/65536ths.
    let ln2_q16: u64 = 45_426;
    let scaled = (u128::from(mean.as_millis()) * u128::from(neg_log2) * u128::from(ln2_q16)) >> 32;
    let cap = mean.as_millis().saturating_mul(EXPONENTIAL_CAP);
    Duration::from_millis(u64::try_from(scaled).unwrap_or(u64::MAX).min(cap))
}

/// log2(x) in 1/65536ths, for x >= 1: the integer part from the leading
/// zeros, the fraction by repeated squaring of the mantissa.
fn log2_q16(x: u64) -> u64 {
    let int = 63 - u64::from(x.leading_zeros());
    // Mantissa in [1, 2) as a Q63 fixed-point number.
    let mut m = (u128::from(x) << 63) >> int;
    let mut frac = 0u64;
    for bit in (0..16).rev() {
        m = (m * m) >> 63;
        if m >= 1u128 << 64 {
            m >>= 1;
            frac |= 1 << bit;
        }
    }
    (int << 16) | frac
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::rand_core::SeedableRng;

    #[test]
    fn log2_matches_known_values() {
        assert_eq!(log2_q16(1), 0);
        assert_eq!(log2_q16(2), 1 << 16);
        assert_eq!(log2_q16(1 << 40), 40 << 16);
        // log2(3) = 1.58496..., in 1/65536ths 103872.
        assert!(log2_q16(3).abs_diff(103_872) <= 1);
        assert!(log2_q16(u64::MAX).abs_diff(64 << 16) <= 1);
    }

    #[test]
    fn exponential_has_its_mean() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(9);
        let mean = Duration::from_millis(1000);
        let n = 20_000u64;
        let total: u64 = (0..n)
            .map(|_| exponential(&mut rng, mean).as_millis())
            .sum();
        // The cap at 16 means removes e^-16 of the mass: negligible. The
        // standard error of the mean over 20,000 draws is 7 ms.
        let average = total / n;
        assert!((970..=1030).contains(&average), "average {average}");
    }

    #[test]
    fn uniform_delays_stay_in_range() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
        for _ in 0..1000 {
            assert!(jitter(&mut rng, Duration::from_millis(20)) <= Duration::from_millis(20));
            let d = around(&mut rng, Duration::from_millis(100));
            assert!((50..=150).contains(&d.as_millis()));
        }
        assert_eq!(jitter(&mut rng, Duration::ZERO), Duration::ZERO);
    }
}
