//! Sort directions and `NULL` placements, as `ORDER BY` names them.

/// A sort direction.
///
/// # Example
///
/// ```
/// use routekit::sql::Order;
/// assert_eq!(Order::Asc.reverse(), Order::Desc);
/// assert_eq!(Order::Desc.keyword(), "DESC");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Order {
    /// Ascending: smallest first.
    Asc,
    /// Descending: largest first.
    Desc,
}

impl Order {
    /// The opposite direction.
    ///
    /// ```
    /// assert_eq!(routekit::sql::Order::Desc.reverse(), routekit::sql::Order::Asc);
    /// ```
    pub fn reverse(self) -> Order {
        match self {
            Order::Asc => Order::Desc,
            Order::Desc => Order::Asc,
        }
    }

    /// The SQL keyword: `ASC` or `DESC`.
    ///
    /// ```
    /// assert_eq!(routekit::sql::Order::Asc.keyword(), "ASC");
    /// ```
    pub fn keyword(self) -> &'static str {
        match self {
            Order::Asc => "ASC",
            Order::Desc => "DESC",
        }
    }
}

/// Where `NULL`s sort in a nullable column, whatever its direction.
///
/// # Example
///
/// ```
/// use routekit::sql::Nulls;
/// assert_eq!(Nulls::First.reverse(), Nulls::Last);
/// assert_eq!(Nulls::Last.keyword(), "NULLS LAST");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Nulls {
    /// `NULL`s before every value.
    First,
    /// `NULL`s after every value.
    Last,
}

impl Nulls {
    /// The opposite placement.
    ///
    /// ```
    /// assert_eq!(routekit::sql::Nulls::Last.reverse(), routekit::sql::Nulls::First);
    /// ```
    pub fn reverse(self) -> Nulls {
        match self {
            Nulls::First => Nulls::Last,
            Nulls::Last => Nulls::First,
        }
    }

    /// The standard SQL words: `NULLS FIRST` or `NULLS LAST`.
    ///
    /// ```
    /// assert_eq!(routekit::sql::Nulls::First.keyword(), "NULLS FIRST");
    /// ```
    pub fn keyword(self) -> &'static str {
        match self {
            Nulls::First => "NULLS FIRST",
            Nulls::Last => "NULLS LAST",
        }
    }
}
