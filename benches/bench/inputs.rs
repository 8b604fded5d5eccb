//! Seeded inputs shared by the groups.

/// A deterministic pseudo-random sequence (SplitMix64).
pub(crate) fn seeded(seed: u64) -> impl Iterator<Item = u64> {
    let mut state = seed;
    std::iter::repeat_with(move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    })
}

/// `count` session-id-like keys of 16 bytes each.
pub(crate) fn session_keys(count: usize, seed: u64) -> Vec<Vec<u8>> {
    seeded(seed).take(count).map(|x| format!("s-{:013x}", x >> 12).into_bytes()).collect()
}

/// `count` node names like `10.0.3.17:8080`.
pub(crate) fn node_names(count: usize) -> Vec<String> {
    (0..count).map(|i| format!("10.{}.{}.{}:8080", i >> 16, (i >> 8) & 255, i & 255)).collect()
}
