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
//! * [`optimistic`] — no lost updates: [`Versioned`] values,
//!   [`VersionedCell`] (compare-and-set shared by threads), [`RetryPolicy`]
//!   (bounded, jittered retries of a read-modify-write), [`OptimisticUpdate`]
//!   (version-checked SQL that tells a conflict from a missing row) and
//!   [`ETag`] with `If-Match` / `If-None-Match` evaluation per RFC 9110.
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
//! # Example: update with a version check
//!
//! ```
//! use routekit::optimistic::{OptimisticError, WriteError};
//! use routekit::sql::{Sqlite, Value};
//! use routekit::{OptimisticUpdate, RetryPolicy};
//!
//! let docs = OptimisticUpdate::new(Sqlite, "docs")?;
//!
//! // Alice and Bob both read revision 3; Alice saves first.
//! let alice = docs.update(Value::Int(1), 3, [("body", Value::Text("alice".into()))])?;
//! let bob = docs.update(Value::Int(1), 3, [("body", Value::Text("bob".into()))])?;
//! // (run each statement on your connection; it changed 1 row and 0 rows)
//! assert_eq!(alice.check(1, |_| Ok::<_, std::io::Error>(None))?, 4);
//! // Bob's 0 rows: the follow-up version read finds revision 4, so it is a
//! // conflict (not a deleted row), and a retry re-reads and re-applies.
//! let bob = bob.check(0, |_read| Ok::<_, std::io::Error>(Some(4)));
//! assert!(matches!(bob, Err(WriteError::Version(OptimisticError::Conflict { expected: 3, current: 4 }))));
//!
//! // The whole read-modify-write, retried on conflict only.
//! let policy = RetryPolicy::new();
//! let saved = policy.retry(|_attempt| -> Result<u64, WriteError<std::io::Error>> {
//!     let (body, version) = ("alice".to_owned(), 4); // SELECT body, version …
//!     let write = docs.update(Value::Int(1), version, [("body", Value::Text(body + " + bob"))])?;
//!     write.check(1, |_| Ok(None)) // rows from executing write.statement()
//! })?;
//! assert_eq!((saved.value, saved.attempts), (5, 1));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! `examples/optimistic.rs` runs the same story against a real SQLite
//! database.
//!
//! # Crate features
//!
//! No feature is needed for the modules above; none is enabled by default.
//!
//! # Rust version
//!
//! routekit builds on Rust 1.80 and later (`rust-version` in `Cargo.toml`).

#![doc(test(attr(deny(warnings))))]

pub mod hash;
pub mod optimistic;
pub mod route;
pub mod sql;

pub use hash::{Fnv1a, KeyHasher, Sip13, Xxh3};
pub use optimistic::{ETag, OptimisticUpdate, RetryPolicy, Versioned, VersionedCell};
pub use route::{HashRing, Rendezvous, Router, SharedRouter};

// The README's examples are compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
