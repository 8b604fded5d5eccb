//! Optimistic concurrency: a version that every write checks and bumps, so a
//! write based on a stale read fails instead of silently overwriting.
//!
//! Two users read revision 3 of the same document. The first saves: the row
//! moves to revision 4. The second saves what it based on revision 3: the write
//! says "only if the revision is still 3", finds 4, changes nothing and
//! reports a [`Conflict`](OptimisticError::Conflict) carrying the current
//! version, so the second user re-reads and tries again.
//!
//! | piece | what it does |
//! |-------|--------------|
//! | [`Versioned`] | a value with its `u64` version |
//! | [`VersionedCell`] | an in-memory value shared by threads: snapshot reads, compare-and-set, retried updates |
//! | [`RetryPolicy`] | bounded attempts, exponential backoff with jitter, a deadline; retries conflicts only and re-runs the whole read-modify-write |
//! | [`OptimisticUpdate`] | the SQL, prepared once per table and set of columns: `UPDATE … SET …, version = version + 1 WHERE key = ? AND version = ?`, the guarded `DELETE`, the `INSERT` at version 0, and the version read that tells a conflict from a missing row |
//! | [`ETag`], [`Preconditions`] | the same check over HTTP: `ETag: "v42"`, `If-Match` / `If-None-Match` per RFC 9110, answering proceed, 304, 412 or 428 |
//!
//! The usual bugs are ruled out by construction: every write the builder
//! emits bumps the version; versions are integers that never wrap (a bump
//! past the largest value is [`VersionOverflow`](OptimisticError::VersionOverflow));
//! "0 rows affected" is never read as a conflict without the follow-up read
//! that tells a conflict from a deleted row; and a retry re-runs the caller's
//! read-modify-write closure, so it never re-sends the stale value.
//!
//! Limits: versions are `u64` in memory and `BIGINT` (at most `i64::MAX`)
//! in SQL; a bump past either is
//! [`VersionOverflow`](OptimisticError::VersionOverflow), and an expected
//! version SQL cannot hold is
//! [`VersionOutOfRange`](OptimisticError::VersionOutOfRange). A
//! [`RetryPolicy`] takes 1 to `u32::MAX` attempts, a finite multiplier of at
//! least 1 and a jitter in [0, 1]; its delays never exceed its largest
//! backoff, whatever the multiplier. Header values are parsed in one pass
//! over their text, with no limit but their length.
//!
//! Errors come in kinds: a table or column name the SQL cannot use is a
//! [`SchemaError`], found when the writer or a prepared statement is built
//! (a bug to fix); what a write meets at run time — a conflict, a missing
//! row, a version that cannot be written — is an [`OptimisticError`]; a
//! database write's outcome or driver failure is a [`WriteError`].
//!
//! # Example
//!
//! ```
//! use routekit::optimistic::{OptimisticError, RetryPolicy, VersionedCell};
//!
//! let cell = VersionedCell::new(String::from("draft"));
//! let alice = cell.load(); // revision 0
//! let bob = cell.load(); // revision 0
//!
//! assert_eq!(cell.compare_and_set(alice.version, format!("{} + alice", alice.value))?, 1);
//! let lost = cell.compare_and_set(bob.version, format!("{} + bob", bob.value));
//! assert!(matches!(lost, Err(OptimisticError::Conflict { expected: 0, current: 1, .. })));
//!
//! // Bob re-reads and re-applies his change on top of Alice's.
//! let done = cell.update(&RetryPolicy::immediate(10)?, |text| format!("{text} + bob"))?;
//! assert_eq!((done.value, cell.load().value.as_str()), (2, "draft + alice + bob"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod cell;
mod error;
mod etag;
mod guarded;
mod prepared;
mod retry;
mod update;
mod versioned;

pub use cell::VersionedCell;
pub use error::{IsConflict, OptimisticError, SchemaError, WriteError};
pub use etag::{ETag, ETagError, ETagList, Precondition, Preconditions};
pub use guarded::GuardedWrite;
pub use prepared::{PreparedInsert, PreparedUpdate};
pub use retry::{
    Backoff, GaveUp, PolicyError, Retried, RetryError, RetryPolicy, RetryPolicyBuilder,
};
pub use update::{OptimisticUpdate, OptimisticUpdateBuilder};
pub use versioned::Versioned;

use versioned::bump;
