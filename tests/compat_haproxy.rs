//! HAProxy's hash balancing against a real haproxy.
//!
//! `tests/data/compat/haproxy-*.tsv` were written by haproxy 2.6.12 (see
//! `scripts/compat/gen_haproxy.sh`): for the empty key and the 5000 keys of
//! `keys.txt`, sent as an `X-Key` header to backends with `balance
//! hdr(X-Key)` over `servers/haproxy.servers.tsv`, the server each backend
//! picked — `hash-type consistent` and `map-based` with every hash function,
//! with and without `avalanche`, with two servers `disabled`, and two
//! servers sharing every point in both orders. The empty key is in the
//! files but not compared: HAProxy does not hash an empty header value.

#![cfg(feature = "compat")]

use std::path::PathBuf;

use proptest::prelude::*;
use routekit::route::Router;
use routekit::route::compat::{
    HaproxyBalance, HaproxyHash, HaproxyHashFunction, HaproxyHashType, HaproxyServer,
};

fn text(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/compat").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The header line's columns and the rows, each split on tabs.
fn table(name: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let body = text(name);
    let mut lines = body.lines();
    let header = lines.next().unwrap().split('\t').map(String::from).collect();
    (header, lines.map(|l| l.split('\t').map(String::from).collect()).collect())
}

/// `servers/haproxy.servers.tsv`: name, explicit id or `-`, weight.
fn servers() -> Vec<HaproxyServer<String>> {
    let (_, rows) = table("servers/haproxy.servers.tsv");
    rows.iter()
        .map(|row| {
            let server = HaproxyServer::new(row[0].clone(), row[2].parse().unwrap());
            match row[1].as_str() {
                "-" => server,
                id => server.with_id(id.parse().unwrap()),
            }
        })
        .collect()
}

/// A column name such as `crc32-avalanche` as a `hash-type` line.
fn balance(hash_type: HaproxyHashType, column: &str) -> HaproxyBalance {
    let (function, avalanche) = match column.split_once('-') {
        Some((function, "avalanche")) => (function, true),
        _ => (column, false),
    };
    let function = match function {
        "sdbm" => HaproxyHashFunction::Sdbm,
        "djb2" => HaproxyHashFunction::Djb2,
        "wt6" => HaproxyHashFunction::Wt6,
        "crc32" => HaproxyHashFunction::Crc32,
        other => panic!("unknown hash function {other}"),
    };
    let base = match hash_type {
        HaproxyHashType::Consistent => HaproxyBalance::consistent(),
        _ => HaproxyBalance::map_based(),
    };
    let balance = base.with_function(function);
    if avalanche { balance.with_avalanche() } else { balance }
}

/// The bytes `balance hdr(X-Key)` hashes: the first comma-separated value,
/// without surrounding blanks.
fn header_key(value: &str) -> &str {
    value.split(',').next().unwrap().trim_matches([' ', '\t'])
}

/// Compares every row but the empty key's (HAProxy balances a request with
/// an empty header value round robin), counting mismatches.
fn check(backend: &HaproxyHash<String>, rows: &[Vec<String>], column: usize, label: &str) -> usize {
    let mut checked = 0;
    for row in rows {
        let key = header_key(&row[0]);
        if key.is_empty() {
            continue;
        }
        let got = backend.route(key.as_bytes()).map(String::as_str);
        assert_eq!(got, Some(row[column].as_str()), "{label}: key {:?}", row[0]);
        checked += 1;
    }
    checked
}

#[test]
fn automatic_ids_are_haproxys() {
    let backend = HaproxyHash::with_servers(HaproxyBalance::consistent(), servers()).unwrap();
    let (_, rows) = table("servers/haproxy.ids.tsv");
    let expected: Vec<u32> = rows.iter().map(|row| row[1].parse().unwrap()).collect();
    assert_eq!(backend.ids().collect::<Vec<_>>(), expected);
}

#[test]
fn every_hash_function_matches_haproxy_for_every_key() {
    for (file, hash_type) in [
        ("haproxy-consistent.tsv", HaproxyHashType::Consistent),
        ("haproxy-map-based.tsv", HaproxyHashType::MapBased),
    ] {
        let (header, rows) = table(file);
        assert_eq!(rows.len(), 5001, "{file}");
        for (column, name) in header.iter().enumerate().skip(1) {
            let backend = HaproxyHash::with_servers(balance(hash_type, name), servers()).unwrap();
            assert_eq!(check(&backend, &rows, column, &format!("{file} {name}")), 5000);
        }
    }
}

#[test]
fn disabled_servers_match_route_healthy() {
    let (header, rows) = table("haproxy-down.tsv");
    for (column, name) in header.iter().enumerate().skip(1) {
        // Bare `hash-type consistent` is sdbm with avalanche, bare
        // `map-based` sdbm without.
        let balance = match name.as_str() {
            "consistent" => HaproxyBalance::consistent(),
            _ => HaproxyBalance::map_based(),
        };
        let backend = HaproxyHash::with_servers(balance, servers()).unwrap();
        let up = |server: &String| server != "web-b" && server != "web-f";
        let mut checked = 0;
        for row in rows.iter().filter(|row| !header_key(&row[0]).is_empty()) {
            let got = backend.route_healthy(header_key(&row[0]).as_bytes(), &up);
            assert_eq!(got.map(String::as_str), Some(row[column].as_str()), "{name}: {:?}", row[0]);
            checked += 1;
        }
        assert_eq!(checked, 5000);
    }
}

#[test]
fn servers_sharing_every_point_split_the_keys_as_haproxy_does() {
    let (header, rows) = table("haproxy-ties.tsv");
    assert_eq!(header, ["key", "ab", "ba"]);
    let a = || HaproxyServer::new("tie-a".to_string(), 1).with_id(1);
    let b = || HaproxyServer::new("tie-b".to_string(), 1).with_id(1_048_577);
    for (column, order) in [(1, [a(), b()]), (2, [b(), a()])] {
        let backend = HaproxyHash::with_servers(HaproxyBalance::consistent(), order).unwrap();
        assert_eq!(check(&backend, &rows, column, "ties"), 199);
    }
    // Both servers get keys in both orders (from behind and from ahead).
    for column in [1, 2] {
        assert!(rows.iter().any(|row| row[column] == "tie-a"));
        assert!(rows.iter().any(|row| row[column] == "tie-b"));
    }
}

#[test]
fn header_values_are_cut_at_the_first_comma() {
    // The vectors hold keys with commas; hashing the whole value would
    // place some of them elsewhere.
    let (_, rows) = table("haproxy-consistent.tsv");
    let backend = HaproxyHash::with_servers(HaproxyBalance::consistent(), servers()).unwrap();
    let differs = rows
        .iter()
        .filter(|row| row[0].contains(','))
        .filter(|row| backend.route(row[0].as_bytes()).map(String::as_str) != Some(&row[1]))
        .count();
    assert!(differs > 0);
}

#[test]
fn balance_source_matches_haproxy_for_every_address() {
    let (header, rows) = table("haproxy-source.tsv");
    assert_eq!(rows.len(), 2000);
    for (column, name) in header.iter().enumerate().skip(1) {
        let balance = match name.as_str() {
            "consistent" => HaproxyBalance::consistent(),
            "consistent-sdbm" => balance(HaproxyHashType::Consistent, "sdbm"),
            "map-based" => HaproxyBalance::map_based(),
            _ => balance(HaproxyHashType::MapBased, "sdbm"),
        };
        let backend = HaproxyHash::with_servers(balance, servers()).unwrap();
        for row in &rows {
            let got = backend.route_ip(row[0].parse().unwrap());
            assert_eq!(got.map(String::as_str), Some(row[column].as_str()), "{name}: {}", row[0]);
        }
    }
}

#[test]
fn url_param_hashes_the_raw_value() {
    // `balance url_param key` over `/?key=<key>`, for the 4400 keys that
    // need no escaping: the value's bytes as they are in the query.
    let (header, rows) = table("haproxy-url-param.tsv");
    assert_eq!(rows.len(), 4400);
    for (column, name) in header.iter().enumerate().skip(1) {
        let balance = match name.as_str() {
            "consistent" => HaproxyBalance::consistent(),
            _ => HaproxyBalance::map_based(),
        };
        let backend = HaproxyHash::with_servers(balance, servers()).unwrap();
        for row in &rows {
            let got = backend.route(row[0].as_bytes()).map(String::as_str);
            assert_eq!(got, Some(row[column].as_str()), "{name}: {:?}", row[0]);
        }
    }
}

/// HAProxy's `full_hash`, written out again for the naive model.
fn full_hash(mut a: u32) -> u32 {
    a = a.wrapping_add(0x7ed5_5d16).wrapping_add(a << 12);
    a = (a ^ 0xc761_c23c) ^ (a >> 19);
    a = a.wrapping_add(0x1656_67b1).wrapping_add(a << 5);
    a = a.wrapping_add(0xd3a2_646c) ^ (a << 9);
    a = a.wrapping_add(0xfd70_46c5).wrapping_add(a << 3);
    a = (a ^ 0xb55a_4f09) ^ (a >> 16);
    a.wrapping_mul(3_221_225_473)
}

/// The consistent ring the slow way: every point of every up server, the
/// one at the smallest wrapping distance behind or ahead of `hash`; ahead
/// wins only when strictly nearer; among equal points behind, the last
/// declared; ahead, the first declared.
fn naive_nearest(ids: &[u32], weights: &[u32], up: &[bool], hash: u32) -> Option<usize> {
    let mut behind: Option<(u32, usize)> = None;
    let mut ahead: Option<(u32, usize)> = None;
    for (server, (&id, &weight)) in ids.iter().zip(weights).enumerate() {
        if !up[server] {
            continue;
        }
        for k in 0..weight * 16 {
            let point = full_hash(id.wrapping_mul(4096).wrapping_add(k));
            // A point equal to the hash counts as ahead at distance 0.
            let ahead_by = point.wrapping_sub(hash);
            if ahead.is_none_or(|(d, _)| ahead_by < d) {
                ahead = Some((ahead_by, server));
            }
            let behind_by = hash.wrapping_sub(point);
            if behind_by != 0 && behind.is_none_or(|(d, _)| behind_by <= d) {
                behind = Some((behind_by, server));
            }
        }
    }
    match (behind, ahead) {
        (Some((b, sb)), Some((a, sa))) => Some(if b <= a { sb } else { sa }),
        (_, Some((_, s))) | (Some((_, s)), None) => Some(s),
        (None, None) => None,
    }
}

fn config() -> ProptestConfig {
    // PROPTEST_CASES overrides this default.
    ProptestConfig { cases: 64, ..ProptestConfig::default() }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn random_backends_match_the_naive_ring(
        servers in prop::collection::vec((0u32..6, prop::option::of(1u32..40), any::<bool>()), 1..7),
        keys in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..12), 1..24),
    ) {
        let mut seen = Vec::new();
        let lines: Vec<HaproxyServer<String>> = servers
            .iter()
            .enumerate()
            .map(|(i, &(weight, id, _))| {
                let server = HaproxyServer::new(format!("s{i}"), weight);
                match id {
                    Some(id) if !seen.contains(&id) => {
                        seen.push(id);
                        server.with_id(id)
                    }
                    _ => server,
                }
            })
            .collect();
        let up: Vec<bool> = servers.iter().map(|&(_, _, down)| !down).collect();
        let backend = HaproxyHash::with_servers(HaproxyBalance::consistent(), lines).unwrap();
        let ids: Vec<u32> = backend.ids().collect();
        let weights: Vec<u32> = servers.iter().map(|&(w, _, _)| w).collect();
        let all = vec![true; servers.len()];
        let position = |name: &String| name[1..].parse::<usize>().unwrap();
        for key in &keys {
            let hash = backend.balance().key_hash(key);
            prop_assert_eq!(backend.route(key).map(position), naive_nearest(&ids, &weights, &all, hash));
            let healthy = backend.route_healthy(key, &|name| up[position(name)]);
            prop_assert_eq!(healthy.map(position), naive_nearest(&ids, &weights, &up, hash));
        }
    }
}

/// Under `consistent`, a server's points come from its id: with explicit
/// ids, removing one server moves only its keys; with automatic ids the
/// servers after it are renumbered and most keys move (the trap the type's
/// docs warn about).
#[test]
fn explicit_ids_keep_keys_put_when_a_server_leaves() {
    use routekit::route::Membership;
    let names: Vec<String> = (0..20).map(|i| format!("web-{i}")).collect();
    let keys: Vec<Vec<u8>> = (0..5000).map(|i| format!("session-{i}").into_bytes()).collect();
    let moved = |explicit: bool| {
        let servers = names.iter().enumerate().map(|(i, name)| {
            let server = HaproxyServer::new(name.clone(), 1);
            if explicit { server.with_id(i as u32 + 1) } else { server }
        });
        let before = HaproxyHash::with_servers(HaproxyBalance::consistent(), servers).unwrap();
        let mut after = before.clone();
        after.remove("web-0").unwrap();
        let mut moved = 0;
        for key in &keys {
            let (old, new) = (before.route(key).unwrap(), after.route(key).unwrap());
            if old != new {
                moved += 1;
                if explicit {
                    assert_eq!(old, "web-0", "only the leaving server's keys move");
                }
            }
        }
        moved
    };
    let (with_ids, without) = (moved(true), moved(false));
    assert!(with_ids > 0 && with_ids < keys.len() / 10, "{with_ids} of {} moved", keys.len());
    assert!(without > keys.len() / 2, "renumbering moved only {without} of {}", keys.len());
}
