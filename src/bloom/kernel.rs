//! The blocked filter's block: eight 32-bit lanes, the bits a key sets in
//! them, and the CPU features the block operations are compiled for.
//!
//! The operations are written once, as plain Rust over `[u32; 8]`. Compiled
//! for a CPU with 32-bit lane multiplies and per-lane variable shifts
//! (x86-64 with AVX2, AArch64 with NEON), LLVM turns a lookup into a handful
//! of vector instructions (broadcast, multiply, shift, shift, test). Baseline
//! x86-64 has neither instruction (SSE2 only; SSE4.1 adds only the
//! multiply), so there the lanes stay scalar: eight multiplies and eight
//! shifts where one of each would do. So on x86-64 built without AVX2 the
//! filter asks the CPU once, when it is made, and if it has AVX2 runs the
//! same code compiled with AVX2 enabled. The two calls into that build, one
//! for lookups and one for inserts, are the crate's only `unsafe` blocks;
//! see [`avx2`] for why each is sound.

/// 256 bits as eight 32-bit lanes. Aligned to 32 bytes, so a block never
/// straddles a 64-byte cache line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(align(32))]
pub(super) struct Block(pub(super) [u32; 8]);

/// The odd multipliers that place a key's bits: round `r` sets, in lane
/// `i`, bit `(seed · SALTS[r][i]) >> 27` (wrapping 32-bit product).
///
/// Round 0 uses the eight salts of Parquet's split block Bloom filter
/// (parquet-format `BloomFilter.md`), so a one-bit-per-lane filter sets the
/// bits Parquet's would for the same 32-bit seed. Rounds 1–3 (filters with 2–4
/// bits per lane, for very low rates) use the low 32 bits of SplitMix64
/// outputs from state 0, made odd (pinned by a test).
#[rustfmt::skip]
pub(super) const SALTS: [[u32; 8]; 4] = [
    [0x47b6_137b, 0x4497_4d91, 0x8824_ad5b, 0xa2b7_289d, 0x7054_95c7, 0x2df1_424b, 0x9efc_4947, 0x5c6b_fb31],
    [0x7b1d_cdaf, 0xa1b9_65f5, 0x8009_454f, 0x724c_81ed, 0x51a8_749b, 0x747e_a2eb, 0x1f45_32e1, 0xc916_ab3d],
    [0x41c9_8ac3, 0x368c_b0a7, 0x3cb1_3d09, 0x055b_def7, 0xe0bb_db7b, 0x983a_a92f, 0x00cc_4d19, 0x971d_80ab],
    [0x7552_1255, 0x2b7f_7f87, 0x8391_4f65, 0x5a44_85ad, 0x100b_9ed7, 0x1825_f10d, 0x0dca_2f6b, 0x7bd2_634d],
];

impl Block {
    /// The bits of `seed` in each lane: one per round, `rounds` in 1..=4.
    /// Each round is branch-free over fixed-size arrays, so it vectorizes
    /// where the CPU allows; one predictable branch skips the rounds after
    /// the first. `LOOKUP` takes `1 << position` from a table: one load,
    /// cheaper than a variable shift where the lanes stay scalar on x86-64,
    /// but a table defeats vectorization.
    #[inline(always)]
    fn masks<const LOOKUP: bool>(seed: u32, rounds: usize) -> [u32; 8] {
        let mut masks = [0; 8];
        for (r, salts) in SALTS.iter().enumerate() {
            if r == 0 || r < rounds {
                for (mask, salt) in masks.iter_mut().zip(salts) {
                    let position = seed.wrapping_mul(*salt) >> 27;
                    *mask |= if LOOKUP { BIT[position as usize] } else { 1 << position };
                }
            }
        }
        masks
    }

    /// Whether every bit of `seed` is set.
    #[inline(always)]
    // Indexes, not `zip`: with `zip` LLVM vectorizes the lanes in reverse
    // order and permutes the block to match, which adds instructions to
    // every lookup in the AVX2 build.
    #[allow(clippy::needless_range_loop)]
    fn contains<const LOOKUP: bool>(&self, seed: u32, rounds: usize) -> bool {
        let masks = Block::masks::<LOOKUP>(seed, rounds);
        let mut missing = 0;
        for i in 0..8 {
            missing |= masks[i] & !self.0[i];
        }
        missing == 0
    }

    /// Sets the bits of `seed`; returns whether they were all set already.
    /// Scalar code (`LOOKUP`) writes only when a bit is missing, so
    /// re-inserting a present key costs about a lookup; vector code writes
    /// the block back either way, which costs one store.
    #[inline(always)]
    fn insert<const LOOKUP: bool>(&mut self, seed: u32, rounds: usize) -> bool {
        let masks = Block::masks::<LOOKUP>(seed, rounds);
        let mut missing = 0;
        for (mask, lane) in masks.iter().zip(&self.0) {
            missing |= mask & !lane;
        }
        if !LOOKUP || missing != 0 {
            for (mask, lane) in masks.iter().zip(&mut self.0) {
                *lane |= mask;
            }
        }
        missing == 0
    }
}

/// `BIT[n] == 1 << n`.
static BIT: [u32; 32] = {
    let mut bits = [0; 32];
    let mut n = 0;
    while n < 32 {
        bits[n] = 1 << n;
        n += 1;
    }
    bits
};

/// How block operations run on this CPU: chosen once per filter by
/// [`Kernel::detect`], so the choice costs a predictable branch per
/// operation.
#[derive(Clone, Copy, Debug)]
pub(super) enum Kernel {
    /// The code as compiled for the build's target.
    Portable,
    /// The same code compiled with AVX2, on a CPU that has it.
    #[cfg(all(target_arch = "x86_64", not(target_feature = "avx2")))]
    Avx2(avx2::Detected),
}

/// Whether the portable kernel keeps the lanes scalar and is only the
/// fallback: x86-64 built without AVX2 (SSE2 has neither 32-bit lane
/// multiplies nor per-lane shifts), where [`Kernel::detect`] picks AVX2 when
/// the CPU has it.
const SCALAR_FALLBACK: bool = cfg!(all(target_arch = "x86_64", not(target_feature = "avx2")));

/// [`Block::contains`] as the build's target compiles it. Out of line where
/// it is the scalar fallback, so the dispatching caller keeps its registers.
#[cfg_attr(all(target_arch = "x86_64", not(target_feature = "avx2")), inline(never))]
#[cfg_attr(not(all(target_arch = "x86_64", not(target_feature = "avx2"))), inline)]
fn portable_contains(block: &Block, seed: u32, rounds: usize) -> bool {
    block.contains::<SCALAR_FALLBACK>(seed, rounds)
}

/// [`Block::insert`] as the build's target compiles it; see
/// [`portable_contains`].
#[cfg_attr(all(target_arch = "x86_64", not(target_feature = "avx2")), inline(never))]
#[cfg_attr(not(all(target_arch = "x86_64", not(target_feature = "avx2"))), inline)]
fn portable_insert(block: &mut Block, seed: u32, rounds: usize) -> bool {
    block.insert::<SCALAR_FALLBACK>(seed, rounds)
}

impl Kernel {
    /// The fastest kernel this CPU can run.
    pub(super) fn detect() -> Kernel {
        #[cfg(all(target_arch = "x86_64", not(target_feature = "avx2")))]
        if let Some(detected) = avx2::Detected::new() {
            return Kernel::Avx2(detected);
        }
        Kernel::Portable
    }

    /// Whether every bit of `seed` (`rounds` per lane) is set in `block`.
    #[inline(always)]
    pub(super) fn contains(self, block: &Block, seed: u32, rounds: usize) -> bool {
        match self {
            Kernel::Portable => portable_contains(block, seed, rounds),
            #[cfg(all(target_arch = "x86_64", not(target_feature = "avx2")))]
            Kernel::Avx2(detected) => avx2::contains(detected, block, seed, rounds),
        }
    }

    /// Sets the bits of `seed` in `block`; returns whether they were all set.
    #[inline(always)]
    pub(super) fn insert(self, block: &mut Block, seed: u32, rounds: usize) -> bool {
        match self {
            Kernel::Portable => portable_insert(block, seed, rounds),
            #[cfg(all(target_arch = "x86_64", not(target_feature = "avx2")))]
            Kernel::Avx2(detected) => avx2::insert(detected, block, seed, rounds),
        }
    }
}

/// The block operations compiled with AVX2 enabled.
///
/// Soundness: code compiled with `#[target_feature(enable = "avx2")]` may
/// contain AVX2 instructions, and running it on a CPU without them is
/// undefined behaviour; that is the only reason calling it is `unsafe`. Each
/// of the two calls ([`contains`] into `contains_avx2`, [`insert`] into
/// `insert_avx2`) sits in a function that takes a [`Detected`], which only
/// [`Detected::new`] makes, and only after `is_x86_feature_detected!("avx2")`
/// (CPUID, plus the operating system's consent to the AVX register state)
/// said this CPU has AVX2. The bodies are the safe code of [`Block`], with
/// shifts (not the table) so that they vectorize, and take their arguments
/// by reference like any safe function: AVX2 is the only precondition.
#[cfg(all(target_arch = "x86_64", not(target_feature = "avx2")))]
#[allow(unsafe_code)]
mod avx2 {
    use super::Block;

    /// Proof that the CPU running this process has AVX2.
    #[derive(Clone, Copy, Debug)]
    pub(in crate::bloom) struct Detected(());

    impl Detected {
        /// `Some` exactly when this CPU has AVX2.
        pub(super) fn new() -> Option<Detected> {
            std::arch::is_x86_feature_detected!("avx2").then_some(Detected(()))
        }
    }

    /// [`Block::contains`] in the AVX2 build.
    #[inline]
    pub(super) fn contains(_: Detected, block: &Block, seed: u32, rounds: usize) -> bool {
        // SAFETY: `contains_avx2` requires only that the CPU has AVX2, and a
        // `Detected` exists only where `is_x86_feature_detected!("avx2")`
        // said it has (see the module docs).
        unsafe { contains_avx2(block, seed, rounds) }
    }

    /// [`Block::insert`] in the AVX2 build.
    #[inline]
    pub(super) fn insert(_: Detected, block: &mut Block, seed: u32, rounds: usize) -> bool {
        // SAFETY: `insert_avx2` requires only that the CPU has AVX2, and a
        // `Detected` exists only where `is_x86_feature_detected!("avx2")`
        // said it has (see the module docs).
        unsafe { insert_avx2(block, seed, rounds) }
    }

    /// [`Block::contains`] compiled for AVX2.
    ///
    /// # Safety
    ///
    /// The CPU must have AVX2.
    #[target_feature(enable = "avx2")]
    unsafe fn contains_avx2(block: &Block, seed: u32, rounds: usize) -> bool {
        block.contains::<false>(seed, rounds)
    }

    /// [`Block::insert`] compiled for AVX2.
    ///
    /// # Safety
    ///
    /// The CPU must have AVX2.
    #[target_feature(enable = "avx2")]
    unsafe fn insert_avx2(block: &mut Block, seed: u32, rounds: usize) -> bool {
        block.insert::<false>(seed, rounds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn salts_beyond_parquets_are_splitmix64_outputs() {
        let mut state = 0u64;
        for salts in &SALTS[1..] {
            for &salt in salts {
                state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
                assert_eq!(salt, crate::hash::finalize64(state) as u32 | 1);
            }
        }
    }

    #[test]
    fn the_table_and_the_shifts_give_the_same_masks() {
        assert!(BIT.iter().enumerate().all(|(n, &bit)| bit == 1 << n));
        for (seed, rounds) in [(0, 1), (u32::MAX, 2), (0x9e37_79b9, 3), (12_345, 4)] {
            assert_eq!(Block::masks::<true>(seed, rounds), Block::masks::<false>(seed, rounds));
        }
    }

    #[test]
    fn every_kernel_sets_and_reads_the_same_bits() {
        // On a CPU with AVX2 this compares the AVX2 build with the portable one.
        let (detected, portable) = (Kernel::detect(), Kernel::Portable);
        let mut seed = 1u32;
        for rounds in 1..=4 {
            let (mut ours, mut reference) = (Block::default(), Block::default());
            for _ in 0..40 {
                seed = seed.wrapping_mul(0x9e37_79b9).wrapping_add(7);
                let probe = seed.rotate_left(13);
                assert_eq!(
                    detected.contains(&ours, probe, rounds),
                    portable.contains(&ours, probe, rounds)
                );
                assert_eq!(
                    detected.insert(&mut ours, seed, rounds),
                    portable.insert(&mut reference, seed, rounds)
                );
                assert_eq!(ours, reference);
                assert!(detected.contains(&ours, seed, rounds));
            }
        }
    }

    #[test]
    fn one_round_sets_one_bit_per_lane_where_the_salts_say() {
        let mut block = Block::default();
        assert!(!Kernel::detect().insert(&mut block, 0xdead_beef, 1));
        for (lane, salt) in block.0.iter().zip(SALTS[0]) {
            assert_eq!(*lane, 1 << (0xdead_beefu32.wrapping_mul(salt) >> 27));
        }
    }
}
