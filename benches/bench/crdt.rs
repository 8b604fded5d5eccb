//! CRDTs against the raw collection work they cannot avoid: an `OrSet` add
//! (and a replica merging the delta of each add) against a `BTreeSet` /
//! `HashSet` insert of the same element, a merge of two replicas against the
//! union of two sets, a counter merge against a per-actor max over two sorted
//! vectors, a counter increment against a plain sorted-vector increment; and
//! the ways a delta reaches a large replica (in memory, as its own bytes, as
//! the bytes of the state it stands for), and sizing a state with
//! `encoded_len` against encoding it.

use std::collections::{BTreeSet, HashSet};
use std::hint::black_box;

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput};
use routekit::crdt::{GCounter, OrSet, OrSetDelta};

use crate::inputs::seeded;

/// A replica where `actor` added `keys`, one at a time.
fn replica(actor: u64, keys: &[u64]) -> OrSet<u64, u64> {
    let mut set = OrSet::new();
    for &key in keys {
        set.add_without_delta(&actor, key).unwrap();
    }
    set
}

/// Two replicas of `n` random elements each, half of them shared.
fn overlapping(n: usize) -> (Vec<u64>, Vec<u64>) {
    let keys: Vec<u64> = seeded(11).take(n + n / 2).collect();
    (keys[..n].to_vec(), keys[n / 2..].to_vec())
}

pub(crate) fn bench(c: &mut Criterion) {
    bench_add(c);
    bench_merge(c);
    bench_delta_wire(c);
    bench_counters(c);
}

fn bench_add(c: &mut Criterion) {
    let mut group = c.benchmark_group("crdt_add");
    group.sample_size(10);
    let n = 100_000;
    let keys: Vec<u64> = seeded(10).take(n).collect();
    group.throughput(Throughput::Elements(n as u64));
    group.bench_function(BenchmarkId::new("orset_add_with_delta", n), |b| {
        b.iter(|| {
            let mut set = OrSet::new();
            for &key in &keys {
                black_box(set.add(&1u64, key).unwrap());
            }
            black_box(set.len())
        })
    });
    group.bench_function(BenchmarkId::new("orset_add_without_delta", n), |b| {
        b.iter(|| black_box(replica(1, &keys).len()))
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
}

fn bench_merge(c: &mut Criterion) {
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
            let bytes = a.to_bytes();
            eprintln!(
                "crdt: OrSet<u64, u64> of {} random u64 elements encodes to {:.2} bytes per element",
                a.len(),
                bytes.len() as f64 / a.len() as f64
            );
            // Sizing a state: encoded_len against encoding it.
            group.throughput(Throughput::Elements(n as u64));
            group.bench_function(BenchmarkId::new("orset_encoded_len", n), |bench| {
                bench.iter(|| black_box(a.encoded_len()))
            });
            group.bench_function(BenchmarkId::new("baseline_orset_to_bytes_len", n), |bench| {
                bench.iter(|| black_box(a.to_bytes().len()))
            });
        }
    }
    group.finish();
}

fn bench_delta_wire(c: &mut Criterion) {
    // 1,000 changes from another replica reach a replica of 100,000
    // elements: 900 adds of new elements and 100 removes of held ones.
    let mut group = c.benchmark_group("crdt_delta_wire");
    group.sample_size(10);
    let n = 100_000;
    let keys: Vec<u64> = seeded(13).take(n + 900).collect();
    let big = replica(1, &keys[..n]);
    let mut peer = big.clone();
    let mut deltas: Vec<OrSetDelta<u64, u64>> =
        keys[n..].iter().map(|&key| peer.add(&2u64, key).unwrap()).collect();
    deltas.extend(keys[..100].iter().map(|key| peer.remove(key).unwrap()));
    let delta_bytes: Vec<Vec<u8>> = deltas.iter().map(OrSetDelta::to_bytes).collect();
    let state_bytes: Vec<Vec<u8>> =
        deltas.iter().map(|delta| OrSet::from(delta.clone()).to_bytes()).collect();
    group.throughput(Throughput::Elements(deltas.len() as u64));
    group.bench_function(BenchmarkId::new("delta_bytes_merge_delta", n), |bench| {
        bench.iter_batched(
            || big.clone(),
            |mut replica| {
                for bytes in &delta_bytes {
                    replica.merge_delta(&OrSetDelta::from_bytes(bytes).unwrap()).unwrap();
                }
                replica
            },
            BatchSize::LargeInput,
        )
    });
    group.bench_function(BenchmarkId::new("state_bytes_merge", n), |bench| {
        bench.iter_batched(
            || big.clone(),
            |mut replica| {
                for bytes in &state_bytes {
                    replica.merge(&OrSet::from_bytes(bytes).unwrap()).unwrap();
                }
                replica
            },
            BatchSize::LargeInput,
        )
    });
    group.bench_function(BenchmarkId::new("baseline_in_memory_merge_delta", n), |bench| {
        bench.iter_batched(
            || big.clone(),
            |mut replica| {
                for delta in &deltas {
                    replica.merge_delta(delta).unwrap();
                }
                replica
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

fn bench_counters(c: &mut Criterion) {
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
                a.merge(&b);
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

    // 10,000 increments spread over the 100 actors of a counter.
    let mut group = c.benchmark_group("crdt_counter_increment");
    let steps: Vec<u64> = seeded(14).take(10_000).map(|x| x % actors).collect();
    group.throughput(Throughput::Elements(steps.len() as u64));
    group.bench_function(BenchmarkId::new("gcounter_increment", actors), |bench| {
        bench.iter_batched_ref(
            || a.clone(),
            |counter| {
                for actor in &steps {
                    black_box(counter.increment(actor, 1).unwrap());
                }
            },
            BatchSize::SmallInput,
        )
    });
    group.bench_function(BenchmarkId::new("gcounter_increment_without_delta", actors), |bench| {
        bench.iter_batched_ref(
            || a.clone(),
            |counter| {
                for actor in &steps {
                    black_box(counter.increment_without_delta(actor, 1).unwrap());
                }
            },
            BatchSize::SmallInput,
        )
    });
    group.bench_function(BenchmarkId::new("baseline_sorted_vec_add", actors), |bench| {
        bench.iter_batched_ref(
            || pairs_a.clone(),
            |pairs| {
                for actor in &steps {
                    let at = pairs.binary_search_by(|(k, _)| k.cmp(actor)).unwrap();
                    pairs[at].1 += 1;
                }
                black_box(&*pairs);
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}
