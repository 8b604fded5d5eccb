//! The multi-value register [`MvRegister`]: every write that no later write
//! has seen survives, so concurrent writes are all kept until one that saw
//! them replaces them.
//!
//! A dot store like the flags: each write makes a dot (actor, counter),
//! and takes away the dots of the writes it has seen; a join keeps a write
//! unless the other side has seen its dot and no longer holds it. No
//! tombstones. `mvregister/wire.rs` holds the byte format and serde form.

mod wire;

use std::cmp::Ordering;

use super::{CausalContext, Crdt, CrdtError};

/// A multi-value register: the values of the writes that no other write
/// has seen. A write replaces every value its replica has seen; writes made
/// concurrently (neither saw the other) are all kept, and the next write
/// that has seen them replaces them all. Nothing is decided by clocks or
/// actor ids: the caller sees the conflict and resolves it by writing.
///
/// **A write that changes nothing returns no delta.** When the register
/// holds exactly one value, with nothing concurrent, and it is the value
/// written, [`set`](MvRegister::set) returns `Ok(None)`, makes no dot and
/// sends nothing — the lesson of session replication: do not replicate a
/// value that did not change. (Such a write, had it been made, would only
/// have replaced a concurrent write that has not arrived yet.) A write of a
/// value that is one of several concurrent ones does make a delta: it
/// resolves the conflict.
///
/// The delta of a write is a register holding just that write and the dots
/// it replaced (`Delta = Self`); any replica merges it, in any order, twice,
/// or after a whole state. A value written by two actors concurrently is
/// two writes, and [`values`](MvRegister::values) yields it twice.
///
/// # Example
///
/// ```
/// use routekit::crdt::MvRegister;
///
/// let (mut a, mut b) = (MvRegister::new(), MvRegister::new());
/// let from_a = a.set(&"a", "dark")?.expect("a new value");
/// let from_b = b.set(&"b", "light")?.expect("a new value");
/// a.merge(&from_b)?;
/// b.merge(&from_a)?;
/// assert_eq!(a, b);
/// assert_eq!(a.values().collect::<Vec<_>>(), [&"dark", &"light"]); // both kept
///
/// // A write that has seen both replaces both.
/// let resolved = a.set(&"a", "dark")?.expect("resolves the conflict");
/// b.merge_delta(&resolved)?;
/// assert_eq!(b.values().collect::<Vec<_>>(), [&"dark"]);
/// assert!(b.set(&"b", "dark")?.is_none()); // unchanged: nothing to send
/// # Ok::<(), routekit::crdt::CrdtError>(())
/// ```
#[derive(Clone, Debug)]
pub struct MvRegister<A, T> {
    /// The surviving writes, in ascending dot order (actor, then counter).
    writes: Vec<Write<A, T>>,
    /// Every dot seen: those of the writes held and of the writes replaced.
    context: CausalContext<A>,
}

/// One surviving write: its dot and its value.
#[derive(Clone, Debug, PartialEq)]
struct Write<A, T> {
    actor: A,
    counter: u64,
    value: T,
}

impl<A: Ord, T> Write<A, T> {
    /// The order of the writes: by dot.
    fn dot_cmp(&self, other: &Self) -> Ordering {
        (&self.actor, self.counter).cmp(&(&other.actor, other.counter))
    }
}

impl<A, T> Default for MvRegister<A, T> {
    fn default() -> Self {
        MvRegister { writes: Vec::new(), context: CausalContext::default() }
    }
}

impl<A: Ord, T: PartialEq> PartialEq for MvRegister<A, T> {
    fn eq(&self, other: &Self) -> bool {
        self.writes == other.writes && self.context == other.context
    }
}

impl<A: Ord, T: Eq> Eq for MvRegister<A, T> {}

impl<A: Ord + Clone, T: PartialEq + Clone> Crdt for MvRegister<A, T> {
    type Delta = MvRegister<A, T>;
    /// [`CrdtError::DotConflict`]: one dot carries two values.
    type Error = CrdtError;

    /// As the inherent [`MvRegister::merge`].
    fn merge(&mut self, other: &Self) -> Result<(), CrdtError> {
        MvRegister::merge(self, other)
    }

    /// As the inherent [`MvRegister::merge_delta`]: a delta is a register.
    fn merge_delta(&mut self, delta: &Self) -> Result<(), CrdtError> {
        MvRegister::merge(self, delta)
    }
}

impl<A, T> MvRegister<A, T> {
    /// An empty register that has seen no write (the bottom state).
    ///
    /// ```
    /// let register = routekit::crdt::MvRegister::<u8, String>::new();
    /// assert!(register.is_empty());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// The values of the surviving writes, in the order of their dots
    /// (actor id, then counter): one value after a write that saw
    /// everything, several after concurrent writes. Cost: O(1) per value.
    ///
    /// ```
    /// let mut register = routekit::crdt::MvRegister::new();
    /// register.set(&1u8, "x")?;
    /// assert_eq!(register.values().collect::<Vec<_>>(), [&"x"]);
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn values(&self) -> impl ExactSizeIterator<Item = &T> + DoubleEndedIterator + '_ {
        self.writes.iter().map(|write| &write.value)
    }

    /// How many writes survive (0 before any write, 1 without conflict).
    /// Cost: O(1).
    ///
    /// ```
    /// let mut register = routekit::crdt::MvRegister::new();
    /// register.set(&1u8, 'x')?;
    /// assert_eq!(register.len(), 1);
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn len(&self) -> usize {
        self.writes.len()
    }

    /// True before any write: the register holds no value. Cost: O(1).
    ///
    /// ```
    /// assert!(routekit::crdt::MvRegister::<u8, u8>::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.writes.is_empty()
    }

    /// Every dot this register has seen. Cost: O(1).
    ///
    /// ```
    /// let mut register = routekit::crdt::MvRegister::new();
    /// register.set(&"a", 1)?;
    /// register.set(&"a", 2)?;
    /// assert_eq!(register.context().version(&"a"), 2);
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn context(&self) -> &CausalContext<A> {
        &self.context
    }
}

impl<A: Ord + Clone, T: PartialEq + Clone> MvRegister<A, T> {
    /// Writes `value` as `actor`, replacing every value held here, and
    /// returns the delta to send: the write and the dots it replaced. `None`
    /// when nothing changed: the register holds `value` alone. Cost: O(w log
    /// a) for w surviving writes and a actors, plus cloning the value once.
    ///
    /// # Errors
    ///
    /// [`CrdtError::DotsExhausted`] when `actor` has used every dot counter
    /// (take a new actor id); the register is then unchanged.
    ///
    /// ```
    /// let mut theme = routekit::crdt::MvRegister::new();
    /// assert!(theme.set(&"a", "dark")?.is_some());
    /// assert!(theme.set(&"a", "dark")?.is_none()); // same value
    /// assert!(theme.set(&"a", "light")?.is_some());
    /// assert_eq!(theme.values().collect::<Vec<_>>(), [&"light"]);
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn set(&mut self, actor: &A, value: T) -> Result<Option<Self>, CrdtError> {
        self.write(actor, value, true)
    }

    /// As [`set`](Self::set), making no delta: `Ok(true)` when the register
    /// changed.
    ///
    /// # Errors
    ///
    /// [`CrdtError::DotsExhausted`] as [`set`](Self::set).
    ///
    /// ```
    /// let mut register = routekit::crdt::MvRegister::new();
    /// assert!(register.set_without_delta(&1u8, 'x')?);
    /// assert!(!register.set_without_delta(&1u8, 'x')?);
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn set_without_delta(&mut self, actor: &A, value: T) -> Result<bool, CrdtError> {
        Ok(self.write(actor, value, false)?.is_some())
    }

    /// The write behind both setters: `Some` when the register changed,
    /// holding the delta when `delta` is true (else an empty register).
    fn write(&mut self, actor: &A, value: T, delta: bool) -> Result<Option<Self>, CrdtError> {
        if let [only] = &self.writes[..] {
            if only.value == value {
                return Ok(None);
            }
        }
        // A counter runs out only for an actor that has dots, so this never
        // adds an empty clock to a register the error leaves unchanged.
        let index = self.context.intern(actor);
        let counter = self.context.next_counter(index).ok_or(CrdtError::DotsExhausted)?;
        let write = Write { actor: actor.clone(), counter, value };
        let made = if delta {
            let mut context = CausalContext::default();
            for seen in self.writes.iter().chain([&write]) {
                let at = context.intern(&seen.actor);
                context.insert_at(at, seen.counter);
            }
            MvRegister { writes: vec![write.clone()], context }
        } else {
            MvRegister::default()
        };
        self.context.insert_at(index, counter);
        self.writes.clear();
        self.writes.push(write);
        Ok(Some(made))
    }

    /// Joins `other` (a register, a delta, or several deltas merged into a
    /// register) into `self`: a write survives when both hold it, or one
    /// holds it and the other has not seen it. Cost: O(w log a) for the
    /// writes of both, plus O(a) to join the contexts.
    ///
    /// # Errors
    ///
    /// [`CrdtError::DotConflict`] when one dot holds two different values
    /// (two replicas used one actor id); `self` is then unchanged.
    ///
    /// ```
    /// let (mut a, mut b) = (routekit::crdt::MvRegister::new(), routekit::crdt::MvRegister::new());
    /// a.set(&1u8, "old")?;
    /// b.merge(&a)?;
    /// b.set(&2u8, "new")?; // has seen "old": replaces it
    /// a.merge(&b)?;
    /// assert_eq!(a.values().collect::<Vec<_>>(), [&"new"]);
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn merge(&mut self, other: &Self) -> Result<(), CrdtError> {
        if other.context.actor_count() == 0 {
            return Ok(());
        }
        let writes = self.joined_writes(other)?;
        self.writes = writes;
        let translate: Vec<u32> = (0..other.context.actor_count() as u32)
            .map(|j| self.context.intern(&other.context.clock(j).actor))
            .collect();
        self.context.merge_translated(&other.context, &translate);
        Ok(())
    }

    /// Joins the delta of a write into `self`, with the effect of merging
    /// the register that write produced (the delta law). As
    /// [`merge`](Self::merge): a delta is a register.
    ///
    /// # Errors
    ///
    /// [`CrdtError::DotConflict`] as [`merge`](Self::merge).
    ///
    /// ```
    /// let mut origin = routekit::crdt::MvRegister::new();
    /// let delta = origin.set(&"a", 7)?.expect("a new value");
    /// let mut replica = routekit::crdt::MvRegister::new();
    /// replica.merge_delta(&delta)?;
    /// replica.merge_delta(&delta)?; // twice: no harm
    /// assert_eq!(replica, origin);
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn merge_delta(&mut self, delta: &Self) -> Result<(), CrdtError> {
        self.merge(delta)
    }

    /// The writes that survive joining `other`, in dot order.
    fn joined_writes(&self, other: &Self) -> Result<Vec<Write<A, T>>, CrdtError> {
        let (mine, theirs) = (&self.writes, &other.writes);
        let mut out = Vec::with_capacity(mine.len().max(theirs.len()));
        let (mut i, mut j) = (0, 0);
        loop {
            let order = match (mine.get(i), theirs.get(j)) {
                (None, None) => return Ok(out),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (Some(a), Some(b)) => a.dot_cmp(b),
            };
            match order {
                Ordering::Equal => {
                    if mine[i].value != theirs[j].value {
                        return Err(CrdtError::DotConflict { counter: mine[i].counter });
                    }
                    out.push(mine[i].clone());
                    i += 1;
                    j += 1;
                }
                Ordering::Less => {
                    let write = &mine[i];
                    if !other.context.contains(&write.actor, write.counter) {
                        out.push(write.clone());
                    }
                    i += 1;
                }
                Ordering::Greater => {
                    let write = &theirs[j];
                    if !self.context.contains(&write.actor, write.counter) {
                        out.push(write.clone());
                    }
                    j += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_write_changes_nothing() {
        let mut register = MvRegister::new();
        let mut far = MvRegister::new();
        far.writes.push(Write { actor: 1u8, counter: u64::MAX, value: 'x' });
        let at = far.context.intern(&1);
        far.context.insert_at(at, u64::MAX);
        register.merge(&far).unwrap();
        let before = register.clone();
        assert_eq!(register.set(&1, 'y'), Err(CrdtError::DotsExhausted));
        assert_eq!(register, before);
    }

    #[test]
    fn a_conflicting_dot_is_refused_and_changes_nothing() {
        let (mut a, mut b) = (MvRegister::new(), MvRegister::new());
        a.set(&1u8, 'x').unwrap();
        b.set(&1u8, 'y').unwrap(); // the same id on two replicas
        let before = a.clone();
        assert_eq!(a.merge(&b), Err(CrdtError::DotConflict { counter: 1 }));
        assert_eq!(a, before);
    }
}
