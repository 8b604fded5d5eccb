//! The error types of the optimistic module: what a versioned read or write
//! met at run time ([`OptimisticError`]), a name the SQL builder cannot use
//! ([`SchemaError`], a mistake in the program), and a database write's
//! outcome or failure ([`WriteError`]), with [`IsConflict`] telling the
//! retryable ones apart.

use thiserror::Error;

use crate::sql::IdentError;

/// What a versioned read or write met at run time.
///
/// Callers branch on [`Conflict`](OptimisticError::Conflict) (re-read and
/// retry, or answer 412 / 409) and [`NotFound`](OptimisticError::NotFound)
/// (answer 404). The others are values a write cannot take (a version no
/// `BIGINT` holds, as a client's `If-Match` may name; a `NULL` key) and
/// database states the schema should rule out.
///
/// # Example
///
/// ```
/// use routekit::optimistic::{IsConflict, OptimisticError, VersionedCell};
///
/// let cell = VersionedCell::new(0);
/// let err = cell.compare_and_set(5, 1).unwrap_err();
/// assert!(err.is_conflict());
/// assert!(matches!(err, OptimisticError::Conflict { expected: 5, current: 0, .. }));
/// assert_eq!(err.to_string(), "version conflict: expected version 5, the current version is 0");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum OptimisticError {
    /// The version was not the expected one: someone else wrote first.
    #[error("version conflict: expected version {expected}, the current version is {current}")]
    #[non_exhaustive]
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
    #[non_exhaustive]
    VersionOverflow {
        /// The version that cannot be bumped.
        version: u64,
        /// The largest version allowed (`u64::MAX` in memory, `i64::MAX` in a
        /// `BIGINT` column).
        max: u64,
    },
    /// A version given for a database write does not fit a `BIGINT`, so no
    /// row can be at it.
    #[error("version {version} does not fit a BIGINT column: versions run from 0 to {}", i64::MAX)]
    #[non_exhaustive]
    VersionOutOfRange {
        /// The rejected version.
        version: u64,
    },
    /// The database holds a negative version.
    #[error(
        "the version column holds {found}: versions are never negative (add CHECK (version >= 0))"
    )]
    #[non_exhaustive]
    NegativeVersion {
        /// The value read from the version column.
        found: i64,
    },
    /// A guarded write changed more than one row: the key column is not unique.
    #[error(
        "the write changed {rows} rows: the key column must be unique (a primary key); roll back \
         the transaction"
    )]
    #[non_exhaustive]
    AmbiguousKey {
        /// Rows the write reported as changed.
        rows: u64,
    },
    /// The key of a database write was `NULL`, which matches no row.
    #[error("the key is NULL, which matches no row: pass the row's key value")]
    NullKey,
}

/// A table or column name that [`OptimisticUpdate`](super::OptimisticUpdate)
/// cannot write: a mistake in the program, reported when the writer or the
/// [prepared statement](super::PreparedUpdate) is built.
///
/// # Example
///
/// ```
/// use routekit::optimistic::{OptimisticUpdate, SchemaError};
/// use routekit::sql::Sqlite;
///
/// let docs = OptimisticUpdate::new(&Sqlite, "docs")?;
/// let err = docs.update(["body", "version"]).unwrap_err();
/// assert!(matches!(err, SchemaError::ReservedColumn { role: "version", .. }));
/// assert!(err.to_string().starts_with(r#"column "version" is the version column"#));
/// # Ok::<(), SchemaError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum SchemaError {
    /// A table or column name is not a plain SQL identifier.
    #[error(transparent)]
    InvalidIdentifier(#[from] IdentError),
    /// The key and version columns have the same name.
    #[error("the key and version columns are both {column:?}: use two different columns")]
    #[non_exhaustive]
    KeyIsVersion {
        /// The shared name.
        column: String,
    },
    /// A column was named twice in one statement.
    #[error("column {column:?} is set twice: name each column once")]
    #[non_exhaustive]
    DuplicateColumn {
        /// The repeated column.
        column: String,
    },
    /// A write tried to set the key or version column directly.
    #[error(
        "column {column:?} is the {role} column and cannot be set: the builder writes it (the \
         key identifies the row, the version is bumped by every write)"
    )]
    #[non_exhaustive]
    ReservedColumn {
        /// The column.
        column: String,
        /// `"key"` or `"version"`.
        role: &'static str,
    },
}

/// Whether an error means "someone else wrote first: re-read and try again".
///
/// [`RetryPolicy::retry`](super::RetryPolicy::retry) retries exactly the
/// errors for which this is true and returns every other error at once.
/// Implemented by [`OptimisticError`] and [`WriteError`]; implement it for
/// your own error type to retry a read-modify-write that can also fail in
/// other ways.
///
/// # Example
///
/// ```
/// use routekit::optimistic::{IsConflict, OptimisticError, VersionedCell};
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
/// let cell = VersionedCell::new(1);
/// let conflict = SaveError::Version(cell.compare_and_set(7, 2).unwrap_err());
/// assert!(conflict.is_conflict());
/// let invalid = SaveError::Invalid("empty title".into());
/// assert!(!invalid.is_conflict());
/// assert!(matches!(invalid, SaveError::Invalid(why) if why == "empty title"));
/// ```
pub trait IsConflict {
    /// True when the operation failed only because the version moved on.
    fn is_conflict(&self) -> bool;
}

impl IsConflict for OptimisticError {
    fn is_conflict(&self) -> bool {
        matches!(self, OptimisticError::Conflict { .. })
    }
}

/// The error of a versioned database write: what the version check found,
/// or the database's failure.
///
/// It is a conflict ([`IsConflict`]) exactly when the version check found
/// another version, so [`RetryPolicy::retry`](super::RetryPolicy::retry)
/// retries those and returns database errors at once. Map your driver's
/// errors into it with `.map_err(WriteError::Database)`; `?` converts an
/// [`OptimisticError`]. Both variants are made by callers, so they stay
/// plain tuple variants.
///
/// # Example
///
/// ```
/// use routekit::optimistic::{IsConflict, OptimisticError, VersionedCell, WriteError};
///
/// let cell = VersionedCell::new(());
/// let conflict: WriteError<std::io::Error> = cell.compare_and_set(1, ()).unwrap_err().into();
/// assert!(conflict.is_conflict());
/// let gone: WriteError<std::io::Error> = OptimisticError::NotFound.into();
/// assert!(!gone.is_conflict());
/// let down = WriteError::Database(std::io::Error::other("connection reset"));
/// assert!(!down.is_conflict());
/// assert_eq!(down.to_string(), "connection reset");
/// ```
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum WriteError<E> {
    /// The version check failed, or the write could not take its values.
    #[error(transparent)]
    Version(#[from] OptimisticError),
    /// The database failed.
    #[error(transparent)]
    Database(E),
}

impl<E> IsConflict for WriteError<E> {
    fn is_conflict(&self) -> bool {
        matches!(self, WriteError::Version(e) if e.is_conflict())
    }
}
