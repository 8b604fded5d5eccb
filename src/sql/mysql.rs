//! The MySQL dialect.

use super::{Dialect, Ident, NativeNulls, Nulls, Order};

/// MySQL (8.0): `?` placeholders, `` `backtick` `` quotes, `NULL` sorted as
/// the smallest value, no `RETURNING`, `LIMIT`.
///
/// MySQL has no `NULLS FIRST/LAST`: where its native placement is not the
/// one asked for, [`order_by_key`](Dialect::order_by_key) sorts by `(c IS
/// NULL)` first. It understands row values but does not reliably answer
/// them with an index range scan, so [`keyset`](crate::keyset) expands them.
///
/// # Example
///
/// ```
/// use routekit::sql::{Dialect, Ident, MySql};
///
/// let mut text = String::new();
/// MySql.quote_ident(&Ident::new("t.id")?, &mut text);
/// assert_eq!(text, "`t`.`id`");
/// assert!(!MySql.supports_returning());
/// # Ok::<(), routekit::sql::IdentError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MySql;

impl Dialect for MySql {
    fn name(&self) -> &'static str {
        "mysql"
    }

    fn placeholder(&self, _index: usize, out: &mut String) {
        out.push('?');
    }

    fn quote_ident(&self, ident: &Ident, out: &mut String) {
        ident.quote_parts('`', out);
    }

    fn native_nulls(&self) -> NativeNulls {
        NativeNulls::Smallest
    }

    fn order_by_key(&self, column: &Ident, order: Order, nulls: Option<Nulls>, out: &mut String) {
        if let Some(nulls) = nulls.filter(|&nulls| nulls != self.native_nulls().placement(order)) {
            // `c IS NULL` is 0 for values and 1 for NULL: ascending puts
            // NULLs last, descending first.
            out.push('(');
            self.quote_ident(column, out);
            out.push_str(match nulls {
                Nulls::First => " IS NULL) DESC, ",
                Nulls::Last => " IS NULL), ",
            });
        }
        self.quote_ident(column, out);
        out.push(' ');
        out.push_str(order.keyword());
    }

    fn seeks_row_values(&self) -> bool {
        false
    }

    fn supports_returning(&self) -> bool {
        false
    }
}
