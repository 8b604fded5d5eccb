//! The compatibility profiles against the real deployed software.
//!
//! Every vector in `tests/data/compat/` was written by the real libketama,
//! libmemcached, twemproxy or nginx (see its `VERSIONS.md`); these tests
//! build the same server lists from the same configuration files and compare
//! every key, every key hash and chosen point the software printed, every
//! continuum it dumped, the owners of shared points, and golden first points.
//! A property test then checks random configurations against a naive model
//! written from `tests/data/compat/NOTES.md`.

#![cfg(feature = "compat")]

use std::collections::BTreeMap;
use std::path::PathBuf;

use proptest::prelude::*;
use routekit::route::compat::{CompatRing, Profile, Server};
use routekit::route::{Membership, RouteError, Router, Weighted};

// ------------------------------------------------------------------ files

fn data_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/compat").join(name)
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(data_path(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn text(name: &str) -> String {
    String::from_utf8(read(name)).unwrap()
}

/// A tab-separated file: its header and rows of byte fields (keys are
/// UTF-8, but compared as the bytes the software hashed).
struct Tsv {
    columns: Vec<String>,
    rows: Vec<Vec<Vec<u8>>>,
}

impl Tsv {
    fn read(name: &str) -> Tsv {
        let bytes = read(name);
        let mut lines = bytes.strip_suffix(b"\n").expect("final newline").split(|&b| b == b'\n');
        let header = std::str::from_utf8(lines.next().unwrap()).unwrap();
        let columns: Vec<String> = header.split('\t').map(String::from).collect();
        let rows: Vec<Vec<Vec<u8>>> =
            lines.map(|line| line.split(|&b| b == b'\t').map(<[u8]>::to_vec).collect()).collect();
        assert!(rows.iter().all(|row| row.len() == columns.len()), "{name}: ragged rows");
        Tsv { columns, rows }
    }

    fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }
}

fn utf8(field: &[u8]) -> &str {
    std::str::from_utf8(field).unwrap()
}

fn number(field: &[u8]) -> u32 {
    utf8(field).parse().unwrap()
}

// ------------------------------------------------- the servers, as configured

/// libketama's server file: `address<TAB>weight` per line.
fn libketama_servers(file: &str) -> Vec<Server<String>> {
    text(&format!("servers/{file}"))
        .lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .map(|line| {
            let (address, weight) = line.split_once('\t').unwrap();
            Server::new(address.to_string(), weight.parse().unwrap())
        })
        .collect()
}

/// The driver's list for libmemcached: `host<TAB>port<TAB>weight`.
fn libmemcached_servers(file: &str) -> Vec<Server<String>> {
    let tsv = Tsv::read(&format!("servers/{file}"));
    tsv.rows
        .iter()
        .map(|row| Server::new(format!("{}:{}", utf8(&row[0]), utf8(&row[1])), number(&row[2])))
        .collect()
}

/// The `servers:` entries of a twemproxy pool: `- host:port:weight [name]`.
fn twemproxy_servers(file: &str) -> Vec<Server<String>> {
    text(&format!("servers/{file}"))
        .lines()
        .filter_map(|line| line.trim_start().strip_prefix("- "))
        .map(|entry| {
            let (address, name) = match entry.split_once(' ') {
                Some((address, name)) => (address, Some(name)),
                None => (entry, None),
            };
            let (host_port, weight) = address.rsplit_once(':').unwrap();
            let server = Server::new(host_port.to_string(), weight.parse().unwrap());
            match name {
                Some(name) => server.with_name(name),
                None => server,
            }
        })
        .collect()
}

/// The unweighted driver's list: weight 0 (added by `memcached_server_add`)
/// and 1 mean the same there, and routekit writes both as 1.
fn unweighted_servers() -> Vec<Server<String>> {
    let servers = libmemcached_servers("libmemcached-unweighted-loop6.servers.tsv");
    assert!(servers.iter().any(|s| s.weight() == 0) && servers.iter().all(|s| s.weight() <= 1));
    servers.into_iter().map(|s| Server::new(s.node().clone(), 1)).collect()
}

/// The `server` lines of one upstream block of the nginx configuration.
fn nginx_servers(file: &str, upstream: &str) -> Vec<Server<String>> {
    let conf = text(&format!("servers/{file}"));
    let block = conf.split(&format!("upstream {upstream} {{")).nth(1).unwrap();
    let block = &block[..block.find('}').unwrap()];
    block
        .lines()
        .filter_map(|line| line.trim().strip_prefix("server "))
        .map(|args| {
            let mut args = args.trim_end_matches(';').split_whitespace();
            let address = args.next().unwrap().to_string();
            let weight =
                args.find_map(|a| a.strip_prefix("weight=")).map_or(1, |w| w.parse().unwrap());
            Server::new(address, weight)
        })
        .collect()
}

/// Every vector set: its name (the files' prefix) and the ring built from
/// the configuration the real software was given.
fn vector_sets() -> Vec<(&'static str, CompatRing<String>)> {
    let ring = |profile, servers| CompatRing::with_servers(profile, servers).unwrap();
    vec![
        ("libketama-lan5", ring(Profile::Libketama, libketama_servers("libketama-lan5.servers"))),
        (
            "libketama-upstream8",
            ring(Profile::Libketama, libketama_servers("libketama-upstream8.servers")),
        ),
        (
            "libmemcached-lan5",
            ring(Profile::Libmemcached, libmemcached_servers("libmemcached-lan5.servers.tsv")),
        ),
        (
            "libmemcached-loop6",
            ring(Profile::Libmemcached, libmemcached_servers("libmemcached-loop6.servers.tsv")),
        ),
        ("twemproxy-loop6", ring(Profile::Twemproxy, twemproxy_servers("twemproxy-loop6.yml"))),
        (
            "twemproxy-loop6-named",
            ring(Profile::Twemproxy, twemproxy_servers("twemproxy-loop6-named.yml")),
        ),
        ("nginx-chash", ring(Profile::NginxConsistent, nginx_servers("nginx-hash.conf", "chash"))),
        (
            "libmemcached-unweighted-loop6",
            ring(Profile::LibmemcachedUnweighted, unweighted_servers()),
        ),
    ]
}

/// The point a plain binary search over a continuum picks for a 32-bit
/// hash: the first point at or after it, else the first point.
fn successor<'c>(continuum: &[(u32, &'c String)], hash: u32) -> (u32, &'c String) {
    let at = continuum.partition_point(|&(point, _)| point < hash);
    continuum.get(at).copied().unwrap_or(continuum[0])
}

// ------------------------------------------------------------ the vectors

#[test]
fn every_key_of_every_vector_matches_the_real_software() {
    let all_keys = read("keys.txt");
    let keys: Vec<&[u8]> = all_keys.strip_suffix(b"\n").unwrap().split(|&b| b == b'\n').collect();
    assert_eq!(keys.len(), 5000);
    let mut compared = 0;
    for (set, ring) in vector_sets() {
        let continuum: Vec<(u32, &String)> = ring.continuum().collect();
        let edges = Tsv::read(&format!("edges/{set}.keys.tsv"));
        let edge_keys: Vec<&[u8]> = edges.rows.iter().map(|row| row[0].as_slice()).collect();
        assert_eq!(edge_keys.len(), 10, "{set}");
        for (file, expected_keys) in
            [(format!("{set}.tsv"), &keys), (format!("{set}.edges.tsv"), &edge_keys)]
        {
            let tsv = Tsv::read(&file);
            let server = tsv.column("server").unwrap();
            let key_hash = tsv.column("key_hash");
            let point = tsv.column("point");
            let listed: Vec<&[u8]> = tsv.rows.iter().map(|row| row[0].as_slice()).collect();
            assert_eq!(listed, *expected_keys, "{file}: key column");
            for row in &tsv.rows {
                let (key, expected) = (&row[0], utf8(&row[server]));
                let context = || format!("{file}: key {:?}", String::from_utf8_lossy(key));
                assert_eq!(ring.route(key).map(String::as_str), Some(expected), "{}", context());
                let hash = ring.key_hash(key);
                if let Some(column) = key_hash {
                    assert_eq!(hash, number(&row[column]), "{}: key hash", context());
                }
                let (chosen, owner) = successor(&continuum, hash);
                assert_eq!(owner, expected, "{}: successor in the continuum", context());
                if let Some(column) = point {
                    assert_eq!(chosen, number(&row[column]), "{}: chosen point", context());
                }
                compared += 1;
            }
        }
    }
    assert_eq!(compared, 8 * 5010);
}

#[test]
fn edge_keys_sit_on_points_and_past_both_ends_of_each_ring() {
    for (set, ring) in vector_sets() {
        let points: Vec<u32> = ring.continuum().map(|(point, _)| point).collect();
        let (first, last) = (points[0], points[points.len() - 1]);
        let mut kinds = BTreeMap::new();
        for row in Tsv::read(&format!("edges/{set}.keys.tsv")).rows {
            let (hash, kind) = (ring.key_hash(&row[0]), utf8(&row[1]).to_string());
            let holds = match kind.as_str() {
                "on_point" => points.binary_search(&hash).is_ok(),
                "before_first" => hash < first,
                "after_last" => hash > last,
                other => panic!("{set}: unknown kind {other}"),
            };
            assert!(holds, "{set}: {:?} is not {kind}", String::from_utf8_lossy(&row[0]));
            *kinds.entry(kind).or_insert(0) += 1;
        }
        let expected = BTreeMap::from([
            ("after_last".to_string(), 3),
            ("before_first".to_string(), 3),
            ("on_point".to_string(), 4),
        ]);
        assert_eq!(kinds, expected, "{set}");
    }
}

#[test]
fn continuum_dumps_match_point_for_point() {
    let sets = vector_sets();
    for set in [
        "libketama-lan5",
        "libketama-upstream8",
        "libmemcached-lan5",
        "libmemcached-loop6",
        "libmemcached-unweighted-loop6",
    ] {
        let ring = &sets.iter().find(|(name, _)| *name == set).unwrap().1;
        let tsv = Tsv::read(&format!("{set}.continuum.tsv"));
        let (point, server) = (tsv.column("point").unwrap(), tsv.column("server").unwrap());
        let dump: Vec<(u32, &str)> =
            tsv.rows.iter().map(|row| (number(&row[point]), utf8(&row[server]))).collect();
        let ours: Vec<(u32, &str)> = ring.continuum().map(|(p, s)| (p, s.as_str())).collect();
        assert_eq!(ours.len(), dump.len(), "{set}");
        assert!(ours == dump, "{set}: continuum differs");
    }
}

#[test]
fn point_counts_follow_each_library_rounding() {
    let sets = vector_sets();
    let counts = |set: &str| -> Vec<u32> {
        let ring = &sets.iter().find(|(name, _)| *name == set).unwrap().1;
        ring.servers().map(|server| server.points()).collect()
    };
    // Weights 100, 200, 300, 936, 64 of 1600: libketama rounds 936 down to
    // 116 digests (exact: 117), libmemcached 64 down to 7 (exact: 8).
    assert_eq!(counts("libketama-lan5"), [48, 100, 148, 464, 32]);
    assert_eq!(counts("libmemcached-lan5"), [48, 100, 148, 468, 28]);
    // Weights 1, 2, 3, 5, 20, 29 of 60: 29 gets 115 digests (exact: 116).
    assert_eq!(counts("libmemcached-loop6"), [16, 32, 48, 80, 320, 460]);
    // twemproxy holds the same servers in name order, length first:
    // 127.0.0.1, 127.0.0.2, 127.0.0.1:21212, 127.0.0.1:21214, 127.0.0.3:21213, ...
    assert_eq!(counts("twemproxy-loop6"), [16, 32, 48, 320, 80, 460]);
    assert_eq!(counts("nginx-chash"), [160, 480, 160, 320, 800]);
    assert_eq!(counts("libmemcached-unweighted-loop6"), [100; 6]);
}

#[test]
fn unweighted_libmemcached_is_a_trap_the_profile_refuses() {
    // The real library: 600 points for six unweighted servers, and 1120
    // once a seventh is added with weight 2 (weighting is back on).
    let trap = text("libmemcached-unweighted-loop6.trap.tsv");
    assert!(trap.contains("before\tketama_weighted=0\tpoints=600"), "{trap}");
    assert!(trap.contains("after_weight_2\tketama_weighted=1\tpoints=1120"), "{trap}");
    let mut servers = unweighted_servers();
    servers.push(Server::new("127.0.0.9:11211".to_string(), 2));
    let err =
        CompatRing::with_servers(Profile::LibmemcachedUnweighted, servers.clone()).unwrap_err();
    assert!(err.to_string().contains("turns weighting back on"), "{err}");
    let weighted = servers
        .into_iter()
        .map(|s| Server::new(s.node().clone(), s.weight().max(1)))
        .collect::<Vec<_>>();
    let ring = CompatRing::with_servers(Profile::Libmemcached, weighted).unwrap();
    assert_eq!(ring.point_count(), 1120);
}

#[test]
fn unweighted_shared_points_go_to_the_server_added_first() {
    let inputs = Tsv::read("ties-unweighted.keys.tsv");
    let (a, b, shared) =
        (utf8(&inputs.rows[0][0]), utf8(&inputs.rows[0][1]), number(&inputs.rows[0][2]));
    let ties = Tsv::read("ties-unweighted.tsv");
    assert_eq!(ties.rows.len(), 6);
    for row in &ties.rows {
        let (order, key, expected) = (utf8(&row[0]), &row[1], utf8(&row[2]));
        let servers = if order == "ab" { [(a, 1), (b, 1)] } else { [(b, 1), (a, 1)] };
        let ring = CompatRing::with_servers(Profile::LibmemcachedUnweighted, servers).unwrap();
        assert_eq!(ring.route(key), Some(&expected), "{order}");
        let continuum: Vec<(u32, &&str)> = ring.continuum().collect();
        let at = continuum.partition_point(|&(point, _)| point < ring.key_hash(key));
        assert_eq!(continuum[at].0, shared);
        assert_eq!(ring.continuum().filter(|(point, _)| *point == shared).count(), 2);
    }
}

#[test]
fn golden_first_points() {
    let contains = |ring: &CompatRing<&str>, points: &[u32]| {
        let all: Vec<u32> = ring.continuum().map(|(point, _)| point).collect();
        points.iter().all(|p| all.contains(p))
    };
    // libketama's own MD5 of "<address>-<k>" (libketama-digests.tsv), and
    // its ketama_hashi of the same string.
    let servers = libketama_servers("libketama-lan5.servers");
    let ketama = CompatRing::with_servers(Profile::Libketama, servers).unwrap();
    let digests = Tsv::read("libketama-digests.tsv");
    assert_eq!(digests.rows.len(), 10);
    for row in &digests.rows {
        let input = utf8(&row[0]);
        let points: Vec<u32> = row[2..6].iter().map(|field| number(field)).collect();
        let owner = input.rsplit_once('-').unwrap().0;
        for point in &points {
            assert!(ketama.continuum().any(|(p, s)| p == *point && s == owner), "{input}");
        }
        assert_eq!(ketama.key_hash(input.as_bytes()), number(&row[6]), "{input}");
    }
    let first = |profile, server: Server<&'static str>| {
        CompatRing::with_servers(profile, [server]).unwrap()
    };
    let libketama = first(Profile::Libketama, Server::new("10.0.1.1:11211", 1));
    assert!(contains(&libketama, &[2431485715, 4123933443, 100894374, 2720740989]));
    // libmemcached hashes "10.0.1.1-0": the port 11211 is left out.
    let libmemcached = first(Profile::Libmemcached, Server::new("10.0.1.1:11211", 1));
    assert!(contains(&libmemcached, &[2383802539, 488362977, 2185284489, 383925769]));
    assert!(!contains(&libmemcached, &[2431485715]));
    let libmemcached = first(Profile::Libmemcached, Server::new("10.0.1.5:22122", 1));
    assert!(contains(&libmemcached, &[4263722825, 4270042219, 2744421583, 28198766]));
    // twemproxy hashes "alpha-0" for a server named alpha.
    let named = Server::new("127.0.0.1:11211", 1).with_name("alpha");
    assert!(contains(&first(Profile::Twemproxy, named), &[3243656713, 1814199703, 3984918403]));
    // nginx: CRC-32("127.0.0.2\0" + 0u32 LE) — an empty port — then chained.
    let nginx = first(Profile::NginxConsistent, Server::new("127.0.0.2", 1));
    assert!(contains(&nginx, &[1159828264, 1440461484, 4253787716]));
    let nginx = first(Profile::NginxConsistent, Server::new("localhost:18085", 1));
    assert!(contains(&nginx, &[1034269867, 4001396958, 3724350685]));
}

#[test]
fn shared_points_go_where_the_real_software_sends_them() {
    let inputs = Tsv::read("ties.keys.tsv");
    let pair = |set: &str| {
        let row = inputs.rows.iter().find(|row| row[0] == set.as_bytes()).unwrap();
        (utf8(&row[1]).to_string(), utf8(&row[2]).to_string(), number(&row[3]))
    };
    let ties = Tsv::read("ties.tsv");
    assert_eq!(ties.rows.len(), 24);
    for row in &ties.rows {
        let (profile, order, key, expected) =
            (utf8(&row[0]), utf8(&row[1]), &row[2], utf8(&row[3]));
        let (a, b, shared) = pair(if profile == "nginx" { "crc32" } else { "md5" });
        let (first, second) = if order == "ab" { (a, b) } else { (b, a) };
        let ring = match profile {
            // The pair are the names of the backends 21301 (a) and 21302 (b);
            // ties.tsv names the server that got the key by its name.
            "twemproxy" => {
                let backend = |name: &String| {
                    let port = if *name == pair("md5").0 { 21301 } else { 21302 };
                    Server::new(format!("127.0.0.1:{port}"), 1).with_name(name.as_str())
                };
                CompatRing::with_servers(Profile::Twemproxy, [backend(&first), backend(&second)])
            }
            "libketama" => CompatRing::with_servers(Profile::Libketama, [(first, 1), (second, 1)]),
            "libmemcached" => {
                CompatRing::with_servers(Profile::Libmemcached, [(first, 1), (second, 1)])
            }
            _ => CompatRing::with_servers(Profile::NginxConsistent, [(first, 1), (second, 1)]),
        }
        .unwrap();
        let owner = ring.route(key).unwrap();
        let server = ring.servers().find(|server| server.node() == owner).unwrap();
        let owner = server.name().map_or(owner.as_str(), utf8);
        let context = format!("{profile} {order} {:?}", String::from_utf8_lossy(key));
        assert_eq!(owner, expected, "{context}");
        // The key really lands on the shared point, held by both servers
        // (nginx: by the survivor only).
        let continuum: Vec<(u32, &String)> = ring.continuum().collect();
        assert_eq!(successor(&continuum, ring.key_hash(key)).0, shared, "{context}");
        let holders = ring.continuum().filter(|(point, _)| *point == shared).count();
        assert_eq!(holders, if profile == "nginx" { 1 } else { 2 }, "{context}");
    }
}

#[test]
fn public_types_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<CompatRing<String>>();
    send_sync::<Server<Vec<u8>>>();
    send_sync::<Profile>();
}

// ------------------------------------------- random configurations, naively

/// A server in parts, so the model derives names without parsing.
#[derive(Clone, Debug)]
struct Spec {
    host: String,
    port: Option<u16>,
    weight: u32,
    name: Option<String>,
}

impl Spec {
    fn identity(&self) -> String {
        match self.port {
            Some(port) => format!("{}:{port}", self.host),
            None => self.host.clone(),
        }
    }

    fn server(&self) -> Server<String> {
        let server = Server::new(self.identity(), self.weight);
        match &self.name {
            Some(name) => server.with_name(name.as_str()),
            None => server,
        }
    }

    /// What the profile hashes per digest (ketama) or per point (nginx).
    fn hashed(&self, profile: Profile) -> Vec<u8> {
        match (profile, self.port) {
            (Profile::NginxConsistent, port) => {
                let port = port.map(|p| p.to_string()).unwrap_or_default();
                [self.host.as_bytes(), b"\0", port.as_bytes()].concat()
            }
            (Profile::Twemproxy, _) if self.name.is_some() => {
                self.name.clone().unwrap().into_bytes()
            }
            (
                Profile::Libmemcached | Profile::LibmemcachedUnweighted | Profile::Twemproxy,
                Some(11211),
            ) => self.host.clone().into_bytes(),
            _ => self.identity().into_bytes(),
        }
    }
}

fn specs(profile: Profile) -> impl Strategy<Value = Vec<Spec>> {
    let ports = if profile == Profile::NginxConsistent {
        prop_oneof![Just(None), Just(Some(80)), Just(Some(8080))].boxed()
    } else {
        prop_oneof![Just(Some(11211)), Just(Some(11212)), Just(Some(22122))].boxed()
    };
    let max_weight: u32 = match profile {
        Profile::NginxConsistent => 4,
        Profile::LibmemcachedUnweighted | Profile::Groupcache { .. } => 1,
        _ => 1000,
    };
    let named = profile == Profile::Twemproxy;
    prop::collection::btree_map((0u16..300, ports), (1..=max_weight, any::<bool>()), 1..10)
        .prop_map(move |servers| {
            servers
                .into_iter()
                .map(|((host, port), (weight, has_name))| Spec {
                    host: format!("10.0.{}.{}", host / 100, host % 100),
                    port,
                    weight,
                    name: (named && has_name).then(|| format!("n{host}-{port:?}")),
                })
                .collect()
        })
}

fn md5_words(bytes: &[u8]) -> [u32; 4] {
    let digest = md5::compute(bytes);
    let word = |i: usize| u32::from_le_bytes(digest[4 * i..4 * i + 4].try_into().unwrap());
    [word(0), word(1), word(2), word(3)]
}

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

/// The continuum as NOTES.md describes it: servers in the system's order,
/// every point listed, a stable sort by point alone (glibc's qsort), nginx's
/// repeats dropped.
fn naive_continuum(profile: Profile, specs: &[Spec]) -> Vec<(u32, String)> {
    let mut order: Vec<&Spec> = specs.iter().collect();
    if profile == Profile::Twemproxy {
        order.sort_by_key(|s| {
            let name = s.hashed(profile);
            (name.len(), name)
        });
    }
    let total: u64 = specs.iter().map(|s| u64::from(s.weight)).sum();
    let (servers, mut points) = (specs.len() as f32, Vec::new());
    for spec in order {
        let share = spec.weight as f32 / total as f32;
        let base = spec.hashed(profile);
        if let Profile::Groupcache { replicas } = profile {
            let name = spec.identity();
            for i in 0..replicas {
                points.push((crc32(format!("{i}{name}").as_bytes()), name.clone()));
            }
            continue;
        }
        if profile == Profile::LibmemcachedUnweighted {
            for k in 0..100 {
                let words = md5_words(&[&base[..], format!("-{k}").as_bytes()].concat());
                points.push((words[0], spec.identity()));
            }
            continue;
        }
        let digests = match profile {
            Profile::Libketama => (f64::from(share) * 40.0 * f64::from(servers)) as f32,
            Profile::NginxConsistent => 0.0,
            _ => share * 160.0 / 4.0 * servers + 1e-10,
        }
        .floor() as u32;
        for k in 0..digests {
            let words = md5_words(&[&base[..], format!("-{k}").as_bytes()].concat());
            points.extend(words.map(|w| (w, spec.identity())));
        }
        if profile == Profile::NginxConsistent {
            let mut previous = 0u32;
            for _ in 0..160 * spec.weight {
                previous = crc32(&[&base[..], &previous.to_le_bytes()].concat());
                points.push((previous, spec.identity()));
            }
        }
    }
    points.sort_by_key(|&(point, _)| point);
    if profile == Profile::NginxConsistent {
        points.dedup_by_key(|&mut (point, _)| point);
    }
    if matches!(profile, Profile::Groupcache { .. }) {
        // The Go map's entry for a point is the last server's.
        points.reverse();
        points.dedup_by_key(|&mut (point, _)| point);
        points.reverse();
    }
    points
}

fn naive_key_hash(profile: Profile, key: &[u8]) -> u32 {
    match profile {
        Profile::Libketama => md5_words(key.split(|&b| b == 0).next().unwrap())[0],
        Profile::Twemproxy if key.is_empty() => 0,
        Profile::NginxConsistent | Profile::Groupcache { .. } => crc32(key),
        _ => md5_words(key)[0],
    }
}

/// Distinct servers met walking clockwise from the first point ≥ `hash`.
fn naive_walk(continuum: &[(u32, String)], hash: u32) -> Vec<String> {
    let start = continuum.iter().position(|&(point, _)| point >= hash).unwrap_or(0);
    let mut walk: Vec<String> = Vec::new();
    for (_, server) in continuum[start..].iter().chain(&continuum[..start]) {
        if !walk.contains(server) {
            walk.push(server.clone());
        }
    }
    walk
}

fn profiles() -> impl Strategy<Value = Profile> {
    prop_oneof![
        Just(Profile::Libketama),
        Just(Profile::Libmemcached),
        Just(Profile::Twemproxy),
        Just(Profile::NginxConsistent),
        Just(Profile::LibmemcachedUnweighted),
        Just(Profile::Groupcache { replicas: 3 }),
        Just(Profile::Groupcache { replicas: 50 }),
    ]
}

fn config() -> ProptestConfig {
    // PROPTEST_CASES overrides this default.
    ProptestConfig { cases: 64, ..ProptestConfig::default() }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn random_configurations_match_the_naive_model(
        (profile, specs) in profiles().prop_flat_map(|p| (Just(p), specs(p))),
        keys in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..24), 1..48),
        down in any::<u64>(),
    ) {
        let ring = CompatRing::with_servers(profile, specs.iter().map(Spec::server)).unwrap();
        let continuum = naive_continuum(profile, &specs);
        let ours: Vec<(u32, String)> = ring.continuum().map(|(p, s)| (p, s.clone())).collect();
        prop_assert!(ours == continuum, "{profile}: continuum differs");
        let healthy = |server: &String| {
            let index = specs.iter().position(|s| s.identity() == *server).unwrap();
            down >> (index % 64) & 1 == 0
        };
        for key in &keys {
            let hash = naive_key_hash(profile, key);
            prop_assert_eq!(ring.key_hash(key), hash);
            let walk = naive_walk(&continuum, hash);
            let prefs: Vec<String> = ring.route_n(key, specs.len()).into_iter().cloned().collect();
            prop_assert_eq!(&prefs, &walk);
            prop_assert_eq!(ring.route(key), walk.first());
            prop_assert_eq!(ring.route_healthy(key, &healthy), walk.iter().find(|s| healthy(s)));
        }
    }

    #[test]
    fn twemproxy_ignores_the_configuration_order(specs in specs(Profile::Twemproxy), seed in any::<u64>()) {
        let mut shuffled = specs.clone();
        let mut state = seed;
        for i in (1..shuffled.len()).rev() {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            shuffled.swap(i, (state >> 33) as usize % (i + 1));
        }
        let a = CompatRing::with_servers(Profile::Twemproxy, specs.iter().map(Spec::server)).unwrap();
        let b = CompatRing::with_servers(Profile::Twemproxy, shuffled.iter().map(Spec::server)).unwrap();
        prop_assert!(a.continuum().eq(b.continuum()));
    }

    /// nginx's points do not depend on the other servers, so adding a server
    /// moves keys only onto it and removing one moves only its keys.
    #[test]
    fn nginx_moves_only_the_keys_of_the_server_that_changes(
        specs in specs(Profile::NginxConsistent),
        keys in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..24), 1..48),
    ) {
        let (last, before) = specs.split_last().unwrap();
        let small = CompatRing::with_servers(Profile::NginxConsistent, before.iter().map(Spec::server)).unwrap();
        let mut large = small.clone();
        large.extend_servers([last.server()]).unwrap();
        let gone = last.identity();
        for key in &keys {
            let now = large.route(key).unwrap();
            if let Some(was) = small.route(key) {
                prop_assert!(now == was || *now == gone, "{} -> {}", was, now);
            }
        }
        let mut removed = large.clone();
        prop_assert_eq!(removed.remove(gone.as_str()).unwrap(), gone.clone());
        for key in &keys {
            let (was, now) = (large.route(key).unwrap(), removed.route(key));
            if *was != gone {
                prop_assert_eq!(now, Some(was));
            }
        }
    }
}

#[test]
fn errors_name_the_server_and_what_is_allowed() {
    let err =
        CompatRing::with_servers(Profile::NginxConsistent, [("backend:http", 1)]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "nginx cannot use server \"backend:http\": invalid port \"http\": a port is a number from 1 to 65535"
    );
    let err =
        CompatRing::with_servers(Profile::Libketama, [("memcached-primary.example:11211", 1)])
            .unwrap_err();
    assert_eq!(
        err.to_string(),
        "libketama cannot use server \"memcached-primary.example:11211\": the address is 31 bytes; \
         libketama stores 1 to 21"
    );
    let mut ring = CompatRing::new(Profile::Twemproxy);
    ring.insert("10.0.0.1:11211".to_string()).unwrap();
    assert!(matches!(
        ring.insert("10.0.0.1:11211".to_string()),
        Err(RouteError::DuplicateNode { node, .. }) if node == "10.0.0.1:11211"
    ));
    assert!(matches!(
        ring.insert_weighted("10.0.0.2:11211".to_string(), u32::MAX),
        Err(RouteError::InvalidServer { profile: "twemproxy", .. })
    ));
}

// ------------------------------------------------------------- groupcache

/// The names `Map.Add` got, one a line, in order.
fn groupcache_servers(file: &str) -> Vec<Server<String>> {
    text(&format!("servers/{file}")).lines().map(|name| Server::new(name.to_string(), 1)).collect()
}

fn groupcache_ring(set: &str, replicas: u32) -> CompatRing<String> {
    let servers = groupcache_servers(&format!("{set}.servers"));
    CompatRing::with_servers(Profile::Groupcache { replicas }, servers).unwrap()
}

#[test]
fn groupcache_matches_the_go_package_for_every_key_and_point() {
    for (set, replicas) in [("groupcache-peers50", 50), ("groupcache-r3", 3)] {
        let ring = groupcache_ring(set, replicas);
        // The Map's own dump lists every point, repeats included, each with
        // the one owner Get finds; routekit holds each point once.
        let dump = Tsv::read(&format!("{set}.continuum.tsv"));
        let mut theirs: Vec<(u32, &str)> =
            dump.rows.iter().map(|row| (number(&row[1]), utf8(&row[2]))).collect();
        assert_eq!(theirs.len() as u32, replicas * ring.len() as u32, "{set}");
        theirs.dedup();
        let ours: Vec<(u32, &str)> = ring.continuum().map(|(p, s)| (p, s.as_str())).collect();
        assert!(ours == theirs, "{set}: continuum differs");
        let edges = Tsv::read(&format!("edges/{set}.keys.tsv"));
        assert_eq!(edges.rows.len(), 10, "{set}");
        let mut compared = 0;
        for file in [format!("{set}.tsv"), format!("{set}.edges.tsv")] {
            let tsv = Tsv::read(&file);
            for row in &tsv.rows {
                let (key, hash, expected) = (&row[0], number(&row[1]), utf8(&row[2]));
                let context = || format!("{file}: key {:?}", String::from_utf8_lossy(key));
                assert_eq!(ring.key_hash(key), hash, "{}", context());
                assert_eq!(ring.route(key).map(String::as_str), Some(expected), "{}", context());
                compared += 1;
            }
        }
        // keys.txt, the empty key in front, and the edge keys.
        assert_eq!(compared, 5011, "{set}");
        assert_eq!(Tsv::read(&format!("{set}.tsv")).rows[0][0], b"");
    }
}

#[test]
fn groupcache_gives_a_shared_point_to_the_server_added_last() {
    let inputs = Tsv::read("ties-groupcache.keys.tsv");
    let (a, b, shared) =
        (utf8(&inputs.rows[0][0]), utf8(&inputs.rows[0][1]), number(&inputs.rows[0][2]));
    let ties = Tsv::read("ties-groupcache.tsv");
    assert_eq!(ties.rows.len(), 6);
    for row in &ties.rows {
        let (order, key, expected) = (utf8(&row[0]), &row[1], utf8(&row[2]));
        let servers = if order == "ab" { [(a, 1), (b, 1)] } else { [(b, 1), (a, 1)] };
        let last = servers[1].0;
        let ring = CompatRing::with_servers(Profile::Groupcache { replicas: 50 }, servers).unwrap();
        assert_eq!(ring.route(key), Some(&expected), "{order}");
        assert_eq!(expected, last, "{order}");
        let continuum: Vec<(u32, &&str)> = ring.continuum().collect();
        let at = continuum.partition_point(|&(point, _)| point < ring.key_hash(key));
        assert_eq!(continuum[at], (shared, &last));
        assert_eq!(ring.point_count(), 99);
    }
}

#[test]
fn groupcache_takes_names_without_weights() {
    let profile = Profile::Groupcache { replicas: 50 };
    let err = CompatRing::with_servers(profile, [("http://10.0.0.1:8080", 2)]).unwrap_err();
    assert!(err.to_string().contains("groupcache has no weights"), "{err}");
    let none = CompatRing::with_servers(Profile::Groupcache { replicas: 0 }, [("a", 1)]);
    assert!(none.unwrap_err().to_string().contains("0 replicas"));
    assert_eq!(profile.name(), "groupcache");
}
