//! The standard Bloom filter.

use std::fmt;

use bitvec::order::Lsb0;
use bitvec::slice::BitSlice;

use super::count::{self, Bounds};
use super::sizing::{self, MAX_HASHES};
use super::wire::{self, Header, Layout};
use super::{
    BuildError, CombineError, DecodeError, Filter, Hashing, NoMemory, check_shape,
    standard_fill_fpr, standard_len_estimate, with_room, zeroed,
};
use crate::hash::{KeyHasher, Xxh3};

/// The standard Bloom filter: `m` bits, `k` positions per key anywhere in
/// the table, the textbook false-positive rate.
///
/// Built for a number of keys and a target rate ([`BloomFilter::new`], or
/// [`Filter::with_hasher`] for another hasher), or from explicit bits and
/// hash count ([`BloomFilter::with_bits`]). The bits are `m / 64` words,
/// bit `i` being bit `i % 64` of word `i / 64`, and
/// [`as_bitslice`](Self::as_bitslice) shows them as a [`bitvec`] slice. (The
/// filter keeps a plain `Vec<u64>` rather than a `BitVec`, which would decode
/// its span on every operation.)
///
/// Memory: `m / 8` bytes. Each operation hashes the key once and touches `k`
/// bits, usually `k` different cache lines; see
/// [`BlockedBloomFilter`](super::BlockedBloomFilter) for one line per key.
/// Two filters are equal when they have the same bits, hash count, hasher
/// and bits set.
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
/// # Ok::<(), routekit::bloom::BuildError>(())
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

    fn with_hasher(expected_items: u64, fpr: f64, hasher: H) -> Result<Self, BuildError> {
        let (bits, hashes) = sizing::standard_size(expected_items, fpr)?;
        BloomFilter::with_bits(bits, hashes, hasher)
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
            self.inserted = count::add(self.inserted, 1);
        }
        present
    }

    #[inline]
    fn contains(&self, key: &[u8]) -> bool {
        let words = &self.words;
        let hash = self.hashing.hash(key);
        hash.all_set(words.len() as u64, self.hashes, |word, bit| words[word] >> bit & 1)
    }

    fn union(&mut self, other: &Self) -> Result<(), CombineError> {
        self.check_compatible(other)?;
        for (word, theirs) in self.words.iter_mut().zip(&other.words) {
            *word |= theirs;
        }
        self.inserted = count::add(self.inserted, other.inserted);
        Ok(())
    }

    fn expected_fpr(&self) -> f64 {
        standard_fill_fpr(self.count_ones(), self.bits(), self.hashes)
    }

    fn len_estimate(&self) -> f64 {
        standard_len_estimate(self.count_ones(), self.bits(), self.hashes)
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
            && self.hashing.id() == other.hashing.id()
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
    /// hashed with [`Xxh3`] seed 0; see [`Filter::with_hasher`] for the
    /// sizing and for other hashers.
    ///
    /// # Errors
    ///
    /// As [`Filter::with_hasher`]: a rate outside (0, 1), zero items, or a
    /// size that cannot be had.
    ///
    /// ```
    /// use routekit::bloom::{BloomFilter, Filter};
    /// let filter = BloomFilter::new(1_000_000, 0.001)?;
    /// assert_eq!(filter.hashes(), 10);
    /// assert!(filter.bits() < 14_400_000); // 14.38 bits per key
    /// # Ok::<(), routekit::bloom::BuildError>(())
    /// ```
    pub fn new(expected_items: u64, fpr: f64) -> Result<Self, BuildError> {
        BloomFilter::with_hasher(expected_items, fpr, Xxh3::new())
    }
}

impl<H: KeyHasher> BloomFilter<H> {
    /// A filter of exactly `bits` bits (rounded up to a multiple of 64) and
    /// `hashes` positions per key, hashed with `hasher`: to match a filter
    /// sized elsewhere. O(m / 64) to zero the bits.
    ///
    /// # Errors
    ///
    /// [`BuildError::ZeroBits`], [`BuildError::ZeroHashes`],
    /// [`BuildError::TooManyHashes`] (more than 64), [`BuildError::TooLarge`],
    /// [`BuildError::OutOfMemory`] or [`BuildError::DegenerateHasher`].
    ///
    /// ```
    /// use routekit::bloom::{BloomFilter, Filter};
    /// use routekit::Xxh3;
    ///
    /// let filter = BloomFilter::with_bits(1000, 3, Xxh3::new())?;
    /// assert_eq!((filter.bits(), filter.hashes()), (1024, 3));
    /// # Ok::<(), routekit::bloom::BuildError>(())
    /// ```
    pub fn with_bits(bits: u64, hashes: u32, hasher: H) -> Result<Self, BuildError> {
        check_hashes(hashes)?;
        let bits = sizing::round_bits(bits, 64)?;
        let hashing = Hashing::build(hasher)?;
        let words = zeroed::<u64>((bits / 64) as usize)?;
        Ok(BloomFilter { words, hashes, inserted: 0, hashing })
    }

    /// Keeps only the keys present in both filters (bitwise AND). The result
    /// may report keys of either set that are not in the intersection, at
    /// about the larger filter's rate; `inserted` becomes the smaller count,
    /// or 0 when no bit is left. O(m / 64).
    ///
    /// # Errors
    ///
    /// [`CombineError`] unless both filters have the same bits, hash count
    /// and hasher; nothing changes.
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
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn intersect(&mut self, other: &Self) -> Result<(), CombineError> {
        self.check_compatible(other)?;
        let mut left = 0;
        for (word, theirs) in self.words.iter_mut().zip(&other.words) {
            *word &= theirs;
            left |= *word;
        }
        // No bit left: certainly no key, and a count would outlive its bits.
        self.inserted = if left == 0 { 0 } else { self.inserted.min(other.inserted) };
        Ok(())
    }

    /// The number of inserts that set at least one new bit (distinct keys
    /// added, less those that were already false positives), plus the
    /// counts of filters merged in by [`union`](Filter::union), saturating
    /// at `u64::MAX`. Bookkeeping, not an estimate: see
    /// [`len_estimate`](Filter::len_estimate). It is never below what the
    /// bits prove (see the [module docs](super#counts)). O(1).
    ///
    /// ```
    /// use routekit::bloom::{BloomFilter, Filter};
    /// let mut filter = BloomFilter::new(100, 0.01)?;
    /// filter.insert(b"a");
    /// filter.insert(b"a");
    /// assert_eq!(filter.inserted(), 1);
    /// # Ok::<(), routekit::bloom::BuildError>(())
    /// ```
    pub fn inserted(&self) -> u64 {
        self.inserted
    }

    /// The model false-positive rate after `items` distinct inserts into this
    /// filter's `m` bits with `k` positions each: `(1 - (1 - 1/m)^(k·items))^k`.
    ///
    /// ```
    /// use routekit::bloom::BloomFilter;
    /// let filter = BloomFilter::with_bits(10_000_000, 7, routekit::Xxh3::new())?;
    /// let rate = filter.model_fpr(1_000_000); // 10 bits per key
    /// assert!((rate - 0.00819).abs() < 1e-5);
    /// # Ok::<(), routekit::bloom::BuildError>(())
    /// ```
    pub fn model_fpr(&self, items: u64) -> f64 {
        sizing::standard_fpr(self.bits(), self.hashes, items)
    }

    /// The hasher keys go through.
    ///
    /// ```
    /// use routekit::bloom::BloomFilter;
    /// assert_eq!(BloomFilter::new(10, 0.1)?.hasher().seed(), 0);
    /// # Ok::<(), routekit::bloom::BuildError>(())
    /// ```
    pub fn hasher(&self) -> &H {
        &self.hashing.hasher
    }

    /// The bits as a [`bitvec`] slice (bit `i` is position `i`).
    ///
    /// ```
    /// use routekit::bloom::{BloomFilter, Filter};
    /// let mut filter = BloomFilter::with_bits(64, 2, routekit::Xxh3::new())?;
    /// filter.insert(b"x");
    /// assert!((1..=2).contains(&filter.as_bitslice().count_ones()));
    /// # Ok::<(), routekit::bloom::BuildError>(())
    /// ```
    pub fn as_bitslice(&self) -> &BitSlice<u64, Lsb0> {
        BitSlice::from_slice(&self.words)
    }

    /// The filter in routekit's versioned byte format (see the
    /// [module docs](super#byte-format)). O(m / 64).
    ///
    /// ```
    /// use routekit::bloom::BloomFilter;
    /// let bytes = BloomFilter::with_bits(128, 3, routekit::Xxh3::new())?.to_bytes();
    /// assert_eq!(&bytes[..4], b"RKBF");
    /// assert_eq!(bytes.len(), 32 + 16 + 8); // header, two words, checksum
    /// # Ok::<(), routekit::bloom::BuildError>(())
    /// ```
    pub fn to_bytes(&self) -> Vec<u8> {
        wire::encode(&self.header(), self.words.iter().copied())
    }

    /// The length of [`to_bytes`](Self::to_bytes), without encoding: a
    /// 32-byte header, `m / 8` bytes of bits and an 8-byte checksum. O(1).
    ///
    /// ```
    /// use routekit::bloom::BloomFilter;
    /// let filter = BloomFilter::new(1000, 0.01)?;
    /// assert_eq!(filter.encoded_len(), 32 + 9600 / 8 + 8);
    /// assert_eq!(filter.encoded_len(), filter.to_bytes().len());
    /// # Ok::<(), routekit::bloom::BuildError>(())
    /// ```
    pub fn encoded_len(&self) -> usize {
        wire::encoded_len(self.bits())
    }

    /// Reads a filter written by [`to_bytes`](Self::to_bytes) (or by
    /// [`AtomicBloomFilter::to_bytes`](super::AtomicBloomFilter::to_bytes)),
    /// to be used with `hasher`. O(m / 64).
    ///
    /// # Errors
    ///
    /// [`DecodeError::HasherMismatch`] when the bytes were written under
    /// another hasher algorithm, seed or key; [`DecodeError::Corrupt`],
    /// [`DecodeError::Length`], [`DecodeError::UnsupportedVersion`] or
    /// [`DecodeError::WrongLayout`] for bytes that are not a standard filter
    /// of this format; [`DecodeError::OutOfMemory`] when the bits cannot be
    /// had.
    ///
    /// ```
    /// use routekit::bloom::{BloomFilter, DecodeError, Filter};
    /// use routekit::Xxh3;
    ///
    /// let mut filter = BloomFilter::with_hasher(100, 0.01, Xxh3::with_seed(5))?;
    /// filter.insert(b"k");
    /// let bytes = filter.to_bytes();
    /// assert_eq!(BloomFilter::from_bytes(&bytes, Xxh3::with_seed(5))?, filter);
    /// assert!(matches!(
    ///     BloomFilter::from_bytes(&bytes, Xxh3::with_seed(6)),
    ///     Err(DecodeError::HasherMismatch { .. })
    /// ));
    /// assert!(BloomFilter::from_bytes(&bytes[..bytes.len() - 1], Xxh3::with_seed(5)).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_bytes(bytes: &[u8], hasher: H) -> Result<Self, DecodeError> {
        let (header, body) = wire::decode(bytes, Layout::Standard, hasher.id())?;
        let hashing = Hashing::decoded(hasher)?;
        let mut words = with_room(body.len() / 8).map_err(NoMemory::decoding)?;
        words.extend(
            body.chunks_exact(8)
                .map(|word| u64::from_le_bytes(word.try_into().expect("chunks of 8 bytes"))),
        );
        Ok(BloomFilter { words, hashes: header.hashes, inserted: header.inserted, hashing })
    }

    fn header(&self) -> Header {
        Header {
            layout: Layout::Standard,
            hasher: self.hashing.id(),
            hashes: self.hashes,
            bits: self.bits(),
            inserted: self.inserted,
        }
    }

    /// The words, hash count, insert count and hashing, for the atomic filter.
    pub(super) fn into_parts(self) -> (Vec<u64>, u32, u64, Hashing<H>) {
        (self.words, self.hashes, self.inserted, self.hashing)
    }

    /// Reassembles a filter from [`into_parts`](Self::into_parts), or from
    /// an atomic filter's words and a count read apart from them (inserts
    /// running meanwhile): the count is moved into the bounds of the words,
    /// so the filter keeps the invariant its bytes are checked against.
    /// O(m / 64).
    pub(super) fn from_parts(
        words: Vec<u64>,
        hashes: u32,
        inserted: u64,
        hashing: Hashing<H>,
    ) -> Self {
        let mut filter = BloomFilter { words, hashes, inserted, hashing };
        filter.inserted = filter.bounds().reconcile(inserted);
        filter
    }

    fn count_ones(&self) -> u64 {
        self.words.iter().map(|word| u64::from(word.count_ones())).sum()
    }

    /// The counts these bits allow.
    pub(super) fn bounds(&self) -> Bounds {
        Bounds::standard(self.count_ones(), self.hashes)
    }

    fn check_compatible(&self, other: &Self) -> Result<(), CombineError> {
        check_shape((self.bits(), other.bits()), (self.hashes, other.hashes))?;
        self.hashing.check_same(&other.hashing)
    }
}

/// Refuses hash counts the standard filter does not support.
fn check_hashes(hashes: u32) -> Result<(), BuildError> {
    match hashes {
        0 => Err(BuildError::ZeroHashes),
        1..=MAX_HASHES => Ok(()),
        _ => Err(BuildError::TooManyHashes { hashes, max: MAX_HASHES }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::{Fnv1a, Sip13};

    #[test]
    fn positions_stay_below_m_for_any_hash() {
        // reduce() of the extreme hashes lands on the last word, not past it.
        let mut filter = BloomFilter::with_bits(64 * 3, 64, Xxh3::new()).unwrap();
        for key in 0..2000u32 {
            filter.insert(&key.to_le_bytes());
        }
        assert_eq!(filter.count_ones(), 192, "every bit reachable, none beyond");
    }

    #[test]
    fn fnv1a_keys_differing_in_their_last_byte_spread_out() {
        // Without the finalizer, FNV-1a's high bits ignore the last byte and
        // these 100 keys would share a handful of positions.
        let mut filter = BloomFilter::with_bits(1 << 16, 1, Fnv1a).unwrap();
        for last in 0..100u8 {
            filter.insert(&[b'k', b'e', b'y', last]);
        }
        assert!(filter.count_ones() > 90, "{}", filter.count_ones());
    }

    #[test]
    fn compatibility_checks_name_the_parameter() {
        let a = BloomFilter::with_bits(1024, 3, Xxh3::new()).unwrap();
        let union = |b: &BloomFilter<_>| a.clone().union(b).unwrap_err();
        assert_eq!(
            union(&BloomFilter::with_bits(2048, 3, Xxh3::new()).unwrap()),
            CombineError::Bits { ours: 1024, theirs: 2048 }
        );
        assert_eq!(
            union(&BloomFilter::with_bits(1024, 4, Xxh3::new()).unwrap()),
            CombineError::Hashes { ours: 3, theirs: 4 }
        );
        assert_eq!(
            union(&BloomFilter::with_bits(1024, 3, Xxh3::with_seed(1)).unwrap()),
            CombineError::Hasher { ours: Xxh3::new().id(), theirs: Xxh3::with_seed(1).id() }
        );
        let keyed = |key| BloomFilter::with_bits(64, 1, Sip13::new(key)).unwrap();
        let mut one = keyed([1; 16]);
        let before = one.clone();
        assert!(matches!(one.intersect(&keyed([2; 16])), Err(CombineError::Hasher { .. })));
        assert_eq!(one, before, "a refused combination changes nothing");
    }
}
