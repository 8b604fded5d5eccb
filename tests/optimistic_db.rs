//! `optimistic` against real databases: a bundled SQLite file database
//! always, PostgreSQL when `ROUTEKIT_POSTGRES_URL` is set (and then a server
//! that cannot be reached fails the tests instead of skipping them).
//!
//! Every test works in its own table, so tests run in parallel with each
//! other and with other modules' tests on the same server.

use std::error::Error;
use std::path::PathBuf;
use std::sync::Barrier;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use routekit::optimistic::{
    GuardedWrite, OptimisticError, OptimisticUpdate, RetryPolicy, WriteError,
};
use routekit::sql::{Dialect, Ident, Postgres, SqlWriter, Sqlite, Statement, Value};

type DbError = Box<dyn Error + Send + Sync>;

/// What the tests need of a connection: run a statement, and run one that
/// returns rows of integers.
trait Db {
    fn execute(&mut self, statement: &Statement) -> Result<u64, DbError>;
    fn query_ints(&mut self, statement: &Statement) -> Result<Vec<Vec<i64>>, DbError>;
    fn batch(&mut self, sql: &str) -> Result<(), DbError>;
}

impl Db for rusqlite::Connection {
    fn execute(&mut self, statement: &Statement) -> Result<u64, DbError> {
        let params = rusqlite::params_from_iter(statement.params.iter().map(sqlite_value));
        Ok(rusqlite::Connection::execute(self, &statement.sql, params)? as u64)
    }

    fn query_ints(&mut self, statement: &Statement) -> Result<Vec<Vec<i64>>, DbError> {
        let mut prepared = self.prepare(&statement.sql)?;
        let columns = prepared.column_count();
        let params = rusqlite::params_from_iter(statement.params.iter().map(sqlite_value));
        let rows = prepared.query_map(params, |row| (0..columns).map(|i| row.get(i)).collect())?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn batch(&mut self, sql: &str) -> Result<(), DbError> {
        Ok(self.execute_batch(sql)?)
    }
}

fn sqlite_value(value: &Value) -> rusqlite::types::Value {
    use rusqlite::types::Value as V;
    match value {
        Value::Null => V::Null,
        Value::Int(i) => V::Integer(*i),
        Value::Text(s) => V::Text(s.clone()),
        other => panic!("these tests bind no {other:?}"),
    }
}

impl Db for postgres::Client {
    fn execute(&mut self, statement: &Statement) -> Result<u64, DbError> {
        let params = postgres_values(&statement.params);
        Ok(postgres::Client::execute(self, statement.sql.as_str(), &refs(&params))?)
    }

    fn query_ints(&mut self, statement: &Statement) -> Result<Vec<Vec<i64>>, DbError> {
        let params = postgres_values(&statement.params);
        let rows = self.query(statement.sql.as_str(), &refs(&params))?;
        Ok(rows.iter().map(|row| (0..row.len()).map(|i| row.get(i)).collect()).collect())
    }

    fn batch(&mut self, sql: &str) -> Result<(), DbError> {
        Ok(self.batch_execute(sql)?)
    }
}

type PgValue = Box<dyn postgres::types::ToSql + Sync>;

fn postgres_values(values: &[Value]) -> Vec<PgValue> {
    values
        .iter()
        .map(|value| -> PgValue {
            match value {
                Value::Null => Box::new(None::<i64>),
                Value::Int(i) => Box::new(*i),
                Value::Text(s) => Box::new(s.clone()),
                other => panic!("these tests bind no {other:?}"),
            }
        })
        .collect()
}

fn refs(values: &[PgValue]) -> Vec<&(dyn postgres::types::ToSql + Sync)> {
    values.iter().map(|v| &**v as &(dyn postgres::types::ToSql + Sync)).collect()
}

/// Runs a guarded write the way an application would — as a query counting
/// the returned rows where the dialect has `RETURNING`, as an execute
/// counting affected rows where it does not — and checks the outcome.
fn write(db: &mut impl Db, write: &GuardedWrite<'_>) -> Result<u64, WriteError<DbError>> {
    let rows = if write.returns_version() {
        let returned = db.query_ints(write.statement()).map_err(WriteError::Database)?;
        // RETURNING and the known next version must agree.
        let want = write.next_version().unwrap_or(write.expected_version()) as i64;
        if returned.iter().any(|row| row[0] != want) {
            let error = format!("RETURNING gave {returned:?}, expected version {want}");
            return Err(WriteError::Database(error.into()));
        }
        returned.len() as u64
    } else {
        db.execute(write.statement()).map_err(WriteError::Database)?
    };
    write.check(rows, |read| Ok(db.query_ints(read)?.first().map(|row| row[0])))
}

/// `SELECT n, version FROM table WHERE id = ?`: the counter and its version.
fn read_counter(
    db: &mut impl Db,
    dialect: &'static dyn Dialect,
    table: &str,
    id: i64,
) -> Result<(i64, u64), DbError> {
    let mut sql = SqlWriter::new(dialect);
    sql.push("SELECT n, version FROM ");
    sql.ident(&Ident::new(table)?);
    sql.push(" WHERE id = ");
    sql.bind(Value::Int(id));
    let rows = db.query_ints(&sql.finish())?;
    let row = rows.first().ok_or("counter row missing")?;
    Ok((row[0], u64::try_from(row[1])?))
}

fn create_table(db: &mut impl Db, table: &str) {
    db.batch(&format!(
        "CREATE TABLE {table} (id BIGINT PRIMARY KEY, n BIGINT NOT NULL DEFAULT 0, body TEXT, \
         version BIGINT NOT NULL DEFAULT 0 CHECK (version >= 0))"
    ))
    .unwrap();
}

/// A table name no other test (or test run) uses.
fn unique_table(test: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    format!(
        "optimistic_{test}_{}_{}_{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

// ------------------------------------------------------- shared scenarios

/// N workers, each on its own connection, each perform M read–modify–write
/// increments of one counter through OptimisticUpdate and RetryPolicy.
///
/// Conflicts are forced, not hoped for: in every round each worker reads,
/// then all wait at a barrier, then all write. After the barrier every
/// first attempt expects a version no newer than the one current at the
/// barrier, and the first successful write moves past all of them, so at
/// most one first attempt per round succeeds: at least M × (N − 1) conflicts,
/// each re-read and retried. Returns the number of conflicts retried.
fn no_lost_update<D: Db>(
    dialect: &'static dyn Dialect,
    table: &str,
    connect: impl Fn() -> D + Sync,
) -> u64 {
    const WORKERS: usize = 4;
    const INCREMENTS: u64 = 50;
    let mut setup = connect();
    create_table(&mut setup, table);
    let docs = OptimisticUpdate::new(dialect, table).unwrap();
    let create = docs.insert(["n"]).unwrap();
    setup.execute(&create.bind(Value::Int(1), [Value::Int(0)]).unwrap()).unwrap();
    let increment = docs.update(["n"]).unwrap();

    let barrier = Barrier::new(WORKERS);
    let policy = RetryPolicy::builder()
        .max_attempts(1_000)
        .initial_backoff(Duration::from_micros(200))
        .max_backoff(Duration::from_millis(5))
        .build()
        .unwrap();
    let outcomes: Vec<(u64, Vec<String>)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..WORKERS)
            .map(|_| {
                scope.spawn(|| {
                    let mut db = connect();
                    let (mut conflicts, mut failures) = (0, Vec::new());
                    for _ in 0..INCREMENTS {
                        let done = policy.retry(|attempt| {
                            let read = read_counter(&mut db, dialect, table, 1);
                            if attempt == 1 {
                                barrier.wait(); // reached once per round, whatever the read did
                            }
                            let (n, version) = read.map_err(WriteError::Database)?;
                            let update =
                                increment.bind(Value::Int(1), version, [Value::Int(n + 1)])?;
                            write(&mut db, &update)
                        });
                        match done {
                            Ok(done) => conflicts += u64::from(done.attempts - 1),
                            Err(error) => failures.push(error.to_string()),
                        }
                    }
                    (conflicts, failures)
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });

    let failures: Vec<_> = outcomes.iter().flat_map(|(_, f)| f).collect();
    assert!(failures.is_empty(), "increments failed: {failures:?}");
    let total = WORKERS as u64 * INCREMENTS;
    let (n, version) = read_counter(&mut setup, dialect, table, 1).unwrap();
    assert_eq!((n, version), (total as i64, total), "lost updates");
    let conflicts: u64 = outcomes.iter().map(|(c, _)| c).sum();
    let forced = INCREMENTS * (WORKERS as u64 - 1);
    assert!(conflicts >= forced, "{conflicts} conflicts, at least {forced} forced");
    println!(
        "{}: {WORKERS} workers x {INCREMENTS} increments = {n}; {conflicts} conflicts retried",
        dialect.name()
    );
    conflicts
}

/// Stale version → Conflict carrying the current version; missing row →
/// NotFound; a duplicate insert is the database's error, not a conflict.
fn conflicts_and_missing_rows(db: &mut impl Db, dialect: &'static dyn Dialect, table: &str) {
    create_table(db, table);
    let docs = OptimisticUpdate::new(dialect, table).unwrap();
    let (create, set_body) = (docs.insert(["body"]).unwrap(), docs.update(["body"]).unwrap());
    let body = |s: &str| [Value::Text(s.to_owned())];
    assert_eq!(db.execute(&create.bind(Value::Int(7), body("v0")).unwrap()).unwrap(), 1);

    let first = set_body.bind(Value::Int(7), 0, body("v1")).unwrap();
    assert_eq!(write(db, &first).unwrap(), 1);
    let stale = set_body.bind(Value::Int(7), 0, body("stale")).unwrap();
    assert!(matches!(
        write(db, &stale),
        Err(WriteError::Version(OptimisticError::Conflict { expected: 0, current: 1, .. }))
    ));
    let stale_delete = docs.delete(Value::Int(7), 0).unwrap();
    assert!(matches!(
        write(db, &stale_delete),
        Err(WriteError::Version(OptimisticError::Conflict { expected: 0, current: 1, .. }))
    ));
    let read = db.query_ints(&docs.version_read(Value::Int(7))).unwrap();
    assert_eq!(read, [[1]], "the stale writes changed nothing");

    let missing = set_body.bind(Value::Int(8), 0, body("x")).unwrap();
    assert!(matches!(write(db, &missing), Err(WriteError::Version(OptimisticError::NotFound))));

    let delete = docs.delete(Value::Int(7), 1).unwrap();
    assert_eq!(write(db, &delete).unwrap(), 1);
    let after = set_body.bind(Value::Int(7), 1, body("x")).unwrap();
    assert!(matches!(write(db, &after), Err(WriteError::Version(OptimisticError::NotFound))));
    assert!(matches!(write(db, &delete), Err(WriteError::Version(OptimisticError::NotFound))));

    // Re-created at version 0; a second insert of the same key is refused by
    // the primary key.
    assert_eq!(db.execute(&create.bind(Value::Int(7), body("again")).unwrap()).unwrap(), 1);
    assert!(db.execute(&create.bind(Value::Int(7), body("dup")).unwrap()).is_err());
    assert_eq!(db.query_ints(&docs.version_read(Value::Int(7))).unwrap(), [[0]]);
}

/// The version reaches i64::MAX and no further: the next update is refused
/// before any SQL runs, and the row keeps its version.
fn overflow_is_an_error(db: &mut impl Db, dialect: &'static dyn Dialect, table: &str) {
    create_table(db, table);
    let docs = OptimisticUpdate::new(dialect, table).unwrap();
    db.execute(&docs.insert([]).unwrap().bind(Value::Int(1), []).unwrap()).unwrap();
    db.batch(&format!("UPDATE {table} SET version = {}", i64::MAX - 1)).unwrap();

    let max = i64::MAX as u64;
    let set_n = docs.update(["n"]).unwrap();
    let last = set_n.bind(Value::Int(1), max - 1, [Value::Int(1)]).unwrap();
    assert_eq!(write(db, &last).unwrap(), max);
    assert!(matches!(
        set_n.bind(Value::Int(1), max, [Value::Int(2)]),
        Err(OptimisticError::VersionOverflow { version, max: m, .. }) if version == max && m == max
    ));
    assert_eq!(db.query_ints(&docs.version_read(Value::Int(1))).unwrap(), [[i64::MAX]]);
}

// ----------------------------------------------------------------- SQLite

/// A fresh directory for one test's database file.
struct TempDir(PathBuf);

impl TempDir {
    fn new(test: &str) -> Self {
        let path = std::env::temp_dir().join(unique_table(test));
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn sqlite_file(path: &std::path::Path) -> rusqlite::Connection {
    let db = rusqlite::Connection::open(path).unwrap();
    db.busy_timeout(Duration::from_secs(10)).unwrap();
    db.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;").unwrap();
    db
}

#[test]
fn sqlite_file_database_loses_no_update() {
    let dir = TempDir::new("sqlite_lost");
    let path = dir.0.join("counter.db");
    no_lost_update(&Sqlite, "counter", || sqlite_file(&path));
}

#[test]
fn sqlite_conflicts_and_missing_rows() {
    conflicts_and_missing_rows(
        &mut rusqlite::Connection::open_in_memory().unwrap(),
        &Sqlite,
        "docs",
    );
}

#[test]
fn sqlite_overflow_is_an_error() {
    overflow_is_an_error(&mut rusqlite::Connection::open_in_memory().unwrap(), &Sqlite, "docs");
}

#[test]
fn bundled_sqlite_has_returning() {
    // Sqlite's supports_returning() promises 3.35 or later.
    assert!(rusqlite::version_number() >= 3_035_000, "{}", rusqlite::version());
}

// ------------------------------------------------------------- PostgreSQL

/// The server URL, or `None` (and a note) when the tests are not asked for.
fn postgres_url(test: &str) -> Option<String> {
    let url = std::env::var("ROUTEKIT_POSTGRES_URL").ok();
    if url.is_none() {
        eprintln!("{test}: ROUTEKIT_POSTGRES_URL is not set; not run");
    }
    url
}

fn postgres_connect(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls).unwrap_or_else(|e| {
        panic!("ROUTEKIT_POSTGRES_URL is set but PostgreSQL cannot be reached: {e}")
    })
}

/// Drops the test's table when the test ends, pass or fail.
struct DropTable<'u> {
    url: &'u str,
    table: String,
}

impl Drop for DropTable<'_> {
    fn drop(&mut self) {
        if let Ok(mut db) = postgres::Client::connect(self.url, postgres::NoTls) {
            let _ = db.batch_execute(&format!("DROP TABLE IF EXISTS {}", self.table));
        }
    }
}

#[test]
fn postgres_loses_no_update() {
    let Some(url) = postgres_url("postgres_loses_no_update") else { return };
    let table = DropTable { url: &url, table: unique_table("pg_lost") };
    no_lost_update(&Postgres, &table.table, || postgres_connect(&url));
}

#[test]
fn postgres_conflicts_and_missing_rows() {
    let Some(url) = postgres_url("postgres_conflicts_and_missing_rows") else { return };
    let table = DropTable { url: &url, table: unique_table("pg_conflicts") };
    conflicts_and_missing_rows(&mut postgres_connect(&url), &Postgres, &table.table);
}

#[test]
fn postgres_overflow_is_an_error() {
    let Some(url) = postgres_url("postgres_overflow_is_an_error") else { return };
    let table = DropTable { url: &url, table: unique_table("pg_overflow") };
    overflow_is_an_error(&mut postgres_connect(&url), &Postgres, &table.table);
}
