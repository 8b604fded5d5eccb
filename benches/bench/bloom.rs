//! Bloom filters at 1,000,000 keys and 10 bits per key, against a `HashSet`.
//!
//! Per operation: insert (re-inserting the stored keys in turn, which costs a
//! filter the same as a new key), contains of a present key, contains of an
//! absent key. Keys are seeded `u64`s hashed as their 8 little-endian bytes.
//! `standard_bitvec_index` does the standard filter's lookup through a
//! `bitvec::BitVec`'s indexing instead of the raw words the filter uses, to
//! show what working on the words buys.
//!
//! `bloom_atomic_threads` inserts into one `AtomicBloomFilter` from 1, 2, 4
//! and 8 threads at once and reports the total throughput per thread count
//! (the 1-thread figure is the baseline). These machines have 2 cores, so
//! the ideal is twice the 1-thread throughput at 2 threads and no more
//! beyond; the bench prints the cores it sees.

use std::collections::HashSet;
use std::hint::black_box;
use std::sync::Barrier;
use std::time::{Duration, Instant};

use bitvec::prelude::{BitVec, Lsb0};
use criterion::{Bencher, BenchmarkId, Criterion, Throughput};
use routekit::bloom::{AtomicBloomFilter, BlockedBloomFilter, BloomFilter, Filter};
use routekit::hash::{KeyHasher, Xxh3};

use crate::inputs::seeded;

const KEYS: usize = 1_000_000;
const BITS: u64 = 10 * KEYS as u64;

/// Times `f` on the keys in turn, one key per iteration.
fn cycle<T>(b: &mut Bencher<'_>, keys: &[u64], mut f: impl FnMut(&[u8; 8]) -> T) {
    let mut at = 0;
    b.iter(|| {
        at += 1;
        if at == keys.len() {
            at = 0;
        }
        f(&keys[at].to_le_bytes())
    })
}

pub(crate) fn bench(c: &mut Criterion) {
    let present: Vec<u64> = seeded(11).take(KEYS).collect();
    let absent: Vec<u64> = seeded(12).take(KEYS).collect();

    let mut standard = BloomFilter::with_bits(BITS, 7, Xxh3::new()).unwrap();
    let mut blocked = BlockedBloomFilter::with_bits(BITS, 8, Xxh3::new()).unwrap();
    let mut set = HashSet::with_capacity(KEYS);
    for key in &present {
        standard.insert(&key.to_le_bytes());
        blocked.insert(&key.to_le_bytes());
        set.insert(*key);
    }
    let bitvec = BitVecFilter { bits: standard.as_bitslice().to_bitvec(), hashes: 7 };
    for key in absent.iter().take(10_000) {
        assert_eq!(bitvec.contains(&key.to_le_bytes()), standard.contains(&key.to_le_bytes()));
    }

    let mut group = c.benchmark_group("bloom");
    let size = "1M_10bpk";
    group.bench_function(BenchmarkId::new("insert/standard", size), |b| {
        cycle(b, &present, |k| standard.insert(black_box(k)))
    });
    group.bench_function(BenchmarkId::new("insert/blocked", size), |b| {
        cycle(b, &present, |k| blocked.insert(black_box(k)))
    });
    group.bench_function(BenchmarkId::new("insert/hashset", size), |b| {
        cycle(b, &present, |k| set.insert(u64::from_le_bytes(*black_box(k))))
    });
    for (label, keys) in [("present", &present), ("absent", &absent)] {
        group.bench_function(BenchmarkId::new(format!("contains_{label}/standard"), size), |b| {
            cycle(b, keys, |k| standard.contains(black_box(k)))
        });
        group.bench_function(
            BenchmarkId::new(format!("contains_{label}/standard_bitvec_index"), size),
            |b| cycle(b, keys, |k| bitvec.contains(black_box(k))),
        );
        group.bench_function(BenchmarkId::new(format!("contains_{label}/blocked"), size), |b| {
            cycle(b, keys, |k| blocked.contains(black_box(k)))
        });
        group.bench_function(BenchmarkId::new(format!("contains_{label}/hashset"), size), |b| {
            cycle(b, keys, |k| set.contains(&u64::from_le_bytes(*black_box(k))))
        });
    }
    group.finish();
    bench_atomic_threads(c);
}

/// Inserts from 1, 2, 4 and 8 threads into one atomic filter, each thread
/// on keys of its own that the filter has not seen (a fresh filter of 10
/// bits per key for each sample, made outside the timing), so nearly every
/// insert sets a new bit and counts itself: the path where threads could
/// meet on shared state. Throughput is the total inserts per second.
fn bench_atomic_threads(c: &mut Criterion) {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    eprintln!("bloom_atomic_threads: {cores} cores available to this process");
    let mut group = c.benchmark_group("bloom_atomic_threads");
    group.throughput(Throughput::Elements(1));
    for threads in [1usize, 2, 4, 8] {
        let label = format!("{threads}_threads_on_{cores}_cores");
        group.bench_function(BenchmarkId::new("insert", label), |b| {
            b.iter_custom(|iters| {
                let filter =
                    AtomicBloomFilter::with_bits(10 * iters.max(1000), 7, Xxh3::new()).unwrap();
                inserts_from(&filter, threads, iters)
            })
        });
    }
    group.finish();
}

/// The wall time of `iters` inserts of new keys shared out over `threads`
/// threads that start together.
fn inserts_from(filter: &AtomicBloomFilter, threads: usize, iters: u64) -> Duration {
    let per_thread = iters.div_ceil(threads as u64);
    let start = Barrier::new(threads + 1);
    std::thread::scope(|s| {
        for t in 0..threads as u64 {
            let start = &start;
            s.spawn(move || {
                start.wait();
                for i in 0..per_thread {
                    filter.insert(black_box(&(t << 48 | i).to_le_bytes()));
                }
            });
        }
        start.wait();
        // Leaving the scope joins every thread.
        Instant::now()
    })
    .elapsed()
}
/// The standard filter's lookup done through `bitvec`'s bit indexing.
struct BitVecFilter {
    bits: BitVec<u64, Lsb0>,
    hashes: u32,
}

impl BitVecFilter {
    fn contains(&self, key: &[u8]) -> bool {
        let hash = Xxh3::new().hash128(key);
        let (mut at, step) = (hash as u64, (hash >> 64) as u64 | 1);
        let m = self.bits.len() as u64;
        (0..self.hashes).all(|_| {
            let position = ((u128::from(at) * u128::from(m)) >> 64) as usize;
            at = at.wrapping_add(step);
            self.bits[position]
        })
    }
}
