//! The error types of the CRDT module: one for mutations and merges, one for
//! reading bytes.

use std::convert::Infallible;

use thiserror::Error;

/// Why a mutation or a merge of a CRDT was refused.
///
/// A refused operation changes nothing: the state is exactly what it was
/// before the call. Mutations fail only at the end of a number range (a
/// count or a dot counter at `u64::MAX`); a merge fails only when the two
/// states cannot both be right ([`DotConflict`](CrdtError::DotConflict)).
/// Counters never fail to merge: their `merge` returns no `Result`.
///
/// # Example
///
/// ```
/// use routekit::crdt::{CrdtError, GCounter};
///
/// let mut hits = GCounter::new();
/// hits.increment(&"a", u64::MAX)?;
/// let err = hits.increment(&"a", 1).unwrap_err();
/// assert!(matches!(err, CrdtError::Overflow { count: u64::MAX, by: 1, .. }));
/// assert_eq!(hits.value(), u128::from(u64::MAX)); // unchanged
/// # Ok::<(), CrdtError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum CrdtError {
    /// An increment would take an actor's count past `u64::MAX`.
    #[error(
        "incrementing a count of {count} by {by} would exceed u64::MAX: \
         use another actor id for further increments"
    )]
    #[non_exhaustive]
    Overflow {
        /// The actor's count before the increment.
        count: u64,
        /// The rejected increment.
        by: u64,
    },
    /// An actor has used every dot counter up to `u64::MAX`.
    #[error("the actor has used all 2^64 - 1 dot counters: use another actor id")]
    DotsExhausted,
    /// The same dot (actor id and counter) names two different elements:
    /// two replicas used one actor id at the same time.
    #[error(
        "dot {counter} of one actor names two different elements: two replicas \
         used the same actor id (an actor id must be unique per replica incarnation)"
    )]
    #[non_exhaustive]
    DotConflict {
        /// The counter of the reused dot.
        counter: u64,
    },
    /// Two different values were written with the same timestamp by the
    /// same actor: two replicas used one actor id, or a caller reused a
    /// timestamp for a different write.
    #[error(
        "two different values were written at timestamp {timestamp} by one actor: \
         give every write a fresh timestamp (a HybridClock does) and every replica \
         its own actor id"
    )]
    #[non_exhaustive]
    WriteConflict {
        /// The timestamp both writes carry.
        timestamp: u64,
    },
    /// A [`HybridClock`](super::HybridClock) has reached `u64::MAX`.
    #[error("the hybrid clock has reached u64::MAX: it observed a timestamp from a broken clock")]
    ClockExhausted,
    /// A timestamp received from another replica is further ahead of the
    /// local wall clock than the [`HybridClock`](super::HybridClock) allows.
    #[error(
        "a received timestamp is {ahead_millis} ms ahead of the wall clock, more than \
         the allowed {max_drift_millis} ms: fix the sender's clock or raise the maximum drift"
    )]
    #[non_exhaustive]
    ClockDrift {
        /// How far the timestamp is ahead, in milliseconds.
        ahead_millis: u64,
        /// The clock's maximum drift, in milliseconds.
        max_drift_millis: u64,
    },
}

impl From<Invariant> for DecodeError {
    /// The error of input that breaks `invariant`.
    ///
    /// ```
    /// use routekit::crdt::{DecodeError, Invariant};
    ///
    /// let err = DecodeError::from(Invariant::SharedDot);
    /// assert!(matches!(err, DecodeError::BrokenInvariant { invariant: Invariant::SharedDot, .. }));
    /// ```
    fn from(invariant: Invariant) -> Self {
        DecodeError::BrokenInvariant { invariant }
    }
}

impl From<Infallible> for CrdtError {
    /// Lets code generic over [`Crdt`](super::Crdt) use `?` on the merges
    /// of types that cannot fail (whose `Error` is [`Infallible`]) in a
    /// function that returns `CrdtError`.
    ///
    /// ```
    /// use routekit::crdt::{Crdt, CrdtError, GCounter};
    ///
    /// fn join_all<C: Crdt>(states: &[C]) -> Result<C, CrdtError>
    /// where
    ///     CrdtError: From<C::Error>,
    /// {
    ///     let mut all = C::default();
    ///     for state in states {
    ///         Crdt::merge(&mut all, state)?;
    ///     }
    ///     Ok(all)
    /// }
    ///
    /// let mut a = GCounter::new();
    /// a.increment(&1u8, 2)?;
    /// assert_eq!(join_all(&[a.clone(), a])?.value(), 2);
    /// # Ok::<(), CrdtError>(())
    /// ```
    fn from(never: Infallible) -> Self {
        match never {}
    }
}

/// Why bytes could not be read back as a CRDT state or delta.
///
/// Corrupted, truncated, foreign or non-canonical input is always an error,
/// never a panic and never a silently different state. The same errors
/// come back, as the deserializer's error, from the `serde` impls.
///
/// # Example
///
/// ```
/// use routekit::crdt::{DecodeError, GCounter};
///
/// let mut hits = GCounter::new();
/// hits.increment(&7u64, 3)?;
/// let bytes = hits.to_bytes();
/// assert_eq!(GCounter::<u64>::from_bytes(&bytes)?, hits);
/// assert_eq!(
///     GCounter::<u64>::from_bytes(&bytes[..bytes.len() - 1]),
///     Err(DecodeError::Truncated)
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The input ended in the middle of a value, or a length in it counts
    /// more items than there are bytes left.
    #[error("the input ended early: the bytes are truncated")]
    Truncated,
    /// The input does not start with routekit's CRDT magic bytes `RK`.
    #[error("the input does not start with the magic bytes \"RK\": not a routekit CRDT encoding")]
    BadMagic,
    /// The input holds another kind of CRDT encoding than the one asked for.
    #[error("the input encodes kind {found}, not {expected}")]
    #[non_exhaustive]
    WrongKind {
        /// The kind that was asked for (`"GCounter"`, `"PNCounter"`,
        /// `"OrSet"`, `"OrSetDelta"`).
        expected: &'static str,
        /// The kind the input holds.
        found: &'static str,
    },
    /// The kind byte names no kind this release knows (a newer release's
    /// kind, or damage).
    #[error("kind byte {found} is not a CRDT kind this release reads: expected {expected}")]
    #[non_exhaustive]
    UnknownKind {
        /// The kind that was asked for.
        expected: &'static str,
        /// The kind byte found.
        found: u8,
    },
    /// The format version is not one this release reads.
    #[error("format version {found} is not supported: this release reads version {supported}")]
    #[non_exhaustive]
    UnsupportedVersion {
        /// The version byte found.
        found: u8,
        /// The version this release reads and writes.
        supported: u8,
    },
    /// A variable-length integer is longer than needed or does not fit.
    #[error("a variable-length integer is overlong or does not fit in {bits} bits")]
    #[non_exhaustive]
    BadVarint {
        /// The width of the integer that was being read.
        bits: u32,
    },
    /// A string element or actor id is not valid UTF-8.
    #[error("a string is not valid UTF-8")]
    BadUtf8,
    /// The input is well formed but describes a state or delta that no
    /// sequence of this crate's operations produces; merging it would break
    /// the merge laws, so it is refused. `invariant` names the rule.
    #[error("the input breaks an invariant of every state: {invariant}")]
    #[non_exhaustive]
    BrokenInvariant {
        /// The invariant the input breaks.
        invariant: Invariant,
    },
    /// The bytes parse but break a rule of the format; `what` names the rule.
    #[error("invalid encoding: {what}")]
    #[non_exhaustive]
    Invalid {
        /// The rule that was broken.
        what: &'static str,
    },
    /// Bytes follow the end of the encoded value.
    #[error("{count} unexpected bytes follow the encoded value")]
    #[non_exhaustive]
    TrailingBytes {
        /// How many bytes were left over.
        count: usize,
    },
}

/// A rule every CRDT state and delta the crate's operations produce keeps,
/// and that the decoders (bytes and serde) check on the way in: what a
/// [`DecodeError::BrokenInvariant`] names.
///
/// Merge is commutative, associative and idempotent over the states that
/// keep all of these; a state that breaks one (a dot with counter 0, which
/// every context claims to have seen, or a dot the set's own context has
/// not seen) makes merges disagree with each other, so no decoder accepts
/// one.
///
/// # Example
///
/// ```
/// use routekit::crdt::{DecodeError, GCounter, Invariant};
///
/// // One actor (1) with a count of 0: no increment leaves that behind.
/// assert!(matches!(
///     GCounter::<u8>::from_bytes(b"RK\x01\x01\x01\x01\x00"),
///     Err(DecodeError::BrokenInvariant { invariant: Invariant::ZeroCount, .. })
/// ));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Error)]
#[non_exhaustive]
pub enum Invariant {
    /// A counter holds an entry only for an actor that incremented it: no
    /// count (nor a counter delta's count) is 0.
    #[error("a counter entry is at least 1 (an actor that never incremented has no entry)")]
    ZeroCount,
    /// Actors number their dots from 1: no dot has counter 0.
    #[error("a dot counter is at least 1 (actors number their dots from 1)")]
    ZeroDotCounter,
    /// Every actor in a causal context has seen at least one dot.
    #[error("every actor of a causal context has seen at least one dot")]
    EmptyClock,
    /// Every element of a set holds at least one dot.
    #[error("every element of a set holds at least one dot")]
    ElementWithoutDots,
    /// Every dot an element of a set, or a flag, holds was seen by its
    /// causal context (and names one of its actors).
    #[error("every dot a set's element or a flag holds is in its causal context")]
    DotOutsideContext,
    /// A dot belongs to one element only.
    #[error("a dot belongs to one element only")]
    SharedDot,
    /// A remove's or a clear's delta names at least one dot.
    #[error("a remove's or a clear's delta names at least one dot")]
    EmptyDelta,
    /// An add replaces only dots its actor made before the new one.
    #[error("an add replaces only dots its own actor made before the new dot")]
    ReplacedLaterDot,
    /// A multi-value register that has seen a write holds at least one
    /// value: the latest writes it has seen are never taken away.
    #[error("a multi-value register that has seen a write holds at least one value")]
    RegisterWithoutValue,
    /// A flag's dot was made by an enable or by a disable, never both: no
    /// dot of a [`DisableWinsFlag`](super::DisableWinsFlag) is among both
    /// its enables and its disables.
    #[error("a flag's dot either enables or disables, never both")]
    DotEnablesAndDisables,
    /// A map holds one entry (a value or a tombstone) per key: no key of an
    /// [`LwwMap`](super::LwwMap) comes twice.
    #[error("a map holds one entry per key")]
    DuplicateKey,
}
