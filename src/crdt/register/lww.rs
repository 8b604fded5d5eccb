//! The last-writer-wins register [`LwwRegister`].

use super::{Stamp, later};
use crate::crdt::{Crdt, CrdtError, HybridClock};

/// A last-writer-wins register: one value, replaced by any write with a
/// later (timestamp, actor) stamp.
///
/// Timestamps come from the caller ([`set`](LwwRegister::set)) or from a
/// [`HybridClock`] ([`set_now`](LwwRegister::set_now)). Two writes with the
/// same timestamp are ordered by their actor ids, greater wins, so every
/// replica picks the same value whatever the order of arrival. One actor
/// writing two different values under one timestamp is a
/// [`CrdtError::WriteConflict`].
///
/// **A write that changes nothing returns no delta.** Setting the value the
/// register already holds returns `Ok(None)` and leaves the register, and
/// its stamp, as they were — so an unchanged session attribute is never
/// sent (the lesson of session replication). The price: such a write does
/// not re-assert the value, and a concurrent write elsewhere with a stamp
/// between the old and the new one still wins. A write stamped before the
/// current value loses and also returns `Ok(None)`.
///
/// The delta of a write is the register holding just that write
/// (`Delta = Self`): a whole state, which any replica merges.
///
/// # Example
///
/// ```
/// use routekit::crdt::LwwRegister;
///
/// let (mut a, mut b) = (LwwRegister::new(), LwwRegister::new());
/// let from_a = a.set(&"a", 10, "dark")?.expect("a new value");
/// let from_b = b.set(&"b", 10, "light")?.expect("a new value");
/// assert!(a.set(&"a", 11, "dark")?.is_none()); // unchanged: nothing to send
///
/// a.merge(&from_b)?;
/// b.merge(&from_a)?;
/// assert_eq!(a, b);
/// assert_eq!(a.get(), Some(&"light")); // same timestamp: actor "b" > "a"
/// # Ok::<(), routekit::crdt::CrdtError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LwwRegister<A, T> {
    pub(super) write: Option<(Stamp<A>, T)>,
}

impl<A, T> Default for LwwRegister<A, T> {
    fn default() -> Self {
        LwwRegister { write: None }
    }
}

impl<A: Ord + Clone, T: PartialEq + Clone> Crdt for LwwRegister<A, T> {
    type Delta = LwwRegister<A, T>;
    /// [`CrdtError::WriteConflict`]: one stamp carries two values.
    type Error = CrdtError;

    /// As the inherent [`LwwRegister::merge`].
    fn merge(&mut self, other: &Self) -> Result<(), CrdtError> {
        LwwRegister::merge(self, other)
    }

    /// As the inherent [`LwwRegister::merge`]: a delta is a register.
    fn merge_delta(&mut self, delta: &Self) -> Result<(), CrdtError> {
        LwwRegister::merge(self, delta)
    }
}

impl<A, T> LwwRegister<A, T> {
    /// An empty register that has seen no write (the bottom state).
    ///
    /// ```
    /// let register = routekit::crdt::LwwRegister::<u8, String>::new();
    /// assert_eq!(register.get(), None);
    /// ```
    pub fn new() -> Self {
        LwwRegister { write: None }
    }

    /// The value of the latest write, `None` before any. Cost: O(1).
    ///
    /// ```
    /// let mut register = routekit::crdt::LwwRegister::new();
    /// register.set(&1u8, 5, "x")?;
    /// assert_eq!(register.get(), Some(&"x"));
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn get(&self) -> Option<&T> {
        self.write.as_ref().map(|(_, value)| value)
    }

    /// The timestamp of the latest write. Cost: O(1).
    ///
    /// ```
    /// let mut register = routekit::crdt::LwwRegister::new();
    /// register.set(&1u8, 5, "x")?;
    /// assert_eq!(register.timestamp(), Some(5));
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn timestamp(&self) -> Option<u64> {
        self.write.as_ref().map(|(stamp, _)| stamp.timestamp)
    }

    /// The actor of the latest write. Cost: O(1).
    ///
    /// ```
    /// let mut register = routekit::crdt::LwwRegister::new();
    /// register.set(&1u8, 5, "x")?;
    /// assert_eq!(register.writer(), Some(&1));
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn writer(&self) -> Option<&A> {
        self.write.as_ref().map(|(stamp, _)| &stamp.actor)
    }
}

impl<A: Ord + Clone, T: PartialEq + Clone> LwwRegister<A, T> {
    /// Writes `value` at `timestamp` as `actor`, returning the delta to
    /// send, or `None` when nothing changed: the register already holds
    /// `value`, or its write is stamped later. Cost: O(1) plus comparing
    /// and cloning one value and actor.
    ///
    /// # Errors
    ///
    /// [`CrdtError::WriteConflict`] when the current write has this very
    /// stamp and another value; the register is then unchanged.
    ///
    /// ```
    /// use routekit::crdt::LwwRegister;
    ///
    /// let mut theme = LwwRegister::new();
    /// assert!(theme.set(&"a", 5, "dark")?.is_some());
    /// assert!(theme.set(&"a", 6, "dark")?.is_none()); // same value
    /// assert!(theme.set(&"a", 4, "light")?.is_none()); // older write loses
    /// assert!(theme.set(&"a", 5, "light").is_err()); // one stamp, two values
    /// assert_eq!(theme.get(), Some(&"dark"));
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn set(&mut self, actor: &A, timestamp: u64, value: T) -> Result<Option<Self>, CrdtError> {
        Ok(self.set_without_delta(actor, timestamp, value)?.then(|| self.clone()))
    }

    /// As [`set`](Self::set), making no delta: `Ok(true)` when the value
    /// changed.
    ///
    /// # Errors
    ///
    /// [`CrdtError::WriteConflict`] as [`set`](Self::set).
    ///
    /// ```
    /// let mut register = routekit::crdt::LwwRegister::new();
    /// assert!(register.set_without_delta(&1u8, 1, 'x')?);
    /// assert!(!register.set_without_delta(&1u8, 2, 'x')?);
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn set_without_delta(
        &mut self,
        actor: &A,
        timestamp: u64,
        value: T,
    ) -> Result<bool, CrdtError> {
        if let Some((stamp, current)) = &self.write {
            if *current == value {
                return Ok(false);
            }
            let new = Stamp { timestamp, actor: actor.clone() };
            if !later((stamp, current), (&new, &value))? {
                return Ok(false);
            }
            self.write = Some((new, value));
        } else {
            self.write = Some((Stamp { timestamp, actor: actor.clone() }, value));
        }
        Ok(true)
    }

    /// Writes `value` as `actor` at a timestamp from `clock`, later than
    /// the current write, so the write always wins here; `None` when the
    /// register already holds `value` (the clock is then not read).
    ///
    /// # Errors
    ///
    /// [`CrdtError::ClockExhausted`] when the clock cannot go further.
    ///
    /// ```
    /// use routekit::crdt::{HybridClock, LwwRegister};
    ///
    /// let mut clock = HybridClock::new();
    /// let mut cart_owner = LwwRegister::new();
    /// cart_owner.set(&"a", u64::MAX >> 1, "guest")?; // a write from the far future
    /// assert!(cart_owner.set_now(&mut clock, &"a", "alice")?.is_some());
    /// assert_eq!(cart_owner.get(), Some(&"alice"));
    /// assert!(cart_owner.set_now(&mut clock, &"a", "alice")?.is_none());
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn set_now(
        &mut self,
        clock: &mut HybridClock,
        actor: &A,
        value: T,
    ) -> Result<Option<Self>, CrdtError> {
        Ok(self.set_now_without_delta(clock, actor, value)?.then(|| self.clone()))
    }

    /// As [`set_now`](Self::set_now), making no delta: `Ok(true)` when the
    /// value changed.
    ///
    /// # Errors
    ///
    /// [`CrdtError::ClockExhausted`] as [`set_now`](Self::set_now).
    ///
    /// ```
    /// let mut clock = routekit::crdt::HybridClock::new();
    /// let mut register = routekit::crdt::LwwRegister::new();
    /// assert!(register.set_now_without_delta(&mut clock, &1u8, 3)?);
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn set_now_without_delta(
        &mut self,
        clock: &mut HybridClock,
        actor: &A,
        value: T,
    ) -> Result<bool, CrdtError> {
        if self.get() == Some(&value) {
            return Ok(false);
        }
        let timestamp = clock.now_after(self.timestamp().unwrap_or(0))?;
        self.set_without_delta(actor, timestamp, value)
    }

    /// Joins `other` (a register or a delta) into `self`: the later write
    /// wins. Cost: O(1) plus one value comparison.
    ///
    /// # Errors
    ///
    /// [`CrdtError::WriteConflict`] when both hold the same stamp with
    /// different values; `self` is then unchanged.
    ///
    /// ```
    /// let (mut a, mut b) = (routekit::crdt::LwwRegister::new(), routekit::crdt::LwwRegister::new());
    /// a.set(&1u8, 1, "old")?;
    /// b.set(&2u8, 2, "new")?;
    /// a.merge(&b)?;
    /// assert_eq!(a.get(), Some(&"new"));
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn merge(&mut self, other: &Self) -> Result<(), CrdtError> {
        let Some((theirs, value)) = &other.write else { return Ok(()) };
        let replace = match &self.write {
            None => true,
            Some((mine, current)) => later((mine, current), (theirs, value))?,
        };
        if replace {
            self.write = Some((theirs.clone(), value.clone()));
        }
        Ok(())
    }
}
