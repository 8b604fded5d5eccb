//! Rendezvous lookups by weight profile, each beside its floor in the same
//! run: xxh3 of the key plus one SplitMix64 mix per node and a max (what any
//! rendezvous with this draw must do), unweighted, mixed weights, and the
//! extreme profile of issue 13 (weights from 1e-300 to `f64::MAX`), whose
//! ranks take the exact-key path.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion};
use routekit::hash::{KeyHasher, Xxh3};
use routekit::route::{Membership, Rendezvous, Router, Weighted};

use crate::inputs::{node_names, seeded, session_keys};
use crate::route::{KEYS, cycle};

pub(crate) fn bench(c: &mut Criterion) {
    let keys = session_keys(KEYS, 5);
    let hasher = Xxh3::new();
    let mut group = c.benchmark_group("rendezvous");
    for nodes in [100usize, 1000] {
        let names = node_names(nodes);
        let seeds: Vec<u64> = seeded(6).take(nodes).collect();
        group.bench_function(BenchmarkId::new("floor_xxh3_splitmix_max", nodes), |b| {
            cycle(b, &keys, |k| {
                let h = hasher.hash64(k);
                black_box(seeds.iter().map(|&s| splitmix(h ^ s)).max())
            })
        });
        let mut unweighted = Rendezvous::new();
        unweighted.extend(names.iter().cloned()).unwrap();
        group.bench_function(BenchmarkId::new("unweighted", nodes), |b| {
            cycle(b, &keys, |k| black_box(unweighted.route(k)))
        });
        let mut mixed = Rendezvous::new();
        let weights = names.iter().enumerate().map(|(i, n)| (n.clone(), 1.0 + (i % 5) as f64));
        mixed.extend_weighted(weights).unwrap();
        group.bench_function(BenchmarkId::new("weighted_1_to_5", nodes), |b| {
            cycle(b, &keys, |k| black_box(mixed.route(k)))
        });
        let extreme_weight = |i: usize| match i % 4 {
            0 => f64::MAX,
            1 => 1.0,
            2 => 1e-300,
            _ => f64::MAX / 3.0,
        };
        let mut extreme = Rendezvous::new();
        let weights = names.iter().enumerate().map(|(i, n)| (n.clone(), extreme_weight(i)));
        extreme.extend_weighted(weights).unwrap();
        group.bench_function(BenchmarkId::new("weighted_extreme", nodes), |b| {
            cycle(b, &keys, |k| black_box(extreme.route(k)))
        });
    }
    group.finish();
}

/// The SplitMix64 finalizer, the draw rendezvous uses.
fn splitmix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}
