//! Range plans for the rings: the hash ranges whose owner (or replica set)
//! changes between two rings, merged, in ring order.

use std::ops::RangeInclusive;

use super::Handoff;
use crate::hash::KeyHasher;
use crate::route::points::Point;
use crate::route::{HashRing, NodeId};

/// A range of ring positions, `start..=end` in ring order; when `start >
/// end` it wraps through the top of the position space: `start..=top`
/// then `0..=end`.
///
/// Positions are those of [`HashRing::position`] (the full `u64` space) or,
/// for `compat::CompatRing`, its `key_hash` (`0..=u32::MAX`).
///
/// # Example
///
/// ```
/// use routekit::route::handoff::HashRange;
///
/// let wrapping = HashRange::new(u64::MAX - 9, 4);
/// assert!(wrapping.wraps());
/// assert!(wrapping.contains(u64::MAX) && wrapping.contains(0) && !wrapping.contains(5));
/// assert_eq!(wrapping.pieces(u64::MAX), (u64::MAX - 9..=u64::MAX, Some(0..=4)));
/// assert_eq!(wrapping.width(u64::MAX), 15);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HashRange {
    start: u64,
    end: u64,
}

impl HashRange {
    /// The positions from `start` to `end`, both included, wrapping through
    /// the top when `start > end`.
    ///
    /// ```
    /// use routekit::route::handoff::HashRange;
    /// assert!(!HashRange::new(3, 3).wraps());
    /// ```
    pub const fn new(start: u64, end: u64) -> HashRange {
        HashRange { start, end }
    }

    /// The first position, in ring order.
    ///
    /// ```
    /// use routekit::route::handoff::HashRange;
    /// assert_eq!(HashRange::new(3, 9).start(), 3);
    /// ```
    pub const fn start(&self) -> u64 {
        self.start
    }

    /// The last position, in ring order (included).
    ///
    /// ```
    /// use routekit::route::handoff::HashRange;
    /// assert_eq!(HashRange::new(3, 9).end(), 9);
    /// ```
    pub const fn end(&self) -> u64 {
        self.end
    }

    /// True when the range runs through the top of the space to 0.
    ///
    /// ```
    /// use routekit::route::handoff::HashRange;
    /// assert!(HashRange::new(9, 3).wraps());
    /// ```
    pub const fn wraps(&self) -> bool {
        self.start > self.end
    }

    /// True when `position` is in the range. O(1).
    ///
    /// ```
    /// use routekit::route::handoff::HashRange;
    /// assert!(HashRange::new(3, 9).contains(9));
    /// assert!(!HashRange::new(3, 9).contains(10));
    /// ```
    pub const fn contains(&self, position: u64) -> bool {
        if self.wraps() {
            position >= self.start || position <= self.end
        } else {
            position >= self.start && position <= self.end
        }
    }

    /// The range as one or two plain ranges for a store's range scan: the
    /// part from `start` (to `top`, the largest position, when it wraps)
    /// and, when it wraps, `0..=end`.
    ///
    /// ```
    /// use routekit::route::handoff::HashRange;
    /// assert_eq!(HashRange::new(3, 9).pieces(u64::MAX), (3..=9, None));
    /// assert_eq!(HashRange::new(9, 3).pieces(u32::MAX.into()), (9..=u32::MAX.into(), Some(0..=3)));
    /// ```
    pub fn pieces(&self, top: u64) -> (RangeInclusive<u64>, Option<RangeInclusive<u64>>) {
        if self.wraps() {
            (self.start..=top, Some(0..=self.end))
        } else {
            (self.start..=self.end, None)
        }
    }

    /// The number of positions in the range, in a space whose largest
    /// position is `top`.
    ///
    /// ```
    /// use routekit::route::handoff::HashRange;
    /// assert_eq!(HashRange::new(0, u64::MAX).width(u64::MAX), 1 << 64);
    /// ```
    pub fn width(&self, top: u64) -> u128 {
        if self.wraps() {
            u128::from(top - self.start) + 1 + u128::from(self.end) + 1
        } else {
            u128::from(self.end - self.start) + 1
        }
    }
}

/// A range of positions whose owner changes: from `from` to `to` (`None`
/// where a ring has no nodes). An item of [`Handoff::ranges`].
///
/// # Example
///
/// ```
/// use routekit::route::handoff::Handoff;
/// use routekit::route::{HashRing, Membership};
///
/// let before: HashRing<&str> = HashRing::new();
/// let mut after = HashRing::new();
/// after.insert("a")?;
/// let ranges = Handoff::new(&before, &after)?.ranges();
/// // From nothing to one node: the whole ring, at once.
/// assert_eq!(ranges.len(), 1);
/// assert_eq!((ranges[0].from(), ranges[0].to()), (None, Some(&"a")));
/// assert_eq!(ranges[0].range().width(u64::MAX), 1 << 64);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, PartialEq, Eq)]
pub struct RangeMove<'r, N> {
    range: HashRange,
    from: Option<&'r N>,
    to: Option<&'r N>,
}

impl<'r, N> RangeMove<'r, N> {
    /// The positions that move.
    ///
    /// ```
    /// use routekit::route::handoff::Handoff;
    /// use routekit::route::{HashRing, Membership};
    /// let mut before = HashRing::new();
    /// before.insert("a")?;
    /// let after: HashRing<&str> = HashRing::new();
    /// assert_eq!(Handoff::new(&before, &after)?.ranges()[0].range().start(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn range(&self) -> HashRange {
        self.range
    }

    /// The owner before the change.
    ///
    /// ```
    /// use routekit::route::handoff::Handoff;
    /// use routekit::route::{HashRing, Membership};
    /// let mut before = HashRing::new();
    /// before.insert("a")?;
    /// let after: HashRing<&str> = HashRing::new();
    /// assert_eq!(Handoff::new(&before, &after)?.ranges()[0].from(), Some(&"a"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from(&self) -> Option<&'r N> {
        self.from
    }

    /// The owner after the change.
    ///
    /// ```
    /// use routekit::route::handoff::Handoff;
    /// use routekit::route::{HashRing, Membership};
    /// let mut before = HashRing::new();
    /// before.insert("a")?;
    /// let after: HashRing<&str> = HashRing::new();
    /// assert_eq!(Handoff::new(&before, &after)?.ranges()[0].to(), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to(&self) -> Option<&'r N> {
        self.to
    }
}

/// A range of positions whose set of `r` replicas changes: the nodes in
/// `gained` hold a replica after the change and did not before, those in
/// `lost` held one and no longer do (each sorted by identity). A change of
/// rank within the set is not a change of the set; ownership changes are
/// [`Handoff::ranges`]. An item of [`Handoff::replica_ranges`].
///
/// # Example
///
/// ```
/// use routekit::route::handoff::Handoff;
/// use routekit::route::{HashRing, Membership};
///
/// let mut before = HashRing::new();
/// before.extend(["a", "b", "c", "d"])?;
/// let mut after = before.clone();
/// after.remove("c")?;
/// for moved in Handoff::new(&before, &after)?.replica_ranges(2) {
///     assert_eq!(moved.lost(), [&"c"]);
///     assert_eq!(moved.gained().len(), 1);
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplicaRangeMove<'r, N> {
    range: HashRange,
    gained: Vec<&'r N>,
    lost: Vec<&'r N>,
}

impl<'r, N> ReplicaRangeMove<'r, N> {
    /// The positions whose replica set changes.
    ///
    /// ```
    /// use routekit::route::handoff::Handoff;
    /// use routekit::route::{HashRing, Membership};
    /// let before: HashRing<&str> = HashRing::new();
    /// let mut after = HashRing::new();
    /// after.insert("a")?;
    /// let moved = &Handoff::new(&before, &after)?.replica_ranges(3)[0];
    /// assert_eq!(moved.range().width(u64::MAX), 1 << 64);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn range(&self) -> HashRange {
        self.range
    }

    /// The nodes that gain a replica of these positions, by identity.
    ///
    /// ```
    /// use routekit::route::handoff::Handoff;
    /// use routekit::route::{HashRing, Membership};
    /// let before: HashRing<&str> = HashRing::new();
    /// let mut after = HashRing::new();
    /// after.extend(["b", "a"])?;
    /// assert_eq!(Handoff::new(&before, &after)?.replica_ranges(3)[0].gained(), [&"a", &"b"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn gained(&self) -> &[&'r N] {
        &self.gained
    }

    /// The nodes that lose a replica of these positions, by identity.
    ///
    /// ```
    /// use routekit::route::handoff::Handoff;
    /// use routekit::route::{HashRing, Membership};
    /// let mut before = HashRing::new();
    /// before.insert("a")?;
    /// let after: HashRing<&str> = HashRing::new();
    /// assert_eq!(Handoff::new(&before, &after)?.replica_ranges(1)[0].lost(), [&"a"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn lost(&self) -> &[&'r N] {
        &self.lost
    }
}

impl<N, H: KeyHasher> HashRing<N, H> {
    /// The key's position on the ring: the hash the ring routes it by, and
    /// the position [`Handoff::ranges`] lists. A store that indexes its
    /// keys by position finds the keys of a range with a range scan.
    ///
    /// ```
    /// use routekit::route::{HashRing, Membership, Router};
    /// let mut ring = HashRing::new();
    /// ring.extend(["a", "b"])?;
    /// let position = ring.position(b"k");
    /// assert_eq!(ring.route_position(position), ring.route(b"k"));
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    #[inline]
    pub fn position(&self, key: &[u8]) -> u64 {
        self.hasher().uniform64(key)
    }
}

impl<N: NodeId, H> HashRing<N, H> {
    /// The node owning a [`position`](HashRing::position), without hashing
    /// a key again: O(1) expected, `None` when the ring is empty.
    ///
    /// ```
    /// use routekit::route::{HashRing, Membership};
    /// let mut ring = HashRing::new();
    /// ring.insert("a")?;
    /// assert_eq!(ring.route_position(7), Some(&"a"));
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    pub fn route_position(&self, position: u64) -> Option<&N> {
        self.owner_at(position)
    }
}

impl<'r, N: NodeId, H: KeyHasher> Handoff<'r, HashRing<N, H>> {
    /// The ranges of ring positions that change owner, with the old and the
    /// new owner: merged where adjacent ranges move alike, in ring order
    /// (a range that wraps through the top comes last). Empty when nothing
    /// moves. O(p) in the points of both rings, plus O(n log n) to match
    /// their nodes.
    ///
    /// A key moves exactly when its [`position`](HashRing::position) is in
    /// one of the ranges.
    ///
    /// ```
    /// use routekit::route::handoff::Handoff;
    /// use routekit::route::{HashRing, Membership};
    ///
    /// let mut before = HashRing::new();
    /// before.extend(["a", "b", "c"])?;
    /// let mut after = before.clone();
    /// after.remove("b")?;
    /// let plan = Handoff::new(&before, &after)?;
    /// for moved in plan.ranges() {
    ///     assert_eq!(moved.from(), Some(&"b")); // only b's ranges move
    /// }
    /// for i in 0..500 {
    ///     let key = format!("k{i}");
    ///     let listed = plan.ranges().iter().any(|m| m.range().contains(after.position(key.as_bytes())));
    ///     assert_eq!(listed, plan.key(key.as_bytes()).moves());
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn ranges(&self) -> Vec<RangeMove<'r, N>> {
        let (before, after) = (self.before.ring_parts(), self.after.ring_parts());
        owner_ranges(Side::new(before, 0), Side::new(after, 0), u64::MAX)
    }

    /// The ranges whose set of `r` replicas (the first `r` nodes of the
    /// preference list) changes, with the nodes that gain and lose a
    /// replica, merged and in ring order as [`ranges`](Handoff::ranges).
    /// `r = 0` changes nothing. O(p · r) in the points of both rings.
    ///
    /// ```
    /// use routekit::route::handoff::Handoff;
    /// use routekit::route::{HashRing, Membership};
    ///
    /// let mut before = HashRing::new();
    /// before.extend(["a", "b", "c"])?;
    /// let mut after = before.clone();
    /// after.insert("d")?;
    /// for moved in Handoff::new(&before, &after)?.replica_ranges(2) {
    ///     assert_eq!(moved.gained(), [&"d"]);
    ///     assert_eq!(moved.lost().len(), 1);
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn replica_ranges(&self, r: usize) -> Vec<ReplicaRangeMove<'r, N>> {
        let (before, after) = (self.before.ring_parts(), self.after.ring_parts());
        replica_ranges(Side::new(before, 0), Side::new(after, 0), u64::MAX, r)
    }
}

#[cfg(feature = "compat")]
impl<'r, N: NodeId> Handoff<'r, crate::route::compat::CompatRing<N>> {
    /// The ranges of 32-bit positions (the ring's
    /// [`key_hash`](crate::route::compat::CompatRing::key_hash)) that change
    /// owner, as for a [`HashRing`]: merged, in ring order, wrapping at
    /// `u32::MAX`. O(p) in the points of both rings.
    ///
    /// ```
    /// use routekit::route::handoff::Handoff;
    /// use routekit::route::compat::{CompatRing, Profile};
    /// use routekit::route::Weighted;
    ///
    /// let mut before = CompatRing::new(Profile::NginxConsistent);
    /// before.extend_weighted([("10.0.0.1:80", 1), ("10.0.0.2:80", 1)])?;
    /// let mut after = before.clone();
    /// after.insert_weighted("10.0.0.3:80", 1)?;
    /// let plan = Handoff::new(&before, &after)?;
    /// for i in 0..300 {
    ///     let key = format!("k{i}");
    ///     let position = u64::from(after.key_hash(key.as_bytes()));
    ///     let listed = plan.ranges().iter().any(|m| m.range().contains(position));
    ///     assert_eq!(listed, plan.key(key.as_bytes()).moves());
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn ranges(&self) -> Vec<RangeMove<'r, N>> {
        let (before, after) = (self.before.ring_parts(), self.after.ring_parts());
        owner_ranges(Side::new(before, 32), Side::new(after, 32), u64::from(u32::MAX))
    }

    /// The ranges of 32-bit positions whose set of `r` replicas changes, as
    /// for a [`HashRing`]. O(p · r).
    ///
    /// ```
    /// use routekit::route::handoff::Handoff;
    /// use routekit::route::compat::{CompatRing, Profile};
    /// use routekit::route::{Membership, Weighted};
    ///
    /// let mut before = CompatRing::new(Profile::Libmemcached);
    /// before.extend_weighted([("a:1", 1), ("b:1", 1), ("c:1", 1)])?;
    /// let mut after = before.clone();
    /// after.remove("b:1")?;
    /// for moved in Handoff::new(&before, &after)?.replica_ranges(2) {
    ///     assert_eq!(moved.lost(), [&"b:1"]);
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn replica_ranges(&self, r: usize) -> Vec<ReplicaRangeMove<'r, N>> {
        let (before, after) = (self.before.ring_parts(), self.after.ring_parts());
        replica_ranges(Side::new(before, 32), Side::new(after, 32), u64::from(u32::MAX), r)
    }
}

/// One ring as the sweep reads it.
struct Side<'r, N> {
    points: &'r [Point],
    nodes: &'r [N],
    /// How far point hashes shift down into the position space.
    shift: u32,
}

impl<'r, N: NodeId> Side<'r, N> {
    fn new((points, nodes): (&'r [Point], &'r [N]), shift: u32) -> Side<'r, N> {
        Side { points, nodes, shift }
    }

    #[inline]
    fn position(&self, at: usize) -> u64 {
        self.points[at].hash >> self.shift
    }

    /// The next point at another position than the one at `at`.
    #[inline]
    fn next_distinct(&self, at: usize) -> usize {
        let here = self.position(at);
        let mut next = at + 1;
        while next < self.points.len() && self.position(next) == here {
            next += 1;
        }
        next
    }
}

/// The identity of a node across both rings: its index in the new ring, or
/// `new_len + old index` for a node only the old ring has.
type Token = u32;

/// For each node of the old ring, its token.
fn tokens<N: NodeId>(old: &[N], new: &[N]) -> Vec<Token> {
    let mut sorted: Vec<u32> = (0..new.len() as u32).collect();
    sorted.sort_unstable_by(|&a, &b| {
        new[a as usize].id_bytes().as_ref().cmp(new[b as usize].id_bytes().as_ref())
    });
    old.iter()
        .enumerate()
        .map(|(at, node)| {
            let id = node.id_bytes();
            match sorted.binary_search_by(|&n| new[n as usize].id_bytes().as_ref().cmp(id.as_ref()))
            {
                Ok(found) => sorted[found],
                Err(_) => (new.len() + at) as Token,
            }
        })
        .collect()
}

/// Walks both rings' distinct positions in order and calls `segment(start,
/// end, old_at, new_at)` for each run of positions whose owners are the
/// points at `old_at` and `new_at` (`None`: that ring is empty), covering
/// `0..=top` exactly once. The first segment starts at 0.
fn sweep<N: NodeId>(
    old: &Side<'_, N>,
    new: &Side<'_, N>,
    top: u64,
    mut segment: impl FnMut(u64, u64, Option<usize>, Option<usize>),
) {
    let (lo, ln) = (old.points.len(), new.points.len());
    let (mut i, mut j) = (0, 0);
    let mut start = 0u64;
    let first = |len: usize| (len > 0).then_some(0);
    while i < lo || j < ln {
        let at_old = (i < lo).then(|| old.position(i));
        let at_new = (j < ln).then(|| new.position(j));
        let end = match (at_old, at_new) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) => a,
            (None, Some(b)) => b,
            (None, None) => unreachable!("the loop runs while a ring has points left"),
        };
        let old_at = if i < lo { Some(i) } else { first(lo) };
        let new_at = if j < ln { Some(j) } else { first(ln) };
        segment(start, end, old_at, new_at);
        if at_old == Some(end) {
            i = old.next_distinct(i);
        }
        if at_new == Some(end) {
            j = new.next_distinct(j);
        }
        if end == top {
            return;
        }
        start = end + 1;
    }
    // Past the last point of both rings: owned by each ring's first point.
    segment(start, top, first(lo), first(ln));
}

/// Consecutive segments with equal labels, merged; the last joined to the
/// first when both carry the same label and together they wrap.
struct Merged<L> {
    runs: Vec<(u64, u64, L)>,
}

impl<L: PartialEq> Merged<L> {
    fn push(&mut self, start: u64, end: u64, label: L) {
        if let Some(last) = self.runs.last_mut() {
            if last.2 == label {
                last.1 = end;
                return;
            }
        }
        self.runs.push((start, end, label));
    }

    /// The runs that `keep` says move, with the wrap joined.
    fn finish(mut self, top: u64, keep: impl Fn(&L) -> bool) -> Vec<(HashRange, L)> {
        if self.runs.len() > 1 {
            let last = self.runs.len() - 1;
            if self.runs[0].2 == self.runs[last].2 && self.runs[last].1 == top {
                let (_, end, _) = self.runs.remove(0);
                let last = self.runs.last_mut().expect("more than one run");
                last.1 = end;
            }
        }
        self.runs
            .into_iter()
            .filter(|run| keep(&run.2))
            .map(|(start, end, label)| (HashRange::new(start, end), label))
            .collect()
    }
}

fn owner_ranges<'r, N: NodeId>(
    old: Side<'r, N>,
    new: Side<'r, N>,
    top: u64,
) -> Vec<RangeMove<'r, N>> {
    let token = tokens(old.nodes, new.nodes);
    let mut merged = Merged { runs: Vec::new() };
    sweep(&old, &new, top, |start, end, old_at, new_at| {
        let from = old_at.map(|at| token[old.points[at].member as usize]);
        let to = new_at.map(|at| new.points[at].member);
        merged.push(start, end, (from, to));
    });
    let new_len = new.nodes.len() as Token;
    merged
        .finish(top, |(from, to)| from != to)
        .into_iter()
        .map(|(range, (from, to))| RangeMove {
            range,
            from: from.map(|t| node_of(t, new_len, &old, &new)),
            to: to.map(|t| &new.nodes[t as usize]),
        })
        .collect()
}

fn node_of<'r, N>(token: Token, new_len: Token, old: &Side<'r, N>, new: &Side<'r, N>) -> &'r N {
    if token < new_len {
        &new.nodes[token as usize]
    } else {
        // A node the new ring no longer has: named by its old index.
        let at = (token - new_len) as usize;
        &old.nodes[at]
    }
}

/// The first `r` distinct tokens walking from point `at`, into `out`.
fn walk(
    side_points: &[Point],
    at: usize,
    r: usize,
    token: impl Fn(u32) -> Token,
    out: &mut Vec<Token>,
) {
    out.clear();
    let (earlier, from_here) = side_points.split_at(at);
    for point in from_here.iter().chain(earlier) {
        if out.len() == r {
            break;
        }
        let t = token(point.member);
        if !out.contains(&t) {
            out.push(t);
        }
    }
}

fn replica_ranges<'r, N: NodeId>(
    old: Side<'r, N>,
    new: Side<'r, N>,
    top: u64,
    r: usize,
) -> Vec<ReplicaRangeMove<'r, N>> {
    if r == 0 {
        return Vec::new();
    }
    let r_old = r.min(old.nodes.len());
    let r_new = r.min(new.nodes.len());
    let token = tokens(old.nodes, new.nodes);
    let new_len = new.nodes.len() as Token;
    let mut merged: Merged<(Vec<Token>, Vec<Token>)> = Merged { runs: Vec::new() };
    let (mut old_set, mut new_set) = (Vec::new(), Vec::new());
    let (mut old_cached, mut new_cached) = (None, None);
    let (mut gained, mut lost) = (Vec::new(), Vec::new());
    sweep(&old, &new, top, |start, end, old_at, new_at| {
        if old_at != old_cached {
            old_cached = old_at;
            match old_at {
                Some(at) => walk(old.points, at, r_old, |m| token[m as usize], &mut old_set),
                None => old_set.clear(),
            }
        }
        if new_at != new_cached {
            new_cached = new_at;
            match new_at {
                Some(at) => walk(new.points, at, r_new, |m| m, &mut new_set),
                None => new_set.clear(),
            }
        }
        gained.clear();
        gained.extend(new_set.iter().filter(|t| !old_set.contains(t)));
        gained.sort_unstable();
        lost.clear();
        lost.extend(old_set.iter().filter(|t| !new_set.contains(t)));
        lost.sort_unstable();
        let same = merged.runs.last().is_some_and(|(_, _, (g, l))| *g == gained && *l == lost);
        if same {
            merged.runs.last_mut().expect("checked").1 = end;
        } else {
            merged.push(start, end, (gained.clone(), lost.clone()));
        }
    });
    let by_identity = |tokens: Vec<Token>| {
        let mut nodes: Vec<&'r N> =
            tokens.into_iter().map(|t| node_of(t, new_len, &old, &new)).collect();
        nodes.sort_by(|a, b| a.id_bytes().as_ref().cmp(b.id_bytes().as_ref()));
        nodes
    };
    merged
        .finish(top, |(g, l)| !g.is_empty() || !l.is_empty())
        .into_iter()
        .map(|(range, (g, l))| ReplicaRangeMove {
            range,
            gained: by_identity(g),
            lost: by_identity(l),
        })
        .collect()
}

impl<N> Clone for RangeMove<'_, N> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<N> Copy for RangeMove<'_, N> {}
