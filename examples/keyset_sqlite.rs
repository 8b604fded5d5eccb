//! Pages through a real SQLite table forwards and then backwards, printing
//! each page and its cursors.
//!
//! ```sh
//! cargo run --features rusqlite --example keyset_sqlite            # 23 articles, 5 per page
//! cargo run --features rusqlite --example keyset_sqlite -- 100 7   # 100 articles, 7 per page
//! ```
//!
//! Rows are fetched through `routekit::adapter::rusqlite`: it binds the
//! cursor values, reads the sort keys back and builds the page, so the
//! example holds no value mapping of its own.
//!
//! The ordering is the one hand-written keyset queries get wrong: newest
//! first by a *nullable* publication time (drafts, with no time, last), then
//! by title, then by id ascending as the unique tie-breaker. Many articles
//! share a publication time and some share a title, so every key ties
//! somewhere. The walk checks itself against the plain `ORDER BY` of the whole
//! table, so a skipped or repeated row would stop it.

use std::error::Error;

use routekit::adapter::rusqlite::{execute, fetch_page, key_values};
use routekit::keyset::{CursorSecret, KeyType, Keyset, Page, PageQuery, Position, SortKey};
use routekit::sql::{Nulls, Sqlite, Statement, Timestamp, Value};

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
    // SQLite has no timestamp type: the adapter stores a timestamp as
    // integer nanoseconds since the epoch, which sort correctly and keep full
    // precision.
    db.execute_batch(
        "CREATE TABLE articles (id INTEGER PRIMARY KEY, title TEXT NOT NULL, published_at INTEGER);
         CREATE INDEX articles_feed ON articles (published_at DESC, title, id);",
    )?;
    for id in 1..=count {
        let published = match id % 4 {
            0 => Value::Null,
            _ => Value::Timestamp(Timestamp::new(1_700_000_000 + id % 3, (id % 3 * 7) as u32)?),
        };
        let title = Value::Text(format!("article {}", (id * 7) % 11));
        let insert = Statement {
            sql: "INSERT INTO articles VALUES (?1, ?2, ?3)".into(),
            params: vec![Value::Int(id), title, published],
        };
        execute(&db, &insert)?;
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

/// Runs a page query through the adapter, which binds the cursor values,
/// reads the sort keys back for the cursors and builds the page.
fn fetch(
    db: &rusqlite::Connection,
    query: &PageQuery<'_>,
) -> Result<Page<Article>, Box<dyn Error>> {
    Ok(fetch_page(db, query, |row| {
        Ok(Article {
            id: row.get(0)?,
            title: row.get(1)?,
            // The key columns in the adapter's own reading: a timestamp or NULL.
            published_at: match key_values(query.keyset(), row) {
                Ok(keys) => match keys.first() {
                    Some(Value::Timestamp(t)) => Some(*t),
                    _ => None,
                },
                Err(e) => {
                    let column_type = rusqlite::types::Type::Integer;
                    return Err(rusqlite::Error::FromSqlConversionFailure(
                        2,
                        column_type,
                        e.into(),
                    ));
                }
            },
        })
    })?)
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
