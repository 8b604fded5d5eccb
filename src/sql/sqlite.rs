//! The SQLite dialect.

use super::{Dialect, NativeNulls, push_number};

/// SQLite: `?1` placeholders, `"double"` quotes, `NULL` sorted as the
/// smallest value and `NULLS FIRST/LAST` (3.30+) to place it, row values
/// that seek an index (3.15+), `RETURNING` (3.35+), `LIMIT`. The bundled
/// SQLite of the `rusqlite` crate is far newer than all three. No row
/// locks: a writer locks the database with `BEGIN IMMEDIATE`.
///
/// # Example
///
/// ```
/// use routekit::sql::{Dialect, NativeNulls, Sqlite};
///
/// let mut text = String::new();
/// Sqlite.placeholder(2, &mut text);
/// assert_eq!(text, "?2");
/// assert_eq!(Sqlite.native_nulls(), NativeNulls::Smallest);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sqlite;

impl Dialect for Sqlite {
    fn name(&self) -> &'static str {
        "sqlite"
    }

    fn placeholder(&self, index: usize, out: &mut String) {
        push_number("?", index as u64, out);
    }

    fn native_nulls(&self) -> NativeNulls {
        NativeNulls::Smallest
    }

    fn seeks_row_values(&self) -> bool {
        true
    }

    fn supports_returning(&self) -> bool {
        true
    }

    fn locks_rows(&self) -> bool {
        false
    }
}
