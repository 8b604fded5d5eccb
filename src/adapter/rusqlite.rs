//! The [`rusqlite`] adapter (feature `rusqlite`): bind values,
//! read cursor keys, fetch a keyset page and run a version-checked write on
//! a [`Connection`] (or a `Transaction`, which derefs to one).
//!
//! SQLite stores what it is given, so values are bound by their own type:
//! `Bool` as the integer 0 or 1, `Int` as an integer, `Float` as a real,
//! `Text` and `Bytes` as text and blob, and `Timestamp` as integer
//! nanoseconds since the epoch (which sort like the instants, and cover
//! 1677 to 2262; an instant outside is refused). Keys are read back the
//! same way. Statements are prepared through the connection's statement
//! cache.
//!
//! SQLite has no row locks: a transaction that writes should begin with
//! `BEGIN IMMEDIATE` (`TransactionBehavior::Immediate`), which takes the
//! database's write lock at once, so two writers never interleave and
//! [`lock_rows`] only reads the keys.
//!
//! # Example
//!
//! ```
//! use routekit::adapter::rusqlite::{execute, fetch_page, write};
//! use routekit::keyset::{CursorSecret, KeyType, Keyset, Position, SortKey};
//! use routekit::optimistic::{OptimisticError, OptimisticUpdate, WriteError};
//! use routekit::sql::{Sqlite, Value};
//!
//! let db = rusqlite::Connection::open_in_memory()?;
//! db.execute_batch("CREATE TABLE docs (id INTEGER PRIMARY KEY, body TEXT NOT NULL, version INTEGER NOT NULL)")?;
//! let docs = OptimisticUpdate::new(&Sqlite, "docs")?;
//! let create = docs.insert(["body"])?;
//! for id in 1..=3 {
//!     execute(&db, &create.bind(Value::Int(id), [Value::Text(format!("doc {id}"))])?)?;
//! }
//!
//! // A page of two, and the next.
//! let keys = [SortKey::asc("id", KeyType::Int).unique()];
//! let pages = Keyset::builder(&Sqlite, "docs", CursorSecret::new([3; 16]), keys)
//!     .columns(["id", "body"])
//!     .limit(2)
//!     .build()?;
//! let first = fetch_page(&db, &pages.query(Position::First)?, |row| row.get::<_, String>(1))?;
//! assert_eq!(first.rows(), ["doc 1", "doc 2"]);
//! let after = first.next_cursor().unwrap();
//! let next = fetch_page(&db, &pages.query(Position::After(after))?, |row| row.get::<_, String>(1))?;
//! assert_eq!(next.rows(), ["doc 3"]);
//!
//! // A version-checked write, then a stale one.
//! let set_body = docs.update(["body"])?;
//! assert_eq!(write(&db, &set_body.bind(Value::Int(1), 0, [Value::Text("new".into())])?)?, 1);
//! let stale = write(&db, &set_body.bind(Value::Int(1), 0, [Value::Text("old".into())])?);
//! assert!(matches!(stale, Err(WriteError::Version(OptimisticError::Conflict { expected: 0, current: 1, .. }))));
//! let gone = write(&db, &set_body.bind(Value::Int(9), 0, [Value::Text("x".into())])?);
//! assert!(matches!(gone, Err(WriteError::Version(OptimisticError::NotFound))));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use ::rusqlite::types::{ToSqlOutput, ValueRef};
use ::rusqlite::{Connection, OptionalExtension, Params, Row, ToSql};
use thiserror::Error;

use super::{FetchError, timestamp_nanos};
use crate::keyset::{KeyType, Keyset, Page, PageQuery};
use crate::optimistic::{GuardedWrite, WriteError};
use crate::sql::{Statement, Timestamp, Value};

/// One [`Value`] as a rusqlite parameter.
///
/// # Example
///
/// ```
/// use routekit::adapter::rusqlite::Param;
/// use routekit::sql::Value;
///
/// let db = rusqlite::Connection::open_in_memory()?;
/// let value = Value::Text("hé".into());
/// let back: String = db.query_row("SELECT ?1", [Param(&value)], |row| row.get(0))?;
/// assert_eq!(back, "hé");
/// # Ok::<(), rusqlite::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Param<'v>(pub &'v Value);

/// A value SQLite cannot store as routekit reads it back.
///
/// # Example
///
/// ```
/// use routekit::adapter::rusqlite::Param;
/// use routekit::sql::{Timestamp, Value};
///
/// let db = rusqlite::Connection::open_in_memory()?;
/// let far = Value::Timestamp(Timestamp::new(i64::MAX, 0)?);
/// let refused = db.query_row("SELECT ?1", [Param(&far)], |row| row.get::<_, i64>(0));
/// assert!(refused.unwrap_err().to_string().contains("1677"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum BindError {
    /// A timestamp outside what integer nanoseconds hold.
    #[error(
        "timestamp {seconds}s after the epoch cannot be stored as i64 nanoseconds: SQLite \
         timestamps run from 1677 to 2262"
    )]
    #[non_exhaustive]
    TimestampOutOfRange {
        /// Its seconds since the epoch.
        seconds: i64,
    },
}

impl ToSql for Param<'_> {
    fn to_sql(&self) -> ::rusqlite::Result<ToSqlOutput<'_>> {
        use ::rusqlite::types::Value as Owned;
        Ok(match self.0 {
            Value::Null => ToSqlOutput::Owned(Owned::Null),
            Value::Bool(b) => ToSqlOutput::Owned(Owned::Integer(i64::from(*b))),
            Value::Int(i) => ToSqlOutput::Owned(Owned::Integer(*i)),
            Value::Float(f) => ToSqlOutput::Owned(Owned::Real(*f)),
            Value::Text(text) => ToSqlOutput::Borrowed(ValueRef::Text(text.as_bytes())),
            Value::Bytes(bytes) => ToSqlOutput::Borrowed(ValueRef::Blob(bytes)),
            Value::Timestamp(t) => match timestamp_nanos(t) {
                Some(nanos) => ToSqlOutput::Owned(Owned::Integer(nanos)),
                None => {
                    return Err(::rusqlite::Error::ToSqlConversionFailure(Box::new(
                        BindError::TimestampOutOfRange { seconds: t.seconds() },
                    )));
                }
            },
        })
    }
}

/// `values` as rusqlite parameters, in order.
///
/// ```
/// use routekit::adapter::rusqlite::params;
/// use routekit::sql::Value;
///
/// let db = rusqlite::Connection::open_in_memory()?;
/// let values = [Value::Int(2), Value::Null];
/// let (two, null): (i64, Option<i64>) = db.query_row("SELECT ?1, ?2", params(&values), |r| Ok((r.get(0)?, r.get(1)?)))?;
/// assert_eq!((two, null), (2, None));
/// # Ok::<(), rusqlite::Error>(())
/// ```
pub fn params(values: &[Value]) -> impl Params + '_ {
    ::rusqlite::params_from_iter(values.iter().map(Param))
}

/// The sort-key values of `row` (a row of `keyset`'s page query), in key
/// order: what a cursor to this row holds. O(keys); copies text and bytes.
///
/// # Errors
///
/// [`FetchError::KeyColumn`] when a key column holds something other than
/// its declared type (or `NULL` in a key not declared nullable);
/// [`FetchError::Database`] when the row has fewer columns.
///
/// ```
/// use routekit::adapter::rusqlite::key_values;
/// use routekit::keyset::{CursorSecret, KeyType, Keyset, SortKey};
/// use routekit::sql::{Nulls, Sqlite, Value};
///
/// let keys = [SortKey::desc("score", KeyType::Float).nullable(Nulls::Last), SortKey::asc("id", KeyType::Int).unique()];
/// let keyset = Keyset::new(&Sqlite, "t", CursorSecret::new([1; 16]), keys)?;
/// let db = rusqlite::Connection::open_in_memory()?;
/// let keys = db.query_row("SELECT NULL, 7", [], |row| Ok(key_values(&keyset, row)))??;
/// assert_eq!(keys, [Value::Null, Value::Int(7)]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn key_values(
    keyset: &Keyset,
    row: &Row<'_>,
) -> Result<Vec<Value>, FetchError<::rusqlite::Error>> {
    let mut values = Vec::with_capacity(keyset.key_columns().len());
    fill_key_values(keyset, row, &mut values)?;
    Ok(values)
}

/// Runs `query` on `db`, maps each row with `map_row`, and returns the
/// page with its cursors. The sort keys are read from two rows only: the
/// first fetched and the `limit`-th (the last of a full page).
///
/// Cost: one cached prepare, the query, `map_row` per row (at most
/// `limit + 1`), the key columns of two rows.
///
/// # Errors
///
/// [`FetchError::Database`] with the driver's error (also what `map_row`
/// returns); [`FetchError::KeyColumn`] for a key column that does not hold
/// its declared type.
///
/// ```
/// use routekit::adapter::rusqlite::fetch_page;
/// use routekit::keyset::{CursorSecret, KeyType, Keyset, Position, SortKey};
/// use routekit::sql::Sqlite;
///
/// let db = rusqlite::Connection::open_in_memory()?;
/// db.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY); INSERT INTO t VALUES (1), (2), (3);")?;
/// let keys = [SortKey::desc("id", KeyType::Int).unique()];
/// let t = Keyset::builder(&Sqlite, "t", CursorSecret::new([1; 16]), keys).limit(2).build()?;
/// let last = fetch_page(&db, &t.query(Position::Last)?, |row| row.get::<_, i64>(0))?;
/// assert_eq!(last.rows(), [2, 1]);
/// assert!(last.has_previous() && !last.has_next());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn fetch_page<R>(
    db: &Connection,
    query: &PageQuery<'_>,
    mut map_row: impl FnMut(&Row<'_>) -> ::rusqlite::Result<R>,
) -> Result<Page<R>, FetchError<::rusqlite::Error>> {
    let keyset = query.keyset();
    let statement = query.statement();
    let limit = keyset.limit() as usize;
    let mut prepared = db.prepare_cached(&statement.sql).map_err(FetchError::Database)?;
    let mut rows = prepared.query(params(&statement.params)).map_err(FetchError::Database)?;
    // Room for a page up front, but never trusting a huge limit with memory
    // before any row arrived.
    let mut page = Vec::with_capacity(limit.saturating_add(1).min(4096));
    let (mut first, mut last) = (Vec::new(), Vec::new());
    while let Some(row) = rows.next().map_err(FetchError::Database)? {
        // The cursors need the keys of the first row fetched and of the last
        // row kept; the last row kept is only ever a cursor's row when the
        // query returned the extra row, that is when it is row `limit - 1`.
        // So two rows' keys are read, whatever the page size.
        match page.len() {
            0 => fill_key_values(keyset, row, &mut first)?,
            at if at + 1 == limit => fill_key_values(keyset, row, &mut last)?,
            _ => {}
        }
        page.push(map_row(row).map_err(FetchError::Database)?);
    }
    Ok(query
        .page_by_fetch_index(page, |_, at| if at == 0 { first.clone() } else { last.clone() })?)
}

/// Runs a version-checked write: as a query counting the rows of its
/// `RETURNING` (rusqlite's `execute` refuses a statement that returns
/// rows), and when it changed nothing, the follow-up version read.
///
/// # Errors
///
/// [`WriteError::Version`] with a conflict (and the current version) or
/// not-found, and the other outcomes of [`GuardedWrite::check`];
/// [`WriteError::Database`] with the driver's error.
///
/// ```
/// use routekit::adapter::rusqlite::write;
/// use routekit::optimistic::OptimisticUpdate;
/// use routekit::sql::{Sqlite, Value};
///
/// let db = rusqlite::Connection::open_in_memory()?;
/// db.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, version INTEGER NOT NULL); INSERT INTO t VALUES (1, 4);")?;
/// let t = OptimisticUpdate::new(&Sqlite, "t")?;
/// assert_eq!(write(&db, &t.update([])?.bind(Value::Int(1), 4, [])?)?, 5);
/// assert_eq!(write(&db, &t.delete(Value::Int(1), 5)?)?, 5);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write(
    db: &Connection,
    write: &GuardedWrite<'_>,
) -> Result<u64, WriteError<::rusqlite::Error>> {
    let statement = write.statement();
    let changed = (|| {
        let mut prepared = db.prepare_cached(&statement.sql)?;
        if write.returns_version() {
            let mut rows = prepared.query(params(&statement.params))?;
            let mut count = 0u64;
            while rows.next()?.is_some() {
                count += 1;
            }
            Ok(count)
        } else {
            prepared.execute(params(&statement.params)).map(|n| n as u64)
        }
    })()
    .map_err(WriteError::Database)?;
    write.check(changed, |read| {
        db.prepare_cached(&read.sql)?
            .query_row(params(&read.params), |row| row.get::<_, i64>(0))
            .optional()
    })
}

/// Runs a statement that returns no rows (an
/// [`insert`](crate::optimistic::PreparedInsert::bind)) and returns the rows
/// it changed.
///
/// # Errors
///
/// The driver's error (a unique-key violation for an existing key).
///
/// ```
/// use routekit::adapter::rusqlite::execute;
/// use routekit::optimistic::OptimisticUpdate;
/// use routekit::sql::{Sqlite, Value};
///
/// let db = rusqlite::Connection::open_in_memory()?;
/// db.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, version INTEGER NOT NULL)")?;
/// let insert = OptimisticUpdate::new(&Sqlite, "t")?.insert([])?.bind(Value::Int(1), [])?;
/// assert_eq!(execute(&db, &insert)?, 1);
/// assert!(execute(&db, &insert).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn execute(db: &Connection, statement: &Statement) -> ::rusqlite::Result<u64> {
    db.prepare_cached(&statement.sql)?.execute(params(&statement.params)).map(|n| n as u64)
}

/// Runs an [`OptimisticUpdate::lock_rows`](crate::optimistic::OptimisticUpdate::lock_rows)
/// statement and returns how many of the keys exist. SQLite locks no rows:
/// run it in a transaction begun with `BEGIN IMMEDIATE`, which already
/// holds the database's write lock.
///
/// # Errors
///
/// The driver's error.
///
/// ```
/// use routekit::adapter::rusqlite::lock_rows;
/// use routekit::optimistic::OptimisticUpdate;
/// use routekit::sql::{Sqlite, Value};
///
/// let mut db = rusqlite::Connection::open_in_memory()?;
/// db.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, version INTEGER NOT NULL); INSERT INTO t VALUES (1, 0), (2, 0);")?;
/// let tx = db.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
/// let lock = OptimisticUpdate::new(&Sqlite, "t")?.lock_rows([Value::Int(2), Value::Int(1), Value::Int(3)])?;
/// assert_eq!(lock_rows(&tx, &lock)?, 2);
/// tx.commit()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn lock_rows(db: &Connection, statement: &Statement) -> ::rusqlite::Result<u64> {
    let mut prepared = db.prepare_cached(&statement.sql)?;
    let mut rows = prepared.query(params(&statement.params))?;
    let mut count = 0;
    while rows.next()?.is_some() {
        count += 1;
    }
    Ok(count)
}

/// Reads `row`'s key values into `values`, reusing its text and bytes
/// buffers where the same key held text or bytes before.
fn fill_key_values(
    keyset: &Keyset,
    row: &Row<'_>,
    values: &mut Vec<Value>,
) -> Result<(), FetchError<::rusqlite::Error>> {
    values.truncate(keyset.key_columns().len());
    for (at, read) in keyset.key_reads().enumerate() {
        let cell = row.get_ref(read.column).map_err(FetchError::Database)?;
        let mismatch = |found| FetchError::KeyColumn {
            column: read.name.to_owned(),
            position: read.column,
            expected: read.key_type,
            found,
        };
        let value = match (read.key_type, cell) {
            (_, ValueRef::Null) if read.nullable => Value::Null,
            (KeyType::Int, ValueRef::Integer(i)) => Value::Int(i),
            (KeyType::Bool, ValueRef::Integer(i @ (0 | 1))) => Value::Bool(i == 1),
            (KeyType::Float, ValueRef::Real(f)) => Value::Float(f),
            // A REAL column may hand back an integer-valued real as an
            // integer; exact up to 2^53.
            (KeyType::Float, ValueRef::Integer(i)) if i.unsigned_abs() <= 1 << 53 => {
                Value::Float(i as f64)
            }
            (KeyType::Timestamp, ValueRef::Integer(nanos)) => {
                let seconds = nanos.div_euclid(1_000_000_000);
                let nanos = nanos.rem_euclid(1_000_000_000) as u32;
                match Timestamp::new(seconds, nanos) {
                    Ok(t) => Value::Timestamp(t),
                    Err(_) => return Err(mismatch("an invalid timestamp")),
                }
            }
            (KeyType::Text, ValueRef::Text(bytes)) => {
                let Ok(text) = std::str::from_utf8(bytes) else {
                    return Err(mismatch("text that is not UTF-8"));
                };
                match values.get_mut(at) {
                    Some(Value::Text(reused)) => {
                        reused.clear();
                        reused.push_str(text);
                        continue;
                    }
                    _ => Value::Text(text.to_owned()),
                }
            }
            (KeyType::Bytes, ValueRef::Blob(bytes)) => match values.get_mut(at) {
                Some(Value::Bytes(reused)) => {
                    reused.clear();
                    reused.extend_from_slice(bytes);
                    continue;
                }
                _ => Value::Bytes(bytes.to_vec()),
            },
            (_, cell) => return Err(mismatch(storage_class(cell))),
        };
        match values.get_mut(at) {
            Some(slot) => *slot = value,
            None => values.push(value),
        }
    }
    Ok(())
}

/// SQLite's name for what a cell holds.
fn storage_class(cell: ValueRef<'_>) -> &'static str {
    match cell {
        ValueRef::Null => "null",
        ValueRef::Integer(_) => "an integer",
        ValueRef::Real(_) => "a real",
        ValueRef::Text(_) => "text",
        ValueRef::Blob(_) => "a blob",
    }
}
