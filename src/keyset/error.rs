//! The error types of the keyset module: a mistake in the ordering
//! ([`KeysetError`], a bug to fix), a refused cursor ([`CursorError`], the
//! client's fault), and key values that do not fit the sort keys
//! ([`KeyValuesError`]).

use thiserror::Error;

use super::KeyType;
use crate::sql::IdentError;

/// A mistake in an endpoint's ordering, found when its
/// [`Keyset`](super::Keyset) is built: a bug in the program, never caused by
/// a request.
///
/// # Example
///
/// ```
/// use routekit::keyset::{CursorSecret, KeyType, Keyset, KeysetError, SortKey};
/// use routekit::sql::Sqlite;
///
/// let secret = CursorSecret::new([7; 16]);
/// let built = Keyset::new(&Sqlite, "posts", secret, [SortKey::desc("created_at", KeyType::Timestamp)]);
/// // No unique key at the end: rows with equal timestamps could be skipped.
/// assert!(matches!(built, Err(KeysetError::LastKeyNotUnique { .. })));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum KeysetError {
    /// The ordering has no sort keys.
    #[error("the ordering has no sort keys: end it with a unique, non-null column")]
    NoSortKeys,
    /// A table or column name is not a plain identifier.
    #[error(transparent)]
    InvalidIdentifier(#[from] IdentError),
    /// The ordering does not end in a key declared unique.
    #[error(
        "the last sort key {column:?} is not declared unique: end the ordering with a unique, \
         non-null column (such as the primary key) so that no two rows tie"
    )]
    #[non_exhaustive]
    LastKeyNotUnique {
        /// The last sort key.
        column: String,
    },
    /// The ordering ends in a key declared nullable.
    #[error(
        "the last sort key {column:?} is declared nullable: end the ordering with a unique, \
         non-null column (such as the primary key) so that no two rows tie"
    )]
    #[non_exhaustive]
    LastKeyNullable {
        /// The last sort key.
        column: String,
    },
    /// The same column appears twice among the sort keys.
    #[error("sort key {column:?} appears twice: list each column once")]
    #[non_exhaustive]
    DuplicateKey {
        /// The repeated column.
        column: String,
    },
    /// More sort keys than a query supports.
    #[error("{count} sort keys given, at most {max} are allowed")]
    #[non_exhaustive]
    TooManyKeys {
        /// Keys given.
        count: usize,
        /// The most allowed.
        max: usize,
    },
    /// The page size was zero.
    #[error("the page size (limit) must be at least 1, got 0")]
    ZeroLimit,
    /// The FROM clause was blank.
    #[error("the FROM clause is empty: give a table or a FROM clause")]
    EmptyFrom,
}

/// Why a cursor from a request was refused: answer 400 Bad Request. A
/// refused cursor never reaches the SQL.
///
/// Everything but [`BadTag`](CursorError::BadTag) and
/// [`ForeignOrdering`](CursorError::ForeignOrdering) is found before the tag
/// is checked; none of them can be produced by a cursor routekit issued.
///
/// # Example
///
/// ```
/// use routekit::keyset::{CursorError, CursorSecret, KeyType, Keyset, Position, SortKey};
/// use routekit::sql::{Postgres, Value};
///
/// let keys = [SortKey::asc("id", KeyType::Int).unique()];
/// let ours = Keyset::new(&Postgres, "posts", CursorSecret::new([7; 16]), keys.clone())?;
/// let cursor = ours.cursor(&[Value::Int(41)])?;
///
/// // Another service with another secret cannot forge or replay it.
/// let theirs = Keyset::new(&Postgres, "posts", CursorSecret::new([8; 16]), keys)?;
/// assert!(matches!(theirs.query(Position::After(&cursor)), Err(CursorError::BadTag)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
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
    #[non_exhaustive]
    Encoding {
        /// Byte offset of the problem in the cursor string.
        position: usize,
    },
    /// The cursor ends before its structure does.
    #[error("the cursor is truncated: {len} bytes decoded, its structure needs more")]
    #[non_exhaustive]
    Truncated {
        /// Decoded bytes present.
        len: usize,
    },
    /// A format version this release does not read.
    #[error(
        "cursor format version {version} is not supported: this release reads version {supported}"
    )]
    #[non_exhaustive]
    UnsupportedVersion {
        /// The version found.
        version: u8,
        /// The version this release reads and writes.
        supported: u8,
    },
    /// The bytes do not follow the cursor format.
    #[error("the cursor is malformed: {reason}")]
    #[non_exhaustive]
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
    /// An authentic cursor whose values do not fit the sort keys: only a
    /// holder of the secret can make one.
    #[error("{0}")]
    KeyValues(KeyValuesError),
}

/// Key values that do not fit the sort keys: the wrong number, or a value of
/// the wrong type (including `NULL` for a key not declared nullable).
///
/// From [`Keyset::cursor`](super::Keyset::cursor) and
/// [`PageQuery::page`](super::PageQuery::page), it means the program reads
/// its rows' keys wrongly: a bug to fix.
///
/// # Example
///
/// ```
/// use routekit::keyset::{CursorSecret, KeyType, KeyValuesError, Keyset, SortKey};
/// use routekit::sql::{Sqlite, Value};
///
/// let keys = [SortKey::asc("id", KeyType::Int).unique()];
/// let keyset = Keyset::new(&Sqlite, "t", CursorSecret::new([7; 16]), keys)?;
/// let err = keyset.cursor(&[Value::Text("41".into())]).unwrap_err();
/// assert!(matches!(err, KeyValuesError::WrongType { expected: KeyType::Int, found: Some(KeyType::Text), .. }));
/// assert_eq!(err.to_string(), r#"sort key "id" holds int values, got text"#);
/// # Ok::<(), routekit::keyset::KeysetError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum KeyValuesError {
    /// Not one value per sort key.
    #[error("{found} key values given, the ordering has {expected} sort keys")]
    #[non_exhaustive]
    WrongCount {
        /// Sort keys in the ordering.
        expected: usize,
        /// Values given.
        found: usize,
    },
    /// A value whose type is not the key's declared type.
    #[error(
        "sort key {column:?} holds {expected}{} values, got {}",
        if *.nullable { " or null" } else { "" },
        .found.map_or("null".to_owned(), |t| t.to_string())
    )]
    #[non_exhaustive]
    WrongType {
        /// The key's column.
        column: String,
        /// The key's declared type.
        expected: KeyType,
        /// Whether the key is nullable.
        nullable: bool,
        /// The type of the value given, `None` for `NULL`.
        found: Option<KeyType>,
    },
}
