//! MementoHash (Coluzzi, Brocco, Antonucci, Leidi, 2023): jump hashing that
//! lets any node leave, at jump speed.

use std::borrow::Borrow;
use std::fmt;

use super::jump_back::JumpBackRange;
use super::members::{Arranged, Members};
use super::mix::mix64;
use super::{Membership, NodeId, RouteError, Router};
use crate::hash::{KeyHasher, Xxh3};

/// Consistent hashing with arbitrary removal at jump speed: MementoHash over
/// [`JumpBackHash`](super::JumpBackHash).
///
/// Nodes sit in buckets `0..m` as in a jump hash. When a node other than the
/// last leaves, its bucket is not renumbered: MementoHash remembers it in a
/// *replacement set* — the removed bucket, the number `w` of nodes left right
/// after the removal, and the bucket removed before it. A lookup runs the jump
/// hash over all `m` buckets; if it lands on a removed bucket, it rehashes the
/// key into `[0, w)` — as if the remaining nodes were renumbered `0..w`, with
/// slot `w` moved into the hole — and follows the replacements recorded before
/// that removal until it reaches a working node. Only the removed node's keys
/// move, each to a uniformly chosen remaining node, so balance and minimal
/// disruption hold exactly. A new node takes the most recently removed bucket
/// (which undoes that removal exactly), or a new bucket at the end when none
/// is removed; removing the last bucket while none is removed is a plain jump
/// shrink.
///
/// **Why MementoHash and not AnchorHash.** Both papers give the same
/// guarantees (balance, minimal disruption, any node can leave) and the same
/// lookup cost bound, `O(1 + ln(m / w))` rehash steps. AnchorHash fixes a
/// capacity when it is built: the cluster can never grow past it, its arrays
/// are sized for it, and lookups slow down as the working set shrinks below
/// it, so the capacity is a guess the caller must make up front. MementoHash
/// has no capacity — it grows as a jump hash does — and while no node has
/// left out of order a lookup is exactly one jump-hash call plus one array
/// read. That fits a router that accepts new nodes at any time.
///
/// **This implementation** uses JumpBackHash (integer-only, expected
/// constant time) as the jump hash, and keeps the replacement set in a dense
/// per-bucket array (8 bytes a bucket: the replacer, and the node's position
/// or the previously removed bucket) instead of the paper's hash table, so a
/// lookup reads one array entry that says both whether the bucket is removed
/// and which node holds it, instead of probing a hash table. While no bucket
/// is removed, the nodes are in bucket order (refilling the last removed
/// bucket restores it), so bucket `b` holds node `b` and a lookup is a
/// JumpBackHash lookup alone, without reading that array (which matters once
/// it outgrows the caches: 8 MB at a million nodes). The rehash draws from
/// `mix64` of the key's 64-bit hash and the removed bucket, reduced to `[0, w)`
/// by multiply-shift. Placements depend on the history of insertions and
/// removals, not only on the node set.
///
/// **Preference lists** are the nodes in the order the key would visit them
/// as its owners are removed one after another: the owner, then where the key
/// goes if the owner leaves, and so on. So when a node leaves, its keys go
/// exactly to their second choice. `route_n` computes them on a copy-on-write
/// view of the replacement set (inline for the first 16 removals).
///
/// # Example
///
/// ```
/// use routekit::route::{Membership, MementoHash, Router};
///
/// let mut cache = MementoHash::new();
/// cache.extend(["cache-a", "cache-b", "cache-c", "cache-d"])?;
/// let prefs = cache.route_n(b"object:77", 2);
/// let (owner, next) = (*prefs[0], *prefs[1]);
///
/// // Any node can leave; only its keys move, to their second choice.
/// cache.remove(owner)?;
/// assert_eq!(cache.route(b"object:77"), Some(&next));
///
/// // A new node takes the freed bucket back, with the same keys.
/// cache.insert("cache-e")?;
/// assert_eq!(cache.route(b"object:77"), Some(&"cache-e"));
/// # Ok::<(), routekit::route::RouteError>(())
/// ```
#[derive(Clone)]
pub struct MementoHash<N, H = Xxh3> {
    hasher: H,
    /// The working nodes, densely, in bucket order while no bucket is
    /// removed; `node_bucket[i]` is node `i`'s bucket.
    members: Members<N, Arranged>,
    node_bucket: Vec<u32>,
    /// The jump hash's buckets `0..m`.
    buckets: Vec<Bucket>,
    /// `m`, prepared for JumpBackHash.
    range: JumpBackRange,
    /// The most recently removed bucket, or `buckets.len()` when none is.
    last_removed: u32,
}

/// One bucket of the jump hash.
#[derive(Clone, Copy, Debug)]
struct Bucket {
    /// [`WORKING`], or for a removed bucket the number of nodes left right
    /// after its removal (also the bucket that replaced it).
    replacer: u32,
    /// For a working bucket, its node's position in `members`; for a removed
    /// one, the bucket removed just before it (`buckets.len()` for none).
    link: u32,
}

/// The replacer of a bucket that holds a node.
const WORKING: u32 = u32::MAX;

impl<N: NodeId, H: KeyHasher> Router for MementoHash<N, H> {
    type Node = N;

    /// One JumpBackHash call while no bucket is removed; else one more array
    /// read, and keys landing on a removed bucket take expected
    /// `O(1 + ln(m / w))` more steps (`m` buckets, `w` nodes). No allocation.
    #[inline]
    fn route(&self, key: &[u8]) -> Option<&N> {
        if self.members.is_empty() {
            return None;
        }
        let key_hash = self.hasher.uniform64(key);
        if self.members.len() == self.buckets.len() {
            // No bucket removed: bucket `b` holds node `b`.
            return Some(self.members.get(self.range.bucket(key_hash) as usize));
        }
        Some(self.node_in(locate(self.buckets.as_slice(), self.range, key_hash)))
    }

    /// One lookup per node listed, each on the replacement set with the
    /// nodes listed before it removed; allocation-free while `n ≤ 17` and
    /// `out` has room.
    fn route_n_into<'r>(&'r self, key: &[u8], n: usize, out: &mut Vec<&'r N>) {
        out.clear();
        if n == 0 {
            return;
        }
        let walk = self.preferences(self.hasher.uniform64(key));
        out.extend(walk.take(n).map(|bucket| self.node_in(bucket)));
    }

    /// One lookup when the owner is healthy; else one more per unhealthy
    /// node passed.
    fn route_healthy(&self, key: &[u8], is_healthy: &dyn Fn(&N) -> bool) -> Option<&N> {
        self.preferences(self.hasher.uniform64(key))
            .map(|bucket| self.node_in(bucket))
            .find(|node| is_healthy(node))
    }

    /// O(log n).
    fn node_by_id(&self, id: &[u8]) -> Option<&N> {
        self.members.node_by_id(id)
    }

    fn len(&self) -> usize {
        self.members.len()
    }

    fn memory_bytes(&self) -> usize {
        self.members.memory_bytes()
            + self.buckets.capacity() * size_of::<Bucket>()
            + self.node_bucket.capacity() * size_of::<u32>()
    }
}

impl<N: NodeId, H: KeyHasher> Membership for MementoHash<N, H> {
    /// Puts each node, in order, in the most recently removed bucket (which
    /// undoes that removal exactly) or a new bucket at the end: O(n + k log
    /// k) for `k` new nodes, plus O(n log n) when the last removed bucket is
    /// refilled (the nodes are put back in bucket order). Either every node
    /// is added or, on error, none is.
    ///
    /// # Errors
    ///
    /// [`RouteError::DuplicateNode`] when an identity repeats (among the new
    /// nodes or with a present one); [`RouteError::TooManyNodes`] past
    /// 2³² − 2 buckets.
    ///
    /// ```
    /// use routekit::route::{Membership, MementoHash, Router};
    /// let mut router = MementoHash::new();
    /// router.extend((0..1000).map(|i| format!("node-{i}")))?;
    /// assert_eq!(router.len(), 1000);
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    fn extend<I: IntoIterator<Item = N>>(&mut self, nodes: I) -> Result<(), RouteError> {
        let added: Vec<N> = nodes.into_iter().collect();
        // Refilled buckets need no new bucket; the rest each add one.
        let refillable = self.buckets.len() - self.members.len();
        let requested = (self.buckets.len() + added.len().saturating_sub(refillable)) as u64;
        let max = u64::from(WORKING - 1);
        if requested > max {
            return Err(RouteError::TooManyNodes { strategy: "memento hash", requested, max });
        }
        let before = self.members.len();
        self.members.append(added)?;
        let mut refilled = false;
        for position in before..self.members.len() {
            refilled |= self.place(position as u32);
        }
        if refilled && self.members.len() == self.buckets.len() {
            // The last removed bucket is refilled: back to bucket order.
            self.sort_by_bucket();
        }
        self.range = JumpBackRange::new(self.bucket_count());
        Ok(())
    }

    /// Removes any node: O(n) for the identity index; the lookup state
    /// changes in O(1).
    fn remove<Q>(&mut self, node: &Q) -> Result<N, RouteError>
    where
        N: Borrow<Q>,
        Q: NodeId + ?Sized,
    {
        let position =
            self.members.find(node.id_bytes().as_ref()).ok_or_else(|| RouteError::unknown(node))?;
        let last = self.members.len() - 1;
        if position != last {
            // The last node takes the removed one's position.
            self.buckets[self.node_bucket[last] as usize].link = position as u32;
        }
        // While no bucket is removed, the last bucket's node is the last
        // node, so a plain shrink below keeps the nodes in bucket order.
        let bucket = self.node_bucket.swap_remove(position);
        let removed = self.members.swap_remove(position);
        let count = self.bucket_count();
        if self.last_removed == count && bucket + 1 == count {
            // Nothing removed out of order and this is the last bucket: a
            // plain jump-hash shrink, nothing to remember.
            self.buckets.pop();
            self.last_removed = self.bucket_count();
            self.range = JumpBackRange::new(self.bucket_count());
        } else {
            let left = self.members.len() as u32;
            self.buckets[bucket as usize] = Bucket { replacer: left, link: self.last_removed };
            self.last_removed = bucket;
        }
        Ok(removed)
    }
}

impl<N, H: Default> Default for MementoHash<N, H> {
    fn default() -> Self {
        MementoHash::with_hasher(H::default())
    }
}

impl<N: NodeId, H: fmt::Debug> fmt::Debug for MementoHash<N, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let buckets: Vec<_> = self.buckets().map(|slot| slot.map(NodeId::display_name)).collect();
        f.debug_struct("MementoHash")
            .field("hasher", &self.hasher)
            .field("buckets", &buckets)
            .finish()
    }
}

impl<N> MementoHash<N, Xxh3> {
    /// An empty router hashing keys with [`Xxh3`] seed 0.
    ///
    /// ```
    /// use routekit::route::{MementoHash, Router};
    /// let router: MementoHash<String> = MementoHash::new();
    /// assert!(router.route(b"k").is_none());
    /// ```
    pub fn new() -> Self {
        MementoHash::with_hasher(Xxh3::new())
    }
}

impl<N, H> MementoHash<N, H> {
    /// An empty router hashing keys with `hasher`.
    ///
    /// ```
    /// use routekit::hash::Sip13;
    /// use routekit::route::MementoHash;
    /// let router: MementoHash<String, Sip13> = MementoHash::with_hasher(Sip13::new([1; 16]));
    /// # let _ = router;
    /// ```
    pub fn with_hasher(hasher: H) -> Self {
        MementoHash {
            hasher,
            members: Members::default(),
            node_bucket: Vec::new(),
            buckets: Vec::new(),
            range: JumpBackRange::new(0),
            last_removed: 0,
        }
    }

    /// The hasher used for keys.
    ///
    /// ```
    /// use routekit::hash::Xxh3;
    /// use routekit::route::MementoHash;
    /// assert_eq!(*MementoHash::<String>::new().hasher(), Xxh3::new());
    /// ```
    pub fn hasher(&self) -> &H {
        &self.hasher
    }

    /// The buckets, each with its node or `None` where a node was removed:
    /// the jump hash runs over all of them.
    ///
    /// ```
    /// use routekit::route::{Membership, MementoHash};
    /// let mut router = MementoHash::new();
    /// router.extend(["a", "b", "c"])?;
    /// router.remove("b")?;
    /// assert_eq!(router.buckets().collect::<Vec<_>>(), [Some(&"a"), None, Some(&"c")]);
    /// router.remove("c")?; // the last bucket, but "b" left before it: remembered too
    /// assert_eq!(router.buckets().len(), 3);
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    pub fn buckets(&self) -> impl ExactSizeIterator<Item = Option<&N>> + '_ {
        self.buckets
            .iter()
            .map(|b| (b.replacer == WORKING).then(|| self.members.get(b.link as usize)))
    }
}

impl<N, H> MementoHash<N, H> {
    /// For each bucket, `None` when it holds a node, or the replacer that
    /// decides where its keys go: what, with [`buckets`](Self::buckets),
    /// decides placement (for the membership fingerprint).
    pub(crate) fn removed_replacers(&self) -> impl Iterator<Item = Option<u32>> + '_ {
        self.buckets.iter().map(|b| (b.replacer != WORKING).then_some(b.replacer))
    }
}

impl<N: NodeId, H: KeyHasher> MementoHash<N, H> {
    /// The bucket count `m` of the jump hash.
    #[inline]
    fn bucket_count(&self) -> u32 {
        self.buckets.len() as u32
    }

    /// Gives the node at `position` (the last so far) the most recently
    /// removed bucket (undoing its removal) or a new bucket at the end.
    /// Returns whether it refilled a removed bucket.
    fn place(&mut self, position: u32) -> bool {
        let working = Bucket { replacer: WORKING, link: position };
        let reused = self.last_removed != self.bucket_count();
        let bucket = if reused {
            let bucket = self.last_removed;
            self.last_removed = self.buckets[bucket as usize].link;
            self.buckets[bucket as usize] = working;
            bucket
        } else {
            self.buckets.push(working);
            self.last_removed = self.bucket_count();
            self.bucket_count() - 1
        };
        self.node_bucket.push(bucket);
        reused
    }

    /// Puts the nodes in bucket order: O(n log n).
    fn sort_by_bucket(&mut self) {
        let node_bucket = &self.node_bucket;
        let order = self.members.sort_by_key(|position, _| node_bucket[position]);
        self.node_bucket = order.iter().map(|&old| self.node_bucket[old as usize]).collect();
        for (position, &bucket) in self.node_bucket.iter().enumerate() {
            self.buckets[bucket as usize].link = position as u32;
        }
    }

    /// The node of a working bucket.
    #[inline]
    fn node_in(&self, bucket: u32) -> &N {
        self.members.get(self.buckets[bucket as usize].link as usize)
    }

    fn preferences(&self, key_hash: u64) -> Preferences<'_> {
        Preferences {
            key_hash,
            state: Hypothetical {
                base: &self.buckets,
                inline: [(0, 0); INLINE_REMOVALS],
                inline_len: 0,
                owned: None,
            },
            buckets: self.range,
            working: self.members.len() as u32,
            none_removed: self.last_removed == self.bucket_count(),
        }
    }
}

/// Where the replacement set is read from: the router's own array, or a
/// hypothetical copy with more buckets removed.
trait Replacers {
    fn replacer(&self, bucket: u32) -> u32;
}

impl Replacers for [Bucket] {
    #[inline]
    fn replacer(&self, bucket: u32) -> u32 {
        self[bucket as usize].replacer
    }
}

/// MementoHash's lookup over `buckets` buckets.
#[inline]
fn locate<R: Replacers + ?Sized>(replacers: &R, buckets: JumpBackRange, key_hash: u64) -> u32 {
    let mut bucket = buckets.bucket(key_hash);
    let mut replacer = replacers.replacer(bucket);
    while replacer != WORKING {
        // `bucket` was removed when `replacer` nodes were left: choose among
        // the slots 0..replacer of that moment ...
        bucket = reduce(mix64(key_hash, rehash_seed(bucket)), replacer);
        // ... and follow the slots that had already been replaced then.
        let mut next = replacers.replacer(bucket);
        while next != WORKING && next >= replacer {
            bucket = next;
            next = replacers.replacer(bucket);
        }
        replacer = next;
    }
    bucket
}

/// A per-bucket seed for the rehash, distinct from the SplitMix64 sequence
/// that JumpBackHash draws from the same key hash.
#[inline]
fn rehash_seed(bucket: u32) -> u64 {
    u64::from(bucket).wrapping_mul(0xd1b5_4a32_d192_ed03) ^ 0x8cb9_2ba7_2f3d_8dd7
}

/// Multiply-shift reduction of a uniform `x` to `[0, range)`.
#[inline]
fn reduce(x: u64, range: u32) -> u32 {
    ((u128::from(x) * u128::from(range)) >> 64) as u32
}

/// Removals kept inline before a preference walk copies the whole array.
const INLINE_REMOVALS: usize = 16;

/// The router's replacement set with some more buckets hypothetically
/// removed: inline for a few, then a full copy.
struct Hypothetical<'a> {
    base: &'a [Bucket],
    inline: [(u32, u32); INLINE_REMOVALS],
    inline_len: usize,
    owned: Option<Vec<u32>>,
}

impl Hypothetical<'_> {
    fn remember(&mut self, bucket: u32, replacer: u32) {
        if let Some(owned) = &mut self.owned {
            owned[bucket as usize] = replacer;
        } else if self.inline_len < INLINE_REMOVALS {
            self.inline[self.inline_len] = (bucket, replacer);
            self.inline_len += 1;
        } else {
            let mut owned: Vec<u32> = self.base.iter().map(|b| b.replacer).collect();
            for &(b, r) in &self.inline {
                owned[b as usize] = r;
            }
            owned[bucket as usize] = replacer;
            self.owned = Some(owned);
        }
    }
}

impl Replacers for Hypothetical<'_> {
    #[inline]
    fn replacer(&self, bucket: u32) -> u32 {
        if let Some(owned) = &self.owned {
            return owned[bucket as usize];
        }
        self.inline[..self.inline_len]
            .iter()
            .find(|&&(b, _)| b == bucket)
            .map_or(self.base[bucket as usize].replacer, |&(_, r)| r)
    }
}

/// A key's preference list: look the key up, then remove that bucket the way
/// [`Membership::remove`] would, and repeat.
struct Preferences<'a> {
    key_hash: u64,
    state: Hypothetical<'a>,
    buckets: JumpBackRange,
    working: u32,
    none_removed: bool,
}

impl Iterator for Preferences<'_> {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        if self.working == 0 {
            return None;
        }
        let bucket = locate(&self.state, self.buckets, self.key_hash);
        self.working -= 1;
        if self.none_removed && bucket + 1 == self.buckets.buckets() {
            self.buckets = JumpBackRange::new(bucket);
        } else {
            self.state.remember(bucket, self.working);
            self.none_removed = false;
        }
        Some(bucket)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn router(nodes: usize) -> MementoHash<String> {
        let mut router = MementoHash::new();
        router.extend((0..nodes).map(|i| format!("n{i}"))).unwrap();
        router
    }

    #[test]
    fn long_preference_walks_spill_to_a_copy_and_agree_with_real_removals() {
        let full = router(60);
        for key in 0u32..40 {
            let key = key.to_le_bytes();
            let prefs: Vec<String> = full.route_n(&key, 60).into_iter().cloned().collect();
            let mut shrinking = full.clone();
            for expected in &prefs {
                let owner = shrinking.route(&key).unwrap().clone();
                assert_eq!(&owner, expected);
                shrinking.remove(&owner).unwrap();
            }
            assert!(shrinking.is_empty());
        }
    }

    #[test]
    fn removing_the_last_bucket_shrinks_only_when_nothing_else_is_removed() {
        let mut r = router(4);
        r.remove("n3").unwrap();
        assert_eq!(r.buckets().len(), 3);
        r.remove("n0").unwrap();
        r.remove("n2").unwrap();
        assert_eq!(r.buckets().len(), 3);
        // Insertions take the freed buckets back, latest first.
        r.insert("x".to_string()).unwrap();
        r.insert("y".to_string()).unwrap();
        let names: Vec<_> = r.buckets().map(|s| s.cloned()).collect();
        assert_eq!(names, [Some("y".to_string()), Some("n1".into()), Some("x".into())]);
        r.insert("z".to_string()).unwrap();
        assert_eq!(r.buckets().len(), 4);
    }

    /// Every working bucket names its node's position, and while no bucket
    /// is removed, node `b` holds bucket `b`.
    fn assert_consistent(r: &MementoHash<String>) {
        for (position, &bucket) in r.node_bucket.iter().enumerate() {
            let entry = r.buckets[bucket as usize];
            assert_eq!((entry.replacer, entry.link), (WORKING, position as u32));
        }
        if r.len() == r.buckets.len() {
            assert!(r.node_bucket.iter().enumerate().all(|(i, &b)| b as usize == i));
        }
        assert_eq!(r.range, JumpBackRange::new(r.bucket_count()));
    }

    #[test]
    fn the_fast_path_agrees_with_the_table_through_any_history() {
        let mut r = router(40);
        let mut next = 40;
        let mut state = 7u64;
        for step in 0..300 {
            state = crate::hash::finalize64(state + step);
            if state % 3 == 0 || r.len() < 3 {
                let added =
                    (0..state % 4 + 1).map(|i| format!("n{}", next + i)).collect::<Vec<_>>();
                next += added.len() as u64;
                r.extend(added).unwrap();
            } else {
                let victim = r.members.get((state >> 8) as usize % r.len()).clone();
                r.remove(&victim).unwrap();
            }
            assert_consistent(&r);
            for key in 0u32..50 {
                let hash = r.hasher.uniform64(&key.to_le_bytes());
                let bucket = locate(r.buckets.as_slice(), r.range, hash);
                assert_eq!(r.route(&key.to_le_bytes()), Some(r.node_in(bucket)));
            }
        }
        // Refilling every removed bucket brings back the fast path: bucket
        // `b` is node `b`.
        while r.last_removed != r.bucket_count() {
            r.insert(format!("n{next}")).unwrap();
            next += 1;
        }
        assert_eq!(r.len(), r.buckets().len());
        assert_consistent(&r);
    }

    #[test]
    fn an_emptied_router_routes_nowhere_and_refills() {
        let mut r = router(3);
        for name in ["n1", "n0", "n2"] {
            r.remove(name).unwrap();
        }
        assert!(r.route(b"k").is_none());
        assert!(r.route_n(b"k", 2).is_empty());
        r.insert("again".to_string()).unwrap();
        assert_eq!(r.route(b"k").map(String::as_str), Some("again"));
    }
}
