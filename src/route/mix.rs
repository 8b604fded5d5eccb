//! Small deterministic arithmetic shared by the strategies: a 64-bit mixer
//! and a natural logarithm built only from IEEE-754 basic operations.
//!
//! `f64::ln` calls the platform's math library, which is not required to be
//! correctly rounded and does differ between platforms in the last bit. A
//! routing decision that depends on a score must be the same everywhere, so
//! the logarithm here uses only `+ - * /` (exactly rounded on every IEEE-754
//! platform; Rust never fuses them into FMA) and bit manipulation.

// The logarithm's constants keep their published decimal expansions (more
// digits than a double holds); the compiler rounds each to the nearest double.
#![allow(clippy::excessive_precision)]

use crate::hash::finalize64;

/// Mixes a key hash with a node seed into a uniformly distributed draw: the
/// SplitMix64 finalizer over `key ^ seed`, so the draws of one key on
/// different nodes behave as independent uniform values.
#[inline]
pub(crate) fn mix64(key_hash: u64, seed: u64) -> u64 {
    finalize64(key_hash ^ seed)
}

/// Maps the top 52 bits of `x` to `(2k + 1) / 2^53`: a uniform value strictly
/// inside (0, 1), with `1 - u` exact.
#[inline]
pub(crate) fn unit_open(x: u64) -> f64 {
    const TWO_POW_MINUS_53: f64 = 1.0 / (1u64 << 53) as f64;
    // Below 2^53, so the value fits an i64 and converts exactly (and the
    // signed conversion is a single instruction on x86-64).
    (((x >> 12) << 1) | 1) as i64 as f64 * TWO_POW_MINUS_53
}

/// ln(2) split so that `e * LN2_HI` is exact for |e| < 2^11.
const LN2_HI: f64 = 6.931_471_803_691_238_164_90e-1;
const LN2_LO: f64 = 1.908_214_929_270_587_700_02e-10;
/// Minimax coefficients of (ln(1+f) - 2s)/s - ... in z = s², s = f/(2+f)
/// (the classic fdlibm set), accurate to < 1 ulp over |s| < 0.1716.
const LG1: f64 = 6.666_666_666_666_735_130e-1;
const LG2: f64 = 3.999_999_999_940_941_908e-1;
const LG3: f64 = 2.857_142_874_366_239_149e-1;
const LG4: f64 = 2.222_219_843_214_978_396e-1;
const LG5: f64 = 1.818_357_216_161_805_012e-1;
const LG6: f64 = 1.531_383_769_920_937_332e-1;
const LG7: f64 = 1.479_819_860_511_658_591e-1;

/// Natural logarithm of a positive, normal, finite `x`, within about one ulp,
/// bit-identical on every IEEE-754 platform.
///
/// Reduction: `x = 2^e · m` with `m` in [√½, √2), so `f = m - 1` is small and
/// exact; then `ln(1+f) = 2·atanh(s)` with `s = f / (2 + f)`, whose odd series
/// `2s + 2s³/3 + …` is replaced by a degree-14 minimax polynomial in `s`.
pub(crate) fn ln(x: f64) -> f64 {
    debug_assert!(x.is_normal() && x > 0.0, "ln domain: {x}");
    let bits = x.to_bits();
    let mut exponent = ((bits >> 52) & 0x7ff) as i64 - 1023;
    let mut mantissa = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
    if mantissa > std::f64::consts::SQRT_2 {
        mantissa *= 0.5;
        exponent += 1;
    }
    let f = mantissa - 1.0;
    let s = f / (2.0 + f);
    let z = s * s;
    let w = z * z;
    let odd = w * (LG2 + w * (LG4 + w * LG6));
    let even = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
    let r = odd + even;
    let half_f_squared = 0.5 * f * f;
    let e = exponent as f64;
    e * LN2_HI - ((half_f_squared - (s * (half_f_squared + r) + e * LN2_LO)) - f)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ulps(a: f64, b: f64) -> u64 {
        (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs()
    }

    #[test]
    fn ln_matches_the_platform_within_one_ulp() {
        // A deterministic sweep over (0, 1) and beyond, on a log scale and
        // near 1 where cancellation is worst.
        let mut x = 1.0e-300_f64;
        while x < 1.0e300 {
            assert!(ulps(ln(x), x.ln()) <= 1, "x = {x:e}: {} vs {}", ln(x), x.ln());
            x *= 1.001_3;
        }
        let mut state = 0x1234_5678_9abc_def0_u64;
        for _ in 0..200_000 {
            state = mix64(state, 0x9e37_79b9_7f4a_7c15);
            let u = unit_open(state);
            assert!(ulps(ln(u), u.ln()) <= 1, "u = {u:e}");
            let near_one = 1.0 - u * 1e-9;
            assert!(ulps(ln(near_one), near_one.ln()) <= 1, "x = {near_one:e}");
        }
        assert_eq!(ln(1.0), 0.0);
    }

    #[test]
    fn ln_golden_bits() {
        // Pinned bit patterns of *this* function: a change here changes
        // placements. ln(0.1) is one ulp from the correctly rounded ...5516.
        assert_eq!(ln(0.5).to_bits(), (-std::f64::consts::LN_2).to_bits());
        assert_eq!(ln(0.25).to_bits(), 0xbff6_2e42_fefa_39ef);
        assert_eq!(ln(0.1).to_bits(), 0xc002_6bb1_bbb5_5515);
        assert_eq!(ln(1.0 - 1.0 / (1u64 << 53) as f64).to_bits(), 0xbca0_0000_0000_0000);
    }

    #[test]
    fn unit_open_stays_inside_the_interval() {
        assert!(unit_open(0) > 0.0);
        assert!(unit_open(u64::MAX) < 1.0);
        assert_eq!(1.0 - unit_open(u64::MAX), 1.0 / (1u64 << 53) as f64);
    }

    #[test]
    fn mix64_is_not_the_identity_and_spreads_low_bits() {
        assert_ne!(mix64(1, 0), 1);
        let a = mix64(1, 0);
        let b = mix64(2, 0);
        assert!((a ^ b).count_ones() > 16);
    }
}
