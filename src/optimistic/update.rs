//! The SQL of optimistic writes: version-checked `UPDATE` and `DELETE`, the
//! `INSERT` at version 0, and the version read that explains "0 rows".

use std::fmt;
use std::sync::Arc;

use thiserror::Error;

use super::{IsConflict, OptimisticError, bump};
use crate::sql::{Dialect, Ident, SqlWriter, Statement, Value};

/// The largest version a `BIGINT` column holds.
const MAX_SQL_VERSION: u64 = i64::MAX as u64;

/// Version-checked writes to one table: builds the statements and reads
/// their outcome.
///
/// Holds the dialect, the table, its key column (default `id`) and its version
/// column (default `version`, a `BIGINT NOT NULL` starting at 0). Every
/// statement binds its values as parameters; names are checked plain
/// identifiers, quoted for the dialect.
///
/// | method | SQL (PostgreSQL shown) |
/// |--------|------------------------|
/// | [`update`](OptimisticUpdate::update) | `UPDATE "t" SET "c" = $1, "version" = "version" + 1 WHERE "id" = $2 AND "version" = $3 RETURNING "version"` |
/// | [`delete`](OptimisticUpdate::delete) | `DELETE FROM "t" WHERE "id" = $1 AND "version" = $2 RETURNING "version"` |
/// | [`insert`](OptimisticUpdate::insert) | `INSERT INTO "t" ("id", "c", "version") VALUES ($1, $2, 0)` |
/// | [`version_read`](OptimisticUpdate::version_read) | `SELECT "version" FROM "t" WHERE "id" = $1` |
///
/// The guarded `UPDATE` and `DELETE` end in `RETURNING` where the dialect has
/// it (PostgreSQL; SQLite 3.35+): an empty result is the "0 rows" signal.
/// MySQL gets none, and the new version is the known
/// [`next_version`](GuardedWrite::next_version) — exact, because the write
/// only matches the row at the expected version. Either way, count the rows
/// (returned or affected) and pass the count to [`GuardedWrite::check`].
/// MySQL reports "changed" rather than "matched" rows by default; the version
/// bump changes every matched row, so the two counts agree.
///
/// # Example
///
/// ```
/// use routekit::optimistic::OptimisticUpdate;
/// use routekit::sql::{Postgres, Value};
///
/// let docs = OptimisticUpdate::new(Postgres, "docs")?;
/// let write = docs.update(Value::Int(7), 3, [("body", Value::Text("hello".into()))])?;
/// assert_eq!(
///     write.statement().sql,
///     r#"UPDATE "docs" SET "body" = $1, "version" = "version" + 1 WHERE "id" = $2 AND "version" = $3 RETURNING "version""#
/// );
/// assert_eq!(write.statement().params, [Value::Text("hello".into()), Value::Int(7), Value::Int(3)]);
/// assert_eq!(write.next_version(), Some(4));
///
/// // One row changed: the write is in, at version 4.
/// assert_eq!(write.check(1, |_| Ok::<_, std::io::Error>(None))?, 4);
/// // No row changed: the version read tells why.
/// let conflict = write.check(0, |_read| Ok::<_, std::io::Error>(Some(5))).unwrap_err();
/// assert!(conflict.to_string().contains("the current version is 5"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct OptimisticUpdate {
    dialect: Arc<dyn Dialect>,
    table: Ident,
    key: Ident,
    version: Ident,
}

/// Names the key and version columns of an [`OptimisticUpdate`].
///
/// # Example
///
/// ```
/// use routekit::optimistic::OptimisticUpdate;
/// use routekit::sql::{MySql, Value};
///
/// let orders = OptimisticUpdate::builder()
///     .key_column("order_id")
///     .version_column("lock_version")
///     .build(MySql, "shop.orders")?;
/// let write = orders.delete(Value::Int(9), 2)?;
/// assert_eq!(
///     write.statement().sql,
///     "DELETE FROM `shop`.`orders` WHERE `order_id` = ? AND `lock_version` = ?"
/// );
/// # Ok::<(), routekit::optimistic::OptimisticError>(())
/// ```
#[derive(Clone, Debug)]
pub struct OptimisticUpdateBuilder {
    key: String,
    version: String,
}

impl fmt::Debug for OptimisticUpdate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OptimisticUpdate")
            .field("dialect", &self.dialect.name())
            .field("table", &self.table.as_str())
            .field("key", &self.key.as_str())
            .field("version", &self.version.as_str())
            .finish()
    }
}

impl OptimisticUpdate {
    /// Writes to `table` in `dialect`, keyed by `id`, versioned by `version`.
    ///
    /// # Errors
    ///
    /// [`OptimisticError::Sql`] when `table` is not a plain identifier.
    ///
    /// ```
    /// use routekit::optimistic::OptimisticUpdate;
    /// assert!(OptimisticUpdate::new(routekit::sql::Sqlite, "docs").is_ok());
    /// assert!(OptimisticUpdate::new(routekit::sql::Sqlite, "docs; --").is_err());
    /// ```
    pub fn new(dialect: impl Dialect + 'static, table: &str) -> Result<Self, OptimisticError> {
        OptimisticUpdate::builder().build(dialect, table)
    }

    /// A builder for other key and version column names.
    ///
    /// ```
    /// let docs = routekit::optimistic::OptimisticUpdate::builder()
    ///     .version_column("rev")
    ///     .build(routekit::sql::Postgres, "docs")?;
    /// # let _ = docs;
    /// # Ok::<(), routekit::optimistic::OptimisticError>(())
    /// ```
    pub fn builder() -> OptimisticUpdateBuilder {
        OptimisticUpdateBuilder { key: "id".to_owned(), version: "version".to_owned() }
    }

    /// The version-checked update: sets `columns` and bumps the version of
    /// the row with `key`, only if its version is still `expected`.
    ///
    /// An empty `columns` only bumps the version ("touch"). Cost: O(c²) in the
    /// number of columns for the duplicate check (c is small), plus the text.
    ///
    /// # Errors
    ///
    /// * [`OptimisticError::VersionOverflow`] when `expected` is `i64::MAX`:
    ///   the bump would overflow the `BIGINT` (PostgreSQL would fail the
    ///   statement, SQLite would silently store a float), so it is refused
    ///   before any SQL runs — never a wrap; and
    ///   [`OptimisticError::VersionOutOfRange`] above `i64::MAX`;
    /// * [`OptimisticError::NullKey`] for a `NULL` key;
    /// * [`OptimisticError::Sql`], [`OptimisticError::DuplicateColumn`] or
    ///   [`OptimisticError::ReservedColumn`] for a bad column name.
    ///
    /// ```
    /// use routekit::optimistic::{OptimisticError, OptimisticUpdate};
    /// use routekit::sql::{Sqlite, Value};
    ///
    /// let docs = OptimisticUpdate::new(Sqlite, "docs")?;
    /// let touch = docs.update(Value::Int(1), 0, [])?;
    /// assert_eq!(
    ///     touch.statement().sql,
    ///     r#"UPDATE "docs" SET "version" = "version" + 1 WHERE "id" = ?1 AND "version" = ?2 RETURNING "version""#
    /// );
    /// let max = i64::MAX as u64;
    /// assert_eq!(
    ///     docs.update(Value::Int(1), max, []).unwrap_err(),
    ///     OptimisticError::VersionOverflow { version: max, max }
    /// );
    /// # Ok::<(), OptimisticError>(())
    /// ```
    pub fn update<'c>(
        &self,
        key: Value,
        expected: u64,
        columns: impl IntoIterator<Item = (&'c str, Value)>,
    ) -> Result<GuardedWrite<'_>, OptimisticError> {
        let expected_param = sql_version(expected)?;
        let next = bump(expected, MAX_SQL_VERSION)?;
        check_key(&key)?;
        let columns = self.columns(columns)?;
        let key_param = columns.len();
        let mut sql = SqlWriter::new(&*self.dialect);
        sql.push("UPDATE ");
        sql.ident(&self.table);
        sql.push(" SET ");
        for (name, value) in columns {
            sql.ident(&name);
            sql.push(" = ");
            sql.bind(value);
            sql.push(", ");
        }
        sql.ident(&self.version);
        sql.push(" = ");
        sql.ident(&self.version);
        sql.push(" + 1");
        self.guard(&mut sql, key, expected_param);
        Ok(GuardedWrite {
            statement: sql.finish(),
            table: self,
            key_param,
            expected,
            next: Some(next),
        })
    }

    /// The version-checked delete: removes the row with `key` only if its
    /// version is still `expected`.
    ///
    /// # Errors
    ///
    /// [`OptimisticError::VersionOutOfRange`] when `expected` does not fit a
    /// `BIGINT`; [`OptimisticError::NullKey`] for a `NULL` key.
    ///
    /// ```
    /// use routekit::optimistic::OptimisticUpdate;
    /// use routekit::sql::{Postgres, Value};
    /// let docs = OptimisticUpdate::new(Postgres, "docs")?;
    /// let write = docs.delete(Value::Text("a-1".into()), 4)?;
    /// assert_eq!(
    ///     write.statement().sql,
    ///     r#"DELETE FROM "docs" WHERE "id" = $1 AND "version" = $2 RETURNING "version""#
    /// );
    /// assert_eq!(write.next_version(), None);
    /// # Ok::<(), routekit::optimistic::OptimisticError>(())
    /// ```
    pub fn delete(&self, key: Value, expected: u64) -> Result<GuardedWrite<'_>, OptimisticError> {
        let expected_param = sql_version(expected)?;
        check_key(&key)?;
        let mut sql = SqlWriter::new(&*self.dialect);
        sql.push("DELETE FROM ");
        sql.ident(&self.table);
        self.guard(&mut sql, key, expected_param);
        Ok(GuardedWrite {
            statement: sql.finish(),
            table: self,
            key_param: 0,
            expected,
            next: None,
        })
    }

    /// The insert of a new row with `key` and `columns` at version 0.
    ///
    /// A row that already has the key makes the database refuse the insert
    /// with its unique-key error (the key column must be a primary key or
    /// unique); one row inserted means the row is at version 0. There is no
    /// `RETURNING` clause in any dialect: the new version is always 0, and
    /// without one the statement runs through every driver's plain execute.
    ///
    /// # Errors
    ///
    /// [`OptimisticError::NullKey`] for a `NULL` key, and the column-name
    /// errors of [`update`](OptimisticUpdate::update).
    ///
    /// ```
    /// use routekit::optimistic::OptimisticUpdate;
    /// use routekit::sql::{MySql, Value};
    /// let docs = OptimisticUpdate::new(MySql, "docs")?;
    /// let insert = docs.insert(Value::Int(1), [("body", Value::Text("hi".into()))])?;
    /// assert_eq!(insert.sql, "INSERT INTO `docs` (`id`, `body`, `version`) VALUES (?, ?, 0)");
    /// # Ok::<(), routekit::optimistic::OptimisticError>(())
    /// ```
    pub fn insert<'c>(
        &self,
        key: Value,
        columns: impl IntoIterator<Item = (&'c str, Value)>,
    ) -> Result<Statement, OptimisticError> {
        check_key(&key)?;
        let columns = self.columns(columns)?;
        let mut sql = SqlWriter::new(&*self.dialect);
        sql.push("INSERT INTO ");
        sql.ident(&self.table);
        sql.push(" (");
        sql.ident(&self.key);
        for (name, _) in &columns {
            sql.push(", ");
            sql.ident(name);
        }
        sql.push(", ");
        sql.ident(&self.version);
        sql.push(") VALUES (");
        sql.bind(key);
        for (_, value) in columns {
            sql.push(", ");
            sql.bind(value);
        }
        sql.push(", 0)");
        Ok(sql.finish())
    }

    /// The read of the current version of the row with `key`: no row means
    /// the row does not exist. [`GuardedWrite::check`] runs it when a write
    /// changed no row.
    ///
    /// ```
    /// use routekit::optimistic::OptimisticUpdate;
    /// use routekit::sql::{Sqlite, Value};
    /// let docs = OptimisticUpdate::new(Sqlite, "docs")?;
    /// assert_eq!(docs.version_read(Value::Int(1)).sql, r#"SELECT "version" FROM "docs" WHERE "id" = ?1"#);
    /// # Ok::<(), routekit::optimistic::OptimisticError>(())
    /// ```
    pub fn version_read(&self, key: Value) -> Statement {
        let mut sql = SqlWriter::new(&*self.dialect);
        sql.push("SELECT ");
        sql.ident(&self.version);
        sql.push(" FROM ");
        sql.ident(&self.table);
        sql.push(" WHERE ");
        sql.ident(&self.key);
        sql.push(" = ");
        sql.bind(key);
        sql.finish()
    }

    /// Checks the column names: plain identifiers, each once, neither the
    /// key nor the version column.
    fn columns<'c>(
        &self,
        columns: impl IntoIterator<Item = (&'c str, Value)>,
    ) -> Result<Vec<(Ident, Value)>, OptimisticError> {
        let mut checked: Vec<(Ident, Value)> = Vec::new();
        for (name, value) in columns {
            let ident = Ident::new(name)?;
            for (reserved, role) in [(&self.key, "key"), (&self.version, "version")] {
                if ident == *reserved {
                    return Err(OptimisticError::ReservedColumn { column: name.to_owned(), role });
                }
            }
            if checked.iter().any(|(seen, _)| *seen == ident) {
                return Err(OptimisticError::DuplicateColumn { column: name.to_owned() });
            }
            checked.push((ident, value));
        }
        Ok(checked)
    }

    /// ` WHERE key = ? AND version = ?` and the `RETURNING` clause.
    fn guard(&self, sql: &mut SqlWriter<'_>, key: Value, expected: i64) {
        sql.push(" WHERE ");
        sql.ident(&self.key);
        sql.push(" = ");
        sql.bind(key);
        sql.push(" AND ");
        sql.ident(&self.version);
        sql.push(" = ");
        sql.bind(Value::Int(expected));
        if self.dialect.supports_returning() {
            sql.push(" RETURNING ");
            sql.ident(&self.version);
        }
    }
}

impl OptimisticUpdateBuilder {
    /// The key column, which must be unique (default `id`).
    ///
    /// ```
    /// let b = routekit::optimistic::OptimisticUpdate::builder().key_column("uuid").build(routekit::sql::Sqlite, "t")?;
    /// assert!(b.version_read(routekit::sql::Value::Int(1)).sql.contains(r#""uuid""#));
    /// # Ok::<(), routekit::optimistic::OptimisticError>(())
    /// ```
    pub fn key_column(&mut self, column: &str) -> &mut Self {
        column.clone_into(&mut self.key);
        self
    }

    /// The version column: `BIGINT NOT NULL`, 0 for a new row (default
    /// `version`).
    ///
    /// ```
    /// let b = routekit::optimistic::OptimisticUpdate::builder().version_column("rev").build(routekit::sql::Sqlite, "t")?;
    /// assert!(b.version_read(routekit::sql::Value::Int(1)).sql.starts_with(r#"SELECT "rev""#));
    /// # Ok::<(), routekit::optimistic::OptimisticError>(())
    /// ```
    pub fn version_column(&mut self, column: &str) -> &mut Self {
        column.clone_into(&mut self.version);
        self
    }

    /// Checks the names and returns the writer for `table` in `dialect`.
    ///
    /// # Errors
    ///
    /// [`OptimisticError::Sql`] for a name that is not a plain identifier;
    /// [`OptimisticError::KeyIsVersion`] when both columns have one name.
    ///
    /// ```
    /// use routekit::optimistic::{OptimisticError, OptimisticUpdate};
    /// let err = OptimisticUpdate::builder().key_column("v").version_column("v").build(routekit::sql::Sqlite, "t");
    /// assert!(matches!(err, Err(OptimisticError::KeyIsVersion { .. })));
    /// ```
    pub fn build(
        &self,
        dialect: impl Dialect + 'static,
        table: &str,
    ) -> Result<OptimisticUpdate, OptimisticError> {
        let (key, version) = (Ident::new(&self.key)?, Ident::new(&self.version)?);
        if key == version {
            return Err(OptimisticError::KeyIsVersion { column: self.key.clone() });
        }
        Ok(OptimisticUpdate { dialect: Arc::new(dialect), table: Ident::new(table)?, key, version })
    }
}

/// A version-checked `UPDATE` or `DELETE`, and the check of its outcome.
///
/// Run [`statement`](GuardedWrite::statement) (with a query that counts the
/// returned rows when [`returns_version`](GuardedWrite::returns_version), an
/// execute that reports affected rows otherwise), then pass the count to
/// [`check`](GuardedWrite::check).
///
/// # Example
///
/// ```
/// use routekit::optimistic::{OptimisticError, OptimisticUpdate, WriteError};
/// use routekit::sql::{MySql, Value};
///
/// let docs = OptimisticUpdate::new(MySql, "docs")?;
/// let write = docs.update(Value::Int(7), 3, [("body", Value::Text("new".into()))])?;
/// assert!(!write.returns_version()); // MySQL: count affected rows
///
/// // 0 rows and no row in the version read: the row is gone.
/// let gone = write.check(0, |read| {
///     assert_eq!(read.sql, "SELECT `version` FROM `docs` WHERE `id` = ?");
///     Ok::<_, std::io::Error>(None)
/// });
/// assert!(matches!(gone, Err(WriteError::Version(OptimisticError::NotFound))));
/// # Ok::<(), OptimisticError>(())
/// ```
#[derive(Clone, Debug)]
pub struct GuardedWrite<'t> {
    statement: Statement,
    table: &'t OptimisticUpdate,
    /// Where the key is in `statement.params`.
    key_param: usize,
    expected: u64,
    next: Option<u64>,
}

impl GuardedWrite<'_> {
    /// The statement to run.
    ///
    /// ```
    /// use routekit::optimistic::OptimisticUpdate;
    /// use routekit::sql::{Sqlite, Value};
    /// let table = OptimisticUpdate::new(Sqlite, "t")?;
    /// let write = table.delete(Value::Int(1), 0)?;
    /// assert_eq!(write.statement().params, [Value::Int(1), Value::Int(0)]);
    /// # Ok::<(), routekit::optimistic::OptimisticError>(())
    /// ```
    pub fn statement(&self) -> &Statement {
        &self.statement
    }

    /// Whether the statement ends in `RETURNING version` (returns one row
    /// when it took effect): run it as a query and count the rows.
    ///
    /// ```
    /// use routekit::optimistic::OptimisticUpdate;
    /// use routekit::sql::{Postgres, Value};
    /// let table = OptimisticUpdate::new(Postgres, "t")?;
    /// let write = table.delete(Value::Int(1), 0)?;
    /// assert!(write.returns_version());
    /// # Ok::<(), routekit::optimistic::OptimisticError>(())
    /// ```
    pub fn returns_version(&self) -> bool {
        self.table.dialect.supports_returning()
    }

    /// The version the write expects the row to be at.
    ///
    /// ```
    /// use routekit::optimistic::OptimisticUpdate;
    /// use routekit::sql::{Postgres, Value};
    /// let table = OptimisticUpdate::new(Postgres, "t")?;
    /// let write = table.update(Value::Int(1), 6, [])?;
    /// assert_eq!(write.expected_version(), 6);
    /// # Ok::<(), routekit::optimistic::OptimisticError>(())
    /// ```
    pub fn expected_version(&self) -> u64 {
        self.expected
    }

    /// The row's version once an update took effect (`expected + 1`); `None`
    /// for a delete.
    ///
    /// ```
    /// use routekit::optimistic::OptimisticUpdate;
    /// use routekit::sql::{MySql, Value};
    /// let table = OptimisticUpdate::new(MySql, "t")?;
    /// let write = table.update(Value::Int(1), 6, [])?;
    /// assert_eq!(write.next_version(), Some(7));
    /// # Ok::<(), routekit::optimistic::OptimisticError>(())
    /// ```
    pub fn next_version(&self) -> Option<u64> {
        self.next
    }

    /// The follow-up read of the row's current version, which tells a
    /// conflict from a missing row when the write changed nothing.
    ///
    /// ```
    /// use routekit::optimistic::OptimisticUpdate;
    /// use routekit::sql::{Postgres, Value};
    /// let table = OptimisticUpdate::new(Postgres, "t")?;
    /// let write = table.update(Value::Int(5), 1, [])?;
    /// assert_eq!(write.version_read().sql, r#"SELECT "version" FROM "t" WHERE "id" = $1"#);
    /// assert_eq!(write.version_read().params, [Value::Int(5)]);
    /// # Ok::<(), routekit::optimistic::OptimisticError>(())
    /// ```
    pub fn version_read(&self) -> Statement {
        self.table.version_read(self.statement.params[self.key_param].clone())
    }

    /// Turns the number of rows the statement changed (or returned) into the
    /// outcome. On one row: the version the row is now at (update) or was
    /// deleted at (delete). On zero rows: runs the
    /// [`version_read`](GuardedWrite::version_read) through `read_version`,
    /// which returns the version column of the row it found, if any.
    ///
    /// # Errors
    ///
    /// * [`WriteError::Version`] with [`OptimisticError::Conflict`] when the
    ///   row is at another version (re-read and retry), or
    ///   [`OptimisticError::NotFound`] when no row has the key;
    /// * [`OptimisticError::AmbiguousKey`] when more than one row changed
    ///   (the key is not unique: roll back), and
    ///   [`OptimisticError::NegativeVersion`] for a negative stored version;
    /// * [`WriteError::Database`] with the error of `read_version`.
    ///
    /// ```
    /// use routekit::optimistic::{OptimisticError, OptimisticUpdate, WriteError};
    /// use routekit::sql::{Sqlite, Value};
    /// let table = OptimisticUpdate::new(Sqlite, "t")?;
    /// let write = table.update(Value::Int(1), 2, [])?;
    /// let conflict = write.check(0, |_| Ok::<_, std::io::Error>(Some(9)));
    /// assert!(matches!(
    ///     conflict,
    ///     Err(WriteError::Version(OptimisticError::Conflict { expected: 2, current: 9 }))
    /// ));
    /// # Ok::<(), OptimisticError>(())
    /// ```
    pub fn check<E>(
        &self,
        rows: u64,
        read_version: impl FnOnce(&Statement) -> Result<Option<i64>, E>,
    ) -> Result<u64, WriteError<E>> {
        match rows {
            1 => Ok(self.next.unwrap_or(self.expected)),
            0 => {
                let current = read_version(&self.version_read()).map_err(WriteError::Database)?;
                Err(WriteError::Version(match current {
                    None => OptimisticError::NotFound,
                    Some(found) => match u64::try_from(found) {
                        Ok(current) => {
                            OptimisticError::Conflict { expected: self.expected, current }
                        }
                        Err(_) => OptimisticError::NegativeVersion { found },
                    },
                }))
            }
            rows => Err(WriteError::Version(OptimisticError::AmbiguousKey { rows })),
        }
    }
}

/// The error of a versioned database write: the version check said no, or
/// the database failed.
///
/// It is a conflict ([`IsConflict`]) exactly when the version check found
/// another version, so [`RetryPolicy::retry`](super::RetryPolicy::retry)
/// retries those and returns database errors at once. Map your driver's
/// errors into it with `.map_err(WriteError::Database)`; `?` converts an
/// [`OptimisticError`].
///
/// # Example
///
/// ```
/// use routekit::optimistic::{IsConflict, OptimisticError, WriteError};
/// let conflict: WriteError<std::io::Error> =
///     OptimisticError::Conflict { expected: 1, current: 2 }.into();
/// assert!(conflict.is_conflict());
/// let down = WriteError::Database(std::io::Error::other("connection reset"));
/// assert!(!down.is_conflict());
/// assert_eq!(down.to_string(), "connection reset");
/// ```
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum WriteError<E> {
    /// The version check failed, or the input was invalid.
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

/// `version` as a `BIGINT` parameter.
fn sql_version(version: u64) -> Result<i64, OptimisticError> {
    i64::try_from(version).map_err(|_| OptimisticError::VersionOutOfRange { version })
}

fn check_key(key: &Value) -> Result<(), OptimisticError> {
    match key {
        Value::Null => Err(OptimisticError::NullKey),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::{MySql, Postgres, Sqlite};

    fn text(s: &str) -> Value {
        Value::Text(s.to_owned())
    }

    /// The exact SQL of every statement in every dialect.
    #[test]
    fn sql_per_dialect() {
        type Case = (&'static str, &'static str);
        let cases: [(OptimisticUpdate, [Case; 4]); 3] = [
            (
                OptimisticUpdate::new(Postgres, "app.docs").unwrap(),
                [
                    (
                        "update",
                        r#"UPDATE "app"."docs" SET "title" = $1, "body" = $2, "version" = "version" + 1 WHERE "id" = $3 AND "version" = $4 RETURNING "version""#,
                    ),
                    (
                        "delete",
                        r#"DELETE FROM "app"."docs" WHERE "id" = $1 AND "version" = $2 RETURNING "version""#,
                    ),
                    (
                        "insert",
                        r#"INSERT INTO "app"."docs" ("id", "title", "body", "version") VALUES ($1, $2, $3, 0)"#,
                    ),
                    ("read", r#"SELECT "version" FROM "app"."docs" WHERE "id" = $1"#),
                ],
            ),
            (
                OptimisticUpdate::new(Sqlite, "app.docs").unwrap(),
                [
                    (
                        "update",
                        r#"UPDATE "app"."docs" SET "title" = ?1, "body" = ?2, "version" = "version" + 1 WHERE "id" = ?3 AND "version" = ?4 RETURNING "version""#,
                    ),
                    (
                        "delete",
                        r#"DELETE FROM "app"."docs" WHERE "id" = ?1 AND "version" = ?2 RETURNING "version""#,
                    ),
                    (
                        "insert",
                        r#"INSERT INTO "app"."docs" ("id", "title", "body", "version") VALUES (?1, ?2, ?3, 0)"#,
                    ),
                    ("read", r#"SELECT "version" FROM "app"."docs" WHERE "id" = ?1"#),
                ],
            ),
            (
                OptimisticUpdate::new(MySql, "app.docs").unwrap(),
                [
                    (
                        "update",
                        "UPDATE `app`.`docs` SET `title` = ?, `body` = ?, `version` = `version` + 1 WHERE `id` = ? AND `version` = ?",
                    ),
                    ("delete", "DELETE FROM `app`.`docs` WHERE `id` = ? AND `version` = ?"),
                    (
                        "insert",
                        "INSERT INTO `app`.`docs` (`id`, `title`, `body`, `version`) VALUES (?, ?, ?, 0)",
                    ),
                    ("read", "SELECT `version` FROM `app`.`docs` WHERE `id` = ?"),
                ],
            ),
        ];
        for (docs, statements) in cases {
            let set = || [("title", text("t")), ("body", text("b"))];
            for (kind, want) in statements {
                let got = match kind {
                    "update" => {
                        let write = docs.update(Value::Int(7), 3, set()).unwrap();
                        assert_eq!(
                            write.statement().params,
                            [text("t"), text("b"), Value::Int(7), Value::Int(3)]
                        );
                        write.statement().sql.clone()
                    }
                    "delete" => {
                        let write = docs.delete(Value::Int(7), 3).unwrap();
                        assert_eq!(write.statement().params, [Value::Int(7), Value::Int(3)]);
                        write.statement().sql.clone()
                    }
                    "insert" => {
                        let insert = docs.insert(Value::Int(7), set()).unwrap();
                        assert_eq!(insert.params, [Value::Int(7), text("t"), text("b")]);
                        insert.sql
                    }
                    _ => docs.version_read(Value::Int(7)).sql,
                };
                assert_eq!(got, want, "{kind} in {:?}", docs);
            }
        }
    }

    #[test]
    fn versions_outside_bigint_are_refused() {
        let docs = OptimisticUpdate::new(Postgres, "docs").unwrap();
        let max = i64::MAX as u64;
        assert!(docs.update(Value::Int(1), max - 1, []).is_ok());
        assert_eq!(
            docs.update(Value::Int(1), max, []).unwrap_err(),
            OptimisticError::VersionOverflow { version: max, max }
        );
        assert_eq!(
            docs.update(Value::Int(1), max + 1, []).unwrap_err(),
            OptimisticError::VersionOutOfRange { version: max + 1 }
        );
        assert!(docs.delete(Value::Int(1), max).is_ok());
        assert_eq!(
            docs.delete(Value::Int(1), u64::MAX).unwrap_err(),
            OptimisticError::VersionOutOfRange { version: u64::MAX }
        );
    }

    #[test]
    fn bad_names_and_keys_are_refused() {
        let docs = OptimisticUpdate::new(Sqlite, "docs").unwrap();
        let err = |columns: Vec<(&str, Value)>| docs.update(Value::Int(1), 0, columns).unwrap_err();
        assert!(matches!(err(vec![("a b", Value::Null)]), OptimisticError::Sql(_)));
        assert!(matches!(
            err(vec![("version", Value::Int(9))]),
            OptimisticError::ReservedColumn { role: "version", .. }
        ));
        assert!(matches!(
            err(vec![("id", Value::Int(9))]),
            OptimisticError::ReservedColumn { role: "key", .. }
        ));
        assert!(matches!(
            err(vec![("a", Value::Null), ("a", Value::Null)]),
            OptimisticError::DuplicateColumn { .. }
        ));
        assert_eq!(docs.update(Value::Null, 0, []).unwrap_err(), OptimisticError::NullKey);
        assert_eq!(docs.delete(Value::Null, 0).unwrap_err(), OptimisticError::NullKey);
        assert_eq!(docs.insert(Value::Null, []).unwrap_err(), OptimisticError::NullKey);
        assert!(OptimisticUpdate::builder().key_column("1d").build(Sqlite, "docs").is_err());
        assert!(OptimisticUpdate::builder().version_column("").build(Sqlite, "docs").is_err());
    }

    #[test]
    fn check_tells_the_outcomes_apart() {
        let docs = OptimisticUpdate::new(Sqlite, "docs").unwrap();
        let update = docs.update(Value::Int(1), 4, []).unwrap();
        let delete = docs.delete(Value::Int(1), 4).unwrap();
        let never = |_: &Statement| -> Result<Option<i64>, ()> { panic!("no read needed") };
        assert_eq!(update.check(1, never).unwrap(), 5);
        assert_eq!(delete.check(1, never).unwrap(), 4);
        let outcome = |rows, found| match update.check(rows, |_| Ok::<_, ()>(found)) {
            Err(WriteError::Version(e)) => e,
            other => panic!("unexpected {other:?}"),
        };
        assert_eq!(outcome(0, Some(6)), OptimisticError::Conflict { expected: 4, current: 6 });
        assert_eq!(outcome(0, None), OptimisticError::NotFound);
        assert_eq!(outcome(0, Some(-1)), OptimisticError::NegativeVersion { found: -1 });
        assert_eq!(outcome(2, None), OptimisticError::AmbiguousKey { rows: 2 });
        assert!(matches!(update.check(0, |_| Err("down")), Err(WriteError::Database("down"))));
    }
}
