//! What both flags are made of: the dots of the writes that set the flag
//! on and off, and the causal context of every dot seen.

use std::cmp::Ordering;

use crate::crdt::context::CausalContext;
use crate::crdt::{CrdtError, DecodeError, Invariant};

/// A dot: an actor id and one of its counters.
pub(crate) type Dot<A> = (A, u64);

/// The dots of the surviving enables (`on`) and disables (`off`), each
/// list in ascending order, and every dot seen.
#[derive(Clone, Debug)]
pub(crate) struct FlagDots<A> {
    pub(crate) on: Vec<Dot<A>>,
    pub(crate) off: Vec<Dot<A>>,
    pub(crate) context: CausalContext<A>,
}

impl<A> Default for FlagDots<A> {
    fn default() -> Self {
        FlagDots { on: Vec::new(), off: Vec::new(), context: CausalContext::default() }
    }
}

impl<A: Ord> PartialEq for FlagDots<A> {
    fn eq(&self, other: &Self) -> bool {
        self.on == other.on && self.off == other.off && self.context == other.context
    }
}

impl<A: Ord + Clone> FlagDots<A> {
    /// Records a write by `actor` that leaves the flag `on` (or off, with a
    /// disable dot) and takes away every dot seen here; returns its delta:
    /// the new dot, and a context of it and the dots it took away.
    pub(crate) fn write(
        &mut self,
        actor: &A,
        on: bool,
        delta: bool,
    ) -> Result<Option<Self>, CrdtError> {
        let index = self.context.intern(actor);
        let counter = self.context.next_counter(index).ok_or(CrdtError::DotsExhausted)?;
        let dot = (actor.clone(), counter);
        let delta = delta.then(|| {
            let mut context = context_of(self.on.iter().chain(&self.off));
            insert(&mut context, &dot);
            let (on_dots, off_dots) =
                if on { (vec![dot.clone()], Vec::new()) } else { (Vec::new(), vec![dot.clone()]) };
            FlagDots { on: on_dots, off: off_dots, context }
        });
        self.context.insert_at(index, counter);
        let (keep, clear) =
            if on { (&mut self.on, &mut self.off) } else { (&mut self.off, &mut self.on) };
        keep.clear();
        keep.push(dot);
        clear.clear();
        Ok(delta)
    }

    /// Takes away the enables seen here, without a dot of its own; returns
    /// the delta: no dots, and a context of the dots taken away.
    pub(crate) fn clear_on(&mut self, delta: bool) -> Option<Self> {
        let delta = delta.then(|| FlagDots {
            on: Vec::new(),
            off: Vec::new(),
            context: context_of(&self.on),
        });
        self.on.clear();
        delta
    }

    /// The join: a dot survives when both sides hold it, or one holds it
    /// and the other has not seen it.
    pub(crate) fn merge(&mut self, other: &Self) {
        if other.on.is_empty() && other.off.is_empty() && other.context.actor_count() == 0 {
            return;
        }
        self.on = join(&self.on, &self.context, &other.on, &other.context);
        self.off = join(&self.off, &self.context, &other.off, &other.context);
        join_context(&mut self.context, &other.context);
    }

    /// Checks what every flag keeps: each list strictly increasing (the
    /// canonical order), every dot with a counter of at least 1
    /// ([`Invariant::ZeroDotCounter`]) and seen by the context
    /// ([`Invariant::DotOutsideContext`]), no dot both on and off
    /// ([`Invariant::DotEnablesAndDisables`]).
    pub(crate) fn check(self) -> Result<Self, DecodeError> {
        for list in [&self.on, &self.off] {
            if list.windows(2).any(|w| w[0] >= w[1]) {
                return Err(DecodeError::Invalid { what: "flag dots must be strictly increasing" });
            }
            if list.iter().any(|(_, counter)| *counter == 0) {
                return Err(Invariant::ZeroDotCounter.into());
            }
            if list.iter().any(|(actor, counter)| !self.context.contains(actor, *counter)) {
                return Err(Invariant::DotOutsideContext.into());
            }
        }
        if self.on.iter().any(|dot| self.off.binary_search(dot).is_ok()) {
            return Err(Invariant::DotEnablesAndDisables.into());
        }
        Ok(self)
    }
}

/// A context that has seen exactly `dots`.
fn context_of<'a, A: Ord + Clone + 'a>(
    dots: impl IntoIterator<Item = &'a Dot<A>>,
) -> CausalContext<A> {
    let mut context = CausalContext::default();
    for dot in dots {
        insert(&mut context, dot);
    }
    context
}

/// Records `dot` in `context`.
fn insert<A: Ord + Clone>(context: &mut CausalContext<A>, dot: &Dot<A>) {
    let index = context.intern(&dot.0);
    context.insert_at(index, dot.1);
}

/// Joins `theirs` into `mine`.
pub(crate) fn join_context<A: Ord + Clone>(mine: &mut CausalContext<A>, theirs: &CausalContext<A>) {
    // merge_translated wants, for each of `theirs`' clocks by index, the
    // index of the same actor here.
    let translate: Vec<u32> =
        (0..theirs.actor_count() as u32).map(|j| mine.intern(&theirs.clock(j).actor)).collect();
    mine.merge_translated(theirs, &translate);
}

/// The dots of one list that survive a join.
fn join<A: Ord + Clone>(
    mine: &[Dot<A>],
    my_context: &CausalContext<A>,
    theirs: &[Dot<A>],
    their_context: &CausalContext<A>,
) -> Vec<Dot<A>> {
    let mut out = Vec::with_capacity(mine.len().max(theirs.len()));
    let (mut i, mut j) = (0, 0);
    loop {
        let order = match (mine.get(i), theirs.get(j)) {
            (None, None) => return out,
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (Some(a), Some(b)) => a.cmp(b),
        };
        match order {
            Ordering::Equal => {
                out.push(mine[i].clone());
                i += 1;
                j += 1;
            }
            Ordering::Less => {
                let (actor, counter) = &mine[i];
                if !their_context.contains(actor, *counter) {
                    out.push(mine[i].clone());
                }
                i += 1;
            }
            Ordering::Greater => {
                let (actor, counter) = &theirs[j];
                if !my_context.contains(actor, *counter) {
                    out.push(theirs[j].clone());
                }
                j += 1;
            }
        }
    }
}
