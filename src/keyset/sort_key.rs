//! Sort keys: a column, its type, direction, null handling and uniqueness.

use super::{KeyType, KeyValuesError};
use crate::sql::{Ident, Nulls, Order, Value};

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
/// use routekit::keyset::{KeyType, SortKey};
/// use routekit::sql::{Nulls, Order};
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
    /// The column name is checked when the [`Keyset`](super::Keyset) is
    /// built.
    ///
    /// ```
    /// use routekit::keyset::{KeyType, SortKey};
    /// use routekit::sql::Order;
    /// assert_eq!(SortKey::asc("id", KeyType::Int).order(), Order::Asc);
    /// ```
    pub fn asc(column: impl Into<String>, key_type: KeyType) -> SortKey {
        SortKey::new(column, key_type, Order::Asc)
    }

    /// A descending, non-null, non-unique key on `column`.
    ///
    /// ```
    /// use routekit::keyset::{KeyType, SortKey};
    /// use routekit::sql::Order;
    /// assert_eq!(SortKey::desc("score", KeyType::Float).order(), Order::Desc);
    /// ```
    pub fn desc(column: impl Into<String>, key_type: KeyType) -> SortKey {
        SortKey::new(column, key_type, Order::Desc)
    }

    /// A non-null, non-unique key on `column` in the given order.
    ///
    /// ```
    /// use routekit::keyset::{KeyType, SortKey};
    /// use routekit::sql::Order;
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
    /// use routekit::keyset::{KeyType, SortKey};
    /// use routekit::sql::Nulls;
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
    /// use routekit::keyset::{KeyType, SortKey};
    /// use routekit::sql::Order;
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

/// A sort key whose column passed the identifier check.
#[derive(Clone, Debug)]
pub(crate) struct Key {
    pub(crate) ident: Ident,
    /// The column quoted for the keyset's dialect, written into every seek
    /// predicate.
    pub(crate) quoted: String,
    pub(crate) key_type: KeyType,
    pub(crate) order: Order,
    pub(crate) nulls: Option<Nulls>,
}

impl Key {
    /// Direction and `NULL` placement in the order rows are fetched: a
    /// backward page fetches in the reverse of the caller's order.
    pub(crate) fn fetch_order(&self, backward: bool) -> (Order, Option<Nulls>) {
        if backward {
            (self.order.reverse(), self.nulls.map(Nulls::reverse))
        } else {
            (self.order, self.nulls)
        }
    }

    /// Checks one value per key, each of the key's type or `NULL` for a
    /// nullable key.
    pub(crate) fn check_values(keys: &[Key], values: &[Value]) -> Result<(), KeyValuesError> {
        if keys.len() != values.len() {
            return Err(KeyValuesError::WrongCount { expected: keys.len(), found: values.len() });
        }
        for (key, value) in keys.iter().zip(values) {
            let found = KeyType::of(value);
            let fits = match found {
                None => key.nulls.is_some(),
                Some(found) => found == key.key_type,
            };
            if !fits {
                return Err(KeyValuesError::WrongType {
                    column: key.ident.as_str().to_owned(),
                    expected: key.key_type,
                    nullable: key.nulls.is_some(),
                    found,
                });
            }
        }
        Ok(())
    }
}
