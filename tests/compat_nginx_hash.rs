//! nginx's plain `hash $key;` and `ip_hash;` against a real nginx.
//!
//! `tests/data/compat/nginx-pick-*.tsv` were written by nginx 1.22.1 running
//! `servers/nginx-pick.conf` (see `scripts/compat/gen_nginx_pick.sh`): the
//! server it picked for each of 5000 keys and 4816 client addresses, with
//! every server up and with two servers marked `down`; `nginx-hash.tsv` is
//! the plain-hash upstream of the consistent-hash vectors' configuration.
//! A property test then compares random upstreams with a naive model of the
//! two modules.

#![cfg(feature = "compat")]

use std::net::IpAddr;
use std::path::PathBuf;

use proptest::prelude::*;
use routekit::route::compat::{NginxHash, NginxMethod};
use routekit::route::{Membership, Router, Weighted};

fn text(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/compat").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// `(server, weight, down)` for each `server` line of an upstream block.
fn upstream(file: &str, name: &str) -> Vec<(String, u32, bool)> {
    let conf = text(&format!("servers/{file}"));
    let block = conf.split(&format!("upstream {name} {{")).nth(1).unwrap();
    let block = &block[..block.find('}').unwrap()];
    block
        .lines()
        .filter_map(|line| line.trim().strip_prefix("server "))
        .map(|args| {
            let args: Vec<&str> = args.trim_end_matches(';').split_whitespace().collect();
            let weight = args
                .iter()
                .find_map(|a| a.strip_prefix("weight="))
                .map_or(1, |w| w.parse().unwrap());
            (args[0].to_string(), weight, args.contains(&"down"))
        })
        .collect()
}

fn build(method: NginxMethod, servers: &[(String, u32, bool)]) -> NginxHash<String> {
    NginxHash::with_servers(method, servers.iter().map(|(s, w, _)| (s.clone(), *w))).unwrap()
}

/// Rows of a two-column vector file, header dropped.
fn rows(name: &str) -> Vec<(String, String)> {
    let body = text(name);
    let mut lines = body.lines();
    lines.next().unwrap();
    lines.map(|l| l.split_once('\t').unwrap()).map(|(a, b)| (a.into(), b.into())).collect()
}

#[test]
fn plain_hash_matches_nginx_for_every_key() {
    for (file, conf, name, vectors) in [
        ("nginx-pick-hash.tsv", "nginx-pick.conf", "hash_up", 5000),
        ("nginx-pick-hash-down.tsv", "nginx-pick.conf", "hash_down", 5000),
        ("nginx-hash.tsv", "nginx-hash.conf", "plainhash", 5000),
    ] {
        let servers = upstream(conf, name);
        let down: Vec<&String> = servers.iter().filter(|s| s.2).map(|s| &s.0).collect();
        let upstream = build(NginxMethod::Hash, &servers);
        let rows = rows(file);
        assert_eq!(rows.len(), vectors, "{file}");
        let mut moved = 0;
        for (key, expected) in &rows {
            let healthy = |node: &String| !down.contains(&node);
            let ours = upstream.route_healthy(key.as_bytes(), &healthy);
            assert_eq!(ours, Some(expected), "{file}: key {key:?}");
            moved += usize::from(upstream.route(key.as_bytes()) != Some(expected));
        }
        // The down servers' keys, and only those, went elsewhere.
        assert_eq!(moved > 0, !down.is_empty(), "{file}");
    }
}

#[test]
fn ip_hash_matches_nginx_for_every_address() {
    for (file, name) in [("nginx-pick-ip.tsv", "ip_up"), ("nginx-pick-ip-down.tsv", "ip_down")] {
        let servers = upstream("nginx-pick.conf", name);
        let down: Vec<&String> = servers.iter().filter(|s| s.2).map(|s| &s.0).collect();
        let upstream = build(NginxMethod::IpHash, &servers);
        let rows = rows(file);
        assert_eq!(rows.len(), 4816, "{file}");
        let (mut v4, mut v6, mut bound) = (0, 0, 0);
        for (address, expected) in &rows {
            // "bind:" addresses were the connection's own source address.
            let (text, was_bound) = match address.strip_prefix("bind:") {
                Some(rest) => (rest, true),
                None => (address.as_str(), false),
            };
            let ip: IpAddr = text.parse().unwrap();
            let bytes = match ip {
                IpAddr::V4(v4) => v4.octets().to_vec(),
                IpAddr::V6(v6) => v6.octets().to_vec(),
            };
            let healthy = |node: &String| !down.contains(&node);
            assert_eq!(
                upstream.route_healthy(&bytes, &healthy),
                Some(expected),
                "{file}: {address}"
            );
            if down.is_empty() {
                assert_eq!(upstream.route_ip(ip), Some(expected), "{file}: {address}");
            }
            match (was_bound, ip) {
                (true, _) => bound += 1,
                (false, IpAddr::V4(_)) => v4 += 1,
                (false, IpAddr::V6(_)) => v6 += 1,
            }
        }
        assert_eq!((v4, v6, bound), (3008, 1508, 300), "{file}");
    }
}

#[test]
fn ip_hash_uses_three_octets_of_ipv4_and_all_of_ipv6() {
    let servers = upstream("nginx-pick.conf", "ip_up");
    let upstream = build(NginxMethod::IpHash, &servers);
    let vectors = rows("nginx-pick-ip.tsv");
    let answer = |a: &str| vectors.iter().find(|(x, _)| x == a).map(|(_, s)| s).unwrap();
    // nginx itself gave these pairs the same server.
    assert_eq!(answer("10.1.2.3"), answer("10.1.2.254"));
    assert_eq!(answer("192.168.0.1"), answer("192.168.0.2"));
    // ::ffff:10.1.2.3 is hashed as 16 bytes, not as 10.1.2.3.
    let mapped: IpAddr = "::ffff:10.1.2.3".parse().unwrap();
    assert_eq!(upstream.route_ip(mapped), Some(answer("::ffff:10.1.2.3")));
    let all_16 = upstream.route(&"::ffff:10.1.2.3".parse::<std::net::Ipv6Addr>().unwrap().octets());
    assert_eq!(all_16, upstream.route_ip(mapped));
}

// ------------------------------------------------------ the naive model

/// CRC-32 (IEEE, reflected), bit by bit.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// The 21 picks as the C code makes them: a linear walk over the weights.
fn naive_chain(method: NginxMethod, weights: &[u32], key: &[u8]) -> Vec<usize> {
    let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
    let address: Vec<u8> = match key.len() {
        4 => key[..3].to_vec(),
        16 => key.to_vec(),
        _ => vec![0, 0, 0],
    };
    let mut hash: u64 = if method == NginxMethod::Hash { 0 } else { 89 };
    let mut out = Vec::new();
    for rehash in 0..21u32 {
        if method == NginxMethod::Hash {
            let prefix = if rehash == 0 { String::new() } else { rehash.to_string() };
            let crc = crc32(&[prefix.as_bytes(), key].concat());
            hash += u64::from((crc >> 16) & 0x7fff);
        } else {
            for &b in &address {
                hash = (hash * 113 + u64::from(b)) % 6271;
            }
        }
        let mut w = hash % total;
        let mut p = 0;
        while w >= u64::from(weights[p]) {
            w -= u64::from(weights[p]);
            p += 1;
        }
        out.push(p);
    }
    out
}

fn config() -> ProptestConfig {
    // PROPTEST_CASES overrides this default.
    ProptestConfig { cases: 64, ..ProptestConfig::default() }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn random_upstreams_match_the_naive_model(
        ip in any::<bool>(),
        weights in prop::collection::vec(1u32..12, 1..9),
        keys in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..20), 1..32),
        down in any::<u16>(),
    ) {
        let method = if ip { NginxMethod::IpHash } else { NginxMethod::Hash };
        let names: Vec<String> = (0..weights.len()).map(|i| format!("10.0.0.{i}:80")).collect();
        let upstream = NginxHash::with_servers(
            method,
            names.iter().cloned().zip(weights.iter().copied()),
        ).unwrap();
        let healthy = |node: &String| {
            let i = names.iter().position(|n| n == node).unwrap();
            down >> i & 1 == 0
        };
        for key in &keys {
            let chain = naive_chain(method, &weights, key);
            let mut list: Vec<usize> = Vec::new();
            for &p in chain.iter().chain(&(0..weights.len()).collect::<Vec<_>>()) {
                if !list.contains(&p) {
                    list.push(p);
                }
            }
            let expected: Vec<&String> = list.iter().map(|&p| &names[p]).collect();
            prop_assert_eq!(upstream.route_n(key, names.len()), expected.clone());
            prop_assert_eq!(upstream.route(key), Some(&names[chain[0]]));
            let first_healthy = chain.iter().chain(&(0..weights.len()).collect::<Vec<_>>())
                .map(|&p| &names[p]).find(|n| healthy(n));
            prop_assert_eq!(upstream.route_healthy(key, &healthy), first_healthy);
        }
    }

    /// Only a change of the weights or the servers moves keys; the same
    /// servers added in one go or one by one place every key alike.
    #[test]
    fn the_order_of_calls_does_not_matter(weights in prop::collection::vec(1u32..12, 1..9)) {
        let names: Vec<String> = (0..weights.len()).map(|i| format!("h{i}")).collect();
        let pairs = names.iter().cloned().zip(weights.iter().copied());
        let whole = NginxHash::with_servers(NginxMethod::Hash, pairs.clone()).unwrap();
        let mut stepwise = NginxHash::new(NginxMethod::Hash);
        for (name, weight) in pairs {
            stepwise.insert_weighted(name, weight).unwrap();
        }
        stepwise.insert("extra".to_string()).unwrap();
        stepwise.remove("extra").unwrap();
        for key in [&b"a"[..], b"bb", b"key-9"] {
            prop_assert_eq!(whole.route(key), stepwise.route(key));
        }
    }
}
