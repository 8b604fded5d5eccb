//! How an [`OrSet`] joins another state and the delta of one mutation.
//!
//! Three paths: [`OrSet::merge`] joins a whole state (or a batch of deltas
//! merged into one), checking the dots both sides have seen for a reused
//! actor id and dropping those the other side removed, by a scan or, when
//! the other state is small, by walking its context; a delta's add or
//! remove touches one element (`merge_element`); a clear's delta drops
//! every dot it names (`merge_cleared`).

use std::collections::HashSet;
use std::hash::{BuildHasher, Hash};

use foldhash::fast::RandomState;
use hashbrown::hash_table::Entry as Slot;

use super::delta::Change;
use super::{OrSet, OrSetDelta};
use crate::crdt::CrdtError;
use crate::crdt::context::CausalContext;
use crate::crdt::dots::{Dot, Entry};

impl<A: Ord + Clone, T: Ord + Hash + Clone> OrSet<A, T> {
    /// Joins `other` into this set: afterwards it holds every element
    /// either held that the other has not seen removed, and has seen
    /// every dot either has seen. `other` may be a whole state, the state a
    /// delta stands for (`OrSet::from(delta)`, or old delta bytes read with
    /// [`from_bytes`](Self::from_bytes)), or several deltas merged into one
    /// set.
    ///
    /// Cost, for n elements here and m in `other`, a actors in all:
    /// O(a + m) expected when the two sets have no actor in common, or when
    /// `other` is small (at most n / 4 dots in its context) and takes away
    /// no dot this set holds under an element `other` does not name;
    /// O(a + n + m) otherwise.
    ///
    /// # Errors
    ///
    /// [`CrdtError::DotConflict`] when one dot names different elements in
    /// the two sets: two replicas used the same actor id. The set is then
    /// unchanged.
    ///
    /// ```
    /// use routekit::crdt::OrSet;
    ///
    /// let (mut a, mut b) = (OrSet::new(), OrSet::new());
    /// a.add(&"a", 1)?;
    /// b.add(&"b", 2)?;
    /// a.merge(&b)?;
    /// b.merge(&a)?;
    /// assert_eq!(a, b);
    /// assert_eq!(a.len(), 2);
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn merge(&mut self, other: &Self) -> Result<(), CrdtError> {
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

    /// Joins the delta of one mutation, without building a state: the same
    /// effect as merging the state the mutation produced.
    ///
    /// Cost: O(1) expected for an add or a remove, plus O(log a) in the
    /// actors and O(d) in the dots the delta names. O(n) for a clear, and
    /// for an add whose dot this set has seen and no longer holds (its
    /// remove arrived first, or it arrives again after one): every element
    /// is checked for a reused dot. O(n) too for a delta taking away a dot
    /// this set has seen but does not hold under that element (a remove
    /// delivered twice, or concurrent with a remove here): the dot is taken
    /// from whichever element holds it, as merging the delta's state does.
    ///
    /// # Errors
    ///
    /// [`CrdtError::DotConflict`] when the add's dot names another element
    /// here: two replicas used the same actor id. The set is then unchanged.
    ///
    /// ```
    /// use routekit::crdt::OrSet;
    ///
    /// let (mut here, mut there) = (OrSet::new(), OrSet::new());
    /// let add = here.add(&1u8, "tea")?;
    /// let remove = here.remove("tea").unwrap();
    /// there.merge_delta(&remove)?; // before its add: remembered, not lost
    /// there.merge_delta(&add)?;
    /// assert_eq!(there, here);
    /// assert!(there.is_empty());
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn merge_delta(&mut self, delta: &OrSetDelta<A, T>) -> Result<(), CrdtError> {
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

        // A dot taken away that was seen here and is not held under `value`
        // was removed here, or is held by another element: the state the
        // delta stands for takes it from that element too, so a scan finds
        // it (every dot names one element, so it is rare: a duplicated
        // remove, or a remove or re-add concurrent with a remove here).
        let stray: Vec<Dot> = match removed.is_empty() {
            true => Vec::new(),
            false => {
                let entry = self.entries.find(hash, |entry| entry.value == *value);
                let stray = removed.iter().filter_map(|(actor, counter)| {
                    let dot = Dot { actor: self.context.index_of(actor)?, counter: *counter };
                    let held = entry.is_some_and(|entry| self.links.holds(entry, dot));
                    (self.context.contains_at(dot.actor, dot.counter) && !held).then_some(dot)
                });
                stray.collect()
            }
        };

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
        if !stray.is_empty() {
            entries.retain(|entry| links.retain(entry, |_, dot| !stray.contains(&dot)));
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
}
