//! [`Handoff`]: the plan between a router before and after a membership
//! change, answered per key for every strategy.

use super::error::HasherIdText;
use super::{Fingerprint, Placement, PlanError};
use crate::route::NodeId;

/// What moves between two routers of the same strategy, hasher and
/// parameters: the router before a membership change and the router after
/// it (a node joins, leaves or changes weight; several at once).
///
/// Every strategy answers per key ([`key`](Handoff::key),
/// [`replicas`](Handoff::replicas), [`leaves`](Handoff::leaves)); the rings
/// also list the hash ranges that change owner
/// ([`ranges`](Handoff::ranges), [`replica_ranges`](Handoff::replica_ranges))
/// and Maglev the table slots ([`slots`](Handoff::slots)).
///
/// Building the plan compares the two routers' [`Fingerprint`]s once: O(n)
/// in the node count. When they are equal the plan is empty and every
/// per-key answer is "stays", at the cost of one routing.
///
/// # Example
///
/// ```
/// use routekit::route::handoff::Handoff;
/// use routekit::route::{Membership, Rendezvous};
///
/// let mut before = Rendezvous::new();
/// before.extend(["a", "b", "c"])?;
/// let mut after = before.clone();
/// after.insert("d")?;
///
/// let plan = Handoff::new(&before, &after)?;
/// let moved: Vec<String> = (0..1000)
///     .map(|i| format!("session-{i}"))
///     .filter(|key| plan.key(key.as_bytes()).moves())
///     .collect();
/// // Only keys onto the new node, about a quarter of them.
/// assert!(moved.iter().all(|key| plan.key(key.as_bytes()).to() == Some(&"d")));
/// assert!((150..350).contains(&moved.len()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Handoff<'r, R> {
    pub(super) before: &'r R,
    pub(super) after: &'r R,
    same: bool,
}

/// Where one key is owned before and after a change: the answer of
/// [`Handoff::key`]. The owners are `None` where a router has no nodes.
///
/// # Example
///
/// ```
/// use routekit::route::handoff::Handoff;
/// use routekit::route::{HashRing, Membership};
///
/// let mut before = HashRing::new();
/// before.insert("a")?;
/// let after = HashRing::new(); // the last node left
/// let change = Handoff::new(&before, &after)?.key(b"k");
/// assert_eq!((change.from(), change.to()), (Some(&"a"), None));
/// assert!(change.moves());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, PartialEq, Eq)]
pub struct KeyMove<'r, N> {
    from: Option<&'r N>,
    to: Option<&'r N>,
}

/// How a key's replica set of `r` nodes changes: the answer of
/// [`Handoff::replicas`]. `gained` are the nodes that hold a replica after
/// the change and did not before (in the new preference order); `lost`
/// those that held one and no longer do (in the old order). A node that
/// stays in the set but changes rank is in neither; the owner's change is
/// [`owner`](ReplicaMove::owner).
///
/// # Example
///
/// ```
/// use routekit::route::handoff::Handoff;
/// use routekit::route::{HashRing, Membership};
///
/// let mut before = HashRing::new();
/// before.extend(["a", "b", "c"])?;
/// let mut after = before.clone();
/// after.remove("b")?;
/// after.insert("d")?;
/// let plan = Handoff::new(&before, &after)?;
/// for i in 0..100 {
///     let change = plan.replicas(format!("k{i}").as_bytes(), 3);
///     // With three replicas on three nodes, "d" takes exactly "b"'s place.
///     assert_eq!(change.gained(), [&"d"]);
///     assert_eq!(change.lost(), [&"b"]);
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplicaMove<'r, N> {
    owner: KeyMove<'r, N>,
    gained: Vec<&'r N>,
    lost: Vec<&'r N>,
}

impl<'r, R: Placement> Handoff<'r, R> {
    /// The plan from `before` to `after`: O(n) in the node count, for the
    /// two fingerprints.
    ///
    /// # Errors
    ///
    /// [`PlanError`] naming what differs when the routers have different
    /// strategies (compat profiles), hashers or parameters.
    ///
    /// ```
    /// use routekit::hash::Xxh3;
    /// use routekit::route::handoff::{Handoff, PlanError};
    /// use routekit::route::Rendezvous;
    ///
    /// let a: Rendezvous<String> = Rendezvous::new();
    /// let b: Rendezvous<String> = Rendezvous::with_hasher(Xxh3::with_seed(1));
    /// assert!(matches!(Handoff::new(&a, &b), Err(PlanError::Hasher { .. })));
    /// assert!(Handoff::new(&a, &a.clone())?.is_empty());
    /// # Ok::<(), PlanError>(())
    /// ```
    pub fn new(before: &'r R, after: &'r R) -> Result<Handoff<'r, R>, PlanError> {
        let (old, new) = (before.settings(), after.settings());
        if old.strategy() != new.strategy() {
            return Err(PlanError::Strategy { before: old.strategy(), after: new.strategy() });
        }
        if old.hasher() != new.hasher() {
            return Err(PlanError::Hasher {
                before: HasherIdText(old.hasher()),
                after: HasherIdText(new.hasher()),
            });
        }
        if let (Some((name, b)), Some((_, a))) = (old.parameter(), new.parameter()) {
            if a != b {
                return Err(PlanError::Parameter { name, before: b, after: a });
            }
        }
        let same = Fingerprint::of(before) == Fingerprint::of(after);
        Ok(Handoff { before, after, same })
    }

    /// True when the two routers place every key alike (equal
    /// fingerprints): nothing moves. O(1).
    ///
    /// ```
    /// use routekit::route::handoff::Handoff;
    /// use routekit::route::JumpHash;
    /// let mut a = JumpHash::new();
    /// a.extend(["x", "y"])?;
    /// let mut b = a.clone();
    /// assert!(Handoff::new(&a, &b)?.is_empty());
    /// b.push("z")?;
    /// assert!(!Handoff::new(&a, &b)?.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.same
    }

    /// The router before the change.
    ///
    /// ```
    /// use routekit::route::handoff::Handoff;
    /// use routekit::route::{Maglev, Router};
    /// let (a, b) = (Maglev::<&str>::new(), Maglev::<&str>::new());
    /// assert!(Handoff::new(&a, &b)?.before().is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn before(&self) -> &'r R {
        self.before
    }

    /// The router after the change.
    ///
    /// ```
    /// use routekit::route::handoff::Handoff;
    /// use routekit::route::{Maglev, Router};
    /// let (a, b) = (Maglev::<&str>::new(), Maglev::<&str>::new());
    /// assert!(Handoff::new(&a, &b)?.after().is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn after(&self) -> &'r R {
        self.after
    }

    /// Where `key` is owned before and after: two routings (one when the
    /// plan is empty), no allocation.
    ///
    /// ```
    /// use routekit::route::handoff::Handoff;
    /// use routekit::route::{Membership, Maglev};
    ///
    /// let mut before = Maglev::new();
    /// before.extend(["a", "b"])?;
    /// let mut after = before.clone();
    /// after.remove("b")?;
    /// let change = Handoff::new(&before, &after)?.key(b"user:1");
    /// assert_eq!(change.to(), Some(&"a"));
    /// assert_eq!(change.moves(), change.from() == Some(&"b"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn key(&self, key: &[u8]) -> KeyMove<'r, R::Node> {
        let from = self.before.route(key);
        let to = if self.same { from } else { self.after.route(key) };
        KeyMove { from, to }
    }

    /// For state that `me` holds for `key` (as its owner by the old
    /// router), the node it must go to now, or `None` when it stays (or no
    /// node is left to take it). One routing by the new router: the form
    /// for a scan of an instance's local state, which already knows it
    /// holds each key.
    ///
    /// ```
    /// use routekit::route::handoff::Handoff;
    /// use routekit::route::{HashRing, Membership, Router};
    ///
    /// let mut before = HashRing::new();
    /// before.extend(["a", "b", "c"])?;
    /// let mut after = before.clone();
    /// after.remove("a")?;
    /// let plan = Handoff::new(&before, &after)?;
    /// let keys: Vec<String> = (0..500).map(|i| format!("k{i}")).collect();
    /// for key in &keys {
    ///     let held_by = *before.route(key.as_bytes()).unwrap();
    ///     let leaves = plan.leaves(&held_by, key.as_bytes());
    ///     // Everything "a" held leaves it; nothing else moves.
    ///     assert_eq!(leaves.is_some(), held_by == "a");
    ///     assert_eq!(leaves, plan.key(key.as_bytes()).moves().then(|| after.route(key.as_bytes()).unwrap()));
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn leaves<Q: NodeId + ?Sized>(&self, me: &Q, key: &[u8]) -> Option<&'r R::Node> {
        if self.same {
            return None;
        }
        let to = self.after.route(key)?;
        (to.id_bytes().as_ref() != me.id_bytes().as_ref()).then_some(to)
    }

    /// How `key`'s set of `r` replicas (its first `r` preference-list
    /// nodes) changes: two preference-list lookups of `r` nodes and a
    /// comparison, O(r²); allocates the two short lists. `r = 0` changes
    /// nothing.
    ///
    /// ```
    /// use routekit::route::handoff::Handoff;
    /// use routekit::route::{Membership, Rendezvous};
    ///
    /// let mut before = Rendezvous::new();
    /// before.extend(["a", "b", "c", "d"])?;
    /// let mut after = before.clone();
    /// after.insert("e")?;
    /// let plan = Handoff::new(&before, &after)?;
    /// for i in 0..200 {
    ///     let change = plan.replicas(format!("k{i}").as_bytes(), 2);
    ///     // A join only gains replicas for the new node, each taking one away.
    ///     assert!(change.gained().iter().all(|n| **n == "e"));
    ///     assert_eq!(change.gained().len(), change.lost().len());
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn replicas(&self, key: &[u8], r: usize) -> ReplicaMove<'r, R::Node> {
        let old = self.before.route_n(key, r);
        if self.same {
            let owner = old.first().copied();
            return ReplicaMove {
                owner: KeyMove { from: owner, to: owner },
                gained: Vec::new(),
                lost: Vec::new(),
            };
        }
        let new = self.after.route_n(key, r);
        let absent = |list: &[&R::Node], node: &R::Node| {
            let id = node.id_bytes();
            !list.iter().any(|other| other.id_bytes().as_ref() == id.as_ref())
        };
        let gained = new.iter().copied().filter(|n| absent(&old, n)).collect();
        let lost = old.iter().copied().filter(|n| absent(&new, n)).collect();
        let owner = KeyMove { from: old.first().copied(), to: new.first().copied() };
        ReplicaMove { owner, gained, lost }
    }
}

impl<'r, N: NodeId> KeyMove<'r, N> {
    /// The owner before the change (`None`: the old router had no nodes).
    ///
    /// ```
    /// use routekit::route::handoff::Handoff;
    /// use routekit::route::{Membership, Rendezvous};
    /// let mut r = Rendezvous::new();
    /// r.insert("a")?;
    /// assert_eq!(Handoff::new(&r, &r)?.key(b"k").from(), Some(&"a"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from(&self) -> Option<&'r N> {
        self.from
    }

    /// The owner after the change (`None`: the new router has no nodes).
    ///
    /// ```
    /// use routekit::route::handoff::Handoff;
    /// use routekit::route::{Membership, Rendezvous};
    /// let mut r = Rendezvous::new();
    /// r.insert("a")?;
    /// assert_eq!(Handoff::new(&r, &r)?.key(b"k").to(), Some(&"a"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to(&self) -> Option<&'r N> {
        self.to
    }

    /// True when the owners differ (by identity).
    ///
    /// ```
    /// use routekit::route::handoff::Handoff;
    /// use routekit::route::{Membership, Rendezvous};
    /// let mut r = Rendezvous::new();
    /// r.insert("a")?;
    /// assert!(!Handoff::new(&r, &r)?.key(b"k").moves());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn moves(&self) -> bool {
        match (self.from, self.to) {
            (Some(a), Some(b)) => a.id_bytes().as_ref() != b.id_bytes().as_ref(),
            (None, None) => false,
            _ => true,
        }
    }
}

impl<'r, N: NodeId> ReplicaMove<'r, N> {
    /// The owner's change, as [`Handoff::key`] gives it.
    ///
    /// ```
    /// use routekit::route::handoff::Handoff;
    /// use routekit::route::{Membership, Rendezvous};
    /// let mut r = Rendezvous::new();
    /// r.extend(["a", "b"])?;
    /// let plan = Handoff::new(&r, &r)?;
    /// assert_eq!(plan.replicas(b"k", 2).owner(), plan.key(b"k"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn owner(&self) -> KeyMove<'r, N> {
        self.owner
    }

    /// The nodes that gain a replica, in the new preference order.
    ///
    /// ```
    /// use routekit::route::handoff::Handoff;
    /// use routekit::route::{Membership, Rendezvous};
    /// let before: Rendezvous<&str> = Rendezvous::new();
    /// let mut after = Rendezvous::new();
    /// after.extend(["a", "b"])?;
    /// assert_eq!(Handoff::new(&before, &after)?.replicas(b"k", 5).gained().len(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn gained(&self) -> &[&'r N] {
        &self.gained
    }

    /// The nodes that lose a replica, in the old preference order.
    ///
    /// ```
    /// use routekit::route::handoff::Handoff;
    /// use routekit::route::{Membership, Rendezvous};
    /// let mut before = Rendezvous::new();
    /// before.extend(["a", "b"])?;
    /// let after: Rendezvous<&str> = Rendezvous::new();
    /// assert_eq!(Handoff::new(&before, &after)?.replicas(b"k", 1).lost().len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn lost(&self) -> &[&'r N] {
        &self.lost
    }

    /// True when the replica set changes (some node gains or loses).
    ///
    /// ```
    /// use routekit::route::handoff::Handoff;
    /// use routekit::route::{Membership, Rendezvous};
    /// let mut r = Rendezvous::new();
    /// r.extend(["a", "b"])?;
    /// assert!(!Handoff::new(&r, &r)?.replicas(b"k", 2).moves());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn moves(&self) -> bool {
        !self.gained.is_empty() || !self.lost.is_empty()
    }
}

impl<N> Clone for KeyMove<'_, N> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<N> Copy for KeyMove<'_, N> {}
