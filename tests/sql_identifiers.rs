//! Identifiers that could change a statement's shape are refused everywhere
//! an identifier enters (tables, key and version columns, updated columns,
//! sort keys, selected columns), for every dialect; reserved words are
//! quoted the dialect's way and work against a real database; values only
//! ever travel as bind parameters.

use routekit::keyset::{CursorSecret, KeyType, Keyset, SortKey};
use routekit::optimistic::OptimisticUpdate;
use routekit::sql::{Dialect, Ident, MySql, Postgres, Sqlite, Value};

const DIALECTS: [&'static dyn Dialect; 3] = [&Postgres, &Sqlite, &MySql];

/// Names an attacker (or a typo) could put where an identifier goes.
fn hostile() -> Vec<String> {
    let mut names: Vec<String> = [
        "",
        ".",
        "a.",
        ".a",
        "a..b",
        "a.b.c.d",
        "1a",
        "a b",
        "a\"b",
        "\"a\"",
        "a`b",
        "`a`",
        "a'b",
        "a[b]",
        "a;b",
        "id; DROP TABLE t",
        "a--b",
        "a -- b",
        "a/*b*/",
        "a\0b",
        "\0",
        "a\nb",
        "a\tb",
        "a-b",
        "a)b",
        "a(b",
        "a,b",
        "a=b",
        "a+b",
        "a*b",
        "a$b",
        "a?b",
        "a:b",
        "é",
        "naïve",
        "a\u{202e}b",
        "ａ",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    names.push("a".repeat(64));
    names.push(format!("t.{}", "b".repeat(64)));
    names
}

fn secret() -> CursorSecret {
    CursorSecret::new([7; 16])
}

#[test]
fn hostile_identifiers_are_refused_everywhere_an_identifier_enters() {
    for dialect in DIALECTS {
        for name in hostile() {
            let name = name.as_str();
            assert!(Ident::new(name).is_err(), "Ident::new({name:?})");
            assert!(OptimisticUpdate::new(dialect, name).is_err(), "table {name:?}");
            assert!(
                OptimisticUpdate::builder(dialect, "docs").key_column(name).build().is_err(),
                "key column {name:?}"
            );
            assert!(
                OptimisticUpdate::builder(dialect, "docs").version_column(name).build().is_err(),
                "version column {name:?}"
            );
            let docs = OptimisticUpdate::new(dialect, "docs").unwrap();
            assert!(docs.update([name]).is_err(), "updated column {name:?}");
            assert!(docs.insert([name]).is_err(), "inserted column {name:?}");
            let by_id = || [SortKey::asc("id", KeyType::Int).unique()];
            assert!(
                Keyset::builder(dialect, name, secret(), by_id()).build().is_err(),
                "keyset table {name:?}"
            );
            assert!(
                Keyset::builder(
                    dialect,
                    "t",
                    secret(),
                    [SortKey::asc(name, KeyType::Text), SortKey::asc("id", KeyType::Int).unique(),]
                )
                .build()
                .is_err(),
                "sort key {name:?}"
            );
            assert!(
                Keyset::builder(dialect, "t", secret(), by_id()).columns([name]).build().is_err(),
                "selected column {name:?}"
            );
        }
    }
}

/// The longest plain part is accepted: the refusals above are about the
/// characters and the length, not about every long name.
#[test]
fn the_limits_themselves_are_accepted() {
    let longest = "a".repeat(63);
    assert!(Ident::new(&longest).is_ok());
    assert!(Ident::new(&format!("{longest}.{longest}.{longest}")).is_ok());
    assert!(Ident::new("_").is_ok());
}

#[test]
fn reserved_words_are_quoted_the_dialects_way() {
    let expected: [(&'static dyn Dialect, &str); 3] = [
        (
            &Postgres,
            r#"UPDATE "order" SET "user" = $1, "group" = "group" + 1 WHERE "select" = $2 AND "group" = $3 RETURNING "group""#,
        ),
        (
            &Sqlite,
            r#"UPDATE "order" SET "user" = ?1, "group" = "group" + 1 WHERE "select" = ?2 AND "group" = ?3 RETURNING "group""#,
        ),
        (
            &MySql,
            "UPDATE `order` SET `user` = ?, `group` = `group` + 1 WHERE `select` = ? AND `group` = ?",
        ),
    ];
    for (dialect, sql) in expected {
        let order = OptimisticUpdate::builder(dialect, "order")
            .key_column("select")
            .version_column("group")
            .build()
            .unwrap();
        let update = order.update(["user"]).unwrap();
        let write = update.bind(Value::Int(1), 0, [Value::Text("'; DROP TABLE x; --".into())]);
        let write = write.unwrap();
        assert_eq!(write.statement().sql, sql, "{}", dialect.name());
        // The hostile text is a bind value, never SQL.
        assert!(!write.statement().sql.contains("DROP"));
        assert!(write.statement().params.contains(&Value::Text("'; DROP TABLE x; --".into())));
    }
}

/// Reserved words as table and column names, end to end on SQLite: the
/// quoted statements run, a hostile value is stored as text, and a keyset
/// page over them reads back.
#[cfg(feature = "rusqlite")]
#[test]
fn reserved_words_work_against_sqlite() {
    use routekit::adapter::rusqlite::{execute, fetch_page, write};
    use routekit::keyset::Position;
    let db = rusqlite::Connection::open_in_memory().unwrap();
    db.execute_batch(
        r#"CREATE TABLE "order" ("select" INTEGER PRIMARY KEY, "user" TEXT, "group" INTEGER NOT NULL)"#,
    )
    .unwrap();
    let order = OptimisticUpdate::builder(&Sqlite, "order")
        .key_column("select")
        .version_column("group")
        .build()
        .unwrap();
    let hostile = "'); DROP TABLE \"order\"; --";
    for id in 1..=3 {
        let insert = order.insert(["user"]).unwrap();
        execute(&db, &insert.bind(Value::Int(id), [Value::Text(hostile.into())]).unwrap()).unwrap();
    }
    let update = order.update(["user"]).unwrap();
    let version = write(&db, &update.bind(Value::Int(2), 0, [Value::Text("b".into())]).unwrap());
    assert_eq!(version.unwrap(), 1);

    let keyset = Keyset::builder(
        &Sqlite,
        "order",
        secret(),
        [SortKey::desc("group", KeyType::Int), SortKey::asc("select", KeyType::Int).unique()],
    )
    .columns(["select", "user"])
    .limit(2)
    .build()
    .unwrap();
    let first = fetch_page(&db, &keyset.query(Position::First).unwrap(), |row| {
        Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
    })
    .unwrap();
    assert_eq!(first.rows(), [(2, "b".to_owned()), (1, hostile.to_owned())]);
    let next = first.next_cursor().expect("a third row");
    let second =
        fetch_page(&db, &keyset.query(Position::After(next)).unwrap(), |row| row.get::<_, i64>(0))
            .unwrap();
    assert_eq!(second.rows(), [3]);
    let rows: i64 = db.query_row(r#"SELECT count(*) FROM "order""#, [], |r| r.get(0)).unwrap();
    assert_eq!(rows, 3, "the table is still there, with every row");
}
