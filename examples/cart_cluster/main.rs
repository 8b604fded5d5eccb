//! A cart service on real instances that keeps every cart through a
//! failure, a recovery, a join and a leave: routekit's parts together.
//!
//! `cargo run --release --example cart_cluster [-- --instances 4
//! --sessions 500 --operations 20000 --concurrency 32]` starts the
//! instances on 127.0.0.1, runs the load and the membership changes, checks
//! every cart against what its client was told, and prints the counts.

mod cart;
mod cluster;
mod http;
mod instance;
mod load;
mod routing;

use cart::Error;
use cluster::{Config, Report};

fn main() -> Result<(), Error> {
    let mut config =
        Config { instances: 4, sessions: 500, operations: 20_000, concurrency: 32, seed: 18 };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--instances" => config.instances = value.parse()?,
            "--sessions" => config.sessions = value.parse()?,
            "--operations" => config.operations = value.parse()?,
            "--concurrency" => config.concurrency = value.parse()?,
            "--seed" => config.seed = value.parse()?,
            other => return Err(format!("unknown flag {other}; see the example's docs").into()),
        }
    }
    println!(
        "cart_cluster: {} instances on 127.0.0.1, {} sessions, {} operations, {} at once, replication factor {}",
        config.instances,
        config.sessions,
        config.operations,
        config.concurrency,
        routing::REPLICATION
    );
    let report = cluster::run(&config)?;
    print(&report);
    if report.lost > 0
        || report.unexpected > 0
        || report.misplaced > 0
        || report.diverged > 0
        || report.failed > 0
    {
        return Err("the service broke a promise: see the counts above".into());
    }
    Ok(())
}

fn print(r: &Report) {
    let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    println!(
        "\nload: {} operations, {} HTTP requests in {:.1?}",
        r.operations, r.requests, r.elapsed
    );
    println!("  latency per operation: p50 {} µs, p99 {} µs", r.p50_us, r.p99_us);
    println!("  redirects (307 to the owner): {}", r.redirects);
    println!(
        "  failovers (owner gone, replica holder served): {} by clients, {} requests served",
        r.failovers, r.failover_served
    );
    println!("  balancer picks that did not answer: {}", r.balancer_retries);
    println!(
        "  retried 503/508 (views disagree mid-change, loop guard): {} ({} loop guards)",
        r.retries, r.loop_guards
    );
    println!("  checkouts: {} done, {} stale (412) and retried", r.checkouts, r.stale_checkouts);
    println!("  reads missing an acknowledged item: {}", r.stale_reads);
    println!(
        "  reads of sessions that never existed: {}; answered by a Bloom filter without a lookup: {} (false positives {})",
        r.ghost_reads, r.bloom_skipped, r.bloom_false_positives
    );
    println!(
        "  replication: {} changes sent, {} B of deltas vs {} B of whole carts ({:.3}×); {} writes changed nothing and sent nothing",
        r.replicated,
        r.delta_bytes,
        r.full_bytes,
        ratio(r.delta_bytes, r.full_bytes),
        r.unchanged
    );
    println!(
        "\nmembership changes (copies of sessions moved; must-move is the plan over the sessions held before/after the handoff):"
    );
    println!(
        "  {:<26} {:>7} {:>8} {:>14} {:>8} {:>6} {:>9} {:>10} {:>8} {:>8} {:>8}",
        "change",
        "members",
        "sessions",
        "must-move",
        "planned",
        "moved",
        "received",
        "unplanned",
        "ideal",
        "dropped",
        "bytes"
    );
    for c in &r.changes {
        println!(
            "  {:<26} {:>7} {:>8} {:>14} {:>8} {:>6} {:>9} {:>10} {:>8.0} {:>8} {:>8}",
            c.label,
            c.members,
            c.sessions,
            format!("{}..{}", c.must_move_before, c.must_move_after),
            c.planned,
            c.moved,
            c.received,
            c.unplanned,
            c.ideal,
            c.dropped,
            c.bytes
        );
    }
    println!("\ncarts at the end: {} sessions", r.sessions);
    println!(
        "  items acknowledged: {}, present: {}, lost: {}, present but never acknowledged: {}",
        r.acknowledged, r.present, r.lost, r.unexpected
    );
    println!(
        "  sessions not on exactly their 2 holders: {}, with copies that differ: {}",
        r.misplaced, r.diverged
    );
    println!("  operations that gave up: {}", r.failed);
    for e in &r.errors {
        println!("  error: {e}");
    }
}
