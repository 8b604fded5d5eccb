//! Sticky sessions with a replica on the next instance.
//!
//! 100,000 sessions live on 10 instances; each session also has a replica on
//! the second node of its preference list. One instance fails: only its
//! sessions move, each to the instance that already holds its replica. Then a
//! new instance joins: about 1/11 of the sessions move to it, and nothing else
//! moves.
//!
//! ```sh
//! cargo run --release --example sticky_sessions
//! ```

use std::collections::HashSet;
use std::process::ExitCode;

use routekit::route::{HashRing, Membership, Router, SharedRouter};

const SESSIONS: usize = 100_000;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(problem) => {
            eprintln!("sticky_sessions: {problem}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let instances: Vec<String> = (1..=10).map(|i| format!("app-{i:02}.internal:8080")).collect();
    let router = SharedRouter::new(HashRing::new());
    router.update(|ring| ring.extend(instances.iter().cloned()))?;
    let sessions: Vec<String> =
        (0..SESSIONS).map(|i| format!("sess-{:08x}", i * 2_654_435_761 % (1 << 32))).collect();

    // Where each session lives, and where its replica lives.
    let ring = router.load();
    let placed: Vec<(String, String)> = sessions
        .iter()
        .map(|s| {
            let prefs = ring.route_n(s.as_bytes(), 2);
            (prefs[0].clone(), prefs[1].clone())
        })
        .collect();
    println!(
        "{SESSIONS} sessions on {} instances, each with a replica on its next instance",
        ring.len()
    );

    // One instance fails. The health checker marks it down; the ring is not
    // rebuilt, and every lookup skips it.
    let failed = instances[3].clone();
    let down: HashSet<&str> = HashSet::from([failed.as_str()]);
    let healthy = |node: &String| !down.contains(node.as_str());
    let (mut moved, mut to_replica) = (0, 0);
    for (session, (owner, replica)) in sessions.iter().zip(&placed) {
        let now = ring.route_healthy(session.as_bytes(), &healthy).ok_or("no healthy instance")?;
        if now != owner {
            moved += 1;
            if now == replica {
                to_replica += 1;
            }
            if *owner != failed {
                return Err(format!("{session} moved off healthy {owner}").into());
            }
        }
    }
    let owned_by_failed = placed.iter().filter(|(owner, _)| *owner == failed).count();
    println!(
        "{failed} fails: {moved} sessions move ({owned_by_failed} were on it); \
         {to_replica} of them to the instance holding their replica"
    );
    if moved != owned_by_failed || to_replica != moved {
        return Err("failover moved sessions other than the failed instance's".into());
    }

    // Removing it for good would route every session exactly as failover did.
    let mut without = HashRing::clone(&ring);
    without.remove(&failed)?;
    let same = sessions
        .iter()
        .filter(|s| without.route(s.as_bytes()) == ring.route_healthy(s.as_bytes(), &healthy))
        .count();
    println!("removing {failed} instead: {same} of {SESSIONS} sessions route as during failover");
    println!("{failed} recovers: its sessions route back to it");
    let before: Vec<String> = sessions
        .iter()
        .map(|s| ring.route(s.as_bytes()).cloned())
        .collect::<Option<_>>()
        .ok_or("empty ring")?;
    drop(ring);

    // A new instance joins: sessions move only onto it, about 1/(n+1) of them.
    let joined = "app-11.internal:8080".to_string();
    router.update(|ring| ring.insert(joined.clone()))?;
    let ring = router.load();
    let mut moved_to_new = 0;
    for (session, was) in sessions.iter().zip(&before) {
        let now = ring.route(session.as_bytes()).ok_or("empty ring")?;
        if now != was {
            if *now != joined {
                return Err(format!(
                    "{session} moved from {was} to {now}, not to the new instance"
                )
                .into());
            }
            moved_to_new += 1;
        }
    }
    println!(
        "{joined} joins: {moved_to_new} sessions move to it ({:.2}%, ideal 1/{} = {:.2}%); no other session moves",
        100.0 * moved_to_new as f64 / SESSIONS as f64,
        ring.len(),
        100.0 / ring.len() as f64
    );
    Ok(())
}
