//! Replicated state that converges without coordination: the [`Crdt`]
//! trait, the counters [`GCounter`] and [`PNCounter`], and the add-wins set
//! [`OrSet`].
//!
//! Each replica changes its own copy; copies are joined with
//! [`Crdt::merge`], which is commutative, associative and idempotent, so
//! replicas that have received the same changes hold the same state, whatever
//! the order, the duplicates or the delays in between.
//!
//! **Deltas.** Every mutator returns its delta, and merging that delta into
//! any replica with [`Crdt::merge_delta`] has the same effect as merging the
//! mutated state (m(X) = X ⊔ mδ(X), after Almeida, Shoker and Baquero,
//! *Delta State Replicated Data Types*). A counter's delta is a counter
//! holding the actor's new count; an [`OrSet`]'s is an [`OrSetDelta`]: the
//! element, its new dot and the dots it took away, made and merged in O(1)
//! without building a set. Send deltas instead of whole states; to batch
//! several, merge them into an empty state and send that. Deltas need no
//! causal or exactly-once delivery: any order, duplicated, or re-sent after
//! a loss gives the same result, and the [`OrSet`]'s [`CausalContext`]
//! records the gaps a lost delta leaves until it arrives. Sending the whole
//! state now and then repairs any loss that is never re-sent.
//!
//! | type           | state                                   | value   | delta |
//! |----------------|-----------------------------------------|---------|-------|
//! | [`GCounter`]   | a `u64` count per actor                 | `u128`, exact | a `GCounter`: the actor's new count |
//! | [`PNCounter`]  | two `GCounter`s (increments, decrements) | `i128`, exact | a `PNCounter`: the actor's new total |
//! | [`OrSet`]      | elements with dots, and a causal context | add-wins set, no tombstones | an [`OrSetDelta`] |
//!
//! **Actor ids** are any `Ord + Clone` value (a node id, a UUID, a string)
//! and must be **unique per replica incarnation**: a replica that restarts
//! without its state must take a new id. A state is a summary of what each
//! actor did — a count, the dots of its adds — and two writers under one id
//! produce the same summaries for different changes: concurrent increments
//! of one count are merged as one, and one dot ends up naming two elements.
//! What can be detected is: a merge that finds one dot under two different
//! elements fails with [`CrdtError::DotConflict`] and changes nothing. A
//! reused count, or a reused dot whose first element is gone everywhere, is
//! indistinguishable from a legitimate state and cannot be detected.
//!
//! **Bytes.** States and deltas have a versioned, deterministic byte encoding
//! (`encode` / `decode`; the same state always gives the same bytes) described
//! with the [`Wire`] trait, which turns actor ids and elements into bytes. An
//! [`OrSetDelta`] encodes as the [`OrSet`] it stands for, read back with
//! [`OrSet::decode`] and joined with [`Crdt::merge`].
//! With the `serde` feature the three types also implement `Serialize` and
//! `Deserialize`, checked on the way in as strictly as the bytes are.
//!
//! # Example
//!
//! ```
//! use routekit::crdt::{Crdt, OrSet, PNCounter};
//!
//! let (mut a, mut b) = (OrSet::new(), OrSet::new());
//! let mut deltas = vec![a.add(&"a", "apple")?, b.add(&"b", "bread")?];
//! deltas.push(a.remove("apple"));
//!
//! // Every delta to every replica, backwards and twice.
//! for delta in deltas.iter().rev().chain(&deltas) {
//!     a.merge_delta(delta)?;
//!     b.merge_delta(delta)?;
//! }
//! assert_eq!(a, b);
//! assert_eq!(a.iter().collect::<Vec<_>>(), [&"bread"]);
//!
//! let mut stock = PNCounter::new();
//! stock.increment(&"a", 10)?;
//! stock.decrement(&"b", 3)?;
//! assert_eq!(stock.value(), 7);
//! # Ok::<(), routekit::crdt::CrdtError>(())
//! ```

mod context;
mod counter;
mod delta;
mod dots;
mod error;
mod orset;
#[cfg(feature = "serde")]
mod serde;
mod wire;

pub use context::CausalContext;
pub use counter::{GCounter, PNCounter};
pub use delta::OrSetDelta;
pub use error::{CrdtError, DecodeError};
pub use orset::OrSet;
pub use wire::Wire;

/// A state-based CRDT: a join-semilattice whose join is [`merge`](Crdt::merge).
///
/// For all states `a`, `b`, `c` of one type, `merge` is
///
/// * **commutative**: `a ⊔ b == b ⊔ a`,
/// * **associative**: `(a ⊔ b) ⊔ c == a ⊔ (b ⊔ c)`,
/// * **idempotent**: `a ⊔ a == a`, so redelivery is harmless:
///   `(a ⊔ b) ⊔ b == a ⊔ b`,
/// * **inflationary**: `a ⊔ b` holds everything `a` held or has seen it go,
///
/// and [`Default`] is the bottom state, the identity of `merge`. The
/// crate's property tests check each law by name for every implementation.
///
/// Mutators are inherent methods of each type and return a
/// [`Delta`](Crdt::Delta) (the delta law): when mutating `x` gives `x'` and
/// the delta `d`, merging `d` into `x` gives `x'`, and merging it into any
/// replica `y` that has seen `x` gives `y ⊔ x'`.
///
/// # Example
///
/// ```
/// use routekit::crdt::{Crdt, GCounter, OrSet};
///
/// fn converge<C: Crdt>(replicas: &mut [C]) -> Result<(), routekit::crdt::CrdtError> {
///     let mut all = C::default();
///     for replica in replicas.iter() {
///         all.merge(replica)?;
///     }
///     for replica in replicas.iter_mut() {
///         replica.merge(&all)?;
///     }
///     Ok(())
/// }
///
/// let mut counters = vec![GCounter::new(), GCounter::new()];
/// counters[0].increment(&0u8, 2)?;
/// counters[1].increment(&1u8, 3)?;
/// converge(&mut counters)?;
/// assert_eq!(counters[0].value(), 5);
///
/// let mut sets = vec![OrSet::new(), OrSet::new()];
/// let delta = sets[0].add(&0u8, 'x')?;
/// sets[1].merge_delta(&delta)?;
/// converge(&mut sets)?;
/// assert!(sets[1].contains(&'x'));
/// # Ok::<(), routekit::crdt::CrdtError>(())
/// ```
pub trait Crdt: Clone + Default + PartialEq {
    /// What a mutator returns to send to the other replicas: the type itself
    /// for the counters, [`OrSetDelta`] for the [`OrSet`].
    type Delta;

    /// Joins `other` into `self`: afterwards `self` is the least state that
    /// includes both. `other` may be a whole state, a delta read back from
    /// bytes, or several deltas merged into one state.
    ///
    /// # Errors
    ///
    /// [`CrdtError::DotConflict`] when the two states cannot both be right
    /// (an [`OrSet`] dot names two elements: an actor id was reused); `self`
    /// is then unchanged. Counters never fail.
    fn merge(&mut self, other: &Self) -> Result<(), CrdtError>;

    /// Joins the delta of one mutation into `self`, with the effect of
    /// merging the state the mutation produced (the delta law).
    ///
    /// # Errors
    ///
    /// As [`merge`](Crdt::merge): [`CrdtError::DotConflict`] for an
    /// [`OrSet`] add whose dot names another element here; `self` is then
    /// unchanged.
    fn merge_delta(&mut self, delta: &Self::Delta) -> Result<(), CrdtError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    // Every public type can be shared and sent across threads.
    const _: fn() = || {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<GCounter<String>>();
        send_sync::<PNCounter<String>>();
        send_sync::<OrSet<String, String>>();
        send_sync::<OrSetDelta<String, String>>();
        send_sync::<CausalContext<String>>();
        send_sync::<CrdtError>();
        send_sync::<DecodeError>();
    };
}
