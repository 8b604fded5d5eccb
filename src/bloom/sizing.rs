//! Sizing and false-positive models of the filters, and the checks on their
//! parameters.

use super::BuildError;

/// The most bits a filter may have: what `bitvec` can index on this platform
/// (`usize::MAX >> 3`), rounded down to a whole number of words and blocks.
pub(super) const MAX_BITS: u64 = ((usize::MAX >> 3) as u64) & !(BLOCK_BITS - 1);

/// The most hash functions per key of the standard filter. A target rate
/// needs about `log2(1 / fpr)`; 64 reaches below 1e-19.
pub(super) const MAX_HASHES: u32 = 64;

/// The most bits per lane of a blocked filter (so at most 32 hash functions).
pub(super) const MAX_BITS_PER_LANE: u32 = 4;

/// Bits in a block of the blocked filter: eight 32-bit lanes.
pub(super) const BLOCK_BITS: u64 = 256;

/// Refuses rates outside (0, 1), NaN included.
fn check_fpr(fpr: f64) -> Result<(), BuildError> {
    if fpr > 0.0 && fpr < 1.0 { Ok(()) } else { Err(BuildError::InvalidFpr { fpr }) }
}

/// Refuses zero expected items.
fn check_items(items: u64) -> Result<(), BuildError> {
    if items == 0 { Err(BuildError::ZeroItems) } else { Ok(()) }
}

/// Rounds `bits` up to a multiple of `multiple` (a power of two), refusing 0
/// and anything above [`MAX_BITS`].
pub(super) fn round_bits(bits: u64, multiple: u64) -> Result<u64, BuildError> {
    if bits == 0 {
        return Err(BuildError::ZeroBits);
    }
    if bits > MAX_BITS {
        return Err(BuildError::TooLarge { bits: u128::from(bits), max: MAX_BITS });
    }
    Ok((bits + multiple - 1) & !(multiple - 1))
}

/// The smallest standard filter (bits, hashes) whose model rate at `items`
/// inserts is at most `fpr`; bits are a multiple of 64.
///
/// The model: after `n` inserts of distinct keys into `m` bits with `k`
/// positions each, a given bit is still zero with probability
/// `(1 - 1/m)^(kn) ≈ e^(-kn/m)`, and an absent key is a false positive when
/// all its `k` bits are set:
///
/// ```text
/// p(m, k, n) = (1 - e^(-kn/m))^k
/// ```
///
/// For a fixed `m/n` this is smallest at `k = (m/n) ln 2`, where each bit is
/// set with probability 1/2 and `p = 2^-k`, so the optimum is
/// `k* = log2(1/p)` and `m* = n log2(1/p) / ln 2 = -n ln p / (ln 2)^2`
/// (about 9.59 bits per key at 1%).
///
/// `k` must be an integer, and rounding `k*` while keeping `m*` would miss the
/// target (the error some crates make). So for each integer `k` next to `k*`
/// we solve the model for the exact `m` that reaches `p`:
///
/// ```text
/// (1 - e^(-kn/m))^k = p   ⇔   m = -k n / ln(1 - p^(1/k))
/// ```
///
/// and keep the `k` needing fewer bits, then round `m` up to whole words;
/// both steps only lower the rate.
pub(super) fn standard_size(items: u64, fpr: f64) -> Result<(u64, u32), BuildError> {
    check_items(items)?;
    check_fpr(fpr)?;
    let n = items as f64;
    let ideal = (1.0 / fpr).log2();
    let floor = (ideal.floor() as u32).clamp(1, MAX_HASHES);
    let ceil = (ideal.ceil() as u32).clamp(1, MAX_HASHES);
    let bits_for = |k: u32| {
        let k = f64::from(k);
        // ln(1 - p^(1/k)) computed without cancellation.
        -k * n / (-(fpr.ln() / k).exp()).ln_1p()
    };
    let (bits, hashes) = [floor, ceil]
        .into_iter()
        .map(|k| (bits_for(k), k))
        .fold((f64::INFINITY, 1), |best, c| if c.0 < best.0 { c } else { best });
    Ok((round_bits(bits_from_f64(bits.ceil())?, 64)?, hashes))
}

/// The standard filter's model rate after `items` distinct inserts (see
/// [`standard_size`]), using the exact `(1 - 1/m)^(kn)` for a zero bit.
pub(super) fn standard_fpr(bits: u64, hashes: u32, items: u64) -> f64 {
    let zero = (f64::from(hashes) * items as f64 * (-1.0 / bits as f64).ln_1p()).exp();
    (1.0 - zero).powi(hashes as i32)
}

/// The smallest blocked filter (blocks, bits per lane) whose model rate at
/// `items` inserts is at most `fpr`.
///
/// Searches each bits-per-lane setting from 1 to [`MAX_BITS_PER_LANE`] for
/// the fewest blocks that reach the target ([`blocked_fpr`] falls as blocks
/// are added), and keeps the setting needing the fewest.
pub(super) fn blocked_size(items: u64, fpr: f64) -> Result<(u64, u32), BuildError> {
    check_items(items)?;
    check_fpr(fpr)?;
    let max_blocks = MAX_BITS / BLOCK_BITS;
    let mut best: Option<(u64, u32)> = None;
    for per_lane in 1..=MAX_BITS_PER_LANE {
        // Grow an upper bound, then bisect down to the fewest blocks.
        // Never above `max_blocks`, however many items: the bound must stay
        // a size a filter can have.
        let mut high = items.div_ceil(BLOCK_BITS).clamp(1, max_blocks);
        while blocked_fpr(high, per_lane, items) > fpr {
            if high >= max_blocks {
                high = u64::MAX;
                break;
            }
            high = high.saturating_mul(2).min(max_blocks);
        }
        if high == u64::MAX {
            continue;
        }
        let mut low = 0; // fpr(low) > target, or low == 0
        while high - low > 1 {
            let mid = low + (high - low) / 2;
            if blocked_fpr(mid, per_lane, items) > fpr {
                low = mid;
            } else {
                high = mid;
            }
        }
        if best.is_none_or(|(blocks, _)| high < blocks) {
            best = Some((high, per_lane));
        }
    }
    best.ok_or(BuildError::TooLarge {
        bits: u128::from(max_blocks) * u128::from(BLOCK_BITS) + 1,
        max: MAX_BITS,
    })
}

/// Bits in a lane of a blocked filter's block.
const LANE_BITS: u32 = 32;

/// The blocked filter's model rate after `items` distinct inserts into
/// `blocks` blocks with `per_lane` bits set in each of a block's 8 lanes.
///
/// A block receives a Poisson(λ = n / blocks) number of keys `j`. Each key
/// draws `per_lane = b` uniform positions in each of the block's eight
/// 32-bit lanes (two draws may coincide), so a lane has seen `m = b·j`
/// draws. An absent key's `b` draws in a lane cover `d` distinct positions
/// with probability `P_b(d)` ([`distinct_positions`]), and `d` given
/// positions are all set after `m` draws with probability
/// `Σ_i (-1)^i C(d, i) (1 - i/32)^m` (inclusion–exclusion over the positions
/// never drawn). The lanes of a block are filled independently, so
///
/// ```text
/// p = Σ_j Poisson(j; λ) · q_j^8,   q_j = Σ_d P_b(d) Σ_i (-1)^i C(d, i) (1 - i/32)^(b·j)
/// ```
///
/// which for `b = 1` is `Σ_j Poisson(j; λ) · (1 - (1 - 1/32)^j)^8`. This is
/// exact for ideal hashing; the sum runs over `j ≤ λ + 12√λ + 40`, beyond
/// which the Poisson tail is below 1e-25, and past λ = 2000 keys per block
/// every bit is set and the rate is taken as 1.
pub(super) fn blocked_fpr(blocks: u64, per_lane: u32, items: u64) -> f64 {
    if blocks == 0 {
        return 1.0;
    }
    let lambda = items as f64 / blocks as f64;
    if lambda > 2000.0 {
        return 1.0;
    }
    if lambda == 0.0 {
        return 0.0;
    }
    let distinct = distinct_positions(per_lane);
    let lane = f64::from(LANE_BITS);
    // (1 - i/32)^(b·j) for i = 0..=b, advanced one key at a time.
    let step: Vec<f64> =
        (0..=per_lane).map(|i| (1.0 - f64::from(i) / lane).powi(per_lane as i32)).collect();
    let mut missed = vec![1.0f64; step.len()];
    let last = (lambda + 12.0 * lambda.sqrt() + 40.0).ceil() as u32;
    let (ln_lambda, mut ln_pmf) = (lambda.ln(), -lambda);
    let mut rate = 0.0;
    for j in 1..=last {
        ln_pmf += ln_lambda - f64::from(j).ln();
        missed.iter_mut().zip(&step).for_each(|(m, s)| *m *= s);
        let lane_set: f64 = (1..distinct.len())
            .map(|d| {
                let all_hit: f64 = (0..=d)
                    .map(|i| if i % 2 == 0 { 1.0 } else { -1.0 } * binomial(d, i) * missed[i])
                    .sum();
                distinct[d] * all_hit
            })
            .sum();
        rate += ln_pmf.exp() * lane_set.powi(8);
    }
    rate
}

/// `P_b(d)`: the probability that `draws` uniform positions in a 32-bit
/// lane cover exactly `d` distinct positions, for `d` in `0..=draws`.
fn distinct_positions(draws: u32) -> Vec<f64> {
    let lane = f64::from(LANE_BITS);
    let mut distinct = vec![1.0];
    for _ in 0..draws {
        let mut next = vec![0.0; distinct.len() + 1];
        for (d, p) in distinct.iter().enumerate() {
            next[d] += p * d as f64 / lane; // lands on a position already drawn
            next[d + 1] += p * (lane - d as f64) / lane;
        }
        distinct = next;
    }
    distinct
}

/// `C(n, k)` as a float, for the small `n` of a lane's draws.
fn binomial(n: usize, k: usize) -> f64 {
    (0..k).fold(1.0, |c, i| c * (n - i) as f64 / (i + 1) as f64)
}

/// `bits` as a whole number of bits, refusing what does not fit a filter.
fn bits_from_f64(bits: f64) -> Result<u64, BuildError> {
    if bits.is_finite() && bits <= MAX_BITS as f64 {
        Ok(bits as u64)
    } else {
        let saturated = if bits.is_finite() { bits as u128 } else { u128::MAX };
        Err(BuildError::TooLarge { bits: saturated, max: MAX_BITS })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_size_meets_the_target_with_the_fewest_bits() {
        for (items, fpr) in [(1_000_000u64, 0.01), (1000, 0.001), (1, 0.5), (77, 1e-9)] {
            let (bits, hashes) = standard_size(items, fpr).unwrap();
            assert!(standard_fpr(bits, hashes, items) <= fpr, "{items} {fpr}");
            // One word fewer, at the best k for that size, misses the target.
            let fewer = bits - 64;
            let best_k = (1..=MAX_HASHES)
                .map(|k| standard_fpr(fewer, k, items))
                .fold(f64::INFINITY, f64::min);
            assert!(fewer == 0 || best_k > fpr, "{items} {fpr}: {fewer} bits suffice");
        }
        // 1%: 9.585 bits per key at the real-valued optimum k = 6.64; the
        // integer k = 7 needs -7 / ln(1 - 0.01^(1/7)) = 9.593 bits per key.
        let (bits, hashes) = standard_size(1_000_000, 0.01).unwrap();
        assert_eq!(hashes, 7);
        assert_eq!(bits, 9_592_960); // 9,592,942 rounded up to whole words
    }

    #[test]
    fn standard_model_is_the_textbook_figure() {
        // 10 bits per key, k = 7: (1 - e^-0.7)^7 = 0.819%.
        let rate = standard_fpr(10_000_000, 7, 1_000_000);
        assert!((rate - 0.008_194).abs() < 1e-6, "{rate}");
    }

    #[test]
    fn oversized_requests_are_refused() {
        assert!(matches!(standard_size(u64::MAX, 1e-12), Err(BuildError::TooLarge { .. })));
        assert!(matches!(blocked_size(u64::MAX, 1e-12), Err(BuildError::TooLarge { .. })));
        assert!(matches!(round_bits(u64::MAX, 64), Err(BuildError::TooLarge { .. })));
    }

    #[test]
    fn blocked_size_meets_the_target() {
        for (items, fpr) in [(1_000_000u64, 0.01), (1000, 0.001), (1, 0.5), (5000, 1e-6)] {
            let (blocks, per_lane) = blocked_size(items, fpr).unwrap();
            assert!(blocked_fpr(blocks, per_lane, items) <= fpr);
            assert!(blocks == 1 || blocked_fpr(blocks - 1, per_lane, items) > fpr);
        }
    }

    #[test]
    fn blocked_model_counts_a_keys_coinciding_draws() {
        // Two draws in 32 positions coincide with probability 1/32.
        let two = distinct_positions(2);
        assert!((two[1] - 1.0 / 32.0).abs() < 1e-15 && (two[2] - 31.0 / 32.0).abs() < 1e-15);
        assert_eq!(binomial(4, 2), 6.0);
        // 20,000 keys into 12 bits per key with 2, 3 and 4 bits per lane:
        // 1.77126%, 6.34519% and 15.91684% (the sum evaluated independently
        // in double precision).
        let blocks = (12 * 20_000u64).div_ceil(256);
        for (per_lane, expected) in [(2, 0.017_712_6), (3, 0.063_451_9), (4, 0.159_168_4)] {
            let rate = blocked_fpr(blocks, per_lane, 20_000);
            assert!((rate - expected).abs() < 1e-7, "{per_lane}: {rate}");
        }
    }

    #[test]
    fn blocked_model_at_ten_bits_per_key() {
        // One bit per lane, 39,062 blocks, 25.6 keys per block: 1.26492%
        // (the sum evaluated independently with 50-digit decimals).
        let rate = blocked_fpr(1_000_000 * 10 / 256, 1, 1_000_000);
        assert!((rate - 0.012_649_2).abs() < 1e-7, "{rate}");
    }
}
