//! The last-writer-wins map [`LwwMap`] and the delta of one write,
//! [`LwwMapDelta`]: the simple common case of a replicated session, a map
//! from attribute names to values where the latest write of each key wins.
//! `wire.rs` holds the byte format and the serde form.

mod wire;

use std::borrow::Borrow;
use std::hash::Hash;

use foldhash::fast::RandomState;
use hashbrown::HashMap;
use hashbrown::hash_map::Entry;

use super::register::{Stamp, later};
use super::{Crdt, CrdtError, HybridClock};

/// A map where each key holds the value of its latest write, a write being
/// a set or a remove stamped with a timestamp and an actor (as an
/// [`LwwRegister`](super::LwwRegister) per key).
///
/// **A write that changes nothing returns no delta**: setting a key to the
/// value it holds, removing an absent key, or a write stamped earlier than
/// the key's current one returns `Ok(None)` and sends nothing. Deltas carry
/// one key's write; several join into one batch by merging them into an
/// empty map (`LwwMap::from(delta)` then [`merge_delta`](LwwMap::merge_delta)),
/// whose encoding holds only the keys they wrote.
///
/// **Tombstones.** A remove leaves a tombstone — the key, its stamp, no
/// value — so that an older set arriving late cannot bring the key back.
/// Tombstones are counted by [`tombstones`](LwwMap::tombstones) and are
/// part of the encoded size. [`forget_tombstones_before`] drops those
/// stamped before a cutoff; the caller must guarantee that every replica
/// has received every write stamped before the cutoff (for example: the
/// cutoff is older than the longest a message may be delayed, and lost
/// messages are not re-sent after that), or a late older set reappears.
///
/// Keys need `Ord` (encodings are in key order) and `Hash + Eq` (the
/// in-memory index); values
/// `PartialEq` (to see an unchanged write) and `Clone`.
///
/// [`forget_tombstones_before`]: LwwMap::forget_tombstones_before
///
/// # Example
///
/// ```
/// use routekit::crdt::{HybridClock, LwwMap};
///
/// let mut clock = HybridClock::new();
/// let mut session = LwwMap::new();
/// let mut replica = LwwMap::new();
/// let delta = session.set_now(&mut clock, &"eu-1", "theme", "dark")?.expect("new");
/// replica.merge_delta(&delta)?;
///
/// // Unchanged: nothing to send.
/// assert!(session.set_now(&mut clock, &"eu-1", "theme", "dark")?.is_none());
///
/// let removed = session.remove_now(&mut clock, &"eu-1", "theme")?.expect("it was there");
/// replica.merge_delta(&removed)?;
/// replica.merge_delta(&delta)?; // a late duplicate does not bring it back
/// assert_eq!(replica, session);
/// assert_eq!((replica.len(), replica.tombstones()), (0, 1));
/// # Ok::<(), routekit::crdt::CrdtError>(())
/// ```
#[derive(Clone, Debug)]
pub struct LwwMap<A, K, V> {
    /// Keyed by a hash with a per-process random seed: an in-memory index,
    /// never written out (encodings are in key order).
    entries: HashMap<K, Slot<A, V>, RandomState>,
    /// How many entries hold a value (the rest are tombstones).
    live: usize,
}

/// The delta of one write to an [`LwwMap`]: the key, its stamp, and the
/// value set or a tombstone. Merge it with [`LwwMap::merge_delta`].
///
/// # Example
///
/// ```
/// let mut map = routekit::crdt::LwwMap::new();
/// let delta = map.set(&"a", 5, "cart", 3u32)?.expect("new");
/// assert_eq!((delta.key(), delta.value(), delta.timestamp(), delta.actor()), (&"cart", Some(&3), 5, &"a"));
/// # Ok::<(), routekit::crdt::CrdtError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LwwMapDelta<A, K, V> {
    key: K,
    slot: Slot<A, V>,
}

/// What a private write returns: `None` when nothing changed, else `Some`
/// of the delta when one was asked for.
type Written<A, K, V> = Option<Option<LwwMapDelta<A, K, V>>>;

/// One key's latest write: a value, or `None` for a remove.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Slot<A, V> {
    stamp: Stamp<A>,
    value: Option<V>,
}

impl<A, K, V> Default for LwwMap<A, K, V> {
    fn default() -> Self {
        LwwMap { entries: HashMap::default(), live: 0 }
    }
}

impl<A: PartialEq, K: Hash + Eq, V: PartialEq> PartialEq for LwwMap<A, K, V> {
    fn eq(&self, other: &Self) -> bool {
        self.live == other.live && self.entries == other.entries
    }
}

impl<A: Eq, K: Hash + Eq, V: Eq> Eq for LwwMap<A, K, V> {}

impl<A: Ord + Clone, K: Ord + Hash + Clone, V: PartialEq + Clone> Crdt for LwwMap<A, K, V> {
    type Delta = LwwMapDelta<A, K, V>;
    /// [`CrdtError::WriteConflict`]: one stamp carries two writes of a key.
    type Error = CrdtError;

    /// As the inherent [`LwwMap::merge`].
    fn merge(&mut self, other: &Self) -> Result<(), CrdtError> {
        LwwMap::merge(self, other)
    }

    /// As the inherent [`LwwMap::merge_delta`].
    fn merge_delta(&mut self, delta: &Self::Delta) -> Result<(), CrdtError> {
        LwwMap::merge_delta(self, delta)
    }
}

impl<A: Ord, K: Hash + Eq, V> From<LwwMapDelta<A, K, V>> for LwwMap<A, K, V> {
    /// The map holding just the delta's write.
    ///
    /// ```
    /// use routekit::crdt::LwwMap;
    ///
    /// let delta = LwwMap::new().set(&1u8, 1, "k", "v")?.expect("new");
    /// assert_eq!(LwwMap::from(delta).get("k"), Some(&"v"));
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    fn from(delta: LwwMapDelta<A, K, V>) -> Self {
        let live = usize::from(delta.slot.value.is_some());
        let mut entries = HashMap::default();
        entries.insert(delta.key, delta.slot);
        LwwMap { entries, live }
    }
}

impl<A, K, V> LwwMapDelta<A, K, V> {
    /// The key written.
    ///
    /// ```
    /// let delta = routekit::crdt::LwwMap::new().set(&1u8, 1, "k", 2)?.expect("new");
    /// assert_eq!(delta.key(), &"k");
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn key(&self) -> &K {
        &self.key
    }

    /// The value set, `None` for a remove.
    ///
    /// ```
    /// let mut map = routekit::crdt::LwwMap::new();
    /// map.set(&1u8, 1, "k", 2)?;
    /// assert_eq!(map.remove(&1u8, 2, "k")?.expect("there").value(), None);
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn value(&self) -> Option<&V> {
        self.slot.value.as_ref()
    }

    /// The write's timestamp.
    ///
    /// ```
    /// let delta = routekit::crdt::LwwMap::new().set(&1u8, 9, "k", 2)?.expect("new");
    /// assert_eq!(delta.timestamp(), 9);
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn timestamp(&self) -> u64 {
        self.slot.stamp.timestamp
    }

    /// The write's actor.
    ///
    /// ```
    /// let delta = routekit::crdt::LwwMap::new().set(&1u8, 9, "k", 2)?.expect("new");
    /// assert_eq!(delta.actor(), &1);
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn actor(&self) -> &A {
        &self.slot.stamp.actor
    }
}

impl<A, K, V> LwwMap<A, K, V> {
    /// An empty map that has seen no write (the bottom state).
    ///
    /// ```
    /// assert!(routekit::crdt::LwwMap::<u8, String, String>::new().is_empty());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// The number of keys holding a value. Cost: O(1).
    ///
    /// ```
    /// let mut map = routekit::crdt::LwwMap::new();
    /// map.set(&1u8, 1, "k", 2)?;
    /// assert_eq!(map.len(), 1);
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn len(&self) -> usize {
        self.live
    }

    /// Whether no key holds a value (tombstones aside). Cost: O(1).
    ///
    /// ```
    /// assert!(routekit::crdt::LwwMap::<u8, u8, u8>::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// The number of removed keys whose tombstone is kept. Cost: O(1).
    ///
    /// ```
    /// let mut map = routekit::crdt::LwwMap::new();
    /// map.set(&1u8, 1, "k", 2)?;
    /// map.remove(&1u8, 2, "k")?;
    /// assert_eq!(map.tombstones(), 1);
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn tombstones(&self) -> usize {
        self.entries.len() - self.live
    }

    /// The keys holding a value and their values, in no particular order
    /// (sort them for a stable one). Cost: O(1) per item, plus the
    /// tombstones skipped.
    ///
    /// ```
    /// let mut map = routekit::crdt::LwwMap::new();
    /// map.set(&1u8, 1, "b", 2)?;
    /// map.set(&1u8, 1, "a", 1)?;
    /// let mut items: Vec<_> = map.iter().collect();
    /// items.sort();
    /// assert_eq!(items, [(&"a", &1), (&"b", &2)]);
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> + '_ {
        self.entries.iter().filter_map(|(key, slot)| Some((key, slot.value.as_ref()?)))
    }
}

impl<A: Ord + Clone, K: Ord + Hash + Clone, V: PartialEq + Clone> LwwMap<A, K, V> {
    /// The value of `key`, `None` when absent or removed. Cost: O(log n).
    ///
    /// ```
    /// let mut map = routekit::crdt::LwwMap::new();
    /// map.set(&1u8, 1, String::from("k"), 2)?;
    /// assert_eq!(map.get("k"), Some(&2));
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn get<Q: Hash + Eq + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.entries.get(key)?.value.as_ref()
    }

    /// Sets `key` to `value` at `timestamp` as `actor`, returning the delta,
    /// or `None` when nothing changed: the key already holds `value`, or its
    /// current write is stamped later. Cost: O(log n) plus cloning the key
    /// and the value for the delta.
    ///
    /// # Errors
    ///
    /// [`CrdtError::WriteConflict`] when the key's current write has this
    /// very stamp and another value; the map is then unchanged.
    ///
    /// ```
    /// let mut map = routekit::crdt::LwwMap::new();
    /// assert!(map.set(&1u8, 5, "theme", "dark")?.is_some());
    /// assert!(map.set(&1u8, 6, "theme", "dark")?.is_none()); // unchanged
    /// assert!(map.set(&2u8, 4, "theme", "light")?.is_none()); // older
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn set(
        &mut self,
        actor: &A,
        timestamp: u64,
        key: K,
        value: V,
    ) -> Result<Option<LwwMapDelta<A, K, V>>, CrdtError> {
        let slot = Slot { stamp: Stamp { timestamp, actor: actor.clone() }, value: Some(value) };
        Ok(self.write(key, slot, true)?.flatten())
    }

    /// As [`set`](Self::set), making no delta: `Ok(true)` when the map
    /// changed.
    ///
    /// # Errors
    ///
    /// [`CrdtError::WriteConflict`] as [`set`](Self::set).
    ///
    /// ```
    /// let mut map = routekit::crdt::LwwMap::new();
    /// assert!(map.set_without_delta(&1u8, 5, "k", 1)?);
    /// assert!(!map.set_without_delta(&1u8, 6, "k", 1)?);
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn set_without_delta(
        &mut self,
        actor: &A,
        timestamp: u64,
        key: K,
        value: V,
    ) -> Result<bool, CrdtError> {
        let slot = Slot { stamp: Stamp { timestamp, actor: actor.clone() }, value: Some(value) };
        Ok(self.write(key, slot, false)?.is_some())
    }

    /// Sets `key` to `value` at a timestamp from `clock` later than the
    /// key's current write, so the write wins here; `None` when the key
    /// already holds `value` (the clock is then not read).
    ///
    /// # Errors
    ///
    /// [`CrdtError::ClockExhausted`] when the clock cannot go further.
    ///
    /// ```
    /// let mut clock = routekit::crdt::HybridClock::new();
    /// let mut map = routekit::crdt::LwwMap::new();
    /// assert!(map.set_now(&mut clock, &1u8, "k", 1)?.is_some());
    /// assert!(map.set_now(&mut clock, &1u8, "k", 1)?.is_none());
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn set_now(
        &mut self,
        clock: &mut HybridClock,
        actor: &A,
        key: K,
        value: V,
    ) -> Result<Option<LwwMapDelta<A, K, V>>, CrdtError> {
        let floor = match self.entries.get(&key) {
            Some(slot) if slot.value.as_ref() == Some(&value) => return Ok(None),
            Some(slot) => slot.stamp.timestamp,
            None => 0,
        };
        let timestamp = clock.now_after(floor)?;
        self.set(actor, timestamp, key, value)
    }

    /// Removes `key` at `timestamp` as `actor`, leaving a tombstone;
    /// returns the delta, or `None` when nothing changed (the key is absent
    /// or removed, or its write is stamped later). Cost: O(log n).
    ///
    /// # Errors
    ///
    /// [`CrdtError::WriteConflict`] when the key's current write has this
    /// very stamp; the map is then unchanged.
    ///
    /// ```
    /// let mut map = routekit::crdt::LwwMap::new();
    /// map.set(&1u8, 5, "k", 1)?;
    /// assert!(map.remove(&1u8, 6, "k")?.is_some());
    /// assert!(map.remove(&1u8, 7, "k")?.is_none()); // already gone
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn remove<Q: Hash + Eq + ?Sized>(
        &mut self,
        actor: &A,
        timestamp: u64,
        key: &Q,
    ) -> Result<Option<LwwMapDelta<A, K, V>>, CrdtError>
    where
        K: Borrow<Q>,
    {
        Ok(self.remove_inner(actor, timestamp, key, true)?.flatten())
    }

    /// As [`remove`](Self::remove), making no delta: `Ok(true)` when the
    /// map changed.
    ///
    /// # Errors
    ///
    /// [`CrdtError::WriteConflict`] as [`remove`](Self::remove).
    ///
    /// ```
    /// let mut map = routekit::crdt::LwwMap::<u8, &str, u8>::new();
    /// assert!(!map.remove_without_delta(&1u8, 6, "k")?);
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn remove_without_delta<Q: Hash + Eq + ?Sized>(
        &mut self,
        actor: &A,
        timestamp: u64,
        key: &Q,
    ) -> Result<bool, CrdtError>
    where
        K: Borrow<Q>,
    {
        Ok(self.remove_inner(actor, timestamp, key, false)?.is_some())
    }

    /// Removes `key` at a timestamp from `clock` later than its current
    /// write; `None` when it is absent or removed.
    ///
    /// # Errors
    ///
    /// [`CrdtError::ClockExhausted`] when the clock cannot go further.
    ///
    /// ```
    /// let mut clock = routekit::crdt::HybridClock::new();
    /// let mut map = routekit::crdt::LwwMap::new();
    /// map.set_now(&mut clock, &1u8, "k", 1)?;
    /// assert!(map.remove_now(&mut clock, &1u8, "k")?.is_some());
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn remove_now<Q: Hash + Eq + ?Sized>(
        &mut self,
        clock: &mut HybridClock,
        actor: &A,
        key: &Q,
    ) -> Result<Option<LwwMapDelta<A, K, V>>, CrdtError>
    where
        K: Borrow<Q>,
    {
        let floor = match self.entries.get(key) {
            Some(slot) if slot.value.is_some() => slot.stamp.timestamp,
            _ => return Ok(None),
        };
        let timestamp = clock.now_after(floor)?;
        self.remove(actor, timestamp, key)
    }

    /// Joins the write of one delta into `self`. Cost: O(log n).
    ///
    /// # Errors
    ///
    /// [`CrdtError::WriteConflict`] when the key's current write has the
    /// delta's stamp and another value; `self` is then unchanged.
    ///
    /// ```
    /// let mut a = routekit::crdt::LwwMap::new();
    /// let delta = a.set(&1u8, 1, "k", 1)?.expect("new");
    /// let mut b = routekit::crdt::LwwMap::new();
    /// b.merge_delta(&delta)?;
    /// assert_eq!(a, b);
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn merge_delta(&mut self, delta: &LwwMapDelta<A, K, V>) -> Result<(), CrdtError> {
        match self.entries.get_mut(&delta.key) {
            None => {
                self.live += usize::from(delta.slot.value.is_some());
                self.entries.insert(delta.key.clone(), delta.slot.clone());
            }
            Some(slot) => Self::join_slot(&mut self.live, slot, &delta.slot)?,
        }
        Ok(())
    }

    /// Joins `other` (a map, or a batch of deltas) into `self`: per key, the
    /// later write wins. Cost: O(n + m) expected, for m keys in `other`.
    ///
    /// # Errors
    ///
    /// [`CrdtError::WriteConflict`] when one key has the same stamp on both
    /// sides with different writes; `self` is then unchanged.
    ///
    /// ```
    /// let (mut a, mut b) = (routekit::crdt::LwwMap::new(), routekit::crdt::LwwMap::new());
    /// a.set(&1u8, 1, "x", 1)?;
    /// b.set(&2u8, 2, "x", 2)?;
    /// b.set(&2u8, 2, "y", 3)?;
    /// a.merge(&b)?;
    /// assert_eq!((a.get("x"), a.len()), (Some(&2), 2));
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn merge(&mut self, other: &Self) -> Result<(), CrdtError> {
        // Check every shared key first, so that a refused merge changes nothing.
        for (key, theirs) in &other.entries {
            if let Some(mine) = self.entries.get(key) {
                later((&mine.stamp, &mine.value), (&theirs.stamp, &theirs.value))?;
            }
        }
        self.entries.reserve(other.entries.len().saturating_sub(self.entries.len()));
        for (key, theirs) in &other.entries {
            match self.entries.get_mut(key) {
                Some(mine) => Self::join_slot(&mut self.live, mine, theirs)?,
                None => {
                    self.live += usize::from(theirs.value.is_some());
                    self.entries.insert(key.clone(), theirs.clone());
                }
            }
        }
        Ok(())
    }

    /// As [`merge`](Self::merge), taking `other` by value: its keys and
    /// values move in instead of being cloned — for a state just decoded
    /// from bytes. Cost: O(m) expected.
    ///
    /// # Errors
    ///
    /// [`CrdtError::WriteConflict`] as [`merge`](Self::merge); `self` is
    /// then unchanged.
    ///
    /// ```
    /// use routekit::crdt::LwwMap;
    ///
    /// let mut a = LwwMap::new();
    /// a.set(&1u8, 1, 10u32, 1u32)?;
    /// let mut b = LwwMap::new();
    /// b.set(&2u8, 2, 20, 2)?;
    /// let bytes = b.to_bytes();
    /// a.merge_owned(LwwMap::from_bytes(&bytes).expect("valid"))?;
    /// assert_eq!(a.len(), 2);
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn merge_owned(&mut self, other: Self) -> Result<(), CrdtError> {
        for (key, theirs) in &other.entries {
            if let Some(mine) = self.entries.get(key) {
                later((&mine.stamp, &mine.value), (&theirs.stamp, &theirs.value))?;
            }
        }
        if self.entries.is_empty() {
            *self = other;
            return Ok(());
        }
        self.entries.reserve(other.entries.len().saturating_sub(self.entries.len()));
        for (key, theirs) in other.entries {
            match self.entries.entry(key) {
                Entry::Occupied(mut mine) => {
                    if theirs.stamp > mine.get().stamp {
                        match (mine.get().value.is_some(), theirs.value.is_some()) {
                            (true, false) => self.live -= 1,
                            (false, true) => self.live += 1,
                            _ => {}
                        }
                        mine.insert(theirs);
                    }
                }
                Entry::Vacant(vacant) => {
                    self.live += usize::from(theirs.value.is_some());
                    vacant.insert(theirs);
                }
            }
        }
        Ok(())
    }

    /// Drops the tombstones stamped before `cutoff`, returning how many.
    /// Cost: O(n).
    ///
    /// The caller must guarantee that every replica has received every
    /// write stamped before `cutoff` and that no such write is still in
    /// flight or will be re-sent; otherwise an older set of a forgotten key
    /// arriving afterwards brings the key back. With [`HybridClock`]
    /// timestamps, a cutoff older than the longest delay of a message (and
    /// than the longest a replica may be partitioned before it is reset
    /// from a full state) keeps that promise.
    ///
    /// ```
    /// let mut map = routekit::crdt::LwwMap::new();
    /// map.set(&1u8, 1, "k", 1)?;
    /// map.remove(&1u8, 2, "k")?;
    /// assert_eq!(map.forget_tombstones_before(2), 0);
    /// assert_eq!(map.forget_tombstones_before(3), 1);
    /// assert_eq!(map.tombstones(), 0);
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn forget_tombstones_before(&mut self, cutoff: u64) -> usize {
        let before = self.entries.len();
        self.entries.retain(|_, slot| slot.value.is_some() || slot.stamp.timestamp >= cutoff);
        before - self.entries.len()
    }

    /// Writes `slot` to `key` if it is later and changes the value:
    /// `None` when nothing changed, else `Some` of the delta if asked for.
    fn write(
        &mut self,
        key: K,
        slot: Slot<A, V>,
        delta: bool,
    ) -> Result<Written<A, K, V>, CrdtError> {
        match self.entries.entry(key) {
            Entry::Vacant(vacant) => {
                if slot.value.is_none() {
                    return Ok(None);
                }
                let delta =
                    delta.then(|| LwwMapDelta { key: vacant.key().clone(), slot: slot.clone() });
                vacant.insert(slot);
                self.live += 1;
                Ok(Some(delta))
            }
            Entry::Occupied(mut occupied) => {
                let current = occupied.get();
                if current.value == slot.value
                    || !later((&current.stamp, &current.value), (&slot.stamp, &slot.value))?
                {
                    return Ok(None);
                }
                match (current.value.is_some(), slot.value.is_some()) {
                    (true, false) => self.live -= 1,
                    (false, true) => self.live += 1,
                    _ => {}
                }
                let delta =
                    delta.then(|| LwwMapDelta { key: occupied.key().clone(), slot: slot.clone() });
                occupied.insert(slot);
                Ok(Some(delta))
            }
        }
    }

    fn remove_inner<Q: Hash + Eq + ?Sized>(
        &mut self,
        actor: &A,
        timestamp: u64,
        key: &Q,
        delta: bool,
    ) -> Result<Written<A, K, V>, CrdtError>
    where
        K: Borrow<Q>,
    {
        let Some((key, current)) = self.entries.get_key_value(key) else { return Ok(None) };
        if current.value.is_none() {
            return Ok(None);
        }
        let key = key.clone();
        self.write(
            key,
            Slot { stamp: Stamp { timestamp, actor: actor.clone() }, value: None },
            delta,
        )
    }

    /// Joins `theirs` into `mine`, keeping `live` right.
    fn join_slot(
        live: &mut usize,
        mine: &mut Slot<A, V>,
        theirs: &Slot<A, V>,
    ) -> Result<(), CrdtError> {
        if later((&mine.stamp, &mine.value), (&theirs.stamp, &theirs.value))? {
            match (mine.value.is_some(), theirs.value.is_some()) {
                (true, false) => *live -= 1,
                (false, true) => *live += 1,
                _ => {}
            }
            *mine = theirs.clone();
        }
        Ok(())
    }
}
