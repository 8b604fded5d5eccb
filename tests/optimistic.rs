//! `optimistic` without a database: VersionedCell under real threads and
//! against a model, RetryPolicy's schedule, the exact SQL text per dialect
//! and the outcome checks of OptimisticUpdate, and ETag / Preconditions
//! against RFC 9110. The database half is in `optimistic_db.rs`.

use std::sync::{Arc, Barrier};
use std::time::Duration;

use proptest::prelude::*;
use routekit::optimistic::{
    ETag, ETagError, ETagList, GaveUp, IsConflict, OptimisticError, OptimisticUpdate, Precondition,
    Preconditions, RetryError, RetryPolicy, SchemaError, Versioned, VersionedCell, WriteError,
};
use routekit::sql::{Dialect, MySql, Postgres, Sqlite, Statement, Value};

/// Proptest cases: `default`, or `PROPTEST_CASES` for a longer run.
fn config(default: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok());
    ProptestConfig::with_cases(cases.unwrap_or(default))
}

/// A compare-and-set's outcome as plain data: the new version, or the
/// (expected, current) versions of a conflict.
fn cas(result: Result<u64, OptimisticError>) -> Result<u64, (u64, u64)> {
    result.map_err(|e| match e {
        OptimisticError::Conflict { expected, current, .. } => (expected, current),
        other => panic!("not a conflict: {other}"),
    })
}

// ---------------------------------------------------------------- threads

#[test]
fn eight_threads_times_ten_thousand_updates_lose_nothing() {
    const THREADS: u64 = 8;
    const UPDATES: u64 = 10_000;
    let cell = Arc::new(VersionedCell::new(0u64));
    // Immediate retries: a conflict means another thread has just written.
    let policy = RetryPolicy::immediate(1_000_000).unwrap();
    let start = Arc::new(Barrier::new(THREADS as usize));
    let workers: Vec<_> = (0..THREADS)
        .map(|_| {
            let (cell, start) = (Arc::clone(&cell), Arc::clone(&start));
            std::thread::spawn(move || {
                start.wait(); // all threads run at once, not one after another
                let mut attempts = 0u64;
                for _ in 0..UPDATES {
                    let done = cell.update(&policy, |n| n + 1).expect("update gave up");
                    attempts += u64::from(done.attempts);
                }
                attempts
            })
        })
        .collect();
    let attempts: u64 = workers.into_iter().map(|w| w.join().unwrap()).sum();
    let end = cell.load();
    assert_eq!(end, Versioned::new(THREADS * UPDATES, THREADS * UPDATES));
    println!(
        "8 x 10,000 updates: {} attempts, {} conflicts retried",
        attempts,
        attempts - THREADS * UPDATES
    );
}

#[test]
fn conflicts_between_threads_are_retried_without_loss() {
    // The closure yields between its read and its write, so other threads
    // write in between and the retry path runs under real interleavings.
    const THREADS: u64 = 4;
    const UPDATES: u64 = 2_000;
    let cell = Arc::new(VersionedCell::new(0u64));
    let start = Arc::new(Barrier::new(THREADS as usize));
    let workers: Vec<_> = (0..THREADS)
        .map(|_| {
            let (cell, start) = (Arc::clone(&cell), Arc::clone(&start));
            std::thread::spawn(move || {
                start.wait();
                let policy = RetryPolicy::immediate(1_000_000).unwrap();
                (0..UPDATES)
                    .map(|_| {
                        let done = cell.update(&policy, |n| {
                            std::thread::yield_now();
                            n + 1
                        });
                        u64::from(done.expect("update gave up").attempts)
                    })
                    .sum::<u64>()
            })
        })
        .collect();
    let attempts: u64 = workers.into_iter().map(|w| w.join().unwrap()).sum();
    assert_eq!(cell.load(), Versioned::new(THREADS * UPDATES, THREADS * UPDATES));
    println!("4 x 2,000 yielding updates: {} conflicts retried", attempts - THREADS * UPDATES);
}

#[test]
fn of_two_writers_on_one_read_exactly_one_wins() {
    let cell = Arc::new(VersionedCell::new(String::from("rev 0")));
    let barrier = Arc::new(Barrier::new(2));
    let writers: Vec<_> = ["alice", "bob"]
        .into_iter()
        .map(|name| {
            let (cell, barrier) = (Arc::clone(&cell), Arc::clone(&barrier));
            std::thread::spawn(move || {
                let read = cell.load();
                barrier.wait(); // both have read version 0 before either writes
                cell.compare_and_set(read.version, format!("{} by {name}", read.value))
            })
        })
        .collect();
    let results: Vec<_> = writers.into_iter().map(|w| w.join().unwrap()).collect();
    let results: Vec<_> = results.into_iter().map(cas).collect();
    assert_eq!(results.iter().filter(|r| **r == Ok(1)).count(), 1, "{results:?}");
    assert!(results.contains(&Err((0, 1))), "{results:?}");
    assert_eq!(cell.version(), 1);
}

#[test]
fn update_re_runs_the_closure_on_a_fresh_read() {
    let cell = VersionedCell::new(10);
    let mut seen = Vec::new();
    let done = cell
        .update(&RetryPolicy::immediate(5).unwrap(), |n| {
            seen.push(*n);
            if seen.len() == 1 {
                // Another client writes between this attempt's read and its write.
                cell.compare_and_set(0, 100).unwrap();
            }
            n + 1
        })
        .unwrap();
    assert_eq!(seen, [10, 100], "the retry must see the other client's write");
    assert_eq!((done.value, done.attempts), (2, 2));
    assert_eq!(cell.load(), Versioned::new(101, 2));
}

#[derive(Clone, Debug)]
enum Op {
    /// Client `c` takes a snapshot.
    Read(usize),
    /// Client `c` writes `value` based on its last snapshot (version 0 if none).
    WriteFromSnapshot(usize, u32),
    /// A write based on an arbitrary version near the current one.
    WriteAt(u64, u32),
    /// A retried increment.
    Add(u32),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..3usize).prop_map(Op::Read),
        (0..3usize, any::<u32>()).prop_map(|(c, v)| Op::WriteFromSnapshot(c, v)),
        (0..40u64, any::<u32>()).prop_map(|(at, v)| Op::WriteAt(at, v)),
        (0..1000u32).prop_map(Op::Add),
    ]
}

proptest! {
    #![proptest_config(config(256))]

    /// Three clients interleave reads and compare-and-sets; the cell answers
    /// exactly as a plain (value, version) model says it must.
    #[test]
    fn cell_matches_the_model(ops in prop::collection::vec(op(), 1..60)) {
        let cell = VersionedCell::new(0u64);
        let mut model = Versioned::new(0u64, 0);
        let mut snapshots: [Option<Versioned<u64>>; 3] = [None; 3];
        let model_cas = |model: &mut Versioned<u64>, expected: u64, value: u64| {
            if expected == model.version {
                *model = Versioned::new(value, model.version + 1);
                Ok(model.version)
            } else {
                Err((expected, model.version))
            }
        };
        let once = RetryPolicy::immediate(1).unwrap();
        for op in ops {
            match op {
                Op::Read(c) => {
                    let snapshot = cell.load();
                    prop_assert_eq!(snapshot, model);
                    snapshots[c] = Some(snapshot);
                }
                Op::WriteFromSnapshot(c, value) => {
                    let expected = snapshots[c].map_or(0, |s| s.version);
                    let want = model_cas(&mut model, expected, u64::from(value));
                    prop_assert_eq!(cas(cell.compare_and_set(expected, u64::from(value))), want);
                }
                Op::WriteAt(at, value) => {
                    let want = model_cas(&mut model, at, u64::from(value));
                    prop_assert_eq!(cas(cell.compare_and_set(at, u64::from(value))), want);
                }
                Op::Add(delta) => {
                    let done = cell.update(&once, |n| n + u64::from(delta));
                    model = Versioned::new(model.value + u64::from(delta), model.version + 1);
                    prop_assert_eq!(done.map(|d| d.value), Ok(model.version));
                }
            }
            prop_assert_eq!(cell.load(), model);
        }
    }
}

// ------------------------------------------------------------------ retry

/// An error whose conflict-ness the test chooses.
#[derive(Clone, Debug, PartialEq)]
enum Outcome {
    Conflict,
    Fatal,
}

impl IsConflict for Outcome {
    fn is_conflict(&self) -> bool {
        *self == Outcome::Conflict
    }
}

#[test]
fn only_conflicts_are_retried_and_attempts_are_counted() {
    let mut calls = 0;
    let err = RetryPolicy::immediate(4)
        .unwrap()
        .retry(|attempt| {
            calls += 1;
            assert_eq!(attempt, calls);
            Err::<(), _>(Outcome::Conflict)
        })
        .unwrap_err();
    assert_eq!((calls, err.attempts()), (4, 4));
    assert!(matches!(err, RetryError::Exhausted { last: Outcome::Conflict, .. }));

    let mut calls = 0;
    let err = RetryPolicy::immediate(4)
        .unwrap()
        .retry(|_| {
            calls += 1;
            Err::<(), _>(if calls < 2 { Outcome::Conflict } else { Outcome::Fatal })
        })
        .unwrap_err();
    assert!(matches!(err, RetryError::Failed { error: Outcome::Fatal, attempts: 2, .. }));
}

#[test]
fn zero_attempts_are_refused_however_the_policy_is_made() {
    assert_eq!(
        RetryPolicy::immediate(0).unwrap_err(),
        routekit::optimistic::PolicyError::ZeroAttempts
    );
    assert_eq!(
        RetryPolicy::builder().max_attempts(0).build().unwrap_err(),
        routekit::optimistic::PolicyError::ZeroAttempts
    );
    assert_eq!(RetryPolicy::immediate(1).unwrap().max_attempts(), 1);
}

#[test]
fn the_deadline_stops_retries_before_the_attempt_bound() {
    let policy = RetryPolicy::builder()
        .max_attempts(1_000)
        .initial_backoff(Duration::from_millis(20))
        .max_backoff(Duration::from_millis(20))
        .jitter(0.0)
        .deadline(Duration::from_millis(50))
        .build()
        .unwrap();
    let err = policy.retry(|_| Err::<(), _>(Outcome::Conflict)).unwrap_err();
    // Waits are 20 ms each, so at most 3 attempts fit in 50 ms (fewer on a
    // busy machine); never the 1,000 the bound allows.
    assert!(matches!(err, RetryError::Deadline { attempts: 1..=3, .. }), "{err:?}");
}

#[test]
fn waits_grow_exponentially_up_to_the_cap() {
    let policy = RetryPolicy::builder()
        .max_attempts(7)
        .initial_backoff(Duration::from_millis(3))
        .multiplier(3.0)
        .max_backoff(Duration::from_millis(100))
        .jitter(0.0)
        .build()
        .unwrap();
    let mut backoff = policy.start();
    let waits: Vec<u64> =
        std::iter::from_fn(|| backoff.next_delay().ok()).map(|d| d.as_millis() as u64).collect();
    assert_eq!(waits, [3, 9, 27, 81, 100, 100]);
    assert!(matches!(backoff.next_delay(), Err(GaveUp::Exhausted { attempts: 7, .. })));

    // A zero initial wait stays zero however many doublings follow.
    let policy = RetryPolicy::builder()
        .max_attempts(5_000)
        .initial_backoff(Duration::ZERO)
        .max_backoff(Duration::from_millis(100))
        .build()
        .unwrap();
    let mut backoff = policy.start();
    assert!(std::iter::from_fn(|| backoff.next_delay().ok()).all(|wait| wait.is_zero()));
}

#[test]
fn jitter_stays_in_bounds_and_follows_the_seed() {
    let seeded = |seed| {
        RetryPolicy::builder()
            .max_attempts(8)
            .initial_backoff(Duration::from_millis(10))
            .max_backoff(Duration::from_millis(200))
            .jitter(0.5)
            .seed(seed)
            .build()
            .unwrap()
    };
    let waits = |policy: &RetryPolicy| {
        let mut backoff = policy.start();
        std::iter::from_fn(move || backoff.next_delay().ok()).collect::<Vec<_>>()
    };
    let a = waits(&seeded(1));
    assert_eq!(a, waits(&seeded(1)), "same seed, same waits");
    assert_ne!(a, waits(&seeded(2)), "another seed, other waits");
    for (k, wait) in a.iter().enumerate() {
        let scheduled = Duration::from_millis((10u64 << k).min(200));
        assert!(*wait <= scheduled && *wait >= scheduled / 2, "wait {k}: {wait:?}");
    }
    // Unseeded loops draw their own seeds.
    let unseeded = RetryPolicy::builder().max_attempts(8).build().unwrap();
    assert_ne!(waits(&unseeded), waits(&unseeded));
}

#[test]
fn full_jitter_is_uniform_on_average() {
    // 10,000 full-jitter waits of a 1 ms schedule are uniform on [0, 1 ms]:
    // mean 0.5 ms, standard deviation of the mean (1 ms / √12) / √10,000
    // ≈ 2.9 µs. The bound 15 µs is over 5 standard deviations; the seed is
    // fixed, so the outcome never changes.
    let policy = RetryPolicy::builder()
        .max_attempts(10_001)
        .initial_backoff(Duration::from_millis(1))
        .max_backoff(Duration::from_millis(1))
        .seed(0x5eed)
        .build()
        .unwrap();
    let mut backoff = policy.start();
    let waits: Vec<Duration> = std::iter::from_fn(|| backoff.next_delay().ok()).collect();
    assert_eq!(waits.len(), 10_000);
    let mean_ns = waits.iter().map(|w| w.as_nanos()).sum::<u128>() as f64 / 10_000.0;
    assert!((mean_ns - 500_000.0).abs() < 15_000.0, "mean {mean_ns} ns");
}

#[test]
fn policy_knobs_are_checked() {
    let b = RetryPolicy::builder;
    assert!(b().max_attempts(0).build().unwrap_err().to_string().contains("at least 1"));
    assert!(b().multiplier(f64::INFINITY).build().unwrap_err().to_string().contains("inf"));
    assert!(b().jitter(-0.1).build().unwrap_err().to_string().contains("-0.1"));
    let err = b().initial_backoff(Duration::from_secs(2)).build().unwrap_err();
    assert!(err.to_string().contains("2s") && err.to_string().contains("100ms"), "{err}");
}

// -------------------------------------------------------------------- SQL

fn text(s: &str) -> Value {
    Value::Text(s.to_owned())
}

/// The exact SQL of every statement in every dialect.
#[test]
fn sql_text_per_dialect() {
    type Case = (&'static dyn Dialect, [&'static str; 4]);
    let cases: [Case; 3] = [
        (
            &Postgres,
            [
                r#"UPDATE "app"."docs" SET "title" = $1, "body" = $2, "version" = "version" + 1 WHERE "id" = $3 AND "version" = $4 RETURNING "version""#,
                r#"DELETE FROM "app"."docs" WHERE "id" = $1 AND "version" = $2 RETURNING "version""#,
                r#"INSERT INTO "app"."docs" ("id", "title", "body", "version") VALUES ($1, $2, $3, 0)"#,
                r#"SELECT "version" FROM "app"."docs" WHERE "id" = $1 FOR UPDATE"#,
            ],
        ),
        (
            &Sqlite,
            [
                r#"UPDATE "app"."docs" SET "title" = ?1, "body" = ?2, "version" = "version" + 1 WHERE "id" = ?3 AND "version" = ?4 RETURNING "version""#,
                r#"DELETE FROM "app"."docs" WHERE "id" = ?1 AND "version" = ?2 RETURNING "version""#,
                r#"INSERT INTO "app"."docs" ("id", "title", "body", "version") VALUES (?1, ?2, ?3, 0)"#,
                r#"SELECT "version" FROM "app"."docs" WHERE "id" = ?1"#,
            ],
        ),
        (
            &MySql,
            [
                "UPDATE `app`.`docs` SET `title` = ?, `body` = ?, `version` = `version` + 1 WHERE `id` = ? AND `version` = ?",
                "DELETE FROM `app`.`docs` WHERE `id` = ? AND `version` = ?",
                "INSERT INTO `app`.`docs` (`id`, `title`, `body`, `version`) VALUES (?, ?, ?, 0)",
                "SELECT `version` FROM `app`.`docs` WHERE `id` = ? FOR UPDATE",
            ],
        ),
    ];
    for (dialect, [update, delete, insert, read]) in cases {
        let name = dialect.name();
        let docs = OptimisticUpdate::new(dialect, "app.docs").unwrap();
        let set = || [text("t"), text("b")];

        let prepared = docs.update(["title", "body"]).unwrap();
        let write = prepared.bind(Value::Int(7), 3, set()).unwrap();
        assert_eq!(write.statement().sql, update, "update in {name}");
        assert_eq!(write.statement().params, [text("t"), text("b"), Value::Int(7), Value::Int(3)]);
        assert_eq!(write.returns_version(), dialect.supports_returning(), "{name}");
        assert_eq!(write.version_read().sql, read, "{name}");

        let write = docs.delete(Value::Int(7), 3).unwrap();
        assert_eq!(write.statement().sql, delete, "delete in {name}");
        assert_eq!(write.statement().params, [Value::Int(7), Value::Int(3)]);

        let statement = docs.insert(["title", "body"]).unwrap().bind(Value::Int(7), set()).unwrap();
        assert_eq!(statement.sql, insert, "insert in {name}");
        assert_eq!(statement.params, [Value::Int(7), text("t"), text("b")]);

        assert_eq!(docs.version_read(Value::Int(7)).sql, read, "read in {name}");
    }
}

#[test]
fn versions_outside_bigint_are_refused() {
    let docs = OptimisticUpdate::new(&Postgres, "docs").unwrap();
    let touch = docs.update([]).unwrap();
    let max = i64::MAX as u64;
    assert!(touch.bind(Value::Int(1), max - 1, []).is_ok());
    assert!(matches!(
        touch.bind(Value::Int(1), max, []),
        Err(OptimisticError::VersionOverflow { version, max: m, .. }) if version == max && m == max
    ));
    assert!(matches!(
        touch.bind(Value::Int(1), max + 1, []),
        Err(OptimisticError::VersionOutOfRange { version, .. }) if version == max + 1
    ));
    assert!(docs.delete(Value::Int(1), max).is_ok());
    assert!(matches!(
        docs.delete(Value::Int(1), u64::MAX),
        Err(OptimisticError::VersionOutOfRange { version: u64::MAX, .. })
    ));
}

#[test]
fn bad_names_are_mistakes_found_when_prepared() {
    let docs = OptimisticUpdate::new(&Sqlite, "docs").unwrap();
    assert!(matches!(docs.update(["a b"]).unwrap_err(), SchemaError::InvalidIdentifier(_)));
    assert!(matches!(
        docs.update(["version"]).unwrap_err(),
        SchemaError::ReservedColumn { role: "version", .. }
    ));
    assert!(matches!(
        docs.insert(["id"]).unwrap_err(),
        SchemaError::ReservedColumn { role: "key", .. }
    ));
    assert!(matches!(docs.update(["a", "a"]).unwrap_err(), SchemaError::DuplicateColumn { .. }));
    let build = |key: &str, version: &str| {
        OptimisticUpdate::builder(&Sqlite, "docs").key_column(key).version_column(version).build()
    };
    assert!(matches!(build("1d", "version"), Err(SchemaError::InvalidIdentifier(_))));
    assert!(matches!(build("id", ""), Err(SchemaError::InvalidIdentifier(_))));
    assert!(matches!(build("v", "v"), Err(SchemaError::KeyIsVersion { .. })));
    assert!(matches!(
        OptimisticUpdate::new(&Sqlite, "docs; --"),
        Err(SchemaError::InvalidIdentifier(_))
    ));
}

#[test]
fn a_null_key_is_refused_when_bound() {
    let docs = OptimisticUpdate::new(&Sqlite, "docs").unwrap();
    let null_key = |result: Result<(), OptimisticError>| result == Err(OptimisticError::NullKey);
    assert!(null_key(docs.update([]).unwrap().bind(Value::Null, 0, []).map(drop)));
    assert!(null_key(docs.delete(Value::Null, 0).map(drop)));
    assert!(null_key(docs.insert([]).unwrap().bind(Value::Null, []).map(drop)));
}

#[test]
fn check_tells_the_outcomes_apart() {
    let docs = OptimisticUpdate::new(&Sqlite, "docs").unwrap();
    let touch = docs.update([]).unwrap();
    let update = touch.bind(Value::Int(1), 4, []).unwrap();
    let delete = docs.delete(Value::Int(1), 4).unwrap();
    let never = |_: &Statement| -> Result<Option<i64>, ()> { panic!("no read needed") };
    assert_eq!(update.check(1, never).unwrap(), 5);
    assert_eq!(delete.check(1, never).unwrap(), 4);
    let outcome = |rows, found| match update.check(rows, |_| Ok::<_, ()>(found)) {
        Err(WriteError::Version(e)) => e,
        other => panic!("unexpected {other:?}"),
    };
    assert!(matches!(
        outcome(0, Some(6)),
        OptimisticError::Conflict { expected: 4, current: 6, .. }
    ));
    assert_eq!(outcome(0, None), OptimisticError::NotFound);
    assert!(matches!(outcome(0, Some(-1)), OptimisticError::NegativeVersion { found: -1, .. }));
    assert!(matches!(outcome(2, None), OptimisticError::AmbiguousKey { rows: 2, .. }));
    assert!(matches!(update.check(0, |_| Err("down")), Err(WriteError::Database("down"))));
}

// ------------------------------------------------------------------- ETag

fn tag(text: &str) -> ETag {
    text.parse().unwrap()
}

#[test]
fn rfc_9110_comparison_table() {
    // RFC 9110 §8.8.3.2, the example table: (tag 1, tag 2, strong, weak).
    let table = [
        (r#"W/"1""#, r#"W/"1""#, false, true),
        (r#"W/"1""#, r#"W/"2""#, false, false),
        (r#"W/"1""#, r#""1""#, false, true),
        (r#""1""#, r#""1""#, true, true),
    ];
    for (a, b, strong, weak) in table {
        for (x, y) in [(tag(a), tag(b)), (tag(b), tag(a))] {
            assert_eq!(x.strong_eq(&y), strong, "{x} vs {y}, strong");
            assert_eq!(x.weak_eq(&y), weak, "{x} vs {y}, weak");
        }
    }
}

#[test]
fn well_formed_headers_parse() {
    let s = |t: &str| ETag::strong(t).unwrap();
    let w = |t: &str| ETag::weak(t).unwrap();
    let cases: [(&str, ETagList); 8] = [
        (r#""xyzzy""#, ETagList::Tags(vec![s("xyzzy")])),
        (r#"W/"xyzzy""#, ETagList::Tags(vec![w("xyzzy")])),
        (
            r#""xyzzy", "r2d2xxxx", "c3piozzzz""#,
            ETagList::Tags(vec![s("xyzzy"), s("r2d2xxxx"), s("c3piozzzz")]),
        ),
        (r#"W/"xyzzy", W/"r2d2xxxx""#, ETagList::Tags(vec![w("xyzzy"), w("r2d2xxxx")])),
        ("*", ETagList::Any),
        (" \t* ", ETagList::Any),
        (r#" ,, "a" ,	W/"" ,"#, ETagList::Tags(vec![s("a"), w("")])),
        (r#""ünï!#~""#, ETagList::Tags(vec![s("ünï!#~")])),
    ];
    for (header, want) in cases {
        assert_eq!(ETagList::parse(header), Ok(want), "{header}");
    }
    assert_eq!(ETagList::parse("  "), Ok(ETagList::Tags(vec![])));
}

/// An ETag error as plain data: its kind, the offending text and the
/// character refused.
fn etag_error(e: &ETagError) -> (&'static str, &str, Option<char>) {
    match e {
        ETagError::NotAnEntityTag { found, .. } => ("not a tag", found, None),
        ETagError::Unterminated { found, .. } => ("unterminated", found, None),
        ETagError::InvalidCharacter { found, character, .. } => {
            ("character", found, Some(*character))
        }
        ETagError::MissingComma { found, .. } => ("comma", found, None),
        ETagError::NotOneEntityTag { found, .. } => ("not one", found, None),
        ETagError::WildcardInList => ("wildcard", "*", None),
        other => panic!("an error this test does not know: {other}"),
    }
}

#[test]
fn malformed_headers_are_rejected_with_the_offending_text() {
    let not_tag = |found| ("not a tag", found, None);
    let wildcard = ("wildcard", "*", None);
    let cases = [
        ("xyzzy", not_tag("xyzzy")),
        (r#"w/"x""#, not_tag(r#"w/"x""#)),
        (r#"W/ "x""#, not_tag(r#"W/ "x""#)),
        ("W/", not_tag("W/")),
        (r#""a", b"#, not_tag("b")),
        (r#"'a'"#, not_tag("'a'")),
        (r#""x"#, ("unterminated", r#""x"#, None)),
        (r#"W/"x"y"#, ("comma", "y", None)),
        (r#"W/"x, "y"#, ("character", r#"W/"x, ""#, Some(' '))),
        (r#""a" "b""#, ("comma", r#""b""#, None)),
        (r#""x"y"#, ("comma", "y", None)),
        (r#""a b""#, ("character", r#""a b""#, Some(' '))),
        ("\"a\u{1}\"", ("character", "\"a\u{1}\"", Some('\u{1}'))),
        ("\"a\x7f\"", ("character", "\"a\x7f\"", Some('\x7f'))),
        (r#"*, "a""#, wildcard),
        (r#""a", *"#, wildcard),
        ("*, *", wildcard),
    ];
    for (header, want) in cases {
        let err = ETagList::parse(header).unwrap_err();
        assert_eq!(etag_error(&err), want, "{header}");
        // Every message starts with the offending text.
        assert!(err.to_string().starts_with(want.1), "{err}");
    }
    // A single ETag header holds exactly one entity-tag, never `*`.
    assert!(matches!("*".parse::<ETag>(), Err(ETagError::NotAnEntityTag { .. })));
    assert!(matches!(r#""a", "b""#.parse::<ETag>(), Err(ETagError::NotOneEntityTag { .. })));
    assert!(matches!("".parse::<ETag>(), Err(ETagError::NotAnEntityTag { .. })));
    assert!(matches!(r#", "a""#.parse::<ETag>(), Err(ETagError::NotAnEntityTag { .. })));
    assert!(matches!(r#""a","#.parse::<ETag>(), Err(ETagError::NotOneEntityTag { .. })));
    assert!(matches!(
        ETag::strong("a\"b"),
        Err(ETagError::InvalidCharacter { character: '"', .. })
    ));
}

#[test]
fn preconditions_follow_rfc_9110_section_13_2_2() {
    use Precondition::*;
    let v3 = ETag::from_version(3);
    let v4 = ETag::from_version(4);
    let weak_v3 = ETag::weak("v3").unwrap();
    // (method, If-Match lines, If-None-Match lines, required, current, answer)
    type Case<'a> = (&'a str, &'a [&'a str], &'a [&'a str], bool, Option<&'a ETag>, Precondition);
    let cases: &[Case<'_>] = &[
        ("PUT", &[], &[], false, Some(&v3), Proceed),
        ("PUT", &[], &[], true, Some(&v3), PreconditionRequired),
        ("PUT", &[], &[], true, None, PreconditionRequired),
        ("PUT", &[], &[""], true, Some(&v3), PreconditionRequired), // names no tag
        ("PUT", &[""], &[], true, Some(&v3), PreconditionFailed), // If-Match with no tag: none matches
        // If-Match: strong comparison; `*` needs a current representation.
        ("PUT", &[r#""v3""#], &[], true, Some(&v3), Proceed),
        ("PUT", &[r#""v3""#], &[], true, Some(&v4), PreconditionFailed),
        ("PUT", &[r#"W/"v3""#], &[], true, Some(&v3), PreconditionFailed),
        ("PUT", &[r#""v3""#], &[], true, Some(&weak_v3), PreconditionFailed),
        ("PUT", &[r#""v3""#], &[], true, None, PreconditionFailed),
        ("PUT", &["*"], &[], true, Some(&v4), Proceed),
        ("PUT", &["*"], &[], true, None, PreconditionFailed),
        ("DELETE", &[r#""v1", "v4""#], &[], true, Some(&v4), Proceed),
        ("PATCH", &[r#""v1""#, r#""v4""#], &[], false, Some(&v4), Proceed), // two field lines
        // If-None-Match: weak comparison; 304 for GET and HEAD, 412 otherwise.
        ("GET", &[], &[r#""v3""#], false, Some(&v3), NotModified),
        ("HEAD", &[], &[r#""v3""#], false, Some(&v3), NotModified),
        ("GET", &[], &[r#"W/"v3""#], false, Some(&v3), NotModified),
        ("GET", &[], &[r#""v3""#], false, Some(&weak_v3), NotModified),
        ("GET", &[], &[r#""v3""#], false, Some(&v4), Proceed),
        ("PUT", &[], &[r#""v3""#], true, Some(&v3), PreconditionFailed),
        ("POST", &[], &[r#""v3""#], false, Some(&v3), PreconditionFailed),
        ("get", &[], &[r#""v3""#], false, Some(&v3), PreconditionFailed), // methods are case-sensitive
        ("GET", &[], &["*"], false, Some(&v3), NotModified),
        ("PUT", &[], &["*"], true, Some(&v3), PreconditionFailed),
        ("PUT", &[], &["*"], true, None, Proceed),
        ("GET", &[], &[r#""v3""#], false, None, Proceed),
        // Both: If-Match first; when it holds, If-None-Match still decides.
        ("GET", &[r#""v3""#], &[r#""v3""#], false, Some(&v3), NotModified),
        ("PUT", &[r#""v3""#], &[r#""v3""#], true, Some(&v3), PreconditionFailed),
        ("PUT", &[r#""v3""#], &[r#""v9""#], true, Some(&v3), Proceed),
        ("GET", &[r#""v4""#], &[r#""v3""#], false, Some(&v3), PreconditionFailed),
    ];
    for &(method, if_match, if_none_match, required, current, want) in cases {
        let mut request = Preconditions::new(method);
        for line in if_match {
            request.if_match(line);
        }
        for line in if_none_match {
            request.if_none_match(line);
        }
        if required {
            request.require();
        }
        let got = request.evaluate(current);
        assert_eq!(
            got,
            Ok(want),
            "{method} If-Match {if_match:?} If-None-Match {if_none_match:?} required {required} current {current:?}"
        );
    }
}

#[test]
fn a_malformed_header_is_an_error_whatever_the_other_says() {
    let v3 = ETag::from_version(3);
    let err = Preconditions::new("PUT").if_match(r#""v9""#).if_none_match("v3").evaluate(Some(&v3));
    assert!(matches!(err, Err(ETagError::NotAnEntityTag { .. })));
    let err = Preconditions::new("PUT").if_match("*").if_match(r#""v3""#).evaluate(Some(&v3));
    assert_eq!(err, Err(ETagError::WildcardInList));
}

fn etagc() -> impl Strategy<Value = char> {
    prop_oneof![
        Just('!'),
        proptest::char::range('#', '~'),
        proptest::char::range('\u{80}', '\u{10ffff}'),
    ]
}

fn etag() -> impl Strategy<Value = ETag> {
    (any::<bool>(), prop::collection::vec(etagc(), 0..16)).prop_map(|(weak, chars)| {
        let text: String = chars.into_iter().collect();
        if weak { ETag::weak(&text).unwrap() } else { ETag::strong(&text).unwrap() }
    })
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn etag_format_parse_round_trip(tag in etag()) {
        prop_assert_eq!(tag.to_string().parse::<ETag>(), Ok(tag.clone()));
        prop_assert_eq!(ETagList::parse(&tag.to_string()), Ok(ETagList::Tags(vec![tag])));
    }

    #[test]
    fn etag_list_round_trip_across_lines(
        tags in prop::collection::vec(etag(), 0..6),
        split in any::<prop::sample::Index>(),
        pad in "[ \t]{0,2}",
    ) {
        let list = ETagList::Tags(tags.clone());
        prop_assert_eq!(ETagList::parse(&list.to_string()), Ok(list.clone()));
        // The same members over two field lines, padded with whitespace.
        let at = if tags.is_empty() { 0 } else { split.index(tags.len() + 1) };
        let line = |part: &[ETag]| {
            part.iter().map(|t| format!("{pad}{t}{pad}")).collect::<Vec<_>>().join(",")
        };
        let (a, b) = (line(&tags[..at]), line(&tags[at..]));
        prop_assert_eq!(ETagList::parse_lines([a.as_str(), b.as_str()]), Ok(list));
    }

    #[test]
    fn version_tags_round_trip(version in any::<u64>()) {
        let tag = ETag::from_version(version);
        prop_assert_eq!(tag.version(), Some(version));
        prop_assert_eq!(tag.to_string().parse::<ETag>().unwrap().version(), Some(version));
    }

    /// Arbitrary text never panics the parser, and whatever parses prints
    /// back to text that parses to the same list.
    #[test]
    fn parsing_any_text_is_safe_and_stable(text in "[ -~\t\u{80}-\u{ff}]{0,24}") {
        if let Ok(list) = ETagList::parse(&text) {
            prop_assert_eq!(ETagList::parse(&list.to_string()), Ok(list));
        }
    }

    #[test]
    fn strong_match_implies_weak_match(a in etag(), b in etag()) {
        prop_assert!(!a.strong_eq(&b) || a.weak_eq(&b));
        prop_assert_eq!(a.weak_eq(&b), b.weak_eq(&a));
        prop_assert_eq!(a.strong_eq(&b), b.strong_eq(&a));
    }
}
