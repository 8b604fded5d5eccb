//! Move state when membership changes, exactly as the handoff plans say.
//!
//! 100,000 sessions' state lives on 8 instances, each indexing its sessions
//! by ring position so that a range plan is a range scan. Three changes
//! follow: an instance joins, one leaves for good, one's weight doubles.
//! Each time every instance moves exactly the ranges the plan names, and
//! the example checks that every session is then held by its owner, that
//! nothing was lost, and that nothing moved needlessly, printing the counts
//! against the ideal. A request arriving at the wrong instance is forwarded
//! once to the owner, with the loop guard's headers.
//!
//! ```sh
//! cargo run --release --example handoff
//! ```

use std::collections::{BTreeMap, HashMap};
use std::error::Error;
use std::process::ExitCode;

use routekit::route::handoff::{Decision, Handoff, Incoming, Ownership};
use routekit::route::{HashRing, Membership, Router, Weighted};

const SESSIONS: usize = 100_000;

/// One instance's sessions, by (ring position, session id).
type Store = BTreeMap<(u64, String), Session>;

#[derive(Clone, Debug, PartialEq)]
struct Session {
    cart_items: u32,
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(problem) => {
            eprintln!("handoff: {problem}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn Error>> {
    let names: Vec<String> = (1..=9).map(|i| format!("10.0.0.{i}:8080")).collect();
    let mut ring = HashRing::new();
    ring.extend(names[..8].iter().cloned())?;

    // Every session starts on its owner.
    let mut stores: HashMap<String, Store> =
        names.iter().map(|n| (n.clone(), Store::new())).collect();
    for i in 0..SESSIONS {
        let id = format!("session-{i:06}");
        let owner = ring.route(id.as_bytes()).ok_or("no instances")?.clone();
        let position = ring.position(id.as_bytes());
        stores
            .get_mut(&owner)
            .ok_or("unknown owner")?
            .insert((position, id), Session { cart_items: i as u32 % 7 });
    }
    println!("{SESSIONS} sessions on {} instances", ring.len());
    println!("{:<34} {:>8} {:>8} {:>8} {:>7}", "change", "moved", "changed", "ideal", "ranges");

    // An instance joins: only sessions onto it should move, about 1/9.
    let mut joined = ring.clone();
    joined.insert(names[8].clone())?;
    let ideal = SESSIONS as f64 / 9.0;
    ring = apply("10.0.0.9 joins", &ring, joined, &mut stores, ideal)?;

    // An instance leaves for good: only its sessions move.
    let leaving = names[2].clone();
    let held = stores[&leaving].len() as f64;
    let mut left = ring.clone();
    left.remove(&leaving)?;
    ring = apply("10.0.0.3 leaves for good", &ring, left, &mut stores, held)?;
    if !stores[&leaving].is_empty() {
        return Err("the leaving instance still holds state".into());
    }
    stores.remove(&leaving);

    // An instance's weight doubles: it takes 2/9 instead of 1/8 of the keys.
    let heavier = names[0].clone();
    let mut reweighted = ring.clone();
    reweighted.remove(&heavier)?;
    reweighted.insert_weighted(heavier.clone(), 2.0)?;
    let ideal = SESSIONS as f64 * (2.0 / 9.0 - 1.0 / 8.0);
    ring = apply("10.0.0.1 weight 1 -> 2", &ring, reweighted, &mut stores, ideal)?;

    // A request for a session reaches the wrong instance: forwarded once.
    let id = b"session-004242";
    let owner = ring.route(id).ok_or("no instances")?.clone();
    let elsewhere = stores.keys().find(|n| **n != owner).ok_or("one instance")?.clone();
    let at_wrong = Ownership::new(&ring, &elsewhere);
    let Decision::Forward { owner: to, outgoing } = at_wrong.decide(id, Incoming::client()) else {
        return Err("the wrong instance did not forward".into());
    };
    let headers = outgoing.headers();
    let received = Incoming::from_headers(Some(&headers[0].1), Some(&headers[1].1))?;
    let at_owner = Ownership::new(&ring, to);
    if at_owner.decide(id, received) != Decision::Serve {
        return Err("the owner did not serve".into());
    }
    println!("request at {elsewhere} forwarded to {to} with {headers:?}; served there");
    Ok(())
}

/// Moves what the range plan from `before` to `after` names, then checks
/// every session against `after` and prints the counts.
fn apply(
    label: &str,
    before: &HashRing<String>,
    after: HashRing<String>,
    stores: &mut HashMap<String, Store>,
    ideal: f64,
) -> Result<HashRing<String>, Box<dyn Error>> {
    let total_before: usize = stores.values().map(Store::len).sum();
    // Brute force: the sessions whose owner changes (what must move).
    let mut changed = 0;
    for store in stores.values() {
        for (_, id) in store.keys() {
            if before.route(id.as_bytes()) != after.route(id.as_bytes()) {
                changed += 1;
            }
        }
    }

    let plan = Handoff::new(before, &after)?;
    let ranges = plan.ranges();
    let mut moved = 0;
    for range in &ranges {
        let (from, to) = match (range.from(), range.to()) {
            (Some(from), Some(to)) => (from.clone(), to.clone()),
            _ => return Err("a range with no owner".into()),
        };
        // A range scan of the old owner's store, in one or two pieces.
        let (first, wrapped) = range.range().pieces(u64::MAX);
        let mut taken = Vec::new();
        let source = stores.get_mut(&from).ok_or("unknown instance")?;
        for piece in std::iter::once(first).chain(wrapped) {
            let lower = (*piece.start(), String::new());
            let keys: Vec<(u64, String)> = source
                .range(lower..)
                .take_while(|((position, _), _)| *position <= *piece.end())
                .map(|(key, _)| key.clone())
                .collect();
            for key in keys {
                let session = source.remove(&key).ok_or("vanished")?;
                taken.push((key, session));
            }
        }
        moved += taken.len();
        let target = stores.entry(to).or_default();
        for (key, session) in taken {
            if target.insert(key, session).is_some() {
                return Err("a session was held twice".into());
            }
        }
    }

    // Every session is on its owner, none lost, nothing moved needlessly.
    let total_after: usize = stores.values().map(Store::len).sum();
    if total_after != total_before || total_after != SESSIONS {
        return Err(format!("{total_before} sessions before, {total_after} after").into());
    }
    for (instance, store) in stores.iter() {
        for ((position, id), session) in store {
            if after.route(id.as_bytes()) != Some(instance)
                || *position != after.position(id.as_bytes())
            {
                return Err(format!("{id} is on {instance}, not its owner").into());
            }
            let i: u32 = id["session-".len()..].parse()?;
            if session.cart_items != i % 7 {
                return Err(format!("{id} lost its state").into());
            }
        }
    }
    if moved != changed {
        return Err(format!("moved {moved} sessions, but {changed} changed owner").into());
    }
    println!("{label:<34} {moved:>8} {changed:>8} {ideal:>8.0} {:>7}", ranges.len());
    Ok(after)
}
