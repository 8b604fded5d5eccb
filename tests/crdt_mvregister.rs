//! The multi-value register `MvRegister`, checked by law, by a hostile
//! network against a plain sequential model, and by golden bytes.
//!
//! * **Laws by name**: commutative, associative, idempotent, identity, for
//!   states built by random histories of three replicas, and the delta law.
//! * **Schedule fuzzer**: three replicas make random writes; every write
//!   that changed something sends its delta (in memory or as bytes) and now
//!   and then a whole state, over a network that reorders, duplicates and
//!   drops messages; dropped messages are re-sent at the end. Then every
//!   replica must equal every other and the model: the values of the writes
//!   that no other write had seen, in dot order.
//! * **Unchanged writes send nothing**, **golden bytes** pin the format,
//!   and **impossible states are refused** by bytes and serde alike.
//!
//! Cases: 24 by default; `ROUTEKIT_FUZZ_CASES=n` (or `PROPTEST_CASES=n`)
//! sets the count, `ROUTEKIT_LONG_TESTS=1` runs 512.

use std::collections::BTreeSet;

use proptest::prelude::*;
use routekit::crdt::{Crdt, CrdtError, DecodeError, Invariant, MvRegister};

type Register = MvRegister<u8, u8>;

#[path = "support/schedule.rs"]
mod schedule;
use schedule::{Rng, config};

/// A value from a small range, so that unchanged writes happen.
fn small_value(rng: &mut Rng) -> u8 {
    rng.below(4) as u8
}

fn join(a: &Register, b: &Register) -> Register {
    let mut out = a.clone();
    out.merge(b).unwrap();
    out
}

fn values(register: &Register) -> Vec<u8> {
    register.values().copied().collect()
}

/// Three replicas after a short random history with merges in between.
fn history(seed: u64) -> [Register; 3] {
    let mut rng = Rng(seed);
    let mut replicas: [Register; 3] = Default::default();
    for _ in 0..rng.below(12) {
        let actor = rng.index(3);
        let value = small_value(&mut rng);
        replicas[actor].set(&(actor as u8), value).unwrap();
        if rng.chance(30) {
            let from = rng.index(3);
            let other = replicas[from].clone();
            replicas[actor].merge(&other).unwrap();
        }
    }
    replicas
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn commutative(seed in any::<u64>()) {
        let [a, b, _] = history(seed);
        prop_assert_eq!(join(&a, &b), join(&b, &a));
    }

    #[test]
    fn associative(seed in any::<u64>()) {
        let [a, b, c] = history(seed);
        prop_assert_eq!(join(&join(&a, &b), &c), join(&a, &join(&b, &c)));
    }

    #[test]
    fn idempotent(seed in any::<u64>()) {
        let [a, b, _] = history(seed);
        prop_assert_eq!(join(&a, &a), a.clone());
        let ab = join(&a, &b);
        prop_assert_eq!(join(&ab, &b), ab);
    }

    #[test]
    fn identity(seed in any::<u64>()) {
        let [a, _, _] = history(seed);
        prop_assert_eq!(join(&a, &Register::default()), a.clone());
        prop_assert_eq!(join(&Register::default(), &a), a);
    }

    #[test]
    fn delta_is_its_state(seed in any::<u64>(), value in 0u8..4) {
        // m(X) = X ⊔ mδ(X), into X and into any Y that has seen X; the twin
        // changes the state alike. Actor 9 is a replica of its own.
        let [x, y, _] = history(seed);
        let (mut mutated, mut twin) = (x.clone(), x.clone());
        let delta = mutated.set(&9, value).unwrap();
        prop_assert_eq!(twin.set_without_delta(&9, value).unwrap(), delta.is_some());
        prop_assert_eq!(&twin, &mutated);
        match delta {
            None => prop_assert_eq!(&mutated, &x),
            Some(delta) => {
                prop_assert_eq!(join(&x, &delta), mutated.clone());
                let mut via = join(&y, &x);
                Crdt::merge_delta(&mut via, &delta).unwrap();
                prop_assert_eq!(via, join(&y, &mutated));
                prop_assert_eq!(delta.len(), 1);
            }
        }
    }

    #[test]
    fn bytes_round_trip_and_truncation_is_refused(seed in any::<u64>()) {
        let [a, b, _] = history(seed);
        let a = join(&a, &b);
        let bytes = a.to_bytes();
        prop_assert_eq!(bytes.len(), a.encoded_len());
        prop_assert_eq!(Register::from_bytes(&bytes).unwrap(), a);
        for cut in 0..bytes.len() {
            prop_assert!(Register::from_bytes(&bytes[..cut]).is_err());
        }
        let mut longer = bytes.clone();
        longer.push(0);
        let trailing =
            matches!(Register::from_bytes(&longer), Err(DecodeError::TrailingBytes { count: 1, .. }));
        prop_assert!(trailing);
    }

    #[test]
    fn converges_under_a_hostile_network(seed in any::<u64>()) {
        simulate(seed, 60);
    }
}

/// One write as the model sees it: its dot, its value, and the writes its
/// replica had received when it was made.
struct Event {
    actor: u8,
    counter: u64,
    value: u8,
    seen: BTreeSet<usize>,
}

/// The sequential model: the writes no other write had seen, in dot order.
fn model(events: &[Event]) -> Vec<u8> {
    let seen: BTreeSet<usize> = events.iter().flat_map(|e| e.seen.iter().copied()).collect();
    let mut survivors: Vec<&Event> =
        events.iter().enumerate().filter(|(i, _)| !seen.contains(i)).map(|(_, e)| e).collect();
    survivors.sort_by_key(|e| (e.actor, e.counter));
    survivors.iter().map(|e| e.value).collect()
}

/// What travels: a delta in memory or as bytes, or a whole state as bytes.
enum Payload {
    Delta(Register),
    DeltaBytes(Vec<u8>),
    StateBytes(Vec<u8>),
}

struct Message {
    to: usize,
    payload: Payload,
    /// The writes the receiver learns of.
    events: BTreeSet<usize>,
}

/// Three replicas, `steps` random writes, a network that reorders,
/// duplicates and drops; checks convergence and the model.
fn simulate(seed: u64, steps: u64) {
    const REPLICAS: usize = 3;
    let mut rng = Rng(seed);
    let mut replicas: Vec<Register> = vec![Register::new(); REPLICAS];
    let mut known: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); REPLICAS];
    let mut made = [0u64; REPLICAS];
    let mut events: Vec<Event> = Vec::new();
    let mut in_flight: Vec<Message> = Vec::new();
    let mut dropped: Vec<Message> = Vec::new();

    let deliver = |replicas: &mut Vec<Register>, known: &mut Vec<BTreeSet<usize>>, m: &Message| {
        let target = &mut replicas[m.to];
        match &m.payload {
            Payload::Delta(delta) => target.merge_delta(delta).unwrap(),
            Payload::DeltaBytes(bytes) => {
                target.merge_delta(&Register::from_bytes(bytes).unwrap()).unwrap()
            }
            Payload::StateBytes(bytes) => {
                target.merge(&Register::from_bytes(bytes).unwrap()).unwrap()
            }
        }
        known[m.to].extend(m.events.iter().copied());
    };

    for _ in 0..steps {
        let actor = rng.index(REPLICAS);
        let value = small_value(&mut rng);
        let was_single = replicas[actor].values().eq([&value]);
        match replicas[actor].set(&(actor as u8), value).unwrap() {
            None => assert!(was_single, "only a write of the one value held sends nothing"),
            Some(delta) => {
                made[actor] += 1;
                let seen = known[actor].clone();
                events.push(Event { actor: actor as u8, counter: made[actor], value, seen });
                let id = events.len() - 1;
                known[actor].insert(id);
                assert_eq!(delta.encoded_len(), delta.to_bytes().len());
                for to in (0..REPLICAS).filter(|&to| to != actor) {
                    let payload = if rng.chance(50) {
                        Payload::DeltaBytes(delta.to_bytes())
                    } else {
                        Payload::Delta(delta.clone())
                    };
                    in_flight.push(Message { to, payload, events: BTreeSet::from([id]) });
                }
            }
        }
        if rng.chance(10) {
            let to = (actor + 1 + rng.index(REPLICAS - 1)) % REPLICAS;
            let bytes = replicas[actor].to_bytes();
            assert_eq!(bytes.len(), replicas[actor].encoded_len());
            let payload = Payload::StateBytes(bytes);
            in_flight.push(Message { to, payload, events: known[actor].clone() });
        }
        while !in_flight.is_empty() && rng.chance(60) {
            let at = rng.index(in_flight.len());
            let message = in_flight.swap_remove(at);
            if rng.chance(10) {
                dropped.push(message);
                continue;
            }
            deliver(&mut replicas, &mut known, &message);
            if rng.chance(15) {
                deliver(&mut replicas, &mut known, &message);
            }
        }
    }
    for message in in_flight.iter().chain(&dropped) {
        deliver(&mut replicas, &mut known, message);
    }
    for replica in &replicas[1..] {
        assert_eq!(replica, &replicas[0], "replicas diverged (seed {seed})");
    }
    assert_eq!(values(&replicas[0]), model(&events), "model differs (seed {seed})");
}

#[test]
fn concurrent_writes_are_kept_until_a_write_that_saw_them() {
    let (mut a, mut b, mut c) = (Register::new(), Register::new(), Register::new());
    let x = a.set(&1, 10).unwrap().unwrap();
    let y = b.set(&2, 20).unwrap().unwrap();
    c.merge_delta(&y).unwrap();
    c.merge_delta(&x).unwrap();
    assert_eq!(values(&c), [10, 20]);
    // a has seen only its own write: it replaces that one, not b's.
    let z = a.set(&1, 11).unwrap().unwrap();
    c.merge_delta(&z).unwrap();
    assert_eq!(values(&c), [11, 20]);
    // c has seen both: its write replaces both, wherever it goes.
    let w = c.set(&3, 30).unwrap().unwrap();
    for replica in [&mut a, &mut b] {
        replica.merge_delta(&w).unwrap();
    }
    assert_eq!((values(&a), values(&b)), (vec![30], vec![30]));
    // A late delta of a write that w did not see itself (z replaced it
    // before c saw it) shows until z arrives too: never corrupts.
    b.merge_delta(&x).unwrap();
    assert_eq!(values(&b), [10, 30]);
    b.merge_delta(&z).unwrap();
    assert_eq!(values(&b), [30]);
    assert_eq!(Register::from_bytes(&b.to_bytes()).unwrap(), b);
}

#[test]
fn unchanged_writes_make_no_delta() {
    let mut register = Register::new();
    register.set(&1, 5).unwrap().expect("a first write");
    let before = register.clone();
    assert_eq!(register.set(&1, 5), Ok(None));
    assert_eq!(register.set(&2, 5), Ok(None), "whoever writes it");
    assert!(!register.set_without_delta(&3, 5).unwrap());
    assert_eq!(register, before, "no dot made, no actor interned");

    // A value among concurrent ones is a change: it resolves the conflict.
    let mut other = Register::new();
    other.set(&2, 5).unwrap();
    register.merge(&other).unwrap();
    assert_eq!(values(&register), [5, 5]);
    let resolved = register.set(&1, 5).unwrap().expect("resolves the conflict");
    assert_eq!(values(&resolved), [5]);
    assert_eq!(values(&register), [5]);
    assert_eq!(register.set(&1, 5), Ok(None));
}

#[test]
fn a_reused_actor_id_is_refused_on_merge() {
    let (mut a, mut b) = (Register::new(), Register::new());
    a.set(&1, 5).unwrap();
    b.set(&1, 6).unwrap();
    let before = a.clone();
    assert!(matches!(a.merge(&b), Err(CrdtError::DotConflict { counter: 1, .. })));
    assert_eq!(a, before);
}

#[test]
fn golden_bytes() {
    let mut register = MvRegister::<u8, String>::new();
    assert_eq!(register.to_bytes(), b"RK\x0a\x01\x00\x00");
    register.set(&7, "dark".into()).unwrap();
    assert_eq!(register.to_bytes(), b"RK\x0a\x01\x01\x07\x01\x00\x01\x00\x01\x04dark");

    // Two concurrent writes: both actors, both writes in dot order.
    let (mut a, mut b) = (Register::new(), Register::new());
    a.set(&1, 5).unwrap();
    b.set(&2, 6).unwrap();
    a.merge(&b).unwrap();
    let bytes = a.to_bytes();
    assert_eq!(bytes, b"RK\x0a\x01\x02\x01\x01\x00\x02\x01\x00\x02\x00\x01\x05\x01\x01\x06");
    assert_eq!(Register::from_bytes(&bytes).unwrap(), a);

    // A delta whose actor's first dot was replaced elsewhere: a gap.
    let (mut two, mut three) = (Register::new(), Register::new());
    three.merge(&two.set(&2, 1).unwrap().unwrap()).unwrap();
    two.merge(&three.set(&3, 2).unwrap().unwrap()).unwrap();
    let delta = two.set(&2, 3).unwrap().unwrap();
    let bytes = delta.to_bytes();
    // Actor 2: version 0, one gap at 2; actor 3: version 1; the write (2, 2).
    assert_eq!(bytes, b"RK\x0a\x01\x02\x02\x00\x01\x00\x03\x01\x00\x01\x00\x02\x03");
    assert_eq!(Register::from_bytes(&bytes).unwrap(), delta);
}

#[test]
fn impossible_states_are_refused() {
    let read = Register::from_bytes;
    let broken = |bytes: &[u8], expected: Invariant| {
        assert!(
            matches!(read(bytes), Err(DecodeError::BrokenInvariant { invariant, .. }) if invariant == expected),
            "{bytes:?}: {:?}",
            read(bytes)
        );
    };
    // Actor 1 at version 2, then the writes.
    broken(b"RK\x0a\x01\x01\x01\x02\x00\x01\x00\x00\x05", Invariant::ZeroDotCounter);
    // A write the context has not seen.
    broken(b"RK\x0a\x01\x01\x01\x02\x00\x01\x00\x03\x05", Invariant::DotOutsideContext);
    // A write by an actor past the context's list.
    broken(b"RK\x0a\x01\x01\x01\x02\x00\x01\x01\x01\x05", Invariant::DotOutsideContext);
    // Two writes with one dot.
    broken(b"RK\x0a\x01\x01\x01\x02\x00\x02\x00\x01\x05\x00\x01\x06", Invariant::SharedDot);
    // A context that has seen writes, and no value.
    broken(b"RK\x0a\x01\x01\x01\x02\x00\x00", Invariant::RegisterWithoutValue);
    // Writes out of order.
    assert!(matches!(
        read(b"RK\x0a\x01\x01\x01\x02\x00\x02\x00\x02\x05\x00\x01\x06"),
        Err(DecodeError::Invalid { what: "register writes must be in ascending dot order", .. })
    ));
    // A count of writes the bytes cannot hold, refused before reserving.
    assert_eq!(read(b"RK\x0a\x01\x01\x01\x02\x00\x05\x00\x01\x05"), Err(DecodeError::Truncated));
    // The smallest states that are possible read back.
    assert_eq!(read(b"RK\x0a\x01\x00\x00"), Ok(Register::new()));
    assert!(read(b"RK\x0a\x01\x01\x01\x02\x00\x01\x00\x02\x05").is_ok());
    assert!(matches!(read(b"RK\x09\x01\x00\x00"), Err(DecodeError::WrongKind { .. })));
}

#[test]
fn damaged_bytes_are_refused_or_canonical() {
    for seed in 0..20 {
        let [a, b, _] = history(seed);
        let bytes = join(&a, &b).to_bytes();
        for at in 0..bytes.len() {
            for flip in [1u8, 0x80, 0xff] {
                let mut damaged = bytes.clone();
                damaged[at] ^= flip;
                if let Ok(read) = Register::from_bytes(&damaged) {
                    assert_eq!(read.to_bytes(), damaged, "byte {at} ^ {flip:#x}");
                }
            }
        }
    }
}

#[cfg(feature = "serde")]
#[test]
fn serde_round_trips_and_refuses_what_the_bytes_refuse() {
    for seed in 0..20 {
        let [a, b, _] = history(seed);
        let a = join(&a, &b);
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(serde_json::from_str::<Register>(&json).unwrap(), a);
    }
    let mut register = Register::new();
    register.set(&1, 5).unwrap();
    assert_eq!(serde_json::to_string(&register).unwrap(), "[[[1,1,[]]],[[1,1,5]]]");
    for refused in [
        "[[[1,1,[]]],[[1,0,5]]]",         // counter 0
        "[[[1,1,[]]],[[1,2,5]]]",         // outside the context
        "[[[1,1,[]]],[[2,1,5]]]",         // an actor the context does not know
        "[[[1,1,[]]],[[1,1,5],[1,1,6]]]", // one dot twice
        "[[[1,2,[]]],[[1,2,5],[1,1,6]]]", // out of order
        "[[[1,1,[]]],[]]",                // seen a write, holds none
        "[[[1,0,[]]],[]]",                // an empty clock
    ] {
        assert!(serde_json::from_str::<Register>(refused).is_err(), "{refused}");
    }
}
