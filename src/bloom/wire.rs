//! The versioned byte format shared by the filters (documented in the
//! [module docs](super#byte-format)).

use super::BloomError;
use super::sizing::{BLOCK_BITS, MAX_BITS, MAX_BITS_PER_LANE, MAX_HASHES};
use crate::hash::{HashAlgorithm, HasherId};

/// The first four bytes of every filter.
const MAGIC: [u8; 4] = *b"RKBF";
/// The format version this release reads and writes.
const VERSION: u8 = 1;
/// Bytes before the words.
const HEADER_LEN: usize = 32;
/// Bytes of the checksum after the words.
const CHECKSUM_LEN: usize = 8;

/// How the words are laid out: which filter wrote them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Layout {
    /// [`BloomFilter`](super::BloomFilter) and
    /// [`AtomicBloomFilter`](super::AtomicBloomFilter): `k` positions over
    /// all bits.
    Standard,
    /// [`BlockedBloomFilter`](super::BlockedBloomFilter): 256-bit split
    /// blocks. (Code 2 was an earlier, unreleased 512-bit blocked layout.)
    Blocked,
}

impl Layout {
    fn code(self) -> u8 {
        match self {
            Layout::Standard => 1,
            Layout::Blocked => 3,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Layout::Standard => "standard",
            Layout::Blocked => "blocked",
        }
    }

    /// Bits are a whole number of these.
    fn bit_multiple(self) -> u64 {
        match self {
            Layout::Standard => 64,
            Layout::Blocked => BLOCK_BITS,
        }
    }

    fn hashes_allowed(self, hashes: u32) -> bool {
        match self {
            Layout::Standard => (1..=MAX_HASHES).contains(&hashes),
            Layout::Blocked => hashes % 8 == 0 && (1..=MAX_BITS_PER_LANE).contains(&(hashes / 8)),
        }
    }
}

/// Everything in a filter's bytes but its words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Header {
    pub(super) layout: Layout,
    pub(super) hasher: HasherId,
    pub(super) hashes: u32,
    pub(super) bits: u64,
    pub(super) inserted: u64,
}

/// Writes a filter: header, words, checksum.
pub(super) fn encode(header: &Header, words: impl ExactSizeIterator<Item = u64>) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + words.len() * 8 + CHECKSUM_LEN);
    out.extend_from_slice(&MAGIC);
    out.push(VERSION);
    out.push(header.layout.code());
    out.push(header.hasher.algorithm.code());
    out.push(u8::try_from(header.hashes).expect("hash counts are at most 64"));
    out.extend_from_slice(&header.hasher.tag.to_le_bytes());
    out.extend_from_slice(&header.bits.to_le_bytes());
    out.extend_from_slice(&header.inserted.to_le_bytes());
    for word in words {
        out.extend_from_slice(&word.to_le_bytes());
    }
    let checksum = xxhash_rust::xxh3::xxh3_64(&out);
    out.extend_from_slice(&checksum.to_le_bytes());
    out
}

/// Reads and checks a filter's bytes: the header, and the words as
/// little-endian 8-byte chunks.
///
/// Nothing is allocated, and every field is checked before it is trusted.
pub(super) fn decode(
    bytes: &[u8],
    layout: Layout,
    given: HasherId,
) -> Result<(Header, impl ExactSizeIterator<Item = u64> + '_), BloomError> {
    let corrupt = |reason| Err(BloomError::Corrupt { reason });
    check_preamble(bytes)?;
    let word_at = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"));
    let found = match bytes[5] {
        1 => Layout::Standard,
        3 => Layout::Blocked,
        _ => return corrupt("unknown layout code"),
    };
    if found != layout {
        return Err(BloomError::WrongLayout { expected: layout.name(), found: found.name() });
    }
    let bits = word_at(16);
    if bits == 0 || bits > MAX_BITS || bits % layout.bit_multiple() != 0 {
        return corrupt(
            "the bit count is zero, too large, or not a whole number of words or blocks",
        );
    }
    let expected = HEADER_LEN as u64 + bits / 8 + CHECKSUM_LEN as u64;
    if bytes.len() as u64 != expected {
        return Err(BloomError::Length { expected, found: bytes.len() as u64 });
    }
    let (body, checksum) = bytes.split_at(bytes.len() - CHECKSUM_LEN);
    if xxhash_rust::xxh3::xxh3_64(body).to_le_bytes() != checksum {
        return corrupt("the checksum does not match: they were changed or damaged");
    }
    let Some(algorithm) = HashAlgorithm::from_code(bytes[6]) else {
        return corrupt("unknown hasher code");
    };
    let written = HasherId { algorithm, tag: word_at(8) };
    if written != given {
        return Err(BloomError::HasherMismatch { written, given });
    }
    let hashes = u32::from(bytes[7]);
    if !layout.hashes_allowed(hashes) {
        return corrupt("the hash count is out of range for this layout");
    }
    let header = Header { layout, hasher: written, hashes, bits, inserted: word_at(24) };
    let words = body[HEADER_LEN..]
        .chunks_exact(8)
        .map(|chunk| u64::from_le_bytes(chunk.try_into().expect("chunks of 8")));
    Ok((header, words))
}

/// The hasher id in a filter's bytes, to rebuild an unkeyed hasher before
/// [`decode`] checks the rest.
#[cfg(feature = "serde")]
pub(super) fn peek_hasher(bytes: &[u8]) -> Result<HasherId, BloomError> {
    check_preamble(bytes)?;
    let algorithm = HashAlgorithm::from_code(bytes[6])
        .ok_or(BloomError::Corrupt { reason: "unknown hasher code" })?;
    let tag = u64::from_le_bytes(bytes[8..16].try_into().expect("8 bytes"));
    Ok(HasherId { algorithm, tag })
}

/// Checks the minimum length, the magic and the version.
fn check_preamble(bytes: &[u8]) -> Result<(), BloomError> {
    if bytes.len() < HEADER_LEN + CHECKSUM_LEN {
        return Err(BloomError::Corrupt {
            reason: "shorter than the 32-byte header and 8-byte checksum",
        });
    }
    if bytes[..4] != MAGIC {
        return Err(BloomError::Corrupt {
            reason: "they do not start with the magic bytes \"RKBF\"",
        });
    }
    if bytes[4] != VERSION {
        return Err(BloomError::UnsupportedVersion { version: bytes[4], supported: VERSION });
    }
    Ok(())
}
