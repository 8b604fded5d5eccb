//! Keyset pagination against real databases: bundled SQLite always, and
//! PostgreSQL when `ROUTEKIT_POSTGRES_URL` is set (set and unreachable is a
//! failure, not a skip).
//!
//! Property tests generate tables with ties, `NULL`s in every nullable key,
//! 1 to 4 sort keys in random directions and `NULL` placements, and random
//! page sizes, then page through them as a client would. Case counts are
//! modest by default because every case runs on a database; set
//! `PROPTEST_CASES=n` for n cases per test.
//!
//! The MySQL dialect's text runs on SQLite, which reads `?` placeholders and
//! backtick quotes and sorts `NULL` as the smallest value as MySQL does; no
//! MySQL server is needed.

#[path = "keyset/adversarial.rs"]
mod adversarial;
#[path = "keyset/cases.rs"]
mod cases;
#[path = "keyset/db.rs"]
mod db;
#[path = "keyset/model.rs"]
mod model;
#[path = "keyset/plans.rs"]
mod plans;

use std::cell::RefCell;
use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use routekit::keyset::Position;
use routekit::sql::{Dialect, Value};

use db::{Column, Db, PostgresDb, SqliteDb};
use model::{Row, Spec, rows_in_order, spec_and_rows, walk};

/// The number of cases for a property test hitting a database: `default`,
/// or `PROPTEST_CASES` for a longer run.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(default)
}

/// A table name no other case of this process uses.
fn table_name() -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!("keyset_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

fn load<D: Db + ?Sized>(db: &mut D, table: &str, spec: &Spec, rows: &[Row]) {
    db.create(table, &spec.columns());
    for row in rows {
        db.insert(table, &spec.columns(), row);
    }
}

/// Paging forwards from the first page and backwards from the last returns
/// exactly the reference order, every page full but the last, and
/// `has_next` / `has_previous` exact on every page.
fn check_static<D: Db + ?Sized>(
    db: &mut D,
    dialect: &'static dyn Dialect,
    spec: &Spec,
    rows: &[Row],
) -> Result<(), TestCaseError> {
    let table = table_name();
    load(db, &table, spec, rows);
    let expected = spec.reference(rows);

    // The database's own full ORDER BY agrees with the reference.
    let mut everything = spec.clone();
    everything.limit = 1_000_000;
    let full = everything.keyset(&table, dialect);
    prop_assert_eq!(
        &db.query(everything.query(&full, Position::First).statement(), &spec.row_types()),
        &expected,
        "{}",
        dialect.name()
    );

    for backward in [false, true] {
        let pages = walk(db, spec, &table, dialect, backward, &mut |_, _| {});
        let how = format!("{} {}", dialect.name(), if backward { "backward" } else { "forward" });
        prop_assert_eq!(&rows_in_order(&pages, backward), &expected, "{}", how);
        let last = pages.len() - 1;
        for (i, page) in pages.iter().enumerate() {
            // Counting from the end of travel: the first page visited has no
            // link behind it, the last none ahead.
            let (ahead, behind) = if backward {
                (page.has_previous, page.has_next)
            } else {
                (page.has_next, page.has_previous)
            };
            prop_assert_eq!(ahead, i < last, "{} page {}", how, i);
            prop_assert_eq!(behind, i > 0, "{} page {}", how, i);
            let full_page = page.rows.len() == spec.limit as usize;
            let sized =
                if i < last { full_page } else { !page.rows.is_empty() || expected.is_empty() };
            prop_assert!(sized, "{} page {} has {} rows", how, i, page.rows.len());
        }
    }
    db.drop_table(&table);
    Ok(())
}

fn id_of(row: &Row) -> i64 {
    match row[0] {
        Value::Int(id) => id,
        ref other => panic!("id {other:?}"),
    }
}

/// A change between page requests: insert a row, or delete the row at this
/// index (modulo the live rows).
#[derive(Clone, Debug)]
enum Op {
    Insert(Vec<Value>),
    Delete(usize),
}

fn ops_for(spec: &Spec) -> BoxedStrategy<Vec<Vec<Op>>> {
    let values: Vec<BoxedStrategy<Value>> = spec.keys.iter().map(model::value_of).collect();
    let op = prop_oneof![values.prop_map(Op::Insert), any::<usize>().prop_map(Op::Delete)];
    prop::collection::vec(prop::collection::vec(op, 0..4), 0..12).boxed()
}

/// Rows inserted and deleted between page requests never make a row that
/// existed throughout be skipped or repeated, forwards or backwards.
fn check_changes<D: Db + ?Sized>(
    db: &mut D,
    dialect: &'static dyn Dialect,
    spec: &Spec,
    rows: &[Row],
    steps: &[Vec<Op>],
) -> Result<(), TestCaseError> {
    for backward in [false, true] {
        let table = table_name();
        load(db, &table, spec, rows);
        let mut live: Vec<Row> = rows.to_vec();
        let mut deleted = HashSet::new();
        let mut next_id = rows.len() as i64 + 1;
        let columns = spec.columns();
        let pages = walk(db, spec, &table, dialect, backward, &mut |db, page| {
            for op in steps.get(page).into_iter().flatten() {
                match op {
                    Op::Insert(values) => {
                        let row: Row =
                            std::iter::once(Value::Int(next_id)).chain(values.clone()).collect();
                        next_id += 1;
                        db.insert(&table, &columns, &row);
                        live.push(row);
                    }
                    Op::Delete(at) if !live.is_empty() => {
                        let id = id_of(&live.swap_remove(at % live.len()));
                        db.delete(&table, id);
                        deleted.insert(id);
                    }
                    Op::Delete(_) => {}
                }
            }
        });
        let seen = rows_in_order(&pages, backward);
        let mut ids = HashSet::new();
        for row in &seen {
            prop_assert!(ids.insert(id_of(row)), "row {:?} seen twice", row);
        }
        // Rows present throughout: the initial ones (ids 1..=n) not deleted.
        let throughout =
            |row: &Row| id_of(row) <= rows.len() as i64 && !deleted.contains(&id_of(row));
        let expected: Vec<Row> = rows.iter().filter(|r| throughout(r)).cloned().collect();
        let seen_throughout: Vec<Row> = seen.into_iter().filter(|r| throughout(r)).collect();
        prop_assert_eq!(seen_throughout, spec.reference(&expected), "{}", dialect.name());
        db.drop_table(&table);
    }
    Ok(())
}

fn run_static<D: Db>(db: D, default_cases: u32) {
    let db = RefCell::new(db);
    let dialects = db.borrow().dialects();
    let mut runner = TestRunner::new(Config::with_cases(cases(default_cases)));
    runner
        .run(&spec_and_rows(30), |(spec, rows)| {
            for &dialect in &dialects {
                check_static(&mut *db.borrow_mut(), dialect, &spec, &rows)?;
            }
            Ok(())
        })
        .unwrap();
}

fn run_changes<D: Db>(db: D, default_cases: u32) {
    let db = RefCell::new(db);
    let dialects = db.borrow().dialects();
    let strategy = spec_and_rows(25).prop_flat_map(|(spec, rows)| {
        let steps = ops_for(&spec);
        (Just(spec), Just(rows), steps)
    });
    let mut runner = TestRunner::new(Config::with_cases(cases(default_cases)));
    runner
        .run(&strategy, |(spec, rows, steps)| {
            for &dialect in &dialects {
                check_changes(&mut *db.borrow_mut(), dialect, &spec, &rows, &steps)?;
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn sqlite_pages_are_exactly_the_full_order_by() {
    run_static(SqliteDb::new(), 64);
}

#[test]
fn sqlite_rows_present_throughout_are_never_skipped_or_repeated() {
    run_changes(SqliteDb::new(), 48);
}

#[test]
fn postgres_pages_are_exactly_the_full_order_by() {
    if let Some(db) = PostgresDb::from_env() {
        run_static(db, 32);
    }
}

#[test]
fn postgres_rows_present_throughout_are_never_skipped_or_repeated() {
    if let Some(db) = PostgresDb::from_env() {
        run_changes(db, 24);
    }
}

/// Where each dialect says its database sorts `NULL` without a placement is
/// where the database sorts it: the fact its `ORDER BY` terms rest on.
fn check_native_nulls<D: Db>(mut db: D) {
    use routekit::keyset::KeyType;
    use routekit::sql::{Ident, Nulls, Order, SqlWriter};

    for dialect in db.dialects() {
        let table = table_name();
        let columns = [Column { name: "k0".into(), key_type: KeyType::Int }];
        db.create(&table, &columns);
        for row in [[Value::Int(1), Value::Int(5)], [Value::Int(2), Value::Null]] {
            db.insert(&table, &columns, &row);
        }
        for order in [Order::Asc, Order::Desc] {
            let mut sql = SqlWriter::new(dialect);
            sql.push("SELECT ");
            sql.ident(&Ident::new("k0").unwrap());
            sql.push(" FROM ");
            sql.ident(&Ident::new(&table).unwrap());
            sql.push(" ORDER BY ");
            sql.ident(&Ident::new("k0").unwrap());
            sql.push(" ");
            sql.push(order.keyword());
            let rows = db.query(&sql.finish(), &[KeyType::Int]);
            let first = if rows[0][0] == Value::Null { Nulls::First } else { Nulls::Last };
            let native = dialect.native_nulls();
            assert_eq!(first, native.placement(order), "{} {order:?}: {native:?}", dialect.name());
        }
        db.drop_table(&table);
    }
}

#[test]
fn sqlite_sorts_nulls_where_its_dialects_say() {
    check_native_nulls(SqliteDb::new());
}

#[test]
fn postgres_sorts_nulls_where_its_dialect_says() {
    if let Some(db) = PostgresDb::from_env() {
        check_native_nulls(db);
    }
}

#[test]
fn timestamps_one_nanosecond_apart_page_apart() {
    use routekit::keyset::KeyType;
    use routekit::sql::{Nulls, Order, Sqlite, Timestamp};

    let spec = Spec {
        keys: vec![model::KeySpec {
            key_type: KeyType::Timestamp,
            order: Order::Desc,
            nulls: Some(Nulls::Last),
        }],
        id_order: Order::Asc,
        limit: 1,
        exclude: None,
    };
    let at = |nanos| Value::Timestamp(Timestamp::new(1_700_000_000, nanos).unwrap());
    let rows: Vec<Row> = vec![
        vec![Value::Int(1), at(999_999_998)],
        vec![Value::Int(2), at(999_999_999)],
        vec![Value::Int(3), Value::Null],
        vec![Value::Int(4), at(999_999_997)],
    ];
    let mut db = SqliteDb::new();
    let table = table_name();
    load(&mut db, &table, &spec, &rows);
    let pages = walk(&mut db, &spec, &table, &Sqlite, false, &mut |_, _| {});
    let ids: Vec<i64> = rows_in_order(&pages, false).iter().map(id_of).collect();
    assert_eq!(ids, [2, 1, 4, 3]);
    assert_eq!(pages.len(), 4);
}
