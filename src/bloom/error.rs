//! The error types of the Bloom filter module: mistakes in building or
//! combining filters, and refused bytes.

use thiserror::Error;

use crate::hash::{HashAlgorithm, HasherId};

/// A filter that cannot be built as asked: a mistake in the program's
/// configuration (or, for [`OutOfMemory`](BuildError::OutOfMemory), a size
/// the machine cannot provide).
///
/// Every variant says what was wrong and what is allowed.
///
/// # Example
///
/// ```
/// use routekit::bloom::{BuildError, BloomFilter};
/// use routekit::Xxh3;
///
/// assert!(matches!(BloomFilter::new(1000, 1.5), Err(BuildError::InvalidFpr { .. })));
/// assert_eq!(BloomFilter::new(0, 0.01).unwrap_err(), BuildError::ZeroItems);
/// assert_eq!(BloomFilter::with_bits(1024, 0, Xxh3::new()).unwrap_err(), BuildError::ZeroHashes);
/// ```
#[derive(Clone, Debug, PartialEq, Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The target false-positive rate was not strictly between 0 and 1.
    #[error("false-positive rate {fpr} is not allowed: it must be greater than 0 and less than 1")]
    #[non_exhaustive]
    InvalidFpr {
        /// The rejected rate.
        fpr: f64,
    },
    /// A filter was sized for zero expected items.
    #[error("expected items must be at least 1, got 0")]
    ZeroItems,
    /// A filter was asked for zero bits.
    #[error("a filter needs at least 1 bit, got 0")]
    ZeroBits,
    /// A filter was asked for zero hash functions (it would contain everything).
    #[error("a filter needs at least 1 hash function per key, got 0")]
    ZeroHashes,
    /// More hash functions per key than the standard filter supports.
    #[error("{hashes} hash functions per key is not allowed: at most {max}")]
    #[non_exhaustive]
    TooManyHashes {
        /// The requested number.
        hashes: u32,
        /// The most this filter allows.
        max: u32,
    },
    /// The blocked filter sets the same number of bits in each of the eight
    /// lanes of a block, so its hash count must be a multiple of 8.
    #[error("a blocked filter needs 8, 16, 24 or 32 hash functions per key, got {hashes}")]
    #[non_exhaustive]
    BlockedHashes {
        /// The requested number.
        hashes: u32,
    },
    /// The filter would need more bits than this platform can address.
    #[error(
        "the filter would need {bits} bits, more than the {max} this platform can address: lower the expected items or raise the false-positive rate"
    )]
    #[non_exhaustive]
    TooLarge {
        /// Bits the filter would need (saturated at `u128::MAX` when even that
        /// overflows).
        bits: u128,
        /// The most bits a filter can have here.
        max: u64,
    },
    /// The allocator could not provide the filter's memory.
    #[error("could not allocate {bytes} bytes for the filter")]
    #[non_exhaustive]
    OutOfMemory {
        /// Bytes requested.
        bytes: u64,
    },
    /// The hasher would make a filter degrade silently (see the
    /// [module docs](super#degenerate-hashers)).
    #[error("degenerate hasher {hasher}: {reason}")]
    #[non_exhaustive]
    DegenerateHasher {
        /// The hasher's id.
        hasher: HasherId,
        /// Why it was refused.
        reason: Degeneracy,
    },
}

/// Why a hasher was refused for a filter (see the
/// [module docs](super#degenerate-hashers)); its message says what to use
/// instead.
///
/// # Example
///
/// ```
/// use routekit::bloom::{BloomFilter, BuildError, Degeneracy, Filter};
/// use routekit::Sip13;
///
/// let unset_key = Sip13::new([0; 16]);
/// assert!(matches!(
///     BloomFilter::with_hasher(100, 0.01, unset_key),
///     Err(BuildError::DegenerateHasher { reason: Degeneracy::PublicKey, .. })
/// ));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum Degeneracy {
    /// [`Sip13`](crate::Sip13) under the all-zero key, the usual sign of a
    /// key array that was never filled.
    #[error(
        "the all-zero SipHash key is public, so it protects nothing: use 16 random secret bytes, or Xxh3 when keys are not chosen by an adversary"
    )]
    PublicKey,
    /// The 128-bit hash has two equal halves, so double hashing would probe
    /// one position `k` times.
    #[error(
        "its 128-bit hash has two equal halves, so double hashing would probe one position k times: make hash128 return two independent halves"
    )]
    EqualHalves,
    /// Different keys hash to the same value.
    #[error(
        "it hashes different keys to the same value: every key would share its bits with others"
    )]
    Collisions,
}

/// Two filters that cannot be combined ([`Filter::union`](super::Filter::union),
/// `intersect`) because they differ in size, hash count or hasher: their
/// bits mean different keys. Nothing was changed.
///
/// # Example
///
/// ```
/// use routekit::bloom::{BloomFilter, CombineError, Filter};
///
/// let mut small = BloomFilter::new(100, 0.01)?;
/// let large = BloomFilter::new(10_000, 0.01)?;
/// assert!(matches!(small.union(&large), Err(CombineError::Bits { .. })));
/// # Ok::<(), routekit::bloom::BuildError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum CombineError {
    /// The filters have different numbers of bits.
    #[error(
        "cannot combine a filter of {ours} bits with one of {theirs} bits: build both with the same size, hash count and hasher"
    )]
    #[non_exhaustive]
    Bits {
        /// Bits of this filter.
        ours: u64,
        /// Bits of the other filter.
        theirs: u64,
    },
    /// The filters set different numbers of bits per key.
    #[error(
        "cannot combine a filter of {ours} hash functions per key with one of {theirs}: build both with the same size, hash count and hasher"
    )]
    #[non_exhaustive]
    Hashes {
        /// Hash count of this filter.
        ours: u32,
        /// Hash count of the other filter.
        theirs: u32,
    },
    /// The filters hash keys with different hashers (algorithm, seed or key).
    #[error(
        "cannot combine a filter hashed with {ours} with one hashed with {theirs}: build both with the same size, hash count and hasher"
    )]
    #[non_exhaustive]
    Hasher {
        /// The hasher of this filter.
        ours: HasherId,
        /// The hasher of the other filter.
        theirs: HasherId,
    },
}

/// Bytes refused by `from_bytes` (or by serde's deserialization): damaged,
/// truncated, foreign, written by a newer format, or under another hasher
/// than the one given to read them.
///
/// # Example
///
/// ```
/// use routekit::bloom::{BloomFilter, DecodeError};
/// use routekit::Xxh3;
///
/// let bytes = BloomFilter::new(100, 0.01)?.to_bytes();
/// assert!(matches!(
///     BloomFilter::from_bytes(&bytes, Xxh3::with_seed(1)),
///     Err(DecodeError::HasherMismatch { .. })
/// ));
/// assert!(matches!(
///     BloomFilter::from_bytes(&bytes[..10], Xxh3::new()),
///     Err(DecodeError::Corrupt { .. })
/// ));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The bytes are not a filter in routekit's format, or are damaged.
    #[error("bytes are not a valid routekit filter: {reason}")]
    #[non_exhaustive]
    Corrupt {
        /// What is wrong with them.
        reason: Corruption,
    },
    /// The bytes were written by a newer format version.
    #[error(
        "filter format version {version} is not supported: this release reads version {supported}"
    )]
    #[non_exhaustive]
    UnsupportedVersion {
        /// The version in the bytes.
        version: u8,
        /// The version this release reads and writes.
        supported: u8,
    },
    /// The bytes hold another kind of filter than the one being read.
    #[error("the bytes hold a {found} filter, not a {expected} filter")]
    #[non_exhaustive]
    WrongLayout {
        /// The layout that was asked for: `"standard"` or `"blocked"`.
        expected: &'static str,
        /// The layout in the bytes.
        found: &'static str,
    },
    /// The bytes have a length other than their header implies.
    #[error("filter bytes have length {found}, but their header implies {expected}")]
    #[non_exhaustive]
    Length {
        /// The length the header implies.
        expected: u64,
        /// The length given.
        found: u64,
    },
    /// The filter in the bytes was built with another hasher than the one
    /// given to read it: its bits would be meaningless under this one.
    #[error(
        "the filter was written with hasher {written}, but is being read with {given}: read it with the hasher that wrote it"
    )]
    #[non_exhaustive]
    HasherMismatch {
        /// The hasher id in the bytes.
        written: HasherId,
        /// The id of the hasher given to read them.
        given: HasherId,
    },
    /// Deserialized with serde into a filter whose hasher is rebuilt from
    /// the bytes ([`Xxh3`](crate::Xxh3), [`Fnv1a`](crate::Fnv1a)), the bytes
    /// name another algorithm.
    #[error(
        "the filter was written with hasher {written}, not with {expected}: deserialize it into a filter of its own hasher (keyed and custom hashers through WithHasher)"
    )]
    #[non_exhaustive]
    WrongAlgorithm {
        /// The hasher id in the bytes.
        written: HasherId,
        /// The algorithm of the filter type being deserialized.
        expected: HashAlgorithm,
    },
    /// The allocator could not provide the filter's memory.
    #[error("could not allocate {bytes} bytes for the filter")]
    #[non_exhaustive]
    OutOfMemory {
        /// Bytes requested.
        bytes: u64,
    },
}

/// What is wrong with bytes refused as [`DecodeError::Corrupt`].
///
/// # Example
///
/// ```
/// use routekit::bloom::{BloomFilter, Corruption, DecodeError};
/// use routekit::Xxh3;
///
/// let mut bytes = BloomFilter::new(100, 0.01)?.to_bytes();
/// bytes[40] ^= 1; // one bit of the filter flipped in transit
/// assert!(matches!(
///     BloomFilter::from_bytes(&bytes, Xxh3::new()),
///     Err(DecodeError::Corrupt { reason: Corruption::Checksum, .. })
/// ));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum Corruption {
    /// Fewer bytes than a header and a checksum.
    #[error("shorter than the 32-byte header and 8-byte checksum")]
    TooShort,
    /// The first four bytes are not `RKBF`.
    #[error("they do not start with the magic bytes \"RKBF\"")]
    Magic,
    /// A layout code this release does not know.
    #[error("layout code {code} is unknown: 1 (standard) and 3 (blocked) exist")]
    #[non_exhaustive]
    Layout {
        /// The code in the bytes.
        code: u8,
    },
    /// The bit count cannot be a filter of the layout.
    #[error(
        "bit count {bits} is zero, too large, or not a whole number of 64-bit words (256-bit blocks for the blocked layout)"
    )]
    #[non_exhaustive]
    Bits {
        /// The bit count in the bytes.
        bits: u64,
    },
    /// The checksum does not match the bytes before it.
    #[error("the checksum does not match: they were changed or damaged")]
    Checksum,
    /// A hasher code this release does not know.
    #[error("hasher code {code} is unknown: 1 (xxh3), 2 (fnv1a), 3 (sip13) and 255 (custom) exist")]
    #[non_exhaustive]
    Hasher {
        /// The code in the bytes.
        code: u8,
    },
    /// A hash count the layout does not allow.
    #[error(
        "{hashes} hash functions per key is out of range for this layout: 1 to 64 (standard), 8, 16, 24 or 32 (blocked)"
    )]
    #[non_exhaustive]
    Hashes {
        /// The hash count in the bytes.
        hashes: u8,
    },
    /// The inserted count cannot go with the bits: no sequence of inserts,
    /// unions and intersections leaves these bits with this count (see the
    /// [module docs](super#counts)). The checksum is not keyed, so anyone
    /// who sends filter bytes can write any count; this refuses the ones
    /// that mean nothing.
    #[error(
        "the inserted count {inserted} cannot go with the bits: a filter with these bits counts between {least} and {most} inserts"
    )]
    #[non_exhaustive]
    Inserted {
        /// The count in the bytes.
        inserted: u64,
        /// The fewest inserts that set these bits.
        least: u64,
        /// The most a filter with these bits can count (0 when no bit is set).
        most: u64,
    },
    /// A block of a blocked filter has bits in some of its eight lanes but
    /// not in all: every key sets a bit in each lane of its block.
    #[error(
        "block {block} has bits in some of its eight lanes but not all: every key sets bits in all eight"
    )]
    #[non_exhaustive]
    PartialBlock {
        /// The index of the first such block.
        block: u64,
    },
    /// The bytes name a hasher that no filter can be built with, and the
    /// hasher given to read them is that one.
    #[error("they name a degenerate hasher: {reason}")]
    #[non_exhaustive]
    DegenerateHasher {
        /// Why no filter can be built with that hasher.
        reason: Degeneracy,
    },
}
