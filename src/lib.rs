//! Routing primitives for services that shard clients across instances, keep
//! a client "sticky" to the instance that holds its state, and keep replicas
//! of small state on neighbouring instances — with hashes that are the same in
//! every process, on every platform and in every release.
//!
//! # Overview
//!
//! * [`hash`] — the [`KeyHasher`] trait: [`Xxh3`] (default, seedable),
//!   [`Fnv1a`], and [`Sip13`] (keyed, for keys an attacker may choose), or a
//!   hasher of your own that names itself with
//!   [`HasherId::custom`](hash::HasherId::custom).
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
//!   (one cache line per key), [`AtomicBloomFilter`] (inserts from many
//!   threads), and a versioned byte format to ship them.
//! * [`crdt`] — replicated state that converges without coordination: the
//!   [`Crdt`] trait, [`GCounter`] and [`PNCounter`] (exact, overflow-checked)
//!   and [`OrSet`] (add-wins, no tombstones), with a delta per change that
//!   may arrive in any order, twice or late, and a versioned byte encoding
//!   of states and deltas.
//! * [`sql`] — what the SQL-emitting modules share: the [`Dialect`]
//!   trait (PostgreSQL, SQLite, MySQL; adding one is one `impl`), bind
//!   values, checked identifiers and the statement writer.
//! * [`keyset`] — keyset ("seek") pagination: a [`Keyset`] is one endpoint's
//!   ordering, checked once (any mix of directions and `NULL`s); per request
//!   it writes the exact page query for a position and turns the rows into a
//!   [`Page`] with opaque, authenticated cursors.
//! * [`optimistic`] — no lost updates: [`Versioned`] values,
//!   [`VersionedCell`] (compare-and-set shared by threads), [`RetryPolicy`]
//!   (bounded, jittered retries of a read-modify-write), [`OptimisticUpdate`]
//!   (version-checked SQL, prepared once, that tells a conflict from a
//!   missing row) and [`ETag`] with `If-Match` / `If-None-Match` evaluation
//!   per RFC 9110.
//! * [`adapter`] — one call per keyset page or version-checked write on a
//!   database driver (features `rusqlite`, `postgres`, `mysql`), with no value
//!   mapping of your own.
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
//! use routekit::OrSet;
//! use routekit::crdt::OrSetDelta;
//!
//! // Two instances edit the same cart without talking to each other.
//! let (mut east, mut west) = (OrSet::new(), OrSet::new());
//! west.merge_delta(&east.add(&"east", "milk")?)?;
//! let to_west = [east.add(&"east", "tea")?, east.add(&"east", "milk")?];
//! let to_east = [west.add(&"west", "bread")?, west.remove("milk").expect("west has milk")];
//!
//! // Deltas arrive late, out of order and twice: the carts still agree.
//! for delta in to_west.iter().rev().chain(&to_west) {
//!     west.merge_delta(delta)?;
//! }
//! for delta in &to_east {
//!     east.merge_delta(delta)?;
//! }
//! assert_eq!(east, west);
//! // West's remove of "milk" had not seen east's second add, so the add wins.
//! assert_eq!(east.iter().collect::<Vec<_>>(), [&"bread", &"milk", &"tea"]);
//!
//! // States and deltas travel as versioned, deterministic bytes.
//! let mut cart = OrSet::<String, String>::new();
//! let delta = cart.add(&"east".into(), "tea".into())?;
//! let mut far = OrSet::<String, String>::new();
//! far.merge_delta(&OrSetDelta::from_bytes(&delta.to_bytes())?)?;
//! assert_eq!(OrSet::from_bytes(&far.to_bytes())?, cart);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Example: page a table
//!
//! ```
//! use routekit::keyset::{CursorSecret, KeyType, Position, SortKey};
//! use routekit::sql::{Nulls, Sqlite, Statement, Value};
//! use routekit::Keyset;
//!
//! let db = rusqlite::Connection::open_in_memory()?;
//! db.execute_batch(
//!     "CREATE TABLE posts (id INTEGER PRIMARY KEY, score INTEGER);
//!      INSERT INTO posts VALUES (1, 5), (2, NULL), (3, 5), (4, 9), (5, 1);",
//! )?;
//!
//! // Once per endpoint: the ordering, checked, shared by every request.
//! let posts = Keyset::builder(
//!     &Sqlite,
//!     "posts",
//!     CursorSecret::new(*b"16 secret bytes!"),
//!     [
//!         SortKey::desc("score", KeyType::Int).nullable(Nulls::Last),
//!         SortKey::asc("id", KeyType::Int).unique(),
//!     ],
//! )
//! .limit(2)
//! .build()?;
//!
//! // Runs a page query with rusqlite; rows are (score, id), the key columns
//! // in key order. This table binds integers only.
//! let fetch = |statement: &Statement| -> rusqlite::Result<Vec<(Option<i64>, i64)>> {
//!     let mut params = Vec::new();
//!     for value in &statement.params {
//!         params.push(match value {
//!             Value::Int(n) => rusqlite::types::Value::Integer(*n),
//!             other => {
//!                 let refused = format!("this example binds integers, not {other:?}");
//!                 return Err(rusqlite::Error::ToSqlConversionFailure(refused.into()));
//!             }
//!         });
//!     }
//!     let mut stmt = db.prepare(&statement.sql)?;
//!     let rows = stmt.query_map(rusqlite::params_from_iter(params), |row| {
//!         Ok((row.get(posts.key_columns()[0])?, row.get(posts.key_columns()[1])?))
//!     })?;
//!     rows.collect()
//! };
//! let keys = |&(score, id): &(Option<i64>, i64)| vec![score.map_or(Value::Null, Value::Int), Value::Int(id)];
//!
//! // Per request: the position the client asked for.
//! let query = posts.query(Position::First)?;
//! let page = query.page(fetch(query.statement())?, keys)?;
//! assert_eq!(page.rows(), [(Some(9), 4), (Some(5), 1)]);
//!
//! let query = posts.query(Position::After(page.next_cursor().unwrap()))?;
//! let page = query.page(fetch(query.statement())?, keys)?;
//! assert_eq!(page.rows(), [(Some(5), 3), (Some(1), 5)]);
//!
//! let query = posts.query(Position::After(page.next_cursor().unwrap()))?;
//! let page = query.page(fetch(query.statement())?, keys)?;
//! assert_eq!(page.rows(), [(None, 2)]);
//! assert!(!page.has_next());
//!
//! // And back again, in the same order.
//! let back = posts.query(Position::Before(page.previous_cursor().unwrap()))?;
//! assert_eq!(back.page(fetch(back.statement())?, keys)?.rows(), [(Some(5), 3), (Some(1), 5)]);
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
//! # Ok::<(), routekit::bloom::BuildError>(())
//! ```
//!
//! # Example: update with a version check
//!
//! ```
//! use routekit::optimistic::{OptimisticError, WriteError};
//! use routekit::sql::{Sqlite, Value};
//! use routekit::{OptimisticUpdate, RetryPolicy};
//!
//! // Once per table and set of columns: names checked, SQL written.
//! let docs = OptimisticUpdate::new(&Sqlite, "docs")?;
//! let set_body = docs.update(["body"])?;
//!
//! // Alice and Bob both read revision 3; Alice saves first.
//! let alice = set_body.bind(Value::Int(1), 3, [Value::Text("alice".into())])?;
//! let bob = set_body.bind(Value::Int(1), 3, [Value::Text("bob".into())])?;
//! // (run each statement on your connection; it changed 1 row and 0 rows)
//! assert_eq!(alice.check(1, |_| Ok::<_, std::io::Error>(None))?, 4);
//! // Bob's 0 rows: the follow-up version read finds revision 4, so it is a
//! // conflict (not a deleted row), and a retry re-reads and re-applies.
//! let bob = bob.check(0, |_read| Ok::<_, std::io::Error>(Some(4)));
//! assert!(matches!(
//!     bob,
//!     Err(WriteError::Version(OptimisticError::Conflict { expected: 3, current: 4, .. }))
//! ));
//!
//! // The whole read-modify-write, retried on conflict only.
//! let policy = RetryPolicy::new();
//! let saved = policy.retry(|_attempt| -> Result<u64, WriteError<std::io::Error>> {
//!     let (body, version) = ("alice".to_owned(), 4); // SELECT body, version …
//!     let write = set_body.bind(Value::Int(1), version, [Value::Text(body + " + bob")])?;
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
//! * `rusqlite` — [`adapter::rusqlite`]: keyset pages and version-checked
//!   writes in one call on a `rusqlite` connection. rusqlite 0.41 needs
//!   Rust 1.89.
//!
//! * `postgres` — [`adapter::postgres`]: the same on the `postgres` client
//!   (sync) and `tokio-postgres` (async), binding by the parameter types the
//!   server declares.
//!
//! * `mysql` — [`adapter::mysql`]: the same on the `mysql` client, for
//!   MySQL and MariaDB.
//!
//! # Rust version
//!
//! routekit builds on Rust 1.85 and later (`rust-version` in `Cargo.toml`);
//! the `rusqlite` feature needs what rusqlite needs (1.89).

#![cfg_attr(docsrs, feature(doc_cfg))]
#![doc(test(attr(deny(warnings))))]

pub mod adapter;
pub mod bloom;
pub mod crdt;
pub mod hash;
pub mod keyset;
pub mod optimistic;
pub mod route;
pub mod sql;

pub use bloom::{AtomicBloomFilter, BlockedBloomFilter, BloomFilter, Filter};
pub use crdt::{Crdt, GCounter, OrSet, PNCounter};
pub use hash::{Fnv1a, KeyHasher, Sip13, Xxh3};
pub use keyset::{Keyset, Page};
pub use optimistic::{ETag, IsConflict, OptimisticUpdate, RetryPolicy, Versioned, VersionedCell};
pub use route::{HashRing, Membership, NodeId, Rendezvous, Router, SharedRouter, Weighted};
pub use sql::Dialect;

// The README's examples are compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
