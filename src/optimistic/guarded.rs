//! [`GuardedWrite`]: a version-checked `UPDATE` or `DELETE`, and the check of
//! its outcome.

use super::{OptimisticError, OptimisticUpdate, WriteError};
use crate::sql::Statement;

/// A version-checked `UPDATE` or `DELETE`, and the check of its outcome.
///
/// Made by [`PreparedUpdate::bind`](super::PreparedUpdate::bind) and
/// [`OptimisticUpdate::delete`]. Run [`statement`](GuardedWrite::statement)
/// (with a query that counts the returned rows when
/// [`returns_version`](GuardedWrite::returns_version), an execute that
/// reports affected rows otherwise), then pass the count to
/// [`check`](GuardedWrite::check).
///
/// # Example
///
/// ```
/// use routekit::optimistic::{OptimisticError, OptimisticUpdate, WriteError};
/// use routekit::sql::{MySql, Value};
///
/// let docs = OptimisticUpdate::new(&MySql, "docs")?;
/// let set_body = docs.update(["body"])?;
/// let write = set_body.bind(Value::Int(7), 3, [Value::Text("new".into())])?;
/// assert!(!write.returns_version()); // MySQL: count affected rows
///
/// // 0 rows and no row in the version read: the row is gone.
/// let gone = write.check(0, |read| {
///     assert_eq!(read.sql, "SELECT `version` FROM `docs` WHERE `id` = ? FOR UPDATE");
///     Ok::<_, std::io::Error>(None)
/// });
/// assert!(matches!(gone, Err(WriteError::Version(OptimisticError::NotFound))));
/// # Ok::<(), Box<dyn std::error::Error>>(())
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

impl<'t> GuardedWrite<'t> {
    pub(super) fn new(
        statement: Statement,
        table: &'t OptimisticUpdate,
        key_param: usize,
        expected: u64,
        next: Option<u64>,
    ) -> Self {
        GuardedWrite { statement, table, key_param, expected, next }
    }

    /// The statement to run.
    ///
    /// ```
    /// use routekit::optimistic::OptimisticUpdate;
    /// use routekit::sql::{Sqlite, Value};
    /// let table = OptimisticUpdate::new(&Sqlite, "t")?;
    /// let write = table.delete(Value::Int(1), 0)?;
    /// assert_eq!(write.statement().params, [Value::Int(1), Value::Int(0)]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
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
    /// let table = OptimisticUpdate::new(&Postgres, "t")?;
    /// let write = table.delete(Value::Int(1), 0)?;
    /// assert!(write.returns_version());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn returns_version(&self) -> bool {
        self.table.returns_version()
    }

    /// The version the write expects the row to be at.
    ///
    /// ```
    /// use routekit::optimistic::OptimisticUpdate;
    /// use routekit::sql::{Postgres, Value};
    /// let touch = OptimisticUpdate::new(&Postgres, "t")?.update([])?;
    /// assert_eq!(touch.bind(Value::Int(1), 6, [])?.expected_version(), 6);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
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
    /// let touch = OptimisticUpdate::new(&MySql, "t")?.update([])?;
    /// assert_eq!(touch.bind(Value::Int(1), 6, [])?.next_version(), Some(7));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
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
    /// let touch = OptimisticUpdate::new(&Postgres, "t")?.update([])?;
    /// let write = touch.bind(Value::Int(5), 1, [])?;
    /// assert_eq!(write.version_read().sql, r#"SELECT "version" FROM "t" WHERE "id" = $1 FOR UPDATE"#);
    /// assert_eq!(write.version_read().params, [Value::Int(5)]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
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
    /// let touch = OptimisticUpdate::new(&Sqlite, "t")?.update([])?;
    /// let write = touch.bind(Value::Int(1), 2, [])?;
    /// let conflict = write.check(0, |_| Ok::<_, std::io::Error>(Some(9)));
    /// assert!(matches!(
    ///     conflict,
    ///     Err(WriteError::Version(OptimisticError::Conflict { expected: 2, current: 9, .. }))
    /// ));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
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
