//! Pages through a real SQLite table forwards and then backwards, printing
//! each page and its cursors.
//!
//! ```sh
//! cargo run --example keyset_sqlite                # 23 articles, 5 per page
//! cargo run --example keyset_sqlite -- 100 7       # 100 articles, 7 per page
//! ```
//!
//! The ordering is the one hand-written keyset queries get wrong: newest
//! first by a *nullable* publication time (drafts, with no time, last), then
//! by title, then by id ascending as the unique tie-breaker. Many articles
//! share a publication time and some share a title, so every key ties
//! somewhere. The walk checks itself against the plain `ORDER BY` of the whole
//! table, so a skipped or repeated row would stop it.

use std::error::Error;

use routekit::keyset::{CursorSecret, KeyType, Keyset, KeysetBuilder, Nulls, SortKey};
use routekit::sql::{Sqlite, Timestamp, Value};

/// One row of the select list: id, title, published_at (key columns in
/// select-list order).
#[derive(Clone, Debug, PartialEq)]
struct Article {
    id: i64,
    title: String,
    published_at: Option<Timestamp>,
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let count: i64 = args.next().map(|a| a.parse()).transpose()?.unwrap_or(23);
    let page_size: u32 = args.next().map(|a| a.parse()).transpose()?.unwrap_or(5);

    let db = rusqlite::Connection::open_in_memory()?;
    // SQLite has no timestamp type: nanoseconds since the epoch as an
    // integer sort correctly and keep full precision.
    db.execute_batch(
        "CREATE TABLE articles (id INTEGER PRIMARY KEY, title TEXT NOT NULL, published_at INTEGER);
         CREATE INDEX articles_feed ON articles (published_at DESC, title, id);",
    )?;
    for id in 1..=count {
        let published =
            (id % 4 != 0).then_some(1_700_000_000_000_000_000 + (id % 3) * 1_000_000_007);
        let title = format!("article {}", (id * 7) % 11);
        db.execute(
            "INSERT INTO articles VALUES (?1, ?2, ?3)",
            rusqlite::params![id, title, published],
        )?;
    }

    // In a service the secret is 16 random bytes from configuration, shared
    // by every instance that must accept the others' cursors.
    let mut feed = Keyset::builder();
    feed.dialect(&Sqlite)
        .secret(CursorSecret::new(*b"example secret!!"))
        .table("articles")
        .columns(["id", "title", "published_at"])
        .order_by(SortKey::desc("published_at", KeyType::Timestamp).nullable(Nulls::Last))
        .order_by(SortKey::asc("title", KeyType::Text))
        .order_by(SortKey::asc("id", KeyType::Int).unique())
        .limit(page_size);

    let mut everything = feed.clone();
    everything.limit(u32::MAX - 1);
    let expected = fetch(&db, &everything.build()?)?.into_rows();

    println!("forwards, {page_size} per page:");
    let forwards = walk(&db, &mut feed, false)?;
    assert_eq!(forwards, expected, "forward pages differ from the full ORDER BY");

    println!("\nbackwards from the last page:");
    feed.first_page();
    let backwards = walk(&db, &mut feed, true)?;
    assert_eq!(backwards, expected, "backward pages differ from the full ORDER BY");

    println!("\nboth directions returned all {} rows exactly once, in order", expected.len());

    // A client edits a cursor to jump elsewhere: refused before any SQL.
    let genuine =
        feed.build()?.cursor(&[Value::Null, Value::Text("article 3".into()), Value::Int(8)])?;
    let mut edited = genuine.into_bytes();
    let at = edited.len() - 3; // inside the authentication tag
    edited[at] = if edited[at] == b'A' { b'B' } else { b'A' };
    let edited = String::from_utf8(edited)?;
    println!("an edited cursor is refused: {}", feed.after(edited).build().unwrap_err());
    Ok(())
}

/// Follows the cursors from one end to the other, printing each page;
/// returns every row in the caller's order.
fn walk(
    db: &rusqlite::Connection,
    feed: &mut KeysetBuilder,
    backward: bool,
) -> Result<Vec<Article>, Box<dyn Error>> {
    if backward {
        feed.last_page();
    }
    let mut pages = Vec::new();
    loop {
        let page = fetch(db, &feed.build()?)?;
        println!("  page: {}", describe(page.rows()));
        println!("    previous: {}", page.previous_cursor().unwrap_or("-"));
        println!("    next:     {}", page.next_cursor().unwrap_or("-"));
        let link = if backward { page.previous_cursor() } else { page.next_cursor() };
        let link = link.map(str::to_owned);
        pages.push(page.into_rows());
        match link {
            Some(cursor) if backward => feed.before(cursor),
            Some(cursor) => feed.after(cursor),
            None => break,
        };
    }
    if backward {
        pages.reverse();
    }
    Ok(pages.concat())
}

/// Runs a page query and assembles its page.
fn fetch(
    db: &rusqlite::Connection,
    keyset: &Keyset,
) -> Result<routekit::keyset::Page<Article>, Box<dyn Error>> {
    let statement = keyset.statement();
    let params = statement.params.iter().map(to_sqlite);
    let mut query = db.prepare_cached(&statement.sql)?;
    let rows = query.query_map(rusqlite::params_from_iter(params), |row| {
        Ok(Article {
            id: row.get(0)?,
            title: row.get(1)?,
            published_at: row.get::<_, Option<i64>>(2)?.map(from_nanos),
        })
    })?;
    let rows = rows.collect::<Result<Vec<_>, _>>()?;
    Ok(keyset.page(rows, |a| {
        vec![
            a.published_at.map_or(Value::Null, Value::Timestamp),
            Value::Text(a.title.clone()),
            Value::Int(a.id),
        ]
    })?)
}

fn to_sqlite(value: &Value) -> rusqlite::types::Value {
    use rusqlite::types::Value as Sql;
    match value {
        Value::Int(n) => Sql::Integer(*n),
        Value::Text(text) => Sql::Text(text.clone()),
        Value::Timestamp(t) => Sql::Integer(t.seconds() * 1_000_000_000 + i64::from(t.nanos())),
        Value::Null => Sql::Null,
        other => unreachable!("this table has no {other:?} keys"),
    }
}

fn from_nanos(nanos: i64) -> Timestamp {
    let (seconds, nanos) = (nanos.div_euclid(1_000_000_000), nanos.rem_euclid(1_000_000_000));
    Timestamp::new(seconds, nanos as u32).expect("rem_euclid is below 10^9")
}

fn describe(rows: &[Article]) -> String {
    let items: Vec<String> = rows
        .iter()
        .map(|a| {
            let when = a
                .published_at
                .map_or("draft".to_owned(), |t| format!("{}.{:09}", t.seconds(), t.nanos()));
            format!("#{} ({}, {when})", a.id, a.title)
        })
        .collect();
    items.join(", ")
}
