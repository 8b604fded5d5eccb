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
