//! Prepared writes: the SQL of an update or insert of fixed columns, written
//! once and bound per row.

use super::update::{check_key, next_sql_version};
use super::{GuardedWrite, OptimisticError, OptimisticUpdate};
use crate::sql::{Statement, Value};

/// A version-checked `UPDATE` of `N` columns, checked and written once by
/// [`OptimisticUpdate::update`]: [`bind`](PreparedUpdate::bind) gives it a
/// row's key, the version the change was based on and the `N` new values.
///
/// Independent of the [`OptimisticUpdate`] it came from (it holds a copy of
/// the names), so a service can keep both side by side.
///
/// # Example
///
/// ```
/// use routekit::optimistic::OptimisticUpdate;
/// use routekit::sql::{Sqlite, Value};
///
/// let docs = OptimisticUpdate::new(&Sqlite, "docs")?;
/// let retitle = docs.update(["title", "slug"])?;
/// let write = retitle.bind(Value::Int(7), 3, [Value::Text("Hi".into()), Value::Text("hi".into())])?;
/// assert_eq!(
///     write.statement().sql,
///     r#"UPDATE "docs" SET "title" = ?1, "slug" = ?2, "version" = "version" + 1 WHERE "id" = ?3 AND "version" = ?4 RETURNING "version""#
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct PreparedUpdate<const N: usize> {
    table: OptimisticUpdate,
    sql: String,
}

impl<const N: usize> PreparedUpdate<N> {
    pub(super) fn new(table: OptimisticUpdate, sql: String) -> Self {
        PreparedUpdate { table, sql }
    }

    /// The update of the row with `key` to `values` (in the order of the
    /// columns prepared), only if its version is still `expected`.
    ///
    /// Cost: one copy of the SQL text, and the values moved in.
    ///
    /// # Errors
    ///
    /// * [`OptimisticError::VersionOverflow`] when `expected` is `i64::MAX`:
    ///   the bump would overflow the `BIGINT` (PostgreSQL would fail the
    ///   statement, SQLite would silently store a float), so it is refused
    ///   before any SQL runs — never a wrap; and
    ///   [`OptimisticError::VersionOutOfRange`] above `i64::MAX`;
    /// * [`OptimisticError::NullKey`] for a `NULL` key.
    ///
    /// ```
    /// use routekit::optimistic::{OptimisticError, OptimisticUpdate};
    /// use routekit::sql::{Postgres, Value};
    ///
    /// let touch = OptimisticUpdate::new(&Postgres, "docs")?.update([])?;
    /// assert_eq!(touch.bind(Value::Int(1), 0, [])?.next_version(), Some(1));
    /// let max = i64::MAX as u64;
    /// assert!(matches!(
    ///     touch.bind(Value::Int(1), max, []),
    ///     Err(OptimisticError::VersionOverflow { version, .. }) if version == max
    /// ));
    /// assert!(matches!(touch.bind(Value::Null, 0, []), Err(OptimisticError::NullKey)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn bind(
        &self,
        key: Value,
        expected: u64,
        values: [Value; N],
    ) -> Result<GuardedWrite<'_>, OptimisticError> {
        let (expected_param, next) = next_sql_version(expected)?;
        check_key(&key)?;
        let mut params = Vec::with_capacity(N + 2);
        params.extend(values);
        params.push(key);
        params.push(expected_param);
        let statement = Statement { sql: self.sql.clone(), params };
        Ok(GuardedWrite::new(statement, &self.table, N, expected, Some(next)))
    }
}

/// An `INSERT` of a new row with `N` columns at version 0, checked and
/// written once by [`OptimisticUpdate::insert`]:
/// [`bind`](PreparedInsert::bind) gives it the row's key and values.
///
/// # Example
///
/// ```
/// use routekit::optimistic::OptimisticUpdate;
/// use routekit::sql::{Postgres, Value};
///
/// let create = OptimisticUpdate::new(&Postgres, "docs")?.insert(["body"])?;
/// let insert = create.bind(Value::Int(7), [Value::Text("hello".into())])?;
/// assert_eq!(insert.sql, r#"INSERT INTO "docs" ("id", "body", "version") VALUES ($1, $2, 0)"#);
/// assert_eq!(insert.params, [Value::Int(7), Value::Text("hello".into())]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct PreparedInsert<const N: usize> {
    sql: String,
}

impl<const N: usize> PreparedInsert<N> {
    pub(super) fn new(sql: String) -> Self {
        PreparedInsert { sql }
    }

    /// The insert of the row with `key` and `values` (in the order of the
    /// columns prepared). Run it with a plain execute: one row inserted.
    ///
    /// Cost: one copy of the SQL text, and the values moved in.
    ///
    /// # Errors
    ///
    /// [`OptimisticError::NullKey`] for a `NULL` key.
    ///
    /// ```
    /// use routekit::optimistic::{OptimisticError, OptimisticUpdate};
    /// use routekit::sql::{Sqlite, Value};
    /// let create = OptimisticUpdate::new(&Sqlite, "docs")?.insert([])?;
    /// assert!(matches!(create.bind(Value::Null, []), Err(OptimisticError::NullKey)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn bind(&self, key: Value, values: [Value; N]) -> Result<Statement, OptimisticError> {
        check_key(&key)?;
        let mut params = Vec::with_capacity(N + 1);
        params.push(key);
        params.extend(values);
        Ok(Statement { sql: self.sql.clone(), params })
    }
}
