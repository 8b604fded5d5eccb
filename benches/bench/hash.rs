//! Each hasher on 8-, 16-, 32- and 64-byte keys, side by side, and `Sip13`
//! against the `siphasher` crate called directly (a hasher keyed once, then
//! `hash` per key) in the same run: the floor a wrapper can reach.

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
    let secret = [7; 16];
    let (k0, k1) = (u64::from_le_bytes([7; 8]), u64::from_le_bytes([7; 8]));
    let direct = siphasher::sip::SipHasher13::new_with_keys(k0, k1);
    for len in [8usize, 16, 32, 64] {
        let key: Vec<u8> = (0..len as u8).collect();
        group.throughput(Throughput::Bytes(len as u64));
        one(&mut group, "xxh3", &Xxh3::new(), &key);
        one(&mut group, "fnv1a", &Fnv1a, &key);
        one(&mut group, "sip13", &Sip13::new(secret), &key);
        group.bench_with_input(BenchmarkId::new("siphasher_sip13_direct", len), &key, |b, key| {
            b.iter(|| direct.hash(black_box(key)))
        });
    }
    group.finish();
}
