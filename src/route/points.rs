//! The search behind every ring: points sorted on a 64-bit circle, a radix
//! index over them, and clockwise walks over distinct owners.
//!
//! A ring (routekit's own [`HashRing`](super::HashRing), or a profile that
//! reproduces another system's placements) decides where its points go and
//! how ties are ordered; this module finds the first point at or after a hash
//! and walks on from there. Rings whose points are narrower than 64 bits
//! shift them (and their key hashes) into the top bits, which keeps the order
//! and the "first point ≥ hash" rule exactly.

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
    /// Takes points already sorted by (hash, member) and indexes them:
    /// O(points).
    pub(crate) fn from_sorted(points: Vec<Point>) -> Points {
        debug_assert!(points.windows(2).all(|w| w[0] <= w[1]), "points must be sorted");
        debug_assert!(points.len() <= u32::MAX as usize, "positions must fit 32 bits");
        let mut this = Points { points, index: Vec::new(), shift: 63 };
        if this.points.is_empty() {
            return this;
        }
        // One bucket per point, rounded up to a power of two (at least two):
        // about one point per bucket, so a lookup scans one or two points.
        let buckets = this.points.len().next_power_of_two().max(2);
        this.shift = 64 - buckets.trailing_zeros();
        this.index.reserve_exact(buckets + 1);
        let mut at = 0;
        for bucket in 0..buckets as u64 {
            let lower = bucket << this.shift;
            while at < this.points.len() && this.points[at].hash < lower {
                at += 1;
            }
            this.index.push(at as u32);
        }
        this.index.push(this.points.len() as u32);
        this
    }

    /// The points, sorted.
    pub(crate) fn as_slice(&self) -> &[Point] {
        &self.points
    }

    /// Gives the sorted points back, for a merge or a filter.
    pub(crate) fn into_vec(self) -> Vec<Point> {
        self.points
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
        Points::from_sorted(list)
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
