//! CRDTs against the raw collection work they cannot avoid: an `OrSet` add
//! (and a replica merging the delta of each add) against a `BTreeSet` /
//! `HashSet` insert of the same element, a merge of two replicas against the
//! union of two sets, a counter merge against a per-actor max over two sorted
//! vectors.

use std::collections::{BTreeSet, HashSet};
use std::hint::black_box;

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput};
use routekit::crdt::{Crdt, GCounter, OrSet};

use crate::inputs::seeded;

/// A replica where `actor` added `keys`, one at a time.
fn replica(actor: u64, keys: &[u64]) -> OrSet<u64, u64> {
    let mut set = OrSet::new();
    for &key in keys {
        set.add(&actor, key).unwrap();
    }
    set
}

/// Two replicas of `n` random elements each, half of them shared.
fn overlapping(n: usize) -> (Vec<u64>, Vec<u64>) {
    let keys: Vec<u64> = seeded(11).take(n + n / 2).collect();
    (keys[..n].to_vec(), keys[n / 2..].to_vec())
}

pub(crate) fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("crdt_add");
    group.sample_size(10);
    let n = 100_000;
    let keys: Vec<u64> = seeded(10).take(n).collect();
    group.throughput(Throughput::Elements(n as u64));
    group.bench_function(BenchmarkId::new("orset_add_with_delta", n), |b| {
        b.iter(|| black_box(replica(1, &keys).len()))
    });
    group.bench_function(BenchmarkId::new("orset_add_without_delta", n), |b| {
        b.iter(|| {
            let mut set = OrSet::new();
            for &key in &keys {
                set.add_without_delta(&1u64, key).unwrap();
            }
            black_box(set.len())
        })
    });
    let deltas: Vec<_> = {
        let mut origin = OrSet::new();
        keys.iter().map(|&key| origin.add(&1u64, key).unwrap()).collect()
    };
    group.bench_function(BenchmarkId::new("orset_merge_delta", n), |b| {
        b.iter(|| {
            let mut replica = OrSet::new();
            for delta in &deltas {
                replica.merge_delta(delta).unwrap();
            }
            black_box(replica.len())
        })
    });
    group.bench_function(BenchmarkId::new("baseline_hashset_insert", n), |b| {
        b.iter(|| {
            let mut set = HashSet::new();
            for &key in &keys {
                set.insert(key);
            }
            black_box(set.len())
        })
    });
    group.bench_function(BenchmarkId::new("baseline_btreeset_insert", n), |b| {
        b.iter(|| {
            let mut set = BTreeSet::new();
            for &key in &keys {
                set.insert(key);
            }
            black_box(set.len())
        })
    });
    group.finish();

    let mut group = c.benchmark_group("crdt_merge");
    group.sample_size(10);
    for n in [10_000usize, 100_000] {
        let (left, right) = overlapping(n);
        let (a, b) = (replica(1, &left), replica(2, &right));
        // Per input element: both replicas count.
        group.throughput(Throughput::Elements(2 * n as u64));
        group.bench_function(BenchmarkId::new("orset_merge", n), |bench| {
            bench.iter_batched(
                || a.clone(),
                |mut a| {
                    a.merge(&b).unwrap();
                    a
                },
                BatchSize::LargeInput,
            )
        });
        let (hash_a, hash_b): (HashSet<u64>, HashSet<u64>) =
            (left.iter().copied().collect(), right.iter().copied().collect());
        group.bench_function(BenchmarkId::new("baseline_hashset_union", n), |bench| {
            bench.iter_batched(
                || hash_a.clone(),
                |mut a| {
                    a.extend(hash_b.iter().copied());
                    a
                },
                BatchSize::LargeInput,
            )
        });
        let (tree_a, tree_b): (BTreeSet<u64>, BTreeSet<u64>) =
            (left.iter().copied().collect(), right.iter().copied().collect());
        group.bench_function(BenchmarkId::new("baseline_btreeset_union", n), |bench| {
            bench.iter_batched(
                || tree_a.clone(),
                |mut a| {
                    a.extend(tree_b.iter().copied());
                    a
                },
                BatchSize::LargeInput,
            )
        });
        if n == 100_000 {
            let bytes = a.encode();
            eprintln!(
                "crdt: OrSet<u64, u64> of {} random u64 elements encodes to {:.2} bytes per element",
                a.len(),
                bytes.len() as f64 / a.len() as f64
            );
        }
    }
    group.finish();

    let mut group = c.benchmark_group("crdt_counter_merge");
    let actors = 100u64;
    let counts: Vec<u64> = seeded(12).take(2 * actors as usize).map(|x| x >> 40).collect();
    let (mut a, mut b) = (GCounter::new(), GCounter::new());
    for actor in 0..actors {
        a.increment(&actor, counts[actor as usize] + 1).unwrap();
        b.increment(&actor, counts[(actors + actor) as usize] + 1).unwrap();
    }
    group.bench_function(BenchmarkId::new("gcounter_merge", actors), |bench| {
        bench.iter_batched(
            || a.clone(),
            |mut a| {
                a.merge(&b).unwrap();
                a
            },
            BatchSize::SmallInput,
        )
    });
    let pairs_a: Vec<(u64, u64)> = a.iter().map(|(&k, v)| (k, v)).collect();
    let pairs_b: Vec<(u64, u64)> = b.iter().map(|(&k, v)| (k, v)).collect();
    group.bench_function(BenchmarkId::new("baseline_sorted_vec_max", actors), |bench| {
        bench.iter_batched(
            || pairs_a.clone(),
            |mut a| {
                for (mine, theirs) in a.iter_mut().zip(&pairs_b) {
                    mine.1 = mine.1.max(theirs.1);
                }
                a
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}
