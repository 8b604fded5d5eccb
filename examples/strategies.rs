//! Compare routing strategies: lookup speed, balance, keys moved on change,
//! memory. The README's main command:
//!
//! ```sh
//! cargo run --release --example strategies
//! cargo run --release --example strategies -- --nodes 1000 --keys 200000 --hasher sip13
//! ```
//!
//! Prints one markdown table with a row per strategy × hasher (`--csv` for
//! plotting). Every strategy goes through the `Router` trait, and joins and
//! leaves through `Membership` (or, for the jump hashes, whose only node that
//! can leave is the last, `push` and `pop`), so a new one joins with one line
//! in `rows_for`. With `--features compat`, the deployed systems'
//! placements (`route::compat`) get a row each too.

use std::collections::HashMap;
use std::hint::black_box;
use std::process::ExitCode;
use std::time::Instant;

use routekit::hash::{Fnv1a, KeyHasher, Sip13, Xxh3};
use routekit::route::{
    HashRing, JumpBackHash, JumpHash, LoadTracker, Maglev, Membership, MementoHash, Rendezvous,
    Router,
};

const USAGE: &str = "\
usage: strategies [--nodes N] [--keys K] [--vnodes V] [--hasher all|xxh3|fnv1a|sip13] [--repeat R] [--csv]

  --nodes N    nodes to place keys on (default 100)
  --keys K     keys to route (default 1000000)
  --vnodes V   ring points per node (default 160)
  --hasher H   which hashers to compare (default all)
  --repeat R   timing passes per row; the median is shown (default 3)
  --csv        print comma-separated values instead of a markdown table";

/// The command line.
struct Config {
    nodes: usize,
    keys: usize,
    vnodes: u32,
    hashers: Vec<&'static str>,
    repeat: usize,
    csv: bool,
}

/// The balance factor of the bounded-loads row.
const BALANCE: f64 = 1.25;

/// One row of the table.
struct Row {
    strategy: String,
    hasher: &'static str,
    ns_per_lookup: f64,
    peak_to_mean: f64,
    spread: f64,
    /// Keys moved when a node joins and when one leaves; `None` for the
    /// bounded-loads row, whose placements depend on the loads.
    moved_on_add: Option<f64>,
    moved_on_remove: Option<f64>,
    /// The last node leaves instead of the first (jump-style strategies).
    removed_last: bool,
    memory_bytes: usize,
    weights: bool,
    any_removal: bool,
    replicas: bool,
}

fn main() -> ExitCode {
    let config = match parse_args(std::env::args().skip(1)) {
        Ok(config) => config,
        Err(message) => {
            eprintln!("{message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    // The routers hold `nodes` names; one more joins in the movement test.
    let names: Vec<String> = (0..=config.nodes)
        .map(|i| format!("10.{}.{}.{}:8080", i >> 16, (i >> 8) & 255, i & 255))
        .collect();
    let keys = session_ids(config.keys);

    let mut rows = Vec::new();
    for &hasher in &config.hashers {
        match hasher {
            "xxh3" => rows.extend(rows_for(&config, &names, &keys, Xxh3::new(), hasher)),
            "fnv1a" => rows.extend(rows_for(&config, &names, &keys, Fnv1a, hasher)),
            "sip13" => rows.extend(rows_for(
                &config,
                &names,
                &keys,
                Sip13::new(*b"a secret 16 byte"),
                hasher,
            )),
            _ => unreachable!("checked by parse_args"),
        }
    }
    #[cfg(feature = "compat")]
    rows.extend(compat_rows(&config, &names, &keys));
    print_table(&config, &rows);
    ExitCode::SUCCESS
}

/// Every strategy with one hasher.
fn rows_for<H: KeyHasher>(
    config: &Config,
    names: &[String],
    keys: &[Vec<u8>],
    hasher: H,
    hasher_name: &'static str,
) -> Vec<Row> {
    let ring = HashRing::builder().vnodes(config.vnodes).hasher(hasher.clone()).build().unwrap();
    // A table of at least 100 entries per node, for the node that joins too.
    let maglev = Maglev::builder()
        .table_size_for(config.nodes + 1)
        .hasher(hasher.clone())
        .build()
        .expect("a prime size");
    let table = format!("maglev ({} entries)", maglev.table_size());
    let rendezvous = Rendezvous::with_hasher(hasher.clone());
    let ring_for_bounded = ring.clone();
    let ring_name = format!("ring ({} vnodes)", config.vnodes);
    let jump = JumpHash::with_hasher(hasher.clone());
    let jump_back = JumpBackHash::with_hasher(hasher.clone());
    let memento = MementoHash::with_hasher(hasher);
    vec![
        measure(config, &ring_name, hasher_name, ring, any_node(true), names, keys),
        measure(config, "rendezvous", hasher_name, rendezvous, any_node(true), names, keys),
        measure(config, "jump", hasher_name, jump, jump_churn(), names, keys),
        measure(config, "jump-back", hasher_name, jump_back, jump_back_churn(), names, keys),
        measure(config, "memento", hasher_name, memento, any_node(false), names, keys),
        measure(config, &table, hasher_name, maglev, any_node(true), names, keys),
        measure_bounded(
            config,
            &format!("bounded loads (ring, c = {BALANCE})"),
            hasher_name,
            ring_for_bounded,
            names,
            keys,
        ),
    ]
}

/// The deployed systems' placements (`route::compat`, with
/// `--features compat`): each brings its own hash function, so they get one
/// row each whatever `--hasher` says.
#[cfg(feature = "compat")]
fn compat_rows(config: &Config, names: &[String], keys: &[Vec<u8>]) -> Vec<Row> {
    use routekit::route::compat::{
        CompatRing, HaproxyBalance, HaproxyHash, NginxHash, NginxMethod, Profile,
    };
    let ring = |profile| CompatRing::new(profile);
    vec![
        measure(config, "libketama", "md5", ring(Profile::Libketama), any_node(true), names, keys),
        measure(
            config,
            "libmemcached ketama",
            "md5",
            ring(Profile::Libmemcached),
            any_node(true),
            names,
            keys,
        ),
        measure(
            config,
            "libmemcached ketama, unweighted",
            "md5",
            ring(Profile::LibmemcachedUnweighted),
            any_node(false),
            names,
            keys,
        ),
        measure(config, "twemproxy", "md5", ring(Profile::Twemproxy), any_node(true), names, keys),
        measure(
            config,
            "nginx hash consistent",
            "crc32",
            ring(Profile::NginxConsistent),
            any_node(true),
            names,
            keys,
        ),
        measure(
            config,
            "nginx hash",
            "crc32",
            NginxHash::new(NginxMethod::Hash),
            any_node(true),
            names,
            keys,
        ),
        measure(
            config,
            "groupcache (50 replicas)",
            "crc32",
            ring(Profile::Groupcache { replicas: 50 }),
            any_node(false),
            names,
            keys,
        ),
        measure(
            config,
            "haproxy consistent",
            "sdbm+avalanche",
            HaproxyHash::new(HaproxyBalance::consistent()),
            any_node(true),
            names,
            keys,
        ),
        measure(
            config,
            "haproxy map-based",
            "sdbm",
            HaproxyHash::new(HaproxyBalance::map_based()),
            any_node(true),
            names,
            keys,
        ),
    ]
}

/// The median of `passes` timings of `route_all`, in ns per key.
fn time_per_key(config: &Config, keys: &[Vec<u8>], mut route_all: impl FnMut()) -> f64 {
    let mut passes: Vec<f64> = (0..config.repeat)
        .map(|_| {
            let start = Instant::now();
            route_all();
            start.elapsed().as_nanos() as f64 / keys.len() as f64
        })
        .collect();
    passes.sort_by(f64::total_cmp);
    passes[passes.len() / 2]
}

/// Peak over mean, and the standard deviation over the mean, of per-node
/// loads.
fn balance(loads: &[usize], keys: usize) -> (f64, f64) {
    let mean = keys as f64 / loads.len() as f64;
    let peak = *loads.iter().max().expect("non-empty") as f64;
    let spread =
        (loads.iter().map(|&l| (l as f64 - mean).powi(2)).sum::<f64>() / loads.len() as f64).sqrt()
            / mean;
    (peak / mean, spread)
}

/// How a strategy's nodes join and leave, and what it supports: the small
/// adapter that lets `measure` treat every strategy alike.
struct Churn<R> {
    join: fn(&mut R, String),
    /// Makes one of `nodes` (in insertion order) leave.
    leave: fn(&mut R, &[String]),
    weights: bool,
    any_node_leaves: bool,
}

/// Any node joins and leaves through [`Membership`]: the first node leaves.
fn any_node<R: Membership<Node = String>>(weights: bool) -> Churn<R> {
    Churn {
        join: |router, node| router.insert(node).expect("distinct node names"),
        leave: |router, nodes| {
            router.remove(&nodes[0]).expect("present");
        },
        weights,
        any_node_leaves: true,
    }
}

/// Nodes join at the end and only the last one leaves: the jump hashes'
/// `push` and `pop`.
fn jump_churn<H: KeyHasher>() -> Churn<JumpHash<String, H>> {
    Churn {
        join: |router, node| router.push(node).expect("distinct node names"),
        leave: |router, _| {
            router.pop().expect("not empty");
        },
        weights: false,
        any_node_leaves: false,
    }
}

/// As [`jump_churn`], for JumpBackHash.
fn jump_back_churn<H: KeyHasher>() -> Churn<JumpBackHash<String, H>> {
    Churn {
        join: |router, node| router.push(node).expect("distinct node names"),
        leave: |router, _| {
            router.pop().expect("not empty");
        },
        weights: false,
        any_node_leaves: false,
    }
}

/// Fills `router` with all names but the last, then times and tallies it.
fn measure<R: Router<Node = String> + Clone>(
    config: &Config,
    strategy: &str,
    hasher: &'static str,
    mut router: R,
    churn: Churn<R>,
    names: &[String],
    keys: &[Vec<u8>],
) -> Row {
    let (extra, base) = names.split_last().expect("at least one node");
    for name in base {
        (churn.join)(&mut router, name.clone());
    }

    // Speed: route every key, several passes; the median pass counts.
    let ns_per_lookup = time_per_key(config, keys, || {
        for key in keys {
            black_box(router.route(black_box(key)));
        }
    });

    // Balance, then movement when the last node joins and one leaves: the
    // first, or the last added where only the last can leave.
    let index: HashMap<&str, usize> =
        names.iter().enumerate().map(|(i, n)| (n.as_str(), i)).collect();
    let owners = |r: &R| -> Vec<usize> {
        keys.iter().map(|k| index[r.route(k).expect("non-empty").as_str()]).collect()
    };
    let before = owners(&router);
    let mut loads = vec![0usize; base.len()];
    for &owner in &before {
        loads[owner] += 1;
    }
    let (peak_to_mean, spread) = balance(&loads, keys.len());

    let mut grown = router.clone();
    (churn.join)(&mut grown, extra.clone());
    let moved_on_add = changed(&before, &owners(&grown));
    let mut shrunk = router.clone();
    (churn.leave)(&mut shrunk, base);
    let moved_on_remove = changed(&before, &owners(&shrunk));

    Row {
        strategy: strategy.to_string(),
        hasher,
        ns_per_lookup,
        peak_to_mean,
        spread,
        moved_on_add: Some(moved_on_add),
        moved_on_remove: Some(moved_on_remove),
        removed_last: !churn.any_node_leaves,
        memory_bytes: router.memory_bytes(),
        weights: churn.weights,
        any_removal: churn.any_node_leaves,
        replicas: router.route_n(b"replicas?", 2).len() == 2,
    }
}

/// Assigns every key as a session through a [`LoadTracker`] over `router`:
/// the time per assignment (lock, preference walk, count) and the balance it
/// reaches. Placements depend on the loads, so no movement columns.
fn measure_bounded<R: Membership<Node = String>>(
    config: &Config,
    strategy: &str,
    hasher: &'static str,
    mut router: R,
    names: &[String],
    keys: &[Vec<u8>],
) -> Row {
    let base = &names[..names.len() - 1];
    router.extend(base.iter().cloned()).expect("distinct node names");
    let replicas = router.route_n(b"replicas?", 2).len() == 2;
    let memory_bytes = router.memory_bytes();
    let tracker = LoadTracker::new(router, BALANCE).expect("a valid factor");
    let ns_per_lookup = time_per_key(config, keys, || {
        for key in keys {
            let node = tracker.assign(black_box(key)).expect("non-empty");
            tracker.release(node).expect("just assigned");
        }
    });
    for key in keys {
        tracker.assign(key).expect("non-empty");
    }
    let loads: Vec<usize> = base.iter().map(|n| tracker.load(n) as usize).collect();
    let (peak_to_mean, spread) = balance(&loads, keys.len());
    Row {
        strategy: strategy.to_string(),
        hasher,
        ns_per_lookup,
        peak_to_mean,
        spread,
        moved_on_add: None,
        moved_on_remove: None,
        removed_last: false,
        memory_bytes,
        weights: true,
        any_removal: true,
        replicas,
    }
}

/// The fraction of keys whose owner differs.
fn changed(before: &[usize], after: &[usize]) -> f64 {
    before.iter().zip(after).filter(|(a, b)| a != b).count() as f64 / before.len() as f64
}

fn print_table(config: &Config, rows: &[Row]) {
    let n = config.nodes;
    if config.csv {
        println!(
            "strategy,hasher,nodes,keys,ns_per_lookup,peak_to_mean,load_sd,moved_on_add,moved_on_remove,ideal_add,ideal_remove,memory_bytes,weights,any_removal,replicas"
        );
        let fraction = |f: Option<f64>| f.map_or(String::new(), |f| format!("{f:.6}"));
        for row in rows {
            println!(
                "\"{}\",{},{},{},{:.2},{:.4},{:.5},{},{},{:.6},{:.6},{},{},{},{}",
                row.strategy,
                row.hasher,
                n,
                config.keys,
                row.ns_per_lookup,
                row.peak_to_mean,
                row.spread,
                fraction(row.moved_on_add),
                fraction(row.moved_on_remove),
                1.0 / (n + 1) as f64,
                1.0 / n as f64,
                row.memory_bytes,
                row.weights,
                row.any_removal,
                row.replicas,
            );
        }
        return;
    }
    println!(
        "{} keys on {} nodes; then one node joins (ideal move {:.3}%) and one leaves (ideal {:.3}%)\n",
        config.keys,
        n,
        100.0 / (n + 1) as f64,
        100.0 / n as f64
    );
    println!(
        "| strategy | hasher | ns/lookup | peak/mean | load sd | moved on add | moved on remove | memory | weights | any node leaves | replicas |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|:-:|:-:|:-:|");
    let yes = |b: bool| if b { "yes" } else { "no" };
    for row in rows {
        let moved = |f: Option<f64>, ideal: usize, mark: &str| {
            f.map_or("—".to_string(), |f| {
                format!("{:.3}% (×{:.2}){mark}", 100.0 * f, f * ideal as f64)
            })
        };
        println!(
            "| {} | {} | {:.1} | {:.3} | {:.2}% | {} | {} | {} | {} | {} | {} |",
            row.strategy,
            row.hasher,
            row.ns_per_lookup,
            row.peak_to_mean,
            100.0 * row.spread,
            moved(row.moved_on_add, n + 1, ""),
            moved(row.moved_on_remove, n, if row.removed_last { " ¹" } else { "" }),
            human_bytes(row.memory_bytes),
            yes(row.weights),
            yes(row.any_removal),
            yes(row.replicas),
        );
    }
    println!(
        "\nns/lookup: median of {} passes over all keys (hash + lookup; for bounded loads, assign + \
         release through a LoadTracker). load sd: standard deviation of the per-node load over its \
         mean. ×: moved keys over the ideal. ¹ the last node added leaves (the others cannot). \
         memory: the router's tables, not the node names.",
        config.repeat
    );
}

fn human_bytes(bytes: usize) -> String {
    match bytes {
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / (1 << 20) as f64),
        b if b >= 1 << 10 => format!("{:.1} KiB", b as f64 / 1024.0),
        b => format!("{b} B"),
    }
}

/// `count` random-looking 16-character session ids from a fixed seed.
fn session_ids(count: usize) -> Vec<Vec<u8>> {
    let mut state = 0x5eed_u64;
    (0..count)
        .map(|_| {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            format!("{:016x}", z ^ (z >> 31)).into_bytes()
        })
        .collect()
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Config, String> {
    let mut config = Config {
        nodes: 100,
        keys: 1_000_000,
        vnodes: 160,
        hashers: vec!["xxh3", "fnv1a", "sip13"],
        repeat: 3,
        csv: false,
    };
    while let Some(flag) = args.next() {
        if flag == "--help" || flag == "-h" {
            return Err("compare routing strategies".into());
        }
        if flag == "--csv" {
            config.csv = true;
            continue;
        }
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = || {
            value
                .parse::<usize>()
                .map_err(|_| format!("{flag} takes a whole number, got {value:?}"))
        };
        match flag.as_str() {
            "--nodes" => config.nodes = number()?,
            "--keys" => config.keys = number()?,
            "--vnodes" => {
                config.vnodes = u32::try_from(number()?).map_err(|_| "--vnodes is too large")?
            }
            "--repeat" => config.repeat = number()?,
            "--hasher" => {
                config.hashers = match value.as_str() {
                    "all" => vec!["xxh3", "fnv1a", "sip13"],
                    "xxh3" => vec!["xxh3"],
                    "fnv1a" => vec!["fnv1a"],
                    "sip13" => vec!["sip13"],
                    _ => {
                        return Err(format!(
                            "--hasher takes all, xxh3, fnv1a or sip13, got {value:?}"
                        ));
                    }
                }
            }
            _ => return Err(format!("unknown flag {flag:?}")),
        }
    }
    if config.nodes < 2 || config.keys == 0 || config.vnodes == 0 || config.repeat == 0 {
        return Err("--nodes must be at least 2; --keys, --vnodes and --repeat at least 1".into());
    }
    Ok(config)
}
