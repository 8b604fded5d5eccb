//! [`PageQuery`]: one request's page query, and the [`Position`] it asks for.

use super::{KeyValuesError, Keyset, Page};
use crate::sql::{Statement, Value};

/// Which page a request asks for.
///
/// A cursor is text from the client (a [`Page::next_cursor`] or
/// [`Page::previous_cursor`] it was given), borrowed for as long as the query
/// is written.
///
/// # Example
///
/// ```
/// use routekit::keyset::Position;
///
/// // From a request's query string, say `?after=…` or `?before=…`.
/// fn position<'r>(after: Option<&'r str>, before: Option<&'r str>) -> Position<'r> {
///     match (after, before) {
///         (Some(cursor), _) => Position::After(cursor),
///         (None, Some(cursor)) => Position::Before(cursor),
///         (None, None) => Position::First,
///     }
/// }
/// assert_eq!(position(None, None), Position::First);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Position<'c> {
    /// The first page.
    First,
    /// The page just after the row this cursor points at.
    After(&'c str),
    /// The page just before the row this cursor points at.
    Before(&'c str),
    /// The last page: the final `limit` rows, in the caller's order.
    Last,
}

/// One request's page query: the [`Statement`] to run, and what turns its
/// rows into a [`Page`].
///
/// Made by [`Keyset::query`]; the statement asks for `limit + 1` rows in the
/// order it needs them (a backward page fetches in the reverse order).
///
/// # Example
///
/// ```
/// use routekit::keyset::{CursorSecret, KeyType, Keyset, Position, SortKey};
/// use routekit::sql::{Sqlite, Value};
///
/// let keys = [SortKey::asc("id", KeyType::Int).unique()];
/// let t = Keyset::builder(&Sqlite, "t", CursorSecret::new([7; 16]), keys).limit(2).build()?;
/// let query = t.query(Position::First)?;
/// // The query returned limit + 1 rows: there is a next page.
/// let page = query.page(vec![1, 2, 3], |id| vec![Value::Int(*id)])?;
/// assert_eq!(page.rows(), [1, 2]);
/// assert!(page.has_next() && !page.has_previous());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct PageQuery<'k> {
    keyset: &'k Keyset,
    statement: Statement,
    /// Fetched in the reverse of the caller's order (`Before`, `Last`).
    backward: bool,
    /// Positioned by a cursor (`After`, `Before`): its row lies behind.
    from_cursor: bool,
}

impl<'k> PageQuery<'k> {
    pub(super) fn new(
        keyset: &'k Keyset,
        statement: Statement,
        backward: bool,
        from_cursor: bool,
    ) -> Self {
        PageQuery { keyset, statement, backward, from_cursor }
    }

    /// The SQL text and bind values to run.
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
    pub fn statement(&self) -> &Statement {
        &self.statement
    }

    /// The ordering this query pages through.
    ///
    /// ```
    /// use routekit::keyset::{CursorSecret, KeyType, Keyset, Position, SortKey};
    /// use routekit::sql::Sqlite;
    ///
    /// let keys = [SortKey::asc("id", KeyType::Int).unique()];
    /// let t = Keyset::new(&Sqlite, "t", CursorSecret::new([1; 16]), keys)?;
    /// assert_eq!(t.query(Position::Last)?.keyset().key_columns(), [0]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn keyset(&self) -> &'k Keyset {
        self.keyset
    }

    /// Turns the rows the statement returned into a [`Page`].
    ///
    /// `rows` are the query's result in the order returned (at most
    /// `limit + 1`); `key_values` reads a row's sort-key values in key order
    /// (the columns at [`Keyset::key_columns`]). It is called for at most
    /// two rows: the first and last of the page, for the cursors.
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
    /// [`KeyValuesError`] when `key_values` returns the wrong number of
    /// values, or a value of the wrong type: the program reads its rows
    /// wrongly.
    ///
    /// ```
    /// use routekit::keyset::{CursorSecret, KeyType, Keyset, Position, SortKey};
    /// use routekit::sql::{Sqlite, Value};
    ///
    /// let keys = [SortKey::asc("id", KeyType::Int).unique()];
    /// let t = Keyset::builder(&Sqlite, "t", CursorSecret::new([1; 16]), keys).limit(2).build()?;
    /// let cursor = t.cursor(&[Value::Int(9)])?;
    /// // Backwards from id 9: the query fetches ids descending.
    /// let query = t.query(Position::Before(&cursor))?;
    /// let page = query.page(vec![8, 7, 6], |id| vec![Value::Int(*id)])?;
    /// assert_eq!(page.rows(), [7, 8]);
    /// assert!(page.has_previous() && page.has_next());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn page<R>(
        &self,
        rows: Vec<R>,
        mut key_values: impl FnMut(&R) -> Vec<Value>,
    ) -> Result<Page<R>, KeyValuesError> {
        self.page_by_fetch_index(rows, |rows, at| key_values(&rows[at]))
    }

    /// [`page`](PageQuery::page), with the key values asked for by the
    /// row's index in the order fetched (after trimming to the page): only
    /// ever index 0 and the last index. A driver adapter reads the keys of
    /// just those two rows while it streams the result.
    pub(crate) fn page_by_fetch_index<R>(
        &self,
        mut rows: Vec<R>,
        mut key_values: impl FnMut(&[R], usize) -> Vec<Value>,
    ) -> Result<Page<R>, KeyValuesError> {
        let limit = self.keyset.limit() as usize;
        let more = rows.len() > limit;
        rows.truncate(limit);
        // Ahead in the direction of travel: the extra row. Behind: the row
        // the request's cursor came from.
        let (ahead, behind) = (more, self.from_cursor);
        let (has_previous, has_next) =
            if self.backward { (ahead, behind) } else { (behind, ahead) };
        let Some(end) = rows.len().checked_sub(1) else {
            return Ok(Page { rows, next: None, previous: None });
        };
        // A backward page is fetched reversed: its last row came first.
        let (last_at, first_at) = if self.backward { (0, end) } else { (end, 0) };
        let mut cursor_at = |at: usize, wanted: bool| {
            if wanted { self.keyset.cursor(&key_values(&rows, at)).map(Some) } else { Ok(None) }
        };
        let next = cursor_at(last_at, has_next)?;
        let previous = cursor_at(first_at, has_previous)?;
        if self.backward {
            rows.reverse();
        }
        Ok(Page { rows, next, previous })
    }
}
