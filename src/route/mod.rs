//! Placement of keys on nodes: the [`Router`] trait, the membership traits
//! [`Membership`] and [`Weighted`], and the strategies.
//!
//! A router answers "which node owns this key, and who is next in line if it
//! is down?", identically in every process that holds the same nodes, and
//! moves as few keys as possible when nodes come and go.
//!
//! | strategy        | lookup                          | memory            | membership | placement depends on |
//! |-----------------|---------------------------------|-------------------|------------|----------------------|
//! | [`HashRing`]    | O(1) expected (bucketed index)  | 20 B × points     | [`Membership`], [`Weighted`] (`f64`) | identities, weights, vnodes |
//! | [`Rendezvous`]  | O(n) in the node count          | 16 B × nodes      | [`Membership`], [`Weighted`] (`f64`, exact) | identities, weights |
//! | [`JumpHash`]    | O(ln n), float loop             | 4 B × nodes       | `push` / `pop`: only the last node leaves | the order nodes were pushed in |
//! | [`JumpBackHash`] | O(1) expected, integer only    | 4 B × nodes       | `push` / `pop`: only the last node leaves | the order nodes were pushed in |
//! | [`MementoHash`] | O(1) expected; + O(ln(m/n)) on removed buckets | 8 B × buckets + 8 B × nodes | [`Membership`] | the history of insertions and removals |
//! | [`Maglev`]      | O(1), one table read            | 2 B × table entry (65,537 by default; 4 B past 65,536 nodes) | [`Membership`], [`Weighted`] (`f64`, to the entry) | identities, weights, table size |
//! | `compat::CompatRing` (feature `compat`) | O(1) expected after the key's MD5 or CRC-32 | about 20 B × points | [`Membership`], [`Weighted`] (whole numbers) | the deployed system's rules |
//!
//! (Memory beyond the nodes themselves; every placement also depends on the
//! hasher and its seed or key.) [`BoundedLoads`] wraps any of them to cap
//! every node at `⌈c · average⌉` load, and [`LoadTracker`] keeps the session
//! counts it needs.
//!
//! Every strategy keeps the same contracts:
//!
//! * **Stable**: keys and node identities are hashed from their bytes with a
//!   [`KeyHasher`](crate::hash::KeyHasher), so the answer does not depend on
//!   the process, the platform or the release; it depends on exactly what
//!   the table above says. Where that is the identities and weights, the
//!   order nodes were added in makes no difference.
//! * **Minimal disruption**: adding a node moves only keys onto it; removing
//!   one moves only the keys it owned (Maglev: nearly; see its docs).
//! * **Preference lists**: [`Router::route_n`] lists distinct nodes, owner
//!   first, then the nodes that take over if it fails, so replicas of a key
//!   live exactly where failover sends its traffic.
//! * **Failover without rebuilding**: [`Router::route_healthy`] skips nodes the
//!   caller reports as down and returns the first healthy node of the key's
//!   preference list.
//!
//! A node is any type with stable identity bytes: [`NodeId`] is implemented
//! for strings, byte strings, integers and IP and socket addresses, and is
//! a few lines for your own type. Methods that name a present node
//! ([`Router::contains`], [`Membership::remove`], …) take anything the node
//! type borrows as: `remove("a")` for `String` nodes, `remove(&7)` for `u64`
//! nodes.
//!
//! A strategy implements the membership traits it supports and no others, so
//! asking a jump hash to remove a node from the middle is a compile error,
//! not a run-time one. [`Router`] is object safe: strategies can be swapped at
//! run time behind `Box<dyn Router<Node = N>>`.
//!
//! For routers shared by many threads, wrap one in a [`SharedRouter`]: readers
//! take a snapshot without waiting, writers build a new router and swap it in.
//!
//! # Example
//!
//! ```
//! use routekit::route::{HashRing, Membership, Router};
//!
//! let mut ring = HashRing::new();
//! for node in ["10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80"] {
//!     ring.insert(node)?;
//! }
//! let owner = ring.route(b"session-42").unwrap();
//! let replicas = ring.route_n(b"session-42", 2);
//! assert_eq!(replicas[0], owner);
//!
//! // The owner is down: traffic goes to the replica, without rebuilding.
//! let down = *owner;
//! let failover = ring.route_healthy(b"session-42", &|n: &&str| *n != down);
//! assert_eq!(failover, Some(replicas[1]));
//! # Ok::<(), routekit::route::RouteError>(())
//! ```

use std::borrow::Borrow;

// The routers reserve their tables through it (issue 13); until each one
// does, parts of it are unused.
#[allow(dead_code)]
mod alloc;
mod bounded;
#[cfg(feature = "compat")]
#[cfg_attr(docsrs, doc(cfg(feature = "compat")))]
pub mod compat;
mod error;
pub mod handoff;
mod jump;
mod jump_back;
mod maglev;
mod members;
mod memento;
mod mix;
mod node;
mod ordered;
mod points;
mod rendezvous;
mod ring;
mod shared;

pub use bounded::{BoundedLoads, LoadTracker};
pub use error::{BuildError, RouteError};
pub use jump::JumpHash;
pub use jump_back::JumpBackHash;
pub use maglev::{DEFAULT_TABLE_SIZE, Maglev, MaglevBuilder};
pub use memento::MementoHash;
pub use node::{AddressText, NodeId};
pub use rendezvous::Rendezvous;
pub use ring::{DEFAULT_VNODES, HashRing, HashRingBuilder};
pub use shared::{SharedRouter, Snapshot};

/// Places keys on nodes: the read side every routing strategy implements.
///
/// Keys are byte strings and nodes are [`NodeId`]s; see the [module
/// docs](self) for the contracts every implementation keeps. Changing the
/// nodes is another trait's job: [`Membership`] and [`Weighted`] where the
/// strategy supports it, or the strategy's own methods (`push`/`pop` of the
/// jump hashes).
///
/// The trait is object safe: `dyn Router<Node = N>` works, and `Box<R>` and
/// `&R` are routers too. The methods that take a node by what it borrows as
/// ([`contains`](Router::contains), [`is_owner`](Router::is_owner)) need a
/// sized router; on a `&dyn Router` call them through a reference
/// (`(&router).contains("a")`) or use [`node_by_id`](Router::node_by_id).
///
/// # Example
///
/// ```
/// use routekit::route::{HashRing, JumpBackHash, Membership, Rendezvous, Router};
///
/// fn owners(router: &dyn Router<Node = String>, keys: &[&str]) -> Vec<String> {
///     keys.iter().map(|k| router.route(k.as_bytes()).unwrap().clone()).collect()
/// }
///
/// let nodes = ["a", "b", "c"].map(String::from);
/// let mut ring = HashRing::new();
/// ring.extend(nodes.clone())?;
/// let mut rendezvous = Rendezvous::new();
/// rendezvous.extend(nodes.clone())?;
/// let mut jump = JumpBackHash::new();
/// jump.extend(nodes.clone())?;
/// let strategies: Vec<Box<dyn Router<Node = String>>> =
///     vec![Box::new(ring), Box::new(rendezvous), Box::new(jump)];
/// for router in &strategies {
///     assert_eq!(owners(router.as_ref(), &["k1", "k2"]).len(), 2);
///     assert!(router.contains("a"));
/// }
/// # Ok::<(), routekit::route::RouteError>(())
/// ```
pub trait Router {
    /// The node type; see [`NodeId`] for the identity bytes.
    type Node: NodeId;

    /// The node that owns `key`, or `None` when the router has no nodes.
    ///
    /// Allocation-free; the cost is the strategy's lookup cost (see the table
    /// in the [module docs](self)).
    ///
    /// ```
    /// use routekit::route::{Membership, Rendezvous, Router};
    /// let mut router = Rendezvous::new();
    /// assert_eq!(router.route(b"k"), None);
    /// router.insert("a")?;
    /// assert_eq!(router.route(b"k"), Some(&"a"));
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    fn route(&self, key: &[u8]) -> Option<&Self::Node>;

    /// Writes into `out` (after clearing it) up to `n` distinct nodes for
    /// `key` in preference order: the owner first, then the node that takes
    /// over if the owner fails, and so on. Fewer than `n` when the router holds
    /// fewer nodes; none when it is empty or `n` is 0.
    ///
    /// Reusing `out` across calls makes this allocation-free for small `n`.
    ///
    /// ```
    /// use routekit::route::{HashRing, Membership, Router};
    /// let mut ring = HashRing::new();
    /// ring.extend(["a", "b", "c"])?;
    /// let mut out = Vec::new();
    /// ring.route_n_into(b"k", 2, &mut out);
    /// assert_eq!(out.len(), 2);
    /// ring.route_n_into(b"k", 0, &mut out);
    /// assert!(out.is_empty());
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    fn route_n_into<'r>(&'r self, key: &[u8], n: usize, out: &mut Vec<&'r Self::Node>);

    /// Up to `n` distinct nodes for `key` in preference order; see
    /// [`route_n_into`](Router::route_n_into), which this calls with a new
    /// vector. Empty when `n` is 0.
    ///
    /// ```
    /// use routekit::route::{Membership, Rendezvous, Router};
    /// let mut router = Rendezvous::new();
    /// router.extend(["a", "b"])?;
    /// assert_eq!(router.route_n(b"k", 5).len(), 2);
    /// assert!(router.route_n(b"k", 0).is_empty());
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    fn route_n(&self, key: &[u8], n: usize) -> Vec<&Self::Node> {
        let mut out = Vec::with_capacity(n.min(self.len()));
        self.route_n_into(key, n, &mut out);
        out
    }

    /// The first node of `key`'s preference list for which `is_healthy`
    /// returns true, or `None` when no node is healthy.
    ///
    /// The membership is untouched: when the node recovers, its keys route to
    /// it again. Equal to the first healthy node of `route_n(key, len())`.
    ///
    /// ```
    /// use routekit::route::{HashRing, Membership, Router};
    /// let mut ring = HashRing::new();
    /// ring.extend(["a", "b"])?;
    /// let owner = *ring.route(b"k").unwrap();
    /// let other = ring.route_healthy(b"k", &|n: &&str| *n != owner).unwrap();
    /// assert_ne!(*other, owner);
    /// assert_eq!(ring.route_healthy(b"k", &|_: &&str| false), None);
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    fn route_healthy(
        &self,
        key: &[u8],
        is_healthy: &dyn Fn(&Self::Node) -> bool,
    ) -> Option<&Self::Node>;

    /// The present node whose identity bytes are `id`: O(log n) in the node
    /// count for every strategy here.
    ///
    /// ```
    /// use routekit::route::{Membership, NodeId, Rendezvous, Router};
    /// let mut router = Rendezvous::new();
    /// router.extend([7u64, 9])?;
    /// assert_eq!(router.node_by_id(&9u64.id_bytes()), Some(&9));
    /// assert_eq!(router.node_by_id(b"9"), None);
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    fn node_by_id(&self, id: &[u8]) -> Option<&Self::Node>;

    /// Whether a node with `node`'s identity is present: O(log n).
    ///
    /// `node` is anything the node type borrows as (`&str` for `String`
    /// nodes, `&u64` for `u64` nodes), as for `HashMap::contains_key`; its
    /// identity bytes must be those of the node it stands for, as the
    /// standard borrows' are.
    ///
    /// ```
    /// use routekit::route::{HashRing, Membership, Router};
    /// let mut ring: HashRing<String> = HashRing::new();
    /// ring.insert("a".to_string())?;
    /// assert!(ring.contains("a"));
    /// assert!(!ring.contains("b"));
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    fn contains<Q>(&self, node: &Q) -> bool
    where
        Self: Sized,
        Self::Node: Borrow<Q>,
        Q: NodeId + ?Sized,
    {
        self.node_by_id(node.id_bytes().as_ref()).is_some()
    }

    /// True when `node` owns `key`: the check behind "serve it here, or
    /// redirect to the owner". `node` is taken as in
    /// [`contains`](Router::contains). The cost of a [`route`](Router::route).
    ///
    /// ```
    /// use routekit::route::{Membership, Rendezvous, Router};
    ///
    /// let mut router = Rendezvous::new();
    /// router.extend([1u32, 2])?;
    /// let owner = *router.route(b"cart:7").unwrap();
    /// assert!(router.is_owner(b"cart:7", &owner));
    /// assert!(!router.is_owner(b"cart:7", &(3 - owner)));
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    fn is_owner<Q>(&self, key: &[u8], node: &Q) -> bool
    where
        Self: Sized,
        Self::Node: Borrow<Q>,
        Q: NodeId + ?Sized,
    {
        self.route(key).is_some_and(|owner| owner.id_bytes().as_ref() == node.id_bytes().as_ref())
    }

    /// The number of nodes.
    ///
    /// ```
    /// use routekit::route::{JumpHash, Router};
    /// let mut jump = JumpHash::new();
    /// jump.extend(["a", "b"])?;
    /// assert_eq!(jump.len(), 2);
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    fn len(&self) -> usize;

    /// True when the router has no nodes (and so routes every key to `None`).
    ///
    /// ```
    /// use routekit::route::{Maglev, Router};
    /// assert!(Maglev::<String>::new().is_empty());
    /// ```
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Heap bytes held by the router's tables and node list (not counting
    /// the nodes' own heap data, such as a `String`'s buffer).
    ///
    /// ```
    /// use routekit::route::{HashRing, Membership, Router};
    /// let mut ring = HashRing::new();
    /// ring.insert("a")?;
    /// assert!(ring.memory_bytes() >= 160 * 16); // 160 points of 16 bytes
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    fn memory_bytes(&self) -> usize;
}

/// Changes the nodes of a router in which any node can join and any node can
/// leave.
///
/// Implemented by [`HashRing`], [`Rendezvous`], [`Maglev`] and
/// [`MementoHash`] (and `compat::CompatRing`). Strategies whose nodes can
/// only leave from the end ([`JumpHash`], [`JumpBackHash`]) do not implement
/// it: they have `push`, `extend` and `pop` of their own.
///
/// A refused change leaves the router as it was. The trait is not object
/// safe (`extend` and `remove` are generic); generic code takes
/// `R: Membership`.
///
/// # Example
///
/// ```
/// use routekit::route::{Membership, MementoHash, Router};
///
/// fn replace<R: Membership<Node = String>>(router: &mut R, old: &str, new: &str) {
///     router.remove(old).unwrap();
///     router.insert(new.to_string()).unwrap();
/// }
///
/// let mut router = MementoHash::new();
/// router.extend(["a", "b", "c"].map(String::from))?;
/// replace(&mut router, "b", "d");
/// assert!(router.contains("d") && !router.contains("b"));
/// # Ok::<(), routekit::route::RouteError>(())
/// ```
pub trait Membership: Router {
    /// Adds `node` (with weight 1, where the strategy weighs nodes).
    ///
    /// # Errors
    ///
    /// [`RouteError::DuplicateNode`] when a node with the same identity is
    /// present, or the strategy's own limits (see its docs).
    ///
    /// ```
    /// use routekit::route::{HashRing, Membership, RouteError};
    /// let mut ring = HashRing::new();
    /// ring.insert("a")?;
    /// assert!(matches!(ring.insert("a"), Err(RouteError::DuplicateNode { .. })));
    /// # Ok::<(), RouteError>(())
    /// ```
    fn insert(&mut self, node: Self::Node) -> Result<(), RouteError> {
        self.extend(std::iter::once(node))
    }

    /// Adds many nodes, as [`insert`](Membership::insert) of each would,
    /// with one sort or rebuild (see the strategy for the cost). Either
    /// every node is added or, on error, none is.
    ///
    /// # Errors
    ///
    /// As [`insert`](Membership::insert), also when an identity repeats
    /// among the new nodes.
    ///
    /// ```
    /// use routekit::route::{Membership, Rendezvous, Router};
    /// let mut router = Rendezvous::new();
    /// router.extend((0..1000).map(|i| format!("node-{i}")))?;
    /// assert!(router.extend(["node-7".to_string(), "new".to_string()]).is_err());
    /// assert_eq!(router.len(), 1000);
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    fn extend<I>(&mut self, nodes: I) -> Result<(), RouteError>
    where
        I: IntoIterator<Item = Self::Node>;

    /// Removes the node with `node`'s identity and returns it; `node` is
    /// taken as in [`Router::contains`].
    ///
    /// # Errors
    ///
    /// [`RouteError::UnknownNode`] when no node has that identity.
    ///
    /// ```
    /// use routekit::route::{Maglev, Membership, RouteError};
    /// let mut lb: Maglev<String> = Maglev::new();
    /// lb.insert("a".to_string())?;
    /// assert_eq!(lb.remove("a")?, "a");
    /// assert!(matches!(lb.remove("a"), Err(RouteError::UnknownNode { .. })));
    /// # Ok::<(), RouteError>(())
    /// ```
    fn remove<Q>(&mut self, node: &Q) -> Result<Self::Node, RouteError>
    where
        Self::Node: Borrow<Q>,
        Q: NodeId + ?Sized;
}

/// Gives nodes of a router shares of the keys in proportion to their weights.
///
/// [`HashRing`], [`Rendezvous`] and [`Maglev`] take `f64` weights (positive
/// and finite); a strategy whose weights are whole numbers says so with its
/// [`Weight`](Weighted::Weight) type. [`Membership::insert`] adds a node with
/// weight 1.
///
/// # Example
///
/// ```
/// use routekit::route::{Membership, Rendezvous, Weighted};
///
/// let mut router = Rendezvous::new();
/// router.insert_weighted("large", 3.0)?;
/// router.insert("small")?;
/// assert_eq!(router.weight("large"), Some(3.0));
/// assert_eq!(router.weight("small"), Some(1.0));
/// # Ok::<(), routekit::route::RouteError>(())
/// ```
pub trait Weighted: Membership {
    /// The weight type.
    type Weight: Copy;

    /// Adds `node` with a share of keys proportional to `weight`.
    ///
    /// # Errors
    ///
    /// [`RouteError::InvalidWeight`] for a weight the strategy cannot use
    /// (for `f64`: unless positive and finite); otherwise as
    /// [`Membership::insert`].
    ///
    /// ```
    /// use routekit::route::{HashRing, RouteError, Weighted};
    /// let mut ring = HashRing::new();
    /// ring.insert_weighted("a", 2.0)?;
    /// assert!(matches!(ring.insert_weighted("b", 0.0), Err(RouteError::InvalidWeight { .. })));
    /// # Ok::<(), RouteError>(())
    /// ```
    fn insert_weighted(
        &mut self,
        node: Self::Node,
        weight: Self::Weight,
    ) -> Result<(), RouteError> {
        self.extend_weighted(std::iter::once((node, weight)))
    }

    /// Adds many weighted nodes with one sort or rebuild. Either every node
    /// is added or, on error, none is.
    ///
    /// # Errors
    ///
    /// As [`insert_weighted`](Weighted::insert_weighted), also when an
    /// identity repeats among the new nodes.
    ///
    /// ```
    /// use routekit::route::{Maglev, Router, Weighted};
    /// let mut lb = Maglev::new();
    /// lb.extend_weighted([("small", 1.0), ("large", 4.0)])?;
    /// assert_eq!(lb.len(), 2);
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    fn extend_weighted<I>(&mut self, nodes: I) -> Result<(), RouteError>
    where
        I: IntoIterator<Item = (Self::Node, Self::Weight)>;

    /// The weight of the node with `node`'s identity, or `None` when it is
    /// not present; `node` is taken as in [`Router::contains`]. O(log n).
    ///
    /// ```
    /// use routekit::route::{HashRing, Weighted};
    /// let mut ring = HashRing::new();
    /// ring.insert_weighted(7u16, 0.5)?;
    /// assert_eq!(ring.weight(&7), Some(0.5));
    /// assert_eq!(ring.weight(&8), None);
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    fn weight<Q>(&self, node: &Q) -> Option<Self::Weight>
    where
        Self::Node: Borrow<Q>,
        Q: NodeId + ?Sized;
}

/// A boxed router routes as the router it holds.
impl<R: Router + ?Sized> Router for Box<R> {
    type Node = R::Node;

    #[inline]
    fn route(&self, key: &[u8]) -> Option<&Self::Node> {
        (**self).route(key)
    }

    fn route_n_into<'r>(&'r self, key: &[u8], n: usize, out: &mut Vec<&'r Self::Node>) {
        (**self).route_n_into(key, n, out)
    }

    fn route_n(&self, key: &[u8], n: usize) -> Vec<&Self::Node> {
        (**self).route_n(key, n)
    }

    fn route_healthy(
        &self,
        key: &[u8],
        is_healthy: &dyn Fn(&Self::Node) -> bool,
    ) -> Option<&Self::Node> {
        (**self).route_healthy(key, is_healthy)
    }

    fn node_by_id(&self, id: &[u8]) -> Option<&Self::Node> {
        (**self).node_by_id(id)
    }

    fn len(&self) -> usize {
        (**self).len()
    }

    fn memory_bytes(&self) -> usize {
        (**self).memory_bytes()
    }
}

/// A borrowed router routes as the router it refers to.
impl<R: Router + ?Sized> Router for &R {
    type Node = R::Node;

    #[inline]
    fn route(&self, key: &[u8]) -> Option<&Self::Node> {
        (**self).route(key)
    }

    fn route_n_into<'r>(&'r self, key: &[u8], n: usize, out: &mut Vec<&'r Self::Node>) {
        (**self).route_n_into(key, n, out)
    }

    fn route_n(&self, key: &[u8], n: usize) -> Vec<&Self::Node> {
        (**self).route_n(key, n)
    }

    fn route_healthy(
        &self,
        key: &[u8],
        is_healthy: &dyn Fn(&Self::Node) -> bool,
    ) -> Option<&Self::Node> {
        (**self).route_healthy(key, is_healthy)
    }

    fn node_by_id(&self, id: &[u8]) -> Option<&Self::Node> {
        (**self).node_by_id(id)
    }

    fn len(&self) -> usize {
        (**self).len()
    }

    fn memory_bytes(&self) -> usize {
        (**self).memory_bytes()
    }
}

// The trait is meant to be used as `dyn Router`: keep it object safe.
const _: Option<&dyn Router<Node = String>> = None;
