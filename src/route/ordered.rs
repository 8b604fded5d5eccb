//! What the jump-style routers share: nodes in bucket order with an identity
//! index, and the preference walk that follows the key back through the
//! buckets it held as the node list grew.

use super::RouteError;
use super::error::display_node;

/// A bucket function: the bucket of a 64-bit key hash among `buckets ≥ 1`
/// buckets, consistent in the jump sense (growing from `m` to `m + 1`
/// buckets moves a key only onto bucket `m`).
pub(crate) type BucketFn = fn(u64, u32) -> u32;

/// A bucket count prepared for a bucket function: whatever the function
/// derives from the count alone, computed once per membership change
/// instead of once per key.
pub(crate) trait BucketCount: Copy {
    /// The prepared form of `buckets` (0 included: it is never asked for a
    /// bucket).
    fn prepare(buckets: u32) -> Self;

    /// The bucket of a 64-bit key hash; the count is at least 1.
    fn bucket(self, key: u64) -> u32;
}

/// Nodes in bucket order (node `i` is bucket `i`), with an index sorted by
/// identity for `contains` and duplicate checks, and their count prepared
/// for the bucket function `C`.
#[derive(Clone, Debug)]
pub(crate) struct OrderedNodes<N, C> {
    nodes: Vec<N>,
    /// Positions in `nodes`, sorted by the nodes' identity bytes.
    by_identity: Vec<u32>,
    count: C,
}

impl<N, C: BucketCount> Default for OrderedNodes<N, C> {
    fn default() -> Self {
        OrderedNodes { nodes: Vec::new(), by_identity: Vec::new(), count: C::prepare(0) }
    }
}

impl<N: AsRef<[u8]>, C: BucketCount> OrderedNodes<N, C> {
    pub(crate) fn len(&self) -> usize {
        self.nodes.len()
    }

    /// The bucket count, which [`OrderedNodes::extend`] keeps within `u32`.
    #[inline]
    pub(crate) fn buckets(&self) -> u32 {
        self.nodes.len() as u32
    }

    /// The bucket count prepared for the bucket function.
    #[inline]
    pub(crate) fn count(&self) -> C {
        self.count
    }

    #[inline]
    pub(crate) fn get(&self, bucket: u32) -> &N {
        &self.nodes[bucket as usize]
    }

    pub(crate) fn as_slice(&self) -> &[N] {
        &self.nodes
    }

    pub(crate) fn memory_bytes(&self) -> usize {
        self.nodes.capacity() * std::mem::size_of::<N>()
            + self.by_identity.capacity() * std::mem::size_of::<u32>()
    }

    fn find(&self, node: &[u8]) -> Result<usize, usize> {
        self.by_identity.binary_search_by(|&i| self.nodes[i as usize].as_ref().cmp(node))
    }

    /// Appends nodes as the next buckets, in the given order: O(n log n) for
    /// the identity index. Either every node is added or, on error, none is.
    pub(crate) fn extend<I: IntoIterator<Item = N>>(
        &mut self,
        nodes: I,
        strategy: &'static str,
    ) -> Result<(), RouteError> {
        let before = self.nodes.len();
        self.nodes.extend(nodes);
        if u32::try_from(self.nodes.len()).is_err() {
            self.nodes.truncate(before);
            return Err(RouteError::Unsupported {
                strategy,
                operation: "hold more than 2^32 - 1 nodes",
            });
        }
        let mut index = std::mem::take(&mut self.by_identity);
        index.extend(before as u32..self.nodes.len() as u32);
        index.sort_unstable_by(|&a, &b| {
            self.nodes[a as usize].as_ref().cmp(self.nodes[b as usize].as_ref())
        });
        let duplicate = index.windows(2).find_map(|pair| {
            let (a, b) = (&self.nodes[pair[0] as usize], &self.nodes[pair[1] as usize]);
            (a.as_ref() == b.as_ref()).then(|| display_node(a.as_ref()))
        });
        if let Some(node) = duplicate {
            index.retain(|&i| (i as usize) < before);
            self.by_identity = index;
            self.nodes.truncate(before);
            return Err(RouteError::DuplicateNode { node });
        }
        self.by_identity = index;
        self.count = C::prepare(self.buckets());
        Ok(())
    }

    /// Removes the node with identity `node` if it is the last bucket.
    pub(crate) fn pop_last(
        &mut self,
        node: &[u8],
        strategy: &'static str,
    ) -> Result<N, RouteError> {
        let at =
            self.find(node).map_err(|_| RouteError::UnknownNode { node: display_node(node) })?;
        if self.by_identity[at] as usize + 1 != self.nodes.len() {
            return Err(RouteError::Unsupported {
                strategy,
                operation: "remove a node other than the last one added: buckets leave from the end",
            });
        }
        self.by_identity.remove(at);
        let last = self.nodes.pop().expect("the node was found, so the list is not empty");
        self.count = C::prepare(self.buckets());
        Ok(last)
    }

    pub(crate) fn contains(&self, node: &[u8]) -> bool {
        self.find(node).is_ok()
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
pub(crate) struct Preferences {
    bucket: BucketFn,
    key: u64,
    /// The bucket count for the next chain step; 0 once the chain is done.
    chain_from: u32,
    /// The next bucket of the descent, plus one (0 when finished).
    descent: u32,
    /// The next chain member the descent must skip (`None` past bucket 0).
    skip: Option<u32>,
}

impl Preferences {
    pub(crate) fn new(bucket: BucketFn, key: u64, buckets: u32) -> Preferences {
        let skip = (buckets > 0).then(|| bucket(key, buckets));
        Preferences { bucket, key, chain_from: buckets, descent: buckets, skip }
    }
}

impl Iterator for Preferences {
    type Item = u32;

    #[inline]
    fn next(&mut self) -> Option<u32> {
        if self.chain_from > 0 {
            let b = (self.bucket)(self.key, self.chain_from);
            self.chain_from = b;
            return Some(b);
        }
        while self.descent > 0 {
            self.descent -= 1;
            let candidate = self.descent;
            if self.skip == Some(candidate) {
                self.skip = (candidate > 0).then(|| (self.bucket)(self.key, candidate));
            } else {
                return Some(candidate);
            }
        }
        None
    }
}

/// Implements [`Router`](super::Router), `Default`, `Debug` and the common
/// inherent methods for a jump-style router: a struct with fields
/// `hasher: H` and `nodes: OrderedNodes<N, C>`, routing with `C`'s bucket
/// function and walking preferences with `$bucket`, the same function on a
/// plain count.
macro_rules! jump_style_router {
    ($router:ident, $bucket:path, $strategy:literal) => {
        impl<N: AsRef<[u8]>, H: KeyHasher> Router for $router<N, H> {
            type Node = N;

            /// One bucket computation: no allocation, no table.
            #[inline]
            fn route(&self, key: &[u8]) -> Option<&N> {
                if self.nodes.len() == 0 {
                    return None;
                }
                Some(self.nodes.get(self.nodes.count().bucket(self.hasher.uniform64(key))))
            }

            /// The jump-back chain, then the other nodes from the last added
            /// down (see the type's docs): one bucket computation per node
            /// of the chain; allocation-free when `out` has room.
            fn route_n_into<'r>(
                &'r self,
                key: &[u8],
                n: usize,
                out: &mut Vec<&'r N>,
            ) -> Result<(), RouteError> {
                $crate::route::start_list(n, out)?;
                let walk = Preferences::new($bucket, self.hasher.uniform64(key), self.nodes.buckets());
                out.extend(walk.take(n).map(|bucket| self.nodes.get(bucket)));
                Ok(())
            }

            /// The first healthy node of the preference list: one bucket
            /// computation when the owner is healthy.
            fn route_healthy(&self, key: &[u8], is_healthy: &dyn Fn(&N) -> bool) -> Option<&N> {
                Preferences::new($bucket, self.hasher.uniform64(key), self.nodes.buckets())
                    .map(|bucket| self.nodes.get(bucket))
                    .find(|node| is_healthy(node))
            }

            /// Appends `node` as the last bucket: O(n) for the identity index.
            /// Only weight 1 is accepted.
            fn insert_weighted(&mut self, node: N, weight: f64) -> Result<(), RouteError> {
                check_weight(node.as_ref(), weight)?;
                if weight != 1.0 {
                    return Err(RouteError::Unsupported {
                        strategy: $strategy,
                        operation: "weight nodes: every bucket gets an equal share",
                    });
                }
                self.nodes.extend([node], $strategy)
            }

            /// Removes the last node added: O(n) for the identity index.
            fn remove(&mut self, node: &[u8]) -> Result<N, RouteError> {
                self.nodes.pop_last(node, $strategy)
            }

            /// O(log n).
            fn contains(&self, node: &[u8]) -> bool {
                self.nodes.contains(node)
            }

            fn len(&self) -> usize {
                self.nodes.len()
            }

            fn memory_bytes(&self) -> usize {
                self.nodes.memory_bytes()
            }

            fn capabilities(&self) -> Capabilities {
                Capabilities { weights: false, arbitrary_removal: false, replicas: true }
            }
        }

        impl<N, H: Default> Default for $router<N, H> {
            fn default() -> Self {
                $router { hasher: H::default(), nodes: OrderedNodes::default() }
            }
        }

        impl<N: AsRef<[u8]>, H: fmt::Debug> fmt::Debug for $router<N, H> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let nodes: Vec<_> =
                    self.nodes.as_slice().iter().map(|n| String::from_utf8_lossy(n.as_ref())).collect();
                f.debug_struct(stringify!($router))
                    .field("hasher", &self.hasher)
                    .field("nodes", &nodes)
                    .finish()
            }
        }

        impl<N> $router<N, Xxh3> {
            /// An empty router hashing keys with [`Xxh3`] seed 0.
            ///
            /// ```
            #[doc = concat!("use routekit::route::{", stringify!($router), ", Router};")]
            #[doc = concat!("let router: ", stringify!($router), "<String> = ", stringify!($router), "::new();")]
            /// assert!(router.route(b"k").is_none());
            /// ```
            pub fn new() -> Self {
                $router::with_hasher(Xxh3::new())
            }
        }

        impl<N, H> $router<N, H> {
            /// An empty router hashing keys with `hasher`.
            ///
            /// ```
            /// use routekit::hash::Sip13;
            #[doc = concat!("use routekit::route::", stringify!($router), ";")]
            #[doc = concat!("let router: ", stringify!($router), "<String, Sip13> = ", stringify!($router), "::with_hasher(Sip13::new([7; 16]));")]
            /// # let _ = router;
            /// ```
            pub fn with_hasher(hasher: H) -> Self {
                $router { hasher, nodes: OrderedNodes::default() }
            }

            /// The hasher used for keys.
            ///
            /// ```
            /// use routekit::hash::Xxh3;
            #[doc = concat!("use routekit::route::", stringify!($router), ";")]
            #[doc = concat!("assert_eq!(*", stringify!($router), "::<String>::new().hasher(), Xxh3::new());")]
            /// ```
            pub fn hasher(&self) -> &H {
                &self.hasher
            }
        }

        impl<N: AsRef<[u8]>, H> $router<N, H> {
            /// The nodes in bucket order: node `i` is bucket `i`.
            ///
            /// ```
            #[doc = concat!("use routekit::route::{", stringify!($router), ", Router};")]
            #[doc = concat!("let mut router = ", stringify!($router), "::new();")]
            /// router.extend(["a", "b"])?;
            /// router.insert("c")?;
            /// assert_eq!(router.nodes(), ["a", "b", "c"]);
            /// # Ok::<(), routekit::route::RouteError>(())
            /// ```
            pub fn nodes(&self) -> &[N] {
                self.nodes.as_slice()
            }

            /// Appends many nodes as the next buckets, in order, with one sort
            /// of the identity index: O(n log n). Either every node is added
            /// or, on error, none is.
            ///
            /// # Errors
            ///
            /// [`RouteError::DuplicateNode`] when an identity repeats (among
            /// the new nodes or with a present one).
            ///
            /// ```
            #[doc = concat!("use routekit::route::{", stringify!($router), ", Router};")]
            #[doc = concat!("let mut router = ", stringify!($router), "::new();")]
            /// router.extend((0..1000).map(|i| format!("shard-{i}")))?;
            /// assert_eq!(router.len(), 1000);
            /// assert!(router.extend(["shard-7".to_string()]).is_err());
            /// # Ok::<(), routekit::route::RouteError>(())
            /// ```
            pub fn extend<I: IntoIterator<Item = N>>(&mut self, nodes: I) -> Result<(), RouteError> {
                self.nodes.extend(nodes, $strategy)
            }
        }
    };
}

pub(crate) use jump_style_router;

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
            modulo_like(key, self.0)
        }
    }

    fn modulo_like(key: u64, buckets: u32) -> u32 {
        // Not consistent, but enough to exercise the walk's bookkeeping.
        (key % u64::from(buckets)) as u32
    }

    #[test]
    fn the_walk_lists_every_bucket_once() {
        for buckets in 0..40 {
            for key in 0..50 {
                let mut seen: Vec<u32> = Preferences::new(modulo_like, key, buckets).collect();
                let first = seen.first().copied();
                if buckets > 0 {
                    assert_eq!(first, Some(modulo_like(key, buckets)));
                }
                seen.sort_unstable();
                assert_eq!(seen, (0..buckets).collect::<Vec<_>>(), "key {key}, {buckets} buckets");
            }
        }
    }

    #[test]
    fn extend_is_all_or_nothing() {
        let mut nodes = OrderedNodes::<_, Modulo>::default();
        nodes.extend(["b", "a"], "test").unwrap();
        assert_eq!(
            nodes.extend(["c", "a"], "test"),
            Err(RouteError::DuplicateNode { node: "a".into() })
        );
        assert_eq!(nodes.as_slice(), ["b", "a"]);
        assert!(nodes.contains(b"a") && !nodes.contains(b"c"));
        assert!(matches!(nodes.pop_last(b"b", "test"), Err(RouteError::Unsupported { .. })));
        assert_eq!(nodes.pop_last(b"a", "test"), Ok("a"));
        assert_eq!(nodes.pop_last(b"a", "test"), Err(RouteError::UnknownNode { node: "a".into() }));
    }
}
