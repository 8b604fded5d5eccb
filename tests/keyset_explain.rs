//! A keyset page deep in a table seeks through the index: the databases'
//! own plans for the statements routekit writes, at depth, for one
//! direction and for mixed directions. SQLite runs always (feature
//! `rusqlite`); PostgreSQL and MariaDB when their URL is set (features
//! `postgres`, `mysql`), and then an unreachable server fails the test.
//!
//! What each database does with mixed directions (`a DESC, id ASC` over an
//! index of the same directions): SQLite and MariaDB seek as for one
//! direction; PostgreSQL reads the index from the leading range term
//! (`Index Cond: a <= …`) and filters the boundary group with the rest of
//! the OR-of-ANDs — no sort and no sequential scan, but it does read the
//! rows of the cursor's `a` group that come before the cursor.

#![cfg(any(feature = "rusqlite", feature = "postgres", feature = "mysql"))]

use routekit::keyset::{CursorSecret, KeyType, Keyset, PageQuery, Position, SortKey};
use routekit::sql::Dialect;

const ROWS: i64 = 20_000;

/// `a` repeats (200 values), `id` is unique; the index matches the order.
fn keyset(dialect: &'static dyn Dialect, table: &str, mixed: bool) -> Keyset {
    let a = if mixed { SortKey::desc("a", KeyType::Int) } else { SortKey::asc("a", KeyType::Int) };
    Keyset::builder(
        dialect,
        table,
        CursorSecret::new([3; 16]),
        [a, SortKey::asc("id", KeyType::Int).unique()],
    )
    .columns(["id", "a"])
    .limit(20)
    .build()
    .unwrap()
}

/// The query for the page after `first`, from its real cursor.
fn deep_query<'k>(keyset: &'k Keyset, first: &routekit::keyset::Page<i64>) -> PageQuery<'k> {
    keyset.query(Position::After(first.next_cursor().expect("more pages"))).unwrap()
}

fn inserts(table: &str) -> String {
    let values: Vec<String> =
        (1..=ROWS).map(|id| format!("({id}, {})", (id * 7919) % 200)).collect();
    format!("INSERT INTO {table} (id, a) VALUES {}", values.join(", "))
}

#[cfg(feature = "rusqlite")]
mod sqlite {
    use super::*;
    use routekit::adapter::rusqlite::{fetch_page, params};
    use routekit::sql::Sqlite;

    fn plan(db: &rusqlite::Connection, query: &PageQuery<'_>) -> String {
        let statement = query.statement();
        let sql = format!("EXPLAIN QUERY PLAN {}", statement.sql);
        let mut prepared = db.prepare(&sql).unwrap();
        let rows = prepared.query_map(params(&statement.params), |row| row.get::<_, String>(3));
        rows.unwrap().map(Result::unwrap).collect::<Vec<_>>().join(" | ")
    }

    fn check(mixed: bool) {
        let db = rusqlite::Connection::open_in_memory().unwrap();
        let index = if mixed { "a DESC, id ASC" } else { "a, id" };
        db.execute_batch(&format!(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER NOT NULL);
             CREATE INDEX t_order ON t ({index});
             {}; ANALYZE;",
            inserts("t")
        ))
        .unwrap();
        let keyset = keyset(&Sqlite, "t", mixed);
        let mut page = fetch_page(&db, &keyset.query(Position::First).unwrap(), |r| r.get(0));
        // Walk to depth: 50 pages in.
        for _ in 0..50 {
            let query = deep_query(&keyset, page.as_ref().unwrap());
            page = fetch_page(&db, &query, |r| r.get(0));
        }
        let query = deep_query(&keyset, page.as_ref().unwrap());
        let plan = plan(&db, &query);
        assert!(plan.contains("SEARCH t USING") && plan.contains("INDEX t_order"), "{plan}");
        assert!(!plan.contains("SCAN t"), "a page at depth scans: {plan}");
        assert!(!plan.contains("TEMP B-TREE"), "a page at depth sorts: {plan}");
    }

    #[test]
    fn a_deep_page_seeks_through_the_index() {
        check(false);
    }

    #[test]
    fn a_deep_page_with_mixed_directions_seeks_through_a_matching_index() {
        check(true);
    }
}

#[cfg(feature = "postgres")]
mod postgres_plan {
    use super::*;
    use ::postgres::{Client, NoTls};
    use routekit::adapter::postgres::{fetch_page, params};
    use routekit::sql::Postgres;

    fn plan(db: &mut Client, query: &PageQuery<'_>) -> String {
        let statement = query.statement();
        let values = params(&statement.params);
        let refs: Vec<&(dyn ::postgres::types::ToSql + Sync)> =
            values.iter().map(|v| v as &(dyn ::postgres::types::ToSql + Sync)).collect();
        let sql = format!("EXPLAIN {}", statement.sql);
        let rows = db.query(sql.as_str(), &refs).unwrap();
        rows.iter().map(|row| row.get::<_, String>(0)).collect::<Vec<_>>().join(" | ")
    }

    fn check(mixed: bool) -> Option<String> {
        let url = std::env::var("ROUTEKIT_POSTGRES_URL").ok()?;
        let mut db = Client::connect(&url, NoTls).unwrap_or_else(|e| {
            panic!("ROUTEKIT_POSTGRES_URL is set ({url}) but PostgreSQL cannot be reached: {e}")
        });
        let table = format!("explain_{}_{}", u8::from(mixed), std::process::id());
        let index = if mixed { "a DESC, id ASC" } else { "a, id" };
        db.batch_execute(&format!(
            "DROP TABLE IF EXISTS {table};
             CREATE TABLE {table} (id BIGINT PRIMARY KEY, a BIGINT NOT NULL);
             CREATE INDEX {table}_order ON {table} ({index});
             {}; ANALYZE {table};",
            inserts(&table)
        ))
        .unwrap();
        let keyset = keyset(&Postgres, &table, mixed);
        let mut page =
            fetch_page(&mut db, &keyset.query(Position::First).unwrap(), |r| r.try_get(0));
        for _ in 0..50 {
            let query = deep_query(&keyset, page.as_ref().unwrap());
            page = fetch_page(&mut db, &query, |r| r.try_get(0));
        }
        let query = deep_query(&keyset, page.as_ref().unwrap());
        let plan = plan(&mut db, &query);
        db.batch_execute(&format!("DROP TABLE {table}")).unwrap();
        Some(plan)
    }

    #[test]
    fn a_deep_page_seeks_through_the_index() {
        let Some(plan) = check(false) else { return };
        assert!(plan.contains("Index") && plan.contains("Index Cond"), "{plan}");
        assert!(!plan.contains("Seq Scan") && !plan.contains("Sort"), "{plan}");
    }

    #[test]
    fn a_deep_page_with_mixed_directions_reads_the_index_in_order() {
        let Some(plan) = check(true) else { return };
        assert!(plan.contains("Index"), "{plan}");
        assert!(!plan.contains("Seq Scan") && !plan.contains("Sort"), "{plan}");
    }
}

#[cfg(feature = "mysql")]
mod mariadb_plan {
    use super::*;
    use ::mysql::prelude::Queryable;
    use ::mysql::{Conn, Opts, Row};
    use routekit::adapter::mysql::{fetch_page, params};
    use routekit::sql::MySql;

    /// `(type, key, Extra)` of each row of the plan.
    fn plan(db: &mut Conn, query: &PageQuery<'_>) -> Vec<(String, String, String)> {
        let statement = query.statement();
        let sql = format!("EXPLAIN {}", statement.sql);
        let rows: Vec<Row> = db.exec(sql.as_str(), params(&statement.params).unwrap()).unwrap();
        let text = |row: &Row, column: &str| {
            row.get_opt::<Option<String>, _>(column)
                .and_then(Result::ok)
                .flatten()
                .unwrap_or_default()
        };
        rows.iter().map(|r| (text(r, "type"), text(r, "key"), text(r, "Extra"))).collect()
    }

    fn check(mixed: bool) -> Option<Vec<(String, String, String)>> {
        let url = std::env::var("ROUTEKIT_MARIADB_URL").ok()?;
        let opts =
            Opts::from_url(&url).unwrap_or_else(|e| panic!("ROUTEKIT_MARIADB_URL {url}: {e}"));
        let mut db = Conn::new(opts).unwrap_or_else(|e| {
            panic!("ROUTEKIT_MARIADB_URL is set ({url}) but MariaDB cannot be reached: {e}")
        });
        let table = format!("explain_{}_{}", u8::from(mixed), std::process::id());
        let index = if mixed { "a DESC, id ASC" } else { "a, id" };
        db.query_drop(format!("DROP TABLE IF EXISTS {table}")).unwrap();
        db.query_drop(format!(
            "CREATE TABLE {table} (id BIGINT PRIMARY KEY, a BIGINT NOT NULL, INDEX t_order ({index}))"
        ))
        .unwrap();
        db.query_drop(inserts(&table)).unwrap();
        db.query_drop(format!("ANALYZE TABLE {table}")).unwrap();
        let keyset = keyset(&MySql, &table, mixed);
        let first = keyset.query(Position::First).unwrap();
        let mut page = fetch_page(&mut db, &first, |r| Ok(r.get::<i64, _>(0).unwrap()));
        for _ in 0..50 {
            let query = deep_query(&keyset, page.as_ref().unwrap());
            page = fetch_page(&mut db, &query, |r| Ok(r.get::<i64, _>(0).unwrap()));
        }
        let query = deep_query(&keyset, page.as_ref().unwrap());
        let plan = plan(&mut db, &query);
        db.query_drop(format!("DROP TABLE {table}")).unwrap();
        Some(plan)
    }

    fn assert_seeks(plan: &[(String, String, String)]) {
        assert_eq!(plan.len(), 1, "{plan:?}");
        let (access, key, extra) = &plan[0];
        assert_eq!((access.as_str(), key.as_str()), ("range", "t_order"), "{plan:?}");
        assert!(!extra.contains("filesort"), "a page at depth sorts: {plan:?}");
    }

    #[test]
    fn a_deep_page_seeks_through_the_index() {
        let Some(plan) = check(false) else { return };
        assert_seeks(&plan);
    }

    #[test]
    fn a_deep_page_with_mixed_directions_seeks_through_a_matching_index() {
        let Some(plan) = check(true) else { return };
        assert_seeks(&plan);
    }
}
