//! Routing primitives for services that shard clients across instances, keep
//! a client "sticky" to the instance that holds its state, and keep replicas
//! of small state on neighbouring instances — with hashes that are the same in
//! every process, on every platform and in every release.
//!
//! # Overview
//!
//! * [`hash`] — the [`KeyHasher`] trait: [`Xxh3`] (default, seedable),
//!   [`Fnv1a`], and [`Sip13`] (keyed, for keys an attacker may choose).
//! * [`route`] — the [`Router`] trait (routing, preference lists, failover
//!   past unhealthy nodes), the membership traits [`Membership`] and
//!   [`Weighted`], and the strategies: [`HashRing`] (consistent hashing with
//!   virtual nodes) and [`Rendezvous`] (highest random weight), with weights
//!   and [`SharedRouter`] for many threads; [`JumpHash`](route::JumpHash),
//!   [`JumpBackHash`](route::JumpBackHash), [`MementoHash`](route::MementoHash)
//!   (any node can leave) and [`Maglev`](route::Maglev) (one table read); and
//!   [`BoundedLoads`](route::BoundedLoads) / [`LoadTracker`](route::LoadTracker)
//!   to cap every node's load. Nodes are any [`NodeId`]: strings, integers,
//!   addresses or your own type.
//! * `route::compat` (feature `compat`) — `CompatRing`: the placement of
//!   routers already deployed, bit for bit: libketama, libmemcached and
//!   twemproxy ketama, and nginx `hash $key consistent`.
//! * [`bloom`] — approximate membership behind the [`Filter`] trait:
//!   [`BloomFilter`] (the textbook false-positive rate), [`BlockedBloomFilter`]
//!   (one cache line per key), [`AtomicBloomFilter`](bloom::AtomicBloomFilter)
//!   (inserts from many threads), and a versioned byte format to ship them.
//! * [`crdt`] — replicated state that converges without coordination: the
//!   [`Crdt`] trait, [`GCounter`] and [`PNCounter`] (exact, overflow-checked)
//!   and [`OrSet`] (add-wins, no tombstones), with deltas that may arrive in
//!   any order, twice or late, and a versioned byte encoding.
//! * [`sql`] — what the SQL-emitting modules share: the [`Dialect`](sql::Dialect)
//!   trait (PostgreSQL, SQLite, MySQL), bind values and checked identifiers.
//! * [`keyset`] — keyset ("seek") pagination: [`Keyset`] builds exact page
//!   queries for any ordering (mixed directions, `NULL`s, both directions)
//!   and turns their rows into a [`Page`] with opaque, authenticated cursors.
//! * [`optimistic`] — no lost updates: [`Versioned`] values,
//!   [`VersionedCell`] (compare-and-set shared by threads), [`RetryPolicy`]
//!   (bounded, jittered retries of a read-modify-write), [`OptimisticUpdate`]
//!   (version-checked SQL that tells a conflict from a missing row) and
//!   [`ETag`] with `If-Match` / `If-None-Match` evaluation per RFC 9110.
//!
//! # Example: route a session
//!
//! ```
//! use routekit::{HashRing, Membership, Router};
//!
//! let mut ring = HashRing::new();
//! ring.extend(["app-1:8080", "app-2:8080", "app-3:8080"])?;
//!
//! // The instance that holds this session, and the one holding its replica.
//! let session = b"5f0c2a1e-session";
//! let prefs = ring.route_n(session, 2);
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
//!     west.merge_delta(delta)?;
//! }
//! for delta in &to_east {
//!     east.merge_delta(delta)?;
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
//! # Example: page a table
//!
//! ```
//! use routekit::keyset::{CursorSecret, KeyType, Keyset, Nulls, SortKey};
//! use routekit::sql::{Sqlite, Value};
//!
//! let db = rusqlite::Connection::open_in_memory()?;
//! db.execute_batch(
//!     "CREATE TABLE posts (id INTEGER PRIMARY KEY, score INTEGER);
//!      INSERT INTO posts VALUES (1, 5), (2, NULL), (3, 5), (4, 9), (5, 1);",
//! )?;
//!
//! let mut posts = Keyset::builder();
//! posts
//!     .dialect(&Sqlite)
//!     .secret(CursorSecret::new(*b"16 secret bytes!"))
//!     .table("posts")
//!     .order_by(SortKey::desc("score", KeyType::Int).nullable(Nulls::Last))
//!     .order_by(SortKey::asc("id", KeyType::Int).unique())
//!     .limit(2);
//!
//! // Runs a page query; rows are (score, id), the key columns in key order.
//! let fetch = |keyset: &Keyset| -> rusqlite::Result<Vec<(Option<i64>, i64)>> {
//!     let params: Vec<rusqlite::types::Value> = keyset.statement().params.iter().map(|v| match v {
//!         Value::Int(n) => (*n).into(),
//!         other => unreachable!("only integer keys here, got {other:?}"),
//!     }).collect();
//!     let mut stmt = db.prepare(&keyset.statement().sql)?;
//!     let rows = stmt.query_map(rusqlite::params_from_iter(params), |row| {
//!         Ok((row.get(keyset.key_columns()[0])?, row.get(keyset.key_columns()[1])?))
//!     })?;
//!     rows.collect()
//! };
//! let keys = |&(score, id): &(Option<i64>, i64)| vec![score.map_or(Value::Null, Value::Int), Value::Int(id)];
//!
//! let first = posts.build()?;
//! let page = first.page(fetch(&first)?, keys)?;
//! assert_eq!(page.rows(), [(Some(9), 4), (Some(5), 1)]);
//!
//! let second = posts.after(page.next_cursor().unwrap()).build()?;
//! let page = second.page(fetch(&second)?, keys)?;
//! assert_eq!(page.rows(), [(Some(5), 3), (Some(1), 5)]);
//!
//! let third = posts.after(page.next_cursor().unwrap()).build()?;
//! let page = third.page(fetch(&third)?, keys)?;
//! assert_eq!(page.rows(), [(None, 2)]);
//! assert!(!page.has_next());
//!
//! // And back again, in the same order.
//! let back = posts.before(page.previous_cursor().unwrap()).build()?;
//! assert_eq!(back.page(fetch(&back)?, keys)?.rows(), [(Some(5), 3), (Some(1), 5)]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Example: guard a lookup with a Bloom filter
//!
//! ```
//! use routekit::{BloomFilter, Filter};
//!
//! // The ids that exist, summarized in about 1.2 bytes each.
//! let mut exists = BloomFilter::new(1000, 0.01)?;
//! for id in 0..1000u32 {
//!     exists.insert(format!("user-{id}").as_bytes());
//! }
//!
//! // A request for an id the filter rejects certainly has no row: skip the
//! // database. Existing ids always pass, and about 1% of absent ones do.
//! let skipped = (1000..2000u32).filter(|id| !exists.contains(format!("user-{id}").as_bytes())).count();
//! assert!(skipped > 970);
//! assert!(exists.contains(b"user-42"));
//! # Ok::<(), routekit::bloom::BloomError>(())
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
//! [`keyset`] writes SQL and reads rows you fetch with your own client, so it
//! needs no database driver.
//!
//! * `serde` — `Serialize` and `Deserialize` for the [`crdt`] types (checked
//!   on the way in like the byte encoding) and the Bloom filters (as their
//!   versioned byte format).
//!
//! * `compat` — `route::compat`, placement compatible with libketama,
//!   libmemcached, twemproxy and nginx; brings the `md5` and `crc32fast`
//!   crates.
//!
//! # Rust version
//!
//! routekit builds on Rust 1.85 and later (`rust-version` in `Cargo.toml`).

#![doc(test(attr(deny(warnings))))]

pub mod bloom;
pub mod crdt;
pub mod hash;
pub mod keyset;
pub mod optimistic;
pub mod route;
pub mod sql;

pub use bloom::{BlockedBloomFilter, BloomFilter, Filter};
pub use crdt::{Crdt, GCounter, OrSet, PNCounter};
pub use hash::{Fnv1a, KeyHasher, Sip13, Xxh3};
pub use keyset::{Keyset, Page};
pub use optimistic::{ETag, OptimisticUpdate, RetryPolicy, Versioned, VersionedCell};
pub use route::{HashRing, Membership, NodeId, Rendezvous, Router, SharedRouter, Weighted};

// The README's examples are compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
