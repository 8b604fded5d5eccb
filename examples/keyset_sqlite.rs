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

use routekit::keyset::{CursorSecret, KeyType, Keyset, Page, PageQuery, Position, SortKey};
use routekit::sql::{Nulls, Sqlite, Timestamp, Value};

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

    // The endpoint, checked once. In a service the secret is 16 random bytes
    // from configuration, shared by every instance that must accept the
    // others' cursors.
    let mut feed = Keyset::builder(
        &Sqlite,
        "articles",
        CursorSecret::new(*b"example secret!!"),
        [
            SortKey::desc("published_at", KeyType::Timestamp).nullable(Nulls::Last),
            SortKey::asc("title", KeyType::Text),
            SortKey::asc("id", KeyType::Int).unique(),
        ],
    );
    feed.columns(["id", "title", "published_at"]);
    let articles = feed.limit(page_size).build()?;
    let everything = feed.limit(u32::MAX - 1).build()?;
    let expected = fetch(&db, &everything.query(Position::First)?)?.into_rows();

    println!("forwards, {page_size} per page:");
    let forwards = walk(&db, &articles, false)?;
    assert_eq!(forwards, expected, "forward pages differ from the full ORDER BY");

    println!("\nbackwards from the last page:");
    let backwards = walk(&db, &articles, true)?;
    assert_eq!(backwards, expected, "backward pages differ from the full ORDER BY");

    println!("\nboth directions returned all {} rows exactly once, in order", expected.len());

    // A client edits a cursor to jump elsewhere: refused before any SQL.
    let genuine =
        articles.cursor(&[Value::Null, Value::Text("article 3".into()), Value::Int(8)])?;
    let mut edited = genuine.into_bytes();
    let at = edited.len() - 3; // inside the authentication tag
    edited[at] = if edited[at] == b'A' { b'B' } else { b'A' };
    let edited = String::from_utf8(edited)?;
    let refused = articles.query(Position::After(&edited)).unwrap_err();
    println!("an edited cursor is refused (400 Bad Request): {refused}");
    Ok(())
}

/// Follows the cursors from one end to the other, as a client follows the
/// links of each page, printing each page; returns every row in the
/// caller's order.
fn walk(
    db: &rusqlite::Connection,
    articles: &Keyset,
    backward: bool,
) -> Result<Vec<Article>, Box<dyn Error>> {
    let mut pages = Vec::new();
    let mut link: Option<String> = None;
    loop {
        let position = match (&link, backward) {
            (None, false) => Position::First,
            (None, true) => Position::Last,
            (Some(cursor), false) => Position::After(cursor),
            (Some(cursor), true) => Position::Before(cursor),
        };
        let page = fetch(db, &articles.query(position)?)?;
        println!("  page: {}", describe(page.rows()));
        println!("    previous: {}", page.previous_cursor().unwrap_or("-"));
        println!("    next:     {}", page.next_cursor().unwrap_or("-"));
        let next = if backward { page.previous_cursor() } else { page.next_cursor() };
        link = next.map(str::to_owned);
        pages.push(page.into_rows());
        if link.is_none() {
            break;
        }
    }
    if backward {
        pages.reverse();
    }
    Ok(pages.concat())
}

/// Runs a page query and assembles its page.
fn fetch(
    db: &rusqlite::Connection,
    query: &PageQuery<'_>,
) -> Result<Page<Article>, Box<dyn Error>> {
    let statement = query.statement();
    let params = statement.params.iter().map(to_sqlite).collect::<Result<Vec<_>, _>>()?;
    let mut prepared = db.prepare_cached(&statement.sql)?;
    let rows = prepared.query_map(rusqlite::params_from_iter(params), |row| {
        Ok(Article {
            id: row.get(0)?,
            title: row.get(1)?,
            published_at: row.get::<_, Option<i64>>(2)?.map(from_nanos),
        })
    })?;
    let rows = rows.collect::<Result<Vec<_>, _>>()?;
    Ok(query.page(rows, |a| {
        vec![
            a.published_at.map_or(Value::Null, Value::Timestamp),
            Value::Text(a.title.clone()),
            Value::Int(a.id),
        ]
    })?)
}

/// A bind value as rusqlite's, with timestamps as this table stores them
/// (integer nanoseconds); a type the table has no column for is refused.
fn to_sqlite(value: &Value) -> Result<rusqlite::types::Value, String> {
    use rusqlite::types::Value as Sql;
    Ok(match value {
        Value::Null => Sql::Null,
        Value::Int(n) => Sql::Integer(*n),
        Value::Text(text) => Sql::Text(text.clone()),
        Value::Timestamp(t) => Sql::Integer(
            t.seconds()
                .checked_mul(1_000_000_000)
                .and_then(|ns| ns.checked_add(i64::from(t.nanos())))
                .ok_or(format!("{t:?} is outside the nanoseconds this table stores"))?,
        ),
        other => return Err(format!("the articles table has no column for {other:?}")),
    })
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
