//! Each hasher pinned to published reference values: a release of routekit
//! may never change what a key hashes to.

use routekit::hash::{Fnv1a, HashAlgorithm, HasherId, KeyHasher, Sip13, Xxh3};

/// Inputs of the XXH3 vectors: the bytes 0, 1, 2, … of the given length.
fn counting(len: usize) -> Vec<u8> {
    (0..len).map(|i| i as u8).collect()
}

/// XXH3 values from the reference C implementation (xxHash 0.8, through the
/// `xxhash` 3.x Python binding): `XXH3_64bits`, `XXH3_64bits_withSeed`,
/// `XXH3_128bits`, `XXH3_128bits_withSeed`.
#[test]
fn xxh3_matches_the_reference() {
    const SEED: u64 = 0x9e37_79b9_7f4a_7c15;
    let inputs: [Vec<u8>; 6] = [
        b"".to_vec(),
        b"a".to_vec(),
        b"abc".to_vec(),
        b"routekit".to_vec(),
        counting(64),
        counting(250),
    ];
    let h64 = [
        0x2d06_8005_38d3_94c2,
        0xe6c6_32b6_1e96_4e1f,
        0x78af_5f94_892f_3950,
        0x4066_c2c6_68b6_7e0c,
        0x6187_eb90_89b0_ed55,
        0x3a07_e271_a5da_b0a3,
    ];
    let h64_seeded = [
        0x602b_0e2c_d666_2c8b,
        0x7b01_3ec7_3230_c3a1,
        0xfc1a_e99b_b3de_2336,
        0xf192_b795_c35d_f561,
        0x0ed1_0445_0790_536f,
        0xf307_81bc_2c43_771e,
    ];
    let h128: [u128; 6] = [
        0x99aa_06d3_0147_98d8_6001_c324_468d_497f,
        0xa96f_af70_5af1_6834_e6c6_32b6_1e96_4e1f,
        0x06b0_5ab6_733a_6185_78af_5f94_892f_3950,
        0x1c58_8878_7e6e_a2f2_643b_0f98_8723_e9e7,
        0x9c6e_140a_4655_45e5_90c1_971d_db04_ce74,
        0x1a32_6c28_5024_485c_3a07_e271_a5da_b0a3,
    ];
    let h128_seeded: [u128; 6] = [
        0xd142_977a_2cca_554b_4ca5_1769_9817_1787,
        0x227d_c992_ba0a_6e9f_7b01_3ec7_3230_c3a1,
        0xfa2e_c35c_a870_fcc0_fc1a_e99b_b3de_2336,
        0x6948_f982_2190_6d0d_de3f_f995_e717_2238,
        0xea23_96c0_7166_9ef1_cb81_11ef_b3ed_c775,
        0x0a32_3e85_160e_64bf_f307_81bc_2c43_771e,
    ];
    for (i, input) in inputs.iter().enumerate() {
        assert_eq!(Xxh3::new().hash64(input), h64[i], "xxh3_64 of input {i}");
        assert_eq!(
            Xxh3::with_seed(SEED).hash64(input),
            h64_seeded[i],
            "seeded xxh3_64 of input {i}"
        );
        assert_eq!(Xxh3::new().hash128(input), h128[i], "xxh3_128 of input {i}");
        assert_eq!(Xxh3::with_seed(SEED).hash128(input), h128_seeded[i], "seeded xxh3_128 {i}");
        assert_eq!(Xxh3::new().uniform64(input), h64[i], "xxh3 needs no finalizer");
    }
}

/// FNV-1a vectors published with the algorithm (Noll's FNV test suite and
/// the IETF FNV draft).
#[test]
fn fnv1a_matches_the_published_vectors() {
    assert_eq!(Fnv1a.hash64(b""), 0xcbf2_9ce4_8422_2325);
    assert_eq!(Fnv1a.hash64(b"a"), 0xaf63_dc4c_8601_ec8c);
    assert_eq!(Fnv1a.hash64(b"foobar"), 0x8594_4171_f739_67e8);
    assert_eq!(Fnv1a.hash128(b""), 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d);
    assert_eq!(Fnv1a.hash128(b"a"), 0xd228_cb69_6f1a_8caf_7891_2b70_4e4a_8964);
    assert_eq!(Fnv1a.hash128(b"foobar"), 0x343e_1662_793c_64bf_6f0d_3597_ba44_6f18);
}

/// FNV-1a's finalized form is pinned too, since routers place keys with it:
/// SplitMix64's finalizer over the published FNV-1a values (computed
/// independently in Python from the constants).
#[test]
fn fnv1a_uniform_values_are_pinned() {
    assert_eq!(Fnv1a.uniform64(b"a"), 0x02c0_bdbf_4814_20f8);
    assert_eq!(Fnv1a.uniform128(b"foobar"), 0xeeaf_09bb_7745_d827_06b4_98d0_8669_0be3);
}

/// SipHash-1-3 reference vectors (key 00 01 … 0f, message 00 01 … n-1,
/// output as 8 little-endian bytes), as published with Rust's libcore tests
/// of the reference implementation.
#[test]
fn sip13_matches_the_reference_vectors() {
    const VECTORS: [&str; 16] = [
        "dcc40f055801acab",
        "93ca577df39bf4c9",
        "4dd4c74d029bcb82",
        "fbf7dde7b80af88b",
        "2883d388605775cf",
        "673b53492fd5f9de",
        "a7229fc5502b0dc5",
        "4011b19b987d92d3",
        "8e9a298d11959036",
        "e43d066cb38ea425",
        "7f09ff92ee85de79",
        "52c34df9c118c170",
        "a2d9b457b184a378",
        "a7ff29120c766f30",
        "345df9c011a15a60",
        "5699512a6dd820d3",
    ];
    const LAST: &str = "a8b3bbb76290199d"; // message of 63 bytes
    let hasher = Sip13::new(std::array::from_fn(|i| i as u8));
    let le = |hex: &str| {
        let bytes: Vec<u8> =
            (0..8).map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap()).collect();
        u64::from_le_bytes(bytes.try_into().unwrap())
    };
    for (len, hex) in VECTORS.iter().enumerate() {
        assert_eq!(hasher.hash64(&counting(len)), le(hex), "message of {len} bytes");
    }
    assert_eq!(hasher.hash64(&counting(63)), le(LAST));
    assert_eq!(Sip13::with_keys(0x0706_0504_0302_0100, 0x0f0e_0d0c_0b0a_0908), hasher);
}

/// Ids travel in byte formats (a Bloom filter's header), so they are pinned
/// like hash values.
#[test]
fn ids_are_pinned() {
    let xxh3 = Xxh3::with_seed(5).id();
    assert_eq!((xxh3.algorithm(), xxh3.tag()), (HashAlgorithm::Xxh3, 5));
    assert_eq!((Fnv1a.id().algorithm(), Fnv1a.id().tag()), (HashAlgorithm::Fnv1a, 0));
    // SipHash-1-3 of the 18 bytes "routekit hasher id" under the key
    // 00 01 .. 0f, computed independently (a Python SipHash-1-3 checked
    // against the reference vectors above).
    let sip = Sip13::new(std::array::from_fn(|i| i as u8)).id();
    assert_eq!((sip.algorithm(), sip.tag()), (HashAlgorithm::Sip13, 0xfec2_af37_78a0_0e8a));
    assert_eq!(Sip13::new([0; 16]).id().algorithm(), HashAlgorithm::Sip13);
    // XXH3-64 of the name with the tag as the seed (python-xxhash 4.1.0).
    let custom = HasherId::custom("routekit test: xxh3 seed 7 by another name", 7);
    assert_eq!((custom.algorithm(), custom.tag()), (HashAlgorithm::Custom, 0x1d07_367c_aa13_7850));
}
