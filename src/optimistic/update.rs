//! [`OptimisticUpdate`]: the version-checked writes to one table.

use super::{GuardedWrite, OptimisticError, PreparedInsert, PreparedUpdate, SchemaError, bump};
use crate::sql::{Dialect, Ident, SqlWriter, Statement, Value};

/// The largest version a `BIGINT` column holds.
const MAX_SQL_VERSION: u64 = i64::MAX as u64;

/// Version-checked writes to one table: prepares the statements and reads
/// their outcome.
///
/// Holds the dialect, the table, its key column (default `id`) and its version
/// column (default `version`, a `BIGINT NOT NULL` starting at 0). Every
/// statement binds its values as parameters; names are checked plain
/// identifiers, quoted for the dialect. Build one per table at startup;
/// [`update`](OptimisticUpdate::update) and
/// [`insert`](OptimisticUpdate::insert) check the columns a write sets and
/// write its SQL once, and the prepared statement binds each request's values.
///
/// | method | SQL (PostgreSQL shown) |
/// |--------|------------------------|
/// | [`update`](OptimisticUpdate::update) | `UPDATE "t" SET "c" = $1, "version" = "version" + 1 WHERE "id" = $2 AND "version" = $3 RETURNING "version"` |
/// | [`delete`](OptimisticUpdate::delete) | `DELETE FROM "t" WHERE "id" = $1 AND "version" = $2 RETURNING "version"` |
/// | [`insert`](OptimisticUpdate::insert) | `INSERT INTO "t" ("id", "c", "version") VALUES ($1, $2, 0)` |
/// | [`version_read`](OptimisticUpdate::version_read) | `SELECT "version" FROM "t" WHERE "id" = $1 FOR UPDATE` |
/// | [`lock_rows`](OptimisticUpdate::lock_rows) | `SELECT "id" FROM "t" WHERE "id" IN ($1, $2) ORDER BY "id" FOR UPDATE` |
///
/// The guarded `UPDATE` and `DELETE` end in `RETURNING` where the dialect
/// [has it](Dialect::supports_returning) (PostgreSQL; SQLite 3.35+): an
/// empty result is the "0 rows" signal. MySQL gets none, and the new version
/// is the known [`next_version`](GuardedWrite::next_version) — exact,
/// because the write only matches the row at the expected version. Either
/// way, count the rows (returned or affected) and pass the count to
/// [`GuardedWrite::check`]. MySQL reports "changed" rather than "matched"
/// rows by default; the version bump changes every matched row, so the two
/// counts agree.
///
/// # Example
///
/// ```
/// use routekit::optimistic::OptimisticUpdate;
/// use routekit::sql::{Postgres, Value};
///
/// // At startup.
/// let docs = OptimisticUpdate::new(&Postgres, "docs")?;
/// let set_body = docs.update(["body"])?;
///
/// // Per request.
/// let write = set_body.bind(Value::Int(7), 3, [Value::Text("hello".into())])?;
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
#[derive(Clone, Debug)]
pub struct OptimisticUpdate {
    dialect: &'static dyn Dialect,
    table: Ident,
    key: Ident,
    version: Ident,
}

impl OptimisticUpdate {
    /// Writes to `table` in `dialect`, keyed by `id`, versioned by `version`.
    ///
    /// # Errors
    ///
    /// [`SchemaError::InvalidIdentifier`] when `table` is not a plain
    /// identifier.
    ///
    /// ```
    /// use routekit::optimistic::OptimisticUpdate;
    /// use routekit::sql::Sqlite;
    /// assert!(OptimisticUpdate::new(&Sqlite, "docs").is_ok());
    /// assert!(OptimisticUpdate::new(&Sqlite, "docs; --").is_err());
    /// ```
    pub fn new(dialect: &'static dyn Dialect, table: &str) -> Result<Self, SchemaError> {
        OptimisticUpdate::builder(dialect, table).build()
    }

    /// A builder for writes to `table` in `dialect` with other key and
    /// version column names.
    ///
    /// ```
    /// use routekit::optimistic::OptimisticUpdate;
    /// let docs = OptimisticUpdate::builder(&routekit::sql::Postgres, "docs")
    ///     .version_column("rev")
    ///     .build()?;
    /// # let _ = docs;
    /// # Ok::<(), routekit::optimistic::SchemaError>(())
    /// ```
    pub fn builder(dialect: &'static dyn Dialect, table: &str) -> OptimisticUpdateBuilder {
        OptimisticUpdateBuilder {
            dialect,
            table: table.to_owned(),
            key: "id".to_owned(),
            version: "version".to_owned(),
        }
    }

    /// The version-checked update that sets `columns` and bumps the version:
    /// checked and written once, then [bound](PreparedUpdate::bind) per
    /// write to a row's key, its expected version and the columns' values.
    ///
    /// No columns only bumps the version ("touch"). Cost: O(c²) in the
    /// number of columns for the duplicate check (c is small), plus the text.
    ///
    /// # Errors
    ///
    /// [`SchemaError::InvalidIdentifier`], [`SchemaError::DuplicateColumn`]
    /// or [`SchemaError::ReservedColumn`] for a column name that is not
    /// plain, repeated, or the key or version column.
    ///
    /// ```
    /// use routekit::optimistic::OptimisticUpdate;
    /// use routekit::sql::{Sqlite, Value};
    ///
    /// let docs = OptimisticUpdate::new(&Sqlite, "docs")?;
    /// let touch = docs.update([])?;
    /// let write = touch.bind(Value::Int(1), 0, [])?;
    /// assert_eq!(
    ///     write.statement().sql,
    ///     r#"UPDATE "docs" SET "version" = "version" + 1 WHERE "id" = ?1 AND "version" = ?2 RETURNING "version""#
    /// );
    /// assert!(docs.update(["title", "title"]).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn update<const N: usize>(
        &self,
        columns: [&str; N],
    ) -> Result<PreparedUpdate<N>, SchemaError> {
        let columns = self.columns(columns)?;
        let mut sql = SqlWriter::new(self.dialect);
        sql.push("UPDATE ");
        sql.ident(&self.table);
        sql.push(" SET ");
        for name in &columns {
            sql.ident(name);
            sql.push(" = ");
            sql.bind(Value::Null);
            sql.push(", ");
        }
        sql.ident(&self.version);
        sql.push(" = ");
        sql.ident(&self.version);
        sql.push(" + 1");
        self.guard(&mut sql);
        Ok(PreparedUpdate::new(self.clone(), sql.finish().sql))
    }

    /// The insert of a new row with `columns` at version 0: checked and
    /// written once, then [bound](PreparedInsert::bind) per row to its key
    /// and the columns' values.
    ///
    /// A row that already has the key makes the database refuse the insert
    /// with its unique-key error (the key column must be a primary key or
    /// unique); one row inserted means the row is at version 0. There is no
    /// `RETURNING` clause in any dialect: the new version is always 0, and
    /// without one the statement runs through every driver's plain execute.
    ///
    /// # Errors
    ///
    /// The column-name errors of [`update`](OptimisticUpdate::update).
    ///
    /// ```
    /// use routekit::optimistic::OptimisticUpdate;
    /// use routekit::sql::{MySql, Value};
    /// let docs = OptimisticUpdate::new(&MySql, "docs")?;
    /// let insert = docs.insert(["body"])?.bind(Value::Int(1), [Value::Text("hi".into())])?;
    /// assert_eq!(insert.sql, "INSERT INTO `docs` (`id`, `body`, `version`) VALUES (?, ?, 0)");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn insert<const N: usize>(
        &self,
        columns: [&str; N],
    ) -> Result<PreparedInsert<N>, SchemaError> {
        let columns = self.columns(columns)?;
        let mut sql = SqlWriter::new(self.dialect);
        sql.push("INSERT INTO ");
        sql.ident(&self.table);
        sql.push(" (");
        sql.ident(&self.key);
        for name in &columns {
            sql.push(", ");
            sql.ident(name);
        }
        sql.push(", ");
        sql.ident(&self.version);
        sql.push(") VALUES (");
        sql.bind(Value::Null);
        for _ in &columns {
            sql.push(", ");
            sql.bind(Value::Null);
        }
        sql.push(", 0)");
        Ok(PreparedInsert::new(sql.finish().sql))
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
    /// let docs = OptimisticUpdate::new(&Postgres, "docs")?;
    /// let write = docs.delete(Value::Text("a-1".into()), 4)?;
    /// assert_eq!(
    ///     write.statement().sql,
    ///     r#"DELETE FROM "docs" WHERE "id" = $1 AND "version" = $2 RETURNING "version""#
    /// );
    /// assert_eq!(write.next_version(), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn delete(&self, key: Value, expected: u64) -> Result<GuardedWrite<'_>, OptimisticError> {
        let expected_param = sql_version(expected)?;
        check_key(&key)?;
        let mut sql = SqlWriter::new(self.dialect);
        sql.push("DELETE FROM ");
        sql.ident(&self.table);
        self.guard(&mut sql);
        let statement = Statement { sql: sql.finish().sql, params: vec![key, expected_param] };
        Ok(GuardedWrite::new(statement, self, 0, expected, None))
    }

    /// The read of the current version of the row with `key`: no row means
    /// the row does not exist. [`GuardedWrite::check`] runs it when a write
    /// changed no row.
    ///
    /// It is a locking read (`FOR UPDATE`) where the dialect
    /// [locks rows](Dialect::locks_rows): inside a transaction at
    /// REPEATABLE READ, MySQL and MariaDB answer a plain `SELECT` from the
    /// transaction's snapshot, which still shows the version the write
    /// expected (or a row another connection has since deleted), while the
    /// `UPDATE` itself saw the latest committed row. A locking read sees what
    /// the `UPDATE` saw, so a conflict and a missing row are told apart at
    /// every isolation level. (PostgreSQL at REPEATABLE READ or SERIALIZABLE
    /// fails the `UPDATE` of a row changed since the snapshot with a
    /// serialization error instead; the read is never reached.) The lock is
    /// held until the transaction ends, which outside a transaction is at
    /// once.
    ///
    /// ```
    /// use routekit::optimistic::OptimisticUpdate;
    /// use routekit::sql::{Sqlite, Value};
    /// let docs = OptimisticUpdate::new(&Sqlite, "docs")?;
    /// assert_eq!(docs.version_read(Value::Int(1)).sql, r#"SELECT "version" FROM "docs" WHERE "id" = ?1"#);
    /// # Ok::<(), routekit::optimistic::SchemaError>(())
    /// ```
    pub fn version_read(&self, key: Value) -> Statement {
        let mut sql = SqlWriter::new(self.dialect);
        sql.push("SELECT ");
        sql.ident(&self.version);
        sql.push(" FROM ");
        sql.ident(&self.table);
        sql.push(" WHERE ");
        sql.ident(&self.key);
        sql.push(" = ");
        sql.bind(key);
        self.lock_clause(&mut sql);
        sql.finish()
    }

    /// The statement that locks the rows with `keys` for update, one at a
    /// time in ascending key order, before a batch of writes to them:
    /// `SELECT "id" FROM "t" WHERE "id" IN ($1, $2) ORDER BY "id" FOR UPDATE`.
    ///
    /// Two transactions that update overlapping sets of rows lock them in
    /// the order they touch them; if one goes 1 then 2 and the other 2 then
    /// 1, each waits for the other and the database kills one (a deadlock).
    /// Locking every row first, in the one order both share, makes the
    /// second transaction wait for the first instead. Run it inside the
    /// transaction, then write. The rows it returns are the keys that exist.
    ///
    /// SQLite has no row locks ([`Dialect::locks_rows`]): the statement is
    /// the plain `SELECT`, and the transaction must begin with `BEGIN
    /// IMMEDIATE`, which takes the database's write lock up front so two
    /// writers never interleave.
    ///
    /// Cost: O(keys) to write; the database reads the rows through the key's
    /// index.
    ///
    /// # Errors
    ///
    /// [`OptimisticError::NullKey`] for a `NULL` key. No keys gives
    /// `WHERE 1 = 0`: a statement that locks nothing.
    ///
    /// ```
    /// use routekit::optimistic::OptimisticUpdate;
    /// use routekit::sql::{MySql, Sqlite, Value};
    ///
    /// let docs = OptimisticUpdate::new(&MySql, "docs")?;
    /// let lock = docs.lock_rows([Value::Int(2), Value::Int(1)])?;
    /// assert_eq!(lock.sql, "SELECT `id` FROM `docs` WHERE `id` IN (?, ?) ORDER BY `id` FOR UPDATE");
    /// let lite = OptimisticUpdate::new(&Sqlite, "docs")?.lock_rows([Value::Int(1)])?;
    /// assert_eq!(lite.sql, r#"SELECT "id" FROM "docs" WHERE "id" IN (?1) ORDER BY "id""#);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn lock_rows(
        &self,
        keys: impl IntoIterator<Item = Value>,
    ) -> Result<Statement, OptimisticError> {
        let mut sql = SqlWriter::new(self.dialect);
        sql.push("SELECT ");
        sql.ident(&self.key);
        sql.push(" FROM ");
        sql.ident(&self.table);
        sql.push(" WHERE ");
        let mut keys = keys.into_iter().peekable();
        if keys.peek().is_none() {
            sql.push("1 = 0");
        } else {
            sql.ident(&self.key);
            sql.push(" IN (");
            for (at, key) in keys.enumerate() {
                check_key(&key)?;
                if at > 0 {
                    sql.push(", ");
                }
                sql.bind(key);
            }
            sql.push(")");
        }
        sql.push(" ORDER BY ");
        sql.ident(&self.key);
        self.lock_clause(&mut sql);
        Ok(sql.finish())
    }

    /// ` FOR UPDATE` where the dialect locks rows.
    fn lock_clause(&self, sql: &mut SqlWriter) {
        if self.dialect.locks_rows() {
            let mut clause = String::new();
            self.dialect.lock_for_update(&mut clause);
            sql.push(" ");
            sql.push(&clause);
        }
    }

    /// Whether the guarded writes end in `RETURNING version`.
    pub(super) fn returns_version(&self) -> bool {
        self.dialect.supports_returning()
    }

    /// Checks the column names: plain identifiers, each once, neither the
    /// key nor the version column.
    fn columns<const N: usize>(&self, columns: [&str; N]) -> Result<Vec<Ident>, SchemaError> {
        let mut checked: Vec<Ident> = Vec::with_capacity(columns.len());
        for name in columns {
            let ident = Ident::new(name)?;
            for (reserved, role) in [(&self.key, "key"), (&self.version, "version")] {
                if ident == *reserved {
                    return Err(SchemaError::ReservedColumn { column: name.to_owned(), role });
                }
            }
            if checked.contains(&ident) {
                return Err(SchemaError::DuplicateColumn { column: name.to_owned() });
            }
            checked.push(ident);
        }
        Ok(checked)
    }

    /// ` WHERE key = ? AND version = ?` and the `RETURNING` clause.
    fn guard(&self, sql: &mut SqlWriter) {
        sql.push(" WHERE ");
        sql.ident(&self.key);
        sql.push(" = ");
        sql.bind(Value::Null);
        sql.push(" AND ");
        sql.ident(&self.version);
        sql.push(" = ");
        sql.bind(Value::Null);
        if self.returns_version() {
            sql.push(" RETURNING ");
            sql.ident(&self.version);
        }
    }
}

/// Names the key and version columns of an [`OptimisticUpdate`] whose
/// dialect and table were given to [`OptimisticUpdate::builder`].
///
/// # Example
///
/// ```
/// use routekit::optimistic::OptimisticUpdate;
/// use routekit::sql::{MySql, Value};
///
/// let orders = OptimisticUpdate::builder(&MySql, "shop.orders")
///     .key_column("order_id")
///     .version_column("lock_version")
///     .build()?;
/// let write = orders.delete(Value::Int(9), 2)?;
/// assert_eq!(
///     write.statement().sql,
///     "DELETE FROM `shop`.`orders` WHERE `order_id` = ? AND `lock_version` = ?"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct OptimisticUpdateBuilder {
    dialect: &'static dyn Dialect,
    table: String,
    key: String,
    version: String,
}

impl OptimisticUpdateBuilder {
    /// The key column, which must be unique (default `id`).
    ///
    /// ```
    /// use routekit::optimistic::OptimisticUpdate;
    /// let docs = OptimisticUpdate::builder(&routekit::sql::Sqlite, "t").key_column("uuid").build()?;
    /// assert!(docs.version_read(routekit::sql::Value::Int(1)).sql.contains(r#""uuid""#));
    /// # Ok::<(), routekit::optimistic::SchemaError>(())
    /// ```
    pub fn key_column(&mut self, column: &str) -> &mut Self {
        column.clone_into(&mut self.key);
        self
    }

    /// The version column: `BIGINT NOT NULL`, 0 for a new row (default
    /// `version`).
    ///
    /// ```
    /// use routekit::optimistic::OptimisticUpdate;
    /// let docs = OptimisticUpdate::builder(&routekit::sql::Sqlite, "t").version_column("rev").build()?;
    /// assert!(docs.version_read(routekit::sql::Value::Int(1)).sql.starts_with(r#"SELECT "rev""#));
    /// # Ok::<(), routekit::optimistic::SchemaError>(())
    /// ```
    pub fn version_column(&mut self, column: &str) -> &mut Self {
        column.clone_into(&mut self.version);
        self
    }

    /// Checks the names and returns the writer.
    ///
    /// # Errors
    ///
    /// [`SchemaError::InvalidIdentifier`] for a name that is not a plain
    /// identifier; [`SchemaError::KeyIsVersion`] when both columns have one
    /// name.
    ///
    /// ```
    /// use routekit::optimistic::{OptimisticUpdate, SchemaError};
    /// let built = OptimisticUpdate::builder(&routekit::sql::Sqlite, "t")
    ///     .key_column("v")
    ///     .version_column("v")
    ///     .build();
    /// assert!(matches!(built, Err(SchemaError::KeyIsVersion { .. })));
    /// ```
    pub fn build(&self) -> Result<OptimisticUpdate, SchemaError> {
        let table = Ident::new(&self.table)?;
        let (key, version) = (Ident::new(&self.key)?, Ident::new(&self.version)?);
        if key == version {
            return Err(SchemaError::KeyIsVersion { column: self.key.clone() });
        }
        Ok(OptimisticUpdate { dialect: self.dialect, table, key, version })
    }
}

/// `version` as a `BIGINT` parameter.
pub(super) fn sql_version(version: u64) -> Result<Value, OptimisticError> {
    match i64::try_from(version) {
        Ok(version) => Ok(Value::Int(version)),
        Err(_) => Err(OptimisticError::VersionOutOfRange { version }),
    }
}

/// Refuses a `NULL` key, which matches no row (and would let SQLite assign
/// a fresh rowid on insert).
pub(super) fn check_key(key: &Value) -> Result<(), OptimisticError> {
    match key {
        Value::Null => Err(OptimisticError::NullKey),
        _ => Ok(()),
    }
}

/// The version a guarded update moves the row to.
pub(super) fn next_sql_version(expected: u64) -> Result<(Value, u64), OptimisticError> {
    let param = sql_version(expected)?;
    Ok((param, bump(expected, MAX_SQL_VERSION)?))
}
