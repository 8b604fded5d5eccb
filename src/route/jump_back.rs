//! JumpBackHash (Ertl, 2024): jump hashing in expected constant time with
//! integer operations only, equal to hash4j's reference.

use std::fmt;

use super::ordered::{BucketCount, OrderedNodes};
use super::{NodeId, RouteError, Router};
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
/// **Cost of a route**: the key's hash, one SplitMix64 word and a few dozen
/// integer operations. One branch depends on the key, to the redraws: it is
/// taken by at most 5 keys in 16, or, at the counts where more would land
/// beyond the last bucket (10 or 10,000, say, where 6 in 16 do), a second
/// word is always drawn and the branch is taken by at most 1 key in 8. What
/// depends only on the node count is prepared when the nodes change.
///
/// **Limits.** At most 2³² − 1 nodes ([`RouteError::TooManyNodes`]); a
/// change reserves its memory before anything changes
/// ([`RouteError::OutOfMemory`] when the allocator says no).
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
/// [`JumpHash`](super::JumpHash): node `i` is bucket `i`, in the order they
/// were [`push`](JumpBackHash::push)ed (the placement depends on that order,
/// not on the identities); only the last node can leave
/// ([`pop`](JumpBackHash::pop)), so `JumpBackHash` implements neither
/// [`Membership`](super::Membership) nor [`Weighted`](super::Weighted); and a
/// key's preference list is its jump-back chain (the owners it has as nodes
/// leave from the end), then the other nodes from the last added down.
///
/// ```compile_fail,E0599
/// use routekit::route::JumpBackHash;
/// let mut shards = JumpBackHash::new();
/// shards.extend(["shard-0", "shard-1"]).unwrap();
/// shards.remove("shard-0"); // no such method: only the last node can leave
/// ```
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
/// shards.push("shard-100".to_string())?;
/// let now = shards.route(b"order:9001").unwrap();
/// assert!(*now == owner || now == "shard-100");
///
/// // hash4j's demo: hash 0x85ef23a0b545d53b goes from bucket 0 of 2 to bucket 2 of 3.
/// assert_eq!(JumpBackHash::bucket(0x85ef_23a0_b545_d53b, 2), Some(0));
/// assert_eq!(JumpBackHash::bucket(0x85ef_23a0_b545_d53b, 3), Some(2));
/// # Ok::<(), routekit::route::RouteError>(())
/// ```
#[derive(Clone)]
pub struct JumpBackHash<N, H = Xxh3> {
    hasher: H,
    nodes: OrderedNodes<N, JumpBackRange>,
}

impl<N: NodeId, H: KeyHasher> Router for JumpBackHash<N, H> {
    type Node = N;

    /// One bucket computation: expected constant time, no allocation, no
    /// table.
    #[inline]
    fn route(&self, key: &[u8]) -> Option<&N> {
        self.nodes.route(self.hasher.uniform64(key))
    }

    /// The jump-back chain, then the other nodes from the last added down
    /// (see the type's docs): one bucket computation per node of the chain;
    /// allocation-free when `out` has room.
    fn route_n_into<'r>(&'r self, key: &[u8], n: usize, out: &mut Vec<&'r N>) {
        self.nodes.route_n_into(self.hasher.uniform64(key), n, out);
    }

    /// The first healthy node of the preference list: one bucket
    /// computation when the owner is healthy.
    fn route_healthy(&self, key: &[u8], is_healthy: &dyn Fn(&N) -> bool) -> Option<&N> {
        self.nodes.route_healthy(self.hasher.uniform64(key), is_healthy)
    }

    /// O(log n).
    fn node_by_id(&self, id: &[u8]) -> Option<&N> {
        self.nodes.node_by_id(id)
    }

    fn len(&self) -> usize {
        self.nodes.len()
    }

    fn memory_bytes(&self) -> usize {
        self.nodes.memory_bytes()
    }
}

impl<N, H: Default> Default for JumpBackHash<N, H> {
    fn default() -> Self {
        JumpBackHash::with_hasher(H::default())
    }
}

impl<N: NodeId, H: fmt::Debug> fmt::Debug for JumpBackHash<N, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let nodes: Vec<_> = self.nodes.as_slice().iter().map(NodeId::display_name).collect();
        f.debug_struct("JumpBackHash").field("hasher", &self.hasher).field("nodes", &nodes).finish()
    }
}

impl<N> JumpBackHash<N, Xxh3> {
    /// An empty router hashing keys with [`Xxh3`] seed 0.
    ///
    /// ```
    /// use routekit::route::{JumpBackHash, Router};
    /// let router: JumpBackHash<String> = JumpBackHash::new();
    /// assert!(router.route(b"k").is_none());
    /// ```
    pub fn new() -> Self {
        JumpBackHash::with_hasher(Xxh3::new())
    }
}

impl JumpBackHash<()> {
    /// The bucket of a 64-bit `hash` among `buckets`, equal to hash4j's
    /// `ConsistentJumpBackBucketHasher` with SplitMix64 for `buckets` up to
    /// 2³¹ - 1 (and continuing the same integer algorithm up to 2³² - 1);
    /// `None` when `buckets` is 0. (On `JumpBackHash<()>`, so that
    /// `JumpBackHash::bucket` needs no node type.)
    ///
    /// Cost: expected constant, below two 64-bit pseudo-random words.
    ///
    /// ```
    /// use routekit::route::JumpBackHash;
    /// assert_eq!(JumpBackHash::bucket(0x7f74_87ee_708c_8a96, 3), Some(1));
    /// assert_eq!(JumpBackHash::bucket(5, 1), Some(0));
    /// assert_eq!(JumpBackHash::bucket(5, 0), None);
    /// ```
    pub fn bucket(hash: u64, buckets: u32) -> Option<u32> {
        (buckets > 0).then(|| jump_back(hash, buckets))
    }
}

impl<N, H> JumpBackHash<N, H> {
    /// An empty router hashing keys with `hasher`.
    ///
    /// ```
    /// use routekit::hash::Sip13;
    /// use routekit::route::JumpBackHash;
    /// let router: JumpBackHash<String, Sip13> = JumpBackHash::with_hasher(Sip13::new([7; 16]));
    /// # let _ = router;
    /// ```
    pub fn with_hasher(hasher: H) -> Self {
        JumpBackHash { hasher, nodes: OrderedNodes::default() }
    }

    /// The hasher used for keys.
    ///
    /// ```
    /// use routekit::hash::Xxh3;
    /// use routekit::route::JumpBackHash;
    /// assert_eq!(*JumpBackHash::<String>::new().hasher(), Xxh3::new());
    /// ```
    pub fn hasher(&self) -> &H {
        &self.hasher
    }
}

impl<N: NodeId, H> JumpBackHash<N, H> {
    /// The nodes in bucket order: node `i` is bucket `i`.
    ///
    /// ```
    /// use routekit::route::JumpBackHash;
    /// let mut router = JumpBackHash::new();
    /// router.extend(["a", "b"])?;
    /// router.push("c")?;
    /// assert_eq!(router.nodes(), ["a", "b", "c"]);
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    pub fn nodes(&self) -> &[N] {
        self.nodes.as_slice()
    }

    /// Appends `node` as the last bucket: it takes about `1/(n + 1)` of the
    /// keys, from every other node. O(n) for the identity index.
    ///
    /// # Errors
    ///
    /// [`RouteError::DuplicateNode`] when a node with the same identity is
    /// present; [`RouteError::TooManyNodes`] past 2³² − 1 nodes (as soon as
    /// the nodes given pass it, so an endless iterator ends);
    /// [`RouteError::OutOfMemory`] when the allocator cannot hold them.
    ///
    /// ```
    /// use routekit::route::{JumpBackHash, RouteError};
    /// let mut router = JumpBackHash::new();
    /// router.push("a")?;
    /// assert!(matches!(router.push("a"), Err(RouteError::DuplicateNode { .. })));
    /// # Ok::<(), RouteError>(())
    /// ```
    pub fn push(&mut self, node: N) -> Result<(), RouteError> {
        self.extend(std::iter::once(node))
    }

    /// Appends many nodes as the next buckets, in order, with one sort of
    /// the new identities: O(n + k log k) for `k` new nodes. Either every
    /// node is added or, on error, none is.
    ///
    /// # Errors
    ///
    /// As [`push`](JumpBackHash::push), also when an identity repeats among
    /// the new nodes.
    ///
    /// ```
    /// use routekit::route::{JumpBackHash, Router};
    /// let mut router = JumpBackHash::new();
    /// router.extend(0..1000u32)?;
    /// assert_eq!(router.len(), 1000);
    /// assert!(router.extend([1000, 7]).is_err());
    /// assert_eq!(router.len(), 1000);
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    pub fn extend<I: IntoIterator<Item = N>>(&mut self, nodes: I) -> Result<(), RouteError> {
        self.nodes.extend(nodes, "jump-back hash")
    }

    /// Removes the last node and returns it (`None` when there is none): only
    /// its keys move, each to its second choice. O(n) for the identity index.
    ///
    /// ```
    /// use routekit::route::{JumpBackHash, Router};
    /// let mut router = JumpBackHash::new();
    /// router.extend(["a", "b"])?;
    /// assert_eq!(router.pop(), Some("b"));
    /// assert_eq!(router.len(), 1);
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    pub fn pop(&mut self) -> Option<N> {
        self.nodes.pop()
    }
}

/// The SplitMix64 increment ("golden gamma").
const GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

/// JumpBackHash of `hash` among `buckets ≥ 1` buckets.
#[inline]
pub(crate) fn jump_back(hash: u64, buckets: u32) -> u32 {
    JumpBackRange::new(buckets).bucket(hash)
}

/// A bucket count with what JumpBackHash derives from the count alone,
/// prepared once (per membership change in the routers) instead of per key.
///
/// The reference loop, for `u` the bits of the first word's halves XORed
/// together and masked to the bit width of `buckets - 1`: take the highest set
/// bit `q` of `u` ("the key's last jump below `2q` landed in `[q, 2q)`") and
/// draw the landing bucket `q + (half & (q - 1))` from the first word's high
/// or low half (chosen by the parity of the set bits of `u`: the reference
/// shifts by `popcount · 32` modulo 64). If it lies at or beyond `buckets`,
/// redraw it from fresh words over `[0, 2q)` until it is either a bucket of
/// `[q, buckets)` (the answer) or falls below `q` ("no jump in this range
/// after all"); then clear `q` and repeat with the next set bit.
///
/// Facts that flatten that loop without changing a single result: only the
/// top range `[top, 2·top)`, which holds bucket `buckets - 1`, can land at or
/// beyond `buckets` (a lower `q` lands below `2q ≤ top`), so redraws happen
/// only there; and after one fall the next set bit always lands in range.
/// A key takes the redraw branch with probability `(2^k - buckets) / 2^k`
/// (half the keys draw the top bit, and of those the share of the top range
/// beyond `buckets` lands there). Where that exceeds 5 in 16 (10 or 10,000
/// buckets, say, where it is 6 in 16), the lookup computes the first redraw
/// word for every key and selects its outcome without a branch; it needs the
/// fall-back landing for that, which is the landing of `u` without its top
/// bit (found by smearing the bits down, so `u = 0` lands on 0 without a
/// branch), so it computes that landing and the top range's side by side and
/// selects one. The branch left there is taken by at most 1 key in 8 (the
/// cube of the share beyond). Below 5 in 16 the rare mispredicted branch
/// costs less than drawing a second word for every key, so the branch stays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct JumpBackRange {
    /// The bucket count `n`.
    buckets: u32,
    /// `2^k - 1` for the least `k` with `n ≤ 2^k`: the bits a draw keeps.
    mask: u32,
    /// `2^(k-1)` (1 when `n = 1`): the first bucket of the top range.
    top: u32,
    /// Whether the first redraw word is computed for every key.
    redraw_eagerly: bool,
}

impl JumpBackRange {
    /// The range of `buckets`; a count of 0 routes nowhere and is never
    /// asked for a bucket.
    pub(crate) fn new(buckets: u32) -> JumpBackRange {
        let mask = u32::MAX.checked_shr(buckets.saturating_sub(1).leading_zeros()).unwrap_or(0);
        let beyond = u64::from(mask) + 1 - u64::from(buckets.max(1));
        JumpBackRange {
            buckets,
            mask,
            top: (mask >> 1) + 1,
            redraw_eagerly: beyond * 16 > 5 * (u64::from(mask) + 1),
        }
    }

    /// The bucket count.
    #[inline]
    pub(crate) fn buckets(self) -> u32 {
        self.buckets
    }

    /// The bucket of `hash`; the count must be at least 1.
    #[inline]
    pub(crate) fn bucket(self, hash: u64) -> u32 {
        let first = finalize64(hash.wrapping_add(GAMMA));
        if self.redraw_eagerly {
            return self.bucket_with_eager_redraw(hash, first);
        }
        // Both branches here are taken by few keys: `drawn` is 0 for one in
        // `2^k`, and the landing lies beyond for at most 5 in 16.
        let drawn = ((first ^ (first >> 32)) as u32) & self.mask;
        if drawn == 0 {
            return 0;
        }
        let q = 1u32 << (31 - drawn.leading_zeros());
        let candidate = q | (half_by_parity(first, drawn) & (q - 1));
        if candidate < self.buckets {
            return candidate;
        }
        let below = drawn & (self.top - 1);
        self.redraw(hash, 1, landing(below, half_by_parity(first, below)))
    }

    /// [`bucket`](Self::bucket) with the first redraw word drawn for every
    /// key, from the first word `first`.
    #[inline(always)]
    fn bucket_with_eager_redraw(self, hash: u64, first: u64) -> u32 {
        let JumpBackRange { buckets, mask, top, .. } = self;
        let (low, high) = (first as u32, (first >> 32) as u32);
        let drawn = (low ^ high) & mask;
        // With the top bit set the draw has one more set bit than below
        // it, so the top range's landing takes the other half.
        let below = drawn & (top - 1);
        let (half, other) = if below.count_ones() & 1 == 1 { (high, low) } else { (low, high) };
        let fallen = landing(below, half);
        let candidate = if drawn >= top { top | (other & (top - 1)) } else { fallen };
        let word = finalize64(hash.wrapping_add(GAMMA.wrapping_mul(2)));
        let (low, high) = (word as u32 & mask, (word >> 32) as u32 & mask);
        let from_low = if low < top { fallen } else { low };
        let from_high = if high < top { fallen } else { high };
        let redrawn = if low < buckets { from_low } else { from_high };
        let bucket = if candidate < buckets { candidate } else { redrawn };
        if bucket < buckets {
            return bucket;
        }
        self.redraw(hash, 2, fallen)
    }

    /// The top range's redraws from word `word` of the sequence on: the
    /// first half-word below `buckets` decides, `fallen` if it lies below
    /// the top range.
    #[cold]
    #[inline(never)]
    fn redraw(self, hash: u64, word: u64, fallen: u32) -> u32 {
        let mut state = hash.wrapping_add(GAMMA.wrapping_mul(word));
        loop {
            state = state.wrapping_add(GAMMA);
            let word = finalize64(state);
            for value in [word as u32 & self.mask, (word >> 32) as u32 & self.mask] {
                if value < self.top {
                    return fallen;
                }
                if value < self.buckets {
                    return value;
                }
            }
        }
    }
}

impl BucketCount for JumpBackRange {
    fn prepare(buckets: u32) -> JumpBackRange {
        JumpBackRange::new(buckets)
    }

    #[inline]
    fn bucket(self, key: u64) -> u32 {
        JumpBackRange::bucket(self, key)
    }

    #[inline]
    fn bucket_among(key: u64, buckets: u32) -> u32 {
        jump_back(key, buckets)
    }
}

/// The half of `first` the reference draws a landing of `bits` from: the
/// high half when `bits` has an odd number of set bits (it shifts by
/// `popcount · 32`, modulo 64).
#[inline(always)]
fn half_by_parity(first: u64, bits: u32) -> u32 {
    if bits.count_ones() & 1 == 1 { (first >> 32) as u32 } else { first as u32 }
}

/// `q + (half & (q - 1))` for `q` the highest set bit of `bits`; 0 when
/// `bits` is 0.
#[inline(always)]
fn landing(bits: u32, half: u32) -> u32 {
    let smeared = if FAST_LEADING_ZEROS { smeared_by_count(bits) } else { smeared_by_shifts(bits) };
    let under = smeared >> 1;
    (smeared ^ under) | (half & under)
}

/// Whether counting leading zeros is one fast instruction: everywhere but
/// on x86 without `lzcnt` (the x86-64 baseline), where it compiles to `bsr`,
/// which is microcoded on AMD processors and slower there than
/// [`smeared_by_shifts`].
const FAST_LEADING_ZEROS: bool =
    cfg!(any(target_feature = "lzcnt", not(any(target_arch = "x86", target_arch = "x86_64"))));

/// `bits` with every bit below its highest set bit set.
#[inline(always)]
fn smeared_by_count(bits: u32) -> u32 {
    (u64::from(u32::MAX) >> bits.leading_zeros()) as u32
}

/// [`smeared_by_count`] with ten shifts and ors.
#[inline(always)]
fn smeared_by_shifts(bits: u32) -> u32 {
    let mut smeared = bits;
    smeared |= smeared >> 1;
    smeared |= smeared >> 2;
    smeared |= smeared >> 4;
    smeared |= smeared >> 8;
    smeared | smeared >> 16
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// hash4j's loop, transcribed as published: the oracle for the
    /// branch-light version above.
    fn reference(hash: u64, buckets: u32) -> u32 {
        if buckets <= 1 {
            return 0;
        }
        let mut state = hash;
        let mut next = || {
            state = state.wrapping_add(GAMMA);
            finalize64(state)
        };
        let r0 = next();
        let mut x = ((r0 ^ (r0 >> 32)) as u32) & (u32::MAX >> (buckets - 1).leading_zeros());
        while x != 0 {
            let q = 1u32 << (31 - x.leading_zeros());
            let b = q + (r0.wrapping_shr(x.count_ones() << 5) as u32 & (q - 1));
            if b < buckets {
                return b;
            }
            let range_max = q | (q - 1);
            loop {
                let r1 = next();
                let b = r1 as u32 & range_max;
                if b < q {
                    break;
                }
                if b < buckets {
                    return b;
                }
                let b = (r1 >> 32) as u32 & range_max;
                if b < q {
                    break;
                }
                if b < buckets {
                    return b;
                }
            }
            x ^= q;
        }
        0
    }

    #[test]
    fn equals_the_reference_loop_near_every_power_of_two() {
        for bits in 1..32u32 {
            for buckets in [(1u32 << bits) - 1, 1 << bits, (1 << bits) + 1, (1 << bits) + 3] {
                for i in 0..3000u64 {
                    let hash = finalize64(i ^ u64::from(buckets) << 20);
                    assert_eq!(
                        jump_back(hash, buckets),
                        reference(hash, buckets),
                        "{hash:#x}, {buckets}"
                    );
                }
            }
        }
    }

    #[test]
    fn both_redraw_paths_equal_the_reference_loop() {
        // The eager first redraw is chosen by the count; force the other
        // path too, on counts of both kinds and around powers of two.
        let mut counts: Vec<u32> = (1..200).collect();
        for bits in 8..32u32 {
            counts.extend([(1u32 << bits) - 1, 1 << bits, (1 << bits) + 1, 3 << (bits - 2)]);
            counts.push((1 << bits) + (1 << (bits - 3)) + 1);
        }
        counts.push(u32::MAX);
        for buckets in counts {
            let range = JumpBackRange::new(buckets);
            let other = JumpBackRange { redraw_eagerly: !range.redraw_eagerly, ..range };
            for i in 0..400u64 {
                let hash = finalize64(i ^ u64::from(buckets) << 24);
                let expected = reference(hash, buckets);
                assert_eq!(range.bucket(hash), expected, "{hash:#x}, {buckets}");
                assert_eq!(other.bucket(hash), expected, "{hash:#x}, {buckets}, forced");
            }
        }
    }

    #[test]
    fn the_range_chooses_the_eager_redraw_where_over_5_16ths_lie_beyond() {
        // 10 of 16: 6/16 beyond; 100 of 128: 28/128; 1000 of 1024: 24/1024;
        // 10,000 of 16,384: 6,384/16,384; 11 of 16: 5/16, not over.
        let eager = |buckets| JumpBackRange::new(buckets).redraw_eagerly;
        assert!(eager(10) && eager(10_000) && eager(9) && eager(1 << 20 | 1));
        assert!(!eager(1) && !eager(2) && !eager(100) && !eager(1000) && !eager(1_000_000));
        assert!(!eager(11) && !eager(12) && !eager(13) && !eager(100_000));
        assert_eq!(JumpBackRange::new(1).bucket(42), 0);
    }

    #[test]
    fn both_ways_of_smearing_agree() {
        for bits in (0..32).flat_map(|b| [1u32 << b, (1 << b) - 1, (1 << b) | 1, u32::MAX >> b]) {
            assert_eq!(smeared_by_count(bits), smeared_by_shifts(bits), "{bits:#x}");
        }
        for i in 0..10_000u64 {
            let bits = finalize64(i) as u32 >> (i % 32);
            assert_eq!(smeared_by_count(bits), smeared_by_shifts(bits), "{bits:#x}");
        }
        assert_eq!(smeared_by_count(0), 0);
    }

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
        fn equals_the_reference_loop(hash in any::<u64>(), buckets in 1..u32::MAX) {
            prop_assert_eq!(jump_back(hash, buckets), reference(hash, buckets));
        }

        #[test]
        fn equals_the_reference_loop_on_small_counts(hash in any::<u64>(), buckets in 1..300u32) {
            prop_assert_eq!(jump_back(hash, buckets), reference(hash, buckets));
        }

        #[test]
        fn growing_is_consistent_at_large_counts(hash in any::<u64>(), buckets in 1..u32::MAX) {
            let (before, after) = (jump_back(hash, buckets), jump_back(hash, buckets + 1));
            prop_assert!(after == before || after == buckets);
        }
    }
}
