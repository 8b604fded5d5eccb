//! Bloom filters: properties stamped onto every filter, a naive reference for
//! the documented bit positions, the byte format (golden bytes, damaged and
//! hostile input), and seeded false-positive statistics against the models.
//!
//! Case counts are small so the suite stays fast; `PROPTEST_CASES=N` sets
//! them, and `ROUTEKIT_LONG_TESTS=1` multiplies them by 16 and runs the
//! statistics at ten times the probes.

use std::collections::HashSet;

use proptest::prelude::*;
use routekit::bloom::{
    AtomicBloomFilter, BlockedBloomFilter, BloomFilter, BuildError, CombineError, Corruption,
    DecodeError, Degeneracy, Filter,
};
use routekit::hash::{Fnv1a, HashAlgorithm, HasherId, KeyHasher, Sip13, Xxh3};

/// Asserts that `value` matches `pattern`, printing it when it does not.
macro_rules! assert_matches {
    ($value:expr, $pattern:pat $(if $guard:expr)?) => {
        match $value {
            $pattern $(if $guard)? => {}
            ref other => panic!("{other:?} does not match {}", stringify!($pattern)),
        }
    };
}

/// Proptest cases: `PROPTEST_CASES`, else `default` (×16 with long tests).
fn cases(default: u32) -> u32 {
    if let Some(n) = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()) {
        return n;
    }
    if long_tests() { default * 16 } else { default }
}

fn long_tests() -> bool {
    std::env::var("ROUTEKIT_LONG_TESTS").is_ok_and(|v| v == "1")
}

/// A deterministic pseudo-random sequence (SplitMix64).
fn seeded(seed: u64) -> impl Iterator<Item = u64> {
    let mut state = seed;
    std::iter::repeat_with(move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    })
}

/// What the tests need of a filter beyond the trait: its byte format.
trait Encoded: Filter + Sized + PartialEq + std::fmt::Debug {
    fn encode(&self) -> Vec<u8>;
    fn encoded_len(&self) -> usize;
    fn decode(bytes: &[u8], hasher: Self::Hasher) -> Result<Self, DecodeError>;
}

macro_rules! encoded {
    ($($filter:ident),*) => {$(
        impl<H: KeyHasher> Encoded for $filter<H> {
            fn encode(&self) -> Vec<u8> {
                self.to_bytes()
            }
            fn encoded_len(&self) -> usize {
                $filter::encoded_len(self)
            }
            fn decode(bytes: &[u8], hasher: H) -> Result<Self, DecodeError> {
                $filter::from_bytes(bytes, hasher)
            }
        }
    )*};
}
encoded!(BloomFilter, BlockedBloomFilter);

/// The atomic filter compares by its bytes (it holds atomics, not `Eq`).
#[derive(Debug)]
struct Atomic(AtomicBloomFilter<Xxh3>);

impl PartialEq for Atomic {
    fn eq(&self, other: &Self) -> bool {
        self.0.snapshot() == other.0.snapshot()
    }
}

impl Filter for Atomic {
    type Hasher = Xxh3;
    fn with_hasher(items: u64, fpr: f64, hasher: Xxh3) -> Result<Self, BuildError> {
        AtomicBloomFilter::with_hasher(items, fpr, hasher).map(Atomic)
    }
    fn insert(&mut self, key: &[u8]) -> bool {
        self.0.insert(key) // the &self insert
    }
    fn contains(&self, key: &[u8]) -> bool {
        self.0.contains(key)
    }
    fn union(&mut self, other: &Self) -> Result<(), CombineError> {
        self.0.union_shared(&other.0)
    }
    fn expected_fpr(&self) -> f64 {
        self.0.expected_fpr()
    }
    fn len_estimate(&self) -> f64 {
        self.0.len_estimate()
    }
    fn clear(&mut self) {
        self.0.clear()
    }
    fn bits(&self) -> u64 {
        self.0.bits()
    }
    fn hashes(&self) -> u32 {
        self.0.hashes()
    }
}

impl Encoded for Atomic {
    fn encode(&self) -> Vec<u8> {
        self.0.to_bytes()
    }
    fn encoded_len(&self) -> usize {
        self.0.encoded_len()
    }
    fn decode(bytes: &[u8], hasher: Xxh3) -> Result<Self, DecodeError> {
        AtomicBloomFilter::from_bytes(bytes, hasher).map(Atomic)
    }
}

/// Recomputes the checksum of (possibly edited) filter bytes.
fn reseal(bytes: &mut [u8]) {
    let end = bytes.len() - 8;
    let checksum = Xxh3::new().hash64(&bytes[..end]);
    bytes[end..].copy_from_slice(&checksum.to_le_bytes());
}

/// A small random filter's parameters and keys.
fn keys_strategy() -> impl Strategy<Value = Vec<Vec<u8>>> {
    prop::collection::vec(prop::collection::vec(any::<u8>(), 0..24), 0..300)
}

/// Stamps the same properties onto one filter type.
macro_rules! filter_properties {
    ($module:ident, $filter:ty, $hasher:expr) => {
        mod $module {
            use super::*;

            fn build(items: u64, fpr: f64) -> $filter {
                <$filter>::with_hasher(items, fpr, $hasher).unwrap()
            }

            /// Operations against a `HashSet` model.
            #[derive(Clone, Debug)]
            enum Op {
                Insert(Vec<u8>),
                Contains(Vec<u8>),
                Clear,
            }

            fn op() -> impl Strategy<Value = Op> {
                let key = prop::collection::vec(0u8..8, 0..3); // few distinct keys: repeats
                prop_oneof![
                    6 => key.clone().prop_map(Op::Insert),
                    6 => key.prop_map(Op::Contains),
                    1 => Just(Op::Clear),
                ]
            }

            proptest! {
                #![proptest_config(ProptestConfig::with_cases(cases(48)))]

                #[test]
                fn no_false_negatives(keys in keys_strategy(), items in 1u64..400, fpr in 0.0001f64..0.5) {
                    let mut filter = build(items, fpr);
                    for key in &keys {
                        filter.insert(key);
                    }
                    for key in &keys {
                        prop_assert!(filter.contains(key));
                    }
                }

                #[test]
                fn operations_agree_with_a_set(ops in prop::collection::vec(op(), 0..200)) {
                    let mut filter = build(20, 0.01);
                    let mut model = HashSet::new();
                    for op in ops {
                        match op {
                            Op::Insert(key) => {
                                let maybe_present = filter.insert(&key);
                                // A key inserted before has all its bits set.
                                prop_assert!(maybe_present || !model.contains(&key));
                                prop_assert!(!model.contains(&key) || maybe_present);
                                model.insert(key);
                            }
                            Op::Contains(key) => {
                                prop_assert!(filter.contains(&key) || !model.contains(&key));
                            }
                            Op::Clear => {
                                filter.clear();
                                model.clear();
                                prop_assert_eq!(filter.len_estimate(), 0.0);
                                prop_assert_eq!(filter.expected_fpr(), 0.0);
                            }
                        }
                    }
                }

                #[test]
                fn union_equals_the_filter_of_both_key_sets(a in keys_strategy(), b in keys_strategy()) {
                    let (mut left, mut right, mut both) = (build(300, 0.01), build(300, 0.01), build(300, 0.01));
                    for key in &a {
                        left.insert(key);
                        both.insert(key);
                    }
                    for key in &b {
                        right.insert(key);
                        both.insert(key);
                    }
                    left.union(&right).unwrap();
                    for key in a.iter().chain(&b) {
                        prop_assert!(left.contains(key));
                    }
                    let (ours, theirs) = (left.encode(), both.encode());
                    prop_assert_eq!(&ours[32..ours.len() - 8], &theirs[32..theirs.len() - 8]);
                    prop_assert_eq!(&left, &both);
                }

                #[test]
                fn bytes_round_trip(keys in keys_strategy(), items in 1u64..2000, fpr in 0.001f64..0.3) {
                    let mut filter = build(items, fpr);
                    for key in &keys {
                        filter.insert(key);
                    }
                    let bytes = filter.encode();
                    prop_assert_eq!(filter.encoded_len(), bytes.len());
                    let copy = <$filter>::decode(&bytes, $hasher).unwrap();
                    prop_assert_eq!(&copy, &filter);
                    prop_assert_eq!(copy.encode(), bytes);
                    for key in &keys {
                        prop_assert!(copy.contains(key));
                    }
                }

                #[test]
                fn damaged_bytes_are_refused(keys in keys_strategy(), at in any::<prop::sample::Index>(), flip in 1u8..=255) {
                    let mut filter = build(100, 0.01);
                    for key in &keys {
                        filter.insert(key);
                    }
                    let mut bytes = filter.encode();
                    let at = at.index(bytes.len());
                    bytes[at] ^= flip;
                    prop_assert!(<$filter>::decode(&bytes, $hasher).is_err());
                    // Truncated or extended: refused.
                    let good = filter.encode();
                    prop_assert!(<$filter>::decode(&good[..at], $hasher).is_err());
                    let mut longer = good.clone();
                    longer.push(flip);
                    prop_assert!(<$filter>::decode(&longer, $hasher).is_err());
                }

                #[test]
                fn accepted_bytes_always_encode_back_exactly(
                    edits in prop::collection::vec((0usize..40, any::<u8>()), 1..4),
                ) {
                    // Header edits with a valid checksum: either refused, or
                    // a filter that writes back the very same bytes.
                    let mut filter = build(100, 0.01);
                    filter.insert(b"a");
                    let mut bytes = filter.encode();
                    for (at, value) in edits {
                        let at = at % 32;
                        bytes[at] = value;
                    }
                    reseal(&mut bytes);
                    if let Ok(read) = <$filter>::decode(&bytes, $hasher) {
                        prop_assert_eq!(read.encode(), bytes);
                    }
                }

                #[test]
                fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200), header in any::<bool>()) {
                    let mut bytes = bytes;
                    if header && bytes.len() >= 48 {
                        // Give the noise a valid preamble and checksum, so the
                        // field checks behind them are reached.
                        let valid = build(10, 0.1).encode();
                        bytes[..8].copy_from_slice(&valid[..8]);
                        reseal(&mut bytes);
                    }
                    let _ = <$filter>::decode(&bytes, $hasher);
                }
            }

            #[test]
            fn estimates_track_the_fill() {
                let mut filter = build(10_000, 0.01);
                assert_eq!(filter.expected_fpr(), 0.0);
                for key in seeded(1).take(10_000) {
                    filter.insert(&key.to_le_bytes());
                }
                let estimate = filter.len_estimate();
                assert!((9_700.0..10_300.0).contains(&estimate), "{estimate}");
                let rate = filter.expected_fpr();
                assert!((0.007..0.0115).contains(&rate), "{rate}");
            }

            #[test]
            fn invalid_sizes_are_refused() {
                for fpr in [0.0, 1.0, -0.1, 1.5, f64::NAN, f64::INFINITY] {
                    assert!(matches!(
                        <$filter>::with_hasher(100, fpr, $hasher),
                        Err(BuildError::InvalidFpr { .. })
                    ));
                }
                assert_eq!(<$filter>::with_hasher(0, 0.01, $hasher).unwrap_err(), BuildError::ZeroItems);
                assert!(matches!(
                    <$filter>::with_hasher(u64::MAX, 1e-10, $hasher),
                    Err(BuildError::TooLarge { .. })
                ));
            }
        }
    };
}

filter_properties!(standard, BloomFilter<Xxh3>, Xxh3::with_seed(3));
filter_properties!(standard_sip13, BloomFilter<Sip13>, Sip13::new([9; 16]));
filter_properties!(standard_fnv1a, BloomFilter<Fnv1a>, Fnv1a);
filter_properties!(blocked, BlockedBloomFilter<Xxh3>, Xxh3::new());
filter_properties!(blocked_sip13, BlockedBloomFilter<Sip13>, Sip13::new([9; 16]));
filter_properties!(atomic, Atomic, Xxh3::new());

/// The standard filter's positions as the module docs state them, computed
/// the obvious way.
fn reference_positions(key: &[u8], bits: u64, hashes: u32) -> Vec<u64> {
    let hash = Xxh3::new().hash128(key);
    let (h1, h2) = (hash as u64, (hash >> 64) as u64);
    (0..u64::from(hashes))
        .map(|i| {
            let x = h1.wrapping_add(i.wrapping_mul(h2 | 1));
            ((u128::from(x) * u128::from(bits)) >> 64) as u64
        })
        .collect()
}

#[test]
fn standard_bits_are_the_documented_positions() {
    let (bits, hashes) = (10_048u64, 5);
    let mut filter = BloomFilter::with_bits(bits, hashes, Xxh3::new()).unwrap();
    let mut reference = vec![false; bits as usize];
    for key in seeded(5).take(500) {
        filter.insert(&key.to_le_bytes());
        for position in reference_positions(&key.to_le_bytes(), bits, hashes) {
            reference[position as usize] = true;
        }
    }
    let ours: Vec<bool> = filter.as_bitslice().iter().map(|bit| *bit).collect();
    assert_eq!(ours, reference);
    // Bit i is bit i % 64 of little-endian word i / 64 in the bytes.
    let bytes = filter.to_bytes();
    for (i, &set) in reference.iter().enumerate() {
        let byte = bytes[32 + i / 8];
        assert_eq!(byte >> (i % 8) & 1 == 1, set, "bit {i}");
    }
}

/// Parquet's split block salts, as the blocked filter's docs cite them.
const PARQUET_SALTS: [u32; 8] = [
    0x47b6137b, 0x44974d91, 0x8824ad5b, 0xa2b7289d, 0x705495c7, 0x2df1424b, 0x9efc4947, 0x5c6bfb31,
];

#[test]
fn blocked_bits_are_the_documented_positions() {
    let blocks = 37u64;
    let mut filter = BlockedBloomFilter::with_bits(blocks * 256, 8, Xxh3::new()).unwrap();
    let mut reference = vec![[0u32; 8]; blocks as usize];
    for key in seeded(6).take(400) {
        let key = key.to_le_bytes();
        filter.insert(&key);
        // Block: the high half of h · blocks; seed: the 32 bits below it.
        let product = u128::from(Xxh3::new().hash64(&key)) * u128::from(blocks);
        let (block, seed) = ((product >> 64) as usize, (product >> 32) as u32);
        for (lane, salt) in reference[block].iter_mut().zip(PARQUET_SALTS) {
            *lane |= 1 << (seed.wrapping_mul(salt) >> 27);
        }
    }
    // Lane i of block b is the little-endian u32 at 32 + 32·b + 4·i.
    let lanes: Vec<u32> = filter.to_bytes()[32..32 + blocks as usize * 32]
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
        .collect();
    assert_eq!(lanes, reference.concat());
}

#[test]
fn golden_bytes_of_a_standard_filter() {
    // Version 1 of the format; a release may not change these bytes. The
    // expected bytes were computed independently from the module docs'
    // description with python-xxhash 4.1.0 (XXH3-128 with seed 7).
    let mut filter = BloomFilter::with_bits(128, 3, Xxh3::with_seed(7)).unwrap();
    for key in ["alpha", "beta", "gamma"] {
        filter.insert(key.as_bytes());
    }
    let bytes = filter.to_bytes();
    assert_eq!(
        hex(&bytes),
        concat!(
            "524b4246_01_01_01_03", // magic "RKBF", version 1, standard, xxh3, k = 3
            "0700000000000000",     // seed 7
            "8000000000000000",     // 128 bits
            "0300000000000000",     // 3 inserted
            "0000000100230000",     // word 0: bits 24, 40, 41, 45
            "02000100000a8000",     // word 1: bits 65, 80, 105, 107, 119
            "6b313437486c97bd",     // XXH3-64 of the bytes before it
        )
        .replace('_', "")
    );
    assert_eq!(BloomFilter::from_bytes(&bytes, Xxh3::with_seed(7)).unwrap(), filter);
}

#[test]
fn golden_bytes_of_a_blocked_filter() {
    // Layout 3 (split blocks); a release may not change these bytes. The
    // expected bytes were computed independently from the docs' description
    // with python-xxhash 4.1.0 (XXH3-64, seed 0): "alpha" goes to block 1,
    // "beta" and "gamma" to block 0.
    let mut filter = BlockedBloomFilter::with_bits(512, 8, Xxh3::new()).unwrap();
    for key in ["alpha", "beta", "gamma"] {
        filter.insert(key.as_bytes());
    }
    let bytes = filter.to_bytes();
    assert_eq!(
        hex(&bytes),
        concat!(
            "524b4246_01_03_01_08", // magic "RKBF", version 1, blocked, xxh3, k = 8
            "0000000000000000",     // seed 0
            "0002000000000000",     // 512 bits: two blocks
            "0300000000000000",     // 3 inserted
            "00101000_40000200",    // block 0, lanes 0-1: bits 12, 20 | 6, 17
            "00004800_00080001",    // lanes 2-3: bits 19, 22 | 11, 24
            "08000010_08020000",    // lanes 4-5: bits 3, 28 | 3, 9
            "20010000_0c000000",    // lanes 6-7: bits 5, 8 | 2, 3
            "00000100_00002000",    // block 1, lanes 0-1: bit 16 | 21
            "40000000_00100000",    // lanes 2-3: bit 6 | 12
            "00000100_00000100",    // lanes 4-5: bit 16 | 16
            "00000008_00080000",    // lanes 6-7: bit 27 | 11
            "f1c22e4b69efabc8",     // checksum
        )
        .replace('_', "")
    );
    assert_eq!(BlockedBloomFilter::from_bytes(&bytes, Xxh3::new()).unwrap(), filter);
}

/// Lowercase hex of `bytes`.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn a_filter_is_read_only_with_its_own_hasher() {
    let secret = Sip13::new([0xa5; 16]);
    let mut filter = BloomFilter::with_hasher(10, 0.01, secret.clone()).unwrap();
    filter.insert(b"k");
    let bytes = filter.to_bytes();
    assert_eq!(BloomFilter::from_bytes(&bytes, secret.clone()).unwrap(), filter);
    assert_matches!(
        BloomFilter::from_bytes(&bytes, Sip13::new([0xa6; 16])),
        Err(DecodeError::HasherMismatch { written, given, .. })
            if written == secret.id() && given == Sip13::new([0xa6; 16]).id()
    );
    let xxh3_bytes = BloomFilter::new(10, 0.01).unwrap().to_bytes();
    assert!(matches!(
        BloomFilter::from_bytes(&xxh3_bytes, Fnv1a),
        Err(DecodeError::HasherMismatch { .. })
    ));
    assert_matches!(
        BlockedBloomFilter::from_bytes(&xxh3_bytes, Xxh3::new()),
        Err(DecodeError::WrongLayout { expected: "blocked", found: "standard", .. })
    );
    let mut future = xxh3_bytes.clone();
    future[4] = 2;
    reseal(&mut future);
    assert_matches!(
        BloomFilter::from_bytes(&future, Xxh3::new()),
        Err(DecodeError::UnsupportedVersion { version: 2, supported: 1, .. })
    );
}

#[test]
fn unknown_layout_codes_are_refused() {
    // Codes 1 (standard) and 3 (blocked) exist; any other is refused before
    // its bits are read, whatever they would mean.
    let mut bytes = BlockedBloomFilter::new(10, 0.01).unwrap().to_bytes();
    assert_eq!(bytes[5], 3);
    for code in [0, 2, 4, 255] {
        bytes[5] = code;
        reseal(&mut bytes);
        assert_matches!(
            BlockedBloomFilter::from_bytes(&bytes, Xxh3::new()),
            Err(DecodeError::Corrupt { reason: Corruption::Layout { code: c, .. }, .. }) if c == code
        );
        assert_matches!(
            BloomFilter::from_bytes(&bytes, Xxh3::new()),
            Err(DecodeError::Corrupt { reason: Corruption::Layout { code: c, .. }, .. }) if c == code
        );
    }
}

#[test]
fn each_damage_is_named() {
    let good = BloomFilter::new(10, 0.01).unwrap().to_bytes();
    let refused = |edit: &dyn Fn(&mut Vec<u8>)| {
        let mut bytes = good.clone();
        edit(&mut bytes);
        match BloomFilter::from_bytes(&bytes, Xxh3::new()).unwrap_err() {
            DecodeError::Corrupt { reason, .. } => reason,
            other => panic!("expected corrupt bytes, got {other:?}"),
        }
    };
    assert_eq!(refused(&|b| b.truncate(39)), Corruption::TooShort);
    assert_eq!(refused(&|b| b[0] = b'X'), Corruption::Magic);
    assert_eq!(refused(&|b| b[40] ^= 4), Corruption::Checksum);
    let resealed = |edit: fn(&mut Vec<u8>)| {
        refused(&move |b: &mut Vec<u8>| {
            edit(b);
            reseal(b);
        })
    };
    assert_matches!(resealed(|b| b[6] = 0), Corruption::Hasher { code: 0, .. });
    assert_matches!(resealed(|b| b[6] = 4), Corruption::Hasher { code: 4, .. });
    assert_matches!(resealed(|b| b[7] = 0), Corruption::Hashes { hashes: 0, .. });
    assert_matches!(resealed(|b| b[7] = 65), Corruption::Hashes { hashes: 65, .. });
    assert_matches!(resealed(|b| b[16..24].fill(0)), Corruption::Bits { bits: 0, .. });
    assert_matches!(
        resealed(|b| b[16..24].copy_from_slice(&100u64.to_le_bytes())),
        Corruption::Bits { bits: 100, .. }
    );
    // Every message says what is wrong and what is allowed.
    let message = resealed(|b| b[6] = 4).to_string();
    assert!(message.contains("hasher code 4 is unknown: 1 (xxh3)"), "{message}");
}

#[test]
fn huge_declared_sizes_are_refused_before_allocating() {
    let mut bytes = BloomFilter::new(10, 0.01).unwrap().to_bytes();
    bytes[16..24].copy_from_slice(&(1u64 << 60).to_le_bytes()); // 2^57 bytes of bits
    reseal(&mut bytes);
    assert!(matches!(
        BloomFilter::from_bytes(&bytes, Xxh3::new()),
        Err(DecodeError::Length { .. } | DecodeError::Corrupt { .. })
    ));
}

#[test]
fn degenerate_configurations_are_refused() {
    let unset = Sip13::new([0; 16]);
    assert_matches!(
        BloomFilter::with_hasher(10, 0.1, unset.clone()),
        Err(BuildError::DegenerateHasher { hasher, reason: Degeneracy::PublicKey, .. })
            if hasher == unset.id()
    );
    // Bytes that claim the all-zero key no filter can have: refused as
    // corrupt, even when read with that key.
    let mut bytes = BloomFilter::with_hasher(10, 0.1, Sip13::new([1; 16])).unwrap().to_bytes();
    bytes[8..16].copy_from_slice(&unset.id().tag().to_le_bytes());
    reseal(&mut bytes);
    assert_matches!(
        BloomFilter::from_bytes(&bytes, unset),
        Err(DecodeError::Corrupt {
            reason: Corruption::DegenerateHasher { reason: Degeneracy::PublicKey, .. },
            ..
        })
    );
    let standard = |bits, hashes| BloomFilter::with_bits(bits, hashes, Xxh3::new());
    assert_eq!(standard(0, 3).unwrap_err(), BuildError::ZeroBits);
    assert_eq!(standard(64, 0).unwrap_err(), BuildError::ZeroHashes);
    assert_matches!(standard(64, 65), Err(BuildError::TooManyHashes { hashes: 65, max: 64, .. }));
    assert!(matches!(standard(u64::MAX, 3), Err(BuildError::TooLarge { .. })));
    let blocked = |hashes| BlockedBloomFilter::with_bits(512, hashes, Xxh3::new());
    assert_eq!(blocked(0).unwrap_err(), BuildError::ZeroHashes);
    assert_matches!(blocked(12), Err(BuildError::BlockedHashes { hashes: 12, .. }));
    assert_matches!(blocked(40), Err(BuildError::BlockedHashes { hashes: 40, .. }));
    assert_eq!(blocked(32).unwrap().hashes(), 32);
    assert!(matches!(
        AtomicBloomFilter::with_bits(64, 65, Xxh3::new()),
        Err(BuildError::TooManyHashes { .. })
    ));
}

#[test]
fn hasher_codes_in_the_bytes_are_stable() {
    // Byte 6 of the format: 1 xxh3, 2 fnv1a, 3 sip13, 255 custom; byte 8..16
    // the tag.
    fn header<H: KeyHasher>(hasher: H) -> (u8, u64) {
        let bytes = BloomFilter::with_bits(64, 1, hasher).unwrap().to_bytes();
        (bytes[6], u64::from_le_bytes(bytes[8..16].try_into().unwrap()))
    }
    assert_eq!(header(Xxh3::with_seed(5)), (1, 5));
    assert_eq!(header(Fnv1a), (2, 0));
    let sip = Sip13::new(std::array::from_fn(|i| i as u8));
    assert_eq!(header(sip), (3, 0xfec2_af37_78a0_0e8a));
    assert_eq!(header(Renamed(7)), (255, 0x1d07_367c_aa13_7850));
}

/// XXH3 with a seed, under a name of its own: a custom hasher whose hash
/// values equal a built-in one's.
#[derive(Clone, Debug)]
struct Renamed(u64);

impl KeyHasher for Renamed {
    fn hash64(&self, bytes: &[u8]) -> u64 {
        Xxh3::with_seed(self.0).hash64(bytes)
    }
    fn hash128(&self, bytes: &[u8]) -> u128 {
        Xxh3::with_seed(self.0).hash128(bytes)
    }
    fn id(&self) -> HasherId {
        HasherId::custom("routekit test: xxh3 seed 7 by another name", self.0)
    }
}

/// Another custom algorithm.
#[derive(Clone, Debug)]
struct Reversed;

impl KeyHasher for Reversed {
    fn hash64(&self, bytes: &[u8]) -> u64 {
        Xxh3::new().hash64(&bytes.iter().rev().copied().collect::<Vec<_>>())
    }
    fn hash128(&self, bytes: &[u8]) -> u128 {
        Xxh3::new().hash128(&bytes.iter().rev().copied().collect::<Vec<_>>())
    }
    fn id(&self) -> HasherId {
        HasherId::custom("routekit test: reversed", 0)
    }
}

#[test]
fn golden_bytes_of_a_custom_hasher_filter() {
    // The filter of golden_bytes_of_a_standard_filter, hashed with the same
    // function under a custom name: the same bits, hasher code 255 and the
    // name's fingerprint as the tag. Computed independently with
    // python-xxhash 4.1.0: xxh3_64(name, seed=7), then the checksum.
    let mut filter = BloomFilter::with_bits(128, 3, Renamed(7)).unwrap();
    for key in ["alpha", "beta", "gamma"] {
        filter.insert(key.as_bytes());
    }
    let bytes = filter.to_bytes();
    assert_eq!(
        hex(&bytes),
        concat!(
            "524b4246_01_01_ff_03", // magic "RKBF", version 1, standard, custom, k = 3
            "507813aa7c36071d",     // XXH3-64 of the name, seeded with 7
            "8000000000000000",     // 128 bits
            "0300000000000000",     // 3 inserted
            "0000000100230000",     // word 0: bits 24, 40, 41, 45
            "02000100000a8000",     // word 1: bits 65, 80, 105, 107, 119
            "083dd76138505414",     // XXH3-64 of the bytes before it
        )
        .replace('_', "")
    );
    assert_eq!(BloomFilter::from_bytes(&bytes, Renamed(7)).unwrap(), filter);
}

#[test]
fn a_custom_hasher_filter_is_read_only_with_that_hasher() {
    let mut custom = BloomFilter::with_hasher(100, 0.01, Renamed(7)).unwrap();
    let mut builtin = BloomFilter::with_hasher(100, 0.01, Xxh3::with_seed(7)).unwrap();
    for key in ["a", "b", "c"] {
        custom.insert(key.as_bytes());
        builtin.insert(key.as_bytes());
    }
    // The same bits, yet neither is read as the other: the ids differ.
    assert_eq!(custom.as_bitslice(), builtin.as_bitslice());
    let bytes = custom.to_bytes();
    assert_eq!(BloomFilter::from_bytes(&bytes, Renamed(7)).unwrap(), custom);
    let mismatch = |result: Result<_, DecodeError>| matches!(result, Err(DecodeError::HasherMismatch { written, .. }) if written == Renamed(7).id());
    assert!(mismatch(BloomFilter::from_bytes(&bytes, Xxh3::with_seed(7)).map(drop)));
    assert!(mismatch(BloomFilter::from_bytes(&bytes, Renamed(8)).map(drop)));
    assert!(mismatch(BloomFilter::from_bytes(&bytes, Reversed).map(drop)));
    assert!(mismatch(BloomFilter::from_bytes(&bytes, Sip13::new([7; 16])).map(drop)));
    assert!(matches!(
        BloomFilter::from_bytes(&builtin.to_bytes(), Renamed(7)),
        Err(DecodeError::HasherMismatch { .. })
    ));
    // Custom filters round-trip in every layout.
    let mut blocked = BlockedBloomFilter::with_hasher(100, 0.01, Reversed).unwrap();
    blocked.insert(b"k");
    let read = BlockedBloomFilter::from_bytes(&blocked.to_bytes(), Reversed).unwrap();
    assert_eq!(read, blocked);
    assert!(read.contains(b"k"));
    assert_eq!(read.hasher().id().algorithm(), HashAlgorithm::Custom);
    let message = BloomFilter::from_bytes(&bytes, Xxh3::with_seed(7)).unwrap_err().to_string();
    assert!(message.contains("custom hasher 0x1d07367caa137850"), "{message}");
    assert!(message.contains("xxh3 seed 7"), "{message}");
}

#[test]
fn filters_of_different_hashers_do_not_combine() {
    let mut custom = BloomFilter::with_bits(1024, 3, Renamed(7)).unwrap();
    let other = BloomFilter::with_bits(1024, 3, Renamed(8)).unwrap();
    let before = custom.clone();
    assert_matches!(
        custom.union(&other),
        Err(CombineError::Hasher { ours, theirs, .. })
            if ours == Renamed(7).id() && theirs == Renamed(8).id()
    );
    assert_eq!(custom, before);
    let mut blocked = BlockedBloomFilter::with_bits(1024, 8, Xxh3::new()).unwrap();
    let larger = BlockedBloomFilter::with_bits(2048, 8, Xxh3::new()).unwrap();
    assert_matches!(
        blocked.intersect(&larger),
        Err(CombineError::Bits { ours: 1024, theirs: 2048, .. })
    );
    let shared = AtomicBloomFilter::with_bits(1024, 3, Xxh3::new()).unwrap();
    let more_hashes = AtomicBloomFilter::with_bits(1024, 4, Xxh3::new()).unwrap();
    assert_matches!(
        shared.union_shared(&more_hashes),
        Err(CombineError::Hashes { ours: 3, theirs: 4, .. })
    );
}

#[test]
fn the_atomic_filter_estimates_from_its_own_bits() {
    // The estimates read the shared words in place; they equal those of a
    // copy of the bits.
    let shared = AtomicBloomFilter::new(5_000, 0.01).unwrap();
    for key in seeded(9).take(4_000) {
        shared.insert(&key.to_le_bytes());
    }
    let copy = shared.snapshot();
    assert_eq!(shared.expected_fpr(), copy.expected_fpr());
    assert_eq!(shared.len_estimate(), copy.len_estimate());
    // Near the model at this fill: the set bits X of m vary by about
    // sqrt(m p (1 - p)), under 0.6% of X here, so (X/m)^7 by under 4%; the
    // band is ±20%.
    let (rate, model) = (shared.expected_fpr(), copy.model_fpr(4_000));
    assert!((rate / model - 1.0).abs() < 0.2, "fill gives {rate}, model {model}");
}

#[test]
fn concurrent_inserts_give_the_single_threaded_bits() {
    let keys: Vec<u64> = seeded(8).take(40_000).collect();
    let shared = AtomicBloomFilter::new(40_000, 0.01).unwrap();
    std::thread::scope(|s| {
        for part in keys.chunks(10_000) {
            let shared = &shared;
            s.spawn(move || {
                for key in part.iter().rev() {
                    shared.insert(&key.to_le_bytes());
                }
            });
        }
    });
    let mut single = BloomFilter::new(40_000, 0.01).unwrap();
    for key in &keys {
        single.insert(&key.to_le_bytes());
    }
    assert!(BloomFilter::from(shared) == single, "the bits differ");
}

/// Inserts `keys` seeded keys and probes `probes` others; returns the
/// measured false-positive rate.
fn measured_fpr(filter: &mut impl Filter, keys: usize, probes: usize) -> f64 {
    for key in seeded(21).take(keys) {
        filter.insert(&key.to_le_bytes());
    }
    // Probe keys come from another seed; a collision with a stored u64 has
    // probability about keys·probes / 2^64, i.e. never.
    let hits = seeded(22).take(probes).filter(|k| filter.contains(&k.to_le_bytes())).count();
    hits as f64 / probes as f64
}

/// The number of absent keys probed: 1,000,000, or 10,000,000 with long tests.
fn probes() -> usize {
    if long_tests() { 10_000_000 } else { 1_000_000 }
}

// Bounds for the statistics tests. Given the filter, each absent probe is a
// false positive independently with the filter's rate p, so the count over N
// probes is Binomial(N, p), standard deviation sqrt(N p (1 - p)). The fill
// itself varies much less (its relative deviation is about 1/sqrt(m)). At
// N = 1,000,000 a band of ±5.5 standard deviations around the model is
// missed with probability below 1e-7; with fixed seeds the outcome is the
// same on every run.

#[test]
fn standard_fpr_at_10_bits_per_key_matches_the_textbook() {
    // p = (1 - e^-0.7)^7 = 0.819%, sd = sqrt(1e6 · 0.00819) / 1e6 = 0.0090%:
    // ±5.5 sd is 0.770%–0.869%, the band 0.77%–0.87%.
    let mut filter = BloomFilter::with_bits(10_000_000, 7, Xxh3::new()).unwrap();
    let rate = measured_fpr(&mut filter, 1_000_000, probes());
    assert!((0.0077..=0.0087).contains(&rate), "measured {rate}");
    assert!((filter.model_fpr(1_000_000) - 0.008_19).abs() < 1e-5);
}

#[test]
fn standard_fpr_at_a_tenth_of_a_percent_target() {
    // Sized for 0.1% at 1M keys: the model rate is just under 0.1%; sd over
    // 1M probes is 0.0032%, so ±5.5 sd is 0.0825%–0.1174%.
    let mut filter = BloomFilter::new(1_000_000, 0.001).unwrap();
    let model = filter.model_fpr(1_000_000);
    assert!((0.00099..=0.001).contains(&model), "{model}");
    let rate = measured_fpr(&mut filter, 1_000_000, probes());
    assert!((0.000_825..=0.001_174).contains(&rate), "measured {rate}");
}

#[test]
fn blocked_fpr_matches_its_model() {
    // 10 bits per key (39,063 blocks), k = 8: the model gives 1.2648%; sd
    // over 1M probes is sqrt(0.012648 · 0.987352 / 1e6) = 0.0112%, so
    // ±5.5 sd is 1.2033%–1.3262%.
    let mut filter = BlockedBloomFilter::with_bits(10_000_000, 8, Xxh3::new()).unwrap();
    let model = filter.model_fpr(1_000_000);
    assert!((model - 0.012_648).abs() < 1e-6, "{model}");
    let rate = measured_fpr(&mut filter, 1_000_000, probes());
    assert!((0.012_03..=0.013_26).contains(&rate), "measured {rate}");
}

#[test]
fn blocked_fpr_at_a_tenth_of_a_percent_target() {
    // Sized by its own model for 0.1%; same ±5.5 sd band as the standard one.
    let mut filter = BlockedBloomFilter::new(1_000_000, 0.001).unwrap();
    assert!(filter.model_fpr(1_000_000) <= 0.001);
    let rate = measured_fpr(&mut filter, 1_000_000, probes());
    assert!((0.000_825..=0.001_174).contains(&rate), "measured {rate}");
}

#[test]
fn fnv1a_and_sip13_filters_reach_the_model_too() {
    // Sequential text keys ("user:0", "user:1", ...), the worst case for a
    // weak hash: 100,000 stored, 1,000,000 others probed, 10 bits per key and
    // k = 7, so p = 0.819% and sd = 0.0090% as above; the fill of 1M bits
    // varies a little more than that of 10M, so the band is widened to ±0.07%.
    fn rate<H: KeyHasher>(hasher: H) -> f64 {
        let mut filter = BloomFilter::with_bits(1_000_000, 7, hasher).unwrap();
        for i in 0..100_000 {
            filter.insert(format!("user:{i}").as_bytes());
        }
        let probes = 100_000..1_100_000;
        let hits = probes.filter(|i| filter.contains(format!("user:{i}").as_bytes())).count();
        hits as f64 / 1_000_000.0
    }
    let fnv1a = rate(Fnv1a);
    assert!((0.0075..=0.0089).contains(&fnv1a), "fnv1a measured {fnv1a}");
    let sip13 = rate(Sip13::new([3; 16]));
    assert!((0.0075..=0.0089).contains(&sip13), "sip13 measured {sip13}");
}

#[test]
fn blocked_filters_reach_their_fill_based_rate_with_weak_and_keyed_hashers() {
    // The blocked filter hashes with uniform64. Sequential text keys, the
    // worst case for FNV-1a: 100,000 stored at 10 bits per key, 500,000
    // others probed. Compared with the rate the filter's own fill gives
    // (expected_fpr, about 1.26%), the count is Binomial(5e5, p): sd =
    // sqrt(p (1 - p) / 5e5) = 0.0158%, and the band is ±5.5 sd. The fill
    // itself must be near the model's 1.265% (its relative sd over 3,907
    // blocks is about 2%; 1.1%-1.45% is more than ±5 of them): a hash that
    // sent many keys to the same bits would leave it far lower.
    fn check<H: KeyHasher>(hasher: H) {
        let mut filter = BlockedBloomFilter::with_bits(1_000_000, 8, hasher).unwrap();
        for i in 0..100_000 {
            filter.insert(format!("user:{i}").as_bytes());
        }
        let probes = 100_000..600_000;
        let hits = probes.filter(|i| filter.contains(format!("user:{i}").as_bytes())).count();
        let (rate, expected) = (hits as f64 / 5e5, filter.expected_fpr());
        let band = 5.5 * (expected * (1.0 - expected) / 5e5).sqrt();
        let hasher = filter.hasher();
        assert!((0.011..0.0145).contains(&expected), "{hasher:?}: fill gives {expected}");
        assert!((rate - expected).abs() <= band, "{hasher:?}: measured {rate}, fill {expected}");
    }
    check(Fnv1a);
    check(Sip13::new([3; 16]));
}

#[test]
fn blocked_filters_with_several_bits_per_lane_match_their_model() {
    // 20,000 keys at 12 bits per key, 200,000 absent probes; the model gives
    // 1.77%, 6.35% and 15.92% for 16, 24 and 32 bits per key (2, 3 and 4 per
    // lane). sd = sqrt(p (1 - p) / 2e5) is at most 0.082%; the band is
    // ±5.5 sd (the model counts a key's coinciding draws, so it needs no
    // slack for them).
    for hashes in [16, 24, 32] {
        let mut filter = BlockedBloomFilter::with_bits(12 * 20_000, hashes, Xxh3::new()).unwrap();
        let model = filter.model_fpr(20_000);
        assert!(model > 0.01, "{model}");
        let rate = measured_fpr(&mut filter, 20_000, 200_000);
        let band = 5.5 * (model * (1.0 - model) / 200_000.0).sqrt();
        assert!((rate - model).abs() <= band, "k = {hashes}: measured {rate}, model {model}");
        for key in seeded(21).take(20_000) {
            assert!(filter.contains(&key.to_le_bytes()));
        }
    }
}

#[cfg(feature = "serde")]
mod serde_format {
    use super::*;
    use routekit::bloom::WithHasher;
    use serde::de::DeserializeSeed;

    #[test]
    fn unkeyed_filters_round_trip_through_serde() {
        let mut standard = BloomFilter::with_hasher(100, 0.01, Xxh3::with_seed(99)).unwrap();
        let mut blocked = BlockedBloomFilter::new(100, 0.01).unwrap();
        let atomic = AtomicBloomFilter::new(100, 0.01).unwrap();
        let mut fnv = BloomFilter::with_hasher(100, 0.01, Fnv1a).unwrap();
        for key in ["a", "b", "c"] {
            standard.insert(key.as_bytes());
            blocked.insert(key.as_bytes());
            atomic.insert(key.as_bytes());
            fnv.insert(key.as_bytes());
        }
        let json = serde_json::to_string(&standard).unwrap();
        // The seed travels in the bytes, so Xxh3 filters need no hasher.
        assert_eq!(serde_json::from_str::<BloomFilter>(&json).unwrap(), standard);
        let json = serde_json::to_string(&blocked).unwrap();
        assert_eq!(serde_json::from_str::<BlockedBloomFilter>(&json).unwrap(), blocked);
        let json = serde_json::to_string(&atomic).unwrap();
        let read: AtomicBloomFilter = serde_json::from_str(&json).unwrap();
        assert_eq!(read.to_bytes(), atomic.to_bytes());
        let json = serde_json::to_string(&fnv).unwrap();
        assert_eq!(serde_json::from_str::<BloomFilter<Fnv1a>>(&json).unwrap(), fnv);
        // Bytes of an Xxh3 filter are not an Fnv1a filter.
        let xxh3_json = serde_json::to_string(&standard).unwrap();
        let err = serde_json::from_str::<BloomFilter<Fnv1a>>(&xxh3_json).unwrap_err();
        assert!(err.to_string().contains("xxh3 seed 99, not with fnv1a"), "{err}");
    }

    #[test]
    fn damaged_serde_input_is_an_error() {
        let filter = BloomFilter::new(100, 0.01).unwrap();
        let mut bytes = filter.to_bytes();
        bytes[40] ^= 1;
        let json = serde_json::to_string(&bytes).unwrap();
        let err = serde_json::from_str::<BloomFilter>(&json).unwrap_err();
        assert!(err.to_string().contains(&Corruption::Checksum.to_string()), "{err}");
        assert!(serde_json::from_str::<BloomFilter>("[1, 2, 3]").is_err());
        assert!(serde_json::from_str::<BloomFilter>("\"text\"").is_err());
    }

    #[test]
    fn keyed_and_custom_filters_need_their_hasher() {
        let key = Sip13::new([0x77; 16]);
        let mut filter = BloomFilter::with_hasher(100, 0.01, key.clone()).unwrap();
        filter.insert(b"x");
        let json = serde_json::to_string(&filter).unwrap();
        let read = |hasher: Sip13| -> Result<BloomFilter<Sip13>, _> {
            let mut reader = serde_json::Deserializer::from_str(&json);
            WithHasher::new(hasher).deserialize(&mut reader)
        };
        assert_eq!(read(key).unwrap(), filter);
        let err = read(Sip13::new([0x78; 16])).unwrap_err();
        assert!(err.to_string().contains("written with hasher sip13"), "{err}");
        // Without a hasher, keyed bytes are refused, naming what wrote them.
        let err = serde_json::from_str::<BloomFilter>(&json).unwrap_err();
        assert!(err.to_string().contains("sip13 key tag"), "{err}");

        let mut custom = BlockedBloomFilter::with_hasher(100, 0.01, Reversed).unwrap();
        custom.insert(b"y");
        let json = serde_json::to_string(&custom).unwrap();
        let mut reader = serde_json::Deserializer::from_str(&json);
        let read: BlockedBloomFilter<Reversed> =
            WithHasher::new(Reversed).deserialize(&mut reader).unwrap();
        assert_eq!(read, custom);
        assert!(serde_json::from_str::<BlockedBloomFilter>(&json).is_err());
    }
}

/// Issue 13, class 2: counts read from bytes, and arithmetic on counts.
mod hostile_counts {
    use super::*;

    /// `bytes` with their count set to `count`, resealed.
    fn with_count(mut bytes: Vec<u8>, count: u64) -> Vec<u8> {
        bytes[24..32].copy_from_slice(&count.to_le_bytes());
        reseal(&mut bytes);
        bytes
    }

    #[test]
    fn a_huge_count_with_bits_saturates_instead_of_overflowing() {
        // Reachable (a union of a filter with itself doubles its count), so
        // accepted; the next insert must neither panic nor wrap.
        let mut filter = BloomFilter::new(100, 0.01).unwrap();
        filter.insert(b"a");
        let bytes = with_count(filter.to_bytes(), u64::MAX);
        let mut read = BloomFilter::from_bytes(&bytes, Xxh3::new()).unwrap();
        assert!(!read.insert(b"new key"));
        assert_eq!(read.inserted(), u64::MAX);
        read.union(&read.clone()).unwrap();
        assert_eq!(read.inserted(), u64::MAX);

        let mut blocked = BlockedBloomFilter::new(100, 0.01).unwrap();
        blocked.insert(b"a");
        let bytes = with_count(blocked.to_bytes(), u64::MAX);
        let mut read = BlockedBloomFilter::from_bytes(&bytes, Xxh3::new()).unwrap();
        assert!(!read.insert(b"new key"));
        assert_eq!(read.inserted(), u64::MAX);
        read.union(&read.clone()).unwrap();
        assert_eq!(read.inserted(), u64::MAX);
    }

    #[test]
    fn atomic_inserts_and_union_shared_saturate_like_union() {
        let mut filter = BloomFilter::new(100, 0.01).unwrap();
        filter.insert(b"a");
        let bytes = with_count(filter.to_bytes(), u64::MAX - 1);
        let shared = AtomicBloomFilter::from_bytes(&bytes, Xxh3::new()).unwrap();
        let other = AtomicBloomFilter::from_bytes(&bytes, Xxh3::new()).unwrap();
        shared.union_shared(&other).unwrap();
        assert_eq!(shared.inserted(), u64::MAX, "union_shared wrapped");
        for key in 0..100u32 {
            shared.insert(&key.to_le_bytes());
        }
        assert_eq!(shared.inserted(), u64::MAX, "an atomic insert wrapped");
        let plain: BloomFilter = shared.into();
        assert_eq!(plain.inserted(), u64::MAX);
    }

    #[test]
    fn an_empty_filter_with_a_count_is_refused() {
        let empty = BloomFilter::new(100, 0.01).unwrap().to_bytes();
        for count in [1, u64::MAX] {
            assert_matches!(
                BloomFilter::from_bytes(&with_count(empty.clone(), count), Xxh3::new()),
                Err(DecodeError::Corrupt {
                    reason: Corruption::Inserted { least: 0, most: 0, .. },
                    ..
                })
            );
        }
        let empty = BlockedBloomFilter::new(100, 0.01).unwrap().to_bytes();
        assert_matches!(
            BlockedBloomFilter::from_bytes(&with_count(empty, 1), Xxh3::new()),
            Err(DecodeError::Corrupt { reason: Corruption::Inserted { .. }, .. })
        );
    }

    #[test]
    fn a_count_below_what_the_bits_prove_is_refused() {
        // 7 keys into a roomy filter set 7·k distinct bits (checked), so at
        // least 7 inserts: a count of 6 cannot be.
        let mut filter = BloomFilter::with_bits(1 << 16, 4, Xxh3::new()).unwrap();
        for key in 0..7u8 {
            filter.insert(&[key]);
        }
        assert_eq!(filter.as_bitslice().count_ones(), 28);
        let bytes = filter.to_bytes();
        assert!(BloomFilter::from_bytes(&with_count(bytes.clone(), 7), Xxh3::new()).is_ok());
        assert_matches!(
            BloomFilter::from_bytes(&with_count(bytes, 6), Xxh3::new()),
            Err(DecodeError::Corrupt {
                reason: Corruption::Inserted { inserted: 6, least: 7, most: u64::MAX, .. },
                ..
            })
        );
        // Blocked, 2 bits per lane: 5 keys into one block (one block in
        // all) put at most 10 bits in a lane.
        let mut blocked = BlockedBloomFilter::with_bits(256, 16, Xxh3::new()).unwrap();
        for key in 0..5u8 {
            blocked.insert(&[key]);
        }
        let bytes = blocked.to_bytes();
        let most_ones = bytes[32..64]
            .chunks(4)
            .map(|lane| u32::from_le_bytes(lane.try_into().unwrap()).count_ones())
            .max()
            .unwrap();
        let least = u64::from(most_ones.div_ceil(2));
        assert!(least <= 5);
        assert!(
            BlockedBloomFilter::from_bytes(&with_count(bytes.clone(), least), Xxh3::new()).is_ok()
        );
        assert_matches!(
            BlockedBloomFilter::from_bytes(&with_count(bytes, least - 1), Xxh3::new()),
            Err(DecodeError::Corrupt { reason: Corruption::Inserted { .. }, .. })
        );
    }

    #[test]
    fn a_block_with_some_lanes_empty_is_refused() {
        let mut blocked = BlockedBloomFilter::with_bits(512, 8, Xxh3::new()).unwrap();
        blocked.insert(b"k");
        let mut bytes = blocked.to_bytes();
        // Empty one lane of every block: any block with a key is then partial.
        for block in 0..2 {
            bytes[32 + 32 * block + 12..32 + 32 * block + 16].fill(0);
        }
        reseal(&mut bytes);
        assert_matches!(
            BlockedBloomFilter::from_bytes(&bytes, Xxh3::new()),
            Err(DecodeError::Corrupt { reason: Corruption::PartialBlock { .. }, .. })
        );
    }

    #[test]
    fn intersections_leave_states_that_decode() {
        let (mut a, mut b) =
            (BloomFilter::new(100, 0.01).unwrap(), BloomFilter::new(100, 0.01).unwrap());
        a.insert(b"only a");
        b.insert(b"only b");
        a.intersect(&b).unwrap();
        assert_eq!(a.as_bitslice().count_ones(), 0);
        assert_eq!(a.inserted(), 0, "no bit left, no key counted");
        assert_eq!(BloomFilter::from_bytes(&a.to_bytes(), Xxh3::new()).unwrap(), a);

        // Blocked: a single block, where two keys share some lane bits but
        // not all eight; the AND would leave a partial block.
        let (mut a, mut b) = (
            BlockedBloomFilter::with_bits(256, 8, Xxh3::new()).unwrap(),
            BlockedBloomFilter::with_bits(256, 8, Xxh3::new()).unwrap(),
        );
        for key in 0..6u8 {
            a.insert(&[key]);
        }
        for key in 6..12u8 {
            b.insert(&[key]);
        }
        let before = a.clone();
        a.intersect(&b).unwrap();
        let read = BlockedBloomFilter::from_bytes(&a.to_bytes(), Xxh3::new()).unwrap();
        assert_eq!(read, a);
        // No answer changed for any key the plain AND would have found.
        for key in 0..255u8 {
            if a.contains(&[key]) {
                assert!(before.contains(&[key]) && b.contains(&[key]));
            }
        }
    }

    #[test]
    fn huge_item_counts_at_loose_rates_size_within_the_limit() {
        // The blocked search started above the largest filter for these.
        for fpr in [0.5, 0.9, 0.999, 1.0 - f64::EPSILON] {
            match BlockedBloomFilter::new(u64::MAX, fpr) {
                Err(BuildError::TooLarge { .. } | BuildError::OutOfMemory { .. }) => {}
                other => panic!("{fpr}: {other:?}"),
            }
        }
    }
}
