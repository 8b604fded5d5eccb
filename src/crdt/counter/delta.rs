//! The deltas of the counters: [`GCounterDelta`] and [`PNCounterDelta`].
//!
//! A counter's delta is one actor's new absolute count: the smallest state
//! that has the effect of the increment. It takes no allocation beyond the
//! clone of the actor id, and on the wire it is exactly that one-actor
//! counter, so either side may read it as a delta or as a state.

use super::{GCounter, PNCounter};
use crate::crdt::wire::{self, Kind, Wire};
use crate::crdt::{DecodeError, Invariant};

/// What one [`GCounter::increment`] changed: the actor and its new count.
///
/// Merge it into any replica with [`GCounter::merge_delta`] (O(log a)); it
/// may arrive in any order, duplicated or late, since the count is
/// absolute. [`to_bytes`](Self::to_bytes) writes it as the one-actor
/// [`GCounter`] it stands for, so [`GCounter::from_bytes`] reads it too, and
/// `GCounter::from(delta)` gives that state in memory. To send several
/// deltas as one, merge them into an empty counter and send that.
///
/// # Example
///
/// ```
/// use routekit::crdt::{GCounter, GCounterDelta};
///
/// let mut here = GCounter::new();
/// let delta = here.increment(&7u32, 3)?.unwrap();
///
/// let bytes = delta.to_bytes();
/// assert_eq!(bytes.len(), delta.encoded_len());
/// let mut there = GCounter::new();
/// there.merge_delta(&GCounterDelta::from_bytes(&bytes)?);
/// assert_eq!(there, here);
/// assert_eq!(GCounter::from_bytes(&bytes)?, GCounter::from(delta));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct GCounterDelta<A> {
    pub(super) actor: A,
    /// Never 0: an increment by 0 makes no delta.
    pub(super) count: u64,
}

impl<A> GCounterDelta<A> {
    /// The actor that incremented.
    ///
    /// Cost: O(1).
    ///
    /// ```
    /// let mut c = routekit::crdt::GCounter::new();
    /// assert_eq!(c.increment(&"a", 1)?.unwrap().actor(), &"a");
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn actor(&self) -> &A {
        &self.actor
    }

    /// The actor's count after the increment (absolute, never 0).
    ///
    /// Cost: O(1).
    ///
    /// ```
    /// let mut c = routekit::crdt::GCounter::new();
    /// c.increment(&"a", 4)?;
    /// assert_eq!(c.increment(&"a", 1)?.unwrap().count(), 5);
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn count(&self) -> u64 {
        self.count
    }

    /// A delta from parts already checked (`count` not 0).
    pub(crate) fn from_checked(actor: A, count: u64) -> Result<Self, DecodeError> {
        match count {
            0 => Err(Invariant::ZeroCount.into()),
            count => Ok(GCounterDelta { actor, count }),
        }
    }
}

impl<A: Ord + Clone> From<GCounterDelta<A>> for GCounter<A> {
    /// The one-actor counter the delta stands for: merging it has the
    /// effect of merging the delta.
    ///
    /// Cost: O(1).
    ///
    /// ```
    /// use routekit::crdt::GCounter;
    ///
    /// let mut c = GCounter::new();
    /// let delta = c.increment(&"a", 2)?.unwrap();
    /// assert_eq!(GCounter::from(delta), c);
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    fn from(delta: GCounterDelta<A>) -> Self {
        GCounter::single(delta.actor, delta.count)
    }
}

impl<A: Ord + Clone + Wire> GCounterDelta<A> {
    /// The bytes of the one-actor [`GCounter`] this delta stands for (kind
    /// 1, see the [byte format](crate::crdt#byte-format)).
    ///
    /// Cost: O(1) plus the actor's encoding.
    ///
    /// ```
    /// let mut c = routekit::crdt::GCounter::new();
    /// let delta = c.increment(&9u64, 300)?.unwrap();
    /// assert_eq!(delta.to_bytes(), b"RK\x01\x01\x01\x09\xac\x02");
    /// assert_eq!(delta.to_bytes(), c.to_bytes());
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded_len());
        wire::put_header(&mut out, Kind::GCounter);
        wire::put_len(&mut out, 1);
        self.encode_entry_to(&mut out);
        debug_assert_eq!(out.len(), self.encoded_len());
        out
    }

    /// The length of [`to_bytes`](Self::to_bytes), computed without
    /// encoding.
    ///
    /// Cost: O(1) plus the actor's [`Wire::encoded_len`].
    ///
    /// ```
    /// let mut c = routekit::crdt::GCounter::new();
    /// let delta = c.increment(&9u64, 300)?.unwrap();
    /// assert_eq!(delta.encoded_len(), 8);
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn encoded_len(&self) -> usize {
        wire::HEADER_LEN + wire::len_len(1) + self.entry_len()
    }

    /// Reads a delta written by [`to_bytes`](Self::to_bytes): the bytes of a
    /// [`GCounter`] of exactly one actor.
    ///
    /// Cost: O(1) plus the actor's decoding.
    ///
    /// # Errors
    ///
    /// A [`DecodeError`] for bytes [`GCounter::from_bytes`] refuses, and
    /// [`DecodeError::Invalid`] for a counter of no actor or of several.
    ///
    /// ```
    /// use routekit::crdt::{DecodeError, GCounter, GCounterDelta};
    ///
    /// let mut c = GCounter::new();
    /// let delta = c.increment(&1u8, 1)?.unwrap();
    /// assert_eq!(GCounterDelta::from_bytes(&delta.to_bytes())?, delta);
    /// c.increment(&2u8, 1)?;
    /// assert!(matches!(GCounterDelta::<u8>::from_bytes(&c.to_bytes()), Err(DecodeError::Invalid { .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut input = bytes;
        wire::get_header(&mut input, Kind::GCounter)?;
        let delta = match wire::get_len(&mut input)? {
            1 => Self::decode_entry_from(&mut input)?,
            _ => return Err(ONE_ACTOR),
        };
        wire::finish(input)?;
        Ok(delta)
    }

    /// Appends the actor and its count, as one entry of a counter's body.
    fn encode_entry_to(&self, out: &mut Vec<u8>) {
        self.actor.encode_to(out);
        self.count.encode_to(out);
    }

    /// The number of bytes [`encode_entry_to`](Self::encode_entry_to)
    /// appends.
    fn entry_len(&self) -> usize {
        self.actor.encoded_len() + self.count.encoded_len()
    }

    /// Reads an entry written by [`encode_entry_to`](Self::encode_entry_to).
    fn decode_entry_from(input: &mut &[u8]) -> Result<Self, DecodeError> {
        let actor = A::decode_from(input)?;
        Self::from_checked(actor, wire::get_u64(input)?)
    }
}

/// The error for a counter that is not one actor's delta.
pub(crate) const ONE_ACTOR: DecodeError =
    DecodeError::Invalid { what: "a counter delta must hold exactly one actor's count" };

/// What one [`PNCounter::increment`] or [`PNCounter::decrement`] changed:
/// the actor and its new total of increments, or of decrements.
///
/// Merge it into any replica with [`PNCounter::merge_delta`] (O(log a)), in
/// any order, duplicated or late. [`to_bytes`](Self::to_bytes) writes it as
/// the [`PNCounter`] it stands for, so [`PNCounter::from_bytes`] reads it
/// too, and `PNCounter::from(delta)` gives that state in memory.
///
/// # Example
///
/// ```
/// use routekit::crdt::{PNCounter, PNCounterDelta};
///
/// let mut here = PNCounter::new();
/// let delta = here.decrement(&"eu-1".to_string(), 3)?.unwrap();
///
/// let mut there = PNCounter::new();
/// there.merge_delta(&PNCounterDelta::<String>::from_bytes(&delta.to_bytes())?);
/// assert_eq!(there.value(), -3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PNCounterDelta<A> {
    /// The actor's new total on the side that changed.
    side: GCounterDelta<A>,
    /// Which side: the decrements (true) or the increments.
    decrement: bool,
}

impl<A> PNCounterDelta<A> {
    /// The delta of one side's change.
    pub(crate) fn new(side: GCounterDelta<A>, decrement: bool) -> Self {
        PNCounterDelta { side, decrement }
    }

    /// The changed side as a grow-only counter's delta.
    pub(crate) fn side(&self) -> &GCounterDelta<A> {
        &self.side
    }

    /// The actor that counted.
    ///
    /// Cost: O(1).
    ///
    /// ```
    /// let mut c = routekit::crdt::PNCounter::new();
    /// assert_eq!(c.decrement(&"a", 1)?.unwrap().actor(), &"a");
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn actor(&self) -> &A {
        &self.side.actor
    }

    /// The actor's new total of decrements when
    /// [`is_decrement`](Self::is_decrement), else of increments (absolute,
    /// never 0).
    ///
    /// Cost: O(1).
    ///
    /// ```
    /// let mut c = routekit::crdt::PNCounter::new();
    /// c.decrement(&"a", 2)?;
    /// c.increment(&"a", 9)?;
    /// assert_eq!(c.decrement(&"a", 1)?.unwrap().count(), 3);
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn count(&self) -> u64 {
        self.side.count
    }

    /// True for the delta of a decrement, false for that of an increment.
    ///
    /// Cost: O(1).
    ///
    /// ```
    /// let mut c = routekit::crdt::PNCounter::new();
    /// assert!(c.decrement(&"a", 1)?.unwrap().is_decrement());
    /// assert!(!c.increment(&"a", 1)?.unwrap().is_decrement());
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn is_decrement(&self) -> bool {
        self.decrement
    }
}

impl<A: Ord + Clone> From<PNCounterDelta<A>> for PNCounter<A> {
    /// The counter the delta stands for: one actor's total on one side.
    ///
    /// Cost: O(1).
    ///
    /// ```
    /// use routekit::crdt::PNCounter;
    ///
    /// let mut c = PNCounter::new();
    /// let delta = c.decrement(&"a", 2)?.unwrap();
    /// assert_eq!(PNCounter::from(delta), c);
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    fn from(delta: PNCounterDelta<A>) -> Self {
        let side = GCounter::from(delta.side);
        match delta.decrement {
            false => PNCounter::from_parts(side, GCounter::new()),
            true => PNCounter::from_parts(GCounter::new(), side),
        }
    }
}

impl<A: Ord + Clone + Wire> PNCounterDelta<A> {
    /// The bytes of the [`PNCounter`] this delta stands for (kind 2, see the
    /// [byte format](crate::crdt#byte-format)): one side holds the actor's
    /// total, the other is empty.
    ///
    /// Cost: O(1) plus the actor's encoding.
    ///
    /// ```
    /// let mut c = routekit::crdt::PNCounter::new();
    /// let delta = c.decrement(&1u8, 2)?.unwrap();
    /// assert_eq!(delta.to_bytes(), b"RK\x02\x01\x00\x01\x01\x02");
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded_len());
        wire::put_header(&mut out, Kind::PNCounter);
        for side_is_decrements in [false, true] {
            if side_is_decrements == self.decrement {
                wire::put_len(&mut out, 1);
                self.side.encode_entry_to(&mut out);
            } else {
                wire::put_len(&mut out, 0);
            }
        }
        debug_assert_eq!(out.len(), self.encoded_len());
        out
    }

    /// The length of [`to_bytes`](Self::to_bytes), computed without
    /// encoding.
    ///
    /// Cost: O(1) plus the actor's [`Wire::encoded_len`].
    ///
    /// ```
    /// let mut c = routekit::crdt::PNCounter::new();
    /// let delta = c.increment(&1u8, 2)?.unwrap();
    /// assert_eq!(delta.encoded_len(), delta.to_bytes().len());
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn encoded_len(&self) -> usize {
        wire::HEADER_LEN + wire::len_len(1) + self.side.entry_len() + wire::len_len(0)
    }

    /// Reads a delta written by [`to_bytes`](Self::to_bytes): the bytes of a
    /// [`PNCounter`] with one actor on one side and nothing on the other.
    ///
    /// Cost: O(1) plus the actor's decoding.
    ///
    /// # Errors
    ///
    /// A [`DecodeError`] for bytes [`PNCounter::from_bytes`] refuses, and
    /// [`DecodeError::Invalid`] for a counter that is not one actor's total
    /// on one side.
    ///
    /// ```
    /// use routekit::crdt::{PNCounter, PNCounterDelta};
    ///
    /// let mut c = PNCounter::new();
    /// let delta = c.increment(&1u8, 1)?.unwrap();
    /// assert_eq!(PNCounterDelta::from_bytes(&delta.to_bytes())?, delta);
    /// c.decrement(&1u8, 1)?;
    /// assert!(PNCounterDelta::<u8>::from_bytes(&c.to_bytes()).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut input = bytes;
        wire::get_header(&mut input, Kind::PNCounter)?;
        let delta = match wire::get_len(&mut input)? {
            0 => match wire::get_len(&mut input)? {
                1 => PNCounterDelta::new(GCounterDelta::decode_entry_from(&mut input)?, true),
                _ => return Err(ONE_ACTOR),
            },
            1 => {
                let side = GCounterDelta::decode_entry_from(&mut input)?;
                match wire::get_len(&mut input)? {
                    0 => PNCounterDelta::new(side, false),
                    _ => return Err(ONE_ACTOR),
                }
            }
            _ => return Err(ONE_ACTOR),
        };
        wire::finish(input)?;
        Ok(delta)
    }
}
