//! The wire bytes of fresh ephemerals against the distinguishers a censor
//! can run on one handshake's first 32 bytes. Elligator2 representatives
//! must look uniform to each; raw X25519 keys, or representatives made
//! without the measure in question, must fail, which shows that each test
//! can tell.
//!
//! Samples come from a seeded RNG, so the outcome is fixed; the bounds sit
//! about five standard deviations out, so a sound encoding passes with
//! room to spare and a flawed one fails by far.

use alloc::vec::Vec;

use curve25519_elligator2::{
    EdwardsPoint, MapToPointVariant, MontgomeryPoint, Randomized, RFC9380,
};
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use x25519_dalek::StaticSecret;

use super::{Ephemeral, EphemeralEncoding, RawX25519};
use crate::noise::DH_LEN;

mod field;

/// Keys per sample.
const N: usize = 2_000;

/// Keys per sample for the subgroup test, whose multiplication by the group
/// order is slow in a debug build.
const N_SUBGROUP: usize = N / 5;

/// χ² with 255 degrees of freedom (256 byte values) exceeds this with
/// probability about 1e-6 (mean 255, standard deviation 22.6).
const CHI_SQUARE_BOUND: f64 = 380.0;

fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

/// What the `elligator2` feature puts on the wire: `n` ephemerals.
fn elligator2_wires(n: usize) -> Vec<[u8; DH_LEN]> {
    let mut rng = rng(1);
    (0..n)
        .map(|_| Ephemeral::generate(&mut rng).wire_bytes())
        .collect()
}

/// What plain Noise puts on the wire.
fn raw_wires() -> Vec<[u8; DH_LEN]> {
    let mut rng = rng(2);
    (0..N)
        .map(|_| RawX25519::encode(&StaticSecret::random_from_rng(&mut rng)).expect("total"))
        .collect()
}

/// Whether `hits` out of `n` trials fit a success rate of `p`: within five
/// standard deviations of the mean.
fn fits_rate(hits: usize, n: usize, p: f64) -> bool {
    let n = n as f64;
    let deviation = (hits as f64 - n * p).abs();
    deviation <= 5.0 * (n * p * (1.0 - p)).sqrt()
}

fn bit_set(wire: &[u8; DH_LEN], bit: usize) -> bool {
    wire[bit / 8] >> (bit % 8) & 1 == 1
}

/// Pearson's χ² of `bytes` against the uniform distribution on 0..=255.
fn chi_square(bytes: impl Iterator<Item = u8>) -> f64 {
    let mut counts = [0u64; 256];
    let mut total = 0u64;
    for byte in bytes {
        counts[usize::from(byte)] += 1;
        total += 1;
    }
    let expected = total as f64 / 256.0;
    counts
        .iter()
        .map(|&count| (count as f64 - expected).powi(2) / expected)
        .sum()
}

/// The Legendre-symbol test: is `u³ + 486662·u² + u` a square, that is, is
/// `u` (bit 255 ignored, as X25519 does) on the curve rather than its
/// twist? Decompression to Edwards form succeeds exactly then.
fn on_curve(wire: &[u8; DH_LEN]) -> bool {
    MontgomeryPoint(*wire).to_edwards(0).is_some()
}

/// Which of the Elligator2 map's two branches `wire` takes: whether
/// `d = -A / (1 + 2r²)` is on the curve (the point is then `d`, else
/// `-d - A`). A random string takes each half the time.
fn takes_first_branch(wire: &[u8; DH_LEN]) -> bool {
    let mut representative = *wire;
    representative[DH_LEN - 1] &= 0x3f;
    let r = field::from_bytes(&representative);
    let r_squared = field::mul(&r, &r);
    let denominator = field::add(&[1, 0, 0, 0], &field::add(&r_squared, &r_squared));
    let d = field::neg(&field::mul(&field::A, &field::invert(&denominator)));
    field::is_square(&field::curve_rhs(&d))
}

/// Whether the point a representative maps to lies in the prime-order
/// subgroup, as every `k·B` does.
fn decodes_torsion_free(wire: &[u8; DH_LEN]) -> bool {
    EdwardsPoint::from_representative::<Randomized>(wire)
        .expect("total")
        .is_torsion_free()
}

#[test]
fn every_bit_is_a_fair_coin_only_for_representatives() {
    let wires = elligator2_wires(N);
    for bit in 0..DH_LEN * 8 {
        let hits = wires.iter().filter(|wire| bit_set(wire, bit)).count();
        assert!(fits_rate(hits, N, 0.5), "bit {bit} set {hits} times of {N}");
    }
    // A raw key's bit 255 is always clear: one glance tells it apart.
    let raw = raw_wires();
    assert!(raw.iter().all(|wire| !bit_set(wire, 255)));
}

#[test]
fn byte_values_pass_chi_square_only_for_representatives() {
    let wires = elligator2_wires(N);
    let all = chi_square(wires.iter().flatten().copied());
    assert!(all < CHI_SQUARE_BOUND, "all bytes: χ² = {all}");
    for position in 0..DH_LEN {
        let chi = chi_square(wires.iter().map(|wire| wire[position]));
        assert!(chi < CHI_SQUARE_BOUND, "byte {position}: χ² = {chi}");
    }
    let raw = raw_wires();
    let last = chi_square(raw.iter().map(|wire| wire[DH_LEN - 1]));
    assert!(last > CHI_SQUARE_BOUND, "raw last byte: χ² = {last}");
}

#[test]
fn legendre_symbol_is_a_coin_only_for_representatives() {
    let wires = elligator2_wires(N);
    let hits = wires.iter().filter(|wire| on_curve(wire)).count();
    assert!(fits_rate(hits, N, 0.5), "{hits} of {N} on the curve");
    // Every raw key is on the curve; half of all random strings are not.
    assert!(raw_wires().iter().all(on_curve));
}

#[test]
fn representatives_map_to_the_whole_curve_not_just_the_subgroup() {
    // Random strings map into the prime-order subgroup 1 time in 8; the
    // dirty keys of `Randomized` do the same.
    let wires = elligator2_wires(N_SUBGROUP);
    let hits = wires
        .iter()
        .filter(|wire| decodes_torsion_free(wire))
        .count();
    assert!(
        fits_rate(hits, N_SUBGROUP, 1.0 / 8.0),
        "{hits} of {N_SUBGROUP} torsion-free"
    );

    // RFC 9380's variant encodes the clean key: always torsion-free, the
    // distinguisher that rules it out.
    let mut rng = rng(3);
    let mut clean = 0;
    while clean < N_SUBGROUP / 4 {
        let mut secret = [0u8; DH_LEN];
        rng.fill_bytes(&mut secret);
        let tweak = rng.next_u32() as u8;
        let representative: Option<[u8; DH_LEN]> =
            RFC9380::to_representative(&secret, tweak).into();
        if let Some(wire) = representative {
            assert!(decodes_torsion_free(&wire));
            clean += 1;
        }
    }
}

#[test]
fn the_maps_branch_is_a_coin_only_with_a_random_root() {
    let wires = elligator2_wires(N);
    let hits = wires.iter().filter(|wire| takes_first_branch(wire)).count();
    assert!(fits_rate(hits, N, 0.5), "{hits} of {N} on the first branch");
    // The test's own field arithmetic agrees with the crate's.
    for wire in &wires {
        let rhs = field::curve_rhs(&field::from_bytes(wire));
        assert_eq!(field::is_square(&rhs), on_curve(wire));
    }

    // Each point has two representatives, one per branch; a tweak whose
    // bit 0 is fixed always picks the same one.
    let mut rng = rng(4);
    let mut fixed = Vec::new();
    while fixed.len() < N / 10 {
        let mut secret = [0u8; DH_LEN];
        rng.fill_bytes(&mut secret);
        let tweak = rng.next_u32() as u8 & 0xfe;
        let representative: Option<[u8; DH_LEN]> =
            Randomized::to_representative(&secret, tweak).into();
        fixed.extend(representative);
    }
    let first = fixed.iter().filter(|wire| takes_first_branch(wire)).count();
    assert!(
        first == 0 || first == fixed.len(),
        "{first} of {}",
        fixed.len()
    );
}
