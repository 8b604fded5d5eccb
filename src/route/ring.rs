//! Consistent-hash ring with virtual nodes, weights, preference lists and
//! failover.

use std::borrow::Borrow;
use std::fmt;

use super::error::check_weight;
use super::members::Members;
use super::points::{Point, Points};
use super::{BuildError, Membership, NodeId, RouteError, Router, Weighted};
use crate::hash::{KeyHasher, Xxh3};

/// Virtual nodes (ring points) per unit of weight unless the builder says
/// otherwise: 160, as in ketama, which keeps the busiest of 100 nodes within
/// about 25% of the mean load.
pub const DEFAULT_VNODES: u32 = 160;

/// The most points a ring can hold (its index uses 32-bit positions).
const MAX_POINTS: u64 = u32::MAX as u64;

/// A consistent-hash ring with virtual nodes.
///
/// Each node is hashed onto the ring at `round(weight × vnodes)` points (at
/// least one, however small its weight). A key belongs to the node of the first
/// point at or after the key's hash, wrapping at the end; its preference list
/// continues clockwise through the next *distinct* nodes.
///
/// **Placement is a function of the node identities, weights and vnodes
/// alone.** Point `i` of a node is `H(identity ‖ i as u32 little-endian)` and
/// a key sits at `H(key)`, with `H` the hasher's
/// [`uniform64`](KeyHasher::uniform64) and the identity the node's
/// [`NodeId`] bytes: the fixed-width suffix makes the input unambiguous
/// (`"s1:1"`,`11` and `"s1:11"`,`1` are different byte strings). Two nodes
/// whose points collide both keep their point; the tie is ordered by
/// identity bytes, never by insertion order.
///
/// **Lookups** hash the key once, read a bucket of a radix index (one 32-bit
/// entry per point, rounded up to a power of two) and scan the few points in
/// that bucket: O(1) expected, no allocation, no binary search. Memory: 16
/// bytes per point plus 4 bytes per bucket, so about 20–24 bytes per point.
///
/// **Changes** rebuild the sorted point array by merging (insert, O(points))
/// or filtering (remove, O(points)); [`extend`](Membership::extend) adds many
/// nodes with one sort. A ring is immutable while shared: see
/// [`SharedRouter`](super::SharedRouter).
///
/// # Example
///
/// ```
/// use routekit::route::{HashRing, Membership, Router, Weighted};
///
/// let mut ring = HashRing::new();
/// ring.insert_weighted("big", 2.0)?;
/// ring.insert("small")?;
/// let owner = ring.route(b"user:1001").unwrap();
/// let [first, second] = ring.route_n(b"user:1001", 2)[..] else { unreachable!() };
/// assert_eq!(first, owner);
/// assert_ne!(first, second);
/// # Ok::<(), routekit::route::RouteError>(())
/// ```
#[derive(Clone)]
pub struct HashRing<N, H = Xxh3> {
    hasher: H,
    vnodes: u32,
    /// Nodes sorted by identity bytes, so a node's index orders ties.
    members: Members<N>,
    /// Each node's weight and point count, by node index.
    shares: Vec<Share>,
    /// All points, sorted by (hash, node index).
    points: Points,
}

/// A node's weight and the number of points it has.
#[derive(Clone, Copy, Debug)]
struct Share {
    weight: f64,
    points: u32,
}

impl<N: NodeId, H: KeyHasher> Router for HashRing<N, H> {
    type Node = N;

    /// The node owning `key`: O(1) expected, no allocation.
    #[inline]
    fn route(&self, key: &[u8]) -> Option<&N> {
        let member = self.points.owner(self.hasher.uniform64(key))?;
        Some(self.members.get(member))
    }

    /// Walks clockwise from the key's position, collecting distinct nodes:
    /// O(1) expected for the owner, then about `len() / (len() - k)` points per
    /// further node. Allocation-free for `n ≤ 64` when `out` has room.
    fn route_n_into<'r>(&'r self, key: &[u8], n: usize, out: &mut Vec<&'r N>) {
        out.clear();
        if n == 0 {
            return;
        }
        let walk = self.points.distinct_from(self.hasher.uniform64(key), self.members.len());
        out.extend(walk.take(n).map(|member| self.members.get(member)));
    }

    /// Walks clockwise from the key's position to the first point whose node
    /// is healthy: O(points walked); `is_healthy` is called once per distinct
    /// node visited. Returns `None` after visiting every node.
    fn route_healthy(&self, key: &[u8], is_healthy: &dyn Fn(&N) -> bool) -> Option<&N> {
        self.points
            .distinct_from(self.hasher.uniform64(key), self.members.len())
            .map(|member| self.members.get(member))
            .find(|node| is_healthy(node))
    }

    /// O(log n) in the node count.
    fn node_by_id(&self, id: &[u8]) -> Option<&N> {
        self.members.node_by_id(id)
    }

    fn len(&self) -> usize {
        self.members.len()
    }

    fn memory_bytes(&self) -> usize {
        self.members.memory_bytes()
            + self.shares.capacity() * size_of::<Share>()
            + self.points.memory_bytes()
    }
}

impl<N: NodeId, H: KeyHasher> Membership for HashRing<N, H> {
    /// Adds many nodes at weight 1 with a single sort: O(points · log points).
    /// Either every node is added or, on error, none is.
    ///
    /// # Errors
    ///
    /// A duplicate identity (among the new nodes or with a present one), or
    /// more points than a ring indexes ([`RouteError::TooManyPoints`]).
    ///
    /// ```
    /// use routekit::route::{HashRing, Membership, Router};
    /// let mut ring = HashRing::new();
    /// ring.extend((0..100).map(|i| format!("node-{i}")))?;
    /// assert_eq!(ring.len(), 100);
    /// assert_eq!(ring.point_count(), 16_000);
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    fn extend<I: IntoIterator<Item = N>>(&mut self, nodes: I) -> Result<(), RouteError> {
        self.extend_weighted(nodes.into_iter().map(|node| (node, 1.0)))
    }

    /// Removes a node and its points: O(points).
    fn remove<Q>(&mut self, node: &Q) -> Result<N, RouteError>
    where
        N: Borrow<Q>,
        Q: NodeId + ?Sized,
    {
        let (at, removed) = self.members.remove(node)?;
        self.shares.remove(at);
        let at = at as u32;
        let mut points = std::mem::take(&mut self.points).into_vec();
        points.retain_mut(|point| {
            if point.member == at {
                return false;
            }
            if point.member > at {
                point.member -= 1;
            }
            true
        });
        self.points = Points::from_sorted(points);
        Ok(removed)
    }
}

impl<N: NodeId, H: KeyHasher> Weighted for HashRing<N, H> {
    /// Positive and finite; a node gets `round(weight × vnodes)` points, at
    /// least one.
    type Weight = f64;

    /// Adds many weighted nodes with a single sort of the new points and a
    /// merge: O(points + new points · log new points). Either every node is
    /// added or, on error, none is.
    ///
    /// # Errors
    ///
    /// [`RouteError::InvalidWeight`], [`RouteError::DuplicateNode`],
    /// [`RouteError::TooManyPoints`].
    ///
    /// ```
    /// use routekit::route::{HashRing, Weighted};
    /// let mut ring = HashRing::new();
    /// ring.extend_weighted([("a", 1.0), ("b", 3.0)])?;
    /// assert_eq!(ring.point_count(), 640);
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    fn extend_weighted<I: IntoIterator<Item = (N, f64)>>(
        &mut self,
        nodes: I,
    ) -> Result<(), RouteError> {
        let mut added: Vec<(N, Share)> = Vec::new();
        let mut total = self.points.len() as u64;
        for (node, weight) in nodes {
            check_weight(&node, weight)?;
            let points = points_for(self.vnodes, weight);
            total = total.saturating_add(points);
            if total > MAX_POINTS {
                return Err(RouteError::TooManyPoints { requested: total, max: MAX_POINTS });
            }
            added.push((node, Share { weight, points: points as u32 }));
        }
        if added.is_empty() {
            return Ok(());
        }
        let old_len = self.members.len();
        let inserted = self.members.insert_all(added)?;
        let renumber = inserted.renumbering(old_len);
        let mut fresh: Vec<Point> = Vec::new();
        let mut buffer = Vec::new();
        for (index, &share) in inserted.iter() {
            let identity = self.members.get(index).id_bytes();
            push_points(&self.hasher, &mut buffer, identity.as_ref(), share, index, &mut fresh);
        }
        inserted.along(&mut self.shares, |_, &share| share);
        fresh.sort_unstable();
        let mut existing = std::mem::take(&mut self.points).into_vec();
        for point in &mut existing {
            point.member = renumber[point.member as usize];
        }
        // Renumbering keeps the identity order, so `existing` stays sorted.
        self.points = Points::from_sorted(merge_sorted(existing, fresh));
        Ok(())
    }

    /// O(log n).
    fn weight<Q>(&self, node: &Q) -> Option<f64>
    where
        N: Borrow<Q>,
        Q: NodeId + ?Sized,
    {
        self.members.find(node.id_bytes().as_ref()).map(|at| self.shares[at].weight)
    }
}

impl<N, H: Default> Default for HashRing<N, H> {
    fn default() -> Self {
        HashRing::with_parts(H::default(), DEFAULT_VNODES)
    }
}

impl<N: NodeId, H: fmt::Debug> fmt::Debug for HashRing<N, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let nodes: Vec<_> = self
            .members
            .as_slice()
            .iter()
            .zip(&self.shares)
            .map(|(node, share)| (node.display_name(), share.weight))
            .collect();
        f.debug_struct("HashRing")
            .field("hasher", &self.hasher)
            .field("vnodes", &self.vnodes)
            .field("points", &self.points.len())
            .field("nodes", &nodes)
            .finish()
    }
}

impl<N> HashRing<N, Xxh3> {
    /// An empty ring with [`DEFAULT_VNODES`] per unit of weight, hashing with
    /// [`Xxh3`] seed 0.
    ///
    /// ```
    /// use routekit::route::{HashRing, Router};
    /// let ring: HashRing<String> = HashRing::new();
    /// assert!(ring.route(b"anything").is_none());
    /// ```
    pub fn new() -> Self {
        HashRing::with_parts(Xxh3::new(), DEFAULT_VNODES)
    }
}

impl HashRing<()> {
    /// A builder to choose the vnodes and the hasher. The builder does not
    /// depend on the node type, which [`build`](HashRingBuilder::build)
    /// chooses (hence this function lives on `HashRing<()>`, so that
    /// `HashRing::builder()` needs no type annotation).
    ///
    /// ```
    /// use routekit::hash::Sip13;
    /// use routekit::route::HashRing;
    ///
    /// let ring: HashRing<String, Sip13> =
    ///     HashRing::builder().vnodes(100).hasher(Sip13::new([9; 16])).build()?;
    /// assert_eq!(ring.vnodes(), 100);
    /// # Ok::<(), routekit::route::BuildError>(())
    /// ```
    pub fn builder() -> HashRingBuilder {
        HashRingBuilder::default()
    }
}

impl<N, H> HashRing<N, H> {
    /// An empty ring hashing with `hasher`, with [`DEFAULT_VNODES`].
    ///
    /// ```
    /// use routekit::hash::Fnv1a;
    /// use routekit::route::HashRing;
    /// let ring: HashRing<&str, Fnv1a> = HashRing::with_hasher(Fnv1a);
    /// assert_eq!(ring.vnodes(), 160);
    /// ```
    pub fn with_hasher(hasher: H) -> Self {
        HashRing::with_parts(hasher, DEFAULT_VNODES)
    }

    fn with_parts(hasher: H, vnodes: u32) -> Self {
        HashRing {
            hasher,
            vnodes,
            members: Members::default(),
            shares: Vec::new(),
            points: Points::default(),
        }
    }

    /// Virtual nodes per unit of weight.
    ///
    /// ```
    /// use routekit::route::HashRing;
    /// assert_eq!(HashRing::<String>::new().vnodes(), routekit::route::DEFAULT_VNODES);
    /// ```
    pub fn vnodes(&self) -> u32 {
        self.vnodes
    }

    /// The hasher used for keys and points.
    ///
    /// ```
    /// use routekit::hash::Xxh3;
    /// use routekit::route::HashRing;
    /// assert_eq!(*HashRing::<String>::new().hasher(), Xxh3::new());
    /// ```
    pub fn hasher(&self) -> &H {
        &self.hasher
    }

    /// The total number of points on the ring.
    ///
    /// ```
    /// use routekit::route::{HashRing, Weighted};
    /// let mut ring = HashRing::new();
    /// ring.insert_weighted("a", 0.5)?;
    /// assert_eq!(ring.point_count(), 80);
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    pub fn point_count(&self) -> usize {
        self.points.len()
    }

    /// The nodes with their weights and point counts, in identity order.
    ///
    /// ```
    /// use routekit::route::{HashRing, Membership, Weighted};
    /// let mut ring = HashRing::new();
    /// ring.insert_weighted("b", 2.0)?;
    /// ring.insert("a")?;
    /// let listed: Vec<_> = ring.nodes().collect();
    /// assert_eq!(listed, [(&"a", 1.0, 160), (&"b", 2.0, 320)]);
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    pub fn nodes(&self) -> impl ExactSizeIterator<Item = (&N, f64, u32)> + '_ {
        self.members.as_slice().iter().zip(&self.shares).map(|(n, s)| (n, s.weight, s.points))
    }

    /// The sorted points and the nodes they index, for handoff plans.
    pub(crate) fn ring_parts(&self) -> (&[Point], &[N]) {
        (self.points.as_slice(), self.members.as_slice())
    }

    /// The node of the first point at or after `position`, for routing by
    /// a stored position.
    pub(crate) fn owner_at(&self, position: u64) -> Option<&N> {
        self.points.owner(position).map(|member| self.members.get(member))
    }
}

/// Builds a [`HashRing`] with a chosen number of vnodes and hasher.
///
/// # Example
///
/// ```
/// use routekit::hash::Xxh3;
/// use routekit::route::{BuildError, HashRing};
///
/// let mut builder = HashRing::builder();
/// builder.vnodes(40);
/// let ring: HashRing<String> = builder.build()?;
/// assert_eq!(ring.vnodes(), 40);
/// let seeded: HashRing<u64> = builder.hasher(Xxh3::with_seed(7)).build()?;
/// assert_eq!(seeded.vnodes(), 40);
/// assert_eq!(builder.vnodes(0).build::<String>().unwrap_err(), BuildError::ZeroVnodes);
/// # Ok::<(), BuildError>(())
/// ```
#[derive(Clone, Debug)]
pub struct HashRingBuilder<H = Xxh3> {
    hasher: H,
    vnodes: u32,
}

impl Default for HashRingBuilder {
    /// [`DEFAULT_VNODES`] and [`Xxh3`] seed 0.
    fn default() -> Self {
        HashRingBuilder { hasher: Xxh3::new(), vnodes: DEFAULT_VNODES }
    }
}

impl<H: KeyHasher> HashRingBuilder<H> {
    /// Virtual nodes per unit of weight (default [`DEFAULT_VNODES`]); must be
    /// at least 1.
    ///
    /// ```
    /// use routekit::route::HashRing;
    /// let ring: HashRing<String> = HashRing::builder().vnodes(10).build()?;
    /// assert_eq!(ring.vnodes(), 10);
    /// # Ok::<(), routekit::route::BuildError>(())
    /// ```
    pub fn vnodes(&mut self, vnodes: u32) -> &mut Self {
        self.vnodes = vnodes;
        self
    }

    /// The hasher for keys and points (default [`Xxh3`] seed 0): a builder
    /// of the new hasher type with the same vnodes.
    ///
    /// ```
    /// use routekit::hash::Fnv1a;
    /// use routekit::route::HashRing;
    /// let ring: HashRing<String, Fnv1a> = HashRing::builder().hasher(Fnv1a).build()?;
    /// # let _ = ring;
    /// # Ok::<(), routekit::route::BuildError>(())
    /// ```
    pub fn hasher<H2: KeyHasher>(&self, hasher: H2) -> HashRingBuilder<H2> {
        HashRingBuilder { hasher, vnodes: self.vnodes }
    }

    /// An empty ring of `N` nodes with these settings.
    ///
    /// # Errors
    ///
    /// [`BuildError::ZeroVnodes`] when vnodes is 0.
    ///
    /// ```
    /// use routekit::route::{HashRing, Router};
    /// let ring: HashRing<&str> = HashRing::builder().vnodes(8).build()?;
    /// assert!(ring.is_empty());
    /// # Ok::<(), routekit::route::BuildError>(())
    /// ```
    pub fn build<N>(&self) -> Result<HashRing<N, H>, BuildError> {
        if self.vnodes == 0 {
            return Err(BuildError::ZeroVnodes);
        }
        Ok(HashRing::with_parts(self.hasher.clone(), self.vnodes))
    }
}

/// `round(weight × vnodes)`, at least 1; saturates far above [`MAX_POINTS`].
fn points_for(vnodes: u32, weight: f64) -> u64 {
    let exact = (weight * f64::from(vnodes)).round();
    if exact >= MAX_POINTS as f64 { MAX_POINTS + 1 } else { (exact as u64).max(1) }
}

/// Appends a node's points: `H(identity ‖ i as u32 LE)` for each `i`.
fn push_points<H: KeyHasher>(
    hasher: &H,
    buffer: &mut Vec<u8>,
    identity: &[u8],
    share: Share,
    index: usize,
    out: &mut Vec<Point>,
) {
    buffer.clear();
    buffer.extend_from_slice(identity);
    buffer.extend_from_slice(&[0; 4]);
    out.reserve(share.points as usize);
    for vnode in 0..share.points {
        buffer[identity.len()..].copy_from_slice(&vnode.to_le_bytes());
        out.push(Point { hash: hasher.uniform64(buffer), member: index as u32 });
    }
}

fn merge_sorted(left: Vec<Point>, right: Vec<Point>) -> Vec<Point> {
    if left.is_empty() {
        return right;
    }
    let mut merged = Vec::with_capacity(left.len() + right.len());
    let mut left = left.into_iter().peekable();
    let mut right = right.into_iter().peekable();
    while let (Some(l), Some(r)) = (left.peek(), right.peek()) {
        merged.push(if l <= r { left.next() } else { right.next() }.expect("peeked"));
    }
    merged.extend(left);
    merged.extend(right);
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::route::Membership;

    #[test]
    fn vnode_inputs_are_unambiguous() {
        // "s1:1" + "11" and "s1:11" + "1" spell the same text, but the vnode
        // index is a fixed-width suffix, so the hashed bytes differ.
        let ring_a = {
            let mut r = HashRing::builder().vnodes(12).build().unwrap();
            r.insert("s1:1").unwrap();
            r
        };
        let ring_b = {
            let mut r = HashRing::builder().vnodes(2).build().unwrap();
            r.insert("s1:11").unwrap();
            r
        };
        let a: Vec<u64> = ring_a.points.as_slice().iter().map(|p| p.hash).collect();
        let b: Vec<u64> = ring_b.points.as_slice().iter().map(|p| p.hash).collect();
        assert!(b.iter().all(|h| !a.contains(h)));
    }

    #[test]
    fn colliding_points_are_ordered_by_identity() {
        // Force collisions with a hasher that ignores the node name.
        #[derive(Clone, Debug)]
        struct SuffixOnly;
        impl KeyHasher for SuffixOnly {
            fn hash64(&self, bytes: &[u8]) -> u64 {
                let tail = &bytes[bytes.len().saturating_sub(4)..];
                let mut word = [0; 8];
                word[..tail.len()].copy_from_slice(tail);
                u64::from_le_bytes(word) << 40
            }
            fn hash128(&self, bytes: &[u8]) -> u128 {
                u128::from(self.hash64(bytes))
            }
            fn id(&self) -> crate::hash::HasherId {
                Xxh3::new().id()
            }
        }
        let build = |order: &[&'static str]| {
            let mut ring = HashRing::builder().vnodes(4).hasher(SuffixOnly).build().unwrap();
            for node in order {
                ring.insert(*node).unwrap();
            }
            ring
        };
        let forward = build(&["zeta", "alpha", "mid"]);
        let backward = build(&["mid", "alpha", "zeta"]);
        for key in 0u32..8 {
            let key = &key.to_le_bytes();
            assert_eq!(forward.route(key), Some(&"alpha"));
            assert_eq!(forward.route(key), backward.route(key));
            assert_eq!(
                forward.route_n(key, 3),
                ["alpha", "mid", "zeta"].iter().collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn tiny_weights_still_get_a_point() {
        let mut ring = HashRing::new();
        ring.insert_weighted("tiny", 1e-9).unwrap();
        assert_eq!(ring.point_count(), 1);
        assert_eq!(ring.route(b"k"), Some(&"tiny"));
    }

    #[test]
    fn huge_weights_are_refused_and_leave_the_ring_unchanged() {
        let mut ring = HashRing::new();
        ring.insert("a").unwrap();
        let err = ring.insert_weighted("b", 1e12).unwrap_err();
        assert!(matches!(err, RouteError::TooManyPoints { .. }), "{err}");
        assert_eq!(ring.len(), 1);
        assert_eq!(ring.point_count(), 160);
    }

    #[test]
    fn extend_is_all_or_nothing() {
        let mut ring = HashRing::new();
        ring.insert("b").unwrap();
        let err = ring.extend(["a", "c", "b"]).unwrap_err();
        assert_eq!(err, RouteError::DuplicateNode { node: "b".into() });
        let err = ring.extend(["x", "x"]).unwrap_err();
        assert_eq!(err, RouteError::DuplicateNode { node: "x".into() });
        assert_eq!(ring.len(), 1);
        assert_eq!(ring.point_count(), 160);
    }

    #[test]
    fn removing_every_node_empties_the_ring() {
        let mut ring = HashRing::new();
        ring.extend(["a", "b"]).unwrap();
        assert_eq!(ring.remove("a").unwrap(), "a");
        assert_eq!(ring.remove("b").unwrap(), "b");
        assert!(ring.route(b"k").is_none());
        assert_eq!(ring.route_n(b"k", 2), Vec::<&&str>::new());
        assert_eq!(ring.remove("b").unwrap_err(), RouteError::UnknownNode { node: "b".into() });
    }
}
