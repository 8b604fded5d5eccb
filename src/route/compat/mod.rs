//! Placement bit-compatible with routers already deployed: ketama as
//! libketama, libmemcached and twemproxy build it, groupcache's
//! consistenthash, and nginx's `hash $key consistent;`, `hash $key;` and
//! `ip_hash;` (feature `compat`).
//!
//! A Rust service that shares a memcached pool with PHP or Python clients, or
//! sits behind an nginx that pins sessions, can ask in-process which server
//! the other system picks for a key: a [`CompatRing`] built in a [`Profile`]
//! has exactly that system's points, tie rules and lookup rule, and answers
//! through the same [`Router`] trait as every other strategy.
//!
//! # Profiles
//!
//! | profile | reproduces | checked against | points | key hash |
//! |---|---|---|---|---|
//! | [`Libketama`](Profile::Libketama) | the C library of github.com/RJ/ketama | `ketama.c` at commit `175733d` | per server `4 × floor(f32(share × 40 × n))` (an f64 product rounded to f32); MD5 of `"<address>-<k>"`, 4 little-endian words each | first 4 bytes of MD5(key), little-endian |
//! | [`Libmemcached`](Profile::Libmemcached) | libmemcached with `MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED` (php-memcached's `OPT_LIBKETAMA_COMPATIBLE`) | 1.1.4 | per server `4 × floor(share × 160 / 4 × n + 1e-10)`, every step in f32; MD5 of `"<host>-<k>"` on port 11211, else `"<host>:<port>-<k>"` | as libketama |
//! | [`Twemproxy`](Profile::Twemproxy) | twemproxy (nutcracker), `distribution: ketama`, `hash: md5` | 0.5.0 | as libmemcached; a server's explicit name replaces its address | as libketama; an empty key hashes to 0 |
//! | [`NginxConsistent`](Profile::NginxConsistent) | nginx `hash $key consistent;` | 1.22.1 | `160 × weight` per server: CRC-32 of `host \0 port` and the previous point (4 little-endian bytes, from 0); equal points dropped | CRC-32 of the key |
//! | [`Groupcache`](Profile::Groupcache) | Go's groupcache `consistenthash.New(replicas, nil)` | Debian's 0.0~git20200121.8c9f03a, Go 1.19 | `replicas` per server: CRC-32 of `"<i><name>"`, `i` in decimal from 0; of equal points the server added last keeps it | CRC-32 of the key |
//! | [`LibmemcachedUnweighted`](Profile::LibmemcachedUnweighted) | libmemcached ketama without weighting (`MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA` after `KETAMA_WEIGHTED`) | 1.1.4 | 100 per server, whatever the weights: the first little-endian word of MD5 of `"<host>-<k>"` (names as libmemcached) | as libketama |
//!
//! nginx's plain `hash $key;` and `ip_hash;` are not rings: a
//! [`NginxHash`] reproduces them (a weighted pick from one hash, rehashed
//! past servers that are down; see its docs), checked against nginx 1.22.1
//! for 5000 keys, 4816 client addresses (IPv4, IPv6, IPv4-mapped, real
//! source addresses) and with servers marked `down`.
//!
//! HAProxy's `hash-type consistent` picks the *nearest* point, not the next
//! one, and `map-based` is a table: [`HaproxyHash`] reproduces both (HAProxy
//! 2.6: every hash function, `avalanche`, server ids, `balance source`).
//!
//! `share` is the server's weight over the total, in f32, and `n` the number
//! of servers. In every profile a key belongs to the server of the first
//! point at or after its hash, wrapping to the first point. The tests compare
//! each profile with vectors the real software produced on Debian 12 (glibc
//! 2.36) for every one of 5000 keys, keys that land exactly on a point,
//! before the first and after the last, and the whole sorted point list where
//! the library could dump it (`tests/data/compat/`; how they were made is in
//! `scripts/compat/`).
//!
//! The float arithmetic matters: exact arithmetic would give a server of
//! weight 936 out of 1600 (five servers) 117 digests, where libketama gives
//! it 116 and libmemcached 117; weight 64 of 1600 gets 8 from libketama and
//! 7 from libmemcached, whose `OPT_LIBKETAMA_COMPATIBLE` is therefore not
//! point-for-point libketama (nor are its names: it drops the port 11211).
//!
//! ## The unweighted libmemcached trap
//!
//! `MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED` sets ketama, the MD5 key hash and
//! weighting; setting `MEMCACHED_BEHAVIOR_DISTRIBUTION` to
//! `MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA` afterwards (php-memcached's
//! `OPT_DISTRIBUTION` after `OPT_LIBKETAMA_COMPATIBLE`, or a client that
//! sets both "to be sure") keeps MD5 but turns weighting off: 100 points a
//! server, one MD5 word each, a different ring from
//! [`Libmemcached`](Profile::Libmemcached)'s 160. Weighting comes back as
//! soon as a server of weight 2 or more is added with
//! `memcached_server_add_with_weight` (the checked library went from 600 to
//! 1120 points on adding one). So
//! [`LibmemcachedUnweighted`](Profile::LibmemcachedUnweighted) takes only
//! weight 1 (what `memcached_server_add`'s 0 means there) and refuses a
//! heavier server, naming the weighted profile; read the behaviour off the
//! client (`memcached_behavior_get(.., KETAMA_WEIGHTED)`) to choose.
//!
//! ```
//! use routekit::route::Router;
//! use routekit::route::compat::{CompatRing, Profile};
//!
//! let servers = [("10.0.1.1:11211", 1), ("10.0.1.2:11211", 1)];
//! let unweighted = CompatRing::with_servers(Profile::LibmemcachedUnweighted, servers)?;
//! let weighted = CompatRing::with_servers(Profile::Libmemcached, servers)?;
//! assert_eq!((unweighted.point_count(), weighted.point_count()), (200, 320));
//! // What libmemcached 1.1.4 itself answers for this pool.
//! assert_eq!(unweighted.route(b"user:42:profile"), Some(&"10.0.1.2:11211"));
//! let heavier = CompatRing::with_servers(Profile::LibmemcachedUnweighted, [("10.0.1.3", 2)]);
//! assert!(heavier.unwrap_err().to_string().contains("turns weighting back on"));
//! # Ok::<(), routekit::route::RouteError>(())
//! ```
//!
//! # Servers
//!
//! A server is its identity (the node's [`NodeId`] bytes: use `&str`,
//! `String` or an address), a whole-number weight and, in twemproxy, an
//! optional name: a [`Server`]. The identity is the server **as the
//! deployed configuration writes it**, never resolved:
//!
//! * libketama: the address of the server file, e.g. `10.0.1.1:11211`, at
//!   most 21 bytes (libketama's buffer), hashed as it is.
//! * libmemcached (both profiles): `host:port` or `host` (port 11211), the host exactly as
//!   passed to `memcached_server_add`; an IPv6 host needs its port
//!   (`::1:11211`).
//! * twemproxy: `host:port` as in the pool's `servers:` entry
//!   `host:port:weight [name]`, or a unix socket `/path`.
//! * groupcache: the peer's name as given to `Map.Add` (groupcache's
//!   `HTTPPool.Set` takes peer URLs, e.g. `http://10.0.0.1:8080`), any
//!   bytes; weight 1.
//! * nginx: the first argument of the `server` directive, e.g.
//!   `localhost:18085` or `127.0.0.2` (which nginx hashes with an *empty*
//!   port, though it connects to port 80), checked as nginx parses it.
//!
//! Servers that a profile's system would refuse or misread are refused with
//! [`RouteError::InvalidServer`], which says why. Two servers whose points
//! would be identical (the same identity, or names that hash alike, such as
//! libmemcached's `h` and `h:11211`) are refused too: twemproxy refuses them
//! itself, and elsewhere the second one would never receive a key.
//!
//! # Why one type
//!
//! The four systems differ only in how points are made and how a key is
//! hashed; membership, the sorted points, the search and the walk to the next
//! distinct server are the same. So one [`CompatRing`] holds them all, the
//! search is the one [`HashRing`](super::HashRing) uses (points shifted into
//! the top half of its 64-bit circle, which keeps "first point ≥ hash"
//! exact), and the profile is a value a service can read from its own
//! configuration. Matching on it per lookup costs far less than the MD5 a
//! ketama lookup must compute anyway.
//!
//! # Where the deployed systems are not fully defined, or do more
//!
//! * **Equal points.** libketama, twemproxy and nginx sort points by value
//!   only, with the C library's `qsort`; glibc's is a stable merge sort, so
//!   equal points keep the order they were generated in, and routekit orders
//!   them that way: by server position (configuration order; in twemproxy,
//!   which sorts its servers by name — length, then bytes — when it reads
//!   its configuration, name order). nginx keeps only the first of equal
//!   points, so that server owns it. libmemcached breaks ties by server
//!   index itself. With another C library (musl's `qsort` is not stable) the
//!   order of equal points, and the server nginx keeps, is unspecified.
//!   groupcache gives an equal point to the server added last (its Go map
//!   entry is overwritten) and routekit keeps that one copy. The main
//!   vectors have no tie (32-bit points rarely collide); pairs of servers
//!   that share a point, configured in both orders, check the rules
//!   (`ties*.tsv`).
//! * **Edges of the key space.** nginx does not hash an empty key at all: it
//!   picks round robin, so no placement can match; routekit answers as for
//!   hash 0 (the CRC-32 of no bytes), the server of the first point. libketama
//!   takes the key as a C string, so it hashes only the bytes before a NUL;
//!   routekit does the same. memcached keys are never empty (libmemcached
//!   refuses them); routekit hashes an empty key like any other.
//! * **Points that round to zero.** A server whose share is too small for
//!   one digest gets no points and no keys, as in libketama, libmemcached and
//!   twemproxy; it never appears in a preference list.
//! * **Preference lists and failover.** [`Router::route_n`] and
//!   [`Router::route_healthy`] walk clockwise to the next distinct servers.
//!   That is what nginx does when a server is down or `proxy_next_upstream`
//!   moves on (nginx 1.22 gives up after 20 points and falls back to round
//!   robin). The ketama libraries make no such walk: to reproduce
//!   libmemcached's or twemproxy's auto-eject, [`Membership::remove`] the server,
//!   which rebuilds the ring as they do (every server's point count depends
//!   on all the weights and the number of servers, so this moves some keys
//!   between the servers that stay).
//! * **Read from the sources only** (no vector exercises them): libketama's
//!   NUL-terminated keys, twemproxy's 0 for an empty key, its names of unix
//!   sockets (`/path` hashes as `/path:`) and its 272-byte limit on a
//!   point's name, nginx's `unix:` servers.
//! * **Not modelled:** libmemcached's `SORT_HOSTS`, namespaces and other
//!   distributions; twemproxy's `hash_tag`; nginx's
//!   weights of servers that resolve to several addresses (placement is per
//!   `server` string) and round robin among them.
//!
//! # Example
//!
//! ```
//! use routekit::route::Router;
//! use routekit::route::compat::{CompatRing, Profile, Server};
//!
//! // upstream app { hash $cookie_session consistent;
//! //     server 10.0.0.1:8080 weight=2; server 10.0.0.2:8080; server 10.0.0.3; }
//! let nginx = CompatRing::with_servers(
//!     Profile::NginxConsistent,
//!     [("10.0.0.1:8080", 2), ("10.0.0.2:8080", 1), ("10.0.0.3", 1)],
//! )?;
//! assert_eq!(nginx.route(b"5f0c2a1e"), Some(&"10.0.0.2:8080"));
//!
//! // The memcached pool a PHP client with OPT_LIBKETAMA_COMPATIBLE shares.
//! let memcached = CompatRing::with_servers(
//!     Profile::Libmemcached,
//!     [("10.0.1.1:11211", 100), ("10.0.1.2:11211", 200), ("10.0.1.5:22122", 64)],
//! )?;
//! assert_eq!(memcached.route(b"user:42:profile"), Some(&"10.0.1.2:11211"));
//!
//! // A twemproxy pool whose first server has a name.
//! let twemproxy = CompatRing::with_servers(
//!     Profile::Twemproxy,
//!     [Server::new("127.0.0.1:11211", 1).with_name("alpha"), Server::new("127.0.0.2:11211", 2)],
//! )?;
//! assert_eq!(twemproxy.route(b"cart:7"), Some(&"127.0.0.1:11211"));
//!
//! // A Go service's groupcache HTTPPool (50 replicas) over three peers:
//! // the Go package itself sends "user:42" to the first.
//! let peers = ["http://10.0.0.1:8080", "http://10.0.0.2:8080", "http://10.0.0.3:8080"];
//! let groupcache = CompatRing::with_servers(
//!     Profile::Groupcache { replicas: 50 },
//!     peers.map(|peer| (peer, 1)),
//! )?;
//! assert_eq!(groupcache.route(b"user:42"), Some(&"http://10.0.0.1:8080"));
//! # Ok::<(), routekit::route::RouteError>(())
//! ```

use std::borrow::Borrow;
use std::collections::HashSet;
use std::fmt;

use super::alloc;
use super::members::{Arranged, Members};
use super::points::{Point, Points};
use super::{Membership, NodeId, RouteError, Router, Weighted};

mod groupcache;
mod haproxy;
mod ketama;
mod nginx;
mod nginx_hash;

pub use haproxy::{
    HaproxyBalance, HaproxyHash, HaproxyHashFunction, HaproxyHashType, HaproxyServer,
};
pub use nginx_hash::{NginxHash, NginxMethod};

use ketama::Flavor;

/// The most points a ring holds (its index uses 32-bit positions).
const MAX_POINTS: u64 = u32::MAX as u64;

/// Which deployed system a [`CompatRing`] reproduces; see the
/// [module docs](self) for each profile's rules and the version it was
/// checked against.
///
/// # Example
///
/// ```
/// use routekit::route::compat::Profile;
///
/// assert_eq!(Profile::NginxConsistent.to_string(), "nginx");
/// assert_eq!(Profile::Libmemcached.name(), "libmemcached");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Profile {
    /// libketama, the C library of github.com/RJ/ketama (checked at commit
    /// `175733d` of `ketama.c`). Servers keep the server file's order.
    Libketama,
    /// libmemcached's weighted ketama, `MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED`
    /// (checked: 1.1.4). Servers keep the order they were added in.
    Libmemcached,
    /// twemproxy (nutcracker) with `distribution: ketama` and `hash: md5`
    /// (checked: 0.5.0). Servers are ordered by name, as twemproxy orders
    /// them, whatever order they are added in.
    Twemproxy,
    /// nginx's `hash $key consistent;` (checked: 1.22.1). Servers keep the
    /// upstream block's order.
    NginxConsistent,
    /// libmemcached's ketama without weighting (checked: 1.1.4): 100 points
    /// a server, what a client gets from `MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA`
    /// after `MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED` (which set the MD5 hashes).
    /// Every server weighs 1: a heavier one would turn weighting back on.
    /// Servers keep the order they were added in.
    LibmemcachedUnweighted,
    /// groupcache's `consistenthash.Map` (the Go package; checked: Debian's
    /// golang-github-golang-groupcache-dev 0.0~git20200121.8c9f03a, Go
    /// 1.19) with `replicas` points per server, as `consistenthash.New(replicas, nil)`
    /// builds it (groupcache's `HTTPPool` uses 50). Servers keep the order
    /// `Map.Add` got them in, every one of weight 1.
    Groupcache {
        /// Points per server: `New`'s first argument.
        replicas: u32,
    },
}

/// One server of a [`CompatRing`]: its identity (the node), its weight and,
/// for twemproxy only, an explicit name that is hashed instead of the address.
///
/// `(node, weight)` converts into a `Server`, so a list of pairs can be given
/// wherever servers are.
///
/// # Example
///
/// ```
/// use routekit::route::compat::Server;
///
/// let named = Server::new("127.0.0.1:11211", 1).with_name("alpha");
/// assert_eq!(named.name(), Some(&b"alpha"[..]));
/// assert_eq!(Server::from(("10.0.1.1:11211", 100)).weight(), 100);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Server<N> {
    node: N,
    weight: u32,
    name: Option<Box<[u8]>>,
}

/// A consistent-hash ring that places keys exactly as a deployed system does:
/// libketama, libmemcached or twemproxy ketama, or nginx `hash … consistent`.
///
/// Built from servers in a [`Profile`]; see the [module docs](self) for the
/// rules of each profile, the versions they were checked against and their
/// caveats. A server's identity is its node's [`NodeId`] bytes, which must
/// be the address as the deployed configuration writes it: use `&str`,
/// `String` or [`AddressText`](super::AddressText) nodes (a `SocketAddr`'s
/// identity is its text, so it works too; integer nodes do not name a
/// server).
///
/// **Lookups** hash the key as the deployed system does (MD5 or CRC-32),
/// then find the first point at or after it with the radix-indexed search
/// every routekit ring uses: O(1) expected after the hash, no allocation.
///
/// **Changes** recount every server's points as the deployed system does
/// (a ketama count depends on all the weights and on the number of servers)
/// and hash again only the servers whose count changed: O(points) plus
/// those hashes, and a radix sort through the lookup index's buckets
/// (O(points) expected: the points are hashes). [`Membership::insert`]
/// adds a server of weight 1, [`Weighted::insert_weighted`] one of a
/// whole-number weight, and [`extend_servers`](CompatRing::extend_servers)
/// servers with names (twemproxy).
///
/// # Example
///
/// ```
/// use routekit::route::{Router, Weighted};
/// use routekit::route::compat::{CompatRing, Profile};
///
/// // libketama's server file: "10.0.1.1:11211<TAB>100", ...
/// let mut ring = CompatRing::new(Profile::Libketama);
/// ring.extend_weighted([("10.0.1.1:11211", 100), ("10.0.1.2:11211", 200)])?;
/// // 4 × (26 + 53) points: each server's share of 40 × 2 digests, rounded down.
/// assert_eq!(ring.point_count(), 316);
/// let owner = *ring.route(b"key-0").unwrap();
/// assert!(ring.is_owner(b"key-0", owner));
/// # Ok::<(), routekit::route::RouteError>(())
/// ```
#[derive(Clone)]
pub struct CompatRing<N = String> {
    profile: Profile,
    /// Servers in the deployed system's order (see [`Profile`]), with lookup
    /// by identity; a server's position orders equal points.
    members: Members<N, Arranged>,
    /// What the profile derived from each server, by position.
    shares: Vec<Share>,
    /// All points, the 32-bit values shifted into the top half, sorted by
    /// (point, member position); for nginx, without repeated points.
    points: Points,
}

/// One server as a [`CompatRing`] holds it, from
/// [`CompatRing::servers`]: its node, weight, name and the points it holds.
///
/// # Example
///
/// ```
/// use routekit::route::compat::{CompatRing, Profile, Server};
///
/// let ring = CompatRing::with_servers(
///     Profile::Twemproxy,
///     [Server::new("127.0.0.1:11211", 2).with_name("alpha")],
/// )?;
/// let server = ring.servers().next().unwrap();
/// assert_eq!(*server.node(), "127.0.0.1:11211");
/// assert_eq!((server.weight(), server.name()), (2, Some(&b"alpha"[..])));
/// assert_eq!(server.points(), 160);
/// # Ok::<(), routekit::route::RouteError>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct RingServer<'a, N> {
    node: &'a N,
    share: &'a Share,
}

/// What a profile derives from one server.
#[derive(Clone, Debug)]
struct Share {
    weight: u32,
    name: Option<Box<[u8]>>,
    /// What every point is derived from: the ketama name, or nginx's
    /// `host \0 port`.
    base: Box<[u8]>,
    /// Points this server generates (ketama: 4 per digest).
    generated: u32,
    /// Points it holds on the ring: all it generates, except nginx's points
    /// that an earlier server already holds.
    points: u32,
}

impl<N: NodeId> Router for CompatRing<N> {
    type Node = N;

    /// The server owning `key`, as the deployed system picks it: one MD5 or
    /// CRC-32 of the key, then O(1) expected; no allocation.
    #[inline]
    fn route(&self, key: &[u8]) -> Option<&N> {
        let member = self.points.owner(circle(self.key_hash(key)))?;
        Some(self.members.get(member))
    }

    /// Walks clockwise from the key's point, collecting distinct servers:
    /// for nginx, the order in which it tries them. O(1) expected for the
    /// owner, then about `len() / (len() - k)` points per further server;
    /// servers without points never appear.
    fn route_n_into<'r>(&'r self, key: &[u8], n: usize, out: &mut Vec<&'r N>) {
        out.clear();
        if n == 0 {
            return;
        }
        let walk = self.points.distinct_from(circle(self.key_hash(key)), self.members.len());
        out.extend(walk.take(n).map(|member| self.members.get(member)));
    }

    /// The first healthy server clockwise from the key's point, as nginx
    /// picks it past servers that are down (within its 20 tries): O(points
    /// walked), `is_healthy` called once per distinct server visited.
    fn route_healthy(&self, key: &[u8], is_healthy: &dyn Fn(&N) -> bool) -> Option<&N> {
        self.points
            .distinct_from(circle(self.key_hash(key)), self.members.len())
            .map(|member| self.members.get(member))
            .find(|node| is_healthy(node))
    }

    /// O(log n) in the server count.
    fn node_by_id(&self, id: &[u8]) -> Option<&N> {
        self.members.node_by_id(id)
    }

    fn len(&self) -> usize {
        self.members.len()
    }

    fn memory_bytes(&self) -> usize {
        let share_heap: usize = self
            .shares
            .iter()
            .map(|share| share.base.len() + share.name.as_ref().map_or(0, |name| name.len()))
            .sum();
        self.members.memory_bytes()
            + self.shares.capacity() * size_of::<Share>()
            + share_heap
            + self.points.memory_bytes()
    }
}

impl<N: NodeId> Membership for CompatRing<N> {
    /// Adds servers of weight 1 after those present (twemproxy: in name
    /// order) and rebuilds the ring once; see
    /// [`extend_servers`](CompatRing::extend_servers).
    ///
    /// ```
    /// use routekit::route::Membership;
    /// use routekit::route::compat::{CompatRing, Profile};
    ///
    /// let mut ring = CompatRing::new(Profile::NginxConsistent);
    /// ring.extend(["10.0.0.1:8080", "10.0.0.2:8080"])?;
    /// assert_eq!(ring.point_count(), 320);
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    fn extend<I>(&mut self, nodes: I) -> Result<(), RouteError>
    where
        I: IntoIterator<Item = N>,
    {
        self.extend_servers(nodes.into_iter().map(|node| Server::new(node, 1)))
    }

    /// Removes a server and rebuilds the ring, as the deployed system does
    /// when its configuration loses the server: O(points).
    ///
    /// # Errors
    ///
    /// [`RouteError::UnknownNode`] when no server has that identity.
    fn remove<Q>(&mut self, node: &Q) -> Result<N, RouteError>
    where
        N: Borrow<Q>,
        Q: NodeId + ?Sized,
    {
        let at =
            self.members.find(node.id_bytes().as_ref()).ok_or_else(|| RouteError::unknown(node))?;
        // The ring only shrinks: it fits in as much memory as it has now,
        // reserved before anything changes.
        let room = Room::reserve(self.points.len())?;
        let mut previous: Vec<Option<u32>> = alloc::vec_with_capacity(self.members.len())?;
        let removed = self.members.remove_at(at);
        self.shares.remove(at);
        let before = self.members.len() + 1;
        previous.extend(
            (0..self.members.len() as u32).map(|i| Some(if i < at as u32 { i } else { i + 1 })),
        );
        self.rebuild(&previous, before, room);
        Ok(removed)
    }
}

impl<N: NodeId> Weighted for CompatRing<N> {
    /// Whole-number weights, as every deployed system here configures them.
    type Weight = u32;

    /// Adds weighted servers after those present (twemproxy: in name
    /// order) and rebuilds the ring once; see
    /// [`extend_servers`](CompatRing::extend_servers).
    ///
    /// ```
    /// use routekit::route::Weighted;
    /// use routekit::route::compat::{CompatRing, Profile};
    ///
    /// let mut ring = CompatRing::new(Profile::NginxConsistent);
    /// ring.extend_weighted([("10.0.0.1:8080", 2), ("10.0.0.3", 1)])?;
    /// assert_eq!(ring.weight("10.0.0.1:8080"), Some(2));
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    fn extend_weighted<I>(&mut self, nodes: I) -> Result<(), RouteError>
    where
        I: IntoIterator<Item = (N, u32)>,
    {
        self.extend_servers(nodes)
    }

    /// O(log n) in the server count.
    fn weight<Q>(&self, node: &Q) -> Option<u32>
    where
        N: Borrow<Q>,
        Q: NodeId + ?Sized,
    {
        self.members.find(node.id_bytes().as_ref()).map(|at| self.shares[at].weight)
    }
}

impl<N: NodeId> fmt::Debug for CompatRing<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let servers: Vec<_> = self
            .servers()
            .map(|server| (server.node().display_name(), server.weight(), server.points()))
            .collect();
        f.debug_struct("CompatRing")
            .field("profile", &self.profile)
            .field("points", &self.points.len())
            .field("servers", &servers)
            .finish()
    }
}

impl<N> CompatRing<N> {
    /// An empty ring in `profile`.
    ///
    /// ```
    /// use routekit::route::Router;
    /// use routekit::route::compat::{CompatRing, Profile};
    ///
    /// let ring: CompatRing = CompatRing::new(Profile::Twemproxy);
    /// assert!(ring.route(b"anything").is_none());
    /// ```
    pub fn new(profile: Profile) -> Self {
        CompatRing {
            profile,
            members: Members::default(),
            shares: Vec::new(),
            points: Points::default(),
        }
    }

    /// The profile the ring follows.
    ///
    /// ```
    /// use routekit::route::compat::{CompatRing, Profile};
    /// let ring: CompatRing = CompatRing::new(Profile::Libketama);
    /// assert_eq!(ring.profile(), Profile::Libketama);
    /// ```
    pub fn profile(&self) -> Profile {
        self.profile
    }

    /// The number of points on the ring (nginx: after dropping repeats).
    ///
    /// ```
    /// use routekit::route::compat::{CompatRing, Profile};
    /// let ring = CompatRing::with_servers(Profile::NginxConsistent, [("a:80", 2)])?;
    /// assert_eq!(ring.point_count(), 320);
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    pub fn point_count(&self) -> usize {
        self.points.len()
    }

    /// The servers in the ring's order (the deployed system's: see
    /// [`Profile`]), each with its weight, name and the points it holds.
    ///
    /// ```
    /// use routekit::route::compat::{CompatRing, Profile};
    ///
    /// let ring = CompatRing::with_servers(
    ///     Profile::Libketama,
    ///     [("10.0.1.1:11211", 100), ("10.0.1.4:11211", 936), ("10.0.1.5:22122", 564)],
    /// )?;
    /// let points: Vec<u32> = ring.servers().map(|server| server.points()).collect();
    /// assert_eq!(points, [28, 280, 168]);
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    pub fn servers(&self) -> impl ExactSizeIterator<Item = RingServer<'_, N>> + '_ {
        self.members
            .as_slice()
            .iter()
            .zip(&self.shares)
            .map(|(node, share)| RingServer { node, share })
    }

    /// The 32-bit hash the deployed system computes for `key`: little-endian
    /// MD5 (libketama: of the bytes before any NUL; twemproxy: 0 for an empty
    /// key) or CRC-32 (nginx).
    ///
    /// ```
    /// use routekit::route::compat::{CompatRing, Profile};
    /// let ring: CompatRing = CompatRing::new(Profile::NginxConsistent);
    /// assert_eq!(ring.key_hash(b"123456789"), 0xcbf4_3926);
    /// ```
    #[inline]
    pub fn key_hash(&self, key: &[u8]) -> u32 {
        match self.profile {
            Profile::Libketama => {
                let end = key.iter().position(|&b| b == 0).unwrap_or(key.len());
                ketama::key_hash(&key[..end])
            }
            Profile::Libmemcached | Profile::LibmemcachedUnweighted => ketama::key_hash(key),
            Profile::Twemproxy if key.is_empty() => 0,
            Profile::Twemproxy => ketama::key_hash(key),
            Profile::NginxConsistent => nginx::key_hash(key),
            Profile::Groupcache { .. } => groupcache::key_hash(key),
        }
    }

    /// The sorted points with their servers, as the deployed system holds
    /// its continuum: equal points in the system's order, nginx's repeats
    /// dropped. O(points) to walk.
    ///
    /// ```
    /// use routekit::route::compat::{CompatRing, Profile};
    ///
    /// let ring = CompatRing::with_servers(Profile::Libketama, [("10.0.1.1:11211", 1)])?;
    /// // MD5("10.0.1.1:11211-0") gives the points 2431485715, 4123933443, ...
    /// assert!(ring.continuum().any(|(point, _)| point == 2_431_485_715));
    /// assert!(ring.continuum().is_sorted_by_key(|(point, _)| point));
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    pub fn continuum(&self) -> impl ExactSizeIterator<Item = (u32, &N)> + '_ {
        self.points
            .as_slice()
            .iter()
            .map(|p| ((p.hash >> 32) as u32, self.members.get(p.member as usize)))
    }

    /// The sorted points (32-bit values in the top half) and the servers
    /// they index, for handoff plans.
    pub(crate) fn ring_parts(&self) -> (&[Point], &[N]) {
        (self.points.as_slice(), self.members.as_slice())
    }
}

impl<N: NodeId> CompatRing<N> {
    /// A ring in `profile` with `servers`, in configuration order.
    ///
    /// # Errors
    ///
    /// As [`extend_servers`](CompatRing::extend_servers).
    ///
    /// ```
    /// use routekit::route::Router;
    /// use routekit::route::compat::{CompatRing, Profile};
    ///
    /// let ring = CompatRing::with_servers(
    ///     Profile::NginxConsistent,
    ///     [("127.0.0.1:18081", 1), ("127.0.0.2", 1), ("localhost:18085", 5)],
    /// )?;
    /// assert_eq!(ring.len(), 3);
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    pub fn with_servers<I>(profile: Profile, servers: I) -> Result<Self, RouteError>
    where
        I: IntoIterator,
        I::Item: Into<Server<N>>,
    {
        let mut ring = CompatRing::new(profile);
        ring.extend_servers(servers)?;
        Ok(ring)
    }

    /// Adds servers after those present (twemproxy: in name order) and
    /// rebuilds the ring once: O(points). Either every server is added or, on
    /// error, none is. `(node, weight)` pairs are servers too.
    ///
    /// # Errors
    ///
    /// [`RouteError::InvalidServer`] when the profile's system would refuse
    /// a server or read it differently (the message says why), or two
    /// servers would have identical points; [`RouteError::DuplicateNode`]
    /// for a repeated identity; [`RouteError::TooManyPoints`] past 2³² − 1
    /// points; [`RouteError::OutOfMemory`] when the machine cannot hold
    /// the points (16 bytes each, plus the index, and 8 more each while they are sorted).
    ///
    /// ```
    /// use routekit::route::RouteError;
    /// use routekit::route::compat::{CompatRing, Profile, Server};
    ///
    /// let mut ring = CompatRing::new(Profile::NginxConsistent);
    /// let err = ring.extend_servers([("10.0.0.1:8080", 1), ("10.0.0.2:80800", 1)]).unwrap_err();
    /// assert!(matches!(err, RouteError::InvalidServer { .. }), "{err}");
    /// assert_eq!(ring.point_count(), 0);
    ///
    /// let named = Server::new("10.0.1.1:11211", 1).with_name("alpha");
    /// let err = CompatRing::with_servers(Profile::Libmemcached, [named]).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "libmemcached cannot use server \"10.0.1.1:11211\": only twemproxy servers have names \
    ///      (a name replaces the address)"
    /// );
    /// ```
    pub fn extend_servers<I>(&mut self, servers: I) -> Result<(), RouteError>
    where
        I: IntoIterator,
        I::Item: Into<Server<N>>,
    {
        let mut nodes = Vec::new();
        let mut added = Vec::new();
        for server in servers {
            let server = server.into();
            added.push(self.share(&server)?);
            nodes.push(server.node);
        }
        if added.is_empty() {
            return Ok(());
        }
        self.check_distinct_points(&nodes, &added)?;
        let requested = self.check_size(&added)?;
        let room = Room::reserve(requested as usize)?;
        let before = self.members.len();
        if u32::try_from(before + nodes.len()).is_err() {
            return Err(RouteError::TooManyPoints { requested, max: MAX_POINTS });
        }
        alloc::reserve(&mut self.shares, added.len())?;
        let mut previous: Vec<Option<u32>> = alloc::vec_with_capacity(before + nodes.len())?;
        // Refuses repeated identities, changing nothing then.
        self.members.append(nodes)?;
        self.shares.extend(added);
        previous.extend((0..self.members.len() as u32).map(|i| (i < before as u32).then_some(i)));
        if self.profile == Profile::Twemproxy {
            // twemproxy sorts its servers by name (string_compare: length,
            // then bytes) when it validates a pool, and keeps that order.
            let shares = &self.shares;
            let order = self.members.sort_by_key(|at, _| {
                let base = &shares[at].base;
                (base.len(), base.clone())
            });
            let mut shares: Vec<Option<Share>> = self.shares.drain(..).map(Some).collect();
            self.shares =
                order.iter().map(|&old| shares[old as usize].take().expect("once")).collect();
            previous = order.iter().map(|&old| previous[old as usize]).collect();
        }
        self.rebuild(&previous, before, room);
        Ok(())
    }

    /// Checks one server against the profile and derives its point base.
    fn share(&self, server: &Server<N>) -> Result<Share, RouteError> {
        let identity = server.node.id_bytes();
        let identity = identity.as_ref();
        let weight = server.weight;
        let reason = match (self.profile, weight) {
            (Profile::Libmemcached, 0) => {
                Some("weight 0 is read as 1 by libmemcached: write 1".to_string())
            }
            (Profile::Groupcache { replicas }, w) => groupcache::check(w, replicas),
            (_, 0) => Some("weight 0 is not allowed: a weight is at least 1".to_string()),
            (Profile::Twemproxy, w) if w > i32::MAX as u32 => {
                Some(format!("weight {w} is above twemproxy's largest, {}", i32::MAX))
            }
            (profile, w) => profile.flavor().and_then(|flavor| ketama::weight_rule(flavor, w)),
        };
        if let Some(reason) = reason {
            return Err(self.invalid(identity, reason));
        }
        let base = match self.profile.flavor() {
            Some(flavor) => ketama::point_name(flavor, identity, server.name.as_deref()),
            None if server.name.is_some() => {
                Err("only twemproxy servers have names (a name replaces the address)".to_string())
            }
            None => match self.profile {
                // Go strings are any bytes; the name is hashed as it is.
                Profile::Groupcache { .. } => Ok(identity.to_vec()),
                _ => nginx::check_address(identity).map(|()| nginx::point_base(identity)),
            },
        }
        .map_err(|reason| self.invalid(identity, reason))?;
        Ok(Share {
            weight,
            name: server.name.clone(),
            base: base.into_boxed_slice(),
            generated: 0,
            points: 0,
        })
    }

    /// Refuses servers whose points would be those of another (the same
    /// point base, such as libmemcached's `h` and `h:11211`). Repeated
    /// identities are left to the membership, which refuses them.
    fn check_distinct_points(&self, nodes: &[N], added: &[Share]) -> Result<(), RouteError> {
        let mut bases = HashSet::new();
        let present = self.members.as_slice().iter().zip(&self.shares);
        let all: Vec<(&N, &Share)> = present.chain(nodes.iter().zip(added)).collect();
        for &(node, share) in &all {
            if bases.insert(&share.base) {
                continue;
            }
            let (other, _) = all.iter().find(|(_, s)| s.base == share.base).expect("seen");
            if other.id_bytes().as_ref() == node.id_bytes().as_ref() {
                return Err(RouteError::duplicate(node));
            }
            return Err(self.invalid(
                node.id_bytes().as_ref(),
                format!(
                    "its points would be those of {:?} (both hash {:?})",
                    other.display_name(),
                    share.base.display_name()
                ),
            ));
        }
        Ok(())
    }

    /// The points the ring would hold with `added`; refuses a change that
    /// would need more points than a ring indexes, or (twemproxy) a total
    /// weight its 32-bit sum cannot hold.
    fn check_size(&self, added: &[Share]) -> Result<u64, RouteError> {
        let weights = || self.shares.iter().chain(added).map(|share| share.weight);
        let total: u64 = weights().map(u64::from).sum();
        if self.profile == Profile::Twemproxy && total > u64::from(u32::MAX) {
            return Err(self.invalid(
                added[0].base.as_ref(),
                format!("the total weight would be {total}, above twemproxy's {}", u32::MAX),
            ));
        }
        let servers = self.shares.len() + added.len();
        let requested: u64 = weights().map(|w| self.profile.generated(w, total, servers)).sum();
        if requested > MAX_POINTS {
            return Err(RouteError::TooManyPoints { requested, max: MAX_POINTS });
        }
        Ok(requested)
    }

    fn invalid(&self, server: &[u8], reason: String) -> RouteError {
        RouteError::InvalidServer {
            profile: self.profile.name(),
            server: server.display_name(),
            reason,
        }
    }
}

impl<N> CompatRing<N> {
    /// Recomputes the ring after a change of membership, in the members'
    /// order; `previous[i]` is the position member `i` had among the
    /// `before` members (`None` for a new one), and `room` has room for
    /// every point. A member
    /// whose point count is unchanged, and that held all its points, keeps
    /// them without hashing again (point `k` of a server does not depend on
    /// the others); the rest are hashed anew.
    fn rebuild(&mut self, previous: &[Option<u32>], before: usize, room: Room) {
        let Room { mut points, index, mut packed } = room;
        let servers = self.shares.len();
        let total: u64 = self.shares.iter().map(|share| u64::from(share.weight)).sum();
        let mut renumber = vec![None; before];
        let mut stale = Vec::new();
        for (index, share) in self.shares.iter_mut().enumerate() {
            // At most MAX_POINTS in total: check_size made sure.
            let generated = self.profile.generated(share.weight, total, servers) as u32;
            match previous[index] {
                Some(old) if generated == share.generated && share.points == generated => {
                    renumber[old as usize] = Some(index as u32);
                }
                _ => stale.push(index),
            }
            share.generated = generated;
        }
        points.extend(self.points.as_slice().iter().filter_map(|point| {
            let member = renumber[point.member as usize]?;
            Some(Point { hash: point.hash, member })
        }));
        for index in stale {
            let share = &self.shares[index];
            match self.profile.flavor() {
                Some(flavor) => ketama::push_points(
                    flavor,
                    &share.base,
                    share.generated,
                    index as u32,
                    &mut points,
                ),
                None if matches!(self.profile, Profile::Groupcache { .. }) => {
                    groupcache::push_points(&share.base, share.generated, index as u32, &mut points)
                }
                None => nginx::push_points(&share.base, share.generated, index as u32, &mut points),
            }
        }
        // (point, member) pairs: the member position orders equal points.
        let profile = self.profile;
        self.points = Points::sort_narrow(points, index, &mut packed, |points| {
            if profile == Profile::NginxConsistent {
                // nginx keeps the first of equal points.
                points.dedup_by_key(|point| point.hash);
            }
            if matches!(profile, Profile::Groupcache { .. }) {
                groupcache::keep_last_of_equal(points);
            }
        });
        for share in &mut self.shares {
            share.points = 0;
        }
        for point in self.points.as_slice() {
            self.shares[point.member as usize].points += 1;
        }
    }
}

/// The memory a rebuild needs, reserved before a change so that the change
/// cannot fail once it has begun: the points (16 bytes each), their index
/// (which also sorts them) and a word per point to sort them with.
struct Room {
    points: Vec<Point>,
    index: Vec<u32>,
    packed: Vec<u64>,
}

impl Room {
    fn reserve(points: usize) -> Result<Room, RouteError> {
        Ok(Room {
            points: alloc::vec_with_capacity(points)?,
            index: Points::reserve_index(points)?,
            packed: alloc::vec_with_capacity(points)?,
        })
    }
}

impl<'a, N> RingServer<'a, N> {
    /// The server's node.
    ///
    /// ```
    /// use routekit::route::compat::{CompatRing, Profile};
    /// let ring = CompatRing::with_servers(Profile::NginxConsistent, [("10.0.0.1:80", 1)])?;
    /// assert_eq!(*ring.servers().next().unwrap().node(), "10.0.0.1:80");
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    pub fn node(&self) -> &'a N {
        self.node
    }

    /// The server's weight.
    ///
    /// ```
    /// use routekit::route::compat::{CompatRing, Profile};
    /// let ring = CompatRing::with_servers(Profile::NginxConsistent, [("10.0.0.1:80", 3)])?;
    /// assert_eq!(ring.servers().next().unwrap().weight(), 3);
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    pub fn weight(&self) -> u32 {
        self.share.weight
    }

    /// The explicit name (twemproxy), if any.
    ///
    /// ```
    /// use routekit::route::compat::{CompatRing, Profile};
    /// let ring = CompatRing::with_servers(Profile::NginxConsistent, [("10.0.0.1:80", 1)])?;
    /// assert_eq!(ring.servers().next().unwrap().name(), None);
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    pub fn name(&self) -> Option<&'a [u8]> {
        self.share.name.as_deref()
    }

    /// The points the server holds on the ring (nginx: without the points
    /// an earlier server holds; ketama: 0 when its share is too small for a
    /// digest).
    ///
    /// ```
    /// use routekit::route::compat::{CompatRing, Profile};
    /// let ring = CompatRing::with_servers(Profile::NginxConsistent, [("10.0.0.1:80", 2)])?;
    /// assert_eq!(ring.servers().next().unwrap().points(), 320);
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    pub fn points(&self) -> u32 {
        self.share.points
    }
}

impl Profile {
    /// The system's short name: `libketama`, `libmemcached`, `twemproxy`,
    /// `nginx` or `libmemcached-unweighted`.
    ///
    /// ```
    /// use routekit::route::compat::Profile;
    /// assert_eq!(Profile::Twemproxy.name(), "twemproxy");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Profile::Libketama => "libketama",
            Profile::Libmemcached => "libmemcached",
            Profile::Twemproxy => "twemproxy",
            Profile::NginxConsistent => "nginx",
            Profile::LibmemcachedUnweighted => "libmemcached-unweighted",
            Profile::Groupcache { .. } => "groupcache",
        }
    }

    /// Points a server of `weight` generates among `servers` servers of
    /// `total` weight.
    fn generated(self, weight: u32, total: u64, servers: usize) -> u64 {
        match self.flavor() {
            Some(flavor) => ketama::point_count(flavor, weight, total, servers),
            None => match self {
                Profile::Groupcache { replicas } => u64::from(replicas),
                _ => u64::from(weight) * u64::from(nginx::POINTS_PER_WEIGHT),
            },
        }
    }

    /// The ketama builder a profile follows; `None` for nginx.
    fn flavor(self) -> Option<Flavor> {
        match self {
            Profile::Libketama => Some(Flavor::Libketama),
            Profile::Libmemcached => Some(Flavor::Libmemcached),
            Profile::Twemproxy => Some(Flavor::Twemproxy),
            Profile::LibmemcachedUnweighted => Some(Flavor::LibmemcachedUnweighted),
            Profile::NginxConsistent | Profile::Groupcache { .. } => None,
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl<N> Server<N> {
    /// A server with identity `node` and `weight` (at least 1).
    ///
    /// ```
    /// use routekit::route::compat::Server;
    /// let server = Server::new("localhost:18085", 5);
    /// assert_eq!((*server.node(), server.weight()), ("localhost:18085", 5));
    /// ```
    pub fn new(node: N, weight: u32) -> Self {
        Server { node, weight, name: None }
    }

    /// Gives the server an explicit name, as twemproxy's
    /// `host:port:weight name`: the name, not the address, is hashed. Only
    /// [`Profile::Twemproxy`] accepts named servers.
    ///
    /// ```
    /// use routekit::route::compat::Server;
    /// let server = Server::new("127.0.0.1:21212", 3).with_name("gamma");
    /// assert_eq!(server.name(), Some(&b"gamma"[..]));
    /// ```
    pub fn with_name(mut self, name: impl Into<Vec<u8>>) -> Self {
        self.name = Some(name.into().into_boxed_slice());
        self
    }

    /// The server's identity.
    ///
    /// ```
    /// use routekit::route::compat::Server;
    /// assert_eq!(*Server::new("10.0.0.1:80", 1).node(), "10.0.0.1:80");
    /// ```
    pub fn node(&self) -> &N {
        &self.node
    }

    /// The server's weight.
    ///
    /// ```
    /// use routekit::route::compat::Server;
    /// assert_eq!(Server::new("10.0.0.1:80", 3).weight(), 3);
    /// ```
    pub fn weight(&self) -> u32 {
        self.weight
    }

    /// The explicit name, if any.
    ///
    /// ```
    /// use routekit::route::compat::Server;
    /// assert_eq!(Server::new("10.0.0.1:80", 1).name(), None);
    /// ```
    pub fn name(&self) -> Option<&[u8]> {
        self.name.as_deref()
    }
}

impl<N> From<(N, u32)> for Server<N> {
    fn from((node, weight): (N, u32)) -> Self {
        Server::new(node, weight)
    }
}

/// A 32-bit point or key hash on the 64-bit circle of [`Points`].
#[inline]
fn circle(hash: u32) -> u64 {
    u64::from(hash) << 32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nginx_keeps_the_first_of_equal_points() {
        // CRC-32 chains of "node-43" and "node-215" (no port) share the point
        // 3230297985; nginx keeps the one whose server comes first.
        for (first, second) in [("node-43", "node-215"), ("node-215", "node-43")] {
            let ring =
                CompatRing::with_servers(Profile::NginxConsistent, [(first, 1), (second, 1)])
                    .unwrap();
            assert_eq!(ring.point_count(), 319);
            let owners: Vec<_> =
                ring.continuum().filter(|(point, _)| *point == 3_230_297_985).collect();
            assert_eq!(owners, [(3_230_297_985, &first)]);
            let held: Vec<u32> = ring.servers().map(|server| server.points()).collect();
            assert_eq!(held, [160, 159]);
        }
    }

    #[test]
    fn twemproxy_orders_servers_by_name_whatever_the_configuration_order() {
        let servers = [("b:1", 1), ("aa:1", 1), ("a:1", 1)];
        let forward = CompatRing::with_servers(Profile::Twemproxy, servers).unwrap();
        let mut reversed = servers;
        reversed.reverse();
        let backward = CompatRing::with_servers(Profile::Twemproxy, reversed).unwrap();
        let order: Vec<&str> = forward.servers().map(|server| *server.node()).collect();
        assert_eq!(order, ["a:1", "b:1", "aa:1"]);
        assert!(forward.continuum().eq(backward.continuum()));
    }

    #[test]
    fn changes_are_all_or_nothing() {
        let mut ring = CompatRing::with_servers(Profile::Libmemcached, [("a", 1)]).unwrap();
        let before: Vec<_> = ring.continuum().map(|(p, n)| (p, *n)).collect();
        for bad in [
            vec![("b", 1), ("a", 2)],
            vec![("b", 1), ("b", 1)],
            vec![("b", 1), ("a:11211", 1)],
            vec![("b", 1), ("c", 0)],
        ] {
            assert!(ring.extend_servers(bad).is_err());
            assert_eq!(ring.len(), 1);
            assert!(ring.continuum().map(|(p, n)| (p, *n)).eq(before.iter().copied()));
        }
        let err = ring.extend_servers([("b", 1), ("a:11211", 1)]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "libmemcached cannot use server \"a:11211\": its points would be those of \"a\" \
             (both hash \"a\")"
        );
    }

    #[test]
    fn weights_must_be_whole_numbers_in_range() {
        let mut ring: CompatRing<&str> = CompatRing::new(Profile::NginxConsistent);
        assert!(matches!(ring.insert_weighted("a", 0), Err(RouteError::InvalidServer { .. })));
        // 160 points per unit: 27 million is past the 2^32 - 1 a ring indexes.
        assert!(matches!(
            ring.insert_weighted("a", 27_000_000),
            Err(RouteError::TooManyPoints { .. })
        ));
        ring.insert_weighted("a", 2).unwrap();
        assert_eq!(ring.point_count(), 320);
        let mut twemproxy: CompatRing<&str> = CompatRing::new(Profile::Twemproxy);
        let err = twemproxy.extend_weighted([("a:1", i32::MAX as u32 + 1)]).unwrap_err();
        assert!(err.to_string().contains("above twemproxy's largest"), "{err}");
        let heavy = i32::MAX as u32;
        let err = twemproxy.extend_weighted([("a:1", heavy), ("b:1", heavy), ("c:1", 2)]);
        assert!(err.unwrap_err().to_string().contains("total weight"));
        let mut libmemcached: CompatRing<&str> = CompatRing::new(Profile::Libmemcached);
        let err = libmemcached.extend_weighted([("a", 0)]).unwrap_err();
        assert!(err.to_string().contains("read as 1 by libmemcached"), "{err}");
    }

    #[test]
    fn key_edges_follow_each_system() {
        let ring = |profile| CompatRing::<&str>::new(profile);
        let libketama = ring(Profile::Libketama);
        assert_eq!(libketama.key_hash(b"key\0tail"), libketama.key_hash(b"key"));
        let libmemcached = ring(Profile::Libmemcached);
        assert_ne!(libmemcached.key_hash(b"key\0tail"), libmemcached.key_hash(b"key"));
        // MD5 of no bytes is d41d8cd9...; twemproxy does not hash an empty key.
        assert_eq!(libmemcached.key_hash(b""), 0xd98c_1dd4);
        assert_eq!(ring(Profile::Twemproxy).key_hash(b""), 0);
        assert_eq!(ring(Profile::NginxConsistent).key_hash(b""), 0);
    }

    #[test]
    fn a_server_too_light_for_a_digest_gets_no_keys() {
        let ring = CompatRing::with_servers(Profile::Libmemcached, [("heavy", 1000), ("light", 1)])
            .unwrap();
        let held: Vec<u32> = ring.servers().map(|server| server.points()).collect();
        // 1000/1001 × 160/4 × 2 = 79.92 digests for the heavy one.
        assert_eq!(held, [316, 0]);
        assert_eq!(ring.route_n(b"k", 2), [&"heavy"]);
        assert_eq!(ring.route_healthy(b"k", &|n: &&str| *n == "light"), None);
    }

    #[test]
    fn removing_rebuilds_as_the_library_would() {
        let servers = [("a", 1), ("b", 2), ("c", 3)];
        let mut ring = CompatRing::with_servers(Profile::Libketama, servers).unwrap();
        assert_eq!(ring.remove("b").unwrap(), "b");
        let fresh = CompatRing::with_servers(Profile::Libketama, [("a", 1), ("c", 3)]).unwrap();
        assert!(ring.continuum().eq(fresh.continuum()));
        assert_eq!(ring.remove("b").unwrap_err(), RouteError::UnknownNode { node: "b".into() });
        assert_eq!(ring.remove("c").unwrap(), "c");
        let fresh = CompatRing::with_servers(Profile::Libketama, [("a", 1)]).unwrap();
        assert!(ring.continuum().eq(fresh.continuum()));
    }
}
