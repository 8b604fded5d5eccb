//! `RetryPolicy::retry_async`: the caller's timer is awaited between
//! attempts, errors that are not conflicts end at once, the attempt limit
//! holds, and concurrent async read-modify-writes lose no update.

use std::cell::RefCell;
use std::time::Duration;

use routekit::optimistic::{OptimisticError, RetryError, RetryPolicy, VersionedCell};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap()
}

/// A conflict, as a stale compare-and-set makes one.
fn conflict() -> OptimisticError {
    VersionedCell::new(()).compare_and_set(99, ()).unwrap_err()
}

fn policy(attempts: u32) -> RetryPolicy {
    RetryPolicy::builder()
        .max_attempts(attempts)
        .initial_backoff(Duration::from_millis(2))
        .max_backoff(Duration::from_millis(8))
        .build()
        .unwrap()
}

#[test]
fn waits_with_the_callers_timer_between_conflicts() {
    let waits = RefCell::new(Vec::new());
    let done = runtime().block_on(policy(5).retry_async(
        |attempt| async move { if attempt < 3 { Err(conflict()) } else { Ok(attempt) } },
        |delay| {
            waits.borrow_mut().push(delay);
            async {}
        },
    ));
    let done = done.unwrap();
    assert_eq!((done.value, done.attempts), (3, 3));
    let waits = waits.into_inner();
    assert_eq!(waits.len(), 2, "one wait after each conflict: {waits:?}");
    assert!(waits.iter().all(|&w| w <= Duration::from_millis(8)), "{waits:?}");
}

#[test]
fn an_error_that_is_not_a_conflict_ends_at_once() {
    let mut waited = 0;
    let gone = runtime().block_on(policy(5).retry_async(
        |_| async { Err::<(), _>(OptimisticError::NotFound) },
        |_| {
            waited += 1;
            async {}
        },
    ));
    assert!(matches!(gone, Err(RetryError::Failed { attempts: 1, .. })), "{gone:?}");
    assert_eq!(waited, 0);
}

#[test]
fn the_attempt_limit_holds() {
    let mut waited = 0;
    let always = runtime().block_on(policy(4).retry_async(
        |_| async { Err::<(), _>(conflict()) },
        |_| {
            waited += 1;
            async {}
        },
    ));
    assert!(matches!(always, Err(RetryError::Exhausted { attempts: 4, .. })), "{always:?}");
    assert_eq!(waited, 3);
}

/// Eight tasks on one thread, each yielding between its read and its
/// compare-and-set so the others interleave: every increment lands, and
/// conflicts happened and were retried.
#[test]
fn concurrent_async_increments_lose_nothing() {
    let cell = VersionedCell::new(0u64);
    let policy = RetryPolicy::builder().max_attempts(1_000).build().unwrap();
    let retried = RefCell::new(0u32);
    runtime().block_on(async {
        let task = || async {
            for _ in 0..200 {
                let done = policy
                    .retry_async(
                        |_| async {
                            let (seen, value) = cell.read(|v| (v.version, v.value));
                            tokio::task::yield_now().await;
                            cell.compare_and_set(seen, value + 1)
                        },
                        tokio::time::sleep,
                    )
                    .await
                    .unwrap();
                *retried.borrow_mut() += done.attempts - 1;
            }
        };
        tokio::join!(task(), task(), task(), task(), task(), task(), task(), task());
    });
    assert_eq!(cell.read(|v| v.value), 8 * 200);
    assert!(*retried.borrow() > 0, "the tasks never interleaved");
}
