//! The mysql adapter on a real MariaDB server, when `ROUTEKIT_MARIADB_URL`
//! is set — and then a server that cannot be reached fails the tests
//! instead of skipping them: every value bound and read back, conflict
//! versus missing at every isolation level (the REPEATABLE READ snapshot
//! that a plain version read would see), ordered row locks against the
//! deadlock of opposite orders, the keyset oracle, and no lost update from
//! 8 threads.

#![cfg(feature = "mysql")]

#[path = "adapter/oracle.rs"]
mod oracle;

use std::sync::Barrier;
use std::sync::atomic::{AtomicU64, Ordering};

use mysql::prelude::Queryable;
use mysql::{Conn, IsolationLevel, Opts, TxOpts};
use routekit::adapter::mysql::{Error, execute, fetch_page, key_values, lock_rows, params, write};
use routekit::keyset::{CursorSecret, KeyType, Keyset, Page, PageQuery, Position, SortKey};
use routekit::optimistic::{OptimisticError, OptimisticUpdate, WriteError};
use routekit::sql::{Dialect, MySql, Nulls, Statement, Timestamp, Value};

/// The server's URL, or `None` (and a note) when it is not set.
fn url() -> Option<String> {
    match std::env::var("ROUTEKIT_MARIADB_URL") {
        Ok(url) => Some(url),
        Err(_) => {
            eprintln!("ROUTEKIT_MARIADB_URL is not set: MariaDB adapter tests not run");
            None
        }
    }
}

/// A connection; a set URL that cannot be reached fails the test.
fn connect(url: &str) -> Conn {
    let opts = Opts::from_url(url).unwrap_or_else(|e| panic!("ROUTEKIT_MARIADB_URL {url}: {e}"));
    Conn::new(opts).unwrap_or_else(|e| {
        panic!("ROUTEKIT_MARIADB_URL is set ({url}) but MariaDB cannot be reached: {e}")
    })
}

fn table(test: &str) -> String {
    format!("adapter_{test}_{}", std::process::id())
}

/// The server's error code, if `err` is one.
fn code(err: &Error) -> Option<u16> {
    match err {
        Error::Driver(mysql::Error::MySqlError(e)) => Some(e.code),
        _ => None,
    }
}

const DEADLOCK: u16 = 1213;

struct Maria(Conn);

impl oracle::Conn for Maria {
    fn dialect(&self) -> &'static dyn Dialect {
        &MySql
    }
    fn types(&self) -> [&'static str; 5] {
        ["BIGINT", "INT", "DOUBLE", "VARCHAR(20) CHARACTER SET utf8mb4", "BOOLEAN"]
    }
    fn create_prefix(&self) -> &'static str {
        "CREATE TEMPORARY TABLE"
    }
    fn batch(&mut self, sql: &str) {
        self.0.query_drop(sql).unwrap();
    }
    fn execute(&mut self, statement: &Statement) -> u64 {
        execute(&mut self.0, statement).unwrap()
    }
    fn page(&mut self, query: &PageQuery<'_>) -> Page<i64> {
        fetch_page(&mut self.0, query, |row| Ok(row.get::<i64, _>(0).unwrap())).unwrap()
    }
    fn ids(&mut self, statement: &Statement) -> Vec<i64> {
        self.0.exec(statement.sql.as_str(), params(&statement.params).unwrap()).unwrap()
    }
}

#[test]
fn pages_through_the_adapter_are_exactly_the_order_by() {
    let Some(url) = url() else { return };
    oracle::run(&mut Maria(connect(&url)), "mariadb", oracle::cases(16));
}

#[test]
fn every_value_binds_and_reads_back_as_the_key_it_was() {
    let Some(url) = url() else { return };
    let mut db = connect(&url);
    db.query_drop(
        "CREATE TEMPORARY TABLE kinds (b BOOLEAN, i INT, f DOUBLE, t VARCHAR(20) CHARACTER SET utf8mb4, \
         y VARBINARY(20), ts DATETIME(6), id BIGINT PRIMARY KEY)",
    )
    .unwrap();
    let t = Timestamp::new(951_782_400, 999_999_000).unwrap();
    let rows = [
        [
            Value::Bool(true),
            Value::Int(i64::from(i32::MIN)),
            Value::Float(0.5),
            Value::Text("é É ß 日本".into()),
            Value::Bytes(vec![0, 255]),
            Value::Timestamp(t),
            Value::Int(1),
        ],
        std::array::from_fn(|at| if at == 6 { Value::Int(2) } else { Value::Null }),
    ];
    for row in &rows {
        let insert = Statement {
            sql: "INSERT INTO kinds VALUES (?, ?, ?, ?, ?, ?, ?)".into(),
            params: row.to_vec(),
        };
        assert_eq!(execute(&mut db, &insert).unwrap(), 1);
    }
    let names = ["b", "i", "f", "t", "y", "ts"];
    let types = [
        KeyType::Bool,
        KeyType::Int,
        KeyType::Float,
        KeyType::Text,
        KeyType::Bytes,
        KeyType::Timestamp,
    ];
    let mut keys: Vec<SortKey> =
        names.iter().zip(types).map(|(n, t)| SortKey::asc(*n, t).nullable(Nulls::Last)).collect();
    keys.push(SortKey::asc("id", KeyType::Int).unique());
    let keyset = Keyset::builder(&MySql, "kinds", CursorSecret::new([1; 16]), keys)
        .limit(1)
        .build()
        .unwrap();
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
}

#[test]
fn guarded_writes_return_the_version_a_conflict_or_not_found() {
    let Some(url) = url() else { return };
    let mut db = connect(&url);
    db.query_drop(
        "CREATE TEMPORARY TABLE docs (id INT PRIMARY KEY, body TEXT, version INT NOT NULL)",
    )
    .unwrap();
    let docs = OptimisticUpdate::new(&MySql, "docs").unwrap();
    execute(&mut db, &docs.insert(["body"]).unwrap().bind(Value::Int(1), [Value::Null]).unwrap())
        .unwrap();
    let set = docs.update(["body"]).unwrap();
    // The same body again: MySQL counts changed rows, and the version bump
    // changes every matched row.
    for expected in 0..2 {
        let change = set.bind(Value::Int(1), expected, [Value::Text("same".into())]).unwrap();
        assert_eq!(write(&mut db, &change).unwrap(), expected + 1);
    }
    let stale = write(&mut db, &set.bind(Value::Int(1), 0, [Value::Text("b".into())]).unwrap());
    assert!(
        matches!(
            stale,
            Err(WriteError::Version(OptimisticError::Conflict { expected: 0, current: 2, .. }))
        ),
        "{stale:?}"
    );
    let missing = write(&mut db, &set.bind(Value::Int(9), 0, [Value::Null]).unwrap());
    assert!(matches!(missing, Err(WriteError::Version(OptimisticError::NotFound))), "{missing:?}");
    assert_eq!(write(&mut db, &docs.delete(Value::Int(1), 2).unwrap()).unwrap(), 2);
}

/// The bug an outside run found: inside a REPEATABLE READ transaction, a
/// plain version read answers from the snapshot, so a row another
/// connection moved on read as a conflict "at" the expected version, and a
/// deleted row as a conflict. The locking read sees what the UPDATE saw.
#[test]
fn conflict_and_missing_are_told_apart_at_every_isolation_level() {
    let Some(url) = url() else { return };
    let name = table("isolation");
    let mut setup = connect(&url);
    setup.query_drop(format!("DROP TABLE IF EXISTS {name}")).unwrap();
    setup
        .query_drop(format!(
            "CREATE TABLE {name} (id BIGINT PRIMARY KEY, version BIGINT NOT NULL) ENGINE=InnoDB"
        ))
        .unwrap();
    let t = OptimisticUpdate::new(&MySql, &name).unwrap();
    let touch = t.update([]).unwrap();
    let levels = [
        IsolationLevel::ReadUncommitted,
        IsolationLevel::ReadCommitted,
        IsolationLevel::RepeatableRead,
        IsolationLevel::Serializable,
    ];
    for level in levels {
        for delete in [false, true] {
            setup.query_drop(format!("DELETE FROM {name}")).unwrap();
            setup.query_drop(format!("INSERT INTO {name} VALUES (1, 0), (2, 0)")).unwrap();
            let mut mine = connect(&url);
            let mut tx =
                mine.start_transaction(TxOpts::default().set_isolation_level(Some(level))).unwrap();
            // The first read opens the snapshot (row 2, so that SERIALIZABLE's
            // shared lock does not block the other connection on row 1).
            let _: Option<i64> =
                tx.query_first(format!("SELECT version FROM {name} WHERE id = 2")).unwrap();
            let other =
                if delete { t.delete(Value::Int(1), 0) } else { touch.bind(Value::Int(1), 0, []) };
            write(&mut setup, &other.unwrap()).unwrap();
            let outcome = write(&mut tx, &touch.bind(Value::Int(1), 0, []).unwrap());
            match (&outcome, delete) {
                (
                    Err(WriteError::Version(OptimisticError::Conflict {
                        expected: 0,
                        current: 1,
                        ..
                    })),
                    false,
                ) => {}
                (Err(WriteError::Version(OptimisticError::NotFound)), true) => {}
                _ => panic!("{level:?}, delete {delete}: {outcome:?}"),
            }
            if matches!(level, IsolationLevel::RepeatableRead) {
                // What a plain read sees here: the snapshot, still at 0
                // (or still there). The locking read is what tells them apart.
                let plain: Option<i64> =
                    tx.query_first(format!("SELECT version FROM {name} WHERE id = 1")).unwrap();
                assert_eq!(plain, Some(0), "the snapshot this test relies on");
            }
            tx.rollback().unwrap();
        }
    }
    setup.query_drop(format!("DROP TABLE {name}")).unwrap();
}

#[test]
fn ordered_row_locks_never_deadlock_where_opposite_orders_do() {
    let Some(url) = url() else { return };
    let name = table("locks");
    let mut setup = connect(&url);
    setup.query_drop(format!("DROP TABLE IF EXISTS {name}")).unwrap();
    setup
        .query_drop(format!(
            "CREATE TABLE {name} (id BIGINT PRIMARY KEY, n BIGINT NOT NULL, version BIGINT NOT NULL) ENGINE=InnoDB"
        ))
        .unwrap();
    setup.query_drop(format!("INSERT INTO {name} VALUES (1, 0, 0), (2, 0, 0), (3, 0, 0)")).unwrap();
    let t = OptimisticUpdate::new(&MySql, &name).unwrap();
    let bump = |id: i64| Statement {
        sql: format!("UPDATE {name} SET n = n + 1 WHERE id = ?"),
        params: vec![Value::Int(id)],
    };
    let orders = [[1, 2, 3], [3, 2, 1]];

    let holding = Barrier::new(2);
    let outcomes: Vec<Result<(), Error>> = std::thread::scope(|scope| {
        let handles: Vec<_> = orders
            .iter()
            .map(|order| {
                let (url, holding, bump) = (&url, &holding, &bump);
                scope.spawn(move || {
                    let mut db = connect(url);
                    let mut tx = db.start_transaction(TxOpts::default()).map_err(Error::Driver)?;
                    execute(&mut tx, &bump(order[0]))?;
                    holding.wait();
                    for &id in &order[1..] {
                        execute(&mut tx, &bump(id))?;
                    }
                    tx.commit().map_err(Error::Driver)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let deadlocks =
        outcomes.iter().filter(|o| matches!(o, Err(e) if code(e) == Some(DEADLOCK))).count();
    assert_eq!(deadlocks, 1, "opposite orders: {outcomes:?}");

    let rounds = oracle::cases(40);
    let start = Barrier::new(2);
    std::thread::scope(|scope| {
        for order in &orders {
            let (url, start, bump, t) = (&url, &start, &bump, &t);
            scope.spawn(move || {
                let mut db = connect(url);
                for round in 0..rounds {
                    start.wait();
                    let mut tx = db.start_transaction(TxOpts::default()).unwrap();
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
    let n: Option<i64> =
        setup.query_first(format!("SELECT CAST(SUM(n) AS SIGNED) FROM {name}")).unwrap();
    assert_eq!(n, Some(3 + 6 * i64::from(rounds)));
    setup.query_drop(format!("DROP TABLE {name}")).unwrap();
}

#[test]
fn no_lost_update_from_eight_threads() {
    let Some(url) = url() else { return };
    let threads = 8;
    let per_thread: u64 = std::env::var("ROUTEKIT_LONG_TESTS").map_or(40, |_| 2_000);
    let name = table("counter");
    let mut setup = connect(&url);
    setup.query_drop(format!("DROP TABLE IF EXISTS {name}")).unwrap();
    setup
        .query_drop(format!(
            "CREATE TABLE {name} (id BIGINT PRIMARY KEY, n INT NOT NULL, version BIGINT NOT NULL) ENGINE=InnoDB"
        ))
        .unwrap();
    setup.query_drop(format!("INSERT INTO {name} VALUES (1, 0, 0)")).unwrap();
    let counter = OptimisticUpdate::new(&MySql, &name).unwrap();
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
                        let (n, version): (i64, i64) =
                            db.query_first(read.as_str()).unwrap().unwrap();
                        let change =
                            set_n.bind(Value::Int(1), version as u64, [Value::Int(n + 1)]).unwrap();
                        match write(&mut db, &change) {
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
    let (n, version): (i64, i64) = setup.query_first(read.as_str()).unwrap().unwrap();
    let total = threads as u64 * per_thread;
    eprintln!(
        "mariadb: {total} increments exact, {} conflicts retried",
        conflicts.load(Ordering::Relaxed)
    );
    assert_eq!((n as u64, version as u64), (total, total));
    setup.query_drop(format!("DROP TABLE {name}")).unwrap();
}
