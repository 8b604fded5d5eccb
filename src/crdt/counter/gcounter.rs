//! The grow-only counter: [`GCounter`].

use std::cmp::Ordering;
use std::convert::Infallible;

use super::GCounterDelta;
use crate::crdt::wire::{self, Kind, Wire};
use crate::crdt::{Crdt, CrdtError, DecodeError, Invariant};

/// A grow-only counter: a `u64` count per actor, the value their exact sum.
///
/// Increments are checked: one that would take an actor's count past
/// `u64::MAX` is refused with [`CrdtError::Overflow`] and changes nothing.
/// The value is a `u128`, which cannot overflow for any number of actors a
/// machine can hold.
///
/// Every replica must increment under its own actor id (see the
/// [module docs](crate::crdt) on actor ids): two replicas incrementing one
/// actor's count concurrently both produce "count + 1", and the merge keeps
/// only one.
///
/// # Example
///
/// ```
/// use routekit::crdt::GCounter;
///
/// let (mut a, mut b) = (GCounter::new(), GCounter::new());
/// let delta = a.increment(&"a", 3)?.expect("3 changes the count");
/// b.increment(&"b", 4)?;
/// b.merge_delta(&delta);
/// b.merge_delta(&delta); // duplicates change nothing
/// a.merge(&b);
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
    type Delta = GCounterDelta<A>;
    /// Counters never fail to merge.
    type Error = Infallible;

    /// As the inherent [`GCounter::merge`], which returns no `Result`.
    fn merge(&mut self, other: &Self) -> Result<(), Infallible> {
        self.merge_counts(other);
        Ok(())
    }

    /// As the inherent [`GCounter::merge_delta`], which returns no `Result`.
    fn merge_delta(&mut self, delta: &GCounterDelta<A>) -> Result<(), Infallible> {
        self.raise(&delta.actor, delta.count);
        Ok(())
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
    /// count. Adding 0 changes nothing and returns `None`.
    ///
    /// Cost: O(log a) in the number of actors, plus O(a) the first time an
    /// actor increments; the delta clones `actor`.
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
    /// let delta = hits.increment(&1u8, 2)?.unwrap();
    /// assert_eq!((delta.actor(), delta.count()), (&1, 7)); // absolute, not "+2"
    /// assert!(hits.increment(&1u8, 0)?.is_none());
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn increment(&mut self, actor: &A, by: u64) -> Result<Option<GCounterDelta<A>>, CrdtError> {
        if by == 0 {
            return Ok(None);
        }
        let count = self.add(actor, by)?;
        Ok(Some(GCounterDelta { actor: actor.clone(), count }))
    }

    /// Adds `by` to `actor`'s count like [`increment`](Self::increment),
    /// without making a delta: for replicas that exchange whole states. True
    /// when the count changed (`by` is not 0).
    ///
    /// Cost: O(log a), plus O(a) the first time an actor increments.
    ///
    /// # Errors
    ///
    /// [`CrdtError::Overflow`] when the count would pass `u64::MAX`; the
    /// counter is then unchanged.
    ///
    /// ```
    /// let mut hits = routekit::crdt::GCounter::new();
    /// assert!(hits.increment_without_delta(&1u8, 5)?);
    /// assert!(!hits.increment_without_delta(&1u8, 0)?);
    /// assert_eq!(hits.value(), 5);
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn increment_without_delta(&mut self, actor: &A, by: u64) -> Result<bool, CrdtError> {
        if by == 0 {
            return Ok(false);
        }
        self.add(actor, by)?;
        Ok(true)
    }

    /// Joins `other` into this counter: each actor's larger count. Never
    /// fails, and `other` may be a whole state or several deltas merged
    /// into one counter.
    ///
    /// Cost: O(a + b) in the two actor counts, without allocating when
    /// `other` names no actor this counter lacks.
    ///
    /// ```
    /// use routekit::crdt::GCounter;
    ///
    /// let (mut a, mut b) = (GCounter::new(), GCounter::new());
    /// a.increment(&"a", 1)?;
    /// b.increment(&"b", 2)?;
    /// a.merge(&b);
    /// a.merge(&b);
    /// assert_eq!(a.value(), 3);
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn merge(&mut self, other: &Self) {
        self.merge_counts(other);
    }

    /// Joins one increment's delta: the actor's count becomes the larger of
    /// its own and the delta's. Never fails; the same as merging the counter
    /// the delta stands for.
    ///
    /// Cost: O(log a), plus O(a) for an actor new here.
    ///
    /// ```
    /// use routekit::crdt::GCounter;
    ///
    /// let mut origin = GCounter::new();
    /// let first = origin.increment(&"a", 1)?.unwrap();
    /// let second = origin.increment(&"a", 1)?.unwrap();
    /// let mut replica = GCounter::new();
    /// replica.merge_delta(&second);
    /// replica.merge_delta(&first); // late: counts are absolute
    /// assert_eq!(replica, origin);
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn merge_delta(&mut self, delta: &GCounterDelta<A>) {
        self.raise(&delta.actor, delta.count);
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
        self.position(actor).map_or(0, |at| self.counts[at].1)
    }

    /// The actors and their counts, in actor order.
    ///
    /// Cost: O(1) per actor.
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
    /// Cost: O(1).
    ///
    /// ```
    /// assert!(routekit::crdt::GCounter::<u8>::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// Builds a counter from actor counts, validating them like the decoder:
    /// strictly increasing actors, no zero counts.
    #[cfg(any(feature = "serde", test))]
    pub(crate) fn from_counts(counts: Vec<(A, u64)>) -> Result<Self, DecodeError> {
        let mut checked = Vec::with_capacity(counts.len());
        for (actor, count) in counts {
            push_checked(&mut checked, actor, count)?;
        }
        Ok(GCounter { counts: checked })
    }

    /// The actor counts, for serializers.
    #[cfg(feature = "serde")]
    pub(crate) fn counts(&self) -> &[(A, u64)] {
        &self.counts
    }

    /// The counter holding `actor`'s `count` alone (`count` not 0).
    pub(crate) fn single(actor: A, count: u64) -> Self {
        GCounter { counts: vec![(actor, count)] }
    }

    /// The position of `actor` in `counts`.
    fn position(&self, actor: &A) -> Result<usize, usize> {
        self.counts.binary_search_by(|(a, _)| a.cmp(actor))
    }

    /// Adds `by` (not 0) to `actor`'s count and returns the new count.
    fn add(&mut self, actor: &A, by: u64) -> Result<u64, CrdtError> {
        match self.position(actor) {
            Ok(at) => {
                let count = &mut self.counts[at].1;
                *count = count.checked_add(by).ok_or(CrdtError::Overflow { count: *count, by })?;
                Ok(*count)
            }
            Err(at) => {
                self.counts.insert(at, (actor.clone(), by));
                Ok(by)
            }
        }
    }

    /// Makes `actor`'s count at least `count`.
    fn raise(&mut self, actor: &A, count: u64) {
        match self.position(actor) {
            Ok(at) => self.counts[at].1 = self.counts[at].1.max(count),
            Err(at) => self.counts.insert(at, (actor.clone(), count)),
        }
    }

    /// Takes each actor's larger count.
    fn merge_counts(&mut self, other: &Self) {
        if other.counts.is_empty() {
            return;
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
    }
}

impl<A: Ord + Clone + Wire> GCounter<A> {
    /// The versioned byte encoding of this counter (kind 1, see the
    /// [byte format](crate::crdt#byte-format)): the same state always gives
    /// the same bytes.
    ///
    /// Cost: O(a).
    ///
    /// ```
    /// let mut c = routekit::crdt::GCounter::new();
    /// c.increment(&9u64, 300)?;
    /// assert_eq!(c.to_bytes(), b"RK\x01\x01\x01\x09\xac\x02");
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded_len());
        wire::put_header(&mut out, Kind::GCounter);
        self.encode_body_to(&mut out);
        debug_assert_eq!(out.len(), self.encoded_len());
        out
    }

    /// The length of [`to_bytes`](Self::to_bytes), computed without
    /// encoding.
    ///
    /// Cost: O(a), plus the actors' [`Wire::encoded_len`].
    ///
    /// ```
    /// let mut c = routekit::crdt::GCounter::new();
    /// c.increment(&9u64, 300)?;
    /// assert_eq!(c.encoded_len(), c.to_bytes().len());
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn encoded_len(&self) -> usize {
        wire::HEADER_LEN + self.body_len()
    }

    /// Reads a counter written by [`to_bytes`](Self::to_bytes), or a
    /// [`GCounterDelta`] as the counter it stands for.
    ///
    /// Cost: O(a) in the actors read.
    ///
    /// # Errors
    ///
    /// A [`DecodeError`] for truncated, corrupted, foreign or non-canonical
    /// bytes; [`DecodeError::BrokenInvariant`] for a count of 0
    /// ([`Invariant::ZeroCount`]), which no increment leaves.
    ///
    /// ```
    /// use routekit::crdt::GCounter;
    /// let mut c = GCounter::new();
    /// c.increment(&1u32, 1)?;
    /// assert_eq!(GCounter::from_bytes(&c.to_bytes())?, c);
    /// assert!(GCounter::<u32>::from_bytes(b"nonsense").is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut input = bytes;
        wire::get_header(&mut input, Kind::GCounter)?;
        let counter = Self::decode_body_from(&mut input)?;
        wire::finish(input)?;
        Ok(counter)
    }

    /// Appends the body: the actor count, then each actor and its count.
    pub(crate) fn encode_body_to(&self, out: &mut Vec<u8>) {
        wire::put_len(out, self.counts.len());
        for (actor, count) in &self.counts {
            actor.encode_to(out);
            count.encode_to(out);
        }
    }

    /// The number of bytes [`encode_body_to`](Self::encode_body_to) appends.
    pub(crate) fn body_len(&self) -> usize {
        let entries =
            self.counts.iter().map(|(actor, count)| actor.encoded_len() + count.encoded_len());
        wire::len_len(self.counts.len()) + entries.sum::<usize>()
    }

    /// Reads a body written by [`encode_body_to`](Self::encode_body_to).
    pub(crate) fn decode_body_from(input: &mut &[u8]) -> Result<Self, DecodeError> {
        // An entry is at least its count (an actor id may take no bytes).
        let len = wire::get_count_bounded(input, 1)?;
        let mut counts: Vec<(A, u64)> = wire::vec_for_count(len);
        for _ in 0..len {
            let actor = A::decode_from(input)?;
            push_checked(&mut counts, actor, wire::get_u64(input)?)?;
        }
        Ok(GCounter { counts })
    }
}

/// Appends one entry read from outside (bytes or serde) to `counts`,
/// checking the rules of every counter: actors strictly increasing, and no
/// count of 0 ([`Invariant::ZeroCount`]).
fn push_checked<A: Ord>(
    counts: &mut Vec<(A, u64)>,
    actor: A,
    count: u64,
) -> Result<(), DecodeError> {
    if counts.last().is_some_and(|(last, _)| *last >= actor) {
        return Err(DecodeError::Invalid { what: "counter actors must be strictly increasing" });
    }
    if count == 0 {
        return Err(Invariant::ZeroCount.into());
    }
    counts.push((actor, count));
    Ok(())
}

/// Merges two sorted count lists, taking the larger count per actor.
fn merge_sorted<A: Ord + Clone>(a: &[(A, u64)], b: &[(A, u64)]) -> Vec<(A, u64)> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            Ordering::Less => {
                out.push(a[i].clone());
                i += 1;
            }
            Ordering::Greater => {
                out.push(b[j].clone());
                j += 1;
            }
            Ordering::Equal => {
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
        a.merge(&b);
        assert_eq!(a.iter().collect::<Vec<_>>(), [(&1, 1), (&2, 5), (&3, 7)]);
    }

    #[test]
    fn a_delta_raises_one_count_in_place_or_inserts_it() {
        let mut a = GCounter::new();
        a.increment(&2, 5).unwrap();
        a.merge_delta(&GCounterDelta { actor: 2, count: 3 });
        a.merge_delta(&GCounterDelta { actor: 1, count: 4 });
        a.merge_delta(&GCounterDelta { actor: 2, count: 6 });
        assert_eq!(a.iter().collect::<Vec<_>>(), [(&1, 4), (&2, 6)]);
    }

    #[test]
    fn zero_counts_and_disorder_are_refused() {
        assert!(GCounter::from_counts(vec![(1, 0)]).is_err());
        assert!(GCounter::from_counts(vec![(2, 1), (1, 1)]).is_err());
        assert!(GCounter::from_counts(vec![(1, 1), (1, 2)]).is_err());
        assert!(GCounter::from_counts(vec![(1, 1), (2, 2)]).is_ok());
    }
}
