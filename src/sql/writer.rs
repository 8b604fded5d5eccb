//! Writing a statement: SQL text for a dialect and its bind values.

use super::{Dialect, Ident, Nulls, Order, Value};

/// A statement: SQL text and its bind values in placeholder order.
///
/// # Example
///
/// ```
/// use routekit::sql::{Statement, Value};
/// let s = Statement { sql: "SELECT ?1".into(), params: vec![Value::Int(1)] };
/// assert_eq!(s.params.len(), 1);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Statement {
    /// The SQL text, with placeholders for every value.
    pub sql: String,
    /// The values, in placeholder order.
    pub params: Vec<Value>,
}

/// Writes SQL text for a dialect, numbering placeholders as values are bound.
///
/// # Example
///
/// ```
/// use routekit::sql::{Ident, Postgres, SqlWriter, Value};
/// let mut sql = SqlWriter::new(&Postgres);
/// sql.push("UPDATE ");
/// sql.ident(&Ident::new("t")?);
/// sql.push(" SET n = ");
/// sql.bind(Value::Int(1));
/// assert_eq!(sql.finish().sql, r#"UPDATE "t" SET n = $1"#);
/// # Ok::<(), routekit::sql::IdentError>(())
/// ```
#[derive(Debug)]
pub struct SqlWriter {
    dialect: &'static dyn Dialect,
    sql: String,
    params: Vec<Value>,
}

impl SqlWriter {
    /// An empty statement for `dialect`.
    ///
    /// ```
    /// let sql = routekit::sql::SqlWriter::new(&routekit::sql::Sqlite);
    /// assert_eq!(sql.finish().sql, "");
    /// ```
    pub fn new(dialect: &'static dyn Dialect) -> Self {
        SqlWriter { dialect, sql: String::new(), params: Vec::new() }
    }

    /// An empty statement for `dialect` with room for `text` bytes of SQL
    /// and `params` values, for writers that know their size.
    pub(crate) fn with_capacity(dialect: &'static dyn Dialect, text: usize, params: usize) -> Self {
        SqlWriter { dialect, sql: String::with_capacity(text), params: Vec::with_capacity(params) }
    }

    /// The dialect being written.
    ///
    /// ```
    /// let sql = routekit::sql::SqlWriter::new(&routekit::sql::MySql);
    /// assert_eq!(sql.dialect().name(), "mysql");
    /// ```
    pub fn dialect(&self) -> &'static dyn Dialect {
        self.dialect
    }

    /// Appends fixed SQL text. Never pass data here: bind it.
    ///
    /// ```
    /// let mut sql = routekit::sql::SqlWriter::new(&routekit::sql::Sqlite);
    /// sql.push("SELECT 1");
    /// assert_eq!(sql.finish().sql, "SELECT 1");
    /// ```
    pub fn push(&mut self, text: &str) {
        self.sql.push_str(text);
    }

    /// Appends a quoted identifier.
    ///
    /// ```
    /// use routekit::sql::{Ident, Sqlite, SqlWriter};
    /// let mut sql = SqlWriter::new(&Sqlite);
    /// sql.ident(&Ident::new("order")?);
    /// assert_eq!(sql.finish().sql, r#""order""#);
    /// # Ok::<(), routekit::sql::IdentError>(())
    /// ```
    pub fn ident(&mut self, ident: &Ident) {
        self.dialect.quote_ident(ident, &mut self.sql);
    }

    /// Appends the next placeholder and records `value` for it.
    ///
    /// ```
    /// use routekit::sql::{Sqlite, SqlWriter, Value};
    /// let mut sql = SqlWriter::new(&Sqlite);
    /// sql.bind(Value::Null);
    /// sql.push(", ");
    /// sql.bind(Value::Bool(true));
    /// assert_eq!(sql.finish().sql, "?1, ?2");
    /// ```
    pub fn bind(&mut self, value: Value) {
        self.params.push(value);
        self.dialect.placeholder(self.params.len(), &mut self.sql);
    }

    /// Appends caller-written SQL that carries its own placeholders, and
    /// records `values` for them.
    ///
    /// The text must use this dialect's placeholders and number them as the
    /// next values of the statement: with nothing bound yet, `$1, $2` for
    /// PostgreSQL, `?1, ?2` (or `?`) for SQLite, `?` for MySQL. The text is
    /// copied as it is, so it must come from the program, never from a
    /// request.
    ///
    /// ```
    /// use routekit::sql::{Postgres, SqlWriter, Value};
    /// let mut sql = SqlWriter::new(&Postgres);
    /// sql.push("SELECT * FROM t WHERE ");
    /// sql.push_bound("tenant = $1", [Value::Int(7)]);
    /// sql.push(" AND n > ");
    /// sql.bind(Value::Int(0));
    /// let statement = sql.finish();
    /// assert_eq!(statement.sql, "SELECT * FROM t WHERE tenant = $1 AND n > $2");
    /// assert_eq!(statement.params, [Value::Int(7), Value::Int(0)]);
    /// ```
    pub fn push_bound(&mut self, text: &str, values: impl IntoIterator<Item = Value>) {
        self.sql.push_str(text);
        self.params.extend(values);
    }

    /// Appends the dialect's `ORDER BY` term for `column` in `order` with
    /// `NULL`s placed `nulls` (see [`Dialect::order_by_key`]).
    ///
    /// ```
    /// use routekit::sql::{Ident, MySql, Nulls, Order, SqlWriter};
    /// let mut sql = SqlWriter::new(&MySql);
    /// sql.push("ORDER BY ");
    /// sql.order_by_key(&Ident::new("score")?, Order::Asc, Some(Nulls::Last));
    /// assert_eq!(sql.finish().sql, "ORDER BY (`score` IS NULL), `score` ASC");
    /// # Ok::<(), routekit::sql::IdentError>(())
    /// ```
    pub fn order_by_key(&mut self, column: &Ident, order: Order, nulls: Option<Nulls>) {
        self.dialect.order_by_key(column, order, nulls, &mut self.sql);
    }

    /// Appends the dialect's clause that keeps at most `rows` rows (see
    /// [`Dialect::limit`]).
    ///
    /// ```
    /// let mut sql = routekit::sql::SqlWriter::new(&routekit::sql::Postgres);
    /// sql.push("SELECT 1 ");
    /// sql.limit(5);
    /// assert_eq!(sql.finish().sql, "SELECT 1 LIMIT 5");
    /// ```
    pub fn limit(&mut self, rows: u64) {
        self.dialect.limit(rows, &mut self.sql);
    }

    /// The text and values written so far.
    ///
    /// ```
    /// let sql = routekit::sql::SqlWriter::new(&routekit::sql::Postgres);
    /// assert!(sql.finish().params.is_empty());
    /// ```
    pub fn finish(self) -> Statement {
        Statement { sql: self.sql, params: self.params }
    }
}
