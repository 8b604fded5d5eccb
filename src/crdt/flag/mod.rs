//! Flags: [`EnableWinsFlag`] and [`DisableWinsFlag`], booleans that
//! replicas switch on and off without coordinating, decided by the rule in
//! their name when an enable and a disable are concurrent.
//!
//! Both are dot stores like the [`OrSet`](super::OrSet): each write makes a
//! dot and takes away the dots it has seen, and a join keeps a dot unless
//! the other side has seen it and taken it away. No tombstones.
//! `dots.rs` holds what both share, `wire.rs` the byte format.

mod dots;
mod wire;

use std::convert::Infallible;

use dots::FlagDots;

use super::{CausalContext, Crdt, CrdtError};

/// A flag where an enable concurrent with a disable wins: enabled while any
/// enable survives that no disable has seen.
///
/// Starts disabled. [`enable`](EnableWinsFlag::enable) makes a dot (so it
/// takes an actor); [`disable`](EnableWinsFlag::disable) takes away the
/// enables it has seen and needs none. **A write that changes nothing
/// returns no delta**: enabling an enabled flag or disabling a disabled one
/// returns `None` and sends nothing. (Such a write, had it been made, would
/// only have won against a concurrent write elsewhere: skipping it is the
/// session lesson, "do not replicate a value that did not change".)
///
/// The delta of a write is a flag holding just that write (`Delta = Self`).
/// Merges cannot fail.
///
/// # Example
///
/// ```
/// use routekit::crdt::EnableWinsFlag;
///
/// let mut a = EnableWinsFlag::new();
/// let on = a.enable(&"a")?.expect("it was off");
/// let mut b = EnableWinsFlag::new();
/// b.merge(&on);
///
/// // Concurrently: b disables, a enables again... but it is already on.
/// assert!(a.enable(&"a")?.is_none());
/// let off = b.disable().expect("it was on");
/// a.merge(&off);
/// assert!(!a.is_enabled());
///
/// // A fresh enable concurrent with a disable wins.
/// let on = a.enable(&"a")?.expect("it was off");
/// let mut c = EnableWinsFlag::new();
/// c.merge(&on);
/// c.merge(&off);
/// assert!(c.is_enabled());
/// # Ok::<(), routekit::crdt::CrdtError>(())
/// ```
#[derive(Clone, Debug)]
pub struct EnableWinsFlag<A> {
    dots: FlagDots<A>,
}

/// A flag where a disable concurrent with an enable wins: enabled only when
/// an enable survives and no disable does.
///
/// Starts disabled. Both [`enable`](DisableWinsFlag::enable) and
/// [`disable`](DisableWinsFlag::disable) make a dot and take away what they
/// have seen. **A write that changes nothing returns no delta**, as for the
/// [`EnableWinsFlag`].
///
/// # Example
///
/// ```
/// use routekit::crdt::DisableWinsFlag;
///
/// let mut a = DisableWinsFlag::new();
/// let on = a.enable(&"a")?.expect("it was off");
/// let mut b = a.clone();
///
/// // Concurrently: a disables, b enables afresh (no delta: it is on).
/// let off = a.disable(&"a")?.expect("it was on");
/// assert!(b.enable(&"b")?.is_none());
/// b.merge(&off);
/// b.merge(&on);
/// assert!(!b.is_enabled());
/// # Ok::<(), routekit::crdt::CrdtError>(())
/// ```
#[derive(Clone, Debug)]
pub struct DisableWinsFlag<A> {
    dots: FlagDots<A>,
}

macro_rules! flag_common {
    ($flag:ident) => {
        impl<A> Default for $flag<A> {
            fn default() -> Self {
                $flag { dots: FlagDots::default() }
            }
        }

        impl<A: Ord> PartialEq for $flag<A> {
            fn eq(&self, other: &Self) -> bool {
                self.dots == other.dots
            }
        }

        impl<A: Ord> Eq for $flag<A> {}

        impl<A: Ord + Clone> Crdt for $flag<A> {
            type Delta = $flag<A>;
            /// Flags cannot fail to merge.
            type Error = Infallible;

            /// As the inherent merge.
            fn merge(&mut self, other: &Self) -> Result<(), Infallible> {
                $flag::merge(self, other);
                Ok(())
            }

            /// As the inherent merge: a delta is a flag.
            fn merge_delta(&mut self, delta: &Self) -> Result<(), Infallible> {
                $flag::merge(self, delta);
                Ok(())
            }
        }

        impl<A> $flag<A> {
            /// A disabled flag that has seen nothing (the bottom state).
            ///
            /// ```
            #[doc = concat!("assert!(!routekit::crdt::", stringify!($flag), "::<u8>::new().is_enabled());")]
            /// ```
            pub fn new() -> Self {
                Self::default()
            }
        }

        impl<A: Ord + Clone> $flag<A> {
            /// Joins `other` (a flag or a delta) into `self`. Cost: O(d log a)
            /// in the surviving dots and actors, plus O(a) to join the
            /// contexts.
            ///
            /// ```
            #[doc = concat!("use routekit::crdt::", stringify!($flag), ";")]
            ///
            #[doc = concat!("let mut a = ", stringify!($flag), "::new();")]
            /// let delta = a.enable(&1u8)?.expect("it was off");
            #[doc = concat!("let mut b = ", stringify!($flag), "::new();")]
            /// b.merge(&delta);
            /// assert!(b.is_enabled());
            /// # Ok::<(), routekit::crdt::CrdtError>(())
            /// ```
            pub fn merge(&mut self, other: &Self) {
                self.dots.merge(&other.dots);
            }

            /// Every dot this flag has seen. Cost: O(1).
            ///
            /// ```
            #[doc = concat!("let mut flag = routekit::crdt::", stringify!($flag), "::new();")]
            /// flag.enable(&"a")?;
            /// assert_eq!(flag.context().version(&"a"), 1);
            /// # Ok::<(), routekit::crdt::CrdtError>(())
            /// ```
            pub fn context(&self) -> &CausalContext<A> {
                &self.dots.context
            }
        }
    };
}
flag_common!(EnableWinsFlag);
flag_common!(DisableWinsFlag);

impl<A: Ord + Clone> EnableWinsFlag<A> {
    /// Whether the flag is on: some enable survives. Cost: O(1).
    ///
    /// ```
    /// let mut flag = routekit::crdt::EnableWinsFlag::new();
    /// flag.enable(&1u8)?;
    /// assert!(flag.is_enabled());
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn is_enabled(&self) -> bool {
        !self.dots.on.is_empty()
    }

    /// Switches the flag on as `actor`, returning the delta, or `None`
    /// when it was already on. Cost: O(d + log a) for d surviving dots.
    ///
    /// # Errors
    ///
    /// [`CrdtError::DotsExhausted`] when `actor` has used every dot
    /// counter; the flag is then unchanged.
    ///
    /// ```
    /// let mut flag = routekit::crdt::EnableWinsFlag::new();
    /// assert!(flag.enable(&1u8)?.is_some());
    /// assert!(flag.enable(&1u8)?.is_none());
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn enable(&mut self, actor: &A) -> Result<Option<Self>, CrdtError> {
        if self.is_enabled() {
            return Ok(None);
        }
        Ok(self.dots.write(actor, true, true)?.map(|dots| EnableWinsFlag { dots }))
    }

    /// As [`enable`](Self::enable), making no delta: `Ok(true)` when the
    /// flag changed.
    ///
    /// # Errors
    ///
    /// [`CrdtError::DotsExhausted`] as [`enable`](Self::enable).
    ///
    /// ```
    /// let mut flag = routekit::crdt::EnableWinsFlag::new();
    /// assert!(flag.enable_without_delta(&1u8)?);
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn enable_without_delta(&mut self, actor: &A) -> Result<bool, CrdtError> {
        if self.is_enabled() {
            return Ok(false);
        }
        self.dots.write(actor, true, false)?;
        Ok(true)
    }

    /// Switches the flag off, taking away the enables seen here; `None`
    /// when it was already off. Cost: O(d).
    ///
    /// ```
    /// let mut flag = routekit::crdt::EnableWinsFlag::new();
    /// assert!(flag.disable().is_none());
    /// flag.enable(&1u8)?;
    /// assert!(flag.disable().is_some());
    /// assert!(!flag.is_enabled());
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn disable(&mut self) -> Option<Self> {
        if !self.is_enabled() {
            return None;
        }
        self.dots.clear_on(true).map(|dots| EnableWinsFlag { dots })
    }

    /// As [`disable`](Self::disable), making no delta: `true` when the flag
    /// changed.
    ///
    /// ```
    /// let mut flag = routekit::crdt::EnableWinsFlag::<u8>::new();
    /// assert!(!flag.disable_without_delta());
    /// ```
    pub fn disable_without_delta(&mut self) -> bool {
        let changed = self.is_enabled();
        self.dots.clear_on(false);
        changed
    }
}

impl<A: Ord + Clone> DisableWinsFlag<A> {
    /// Whether the flag is on: an enable survives and no disable does.
    /// Cost: O(1).
    ///
    /// ```
    /// let mut flag = routekit::crdt::DisableWinsFlag::new();
    /// flag.enable(&1u8)?;
    /// assert!(flag.is_enabled());
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn is_enabled(&self) -> bool {
        !self.dots.on.is_empty() && self.dots.off.is_empty()
    }

    /// Switches the flag on as `actor`, returning the delta, or `None`
    /// when it was already on. Cost: O(d + log a) for d surviving dots.
    ///
    /// # Errors
    ///
    /// [`CrdtError::DotsExhausted`] when `actor` has used every dot
    /// counter; the flag is then unchanged.
    ///
    /// ```
    /// let mut flag = routekit::crdt::DisableWinsFlag::new();
    /// assert!(flag.enable(&1u8)?.is_some());
    /// assert!(flag.enable(&1u8)?.is_none());
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn enable(&mut self, actor: &A) -> Result<Option<Self>, CrdtError> {
        self.write(actor, true, true)
    }

    /// As [`enable`](Self::enable), making no delta: `Ok(true)` when the
    /// flag changed.
    ///
    /// # Errors
    ///
    /// [`CrdtError::DotsExhausted`] as [`enable`](Self::enable).
    ///
    /// ```
    /// let mut flag = routekit::crdt::DisableWinsFlag::new();
    /// assert!(flag.enable_without_delta(&1u8)?);
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn enable_without_delta(&mut self, actor: &A) -> Result<bool, CrdtError> {
        Ok(self.write(actor, true, false)?.is_some())
    }

    /// Switches the flag off as `actor`, returning the delta, or `None`
    /// when it was already off. Cost: O(d + log a).
    ///
    /// # Errors
    ///
    /// [`CrdtError::DotsExhausted`] as [`enable`](Self::enable).
    ///
    /// ```
    /// let mut flag = routekit::crdt::DisableWinsFlag::new();
    /// assert!(flag.disable(&1u8)?.is_none()); // starts off
    /// flag.enable(&1u8)?;
    /// assert!(flag.disable(&1u8)?.is_some());
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn disable(&mut self, actor: &A) -> Result<Option<Self>, CrdtError> {
        self.write(actor, false, true)
    }

    /// As [`disable`](Self::disable), making no delta: `Ok(true)` when the
    /// flag changed.
    ///
    /// # Errors
    ///
    /// [`CrdtError::DotsExhausted`] as [`enable`](Self::enable).
    ///
    /// ```
    /// let mut flag = routekit::crdt::DisableWinsFlag::<u8>::new();
    /// assert!(!flag.disable_without_delta(&1)?);
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn disable_without_delta(&mut self, actor: &A) -> Result<bool, CrdtError> {
        Ok(self.write(actor, false, false)?.is_some())
    }

    /// A write that leaves the flag `on`; `Some` (holding the delta when
    /// `delta` is true, else an empty flag) when the value changed.
    fn write(&mut self, actor: &A, on: bool, delta: bool) -> Result<Option<Self>, CrdtError> {
        if self.is_enabled() == on {
            return Ok(None);
        }
        let made = self.dots.write(actor, on, delta)?;
        Ok(Some(DisableWinsFlag { dots: made.unwrap_or_default() }))
    }
}
