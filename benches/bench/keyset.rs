//! Keyset pagination: a request's page query, and why it exists.
//!
//! `keyset/build`: per request, the first page's query and a next page's
//! query (which decodes and authenticates its cursor) from an endpoint's
//! `Keyset` checked once, against the floor of writing the same SQL text with
//! one `format!` and nothing checked; and, once per endpoint, checking the
//! ordering itself.
//!
//! `keyset/sqlite_page_5000`: on a bundled SQLite table of 1,000,000 rows
//! with an index on the sort keys (`score DESC, id ASC`; scores tie about a
//! hundred times each), fetching page 5,000 of 20 rows by keyset (build the
//! query, run it, assemble the page) against the same page by `OFFSET
//! 99980`. The table is built once per run, the first time the group is
//! selected, so `cargo bench --no-run` and other groups do not pay for it.

use std::hint::black_box;
use std::sync::OnceLock;

use criterion::{BenchmarkId, Criterion};
use routekit::keyset::{CursorSecret, KeyType, Keyset, KeysetBuilder, Position, SortKey};
use routekit::sql::{Sqlite, Value};

use crate::inputs::seeded;

const ROWS: i64 = 1_000_000;
const PAGE_SIZE: u32 = 20;
const PAGE: u32 = 5_000;

fn builder() -> KeysetBuilder {
    let keys = [SortKey::desc("score", KeyType::Int), SortKey::asc("id", KeyType::Int).unique()];
    let mut builder =
        Keyset::builder(&Sqlite, "items", CursorSecret::new(*b"bench-secret-key"), keys);
    builder.columns(["id", "score", "title"]).limit(PAGE_SIZE);
    builder
}

pub(crate) fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("keyset/build");
    let endpoint = builder();
    let items = endpoint.build().unwrap();
    let cursor = items.cursor(&[Value::Int(4_321), Value::Int(987_654)]).unwrap();
    group.bench_function("floor_format_sql", |b| {
        b.iter(|| {
            let (score, id) = black_box((4_321i64, 987_654i64));
            let sql = format!(
                r#"SELECT "id", "score", "title" FROM "items" WHERE "score" <= ?1 AND ("score" < ?2 OR ("score" = ?3 AND "id" > ?4)) ORDER BY "score" DESC, "id" ASC LIMIT {}"#,
                PAGE_SIZE + 1
            );
            black_box((sql, vec![Value::Int(score), Value::Int(score), Value::Int(score), Value::Int(id)]))
        })
    });
    group.bench_function("first_page", |b| {
        b.iter(|| black_box(items.query(black_box(Position::First)).unwrap()))
    });
    group.bench_function("next_page_with_cursor", |b| {
        b.iter(|| black_box(items.query(Position::After(black_box(&cursor))).unwrap()))
    });
    group.bench_function("issue_cursor", |b| {
        b.iter(|| black_box(items.cursor(&[Value::Int(4_321), Value::Int(987_654)]).unwrap()))
    });
    group.bench_function("endpoint_once", |b| b.iter(|| black_box(endpoint.build().unwrap())));
    group.finish();
}

/// The benchmark table, built once per run.
fn table() -> &'static std::sync::Mutex<rusqlite::Connection> {
    static TABLE: OnceLock<std::sync::Mutex<rusqlite::Connection>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let db = rusqlite::Connection::open_in_memory().unwrap();
        db.execute_batch(
            "CREATE TABLE items (id INTEGER PRIMARY KEY, score INTEGER NOT NULL, title TEXT NOT NULL);",
        )
        .unwrap();
        let tx = db.unchecked_transaction().unwrap();
        {
            let mut insert = tx.prepare("INSERT INTO items VALUES (?1, ?2, ?3)").unwrap();
            for (id, r) in (1..=ROWS).zip(seeded(11)) {
                insert.execute(rusqlite::params![id, (r % 10_000) as i64, "a title of a few words"]).unwrap();
            }
        }
        tx.commit().unwrap();
        db.execute_batch("CREATE INDEX items_score_id ON items (score DESC, id ASC); ANALYZE;").unwrap();
        std::sync::Mutex::new(db)
    })
}

type Item = (i64, i64, String);

fn run(db: &rusqlite::Connection, sql: &str, params: &[Value]) -> Vec<Item> {
    // The benchmark's keys are integers; a value of another type is a bug here.
    let params = params.iter().map(|v| match v {
        Value::Int(n) => rusqlite::types::Value::Integer(*n),
        other => panic!("the benchmark binds integers, not {other:?}"),
    });
    let mut statement = db.prepare_cached(sql).unwrap();
    let rows = statement
        .query_map(rusqlite::params_from_iter(params), |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })
        .unwrap();
    rows.map(Result::unwrap).collect()
}

pub(crate) fn bench_pages(c: &mut Criterion) {
    let mut group = c.benchmark_group("keyset/sqlite_page_5000");
    group.sample_size(10);
    let offset = u64::from(PAGE - 1) * u64::from(PAGE_SIZE);
    let offset_sql = format!(
        r#"SELECT "id", "score", "title" FROM "items" ORDER BY "score" DESC, "id" ASC LIMIT {PAGE_SIZE} OFFSET {offset}"#
    );
    // The cursor a client on page 4,999 holds: the key of its last row.
    let cursor = OnceLock::new();
    let cursor = || {
        cursor.get_or_init(|| {
            let db = table().lock().unwrap();
            let last_of_previous = format!(
                r#"SELECT "id", "score", "title" FROM "items" ORDER BY "score" DESC, "id" ASC LIMIT 1 OFFSET {}"#,
                offset - 1
            );
            let (id, score, _) = run(&db, &last_of_previous, &[]).remove(0);
            builder().build().unwrap().cursor(&[Value::Int(score), Value::Int(id)]).unwrap()
        })
    };
    group.bench_function(BenchmarkId::new("offset", PAGE), |b| {
        let db = table().lock().unwrap();
        b.iter(|| black_box(run(&db, &offset_sql, &[])))
    });
    group.bench_function(BenchmarkId::new("keyset", PAGE), |b| {
        let items = builder().build().unwrap();
        let at = Position::After(cursor());
        let db = table().lock().unwrap();
        let fetch = || {
            let query = items.query(at).unwrap();
            let rows = run(&db, &query.statement().sql, &query.statement().params);
            query.page(rows, |row| vec![Value::Int(row.1), Value::Int(row.0)]).unwrap()
        };
        // Both ways return the same page.
        assert_eq!(fetch().rows(), run(&db, &offset_sql, &[]));
        b.iter(|| black_box(fetch()))
    });
    group.finish();
}
