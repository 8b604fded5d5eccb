//! What the replica-schedule property tests share
//! (`#[path = "support/schedule.rs"] mod schedule;`): the case count, read
//! from the environment, and the seeded random sequence a schedule draws
//! its deliveries, drops and duplicates from.

use proptest::prelude::ProptestConfig;

/// `ROUTEKIT_FUZZ_CASES`, else `PROPTEST_CASES`, else 24 (512 with
/// `ROUTEKIT_LONG_TESTS=1`).
pub(crate) fn config() -> ProptestConfig {
    let number = |name: &str| {
        let value = std::env::var(name).ok()?;
        Some(value.parse().unwrap_or_else(|_| panic!("{name} must be a number")))
    };
    let long = std::env::var("ROUTEKIT_LONG_TESTS").is_ok_and(|v| v == "1");
    let cases = number("ROUTEKIT_FUZZ_CASES")
        .or_else(|| number("PROPTEST_CASES"))
        .unwrap_or(if long { 512 } else { 24 });
    ProptestConfig { cases, ..ProptestConfig::default() }
}

/// A deterministic pseudo-random sequence (SplitMix64).
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Below `n` (not 0).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// An index into a collection of `len` (not 0) items.
    pub(crate) fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    /// True `percent` times in 100.
    pub(crate) fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}
