//! Fuzzing the parsers that read text from outside: keyset cursors, entity
//! tags and the `If-Match` / `If-None-Match` preconditions, and (feature
//! `compat`) the server strings of the compatibility rings.
//!
//! * **Cursors.** Seeds are cursors of two orderings (one integer key; six
//!   keys of every type, NULLs included). Cases mutate the cursor text, or
//!   its decoded bytes and then re-tag them under the secret, so that the
//!   structure behind the tag is fuzzed too. A reference decoder written
//!   here (its own base64 and value reader) says what each input holds:
//!   the crate must accept exactly the inputs whose structure, tag,
//!   ordering and key types are right, and an accepted cursor must be the
//!   one the keyset writes for the values it holds.
//! * **ETags.** Header text made of entity tags, `*`, commas, whitespace
//!   and stray bytes, mutated. An accepted tag or list prints as text that
//!   parses back to it; `Preconditions::evaluate` on the same headers gives
//!   the RFC 9110 §13.2.2 answer computed here from the parsed lists (and an
//!   error exactly when a header does not parse).
//! * **Compat servers.** Addresses (`host`, `host:port`, IPv6, unix paths,
//!   names) mutated, with random weights, given to every profile: a ring is
//!   built or refused with an error, never a panic; a built ring routes
//!   every key, and building it again gives the same continuum.
//!
//! Each target runs a few thousand cases; `ROUTEKIT_FUZZ_CASES=N` sets the
//! number per target (`ROUTEKIT_FUZZ_CASES=200000 cargo test --release
//! --all-features --test fuzz_parsers`). A release build on the 2-core
//! development machine runs, on one core, about 7 million cursor cases, 16
//! million ETag and precondition cases and 1 million compat cases (each
//! builds one to three rings of hundreds of points) a minute; measured
//! while other builds shared the machine (load average 12 to 16), so these
//! are lower bounds.

#[path = "support/fuzz.rs"]
mod fuzz;

use fuzz::Rng;
use routekit::keyset::{CursorError, CursorSecret, KeyType, Keyset, Position, SortKey};
use routekit::optimistic::{ETag, ETagList, Precondition, Preconditions};
use routekit::sql::{Nulls, Sqlite, Timestamp, Value};
use siphasher::sip::SipHasher24;

/// Cases per target unless `ROUTEKIT_FUZZ_CASES` says otherwise.
const CASES: usize = 3_000;

const SECRET: [u8; 16] = *b"fuzzing cursors!";

// ---------------------------------------------------------------- cursors

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Unpadded URL-safe base64, written bit by bit (the reference).
fn to_base64(bytes: &[u8]) -> String {
    let bits: Vec<bool> =
        bytes.iter().flat_map(|b| (0..8).rev().map(move |i| b >> i & 1 == 1)).collect();
    bits.chunks(6)
        .map(|chunk| {
            let sextet = (0..6).fold(0, |s, i| s << 1 | usize::from(chunk.get(i) == Some(&true)));
            char::from(ALPHABET[sextet])
        })
        .collect()
}

/// The bytes of unpadded URL-safe base64 text, if it is the one spelling
/// of some bytes (no stray characters, no set bits past the last byte).
fn from_base64(text: &str) -> Option<Vec<u8>> {
    let mut bits = Vec::new();
    for ch in text.bytes() {
        let sextet = ALPHABET.iter().position(|&a| a == ch)?;
        bits.extend((0..6).rev().map(|i| sextet >> i & 1 == 1));
    }
    let whole = bits.len() / 8 * 8;
    if bits.len() - whole >= 6 || bits[whole..].iter().any(|&b| b) {
        return None;
    }
    Some(
        bits[..whole]
            .chunks(8)
            .map(|c| c.iter().fold(0u8, |b, &bit| b << 1 | u8::from(bit)))
            .collect(),
    )
}

fn tag(bytes: &[u8]) -> u64 {
    let k0 = u64::from_le_bytes(SECRET[..8].try_into().unwrap());
    let k1 = u64::from_le_bytes(SECRET[8..].try_into().unwrap());
    SipHasher24::new_with_keys(k0, k1).hash(bytes)
}

/// What the reference reads from cursor bytes.
#[derive(Debug, PartialEq)]
enum Read {
    /// The structure is broken (or another version).
    Broken,
    /// Well formed, with this fingerprint and these values; `tagged` when
    /// the tag checks.
    Cursor { fingerprint: u64, values: Vec<Value>, tagged: bool },
}

/// The reference cursor reader (the format table of `keyset::cursor`).
fn read_cursor(bytes: &[u8]) -> Read {
    fn take<'a>(bytes: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
        if bytes.len() < n {
            return None;
        }
        let (head, rest) = bytes.split_at(n);
        *bytes = rest;
        Some(head)
    }
    fn int(bytes: &mut &[u8]) -> Option<i64> {
        Some(i64::from_le_bytes(take(bytes, 8)?.try_into().ok()?))
    }
    fn len_prefixed<'a>(bytes: &mut &'a [u8]) -> Option<&'a [u8]> {
        let len = u32::from_le_bytes(take(bytes, 4)?.try_into().ok()?);
        take(bytes, len as usize)
    }
    fn value(bytes: &mut &[u8]) -> Option<Value> {
        Some(match take(bytes, 1)?[0] {
            0 => Value::Null,
            1 => match take(bytes, 1)?[0] {
                0 => Value::Bool(false),
                1 => Value::Bool(true),
                _ => return None,
            },
            2 => Value::Int(int(bytes)?),
            3 => Value::Float(f64::from_bits(int(bytes)? as u64)),
            4 => Value::Text(String::from_utf8(len_prefixed(bytes)?.to_vec()).ok()?),
            5 => Value::Bytes(len_prefixed(bytes)?.to_vec()),
            6 => {
                let seconds = int(bytes)?;
                let nanos = u32::from_le_bytes(take(bytes, 4)?.try_into().ok()?);
                Value::Timestamp(Timestamp::new(seconds, nanos).ok()?)
            }
            _ => return None,
        })
    }
    let parse = || {
        if bytes.len() < 18 || bytes[0] != 1 {
            return None;
        }
        let (body, tail) = bytes.split_at(bytes.len() - 8);
        let mut rest = &body[10..];
        let values = (0..body[9]).map(|_| value(&mut rest)).collect::<Option<Vec<_>>>()?;
        rest.is_empty().then(|| Read::Cursor {
            fingerprint: u64::from_le_bytes(body[1..9].try_into().unwrap()),
            values,
            tagged: u64::from_le_bytes(tail.try_into().unwrap()) == tag(body),
        })
    };
    parse().unwrap_or(Read::Broken)
}

/// Two orderings: one integer key, and one key of every type.
fn keysets() -> Vec<Keyset> {
    let secret = CursorSecret::new(SECRET);
    let one = Keyset::new(&Sqlite, "t", secret, [SortKey::asc("id", KeyType::Int).unique()]);
    let every = Keyset::new(
        &Sqlite,
        "t",
        secret,
        [
            SortKey::desc("name", KeyType::Text).nullable(Nulls::Last),
            SortKey::asc("at", KeyType::Timestamp),
            SortKey::asc("blob", KeyType::Bytes).nullable(Nulls::First),
            SortKey::desc("score", KeyType::Float),
            SortKey::asc("flag", KeyType::Bool),
            SortKey::asc("id", KeyType::Int).unique(),
        ],
    );
    vec![one.unwrap(), every.unwrap()]
}

fn cursor_seeds(keysets: &[Keyset]) -> Vec<(usize, String)> {
    let mut seeds = Vec::new();
    for id in [0, 1, -1, i64::MAX, i64::MIN, 1 << 40] {
        seeds.push((0, keysets[0].cursor(&[Value::Int(id)]).unwrap()));
    }
    let at = |s, n| Value::Timestamp(Timestamp::new(s, n).unwrap());
    let rows = [
        vec![
            Value::Text("tea".into()),
            at(1_700_000_000, 5),
            Value::Bytes(vec![0, 255]),
            Value::Float(1.5),
            Value::Bool(true),
            Value::Int(7),
        ],
        vec![
            Value::Null,
            at(-1, 999_999_999),
            Value::Null,
            Value::Float(f64::NEG_INFINITY),
            Value::Bool(false),
            Value::Int(-7),
        ],
        vec![
            Value::Text("héllo, \u{0}wörld".into()),
            at(0, 0),
            Value::Bytes(Vec::new()),
            Value::Float(-0.0),
            Value::Bool(false),
            Value::Int(i64::MAX),
        ],
    ];
    for row in rows {
        seeds.push((1, keysets[1].cursor(&row).unwrap()));
    }
    seeds
}

/// The ordering fingerprint `keyset` writes into its cursors.
fn fingerprint_of(keyset: &Keyset, values: &[Value]) -> u64 {
    let bytes = from_base64(&keyset.cursor(values).unwrap()).unwrap();
    u64::from_le_bytes(bytes[1..9].try_into().unwrap())
}

/// Asserts that `keyset` (whose cursors carry `ours`) treats `text` as
/// the reference says it must: broken structure, then the tag, then the
/// ordering, then the key types.
fn check_cursor(keyset: &Keyset, ours: u64, text: &str) {
    let read = from_base64(text).map_or(Read::Broken, |bytes| read_cursor(&bytes));
    let decoded = keyset.query(Position::After(text)).map(drop);
    match read {
        Read::Broken => assert!(decoded.is_err(), "broken, yet accepted"),
        Read::Cursor { tagged: false, .. } => {
            assert!(matches!(decoded, Err(CursorError::BadTag)), "untagged: {decoded:?}")
        }
        Read::Cursor { fingerprint, .. } if fingerprint != ours => {
            assert!(matches!(decoded, Err(CursorError::ForeignOrdering)), "{decoded:?}")
        }
        Read::Cursor { values, .. } => match keyset.cursor(&values) {
            Err(_) => assert!(matches!(decoded, Err(CursorError::KeyValues(_))), "{decoded:?}"),
            Ok(again) => {
                assert_eq!(decoded, Ok(()), "a well-formed, tagged cursor of this ordering");
                assert_eq!(again, text, "an accepted cursor is the one its values encode to");
            }
        },
    }
}

/// The fingerprint of each keyset, read from its first seed.
fn fingerprints(keysets: &[Keyset], seeds: &[(usize, String)]) -> [u64; 2] {
    let first = |which: usize| {
        let (_, seed) = seeds.iter().find(|(w, _)| *w == which).unwrap();
        match read_cursor(&from_base64(seed).unwrap()) {
            Read::Cursor { fingerprint, values, .. } => {
                assert_eq!(fingerprint, fingerprint_of(&keysets[which], &values));
                fingerprint
            }
            Read::Broken => unreachable!("seeds are cursors"),
        }
    };
    [first(0), first(1)]
}

#[test]
fn cursors() {
    let keysets = keysets();
    let seeds = cursor_seeds(&keysets);
    let fingerprints = fingerprints(&keysets, &seeds);
    let mut rng = Rng::new(0xc0de);
    let (mut accepted, cases) = (0, fuzz::cases(CASES));
    for case in 0..cases {
        let (which, seed) = rng.pick(&seeds).clone();
        let pick = if rng.chance(1, 8) { 1 - which } else { which };
        let (keyset, ours) = (&keysets[pick], fingerprints[pick]);
        let text = match rng.below(3) {
            // The text itself.
            0 => {
                let mut text = seed.into_bytes();
                for _ in 0..1 + rng.below(3) {
                    fuzz::mutate(&mut rng, &mut text, &[]);
                }
                String::from_utf8_lossy(&text).into_owned()
            }
            // Its bytes, re-tagged so that the checks behind the tag run.
            _ => {
                let mut bytes = from_base64(&seed).unwrap();
                let fields = [fuzz::Field { at: 0, width: 1 }, fuzz::Field { at: 9, width: 1 }];
                for _ in 0..1 + rng.below(3) {
                    fuzz::mutate(&mut rng, &mut bytes, &fields);
                }
                if bytes.len() >= 8 && rng.chance(7, 8) {
                    let body = bytes.len() - 8;
                    let tag = tag(&bytes[..body]);
                    bytes[body..].copy_from_slice(&tag.to_le_bytes());
                }
                to_base64(&bytes)
            }
        };
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            check_cursor(keyset, ours, &text)
        }));
        if outcome.is_err() {
            panic!("cursor case {case}: {text:?}");
        }
        accepted += usize::from(keyset.query(Position::After(&text)).is_ok());
    }
    assert!(accepted > cases / 40 && accepted < cases * 9 / 10, "{accepted} of {cases}");
}

#[test]
fn the_reference_base64_is_the_crates() {
    let keysets = keysets();
    let seeds = cursor_seeds(&keysets);
    let fingerprints = fingerprints(&keysets, &seeds);
    assert_ne!(fingerprints[0], fingerprints[1]);
    for (which, seed) in seeds {
        let bytes = from_base64(&seed).unwrap();
        assert_eq!(to_base64(&bytes), seed);
        assert!(matches!(read_cursor(&bytes), Read::Cursor { tagged: true, .. }));
        check_cursor(&keysets[which], fingerprints[which], &seed);
        assert!(keysets[which].query(Position::After(&seed)).is_ok());
    }
}

// ------------------------------------------------------ ETags, preconditions

const HEADERS: [&str; 10] = [
    "\"abc\"",
    "W/\"v1\"",
    "*",
    "\"a\", W/\"b\"",
    " \"x\" ,\t\"y\" ",
    "\"\"",
    "\"v\u{80}\u{ff}\"",
    ", ,\"a\",,",
    "\"7\", \"8\", W/\"9\"",
    "W/\"\"",
];

fn header(rng: &mut Rng) -> String {
    let mut text = rng.pick(&HEADERS).as_bytes().to_vec();
    if rng.chance(1, 2) {
        text.extend_from_slice(b", ");
        text.extend_from_slice(rng.pick(&HEADERS).as_bytes());
    }
    for _ in 0..rng.below(3) {
        fuzz::mutate(rng, &mut text, &[]);
    }
    String::from_utf8_lossy(&text).into_owned()
}

/// RFC 9110 §13.2.2 from the parsed lists (`None`: the header is absent).
fn expected(
    method: &str,
    if_match: Option<&ETagList>,
    if_none_match: Option<&ETagList>,
    required: bool,
    current: Option<&ETag>,
) -> Precondition {
    let can_fail = |list: Option<&ETagList>| match list {
        Some(ETagList::Any) => true,
        Some(ETagList::Tags(tags)) => !tags.is_empty(),
        _ => false,
    };
    if required && if_match.is_none() && !can_fail(if_none_match) {
        return Precondition::PreconditionRequired;
    }
    if let Some(list) = if_match {
        let holds = match list {
            ETagList::Any => current.is_some(),
            ETagList::Tags(tags) => current.is_some_and(|c| tags.iter().any(|t| t.strong_eq(c))),
        };
        if !holds {
            return Precondition::PreconditionFailed;
        }
    }
    if let Some(list) = if_none_match {
        let matched = match list {
            ETagList::Any => current.is_some(),
            ETagList::Tags(tags) => current.is_some_and(|c| tags.iter().any(|t| t.weak_eq(c))),
        };
        if matched {
            return match method {
                "GET" | "HEAD" => Precondition::NotModified,
                _ => Precondition::PreconditionFailed,
            };
        }
    }
    Precondition::Proceed
}

#[test]
fn etags_and_preconditions() {
    let mut rng = Rng::new(0xe7a9);
    let (mut parsed, cases) = (0, fuzz::cases(CASES));
    let currents = [None, Some(ETag::strong("abc").unwrap()), Some(ETag::weak("b").unwrap())];
    for case in 0..cases {
        let one = header(&mut rng);
        let other = header(&mut rng);
        let method = *rng.pick(&["GET", "HEAD", "PUT", "DELETE"]);
        let required = rng.chance(1, 4);
        let current = rng.pick(&currents).clone();
        let (use_match, use_none) = (rng.chance(2, 3), rng.chance(1, 2));
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut accepted = 0;
            if let Ok(tag) = one.parse::<ETag>() {
                accepted += 1;
                assert_eq!(tag.to_string().parse::<ETag>().as_ref(), Ok(&tag));
                let rebuilt =
                    if tag.is_weak() { ETag::weak(tag.tag()) } else { ETag::strong(tag.tag()) };
                assert_eq!(rebuilt.as_ref(), Ok(&tag));
            }
            let lists = [ETagList::parse(&one), ETagList::parse(&other)];
            for list in lists.iter().flatten() {
                assert_eq!(ETagList::parse(&list.to_string()).as_ref(), Ok(list), "{list}");
            }
            let mut preconditions = Preconditions::new(method);
            if use_match {
                preconditions.if_match(&one);
            }
            if use_none {
                preconditions.if_none_match(&other);
            }
            if required {
                preconditions.require();
            }
            let result = preconditions.evaluate(current.as_ref());
            let if_match = use_match.then_some(&lists[0]);
            let if_none_match = use_none.then_some(&lists[1]);
            let broken =
                if_match.is_some_and(Result::is_err) || if_none_match.is_some_and(Result::is_err);
            match result {
                Err(_) => assert!(broken, "evaluate refused headers that parse"),
                Ok(answer) => {
                    assert!(!broken, "evaluate accepted a header that does not parse");
                    let want = expected(
                        method,
                        if_match.map(|l| l.as_ref().unwrap()),
                        if_none_match.map(|l| l.as_ref().unwrap()),
                        required,
                        current.as_ref(),
                    );
                    assert_eq!(answer, want);
                }
            }
            accepted
        }));
        match outcome {
            Ok(accepted) => parsed += accepted,
            Err(_) => panic!(
                "etag case {case}: {one:?} / {other:?}, {method}, required {required}, {current:?}"
            ),
        }
    }
    assert!(parsed > cases / 40 && parsed < cases * 9 / 10, "{parsed} of {cases}");
}

// ---------------------------------------------------------- compat servers

#[cfg(feature = "compat")]
mod compat_servers {
    use routekit::route::Router;
    use routekit::route::compat::{CompatRing, Profile, Server};

    use super::*;

    const ADDRESSES: [&str; 10] = [
        "10.0.1.1:11211",
        "10.0.1.2",
        "cache-a.example:11212",
        "[::1]:11211",
        "::1",
        "/var/run/memcached.sock",
        "localhost:80",
        "127.0.0.1:0",
        "host:65536",
        "[fe80::1%eth0]:8080",
    ];

    fn address(rng: &mut Rng) -> String {
        let mut text = rng.pick(&ADDRESSES).as_bytes().to_vec();
        for _ in 0..rng.below(3) {
            fuzz::mutate(rng, &mut text, &[]);
        }
        String::from_utf8_lossy(&text).into_owned()
    }

    #[test]
    fn server_strings() {
        let profiles = [
            Profile::Libketama,
            Profile::Libmemcached,
            Profile::Twemproxy,
            Profile::NginxConsistent,
        ];
        let mut rng = Rng::new(0xc0_3a7);
        let (mut built, cases) = (0, fuzz::cases(CASES));
        for case in 0..cases {
            let profile = *rng.pick(&profiles);
            let servers: Vec<Server<String>> = (0..1 + rng.below(3))
                .map(|_| {
                    let weight = *rng.pick(&[0, 1, 2, 100, u32::MAX]);
                    let server = Server::new(address(&mut rng), weight);
                    match rng.chance(1, 4) {
                        true => server.with_name(address(&mut rng)),
                        false => server,
                    }
                })
                .collect();
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let Ok(ring) = CompatRing::with_servers(profile, servers.clone()) else {
                    return false;
                };
                for key in [&b""[..], b"a", b"session:42", &[0xff; 40]] {
                    assert!(ring.route(key).is_some(), "a built ring routes every key");
                }
                let again = CompatRing::with_servers(profile, servers.clone()).unwrap();
                assert!(ring.continuum().eq(again.continuum()), "building is deterministic");
                true
            }));
            match outcome {
                Ok(ok) => built += usize::from(ok),
                Err(_) => panic!("compat case {case}: {profile:?} {servers:?}"),
            }
        }
        assert!(built > cases / 40 && built < cases * 9 / 10, "{built} of {cases}");
    }
}
