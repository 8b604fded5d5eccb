//! What the jump-style routers share: nodes in bucket order with an identity
//! index, the lookups over them, and the preference walk that follows the
//! key back through the buckets it held as the node list grew.
//!
//! [`JumpHash`](super::JumpHash) and [`JumpBackHash`](super::JumpBackHash)
//! differ only in their bucket function; each writes out its own public
//! methods and forwards them here.

use super::members::{Arranged, Members};
use super::{NodeId, RouteError, alloc};

/// A bucket count prepared for a bucket function: whatever the function
/// derives from the count alone, computed once per membership change
/// instead of once per key.
pub(crate) trait BucketCount: Copy {
    /// The prepared form of `buckets` (0 included: it is never asked for a
    /// bucket).
    fn prepare(buckets: u32) -> Self;

    /// The bucket of a 64-bit key hash; the count is at least 1.
    fn bucket(self, key: u64) -> u32;

    /// The bucket of a 64-bit key hash among `buckets ≥ 1` buckets,
    /// consistent in the jump sense (growing from `m` to `m + 1` buckets
    /// moves a key only onto bucket `m`): what the preference walk calls at
    /// every smaller count.
    fn bucket_among(key: u64, buckets: u32) -> u32;
}

/// Nodes in bucket order (node `i` is bucket `i`), with an identity index
/// for lookups and duplicate checks, and their count prepared for the bucket
/// function `C`.
#[derive(Clone, Debug)]
pub(crate) struct OrderedNodes<N, C> {
    members: Members<N, Arranged>,
    count: C,
}

impl<N, C: BucketCount> Default for OrderedNodes<N, C> {
    fn default() -> Self {
        OrderedNodes { members: Members::default(), count: C::prepare(0) }
    }
}

impl<N: NodeId, C: BucketCount> OrderedNodes<N, C> {
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.members.len()
    }

    /// The bucket count, which [`OrderedNodes::extend`] keeps within `u32`.
    #[inline]
    fn buckets(&self) -> u32 {
        self.members.len() as u32
    }

    pub(crate) fn as_slice(&self) -> &[N] {
        self.members.as_slice()
    }

    pub(crate) fn memory_bytes(&self) -> usize {
        self.members.memory_bytes()
    }

    /// O(log n).
    pub(crate) fn node_by_id(&self, id: &[u8]) -> Option<&N> {
        self.members.node_by_id(id)
    }

    /// One bucket computation: no allocation, no table.
    #[inline]
    pub(crate) fn route(&self, key_hash: u64) -> Option<&N> {
        if self.members.is_empty() {
            return None;
        }
        Some(self.members.get(self.count.bucket(key_hash) as usize))
    }

    /// The preference list of `key_hash`, `n` nodes at most (see
    /// [`Preferences`]): one bucket computation per node of the chain.
    pub(crate) fn route_n_into<'r>(&'r self, key_hash: u64, n: usize, out: &mut Vec<&'r N>) {
        out.clear();
        let walk = Preferences::<C>::new(key_hash, self.buckets());
        out.extend(walk.take(n).map(|bucket| self.members.get(bucket as usize)));
    }

    /// The first healthy node of the preference list: one bucket
    /// computation when the owner is healthy.
    pub(crate) fn route_healthy(
        &self,
        key_hash: u64,
        is_healthy: &dyn Fn(&N) -> bool,
    ) -> Option<&N> {
        Preferences::<C>::new(key_hash, self.buckets())
            .map(|bucket| self.members.get(bucket as usize))
            .find(|node| is_healthy(node))
    }

    /// Appends nodes as the next buckets, in the given order: O(n + k log k)
    /// for `k` new nodes. Either every node is added or, on error, none is.
    pub(crate) fn extend<I: IntoIterator<Item = N>>(
        &mut self,
        nodes: I,
        strategy: &'static str,
    ) -> Result<(), RouteError> {
        // Refused as soon as there are too many, so an endless iterator ends.
        let present = self.members.len();
        let most = (u32::MAX as usize).saturating_sub(present);
        let added = alloc::collect_at_most(nodes, most, |more| RouteError::TooManyNodes {
            strategy,
            requested: (present + more) as u64,
            max: u64::from(u32::MAX),
        })?;
        self.members.append(added)?;
        self.count = C::prepare(self.buckets());
        Ok(())
    }

    /// Removes the last node: O(n) for the identity index.
    pub(crate) fn pop(&mut self) -> Option<N> {
        let last = self.members.pop()?;
        self.count = C::prepare(self.buckets());
        Some(last)
    }
}

/// The preference list of a key among `buckets` buckets, as bucket numbers.
///
/// First the **jump-back chain**: the owner `b₀ = f(k, n)`, then
/// `b₁ = f(k, b₀)` — the key's owner if the buckets from `b₀` on were gone —
/// and so on down to bucket 0. These are the owners the key has as nodes
/// leave from the end, so when the last node leaves, its keys go exactly to
/// their second choice, and every list loses only that node. Then the buckets
/// not on the chain, from the highest down, which removing the last bucket
/// also only shortens. Allocation-free: the chain is recomputed to skip its
/// members during the descent.
pub(crate) struct Preferences<C> {
    key: u64,
    /// The bucket count for the next chain step; 0 once the chain is done.
    chain_from: u32,
    /// The next bucket of the descent, plus one (0 when finished).
    descent: u32,
    /// The next chain member the descent must skip (`None` past bucket 0).
    skip: Option<u32>,
    bucket_fn: std::marker::PhantomData<C>,
}

impl<C: BucketCount> Preferences<C> {
    pub(crate) fn new(key: u64, buckets: u32) -> Preferences<C> {
        let skip = (buckets > 0).then(|| C::bucket_among(key, buckets));
        Preferences {
            key,
            chain_from: buckets,
            descent: buckets,
            skip,
            bucket_fn: std::marker::PhantomData,
        }
    }
}

impl<C: BucketCount> Iterator for Preferences<C> {
    type Item = u32;

    #[inline]
    fn next(&mut self) -> Option<u32> {
        if self.chain_from > 0 {
            let b = C::bucket_among(self.key, self.chain_from);
            self.chain_from = b;
            return Some(b);
        }
        while self.descent > 0 {
            self.descent -= 1;
            let candidate = self.descent;
            if self.skip == Some(candidate) {
                self.skip = (candidate > 0).then(|| C::bucket_among(self.key, candidate));
            } else {
                return Some(candidate);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy)]
    struct Modulo(u32);

    impl BucketCount for Modulo {
        fn prepare(buckets: u32) -> Modulo {
            Modulo(buckets)
        }

        fn bucket(self, key: u64) -> u32 {
            Modulo::bucket_among(key, self.0)
        }

        fn bucket_among(key: u64, buckets: u32) -> u32 {
            // Not consistent, but enough to exercise the walk's bookkeeping.
            (key % u64::from(buckets)) as u32
        }
    }

    #[test]
    fn the_walk_lists_every_bucket_once() {
        for buckets in 0..40 {
            for key in 0..50 {
                let mut seen: Vec<u32> = Preferences::<Modulo>::new(key, buckets).collect();
                let first = seen.first().copied();
                if buckets > 0 {
                    assert_eq!(first, Some(Modulo::bucket_among(key, buckets)));
                }
                seen.sort_unstable();
                assert_eq!(seen, (0..buckets).collect::<Vec<_>>(), "key {key}, {buckets} buckets");
            }
        }
    }

    #[test]
    fn extend_is_all_or_nothing_and_pop_takes_the_last() {
        let mut nodes = OrderedNodes::<_, Modulo>::default();
        nodes.extend(["b", "a"], "test").unwrap();
        assert_eq!(
            nodes.extend(["c", "a"], "test"),
            Err(RouteError::DuplicateNode { node: "a".into() })
        );
        assert_eq!(nodes.as_slice(), ["b", "a"]);
        assert!(nodes.node_by_id(b"a").is_some() && nodes.node_by_id(b"c").is_none());
        assert_eq!(nodes.route(7), Some(&"a"));
        assert_eq!(nodes.pop(), Some("a"));
        assert_eq!(nodes.node_by_id(b"a"), None);
        assert_eq!(nodes.route(7), Some(&"b"));
        assert_eq!(nodes.pop(), Some("b"));
        assert_eq!(nodes.pop(), None);
        assert_eq!(nodes.route(7), None);
        let mut out = vec![&"x"];
        nodes.route_n_into(7, 3, &mut out);
        assert!(out.is_empty());
    }
}
