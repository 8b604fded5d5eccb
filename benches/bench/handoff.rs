//! Handoff plans against what they are measured by: a range plan against
//! building the new ring (from scratch, and by one insert or remove), a
//! per-key check against two plain routings of the key, and an ownership
//! decision against one routing.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion};
use routekit::route::handoff::{Handoff, Incoming, Ownership};
use routekit::route::{HashRing, Maglev, Membership, Rendezvous, Router};

use crate::inputs::{node_names, session_keys};
use crate::route::{KEYS, cycle};

pub(crate) fn bench_ranges(c: &mut Criterion) {
    let mut group = c.benchmark_group("handoff_ranges");
    group.sample_size(20);
    let names = node_names(1001);
    let mut before = HashRing::new();
    before.extend(names[..1000].iter().cloned()).unwrap();
    let mut joined = before.clone();
    joined.insert(names[1000].clone()).unwrap();
    let mut left = before.clone();
    left.remove(&names[500]).unwrap();

    group.bench_function(BenchmarkId::new("build_1000_nodes", 1000), |b| {
        b.iter(|| {
            let mut ring = HashRing::new();
            ring.extend(names[..1000].iter().cloned()).unwrap();
            black_box(ring.point_count())
        })
    });
    group.bench_function(BenchmarkId::new("build_by_insert", 1000), |b| {
        b.iter(|| {
            let mut ring = before.clone();
            ring.insert(names[1000].clone()).unwrap();
            black_box(ring.point_count())
        })
    });
    group.bench_function(BenchmarkId::new("build_by_remove", 1000), |b| {
        b.iter(|| {
            let mut ring = before.clone();
            ring.remove(&names[500]).unwrap();
            black_box(ring.point_count())
        })
    });
    group.bench_function(BenchmarkId::new("plan_join", 1000), |b| {
        b.iter(|| black_box(Handoff::new(&before, &joined).unwrap().ranges().len()))
    });
    group.bench_function(BenchmarkId::new("plan_leave", 1000), |b| {
        b.iter(|| black_box(Handoff::new(&before, &left).unwrap().ranges().len()))
    });
    group.bench_function(BenchmarkId::new("plan_join_replicas_3", 1000), |b| {
        b.iter(|| black_box(Handoff::new(&before, &joined).unwrap().replica_ranges(3).len()))
    });
    group.finish();
}

pub(crate) fn bench_keys(c: &mut Criterion) {
    let keys = session_keys(KEYS, 5);
    let names = node_names(101);
    let mut group = c.benchmark_group("handoff_key");

    let mut ring = HashRing::new();
    ring.extend(names[..100].iter().cloned()).unwrap();
    let mut ring2 = ring.clone();
    ring2.insert(names[100].clone()).unwrap();
    let mut rendezvous = Rendezvous::new();
    rendezvous.extend(names[..100].iter().cloned()).unwrap();
    let mut rendezvous2 = rendezvous.clone();
    rendezvous2.insert(names[100].clone()).unwrap();
    let mut maglev = Maglev::new();
    maglev.extend(names[..100].iter().cloned()).unwrap();
    let mut maglev2 = maglev.clone();
    maglev2.insert(names[100].clone()).unwrap();

    macro_rules! pair {
        ($label:literal, $before:expr, $after:expr) => {{
            let (before, after) = (&$before, &$after);
            let plan = Handoff::new(before, after).unwrap();
            group.bench_function(BenchmarkId::new(concat!($label, "_two_routings"), 100), |b| {
                cycle(b, &keys, |k| black_box(before.route(k) != after.route(k)))
            });
            group.bench_function(BenchmarkId::new(concat!($label, "_plan_key"), 100), |b| {
                cycle(b, &keys, |k| black_box(plan.key(k).moves()))
            });
            group.bench_function(BenchmarkId::new(concat!($label, "_plan_leaves"), 100), |b| {
                cycle(b, &keys, |k| black_box(plan.leaves(&names[3], k).is_some()))
            });
            group.bench_function(BenchmarkId::new(concat!($label, "_one_routing"), 100), |b| {
                cycle(b, &keys, |k| black_box(after.route(k)))
            });
            let view = Ownership::new(after, &names[3]);
            group.bench_function(
                BenchmarkId::new(concat!($label, "_ownership_decide"), 100),
                |b| {
                    cycle(b, &keys, |k| {
                        black_box(matches!(
                            view.decide(k, Incoming::client()),
                            routekit::route::handoff::Decision::Serve
                        ))
                    })
                },
            );
        }};
    }
    pair!("ring", ring, ring2);
    pair!("rendezvous", rendezvous, rendezvous2);
    pair!("maglev", maglev, maglev2);
    group.finish();
}
