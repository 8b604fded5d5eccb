//! The cart cluster example, smaller: real instances on loopback through a
//! kill, a recovery, a join and a leave, checked against what every client
//! was acknowledged.

#[path = "../examples/cart_cluster/cart.rs"]
mod cart;
// The example prints counts this test does not assert on.
#[allow(dead_code)]
#[path = "../examples/cart_cluster/cluster.rs"]
mod cluster;
#[path = "../examples/cart_cluster/http.rs"]
mod http;
#[path = "../examples/cart_cluster/instance.rs"]
mod instance;
#[allow(dead_code)]
#[path = "../examples/cart_cluster/load.rs"]
mod load;
#[path = "../examples/cart_cluster/routing.rs"]
mod routing;

use cluster::{Config, run};

#[test]
fn every_acknowledged_item_survives_a_kill_a_recovery_a_join_and_a_leave() -> Result<(), cart::Error>
{
    let config = Config { instances: 4, sessions: 80, operations: 2_000, concurrency: 8, seed: 7 };
    let report = run(&config)?;
    assert!(report.errors.is_empty(), "client errors: {:?}", report.errors);
    assert_eq!(report.failed, 0);

    // Nothing acknowledged is lost, nothing removed comes back, every read
    // showed every acknowledged item.
    assert!(report.acknowledged > 0);
    assert_eq!(report.lost, 0);
    assert_eq!(report.unexpected, 0);
    assert_eq!(report.present, report.acknowledged);
    assert_eq!(report.stale_reads, 0);

    // Routing: clients arrive anywhere and are redirected; while the killed
    // instance is still a member, its sessions are served by their replica.
    assert!(report.redirects > 0);
    assert!(report.failover_served > 0);
    assert_eq!(report.loop_guards, 0);

    // Stale checkouts are refused and retried; reads of unknown sessions
    // stop at the Bloom filter; writes that change nothing send nothing.
    assert!(report.stale_checkouts > 0 && report.checkouts > 0);
    assert!(report.ghost_reads > 0);
    assert_eq!(report.bloom_skipped + report.bloom_false_positives, report.ghost_reads);
    assert!(report.unchanged > 0);
    assert!(report.delta_bytes < report.full_bytes);

    // Each change moved exactly what its plan named, nothing else, and the
    // plan covers every session held before the handoff.
    let labels: Vec<&str> = report.changes.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "cart-1 declared dead",
            "cart-1 recovered, empty",
            "cart-4 joined",
            "cart-2 left for good"
        ]
    );
    for change in &report.changes {
        assert!(change.planned > 0, "{}: nothing planned", change.label);
        assert_eq!(change.moved, change.planned, "{}", change.label);
        assert_eq!(change.received, change.planned, "{}", change.label);
        assert_eq!(change.unplanned, 0, "{}", change.label);
        assert!(change.must_move_before <= change.planned, "{}", change.label);
        assert!(change.planned <= change.must_move_after, "{}", change.label);
    }
    // Removing a member only adds copies elsewhere; the others drop what
    // they no longer hold.
    assert_eq!(report.changes[0].dropped, 0);
    assert!(report.changes[1..].iter().all(|c| c.dropped > 0));

    // At the end every session is on exactly its two holders, copies alike.
    assert!(report.sessions > 0);
    assert_eq!(report.misplaced, 0);
    assert_eq!(report.diverged, 0);
    Ok(())
}
