//! Sort keys: a column, its type, direction, null handling and uniqueness.

use std::fmt;

use crate::sql::Value;

/// One column of a keyset ordering.
///
/// Built with [`SortKey::asc`] or [`SortKey::desc`], then marked
/// [`nullable`](SortKey::nullable) (with where `NULL`s sort) or
/// [`unique`](SortKey::unique). The last key of every ordering must be unique
/// and not nullable, so that no two rows tie.
///
/// The type is declared so a cursor holding a value of another type is
/// refused, and so that an ordering over `created_at` as text is a different
/// ordering from one over `created_at` as a timestamp.
///
/// # Example
///
/// ```
/// use routekit::keyset::{KeyType, Nulls, Order, SortKey};
///
/// let key = SortKey::desc("published_at", KeyType::Timestamp).nullable(Nulls::Last);
/// assert_eq!(key.order(), Order::Desc);
/// assert_eq!(key.nulls(), Some(Nulls::Last));
/// assert!(!key.is_unique());
/// assert!(SortKey::asc("id", KeyType::Int).unique().is_unique());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SortKey {
    column: String,
    key_type: KeyType,
    order: Order,
    nulls: Option<Nulls>,
    unique: bool,
}

impl SortKey {
    /// An ascending, non-null, non-unique key on `column`.
    ///
    /// The column name is checked when the query is built.
    ///
    /// ```
    /// use routekit::keyset::{KeyType, Order, SortKey};
    /// assert_eq!(SortKey::asc("id", KeyType::Int).order(), Order::Asc);
    /// ```
    pub fn asc(column: impl Into<String>, key_type: KeyType) -> SortKey {
        SortKey::new(column, key_type, Order::Asc)
    }

    /// A descending, non-null, non-unique key on `column`.
    ///
    /// ```
    /// use routekit::keyset::{KeyType, Order, SortKey};
    /// assert_eq!(SortKey::desc("score", KeyType::Float).order(), Order::Desc);
    /// ```
    pub fn desc(column: impl Into<String>, key_type: KeyType) -> SortKey {
        SortKey::new(column, key_type, Order::Desc)
    }

    /// A non-null, non-unique key on `column` in the given order.
    ///
    /// ```
    /// use routekit::keyset::{KeyType, Order, SortKey};
    /// assert_eq!(SortKey::new("id", KeyType::Int, Order::Desc), SortKey::desc("id", KeyType::Int));
    /// ```
    pub fn new(column: impl Into<String>, key_type: KeyType, order: Order) -> SortKey {
        SortKey { column: column.into(), key_type, order, nulls: None, unique: false }
    }

    /// Declares the column nullable, with `NULL`s sorted `nulls` (first or
    /// last, whatever the direction). A key not declared nullable must never
    /// hold `NULL`.
    ///
    /// ```
    /// use routekit::keyset::{KeyType, Nulls, SortKey};
    /// let key = SortKey::asc("deleted_at", KeyType::Timestamp).nullable(Nulls::First);
    /// assert_eq!(key.nulls(), Some(Nulls::First));
    /// ```
    #[must_use]
    pub fn nullable(mut self, nulls: Nulls) -> SortKey {
        self.nulls = Some(nulls);
        self
    }

    /// Declares that no two rows share a value of this column (a primary key
    /// or a column with a unique constraint).
    ///
    /// ```
    /// use routekit::keyset::{KeyType, SortKey};
    /// assert!(SortKey::asc("id", KeyType::Int).unique().is_unique());
    /// ```
    #[must_use]
    pub fn unique(mut self) -> SortKey {
        self.unique = true;
        self
    }

    /// The column name as given.
    ///
    /// ```
    /// use routekit::keyset::{KeyType, SortKey};
    /// assert_eq!(SortKey::asc("p.id", KeyType::Int).column(), "p.id");
    /// ```
    pub fn column(&self) -> &str {
        &self.column
    }

    /// The declared type of the column's values.
    ///
    /// ```
    /// use routekit::keyset::{KeyType, SortKey};
    /// assert_eq!(SortKey::asc("name", KeyType::Text).key_type(), KeyType::Text);
    /// ```
    pub fn key_type(&self) -> KeyType {
        self.key_type
    }

    /// The direction.
    ///
    /// ```
    /// use routekit::keyset::{KeyType, Order, SortKey};
    /// assert_eq!(SortKey::desc("n", KeyType::Int).order(), Order::Desc);
    /// ```
    pub fn order(&self) -> Order {
        self.order
    }

    /// Where `NULL`s sort, or `None` when the key is not nullable.
    ///
    /// ```
    /// use routekit::keyset::{KeyType, SortKey};
    /// assert_eq!(SortKey::desc("n", KeyType::Int).nulls(), None);
    /// ```
    pub fn nulls(&self) -> Option<Nulls> {
        self.nulls
    }

    /// Whether the key was declared unique.
    ///
    /// ```
    /// use routekit::keyset::{KeyType, SortKey};
    /// assert!(!SortKey::desc("n", KeyType::Int).is_unique());
    /// ```
    pub fn is_unique(&self) -> bool {
        self.unique
    }
}

/// A sort direction.
///
/// ```
/// use routekit::keyset::Order;
/// assert_eq!(Order::Asc.reverse(), Order::Desc);
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
    /// assert_eq!(routekit::keyset::Order::Desc.reverse(), routekit::keyset::Order::Asc);
    /// ```
    pub fn reverse(self) -> Order {
        match self {
            Order::Asc => Order::Desc,
            Order::Desc => Order::Asc,
        }
    }
}

/// Where `NULL`s sort in a nullable key, independent of its direction.
///
/// ```
/// use routekit::keyset::Nulls;
/// assert_eq!(Nulls::First.reverse(), Nulls::Last);
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
    /// assert_eq!(routekit::keyset::Nulls::Last.reverse(), routekit::keyset::Nulls::First);
    /// ```
    pub fn reverse(self) -> Nulls {
        match self {
            Nulls::First => Nulls::Last,
            Nulls::Last => Nulls::First,
        }
    }
}

/// The type of a sort key's values, matching the [`Value`] variants.
///
/// ```
/// use routekit::keyset::KeyType;
/// use routekit::sql::Value;
/// assert!(KeyType::Int.matches(&Value::Int(3)));
/// assert!(!KeyType::Int.matches(&Value::Float(3.0)));
/// assert_eq!(KeyType::Timestamp.to_string(), "timestamp");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyType {
    /// [`Value::Bool`].
    Bool,
    /// [`Value::Int`].
    Int,
    /// [`Value::Float`].
    Float,
    /// [`Value::Text`].
    Text,
    /// [`Value::Bytes`].
    Bytes,
    /// [`Value::Timestamp`].
    Timestamp,
}

impl KeyType {
    /// Whether `value` is a non-null value of this type.
    ///
    /// ```
    /// use routekit::keyset::KeyType;
    /// use routekit::sql::Value;
    /// assert!(!KeyType::Text.matches(&Value::Null));
    /// ```
    pub fn matches(self, value: &Value) -> bool {
        value_type_name(value) == self.name()
    }

    /// The stable one-byte code of the type in cursors and fingerprints.
    pub(crate) fn code(self) -> u8 {
        match self {
            KeyType::Bool => 1,
            KeyType::Int => 2,
            KeyType::Float => 3,
            KeyType::Text => 4,
            KeyType::Bytes => 5,
            KeyType::Timestamp => 6,
        }
    }

    fn name(self) -> &'static str {
        match self {
            KeyType::Bool => "bool",
            KeyType::Int => "int",
            KeyType::Float => "float",
            KeyType::Text => "text",
            KeyType::Bytes => "bytes",
            KeyType::Timestamp => "timestamp",
        }
    }
}

impl fmt::Display for KeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The name of a value's type, as [`KeyType`] displays it (`"null"` for
/// `NULL`).
pub(crate) fn value_type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Int(_) => "int",
        Value::Float(_) => "float",
        Value::Text(_) => "text",
        Value::Bytes(_) => "bytes",
        Value::Timestamp(_) => "timestamp",
    }
}
