//! Keyset ("seek") pagination: page queries that jump straight to the next
//! page through an index, and the opaque cursors that lead there.
//!
//! `OFFSET` pagination reads and throws away every row before the page, and
//! skips or repeats rows when rows are inserted or deleted between requests.
//! A keyset query instead asks for the rows *after the last row seen*, in a
//! total order, so the database seeks to the page through an index on the sort
//! keys and a row that exists throughout is never skipped or repeated.
//!
//! [`Keyset::builder`] takes the table (or a FROM clause), the selected
//! columns, the [`SortKey`]s, an optional filter, a page size and a position —
//! the first page, [`after`](KeysetBuilder::after) or
//! [`before`](KeysetBuilder::before) a cursor, or the last page — and builds
//! the [`Keyset`]: a [`Statement`] (SQL text and bind values for the
//! [`Dialect`]) that asks for `limit + 1` rows. Run it with your database
//! client, hand the rows to [`Keyset::page`], and get a [`Page`]: the rows in
//! your order (a backward page is fetched reversed and turned back), whether
//! pages exist before and after it, and their cursors.
//!
//! What it gets right, where hand-written keyset queries often do not:
//!
//! * **Ties**: the ordering must end in a key declared unique and non-null,
//!   so no two rows compare equal; the builder refuses any other ordering.
//! * **Mixed directions and `NULL`s**: the predicate is exact for every mix of
//!   ASC/DESC and `NULLS FIRST/LAST`, written for the cursor's actual values (a
//!   `NULL` changes its shape). Where it is a plain tuple comparison it is
//!   written as a row value `(a, b) > (?, ?)`; otherwise as the expanded
//!   OR-of-ANDs with a leading range term so the planner can still seek (see
//!   [below](self#how-the-predicate-is-written)).
//! * **Both directions**: a backward page comes back in the caller's order;
//!   `has_next` and `has_previous` are exact, and no "next" cursor leads to an
//!   empty page (the extra row fetched proves there is one).
//! * **Untrusted cursors**: a cursor is opaque, URL-safe text carrying a format
//!   version, a fingerprint of the ordering (source, keys, types, directions,
//!   `NULL` placement) and the typed key values, authenticated by a
//!   SipHash-2-4 tag under a [`CursorSecret`]. An edited, forged, truncated or
//!   foreign cursor, one issued for another ordering, or one holding a value of
//!   the wrong type is refused with a [`CursorError`]; it never reaches SQL.
//!   Cursors are authenticated, not encrypted: whoever decodes one can read
//!   the key values of the row it points at, so sort by nothing a client must
//!   not see.
//! * **No injection**: table and column names are checked against the
//!   plain-identifier rule ([`Ident`]) and quoted for the dialect; values are
//!   always bind parameters.
//!
//! # How the predicate is written
//!
//! For keys `k1..kn` and cursor values `v1..vn`, the rows after the cursor are
//! the disjunction over `i` of "`k1..k(i-1)` equal `v1..v(i-1)` and `ki` comes
//! after `vi`", where equal is `k = ?` (or `k IS NULL`), and comes after is
//! `k > ?` (`<` descending), `OR k IS NULL` when `NULL`s sort last, `k IS NOT
//! NULL` for a `NULL` value whose `NULL`s sort first, and nothing for a `NULL`
//! value whose `NULL`s sort last. A run of leading `NULL`s that sort last
//! becomes `k IS NULL` terms. A leading range term `k1 >= ?` (or `<=`) is
//! added when no `NULL` of `k1` sorts after `v1`. MySQL has no `NULLS
//! FIRST/LAST`: where its native placement (`NULL` smallest) is not the one
//! asked for, `(k IS NULL)` is sorted first.
//!
//! # Example
//!
//! ```
//! use routekit::keyset::{CursorSecret, KeyType, Keyset, Nulls, SortKey};
//! use routekit::sql::{Postgres, Timestamp, Value};
//!
//! let secret = CursorSecret::new(*b"not-a-real-key!!"); // 16 random bytes in real life
//! let mut posts = Keyset::builder();
//! posts
//!     .dialect(&Postgres)
//!     .secret(secret)
//!     .table("posts")
//!     .columns(["id", "title"])
//!     .order_by(SortKey::desc("published_at", KeyType::Timestamp).nullable(Nulls::Last))
//!     .order_by(SortKey::asc("id", KeyType::Int).unique())
//!     .filter("author_id = $1", [Value::Int(7)])
//!     .limit(20);
//!
//! // The first page.
//! let first = posts.build()?;
//! assert_eq!(
//!     first.statement().sql,
//!     r#"SELECT "id", "title", "published_at" FROM "posts" WHERE (author_id = $1) "#.to_owned()
//!         + r#"ORDER BY "published_at" DESC NULLS LAST, "id" ASC LIMIT 21"#
//! );
//! // The sort keys sit in the select list at these positions.
//! assert_eq!(first.key_columns(), [2, 0]);
//!
//! // The next page, after a row published at t with id 42.
//! let t = Timestamp::new(1_700_000_000, 123_456_789)?;
//! let cursor = first.cursor(&[Value::Timestamp(t), Value::Int(42)])?;
//! let next = posts.after(cursor).build()?;
//! assert_eq!(
//!     next.statement().sql,
//!     r#"SELECT "id", "title", "published_at" FROM "posts" WHERE (author_id = $1) AND "#.to_owned()
//!         + r#"("published_at" < $2 OR "published_at" IS NULL OR ("published_at" = $3 AND "id" > $4)) "#
//!         + r#"ORDER BY "published_at" DESC NULLS LAST, "id" ASC LIMIT 21"#
//! );
//! assert_eq!(next.statement().params, [
//!     Value::Int(7),
//!     Value::Timestamp(t),
//!     Value::Timestamp(t),
//!     Value::Int(42),
//! ]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod cursor;
mod error;
mod key;
mod page;
mod statement;

use xxhash_rust::xxh3::xxh3_64;

pub use cursor::CursorSecret;
pub use error::{CursorError, KeyValuesError, KeysetError};
pub use key::{KeyType, Nulls, Order, SortKey};
pub use page::Page;

use crate::sql::{Dialect, Ident, Statement, Value};
use key::value_type_name;
use statement::{Key, Query, Source};

/// The most sort keys an ordering may have. The expanded predicate grows
/// with the square of the key count; real orderings use a handful.
pub const MAX_SORT_KEYS: usize = 16;

/// A keyset page query: the statement to run and what turns its rows into a
/// [`Page`].
///
/// Made by [`KeysetBuilder::build`]; see the [module docs](self) for the whole
/// flow. Cheap to build per request: a few microseconds, cursor check
/// included (`cargo bench -- keyset/build`).
///
/// # Example
///
/// ```
/// use routekit::keyset::{CursorSecret, KeyType, Keyset, SortKey};
/// use routekit::sql::Sqlite;
///
/// let mut builder = Keyset::builder();
/// builder
///     .dialect(&Sqlite)
///     .secret(CursorSecret::new([1; 16]))
///     .table("events")
///     .order_by(SortKey::desc("id", KeyType::Int).unique())
///     .limit(50);
/// let keyset = builder.build()?;
/// assert_eq!(keyset.statement().sql, r#"SELECT "id" FROM "events" ORDER BY "id" DESC LIMIT 51"#);
/// assert!(keyset.statement().params.is_empty());
/// # Ok::<(), routekit::keyset::KeysetError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Keyset {
    statement: Statement,
    keys: Vec<Key>,
    key_columns: Vec<usize>,
    fingerprint: u64,
    secret: CursorSecret,
    limit: u32,
    /// Fetched in the reverse of the caller's order (`before`, last page).
    backward: bool,
    /// Positioned by a cursor (`after`, `before`): its row lies behind.
    from_cursor: bool,
}

/// Which page a query asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Position {
    First,
    After(String),
    Before(String),
    Last,
}

impl Position {
    /// Whether the page is fetched in the reverse of the caller's order.
    fn backward(&self) -> bool {
        matches!(self, Position::Before(_) | Position::Last)
    }
}

impl Keyset {
    /// A builder with no table, keys, dialect or secret, a page size of 20,
    /// positioned at the first page.
    ///
    /// ```
    /// let builder = routekit::keyset::Keyset::builder();
    /// assert!(builder.build().is_err()); // nothing set yet
    /// ```
    pub fn builder() -> KeysetBuilder {
        KeysetBuilder::default()
    }

    /// The SQL text and bind values to run.
    ///
    /// ```
    /// # use routekit::keyset::{CursorSecret, KeyType, Keyset, SortKey};
    /// # use routekit::sql::MySql;
    /// let mut builder = Keyset::builder();
    /// builder
    ///     .dialect(&MySql)
    ///     .secret(CursorSecret::new([1; 16]))
    ///     .table("t")
    ///     .order_by(SortKey::asc("id", KeyType::Int).unique());
    /// assert_eq!(builder.build()?.statement().sql, "SELECT `id` FROM `t` ORDER BY `id` ASC LIMIT 21");
    /// # Ok::<(), routekit::keyset::KeysetError>(())
    /// ```
    pub fn statement(&self) -> &Statement {
        &self.statement
    }

    /// For each sort key in order, its position (0-based) in the select
    /// list. The select list is the [`columns`](KeysetBuilder::columns), then
    /// every sort key not among them.
    ///
    /// ```
    /// # use routekit::keyset::{CursorSecret, KeyType, Keyset, SortKey};
    /// # use routekit::sql::Sqlite;
    /// let mut builder = Keyset::builder();
    /// builder
    ///     .dialect(&Sqlite)
    ///     .secret(CursorSecret::new([1; 16]))
    ///     .table("t")
    ///     .columns(["id", "name"])
    ///     .order_by(SortKey::asc("rank", KeyType::Int))
    ///     .order_by(SortKey::asc("id", KeyType::Int).unique());
    /// let keyset = builder.build()?;
    /// assert!(keyset.statement().sql.starts_with(r#"SELECT "id", "name", "rank" FROM"#));
    /// assert_eq!(keyset.key_columns(), [2, 0]);
    /// # Ok::<(), routekit::keyset::KeysetError>(())
    /// ```
    pub fn key_columns(&self) -> &[usize] {
        &self.key_columns
    }

    /// The page size: the query asks for one row more.
    ///
    /// ```
    /// # use routekit::keyset::{CursorSecret, KeyType, Keyset, SortKey};
    /// # use routekit::sql::Sqlite;
    /// let mut builder = Keyset::builder();
    /// builder.dialect(&Sqlite).secret(CursorSecret::new([1; 16])).table("t")
    ///     .order_by(SortKey::asc("id", KeyType::Int).unique()).limit(3);
    /// assert_eq!(builder.build()?.limit(), 3);
    /// # Ok::<(), routekit::keyset::KeysetError>(())
    /// ```
    pub fn limit(&self) -> u32 {
        self.limit
    }

    /// The cursor for the row with these sort-key values, under this query's
    /// ordering and secret: pass it to [`after`](KeysetBuilder::after) to
    /// start just after that row, or to [`before`](KeysetBuilder::before) to
    /// end just before it.
    ///
    /// Cost: linear in the size of the values.
    ///
    /// # Errors
    ///
    /// [`KeysetError::RowKeys`] when there is not one value per sort key, or
    /// a value does not have its key's type (`NULL` only for nullable keys).
    ///
    /// ```
    /// # use routekit::keyset::{CursorSecret, KeyType, Keyset, SortKey};
    /// # use routekit::sql::{Sqlite, Value};
    /// let mut builder = Keyset::builder();
    /// builder.dialect(&Sqlite).secret(CursorSecret::new([1; 16])).table("t")
    ///     .order_by(SortKey::asc("id", KeyType::Int).unique());
    /// let cursor = builder.build()?.cursor(&[Value::Int(10)])?;
    /// let page = builder.after(cursor).build()?;
    /// assert_eq!(page.statement().sql, r#"SELECT "id" FROM "t" WHERE "id" > ?1 ORDER BY "id" ASC LIMIT 21"#);
    /// assert_eq!(page.statement().params, [Value::Int(10)]);
    /// # Ok::<(), routekit::keyset::KeysetError>(())
    /// ```
    pub fn cursor(&self, key_values: &[Value]) -> Result<String, KeysetError> {
        check_key_values(&self.keys, key_values).map_err(KeysetError::RowKeys)?;
        Ok(cursor::encode(&self.secret, self.fingerprint, key_values))
    }

    /// Turns the rows the statement returned into a [`Page`].
    ///
    /// `rows` are the query's result in the order returned (at most
    /// `limit + 1`); `key_values` reads a row's sort-key values in key order
    /// (the columns at [`key_columns`](Keyset::key_columns)). It is called for
    /// at most two rows: the first and last of the page, for the cursors.
    ///
    /// The page holds at most `limit` rows in the caller's order. Forwards, a
    /// next page exists when the query returned the extra row, and a previous
    /// one when the request came with a cursor (its row lies before); a
    /// backward page mirrors that. An empty page has no cursors.
    ///
    /// Cost: O(rows) to trim and (backwards) reverse the rows, plus two
    /// cursor encodings.
    ///
    /// # Errors
    ///
    /// [`KeysetError::RowKeys`] when `key_values` returns the wrong number of
    /// values, or a value of the wrong type.
    ///
    /// ```
    /// use routekit::keyset::{CursorSecret, KeyType, Keyset, SortKey};
    /// use routekit::sql::{Sqlite, Value};
    ///
    /// let mut builder = Keyset::builder();
    /// builder.dialect(&Sqlite).secret(CursorSecret::new([1; 16])).table("t")
    ///     .order_by(SortKey::asc("id", KeyType::Int).unique()).limit(2);
    /// let cursor = builder.build()?.cursor(&[Value::Int(9)])?;
    /// // Backwards from id 9: the query fetches ids descending.
    /// let keyset = builder.before(cursor).build()?;
    /// let page = keyset.page(vec![8, 7, 6], |id| vec![Value::Int(*id)])?;
    /// assert_eq!(page.rows(), [7, 8]);
    /// assert!(page.has_previous() && page.has_next());
    /// # Ok::<(), routekit::keyset::KeysetError>(())
    /// ```
    pub fn page<R>(
        &self,
        mut rows: Vec<R>,
        mut key_values: impl FnMut(&R) -> Vec<Value>,
    ) -> Result<Page<R>, KeysetError> {
        let limit = self.limit as usize;
        let more = rows.len() > limit;
        rows.truncate(limit);
        // Ahead in the direction of travel: the extra row. Behind: the row
        // the request's cursor came from.
        let (ahead, behind) = (more, self.from_cursor);
        let (has_previous, has_next) = if self.backward {
            rows.reverse();
            (ahead, behind)
        } else {
            (behind, ahead)
        };
        let mut cursor_of = |row: Option<&R>, wanted: bool| match row {
            Some(row) if wanted => self.cursor(&key_values(row)).map(Some),
            _ => Ok(None),
        };
        let next = cursor_of(rows.last(), has_next)?;
        let previous = cursor_of(rows.first(), has_previous)?;
        Ok(Page { rows, next, previous })
    }
}

/// Builds a [`Keyset`] query.
///
/// Setters take `&mut self` and return it for chaining; nothing is checked
/// until [`build`](KeysetBuilder::build). A builder is `Clone`: keep one per
/// endpoint and set the position (and filter) per request.
///
/// # Example
///
/// ```
/// use routekit::keyset::{CursorSecret, KeyType, Keyset, Nulls, SortKey};
/// use routekit::sql::Sqlite;
///
/// let mut builder = Keyset::builder();
/// builder
///     .dialect(&Sqlite)
///     .secret(CursorSecret::new([9; 16]))
///     .from("orders o JOIN customers c ON c.id = o.customer_id")
///     .columns(["o.id", "c.name", "o.total"])
///     .order_by(SortKey::desc("o.total", KeyType::Float).nullable(Nulls::Last))
///     .order_by(SortKey::asc("o.id", KeyType::Int).unique())
///     .limit(10);
/// let keyset = builder.build()?;
/// assert_eq!(
///     keyset.statement().sql,
///     r#"SELECT "o"."id", "c"."name", "o"."total" FROM orders o JOIN customers c ON c.id = o.customer_id "#
///         .to_owned()
///         + r#"ORDER BY "o"."total" DESC NULLS LAST, "o"."id" ASC LIMIT 11"#
/// );
/// # Ok::<(), routekit::keyset::KeysetError>(())
/// ```
#[derive(Clone, Debug)]
pub struct KeysetBuilder {
    dialect: Option<&'static dyn Dialect>,
    secret: Option<CursorSecret>,
    source: Option<SourceSpec>,
    columns: Vec<String>,
    keys: Vec<SortKey>,
    filter: Option<(String, Vec<Value>)>,
    limit: u32,
    position: Position,
}

#[derive(Clone, Debug)]
enum SourceSpec {
    Table(String),
    From(String),
}

impl Default for KeysetBuilder {
    fn default() -> Self {
        KeysetBuilder {
            dialect: None,
            secret: None,
            source: None,
            columns: Vec::new(),
            keys: Vec::new(),
            filter: None,
            limit: 20,
            position: Position::First,
        }
    }
}

impl KeysetBuilder {
    /// The SQL dialect to write: [`Postgres`](crate::sql::Postgres),
    /// [`Sqlite`](crate::sql::Sqlite) or [`MySql`](crate::sql::MySql).
    /// Required.
    ///
    /// ```
    /// let mut builder = routekit::keyset::Keyset::builder();
    /// builder.dialect(&routekit::sql::Postgres);
    /// ```
    pub fn dialect(&mut self, dialect: &'static dyn Dialect) -> &mut Self {
        self.dialect = Some(dialect);
        self
    }

    /// The secret that signs and checks cursors. Required.
    ///
    /// ```
    /// let mut builder = routekit::keyset::Keyset::builder();
    /// builder.secret(routekit::keyset::CursorSecret::new([5; 16]));
    /// ```
    pub fn secret(&mut self, secret: CursorSecret) -> &mut Self {
        self.secret = Some(secret);
        self
    }

    /// Rows come from this table (checked and quoted). Replaces a
    /// [`from`](KeysetBuilder::from) clause.
    ///
    /// ```
    /// let mut builder = routekit::keyset::Keyset::builder();
    /// builder.table("public.orders");
    /// ```
    pub fn table(&mut self, table: impl Into<String>) -> &mut Self {
        self.source = Some(SourceSpec::Table(table.into()));
        self
    }

    /// Rows come from this FROM clause, written as it is (joins, aliases,
    /// subqueries). It takes no bind values and must come from the program,
    /// never from a request. Replaces a [`table`](KeysetBuilder::table).
    ///
    /// ```
    /// let mut builder = routekit::keyset::Keyset::builder();
    /// builder.from("posts p JOIN users u ON u.id = p.author_id");
    /// ```
    pub fn from(&mut self, clause: impl Into<String>) -> &mut Self {
        self.source = Some(SourceSpec::From(clause.into()));
        self
    }

    /// The columns to select (checked and quoted). Sort keys not listed are
    /// appended, so [`Keyset::page`] can read them.
    ///
    /// ```
    /// let mut builder = routekit::keyset::Keyset::builder();
    /// builder.columns(["id", "title", "created_at"]);
    /// ```
    pub fn columns<I>(&mut self, columns: I) -> &mut Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.columns = columns.into_iter().map(Into::into).collect();
        self
    }

    /// Appends a sort key. The last one must be
    /// [`unique`](SortKey::unique) and not [`nullable`](SortKey::nullable).
    ///
    /// ```
    /// use routekit::keyset::{KeyType, SortKey};
    /// let mut builder = routekit::keyset::Keyset::builder();
    /// builder
    ///     .order_by(SortKey::desc("score", KeyType::Float))
    ///     .order_by(SortKey::asc("id", KeyType::Int).unique());
    /// ```
    pub fn order_by(&mut self, key: SortKey) -> &mut Self {
        self.keys.push(key);
        self
    }

    /// Only rows matching `condition`, whose placeholders bind `values`.
    ///
    /// The condition is written as it is, in parentheses, before the seek
    /// predicate, so its placeholders are the statement's first: `$1, $2` for
    /// PostgreSQL, `?1, ?2` for SQLite, `?` for MySQL. It must come from the
    /// program, never from a request (bind request data as `values`). A
    /// cursor stays valid under another filter: it marks a position in the
    /// ordering, not in a result set.
    ///
    /// ```
    /// use routekit::sql::Value;
    /// let mut builder = routekit::keyset::Keyset::builder();
    /// builder.filter("tenant_id = $1 AND NOT archived", [Value::Int(7)]);
    /// ```
    pub fn filter(
        &mut self,
        condition: impl Into<String>,
        values: impl IntoIterator<Item = Value>,
    ) -> &mut Self {
        self.filter = Some((condition.into(), values.into_iter().collect()));
        self
    }

    /// The page size (default 20). The query asks for `limit + 1` rows.
    ///
    /// ```
    /// let mut builder = routekit::keyset::Keyset::builder();
    /// builder.limit(100);
    /// ```
    pub fn limit(&mut self, limit: u32) -> &mut Self {
        self.limit = limit;
        self
    }

    /// Ask for the first page (the default).
    ///
    /// ```
    /// let mut builder = routekit::keyset::Keyset::builder();
    /// builder.first_page();
    /// ```
    pub fn first_page(&mut self) -> &mut Self {
        self.position = Position::First;
        self
    }

    /// Ask for the page after the row `cursor` points at (a
    /// [`Page::next_cursor`]). The cursor is checked by
    /// [`build`](KeysetBuilder::build).
    ///
    /// ```
    /// let mut builder = routekit::keyset::Keyset::builder();
    /// builder.after("cursor-from-the-request");
    /// ```
    pub fn after(&mut self, cursor: impl Into<String>) -> &mut Self {
        self.position = Position::After(cursor.into());
        self
    }

    /// Ask for the page before the row `cursor` points at (a
    /// [`Page::previous_cursor`]). The cursor is checked by
    /// [`build`](KeysetBuilder::build).
    ///
    /// ```
    /// let mut builder = routekit::keyset::Keyset::builder();
    /// builder.before("cursor-from-the-request");
    /// ```
    pub fn before(&mut self, cursor: impl Into<String>) -> &mut Self {
        self.position = Position::Before(cursor.into());
        self
    }

    /// Ask for the last page: the final `limit` rows, in the caller's order.
    ///
    /// ```
    /// let mut builder = routekit::keyset::Keyset::builder();
    /// builder.last_page();
    /// ```
    pub fn last_page(&mut self) -> &mut Self {
        self.position = Position::Last;
        self
    }

    /// Checks everything and writes the query.
    ///
    /// Cost: linear in the number of columns and keys, quadratic in the keys
    /// for the expanded predicate; a few microseconds at most.
    ///
    /// # Errors
    ///
    /// * [`KeysetError::Missing`] without a dialect, secret, table or FROM
    ///   clause, or sort keys; [`KeysetError::EmptyFrom`] for a blank FROM
    ///   clause;
    /// * [`KeysetError::Sql`] for a table or column that is not a plain
    ///   identifier (such as `id; DROP TABLE t`);
    /// * [`KeysetError::LastKeyNotUnique`], [`KeysetError::LastKeyNullable`],
    ///   [`KeysetError::DuplicateKey`], [`KeysetError::TooManyKeys`] for an
    ///   ordering that is not a total order over at most [`MAX_SORT_KEYS`]
    ///   distinct columns;
    /// * [`KeysetError::ZeroLimit`];
    /// * [`KeysetError::Cursor`] for a cursor that is not one this ordering
    ///   and secret issued.
    ///
    /// ```
    /// use routekit::keyset::{CursorSecret, KeyType, Keyset, KeysetError, SortKey};
    /// use routekit::sql::{Postgres, SqlError};
    ///
    /// let mut builder = Keyset::builder();
    /// builder
    ///     .dialect(&Postgres)
    ///     .secret(CursorSecret::new([1; 16]))
    ///     .table("t")
    ///     .order_by(SortKey::asc("id; DROP TABLE t", KeyType::Int).unique());
    /// assert!(matches!(builder.build(), Err(KeysetError::Sql(SqlError::InvalidIdentifier { .. }))));
    /// ```
    pub fn build(&self) -> Result<Keyset, KeysetError> {
        let dialect = self.dialect.ok_or(KeysetError::Missing { what: "dialect" })?;
        let secret = self.secret.ok_or(KeysetError::Missing { what: "cursor secret" })?;
        let source = match &self.source {
            None => return Err(KeysetError::Missing { what: "table or FROM clause" }),
            Some(SourceSpec::Table(table)) => Source::Table(Ident::new(table)?),
            Some(SourceSpec::From(clause)) if clause.trim().is_empty() => {
                return Err(KeysetError::EmptyFrom);
            }
            Some(SourceSpec::From(clause)) => Source::From(clause.clone()),
        };
        let keys = self.checked_keys()?;
        if self.limit == 0 {
            return Err(KeysetError::ZeroLimit);
        }
        let mut select =
            self.columns.iter().map(|c| Ident::new(c)).collect::<Result<Vec<_>, _>>()?;
        let mut key_columns = Vec::with_capacity(keys.len());
        for key in &keys {
            let at = select.iter().position(|c| *c == key.ident).unwrap_or_else(|| {
                select.push(key.ident.clone());
                select.len() - 1
            });
            key_columns.push(at);
        }
        let fingerprint = fingerprint(&source, &self.keys);
        let seek = match &self.position {
            Position::First | Position::Last => None,
            Position::After(token) | Position::Before(token) => {
                let values = cursor::decode(&secret, fingerprint, token)?;
                check_key_values(&keys, &values).map_err(CursorError::KeyValues)?;
                Some(values)
            }
        };
        let statement = Query {
            dialect,
            source: &source,
            select: &select,
            keys: &keys,
            filter: self.filter.as_ref(),
            seek: seek.as_deref(),
            backward: self.position.backward(),
            limit: self.limit,
        }
        .write();
        Ok(Keyset {
            statement,
            keys,
            key_columns,
            fingerprint,
            secret,
            limit: self.limit,
            backward: self.position.backward(),
            from_cursor: seek.is_some(),
        })
    }

    /// The sort keys, checked: identifiers, no repeats, at most
    /// [`MAX_SORT_KEYS`], ending in a unique non-null key.
    fn checked_keys(&self) -> Result<Vec<Key>, KeysetError> {
        let last = self.keys.last().ok_or(KeysetError::Missing { what: "sort keys" })?;
        if self.keys.len() > MAX_SORT_KEYS {
            return Err(KeysetError::TooManyKeys { count: self.keys.len(), max: MAX_SORT_KEYS });
        }
        let mut keys: Vec<Key> = Vec::with_capacity(self.keys.len());
        for sort in &self.keys {
            let ident = Ident::new(sort.column())?;
            if keys.iter().any(|k| k.ident == ident) {
                return Err(KeysetError::DuplicateKey { column: sort.column().to_owned() });
            }
            keys.push(Key {
                ident,
                key_type: sort.key_type(),
                order: sort.order(),
                nulls: sort.nulls(),
            });
        }
        if !last.is_unique() {
            return Err(KeysetError::LastKeyNotUnique { column: last.column().to_owned() });
        }
        if last.nulls().is_some() {
            return Err(KeysetError::LastKeyNullable { column: last.column().to_owned() });
        }
        Ok(keys)
    }
}

/// A stable 64-bit fingerprint of the ordering: the source and, per key, the
/// column, type, direction, `NULL` placement and uniqueness. Each field is
/// length-prefixed or fixed-width, so distinct orderings hash distinct byte
/// strings.
fn fingerprint(source: &Source, keys: &[SortKey]) -> u64 {
    let mut bytes = Vec::with_capacity(64 + 32 * keys.len());
    let mut field = |field: &[u8]| {
        bytes.extend_from_slice(&(field.len() as u64).to_le_bytes());
        bytes.extend_from_slice(field);
    };
    field(b"routekit keyset ordering v1");
    match source {
        Source::Table(table) => {
            field(b"table");
            field(table.as_str().as_bytes());
        }
        Source::From(clause) => {
            field(b"from");
            field(clause.as_bytes());
        }
    }
    for key in keys {
        field(key.column().as_bytes());
        let nulls = match key.nulls() {
            None => 0,
            Some(Nulls::First) => 1,
            Some(Nulls::Last) => 2,
        };
        let order = u8::from(key.order() == Order::Desc);
        field(&[key.key_type().code(), order, nulls, u8::from(key.is_unique())]);
    }
    xxh3_64(&bytes)
}

/// Checks one value per key, each of the key's type or `NULL` for a nullable
/// key.
fn check_key_values(keys: &[Key], values: &[Value]) -> Result<(), KeyValuesError> {
    if keys.len() != values.len() {
        return Err(KeyValuesError::WrongCount { expected: keys.len(), found: values.len() });
    }
    for (key, value) in keys.iter().zip(values) {
        let fits = match value {
            Value::Null => key.nulls.is_some(),
            value => key.key_type.matches(value),
        };
        if !fits {
            return Err(KeyValuesError::WrongType {
                column: key.ident.as_str().to_owned(),
                expected: key.key_type,
                nullable: if key.nulls.is_some() { " or null" } else { "" },
                found: value_type_name(value),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::Sqlite;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn public_types_are_send_and_sync() {
        assert_send_sync::<Keyset>();
        assert_send_sync::<KeysetBuilder>();
        assert_send_sync::<Page<String>>();
        assert_send_sync::<SortKey>();
        assert_send_sync::<CursorSecret>();
        assert_send_sync::<KeysetError>();
    }

    fn builder() -> KeysetBuilder {
        let mut builder = Keyset::builder();
        builder
            .dialect(&Sqlite)
            .secret(CursorSecret::new([4; 16]))
            .table("t")
            .order_by(SortKey::asc("n", KeyType::Int))
            .order_by(SortKey::asc("id", KeyType::Int).unique());
        builder
    }

    #[test]
    fn an_authentic_cursor_with_values_of_the_wrong_type_is_refused() {
        // Only a holder of the secret can make such a cursor; it is refused
        // all the same, before any SQL is written.
        let keyset = builder().build().unwrap();
        let secret = CursorSecret::new([4; 16]);
        for (values, want) in [
            (
                vec![Value::Text("1".into()), Value::Int(2)],
                KeyValuesError::WrongType {
                    column: "n".into(),
                    expected: KeyType::Int,
                    nullable: "",
                    found: "text",
                },
            ),
            (
                vec![Value::Int(1), Value::Null],
                KeyValuesError::WrongType {
                    column: "id".into(),
                    expected: KeyType::Int,
                    nullable: "",
                    found: "null",
                },
            ),
            (vec![Value::Int(1)], KeyValuesError::WrongCount { expected: 2, found: 1 }),
        ] {
            let token = cursor::encode(&secret, keyset.fingerprint, &values);
            let err = builder().after(token).build().unwrap_err();
            assert_eq!(err, KeysetError::Cursor(CursorError::KeyValues(want)));
        }
    }

    #[test]
    fn the_fingerprint_is_pinned() {
        // Part of every cursor issued: a change here breaks them all.
        assert_eq!(builder().build().unwrap().fingerprint, 0xc593_b9dd_345e_6752);
    }

    #[test]
    fn fingerprints_tell_orderings_apart() {
        let base = builder().build().unwrap().fingerprint;
        let mut variants = Vec::new();
        let mut other = builder();
        other.table("u");
        variants.push(other);
        let mut other = builder();
        other.from("t");
        variants.push(other);
        for key in [
            SortKey::desc("n", KeyType::Int),
            SortKey::asc("n", KeyType::Text),
            SortKey::asc("n", KeyType::Int).nullable(Nulls::First),
            SortKey::asc("n", KeyType::Int).nullable(Nulls::Last),
            SortKey::asc("m", KeyType::Int),
            SortKey::asc("n", KeyType::Int).unique(),
        ] {
            let mut other = builder();
            other.keys[0] = key;
            variants.push(other);
        }
        let mut seen = vec![base];
        for variant in variants {
            let fingerprint = variant.build().unwrap().fingerprint;
            assert!(!seen.contains(&fingerprint), "{variant:?}");
            seen.push(fingerprint);
        }
        // What is not part of the ordering does not change it.
        let mut same = builder();
        same.columns(["x"]).limit(3).filter("x > 0", []).dialect(&crate::sql::Postgres);
        assert_eq!(same.build().unwrap().fingerprint, base);
    }
}
