//! Convergence under a hostile network, against simple reference models, and
//! regression tests for failures other CRDT libraries show on the same
//! histories.
//!
//! The simulation runs N replicas doing random adds, removes, clears and
//! counter changes; every delta (in memory, as its own bytes, or as the
//! bytes of the state it stands for, and now and then a whole state) is sent
//! to every other replica over a channel that shuffles, duplicates and loses
//! messages. A mutation that changes nothing sends nothing. Lost messages
//! are re-sent at the end. Then every replica must equal every other, equal
//! the reference models (an OR-Set with explicit tombstones, the plain sum
//! of counter changes), and its causal context must have no gaps left.
//! Along the way each replica's set must equal its own model replica fed
//! the same messages.
//!
//! Cases: 24 simulations by default; `ROUTEKIT_FUZZ_CASES=n` (or
//! `PROPTEST_CASES=n`) sets the count, `ROUTEKIT_LONG_TESTS=1` runs 512.

use std::collections::BTreeSet;

use proptest::prelude::*;
use routekit::crdt::{CrdtError, GCounter, OrSet, OrSetDelta, PNCounter, PNCounterDelta};

#[path = "support/schedule.rs"]
mod schedule;
use schedule::{Rng, config};

/// An add is tagged (actor, sequence number), like a dot.
type Tag = (usize, u64);

/// The reference OR-Set: every add ever seen, and explicit tombstones.
/// An element is present when one of its adds is not tombstoned. An add
/// tombstones the adds of the same element its replica had seen (it
/// replaces them), a remove tombstones exactly those, a clear all seen adds.
#[derive(Clone, Debug, Default, PartialEq)]
struct ModelSet {
    adds: BTreeSet<(u8, Tag)>,
    tombstones: BTreeSet<Tag>,
}

impl ModelSet {
    fn live(&self) -> impl Iterator<Item = &(u8, Tag)> {
        self.adds.iter().filter(|(_, tag)| !self.tombstones.contains(tag))
    }

    fn elements(&self) -> Vec<u8> {
        let present: BTreeSet<u8> = self.live().map(|&(x, _)| x).collect();
        present.into_iter().collect()
    }

    /// The delta that tombstones the live adds `which` selects.
    fn tombstone(&self, which: impl Fn(u8) -> bool) -> ModelSet {
        let tombstones = self.live().filter(|(x, _)| which(*x)).map(|&(_, tag)| tag).collect();
        ModelSet { adds: BTreeSet::new(), tombstones }
    }

    fn merge(&mut self, other: &ModelSet) {
        self.adds.extend(other.adds.iter().copied());
        self.tombstones.extend(other.tombstones.iter().copied());
    }
}

/// What one replica holds: the real CRDTs and the models fed the same way.
#[derive(Clone, Debug, Default)]
struct Replica {
    set: OrSet<u32, u8>,
    counter: PNCounter<u32>,
    model: ModelSet,
}

/// How a set change travels.
#[derive(Clone, Debug)]
enum SetMessage {
    /// A mutation's delta, merged with `merge_delta`.
    Delta(OrSetDelta<u32, u8>),
    /// A delta's bytes, read back as a delta and merged with `merge_delta`.
    DeltaBytes(Vec<u8>),
    /// The bytes of the state a delta stands for, merged with `merge`.
    StateBytes(Vec<u8>),
    /// A whole state.
    State(OrSet<u32, u8>),
    /// Nothing (a counter change).
    None,
}

/// How a counter change travels.
#[derive(Clone, Debug)]
enum CounterMessage {
    /// A delta's bytes, merged with `merge_delta`.
    DeltaBytes(Vec<u8>),
    /// A whole state.
    State(PNCounter<u32>),
    /// Nothing (a set change).
    None,
}

/// A message: a delta or a whole state, with the model's counterpart.
#[derive(Clone, Debug)]
struct Message {
    set: SetMessage,
    counter: CounterMessage,
    model: ModelSet,
}

impl Replica {
    fn receive(&mut self, message: &Message) {
        match &message.set {
            SetMessage::Delta(delta) => self.set.merge_delta(delta).unwrap(),
            SetMessage::DeltaBytes(bytes) => {
                self.set.merge_delta(&OrSetDelta::from_bytes(bytes).unwrap()).unwrap()
            }
            SetMessage::StateBytes(bytes) => {
                self.set.merge(&OrSet::from_bytes(bytes).unwrap()).unwrap()
            }
            SetMessage::State(state) => self.set.merge(state).unwrap(),
            SetMessage::None => {}
        }
        match &message.counter {
            CounterMessage::DeltaBytes(bytes) => {
                self.counter.merge_delta(&PNCounterDelta::from_bytes(bytes).unwrap())
            }
            CounterMessage::State(state) => self.counter.merge(state),
            CounterMessage::None => {}
        }
        self.model.merge(&message.model);
        assert_eq!(self.set.iter().copied().collect::<Vec<_>>(), self.model.elements());
    }
}

fn simulate(seed: u64, replicas: usize, steps: usize) {
    let mut rng = Rng(seed);
    let mut nodes = vec![Replica::default(); replicas];
    let mut next_tag = vec![0u64; replicas];
    let mut in_flight: Vec<(usize, Message)> = Vec::new();
    let mut lost: Vec<(usize, Message)> = Vec::new();
    let mut total: i128 = 0;

    for _ in 0..steps {
        let r = rng.index(replicas);
        let node = &mut nodes[r];
        let x = rng.below(8) as u8;
        // A set delta travels in memory, as its bytes, or as the bytes of
        // the state it stands for.
        let how = rng.below(3);
        let delta = |delta: OrSetDelta<u32, u8>| match how {
            0 => SetMessage::Delta(delta),
            1 => SetMessage::DeltaBytes(delta.to_bytes()),
            _ => SetMessage::StateBytes(OrSet::from(delta).to_bytes()),
        };
        let set_message = |set, model| Message { set, counter: CounterMessage::None, model };
        let message = match rng.below(20) {
            0..=8 => {
                next_tag[r] += 1;
                let tag = (r, next_tag[r]);
                let mut model = node.model.tombstone(|y| y == x);
                model.adds.insert((x, tag));
                let set = delta(node.set.add(&(r as u32), x).unwrap());
                Some(set_message(set, model))
            }
            9..=13 => {
                let model = node.model.tombstone(|y| y == x);
                let present = node.set.contains(&x);
                let change = node.set.remove(&x);
                // Removing an absent element changes nothing: no delta.
                assert_eq!(change.is_some(), present);
                change.map(|change| set_message(delta(change), model))
            }
            14 => {
                let model = node.model.tombstone(|_| true);
                let change = node.set.clear();
                assert_eq!(change.is_some(), !model.tombstones.is_empty());
                change.map(|change| set_message(delta(change), model))
            }
            15..=17 => {
                let by = rng.below(1000);
                let change = if rng.chance(50) {
                    total += i128::from(by);
                    node.counter.increment(&(r as u32), by).unwrap()
                } else {
                    total -= i128::from(by);
                    node.counter.decrement(&(r as u32), by).unwrap()
                };
                assert_eq!(change.is_some(), by != 0);
                change.map(|change| Message {
                    set: SetMessage::None,
                    counter: CounterMessage::DeltaBytes(change.to_bytes()),
                    model: ModelSet::default(),
                })
            }
            18 => Some(Message {
                set: SetMessage::State(node.set.clone()),
                counter: CounterMessage::State(node.counter.clone()),
                model: node.model.clone(),
            }),
            _ => None, // deliver only
        };
        node.model.merge(&message.as_ref().map_or_else(ModelSet::default, |m| m.model.clone()));
        assert_eq!(node.set.iter().copied().collect::<Vec<_>>(), node.model.elements());
        if let Some(message) = message {
            for to in (0..replicas).filter(|&to| to != r) {
                in_flight.push((to, message.clone()));
            }
        }
        // The network: deliver a few messages in random order; each may be
        // lost (kept for a later re-send) or delivered twice.
        for _ in 0..rng.below(4) {
            if in_flight.is_empty() {
                break;
            }
            let (to, message) = in_flight.swap_remove(rng.index(in_flight.len()));
            if rng.chance(20) {
                lost.push((to, message));
                continue;
            }
            nodes[to].receive(&message);
            if rng.chance(15) {
                in_flight.push((to, message));
            }
        }
    }

    // Deliver the rest in random order, then re-send what was lost.
    for queue in [&mut in_flight, &mut lost] {
        while !queue.is_empty() {
            let (to, message) = queue.swap_remove(rng.index(queue.len()));
            nodes[to].receive(&message);
        }
    }

    let first = &nodes[0];
    for node in &nodes {
        assert_eq!(node.set, first.set);
        assert_eq!(node.counter, first.counter);
        assert_eq!(node.model, first.model);
        assert!(node.set.context().is_compact(), "gaps left: {:?}", node.set.context());
        assert_eq!(node.set.iter().copied().collect::<Vec<_>>(), node.model.elements());
        assert_eq!(node.counter.value(), total);
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn replicas_converge_to_the_models_under_a_hostile_network(
        seed in any::<u64>(),
        replicas in 2..=5usize,
        steps in 50..400usize,
    ) {
        simulate(seed, replicas, steps);
    }
}

#[test]
fn out_of_order_ops_of_one_replica_keep_both_adds() {
    // A set that keeps only a version vector, without the dots seen beyond
    // it, loses the first add for good when one replica's two adds arrive
    // in the opposite order.
    let mut origin = OrSet::new();
    let first = origin.add(&"a", "x").unwrap();
    let second = origin.add(&"a", "y").unwrap();

    let mut replica = OrSet::new();
    replica.merge_delta(&second).unwrap();
    replica.merge_delta(&first).unwrap();
    assert_eq!(replica.iter().collect::<Vec<_>>(), [&"x", &"y"]);
    assert_eq!(replica, origin);
    // The same with the deltas as the states they stand for (the wire form).
    let mut by_state = OrSet::new();
    by_state.merge(&OrSet::from(second)).unwrap();
    by_state.merge(&OrSet::from(first)).unwrap();
    assert_eq!(by_state, origin);

    // And it stays so through further merges in both directions.
    let mut other = OrSet::new();
    other.merge(&replica).unwrap();
    other.merge(&origin).unwrap();
    origin.merge(&other).unwrap();
    assert_eq!(other.len(), 2);
    assert_eq!(origin, other);
}

#[test]
fn a_remove_arriving_before_its_add_is_not_lost_and_the_add_stays_removed() {
    let mut origin = OrSet::new();
    let add = origin.add(&"a", 7).unwrap();
    let remove = origin.remove(&7).unwrap();

    let mut replica = OrSet::new();
    replica.merge_delta(&remove).unwrap(); // nothing to remove yet: the context keeps it
    replica.merge_delta(&add).unwrap(); // the add arrives, already removed
    assert!(!replica.contains(&7));
    assert_eq!(replica, origin);

    let mut by_state = OrSet::new();
    by_state.merge(&OrSet::from(remove)).unwrap();
    by_state.merge(&OrSet::from(add)).unwrap();
    assert_eq!(by_state, origin);
}

#[test]
fn counter_overflow_is_an_error_and_changes_nothing() {
    let mut g = GCounter::new();
    g.increment(&1u8, u64::MAX - 1).unwrap();
    let before = g.clone();
    assert!(matches!(
        g.increment(&1, 2),
        Err(CrdtError::Overflow { count: 18446744073709551614, by: 2, .. })
    ));
    assert!(g.increment_without_delta(&1, 2).is_err());
    assert_eq!(g, before);
    g.increment(&1, 1).unwrap();
    assert_eq!(g.value(), u128::from(u64::MAX));

    let mut pn = PNCounter::new();
    pn.increment(&1u8, u64::MAX).unwrap();
    pn.decrement(&1u8, u64::MAX).unwrap();
    let before = pn.clone();
    assert!(pn.increment(&1, 1).is_err());
    assert!(pn.decrement(&1, 1).is_err());
    assert_eq!(pn, before);
    assert_eq!(pn.value(), 0);

    // Sums past u64::MAX are exact.
    pn.increment(&2, u64::MAX).unwrap();
    pn.increment(&3, u64::MAX).unwrap();
    assert_eq!(pn.value(), 2 * i128::from(u64::MAX));
}

#[test]
fn pending_state_encodes_and_decodes() {
    // A replica holding a gap (the second add without the first) and a
    // remove of an add it has not seen yet.
    let mut origin = OrSet::new();
    let first = origin.add(&"a".to_string(), "x".to_string()).unwrap();
    let second = origin.add(&"a".to_string(), "y".to_string()).unwrap();
    let mut other = OrSet::new();
    let far = other.add(&"b".to_string(), "z".to_string()).unwrap();
    let remove_far = other.remove("z").unwrap();

    let mut pending = OrSet::new();
    pending.merge_delta(&second).unwrap();
    pending.merge_delta(&remove_far).unwrap();
    assert!(!pending.context().is_compact());

    let bytes = pending.to_bytes();
    let mut decoded = OrSet::<String, String>::from_bytes(&bytes).unwrap();
    assert_eq!(decoded, pending);
    assert_eq!(decoded.to_bytes(), bytes);
    assert_eq!(pending.encoded_len(), bytes.len());
    #[cfg(feature = "serde")]
    {
        let json = serde_json::to_string(&pending).unwrap();
        assert_eq!(serde_json::from_str::<OrSet<String, String>>(&json).unwrap(), pending);
    }

    // The decoded replica finishes catching up like the original would.
    decoded.merge_delta(&far).unwrap();
    decoded.merge_delta(&OrSetDelta::from_bytes(&first.to_bytes()).unwrap()).unwrap();
    assert!(decoded.context().is_compact());
    assert_eq!(decoded.iter().collect::<Vec<_>>(), ["x", "y"]);
}

#[test]
fn two_replicas_sharing_an_actor_id_are_detected() {
    // A set that trusts actor ids can lose every element here. Both
    // replicas make dot (a, 1), for different elements: merging them is
    // refused and changes nothing.
    let (a, x, y) = ("a".to_string(), "x".to_string(), "y".to_string());
    let mut left = OrSet::new();
    let mut right = OrSet::new();
    left.add(&a, x.clone()).unwrap();
    let right_delta = right.add(&a, y).unwrap();

    let before = left.clone();
    let conflict = |result| matches!(result, Err(CrdtError::DotConflict { counter: 1, .. }));
    assert!(conflict(left.merge(&right)));
    assert!(conflict(left.merge_delta(&right_delta)));
    let from_bytes = OrSetDelta::from_bytes(&right_delta.to_bytes()).unwrap();
    assert!(conflict(left.merge_delta(&from_bytes)));
    let right_state = OrSet::from(right_delta); // as earlier releases sent it
    assert!(conflict(left.merge(&right_state)));
    assert!(conflict(right.merge(&before)));
    assert_eq!(left, before);
    assert_eq!(left.iter().collect::<Vec<_>>(), [&x]);
}

#[test]
fn a_large_state_receives_small_deltas_exactly() {
    // Deltas merged into a state much larger than them, in memory and as the
    // states they stand for (which take the sparse path, no full scan);
    // check both against merging whole states.
    let mut big = OrSet::new();
    for x in 0..1000u32 {
        big.add(&0u8, x).unwrap();
    }
    let mut peer = big.clone();
    let mut deltas =
        vec![peer.remove(&5).unwrap(), peer.add(&1, 6).unwrap(), peer.add(&1, 1000).unwrap()];
    deltas.push(peer.add(&1, 6).unwrap()); // re-add: replaces (1, 1)
    deltas.push(peer.clear().unwrap());
    deltas.push(peer.add(&1, 3).unwrap());
    let mut by_delta = big.clone();
    let mut by_state = big.clone();
    for delta in deltas.iter().rev() {
        by_delta.merge_delta(delta).unwrap();
        by_state.merge(&OrSet::from(delta.clone())).unwrap();
    }
    big.merge(&peer).unwrap();
    assert_eq!(by_delta, big);
    assert_eq!(by_state, big);
    assert_eq!(big.iter().collect::<Vec<_>>(), [&3]);
}
