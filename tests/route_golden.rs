//! Golden placements: a fixed node set and fixed keys, with the preference
//! list of each key pinned for every strategy and hasher. A release that
//! changes any of these moves users' keys, so it may not do so silently.
//!
//! Each string lists, for the keys `key-0` … `key-11`, the first letter of
//! the first three nodes of the key's preference list.

use routekit::hash::{Fnv1a, KeyHasher, Sip13, Xxh3};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use routekit::route::{
    HashRing, JumpBackHash, JumpHash, Maglev, Membership, MementoHash, NodeId, Rendezvous, Router,
    Weighted,
};

const NODES: [(&str, f64); 5] =
    [("alpha", 1.0), ("bravo", 1.0), ("charlie", 2.0), ("delta", 0.5), ("echo", 1.0)];
const SIP_KEY: [u8; 16] = *b"routekit golden!";

fn placements<R: Router<Node = &'static str>>(router: &R) -> String {
    (0..12)
        .map(|i| {
            let prefs = router.route_n(format!("key-{i}").as_bytes(), 3);
            prefs.iter().map(|node| &node[..1]).collect::<String>()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn ring<H: KeyHasher>(hasher: H) -> HashRing<&'static str, H> {
    let mut ring = HashRing::builder().hasher(hasher).build().unwrap();
    ring.extend_weighted(NODES).unwrap();
    ring
}

fn rendezvous<H: KeyHasher>(hasher: H, weighted: bool) -> Rendezvous<&'static str, H> {
    let mut router = Rendezvous::with_hasher(hasher);
    for (node, weight) in NODES {
        router.insert_weighted(node, if weighted { weight } else { 1.0 }).unwrap();
    }
    router
}

#[test]
fn ring_placements_are_pinned() {
    assert_eq!(placements(&ring(Xxh3::new())), "bec ebc eac cea cae aed bac cbe edc eca ceb ecd");
    assert_eq!(
        placements(&ring(Xxh3::with_seed(42))),
        "cae dce cab ecb cae edc cbd bcd ced bca ecd eab"
    );
    assert_eq!(placements(&ring(Fnv1a)), "ace cad eba ced cab eca abe ace ebd bca cbd dce");
    assert_eq!(
        placements(&ring(Sip13::new(SIP_KEY))),
        "deb cba bde cad cea acb cbe cea aed cad acb eca"
    );
}

#[test]
fn rendezvous_placements_are_pinned() {
    assert_eq!(
        placements(&rendezvous(Xxh3::new(), true)),
        "cba dab bca ecb dba dac cad cbe edc acb dbc ace"
    );
    assert_eq!(
        placements(&rendezvous(Xxh3::with_seed(42), true)),
        "ebc cda abc cba edc bac bca ced acb cea eac ced"
    );
    assert_eq!(
        placements(&rendezvous(Fnv1a, true)),
        "cea cae eca aec dcb cbe cea dbe acb bce aec adc"
    );
    assert_eq!(
        placements(&rendezvous(Sip13::new(SIP_KEY), true)),
        "bda ecb bed cea cda ceb bce ebc dec eab bae ebc"
    );
    assert_eq!(
        placements(&rendezvous(Xxh3::new(), false)),
        "cba dab bac ecd dba dac dca cbe edc adb dbc ade"
    );
    assert_eq!(
        placements(&rendezvous(Sip13::new(SIP_KEY), false)),
        "bda eba bed cea dca ceb bec eba deb eab bae ebc"
    );
}

#[test]
fn rendezvous_scores_are_pinned_to_the_bit() {
    let router = rendezvous(Xxh3::new(), true);
    assert_eq!(router.score(b"key-0", "alpha").unwrap().to_bits(), 0x4009_110d_0ecb_bf04);
}

#[test]
fn ring_point_counts_follow_the_weights() {
    let ring = ring(Xxh3::new());
    let counts: Vec<(&str, u32)> = ring.nodes().map(|(n, _, points)| (*n, points)).collect();
    assert_eq!(
        counts,
        [("alpha", 160), ("bravo", 160), ("charlie", 320), ("delta", 80), ("echo", 160)]
    );
}

fn filled<R: Weighted<Node = &'static str, Weight = f64>>(mut router: R, weighted: bool) -> R {
    for (node, weight) in NODES {
        router.insert_weighted(node, if weighted { weight } else { 1.0 }).unwrap();
    }
    router
}

fn memento<H: KeyHasher>(hasher: H) -> MementoHash<&'static str, H> {
    let mut router = MementoHash::with_hasher(hasher);
    for (node, _) in NODES {
        router.insert(node).unwrap();
    }
    router
}

fn jump<H: KeyHasher>(hasher: H) -> JumpHash<&'static str, H> {
    let mut router = JumpHash::with_hasher(hasher);
    for (node, _) in NODES {
        router.push(node).unwrap();
    }
    router
}

fn jump_back<H: KeyHasher>(hasher: H) -> JumpBackHash<&'static str, H> {
    let mut router = JumpBackHash::with_hasher(hasher);
    router.extend(NODES.map(|(node, _)| node)).unwrap();
    router
}

#[test]
fn jump_placements_are_pinned() {
    assert_eq!(placements(&jump(Xxh3::new())), "bae bae ecb aed dae eba aed cae cba cba cba cba");
    assert_eq!(placements(&jump(Fnv1a)), "aed bae dcb bae cae bae aed aed dca aed cba eba");
    assert_eq!(
        placements(&jump(Sip13::new(SIP_KEY))),
        "dcb ead bae bae cba edb cae bae aed cba cba dae"
    );
}

#[test]
fn jump_reference_vectors() {
    // Lamping and Veach's reference JumpConsistentHash(key, num_buckets).
    for (key, buckets, bucket) in [(1, 10, 6), (42, 57, 43), (256, 1024, 520)] {
        assert_eq!(JumpHash::bucket(key, buckets), Some(bucket), "({key}, {buckets})");
    }
}

#[test]
fn jump_back_placements_are_pinned() {
    assert_eq!(
        placements(&jump_back(Xxh3::new())),
        "edc bae cae aed cae bae bae cba edb bae aed cba"
    );
    assert_eq!(placements(&jump_back(Fnv1a)), "edb dcb cba dae dba aed aed cae ecb cba aed edb");
    assert_eq!(
        placements(&jump_back(Sip13::new(SIP_KEY))),
        "dba bae aed bae cae aed bae ead bae cae aed aed"
    );
}

#[test]
fn jump_back_equals_hash4j() {
    // 2,000 cases of hash4j's checksum loop (hash, bucket count, bucket), written
    // by tests/data/jump_back_hash4j_generate.rs, which also reproduces hash4j's
    // pinned checksum over the loop's full million cases.
    let vectors = include_str!("data/jump_back_hash4j.txt");
    let mut checked = 0;
    for line in vectors.lines() {
        let fields: Vec<&str> = line.split(' ').collect();
        let hash = u64::from_str_radix(fields[0], 16).unwrap();
        let (buckets, bucket): (u32, u32) =
            (fields[1].parse().unwrap(), fields[2].parse().unwrap());
        assert_eq!(JumpBackHash::bucket(hash, buckets), Some(bucket), "{line}");
        checked += 1;
    }
    assert_eq!(checked, 2000);
}

#[test]
fn memento_placements_are_pinned() {
    let mut router = memento(Xxh3::new());
    assert_eq!(placements(&router), "edc bae ced abc cea bac bce cab edb bad acb cbe");
    router.remove("bravo").unwrap();
    router.remove("delta").unwrap();
    assert_eq!(placements(&router), "eca ace cea ace cea aec cea cae eac ace aec cae");
    router.insert("foxtrot").unwrap(); // takes delta's bucket
    assert_eq!(placements(&router), "eca aec cfe aec cea ace cef cae eaf afe aec cae");
    let mut sip = memento(Sip13::new(SIP_KEY));
    sip.remove("alpha").unwrap();
    assert_eq!(placements(&sip), "deb bcd dcb bec cbd dec bcd ebd bde ced ced ecb");
}

#[test]
fn maglev_placements_are_pinned() {
    assert_eq!(
        placements(&filled(Maglev::new(), true)),
        "bcd ead bde cbd aed eba bde bad cba ced acb deb"
    );
    assert_eq!(
        placements(&filled(Maglev::new(), false)),
        "bcd ead bde cbd aed eba bde bad cba ced acb deb"
    );
    let fnv: Maglev<&str, Fnv1a> = Maglev::with_hasher(Fnv1a);
    assert_eq!(placements(&filled(fnv, true)), "eab ebc cda bea ecb ebd abc deb bad eac cdb cbe");
    let sip: Maglev<&str, Sip13> =
        Maglev::builder().table_size(1009).hasher(Sip13::new(SIP_KEY)).build().unwrap();
    assert_eq!(placements(&filled(sip, true)), "ead cbd bcd cbe dce dca eac adb edb edb cba cda");
}

#[test]
fn maglev_table_is_pinned() {
    let router = filled(Maglev::new(), true);
    let head: String = router.table().take(24).map(|node| &node[..1]).collect();
    assert_eq!(head, "cabcbccdbeacdacaccadabab");
    let counts: Vec<usize> =
        NODES.iter().map(|(n, _)| router.table().filter(|owner| *owner == n).count()).collect();
    // 65,537 × weight / 5.5 = 11,915.8 (×2: 23,831.6; ×0.5: 5,957.9); the
    // four entries left go to the largest remainders: delta, then alpha,
    // bravo and echo.
    assert_eq!(counts, [11_916, 11_916, 23_831, 5_958, 11_916]);
}

/// Nodes of other types place exactly as their identity bytes would as a
/// byte string: an address as its text, an integer as its little-endian
/// bytes. So these vectors are the string vectors above, reached through
/// `NodeId`.
#[test]
fn typed_nodes_place_as_their_identity_bytes() {
    let addresses: [SocketAddr; 3] =
        ["10.0.0.1:80", "10.0.0.2:80", "[2001:db8::7]:443"].map(|a| a.parse().unwrap());
    let texts = ["10.0.0.1:80", "10.0.0.2:80", "[2001:db8::7]:443"];
    let mut by_address = HashRing::new();
    by_address.extend(addresses).unwrap();
    let mut by_text = HashRing::new();
    by_text.extend(texts).unwrap();
    let ips: [IpAddr; 2] = [Ipv4Addr::new(10, 0, 0, 1).into(), "::1".parse().unwrap()];
    let mut by_ip = Rendezvous::new();
    by_ip.extend(ips).unwrap();
    let mut by_ip_text = Rendezvous::new();
    by_ip_text.extend(["10.0.0.1", "::1"]).unwrap();
    let mut by_number = Maglev::builder().table_size(1009).build().unwrap();
    by_number.extend([7u64, 1 << 40, 12_345]).unwrap();
    let mut by_bytes = Maglev::builder().table_size(1009).build().unwrap();
    by_bytes.extend([7u64, 1 << 40, 12_345].map(|n| n.to_le_bytes().to_vec())).unwrap();
    let mut jump_numbers = JumpBackHash::new();
    jump_numbers.extend(0..5u32).unwrap();
    for i in 0..200 {
        let key = format!("key-{i}");
        let key = key.as_bytes();
        let owner = by_address.route(key).unwrap().id_bytes();
        assert_eq!(owner.as_ref(), by_text.route(key).unwrap().as_bytes());
        let owner = by_ip.route(key).unwrap().id_bytes();
        assert_eq!(owner.as_ref(), by_ip_text.route(key).unwrap().as_bytes());
        let owner = by_number.route(key).unwrap().id_bytes();
        assert_eq!(&owner[..], &by_bytes.route(key).unwrap()[..]);
        // Jump-style placement ignores identities: bucket i is node i.
        let bucket = JumpBackHash::bucket(routekit::Xxh3::new().uniform64(key), 5).unwrap();
        assert_eq!(jump_numbers.route(key), Some(&bucket));
    }
    // And one pinned vector, so the address text cannot drift.
    let owners: String = (0..12)
        .map(|i| match by_address.route(format!("key-{i}").as_bytes()).unwrap() {
            SocketAddr::V4(v4) => char::from(b'0' + v4.ip().octets()[3]),
            SocketAddr::V6(_) => '6',
        })
        .collect();
    // Computed with string nodes by the release before `NodeId` existed.
    assert_eq!(owners, "622611212662");
}
