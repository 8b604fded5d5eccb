//! The further strategies, each against the floor it cannot beat, in the
//! same run:
//!
//! * Maglev against "xxh3 + one table read": hash the key, reduce it to an
//!   index of a table of the same size and entry width by multiply-shift,
//!   read it.
//! * JumpBackHash and MementoHash against "xxh3 + a modulo" (`hash % n`, the
//!   non-consistent placement they replace), with float Jump beside them, at
//!   2 to 1,000,000 nodes; and against "xxh3 + multiply-shift"
//!   (`(hash · n) >> 64`), the cheaper non-consistent placement.
//! * Memento with nodes removed out of order; Maglev table builds; bounded
//!   loads against the plain ring walk.
//!
//! The keys are visited in an order that does not repeat within a run
//! ([`unlearnable`]): walked in the same short cycle every time, their
//! branch outcomes are learned by the branch predictor, which flatters a
//! lookup that branches on the key (JumpBackHash, MementoHash) and never
//! happens in service.

use std::collections::HashMap;
use std::hint::black_box;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId, Criterion};
use routekit::hash::{KeyHasher, Xxh3};
use routekit::route::{
    BoundedLoads, HashRing, JumpBackHash, JumpHash, LoadTracker, Maglev, Membership, MementoHash,
    Router,
};

use criterion::Bencher;

use crate::inputs::{node_names, session_keys};
use crate::route::KEYS;

/// Times `f` on the keys, one key per iteration, in an order the branch
/// predictor cannot learn: each pass over the keys takes a different odd
/// stride, so the key before and after each one change from pass to pass
/// (the order repeats after 2¹³ passes, some 10⁸ iterations). Sixteen
/// thousand keys walked in one fixed cycle let the predictor learn, partly
/// and depending on code layout, which way a lookup's branches go for each
/// key, and so mispredict less often than it does in service.
fn unlearnable<T>(b: &mut Bencher<'_>, keys: &[Vec<u8>], mut f: impl FnMut(&[u8]) -> T) {
    let (mut at, mut stride) = (0, 1);
    b.iter(|| {
        at = (at + stride) & (KEYS - 1);
        if at == 0 {
            stride += 2;
        }
        f(&keys[at])
    })
}

/// A group with short measurement times: these groups have many members.
fn short<'c>(c: &'c mut Criterion, name: &str) -> BenchmarkGroup<'c, WallTime> {
    let mut group = c.benchmark_group(name);
    group.warm_up_time(Duration::from_millis(700)).measurement_time(Duration::from_secs(2));
    group
}

pub(crate) fn bench_maglev(c: &mut Criterion) {
    let keys = session_keys(KEYS, 11);
    let hasher = Xxh3::new();
    let mut group = short(c, "maglev");
    for nodes in [10usize, 100, 1000] {
        let mut lb = Maglev::builder().table_size_for(nodes).build().unwrap();
        lb.extend(node_names(nodes)).unwrap();
        let size = u64::from(lb.table_size());
        // 16-bit entries, as Maglev's own table has up to 65,536 nodes.
        let floor: Vec<u16> = (0..size).map(|i| (i % nodes as u64) as u16).collect();
        group.bench_function(BenchmarkId::new("floor_xxh3_table_read", nodes), |b| {
            unlearnable(b, &keys, |k| {
                let at = (u128::from(hasher.hash64(k)) * u128::from(size)) >> 64;
                black_box(floor[at as usize])
            })
        });
        group.bench_function(BenchmarkId::new("maglev", nodes), |b| {
            unlearnable(b, &keys, |k| black_box(lb.route(k)))
        });
    }
    group.finish();

    let mut group = short(c, "maglev_build");
    group.sample_size(10);
    for nodes in [100usize, 1000] {
        let names = node_names(nodes);
        group.bench_function(BenchmarkId::new("maglev", nodes), |b| {
            b.iter(|| {
                let mut lb = Maglev::builder().table_size_for(nodes).build().unwrap();
                lb.extend(names.iter().map(String::as_str)).unwrap();
                black_box(lb.len())
            })
        });
    }
    group.finish();
}

pub(crate) fn bench_jump(c: &mut Criterion) {
    let keys = session_keys(KEYS, 12);
    let hasher = Xxh3::new();
    let mut group = short(c, "jump");
    for nodes in [2usize, 10, 100, 1000, 10_000, 100_000, 1_000_000] {
        let names = node_names(nodes);
        let mut jump_back = JumpBackHash::new();
        jump_back.extend(names.iter().map(String::as_str)).unwrap();
        let mut jump = JumpHash::new();
        jump.extend(names.iter().map(String::as_str)).unwrap();
        let mut memento = MementoHash::new();
        memento.extend(names.iter().map(String::as_str)).unwrap();
        let n = nodes as u64;

        group.bench_function(BenchmarkId::new("floor_xxh3_modulo", nodes), |b| {
            unlearnable(b, &keys, |k| black_box(&names[(hasher.hash64(k) % n) as usize]))
        });
        group.bench_function(BenchmarkId::new("floor_xxh3_multiply_shift", nodes), |b| {
            unlearnable(b, &keys, |k| {
                black_box(&names[((u128::from(hasher.hash64(k)) * u128::from(n)) >> 64) as usize])
            })
        });
        group.bench_function(BenchmarkId::new("jump_back", nodes), |b| {
            unlearnable(b, &keys, |k| black_box(jump_back.route(k)))
        });
        group.bench_function(BenchmarkId::new("memento", nodes), |b| {
            unlearnable(b, &keys, |k| black_box(memento.route(k)))
        });
        group.bench_function(BenchmarkId::new("jump_float", nodes), |b| {
            unlearnable(b, &keys, |k| black_box(jump.route(k)))
        });
    }
    group.finish();
}

pub(crate) fn bench_memento_removed(c: &mut Criterion) {
    let keys = session_keys(KEYS, 13);
    let mut group = short(c, "memento_removed");
    let names = node_names(1000);
    for percent in [0usize, 10, 50] {
        let mut memento = MementoHash::new();
        memento.extend(names.iter().map(String::as_str)).unwrap();
        // Every k-th node leaves, from the front: out of order.
        for name in names.iter().step_by(100 / percent.max(1)).take(percent * 10) {
            memento.remove(name.as_str()).unwrap();
        }
        group.bench_function(BenchmarkId::new("memento_1000_nodes", percent), |b| {
            unlearnable(b, &keys, |k| black_box(memento.route(k)))
        });
    }
    group.finish();
}

pub(crate) fn bench_bounded(c: &mut Criterion) {
    let keys = session_keys(KEYS, 14);
    let mut group = short(c, "bounded");
    let names = node_names(100);
    let mut ring = HashRing::new();
    ring.extend(names.iter().cloned()).unwrap();
    group.bench_function("floor_ring_route", |b| {
        unlearnable(b, &keys, |k| black_box(ring.route(k)))
    });
    // Every node below the cap except a fifth of them: most keys stay on
    // their owner, some walk on.
    let loads: HashMap<&str, u64> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), if i % 5 == 0 { 20 } else { 0 }))
        .collect();
    let bounded = BoundedLoads::new(ring.clone(), 1.25).unwrap();
    group.bench_function("bounded_route", |b| {
        unlearnable(b, &keys, |k| black_box(bounded.route(k, 400, &|n| loads[n.as_str()])))
    });
    let tracker = LoadTracker::new(ring, 1.25).unwrap();
    group.bench_function("tracker_assign_release", |b| {
        unlearnable(b, &keys, |k| {
            let node = tracker.assign(k).unwrap();
            tracker.release(node).unwrap();
        })
    });
    group.finish();
}
