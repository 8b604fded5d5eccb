//! The session CRDTs — registers, flags and maps — checked by law, by a
//! hostile network against plain sequential models, and by golden bytes.
//!
//! * **Laws by name**: commutative, associative, idempotent, identity, for
//!   states built by random histories of three replicas.
//! * **Schedule fuzzer**: three replicas make random writes; every write
//!   that changed something sends its delta (in memory or as bytes) and
//!   now and then a whole state, over a network that reorders, duplicates
//!   and drops messages; dropped messages are re-sent at the end. Then every
//!   replica must equal every other and the value a sequential model
//!   computes from the writes and what each writer had seen.
//! * **Unchanged writes send nothing**, and **golden bytes** pin every
//!   format.
//!
//! Cases: 24 by default; `ROUTEKIT_FUZZ_CASES=n` (or `PROPTEST_CASES=n`)
//! sets the count, `ROUTEKIT_LONG_TESTS=1` runs 512.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;

use proptest::prelude::*;
use routekit::crdt::{
    Crdt, CrdtError, DecodeError, DisableWinsFlag, EnableWinsFlag, HybridClock, Invariant, LwwMap,
    LwwMapDelta, LwwRegister,
};

#[path = "support/schedule.rs"]
mod schedule;
use schedule::{Rng, config};

/// One write as the model sees it: who made it, what it was, and which
/// earlier writes its replica had received when it was made.
#[derive(Clone, Debug)]
struct Event<W> {
    write: W,
    seen: BTreeSet<usize>,
}

/// A CRDT under test: how to make a random write, its value, its bytes,
/// and the sequential model of its final value.
trait Subject: Crdt<Error: Debug> + Debug {
    /// A write, as made and as recorded for the model.
    type Write: Clone + Debug;
    /// What a replica shows.
    type Value: PartialEq + Debug;

    fn random_write(rng: &mut Rng, actor: u8, step: u64) -> Self::Write;
    /// Makes the write; the delta when the state changed.
    fn apply(&mut self, actor: u8, write: &Self::Write) -> Option<Self::Delta>;
    /// As `apply`, through the `_without_delta` twin: whether it changed.
    fn apply_without_delta(&mut self, actor: u8, write: &Self::Write) -> bool;
    fn value(&self) -> Self::Value;
    /// The value after every write in `events` (each one that changed its
    /// replica) has reached every replica.
    fn model(events: &[Event<(u8, Self::Write)>]) -> Self::Value;
    fn to_bytes(&self) -> Vec<u8>;
    fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError>;
    fn delta_to_bytes(delta: &Self::Delta) -> Vec<u8>;
    fn delta_from_bytes(bytes: &[u8]) -> Result<Self::Delta, DecodeError>;
    fn encoded_len(&self) -> usize;
}

/// Events that no other event saw: the writes that survive an
/// observed-remove join.
fn unseen<W>(events: &[Event<W>]) -> impl Iterator<Item = (usize, &Event<W>)> {
    let seen: BTreeSet<usize> = events.iter().flat_map(|e| e.seen.iter().copied()).collect();
    events.iter().enumerate().filter(move |(i, _)| !seen.contains(i))
}

impl Subject for LwwRegister<u8, u8> {
    /// (timestamp, value)
    type Write = (u64, u8);
    type Value = Option<u8>;

    fn random_write(rng: &mut Rng, _actor: u8, _step: u64) -> (u64, u8) {
        // Few timestamps, so that equal ones from different actors meet.
        (rng.below(6), rng.below(4) as u8)
    }

    fn apply(&mut self, actor: u8, &(ts, value): &(u64, u8)) -> Option<Self> {
        match self.set(&actor, ts, value) {
            Ok(delta) => delta,
            Err(CrdtError::WriteConflict { .. }) => None,
            Err(e) => panic!("{e}"),
        }
    }

    fn apply_without_delta(&mut self, actor: u8, &(ts, value): &(u64, u8)) -> bool {
        self.set_without_delta(&actor, ts, value).unwrap_or(false)
    }

    fn value(&self) -> Option<u8> {
        self.get().copied()
    }

    fn model(events: &[Event<(u8, (u64, u8))>]) -> Option<u8> {
        events.iter().map(|e| ((e.write.1.0, e.write.0), e.write.1.1)).max().map(|(_, v)| v)
    }

    fn to_bytes(&self) -> Vec<u8> {
        LwwRegister::to_bytes(self)
    }
    fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        LwwRegister::from_bytes(bytes)
    }
    fn delta_to_bytes(delta: &Self) -> Vec<u8> {
        delta.to_bytes()
    }
    fn delta_from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        LwwRegister::from_bytes(bytes)
    }
    fn encoded_len(&self) -> usize {
        LwwRegister::encoded_len(self)
    }
}

impl Subject for EnableWinsFlag<u8> {
    /// true: enable, false: disable.
    type Write = bool;
    type Value = bool;

    fn random_write(rng: &mut Rng, _actor: u8, _step: u64) -> bool {
        rng.chance(50)
    }

    fn apply(&mut self, actor: u8, &on: &bool) -> Option<Self> {
        if on { self.enable(&actor).unwrap() } else { self.disable() }
    }

    fn apply_without_delta(&mut self, actor: u8, &on: &bool) -> bool {
        if on { self.enable_without_delta(&actor).unwrap() } else { self.disable_without_delta() }
    }

    fn value(&self) -> bool {
        self.is_enabled()
    }

    /// On when an enable survives (no later write saw it).
    fn model(events: &[Event<(u8, bool)>]) -> bool {
        unseen(events).any(|(_, e)| e.write.1)
    }

    fn to_bytes(&self) -> Vec<u8> {
        EnableWinsFlag::to_bytes(self)
    }
    fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        EnableWinsFlag::from_bytes(bytes)
    }
    fn delta_to_bytes(delta: &Self) -> Vec<u8> {
        delta.to_bytes()
    }
    fn delta_from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        EnableWinsFlag::from_bytes(bytes)
    }
    fn encoded_len(&self) -> usize {
        EnableWinsFlag::encoded_len(self)
    }
}

impl Subject for DisableWinsFlag<u8> {
    type Write = bool;
    type Value = bool;

    fn random_write(rng: &mut Rng, _actor: u8, _step: u64) -> bool {
        rng.chance(50)
    }

    fn apply(&mut self, actor: u8, &on: &bool) -> Option<Self> {
        if on { self.enable(&actor).unwrap() } else { self.disable(&actor).unwrap() }
    }

    fn apply_without_delta(&mut self, actor: u8, &on: &bool) -> bool {
        if on {
            self.enable_without_delta(&actor).unwrap()
        } else {
            self.disable_without_delta(&actor).unwrap()
        }
    }

    fn value(&self) -> bool {
        self.is_enabled()
    }

    /// On when an enable survives and no disable does.
    fn model(events: &[Event<(u8, bool)>]) -> bool {
        let survivors: Vec<bool> = unseen(events).map(|(_, e)| e.write.1).collect();
        survivors.contains(&true) && !survivors.contains(&false)
    }

    fn to_bytes(&self) -> Vec<u8> {
        DisableWinsFlag::to_bytes(self)
    }
    fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        DisableWinsFlag::from_bytes(bytes)
    }
    fn delta_to_bytes(delta: &Self) -> Vec<u8> {
        delta.to_bytes()
    }
    fn delta_from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        DisableWinsFlag::from_bytes(bytes)
    }
    fn encoded_len(&self) -> usize {
        DisableWinsFlag::encoded_len(self)
    }
}

impl Subject for LwwMap<u8, u8, u8> {
    /// (timestamp, key, value or remove)
    type Write = (u64, u8, Option<u8>);
    type Value = BTreeMap<u8, u8>;

    fn random_write(rng: &mut Rng, _actor: u8, _step: u64) -> Self::Write {
        let value = (!rng.chance(25)).then(|| rng.below(3) as u8);
        (rng.below(8), rng.below(5) as u8, value)
    }

    fn apply(
        &mut self,
        actor: u8,
        &(ts, key, value): &Self::Write,
    ) -> Option<LwwMapDelta<u8, u8, u8>> {
        let result = match value {
            Some(value) => self.set(&actor, ts, key, value),
            None => self.remove(&actor, ts, &key),
        };
        match result {
            Ok(delta) => delta,
            Err(CrdtError::WriteConflict { .. }) => None,
            Err(e) => panic!("{e}"),
        }
    }

    fn apply_without_delta(&mut self, actor: u8, &(ts, key, value): &Self::Write) -> bool {
        match value {
            Some(value) => self.set_without_delta(&actor, ts, key, value),
            None => self.remove_without_delta(&actor, ts, &key),
        }
        .unwrap_or(false)
    }

    fn value(&self) -> BTreeMap<u8, u8> {
        self.iter().map(|(k, v)| (*k, *v)).collect()
    }

    /// Per key, the write with the greatest (timestamp, actor).
    fn model(events: &[Event<(u8, Self::Write)>]) -> BTreeMap<u8, u8> {
        let mut latest: BTreeMap<u8, ((u64, u8), Option<u8>)> = BTreeMap::new();
        for e in events {
            let (actor, (ts, key, value)) = e.write;
            let slot = latest.entry(key).or_insert(((ts, actor), value));
            if (ts, actor) > slot.0 {
                *slot = ((ts, actor), value);
            }
        }
        latest.into_iter().filter_map(|(k, (_, v))| Some((k, v?))).collect()
    }

    fn to_bytes(&self) -> Vec<u8> {
        LwwMap::to_bytes(self)
    }
    fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        LwwMap::from_bytes(bytes)
    }
    fn delta_to_bytes(delta: &LwwMapDelta<u8, u8, u8>) -> Vec<u8> {
        delta.to_bytes()
    }
    fn delta_from_bytes(bytes: &[u8]) -> Result<LwwMapDelta<u8, u8, u8>, DecodeError> {
        LwwMapDelta::from_bytes(bytes)
    }
    fn encoded_len(&self) -> usize {
        LwwMap::encoded_len(self)
    }
}

/// What travels: a delta (in memory or as bytes) or a whole state (as
/// bytes), with what the model needs to know of it.
enum Payload<S: Subject> {
    Delta(S::Delta),
    DeltaBytes(Vec<u8>),
    StateBytes(Vec<u8>),
}

struct Message<S: Subject> {
    to: usize,
    payload: Payload<S>,
    /// The events the receiver learns of.
    events: BTreeSet<usize>,
}

/// Three replicas, `steps` random writes, a hostile network; returns the
/// converged replicas after checking them against the model.
fn simulate<S: Subject>(seed: u64, steps: u64) -> Vec<S> {
    const REPLICAS: usize = 3;
    let mut rng = Rng(seed);
    let mut replicas: Vec<S> = (0..REPLICAS).map(|_| S::default()).collect();
    let mut known: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); REPLICAS];
    let mut events: Vec<Event<(u8, S::Write)>> = Vec::new();
    let mut in_flight: Vec<Message<S>> = Vec::new();
    let mut dropped: Vec<Message<S>> = Vec::new();

    let deliver = |replicas: &mut Vec<S>, known: &mut Vec<BTreeSet<usize>>, m: &Message<S>| {
        let target = &mut replicas[m.to];
        match &m.payload {
            Payload::Delta(delta) => target.merge_delta(delta).unwrap(),
            Payload::DeltaBytes(bytes) => {
                target.merge_delta(&S::delta_from_bytes(bytes).unwrap()).unwrap()
            }
            Payload::StateBytes(bytes) => target.merge(&S::from_bytes(bytes).unwrap()).unwrap(),
        }
        known[m.to].extend(m.events.iter().copied());
    };

    for step in 0..steps {
        let actor = rng.index(REPLICAS);
        let write = S::random_write(&mut rng, actor as u8, step);
        if let Some(delta) = replicas[actor].apply(actor as u8, &write) {
            events.push(Event { write: (actor as u8, write), seen: known[actor].clone() });
            let id = events.len() - 1;
            known[actor].insert(id);
            for to in (0..REPLICAS).filter(|&to| to != actor) {
                let payload = if rng.chance(50) {
                    Payload::DeltaBytes(S::delta_to_bytes(&delta))
                } else {
                    Payload::Delta(delta.clone())
                };
                in_flight.push(Message { to, payload, events: BTreeSet::from([id]) });
            }
        }
        if rng.chance(10) {
            let to = (actor + 1 + rng.index(REPLICAS - 1)) % REPLICAS;
            let bytes = replicas[actor].to_bytes();
            assert_eq!(bytes.len(), replicas[actor].encoded_len());
            let payload = Payload::StateBytes(bytes);
            in_flight.push(Message { to, payload, events: known[actor].clone() });
        }
        // The network: deliver, duplicate or drop a random message in flight.
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
    // The end: everything still in flight, then every lost message again.
    for message in in_flight.iter().chain(&dropped) {
        deliver(&mut replicas, &mut known, message);
    }
    for replica in &replicas[1..] {
        assert_eq!(replica, &replicas[0], "replicas diverged (seed {seed})");
    }
    assert_eq!(replicas[0].value(), S::model(&events), "model differs (seed {seed})");
    replicas
}

/// Three replicas after a short random history with merges in between.
fn history<S: Subject>(seed: u64) -> [S; 3] {
    let mut rng = Rng(seed);
    let mut replicas: [S; 3] = Default::default();
    for step in 0..rng.below(10) {
        let actor = rng.index(3);
        let write = S::random_write(&mut rng, actor as u8, step);
        replicas[actor].apply(actor as u8, &write);
        if rng.chance(30) {
            let from = rng.index(3);
            let other = replicas[from].clone();
            replicas[actor].merge(&other).unwrap();
        }
    }
    replicas
}

fn join<S: Subject>(a: &S, b: &S) -> S {
    let mut out = a.clone();
    out.merge(b).unwrap();
    out
}

macro_rules! laws {
    ($name:ident, $t:ty) => {
        mod $name {
            use super::*;

            proptest! {
                #![proptest_config(config())]

                #[test]
                fn commutative(seed in any::<u64>()) {
                    let [a, b, _] = history::<$t>(seed);
                    prop_assert_eq!(join(&a, &b), join(&b, &a));
                }

                #[test]
                fn associative(seed in any::<u64>()) {
                    let [a, b, c] = history::<$t>(seed);
                    prop_assert_eq!(join(&join(&a, &b), &c), join(&a, &join(&b, &c)));
                }

                #[test]
                fn idempotent(seed in any::<u64>()) {
                    let [a, b, _] = history::<$t>(seed);
                    prop_assert_eq!(join(&a, &a), a.clone());
                    let ab = join(&a, &b);
                    prop_assert_eq!(join(&ab, &b), ab);
                }

                #[test]
                fn identity(seed in any::<u64>()) {
                    let [a, _, _] = history::<$t>(seed);
                    prop_assert_eq!(join(&a, &<$t>::default()), a.clone());
                    prop_assert_eq!(join(&<$t>::default(), &a), a);
                }

                #[test]
                fn delta_law_and_twin(seed in any::<u64>(), step in any::<u64>()) {
                    // m(X) = X ⊔ mδ(X), and the twin changes the state alike;
                    // written by an actor of its own (ids are unique per replica).
                    let [x, y, _] = history::<$t>(seed);
                    let mut rng = Rng(step);
                    let write = <$t>::random_write(&mut rng, 9, step);
                    let (mut mutated, mut twin) = (x.clone(), x.clone());
                    let delta = mutated.apply(9, &write);
                    prop_assert_eq!(twin.apply_without_delta(9, &write), delta.is_some());
                    prop_assert_eq!(&twin, &mutated);
                    match delta {
                        None => prop_assert_eq!(&mutated, &x),
                        Some(delta) => {
                            let mut via = y.clone();
                            Crdt::merge(&mut via, &x).unwrap();
                            Crdt::merge_delta(&mut via, &delta).unwrap();
                            prop_assert_eq!(via, join(&y, &mutated));
                        }
                    }
                }

                #[test]
                fn bytes_round_trip_and_truncation_is_refused(seed in any::<u64>()) {
                    let [a, _, _] = history::<$t>(seed);
                    let bytes = a.to_bytes();
                    prop_assert_eq!(bytes.len(), a.encoded_len());
                    prop_assert_eq!(<$t as Subject>::from_bytes(&bytes).unwrap(), a);
                    for cut in 0..bytes.len() {
                        prop_assert!(<$t as Subject>::from_bytes(&bytes[..cut]).is_err());
                    }
                    let mut longer = bytes.clone();
                    longer.push(0);
                    prop_assert!(<$t as Subject>::from_bytes(&longer).is_err());
                }

                #[test]
                fn converges_under_a_hostile_network(seed in any::<u64>()) {
                    simulate::<$t>(seed, 60);
                }
            }
        }
    };
}

laws!(lww_register, LwwRegister<u8, u8>);
laws!(enable_wins_flag, EnableWinsFlag<u8>);
laws!(disable_wins_flag, DisableWinsFlag<u8>);
laws!(lww_map, LwwMap<u8, u8, u8>);

/// Any byte changed: an error or a state that encodes to those very bytes
/// (never a panic, never a silently different state).
fn flips_are_refused_or_canonical<S: Subject>(state: &S) {
    let bytes = state.to_bytes();
    for at in 0..bytes.len() {
        for flip in [1u8, 0x80, 0xff] {
            let mut damaged = bytes.clone();
            damaged[at] ^= flip;
            if let Ok(read) = S::from_bytes(&damaged) {
                assert_eq!(read.to_bytes(), damaged, "byte {at} ^ {flip:#x}");
            }
        }
    }
}

#[test]
fn damaged_bytes_are_refused_or_canonical() {
    for seed in 0..20 {
        let [a, ..] = history::<LwwRegister<u8, u8>>(seed);
        flips_are_refused_or_canonical(&a);
        let [a, ..] = history::<EnableWinsFlag<u8>>(seed);
        flips_are_refused_or_canonical(&a);
        let [a, ..] = history::<DisableWinsFlag<u8>>(seed);
        flips_are_refused_or_canonical(&a);
        let [a, ..] = history::<LwwMap<u8, u8, u8>>(seed);
        flips_are_refused_or_canonical(&a);
    }
}

#[test]
fn register_unchanged_writes_make_no_delta() {
    let mut clock = HybridClock::new();
    let mut register = LwwRegister::new();
    assert!(register.set_now(&mut clock, &"eu-1", "dark").unwrap().is_some());
    let before = (register.clone(), clock.last());
    assert_eq!(register.set_now(&mut clock, &"eu-1", "dark"), Ok(None));
    assert_eq!(register.set(&"eu-2", u64::MAX, "dark"), Ok(None));
    assert_eq!((register.clone(), clock.last()), before, "no stamp moved, no clock tick");
}

#[test]
fn register_ties_are_broken_by_actor_not_arrival() {
    let (mut a, mut b) = (LwwRegister::new(), LwwRegister::new());
    let low = a.set(&1u8, 7, 'x').unwrap().unwrap();
    let high = b.set(&2u8, 7, 'y').unwrap().unwrap();
    a.merge(&high).unwrap();
    b.merge(&low).unwrap();
    assert_eq!((a.get(), b.get()), (Some(&'y'), Some(&'y')));
    let mut reused = LwwRegister::new();
    reused.set(&2u8, 7, 'z').unwrap();
    assert!(matches!(a.merge(&reused), Err(CrdtError::WriteConflict { timestamp: 7, .. })));
    assert_eq!(a.get(), Some(&'y'), "a refused merge changes nothing");
}

#[test]
fn flag_unchanged_writes_make_no_delta() {
    let mut on = EnableWinsFlag::new();
    assert!(on.disable().is_none());
    on.enable(&1u8).unwrap();
    let before = on.clone();
    assert!(on.enable(&1u8).unwrap().is_none());
    assert!(on.enable(&2u8).unwrap().is_none());
    assert_eq!(on, before);

    let mut off = DisableWinsFlag::new();
    assert!(off.disable(&1u8).unwrap().is_none());
    off.enable(&1u8).unwrap();
    let before = off.clone();
    assert!(off.enable(&2u8).unwrap().is_none());
    assert_eq!(off, before);
}

#[test]
fn concurrent_enable_and_disable_follow_the_rule_in_the_name() {
    let mut a = EnableWinsFlag::new();
    let first = a.enable(&1u8).unwrap().unwrap();
    let mut b = a.clone();
    let off = b.disable().unwrap();
    a.disable().unwrap();
    let on = a.enable(&1u8).unwrap().unwrap();
    for (x, y) in [(&on, &off), (&off, &on)] {
        let mut r = EnableWinsFlag::new();
        r.merge(&first);
        r.merge(x);
        r.merge(y);
        assert!(r.is_enabled());
    }

    let mut a = DisableWinsFlag::new();
    a.enable(&1u8).unwrap();
    let mut b = a.clone();
    let off = b.disable(&2u8).unwrap().unwrap();
    let mut c = DisableWinsFlag::new();
    let on = c.enable(&3u8).unwrap().unwrap();
    for (x, y) in [(&on, &off), (&off, &on)] {
        let mut r = a.clone();
        r.merge(x);
        r.merge(y);
        assert!(!r.is_enabled());
    }
}

#[test]
fn golden_bytes() {
    let mut register = LwwRegister::<u8, String>::new();
    assert_eq!(register.to_bytes(), b"RK\x05\x01\x00");
    register.set(&3, 1 << 16, "tea".into()).unwrap();
    assert_eq!(register.to_bytes(), b"RK\x05\x01\x01\x80\x80\x04\x03\x03tea");

    let mut flag = EnableWinsFlag::<u8>::new();
    flag.enable(&9).unwrap();
    // context: 1 actor (9, version 1, no gaps); on: 1 dot (position 0, 1).
    assert_eq!(flag.to_bytes(), b"RK\x06\x01\x01\x09\x01\x00\x01\x00\x01");
    flag.disable();
    assert_eq!(flag.to_bytes(), b"RK\x06\x01\x01\x09\x01\x00\x00");

    let mut flag = DisableWinsFlag::<u8>::new();
    flag.enable(&9).unwrap();
    flag.disable(&4).unwrap();
    // context: 4 (version 1), 9 (version 1); on: none; off: (position 0, 1).
    assert_eq!(flag.to_bytes(), b"RK\x07\x01\x02\x04\x01\x00\x09\x01\x00\x00\x01\x00\x01");
}

/// The refusal of input that breaks `invariant`.
fn broken_by<T>(invariant: Invariant) -> Result<T, DecodeError> {
    Err(DecodeError::from(invariant))
}

#[test]
fn states_no_operation_makes_are_refused() {
    // An enable dot the context has not seen.
    let bad = b"RK\x06\x01\x01\x09\x01\x00\x01\x00\x02";
    assert_eq!(EnableWinsFlag::<u8>::from_bytes(bad), broken_by(Invariant::DotOutsideContext));
    // A dot whose actor position is past the context.
    let past = b"RK\x06\x01\x01\x09\x01\x00\x01\x01\x01";
    assert_eq!(EnableWinsFlag::<u8>::from_bytes(past), broken_by(Invariant::DotOutsideContext));
    // A dot with counter 0, which every context of its actor claims to have
    // seen.
    let zero = b"RK\x07\x01\x01\x09\x01\x00\x00\x01\x00\x00";
    assert_eq!(DisableWinsFlag::<u8>::from_bytes(zero), broken_by(Invariant::ZeroDotCounter));
    // One dot both enabling and disabling.
    let both = b"RK\x07\x01\x01\x09\x01\x00\x01\x00\x01\x01\x00\x01";
    assert_eq!(
        DisableWinsFlag::<u8>::from_bytes(both),
        broken_by(Invariant::DotEnablesAndDisables)
    );
    // Dots out of order.
    let unordered = b"RK\x06\x01\x01\x09\x02\x00\x02\x00\x02\x00\x01";
    assert!(matches!(
        EnableWinsFlag::<u8>::from_bytes(unordered),
        Err(DecodeError::Invalid { what: "flag dots must be strictly increasing", .. })
    ));
    // A huge declared dot count with no bytes behind it.
    assert_eq!(
        EnableWinsFlag::<u8>::from_bytes(b"RK\x06\x01\x00\xff\xff\xff\xff\x0f"),
        Err(DecodeError::Truncated)
    );
    // A register form byte no write makes.
    assert!(matches!(
        LwwRegister::<u8, u8>::from_bytes(b"RK\x05\x01\x02"),
        Err(DecodeError::Invalid { what: "a register's form byte must be 0 or 1", .. })
    ));
}

#[cfg(feature = "serde")]
#[test]
fn serde_round_trips_and_refuses_what_bytes_refuse() {
    let [a, ..] = history::<DisableWinsFlag<u8>>(3);
    let json = serde_json::to_string(&a).unwrap();
    assert_eq!(serde_json::from_str::<DisableWinsFlag<u8>>(&json).unwrap(), a);
    let mut flag = EnableWinsFlag::<u8>::new();
    flag.enable(&9).unwrap();
    assert_eq!(serde_json::to_string(&flag).unwrap(), "[[[9,1,[]]],[[9,1]]]");
    let unseen = serde_json::from_str::<EnableWinsFlag<u8>>("[[[9,1,[]]],[[9,2]]]").unwrap_err();
    assert!(unseen.to_string().contains(&Invariant::DotOutsideContext.to_string()), "{unseen}");
    let both = "[[[9,1,[]]],[[9,1]],[[9,1]]]";
    let both = serde_json::from_str::<DisableWinsFlag<u8>>(both).unwrap_err();
    assert!(both.to_string().contains(&Invariant::DotEnablesAndDisables.to_string()), "{both}");
    let mut register = LwwRegister::<u8, String>::new();
    register.set(&1, 5, "x".into()).unwrap();
    let json = serde_json::to_string(&register).unwrap();
    assert_eq!(json, r#"[5,1,"x"]"#);
    assert_eq!(serde_json::from_str::<LwwRegister<u8, String>>(&json).unwrap(), register);
}

#[test]
fn map_unchanged_writes_make_no_delta() {
    let mut clock = HybridClock::new();
    let mut session = LwwMap::<&str, &str, &str>::new();
    assert!(session.set_now(&mut clock, &"eu-1", "theme", "dark").unwrap().is_some());
    let before = (session.clone(), clock.last());
    assert!(session.set_now(&mut clock, &"eu-1", "theme", "dark").unwrap().is_none());
    assert!(session.set(&"eu-2", u64::MAX, "theme", "dark").unwrap().is_none());
    assert!(session.remove(&"eu-2", u64::MAX, "locale").unwrap().is_none());
    assert_eq!((session.clone(), clock.last()), before);
    session.remove_now(&mut clock, &"eu-1", "theme").unwrap().unwrap();
    assert!(session.remove_now(&mut clock, &"eu-1", "theme").unwrap().is_none());
}

#[test]
fn map_delta_is_one_attribute_whatever_the_session_size() {
    let mut session = LwwMap::<u8, String, String>::new();
    for i in 0..100 {
        session.set(&1, 1, format!("attribute-{i}"), "x".repeat(20)).unwrap();
    }
    let delta = session.set(&1, 2, "attribute-7".into(), "y".into()).unwrap().unwrap();
    assert_eq!(delta.encoded_len(), delta.to_bytes().len());
    assert!(delta.encoded_len() < 24, "{}", delta.encoded_len());
    assert!(session.encoded_len() > 100 * 30);
}

#[test]
fn map_forgotten_tombstones_and_the_caller_guarantee() {
    let mut a = LwwMap::<u8, u8, u8>::new();
    let set = a.set(&1, 10, 5, 1).unwrap().unwrap();
    a.remove(&1, 20, &5).unwrap().unwrap();
    assert_eq!(a.forget_tombstones_before(20), 0, "a tombstone at the cutoff stays");
    assert_eq!(a.forget_tombstones_before(21), 1);
    assert_eq!(a.encoded_len(), LwwMap::<u8, u8, u8>::new().encoded_len());
    // Why the guarantee matters: a set older than the cutoff that arrives
    // after forgetting brings the key back.
    a.merge_delta(&set).unwrap();
    assert_eq!(a.get(&5), Some(&1));
}

#[test]
fn map_merge_owned_equals_merge() {
    for seed in 0..50 {
        let [a, b, _] = history::<LwwMap<u8, u8, u8>>(seed);
        let (mut borrowed, mut owned) = (a.clone(), a.clone());
        let (x, y) = (borrowed.merge(&b), owned.merge_owned(b.clone()));
        assert_eq!(x, y);
        assert_eq!(borrowed, owned, "seed {seed}");
        let mut from_empty = LwwMap::new();
        from_empty.merge_owned(b.clone()).unwrap();
        assert_eq!(from_empty, b);
    }
}

#[test]
fn map_merge_refusing_a_conflict_changes_nothing() {
    for size in [1u8, 100] {
        let mut a = LwwMap::<u8, u8, u8>::new();
        for k in 0..size {
            a.set(&1, 5, k, 1).unwrap();
        }
        let before = a.clone();
        let mut b = LwwMap::new();
        b.set(&2, 9, 200, 1).unwrap();
        b.set(&1, 5, 0, 2).unwrap(); // the same stamp as a's key 0, another value
        assert!(matches!(a.merge(&b), Err(CrdtError::WriteConflict { timestamp: 5, .. })));
        assert_eq!(a, before);
        assert!(matches!(a.merge_owned(b), Err(CrdtError::WriteConflict { timestamp: 5, .. })));
        assert_eq!(a, before);
    }
}

#[test]
fn map_golden_bytes_and_refusals() {
    let mut map = LwwMap::<u8, u8, u8>::new();
    assert_eq!(map.to_bytes(), b"RK\x08\x01\x00\x00");
    map.set(&7, 300, 1, 2).unwrap();
    map.set(&7, 300, 3, 4).unwrap();
    map.remove(&9, 301, &3).unwrap();
    let golden = b"RK\x08\x01\x02\x07\x09\x02\x01\xac\x02\x00\x01\x02\x03\xad\x02\x01\x00";
    assert_eq!(map.to_bytes(), golden);
    let delta = LwwMap::<u8, u8, u8>::new().set(&7, 300, 1, 2).unwrap().unwrap();
    assert_eq!(delta.to_bytes(), b"RK\x09\x01\x01\xac\x02\x07\x01\x02");
    let tombstone = map.clone().remove(&9, 400, &1).unwrap().unwrap();
    assert_eq!(tombstone.to_bytes(), b"RK\x09\x01\x01\x90\x03\x09\x00");
    // An actor no entry names; actors or keys out of order; a position past
    // the list; a form byte no write makes: each refused for its rule.
    let invalid = |what: &'static str| move |err: &DecodeError| matches!(err, DecodeError::Invalid { what: w, .. } if *w == what);
    type Expected<'a> = &'a dyn Fn(&DecodeError) -> bool;
    let cases: [(&[u8], Expected<'_>); 8] = [
        (b"RK\x08\x01\x01\x07\x00", &invalid("every map actor must write an entry")),
        (
            b"RK\x08\x01\x02\x09\x07\x02\x01\x01\x00\x00\x02\x01\x01\x00",
            &invalid("map actors must be strictly increasing"),
        ),
        (
            b"RK\x08\x01\x01\x07\x02\x03\x01\x00\x00\x01\x01\x00\x00",
            &invalid("map keys must be strictly increasing"),
        ),
        (
            b"RK\x08\x01\x01\x07\x01\x01\x01\x01\x00",
            &invalid("a map entry names an actor position past the list"),
        ),
        (
            b"RK\x08\x01\x01\x07\x01\x01\x01\x00\x02",
            &invalid("a map entry's form byte must be 0 or 1"),
        ),
        // Key 1 twice: two entries of one key, which no map holds.
        (b"RK\x08\x01\x01\x07\x02\x01\x01\x00\x00\x01\x02\x00\x00", &|err| {
            *err == DecodeError::from(Invariant::DuplicateKey)
        }),
        // Counts the bytes left cannot hold, of actors and of entries.
        (b"RK\x08\x01\xff\xff\xff\xff\x0f\x07", &|err| *err == DecodeError::Truncated),
        (b"RK\x08\x01\x01\x07\x02\x01\x01\x00\x00", &|err| *err == DecodeError::Truncated),
    ];
    for (bad, expected) in cases {
        let err = LwwMap::<u8, u8, u8>::from_bytes(bad).unwrap_err();
        assert!(expected(&err), "{bad:?}: {err:?}");
    }
    let err = LwwMapDelta::<u8, u8, u8>::from_bytes(b"RK\x09\x01\x01\x01\x07\x03").unwrap_err();
    assert!(invalid("a map entry's form byte must be 0 or 1")(&err), "{err:?}");
}

#[cfg(feature = "serde")]
#[test]
fn map_serde_round_trips_and_refuses_unordered_keys() {
    let [a, ..] = history::<LwwMap<u8, u8, u8>>(5);
    let json = serde_json::to_string(&a).unwrap();
    assert_eq!(serde_json::from_str::<LwwMap<u8, u8, u8>>(&json).unwrap(), a);
    let refusal = |json: &str| serde_json::from_str::<LwwMap<u8, u8, u8>>(json).unwrap_err();
    let unordered = refusal("[[2,1,1,null],[1,1,1,3]]").to_string();
    assert!(unordered.contains("map keys must be strictly increasing"), "{unordered}");
    let twice = refusal("[[1,1,1,null],[1,2,1,3]]").to_string();
    assert!(twice.contains(&Invariant::DuplicateKey.to_string()), "{twice}");
    let delta = LwwMap::<u8, u8, u8>::new().set(&7, 3, 1, 2).unwrap().unwrap();
    let json = serde_json::to_string(&delta).unwrap();
    assert_eq!(json, "[1,3,7,2]");
    assert_eq!(serde_json::from_str::<LwwMapDelta<u8, u8, u8>>(&json).unwrap(), delta);
}
