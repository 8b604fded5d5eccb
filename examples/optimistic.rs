//! Two users edit the same document in a real SQLite database.
//!
//! Both read revision 3. Alice saves first and wins. Bob's save, based on
//! revision 3, changes nothing and comes back as a conflict carrying the
//! current revision; Bob re-reads, re-applies his edit on top of Alice's and
//! succeeds. Nothing is lost.
//!
//! ```sh
//! cargo run --features rusqlite --example optimistic
//! ```
//!
//! The SQL runs through `routekit::adapter::rusqlite`: `write` runs each
//! guarded write the way it returns rows and, when it changed nothing, the
//! version read that tells a conflict from a deleted row.

use std::error::Error;

use routekit::adapter::rusqlite::{execute, write};
use routekit::optimistic::{
    ETag, OptimisticUpdate, Precondition, Preconditions, RetryPolicy, WriteError,
};
use routekit::sql::{Sqlite, Value};
use rusqlite::Connection;

/// The document as a user holds it: body and the revision it was read at.
#[derive(Debug)]
struct Doc {
    body: String,
    revision: u64,
}

fn main() -> Result<(), Box<dyn Error>> {
    let dir = std::env::temp_dir().join(format!("routekit-optimistic-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("docs.db");
    let result = story(&path);
    std::fs::remove_dir_all(&dir)?;
    result
}

fn story(path: &std::path::Path) -> Result<(), Box<dyn Error>> {
    let db = Connection::open(path)?;
    println!("database: {} (SQLite {})", path.display(), rusqlite::version());
    db.execute_batch(
        "CREATE TABLE docs (id INTEGER PRIMARY KEY, body TEXT NOT NULL, \
         version BIGINT NOT NULL DEFAULT 0 CHECK (version >= 0))",
    )?;
    // The writes the service makes, checked and written once.
    let docs = OptimisticUpdate::new(&Sqlite, "docs")?;
    let create = docs.insert(["body"])?;
    let set_body = docs.update(["body"])?;

    // The document is created at revision 0 and edited up to revision 3.
    execute(&db, &create.bind(Value::Int(1), [text("Meeting notes")])?)?;
    for (revision, body) in
        [(0, "Meeting notes:"), (1, "Meeting notes: agenda"), (2, "Meeting notes: agenda, budget")]
    {
        let edit = set_body.bind(Value::Int(1), revision, [text(body)])?;
        write(&db, &edit)?;
    }

    // Two users open it.
    let alice = read(&db)?;
    let bob = read(&db)?;
    println!("alice reads revision {}: {:?}", alice.revision, alice.body);
    println!("bob   reads revision {}: {:?}", bob.revision, bob.body);

    // Alice saves first: her write expects revision 3 and finds it.
    let save = set_body.bind(
        Value::Int(1),
        alice.revision,
        [text(&format!("{}, actions", alice.body))],
    )?;
    println!("alice saves:  {}", save.statement().sql);
    let revision = write(&db, &save)?;
    println!("alice wins: the document is now at revision {revision}");

    // Bob saves the edit he based on revision 3. The write changes no row,
    // and the version read tells a conflict (revision 4) from a deleted
    // document. The retry re-runs Bob's whole read-modify-write: re-read,
    // re-apply his edit to what is there now, write with the version just read.
    let mut first_read = Some(bob);
    let saved =
        RetryPolicy::new().retry(|attempt| -> Result<u64, WriteError<rusqlite::Error>> {
            let base = match first_read.take() {
                Some(stale) => stale,
                None => {
                    let now = read(&db).map_err(WriteError::Database)?;
                    println!("bob re-reads revision {}: {:?}", now.revision, now.body);
                    now
                }
            };
            let body = format!("{}, lunch", base.body);
            let edit = set_body.bind(Value::Int(1), base.revision, [text(&body)])?;
            let outcome = write(&db, &edit);
            match &outcome {
                Ok(revision) => println!("bob, attempt {attempt}: saved as revision {revision}"),
                Err(e) => println!(
                    "bob, attempt {attempt}, based on revision {}: refused: {e}",
                    base.revision
                ),
            }
            outcome
        })?;
    println!("bob succeeds after {} attempts: revision {}", saved.attempts, saved.value);

    // Over HTTP the same check is If-Match: a save based on revision 3 of a
    // document now at revision 5 answers 412 Precondition Failed, and a save
    // that names no revision answers 428 Precondition Required.
    let current = ETag::from_version(saved.value);
    let stale = ETag::from_version(3).to_string();
    let answer = Preconditions::new("PUT").if_match(&stale).require().evaluate(Some(&current))?;
    assert_eq!(answer, Precondition::PreconditionFailed);
    println!(
        "over HTTP: PUT with If-Match: {stale} against ETag: {current} answers {:?}",
        answer.status()
    );
    let blind = Preconditions::new("PUT").require().evaluate(Some(&current))?;
    println!("over HTTP: PUT without If-Match answers {:?}", blind.status());

    let end = read(&db)?;
    println!("final revision {}: {:?}", end.revision, end.body);
    assert_eq!(
        (end.revision, end.body.as_str()),
        (5, "Meeting notes: agenda, budget, actions, lunch")
    );
    Ok(())
}

fn text(s: &str) -> Value {
    Value::Text(s.to_owned())
}

fn read(db: &Connection) -> Result<Doc, rusqlite::Error> {
    db.query_row("SELECT body, version FROM docs WHERE id = 1", [], |row| {
        let version: i64 = row.get(1)?;
        let revision = u64::try_from(version).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(1, rusqlite::types::Type::Integer, e.into())
        })?;
        Ok(Doc { body: row.get(0)?, revision })
    })
}
