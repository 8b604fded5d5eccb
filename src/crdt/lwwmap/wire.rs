//! The byte format of an [`LwwMap`] (kind 8) and an [`LwwMapDelta`]
//! (kind 9), and their serde form.
//!
//! A map is written as the actors its entries name, in ascending order,
//! then its entries in ascending key order, each as the key, the timestamp,
//! the position of its actor in that list, and a form byte: 0 for a
//! tombstone, 1 followed by the value. Each actor id is written once however
//! many keys it wrote. A delta is the key, the timestamp, the actor id and
//! the form byte and value. The reader refuses keys or actors out of order,
//! actors no entry names, positions past the list and other form bytes
//! ([`DecodeError::Invalid`]), and a key twice
//! ([`Invariant::DuplicateKey`]).

use std::cmp::Ordering;
use std::hash::Hash;

use hashbrown::HashMap;

use super::{LwwMap, LwwMapDelta, Slot};
use crate::crdt::register::Stamp;
use crate::crdt::wire::{self, Kind, Wire};
use crate::crdt::{DecodeError, Invariant};

impl<A, K, V> LwwMap<A, K, V>
where
    A: Ord + Clone + Wire,
    K: Ord + Hash + Clone + Wire,
    V: PartialEq + Clone + Wire,
{
    /// The map in the versioned byte format (kind 8, see the
    /// [module docs](crate::crdt#byte-format)). Cost: O(n log n).
    ///
    /// ```
    /// let mut map = routekit::crdt::LwwMap::<u8, u8, u8>::new();
    /// map.set(&7, 300, 1, 2)?;
    /// map.set(&7, 300, 3, 4)?;
    /// map.remove(&9, 301, &3)?;
    /// assert_eq!(
    ///     map.to_bytes(),
    ///     b"RK\x08\x01\x02\x07\x09\x02\x01\xac\x02\x00\x01\x02\x03\xad\x02\x01\x00"
    /// );
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn to_bytes(&self) -> Vec<u8> {
        let actors = self.actors();
        let mut out = Vec::with_capacity(self.len_with(&actors));
        wire::put_header(&mut out, Kind::LwwMap);
        wire::put_len(&mut out, actors.len());
        for actor in &actors {
            actor.encode_to(&mut out);
        }
        wire::put_len(&mut out, self.entries.len());
        for (key, slot) in self.sorted() {
            key.encode_to(&mut out);
            slot.stamp.timestamp.encode_to(&mut out);
            wire::put_len(&mut out, position(&actors, &slot.stamp.actor));
            put_value(&mut out, &slot.value);
        }
        debug_assert_eq!(out.len(), self.len_with(&actors));
        out
    }

    /// The length of [`to_bytes`](Self::to_bytes), computed without
    /// encoding: what a session costs to send whole. Cost: O(n log n) to
    /// list the actors.
    ///
    /// ```
    /// let mut map = routekit::crdt::LwwMap::new();
    /// map.set(&1u8, 1, String::from("theme"), String::from("dark"))?;
    /// assert_eq!(map.encoded_len(), map.to_bytes().len());
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn encoded_len(&self) -> usize {
        self.len_with(&self.actors())
    }

    /// Reads a map written by [`to_bytes`](Self::to_bytes).
    ///
    /// # Errors
    ///
    /// A [`DecodeError`] for truncated, corrupted, foreign or non-canonical
    /// bytes; [`DecodeError::BrokenInvariant`] with
    /// [`Invariant::DuplicateKey`] for two entries of one key.
    ///
    /// ```
    /// use routekit::crdt::LwwMap;
    ///
    /// let mut map = LwwMap::<u8, u8, u8>::new();
    /// map.set(&7, 3, 1, 2)?;
    /// assert_eq!(LwwMap::from_bytes(&map.to_bytes())?, map);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut input = bytes;
        wire::get_header(&mut input, Kind::LwwMap)?;
        // An actor id may encode as no bytes, but only one of a strictly
        // increasing list can, and the entry count follows: a byte each.
        let actor_count = wire::get_count_bounded(&mut input, 1)?;
        let mut actors: Vec<A> = wire::vec_for_count(actor_count);
        for _ in 0..actor_count {
            let actor = A::decode_from(&mut input)?;
            if actors.last().is_some_and(|last| *last >= actor) {
                return Err(DecodeError::Invalid {
                    what: "map actors must be strictly increasing",
                });
            }
            actors.push(actor);
        }
        let mut used = vec![false; actors.len()];
        // Every entry takes at least three bytes (its timestamp, its actor's
        // position and its form byte; a key may take none, but only one).
        let count = wire::get_count_bounded(&mut input, 3)?;
        let mut entries = HashMap::with_capacity_and_hasher(
            wire::bounded_capacity::<(K, Slot<A, V>)>(count),
            Default::default(),
        );
        let mut live = 0;
        let mut last: Option<K> = None;
        for _ in 0..count {
            let key = K::decode_from(&mut input)?;
            if let Some(last) = &last {
                check_key_order(last, &key)?;
            }
            let timestamp = wire::get_u64(&mut input)?;
            let at = usize::try_from(wire::get_u64(&mut input)?).unwrap_or(usize::MAX);
            let actor = actors.get(at).ok_or(DecodeError::Invalid {
                what: "a map entry names an actor position past the list",
            })?;
            used[at] = true;
            let value = get_value(&mut input)?;
            live += usize::from(value.is_some());
            last = Some(key.clone());
            entries.insert(key, Slot { stamp: Stamp { timestamp, actor: actor.clone() }, value });
        }
        if used.contains(&false) {
            return Err(DecodeError::Invalid { what: "every map actor must write an entry" });
        }
        wire::finish(input)?;
        Ok(LwwMap { entries, live })
    }

    /// The entries in key order.
    pub(crate) fn sorted(&self) -> Vec<(&K, &Slot<A, V>)> {
        let mut entries: Vec<_> = self.entries.iter().collect();
        entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
        entries
    }

    /// The actors of the entries, in ascending order, each once.
    fn actors(&self) -> Vec<&A> {
        let mut actors: Vec<&A> = self.entries.values().map(|slot| &slot.stamp.actor).collect();
        actors.sort_unstable();
        actors.dedup();
        actors
    }

    fn len_with(&self, actors: &[&A]) -> usize {
        let entries = self.entries.iter().map(|(key, slot)| {
            key.encoded_len()
                + slot.stamp.timestamp.encoded_len()
                + wire::len_len(position(actors, &slot.stamp.actor))
                + value_len(&slot.value)
        });
        wire::HEADER_LEN
            + wire::len_len(actors.len())
            + actors.iter().map(|actor| actor.encoded_len()).sum::<usize>()
            + wire::len_len(self.entries.len())
            + entries.sum::<usize>()
    }
}

impl<A: Ord + Clone + Wire, K: Ord + Clone + Wire, V: PartialEq + Clone + Wire>
    LwwMapDelta<A, K, V>
{
    /// The delta in the versioned byte format (kind 9). Cost: O(1) plus
    /// the key, actor and value encodings: the size of one attribute,
    /// whatever the size of the map.
    ///
    /// ```
    /// let delta = routekit::crdt::LwwMap::<u8, u8, u8>::new().set(&7, 300, 1, 2)?.expect("new");
    /// assert_eq!(delta.to_bytes(), b"RK\x09\x01\x01\xac\x02\x07\x01\x02");
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded_len());
        wire::put_header(&mut out, Kind::LwwMapDelta);
        self.key.encode_to(&mut out);
        self.slot.stamp.timestamp.encode_to(&mut out);
        self.slot.stamp.actor.encode_to(&mut out);
        put_value(&mut out, &self.slot.value);
        debug_assert_eq!(out.len(), self.encoded_len());
        out
    }

    /// The length of [`to_bytes`](Self::to_bytes), computed without
    /// encoding. Cost: O(1) plus the parts' [`Wire::encoded_len`].
    ///
    /// ```
    /// let delta = routekit::crdt::LwwMap::<u8, u8, u8>::new().set(&7, 3, 1, 2)?.expect("new");
    /// assert_eq!(delta.encoded_len(), delta.to_bytes().len());
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn encoded_len(&self) -> usize {
        wire::HEADER_LEN
            + self.key.encoded_len()
            + self.slot.stamp.timestamp.encoded_len()
            + self.slot.stamp.actor.encoded_len()
            + value_len(&self.slot.value)
    }

    /// Reads a delta written by [`to_bytes`](Self::to_bytes).
    ///
    /// # Errors
    ///
    /// A [`DecodeError`] for truncated, corrupted, foreign or non-canonical
    /// bytes.
    ///
    /// ```
    /// use routekit::crdt::{LwwMap, LwwMapDelta};
    ///
    /// let delta = LwwMap::<u8, u8, u8>::new().set(&7, 3, 1, 2)?.expect("new");
    /// assert_eq!(LwwMapDelta::from_bytes(&delta.to_bytes())?, delta);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut input = bytes;
        wire::get_header(&mut input, Kind::LwwMapDelta)?;
        let key = K::decode_from(&mut input)?;
        let timestamp = wire::get_u64(&mut input)?;
        let actor = A::decode_from(&mut input)?;
        let value = get_value(&mut input)?;
        wire::finish(input)?;
        Ok(LwwMapDelta { key, slot: Slot { stamp: Stamp { timestamp, actor }, value } })
    }
}

/// Checks that `key` may follow `last` in a map: a key twice is two entries
/// for one key, which no map holds ([`Invariant::DuplicateKey`]); a key
/// before its predecessor breaks the canonical order.
pub(crate) fn check_key_order<K: Ord>(last: &K, key: &K) -> Result<(), DecodeError> {
    match last.cmp(key) {
        Ordering::Less => Ok(()),
        Ordering::Equal => Err(Invariant::DuplicateKey.into()),
        Ordering::Greater => {
            Err(DecodeError::Invalid { what: "map keys must be strictly increasing" })
        }
    }
}

fn position<A: Ord>(actors: &[&A], actor: &A) -> usize {
    actors.binary_search(&actor).unwrap_or_else(|at| at)
}

fn put_value<V: Wire>(out: &mut Vec<u8>, value: &Option<V>) {
    match value {
        None => out.push(0),
        Some(value) => {
            out.push(1);
            value.encode_to(out);
        }
    }
}

fn value_len<V: Wire>(value: &Option<V>) -> usize {
    1 + value.as_ref().map_or(0, Wire::encoded_len)
}

fn get_value<V: Wire>(input: &mut &[u8]) -> Result<Option<V>, DecodeError> {
    match wire::take(input, 1)? {
        [0] => Ok(None),
        [1] => Ok(Some(V::decode_from(input)?)),
        _ => Err(DecodeError::Invalid { what: "a map entry's form byte must be 0 or 1" }),
    }
}

#[cfg(feature = "serde")]
mod serde_impls {
    //! `LwwMap`: a sequence of `(key, timestamp, actor, value)` in key
    //! order, `value` an option (none for a tombstone); `LwwMapDelta`: one
    //! such tuple.

    use std::hash::Hash;

    use hashbrown::HashMap;
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::{LwwMap, LwwMapDelta, Slot, Stamp};

    impl<A: Serialize, K: Ord + Serialize, V: Serialize> Serialize for LwwMap<A, K, V> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let mut entries: Vec<_> = self.entries.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            serializer.collect_seq(
                entries
                    .into_iter()
                    .map(|(k, slot)| (k, slot.stamp.timestamp, &slot.stamp.actor, &slot.value)),
            )
        }
    }

    impl<'de, A, K, V> Deserialize<'de> for LwwMap<A, K, V>
    where
        A: Deserialize<'de>,
        K: Ord + Hash + Deserialize<'de>,
        V: Deserialize<'de>,
    {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            // serde reserves a bounded capacity for a sequence of unknown
            // length, and serde_json reports none: the items read decide.
            let items = Vec::<(K, u64, A, Option<V>)>::deserialize(deserializer)?;
            for pair in items.windows(2) {
                super::check_key_order(&pair[0].0, &pair[1].0).map_err(D::Error::custom)?;
            }
            let live = items.iter().filter(|item| item.3.is_some()).count();
            let entries: HashMap<K, Slot<A, V>, _> = items
                .into_iter()
                .map(|(key, timestamp, actor, value)| {
                    (key, Slot { stamp: Stamp { timestamp, actor }, value })
                })
                .collect();
            Ok(LwwMap { entries, live })
        }
    }

    impl<A: Serialize, K: Serialize, V: Serialize> Serialize for LwwMapDelta<A, K, V> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let slot = &self.slot;
            (&self.key, slot.stamp.timestamp, &slot.stamp.actor, &slot.value).serialize(serializer)
        }
    }

    impl<'de, A: Deserialize<'de>, K: Deserialize<'de>, V: Deserialize<'de>> Deserialize<'de>
        for LwwMapDelta<A, K, V>
    {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            let (key, timestamp, actor, value) = Deserialize::deserialize(deserializer)?;
            Ok(LwwMapDelta { key, slot: Slot { stamp: Stamp { timestamp, actor }, value } })
        }
    }
}
