//! Each hasher on 8-, 16-, 32- and 64-byte keys, side by side.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput};
use routekit::hash::{Fnv1a, KeyHasher, Sip13, Xxh3};

fn one<H: KeyHasher>(
    c: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    hasher: &H,
    key: &[u8],
) {
    c.bench_with_input(BenchmarkId::new(name, key.len()), key, |b, key| {
        b.iter(|| hasher.hash64(black_box(key)))
    });
}

pub(crate) fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("hash");
    for len in [8usize, 16, 32, 64] {
        let key: Vec<u8> = (0..len as u8).collect();
        group.throughput(Throughput::Bytes(len as u64));
        one(&mut group, "xxh3", &Xxh3::new(), &key);
        one(&mut group, "fnv1a", &Fnv1a, &key);
        one(&mut group, "sip13", &Sip13::new([7; 16]), &key);
    }
    group.finish();
}
