//! The MySQL and MariaDB adapter (feature `mysql`): bind values, read cursor
//! keys, fetch a keyset page and run a version-checked write on the sync
//! [`mysql`] client — any [`Queryable`] (a `Conn`, a `PooledConn`
//! or a `Transaction`). Statements go through the binary protocol, prepared
//! through the connection's statement cache.
//!
//! Values go out as the protocol's own types and the server converts them
//! to the column's: `Bool` as 0 or 1 (MySQL's `BOOLEAN` is `TINYINT(1)`),
//! `Int` as a signed integer, `Float` as a double, `Text` and `Bytes` as
//! strings, and `Timestamp` as a UTC date-time with microseconds (store it in
//! `DATETIME(6)`; a `TIMESTAMP` column would convert through the session's
//! time zone). A timestamp finer than a microsecond, or outside the years
//! 1–9999, is refused ([`BindError`]) rather than rounded, since a rounded
//! cursor value would skip or repeat rows.
//!
//! MySQL and MariaDB have no `RETURNING` on `UPDATE` (MariaDB has it on
//! `DELETE` only), so a write's outcome is its affected-row count; the
//! follow-up version read is `FOR UPDATE`, a locking read that sees the
//! latest committed row where a plain `SELECT` in a REPEATABLE READ
//! transaction would see the snapshot.
//!
//! # Example
//!
//! Runs where `ROUTEKIT_MARIADB_URL` names a server:
//!
//! ```
//! use routekit::adapter::mysql::{execute, fetch_page, write};
//! use routekit::keyset::{CursorSecret, KeyType, Keyset, Position, SortKey};
//! use routekit::optimistic::{OptimisticError, OptimisticUpdate, WriteError};
//! use routekit::sql::{MySql, Value};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let Ok(url) = std::env::var("ROUTEKIT_MARIADB_URL") else { return Ok(()) };
//! let mut db = mysql::Conn::new(mysql::Opts::from_url(&url)?)?;
//! use mysql::prelude::Queryable;
//! db.query_drop("CREATE TEMPORARY TABLE adapter_doc (id INT PRIMARY KEY, body TEXT NOT NULL, version BIGINT NOT NULL)")?;
//! let docs = OptimisticUpdate::new(&MySql, "adapter_doc")?;
//! let create = docs.insert(["body"])?;
//! for id in 1..=3 {
//!     execute(&mut db, &create.bind(Value::Int(id), [Value::Text(format!("doc {id}"))])?)?;
//! }
//! let keys = [SortKey::asc("id", KeyType::Int).unique()];
//! let pages = Keyset::builder(&MySql, "adapter_doc", CursorSecret::new([3; 16]), keys)
//!     .columns(["id", "body"])
//!     .limit(2)
//!     .build()?;
//! let first = fetch_page(&mut db, &pages.query(Position::First)?, |row| Ok(row.get::<String, _>(1)))?;
//! assert_eq!(first.rows(), [Some("doc 1".to_owned()), Some("doc 2".to_owned())]);
//!
//! let set_body = docs.update(["body"])?;
//! assert_eq!(write(&mut db, &set_body.bind(Value::Int(1), 0, [Value::Text("new".into())])?)?, 1);
//! let stale = write(&mut db, &set_body.bind(Value::Int(1), 0, [Value::Text("old".into())])?);
//! assert!(matches!(stale, Err(WriteError::Version(OptimisticError::Conflict { expected: 0, current: 1, .. }))));
//! # Ok(())
//! # }
//! ```

use ::mysql::prelude::Queryable;
use ::mysql::{Params, Row, Value as MyValue};
use thiserror::Error;

use super::FetchError;
use crate::keyset::{KeyType, Keyset, Page, PageQuery};
use crate::optimistic::{GuardedWrite, WriteError};
use crate::sql::{Statement, Timestamp, Value};

/// A failure of the MySQL adapter: the driver's, or a value it could not
/// bind.
///
/// # Example
///
/// ```
/// use routekit::adapter::mysql::{BindError, Error, params};
/// use routekit::sql::{Timestamp, Value};
///
/// let fine = Value::Timestamp(Timestamp::new(1, 500_000_001)?);
/// let err = params(&[fine]).unwrap_err();
/// assert!(matches!(err, Error::Bind(BindError::InexactTimestamp { .. })));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// The driver failed.
    #[error(transparent)]
    Driver(::mysql::Error),
    /// A value could not be bound.
    #[error(transparent)]
    Bind(BindError),
}

/// A value the MySQL protocol cannot carry exactly.
///
/// # Example
///
/// ```
/// use routekit::adapter::mysql::BindError;
/// let err = BindError::InexactTimestamp { seconds: 1, nanos: 1 };
/// assert!(err.to_string().contains("microseconds"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum BindError {
    /// A timestamp finer than a microsecond, or outside the years 1–9999.
    #[error(
        "timestamp {seconds}s + {nanos}ns cannot be stored exactly: MySQL and MariaDB keep whole \
         microseconds in the years 1 to 9999"
    )]
    InexactTimestamp {
        /// Seconds since the Unix epoch.
        seconds: i64,
        /// Nanoseconds after them.
        nanos: u32,
    },
}

/// `values` as the driver's positional parameters.
///
/// # Errors
///
/// [`Error::Bind`] for a timestamp the protocol cannot carry exactly.
///
/// ```
/// use routekit::adapter::mysql::params;
/// use routekit::sql::Value;
///
/// let bound = params(&[Value::Bool(true), Value::Null])?;
/// assert_eq!(bound, mysql::Params::Positional(vec![mysql::Value::Int(1), mysql::Value::NULL]));
/// # Ok::<(), routekit::adapter::mysql::Error>(())
/// ```
pub fn params(values: &[Value]) -> Result<Params, Error> {
    if values.is_empty() {
        return Ok(Params::Empty);
    }
    values.iter().map(param).collect::<Result<Vec<_>, _>>().map(Params::Positional)
}

/// One value as the driver's parameter.
fn param(value: &Value) -> Result<MyValue, Error> {
    Ok(match value {
        Value::Null => MyValue::NULL,
        Value::Bool(b) => MyValue::Int(i64::from(*b)),
        Value::Int(i) => MyValue::Int(*i),
        Value::Float(f) => MyValue::Double(*f),
        Value::Text(text) => MyValue::Bytes(text.as_bytes().to_vec()),
        Value::Bytes(bytes) => MyValue::Bytes(bytes.clone()),
        Value::Timestamp(t) => date_time(t).ok_or(Error::Bind(BindError::InexactTimestamp {
            seconds: t.seconds(),
            nanos: t.nanos(),
        }))?,
    })
}

/// The sort-key values of `row` (a row of `keyset`'s page query), in key
/// order: what a cursor to this row holds. O(keys); copies text and bytes.
///
/// # Errors
///
/// [`FetchError::KeyColumn`] when a key column holds another type, `NULL` in
/// a key not declared nullable, or is missing.
///
/// ```
/// use routekit::adapter::mysql::key_values;
/// use routekit::keyset::{CursorSecret, KeyType, Keyset, SortKey};
/// use routekit::sql::{MySql, Nulls, Value};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let Ok(url) = std::env::var("ROUTEKIT_MARIADB_URL") else { return Ok(()) };
/// use mysql::prelude::Queryable;
/// let mut db = mysql::Conn::new(mysql::Opts::from_url(&url)?)?;
/// let keys = [SortKey::desc("flag", KeyType::Bool).nullable(Nulls::Last), SortKey::asc("id", KeyType::Int).unique()];
/// let keyset = Keyset::new(&MySql, "t", CursorSecret::new([1; 16]), keys)?;
/// let row: mysql::Row = db.exec_first("SELECT CAST(? AS SIGNED), 7", (1,))?.unwrap();
/// assert_eq!(key_values(&keyset, &row)?, [Value::Bool(true), Value::Int(7)]);
/// # Ok(())
/// # }
/// ```
pub fn key_values(keyset: &Keyset, row: &Row) -> Result<Vec<Value>, FetchError<Error>> {
    keyset
        .key_reads()
        .map(|read| {
            let mismatch = |found| FetchError::KeyColumn {
                column: read.name.to_owned(),
                position: read.column,
                expected: read.key_type,
                found,
            };
            let Some(cell) = row.as_ref(read.column) else {
                return Err(mismatch("no such column"));
            };
            Ok(match (read.key_type, cell) {
                (_, MyValue::NULL) if read.nullable => Value::Null,
                (KeyType::Int, MyValue::Int(i)) => Value::Int(*i),
                (KeyType::Int, MyValue::UInt(u)) => match i64::try_from(*u) {
                    Ok(i) => Value::Int(i),
                    Err(_) => return Err(mismatch("an unsigned integer above i64::MAX")),
                },
                (KeyType::Bool, MyValue::Int(i @ (0 | 1))) => Value::Bool(*i == 1),
                (KeyType::Bool, MyValue::UInt(u @ (0 | 1))) => Value::Bool(*u == 1),
                (KeyType::Float, MyValue::Double(f)) => Value::Float(*f),
                (KeyType::Float, MyValue::Float(f)) => Value::Float(f64::from(*f)),
                (KeyType::Text, MyValue::Bytes(bytes)) => match std::str::from_utf8(bytes) {
                    Ok(text) => Value::Text(text.to_owned()),
                    Err(_) => return Err(mismatch("text that is not UTF-8")),
                },
                (KeyType::Bytes, MyValue::Bytes(bytes)) => Value::Bytes(bytes.clone()),
                (KeyType::Timestamp, MyValue::Date(..)) => match timestamp(cell) {
                    Some(t) => Value::Timestamp(t),
                    None => return Err(mismatch("an invalid date")),
                },
                (_, cell) => return Err(mismatch(kind_of(cell))),
            })
        })
        .collect()
}

/// Runs `query`, maps each row with `map_row`, and returns the page with
/// its cursors (the keys are read from the page's first and last rows
/// only).
///
/// Cost: a cached prepare, the query, `map_row` per row returned (at most
/// `limit + 1`).
///
/// # Errors
///
/// [`FetchError::Database`] with the driver's error (or what `map_row`
/// returns); [`FetchError::KeyColumn`] for a key column that does not hold
/// its declared type.
///
/// ```
/// use routekit::adapter::mysql::fetch_page;
/// use routekit::keyset::{CursorSecret, KeyType, Keyset, Position, SortKey, Source};
/// use routekit::sql::MySql;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let Ok(url) = std::env::var("ROUTEKIT_MARIADB_URL") else { return Ok(()) };
/// let mut db = mysql::Conn::new(mysql::Opts::from_url(&url)?)?;
/// let numbers = Source::from_clause("(SELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT 3) AS g");
/// let keys = [SortKey::desc("n", KeyType::Int).unique()];
/// let t = Keyset::builder(&MySql, numbers, CursorSecret::new([1; 16]), keys).limit(2).build()?;
/// let last = fetch_page(&mut db, &t.query(Position::Last)?, |row| Ok(row.get::<i64, _>(0)))?;
/// assert_eq!(last.rows(), [Some(2), Some(1)]);
/// # Ok(())
/// # }
/// ```
pub fn fetch_page<Q: Queryable, R>(
    db: &mut Q,
    query: &PageQuery<'_>,
    mut map_row: impl FnMut(&Row) -> Result<R, Error>,
) -> Result<Page<R>, FetchError<Error>> {
    let statement = query.statement();
    let bound = params(&statement.params).map_err(FetchError::Database)?;
    let rows: Vec<Row> = db
        .exec(statement.sql.as_str(), bound)
        .map_err(|e| FetchError::Database(Error::Driver(e)))?;
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
    Ok(query.page_by_fetch_index(mapped, |_, at| match &ends {
        Some((first, _)) if at == 0 => first.clone(),
        Some((_, last)) => last.clone(),
        None => Vec::new(),
    })?)
}

/// Runs a version-checked write (its affected-row count tells whether it
/// took effect) and, when it changed nothing, the locking follow-up version
/// read, so the outcome is the new version, a conflict with the current
/// version, or not-found — at every isolation level.
///
/// # Errors
///
/// [`WriteError::Version`] with a conflict or not-found and the other
/// outcomes of [`GuardedWrite::check`]; [`WriteError::Database`] with the
/// driver's error (a deadlock among them: roll back and retry).
///
/// ```
/// use routekit::adapter::mysql::write;
/// use routekit::optimistic::{OptimisticError, OptimisticUpdate, WriteError};
/// use routekit::sql::{MySql, Value};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let Ok(url) = std::env::var("ROUTEKIT_MARIADB_URL") else { return Ok(()) };
/// use mysql::prelude::Queryable;
/// let mut db = mysql::Conn::new(mysql::Opts::from_url(&url)?)?;
/// db.query_drop("CREATE TEMPORARY TABLE write_doc (id INT PRIMARY KEY, version BIGINT NOT NULL)")?;
/// db.query_drop("INSERT INTO write_doc VALUES (1, 4)")?;
/// let t = OptimisticUpdate::new(&MySql, "write_doc")?;
/// assert_eq!(write(&mut db, &t.update([])?.bind(Value::Int(1), 4, [])?)?, 5);
/// let gone = write(&mut db, &t.delete(Value::Int(2), 0)?);
/// assert!(matches!(gone, Err(WriteError::Version(OptimisticError::NotFound))));
/// # Ok(())
/// # }
/// ```
pub fn write<Q: Queryable>(db: &mut Q, write: &GuardedWrite<'_>) -> Result<u64, WriteError<Error>> {
    let statement = write.statement();
    let bound = params(&statement.params).map_err(WriteError::Database)?;
    let changed = if write.returns_version() {
        let rows: Vec<Row> = db.exec(statement.sql.as_str(), bound).map_err(driver)?;
        rows.len() as u64
    } else {
        db.exec_iter(statement.sql.as_str(), bound).map_err(driver)?.affected_rows()
    };
    if changed == 1 {
        return write.check(1, |_| Ok(None));
    }
    write.check(changed, |read| {
        let bound = params(&read.params)?;
        let row: Option<Row> = db.exec_first(read.sql.as_str(), bound).map_err(Error::Driver)?;
        Ok(row.and_then(|row| match row.as_ref(0) {
            Some(MyValue::Int(v)) => Some(*v),
            Some(MyValue::UInt(v)) => Some(i64::try_from(*v).unwrap_or(i64::MAX)),
            _ => None,
        }))
    })
}

/// Runs a statement that returns no rows (an
/// [`insert`](crate::optimistic::PreparedInsert::bind)) and returns the rows
/// it changed.
///
/// # Errors
///
/// The driver's error (a duplicate key for an existing key), or a value it
/// could not bind.
///
/// ```
/// use routekit::adapter::mysql::execute;
/// use routekit::optimistic::OptimisticUpdate;
/// use routekit::sql::{MySql, Value};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let Ok(url) = std::env::var("ROUTEKIT_MARIADB_URL") else { return Ok(()) };
/// use mysql::prelude::Queryable;
/// let mut db = mysql::Conn::new(mysql::Opts::from_url(&url)?)?;
/// db.query_drop("CREATE TEMPORARY TABLE execute_doc (id INT PRIMARY KEY, version BIGINT NOT NULL)")?;
/// let insert = OptimisticUpdate::new(&MySql, "execute_doc")?.insert([])?.bind(Value::Int(1), [])?;
/// assert_eq!(execute(&mut db, &insert)?, 1);
/// assert!(execute(&mut db, &insert).is_err());
/// # Ok(())
/// # }
/// ```
pub fn execute<Q: Queryable>(db: &mut Q, statement: &Statement) -> Result<u64, Error> {
    let bound = params(&statement.params)?;
    Ok(db.exec_iter(statement.sql.as_str(), bound).map_err(Error::Driver)?.affected_rows())
}

/// Runs an [`OptimisticUpdate::lock_rows`](crate::optimistic::OptimisticUpdate::lock_rows)
/// statement inside a transaction: the rows are locked for update in key
/// order until it ends. Returns how many of the keys exist.
///
/// # Errors
///
/// The driver's error, or a value it could not bind.
///
/// ```
/// use routekit::adapter::mysql::lock_rows;
/// use routekit::optimistic::OptimisticUpdate;
/// use routekit::sql::{MySql, Value};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let Ok(url) = std::env::var("ROUTEKIT_MARIADB_URL") else { return Ok(()) };
/// use mysql::prelude::Queryable;
/// let mut db = mysql::Conn::new(mysql::Opts::from_url(&url)?)?;
/// db.query_drop("CREATE TEMPORARY TABLE lock_doc (id INT PRIMARY KEY, version BIGINT NOT NULL)")?;
/// db.query_drop("INSERT INTO lock_doc VALUES (1, 0), (2, 0)")?;
/// let mut tx = db.start_transaction(mysql::TxOpts::default())?;
/// let lock = OptimisticUpdate::new(&MySql, "lock_doc")?.lock_rows([Value::Int(2), Value::Int(1), Value::Int(3)])?;
/// assert_eq!(lock_rows(&mut tx, &lock)?, 2);
/// tx.commit()?;
/// # Ok(())
/// # }
/// ```
pub fn lock_rows<Q: Queryable>(db: &mut Q, statement: &Statement) -> Result<u64, Error> {
    let bound = params(&statement.params)?;
    let rows: Vec<Row> = db.exec(statement.sql.as_str(), bound).map_err(Error::Driver)?;
    Ok(rows.len() as u64)
}

fn driver(err: ::mysql::Error) -> WriteError<Error> {
    WriteError::Database(Error::Driver(err))
}

/// The protocol's name for what a cell holds.
fn kind_of(cell: &MyValue) -> &'static str {
    match cell {
        MyValue::NULL => "null",
        MyValue::Bytes(_) => "a string",
        MyValue::Int(_) | MyValue::UInt(_) => "an integer",
        MyValue::Float(_) | MyValue::Double(_) => "a float",
        MyValue::Date(..) => "a date-time",
        MyValue::Time(..) => "a time",
    }
}

/// Days from 1970-01-01 to the civil date (proleptic Gregorian).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let shifted_month = (month + 9) % 12;
    let day_of_year = (153 * shifted_month + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The civil date of a day count from 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 { shifted_month + 3 } else { shifted_month - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// A timestamp as the protocol's date-time, UTC; `None` when it has
/// sub-microsecond digits or lies outside the years 1–9999.
fn date_time(t: &Timestamp) -> Option<MyValue> {
    if t.nanos() % 1000 != 0 {
        return None;
    }
    let days = t.seconds().div_euclid(86_400);
    let second_of_day = t.seconds().rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    if !(1..=9999).contains(&year) {
        return None;
    }
    Some(MyValue::Date(
        year as u16,
        month as u8,
        day as u8,
        (second_of_day / 3600) as u8,
        (second_of_day / 60 % 60) as u8,
        (second_of_day % 60) as u8,
        t.nanos() / 1000,
    ))
}

/// A protocol date-time, read as UTC.
fn timestamp(cell: &MyValue) -> Option<Timestamp> {
    let MyValue::Date(year, month, day, hour, minute, second, micros) = *cell else {
        return None;
    };
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || micros >= 1_000_000 {
        return None;
    }
    let days = days_from_civil(i64::from(year), i64::from(month), i64::from(day));
    let seconds =
        days * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second);
    Timestamp::new(seconds, micros * 1000).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_times_round_trip_through_the_civil_calendar() {
        for seconds in
            [0, 1, -1, 86_399, 951_782_400, 1_700_000_000, -62_135_596_800, 253_402_300_799]
        {
            let t = Timestamp::new(seconds, 123_456_000).unwrap();
            let cell = date_time(&t).unwrap();
            assert_eq!(timestamp(&cell), Some(t), "{seconds}");
        }
        assert_eq!(date_time(&Timestamp::new(0, 1).unwrap()), None);
        assert_eq!(date_time(&Timestamp::new(-62_135_596_801, 0).unwrap()), None);
        assert_eq!(
            date_time(&Timestamp::new(951_782_400, 0).unwrap()),
            Some(MyValue::Date(2000, 2, 29, 0, 0, 0, 0))
        );
    }
}
