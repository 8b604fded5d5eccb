//! Consistent hashing with bounded loads (Mirrokni, Thorup, Zadimoghaddam,
//! 2018): no node takes more than ⌈c · average⌉, whatever the keys.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::fmt;

use parking_lot::Mutex;

use super::{BuildError, Membership, NodeId, RouteError, Router};

/// A wrapper that caps every node's load at `⌈c · (total + 1) / n⌉` by
/// walking the key's preference list past full nodes.
///
/// Mirrokni, Thorup and Zadimoghaddam ("Consistent Hashing with Bounded
/// Loads", SODA 2018) place a new item on the first node of its preference
/// order whose load is below the cap `⌈c · (m + 1) / n⌉`, where `m` items are
/// already placed, `n` nodes exist and `c > 1` is the balance factor. Since
/// the loads sum to `m < n · cap`, some node is always below the cap, and the
/// node chosen ends at most at the cap: **no node ever holds more than
/// `⌈c · average⌉`**, however skewed the keys (HAProxy's `hash-balance-factor`
/// and Envoy's `hash_balance_factor` are this rule with `c` in percent). A key
/// whose owner has room still goes to its owner, so stickiness is lost only
/// for keys whose owner is full; with `c = 1.25`, the paper bounds the
/// expected extra moves per change by `O(1/ε²)` for `c = 1 + ε`.
///
/// Any [`Router`] with preference lists works: [`HashRing`](super::HashRing)
/// and [`Rendezvous`](super::Rendezvous) give the walks the paper analyses
/// (a ring's clockwise successors, rendezvous' score order); the others work
/// too. The wrapper keeps no loads itself: the caller passes them in (from
/// its own counters), or uses a [`LoadTracker`] for the common case of
/// assigning and releasing sessions.
///
/// # Example
///
/// ```
/// use std::collections::HashMap;
/// use routekit::route::{BoundedLoads, Membership, Rendezvous};
///
/// let mut nodes = Rendezvous::new();
/// nodes.extend(["a", "b", "c"])?;
/// let bounded = BoundedLoads::new(nodes, 1.25)?;
/// let mut loads: HashMap<&str, u64> = HashMap::new();
/// for _ in 0..30 {
///     // The same (hot) key thirty times: it cannot pile onto one node.
///     let total = loads.values().sum();
///     let node = *bounded.route(b"hot-key", total, &|n| loads.get(n).copied().unwrap_or(0)).unwrap();
///     *loads.entry(node).or_default() += 1;
/// }
/// assert!(loads.values().all(|&l| l <= bounded.cap(29))); // ⌈1.25 · 30 / 3⌉ = 13
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct BoundedLoads<R> {
    router: R,
    balance: f64,
}

impl<R: Router> BoundedLoads<R> {
    /// Wraps `router` with balance factor `balance` (`c`; 1.25 is a common
    /// choice: no node above 125% of the average).
    ///
    /// # Errors
    ///
    /// [`BuildError::InvalidBalanceFactor`] unless `balance` is finite and
    /// greater than 1.
    ///
    /// ```
    /// use routekit::route::{BoundedLoads, BuildError, HashRing};
    /// assert!(BoundedLoads::new(HashRing::<String>::new(), 1.25).is_ok());
    /// assert!(matches!(
    ///     BoundedLoads::new(HashRing::<String>::new(), 1.0),
    ///     Err(BuildError::InvalidBalanceFactor { factor: 1.0, .. })
    /// ));
    /// ```
    pub fn new(router: R, balance: f64) -> Result<Self, BuildError> {
        if balance.is_finite() && balance > 1.0 {
            Ok(BoundedLoads { router, balance })
        } else {
            Err(BuildError::InvalidBalanceFactor { factor: balance })
        }
    }

    /// The cap for the next item when `total` items are placed:
    /// `⌈c · (total + 1) / n⌉`, or 0 without nodes.
    ///
    /// ```
    /// use routekit::route::{BoundedLoads, Membership, Rendezvous};
    /// let mut r = Rendezvous::new();
    /// r.extend(["a", "b"])?;
    /// let bounded = BoundedLoads::new(r, 1.25)?;
    /// assert_eq!(bounded.cap(0), 1); // ⌈1.25 · 1 / 2⌉
    /// assert_eq!(bounded.cap(99), 63); // ⌈1.25 · 100 / 2⌉ = ⌈62.5⌉
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn cap(&self, total: u64) -> u64 {
        let nodes = self.router.len();
        if nodes == 0 {
            return 0;
        }
        (self.balance * (total as f64 + 1.0) / nodes as f64).ceil() as u64
    }

    /// The first node of `key`'s preference list whose load (as `load`
    /// reports it) is below [`cap(total)`](BoundedLoads::cap), where `total`
    /// is the number of items placed so far. `None` when the router is empty,
    /// or when every node is at the cap (impossible when the loads sum to
    /// `total`).
    ///
    /// Cost: the router's [`route_healthy`](Router::route_healthy), with
    /// `load` as the health check.
    ///
    /// ```
    /// use routekit::route::{BoundedLoads, HashRing, Membership, Router};
    /// let mut ring = HashRing::new();
    /// ring.extend(["a", "b"])?;
    /// let owner = *ring.route(b"k").unwrap();
    /// let bounded = BoundedLoads::new(ring, 1.5)?;
    /// // The owner has room: the key stays with it.
    /// assert_eq!(bounded.route(b"k", 0, &|_| 0), Some(&owner));
    /// // The owner holds all 3 items and the cap for a 4th is ⌈1.5 · 4 / 2⌉ = 3:
    /// // the key goes to the next node.
    /// let other = bounded.route(b"k", 3, &|n| if *n == owner { 3 } else { 0 });
    /// assert!(other.is_some() && other != Some(&owner));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn route(
        &self,
        key: &[u8],
        total: u64,
        load: &dyn Fn(&R::Node) -> u64,
    ) -> Option<&R::Node> {
        let cap = self.cap(total);
        self.router.route_healthy(key, &|node| load(node) < cap)
    }

    /// The balance factor `c`.
    ///
    /// ```
    /// use routekit::route::{BoundedLoads, Rendezvous};
    /// let b = BoundedLoads::new(Rendezvous::<String>::new(), 1.1)?;
    /// assert_eq!(b.balance(), 1.1);
    /// # Ok::<(), routekit::route::BuildError>(())
    /// ```
    pub fn balance(&self) -> f64 {
        self.balance
    }

    /// The wrapped router.
    ///
    /// ```
    /// use routekit::route::{BoundedLoads, Rendezvous, Router};
    /// let b = BoundedLoads::new(Rendezvous::<String>::new(), 1.25)?;
    /// assert!(b.router().is_empty());
    /// # Ok::<(), routekit::route::BuildError>(())
    /// ```
    pub fn router(&self) -> &R {
        &self.router
    }

    /// The wrapped router, to change its membership.
    ///
    /// ```
    /// use routekit::route::{BoundedLoads, Membership, Rendezvous};
    /// let mut b = BoundedLoads::new(Rendezvous::new(), 1.25)?;
    /// b.router_mut().insert("a")?;
    /// assert_eq!(b.cap(0), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn router_mut(&mut self) -> &mut R {
        &mut self.router
    }
}

/// Assigns sessions under a load cap and releases them: the bookkeeping
/// [`BoundedLoads`] needs, safe to share between threads.
///
/// [`assign`](LoadTracker::assign) picks the node for a new session by the
/// bounded-loads rule and counts it; [`release`](LoadTracker::release) ends
/// one. Both take `&self`: the counts sit behind a mutex held for one
/// preference walk, so concurrent assignments never overshoot the cap.
/// Membership changes take `&mut self`.
///
/// **Guarantee**: every assignment lands on a node whose load was below
/// `⌈c · (total + 1) / n⌉`, so while sessions are only assigned, no node
/// ever holds more than `⌈c · total / n⌉`. Releases can leave a node above
/// the (now lower) cap; sessions are never moved, so it only takes no new
/// ones until it is back under.
///
/// # Example
///
/// ```
/// use routekit::route::{HashRing, LoadTracker, Membership};
///
/// let mut ring = HashRing::new();
/// ring.extend(["app-1", "app-2", "app-3", "app-4"])?;
/// let tracker = LoadTracker::new(ring, 1.25)?;
/// for i in 0..1000 {
///     // Skewed traffic: a tenth of the sessions share one key.
///     let key = if i % 10 == 0 { "popular".to_string() } else { format!("user-{i}") };
///     tracker.assign(key.as_bytes()).unwrap();
/// }
/// assert!(tracker.loads().iter().all(|(_, load)| *load <= 313)); // ⌈1.25 · 1000 / 4⌉
/// tracker.release("app-1")?;
/// assert_eq!(tracker.total(), 999);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct LoadTracker<R> {
    bounded: BoundedLoads<R>,
    loads: Mutex<Loads>,
}

/// Sessions per node identity, and their sum. A node's entry is made by its
/// first session and dropped when the node leaves, so assignments allocate
/// only the first time a node is chosen.
#[derive(Default)]
struct Loads {
    per_node: HashMap<Box<[u8]>, u64>,
    total: u64,
}

impl Loads {
    fn of(&self, id: &[u8]) -> u64 {
        self.per_node.get(id).copied().unwrap_or(0)
    }

    fn add(&mut self, id: &[u8]) {
        match self.per_node.get_mut(id) {
            Some(load) => *load += 1,
            None => {
                self.per_node.insert(id.into(), 1);
            }
        }
        self.total += 1;
    }

    /// Forgets a node's sessions; returns how many it held.
    fn forget(&mut self, id: &[u8]) -> u64 {
        let held = self.per_node.remove(id).unwrap_or(0);
        self.total -= held;
        held
    }
}

impl<R: Router> LoadTracker<R> {
    /// Tracks sessions on `router`'s nodes with balance factor `balance`.
    ///
    /// # Errors
    ///
    /// [`BuildError::InvalidBalanceFactor`] unless `balance` is finite and
    /// greater than 1.
    ///
    /// ```
    /// use routekit::route::{LoadTracker, Rendezvous};
    /// let tracker = LoadTracker::new(Rendezvous::<String>::new(), 1.25)?;
    /// assert_eq!(tracker.total(), 0);
    /// # Ok::<(), routekit::route::BuildError>(())
    /// ```
    pub fn new(router: R, balance: f64) -> Result<Self, BuildError> {
        Ok(LoadTracker { bounded: BoundedLoads::new(router, balance)?, loads: Mutex::default() })
    }

    /// Assigns a new session with routing key `key`: the first node of the
    /// key's preference list below the cap, counted at once. `None` when the
    /// router is empty.
    ///
    /// Cost: the router's `route_healthy` with a hash-map read per node
    /// visited, under the tracker's lock; no allocation once the node holds
    /// a session or has held one.
    ///
    /// ```
    /// use routekit::route::{LoadTracker, Membership, Rendezvous};
    /// let mut r = Rendezvous::new();
    /// r.insert("a")?;
    /// let tracker = LoadTracker::new(r, 2.0)?;
    /// assert_eq!(tracker.assign(b"s-1"), Some(&"a"));
    /// assert_eq!(tracker.load("a"), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn assign(&self, key: &[u8]) -> Option<&R::Node> {
        let mut loads = self.loads.lock();
        let node = {
            let loads = &*loads;
            self.bounded.route(key, loads.total, &|n| loads.of(n.id_bytes().as_ref()))?
        };
        loads.add(node.id_bytes().as_ref());
        Some(node)
    }

    /// Ends one session on the node with `node`'s identity (`node` is taken
    /// as in [`Router::contains`]). O(1) expected.
    ///
    /// # Errors
    ///
    /// [`RouteError::NoLoad`] when that node holds no session.
    ///
    /// ```
    /// use routekit::route::{LoadTracker, Membership, Rendezvous, RouteError};
    /// let mut r = Rendezvous::new();
    /// r.insert("a")?;
    /// let tracker = LoadTracker::new(r, 1.5)?;
    /// tracker.assign(b"s").unwrap();
    /// tracker.release("a")?;
    /// assert!(matches!(tracker.release("a"), Err(RouteError::NoLoad { .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn release<Q>(&self, node: &Q) -> Result<(), RouteError>
    where
        R::Node: Borrow<Q>,
        Q: NodeId + ?Sized,
    {
        let mut loads = self.loads.lock();
        match loads.per_node.get_mut(node.id_bytes().as_ref()) {
            Some(load) if *load > 0 => {
                *load -= 1;
                loads.total -= 1;
                Ok(())
            }
            _ => Err(RouteError::NoLoad { node: node.display_name() }),
        }
    }

    /// Sessions on the node with `node`'s identity (`node` is taken as in
    /// [`Router::contains`]); 0 for a node that holds none or is not
    /// present. O(1) expected.
    ///
    /// ```
    /// use routekit::route::{LoadTracker, Rendezvous};
    /// let tracker = LoadTracker::new(Rendezvous::<String>::new(), 1.25)?;
    /// assert_eq!(tracker.load("nobody"), 0);
    /// # Ok::<(), routekit::route::BuildError>(())
    /// ```
    pub fn load<Q>(&self, node: &Q) -> u64
    where
        R::Node: Borrow<Q>,
        Q: NodeId + ?Sized,
    {
        self.loads.lock().of(node.id_bytes().as_ref())
    }

    /// Sessions assigned and not released.
    ///
    /// ```
    /// use routekit::route::{LoadTracker, Membership, Rendezvous};
    /// let mut r = Rendezvous::new();
    /// r.insert("a")?;
    /// let tracker = LoadTracker::new(r, 1.25)?;
    /// tracker.assign(b"x");
    /// assert_eq!(tracker.total(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn total(&self) -> u64 {
        self.loads.lock().total
    }

    /// The nodes that hold sessions, with their counts, in identity order.
    /// O(m log m) for the `m` nodes that hold sessions.
    ///
    /// ```
    /// use routekit::route::{LoadTracker, Membership, Rendezvous};
    /// let mut r = Rendezvous::new();
    /// r.extend(["b", "a"])?;
    /// let tracker = LoadTracker::new(r, 1.25)?;
    /// let node = tracker.assign(b"x").unwrap();
    /// assert_eq!(tracker.loads(), [(node, 1)]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn loads(&self) -> Vec<(&R::Node, u64)> {
        let loads = self.loads.lock();
        let mut held: Vec<(&[u8], u64)> = loads
            .per_node
            .iter()
            .filter(|&(_, &load)| load > 0)
            .map(|(id, &load)| (&**id, load))
            .collect();
        held.sort_unstable();
        let router = self.bounded.router();
        // Every identity with sessions is present: a node's sessions are
        // forgotten when it leaves.
        held.into_iter().filter_map(|(id, load)| Some((router.node_by_id(id)?, load))).collect()
    }

    /// The bounded-loads wrapper (balance factor, cap, router).
    ///
    /// ```
    /// use routekit::route::{LoadTracker, Rendezvous};
    /// let tracker = LoadTracker::new(Rendezvous::<String>::new(), 1.25)?;
    /// assert_eq!(tracker.bounded().balance(), 1.25);
    /// # Ok::<(), routekit::route::BuildError>(())
    /// ```
    pub fn bounded(&self) -> &BoundedLoads<R> {
        &self.bounded
    }

    /// Changes the router's membership with `change` — the way to grow or
    /// shrink a router without [`Membership`], such as a
    /// [`JumpHash`](super::JumpHash) — then forgets the sessions of every
    /// node that is no longer present. O(m log n) after the change, for the
    /// `m` nodes that hold sessions.
    ///
    /// # Errors
    ///
    /// Whatever `change` returns; the sessions are checked either way.
    ///
    /// ```
    /// use routekit::route::{JumpHash, LoadTracker, RouteError};
    /// let mut jump = JumpHash::new();
    /// jump.extend(["a", "b"])?;
    /// let mut tracker = LoadTracker::new(jump, 1.5)?;
    /// for key in 0..10u8 {
    ///     tracker.assign(&[key]);
    /// }
    /// tracker.update(|jump| Ok::<_, RouteError>(jump.pop()))?;
    /// assert_eq!((tracker.load("b"), tracker.total()), (0, tracker.load("a")));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn update<T, E>(&mut self, change: impl FnOnce(&mut R) -> Result<T, E>) -> Result<T, E> {
        let out = change(self.bounded.router_mut());
        let router = self.bounded.router();
        let loads = self.loads.get_mut();
        let gone: Vec<Box<[u8]>> =
            loads.per_node.keys().filter(|id| router.node_by_id(id).is_none()).cloned().collect();
        for id in gone {
            loads.forget(&id);
        }
        out
    }
}

impl<R: Membership> LoadTracker<R> {
    /// Adds a node (with weight 1): it starts with no sessions.
    ///
    /// # Errors
    ///
    /// As the router's [`Membership::insert`].
    ///
    /// ```
    /// use routekit::route::{LoadTracker, Rendezvous, Router};
    /// let mut tracker = LoadTracker::new(Rendezvous::new(), 1.25)?;
    /// tracker.insert("a")?;
    /// assert_eq!(tracker.bounded().router().len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn insert(&mut self, node: R::Node) -> Result<(), RouteError> {
        self.bounded.router_mut().insert(node)
    }

    /// Removes a node and forgets its sessions, returning the node and how
    /// many sessions it held (the caller reassigns them).
    ///
    /// # Errors
    ///
    /// As the router's [`Membership::remove`].
    ///
    /// ```
    /// use routekit::route::{LoadTracker, Rendezvous};
    /// let mut tracker = LoadTracker::new(Rendezvous::new(), 1.25)?;
    /// tracker.insert("a")?;
    /// tracker.assign(b"s");
    /// assert_eq!(tracker.remove("a")?, ("a", 1));
    /// assert_eq!(tracker.total(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn remove<Q>(&mut self, node: &Q) -> Result<(R::Node, u64), RouteError>
    where
        R::Node: Borrow<Q>,
        Q: NodeId + ?Sized,
    {
        let removed = self.bounded.router_mut().remove(node)?;
        let held = self.loads.get_mut().forget(node.id_bytes().as_ref());
        Ok((removed, held))
    }
}

impl<R: fmt::Debug> fmt::Debug for LoadTracker<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let loads = self.loads.lock();
        f.debug_struct("LoadTracker")
            .field("bounded", &self.bounded)
            .field("total", &loads.total)
            .finish()
    }
}
