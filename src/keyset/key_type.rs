//! The declared type of a sort key's values.

use std::fmt;

use crate::sql::Value;

/// The type of a sort key's values, matching the [`Value`] variants.
///
/// # Example
///
/// ```
/// use routekit::keyset::KeyType;
/// use routekit::sql::Value;
/// assert!(KeyType::Int.matches(&Value::Int(3)));
/// assert!(!KeyType::Int.matches(&Value::Float(3.0)));
/// assert_eq!(KeyType::of(&Value::Null), None);
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

impl fmt::Display for KeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KeyType::Bool => "bool",
            KeyType::Int => "int",
            KeyType::Float => "float",
            KeyType::Text => "text",
            KeyType::Bytes => "bytes",
            KeyType::Timestamp => "timestamp",
        })
    }
}

impl KeyType {
    /// The type of `value`, or `None` for `NULL`.
    ///
    /// ```
    /// use routekit::keyset::KeyType;
    /// use routekit::sql::Value;
    /// assert_eq!(KeyType::of(&Value::Text("a".into())), Some(KeyType::Text));
    /// ```
    pub fn of(value: &Value) -> Option<KeyType> {
        match value {
            Value::Null => None,
            Value::Bool(_) => Some(KeyType::Bool),
            Value::Int(_) => Some(KeyType::Int),
            Value::Float(_) => Some(KeyType::Float),
            Value::Text(_) => Some(KeyType::Text),
            Value::Bytes(_) => Some(KeyType::Bytes),
            Value::Timestamp(_) => Some(KeyType::Timestamp),
        }
    }

    /// Whether `value` is a non-null value of this type.
    ///
    /// ```
    /// use routekit::keyset::KeyType;
    /// use routekit::sql::Value;
    /// assert!(!KeyType::Text.matches(&Value::Null));
    /// ```
    pub fn matches(self, value: &Value) -> bool {
        KeyType::of(value) == Some(self)
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
}
