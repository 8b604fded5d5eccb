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
//! | [`OptimisticUpdate`] | the SQL: `UPDATE … SET …, version = version + 1 WHERE key = ? AND version = ?`, the guarded `DELETE`, the `INSERT` at version 0, and the version read that tells a conflict from a missing row |
//! | [`ETag`], [`Preconditions`] | the same check over HTTP: `ETag: "v42"`, `If-Match` / `If-None-Match` per RFC 9110, answering proceed, 304, 412 or 428 |
//!
//! The usual bugs are ruled out by construction: every write the builder
//! emits bumps the version; versions are integers that never wrap (a bump
//! past the largest value is [`VersionOverflow`](OptimisticError::VersionOverflow));
//! "0 rows affected" is never read as a conflict without the follow-up read
//! that tells a conflict from a deleted row; and a retry re-runs the caller's
//! read-modify-write closure, so it never re-sends the stale value.
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
//! assert_eq!(lost, Err(OptimisticError::Conflict { expected: 0, current: 1 }));
//!
//! // Bob re-reads and re-applies his change on top of Alice's.
//! let done = cell.update(&RetryPolicy::immediate(10), |text| format!("{text} + bob"))?;
//! assert_eq!((done.value, cell.load().value.as_str()), (2, "draft + alice + bob"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use thiserror::Error;

use crate::sql::SqlError;

mod cell;
mod etag;
mod retry;
mod update;

pub use cell::VersionedCell;
pub use etag::{ETag, ETagError, ETagList, Precondition, Preconditions};
pub use retry::{
    Backoff, GaveUp, PolicyError, Retried, RetryError, RetryPolicy, RetryPolicyBuilder,
};
pub use update::{GuardedWrite, OptimisticUpdate, OptimisticUpdateBuilder, WriteError};

/// A value and the version it was read at.
///
/// Versions start at 0 and every write adds 1. The pair is plain data: it is
/// what a read returns and what a write is checked against.
///
/// # Example
///
/// ```
/// use routekit::optimistic::Versioned;
///
/// let v = Versioned::new("hello", 41);
/// let next = v.next("hello, world")?;
/// assert_eq!((next.value, next.version), ("hello, world", 42));
/// assert_eq!(next.etag().to_string(), r#""v42""#);
/// # Ok::<(), routekit::optimistic::OptimisticError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Versioned<T> {
    /// The value.
    pub value: T,
    /// The version the value is at.
    pub version: u64,
}

impl<T> Versioned<T> {
    /// `value` at `version`.
    ///
    /// ```
    /// let v = routekit::optimistic::Versioned::new(7, 3);
    /// assert_eq!((v.value, v.version), (7, 3));
    /// ```
    pub fn new(value: T, version: u64) -> Self {
        Versioned { value, version }
    }

    /// The successor: `value` at this version plus one.
    ///
    /// # Errors
    ///
    /// [`OptimisticError::VersionOverflow`] when the version is `u64::MAX`.
    ///
    /// ```
    /// use routekit::optimistic::Versioned;
    /// assert_eq!(Versioned::new((), 0).next(())?.version, 1);
    /// assert!(Versioned::new((), u64::MAX).next(()).is_err());
    /// # Ok::<(), routekit::optimistic::OptimisticError>(())
    /// ```
    pub fn next<U>(&self, value: U) -> Result<Versioned<U>, OptimisticError> {
        Ok(Versioned { value, version: bump(self.version, u64::MAX)? })
    }

    /// The strong entity-tag of this version, `"v<version>"`, for an HTTP
    /// `ETag` header.
    ///
    /// ```
    /// let v = routekit::optimistic::Versioned::new("x", 42);
    /// assert_eq!(v.etag().to_string(), r#""v42""#);
    /// ```
    pub fn etag(&self) -> ETag {
        ETag::from_version(self.version)
    }
}

/// Whether an error means "someone else wrote first: re-read and try again".
///
/// [`RetryPolicy::retry`] retries exactly the errors for which this is true
/// and returns every other error at once. Implemented by [`OptimisticError`]
/// and [`WriteError`]; implement it for your own error type to retry a
/// read-modify-write that can also fail in other ways.
///
/// # Example
///
/// ```
/// use routekit::optimistic::{IsConflict, OptimisticError};
///
/// enum SaveError {
///     Version(OptimisticError),
///     Invalid(String),
/// }
///
/// impl IsConflict for SaveError {
///     fn is_conflict(&self) -> bool {
///         matches!(self, SaveError::Version(e) if e.is_conflict())
///     }
/// }
///
/// let conflict = SaveError::Version(OptimisticError::Conflict { expected: 1, current: 2 });
/// assert!(conflict.is_conflict());
/// let invalid = SaveError::Invalid("empty title".into());
/// assert!(!invalid.is_conflict());
/// assert!(matches!(invalid, SaveError::Invalid(why) if why == "empty title"));
/// ```
pub trait IsConflict {
    /// True when the operation failed only because the version moved on.
    fn is_conflict(&self) -> bool;
}

/// What went wrong with a versioned read or write, or with the input to one.
///
/// Callers branch on [`Conflict`](OptimisticError::Conflict) (re-read and
/// retry, or answer 412 / 409) and [`NotFound`](OptimisticError::NotFound)
/// (answer 404); the other variants are bugs in the caller's data or schema.
///
/// # Example
///
/// ```
/// use routekit::optimistic::{IsConflict, VersionedCell};
///
/// let cell = VersionedCell::new(0);
/// let err = cell.compare_and_set(5, 1).unwrap_err();
/// assert!(err.is_conflict());
/// assert_eq!(err.to_string(), "version conflict: expected version 5, the current version is 0");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum OptimisticError {
    /// The version was not the expected one: someone else wrote first.
    #[error("version conflict: expected version {expected}, the current version is {current}")]
    Conflict {
        /// The version the write was based on.
        expected: u64,
        /// The version found instead.
        current: u64,
    },
    /// No row has the key.
    #[error("no row has this key: it was never created or has been deleted")]
    NotFound,
    /// Adding 1 to the version would pass the largest version allowed.
    #[error("version {version} cannot be bumped: the next version would exceed the maximum {max}")]
    VersionOverflow {
        /// The version that cannot be bumped.
        version: u64,
        /// The largest version allowed (`u64::MAX` in memory, `i64::MAX` in a
        /// `BIGINT` column).
        max: u64,
    },
    /// A version given for a database write does not fit a `BIGINT`.
    #[error("version {version} does not fit a BIGINT column: versions run from 0 to {}", i64::MAX)]
    VersionOutOfRange {
        /// The rejected version.
        version: u64,
    },
    /// The database holds a negative version.
    #[error(
        "the version column holds {found}: versions are never negative (add CHECK (version >= 0))"
    )]
    NegativeVersion {
        /// The value read from the version column.
        found: i64,
    },
    /// A guarded write changed more than one row: the key column is not unique.
    #[error(
        "the write changed {rows} rows: the key column must be unique (a primary key); roll back \
         the transaction"
    )]
    AmbiguousKey {
        /// Rows the write reported as changed.
        rows: u64,
    },
    /// The key of a database write was `NULL`, which matches no row.
    #[error("the key is NULL, which matches no row: pass the row's key value")]
    NullKey,
    /// A column was named twice in one statement.
    #[error("column {column:?} is set twice: name each column once")]
    DuplicateColumn {
        /// The repeated column.
        column: String,
    },
    /// A write tried to set the key or version column directly.
    #[error(
        "column {column:?} is the {role} column and cannot be set: the builder writes it (the \
         key identifies the row, the version is bumped by every write)"
    )]
    ReservedColumn {
        /// The column.
        column: String,
        /// `"key"` or `"version"`.
        role: &'static str,
    },
    /// The key and version columns have the same name.
    #[error("the key and version columns are both {column:?}: use two different columns")]
    KeyIsVersion {
        /// The shared name.
        column: String,
    },
    /// A table or column name is not a plain SQL identifier.
    #[error(transparent)]
    Sql(#[from] SqlError),
}

impl IsConflict for OptimisticError {
    fn is_conflict(&self) -> bool {
        matches!(self, OptimisticError::Conflict { .. })
    }
}

/// `version + 1`, or [`OptimisticError::VersionOverflow`] when that passes `max`.
fn bump(version: u64, max: u64) -> Result<u64, OptimisticError> {
    match version.checked_add(1) {
        Some(next) if next <= max => Ok(next),
        _ => Err(OptimisticError::VersionOverflow { version, max }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Compiles only while every public type is `Send + Sync`.
    #[test]
    fn public_types_are_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Versioned<String>>();
        check::<VersionedCell<Vec<u8>>>();
        check::<RetryPolicy>();
        check::<RetryPolicyBuilder>();
        check::<Backoff>();
        check::<Retried<String>>();
        check::<RetryError<OptimisticError>>();
        check::<GaveUp>();
        check::<PolicyError>();
        check::<OptimisticError>();
        check::<OptimisticUpdate>();
        check::<OptimisticUpdateBuilder>();
        check::<GuardedWrite<'static>>();
        check::<WriteError<std::io::Error>>();
        check::<ETag>();
        check::<ETagList>();
        check::<ETagError>();
        check::<Preconditions<'static>>();
        check::<Precondition>();
    }

    #[test]
    fn bump_stops_at_the_maximum() {
        assert_eq!(bump(0, u64::MAX), Ok(1));
        assert_eq!(bump(u64::MAX - 1, u64::MAX), Ok(u64::MAX));
        assert_eq!(
            bump(u64::MAX, u64::MAX),
            Err(OptimisticError::VersionOverflow { version: u64::MAX, max: u64::MAX })
        );
        let max = i64::MAX as u64;
        assert_eq!(bump(max - 1, max), Ok(max));
        assert_eq!(bump(max, max), Err(OptimisticError::VersionOverflow { version: max, max }));
    }
}
