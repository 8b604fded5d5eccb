//! The delta an [`OrSet`] mutation returns, [`OrSetDelta`], and its byte
//! format (kind 4).

use std::hash::Hash;

use super::OrSet;
use crate::crdt::context::CausalContext;
use crate::crdt::dots::{Dot, Entry};
use crate::crdt::wire::{self, Kind, Wire};
use crate::crdt::{DecodeError, Invariant};

/// What one [`OrSet`] mutation changed, to send to the other replicas.
///
/// [`OrSet::add`] and [`OrSet::remove`] return one that names the element
/// and its dots, and takes no allocation for an add of a new element (none
/// beyond cloning the element and the actor id); [`OrSet::clear`] returns the
/// dots the set held. Merge one into any replica with
/// [`OrSet::merge_delta`]: it has the same effect as merging the whole
/// mutated state (m(X) = X ⊔ mδ(X)), costs O(1) expected for an add or a
/// remove, and may arrive in any order, duplicated, or re-sent after a loss.
///
/// On the wire, [`to_bytes`](Self::to_bytes) writes the mutation itself
/// (kind 4 of the [byte format](crate::crdt#byte-format)), and the receiver
/// reads it back with [`from_bytes`](Self::from_bytes) and merges it through
/// the same O(1) path. `OrSet::from(delta)` gives the small state the delta
/// stands for (the element with its new dot, and a causal context of that
/// dot and the dots it took away); to send several deltas as one, merge
/// them into an empty set and send that state.
///
/// # Example
///
/// ```
/// use routekit::crdt::{OrSet, OrSetDelta};
///
/// let (mut here, mut there) = (OrSet::new(), OrSet::new());
/// let add = here.add(&1u32, String::from("tea"))?;
/// let remove = here.remove("tea").unwrap();
///
/// // In memory: merge the deltas, in any order.
/// there.merge_delta(&remove)?;
/// there.merge_delta(&add)?;
/// assert_eq!(there, here);
///
/// // Over the wire: the same deltas, read back from their bytes.
/// let mut far = OrSet::new();
/// for bytes in [add.to_bytes(), remove.to_bytes()] {
///     far.merge_delta(&OrSetDelta::from_bytes(&bytes)?)?;
/// }
/// assert_eq!(far, here);
///
/// // Batched: deltas merged into an empty set make one state to send.
/// let mut batch = OrSet::new();
/// batch.merge_delta(&add)?;
/// batch.merge_delta(&remove)?;
/// let mut late = OrSet::new();
/// late.merge(&OrSet::from_bytes(&batch.to_bytes())?)?;
/// assert_eq!(late, here);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct OrSetDelta<A, T> {
    pub(crate) change: Change<A, T>,
}

/// The forms a delta takes. Dot lists are sorted by actor, then counter
/// (the mutators sort them; they hold one dot unless adds of the element
/// were concurrent), so equal deltas look equal and encode alike.
#[derive(Clone, Debug)]
pub(crate) enum Change<A, T> {
    /// `value` gained the dot (`actor`, `counter`), which replaced the dots
    /// `replaced` it had before.
    Add { value: T, actor: A, counter: u64, replaced: Vec<(A, u64)> },
    /// `value`, which had the dots `dots` (at least one), was removed.
    Remove { value: T, dots: Vec<(A, u64)> },
    /// Every dot in `dots` (at least one) was removed, wherever it was.
    Clear { dots: CausalContext<A> },
}

/// The form bytes of kind 4.
const ADD: u8 = 0;
const REMOVE: u8 = 1;
const CLEAR: u8 = 2;

impl<A: Ord, T> OrSetDelta<A, T> {
    /// The delta of `change` read from outside (bytes or serde), checked
    /// against every rule the deltas the set makes keep: counters from 1,
    /// dot lists strictly increasing, a remove or a clear naming at least
    /// one dot, an add replacing only dots its actor made before it.
    pub(crate) fn from_change_checked(change: Change<A, T>) -> Result<Self, DecodeError> {
        let dots = match &change {
            Change::Add { actor, counter, replaced, .. } => {
                if *counter == 0 {
                    return Err(Invariant::ZeroDotCounter.into());
                }
                if replaced.iter().any(|(a, c)| a == actor && c >= counter) {
                    return Err(Invariant::ReplacedLaterDot.into());
                }
                replaced
            }
            Change::Remove { dots, .. } => {
                if dots.is_empty() {
                    return Err(Invariant::EmptyDelta.into());
                }
                dots
            }
            Change::Clear { dots } => {
                if dots.actor_count() == 0 {
                    return Err(Invariant::EmptyDelta.into());
                }
                return Ok(OrSetDelta { change });
            }
        };
        if dots.iter().any(|&(_, counter)| counter == 0) {
            return Err(Invariant::ZeroDotCounter.into());
        }
        if dots.windows(2).any(|w| w[0] >= w[1]) {
            return Err(DecodeError::Invalid {
                what: "a delta's dots must be strictly increasing",
            });
        }
        Ok(OrSetDelta { change })
    }
}

impl<A: Ord, T: Eq> PartialEq for OrSetDelta<A, T> {
    /// Equal when they are the same mutation: the same form, element and
    /// dots.
    fn eq(&self, other: &Self) -> bool {
        match (&self.change, &other.change) {
            (
                Change::Add { value, actor, counter, replaced },
                Change::Add { value: v, actor: a, counter: c, replaced: r },
            ) => value == v && actor == a && counter == c && replaced == r,
            (Change::Remove { value, dots }, Change::Remove { value: v, dots: d }) => {
                value == v && dots == d
            }
            (Change::Clear { dots }, Change::Clear { dots: d }) => dots == d,
            _ => false,
        }
    }
}

impl<A: Ord, T: Eq> Eq for OrSetDelta<A, T> {}

impl<A: Ord + Clone, T: Ord + Hash + Clone> From<OrSetDelta<A, T>> for OrSet<A, T> {
    /// The state the delta stands for: merging it with [`OrSet::merge`]
    /// has the effect of merging the delta.
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
        let mut set = OrSet::new();
        let cover = |context: &mut CausalContext<A>, dots: &[(A, u64)]| {
            for (actor, counter) in dots {
                let actor = context.intern(actor);
                context.insert_at(actor, *counter);
            }
        };
        match delta.change {
            Change::Add { value, actor, counter, replaced } => {
                cover(&mut set.context, &replaced);
                let actor = set.context.intern(&actor);
                set.context.insert_at(actor, counter);
                set.insert_new(Entry::new(value, Dot { actor, counter }));
            }
            Change::Remove { dots, .. } => cover(&mut set.context, &dots),
            Change::Clear { dots } => set.context = dots,
        }
        set
    }
}

impl<A: Ord + Clone + Wire, T: Ord + Hash + Clone + Wire> OrSetDelta<A, T> {
    /// The versioned bytes of this mutation (kind 4 of the
    /// [byte format](crate::crdt#byte-format)): deterministic, and about the
    /// size of the element and its dots, whatever the size of the set.
    ///
    /// Cost: O(d) for d dots (for a clear: in its actors and gaps), plus
    /// encoding the element and the actor ids.
    ///
    /// ```
    /// use routekit::crdt::OrSet;
    ///
    /// let mut set = OrSet::new();
    /// let delta = set.add(&1u8, 42u64)?;
    /// // Header, "add", the element, the actor, the counter, nothing replaced.
    /// assert_eq!(delta.to_bytes(), b"RK\x04\x01\x00\x2a\x01\x01\x00");
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded_len());
        wire::put_header(&mut out, Kind::OrSetDelta);
        match &self.change {
            Change::Add { value, actor, counter, replaced } => {
                out.push(ADD);
                value.encode_to(&mut out);
                actor.encode_to(&mut out);
                counter.encode_to(&mut out);
                put_dots(&mut out, replaced);
            }
            Change::Remove { value, dots } => {
                out.push(REMOVE);
                value.encode_to(&mut out);
                put_dots(&mut out, dots);
            }
            Change::Clear { dots } => {
                out.push(CLEAR);
                dots.encode_to(&mut out);
            }
        }
        debug_assert_eq!(out.len(), self.encoded_len());
        out
    }

    /// The length of [`to_bytes`](Self::to_bytes), computed without
    /// encoding.
    ///
    /// Cost: O(d) for d dots, plus the [`Wire::encoded_len`] of the element
    /// and the actors.
    ///
    /// ```
    /// use routekit::crdt::OrSet;
    ///
    /// let mut set = OrSet::new();
    /// let delta = set.add(&1u8, String::from("tea"))?;
    /// assert_eq!(delta.encoded_len(), delta.to_bytes().len());
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn encoded_len(&self) -> usize {
        let body = match &self.change {
            Change::Add { value, actor, counter, replaced } => {
                value.encoded_len()
                    + actor.encoded_len()
                    + counter.encoded_len()
                    + dots_len(replaced)
            }
            Change::Remove { value, dots } => value.encoded_len() + dots_len(dots),
            Change::Clear { dots } => dots.encoded_len(),
        };
        wire::HEADER_LEN + 1 + body
    }

    /// Reads a delta written by [`to_bytes`](Self::to_bytes).
    ///
    /// Cost: O(d) for d dots (for a clear: in its actors and gaps), plus
    /// decoding the element and the actor ids.
    ///
    /// # Errors
    ///
    /// A [`DecodeError`] for truncated, corrupted, foreign or non-canonical
    /// bytes; [`DecodeError::BrokenInvariant`] for bytes that no mutation
    /// makes (a remove of no dot, an add replacing a later dot of its own
    /// actor, a dot with counter 0). A set's bytes are not a
    /// delta: read them with [`OrSet::from_bytes`].
    ///
    /// ```
    /// use routekit::crdt::{DecodeError, OrSet, OrSetDelta};
    ///
    /// let mut set = OrSet::new();
    /// set.add(&1u8, 7u32)?;
    /// let delta = set.remove(&7).unwrap();
    /// assert_eq!(OrSetDelta::from_bytes(&delta.to_bytes())?, delta);
    /// assert!(matches!(
    ///     OrSetDelta::<u8, u32>::from_bytes(&set.to_bytes()),
    ///     Err(DecodeError::WrongKind { expected: "OrSetDelta", found: "OrSet", .. })
    /// ));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut input = bytes;
        wire::get_header(&mut input, Kind::OrSetDelta)?;
        let change = match wire::take(&mut input, 1)?[0] {
            ADD => Change::Add {
                value: T::decode_from(&mut input)?,
                actor: A::decode_from(&mut input)?,
                counter: wire::get_u64(&mut input)?,
                replaced: get_dots(&mut input)?,
            },
            REMOVE => {
                Change::Remove { value: T::decode_from(&mut input)?, dots: get_dots(&mut input)? }
            }
            CLEAR => Change::Clear { dots: CausalContext::decode_from(&mut input)? },
            _ => {
                return Err(DecodeError::Invalid {
                    what: "a set delta's form byte must be 0 (add), 1 (remove) or 2 (clear)",
                });
            }
        };
        wire::finish(input)?;
        Self::from_change_checked(change)
    }
}

/// Appends a dot list: its length, then each dot's actor id and counter.
fn put_dots<A: Wire>(out: &mut Vec<u8>, dots: &[(A, u64)]) {
    wire::put_len(out, dots.len());
    for (actor, counter) in dots {
        actor.encode_to(out);
        counter.encode_to(out);
    }
}

/// The number of bytes [`put_dots`] appends.
fn dots_len<A: Wire>(dots: &[(A, u64)]) -> usize {
    let each = dots.iter().map(|(actor, counter)| actor.encoded_len() + counter.encoded_len());
    wire::len_len(dots.len()) + each.sum::<usize>()
}

/// Reads a dot list written by [`put_dots`] (checked by the caller).
fn get_dots<A: Wire>(input: &mut &[u8]) -> Result<Vec<(A, u64)>, DecodeError> {
    // A dot is at least its counter (an actor id may take no bytes).
    let len = wire::get_count_bounded(input, 1)?;
    let mut dots = wire::vec_for_count(len);
    for _ in 0..len {
        dots.push((A::decode_from(input)?, wire::get_u64(input)?));
    }
    Ok(dots)
}
