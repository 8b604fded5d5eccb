//! The byte encoding of an [`OrSet`] (kind 3), and the canonical parts that
//! the encoding and serde share.

use std::hash::{BuildHasher, Hash};

use super::OrSet;
use crate::crdt::context::CausalContext;
use crate::crdt::dots::{Dot, Entry};
use crate::crdt::wire::{self, Kind, Wire};
use crate::crdt::{DecodeError, Invariant};

/// An element with its dots as (actor rank, counter), the form in which
/// elements are encoded and read back.
#[cfg(feature = "serde")]
pub(crate) type Element<T> = (T, Vec<(u32, u64)>);

impl<A: Ord + Clone, T: Ord + Hash + Clone> OrSet<A, T> {
    /// Calls `element` for each element in ascending order, with its dots as
    /// (actor rank in the context's actor order, counter), ascending.
    pub(crate) fn for_each_canonical<'s>(&'s self, mut element: impl FnMut(&'s T, &[(u32, u64)])) {
        let rank = self.ranks();
        let mut entries: Vec<&Entry<T>> = self.entries.iter().collect();
        entries.sort_unstable_by(|a, b| a.value.cmp(&b.value));
        let mut dots = Vec::new();
        for entry in entries {
            dots.clear();
            dots.extend(self.links.dots(entry).map(|dot| (rank[dot.actor as usize], dot.counter)));
            dots.sort_unstable();
            element(&entry.value, &dots);
        }
    }

    /// Builds a set from a checked context and its elements in canonical
    /// form, checked by [`SetLoader`] (the rules every set keeps).
    #[cfg(feature = "serde")]
    pub(crate) fn from_parts(
        context: CausalContext<A>,
        elements: Vec<Element<T>>,
    ) -> Result<Self, DecodeError> {
        let mut loader = SetLoader::new(context, elements.len());
        for (value, dots) in elements {
            let mut dots = dots.into_iter();
            loader.push(value, dots.len(), || dots.next().ok_or(DecodeError::Truncated))?;
        }
        loader.finish()
    }

    /// Each actor's rank in actor order, by clock index.
    fn ranks(&self) -> Vec<u32> {
        let mut rank = vec![0u32; self.context.actor_count()];
        for (r, &i) in self.context.sorted().iter().enumerate() {
            rank[i as usize] = r as u32;
        }
        rank
    }
}

impl<A: Ord + Clone + Wire, T: Ord + Hash + Clone + Wire> OrSet<A, T> {
    /// The versioned byte encoding of this set (kind 3 of the
    /// [byte format](crate::crdt#byte-format)); the same state always gives
    /// the same bytes.
    ///
    /// Cost: O(n log n + d) for n elements and d dots (the elements are
    /// written in ascending order).
    ///
    /// ```
    /// use routekit::crdt::OrSet;
    ///
    /// let mut set = OrSet::new();
    /// set.add(&1u8, 42u64)?;
    /// assert_eq!(set.to_bytes(), b"RK\x03\x01\x01\x01\x01\x00\x01\x2a\x01\x00\x01");
    /// assert_eq!(OrSet::from_bytes(&set.to_bytes()).unwrap(), set);
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn to_bytes(&self) -> Vec<u8> {
        // An estimate, not `encoded_len`: that is a pass over every dot,
        // which costs more than the few reallocations it would save.
        let mut out = Vec::with_capacity(16 + 8 * self.entries.len());
        wire::put_header(&mut out, Kind::OrSet);
        self.context.encode_to(&mut out);
        wire::put_len(&mut out, self.entries.len());
        self.for_each_canonical(|value, dots| {
            value.encode_to(&mut out);
            wire::put_len(&mut out, dots.len());
            for &(rank, counter) in dots {
                rank.encode_to(&mut out);
                counter.encode_to(&mut out);
            }
        });
        debug_assert_eq!(out.len(), self.encoded_len());
        out
    }

    /// The length of [`to_bytes`](Self::to_bytes), computed without
    /// encoding or sorting: for "is this state getting too big" checks.
    ///
    /// Cost: O(n + d + a) for n elements, d dots and a actors, plus the
    /// [`Wire::encoded_len`] of each element and actor id.
    ///
    /// ```
    /// use routekit::crdt::OrSet;
    ///
    /// let mut set = OrSet::new();
    /// for x in 0..100u32 {
    ///     set.add_without_delta(&1u8, x)?;
    /// }
    /// assert_eq!(set.encoded_len(), set.to_bytes().len());
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn encoded_len(&self) -> usize {
        // Ranks below 128 take one byte: only more actors need the ranks.
        let rank = (self.context.actor_count() > 128).then(|| self.ranks());
        let rank_len =
            |actor: u32| rank.as_ref().map_or(1, |rank| rank[actor as usize].encoded_len());
        let elements = self.entries.iter().map(|entry| {
            let mut count = 0;
            let dots: usize = self
                .links
                .dots(entry)
                .map(|dot| {
                    count += 1;
                    rank_len(dot.actor) + dot.counter.encoded_len()
                })
                .sum();
            entry.value.encoded_len() + wire::len_len(count) + dots
        });
        wire::HEADER_LEN
            + self.context.encoded_len()
            + wire::len_len(self.entries.len())
            + elements.sum::<usize>()
    }

    /// Reads a set written by [`to_bytes`](Self::to_bytes) (or, as the
    /// state it stands for, a delta an earlier release wrote in this
    /// format).
    ///
    /// Cost: O(n + d log d) expected, for n elements and d dots.
    ///
    /// # Errors
    ///
    /// A [`DecodeError`] for truncated, corrupted, foreign or non-canonical
    /// bytes; [`DecodeError::BrokenInvariant`] for bytes that break a rule
    /// every set keeps (a dot with counter 0, a dot outside the context, a
    /// dot under two elements, an element without dots: see
    /// [`Invariant`]). A count larger than the bytes left can hold is
    /// [`DecodeError::Truncated`] before anything is reserved.
    ///
    /// ```
    /// use routekit::crdt::{DecodeError, OrSet};
    ///
    /// assert_eq!(OrSet::<u8, u8>::from_bytes(b"RK\x03\x01\x00\x00")?, OrSet::new());
    /// assert!(OrSet::<u8, u8>::from_bytes(b"RK\x03\x01\x00\x00\x00").is_err());
    /// # Ok::<(), DecodeError>(())
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut input = bytes;
        wire::get_header(&mut input, Kind::OrSet)?;
        let context = CausalContext::decode_from(&mut input)?;
        // An element is at least its dot count and one dot (two varints):
        // an element with no dots is refused when its count is read.
        let entry_count = wire::get_count_bounded(&mut input, 3)?;
        let mut loader = SetLoader::new(context, entry_count);
        for _ in 0..entry_count {
            let value = T::decode_from(&mut input)?;
            let dot_count = wire::get_count_bounded(&mut input, 2)?;
            loader.push(value, dot_count, || {
                Ok((u32::decode_from(&mut input)?, wire::get_u64(&mut input)?))
            })?;
        }
        wire::finish(input)?;
        loader.finish()
    }
}

/// Builds a set from its context and its elements in canonical order, one
/// element at a time, refusing each rule an element breaks as soon as it is
/// read: the one check of a set read from outside (bytes or serde).
///
/// The rules are those every set the crate's operations produce keeps:
/// elements strictly increasing; each with at least one dot
/// ([`Invariant::ElementWithoutDots`]); its dots strictly increasing, with a
/// counter of at least 1 ([`Invariant::ZeroDotCounter`]), naming an actor of
/// the context and seen by it ([`Invariant::DotOutsideContext`]); and no dot
/// under two elements ([`Invariant::SharedDot`]).
struct SetLoader<A, T> {
    set: OrSet<A, T>,
    /// The element read last, inserted once the next one is known to be
    /// greater (so the order is checked without cloning elements).
    last: Option<Entry<T>>,
    /// Every dot read, for the check that none is under two elements.
    dots: Vec<Dot>,
    /// Dots beyond the first of their elements so far.
    extra_dots: usize,
}

impl<A: Ord + Clone, T: Ord + Hash + Clone> SetLoader<A, T> {
    /// A loader for about `count` elements (reserved up to
    /// [`wire::bounded_capacity`]).
    fn new(context: CausalContext<A>, count: usize) -> Self {
        let mut set = OrSet { context, ..OrSet::new() };
        let hasher = &set.hasher;
        set.entries.reserve(wire::bounded_capacity::<Entry<T>>(count), |entry| {
            hasher.hash_one(&entry.value)
        });
        SetLoader { set, last: None, dots: wire::vec_for_count(count), extra_dots: 0 }
    }

    /// Adds the element `value` with its `dot_count` dots, each got by one
    /// call of `next_dot` as (actor rank, counter).
    fn push(
        &mut self,
        value: T,
        dot_count: usize,
        mut next_dot: impl FnMut() -> Result<(u32, u64), DecodeError>,
    ) -> Result<(), DecodeError> {
        if self.last.as_ref().is_some_and(|last| last.value >= value) {
            return Err(DecodeError::Invalid { what: "elements must be strictly increasing" });
        }
        if dot_count == 0 {
            return Err(Invariant::ElementWithoutDots.into());
        }
        self.extra_dots = self.extra_dots.saturating_add(dot_count - 1);
        // The arena of further dots is indexed by u32, with u32::MAX its end.
        if self.extra_dots > u32::MAX as usize {
            return Err(DecodeError::Invalid {
                what: "a set holds at most 2^32 - 1 dots beyond the first of their elements",
            });
        }
        let first = self.read_dot(None, &mut next_dot)?;
        let mut entry = Entry::new(value, first);
        let mut previous = first;
        for _ in 1..dot_count {
            let dot = self.read_dot(Some(previous), &mut next_dot)?;
            self.set.links.push(&mut entry, dot);
            previous = dot;
        }
        if let Some(last) = self.last.take() {
            self.set.insert_new(last);
        }
        self.last = Some(entry);
        Ok(())
    }

    /// Reads one dot of an element, after `previous`, and checks it.
    fn read_dot(
        &mut self,
        previous: Option<Dot>,
        next_dot: &mut impl FnMut() -> Result<(u32, u64), DecodeError>,
    ) -> Result<Dot, DecodeError> {
        let (actor, counter) = next_dot()?;
        let dot = Dot { actor, counter };
        if previous.is_some_and(|previous| previous >= dot) {
            return Err(DecodeError::Invalid {
                what: "an element's dots must be strictly increasing",
            });
        }
        if counter == 0 {
            return Err(Invariant::ZeroDotCounter.into());
        }
        // Ranks are positions in actor order, and a context read from
        // outside numbers its clocks in that order: a rank is an index.
        if (actor as usize) >= self.set.context.actor_count()
            || !self.set.context.contains_at(actor, counter)
        {
            return Err(Invariant::DotOutsideContext.into());
        }
        self.dots.push(dot);
        Ok(dot)
    }

    /// The set, once no dot is found under two elements.
    fn finish(mut self) -> Result<OrSet<A, T>, DecodeError> {
        if let Some(last) = self.last.take() {
            self.set.insert_new(last);
        }
        self.dots.sort_unstable();
        if self.dots.windows(2).any(|w| w[0] == w[1]) {
            return Err(Invariant::SharedDot.into());
        }
        Ok(self.set)
    }
}
