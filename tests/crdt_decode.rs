//! What the CRDT decoders accept: exactly the states and deltas the crate's
//! own operations produce. One regression per invariant (bytes and serde),
//! and a property: any input a decoder accepts, however it was damaged,
//! merges lawfully with valid states.
//!
//! Cases: 64 per property by default; `ROUTEKIT_PROPTEST_CASES=n` (or
//! `PROPTEST_CASES=n`) sets the count, `ROUTEKIT_LONG_TESTS=1` runs 2048.

use proptest::prelude::*;
use routekit::crdt::{
    DecodeError, DisableWinsFlag, EnableWinsFlag, GCounter, GCounterDelta, Invariant, LwwMap,
    OrSet, OrSetDelta, PNCounter, PNCounterDelta,
};

fn config() -> ProptestConfig {
    let number = |name: &str| {
        let value = std::env::var(name).ok()?;
        Some(value.parse().unwrap_or_else(|_| panic!("{name} must be a number")))
    };
    let long = std::env::var("ROUTEKIT_LONG_TESTS").is_ok_and(|v| v == "1");
    let cases = number("ROUTEKIT_PROPTEST_CASES")
        .or_else(|| number("PROPTEST_CASES"))
        .unwrap_or(if long { 2048 } else { 64 });
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

fn broken(invariant: Invariant) -> Result<(), DecodeError> {
    Err(DecodeError::from(invariant))
}

/// The bytes of an `OrSet<u8, u8>` whose context knows actor 7 up to 1,
/// with the element section `elements`.
fn set_bytes(elements: &[u8]) -> Vec<u8> {
    let mut bytes = b"RK\x03\x01\x01\x07\x01\x00".to_vec();
    bytes.extend_from_slice(elements);
    bytes
}

#[test]
fn every_invariant_is_refused_by_name_in_bytes() {
    let set = |bytes: &[u8]| OrSet::<u8, u8>::from_bytes(bytes).map(drop);
    // Element 5 with the dot (7, 1): fine.
    assert_eq!(set(&set_bytes(b"\x01\x05\x01\x00\x01")), Ok(()));
    // A dot with counter 0, which every context that knows actor 7 claims
    // to have seen: the dot that made merges disagree.
    assert_eq!(set(&set_bytes(b"\x01\x05\x01\x00\x00")), broken(Invariant::ZeroDotCounter));
    // A dot the context has not seen, and one of an actor it does not know.
    assert_eq!(set(&set_bytes(b"\x01\x05\x01\x00\x02")), broken(Invariant::DotOutsideContext));
    assert_eq!(set(&set_bytes(b"\x01\x05\x01\x01\x01")), broken(Invariant::DotOutsideContext));
    // One dot under two elements.
    assert_eq!(
        set(&set_bytes(b"\x02\x05\x01\x00\x01\x06\x01\x00\x01")),
        broken(Invariant::SharedDot)
    );
    // An element with no dots, refused before the rest is read.
    assert_eq!(set(&set_bytes(b"\x01\x05\x00\x00\x00")), broken(Invariant::ElementWithoutDots));
    // A context actor that has seen nothing.
    assert_eq!(set(b"RK\x03\x01\x01\x07\x00\x00\x00"), broken(Invariant::EmptyClock));

    // Counters: no entry of 0, in states and deltas.
    let zero = broken(Invariant::ZeroCount);
    assert_eq!(GCounter::<u8>::from_bytes(b"RK\x01\x01\x01\x01\x00").map(drop), zero);
    assert_eq!(GCounterDelta::<u8>::from_bytes(b"RK\x01\x01\x01\x01\x00").map(drop), zero);
    assert_eq!(PNCounter::<u8>::from_bytes(b"RK\x02\x01\x00\x01\x01\x00").map(drop), zero);
    let pn = PNCounterDelta::<u8>::from_bytes(b"RK\x02\x01\x00\x01\x01\x00");
    assert_eq!(pn.map(drop), zero);

    // Set deltas.
    let delta = |bytes: &[u8]| OrSetDelta::<u8, u8>::from_bytes(bytes).map(drop);
    assert_eq!(delta(b"RK\x04\x01\x00\x05\x07\x00\x00"), broken(Invariant::ZeroDotCounter));
    assert_eq!(delta(b"RK\x04\x01\x01\x05\x01\x07\x00"), broken(Invariant::ZeroDotCounter));
    assert_eq!(delta(b"RK\x04\x01\x01\x05\x00"), broken(Invariant::EmptyDelta));
    assert_eq!(delta(b"RK\x04\x01\x02\x00"), broken(Invariant::EmptyDelta));
    assert_eq!(
        delta(b"RK\x04\x01\x00\x05\x07\x03\x01\x07\x04"),
        broken(Invariant::ReplacedLaterDot)
    );
}

#[test]
fn the_flags_and_the_map_refuse_each_invariant_by_name() {
    // A flag whose context knows actor 9 up to 1; then its enables (and, for
    // a DisableWinsFlag, its disables), each dot as (actor position, counter).
    let enable = |dots: &[u8]| {
        EnableWinsFlag::<u8>::from_bytes(&[&b"RK\x06\x01\x01\x09\x01\x00"[..], dots].concat())
            .map(drop)
    };
    let disable = |dots: &[u8]| {
        DisableWinsFlag::<u8>::from_bytes(&[&b"RK\x07\x01\x01\x09\x01\x00"[..], dots].concat())
            .map(drop)
    };
    assert_eq!(enable(b"\x01\x00\x01"), Ok(()));
    assert_eq!(disable(b"\x00\x01\x00\x01"), Ok(()));
    // Counter 0, which the context claims to have seen.
    assert_eq!(enable(b"\x01\x00\x00"), broken(Invariant::ZeroDotCounter));
    assert_eq!(disable(b"\x00\x01\x00\x00"), broken(Invariant::ZeroDotCounter));
    // A dot the context has not seen, and one past its actors.
    assert_eq!(enable(b"\x01\x00\x02"), broken(Invariant::DotOutsideContext));
    assert_eq!(disable(b"\x00\x01\x01\x01"), broken(Invariant::DotOutsideContext));
    // One dot made by an enable and by a disable.
    assert_eq!(disable(b"\x01\x00\x01\x01\x00\x01"), broken(Invariant::DotEnablesAndDisables));
    // A flag context actor that has seen nothing.
    let empty = EnableWinsFlag::<u8>::from_bytes(b"RK\x06\x01\x01\x09\x00\x00\x00");
    assert_eq!(empty.map(drop), broken(Invariant::EmptyClock));

    // A map of actor 7 with key 1 twice (a value at 1, a tombstone at 2).
    let twice = LwwMap::<u8, u8, u8>::from_bytes(
        b"RK\x08\x01\x01\x07\x02\x01\x01\x00\x01\x05\x01\x02\x00\x00",
    );
    assert_eq!(twice.map(drop), broken(Invariant::DuplicateKey));
}

#[test]
fn the_new_kinds_refuse_counts_their_bytes_cannot_hold() {
    // Each count is checked against the bytes left at the smallest encoding
    // of what it counts, before anything is reserved.
    let huge = b"\xff\xff\xff\xff\xff\xff\xff\xff\x7f";
    let flag = [&b"RK\x06\x01\x00"[..], huge, &[0; 8]].concat();
    assert_eq!(EnableWinsFlag::<u8>::from_bytes(&flag), Err(DecodeError::Truncated));
    let off = [&b"RK\x07\x01\x00\x00"[..], huge, &[0; 8]].concat();
    assert_eq!(DisableWinsFlag::<u8>::from_bytes(&off), Err(DecodeError::Truncated));
    // Dots take two bytes each: two dots do not fit in three bytes.
    let short = b"RK\x06\x01\x01\x09\x02\x00\x02\x00\x01\x00";
    assert_eq!(EnableWinsFlag::<u8>::from_bytes(short), Err(DecodeError::Truncated));
    let actors = [&b"RK\x08\x01"[..], huge, &[1; 8]].concat();
    assert_eq!(LwwMap::<String, u8, u8>::from_bytes(&actors), Err(DecodeError::Truncated));
    // Map entries take three bytes each: two do not fit in five.
    let entries = b"RK\x08\x01\x01\x07\x02\x01\x01\x00\x00\x02";
    assert_eq!(LwwMap::<u8, u8, u8>::from_bytes(entries), Err(DecodeError::Truncated));
}

#[cfg(feature = "serde")]
#[test]
fn every_invariant_is_refused_by_name_in_serde() {
    fn says<T: serde::de::DeserializeOwned>(json: &str, invariant: Invariant) {
        let err = serde_json::from_str::<T>(json).err().unwrap_or_else(|| panic!("{json}"));
        let text = invariant.to_string();
        assert!(err.to_string().contains(&text), "{json}: {err} does not say {text:?}");
    }
    assert!(serde_json::from_str::<OrSet<u8, u8>>("[[[7,1,[]]],[[5,[[0,1]]]]]").is_ok());
    type Set = OrSet<u8, u8>;
    says::<Set>("[[[7,1,[]]],[[5,[[0,0]]]]]", Invariant::ZeroDotCounter);
    says::<Set>("[[[7,1,[]]],[[5,[[0,2]]]]]", Invariant::DotOutsideContext);
    says::<Set>("[[[7,1,[]]],[[5,[[1,1]]]]]", Invariant::DotOutsideContext);
    says::<Set>("[[[7,1,[]]],[[5,[[0,1]]],[6,[[0,1]]]]]", Invariant::SharedDot);
    says::<Set>("[[[7,1,[]]],[[5,[]]]]", Invariant::ElementWithoutDots);
    says::<Set>("[[[7,0,[]]],[]]", Invariant::EmptyClock);
    says::<GCounter<u8>>("[[1,0]]", Invariant::ZeroCount);
    says::<GCounterDelta<u8>>("[[1,0]]", Invariant::ZeroCount);
    says::<PNCounter<u8>>("[[],[[1,0]]]", Invariant::ZeroCount);
    says::<PNCounterDelta<u8>>("[[],[[1,0]]]", Invariant::ZeroCount);
    type Delta = OrSetDelta<u8, u8>;
    says::<Delta>(r#"{"Add":[5,7,0,[]]}"#, Invariant::ZeroDotCounter);
    says::<Delta>(r#"{"Remove":[5,[[7,0]]]}"#, Invariant::ZeroDotCounter);
    says::<Delta>(r#"{"Remove":[5,[]]}"#, Invariant::EmptyDelta);
    says::<Delta>(r#"{"Clear":[]}"#, Invariant::EmptyDelta);
    says::<Delta>(r#"{"Add":[5,7,3,[[7,4]]]}"#, Invariant::ReplacedLaterDot);
    assert!(serde_json::from_str::<DisableWinsFlag<u8>>("[[[9,1,[]]],[],[[9,1]]]").is_ok());
    type Enable = EnableWinsFlag<u8>;
    type Disable = DisableWinsFlag<u8>;
    says::<Enable>("[[[9,1,[]]],[[9,0]]]", Invariant::ZeroDotCounter);
    says::<Enable>("[[[9,1,[]]],[[9,2]]]", Invariant::DotOutsideContext);
    says::<Enable>("[[[9,1,[]]],[[8,1]]]", Invariant::DotOutsideContext);
    says::<Disable>("[[[9,1,[]]],[],[[9,0]]]", Invariant::ZeroDotCounter);
    says::<Disable>("[[[9,1,[]]],[[9,1]],[[9,1]]]", Invariant::DotEnablesAndDisables);
    says::<Enable>("[[[9,0,[]]],[]]", Invariant::EmptyClock);
    says::<LwwMap<u8, u8, u8>>("[[1,1,7,5],[1,2,7,null]]", Invariant::DuplicateKey);
}

/// One step of a history: (replica, what, element).
type Step = (usize, u8, u8);

/// Three replicas (actors 1, 2, 3) after `steps`: adds, removes, clears,
/// deltas delivered to the next replica, and whole-state merges.
fn replicas(steps: &[Step]) -> Vec<OrSet<u8, u8>> {
    let mut sets = vec![OrSet::new(), OrSet::new(), OrSet::new()];
    for &(at, what, element) in steps {
        let delta = match what % 6 {
            0 | 1 => Some(sets[at].add(&(at as u8 + 1), element % 6).unwrap()),
            2 => sets[at].remove(&(element % 6)),
            3 => sets[at].clear(),
            _ => {
                let other = sets[(at + 1) % 3].clone();
                sets[at].merge(&other).unwrap();
                None
            }
        };
        if let (Some(delta), true) = (delta, element % 2 == 0) {
            sets[(at + 2) % 3].merge_delta(&delta).unwrap();
        }
    }
    sets
}

/// `a ⊔ b`, `None` when refused (a reused dot).
fn join(a: &OrSet<u8, u8>, b: &OrSet<u8, u8>) -> Option<OrSet<u8, u8>> {
    let mut out = a.clone();
    out.merge(b).ok()?;
    Some(out)
}

/// The laws of `x` with the valid `a` and `b`.
fn lawful(x: &OrSet<u8, u8>, a: &OrSet<u8, u8>, b: &OrSet<u8, u8>) -> Result<(), TestCaseError> {
    prop_assert_eq!(join(x, x), Some(x.clone()), "idempotent");
    prop_assert_eq!(join(x, a), join(a, x), "commutative");
    prop_assert_eq!(join(x, b), join(b, x), "commutative");
    let left = join(x, a).and_then(|xa| join(&xa, b));
    let right = join(a, b).and_then(|ab| join(x, &ab));
    if let (Some(left), Some(right)) = (left, right) {
        prop_assert_eq!(left, right, "associative");
    }
    Ok(())
}

/// `set` with 34 and with 250 more elements: a damaged set merged with
/// either takes the merge's path for a small other state, one way or both.
fn larger(set: &OrSet<u8, u8>) -> [OrSet<u8, u8>; 2] {
    let with = |last: u8| {
        let mut large = set.clone();
        for element in 6..=last {
            large.add_without_delta(&9, element).unwrap();
        }
        large
    };
    [with(39), with(255)]
}

fn steps() -> impl Strategy<Value = Vec<Step>> {
    prop::collection::vec((0..3usize, any::<u8>(), any::<u8>()), 0..40)
}

/// Byte edits: (position, new value or `None` for one less).
fn edits() -> impl Strategy<Value = Vec<(usize, Option<u8>)>> {
    // Zero, one less, or anything: small values are where counts, positions
    // and counters change meaning and still parse.
    let edit = prop_oneof![Just(Some(0u8)), Just(None), any::<u8>().prop_map(Some)];
    prop::collection::vec((any::<usize>(), edit), 1..3)
}

proptest! {
    #![proptest_config(config())]

    /// Bytes of a valid state with a few bytes overwritten: whatever the
    /// decoder accepts merges lawfully with the valid replicas, and a
    /// large set merged with a small one (the merge's other path) too.
    #[test]
    fn accepted_damaged_bytes_merge_lawfully(steps in steps(), edits in edits()) {
        let sets = replicas(&steps);
        let mut bytes = sets[0].to_bytes();
        for (at, edit) in edits {
            let at = at % bytes.len();
            bytes[at] = edit.unwrap_or(bytes[at].wrapping_sub(1));
        }
        if let Ok(x) = OrSet::<u8, u8>::from_bytes(&bytes) {
            eprintln!("ACCEPT {:?}", x);
            prop_assert_eq!(x.to_bytes(), bytes);
            lawful(&x, &sets[1], &sets[2])?;
            for large in larger(&sets[1]) {
                lawful(&x, &large, &sets[2])?;
            }
        }
    }
}

#[cfg(feature = "serde")]
proptest! {
    #![proptest_config(config())]

    /// The JSON of a valid state with one number replaced: whatever
    /// deserializes merges lawfully.
    #[test]
    fn accepted_damaged_json_merges_lawfully(
        steps in steps(),
        pick in any::<usize>(),
        number in prop::sample::select(vec!["0", "1", "2", "3", "7", "4294967295"]),
    ) {
        let sets = replicas(&steps);
        let json = serde_json::to_string(&sets[0]).unwrap();
        let starts: Vec<usize> = json
            .char_indices()
            .filter(|&(i, c)| c.is_ascii_digit() && !json[..i].ends_with(|p: char| p.is_ascii_digit()))
            .map(|(i, _)| i)
            .collect();
        prop_assume!(!starts.is_empty());
        let start = starts[pick % starts.len()];
        let end = json[start..].find(|c: char| !c.is_ascii_digit()).map_or(json.len(), |n| start + n);
        let damaged = format!("{}{}{}", &json[..start], number, &json[end..]);
        if let Ok(x) = serde_json::from_str::<OrSet<u8, u8>>(&damaged) {
            prop_assert_eq!(OrSet::from_bytes(&x.to_bytes()), Ok(x.clone()));
            lawful(&x, &sets[1], &sets[2])?;
            for large in larger(&sets[1]) {
                lawful(&x, &large, &sets[2])?;
            }
        }
    }
}
