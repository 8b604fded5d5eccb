//! The search behind every ring: points sorted on a 64-bit circle, a radix
//! index over them, and clockwise walks over distinct owners.
//!
//! A ring (routekit's own [`HashRing`](super::HashRing), or a profile that
//! reproduces another system's placements) decides where its points go and
//! how ties are ordered; this module finds the first point at or after a hash
//! and walks on from there. Rings whose points are narrower than 64 bits
//! shift them (and their key hashes) into the top bits, which keeps the order
//! and the "first point ≥ hash" rule exactly.

use super::{RouteError, alloc};

/// A point: its position on the circle and the index of the member that owns
/// it. Ordered by position, then member index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Point {
    pub(crate) hash: u64,
    pub(crate) member: u32,
}

/// Points sorted by (hash, member), with a radix index for O(1) lookups.
#[derive(Clone, Debug, Default)]
pub(crate) struct Points {
    points: Vec<Point>,
    /// `index[b]` is the position of the first point whose hash is at least
    /// `b << shift`; one extra entry at the end holds `points.len()`. Empty
    /// when there are no points.
    index: Vec<u32>,
    /// `64 - log2(buckets)`, at most 63.
    shift: u32,
}

impl Points {
    /// Index entries for `points` points: one bucket per point rounded up to
    /// a power of two (at least two), and one entry past the end; `None`
    /// when that count does not fit in a `usize`.
    fn index_len(points: usize) -> Option<usize> {
        if points == 0 {
            return Some(0);
        }
        points.checked_next_power_of_two()?.max(2).checked_add(1)
    }

    /// An empty index with room for a ring of `points` points, for
    /// [`from_sorted`](Points::from_sorted): reserved before a change, so
    /// that the change cannot fail once it has begun.
    #[cfg_attr(
        not(any(test, feature = "compat")),
        allow(dead_code, reason = "for route::compat, which builds its points anew")
    )]
    pub(crate) fn reserve_index(points: usize) -> Result<Vec<u32>, RouteError> {
        let entries =
            Points::index_len(points).ok_or(RouteError::OutOfMemory { bytes: u64::MAX })?;
        alloc::vec_with_capacity(entries)
    }

    /// Room for `additional` more points in this ring's own vectors (the
    /// points and their index), so that a later
    /// [`into_parts`](Points::into_parts) and
    /// [`from_sorted`](Points::from_sorted) allocate nothing; unchanged on
    /// failure.
    pub(crate) fn reserve(&mut self, additional: usize) -> Result<(), RouteError> {
        let total = self.points.len().checked_add(additional);
        let entries = total.and_then(Points::index_len);
        let entries = entries.ok_or(RouteError::OutOfMemory { bytes: u64::MAX })?;
        alloc::reserve(&mut self.points, additional)?;
        let more = entries.saturating_sub(self.index.len());
        alloc::reserve(&mut self.index, more)
    }

    /// Takes points already sorted by (hash, member) and indexes them in
    /// `index` (whose contents are replaced): O(points). Allocates nothing
    /// when `index` has room for the points (see
    /// [`reserve_index`](Points::reserve_index)); the callers always
    /// reserve it.
    pub(crate) fn from_sorted(points: Vec<Point>, mut index: Vec<u32>) -> Points {
        debug_assert!(points.windows(2).all(|w| w[0] <= w[1]), "points must be sorted");
        debug_assert!(points.len() <= u32::MAX as usize, "positions must fit 32 bits");
        index.clear();
        let mut this = Points { points, index, shift: 63 };
        if this.points.is_empty() {
            return this;
        }
        // One bucket per point, rounded up to a power of two (at least two):
        // about one point per bucket, so a lookup scans one or two points.
        let entries = Points::index_len(this.points.len()).unwrap_or(usize::MAX);
        debug_assert!(this.index.capacity() >= entries, "the index must be reserved");
        let buckets = entries - 1;
        this.shift = 64 - buckets.trailing_zeros();
        // index[b] is the first point of bucket b or later: a point opens
        // every bucket from the last one opened up to its own. Sequential
        // over the points, and the resizes stay within the reserved room.
        let (points, index, shift) = (&this.points, &mut this.index, this.shift);
        for (at, point) in points.iter().enumerate() {
            let bucket = (point.hash >> shift) as usize;
            if bucket >= index.len() {
                index.resize(bucket + 1, at as u32);
            }
        }
        index.resize(buckets, points.len() as u32);
        index.push(points.len() as u32);
        this
    }

    /// Sorts points whose hashes use only the top 32 bits (32-bit points
    /// shifted up) by (hash, member) and indexes them in `index` (whose
    /// contents are replaced), letting `settle` drop points from the sorted
    /// list first (a ring that keeps one of equal points): O(points)
    /// expected. `packed` is scratch (its contents are replaced); nothing
    /// is allocated when it and `index` have room for `points.len()` points
    /// (see [`reserve_index`](Points::reserve_index)).
    ///
    /// The index's buckets sort the points: each point packs into one word
    /// (hash above member, so the words order as the points), one pass
    /// counts the points of each bucket, a second scatters the words back
    /// into their buckets' ranges, and each bucket, about one point, is then
    /// sorted alone. The bucket starts so found are the index itself, unless
    /// `settle` dropped points.
    #[cfg_attr(
        not(any(test, feature = "compat")),
        allow(dead_code, reason = "for route::compat, which builds its points anew")
    )]
    pub(crate) fn sort_narrow(
        mut points: Vec<Point>,
        mut index: Vec<u32>,
        packed: &mut Vec<u64>,
        settle: impl FnOnce(&mut Vec<Point>),
    ) -> Points {
        const LOW: u64 = u32::MAX as u64;
        debug_assert!(points.len() <= u32::MAX as usize, "positions must fit 32 bits");
        index.clear();
        let Some(entries) = Points::index_len(points.len()).filter(|&entries| entries > 0) else {
            settle(&mut points);
            return Points::from_sorted(points, index);
        };
        debug_assert!(index.capacity() >= entries, "the index must be reserved");
        let buckets = entries - 1;
        let shift = 64 - buckets.trailing_zeros();
        index.resize(entries, 0);
        packed.clear();
        packed.extend(points.iter().map(|point| {
            debug_assert_eq!(point.hash & LOW, 0, "a narrow point has no low bits");
            index[(point.hash >> shift) as usize] += 1;
            point.hash | u64::from(point.member)
        }));
        // index[b]: the end of bucket b's range, then, filling it from the
        // end, the start of its filled part; finally its start.
        let mut end = 0;
        for slot in &mut index[..buckets] {
            end += *slot;
            *slot = end;
        }
        index[buckets] = end;
        for &key in packed.iter() {
            let slot = &mut index[(key >> shift) as usize];
            *slot -= 1;
            points[*slot as usize] = Point { hash: key & !LOW, member: key as u32 };
        }
        for b in 0..buckets {
            let range = &mut points[index[b] as usize..index[b + 1] as usize];
            if range.len() > 16 {
                range.sort_unstable();
            } else {
                insertion_sort(range);
            }
        }
        let before = points.len();
        settle(&mut points);
        if points.len() != before {
            return Points::from_sorted(points, index);
        }
        debug_assert!(points.windows(2).all(|w| w[0] <= w[1]), "points must be sorted");
        Points { points, index, shift }
    }

    /// Gives the sorted points and the index's memory back, for a merge or
    /// a filter followed by [`from_sorted`](Points::from_sorted).
    pub(crate) fn into_parts(self) -> (Vec<Point>, Vec<u32>) {
        (self.points, self.index)
    }

    /// The points, sorted.
    pub(crate) fn as_slice(&self) -> &[Point] {
        &self.points
    }

    pub(crate) fn len(&self) -> usize {
        self.points.len()
    }

    pub(crate) fn memory_bytes(&self) -> usize {
        self.points.capacity() * std::mem::size_of::<Point>()
            + self.index.capacity() * std::mem::size_of::<u32>()
    }

    /// Position of the first point at or after `hash`, wrapping to the first
    /// point; `None` when there are no points. O(1) expected.
    #[inline]
    pub(crate) fn position(&self, hash: u64) -> Option<usize> {
        if self.points.is_empty() {
            return None;
        }
        let bucket = (hash >> self.shift) as usize;
        // Points in [index[bucket], index[bucket + 1]) share the bucket; the
        // point at index[bucket + 1] is the first one above it, so the scan
        // ends there at the latest.
        let mut at = self.index[bucket] as usize;
        let end = self.index[bucket + 1] as usize;
        while at < end && self.points[at].hash < hash {
            at += 1;
        }
        Some(if at == self.points.len() { 0 } else { at })
    }

    /// The member owning `hash`: that of the first point at or after it.
    #[inline]
    pub(crate) fn owner(&self, hash: u64) -> Option<usize> {
        self.position(hash).map(|at| self.points[at].member as usize)
    }

    /// The distinct members met walking clockwise from `hash`, once round;
    /// `members` is the member count (for the set of members seen).
    /// Allocation-free for up to 256 members.
    pub(crate) fn distinct_from(&self, hash: u64, members: usize) -> DistinctWalk<'_> {
        let start = self.position(hash).unwrap_or(0);
        let (before, after) = self.points.split_at(start);
        DistinctWalk { points: after.iter().chain(before), seen: Seen::new(members), left: members }
    }
}

/// Merges the sorted `fresh` points into the sorted `points` in place, from
/// the back, the points already present first among equal ones: O(points +
/// fresh); into no points, `fresh` is taken as it is. Allocates nothing when
/// `points` has room for `fresh` (see [`Points::reserve`]).
pub(crate) fn merge_into(points: &mut Vec<Point>, fresh: Vec<Point>) {
    if points.is_empty() {
        *points = fresh;
        return;
    }
    let (mut old, mut new) = (points.len(), fresh.len());
    points.resize(old + new, Point { hash: 0, member: 0 });
    let mut at = old + new;
    while new > 0 {
        at -= 1;
        if old > 0 && points[old - 1] > fresh[new - 1] {
            points[at] = points[old - 1];
            old -= 1;
        } else {
            points[at] = fresh[new - 1];
            new -= 1;
        }
    }
}

/// Sorts a few points in place.
fn insertion_sort(points: &mut [Point]) {
    for next in 1..points.len() {
        let point = points[next];
        let mut at = next;
        while at > 0 && points[at - 1] > point {
            points[at] = points[at - 1];
            at -= 1;
        }
        points[at] = point;
    }
}

/// The iterator of [`Points::distinct_from`].
pub(crate) struct DistinctWalk<'p> {
    points: std::iter::Chain<std::slice::Iter<'p, Point>, std::slice::Iter<'p, Point>>,
    seen: Seen,
    /// Members not met yet: the walk ends when none are left.
    left: usize,
}

impl Iterator for DistinctWalk<'_> {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        while self.left > 0 {
            let member = self.points.next()?.member as usize;
            if self.seen.insert(member) {
                self.left -= 1;
                return Some(member);
            }
        }
        None
    }
}

/// Which members a walk has met: a bit per member, on the stack for rings of
/// up to 256 members.
enum Seen {
    Small([u64; 4]),
    Large(Vec<u64>),
}

impl Seen {
    fn new(members: usize) -> Seen {
        if members <= 256 {
            Seen::Small([0; 4])
        } else {
            Seen::Large(vec![0; members.div_ceil(64)])
        }
    }

    /// Marks `member`; true when it was not marked before.
    #[inline]
    fn insert(&mut self, member: usize) -> bool {
        let words: &mut [u64] = match self {
            Seen::Small(words) => words,
            Seen::Large(words) => words,
        };
        let (word, bit) = (member / 64, 1u64 << (member % 64));
        let fresh = words[word] & bit == 0;
        words[word] |= bit;
        fresh
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn points(hashes: &[(u64, u32)]) -> Points {
        let mut list: Vec<Point> =
            hashes.iter().map(|&(hash, member)| Point { hash, member }).collect();
        list.sort();
        let index = Points::reserve_index(list.len()).unwrap();
        Points::from_sorted(list, index)
    }

    #[test]
    fn position_finds_the_successor_at_every_edge() {
        let mut state = 7u64;
        let mut hashes = Vec::new();
        for i in 0..300u32 {
            state = crate::hash::finalize64(state);
            hashes.push((state, i % 7));
        }
        hashes.extend([(0, 1), (u64::MAX, 2), (hashes[5].0, 3)]);
        let ring = points(&hashes);
        let sorted: Vec<u64> = ring.as_slice().iter().map(|p| p.hash).collect();
        let naive = |h: u64| sorted.iter().position(|&p| p >= h).unwrap_or(0);
        let mut probes = vec![0, 1, u64::MAX, u64::MAX - 1];
        for &p in &sorted {
            probes.extend([p.wrapping_sub(1), p, p.wrapping_add(1)]);
        }
        for b in 0..(1u64 << (64 - ring.shift)) {
            let lower = b << ring.shift;
            probes.extend([lower, lower.wrapping_sub(1)]);
        }
        for h in probes {
            assert_eq!(ring.position(h), Some(naive(h)), "hash {h:#x}");
        }
    }

    #[test]
    fn merging_in_place_matches_a_sort() {
        let mut state = 3u64;
        let mut next = || {
            state = crate::hash::finalize64(state);
            Point { hash: state % 50, member: (state >> 60) as u32 }
        };
        for (old, new) in [(0, 0), (0, 5), (5, 0), (40, 3), (3, 40), (64, 64)] {
            let mut points: Vec<Point> = (0..old).map(|_| next()).collect();
            let mut fresh: Vec<Point> = (0..new).map(|_| next()).collect();
            points.sort();
            fresh.sort();
            let mut expected = [points.clone(), fresh.clone()].concat();
            expected.sort();
            merge_into(&mut points, fresh);
            assert_eq!(points, expected, "{old} + {new}");
        }
    }

    #[test]
    fn sorting_into_the_index_matches_a_sort_then_an_index() {
        let mut state = 11u64;
        let mut next = |spread: u64, shift: u32| {
            state = crate::hash::finalize64(state);
            // Few distinct hashes in a narrow spread: many ties, and buckets
            // of many points.
            Point { hash: (state % spread) << shift, member: (state >> 40) as u32 % 300 }
        };
        for (count, spread, shift) in [
            (0, 1, 0),
            (1, 1, 0),
            (7, 3, 32),
            (500, 1 << 32, 32),
            (3000, 40, 32),
            (2000, 1 << 9, 55),
            (1025, 1 << 32, 32),
            (4096, 1 << 32, 32),
        ] {
            let points: Vec<Point> = (0..count).map(|_| next(spread, shift)).collect();
            let mut expected = points.clone();
            expected.sort_unstable();
            let expected = Points::from_sorted(expected, Points::reserve_index(count).unwrap());
            let index = Points::reserve_index(count).unwrap();
            let capacity = (points.capacity(), index.capacity());
            let mut packed = Vec::with_capacity(count);
            let sorted = Points::sort_narrow(points, index, &mut packed, |_| {});
            assert_eq!(sorted.points, expected.points, "{count} points over {spread}");
            assert_eq!((sorted.index.clone(), sorted.shift), (expected.index, expected.shift));
            assert_eq!((sorted.points.capacity(), sorted.index.capacity()), capacity);
            assert_eq!(packed.capacity(), count, "the scratch is used as it is");
            // Dropping points re-indexes them.
            let index = Points::reserve_index(sorted.len()).unwrap();
            let dropped = Points::sort_narrow(sorted.points.clone(), index, &mut packed, |list| {
                list.dedup_by_key(|point| point.hash)
            });
            let mut kept = sorted.points.clone();
            kept.dedup_by_key(|point| point.hash);
            let index = Points::reserve_index(kept.len()).unwrap();
            let fresh = Points::from_sorted(kept, index);
            assert_eq!((dropped.points, dropped.index), (fresh.points, fresh.index));
        }
    }

    #[test]
    fn reserved_rooms_are_used_and_impossible_ones_refused() {
        let mut ring = points(&[(1, 0), (1 << 63, 1)]);
        ring.reserve(100).unwrap();
        let (mut list, index) = ring.into_parts();
        let (before, index_before) = (list.capacity(), index.capacity());
        merge_into(&mut list, (0..100).map(|i| Point { hash: i << 50, member: 2 }).collect());
        list.sort();
        let ring = Points::from_sorted(list, index);
        assert_eq!((ring.points.capacity(), ring.index.capacity()), (before, index_before));
        assert_eq!(ring.len(), 102);
        assert!(Points::reserve_index(usize::MAX).is_err());
        assert!(Points::reserve_index(usize::MAX / 2).is_err());
        assert!(Points::default().reserve(usize::MAX).is_err());
    }

    #[test]
    fn walks_yield_each_member_once_and_stop_when_all_are_seen() {
        let ring = points(&[(10, 0), (20, 1), (30, 0), (40, 2), (50, 1)]);
        assert_eq!(ring.distinct_from(25, 3).collect::<Vec<_>>(), [0, 2, 1]);
        assert_eq!(ring.distinct_from(55, 3).collect::<Vec<_>>(), [0, 1, 2]);
        assert_eq!(Points::default().distinct_from(1, 0).count(), 0);
        assert_eq!(Points::default().position(1), None);
    }

    #[test]
    fn large_member_sets_use_the_heap_bitset() {
        let hashes: Vec<(u64, u32)> = (0..1000u32).map(|i| (u64::from(i) << 40, i)).collect();
        let ring = points(&hashes);
        let walked: Vec<usize> = ring.distinct_from(0, 1000).collect();
        assert_eq!(walked, (0..1000).collect::<Vec<_>>());
    }
}
