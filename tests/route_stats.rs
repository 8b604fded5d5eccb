//! Seeded statistics: weights and balance match the math. Every bound below
//! is derived in a comment; the inputs are fixed, so the tests never flake.

use routekit::hash::Xxh3;
use routekit::route::{HashRing, Rendezvous, Router};

/// `count` distinct keys from a fixed sequence.
fn keys(count: usize) -> impl Iterator<Item = [u8; 8]> {
    (0..count as u64).map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15).to_le_bytes())
}

fn loads<R: Router<Node = String>>(router: &R, count: usize) -> Vec<(String, usize)> {
    let mut tally = std::collections::BTreeMap::new();
    for key in keys(count) {
        *tally.entry(router.route(&key).unwrap().clone()).or_insert(0usize) += 1;
    }
    tally.into_iter().collect()
}

/// Population standard deviation of `values` relative to their mean.
fn relative_spread(values: &[usize]) -> f64 {
    let n = values.len() as f64;
    let mean = values.iter().sum::<usize>() as f64 / n;
    let var = values.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / n;
    var.sqrt() / mean
}

#[test]
fn rendezvous_weights_one_two_three_give_exact_shares() {
    // Each key picks node i with probability p_i = w_i / 6 independently, so
    // the count is Binomial(K, p_i) with sd sqrt(K p (1-p)). Five sd bound
    // every count (a false failure has probability below 1e-6).
    const K: usize = 120_000;
    let mut router = Rendezvous::new();
    for (node, weight) in [("one", 1.0), ("two", 2.0), ("three", 3.0)] {
        router.insert_weighted(node.to_string(), weight).unwrap();
    }
    for (node, count) in loads(&router, K) {
        let p = router.nodes().find(|(n, _)| **n == node).unwrap().1 / 6.0;
        let (expected, sd) = (K as f64 * p, (K as f64 * p * (1.0 - p)).sqrt());
        assert!(
            (count as f64 - expected).abs() < 5.0 * sd,
            "{node}: {count} vs {expected} ± 5×{sd:.0}"
        );
    }
}

#[test]
fn rendezvous_weights_pass_a_chi_square_test() {
    // Ten nodes with weights 1..=10: Pearson's statistic over the ten counts
    // follows chi-square with 9 degrees of freedom (mean 9, sd 4.2);
    // P(χ²₉ > 50) < 1e-7.
    const K: usize = 110_000;
    let mut router = Rendezvous::new();
    for i in 1..=10 {
        router.insert_weighted(format!("w{i}"), i as f64).unwrap();
    }
    let chi2: f64 = loads(&router, K)
        .iter()
        .map(|(node, count)| {
            let weight: f64 = node[1..].parse().unwrap();
            let expected = K as f64 * weight / 55.0;
            (*count as f64 - expected).powi(2) / expected
        })
        .sum();
    assert!(chi2 < 50.0, "chi-square {chi2:.1} with 9 degrees of freedom");
}

#[test]
fn ring_weights_one_two_three_are_honoured() {
    // A node with m of the M points owns a share distributed like
    // Beta(m, M - m): relative sd sqrt((M - m) / (m (M + 1))). With 10,000
    // points per unit of weight, m = 10,000 w and M = 60,000, that is at most
    // 0.91%; key sampling adds a binomial sd of sqrt((1-p)/(K p)) ≤ 0.65% at
    // K = 120,000. Five combined sd: below 5.6% of the expected count.
    const K: usize = 120_000;
    let mut ring = HashRing::builder().vnodes(10_000).build().unwrap();
    ring.extend_weighted([("one".to_string(), 1.0), ("two".into(), 2.0), ("three".into(), 3.0)])
        .unwrap();
    for (node, count) in loads(&ring, K) {
        let weight = ring.nodes().find(|(n, _, _)| **n == node).unwrap().1;
        let p = weight / 6.0;
        let m = 10_000.0 * weight;
        let arcs = ((60_000.0 - m) / (m * 60_001.0)).sqrt();
        let sampling = ((1.0 - p) / (K as f64 * p)).sqrt();
        let bound = 5.0 * (arcs * arcs + sampling * sampling).sqrt();
        let expected = K as f64 * p;
        let error = (count as f64 - expected).abs() / expected;
        assert!(error < bound, "{node}: {count} vs {expected:.0}, error {error:.4} ≥ {bound:.4}");
    }
}

#[test]
fn ring_balance_at_160_vnodes_matches_the_expected_spread() {
    // 100 nodes × 160 points: each share is Beta(160, 15,840), relative sd
    // sqrt(15840 / (160 × 16001)) = 7.87%; 400,000 keys add a binomial sd of
    // sqrt(0.99 / 4000) = 1.57%, so each load has relative sd 8.02%. The
    // spread measured over 100 nodes estimates it with a relative sd of about
    // 1/sqrt(2 × 99) = 7.1%, so it must fall within ±25% (3.5 sd).
    let mut ring = HashRing::new();
    ring.extend((0..100).map(|i| format!("10.0.0.{i}:6379"))).unwrap();
    let counts: Vec<usize> = loads(&ring, 400_000).into_iter().map(|(_, c)| c).collect();
    assert_eq!(counts.len(), 100);
    let spread = relative_spread(&counts);
    let expected = (0.0787f64.powi(2) + 0.0157f64.powi(2)).sqrt();
    assert!((spread / expected - 1.0).abs() < 0.25, "spread {spread:.4}, expected {expected:.4}");
}

#[test]
fn rendezvous_balance_is_binomial() {
    // 100 equal nodes, 400,000 keys: loads are Binomial(K, 0.01), relative sd
    // sqrt(0.99 / 4000) = 1.57%; the measured spread must be within ±25%
    // of it, as above.
    let mut router = Rendezvous::with_hasher(Xxh3::with_seed(9));
    for i in 0..100 {
        router.insert(format!("10.0.0.{i}:6379")).unwrap();
    }
    let counts: Vec<usize> = loads(&router, 400_000).into_iter().map(|(_, c)| c).collect();
    let spread = relative_spread(&counts);
    let expected = (0.99f64 / 4000.0).sqrt();
    assert!((spread / expected - 1.0).abs() < 0.25, "spread {spread:.4}, expected {expected:.4}");
}
