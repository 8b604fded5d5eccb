//! The error type of the Bloom filter module.

use thiserror::Error;

use crate::hash::HasherId;

/// What went wrong when building, combining or decoding a Bloom filter.
///
/// Every variant says what was wrong and what is allowed.
///
/// # Example
///
/// ```
/// use routekit::bloom::{BloomError, BloomFilter};
///
/// assert_eq!(BloomFilter::new(1000, 1.5).unwrap_err(), BloomError::InvalidFpr { fpr: 1.5 });
/// assert_eq!(BloomFilter::new(0, 0.01).unwrap_err(), BloomError::ZeroItems);
/// assert_eq!(BloomFilter::with_bits(1024, 0).unwrap_err(), BloomError::ZeroHashes);
/// ```
#[derive(Clone, Debug, PartialEq, Error)]
#[non_exhaustive]
pub enum BloomError {
    /// The target false-positive rate was not strictly between 0 and 1.
    #[error("false-positive rate {fpr} is not allowed: it must be greater than 0 and less than 1")]
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
    /// More hash functions per key than the filter supports.
    #[error("{hashes} hash functions per key is not allowed: at most {max}")]
    TooManyHashes {
        /// The requested number.
        hashes: u32,
        /// The most this filter allows.
        max: u32,
    },
    /// The blocked filter sets the same number of bits in each of the eight
    /// words of a block, so its hash count must be a multiple of 8.
    #[error("a blocked filter needs 8, 16, 24 or 32 hash functions per key, got {hashes}")]
    BlockedHashes {
        /// The requested number.
        hashes: u32,
    },
    /// The filter would need more bits than this platform can address.
    #[error(
        "the filter would need {bits} bits, more than the {max} this platform can address: lower the expected items or raise the false-positive rate"
    )]
    TooLarge {
        /// Bits the filter would need (saturated at `u128::MAX` when even that
        /// overflows).
        bits: u128,
        /// The most bits a filter can have here.
        max: u64,
    },
    /// The allocator could not provide the filter's memory.
    #[error("could not allocate {bytes} bytes for the filter")]
    OutOfMemory {
        /// Bytes requested.
        bytes: u64,
    },
    /// The builder was not told how to size the filter.
    #[error("a filter needs a size: set expected_items and fpr, or bits and hashes")]
    IncompleteSizing,
    /// The hasher would make a filter degrade silently (see the
    /// [module docs](super#degenerate-hashers)).
    #[error("degenerate hasher {hasher:?}: {reason}")]
    DegenerateHasher {
        /// The hasher's id.
        hasher: HasherId,
        /// Why it was refused and what to use instead.
        reason: &'static str,
    },
    /// Two filters cannot be combined because a parameter differs.
    #[error(
        "cannot combine filters whose {parameter} differ ({ours} here, {theirs} in the other): build both with the same bits, hashes and hasher"
    )]
    Incompatible {
        /// Which parameter differs: `"bits"`, `"hashes"`, `"hasher"` or `"hasher tag"`.
        parameter: &'static str,
        /// Its value in this filter.
        ours: u64,
        /// Its value in the other filter.
        theirs: u64,
    },
    /// The bytes are not a filter in routekit's format, or are damaged.
    #[error("bytes are not a valid routekit filter: {reason}")]
    Corrupt {
        /// What is wrong with them.
        reason: &'static str,
    },
    /// The bytes were written by a newer format version.
    #[error(
        "filter format version {version} is not supported: this release reads version {supported}"
    )]
    UnsupportedVersion {
        /// The version in the bytes.
        version: u8,
        /// The version this release reads and writes.
        supported: u8,
    },
    /// The bytes hold another kind of filter than the one being read.
    #[error("the bytes hold a {found} filter, not a {expected} filter")]
    WrongLayout {
        /// The layout that was asked for.
        expected: &'static str,
        /// The layout in the bytes.
        found: &'static str,
    },
    /// The bytes have a length other than their header implies.
    #[error("filter bytes have length {found}, but their header implies {expected}")]
    Length {
        /// The length the header implies.
        expected: u64,
        /// The length given.
        found: u64,
    },
    /// The filter in the bytes was built with another hasher than the one
    /// given to read it: its bits would be meaningless under this one.
    #[error("the filter was written with hasher {written:?}, but is being read with {given:?}")]
    HasherMismatch {
        /// The hasher id in the bytes.
        written: HasherId,
        /// The id of the hasher given to `from_bytes`.
        given: HasherId,
    },
}
