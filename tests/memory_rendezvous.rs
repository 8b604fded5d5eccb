//! Rendezvous membership changes reserve their tables fallibly: a change the
//! allocator cannot serve is `RouteError::OutOfMemory`, and the router is
//! left as it was.
//!
//! The test binary runs under a capped global allocator; one test function
//! runs every case in turn, since the cap is global.

use std::alloc::System;

use cap::Cap;
use routekit::route::{Membership, Rendezvous, RouteError, Router, Weighted};

#[global_allocator]
static ALLOCATOR: Cap<System> = Cap::new(System, usize::MAX);

/// Runs `change` with at most `budget` bytes more than are allocated now.
fn within<T>(budget: usize, change: impl FnOnce() -> T) -> T {
    ALLOCATOR
        .set_limit(ALLOCATOR.allocated() + budget)
        .expect("the cap is above what is allocated");
    let result = change();
    ALLOCATOR.set_limit(usize::MAX).expect("raising the cap");
    result
}

#[test]
fn a_refused_reservation_is_an_error_and_changes_nothing() {
    let mut router = Rendezvous::new();
    router.extend((0..1_000).map(|i| format!("node-{i}"))).unwrap();
    let routes = |router: &Rendezvous<String>| -> Vec<String> {
        (0u32..200).map(|k| router.route(&k.to_le_bytes()).unwrap().clone()).collect()
    };
    let before = routes(&router);

    // 100,000 new nodes (made before the cap) need megabytes of tables.
    let many: Vec<(String, f64)> = (0..100_000).map(|i| (format!("new-{i}"), 2.0)).collect();
    let refused = within(64 << 10, || router.extend_weighted(many.iter().cloned()));
    assert!(matches!(refused, Err(RouteError::OutOfMemory { bytes, .. }) if bytes > 64 << 10));
    assert_eq!(router.len(), 1_000);
    assert_eq!(routes(&router), before);

    // An iterator that claims more items than memory can hold.
    struct Claims(usize);
    impl Iterator for Claims {
        type Item = String;
        fn next(&mut self) -> Option<String> {
            None
        }
        fn size_hint(&self) -> (usize, Option<usize>) {
            (self.0, None)
        }
    }
    let refused = router.extend(Claims(usize::MAX / 4));
    assert!(matches!(refused, Err(RouteError::OutOfMemory { .. })), "{refused:?}");
    assert_eq!(routes(&router), before);

    // Within the budget, the same change succeeds.
    router.extend_weighted(many.iter().take(10).cloned()).unwrap();
    assert_eq!(router.len(), 1_010);
}
