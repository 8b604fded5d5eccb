//! The [`Dialect`] trait: what differs between SQL databases, as facts and
//! as the fragments that differ.

use std::fmt;

use super::{Ident, Nulls, Order, push_number};

/// What differs between SQL databases, as far as routekit's statements go.
///
/// Each method states a fact about the database or writes a fragment of SQL
/// text; the statement builders ask these and never look at the dialect's
/// name. The provided methods write standard SQL: a dialect overrides the
/// ones its database does otherwise. Dialects are passed as
/// `&'static dyn Dialect` everywhere: `&Postgres`, `&Sqlite`, `&MySql`, or a
/// reference to a unit struct of your own.
///
/// Fragments are appended to `out` without leading or trailing spaces.
///
/// # Example
///
/// A dialect for a database with `:1` placeholders whose `NULL`s sort as the
/// largest value, that seeks row values and has `RETURNING`:
///
/// ```
/// use routekit::sql::{Dialect, Ident, NativeNulls, Nulls, Order, SqlWriter};
///
/// #[derive(Debug)]
/// struct Colon;
///
/// impl Dialect for Colon {
///     fn name(&self) -> &'static str {
///         "colon"
///     }
///     fn placeholder(&self, index: usize, out: &mut String) {
///         out.push_str(&format!(":{index}"));
///     }
///     fn native_nulls(&self) -> NativeNulls {
///         NativeNulls::Largest
///     }
///     fn seeks_row_values(&self) -> bool {
///         true
///     }
///     fn supports_returning(&self) -> bool {
///         true
///     }
/// }
///
/// let mut sql = SqlWriter::new(&Colon);
/// sql.push("SELECT * FROM t WHERE a > ");
/// sql.bind(routekit::sql::Value::Int(1));
/// sql.push(" ORDER BY ");
/// sql.order_by_key(&Ident::new("a")?, Order::Desc, Some(Nulls::Last));
/// sql.push(" ");
/// sql.limit(10);
/// assert_eq!(sql.finish().sql, r#"SELECT * FROM t WHERE a > :1 ORDER BY "a" DESC NULLS LAST LIMIT 10"#);
/// # Ok::<(), routekit::sql::IdentError>(())
/// ```
pub trait Dialect: fmt::Debug + Send + Sync {
    /// A short name for messages: `"postgres"`, `"sqlite"`, `"mysql"`.
    ///
    /// ```
    /// use routekit::sql::{Dialect, MySql};
    /// assert_eq!(MySql.name(), "mysql");
    /// ```
    fn name(&self) -> &'static str;

    /// Appends the placeholder for the `index`-th bind value (1-based).
    ///
    /// ```
    /// use routekit::sql::{Dialect, MySql, Postgres};
    /// let mut text = String::new();
    /// Postgres.placeholder(3, &mut text);
    /// MySql.placeholder(3, &mut text);
    /// assert_eq!(text, "$3?");
    /// ```
    fn placeholder(&self, index: usize, out: &mut String);

    /// Appends `ident` quoted, each dot-separated part on its own. The
    /// standard quotes them in double quotes: `"s"."t"`.
    ///
    /// An [`Ident`] holds no quote character of any dialect, so nothing
    /// needs escaping.
    ///
    /// ```
    /// use routekit::sql::{Dialect, Ident, Postgres};
    /// let mut text = String::new();
    /// Postgres.quote_ident(&Ident::new("s.t")?, &mut text);
    /// assert_eq!(text, r#""s"."t""#);
    /// # Ok::<(), routekit::sql::IdentError>(())
    /// ```
    fn quote_ident(&self, ident: &Ident, out: &mut String) {
        ident.quote_parts('"', out);
    }

    /// Where `NULL` sorts when `ORDER BY` names no placement.
    ///
    /// ```
    /// use routekit::sql::{Dialect, NativeNulls, Postgres, Sqlite};
    /// assert_eq!(Postgres.native_nulls(), NativeNulls::Largest);
    /// assert_eq!(Sqlite.native_nulls(), NativeNulls::Smallest);
    /// ```
    fn native_nulls(&self) -> NativeNulls;

    /// Appends the `ORDER BY` term that sorts by `column` in `order`, with
    /// `NULL`s placed `nulls` (`None`: the column holds no `NULL`). The
    /// standard writes `"c" DESC NULLS LAST`; a database without `NULLS
    /// FIRST/LAST` sorts by `(c IS NULL)` first where its
    /// [native placement](Dialect::native_nulls) is not the one asked for.
    ///
    /// ```
    /// use routekit::sql::{Dialect, Ident, MySql, Nulls, Order, Sqlite};
    /// let score = Ident::new("score")?;
    /// let mut text = String::new();
    /// Sqlite.order_by_key(&score, Order::Desc, Some(Nulls::First), &mut text);
    /// text.push_str(" | ");
    /// MySql.order_by_key(&score, Order::Desc, Some(Nulls::First), &mut text);
    /// assert_eq!(text, r#""score" DESC NULLS FIRST | (`score` IS NULL) DESC, `score` DESC"#);
    /// # Ok::<(), routekit::sql::IdentError>(())
    /// ```
    fn order_by_key(&self, column: &Ident, order: Order, nulls: Option<Nulls>, out: &mut String) {
        self.quote_ident(column, out);
        out.push(' ');
        out.push_str(order.keyword());
        if let Some(nulls) = nulls {
            out.push(' ');
            out.push_str(nulls.keyword());
        }
    }

    /// Whether a row-value comparison `(a, b) > (?, ?)` is understood and
    /// answered by a range scan of an index on `(a, b)`. Where it is not,
    /// [`keyset`](crate::keyset) writes the expanded `a >= ? AND (a > ? OR
    /// (a = ? AND b > ?))`, which every database seeks.
    ///
    /// ```
    /// use routekit::sql::{Dialect, MySql, Postgres};
    /// assert!(Postgres.seeks_row_values() && !MySql.seeks_row_values());
    /// ```
    fn seeks_row_values(&self) -> bool;

    /// Whether `UPDATE … RETURNING c` and `DELETE … RETURNING c` return the
    /// rows they changed. Where they do not, a write's outcome is read from
    /// its affected-row count.
    ///
    /// ```
    /// use routekit::sql::{Dialect, MySql, Sqlite};
    /// assert!(Sqlite.supports_returning() && !MySql.supports_returning());
    /// ```
    fn supports_returning(&self) -> bool;

    /// Appends the clause that ends a `SELECT` after at most `rows` rows. The
    /// standard's is `FETCH FIRST 21 ROWS ONLY`; this default writes
    /// `LIMIT 21`, which most databases read and some (SQLite, MySQL) need.
    ///
    /// ```
    /// use routekit::sql::{Dialect, Postgres};
    /// let mut text = String::new();
    /// Postgres.limit(21, &mut text);
    /// assert_eq!(text, "LIMIT 21");
    /// ```
    fn limit(&self, rows: u64, out: &mut String) {
        push_number("LIMIT ", rows, out);
    }

    /// Whether a `SELECT` can lock the rows it returns until the transaction
    /// ends (PostgreSQL, MySQL, MariaDB). SQLite cannot: it locks the whole
    /// database file, and a writer takes that lock up front with `BEGIN
    /// IMMEDIATE`, so two writers never interleave and no row lock is
    /// needed.
    ///
    /// ```
    /// use routekit::sql::{Dialect, MySql, Sqlite};
    /// assert!(MySql.locks_rows() && !Sqlite.locks_rows());
    /// ```
    fn locks_rows(&self) -> bool {
        true
    }

    /// Appends the clause that ends a `SELECT` whose rows are locked for
    /// update until the transaction ends, and reads each row's latest
    /// committed version rather than the transaction's snapshot. The standard
    /// (and PostgreSQL, MySQL, MariaDB) writes `FOR UPDATE`; a dialect that
    /// does not [lock rows](Dialect::locks_rows) appends nothing.
    ///
    /// ```
    /// use routekit::sql::{Dialect, Postgres, Sqlite};
    /// let mut text = String::new();
    /// Postgres.lock_for_update(&mut text);
    /// Sqlite.lock_for_update(&mut text);
    /// assert_eq!(text, "FOR UPDATE");
    /// ```
    fn lock_for_update(&self, out: &mut String) {
        if self.locks_rows() {
            out.push_str("FOR UPDATE");
        }
    }
}

/// Compiles only while `Dialect` can be used as `dyn Dialect`.
const _: Option<&dyn Dialect> = None;

/// Where a database sorts `NULL` when `ORDER BY` names no placement: as if
/// it were smaller or larger than every value.
///
/// # Example
///
/// ```
/// use routekit::sql::{Dialect, MySql, NativeNulls, Nulls, Order, Postgres};
///
/// assert_eq!(Postgres.native_nulls(), NativeNulls::Largest);
/// assert_eq!(MySql.native_nulls().placement(Order::Asc), Nulls::First);
/// assert_eq!(MySql.native_nulls().placement(Order::Desc), Nulls::Last);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NativeNulls {
    /// `NULL` sorts before every value ascending, after every value
    /// descending (SQLite, MySQL, MariaDB, SQL Server).
    Smallest,
    /// `NULL` sorts after every value ascending, before every value
    /// descending (PostgreSQL, Oracle).
    Largest,
}

impl NativeNulls {
    /// Where `NULL`s end up in a sort in `order` that names no placement.
    ///
    /// ```
    /// use routekit::sql::{NativeNulls, Nulls, Order};
    /// assert_eq!(NativeNulls::Largest.placement(Order::Asc), Nulls::Last);
    /// assert_eq!(NativeNulls::Largest.placement(Order::Desc), Nulls::First);
    /// ```
    pub fn placement(self, order: Order) -> Nulls {
        match (self, order) {
            (NativeNulls::Smallest, Order::Asc) | (NativeNulls::Largest, Order::Desc) => {
                Nulls::First
            }
            (NativeNulls::Smallest, Order::Desc) | (NativeNulls::Largest, Order::Asc) => {
                Nulls::Last
            }
        }
    }
}
