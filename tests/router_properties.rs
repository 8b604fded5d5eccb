//! The properties every `Router` keeps, stamped onto each strategy by one
//! macro, and checked against a naive reference implementation.
//!
//! Case counts are modest so `cargo test` stays fast; set `PROPTEST_CASES`
//! (e.g. 2000) for a longer run.

use proptest::prelude::*;
use routekit::hash::{Fnv1a, KeyHasher, Sip13, Xxh3};
use routekit::route::{HashRing, Rendezvous, Router};

/// Node names and weights for one case: distinct names, weights from a small
/// set so that equal and unequal weights both occur.
fn node_set(max: usize, weighted: bool) -> impl Strategy<Value = Vec<(String, f64)>> {
    let weight = if weighted {
        prop_oneof![Just(1.0), Just(0.5), Just(2.0), Just(3.7)].boxed()
    } else {
        Just(1.0).boxed()
    };
    prop::collection::btree_map(0u16..500, weight, 1..max)
        .prop_map(|nodes| nodes.into_iter().map(|(id, w)| (format!("node-{id}"), w)).collect())
}

fn keys() -> impl Strategy<Value = Vec<Vec<u8>>> {
    prop::collection::vec(prop::collection::vec(any::<u8>(), 0..24), 1..64)
}

fn config() -> ProptestConfig {
    // PROPTEST_CASES overrides this default.
    ProptestConfig { cases: 48, ..ProptestConfig::default() }
}

fn build<R: Router<Node = String>>(mut router: R, nodes: &[(String, f64)], weighted: bool) -> R {
    for (node, weight) in nodes {
        if weighted {
            router.insert_weighted(node.clone(), *weight).unwrap();
        } else {
            router.insert(node.clone()).unwrap();
        }
    }
    router
}

/// The whole preference list of `key`.
fn prefs<R: Router<Node = String>>(router: &R, key: &[u8]) -> Vec<String> {
    if router.is_empty() {
        return Vec::new();
    }
    router.route_n(key, router.len()).unwrap().into_iter().cloned().collect()
}

/// Stamps the router properties onto one strategy.
///
/// * `new`: an expression giving an empty router (`Router<Node = String>`).
/// * `reference`: `fn(&R, &[Vec<u8>]) -> Vec<Vec<String>>`, the full
///   preference list of each key, computed naively.
/// * `weighted`: whether nodes get weights.
/// * `order_free`: whether placement must ignore insertion order.
/// * `remove_any`: whether any node can be removed (else only the last added).
macro_rules! router_properties {
    ($name:ident, new: $new:expr, reference: $reference:expr, weighted: $weighted:expr,
     order_free: $order_free:expr, remove_any: $remove_any:expr) => {
        mod $name {
            use super::*;

            proptest! {
                #![proptest_config(config())]

                #[test]
                fn matches_the_naive_reference(nodes in node_set(24, $weighted), keys in keys()) {
                    let router = build($new, &nodes, $weighted);
                    let expected = $reference(&router, &keys);
                    for (key, expected) in keys.iter().zip(expected) {
                        prop_assert_eq!(prefs(&router, key), expected);
                    }
                }

                #[test]
                fn insertion_order_does_not_matter(
                    nodes in node_set(24, $weighted), keys in keys(), seed in any::<u64>()
                ) {
                    prop_assume!($order_free);
                    let mut shuffled = nodes.clone();
                    // A seeded Fisher–Yates shuffle.
                    let mut state = seed;
                    for i in (1..shuffled.len()).rev() {
                        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                        shuffled.swap(i, (state >> 33) as usize % (i + 1));
                    }
                    let a = build($new, &nodes, $weighted);
                    let b = build($new, &shuffled, $weighted);
                    for key in &keys {
                        prop_assert_eq!(prefs(&a, key), prefs(&b, key));
                    }
                }

                #[test]
                fn adding_a_node_moves_keys_only_onto_it(
                    nodes in node_set(24, $weighted), keys in keys()
                ) {
                    let (last, before) = nodes.split_last().unwrap();
                    let small = build($new, before, $weighted);
                    let mut large = small.clone();
                    if $weighted {
                        large.insert_weighted(last.0.clone(), last.1).unwrap();
                    } else {
                        large.insert(last.0.clone()).unwrap();
                    }
                    for key in &keys {
                        let now = large.route(key).unwrap();
                        if let Some(was) = small.route(key) {
                            prop_assert!(now == was || *now == last.0, "{was} -> {now}");
                        }
                    }
                }

                #[test]
                fn removing_a_node_moves_only_its_keys_to_their_next_choice(
                    nodes in node_set(24, $weighted), keys in keys(), pick in any::<prop::sample::Index>()
                ) {
                    let full = build($new, &nodes, $weighted);
                    let gone = if $remove_any { &nodes[pick.index(nodes.len())].0 } else { &nodes.last().unwrap().0 };
                    let mut fewer = full.clone();
                    prop_assert_eq!(&fewer.remove(gone.as_bytes()).unwrap(), gone);
                    prop_assert!(!fewer.contains(gone.as_bytes()));
                    for key in &keys {
                        let was = prefs(&full, key);
                        let now = fewer.route(key).cloned();
                        if was[0] == *gone {
                            // The keys of the removed node go where failover
                            // (and the replica) already pointed.
                            prop_assert_eq!(now, was.get(1).cloned());
                        } else {
                            prop_assert_eq!(now.as_ref(), Some(&was[0]));
                        }
                    }
                }

                #[test]
                fn preference_lists_are_distinct_prefixes(
                    nodes in node_set(24, $weighted), keys in keys()
                ) {
                    let router = build($new, &nodes, $weighted);
                    for key in &keys {
                        let all = prefs(&router, key);
                        prop_assert_eq!(all.len(), router.len());
                        let mut sorted = all.clone();
                        sorted.sort();
                        sorted.dedup();
                        prop_assert_eq!(sorted.len(), all.len(), "repeated node in {:?}", all);
                        for n in 1..=all.len() + 2 {
                            let some: Vec<String> = router.route_n(key, n).unwrap().into_iter().cloned().collect();
                            prop_assert_eq!(&some[..], &all[..n.min(all.len())]);
                        }
                        prop_assert_eq!(router.route(key), Some(&all[0]));
                        prop_assert!(router.is_owner(key, all[0].as_bytes()));
                    }
                }

                #[test]
                fn failover_takes_the_first_healthy_node(
                    nodes in node_set(24, $weighted), keys in keys(), down_mask in any::<u64>()
                ) {
                    let router = build($new, &nodes, $weighted);
                    let down: Vec<&String> = nodes
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| down_mask >> (i % 64) & 1 == 1)
                        .map(|(_, (n, _))| n)
                        .collect();
                    let healthy = |node: &String| !down.contains(&node);
                    for key in &keys {
                        let expected = prefs(&router, key).into_iter().find(|n| healthy(n));
                        prop_assert_eq!(router.route_healthy(key, &healthy).cloned(), expected);
                    }
                }
            }

            #[test]
            fn empty_router_routes_nowhere_and_rejects_zero_replicas() {
                let router = $new;
                assert!(router.route(b"k").is_none());
                assert!(router.route_n(b"k", 3).unwrap().is_empty());
                assert!(router.route_healthy(b"k", &|_: &String| true).is_none());
                assert_eq!(router.route_n(b"k", 0), Err(routekit::route::RouteError::ZeroReplicas));
            }
        }
    };
}

// ---------------------------------------------------------------- references

/// The ring, naively: every point recomputed from the node list, then a
/// linear scan for the first point at or after the key's hash (ties by
/// identity), walking on for distinct nodes.
fn ring_reference<H: KeyHasher>(ring: &HashRing<String, H>, keys: &[Vec<u8>]) -> Vec<Vec<String>> {
    let mut points: Vec<(u64, &String)> = Vec::new();
    for (node, _weight, count) in ring.nodes() {
        for i in 0..count {
            let mut bytes = node.as_bytes().to_vec();
            bytes.extend_from_slice(&i.to_le_bytes());
            points.push((ring.hasher().uniform64(&bytes), node));
        }
    }
    points.sort();
    let walk = |key: &Vec<u8>| {
        let h = ring.hasher().uniform64(key);
        let start = points.iter().position(|&(p, _)| p >= h).unwrap_or(0);
        let mut out: Vec<String> = Vec::new();
        for i in 0..points.len() {
            let node = points[(start + i) % points.len()].1;
            if !out.contains(node) {
                out.push(node.clone());
            }
        }
        out
    };
    keys.iter().map(walk).collect()
}

/// Rendezvous, naively: every node's score, sorted (ties by identity).
fn rendezvous_reference<H: KeyHasher>(
    router: &Rendezvous<String, H>,
    keys: &[Vec<u8>],
) -> Vec<Vec<String>> {
    let rank = |key: &Vec<u8>| {
        let mut scored: Vec<(f64, &String)> =
            router.nodes().map(|(n, _)| (router.score(key, n.as_bytes()).unwrap(), n)).collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
        scored.into_iter().map(|(_, n)| n.clone()).collect()
    };
    keys.iter().map(rank).collect()
}

fn small_ring<H: KeyHasher>(hasher: H) -> HashRing<String, H> {
    // Few vnodes so that walks and ties between nodes are common.
    HashRing::builder().vnodes(5).hasher(hasher).build().unwrap()
}

router_properties!(ring_xxh3, new: small_ring(Xxh3::new()), reference: ring_reference,
    weighted: true, order_free: true, remove_any: true);
router_properties!(ring_default_vnodes, new: HashRing::new(), reference: ring_reference,
    weighted: true, order_free: true, remove_any: true);
router_properties!(ring_fnv1a, new: small_ring(Fnv1a), reference: ring_reference,
    weighted: false, order_free: true, remove_any: true);
router_properties!(ring_sip13, new: small_ring(Sip13::new([3; 16])), reference: ring_reference,
    weighted: true, order_free: true, remove_any: true);
router_properties!(rendezvous_uniform, new: Rendezvous::new(), reference: rendezvous_reference,
    weighted: false, order_free: true, remove_any: true);
router_properties!(rendezvous_weighted, new: Rendezvous::new(), reference: rendezvous_reference,
    weighted: true, order_free: true, remove_any: true);
router_properties!(rendezvous_sip13, new: Rendezvous::with_hasher(Sip13::new([5; 16])),
    reference: rendezvous_reference, weighted: true, order_free: true, remove_any: true);

// ------------------------------------------------------------ exact ties

/// A hasher under which two node identities collide completely: every key
/// gives them the same draw, so the tie rules decide.
#[derive(Clone, Debug)]
struct CollidingNames;

impl KeyHasher for CollidingNames {
    fn hash64(&self, bytes: &[u8]) -> u64 {
        // "twin-a" and "twin-b" hash alike (and get equal weights below);
        // everything else as xxh3.
        let bytes = if bytes.starts_with(b"twin-") { &bytes[..5] } else { bytes };
        Xxh3::new().hash64(bytes)
    }
    fn hash128(&self, bytes: &[u8]) -> u128 {
        u128::from(self.hash64(bytes))
    }
    fn id(&self) -> routekit::hash::HasherId {
        Xxh3::new().id()
    }
}

#[test]
fn rendezvous_exact_ties_go_to_the_smaller_identity_in_every_path() {
    for weights in [[1.0, 1.0, 1.0], [2.0, 0.5, 2.0]] {
        let mut router = Rendezvous::with_hasher(CollidingNames);
        for (node, w) in ["twin-b", "other", "twin-a"].into_iter().zip(weights) {
            router.insert_weighted(node.to_string(), w).unwrap();
        }
        for key in 0u32..300 {
            let key = key.to_le_bytes();
            let all = router.route_n(&key, 3).unwrap();
            let a = all.iter().position(|n| *n == "twin-a").unwrap();
            let b = all.iter().position(|n| *n == "twin-b").unwrap();
            assert_eq!(b, a + 1, "twins are adjacent, smaller identity first: {all:?}");
            assert_eq!(router.route(&key), Some(all[0]));
            assert_eq!(router.route_n(&key, 2).unwrap(), all[..2]);
            let not_a = |n: &String| n != "twin-a";
            assert_eq!(router.route_healthy(&key, &not_a), all.iter().copied().find(|n| not_a(n)));
        }
    }
}

// ------------------------------------------------ compatibility profiles

#[cfg(feature = "compat")]
use routekit::route::compat::{CompatRing, Profile};

/// A compatibility ring, naively: a linear scan of its own continuum from
/// the key's hash, collecting distinct servers. (The points themselves are
/// compared with the real software in tests/compat.rs.)
#[cfg(feature = "compat")]
fn compat_reference(ring: &CompatRing<String>, keys: &[Vec<u8>]) -> Vec<Vec<String>> {
    let continuum: Vec<(u32, &String)> = ring.continuum().collect();
    let walk = |key: &Vec<u8>| {
        let hash = ring.key_hash(key);
        let start = continuum.iter().position(|&(p, _)| p >= hash).unwrap_or(0);
        let clockwise = continuum[start..].iter().chain(&continuum[..start]);
        let mut seen: Vec<String> = Vec::new();
        for &(_, server) in clockwise {
            if !seen.contains(server) {
                seen.push(server.clone());
            }
        }
        seen
    };
    keys.iter().map(walk).collect()
}

// The ketama profiles keep the contracts for these properties' nodes
// (node-0 .. node-499, weight 1, at most 23 of them): each gets 40 digests
// whatever their number, and no two names share an MD5 point (checked
// below), so neither the insertion order nor a change of membership moves
// a key between other nodes. Their placement does depend on the order when
// points tie, and on every weight when weights differ; twemproxy needs
// host:port identities and nginx's CRC-32 points do tie among these names,
// so those are checked in tests/compat.rs instead.
#[cfg(feature = "compat")]
router_properties!(compat_libketama, new: CompatRing::new(Profile::Libketama),
    reference: compat_reference, weighted: false, order_free: true, remove_any: true);
#[cfg(feature = "compat")]
router_properties!(compat_libmemcached, new: CompatRing::new(Profile::Libmemcached),
    reference: compat_reference, weighted: false, order_free: true, remove_any: true);

#[cfg(feature = "compat")]
#[test]
fn compat_stamps_hold_for_their_node_names() {
    for profile in [Profile::Libketama, Profile::Libmemcached] {
        let names: Vec<String> = (0..500).map(|i| format!("node-{i}")).collect();
        for count in 1..=23 {
            let ring =
                CompatRing::with_servers(profile, names[..count].iter().map(|n| (n.clone(), 1)));
            assert!(ring.unwrap().servers().all(|(_, points)| points == 160), "{profile} {count}");
        }
        let mut points: Vec<u32> = Vec::new();
        for name in &names {
            let ring = CompatRing::with_servers(profile, [(name.as_str(), 1)]).unwrap();
            let mut own: Vec<u32> = ring.continuum().map(|(p, _)| p).collect();
            own.dedup();
            points.extend(own);
        }
        points.sort_unstable();
        assert!(points.windows(2).all(|w| w[0] != w[1]), "{profile}: two names share a point");
    }
}
