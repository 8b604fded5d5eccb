//! What the SQL-emitting modules share: the [`Dialect`] trait and the three
//! dialects, bind [`Value`]s, checked identifiers ([`Ident`]) and the
//! [`Statement`] they produce.
//!
//! routekit never splices a caller's value into SQL text: values travel as
//! bind parameters, and the only names written into the text are identifiers
//! that passed [`Ident::new`] and are then quoted for the dialect.
//!
//! # Example
//!
//! ```
//! use routekit::sql::{Ident, Postgres, SqlWriter, Sqlite, Value};
//!
//! let column = Ident::new("user_id")?;
//! for (dialect, text) in [
//!     (&Postgres as &dyn routekit::sql::Dialect, r#"SELECT * FROM t WHERE "user_id" = $1"#),
//!     (&Sqlite, r#"SELECT * FROM t WHERE "user_id" = ?1"#),
//! ] {
//!     let mut sql = SqlWriter::new(dialect);
//!     sql.push("SELECT * FROM t WHERE ");
//!     sql.ident(&column);
//!     sql.push(" = ");
//!     sql.bind(Value::Int(42));
//!     let statement = sql.finish();
//!     assert_eq!(statement.sql, text);
//!     assert_eq!(statement.params, [Value::Int(42)]);
//! }
//! # Ok::<(), routekit::sql::SqlError>(())
//! ```

use std::fmt;

use thiserror::Error;

/// What differs between SQL databases, as far as routekit's statements go.
///
/// Implemented by [`Postgres`], [`Sqlite`] and [`MySql`]; object safe, so
/// builders hold a `&dyn Dialect` or `Box<dyn Dialect>`.
///
/// # Example
///
/// ```
/// use routekit::sql::{Dialect, MySql, Postgres};
///
/// let mut text = String::new();
/// Postgres.placeholder(3, &mut text);
/// MySql.placeholder(3, &mut text);
/// assert_eq!(text, "$3?");
/// assert!(Postgres.supports_returning() && !MySql.supports_returning());
/// ```
pub trait Dialect: fmt::Debug + Send + Sync {
    /// A short name for messages: `"postgres"`, `"sqlite"`, `"mysql"`.
    fn name(&self) -> &'static str;

    /// Appends the placeholder for the `index`-th bind value (1-based).
    fn placeholder(&self, index: usize, out: &mut String);

    /// Appends `ident` quoted for this dialect (each dot-separated part
    /// quoted on its own).
    fn quote_ident(&self, ident: &Ident, out: &mut String);

    /// Whether `ORDER BY … NULLS FIRST / NULLS LAST` is understood.
    fn supports_nulls_order(&self) -> bool;

    /// Whether row-value comparisons `(a, b) > (?, ?)` are understood and can
    /// use an index on `(a, b)`.
    fn supports_row_values(&self) -> bool;

    /// Whether `UPDATE … RETURNING` / `DELETE … RETURNING` are understood.
    fn supports_returning(&self) -> bool;
}

/// PostgreSQL: `$1` placeholders, `"double"` quotes, `NULLS FIRST/LAST`, row
/// values, `RETURNING`.
///
/// ```
/// use routekit::sql::{Dialect, Postgres};
/// assert_eq!(Postgres.name(), "postgres");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Postgres;

/// SQLite: `?1` placeholders, `"double"` quotes, `NULLS FIRST/LAST` (3.30+),
/// row values (3.15+), `RETURNING` (3.35+). The bundled SQLite of the
/// `rusqlite` crate is far newer than all three.
///
/// ```
/// use routekit::sql::{Dialect, Sqlite};
/// let mut text = String::new();
/// Sqlite.placeholder(2, &mut text);
/// assert_eq!(text, "?2");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sqlite;

/// MySQL (8.0): `?` placeholders, `` `backtick` `` quotes, no `NULLS FIRST/LAST`
/// (emulated by the builders with `(col IS NULL)` ordering), no
/// `RETURNING`. Row values are understood but not reliably used for index
/// range scans, so builders expand them.
///
/// ```
/// use routekit::sql::{Dialect, Ident, MySql};
/// let mut text = String::new();
/// MySql.quote_ident(&Ident::new("t.id")?, &mut text);
/// assert_eq!(text, "`t`.`id`");
/// # Ok::<(), routekit::sql::SqlError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MySql;

/// Appends `sigil` and `index` in decimal, without allocating.
fn push_number(sigil: char, index: usize, out: &mut String) {
    use std::fmt::Write as _;
    out.push(sigil);
    // Writing to a `String` cannot fail.
    let _ = write!(out, "{index}");
}

impl Dialect for Postgres {
    fn name(&self) -> &'static str {
        "postgres"
    }
    fn placeholder(&self, index: usize, out: &mut String) {
        push_number('$', index, out);
    }
    fn quote_ident(&self, ident: &Ident, out: &mut String) {
        quote_parts(ident, '"', out);
    }
    fn supports_nulls_order(&self) -> bool {
        true
    }
    fn supports_row_values(&self) -> bool {
        true
    }
    fn supports_returning(&self) -> bool {
        true
    }
}

impl Dialect for Sqlite {
    fn name(&self) -> &'static str {
        "sqlite"
    }
    fn placeholder(&self, index: usize, out: &mut String) {
        push_number('?', index, out);
    }
    fn quote_ident(&self, ident: &Ident, out: &mut String) {
        quote_parts(ident, '"', out);
    }
    fn supports_nulls_order(&self) -> bool {
        true
    }
    fn supports_row_values(&self) -> bool {
        true
    }
    fn supports_returning(&self) -> bool {
        true
    }
}

impl Dialect for MySql {
    fn name(&self) -> &'static str {
        "mysql"
    }
    fn placeholder(&self, _index: usize, out: &mut String) {
        out.push('?');
    }
    fn quote_ident(&self, ident: &Ident, out: &mut String) {
        quote_parts(ident, '`', out);
    }
    fn supports_nulls_order(&self) -> bool {
        false
    }
    fn supports_row_values(&self) -> bool {
        false
    }
    fn supports_returning(&self) -> bool {
        false
    }
}

/// Quotes each dot-separated part; parts are plain identifiers, so they hold
/// no quote character to escape.
fn quote_parts(ident: &Ident, quote: char, out: &mut String) {
    for (i, part) in ident.as_str().split('.').enumerate() {
        if i > 0 {
            out.push('.');
        }
        out.push(quote);
        out.push_str(part);
        out.push(quote);
    }
}

/// A SQL identifier that passed the plain-identifier rule: one to three
/// dot-separated parts, each an ASCII letter or `_` followed by up to 62
/// ASCII letters, digits or `_`.
///
/// Anything else — spaces, quotes, semicolons, comments, operators, non-ASCII —
/// is refused, so an identifier can be quoted without escaping and can never
/// change the shape of a statement.
///
/// # Example
///
/// ```
/// use routekit::sql::Ident;
///
/// assert!(Ident::new("public.orders").is_ok());
/// assert!(Ident::new("id; DROP TABLE t").is_err());
/// assert!(Ident::new(r#""a" OR 1=1"#).is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ident(String);

/// The longest identifier part, in bytes (PostgreSQL's limit is 63).
const MAX_IDENT_PART: usize = 63;

impl Ident {
    /// Checks `name` against the plain-identifier rule.
    ///
    /// # Errors
    ///
    /// [`SqlError::InvalidIdentifier`] naming the identifier and the rule.
    ///
    /// ```
    /// use routekit::sql::Ident;
    /// assert_eq!(Ident::new("created_at")?.as_str(), "created_at");
    /// # Ok::<(), routekit::sql::SqlError>(())
    /// ```
    pub fn new(name: &str) -> Result<Ident, SqlError> {
        let parts: Vec<&str> = name.split('.').collect();
        let valid = parts.len() <= 3
            && parts.iter().all(|part| {
                let mut chars = part.chars();
                part.len() <= MAX_IDENT_PART
                    && chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                    && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
            });
        if valid {
            Ok(Ident(name.to_owned()))
        } else {
            Err(SqlError::InvalidIdentifier { ident: name.to_owned() })
        }
    }

    /// The identifier as written (unquoted).
    ///
    /// ```
    /// assert_eq!(routekit::sql::Ident::new("t.a")?.as_str(), "t.a");
    /// # Ok::<(), routekit::sql::SqlError>(())
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Ident {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A bind value.
///
/// Timestamps keep their full precision (seconds and nanoseconds since the
/// Unix epoch, UTC); nothing is rounded to milliseconds on the way.
///
/// # Example
///
/// ```
/// use routekit::sql::{Timestamp, Value};
///
/// let values = [Value::Int(7), Value::Text("x".into()), Value::Null];
/// assert_eq!(values[0], Value::Int(7));
/// let t = Value::Timestamp(Timestamp::new(1_700_000_000, 123_456_789)?);
/// assert!(matches!(t, Value::Timestamp(ts) if ts.nanos() == 123_456_789));
/// # Ok::<(), routekit::sql::SqlError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Value {
    /// SQL `NULL`.
    Null,
    /// A boolean.
    Bool(bool),
    /// A 64-bit signed integer (`BIGINT`).
    Int(i64),
    /// A 64-bit float (`DOUBLE PRECISION` / `REAL`).
    Float(f64),
    /// Text.
    Text(String),
    /// Bytes (`BYTEA` / `BLOB`).
    Bytes(Vec<u8>),
    /// An instant, UTC, at nanosecond precision.
    Timestamp(Timestamp),
}

/// An instant as seconds and nanoseconds since 1970-01-01T00:00:00Z.
///
/// # Example
///
/// ```
/// use routekit::sql::Timestamp;
/// let t = Timestamp::new(-1, 999_999_999)?; // one nanosecond before the epoch
/// assert_eq!((t.seconds(), t.nanos()), (-1, 999_999_999));
/// assert!(Timestamp::new(0, 1_000_000_000).is_err());
/// # Ok::<(), routekit::sql::SqlError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    seconds: i64,
    nanos: u32,
}

impl Timestamp {
    /// An instant `seconds` (floor) plus `nanos` after the epoch.
    ///
    /// # Errors
    ///
    /// [`SqlError::InvalidTimestamp`] when `nanos` is a second or more.
    ///
    /// ```
    /// assert!(routekit::sql::Timestamp::new(0, 0).is_ok());
    /// ```
    pub fn new(seconds: i64, nanos: u32) -> Result<Timestamp, SqlError> {
        if nanos < 1_000_000_000 {
            Ok(Timestamp { seconds, nanos })
        } else {
            Err(SqlError::InvalidTimestamp { nanos })
        }
    }

    /// Whole seconds since the epoch (rounded toward negative infinity).
    ///
    /// ```
    /// assert_eq!(routekit::sql::Timestamp::new(5, 1)?.seconds(), 5);
    /// # Ok::<(), routekit::sql::SqlError>(())
    /// ```
    pub fn seconds(&self) -> i64 {
        self.seconds
    }

    /// Nanoseconds after [`seconds`](Timestamp::seconds), below 10⁹.
    ///
    /// ```
    /// assert_eq!(routekit::sql::Timestamp::new(5, 1)?.nanos(), 1);
    /// # Ok::<(), routekit::sql::SqlError>(())
    /// ```
    pub fn nanos(&self) -> u32 {
        self.nanos
    }
}

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
/// # Ok::<(), routekit::sql::SqlError>(())
/// ```
#[derive(Debug)]
pub struct SqlWriter<'d> {
    dialect: &'d dyn Dialect,
    sql: String,
    params: Vec<Value>,
}

impl<'d> SqlWriter<'d> {
    /// An empty statement for `dialect`.
    ///
    /// ```
    /// let sql = routekit::sql::SqlWriter::new(&routekit::sql::Sqlite);
    /// assert_eq!(sql.finish().sql, "");
    /// ```
    pub fn new(dialect: &'d dyn Dialect) -> Self {
        SqlWriter { dialect, sql: String::new(), params: Vec::new() }
    }

    /// The dialect being written.
    ///
    /// ```
    /// let sql = routekit::sql::SqlWriter::new(&routekit::sql::MySql);
    /// assert_eq!(sql.dialect().name(), "mysql");
    /// ```
    pub fn dialect(&self) -> &'d dyn Dialect {
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
    /// # Ok::<(), routekit::sql::SqlError>(())
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

/// What was wrong with SQL input given to routekit.
///
/// # Example
///
/// ```
/// use routekit::sql::{Ident, SqlError};
/// let err = Ident::new("a b").unwrap_err();
/// assert!(matches!(err, SqlError::InvalidIdentifier { .. }));
/// assert!(err.to_string().contains("a b"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum SqlError {
    /// A name failed the plain-identifier rule.
    #[error(
        "{ident:?} is not a plain SQL identifier: use 1 to 3 dot-separated parts, each an ASCII \
         letter or '_' followed by up to 62 ASCII letters, digits or '_'"
    )]
    InvalidIdentifier {
        /// The rejected name.
        ident: String,
    },
    /// A timestamp's nanoseconds were a second or more.
    #[error("timestamp nanoseconds must be below 1000000000, got {nanos}")]
    InvalidTimestamp {
        /// The rejected nanoseconds.
        nanos: u32,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_that_could_change_a_statement_are_refused() {
        for bad in [
            "",
            "1a",
            "a b",
            "a;b",
            "id; DROP TABLE t",
            r#""a" OR 1=1"#,
            "a--",
            "a/*",
            "`a`",
            "a.",
            ".a",
            "a..b",
            "a.b.c.d",
            "é",
            "a\0",
            &"x".repeat(64),
        ] {
            assert!(Ident::new(bad).is_err(), "{bad:?} accepted");
        }
        for good in ["a", "_", "A_1", "s.t", "db.s.t", &"x".repeat(63)] {
            assert!(Ident::new(good).is_ok(), "{good:?} refused");
        }
    }

    #[test]
    fn placeholders_and_quotes_per_dialect() {
        let ident = Ident::new("s.t").unwrap();
        let cases: [(&dyn Dialect, &str); 3] = [
            (&Postgres, r#""s"."t" = $1 AND $2"#),
            (&Sqlite, r#""s"."t" = ?1 AND ?2"#),
            (&MySql, "`s`.`t` = ? AND ?"),
        ];
        for (dialect, want) in cases {
            let mut sql = SqlWriter::new(dialect);
            sql.ident(&ident);
            sql.push(" = ");
            sql.bind(Value::Int(1));
            sql.push(" AND ");
            sql.bind(Value::Int(2));
            assert_eq!(sql.finish().sql, want, "{}", dialect.name());
        }
    }
}
