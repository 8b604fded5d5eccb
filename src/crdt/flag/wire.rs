//! The byte format of the flags — kind 6, [`EnableWinsFlag`]: its context,
//! then its enable dots; kind 7, [`DisableWinsFlag`]: its context, its
//! enable dots, then its disable dots — and their serde form.
//!
//! Dots are a list in ascending order, each dot as the position of its
//! actor in the context's list and its counter. The reader refuses dots out
//! of order ([`DecodeError::Invalid`]), and as
//! [`DecodeError::BrokenInvariant`] dots with counter 0, dots the context has
//! not seen (or a position past its actors) and a dot that both enables and
//! disables.

use super::dots::{Dot, FlagDots};
use super::{DisableWinsFlag, EnableWinsFlag};
use crate::crdt::context::CausalContext;
use crate::crdt::wire::{self, Kind, Wire};
use crate::crdt::{DecodeError, Invariant};

impl<A: Ord + Clone + Wire> FlagDots<A> {
    /// Appends the context, the enables and, if `with_off`, the disables.
    fn encode_to(&self, out: &mut Vec<u8>, with_off: bool) {
        self.context.encode_to(out);
        let actors: Vec<&A> = self.context.actors().collect();
        put_dots(out, &actors, &self.on);
        if with_off {
            put_dots(out, &actors, &self.off);
        }
    }

    /// The length of [`encode_to`](Self::encode_to).
    fn encoded_len(&self, with_off: bool) -> usize {
        let actors: Vec<&A> = self.context.actors().collect();
        let off = if with_off { dots_len(&actors, &self.off) } else { 0 };
        self.context.encoded_len() + dots_len(&actors, &self.on) + off
    }

    /// Reads what [`encode_to`](Self::encode_to) wrote and checks it.
    fn decode_from(input: &mut &[u8], with_off: bool) -> Result<Self, DecodeError> {
        let context = CausalContext::decode_from(input)?;
        let actors: Vec<&A> = context.actors().collect();
        let on = get_dots(input, &actors, &context)?;
        let off = if with_off { get_dots(input, &actors, &context)? } else { Vec::new() };
        FlagDots { on, off, context }.check()
    }
}

/// The position of `actor` in the context's list (every dot's actor is in
/// it: a flag's dots are all in its context).
fn position<A: Ord>(actors: &[&A], actor: &A) -> usize {
    actors.binary_search(&actor).unwrap_or_else(|at| at)
}

fn put_dots<A: Ord>(out: &mut Vec<u8>, actors: &[&A], dots: &[Dot<A>]) {
    wire::put_len(out, dots.len());
    for (actor, counter) in dots {
        wire::put_len(out, position(actors, actor));
        counter.encode_to(out);
    }
}

fn dots_len<A: Ord>(actors: &[&A], dots: &[Dot<A>]) -> usize {
    let each = dots
        .iter()
        .map(|(actor, counter)| wire::len_len(position(actors, actor)) + counter.encoded_len());
    wire::len_len(dots.len()) + each.sum::<usize>()
}

/// Reads a list of dots, each refused as soon as it is read if it is out of
/// order or not a dot of `context` (whose actors, in order, are `actors`).
fn get_dots<A: Ord + Clone>(
    input: &mut &[u8],
    actors: &[&A],
    context: &CausalContext<A>,
) -> Result<Vec<Dot<A>>, DecodeError> {
    // Every dot takes at least two bytes: its actor's position and its
    // counter, one varint each.
    let count = wire::get_count_bounded(input, 2)?;
    let mut dots: Vec<Dot<A>> = wire::vec_for_count(count);
    for _ in 0..count {
        let at = wire::get_u64(input)?;
        // A position past the context names an actor it has not seen.
        let actor = usize::try_from(at)
            .ok()
            .and_then(|at| actors.get(at))
            .ok_or(Invariant::DotOutsideContext)?;
        let counter = wire::get_u64(input)?;
        let dot = ((*actor).clone(), counter);
        if dots.last().is_some_and(|last| *last >= dot) {
            return Err(DecodeError::Invalid { what: "flag dots must be strictly increasing" });
        }
        if counter == 0 {
            return Err(Invariant::ZeroDotCounter.into());
        }
        if !context.contains(actor, counter) {
            return Err(Invariant::DotOutsideContext.into());
        }
        dots.push(dot);
    }
    Ok(dots)
}

macro_rules! flag_wire {
    ($flag:ident, $kind:expr, $with_off:expr, $number:literal) => {
        impl<A: Ord + Clone + Wire> $flag<A> {
            #[doc = concat!("The flag in the versioned byte format (kind ", $number, ", see the")]
            /// [module docs](crate::crdt#byte-format)). Cost: O(a + d).
            ///
            /// ```
            #[doc = concat!("let mut flag = routekit::crdt::", stringify!($flag), "::new();")]
            /// flag.enable(&7u8)?;
            #[doc = concat!("assert_eq!(flag.to_bytes()[..4], *b\"RK\\x0", $number, "\\x01\");")]
            /// # Ok::<(), routekit::crdt::CrdtError>(())
            /// ```
            pub fn to_bytes(&self) -> Vec<u8> {
                let mut out = Vec::with_capacity(self.encoded_len());
                wire::put_header(&mut out, $kind);
                self.dots.encode_to(&mut out, $with_off);
                debug_assert_eq!(out.len(), self.encoded_len());
                out
            }

            /// The length of [`to_bytes`](Self::to_bytes), computed without
            /// encoding. Cost: O(a + d log a).
            ///
            /// ```
            #[doc = concat!("let flag = routekit::crdt::", stringify!($flag), "::<u8>::new();")]
            /// assert_eq!(flag.encoded_len(), flag.to_bytes().len());
            /// ```
            pub fn encoded_len(&self) -> usize {
                wire::HEADER_LEN + self.dots.encoded_len($with_off)
            }

            /// Reads a flag written by [`to_bytes`](Self::to_bytes).
            ///
            /// # Errors
            ///
            /// A [`DecodeError`] for truncated, corrupted, foreign or
            /// non-canonical bytes; [`DecodeError::BrokenInvariant`] for a
            /// state no flag holds (a dot with counter 0, one its context
            /// has not seen, or one that both enables and disables).
            ///
            /// ```
            #[doc = concat!("use routekit::crdt::", stringify!($flag), ";")]
            ///
            #[doc = concat!("let mut flag = ", stringify!($flag), "::new();")]
            /// flag.enable(&7u8)?;
            #[doc = concat!("assert_eq!(", stringify!($flag), "::from_bytes(&flag.to_bytes())?, flag);")]
            /// # Ok::<(), Box<dyn std::error::Error>>(())
            /// ```
            pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
                let mut input = bytes;
                wire::get_header(&mut input, $kind)?;
                let dots = FlagDots::decode_from(&mut input, $with_off)?;
                wire::finish(input)?;
                Ok($flag { dots })
            }
        }
    };
}
flag_wire!(EnableWinsFlag, Kind::EnableWinsFlag, false, "6");
flag_wire!(DisableWinsFlag, Kind::DisableWinsFlag, true, "7");

#[cfg(feature = "serde")]
mod serde_impls {
    //! `EnableWinsFlag`: a pair `(actors, on)`; `DisableWinsFlag`: a triple
    //! `(actors, on, off)`; `actors` a sequence of `(actor, version, gaps)`
    //! in actor order, dots as `(actor, counter)` pairs in order.

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::super::dots::{Dot, FlagDots};
    use super::{DisableWinsFlag, EnableWinsFlag};
    use crate::crdt::context::CausalContext;

    type Actors<A> = Vec<(A, u64, Vec<u64>)>;

    fn actors<A: Ord>(context: &CausalContext<A>) -> Vec<(&A, u64, &[u64])> {
        context.canonical().map(|clock| (&clock.actor, clock.base, &clock.cloud[..])).collect()
    }

    fn build<A: Ord + Clone, E: serde::de::Error>(
        actors: Actors<A>,
        on: Vec<Dot<A>>,
        off: Vec<Dot<A>>,
    ) -> Result<FlagDots<A>, E> {
        let context = CausalContext::from_parts(actors).map_err(E::custom)?;
        FlagDots { on, off, context }.check().map_err(E::custom)
    }

    impl<A: Ord + Clone + Serialize> Serialize for EnableWinsFlag<A> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            (actors(&self.dots.context), &self.dots.on).serialize(serializer)
        }
    }

    impl<'de, A: Ord + Clone + Deserialize<'de>> Deserialize<'de> for EnableWinsFlag<A> {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            let (actors, on) = <(Actors<A>, Vec<Dot<A>>)>::deserialize(deserializer)?;
            Ok(EnableWinsFlag { dots: build::<A, D::Error>(actors, on, Vec::new())? })
        }
    }

    impl<A: Ord + Clone + Serialize> Serialize for DisableWinsFlag<A> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            (actors(&self.dots.context), &self.dots.on, &self.dots.off).serialize(serializer)
        }
    }

    impl<'de, A: Ord + Clone + Deserialize<'de>> Deserialize<'de> for DisableWinsFlag<A> {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            let (actors, on, off) =
                <(Actors<A>, Vec<Dot<A>>, Vec<Dot<A>>)>::deserialize(deserializer)?;
            Ok(DisableWinsFlag { dots: build::<A, D::Error>(actors, on, off)? })
        }
    }
}
