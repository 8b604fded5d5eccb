//! The lattice laws by name, the delta law, and the byte encoding, for every
//! CRDT in routekit, over states made by random operation histories on 2 to
//! 5 replicas (local mutations, deltas delivered late, out of order and
//! twice, in memory or through their bytes, and whole-state syncs).
//!
//! Cases: 64 per property by default; `PROPTEST_CASES=n` sets the count,
//! `ROUTEKIT_LONG_TESTS=1` runs 2048.

use std::fmt::Debug;

use proptest::prelude::*;
use routekit::crdt::{Crdt, CrdtError, DecodeError, GCounter, OrSet, OrSetDelta, PNCounter};

fn config() -> ProptestConfig {
    let cases = match (std::env::var("PROPTEST_CASES"), std::env::var("ROUTEKIT_LONG_TESTS")) {
        (Ok(cases), _) => cases.parse().expect("PROPTEST_CASES must be a number"),
        (_, Ok(long)) if long == "1" => 2048,
        _ => 64,
    };
    ProptestConfig { cases, ..ProptestConfig::default() }
}

/// A CRDT under test: its random local operations, and how to encode it.
trait Subject: Crdt<Delta: Debug + Clone> + Debug + 'static {
    type Op: Debug + Clone + 'static;
    fn op() -> BoxedStrategy<Self::Op>;
    /// Applies `op` as actor `actor`, returning the delta.
    fn apply(&mut self, actor: u8, op: &Self::Op) -> Result<Self::Delta, CrdtError>;
    fn encode(&self) -> Vec<u8>;
    fn decode(bytes: &[u8]) -> Result<Self, DecodeError>;
    /// The delta as it arrives over the wire: its bytes, decoded.
    fn delta_from_bytes(delta: &Self::Delta) -> Self;
}

#[derive(Clone, Debug)]
enum CountOp {
    Up(u64),
    Down(u64),
}

fn count_op() -> BoxedStrategy<CountOp> {
    // Mostly small steps, sometimes one that nearly or fully overflows.
    let by = prop_oneof![4 => 0..100u64, 1 => Just(u64::MAX - 3), 1 => Just(u64::MAX)];
    prop_oneof![by.clone().prop_map(CountOp::Up), by.prop_map(CountOp::Down)].boxed()
}

impl Subject for GCounter<u8> {
    type Op = CountOp;
    fn op() -> BoxedStrategy<CountOp> {
        count_op()
    }
    fn apply(&mut self, actor: u8, op: &CountOp) -> Result<Self, CrdtError> {
        let (CountOp::Up(by) | CountOp::Down(by)) = *op;
        self.increment(&actor, by)
    }
    fn encode(&self) -> Vec<u8> {
        self.encode()
    }
    fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        Self::decode(bytes)
    }
    fn delta_from_bytes(delta: &Self) -> Self {
        Self::decode(&delta.encode()).unwrap()
    }
}

impl Subject for PNCounter<u8> {
    type Op = CountOp;
    fn op() -> BoxedStrategy<CountOp> {
        count_op()
    }
    fn apply(&mut self, actor: u8, op: &CountOp) -> Result<Self, CrdtError> {
        match *op {
            CountOp::Up(by) => self.increment(&actor, by),
            CountOp::Down(by) => self.decrement(&actor, by),
        }
    }
    fn encode(&self) -> Vec<u8> {
        self.encode()
    }
    fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        Self::decode(bytes)
    }
    fn delta_from_bytes(delta: &Self) -> Self {
        Self::decode(&delta.encode()).unwrap()
    }
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
    fn apply(&mut self, actor: u8, op: &SetOp) -> Result<OrSetDelta<u8, u8>, CrdtError> {
        match *op {
            SetOp::Add(x) => self.add(&actor, x),
            SetOp::Remove(x) => Ok(self.remove(&x)),
            SetOp::Clear => Ok(self.clear()),
        }
    }
    fn encode(&self) -> Vec<u8> {
        self.encode()
    }
    fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        Self::decode(bytes)
    }
    fn delta_from_bytes(delta: &OrSetDelta<u8, u8>) -> Self {
        Self::decode(&delta.encode()).unwrap()
    }
}

/// One step of a history.
#[derive(Clone, Debug)]
enum Step<Op> {
    /// Replica `replica` mutates its state; the delta goes to the log.
    Local { replica: usize, op: Op },
    /// Replica `to` receives a delta from the log (any earlier one: late,
    /// out of order, or again), in memory or through its bytes.
    Deliver { to: usize, delta: usize, as_bytes: bool },
    /// Replica `to` receives the whole state of `from`.
    Sync { from: usize, to: usize },
}

/// The replicas' states after a random history on 2 to 5 replicas.
fn world<S: Subject>() -> impl Strategy<Value = Vec<S>> {
    (2..=5usize).prop_flat_map(|n| {
        let step = prop_oneof![
            5 => (0..n, S::op()).prop_map(|(replica, op)| Step::Local { replica, op }),
            3 => (0..n, any::<usize>(), any::<bool>())
                .prop_map(|(to, delta, as_bytes)| Step::Deliver { to, delta, as_bytes }),
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
                if let Ok(delta) = replicas[*replica].apply(*replica as u8, op) {
                    log.push(delta);
                }
            }
            Step::Deliver { to, delta, as_bytes } if !log.is_empty() => {
                let delta = &log[delta % log.len()];
                if *as_bytes {
                    replicas[*to].merge(&S::delta_from_bytes(delta)).unwrap();
                } else {
                    replicas[*to].merge_delta(delta).unwrap();
                }
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

fn join<S: Crdt>(a: &S, b: &S) -> S {
    let mut out = a.clone();
    out.merge(b).unwrap();
    out
}

fn join_delta<S: Crdt>(a: &S, delta: &S::Delta) -> S {
    let mut out = a.clone();
    out.merge_delta(delta).unwrap();
    out
}

/// Three states of one world (repeats allowed when it has fewer replicas).
fn three<S: Subject>() -> impl Strategy<Value = (S, S, S)> {
    (world::<S>(), any::<(usize, usize, usize)>()).prop_map(|(w, (i, j, k))| {
        (w[i % w.len()].clone(), w[j % w.len()].clone(), w[k % w.len()].clone())
    })
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
                        Ok(delta) => {
                            // m(X) = X ⊔ mδ(X), in memory and through the
                            // delta's bytes ...
                            let wire = <$t as Subject>::delta_from_bytes(&delta);
                            prop_assert_eq!(join_delta(&x, &delta), mutated.clone());
                            prop_assert_eq!(join(&x, &wire), mutated.clone());
                            // ... so any replica that has seen X gets the same
                            // from the delta as from the mutated state ...
                            let seen = join(&y, &x);
                            prop_assert_eq!(join_delta(&seen, &delta), join(&y, &mutated));
                            prop_assert_eq!(join(&seen, &wire), join(&y, &mutated));
                            // ... and any replica at all the same from the
                            // delta as from its bytes (it may arrive first).
                            prop_assert_eq!(join_delta(&y, &delta), join(&y, &wire));
                        }
                        // A refused mutation changes nothing.
                        Err(_) => prop_assert_eq!(mutated, x),
                    }
                }

                #[test]
                fn bytes_round_trip_deterministically((a, b, _) in three::<$t>()) {
                    let ab = join(&a, &b);
                    let bytes = Subject::encode(&ab);
                    let back = <$t as Subject>::decode(&bytes).unwrap();
                    prop_assert_eq!(&back, &ab);
                    // Equal states reached differently encode identically.
                    prop_assert_eq!(Subject::encode(&join(&b, &a)), bytes.clone());
                    prop_assert_eq!(Subject::encode(&back), bytes);
                }

                #[test]
                fn corrupt_bytes_are_errors_not_panics(
                    (a, _, _) in three::<$t>(),
                    flips in proptest::collection::vec((any::<usize>(), 1..=255u8), 1..4),
                ) {
                    let bytes = Subject::encode(&a);
                    for len in 0..bytes.len() {
                        prop_assert!(<$t as Subject>::decode(&bytes[..len]).is_err());
                    }
                    let mut longer = bytes.clone();
                    longer.push(0);
                    prop_assert!(<$t as Subject>::decode(&longer).is_err());
                    let mut corrupt = bytes.clone();
                    for (at, mask) in flips {
                        let at = at % corrupt.len();
                        corrupt[at] ^= mask;
                    }
                    // Anything that still decodes is canonical: it is a valid
                    // state that encodes to exactly these bytes.
                    if let Ok(state) = <$t as Subject>::decode(&corrupt) {
                        prop_assert_eq!(Subject::encode(&state), corrupt);
                    }
                }
            }
        }
    };
}

laws!(gcounter, GCounter<u8>);
laws!(pncounter, PNCounter<u8>);
laws!(orset, OrSet<u8, u8>);

#[test]
fn orset_encoding_stays_within_16_bytes_per_small_integer_element() {
    // 10,000 elements 0..10,000 added by three actors in turn, then synced.
    let mut set = OrSet::new();
    for x in 0..10_000u64 {
        set.add(&(x % 3), x).unwrap();
    }
    let bytes = set.encode();
    let per_element = bytes.len() as f64 / set.len() as f64;
    println!(
        "OrSet<u64, u64>: {} bytes for {} elements = {per_element:.2} bytes per element",
        bytes.len(),
        set.len()
    );
    assert!(per_element <= 16.0, "{per_element} bytes per element");
    assert_eq!(OrSet::<u64, u64>::decode(&bytes).unwrap(), set);
}

#[test]
fn decoding_foreign_and_unsupported_bytes_names_the_problem() {
    let counter = GCounter::<u8>::new().encode();
    assert_eq!(
        OrSet::<u8, u8>::decode(&counter),
        Err(DecodeError::WrongKind { expected: "OrSet", found: "GCounter" })
    );
    let mut future = counter.clone();
    future[3] = 2;
    assert_eq!(
        GCounter::<u8>::decode(&future),
        Err(DecodeError::UnsupportedVersion { found: 2, supported: 1 })
    );
    assert_eq!(GCounter::<u8>::decode(b"{\"json\":1}"), Err(DecodeError::BadMagic));
    // A dot that names an actor outside the list, and one outside the context.
    assert!(OrSet::<u8, u8>::decode(b"RK\x03\x01\x01\x07\x01\x00\x01\x05\x01\x01\x01").is_err());
    assert!(OrSet::<u8, u8>::decode(b"RK\x03\x01\x01\x07\x01\x00\x01\x05\x01\x00\x02").is_err());
    assert!(OrSet::<u8, u8>::decode(b"RK\x03\x01\x01\x07\x01\x00\x01\x05\x01\x00\x01").is_ok());
    // The same dot under two elements.
    assert!(
        OrSet::<u8, u8>::decode(b"RK\x03\x01\x01\x07\x01\x00\x02\x05\x01\x00\x01\x06\x01\x00\x01")
            .is_err()
    );
    // A length far beyond the input does not reserve memory: it is an error.
    assert_eq!(
        OrSet::<u8, u8>::decode(b"RK\x03\x01\xff\xff\xff\xff\x0f"),
        Err(DecodeError::Truncated)
    );
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
    }

    #[test]
    fn a_delta_serializes_as_the_state_it_stands_for() {
        let mut set = OrSet::new();
        set.add(&1u8, 5u8).unwrap();
        set.add(&2u8, 6u8).unwrap();
        let deltas = [set.add(&1, 5).unwrap(), set.remove(&6), set.remove(&7), set.clear()];
        for delta in deltas {
            let json = serde_json::to_string(&delta).unwrap();
            let state: OrSet<u8, u8> = serde_json::from_str(&json).unwrap();
            assert_eq!(state, OrSet::from(delta));
        }
    }

    #[test]
    fn invalid_json_states_are_refused() {
        // A dot outside the context, a zero count, unsorted actors.
        assert!(serde_json::from_str::<OrSet<u8, u8>>("[[[7,1,[]]],[[5,[[0,2]]]]]").is_err());
        assert!(serde_json::from_str::<OrSet<u8, u8>>("[[[7,1,[]]],[[5,[[0,1]]]]]").is_ok());
        assert!(serde_json::from_str::<GCounter<u8>>("[[1,0]]").is_err());
        assert!(serde_json::from_str::<GCounter<u8>>("[[2,1],[1,1]]").is_err());
    }
}
