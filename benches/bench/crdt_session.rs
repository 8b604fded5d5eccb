//! The session CRDTs against the raw collection work they cannot avoid: an
//! `LwwMap` set (with and without its delta) against a `HashMap` insert of
//! the same key and value, a merge of two 10,000-key maps with half their
//! keys shared against a plain per-key "keep the greater stamp" over two
//! `HashMap`s, merging one key's delta into a large replica; and the
//! encoded size of a one-attribute delta against its 100-attribute session,
//! printed once. `crdt_session_mvregister`: an `MvRegister` rewritten by
//! one replica, and a conflict of 8 concurrent writers merged and resolved
//! (crdts' `MVReg` is compared in a scratch crate outside the repository).

use std::collections::HashMap;
use std::hint::black_box;

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput};
use routekit::crdt::{LwwMap, MvRegister};

type Session = LwwMap<u64, String, String>;

fn keys(n: usize, from: usize) -> Vec<String> {
    (from..from + n).map(|i| format!("attr-{}", i.wrapping_mul(7919) % 1_000_003)).collect()
}

fn session(keys: &[String], actor: u64, ts: u64) -> Session {
    let mut map = LwwMap::new();
    for key in keys {
        map.set_without_delta(&actor, ts, key.clone(), "v".to_string()).unwrap();
    }
    map
}

fn plain(keys: &[String], actor: u64, ts: u64) -> HashMap<String, ((u64, u64), String)> {
    keys.iter().map(|k| (k.clone(), ((ts, actor), "v".to_string()))).collect()
}

pub(crate) fn bench(c: &mut Criterion) {
    bench_set(c);
    bench_merge(c);
    report_delta_size();
    bench_mvregister(c);
}

fn bench_mvregister(c: &mut Criterion) {
    let mut group = c.benchmark_group("crdt_session_mvregister");
    group.throughput(Throughput::Elements(100));
    group.bench_function("set_with_delta_x100", |b| {
        b.iter(|| {
            let mut register = MvRegister::<u64, u64>::new();
            for value in 0..100u64 {
                black_box(register.set(&1, value).unwrap());
            }
            register.len()
        })
    });
    group.bench_function("set_without_delta_x100", |b| {
        b.iter(|| {
            let mut register = MvRegister::<u64, u64>::new();
            for value in 0..100u64 {
                black_box(register.set_without_delta(&1, value).unwrap());
            }
            register.len()
        })
    });
    group.throughput(Throughput::Elements(8));
    let deltas: Vec<MvRegister<u64, u64>> = (0..8u64)
        .map(|actor| MvRegister::new().set(&actor, actor).unwrap().expect("a first write"))
        .collect();
    group.bench_function("conflict_of_8_merged_and_resolved", |b| {
        b.iter(|| {
            let mut replica = MvRegister::new();
            for delta in &deltas {
                replica.merge_delta(delta).unwrap();
            }
            black_box(replica.set(&0, 99).unwrap());
            replica.len()
        })
    });
    group.finish();
}

fn bench_set(c: &mut Criterion) {
    let mut group = c.benchmark_group("crdt_session_set");
    group.sample_size(10);
    let n = 100_000;
    let keys = keys(n, 0);
    group.throughput(Throughput::Elements(n as u64));
    group.bench_function(BenchmarkId::new("lwwmap_set_with_delta", n), |b| {
        b.iter(|| {
            let mut map = LwwMap::new();
            for key in &keys {
                black_box(map.set(&1u64, 1, key.clone(), "v".to_string()).unwrap());
            }
            black_box(map.len())
        })
    });
    group.bench_function(BenchmarkId::new("lwwmap_set_without_delta", n), |b| {
        b.iter(|| black_box(session(&keys, 1, 1).len()))
    });
    group.bench_function(BenchmarkId::new("hashmap_insert_baseline", n), |b| {
        b.iter(|| black_box(plain(&keys, 1, 1).len()))
    });
    group.finish();
}

fn bench_merge(c: &mut Criterion) {
    let mut group = c.benchmark_group("crdt_session_merge");
    group.sample_size(20);
    let n = 10_000;
    let (left, right) = (keys(n, 0), keys(n, n / 2));
    let (a, b) = (session(&left, 1, 1), session(&right, 2, 2));
    let (plain_a, plain_b) = (plain(&left, 1, 1), plain(&right, 2, 2));
    group.bench_function(BenchmarkId::new("lwwmap_merge", n), |bench| {
        bench.iter_batched(
            || a.clone(),
            |mut a| {
                a.merge(&b).unwrap();
                a
            },
            BatchSize::LargeInput,
        )
    });
    group.bench_function(BenchmarkId::new("lwwmap_merge_owned", n), |bench| {
        bench.iter_batched(
            || (a.clone(), b.clone()),
            |(mut a, b)| {
                a.merge_owned(b).unwrap();
                a
            },
            BatchSize::LargeInput,
        )
    });
    group.bench_function(BenchmarkId::new("hashmap_keep_greater_baseline", n), |bench| {
        bench.iter_batched(
            || plain_a.clone(),
            |mut a| {
                for (key, theirs) in &plain_b {
                    match a.get_mut(key) {
                        Some(mine) if mine.0 >= theirs.0 => {}
                        Some(mine) => *mine = theirs.clone(),
                        None => {
                            a.insert(key.clone(), theirs.clone());
                        }
                    }
                }
                a
            },
            BatchSize::LargeInput,
        )
    });
    let mut origin = a.clone();
    let delta = origin.set(&1, 3, left[17].clone(), "changed".into()).unwrap().unwrap();
    group.bench_function(BenchmarkId::new("lwwmap_merge_one_delta_into", n), |bench| {
        bench.iter_batched_ref(
            || a.clone(),
            |replica| replica.merge_delta(black_box(&delta)).unwrap(),
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

/// One changed attribute of a 100-attribute session: the delta's bytes
/// against the whole session's.
fn report_delta_size() {
    let attributes = keys(100, 0);
    let mut session = LwwMap::<u64, String, String>::new();
    for key in &attributes {
        session.set(&1, 1, key.clone(), "x".repeat(24)).unwrap();
    }
    let delta = session.set(&1, 2, attributes[42].clone(), "y".repeat(24)).unwrap().unwrap();
    println!(
        "crdt_session: one changed attribute of a 100-attribute session: delta {} bytes, \
         full state {} bytes",
        delta.encoded_len(),
        session.encoded_len()
    );
}
