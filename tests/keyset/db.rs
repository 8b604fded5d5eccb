//! The databases the keyset tests run on: bundled SQLite always, PostgreSQL
//! when `ROUTEKIT_POSTGRES_URL` is set.
//!
//! Each test owns its tables: SQLite databases are in memory per connection,
//! PostgreSQL tables are `TEMP` (private to the test's own connection), so
//! tests running in parallel never see each other's rows.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use routekit::keyset::KeyType;
use routekit::sql::{Dialect, MySql, Postgres, Sqlite, Statement, Timestamp, Value};

/// A column of a test table.
#[derive(Clone, Debug)]
pub(crate) struct Column {
    pub(crate) name: String,
    pub(crate) key_type: KeyType,
}

/// What the keyset tests need from a database.
pub(crate) trait Db {
    /// The dialects whose SQL this database runs with the same semantics.
    fn dialects(&self) -> Vec<&'static dyn Dialect>;
    /// Creates table `name` (first column `id BIGINT PRIMARY KEY`, then
    /// `columns`, all nullable).
    fn create(&mut self, name: &str, columns: &[Column]);
    /// Inserts one row (the values of `id` and the columns, in order).
    fn insert(&mut self, name: &str, columns: &[Column], row: &[Value]);
    /// Deletes the row with this id.
    fn delete(&mut self, name: &str, id: i64);
    /// Runs a query, reading each result column with the given type.
    fn query(&mut self, statement: &Statement, types: &[KeyType]) -> Vec<Vec<Value>>;
    /// Drops a table.
    fn drop_table(&mut self, name: &str);
}

/// Timestamps are stored in SQLite as integer nanoseconds since the epoch:
/// they sort correctly and keep full precision.
fn timestamp_nanos(t: &Timestamp) -> i64 {
    let nanos = i128::from(t.seconds()) * 1_000_000_000 + i128::from(t.nanos());
    i64::try_from(nanos).expect("test timestamps fit in i64 nanoseconds")
}

fn timestamp_from_nanos(nanos: i64) -> Timestamp {
    let (s, n) = (nanos.div_euclid(1_000_000_000), nanos.rem_euclid(1_000_000_000));
    Timestamp::new(s, n as u32).unwrap()
}

fn sqlite_type(key_type: KeyType) -> &'static str {
    match key_type {
        KeyType::Int | KeyType::Bool | KeyType::Timestamp => "INTEGER",
        KeyType::Float => "REAL",
        KeyType::Text => "TEXT",
        KeyType::Bytes => "BLOB",
        other => panic!("no test column type for {other}"),
    }
}

fn postgres_type(key_type: KeyType) -> &'static str {
    match key_type {
        KeyType::Int => "BIGINT",
        KeyType::Bool => "BOOLEAN",
        KeyType::Timestamp => "TIMESTAMPTZ",
        KeyType::Float => "DOUBLE PRECISION",
        // Byte order, as the reference model sorts text.
        KeyType::Text => "TEXT COLLATE \"C\"",
        KeyType::Bytes => "BYTEA",
        other => panic!("no test column type for {other}"),
    }
}

/// Bundled SQLite, in memory. It also runs the MySQL dialect's text: SQLite
/// reads `?` placeholders and backtick quotes, and sorts `NULL` first
/// ascending as MySQL does.
pub(crate) struct SqliteDb(rusqlite::Connection);

impl SqliteDb {
    pub(crate) fn new() -> SqliteDb {
        SqliteDb(rusqlite::Connection::open_in_memory().unwrap())
    }
}

pub(crate) fn to_sqlite(value: &Value) -> rusqlite::types::Value {
    use rusqlite::types::Value as V;
    match value {
        Value::Null => V::Null,
        Value::Bool(b) => V::Integer(i64::from(*b)),
        Value::Int(n) => V::Integer(*n),
        Value::Float(x) => V::Real(*x),
        Value::Text(s) => V::Text(s.clone()),
        Value::Bytes(b) => V::Blob(b.clone()),
        Value::Timestamp(t) => V::Integer(timestamp_nanos(t)),
        other => panic!("no SQLite form for {other:?}"),
    }
}

fn from_sqlite(row: &rusqlite::Row<'_>, at: usize, key_type: KeyType) -> Value {
    let value: Option<Value> = match key_type {
        KeyType::Int => row.get::<_, Option<i64>>(at).unwrap().map(Value::Int),
        KeyType::Bool => row.get::<_, Option<bool>>(at).unwrap().map(Value::Bool),
        KeyType::Float => row.get::<_, Option<f64>>(at).unwrap().map(Value::Float),
        KeyType::Text => row.get::<_, Option<String>>(at).unwrap().map(Value::Text),
        KeyType::Bytes => row.get::<_, Option<Vec<u8>>>(at).unwrap().map(Value::Bytes),
        KeyType::Timestamp => row
            .get::<_, Option<i64>>(at)
            .unwrap()
            .map(|n| Value::Timestamp(timestamp_from_nanos(n))),
        other => panic!("no test column type for {other}"),
    };
    value.unwrap_or(Value::Null)
}

impl Db for SqliteDb {
    fn dialects(&self) -> Vec<&'static dyn Dialect> {
        vec![&Sqlite, &MySql]
    }

    fn create(&mut self, name: &str, columns: &[Column]) {
        let mut sql = format!("CREATE TABLE \"{name}\" (\"id\" INTEGER PRIMARY KEY");
        for c in columns {
            sql += &format!(", \"{}\" {}", c.name, sqlite_type(c.key_type));
        }
        sql += ")";
        self.0.execute(&sql, []).unwrap();
    }

    fn insert(&mut self, name: &str, columns: &[Column], row: &[Value]) {
        let marks = vec!["?"; columns.len() + 1].join(", ");
        let sql = format!("INSERT INTO \"{name}\" VALUES ({marks})");
        let values: Vec<_> = row.iter().map(to_sqlite).collect();
        self.0.execute(&sql, rusqlite::params_from_iter(values)).unwrap();
    }

    fn delete(&mut self, name: &str, id: i64) {
        self.0.execute(&format!("DELETE FROM \"{name}\" WHERE \"id\" = ?1"), [id]).unwrap();
    }

    fn query(&mut self, statement: &Statement, types: &[KeyType]) -> Vec<Vec<Value>> {
        let mut prepared = self
            .0
            .prepare(&statement.sql)
            .unwrap_or_else(|e| panic!("SQLite refused {:?}: {e}", statement.sql));
        let params: Vec<_> = statement.params.iter().map(to_sqlite).collect();
        let rows = prepared
            .query_map(rusqlite::params_from_iter(params), |row| {
                Ok(types.iter().enumerate().map(|(at, &t)| from_sqlite(row, at, t)).collect())
            })
            .unwrap();
        rows.map(Result::unwrap).collect()
    }

    fn drop_table(&mut self, name: &str) {
        self.0.execute(&format!("DROP TABLE \"{name}\""), []).unwrap();
    }
}

/// PostgreSQL at `ROUTEKIT_POSTGRES_URL`.
pub(crate) struct PostgresDb(postgres::Client);

impl PostgresDb {
    /// The database at `ROUTEKIT_POSTGRES_URL`, or `None` when it is not set.
    ///
    /// # Panics
    ///
    /// When the URL is set and the server cannot be reached: a set URL means
    /// these tests must run.
    pub(crate) fn from_env() -> Option<PostgresDb> {
        let Some(url) = std::env::var_os("ROUTEKIT_POSTGRES_URL") else {
            eprintln!("ROUTEKIT_POSTGRES_URL is not set: PostgreSQL keyset tests not run");
            return None;
        };
        let url = url.into_string().expect("ROUTEKIT_POSTGRES_URL is not UTF-8");
        let client = postgres::Client::connect(&url, postgres::NoTls).unwrap_or_else(|e| {
            panic!("ROUTEKIT_POSTGRES_URL is set ({url}) but PostgreSQL cannot be reached: {e}")
        });
        Some(PostgresDb(client))
    }

    pub(crate) fn client(&mut self) -> &mut postgres::Client {
        &mut self.0
    }
}

type PgParam = Box<dyn postgres::types::ToSql + Sync>;

fn system_time(t: &Timestamp) -> SystemTime {
    let nanos = i128::from(t.seconds()) * 1_000_000_000 + i128::from(t.nanos());
    let magnitude = Duration::from_nanos(nanos.unsigned_abs() as u64);
    if nanos >= 0 { UNIX_EPOCH + magnitude } else { UNIX_EPOCH - magnitude }
}

/// A bind value for PostgreSQL; `key_type` gives `NULL` its type.
pub(crate) fn to_postgres(value: &Value, key_type: Option<KeyType>) -> PgParam {
    match value {
        Value::Null => match key_type.expect("a typed NULL") {
            KeyType::Int => Box::new(None::<i64>),
            KeyType::Bool => Box::new(None::<bool>),
            KeyType::Float => Box::new(None::<f64>),
            KeyType::Text => Box::new(None::<String>),
            KeyType::Bytes => Box::new(None::<Vec<u8>>),
            KeyType::Timestamp => Box::new(None::<SystemTime>),
            other => panic!("no test column type for {other}"),
        },
        Value::Bool(b) => Box::new(*b),
        Value::Int(n) => Box::new(*n),
        Value::Float(x) => Box::new(*x),
        Value::Text(s) => Box::new(s.clone()),
        Value::Bytes(b) => Box::new(b.clone()),
        Value::Timestamp(t) => Box::new(system_time(t)),
        other => panic!("no PostgreSQL form for {other:?}"),
    }
}

fn from_postgres(row: &postgres::Row, at: usize, key_type: KeyType) -> Value {
    let value: Option<Value> = match key_type {
        KeyType::Int => row.get::<_, Option<i64>>(at).map(Value::Int),
        KeyType::Bool => row.get::<_, Option<bool>>(at).map(Value::Bool),
        KeyType::Float => row.get::<_, Option<f64>>(at).map(Value::Float),
        KeyType::Text => row.get::<_, Option<String>>(at).map(Value::Text),
        KeyType::Bytes => row.get::<_, Option<Vec<u8>>>(at).map(Value::Bytes),
        KeyType::Timestamp => row.get::<_, Option<SystemTime>>(at).map(|t| {
            let nanos = match t.duration_since(UNIX_EPOCH) {
                Ok(d) => d.as_nanos() as i64,
                Err(e) => -(e.duration().as_nanos() as i64),
            };
            Value::Timestamp(timestamp_from_nanos(nanos))
        }),
        other => panic!("no test column type for {other}"),
    };
    value.unwrap_or(Value::Null)
}

impl Db for PostgresDb {
    fn dialects(&self) -> Vec<&'static dyn Dialect> {
        vec![&Postgres]
    }

    fn create(&mut self, name: &str, columns: &[Column]) {
        let mut sql = format!("CREATE TEMP TABLE \"{name}\" (\"id\" BIGINT PRIMARY KEY");
        for c in columns {
            sql += &format!(", \"{}\" {}", c.name, postgres_type(c.key_type));
        }
        sql += ")";
        self.0.batch_execute(&sql).unwrap();
    }

    fn insert(&mut self, name: &str, columns: &[Column], row: &[Value]) {
        let marks: Vec<String> = (1..=columns.len() + 1).map(|i| format!("${i}")).collect();
        let sql = format!("INSERT INTO \"{name}\" VALUES ({})", marks.join(", "));
        let types = std::iter::once(KeyType::Int).chain(columns.iter().map(|c| c.key_type));
        let params: Vec<PgParam> =
            row.iter().zip(types).map(|(v, t)| to_postgres(v, Some(t))).collect();
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> =
            params.iter().map(|p| p.as_ref()).collect();
        self.0.execute(&sql, &refs).unwrap();
    }

    fn delete(&mut self, name: &str, id: i64) {
        self.0.execute(&format!("DELETE FROM \"{name}\" WHERE \"id\" = $1"), &[&id]).unwrap();
    }

    fn query(&mut self, statement: &Statement, types: &[KeyType]) -> Vec<Vec<Value>> {
        let params: Vec<PgParam> = statement.params.iter().map(|v| to_postgres(v, None)).collect();
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> =
            params.iter().map(|p| p.as_ref()).collect();
        let rows = self
            .0
            .query(&statement.sql, &refs)
            .unwrap_or_else(|e| panic!("PostgreSQL refused {:?}: {e}", statement.sql));
        rows.iter()
            .map(|row| types.iter().enumerate().map(|(at, &t)| from_postgres(row, at, t)).collect())
            .collect()
    }

    fn drop_table(&mut self, name: &str) {
        self.0.batch_execute(&format!("DROP TABLE \"{name}\"")).unwrap();
    }
}
