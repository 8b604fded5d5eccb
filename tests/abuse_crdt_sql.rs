//! Every public constructor and limit of `crdt`, `keyset` and `optimistic`
//! with hostile arguments: 0, negative, NaN, ±∞, subnormal, `u32::MAX`,
//! `u64::MAX`, `usize`-sized and oversized inputs, and sizes just past every
//! documented limit. Each gives a typed error or a value that works, never a
//! panic, an abort or a hang.

use std::time::Duration;

use routekit::crdt::{CrdtError, GCounter, OrSet, OrSetDelta, PNCounter};
use routekit::keyset::{
    CursorError, CursorSecret, KeyType, Keyset, KeysetError, Position, SortKey,
};
use routekit::optimistic::{
    ETag, ETagList, OptimisticError, OptimisticUpdate, PolicyError, Preconditions, RetryPolicy,
    Versioned, VersionedCell,
};
use routekit::sql::{Nulls, Postgres, Sqlite, Timestamp, Value};

/// Floats that break factors and fractions.
const FLOATS: [f64; 12] = [
    0.0,
    -0.0,
    -1.0,
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    5e-324,
    f64::MIN_POSITIVE,
    1.0,
    1.0 + f64::EPSILON,
    2.0,
    f64::MAX,
];

const DURATIONS: [Duration; 5] = [
    Duration::ZERO,
    Duration::from_nanos(1),
    Duration::from_millis(5),
    Duration::from_secs(u64::MAX),
    Duration::MAX,
];

// ------------------------------------------------------------------- crdt

#[test]
fn counters_at_the_ends_of_their_ranges() {
    let mut g = GCounter::new();
    assert_eq!(g.increment(&1u8, 0), Ok(None));
    g.increment(&1u8, u64::MAX).unwrap();
    assert!(matches!(g.increment(&1u8, 1), Err(CrdtError::Overflow { .. })));
    assert!(matches!(g.increment(&1u8, u64::MAX), Err(CrdtError::Overflow { .. })));
    for actor in 2..=255u8 {
        g.increment(&actor, u64::MAX).unwrap();
    }
    // 255 actors at u64::MAX: the u128 value is exact.
    assert_eq!(g.value(), 255 * u128::from(u64::MAX));
    let mut bigger = g.clone();
    bigger.merge(&g);
    assert_eq!(bigger, g);
    assert_eq!(GCounter::from_bytes(&g.to_bytes()), Ok(g));

    let mut pn = PNCounter::new();
    let name = |n: &str| n.to_string();
    pn.increment(&name("a"), u64::MAX).unwrap();
    pn.decrement(&name("b"), u64::MAX).unwrap();
    pn.decrement(&name("c"), u64::MAX).unwrap();
    assert_eq!(pn.value(), -i128::from(u64::MAX));
    assert!(matches!(pn.decrement(&name("b"), 1), Err(CrdtError::Overflow { .. })));
    assert_eq!(pn.increment(&name("a"), 0), Ok(None));
    assert_eq!(PNCounter::from_bytes(&pn.to_bytes()), Ok(pn));
}

#[test]
fn a_set_whose_actor_has_used_every_dot() {
    // A context at u64::MAX for actor 1 (read from bytes: no one makes 2^64
    // adds), holding element 5 under the last dot.
    let mut bytes = b"RK\x03\x01\x01\x01".to_vec();
    bytes.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00]);
    bytes.extend_from_slice(&[0x01, 0x05, 0x01, 0x00]);
    bytes.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    let mut set = OrSet::<u8, u8>::from_bytes(&bytes).unwrap();
    assert_eq!(set.add(&1, 6).unwrap_err(), CrdtError::DotsExhausted);
    assert_eq!(set.add_without_delta(&1, 5).unwrap_err(), CrdtError::DotsExhausted);
    // Another actor still adds; a remove and a clear still work.
    let add = set.add(&2, 6).unwrap();
    assert!(set.remove(&5).is_some());
    let mut other = OrSet::new();
    other.merge_delta(&add).unwrap();
    assert!(other.clear().is_some());
    assert_eq!(OrSet::from_bytes(&set.to_bytes()), Ok(set));
    // A delta at the last counter, merged anywhere.
    let delta = OrSetDelta::<u8, u8>::from_bytes(&add.to_bytes()).unwrap();
    let mut fresh = OrSet::new();
    fresh.merge_delta(&delta).unwrap();
    assert!(fresh.contains(&6));
}

// ----------------------------------------------------------------- keyset

fn secret() -> CursorSecret {
    CursorSecret::new([0xa5; 16])
}

#[test]
fn keyset_limits_and_orderings() {
    let id = || SortKey::asc("id", KeyType::Int).unique();
    for limit in [0u32, 1, 2, u32::MAX - 1, u32::MAX] {
        let built = Keyset::builder(&Sqlite, "t", secret(), [id()]).limit(limit).build();
        match limit {
            0 => assert!(matches!(built, Err(KeysetError::ZeroLimit))),
            _ => {
                let keyset = built.unwrap();
                // LIMIT n + 1 is computed without overflow.
                let query = keyset.query(Position::First).unwrap();
                let sql = &query.statement().sql;
                assert!(sql.contains(&(u64::from(limit) + 1).to_string()), "{sql}");
                let page = query.page(vec![1i64, 2, 3], |row| vec![Value::Int(*row)]).unwrap();
                assert_eq!(page.rows().len(), 3.min(limit as usize));
            }
        }
    }
    // No keys, 16 keys (the most), 17.
    assert!(matches!(
        Keyset::new(&Sqlite, "t", secret(), Vec::<SortKey>::new()),
        Err(KeysetError::NoSortKeys)
    ));
    let keys = |n: usize| {
        let mut keys: Vec<SortKey> =
            (1..n).map(|i| SortKey::asc(format!("c{i}"), KeyType::Int)).collect();
        keys.push(id());
        keys
    };
    assert!(Keyset::new(&Postgres, "t", secret(), keys(16)).is_ok());
    assert!(matches!(
        Keyset::new(&Postgres, "t", secret(), keys(17)),
        Err(KeysetError::TooManyKeys { count: 17, max: 16, .. })
    ));
    // Identifiers: empty, huge, hostile.
    for name in ["", " ", "a b", "id; DROP TABLE t", "\u{0}", "\"x\""] {
        let built =
            Keyset::new(&Sqlite, "t", secret(), [SortKey::asc(name, KeyType::Int).unique()]);
        assert!(matches!(built, Err(KeysetError::InvalidIdentifier(..))), "{name:?}");
    }
    // Identifier parts of at most 63 bytes (PostgreSQL's limit).
    assert!(Keyset::new(&Sqlite, "c".repeat(63).as_str(), secret(), [id()]).is_ok());
    for len in [64, 1 << 20] {
        let built = Keyset::new(&Sqlite, "c".repeat(len).as_str(), secret(), [id()]);
        assert!(matches!(built, Err(KeysetError::InvalidIdentifier(..))), "{len}");
    }
    // The last key nullable, or not unique.
    let nullable = SortKey::asc("id", KeyType::Int).unique().nullable(Nulls::First);
    assert!(Keyset::new(&Sqlite, "t", secret(), [nullable]).is_err());
    assert!(Keyset::new(&Sqlite, "t", secret(), [SortKey::asc("id", KeyType::Int)]).is_err());
}

#[test]
fn cursor_key_values_at_their_extremes() {
    let keyset = Keyset::new(
        &Postgres,
        "t",
        secret(),
        [
            SortKey::asc("f", KeyType::Float),
            SortKey::desc("s", KeyType::Text).nullable(Nulls::Last),
            SortKey::asc("at", KeyType::Timestamp),
            SortKey::asc("id", KeyType::Int).unique(),
        ],
    )
    .unwrap();
    let at = |s, n| Value::Timestamp(Timestamp::new(s, n).unwrap());
    let big = "x".repeat(64 << 10);
    for f in FLOATS {
        for (s, t, id) in [
            (Value::Null, at(i64::MIN, 0), i64::MIN),
            (Value::Text(String::new()), at(i64::MAX, 999_999_999), i64::MAX),
            (Value::Text(big.clone()), at(0, 0), 0),
        ] {
            let values = [Value::Float(f), s, t, Value::Int(id)];
            // Every value of the key's type makes a cursor that reads back.
            let cursor = keyset.cursor(&values).unwrap();
            let query = keyset.query(Position::After(&cursor)).unwrap();
            assert!(!query.statement().params.is_empty());
            assert!(keyset.query(Position::Before(&cursor)).is_ok());
        }
    }
    // Values of the wrong type or number.
    assert!(keyset.cursor(&[]).is_err());
    assert!(keyset.cursor(&[Value::Int(1), Value::Int(1), Value::Int(1), Value::Int(1)]).is_err());
    assert!(keyset.cursor(&[Value::Null, Value::Null, Value::Null, Value::Null]).is_err());
    for nanos in [1_000_000_000, u32::MAX] {
        assert!(Timestamp::new(0, nanos).is_err());
    }
    // Cursors that are not: empty, huge, not base64.
    for text in [String::new(), "A".repeat(1 << 20), "\u{0}".into(), "====".into()] {
        let refused = keyset.query(Position::After(&text));
        assert!(matches!(
            refused,
            Err(CursorError::Encoding { .. }
                | CursorError::Truncated { .. }
                | CursorError::UnsupportedVersion { .. }
                | CursorError::Malformed { .. })
        ));
    }
}

// ------------------------------------------------------------- optimistic

#[test]
fn retry_policies_from_every_hostile_knob() {
    assert!(matches!(RetryPolicy::immediate(0), Err(PolicyError::ZeroAttempts)));
    let mut most = RetryPolicy::immediate(u32::MAX).unwrap().start();
    for _ in 0..1000 {
        assert_eq!(most.next_delay().ok(), Some(Duration::ZERO));
    }
    for attempts in [0, 1, 2, u32::MAX] {
        for multiplier in FLOATS {
            for jitter in FLOATS {
                for (initial, max) in [(0, 4), (1, 1), (2, 4), (4, 3), (3, 4)] {
                    let (initial, max) = (DURATIONS[initial], DURATIONS[max]);
                    let built = RetryPolicy::builder()
                        .max_attempts(attempts)
                        .multiplier(multiplier)
                        .jitter(jitter)
                        .initial_backoff(initial)
                        .max_backoff(max)
                        .deadline(Duration::MAX)
                        .seed(7)
                        .build();
                    let valid = attempts > 0
                        && multiplier.is_finite()
                        && multiplier >= 1.0
                        && (0.0..=1.0).contains(&jitter)
                        && initial <= max;
                    assert_eq!(
                        built.is_ok(),
                        valid,
                        "{attempts} {multiplier} {jitter} {initial:?} {max:?}"
                    );
                    let Ok(policy) = built else { continue };
                    // The schedule: never past max_backoff, and done after
                    // max_attempts - 1 delays.
                    let mut backoff = policy.start();
                    let mut delays = 0u32;
                    while let Ok(delay) = backoff.next_delay() {
                        assert!(delay <= max, "{delay:?} past {max:?}");
                        delays += 1;
                        if delays == 200 {
                            break;
                        }
                    }
                    assert!(delays == 200 || delays == attempts - 1, "{delays} of {attempts}");
                }
            }
        }
    }
}

#[test]
fn versions_and_etags_at_the_ends_of_their_ranges() {
    let last = Versioned::new("x", u64::MAX);
    assert!(matches!(last.next("y"), Err(OptimisticError::VersionOverflow { .. })));
    assert_eq!(last.etag().version(), Some(u64::MAX));
    let cell = VersionedCell::from(Versioned::new(1, u64::MAX));
    assert!(matches!(
        cell.compare_and_set(u64::MAX, 2),
        Err(OptimisticError::VersionOverflow { .. })
    ));
    assert!(matches!(cell.compare_and_set(0, 2), Err(OptimisticError::Conflict { .. })));
    assert_eq!(cell.version(), u64::MAX);
    for version in [0, 1, u64::MAX] {
        let tag = ETag::from_version(version);
        assert_eq!(tag.to_string().parse::<ETag>().unwrap().version(), Some(version));
    }
    for bad in ["\"", "a\"b", "\u{7f}", "\u{0}"] {
        assert!(ETag::strong(bad).is_err() && ETag::weak(bad).is_err(), "{bad:?}");
    }
    let long = "v".repeat(1 << 20);
    let tag = ETag::strong(&long).unwrap();
    assert_eq!(
        ETagList::parse(&format!("{tag}, W/\"a\"")).unwrap().to_string().len(),
        long.len() + 9
    );
    // A header of a million empty members, and one of a million tags.
    let commas = ",".repeat(1 << 20);
    assert_eq!(ETagList::parse(&commas), Ok(ETagList::Tags(Vec::new())));
    let many = "\"a\",".repeat(1 << 18);
    let mut preconditions = Preconditions::new("PUT");
    preconditions.if_match(&many).if_none_match(&commas).require();
    assert!(preconditions.evaluate(Some(&ETag::strong("a").unwrap())).is_ok());
}

#[test]
fn optimistic_updates_of_hostile_schemas_and_versions() {
    for table in ["", "a;b", "\u{0}", "t\"", " "] {
        assert!(OptimisticUpdate::new(&Sqlite, table).is_err(), "{table:?}");
    }
    let update = OptimisticUpdate::new(&Postgres, "t").unwrap();
    // Only the version moves: a touch.
    assert!(update.update([]).is_ok());
    assert!(update.update(["id"]).is_err(), "the key column is not a value column");
    assert!(update.update(["name", "name"]).is_err(), "a column twice");
    let prepared = update.update(["name"]).unwrap();
    let max = i64::MAX as u64; // SQL versions are BIGINT
    for expected in [0, 1, max - 1, max, max + 1, u64::MAX] {
        let bound = prepared.bind(Value::Int(1), expected, [Value::Text("n".into())]);
        let deleted = update.delete(Value::Int(1), expected);
        match expected {
            e if e < max => {
                assert_eq!(bound.unwrap().next_version(), Some(expected + 1));
                assert!(deleted.is_ok());
            }
            e if e == max => {
                assert!(matches!(bound, Err(OptimisticError::VersionOverflow { .. })));
            }
            _ => {
                assert!(matches!(bound, Err(OptimisticError::VersionOutOfRange { .. })));
                assert!(matches!(deleted, Err(OptimisticError::VersionOutOfRange { .. })));
            }
        }
    }
    let null_key = prepared.bind(Value::Null, 0, [Value::Null]);
    assert!(matches!(null_key, Err(OptimisticError::NullKey)));
}
