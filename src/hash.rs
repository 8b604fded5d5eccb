//! Stable key hashing: the [`KeyHasher`] trait and its three implementations.
//!
//! Every routing decision, Bloom filter bit and cursor tag in routekit starts
//! from a hash of a key's **bytes**. The hashers here are pinned to published
//! reference values by golden tests, so a key hashes to the same value in
//! every process, on every platform, and in every later release of the crate.
//! Nothing here goes through [`std::hash::Hash`] or `DefaultHasher`, whose
//! output may change between Rust releases and differs between platforms for
//! integers and `usize`.
//!
//! | hasher    | speed   | keyed | use it when                                              |
//! |-----------|---------|-------|----------------------------------------------------------|
//! | [`Xxh3`]  | fastest | seed  | the default: keys are not chosen by an adversary          |
//! | [`Fnv1a`] | slower on long keys | no | another system already places keys with FNV-1a |
//! | [`Sip13`] | slower  | 128-bit secret | keys come from clients who might aim them at one node |
//!
//! A seed is **not** a secret: anyone who knows an `Xxh3` seed can compute
//! which keys collide. When clients choose keys (session ids, IP addresses,
//! user names) and piling many of them onto one node would hurt, use [`Sip13`]
//! with a random key kept secret by every process that must agree.
//!
//! Integers are hashed as their little-endian bytes (`42u64.to_le_bytes()`),
//! which is what every hasher here does for every platform.
//!
//! # Example
//!
//! ```
//! use routekit::hash::{KeyHasher, Xxh3, Sip13};
//!
//! let fast = Xxh3::new();
//! assert_eq!(fast.hash64(b""), 0x2d06_8005_38d3_94c2); // the XXH3 reference value
//!
//! // Keys chosen by clients: a secret key makes collisions unpredictable.
//! let keyed = Sip13::new([7; 16]);
//! assert_ne!(keyed.hash64(b"session-1"), keyed.hash64(b"session-2"));
//! ```

use std::fmt;
use std::hash::Hasher as _;

/// A stable hash of byte strings.
///
/// Implementations must return the same value for the same bytes and the same
/// configuration (seed or key) in every process, on every platform and in
/// every release; the crate's golden tests pin the ones it ships.
///
/// `hash128` gives two independent 64-bit halves for modules that derive
/// several positions from one hash (Bloom filters); [`KeyHasher::id`] names
/// the algorithm and its configuration without revealing a secret key, so a
/// serialized structure can refuse to be read back under another hasher.
///
/// # Example
///
/// ```
/// use routekit::hash::{KeyHasher, Fnv1a};
///
/// fn bucket<H: KeyHasher>(hasher: &H, key: &[u8], buckets: u64) -> u64 {
///     // Multiply-shift reduction: uniform, no division.
///     ((u128::from(hasher.hash64(key)) * u128::from(buckets)) >> 64) as u64
/// }
/// assert!(bucket(&Fnv1a, b"user:42", 10) < 10);
/// ```
pub trait KeyHasher: Clone + fmt::Debug + Send + Sync {
    /// Hashes `bytes` to 64 bits.
    ///
    /// Cost: linear in `bytes.len()`.
    fn hash64(&self, bytes: &[u8]) -> u64;

    /// Hashes `bytes` to 128 bits whose two 64-bit halves are independent.
    ///
    /// Cost: linear in `bytes.len()`; about the cost of `hash64` for `Xxh3`
    /// and `Sip13`.
    fn hash128(&self, bytes: &[u8]) -> u128;

    /// The algorithm and a non-secret tag of its configuration.
    ///
    /// Two hashers with equal ids must hash every input to the same value:
    /// a Bloom filter's bytes carry the id of the hasher that wrote them and
    /// are refused under any other. A hasher that is not one of routekit's
    /// returns [`HasherId::custom`] with a name of its own, even when it
    /// wraps a built-in one — returning a built-in hasher's id would let its
    /// filters be read under that hasher, and misread.
    ///
    /// ```
    /// use routekit::hash::{HashAlgorithm, KeyHasher, Xxh3};
    /// assert_eq!(Xxh3::with_seed(3).id().algorithm(), HashAlgorithm::Xxh3);
    /// ```
    fn id(&self) -> HasherId;

    /// A 64-bit hash in which every output bit depends on every input bit:
    /// what routers use to place keys and points by their high bits.
    ///
    /// Equal to [`hash64`](KeyHasher::hash64) for hashers that already have
    /// full avalanche ([`Xxh3`], [`Sip13`]); [`Fnv1a`] follows its hash with a
    /// bijective finalizer, because FNV-1a's high bits barely change when only
    /// the last bytes of a key do (`key-1`, `key-2`, …).
    ///
    /// ```
    /// use routekit::hash::{Fnv1a, KeyHasher, Xxh3};
    /// assert_eq!(Xxh3::new().uniform64(b"k"), Xxh3::new().hash64(b"k"));
    /// let (a, b) = (Fnv1a.uniform64(b"key-1"), Fnv1a.uniform64(b"key-2"));
    /// assert!((a ^ b) >> 32 != 0); // the high halves differ
    /// ```
    #[inline]
    fn uniform64(&self, bytes: &[u8]) -> u64 {
        self.hash64(bytes)
    }

    /// [`hash128`](KeyHasher::hash128) with full avalanche in both halves; see
    /// [`uniform64`](KeyHasher::uniform64).
    ///
    /// ```
    /// use routekit::hash::{KeyHasher, Sip13};
    /// let h = Sip13::new([1; 16]);
    /// assert_eq!(h.uniform128(b"k"), h.hash128(b"k"));
    /// ```
    #[inline]
    fn uniform128(&self, bytes: &[u8]) -> u128 {
        self.hash128(bytes)
    }
}

/// The SplitMix64 finalizer (Stafford's "mix13" constants): a bijection on
/// `u64` in which every input bit flips every output bit with probability
/// close to 1/2.
#[inline]
pub(crate) fn finalize64(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Names a hasher and its configuration, for byte formats: two hashers with
/// equal ids hash every input to the same value.
///
/// For [`Xxh3`] the tag is the seed itself, for [`Fnv1a`] it is zero, and for
/// [`Sip13`] it is a one-way tag derived from the secret key (the key itself
/// never leaves the process). Ids of the built-in algorithms come only from
/// those three hashers: `HasherId` has no public constructor for them. Any
/// other hasher names itself with [`HasherId::custom`] (and must not return
/// the id of a built-in hasher it wraps), so a filter it wrote is never read
/// back under a built-in hasher, nor the other way round.
///
/// # Example
///
/// ```
/// use routekit::hash::{HashAlgorithm, KeyHasher, Xxh3};
///
/// let id = Xxh3::with_seed(9).id();
/// assert_eq!(id.algorithm(), HashAlgorithm::Xxh3);
/// assert_eq!(id.tag(), 9);
/// assert_eq!(id.to_string(), "xxh3 seed 9");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HasherId {
    algorithm: HashAlgorithm,
    tag: u64,
}

impl HasherId {
    /// The id of a hasher that routekit does not ship: `name` says which
    /// algorithm it is, `tag` which configuration (a seed, or a one-way tag
    /// of a secret key — never the key itself).
    ///
    /// The id is [`HashAlgorithm::Custom`] with a 64-bit fingerprint of both
    /// as its tag (XXH3-64 of the name's UTF-8 bytes with `tag` as the seed),
    /// so it fits the byte formats that carry a built-in hasher's seed. Pick
    /// a name no other algorithm uses, such as your crate's path of the type,
    /// and change it if the hash values ever change, as you would a format
    /// version: equal names and tags promise equal hash values.
    ///
    /// Cost: linear in `name.len()`.
    ///
    /// ```
    /// use routekit::hash::{HashAlgorithm, HasherId, KeyHasher, Xxh3};
    ///
    /// /// XXH3 of the key with its bytes reversed: not a built-in algorithm.
    /// #[derive(Clone, Debug)]
    /// struct Reversed;
    ///
    /// impl KeyHasher for Reversed {
    ///     fn hash64(&self, bytes: &[u8]) -> u64 {
    ///         Xxh3::new().hash64(&bytes.iter().rev().copied().collect::<Vec<_>>())
    ///     }
    ///     fn hash128(&self, bytes: &[u8]) -> u128 {
    ///         Xxh3::new().hash128(&bytes.iter().rev().copied().collect::<Vec<_>>())
    ///     }
    ///     fn id(&self) -> HasherId {
    ///         HasherId::custom("my_crate::Reversed", 0)
    ///     }
    /// }
    ///
    /// assert_eq!(Reversed.id().algorithm(), HashAlgorithm::Custom);
    /// assert_ne!(Reversed.id(), Xxh3::new().id());
    /// assert_ne!(Reversed.id(), HasherId::custom("my_crate::Reversed", 1));
    /// ```
    pub fn custom(name: &str, tag: u64) -> HasherId {
        HasherId {
            algorithm: HashAlgorithm::Custom,
            tag: xxhash_rust::xxh3::xxh3_64_with_seed(name.as_bytes(), tag),
        }
    }

    /// Which algorithm hashes the bytes.
    ///
    /// ```
    /// use routekit::hash::{Fnv1a, HashAlgorithm, KeyHasher};
    /// assert_eq!(Fnv1a.id().algorithm(), HashAlgorithm::Fnv1a);
    /// ```
    pub const fn algorithm(&self) -> HashAlgorithm {
        self.algorithm
    }

    /// The configuration: the seed ([`Xxh3`]), zero ([`Fnv1a`]), a one-way
    /// tag of the key ([`Sip13`]), or the fingerprint of a custom hasher's
    /// name and tag ([`HasherId::custom`]).
    ///
    /// ```
    /// use routekit::hash::{KeyHasher, Sip13};
    /// let (a, b) = (Sip13::new([1; 16]), Sip13::new([2; 16]));
    /// assert_ne!(a.id().tag(), b.id().tag());
    /// ```
    pub const fn tag(&self) -> u64 {
        self.tag
    }

    /// An id as a byte format stores it. Built-in ids are made only by their
    /// hashers; this is for the decoders that read them back.
    pub(crate) const fn from_parts(algorithm: HashAlgorithm, tag: u64) -> HasherId {
        HasherId { algorithm, tag }
    }
}

impl fmt::Display for HasherId {
    /// `xxh3 seed 7`, `fnv1a`, `sip13 key tag 0x…`, `custom hasher 0x…`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.algorithm {
            HashAlgorithm::Xxh3 => write!(f, "xxh3 seed {}", self.tag),
            HashAlgorithm::Fnv1a if self.tag == 0 => f.write_str("fnv1a"),
            HashAlgorithm::Fnv1a => write!(f, "fnv1a tag {:#018x}", self.tag),
            HashAlgorithm::Sip13 => write!(f, "sip13 key tag {:#018x}", self.tag),
            HashAlgorithm::Custom => write!(f, "custom hasher {:#018x}", self.tag),
        }
    }
}

/// The hash algorithms routekit ships, and [`Custom`](HashAlgorithm::Custom)
/// for every other.
///
/// # Example
///
/// ```
/// use routekit::hash::{HashAlgorithm, HasherId, KeyHasher, Sip13};
///
/// assert_eq!(Sip13::new([7; 16]).id().algorithm(), HashAlgorithm::Sip13);
/// assert_eq!(HasherId::custom("my_crate::Murmur3", 0).algorithm(), HashAlgorithm::Custom);
/// assert_eq!(HashAlgorithm::Sip13.to_string(), "sip13");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HashAlgorithm {
    /// XXH3 (xxHash 0.8), 64- and 128-bit variants with a 64-bit seed.
    Xxh3,
    /// FNV-1a, 64- and 128-bit variants.
    Fnv1a,
    /// SipHash-1-3 with a 128-bit key.
    Sip13,
    /// A hasher routekit does not ship, named by [`HasherId::custom`].
    Custom,
}

impl HashAlgorithm {
    /// The stable one-byte code of this algorithm in routekit's byte formats.
    pub(crate) const fn code(self) -> u8 {
        match self {
            HashAlgorithm::Xxh3 => 1,
            HashAlgorithm::Fnv1a => 2,
            HashAlgorithm::Sip13 => 3,
            HashAlgorithm::Custom => 255,
        }
    }

    /// The algorithm with this code, if there is one.
    pub(crate) const fn from_code(code: u8) -> Option<HashAlgorithm> {
        match code {
            1 => Some(HashAlgorithm::Xxh3),
            2 => Some(HashAlgorithm::Fnv1a),
            3 => Some(HashAlgorithm::Sip13),
            255 => Some(HashAlgorithm::Custom),
            _ => None,
        }
    }
}

impl fmt::Display for HashAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HashAlgorithm::Xxh3 => "xxh3",
            HashAlgorithm::Fnv1a => "fnv1a",
            HashAlgorithm::Sip13 => "sip13",
            HashAlgorithm::Custom => "custom",
        })
    }
}

/// XXH3 from xxHash 0.8, seedable: the default hasher.
///
/// With seed 0 it equals the reference `XXH3_64bits` and `XXH3_128bits`;
/// with another seed, `XXH3_64bits_withSeed` and `XXH3_128bits_withSeed`.
/// Fast on every key length, but not keyed: see the [module docs](self) for
/// when to prefer [`Sip13`].
///
/// # Example
///
/// ```
/// use routekit::hash::{KeyHasher, Xxh3};
///
/// assert_eq!(Xxh3::new().hash64(b"a"), 0xe6c6_32b6_1e96_4e1f);
/// assert_ne!(Xxh3::with_seed(1).hash64(b"a"), Xxh3::new().hash64(b"a"));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Xxh3 {
    seed: u64,
}

impl KeyHasher for Xxh3 {
    #[inline]
    fn hash64(&self, bytes: &[u8]) -> u64 {
        xxhash_rust::xxh3::xxh3_64_with_seed(bytes, self.seed)
    }

    #[inline]
    fn hash128(&self, bytes: &[u8]) -> u128 {
        xxhash_rust::xxh3::xxh3_128_with_seed(bytes, self.seed)
    }

    fn id(&self) -> HasherId {
        HasherId::from_parts(HashAlgorithm::Xxh3, self.seed)
    }
}

impl Xxh3 {
    /// XXH3 with seed 0, the reference configuration.
    ///
    /// ```
    /// assert_eq!(routekit::hash::Xxh3::new().seed(), 0);
    /// ```
    pub const fn new() -> Xxh3 {
        Xxh3 { seed: 0 }
    }

    /// XXH3 with the given seed.
    ///
    /// ```
    /// assert_eq!(routekit::hash::Xxh3::with_seed(7).seed(), 7);
    /// ```
    pub const fn with_seed(seed: u64) -> Xxh3 {
        Xxh3 { seed }
    }

    /// The seed this hasher was built with.
    ///
    /// ```
    /// assert_eq!(routekit::hash::Xxh3::with_seed(3).seed(), 3);
    /// ```
    pub const fn seed(&self) -> u64 {
        self.seed
    }
}

/// FNV-1a (Fowler–Noll–Vo), 64-bit and 128-bit.
///
/// Byte-at-a-time, so slower than [`Xxh3`] beyond a few bytes, and weak
/// against chosen keys; offered because other systems use it. Its high bits
/// barely change when only a key's last bytes do, so routekit's routers and
/// filters take [`KeyHasher::uniform64`], which finalizes the FNV-1a value.
///
/// # Example
///
/// ```
/// use routekit::hash::{KeyHasher, Fnv1a};
///
/// assert_eq!(Fnv1a.hash64(b"foobar"), 0x8594_4171_f739_67e8); // published vector
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Fnv1a;

/// FNV-1a 128-bit offset basis.
const FNV128_OFFSET: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
/// FNV-1a 128-bit prime, 2^88 + 2^8 + 0x3b.
const FNV128_PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;

impl KeyHasher for Fnv1a {
    #[inline]
    fn hash64(&self, bytes: &[u8]) -> u64 {
        let mut hasher = fnv::FnvHasher::default();
        hasher.write(bytes);
        hasher.finish()
    }

    fn hash128(&self, bytes: &[u8]) -> u128 {
        bytes
            .iter()
            .fold(FNV128_OFFSET, |hash, &byte| (hash ^ u128::from(byte)).wrapping_mul(FNV128_PRIME))
    }

    fn id(&self) -> HasherId {
        HasherId::from_parts(HashAlgorithm::Fnv1a, 0)
    }

    #[inline]
    fn uniform64(&self, bytes: &[u8]) -> u64 {
        finalize64(self.hash64(bytes))
    }

    fn uniform128(&self, bytes: &[u8]) -> u128 {
        let hash = self.hash128(bytes);
        let (high, low) = ((hash >> 64) as u64, hash as u64);
        let first = finalize64(low ^ high.rotate_left(32));
        let second = finalize64(high ^ first);
        (u128::from(second) << 64) | u128::from(first)
    }
}

/// SipHash-1-3 under a 128-bit secret key: for keys an attacker may choose.
///
/// Without the key, nobody can predict which keys collide or land on the same
/// node, so clients cannot pile their keys onto one instance or fill one region
/// of a Bloom filter. Every process that must agree on placements needs the
/// same key; keep it out of logs (`Debug` prints only the tag from
/// [`KeyHasher::id`]).
///
/// The key bytes are read as two little-endian words `k0 = key[0..8]`,
/// `k1 = key[8..16]`, as in the reference implementation.
///
/// # Example
///
/// ```
/// use routekit::hash::{KeyHasher, Sip13};
///
/// let key: [u8; 16] = core::array::from_fn(|i| i as u8); // 00 01 .. 0f
/// // Reference vector for the empty message under that key:
/// assert_eq!(Sip13::new(key).hash64(b""), 0xabac_0158_050f_c4dc);
/// ```
#[derive(Clone)]
pub struct Sip13 {
    k0: u64,
    k1: u64,
    /// The 64-bit hasher with its state already keyed: SipHash's
    /// initialization is a function of the key alone, so every call starts
    /// from a copy of it instead of keying a new hasher.
    keyed64: siphasher::sip::SipHasher13,
    /// The same for the 128-bit variant, whose initial state differs.
    keyed128: siphasher::sip128::SipHasher13,
    /// The one-way tag [`KeyHasher::id`] reports, computed once.
    tag: u64,
}

impl KeyHasher for Sip13 {
    #[inline]
    fn hash64(&self, bytes: &[u8]) -> u64 {
        self.keyed64.hash(bytes)
    }

    #[inline]
    fn hash128(&self, bytes: &[u8]) -> u128 {
        self.keyed128.hash(bytes).as_u128()
    }

    #[inline]
    fn id(&self) -> HasherId {
        HasherId::from_parts(HashAlgorithm::Sip13, self.tag)
    }
}

impl PartialEq for Sip13 {
    /// Equal keys: the keyed states and the tag follow from them.
    fn eq(&self, other: &Self) -> bool {
        (self.k0, self.k1) == (other.k0, other.k1)
    }
}

impl Eq for Sip13 {}

impl fmt::Debug for Sip13 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sip13").field("tag", &format_args!("{:#018x}", self.id().tag())).finish()
    }
}

impl Sip13 {
    /// SipHash-1-3 under `key` (16 secret bytes, e.g. from the OS's random
    /// source, shared by every process that must agree).
    ///
    /// ```
    /// use routekit::hash::{KeyHasher, Sip13};
    /// assert_ne!(Sip13::new([1; 16]).hash64(b"x"), Sip13::new([2; 16]).hash64(b"x"));
    /// ```
    pub fn new(key: [u8; 16]) -> Sip13 {
        let (k0, k1) = key.split_at(8);
        Sip13::with_keys(
            u64::from_le_bytes(k0.try_into().expect("split_at(8) of 16 bytes")),
            u64::from_le_bytes(k1.try_into().expect("split_at(8) of 16 bytes")),
        )
    }

    /// SipHash-1-3 under the two key words `k0`, `k1`.
    ///
    /// ```
    /// use routekit::hash::{KeyHasher, Sip13};
    /// let mut key = [0u8; 16];
    /// key[0] = 1;
    /// assert_eq!(Sip13::with_keys(1, 0).hash64(b"x"), Sip13::new(key).hash64(b"x"));
    /// ```
    pub fn with_keys(k0: u64, k1: u64) -> Sip13 {
        let keyed64 = siphasher::sip::SipHasher13::new_with_keys(k0, k1);
        // A one-way tag: the hash of a fixed label under the key. Equal keys
        // give equal tags; the tag reveals nothing usable about the key.
        let tag = keyed64.hash(SIP13_ID_LABEL);
        let keyed128 = siphasher::sip128::SipHasher13::new_with_keys(k0, k1);
        Sip13 { k0, k1, keyed64, keyed128, tag }
    }
}

/// The label whose keyed hash is [`Sip13`]'s tag (see the Bloom byte format).
const SIP13_ID_LABEL: &[u8] = b"routekit hasher id";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_distinguish_configurations() {
        assert_ne!(Xxh3::with_seed(1).id(), Xxh3::with_seed(2).id());
        assert_ne!(Sip13::new([1; 16]).id(), Sip13::new([2; 16]).id());
        assert_eq!(Sip13::new([1; 16]).id(), Sip13::new([1; 16]).id());
        assert_eq!(Fnv1a.id().algorithm(), HashAlgorithm::Fnv1a);
        // A custom id is never a built-in one, whatever its tag.
        let custom = HasherId::custom("xxh3", 0);
        assert_ne!(custom, Xxh3::new().id());
        assert_eq!(custom.algorithm(), HashAlgorithm::Custom);
        assert_ne!(custom, HasherId::custom("xxh3", 1));
        assert_ne!(custom, HasherId::custom("xxh4", 0));
        assert_eq!(custom, HasherId::custom("xxh3", 0));
    }

    #[test]
    fn ids_read_back_from_their_codes() {
        for algorithm in
            [HashAlgorithm::Xxh3, HashAlgorithm::Fnv1a, HashAlgorithm::Sip13, HashAlgorithm::Custom]
        {
            assert_eq!(HashAlgorithm::from_code(algorithm.code()), Some(algorithm));
        }
        assert_eq!(HashAlgorithm::from_code(0), None);
        assert_eq!(HashAlgorithm::from_code(4), None);
    }

    #[test]
    fn ids_display_what_they_name() {
        assert_eq!(Xxh3::with_seed(7).id().to_string(), "xxh3 seed 7");
        assert_eq!(Fnv1a.id().to_string(), "fnv1a");
        assert!(Sip13::new([1; 16]).id().to_string().starts_with("sip13 key tag 0x"));
        let custom = HasherId::custom("mine", 0);
        assert_eq!(custom.to_string(), format!("custom hasher {:#018x}", custom.tag()));
    }

    #[test]
    fn sip13_debug_does_not_print_the_key() {
        let text = format!("{:?}", Sip13::with_keys(0x1111_2222_3333_4444, 0));
        assert!(!text.contains("1111222233334444"), "{text}");
        assert!(!text.contains(&0x1111_2222_3333_4444u64.to_string()), "{text}");
    }
}
