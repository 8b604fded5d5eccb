//! The lattice laws by name, the delta law, and the byte encoding, for every
//! CRDT in routekit, over states made by random operation histories on 2 to
//! 5 replicas (local mutations, deltas delivered late, out of order and
//! twice, in memory, through their bytes or as the states they stand for,
//! and whole-state syncs); golden bytes for every format.
//!
//! Cases: 64 per property by default; `ROUTEKIT_PROPTEST_CASES=n` (or
//! `PROPTEST_CASES=n`) sets the count, `ROUTEKIT_LONG_TESTS=1` runs 2048.

use std::fmt::Debug;

use proptest::prelude::*;
use routekit::crdt::{
    Crdt, CrdtError, DecodeError, GCounter, GCounterDelta, OrSet, OrSetDelta, PNCounter,
    PNCounterDelta,
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
    ProptestConfig { cases, ..ProptestConfig::default() }
}

/// A CRDT under test: its random local operations, and its bytes and those
/// of its delta.
trait Subject: Crdt<Delta: Debug + PartialEq, Error: Debug> + Debug + 'static {
    type Op: Debug + Clone + 'static;
    fn op() -> BoxedStrategy<Self::Op>;
    /// Applies `op` as actor `actor`, returning the delta (`None`: nothing
    /// changed).
    fn apply(&mut self, actor: u8, op: &Self::Op) -> Result<Option<Self::Delta>, CrdtError>;
    /// Applies `op` through the mutator's `_without_delta` twin: whether
    /// the state changed.
    fn apply_without_delta(&mut self, actor: u8, op: &Self::Op) -> Result<bool, CrdtError>;
    fn to_bytes(&self) -> Vec<u8>;
    fn encoded_len(&self) -> usize;
    fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError>;
    fn delta_to_bytes(delta: &Self::Delta) -> Vec<u8>;
    fn delta_encoded_len(delta: &Self::Delta) -> usize;
    fn delta_from_bytes(bytes: &[u8]) -> Result<Self::Delta, DecodeError>;
}

/// The codec methods of a `Subject`: the inherent ones of the type and of
/// its delta.
macro_rules! codec {
    () => {
        fn to_bytes(&self) -> Vec<u8> {
            self.to_bytes()
        }
        fn encoded_len(&self) -> usize {
            self.encoded_len()
        }
        fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
            Self::from_bytes(bytes)
        }
        fn delta_to_bytes(delta: &Self::Delta) -> Vec<u8> {
            delta.to_bytes()
        }
        fn delta_encoded_len(delta: &Self::Delta) -> usize {
            delta.encoded_len()
        }
        fn delta_from_bytes(bytes: &[u8]) -> Result<Self::Delta, DecodeError> {
            <Self::Delta>::from_bytes(bytes)
        }
    };
}

#[derive(Clone, Debug)]
enum CountOp {
    Up(u64),
    Down(u64),
}

fn count_op() -> BoxedStrategy<CountOp> {
    // Mostly small steps (0 among them), sometimes one that nearly or fully
    // overflows.
    let by = prop_oneof![4 => 0..100u64, 1 => Just(u64::MAX - 3), 1 => Just(u64::MAX)];
    prop_oneof![by.clone().prop_map(CountOp::Up), by.prop_map(CountOp::Down)].boxed()
}

impl Subject for GCounter<u8> {
    type Op = CountOp;
    fn op() -> BoxedStrategy<CountOp> {
        count_op()
    }
    fn apply(&mut self, actor: u8, op: &CountOp) -> Result<Option<GCounterDelta<u8>>, CrdtError> {
        let (CountOp::Up(by) | CountOp::Down(by)) = *op;
        self.increment(&actor, by)
    }
    fn apply_without_delta(&mut self, actor: u8, op: &CountOp) -> Result<bool, CrdtError> {
        let (CountOp::Up(by) | CountOp::Down(by)) = *op;
        self.increment_without_delta(&actor, by)
    }
    codec!();
}

impl Subject for PNCounter<u8> {
    type Op = CountOp;
    fn op() -> BoxedStrategy<CountOp> {
        count_op()
    }
    fn apply(&mut self, actor: u8, op: &CountOp) -> Result<Option<PNCounterDelta<u8>>, CrdtError> {
        match *op {
            CountOp::Up(by) => self.increment(&actor, by),
            CountOp::Down(by) => self.decrement(&actor, by),
        }
    }
    fn apply_without_delta(&mut self, actor: u8, op: &CountOp) -> Result<bool, CrdtError> {
        match *op {
            CountOp::Up(by) => self.increment_without_delta(&actor, by),
            CountOp::Down(by) => self.decrement_without_delta(&actor, by),
        }
    }
    codec!();
}

#[derive(Clone, Debug)]
enum SetOp {
    Add(u8),
    Remove(u8),
    Clear,
}

impl Subject for OrSet<u8, u8> {
    type Op = SetOp;
    fn op() -> BoxedStrategy<SetOp> {
        // A small universe, so replicas touch the same elements.
        prop_oneof![6 => (0..6u8).prop_map(SetOp::Add), 4 => (0..6u8).prop_map(SetOp::Remove), 1 => Just(SetOp::Clear)]
            .boxed()
    }
    fn apply(&mut self, actor: u8, op: &SetOp) -> Result<Option<OrSetDelta<u8, u8>>, CrdtError> {
        match *op {
            SetOp::Add(x) => self.add(&actor, x).map(Some),
            SetOp::Remove(x) => Ok(self.remove(&x)),
            SetOp::Clear => Ok(self.clear()),
        }
    }
    fn apply_without_delta(&mut self, actor: u8, op: &SetOp) -> Result<bool, CrdtError> {
        match *op {
            SetOp::Add(x) => self.add_without_delta(&actor, x).map(|()| true),
            SetOp::Remove(x) => Ok(self.remove_without_delta(&x)),
            SetOp::Clear => Ok(self.clear_without_delta()),
        }
    }
    codec!();
}

/// How a delta reaches a replica.
#[derive(Clone, Copy, Debug)]
enum Via {
    /// In memory, merged with `merge_delta`.
    Memory,
    /// Through its bytes, read back as a delta and merged with
    /// `merge_delta`.
    DeltaBytes,
    /// As the state it stands for, through that state's bytes, merged with
    /// `merge` (the batch form, and how earlier releases sent a set delta).
    StateBytes,
}

fn via() -> impl Strategy<Value = Via> {
    prop_oneof![Just(Via::Memory), Just(Via::DeltaBytes), Just(Via::StateBytes)]
}

/// Delivers `delta` to `replica` by `via`.
fn deliver<S: Subject>(replica: &mut S, delta: &S::Delta, via: Via) -> Result<(), S::Error> {
    match via {
        Via::Memory => replica.merge_delta(delta),
        Via::DeltaBytes => {
            let bytes = S::delta_to_bytes(delta);
            replica.merge_delta(&S::delta_from_bytes(&bytes).expect("a delta's bytes decode"))
        }
        Via::StateBytes => {
            let state: S = delta.clone().into();
            replica.merge(&S::from_bytes(&state.to_bytes()).expect("a state's bytes decode"))
        }
    }
}

/// One step of a history.
#[derive(Clone, Debug)]
enum Step<Op> {
    /// Replica `replica` mutates its state; the delta goes to the log.
    Local { replica: usize, op: Op },
    /// Replica `to` receives a delta from the log (any earlier one: late,
    /// out of order, or again).
    Deliver { to: usize, delta: usize, via: Via },
    /// Replica `to` receives the whole state of `from`.
    Sync { from: usize, to: usize },
}

/// The replicas' states after a random history on 2 to 5 replicas.
fn world<S: Subject>() -> impl Strategy<Value = Vec<S>> {
    (2..=5usize).prop_flat_map(|n| {
        let step = prop_oneof![
            5 => (0..n, S::op()).prop_map(|(replica, op)| Step::Local { replica, op }),
            3 => (0..n, any::<usize>(), via())
                .prop_map(|(to, delta, via)| Step::Deliver { to, delta, via }),
            1 => (0..n, 0..n).prop_map(|(from, to)| Step::Sync { from, to }),
        ];
        proptest::collection::vec(step, 0..40).prop_map(move |steps| run(n, &steps))
    })
}

fn run<S: Subject>(n: usize, steps: &[Step<S::Op>]) -> Vec<S> {
    let mut replicas = vec![S::default(); n];
    let mut log: Vec<S::Delta> = Vec::new();
    for step in steps {
        match step {
            Step::Local { replica, op } => {
                if let Ok(Some(delta)) = replicas[*replica].apply(*replica as u8, op) {
                    log.push(delta);
                }
            }
            Step::Deliver { to, delta, via } if !log.is_empty() => {
                let delta = &log[delta % log.len()];
                deliver(&mut replicas[*to], delta, *via).unwrap();
            }
            Step::Deliver { .. } => {}
            Step::Sync { from, to } => {
                let state = replicas[*from].clone();
                replicas[*to].merge(&state).unwrap();
            }
        }
    }
    replicas
}

fn join<S: Subject>(a: &S, b: &S) -> S {
    let mut out = a.clone();
    out.merge(b).unwrap();
    out
}

fn join_delta<S: Subject>(a: &S, delta: &S::Delta, via: Via) -> S {
    let mut out = a.clone();
    deliver(&mut out, delta, via).unwrap();
    out
}

/// Three states of one world (repeats allowed when it has fewer replicas).
fn three<S: Subject>() -> impl Strategy<Value = (S, S, S)> {
    (world::<S>(), any::<(usize, usize, usize)>()).prop_map(|(w, (i, j, k))| {
        (w[i % w.len()].clone(), w[j % w.len()].clone(), w[k % w.len()].clone())
    })
}

/// The deltas of a few local operations on the replicas of one world, for
/// the tests of delta bytes.
fn deltas<S: Subject>() -> impl Strategy<Value = Vec<S::Delta>> {
    (world::<S>(), proptest::collection::vec((any::<usize>(), S::op()), 1..8)).prop_map(
        |(mut w, ops)| {
            let n = w.len();
            ops.iter()
                .filter_map(|(i, op)| w[i % n].apply((i % n) as u8, op).ok().flatten())
                .collect()
        },
    )
}

/// Every prefix of `bytes` and `bytes` with a byte appended fail to decode
/// with `decode`; after flipping bits, anything that still decodes is
/// canonical (`encode` gives back exactly those bytes).
fn check_damage<V>(
    bytes: &[u8],
    flips: &[(usize, u8)],
    decode: impl Fn(&[u8]) -> Result<V, DecodeError>,
    encode: impl Fn(&V) -> Vec<u8>,
) -> Result<(), TestCaseError> {
    for len in 0..bytes.len() {
        prop_assert!(decode(&bytes[..len]).is_err());
    }
    let mut longer = bytes.to_vec();
    longer.push(0);
    prop_assert!(decode(&longer).is_err());
    let mut corrupt = bytes.to_vec();
    for &(at, mask) in flips {
        let at = at % corrupt.len();
        corrupt[at] ^= mask;
    }
    if let Ok(value) = decode(&corrupt) {
        prop_assert_eq!(encode(&value), corrupt);
    }
    Ok(())
}

/// Stamps the laws onto one CRDT type.
macro_rules! laws {
    ($name:ident, $t:ty) => {
        mod $name {
            use super::*;

            proptest! {
                #![proptest_config(config())]

                #[test]
                fn commutative((a, b, _) in three::<$t>()) {
                    prop_assert_eq!(join(&a, &b), join(&b, &a));
                }

                #[test]
                fn associative((a, b, c) in three::<$t>()) {
                    prop_assert_eq!(join(&join(&a, &b), &c), join(&a, &join(&b, &c)));
                }

                #[test]
                fn idempotent((a, _, _) in three::<$t>()) {
                    prop_assert_eq!(join(&a, &a), a);
                }

                #[test]
                fn identity((a, _, _) in three::<$t>()) {
                    prop_assert_eq!(join(&a, &<$t>::default()), a.clone());
                    prop_assert_eq!(join(&<$t>::default(), &a), a);
                }

                #[test]
                fn redelivery((a, b, _) in three::<$t>()) {
                    let once = join(&a, &b);
                    prop_assert_eq!(join(&once, &b), once);
                }

                #[test]
                fn inflation((a, b, _) in three::<$t>()) {
                    // a ⊑ a ⊔ b: joining a again adds nothing.
                    let joined = join(&a, &b);
                    prop_assert_eq!(join(&joined, &a), joined);
                }

                #[test]
                fn delta_law(w in world::<$t>(), (i, j) in any::<(usize, usize)>(), op in <$t as Subject>::op()) {
                    // Replica i mutates under its own actor id; y is any replica.
                    let i = i % w.len();
                    let (x, y) = (w[i].clone(), w[j % w.len()].clone());
                    let mut mutated = x.clone();
                    match mutated.apply(i as u8, &op) {
                        Ok(Some(delta)) => {
                            for via in [Via::Memory, Via::DeltaBytes, Via::StateBytes] {
                                // m(X) = X ⊔ mδ(X), whichever way the delta
                                // travels ...
                                prop_assert_eq!(join_delta(&x, &delta, via), mutated.clone());
                                // ... so any replica that has seen X gets the
                                // same from the delta as from the mutated
                                // state ...
                                let seen = join(&y, &x);
                                prop_assert_eq!(join_delta(&seen, &delta, via), join(&y, &mutated));
                                // ... and any replica at all the same from the
                                // delta in memory as over the wire (it may
                                // arrive first).
                                prop_assert_eq!(
                                    join_delta(&y, &delta, via),
                                    join_delta(&y, &delta, Via::Memory)
                                );
                            }
                        }
                        // No delta: nothing changed, nothing to send.
                        Ok(None) => prop_assert_eq!(mutated, x),
                        // A refused mutation changes nothing.
                        Err(_) => prop_assert_eq!(mutated, x),
                    }
                }

                #[test]
                fn without_delta_twins_mutate_alike(w in world::<$t>(), i in any::<usize>(), op in <$t as Subject>::op()) {
                    let i = i % w.len();
                    let (mut with, mut without) = (w[i].clone(), w[i].clone());
                    let delta = with.apply(i as u8, &op);
                    let changed = without.apply_without_delta(i as u8, &op);
                    prop_assert_eq!(&with, &without);
                    match (delta, changed) {
                        (Ok(delta), Ok(changed)) => prop_assert_eq!(delta.is_some(), changed),
                        (Err(a), Err(b)) => prop_assert_eq!(a, b),
                        (a, b) => prop_assert!(false, "{a:?} but {b:?}"),
                    }
                }

                #[test]
                fn bytes_round_trip_deterministically((a, b, _) in three::<$t>()) {
                    let ab = join(&a, &b);
                    let bytes = Subject::to_bytes(&ab);
                    let back = <$t as Subject>::from_bytes(&bytes).unwrap();
                    prop_assert_eq!(&back, &ab);
                    // Equal states reached differently encode identically.
                    prop_assert_eq!(Subject::to_bytes(&join(&b, &a)), bytes.clone());
                    prop_assert_eq!(Subject::to_bytes(&back), bytes);
                }

                #[test]
                fn encoded_len_is_the_length_of_the_bytes((a, b, _) in three::<$t>()) {
                    for state in [a.clone(), join(&a, &b), <$t>::default()] {
                        prop_assert_eq!(Subject::encoded_len(&state), Subject::to_bytes(&state).len());
                    }
                }

                #[test]
                fn delta_bytes_round_trip_deterministically(deltas in deltas::<$t>()) {
                    for delta in &deltas {
                        let bytes = <$t as Subject>::delta_to_bytes(delta);
                        prop_assert_eq!(<$t as Subject>::delta_encoded_len(delta), bytes.len());
                        let back = <$t as Subject>::delta_from_bytes(&bytes).unwrap();
                        prop_assert_eq!(&back, delta);
                        prop_assert_eq!(<$t as Subject>::delta_to_bytes(&back), bytes);
                    }
                }

                #[test]
                fn corrupt_bytes_are_errors_not_panics(
                    (a, _, _) in three::<$t>(),
                    flips in proptest::collection::vec((any::<usize>(), 1..=255u8), 1..4),
                ) {
                    let bytes = Subject::to_bytes(&a);
                    check_damage(&bytes, &flips, <$t as Subject>::from_bytes, Subject::to_bytes)?;
                }

                #[test]
                fn corrupt_delta_bytes_are_errors_not_panics(
                    deltas in deltas::<$t>(),
                    flips in proptest::collection::vec((any::<usize>(), 1..=255u8), 1..4),
                ) {
                    for delta in &deltas {
                        let bytes = <$t as Subject>::delta_to_bytes(delta);
                        check_damage(
                            &bytes,
                            &flips,
                            <$t as Subject>::delta_from_bytes,
                            <$t as Subject>::delta_to_bytes,
                        )?;
                    }
                }
            }
        }
    };
}

laws!(gcounter, GCounter<u8>);
laws!(pncounter, PNCounter<u8>);
laws!(orset, OrSet<u8, u8>);

/// Decodes lowercase hex.
fn hex(text: &str) -> Vec<u8> {
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap()).collect()
}

/// `value` encodes to exactly `golden`, in `encoded_len` bytes, and reads
/// back from it.
fn assert_golden<V: PartialEq + Debug>(
    value: &V,
    golden: &str,
    to_bytes: impl Fn(&V) -> Vec<u8>,
    encoded_len: impl Fn(&V) -> usize,
    from_bytes: impl Fn(&[u8]) -> Result<V, DecodeError>,
) {
    let golden = hex(golden);
    assert_eq!(to_bytes(value), golden, "{value:?}");
    assert_eq!(encoded_len(value), golden.len(), "{value:?}");
    assert_eq!(&from_bytes(&golden).unwrap(), value);
}

#[test]
fn states_encode_to_their_golden_bytes() {
    // Written by the release before deltas had their own kind: the bytes of
    // every state stay as they were.
    let mut g = GCounter::new();
    g.increment(&1u64, 5).unwrap();
    g.increment(&300u64, 70_000).unwrap();
    g.increment(&2u64, u64::MAX).unwrap();
    let golden = "524b010103010502ffffffffffffffffff01ac02f0a204";
    assert_golden(&g, golden, GCounter::to_bytes, GCounter::encoded_len, GCounter::from_bytes);

    let mut p = PNCounter::new();
    p.increment(&"a".to_string(), 3).unwrap();
    p.increment(&"b".to_string(), 1000).unwrap();
    p.decrement(&"a".to_string(), 7).unwrap();
    let golden = "524b0201020161030162e80701016107";
    assert_golden(&p, golden, PNCounter::to_bytes, PNCounter::encoded_len, PNCounter::from_bytes);

    // Concurrent adds (two dots on "tea"), a remove, a gap (the second add
    // of "c" without the first) and a remove of an add not seen yet.
    let s = |x: &str| x.to_string();
    let (mut a, mut b, mut c) = (OrSet::new(), OrSet::new(), OrSet::new());
    a.add(&s("a"), s("tea")).unwrap();
    b.add(&s("b"), s("tea")).unwrap();
    a.add(&s("a"), s("milk")).unwrap();
    a.merge(&b).unwrap();
    a.add(&s("a"), s("jam")).unwrap();
    a.remove("milk").unwrap();
    c.add(&s("c"), s("rice")).unwrap();
    let second = c.add(&s("c"), s("eggs")).unwrap();
    a.merge_delta(&second).unwrap();
    b.add(&s("b"), s("bread")).unwrap();
    a.merge_delta(&b.remove("bread").unwrap()).unwrap();
    let golden =
        "524b03010301610300016202000163000100030465676773010202036a616d010003037465610200010101";
    assert_golden(&a, golden, OrSet::to_bytes, OrSet::encoded_len, OrSet::from_bytes);

    let mut n = OrSet::new();
    for x in [-3i64, 0, 200, -70000] {
        n.add(&7u8, x).unwrap();
    }
    n.add(&9u8, 200).unwrap();
    n.remove(&0).unwrap();
    let golden = "524b03010207040009010003dfc508010004050100019003010101";
    assert_golden(&n, golden, OrSet::to_bytes, OrSet::encoded_len, OrSet::from_bytes);
}

#[test]
fn deltas_encode_to_their_golden_bytes() {
    // Counter deltas are the one-actor counters they stand for.
    let mut g = GCounter::new();
    g.increment(&300u64, 69_999).unwrap();
    let delta = g.increment(&300u64, 1).unwrap().unwrap();
    let golden = "524b010101ac02f0a204";
    assert_golden(
        &delta,
        golden,
        GCounterDelta::to_bytes,
        GCounterDelta::encoded_len,
        GCounterDelta::from_bytes,
    );
    assert_eq!(GCounter::from_bytes(&hex(golden)).unwrap(), GCounter::from(delta));

    let mut p = PNCounter::new();
    let up = p.increment(&"b".to_string(), 1000).unwrap().unwrap();
    let down = p.decrement(&"a".to_string(), 7).unwrap().unwrap();
    for (delta, golden) in [(up, "524b0201010162e80700"), (down, "524b02010001016107")] {
        let (to, len, from) =
            (PNCounterDelta::to_bytes, PNCounterDelta::encoded_len, PNCounterDelta::from_bytes);
        assert_golden(&delta, golden, to, len, from);
        assert_eq!(PNCounter::from_bytes(&hex(golden)).unwrap(), PNCounter::from(delta));
    }

    // Set deltas have their own kind, 4: a form byte (add 0, remove 1,
    // clear 2), then the element and dots.
    let s = |x: &str| x.to_string();
    let (mut a, mut b) = (OrSet::new(), OrSet::new());
    let first = a.add(&s("a"), s("tea")).unwrap();
    // add, "tea", actor "a", counter 1, no dot replaced
    let golden = "524b0401 00 03746561 0161 01 00";
    let (to, len, from) = (OrSetDelta::to_bytes, OrSetDelta::encoded_len, OrSetDelta::from_bytes);
    assert_golden(&first, &golden.replace(' ', ""), to, len, from);
    b.add(&s("b"), s("tea")).unwrap();
    a.merge(&b).unwrap();
    // add, "tea", actor "a", counter 2, replacing (a, 1) and (b, 1)
    let readd = a.add(&s("a"), s("tea")).unwrap();
    let golden = "524b0401 00 03746561 0161 02 02 0161 01 0162 01";
    assert_golden(&readd, &golden.replace(' ', ""), to, len, from);
    // Concurrently, b adds it again too.
    b.add(&s("b"), s("tea")).unwrap();
    a.merge(&b).unwrap();
    // remove, "tea", dots (a, 2) and (b, 2)
    let remove = a.remove("tea").unwrap();
    let golden = "524b0401 01 03746561 02 0161 02 0162 02";
    assert_golden(&remove, &golden.replace(' ', ""), to, len, from);
    for x in ["x", "y", "z"] {
        a.add(&s("a"), s(x)).unwrap();
    }
    a.add(&s("c"), s("w")).unwrap();
    // clear, a context: actor "a" with version 0 and the gaps 3, 4, 5 (its
    // dots 1 and 2 are gone already), actor "c" with version 1
    let clear = a.clear().unwrap();
    let golden = "524b0401 02 02 0161 00 03 01 00 00 0163 01 00";
    assert_golden(&clear, &golden.replace(' ', ""), to, len, from);
}

#[test]
fn orset_encoding_stays_within_16_bytes_per_small_integer_element() {
    // 10,000 elements 0..10,000 added by three actors in turn, then synced.
    let mut set = OrSet::new();
    for x in 0..10_000u64 {
        set.add(&(x % 3), x).unwrap();
    }
    let bytes = set.to_bytes();
    let per_element = bytes.len() as f64 / set.len() as f64;
    println!(
        "OrSet<u64, u64>: {} bytes for {} elements = {per_element:.2} bytes per element",
        bytes.len(),
        set.len()
    );
    assert!(per_element <= 16.0, "{per_element} bytes per element");
    assert_eq!(set.encoded_len(), bytes.len());
    assert_eq!(OrSet::<u64, u64>::from_bytes(&bytes).unwrap(), set);
}

#[test]
fn encoded_len_counts_actor_positions_past_one_byte() {
    // 300 actors: positions from 128 on take two bytes.
    let mut set = OrSet::new();
    for actor in 0..300u32 {
        set.add(&actor, actor % 7).unwrap();
    }
    assert_eq!(set.encoded_len(), set.to_bytes().len());
    let delta = set.clear().unwrap();
    assert_eq!(delta.encoded_len(), delta.to_bytes().len());
}

#[test]
fn a_delta_is_small_whatever_the_size_of_the_set() {
    let mut set = OrSet::new();
    for x in 0..10_000u64 {
        set.add_without_delta(&(x % 3), x).unwrap();
    }
    let add = set.add(&0u64, 123_456).unwrap();
    let remove = set.remove(&5).unwrap();
    assert!(add.encoded_len() <= 12, "{}", add.encoded_len());
    assert!(remove.encoded_len() <= 12, "{}", remove.encoded_len());
    assert!(set.encoded_len() > 50_000);
}

#[test]
fn decoding_foreign_and_unsupported_bytes_names_the_problem() {
    let counter = GCounter::<u8>::new().to_bytes();
    assert!(matches!(
        OrSet::<u8, u8>::from_bytes(&counter),
        Err(DecodeError::WrongKind { expected: "OrSet", found: "GCounter", .. })
    ));
    let mut future = counter.clone();
    future[3] = 2;
    assert!(matches!(
        GCounter::<u8>::from_bytes(&future),
        Err(DecodeError::UnsupportedVersion { found: 2, supported: 1, .. })
    ));
    let mut unknown = counter.clone();
    unknown[2] = 200;
    assert!(matches!(
        GCounter::<u8>::from_bytes(&unknown),
        Err(DecodeError::UnknownKind { expected: "GCounter", found: 200, .. })
    ));
    assert_eq!(GCounter::<u8>::from_bytes(b"{\"json\":1}"), Err(DecodeError::BadMagic));
    // A dot that names an actor outside the list, and one outside the context.
    assert!(
        OrSet::<u8, u8>::from_bytes(b"RK\x03\x01\x01\x07\x01\x00\x01\x05\x01\x01\x01").is_err()
    );
    assert!(
        OrSet::<u8, u8>::from_bytes(b"RK\x03\x01\x01\x07\x01\x00\x01\x05\x01\x00\x02").is_err()
    );
    assert!(OrSet::<u8, u8>::from_bytes(b"RK\x03\x01\x01\x07\x01\x00\x01\x05\x01\x00\x01").is_ok());
    // The same dot under two elements.
    assert!(
        OrSet::<u8, u8>::from_bytes(
            b"RK\x03\x01\x01\x07\x01\x00\x02\x05\x01\x00\x01\x06\x01\x00\x01"
        )
        .is_err()
    );
    // A length far beyond the input does not reserve memory: it is an error.
    assert_eq!(
        OrSet::<u8, u8>::from_bytes(b"RK\x03\x01\xff\xff\xff\xff\x0f"),
        Err(DecodeError::Truncated)
    );
}

#[test]
fn deltas_no_mutation_makes_are_refused() {
    let invalid = |bytes: &[u8]| {
        matches!(
            OrSetDelta::<u8, u8>::from_bytes(bytes),
            Err(DecodeError::Invalid { .. } | DecodeError::BrokenInvariant { .. })
        )
    };
    // An add of 5 as actor 7, counter 3, replacing (7, 1): fine.
    assert!(OrSetDelta::<u8, u8>::from_bytes(b"RK\x04\x01\x00\x05\x07\x03\x01\x07\x01").is_ok());
    // ... replacing its own later dot, or its own dot, or a dot 0.
    assert!(invalid(b"RK\x04\x01\x00\x05\x07\x03\x01\x07\x04"));
    assert!(invalid(b"RK\x04\x01\x00\x05\x07\x03\x01\x07\x03"));
    assert!(invalid(b"RK\x04\x01\x00\x05\x07\x03\x01\x08\x00"));
    // An add of counter 0.
    assert!(invalid(b"RK\x04\x01\x00\x05\x07\x00\x00"));
    // A remove of no dot, and one with its dots out of order or repeated.
    assert!(invalid(b"RK\x04\x01\x01\x05\x00"));
    assert!(invalid(b"RK\x04\x01\x01\x05\x02\x08\x01\x07\x01"));
    assert!(invalid(b"RK\x04\x01\x01\x05\x02\x07\x01\x07\x01"));
    assert!(OrSetDelta::<u8, u8>::from_bytes(b"RK\x04\x01\x01\x05\x02\x07\x01\x08\x01").is_ok());
    // A clear of nothing, and an unknown form.
    assert!(invalid(b"RK\x04\x01\x02\x00"));
    assert!(invalid(b"RK\x04\x01\x03"));
    // A counter delta of no actor or two.
    let pair = GCounter::<u8>::from_bytes(b"RK\x01\x01\x02\x01\x01\x02\x01").unwrap();
    assert!(matches!(
        GCounterDelta::<u8>::from_bytes(&pair.to_bytes()),
        Err(DecodeError::Invalid { .. })
    ));
    assert!(GCounterDelta::<u8>::from_bytes(b"RK\x01\x01\x00").is_err());
    assert!(PNCounterDelta::<u8>::from_bytes(b"RK\x02\x01\x00\x00").is_err());
    assert!(PNCounterDelta::<u8>::from_bytes(b"RK\x02\x01\x01\x01\x01\x01\x01\x01").is_err());
    assert!(PNCounterDelta::<u8>::from_bytes(b"RK\x02\x01\x01\x01\x00\x00").is_err());
}

#[cfg(feature = "serde")]
mod serde_support {
    use super::*;

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn json_round_trips_and_is_checked((a, b, _) in three::<OrSet<u8, u8>>()) {
            let ab = join(&a, &b);
            let json = serde_json::to_string(&ab).unwrap();
            prop_assert_eq!(serde_json::from_str::<OrSet<u8, u8>>(&json).unwrap(), ab);
        }

        #[test]
        fn counters_round_trip((a, b, _) in three::<PNCounter<u8>>()) {
            let ab = join(&a, &b);
            let json = serde_json::to_string(&ab).unwrap();
            prop_assert_eq!(serde_json::from_str::<PNCounter<u8>>(&json).unwrap(), ab);
        }

        #[test]
        fn set_deltas_round_trip(deltas in deltas::<OrSet<u8, u8>>()) {
            for delta in deltas {
                let json = serde_json::to_string(&delta).unwrap();
                prop_assert_eq!(serde_json::from_str::<OrSetDelta<u8, u8>>(&json).unwrap(), delta);
            }
        }

        #[test]
        fn counter_deltas_round_trip_and_read_as_states(deltas in deltas::<PNCounter<u8>>()) {
            for delta in deltas {
                let json = serde_json::to_string(&delta).unwrap();
                prop_assert_eq!(serde_json::from_str::<PNCounterDelta<u8>>(&json).unwrap(), delta.clone());
                prop_assert_eq!(serde_json::from_str::<PNCounter<u8>>(&json).unwrap(), PNCounter::from(delta));
            }
        }
    }

    #[test]
    fn delta_forms_in_json() {
        let mut set = OrSet::new();
        let add = set.add(&1u8, 5u8).unwrap();
        assert_eq!(serde_json::to_string(&add).unwrap(), r#"{"Add":[5,1,1,[]]}"#);
        let remove = set.remove(&5).unwrap();
        assert_eq!(serde_json::to_string(&remove).unwrap(), r#"{"Remove":[5,[[1,1]]]}"#);
        set.add(&1u8, 6u8).unwrap();
        let clear = set.clear().unwrap();
        assert_eq!(serde_json::to_string(&clear).unwrap(), r#"{"Clear":[[1,0,[2]]]}"#);
        let mut counter = GCounter::new();
        let delta = counter.increment(&3u8, 4).unwrap().unwrap();
        assert_eq!(serde_json::to_string(&delta).unwrap(), "[[3,4]]");
        assert_eq!(serde_json::from_str::<GCounter<u8>>("[[3,4]]").unwrap(), counter);
    }

    #[test]
    fn invalid_json_states_are_refused() {
        // A dot outside the context, a zero count, unsorted actors.
        assert!(serde_json::from_str::<OrSet<u8, u8>>("[[[7,1,[]]],[[5,[[0,2]]]]]").is_err());
        assert!(serde_json::from_str::<OrSet<u8, u8>>("[[[7,1,[]]],[[5,[[0,1]]]]]").is_ok());
        assert!(serde_json::from_str::<GCounter<u8>>("[[1,0]]").is_err());
        assert!(serde_json::from_str::<GCounter<u8>>("[[2,1],[1,1]]").is_err());
    }

    #[test]
    fn invalid_json_deltas_are_refused() {
        let set = |json: &str| serde_json::from_str::<OrSetDelta<u8, u8>>(json);
        assert!(set(r#"{"Add":[5,7,3,[[7,1]]]}"#).is_ok());
        assert!(set(r#"{"Add":[5,7,3,[[7,3]]]}"#).is_err()); // its own dot
        assert!(set(r#"{"Add":[5,7,0,[]]}"#).is_err());
        assert!(set(r#"{"Remove":[5,[]]}"#).is_err());
        assert!(set(r#"{"Remove":[5,[[8,1],[7,1]]]}"#).is_err());
        assert!(set(r#"{"Clear":[]}"#).is_err());
        assert!(set(r#"{"Clear":[[7,0,[]]]}"#).is_err());
        assert!(set(r#"{"Merge":[]}"#).is_err());
        assert!(serde_json::from_str::<GCounterDelta<u8>>("[]").is_err());
        assert!(serde_json::from_str::<GCounterDelta<u8>>("[[1,1],[2,1]]").is_err());
        assert!(serde_json::from_str::<GCounterDelta<u8>>("[[1,0]]").is_err());
        assert!(serde_json::from_str::<PNCounterDelta<u8>>("[[[1,1]],[[1,1]]]").is_err());
        assert!(serde_json::from_str::<PNCounterDelta<u8>>("[[],[[1,1]]]").is_ok());
    }
}
