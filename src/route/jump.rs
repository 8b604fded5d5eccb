//! Jump consistent hash (Lamping & Veach, 2014), bit-for-bit equal to the
//! paper's reference code.

use std::fmt;

use super::ordered::{BucketCount, OrderedNodes};
use super::{NodeId, RouteError, Router};
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
/// **Nodes are an ordered list**: node `i` is bucket `i`, in the order they
/// were [`push`](JumpHash::push)ed, so the placement depends on that order
/// (and not on the nodes' identities, which are only used to find a node
/// and to refuse duplicates). Only the **last** node can leave
/// ([`pop`](JumpHash::pop)), and there are no weights; so `JumpHash`
/// implements neither [`Membership`](super::Membership) nor
/// [`Weighted`](super::Weighted), and asking it to remove another node does
/// not compile:
///
/// ```compile_fail,E0599
/// use routekit::route::{JumpHash, Membership};
/// let mut shards = JumpHash::new();
/// shards.extend(["shard-0", "shard-1"]).unwrap();
/// shards.remove("shard-0"); // error: JumpHash does not implement Membership
/// ```
///
/// When nodes fail in the middle, route around them with
/// [`Router::route_healthy`]; when any node must be able to leave, use
/// [`MementoHash`](super::MementoHash).
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
/// floating-point division; about 1 + ln n of them. Memory: the node list
/// and a 4-byte identity index entry per node.
///
/// **Limits.** At most 2³² − 1 nodes ([`RouteError::TooManyNodes`]); a
/// change reserves its memory before anything changes
/// ([`RouteError::OutOfMemory`] when the allocator says no).
/// [`JumpBackHash`](super::JumpBackHash) keeps the same contract in expected
/// constant time with integer operations only.
///
/// # Example
///
/// ```
/// use routekit::route::{JumpHash, Router};
///
/// let mut shards = JumpHash::new();
/// shards.extend(["shard-0", "shard-1", "shard-2"])?;
/// let owner = *shards.route(b"user:42").unwrap();
/// let second = *shards.route_n(b"user:42", 2)[1];
///
/// // The last shard leaves: only its keys move, to their second choice.
/// assert_eq!(shards.pop(), Some("shard-2"));
/// let now = *shards.route(b"user:42").unwrap();
/// assert!(now == owner || (owner == "shard-2" && now == second));
///
/// // The reference algorithm on raw 64-bit keys.
/// assert_eq!(JumpHash::bucket(42, 57), Some(43));
/// # Ok::<(), routekit::route::RouteError>(())
/// ```
#[derive(Clone)]
pub struct JumpHash<N, H = Xxh3> {
    hasher: H,
    nodes: OrderedNodes<N, u32>,
}

impl<N: NodeId, H: KeyHasher> Router for JumpHash<N, H> {
    type Node = N;

    /// One run of the jump loop: O(ln n), no allocation, no table.
    #[inline]
    fn route(&self, key: &[u8]) -> Option<&N> {
        self.nodes.route(self.hasher.uniform64(key))
    }

    /// The jump-back chain, then the other nodes from the last added down
    /// (see the type's docs): one run of the jump loop per node of the
    /// chain; allocation-free when `out` has room.
    fn route_n_into<'r>(&'r self, key: &[u8], n: usize, out: &mut Vec<&'r N>) {
        self.nodes.route_n_into(self.hasher.uniform64(key), n, out);
    }

    /// The first healthy node of the preference list: one run of the jump
    /// loop when the owner is healthy.
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

impl<N, H: Default> Default for JumpHash<N, H> {
    fn default() -> Self {
        JumpHash::with_hasher(H::default())
    }
}

impl<N: NodeId, H: fmt::Debug> fmt::Debug for JumpHash<N, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let nodes: Vec<_> = self.nodes.as_slice().iter().map(NodeId::display_name).collect();
        f.debug_struct("JumpHash").field("hasher", &self.hasher).field("nodes", &nodes).finish()
    }
}

impl<N> JumpHash<N, Xxh3> {
    /// An empty router hashing keys with [`Xxh3`] seed 0.
    ///
    /// ```
    /// use routekit::route::{JumpHash, Router};
    /// let router: JumpHash<String> = JumpHash::new();
    /// assert!(router.route(b"k").is_none());
    /// ```
    pub fn new() -> Self {
        JumpHash::with_hasher(Xxh3::new())
    }
}

impl JumpHash<()> {
    /// The bucket of a 64-bit `key` among `buckets`, exactly as the paper's
    /// reference `JumpConsistentHash(key, num_buckets)`; `None` when
    /// `buckets` is 0 (where the reference returns -1). (On `JumpHash<()>`,
    /// so that `JumpHash::bucket` needs no node type.)
    ///
    /// Cost: about 1 + ln(buckets) loop iterations.
    ///
    /// ```
    /// use routekit::route::JumpHash;
    /// assert_eq!(JumpHash::bucket(1, 10), Some(6));
    /// assert_eq!(JumpHash::bucket(256, 1024), Some(520));
    /// assert_eq!(JumpHash::bucket(7, 0), None);
    /// ```
    pub fn bucket(key: u64, buckets: u32) -> Option<u32> {
        (buckets > 0).then(|| jump(key, buckets))
    }
}

impl<N, H> JumpHash<N, H> {
    /// An empty router hashing keys with `hasher`.
    ///
    /// ```
    /// use routekit::hash::Sip13;
    /// use routekit::route::JumpHash;
    /// let router: JumpHash<String, Sip13> = JumpHash::with_hasher(Sip13::new([7; 16]));
    /// # let _ = router;
    /// ```
    pub fn with_hasher(hasher: H) -> Self {
        JumpHash { hasher, nodes: OrderedNodes::default() }
    }

    /// The hasher used for keys.
    ///
    /// ```
    /// use routekit::hash::Xxh3;
    /// use routekit::route::JumpHash;
    /// assert_eq!(*JumpHash::<String>::new().hasher(), Xxh3::new());
    /// ```
    pub fn hasher(&self) -> &H {
        &self.hasher
    }
}

impl<N: NodeId, H> JumpHash<N, H> {
    /// The nodes in bucket order: node `i` is bucket `i`.
    ///
    /// ```
    /// use routekit::route::JumpHash;
    /// let mut router = JumpHash::new();
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
    /// use routekit::route::{JumpHash, RouteError};
    /// let mut router = JumpHash::new();
    /// router.push(7u64)?;
    /// assert!(matches!(router.push(7), Err(RouteError::DuplicateNode { .. })));
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
    /// As [`push`](JumpHash::push), also when an identity repeats among the
    /// new nodes.
    ///
    /// ```
    /// use routekit::route::{JumpHash, Router};
    /// let mut router = JumpHash::new();
    /// router.extend((0..1000).map(|i| format!("shard-{i}")))?;
    /// assert_eq!(router.len(), 1000);
    /// assert!(router.extend(["new".to_string(), "shard-7".to_string()]).is_err());
    /// assert_eq!(router.len(), 1000);
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    pub fn extend<I: IntoIterator<Item = N>>(&mut self, nodes: I) -> Result<(), RouteError> {
        self.nodes.extend(nodes, "jump hash")
    }

    /// Removes the last node and returns it (`None` when there is none): only
    /// its keys move, each to its second choice. O(n) for the identity index.
    ///
    /// ```
    /// use routekit::route::{JumpHash, Router};
    /// let mut router = JumpHash::new();
    /// router.extend(["a", "b"])?;
    /// assert_eq!(router.pop(), Some("b"));
    /// assert!(!router.contains("b"));
    /// assert_eq!(router.pop(), Some("a"));
    /// assert_eq!(router.pop(), None);
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    pub fn pop(&mut self) -> Option<N> {
        self.nodes.pop()
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

    #[inline]
    fn bucket_among(key: u64, buckets: u32) -> u32 {
        jump(key, buckets)
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
