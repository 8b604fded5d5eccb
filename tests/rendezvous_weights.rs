//! Rendezvous under extreme weights: every accepted weight routes every key,
//! `route`, `route_n` and `route_healthy` agree, and ranks are exact (they
//! do not move when every weight is scaled by the same power of two, and a
//! removal only promotes each key's next node).
//!
//! Case counts are modest so `cargo test` stays fast; set `PROPTEST_CASES`
//! (e.g. 2000) for a longer run.

use proptest::prelude::*;
use routekit::route::{Membership, Rendezvous, Router, Weighted};

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok());
    ProptestConfig { cases: cases.unwrap_or(48), ..ProptestConfig::default() }
}

/// `mantissa · 2^exponent` for an exponent anywhere in the double range,
/// subnormals included (`mantissa` in [1, 2)).
fn ldexp(mantissa: f64, exponent: i32) -> f64 {
    let mut value = mantissa;
    let mut left = exponent;
    while left != 0 {
        let step = left.clamp(-1000, 1000);
        value *= 2f64.powi(step);
        left -= step;
    }
    value
}

/// A weight from the edges of the accepted range and everywhere between.
fn extreme_weight() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(f64::MAX),
        Just(f64::MIN_POSITIVE),
        Just(f64::from_bits(1)),
        Just(1.0),
        Just(1e-300),
        Just(1e300),
        (1u32..1 << 20, -1074i32..1023).prop_map(|(m, e)| {
            let weight = ldexp(1.0 + f64::from(m) / f64::from(1u32 << 20), e);
            if weight > 0.0 && weight.is_finite() { weight } else { 1.0 }
        }),
    ]
}

/// A weight with a short mantissa, far enough from both ends of the range
/// that scaling it by 2^±60 is exact.
fn scalable_weight() -> impl Strategy<Value = f64> {
    (0u32..256, -950i32..950).prop_map(|(m, e)| ldexp(1.0 + f64::from(m) / 256.0, e))
}

fn nodes(weight: impl Strategy<Value = f64>) -> impl Strategy<Value = Vec<(String, f64)>> {
    prop::collection::btree_map(0u16..1000, weight, 1..40)
        .prop_map(|nodes| nodes.into_iter().map(|(id, w)| (format!("node-{id}"), w)).collect())
}

fn router(nodes: &[(String, f64)]) -> Rendezvous<String> {
    let mut router = Rendezvous::new();
    router.extend_weighted(nodes.iter().cloned()).unwrap();
    router
}

const KEYS: u32 = 200;

fn key(i: u32) -> [u8; 4] {
    i.to_le_bytes()
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn every_key_routes_and_the_lookups_agree(nodes in nodes(extreme_weight())) {
        let router = router(&nodes);
        for i in 0..KEYS {
            let key = key(i);
            let owner = router.route(&key);
            prop_assert!(owner.is_some(), "key {i} unrouted with {nodes:?}");
            let all = router.route_n(&key, nodes.len());
            prop_assert_eq!(all.len(), nodes.len());
            prop_assert_eq!(Some(all[0]), owner);
            prop_assert_eq!(router.route_n(&key, 1), vec![owner.unwrap()]);
            // Each shorter preference list is a prefix of the full one.
            let three = router.route_n(&key, 3);
            prop_assert_eq!(&three[..], &all[..three.len()]);
            prop_assert_eq!(router.route_healthy(&key, &|_| true), owner);
            // Routing past the owner gives its successor.
            let past = router.route_healthy(&key, &|node| Some(node) != owner);
            prop_assert_eq!(past, all.get(1).copied());
        }
    }

    #[test]
    fn scaling_every_weight_by_a_power_of_two_moves_nothing(
        nodes in nodes(scalable_weight()),
        shift in -60i32..60,
    ) {
        let scaled: Vec<(String, f64)> =
            nodes.iter().map(|(n, w)| (n.clone(), ldexp(*w, shift))).collect();
        let (a, b) = (router(&nodes), router(&scaled));
        for i in 0..KEYS {
            prop_assert_eq!(a.route_n(&key(i), nodes.len()), b.route_n(&key(i), nodes.len()));
        }
    }

    #[test]
    fn removing_a_keys_owner_promotes_its_next_node(nodes in nodes(extreme_weight())) {
        prop_assume!(nodes.len() >= 2);
        let full = router(&nodes);
        for i in 0..KEYS / 4 {
            let before: Vec<String> =
                full.route_n(&key(i), nodes.len()).into_iter().cloned().collect();
            let mut smaller = full.clone();
            smaller.remove(&before[0]).unwrap();
            let after: Vec<String> =
                smaller.route_n(&key(i), nodes.len()).into_iter().cloned().collect();
            prop_assert_eq!(&after[..], &before[1..]);
        }
    }

    #[test]
    fn adding_a_node_in_bulk_or_alone_places_the_same(nodes in nodes(extreme_weight())) {
        let bulk = router(&nodes);
        let mut one_by_one = Rendezvous::new();
        for (node, weight) in nodes.iter().rev() {
            one_by_one.insert_weighted(node.clone(), *weight).unwrap();
        }
        for i in 0..KEYS {
            prop_assert_eq!(bulk.route_n(&key(i), 4), one_by_one.route_n(&key(i), 4));
        }
    }
}

#[test]
fn the_largest_weight_beside_one_routes_every_key_to_the_heavier_node() {
    // Regression (issue 13, class 3): `route` answered `None` for about half
    // the keys here while `route_n(key, 1)` answered. The light node wins a
    // key with probability 1 / f64::MAX, so none of these.
    for (heavy, light) in [("a", "b"), ("b", "a")] {
        let mut router = Rendezvous::new();
        router.insert_weighted(heavy, f64::MAX).unwrap();
        router.insert_weighted(light, 1.0).unwrap();
        for i in 0..2_000 {
            assert_eq!(router.route(&key(i)), Some(&heavy), "key {i}");
            assert_eq!(router.route_n(&key(i), 2), [&heavy, &light], "key {i}");
        }
    }
}

#[test]
fn equal_extreme_weights_share_keys_like_unit_weights() {
    // All weights equal at either end of the range rank by the draws alone,
    // exactly as weight 1 does.
    let names: Vec<String> = (0..50).map(|i| format!("n{i}")).collect();
    let mut unit = Rendezvous::new();
    unit.extend(names.iter().cloned()).unwrap();
    for weight in [f64::MAX, f64::from_bits(1), 1e-300] {
        let mut router = Rendezvous::new();
        router.extend_weighted(names.iter().map(|n| (n.clone(), weight))).unwrap();
        for i in 0..2_000 {
            assert_eq!(router.route_n(&key(i), 3), unit.route_n(&key(i), 3), "weight {weight:e}");
        }
    }
}

#[test]
fn weights_far_below_the_heaviest_still_order_among_themselves() {
    // Ranks among the light nodes must not collapse when the heaviest is
    // 2^2000 times heavier: the light ones keep the order they have alone.
    let light: Vec<(String, f64)> =
        (0..20).map(|i| (format!("light-{i}"), f64::from_bits(1) * f64::from(1 + i % 3))).collect();
    let alone = router(&light);
    let mut with_heavy = router(&light);
    with_heavy.insert_weighted("heavy".to_string(), f64::MAX).unwrap();
    for i in 0..500 {
        let mut all: Vec<&String> = with_heavy.route_n(&key(i), 21);
        assert_eq!(all.remove(0), "heavy");
        assert_eq!(all, alone.route_n(&key(i), 20), "key {i}");
    }
}
