//! What the SQL-emitting modules share: the [`Dialect`] trait and the three
//! dialects, bind [`Value`]s, checked identifiers ([`Ident`]), and the
//! [`SqlWriter`] that writes a [`Statement`].
//!
//! routekit never splices a caller's value into SQL text: values travel as
//! bind parameters, and the only names written into the text are identifiers
//! that passed [`Ident::new`] and are then quoted for the dialect.
//!
//! # Dialects
//!
//! A dialect states what differs between databases as facts and writes the
//! fragments that differ; [`keyset`](crate::keyset) and
//! [`optimistic`](crate::optimistic) ask it and never look at its name.
//!
//! | | [`Postgres`] | [`Sqlite`] | [`MySql`] |
//! |---|---|---|---|
//! | [`placeholder`](Dialect::placeholder) | `$1` | `?1` | `?` |
//! | [`quote_ident`](Dialect::quote_ident) | `"t"."c"` | `"t"."c"` | `` `t`.`c` `` |
//! | [`native_nulls`](Dialect::native_nulls) | [largest](NativeNulls::Largest) | [smallest](NativeNulls::Smallest) | [smallest](NativeNulls::Smallest) |
//! | [`order_by_key`](Dialect::order_by_key) with a placement | `c DESC NULLS LAST` | `c DESC NULLS LAST` | `` (`c` IS NULL), `c` ASC `` where the native placement differs |
//! | [`seeks_row_values`](Dialect::seeks_row_values) | yes | yes (3.15+) | no: expanded |
//! | [`supports_returning`](Dialect::supports_returning) | yes | yes (3.35+) | no: affected rows |
//! | [`limit`](Dialect::limit) | `LIMIT 21` | `LIMIT 21` | `LIMIT 21` |
//! | [`lock_for_update`](Dialect::lock_for_update) | `FOR UPDATE` | nothing: no row locks, `BEGIN IMMEDIATE` | `FOR UPDATE` |
//!
//! To add a dialect, write a unit struct and its `impl Dialect` (the
//! provided methods write standard SQL; override what your database does
//! otherwise), and pass it as `&YourDialect` like the others.
//!
//! # Example
//!
//! ```
//! use routekit::sql::{Dialect, Ident, Postgres, SqlWriter, Sqlite, Value};
//!
//! let column = Ident::new("user_id")?;
//! let dialects: [(&'static dyn Dialect, &str); 2] = [
//!     (&Postgres, r#"SELECT * FROM t WHERE "user_id" = $1"#),
//!     (&Sqlite, r#"SELECT * FROM t WHERE "user_id" = ?1"#),
//! ];
//! for (dialect, text) in dialects {
//!     let mut sql = SqlWriter::new(dialect);
//!     sql.push("SELECT * FROM t WHERE ");
//!     sql.ident(&column);
//!     sql.push(" = ");
//!     sql.bind(Value::Int(42));
//!     let statement = sql.finish();
//!     assert_eq!(statement.sql, text);
//!     assert_eq!(statement.params, [Value::Int(42)]);
//! }
//! # Ok::<(), routekit::sql::IdentError>(())
//! ```

mod dialect;
mod error;
mod ident;
mod mysql;
mod order;
mod postgres;
mod sqlite;
mod value;
mod writer;

pub use dialect::{Dialect, NativeNulls};
pub use error::{IdentError, TimestampError};
pub use ident::Ident;
pub use mysql::MySql;
pub use order::{Nulls, Order};
pub use postgres::Postgres;
pub use sqlite::Sqlite;
pub use value::{Timestamp, Value};
pub use writer::{SqlWriter, Statement};

/// Appends `prefix` and `number` in decimal: numbered placeholders and row
/// counts. Written by hand because a statement holds many placeholders and
/// `fmt` machinery would be most of the cost of each.
fn push_number(prefix: &str, number: u64, out: &mut String) {
    out.push_str(prefix);
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut rest = number;
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    out.extend(digits[at..].iter().map(|&digit| char::from(digit)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_and_quotes_per_dialect() {
        let ident = Ident::new("s.t").unwrap();
        let cases: [(&'static dyn Dialect, &str); 3] = [
            (&Postgres, r#""s"."t" = $1 AND $2"#),
            (&Sqlite, r#""s"."t" = ?1 AND ?2"#),
            (&MySql, "`s`.`t` = ? AND ?"),
        ];
        for (dialect, want) in cases {
            let mut sql = SqlWriter::new(dialect);
            sql.ident(&ident);
            sql.push(" = ");
            sql.bind(Value::Int(1));
            sql.push(" AND ");
            sql.bind(Value::Int(2));
            assert_eq!(sql.finish().sql, want, "{}", dialect.name());
        }
    }

    #[test]
    fn order_by_keys_per_dialect() {
        let c = Ident::new("c").unwrap();
        let placements = [None, Some(Nulls::First), Some(Nulls::Last)];
        // PostgreSQL and SQLite both have NULLS FIRST/LAST: the standard term.
        let standard = [
            r#""c" ASC"#,
            r#""c" ASC NULLS FIRST"#,
            r#""c" ASC NULLS LAST"#,
            r#""c" DESC"#,
            r#""c" DESC NULLS FIRST"#,
            r#""c" DESC NULLS LAST"#,
        ];
        let mysql = [
            "`c` ASC",
            "`c` ASC",
            "(`c` IS NULL), `c` ASC",
            "`c` DESC",
            "(`c` IS NULL) DESC, `c` DESC",
            "`c` DESC",
        ];
        let cases: [(&'static dyn Dialect, [&str; 6]); 3] =
            [(&Postgres, standard), (&Sqlite, standard), (&MySql, mysql)];
        for (dialect, want) in cases {
            let orders = [Order::Asc, Order::Desc];
            let terms = orders.iter().flat_map(|&order| placements.map(|nulls| (order, nulls)));
            for ((order, nulls), want) in terms.zip(want) {
                let mut sql = SqlWriter::new(dialect);
                sql.order_by_key(&c, order, nulls);
                assert_eq!(sql.finish().sql, want, "{} {order:?} {nulls:?}", dialect.name());
            }
        }
    }

    #[test]
    fn numbers_are_written_in_decimal() {
        for n in [0, 1, 9, 10, 99, 100, 12_345, u64::from(u32::MAX), u64::MAX] {
            let mut out = String::new();
            push_number("$", n, &mut out);
            assert_eq!(out, format!("${n}"));
        }
    }

    #[test]
    fn limits_per_dialect() {
        for dialect in [&Postgres as &'static dyn Dialect, &Sqlite, &MySql] {
            let mut sql = SqlWriter::new(dialect);
            sql.limit(u64::from(u32::MAX) + 1);
            assert_eq!(sql.finish().sql, "LIMIT 4294967296", "{}", dialect.name());
        }
    }
}
