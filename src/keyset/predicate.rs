//! The `WHERE` clause of a page query: the caller's filter and the seek
//! predicate.
//!
//! The seek predicate selects the rows strictly after the cursor's row in the
//! order the query *fetches*: a backward page fetches in the reverse of the
//! caller's order, with `NULL` placement reversed too. The
//! [module docs](super#how-the-predicate-is-written) give its shape.

use super::sort_key::Key;
use crate::sql::{Nulls, Order, SqlWriter, Value};

/// The rows a page query may return.
pub(crate) struct Where<'q> {
    /// The caller's condition and the values of its placeholders.
    pub(crate) filter: Option<(&'q str, Vec<Value>)>,
    pub(crate) keys: &'q [Key],
    /// The cursor's values, for `after` and `before` pages.
    pub(crate) seek: Option<&'q [Value]>,
    pub(crate) backward: bool,
    /// Whether the dialect seeks an index with a row-value comparison.
    pub(crate) row_values: bool,
}

impl Where<'_> {
    /// Appends ` WHERE …`, or nothing when every row qualifies.
    pub(crate) fn write(self, sql: &mut SqlWriter) {
        let mut parts = Vec::new();
        if let Some(values) = self.seek {
            parts.reserve(self.keys.len() + 1);
            seek(self.keys, values, self.backward, self.row_values, &mut parts);
        }
        if self.filter.is_some() || !parts.is_empty() {
            sql.push(" WHERE ");
        }
        // The caller's filter comes first: its placeholders number from 1.
        let filtered = self.filter.is_some();
        if let Some((text, values)) = self.filter {
            sql.push("(");
            sql.push_bound(text, values);
            sql.push(")");
            if !parts.is_empty() {
                sql.push(" AND ");
            }
        }
        let nested = parts.len() > 1;
        for (i, part) in parts.iter().enumerate() {
            if i > 0 {
                sql.push(" AND ");
            }
            part.write(sql, nested || filtered);
        }
    }
}

/// Appends to `parts` the conjuncts selecting the rows after `values` in
/// fetch order (see the module docs).
fn seek<'q>(
    keys: &'q [Key],
    values: &'q [Value],
    backward: bool,
    row_values: bool,
    parts: &mut Vec<Cond<'q>>,
) {
    let fetch = |key: &Key| key.fetch_order(backward);
    // Leading NULLs that sort last: every later row has them too. (The last
    // key is never NULL.)
    let mut from = 0;
    while from + 1 < keys.len()
        && values[from] == Value::Null
        && fetch(&keys[from]).1 == Some(Nulls::Last)
    {
        parts.push(Cond::Null { column: &keys[from].quoted, is_null: true });
        from += 1;
    }
    let (keys, values) = (&keys[from..], &values[from..]);
    let (first_order, first_nulls) = fetch(&keys[0]);
    // No NULL anywhere can sort after a value: the keys are plain tuples.
    let tuple_like = values
        .iter()
        .zip(keys)
        .all(|(v, key)| *v != Value::Null && fetch(key).1 != Some(Nulls::Last));
    let uniform = keys.iter().all(|key| fetch(key).0 == first_order);
    let after = if first_order == Order::Asc { ">" } else { "<" };
    if keys.len() > 1 && tuple_like && uniform && row_values {
        let columns = keys.iter().map(|k| k.quoted.as_str()).collect();
        parts.push(Cond::Row { columns, op: after, values });
        return;
    }
    let leads_range = values[0] != Value::Null && first_nulls != Some(Nulls::Last);
    if keys.len() > 1 && leads_range {
        let op = if first_order == Order::Asc { ">=" } else { "<=" };
        parts.push(Cond::Compare { column: &keys[0].quoted, op, value: &values[0] });
    }
    let mut disjuncts = Vec::with_capacity(keys.len());
    for (i, (key, value)) in keys.iter().zip(values).enumerate() {
        let Some(after) = comes_after(key, fetch(key), value) else { continue };
        let mut conjuncts: Vec<Cond<'q>> =
            keys[..i].iter().zip(values).map(|(k, v)| equal(&k.quoted, v)).collect();
        conjuncts.push(after);
        disjuncts.push(Cond::all(conjuncts));
    }
    parts.push(Cond::any(disjuncts));
}

fn equal<'q>(column: &'q str, value: &'q Value) -> Cond<'q> {
    match value {
        Value::Null => Cond::Null { column, is_null: true },
        _ => Cond::Compare { column, op: "=", value },
    }
}

/// The rows whose `key` comes after `value` in fetch order, `None` when no
/// row does.
fn comes_after<'q>(
    key: &'q Key,
    (order, nulls): (Order, Option<Nulls>),
    value: &'q Value,
) -> Option<Cond<'q>> {
    let column = &key.quoted;
    if *value == Value::Null {
        return (nulls == Some(Nulls::First)).then_some(Cond::Null { column, is_null: false });
    }
    let op = if order == Order::Asc { ">" } else { "<" };
    let compare = Cond::Compare { column, op, value };
    Some(if nulls == Some(Nulls::Last) {
        Cond::any(vec![compare, Cond::Null { column, is_null: true }])
    } else {
        compare
    })
}

/// A condition of the seek predicate; columns are quoted for the dialect.
enum Cond<'q> {
    Compare { column: &'q str, op: &'static str, value: &'q Value },
    Null { column: &'q str, is_null: bool },
    Row { columns: Vec<&'q str>, op: &'static str, values: &'q [Value] },
    All(Vec<Cond<'q>>),
    Any(Vec<Cond<'q>>),
}

impl<'q> Cond<'q> {
    /// The conjunction of `conds`, flattened.
    fn all(conds: Vec<Cond<'q>>) -> Cond<'q> {
        Cond::join(conds, true)
    }

    /// The disjunction of `conds`, flattened.
    fn any(conds: Vec<Cond<'q>>) -> Cond<'q> {
        Cond::join(conds, false)
    }

    /// `conds` joined by AND (`conjunction`) or OR, with nested joins of
    /// the same kind flattened and a single condition left bare.
    fn join(mut conds: Vec<Cond<'q>>, conjunction: bool) -> Cond<'q> {
        let same_kind = |cond: &Cond<'q>| {
            matches!((cond, conjunction), (Cond::All(_), true) | (Cond::Any(_), false))
        };
        if conds.iter().any(same_kind) {
            let mut flat = Vec::with_capacity(conds.len() + 1);
            for cond in conds {
                if !same_kind(&cond) {
                    flat.push(cond);
                } else if let Cond::All(inner) | Cond::Any(inner) = cond {
                    flat.extend(inner);
                }
            }
            conds = flat;
        }
        match conds.len() {
            1 => conds.remove(0),
            _ if conjunction => Cond::All(conds),
            _ => Cond::Any(conds),
        }
    }

    /// Writes the condition; `nested` puts a compound one in parentheses.
    fn write(&self, sql: &mut SqlWriter, nested: bool) {
        match self {
            Cond::Compare { column, op, value } => {
                sql.push(column);
                sql.push(" ");
                sql.push(op);
                sql.push(" ");
                sql.bind((*value).clone());
            }
            Cond::Null { column, is_null } => {
                sql.push(column);
                sql.push(if *is_null { " IS NULL" } else { " IS NOT NULL" });
            }
            Cond::Row { columns, op, values } => {
                sql.push("(");
                for (i, column) in columns.iter().enumerate() {
                    if i > 0 {
                        sql.push(", ");
                    }
                    sql.push(column);
                }
                sql.push(") ");
                sql.push(op);
                sql.push(" (");
                for (i, value) in values.iter().enumerate() {
                    if i > 0 {
                        sql.push(", ");
                    }
                    sql.bind(value.clone());
                }
                sql.push(")");
            }
            Cond::All(conds) | Cond::Any(conds) => {
                let joiner = if matches!(self, Cond::All(_)) { " AND " } else { " OR " };
                if nested {
                    sql.push("(");
                }
                for (i, cond) in conds.iter().enumerate() {
                    if i > 0 {
                        sql.push(joiner);
                    }
                    cond.write(sql, true);
                }
                if nested {
                    sql.push(")");
                }
            }
        }
    }
}
