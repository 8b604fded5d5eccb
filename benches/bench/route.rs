//! Routing: lookups against the floor, ring builds, and shared snapshots.
//!
//! The floor for a ring lookup is the least any ring can do with a binary
//! search: hash the key with xxh3, then `binary_search` a plain sorted
//! `Vec<u64>` with as many points as the ring. The floor for rendezvous is
//! xxh3 plus one 64-bit mix per node (no weights, no logarithm).

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use criterion::{Bencher, BenchmarkId, Criterion};
use parking_lot::RwLock;
use routekit::hash::{KeyHasher, Xxh3};
use routekit::route::{
    DEFAULT_VNODES, HashRing, Membership, Rendezvous, Router, SharedRouter, Weighted,
};

use crate::inputs::{node_names, seeded, session_keys};

pub(crate) const KEYS: usize = 1 << 14;

/// Times `f` on the keys in turn, one key per iteration.
pub(crate) fn cycle<T>(b: &mut Bencher<'_>, keys: &[Vec<u8>], mut f: impl FnMut(&[u8]) -> T) {
    let mut at = 0;
    b.iter(|| {
        at = (at + 1) & (KEYS - 1);
        f(&keys[at])
    })
}

pub(crate) fn bench(c: &mut Criterion) {
    let keys = session_keys(KEYS, 1);
    let hasher = Xxh3::new();
    let mut group = c.benchmark_group("route");
    for nodes in [10usize, 100, 1000] {
        let names = node_names(nodes);
        let mut ring = HashRing::new();
        ring.extend(names.iter().cloned()).unwrap();
        let mut rendezvous = Rendezvous::new();
        rendezvous.extend(names.iter().cloned()).unwrap();
        let mut floor: Vec<u64> = seeded(2).take(nodes * DEFAULT_VNODES as usize).collect();
        floor.sort_unstable();
        let seeds: Vec<u64> = seeded(3).take(nodes).collect();

        group.bench_function(BenchmarkId::new("floor_xxh3_binary_search", nodes), |b| {
            cycle(b, &keys, |k| {
                let h = hasher.hash64(k);
                let i = floor.partition_point(|&p| p < h);
                black_box(if i == floor.len() { 0 } else { i })
            })
        });
        group.bench_function(BenchmarkId::new("ring", nodes), |b| {
            cycle(b, &keys, |k| black_box(ring.route(k)))
        });
        let mut out = Vec::with_capacity(3);
        group.bench_function(BenchmarkId::new("ring_route_n3", nodes), |b| {
            cycle(b, &keys, |k| {
                ring.route_n_into(k, 3, &mut out);
                black_box(out.len())
            })
        });
        group.bench_function(BenchmarkId::new("floor_xxh3_mix_per_node", nodes), |b| {
            cycle(b, &keys, |k| {
                let h = hasher.hash64(k);
                let best = seeds.iter().map(|&s| mix(h ^ s)).max();
                black_box(best)
            })
        });
        group.bench_function(BenchmarkId::new("rendezvous", nodes), |b| {
            cycle(b, &keys, |k| black_box(rendezvous.route(k)))
        });
        let mut out = Vec::with_capacity(3);
        group.bench_function(BenchmarkId::new("rendezvous_route_n3", nodes), |b| {
            cycle(b, &keys, |k| {
                rendezvous.route_n_into(k, 3, &mut out);
                black_box(out.len())
            })
        });
        let mut weighted = Rendezvous::new();
        weighted
            .extend_weighted(
                names.iter().enumerate().map(|(i, n)| (n.clone(), 1.0 + (i % 5) as f64)),
            )
            .unwrap();
        group.bench_function(BenchmarkId::new("rendezvous_weighted", nodes), |b| {
            cycle(b, &keys, |k| black_box(weighted.route(k)))
        });
    }
    group.finish();
}

/// The same mixer the rendezvous floor would need at the least.
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

pub(crate) fn bench_build(c: &mut Criterion) {
    let mut group = c.benchmark_group("build");
    group.sample_size(20);
    let names = node_names(1000);
    group.bench_function("ring_1000x160", |b| {
        b.iter(|| {
            let mut ring = HashRing::new();
            ring.extend(names.iter().map(String::as_str)).unwrap();
            black_box(ring.point_count())
        })
    });
    let points: Vec<u64> = seeded(4).take(1000 * DEFAULT_VNODES as usize).collect();
    group.bench_function("floor_sort_160000_u64", |b| {
        b.iter(|| {
            let mut p = points.clone();
            p.sort_unstable();
            black_box(p.len())
        })
    });
    let mut ring = HashRing::new();
    ring.extend(names.iter().map(String::as_str)).unwrap();
    group.bench_function("ring_insert_one_into_1000x160", |b| {
        b.iter(|| {
            let mut r = ring.clone();
            r.insert("10.99.99.99:8080").unwrap();
            black_box(r.point_count())
        })
    });
    // One bulk build against the same nodes inserted one at a time (each an
    // O(n) insertion into the identity order).
    group.bench_function("rendezvous_extend_1000", |b| {
        b.iter(|| {
            let mut r = Rendezvous::new();
            r.extend(names.iter().map(String::as_str)).unwrap();
            black_box(r.len())
        })
    });
    group.bench_function("rendezvous_insert_1000", |b| {
        b.iter(|| {
            let mut r = Rendezvous::new();
            for name in &names {
                r.insert(name.as_str()).unwrap();
            }
            black_box(r.len())
        })
    });
    group.finish();
}

/// Snapshot loads: arc-swap (what `SharedRouter` uses) against an `Arc`
/// cloned out of a `parking_lot::RwLock`, each while another thread routes
/// through the same cell (the contended case).
pub(crate) fn bench_shared(c: &mut Criterion) {
    let keys = session_keys(KEYS, 5);
    let mut ring = HashRing::new();
    ring.extend(node_names(100)).unwrap();
    let swap = Arc::new(SharedRouter::new(ring.clone()));
    let lock = Arc::new(RwLock::new(Arc::new(ring)));
    let mut group = c.benchmark_group("shared");
    for contended in [false, true] {
        let stop = Arc::new(AtomicBool::new(false));
        let mut background = Vec::new();
        if contended {
            let (swap, lock, stop) = (Arc::clone(&swap), Arc::clone(&lock), Arc::clone(&stop));
            let keys = keys.clone();
            background.push(std::thread::spawn(move || {
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) {
                    i = (i + 1) & (KEYS - 1);
                    black_box(swap.load().route(&keys[i]));
                    let snapshot = Arc::clone(&lock.read());
                    black_box(snapshot.route(&keys[i]));
                }
            }));
        }
        let label = if contended { "contended" } else { "alone" };
        group.bench_function(BenchmarkId::new("arc_swap_load_route", label), |b| {
            cycle(b, &keys, |k| black_box(swap.load().route(k).map(String::len)))
        });
        group.bench_function(BenchmarkId::new("rwlock_arc_clone_route", label), |b| {
            cycle(b, &keys, |k| {
                let snapshot = Arc::clone(&lock.read());
                black_box(snapshot.route(k).map(String::len))
            })
        });
        group.bench_function(BenchmarkId::new("rwlock_read_guard_route", label), |b| {
            cycle(b, &keys, |k| black_box(lock.read().route(k).map(String::len)))
        });
        stop.store(true, Ordering::Relaxed);
        for t in background {
            t.join().unwrap();
        }
    }
    group.finish();
}
