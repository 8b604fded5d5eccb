//! Consistent-hash ring with virtual nodes, weights, preference lists and
//! failover.

use std::fmt;
use std::marker::PhantomData;

use super::error::display_node;
use super::points::{Point, Points};
use super::{Capabilities, RouteError, Router, check_weight, start_list};
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
/// **Placement is a function of the node identities alone.** Point `i` of a
/// node is `H(identity ‖ i as u32 little-endian)` and a key sits at `H(key)`,
/// with `H` the hasher's [`uniform64`](KeyHasher::uniform64): the fixed-width suffix makes
/// the input unambiguous (`"s1:1"`,`11` and `"s1:11"`,`1` are different byte
/// strings). Two nodes whose points collide both keep their point; the tie is
/// ordered by identity bytes, never by insertion order.
///
/// **Lookups** hash the key once, read a bucket of a radix index (one 32-bit
/// entry per point, rounded up to a power of two) and scan the few points in
/// that bucket: O(1) expected, no allocation, no binary search. Memory: 16
/// bytes per point plus 4 bytes per bucket, so about 20–24 bytes per point.
///
/// **Changes** rebuild the sorted point array by merging (insert, O(points))
/// or filtering (remove, O(points)); [`HashRing::extend`] adds many nodes with
/// one sort. A ring is immutable while shared: see
/// [`SharedRouter`](super::SharedRouter).
///
/// # Example
///
/// ```
/// use routekit::route::{HashRing, Router};
///
/// let mut ring = HashRing::new();
/// ring.insert_weighted("big", 2.0)?;
/// ring.insert("small")?;
/// let owner = ring.route(b"user:1001").unwrap();
/// let [first, second] = ring.route_n(b"user:1001", 2)?[..] else { unreachable!() };
/// assert_eq!(first, owner);
/// assert_ne!(first, second);
/// # Ok::<(), routekit::route::RouteError>(())
/// ```
#[derive(Clone)]
pub struct HashRing<N, H = Xxh3> {
    hasher: H,
    vnodes: u32,
    /// Members sorted by identity bytes, so a member's index orders ties.
    members: Vec<Member<N>>,
    /// All points, sorted by (hash, member index).
    points: Points,
}

#[derive(Clone)]
struct Member<N> {
    node: N,
    weight: f64,
    points: u32,
}

impl<N: AsRef<[u8]>, H: KeyHasher> Router for HashRing<N, H> {
    type Node = N;

    /// The node owning `key`: O(1) expected, no allocation.
    #[inline]
    fn route(&self, key: &[u8]) -> Option<&N> {
        let member = self.points.owner(self.hasher.uniform64(key))?;
        Some(&self.members[member].node)
    }

    /// Walks clockwise from the key's position, collecting distinct nodes:
    /// O(1) expected for the owner, then about `len() / (len() - k)` points per
    /// further node. Allocation-free for `n ≤ 64` when `out` has room.
    fn route_n_into<'r>(
        &'r self,
        key: &[u8],
        n: usize,
        out: &mut Vec<&'r N>,
    ) -> Result<(), RouteError> {
        start_list(n, out)?;
        let walk = self.points.distinct_from(self.hasher.uniform64(key), self.members.len());
        out.extend(walk.take(n).map(|member| &self.members[member].node));
        Ok(())
    }

    /// Walks clockwise from the key's position to the first point whose node
    /// is healthy: O(points walked); `is_healthy` is called once per distinct
    /// node visited. Returns `None` after visiting every node.
    fn route_healthy(&self, key: &[u8], is_healthy: &dyn Fn(&N) -> bool) -> Option<&N> {
        self.points
            .distinct_from(self.hasher.uniform64(key), self.members.len())
            .map(|member| &self.members[member].node)
            .find(|node| is_healthy(node))
    }

    /// Adds `node` with `round(weight × vnodes)` points, at least one:
    /// O(points) by merging into the sorted array.
    fn insert_weighted(&mut self, node: N, weight: f64) -> Result<(), RouteError> {
        self.extend_weighted([(node, weight)])
    }

    /// Removes a node and its points: O(points).
    fn remove(&mut self, node: &[u8]) -> Result<N, RouteError> {
        let at =
            self.find(node).map_err(|_| RouteError::UnknownNode { node: display_node(node) })?;
        let removed = self.members.remove(at);
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
        Ok(removed.node)
    }

    /// O(log n) in the node count.
    fn contains(&self, node: &[u8]) -> bool {
        self.find(node).is_ok()
    }

    fn len(&self) -> usize {
        self.members.len()
    }

    fn memory_bytes(&self) -> usize {
        self.members.capacity() * std::mem::size_of::<Member<N>>() + self.points.memory_bytes()
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities { weights: true, arbitrary_removal: true, replicas: true }
    }
}

impl<N, H: Default> Default for HashRing<N, H> {
    fn default() -> Self {
        HashRing::with_hasher_and_vnodes(H::default(), DEFAULT_VNODES)
    }
}

impl<N: AsRef<[u8]>, H: fmt::Debug> fmt::Debug for HashRing<N, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let nodes: Vec<_> = self
            .members
            .iter()
            .map(|m| (String::from_utf8_lossy(m.node.as_ref()), m.weight))
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
        HashRing::with_hasher_and_vnodes(Xxh3::new(), DEFAULT_VNODES)
    }

    /// A builder to choose the vnodes and the hasher.
    ///
    /// ```
    /// use routekit::hash::Sip13;
    /// use routekit::route::HashRing;
    ///
    /// let ring: HashRing<String, Sip13> =
    ///     HashRing::builder().vnodes(100).hasher(Sip13::new([9; 16])).build()?;
    /// assert_eq!(ring.vnodes(), 100);
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    pub fn builder() -> HashRingBuilder<N, Xxh3> {
        HashRingBuilder { hasher: Xxh3::new(), vnodes: DEFAULT_VNODES, nodes: PhantomData }
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
        HashRing::with_hasher_and_vnodes(hasher, DEFAULT_VNODES)
    }

    fn with_hasher_and_vnodes(hasher: H, vnodes: u32) -> Self {
        HashRing { hasher, vnodes, members: Vec::new(), points: Points::default() }
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
    /// use routekit::route::{HashRing, Router};
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
    /// use routekit::route::{HashRing, Router};
    /// let mut ring = HashRing::new();
    /// ring.insert_weighted("b", 2.0)?;
    /// ring.insert("a")?;
    /// let listed: Vec<_> = ring.nodes().collect();
    /// assert_eq!(listed, [(&"a", 1.0, 160), (&"b", 2.0, 320)]);
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    pub fn nodes(&self) -> impl ExactSizeIterator<Item = (&N, f64, u32)> + '_ {
        self.members.iter().map(|m| (&m.node, m.weight, m.points))
    }
}

impl<N: AsRef<[u8]>, H: KeyHasher> HashRing<N, H> {
    /// Adds many nodes at weight 1 with a single sort: O(points · log points).
    /// Either every node is added or, on error, none is.
    ///
    /// # Errors
    ///
    /// As [`Router::insert`]: a duplicate identity (among the new nodes or
    /// with a present one), or too many points.
    ///
    /// ```
    /// use routekit::route::{HashRing, Router};
    /// let mut ring = HashRing::new();
    /// ring.extend((0..100).map(|i| format!("node-{i}")))?;
    /// assert_eq!(ring.len(), 100);
    /// assert_eq!(ring.point_count(), 16_000);
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    pub fn extend<I: IntoIterator<Item = N>>(&mut self, nodes: I) -> Result<(), RouteError> {
        self.extend_weighted(nodes.into_iter().map(|node| (node, 1.0)))
    }

    /// Adds many weighted nodes with a single sort (or a merge, for one node).
    /// Either every node is added or, on error, none is.
    ///
    /// # Errors
    ///
    /// As [`Router::insert_weighted`].
    ///
    /// ```
    /// use routekit::route::HashRing;
    /// let mut ring = HashRing::new();
    /// ring.extend_weighted([("a", 1.0), ("b", 3.0)])?;
    /// assert_eq!(ring.point_count(), 640);
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    pub fn extend_weighted<I: IntoIterator<Item = (N, f64)>>(
        &mut self,
        nodes: I,
    ) -> Result<(), RouteError> {
        let mut added: Vec<Member<N>> = Vec::new();
        let mut total = self.points.len() as u64;
        for (node, weight) in nodes {
            check_weight(node.as_ref(), weight)?;
            let points = points_for(self.vnodes, weight);
            total = total.saturating_add(points);
            if total > MAX_POINTS {
                return Err(RouteError::TooManyPoints { requested: total, max: MAX_POINTS });
            }
            added.push(Member { node, weight, points: points as u32 });
        }
        added.sort_unstable_by(|a, b| a.node.as_ref().cmp(b.node.as_ref()));
        for pair in added.windows(2) {
            if pair[0].node.as_ref() == pair[1].node.as_ref() {
                return Err(RouteError::DuplicateNode {
                    node: display_node(pair[0].node.as_ref()),
                });
            }
        }
        if let Some(dup) = added.iter().find(|m| self.find(m.node.as_ref()).is_ok()) {
            return Err(RouteError::DuplicateNode { node: display_node(dup.node.as_ref()) });
        }
        if added.is_empty() {
            return Ok(());
        }

        // Merge the members by identity; `renumber[old]` is the new index of
        // the member that had index `old`.
        let old_members = std::mem::take(&mut self.members);
        let mut renumber = Vec::with_capacity(old_members.len());
        let mut is_new = Vec::with_capacity(old_members.len() + added.len());
        let mut old = old_members.into_iter().peekable();
        let mut new = added.into_iter().peekable();
        loop {
            let take_old = match (old.peek(), new.peek()) {
                (Some(o), Some(n)) => o.node.as_ref() < n.node.as_ref(),
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            let member = if take_old {
                renumber.push(self.members.len() as u32);
                old.next()
            } else {
                new.next()
            };
            is_new.push(!take_old);
            self.members.extend(member);
        }

        let mut fresh: Vec<Point> = Vec::new();
        let mut buffer = Vec::new();
        for (index, member) in self.members.iter().enumerate() {
            if is_new[index] {
                push_points(&self.hasher, &mut buffer, member, index as u32, &mut fresh);
            }
        }
        fresh.sort_unstable();
        let mut existing = std::mem::take(&mut self.points).into_vec();
        for point in &mut existing {
            point.member = renumber[point.member as usize];
        }
        // Renumbering keeps the identity order, so `existing` stays sorted.
        self.points = Points::from_sorted(merge_sorted(existing, fresh));
        Ok(())
    }

    /// Index of the member with identity `node`, or where it would go.
    fn find(&self, node: &[u8]) -> Result<usize, usize> {
        self.members.binary_search_by(|m| m.node.as_ref().cmp(node))
    }
}

/// Builds a [`HashRing`] with a chosen number of vnodes and hasher.
///
/// # Example
///
/// ```
/// use routekit::hash::Xxh3;
/// use routekit::route::{HashRing, RouteError};
///
/// let ring: HashRing<String> = HashRing::builder().vnodes(40).hasher(Xxh3::with_seed(7)).build()?;
/// assert_eq!(ring.vnodes(), 40);
/// assert_eq!(HashRing::<String>::builder().vnodes(0).build().unwrap_err(), RouteError::ZeroVnodes);
/// # Ok::<(), RouteError>(())
/// ```
#[derive(Clone, Debug)]
pub struct HashRingBuilder<N, H> {
    hasher: H,
    vnodes: u32,
    nodes: PhantomData<fn() -> N>,
}

impl<N: AsRef<[u8]>, H: KeyHasher> HashRingBuilder<N, H> {
    /// Virtual nodes per unit of weight (default [`DEFAULT_VNODES`]); must be
    /// at least 1.
    ///
    /// ```
    /// use routekit::route::HashRing;
    /// let ring: HashRing<String> = HashRing::builder().vnodes(10).build()?;
    /// assert_eq!(ring.vnodes(), 10);
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    pub fn vnodes(&mut self, vnodes: u32) -> &mut Self {
        self.vnodes = vnodes;
        self
    }

    /// The hasher for keys and points (default [`Xxh3`] seed 0).
    ///
    /// ```
    /// use routekit::hash::Fnv1a;
    /// use routekit::route::HashRing;
    /// let ring: HashRing<String, Fnv1a> = HashRing::builder().hasher(Fnv1a).build()?;
    /// # let _ = ring;
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    pub fn hasher<H2: KeyHasher>(&self, hasher: H2) -> HashRingBuilder<N, H2> {
        HashRingBuilder { hasher, vnodes: self.vnodes, nodes: PhantomData }
    }

    /// An empty ring with these settings.
    ///
    /// # Errors
    ///
    /// [`RouteError::ZeroVnodes`] when vnodes is 0.
    ///
    /// ```
    /// use routekit::route::{HashRing, Router};
    /// let ring: HashRing<&str> = HashRing::builder().vnodes(8).build()?;
    /// assert!(ring.is_empty());
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    pub fn build(&self) -> Result<HashRing<N, H>, RouteError> {
        if self.vnodes == 0 {
            return Err(RouteError::ZeroVnodes);
        }
        Ok(HashRing::with_hasher_and_vnodes(self.hasher.clone(), self.vnodes))
    }
}

/// `round(weight × vnodes)`, at least 1; saturates far above [`MAX_POINTS`].
fn points_for(vnodes: u32, weight: f64) -> u64 {
    let exact = (weight * f64::from(vnodes)).round();
    if exact >= MAX_POINTS as f64 { MAX_POINTS + 1 } else { (exact as u64).max(1) }
}

/// Appends a member's points: `H(identity ‖ i as u32 LE)` for each `i`.
fn push_points<N: AsRef<[u8]>, H: KeyHasher>(
    hasher: &H,
    buffer: &mut Vec<u8>,
    member: &Member<N>,
    index: u32,
    out: &mut Vec<Point>,
) {
    let identity = member.node.as_ref();
    buffer.clear();
    buffer.extend_from_slice(identity);
    buffer.extend_from_slice(&[0; 4]);
    out.reserve(member.points as usize);
    for vnode in 0..member.points {
        buffer[identity.len()..].copy_from_slice(&vnode.to_le_bytes());
        out.push(Point { hash: hasher.uniform64(buffer), member: index });
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
                forward.route_n(key, 3).unwrap(),
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
        assert_eq!(ring.remove(b"a").unwrap(), "a");
        assert_eq!(ring.remove(b"b").unwrap(), "b");
        assert!(ring.route(b"k").is_none());
        assert_eq!(ring.route_n(b"k", 2).unwrap(), Vec::<&&str>::new());
        assert_eq!(ring.remove(b"b").unwrap_err(), RouteError::UnknownNode { node: "b".into() });
    }
}
