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
//!   nodes and [`SharedRouter`] for many threads; [`JumpHash`](route::JumpHash),
//!   [`JumpBackHash`](route::JumpBackHash), [`MementoHash`](route::MementoHash)
//!   (any node can leave) and [`Maglev`](route::Maglev) (one table read); and
//!   [`BoundedLoads`](route::BoundedLoads) / [`LoadTracker`](route::LoadTracker)
//!   to cap every node's load.
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
//! # Crate features
//!
//! No feature is needed for the modules above; none is enabled by default.
//!
//! # Rust version
//!
//! routekit builds on Rust 1.85 and later (`rust-version` in `Cargo.toml`).

#![doc(test(attr(deny(warnings))))]

pub mod hash;
pub mod route;
pub mod sql;

pub use hash::{Fnv1a, KeyHasher, Sip13, Xxh3};
pub use route::{HashRing, Rendezvous, Router, SharedRouter};

// The README's examples are compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
