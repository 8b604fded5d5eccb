//! `serde` support (feature `serde`): the same canonical parts as the byte
//! encoding, checked by the same rules on the way in.
//!
//! * `GCounter`: a sequence of `(actor, count)` pairs in actor order.
//! * `PNCounter`: a pair `(increments, decrements)` of those.
//! * `OrSet`: a pair `(actors, elements)`: `actors` a sequence of
//!   `(actor, version, gaps)` in actor order, `elements` a sequence of
//!   `(element, dots)` in element order, each dot an `(actor position,
//!   counter)` pair.
//! * `OrSetDelta` (serialize only): as the `OrSet` it stands for; read it
//!   back as an `OrSet`.

use std::hash::Hash;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::orset::Parts;
use super::{GCounter, OrSet, OrSetDelta, PNCounter};

impl<A: Ord + Clone + Serialize> Serialize for GCounter<A> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.counts().serialize(serializer)
    }
}

impl<'de, A: Ord + Clone + Deserialize<'de>> Deserialize<'de> for GCounter<A> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let counts = Vec::<(A, u64)>::deserialize(deserializer)?;
        GCounter::from_counts(counts).map_err(D::Error::custom)
    }
}

impl<A: Ord + Clone + Serialize> Serialize for PNCounter<A> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (self.increments(), self.decrements()).serialize(serializer)
    }
}

impl<'de, A: Ord + Clone + Deserialize<'de>> Deserialize<'de> for PNCounter<A> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let (increments, decrements) = <(GCounter<A>, GCounter<A>)>::deserialize(deserializer)?;
        Ok(PNCounter::from_parts(increments, decrements))
    }
}

impl<A, T> Serialize for OrSet<A, T>
where
    A: Ord + Clone + Serialize,
    T: Ord + Hash + Clone + Serialize,
{
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let actors: Vec<(&A, u64, &[u64])> = self.canonical_actors().collect();
        let mut elements: Vec<(&T, Vec<(u32, u64)>)> = Vec::with_capacity(self.len());
        self.for_each_canonical(|value, dots| elements.push((value, dots.to_vec())));
        (actors, elements).serialize(serializer)
    }
}

impl<'de, A, T> Deserialize<'de> for OrSet<A, T>
where
    A: Ord + Clone + Deserialize<'de>,
    T: Ord + Hash + Clone + Deserialize<'de>,
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let (actors, entries) = Deserialize::deserialize(deserializer)?;
        OrSet::from_parts(Parts { actors, entries }).map_err(D::Error::custom)
    }
}

impl<A, T> Serialize for OrSetDelta<A, T>
where
    A: Ord + Clone + Serialize,
    T: Ord + Hash + Clone + Serialize,
{
    /// As the [`OrSet`] the delta stands for: read it back as one.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        OrSet::from(self.clone()).serialize(serializer)
    }
}
