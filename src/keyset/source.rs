//! Where an ordering's rows come from: a table, or a FROM clause.

/// Where a [`Keyset`](super::Keyset)'s rows come from: a table (checked and
/// quoted as an identifier), or a FROM clause written as it is.
///
/// A `&str` or `String` converts to a table, so `"posts"` is enough where a
/// source is asked for.
///
/// # Example
///
/// ```
/// use routekit::keyset::{CursorSecret, KeyType, Keyset, Position, SortKey, Source};
/// use routekit::sql::Sqlite;
///
/// let orders = Keyset::builder(
///     &Sqlite,
///     Source::from_clause("orders o JOIN customers c ON c.id = o.customer_id"),
///     CursorSecret::new([9; 16]),
///     [SortKey::asc("o.id", KeyType::Int).unique()],
/// )
/// .columns(["o.id", "c.name"])
/// .build()?;
/// assert_eq!(
///     orders.query(Position::First)?.statement().sql,
///     r#"SELECT "o"."id", "c"."name" FROM orders o JOIN customers c ON c.id = o.customer_id ORDER BY "o"."id" ASC LIMIT 21"#
/// );
/// assert_eq!(Source::from("posts"), Source::table("posts"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Source(pub(super) SourceKind);

/// The two kinds of source, unchecked.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) enum SourceKind {
    Table(String),
    From(String),
}

impl From<&str> for Source {
    fn from(table: &str) -> Source {
        Source::table(table)
    }
}

impl From<String> for Source {
    fn from(table: String) -> Source {
        Source::table(table)
    }
}

impl Source {
    /// Rows come from this table, checked when the keyset is built.
    ///
    /// ```
    /// let source = routekit::keyset::Source::table("public.orders");
    /// # let _ = source;
    /// ```
    pub fn table(name: impl Into<String>) -> Source {
        Source(SourceKind::Table(name.into()))
    }

    /// Rows come from this FROM clause, written as it is (joins, aliases,
    /// subqueries). It takes no bind values and must come from the program,
    /// never from a request.
    ///
    /// ```
    /// let source = routekit::keyset::Source::from_clause("posts p JOIN users u ON u.id = p.author_id");
    /// # let _ = source;
    /// ```
    pub fn from_clause(clause: impl Into<String>) -> Source {
        Source(SourceKind::From(clause.into()))
    }
}
