//! Approximate membership: Bloom filters behind the [`Filter`] trait.
//!
//! A Bloom filter answers "is this key in the set?" with **no false
//! negatives**: a key that was inserted is always reported present, and a key
//! that was not is reported present only with a small, predictable
//! false-positive rate (fpr). It costs a few bits per key, whatever the keys'
//! size. Typical uses: skip the database for keys that certainly do not exist,
//! let a shard tell a router which keys it might hold, exchange "what I have"
//! summaries between replicas.
//!
//! | filter                  | bits touched per key      | fpr at 10 bits/key | use it when                                    |
//! |-------------------------|---------------------------|--------------------|------------------------------------------------|
//! | [`BloomFilter`]         | `k` anywhere in the table | 0.819% (k = 7)     | memory matters most; the textbook rate         |
//! | [`BlockedBloomFilter`]  | 8 in one 32-byte block    | 1.265% (k = 8)     | speed matters most: one cache miss per key     |
//! | [`AtomicBloomFilter`]   | as `BloomFilter`          | 0.819% (k = 7)     | many threads insert into one filter at once    |
//!
//! Size a filter from the number of keys you expect and the false-positive
//! rate you want: `new(expected_items, fpr)` hashes with [`Xxh3`], and
//! [`Filter::with_hasher`] takes the same two and a hasher. Each filter picks
//! the fewest bits whose model rate meets the target at that many keys (the
//! derivations are in the source). Past the expected count the rate climbs:
//! [`Filter::expected_fpr`] tells the rate for the current fill. To match a
//! filter built elsewhere, `with_bits(bits, hashes, hasher)` takes the size
//! exactly.
//!
//! # How keys become bits
//!
//! Each key is hashed **once**, from its bytes, and that hash gives all of
//! its bit positions. `reduce(x, n) = (x · n) >> 64` over a 128-bit product
//! maps a 64-bit value onto `0..n` without a division and without bias
//! towards low positions.
//!
//! * standard filter: the two 64-bit halves `h1`, `h2` of
//!   [`KeyHasher::uniform128`] give position `i` (for `i` in `0..k`)
//!   `reduce(h1 + i·(h2 | 1), m)` (wrapping 64-bit arithmetic; Kirsch–Mitzenmacher
//!   double hashing, and the step is odd, so the `k` values are distinct
//!   before reduction);
//! * blocked filter: the 64-bit [`KeyHasher::uniform64`] `h` picks block
//!   `reduce(h, blocks)` of 256 bits, and the 32 bits below the block in the
//!   product `h · blocks` are a `seed` that sets bit `(seed · salt_i) >> 27`
//!   (wrapping 32-bit product) of lane `i` of the block's eight 32-bit lanes,
//!   for eight fixed odd salts (those of Parquet's split block Bloom filter;
//!   filters with 2–4 bits per lane use further salts, listed in the source).
//!
//! Indexes are 64-bit throughout, so filters larger than 2³² bits work.
//! `uniform128` and `uniform64` are [`Xxh3`] and [`Sip13`]'s `hash128` and
//! `hash64` as they are; for [`Fnv1a`](crate::hash::Fnv1a), whose output
//! barely changes in its high bits when only a key's last bytes do, they are
//! the FNV-1a value run through a finalizer.
//!
//! # Keyed hashing
//!
//! [`Xxh3`] is fast and its seed is no secret. When the keys come from
//! clients who gain by fooling the filter, use
//! [`Sip13`] with a random 16-byte key kept secret:
//!
//! * a client who can compute bit positions can craft keys that are false
//!   positives, and so send traffic past a guard straight to the database;
//! * a client whose keys get inserted (user names, URLs) can choose keys that
//!   set many bits each and drive the false-positive rate up for everyone.
//!
//! Without the key neither is possible. Every process that must read the
//! filter needs the same key; the byte format carries only a one-way tag of
//! it, so [`BloomFilter::from_bytes`] takes the hasher from the caller and
//! refuses one whose algorithm or tag differs.
//!
//! A hasher of your own works too: its [`KeyHasher::id`] names it with
//! [`HasherId::custom`](crate::hash::HasherId::custom), and its filters'
//! bytes are then refused by every other hasher, built-in or custom.
//!
//! # Degenerate hashers
//!
//! A hasher that would let a filter degrade silently is refused with
//! [`BuildError::DegenerateHasher`] when the filter is built, and bytes that
//! name one are refused as [`Corruption::DegenerateHasher`]; the
//! [`Degeneracy`] says which:
//!
//! * one whose 128-bit hash has two **equal halves** (for example a custom
//!   `hash128` that repeats `hash64`), which would collapse double hashing to
//!   a single probe position repeated `k` times ([`Degeneracy::EqualHalves`]);
//! * one that hashes different keys to the **same value**
//!   ([`Degeneracy::Collisions`]);
//! * [`Sip13`] under the **all-zero key**, the usual sign
//!   of a key array that was never filled: that key is public, so it protects
//!   nothing ([`Degeneracy::PublicKey`]).
//!
//! These are checked on a few fixed probe keys. No [`Xxh3`] seed is
//! degenerate: every seed gives independent 64-bit halves, and the odd step
//! keeps the `k` positions of a key distinct before reduction.
//!
//! # Counts
//!
//! Each filter keeps the number of inserts that set a new bit, plus the
//! counts of the filters merged into it (`inserted`). Counts add saturating
//! at `u64::MAX` on every path (insert, [`Filter::union`],
//! [`AtomicBloomFilter::insert`], [`AtomicBloomFilter::union_shared`]), so
//! no count, however it was read, makes a later operation overflow, and
//! union stays commutative and associative at the top of the range.
//!
//! The bits bound the count, and the decoders refuse a count outside the
//! bounds ([`Corruption::Inserted`]): the checksum is not keyed, so anyone
//! who sends filter bytes can write any count. A counted insert sets at most
//! `k` new bits, or in the blocked filter at most `k / 8` in each lane of its
//! block, and a union's bits are at most both filters' bits while its count
//! is both counts; so a standard filter with `p` bits set counts at least
//! `⌈p / k⌉`, and a blocked filter at least the sum over its blocks of
//! `⌈ones / (k / 8)⌉` for the block's fullest lane. A filter with no bit set
//! counts 0 (an `intersect` that leaves no bit sets the count to 0). Nothing
//! bounds a count from above: a union of a filter with itself doubles it.
//! Every block of a blocked filter is empty or has a bit in each of its eight
//! lanes, as each key sets one in all eight ([`Corruption::PartialBlock`]);
//! `intersect` empties the blocks it would leave otherwise, which can hold
//! no key. An [`AtomicBloomFilter`]'s count is read apart from its bits while
//! inserts run, so its copies and bytes move the count into these bounds.
//!
//! # Limits
//!
//! * Bits: 1 to `usize::MAX / 8` rounded down to whole 256-bit blocks
//!   (2⁶¹ − 256 on 64-bit platforms), rounded up to whole 64-bit words
//!   (256-bit blocks for the blocked filter); more is
//!   [`BuildError::TooLarge`]. Any `expected_items` from 1 up and any rate
//!   strictly between 0 and 1 are accepted (subnormal rates included) and
//!   sized exactly; a size past the bit limit is `TooLarge`.
//! * Hash functions per key: 1 to 64 for the standard filters; 8, 16, 24
//!   or 32 for the blocked filter.
//! * Memory: `m / 8` bytes. The filters reserve them fallibly before
//!   touching them, so memory the allocator cannot provide is
//!   [`BuildError::OutOfMemory`] (or [`DecodeError::OutOfMemory`]), not an
//!   abort. Converting between [`BloomFilter`] and [`AtomicBloomFilter`]
//!   reuses the allocation.
//! * Decoding: `from_bytes` checks the whole input before it allocates, and
//!   then allocates the filter's bits once, no more than the input's length;
//!   the serde path also collects the bytes, never more than the text they
//!   came from.
//!
//! # Byte format
//!
//! [`BloomFilter::to_bytes`] (and its counterparts on the other filters)
//! writes version 1 of this format, all integers little-endian:
//!
//! | offset | size      | field                                                                  |
//! |--------|-----------|------------------------------------------------------------------------|
//! | 0      | 4         | magic `RKBF`                                                           |
//! | 4      | 1         | format version, `1`                                                    |
//! | 5      | 1         | layout: `1` standard ([`BloomFilter`], [`AtomicBloomFilter`]), `3` blocked ([`BlockedBloomFilter`]) |
//! | 6      | 1         | hasher algorithm: `1` [`Xxh3`], `2` [`Fnv1a`](crate::hash::Fnv1a), `3` [`Sip13`], `255` a custom hasher ([`HasherId::custom`](crate::hash::HasherId::custom)) |
//! | 7      | 1         | `k`, hash functions per key                                            |
//! | 8      | 8         | hasher tag ([`HasherId::tag`](crate::hash::HasherId::tag)): the Xxh3 seed; 0 for Fnv1a; for Sip13 the 64-bit SipHash-1-3, under the key, of the 18 bytes `routekit hasher id` (a one-way tag of the key); for a custom hasher XXH3-64 of its name's UTF-8 bytes with its tag as the seed |
//! | 16     | 8         | `m`, bits (a multiple of 64; of 256 for blocked)                       |
//! | 24     | 8         | items inserted (see [`BloomFilter::inserted`])                         |
//! | 32     | `m / 8`   | the bits as `m / 64` 64-bit words; bit `i` is bit `i % 64` of word `i / 64` (blocked: 32 bytes per block, block by block, lane `j` of a block the 32-bit integer at its byte `4j`) |
//! | end−8  | 8         | checksum: XXH3-64 (seed 0) of every byte before it                     |
//!
//! No other layout or hasher code exists; reading refuses unknown codes.
//! Reading checks every field, the exact length, the checksum, and the count
//! and blocks against the bits (see [Counts](#counts)) before trusting
//! anything, and allocates only after all of it passed: damaged, truncated,
//! foreign or mismatched bytes give a [`DecodeError`], never a panic or a
//! filter with the wrong bits, and every filter read behaves as one the
//! crate's own operations built. The checksum detects accidents, not
//! tampering. `encoded_len` gives the length without encoding. With the
//! `serde` feature, the filters serialize as these bytes, and deserialize
//! with the same checks (filters of a keyed or custom hasher through
//! `WithHasher`, which takes the hasher).
//!
//! # Example
//!
//! ```
//! use routekit::bloom::{BloomFilter, Filter};
//!
//! let mut seen = BloomFilter::new(10_000, 0.01)?;
//! assert!(!seen.insert(b"user:42")); // not there before
//! assert!(seen.contains(b"user:42")); // never a false negative
//! assert!(seen.expected_fpr() < 1e-9); // one key in ~96,000 bits
//!
//! // Ship it to another process and read it back with the same hasher.
//! let bytes = seen.to_bytes();
//! assert_eq!(bytes.len(), seen.encoded_len());
//! let copy = BloomFilter::from_bytes(&bytes, routekit::Xxh3::new())?;
//! assert_eq!(copy, seen);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod atomic;
mod blocked;
mod count;
mod error;
mod kernel;
#[cfg(feature = "serde")]
mod serde_impl;
mod sizing;
mod standard;
mod wire;

pub use atomic::AtomicBloomFilter;
pub use blocked::BlockedBloomFilter;
pub use error::{BuildError, CombineError, Corruption, DecodeError, Degeneracy};
#[cfg(feature = "serde")]
pub use serde_impl::WithHasher;
pub use standard::BloomFilter;

use crate::hash::{HasherId, KeyHasher, Sip13, Xxh3};

/// Approximate membership: insert keys, ask whether a key may be present.
///
/// Implemented by [`BloomFilter`], [`BlockedBloomFilter`] and
/// [`AtomicBloomFilter`]. A filter never forgets an inserted key
/// (`contains` is true for every key ever inserted since the last `clear`),
/// and reports an absent key present with the probability the filter's model
/// gives for its fill ([`expected_fpr`](Filter::expected_fpr)).
///
/// The trait can be used as `dyn Filter<Hasher = H>` (the constructor and
/// `union` need the concrete type).
///
/// # Example
///
/// ```
/// use routekit::bloom::{BlockedBloomFilter, BloomFilter, BuildError, Filter};
/// use routekit::Xxh3;
///
/// fn guard<F: Filter<Hasher = Xxh3>>(keys: &[&str]) -> Result<F, BuildError> {
///     let mut filter = F::with_hasher(keys.len() as u64, 0.01, Xxh3::new())?;
///     for key in keys {
///         filter.insert(key.as_bytes());
///     }
///     Ok(filter)
/// }
///
/// let standard: BloomFilter = guard(&["a", "b"])?;
/// let blocked: BlockedBloomFilter = guard(&["a", "b"])?;
/// assert!(standard.contains(b"a") && blocked.contains(b"b"));
/// # Ok::<(), BuildError>(())
/// ```
pub trait Filter {
    /// The hasher that turns keys into bit positions.
    type Hasher: KeyHasher;

    /// An empty filter hashed with `hasher`, sized so that after
    /// `expected_items` distinct inserts its model false-positive rate is at
    /// most `fpr`. (`new(expected_items, fpr)` on each filter is this with
    /// [`Xxh3`].)
    ///
    /// # Errors
    ///
    /// [`BuildError::InvalidFpr`] unless `0 < fpr < 1`;
    /// [`BuildError::ZeroItems`] when `expected_items` is 0;
    /// [`BuildError::TooLarge`] or [`BuildError::OutOfMemory`] when the bits
    /// cannot be had; [`BuildError::DegenerateHasher`] for a hasher that would
    /// degrade the filter (see the [module docs](self#degenerate-hashers)).
    ///
    /// ```
    /// use routekit::bloom::{BloomFilter, Filter};
    /// use routekit::Sip13;
    ///
    /// let secret = [0x5a; 16]; // in production: 16 random bytes shared by every reader
    /// let filter = BloomFilter::with_hasher(5000, 0.001, Sip13::new(secret))?;
    /// assert_eq!(filter.hashes(), 10);
    /// # Ok::<(), routekit::bloom::BuildError>(())
    /// ```
    fn with_hasher(expected_items: u64, fpr: f64, hasher: Self::Hasher) -> Result<Self, BuildError>
    where
        Self: Sized;

    /// Adds `key`; returns true when every bit of `key` was already set, that
    /// is when the key may have been present before (it was, or it is a false
    /// positive). Cost: one hash and `k` bit updates; no allocation.
    fn insert(&mut self, key: &[u8]) -> bool;

    /// True when `key` may be present; false when it certainly is not.
    /// Cost: one hash and up to `k` bit reads; no allocation.
    fn contains(&self, key: &[u8]) -> bool;

    /// Adds every key of `other` to this filter (bitwise OR): afterwards it
    /// equals the filter built from both key sets. O(m / 64).
    ///
    /// # Errors
    ///
    /// [`CombineError`] unless both filters have the same bits, hash count
    /// and hasher (algorithm and seed or key tag); nothing changes.
    fn union(&mut self, other: &Self) -> Result<(), CombineError>
    where
        Self: Sized;

    /// The false-positive rate for the current fill: the probability that a
    /// key never inserted is reported present, estimated from the bits that
    /// are set. O(m / 64).
    fn expected_fpr(&self) -> f64;

    /// The number of distinct keys inserted, estimated from the bits that
    /// are set (Swamidass & Baldi): `ln(1 - X/m) / (k ln(1 - 1/m))` for `X`
    /// set bits; the blocked filter uses the same estimate per block, where
    /// each key sets `k/8` of a lane's 32 bits. Infinite when every bit is
    /// set. O(m / 64).
    fn len_estimate(&self) -> f64;

    /// Removes every key. O(m / 64).
    fn clear(&mut self);

    /// `m`, the number of bits.
    fn bits(&self) -> u64;

    /// `k`, the number of bits set per key.
    fn hashes(&self) -> u32;
}

// The trait is meant to be usable as `dyn Filter`: keep it object safe.
const _: Option<&dyn Filter<Hasher = Xxh3>> = None;

/// A key's 128-bit hash as the two halves the filters probe with.
#[derive(Clone, Copy, Debug)]
struct KeyHash {
    low: u64,
    high: u64,
}

/// A hasher, checked for degeneracy.
#[derive(Clone, Debug)]
struct Hashing<H> {
    hasher: H,
}

impl<H: KeyHasher> Hashing<H> {
    /// `hasher` for a new filter, refused when degenerate.
    fn build(hasher: H) -> Result<Self, BuildError> {
        match degeneracy(&hasher) {
            None => Ok(Hashing { hasher }),
            Some(reason) => Err(BuildError::DegenerateHasher { hasher: hasher.id(), reason }),
        }
    }

    /// `hasher` for a filter read from bytes that name it: a degenerate one
    /// means bytes no filter could have written.
    fn decoded(hasher: H) -> Result<Self, DecodeError> {
        match degeneracy(&hasher) {
            None => Ok(Hashing { hasher }),
            Some(reason) => {
                Err(DecodeError::Corrupt { reason: Corruption::DegenerateHasher { reason } })
            }
        }
    }

    #[inline]
    fn hash(&self, key: &[u8]) -> KeyHash {
        let hash = self.hasher.uniform128(key);
        KeyHash { low: hash as u64, high: (hash >> 64) as u64 }
    }

    /// The blocked filter's 64-bit hash of `key`.
    #[inline]
    fn hash64(&self, key: &[u8]) -> u64 {
        self.hasher.uniform64(key)
    }

    /// The hasher's id, as the byte format and the comparisons use it.
    fn id(&self) -> HasherId {
        self.hasher.id()
    }

    /// Refuses to combine with a filter under another hasher.
    fn check_same(&self, other: &Self) -> Result<(), CombineError> {
        let (ours, theirs) = (self.id(), other.id());
        if ours != theirs {
            return Err(CombineError::Hasher { ours, theirs });
        }
        Ok(())
    }
}

/// Why `hasher` would degrade a filter, if it would (see the module docs on
/// degenerate hashers).
fn degeneracy<H: KeyHasher>(hasher: &H) -> Option<Degeneracy> {
    if hasher.id() == Sip13::with_keys(0, 0).id() {
        return Some(Degeneracy::PublicKey);
    }
    const PROBES: [&[u8]; 4] = [b"", b"\x00", b"routekit", b"routekit bloom probe 3"];
    let hashes = PROBES.map(|probe| hasher.uniform128(probe));
    if hashes.iter().any(|&h| h as u64 == (h >> 64) as u64) {
        return Some(Degeneracy::EqualHalves);
    }
    fn repeats<T: PartialEq>(values: &[T]) -> bool {
        (1..values.len()).any(|i| values[..i].contains(&values[i]))
    }
    if repeats(&hashes) || repeats(&PROBES.map(|probe| hasher.uniform64(probe))) {
        return Some(Degeneracy::Collisions);
    }
    None
}

impl KeyHash {
    /// The standard filter's `hashes` positions in a table of `words`
    /// 64-bit words, as (word, bit) pairs: double hashing with an odd step,
    /// reduced by multiply-shift (see [`locate`]).
    #[inline(always)]
    fn positions(self, words: u64, hashes: u32) -> Positions {
        Positions { at: self.low, step: self.high | 1, words, left: hashes }
    }

    /// Whether `bit_at(word, bit)` is 1 for every position of
    /// [`positions`](Self::positions), stopping at the first 0.
    ///
    /// The first two bits are read with no branch between them: at the
    /// optimal fill an absent key fails on one of them three times in four,
    /// and the two cache misses overlap instead of waiting on a branch the
    /// CPU cannot predict, which makes absent keys faster than a loop that
    /// branches on every bit and present keys no slower.
    #[inline(always)]
    fn all_set(self, words: u64, hashes: u32, bit_at: impl Fn(usize, u32) -> u64) -> bool {
        let step = self.high | 1;
        let second = if hashes > 1 { self.low.wrapping_add(step) } else { self.low };
        let ((w0, b0), (w1, b1)) = (locate(self.low, words), locate(second, words));
        if bit_at(w0, b0) & bit_at(w1, b1) == 0 {
            return false;
        }
        let mut at = second;
        for _ in 2..hashes {
            at = at.wrapping_add(step);
            let (word, bit) = locate(at, words);
            if bit_at(word, bit) == 0 {
                return false;
            }
        }
        true
    }
}

/// The iterator of [`KeyHash::positions`]: `locate(low + i·step, words)`.
struct Positions {
    at: u64,
    step: u64,
    words: u64,
    left: u32,
}

impl Iterator for Positions {
    type Item = (usize, u32);

    #[inline(always)]
    fn next(&mut self) -> Option<(usize, u32)> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let position = locate(self.at, self.words);
        self.at = self.at.wrapping_add(self.step);
        Some(position)
    }
}

/// Position `reduce(x, 64·words)` as its word and its bit in the word.
///
/// With `P = x · words` (128 bits), the position `⌊x · 64·words / 2^64⌋` is
/// `⌊P / 2^58⌋`: its word `⌊P / 2^64⌋` is the high half of `P`, and its bit
/// (the position mod 64) is bits 58..64 of `P`, the top six bits of the low
/// half. One multiplication gives both, with no shift or mask of the
/// position.
#[inline(always)]
fn locate(x: u64, words: u64) -> (usize, u32) {
    let product = u128::from(x) * u128::from(words);
    ((product >> 64) as usize, (product as u64 >> 58) as u32)
}

/// The standard filter's rate for its fill: `(ones / bits)^hashes`, the
/// chance that `hashes` probes all land on set bits.
fn standard_fill_fpr(ones: u64, bits: u64, hashes: u32) -> f64 {
    (ones as f64 / bits as f64).powi(hashes as i32)
}

/// The standard filter's estimate of the distinct keys behind `ones` set
/// bits (see [`Filter::len_estimate`]).
fn standard_len_estimate(ones: u64, bits: u64, hashes: u32) -> f64 {
    let zero_log = f64::from(hashes) * (-1.0 / bits as f64).ln_1p();
    keys_for_fill(ones, bits, zero_log)
}

/// Refuses to combine filters of different sizes or hash counts.
fn check_shape(bits: (u64, u64), hashes: (u32, u32)) -> Result<(), CombineError> {
    if bits.0 != bits.1 {
        return Err(CombineError::Bits { ours: bits.0, theirs: bits.1 });
    }
    if hashes.0 != hashes.1 {
        return Err(CombineError::Hashes { ours: hashes.0, theirs: hashes.1 });
    }
    Ok(())
}

/// The allocator refused `bytes` bytes for a filter's bits.
#[derive(Clone, Copy, Debug)]
struct NoMemory {
    bytes: u64,
}

impl NoMemory {
    fn building(self) -> BuildError {
        BuildError::OutOfMemory { bytes: self.bytes }
    }

    fn decoding(self) -> DecodeError {
        DecodeError::OutOfMemory { bytes: self.bytes }
    }
}

/// An empty vector with room for exactly `len` items, or [`NoMemory`].
fn with_room<T>(len: usize) -> Result<Vec<T>, NoMemory> {
    let mut items = Vec::new();
    items.try_reserve_exact(len).map_err(|_| NoMemory {
        bytes: (len as u64).saturating_mul(std::mem::size_of::<T>() as u64),
    })?;
    Ok(items)
}

/// A zeroed vector of `len` items, or [`BuildError::OutOfMemory`].
fn zeroed<T: Clone + Default>(len: usize) -> Result<Vec<T>, BuildError> {
    let mut items = with_room(len).map_err(NoMemory::building)?;
    items.resize(len, T::default());
    Ok(items)
}

/// Keys that leave `set` of `total` bits set when each key leaves a given
/// bit zero with probability `e^zero_log`: `ln(1 - set/total) / zero_log`.
/// Infinite when every bit is set.
fn keys_for_fill(set: u64, total: u64, zero_log: f64) -> f64 {
    if set >= total {
        return f64::INFINITY;
    }
    (-(set as f64) / total as f64).ln_1p() / zero_log
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::{Fnv1a, HasherId};

    /// A hasher whose 128-bit hash repeats its 64-bit hash in both halves.
    #[derive(Clone, Debug)]
    struct Doubled;

    impl KeyHasher for Doubled {
        fn hash64(&self, bytes: &[u8]) -> u64 {
            Xxh3::new().hash64(bytes)
        }
        fn hash128(&self, bytes: &[u8]) -> u128 {
            let h = u128::from(self.hash64(bytes));
            (h << 64) | h
        }
        fn id(&self) -> HasherId {
            HasherId::custom("routekit test: doubled xxh3", 0)
        }
    }

    /// A hasher that ignores its input.
    #[derive(Clone, Debug)]
    struct Constant;

    impl KeyHasher for Constant {
        fn hash64(&self, _: &[u8]) -> u64 {
            7
        }
        fn hash128(&self, _: &[u8]) -> u128 {
            (1 << 64) | 2
        }
        fn id(&self) -> HasherId {
            HasherId::custom("routekit test: constant", 0)
        }
    }

    #[test]
    fn degenerate_hashers_are_refused() {
        assert_eq!(degeneracy(&Doubled), Some(Degeneracy::EqualHalves));
        assert_eq!(degeneracy(&Constant), Some(Degeneracy::Collisions));
        assert_eq!(degeneracy(&Sip13::new([0; 16])), Some(Degeneracy::PublicKey));
        for seed in [0, 1, u64::MAX, 0x9e37_79b9_7f4a_7c15] {
            assert_eq!(degeneracy(&Xxh3::with_seed(seed)), None);
        }
        let mut almost_zero = [0; 16];
        almost_zero[15] = 1;
        assert_eq!(degeneracy(&Sip13::new(almost_zero)), None);
        assert_eq!(degeneracy(&Fnv1a), None);
        // Building names the hasher; reading bytes that name one calls them corrupt.
        assert_eq!(
            Hashing::build(Doubled).unwrap_err(),
            BuildError::DegenerateHasher { hasher: Doubled.id(), reason: Degeneracy::EqualHalves }
        );
        assert_eq!(
            Hashing::decoded(Constant).unwrap_err(),
            DecodeError::Corrupt {
                reason: Corruption::DegenerateHasher { reason: Degeneracy::Collisions }
            }
        );
    }

    #[test]
    fn locate_is_the_documented_reduction_split_into_word_and_bit() {
        // reduce(x, m) = (x · m) >> 64, as the module docs state it.
        let reduce = |x: u64, m: u64| ((u128::from(x) * u128::from(m)) >> 64) as u64;
        for (x, words) in
            [(0, 1), (u64::MAX, 1), (u64::MAX, 3), (1 << 63, 5), (0x1234_5678_9abc_def0, 156_250)]
        {
            let position = reduce(x, 64 * words);
            assert_eq!(locate(x, words), ((position / 64) as usize, (position % 64) as u32));
        }
        // Uniform over the range and never past it, beyond 32-bit indexes too:
        // a table of 2^40 bits is fully addressable.
        assert_eq!(locate(0, 1 << 34), (0, 0));
        assert_eq!(locate(u64::MAX, 1 << 34), ((1 << 34) - 1, 63));
        assert_eq!(locate(1 << 63, 10), (5, 0));
    }

    #[test]
    fn fill_estimate_inverts_the_expected_fill() {
        // 1000 keys, 7 bits each, into 10,000 bits leave this many set on average.
        let total = 10_000u64;
        let set = (total as f64 * (1.0 - (1.0 - 1.0 / total as f64).powf(7000.0))).round();
        let zero_log = 7.0 * (-1.0 / total as f64).ln_1p();
        let keys = keys_for_fill(set as u64, total, zero_log);
        assert!((keys - 1000.0).abs() < 1.0, "{keys}");
        assert_eq!(keys_for_fill(total, total, zero_log), f64::INFINITY);
        assert_eq!(keys_for_fill(0, total, zero_log), 0.0);
    }
}
