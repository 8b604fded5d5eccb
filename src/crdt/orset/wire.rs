//! The byte encoding of an [`OrSet`] (kind 3), and the canonical parts that
//! the encoding and serde share.

use std::hash::{BuildHasher, Hash};

use super::OrSet;
use crate::crdt::DecodeError;
use crate::crdt::context::CausalContext;
use crate::crdt::dots::{Dot, Entry};
use crate::crdt::wire::{self, Kind, Wire};

/// An element with its dots as (actor rank, counter), the form in which
/// elements are encoded and read back.
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
    /// form, checking every rule a set keeps: strictly increasing elements,
    /// at least one dot per element, dots strictly increasing, naming a
    /// known actor, seen by the context, and each used once.
    pub(crate) fn from_parts(
        context: CausalContext<A>,
        elements: Vec<Element<T>>,
    ) -> Result<Self, DecodeError> {
        if elements.windows(2).any(|w| w[0].0 >= w[1].0) {
            return Err(DecodeError::Invalid { what: "elements must be strictly increasing" });
        }
        let extra_dots: usize = elements.iter().map(|(_, dots)| dots.len().saturating_sub(1)).sum();
        if extra_dots > u32::MAX as usize {
            return Err(DecodeError::Invalid {
                what: "a set holds at most 2^32 - 1 dots beyond the first of their elements",
            });
        }
        // Ranks are positions in actor order; `from_parts` of a context
        // numbers its clocks in that order, so a rank is a clock index.
        let mut set = OrSet { context, ..OrSet::new() };
        set.entries.reserve(elements.len(), |entry| set.hasher.hash_one(&entry.value));
        let mut all_dots = Vec::with_capacity(elements.len());
        for (value, dots) in elements {
            if dots.windows(2).any(|w| w[0] >= w[1]) {
                return Err(DecodeError::Invalid {
                    what: "an element's dots must be strictly increasing",
                });
            }
            for &(actor, counter) in &dots {
                if (actor as usize) >= set.context.actor_count()
                    || !set.context.contains_at(actor, counter)
                {
                    return Err(DecodeError::Invalid {
                        what: "an element's dot is not in the causal context",
                    });
                }
                all_dots.push(Dot { actor, counter });
            }
            let mut dots = dots.into_iter().map(|(actor, counter)| Dot { actor, counter });
            let Some(first) = dots.next() else {
                return Err(DecodeError::Invalid { what: "an element must have at least one dot" });
            };
            let mut entry = Entry::new(value, first);
            dots.for_each(|dot| set.links.push(&mut entry, dot));
            set.insert_new(entry);
        }
        all_dots.sort_unstable();
        if all_dots.windows(2).any(|w| w[0] == w[1]) {
            return Err(DecodeError::Invalid { what: "a dot must belong to one element only" });
        }
        Ok(set)
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
    /// bytes, or bytes that break a rule every set keeps (a dot outside the
    /// context, a dot under two elements).
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
        let entry_count = wire::get_len(&mut input)?;
        let mut elements = Vec::with_capacity(entry_count);
        for _ in 0..entry_count {
            let value = T::decode_from(&mut input)?;
            let dot_count = wire::get_len(&mut input)?;
            let mut dots = Vec::with_capacity(dot_count);
            for _ in 0..dot_count {
                dots.push((u32::decode_from(&mut input)?, wire::get_u64(&mut input)?));
            }
            elements.push((value, dots));
        }
        wire::finish(input)?;
        Self::from_parts(context, elements)
    }
}
