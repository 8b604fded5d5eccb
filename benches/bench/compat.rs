//! Compatibility profiles (feature `compat`): a lookup in each profile
//! against the same-run floor of a `HashRing` with Xxh3 over as many points,
//! and each profile's key hash alone, so the ratio shows what the deployed
//! system's hash (MD5, CRC-32 or sdbm) costs and what the search adds.
//!
//! `compat_build` times building a ring in the nginx profile at 10 to
//! 1,000 servers.
//!
//! `cargo bench --features compat -- compat`; without the feature the group
//! is empty.

#[cfg(feature = "compat")]
pub(crate) fn bench(c: &mut criterion::Criterion) {
    use std::hint::black_box;

    use criterion::BenchmarkId;
    use routekit::route::compat::{
        CompatRing, HaproxyBalance, HaproxyHash, NginxHash, NginxMethod, Profile,
    };
    use routekit::route::{HashRing, Membership, Router};

    use crate::inputs::{node_names, session_keys};

    let keys = session_keys(1 << 14, 7);
    // One key per iteration, round the same keys for every contender.
    let mut next_key = keys.iter().map(Vec::as_slice).cycle();
    let mut key = move || next_key.next().expect("cycles forever");
    let mut group = c.benchmark_group("compat");
    for nodes in [10usize, 100] {
        let names = node_names(nodes);
        let mut floor = HashRing::new();
        floor.extend(names.iter().map(String::as_str)).unwrap();
        group.bench_function(BenchmarkId::new("floor_hashring_xxh3", nodes), |b| {
            b.iter(|| black_box(floor.route(key())))
        });
        for (label, profile) in [
            ("libketama", Profile::Libketama),
            ("libmemcached", Profile::Libmemcached),
            ("twemproxy", Profile::Twemproxy),
            ("nginx", Profile::NginxConsistent),
            ("libmemcached_unweighted", Profile::LibmemcachedUnweighted),
            ("groupcache_50", Profile::Groupcache { replicas: 50 }),
        ] {
            let servers = names.iter().map(|name| (name.as_str(), 1));
            // 160 points per server, as in the floor, except libmemcached
            // and twemproxy at 100 servers: their f32 rounding gives each of
            // 100 equal servers 39 digests, 156 points; and unweighted
            // libmemcached's 100 and groupcache's HTTPPool default of 50.
            let ring = CompatRing::with_servers(profile, servers).unwrap();
            group.bench_function(BenchmarkId::new(label, nodes), |b| {
                b.iter(|| black_box(ring.route(key())))
            });
            if nodes == 10 && matches!(profile, Profile::Libmemcached | Profile::NginxConsistent) {
                let hash_only = if profile == Profile::NginxConsistent { "crc32" } else { "md5" };
                group.bench_function(
                    BenchmarkId::new(format!("{hash_only}_key_hash_only"), 0),
                    |b| b.iter(|| black_box(ring.key_hash(key()))),
                );
            }
        }
        // nginx's plain hash and ip_hash: one hash, then a binary search
        // over the running weights. ip_hash keys are 4-byte addresses.
        for (label, method) in
            [("nginx_plain_hash", NginxMethod::Hash), ("nginx_ip_hash", NginxMethod::IpHash)]
        {
            let mut upstream = NginxHash::new(method);
            upstream.extend(names.iter().map(String::as_str)).unwrap();
            // Spread over the space: the index times a large odd number.
            let addresses: Vec<[u8; 4]> =
                (0..keys.len() as u32).map(|i| i.wrapping_mul(0x9e37_79b9).to_be_bytes()).collect();
            let mut next_address = addresses.iter().cycle();
            group.bench_function(BenchmarkId::new(label, nodes), |b| {
                b.iter(|| match method {
                    NginxMethod::IpHash => {
                        black_box(upstream.route(next_address.next().expect("cycles")))
                    }
                    _ => black_box(upstream.route(key())),
                })
            });
        }
        // HAProxy: sdbm (then avalanche, the bare `consistent` default) and
        // the nearest of two points (16 per server of weight 1), or one
        // slot of the map.
        for (label, balance) in [
            ("haproxy_consistent", HaproxyBalance::consistent()),
            ("haproxy_map_based", HaproxyBalance::map_based()),
        ] {
            let mut backend = HaproxyHash::new(balance);
            backend.extend(names.iter().map(String::as_str)).unwrap();
            group.bench_function(BenchmarkId::new(label, nodes), |b| {
                b.iter(|| black_box(backend.route(key())))
            });
        }
    }
    group.finish();
    build(c);
}

/// Building a ring from scratch in the nginx profile (160 CRC-32 points a
/// server, sorted, repeats dropped, indexed) at 10, 100 and 1,000 servers:
/// what a reload of the upstream block costs. Addresses as an upstream
/// block writes them, `10.a.b.c:8080`.
#[cfg(feature = "compat")]
fn build(c: &mut criterion::Criterion) {
    use std::hint::black_box;

    use criterion::BenchmarkId;
    use routekit::route::compat::{CompatRing, Profile};

    let mut group = c.benchmark_group("compat_build");
    for servers in [10usize, 100, 1000] {
        let names: Vec<String> = (0..servers)
            .map(|i| format!("10.{}.{}.{}:8080", i / 65536, (i / 256) % 256, i % 256))
            .collect();
        group.bench_function(BenchmarkId::new("nginx", servers), |b| {
            b.iter(|| {
                let servers = names.iter().map(|name| (name.as_str(), 1));
                black_box(CompatRing::with_servers(Profile::NginxConsistent, servers).unwrap())
            })
        });
    }
    group.finish();
}

#[cfg(not(feature = "compat"))]
pub(crate) fn bench(_: &mut criterion::Criterion) {}
