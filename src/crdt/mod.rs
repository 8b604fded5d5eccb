//! Replicated state that converges without coordination: the [`Crdt`]
//! trait, the counters [`GCounter`] and [`PNCounter`], and the add-wins set
//! [`OrSet`], each with the delta of one mutation.
//!
//! Each replica changes its own copy; copies are joined with `merge`, which
//! is commutative, associative and idempotent, so replicas that have
//! received the same changes hold the same state, whatever the order, the
//! duplicates or the delays in between.
//!
//! | type           | state                                   | value   | delta |
//! |----------------|-----------------------------------------|---------|-------|
//! | [`GCounter`]   | a `u64` count per actor                 | `u128`, exact | [`GCounterDelta`]: one actor's new count |
//! | [`PNCounter`]  | two `GCounter`s (increments, decrements) | `i128`, exact | [`PNCounterDelta`]: one actor's new total on one side |
//! | [`OrSet`]      | elements with dots, and a causal context | add-wins set, no tombstones | [`OrSetDelta`]: the element, its new dot and the dots it took away |
//! | [`LwwRegister`] | one value, its timestamp and actor     | the latest write; equal timestamps by actor | the register holding the write |
//! | [`EnableWinsFlag`], [`DisableWinsFlag`] | dots of enables (and disables), and a causal context | `bool` | the flag holding the write and the dots it took away |
//! | [`MvRegister`] | the values of the surviving writes with their dots, and a causal context | every write no later write has seen: concurrent writes all kept | the register holding the write and the dots it replaced |
//! | [`LwwMap`]     | per key a value or a tombstone, with its timestamp and actor | a map, latest write per key | [`LwwMapDelta`]: one key's write |
//!
//! Timestamps of the last-writer-wins types come from the caller or from a
//! [`HybridClock`], which never goes backwards and follows the writes it
//! observes. For sessions, the lesson of those who replicate them is built
//! in: **a write of the value already there changes nothing and returns no
//! delta**, so unchanged attributes never reach the network.
//!
//! # Deltas
//!
//! Every mutator returns its delta, and merging that delta into any replica
//! with `merge_delta` has the same effect as merging the mutated state
//! (m(X) = X ⊔ mδ(X), after Almeida, Shoker and Baquero, *Delta State
//! Replicated Data Types*). Deltas are small — one actor's count, one
//! element and its dots — and, but for a set's clear, are made and merged
//! in O(1) expected plus O(log a) in the actors, without building a state.
//! Send deltas instead of whole states.
//!
//! * **A mutation that changes nothing returns no delta.** Mutators that
//!   can leave the state as it was return an `Option` (an increment by 0, a
//!   remove of an absent element, a clear of an empty set): `None` means
//!   there is nothing to send. Sending only real changes keeps unchanged
//!   writes off the network.
//! * **Any delivery.** Deltas need no causal or exactly-once delivery: any
//!   order, duplicated, or re-sent after a loss gives the same result, and
//!   the [`OrSet`]'s [`CausalContext`] records the gaps a lost delta leaves
//!   until it arrives. Sending the whole state now and then repairs any loss
//!   that is never re-sent.
//! * **Batches.** A delta stands for a small state (`State::from(delta)`);
//!   to send several deltas as one, merge them into an empty state with
//!   `merge_delta` and send that state, which the receiver joins with
//!   `merge`.
//!
//! **Mutating without a delta.** Every mutator `verb` has a twin
//! `verb_without_delta` that changes the state in the same way and makes no
//! delta, for replicas that exchange whole states or to load a state: it
//! saves cloning the actor id and the element, and listing the dots a
//! change took away. The twin returns what `verb` returns with the delta
//! taken out: `()` for `Result<Delta, _>`, and `true` where `verb` returns
//! `Some` (the state changed) for `Option<Delta>`.
//!
//! | mutator | returns | without a delta |
//! |---------|---------|-----------------|
//! | [`GCounter::increment`], [`PNCounter::increment`], [`PNCounter::decrement`] | `Result<Option<Delta>, CrdtError>` | `…_without_delta`: `Result<bool, CrdtError>` |
//! | [`OrSet::add`] | `Result<OrSetDelta, CrdtError>` | [`OrSet::add_without_delta`]: `Result<(), CrdtError>` |
//! | [`OrSet::remove`], [`OrSet::clear`] | `Option<OrSetDelta>` | [`OrSet::remove_without_delta`], [`OrSet::clear_without_delta`]: `bool` |
//! | [`MvRegister::set`] | `Result<Option<MvRegister>, CrdtError>` | [`MvRegister::set_without_delta`]: `Result<bool, CrdtError>` |
//!
//! # Errors
//!
//! Mutations fail only at the end of a number range, and merges only of an
//! [`OrSet`] or an [`MvRegister`] whose dot names two elements or values; both with a [`CrdtError`], which
//! leaves the state unchanged. The counters' `merge` and `merge_delta`
//! cannot fail and return no `Result` (their [`Crdt::Error`] is
//! [`Infallible`](std::convert::Infallible)). Reading bytes or serde input
//! fails with a [`DecodeError`].
//!
//! # Actor ids
//!
//! Actor ids are any `Ord + Clone` value (a node id, a UUID, a string) and
//! must be **unique per replica incarnation**: a replica that restarts
//! without its state must take a new id. A state is a summary of what each
//! actor did — a count, the dots of its adds — and two writers under one id
//! produce the same summaries for different changes: concurrent increments
//! of one count are merged as one, and one dot ends up naming two elements.
//! What can be detected is: a merge that finds one dot under two different
//! elements fails with [`CrdtError::DotConflict`] and changes nothing. A
//! reused count, or a reused dot whose first element is gone everywhere, is
//! indistinguishable from a legitimate state and cannot be detected.
//!
//! # Byte format
//!
//! Every state and every delta has `to_bytes`, `from_bytes` and
//! `encoded_len` (the length of `to_bytes`, computed without encoding). The
//! bytes are deterministic — the same state always gives the same bytes —
//! and the reader refuses anything else: other orders, duplicates, values
//! no operation makes, trailing bytes. Bytes that decode are exactly the
//! bytes their value encodes to.
//!
//! Every encoding starts with a four-byte header: the magic bytes `RK`, a
//! kind byte and the format version of that kind (1 for every kind in this
//! release). Integers that describe the structure (lengths, counts, dot
//! counters, positions) are unsigned LEB128 varints: seven bits a byte,
//! least significant group first, the high bit set on every byte but the
//! last, and never longer than needed. Actor ids and elements are written
//! by their [`Wire`] implementation. Lists are written as their length, then
//! their items.
//!
//! | kind | what | after the header |
//! |------|------|------------------|
//! | 1 | [`GCounter`] | the actors in ascending order, each as its id and its count (not 0) |
//! | 2 | [`PNCounter`] | the increments, then the decrements, each as the body of kind 1 |
//! | 3 | [`OrSet`] | its context, then the elements in ascending order, each as the element and its dots in ascending order, a dot as the position of its actor in the context's list and its counter |
//! | 4 | [`OrSetDelta`] | a form byte, then for an add (0): the element, the actor id, the counter, and the dots it replaced; for a remove (1): the element and its dots (at least one); for a clear (2): the dots removed, as a context |
//! | 5 | [`LwwRegister`] | a form byte: 0 for no write, or 1, then the timestamp, the actor id and the value |
//! | 6 | [`EnableWinsFlag`] | its context, then its enable dots |
//! | 7 | [`DisableWinsFlag`] | its context, its enable dots, then its disable dots |
//! | 8 | [`LwwMap`] | the actors its entries name, in ascending order; then the entries in ascending key order, each as the key, the timestamp, the position of its actor in that list and a form byte: 0 for a tombstone, 1 followed by the value |
//! | 9 | [`LwwMapDelta`] | the key, the timestamp, the actor id and the form byte and value as in kind 8 |
//! | 10 | [`MvRegister`] | its context, then its writes in ascending dot order, each as the position of its actor in the context's list, its counter and its value |
//!
//! The dots of a flag are a list in ascending order, each as the position
//! of its actor in the context's list and its counter; every one must be in
//! the context, and none both enables and disables.
//!
//! A *context* is the list of its actors in ascending order, each as its id,
//! its version (every counter up to it was seen) and its gaps, the counters
//! seen beyond the version + 1 (each written as its distance from the one
//! before, less one, the first measured from the version + 1). The dots of
//! a delta are a list of (actor id, counter) in ascending order.
//!
//! A counter's delta is written as the counter it stands for, with one
//! actor (on one side, for a [`PNCounterDelta`]): a receiver may read it as
//! a delta or as a state. A set's delta has its own kind, read only by
//! [`OrSetDelta::from_bytes`]; the state it stands for, `OrSet::from(delta)`,
//! is written as kind 3 (as earlier releases wrote a delta).
//!
//! With the `serde` feature every state and delta also implements
//! `Serialize` and `Deserialize`, as the same parts and checked on the way
//! in as strictly as the bytes are.
//!
//! # What a decoder accepts
//!
//! Bytes and serde input are read by one check per type, and it accepts
//! exactly the states and deltas that the crate's own operations produce:
//! merge is commutative, associative and idempotent over those, and a
//! single state outside them (a dot with counter 0, which every context
//! claims to have seen) is enough to make merges disagree. Besides the
//! canonical form (ascending order, minimal varints, no trailing bytes),
//! every input keeps the [`Invariant`]s, and one that breaks an invariant
//! is refused with [`DecodeError::BrokenInvariant`] naming it:
//!
//! * counters: no count of 0 ([`Invariant::ZeroCount`]);
//! * contexts: every actor has seen a dot ([`Invariant::EmptyClock`]);
//! * sets: every element holds a dot ([`Invariant::ElementWithoutDots`]),
//!   every dot has a counter of at least 1 ([`Invariant::ZeroDotCounter`]),
//!   is in the set's context ([`Invariant::DotOutsideContext`]) and belongs
//!   to one element ([`Invariant::SharedDot`]);
//! * set deltas: a remove or a clear names a dot ([`Invariant::EmptyDelta`]),
//!   and an add replaces only dots its actor made before
//!   ([`Invariant::ReplacedLaterDot`]);
//! * flags ([`EnableWinsFlag`], [`DisableWinsFlag`], whose deltas are
//!   flags): every dot has a counter of at least 1
//!   ([`Invariant::ZeroDotCounter`]), is in the flag's context
//!   ([`Invariant::DotOutsideContext`]), and either enables or disables
//!   ([`Invariant::DotEnablesAndDisables`]); their contexts as above;
//! * maps ([`LwwMap`]): one entry per key ([`Invariant::DuplicateKey`]);
//! * multi-value registers: every write's dot has a counter of at least 1,
//!   is in the context and is the dot of one write, as for sets; and a
//!   register that has seen a write holds one
//!   ([`Invariant::RegisterWithoutValue`]).
//!
//! An [`LwwRegister`] and an [`LwwMapDelta`] hold one write each, and any
//! write is one some operation makes: their decoders check the canonical
//! form only.
//!
//! # Limits
//!
//! * **Counts**: a count per actor is a `u64` (increments past it fail with
//!   [`CrdtError::Overflow`]); a counter's value is an exact `u128` / `i128`.
//! * **Dots**: an actor makes at most `u64::MAX` dots
//!   ([`CrdtError::DotsExhausted`] after that: take a new actor id); a set
//!   holds at most 2^32 - 1 actors and 2^32 - 1 dots beyond the first of
//!   their elements (a decoder refuses more).
//! * **Decoding memory**: a count in the bytes must fit the bytes left at
//!   the smallest encoding of what it counts (else
//!   [`DecodeError::Truncated`], before anything is reserved), at most
//!   64 KiB is reserved per list before its items are read (the actors,
//!   clocks, entries and dots of every kind, the flags' dots and the maps'
//!   actors and entries among them), and an item that breaks a rule is
//!   refused as soon as it is read. So a decoder's memory
//!   follows what the input really holds: input that fails holds no more
//!   than the items read before the failure, and a valid state needs its
//!   in-memory size — for the smallest encodings, at most about 24 bytes per
//!   input byte (an actor id or element of one byte decodes into an entry
//!   of 24 to 56 bytes).
//!
//! # Example
//!
//! ```
//! use routekit::crdt::{OrSet, OrSetDelta, PNCounter};
//!
//! let (mut a, mut b) = (OrSet::new(), OrSet::new());
//! let mut deltas = vec![a.add(&"a", "apple")?, b.add(&"b", "bread")?];
//! deltas.extend(a.remove("apple"));
//! assert!(a.remove("apple").is_none()); // gone: nothing to send
//!
//! // Every delta to every replica, backwards and twice.
//! for delta in deltas.iter().rev().chain(&deltas) {
//!     a.merge_delta(delta)?;
//!     b.merge_delta(delta)?;
//! }
//! assert_eq!(a, b);
//! assert_eq!(a.iter().collect::<Vec<_>>(), [&"bread"]);
//!
//! // Over the wire, a delta is a few bytes whatever the size of the set.
//! let mut cart = OrSet::<String, String>::new();
//! let delta = cart.add(&"eu-1".into(), "tea".into())?;
//! let bytes = delta.to_bytes();
//! assert_eq!(bytes.len(), delta.encoded_len());
//! let mut replica = OrSet::new();
//! replica.merge_delta(&OrSetDelta::from_bytes(&bytes)?)?;
//! assert_eq!(replica, cart);
//!
//! let mut stock = PNCounter::new();
//! stock.increment(&"a", 10)?;
//! stock.decrement(&"b", 3)?;
//! assert_eq!(stock.value(), 7);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod clock;
mod context;
mod counter;
mod dots;
mod error;
mod flag;
mod lwwmap;
mod mvregister;
mod orset;
mod register;
#[cfg(feature = "serde")]
mod serde;
mod wire;

pub use clock::HybridClock;
pub use context::CausalContext;
pub use counter::{GCounter, GCounterDelta, PNCounter, PNCounterDelta};
pub use error::{CrdtError, DecodeError, Invariant};
pub use flag::{DisableWinsFlag, EnableWinsFlag};
pub use lwwmap::{LwwMap, LwwMapDelta};
pub use mvregister::MvRegister;
pub use orset::{OrSet, OrSetDelta};
pub use register::LwwRegister;
pub use wire::Wire;

/// A state-based CRDT: a join-semilattice whose join is
/// [`merge`](Crdt::merge), with the delta of one mutation merged by
/// [`merge_delta`](Crdt::merge_delta).
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
/// [`Delta`](Crdt::Delta), or `None` when they changed nothing (the delta
/// law): when mutating `x` gives `x'` and the delta `d`, merging `d` into
/// `x` gives `x'`, and merging it into any replica `y` that has seen `x`
/// gives `y ⊔ x'`. A delta also converts into
/// the state it stands for (`Self::from(d)`), and merging that state has the
/// effect of merging the delta.
///
/// Each type also has inherent `merge` and `merge_delta` with its own
/// signature — the counters' return no `Result` — so the trait is for code
/// generic over CRDTs; a merge that can fail says why with
/// [`Error`](Crdt::Error).
///
/// # Example
///
/// ```
/// use routekit::crdt::{Crdt, GCounter, OrSet};
///
/// fn converge<C: Crdt>(replicas: &mut [C]) -> Result<(), C::Error> {
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
/// let Ok(()) = converge(&mut counters); // counters cannot fail to merge
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
    /// What a mutator returns to send to the other replicas:
    /// [`GCounterDelta`], [`PNCounterDelta`], [`OrSetDelta`]. It converts
    /// into the state it stands for.
    type Delta: Clone + Into<Self>;

    /// Why a merge can fail: [`Infallible`](std::convert::Infallible) for
    /// the counters, [`CrdtError`] for the [`OrSet`].
    type Error: std::error::Error + Send + Sync + 'static;

    /// Joins `other` into `self`: afterwards `self` is the least state that
    /// includes both. `other` may be a whole state, the state a delta stands
    /// for, or several deltas merged into one state.
    ///
    /// # Errors
    ///
    /// [`Self::Error`] when the two states cannot both be right (an
    /// [`OrSet`] dot names two elements: an actor id was reused); `self` is
    /// then unchanged.
    fn merge(&mut self, other: &Self) -> Result<(), Self::Error>;

    /// Joins the delta of one mutation into `self`, with the effect of
    /// merging the state the mutation produced (the delta law).
    ///
    /// # Errors
    ///
    /// As [`merge`](Crdt::merge): for an [`OrSet`] add whose dot names
    /// another element here; `self` is then unchanged.
    fn merge_delta(&mut self, delta: &Self::Delta) -> Result<(), Self::Error>;
}
