//! Routing primitives for services that shard clients across instances, keep
//! a client "sticky" to the instance that holds its state, and keep replicas
//! of small state on neighbouring instances — with hashes that are the same in
//! every process, on every platform and in every release.
//!
//! # Overview
//!
//! * [`hash`] — the [`KeyHasher`] trait: [`Xxh3`] (default, seedable),
//!   [`Fnv1a`], and [`Sip13`] (keyed, for keys an attacker may choose).
//! * [`route`] — the [`Router`] trait and its strategies: [`HashRing`]
//!   (consistent hashing with virtual nodes) and [`Rendezvous`] (highest
//!   random weight), with weights, preference lists, failover past unhealthy
//!   nodes and [`SharedRouter`] for many threads.
//! * [`crdt`] — replicated state that converges without coordination: the
//!   [`Crdt`] trait, [`GCounter`] and [`PNCounter`] (exact, overflow-checked)
//!   and [`OrSet`] (add-wins, no tombstones), with deltas that may arrive in
//!   any order, twice or late, and a versioned byte encoding.
//! * [`sql`] — what the SQL-emitting modules share: the [`Dialect`](sql::Dialect)
//!   trait (PostgreSQL, SQLite, MySQL), bind values and checked identifiers.
//!
//! # Example: route a session
//!
//! ```
//! use routekit::{HashRing, Router};
//!
//! let mut ring = HashRing::new();
//! ring.extend(["app-1:8080", "app-2:8080", "app-3:8080"])?;
//!
//! // The instance that holds this session, and the one holding its replica.
//! let session = b"5f0c2a1e-session";
//! let prefs = ring.route_n(session, 2)?;
//! let (owner, replica) = (*prefs[0], *prefs[1]);
//!
//! // The owner fails: its sessions go to the instance that has the replica.
//! let healthy = |node: &&str| *node != owner;
//! assert_eq!(ring.route_healthy(session, &healthy), Some(&replica));
//! # Ok::<(), routekit::route::RouteError>(())
//! ```
//!
//! # Example: merge two replicas
//!
//! ```
//! use routekit::{Crdt, OrSet};
//!
//! // Two instances edit the same cart without talking to each other.
//! let (mut east, mut west) = (OrSet::new(), OrSet::new());
//! let to_west = [east.add(&"east", "tea")?, east.add(&"east", "milk")?];
//! let to_east = [west.add(&"west", "bread")?, west.remove("milk")];
//!
//! // Deltas arrive late, out of order and twice: the carts still agree.
//! for delta in to_west.iter().rev().chain(&to_west) {
//!     west.merge(delta)?;
//! }
//! for delta in &to_east {
//!     east.merge(delta)?;
//! }
//! assert_eq!(east, west);
//! // West's remove of "milk" had not seen east's add, so the add wins.
//! assert_eq!(east.iter().collect::<Vec<_>>(), [&"bread", &"milk", &"tea"]);
//!
//! // States and deltas travel as versioned, deterministic bytes.
//! assert_eq!(OrSet::<String, String>::decode(&OrSet::<String, String>::new().encode())?.len(), 0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Crate features
//!
//! No feature is needed for the modules above; none is enabled by default.
//!
//! * `serde` — `Serialize` and `Deserialize` for the [`crdt`] types, checked
//!   on the way in like the byte encoding.
//!
//! # Rust version
//!
//! routekit builds on Rust 1.85 and later (`rust-version` in `Cargo.toml`).

#![doc(test(attr(deny(warnings))))]

pub mod crdt;
pub mod hash;
pub mod route;
pub mod sql;

pub use crdt::{Crdt, GCounter, OrSet, PNCounter};
pub use hash::{Fnv1a, KeyHasher, Sip13, Xxh3};
pub use route::{HashRing, Rendezvous, Router, SharedRouter};

// The README's examples are compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
