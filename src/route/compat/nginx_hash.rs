//! nginx's plain `hash $key;` and `ip_hash;` upstreams: not rings but a
//! weighted pick from a hash, rehashed while the pick is unusable.
//!
//! Both modules (`ngx_http_upstream_hash_module.c`, `get_hash_peer`, and
//! `ngx_http_upstream_ip_hash_module.c`, `get_ip_hash_peer`, nginx 1.22)
//! compute a number `h`, take `w = h % total_weight` and walk the servers in
//! configuration order subtracting each weight until `w` is smaller than the
//! next one. When that server is down or already tried they compute the
//! next `h` and try again, at most 20 times more, then give up and use
//! weighted round robin.
//!
//! * `hash $key;`: `h` starts at 0; hash `r` (from 0) adds
//!   `(crc32(r ‖ key) >> 16) & 0x7fff` to it, where `r` is written in
//!   decimal and left out when 0 (the formula of Perl's Cache::Memcached).
//! * `ip_hash;`: `h` starts at 89; each hash runs
//!   `h = (h × 113 + byte) % 6271` over the first three bytes of an IPv4
//!   address or all sixteen of an IPv6 address (a unix-socket client: three
//!   zero bytes).

use std::borrow::Borrow;
use std::fmt;
use std::net::IpAddr;

use crc32fast::Hasher;

use super::nginx;
use crate::route::members::{Arranged, Members};
use crate::route::{Membership, NodeId, RouteError, Router, Weighted};

/// Hashes nginx computes before it falls back to round robin: the first
/// and 20 more (`tries > 20`).
const HASHES: usize = 21;

/// The address nginx's ip_hash uses for a client that is not IPv4 or IPv6
/// (a unix socket): three zero bytes.
const PSEUDO_ADDRESS: [u8; 3] = [0; 3];

/// Which nginx upstream method a [`NginxHash`] reproduces.
///
/// # Example
///
/// ```
/// use routekit::route::compat::NginxMethod;
/// assert_eq!(NginxMethod::IpHash.to_string(), "nginx ip_hash");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NginxMethod {
    /// `hash $key;` without `consistent` (checked: 1.22.1). The key is the
    /// bytes of the evaluated `$key` expression.
    Hash,
    /// `ip_hash;` (checked: 1.22.1). The key is the client address: 4
    /// bytes (IPv4, of which nginx hashes the first three) or 16 (IPv6, all
    /// of them); see [`NginxHash::route_ip`].
    IpHash,
}

/// nginx's `hash $key;` or `ip_hash;` upstream: the server nginx picks for
/// a key when every server is up, and in the order it falls back past
/// servers that are down.
///
/// A server is the first argument of the `server` directive, exactly as
/// written (checked as nginx parses it, like
/// [`Profile::NginxConsistent`](super::Profile::NginxConsistent)), with its
/// `weight=` (default 1); servers keep the upstream block's order, which
/// decides the placement. Unlike the consistent ring, adding or removing a
/// server moves most keys (the pick is a remainder of the total weight).
///
/// **Lookups** hash the key once (CRC-32 or a loop over the address bytes)
/// and find the server by binary search over the running weights:
/// O(log n), no allocation.
///
/// **Where nginx does more.** [`Router::route_n`] lists the distinct servers
/// that nginx's first 21 hashes pick, in that order, then the other servers
/// in configuration order; [`Router::route_healthy`] is the first healthy
/// one of that list. That is nginx's choice exactly when the servers marked
/// `down` (or failed past `max_fails`) are the unhealthy ones and one of the
/// 21 hashes picks a healthy server; past that nginx uses weighted round
/// robin, whose answer depends on the traffic so far and is not modelled
/// (routekit answers the first healthy server in configuration order). When
/// a request is retried after a failure (`proxy_next_upstream`) nginx goes
/// on along the same chain of hashes, skipping servers tried, with 20 skips
/// in all. With `hash $key;` an empty key is not hashed (nginx uses round
/// robin); routekit answers as for hash 0. A `server` name that resolves to
/// several addresses is several peers to nginx, each with the weight; write
/// them out as separate servers in the resolved order to match.
///
/// # Example
///
/// ```
/// use std::net::IpAddr;
/// use routekit::route::Router;
/// use routekit::route::compat::{NginxHash, NginxMethod};
///
/// // upstream app { hash $arg_key; server 127.0.0.1:18081; server 127.0.0.2 weight=3; }
/// let hash = NginxHash::with_servers(
///     NginxMethod::Hash,
///     [("127.0.0.1:18081", 1), ("127.0.0.2", 3)],
/// )?;
/// assert_eq!(hash.route(b"key-0"), Some(&"127.0.0.2"));
///
/// // upstream app { ip_hash; server 10.0.0.1:8080 weight=2; server 10.0.0.2:8080; }
/// let ip = NginxHash::with_servers(
///     NginxMethod::IpHash,
///     [("10.0.0.1:8080", 2), ("10.0.0.2:8080", 1)],
/// )?;
/// let client: IpAddr = "192.0.2.41".parse().unwrap();
/// assert_eq!(ip.route_ip(client), Some(&"10.0.0.1:8080"));
/// // Only the first three octets count.
/// assert_eq!(ip.route_ip("192.0.2.250".parse().unwrap()), ip.route_ip(client));
/// # Ok::<(), routekit::route::RouteError>(())
/// ```
#[derive(Clone)]
pub struct NginxHash<N = String> {
    method: NginxMethod,
    members: Members<N, Arranged>,
    weights: Vec<u32>,
    /// `ends[i]`: the weights of servers `0..=i` summed.
    ends: Vec<u64>,
}

impl<N: NodeId> Router for NginxHash<N> {
    type Node = N;

    /// The server nginx picks when every server is up: one hash of the
    /// key, then O(log n); no allocation.
    #[inline]
    fn route(&self, key: &[u8]) -> Option<&N> {
        let first = self.chain(key).next()?;
        Some(self.members.get(first))
    }

    /// The distinct servers of nginx's first 21 hashes in order, then the
    /// rest in configuration order: O(21 log n + n) for the whole list.
    fn route_n_into<'r>(&'r self, key: &[u8], n: usize, out: &mut Vec<&'r N>) {
        out.clear();
        let mut picked = [usize::MAX; HASHES];
        let mut count = 0;
        for member in self.chain(key) {
            if out.len() == n {
                return;
            }
            if !picked[..count].contains(&member) {
                picked[count] = member;
                count += 1;
                out.push(self.members.get(member));
            }
        }
        for member in 0..self.members.len() {
            if out.len() == n {
                return;
            }
            if !picked[..count].contains(&member) {
                out.push(self.members.get(member));
            }
        }
    }

    /// The first healthy server along nginx's 21 hashes, else the first
    /// healthy one in configuration order (where nginx would use round
    /// robin): at most 21 + n calls of `is_healthy`.
    fn route_healthy(&self, key: &[u8], is_healthy: &dyn Fn(&N) -> bool) -> Option<&N> {
        self.chain(key)
            .map(|member| self.members.get(member))
            .find(|node| is_healthy(node))
            .or_else(|| self.members.as_slice().iter().find(|node| is_healthy(node)))
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
            + self.ends.capacity() * size_of::<u64>()
    }
}

impl<N: NodeId> Membership for NginxHash<N> {
    /// Adds servers of weight 1 after those present: O(n).
    ///
    /// ```
    /// use routekit::route::Membership;
    /// use routekit::route::compat::{NginxHash, NginxMethod};
    /// let mut upstream = NginxHash::new(NginxMethod::Hash);
    /// upstream.extend(["10.0.0.1:8080", "10.0.0.2:8080"])?;
    /// assert_eq!(upstream.total_weight(), 2);
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    fn extend<I>(&mut self, nodes: I) -> Result<(), RouteError>
    where
        I: IntoIterator<Item = N>,
    {
        self.extend_weighted(nodes.into_iter().map(|node| (node, 1)))
    }

    /// Removes a server, as a configuration without its `server` line:
    /// O(n). Most keys move, as they do in nginx.
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
        let removed = self.members.remove_at(at);
        self.weights.remove(at);
        self.sum_weights();
        Ok(removed)
    }
}

impl<N: NodeId> Weighted for NginxHash<N> {
    /// nginx's `weight=`: a whole number, at least 1.
    type Weight = u32;

    /// Adds weighted servers after those present: O(n). Either every
    /// server is added or, on error, none is.
    ///
    /// # Errors
    ///
    /// [`RouteError::InvalidServer`] for a weight of 0 or an address nginx
    /// would refuse; [`RouteError::DuplicateNode`] for a repeated identity.
    ///
    /// ```
    /// use routekit::route::Weighted;
    /// use routekit::route::compat::{NginxHash, NginxMethod};
    /// let mut upstream = NginxHash::new(NginxMethod::IpHash);
    /// upstream.extend_weighted([("10.0.0.1:8080", 2), ("10.0.0.3", 1)])?;
    /// assert_eq!(upstream.weight("10.0.0.1:8080"), Some(2));
    /// assert!(upstream.extend_weighted([("10.0.0.4", 0)]).is_err());
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    fn extend_weighted<I>(&mut self, nodes: I) -> Result<(), RouteError>
    where
        I: IntoIterator<Item = (N, u32)>,
    {
        let mut added = Vec::new();
        let mut weights = Vec::new();
        for (node, weight) in nodes {
            let identity = node.id_bytes();
            let reason = match weight {
                0 => Err("weight 0 is not allowed: nginx's weight= is at least 1".to_string()),
                _ => nginx::check_address(identity.as_ref()),
            };
            if let Err(reason) = reason {
                return Err(RouteError::InvalidServer {
                    profile: self.method.name(),
                    server: node.display_name(),
                    reason,
                });
            }
            drop(identity);
            added.push(node);
            weights.push(weight);
        }
        if added.is_empty() {
            return Ok(());
        }
        // Refuses repeated identities, changing nothing then.
        self.members.append(added)?;
        self.weights.extend(weights);
        self.sum_weights();
        Ok(())
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

impl<N: NodeId> fmt::Debug for NginxHash<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let servers: Vec<_> = self
            .members
            .as_slice()
            .iter()
            .zip(&self.weights)
            .map(|(node, weight)| (node.display_name(), *weight))
            .collect();
        f.debug_struct("NginxHash")
            .field("method", &self.method)
            .field("servers", &servers)
            .finish()
    }
}

impl<N> NginxHash<N> {
    /// An empty upstream using `method`.
    ///
    /// ```
    /// use routekit::route::Router;
    /// use routekit::route::compat::{NginxHash, NginxMethod};
    /// let upstream: NginxHash = NginxHash::new(NginxMethod::Hash);
    /// assert!(upstream.route(b"anything").is_none());
    /// ```
    pub fn new(method: NginxMethod) -> Self {
        NginxHash { method, members: Members::default(), weights: Vec::new(), ends: Vec::new() }
    }

    /// The method the upstream uses.
    ///
    /// ```
    /// use routekit::route::compat::{NginxHash, NginxMethod};
    /// let upstream: NginxHash = NginxHash::new(NginxMethod::IpHash);
    /// assert_eq!(upstream.method(), NginxMethod::IpHash);
    /// ```
    pub fn method(&self) -> NginxMethod {
        self.method
    }

    /// The weights of all servers summed: nginx's `total_weight`.
    ///
    /// ```
    /// use routekit::route::compat::{NginxHash, NginxMethod};
    /// let upstream = NginxHash::with_servers(NginxMethod::Hash, [("a", 2), ("b", 5)])?;
    /// assert_eq!(upstream.total_weight(), 7);
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    pub fn total_weight(&self) -> u64 {
        self.ends.last().copied().unwrap_or(0)
    }

    /// The server ip_hash picks for a client address when every server is
    /// up: IPv4 by its first three octets, IPv6 by all sixteen bytes (an
    /// IPv4-mapped IPv6 address too, as nginx hashes it on an IPv6 socket).
    /// With [`NginxMethod::Hash`] the address's bytes are the key. O(log n).
    ///
    /// ```
    /// use routekit::route::compat::{NginxHash, NginxMethod};
    /// let upstream = NginxHash::with_servers(NginxMethod::IpHash, [("a", 1), ("b", 1)])?;
    /// assert!(upstream.route_ip("2001:db8::1".parse().unwrap()).is_some());
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    pub fn route_ip(&self, address: IpAddr) -> Option<&N> {
        let first = match address {
            IpAddr::V4(v4) => self.chain(&v4.octets()).next(),
            IpAddr::V6(v6) => self.chain(&v6.octets()).next(),
        }?;
        Some(self.members.get(first))
    }

    /// The servers nginx's successive hashes pick for `key`, by position:
    /// 21 of them (nginx's first hash and its 20 retries), none when the
    /// upstream is empty.
    fn chain<'a>(&'a self, key: &'a [u8]) -> impl Iterator<Item = usize> + 'a {
        let total = self.total_weight();
        let mut state = match self.method {
            NginxMethod::Hash => 0u32,
            NginxMethod::IpHash => 89,
        };
        let address: &[u8] = match key.len() {
            4 => &key[..3],
            16 => key,
            _ => &PSEUDO_ADDRESS,
        };
        let mut hasher = Hasher::new();
        hasher.update(key);
        let key_crc = hasher;
        let method = self.method;
        (0..HASHES).take_while(move |_| total > 0).map(move |rehash| {
            match method {
                NginxMethod::Hash => {
                    let crc = if rehash == 0 {
                        key_crc.clone().finalize()
                    } else {
                        // The retry number in decimal: 1 to 20, so one or
                        // two digits, written without allocating.
                        let digits = [b'0' + (rehash / 10) as u8, b'0' + (rehash % 10) as u8];
                        let mut hasher = Hasher::new();
                        hasher.update(if rehash < 10 { &digits[1..] } else { &digits });
                        hasher.update(key);
                        hasher.finalize()
                    };
                    state = state.wrapping_add((crc >> 16) & 0x7fff);
                }
                NginxMethod::IpHash => {
                    for &byte in address {
                        state = (state * 113 + u32::from(byte)) % 6271;
                    }
                }
            }
            self.ends.partition_point(|&end| end <= u64::from(state) % total)
        })
    }

    fn sum_weights(&mut self) {
        self.ends.clear();
        let mut sum = 0u64;
        for &weight in &self.weights {
            sum += u64::from(weight);
            self.ends.push(sum);
        }
    }
}

impl<N: NodeId> NginxHash<N> {
    /// An upstream using `method` with `(server, weight)` pairs in
    /// configuration order.
    ///
    /// # Errors
    ///
    /// As [`Weighted::extend_weighted`].
    ///
    /// ```
    /// use routekit::route::Router;
    /// use routekit::route::compat::{NginxHash, NginxMethod};
    /// let upstream =
    ///     NginxHash::with_servers(NginxMethod::Hash, [("127.0.0.1:18081", 1), ("127.0.0.2", 1)])?;
    /// assert_eq!(upstream.len(), 2);
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    pub fn with_servers<I>(method: NginxMethod, servers: I) -> Result<Self, RouteError>
    where
        I: IntoIterator<Item = (N, u32)>,
    {
        let mut upstream = NginxHash::new(method);
        upstream.extend_weighted(servers)?;
        Ok(upstream)
    }
}

impl NginxMethod {
    /// The name errors use: `nginx hash` or `nginx ip_hash`.
    ///
    /// ```
    /// use routekit::route::compat::NginxMethod;
    /// assert_eq!(NginxMethod::Hash.name(), "nginx hash");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            NginxMethod::Hash => "nginx hash",
            NginxMethod::IpHash => "nginx ip_hash",
        }
    }
}

impl fmt::Display for NginxMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pick_walks_the_running_weights() {
        let upstream =
            NginxHash::with_servers(NginxMethod::IpHash, [("a", 1), ("b", 3), ("c", 2)]).unwrap();
        assert_eq!(upstream.ends, [1, 4, 6]);
        // A unix-socket client hashes 0.0.0: 89 → 4034 → 4378 → 5540, and
        // 5540 % 6 = 2, the second unit of b's weight.
        assert_eq!(upstream.route(b""), Some(&"b"));
        assert_eq!(upstream.route(&[0, 0, 0, 9]), Some(&"b"));
    }

    #[test]
    fn the_preference_list_holds_every_server_once() {
        let servers = [("a", 1), ("b", 3), ("c", 2), ("d", 5)];
        let upstream = NginxHash::with_servers(NginxMethod::Hash, servers).unwrap();
        for key in [&b"x"[..], b"key-1", b""] {
            let mut list = upstream.route_n(key, 10);
            assert_eq!(list[0], upstream.route(key).unwrap());
            list.sort();
            assert_eq!(list, [&"a", &"b", &"c", &"d"]);
            assert_eq!(upstream.route_n(key, 2).len(), 2);
        }
        let nobody = upstream.route_healthy(b"x", &|_| false);
        assert_eq!(nobody, None);
    }

    #[test]
    fn changes_are_all_or_nothing() {
        let mut upstream = NginxHash::with_servers(NginxMethod::Hash, [("a", 1)]).unwrap();
        assert!(upstream.extend_weighted([("b", 1), ("c", 0)]).is_err());
        assert!(upstream.extend_weighted([("b", 1), ("a", 2)]).is_err());
        assert!(upstream.extend_weighted([("b", 1), ("h:0", 2)]).is_err());
        assert_eq!((upstream.len(), upstream.total_weight()), (1, 1));
        upstream.extend_weighted([("b", 4)]).unwrap();
        assert_eq!(upstream.remove("a").unwrap(), "a");
        assert_eq!((upstream.len(), upstream.total_weight()), (1, 4));
    }
}
