//! Fuzzing every CRDT decoder: `from_bytes` of [`GCounter`], [`PNCounter`],
//! [`OrSet`], [`LwwRegister`], [`EnableWinsFlag`], [`DisableWinsFlag`],
//! [`LwwMap`] and their deltas, with integer and string actors, elements,
//! keys and values, and (feature `serde`) their serde_json form.
//!
//! Seeds are valid encodings made by random operations on three replicas
//! that exchange deltas out of order, lose some, and merge whole states now
//! and then: sets with gaps in their causal contexts, elements with several
//! dots, counters of several actors, and every form of delta. Mutations come
//! from the shared harness (`tests/support/fuzz.rs`): bit flips, truncation,
//! extension, bytes set to extremes, huge and overlong varints spliced in
//! where counts and lengths sit, the kind and version bytes changed. The
//! serde targets also replace the numbers of the JSON text with extremes
//! (0, `u32::MAX`, `u64::MAX`, 2^64, -1).
//!
//! After every accepted input:
//!
//! * it re-encodes to exactly the bytes accepted (one spelling per value),
//!   and `encoded_len` says how long that is; a serde input reads back as
//!   the same value from its bytes and from its JSON;
//! * its merge with valid states obeys the laws: commutative (both orders
//!   give the same state, or both refuse a reused dot), associative (when
//!   every merge succeeds), idempotent, with the empty state as identity;
//! * a delta merged with `merge_delta` has the effect of merging the state
//!   it stands for.
//!
//! Each target runs a few thousand cases; `ROUTEKIT_FUZZ_CASES=N` sets the
//! number per target (`ROUTEKIT_FUZZ_CASES=200000 cargo test --release
//! --all-features --test fuzz_crdt`). A release build on the 2-core
//! development machine runs, per target on one core, about 4 million cases
//! a minute for the set and set-delta bytes, 10 million for the counters'
//! bytes, 1.5 million for the sets' JSON and 8 million for the counters'
//! JSON; measured while other builds shared the machine (load average 12
//! to 16), so these are lower bounds.

#[path = "support/fuzz.rs"]
mod fuzz;

use std::fmt::Debug;

use fuzz::{Rng, Target};
use routekit::crdt::{
    Crdt, DecodeError, DisableWinsFlag, EnableWinsFlag, GCounter, GCounterDelta, LwwMap,
    LwwMapDelta, LwwRegister, OrSet, OrSetDelta, PNCounter, PNCounterDelta,
};

/// Cases per target unless `ROUTEKIT_FUZZ_CASES` says otherwise.
const CASES: usize = 3_000;

/// The version byte of every encoding (after the magic and the kind byte).
const HEADER: [fuzz::Field; 2] = [fuzz::Field { at: 2, width: 1 }, fuzz::Field { at: 3, width: 1 }];

/// What the fuzz checks need of a state or a delta.
trait Encoded: Sized + Clone + PartialEq + Debug {
    fn decode(bytes: &[u8]) -> Result<Self, DecodeError>;
    fn encode(&self) -> Vec<u8>;
    fn len(&self) -> usize;
}

macro_rules! encoded {
    ($($t:ty),*) => {$(
        impl Encoded for $t {
            fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
                <$t>::from_bytes(bytes)
            }
            fn encode(&self) -> Vec<u8> {
                self.to_bytes()
            }
            fn len(&self) -> usize {
                self.encoded_len()
            }
        }
    )*};
}

type Set = OrSet<u8, u8>;
type Strings = OrSet<String, String>;
encoded!(
    Set,
    OrSetDelta<u8, u8>,
    Strings,
    OrSetDelta<String, String>,
    GCounter<u8>,
    GCounterDelta<u8>,
    GCounter<String>,
    PNCounter<u8>,
    PNCounterDelta<u8>,
    LwwRegister<u8, u8>,
    LwwRegister<String, String>,
    EnableWinsFlag<u8>,
    DisableWinsFlag<u8>,
    DisableWinsFlag<String>,
    Map,
    LwwMapDelta<u8, u8, u8>,
    StringMap,
    LwwMapDelta<String, String, String>
);

type Map = LwwMap<u8, u8, u8>;
type StringMap = LwwMap<String, String, String>;

/// `a ⊔ b`, or `None` when the merge is refused (a reused dot).
fn join<C: Crdt>(a: &C, b: &C) -> Option<C> {
    let mut out = a.clone();
    Crdt::merge(&mut out, b).ok()?;
    Some(out)
}

/// Asserts the merge laws of `x` with the valid states `a` and `b`.
fn assert_laws<C: Crdt + Debug>(x: &C, a: &C, b: &C) {
    assert_eq!(join(x, x).as_ref(), Some(x), "idempotent");
    assert_eq!(join(x, &C::default()).as_ref(), Some(x), "identity");
    assert_eq!(join(&C::default(), x).as_ref(), Some(x), "identity");
    for other in [a, b] {
        assert_eq!(join(x, other), join(other, x), "commutative with {other:?}");
    }
    let left = join(x, a).and_then(|xa| join(&xa, b));
    let right = join(a, b).and_then(|ab| join(x, &ab));
    if let (Some(left), Some(right)) = (&left, &right) {
        assert_eq!(left, right, "associative with {a:?} and {b:?}");
    }
    // The other grouping of the same three, starting from the valid ones.
    let left = join(a, x).and_then(|ax| join(&ax, b));
    let right = join(x, b).and_then(|xb| join(a, &xb));
    if let (Some(left), Some(right)) = (&left, &right) {
        assert_eq!(left, right, "associative with {a:?} and {b:?}");
    }
}

/// Asserts that merging `delta` into `a` is merging the state it stands for.
fn assert_delta_is_its_state<C: Crdt + Debug>(delta: &C::Delta, a: &C)
where
    C::Delta: Debug,
{
    let mut by_delta = a.clone();
    let by_delta = Crdt::merge_delta(&mut by_delta, delta).ok().map(|()| by_delta);
    let state: C = delta.clone().into();
    assert_eq!(by_delta, join(a, &state), "merge_delta of {delta:?}");
}

/// The checks every accepted input gets: canonical bytes and `encoded_len`.
fn assert_reencodes<T: Encoded>(value: &T, input: &[u8]) {
    fuzz::assert_canonical(&value.encode(), input);
    assert_eq!(value.len(), input.len(), "encoded_len");
}

/// Valid states and deltas made by three replicas that trade deltas out of
/// order, lose some, and merge whole states now and then.
struct History<C: Crdt> {
    states: Vec<C>,
    deltas: Vec<C::Delta>,
}

/// What one replica does to its state, returning the delta (if any).
type Step<C> = fn(&mut C, &mut Rng, u8) -> Option<<C as Crdt>::Delta>;

fn history<C: Crdt>(seed: u64, step: Step<C>) -> History<C> {
    let mut rng = Rng::new(seed);
    let mut replicas = vec![C::default(), C::default(), C::default()];
    let mut history = History { states: vec![C::default()], deltas: Vec::new() };
    let mut in_flight: Vec<(usize, C::Delta)> = Vec::new();
    for _ in 0..120 {
        let at = rng.below(3);
        match rng.below(10) {
            0..=5 => {
                if let Some(delta) = step(&mut replicas[at], &mut rng, at as u8 + 1) {
                    history.deltas.push(delta.clone());
                    for to in (0..3).filter(|&to| to != at) {
                        // One in eight deltas is lost.
                        if !rng.chance(1, 8) {
                            in_flight.push((to, delta.clone()));
                        }
                    }
                }
            }
            6..=8 if !in_flight.is_empty() => {
                let (to, delta) = in_flight.swap_remove(rng.below(in_flight.len()));
                Crdt::merge_delta(&mut replicas[to], &delta).expect("actors are unique");
            }
            _ => {
                let from = rng.below(3);
                let other = replicas[from].clone();
                Crdt::merge(&mut replicas[at], &other).expect("actors are unique");
            }
        }
        if rng.chance(1, 6) {
            history.states.push(replicas[rng.below(3)].clone());
        }
    }
    history.states.extend(replicas);
    history
}

fn set_step(set: &mut Set, rng: &mut Rng, actor: u8) -> Option<OrSetDelta<u8, u8>> {
    let element = rng.below(8) as u8;
    match rng.below(8) {
        0..=4 => Some(set.add(&actor, element).expect("counters are far from u64::MAX")),
        5 | 6 => set.remove(&element),
        _ => set.clear(),
    }
}

fn strings_step(set: &mut Strings, rng: &mut Rng, actor: u8) -> Option<OrSetDelta<String, String>> {
    let element = ["", "tea", "té", "a\u{0}b", "x"][rng.below(5)].to_string();
    let actor = format!("node-{actor}");
    match rng.below(8) {
        0..=4 => Some(set.add(&actor, element).expect("counters are far from u64::MAX")),
        5 | 6 => set.remove(&element),
        _ => set.clear(),
    }
}

fn gcounter_step(c: &mut GCounter<u8>, rng: &mut Rng, actor: u8) -> Option<GCounterDelta<u8>> {
    let by = *rng.pick(&[1, 2, 127, 128, 1 << 40]);
    c.increment(&actor, by).expect("far from u64::MAX")
}

fn strings_counter_step(
    c: &mut GCounter<String>,
    rng: &mut Rng,
    actor: u8,
) -> Option<GCounterDelta<String>> {
    c.increment(&format!("n{actor}"), 1 + rng.below(300) as u64).expect("far from u64::MAX")
}

fn pncounter_step(c: &mut PNCounter<u8>, rng: &mut Rng, actor: u8) -> Option<PNCounterDelta<u8>> {
    let by = 1 + rng.below(1000) as u64;
    let delta = match rng.chance(1, 2) {
        true => c.increment(&actor, by),
        false => c.decrement(&actor, by),
    };
    delta.expect("far from u64::MAX")
}

/// A write's value (or a tombstone, `None`) as a function of its stamp and
/// key: one actor never writes two values at one stamp (a conflict no
/// valid history holds), yet timestamps drawn from a small range tie often
/// between actors.
fn written(timestamp: u64, actor: u8, key: u8) -> Option<u8> {
    let mix = (timestamp as u8).wrapping_mul(31) ^ actor.wrapping_mul(7) ^ key;
    (mix % 5 != 0).then_some(mix % 4)
}

fn register_step(
    r: &mut LwwRegister<u8, u8>,
    rng: &mut Rng,
    actor: u8,
) -> Option<LwwRegister<u8, u8>> {
    let timestamp = rng.below(24) as u64;
    let value = written(timestamp, actor, 0).unwrap_or(9);
    r.set(&actor, timestamp, value).expect("one value per stamp")
}

fn strings_register_step(
    r: &mut LwwRegister<String, String>,
    rng: &mut Rng,
    actor: u8,
) -> Option<LwwRegister<String, String>> {
    let timestamp = [0, 1, 127, 128, u64::MAX][rng.below(5)];
    let value = ["", "dark", "té"][usize::from(written(timestamp, actor, 1).unwrap_or(0)) % 3];
    r.set(&format!("node-{actor}"), timestamp, value.to_string()).expect("one value per stamp")
}

fn enable_wins_step(
    f: &mut EnableWinsFlag<u8>,
    rng: &mut Rng,
    actor: u8,
) -> Option<EnableWinsFlag<u8>> {
    match rng.chance(1, 2) {
        true => f.enable(&actor).expect("counters are far from u64::MAX"),
        false => f.disable(),
    }
}

fn disable_wins_step(
    f: &mut DisableWinsFlag<u8>,
    rng: &mut Rng,
    actor: u8,
) -> Option<DisableWinsFlag<u8>> {
    let delta = match rng.chance(1, 2) {
        true => f.enable(&actor),
        false => f.disable(&actor),
    };
    delta.expect("counters are far from u64::MAX")
}

fn strings_flag_step(
    f: &mut DisableWinsFlag<String>,
    rng: &mut Rng,
    actor: u8,
) -> Option<DisableWinsFlag<String>> {
    let actor = format!("node-{actor}");
    let delta = match rng.chance(1, 3) {
        true => f.enable(&actor),
        false => f.disable(&actor),
    };
    delta.expect("counters are far from u64::MAX")
}

fn map_step(m: &mut Map, rng: &mut Rng, actor: u8) -> Option<LwwMapDelta<u8, u8, u8>> {
    let (timestamp, key) = (rng.below(16) as u64, rng.below(6) as u8);
    let delta = match written(timestamp, actor, key) {
        Some(value) => m.set(&actor, timestamp, key, value),
        None => m.remove(&actor, timestamp, &key),
    };
    delta.expect("one value per stamp")
}

fn strings_map_step(
    m: &mut StringMap,
    rng: &mut Rng,
    actor: u8,
) -> Option<LwwMapDelta<String, String, String>> {
    let (timestamp, key) = (rng.below(300) as u64, rng.below(4) as u8);
    let name = ["", "theme", "té", "a\u{0}b"][usize::from(key)].to_string();
    let actor_id = format!("node-{actor}");
    let delta = match written(timestamp, actor, key) {
        Some(value) => m.set(&actor_id, timestamp, name, "x".repeat(usize::from(value))),
        None => m.remove(&actor_id, timestamp, &name),
    };
    delta.expect("one value per stamp")
}

/// Fuzzes the bytes of the states of `history`: canonical, and lawful with
/// the history's states.
fn fuzz_states<C: Crdt + Encoded>(name: &str, history: &History<C>) -> fuzz::Outcome {
    let seeds: Vec<Vec<u8>> = history.states.iter().map(Encoded::encode).collect();
    let target = Target { name, seeds: &seeds, fields: &HEADER, default_cases: CASES };
    let mut pick = Rng::new(0x1a75);
    let mut earlier = Vec::new();
    fuzz::run(
        &target,
        |bytes| C::decode(bytes).ok(),
        |x, input| {
            assert_reencodes(x, input);
            for _ in 0..3 {
                assert_laws(x, pick.pick(&history.states), pick.pick(&history.states));
            }
            remember(&mut earlier, &mut pick, x);
            assert_laws(x, pick.pick(&earlier), pick.pick(&history.states));
        },
    )
}

/// Fuzzes the bytes of the deltas of `history`: canonical, the same as the
/// state they stand for when merged, and that state lawful.
fn fuzz_deltas<C: Crdt + Debug>(name: &str, history: &History<C>) -> fuzz::Outcome
where
    C::Delta: Encoded,
{
    let seeds: Vec<Vec<u8>> = history.deltas.iter().map(Encoded::encode).collect();
    let target = Target { name, seeds: &seeds, fields: &HEADER, default_cases: CASES };
    let mut pick = Rng::new(0xde17a);
    let mut earlier = Vec::new();
    fuzz::run(
        &target,
        |bytes| C::Delta::decode(bytes).ok(),
        |delta, input| {
            assert_reencodes(delta, input);
            for _ in 0..3 {
                assert_delta_is_its_state(delta, pick.pick(&history.states));
            }
            let state: C = delta.clone().into();
            assert_laws(&state, pick.pick(&history.states), pick.pick(&history.states));
            remember(&mut earlier, &mut pick, &state);
            assert_laws(&state, pick.pick(&earlier), pick.pick(&history.states));
        },
    )
}

/// Keeps `x` among the last few accepted inputs, to merge later ones with.
fn remember<C: Clone>(earlier: &mut Vec<C>, rng: &mut Rng, x: &C) {
    match earlier.len() < 16 {
        true => earlier.push(x.clone()),
        false => earlier[rng.below(16)] = x.clone(),
    }
}

/// Asserts that a run reached both refusals and acceptances beyond the
/// unmutated seeds.
fn assert_varied(name: &str, outcome: fuzz::Outcome) {
    assert!(outcome.accepted > outcome.cases / 40, "{name}: {outcome:?}");
    assert!(outcome.accepted < outcome.cases * 9 / 10, "{name}: {outcome:?}");
}

#[test]
fn or_set_bytes() {
    let sets = history(1, set_step);
    assert_varied("OrSet<u8, u8>", fuzz_states("OrSet<u8, u8>", &sets));
    let strings = history(2, strings_step);
    assert_varied("OrSet<String, String>", fuzz_states("OrSet<String, String>", &strings));
}

#[test]
fn or_set_delta_bytes() {
    let sets = history(3, set_step);
    assert_varied("OrSetDelta<u8, u8>", fuzz_deltas("OrSetDelta<u8, u8>", &sets));
    let strings = history(4, strings_step);
    let outcome = fuzz_deltas("OrSetDelta<String, String>", &strings);
    assert_varied("OrSetDelta<String, String>", outcome);
}

#[test]
fn counter_bytes() {
    let g = history(5, gcounter_step);
    assert_varied("GCounter<u8>", fuzz_states("GCounter<u8>", &g));
    assert_varied("GCounterDelta<u8>", fuzz_deltas("GCounterDelta<u8>", &g));
    let strings = history(6, strings_counter_step);
    assert_varied("GCounter<String>", fuzz_states("GCounter<String>", &strings));
    let pn = history(7, pncounter_step);
    assert_varied("PNCounter<u8>", fuzz_states("PNCounter<u8>", &pn));
    assert_varied("PNCounterDelta<u8>", fuzz_deltas("PNCounterDelta<u8>", &pn));
}

#[test]
fn register_bytes() {
    let r = history(21, register_step);
    assert_varied("LwwRegister<u8, u8>", fuzz_states("LwwRegister<u8, u8>", &r));
    assert_varied("LwwRegister<u8, u8> delta", fuzz_deltas("LwwRegister<u8, u8> delta", &r));
    let strings = history(22, strings_register_step);
    let outcome = fuzz_states("LwwRegister<String, String>", &strings);
    assert_varied("LwwRegister<String, String>", outcome);
}

#[test]
fn flag_bytes() {
    let e = history(23, enable_wins_step);
    assert_varied("EnableWinsFlag<u8>", fuzz_states("EnableWinsFlag<u8>", &e));
    assert_varied("EnableWinsFlag<u8> delta", fuzz_deltas("EnableWinsFlag<u8> delta", &e));
    let d = history(24, disable_wins_step);
    assert_varied("DisableWinsFlag<u8>", fuzz_states("DisableWinsFlag<u8>", &d));
    assert_varied("DisableWinsFlag<u8> delta", fuzz_deltas("DisableWinsFlag<u8> delta", &d));
    let strings = history(25, strings_flag_step);
    assert_varied("DisableWinsFlag<String>", fuzz_states("DisableWinsFlag<String>", &strings));
}

#[test]
fn map_bytes() {
    let m = history(26, map_step);
    assert_varied("LwwMap<u8, u8, u8>", fuzz_states("LwwMap<u8, u8, u8>", &m));
    assert_varied("LwwMapDelta<u8, u8, u8>", fuzz_deltas("LwwMapDelta<u8, u8, u8>", &m));
    let strings = history(27, strings_map_step);
    let name = "LwwMap<String, String, String>";
    assert_varied(name, fuzz_states(name, &strings));
    let name = "LwwMapDelta<String, String, String>";
    assert_varied(name, fuzz_deltas(name, &strings));
}

/// A random input is refused without a panic whatever its kind byte says;
/// the harness's random-bytes cases rarely start with the magic.
#[test]
fn random_bodies_behind_a_valid_header() {
    let mut rng = Rng::new(0xb0d1e5);
    for case in 0..fuzz::cases(CASES) {
        let mut bytes = vec![b'R', b'K', 1 + rng.below(9) as u8, 1];
        let len = rng.below(48);
        bytes.extend(rng.bytes(len));
        std::panic::catch_unwind(|| {
            if let Ok(set) = Set::from_bytes(&bytes) {
                assert_reencodes(&set, &bytes);
            }
            if let Ok(delta) = OrSetDelta::<u8, u8>::from_bytes(&bytes) {
                assert_reencodes(&delta, &bytes);
            }
            if let Ok(c) = GCounter::<u8>::from_bytes(&bytes) {
                assert_reencodes(&c, &bytes);
            }
            if let Ok(c) = PNCounter::<u8>::from_bytes(&bytes) {
                assert_reencodes(&c, &bytes);
            }
            if let Ok(r) = LwwRegister::<u8, u8>::from_bytes(&bytes) {
                assert_reencodes(&r, &bytes);
            }
            if let Ok(f) = EnableWinsFlag::<u8>::from_bytes(&bytes) {
                assert_reencodes(&f, &bytes);
            }
            if let Ok(f) = DisableWinsFlag::<u8>::from_bytes(&bytes) {
                assert_reencodes(&f, &bytes);
            }
            if let Ok(m) = Map::from_bytes(&bytes) {
                assert_reencodes(&m, &bytes);
            }
            if let Ok(delta) = LwwMapDelta::<u8, u8, u8>::from_bytes(&bytes) {
                assert_reencodes(&delta, &bytes);
            }
        })
        .unwrap_or_else(|_| panic!("case {case}: {bytes:02x?}"));
    }
}

#[cfg(feature = "serde")]
mod serde_json_form {
    use serde::Serialize;
    use serde::de::DeserializeOwned;

    use super::*;

    /// Numbers that break counts, counters and actor positions.
    const NUMBERS: [&str; 7] =
        ["0", "1", "255", "4294967295", "18446744073709551615", "18446744073709551616", "-1"];

    /// Replaces one number of the JSON `text` by an extreme, or applies a
    /// byte mutation of the shared harness.
    fn mutate_json(rng: &mut Rng, text: &mut Vec<u8>) {
        let digits: Vec<usize> = (0..text.len())
            .filter(|&i| text[i].is_ascii_digit() && (i == 0 || !text[i - 1].is_ascii_digit()))
            .collect();
        if digits.is_empty() || rng.chance(1, 3) {
            fuzz::mutate(rng, text, &[]);
            return;
        }
        let start = *rng.pick(&digits);
        let end = (start..text.len()).find(|&i| !text[i].is_ascii_digit()).unwrap_or(text.len());
        let number = rng.pick(&NUMBERS).as_bytes().to_vec();
        text.splice(start..end, number);
    }

    /// Fuzzes the JSON of `values`: an accepted text gives a value whose
    /// bytes and JSON read back as it, and which obeys the laws.
    fn fuzz_json<C, D>(name: &str, values: &[D], states: &[C], check: impl Fn(&D, &C, &C))
    where
        C: Crdt + Debug,
        D: Encoded + Serialize + DeserializeOwned,
    {
        let seeds: Vec<Vec<u8>> = values.iter().map(|v| serde_json::to_vec(v).unwrap()).collect();
        let mut rng = Rng::new(name.len() as u64 ^ 0x15_0e);
        let mut accepted = 0;
        let cases = fuzz::cases(CASES);
        for case in 0..cases {
            let mut text = rng.pick(&seeds).clone();
            for _ in 0..1 + rng.below(3) {
                mutate_json(&mut rng, &mut text);
            }
            let Ok(value) = serde_json::from_slice::<D>(&text) else { continue };
            accepted += 1;
            let context = || format!("{name}, case {case}: {}", String::from_utf8_lossy(&text));
            assert_eq!(D::decode(&value.encode()).as_ref(), Ok(&value), "{}", context());
            let again = serde_json::to_vec(&value).unwrap();
            assert_eq!(serde_json::from_slice::<D>(&again).ok(), Some(value.clone()));
            check(&value, rng.pick(states), rng.pick(states));
        }
        assert!(accepted > cases / 40, "{name}: {accepted} of {cases} accepted");
        assert!(accepted < cases * 9 / 10, "{name}: {accepted} of {cases} accepted");
    }

    fn states<C: Crdt + Encoded + Serialize + DeserializeOwned>(name: &str, h: &History<C>) {
        fuzz_json(name, &h.states, &h.states, |x, a, b| assert_laws(x, a, b));
    }

    fn deltas<C>(name: &str, h: &History<C>)
    where
        C: Crdt + Debug,
        C::Delta: Encoded + Serialize + DeserializeOwned,
    {
        fuzz_json(name, &h.deltas, &h.states, |delta, a, b| {
            assert_delta_is_its_state(delta, a);
            assert_laws(&delta.clone().into(), a, b);
        });
    }

    #[test]
    fn or_sets() {
        let sets = history(11, set_step);
        states("json OrSet<u8, u8>", &sets);
        deltas("json OrSetDelta<u8, u8>", &sets);
        let strings = history(12, strings_step);
        states("json OrSet<String, String>", &strings);
        deltas("json OrSetDelta<String, String>", &strings);
    }

    #[test]
    fn counters() {
        let g = history(13, gcounter_step);
        states("json GCounter<u8>", &g);
        deltas("json GCounterDelta<u8>", &g);
        let strings = history(14, strings_counter_step);
        states("json GCounter<String>", &strings);
        let pn = history(15, pncounter_step);
        states("json PNCounter<u8>", &pn);
        deltas("json PNCounterDelta<u8>", &pn);
    }

    #[test]
    fn registers_and_flags() {
        let r = history(31, register_step);
        states("json LwwRegister<u8, u8>", &r);
        let strings = history(32, strings_register_step);
        states("json LwwRegister<String, String>", &strings);
        let e = history(33, enable_wins_step);
        states("json EnableWinsFlag<u8>", &e);
        deltas("json EnableWinsFlag<u8> delta", &e);
        let d = history(34, disable_wins_step);
        states("json DisableWinsFlag<u8>", &d);
        deltas("json DisableWinsFlag<u8> delta", &d);
        let strings = history(35, strings_flag_step);
        states("json DisableWinsFlag<String>", &strings);
    }

    #[test]
    fn maps() {
        let m = history(36, map_step);
        states("json LwwMap<u8, u8, u8>", &m);
        deltas("json LwwMapDelta<u8, u8, u8>", &m);
        let strings = history(37, strings_map_step);
        states("json LwwMap<String, String, String>", &strings);
        deltas("json LwwMapDelta<String, String, String>", &strings);
    }
}

/// The multi-value register: its states through the byte fuzzer, and (its
/// delta being a register) its deltas through the delta checks.
mod mv_register {
    use routekit::crdt::MvRegister;

    use super::*;

    type Register = MvRegister<u8, u8>;
    encoded!(Register);

    fn step(register: &mut Register, rng: &mut Rng, actor: u8) -> Option<Register> {
        register.set(&actor, rng.below(4) as u8).expect("counters are far from u64::MAX")
    }

    #[test]
    fn mv_register_bytes() {
        let registers = history(21, step);
        assert_varied("MvRegister<u8, u8>", fuzz_states("MvRegister<u8, u8>", &registers));
        let outcome = fuzz_deltas("MvRegister delta", &registers);
        assert_varied("MvRegister delta", outcome);
    }
}
