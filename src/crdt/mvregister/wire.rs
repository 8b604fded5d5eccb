//! The byte format (kind 10) and serde form of an [`MvRegister`]: its
//! context, then its writes in ascending dot order, each as the position of
//! its actor in the context's list, its counter and its value.
//!
//! The readers refuse what no operation produces: a write whose dot the
//! context has not seen or whose counter is 0, two writes with one dot,
//! and a register that has seen a write but holds none.

use std::cmp::Ordering;

use super::{MvRegister, Write};
use crate::crdt::context::CausalContext;
use crate::crdt::wire::{self, Kind, Wire};
use crate::crdt::{DecodeError, Invariant};

/// Checks one write read from outside against the context and the write
/// before it: a counter of at least 1, a dot the context has seen, dots
/// strictly ascending.
fn check_write<A: Ord, T>(
    context: &CausalContext<A>,
    previous: Option<&Write<A, T>>,
    write: &Write<A, T>,
) -> Result<(), DecodeError> {
    if write.counter == 0 {
        return Err(Invariant::ZeroDotCounter.into());
    }
    if !context.contains(&write.actor, write.counter) {
        return Err(Invariant::DotOutsideContext.into());
    }
    match previous.map(|previous| previous.dot_cmp(write)) {
        Some(Ordering::Equal) => Err(Invariant::SharedDot.into()),
        Some(Ordering::Greater) => {
            Err(DecodeError::Invalid { what: "register writes must be in ascending dot order" })
        }
        _ => Ok(()),
    }
}

/// Checks what a whole register keeps once its writes are read: one that
/// has seen a write holds one.
fn check_register<A, T>(register: MvRegister<A, T>) -> Result<MvRegister<A, T>, DecodeError> {
    if register.writes.is_empty() && register.context.actor_count() != 0 {
        return Err(Invariant::RegisterWithoutValue.into());
    }
    Ok(register)
}

impl<A: Ord + Clone + Wire, T: PartialEq + Clone + Wire> MvRegister<A, T> {
    /// The register in the versioned byte format (kind 10, see the
    /// [module docs](crate::crdt#byte-format)). Cost: O(a + w log a) plus
    /// the values' encodings.
    ///
    /// ```
    /// let mut register = routekit::crdt::MvRegister::new();
    /// register.set(&7u8, String::from("dark"))?;
    /// assert_eq!(register.to_bytes(), b"RK\x0a\x01\x01\x07\x01\x00\x01\x00\x01\x04dark");
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded_len());
        wire::put_header(&mut out, Kind::MvRegister);
        self.context.encode_to(&mut out);
        let actors: Vec<&A> = self.context.actors().collect();
        wire::put_len(&mut out, self.writes.len());
        for write in &self.writes {
            wire::put_len(&mut out, position(&actors, &write.actor));
            write.counter.encode_to(&mut out);
            write.value.encode_to(&mut out);
        }
        debug_assert_eq!(out.len(), self.encoded_len());
        out
    }

    /// The length of [`to_bytes`](Self::to_bytes), computed without
    /// encoding: for "is this session getting too big" metrics. Cost:
    /// O(a + w log a) plus the values' [`Wire::encoded_len`].
    ///
    /// ```
    /// let mut register = routekit::crdt::MvRegister::new();
    /// register.set(&1u8, 5u32)?;
    /// assert_eq!(register.encoded_len(), register.to_bytes().len());
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn encoded_len(&self) -> usize {
        let actors: Vec<&A> = self.context.actors().collect();
        let writes = self.writes.iter().map(|write| {
            wire::len_len(position(&actors, &write.actor))
                + write.counter.encoded_len()
                + write.value.encoded_len()
        });
        wire::HEADER_LEN
            + self.context.encoded_len()
            + wire::len_len(self.writes.len())
            + writes.sum::<usize>()
    }

    /// Reads a register written by [`to_bytes`](Self::to_bytes).
    ///
    /// # Errors
    ///
    /// A [`DecodeError`] for truncated, corrupted, foreign or non-canonical
    /// bytes, or a state no register holds
    /// ([`DecodeError::BrokenInvariant`]).
    ///
    /// ```
    /// use routekit::crdt::{DecodeError, Invariant, MvRegister};
    ///
    /// let mut register = MvRegister::new();
    /// register.set(&1u8, 42u32)?;
    /// assert_eq!(MvRegister::from_bytes(&register.to_bytes())?, register);
    ///
    /// // Actor 1 has seen dot 1, yet no value survives: no write does that.
    /// assert!(matches!(
    ///     MvRegister::<u8, u32>::from_bytes(b"RK\x0a\x01\x01\x01\x01\x00\x00"),
    ///     Err(DecodeError::BrokenInvariant { invariant: Invariant::RegisterWithoutValue, .. })
    /// ));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut input = bytes;
        wire::get_header(&mut input, Kind::MvRegister)?;
        let context = CausalContext::<A>::decode_from(&mut input)?;
        // A write is at least its actor position and its counter (a value
        // may take no bytes).
        let count = wire::get_count_bounded(&mut input, 2)?;
        let mut writes: Vec<Write<A, T>> = wire::vec_for_count(count);
        {
            let actors: Vec<&A> = context.actors().collect();
            for _ in 0..count {
                let at = wire::get_u64(&mut input)?;
                let actor = usize::try_from(at)
                    .ok()
                    .and_then(|at| actors.get(at))
                    .ok_or(Invariant::DotOutsideContext)?;
                let counter = wire::get_u64(&mut input)?;
                let write =
                    Write { actor: (*actor).clone(), counter, value: T::decode_from(&mut input)? };
                check_write(&context, writes.last(), &write)?;
                writes.push(write);
            }
        }
        wire::finish(input)?;
        check_register(MvRegister { writes, context })
    }
}

/// The position of `actor` in the context's list (every write's actor is
/// in it: a register's dots are all in its context).
fn position<A: Ord>(actors: &[&A], actor: &A) -> usize {
    actors.binary_search(&actor).unwrap_or_else(|at| at)
}

#[cfg(feature = "serde")]
mod serde_impls {
    //! A pair `(actors, writes)`: `actors` a sequence of `(actor, version,
    //! gaps)` in actor order, as for the flags and the set; `writes` a
    //! sequence of `(actor, counter, value)` in ascending dot order.

    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::{MvRegister, Write, check_register, check_write};
    use crate::crdt::context::CausalContext;

    type Actors<A> = Vec<(A, u64, Vec<u64>)>;

    impl<A: Ord + Serialize, T: Serialize> Serialize for MvRegister<A, T> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let actors: Vec<(&A, u64, &[u64])> = self
                .context
                .canonical()
                .map(|clock| (&clock.actor, clock.base, &clock.cloud[..]))
                .collect();
            let writes: Vec<(&A, u64, &T)> =
                self.writes.iter().map(|w| (&w.actor, w.counter, &w.value)).collect();
            (actors, writes).serialize(serializer)
        }
    }

    impl<'de, A, T> Deserialize<'de> for MvRegister<A, T>
    where
        A: Ord + Clone + Deserialize<'de>,
        T: Deserialize<'de>,
    {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            let (actors, parts) = <(Actors<A>, Vec<(A, u64, T)>)>::deserialize(deserializer)?;
            let context = CausalContext::from_parts(actors).map_err(D::Error::custom)?;
            let mut writes: Vec<Write<A, T>> = Vec::with_capacity(parts.len());
            for (actor, counter, value) in parts {
                let write = Write { actor, counter, value };
                check_write(&context, writes.last(), &write).map_err(D::Error::custom)?;
                writes.push(write);
            }
            check_register(MvRegister { writes, context }).map_err(D::Error::custom)
        }
    }
}
