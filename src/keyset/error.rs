//! The error types of the keyset module.

use thiserror::Error;

use super::KeyType;
use crate::sql::SqlError;

/// What went wrong building a [`Keyset`](super::Keyset) query or assembling
/// its page.
///
/// # Example
///
/// ```
/// use routekit::keyset::{KeyType, Keyset, KeysetError, SortKey};
/// use routekit::keyset::CursorSecret;
/// use routekit::sql::Sqlite;
///
/// let mut builder = Keyset::builder();
/// builder
///     .dialect(&Sqlite)
///     .secret(CursorSecret::new([7; 16]))
///     .table("posts")
///     .order_by(SortKey::desc("created_at", KeyType::Timestamp));
/// // No unique key at the end: rows with equal timestamps could be skipped.
/// assert!(matches!(builder.build(), Err(KeysetError::LastKeyNotUnique { .. })));
/// ```
#[derive(Clone, Debug, PartialEq, Error)]
#[non_exhaustive]
pub enum KeysetError {
    /// A required part of the query was not given.
    #[error("the keyset query has no {what}: set it on the builder")]
    Missing {
        /// What is missing: "dialect", "cursor secret", "table or FROM clause"
        /// or "sort keys".
        what: &'static str,
    },
    /// A table or column name is not a plain identifier.
    #[error(transparent)]
    Sql(#[from] SqlError),
    /// The ordering does not end in a key declared unique.
    #[error(
        "the last sort key {column:?} is not declared unique: end the ordering with a unique, \
         non-null column (such as the primary key) so that no two rows tie"
    )]
    LastKeyNotUnique {
        /// The last sort key.
        column: String,
    },
    /// The ordering ends in a key declared nullable.
    #[error(
        "the last sort key {column:?} is declared nullable: end the ordering with a unique, \
         non-null column (such as the primary key) so that no two rows tie"
    )]
    LastKeyNullable {
        /// The last sort key.
        column: String,
    },
    /// The same column appears twice among the sort keys.
    #[error("sort key {column:?} appears twice: list each column once")]
    DuplicateKey {
        /// The repeated column.
        column: String,
    },
    /// More sort keys than a query supports.
    #[error("{count} sort keys given, at most {max} are allowed")]
    TooManyKeys {
        /// Keys given.
        count: usize,
        /// The most allowed.
        max: usize,
    },
    /// The page size was zero.
    #[error("the page size (limit) must be at least 1, got 0")]
    ZeroLimit,
    /// The caller's FROM clause was empty.
    #[error("the FROM clause is empty: give a table or a FROM clause")]
    EmptyFrom,
    /// The cursor given to `after` or `before` was refused.
    #[error(transparent)]
    Cursor(#[from] CursorError),
    /// The key values read from a row do not fit the sort keys.
    #[error("{0}")]
    RowKeys(KeyValuesError),
}

/// Why a cursor was refused. A refused cursor never reaches the SQL.
///
/// Everything but [`BadTag`](CursorError::BadTag) and
/// [`ForeignOrdering`](CursorError::ForeignOrdering) is found before the tag
/// is checked; none of them can be produced by a cursor routekit issued.
///
/// # Example
///
/// ```
/// use routekit::keyset::{CursorError, CursorSecret, KeyType, Keyset, KeysetError, SortKey};
/// use routekit::sql::{Postgres, Value};
///
/// let mut builder = Keyset::builder();
/// builder
///     .dialect(&Postgres)
///     .secret(CursorSecret::new([7; 16]))
///     .table("posts")
///     .order_by(SortKey::asc("id", KeyType::Int).unique());
/// let cursor = builder.build()?.cursor(&[Value::Int(41)])?;
///
/// // Another service with another secret cannot forge or replay it.
/// builder.secret(CursorSecret::new([8; 16])).after(cursor);
/// assert_eq!(builder.build().unwrap_err(), KeysetError::Cursor(CursorError::BadTag));
/// # Ok::<(), KeysetError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum CursorError {
    /// A character outside the URL-safe base64 alphabet, or a length no
    /// encoding produces.
    #[error(
        "the cursor is not unpadded URL-safe base64 (A-Z a-z 0-9 - _): bad character or length \
         at position {position}"
    )]
    Encoding {
        /// Byte offset of the problem in the cursor string.
        position: usize,
    },
    /// The cursor ends before its structure does.
    #[error("the cursor is truncated: {len} bytes decoded, its structure needs more")]
    Truncated {
        /// Decoded bytes present.
        len: usize,
    },
    /// A format version this release does not read.
    #[error(
        "cursor format version {version} is not supported: this release reads version {supported}"
    )]
    UnsupportedVersion {
        /// The version found.
        version: u8,
        /// The version this release reads and writes.
        supported: u8,
    },
    /// The bytes do not follow the cursor format.
    #[error("the cursor is malformed: {reason}")]
    Malformed {
        /// What was wrong.
        reason: &'static str,
    },
    /// The authentication tag does not match: the cursor was altered, forged,
    /// or issued under another secret.
    #[error(
        "the cursor failed authentication: it was altered, forged or issued under another secret"
    )]
    BadTag,
    /// An authentic cursor issued for another ordering (another table, other
    /// keys, directions or null placement).
    #[error("the cursor was issued for another ordering: start again from the first page")]
    ForeignOrdering,
    /// The cursor's values do not fit the sort keys.
    #[error("{0}")]
    KeyValues(KeyValuesError),
}

/// Key values that do not fit the sort keys: the wrong number, or a value of
/// the wrong type (including `NULL` for a key not declared nullable).
///
/// # Example
///
/// ```
/// use routekit::keyset::{CursorSecret, KeyType, KeyValuesError, Keyset, KeysetError, SortKey};
/// use routekit::sql::{Sqlite, Value};
///
/// let mut builder = Keyset::builder();
/// builder
///     .dialect(&Sqlite)
///     .secret(CursorSecret::new([7; 16]))
///     .table("t")
///     .order_by(SortKey::asc("id", KeyType::Int).unique());
/// let keyset = builder.build()?;
/// let err = keyset.cursor(&[Value::Text("41".into())]).unwrap_err();
/// assert!(matches!(err, KeysetError::RowKeys(KeyValuesError::WrongType { .. })));
/// # Ok::<(), KeysetError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum KeyValuesError {
    /// Not one value per sort key.
    #[error("{found} key values given, the ordering has {expected} sort keys")]
    WrongCount {
        /// Sort keys in the ordering.
        expected: usize,
        /// Values given.
        found: usize,
    },
    /// A value whose type is not the key's declared type.
    #[error("sort key {column:?} holds {expected}{nullable} values, got {found}")]
    WrongType {
        /// The key's column.
        column: String,
        /// The key's declared type.
        expected: KeyType,
        /// `" or null"` when the key is nullable, else empty.
        nullable: &'static str,
        /// The type of the value given (`"null"` for `NULL`).
        found: &'static str,
    },
}
