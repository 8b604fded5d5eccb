//! Grow-only and up-down counters: [`GCounter`] and [`PNCounter`].
//!
//! Each actor owns one `u64` count that only it increments; the value is the
//! exact sum of all counts, and merging takes each actor's larger count. A
//! delta carries the incrementing actor's new absolute count, so deltas need
//! no causal delivery: any order, any number of copies, gives the same sum.

use super::wire::{self, Kind, Wire};
use super::{Crdt, CrdtError, DecodeError};

/// A grow-only counter: a `u64` count per actor, the value their exact sum.
///
/// Increments are checked: one that would take an actor's count past
/// `u64::MAX` is refused with [`CrdtError::Overflow`] and changes nothing.
/// The value is a `u128`, which cannot overflow for any number of actors a
/// machine can hold.
///
/// Every replica must increment under its own actor id (see the
/// [module docs](super) on actor ids): two replicas incrementing one actor's
/// count concurrently both produce "count + 1", and the merge keeps only one.
///
/// # Example
///
/// ```
/// use routekit::crdt::{Crdt, GCounter};
///
/// let (mut a, mut b) = (GCounter::new(), GCounter::new());
/// let delta = a.increment(&"a", 3)?;
/// b.increment(&"b", 4)?;
/// b.merge(&delta)?;
/// b.merge(&delta)?; // duplicates change nothing
/// a.merge(&b)?;
/// assert_eq!((a.value(), b.value()), (7, 7));
/// # Ok::<(), routekit::crdt::CrdtError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct GCounter<A> {
    /// Sorted by actor, no duplicates, no zero counts.
    counts: Vec<(A, u64)>,
}

impl<A> Default for GCounter<A> {
    fn default() -> Self {
        GCounter { counts: Vec::new() }
    }
}

impl<A: Ord + Clone> Crdt for GCounter<A> {
    /// A counter holding the incremented actor's new count.
    type Delta = Self;

    /// Takes each actor's larger count. Never fails.
    ///
    /// Cost: O(a + b) in the two actor counts, without allocating when
    /// `other` names no actor `self` lacks.
    fn merge(&mut self, other: &Self) -> Result<(), CrdtError> {
        if other.counts.is_empty() {
            return Ok(());
        }
        // Fast path: every actor of `other` is known here; update in place.
        let mut mine = self.counts.iter_mut().peekable();
        let mut all_known = true;
        for (actor, count) in &other.counts {
            loop {
                match mine.peek_mut() {
                    Some((own, own_count)) if *own == *actor => {
                        *own_count = (*own_count).max(*count);
                        mine.next();
                        break;
                    }
                    Some((own, _)) if *own < *actor => {
                        mine.next();
                    }
                    _ => {
                        all_known = false;
                        break;
                    }
                }
            }
        }
        if !all_known {
            self.counts = merge_sorted(&self.counts, &other.counts);
        }
        Ok(())
    }

    /// The same as [`merge`](Crdt::merge): a counter's delta is a counter.
    fn merge_delta(&mut self, delta: &Self) -> Result<(), CrdtError> {
        self.merge(delta)
    }
}

impl<A: Ord + Clone> GCounter<A> {
    /// An empty counter (value 0).
    ///
    /// ```
    /// assert_eq!(routekit::crdt::GCounter::<u64>::new().value(), 0);
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `by` to `actor`'s count and returns the delta: `actor`'s new
    /// count alone. Adding 0 changes nothing and returns an empty delta.
    ///
    /// Cost: O(log a) in the number of actors, plus O(a) the first time an
    /// actor increments.
    ///
    /// # Errors
    ///
    /// [`CrdtError::Overflow`] when the count would pass `u64::MAX`; the
    /// counter is then unchanged.
    ///
    /// ```
    /// use routekit::crdt::GCounter;
    ///
    /// let mut hits = GCounter::new();
    /// hits.increment(&1u8, 5)?;
    /// let delta = hits.increment(&1u8, 2)?;
    /// assert_eq!(delta.count(&1), 7); // absolute, not "+2"
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn increment(&mut self, actor: &A, by: u64) -> Result<Self, CrdtError> {
        if by == 0 {
            return Ok(Self::new());
        }
        let count = match self.counts.binary_search_by(|(a, _)| a.cmp(actor)) {
            Ok(at) => {
                let count = &mut self.counts[at].1;
                *count = count.checked_add(by).ok_or(CrdtError::Overflow { count: *count, by })?;
                *count
            }
            Err(at) => {
                self.counts.insert(at, (actor.clone(), by));
                by
            }
        };
        Ok(GCounter { counts: vec![(actor.clone(), count)] })
    }

    /// The exact sum of all actors' counts.
    ///
    /// Cost: O(a) in the number of actors.
    ///
    /// ```
    /// use routekit::crdt::GCounter;
    ///
    /// let mut c = GCounter::new();
    /// c.increment(&"a", u64::MAX)?;
    /// c.increment(&"b", 1)?;
    /// assert_eq!(c.value(), 1 << 64); // no wrap-around
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn value(&self) -> u128 {
        // At most 2^64 - 1 per actor and fewer than 2^60 actors in memory:
        // the sum stays far below 2^128.
        self.counts.iter().map(|&(_, count)| u128::from(count)).sum()
    }

    /// `actor`'s own count (0 for an actor that never incremented).
    ///
    /// Cost: O(log a).
    ///
    /// ```
    /// let mut c = routekit::crdt::GCounter::new();
    /// c.increment(&"a", 2)?;
    /// assert_eq!((c.count(&"a"), c.count(&"z")), (2, 0));
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn count(&self, actor: &A) -> u64 {
        self.counts.binary_search_by(|(a, _)| a.cmp(actor)).map_or(0, |at| self.counts[at].1)
    }

    /// The actors and their counts, in actor order.
    ///
    /// ```
    /// let mut c = routekit::crdt::GCounter::new();
    /// c.increment(&"b", 2)?;
    /// c.increment(&"a", 1)?;
    /// assert_eq!(c.iter().collect::<Vec<_>>(), [(&"a", 1), (&"b", 2)]);
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&A, u64)> + '_ {
        self.counts.iter().map(|(actor, count)| (actor, *count))
    }

    /// True when no actor has counted anything (the bottom state).
    ///
    /// ```
    /// assert!(routekit::crdt::GCounter::<u8>::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// Builds a counter from actor counts, validating them like the decoder:
    /// strictly increasing actors, no zero counts.
    pub(crate) fn from_counts(counts: Vec<(A, u64)>) -> Result<Self, DecodeError> {
        if counts.windows(2).any(|w| w[0].0 >= w[1].0) {
            return Err(DecodeError::Invalid {
                what: "counter actors must be strictly increasing",
            });
        }
        if counts.iter().any(|&(_, count)| count == 0) {
            return Err(DecodeError::Invalid { what: "a counter entry must not be zero" });
        }
        Ok(GCounter { counts })
    }

    /// The actor counts, for serializers.
    #[cfg(feature = "serde")]
    pub(crate) fn counts(&self) -> &[(A, u64)] {
        &self.counts
    }
}

impl<A: Ord + Clone + Wire> GCounter<A> {
    /// The versioned byte encoding of this state or delta (see
    /// [`Wire`] for the format): the same state always gives the same bytes.
    ///
    /// Cost: O(a).
    ///
    /// ```
    /// let mut c = routekit::crdt::GCounter::new();
    /// c.increment(&9u64, 300)?;
    /// assert_eq!(c.encode(), b"RK\x01\x01\x01\x09\xac\x02");
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(8 + 4 * self.counts.len());
        wire::put_header(&mut out, Kind::GCounter);
        self.encode_body(&mut out);
        out
    }

    /// Reads a counter written by [`encode`](Self::encode).
    ///
    /// # Errors
    ///
    /// A [`DecodeError`] for truncated, corrupted, foreign or non-canonical
    /// bytes.
    ///
    /// ```
    /// use routekit::crdt::GCounter;
    /// let mut c = GCounter::new();
    /// c.increment(&1u32, 1)?;
    /// assert_eq!(GCounter::decode(&c.encode())?, c);
    /// assert!(GCounter::<u32>::decode(b"nonsense").is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut input = bytes;
        wire::get_header(&mut input, Kind::GCounter)?;
        let counter = Self::decode_body(&mut input)?;
        wire::finish(input)?;
        Ok(counter)
    }

    fn encode_body(&self, out: &mut Vec<u8>) {
        wire::put_len(out, self.counts.len());
        for (actor, count) in &self.counts {
            actor.encode(out);
            count.encode(out);
        }
    }

    fn decode_body(input: &mut &[u8]) -> Result<Self, DecodeError> {
        let len = wire::get_len(input)?;
        let mut counts = Vec::with_capacity(len);
        for _ in 0..len {
            counts.push((A::decode(input)?, wire::get_u64(input)?));
        }
        Self::from_counts(counts)
    }
}

/// Merges two sorted count lists, taking the larger count per actor.
fn merge_sorted<A: Ord + Clone>(a: &[(A, u64)], b: &[(A, u64)]) -> Vec<(A, u64)> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => {
                out.push(a[i].clone());
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                out.push(b[j].clone());
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                out.push((a[i].0.clone(), a[i].1.max(b[j].1)));
                i += 1;
                j += 1;
            }
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

/// An up-down counter: two [`GCounter`]s, increments and decrements; the
/// value is their exact difference as an `i128`.
///
/// Each actor's increments and decrements are separately checked `u64`
/// totals; one that would overflow is refused with [`CrdtError::Overflow`]
/// and changes nothing.
///
/// # Example
///
/// ```
/// use routekit::crdt::{Crdt, PNCounter};
///
/// let (mut a, mut b) = (PNCounter::new(), PNCounter::new());
/// let up = a.increment(&"a", 10)?;
/// let down = b.decrement(&"b", 25)?;
/// a.merge(&down)?;
/// b.merge(&up)?;
/// assert_eq!(a, b);
/// assert_eq!(a.value(), -15);
/// # Ok::<(), routekit::crdt::CrdtError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PNCounter<A> {
    increments: GCounter<A>,
    decrements: GCounter<A>,
}

impl<A> Default for PNCounter<A> {
    fn default() -> Self {
        PNCounter { increments: GCounter::default(), decrements: GCounter::default() }
    }
}

impl<A: Ord + Clone> Crdt for PNCounter<A> {
    /// A counter holding the changed actor's new total.
    type Delta = Self;

    /// Merges increments and decrements separately. Never fails.
    ///
    /// Cost: O(a + b) in the two actor counts.
    fn merge(&mut self, other: &Self) -> Result<(), CrdtError> {
        self.increments.merge(&other.increments)?;
        self.decrements.merge(&other.decrements)
    }

    /// The same as [`merge`](Crdt::merge): a counter's delta is a counter.
    fn merge_delta(&mut self, delta: &Self) -> Result<(), CrdtError> {
        self.merge(delta)
    }
}

impl<A: Ord + Clone> PNCounter<A> {
    /// A counter at 0.
    ///
    /// ```
    /// assert_eq!(routekit::crdt::PNCounter::<u64>::new().value(), 0);
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `by` under `actor` and returns the delta (`actor`'s new total of
    /// increments).
    ///
    /// Cost: O(log a), plus O(a) the first time an actor increments.
    ///
    /// # Errors
    ///
    /// [`CrdtError::Overflow`] when `actor`'s total of increments would pass
    /// `u64::MAX`; the counter is then unchanged.
    ///
    /// ```
    /// let mut c = routekit::crdt::PNCounter::new();
    /// c.increment(&"a", 2)?;
    /// assert_eq!(c.value(), 2);
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn increment(&mut self, actor: &A, by: u64) -> Result<Self, CrdtError> {
        let increments = self.increments.increment(actor, by)?;
        Ok(PNCounter { increments, decrements: GCounter::new() })
    }

    /// Subtracts `by` under `actor` and returns the delta (`actor`'s new total
    /// of decrements).
    ///
    /// Cost: O(log a), plus O(a) the first time an actor decrements.
    ///
    /// # Errors
    ///
    /// [`CrdtError::Overflow`] when `actor`'s total of decrements would pass
    /// `u64::MAX`; the counter is then unchanged.
    ///
    /// ```
    /// let mut c = routekit::crdt::PNCounter::new();
    /// c.decrement(&"a", 2)?;
    /// assert_eq!(c.value(), -2);
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn decrement(&mut self, actor: &A, by: u64) -> Result<Self, CrdtError> {
        let decrements = self.decrements.increment(actor, by)?;
        Ok(PNCounter { increments: GCounter::new(), decrements })
    }

    /// The exact value: all increments minus all decrements.
    ///
    /// Cost: O(a).
    ///
    /// ```
    /// use routekit::crdt::PNCounter;
    ///
    /// let mut c = PNCounter::new();
    /// c.decrement(&"a", u64::MAX)?;
    /// c.decrement(&"b", u64::MAX)?;
    /// assert_eq!(c.value(), -2 * i128::from(u64::MAX));
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn value(&self) -> i128 {
        // Each sum is below 2^124 (fewer than 2^60 actors of at most 2^64 - 1),
        // so both fit an i128 and so does their difference.
        self.increments.value() as i128 - self.decrements.value() as i128
    }

    /// The grow-only counter of increments.
    ///
    /// ```
    /// let mut c = routekit::crdt::PNCounter::new();
    /// c.increment(&"a", 3)?;
    /// assert_eq!(c.increments().count(&"a"), 3);
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn increments(&self) -> &GCounter<A> {
        &self.increments
    }

    /// The grow-only counter of decrements.
    ///
    /// ```
    /// let mut c = routekit::crdt::PNCounter::new();
    /// c.decrement(&"a", 3)?;
    /// assert_eq!(c.decrements().count(&"a"), 3);
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn decrements(&self) -> &GCounter<A> {
        &self.decrements
    }

    /// True when nothing was ever counted (the bottom state).
    ///
    /// ```
    /// assert!(routekit::crdt::PNCounter::<u8>::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.increments.is_empty() && self.decrements.is_empty()
    }

    /// Builds a counter from its two halves.
    #[cfg(feature = "serde")]
    pub(crate) fn from_parts(increments: GCounter<A>, decrements: GCounter<A>) -> Self {
        PNCounter { increments, decrements }
    }
}

impl<A: Ord + Clone + Wire> PNCounter<A> {
    /// The versioned byte encoding of this state or delta: the increments,
    /// then the decrements, each as in [`GCounter::encode`] without a header.
    ///
    /// Cost: O(a).
    ///
    /// ```
    /// let mut c = routekit::crdt::PNCounter::new();
    /// c.decrement(&1u8, 2)?;
    /// assert_eq!(c.encode(), b"RK\x02\x01\x00\x01\x01\x02");
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        wire::put_header(&mut out, Kind::PNCounter);
        self.increments.encode_body(&mut out);
        self.decrements.encode_body(&mut out);
        out
    }

    /// Reads a counter written by [`encode`](Self::encode).
    ///
    /// # Errors
    ///
    /// A [`DecodeError`] for truncated, corrupted, foreign or non-canonical
    /// bytes.
    ///
    /// ```
    /// use routekit::crdt::PNCounter;
    /// let mut c = PNCounter::new();
    /// c.decrement(&1u32, 1)?;
    /// assert_eq!(PNCounter::decode(&c.encode())?, c);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut input = bytes;
        wire::get_header(&mut input, Kind::PNCounter)?;
        let increments = GCounter::decode_body(&mut input)?;
        let decrements = GCounter::decode_body(&mut input)?;
        wire::finish(input)?;
        Ok(PNCounter { increments, decrements })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_adds_unknown_actors_in_order() {
        let mut a = GCounter::new();
        a.increment(&2, 5).unwrap();
        let mut b = GCounter::new();
        b.increment(&1, 1).unwrap();
        b.increment(&2, 3).unwrap();
        b.increment(&3, 7).unwrap();
        a.merge(&b).unwrap();
        assert_eq!(a.iter().collect::<Vec<_>>(), [(&1, 1), (&2, 5), (&3, 7)]);
    }

    #[test]
    fn zero_counts_and_disorder_are_refused() {
        assert!(GCounter::from_counts(vec![(1, 0)]).is_err());
        assert!(GCounter::from_counts(vec![(2, 1), (1, 1)]).is_err());
        assert!(GCounter::from_counts(vec![(1, 1), (1, 2)]).is_err());
        assert!(GCounter::from_counts(vec![(1, 1), (2, 2)]).is_ok());
    }
}
