//! The postgres adapter (sync and tokio-postgres) on a real server, when
//! `ROUTEKIT_POSTGRES_URL` is set — and then a server that cannot be
//! reached fails the tests instead of skipping them: binds by declared type
//! (`int4`, `int2`, typed `NULL`s), every value read back, conflict versus
//! missing at every isolation level, ordered row locks against the
//! deadlock of opposite orders, the keyset oracle, and no lost update from
//! 8 threads.

#![cfg(feature = "postgres")]

#[path = "adapter/oracle.rs"]
mod oracle;

use std::error::Error as _;
use std::sync::Barrier;
use std::sync::atomic::{AtomicU64, Ordering};

use postgres::error::SqlState;
use postgres::{Client, IsolationLevel, NoTls};
use routekit::adapter::postgres::{
    BindError, execute, fetch_page, fetch_page_async, key_values, lock_rows, params, write,
    write_async,
};
use routekit::keyset::{CursorSecret, KeyType, Keyset, Page, PageQuery, Position, SortKey};
use routekit::optimistic::{OptimisticError, OptimisticUpdate, WriteError};
use routekit::sql::{Dialect, Nulls, Postgres, Statement, Timestamp, Value};

/// The server's URL, or `None` (and a note) when it is not set.
fn url() -> Option<String> {
    match std::env::var("ROUTEKIT_POSTGRES_URL") {
        Ok(url) => Some(url),
        Err(_) => {
            eprintln!("ROUTEKIT_POSTGRES_URL is not set: PostgreSQL adapter tests not run");
            None
        }
    }
}

/// A connection; a set URL that cannot be reached fails the test.
fn connect(url: &str) -> Client {
    Client::connect(url, NoTls).unwrap_or_else(|e| {
        panic!("ROUTEKIT_POSTGRES_URL is set ({url}) but PostgreSQL cannot be reached: {e}")
    })
}

/// A table name no other test or run uses.
fn table(test: &str) -> String {
    format!("adapter_{test}_{}", std::process::id())
}

fn refs<'a>(
    values: &'a [routekit::adapter::postgres::Param<'a>],
) -> Vec<&'a (dyn postgres::types::ToSql + Sync)> {
    values.iter().map(|v| v as &(dyn postgres::types::ToSql + Sync)).collect()
}

struct Pg(Client);

impl oracle::Conn for Pg {
    fn dialect(&self) -> &'static dyn Dialect {
        &Postgres
    }
    fn types(&self) -> [&'static str; 5] {
        // INTEGER: an Int bound into an int4 column.
        ["BIGINT", "INTEGER", "DOUBLE PRECISION", "TEXT", "BOOLEAN"]
    }
    fn create_prefix(&self) -> &'static str {
        "CREATE TEMP TABLE"
    }
    fn batch(&mut self, sql: &str) {
        self.0.batch_execute(sql).unwrap();
    }
    fn execute(&mut self, statement: &Statement) -> u64 {
        execute(&mut self.0, statement).unwrap()
    }
    fn page(&mut self, query: &PageQuery<'_>) -> Page<i64> {
        fetch_page(&mut self.0, query, |row| row.try_get(0)).unwrap()
    }
    fn ids(&mut self, statement: &Statement) -> Vec<i64> {
        let values = params(&statement.params);
        let rows = self.0.query(statement.sql.as_str(), &refs(&values)).unwrap();
        rows.iter().map(|row| row.get(0)).collect()
    }
}

#[test]
fn pages_through_the_adapter_are_exactly_the_order_by() {
    let Some(url) = url() else { return };
    oracle::run(&mut Pg(connect(&url)), "postgres", oracle::cases(16));
}

#[test]
fn every_value_and_typed_null_binds_by_the_declared_type_and_reads_back() {
    let Some(url) = url() else { return };
    let mut db = connect(&url);
    db.batch_execute(
        "CREATE TEMP TABLE kinds (b BOOLEAN, i INTEGER, s SMALLINT, f DOUBLE PRECISION, r REAL, \
         t TEXT, v VARCHAR(20), y BYTEA, ts TIMESTAMPTZ, id BIGINT PRIMARY KEY)",
    )
    .unwrap();
    let t = Timestamp::new(-1, 999_999_000).unwrap();
    let rows = [
        [
            Value::Bool(true),
            Value::Int(i64::from(i32::MIN)),
            Value::Int(-7),
            Value::Float(-0.0),
            Value::Float(0.5),
            Value::Text("é É ß".into()),
            Value::Text(String::new()),
            Value::Bytes(vec![0, 255]),
            Value::Timestamp(t),
            Value::Int(1),
        ],
        std::array::from_fn(|at| if at == 9 { Value::Int(2) } else { Value::Null }),
    ];
    for row in &rows {
        let insert = Statement {
            sql: "INSERT INTO kinds VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)".into(),
            params: row.to_vec(),
        };
        assert_eq!(execute(&mut db, &insert).unwrap(), 1);
    }
    let names = ["b", "i", "s", "f", "r", "t", "v", "y", "ts"];
    let types = [
        KeyType::Bool,
        KeyType::Int,
        KeyType::Int,
        KeyType::Float,
        KeyType::Float,
        KeyType::Text,
        KeyType::Text,
        KeyType::Bytes,
        KeyType::Timestamp,
    ];
    let mut keys: Vec<SortKey> =
        names.iter().zip(types).map(|(n, t)| SortKey::asc(*n, t).nullable(Nulls::Last)).collect();
    keys.push(SortKey::asc("id", KeyType::Int).unique());
    let keyset = Keyset::builder(&Postgres, "kinds", CursorSecret::new([1; 16]), keys)
        .limit(1)
        .build()
        .unwrap();
    // Walk one row a page: every key value goes back into the next query as
    // a bind of its column's declared type.
    let first = fetch_page(&mut db, &keyset.query(Position::First).unwrap(), |row| {
        Ok(key_values(&keyset, row))
    })
    .unwrap();
    let next = first.next_cursor().unwrap().to_owned();
    let second = fetch_page(&mut db, &keyset.query(Position::After(&next)).unwrap(), |row| {
        Ok(key_values(&keyset, row))
    })
    .unwrap();
    let read: Vec<Vec<Value>> =
        first.into_rows().into_iter().chain(second.into_rows()).map(Result::unwrap).collect();
    assert_eq!(read, rows.map(|r| r.to_vec()).to_vec());
    assert!(matches!(read[0][3], Value::Float(f) if f.is_sign_negative()), "-0.0 keeps its sign");
}

#[test]
fn an_int_that_does_not_fit_the_declared_type_is_refused_with_a_bind_error() {
    let Some(url) = url() else { return };
    let mut db = connect(&url);
    db.batch_execute("CREATE TEMP TABLE narrow (id INTEGER PRIMARY KEY, version INTEGER NOT NULL)")
        .unwrap();
    let insert = OptimisticUpdate::new(&Postgres, "narrow").unwrap().insert([]).unwrap();
    let err = execute(&mut db, &insert.bind(Value::Int(1 << 40), []).unwrap()).unwrap_err();
    let source = err.source().and_then(|s| s.downcast_ref::<BindError>());
    assert!(
        matches!(source, Some(BindError::OutOfRange { value, .. }) if *value == 1 << 40),
        "{err:?}"
    );
    let fine = Timestamp::new(0, 1).unwrap();
    let err = execute(
        &mut db,
        &Statement { sql: "SELECT $1::timestamptz".into(), params: vec![Value::Timestamp(fine)] },
    )
    .unwrap_err();
    let source = err.source().and_then(|s| s.downcast_ref::<BindError>());
    assert!(matches!(source, Some(BindError::InexactTimestamp { nanos: 1, .. })), "{err:?}");
}

#[test]
fn guarded_writes_on_int4_columns_return_the_version_a_conflict_or_not_found() {
    let Some(url) = url() else { return };
    let mut db = connect(&url);
    db.batch_execute(
        "CREATE TEMP TABLE docs (id INTEGER PRIMARY KEY, body TEXT, version INTEGER NOT NULL)",
    )
    .unwrap();
    let docs = OptimisticUpdate::new(&Postgres, "docs").unwrap();
    execute(&mut db, &docs.insert(["body"]).unwrap().bind(Value::Int(1), [Value::Null]).unwrap())
        .unwrap();
    let set = docs.update(["body"]).unwrap();
    assert_eq!(
        write(&mut db, &set.bind(Value::Int(1), 0, [Value::Text("a".into())]).unwrap()).unwrap(),
        1
    );
    let stale = write(&mut db, &set.bind(Value::Int(1), 0, [Value::Text("b".into())]).unwrap());
    assert!(
        matches!(
            stale,
            Err(WriteError::Version(OptimisticError::Conflict { expected: 0, current: 1, .. }))
        ),
        "{stale:?}"
    );
    let missing = write(&mut db, &set.bind(Value::Int(9), 0, [Value::Null]).unwrap());
    assert!(matches!(missing, Err(WriteError::Version(OptimisticError::NotFound))), "{missing:?}");
    assert_eq!(write(&mut db, &docs.delete(Value::Int(1), 1).unwrap()).unwrap(), 1);
}

/// Inside a transaction at each isolation level, another connection moves
/// the row on (or deletes it) after the transaction's snapshot: the write
/// must report the current version (or not-found), or fail the transaction
/// with a serialization error — never a conflict "at" the expected version.
#[test]
fn conflict_and_missing_are_told_apart_at_every_isolation_level() {
    let Some(url) = url() else { return };
    let name = table("isolation");
    let mut setup = connect(&url);
    setup
        .batch_execute(&format!(
            "DROP TABLE IF EXISTS {name}; CREATE TABLE {name} (id BIGINT PRIMARY KEY, version BIGINT NOT NULL)"
        ))
        .unwrap();
    let t = OptimisticUpdate::new(&Postgres, &name).unwrap();
    let touch = t.update([]).unwrap();
    let levels = [
        IsolationLevel::ReadCommitted,
        IsolationLevel::RepeatableRead,
        IsolationLevel::Serializable,
    ];
    for level in levels {
        for delete in [false, true] {
            setup
                .batch_execute(&format!("DELETE FROM {name}; INSERT INTO {name} VALUES (1, 0)"))
                .unwrap();
            let mut mine = connect(&url);
            let mut tx = mine.build_transaction().isolation_level(level).start().unwrap();
            // Takes the snapshot: the row at version 0.
            let seen: i64 = tx
                .query_one(&format!("SELECT version FROM {name} WHERE id = 1"), &[])
                .unwrap()
                .get(0);
            assert_eq!(seen, 0);
            let other =
                if delete { t.delete(Value::Int(1), 0) } else { touch.bind(Value::Int(1), 0, []) };
            write(&mut setup, &other.unwrap()).unwrap();
            let outcome = write(&mut tx, &touch.bind(Value::Int(1), 0, []).unwrap());
            let serialization =
                |e: &postgres::Error| e.code() == Some(&SqlState::T_R_SERIALIZATION_FAILURE);
            match (&outcome, level, delete) {
                (
                    Err(WriteError::Version(OptimisticError::Conflict {
                        expected: 0,
                        current: 1,
                        ..
                    })),
                    _,
                    false,
                ) => {}
                (Err(WriteError::Version(OptimisticError::NotFound)), _, true) => {}
                (
                    Err(WriteError::Database(e)),
                    IsolationLevel::RepeatableRead | IsolationLevel::Serializable,
                    _,
                ) if serialization(e) => {}
                _ => panic!("{level:?}, delete {delete}: {outcome:?}"),
            }
            if matches!(level, IsolationLevel::ReadCommitted) {
                assert!(!matches!(outcome, Err(WriteError::Database(_))), "{outcome:?}");
            }
            drop(tx);
        }
    }
    setup.batch_execute(&format!("DROP TABLE {name}")).unwrap();
}

/// Two transactions update rows {1, 2, 3} in opposite orders. Naively, each
/// takes its first row and then waits for the other's: the server reports
/// a deadlock. Locking the set first with `lock_rows` (key order) makes one
/// wait for the other, round after round.
#[test]
fn ordered_row_locks_never_deadlock_where_opposite_orders_do() {
    let Some(url) = url() else { return };
    let name = table("locks");
    let mut setup = connect(&url);
    setup
        .batch_execute(&format!(
            "DROP TABLE IF EXISTS {name}; CREATE TABLE {name} (id BIGINT PRIMARY KEY, n BIGINT NOT NULL, version BIGINT NOT NULL); \
             INSERT INTO {name} VALUES (1, 0, 0), (2, 0, 0), (3, 0, 0)"
        ))
        .unwrap();
    let t = OptimisticUpdate::new(&Postgres, &name).unwrap();
    let bump = |id: i64| Statement {
        sql: format!("UPDATE {name} SET n = n + 1 WHERE id = $1"),
        params: vec![Value::Int(id)],
    };
    let orders = [[1, 2, 3], [3, 2, 1]];

    // Naive: both hold their first row before touching the rest.
    let holding = Barrier::new(2);
    let outcomes: Vec<Result<(), postgres::Error>> = std::thread::scope(|scope| {
        let handles: Vec<_> = orders
            .iter()
            .map(|order| {
                let (url, holding, bump) = (&url, &holding, &bump);
                scope.spawn(move || {
                    let mut db = connect(url);
                    let mut tx = db.transaction()?;
                    execute(&mut tx, &bump(order[0]))?;
                    holding.wait();
                    for &id in &order[1..] {
                        execute(&mut tx, &bump(id))?;
                    }
                    tx.commit()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let deadlocks = outcomes
        .iter()
        .filter(|o| matches!(o, Err(e) if e.code() == Some(&SqlState::T_R_DEADLOCK_DETECTED)))
        .count();
    assert_eq!(deadlocks, 1, "opposite orders: {outcomes:?}");

    // Ordered: lock the whole set in key order, then update in any order.
    let rounds = oracle::cases(40);
    let start = Barrier::new(2);
    std::thread::scope(|scope| {
        for order in &orders {
            let (url, start, bump, t) = (&url, &start, &bump, &t);
            scope.spawn(move || {
                let mut db = connect(url);
                for round in 0..rounds {
                    start.wait();
                    let mut tx = db.transaction().unwrap();
                    let lock = t.lock_rows(order.map(Value::Int)).unwrap();
                    assert_eq!(lock_rows(&mut tx, &lock).unwrap(), 3);
                    for &id in order {
                        execute(&mut tx, &bump(id))
                            .unwrap_or_else(|e| panic!("round {round}: {e}"));
                    }
                    tx.commit().unwrap();
                }
            });
        }
    });
    let n: i64 =
        setup.query_one(&format!("SELECT sum(n)::bigint FROM {name}"), &[]).unwrap().get(0);
    // The naive round committed one transaction's three updates.
    assert_eq!(n, 3 + 6 * i64::from(rounds));
    setup.batch_execute(&format!("DROP TABLE {name}")).unwrap();
}

#[test]
fn no_lost_update_from_eight_threads() {
    let Some(url) = url() else { return };
    let threads = 8;
    let per_thread: u64 = std::env::var("ROUTEKIT_LONG_TESTS").map_or(40, |_| 2_000);
    let name = table("counter");
    let mut setup = connect(&url);
    setup
        .batch_execute(&format!(
            "DROP TABLE IF EXISTS {name}; CREATE TABLE {name} (id BIGINT PRIMARY KEY, n INTEGER NOT NULL, version BIGINT NOT NULL); \
             INSERT INTO {name} VALUES (1, 0, 0)"
        ))
        .unwrap();
    let counter = OptimisticUpdate::new(&Postgres, &name).unwrap();
    let set_n = counter.update(["n"]).unwrap();
    let conflicts = AtomicU64::new(0);
    let start = Barrier::new(threads);
    let read = format!("SELECT n, version FROM {name} WHERE id = 1");
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let mut db = connect(&url);
                start.wait();
                for _ in 0..per_thread {
                    loop {
                        let row = db.query_one(read.as_str(), &[]).unwrap();
                        let (n, version): (i32, i64) = (row.get(0), row.get(1));
                        let change = set_n.bind(
                            Value::Int(1),
                            version as u64,
                            [Value::Int(i64::from(n) + 1)],
                        );
                        match write(&mut db, &change.unwrap()) {
                            Ok(_) => break,
                            Err(WriteError::Version(OptimisticError::Conflict {
                                expected,
                                current,
                                ..
                            })) => {
                                assert_ne!(expected, current);
                                conflicts.fetch_add(1, Ordering::Relaxed);
                            }
                            Err(other) => panic!("{other}"),
                        }
                    }
                }
            });
        }
    });
    let row = setup.query_one(read.as_str(), &[]).unwrap();
    let (n, version): (i32, i64) = (row.get(0), row.get(1));
    let total = threads as u64 * per_thread;
    eprintln!(
        "postgres: {total} increments exact, {} conflicts retried",
        conflicts.load(Ordering::Relaxed)
    );
    assert_eq!((n as u64, version as u64), (total, total));
    setup.batch_execute(&format!("DROP TABLE {name}")).unwrap();
}

#[test]
fn tokio_postgres_pages_and_writes() {
    let Some(url) = url() else { return };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let (db, connection) =
            tokio_postgres::connect(&url, tokio_postgres::NoTls).await.unwrap_or_else(|e| {
                panic!("ROUTEKIT_POSTGRES_URL is set ({url}) but PostgreSQL cannot be reached: {e}")
            });
        tokio::spawn(connection);
        db.batch_execute(
            "CREATE TEMP TABLE items (id INTEGER PRIMARY KEY, version INTEGER NOT NULL); \
             INSERT INTO items SELECT g, 0 FROM generate_series(1, 5) g",
        )
        .await
        .unwrap();
        let keys = [SortKey::desc("id", KeyType::Int).unique()];
        let keyset = Keyset::builder(&Postgres, "items", CursorSecret::new([2; 16]), keys)
            .limit(2)
            .build()
            .unwrap();
        let mut ids = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let position = cursor.as_deref().map_or(Position::First, Position::After);
            let page = fetch_page_async(&db, &keyset.query(position).unwrap(), |row| {
                row.try_get::<_, i32>(0)
            })
            .await
            .unwrap();
            ids.extend_from_slice(page.rows());
            match page.next_cursor() {
                Some(next) => cursor = Some(next.to_owned()),
                None => break,
            }
        }
        assert_eq!(ids, [5, 4, 3, 2, 1]);
        let items = OptimisticUpdate::new(&Postgres, "items").unwrap();
        let touch = items.update([]).unwrap();
        assert_eq!(write_async(&db, &touch.bind(Value::Int(3), 0, []).unwrap()).await.unwrap(), 1);
        let stale = write_async(&db, &touch.bind(Value::Int(3), 0, []).unwrap()).await;
        assert!(
            matches!(stale, Err(WriteError::Version(OptimisticError::Conflict { current: 1, .. }))),
            "{stale:?}"
        );
        let gone = write_async(&db, &touch.bind(Value::Int(30), 0, []).unwrap()).await;
        assert!(matches!(gone, Err(WriteError::Version(OptimisticError::NotFound))), "{gone:?}");
    });
}
