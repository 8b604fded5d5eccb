//! The rusqlite adapter on bundled SQLite: every value bound and read back,
//! the guarded `UPDATE … RETURNING` run as a query, conflict and not-found,
//! the keyset oracle, and no lost update from 8 threads on a file database.

#![cfg(feature = "rusqlite")]

#[path = "adapter/oracle.rs"]
mod oracle;

use std::sync::Barrier;
use std::sync::atomic::{AtomicU64, Ordering};

use routekit::adapter::FetchError;
use routekit::adapter::rusqlite::{execute, fetch_page, key_values, lock_rows, params, write};
use routekit::keyset::{CursorSecret, KeyType, Keyset, Page, PageQuery, Position, SortKey};
use routekit::optimistic::{OptimisticError, OptimisticUpdate, WriteError};
use routekit::sql::{Dialect, Nulls, Sqlite, Statement, Timestamp, Value};
use rusqlite::{Connection, TransactionBehavior};

struct Lite(Connection);

impl oracle::Conn for Lite {
    fn dialect(&self) -> &'static dyn Dialect {
        &Sqlite
    }
    fn types(&self) -> [&'static str; 5] {
        ["INTEGER", "INTEGER", "REAL", "TEXT", "INTEGER"]
    }
    fn create_prefix(&self) -> &'static str {
        "CREATE TABLE"
    }
    fn batch(&mut self, sql: &str) {
        self.0.execute_batch(sql).unwrap();
    }
    fn execute(&mut self, statement: &Statement) -> u64 {
        execute(&self.0, statement).unwrap()
    }
    fn page(&mut self, query: &PageQuery<'_>) -> Page<i64> {
        fetch_page(&self.0, query, |row| row.get(0)).unwrap()
    }
    fn ids(&mut self, statement: &Statement) -> Vec<i64> {
        let mut prepared = self.0.prepare(&statement.sql).unwrap();
        let rows = prepared.query_map(params(&statement.params), |row| row.get(0)).unwrap();
        rows.map(Result::unwrap).collect()
    }
}

#[test]
fn pages_through_the_adapter_are_exactly_the_order_by() {
    oracle::run(&mut Lite(Connection::open_in_memory().unwrap()), "sqlite", oracle::cases(24));
}

/// One value of every variant, and a `NULL` in each nullable key.
fn every_kind() -> Vec<[Value; 7]> {
    let t = Timestamp::new(-1, 999_999_999).unwrap();
    vec![
        [
            Value::Bool(true),
            Value::Int(i64::MIN),
            Value::Float(-0.0),
            Value::Text("é\u{0}x".into()),
            Value::Bytes(vec![0, 255]),
            Value::Timestamp(t),
            Value::Int(1),
        ],
        [
            Value::Null,
            Value::Null,
            Value::Null,
            Value::Null,
            Value::Null,
            Value::Null,
            Value::Int(2),
        ],
    ]
}

#[test]
fn every_value_binds_and_reads_back_as_the_key_it_was() {
    let db = Connection::open_in_memory().unwrap();
    db.execute_batch(
        "CREATE TABLE kinds (b INTEGER, i INTEGER, f REAL, t TEXT, y BLOB, ts INTEGER, id INTEGER PRIMARY KEY)",
    )
    .unwrap();
    let names = ["b", "i", "f", "t", "y", "ts"];
    let types = [
        KeyType::Bool,
        KeyType::Int,
        KeyType::Float,
        KeyType::Text,
        KeyType::Bytes,
        KeyType::Timestamp,
    ];
    for row in every_kind() {
        let insert = Statement {
            sql: "INSERT INTO kinds VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)".into(),
            params: row.to_vec(),
        };
        assert_eq!(execute(&db, &insert).unwrap(), 1);
    }
    let mut keys: Vec<SortKey> =
        names.iter().zip(types).map(|(n, t)| SortKey::asc(*n, t).nullable(Nulls::First)).collect();
    keys.push(SortKey::asc("id", KeyType::Int).unique());
    let keyset =
        Keyset::builder(&Sqlite, "kinds", CursorSecret::new([1; 16]), keys).build().unwrap();
    let query = keyset.query(Position::First).unwrap();
    let page = fetch_page(&db, &query, |row| Ok(key_values(&keyset, row))).unwrap();
    let mut read: Vec<Vec<Value>> = page.into_rows().into_iter().map(Result::unwrap).collect();
    read.sort_by_key(|keys| match keys[6] {
        Value::Int(id) => id,
        _ => 0,
    });
    let want: Vec<Vec<Value>> = every_kind().into_iter().map(|r| r.to_vec()).collect();
    // Equal as values; SQLite keeps an integral REAL as an integer on disk,
    // so -0.0 comes back as 0.0, which compares equal and seeks the same.
    assert_eq!(read, want);
}

#[test]
fn a_key_column_of_another_type_is_named() {
    let db = Connection::open_in_memory().unwrap();
    db.execute_batch(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT); INSERT INTO t VALUES (1, 'x'), (2, 'y');",
    )
    .unwrap();
    let keys = [SortKey::asc("k", KeyType::Int), SortKey::asc("id", KeyType::Int).unique()];
    let keyset =
        Keyset::builder(&Sqlite, "t", CursorSecret::new([1; 16]), keys).limit(1).build().unwrap();
    let err = fetch_page(&db, &keyset.query(Position::First).unwrap(), |row| row.get::<_, i64>(0));
    assert!(
        matches!(&err, Err(FetchError::KeyColumn { column, position: 0, expected: KeyType::Int, found: "text", .. }) if column == "k"),
        "{err:?}"
    );
}

#[test]
fn guarded_writes_return_the_version_a_conflict_or_not_found() {
    let db = Connection::open_in_memory().unwrap();
    db.execute_batch(
        "CREATE TABLE docs (id INTEGER PRIMARY KEY, body TEXT, version INTEGER NOT NULL)",
    )
    .unwrap();
    let docs = OptimisticUpdate::new(&Sqlite, "docs").unwrap();
    execute(&db, &docs.insert(["body"]).unwrap().bind(Value::Int(1), [Value::Null]).unwrap())
        .unwrap();
    let set = docs.update(["body"]).unwrap();
    // RETURNING: run as a query (rusqlite's execute refuses it).
    assert!(set.bind(Value::Int(1), 0, [Value::Null]).unwrap().returns_version());
    assert_eq!(
        write(&db, &set.bind(Value::Int(1), 0, [Value::Text("a".into())]).unwrap()).unwrap(),
        1
    );
    assert_eq!(
        write(&db, &set.bind(Value::Int(1), 1, [Value::Text("b".into())]).unwrap()).unwrap(),
        2
    );
    let stale = write(&db, &set.bind(Value::Int(1), 1, [Value::Text("c".into())]).unwrap());
    assert!(
        matches!(
            stale,
            Err(WriteError::Version(OptimisticError::Conflict { expected: 1, current: 2, .. }))
        ),
        "{stale:?}"
    );
    let missing = write(&db, &set.bind(Value::Int(7), 0, [Value::Null]).unwrap());
    assert!(matches!(missing, Err(WriteError::Version(OptimisticError::NotFound))), "{missing:?}");
    assert_eq!(write(&db, &docs.delete(Value::Int(1), 2).unwrap()).unwrap(), 2);
    let gone = write(&db, &docs.delete(Value::Int(1), 2).unwrap());
    assert!(matches!(gone, Err(WriteError::Version(OptimisticError::NotFound))), "{gone:?}");
}

#[test]
fn lock_rows_reads_the_keys_that_exist_under_begin_immediate() {
    let mut db = Connection::open_in_memory().unwrap();
    db.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, version INTEGER NOT NULL); INSERT INTO t VALUES (1, 0), (3, 0);")
        .unwrap();
    let t = OptimisticUpdate::new(&Sqlite, "t").unwrap();
    let tx = db.transaction_with_behavior(TransactionBehavior::Immediate).unwrap();
    let lock = t.lock_rows([3, 2, 1].map(Value::Int)).unwrap();
    assert_eq!(lock_rows(&tx, &lock).unwrap(), 2);
    assert_eq!(write(&tx, &t.update([]).unwrap().bind(Value::Int(3), 0, []).unwrap()).unwrap(), 1);
    tx.commit().unwrap();
}

/// 8 threads, each with its own connection to one file, increment one
/// counter by read-modify-write through the adapter, retrying conflicts.
#[test]
fn no_lost_update_from_eight_threads_on_a_file() {
    let threads = 8;
    let per_thread: u64 = 2_000;
    let dir = std::env::temp_dir().join(format!("routekit-adapter-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("counter.db");
    let _ = std::fs::remove_file(&path);
    let setup = Connection::open(&path).unwrap();
    setup
        .execute_batch(
            "PRAGMA journal_mode = WAL; CREATE TABLE c (id INTEGER PRIMARY KEY, n INTEGER NOT NULL, version INTEGER NOT NULL); INSERT INTO c VALUES (1, 0, 0);",
        )
        .unwrap();
    let counter = OptimisticUpdate::new(&Sqlite, "c").unwrap();
    let set_n = counter.update(["n"]).unwrap();
    let conflicts = AtomicU64::new(0);
    let start = Barrier::new(threads);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let db = Connection::open(&path).unwrap();
                db.busy_timeout(std::time::Duration::from_secs(30)).unwrap();
                db.execute_batch("PRAGMA synchronous = OFF").unwrap();
                start.wait();
                for _ in 0..per_thread {
                    loop {
                        let (n, version): (i64, i64) = db
                            .query_row("SELECT n, version FROM c WHERE id = 1", [], |r| {
                                Ok((r.get(0)?, r.get(1)?))
                            })
                            .unwrap();
                        let change =
                            set_n.bind(Value::Int(1), version as u64, [Value::Int(n + 1)]).unwrap();
                        match write(&db, &change) {
                            Ok(_) => break,
                            Err(WriteError::Version(OptimisticError::Conflict { .. })) => {
                                conflicts.fetch_add(1, Ordering::Relaxed);
                            }
                            Err(other) => panic!("{other}"),
                        }
                    }
                }
            });
        }
    });
    let (n, version): (i64, i64) = setup
        .query_row("SELECT n, version FROM c WHERE id = 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    let total = threads as i64 * per_thread as i64;
    eprintln!(
        "sqlite file: {total} increments exact, {} conflicts retried",
        conflicts.load(Ordering::Relaxed)
    );
    assert_eq!((n, version), (total, total));
    drop(setup);
    let _ = std::fs::remove_dir_all(&dir);
}
