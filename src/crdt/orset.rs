//! The add-wins observed-remove set without tombstones: [`OrSet`].
//!
//! State is a dot store (each present element with the dots of the adds that
//! put it there) and a [`CausalContext`] (every dot seen). Joining two states
//! keeps a dot when both stores hold it, or when one holds it and the other
//! has not seen it; a dot one side has seen but no longer holds was removed.
//! Removes leave no tombstone: the context alone remembers what was seen.
//! Mutators return an [`OrSetDelta`], merged with
//! [`Crdt::merge_delta`] without building a state.

use std::borrow::Borrow;
use std::collections::HashSet;
use std::fmt;
use std::hash::{BuildHasher, Hash};

use foldhash::fast::RandomState;
use hashbrown::HashTable;
use hashbrown::hash_table::Entry as Slot;

use super::context::{ActorClock, CausalContext};
use super::delta::{Change, OrSetDelta};
use super::dots::{Dot, Entry, Links};
use super::wire::{self, Kind, Wire};
use super::{Crdt, CrdtError, DecodeError};

/// An add-wins observed-remove set: replicas add and remove elements without
/// coordinating, and a remove takes away only the adds it has seen, so an add
/// concurrent with a remove wins.
///
/// Every mutator returns its **delta**, an [`OrSetDelta`] that has the same
/// effect on any replica as the whole new state: ship deltas, merge them in
/// any order, duplicated or re-sent after a loss, and every replica that has
/// seen the same adds and removes holds the same set. Nothing is lost and
/// nothing comes back.
///
/// Elements need `Ord` (iteration and encoding are in element order, the
/// same on every replica), `Hash + Eq` (lookups; the hash is an in-memory
/// index with a per-process random seed, never written out) and `Clone`
/// (deltas carry a copy). Actors need `Ord + Clone` and must be unique per
/// replica incarnation (see the [module docs](super)).
///
/// An element takes its own size plus 16 bytes in the hash table (24 bytes
/// for a `u64`), with one add's dot inline; each further concurrent add of
/// the same element takes 16 bytes more, in an arena of at most 2^32 - 1
/// such dots per set (64 GiB of them): a merge that would pass it panics.
///
/// # Example
///
/// ```
/// use routekit::crdt::{Crdt, OrSet};
///
/// let mut phone = OrSet::new();
/// let mut laptop = OrSet::new();
/// let add_tea = phone.add(&"phone", "tea")?;
/// laptop.merge_delta(&add_tea)?;
///
/// // Concurrently: the laptop removes tea, the phone adds it again.
/// let remove = laptop.remove("tea");
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

    /// Joins `other` (a state, or a delta read from bytes) into this set.
    ///
    /// Cost: O(m) expected in the elements of `other` when the two sets
    /// have no actor in common, or when `other` is small and removes nothing
    /// this set holds; O(n + m) otherwise.
    ///
    /// # Errors
    ///
    /// [`CrdtError::DotConflict`] when one dot names different elements in
    /// the two sets: two replicas used the same actor id. The set is then
    /// unchanged.
    fn merge(&mut self, other: &Self) -> Result<(), CrdtError> {
        // Their actor indexes mapped to ours (`None`: never heard of it).
        let known: Vec<Option<u32>> = (0..other.context.actor_count() as u32)
            .map(|j| self.context.index_of(&other.context.clock(j).actor))
            .collect();
        // Only dots of actors both know can have been seen by both; when
        // there are none (replicas that never met), there is nothing to
        // check and nothing to remove.
        if known.iter().any(Option::is_some) {
            self.check_and_remove(other, &known)?;
        }

        // Add the dots we had not seen, then join the contexts.
        let translate: Vec<u32> = (0..other.context.actor_count() as u32)
            .zip(&known)
            .map(|(j, known)| {
                known.unwrap_or_else(|| self.context.intern(&other.context.clock(j).actor))
            })
            .collect();
        let OrSet { context, entries, links, hasher } = self;
        for theirs in other.entries.iter() {
            let mut new_dots = other
                .links
                .dots(theirs)
                .filter(|dot| {
                    known[dot.actor as usize].is_none_or(|i| !context.contains_at(i, dot.counter))
                })
                .map(|dot| Dot { actor: translate[dot.actor as usize], ..dot });
            let Some(first) = new_dots.next() else { continue };
            let hash = hasher.hash_one(&theirs.value);
            match entries.entry(
                hash,
                |entry| entry.value == theirs.value,
                |entry| hasher.hash_one(&entry.value),
            ) {
                Slot::Occupied(mut found) => {
                    let entry = found.get_mut();
                    links.push(entry, first);
                    new_dots.for_each(|dot| links.push(entry, dot));
                }
                Slot::Vacant(slot) => {
                    let mut entry = Entry::new(theirs.value.clone(), first);
                    new_dots.for_each(|dot| links.push(&mut entry, dot));
                    slot.insert(entry);
                }
            }
        }
        context.merge_translated(&other.context, &translate);
        Ok(())
    }

    /// Merges the delta of one mutation, without building a state.
    ///
    /// Cost: O(1) expected for an add or a remove, plus O(log a) in the
    /// actors. O(n) for a clear, and for an add whose dot this set has seen
    /// and no longer holds (its remove arrived first, or it arrives again
    /// after one): every element is checked for a reused dot.
    ///
    /// # Errors
    ///
    /// [`CrdtError::DotConflict`] when the add's dot names another element
    /// here: two replicas used the same actor id. The set is then unchanged.
    fn merge_delta(&mut self, delta: &OrSetDelta<A, T>) -> Result<(), CrdtError> {
        match &delta.change {
            Change::Add { value, actor, counter, replaced } => {
                self.merge_element(value, Some((actor, *counter)), replaced)
            }
            Change::Remove { value, dots } => self.merge_element(value, None, dots),
            Change::Clear { dots } => {
                self.merge_cleared(dots);
                Ok(())
            }
        }
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
    /// seen and survives every remove it has not. The delta holds a clone of
    /// `value` and of `actor`, and the dots it replaced.
    ///
    /// Cost: O(1) expected, plus O(log a) in the number of actors (O(a) the
    /// first time an actor adds).
    ///
    /// # Errors
    ///
    /// [`CrdtError::DotsExhausted`] when `actor` has used all 2^64 - 1
    /// counters; the set is then unchanged.
    ///
    /// ```
    /// use routekit::crdt::{Crdt, OrSet};
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
        Ok(OrSetDelta { change: Change::Add { value, actor: actor.clone(), counter, replaced } })
    }

    /// Adds `value` as `actor` like [`add`](Self::add), without making a
    /// delta: for replicas that exchange whole states, or to load a set. It
    /// saves cloning the element and the actor id.
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
    /// seen. Removing an absent element changes nothing and returns an empty
    /// delta.
    ///
    /// Cost: O(1) expected, plus O(d) for an element with d dots.
    ///
    /// ```
    /// use routekit::crdt::OrSet;
    ///
    /// let mut set = OrSet::new();
    /// set.add(&1u8, String::from("x"))?;
    /// let delta = set.remove("x");
    /// assert!(!set.contains("x") && !delta.is_empty());
    /// assert!(set.remove("x").is_empty()); // nothing left to remove
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn remove<Q>(&mut self, value: &Q) -> OrSetDelta<A, T>
    where
        T: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let hash = self.hasher.hash_one(value);
        let Ok(found) = self.entries.find_entry(hash, |entry| entry.value.borrow() == value) else {
            return OrSetDelta::nothing();
        };
        let (entry, _) = found.remove();
        let dots = self
            .links
            .dots(&entry)
            .map(|dot| (self.context.clock(dot.actor).actor.clone(), dot.counter))
            .collect();
        self.links.release(&entry);
        OrSetDelta { change: Change::Remove { value: entry.value, dots } }
    }

    /// Removes every element and returns the delta: every dot the set held.
    ///
    /// Cost: O(n + d log d) for n elements and d dots.
    ///
    /// ```
    /// use routekit::crdt::{Crdt, OrSet};
    ///
    /// let mut a = OrSet::new();
    /// a.add(&1u8, 10)?;
    /// let mut b = a.clone();
    /// let delta = a.clear();
    /// b.merge_delta(&delta)?;
    /// assert!(a.is_empty() && b.is_empty());
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn clear(&mut self) -> OrSetDelta<A, T> {
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
        self.entries.clear();
        self.links.clear();
        OrSetDelta { change: Change::Clear { dots: removed } }
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
    /// Cost: O(n log n) to start (the elements are sorted), then O(1) per
    /// element.
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

    /// Merges one element's change: `added` (actor id, counter) is its new
    /// dot, if any; `removed` the dots it lost, by actor id and counter.
    fn merge_element(
        &mut self,
        value: &T,
        added: Option<(&A, u64)>,
        removed: &[(A, u64)],
    ) -> Result<(), CrdtError> {
        let hash = self.hasher.hash_one(value);
        let mut new_dot = None;
        if let Some((actor, counter)) = added {
            // Interning shows nothing before the dot is recorded: an actor
            // new here has seen no dot, so the checks below cannot fail.
            let dot = Dot { actor: self.context.intern(actor), counter };
            if !self.context.contains_at(dot.actor, counter) {
                new_dot = Some(dot);
            } else {
                // Seen already: held under `value` (a repeat), or removed
                // here, unless another element holds it (a reused id).
                let held = self
                    .entries
                    .find(hash, |entry| entry.value == *value)
                    .is_some_and(|entry| self.links.holds(entry, dot));
                if !held && self.entries.iter().any(|entry| self.links.holds(entry, dot)) {
                    return Err(CrdtError::DotConflict { counter });
                }
            }
        }

        // Nothing fails from here on. Record the dots as seen.
        if let Some(dot) = new_dot {
            self.context.insert_at(dot.actor, dot.counter);
        }
        for (actor, counter) in removed {
            let actor = self.context.intern(actor);
            self.context.insert_at(actor, *counter);
        }
        let OrSet { context, entries, links, hasher } = self;
        let mut keep = |_: &T, dot: Dot| {
            !removed.iter().any(|(actor, counter)| {
                *counter == dot.counter && context.clock(dot.actor).actor == *actor
            })
        };
        let eq = |entry: &Entry<T>| entry.value == *value;
        match new_dot {
            Some(dot) => match entries.entry(hash, eq, |entry| hasher.hash_one(&entry.value)) {
                Slot::Occupied(mut found) => {
                    let entry = found.get_mut();
                    if removed.is_empty() || links.retain(entry, keep) {
                        links.push(entry, dot);
                    } else {
                        links.replace(entry, dot);
                    }
                }
                Slot::Vacant(slot) => {
                    slot.insert(Entry::new(value.clone(), dot));
                }
            },
            None if removed.is_empty() => {}
            None => {
                if let Ok(mut found) = entries.find_entry(hash, eq) {
                    if !links.retain(found.get_mut(), &mut keep) {
                        found.remove();
                    }
                }
            }
        }
        Ok(())
    }

    /// Merges a clear's delta: drops every dot in `dots` and records them
    /// as seen.
    fn merge_cleared(&mut self, dots: &CausalContext<A>) {
        if dots.actor_count() == 0 {
            return;
        }
        let translate: Vec<u32> = (0..dots.actor_count() as u32)
            .map(|j| self.context.intern(&dots.clock(j).actor))
            .collect();
        let mut theirs_of = vec![None; self.context.actor_count()];
        for (j, &i) in translate.iter().enumerate() {
            theirs_of[i as usize] = Some(j as u32);
        }
        let links = &mut self.links;
        self.entries.retain(|entry| {
            links.retain(entry, |_, dot| {
                theirs_of[dot.actor as usize].is_none_or(|j| !dots.contains_at(j, dot.counter))
            })
        });
        self.context.merge_translated(dots, &translate);
    }

    /// Checks that every dot of `other` seen here is held here under the
    /// same element or by none (else a reused actor id: an error, nothing
    /// changed), then drops the dots `other` has seen and no longer holds.
    fn check_and_remove(&mut self, other: &Self, known: &[Option<u32>]) -> Result<(), CrdtError> {
        // When `other` is a small state (a delta read from bytes), list the
        // dots it has seen that we have seen too; those it does not hold
        // were removed, and must go here as well.
        let mut seen_by_both = (other.context.dot_count() <= (self.entries.len() as u64) / 4)
            .then(|| self.dots_seen_by_both(other, known));

        // Only the dots we have seen need a lookup.
        let seen_here = |dot: Dot| {
            known[dot.actor as usize]
                .filter(|&i| self.context.contains_at(i, dot.counter))
                .map(|actor| Dot { actor, ..dot })
        };
        let mut suspects = HashSet::with_hasher(RandomState::default());
        for theirs in other.entries.iter() {
            let mut mine = None;
            for dot in other.links.dots(theirs) {
                let Some(ours) = seen_here(dot) else { continue };
                if let Some(seen) = &mut seen_by_both {
                    seen.remove(&ours);
                }
                let mine = *mine.get_or_insert_with(|| self.find(&theirs.value));
                if !mine.is_some_and(|entry| self.links.holds(entry, ours)) {
                    suspects.insert(ours);
                }
            }
        }
        if !suspects.is_empty() {
            // A suspect we still hold is held under another element.
            for entry in self.entries.iter() {
                if let Some(dot) = self.links.dots(entry).find(|dot| suspects.contains(dot)) {
                    return Err(CrdtError::DotConflict { counter: dot.counter });
                }
            }
        }
        match seen_by_both {
            Some(removed) => self.drop_dots(other, removed),
            None => self.drop_removed_by(other, known),
        }
        Ok(())
    }

    /// The dots (in our indexes) that both `other` and this set have seen,
    /// found by walking `other`'s context; used when that context is small.
    fn dots_seen_by_both(&self, other: &Self, known: &[Option<u32>]) -> HashSet<Dot, RandomState> {
        let mut seen = HashSet::with_hasher(RandomState::default());
        for (j, actor) in known.iter().enumerate() {
            let Some(actor) = *actor else { continue };
            let clock = other.context.clock(j as u32);
            for counter in (1..=clock.base).chain(clock.cloud.iter().copied()) {
                if self.context.contains_at(actor, counter) {
                    seen.insert(Dot { actor, counter });
                }
            }
        }
        seen
    }

    /// Drops the dots in `removed` wherever this set holds them: first from
    /// the elements `other` names (where an add's delta finds the dots it
    /// replaced), then, if some are left, by a scan.
    fn drop_dots(&mut self, other: &Self, mut removed: HashSet<Dot, RandomState>) {
        for theirs in other.entries.iter() {
            if removed.is_empty() {
                return;
            }
            let hash = self.hasher.hash_one(&theirs.value);
            if let Ok(mut found) =
                self.entries.find_entry(hash, |entry| entry.value == theirs.value)
            {
                if !self.links.retain(found.get_mut(), |_, dot| !removed.remove(&dot)) {
                    found.remove();
                }
            }
        }
        if !removed.is_empty() {
            let links = &mut self.links;
            self.entries.retain(|entry| links.retain(entry, |_, dot| !removed.contains(&dot)));
        }
    }

    /// Drops every dot `other` has seen but does not hold under the same
    /// element (a full scan; used when `other` is a large state).
    fn drop_removed_by(&mut self, other: &Self, known: &[Option<u32>]) {
        // Our actor indexes mapped to theirs.
        let mut theirs_of = vec![None; self.context.actor_count()];
        for (j, known) in known.iter().enumerate() {
            if let Some(i) = known {
                theirs_of[*i as usize] = Some(j as u32);
            }
        }
        let links = &mut self.links;
        self.entries.retain(|entry| {
            let mut theirs: Option<Option<&Entry<T>>> = None;
            links.retain(entry, |value, dot| {
                let Some(j) = theirs_of[dot.actor as usize] else { return true };
                if !other.context.contains_at(j, dot.counter) {
                    return true;
                }
                let theirs = *theirs.get_or_insert_with(|| other.find(value));
                theirs.is_some_and(|theirs| other.links.holds(theirs, Dot { actor: j, ..dot }))
            })
        });
    }

    /// Adds `entry`, whose element is not present.
    fn insert_new(&mut self, entry: Entry<T>) {
        let hasher = &self.hasher;
        self.entries.insert_unique(hasher.hash_one(&entry.value), entry, |entry| {
            hasher.hash_one(&entry.value)
        });
    }

    /// The state a delta stands for.
    pub(super) fn from_change(change: Change<A, T>) -> Self {
        let mut set = OrSet::new();
        let cover = |context: &mut CausalContext<A>, dots: &[(A, u64)]| {
            for (actor, counter) in dots {
                let actor = context.intern(actor);
                context.insert_at(actor, *counter);
            }
        };
        match change {
            Change::Add { value, actor, counter, replaced } => {
                cover(&mut set.context, &replaced);
                let actor = set.context.intern(&actor);
                set.context.insert_at(actor, counter);
                set.insert_new(Entry::new(value, Dot { actor, counter }));
            }
            Change::Remove { dots, .. } => cover(&mut set.context, &dots),
            Change::Clear { dots } => set.context = dots,
        }
        set
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

/// An `OrSet` as plain parts in canonical order: per actor (ascending) its
/// version and gaps; per element (ascending) its dots as (actor rank,
/// counter), ascending. The byte encoding and serde both go through it.
pub(crate) struct Parts<A, T> {
    pub(crate) actors: Vec<(A, u64, Vec<u64>)>,
    pub(crate) entries: Vec<(T, Vec<(u32, u64)>)>,
}

impl<A: Ord + Clone, T: Ord + Hash + Clone> OrSet<A, T> {
    /// The actors in ascending order with their versions and gaps.
    pub(crate) fn canonical_actors(&self) -> impl Iterator<Item = (&A, u64, &[u64])> + '_ {
        self.context.sorted().iter().map(|&i| {
            let clock = self.context.clock(i);
            (&clock.actor, clock.base, &clock.cloud[..])
        })
    }

    /// Calls `element` for each element in ascending order, with its dots as
    /// (actor rank in [`canonical_actors`](Self::canonical_actors), counter),
    /// ascending.
    pub(crate) fn for_each_canonical<'s>(&'s self, mut element: impl FnMut(&'s T, &[(u32, u64)])) {
        let mut rank = vec![0u32; self.context.actor_count()];
        for (r, &i) in self.context.sorted().iter().enumerate() {
            rank[i as usize] = r as u32;
        }
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

    /// Builds a set from canonical parts, checking every rule a set keeps:
    /// strictly increasing actors and elements, non-empty clocks, gaps beyond
    /// the version, at least one dot per element, dots strictly increasing,
    /// naming a known actor, seen by the context, and each used once.
    pub(crate) fn from_parts(parts: Parts<A, T>) -> Result<Self, DecodeError> {
        let clocks =
            parts.actors.into_iter().map(|(actor, base, cloud)| ActorClock { actor, base, cloud });
        let context = CausalContext::from_clocks(clocks.collect())
            .map_err(|what| DecodeError::Invalid { what })?;
        if parts.entries.windows(2).any(|w| w[0].0 >= w[1].0) {
            return Err(DecodeError::Invalid { what: "elements must be strictly increasing" });
        }
        let extra_dots: usize =
            parts.entries.iter().map(|(_, dots)| dots.len().saturating_sub(1)).sum();
        if extra_dots > u32::MAX as usize {
            return Err(DecodeError::Invalid {
                what: "a set holds at most 2^32 - 1 dots beyond the first of their elements",
            });
        }
        let mut set = OrSet { context, ..OrSet::new() };
        set.entries.reserve(parts.entries.len(), |entry| set.hasher.hash_one(&entry.value));
        let mut all_dots = Vec::with_capacity(parts.entries.len());
        for (value, dots) in parts.entries {
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
}

impl<A: Ord + Clone + Wire, T: Ord + Hash + Clone + Wire> OrSet<A, T> {
    /// The versioned byte encoding of this state or delta; the same state
    /// always gives the same bytes.
    ///
    /// After the header: the actor count, then per actor in ascending order
    /// its id, its version and its gaps (a count, then each gap as its
    /// distance from the previous one); the element count, then per element
    /// in ascending order the element, its dot count and each dot as the
    /// actor's position in the actor list and the counter. Small integer
    /// elements added by a few actors take about 8 bytes each.
    ///
    /// Cost: O(n log n + d) for n elements and d dots.
    ///
    /// ```
    /// use routekit::crdt::OrSet;
    ///
    /// let mut set = OrSet::new();
    /// set.add(&1u8, 42u64)?;
    /// assert_eq!(set.encode(), b"RK\x03\x01\x01\x01\x01\x00\x01\x2a\x01\x00\x01");
    /// assert_eq!(OrSet::decode(&set.encode()).unwrap(), set);
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(16 + 8 * self.entries.len());
        wire::put_header(&mut out, Kind::OrSet);
        wire::put_len(&mut out, self.context.actor_count());
        for (actor, base, cloud) in self.canonical_actors() {
            actor.encode(&mut out);
            base.encode(&mut out);
            wire::put_len(&mut out, cloud.len());
            let mut previous = base.saturating_add(1);
            for &counter in cloud {
                wire::put_varint(&mut out, u128::from(counter - previous - 1));
                previous = counter;
            }
        }
        wire::put_len(&mut out, self.entries.len());
        self.for_each_canonical(|value, dots| {
            value.encode(&mut out);
            wire::put_len(&mut out, dots.len());
            for &(rank, counter) in dots {
                rank.encode(&mut out);
                counter.encode(&mut out);
            }
        });
        out
    }

    /// Reads a set written by [`encode`](Self::encode).
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
    /// assert_eq!(OrSet::<u8, u8>::decode(b"RK\x03\x01\x00\x00")?, OrSet::new());
    /// assert!(OrSet::<u8, u8>::decode(b"RK\x03\x01\x00\x00\x00").is_err());
    /// # Ok::<(), DecodeError>(())
    /// ```
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut input = bytes;
        wire::get_header(&mut input, Kind::OrSet)?;
        let actor_count = wire::get_len(&mut input)?;
        let mut actors = Vec::with_capacity(actor_count);
        for _ in 0..actor_count {
            let actor = A::decode(&mut input)?;
            let base = wire::get_u64(&mut input)?;
            let gaps = wire::get_len(&mut input)?;
            let mut cloud = Vec::with_capacity(gaps);
            let mut previous = base.checked_add(1);
            for _ in 0..gaps {
                let counter = wire::get_u64(&mut input)?;
                let counter = previous.and_then(|p| p.checked_add(1)?.checked_add(counter));
                let counter = counter
                    .ok_or(DecodeError::Invalid { what: "a dot counter exceeds u64::MAX" })?;
                cloud.push(counter);
                previous = Some(counter);
            }
            actors.push((actor, base, cloud));
        }
        let entry_count = wire::get_len(&mut input)?;
        let mut entries = Vec::with_capacity(entry_count);
        for _ in 0..entry_count {
            let value = T::decode(&mut input)?;
            let dot_count = wire::get_len(&mut input)?;
            let mut dots = Vec::with_capacity(dot_count);
            for _ in 0..dot_count {
                dots.push((u32::decode(&mut input)?, wire::get_u64(&mut input)?));
            }
            entries.push((value, dots));
        }
        wire::finish(input)?;
        Self::from_parts(Parts { actors, entries })
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
        assert_eq!(replaced.len(), 3);
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
        assert_eq!(OrSet::decode(&a.encode()).unwrap(), a);
    }
}
