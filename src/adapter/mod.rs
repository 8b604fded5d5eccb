//! Driver adapters: a keyset page or a version-checked write in one call on
//! the database client you already use, with no value mapping of your own.
//!
//! [`keyset`](crate::keyset) and [`optimistic`](crate::optimistic) write SQL
//! text and bind [`Value`](crate::sql::Value)s. An adapter does the rest for
//! one driver, behind its own feature (all off by default):
//!
//! | module | feature | client | calls |
//! |---|---|---|---|
//! | [`rusqlite`] | `rusqlite` | [`rusqlite::Connection`](::rusqlite::Connection) (a `Transaction` derefs to one) | sync |
//! | [`postgres`] | `postgres` | [`postgres::GenericClient`](::postgres::GenericClient) and [`tokio_postgres::GenericClient`] | sync and async |
//! | [`mysql`] | `mysql` | any [`mysql::prelude::Queryable`](::mysql::prelude::Queryable) (MySQL, MariaDB) | sync |
//!
//! Each adapter offers the same four things:
//!
//! * **bind**: every [`Value`](crate::sql::Value) variant as the driver's
//!   parameter, `NULL`s included. The PostgreSQL adapter binds by the type
//!   the server declared for the parameter (an `Int` into an `INTEGER`
//!   column is sent as an `int4`, refused if it does not fit), since the
//!   server checks types where SQLite does not.
//! * **read keys**: a row's sort-key columns, read by their position in the
//!   select list and declared [`KeyType`], as the
//!   values a cursor holds (`key_values`).
//! * **fetch a page**: `fetch_page` runs a
//!   [`PageQuery`](crate::keyset::PageQuery), hands each row to your mapping
//!   and returns the [`Page`](crate::keyset::Page) with its cursors.
//! * **write**: `write` runs a
//!   [`GuardedWrite`](crate::optimistic::GuardedWrite) the way its statement
//!   returns rows (a query counting the rows of `RETURNING`, an execute
//!   counting affected rows otherwise), and on zero rows its locking
//!   follow-up read, and returns the new version, a conflict with the
//!   current version, or not-found.
//!
//! Plus `execute` for statements that return no rows (inserts) and
//! `lock_rows` for [`OptimisticUpdate::lock_rows`](crate::optimistic::OptimisticUpdate::lock_rows).
//!
//! Driver errors stay the driver's own type: a page fails with
//! [`FetchError`], a write with
//! [`WriteError`](crate::optimistic::WriteError) around the driver's error.

use thiserror::Error;

use crate::keyset::{KeyType, KeyValuesError};

#[cfg(feature = "mysql")]
#[cfg_attr(docsrs, doc(cfg(feature = "mysql")))]
pub mod mysql;
#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub mod postgres;
#[cfg(feature = "rusqlite")]
#[cfg_attr(docsrs, doc(cfg(feature = "rusqlite")))]
pub mod rusqlite;

/// Why a page could not be fetched: the driver failed, or a row's key
/// column did not hold a value of the key's type.
///
/// # Example
///
/// ```
/// use routekit::adapter::FetchError;
///
/// let err: FetchError<std::io::Error> = FetchError::Database(std::io::Error::other("reset"));
/// assert_eq!(err.to_string(), "the page query failed: reset");
/// assert!(!matches!(err, FetchError::KeyColumn { .. }));
/// ```
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum FetchError<E> {
    /// The driver failed to run the query or read a row.
    #[error("the page query failed: {0}")]
    Database(E),
    /// A sort-key column held something other than the declared type, or
    /// `NULL` in a key not declared nullable.
    #[non_exhaustive]
    #[error(
        "sort key {column:?} (select-list position {position}) holds {found} where {expected} was \
         declared: declare the key's type as the column's"
    )]
    KeyColumn {
        /// The sort key's column.
        column: String,
        /// Its position in the select list, from 0.
        position: usize,
        /// The declared type.
        expected: KeyType,
        /// What the column held (`"null"`, `"text"`, `"a timestamp out of
        /// range"`…).
        found: &'static str,
    },
    /// The keys read do not fit the ordering (cannot happen when every key
    /// column was read as declared; kept so no failure is lost).
    #[error(transparent)]
    Keys(KeyValuesError),
}

impl<E> From<KeyValuesError> for FetchError<E> {
    fn from(err: KeyValuesError) -> Self {
        FetchError::Keys(err)
    }
}

/// Nanoseconds since the epoch in an `i64`, as the SQLite adapter stores a
/// timestamp; `None` outside 1677–2262.
#[cfg_attr(not(feature = "rusqlite"), allow(dead_code))]
pub(crate) fn timestamp_nanos(t: &crate::sql::Timestamp) -> Option<i64> {
    t.seconds().checked_mul(1_000_000_000)?.checked_add(i64::from(t.nanos()))
}
