//! The versioned byte format shared by the filters (documented in the
//! [module docs](super#byte-format)).

use super::count::Bounds;
use super::sizing::{BLOCK_BITS, MAX_BITS, MAX_BITS_PER_LANE, MAX_HASHES};
use super::{Corruption, DecodeError};
use crate::hash::{HashAlgorithm, HasherId};

/// The first four bytes of every filter.
const MAGIC: [u8; 4] = *b"RKBF";
/// The format version this release reads and writes.
const VERSION: u8 = 1;
/// Bytes before the words.
const HEADER_LEN: usize = 32;
/// Where the inserted count sits in the header.
const INSERTED_AT: usize = 24;
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
    /// blocks.
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

/// The length of a filter's bytes with `bits` bits: header, words, checksum.
pub(super) fn encoded_len(bits: u64) -> usize {
    // `bits` is at most `MAX_BITS`, an eighth of the address space: no overflow.
    HEADER_LEN + (bits / 8) as usize + CHECKSUM_LEN
}

/// Writes a filter: header, words, checksum.
///
/// The count written is `header.inserted` moved into the bounds its words
/// allow ([`Bounds::reconcile`]), so the bytes always decode: for the plain
/// filters that changes nothing, and for an atomic filter whose count was
/// read while inserts ran it is the count the bits prove.
pub(super) fn encode(header: &Header, words: impl Iterator<Item = u64>) -> Vec<u8> {
    let mut out = Vec::with_capacity(encoded_len(header.bits));
    out.extend_from_slice(&MAGIC);
    out.push(VERSION);
    out.push(header.layout.code());
    out.push(header.hasher.algorithm().code());
    out.push(u8::try_from(header.hashes).expect("hash counts are at most 64"));
    out.extend_from_slice(&header.hasher.tag().to_le_bytes());
    out.extend_from_slice(&header.bits.to_le_bytes());
    out.extend_from_slice(&header.inserted.to_le_bytes());
    let mut tally = Tally::new(header.layout, header.hashes);
    for word in words {
        tally.push(word);
        out.extend_from_slice(&word.to_le_bytes());
    }
    debug_assert_eq!(out.len(), encoded_len(header.bits) - CHECKSUM_LEN);
    let inserted = tally.bounds().reconcile(header.inserted);
    out[INSERTED_AT..INSERTED_AT + 8].copy_from_slice(&inserted.to_le_bytes());
    let checksum = xxhash_rust::xxh3::xxh3_64(&out);
    out.extend_from_slice(&checksum.to_le_bytes());
    out
}

/// Reads and checks a filter's bytes: the header, and the `bits / 8` bytes
/// of its words (little-endian 64-bit words, or blocks of eight 32-bit
/// lanes: the same bytes).
///
/// Nothing is allocated, and every field is checked before it is trusted:
/// the count against the bounds its words allow, and in the blocked layout
/// every block either empty or with a bit in each of its eight lanes (each
/// key sets bits in all eight).
pub(super) fn decode(
    bytes: &[u8],
    layout: Layout,
    given: HasherId,
) -> Result<(Header, &[u8]), DecodeError> {
    let corrupt = |reason| Err(DecodeError::Corrupt { reason });
    check_preamble(bytes)?;
    let word_at = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"));
    let found = match bytes[5] {
        1 => Layout::Standard,
        3 => Layout::Blocked,
        code => return corrupt(Corruption::Layout { code }),
    };
    if found != layout {
        return Err(DecodeError::WrongLayout { expected: layout.name(), found: found.name() });
    }
    let bits = word_at(16);
    if bits == 0 || bits > MAX_BITS || bits % layout.bit_multiple() != 0 {
        return corrupt(Corruption::Bits { bits });
    }
    let expected = HEADER_LEN as u64 + bits / 8 + CHECKSUM_LEN as u64;
    if bytes.len() as u64 != expected {
        return Err(DecodeError::Length { expected, found: bytes.len() as u64 });
    }
    let (body, checksum) = bytes.split_at(bytes.len() - CHECKSUM_LEN);
    if xxhash_rust::xxh3::xxh3_64(body).to_le_bytes() != checksum {
        return corrupt(Corruption::Checksum);
    }
    let written = hasher_id(bytes)?;
    if written != given {
        return Err(DecodeError::HasherMismatch { written, given });
    }
    let hashes = bytes[7];
    if !layout.hashes_allowed(u32::from(hashes)) {
        return corrupt(Corruption::Hashes { hashes });
    }
    let words = &body[HEADER_LEN..];
    let mut tally = Tally::new(layout, u32::from(hashes));
    for word in words.chunks_exact(8) {
        tally.push(u64::from_le_bytes(word.try_into().expect("chunks of 8 bytes")));
    }
    if let Some(block) = tally.partial_block {
        return corrupt(Corruption::PartialBlock { block });
    }
    let (inserted, bounds) = (word_at(INSERTED_AT), tally.bounds());
    if !bounds.contains(inserted) {
        return corrupt(Corruption::Inserted { inserted, least: bounds.least, most: bounds.most });
    }
    let header = Header { layout, hasher: written, hashes: u32::from(hashes), bits, inserted };
    Ok((header, words))
}

/// What a filter's words say about its count, read one word at a time in
/// the byte format's order (see [`Bounds`] for why these bounds hold).
pub(super) struct Tally {
    layout: Layout,
    hashes: u32,
    /// Standard layout: the set bits so far.
    ones: u64,
    /// Blocked layout: the lower bound of the blocks so far.
    least: u64,
    /// Blocked layout: the words of the block being read.
    block: [u64; 4],
    /// Words read.
    words: u64,
    /// Blocked layout: the first block with bits in some lanes but not all.
    partial_block: Option<u64>,
}

impl Tally {
    pub(super) fn new(layout: Layout, hashes: u32) -> Tally {
        Tally { layout, hashes, ones: 0, least: 0, block: [0; 4], words: 0, partial_block: None }
    }

    #[inline]
    pub(super) fn push(&mut self, word: u64) {
        match self.layout {
            Layout::Standard => self.ones += u64::from(word.count_ones()),
            Layout::Blocked => {
                self.block[(self.words % 4) as usize] = word;
                if self.words % 4 == 3 {
                    self.end_block(self.words / 4);
                }
            }
        }
        self.words += 1;
    }

    /// Folds in a complete block: lanes `2j` and `2j + 1` are the low and
    /// high halves of its word `j`.
    fn end_block(&mut self, index: u64) {
        let per_lane = self.hashes / 8;
        let (mut most_ones, mut empty_lanes) = (0, 0);
        for word in self.block {
            for lane in [word as u32, (word >> 32) as u32] {
                most_ones = most_ones.max(lane.count_ones());
                empty_lanes += u32::from(lane == 0);
            }
        }
        if empty_lanes != 0 && empty_lanes != 8 && self.partial_block.is_none() {
            self.partial_block = Some(index);
        }
        self.least += u64::from(most_ones.div_ceil(per_lane));
    }

    /// The counts the words read so far allow.
    pub(super) fn bounds(&self) -> Bounds {
        match self.layout {
            Layout::Standard => Bounds::standard(self.ones, self.hashes),
            Layout::Blocked => Bounds::from_least(self.least),
        }
    }
}

/// The whole length that the first 24 bytes of a filter's bytes claim, to
/// size a buffer that collects them piece by piece; `None` before those
/// bytes are in or when they are not a filter's. A claim is not trusted: a
/// buffer grows towards it at most by doubling what was read.
#[cfg(feature = "serde")]
pub(super) fn claimed_len(start: &[u8]) -> Option<u64> {
    let bits = u64::from_le_bytes(start.get(16..24)?.try_into().expect("8 bytes"));
    (start[..4] == MAGIC).then(|| (bits / 8).saturating_add((HEADER_LEN + CHECKSUM_LEN) as u64))
}

/// The hasher id in a filter's bytes, to rebuild an unkeyed hasher before
/// [`decode`] checks the rest.
#[cfg(feature = "serde")]
pub(super) fn peek_hasher(bytes: &[u8]) -> Result<HasherId, DecodeError> {
    check_preamble(bytes)?;
    hasher_id(bytes)
}

/// The hasher id at bytes 6 and 8..16 of bytes that passed [`check_preamble`].
fn hasher_id(bytes: &[u8]) -> Result<HasherId, DecodeError> {
    let code = bytes[6];
    let algorithm = HashAlgorithm::from_code(code)
        .ok_or(DecodeError::Corrupt { reason: Corruption::Hasher { code } })?;
    let tag = u64::from_le_bytes(bytes[8..16].try_into().expect("8 bytes"));
    Ok(HasherId::from_parts(algorithm, tag))
}

/// Checks the minimum length, the magic and the version.
fn check_preamble(bytes: &[u8]) -> Result<(), DecodeError> {
    if bytes.len() < HEADER_LEN + CHECKSUM_LEN {
        return Err(DecodeError::Corrupt { reason: Corruption::TooShort });
    }
    if bytes[..4] != MAGIC {
        return Err(DecodeError::Corrupt { reason: Corruption::Magic });
    }
    if bytes[4] != VERSION {
        return Err(DecodeError::UnsupportedVersion { version: bytes[4], supported: VERSION });
    }
    Ok(())
}
