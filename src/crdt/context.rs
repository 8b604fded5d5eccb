//! The causal context of an [`OrSet`](super::OrSet): every dot (actor id,
//! counter) a replica has seen, as a version vector plus the dots seen beyond
//! it — and its part of the byte format, shared by the set and by a clear's
//! delta.

use std::fmt;

use super::wire::{self, Wire};
use super::{DecodeError, Invariant};

/// The dots (pairs of actor id and counter) a replica has seen.
///
/// Per actor it holds a version `v` (every counter `1..=v` was seen) and the
/// counters seen beyond `v + 1` that are not yet contiguous with it — the
/// gaps left when deltas arrive out of order or some are lost. When the
/// missing dots arrive the gaps close and the context compacts back to a
/// plain version vector.
///
/// # Example
///
/// ```
/// use routekit::crdt::OrSet;
///
/// let mut origin = OrSet::new();
/// let first = origin.add(&"a", 1)?;
/// let second = origin.add(&"a", 2)?;
///
/// let mut replica = OrSet::new();
/// replica.merge_delta(&second)?; // arrives first
/// assert!(!replica.context().is_compact());
/// assert_eq!(replica.context().version(&"a"), 0);
/// assert!(replica.context().contains(&"a", 2));
///
/// replica.merge_delta(&first)?; // the gap closes
/// assert!(replica.context().is_compact());
/// assert_eq!(replica.context().version(&"a"), 2);
/// # Ok::<(), routekit::crdt::CrdtError>(())
/// ```
#[derive(Clone)]
pub struct CausalContext<A> {
    /// One clock per actor, in the order actors became known here.
    clocks: Vec<ActorClock<A>>,
    /// Indexes into `clocks`, in actor order.
    sorted: Vec<u32>,
}

/// What one actor's dots look like from here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ActorClock<A> {
    pub(crate) actor: A,
    /// Every counter in `1..=base` was seen.
    pub(crate) base: u64,
    /// Counters seen beyond `base + 1`, strictly increasing.
    pub(crate) cloud: Vec<u64>,
}

impl<A> Default for CausalContext<A> {
    fn default() -> Self {
        CausalContext { clocks: Vec::new(), sorted: Vec::new() }
    }
}

impl<A> CausalContext<A> {
    /// The number of actors.
    pub(crate) fn actor_count(&self) -> usize {
        self.clocks.len()
    }
}

impl<A: Ord> PartialEq for CausalContext<A> {
    fn eq(&self, other: &Self) -> bool {
        self.clocks.len() == other.clocks.len()
            && self.sorted.iter().zip(&other.sorted).all(|(&i, &j)| {
                let (mine, theirs) = (&self.clocks[i as usize], &other.clocks[j as usize]);
                mine.actor == theirs.actor && mine.base == theirs.base && mine.cloud == theirs.cloud
            })
    }
}

impl<A: Ord> Eq for CausalContext<A> {}

impl<A: fmt::Debug> fmt::Debug for CausalContext<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for &i in &self.sorted {
            let clock = &self.clocks[i as usize];
            map.entry(&clock.actor, &(clock.base, &clock.cloud));
        }
        map.finish()
    }
}

impl<A: Ord> CausalContext<A> {
    /// Whether the dot (`actor`, `counter`) was seen.
    ///
    /// Cost: O(log a) in the actors, plus O(log g) in that actor's gaps.
    ///
    /// ```
    /// let mut set = routekit::crdt::OrSet::new();
    /// set.add(&"a", "x")?;
    /// assert!(set.context().contains(&"a", 1));
    /// assert!(!set.context().contains(&"a", 2));
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn contains(&self, actor: &A, counter: u64) -> bool {
        self.index_of(actor).is_some_and(|i| self.contains_at(i, counter))
    }

    /// The contiguous version of `actor`: every counter `1..=version` was
    /// seen (0 when none was).
    ///
    /// Cost: O(log a).
    ///
    /// ```
    /// let mut set = routekit::crdt::OrSet::new();
    /// set.add(&"a", "x")?;
    /// set.add(&"a", "y")?;
    /// assert_eq!(set.context().version(&"a"), 2);
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn version(&self, actor: &A) -> u64 {
        self.index_of(actor).map_or(0, |i| self.clocks[i as usize].base)
    }

    /// True when no dot was seen beyond the version vector: the context is a
    /// plain version vector, with no gaps waiting to be filled.
    ///
    /// Cost: O(a).
    ///
    /// ```
    /// assert!(routekit::crdt::OrSet::<u8, u8>::new().context().is_compact());
    /// ```
    pub fn is_compact(&self) -> bool {
        self.clocks.iter().all(|clock| clock.cloud.is_empty())
    }

    /// How many dots were seen beyond the version vector (0 when compact).
    ///
    /// Cost: O(a).
    ///
    /// ```
    /// assert_eq!(routekit::crdt::OrSet::<u8, u8>::new().context().pending_dots(), 0);
    /// ```
    pub fn pending_dots(&self) -> usize {
        self.clocks.iter().map(|clock| clock.cloud.len()).sum()
    }

    /// The actors this context knows, in actor order.
    ///
    /// Cost: O(1) per actor.
    ///
    /// ```
    /// let mut set = routekit::crdt::OrSet::new();
    /// set.add(&"b", 1)?;
    /// set.add(&"a", 2)?;
    /// assert_eq!(set.context().actors().collect::<Vec<_>>(), [&"a", &"b"]);
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn actors(&self) -> impl ExactSizeIterator<Item = &A> + '_ {
        self.sorted.iter().map(|&i| &self.clocks[i as usize].actor)
    }

    /// The index of `actor`'s clock, if it is known.
    pub(crate) fn index_of(&self, actor: &A) -> Option<u32> {
        self.sorted
            .binary_search_by(|&i| self.clocks[i as usize].actor.cmp(actor))
            .ok()
            .map(|at| self.sorted[at])
    }

    /// The clock at `index`.
    pub(crate) fn clock(&self, index: u32) -> &ActorClock<A> {
        &self.clocks[index as usize]
    }

    /// Clock indexes in actor order.
    pub(crate) fn sorted(&self) -> &[u32] {
        &self.sorted
    }

    /// The clocks in actor order: the canonical order of the encodings.
    pub(crate) fn canonical(&self) -> impl Iterator<Item = &ActorClock<A>> + '_ {
        self.sorted.iter().map(|&i| &self.clocks[i as usize])
    }

    /// Whether the dot (`index`, `counter`) was seen.
    #[inline]
    pub(crate) fn contains_at(&self, index: u32, counter: u64) -> bool {
        let clock = &self.clocks[index as usize];
        counter <= clock.base || clock.cloud.binary_search(&counter).is_ok()
    }

    /// The counter of the next dot `index` should make, or `None` when its
    /// counters are used up.
    pub(crate) fn next_counter(&self, index: u32) -> Option<u64> {
        let clock = &self.clocks[index as usize];
        clock.cloud.last().copied().unwrap_or(clock.base).checked_add(1)
    }

    /// Records the dot (`index`, `counter`) as seen.
    pub(crate) fn insert_at(&mut self, index: u32, counter: u64) {
        let clock = &mut self.clocks[index as usize];
        if counter <= clock.base {
            return;
        }
        if counter == clock.base + 1 {
            clock.base = counter;
            clock.compact();
        } else {
            if let Err(at) = clock.cloud.binary_search(&counter) {
                clock.cloud.insert(at, counter);
            }
        }
    }

    /// Total dots represented, saturating: a measure of how sparse it is.
    pub(crate) fn dot_count(&self) -> u64 {
        self.clocks.iter().fold(0u64, |sum, clock| {
            sum.saturating_add(clock.base).saturating_add(clock.cloud.len() as u64)
        })
    }
}

impl<A: Ord + Clone> CausalContext<A> {
    /// The index of `actor`, adding an empty clock for it when it is new.
    pub(crate) fn intern(&mut self, actor: &A) -> u32 {
        match self.sorted.binary_search_by(|&i| self.clocks[i as usize].actor.cmp(actor)) {
            Ok(at) => self.sorted[at],
            Err(at) => {
                let index = self.clocks.len() as u32;
                self.clocks.push(ActorClock { actor: actor.clone(), base: 0, cloud: Vec::new() });
                self.sorted.insert(at, index);
                index
            }
        }
    }

    /// Joins `other` into this context; `translate[j]` is the index here of
    /// `other`'s clock `j` (every one already interned).
    pub(crate) fn merge_translated(&mut self, other: &Self, translate: &[u32]) {
        for (theirs, &i) in other.clocks.iter().zip(translate) {
            let mine = &mut self.clocks[i as usize];
            if theirs.base <= mine.base && theirs.cloud.is_empty() {
                continue;
            }
            mine.base = mine.base.max(theirs.base);
            if !theirs.cloud.is_empty() {
                mine.cloud = union_sorted(&mine.cloud, &theirs.cloud);
            }
            mine.compact();
        }
    }

    /// Builds a context from per-actor clocks, checking what every context
    /// here keeps: actors strictly increasing, no empty clocks, gaps
    /// strictly increasing beyond `base + 1`.
    #[cfg(any(feature = "serde", test))]
    pub(crate) fn from_clocks(clocks: Vec<ActorClock<A>>) -> Result<Self, DecodeError> {
        let mut checked = Vec::with_capacity(clocks.len());
        for clock in clocks {
            ActorClock::push_checked(&mut checked, clock)?;
        }
        Self::sorted_from(checked)
    }

    /// The context of clocks already checked and in actor order.
    fn sorted_from(clocks: Vec<ActorClock<A>>) -> Result<Self, DecodeError> {
        // Clock indexes are u32 (4 billion actors need far more memory than
        // any real context).
        if u32::try_from(clocks.len()).is_err() {
            return Err(DecodeError::Invalid { what: "a context holds at most 2^32 - 1 actors" });
        }
        let sorted = (0..clocks.len() as u32).collect();
        Ok(CausalContext { clocks, sorted })
    }

    /// Builds a context from `(actor, version, gaps)` in actor order,
    /// checked as [`from_clocks`](Self::from_clocks) does.
    #[cfg(feature = "serde")]
    pub(crate) fn from_parts(parts: Vec<(A, u64, Vec<u64>)>) -> Result<Self, DecodeError> {
        let clocks =
            parts.into_iter().map(|(actor, base, cloud)| ActorClock { actor, base, cloud });
        Self::from_clocks(clocks.collect())
    }
}

impl<A: Ord> ActorClock<A> {
    /// Appends a clock read from outside (bytes or serde) to `clocks`,
    /// checking the rules of every context: actors strictly increasing, and
    /// those of [`check`](Self::check).
    fn push_checked(clocks: &mut Vec<Self>, clock: Self) -> Result<(), DecodeError> {
        if clocks.last().is_some_and(|last| last.actor >= clock.actor) {
            return Err(DecodeError::Invalid {
                what: "context actors must be strictly increasing",
            });
        }
        clock.check()?;
        clocks.push(clock);
        Ok(())
    }

    /// Checks the rules of one clock: it has seen a dot, and its gaps are
    /// strictly increasing beyond `base + 1` (the context is compacted).
    fn check(&self) -> Result<(), DecodeError> {
        if self.base == 0 && self.cloud.is_empty() {
            return Err(Invariant::EmptyClock.into());
        }
        if self.cloud.first().is_some_and(|&first| first <= self.base.saturating_add(1))
            || self.cloud.windows(2).any(|w| w[0] >= w[1])
        {
            return Err(DecodeError::Invalid {
                what: "context gaps must be strictly increasing and beyond the version",
            });
        }
        Ok(())
    }
}

/// The context section of the byte format: the actor count, then per actor
/// in ascending order its id, its version and its gaps (a count, then each
/// gap counter as its distance from the one before, less one, the first
/// measured from the version + 1).
impl<A: Ord + Clone + Wire> CausalContext<A> {
    /// Appends the context section.
    pub(crate) fn encode_to(&self, out: &mut Vec<u8>) {
        wire::put_len(out, self.actor_count());
        for clock in self.canonical() {
            clock.actor.encode_to(out);
            clock.base.encode_to(out);
            wire::put_len(out, clock.cloud.len());
            let mut previous = clock.base.saturating_add(1);
            for &counter in &clock.cloud {
                wire::put_varint(out, u128::from(counter - previous - 1));
                previous = counter;
            }
        }
    }

    /// The number of bytes [`encode_to`](Self::encode_to) appends.
    pub(crate) fn encoded_len(&self) -> usize {
        let clocks = self.clocks.iter().map(|clock| {
            let mut previous = clock.base.saturating_add(1);
            let gaps: usize = clock
                .cloud
                .iter()
                .map(|&counter| {
                    let gap = counter - previous - 1;
                    previous = counter;
                    gap.encoded_len()
                })
                .sum();
            clock.actor.encoded_len()
                + clock.base.encoded_len()
                + wire::len_len(clock.cloud.len())
                + gaps
        });
        wire::len_len(self.actor_count()) + clocks.sum::<usize>()
    }

    /// Reads a context section, checking every rule a context keeps, each
    /// clock as soon as it is read.
    pub(crate) fn decode_from(input: &mut &[u8]) -> Result<Self, DecodeError> {
        // A clock is at least its version and its gap count (an actor id
        // may take no bytes); a gap is at least one byte.
        let actor_count = wire::get_count_bounded(input, 2)?;
        let mut clocks: Vec<ActorClock<A>> = wire::vec_for_count(actor_count);
        for _ in 0..actor_count {
            let actor = A::decode_from(input)?;
            let base = wire::get_u64(input)?;
            let gaps = wire::get_count_bounded(input, 1)?;
            if base == 0 && gaps == 0 {
                return Err(Invariant::EmptyClock.into());
            }
            let mut cloud = wire::vec_for_count(gaps);
            let mut previous = base.checked_add(1);
            for _ in 0..gaps {
                let gap = wire::get_u64(input)?;
                let counter = previous.and_then(|p| p.checked_add(1)?.checked_add(gap));
                let counter = counter
                    .ok_or(DecodeError::Invalid { what: "a dot counter exceeds u64::MAX" })?;
                cloud.push(counter);
                previous = Some(counter);
            }
            ActorClock::push_checked(&mut clocks, ActorClock { actor, base, cloud })?;
        }
        Self::sorted_from(clocks)
    }
}

impl<A> ActorClock<A> {
    /// Drops gap entries at or below `base` and absorbs the ones that have
    /// become contiguous with it.
    fn compact(&mut self) {
        let mut used = 0;
        for &counter in &self.cloud {
            if counter <= self.base {
                used += 1;
            } else if counter == self.base + 1 {
                self.base = counter;
                used += 1;
            } else {
                break;
            }
        }
        self.cloud.drain(..used);
    }
}

/// The sorted union of two strictly increasing lists.
fn union_sorted(a: &[u64], b: &[u64]) -> Vec<u64> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        let next = a[i].min(b[j]);
        i += usize::from(a[i] == next);
        j += usize::from(b[j] == next);
        out.push(next);
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_close_in_any_order() {
        let mut ctx = CausalContext::default();
        let a = ctx.intern(&"a");
        for counter in [5, 3, 2, 5, 4] {
            ctx.insert_at(a, counter);
        }
        assert_eq!(ctx.clock(a).base, 0);
        assert_eq!(ctx.clock(a).cloud, [2, 3, 4, 5]);
        assert!(!ctx.is_compact());
        ctx.insert_at(a, 1);
        assert_eq!((ctx.clock(a).base, ctx.pending_dots()), (5, 0));
        assert_eq!(ctx.next_counter(a), Some(6));
    }

    #[test]
    fn merge_compacts_and_unions() {
        let mut x = CausalContext::default();
        let xa = x.intern(&"a");
        x.insert_at(xa, 1);
        x.insert_at(xa, 3);
        let mut y = CausalContext::default();
        let yb = y.intern(&"b");
        let ya = y.intern(&"a");
        y.insert_at(yb, 7);
        y.insert_at(ya, 2);
        let translate = [x.intern(&"b"), x.intern(&"a")];
        x.merge_translated(&y, &translate);
        assert_eq!(x.version(&"a"), 3);
        assert!(x.contains(&"b", 7) && !x.contains(&"b", 6));
        assert_eq!(x.pending_dots(), 1);
        assert_eq!(union_sorted(&[1, 4, 9], &[2, 4, 10]), [1, 2, 4, 9, 10]);
    }

    #[test]
    fn equality_ignores_arrival_order() {
        let mut x = CausalContext::default();
        let mut y = CausalContext::default();
        for actor in ["a", "b"] {
            let i = x.intern(&actor);
            x.insert_at(i, 1);
        }
        for actor in ["b", "a"] {
            let i = y.intern(&actor);
            y.insert_at(i, 1);
        }
        assert_eq!(x, y);
        y.insert_at(0, 2);
        assert_ne!(x, y);
    }

    #[test]
    fn from_clocks_refuses_broken_contexts() {
        let clock = |actor, base, cloud: &[u64]| ActorClock { actor, base, cloud: cloud.to_vec() };
        assert!(CausalContext::from_clocks(vec![clock(1, 2, &[4, 6])]).is_ok());
        assert!(CausalContext::from_clocks(vec![clock(1, 2, &[3])]).is_err());
        assert!(CausalContext::from_clocks(vec![clock(1, 2, &[6, 4])]).is_err());
        assert!(CausalContext::from_clocks(vec![clock(1, 0, &[])]).is_err());
        assert!(CausalContext::from_clocks(vec![clock(2, 1, &[]), clock(1, 1, &[])]).is_err());
    }
}
