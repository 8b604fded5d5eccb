//! The PostgreSQL adapter (feature `postgres`): bind values, read cursor
//! keys, fetch a keyset page and run a version-checked write on the sync
//! [`postgres`] client and, with the `_async` calls, on
//! [`tokio_postgres`] — any `GenericClient` of either (a client or a
//! transaction).
//!
//! PostgreSQL checks parameter types, so each [`Value`] is bound as the
//! type the server declared for its parameter (the column's type, where it
//! is compared with or assigned to a column): an `Int` goes out as `int8`,
//! `int4` or `int2` (refused with [`BindError::OutOfRange`] if it does not
//! fit), a `Float` as `float8` or `float4` (if exact), a `Timestamp` as
//! `timestamptz` or `timestamp` (microseconds: a timestamp with finer
//! nanoseconds is refused rather than rounded, because a rounded cursor
//! value would skip or repeat rows), text as any text type, bytes as
//! `bytea`, and `NULL` as a `NULL` of whatever type is declared. A value
//! that fits no declared type fails with a [`BindError`] inside the
//! driver's error. Keys are read back from `int2`/`int4`/`int8`,
//! `float4`/`float8`, `bool`, text types, `bytea` and timestamps.
//!
//! # Example
//!
//! Runs where `ROUTEKIT_POSTGRES_URL` names a server:
//!
//! ```
//! use routekit::adapter::postgres::{execute, fetch_page, write};
//! use routekit::keyset::{CursorSecret, KeyType, Keyset, Position, SortKey};
//! use routekit::optimistic::{OptimisticError, OptimisticUpdate, WriteError};
//! use routekit::sql::{Postgres, Value};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let Ok(url) = std::env::var("ROUTEKIT_POSTGRES_URL") else { return Ok(()) };
//! let mut db = postgres::Client::connect(&url, postgres::NoTls)?;
//! // INTEGER, not BIGINT: bound as int4 from Value::Int.
//! db.batch_execute("CREATE TEMP TABLE adapter_doc (id INTEGER PRIMARY KEY, body TEXT NOT NULL, version INTEGER NOT NULL)")?;
//! let docs = OptimisticUpdate::new(&Postgres, "adapter_doc")?;
//! let create = docs.insert(["body"])?;
//! for id in 1..=3 {
//!     execute(&mut db, &create.bind(Value::Int(id), [Value::Text(format!("doc {id}"))])?)?;
//! }
//!
//! let keys = [SortKey::asc("id", KeyType::Int).unique()];
//! let pages = Keyset::builder(&Postgres, "adapter_doc", CursorSecret::new([3; 16]), keys)
//!     .columns(["id", "body"])
//!     .limit(2)
//!     .build()?;
//! let first = fetch_page(&mut db, &pages.query(Position::First)?, |row| row.try_get::<_, String>(1))?;
//! assert_eq!(first.rows(), ["doc 1", "doc 2"]);
//!
//! let set_body = docs.update(["body"])?;
//! assert_eq!(write(&mut db, &set_body.bind(Value::Int(1), 0, [Value::Text("new".into())])?)?, 1);
//! let stale = write(&mut db, &set_body.bind(Value::Int(1), 0, [Value::Text("old".into())])?);
//! assert!(matches!(stale, Err(WriteError::Version(OptimisticError::Conflict { expected: 0, current: 1, .. }))));
//! # Ok(())
//! # }
//! ```

use std::error::Error as StdError;

use ::postgres::Row;
use bytes::{BufMut, BytesMut};
use postgres_types::{FromSql, IsNull, ToSql, Type, to_sql_checked};
use thiserror::Error;

use super::FetchError;
use crate::keyset::{KeyType, Keyset, Page, PageQuery};
use crate::optimistic::{GuardedWrite, WriteError};
use crate::sql::{Statement, Timestamp, Value};

/// Seconds from the Unix epoch to PostgreSQL's, 2000-01-01T00:00:00Z.
const PG_EPOCH: i64 = 946_684_800;

/// One [`Value`] as a PostgreSQL parameter, bound as the type the server
/// declared for it.
///
/// # Example
///
/// ```
/// use postgres_types::{IsNull, ToSql, Type};
/// use routekit::adapter::postgres::Param;
/// use routekit::sql::Value;
///
/// let mut out = bytes::BytesMut::new();
/// // An Int into an INTEGER parameter goes out as four bytes.
/// Param(&Value::Int(7)).to_sql_checked(&Type::INT4, &mut out)?;
/// assert_eq!(&out[..], [0, 0, 0, 7]);
/// // One that does not fit is refused, not truncated.
/// assert!(Param(&Value::Int(1 << 40)).to_sql_checked(&Type::INT4, &mut out).is_err());
/// // NULL fits every type.
/// assert!(matches!(Param(&Value::Null).to_sql_checked(&Type::TIMESTAMPTZ, &mut out)?, IsNull::Yes));
/// # Ok::<(), Box<dyn std::error::Error + Sync + Send>>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Param<'v>(pub &'v Value);

/// A value that cannot be bound as the type PostgreSQL declared for its
/// parameter. Carried inside the driver's error ("error serializing
/// parameter N"); reach it with `std::error::Error::source`.
///
/// # Example
///
/// ```
/// use postgres_types::{ToSql, Type};
/// use routekit::adapter::postgres::{BindError, Param};
/// use routekit::sql::Value;
///
/// let mut out = bytes::BytesMut::new();
/// let Err(err) = Param(&Value::Int(70_000)).to_sql_checked(&Type::INT2, &mut out) else {
///     panic!("70,000 does not fit an int2");
/// };
/// let err = err.downcast::<BindError>().unwrap();
/// assert!(matches!(*err, BindError::OutOfRange { value: 70_000, .. }));
/// assert_eq!(err.to_string(), "70000 does not fit a parameter of type int2: use a wider column type or a smaller value");
/// ```
#[derive(Clone, Debug, PartialEq, Error)]
#[non_exhaustive]
pub enum BindError {
    /// The value's kind has no encoding as the declared type.
    #[error(
        "{value} cannot be bound as a parameter of type {column_type}: bind a value of the \
         column's type, or cast the parameter in SQL"
    )]
    #[non_exhaustive]
    Unsupported {
        /// The kind of value: `"an int"`, `"text"`, …
        value: &'static str,
        /// The type the server declared.
        column_type: Type,
    },
    /// An integer outside the declared integer type.
    #[error(
        "{value} does not fit a parameter of type {column_type}: use a wider column type or a \
         smaller value"
    )]
    #[non_exhaustive]
    OutOfRange {
        /// The integer.
        value: i64,
        /// The declared type.
        column_type: Type,
    },
    /// A float that a `float4` cannot hold exactly.
    #[error("{value} is not exactly a float4: use a float8 column")]
    #[non_exhaustive]
    InexactFloat {
        /// The float.
        value: f64,
    },
    /// A timestamp finer than PostgreSQL's microseconds, or outside its
    /// range.
    #[error(
        "timestamp {seconds}s + {nanos}ns cannot be stored exactly: PostgreSQL keeps whole \
         microseconds within about 294,000 years of 2000"
    )]
    #[non_exhaustive]
    InexactTimestamp {
        /// Seconds since the Unix epoch.
        seconds: i64,
        /// Nanoseconds after them.
        nanos: u32,
    },
}

type BoxError = Box<dyn StdError + Sync + Send>;

impl ToSql for Param<'_> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        let unsupported = |value: &'static str| {
            Box::new(BindError::Unsupported { value, column_type: ty.clone() })
        };
        match self.0 {
            Value::Null => Ok(IsNull::Yes),
            Value::Bool(b) if <bool as ToSql>::accepts(ty) => b.to_sql(ty, out),
            Value::Bool(_) => Err(unsupported("a bool")),
            Value::Int(i) => {
                let range = || BindError::OutOfRange { value: *i, column_type: ty.clone() };
                if <i64 as ToSql>::accepts(ty) {
                    i.to_sql(ty, out)
                } else if <i32 as ToSql>::accepts(ty) {
                    i32::try_from(*i).map_err(|_| range())?.to_sql(ty, out)
                } else if <i16 as ToSql>::accepts(ty) {
                    i16::try_from(*i).map_err(|_| range())?.to_sql(ty, out)
                } else {
                    Err(unsupported("an int"))
                }
            }
            Value::Float(f) => {
                if <f64 as ToSql>::accepts(ty) {
                    f.to_sql(ty, out)
                } else if <f32 as ToSql>::accepts(ty) {
                    let narrow = *f as f32;
                    if f64::from(narrow) == *f || f.is_nan() {
                        narrow.to_sql(ty, out)
                    } else {
                        Err(BindError::InexactFloat { value: *f }.into())
                    }
                } else {
                    Err(unsupported("a float"))
                }
            }
            Value::Text(text) if <&str as ToSql>::accepts(ty) => text.as_str().to_sql(ty, out),
            Value::Text(_) => Err(unsupported("text")),
            Value::Bytes(bytes) if <&[u8] as ToSql>::accepts(ty) => {
                bytes.as_slice().to_sql(ty, out)
            }
            Value::Bytes(_) => Err(unsupported("bytes")),
            Value::Timestamp(t) if *ty == Type::TIMESTAMPTZ || *ty == Type::TIMESTAMP => {
                // Returned as the error itself, so that `?` boxes a
                // `BindError` (not a box of one) for callers to downcast.
                let inexact =
                    || BindError::InexactTimestamp { seconds: t.seconds(), nanos: t.nanos() };
                if t.nanos() % 1000 != 0 {
                    return Err(inexact().into());
                }
                let micros = t
                    .seconds()
                    .checked_sub(PG_EPOCH)
                    .and_then(|s| s.checked_mul(1_000_000))
                    .and_then(|m| m.checked_add(i64::from(t.nanos() / 1000)))
                    // PostgreSQL's infinities.
                    .filter(|m| *m != i64::MAX && *m != i64::MIN)
                    .ok_or_else(inexact)?;
                out.put_i64(micros);
                Ok(IsNull::No)
            }
            Value::Timestamp(_) => Err(unsupported("a timestamp")),
        }
    }

    fn accepts(_: &Type) -> bool {
        // Every type: `to_sql` checks the value against the declared type
        // and says what does not fit.
        true
    }

    to_sql_checked!();
}

/// A cell decoded into a [`Value`] by its PostgreSQL type.
struct Cell(Value);

impl<'a> FromSql<'a> for Cell {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Cell, BoxError> {
        let value = if <i64 as FromSql>::accepts(ty) {
            Value::Int(i64::from_sql(ty, raw)?)
        } else if <i32 as FromSql>::accepts(ty) {
            Value::Int(i32::from_sql(ty, raw)?.into())
        } else if <i16 as FromSql>::accepts(ty) {
            Value::Int(i16::from_sql(ty, raw)?.into())
        } else if <f64 as FromSql>::accepts(ty) {
            Value::Float(f64::from_sql(ty, raw)?)
        } else if <f32 as FromSql>::accepts(ty) {
            Value::Float(f32::from_sql(ty, raw)?.into())
        } else if <bool as FromSql>::accepts(ty) {
            Value::Bool(bool::from_sql(ty, raw)?)
        } else if <&str as FromSql>::accepts(ty) {
            Value::Text(<&str>::from_sql(ty, raw)?.to_owned())
        } else if <&[u8] as FromSql>::accepts(ty) {
            Value::Bytes(raw.to_vec())
        } else if *ty == Type::TIMESTAMPTZ || *ty == Type::TIMESTAMP {
            let micros = i64::from_be_bytes(raw.try_into()?);
            if micros == i64::MAX || micros == i64::MIN {
                return Err("an infinite timestamp has no place in a keyset order".into());
            }
            let seconds = PG_EPOCH + micros.div_euclid(1_000_000);
            let nanos = (micros.rem_euclid(1_000_000) * 1000) as u32;
            Value::Timestamp(Timestamp::new(seconds, nanos)?)
        } else {
            return Err(format!("routekit reads no values of type {ty}").into());
        };
        Ok(Cell(value))
    }

    fn from_sql_null(_: &Type) -> Result<Cell, BoxError> {
        Ok(Cell(Value::Null))
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

/// A version column: `int2`, `int4` or `int8`, never `NULL`.
struct Version(i64);

impl<'a> FromSql<'a> for Version {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Version, BoxError> {
        match Cell::from_sql(ty, raw)?.0 {
            Value::Int(v) => Ok(Version(v)),
            _ => Err(format!("a version column must be an integer, not {ty}").into()),
        }
    }

    fn accepts(ty: &Type) -> bool {
        <i64 as FromSql>::accepts(ty)
            || <i32 as FromSql>::accepts(ty)
            || <i16 as FromSql>::accepts(ty)
    }
}

/// `values` as the parameter list the drivers take.
///
/// ```
/// use routekit::adapter::postgres::params;
/// use routekit::sql::Value;
///
/// let values = [Value::Int(1), Value::Text("a".into())];
/// assert_eq!(params(&values).len(), 2);
/// ```
pub fn params(values: &[Value]) -> Vec<Param<'_>> {
    values.iter().map(Param).collect()
}

/// References to `params`, as `query` and `execute` want them.
fn refs<'p>(params: &'p [Param<'_>]) -> Vec<&'p (dyn ToSql + Sync)> {
    params.iter().map(|p| p as &(dyn ToSql + Sync)).collect()
}

/// The sort-key values of `row` (a row of `keyset`'s page query), in key
/// order: what a cursor to this row holds. O(keys); copies text and bytes.
///
/// # Errors
///
/// [`FetchError::KeyColumn`] when a key column holds another type (or `NULL`
/// in a key not declared nullable); [`FetchError::Database`] when the row
/// has fewer columns or a column of a type routekit does not read.
///
/// ```
/// use routekit::adapter::postgres::key_values;
/// use routekit::keyset::{CursorSecret, KeyType, Keyset, SortKey};
/// use routekit::sql::{Nulls, Postgres, Value};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let Ok(url) = std::env::var("ROUTEKIT_POSTGRES_URL") else { return Ok(()) };
/// let mut db = postgres::Client::connect(&url, postgres::NoTls)?;
/// let keys = [SortKey::desc("score", KeyType::Float).nullable(Nulls::Last), SortKey::asc("id", KeyType::Int).unique()];
/// let keyset = Keyset::new(&Postgres, "t", CursorSecret::new([1; 16]), keys)?;
/// let row = db.query_one("SELECT NULL::float8, 7::int4", &[])?;
/// assert_eq!(key_values(&keyset, &row)?, [Value::Null, Value::Int(7)]);
/// # Ok(())
/// # }
/// ```
pub fn key_values(keyset: &Keyset, row: &Row) -> Result<Vec<Value>, FetchError<::postgres::Error>> {
    keyset
        .key_reads()
        .map(|read| {
            let Cell(value) = row.try_get::<_, Cell>(read.column).map_err(FetchError::Database)?;
            let fits = match KeyType::of(&value) {
                None => read.nullable,
                Some(found) => found == read.key_type,
            };
            if fits {
                Ok(value)
            } else {
                Err(FetchError::KeyColumn {
                    column: read.name.to_owned(),
                    position: read.column,
                    expected: read.key_type,
                    found: KeyType::of(&value).map_or("null", kind_name),
                })
            }
        })
        .collect()
}

/// Runs `query`, maps each row with `map_row`, and returns the page with
/// its cursors (the keys are read from the page's first and last rows
/// only).
///
/// Cost: one round trip to prepare (the server declares the parameter
/// types) and one to run, `map_row` per row returned (at most
/// `limit + 1`).
///
/// # Errors
///
/// [`FetchError::Database`] with the driver's error (a value that fits no
/// declared type among them, with a [`BindError`] as its source; also
/// what `map_row` returns); [`FetchError::KeyColumn`] for a key column
/// that does not hold its declared type.
///
/// ```
/// use routekit::adapter::postgres::fetch_page;
/// use routekit::keyset::{CursorSecret, KeyType, Keyset, Position, SortKey};
/// use routekit::sql::Postgres;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let Ok(url) = std::env::var("ROUTEKIT_POSTGRES_URL") else { return Ok(()) };
/// let mut db = postgres::Client::connect(&url, postgres::NoTls)?;
/// db.batch_execute("CREATE TEMP TABLE fetch_doc (id INT4 PRIMARY KEY); INSERT INTO fetch_doc VALUES (1), (2), (3)")?;
/// let keys = [SortKey::desc("id", KeyType::Int).unique()];
/// let t = Keyset::builder(&Postgres, "fetch_doc", CursorSecret::new([1; 16]), keys).limit(2).build()?;
/// let last = fetch_page(&mut db, &t.query(Position::Last)?, |row| row.try_get::<_, i32>(0))?;
/// assert_eq!(last.rows(), [2, 1]);
/// # Ok(())
/// # }
/// ```
pub fn fetch_page<C: ::postgres::GenericClient, R>(
    client: &mut C,
    query: &PageQuery<'_>,
    map_row: impl FnMut(&Row) -> Result<R, ::postgres::Error>,
) -> Result<Page<R>, FetchError<::postgres::Error>> {
    let statement = query.statement();
    let values = params(&statement.params);
    let rows =
        client.query(statement.sql.as_str(), &refs(&values)).map_err(FetchError::Database)?;
    page_of(query, rows, map_row)
}

/// [`fetch_page`] on a `tokio_postgres` client or transaction.
///
/// # Errors
///
/// Those of [`fetch_page`].
///
/// ```
/// use routekit::adapter::postgres::fetch_page_async;
/// use routekit::keyset::{CursorSecret, KeyType, Keyset, Position, SortKey};
/// use routekit::sql::Postgres;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let Ok(url) = std::env::var("ROUTEKIT_POSTGRES_URL") else { return Ok(()) };
/// let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
/// runtime.block_on(async {
///     let (db, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await?;
///     tokio::spawn(connection);
///     let keys = [SortKey::asc("n", KeyType::Int).unique()];
///     let t = Keyset::builder(&Postgres, routekit::keyset::Source::from_clause("generate_series(1, 5) AS g (n)"), CursorSecret::new([1; 16]), keys)
///         .limit(2)
///         .build()?;
///     let page = fetch_page_async(&db, &t.query(Position::First)?, |row| row.try_get::<_, i32>(0)).await?;
///     assert_eq!(page.rows(), [1, 2]);
///     Ok(())
/// })
/// # }
/// ```
pub async fn fetch_page_async<C: tokio_postgres::GenericClient, R>(
    client: &C,
    query: &PageQuery<'_>,
    map_row: impl FnMut(&Row) -> Result<R, ::postgres::Error>,
) -> Result<Page<R>, FetchError<::postgres::Error>> {
    let statement = query.statement();
    let values = params(&statement.params);
    let rows =
        client.query(statement.sql.as_str(), &refs(&values)).await.map_err(FetchError::Database)?;
    page_of(query, rows, map_row)
}

/// Runs a version-checked write: as a query counting the rows of its
/// `RETURNING`, and when it changed nothing, the follow-up version read
/// (`FOR UPDATE`), so the outcome is the new version, a conflict with the
/// current version, or not-found.
///
/// # Errors
///
/// [`WriteError::Version`] with a conflict or not-found and the other
/// outcomes of [`GuardedWrite::check`]; [`WriteError::Database`] with the
/// driver's error (at REPEATABLE READ or SERIALIZABLE, a row changed since
/// the transaction's snapshot fails with a serialization error: roll back
/// and retry the transaction).
///
/// ```
/// use routekit::adapter::postgres::write;
/// use routekit::optimistic::{OptimisticError, OptimisticUpdate, WriteError};
/// use routekit::sql::{Postgres, Value};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let Ok(url) = std::env::var("ROUTEKIT_POSTGRES_URL") else { return Ok(()) };
/// let mut db = postgres::Client::connect(&url, postgres::NoTls)?;
/// db.batch_execute("CREATE TEMP TABLE write_doc (id INT4 PRIMARY KEY, version INT8 NOT NULL); INSERT INTO write_doc VALUES (1, 4)")?;
/// let t = OptimisticUpdate::new(&Postgres, "write_doc")?;
/// assert_eq!(write(&mut db, &t.update([])?.bind(Value::Int(1), 4, [])?)?, 5);
/// let gone = write(&mut db, &t.delete(Value::Int(2), 0)?);
/// assert!(matches!(gone, Err(WriteError::Version(OptimisticError::NotFound))));
/// # Ok(())
/// # }
/// ```
pub fn write<C: ::postgres::GenericClient>(
    client: &mut C,
    write: &GuardedWrite<'_>,
) -> Result<u64, WriteError<::postgres::Error>> {
    let statement = write.statement();
    let values = params(&statement.params);
    let changed = if write.returns_version() {
        client.query(statement.sql.as_str(), &refs(&values)).map(|rows| rows.len() as u64)
    } else {
        client.execute(statement.sql.as_str(), &refs(&values))
    }
    .map_err(WriteError::Database)?;
    if changed == 1 {
        return write.check(1, |_| Ok(None));
    }
    let read = write.version_read();
    let values = params(&read.params);
    let current =
        client.query_opt(read.sql.as_str(), &refs(&values)).map_err(WriteError::Database)?;
    let current = current
        .map(|row| row.try_get::<_, Version>(0))
        .transpose()
        .map_err(WriteError::Database)?;
    write.check(changed, |_| Ok(current.map(|v| v.0)))
}

/// [`write()`] on a `tokio_postgres` client or transaction.
///
/// # Errors
///
/// Those of [`write()`].
///
/// ```
/// use routekit::adapter::postgres::write_async;
/// use routekit::optimistic::{OptimisticError, OptimisticUpdate, WriteError};
/// use routekit::sql::{Postgres, Value};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let Ok(url) = std::env::var("ROUTEKIT_POSTGRES_URL") else { return Ok(()) };
/// let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
/// runtime.block_on(async {
///     let (db, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await?;
///     tokio::spawn(connection);
///     db.batch_execute("CREATE TEMP TABLE write_async_doc (id INT4 PRIMARY KEY, version INT4 NOT NULL); INSERT INTO write_async_doc VALUES (1, 0)").await?;
///     let t = OptimisticUpdate::new(&Postgres, "write_async_doc")?;
///     let stale = write_async(&db, &t.update([])?.bind(Value::Int(1), 3, [])?).await;
///     assert!(matches!(stale, Err(WriteError::Version(OptimisticError::Conflict { expected: 3, current: 0, .. }))));
///     Ok(())
/// })
/// # }
/// ```
pub async fn write_async<C: tokio_postgres::GenericClient>(
    client: &C,
    write: &GuardedWrite<'_>,
) -> Result<u64, WriteError<::postgres::Error>> {
    let statement = write.statement();
    let changed = {
        let values = params(&statement.params);
        if write.returns_version() {
            client.query(statement.sql.as_str(), &refs(&values)).await.map(|rows| rows.len() as u64)
        } else {
            client.execute(statement.sql.as_str(), &refs(&values)).await
        }
        .map_err(WriteError::Database)?
    };
    if changed == 1 {
        return write.check(1, |_| Ok(None));
    }
    let read = write.version_read();
    let current = {
        let values = params(&read.params);
        client.query_opt(read.sql.as_str(), &refs(&values)).await.map_err(WriteError::Database)?
    };
    let current = current
        .map(|row| row.try_get::<_, Version>(0))
        .transpose()
        .map_err(WriteError::Database)?;
    write.check(changed, |_| Ok(current.map(|v| v.0)))
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
/// use routekit::adapter::postgres::execute;
/// use routekit::optimistic::OptimisticUpdate;
/// use routekit::sql::{Postgres, Value};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let Ok(url) = std::env::var("ROUTEKIT_POSTGRES_URL") else { return Ok(()) };
/// let mut db = postgres::Client::connect(&url, postgres::NoTls)?;
/// db.batch_execute("CREATE TEMP TABLE execute_doc (id INT2 PRIMARY KEY, version INT8 NOT NULL)")?;
/// let insert = OptimisticUpdate::new(&Postgres, "execute_doc")?.insert([])?.bind(Value::Int(1), [])?;
/// assert_eq!(execute(&mut db, &insert)?, 1);
/// assert!(execute(&mut db, &insert).is_err());
/// # Ok(())
/// # }
/// ```
pub fn execute<C: ::postgres::GenericClient>(
    client: &mut C,
    statement: &Statement,
) -> Result<u64, ::postgres::Error> {
    let values = params(&statement.params);
    client.execute(statement.sql.as_str(), &refs(&values))
}

/// [`execute`] on a `tokio_postgres` client or transaction.
///
/// # Errors
///
/// The driver's error.
///
/// ```
/// use routekit::adapter::postgres::execute_async;
/// use routekit::sql::{Postgres, SqlWriter, Value};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let Ok(url) = std::env::var("ROUTEKIT_POSTGRES_URL") else { return Ok(()) };
/// let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
/// runtime.block_on(async {
///     let (db, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await?;
///     tokio::spawn(connection);
///     let mut sql = SqlWriter::new(&Postgres);
///     sql.push("SELECT ");
///     sql.bind(Value::Int(1));
///     sql.push("::int4");
///     assert_eq!(execute_async(&db, &sql.finish()).await?, 1);
///     Ok(())
/// })
/// # }
/// ```
pub async fn execute_async<C: tokio_postgres::GenericClient>(
    client: &C,
    statement: &Statement,
) -> Result<u64, ::postgres::Error> {
    let values = params(&statement.params);
    client.execute(statement.sql.as_str(), &refs(&values)).await
}

/// Runs an [`OptimisticUpdate::lock_rows`](crate::optimistic::OptimisticUpdate::lock_rows)
/// statement inside a transaction: the rows are locked for update in key
/// order until it ends. Returns how many of the keys exist.
///
/// # Errors
///
/// The driver's error.
///
/// ```
/// use routekit::adapter::postgres::lock_rows;
/// use routekit::optimistic::OptimisticUpdate;
/// use routekit::sql::{Postgres, Value};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let Ok(url) = std::env::var("ROUTEKIT_POSTGRES_URL") else { return Ok(()) };
/// let mut db = postgres::Client::connect(&url, postgres::NoTls)?;
/// db.batch_execute("CREATE TEMP TABLE lock_doc (id INT4 PRIMARY KEY, version INT8 NOT NULL); INSERT INTO lock_doc VALUES (1, 0), (2, 0)")?;
/// let mut tx = db.transaction()?;
/// let lock = OptimisticUpdate::new(&Postgres, "lock_doc")?.lock_rows([Value::Int(2), Value::Int(1), Value::Int(3)])?;
/// assert_eq!(lock_rows(&mut tx, &lock)?, 2);
/// tx.commit()?;
/// # Ok(())
/// # }
/// ```
pub fn lock_rows<C: ::postgres::GenericClient>(
    client: &mut C,
    statement: &Statement,
) -> Result<u64, ::postgres::Error> {
    let values = params(&statement.params);
    client.query(statement.sql.as_str(), &refs(&values)).map(|rows| rows.len() as u64)
}

/// [`lock_rows`] on a `tokio_postgres` client or transaction.
///
/// # Errors
///
/// The driver's error.
///
/// ```
/// use routekit::adapter::postgres::lock_rows_async;
/// use routekit::optimistic::OptimisticUpdate;
/// use routekit::sql::{Postgres, Value};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let Ok(url) = std::env::var("ROUTEKIT_POSTGRES_URL") else { return Ok(()) };
/// let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
/// runtime.block_on(async {
///     let (mut db, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await?;
///     tokio::spawn(connection);
///     db.batch_execute("CREATE TEMP TABLE lock_async_doc (id INT8 PRIMARY KEY, version INT8 NOT NULL); INSERT INTO lock_async_doc VALUES (5, 0)").await?;
///     let tx = db.transaction().await?;
///     let lock = OptimisticUpdate::new(&Postgres, "lock_async_doc")?.lock_rows([Value::Int(5)])?;
///     assert_eq!(lock_rows_async(&tx, &lock).await?, 1);
///     tx.commit().await?;
///     Ok(())
/// })
/// # }
/// ```
pub async fn lock_rows_async<C: tokio_postgres::GenericClient>(
    client: &C,
    statement: &Statement,
) -> Result<u64, ::postgres::Error> {
    let values = params(&statement.params);
    client.query(statement.sql.as_str(), &refs(&values)).await.map(|rows| rows.len() as u64)
}

/// The page of `rows`: keys from the first and last rows kept, every row
/// mapped.
fn page_of<R>(
    query: &PageQuery<'_>,
    rows: Vec<Row>,
    mut map_row: impl FnMut(&Row) -> Result<R, ::postgres::Error>,
) -> Result<Page<R>, FetchError<::postgres::Error>> {
    let keyset = query.keyset();
    let kept = rows.len().min(keyset.limit() as usize);
    let ends = match kept.checked_sub(1) {
        None => None,
        Some(last) => Some((key_values(keyset, &rows[0])?, key_values(keyset, &rows[last])?)),
    };
    // The extra row too: `page_by_fetch_index` learns from it that a page
    // follows.
    let mapped = rows.iter().map(&mut map_row).collect::<Result<Vec<R>, _>>();
    let mapped = mapped.map_err(FetchError::Database)?;
    let page = query.page_by_fetch_index(mapped, |_, at| match &ends {
        Some((first, _)) if at == 0 => first.clone(),
        Some((_, last)) => last.clone(),
        None => Vec::new(),
    })?;
    Ok(page)
}

/// The name of a key type for messages.
fn kind_name(kind: KeyType) -> &'static str {
    match kind {
        KeyType::Bool => "a bool",
        KeyType::Int => "an int",
        KeyType::Float => "a float",
        KeyType::Text => "text",
        KeyType::Bytes => "bytes",
        KeyType::Timestamp => "a timestamp",
    }
}
