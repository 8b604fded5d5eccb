//! Driver adapters (feature `rusqlite`; without it the groups are empty).
//!
//! `adapter/sqlite_page_1000`: a 1,000-row page after a cursor from an
//! in-memory SQLite table of 20,000 rows, fetched by
//! `adapter::rusqlite::fetch_page` against the same page written by hand
//! with rusqlite (prepared through the statement cache, values mapped by a
//! `match`, rows collected, `PageQuery::page` with the keys from the row).
//! The target: the adapter within 5% of the hand-written code.
//!
//! `adapter/sqlite_page_10000`: page 10,000 of 100-row pages (the last) of
//! a 1,000,000-row table, by keyset through the adapter against `OFFSET
//! 999900`. The table is built once, the first time the group is selected.

#[cfg(feature = "rusqlite")]
mod on {
    use std::hint::black_box;
    use std::sync::{Mutex, OnceLock};

    use criterion::{BenchmarkId, Criterion};
    use routekit::adapter::rusqlite::fetch_page;
    use routekit::keyset::{CursorSecret, KeyType, Keyset, PageQuery, Position, SortKey};
    use routekit::sql::{Sqlite, Value};

    use crate::inputs::seeded;

    type Item = (i64, i64, String);

    fn table(rows: i64) -> rusqlite::Connection {
        let db = rusqlite::Connection::open_in_memory().unwrap();
        db.execute_batch(
            "CREATE TABLE items (id INTEGER PRIMARY KEY, score INTEGER NOT NULL, title TEXT NOT NULL);",
        )
        .unwrap();
        let tx = db.unchecked_transaction().unwrap();
        {
            let mut insert = tx.prepare("INSERT INTO items VALUES (?1, ?2, ?3)").unwrap();
            for (id, r) in (1..=rows).zip(seeded(23)) {
                insert
                    .execute(rusqlite::params![id, (r % 10_000) as i64, "a title of a few words"])
                    .unwrap();
            }
        }
        tx.commit().unwrap();
        db.execute_batch("CREATE INDEX items_score_id ON items (score DESC, id ASC); ANALYZE;")
            .unwrap();
        db
    }

    fn keyset(limit: u32) -> Keyset {
        let keys =
            [SortKey::desc("score", KeyType::Int), SortKey::asc("id", KeyType::Int).unique()];
        Keyset::builder(&Sqlite, "items", CursorSecret::new([4; 16]), keys)
            .columns(["id", "score", "title"])
            .limit(limit)
            .build()
            .unwrap()
    }

    /// What a careful hand-written fetch does with the driver.
    fn by_hand(db: &rusqlite::Connection, query: &PageQuery<'_>) -> routekit::Page<Item> {
        let statement = query.statement();
        let params = statement.params.iter().map(|v| match v {
            Value::Int(n) => rusqlite::types::Value::Integer(*n),
            other => panic!("the benchmark binds integers, not {other:?}"),
        });
        let mut prepared = db.prepare_cached(&statement.sql).unwrap();
        let rows = prepared
            .query_map(rusqlite::params_from_iter(params), |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?))
            })
            .unwrap();
        let rows: Vec<Item> = rows.map(Result::unwrap).collect();
        query.page(rows, |row| vec![Value::Int(row.1), Value::Int(row.0)]).unwrap()
    }

    fn by_adapter(db: &rusqlite::Connection, query: &PageQuery<'_>) -> routekit::Page<Item> {
        fetch_page(db, query, |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?))).unwrap()
    }

    pub(crate) fn bench(c: &mut Criterion) {
        let mut group = c.benchmark_group("adapter/sqlite_page_1000");
        let db = table(20_000);
        let items = keyset(1_000);
        // After the 5,000th row.
        let (score, id): (i64, i64) = db
            .query_row(
                "SELECT score, id FROM items ORDER BY score DESC, id ASC LIMIT 1 OFFSET 4999",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        let cursor = items.cursor(&[Value::Int(score), Value::Int(id)]).unwrap();
        let at = Position::After(&cursor);
        assert_eq!(
            by_hand(&db, &items.query(at).unwrap()).rows(),
            by_adapter(&db, &items.query(at).unwrap()).rows()
        );
        group.bench_function(BenchmarkId::new("by_hand", 1_000), |b| {
            b.iter(|| black_box(by_hand(&db, &items.query(at).unwrap())))
        });
        group.bench_function(BenchmarkId::new("adapter", 1_000), |b| {
            b.iter(|| black_box(by_adapter(&db, &items.query(at).unwrap())))
        });
        group.finish();
    }

    pub(crate) fn bench_deep(c: &mut Criterion) {
        const PAGE_SIZE: u32 = 100;
        const PAGE: u64 = 10_000;
        static TABLE: OnceLock<Mutex<rusqlite::Connection>> = OnceLock::new();
        let mut group = c.benchmark_group("adapter/sqlite_page_10000");
        group.sample_size(10);
        let offset = (PAGE - 1) * u64::from(PAGE_SIZE);
        let offset_sql = format!(
            r#"SELECT "id", "score", "title" FROM "items" ORDER BY "score" DESC, "id" ASC LIMIT {PAGE_SIZE} OFFSET {offset}"#
        );
        let items = keyset(PAGE_SIZE);
        let by_offset = |db: &rusqlite::Connection| -> Vec<Item> {
            let mut prepared = db.prepare_cached(&offset_sql).unwrap();
            let rows =
                prepared.query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?))).unwrap();
            rows.map(Result::unwrap).collect()
        };
        group.bench_function(BenchmarkId::new("offset", PAGE), |b| {
            let db = TABLE.get_or_init(|| Mutex::new(table(1_000_000))).lock().unwrap();
            b.iter(|| black_box(by_offset(&db)))
        });
        group.bench_function(BenchmarkId::new("keyset", PAGE), |b| {
            let db = TABLE.get_or_init(|| Mutex::new(table(1_000_000))).lock().unwrap();
            let (score, id): (i64, i64) = db
                .query_row(
                    &format!(
                        "SELECT score, id FROM items ORDER BY score DESC, id ASC LIMIT 1 OFFSET {}",
                        offset - 1
                    ),
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .unwrap();
            let cursor = items.cursor(&[Value::Int(score), Value::Int(id)]).unwrap();
            let at = Position::After(&cursor);
            assert_eq!(by_adapter(&db, &items.query(at).unwrap()).rows(), by_offset(&db));
            b.iter(|| black_box(by_adapter(&db, &items.query(at).unwrap())))
        });
        group.finish();
    }
}

#[cfg(feature = "rusqlite")]
pub(crate) use on::{bench, bench_deep};

/// Without the `rusqlite` feature there is no adapter to measure.
#[cfg(not(feature = "rusqlite"))]
pub(crate) fn bench(_: &mut criterion::Criterion) {}

/// Without the `rusqlite` feature there is no adapter to measure.
#[cfg(not(feature = "rusqlite"))]
pub(crate) fn bench_deep(_: &mut criterion::Criterion) {}
