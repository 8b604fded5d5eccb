//! The read-path guard: a Bloom filter in front of a slow store answers
//! "certainly not there" for absent keys without a lookup.
//!
//! A store holds 100,000 user ids; 1,000,000 requests arrive, one in five for
//! an existing user and the rest for ids that do not exist (typos, scanners,
//! deleted accounts). Every request the filter rejects is a store lookup
//! avoided; the absent ids it lets through are its false positives.
//!
//! ```sh
//! cargo run --release --example bloom_guard
//! ```

use std::collections::HashSet;
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;

use routekit::Sip13;
use routekit::bloom::{BloomFilter, BuildError, Filter};

/// Stands in for a database or a remote cache: every `get` is a round trip.
struct SlowStore {
    users: HashSet<String>,
    lookups: u64,
}

impl SlowStore {
    fn get(&mut self, id: &str) -> Option<&String> {
        self.lookups += 1;
        self.users.get(id)
    }
}

const USERS: u64 = 100_000;
const REQUESTS: u64 = 1_000_000;
const TARGET_FPR: f64 = 0.01;

fn main() -> Result<(), BuildError> {
    let mut store =
        SlowStore { users: (0..USERS).map(|i| format!("user-{i:08}")).collect(), lookups: 0 };

    // Clients choose the ids they send, so the filter hashes with a secret
    // SipHash key: nobody can craft ids that pass it. This key is random per
    // process, which is right for a filter that never leaves it; instances
    // that exchange filters must share one key from a secret store.
    let secret = secret_key();
    let mut guard = BloomFilter::with_hasher(USERS, TARGET_FPR, Sip13::new(secret))?;
    for id in &store.users {
        guard.insert(id.as_bytes());
    }

    let (mut found, mut absent, mut avoided, mut false_positives) = (0u64, 0u64, 0u64, 0u64);
    for request in 0..REQUESTS {
        // Every fifth request names an existing user; the others do not exist.
        let id = if request % 5 == 0 {
            format!("user-{:08}", (request / 5) % USERS)
        } else {
            format!("user-{:08}", USERS + request)
        };
        let exists = request % 5 == 0;
        absent += u64::from(!exists);
        if !guard.contains(id.as_bytes()) {
            avoided += 1; // certainly absent: no lookup
            continue;
        }
        match store.get(&id) {
            Some(_) => found += 1,
            None => false_positives += 1,
        }
    }

    assert_eq!(found, REQUESTS / 5, "a Bloom filter never hides a stored key");
    let measured = false_positives as f64 / absent as f64;
    println!(
        "filter: {} bits ({:.1} bits per user, {} KiB), k = {}, keyed Sip13",
        guard.bits(),
        guard.bits() as f64 / USERS as f64,
        guard.bits() / 8 / 1024,
        guard.hashes()
    );
    println!("requests: {REQUESTS} ({found} for existing users, {absent} for absent ids)");
    println!(
        "store lookups: {} instead of {REQUESTS}; lookups avoided: {avoided} ({:.2}% of the absent ids)",
        store.lookups,
        100.0 * avoided as f64 / absent as f64
    );
    println!(
        "false positives: {false_positives}, measured fpr {:.3}% (target {:.3}%, expected at this fill {:.3}%)",
        100.0 * measured,
        100.0 * TARGET_FPR,
        100.0 * guard.expected_fpr()
    );
    Ok(())
}

/// 16 bytes from the standard library's per-process random hasher seeds.
fn secret_key() -> [u8; 16] {
    let half = || RandomState::new().hash_one("routekit bloom_guard");
    let mut key = [0; 16];
    key[..8].copy_from_slice(&half().to_le_bytes());
    key[8..].copy_from_slice(&half().to_le_bytes());
    key
}
