//! Generated test tables, the reference order (a sorted `Vec`), and a walker
//! that pages through a table the way a client follows links.

use std::cmp::Ordering;

use proptest::prelude::*;
use routekit::keyset::{CursorSecret, KeyType, Keyset, PageQuery, Position, SortKey};
use routekit::sql::{Dialect, Nulls, Order, Timestamp, Value};

use crate::db::{Column, Db};

/// A row: `id`, then one value per extra sort key (`k0`, `k1`, ...), which
/// is also the order of the table's columns and of the select list.
pub(crate) type Row = Vec<Value>;

/// One sort key before the unique `id`.
#[derive(Clone, Debug)]
pub(crate) struct KeySpec {
    pub(crate) key_type: KeyType,
    pub(crate) order: Order,
    pub(crate) nulls: Option<Nulls>,
}

/// An ordering over a generated table: up to three keys, then `id`.
#[derive(Clone, Debug)]
pub(crate) struct Spec {
    pub(crate) keys: Vec<KeySpec>,
    pub(crate) id_order: Order,
    pub(crate) limit: u32,
    /// Filter out the row with this id (`id <> ?`), exercising the caller's
    /// filter and its placeholder numbering.
    pub(crate) exclude: Option<i64>,
}

pub(crate) const SECRET: [u8; 16] = *b"keyset-tests-key";

impl Spec {
    pub(crate) fn columns(&self) -> Vec<Column> {
        self.keys
            .iter()
            .enumerate()
            .map(|(i, k)| Column { name: format!("k{i}"), key_type: k.key_type })
            .collect()
    }

    /// The types of the select list: `id`, then the keys.
    pub(crate) fn row_types(&self) -> Vec<KeyType> {
        std::iter::once(KeyType::Int).chain(self.keys.iter().map(|k| k.key_type)).collect()
    }

    /// The endpoint: `id` and the keys selected, ordered by the keys then
    /// `id`.
    pub(crate) fn keyset(&self, table: &str, dialect: &'static dyn Dialect) -> Keyset {
        let mut keys = Vec::with_capacity(self.keys.len() + 1);
        for (i, key) in self.keys.iter().enumerate() {
            let mut sort = SortKey::new(format!("k{i}"), key.key_type, key.order);
            if let Some(nulls) = key.nulls {
                sort = sort.nullable(nulls);
            }
            keys.push(sort);
        }
        keys.push(SortKey::new("id", KeyType::Int, self.id_order).unique());
        Keyset::builder(dialect, table, CursorSecret::new(SECRET), keys)
            .columns(["id"])
            .limit(self.limit)
            .build()
            .unwrap()
    }

    /// The request for the page at `position`, with the spec's filter.
    pub(crate) fn query<'k>(&self, keyset: &'k Keyset, position: Position<'_>) -> PageQuery<'k> {
        let query = match self.exclude {
            None => keyset.query(position),
            Some(id) => {
                // `"id" <> ?` in the dialect's own placeholder.
                let mut condition = String::from("\"id\" <> ");
                keyset.dialect().placeholder(1, &mut condition);
                keyset.query_where(position, &condition, [Value::Int(id)])
            }
        };
        query.expect("a cursor the walk was given")
    }

    pub(crate) fn keep(&self, row: &Row) -> bool {
        self.exclude.is_none_or(|id| row[0] != Value::Int(id))
    }

    /// The reference order: the keys in turn, `NULL`s placed as declared
    /// whatever the direction, then `id`.
    pub(crate) fn compare(&self, a: &Row, b: &Row) -> Ordering {
        for (i, key) in self.keys.iter().enumerate() {
            let ordering = match (&a[i + 1], &b[i + 1]) {
                (Value::Null, Value::Null) => Ordering::Equal,
                (Value::Null, _) if key.nulls == Some(Nulls::First) => Ordering::Less,
                (Value::Null, _) => Ordering::Greater,
                (_, Value::Null) if key.nulls == Some(Nulls::First) => Ordering::Greater,
                (_, Value::Null) => Ordering::Less,
                (x, y) => directed(compare_values(x, y), key.order),
            };
            if ordering != Ordering::Equal {
                return ordering;
            }
        }
        directed(compare_values(&a[0], &b[0]), self.id_order)
    }

    /// The rows the query should return, in order.
    pub(crate) fn reference(&self, rows: &[Row]) -> Vec<Row> {
        let mut expected: Vec<Row> = rows.iter().filter(|r| self.keep(r)).cloned().collect();
        expected.sort_by(|a, b| self.compare(a, b));
        expected
    }
}

fn directed(ordering: Ordering, order: Order) -> Ordering {
    match order {
        Order::Asc => ordering,
        Order::Desc => ordering.reverse(),
    }
}

/// The databases' order of non-null values of one type (text and bytes by
/// bytes: SQLite's BINARY collation, PostgreSQL's "C").
fn compare_values(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => x.cmp(y),
        (Value::Float(x), Value::Float(y)) => x.partial_cmp(y).expect("no NaN in test data"),
        (Value::Text(x), Value::Text(y)) => x.as_bytes().cmp(y.as_bytes()),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Bytes(x), Value::Bytes(y)) => x.cmp(y),
        (Value::Timestamp(x), Value::Timestamp(y)) => x.cmp(y),
        _ => panic!("values of different types: {a:?} {b:?}"),
    }
}

/// Few distinct values per type, so sort keys tie often.
pub(crate) fn value_of(key: &KeySpec) -> BoxedStrategy<Value> {
    let value = match key.key_type {
        KeyType::Int => (-1i64..3).prop_map(Value::Int).boxed(),
        KeyType::Float => {
            prop::sample::select(vec![-1.5, 0.0, 2.25, 1e300]).prop_map(Value::Float).boxed()
        }
        KeyType::Text => prop::sample::select(vec!["", "a", "ab", "b", "B", "é"])
            .prop_map(|s| Value::Text(s.into()))
            .boxed(),
        KeyType::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        KeyType::Bytes => {
            prop::sample::select(vec![vec![], vec![0], vec![0, 1], vec![1], vec![255]])
                .prop_map(Value::Bytes)
                .boxed()
        }
        // Whole microseconds: PostgreSQL keeps no more.
        KeyType::Timestamp => prop::sample::select(vec![
            (-1, 999_999_000),
            (0, 0),
            (0, 1_000),
            (1_700_000_000, 123_456_000),
        ])
        .prop_map(|(s, n)| Value::Timestamp(Timestamp::new(s, n).unwrap()))
        .boxed(),
        other => panic!("no test values for {other}"),
    };
    if key.nulls.is_some() {
        prop_oneof![1 => Just(Value::Null), 2 => value].boxed()
    } else {
        value
    }
}

fn order() -> impl Strategy<Value = Order> {
    prop_oneof![Just(Order::Asc), Just(Order::Desc)]
}

fn key_spec() -> impl Strategy<Value = KeySpec> {
    let key_type = prop::sample::select(vec![
        KeyType::Int,
        KeyType::Float,
        KeyType::Text,
        KeyType::Bool,
        KeyType::Bytes,
        KeyType::Timestamp,
    ]);
    let nulls = prop::option::of(prop_oneof![Just(Nulls::First), Just(Nulls::Last)]);
    (key_type, order(), nulls).prop_map(|(key_type, order, nulls)| KeySpec {
        key_type,
        order,
        nulls,
    })
}

/// An ordering of 1 to 4 keys and up to `max_rows` rows with distinct ids.
pub(crate) fn spec_and_rows(max_rows: usize) -> impl Strategy<Value = (Spec, Vec<Row>)> {
    (prop::collection::vec(key_spec(), 0..=3), order(), 1u32..=6, 0..=max_rows).prop_flat_map(
        |(keys, id_order, limit, n)| {
            let row: Vec<BoxedStrategy<Value>> = keys.iter().map(value_of).collect();
            let ids = Just((1..=n as i64).collect::<Vec<_>>()).prop_shuffle();
            let exclude = prop::option::weighted(0.3, 1..=n as i64 + 1);
            (prop::collection::vec(row, n), ids, exclude).prop_map(move |(values, ids, exclude)| {
                let rows = ids
                    .into_iter()
                    .zip(values)
                    .map(|(id, values)| std::iter::once(Value::Int(id)).chain(values).collect())
                    .collect();
                (Spec { keys: keys.clone(), id_order, limit, exclude }, rows)
            })
        },
    )
}

/// One page as a client saw it.
#[derive(Debug)]
pub(crate) struct Seen {
    pub(crate) rows: Vec<Row>,
    pub(crate) has_next: bool,
    pub(crate) has_previous: bool,
}

/// Pages through `table` from the first page forwards (or from the last page
/// backwards), following the page cursors, calling `between` after each page.
/// Returns the pages in the order visited.
pub(crate) fn walk<D: Db + ?Sized>(
    db: &mut D,
    spec: &Spec,
    table: &str,
    dialect: &'static dyn Dialect,
    backward: bool,
    between: &mut dyn FnMut(&mut D, usize),
) -> Vec<Seen> {
    let keyset = spec.keyset(table, dialect);
    let types = spec.row_types();
    let mut pages = Vec::new();
    let mut link: Option<String> = None;
    loop {
        let position = match (&link, backward) {
            (None, false) => Position::First,
            (None, true) => Position::Last,
            (Some(cursor), false) => Position::After(cursor),
            (Some(cursor), true) => Position::Before(cursor),
        };
        let query = spec.query(&keyset, position);
        let rows = db.query(query.statement(), &types);
        assert!(rows.len() <= spec.limit as usize + 1, "more rows than LIMIT n+1");
        let page = query
            .page(rows, |row| keyset.key_columns().iter().map(|&i| row[i].clone()).collect())
            .unwrap();
        let next = if backward { page.previous_cursor() } else { page.next_cursor() };
        let next = next.map(str::to_owned);
        pages.push(Seen {
            has_next: page.has_next(),
            has_previous: page.has_previous(),
            rows: page.into_rows(),
        });
        between(db, pages.len() - 1);
        match next {
            Some(cursor) => link = Some(cursor),
            None => break,
        }
        assert!(pages.len() <= 10_000, "the walk does not end");
    }
    pages
}

/// The rows of the walk in the caller's order.
pub(crate) fn rows_in_order(pages: &[Seen], backward: bool) -> Vec<Row> {
    let mut ordered: Vec<&Seen> = pages.iter().collect();
    if backward {
        ordered.reverse();
    }
    ordered.into_iter().flat_map(|p| p.rows.iter().cloned()).collect()
}
