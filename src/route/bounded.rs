//! Consistent hashing with bounded loads (Mirrokni, Thorup, Zadimoghaddam,
//! 2018): no node takes more than ⌈c · average⌉, whatever the keys.

use std::collections::HashMap;
use std::fmt;

use parking_lot::Mutex;

use super::error::display_node;
use super::{RouteError, Router};

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
/// use routekit::route::{BoundedLoads, Rendezvous, Router};
///
/// let mut nodes = Rendezvous::new();
/// for n in ["a", "b", "c"] {
///     nodes.insert(n)?;
/// }
/// let bounded = BoundedLoads::new(nodes, 1.25)?;
/// let mut loads: HashMap<&str, u64> = HashMap::new();
/// for _ in 0..30 {
///     // The same (hot) key thirty times: it cannot pile onto one node.
///     let total = loads.values().sum();
///     let node = *bounded.route(b"hot-key", total, &|n| loads.get(n).copied().unwrap_or(0)).unwrap();
///     *loads.entry(node).or_default() += 1;
/// }
/// assert!(loads.values().all(|&l| l <= bounded.cap(29))); // ⌈1.25 · 30 / 3⌉ = 13
/// # Ok::<(), routekit::route::RouteError>(())
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
    /// [`RouteError::InvalidBalanceFactor`] unless `balance` is finite and
    /// greater than 1.
    ///
    /// ```
    /// use routekit::route::{BoundedLoads, HashRing, RouteError};
    /// assert!(BoundedLoads::new(HashRing::<String>::new(), 1.25).is_ok());
    /// assert_eq!(
    ///     BoundedLoads::new(HashRing::<String>::new(), 1.0).unwrap_err(),
    ///     RouteError::InvalidBalanceFactor { factor: 1.0 }
    /// );
    /// ```
    pub fn new(router: R, balance: f64) -> Result<Self, RouteError> {
        if balance.is_finite() && balance > 1.0 {
            Ok(BoundedLoads { router, balance })
        } else {
            Err(RouteError::InvalidBalanceFactor { factor: balance })
        }
    }

    /// The cap for the next item when `total` items are placed:
    /// `⌈c · (total + 1) / n⌉`, or 0 without nodes.
    ///
    /// ```
    /// use routekit::route::{BoundedLoads, Rendezvous, Router};
    /// let mut r = Rendezvous::new();
    /// r.insert("a")?;
    /// r.insert("b")?;
    /// let bounded = BoundedLoads::new(r, 1.25)?;
    /// assert_eq!(bounded.cap(0), 1); // ⌈1.25 · 1 / 2⌉
    /// assert_eq!(bounded.cap(99), 63); // ⌈1.25 · 100 / 2⌉ = ⌈62.5⌉
    /// # Ok::<(), routekit::route::RouteError>(())
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
    /// use routekit::route::{BoundedLoads, HashRing, Router};
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
    /// # Ok::<(), routekit::route::RouteError>(())
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
    /// # Ok::<(), routekit::route::RouteError>(())
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
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    pub fn router(&self) -> &R {
        &self.router
    }

    /// The wrapped router, to change its membership.
    ///
    /// ```
    /// use routekit::route::{BoundedLoads, Rendezvous, Router};
    /// let mut b = BoundedLoads::new(Rendezvous::new(), 1.25)?;
    /// b.router_mut().insert("a")?;
    /// assert_eq!(b.cap(0), 2);
    /// # Ok::<(), routekit::route::RouteError>(())
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
/// use routekit::route::{HashRing, LoadTracker};
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
/// tracker.release(b"app-1")?;
/// assert_eq!(tracker.total(), 999);
/// # Ok::<(), routekit::route::RouteError>(())
/// ```
pub struct LoadTracker<R> {
    bounded: BoundedLoads<R>,
    loads: Mutex<Loads>,
}

/// Sessions per node identity, and their sum.
#[derive(Default)]
struct Loads {
    per_node: HashMap<Box<[u8]>, u64>,
    total: u64,
}

impl Loads {
    fn of(&self, node: &[u8]) -> u64 {
        self.per_node.get(node).copied().unwrap_or(0)
    }
}

impl<R: Router> LoadTracker<R> {
    /// Tracks sessions on `router`'s nodes with balance factor `balance`.
    ///
    /// # Errors
    ///
    /// [`RouteError::InvalidBalanceFactor`] unless `balance` is finite and
    /// greater than 1.
    ///
    /// ```
    /// use routekit::route::{LoadTracker, Rendezvous};
    /// let tracker = LoadTracker::new(Rendezvous::<String>::new(), 1.25)?;
    /// assert_eq!(tracker.total(), 0);
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    pub fn new(router: R, balance: f64) -> Result<Self, RouteError> {
        Ok(LoadTracker { bounded: BoundedLoads::new(router, balance)?, loads: Mutex::default() })
    }

    /// Assigns a new session with routing key `key`: the first node of the
    /// key's preference list below the cap, counted at once. `None` when the
    /// router is empty.
    ///
    /// Cost: the router's `route_healthy` with a hash-map read per node
    /// visited, under the tracker's lock.
    ///
    /// ```
    /// use routekit::route::{LoadTracker, Rendezvous, Router};
    /// let mut r = Rendezvous::new();
    /// r.insert("a")?;
    /// let tracker = LoadTracker::new(r, 2.0)?;
    /// assert_eq!(tracker.assign(b"s-1"), Some(&"a"));
    /// assert_eq!(tracker.load(b"a"), 1);
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    pub fn assign(&self, key: &[u8]) -> Option<&R::Node> {
        let mut loads = self.loads.lock();
        let node = {
            let loads = &*loads;
            self.bounded.route(key, loads.total, &|n| loads.of(n.as_ref()))?
        };
        *loads.per_node.entry(node.as_ref().into()).or_insert(0) += 1;
        loads.total += 1;
        Some(node)
    }

    /// Ends one session on the node with identity `node`.
    ///
    /// # Errors
    ///
    /// [`RouteError::NoLoad`] when that node holds no session.
    ///
    /// ```
    /// use routekit::route::{LoadTracker, Rendezvous, RouteError, Router};
    /// let mut r = Rendezvous::new();
    /// r.insert("a")?;
    /// let tracker = LoadTracker::new(r, 1.5)?;
    /// tracker.assign(b"s").unwrap();
    /// tracker.release(b"a")?;
    /// assert_eq!(tracker.release(b"a"), Err(RouteError::NoLoad { node: "a".into() }));
    /// # Ok::<(), RouteError>(())
    /// ```
    pub fn release(&self, node: &[u8]) -> Result<(), RouteError> {
        let mut loads = self.loads.lock();
        match loads.per_node.get_mut(node) {
            Some(load) if *load > 0 => {
                *load -= 1;
                loads.total -= 1;
                Ok(())
            }
            _ => Err(RouteError::NoLoad { node: display_node(node) }),
        }
    }

    /// Sessions on the node with identity `node`.
    ///
    /// ```
    /// use routekit::route::{LoadTracker, Rendezvous};
    /// let tracker = LoadTracker::new(Rendezvous::<String>::new(), 1.25)?;
    /// assert_eq!(tracker.load(b"nobody"), 0);
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    pub fn load(&self, node: &[u8]) -> u64 {
        self.loads.lock().of(node)
    }

    /// Sessions assigned and not released.
    ///
    /// ```
    /// use routekit::route::{LoadTracker, Rendezvous, Router};
    /// let mut r = Rendezvous::new();
    /// r.insert("a")?;
    /// let tracker = LoadTracker::new(r, 1.25)?;
    /// tracker.assign(b"x");
    /// assert_eq!(tracker.total(), 1);
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    pub fn total(&self) -> u64 {
        self.loads.lock().total
    }

    /// The nodes that hold sessions, with their counts, sorted by identity
    /// bytes.
    ///
    /// ```
    /// use routekit::route::{LoadTracker, Rendezvous, Router};
    /// let mut r = Rendezvous::new();
    /// r.insert("b")?;
    /// r.insert("a")?;
    /// let tracker = LoadTracker::new(r, 1.25)?;
    /// let node = *tracker.assign(b"x").unwrap();
    /// assert_eq!(tracker.loads(), [(node.as_bytes().to_vec(), 1)]);
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    pub fn loads(&self) -> Vec<(Vec<u8>, u64)> {
        let loads = self.loads.lock();
        let mut all: Vec<(Vec<u8>, u64)> = loads
            .per_node
            .iter()
            .filter(|&(_, &load)| load > 0)
            .map(|(node, &load)| (node.to_vec(), load))
            .collect();
        all.sort_unstable();
        all
    }

    /// The bounded-loads wrapper (balance factor, cap, router).
    ///
    /// ```
    /// use routekit::route::{LoadTracker, Rendezvous};
    /// let tracker = LoadTracker::new(Rendezvous::<String>::new(), 1.25)?;
    /// assert_eq!(tracker.bounded().balance(), 1.25);
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    pub fn bounded(&self) -> &BoundedLoads<R> {
        &self.bounded
    }

    /// Adds a node (with weight 1): it starts with no sessions.
    ///
    /// # Errors
    ///
    /// As the router's [`Router::insert`].
    ///
    /// ```
    /// use routekit::route::{LoadTracker, Rendezvous, Router};
    /// let mut tracker = LoadTracker::new(Rendezvous::new(), 1.25)?;
    /// tracker.insert("a")?;
    /// assert_eq!(tracker.bounded().router().len(), 1);
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    pub fn insert(&mut self, node: R::Node) -> Result<(), RouteError> {
        self.bounded.router_mut().insert(node)
    }

    /// Removes a node and forgets its sessions, returning the node and how
    /// many sessions it held (the caller reassigns them).
    ///
    /// # Errors
    ///
    /// As the router's [`Router::remove`].
    ///
    /// ```
    /// use routekit::route::{LoadTracker, Rendezvous};
    /// let mut tracker = LoadTracker::new(Rendezvous::new(), 1.25)?;
    /// tracker.insert("a")?;
    /// tracker.assign(b"s");
    /// assert_eq!(tracker.remove(b"a")?, ("a", 1));
    /// assert_eq!(tracker.total(), 0);
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    pub fn remove(&mut self, node: &[u8]) -> Result<(R::Node, u64), RouteError> {
        let removed = self.bounded.router_mut().remove(node)?;
        let loads = self.loads.get_mut();
        let held = loads.per_node.remove(node).unwrap_or(0);
        loads.total -= held;
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
