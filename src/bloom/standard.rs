//! The standard Bloom filter and the builder shared by all filters.

use std::fmt;

use bitvec::order::Lsb0;
use bitvec::slice::BitSlice;

use super::sizing::{self, MAX_BITS_PER_LANE, MAX_HASHES};
use super::wire::{self, Header, Layout};
use super::{
    AtomicBloomFilter, BlockedBloomFilter, BloomError, Filter, Hashing, check_shape, keys_for_fill,
    zeroed,
};
use crate::hash::{KeyHasher, Xxh3};

/// The standard Bloom filter: `m` bits, `k` positions per key anywhere in
/// the table, the textbook false-positive rate.
///
/// Built for a number of keys and a target rate ([`BloomFilter::new`]), from
/// explicit bits and hash count ([`BloomFilter::with_bits`]), or with another
/// hasher through [`BloomFilter::builder`]. The bits are `m / 64` words,
/// bit `i` being bit `i % 64` of word `i / 64`, and
/// [`as_bitslice`](Self::as_bitslice) shows them as a [`bitvec`] slice. (The
/// filter keeps a plain `Vec<u64>` rather than a `BitVec`: decoding the
/// `BitVec`'s span on every operation cost 5–8% per lookup, measured.)
///
/// Memory: `m / 8` bytes. Each operation hashes the key once and touches `k`
/// bits, usually `k` different cache lines; see [`BlockedBloomFilter`] for one
/// line per key. Two filters are equal when they have the same bits, hash
/// count, hasher and bits set.
///
/// # Example
///
/// ```
/// use routekit::bloom::{BloomFilter, Filter};
///
/// // 1% false positives at 1000 keys: 9,600 bits, 7 per key.
/// let mut filter = BloomFilter::new(1000, 0.01)?;
/// assert_eq!((filter.bits(), filter.hashes()), (9600, 7));
/// for user in 0..1000u32 {
///     filter.insert(&user.to_le_bytes());
/// }
/// assert!((0..1000u32).all(|user| filter.contains(&user.to_le_bytes())));
/// assert!(filter.expected_fpr() < 0.0101);
/// # Ok::<(), routekit::bloom::BloomError>(())
/// ```
#[derive(Clone)]
pub struct BloomFilter<H = Xxh3> {
    /// `m / 64` words; bit `i` is bit `i % 64` of word `i / 64`.
    words: Vec<u64>,
    hashes: u32,
    inserted: u64,
    hashing: Hashing<H>,
}

impl<H: KeyHasher> Filter for BloomFilter<H> {
    type Hasher = H;

    fn with_fpr(expected_items: u64, fpr: f64, hasher: H) -> Result<Self, BloomError> {
        let (bits, hashes) = sizing::standard_size(expected_items, fpr)?;
        BloomFilter::with_parts(bits, hashes, hasher)
    }

    #[inline]
    fn insert(&mut self, key: &[u8]) -> bool {
        let words = &mut self.words;
        let mut present = true;
        for (word, bit) in self.hashing.hash(key).positions(words.len() as u64, self.hashes) {
            let word = &mut words[word];
            present &= *word >> bit & 1 != 0;
            *word |= 1 << bit;
        }
        // A branch, not `+= !present`: the count then waits on no cache miss.
        if !present {
            self.inserted += 1;
        }
        present
    }

    #[inline]
    fn contains(&self, key: &[u8]) -> bool {
        let words = &self.words;
        let hash = self.hashing.hash(key);
        hash.all_set(words.len() as u64, self.hashes, |word, bit| words[word] >> bit & 1)
    }

    fn union(&mut self, other: &Self) -> Result<(), BloomError> {
        self.check_compatible(other)?;
        for (word, theirs) in self.words.iter_mut().zip(&other.words) {
            *word |= theirs;
        }
        self.inserted = self.inserted.saturating_add(other.inserted);
        Ok(())
    }

    fn expected_fpr(&self) -> f64 {
        (self.count_ones() as f64 / self.bits() as f64).powi(self.hashes as i32)
    }

    fn len_estimate(&self) -> f64 {
        let bits = self.bits();
        let zero_log = f64::from(self.hashes) * (-1.0 / bits as f64).ln_1p();
        keys_for_fill(self.count_ones(), bits, zero_log)
    }

    fn clear(&mut self) {
        self.words.fill(0);
        self.inserted = 0;
    }

    fn bits(&self) -> u64 {
        self.words.len() as u64 * 64
    }

    fn hashes(&self) -> u32 {
        self.hashes
    }
}

impl<H: KeyHasher> PartialEq for BloomFilter<H> {
    fn eq(&self, other: &Self) -> bool {
        self.hashes == other.hashes
            && self.hashing.hasher.id() == other.hashing.hasher.id()
            && self.words == other.words
    }
}

impl<H: KeyHasher> Eq for BloomFilter<H> {}

impl<H: KeyHasher> fmt::Debug for BloomFilter<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BloomFilter")
            .field("bits", &self.bits())
            .field("hashes", &self.hashes)
            .field("inserted", &self.inserted)
            .field("hasher", &self.hashing.hasher)
            .finish_non_exhaustive()
    }
}

impl BloomFilter<Xxh3> {
    /// A filter for `expected_items` keys at false-positive rate `fpr`,
    /// hashed with [`Xxh3`] seed 0; see [`Filter::with_fpr`] for the sizing.
    ///
    /// # Errors
    ///
    /// As [`Filter::with_fpr`]: a rate outside (0, 1), zero items, or a size
    /// that cannot be had.
    ///
    /// ```
    /// use routekit::bloom::{BloomFilter, Filter};
    /// let filter = BloomFilter::new(1_000_000, 0.001)?;
    /// assert_eq!(filter.hashes(), 10);
    /// assert!(filter.bits() < 14_400_000); // 14.38 bits per key
    /// # Ok::<(), routekit::bloom::BloomError>(())
    /// ```
    pub fn new(expected_items: u64, fpr: f64) -> Result<Self, BloomError> {
        BloomFilter::with_fpr(expected_items, fpr, Xxh3::new())
    }

    /// A filter with `bits` bits (rounded up to a multiple of 64) and
    /// `hashes` positions per key, hashed with [`Xxh3`] seed 0.
    ///
    /// # Errors
    ///
    /// [`BloomError::ZeroBits`], [`BloomError::ZeroHashes`],
    /// [`BloomError::TooManyHashes`] (more than 64), [`BloomError::TooLarge`]
    /// or [`BloomError::OutOfMemory`].
    ///
    /// ```
    /// use routekit::bloom::{BloomFilter, Filter};
    /// let filter = BloomFilter::with_bits(1000, 3)?;
    /// assert_eq!((filter.bits(), filter.hashes()), (1024, 3));
    /// # Ok::<(), routekit::bloom::BloomError>(())
    /// ```
    pub fn with_bits(bits: u64, hashes: u32) -> Result<Self, BloomError> {
        BloomFilter::with_parts(bits, hashes, Xxh3::new())
    }

    /// A builder for a filter with another hasher or sizing.
    ///
    /// ```
    /// use routekit::bloom::{BloomFilter, Filter};
    /// use routekit::Sip13;
    ///
    /// let secret = [0x5a; 16]; // in production: 16 random bytes shared by every reader
    /// let filter = BloomFilter::builder()
    ///     .expected_items(5000)
    ///     .fpr(0.001)
    ///     .hasher(Sip13::new(secret))
    ///     .build()?;
    /// assert_eq!(filter.hashes(), 10);
    /// # Ok::<(), routekit::bloom::BloomError>(())
    /// ```
    pub fn builder() -> BloomBuilder<Xxh3> {
        BloomBuilder::new()
    }
}

impl<H: KeyHasher> BloomFilter<H> {
    /// The filter with `bits` (rounded up to whole words) and `hashes`.
    pub(super) fn with_parts(bits: u64, hashes: u32, hasher: H) -> Result<Self, BloomError> {
        check_hashes(hashes)?;
        let bits = sizing::round_bits(bits, 64)?;
        let hashing = Hashing::new(hasher)?;
        let words = zeroed::<u64>((bits / 64) as usize)?;
        Ok(BloomFilter { words, hashes, inserted: 0, hashing })
    }

    /// Keeps only the keys present in both filters (bitwise AND). The result
    /// may report keys of either set that are not in the intersection, at
    /// about the larger filter's rate; `inserted` becomes the smaller count.
    /// O(m / 64).
    ///
    /// # Errors
    ///
    /// [`BloomError::Incompatible`] unless both filters have the same bits,
    /// hash count and hasher; nothing changes.
    ///
    /// ```
    /// use routekit::bloom::{BloomFilter, Filter};
    /// let (mut a, mut b) = (BloomFilter::new(100, 0.01)?, BloomFilter::new(100, 0.01)?);
    /// a.insert(b"both");
    /// a.insert(b"only a");
    /// b.insert(b"both");
    /// a.intersect(&b)?;
    /// assert!(a.contains(b"both"));
    /// assert!(!a.contains(b"only a"));
    /// # Ok::<(), routekit::bloom::BloomError>(())
    /// ```
    pub fn intersect(&mut self, other: &Self) -> Result<(), BloomError> {
        self.check_compatible(other)?;
        for (word, theirs) in self.words.iter_mut().zip(&other.words) {
            *word &= theirs;
        }
        self.inserted = self.inserted.min(other.inserted);
        Ok(())
    }

    /// The number of inserts that set at least one new bit (distinct keys
    /// added, less those that were already false positives), plus the
    /// counts of filters merged in by [`union`](Filter::union). Bookkeeping,
    /// not an estimate: see [`len_estimate`](Filter::len_estimate).
    ///
    /// ```
    /// use routekit::bloom::{BloomFilter, Filter};
    /// let mut filter = BloomFilter::new(100, 0.01)?;
    /// filter.insert(b"a");
    /// filter.insert(b"a");
    /// assert_eq!(filter.inserted(), 1);
    /// # Ok::<(), routekit::bloom::BloomError>(())
    /// ```
    pub fn inserted(&self) -> u64 {
        self.inserted
    }

    /// The model false-positive rate after `items` distinct inserts into this
    /// filter's `m` bits with `k` positions each: `(1 - (1 - 1/m)^(k·items))^k`.
    ///
    /// ```
    /// use routekit::bloom::BloomFilter;
    /// let filter = BloomFilter::with_bits(10_000_000, 7)?;
    /// let rate = filter.model_fpr(1_000_000); // 10 bits per key
    /// assert!((rate - 0.00819).abs() < 1e-5);
    /// # Ok::<(), routekit::bloom::BloomError>(())
    /// ```
    pub fn model_fpr(&self, items: u64) -> f64 {
        sizing::standard_fpr(self.bits(), self.hashes, items)
    }

    /// The hasher keys go through.
    ///
    /// ```
    /// use routekit::bloom::BloomFilter;
    /// assert_eq!(BloomFilter::new(10, 0.1)?.hasher().seed(), 0);
    /// # Ok::<(), routekit::bloom::BloomError>(())
    /// ```
    pub fn hasher(&self) -> &H {
        &self.hashing.hasher
    }

    /// The bits as a [`bitvec`] slice (bit `i` is position `i`).
    ///
    /// ```
    /// use routekit::bloom::{BloomFilter, Filter};
    /// let mut filter = BloomFilter::with_bits(64, 2)?;
    /// filter.insert(b"x");
    /// assert!((1..=2).contains(&filter.as_bitslice().count_ones()));
    /// # Ok::<(), routekit::bloom::BloomError>(())
    /// ```
    pub fn as_bitslice(&self) -> &BitSlice<u64, Lsb0> {
        BitSlice::from_slice(&self.words)
    }

    /// The filter in routekit's versioned byte format (see the
    /// [module docs](super#byte-format)). O(m / 64).
    ///
    /// ```
    /// use routekit::bloom::BloomFilter;
    /// let bytes = BloomFilter::with_bits(128, 3)?.to_bytes();
    /// assert_eq!(&bytes[..4], b"RKBF");
    /// assert_eq!(bytes.len(), 32 + 16 + 8); // header, two words, checksum
    /// # Ok::<(), routekit::bloom::BloomError>(())
    /// ```
    pub fn to_bytes(&self) -> Vec<u8> {
        wire::encode(&self.header(), self.words.iter().copied())
    }

    /// Reads a filter written by [`to_bytes`](Self::to_bytes) (or by
    /// [`AtomicBloomFilter::to_bytes`]), to be used with `hasher`. O(m / 64).
    ///
    /// # Errors
    ///
    /// [`BloomError::HasherMismatch`] when the bytes were written under
    /// another hasher algorithm, seed or key; [`BloomError::Corrupt`],
    /// [`BloomError::Length`], [`BloomError::UnsupportedVersion`] or
    /// [`BloomError::WrongLayout`] for bytes that are not a standard filter
    /// of this format; [`BloomError::DegenerateHasher`] and
    /// [`BloomError::OutOfMemory`] as for a new filter.
    ///
    /// ```
    /// use routekit::bloom::{BloomError, BloomFilter, Filter};
    /// use routekit::Xxh3;
    ///
    /// let mut filter = BloomFilter::builder().expected_items(100).fpr(0.01).hasher(Xxh3::with_seed(5)).build()?;
    /// filter.insert(b"k");
    /// let bytes = filter.to_bytes();
    /// assert_eq!(BloomFilter::from_bytes(&bytes, Xxh3::with_seed(5))?, filter);
    /// assert!(matches!(
    ///     BloomFilter::from_bytes(&bytes, Xxh3::with_seed(6)),
    ///     Err(BloomError::HasherMismatch { .. })
    /// ));
    /// assert!(BloomFilter::from_bytes(&bytes[..bytes.len() - 1], Xxh3::with_seed(5)).is_err());
    /// # Ok::<(), BloomError>(())
    /// ```
    pub fn from_bytes(bytes: &[u8], hasher: H) -> Result<Self, BloomError> {
        let (header, words) = wire::decode(bytes, Layout::Standard, hasher.id())?;
        let mut filter = BloomFilter::with_parts(header.bits, header.hashes, hasher)?;
        for (word, read) in filter.words.iter_mut().zip(words) {
            *word = read;
        }
        filter.inserted = header.inserted;
        Ok(filter)
    }

    fn header(&self) -> Header {
        Header {
            layout: Layout::Standard,
            hasher: self.hashing.hasher.id(),
            hashes: self.hashes,
            bits: self.bits(),
            inserted: self.inserted,
        }
    }

    /// The words, hash count, insert count and hashing, for the atomic filter.
    pub(super) fn into_parts(self) -> (Vec<u64>, u32, u64, Hashing<H>) {
        (self.words, self.hashes, self.inserted, self.hashing)
    }

    /// Reassembles a filter from [`into_parts`](Self::into_parts).
    pub(super) fn from_parts(
        words: Vec<u64>,
        hashes: u32,
        inserted: u64,
        hashing: Hashing<H>,
    ) -> Self {
        BloomFilter { words, hashes, inserted, hashing }
    }

    fn count_ones(&self) -> u64 {
        self.words.iter().map(|word| u64::from(word.count_ones())).sum()
    }

    fn check_compatible(&self, other: &Self) -> Result<(), BloomError> {
        check_shape((self.bits(), other.bits()), (self.hashes, other.hashes))?;
        self.hashing.check_same(&other.hashing)
    }
}

/// Refuses hash counts the standard filter does not support.
fn check_hashes(hashes: u32) -> Result<(), BloomError> {
    match hashes {
        0 => Err(BloomError::ZeroHashes),
        1..=MAX_HASHES => Ok(()),
        _ => Err(BloomError::TooManyHashes { hashes, max: MAX_HASHES }),
    }
}

/// Builds any of the filters with a chosen hasher and sizing.
///
/// Size it by `expected_items` and `fpr` (each filter picks its own optimal
/// bits and hash count), or by `bits` and `hashes` exactly; then
/// [`build`](Self::build) a [`BloomFilter`],
/// [`build_blocked`](Self::build_blocked) a [`BlockedBloomFilter`] or
/// [`build_atomic`](Self::build_atomic) an [`AtomicBloomFilter`]. The hasher
/// defaults to [`Xxh3`] seed 0.
///
/// # Example
///
/// ```
/// use routekit::bloom::{BloomError, BloomFilter, Filter};
/// use routekit::Xxh3;
///
/// let mut builder = BloomFilter::builder();
/// builder.bits(1 << 20).hashes(6);
/// let filter = builder.hasher(Xxh3::with_seed(42)).build()?;
/// assert_eq!((filter.bits(), filter.hashes()), (1 << 20, 6));
/// assert_eq!(BloomFilter::builder().fpr(0.01).build().unwrap_err(), BloomError::IncompleteSizing);
/// # Ok::<(), BloomError>(())
/// ```
#[derive(Clone, Debug)]
pub struct BloomBuilder<H> {
    hasher: H,
    expected_items: Option<u64>,
    fpr: Option<f64>,
    bits: Option<u64>,
    hashes: Option<u32>,
}

impl BloomBuilder<Xxh3> {
    fn new() -> Self {
        BloomBuilder {
            hasher: Xxh3::new(),
            expected_items: None,
            fpr: None,
            bits: None,
            hashes: None,
        }
    }
}

impl<H: KeyHasher> BloomBuilder<H> {
    /// The number of distinct keys the filter should hold at rate
    /// [`fpr`](Self::fpr).
    ///
    /// ```
    /// use routekit::bloom::{BloomFilter, Filter};
    /// assert_eq!(BloomFilter::builder().expected_items(1).fpr(0.5).build()?.hashes(), 1);
    /// # Ok::<(), routekit::bloom::BloomError>(())
    /// ```
    pub fn expected_items(&mut self, items: u64) -> &mut Self {
        self.expected_items = Some(items);
        self
    }

    /// The target false-positive rate at [`expected_items`](Self::expected_items).
    ///
    /// ```
    /// use routekit::bloom::BloomFilter;
    /// let filter = BloomFilter::builder().expected_items(1000).fpr(0.001).build()?;
    /// assert!(filter.model_fpr(1000) <= 0.001);
    /// # Ok::<(), routekit::bloom::BloomError>(())
    /// ```
    pub fn fpr(&mut self, fpr: f64) -> &mut Self {
        self.fpr = Some(fpr);
        self
    }

    /// The number of bits, exactly (rounded up to a multiple of 64, or of 256
    /// for the blocked filter); use with [`hashes`](Self::hashes).
    ///
    /// ```
    /// use routekit::bloom::{BloomFilter, Filter};
    /// let filter = BloomFilter::builder().bits(100).hashes(8).build_blocked()?;
    /// assert_eq!(filter.bits(), 256);
    /// # Ok::<(), routekit::bloom::BloomError>(())
    /// ```
    pub fn bits(&mut self, bits: u64) -> &mut Self {
        self.bits = Some(bits);
        self
    }

    /// The number of bits set per key, exactly; use with [`bits`](Self::bits).
    /// The blocked filter takes 8, 16, 24 or 32.
    ///
    /// ```
    /// use routekit::bloom::{BloomFilter, Filter};
    /// assert_eq!(BloomFilter::builder().bits(4096).hashes(16).build_blocked()?.hashes(), 16);
    /// # Ok::<(), routekit::bloom::BloomError>(())
    /// ```
    pub fn hashes(&mut self, hashes: u32) -> &mut Self {
        self.hashes = Some(hashes);
        self
    }

    /// The hasher (default [`Xxh3`] seed 0): [`Sip13`](crate::Sip13) with a
    /// secret key when clients choose the keys (see the
    /// [module docs](super#keyed-hashing)).
    ///
    /// ```
    /// use routekit::bloom::BloomFilter;
    /// use routekit::Fnv1a;
    /// let filter = BloomFilter::builder().expected_items(10).fpr(0.1).hasher(Fnv1a).build()?;
    /// assert_eq!(filter.hasher(), &Fnv1a);
    /// # Ok::<(), routekit::bloom::BloomError>(())
    /// ```
    pub fn hasher<H2: KeyHasher>(&self, hasher: H2) -> BloomBuilder<H2> {
        BloomBuilder {
            hasher,
            expected_items: self.expected_items,
            fpr: self.fpr,
            bits: self.bits,
            hashes: self.hashes,
        }
    }

    /// A standard [`BloomFilter`].
    ///
    /// # Errors
    ///
    /// [`BloomError::IncompleteSizing`] unless exactly one of the pairs
    /// (expected items, fpr) or (bits, hashes) was set; otherwise as
    /// [`Filter::with_fpr`] or [`BloomFilter::with_bits`].
    ///
    /// ```
    /// use routekit::bloom::BloomFilter;
    /// assert!(BloomFilter::builder().expected_items(10).fpr(2.0).build().is_err());
    /// ```
    pub fn build(&self) -> Result<BloomFilter<H>, BloomError> {
        match self.sizing()? {
            Sizing::Fpr { items, fpr } => BloomFilter::with_fpr(items, fpr, self.hasher.clone()),
            Sizing::Exact { bits, hashes } => {
                BloomFilter::with_parts(bits, hashes, self.hasher.clone())
            }
        }
    }

    /// A cache-blocked [`BlockedBloomFilter`].
    ///
    /// # Errors
    ///
    /// As [`build`](Self::build), and [`BloomError::BlockedHashes`] when
    /// `hashes` is not 8, 16, 24 or 32.
    ///
    /// ```
    /// use routekit::bloom::{BloomError, BloomFilter};
    /// let err = BloomFilter::builder().bits(4096).hashes(7).build_blocked().unwrap_err();
    /// assert_eq!(err, BloomError::BlockedHashes { hashes: 7 });
    /// ```
    pub fn build_blocked(&self) -> Result<BlockedBloomFilter<H>, BloomError> {
        match self.sizing()? {
            Sizing::Fpr { items, fpr } => {
                BlockedBloomFilter::with_fpr(items, fpr, self.hasher.clone())
            }
            Sizing::Exact { bits, hashes } => {
                if hashes == 0 {
                    return Err(BloomError::ZeroHashes);
                }
                if hashes % 8 != 0 || hashes / 8 > MAX_BITS_PER_LANE {
                    return Err(BloomError::BlockedHashes { hashes });
                }
                BlockedBloomFilter::with_parts(bits, hashes / 8, self.hasher.clone())
            }
        }
    }

    /// An [`AtomicBloomFilter`] for concurrent inserts.
    ///
    /// # Errors
    ///
    /// As [`build`](Self::build).
    ///
    /// ```
    /// use routekit::bloom::BloomFilter;
    /// let filter = BloomFilter::builder().expected_items(100).fpr(0.01).build_atomic()?;
    /// filter.insert(b"shared"); // through &self
    /// assert!(filter.contains(b"shared"));
    /// # Ok::<(), routekit::bloom::BloomError>(())
    /// ```
    pub fn build_atomic(&self) -> Result<AtomicBloomFilter<H>, BloomError> {
        self.build().map(AtomicBloomFilter::from)
    }

    fn sizing(&self) -> Result<Sizing, BloomError> {
        match (self.expected_items, self.fpr, self.bits, self.hashes) {
            (Some(items), Some(fpr), None, None) => Ok(Sizing::Fpr { items, fpr }),
            (None, None, Some(bits), Some(hashes)) => Ok(Sizing::Exact { bits, hashes }),
            _ => Err(BloomError::IncompleteSizing),
        }
    }
}

/// How the builder was told to size a filter.
enum Sizing {
    Fpr { items: u64, fpr: f64 },
    Exact { bits: u64, hashes: u32 },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::{Fnv1a, Sip13};

    #[test]
    fn positions_stay_below_m_for_any_hash() {
        // reduce() of the extreme hashes lands on the last word, not past it.
        let mut filter = BloomFilter::with_bits(64 * 3, 64).unwrap();
        for key in 0..2000u32 {
            filter.insert(&key.to_le_bytes());
        }
        assert_eq!(filter.count_ones(), 192, "every bit reachable, none beyond");
    }

    #[test]
    fn fnv1a_keys_differing_in_their_last_byte_spread_out() {
        // Without the finalizer, FNV-1a's high bits ignore the last byte and
        // these 100 keys would share a handful of positions.
        let mut filter =
            BloomFilter::builder().bits(1 << 16).hashes(1).hasher(Fnv1a).build().unwrap();
        for last in 0..100u8 {
            filter.insert(&[b'k', b'e', b'y', last]);
        }
        assert!(filter.count_ones() > 90, "{}", filter.count_ones());
    }

    #[test]
    fn compatibility_checks_name_the_parameter() {
        let a = BloomFilter::with_bits(1024, 3).unwrap();
        let incompatible = |b: &BloomFilter<_>| match a.clone().union(b) {
            Err(BloomError::Incompatible { parameter, .. }) => parameter,
            other => panic!("{other:?}"),
        };
        assert_eq!(incompatible(&BloomFilter::with_bits(2048, 3).unwrap()), "bits");
        assert_eq!(incompatible(&BloomFilter::with_bits(1024, 4).unwrap()), "hashes");
        let seeded = BloomFilter::builder().bits(1024).hashes(3).hasher(Xxh3::with_seed(1));
        assert_eq!(incompatible(&seeded.build().unwrap()), "hasher tag");
        let keyed = |key| BloomFilter::builder().bits(64).hashes(1).hasher(Sip13::new(key));
        let mut one = keyed([1; 16]).build().unwrap();
        assert!(matches!(
            one.intersect(&keyed([2; 16]).build().unwrap()),
            Err(BloomError::Incompatible { parameter: "hasher tag", .. })
        ));
    }
}
