//! Peak memory of the CRDT decoders on large and hostile input: a decoder's
//! memory stays within a small constant factor of its input.
//!
//! The test binary runs under a capped global allocator. Before each decode
//! the cap is set to what is allocated plus the budget the decoder is
//! allowed, so a decoder that reserves more aborts the test binary instead
//! of passing. One test function runs every case in turn: the cap is global.
//!
//! Two kinds of input:
//!
//! * **Garbage claiming huge counts** (64 MiB): a valid header, a count as
//!   large as the bytes allow (or far larger), then random bytes or
//!   elements the decoder must refuse. Refused with at most the bounded
//!   up-front reservation (64 KiB a list) and the items read before the
//!   refusal.
//! * **A valid prefix of minimal items** (8 MiB) that fails at its very
//!   end, so the decoder builds everything before refusing: the worst
//!   case. Its budget is the in-memory size of what it read — at most
//!   `MINIMAL_FACTOR` times the input, the ratio of a decoded item (with
//!   the slack of a growing vector or hash table) to its smallest encoding.

use std::alloc::System;

use cap::Cap;
use routekit::crdt::{
    DecodeError, DisableWinsFlag, EnableWinsFlag, GCounter, LwwMap, LwwMapDelta, LwwRegister,
    MvRegister, OrSet, OrSetDelta, PNCounter,
};

#[global_allocator]
static ALLOCATOR: Cap<System> = Cap::new(System, usize::MAX);

/// Up-front reservations are bounded by 64 KiB per list; a decode of
/// garbage holds a few such lists and the few items read before the error.
const GARBAGE_BUDGET: usize = 1 << 20;

/// The budget of a valid prefix, in bytes per input byte.
const MINIMAL_FACTOR: usize = 24;

/// Runs `decode` with at most `budget` bytes more than are allocated now;
/// returns what it gave and the bytes it allocated in all (its peak is at
/// most that).
fn within<T>(budget: usize, decode: impl FnOnce() -> T) -> (T, usize) {
    let before = ALLOCATOR.total_allocated();
    ALLOCATOR
        .set_limit(ALLOCATOR.allocated() + budget)
        .expect("the cap is above what is allocated");
    let result = decode();
    ALLOCATOR.set_limit(usize::MAX).expect("raising the cap");
    (result, ALLOCATOR.total_allocated() - before)
}

fn varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push(value as u8 | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// SplitMix64 garbage of `len` bytes.
fn garbage(len: usize) -> Vec<u8> {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut x = state;
        x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        out.extend_from_slice(&(x ^ (x >> 31)).to_le_bytes());
    }
    out.truncate(len);
    out
}

/// `header`, then `count`, then `body`.
fn claim(header: &[u8], count: u64, body: &[u8]) -> Vec<u8> {
    let mut bytes = header.to_vec();
    varint(&mut bytes, count);
    bytes.extend_from_slice(body);
    bytes
}

const BIG: usize = 64 << 20;
const PREFIX: usize = 4 << 20;

fn refused_within_garbage_budget<T: std::fmt::Debug>(
    what: &str,
    input: &[u8],
    decode: impl FnOnce(&[u8]) -> Result<T, DecodeError>,
) {
    let (result, peak) = within(GARBAGE_BUDGET, || decode(input));
    assert!(result.is_err(), "{what}: {result:?}");
    eprintln!("{what}: {} MiB refused, {} KiB allocated", input.len() >> 20, peak >> 10);
}

fn prefix_within_factor<T: std::fmt::Debug>(
    what: &str,
    input: &[u8],
    decode: impl FnOnce(&[u8]) -> Result<T, DecodeError>,
) {
    let (result, peak) = within(MINIMAL_FACTOR * input.len(), || decode(input));
    assert!(result.is_err(), "{what}: the prefix must fail at its end");
    eprintln!(
        "{what}: {} KiB refused at its end, {} KiB allocated ({:.1} per input byte)",
        input.len() >> 10,
        peak >> 10,
        peak as f64 / input.len() as f64
    );
}

#[test]
fn decoders_stay_within_a_constant_factor_of_their_input() {
    // One buffer of garbage; each case writes its header and count over
    // its front (the 16 bytes there are garbage too).
    let mut input = garbage(BIG);
    let claiming = |input: &mut Vec<u8>, header: &[u8], count: u64| {
        let mut front = header.to_vec();
        varint(&mut front, count);
        front.resize(16, 0x5a);
        input[..16].copy_from_slice(&front);
    };
    let huge = u64::MAX >> 1;

    // 1. Garbage behind counts as large as the bytes allow, and larger:
    // the context's actors, a set's elements, a delta's dots, a counter's
    // entries (string actors: the largest entries), for every kind.
    type Decode = fn(&[u8]) -> Result<(), DecodeError>;
    type Map = LwwMap<String, String, String>;
    let cases: [(&str, &[u8], Decode); 17] = [
        ("OrSet actors", b"RK\x03\x01", |b| OrSet::<String, String>::from_bytes(b).map(drop)),
        ("OrSet elements", b"RK\x03\x01\x00", |b| OrSet::<String, String>::from_bytes(b).map(drop)),
        ("OrSetDelta dots", b"RK\x04\x01\x01\x00", |b| {
            OrSetDelta::<String, String>::from_bytes(b).map(drop)
        }),
        ("OrSetDelta clear", b"RK\x04\x01\x02", |b| {
            OrSetDelta::<String, String>::from_bytes(b).map(drop)
        }),
        ("GCounter<String>", b"RK\x01\x01", |b| GCounter::<String>::from_bytes(b).map(drop)),
        ("PNCounter<String>", b"RK\x02\x01", |b| PNCounter::<String>::from_bytes(b).map(drop)),
        // The session kinds: a flag's context and its dots (string actors:
        // the largest dots), a map's actors and its entries, and the one
        // length of a register's or a map delta's string.
        ("EnableWinsFlag actors", b"RK\x06\x01", |b| {
            EnableWinsFlag::<String>::from_bytes(b).map(drop)
        }),
        ("EnableWinsFlag enables", b"RK\x06\x01\x00", |b| {
            EnableWinsFlag::<String>::from_bytes(b).map(drop)
        }),
        ("DisableWinsFlag enables", b"RK\x07\x01\x00", |b| {
            DisableWinsFlag::<String>::from_bytes(b).map(drop)
        }),
        ("DisableWinsFlag disables", b"RK\x07\x01\x00\x00", |b| {
            DisableWinsFlag::<String>::from_bytes(b).map(drop)
        }),
        ("LwwMap actors", b"RK\x08\x01", |b| Map::from_bytes(b).map(drop)),
        ("LwwMap entries", b"RK\x08\x01\x00", |b| Map::from_bytes(b).map(drop)),
        ("LwwRegister value", b"RK\x05\x01\x01\x00\x00", |b| {
            LwwRegister::<u8, String>::from_bytes(b).map(drop)
        }),
        ("LwwMapDelta key", b"RK\x09\x01", |b| {
            LwwMapDelta::<u8, String, String>::from_bytes(b).map(drop)
        }),
        ("LwwMapDelta value", b"RK\x09\x01\x00\x00\x00\x01", |b| {
            LwwMapDelta::<u8, u8, String>::from_bytes(b).map(drop)
        }),
        // A multi-value register's context and its writes.
        ("MvRegister actors", b"RK\x0a\x01", |b| {
            MvRegister::<String, String>::from_bytes(b).map(drop)
        }),
        ("MvRegister writes", b"RK\x0a\x01\x00", |b| {
            MvRegister::<String, String>::from_bytes(b).map(drop)
        }),
    ];
    for count in [huge, (BIG / 2) as u64] {
        for (what, header, decode) in cases {
            claiming(&mut input, header, count);
            refused_within_garbage_budget(what, &input, decode);
        }
    }
    // A GCounter<String> of 128 MiB, which once asked for 4 GiB.
    input.extend_from_within(..);
    claiming(&mut input, b"RK\x01\x01", (BIG * 2 - 16) as u64);
    refused_within_garbage_budget("GCounter<String>, 128 MiB", &input, |b| {
        GCounter::<String>::from_bytes(b)
    });
    drop(input);

    // 2. Elements with no dots, as many as the bytes hold: refused at the
    // first one, before the rest is read.
    let elements = claim(b"RK\x03\x01\x00", (BIG / 2) as u64, &[5u8, 0].repeat(BIG / 2));
    refused_within_garbage_budget("OrSet elements without dots", &elements, |b| {
        OrSet::<u64, u64>::from_bytes(b)
    });
    drop(elements);

    // 3. Valid prefixes of minimal items, refused at their end.
    // Context clocks: actor ids 0, 1, 2 ... each with version 1, no gaps.
    let mut clocks = Vec::with_capacity(PREFIX);
    let mut actors = 0u64;
    while clocks.len() < PREFIX {
        varint(&mut clocks, actors);
        clocks.extend_from_slice(&[1, 0]);
        actors += 1;
    }
    let set = claim(b"RK\x03\x01", actors, &clocks); // no element section
    prefix_within_factor("OrSet<u64, u64> context", &set, OrSet::<u64, u64>::from_bytes);
    drop((clocks, set));

    // Elements 0, 1, 2 ... each with its own dot of actor 0, and one
    // element too many at the end.
    let mut body = vec![1, 0];
    let elements = (PREFIX / 8) as u64;
    varint(&mut body, elements);
    body.push(0);
    varint(&mut body, elements + 1);
    for value in 0..elements {
        varint(&mut body, value);
        body.extend_from_slice(&[1, 0]);
        varint(&mut body, value + 1);
    }
    let set = [&b"RK\x03\x01"[..], &body, &[0x7f, 1, 0, 1]].concat();
    prefix_within_factor("OrSet<u8, u64> elements", &set, OrSet::<u8, u64>::from_bytes);
    drop((body, set));

    // String actors "a0000000", "a0000001" ... each with a count of 1.
    let mut entries = Vec::with_capacity(PREFIX);
    let mut count = 0u64;
    while entries.len() < PREFIX {
        let actor = format!("a{count:07}");
        varint(&mut entries, actor.len() as u64);
        entries.extend_from_slice(actor.as_bytes());
        entries.push(1);
        count += 1;
    }
    entries.push(0); // a truncated last entry
    let counter = claim(b"RK\x01\x01", count + 1, &entries);
    prefix_within_factor("GCounter<String> entries", &counter, |b| {
        GCounter::<String>::from_bytes(b)
    });
    drop((entries, counter));

    // A map of actor 0 with keys 0, 1, 2 ... each a value of 0, and a key
    // too many at the end.
    let mut body = vec![1, 0];
    let keys = (PREFIX / 6) as u64;
    varint(&mut body, keys + 1);
    for key in 0..keys {
        varint(&mut body, key);
        body.extend_from_slice(&[1, 0, 1, 0]);
    }
    body.push(0x7f);
    let map = [&b"RK\x08\x01"[..], &body].concat();
    prefix_within_factor("LwwMap<u8, u64, u8> entries", &map, LwwMap::<u8, u64, u8>::from_bytes);
    drop((body, map));

    // A flag of actor 0 enabled by its dots 1, 2, 3 ... (as after lost
    // deltas), and a dot too many at the end.
    let dots = (PREFIX / 4) as u64;
    let mut body = vec![1, 0];
    varint(&mut body, dots);
    body.push(0);
    varint(&mut body, dots + 1);
    for counter in 1..=dots {
        body.push(0);
        varint(&mut body, counter);
    }
    let flag = [&b"RK\x06\x01"[..], &body].concat();
    prefix_within_factor("EnableWinsFlag<u8> enables", &flag, EnableWinsFlag::<u8>::from_bytes);
    drop((body, flag));

    // 4. serde_json: the text of a large set needs no more than a few
    // times the text to read.
    #[cfg(feature = "serde")]
    {
        let mut set = OrSet::<u8, u32>::new();
        for value in 0..100_000u32 {
            set.add_without_delta(&1, value).unwrap();
        }
        let json = serde_json::to_string(&set).unwrap();
        drop(set);
        let (read, peak) =
            within(MINIMAL_FACTOR * json.len(), || serde_json::from_str::<OrSet<u8, u32>>(&json));
        assert!(read.is_ok_and(|set| set.len() == 100_000));
        eprintln!("OrSet json: {} KiB read, {} KiB allocated", json.len() >> 10, peak >> 10);
        // Text claiming elements with no dots: refused at the first.
        let mut text = String::from("[[[1,1,[]]],[");
        for value in 0..200_000u32 {
            text.push_str(&format!("[{value},[]],"));
        }
        text.push_str("[0,[]]]]");
        let (refused, _) =
            within(MINIMAL_FACTOR * text.len(), || serde_json::from_str::<OrSet<u8, u32>>(&text));
        assert!(refused.is_err());
    }
}
