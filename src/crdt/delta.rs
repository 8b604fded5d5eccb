//! The delta an [`OrSet`] mutation returns: [`OrSetDelta`].

use std::hash::Hash;

use super::OrSet;
use super::context::CausalContext;
use super::wire::Wire;

/// What one [`OrSet`] mutation changed, to send to the other replicas.
///
/// [`OrSet::add`] and [`OrSet::remove`] return one that names the element
/// and its dots, and takes no allocation for an add of a new element (none
/// beyond cloning the element and the actor id); [`OrSet::clear`] returns the
/// dots the set held. Merge one into any replica with
/// [`Crdt::merge_delta`](super::Crdt::merge_delta): it has the same effect as
/// merging the whole mutated state (m(X) = X ⊔ mδ(X)), costs O(1) expected
/// for an add or a remove, and may arrive in any order, duplicated, or
/// re-sent after a loss.
///
/// A delta stands for a small state: the element with its new dot, and a
/// causal context of that dot and the dots it took away. That state is what
/// travels: [`encode`](Self::encode) writes it in the [`OrSet`] byte format
/// (with the `serde` feature, `Serialize` writes the [`OrSet`] form), the
/// receiver reads it with [`OrSet::decode`] and joins it with
/// [`Crdt::merge`](super::Crdt::merge), and `OrSet::from(delta)` gives it in
/// memory. To send several deltas as one, merge them into an empty set.
///
/// # Example
///
/// ```
/// use routekit::crdt::{Crdt, OrSet};
///
/// let (mut here, mut there) = (OrSet::new(), OrSet::new());
/// let add = here.add(&1u32, String::from("tea"))?;
/// let remove = here.remove("tea");
///
/// // In memory: merge the deltas, in any order.
/// there.merge_delta(&remove)?;
/// there.merge_delta(&add)?;
/// assert_eq!(there, here);
///
/// // Over the wire: the bytes are a small OrSet, joined with `merge`.
/// let mut far = OrSet::new();
/// far.merge(&OrSet::decode(&add.encode())?)?;
/// assert!(far.contains("tea"));
///
/// // Batched: deltas merged into an empty set make one.
/// let mut batch = OrSet::new();
/// batch.merge_delta(&add)?;
/// batch.merge_delta(&remove)?;
/// far.merge(&batch)?;
/// assert_eq!(far, here);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct OrSetDelta<A, T> {
    pub(super) change: Change<A, T>,
}

/// The forms a delta takes.
#[derive(Clone, Debug)]
pub(super) enum Change<A, T> {
    /// `value` gained the dot (`actor`, `counter`), which replaced the dots
    /// `replaced` it had before.
    Add { value: T, actor: A, counter: u64, replaced: Vec<(A, u64)> },
    /// `value`, which had the dots `dots`, was removed.
    Remove { value: T, dots: Vec<(A, u64)> },
    /// Every dot in `dots` was removed, wherever it was (a clear; empty when
    /// nothing changed).
    Clear { dots: CausalContext<A> },
}

impl<A, T> OrSetDelta<A, T> {
    /// True when the mutation changed nothing (a remove of an absent
    /// element, a clear of an empty set): merging it is a no-op.
    ///
    /// Cost: O(1).
    ///
    /// ```
    /// let mut set = routekit::crdt::OrSet::<u8, u8>::new();
    /// assert!(set.remove(&1).is_empty());
    /// assert!(!set.add(&1, 1)?.is_empty());
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        match &self.change {
            Change::Add { .. } => false,
            Change::Remove { .. } => false,
            Change::Clear { dots } => dots.actor_count() == 0,
        }
    }

    pub(super) fn nothing() -> Self {
        OrSetDelta { change: Change::Clear { dots: CausalContext::default() } }
    }
}

impl<A: Ord + Clone, T: Ord + Hash + Clone> From<OrSetDelta<A, T>> for OrSet<A, T> {
    /// The state the delta stands for: merging it with [`Crdt::merge`]
    /// has the effect of merging the delta.
    ///
    /// [`Crdt::merge`]: super::Crdt::merge
    ///
    /// Cost: O(d log a) for d dots and a actors.
    ///
    /// ```
    /// use routekit::crdt::OrSet;
    ///
    /// let mut set = OrSet::new();
    /// let delta = set.add(&"a", 'x')?;
    /// assert_eq!(OrSet::from(delta), set);
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    fn from(delta: OrSetDelta<A, T>) -> Self {
        OrSet::from_change(delta.change)
    }
}

impl<A: Ord + Clone + Wire, T: Ord + Hash + Clone + Wire> OrSetDelta<A, T> {
    /// The bytes of the state this delta stands for, in the [`OrSet`] byte
    /// format: read them with [`OrSet::decode`] and join them with
    /// [`Crdt::merge`](super::Crdt::merge).
    ///
    /// Cost: O(d log d) for d dots.
    ///
    /// ```
    /// use routekit::crdt::OrSet;
    ///
    /// let mut set = OrSet::new();
    /// let delta = set.add(&1u8, 42u64)?;
    /// assert_eq!(delta.encode(), set.encode());
    /// assert_eq!(OrSet::decode(&delta.encode())?, set);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn encode(&self) -> Vec<u8> {
        OrSet::from_change(self.change.clone()).encode()
    }
}
