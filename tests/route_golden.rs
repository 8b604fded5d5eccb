//! Golden placements: a fixed node set and fixed keys, with the preference
//! list of each key pinned for every strategy and hasher. A release that
//! changes any of these moves users' keys, so it may not do so silently.
//!
//! Each string lists, for the keys `key-0` … `key-11`, the first letter of
//! the first three nodes of the key's preference list.

use routekit::hash::{Fnv1a, KeyHasher, Sip13, Xxh3};
use routekit::route::{HashRing, Rendezvous, Router};

const NODES: [(&str, f64); 5] =
    [("alpha", 1.0), ("bravo", 1.0), ("charlie", 2.0), ("delta", 0.5), ("echo", 1.0)];
const SIP_KEY: [u8; 16] = *b"routekit golden!";

fn placements<R: Router<Node = &'static str>>(router: &R) -> String {
    (0..12)
        .map(|i| {
            let prefs = router.route_n(format!("key-{i}").as_bytes(), 3).unwrap();
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
    assert_eq!(router.score(b"key-0", b"alpha").unwrap().to_bits(), 0x4009_110d_0ecb_bf04);
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
