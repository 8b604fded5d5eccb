//! The standard Bloom filter for many threads: inserts through `&self`.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use super::count::SharedCount;
use super::wire::{self, Layout};
use super::{
    BloomFilter, BuildError, CombineError, DecodeError, Filter, Hashing, check_shape,
    standard_fill_fpr, standard_len_estimate,
};
use crate::hash::{KeyHasher, Xxh3};

/// A [`BloomFilter`] that many threads can insert into at once: `insert`
/// takes `&self` and sets bits with atomic `fetch_or`.
///
/// It has the same bits as a `BloomFilter` built with the same parameters
/// and fed the same keys, in any order and from any threads, and the same
/// byte format (convert with [`From`] either way). Each insert is `k`
/// relaxed `fetch_or`s; the words they return tell whether the key's bits
/// were all set already. Lookups are `k` relaxed loads and never wait.
///
/// Insert happens-before contains whenever the two threads synchronize some
/// other way (a channel, a join, a mutex): a key inserted before a message
/// was sent is found by the receiver. Two threads inserting the same new key
/// at once may both be told it was absent. [`inserted`](Self::inserted) is
/// a relaxed count, added to only by inserts that set a new bit; it is kept
/// in a few stripes on separate cache lines, picked by the key's hash, so
/// that threads inserting new keys do not queue for one counter. Nothing
/// else is written by every insert: threads contend only for the words
/// their keys share.
///
/// # Example
///
/// ```
/// use routekit::bloom::AtomicBloomFilter;
///
/// let filter = AtomicBloomFilter::new(10_000, 0.01)?;
/// std::thread::scope(|s| {
///     for t in 0..4u32 {
///         let filter = &filter;
///         s.spawn(move || {
///             for i in 0..1000u32 {
///                 filter.insert(&(t * 1000 + i).to_le_bytes());
///             }
///         });
///     }
/// });
/// assert!((0..4000u32).all(|key| filter.contains(&key.to_le_bytes())));
/// # Ok::<(), routekit::bloom::BuildError>(())
/// ```
pub struct AtomicBloomFilter<H = Xxh3> {
    words: Box<[AtomicU64]>,
    hashes: u32,
    inserted: SharedCount,
    hashing: Hashing<H>,
}

impl<H: KeyHasher> Filter for AtomicBloomFilter<H> {
    type Hasher = H;

    fn with_hasher(expected_items: u64, fpr: f64, hasher: H) -> Result<Self, BuildError> {
        BloomFilter::with_hasher(expected_items, fpr, hasher).map(AtomicBloomFilter::from)
    }

    /// As [`AtomicBloomFilter::insert`].
    fn insert(&mut self, key: &[u8]) -> bool {
        AtomicBloomFilter::insert(self, key)
    }

    fn contains(&self, key: &[u8]) -> bool {
        AtomicBloomFilter::contains(self, key)
    }

    fn union(&mut self, other: &Self) -> Result<(), CombineError> {
        self.union_shared(other)
    }

    /// As for [`BloomFilter`], from the bits set now (read one word at a
    /// time, so inserts running meanwhile may or may not count). O(m / 64),
    /// without copying the bits.
    fn expected_fpr(&self) -> f64 {
        standard_fill_fpr(self.count_ones(), self.bits(), self.hashes)
    }

    /// As for [`BloomFilter`], from the bits set now; see
    /// [`expected_fpr`](Filter::expected_fpr). O(m / 64), without copying.
    fn len_estimate(&self) -> f64 {
        standard_len_estimate(self.count_ones(), self.bits(), self.hashes)
    }

    fn clear(&mut self) {
        for word in self.words.iter_mut() {
            *word.get_mut() = 0;
        }
        self.inserted.set(0);
    }

    fn bits(&self) -> u64 {
        self.words.len() as u64 * 64
    }

    fn hashes(&self) -> u32 {
        self.hashes
    }
}

impl<H: KeyHasher> From<BloomFilter<H>> for AtomicBloomFilter<H> {
    /// The same filter, for concurrent inserts. O(m / 64).
    fn from(filter: BloomFilter<H>) -> Self {
        let (words, hashes, inserted, hashing) = filter.into_parts();
        AtomicBloomFilter {
            // In place: the same allocation, as `AtomicU64` has `u64`'s layout.
            words: words.into_iter().map(AtomicU64::new).collect(),
            hashes,
            inserted: SharedCount::new(inserted),
            hashing,
        }
    }
}

impl<H: KeyHasher> From<AtomicBloomFilter<H>> for BloomFilter<H> {
    /// The same filter, for single-threaded use. O(m / 64).
    fn from(mut filter: AtomicBloomFilter<H>) -> Self {
        let inserted = filter.inserted.get_mut();
        let words = filter.words.into_vec().into_iter().map(AtomicU64::into_inner).collect();
        BloomFilter::from_parts(words, filter.hashes, inserted, filter.hashing)
    }
}

impl<H: KeyHasher> fmt::Debug for AtomicBloomFilter<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AtomicBloomFilter")
            .field("bits", &self.bits())
            .field("hashes", &self.hashes)
            .field("inserted", &self.inserted())
            .field("hasher", &self.hashing.hasher)
            .finish_non_exhaustive()
    }
}

impl AtomicBloomFilter<Xxh3> {
    /// A filter for `expected_items` keys at false-positive rate `fpr`,
    /// hashed with [`Xxh3`] seed 0; sized as [`BloomFilter::new`].
    /// [`Filter::with_hasher`] takes another hasher.
    ///
    /// # Errors
    ///
    /// As [`Filter::with_hasher`].
    ///
    /// ```
    /// use routekit::bloom::{AtomicBloomFilter, Filter};
    /// assert_eq!(AtomicBloomFilter::new(1000, 0.01)?.bits(), 9600);
    /// # Ok::<(), routekit::bloom::BuildError>(())
    /// ```
    pub fn new(expected_items: u64, fpr: f64) -> Result<Self, BuildError> {
        AtomicBloomFilter::with_hasher(expected_items, fpr, Xxh3::new())
    }
}

impl<H: KeyHasher> AtomicBloomFilter<H> {
    /// A filter of exactly `bits` bits and `hashes` positions per key, as
    /// [`BloomFilter::with_bits`]. O(m / 64).
    ///
    /// # Errors
    ///
    /// As [`BloomFilter::with_bits`].
    ///
    /// ```
    /// use routekit::bloom::{AtomicBloomFilter, Filter};
    /// let filter = AtomicBloomFilter::with_bits(1000, 3, routekit::Sip13::new([9; 16]))?;
    /// assert_eq!((filter.bits(), filter.hashes()), (1024, 3));
    /// # Ok::<(), routekit::bloom::BuildError>(())
    /// ```
    pub fn with_bits(bits: u64, hashes: u32, hasher: H) -> Result<Self, BuildError> {
        BloomFilter::with_bits(bits, hashes, hasher).map(AtomicBloomFilter::from)
    }

    /// Adds `key` through a shared reference; returns true when every bit of
    /// `key` was already set (it may have been present). Cost: one hash and
    /// `k` atomic `fetch_or`s; no allocation, no lock.
    ///
    /// ```
    /// use routekit::bloom::AtomicBloomFilter;
    /// let filter = AtomicBloomFilter::new(100, 0.01)?;
    /// assert!(!filter.insert(b"a"));
    /// assert!(filter.insert(b"a"));
    /// # Ok::<(), routekit::bloom::BuildError>(())
    /// ```
    #[inline]
    pub fn insert(&self, key: &[u8]) -> bool {
        let mut present = true;
        let hash = self.hashing.hash(key);
        for (word, bit) in hash.positions(self.words.len() as u64, self.hashes) {
            let mask = 1 << bit;
            let before = self.words[word].fetch_or(mask, Relaxed);
            present &= before & mask != 0;
        }
        if !present {
            self.inserted.add_one(hash.high);
        }
        present
    }

    /// True when `key` may be present; false when it certainly is not.
    /// Cost: one hash and up to `k` relaxed loads.
    ///
    /// ```
    /// use routekit::bloom::AtomicBloomFilter;
    /// let filter = AtomicBloomFilter::new(100, 0.01)?;
    /// filter.insert(b"a");
    /// assert!(filter.contains(b"a"));
    /// # Ok::<(), routekit::bloom::BuildError>(())
    /// ```
    #[inline]
    pub fn contains(&self, key: &[u8]) -> bool {
        let hash = self.hashing.hash(key);
        hash.all_set(self.words.len() as u64, self.hashes, |word, bit| {
            self.words[word].load(Relaxed) >> bit & 1
        })
    }

    /// Adds every key of `other`, through a shared reference (word by word
    /// `fetch_or`, so concurrent inserts are kept). O(m / 64).
    ///
    /// # Errors
    ///
    /// [`CombineError`] unless both filters have the same bits, hash count
    /// and hasher; nothing changes.
    ///
    /// ```
    /// use routekit::bloom::AtomicBloomFilter;
    /// let (a, b) = (AtomicBloomFilter::new(100, 0.01)?, AtomicBloomFilter::new(100, 0.01)?);
    /// b.insert(b"from b");
    /// a.union_shared(&b)?;
    /// assert!(a.contains(b"from b"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn union_shared(&self, other: &Self) -> Result<(), CombineError> {
        check_shape((self.bits(), other.bits()), (self.hashes, other.hashes))?;
        self.hashing.check_same(&other.hashing)?;
        for (word, theirs) in self.words.iter().zip(other.words.iter()) {
            word.fetch_or(theirs.load(Relaxed), Relaxed);
        }
        self.inserted.add(other.inserted());
        Ok(())
    }

    /// Inserts that set at least one new bit, plus the counts of filters
    /// merged in, saturating at `u64::MAX`; see [`BloomFilter::inserted`].
    /// Read while inserts run, it may lag or lead the bits by the inserts in
    /// flight; [`snapshot`](Self::snapshot) and [`to_bytes`](Self::to_bytes)
    /// reconcile the two. O(1).
    ///
    /// ```
    /// use routekit::bloom::AtomicBloomFilter;
    /// let filter = AtomicBloomFilter::new(100, 0.01)?;
    /// filter.insert(b"x");
    /// assert_eq!(filter.inserted(), 1);
    /// # Ok::<(), routekit::bloom::BuildError>(())
    /// ```
    pub fn inserted(&self) -> u64 {
        self.inserted.load()
    }

    /// A copy of the current bits as a [`BloomFilter`]. Inserts running
    /// meanwhile may or may not be in it, each bit on its own, and its count
    /// is moved into what its bits allow (see the
    /// [module docs](super#counts)). O(m / 64).
    ///
    /// ```
    /// use routekit::bloom::{AtomicBloomFilter, Filter};
    /// let filter = AtomicBloomFilter::new(100, 0.01)?;
    /// filter.insert(b"x");
    /// assert!(filter.snapshot().contains(b"x"));
    /// # Ok::<(), routekit::bloom::BuildError>(())
    /// ```
    pub fn snapshot(&self) -> BloomFilter<H> {
        let words = self.words.iter().map(|word| word.load(Relaxed)).collect();
        BloomFilter::from_parts(words, self.hashes, self.inserted(), self.hashing.clone())
    }

    /// The hasher keys go through.
    ///
    /// ```
    /// use routekit::bloom::AtomicBloomFilter;
    /// assert_eq!(AtomicBloomFilter::new(10, 0.1)?.hasher().seed(), 0);
    /// # Ok::<(), routekit::bloom::BuildError>(())
    /// ```
    pub fn hasher(&self) -> &H {
        &self.hashing.hasher
    }

    /// The filter in the standard layout of routekit's byte format, readable
    /// by either [`BloomFilter::from_bytes`] or
    /// [`AtomicBloomFilter::from_bytes`]. O(m / 64).
    ///
    /// ```
    /// use routekit::bloom::{AtomicBloomFilter, BloomFilter, Filter};
    /// let shared = AtomicBloomFilter::new(100, 0.01)?;
    /// shared.insert(b"x");
    /// let plain = BloomFilter::from_bytes(&shared.to_bytes(), routekit::Xxh3::new())?;
    /// assert!(plain.contains(b"x"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_bytes(&self) -> Vec<u8> {
        let header = wire::Header {
            layout: Layout::Standard,
            hasher: self.hashing.id(),
            hashes: self.hashes,
            bits: self.bits(),
            inserted: self.inserted(),
        };
        wire::encode(&header, self.words.iter().map(|word| word.load(Relaxed)))
    }

    /// The length of [`to_bytes`](Self::to_bytes), without encoding; see
    /// [`BloomFilter::encoded_len`]. O(1).
    ///
    /// ```
    /// use routekit::bloom::AtomicBloomFilter;
    /// let filter = AtomicBloomFilter::new(1000, 0.01)?;
    /// assert_eq!(filter.encoded_len(), filter.to_bytes().len());
    /// # Ok::<(), routekit::bloom::BuildError>(())
    /// ```
    pub fn encoded_len(&self) -> usize {
        wire::encoded_len(self.bits())
    }

    /// Reads a standard filter's bytes, to be used with `hasher`. O(m / 64).
    ///
    /// # Errors
    ///
    /// As [`BloomFilter::from_bytes`].
    ///
    /// ```
    /// use routekit::bloom::{AtomicBloomFilter, BloomFilter, Filter};
    /// let mut plain = BloomFilter::new(100, 0.01)?;
    /// plain.insert(b"x");
    /// let shared = AtomicBloomFilter::from_bytes(&plain.to_bytes(), routekit::Xxh3::new())?;
    /// assert!(shared.contains(b"x"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_bytes(bytes: &[u8], hasher: H) -> Result<Self, DecodeError> {
        BloomFilter::from_bytes(bytes, hasher).map(AtomicBloomFilter::from)
    }

    /// The set bits, read one word at a time.
    fn count_ones(&self) -> u64 {
        // Atomic loads are never vectorized, so the words go through a small
        // buffer and are counted there, where the count vectorizes as it does
        // for a plain slice; the buffer is all that is copied.
        let mut buffer = [0u64; 256];
        let mut ones = 0;
        for words in self.words.chunks(buffer.len()) {
            let buffer = &mut buffer[..words.len()];
            for (copy, word) in buffer.iter_mut().zip(words) {
                *copy = word.load(Relaxed);
            }
            ones += buffer.iter().map(|word| u64::from(word.count_ones())).sum::<u64>();
        }
        ones
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_reuse_the_allocation() {
        // The module docs promise it, and decoding an atomic filter relies
        // on it to stay within its input's size.
        let (words, hashes, inserted, hashing) =
            BloomFilter::with_bits(1 << 16, 3, Xxh3::new()).unwrap().into_parts();
        let before = words.as_ptr() as usize;
        let shared =
            AtomicBloomFilter::from(BloomFilter::from_parts(words, hashes, inserted, hashing));
        assert_eq!(shared.words.as_ptr() as usize, before);
        let (words, ..) = BloomFilter::from(shared).into_parts();
        assert_eq!(words.as_ptr() as usize, before);
    }

    #[test]
    fn copies_reconcile_a_count_read_apart_from_the_bits() {
        // As if an insert's bits were seen but not its count, and the other
        // way round.
        let shared = AtomicBloomFilter::with_bits(1024, 4, Xxh3::new()).unwrap();
        shared.insert(b"k");
        let mut behind = shared;
        behind.inserted.set(0);
        assert_eq!(behind.snapshot().inserted(), 1);
        let decoded = AtomicBloomFilter::from_bytes(&behind.to_bytes(), Xxh3::new()).unwrap();
        assert_eq!(decoded.inserted(), 1);
        let mut ahead = AtomicBloomFilter::with_bits(1024, 4, Xxh3::new()).unwrap();
        ahead.inserted.set(5);
        assert_eq!(ahead.snapshot().inserted(), 0);
        assert_eq!(BloomFilter::from(ahead).inserted(), 0);
    }
}
