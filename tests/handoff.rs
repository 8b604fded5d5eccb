//! Handoff plans, fingerprints and the ownership check, against brute force:
//! for random memberships and random changes (joins, leaves, weight
//! changes, several at once, every node replaced, empty routers, single
//! nodes) a plan says a key moves exactly when routing it before and after
//! gives different owners, and the range and slot plans list exactly the
//! positions that move.
//!
//! Case counts are modest so `cargo test` stays fast; set `PROPTEST_CASES`
//! for a longer run.

use proptest::prelude::*;
use routekit::hash::{Fnv1a, Xxh3};
use routekit::route::handoff::{
    Decision, Fingerprint, Handoff, HashRange, Incoming, Ownership, Placement, PlanError,
    ServeReason,
};
use routekit::route::{
    HashRing, JumpBackHash, JumpHash, Maglev, Membership, MementoHash, NodeId, Rendezvous, Router,
    Weighted,
};

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok());
    ProptestConfig { cases: cases.unwrap_or(48), ..ProptestConfig::default() }
}

/// A membership: distinct node numbers (from a small pool, so that two
/// memberships share nodes) with whole weights 1..=3; empty allowed.
fn membership() -> impl Strategy<Value = Vec<(u8, u32)>> {
    prop::collection::btree_map(0u8..12, 1u32..=3, 0..7).prop_map(|m| m.into_iter().collect())
}

/// Memberships before and after: unrelated, or the same with one change.
/// Node numbers with their weights.
type Members = Vec<(u8, u32)>;

fn change() -> impl Strategy<Value = (Members, Members)> {
    prop_oneof![
        (membership(), membership()),
        (membership(), 0u8..12, 1u32..=3).prop_map(|(before, node, weight)| {
            let mut after: Vec<(u8, u32)> =
                before.iter().copied().filter(|n| n.0 != node).collect();
            if after.len() == before.len() {
                after.push((node, weight)); // a join
            } else if weight > 1 {
                after.push((node, weight)); // a weight change (or the same)
            } // else: a leave
            after.sort();
            (before, after)
        }),
    ]
}

fn keys() -> Vec<Vec<u8>> {
    (0..400u32).map(|i| format!("session-{i}").into_bytes()).collect()
}

fn name(node: u8) -> String {
    format!("10.0.0.{node}:11211")
}

fn ring(members: &[(u8, u32)], vnodes: u32) -> HashRing<String> {
    let mut ring = HashRing::builder().vnodes(vnodes).build().unwrap();
    ring.extend_weighted(members.iter().map(|&(n, w)| (name(n), f64::from(w)))).unwrap();
    ring
}

fn rendezvous(members: &[(u8, u32)]) -> Rendezvous<String> {
    let mut router = Rendezvous::new();
    router.extend_weighted(members.iter().map(|&(n, w)| (name(n), f64::from(w)))).unwrap();
    router
}

fn maglev(members: &[(u8, u32)]) -> Maglev<String> {
    let mut lb = Maglev::builder().table_size(1009).build().unwrap();
    lb.extend_weighted(members.iter().map(|&(n, w)| (name(n), f64::from(w)))).unwrap();
    lb
}

fn memento(members: &[(u8, u32)]) -> MementoHash<String> {
    // Insert every node of the pool, then remove those not in the
    // membership: a history with removed buckets.
    let mut router = MementoHash::new();
    router.extend((0..12).map(name)).unwrap();
    for node in 0..12u8 {
        if !members.iter().any(|m| m.0 == node) {
            router.remove(&name(node)).unwrap();
        }
    }
    router
}

fn jump(members: &[(u8, u32)]) -> JumpHash<String> {
    let mut router = JumpHash::new();
    router.extend(members.iter().map(|m| name(m.0))).unwrap();
    router
}

fn jump_back(members: &[(u8, u32)]) -> JumpBackHash<String> {
    let mut router = JumpBackHash::new();
    router.extend(members.iter().map(|m| name(m.0))).unwrap();
    router
}

fn same<N: NodeId>(a: Option<&N>, b: Option<&N>) -> bool {
    a.map(|n| n.id_bytes().as_ref().to_vec()) == b.map(|n| n.id_bytes().as_ref().to_vec())
}

fn ids<N: NodeId>(nodes: &[&N]) -> Vec<Vec<u8>> {
    let mut ids: Vec<Vec<u8>> = nodes.iter().map(|n| n.id_bytes().as_ref().to_vec()).collect();
    ids.sort();
    ids
}

/// The per-key plan against routing each key by both routers.
fn check_keys<R: Placement<Node = String>>(before: &R, after: &R) -> Result<(), TestCaseError> {
    let plan = Handoff::new(before, after).unwrap();
    for key in keys() {
        let (old, new) = (before.route(&key), after.route(&key));
        let change = plan.key(&key);
        prop_assert_eq!(change.from(), old);
        prop_assert_eq!(change.to(), new);
        prop_assert_eq!(change.moves(), !same(old, new));
        if let Some(owner) = old {
            let leaves = plan.leaves(owner, &key);
            prop_assert_eq!(leaves, if same(old, new) { None } else { new });
        }
        for r in [1, 2, 3] {
            let (old_n, new_n) = (before.route_n(&key, r), after.route_n(&key, r));
            let replicas = plan.replicas(&key, r);
            let gained: Vec<&String> =
                new_n.iter().copied().filter(|n| !old_n.contains(n)).collect();
            let lost: Vec<&String> = old_n.iter().copied().filter(|n| !new_n.contains(n)).collect();
            prop_assert_eq!(replicas.gained(), &gained[..]);
            prop_assert_eq!(replicas.lost(), &lost[..]);
            prop_assert_eq!(replicas.owner(), change);
        }
    }
    // A plan between equal routers is empty.
    let still = Handoff::new(after, after).unwrap();
    prop_assert!(still.is_empty());
    prop_assert!(keys().iter().all(|k| !still.key(k).moves()));
    prop_assert_eq!(plan.is_empty(), Fingerprint::of(before) == Fingerprint::of(after));
    Ok(())
}

/// The range list is well formed: in ring order, disjoint, merged (adjacent
/// ranges differ in what moves), only the last wraps.
fn check_shape<L: PartialEq>(ranges: &[(HashRange, L)], top: u64) -> Result<(), TestCaseError> {
    for (at, (range, _)) in ranges.iter().enumerate() {
        prop_assert!(range.end() <= top && range.start() <= top);
        if range.wraps() {
            prop_assert_eq!(at, ranges.len() - 1, "only the last range wraps");
        }
        if let Some((next, _)) = ranges.get(at + 1) {
            prop_assert!(range.end() < next.start(), "{range:?} then {next:?}");
        }
    }
    for pair in ranges.windows(2) {
        if pair[0].0.end() + 1 == pair[1].0.start() {
            prop_assert!(pair[0].1 != pair[1].1, "adjacent ranges that move alike are merged");
        }
    }
    if let (Some(first), Some(last)) = (ranges.first(), ranges.last()) {
        if ranges.len() > 1 && first.0.start() == 0 && last.0.end() == top {
            prop_assert!(first.1 != last.1, "the wrap is merged");
        }
    }
    Ok(())
}

/// Positions to probe on a ring: both rings' points and their neighbours,
/// every range's edges, and the ends of the space.
fn probes(ring: &[HashRing<String>; 2], ranges: &[HashRange]) -> Vec<u64> {
    let mut probes = vec![0, 1, u64::MAX, u64::MAX - 1];
    for r in ranges {
        probes.extend([r.start(), r.end(), r.start().wrapping_sub(1), r.end().wrapping_add(1)]);
    }
    for r in ring {
        for key in keys().iter().take(50) {
            let p = r.position(key);
            probes.extend([p, p.wrapping_add(1), p.wrapping_sub(1)]);
        }
    }
    probes
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn ring_key_plans_match_routing((before, after) in change(), vnodes in 1u32..12) {
        check_keys(&ring(&before, vnodes), &ring(&after, vnodes))?;
    }

    #[test]
    fn rendezvous_key_plans_match_routing((before, after) in change()) {
        check_keys(&rendezvous(&before), &rendezvous(&after))?;
    }

    #[test]
    fn maglev_key_plans_match_routing((before, after) in change()) {
        check_keys(&maglev(&before), &maglev(&after))?;
    }

    #[test]
    fn memento_key_plans_match_routing((before, after) in change()) {
        check_keys(&memento(&before), &memento(&after))?;
    }

    #[test]
    fn jump_key_plans_match_routing((before, after) in change()) {
        check_keys(&jump(&before), &jump(&after))?;
        check_keys(&jump_back(&before), &jump_back(&after))?;
    }

    #[test]
    fn ring_ranges_list_exactly_the_positions_that_move(
        (before, after) in change(),
        vnodes in 1u32..12,
    ) {
        let rings = [ring(&before, vnodes), ring(&after, vnodes)];
        let plan = Handoff::new(&rings[0], &rings[1]).unwrap();
        let ranges = plan.ranges();
        let labelled: Vec<_> = ranges.iter().map(|m| (m.range(), (m.from(), m.to()))).collect();
        check_shape(&labelled, u64::MAX)?;
        let listed: Vec<HashRange> = ranges.iter().map(|m| m.range()).collect();
        for position in probes(&rings, &listed) {
            let (old, new) = (rings[0].route_position(position), rings[1].route_position(position));
            let found: Vec<_> = ranges.iter().filter(|m| m.range().contains(position)).collect();
            prop_assert!(found.len() <= 1, "ranges overlap at {position:#x}");
            match found.first() {
                Some(m) => {
                    prop_assert!(!same(old, new), "listed but stays at {position:#x}");
                    prop_assert_eq!((m.from(), m.to()), (old, new));
                }
                None => prop_assert!(same(old, new), "moves but not listed at {position:#x}"),
            }
        }
        for key in keys() {
            let listed = ranges.iter().any(|m| m.range().contains(rings[1].position(&key)));
            prop_assert_eq!(listed, plan.key(&key).moves());
        }
    }

    #[test]
    fn ring_replica_ranges_list_exactly_the_replica_changes(
        (before, after) in change(),
        vnodes in 1u32..8,
        r in 1usize..4,
    ) {
        let rings = [ring(&before, vnodes), ring(&after, vnodes)];
        let plan = Handoff::new(&rings[0], &rings[1]).unwrap();
        let ranges = plan.replica_ranges(r);
        let labelled: Vec<_> = ranges
            .iter()
            .map(|m| (m.range(), (ids(m.gained()), ids(m.lost()))))
            .collect();
        check_shape(&labelled, u64::MAX)?;
        for key in keys() {
            let change = plan.replicas(&key, r);
            let position = rings[1].position(&key);
            match ranges.iter().find(|m| m.range().contains(position)) {
                Some(m) => {
                    prop_assert_eq!(ids(m.gained()), ids(change.gained()));
                    prop_assert_eq!(ids(m.lost()), ids(change.lost()));
                    prop_assert!(change.moves());
                }
                None => prop_assert!(!change.moves()),
            }
        }
        prop_assert!(plan.replica_ranges(0).is_empty());
    }

    #[test]
    fn maglev_slots_list_exactly_the_entries_that_move((before, after) in change()) {
        let (old, new) = (maglev(&before), maglev(&after));
        let plan = Handoff::new(&old, &new).unwrap();
        let slots = plan.slots();
        let mut listed = slots.iter().peekable();
        for (slot, (a, b)) in old.table().map(Some).chain(std::iter::repeat(None))
            .zip(new.table().map(Some).chain(std::iter::repeat(None)))
            .take(1009)
            .enumerate()
        {
            let moves = !same(a, b);
            let next = listed.peek().filter(|s| s.slot() as usize == slot);
            prop_assert_eq!(next.is_some(), moves, "slot {}", slot);
            if let Some(s) = next {
                prop_assert_eq!((s.from(), s.to()), (a, b));
                listed.next();
            }
        }
        prop_assert!(listed.next().is_none());
        for key in keys() {
            let listed = slots.binary_search_by_key(&new.slot(&key), |s| s.slot()).is_ok();
            prop_assert_eq!(listed, plan.key(&key).moves());
        }
    }

    #[test]
    fn fingerprints_ignore_insertion_order_and_follow_placement(
        members in membership(),
        other in membership(),
        seed in any::<u64>(),
    ) {
        let mut shuffled = members.clone();
        let len = shuffled.len().max(1);
        shuffled.rotate_left(seed as usize % len);
        shuffled.reverse();
        prop_assert_eq!(Fingerprint::of(&ring(&members, 5)), Fingerprint::of(&ring(&shuffled, 5)));
        prop_assert_eq!(Fingerprint::of(&rendezvous(&members)), Fingerprint::of(&rendezvous(&shuffled)));
        prop_assert_eq!(Fingerprint::of(&maglev(&members)), Fingerprint::of(&maglev(&shuffled)));
        let differs = members != other;
        prop_assert_eq!(Fingerprint::of(&ring(&members, 5)) != Fingerprint::of(&ring(&other, 5)), differs);
        prop_assert_eq!(Fingerprint::of(&rendezvous(&members)) != Fingerprint::of(&rendezvous(&other)), differs);
        prop_assert_eq!(Fingerprint::of(&maglev(&members)) != Fingerprint::of(&maglev(&other)), differs);
        // Memento has no weights: only the identities count.
        let names = |m: &[(u8, u32)]| m.iter().map(|&(id, _)| id).collect::<Vec<_>>();
        let names_differ = names(&members) != names(&other);
        prop_assert_eq!(Fingerprint::of(&memento(&members)) != Fingerprint::of(&memento(&other)), names_differ);
        // The jump hashes place by order: a reordered membership is another.
        let order_matters = members != shuffled;
        prop_assert_eq!(Fingerprint::of(&jump(&members)) != Fingerprint::of(&jump(&shuffled)), order_matters);
    }

    /// Instances that see different memberships never bounce a request: it
    /// is served within the hop limit, and by its owner whenever the views
    /// on its path agree.
    #[test]
    fn requests_never_bounce(
        (old, new) in change(),
        views in prop::collection::vec(any::<bool>(), 12),
        start in 0u8..12,
        max_hops in 0u32..4,
    ) {
        let routers = [ring(&old, 8), ring(&new, 8)];
        let instances: Vec<Ownership<&HashRing<String>>> = (0..12u8)
            .map(|i| Ownership::new(&routers[usize::from(views[usize::from(i)])], &name(i)).with_max_hops(max_hops))
            .collect();
        let index = |node: &String| (0..12u8).find(|&i| name(i) == *node).unwrap();
        for key in keys().iter().take(60) {
            let (mut at, mut incoming, mut hops) = (usize::from(start), Incoming::client(), 0);
            loop {
                match instances[at].decide(key, incoming) {
                    Decision::Serve => {
                        prop_assert_eq!(instances[at].router().route(key), Some(&name(at as u8)));
                        break;
                    }
                    Decision::ServeAnyway { reason } => {
                        if reason == ServeReason::MembershipDiffers {
                            prop_assert_ne!(incoming.sender(), Some(instances[at].fingerprint()));
                        }
                        break;
                    }
                    Decision::Forward { owner, outgoing } => {
                        hops += 1;
                        prop_assert!(hops <= max_hops.min(1), "forwarded {} times", hops);
                        prop_assert_eq!(outgoing.hops(), hops);
                        // Over the wire and back.
                        let headers = outgoing.headers();
                        incoming = Incoming::from_headers(Some(&headers[0].1), Some(&headers[1].1)).unwrap();
                        at = usize::from(index(owner));
                    }
                }
            }
        }
    }
}

#[test]
fn plans_between_different_configurations_are_refused() {
    let a = ring(&[(1, 1)], 10);
    let b = ring(&[(1, 1)], 11);
    let err = Handoff::new(&a, &b).unwrap_err();
    assert!(matches!(err, PlanError::Parameter { name: "vnodes", before: 10, after: 11, .. }));
    let fnv: HashRing<String, Fnv1a> = HashRing::with_hasher(Fnv1a);
    assert!(Handoff::new(&fnv, &fnv.clone()).unwrap().is_empty());
    let x: Rendezvous<String> = Rendezvous::with_hasher(Xxh3::with_seed(1));
    let y: Rendezvous<String> = Rendezvous::with_hasher(Xxh3::with_seed(2));
    let err = Handoff::new(&x, &y).unwrap_err();
    assert!(matches!(err, PlanError::Hasher { .. }), "{err}");
    assert!(err.to_string().contains("xxh3 seed 1 before, xxh3 seed 2 after"), "{err}");
    let small = Maglev::builder().table_size(1009).build::<String>().unwrap();
    let large = Maglev::<String>::new();
    let err = Handoff::new(&small, &large).unwrap_err();
    assert!(matches!(
        err,
        PlanError::Parameter { name: "table size", before: 1009, after: 65_537, .. }
    ));
    // Different strategies behind one type: boxed routers.
    let boxed: [Box<dyn Placement<Node = String>>; 2] =
        [Box::new(ring(&[(1, 1)], 4)), Box::new(rendezvous(&[(1, 1)]))];
    let err = Handoff::new(&boxed[0], &boxed[1]).err().unwrap();
    assert!(matches!(err, PlanError::Strategy { before: "hash ring", after: "rendezvous", .. }));
}

#[test]
fn every_node_replaced_at_once_moves_every_key_and_every_range() {
    let before = ring(&[(0, 1), (1, 1), (2, 1)], 16);
    let after = ring(&[(3, 1), (4, 1), (5, 2)], 16);
    let plan = Handoff::new(&before, &after).unwrap();
    assert!(keys().iter().all(|k| plan.key(k).moves()));
    let ranges = plan.ranges();
    let covered: u128 = ranges.iter().map(|m| m.range().width(u64::MAX)).sum();
    assert_eq!(covered, 1 << 64, "the whole ring changes owner");
    let replicas = plan.replica_ranges(3);
    assert_eq!(replicas.len(), 1, "every position loses and gains all three");
    assert_eq!(replicas[0].range(), HashRange::new(0, u64::MAX));
    assert_eq!(replicas[0].gained().len(), 3);
    assert_eq!(replicas[0].lost().len(), 3);
}

#[test]
fn empty_and_single_node_routers() {
    let empty = ring(&[], 4);
    let one = ring(&[(7, 1)], 4);
    assert!(Handoff::new(&empty, &empty).unwrap().ranges().is_empty());
    let join = Handoff::new(&empty, &one).unwrap();
    let ranges = join.ranges();
    assert_eq!(ranges.len(), 1);
    assert_eq!(ranges[0].range(), HashRange::new(0, u64::MAX));
    assert_eq!((ranges[0].from(), ranges[0].to()), (None, Some(&name(7))));
    assert!(Handoff::new(&one, &one).unwrap().ranges().is_empty());
    let leave = Handoff::new(&one, &empty).unwrap();
    assert_eq!(leave.key(b"k").to(), None);
    assert_eq!(leave.leaves(&name(7), b"k"), None, "no node is left to take it");
    let lb = maglev(&[]);
    assert!(Handoff::new(&lb, &lb).unwrap().slots().is_empty());
    assert_eq!(Handoff::new(&lb, &maglev(&[(1, 1)])).unwrap().slots().len(), 1009);
    let view = Ownership::new(&empty, &name(1));
    assert_eq!(
        view.decide(b"k", Incoming::client()),
        Decision::ServeAnyway { reason: ServeReason::NoNodes }
    );
}

#[test]
fn malformed_headers_are_typed_errors() {
    assert!(Incoming::from_headers(Some("-1"), None).is_err());
    assert!(Incoming::from_headers(Some("4294967296"), None).is_err());
    assert!(Incoming::from_headers(None, Some("")).is_err());
    assert!(Incoming::from_headers(None, Some(&"g".repeat(32))).is_err());
    assert!(Incoming::from_headers(None, Some(&"+".repeat(32))).is_err());
    let fingerprint = Fingerprint::of(&ring(&[(1, 1)], 3));
    let upper = fingerprint.to_string().to_uppercase();
    assert_eq!(Incoming::from_headers(None, Some(&upper)).unwrap().sender(), Some(fingerprint));
}

#[cfg(feature = "compat")]
mod compat {
    use super::*;
    use routekit::route::compat::{CompatRing, Profile};

    const PROFILES: [Profile; 4] =
        [Profile::Libketama, Profile::Libmemcached, Profile::Twemproxy, Profile::NginxConsistent];

    fn compat(profile: Profile, members: &[(u8, u32)]) -> CompatRing<String> {
        let mut ring = CompatRing::new(profile);
        ring.extend_weighted(members.iter().map(|&(n, w)| (name(n), w))).unwrap();
        ring
    }

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn compat_ranges_list_exactly_the_keys_that_move(
            (before, after) in change(),
            profile in 0usize..4,
            r in 1usize..3,
        ) {
            let profile = PROFILES[profile];
            let (old, new) = (compat(profile, &before), compat(profile, &after));
            check_keys(&old, &new)?;
            let plan = Handoff::new(&old, &new).unwrap();
            let ranges = plan.ranges();
            let labelled: Vec<_> = ranges.iter().map(|m| (m.range(), (m.from(), m.to()))).collect();
            check_shape(&labelled, u32::MAX.into())?;
            let replicas = plan.replica_ranges(r);
            let labelled: Vec<_> =
                replicas.iter().map(|m| (m.range(), (ids(m.gained()), ids(m.lost())))).collect();
            check_shape(&labelled, u32::MAX.into())?;
            for key in keys() {
                let position = u64::from(new.key_hash(&key));
                let change = plan.key(&key);
                match ranges.iter().find(|m| m.range().contains(position)) {
                    Some(m) => prop_assert_eq!((m.from(), m.to()), (change.from(), change.to())),
                    None => prop_assert!(!change.moves()),
                }
                let replica = plan.replicas(&key, r);
                match replicas.iter().find(|m| m.range().contains(position)) {
                    Some(m) => {
                        prop_assert_eq!(ids(m.gained()), ids(replica.gained()));
                        prop_assert_eq!(ids(m.lost()), ids(replica.lost()));
                    }
                    None => prop_assert!(!replica.moves()),
                }
            }
        }
    }

    #[test]
    fn profiles_are_different_strategies() {
        let a = compat(Profile::Libketama, &[(1, 1)]);
        let b = compat(Profile::NginxConsistent, &[(1, 1)]);
        let err = Handoff::new(&a, &b).unwrap_err();
        assert!(matches!(err, PlanError::Strategy { before: "libketama", after: "nginx", .. }));
        assert_ne!(Fingerprint::of(&a), Fingerprint::of(&b));
    }
}
