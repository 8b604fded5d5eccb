//! Slot plans for Maglev: the lookup-table entries that change owner.

use super::Handoff;
use crate::hash::KeyHasher;
use crate::route::{Maglev, NodeId};

/// A Maglev table slot whose owner changes: from `from` to `to` (`None`
/// where a table is empty). An item of [`Handoff::slots`].
///
/// # Example
///
/// ```
/// use routekit::route::handoff::Handoff;
/// use routekit::route::{Maglev, Membership};
///
/// let mut before = Maglev::new();
/// before.extend(["a", "b"])?;
/// let mut after = before.clone();
/// after.insert("c")?;
/// let slots = Handoff::new(&before, &after)?.slots();
/// // About a third of the table moves to "c", and a little more elsewhere.
/// let onto_c = slots.iter().filter(|s| s.to() == Some(&"c")).count();
/// assert!(onto_c > 20_000 && slots.len() < 30_000);
/// let key = b"flow:1";
/// let slot = after.slot(key);
/// assert_eq!(slots.iter().any(|s| s.slot() == slot), Handoff::new(&before, &after)?.key(key).moves());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, PartialEq, Eq)]
pub struct SlotMove<'r, N> {
    slot: u32,
    from: Option<&'r N>,
    to: Option<&'r N>,
}

impl<'r, N> SlotMove<'r, N> {
    /// The slot (table entry), as [`Maglev::slot`] gives it for a key.
    ///
    /// ```
    /// use routekit::route::handoff::Handoff;
    /// use routekit::route::{Maglev, Membership};
    /// let before: Maglev<&str> = Maglev::new();
    /// let mut after = Maglev::new();
    /// after.insert("a")?;
    /// assert_eq!(Handoff::new(&before, &after)?.slots()[0].slot(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn slot(&self) -> u32 {
        self.slot
    }

    /// The slot's owner before the change.
    ///
    /// ```
    /// use routekit::route::handoff::Handoff;
    /// use routekit::route::{Maglev, Membership};
    /// let before: Maglev<&str> = Maglev::new();
    /// let mut after = Maglev::new();
    /// after.insert("a")?;
    /// assert_eq!(Handoff::new(&before, &after)?.slots()[0].from(), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from(&self) -> Option<&'r N> {
        self.from
    }

    /// The slot's owner after the change.
    ///
    /// ```
    /// use routekit::route::handoff::Handoff;
    /// use routekit::route::{Maglev, Membership};
    /// let before: Maglev<&str> = Maglev::new();
    /// let mut after = Maglev::new();
    /// after.insert("a")?;
    /// assert_eq!(Handoff::new(&before, &after)?.slots()[0].to(), Some(&"a"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to(&self) -> Option<&'r N> {
        self.to
    }
}

impl<N, H: KeyHasher> Maglev<N, H> {
    /// The table slot `key` falls in: the entry whose owner is the key's
    /// owner, and the slot [`Handoff::slots`] lists. O(1).
    ///
    /// ```
    /// use routekit::route::{Maglev, Membership, Router};
    /// let mut lb = Maglev::new();
    /// lb.extend(["a", "b"])?;
    /// let slot = lb.slot(b"k") as usize;
    /// assert_eq!(lb.table().nth(slot), lb.route(b"k"));
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    #[inline]
    pub fn slot(&self, key: &[u8]) -> u32 {
        self.entry_of(key) as u32
    }
}

impl<'r, N: NodeId, H: KeyHasher> Handoff<'r, Maglev<N, H>> {
    /// The table slots whose owner changes, in slot order: O(m) in the
    /// table size (the plan already checked both tables have the same
    /// size). A key moves exactly when its [`slot`](Maglev::slot) is
    /// listed.
    ///
    /// ```
    /// use routekit::route::handoff::Handoff;
    /// use routekit::route::{Maglev, Membership};
    /// let mut lb = Maglev::new();
    /// lb.extend(["a", "b"])?;
    /// assert!(Handoff::new(&lb, &lb.clone())?.slots().is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn slots(&self) -> Vec<SlotMove<'r, N>> {
        if self.is_empty() {
            return Vec::new();
        }
        let size = self.before.table_size() as usize;
        let mut old = self.before.table();
        let mut new = self.after.table();
        let mut moved = Vec::new();
        // Consecutive slots often share owners: compare identities only when
        // the pair of owners changes.
        let mut last: Option<(*const N, *const N, bool)> = None;
        for slot in 0..size {
            let (from, to) = (old.next(), new.next());
            let moves = match (from, to) {
                (Some(a), Some(b)) => {
                    let key = (a as *const N, b as *const N);
                    match last {
                        Some((x, y, m)) if (x, y) == key => m,
                        _ => {
                            let m = a.id_bytes().as_ref() != b.id_bytes().as_ref();
                            last = Some((key.0, key.1, m));
                            m
                        }
                    }
                }
                (None, None) => false,
                _ => true,
            };
            if moves {
                moved.push(SlotMove { slot: slot as u32, from, to });
            }
        }
        moved
    }
}

impl<N> Clone for SlotMove<'_, N> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<N> Copy for SlotMove<'_, N> {}
