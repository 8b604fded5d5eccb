//! A table of cases pinning the exact SQL text and bind values per dialect.
//!
//! SQLite's text is PostgreSQL's with `?N` for `$N`: both understand row
//! values and `NULLS FIRST/LAST`, so the table states it once and derives it.
//! MySQL's is written out: `?`, backticks, no row values, and `(k IS NULL)`
//! ordering where its native `NULL` placement is not the one asked for.

use routekit::keyset::{CursorSecret, KeyType, Keyset, Position, SortKey};
use routekit::sql::{Dialect, MySql, Nulls, Postgres, Sqlite, Statement, Timestamp, Value};

enum At {
    First,
    Last,
    After(Vec<Value>),
    Before(Vec<Value>),
}

struct Case {
    name: &'static str,
    keys: Vec<SortKey>,
    at: At,
    /// The filter per dialect (PostgreSQL, SQLite, MySQL) and its values.
    filter: Option<([&'static str; 3], Vec<Value>)>,
    postgres: &'static str,
    mysql: &'static str,
    /// The binds for PostgreSQL and SQLite.
    params: Vec<Value>,
    /// MySQL's, where they differ (no row values).
    mysql_params: Option<Vec<Value>>,
}

fn statement(case: &Case, dialect: &'static dyn Dialect, which: usize) -> Statement {
    let keyset = Keyset::builder(dialect, "t", CursorSecret::new([1; 16]), case.keys.clone())
        .limit(10)
        .build()
        .unwrap();
    let cursor = match &case.at {
        At::After(values) | At::Before(values) => keyset.cursor(values).unwrap(),
        At::First | At::Last => String::new(),
    };
    let position = match &case.at {
        At::First => Position::First,
        At::Last => Position::Last,
        At::After(_) => Position::After(&cursor),
        At::Before(_) => Position::Before(&cursor),
    };
    let query = match &case.filter {
        None => keyset.query(position),
        Some((texts, values)) => keyset.query_where(position, texts[which], values.clone()),
    };
    query.unwrap().statement().clone()
}

/// `$N` placeholders as SQLite's `?N`.
fn sqlite_text(postgres: &str) -> String {
    postgres.replace('$', "?")
}

fn ts() -> Value {
    Value::Timestamp(Timestamp::new(1_700_000_000, 123_456_789).unwrap())
}

fn table() -> Vec<Case> {
    let id = || SortKey::asc("id", KeyType::Int).unique();
    vec![
        Case {
            name: "one unique key, first page",
            keys: vec![id()],
            at: At::First,
            filter: None,
            postgres: r#"SELECT "id" FROM "t" ORDER BY "id" ASC LIMIT 11"#,
            mysql: "SELECT `id` FROM `t` ORDER BY `id` ASC LIMIT 11",
            params: vec![],
            mysql_params: None,
        },
        Case {
            name: "one unique key, after",
            keys: vec![id()],
            at: At::After(vec![Value::Int(10)]),
            filter: None,
            postgres: r#"SELECT "id" FROM "t" WHERE "id" > $1 ORDER BY "id" ASC LIMIT 11"#,
            mysql: "SELECT `id` FROM `t` WHERE `id` > ? ORDER BY `id` ASC LIMIT 11",
            params: vec![Value::Int(10)],
            mysql_params: None,
        },
        Case {
            name: "one unique key descending, before: fetched ascending",
            keys: vec![SortKey::desc("id", KeyType::Int).unique()],
            at: At::Before(vec![Value::Int(10)]),
            filter: None,
            postgres: r#"SELECT "id" FROM "t" WHERE "id" > $1 ORDER BY "id" ASC LIMIT 11"#,
            mysql: "SELECT `id` FROM `t` WHERE `id` > ? ORDER BY `id` ASC LIMIT 11",
            params: vec![Value::Int(10)],
            mysql_params: None,
        },
        Case {
            name: "uniform descending, non-null: a row value where supported",
            keys: vec![
                SortKey::desc("score", KeyType::Int),
                SortKey::desc("id", KeyType::Int).unique(),
            ],
            at: At::After(vec![Value::Int(5), Value::Int(42)]),
            filter: None,
            postgres: r#"SELECT "score", "id" FROM "t" WHERE ("score", "id") < ($1, $2) ORDER BY "score" DESC, "id" DESC LIMIT 11"#,
            mysql: "SELECT `score`, `id` FROM `t` WHERE `score` <= ? AND (`score` < ? OR (`score` = ? AND `id` < ?)) ORDER BY `score` DESC, `id` DESC LIMIT 11",
            params: vec![Value::Int(5), Value::Int(42)],
            mysql_params: Some(vec![Value::Int(5), Value::Int(5), Value::Int(5), Value::Int(42)]),
        },
        Case {
            name: "mixed directions: expanded with a leading range term",
            keys: vec![SortKey::desc("created_at", KeyType::Timestamp), id()],
            at: At::After(vec![ts(), Value::Int(7)]),
            filter: None,
            postgres: r#"SELECT "created_at", "id" FROM "t" WHERE "created_at" <= $1 AND ("created_at" < $2 OR ("created_at" = $3 AND "id" > $4)) ORDER BY "created_at" DESC, "id" ASC LIMIT 11"#,
            mysql: "SELECT `created_at`, `id` FROM `t` WHERE `created_at` <= ? AND (`created_at` < ? OR (`created_at` = ? AND `id` > ?)) ORDER BY `created_at` DESC, `id` ASC LIMIT 11",
            params: vec![ts(), ts(), ts(), Value::Int(7)],
            mysql_params: None,
        },
        Case {
            name: "mixed directions, before: every direction flipped",
            keys: vec![SortKey::desc("created_at", KeyType::Timestamp), id()],
            at: At::Before(vec![ts(), Value::Int(7)]),
            filter: None,
            postgres: r#"SELECT "created_at", "id" FROM "t" WHERE "created_at" >= $1 AND ("created_at" > $2 OR ("created_at" = $3 AND "id" < $4)) ORDER BY "created_at" ASC, "id" DESC LIMIT 11"#,
            mysql: "SELECT `created_at`, `id` FROM `t` WHERE `created_at` >= ? AND (`created_at` > ? OR (`created_at` = ? AND `id` < ?)) ORDER BY `created_at` ASC, `id` DESC LIMIT 11",
            params: vec![ts(), ts(), ts(), Value::Int(7)],
            mysql_params: None,
        },
        Case {
            name: "nullable, NULLs last, value not NULL: NULLs follow it, no range term",
            keys: vec![SortKey::desc("score", KeyType::Float).nullable(Nulls::Last), id()],
            at: At::After(vec![Value::Float(2.5), Value::Int(3)]),
            filter: None,
            postgres: r#"SELECT "score", "id" FROM "t" WHERE "score" < $1 OR "score" IS NULL OR ("score" = $2 AND "id" > $3) ORDER BY "score" DESC NULLS LAST, "id" ASC LIMIT 11"#,
            mysql: "SELECT `score`, `id` FROM `t` WHERE `score` < ? OR `score` IS NULL OR (`score` = ? AND `id` > ?) ORDER BY `score` DESC, `id` ASC LIMIT 11",
            params: vec![Value::Float(2.5), Value::Float(2.5), Value::Int(3)],
            mysql_params: None,
        },
        Case {
            name: "nullable, NULLs last, value NULL: only NULLs follow",
            keys: vec![SortKey::asc("deleted_at", KeyType::Timestamp).nullable(Nulls::Last), id()],
            at: At::After(vec![Value::Null, Value::Int(3)]),
            filter: None,
            postgres: r#"SELECT "deleted_at", "id" FROM "t" WHERE "deleted_at" IS NULL AND "id" > $1 ORDER BY "deleted_at" ASC NULLS LAST, "id" ASC LIMIT 11"#,
            mysql: "SELECT `deleted_at`, `id` FROM `t` WHERE `deleted_at` IS NULL AND `id` > ? ORDER BY (`deleted_at` IS NULL), `deleted_at` ASC, `id` ASC LIMIT 11",
            params: vec![Value::Int(3)],
            mysql_params: None,
        },
        Case {
            name: "nullable, NULLs first, value NULL: every value follows",
            keys: vec![SortKey::asc("rank", KeyType::Int).nullable(Nulls::First), id()],
            at: At::After(vec![Value::Null, Value::Int(3)]),
            filter: None,
            postgres: r#"SELECT "rank", "id" FROM "t" WHERE "rank" IS NOT NULL OR ("rank" IS NULL AND "id" > $1) ORDER BY "rank" ASC NULLS FIRST, "id" ASC LIMIT 11"#,
            mysql: "SELECT `rank`, `id` FROM `t` WHERE `rank` IS NOT NULL OR (`rank` IS NULL AND `id` > ?) ORDER BY `rank` ASC, `id` ASC LIMIT 11",
            params: vec![Value::Int(3)],
            mysql_params: None,
        },
        Case {
            name: "nullable, NULLs first, value not NULL: still a plain tuple",
            keys: vec![SortKey::asc("rank", KeyType::Int).nullable(Nulls::First), id()],
            at: At::After(vec![Value::Int(2), Value::Int(3)]),
            filter: None,
            postgres: r#"SELECT "rank", "id" FROM "t" WHERE ("rank", "id") > ($1, $2) ORDER BY "rank" ASC NULLS FIRST, "id" ASC LIMIT 11"#,
            mysql: "SELECT `rank`, `id` FROM `t` WHERE `rank` >= ? AND (`rank` > ? OR (`rank` = ? AND `id` > ?)) ORDER BY `rank` ASC, `id` ASC LIMIT 11",
            params: vec![Value::Int(2), Value::Int(3)],
            mysql_params: Some(vec![Value::Int(2), Value::Int(2), Value::Int(2), Value::Int(3)]),
        },
        Case {
            name: "a NULL in the middle key drops its disjunct",
            keys: vec![
                SortKey::asc("a", KeyType::Int),
                SortKey::desc("b", KeyType::Text).nullable(Nulls::Last),
                id(),
            ],
            at: At::After(vec![Value::Int(1), Value::Null, Value::Int(9)]),
            filter: None,
            postgres: r#"SELECT "a", "b", "id" FROM "t" WHERE "a" >= $1 AND ("a" > $2 OR ("a" = $3 AND "b" IS NULL AND "id" > $4)) ORDER BY "a" ASC, "b" DESC NULLS LAST, "id" ASC LIMIT 11"#,
            mysql: "SELECT `a`, `b`, `id` FROM `t` WHERE `a` >= ? AND (`a` > ? OR (`a` = ? AND `b` IS NULL AND `id` > ?)) ORDER BY `a` ASC, `b` DESC, `id` ASC LIMIT 11",
            params: vec![Value::Int(1), Value::Int(1), Value::Int(1), Value::Int(9)],
            mysql_params: None,
        },
        Case {
            name: "the last page fetches in reverse, NULL placement reversed too",
            keys: vec![SortKey::desc("score", KeyType::Float).nullable(Nulls::First), id()],
            at: At::Last,
            filter: None,
            postgres: r#"SELECT "score", "id" FROM "t" ORDER BY "score" ASC NULLS LAST, "id" DESC LIMIT 11"#,
            mysql: "SELECT `score`, `id` FROM `t` ORDER BY (`score` IS NULL), `score` ASC, `id` DESC LIMIT 11",
            params: vec![],
            mysql_params: None,
        },
        Case {
            name: "descending with NULLs first, emulated for MySQL",
            keys: vec![SortKey::desc("score", KeyType::Float).nullable(Nulls::First), id()],
            at: At::First,
            filter: None,
            postgres: r#"SELECT "score", "id" FROM "t" ORDER BY "score" DESC NULLS FIRST, "id" ASC LIMIT 11"#,
            mysql: "SELECT `score`, `id` FROM `t` ORDER BY (`score` IS NULL) DESC, `score` DESC, `id` ASC LIMIT 11",
            params: vec![],
            mysql_params: None,
        },
        Case {
            name: "the filter's placeholders come first",
            keys: vec![SortKey::desc("score", KeyType::Int), id()],
            at: At::After(vec![Value::Int(5), Value::Int(42)]),
            filter: Some((
                ["tenant = $1", "tenant = ?1", "tenant = ?"],
                vec![Value::Text("acme".into())],
            )),
            postgres: r#"SELECT "score", "id" FROM "t" WHERE (tenant = $1) AND "score" <= $2 AND ("score" < $3 OR ("score" = $4 AND "id" > $5)) ORDER BY "score" DESC, "id" ASC LIMIT 11"#,
            mysql: "SELECT `score`, `id` FROM `t` WHERE (tenant = ?) AND `score` <= ? AND (`score` < ? OR (`score` = ? AND `id` > ?)) ORDER BY `score` DESC, `id` ASC LIMIT 11",
            params: vec![
                Value::Text("acme".into()),
                Value::Int(5),
                Value::Int(5),
                Value::Int(5),
                Value::Int(42),
            ],
            mysql_params: None,
        },
        Case {
            name: "a filter alone on the first page",
            keys: vec![id()],
            at: At::First,
            filter: Some((
                ["a = $1 OR b = $2", "a = ?1 OR b = ?2", "a = ? OR b = ?"],
                vec![Value::Int(1), Value::Bool(true)],
            )),
            postgres: r#"SELECT "id" FROM "t" WHERE (a = $1 OR b = $2) ORDER BY "id" ASC LIMIT 11"#,
            mysql: "SELECT `id` FROM `t` WHERE (a = ? OR b = ?) ORDER BY `id` ASC LIMIT 11",
            params: vec![Value::Int(1), Value::Bool(true)],
            mysql_params: None,
        },
    ]
}

#[test]
fn sql_text_and_binds_are_pinned_per_dialect() {
    for case in table() {
        let mysql_params = case.mysql_params.clone().unwrap_or_else(|| case.params.clone());
        let dialects: [(&'static dyn Dialect, String, &[Value]); 3] = [
            (&Postgres, case.postgres.to_owned(), &case.params),
            (&Sqlite, sqlite_text(case.postgres), &case.params),
            (&MySql, case.mysql.to_owned(), &mysql_params),
        ];
        for (which, (dialect, sql, params)) in dialects.into_iter().enumerate() {
            let statement = statement(&case, dialect, which);
            assert_eq!(statement.sql, sql, "{} ({})", case.name, dialect.name());
            assert_eq!(statement.params, params, "{} ({})", case.name, dialect.name());
        }
    }
}
