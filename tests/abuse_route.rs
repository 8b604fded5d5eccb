//! Every public constructor and membership method of `route` with hostile
//! arguments: 0, negative, NaN, ±∞, subnormal, `u32::MAX`, `u64::MAX`,
//! `usize::MAX`, and sizes just past every documented limit (the "Limits"
//! table of the `route` module docs). Each gives a typed error or a router
//! that works, never a panic, an abort or a hang; a refused change leaves
//! the router as it was.
//!
//! The test binary runs under a global allocator capped at [`LIMIT`], so
//! sizes the machine could not provide are refused by the cap quickly,
//! through the same fallible reservation that refuses them when the
//! operating system says no, and no test touches gigabytes of memory. A
//! router that reserved late (after hashing billions of points, or after
//! changing its nodes) would hang here or fail the "unchanged" checks.

use std::alloc::System;
use std::sync::{Mutex, mpsc};
use std::time::Duration;

use cap::Cap;
use routekit::route::{
    BoundedLoads, BuildError, HashRing, JumpBackHash, JumpHash, LoadTracker, Maglev, Membership,
    MementoHash, Rendezvous, RouteError, Router, SharedRouter, Weighted,
};

/// The most this test binary may allocate at once.
const LIMIT: usize = 256 << 20;

#[global_allocator]
static ALLOCATOR: Cap<System> = Cap::new(System, LIMIT);

/// Held by every test: the cap's accounting is exact only while one thread
/// at a time asks for more than it allows.
static SERIAL: Mutex<()> = Mutex::new(());

/// The most points a ring holds (the module docs' limits table).
const MAX_POINTS: u64 = u32::MAX as u64;

/// The largest prime below 2³²: the largest Maglev table.
const LARGEST_TABLE: u32 = 4_294_967_291;

/// Bytes a ring point takes (the points; the index is extra).
const POINT_BYTES: u64 = 16;

/// Weights: out of range, non-finite, subnormal, tiny, ordinary, at and
/// just past the default ring's limit, and huge.
const WEIGHTS: [f64; 20] = [
    0.0,
    -0.0,
    -1.0,
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    5e-324, // the smallest subnormal
    f64::MIN_POSITIVE,
    1e-300,
    1e-9,
    0.5,
    1.0,
    2.5,
    100.0,
    1e7,
    // The default ring's limit: MAX_POINTS / 160 points per unit of weight.
    26_843_545.59,
    26_843_545.6,
    1e12,
    f64::MAX / 2.0,
    f64::MAX,
];

/// Vnode counts around the ring's limit.
const VNODES: [u32; 7] = [0, 1, 160, 1000, 2_000_000_000, u32::MAX - 1, u32::MAX];

/// Runs `cases` on a thread and fails if they take longer than a generous
/// deadline: a hang is a failure too.
fn within_deadline(name: &str, cases: impl FnOnce() + Send + 'static) {
    let _serial = SERIAL.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let (done, finished) = mpsc::channel();
    let worker = std::thread::spawn(move || {
        cases();
        let _ = done.send(());
    });
    match finished.recv_timeout(Duration::from_secs(120)) {
        Ok(()) => worker.join().unwrap(),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            std::panic::resume_unwind(worker.join().unwrap_err())
        }
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("{name}: still running after 120 s"),
    }
}

/// The cap lowered to `bytes` above what is allocated now, until dropped.
struct Lowered;

impl Lowered {
    fn to(bytes: usize) -> Lowered {
        ALLOCATOR.set_limit(ALLOCATOR.allocated() + bytes).unwrap();
        Lowered
    }
}

impl Drop for Lowered {
    fn drop(&mut self) {
        ALLOCATOR.set_limit(LIMIT).unwrap();
    }
}

/// Keys to route: a few shapes of key.
const KEYS: [&[u8]; 5] = [b"", b"k", b"user:1001", &[0xff; 40], &[0; 1]];

/// A router must answer for every key when it has nodes, list all its
/// nodes for `usize::MAX` replicas, and fail over to its owner when all are
/// healthy.
fn works<R: Router>(name: &str, router: &R)
where
    R::Node: PartialEq + std::fmt::Debug,
{
    works_listing(name, router, router.len());
}

/// [`works`] for a router that lists `listed` of its nodes: a compat
/// ring's server may have no points, as in the system it reproduces.
fn works_listing<R: Router>(name: &str, router: &R, listed: usize)
where
    R::Node: PartialEq + std::fmt::Debug,
{
    for key in KEYS {
        let owner = router.route(key);
        assert_eq!(owner.is_some(), !router.is_empty(), "{name}: route({key:?})");
        let all = router.route_n(key, usize::MAX);
        assert_eq!(all.len(), listed, "{name}: route_n({key:?}, usize::MAX)");
        assert_eq!(all.first().copied(), owner, "{name}: the owner leads its list");
        assert!(router.route_n(key, 0).is_empty(), "{name}: route_n(key, 0)");
        assert_eq!(router.route_healthy(key, &|_| true), owner, "{name}: all healthy");
        assert_eq!(router.route_healthy(key, &|_| false), None, "{name}: none healthy");
    }
}

/// What a router answers, to check that a refused change changed nothing.
fn answers<R: Router>(router: &R) -> Vec<Vec<&R::Node>> {
    KEYS.iter().map(|key| router.route_n(key, 3)).collect()
}

fn valid(weight: f64) -> bool {
    weight.is_finite() && weight > 0.0
}

/// A refusal of memory: it must be for a good part of what the cap has
/// left, not a small request refused by mistake.
fn assert_out_of_memory(name: &str, err: &RouteError) {
    match err {
        RouteError::OutOfMemory { bytes, .. } => {
            let free = ALLOCATOR.limit().saturating_sub(ALLOCATOR.allocated());
            assert!(*bytes > (free / 4) as u64, "{name}: refused only {bytes} bytes")
        }
        other => panic!("{name}: expected OutOfMemory, got {other:?}"),
    }
}

/// The ring's answer for a node of `weight` at `vnodes`: the documented
/// refusal, a refusal of memory past the cap, or a working ring.
fn check_ring_weight(ring: &mut HashRing<String>, weight: f64) {
    let name = format!("HashRing(vnodes {}).insert_weighted({weight})", ring.vnodes());
    let before: Vec<Vec<String>> =
        answers(ring).into_iter().map(|l| l.into_iter().cloned().collect()).collect();
    let points_before = ring.point_count() as u64;
    let result = ring.insert_weighted(format!("w{weight}"), weight);
    let points =
        if valid(weight) { (weight * f64::from(ring.vnodes())).round().max(1.0) } else { 0.0 };
    match result {
        Ok(()) => {
            assert!(valid(weight), "{name}: accepted");
            assert!((points_before as f64 + points) * (POINT_BYTES as f64) < LIMIT as f64);
            assert_eq!(ring.weight(format!("w{weight}").as_str()), Some(weight));
            works(&name, ring);
            ring.remove(format!("w{weight}").as_str()).unwrap();
        }
        Err(err) => {
            match &err {
                RouteError::InvalidWeight { weight: w, .. } => {
                    assert!(!valid(weight) && (w.to_bits() == weight.to_bits()), "{name}")
                }
                RouteError::TooManyPoints { requested, max, .. } => {
                    assert!(valid(weight) && *max == MAX_POINTS && *requested > MAX_POINTS);
                    assert!(points_before as f64 + points > MAX_POINTS as f64, "{name}");
                }
                _ => {
                    assert_out_of_memory(&name, &err);
                    assert!(points_before as f64 + points <= MAX_POINTS as f64, "{name}");
                }
            }
            let after: Vec<Vec<String>> =
                answers(ring).into_iter().map(|l| l.into_iter().cloned().collect()).collect();
            assert_eq!(after, before, "{name}: a refused change changed the ring");
            assert_eq!(ring.point_count() as u64, points_before, "{name}");
        }
    }
}

#[test]
fn ring_weights_and_vnodes_refuse_or_work() {
    within_deadline("ring", || {
        for vnodes in VNODES {
            let built = HashRing::builder().vnodes(vnodes).build::<String>();
            if vnodes == 0 {
                assert_eq!(built.unwrap_err(), BuildError::ZeroVnodes);
                continue;
            }
            let mut ring = built.unwrap();
            for weight in WEIGHTS {
                check_ring_weight(&mut ring, weight);
            }
            // The same on a ring that already has a node.
            if ring.insert_weighted("present".to_string(), 1e-9).is_ok() {
                for weight in WEIGHTS {
                    check_ring_weight(&mut ring, weight);
                }
            }
        }
    });
}

#[test]
fn ring_limits_answer_the_known_cases() {
    within_deadline("ring limits", || {
        // Exactly the most points a ring indexes: allowed, but not in this
        // process (64 GiB of points): refused by the cap, quickly.
        let mut ring = HashRing::builder().vnodes(u32::MAX).build::<&str>().unwrap();
        assert_out_of_memory("u32::MAX vnodes", &ring.insert("a").unwrap_err());
        let err = ring.insert_weighted("a", 1.000_001).unwrap_err();
        let past = (f64::from(u32::MAX) * 1.000_001).round() as u64;
        assert!(matches!(err, RouteError::TooManyPoints { requested, .. } if requested == past));
        // vnodes 2e9 (issue 13): 32 GB of points.
        let mut ring = HashRing::builder().vnodes(2_000_000_000).build::<&str>().unwrap();
        assert_out_of_memory("2e9 vnodes", &ring.insert("a").unwrap_err());
        // A ring weight of ~2.6e7 (issue 13): 66 GB of points at 160 vnodes.
        let mut ring = HashRing::new();
        ring.insert(u64::MAX).unwrap();
        assert_out_of_memory("weight 2.6e7", &ring.insert_weighted(1, 2.6e7).unwrap_err());
        let err = ring.insert_weighted(1, 26_843_546.0).unwrap_err();
        assert!(matches!(err, RouteError::TooManyPoints { .. }), "{err:?}");
        // Many nodes whose points add up past the limit, from an endless
        // iterator: refused once the sum passes it.
        let err = ring.extend_weighted((0u64..).map(|i| (i, 1e6))).unwrap_err();
        assert!(matches!(err, RouteError::TooManyPoints { .. }), "{err:?}");
        assert_eq!(ring.len(), 1);
        let mut ring = HashRing::new();
        let err = ring.extend_weighted((0u64..).map(|i| (i, 1e6))).unwrap_err();
        assert!(matches!(err, RouteError::TooManyPoints { .. }), "{err:?}");
        assert!(ring.is_empty());
        // A large weight that fits the cap works.
        ring.insert_weighted(7, 1e3).unwrap();
        assert_eq!(ring.point_count(), 160_000);
        works("ring of 160,000 points", &ring);
    });
}

/// Table sizes: below one node's worth, not prime, prime, and the largest.
const TABLE_SIZES: [u32; 11] = [0, 1, 2, 97, 99, 100, 101, 65_536, 65_537, LARGEST_TABLE, u32::MAX];

#[test]
fn maglev_sizes_and_weights_refuse_or_work() {
    within_deadline("maglev", || {
        for size in TABLE_SIZES {
            let built = Maglev::builder().table_size(size).build::<String>();
            let prime = [2, 97, 101, 65_537, LARGEST_TABLE].contains(&size);
            let mut lb = match built {
                Ok(lb) => {
                    assert!(prime && size >= 100, "table size {size} built");
                    lb
                }
                Err(BuildError::TableSizeTooSmall { least: 100, .. }) => {
                    assert!(size < 100, "{size}");
                    continue;
                }
                Err(BuildError::TableSizeNotPrime { .. }) => {
                    assert!(!prime && size >= 100, "{size}");
                    continue;
                }
                Err(other) => panic!("table size {size}: {other:?}"),
            };
            match lb.insert("a".to_string()) {
                Ok(()) => works(&format!("Maglev({size})"), &lb),
                Err(err) => {
                    // Only the largest table is past the cap (16 GiB to fill).
                    assert_eq!(size, LARGEST_TABLE);
                    assert_out_of_memory("the largest Maglev table", &err);
                    assert!(lb.is_empty() && lb.table().len() == 0);
                    continue;
                }
            }
            let err = lb.extend((0..).map(|i: u64| format!("n{i}"))).unwrap_err();
            assert!(matches!(err, RouteError::TableTooSmall { .. }), "{size}: {err:?}");
            assert_eq!(lb.len(), 1, "{size}: a refused change changed the table");
        }
        // `table_size_for(usize::MAX)` (issue 13) saturates at the largest
        // table, which this process cannot fill: refused, quickly.
        let mut lb = Maglev::builder().table_size_for(usize::MAX).build::<u64>().unwrap();
        assert_eq!(lb.table_size(), LARGEST_TABLE);
        assert_out_of_memory("table_size_for(usize::MAX)", &lb.insert(1).unwrap_err());
        let mut lb = Maglev::builder().table_size_for(0).build::<u64>().unwrap();
        assert_eq!(lb.table_size(), 65_537);
        lb.insert(1).unwrap();

        // Every weight, alone and beside weights far from it: the table is
        // full and every node holds an entry, never a hang.
        let mut lb: Maglev<String> = Maglev::builder().table_size(1_009).build().unwrap();
        for weight in WEIGHTS {
            for other in [None, Some(1.0), Some(5e-324), Some(f64::MAX)] {
                let mut pair = vec![("x".to_string(), weight)];
                pair.extend(other.map(|w| ("y".to_string(), w)));
                let name = format!("Maglev weights {pair:?}");
                match lb.extend_weighted(pair) {
                    Ok(()) => {
                        assert!(valid(weight), "{name}");
                        assert_eq!(lb.table().len(), 1_009, "{name}");
                        for node in ["x", "y"].iter().take(lb.len()) {
                            assert!(lb.table().any(|n| n == node), "{name}: {node} holds none");
                        }
                        works(&name, &lb);
                        lb.remove("x").unwrap();
                        let _ = lb.remove("y");
                    }
                    Err(RouteError::InvalidWeight { .. }) => assert!(!valid(weight), "{name}"),
                    Err(other) => panic!("{name}: {other:?}"),
                }
                assert!(lb.is_empty());
            }
        }
    });
}

/// Jump hashes, MementoHash: nodes from an endless iterator, removals of
/// nodes that are not there, and raw bucket functions at the edges.
#[test]
fn ordered_routers_refuse_or_work() {
    within_deadline("ordered", || {
        // An endless iterator: the cap refuses the node list as it grows
        // (before 2³² − 1 nodes), and nothing changes. The cap is lowered
        // for these so that the refusal comes after a million nodes, not
        // after sixteen million.
        let lowered = Lowered::to(8 << 20);
        let mut jump = JumpHash::new();
        jump.extend([1u64, 2]).unwrap();
        let endless = |from: u64| (from..).filter(|_| true);
        assert_out_of_memory("JumpHash::extend(0..)", &jump.extend(endless(3)).unwrap_err());
        assert_eq!(jump.nodes(), [1, 2]);
        // A size hint past the limit: refused before anything is collected.
        assert_out_of_memory("JumpHash::extend(huge)", &jump.extend(3u64..u64::MAX).unwrap_err());
        works("JumpHash", &jump);
        let mut back = JumpBackHash::new();
        back.extend([1u64, 2]).unwrap();
        assert_out_of_memory("JumpBackHash::extend(0..)", &back.extend(endless(3)).unwrap_err());
        assert_eq!(back.nodes(), [1, 2]);
        works("JumpBackHash", &back);
        assert_eq!(
            (JumpHash::bucket(u64::MAX, 0), JumpBackHash::bucket(u64::MAX, 0)),
            (None, None)
        );
        for key in [0, 1, u64::MAX] {
            for buckets in [1, 2, u32::MAX - 1, u32::MAX] {
                assert!(JumpHash::bucket(key, buckets).unwrap() < buckets);
                assert!(JumpBackHash::bucket(key, buckets).unwrap() < buckets);
            }
        }
        assert_eq!(jump.pop(), Some(2));
        assert_eq!(jump.pop(), Some(1));
        assert_eq!(jump.pop(), None);
        works("an emptied JumpHash", &jump);

        let mut memento = MementoHash::new();
        memento.extend([1u64, 2, 3]).unwrap();
        memento.remove(&2).unwrap();
        let before: Vec<Vec<u64>> =
            answers(&memento).into_iter().map(|l| l.into_iter().copied().collect()).collect();
        assert_out_of_memory("MementoHash::extend(0..)", &memento.extend(endless(10)).unwrap_err());
        assert_out_of_memory(
            "MementoHash::extend(huge)",
            &memento.extend(10u64..u64::MAX).unwrap_err(),
        );
        let after: Vec<Vec<u64>> =
            answers(&memento).into_iter().map(|l| l.into_iter().copied().collect()).collect();
        assert_eq!(after, before, "a refused change changed the memento router");
        drop(lowered);
        assert!(matches!(memento.remove(&2), Err(RouteError::UnknownNode { .. })));
        assert!(matches!(memento.extend([4, 4]), Err(RouteError::DuplicateNode { .. })));
        memento.extend([2, 4]).unwrap();
        works("MementoHash", &memento);
        for node in [1, 2, 3, 4] {
            memento.remove(&node).unwrap();
        }
        works("an emptied MementoHash", &memento);
    });
}

/// Rendezvous: each weight on its own (mixed weights are the rendezvous
/// module's own tests), and endless iterators.
#[test]
fn rendezvous_weights_refuse_or_work() {
    within_deadline("rendezvous", || {
        for weight in WEIGHTS {
            let mut router = Rendezvous::new();
            match router.insert_weighted("a", weight) {
                Ok(()) => {
                    assert!(valid(weight), "{weight}");
                    works(&format!("Rendezvous({weight})"), &router);
                }
                Err(RouteError::InvalidWeight { .. }) => assert!(!valid(weight), "{weight}"),
                Err(other) => panic!("Rendezvous({weight}): {other:?}"),
            }
        }
    });
}

/// Balance factors: only finite numbers above 1 build; caps never overflow.
#[test]
fn bounded_loads_refuse_or_work() {
    within_deadline("bounded", || {
        let factors = [
            0.0,
            -0.0,
            -1.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            5e-324,
            1.0,
            1.0 + f64::EPSILON,
            1.25,
            1e300,
            f64::MAX,
        ];
        for factor in factors {
            let mut ring = HashRing::new();
            ring.extend(["a", "b"]).unwrap();
            let ok = factor.is_finite() && factor > 1.0;
            match BoundedLoads::new(ring.clone(), factor) {
                Ok(bounded) => {
                    assert!(ok, "{factor}");
                    for total in [0, 1, u64::MAX - 1, u64::MAX] {
                        let cap = bounded.cap(total);
                        assert!(cap >= 1, "cap({total}) at {factor}");
                        assert!(bounded.route(b"k", total, &|_| 0).is_some());
                    }
                    assert!(bounded.route(b"k", 0, &|_| u64::MAX).is_none());
                }
                Err(BuildError::InvalidBalanceFactor { .. }) => assert!(!ok, "{factor}"),
                Err(other) => panic!("{factor}: {other:?}"),
            }
            match LoadTracker::new(ring, factor) {
                Ok(mut tracker) => {
                    for i in 0..100u32 {
                        assert!(tracker.assign(&i.to_le_bytes()).is_some());
                    }
                    assert_eq!(tracker.total(), 100);
                    assert!(matches!(tracker.release("c"), Err(RouteError::NoLoad { .. })));
                    assert!(matches!(tracker.insert("a"), Err(RouteError::DuplicateNode { .. })));
                    let err = tracker.update(|ring| ring.insert_weighted("c", 1e6)).unwrap_err();
                    assert_out_of_memory("LoadTracker::update", &err);
                    assert_eq!(tracker.total(), 100, "a refused change lost sessions");
                }
                Err(BuildError::InvalidBalanceFactor { .. }) => assert!(!ok, "{factor}"),
                Err(other) => panic!("{factor}: {other:?}"),
            }
        }
    });
}

/// A change refused inside a shared router publishes nothing.
#[test]
fn shared_routers_publish_only_changes_that_succeed() {
    within_deadline("shared", || {
        let shared = SharedRouter::new(HashRing::new());
        shared.update(|ring| ring.extend(["a", "b"])).unwrap();
        let before = shared.load_full();
        let err = shared.update(|ring| ring.insert_weighted("c", 2.6e7)).unwrap_err();
        assert_out_of_memory("SharedRouter::update", &err);
        let err = shared.update(|ring| ring.insert_weighted("c", f64::NAN)).unwrap_err();
        assert!(matches!(err, RouteError::InvalidWeight { .. }));
        assert!(std::sync::Arc::ptr_eq(&before, &shared.load_full()));
        works("SharedRouter", &*shared.load());
    });
}

#[cfg(feature = "compat")]
mod compat {
    use super::*;
    use routekit::route::compat::{CompatRing, Profile, Server};

    const PROFILES: [Profile; 4] =
        [Profile::Libketama, Profile::Libmemcached, Profile::Twemproxy, Profile::NginxConsistent];

    /// Whole-number weights around every profile's limits: nginx makes 160
    /// points per unit of weight, so 26,843,545 is its largest.
    const WEIGHTS: [u32; 9] =
        [0, 1, 2, 1000, 26_843_545, 26_843_546, i32::MAX as u32, i32::MAX as u32 + 1, u32::MAX];

    fn server(i: u32) -> String {
        format!("10.0.{}.{}:11211", i / 250, i % 250 + 1)
    }

    #[test]
    fn compat_weights_refuse_or_work() {
        within_deadline("compat", || {
            for profile in PROFILES {
                for weight in WEIGHTS {
                    let name = format!("{profile} weight {weight}");
                    let mut ring = CompatRing::with_servers(profile, [(server(0), 1)]).unwrap();
                    let before: Vec<Vec<String>> = answers(&ring)
                        .into_iter()
                        .map(|l| l.into_iter().cloned().collect())
                        .collect();
                    match ring.insert_weighted(server(1), weight) {
                        Ok(()) => {
                            let listed = ring.servers().filter(|s| s.points() > 0).count();
                            assert!(listed >= 1, "{name}: no server has points");
                            works_listing(&name, &ring, listed)
                        }
                        Err(err) => {
                            match &err {
                                RouteError::InvalidServer { .. } => {}
                                RouteError::TooManyPoints { requested, max, .. } => {
                                    assert!(requested > max, "{name}")
                                }
                                _ => assert_out_of_memory(&name, &err),
                            }
                            let after: Vec<Vec<String>> = answers(&ring)
                                .into_iter()
                                .map(|l| l.into_iter().cloned().collect())
                                .collect();
                            assert_eq!(after, before, "{name}: a refused change changed the ring");
                            assert_eq!(ring.len(), 1, "{name}");
                        }
                    }
                }
            }
        });
    }

    #[test]
    fn nginx_limits_answer_the_known_cases() {
        within_deadline("nginx", || {
            // ~2.7e7 (issue 13): at the limit, past the cap.
            let err = CompatRing::with_servers(
                Profile::NginxConsistent,
                [Server::new("10.0.0.1:80", 26_843_545)],
            )
            .unwrap_err();
            assert_out_of_memory("nginx weight 26,843,545", &err);
            let err = CompatRing::with_servers(
                Profile::NginxConsistent,
                [Server::new("10.0.0.1:80", 26_843_546)],
            )
            .unwrap_err();
            assert!(matches!(err, RouteError::TooManyPoints { .. }), "{err:?}");
            let mut ring =
                CompatRing::with_servers(Profile::NginxConsistent, [("10.0.0.1:80", 1)]).unwrap();
            assert!(matches!(ring.remove("10.0.0.2:80"), Err(RouteError::UnknownNode { .. })));
            assert!(matches!(
                ring.insert_weighted("10.0.0.1:80", 2),
                Err(RouteError::DuplicateNode { .. })
            ));
            ring.remove("10.0.0.1:80").unwrap();
            works("an emptied nginx ring", &ring);
        });
    }
}
