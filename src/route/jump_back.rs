//! JumpBackHash (Ertl, 2024): jump hashing in expected constant time with
//! integer operations only, equal to hash4j's reference.

use std::fmt;

use super::ordered::{OrderedNodes, Preferences, jump_style_router};
use super::{Capabilities, RouteError, Router, check_weight};
use crate::hash::{KeyHasher, Xxh3, finalize64};

/// JumpBackHash: the placements contract of [`JumpHash`](super::JumpHash) —
/// perfect balance, growing moves keys only onto the new node, nodes leave
/// only from the end — in expected constant time, without floating point.
///
/// Otmar Ertl's algorithm ("JumpBackHash: Say Goodbye to the Modulo
/// Operation to Distribute Keys Uniformly to Buckets", 2024) looks at the
/// key's jumps *backwards*: it draws, for the power-of-two range `[2^m, 2^(m+1))`
/// that contains the bucket count, whether and where the key's last jump in
/// that range happened, and only falls back to the next smaller range when
/// that jump lies beyond the bucket count. Every step is a few bit
/// operations on 64-bit pseudo-random words; the expected number of words
/// drawn is below 2 for every bucket count, so the lookup cost does not grow
/// with the number of nodes (jump's float loop runs about ln n times).
///
/// **Reference-compatible.** The pseudo-random words come from SplitMix64
/// seeded with the key's 64-bit hash (state `+= 0x9e3779b97f4a7c15`, then
/// the "mix13" finalizer), and [`JumpBackHash::bucket`] returns, for every
/// 64-bit hash and every bucket count from 1 to 2³¹ - 1, the same bucket as
/// hash4j's `ConsistentHashing.jumpBackHash(PseudoRandomGeneratorProvider.splitMix64_V1())`
/// (and its `jumpBackHashSplitMix64()` variant). The tests pin hash4j's own
/// demo vectors and 2,000 cases of hash4j's checksum loop; the script that
/// wrote them (`tests/data/jump_back_hash4j_generate.rs`) reproduces hash4j's
/// pinned checksum over all one million cases of that loop. Keys are hashed with
/// [`KeyHasher::uniform64`] first; give hash4j the same 64-bit hash and both
/// pick the same node.
///
/// Nodes, removal and preference lists work exactly as for
/// [`JumpHash`](super::JumpHash): node `i` is bucket `i`, only the last node
/// can leave, and a key's preference list is its jump-back chain (the owners
/// it has as nodes leave from the end), then the other nodes from the last
/// added down.
///
/// # Example
///
/// ```
/// use routekit::route::{JumpBackHash, Router};
///
/// let mut shards = JumpBackHash::new();
/// shards.extend((0..100).map(|i| format!("shard-{i}")))?;
/// let owner = shards.route(b"order:9001").unwrap().clone();
///
/// // A 101st shard takes about 1/101 of the keys and nothing else moves.
/// shards.insert("shard-100".to_string())?;
/// let now = shards.route(b"order:9001").unwrap();
/// assert!(*now == owner || now == "shard-100");
///
/// // hash4j's demo: hash 0x85ef23a0b545d53b goes from bucket 0 of 2 to bucket 2 of 3.
/// assert_eq!(JumpBackHash::<String>::bucket(0x85ef_23a0_b545_d53b, 2), Some(0));
/// assert_eq!(JumpBackHash::<String>::bucket(0x85ef_23a0_b545_d53b, 3), Some(2));
/// # Ok::<(), routekit::route::RouteError>(())
/// ```
#[derive(Clone)]
pub struct JumpBackHash<N, H = Xxh3> {
    hasher: H,
    nodes: OrderedNodes<N>,
}

jump_style_router!(JumpBackHash, jump_back, "jump-back hash");

impl<N, H> JumpBackHash<N, H> {
    /// The bucket of a 64-bit `hash` among `buckets`, equal to hash4j's
    /// `ConsistentJumpBackBucketHasher` with SplitMix64 for `buckets` up to
    /// 2³¹ - 1 (and continuing the same integer algorithm up to 2³² - 1);
    /// `None` when `buckets` is 0.
    ///
    /// Cost: expected constant, below two 64-bit pseudo-random words.
    ///
    /// ```
    /// use routekit::route::JumpBackHash;
    /// assert_eq!(JumpBackHash::<String>::bucket(0x7f74_87ee_708c_8a96, 3), Some(1));
    /// assert_eq!(JumpBackHash::<String>::bucket(5, 1), Some(0));
    /// assert_eq!(JumpBackHash::<String>::bucket(5, 0), None);
    /// ```
    pub fn bucket(hash: u64, buckets: u32) -> Option<u32> {
        (buckets > 0).then(|| jump_back(hash, buckets))
    }
}

/// The SplitMix64 increment ("golden gamma").
const GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

/// JumpBackHash of `hash` among `buckets ≥ 1` buckets.
///
/// With `u` the bits of the first word's halves XORed together, masked to the
/// bit width of `buckets - 1`, each set bit `2^m` of `u` (from the highest
/// down) says "the key's last jump below `2^(m+1)` landed in `[2^m, 2^(m+1))`";
/// the landing bucket is drawn from the word's high or low half (chosen by
/// the parity of the number of set bits left, as the reference shifts by
/// `popcount · 32` modulo 64). A landing beyond `buckets` is redrawn from
/// fresh words over `[0, 2^(m+1))` until it is either a valid bucket of the
/// range or falls below it (then the next lower set bit of `u` decides).
#[inline]
pub(crate) fn jump_back(hash: u64, buckets: u32) -> u32 {
    if buckets <= 1 {
        return 0;
    }
    let mut state = hash.wrapping_add(GAMMA);
    let first = finalize64(state);
    let mut pending =
        ((first ^ (first >> 32)) as u32) & (u32::MAX >> (buckets - 1).leading_zeros());
    while pending != 0 {
        let range_low = 1u32 << (31 - pending.leading_zeros());
        let candidate =
            range_low + (first.wrapping_shr(pending.count_ones() << 5) as u32 & (range_low - 1));
        if candidate < buckets {
            return candidate;
        }
        // Redraw in [0, 2·range_low): below range_low means "no jump in this
        // range after all"; within [range_low, buckets) is the answer.
        let range_mask = range_low | (range_low - 1);
        loop {
            state = state.wrapping_add(GAMMA);
            let word = finalize64(state);
            let low = word as u32 & range_mask;
            if low < range_low {
                break;
            }
            if low < buckets {
                return low;
            }
            let high = (word >> 32) as u32 & range_mask;
            if high < range_low {
                break;
            }
            if high < buckets {
                return high;
            }
        }
        pending ^= range_low;
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn hash4j_demo_vectors() {
        // From hash4j's ConsistentHashingDemo.demoJumpBackHash: with 2 buckets
        // {0=[6265648fbc797f25, 85ef23a0b545d53b], 1=[7f7487ee708c8a96]}, with 3
        // {0=[6265648fbc797f25], 1=[7f7487ee708c8a96], 2=[85ef23a0b545d53b]}.
        for (hash, two, three) in [
            (0x7f74_87ee_708c_8a96, 1, 1),
            (0x6265_648f_bc79_7f25, 0, 0),
            (0x85ef_23a0_b545_d53b, 0, 2),
        ] {
            assert_eq!(jump_back(hash, 2), two, "{hash:#x}");
            assert_eq!(jump_back(hash, 3), three, "{hash:#x}");
        }
    }

    #[test]
    fn the_largest_counts_stay_in_range() {
        for hash in 0..2000u64 {
            let h = finalize64(hash);
            assert!(jump_back(h, u32::MAX) < u32::MAX);
            assert!(jump_back(h, 1 << 31) < 1 << 31);
            assert!(jump_back(h, (1 << 31) + 1) <= 1 << 31);
        }
    }

    proptest! {
        #[test]
        fn growing_moves_keys_only_onto_the_new_bucket(hash in any::<u64>(), buckets in 1..5000u32) {
            let (before, after) = (jump_back(hash, buckets), jump_back(hash, buckets + 1));
            prop_assert!(before < buckets);
            prop_assert!(after == before || after == buckets);
        }

        #[test]
        fn growing_is_consistent_at_large_counts(hash in any::<u64>(), buckets in 1..u32::MAX) {
            let (before, after) = (jump_back(hash, buckets), jump_back(hash, buckets + 1));
            prop_assert!(after == before || after == buckets);
        }
    }
}
