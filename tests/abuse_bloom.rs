//! Every public constructor of `bloom` and `hash` with hostile arguments:
//! 0, negative, NaN, ±∞, subnormal, `u32::MAX`, `u64::MAX`, and sizes just
//! past every documented limit. Each gives a typed error or a filter (or
//! hasher) that works, never a panic, an abort or a hang.
//!
//! The test binary runs under a global allocator capped at [`LIMIT`], so
//! sizes the machine could not provide are refused by the cap quickly,
//! through the same fallible reservation that refuses them when the
//! operating system says no, and no test touches gigabytes of memory.

use std::alloc::System;
use std::sync::{Mutex, mpsc};
use std::time::Duration;

use cap::Cap;
use routekit::bloom::{AtomicBloomFilter, BlockedBloomFilter, BloomFilter, BuildError, Filter};
use routekit::hash::{Fnv1a, HashAlgorithm, HasherId, KeyHasher, Sip13, Xxh3};

/// The most this test binary may allocate at once.
const LIMIT: usize = 256 << 20;

#[global_allocator]
static ALLOCATOR: Cap<System> = Cap::new(System, LIMIT);

/// Held by every test: the cap's accounting is exact only while one thread
/// at a time asks for more than it allows (it subtracts a request before
/// checking it, so two racing oversized requests can let a third one past).
static SERIAL: Mutex<()> = Mutex::new(());

/// The most bits a filter may have on a 64-bit platform (the `bloom`
/// module docs): `usize::MAX >> 3` rounded down to whole 256-bit blocks.
#[cfg(target_pointer_width = "64")]
const MAX_BITS: u64 = (1 << 61) - 256;

/// Rates: out of range, non-finite, subnormal, and the edges of (0, 1).
const RATES: [f64; 14] = [
    0.0,
    -0.0,
    -1.0,
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    5e-324, // the smallest subnormal
    f64::MIN_POSITIVE,
    1e-300,
    1e-15,
    0.01,
    0.5,
    1.0 - f64::EPSILON,
    1.0,
];

/// Expected item counts, from none to all.
const ITEMS: [u64; 7] = [0, 1, 2, 1000, u32::MAX as u64, 1 << 40, u64::MAX];

/// Bit counts around every size class and limit.
#[cfg(target_pointer_width = "64")]
const BITS: [u64; 14] = [
    0,
    1,
    63,
    64,
    65,
    255,
    256,
    257,
    u32::MAX as u64,
    1 << 33, // 1 GiB: past the cap
    MAX_BITS,
    MAX_BITS + 1,
    MAX_BITS + 256,
    u64::MAX,
];

/// Hash counts around both layouts' limits.
const HASHES: [u32; 13] = [0, 1, 7, 8, 9, 16, 24, 31, 32, 33, 64, 65, u32::MAX];

/// Runs `cases` on a thread and fails if they take longer than a generous
/// deadline: a hang is a failure too.
fn within_deadline(name: &str, cases: impl FnOnce() + Send + 'static) {
    let _serial = SERIAL.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let (done, finished) = mpsc::channel();
    let worker = std::thread::spawn(move || {
        cases();
        let _ = done.send(());
    });
    match finished.recv_timeout(Duration::from_secs(300)) {
        Ok(()) => worker.join().unwrap(),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            // The cases panicked: show their panic.
            std::panic::resume_unwind(worker.join().unwrap_err())
        }
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("{name}: still running after 300 s"),
    }
}

/// A filter that was built must work: find what it inserted, and encode.
fn works<F: Filter>(filter: &mut F) {
    for key in [&b""[..], b"k", b"another key"] {
        filter.insert(key);
        assert!(filter.contains(key));
    }
    assert!(filter.expected_fpr() > 0.0 && filter.len_estimate() > 0.0);
}

/// The errors a sizing constructor may give for `(items, fpr)`, and which
/// one it must give where the answer is known.
fn check_sized<F: Filter>(name: &str, items: u64, fpr: f64, built: Result<F, BuildError>) {
    let valid_fpr = fpr > 0.0 && fpr < 1.0;
    match built {
        Ok(mut filter) => {
            assert!(valid_fpr && items > 0, "{name}({items}, {fpr}) built a filter");
            works(&mut filter);
        }
        // Zero items is the first check, then the rate.
        Err(BuildError::ZeroItems) => assert!(items == 0, "{name}({items}, {fpr})"),
        Err(BuildError::InvalidFpr { .. }) => {
            assert!(items > 0 && !valid_fpr, "{name}({items}, {fpr})")
        }
        Err(BuildError::TooLarge { bits, max, .. }) => {
            assert!(valid_fpr && items > 0 && bits > u128::from(max), "{name}({items}, {fpr})")
        }
        Err(BuildError::OutOfMemory { bytes, .. }) => {
            assert!(bytes > (LIMIT / 2) as u64, "{name}({items}, {fpr}): {bytes} bytes")
        }
        Err(other) => panic!("{name}({items}, {fpr}): {other:?}"),
    }
}

#[test]
fn sizing_constructors_refuse_or_work() {
    within_deadline("sizing", || {
        for items in ITEMS {
            for fpr in RATES {
                check_sized("BloomFilter::new", items, fpr, BloomFilter::new(items, fpr));
                check_sized(
                    "BlockedBloomFilter::new",
                    items,
                    fpr,
                    BlockedBloomFilter::new(items, fpr),
                );
                check_sized(
                    "AtomicBloomFilter::new",
                    items,
                    fpr,
                    AtomicBloomFilter::new(items, fpr),
                );
                let sip = Sip13::new([3; 16]);
                check_sized(
                    "BloomFilter::with_hasher",
                    items,
                    fpr,
                    BloomFilter::with_hasher(items, fpr, sip.clone()),
                );
                check_sized(
                    "BlockedBloomFilter::with_hasher",
                    items,
                    fpr,
                    BlockedBloomFilter::with_hasher(items, fpr, Fnv1a),
                );
                check_sized(
                    "AtomicBloomFilter::with_hasher",
                    items,
                    fpr,
                    AtomicBloomFilter::with_hasher(items, fpr, sip),
                );
            }
        }
    });
}

#[test]
fn sizing_answers_the_known_cases() {
    let _serial = SERIAL.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    assert!(matches!(BloomFilter::new(100, f64::NAN), Err(BuildError::InvalidFpr { .. })));
    assert!(matches!(BloomFilter::new(100, -0.0), Err(BuildError::InvalidFpr { .. })));
    assert_eq!(BlockedBloomFilter::new(0, 0.5).unwrap_err(), BuildError::ZeroItems);
    // More bits than a filter may have.
    assert!(matches!(BloomFilter::new(u64::MAX, 1e-15), Err(BuildError::TooLarge { .. })));
    assert!(matches!(BlockedBloomFilter::new(u64::MAX, 0.01), Err(BuildError::TooLarge { .. })));
    // A size a filter may have, but not this process: refused by the cap.
    assert!(matches!(BloomFilter::new(1 << 40, 0.01), Err(BuildError::OutOfMemory { .. })));
    assert!(matches!(AtomicBloomFilter::new(1 << 40, 0.01), Err(BuildError::OutOfMemory { .. })));
    // The smallest subnormal rate is a valid rate: 64 hashes, a real filter.
    let mut tiny = BloomFilter::new(1, 5e-324).unwrap();
    assert_eq!(tiny.hashes(), 64);
    works(&mut tiny);
}

#[cfg(target_pointer_width = "64")]
#[test]
fn exact_size_constructors_refuse_or_work() {
    within_deadline("exact sizes", || {
        for bits in BITS {
            for hashes in HASHES {
                let standard = BloomFilter::with_bits(bits, hashes, Xxh3::new());
                let atomic = AtomicBloomFilter::with_bits(bits, hashes, Xxh3::with_seed(u64::MAX));
                let blocked = BlockedBloomFilter::with_bits(bits, hashes, Sip13::new([1; 16]));
                let case = format!("({bits}, {hashes})");
                // Standard layout: 1..=64 hashes, 1..=MAX_BITS bits, memory.
                let expected = if hashes == 0 {
                    Some("zero hashes")
                } else if hashes > 64 {
                    Some("too many hashes")
                } else if bits == 0 {
                    Some("zero bits")
                } else {
                    None
                };
                for (name, result) in [
                    ("BloomFilter", standard.map(|mut f| works(&mut f))),
                    ("AtomicBloomFilter", atomic.map(|mut f| works(&mut f))),
                ] {
                    check_exact(name, &case, bits, result, expected);
                }
                let expected = if hashes == 0 {
                    Some("zero hashes")
                } else if hashes % 8 != 0 || hashes > 32 {
                    Some("blocked hashes")
                } else if bits == 0 {
                    Some("zero bits")
                } else {
                    None
                };
                let blocked = blocked.map(|mut f| works(&mut f));
                check_exact("BlockedBloomFilter", &case, bits, blocked, expected);
            }
        }
    });
}

/// Names the refusals of a bad hash count or zero bits.
fn kind(error: &BuildError) -> &'static str {
    match error {
        BuildError::ZeroHashes => "zero hashes",
        BuildError::TooManyHashes { hashes, max: 64, .. } if *hashes > 64 => "too many hashes",
        BuildError::BlockedHashes { .. } => "blocked hashes",
        BuildError::ZeroBits => "zero bits",
        _ => "another error",
    }
}

/// An exact-size constructor's answer: the `expected` refusal of a bad
/// hash count or zero bits, else a working filter, a refusal of bits past
/// the limit, or a refusal of memory past the cap.
#[cfg(target_pointer_width = "64")]
fn check_exact(
    name: &str,
    case: &str,
    bits: u64,
    result: Result<(), BuildError>,
    expected: Option<&str>,
) {
    match (expected, result) {
        (Some(expected), result) => {
            assert_eq!(result.err().as_ref().map(kind), Some(expected), "{name}{case}")
        }
        (None, Ok(())) => assert!(bits <= (LIMIT as u64) * 8, "{name}{case}: built past the cap"),
        (None, Err(BuildError::TooLarge { max, .. })) => {
            assert!(bits > MAX_BITS && max == MAX_BITS, "{name}{case}")
        }
        (None, Err(BuildError::OutOfMemory { bytes, .. })) => {
            assert!(bits <= MAX_BITS && bytes >= bits / 8 / 2, "{name}{case}: {bytes} bytes")
        }
        (None, Err(other)) => panic!("{name}{case}: {other:?}"),
    }
}

#[cfg(target_pointer_width = "64")]
#[test]
fn the_documented_limit_is_exact() {
    let _serial = SERIAL.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    // MAX_BITS is a size a filter may have (refused only for memory here);
    // one bit more is too large.
    assert!(matches!(
        BloomFilter::with_bits(MAX_BITS, 1, Xxh3::new()),
        Err(BuildError::OutOfMemory { .. })
    ));
    assert!(matches!(
        BloomFilter::with_bits(MAX_BITS + 1, 1, Xxh3::new()),
        Err(BuildError::TooLarge { bits, max: MAX_BITS, .. }) if bits == u128::from(MAX_BITS) + 1
    ));
    assert!(matches!(
        BlockedBloomFilter::with_bits(MAX_BITS, 8, Xxh3::new()),
        Err(BuildError::OutOfMemory { .. })
    ));
    assert!(matches!(
        BlockedBloomFilter::with_bits(MAX_BITS + 1, 8, Xxh3::new()),
        Err(BuildError::TooLarge { .. })
    ));
    assert!(matches!(
        BloomFilter::with_bits(64, 65, Xxh3::new()),
        Err(BuildError::TooManyHashes { hashes: 65, max: 64, .. })
    ));
    assert!(matches!(
        BlockedBloomFilter::with_bits(256, 40, Xxh3::new()),
        Err(BuildError::BlockedHashes { hashes: 40, .. })
    ));
}

#[test]
fn hasher_constructors_take_every_value() {
    within_deadline("hashers", || {
        let long = vec![0xa5u8; 1 << 20];
        let inputs: [&[u8]; 3] = [b"", b"k", &long];
        for seed in [0, 1, u32::MAX as u64, u64::MAX] {
            let hasher = Xxh3::with_seed(seed);
            assert_eq!(hasher.seed(), seed);
            assert_eq!(hasher.id().tag(), seed);
            for input in inputs {
                assert_eq!(hasher.hash64(input), hasher.hash64(input));
                let _ = hasher.hash128(input);
            }
        }
        for (k0, k1) in [(0, 0), (u64::MAX, u64::MAX), (1, 0), (0, u64::MAX)] {
            let hasher = Sip13::with_keys(k0, k1);
            let mut key = [0u8; 16];
            key[..8].copy_from_slice(&k0.to_le_bytes());
            key[8..].copy_from_slice(&k1.to_le_bytes());
            assert_eq!(hasher, Sip13::new(key));
            assert_eq!(hasher.id().algorithm(), HashAlgorithm::Sip13);
            for input in inputs {
                assert_eq!(hasher.hash64(input), Sip13::new(key).hash64(input));
                assert_eq!(hasher.hash128(input), Sip13::new(key).hash128(input));
            }
        }
        for input in inputs {
            assert_eq!(Fnv1a.uniform64(input), Fnv1a.uniform64(input));
            let _ = Fnv1a.uniform128(input);
        }
        let long_name = "n".repeat(1 << 20);
        for (name, tag) in [("", 0), ("", u64::MAX), ("x", 1), (long_name.as_str(), 7)] {
            let id = HasherId::custom(name, tag);
            assert_eq!(id.algorithm(), HashAlgorithm::Custom);
            assert_eq!(id, HasherId::custom(name, tag));
            assert!(id.to_string().starts_with("custom hasher 0x"));
        }
    });
}
