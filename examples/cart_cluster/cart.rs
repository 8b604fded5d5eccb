//! One shopping cart as routekit CRDTs, its changes as deltas, and the byte
//! frames that carry both between instances.
//!
//! A cart is three replicated values: the items in it (an add-wins
//! [`OrSet`]), the items already checked out (another `OrSet`) and a
//! revision (a [`GCounter`] bumped by every change, so that its value is the
//! cart's version and its [`ETag`]). Every change returns the deltas it
//! made, or nothing when it changed nothing, and nothing is then sent.

use routekit::crdt::{GCounterDelta, OrSetDelta};
use routekit::optimistic::ETag;
use routekit::{GCounter, OrSet};

/// Errors of the example: its messages go to the console.
pub(crate) type Error = Box<dyn std::error::Error + Send + Sync>;

/// A cart: items, checked-out items and a revision, all mergeable.
#[derive(Clone, Default, PartialEq)]
pub(crate) struct Cart {
    items: OrSet<String, String>,
    ordered: OrSet<String, String>,
    revision: GCounter<String>,
}

/// The deltas of one change, encoded: what replication sends.
pub(crate) struct Change(pub Vec<u8>);

const ITEMS: u8 = 1;
const ORDERED: u8 = 2;
const REVISION: u8 = 3;

impl Cart {
    /// Adds `item`; adding an item already in the cart changes nothing (so a
    /// client's retry of an add whose answer was lost sends nothing).
    pub(crate) fn add(&mut self, actor: &str, item: &str) -> Result<Option<Change>, Error> {
        if self.items.contains(item) || self.ordered.contains(item) {
            return Ok(None);
        }
        let mut change = Vec::new();
        let delta = self.items.add(&actor.to_owned(), item.to_owned())?;
        frame(&mut change, ITEMS, &delta.to_bytes());
        self.bump(actor, &mut change)?;
        Ok(Some(Change(change)))
    }

    /// Removes `item`; removing an absent item changes nothing.
    pub(crate) fn remove(&mut self, actor: &str, item: &str) -> Result<Option<Change>, Error> {
        let Some(delta) = self.items.remove(item) else {
            return Ok(None);
        };
        let mut change = Vec::new();
        frame(&mut change, ITEMS, &delta.to_bytes());
        self.bump(actor, &mut change)?;
        Ok(Some(Change(change)))
    }

    /// Moves every item to the checked-out set; returns what moved.
    pub(crate) fn checkout(&mut self, actor: &str) -> Result<(Vec<String>, Option<Change>), Error> {
        let moved: Vec<String> = self.items.iter().cloned().collect();
        if moved.is_empty() {
            return Ok((moved, None));
        }
        let mut change = Vec::new();
        for item in &moved {
            if let Some(delta) = self.items.remove(item) {
                frame(&mut change, ITEMS, &delta.to_bytes());
            }
            let delta = self.ordered.add(&actor.to_owned(), item.clone())?;
            frame(&mut change, ORDERED, &delta.to_bytes());
        }
        self.bump(actor, &mut change)?;
        Ok((moved, Some(Change(change))))
    }

    /// Merges the deltas of a change made elsewhere.
    pub(crate) fn apply(&mut self, change: &[u8]) -> Result<(), Error> {
        let mut rest = change;
        while !rest.is_empty() {
            let (kind, bytes) = unframe(&mut rest)?;
            match kind {
                ITEMS => self.items.merge_delta(&OrSetDelta::from_bytes(bytes)?)?,
                ORDERED => self.ordered.merge_delta(&OrSetDelta::from_bytes(bytes)?)?,
                REVISION => self.revision.merge_delta(&GCounterDelta::from_bytes(bytes)?),
                other => return Err(format!("unknown delta kind {other}").into()),
            }
        }
        Ok(())
    }

    /// Joins a whole cart (a handoff) into this one.
    pub(crate) fn merge(&mut self, other: &Cart) -> Result<(), Error> {
        self.items.merge(&other.items)?;
        self.ordered.merge(&other.ordered)?;
        self.revision.merge(&other.revision);
        Ok(())
    }

    /// The cart's version as a strong ETag: every change bumps the revision,
    /// on whichever replica it was made, so any change makes an old tag stale.
    pub(crate) fn etag(&self) -> ETag {
        ETag::from_version(u64::try_from(self.revision.value()).unwrap_or(u64::MAX))
    }

    /// The items in the cart, in order.
    pub(crate) fn items(&self) -> impl Iterator<Item = &String> {
        self.items.iter()
    }

    /// The checked-out items, in order.
    pub(crate) fn ordered(&self) -> impl Iterator<Item = &String> {
        self.ordered.iter()
    }

    /// The whole cart as bytes: what a handoff sends, and what replicating
    /// whole sessions instead of deltas would send on every change.
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded_len());
        frame(&mut out, ITEMS, &self.items.to_bytes());
        frame(&mut out, ORDERED, &self.ordered.to_bytes());
        frame(&mut out, REVISION, &self.revision.to_bytes());
        out
    }

    /// The length of [`Cart::to_bytes`], without encoding.
    pub(crate) fn encoded_len(&self) -> usize {
        3 * 5 + self.items.encoded_len() + self.ordered.encoded_len() + self.revision.encoded_len()
    }

    /// Reads a cart written by [`Cart::to_bytes`].
    pub(crate) fn from_bytes(bytes: &[u8]) -> Result<Cart, Error> {
        let mut rest = bytes;
        let mut part = |want: u8| -> Result<&[u8], Error> {
            let (kind, bytes) = unframe(&mut rest)?;
            if kind == want {
                Ok(bytes)
            } else {
                Err(format!("cart part {kind}, expected {want}").into())
            }
        };
        let items = OrSet::from_bytes(part(ITEMS)?)?;
        let ordered = OrSet::from_bytes(part(ORDERED)?)?;
        let revision = GCounter::from_bytes(part(REVISION)?)?;
        Ok(Cart { items, ordered, revision })
    }

    fn bump(&mut self, actor: &str, change: &mut Vec<u8>) -> Result<(), Error> {
        if let Some(delta) = self.revision.increment(&actor.to_owned(), 1)? {
            frame(change, REVISION, &delta.to_bytes());
        }
        Ok(())
    }
}

/// Appends `kind`, the length of `bytes` (u32, little-endian) and `bytes`.
pub(crate) fn frame(out: &mut Vec<u8>, kind: u8, bytes: &[u8]) {
    out.push(kind);
    out.extend_from_slice(&u32::try_from(bytes.len()).unwrap_or(u32::MAX).to_le_bytes());
    out.extend_from_slice(bytes);
}

/// Takes one frame off the front of `rest`.
pub(crate) fn unframe<'b>(rest: &mut &'b [u8]) -> Result<(u8, &'b [u8]), Error> {
    let &[kind, a, b, c, d, ref tail @ ..] = *rest else {
        return Err("truncated frame header".into());
    };
    let len = u32::from_le_bytes([a, b, c, d]) as usize;
    if tail.len() < len {
        return Err("truncated frame".into());
    }
    let (bytes, tail) = tail.split_at(len);
    *rest = tail;
    Ok((kind, bytes))
}

/// A batch of records for one peer: each record is a session id and the
/// bytes of a change (replication) or of a whole cart (handoff).
pub(crate) fn encode_record(out: &mut Vec<u8>, session: &str, bytes: &[u8]) {
    frame(out, 0, session.as_bytes());
    frame(out, 0, bytes);
}

/// Reads the records of a batch made with [`encode_record`].
pub(crate) fn decode_records(mut body: &[u8]) -> Result<Vec<(String, &[u8])>, Error> {
    let mut records = Vec::new();
    while !body.is_empty() {
        let (_, session) = unframe(&mut body)?;
        let (_, bytes) = unframe(&mut body)?;
        records.push((String::from_utf8(session.to_vec())?, bytes));
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deltas_rebuild_the_cart_and_unchanged_changes_send_nothing() -> Result<(), Error> {
        let (mut owner, mut replica) = (Cart::default(), Cart::default());
        let mut changes =
            vec![owner.add("a", "tea")?.ok_or("add")?, owner.add("a", "jam")?.ok_or("add")?];
        assert!(owner.add("a", "tea")?.is_none());
        changes.push(owner.remove("a", "jam")?.ok_or("remove")?);
        assert!(owner.remove("a", "jam")?.is_none());
        let (moved, change) = owner.checkout("a")?;
        assert_eq!(moved, ["tea"]);
        changes.extend(change);
        for change in &changes {
            replica.apply(&change.0)?;
        }
        assert!(replica == owner);
        assert_eq!(owner.etag(), replica.etag());
        assert!(Cart::from_bytes(&owner.to_bytes())? == owner);
        assert_eq!(owner.to_bytes().len(), owner.encoded_len());
        Ok(())
    }
}
