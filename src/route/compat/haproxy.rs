//! HAProxy's hash balancing (`balance hdr(…)`, `url_param`, `uri`,
//! `hash <expr>`, … with `hash-type consistent` or `hash-type map-based`),
//! as HAProxy 2.6 does it when every server is up.
//!
//! * The key hash is one of four functions of the key's bytes (sdbm, the
//!   default; djb2; wt6; CRC-32), optionally passed through Bob Jenkins'
//!   32-bit integer hash (`avalanche`, HAProxy's `full_hash`).
//! * `consistent`: a server of weight `w` and id `id` has `16 × w` points,
//!   point `k` at `full_hash(id × 4096 + k)` (32-bit wrapping; 4096 is
//!   HAProxy's `SRV_EWGHT_RANGE`, 16 its `BE_WEIGHT_SCALE`). A key goes to
//!   the *nearest* point, the one at or after it or the one before it
//!   (wrapping), the one before on equal distance. Of servers sharing a
//!   point, the one declared first takes the keys before it and the one
//!   declared last those after it (HAProxy's tree keeps equal keys in
//!   insertion order).
//! * `hash-type consistent` without a function means `sdbm avalanche`;
//!   naming a function turns the avalanche off unless it is written too.
//!   `hash-type map-based` alone is sdbm without avalanche.
//! * `map-based`: the weights are divided by their greatest common divisor
//!   and scaled by 16; a table of that many slots is filled by HAProxy's
//!   weighted round-robin scoring (first declared server first on equal
//!   scores), and a key goes to slot `hash % slots`.
//! * Ids: an explicit `id` as written; else the lowest id not taken, at
//!   least the server's position (from 1) in the backend, and above the id
//!   given to the previous automatically numbered server.

use std::borrow::Borrow;
use std::fmt;
use std::net::IpAddr;

use crate::route::alloc;
use crate::route::members::{Arranged, Members};
use crate::route::points::{Point, Points};
use crate::route::{Membership, NodeId, RouteError, Router, Weighted};

/// Points per unit of weight (HAProxy's `BE_WEIGHT_SCALE`).
const WEIGHT_SCALE: u32 = 16;
/// The stride between two servers' point numbers (`SRV_EWGHT_RANGE`).
const ID_STRIDE: u32 = 4096;
/// HAProxy's largest server weight.
const MAX_WEIGHT: u32 = 256;
/// HAProxy's largest server id (a C `int`).
const MAX_ID: u32 = i32::MAX as u32;
/// The name errors use.
const PROFILE: &str = "haproxy";

/// `hash-type`: a ring of points or a table of slots.
///
/// # Example
///
/// ```
/// use routekit::route::compat::HaproxyHashType;
/// assert_eq!(HaproxyHashType::Consistent.to_string(), "consistent");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HaproxyHashType {
    /// `hash-type consistent`: adding or removing a server moves only the
    /// keys near its points.
    Consistent,
    /// `hash-type map-based` (HAProxy's default): a key's slot is its hash
    /// modulo the total scaled weight, so most keys move on any change.
    MapBased,
}

/// The `<function>` of `hash-type <method> <function>`.
///
/// # Example
///
/// ```
/// use routekit::route::compat::HaproxyHashFunction;
/// assert_eq!(HaproxyHashFunction::Sdbm.hash(b"key-0"), 4_206_784_514);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum HaproxyHashFunction {
    /// `sdbm` (the default): `h = byte + (h << 6) + (h << 16) − h` from 0.
    #[default]
    Sdbm,
    /// `djb2`: `h = h × 33 + byte` from 5381.
    Djb2,
    /// `wt6`: Willy Tarreau's two-word rotating hash.
    Wt6,
    /// `crc32`: CRC-32 (IEEE), as zlib computes it.
    Crc32,
}

/// How a backend hashes: `hash-type <method> [<function> [avalanche]]`.
///
/// # Example
///
/// ```
/// use routekit::route::compat::{HaproxyBalance, HaproxyHashFunction, HaproxyHashType};
/// // hash-type consistent djb2 avalanche
/// let balance = HaproxyBalance::consistent()
///     .with_function(HaproxyHashFunction::Djb2)
///     .with_avalanche();
/// assert_eq!(balance.hash_type(), HaproxyHashType::Consistent);
/// assert_eq!(balance.to_string(), "hash-type consistent djb2 avalanche");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HaproxyBalance {
    hash_type: HaproxyHashType,
    function: HaproxyHashFunction,
    avalanche: bool,
}

/// A `server` line of a HAProxy backend: the node, its `weight` (0 to 256;
/// HAProxy's default is 1) and its `id` if one is written.
///
/// # Example
///
/// ```
/// use routekit::route::compat::HaproxyServer;
/// // server web-c 10.0.0.3:80 weight 2 id 7
/// let server = HaproxyServer::new("web-c", 2).with_id(7);
/// assert_eq!((server.weight(), server.id()), (2, Some(7)));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HaproxyServer<N> {
    node: N,
    weight: u32,
    id: Option<u32>,
}

/// A HAProxy backend balancing by a hash: the server HAProxy 2.6 picks for
/// a key, and the one it picks when some servers are down.
///
/// Servers keep the backend's order, which decides the automatic ids, the
/// owner of a shared point and the map's layout. The key is the bytes
/// HAProxy hashes (checked against haproxy 2.6.12):
///
/// * `balance hdr(<name>)`: the header's first value — up to the first
///   comma, without the blanks around it. An empty value is not hashed:
///   HAProxy balances such requests (and those without the header) round
///   robin, which routekit does not model (it answers as for the empty key).
/// * `balance url_param <name>`: the parameter's value as it is in the
///   query, not decoded, up to the next `&` (checked for 4400 keys).
/// * `balance uri`, `balance rdp-cookie`, `balance hash <expr>`: the URI
///   (or the part that `len`/`depth`/`whole` select), the cookie's value,
///   the sample's bytes, as HAProxy extracts them (not checked here).
/// * `balance source`: not a byte hash: see [`HaproxyHash::route_ip`].
///
/// **Not modelled:** health checks and `backup` servers (use
/// [`Router::route_healthy`] with the servers that are up), `slowstart`
/// and weights changed at run time, `hash-balance-factor` (bounded loads),
/// `hash-key addr`/`addr-port`, and the round-robin fallback for requests
/// without a key.
///
/// **Give the servers explicit ids** (`id` in the configuration,
/// [`HaproxyServer::with_id`] here) when keys should stay put: a server's
/// points come from its id, and automatic ids follow the configuration's
/// order, so removing a server without ids renumbers every server after it
/// and, under `consistent`, moves most keys — removing the first of 50
/// servers moves all of them in `cargo run --example strategies --features
/// compat`. With explicit ids only the removed server's keys move.
///
/// **Lookups:** `consistent` hashes the key and looks up the nearest of two
/// points in O(1) expected; `map-based` hashes and reads one slot. Neither
/// allocates.
///
/// # Example
///
/// ```
/// use routekit::route::Router;
/// use routekit::route::compat::{HaproxyBalance, HaproxyHash, HaproxyServer};
///
/// // backend app
/// //     balance hdr(X-Key)
/// //     hash-type consistent
/// //     server web-a 10.0.0.1:80
/// //     server web-b 10.0.0.2:80 weight 2
/// //     server web-c 10.0.0.3:80 id 7
/// let backend = HaproxyHash::with_servers(
///     HaproxyBalance::consistent(),
///     [
///         HaproxyServer::new("web-a", 1),
///         HaproxyServer::new("web-b", 2),
///         HaproxyServer::new("web-c", 1).with_id(7),
///     ],
/// )?;
/// assert_eq!(backend.route(b"key-0"), Some(&"web-c"));
/// assert_eq!(backend.ids().collect::<Vec<_>>(), [1, 2, 7]);
/// # Ok::<(), routekit::route::RouteError>(())
/// ```
#[derive(Clone)]
pub struct HaproxyHash<N = String> {
    balance: HaproxyBalance,
    members: Members<N, Arranged>,
    weights: Vec<u32>,
    explicit_ids: Vec<Option<u32>>,
    tables: Tables,
}

/// What a change rebuilds: the ids and the ring or the map.
#[derive(Clone, Debug, Default)]
struct Tables {
    ids: Vec<u32>,
    /// `consistent`: every point, `hash << 32`, sorted by (position, server).
    points: Points,
    /// `map-based`: the server of each slot.
    map: Vec<u32>,
    /// `map-based`: each server's weight over the common divisor, × 16.
    scaled: Vec<u32>,
}

impl<N: NodeId> Router for HaproxyHash<N> {
    type Node = N;

    /// The server HAProxy picks when every server is up; `None` when no
    /// server has a weight above 0. No allocation.
    #[inline]
    fn route(&self, key: &[u8]) -> Option<&N> {
        let hash = self.balance.key_hash(key);
        let member = match self.balance.hash_type {
            HaproxyHashType::Consistent => self.nearest_of_all(hash)?,
            HaproxyHashType::MapBased => {
                let slots = self.tables.map.len() as u64;
                (slots > 0).then(|| self.tables.map[(u64::from(hash) % slots) as usize] as usize)?
            }
        };
        Some(self.members.get(member))
    }

    /// The pick, then the server HAProxy picks when all servers listed so
    /// far are down, and so on: every server of weight above 0 once. Each
    /// step costs O(points) (`consistent`) or O(slots × servers)
    /// (`map-based`); allocates a list of the servers taken.
    fn route_n_into<'r>(&'r self, key: &[u8], n: usize, out: &mut Vec<&'r N>) {
        out.clear();
        let mut taken = vec![false; self.members.len()];
        while out.len() < n {
            let Some(member) = self.pick_among(key, &|m| !taken[m]) else { return };
            taken[member] = true;
            out.push(self.members.get(member));
        }
    }

    /// The server HAProxy picks when exactly the healthy servers are up
    /// (HAProxy takes a down server's points out of the ring, or rebuilds
    /// the map without it): O(points) for `consistent`, O(slots × servers)
    /// for `map-based`.
    fn route_healthy(&self, key: &[u8], is_healthy: &dyn Fn(&N) -> bool) -> Option<&N> {
        let mut health = Vec::with_capacity(self.members.len());
        health.extend(self.members.as_slice().iter().map(is_healthy));
        self.pick_among(key, &|member| health[member]).map(|member| self.members.get(member))
    }

    /// O(log n) in the server count.
    fn node_by_id(&self, id: &[u8]) -> Option<&N> {
        self.members.node_by_id(id)
    }

    fn len(&self) -> usize {
        self.members.len()
    }

    fn memory_bytes(&self) -> usize {
        self.members.memory_bytes()
            + self.weights.capacity() * size_of::<u32>()
            + self.explicit_ids.capacity() * size_of::<Option<u32>>()
            + self.tables.ids.capacity() * size_of::<u32>()
            + self.tables.points.memory_bytes()
            + self.tables.map.capacity() * size_of::<u32>()
            + self.tables.scaled.capacity() * size_of::<u32>()
    }
}

impl<N: NodeId> Membership for HaproxyHash<N> {
    /// Adds servers of weight 1 without explicit ids after those present.
    ///
    /// ```
    /// use routekit::route::Membership;
    /// use routekit::route::compat::{HaproxyBalance, HaproxyHash};
    /// let mut backend = HaproxyHash::new(HaproxyBalance::map_based());
    /// backend.extend(["web-a", "web-b"])?;
    /// assert_eq!(backend.ids().collect::<Vec<_>>(), [1, 2]);
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    fn extend<I>(&mut self, nodes: I) -> Result<(), RouteError>
    where
        I: IntoIterator<Item = N>,
    {
        self.extend_servers(nodes.into_iter().map(|node| HaproxyServer::new(node, 1)))
    }

    /// Removes a server, as a configuration without its `server` line (the
    /// automatic ids of the servers after it may change, as in HAProxy).
    ///
    /// # Errors
    ///
    /// [`RouteError::UnknownNode`] when no server has that identity;
    /// [`RouteError::OutOfMemory`] when the new tables cannot be had
    /// (nothing is changed then).
    fn remove<Q>(&mut self, node: &Q) -> Result<N, RouteError>
    where
        N: Borrow<Q>,
        Q: NodeId + ?Sized,
    {
        let at =
            self.members.find(node.id_bytes().as_ref()).ok_or_else(|| RouteError::unknown(node))?;
        let mut weights = alloc::vec_with_capacity(self.weights.len())?;
        let mut explicit = alloc::vec_with_capacity(self.weights.len())?;
        for (position, (&weight, &id)) in self.weights.iter().zip(&self.explicit_ids).enumerate() {
            if position != at {
                weights.push(weight);
                explicit.push(id);
            }
        }
        let tables = Tables::build(self.balance.hash_type, &weights, &explicit)?;
        let removed = self.members.remove_at(at);
        (self.weights, self.explicit_ids, self.tables) = (weights, explicit, tables);
        Ok(removed)
    }
}

impl<N: NodeId> Weighted for HaproxyHash<N> {
    /// HAProxy's `weight`: 0 to 256.
    type Weight = u32;

    /// Adds weighted servers without explicit ids after those present.
    ///
    /// # Errors
    ///
    /// As [`HaproxyHash::extend_servers`].
    ///
    /// ```
    /// use routekit::route::Weighted;
    /// use routekit::route::compat::{HaproxyBalance, HaproxyHash};
    /// let mut backend = HaproxyHash::new(HaproxyBalance::consistent());
    /// backend.extend_weighted([("web-a", 3)])?;
    /// assert_eq!(backend.weight("web-a"), Some(3));
    /// assert!(backend.extend_weighted([("web-b", 257)]).is_err());
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    fn extend_weighted<I>(&mut self, nodes: I) -> Result<(), RouteError>
    where
        I: IntoIterator<Item = (N, u32)>,
    {
        self.extend_servers(
            nodes.into_iter().map(|(node, weight)| HaproxyServer::new(node, weight)),
        )
    }

    /// O(log n) in the server count.
    fn weight<Q>(&self, node: &Q) -> Option<u32>
    where
        N: Borrow<Q>,
        Q: NodeId + ?Sized,
    {
        self.members.find(node.id_bytes().as_ref()).map(|at| self.weights[at])
    }
}

impl<N: NodeId> fmt::Debug for HaproxyHash<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let servers: Vec<_> = self
            .members
            .as_slice()
            .iter()
            .zip(&self.weights)
            .zip(&self.tables.ids)
            .map(|((node, weight), id)| (node.display_name(), *weight, *id))
            .collect();
        f.debug_struct("HaproxyHash")
            .field("balance", &self.balance)
            .field("servers", &servers)
            .finish()
    }
}

impl<N> HaproxyHash<N> {
    /// An empty backend hashing as `balance` says.
    ///
    /// ```
    /// use routekit::route::Router;
    /// use routekit::route::compat::{HaproxyBalance, HaproxyHash};
    /// let backend: HaproxyHash = HaproxyHash::new(HaproxyBalance::consistent());
    /// assert!(backend.route(b"anything").is_none());
    /// ```
    pub fn new(balance: HaproxyBalance) -> Self {
        HaproxyHash {
            balance,
            members: Members::default(),
            weights: Vec::new(),
            explicit_ids: Vec::new(),
            tables: Tables::default(),
        }
    }

    /// How the backend hashes.
    ///
    /// ```
    /// use routekit::route::compat::{HaproxyBalance, HaproxyHash};
    /// let backend: HaproxyHash = HaproxyHash::new(HaproxyBalance::map_based());
    /// assert_eq!(backend.balance(), HaproxyBalance::map_based());
    /// ```
    pub fn balance(&self) -> HaproxyBalance {
        self.balance
    }

    /// The servers' ids, explicit or as HAProxy numbers them, in backend
    /// order.
    ///
    /// ```
    /// use routekit::route::compat::{HaproxyBalance, HaproxyHash, HaproxyServer};
    /// let backend = HaproxyHash::with_servers(
    ///     HaproxyBalance::consistent(),
    ///     [HaproxyServer::new("a", 1), HaproxyServer::new("b", 1).with_id(2), HaproxyServer::new("c", 1)],
    /// )?;
    /// // a is 1, b takes 2, c (third) would be 3.
    /// assert_eq!(backend.ids().collect::<Vec<_>>(), [1, 2, 3]);
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    pub fn ids(&self) -> impl ExactSizeIterator<Item = u32> + '_ {
        self.tables.ids.iter().copied()
    }

    /// Ring points (`consistent`) or map slots (`map-based`).
    ///
    /// ```
    /// use routekit::route::compat::{HaproxyBalance, HaproxyHash, HaproxyServer};
    /// let servers = [HaproxyServer::new("a", 2), HaproxyServer::new("b", 4)];
    /// let ring = HaproxyHash::with_servers(HaproxyBalance::consistent(), servers.clone())?;
    /// let map = HaproxyHash::with_servers(HaproxyBalance::map_based(), servers)?;
    /// assert_eq!((ring.size(), map.size()), (96, 48));
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    pub fn size(&self) -> usize {
        match self.balance.hash_type {
            HaproxyHashType::Consistent => self.tables.points.len(),
            HaproxyHashType::MapBased => self.tables.map.len(),
        }
    }

    /// The server `balance source` picks for a client address when every
    /// server is up. HAProxy does not run the hash function over the
    /// address: it XORs its 32-bit words (an IPv4 address is one word, an
    /// IPv6 address four, big-endian), then applies `avalanche` if set.
    /// No allocation.
    ///
    /// ```
    /// use routekit::route::compat::{HaproxyBalance, HaproxyHash, HaproxyServer};
    /// // backend app / balance source / hash-type consistent
    /// let backend = HaproxyHash::with_servers(
    ///     HaproxyBalance::consistent(),
    ///     [HaproxyServer::new("web-a", 1), HaproxyServer::new("web-b", 1)],
    /// )?;
    /// assert_eq!(backend.route_ip("192.0.2.7".parse().unwrap()), Some(&"web-b"));
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    pub fn route_ip(&self, address: IpAddr) -> Option<&N> {
        let member = self.pick_hash(self.balance.address_hash(address), &|_| true)?;
        Some(self.members.get(member))
    }

    /// The server (by position) HAProxy picks among those `up` says.
    fn pick_among(&self, key: &[u8], up: &dyn Fn(usize) -> bool) -> Option<usize> {
        self.pick_hash(self.balance.key_hash(key), up)
    }

    /// The server (by position) HAProxy picks for `hash` among those `up`.
    fn pick_hash(&self, hash: u32, up: &dyn Fn(usize) -> bool) -> Option<usize> {
        match self.balance.hash_type {
            HaproxyHashType::Consistent => self.nearest(hash, up),
            HaproxyHashType::MapBased => map_pick(&self.tables.scaled, hash, up),
        }
    }

    /// [`nearest`](HaproxyHash::nearest) when every server is up: the point
    /// at or after `hash` and the one just before it.
    #[inline]
    fn nearest_of_all(&self, hash: u32) -> Option<usize> {
        let points = self.tables.points.as_slice();
        let next = self.tables.points.position(u64::from(hash) << 32)?;
        let prev = next.checked_sub(1).unwrap_or(points.len() - 1);
        let (next, prev) = (points[next], points[prev]);
        let behind = hash.wrapping_sub((prev.hash >> 32) as u32);
        let ahead = ((next.hash >> 32) as u32).wrapping_sub(hash);
        Some(if behind <= ahead { prev.member } else { next.member } as usize)
    }

    /// The owner of the point nearest `hash` among the points of servers
    /// that are `up`: the first at or after it, or the one before it on a
    /// shorter or equal distance (both wrapping). Of servers sharing a
    /// point, the one declared first owns it from behind (keys before it),
    /// the one declared last from ahead.
    fn nearest(&self, hash: u32, up: impl Fn(usize) -> bool) -> Option<usize> {
        let points = self.tables.points.as_slice();
        let start = self.tables.points.position(u64::from(hash) << 32)?;
        let count = points.len();
        let member = |at: usize| points[at].member as usize;
        let position = |at: usize| (points[at].hash >> 32) as u32;
        // Forward: the first usable point at or after `hash` (sorted by
        // server among equal points, so it is the first declared).
        let next = (0..count).map(|step| (start + step) % count).find(|&at| up(member(at)))?;
        // Backward from the point before `start`: the first usable point,
        // which of equal points is the server declared last (HAProxy's tree
        // keeps equal keys in insertion order and steps back into the last).
        let before = (start + count - 1) % count;
        let prev =
            (0..count).map(|step| (before + count - step) % count).find(|&at| up(member(at)))?;
        let behind = hash.wrapping_sub(position(prev));
        let ahead = position(next).wrapping_sub(hash);
        Some(if behind <= ahead { member(prev) } else { member(next) })
    }
}

impl<N: NodeId> HaproxyHash<N> {
    /// A backend hashing as `balance` says with `servers` in backend order.
    ///
    /// # Errors
    ///
    /// As [`extend_servers`](HaproxyHash::extend_servers).
    ///
    /// ```
    /// use routekit::route::Router;
    /// use routekit::route::compat::{HaproxyBalance, HaproxyHash, HaproxyServer};
    /// let backend = HaproxyHash::with_servers(
    ///     HaproxyBalance::map_based(),
    ///     [HaproxyServer::new("web-a", 1), HaproxyServer::new("web-b", 3)],
    /// )?;
    /// assert_eq!(backend.len(), 2);
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    pub fn with_servers<I>(balance: HaproxyBalance, servers: I) -> Result<Self, RouteError>
    where
        I: IntoIterator<Item = HaproxyServer<N>>,
    {
        let mut backend = HaproxyHash::new(balance);
        backend.extend_servers(servers)?;
        Ok(backend)
    }

    /// Adds `server` lines after those present. Either every server is
    /// added or, on error, none is.
    ///
    /// # Errors
    ///
    /// [`RouteError::InvalidServer`] for a weight above 256, an id of 0 or
    /// above 2³¹ − 1, or an id another server has; [`RouteError::DuplicateNode`]
    /// for a repeated identity; [`RouteError::OutOfMemory`] when the tables
    /// cannot be had.
    ///
    /// ```
    /// use routekit::route::compat::{HaproxyBalance, HaproxyHash, HaproxyServer};
    /// let mut backend = HaproxyHash::new(HaproxyBalance::consistent());
    /// backend.extend_servers([HaproxyServer::new("web-a", 1).with_id(5)])?;
    /// let clash = backend.extend_servers([HaproxyServer::new("web-b", 1).with_id(5)]);
    /// assert!(clash.is_err());
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    pub fn extend_servers<I>(&mut self, servers: I) -> Result<(), RouteError>
    where
        I: IntoIterator<Item = HaproxyServer<N>>,
    {
        // Copies to build the new tables from, fallibly, before any change.
        let mut weights = alloc::vec_with_capacity(self.weights.len())?;
        weights.extend_from_slice(&self.weights);
        let mut explicit = alloc::vec_with_capacity(self.explicit_ids.len())?;
        explicit.extend_from_slice(&self.explicit_ids);
        let mut added = Vec::new();
        for server in servers {
            let reason = match (server.weight, server.id) {
                (w, _) if w > MAX_WEIGHT => {
                    Some(format!("weight {w}: HAProxy's weights go from 0 to {MAX_WEIGHT}"))
                }
                (_, Some(id)) if id == 0 || id > MAX_ID => {
                    Some(format!("id {id}: HAProxy's server ids go from 1 to {MAX_ID}"))
                }
                (_, Some(id)) if explicit.contains(&Some(id)) => {
                    Some(format!("id {id} is already another server's: give each its own"))
                }
                _ => None,
            };
            if let Some(reason) = reason {
                return Err(RouteError::InvalidServer {
                    profile: PROFILE,
                    server: server.node.display_name(),
                    reason,
                });
            }
            alloc::push(&mut weights, server.weight)?;
            alloc::push(&mut explicit, server.id)?;
            alloc::push(&mut added, server.node)?;
        }
        if added.is_empty() {
            return Ok(());
        }
        if u32::try_from(weights.len()).is_err() {
            return Err(RouteError::OutOfMemory { bytes: u64::MAX });
        }
        let tables = Tables::build(self.balance.hash_type, &weights, &explicit)?;
        // Refuses repeated identities, changing nothing then.
        self.members.append(added)?;
        (self.weights, self.explicit_ids, self.tables) = (weights, explicit, tables);
        Ok(())
    }
}

impl Tables {
    /// The ids and the ring or map of servers with these weights and
    /// explicit ids, in backend order; every allocation is fallible.
    fn build(
        hash_type: HaproxyHashType,
        weights: &[u32],
        explicit: &[Option<u32>],
    ) -> Result<Tables, RouteError> {
        let ids = assign_ids(explicit)?;
        let mut tables = Tables { ids, ..Tables::default() };
        match hash_type {
            HaproxyHashType::Consistent => {
                let total: usize = weights.iter().map(|&w| (w * WEIGHT_SCALE) as usize).sum();
                let mut points = alloc::vec_with_capacity(total)?;
                let index = Points::reserve_index(total)?;
                for (member, (&weight, &id)) in weights.iter().zip(&tables.ids).enumerate() {
                    let base = id.wrapping_mul(ID_STRIDE);
                    for node in 0..weight * WEIGHT_SCALE {
                        let hash = full_hash(base.wrapping_add(node));
                        points.push(Point { hash: u64::from(hash) << 32, member: member as u32 });
                    }
                }
                // By (position, server): equal points in backend order.
                points.sort_unstable();
                tables.points = Points::from_sorted(points, index);
            }
            HaproxyHashType::MapBased => {
                let divisor = weights.iter().fold(0, |g, &w| gcd(g, w)).max(1);
                let mut scaled = alloc::vec_with_capacity(weights.len())?;
                scaled.extend(weights.iter().map(|&w| w / divisor * WEIGHT_SCALE));
                let slots: usize = scaled.iter().map(|&w| w as usize).sum();
                let mut map = alloc::vec_with_capacity(slots)?;
                let mut scores = alloc::vec_with_capacity(weights.len())?;
                scores.resize(weights.len(), 0i64);
                for _ in 0..slots {
                    if let Some(best) = map_step(&scaled, slots as i64, &mut scores, &|_| true) {
                        map.push(best as u32);
                    }
                }
                (tables.map, tables.scaled) = (map, scaled);
            }
        }
        Ok(tables)
    }
}

/// HAProxy's automatic ids: for the server at position `p` (from 1)
/// without one, the lowest id no server is explicitly given, at least `p`
/// and above the previous automatic id (`next_id` grows by one per server).
fn assign_ids(explicit: &[Option<u32>]) -> Result<Vec<u32>, RouteError> {
    let mut taken: Vec<u32> = alloc::vec_with_capacity(explicit.len())?;
    taken.extend(explicit.iter().flatten());
    taken.sort_unstable();
    let mut ids = alloc::vec_with_capacity(explicit.len())?;
    let mut next = 1u32;
    for id in explicit {
        let id = match *id {
            Some(id) => id,
            None => {
                let mut at = taken.partition_point(|&t| t < next);
                while taken.get(at) == Some(&next) {
                    next = next.saturating_add(1);
                    at += 1;
                }
                next
            }
        };
        ids.push(id);
        next = next.saturating_add(1);
    }
    Ok(ids)
}

/// One slot of HAProxy's map: every usable server adds its scaled weight
/// to its score, the first with the highest `(score + slots) / slots` wins
/// and pays `slots`.
fn map_step(
    scaled: &[u32],
    slots: i64,
    scores: &mut [i64],
    up: &dyn Fn(usize) -> bool,
) -> Option<usize> {
    let mut best: Option<(usize, i64)> = None;
    for (member, &weight) in scaled.iter().enumerate() {
        if weight == 0 || !up(member) {
            continue;
        }
        if slots == 1 {
            return Some(member);
        }
        scores[member] += i64::from(weight);
        let value = (scores[member] + slots) / slots;
        if best.is_none_or(|(_, max)| value > max) {
            best = Some((member, value));
        }
    }
    let (member, _) = best?;
    scores[member] -= slots;
    Some(member)
}

/// The slot `hash % slots` of the map HAProxy builds over the usable
/// servers, by replaying the map up to that slot.
fn map_pick(scaled: &[u32], hash: u32, up: &dyn Fn(usize) -> bool) -> Option<usize> {
    let slots: i64 =
        scaled.iter().enumerate().filter(|&(m, _)| up(m)).map(|(_, &w)| i64::from(w)).sum();
    if slots == 0 {
        return None;
    }
    let target = i64::from(hash) % slots;
    let mut scores = vec![0i64; scaled.len()];
    let mut pick = None;
    for _ in 0..=target {
        pick = map_step(scaled, slots, &mut scores, up);
    }
    pick
}

fn gcd(mut a: u32, mut b: u32) -> u32 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Bob Jenkins' 32-bit integer hash, then a multiplication by 3221225473
/// (HAProxy's `full_hash`): the point hash, and the `avalanche` step.
#[inline]
pub(super) fn full_hash(mut a: u32) -> u32 {
    a = a.wrapping_add(0x7ed5_5d16).wrapping_add(a << 12);
    a = (a ^ 0xc761_c23c) ^ (a >> 19);
    a = a.wrapping_add(0x1656_67b1).wrapping_add(a << 5);
    a = a.wrapping_add(0xd3a2_646c) ^ (a << 9);
    a = a.wrapping_add(0xfd70_46c5).wrapping_add(a << 3);
    a = (a ^ 0xb55a_4f09) ^ (a >> 16);
    a.wrapping_mul(3_221_225_473)
}

impl HaproxyHashFunction {
    /// The function of the key's bytes, before any `avalanche`.
    ///
    /// ```
    /// use routekit::route::compat::HaproxyHashFunction;
    /// assert_eq!(HaproxyHashFunction::Djb2.hash(b""), 5381);
    /// assert_eq!(HaproxyHashFunction::Crc32.hash(b"123456789"), 0xcbf4_3926);
    /// ```
    pub fn hash(self, key: &[u8]) -> u32 {
        match self {
            HaproxyHashFunction::Sdbm => key.iter().fold(0u32, |h, &c| {
                u32::from(c).wrapping_add(h << 6).wrapping_add(h << 16).wrapping_sub(h)
            }),
            HaproxyHashFunction::Djb2 => {
                key.iter().fold(5381u32, |h, &c| h.wrapping_mul(33).wrapping_add(u32::from(c)))
            }
            HaproxyHashFunction::Wt6 => wt6(key),
            HaproxyHashFunction::Crc32 => crc32fast::hash(key),
        }
    }

    /// The name HAProxy's configuration uses.
    ///
    /// ```
    /// use routekit::route::compat::HaproxyHashFunction;
    /// assert_eq!(HaproxyHashFunction::Wt6.name(), "wt6");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            HaproxyHashFunction::Sdbm => "sdbm",
            HaproxyHashFunction::Djb2 => "djb2",
            HaproxyHashFunction::Wt6 => "wt6",
            HaproxyHashFunction::Crc32 => "crc32",
        }
    }
}

/// wt6: two words, each byte mixed into both, rotated by amounts that
/// depend on the bytes so far.
fn wt6(key: &[u8]) -> u32 {
    let (mut h0, mut h1) = (0xa53c_965a_u32, 0x5ca6_953a_u32);
    let (mut step0, mut step1) = (6u32, 18u32);
    for &byte in key {
        let t = u32::from(byte);
        h0 = !(h0 ^ t);
        h1 = !(h1.wrapping_add(t));
        let rotated = h1.rotate_left(step0);
        h1 = h0.rotate_left(step1);
        h0 = rotated;
        let t = ((h0 >> 16) ^ h1) & 0xffff;
        step0 = t & 0x1f;
        step1 = t >> 11;
    }
    h0 ^ h1
}

impl HaproxyBalance {
    /// `hash-type consistent` as written without a function: HAProxy
    /// then uses sdbm *with* avalanche.
    ///
    /// ```
    /// use routekit::route::compat::{HaproxyBalance, HaproxyHashFunction};
    /// let bare = HaproxyBalance::consistent();
    /// assert_eq!((bare.function(), bare.avalanche()), (HaproxyHashFunction::Sdbm, true));
    /// assert_eq!(bare.to_string(), "hash-type consistent sdbm avalanche");
    /// ```
    pub fn consistent() -> Self {
        HaproxyBalance {
            hash_type: HaproxyHashType::Consistent,
            function: HaproxyHashFunction::Sdbm,
            avalanche: true,
        }
    }

    /// `hash-type map-based` with sdbm, no avalanche (HAProxy's default).
    ///
    /// ```
    /// use routekit::route::compat::{HaproxyBalance, HaproxyHashType};
    /// assert_eq!(HaproxyBalance::map_based().hash_type(), HaproxyHashType::MapBased);
    /// ```
    pub fn map_based() -> Self {
        HaproxyBalance {
            hash_type: HaproxyHashType::MapBased,
            function: HaproxyHashFunction::Sdbm,
            avalanche: false,
        }
    }

    /// The same with a hash function written out, as in `hash-type
    /// consistent crc32`: without avalanche (add it with
    /// [`with_avalanche`](HaproxyBalance::with_avalanche)).
    ///
    /// ```
    /// use routekit::route::compat::{HaproxyBalance, HaproxyHashFunction};
    /// let balance = HaproxyBalance::map_based().with_function(HaproxyHashFunction::Crc32);
    /// assert_eq!(balance.function(), HaproxyHashFunction::Crc32);
    /// ```
    pub fn with_function(self, function: HaproxyHashFunction) -> Self {
        HaproxyBalance { function, avalanche: false, ..self }
    }

    /// The same with `avalanche`: the function's result passes through
    /// HAProxy's `full_hash`.
    ///
    /// ```
    /// use routekit::route::compat::HaproxyBalance;
    /// assert!(HaproxyBalance::consistent().with_avalanche().avalanche());
    /// ```
    pub fn with_avalanche(self) -> Self {
        HaproxyBalance { avalanche: true, ..self }
    }

    /// The `hash-type` method.
    ///
    /// ```
    /// use routekit::route::compat::{HaproxyBalance, HaproxyHashType};
    /// assert_eq!(HaproxyBalance::consistent().hash_type(), HaproxyHashType::Consistent);
    /// ```
    pub fn hash_type(self) -> HaproxyHashType {
        self.hash_type
    }

    /// The hash function.
    ///
    /// ```
    /// use routekit::route::compat::{HaproxyBalance, HaproxyHashFunction};
    /// assert_eq!(HaproxyBalance::map_based().function(), HaproxyHashFunction::Sdbm);
    /// ```
    pub fn function(self) -> HaproxyHashFunction {
        self.function
    }

    /// Whether `avalanche` is on.
    ///
    /// ```
    /// use routekit::route::compat::HaproxyBalance;
    /// assert!(!HaproxyBalance::map_based().avalanche());
    /// ```
    pub fn avalanche(self) -> bool {
        self.avalanche
    }

    /// The key's hash as HAProxy computes it for this backend.
    ///
    /// ```
    /// use routekit::route::compat::{HaproxyBalance, HaproxyHashFunction};
    /// let sdbm = HaproxyBalance::consistent().with_function(HaproxyHashFunction::Sdbm);
    /// assert_eq!(sdbm.key_hash(b""), 0);
    /// assert_ne!(sdbm.with_avalanche().key_hash(b""), 0);
    /// ```
    #[inline]
    pub fn key_hash(self, key: &[u8]) -> u32 {
        let hash = self.function.hash(key);
        if self.avalanche { full_hash(hash) } else { hash }
    }
}

impl HaproxyBalance {
    /// The hash `balance source` computes for a client address: its 32-bit
    /// big-endian words XORed, then `avalanche` if set.
    ///
    /// ```
    /// use routekit::route::compat::HaproxyBalance;
    /// let plain = HaproxyBalance::map_based();
    /// assert_eq!(plain.address_hash("10.0.0.1".parse().unwrap()), 0x0a00_0001);
    /// assert_eq!(plain.address_hash("::1".parse().unwrap()), 1);
    /// ```
    pub fn address_hash(self, address: IpAddr) -> u32 {
        let folded = match address {
            IpAddr::V4(v4) => u32::from(v4),
            IpAddr::V6(v6) => {
                let bits = u128::from(v6);
                (0..4).fold(0, |h, word| h ^ (bits >> (32 * word)) as u32)
            }
        };
        if self.avalanche { full_hash(folded) } else { folded }
    }
}

impl fmt::Display for HaproxyHashType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HaproxyHashType::Consistent => "consistent",
            HaproxyHashType::MapBased => "map-based",
        })
    }
}

impl fmt::Display for HaproxyHashFunction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Display for HaproxyBalance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "hash-type {} {}", self.hash_type, self.function)?;
        if self.avalanche {
            f.write_str(" avalanche")?;
        }
        Ok(())
    }
}

impl<N> HaproxyServer<N> {
    /// A `server` line with `weight` and an automatic id.
    ///
    /// ```
    /// use routekit::route::compat::HaproxyServer;
    /// assert_eq!(HaproxyServer::new("web-a", 1).id(), None);
    /// ```
    pub fn new(node: N, weight: u32) -> Self {
        HaproxyServer { node, weight, id: None }
    }

    /// The same with an explicit `id` (1 to 2³¹ − 1).
    ///
    /// ```
    /// use routekit::route::compat::HaproxyServer;
    /// assert_eq!(HaproxyServer::new("web-a", 1).with_id(9).id(), Some(9));
    /// ```
    pub fn with_id(self, id: u32) -> Self {
        HaproxyServer { id: Some(id), ..self }
    }

    /// The node.
    ///
    /// ```
    /// use routekit::route::compat::HaproxyServer;
    /// assert_eq!(HaproxyServer::new("web-a", 1).node(), &"web-a");
    /// ```
    pub fn node(&self) -> &N {
        &self.node
    }

    /// The weight.
    ///
    /// ```
    /// use routekit::route::compat::HaproxyServer;
    /// assert_eq!(HaproxyServer::new("web-a", 4).weight(), 4);
    /// ```
    pub fn weight(&self) -> u32 {
        self.weight
    }

    /// The explicit id, if any.
    ///
    /// ```
    /// use routekit::route::compat::HaproxyServer;
    /// assert_eq!(HaproxyServer::new("web-a", 1).with_id(3).id(), Some(3));
    /// ```
    pub fn id(&self) -> Option<u32> {
        self.id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn automatic_ids_follow_the_position_and_skip_taken_ones() {
        // As haproxy 2.6.12 numbered servers/haproxy.servers.tsv.
        let explicit = [None, None, Some(7), None, Some(100), None, None, Some(4096)];
        assert_eq!(assign_ids(&explicit).unwrap(), [1, 2, 7, 4, 100, 6, 8, 4096]);
        assert_eq!(assign_ids(&[Some(1), None, None]).unwrap(), [1, 2, 3]);
        assert_eq!(assign_ids(&[Some(2), None, None]).unwrap(), [2, 3, 4]);
    }

    #[test]
    fn the_map_interleaves_by_weight_first_declared_first() {
        let backend = HaproxyHash::with_servers(
            HaproxyBalance::map_based(),
            [HaproxyServer::new("a", 1), HaproxyServer::new("b", 2)],
        )
        .unwrap();
        assert_eq!(backend.tables.scaled, [16, 32]);
        assert_eq!(backend.tables.map.len(), 48);
        assert_eq!(backend.tables.map.iter().filter(|&&m| m == 1).count(), 32);
        // Slot 0: both score (w + 48) / 48 = 1, and a is declared first;
        // slot 1: b's 64 beats a's 32.
        assert_eq!(backend.tables.map[..3], [0, 1, 1]);
        // Replaying the map gives every slot.
        for (slot, &member) in backend.tables.map.iter().enumerate() {
            assert_eq!(
                map_pick(&backend.tables.scaled, slot as u32, &|_| true),
                Some(member as usize)
            );
        }
    }

    #[test]
    fn a_shared_point_is_split_between_its_servers() {
        // Ids 2^20 apart give the same point numbers modulo 2^32.
        for (first, second) in [(1, 1 << 20 | 1), (1 << 20 | 1, 1)] {
            let backend = HaproxyHash::with_servers(
                HaproxyBalance::consistent(),
                [
                    HaproxyServer::new("a", 1).with_id(first),
                    HaproxyServer::new("b", 1).with_id(second),
                ],
            )
            .unwrap();
            let points = backend.tables.points.as_slice();
            assert!(points.chunks(2).all(|pair| pair[0].hash == pair[1].hash));
            // Just past a point: from behind, the last declared; on it: the first.
            let point = (points[0].hash >> 32) as u32;
            assert_eq!(backend.nearest(point, |_| true), Some(0));
            assert_eq!(backend.nearest(point.wrapping_add(1), |_| true), Some(1));
            assert_eq!(backend.nearest(point.wrapping_add(1), |m| m == 0), Some(0));
        }
    }

    #[test]
    fn the_nearest_point_wins_and_the_one_before_on_a_tie() {
        let backend =
            HaproxyHash::with_servers(HaproxyBalance::consistent(), [HaproxyServer::new("a", 1)])
                .unwrap();
        assert_eq!(backend.size(), 16);
        let mut two = backend.clone();
        two.extend_weighted([("b", 1)]).unwrap();
        let points = two.tables.points.as_slice();
        let owner = |at: usize| points[at].member as usize;
        let at = (0..points.len() - 1).find(|&at| owner(at) != owner(at + 1)).unwrap();
        let (low, high) = ((points[at].hash >> 32) as u32, (points[at + 1].hash >> 32) as u32);
        let middle = low + (high - low) / 2;
        assert_eq!(two.nearest(low, |_| true), Some(owner(at)));
        assert_eq!(two.nearest(middle, |_| true), Some(owner(at)));
        assert_eq!(two.nearest(middle + 1, |_| true), Some(owner(at + 1)));
        assert_eq!(two.nearest(high, |_| true), Some(owner(at + 1)));
        for probe in [low, middle, middle + 1, high, 0, u32::MAX] {
            assert_eq!(two.nearest_of_all(probe), two.nearest(probe, |_| true));
        }
        // With the owner of `high` down, its neighbours decide.
        let down = owner(at + 1);
        assert_eq!(two.nearest(high, |m| m != down), Some(owner(at)));
    }

    #[test]
    fn changes_are_all_or_nothing() {
        let mut backend =
            HaproxyHash::with_servers(HaproxyBalance::consistent(), [HaproxyServer::new("a", 1)])
                .unwrap();
        assert!(backend.extend_weighted([("b", 1), ("c", 300)]).is_err());
        assert!(backend.extend_weighted([("b", 1), ("a", 2)]).is_err());
        assert!(backend.extend_servers([HaproxyServer::new("b", 1).with_id(0)]).is_err());
        assert_eq!((backend.len(), backend.size()), (1, 16));
        backend.extend_weighted([("b", 0), ("c", 2)]).unwrap();
        assert_eq!(backend.size(), 48);
        assert_eq!(backend.remove("a").unwrap(), "a");
        assert_eq!(backend.ids().collect::<Vec<_>>(), [1, 2]);
        assert_eq!(backend.route_n(b"k", 5), [&"c"]);
    }
}
