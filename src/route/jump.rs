//! Jump consistent hash (Lamping & Veach, 2014), bit-for-bit equal to the
//! paper's reference code.

use std::fmt;

use super::ordered::{BucketCount, OrderedNodes, Preferences, jump_style_router};
use super::{Capabilities, RouteError, Router, check_weight};
use crate::hash::{KeyHasher, Xxh3};

/// Jump consistent hash: no table, perfect balance, nodes leave only from
/// the end.
///
/// Lamping and Veach's algorithm ("A Fast, Minimal Memory, Consistent Hash
/// Algorithm", 2014) maps a 64-bit key hash to one of `n` buckets so that
/// each bucket gets `1/n` of the keys and growing to `n + 1` buckets moves
/// exactly the keys that now land on the new bucket. [`JumpHash::bucket`] is
/// bit-for-bit the paper's reference C++ for every `(u64 key, bucket count)`:
/// the same linear congruential step (multiplier 2862933555777941757) and the
/// same floating-point jump `(b + 1) · (2³¹ / ((key >> 33) + 1))`, whose
/// IEEE-754 operations round identically on every platform. Keys are hashed
/// with [`KeyHasher::uniform64`] first.
///
/// **Nodes are an ordered list**: node `i` is bucket `i`, in insertion order,
/// so the same nodes inserted in another order place keys differently. Only
/// the **last** node can leave ([`Router::remove`] of any other node returns
/// [`RouteError::Unsupported`]), and there are no weights. When nodes fail in
/// the middle, route around them with [`Router::route_healthy`]; when any
/// node must be able to leave, use [`MementoHash`](super::MementoHash).
///
/// **Preference lists** (for [`Router::route_n`] and failover) follow the key
/// back through the buckets it held as the list grew: the owner `b₀`, then
/// `b₁ = jump(key, b₀)` — its owner if the nodes from `b₀` on were gone —
/// and so on down to node 0; then the remaining nodes from the last added
/// down. So when the last node leaves, its keys go exactly where their
/// replica already is, and every other list merely loses that node. The
/// price: failover traffic of node `b` spreads over the nodes added before
/// it only, so low-numbered nodes take more of it (node 0 is on every chain).
///
/// **Cost**: a lookup runs `O(ln n)` iterations of the loop, each with a
/// floating-point division; about 1 + ln n of them. No memory beyond the node
/// list. [`JumpBackHash`](super::JumpBackHash) keeps the same contract in
/// expected constant time with integer operations only.
///
/// # Example
///
/// ```
/// use routekit::route::{JumpHash, RouteError, Router};
///
/// let mut shards = JumpHash::new();
/// shards.extend(["shard-0", "shard-1", "shard-2"])?;
/// let owner = *shards.route(b"user:42").unwrap();
///
/// // Only the last shard can leave.
/// assert!(matches!(shards.remove(b"shard-0"), Err(RouteError::Unsupported { .. })));
/// let second = *shards.route_n(b"user:42", 2)?[1];
/// shards.remove(b"shard-2")?;
/// let now = *shards.route(b"user:42").unwrap();
/// assert!(now == owner || (owner == "shard-2" && now == second));
///
/// // The reference algorithm on raw 64-bit keys.
/// assert_eq!(JumpHash::<String>::bucket(42, 57), Some(43));
/// # Ok::<(), RouteError>(())
/// ```
#[derive(Clone)]
pub struct JumpHash<N, H = Xxh3> {
    hasher: H,
    nodes: OrderedNodes<N, u32>,
}

jump_style_router!(JumpHash, jump, "jump hash");

impl<N, H> JumpHash<N, H> {
    /// The bucket of a 64-bit `key` among `buckets`, exactly as the paper's
    /// reference `JumpConsistentHash(key, num_buckets)`; `None` when
    /// `buckets` is 0 (where the reference returns -1).
    ///
    /// Cost: about 1 + ln(buckets) loop iterations.
    ///
    /// ```
    /// use routekit::route::JumpHash;
    /// assert_eq!(JumpHash::<String>::bucket(1, 10), Some(6));
    /// assert_eq!(JumpHash::<String>::bucket(256, 1024), Some(520));
    /// assert_eq!(JumpHash::<String>::bucket(7, 0), None);
    /// ```
    pub fn bucket(key: u64, buckets: u32) -> Option<u32> {
        (buckets > 0).then(|| jump(key, buckets))
    }
}

/// Jump needs nothing but the count.
impl BucketCount for u32 {
    fn prepare(buckets: u32) -> u32 {
        buckets
    }

    #[inline]
    fn bucket(self, key: u64) -> u32 {
        jump(key, self)
    }
}

/// Lamping and Veach's loop; `buckets` must be at least 1.
///
/// The reference keeps `b` and `j` in `int64_t` and truncates the double
/// product toward zero; here the product stays below 2⁶³ (at most 2³² · 2³¹),
/// so `as i64` truncates exactly as the C++ conversion does.
#[inline]
pub(crate) fn jump(mut key: u64, buckets: u32) -> u32 {
    let (mut b, mut j): (i64, i64) = (-1, 0);
    while j < i64::from(buckets) {
        b = j;
        key = key.wrapping_mul(2_862_933_555_777_941_757).wrapping_add(1);
        j = ((b + 1) as f64 * ((1u64 << 31) as f64 / ((key >> 33) + 1) as f64)) as i64;
    }
    b as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The paper's reference, transcribed line by line with its own types:
    /// `int64_t b = -1, j = 0; while (j < num_buckets) { b = j; key = key *
    /// 2862933555777941757ULL + 1; j = (b + 1) * (double(1LL << 31) /
    /// double((key >> 33) + 1)); } return b;`
    fn reference(mut key: u64, num_buckets: i32) -> i32 {
        let mut b: i64 = -1;
        let mut j: i64 = 0;
        while j < num_buckets as i64 {
            b = j;
            key = key.wrapping_mul(2862933555777941757).wrapping_add(1);
            j = ((b + 1) as f64 * ((1i64 << 31) as f64 / ((key >> 33) + 1) as f64)) as i64;
        }
        b as i32
    }

    #[test]
    fn golden_vectors_from_the_reference() {
        assert_eq!(jump(1, 10), 6);
        assert_eq!(jump(42, 57), 43);
        assert_eq!(jump(256, 1024), 520);
        assert_eq!(jump(0, 1), 0);
        assert_eq!(jump(u64::MAX, 1), 0);
    }

    proptest! {
        #[test]
        fn equals_the_reference_loop(key in any::<u64>(), buckets in 1..=i32::MAX) {
            prop_assert_eq!(jump(key, buckets as u32) as i32, reference(key, buckets));
        }

        #[test]
        fn equals_the_reference_on_small_counts(key in any::<u64>(), buckets in 1..2000i32) {
            prop_assert_eq!(jump(key, buckets as u32) as i32, reference(key, buckets));
        }

        #[test]
        fn growing_moves_keys_only_onto_the_new_bucket(key in any::<u64>(), buckets in 1..5000u32) {
            let (before, after) = (jump(key, buckets), jump(key, buckets + 1));
            prop_assert!(after == before || after == buckets);
        }
    }
}
