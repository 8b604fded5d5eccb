//! `serde` support (feature `serde`): the same canonical parts as the byte
//! encoding, checked by the same rules on the way in.
//!
//! * `GCounter`: a sequence of `(actor, count)` pairs in actor order.
//! * `PNCounter`: a pair `(increments, decrements)` of those.
//! * `GCounterDelta`, `PNCounterDelta`: as the counter they stand for (one
//!   actor's pair), so either side may read them as a delta or a state.
//! * `OrSet`: a pair `(actors, elements)`: `actors` a sequence of
//!   `(actor, version, gaps)` in actor order, `elements` a sequence of
//!   `(element, dots)` in element order, each dot an `(actor position,
//!   counter)` pair.
//! * `OrSetDelta`: an enum `OrSetDelta` with the newtype variants
//!   `Add((element, actor, counter, replaced))`, `Remove((element, dots))`
//!   and `Clear(actors)`, dots as `(actor, counter)` pairs in order and
//!   `actors` as in `OrSet`.

use std::fmt;
use std::hash::Hash;

use serde::de::{self, EnumAccess, Error as _, Unexpected, VariantAccess, Visitor};
use serde::ser::SerializeSeq;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::context::CausalContext;
use super::counter::ONE_ACTOR;
use super::orset::Change;
use super::{GCounter, GCounterDelta, OrSet, OrSetDelta, PNCounter, PNCounterDelta};

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

/// One actor's count as the counter it stands for: a sequence of one pair.
struct OneCount<'a, A>(Option<&'a GCounterDelta<A>>);

impl<A: Serialize> Serialize for OneCount<'_, A> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(usize::from(self.0.is_some())))?;
        if let Some(delta) = self.0 {
            seq.serialize_element(&(delta.actor(), delta.count()))?;
        }
        seq.end()
    }
}

/// Reads one actor's count from the pairs of a counter.
fn one_count<A, E: de::Error>(counts: Vec<(A, u64)>) -> Result<Option<GCounterDelta<A>>, E> {
    let mut counts = counts.into_iter();
    match (counts.next(), counts.next()) {
        (None, _) => Ok(None),
        (Some((actor, count)), None) => {
            GCounterDelta::from_checked(actor, count).map(Some).map_err(E::custom)
        }
        (Some(_), Some(_)) => Err(E::custom(ONE_ACTOR)),
    }
}

impl<A: Serialize> Serialize for GCounterDelta<A> {
    /// As the one-actor [`GCounter`] the delta stands for.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        OneCount(Some(self)).serialize(serializer)
    }
}

impl<'de, A: Deserialize<'de>> Deserialize<'de> for GCounterDelta<A> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let counts = Vec::<(A, u64)>::deserialize(deserializer)?;
        one_count(counts)?.ok_or_else(|| D::Error::custom(ONE_ACTOR))
    }
}

impl<A: Serialize> Serialize for PNCounterDelta<A> {
    /// As the [`PNCounter`] the delta stands for.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (up, down) = match self.is_decrement() {
            false => (Some(self.side()), None),
            true => (None, Some(self.side())),
        };
        (OneCount(up), OneCount(down)).serialize(serializer)
    }
}

impl<'de, A: Deserialize<'de>> Deserialize<'de> for PNCounterDelta<A> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let (up, down) = <(Vec<(A, u64)>, Vec<(A, u64)>)>::deserialize(deserializer)?;
        match (one_count(up)?, one_count(down)?) {
            (Some(up), None) => Ok(PNCounterDelta::new(up, false)),
            (None, Some(down)) => Ok(PNCounterDelta::new(down, true)),
            _ => Err(D::Error::custom(ONE_ACTOR)),
        }
    }
}

/// A context's actors in canonical order, as serde sees them.
fn actors<A: Ord>(context: &CausalContext<A>) -> Vec<(&A, u64, &[u64])> {
    context.canonical().map(|clock| (&clock.actor, clock.base, &clock.cloud[..])).collect()
}

impl<A, T> Serialize for OrSet<A, T>
where
    A: Ord + Clone + Serialize,
    T: Ord + Hash + Clone + Serialize,
{
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut elements: Vec<(&T, Vec<(u32, u64)>)> = Vec::with_capacity(self.len());
        self.for_each_canonical(|value, dots| elements.push((value, dots.to_vec())));
        (actors(self.context()), elements).serialize(serializer)
    }
}

impl<'de, A, T> Deserialize<'de> for OrSet<A, T>
where
    A: Ord + Clone + Deserialize<'de>,
    T: Ord + Hash + Clone + Deserialize<'de>,
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let (actors, elements) = Deserialize::deserialize(deserializer)?;
        let context = CausalContext::from_parts(actors).map_err(D::Error::custom)?;
        OrSet::from_parts(context, elements).map_err(D::Error::custom)
    }
}

/// The variants of the serde form of an [`OrSetDelta`].
const FORMS: &[&str] = &["Add", "Remove", "Clear"];

impl<A, T> Serialize for OrSetDelta<A, T>
where
    A: Ord + Serialize,
    T: Serialize,
{
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.change {
            Change::Add { value, actor, counter, replaced } => serializer
                .serialize_newtype_variant(
                    "OrSetDelta",
                    0,
                    FORMS[0],
                    &(value, actor, counter, replaced),
                ),
            Change::Remove { value, dots } => {
                serializer.serialize_newtype_variant("OrSetDelta", 1, FORMS[1], &(value, dots))
            }
            Change::Clear { dots } => {
                serializer.serialize_newtype_variant("OrSetDelta", 2, FORMS[2], &actors(dots))
            }
        }
    }
}

impl<'de, A, T> Deserialize<'de> for OrSetDelta<A, T>
where
    A: Ord + Clone + Deserialize<'de>,
    T: Deserialize<'de>,
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_enum("OrSetDelta", FORMS, DeltaVisitor(std::marker::PhantomData))
    }
}

/// Reads the variant of an [`OrSetDelta`] and its payload.
struct DeltaVisitor<A, T>(std::marker::PhantomData<(A, T)>);

impl<'de, A, T> Visitor<'de> for DeltaVisitor<A, T>
where
    A: Ord + Clone + Deserialize<'de>,
    T: Deserialize<'de>,
{
    type Value = OrSetDelta<A, T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an OrSetDelta: Add, Remove or Clear")
    }

    fn visit_enum<E: EnumAccess<'de>>(self, data: E) -> Result<Self::Value, E::Error> {
        let (form, variant) = data.variant::<Form>()?;
        let change = match form {
            Form::Add => {
                let (value, actor, counter, replaced) = variant.newtype_variant()?;
                Change::Add { value, actor, counter, replaced }
            }
            Form::Remove => {
                let (value, dots) = variant.newtype_variant()?;
                Change::Remove { value, dots }
            }
            Form::Clear => {
                let actors = variant.newtype_variant()?;
                Change::Clear { dots: CausalContext::from_parts(actors).map_err(E::Error::custom)? }
            }
        };
        OrSetDelta::from_change_checked(change).map_err(E::Error::custom)
    }
}

/// The name of a variant of an [`OrSetDelta`].
enum Form {
    Add,
    Remove,
    Clear,
}

impl<'de> Deserialize<'de> for Form {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_identifier(FormVisitor)
    }
}

/// Reads a variant name or index.
struct FormVisitor;

impl Visitor<'_> for FormVisitor {
    type Value = Form;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Add, Remove or Clear")
    }

    fn visit_u64<E: de::Error>(self, index: u64) -> Result<Form, E> {
        match index {
            0 => Ok(Form::Add),
            1 => Ok(Form::Remove),
            2 => Ok(Form::Clear),
            _ => Err(E::invalid_value(Unexpected::Unsigned(index), &self)),
        }
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<Form, E> {
        match name {
            "Add" => Ok(Form::Add),
            "Remove" => Ok(Form::Remove),
            "Clear" => Ok(Form::Clear),
            _ => Err(E::unknown_variant(name, FORMS)),
        }
    }

    fn visit_bytes<E: de::Error>(self, name: &[u8]) -> Result<Form, E> {
        match std::str::from_utf8(name) {
            Ok(name) => self.visit_str(name),
            Err(_) => Err(E::invalid_value(Unexpected::Bytes(name), &self)),
        }
    }
}
