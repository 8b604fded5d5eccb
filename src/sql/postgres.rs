//! The PostgreSQL dialect.

use super::{Dialect, NativeNulls, push_number};

/// PostgreSQL: `$1` placeholders, `"double"` quotes, `NULL` sorted as the
/// largest value and `NULLS FIRST/LAST` to place it, row values that seek an
/// index, `RETURNING`, `LIMIT`.
///
/// # Example
///
/// ```
/// use routekit::sql::{Dialect, Postgres};
///
/// let mut text = String::new();
/// Postgres.placeholder(3, &mut text);
/// assert_eq!(text, "$3");
/// assert!(Postgres.seeks_row_values() && Postgres.supports_returning());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Postgres;

impl Dialect for Postgres {
    fn name(&self) -> &'static str {
        "postgres"
    }

    fn placeholder(&self, index: usize, out: &mut String) {
        push_number("$", index as u64, out);
    }

    fn native_nulls(&self) -> NativeNulls {
        NativeNulls::Largest
    }

    fn seeks_row_values(&self) -> bool {
        true
    }

    fn supports_returning(&self) -> bool {
        true
    }
}
