//! [`Keyset`]: one endpoint's validated ordering, shared by its requests.

use super::cursor::{self, CursorSecret};
use super::predicate::Where;
use super::sort_key::Key;
use super::{CursorError, KeyValuesError, KeysetBuilder, PageQuery, Position, SortKey, Source};
use crate::sql::{Dialect, SqlWriter, Value};

/// One endpoint's keyset ordering, checked once: the source, the select
/// list, the sort keys, the page size and the cursor secret.
///
/// Build it at startup with [`Keyset::new`] or [`Keyset::builder`] (a
/// mistake in the ordering is a [`KeysetError`](super::KeysetError) then),
/// keep it for the life of the service, and share it between requests by
/// `&` or `Arc`: it is immutable, `Send` and `Sync`. Per request,
/// [`query`](Keyset::query) turns the position a client asked for (first
/// page, after or before a cursor, last page) into a [`PageQuery`]; it fails
/// only with a [`CursorError`] for a cursor the client should not have sent.
///
/// # Example
///
/// ```
/// use routekit::keyset::{CursorSecret, KeyType, Keyset, Position, SortKey};
/// use routekit::sql::{Sqlite, Value};
///
/// let events = Keyset::builder(
///     &Sqlite,
///     "events",
///     CursorSecret::new([1; 16]),
///     [SortKey::desc("id", KeyType::Int).unique()],
/// )
/// .limit(50)
/// .build()?;
///
/// let first = events.query(Position::First)?;
/// assert_eq!(first.statement().sql, r#"SELECT "id" FROM "events" ORDER BY "id" DESC LIMIT 51"#);
///
/// let cursor = events.cursor(&[Value::Int(900)])?;
/// let next = events.query(Position::After(&cursor))?;
/// assert_eq!(
///     next.statement().sql,
///     r#"SELECT "id" FROM "events" WHERE "id" < ?1 ORDER BY "id" DESC LIMIT 51"#
/// );
/// assert_eq!(next.statement().params, [Value::Int(900)]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Keyset {
    pub(super) dialect: &'static dyn Dialect,
    pub(super) secret: CursorSecret,
    pub(super) keys: Vec<Key>,
    pub(super) key_columns: Vec<usize>,
    pub(super) fingerprint: u64,
    pub(super) limit: u32,
    /// Whether the dialect seeks an index with a row-value comparison.
    pub(super) row_values: bool,
    /// `SELECT … FROM …`, the same for every page.
    pub(super) head: String,
    /// ` ORDER BY … LIMIT n`, fetching in the caller's order.
    pub(super) forward_tail: String,
    /// ` ORDER BY … LIMIT n`, fetching in the reverse order.
    pub(super) backward_tail: String,
}

impl Keyset {
    /// The ordering over `source` by `keys`, selecting just the keys, 20 rows
    /// a page, cursors signed with `secret`: [`Keyset::builder`] with nothing
    /// else set.
    ///
    /// # Errors
    ///
    /// The [`KeysetError`](super::KeysetError)s of
    /// [`KeysetBuilder::build`].
    ///
    /// ```
    /// use routekit::keyset::{CursorSecret, KeyType, Keyset, Position, SortKey};
    /// use routekit::sql::MySql;
    ///
    /// let keys = [SortKey::asc("id", KeyType::Int).unique()];
    /// let t = Keyset::new(&MySql, "t", CursorSecret::new([1; 16]), keys)?;
    /// assert_eq!(t.query(Position::First)?.statement().sql, "SELECT `id` FROM `t` ORDER BY `id` ASC LIMIT 21");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(
        dialect: &'static dyn Dialect,
        source: impl Into<Source>,
        secret: CursorSecret,
        keys: impl IntoIterator<Item = SortKey>,
    ) -> Result<Keyset, super::KeysetError> {
        Keyset::builder(dialect, source, secret, keys).build()
    }

    /// A builder for the ordering over `source` (a table name, or
    /// [`Source::from_clause`]) by `keys`, in `dialect`, with cursors signed
    /// by `secret`; the select list and page size are set on it.
    ///
    /// The keys are checked by [`build`](KeysetBuilder::build): the last one
    /// must be [`unique`](SortKey::unique) and not
    /// [`nullable`](SortKey::nullable).
    ///
    /// ```
    /// use routekit::keyset::{CursorSecret, KeyType, Keyset, SortKey};
    /// use routekit::sql::{Nulls, Postgres};
    ///
    /// let posts = Keyset::builder(
    ///     &Postgres,
    ///     "posts",
    ///     CursorSecret::new([1; 16]),
    ///     [
    ///         SortKey::desc("score", KeyType::Float).nullable(Nulls::Last),
    ///         SortKey::asc("id", KeyType::Int).unique(),
    ///     ],
    /// )
    /// .columns(["id", "title"])
    /// .build()?;
    /// assert_eq!(posts.key_columns(), [2, 0]);
    /// # Ok::<(), routekit::keyset::KeysetError>(())
    /// ```
    pub fn builder(
        dialect: &'static dyn Dialect,
        source: impl Into<Source>,
        secret: CursorSecret,
        keys: impl IntoIterator<Item = SortKey>,
    ) -> KeysetBuilder {
        KeysetBuilder::new(dialect, source.into(), secret, keys.into_iter().collect())
    }

    /// The query for the page at `position`.
    ///
    /// Cost: for a cursor, linear in its length (decode and authenticate);
    /// then copying the fixed text and writing the seek predicate, linear in
    /// the select list and quadratic in the number of sort keys. No
    /// identifier is checked again.
    ///
    /// # Errors
    ///
    /// [`CursorError`] for a cursor that this ordering and secret did not
    /// issue: edited, forged, truncated, from another ordering or another
    /// secret. [`Position::First`] and [`Position::Last`] never fail.
    ///
    /// ```
    /// use routekit::keyset::{CursorError, CursorSecret, KeyType, Keyset, Position, SortKey};
    /// use routekit::sql::Sqlite;
    ///
    /// let keys = [SortKey::asc("id", KeyType::Int).unique()];
    /// let t = Keyset::new(&Sqlite, "t", CursorSecret::new([1; 16]), keys)?;
    /// let last = t.query(Position::Last)?;
    /// assert_eq!(last.statement().sql, r#"SELECT "id" FROM "t" ORDER BY "id" DESC LIMIT 21"#);
    /// assert!(matches!(t.query(Position::Before("not a cursor")), Err(CursorError::Encoding { .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn query(&self, position: Position<'_>) -> Result<PageQuery<'_>, CursorError> {
        self.write_query(position, None)
    }

    /// The query for the page at `position` among the rows matching
    /// `condition`, whose placeholders bind `values`.
    ///
    /// The condition is written as it is, in parentheses, before the seek
    /// predicate, so its placeholders are the statement's first: `$1, $2` for
    /// PostgreSQL, `?1, ?2` for SQLite, `?` for MySQL. It must come from the
    /// program, never from a request (bind request data as `values`). A
    /// cursor stays valid under another filter: it marks a position in the
    /// ordering, not in a result set.
    ///
    /// Cost: that of [`query`](Keyset::query), plus copying `condition`.
    ///
    /// # Errors
    ///
    /// [`CursorError`], as for [`query`](Keyset::query).
    ///
    /// ```
    /// use routekit::keyset::{CursorSecret, KeyType, Keyset, Position, SortKey};
    /// use routekit::sql::{Postgres, Value};
    ///
    /// let keys = [SortKey::desc("id", KeyType::Int).unique()];
    /// let posts = Keyset::new(&Postgres, "posts", CursorSecret::new([1; 16]), keys)?;
    /// let cursor = posts.cursor(&[Value::Int(99)])?;
    /// let query = posts.query_where(Position::After(&cursor), "author_id = $1", [Value::Int(7)])?;
    /// assert_eq!(
    ///     query.statement().sql,
    ///     r#"SELECT "id" FROM "posts" WHERE (author_id = $1) AND "id" < $2 ORDER BY "id" DESC LIMIT 21"#
    /// );
    /// assert_eq!(query.statement().params, [Value::Int(7), Value::Int(99)]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn query_where(
        &self,
        position: Position<'_>,
        condition: &str,
        values: impl IntoIterator<Item = Value>,
    ) -> Result<PageQuery<'_>, CursorError> {
        self.write_query(position, Some((condition, values.into_iter().collect())))
    }

    /// The cursor for the row with these sort-key values: a client that
    /// sends it back as [`Position::After`] gets the rows just after that
    /// row, as [`Position::Before`] the rows just before it.
    ///
    /// Cost: linear in the size of the values.
    ///
    /// # Errors
    ///
    /// [`KeyValuesError`] when there is not one value per sort key, or a
    /// value does not have its key's type (`NULL` only for nullable keys).
    ///
    /// ```
    /// use routekit::keyset::{CursorSecret, KeyType, Keyset, Position, SortKey};
    /// use routekit::sql::{Sqlite, Value};
    ///
    /// let keys = [SortKey::asc("id", KeyType::Int).unique()];
    /// let t = Keyset::new(&Sqlite, "t", CursorSecret::new([1; 16]), keys)?;
    /// let cursor = t.cursor(&[Value::Int(10)])?;
    /// let query = t.query(Position::After(&cursor))?;
    /// assert_eq!(query.statement().sql, r#"SELECT "id" FROM "t" WHERE "id" > ?1 ORDER BY "id" ASC LIMIT 21"#);
    /// assert!(t.cursor(&[Value::Null]).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn cursor(&self, key_values: &[Value]) -> Result<String, KeyValuesError> {
        Key::check_values(&self.keys, key_values)?;
        Ok(cursor::encode(&self.secret, self.fingerprint, key_values))
    }

    /// For each sort key in order, its position (0-based) in the select
    /// list. The select list is the [`columns`](KeysetBuilder::columns), then
    /// every sort key not among them.
    ///
    /// ```
    /// use routekit::keyset::{CursorSecret, KeyType, Keyset, Position, SortKey};
    /// use routekit::sql::Sqlite;
    ///
    /// let keys = [SortKey::asc("rank", KeyType::Int), SortKey::asc("id", KeyType::Int).unique()];
    /// let t = Keyset::builder(&Sqlite, "t", CursorSecret::new([1; 16]), keys)
    ///     .columns(["id", "name"])
    ///     .build()?;
    /// assert!(t.query(Position::First)?.statement().sql.starts_with(r#"SELECT "id", "name", "rank" FROM"#));
    /// assert_eq!(t.key_columns(), [2, 0]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn key_columns(&self) -> &[usize] {
        &self.key_columns
    }

    /// The page size: a query asks for one row more.
    ///
    /// ```
    /// use routekit::keyset::{CursorSecret, KeyType, Keyset, SortKey};
    /// use routekit::sql::Sqlite;
    ///
    /// let keys = [SortKey::asc("id", KeyType::Int).unique()];
    /// let t = Keyset::builder(&Sqlite, "t", CursorSecret::new([1; 16]), keys).limit(3).build()?;
    /// assert_eq!(t.limit(), 3);
    /// # Ok::<(), routekit::keyset::KeysetError>(())
    /// ```
    pub fn limit(&self) -> u32 {
        self.limit
    }

    /// The dialect the queries are written in.
    ///
    /// ```
    /// use routekit::keyset::{CursorSecret, KeyType, Keyset, SortKey};
    /// use routekit::sql::Postgres;
    ///
    /// let keys = [SortKey::asc("id", KeyType::Int).unique()];
    /// let t = Keyset::new(&Postgres, "t", CursorSecret::new([1; 16]), keys)?;
    /// assert_eq!(t.dialect().name(), "postgres");
    /// # Ok::<(), routekit::keyset::KeysetError>(())
    /// ```
    pub fn dialect(&self) -> &'static dyn Dialect {
        self.dialect
    }

    /// Each sort key's position in the select list, type, whether it may be
    /// `NULL`, and name: what a driver adapter reads from a row.
    #[cfg_attr(
        not(any(feature = "rusqlite", feature = "postgres", feature = "mysql")),
        allow(dead_code)
    )]
    pub(crate) fn key_reads(&self) -> impl ExactSizeIterator<Item = KeyRead<'_>> + '_ {
        self.keys.iter().zip(&self.key_columns).map(|(key, &column)| KeyRead {
            column,
            key_type: key.key_type,
            nullable: key.nulls.is_some(),
            name: key.ident.as_str(),
        })
    }

    /// Decodes the position's cursor, if any, and writes the query.
    fn write_query(
        &self,
        position: Position<'_>,
        filter: Option<(&str, Vec<Value>)>,
    ) -> Result<PageQuery<'_>, CursorError> {
        let (token, backward) = match position {
            Position::First => (None, false),
            Position::After(token) => (Some(token), false),
            Position::Before(token) => (Some(token), true),
            Position::Last => (None, true),
        };
        let seek = match token {
            None => None,
            Some(token) => {
                let values = cursor::decode(&self.secret, self.fingerprint, token)?;
                Key::check_values(&self.keys, &values).map_err(CursorError::KeyValues)?;
                Some(values)
            }
        };
        let tail = if backward { &self.backward_tail } else { &self.forward_tail };
        // Room for the fixed text, the filter and a seek predicate of a few
        // terms per key, so the text is not copied again as it grows.
        let filter_len = filter.as_ref().map_or(0, |(text, _)| text.len() + 6);
        let seek_len = seek.as_ref().map_or(0, |_| 48 * self.keys.len() * self.keys.len());
        let params = filter.as_ref().map_or(0, |(_, values)| values.len()) + 2 * self.keys.len();
        let text = self.head.len() + filter_len + seek_len + tail.len();
        let mut sql = SqlWriter::with_capacity(self.dialect, text, params);
        sql.push(&self.head);
        let rows = Where {
            filter,
            keys: &self.keys,
            seek: seek.as_deref(),
            backward,
            row_values: self.row_values,
        };
        rows.write(&mut sql);
        sql.push(tail);
        Ok(PageQuery::new(self, sql.finish(), backward, seek.is_some()))
    }
}

/// Where and how to read one sort key from a result row.
#[derive(Clone, Copy, Debug)]
#[cfg_attr(
    not(any(feature = "rusqlite", feature = "postgres", feature = "mysql")),
    allow(dead_code)
)]
pub(crate) struct KeyRead<'k> {
    /// Position in the select list, from 0.
    pub(crate) column: usize,
    pub(crate) key_type: super::KeyType,
    pub(crate) nullable: bool,
    /// The column as the ordering names it, for messages.
    pub(crate) name: &'k str,
}
