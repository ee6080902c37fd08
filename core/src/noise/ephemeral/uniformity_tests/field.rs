//! Just enough arithmetic modulo p = 2^255 - 19 for the tests' Legendre
//! symbols (the crate keeps its own field private). Slow and simple:
//! little-endian 64-bit limbs, every result fully reduced.

/// A field element, always below p.
pub(super) type Fe = [u64; 4];

const P: Fe = [
    0xffff_ffff_ffff_ffed,
    u64::MAX,
    u64::MAX,
    0x7fff_ffff_ffff_ffff,
];

/// Curve25519's Montgomery coefficient A.
pub(super) const A: Fe = [486_662, 0, 0, 0];

/// The integer below 2^255 in `bytes` (bit 255 ignored), reduced.
pub(super) fn from_bytes(bytes: &[u8; 32]) -> Fe {
    let mut limbs = [0u64; 4];
    for (limb, chunk) in limbs.iter_mut().zip(bytes.chunks_exact(8)) {
        *limb = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
    }
    limbs[3] &= 0x7fff_ffff_ffff_ffff;
    reduce(limbs, 0)
}

/// `value + carry·2^256` reduced below p, for a small `carry`.
fn reduce(mut value: Fe, mut carry: u128) -> Fe {
    // 2^256 = 38 (mod p): fold the carry in until none is left.
    while carry != 0 {
        let mut fold = carry * 38;
        for limb in &mut value {
            let sum = u128::from(*limb) + fold;
            *limb = sum as u64;
            fold = sum >> 64;
        }
        carry = fold;
    }
    while !less_than_p(&value) {
        let mut borrow = false;
        for (limb, p) in value.iter_mut().zip(P) {
            let (diff, b1) = limb.overflowing_sub(p);
            let (diff, b2) = diff.overflowing_sub(u64::from(borrow));
            *limb = diff;
            borrow = b1 || b2;
        }
    }
    value
}

fn less_than_p(value: &Fe) -> bool {
    value.iter().rev().lt(P.iter().rev())
}

pub(super) fn add(a: &Fe, b: &Fe) -> Fe {
    let mut sum = [0u64; 4];
    let mut carry = 0u128;
    for i in 0..4 {
        let s = u128::from(a[i]) + u128::from(b[i]) + carry;
        sum[i] = s as u64;
        carry = s >> 64;
    }
    reduce(sum, carry)
}

pub(super) fn neg(a: &Fe) -> Fe {
    let mut diff = [0u64; 4];
    let mut borrow = false;
    for i in 0..4 {
        let (d, b1) = P[i].overflowing_sub(a[i]);
        let (d, b2) = d.overflowing_sub(u64::from(borrow));
        diff[i] = d;
        borrow = b1 || b2;
    }
    reduce(diff, 0)
}

pub(super) fn mul(a: &Fe, b: &Fe) -> Fe {
    let mut wide = [0u64; 8];
    for i in 0..4 {
        let mut carry = 0u128;
        for j in 0..4 {
            let t = u128::from(wide[i + j]) + u128::from(a[i]) * u128::from(b[j]) + carry;
            wide[i + j] = t as u64;
            carry = t >> 64;
        }
        wide[i + 4] = carry as u64;
    }
    let mut low = [0u64; 4];
    let mut carry = 0u128;
    for i in 0..4 {
        let t = u128::from(wide[i]) + 38 * u128::from(wide[i + 4]) + carry;
        low[i] = t as u64;
        carry = t >> 64;
    }
    reduce(low, carry)
}

fn pow(base: &Fe, exponent: &Fe) -> Fe {
    let mut result = [1, 0, 0, 0];
    for bit in (0..256).rev() {
        result = mul(&result, &result);
        if exponent[bit / 64] >> (bit % 64) & 1 == 1 {
            result = mul(&result, base);
        }
    }
    result
}

/// `1 / a` (Fermat: `a^(p-2)`); 0 for 0.
pub(super) fn invert(a: &Fe) -> Fe {
    let mut exponent = P;
    exponent[0] -= 2;
    pow(a, &exponent)
}

/// Whether `a` is a square, 0 included (Euler: `a^((p-1)/2)` is 0 or 1).
pub(super) fn is_square(a: &Fe) -> bool {
    let exponent = [
        0xffff_ffff_ffff_fff6,
        u64::MAX,
        u64::MAX,
        0x3fff_ffff_ffff_ffff,
    ];
    matches!(pow(a, &exponent), [0 | 1, 0, 0, 0])
}

/// `u³ + A·u² + u`: a square exactly when `u` is on the curve.
pub(super) fn curve_rhs(u: &Fe) -> Fe {
    let inner = add(&mul(u, &add(u, &A)), &[1, 0, 0, 0]);
    mul(u, &inner)
}

#[test]
fn arithmetic_agrees_with_small_numbers() {
    let minus_one = neg(&[1, 0, 0, 0]);
    assert_eq!(add(&minus_one, &[1, 0, 0, 0]), [0; 4]);
    assert_eq!(mul(&minus_one, &minus_one), [1, 0, 0, 0]);
    assert_eq!(mul(&[1 << 63, 0, 0, 0], &[4, 0, 0, 0]), [0, 2, 0, 0]);
    // 2^256 = 38.
    assert_eq!(mul(&[0, 0, 0, 1 << 63], &[2, 0, 0, 0]), [38, 0, 0, 0]);
    let seven = [7, 0, 0, 0];
    assert_eq!(mul(&seven, &invert(&seven)), [1, 0, 0, 0]);
    // p = 5 (mod 8): -1 is a square, 2 is not.
    assert!(is_square(&minus_one) && is_square(&[4, 0, 0, 0]));
    assert!(!is_square(&[2, 0, 0, 0]));
}
