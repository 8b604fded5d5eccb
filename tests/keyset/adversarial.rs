//! Hostile input: identifiers that would change a statement, and cursors
//! that were edited, cut, forged, replayed under another ordering or made of
//! random bytes. Every one is refused with a typed error before any SQL is
//! written; none panics.

use proptest::prelude::*;
use routekit::keyset::{
    CursorError, CursorSecret, KeyType, Keyset, KeysetBuilder, KeysetError, Position, SortKey,
    Source,
};
use routekit::sql::{Nulls, Postgres, Timestamp, Value};

const SECRET: [u8; 16] = *b"adversarial-key!";

fn keys() -> Vec<SortKey> {
    vec![
        SortKey::desc("published_at", KeyType::Timestamp).nullable(Nulls::Last),
        SortKey::asc("title", KeyType::Text),
        SortKey::asc("id", KeyType::Int).unique(),
    ]
}

fn builder(source: impl Into<Source>, keys: Vec<SortKey>) -> KeysetBuilder {
    Keyset::builder(&Postgres, source, CursorSecret::new(SECRET), keys)
}

fn keyset() -> Keyset {
    builder("posts", keys()).build().unwrap()
}

fn cursor() -> String {
    let t = Timestamp::new(1_700_000_000, 5).unwrap();
    keyset().cursor(&[Value::Timestamp(t), Value::Text("hello".into()), Value::Int(42)]).unwrap()
}

fn refusal(cursor: &str) -> CursorError {
    match keyset().query(Position::After(cursor)) {
        Err(e) => e,
        Ok(query) => panic!("cursor {cursor:?} accepted: {:?}", query.statement()),
    }
}

const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Unpadded URL-safe base64, written independently of the library's.
fn base64(bytes: &[u8]) -> String {
    let bits: Vec<bool> =
        bytes.iter().flat_map(|b| (0..8).rev().map(move |i| b >> i & 1 == 1)).collect();
    bits.chunks(6)
        .map(|c| {
            let sextet = (0..6).fold(0, |s, i| s << 1 | usize::from(c.get(i) == Some(&true)));
            char::from(ALPHABET[sextet])
        })
        .collect()
}

#[test]
fn identifiers_that_would_change_the_statement_are_refused() {
    let hostile = ["id; DROP TABLE t", r#""a" OR 1=1"#, "a--", "t.*", "x)", "", "1=1", "a b"];
    for name in hostile {
        let mut columns = builder("posts", keys());
        columns.columns(["id", name]);
        let mut sort = keys();
        sort.insert(0, SortKey::asc(name, KeyType::Int));
        for attempt in [builder(name, keys()), columns, builder("posts", sort)] {
            let err = attempt.build().unwrap_err();
            assert!(
                matches!(&err, KeysetError::InvalidIdentifier(e) if e.ident() == name),
                "{name:?}: {err}"
            );
        }
    }
}

#[test]
fn every_single_character_edit_is_refused() {
    let good = cursor();
    assert!(keyset().query(Position::After(&good)).is_ok());
    for at in 0..good.len() {
        for &replacement in ALPHABET {
            let mut edited = good.clone().into_bytes();
            if edited[at] == replacement {
                continue;
            }
            edited[at] = replacement;
            // Any typed refusal will do; `refusal` panics on acceptance.
            refusal(std::str::from_utf8(&edited).unwrap());
        }
    }
}

#[test]
fn every_truncation_is_refused() {
    let good = cursor();
    for len in 0..good.len() {
        let err = refusal(&good[..len]);
        assert!(
            matches!(
                err,
                CursorError::Truncated { .. }
                    | CursorError::Encoding { .. }
                    | CursorError::Malformed { .. }
            ),
            "cut to {len}: {err}"
        );
    }
    assert!(matches!(refusal(""), CursorError::Truncated { len: 0, .. }));
}

#[test]
fn additions_are_refused() {
    let good = cursor();
    for suffix in ["A", "AA", "AAA", "AAAA", "=", "==", "%3D", " "] {
        refusal(&format!("{good}{suffix}"));
    }
    assert!(matches!(refusal(&format!("{good}AAAA")), CursorError::Malformed { .. }));
}

#[test]
fn characters_outside_url_safe_base64_are_refused() {
    for bad in ["ab+d", "ab/d", "abc=", "ab d", "ab.d", "abçd", "ab\0d"] {
        assert!(matches!(refusal(bad), CursorError::Encoding { .. }), "{bad:?}");
    }
}

#[test]
fn a_cursor_from_another_secret_fails_authentication() {
    let other = Keyset::new(&Postgres, "posts", CursorSecret::new(*b"another-secret!!"), keys());
    let foreign =
        other.unwrap().cursor(&[Value::Null, Value::Text("x".into()), Value::Int(1)]).unwrap();
    assert_eq!(refusal(&foreign), CursorError::BadTag);
}

#[test]
fn a_cursor_from_another_ordering_is_refused() {
    let values = [Value::Null, Value::Text("x".into()), Value::Int(1)];
    // Another table.
    let mut variants = vec![builder("drafts", keys())];
    // The same columns with one direction flipped, or NULLs placed first.
    for first in [
        SortKey::asc("published_at", KeyType::Timestamp).nullable(Nulls::Last),
        SortKey::desc("published_at", KeyType::Timestamp).nullable(Nulls::First),
        SortKey::desc("published_at", KeyType::Int).nullable(Nulls::Last),
    ] {
        let mut other = keys();
        other[0] = first;
        variants.push(builder("posts", other));
    }
    for other in variants {
        let replayed = other.build().unwrap().cursor(&values).unwrap();
        assert_eq!(refusal(&replayed), CursorError::ForeignOrdering, "{other:?}");
    }
    // A cursor for a shorter ordering is another ordering too.
    let by_id = builder("posts", vec![SortKey::asc("id", KeyType::Int).unique()]);
    let replayed = by_id.build().unwrap().cursor(&[Value::Int(1)]).unwrap();
    assert_eq!(refusal(&replayed), CursorError::ForeignOrdering);
}

#[test]
fn another_format_version_is_refused_as_such() {
    // The first character holds the top six bits of the version byte.
    let mut future = cursor().into_bytes();
    future[0] = b'B';
    let err = refusal(std::str::from_utf8(&future).unwrap());
    assert!(
        matches!(err, CursorError::UnsupportedVersion { version: 5, supported: 1, .. }),
        "{err}"
    );
}

#[test]
fn refusals_name_the_problem() {
    let messages = [
        refusal("").to_string(),
        refusal("ab+d").to_string(),
        CursorError::BadTag.to_string(),
        CursorError::ForeignOrdering.to_string(),
    ];
    assert!(messages[0].contains("truncated"), "{}", messages[0]);
    assert!(
        messages[1].contains("base64") && messages[1].contains("position 2"),
        "{}",
        messages[1]
    );
    assert!(messages[2].contains("altered, forged"), "{}", messages[2]);
    assert!(messages[3].contains("another ordering"), "{}", messages[3]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_text_never_panics_and_is_never_accepted(text in ".{0,80}") {
        prop_assert!(keyset().query(Position::Before(&text)).is_err());
    }

    #[test]
    fn random_bytes_never_panic_and_are_never_accepted(bytes in prop::collection::vec(any::<u8>(), 0..80)) {
        prop_assert!(keyset().query(Position::After(&base64(&bytes))).is_err());
    }

    #[test]
    fn random_edits_of_a_real_cursor_are_never_accepted(
        edits in prop::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 1..4),
        cut in 0usize..4,
    ) {
        let t = Timestamp::new(1_700_000_000, 5).unwrap();
        let keyset = keyset();
        let good = keyset.cursor(&[Value::Timestamp(t), Value::Text("hello".into()), Value::Int(42)]).unwrap();
        // Decode the cursor with an independent decoder, edit bytes, encode.
        let mut bytes = decode(&good);
        for (at, flip) in &edits {
            let i = at.index(bytes.len());
            bytes[i] ^= flip;
        }
        bytes.truncate(bytes.len() - cut);
        prop_assert!(keyset.query(Position::After(&base64(&bytes))).is_err());
    }
}

fn decode(text: &str) -> Vec<u8> {
    let bits: Vec<bool> = text
        .bytes()
        .flat_map(|c| {
            let sextet = ALPHABET.iter().position(|&a| a == c).unwrap();
            (0..6).rev().map(move |i| sextet >> i & 1 == 1)
        })
        .collect();
    bits.chunks_exact(8).map(|c| c.iter().fold(0u8, |b, &bit| b << 1 | u8::from(bit))).collect()
}

#[test]
fn the_test_codec_agrees_with_the_library() {
    let good = cursor();
    assert_eq!(base64(&decode(&good)), good);
}
