//! Peak memory of the Bloom filter decoders on large and hostile input: a
//! decoder's memory stays within a small constant factor of its input.
//!
//! The test binary runs under a capped global allocator. Before each decode
//! the cap is set to what is allocated plus the budget the decoder is
//! allowed, so a decoder that reserves more fails (with `OutOfMemory`, or
//! by aborting the test binary) instead of passing. One test function runs
//! every case in turn: the cap is global.

use std::alloc::System;

use cap::Cap;
use routekit::bloom::{AtomicBloomFilter, BlockedBloomFilter, BloomFilter, DecodeError, Filter};
use routekit::hash::{KeyHasher, Xxh3};

#[global_allocator]
static ALLOCATOR: Cap<System> = Cap::new(System, usize::MAX);

/// Runs `decode` with at most `budget` bytes more than are allocated now,
/// and returns what it gave.
fn within<T>(budget: usize, decode: impl FnOnce() -> T) -> T {
    ALLOCATOR
        .set_limit(ALLOCATOR.allocated() + budget)
        .expect("the cap is above what is allocated");
    let result = decode();
    ALLOCATOR.set_limit(usize::MAX).expect("raising the cap");
    result
}

/// Recomputes the checksum of (possibly edited) filter bytes.
fn reseal(bytes: &mut [u8]) {
    let end = bytes.len() - 8;
    let checksum = Xxh3::new().hash64(&bytes[..end]);
    bytes[end..].copy_from_slice(&checksum.to_le_bytes());
}

/// A filter of `bytes` bytes of bits with a few keys, as bytes.
fn large_standard(bytes: u64) -> Vec<u8> {
    let mut filter = BloomFilter::with_bits(bytes * 8, 7, Xxh3::new()).unwrap();
    for key in 0..1000u32 {
        filter.insert(&key.to_le_bytes());
    }
    filter.to_bytes()
}

const SMALL: usize = 64 << 10;

#[test]
fn decoders_stay_within_a_constant_factor_of_their_input() {
    // 1. A header claiming 2^60 bits, with a body of a few bytes: refused
    // for its length before anything is allocated.
    let mut claim = BloomFilter::new(10, 0.1).unwrap().to_bytes();
    claim[16..24].copy_from_slice(&(1u64 << 60).to_le_bytes());
    reseal(&mut claim);
    let refused = within(SMALL, || BloomFilter::from_bytes(&claim, Xxh3::new()));
    assert!(matches!(refused, Err(DecodeError::Length { .. })), "{refused:?}");
    let mut claim = BlockedBloomFilter::new(10, 0.1).unwrap().to_bytes();
    claim[16..24].copy_from_slice(&(u64::MAX - 255).to_le_bytes());
    reseal(&mut claim);
    let refused = within(SMALL, || BlockedBloomFilter::from_bytes(&claim, Xxh3::new()));
    assert!(matches!(refused, Err(DecodeError::Corrupt { .. })), "{refused:?}");

    // 2. A large valid filter: the decoder holds its bits once, so it needs
    // the input's size and a little more.
    let input = large_standard(16 << 20);
    let budget = input.len() + SMALL;
    let read = within(budget, || BloomFilter::from_bytes(&input, Xxh3::new()));
    assert!(read.as_ref().is_ok_and(|filter| filter.contains(&7u32.to_le_bytes())), "{read:?}");
    drop(read);
    // The atomic filter converts the same allocation in place.
    let read = within(budget, || AtomicBloomFilter::from_bytes(&input, Xxh3::new()));
    assert!(read.is_ok_and(|filter| filter.contains(&7u32.to_le_bytes())));

    // 3. The same size, damaged: refused by its checksum with nothing
    // allocated.
    let mut damaged = input.clone();
    damaged[1 << 20] ^= 1;
    let refused = within(SMALL, || BloomFilter::from_bytes(&damaged, Xxh3::new()));
    assert!(matches!(refused, Err(DecodeError::Corrupt { .. })), "{refused:?}");
    drop((input, damaged));

    // 4. A large blocked filter, and one whose count the bits cannot have
    // (resealed, so every check runs): refused before allocating.
    let mut blocked = BlockedBloomFilter::with_bits(16 << 23, 8, Xxh3::new()).unwrap();
    blocked.insert(b"k");
    let input = blocked.to_bytes();
    drop(blocked);
    let read = within(input.len() + SMALL, || BlockedBloomFilter::from_bytes(&input, Xxh3::new()));
    assert!(read.is_ok_and(|filter| filter.contains(b"k")));
    let mut miscounted = input.clone();
    miscounted[24..32].copy_from_slice(&0u64.to_le_bytes());
    reseal(&mut miscounted);
    let refused = within(SMALL, || BlockedBloomFilter::from_bytes(&miscounted, Xxh3::new()));
    assert!(matches!(refused, Err(DecodeError::Corrupt { .. })), "{refused:?}");
    drop((input, miscounted));

    // 5. serde_json: the JSON text of a filter is several times its bytes,
    // and reading it needs no more memory than the text itself.
    #[cfg(feature = "serde")]
    {
        let filter = BloomFilter::from_bytes(&large_standard(2 << 20), Xxh3::new()).unwrap();
        let json = serde_json::to_string(&filter).unwrap();
        drop(filter);
        let read = within(json.len(), || serde_json::from_str::<BloomFilter>(&json));
        assert!(read.is_ok_and(|filter| filter.contains(&7u32.to_le_bytes())));
        // Text claiming a huge filter in its first bytes: refused, and never
        // more than the text read so far.
        let mut claim = BloomFilter::new(10, 0.1).unwrap().to_bytes();
        claim[16..24].copy_from_slice(&(1u64 << 60).to_le_bytes());
        reseal(&mut claim);
        let json = serde_json::to_string(&claim).unwrap();
        let refused = within(SMALL, || serde_json::from_str::<BloomFilter>(&json));
        assert!(refused.is_err());
    }
}
