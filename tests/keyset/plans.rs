//! The predicates are not only exact but seekable: with an index on the
//! sort keys, the planners answer a page by a range search on the index, in
//! index order, with no sort. Checked with each database's own EXPLAIN.

use routekit::keyset::{CursorSecret, KeyType, Keyset, Position, SortKey};
use routekit::sql::{Dialect, Postgres, Sqlite, Statement, Value};

use crate::db::{PostgresDb, to_postgres, to_sqlite};

/// `score DESC, id ASC` (mixed: expanded with a leading range term) and
/// `a ASC, b ASC, id ASC` (uniform: a row value), after or before a cursor.
fn statements(dialect: &'static dyn Dialect, table: &str) -> Vec<(&'static str, Statement)> {
    let base = |keys: &[SortKey]| {
        Keyset::builder(dialect, table, CursorSecret::new([2; 16]), keys.to_vec())
            .limit(20)
            .build()
            .unwrap()
    };
    let page = |keyset: Keyset, values: &[Value], backward: bool| {
        let cursor = keyset.cursor(values).unwrap();
        let position = if backward { Position::Before(&cursor) } else { Position::After(&cursor) };
        keyset.query(position).unwrap().statement().clone()
    };
    let id = SortKey::asc("id", KeyType::Int).unique();
    let mixed = [SortKey::desc("score", KeyType::Int), id.clone()];
    let uniform = [SortKey::asc("a", KeyType::Int), SortKey::asc("b", KeyType::Int), id];
    let two = [Value::Int(5), Value::Int(10)];
    let three = [Value::Int(1), Value::Int(2), Value::Int(3)];
    vec![
        ("mixed, after", page(base(&mixed), &two, false)),
        ("mixed, before", page(base(&mixed), &two, true)),
        ("uniform, after", page(base(&uniform), &three, false)),
        ("uniform, before", page(base(&uniform), &three, true)),
    ]
}

const SCHEMA: &str =
    "(id BIGINT PRIMARY KEY, score BIGINT NOT NULL, a BIGINT NOT NULL, b BIGINT NOT NULL)";

#[test]
fn sqlite_seeks_through_the_index() {
    let db = rusqlite::Connection::open_in_memory().unwrap();
    db.execute_batch(&format!(
        "CREATE TABLE t {SCHEMA};
         CREATE INDEX t_score_id ON t (score DESC, id ASC);
         CREATE INDEX t_a_b_id ON t (a, b, id);"
    ))
    .unwrap();
    for (name, statement) in statements(&Sqlite, "t") {
        let mut explain = db.prepare(&format!("EXPLAIN QUERY PLAN {}", statement.sql)).unwrap();
        let params = statement.params.iter().map(to_sqlite);
        let plan: Vec<String> = explain
            .query_map(rusqlite::params_from_iter(params), |row| row.get(3))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let plan = plan.join("\n");
        assert!(plan.contains("SEARCH t USING"), "{name}: no index search:\n{plan}");
        assert!(!plan.contains("TEMP B-TREE"), "{name}: sorts:\n{plan}");
    }
}

#[test]
fn postgres_seeks_through_the_index() {
    let Some(mut db) = PostgresDb::from_env() else { return };
    let client = db.client();
    client
        .batch_execute(&format!(
            "CREATE TEMP TABLE plans {SCHEMA};
             CREATE INDEX ON plans (score DESC, id ASC);
             CREATE INDEX ON plans (a, b, id);
             INSERT INTO plans SELECT g, g % 97, g % 13, g % 7 FROM generate_series(1, 5000) g;
             ANALYZE plans;
             SET enable_seqscan = off;
             SET enable_sort = off;"
        ))
        .unwrap();
    for (name, statement) in statements(&Postgres, "plans") {
        let params: Vec<_> = statement.params.iter().map(|v| to_postgres(v, None)).collect();
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> =
            params.iter().map(|p| p.as_ref()).collect();
        let rows = client.query(&format!("EXPLAIN {}", statement.sql), &refs).unwrap();
        let plan: Vec<String> = rows.iter().map(|row| row.get(0)).collect();
        let plan = plan.join("\n");
        assert!(plan.contains("Index Cond"), "{name}: no index condition:\n{plan}");
        assert!(!plan.contains("Sort"), "{name}: sorts:\n{plan}");
    }
}
