//! Placement of keys on nodes: the [`Router`] trait and its strategies.
//!
//! A router answers "which node owns this key, and who is next in line if it
//! is down?", identically in every process that holds the same nodes, and
//! moves as few keys as possible when nodes come and go.
//!
//! | strategy        | lookup                          | memory            | weights | replicas | any node can leave |
//! |-----------------|---------------------------------|-------------------|---------|----------|--------------------|
//! | [`HashRing`]    | O(1) expected (bucketed index)  | 20 B × points     | yes     | yes      | yes                |
//! | [`Rendezvous`]  | O(n) in the node count          | 24 B × nodes      | yes, exact | yes   | yes                |
//! | [`JumpHash`]    | O(ln n), float loop             | 4 B × nodes       | no      | yes      | only the last added |
//! | [`JumpBackHash`] | O(1) expected, integer only    | 4 B × nodes       | no      | yes      | only the last added |
//! | [`MementoHash`] | O(1) expected; + O(ln(m/n)) on removed buckets | 8 B × buckets + 8 B × nodes | no | yes | yes |
//! | [`Maglev`]      | O(1), one table read            | 4 B × table (65,537 default) | yes, to the entry | yes | yes, near-minimal disruption |
//! | `compat::CompatRing` (feature `compat`) | O(1) expected after the key's MD5 or CRC-32 | about 20 B × points | whole numbers | yes | yes |
//!
//! (Memory beyond the nodes themselves.) [`BoundedLoads`] wraps any of them
//! to cap every node at `⌈c · average⌉` load, and [`LoadTracker`] keeps the
//! session counts it needs.
//!
//! Every strategy keeps the same contracts:
//!
//! * **Stable**: keys and node identities are hashed from their bytes with a
//!   [`KeyHasher`](crate::hash::KeyHasher), so the answer does not depend on
//!   the process, the platform, the release, or the order nodes were added
//!   (except for the jump-style strategies, whose nodes are a list in
//!   insertion order, and [`MementoHash`], which remembers its removals).
//! * **Minimal disruption**: adding a node moves only keys onto it; removing
//!   one moves only the keys it owned (Maglev: nearly; see its docs).
//! * **Preference lists**: [`Router::route_n`] lists distinct nodes, owner
//!   first, then the nodes that take over if it fails, so replicas of a key
//!   live exactly where failover sends its traffic.
//! * **Failover without rebuilding**: [`Router::route_healthy`] skips nodes the
//!   caller reports as down and returns the first healthy node of the key's
//!   preference list.
//!
//! A node is any type whose identity is a byte string (`AsRef<[u8]>`: `String`,
//! `&str`, `Vec<u8>`, or your own type). Methods that name an existing node
//! take its identity bytes.
//!
//! For routers shared by many threads, wrap one in a [`SharedRouter`]: readers
//! take a snapshot without waiting, writers build a new router and swap it in.
//!
//! # Example
//!
//! ```
//! use routekit::route::{HashRing, Router};
//!
//! let mut ring = HashRing::new();
//! for node in ["10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80"] {
//!     ring.insert(node)?;
//! }
//! let owner = ring.route(b"session-42").unwrap();
//! let replicas = ring.route_n(b"session-42", 2)?;
//! assert_eq!(replicas[0], owner);
//!
//! // The owner is down: traffic goes to the replica, without rebuilding.
//! let down = *owner;
//! let failover = ring.route_healthy(b"session-42", &|n: &&str| *n != down);
//! assert_eq!(failover, Some(replicas[1]));
//! # Ok::<(), routekit::route::RouteError>(())
//! ```

mod bounded;
#[cfg(feature = "compat")]
pub mod compat;
mod error;
mod jump;
mod jump_back;
mod maglev;
mod memento;
mod mix;
mod ordered;
mod points;
mod rendezvous;
mod ring;
mod shared;

pub use bounded::{BoundedLoads, LoadTracker};
pub use error::RouteError;
pub use jump::JumpHash;
pub use jump_back::JumpBackHash;
pub use maglev::{DEFAULT_TABLE_SIZE, Maglev, MaglevBuilder};
pub use memento::MementoHash;
pub use rendezvous::Rendezvous;
pub use ring::{DEFAULT_VNODES, HashRing, HashRingBuilder};
pub use shared::{SharedRouter, Snapshot};

/// Places keys on nodes: the interface every routing strategy implements.
///
/// Keys and node identities are byte strings; see the [module docs](self) for
/// the contracts every implementation keeps. The trait is object safe, so
/// strategies can be swapped at run time behind `Box<dyn Router<Node = N>>`.
///
/// # Example
///
/// ```
/// use routekit::route::{HashRing, Rendezvous, Router};
///
/// fn owners(router: &dyn Router<Node = String>, keys: &[&str]) -> Vec<String> {
///     keys.iter().map(|k| router.route(k.as_bytes()).unwrap().clone()).collect()
/// }
///
/// let nodes = ["a", "b", "c"].map(String::from);
/// let mut strategies: Vec<Box<dyn Router<Node = String>>> =
///     vec![Box::new(HashRing::new()), Box::new(Rendezvous::new())];
/// for router in &mut strategies {
///     for node in &nodes {
///         router.insert(node.clone())?;
///     }
///     assert_eq!(owners(router.as_ref(), &["k1", "k2"]).len(), 2);
/// }
/// # Ok::<(), routekit::route::RouteError>(())
/// ```
pub trait Router {
    /// The node type; its identity is the bytes of `as_ref()`.
    type Node: AsRef<[u8]>;

    /// The node that owns `key`, or `None` when the router has no nodes.
    ///
    /// Allocation-free; the cost is the strategy's lookup cost (see the table
    /// in the [module docs](self)).
    fn route(&self, key: &[u8]) -> Option<&Self::Node>;

    /// Writes into `out` (after clearing it) up to `n` distinct nodes for
    /// `key` in preference order: the owner first, then the node that takes
    /// over if the owner fails, and so on. Fewer than `n` when the router holds
    /// fewer nodes; none when it is empty.
    ///
    /// Reusing `out` across calls makes this allocation-free for small `n`.
    ///
    /// # Errors
    ///
    /// [`RouteError::ZeroReplicas`] when `n` is 0.
    fn route_n_into<'r>(
        &'r self,
        key: &[u8],
        n: usize,
        out: &mut Vec<&'r Self::Node>,
    ) -> Result<(), RouteError>;

    /// Up to `n` distinct nodes for `key` in preference order; see
    /// [`route_n_into`](Router::route_n_into), which this calls with a new
    /// vector.
    ///
    /// # Errors
    ///
    /// [`RouteError::ZeroReplicas`] when `n` is 0.
    fn route_n(&self, key: &[u8], n: usize) -> Result<Vec<&Self::Node>, RouteError> {
        let mut out = Vec::with_capacity(n.min(self.len()));
        self.route_n_into(key, n, &mut out)?;
        Ok(out)
    }

    /// The first node of `key`'s preference list for which `is_healthy`
    /// returns true, or `None` when no node is healthy.
    ///
    /// The membership is untouched: when the node recovers, its keys route to
    /// it again. Equal to the first healthy node of `route_n(key, len())`.
    fn route_healthy(
        &self,
        key: &[u8],
        is_healthy: &dyn Fn(&Self::Node) -> bool,
    ) -> Option<&Self::Node>;

    /// True when the node with identity `node` owns `key`: the check behind
    /// "serve it here, or redirect to the owner".
    ///
    /// ```
    /// use routekit::route::{Rendezvous, Router};
    ///
    /// let mut router = Rendezvous::new();
    /// router.insert("a")?;
    /// router.insert("b")?;
    /// let owner = *router.route(b"cart:7").unwrap();
    /// assert!(router.is_owner(b"cart:7", owner.as_bytes()));
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    fn is_owner(&self, key: &[u8], node: &[u8]) -> bool {
        self.route(key).is_some_and(|owner| owner.as_ref() == node)
    }

    /// Adds `node` with weight 1.
    ///
    /// # Errors
    ///
    /// [`RouteError::DuplicateNode`] when a node with the same identity is
    /// present, or the strategy's own limits (see its docs).
    fn insert(&mut self, node: Self::Node) -> Result<(), RouteError> {
        self.insert_weighted(node, 1.0)
    }

    /// Adds `node` with a share of keys proportional to `weight`.
    ///
    /// # Errors
    ///
    /// [`RouteError::InvalidWeight`] unless `weight` is positive and finite;
    /// [`RouteError::DuplicateNode`] when a node with the same identity is
    /// present; [`RouteError::Unsupported`] for strategies without weights.
    fn insert_weighted(&mut self, node: Self::Node, weight: f64) -> Result<(), RouteError>;

    /// Removes the node whose identity is `node` and returns it.
    ///
    /// # Errors
    ///
    /// [`RouteError::UnknownNode`] when no node has that identity;
    /// [`RouteError::Unsupported`] when the strategy cannot remove that node.
    fn remove(&mut self, node: &[u8]) -> Result<Self::Node, RouteError>;

    /// Whether a node with identity `node` is present.
    fn contains(&self, node: &[u8]) -> bool;

    /// The number of nodes.
    fn len(&self) -> usize;

    /// True when the router has no nodes (and so routes every key to `None`).
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Heap bytes held by the router's tables (not counting the nodes' own
    /// heap data, such as a `String`'s buffer).
    fn memory_bytes(&self) -> usize;

    /// What the strategy supports, for choosing between strategies.
    fn capabilities(&self) -> Capabilities;
}

/// What a routing strategy supports.
///
/// # Example
///
/// ```
/// use routekit::route::{HashRing, Router};
///
/// let ring: HashRing<String> = HashRing::new();
/// let caps = ring.capabilities();
/// assert!(caps.weights && caps.replicas && caps.arbitrary_removal);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Capabilities {
    /// Nodes can carry weights (`insert_weighted`).
    pub weights: bool,
    /// Any node can be removed, not only the most recently added one.
    pub arbitrary_removal: bool,
    /// `route_n` returns more than one node (preference lists, replicas).
    pub replicas: bool,
}

impl<R: Router + ?Sized> Router for Box<R> {
    type Node = R::Node;

    fn route(&self, key: &[u8]) -> Option<&Self::Node> {
        (**self).route(key)
    }

    fn route_n_into<'r>(
        &'r self,
        key: &[u8],
        n: usize,
        out: &mut Vec<&'r Self::Node>,
    ) -> Result<(), RouteError> {
        (**self).route_n_into(key, n, out)
    }

    fn route_healthy(
        &self,
        key: &[u8],
        is_healthy: &dyn Fn(&Self::Node) -> bool,
    ) -> Option<&Self::Node> {
        (**self).route_healthy(key, is_healthy)
    }

    fn is_owner(&self, key: &[u8], node: &[u8]) -> bool {
        (**self).is_owner(key, node)
    }

    fn insert(&mut self, node: Self::Node) -> Result<(), RouteError> {
        (**self).insert(node)
    }

    fn insert_weighted(&mut self, node: Self::Node, weight: f64) -> Result<(), RouteError> {
        (**self).insert_weighted(node, weight)
    }

    fn remove(&mut self, node: &[u8]) -> Result<Self::Node, RouteError> {
        (**self).remove(node)
    }

    fn contains(&self, node: &[u8]) -> bool {
        (**self).contains(node)
    }

    fn len(&self) -> usize {
        (**self).len()
    }

    fn memory_bytes(&self) -> usize {
        (**self).memory_bytes()
    }

    fn capabilities(&self) -> Capabilities {
        (**self).capabilities()
    }
}

/// The start of every `route_n_into`: refuses `n = 0` and empties `out`.
fn start_list<T>(n: usize, out: &mut Vec<T>) -> Result<(), RouteError> {
    if n == 0 {
        return Err(RouteError::ZeroReplicas);
    }
    out.clear();
    Ok(())
}

/// Checks a weight the way every strategy must: positive and finite.
fn check_weight(node: &[u8], weight: f64) -> Result<(), RouteError> {
    if weight.is_finite() && weight > 0.0 {
        Ok(())
    } else {
        Err(RouteError::InvalidWeight { node: error::display_node(node), weight })
    }
}

// The trait is meant to be used as `dyn Router`: keep it object safe.
const _: Option<&dyn Router<Node = String>> = None;
