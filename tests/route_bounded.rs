//! Bounded loads: no node ever exceeds the cap, however skewed the keys, and
//! keys still go to their owner while it has room.

use proptest::prelude::*;
use routekit::route::{
    BoundedLoads, BuildError, HashRing, JumpBackHash, LoadTracker, Membership, MementoHash,
    Rendezvous, RouteError, Router,
};

const C: f64 = 1.25;

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok());
    ProptestConfig { cases: cases.unwrap_or(64), ..ProptestConfig::default() }
}

/// One step of a session workload.
#[derive(Clone, Debug)]
enum Op {
    /// A new session whose routing key is one of a handful: adversarially
    /// skewed, most sessions share a key.
    Assign(u8),
    /// One session ends on the node at this position of the current loads.
    Release(prop::sample::Index),
}

fn ops(release: bool) -> impl Strategy<Value = Vec<Op>> {
    let assign = prop_oneof![4 => Just(0u8), 1 => 0u8..4].prop_map(Op::Assign);
    let op = if release {
        prop_oneof![3 => assign, 1 => any::<prop::sample::Index>().prop_map(Op::Release)].boxed()
    } else {
        assign.boxed()
    };
    prop::collection::vec(op, 1..400)
}

fn nodes(count: usize) -> Vec<String> {
    (0..count).map(|i| format!("node-{i}")).collect()
}

/// ⌈c · total / n⌉, computed independently of the library.
fn cap(total: u64, n: usize) -> u64 {
    (C * total as f64 / n as f64).ceil() as u64
}

/// Runs `ops` on a tracker and checks the cap at every assignment.
fn run<R: Router<Node = String>>(router: R, ops: &[Op]) -> Result<(), TestCaseError> {
    let n = router.len();
    let tracker = LoadTracker::new(router, C).unwrap();
    for op in ops {
        match op {
            Op::Assign(key) => {
                let total_before = tracker.total();
                let node = tracker.assign(&[*key]).unwrap().clone();
                // The chosen node was below ⌈c (m + 1) / n⌉, so it now holds at
                // most that many.
                prop_assert!(tracker.load(&node) <= cap(total_before + 1, n));
            }
            Op::Release(pick) => {
                let loads = tracker.loads();
                if !loads.is_empty() {
                    let (node, _) = loads[pick.index(loads.len())];
                    tracker.release(node).unwrap();
                }
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn no_node_ever_exceeds_the_cap_while_sessions_only_arrive(
        count in 1usize..12, ops in ops(false)
    ) {
        let mut ring = HashRing::new();
        ring.extend(nodes(count)).unwrap();
        let tracker = LoadTracker::new(ring, C).unwrap();
        for op in &ops {
            let Op::Assign(key) = op else { unreachable!() };
            tracker.assign(&[*key]).unwrap();
            // Arrivals only: the cap only grows, so every node stays within it.
            let limit = cap(tracker.total(), count);
            prop_assert!(tracker.loads().iter().all(|(_, load)| *load <= limit));
        }
    }

    #[test]
    fn every_assignment_respects_the_cap_with_departures(
        count in 1usize..12, ops in ops(true)
    ) {
        let mut rendezvous = Rendezvous::new();
        for node in nodes(count) {
            rendezvous.insert(node).unwrap();
        }
        run(rendezvous, &ops)?;
        let mut memento = MementoHash::new();
        memento.extend(nodes(count)).unwrap();
        run(memento, &ops)?;
        let mut jump_back = JumpBackHash::new();
        jump_back.extend(nodes(count)).unwrap();
        run(jump_back, &ops)?;
    }

    #[test]
    fn keys_take_the_first_node_of_their_preference_list_with_room(
        count in 1usize..12, loads in prop::collection::vec(0u64..20, 12), key in any::<u32>()
    ) {
        let mut ring = HashRing::new();
        ring.extend(nodes(count)).unwrap();
        let prefs: Vec<String> =
            ring.route_n(&key.to_le_bytes(), count).into_iter().cloned().collect();
        let bounded = BoundedLoads::new(ring, C).unwrap();
        let load_of = |node: &String| loads[node[5..].parse::<usize>().unwrap()];
        let total: u64 = (0..count).map(|i| loads[i]).sum();
        let limit = bounded.cap(total);
        prop_assert_eq!(limit, cap(total + 1, count));
        let expected = prefs.iter().find(|n| load_of(n) < limit);
        prop_assert_eq!(bounded.route(&key.to_le_bytes(), total, &load_of), expected);
        if load_of(&prefs[0]) < limit {
            // The owner has room: the key stays sticky.
            prop_assert_eq!(expected, Some(&prefs[0]));
        }
    }
}

#[test]
fn a_single_hot_key_spreads_at_the_cap() {
    // 1,000 sessions all on one key, 10 nodes, c = 1.25: the owner fills to
    // the cap first, then the next node of the key's list, and so on.
    let mut ring = HashRing::new();
    ring.extend(nodes(10)).unwrap();
    let owner = ring.route(b"hot").unwrap().clone();
    let tracker = LoadTracker::new(ring, C).unwrap();
    for _ in 0..1000 {
        tracker.assign(b"hot").unwrap();
    }
    let loads = tracker.loads();
    assert!(loads.iter().all(|(_, load)| *load <= cap(1000, 10)), "{loads:?}");
    assert!(tracker.load(&owner) >= 100, "the owner is filled first");
}

#[test]
fn trackers_are_shared_by_threads_without_overshooting() {
    let mut rendezvous = Rendezvous::new();
    for node in nodes(8) {
        rendezvous.insert(node).unwrap();
    }
    let tracker = LoadTracker::new(rendezvous, C).unwrap();
    std::thread::scope(|scope| {
        for t in 0..4u8 {
            let tracker = &tracker;
            scope.spawn(move || {
                for i in 0..500u32 {
                    let node = tracker.assign(&[t % 2]).unwrap().clone();
                    if i % 3 == 0 {
                        tracker.release(&node).unwrap();
                    }
                }
            });
        }
    });
    assert_eq!(tracker.total(), 4 * (500 - 167));
    let total: u64 = tracker.loads().iter().map(|(_, l)| l).sum();
    assert_eq!(total, tracker.total());
}

#[test]
fn invalid_factors_and_releases_are_refused() {
    for factor in [1.0, 0.5, f64::NAN, f64::INFINITY] {
        assert!(matches!(
            LoadTracker::new(Rendezvous::<String>::new(), factor),
            Err(BuildError::InvalidBalanceFactor { .. })
        ));
    }
    let tracker = LoadTracker::new(Rendezvous::<String>::new(), C).unwrap();
    assert!(tracker.assign(b"k").is_none(), "no nodes, no assignment");
    let err = tracker.release("x").unwrap_err();
    assert!(matches!(&err, RouteError::NoLoad { node, .. } if node == "x"), "{err}");
    assert_eq!(err.to_string(), "node \"x\" holds no load to release");
    // Integer nodes are named by their value.
    let tracker = LoadTracker::new(Rendezvous::<u64>::new(), C).unwrap();
    assert_eq!(tracker.release(&7).unwrap_err().to_string(), "node \"7\" holds no load to release");
}

#[test]
fn removing_a_node_returns_its_sessions() {
    let mut ring = HashRing::new();
    ring.extend(nodes(3)).unwrap();
    let mut tracker = LoadTracker::new(ring, 2.0).unwrap();
    for i in 0..30u32 {
        tracker.assign(&i.to_le_bytes()).unwrap();
    }
    let held = tracker.load("node-1");
    assert_eq!(tracker.remove("node-1").unwrap(), ("node-1".to_string(), held));
    assert_eq!(tracker.total(), 30 - held);
    tracker.insert("node-9".to_string()).unwrap();
    assert_eq!(tracker.load("node-9"), 0);
}

#[test]
fn updates_forget_the_sessions_of_nodes_that_left() {
    let mut jump = JumpBackHash::new();
    jump.extend(nodes(4)).unwrap();
    let mut tracker = LoadTracker::new(jump, 2.0).unwrap();
    for i in 0..40u32 {
        tracker.assign(&i.to_le_bytes()).unwrap();
    }
    let on_last = tracker.load("node-3");
    assert!(on_last > 0);
    let popped = tracker.update(|jump| Ok::<_, RouteError>(jump.pop())).unwrap();
    assert_eq!(popped.as_deref(), Some("node-3"));
    assert_eq!(tracker.load("node-3"), 0);
    assert_eq!(tracker.total(), 40 - on_last);
    let summed: u64 = tracker.loads().iter().map(|(_, load)| load).sum();
    assert_eq!(summed, tracker.total());
    // A failed change is still checked, and forgets nothing that stays.
    let refused = tracker.update(|jump| jump.push("node-0".to_string()));
    assert!(matches!(refused, Err(RouteError::DuplicateNode { .. })));
    assert_eq!(tracker.total(), 40 - on_last);
}
