//! Fuzzing every Bloom filter decoder: `from_bytes` of [`BloomFilter`],
//! [`BlockedBloomFilter`] and [`AtomicBloomFilter`] under built-in, keyed
//! and custom hashers, and (feature `serde`) their serde_json form.
//!
//! Seeds are valid encodings of every layout: empty, sparse, dense and full
//! filters, counts at `u64::MAX` (reached by unions), and filters of another
//! hasher or layout (to be refused). Mutations come from the shared harness
//! (`tests/support/fuzz.rs`), aimed at the header fields of the format
//! table (version, layout, hasher code, `k`, hasher tag, `m`, the count).
//! The checksum would refuse nearly every mutation before the fields behind
//! it are read, so an input refused only for its checksum is resealed and
//! decoded again: both the checksum and the checks behind it are fuzzed.
//!
//! After every accepted input:
//!
//! * it re-encodes to exactly the bytes accepted (one spelling per filter);
//! * if its bits are a seed's, every key the seed inserted is found;
//! * `union` with earlier accepted filters of the same shape is
//!   commutative, associative and idempotent as bit sets, and its count is
//!   the saturating sum (so commutative and associative too); the union and
//!   the intersection encode to bytes that decode again;
//! * inserting afterwards cannot panic, and the keys inserted are found.
//!
//! serde targets check that deserializing the JSON form of the bytes
//! accepts exactly what `from_bytes` accepts, as the same filter, and that
//! the filter serializes back to the same JSON.
//!
//! Each target runs a few thousand cases; `ROUTEKIT_FUZZ_CASES=N` sets the
//! number per target (`ROUTEKIT_FUZZ_CASES=500000 cargo test --release
//! --all-features --test fuzz_bloom`). A release build on the 2-core
//! development machine runs about 25 million cases per minute per byte
//! target and about 2.5 million per serde target (they format and parse
//! JSON), on one core each; measured while other builds shared the machine
//! (load average 16), so these are lower bounds.

#[path = "support/fuzz.rs"]
mod fuzz;

use std::collections::HashMap;

use fuzz::{Field, Target};
use routekit::bloom::{
    AtomicBloomFilter, BlockedBloomFilter, BloomFilter, CombineError, Corruption, DecodeError,
    Filter,
};
use routekit::hash::{Fnv1a, HasherId, KeyHasher, Sip13, Xxh3};

/// Cases per target unless `ROUTEKIT_FUZZ_CASES` says otherwise.
const CASES: usize = 3_000;

/// The fixed-width header fields of the byte format (see the `bloom`
/// module docs): version, layout, hasher code, `k`, hasher tag, `m`, count.
const FIELDS: [Field; 7] = [
    Field { at: 4, width: 1 },
    Field { at: 5, width: 1 },
    Field { at: 6, width: 1 },
    Field { at: 7, width: 1 },
    Field { at: 8, width: 8 },
    Field { at: 16, width: 8 },
    Field { at: 24, width: 8 },
];

/// A hasher routekit does not ship: XXH3 with a fixed seed, under its own id.
#[derive(Clone, Debug)]
struct Custom;

impl KeyHasher for Custom {
    fn hash64(&self, bytes: &[u8]) -> u64 {
        Xxh3::with_seed(0x5eed).hash64(bytes)
    }
    fn hash128(&self, bytes: &[u8]) -> u128 {
        Xxh3::with_seed(0x5eed).hash128(bytes)
    }
    fn id(&self) -> HasherId {
        HasherId::custom("routekit fuzz: seeded xxh3", 0x5eed)
    }
}

fn sip() -> Sip13 {
    Sip13::new(*b"fuzzing the keys")
}

/// What the fuzz checks need of a filter.
trait Fuzzed: Sized {
    type Hasher: KeyHasher;
    const NAME: &'static str;
    /// The hash counts this layout allows, for the seeds.
    const HASHES: &'static [u32];
    fn empty(bits: u64, hashes: u32, hasher: Self::Hasher) -> Self;
    fn decode(bytes: &[u8], hasher: Self::Hasher) -> Result<Self, DecodeError>;
    fn encode(&self) -> Vec<u8>;
    fn add(&mut self, key: &[u8]) -> bool;
    fn has(&self, key: &[u8]) -> bool;
    fn merge(&mut self, other: &Self) -> Result<(), CombineError>;
    fn meet(&mut self, other: &Self) -> Result<(), CombineError>;
    fn count(&self) -> u64;
    fn dup(&self) -> Self;
}

macro_rules! fuzzed {
    ($filter:ident, $hashes:expr, merge: $merge:ident, meet: $meet:expr, dup: $dup:expr) => {
        impl<H: KeyHasher> Fuzzed for $filter<H> {
            type Hasher = H;
            const NAME: &'static str = stringify!($filter);
            const HASHES: &'static [u32] = $hashes;
            fn empty(bits: u64, hashes: u32, hasher: H) -> Self {
                $filter::with_bits(bits, hashes, hasher).unwrap()
            }
            fn decode(bytes: &[u8], hasher: H) -> Result<Self, DecodeError> {
                $filter::from_bytes(bytes, hasher)
            }
            fn encode(&self) -> Vec<u8> {
                self.to_bytes()
            }
            fn add(&mut self, key: &[u8]) -> bool {
                Filter::insert(self, key)
            }
            fn has(&self, key: &[u8]) -> bool {
                Filter::contains(self, key)
            }
            fn merge(&mut self, other: &Self) -> Result<(), CombineError> {
                self.$merge(other)
            }
            fn meet(&mut self, other: &Self) -> Result<(), CombineError> {
                let meet: fn(&mut Self, &Self) -> Result<(), CombineError> = $meet;
                meet(self, other)
            }
            fn count(&self) -> u64 {
                self.inserted()
            }
            fn dup(&self) -> Self {
                let dup: fn(&Self) -> Self = $dup;
                dup(self)
            }
        }
    };
}

fuzzed!(BloomFilter, &[1, 2, 7, 64], merge: union, meet: |a, b| a.intersect(b), dup: Clone::clone);
fuzzed!(BlockedBloomFilter, &[8, 16, 24, 32], merge: union, meet: |a, b| a.intersect(b), dup: Clone::clone);
fuzzed!(
    AtomicBloomFilter,
    &[1, 3, 7, 64],
    merge: union_shared,
    // The atomic filter has no intersect: go through the plain one.
    meet: |a, b| {
        let mut plain = a.snapshot();
        plain.intersect(&b.snapshot())?;
        *a = plain.into();
        Ok(())
    },
    dup: |a| a.snapshot().into()
);

/// A seed: a valid encoding and the keys whose insertion made its bits.
struct Seed {
    bytes: Vec<u8>,
    keys: Vec<Vec<u8>>,
}

/// Seeds of filter `F` under `hasher`: every size class and fill.
fn seeds_of<F: Fuzzed>(hasher: F::Hasher) -> Vec<Seed> {
    let layout_bits: &[u64] = if F::HASHES[0] == 8 { &[256, 512, 2048] } else { &[64, 192, 1024] };
    let mut seeds = Vec::new();
    for (i, &bits) in layout_bits.iter().enumerate() {
        for &hashes in F::HASHES {
            for keys in [0usize, 1, 5, 40] {
                let mut filter = F::empty(bits, hashes, hasher.clone());
                let keys: Vec<Vec<u8>> =
                    (0..keys).map(|k| format!("key {i} {hashes} {k}").into_bytes()).collect();
                for key in &keys {
                    filter.add(key);
                }
                seeds.push(Seed { bytes: filter.encode(), keys });
            }
        }
    }
    // Full: every bit set.
    let mut full = F::empty(layout_bits[0], F::HASHES[0], hasher.clone());
    let mut keys = Vec::new();
    let full_bytes = loop {
        let key = format!("fill {}", keys.len()).into_bytes();
        full.add(&key);
        keys.push(key);
        let bytes = full.encode();
        if bytes[32..bytes.len() - 8].iter().all(|&b| b == 0xff) {
            break bytes;
        }
    };
    seeds.push(Seed { bytes: full_bytes, keys: keys.clone() });
    // A count at u64::MAX: 64 unions of a filter with itself.
    let mut doubled = F::empty(layout_bits[1], F::HASHES[1], hasher);
    doubled.add(b"doubled");
    for _ in 0..64 {
        let copy = doubled.dup();
        doubled.merge(&copy).unwrap();
    }
    assert_eq!(doubled.count(), u64::MAX);
    seeds.push(Seed { bytes: doubled.encode(), keys: vec![b"doubled".to_vec()] });
    seeds
}

/// Seeds a target must refuse: another hasher, another layout.
fn foreign_seeds() -> Vec<Vec<u8>> {
    let mut standard = BloomFilter::with_bits(128, 3, Xxh3::with_seed(99)).unwrap();
    standard.insert(b"x");
    let mut blocked = BlockedBloomFilter::with_bits(256, 8, Fnv1a).unwrap();
    blocked.insert(b"x");
    let mut standard_fnv = BloomFilter::with_bits(128, 3, Fnv1a).unwrap();
    standard_fnv.insert(b"x");
    let mut blocked_xxh3 = BlockedBloomFilter::with_bits(256, 8, Xxh3::new()).unwrap();
    blocked_xxh3.insert(b"x");
    vec![standard.to_bytes(), blocked.to_bytes(), standard_fnv.to_bytes(), blocked_xxh3.to_bytes()]
}

/// Recomputes the checksum of (possibly edited) filter bytes.
fn resealed(bytes: &[u8]) -> Vec<u8> {
    let mut bytes = bytes.to_vec();
    let end = bytes.len() - 8;
    let checksum = Xxh3::new().hash64(&bytes[..end]);
    bytes[end..].copy_from_slice(&checksum.to_le_bytes());
    bytes
}

/// Decodes `input`, and when only its checksum was wrong, the input
/// resealed: the filter and the bytes it was read from.
fn decode_or_reseal<T>(
    input: &[u8],
    decode: impl Fn(&[u8]) -> Result<T, DecodeError>,
) -> Option<(T, Vec<u8>)> {
    match decode(input) {
        Ok(value) => Some((value, input.to_vec())),
        Err(DecodeError::Corrupt { reason: Corruption::Checksum, .. }) => {
            let sealed = resealed(input);
            decode(&sealed).ok().map(|value| (value, sealed))
        }
        Err(_) => None,
    }
}

/// The header bytes two filters must share to combine: layout, hasher,
/// `k`, tag and `m`.
fn shape(bytes: &[u8]) -> [u8; 19] {
    let mut shape = [0; 19];
    shape[..3].copy_from_slice(&bytes[5..8]);
    shape[3..].copy_from_slice(&bytes[8..24]);
    shape
}

fn body(bytes: &[u8]) -> &[u8] {
    &bytes[32..bytes.len() - 8]
}

/// Accepted inputs kept to combine with later ones, by shape.
#[derive(Default)]
struct Pool {
    by_shape: HashMap<[u8; 19], Vec<Vec<u8>>>,
}

impl Pool {
    const PER_SHAPE: usize = 24;

    /// Up to two earlier accepted filters of the same shape as `bytes`
    /// (picked by its checksum, so runs repeat), then keeps `bytes`.
    fn partners(&mut self, bytes: &[u8]) -> Vec<Vec<u8>> {
        let kept = self.by_shape.entry(shape(bytes)).or_default();
        let pick = u64::from_le_bytes(bytes[bytes.len() - 8..].try_into().unwrap()) as usize;
        let partners = match kept.len() {
            0 => Vec::new(),
            n => vec![kept[pick % n].clone(), kept[(pick / 7 + 1) % n].clone()],
        };
        if kept.len() < Self::PER_SHAPE {
            kept.push(bytes.to_vec());
        } else {
            kept[pick % Self::PER_SHAPE] = bytes.to_vec();
        }
        partners
    }
}

/// The checks on an accepted filter `x`, read from `bytes` under `hasher`.
fn check_accepted<F: Fuzzed>(
    x: &F,
    bytes: &[u8],
    hasher: &F::Hasher,
    seeds: &[Seed],
    pool: &mut Pool,
) {
    fuzz::assert_canonical(&x.encode(), bytes);
    let decode = |bytes: &[u8]| {
        F::decode(bytes, hasher.clone())
            .unwrap_or_else(|e| panic!("{} refused its own bytes: {e}", F::NAME))
    };
    // Bits unchanged from a seed: the seed's keys are all there.
    for seed in seeds {
        if shape(&seed.bytes) == shape(bytes) && body(&seed.bytes) == body(bytes) {
            assert!(seed.keys.iter().all(|key| x.has(key)), "a seed's key went missing");
        }
    }
    // Laws of union with earlier accepted filters of the same shape.
    let partners = pool.partners(bytes);
    if let [y, z] = partners.as_slice() {
        let (y, z) = (decode(y), decode(z));
        let union = |a: &F, b: &F| {
            let mut a = a.dup();
            a.merge(b).expect("same shape combines");
            a
        };
        let xy = union(x, &y);
        assert_eq!(xy.encode(), union(&y, x).encode(), "union is not commutative");
        assert_eq!(
            union(&xy, &z).encode(),
            union(x, &union(&y, &z)).encode(),
            "union is not associative"
        );
        let xx = union(x, x);
        assert_eq!(body(&xx.encode()), body(bytes), "union is not idempotent on the bits");
        assert_eq!(xx.count(), x.count().saturating_add(x.count()), "counts add, saturating");
        assert_eq!(xy.count(), x.count().saturating_add(y.count()));
        // Combined filters are states the decoder accepts.
        assert_eq!(decode(&xy.encode()).encode(), xy.encode());
        let mut meet = x.dup();
        meet.meet(&y).expect("same shape combines");
        let met = meet.encode();
        assert_eq!(decode(&met).encode(), met, "an intersection does not decode");
        assert!(meet.count() <= x.count().min(y.count()));
    }
    // Inserting afterwards cannot panic, and finds what it inserted.
    let mut grown = x.dup();
    for key in [&b"after 1"[..], b"after 2", b""] {
        grown.add(key);
        assert!(grown.has(key));
    }
    assert!(grown.count() >= x.count());
    assert_eq!(decode(&grown.encode()).encode(), grown.encode());
}

/// Fuzzes `F::from_bytes` under `hasher`.
fn fuzz_bytes<F: Fuzzed>(name: &str, hasher: F::Hasher) {
    let seeds = seeds_of::<F>(hasher.clone());
    let mut encodings: Vec<Vec<u8>> = seeds.iter().map(|seed| seed.bytes.clone()).collect();
    encodings.extend(foreign_seeds());
    let target = Target { name, seeds: &encodings, fields: &FIELDS, default_cases: CASES };
    let mut pool = Pool::default();
    let outcome = fuzz::run(
        &target,
        |input| decode_or_reseal(input, |bytes| F::decode(bytes, hasher.clone())),
        |(filter, bytes), _| check_accepted(filter, bytes, &hasher, &seeds, &mut pool),
    );
    // The seeds as they are are accepted (one case in about sixteen), and
    // resealed mutations too: the checks above ran on many filters.
    assert!(outcome.accepted > outcome.cases / 12, "{name}: {outcome:?}");
}

#[test]
fn fuzz_standard_bytes() {
    fuzz_bytes::<BloomFilter<Xxh3>>("bloom standard xxh3", Xxh3::new());
    fuzz_bytes::<BloomFilter<Fnv1a>>("bloom standard fnv1a", Fnv1a);
}

#[test]
fn fuzz_standard_bytes_keyed_and_custom() {
    fuzz_bytes::<BloomFilter<Sip13>>("bloom standard sip13", sip());
    fuzz_bytes::<BloomFilter<Custom>>("bloom standard custom", Custom);
}

#[test]
fn fuzz_blocked_bytes() {
    fuzz_bytes::<BlockedBloomFilter<Xxh3>>("bloom blocked xxh3", Xxh3::new());
    fuzz_bytes::<BlockedBloomFilter<Fnv1a>>("bloom blocked fnv1a", Fnv1a);
}

#[test]
fn fuzz_blocked_bytes_keyed_and_custom() {
    fuzz_bytes::<BlockedBloomFilter<Sip13>>("bloom blocked sip13", sip());
    fuzz_bytes::<BlockedBloomFilter<Custom>>("bloom blocked custom", Custom);
}

#[test]
fn fuzz_atomic_bytes() {
    fuzz_bytes::<AtomicBloomFilter<Xxh3>>("bloom atomic xxh3", Xxh3::new());
    fuzz_bytes::<AtomicBloomFilter<Sip13>>("bloom atomic sip13", sip());
}

#[cfg(feature = "serde")]
mod serde_targets {
    use serde::Serialize;
    use serde::de::{DeserializeOwned, DeserializeSeed};

    use routekit::bloom::WithHasher;

    use super::*;

    /// The JSON serde_json writes for filter bytes: an array of numbers.
    fn json_of(bytes: &[u8]) -> String {
        serde_json::to_string(&serde_bytes_like(bytes)).unwrap()
    }

    /// Bytes as serde sees a filter's: `serialize_bytes`, which serde_json
    /// writes as an array of numbers.
    fn serde_bytes_like(bytes: &[u8]) -> impl Serialize + '_ {
        struct Bytes<'a>(&'a [u8]);
        impl Serialize for Bytes<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_bytes(self.0)
            }
        }
        Bytes(bytes)
    }

    /// Fuzzes the serde path of `F` against its `from_bytes`, reading with
    /// `read` (plain `Deserialize`, or `WithHasher` for keyed hashers);
    /// `hasher_of` gives the hasher `from_bytes` must be called with to
    /// agree (for plain `Deserialize` of `Xxh3`, the seed in the bytes).
    fn fuzz_serde<F>(
        name: &str,
        hasher: F::Hasher,
        hasher_of: impl Fn(&[u8]) -> F::Hasher,
        read: impl Fn(&str) -> Result<F, String>,
    ) where
        F: Fuzzed + Serialize,
    {
        let seeds = seeds_of::<F>(hasher.clone());
        let mut encodings: Vec<Vec<u8>> = seeds.iter().map(|seed| seed.bytes.clone()).collect();
        encodings.extend(foreign_seeds());
        let target = Target { name, seeds: &encodings, fields: &FIELDS, default_cases: CASES };
        let mut pool = Pool::default();
        let outcome = fuzz::run(
            &target,
            |input| {
                let read_both = |bytes: &[u8]| {
                    let json = read(&json_of(bytes));
                    let plain = F::decode(bytes, hasher_of(bytes));
                    match (json, plain) {
                        (Ok(json), Ok(plain)) => {
                            assert_eq!(json.encode(), plain.encode(), "serde read another filter");
                            Ok(json)
                        }
                        (Err(_), Err(plain)) => Err(plain),
                        (Ok(_), Err(e)) => panic!("serde accepted bytes from_bytes refuses: {e}"),
                        (Err(e), Ok(_)) => panic!("serde refused bytes from_bytes accepts: {e}"),
                    }
                };
                decode_or_reseal(input, read_both)
            },
            |(filter, bytes), _| {
                assert_eq!(serde_json::to_string(filter).unwrap(), json_of(bytes));
                check_accepted(filter, bytes, &hasher_of(bytes), &seeds, &mut pool);
            },
        );
        assert!(outcome.accepted > outcome.cases / 12, "{name}: {outcome:?}");
    }

    /// The Xxh3 hasher whose seed the bytes carry, as `Deserialize` rebuilds it.
    fn xxh3_of(bytes: &[u8]) -> Xxh3 {
        match bytes.get(8..16) {
            Some(tag) => Xxh3::with_seed(u64::from_le_bytes(tag.try_into().unwrap())),
            None => Xxh3::new(),
        }
    }

    fn plain<F: DeserializeOwned>(json: &str) -> Result<F, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    fn seeded<F>(hasher: <F as Fuzzed>::Hasher) -> impl Fn(&str) -> Result<F, String>
    where
        F: Fuzzed + Filter<Hasher = <F as Fuzzed>::Hasher>,
        WithHasher<F>: for<'de> DeserializeSeed<'de, Value = F>,
    {
        move |json| {
            let mut reader = serde_json::Deserializer::from_str(json);
            WithHasher::<F>::new(hasher.clone()).deserialize(&mut reader).map_err(|e| e.to_string())
        }
    }

    #[test]
    fn fuzz_serde_standard() {
        fuzz_serde::<BloomFilter<Xxh3>>("bloom serde standard xxh3", Xxh3::new(), xxh3_of, plain);
        fuzz_serde::<BloomFilter<Sip13>>(
            "bloom serde standard sip13",
            sip(),
            |_| sip(),
            seeded(sip()),
        );
    }

    #[test]
    fn fuzz_serde_blocked() {
        fuzz_serde::<BlockedBloomFilter<Fnv1a>>(
            "bloom serde blocked fnv1a",
            Fnv1a,
            |_| Fnv1a,
            plain,
        );
        fuzz_serde::<BlockedBloomFilter<Custom>>(
            "bloom serde blocked custom",
            Custom,
            |_| Custom,
            seeded(Custom),
        );
    }

    #[test]
    fn fuzz_serde_atomic() {
        fuzz_serde::<AtomicBloomFilter<Xxh3>>(
            "bloom serde atomic xxh3",
            Xxh3::new(),
            xxh3_of,
            plain,
        );
        fuzz_serde::<AtomicBloomFilter<Sip13>>(
            "bloom serde atomic sip13",
            sip(),
            |_| sip(),
            seeded(sip()),
        );
    }

    /// The JSON text itself mutated: whatever parses must be what
    /// `from_bytes` says of the bytes it names, and serialize back to JSON
    /// that reads as the same filter.
    #[test]
    fn fuzz_serde_text() {
        let seeds: Vec<Vec<u8>> = seeds_of::<BloomFilter<Xxh3>>(Xxh3::new())
            .iter()
            .take(24)
            .map(|seed| json_of(&seed.bytes).into_bytes())
            .collect();
        let target =
            Target { name: "bloom serde text", seeds: &seeds, fields: &[], default_cases: CASES };
        let outcome = fuzz::run(
            &target,
            |input| {
                let text = std::str::from_utf8(input).ok()?;
                let filter: BloomFilter<Xxh3> = serde_json::from_str(text).ok()?;
                let bytes: Vec<u8> =
                    serde_json::from_str(text).expect("a filter's JSON is its bytes");
                Some((filter, bytes))
            },
            |(filter, bytes), _| {
                assert_eq!(&BloomFilter::from_bytes(bytes, Xxh3::new()).unwrap(), filter);
                let again: BloomFilter<Xxh3> =
                    serde_json::from_str(&serde_json::to_string(filter).unwrap()).unwrap();
                assert_eq!(&again, filter);
                fuzz::assert_canonical(&filter.to_bytes(), bytes);
            },
        );
        assert!(outcome.accepted > outcome.cases / 20, "{outcome:?}");
    }
}
