//! A page of rows with the cursors that lead to its neighbours.

/// One page of rows in the caller's order, with the cursors of the pages
/// before and after it.
///
/// Made by [`Keyset::page`](super::Keyset::page) from the rows the query
/// returned. [`next_cursor`](Page::next_cursor) goes to
/// [`after`](super::KeysetBuilder::after) and
/// [`previous_cursor`](Page::previous_cursor) to
/// [`before`](super::KeysetBuilder::before). A cursor is given only when a row
/// lies in its direction: in the direction of travel the query fetched one row
/// more than the page to see it; in the other, the row the request's cursor
/// came from lies there.
///
/// # Example
///
/// ```
/// use routekit::keyset::{CursorSecret, KeyType, Keyset, SortKey};
/// use routekit::sql::{Sqlite, Value};
///
/// let mut builder = Keyset::builder();
/// builder
///     .dialect(&Sqlite)
///     .secret(CursorSecret::new([7; 16]))
///     .table("t")
///     .order_by(SortKey::asc("id", KeyType::Int).unique())
///     .limit(2);
/// let keyset = builder.build()?;
/// // The query returned limit + 1 rows: there is a next page.
/// let page = keyset.page(vec![1, 2, 3], |id| vec![Value::Int(*id)])?;
/// assert_eq!(page.rows(), [1, 2]);
/// assert!(page.has_next() && !page.has_previous());
/// assert!(page.next_cursor().is_some());
/// # Ok::<(), routekit::keyset::KeysetError>(())
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
    /// # use routekit::keyset::{CursorSecret, KeyType, Keyset, SortKey};
    /// # use routekit::sql::{Sqlite, Value};
    /// # let mut builder = Keyset::builder();
    /// # builder.dialect(&Sqlite).secret(CursorSecret::new([7; 16])).table("t")
    /// #     .order_by(SortKey::asc("id", KeyType::Int).unique()).limit(2);
    /// # let keyset = builder.build()?;
    /// let page = keyset.page(vec![5], |id| vec![Value::Int(*id)])?;
    /// assert_eq!(page.rows(), [5]);
    /// # Ok::<(), routekit::keyset::KeysetError>(())
    /// ```
    pub fn rows(&self) -> &[R] {
        &self.rows
    }

    /// The rows, by value.
    ///
    /// ```
    /// # use routekit::keyset::{CursorSecret, KeyType, Keyset, SortKey};
    /// # use routekit::sql::{Sqlite, Value};
    /// # let mut builder = Keyset::builder();
    /// # builder.dialect(&Sqlite).secret(CursorSecret::new([7; 16])).table("t")
    /// #     .order_by(SortKey::asc("id", KeyType::Int).unique());
    /// # let keyset = builder.build()?;
    /// let rows: Vec<i64> = keyset.page(vec![5, 6], |id| vec![Value::Int(*id)])?.into_rows();
    /// assert_eq!(rows, [5, 6]);
    /// # Ok::<(), routekit::keyset::KeysetError>(())
    /// ```
    pub fn into_rows(self) -> Vec<R> {
        self.rows
    }

    /// Whether a page follows this one.
    ///
    /// ```
    /// # use routekit::keyset::{CursorSecret, KeyType, Keyset, SortKey};
    /// # use routekit::sql::{Sqlite, Value};
    /// # let mut builder = Keyset::builder();
    /// # builder.dialect(&Sqlite).secret(CursorSecret::new([7; 16])).table("t")
    /// #     .order_by(SortKey::asc("id", KeyType::Int).unique()).limit(2);
    /// # let keyset = builder.build()?;
    /// assert!(!keyset.page(vec![1, 2], |id| vec![Value::Int(*id)])?.has_next());
    /// # Ok::<(), routekit::keyset::KeysetError>(())
    /// ```
    pub fn has_next(&self) -> bool {
        self.next.is_some()
    }

    /// Whether a page precedes this one.
    ///
    /// ```
    /// # use routekit::keyset::{CursorSecret, KeyType, Keyset, SortKey};
    /// # use routekit::sql::{Sqlite, Value};
    /// # let mut builder = Keyset::builder();
    /// # builder.dialect(&Sqlite).secret(CursorSecret::new([7; 16])).table("t")
    /// #     .order_by(SortKey::asc("id", KeyType::Int).unique());
    /// # let keyset = builder.build()?;
    /// // The first page has nothing before it.
    /// assert!(!keyset.page(vec![1, 2], |id| vec![Value::Int(*id)])?.has_previous());
    /// # Ok::<(), routekit::keyset::KeysetError>(())
    /// ```
    pub fn has_previous(&self) -> bool {
        self.previous.is_some()
    }

    /// The cursor of the next page (for
    /// [`after`](super::KeysetBuilder::after)), if there is one.
    ///
    /// ```
    /// # use routekit::keyset::{CursorSecret, KeyType, Keyset, SortKey};
    /// # use routekit::sql::{Sqlite, Value};
    /// # let mut builder = Keyset::builder();
    /// # builder.dialect(&Sqlite).secret(CursorSecret::new([7; 16])).table("t")
    /// #     .order_by(SortKey::asc("id", KeyType::Int).unique()).limit(1);
    /// # let keyset = builder.build()?;
    /// let page = keyset.page(vec![1, 2], |id| vec![Value::Int(*id)])?;
    /// assert_eq!(page.next_cursor(), Some(keyset.cursor(&[Value::Int(1)])?.as_str()));
    /// # Ok::<(), routekit::keyset::KeysetError>(())
    /// ```
    pub fn next_cursor(&self) -> Option<&str> {
        self.next.as_deref()
    }

    /// The cursor of the previous page (for
    /// [`before`](super::KeysetBuilder::before)), if there is one.
    ///
    /// ```
    /// # use routekit::keyset::{CursorSecret, KeyType, Keyset, SortKey};
    /// # use routekit::sql::{Sqlite, Value};
    /// # let mut builder = Keyset::builder();
    /// # builder.dialect(&Sqlite).secret(CursorSecret::new([7; 16])).table("t")
    /// #     .order_by(SortKey::asc("id", KeyType::Int).unique());
    /// # let keyset = builder.build()?;
    /// assert_eq!(keyset.page(vec![1], |id| vec![Value::Int(*id)])?.previous_cursor(), None);
    /// # Ok::<(), routekit::keyset::KeysetError>(())
    /// ```
    pub fn previous_cursor(&self) -> Option<&str> {
        self.previous.as_deref()
    }
}
