//! The cache-blocked Bloom filter: every bit of a key in one 32-byte block.

use std::fmt;

use super::count;
use super::kernel::{Block, Kernel};
use super::sizing::{self, BLOCK_BITS, MAX_BITS_PER_LANE};
use super::wire::{self, Header, Layout};
use super::{
    BuildError, CombineError, DecodeError, Filter, Hashing, NoMemory, check_shape, keys_for_fill,
    with_room, zeroed,
};
use crate::hash::{KeyHasher, Xxh3};

/// A cache-blocked ("split block") Bloom filter: each key sets `k` bits
/// inside one 256-bit block, the same number in each of the block's eight
/// 32-bit lanes.
///
/// An operation hashes the key once and touches one block, inside one cache
/// line, where the [`BloomFilter`](super::BloomFilter) touches `k` lines; the
/// eight lanes are worked on at once with vector instructions where the CPU
/// has them (see below). Once a filter outgrows the CPU caches that makes it
/// the faster of the two (`cargo bench -- bloom` compares them).
/// The price is a higher false-positive rate at the same memory, because
/// blocks fill unevenly:
///
/// | bits per key | standard (best k) | blocked, k = 8 (model) |
/// |--------------|-------------------|------------------------|
/// | 8            | 2.16%             | 3.32%                  |
/// | 10           | 0.819%            | 1.265%                 |
/// | 16           | 0.046%            | 0.132%                 |
/// | 20           | 0.0067%           | 0.042%                 |
///
/// The layout is that of Parquet's split block Bloom filter (sbbf): a key's
/// 64-bit hash `h` picks the block `⌊h · blocks / 2^64⌋`, and the next 32
/// bits of that product, `seed`, give lane `i` the bit
/// `(seed · salt_i) >> 27` for eight fixed odd salts (Parquet's). Filters
/// sized for very low rates set 2–4 bits per lane, with further salts (`k` is
/// 16, 24 or 32). Up to 2³² blocks (128 GiB) the block and the seed come from
/// disjoint bits of the hash.
///
/// The model ([`model_fpr`](Self::model_fpr)): a block receives a
/// Poisson(λ = n / blocks) number `j` of keys, and with one bit per lane
/// (`k = 8`) an absent key is a false positive when the bit it probes in each
/// of the eight lanes is set: `Σ_j Poisson(j; λ) · (1 - (1 - 1/32)^j)^8`,
/// exact for ideal hashing. With `b = k / 8` bits per lane the model also
/// counts a key's own draws that land on one position (the formula is in
/// the source). Sizing from a target rate searches `k` in {8, 16, 24, 32} for
/// the fewest blocks that meet it under this model; more than one bit per
/// lane pays only below about 0.007% (28 bits per key).
///
/// Speed: the lane arithmetic is plain Rust that LLVM compiles to a
/// broadcast, a multiply, two shifts and a test when the target has 32-bit
/// lane multiplies and per-lane shifts (AArch64; x86-64 with AVX2). On
/// x86-64 built without AVX2 the filter checks the CPU once, when it is made,
/// and uses an AVX2 build of the same code if the CPU has it; otherwise the
/// scalar build runs, markedly slower per lookup and per insert.
///
/// Memory: `m / 8` bytes, `m` a multiple of 256.
///
/// # Example
///
/// ```
/// use routekit::bloom::{BlockedBloomFilter, Filter};
///
/// let mut filter = BlockedBloomFilter::new(1000, 0.01)?;
/// assert_eq!(filter.hashes(), 8);
/// filter.insert(b"order:77");
/// assert!(filter.contains(b"order:77"));
/// assert!(filter.model_fpr(1000) <= 0.01);
/// # Ok::<(), routekit::bloom::BuildError>(())
/// ```
#[derive(Clone)]
pub struct BlockedBloomFilter<H = Xxh3> {
    blocks: Vec<Block>,
    /// Bits set per lane by each key, 1 to 4 (`k / 8`).
    per_lane: u32,
    inserted: u64,
    hashing: Hashing<H>,
    kernel: Kernel,
}

impl<H: KeyHasher> Filter for BlockedBloomFilter<H> {
    type Hasher = H;

    fn with_hasher(expected_items: u64, fpr: f64, hasher: H) -> Result<Self, BuildError> {
        let (blocks, per_lane) = sizing::blocked_size(expected_items, fpr)?;
        // `blocked_size` keeps `blocks` within `MAX_BITS / BLOCK_BITS`.
        BlockedBloomFilter::with_lanes(blocks * BLOCK_BITS, per_lane, hasher)
    }

    #[inline]
    fn insert(&mut self, key: &[u8]) -> bool {
        let (block, seed) = self.block_and_seed(key);
        let present = self.kernel.insert(&mut self.blocks[block], seed, self.per_lane as usize);
        // A branch, not `+= !present`: the count then waits on no cache miss.
        if !present {
            self.inserted = count::add(self.inserted, 1);
        }
        present
    }

    #[inline]
    fn contains(&self, key: &[u8]) -> bool {
        let (block, seed) = self.block_and_seed(key);
        self.kernel.contains(&self.blocks[block], seed, self.per_lane as usize)
    }

    fn union(&mut self, other: &Self) -> Result<(), CombineError> {
        self.check_compatible(other)?;
        for (block, theirs) in self.blocks.iter_mut().zip(&other.blocks) {
            for (word, their) in block.0.iter_mut().zip(theirs.0) {
                *word |= their;
            }
        }
        self.inserted = count::add(self.inserted, other.inserted);
        Ok(())
    }

    /// The mean over blocks of the probability that all `k` probe bits of a
    /// key sent to that block are set: `Π_i (ones_i / 32)^(k/8)` over its
    /// eight lanes, each of a key's `k/8` draws in a lane landing on one of
    /// its `ones_i` set bits. O(m / 64).
    fn expected_fpr(&self) -> f64 {
        let per_block = |block: &Block| {
            block.0.iter().map(|lane| f64::from(lane.count_ones()) / 32.0).product::<f64>()
        };
        let sum: f64 =
            self.blocks.iter().map(|block| per_block(block).powi(self.per_lane as i32)).sum();
        sum / self.blocks.len() as f64
    }

    fn len_estimate(&self) -> f64 {
        let ones = self.blocks.iter().flat_map(|b| b.0).map(|l| u64::from(l.count_ones())).sum();
        // Each key of a block leaves a given bit of it zero with probability
        // (1 - 1/32)^per_lane: the standard estimate per block, pooled over
        // all blocks.
        let zero_log = f64::from(self.per_lane) * (-1.0f64 / 32.0).ln_1p();
        keys_for_fill(ones, self.bits(), zero_log) * self.blocks.len() as f64
    }

    fn clear(&mut self) {
        self.blocks.fill(Block::default());
        self.inserted = 0;
    }

    fn bits(&self) -> u64 {
        self.blocks.len() as u64 * BLOCK_BITS
    }

    fn hashes(&self) -> u32 {
        self.per_lane * 8
    }
}

impl<H: KeyHasher> PartialEq for BlockedBloomFilter<H> {
    fn eq(&self, other: &Self) -> bool {
        self.per_lane == other.per_lane
            && self.hashing.id() == other.hashing.id()
            && self.blocks == other.blocks
    }
}

impl<H: KeyHasher> Eq for BlockedBloomFilter<H> {}

impl<H: KeyHasher> fmt::Debug for BlockedBloomFilter<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlockedBloomFilter")
            .field("bits", &self.bits())
            .field("hashes", &self.hashes())
            .field("inserted", &self.inserted)
            .field("hasher", &self.hashing.hasher)
            .field("kernel", &self.kernel)
            .finish_non_exhaustive()
    }
}

impl BlockedBloomFilter<Xxh3> {
    /// A blocked filter for `expected_items` keys at false-positive rate
    /// `fpr` under its own model (see the type docs), hashed with [`Xxh3`]
    /// seed 0; [`Filter::with_hasher`] for another hasher.
    ///
    /// # Errors
    ///
    /// As [`Filter::with_hasher`].
    ///
    /// ```
    /// use routekit::bloom::{BlockedBloomFilter, Filter};
    /// let filter = BlockedBloomFilter::new(1_000_000, 0.01)?;
    /// assert!(filter.bits() < 10_700_000); // about 10.6 bits per key
    /// # Ok::<(), routekit::bloom::BuildError>(())
    /// ```
    pub fn new(expected_items: u64, fpr: f64) -> Result<Self, BuildError> {
        BlockedBloomFilter::with_hasher(expected_items, fpr, Xxh3::new())
    }
}

impl<H: KeyHasher> BlockedBloomFilter<H> {
    /// A blocked filter of exactly `bits` bits (rounded up to a multiple of
    /// 256) setting `hashes` bits per key (8, 16, 24 or 32: 1 to 4 in each
    /// lane), hashed with `hasher`: to match a filter sized elsewhere.
    /// O(m / 64) to zero the bits.
    ///
    /// # Errors
    ///
    /// [`BuildError::ZeroHashes`], [`BuildError::BlockedHashes`] for another
    /// hash count, [`BuildError::ZeroBits`], [`BuildError::TooLarge`],
    /// [`BuildError::OutOfMemory`] or [`BuildError::DegenerateHasher`].
    ///
    /// ```
    /// use routekit::bloom::{BlockedBloomFilter, BuildError, Filter};
    /// use routekit::Xxh3;
    ///
    /// let filter = BlockedBloomFilter::with_bits(100, 16, Xxh3::new())?;
    /// assert_eq!((filter.bits(), filter.hashes()), (256, 16));
    /// assert!(matches!(
    ///     BlockedBloomFilter::with_bits(4096, 7, Xxh3::new()),
    ///     Err(BuildError::BlockedHashes { hashes: 7, .. })
    /// ));
    /// # Ok::<(), BuildError>(())
    /// ```
    pub fn with_bits(bits: u64, hashes: u32, hasher: H) -> Result<Self, BuildError> {
        if hashes == 0 {
            return Err(BuildError::ZeroHashes);
        }
        if hashes % 8 != 0 || hashes / 8 > MAX_BITS_PER_LANE {
            return Err(BuildError::BlockedHashes { hashes });
        }
        BlockedBloomFilter::with_lanes(bits, hashes / 8, hasher)
    }

    /// The filter with `bits` (rounded up to whole blocks) and `per_lane`
    /// bits per lane per key.
    fn with_lanes(bits: u64, per_lane: u32, hasher: H) -> Result<Self, BuildError> {
        let bits = sizing::round_bits(bits, BLOCK_BITS)?;
        let hashing = Hashing::build(hasher)?;
        let blocks = zeroed::<Block>((bits / BLOCK_BITS) as usize)?;
        Ok(BlockedBloomFilter { blocks, per_lane, inserted: 0, hashing, kernel: Kernel::detect() })
    }

    /// The block of `key` and the seed of its lane bits: the high half of
    /// `h · blocks` for the 64-bit hash `h`, and the 32 bits below it.
    #[inline(always)]
    fn block_and_seed(&self, key: &[u8]) -> (usize, u32) {
        let product = u128::from(self.hashing.hash64(key)) * self.blocks.len() as u128;
        ((product >> 64) as usize, (product >> 32) as u32)
    }

    /// Keeps only the keys present in both filters: the bitwise AND, less
    /// the blocks it leaves with an empty lane. A key is found only where
    /// each of its block's eight lanes has its bit, so such a block can hold
    /// no key; emptying it changes no answer and leaves a state that inserts
    /// can produce. The count becomes the smaller one, or 0 when no bit is
    /// left; see [`BloomFilter::intersect`](super::BloomFilter::intersect).
    /// O(m / 64).
    ///
    /// # Errors
    ///
    /// [`CombineError`] unless both filters have the same bits, hash count
    /// and hasher; nothing changes.
    ///
    /// ```
    /// use routekit::bloom::{BlockedBloomFilter, Filter};
    /// let (mut a, mut b) = (BlockedBloomFilter::new(100, 0.01)?, BlockedBloomFilter::new(100, 0.01)?);
    /// a.insert(b"both");
    /// b.insert(b"both");
    /// b.insert(b"only b");
    /// a.intersect(&b)?;
    /// assert!(a.contains(b"both") && !a.contains(b"only b"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn intersect(&mut self, other: &Self) -> Result<(), CombineError> {
        self.check_compatible(other)?;
        let mut left = 0;
        for (block, theirs) in self.blocks.iter_mut().zip(&other.blocks) {
            for (word, their) in block.0.iter_mut().zip(theirs.0) {
                *word &= their;
            }
            if block.0.contains(&0) {
                *block = Block::default();
            }
            left |= block.0[0];
        }
        // No bit left: certainly no key, and a count would outlive its bits.
        self.inserted = if left == 0 { 0 } else { self.inserted.min(other.inserted) };
        Ok(())
    }

    /// Inserts that set at least one new bit, plus the counts of filters
    /// merged in, saturating at `u64::MAX`; see
    /// [`BloomFilter::inserted`](super::BloomFilter::inserted). O(1).
    ///
    /// ```
    /// use routekit::bloom::{BlockedBloomFilter, Filter};
    /// let mut filter = BlockedBloomFilter::new(100, 0.01)?;
    /// filter.insert(b"a");
    /// assert_eq!(filter.inserted(), 1);
    /// # Ok::<(), routekit::bloom::BuildError>(())
    /// ```
    pub fn inserted(&self) -> u64 {
        self.inserted
    }

    /// The model false-positive rate after `items` distinct inserts (the
    /// formula in the type docs).
    ///
    /// ```
    /// use routekit::bloom::BlockedBloomFilter;
    /// let filter = BlockedBloomFilter::with_bits(10_000_000, 8, routekit::Xxh3::new())?;
    /// let rate = filter.model_fpr(1_000_000); // 10 bits per key
    /// assert!((rate - 0.01265).abs() < 1e-4);
    /// # Ok::<(), routekit::bloom::BuildError>(())
    /// ```
    pub fn model_fpr(&self, items: u64) -> f64 {
        sizing::blocked_fpr(self.blocks.len() as u64, self.per_lane, items)
    }

    /// The hasher keys go through.
    ///
    /// ```
    /// use routekit::bloom::BlockedBloomFilter;
    /// assert_eq!(BlockedBloomFilter::new(10, 0.1)?.hasher().seed(), 0);
    /// # Ok::<(), routekit::bloom::BuildError>(())
    /// ```
    pub fn hasher(&self) -> &H {
        &self.hashing.hasher
    }

    /// The filter in routekit's versioned byte format, blocked layout (see
    /// the [module docs](super#byte-format)). O(m / 64).
    ///
    /// ```
    /// use routekit::bloom::BlockedBloomFilter;
    /// let bytes = BlockedBloomFilter::new(10, 0.01)?.to_bytes();
    /// assert_eq!(bytes.len(), 32 + 32 + 8); // header, one 256-bit block, checksum
    /// # Ok::<(), routekit::bloom::BuildError>(())
    /// ```
    pub fn to_bytes(&self) -> Vec<u8> {
        // Lanes 2j and 2j + 1 as one little-endian 64-bit word: the same
        // bytes as the two lanes in turn.
        let words = self.blocks.iter().flat_map(|block| {
            let lanes = block.0;
            std::array::from_fn::<u64, 4, _>(|j| {
                u64::from(lanes[2 * j]) | u64::from(lanes[2 * j + 1]) << 32
            })
        });
        let header = Header {
            layout: Layout::Blocked,
            hasher: self.hashing.id(),
            hashes: self.hashes(),
            bits: self.bits(),
            inserted: self.inserted,
        };
        wire::encode(&header, words)
    }

    /// The length of [`to_bytes`](Self::to_bytes), without encoding: a
    /// 32-byte header, 32 bytes per block and an 8-byte checksum. O(1).
    ///
    /// ```
    /// use routekit::bloom::BlockedBloomFilter;
    /// let filter = BlockedBloomFilter::new(1000, 0.01)?;
    /// assert_eq!(filter.encoded_len(), filter.to_bytes().len());
    /// # Ok::<(), routekit::bloom::BuildError>(())
    /// ```
    pub fn encoded_len(&self) -> usize {
        wire::encoded_len(self.bits())
    }

    /// Reads a filter written by [`to_bytes`](Self::to_bytes), to be used
    /// with `hasher`. O(m / 64).
    ///
    /// # Errors
    ///
    /// As [`BloomFilter::from_bytes`](super::BloomFilter::from_bytes);
    /// [`DecodeError::WrongLayout`] for the bytes of a standard filter.
    ///
    /// ```
    /// use routekit::bloom::{BlockedBloomFilter, BloomFilter, DecodeError, Filter};
    /// use routekit::Xxh3;
    ///
    /// let mut filter = BlockedBloomFilter::new(100, 0.01)?;
    /// filter.insert(b"k");
    /// assert_eq!(BlockedBloomFilter::from_bytes(&filter.to_bytes(), Xxh3::new())?, filter);
    /// let standard = BloomFilter::new(100, 0.01)?.to_bytes();
    /// assert!(matches!(
    ///     BlockedBloomFilter::from_bytes(&standard, Xxh3::new()),
    ///     Err(DecodeError::WrongLayout { .. })
    /// ));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_bytes(bytes: &[u8], hasher: H) -> Result<Self, DecodeError> {
        let (header, body) = wire::decode(bytes, Layout::Blocked, hasher.id())?;
        let hashing = Hashing::decoded(hasher)?;
        let block_bytes = (BLOCK_BITS / 8) as usize;
        let mut blocks = with_room(body.len() / block_bytes).map_err(NoMemory::decoding)?;
        blocks.extend(body.chunks_exact(block_bytes).map(|block| {
            // Lane j is the little-endian 32-bit integer at byte 4j.
            Block(std::array::from_fn(|j| {
                u32::from_le_bytes(block[4 * j..4 * j + 4].try_into().expect("4 bytes"))
            }))
        }));
        Ok(BlockedBloomFilter {
            blocks,
            per_lane: header.hashes / 8,
            inserted: header.inserted,
            hashing,
            kernel: Kernel::detect(),
        })
    }

    fn check_compatible(&self, other: &Self) -> Result<(), CombineError> {
        check_shape((self.bits(), other.bits()), (self.hashes(), other.hashes()))?;
        self.hashing.check_same(&other.hashing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_bit_per_lane_per_key() {
        let mut filter = BlockedBloomFilter::new(100, 0.01).unwrap();
        filter.insert(b"only key");
        let set: Vec<u32> = filter
            .blocks
            .iter()
            .find(|b| **b != Block::default())
            .unwrap()
            .0
            .iter()
            .map(|lane| lane.count_ones())
            .collect();
        assert_eq!(set, [1; 8]);
    }

    #[test]
    fn blocks_never_straddle_a_cache_line() {
        let filter = BlockedBloomFilter::new(10_000, 0.01).unwrap();
        assert_eq!(std::mem::size_of::<Block>(), 32);
        assert_eq!(std::mem::align_of::<Block>(), 32);
        assert_eq!(filter.blocks.as_ptr().align_offset(32), 0);
    }
}
