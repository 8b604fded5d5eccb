//! The up-down counter: [`PNCounter`].

use std::convert::Infallible;

use super::{GCounter, PNCounterDelta};
use crate::crdt::wire::{self, Kind, Wire};
use crate::crdt::{Crdt, CrdtError, DecodeError};

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
/// use routekit::crdt::PNCounter;
///
/// let (mut a, mut b) = (PNCounter::new(), PNCounter::new());
/// let up = a.increment(&"a", 10)?.unwrap();
/// let down = b.decrement(&"b", 25)?.unwrap();
/// a.merge_delta(&down);
/// b.merge_delta(&up);
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
    type Delta = PNCounterDelta<A>;
    /// Counters never fail to merge.
    type Error = Infallible;

    /// As the inherent [`PNCounter::merge`], which returns no `Result`.
    fn merge(&mut self, other: &Self) -> Result<(), Infallible> {
        PNCounter::merge(self, other);
        Ok(())
    }

    /// As the inherent [`PNCounter::merge_delta`], which returns no
    /// `Result`.
    fn merge_delta(&mut self, delta: &PNCounterDelta<A>) -> Result<(), Infallible> {
        PNCounter::merge_delta(self, delta);
        Ok(())
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
    /// increments). Adding 0 changes nothing and returns `None`.
    ///
    /// Cost: O(log a), plus O(a) the first time an actor increments; the
    /// delta clones `actor`.
    ///
    /// # Errors
    ///
    /// [`CrdtError::Overflow`] when `actor`'s total of increments would pass
    /// `u64::MAX`; the counter is then unchanged.
    ///
    /// ```
    /// let mut c = routekit::crdt::PNCounter::new();
    /// let delta = c.increment(&"a", 2)?.unwrap();
    /// assert_eq!((delta.count(), delta.is_decrement()), (2, false));
    /// assert_eq!(c.value(), 2);
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn increment(
        &mut self,
        actor: &A,
        by: u64,
    ) -> Result<Option<PNCounterDelta<A>>, CrdtError> {
        let delta = self.increments.increment(actor, by)?;
        Ok(delta.map(|delta| PNCounterDelta::new(delta, false)))
    }

    /// Adds `by` under `actor` like [`increment`](Self::increment), without
    /// making a delta. True when the counter changed (`by` is not 0).
    ///
    /// Cost: O(log a), plus O(a) the first time an actor increments.
    ///
    /// # Errors
    ///
    /// [`CrdtError::Overflow`] as for [`increment`](Self::increment).
    ///
    /// ```
    /// let mut c = routekit::crdt::PNCounter::new();
    /// assert!(c.increment_without_delta(&"a", 2)?);
    /// assert_eq!(c.value(), 2);
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn increment_without_delta(&mut self, actor: &A, by: u64) -> Result<bool, CrdtError> {
        self.increments.increment_without_delta(actor, by)
    }

    /// Subtracts `by` under `actor` and returns the delta (`actor`'s new total
    /// of decrements). Subtracting 0 changes nothing and returns `None`.
    ///
    /// Cost: O(log a), plus O(a) the first time an actor decrements; the
    /// delta clones `actor`.
    ///
    /// # Errors
    ///
    /// [`CrdtError::Overflow`] when `actor`'s total of decrements would pass
    /// `u64::MAX`; the counter is then unchanged.
    ///
    /// ```
    /// let mut c = routekit::crdt::PNCounter::new();
    /// let delta = c.decrement(&"a", 2)?.unwrap();
    /// assert_eq!((delta.count(), delta.is_decrement()), (2, true));
    /// assert_eq!(c.value(), -2);
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn decrement(
        &mut self,
        actor: &A,
        by: u64,
    ) -> Result<Option<PNCounterDelta<A>>, CrdtError> {
        let delta = self.decrements.increment(actor, by)?;
        Ok(delta.map(|delta| PNCounterDelta::new(delta, true)))
    }

    /// Subtracts `by` under `actor` like [`decrement`](Self::decrement),
    /// without making a delta. True when the counter changed (`by` is not 0).
    ///
    /// Cost: O(log a), plus O(a) the first time an actor decrements.
    ///
    /// # Errors
    ///
    /// [`CrdtError::Overflow`] as for [`decrement`](Self::decrement).
    ///
    /// ```
    /// let mut c = routekit::crdt::PNCounter::new();
    /// assert!(!c.decrement_without_delta(&"a", 0)?);
    /// assert!(c.decrement_without_delta(&"a", 2)?);
    /// assert_eq!(c.value(), -2);
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn decrement_without_delta(&mut self, actor: &A, by: u64) -> Result<bool, CrdtError> {
        self.decrements.increment_without_delta(actor, by)
    }

    /// Joins `other` into this counter: increments and decrements merged
    /// separately, each actor's larger totals. Never fails.
    ///
    /// Cost: O(a + b) in the two actor counts.
    ///
    /// ```
    /// use routekit::crdt::PNCounter;
    ///
    /// let (mut a, mut b) = (PNCounter::new(), PNCounter::new());
    /// a.increment(&"a", 5)?;
    /// b.decrement(&"b", 2)?;
    /// a.merge(&b);
    /// assert_eq!(a.value(), 3);
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn merge(&mut self, other: &Self) {
        self.increments.merge(&other.increments);
        self.decrements.merge(&other.decrements);
    }

    /// Joins one increment's or decrement's delta. Never fails; the same as
    /// merging the counter the delta stands for.
    ///
    /// Cost: O(log a), plus O(a) for an actor new to that side.
    ///
    /// ```
    /// use routekit::crdt::PNCounter;
    ///
    /// let mut origin = PNCounter::new();
    /// let down = origin.decrement(&"a", 4)?.unwrap();
    /// let mut replica = PNCounter::new();
    /// replica.merge_delta(&down);
    /// replica.merge_delta(&down);
    /// assert_eq!(replica.value(), -4);
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn merge_delta(&mut self, delta: &PNCounterDelta<A>) {
        match delta.is_decrement() {
            false => self.increments.merge_delta(delta.side()),
            true => self.decrements.merge_delta(delta.side()),
        }
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
    /// Cost: O(1).
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
    /// Cost: O(1).
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
    /// Cost: O(1).
    ///
    /// ```
    /// assert!(routekit::crdt::PNCounter::<u8>::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.increments.is_empty() && self.decrements.is_empty()
    }

    /// Builds a counter from its two halves.
    pub(crate) fn from_parts(increments: GCounter<A>, decrements: GCounter<A>) -> Self {
        PNCounter { increments, decrements }
    }
}

impl<A: Ord + Clone + Wire> PNCounter<A> {
    /// The versioned byte encoding of this counter (kind 2, see the
    /// [byte format](crate::crdt#byte-format)): the increments, then the
    /// decrements, each as the body of a [`GCounter`].
    ///
    /// Cost: O(a).
    ///
    /// ```
    /// let mut c = routekit::crdt::PNCounter::new();
    /// c.decrement(&1u8, 2)?;
    /// assert_eq!(c.to_bytes(), b"RK\x02\x01\x00\x01\x01\x02");
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded_len());
        wire::put_header(&mut out, Kind::PNCounter);
        self.increments.encode_body_to(&mut out);
        self.decrements.encode_body_to(&mut out);
        debug_assert_eq!(out.len(), self.encoded_len());
        out
    }

    /// The length of [`to_bytes`](Self::to_bytes), computed without
    /// encoding.
    ///
    /// Cost: O(a), plus the actors' [`Wire::encoded_len`].
    ///
    /// ```
    /// let mut c = routekit::crdt::PNCounter::new();
    /// c.decrement(&1u8, 2)?;
    /// assert_eq!(c.encoded_len(), 8);
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn encoded_len(&self) -> usize {
        wire::HEADER_LEN + self.increments.body_len() + self.decrements.body_len()
    }

    /// Reads a counter written by [`to_bytes`](Self::to_bytes), or a
    /// [`PNCounterDelta`] as the counter it stands for.
    ///
    /// Cost: O(a) in the actors read.
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
    /// assert_eq!(PNCounter::from_bytes(&c.to_bytes())?, c);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut input = bytes;
        wire::get_header(&mut input, Kind::PNCounter)?;
        let increments = GCounter::decode_body_from(&mut input)?;
        let decrements = GCounter::decode_body_from(&mut input)?;
        wire::finish(input)?;
        Ok(PNCounter { increments, decrements })
    }
}
