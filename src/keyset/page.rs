//! A page of rows with the cursors that lead to its neighbours.

/// One page of rows in the caller's order, with the cursors of the pages
/// before and after it.
///
/// Made by [`PageQuery::page`](super::PageQuery::page) from the rows the
/// query returned. [`next_cursor`](Page::next_cursor) is the client's link
/// to [`Position::After`](super::Position::After) and
/// [`previous_cursor`](Page::previous_cursor) to
/// [`Position::Before`](super::Position::Before). A cursor is given only when a row
/// lies in its direction: in the direction of travel the query fetched one row
/// more than the page to see it; in the other, the row the request's cursor
/// came from lies there.
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
/// assert!(page.next_cursor().is_some());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page<R> {
    pub(super) rows: Vec<R>,
    pub(super) next: Option<String>,
    pub(super) previous: Option<String>,
}

impl<R> Page<R> {
    /// The rows, in the caller's order (a backward page included).
    ///
    /// ```
    /// # use routekit::keyset::{CursorSecret, KeyType, Keyset, Position, SortKey};
    /// # use routekit::sql::{Sqlite, Value};
    /// # let keys = [SortKey::asc("id", KeyType::Int).unique()];
    /// # let keyset = Keyset::builder(&Sqlite, "t", CursorSecret::new([7; 16]), keys).limit(2).build()?;
    /// # let query = keyset.query(Position::First)?;
    /// let page = query.page(vec![5], |id| vec![Value::Int(*id)])?;
    /// assert_eq!(page.rows(), [5]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn rows(&self) -> &[R] {
        &self.rows
    }

    /// The rows, by value.
    ///
    /// ```
    /// # use routekit::keyset::{CursorSecret, KeyType, Keyset, Position, SortKey};
    /// # use routekit::sql::{Sqlite, Value};
    /// # let keys = [SortKey::asc("id", KeyType::Int).unique()];
    /// # let keyset = Keyset::builder(&Sqlite, "t", CursorSecret::new([7; 16]), keys).build()?;
    /// # let query = keyset.query(Position::First)?;
    /// let rows: Vec<i64> = query.page(vec![5, 6], |id| vec![Value::Int(*id)])?.into_rows();
    /// assert_eq!(rows, [5, 6]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn into_rows(self) -> Vec<R> {
        self.rows
    }

    /// The same page with each row turned into another by `f`, in order; the
    /// cursors stay. Cost: O(rows), one call of `f` per row, no copy.
    ///
    /// ```
    /// # use routekit::keyset::{CursorSecret, KeyType, Keyset, Position, SortKey};
    /// # use routekit::sql::{Sqlite, Value};
    /// # let keys = [SortKey::asc("id", KeyType::Int).unique()];
    /// # let keyset = Keyset::builder(&Sqlite, "t", CursorSecret::new([7; 16]), keys).limit(1).build()?;
    /// # let query = keyset.query(Position::First)?;
    /// let page = query.page(vec![1, 2], |id| vec![Value::Int(*id)])?;
    /// let labels = page.map(|id| format!("#{id}"));
    /// assert_eq!(labels.rows(), ["#1"]);
    /// assert!(labels.has_next());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn map<U>(self, f: impl FnMut(R) -> U) -> Page<U> {
        Page {
            rows: self.rows.into_iter().map(f).collect(),
            next: self.next,
            previous: self.previous,
        }
    }

    /// Whether a page follows this one.
    ///
    /// ```
    /// # use routekit::keyset::{CursorSecret, KeyType, Keyset, Position, SortKey};
    /// # use routekit::sql::{Sqlite, Value};
    /// # let keys = [SortKey::asc("id", KeyType::Int).unique()];
    /// # let keyset = Keyset::builder(&Sqlite, "t", CursorSecret::new([7; 16]), keys).limit(2).build()?;
    /// # let query = keyset.query(Position::First)?;
    /// assert!(!query.page(vec![1, 2], |id| vec![Value::Int(*id)])?.has_next());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn has_next(&self) -> bool {
        self.next.is_some()
    }

    /// Whether a page precedes this one.
    ///
    /// ```
    /// # use routekit::keyset::{CursorSecret, KeyType, Keyset, Position, SortKey};
    /// # use routekit::sql::{Sqlite, Value};
    /// # let keys = [SortKey::asc("id", KeyType::Int).unique()];
    /// # let keyset = Keyset::builder(&Sqlite, "t", CursorSecret::new([7; 16]), keys).build()?;
    /// # let query = keyset.query(Position::First)?;
    /// // The first page has nothing before it.
    /// assert!(!query.page(vec![1, 2], |id| vec![Value::Int(*id)])?.has_previous());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn has_previous(&self) -> bool {
        self.previous.is_some()
    }

    /// The cursor of the next page (for
    /// [`Position::After`](super::Position::After)), if there is one.
    ///
    /// ```
    /// # use routekit::keyset::{CursorSecret, KeyType, Keyset, Position, SortKey};
    /// # use routekit::sql::{Sqlite, Value};
    /// # let keys = [SortKey::asc("id", KeyType::Int).unique()];
    /// # let keyset = Keyset::builder(&Sqlite, "t", CursorSecret::new([7; 16]), keys).limit(1).build()?;
    /// # let query = keyset.query(Position::First)?;
    /// let page = query.page(vec![1, 2], |id| vec![Value::Int(*id)])?;
    /// assert_eq!(page.next_cursor(), Some(keyset.cursor(&[Value::Int(1)])?.as_str()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn next_cursor(&self) -> Option<&str> {
        self.next.as_deref()
    }

    /// The cursor of the previous page (for
    /// [`Position::Before`](super::Position::Before)), if there is one.
    ///
    /// ```
    /// # use routekit::keyset::{CursorSecret, KeyType, Keyset, Position, SortKey};
    /// # use routekit::sql::{Sqlite, Value};
    /// # let keys = [SortKey::asc("id", KeyType::Int).unique()];
    /// # let keyset = Keyset::builder(&Sqlite, "t", CursorSecret::new([7; 16]), keys).build()?;
    /// # let query = keyset.query(Position::First)?;
    /// assert_eq!(query.page(vec![1], |id| vec![Value::Int(*id)])?.previous_cursor(), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn previous_cursor(&self) -> Option<&str> {
        self.previous.as_deref()
    }
}
