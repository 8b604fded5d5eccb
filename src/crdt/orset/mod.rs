//! The add-wins observed-remove set without tombstones: [`OrSet`], and the
//! delta of one of its mutations, [`OrSetDelta`].
//!
//! State is a dot store (each present element with the dots of the adds that
//! put it there) and a [`CausalContext`] (every dot seen). Joining two states
//! keeps a dot when both stores hold it, or when one holds it and the other
//! has not seen it; a dot one side has seen but no longer holds was removed.
//! Removes leave no tombstone: the context alone remembers what was seen.
//!
//! This file holds the type and its mutators; `merge.rs` the joins of
//! states and of deltas, `wire.rs` the byte encoding, `delta.rs` the delta.

mod delta;
mod merge;
mod wire;

use std::borrow::Borrow;
use std::fmt;
use std::hash::{BuildHasher, Hash};

use foldhash::fast::RandomState;
use hashbrown::HashTable;
use hashbrown::hash_table::Entry as Slot;

pub use delta::OrSetDelta;

use super::context::CausalContext;
use super::dots::{Dot, Entry, Links};
use super::{Crdt, CrdtError};
pub(crate) use delta::Change;

/// An add-wins observed-remove set: replicas add and remove elements without
/// coordinating, and a remove takes away only the adds it has seen, so an add
/// concurrent with a remove wins.
///
/// Every mutator returns its **delta**, an [`OrSetDelta`] that has the same
/// effect on any replica as the whole new state: ship deltas, merge them in
/// any order, duplicated or re-sent after a loss, and every replica that has
/// seen the same adds and removes holds the same set. Nothing is lost and
/// nothing comes back. A remove or a clear that changes nothing returns no
/// delta; each mutator has a `_without_delta` twin for callers that
/// exchange whole states (see the [module docs](crate::crdt)).
///
/// Elements need `Ord` (iteration and encoding are in element order, the
/// same on every replica), `Hash + Eq` (lookups; the hash is an in-memory
/// index with a per-process random seed, never written out) and `Clone`
/// (deltas carry a copy). Actors need `Ord + Clone` and must be unique per
/// replica incarnation (see the [module docs](crate::crdt)).
///
/// An element takes its own size plus 16 bytes in the hash table (24 bytes
/// for a `u64`), with one add's dot inline; each further concurrent add of
/// the same element takes 16 bytes more, in an arena of at most 2^32 - 1
/// such dots per set (64 GiB of them): a merge that would pass it panics.
///
/// # Example
///
/// ```
/// use routekit::crdt::OrSet;
///
/// let mut phone = OrSet::new();
/// let mut laptop = OrSet::new();
/// let add_tea = phone.add(&"phone", "tea")?;
/// laptop.merge_delta(&add_tea)?;
///
/// // Concurrently: the laptop removes tea, the phone adds it again.
/// let remove = laptop.remove("tea").expect("tea was there");
/// let add_again = phone.add(&"phone", "tea")?;
///
/// // Deliver in opposite orders, with a duplicate: the add wins on both.
/// phone.merge_delta(&remove)?;
/// laptop.merge_delta(&add_again)?;
/// laptop.merge_delta(&add_again)?;
/// assert_eq!(phone, laptop);
/// assert!(phone.contains("tea"));
/// # Ok::<(), routekit::crdt::CrdtError>(())
/// ```
#[derive(Clone)]
pub struct OrSet<A, T> {
    context: CausalContext<A>,
    entries: HashTable<Entry<T>>,
    /// The dots beyond the first of every element.
    links: Links,
    hasher: RandomState,
}

impl<A, T> Default for OrSet<A, T> {
    fn default() -> Self {
        OrSet {
            context: CausalContext::default(),
            entries: HashTable::new(),
            links: Links::default(),
            hasher: RandomState::default(),
        }
    }
}

impl<A: Ord, T: Hash + Eq> PartialEq for OrSet<A, T> {
    /// Equal when both hold the same elements with the same dots and have
    /// seen the same dots, however each replica got there.
    fn eq(&self, other: &Self) -> bool {
        if self.entries.len() != other.entries.len() || self.context != other.context {
            return false;
        }
        // Equal contexts know the same actors: map our indexes to theirs.
        let mut translate = vec![0; self.context.actor_count()];
        for (&i, &j) in self.context.sorted().iter().zip(other.context.sorted()) {
            translate[i as usize] = j;
        }
        // An element's dots are distinct: all of ours held there, and as
        // many, means the same dots.
        self.entries.iter().all(|entry| {
            other.find(&entry.value).is_some_and(|theirs| {
                let mut count = 0;
                self.links.dots(entry).all(|dot| {
                    count += 1;
                    other.links.holds(theirs, Dot { actor: translate[dot.actor as usize], ..dot })
                }) && count == other.links.count(theirs)
            })
        })
    }
}

impl<A: Ord, T: Hash + Eq> Eq for OrSet<A, T> {}

impl<A: Ord + fmt::Debug, T: Ord + fmt::Debug> fmt::Debug for OrSet<A, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut entries: Vec<&Entry<T>> = self.entries.iter().collect();
        entries.sort_unstable_by(|a, b| a.value.cmp(&b.value));
        let elements: Vec<_> = entries
            .iter()
            .map(|entry| {
                let dots: Vec<_> = self
                    .links
                    .dots(entry)
                    .map(|dot| (&self.context.clock(dot.actor).actor, dot.counter))
                    .collect();
                (&entry.value, dots)
            })
            .collect();
        f.debug_struct("OrSet")
            .field("elements", &elements)
            .field("context", &self.context)
            .finish()
    }
}

impl<A: Ord + Clone, T: Ord + Hash + Clone> Crdt for OrSet<A, T> {
    type Delta = OrSetDelta<A, T>;
    /// [`CrdtError::DotConflict`]: the two states name one dot under two
    /// elements.
    type Error = CrdtError;

    /// As the inherent [`OrSet::merge`].
    fn merge(&mut self, other: &Self) -> Result<(), CrdtError> {
        OrSet::merge(self, other)
    }

    /// As the inherent [`OrSet::merge_delta`].
    fn merge_delta(&mut self, delta: &OrSetDelta<A, T>) -> Result<(), CrdtError> {
        OrSet::merge_delta(self, delta)
    }
}

impl<A: Ord + Clone, T: Ord + Hash + Clone> OrSet<A, T> {
    /// An empty set that has seen nothing (the bottom state).
    ///
    /// ```
    /// let set = routekit::crdt::OrSet::<u64, String>::new();
    /// assert!(set.is_empty());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `value` as `actor` and returns the delta.
    ///
    /// The add gets a fresh dot (`actor`, next counter) and replaces the dots
    /// the element had here, so it overrides every remove this replica has
    /// seen and survives every remove it has not. Adding a present element
    /// still changes the state (its fresh dot outlives removes that saw only
    /// the old ones), so an add always returns a delta; where a present
    /// element need not be refreshed, ask [`contains`](Self::contains)
    /// first. The delta holds a clone of `value` and of `actor`, and the
    /// dots it replaced.
    ///
    /// Cost: O(1) expected, plus O(log a) in the number of actors (O(a) the
    /// first time an actor adds) and O(d log d) for an element that had d
    /// dots.
    ///
    /// # Errors
    ///
    /// [`CrdtError::DotsExhausted`] when `actor` has used all 2^64 - 1
    /// counters; the set is then unchanged.
    ///
    /// ```
    /// use routekit::crdt::OrSet;
    ///
    /// let mut mine = OrSet::new();
    /// let delta = mine.add(&7u32, "x")?;
    /// let mut theirs = OrSet::new();
    /// theirs.merge_delta(&delta)?;
    /// assert_eq!(theirs, mine);
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn add(&mut self, actor: &A, value: T) -> Result<OrSetDelta<A, T>, CrdtError> {
        let mut replaced = Vec::new();
        let counter = self.add_dot(actor, value.clone(), |actor, counter| {
            replaced.push((actor.clone(), counter));
        })?;
        sort_dots(&mut replaced);
        let change = Change::Add { value, actor: actor.clone(), counter, replaced };
        Ok(OrSetDelta { change })
    }

    /// Adds `value` as `actor` like [`add`](Self::add), without making a
    /// delta: for replicas that exchange whole states, or to load a set. It
    /// saves cloning the element and the actor id, and listing the dots
    /// replaced.
    ///
    /// Cost: O(1) expected, plus O(log a) in the number of actors.
    ///
    /// # Errors
    ///
    /// [`CrdtError::DotsExhausted`] when `actor` has used all 2^64 - 1
    /// counters; the set is then unchanged.
    ///
    /// ```
    /// let mut set = routekit::crdt::OrSet::new();
    /// for x in 0..1000u32 {
    ///     set.add_without_delta(&"loader", x)?;
    /// }
    /// assert_eq!(set.len(), 1000);
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn add_without_delta(&mut self, actor: &A, value: T) -> Result<(), CrdtError> {
        self.add_dot(actor, value, |_, _| {}).map(drop)
    }

    /// Removes `value` and returns the delta: the element and the dots it
    /// had here, so the remove takes away exactly the adds this replica has
    /// seen. Removing an absent element changes nothing and returns `None`.
    ///
    /// Cost: O(1) expected, plus O(d log d) for an element with d dots (one,
    /// unless adds were concurrent).
    ///
    /// ```
    /// use routekit::crdt::OrSet;
    ///
    /// let mut set = OrSet::new();
    /// set.add(&1u8, String::from("x"))?;
    /// assert!(set.remove("x").is_some());
    /// assert!(!set.contains("x"));
    /// assert!(set.remove("x").is_none()); // nothing left to remove
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn remove<Q>(&mut self, value: &Q) -> Option<OrSetDelta<A, T>>
    where
        T: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let entry = self.take(value)?;
        let mut dots: Vec<_> = self
            .links
            .dots(&entry)
            .map(|dot| (self.context.clock(dot.actor).actor.clone(), dot.counter))
            .collect();
        self.links.release(&entry);
        sort_dots(&mut dots);
        Some(OrSetDelta { change: Change::Remove { value: entry.value, dots } })
    }

    /// Removes `value` like [`remove`](Self::remove), without making a
    /// delta; true when it was present.
    ///
    /// Cost: O(1) expected, plus O(d) for an element with d dots.
    ///
    /// ```
    /// let mut set = routekit::crdt::OrSet::new();
    /// set.add_without_delta(&1u8, 'x')?;
    /// assert!(set.remove_without_delta(&'x'));
    /// assert!(!set.remove_without_delta(&'x'));
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn remove_without_delta<Q>(&mut self, value: &Q) -> bool
    where
        T: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let Some(entry) = self.take(value) else { return false };
        self.links.release(&entry);
        true
    }

    /// Removes every element and returns the delta: every dot the set held.
    /// Clearing an empty set changes nothing and returns `None`.
    ///
    /// Cost: O(n + d log d) for n elements and d dots.
    ///
    /// ```
    /// use routekit::crdt::OrSet;
    ///
    /// let mut a = OrSet::new();
    /// a.add(&1u8, 10)?;
    /// let mut b = a.clone();
    /// let delta = a.clear().expect("a held 10");
    /// b.merge_delta(&delta)?;
    /// assert!(a.is_empty() && b.is_empty());
    /// assert!(a.clear().is_none());
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn clear(&mut self) -> Option<OrSetDelta<A, T>> {
        if self.entries.is_empty() {
            return None;
        }
        let mut dots: Vec<Dot> =
            self.entries.iter().flat_map(|entry| self.links.dots(entry)).collect();
        dots.sort_unstable();
        let mut removed = CausalContext::default();
        // Dots come grouped by actor: intern each actor once.
        let mut actor: Option<(u32, u32)> = None;
        for dot in dots {
            let index = match actor {
                Some((ours, theirs)) if ours == dot.actor => theirs,
                _ => {
                    let theirs = removed.intern(&self.context.clock(dot.actor).actor);
                    actor = Some((dot.actor, theirs));
                    theirs
                }
            };
            removed.insert_at(index, dot.counter);
        }
        self.clear_without_delta();
        Some(OrSetDelta { change: Change::Clear { dots: removed } })
    }

    /// Removes every element like [`clear`](Self::clear), without making a
    /// delta; true when the set held any.
    ///
    /// Cost: O(n) (the table keeps its capacity).
    ///
    /// ```
    /// let mut set = routekit::crdt::OrSet::new();
    /// set.add_without_delta(&1u8, 'x')?;
    /// assert!(set.clear_without_delta());
    /// assert!(set.is_empty() && !set.clear_without_delta());
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn clear_without_delta(&mut self) -> bool {
        let changed = !self.entries.is_empty();
        self.entries.clear();
        self.links.clear();
        changed
    }

    /// Whether `value` is in the set.
    ///
    /// Cost: O(1) expected.
    ///
    /// ```
    /// let mut set = routekit::crdt::OrSet::new();
    /// set.add(&1u8, String::from("x"))?;
    /// assert!(set.contains("x") && !set.contains("y"));
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn contains<Q>(&self, value: &Q) -> bool
    where
        T: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.find(value).is_some()
    }

    /// The elements in ascending order (the same order on every replica).
    ///
    /// Cost: O(n log n) to start (the elements are sorted into a buffer of n
    /// references), then O(1) per element.
    ///
    /// ```
    /// let mut set = routekit::crdt::OrSet::new();
    /// for x in [3, 1, 2] {
    ///     set.add(&"a", x)?;
    /// }
    /// assert_eq!(set.iter().collect::<Vec<_>>(), [&1, &2, &3]);
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &T> + '_ {
        let mut values: Vec<&T> = self.entries.iter().map(|entry| &entry.value).collect();
        values.sort_unstable();
        values.into_iter()
    }

    /// Every dot this replica has seen; see [`CausalContext`].
    ///
    /// Cost: O(1).
    ///
    /// ```
    /// let mut set = routekit::crdt::OrSet::new();
    /// set.add(&"a", 1)?;
    /// assert_eq!(set.context().version(&"a"), 1);
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn context(&self) -> &CausalContext<A> {
        &self.context
    }

    /// Adds `value` under a fresh dot of `actor`, and returns its counter;
    /// `replaced` hears of each dot the element had before (its actor id and
    /// counter).
    fn add_dot(
        &mut self,
        actor: &A,
        value: T,
        mut replaced: impl FnMut(&A, u64),
    ) -> Result<u64, CrdtError> {
        let index = self.context.intern(actor);
        let counter = self.context.next_counter(index).ok_or(CrdtError::DotsExhausted)?;
        self.context.insert_at(index, counter);
        let dot = Dot { actor: index, counter };
        let OrSet { context, entries, links, hasher } = self;
        let hash = hasher.hash_one(&value);
        match entries.entry(
            hash,
            |entry| entry.value == value,
            |entry| hasher.hash_one(&entry.value),
        ) {
            Slot::Occupied(mut found) => {
                let entry = found.get_mut();
                for old in links.dots(entry) {
                    replaced(&context.clock(old.actor).actor, old.counter);
                }
                links.replace(entry, dot);
            }
            Slot::Vacant(slot) => {
                slot.insert(Entry::new(value, dot));
            }
        }
        Ok(counter)
    }

    /// Takes the entry of `value` out of the table, its chained dots still
    /// in the arena (the caller releases them).
    fn take<Q>(&mut self, value: &Q) -> Option<Entry<T>>
    where
        T: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let hash = self.hasher.hash_one(value);
        let found = self.entries.find_entry(hash, |entry| entry.value.borrow() == value).ok()?;
        Some(found.remove().0)
    }

    /// Adds `entry`, whose element is not present.
    fn insert_new(&mut self, entry: Entry<T>) {
        let hasher = &self.hasher;
        self.entries.insert_unique(hasher.hash_one(&entry.value), entry, |entry| {
            hasher.hash_one(&entry.value)
        });
    }
}

impl<A, T> OrSet<A, T> {
    /// The number of elements.
    ///
    /// Cost: O(1).
    ///
    /// ```
    /// let mut set = routekit::crdt::OrSet::new();
    /// set.add(&"a", 1)?;
    /// set.add(&"b", 1)?;
    /// assert_eq!(set.len(), 1);
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when the set holds no element (it may still have seen some).
    ///
    /// Cost: O(1).
    ///
    /// ```
    /// assert!(routekit::crdt::OrSet::<u8, u8>::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entry of `value`, if present.
    fn find<Q>(&self, value: &Q) -> Option<&Entry<T>>
    where
        T: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.entries.find(self.hasher.hash_one(value), |entry| entry.value.borrow() == value)
    }
}

/// Puts a delta's dots in canonical order: by actor, then counter.
#[inline]
fn sort_dots<A: Ord>(dots: &mut [(A, u64)]) {
    // Almost always one dot, or none.
    if dots.len() > 1 {
        dots.sort_unstable();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn re_adding_replaces_the_old_dot() {
        let mut set = OrSet::new();
        set.add(&"a", 1).unwrap();
        let delta = OrSet::from(set.add(&"a", 1).unwrap());
        // The delta covers both dots but holds only the new one.
        assert!(delta.context().contains(&"a", 1) && delta.context().contains(&"a", 2));
        assert_eq!(delta.links.count(delta.find(&1).unwrap()), 1);
        assert_eq!(set.find(&1).unwrap().first().counter, 2);
    }

    #[test]
    fn concurrent_adds_chain_their_dots_and_a_re_add_replaces_them() {
        let (mut a, mut b, mut c) = (OrSet::new(), OrSet::new(), OrSet::new());
        a.add(&0u8, 7u8).unwrap();
        b.add(&1u8, 7u8).unwrap();
        c.add(&2u8, 7u8).unwrap();
        a.merge(&b).unwrap();
        a.merge(&c).unwrap();
        assert_eq!(a.links.count(a.find(&7).unwrap()), 3);
        let delta = a.add(&0u8, 7u8).unwrap();
        let Change::Add { replaced, .. } = &delta.change else { panic!("an add's delta") };
        assert_eq!(replaced, &[(0, 1), (1, 1), (2, 1)]); // sorted
        assert_eq!(a.links.count(a.find(&7).unwrap()), 1);
        // The dots it replaced stay removed; new concurrent adds chain again.
        b.merge(&c).unwrap();
        a.merge(&b).unwrap();
        assert_eq!(a.links.count(a.find(&7).unwrap()), 1);
        b.add(&1u8, 7u8).unwrap();
        c.add(&2u8, 7u8).unwrap();
        a.merge(&c).unwrap();
        a.merge(&b).unwrap();
        assert_eq!(a.links.count(a.find(&7).unwrap()), 3);
        assert_eq!(OrSet::from_bytes(&a.to_bytes()).unwrap(), a);
    }

    #[test]
    fn without_delta_twins_change_the_state_as_their_delta_forms_do() {
        let mut with = OrSet::new();
        let mut without = OrSet::new();
        for x in [1u8, 2, 3, 2] {
            with.add(&0u8, x).unwrap();
            without.add_without_delta(&0u8, x).unwrap();
        }
        assert_eq!(with.remove(&2).is_some(), without.remove_without_delta(&2));
        assert_eq!(with.remove(&9).is_some(), without.remove_without_delta(&9));
        assert_eq!(with, without);
        assert_eq!(with.clear().is_some(), without.clear_without_delta());
        assert_eq!(with.clear().is_some(), without.clear_without_delta());
        assert_eq!(with, without);
    }
}
