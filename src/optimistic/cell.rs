//! An in-memory versioned value shared by threads.

use std::fmt;

use parking_lot::RwLock;

use super::{OptimisticError, Retried, RetryError, RetryPolicy, Versioned, bump};

/// A value and its version, shared by threads: snapshot reads,
/// compare-and-set against a version, and read-modify-write updates retried
/// on conflict.
///
/// Every successful write adds 1 to the version; a write based on an older
/// version fails with [`OptimisticError::Conflict`] and changes nothing.
///
/// **Mechanism, chosen by measurement.** The pair lives behind a
/// `parking_lot::RwLock`, and no lock is held while caller code runs: a read
/// holds the shared lock only to clone the value, a write holds the exclusive
/// lock only to compare the version and move the new value in. So a reader
/// waits at most for one such move, never for a writer's closure. The
/// alternative, an atomic snapshot swap (`arc-swap`, as in
/// [`SharedRouter`](crate::SharedRouter)), reads without any lock but must
/// allocate a new snapshot on every write, which makes its updates several
/// times slower, alone and more so under a second writer, while reads of a
/// small value cost about the same either way (the `optimistic` group of
/// `cargo bench` runs both). Writes are what this type is for, so the lock
/// wins. A plain `Mutex<T>` that runs the change under the lock is cheaper
/// still per update: the price here is taking the lock twice so that no
/// caller code ever runs under it.
///
/// # Example
///
/// ```
/// use std::sync::Arc;
/// use routekit::optimistic::{RetryPolicy, VersionedCell};
///
/// let hits = Arc::new(VersionedCell::new(0u64));
/// let workers: Vec<_> = (0..4)
///     .map(|_| {
///         let hits = Arc::clone(&hits);
///         std::thread::spawn(move || {
///             let policy = RetryPolicy::immediate(1_000).unwrap();
///             for _ in 0..100 {
///                 hits.update(&policy, |n| n + 1).unwrap();
///             }
///         })
///     })
///     .collect();
/// for worker in workers {
///     worker.join().unwrap();
/// }
/// let now = hits.load();
/// assert_eq!((now.value, now.version), (400, 400));
/// ```
pub struct VersionedCell<T> {
    current: RwLock<Versioned<T>>,
}

impl<T: Default> Default for VersionedCell<T> {
    fn default() -> Self {
        VersionedCell::new(T::default())
    }
}

impl<T> From<Versioned<T>> for VersionedCell<T> {
    fn from(versioned: Versioned<T>) -> Self {
        VersionedCell { current: RwLock::new(versioned) }
    }
}

impl<T: fmt::Debug> fmt::Debug for VersionedCell<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.read(|current| f.debug_tuple("VersionedCell").field(current).finish())
    }
}

impl<T> VersionedCell<T> {
    /// A cell holding `value` at version 0.
    ///
    /// ```
    /// let cell = routekit::optimistic::VersionedCell::new("hello");
    /// assert_eq!(cell.version(), 0);
    /// ```
    pub fn new(value: T) -> Self {
        VersionedCell::from(Versioned::new(value, 0))
    }

    /// The current version. O(1); takes the shared lock for one load.
    ///
    /// ```
    /// let cell = routekit::optimistic::VersionedCell::new(1);
    /// cell.compare_and_set(0, 2)?;
    /// assert_eq!(cell.version(), 1);
    /// # Ok::<(), routekit::optimistic::OptimisticError>(())
    /// ```
    pub fn version(&self) -> u64 {
        self.current.read().version
    }

    /// Runs `f` on the current value and version without cloning them.
    ///
    /// `f` runs under the shared lock: other readers go on, but writers wait
    /// until it returns, so keep it short. It must not write to this cell
    /// (that would deadlock); use [`load`](VersionedCell::load) for anything
    /// longer.
    ///
    /// ```
    /// use routekit::optimistic::VersionedCell;
    /// let cell = VersionedCell::new(vec![1, 2, 3]);
    /// let (len, version) = cell.read(|v| (v.value.len(), v.version));
    /// assert_eq!((len, version), (3, 0));
    /// ```
    pub fn read<R>(&self, f: impl FnOnce(&Versioned<T>) -> R) -> R {
        f(&self.current.read())
    }

    /// Replaces the value with `value` if the version is still `expected`, and
    /// returns the new version (`expected + 1`).
    ///
    /// Cost: O(1) — one comparison and one move under the exclusive lock; the
    /// old value is dropped after the lock is released.
    ///
    /// # Errors
    ///
    /// * [`OptimisticError::Conflict`] with the current version when it is not
    ///   `expected`; nothing changes and `value` is dropped.
    /// * [`OptimisticError::VersionOverflow`] when the version is `u64::MAX`.
    ///
    /// ```
    /// use routekit::optimistic::{OptimisticError, VersionedCell};
    /// let cell = VersionedCell::new("a");
    /// assert_eq!(cell.compare_and_set(0, "b"), Ok(1));
    /// assert!(matches!(
    ///     cell.compare_and_set(0, "c"),
    ///     Err(OptimisticError::Conflict { expected: 0, current: 1, .. })
    /// ));
    /// ```
    pub fn compare_and_set(&self, expected: u64, value: T) -> Result<u64, OptimisticError> {
        let old;
        let next = {
            let mut current = self.current.write();
            if current.version != expected {
                return Err(OptimisticError::Conflict { expected, current: current.version });
            }
            let next = bump(expected, u64::MAX)?;
            old = std::mem::replace(&mut *current, Versioned::new(value, next));
            next
        };
        drop(old);
        Ok(next)
    }

    /// Consumes the cell and returns its value and version.
    ///
    /// ```
    /// let cell = routekit::optimistic::VersionedCell::new(5);
    /// assert_eq!(cell.into_inner().value, 5);
    /// ```
    pub fn into_inner(self) -> Versioned<T> {
        self.current.into_inner()
    }
}

impl<T: Clone> VersionedCell<T> {
    /// A snapshot of the value and its version.
    ///
    /// Cost: one clone of the value under the shared lock; a reader waits at
    /// most for a writer's compare-and-move, never for a writer's closure.
    ///
    /// ```
    /// let cell = routekit::optimistic::VersionedCell::new(String::from("x"));
    /// let snapshot = cell.load();
    /// assert_eq!((snapshot.value.as_str(), snapshot.version), ("x", 0));
    /// ```
    pub fn load(&self) -> Versioned<T> {
        self.current.read().clone()
    }

    /// Read-modify-write: takes a snapshot, computes the new value with
    /// `change`, and stores it if the version has not moved meanwhile;
    /// otherwise takes a fresh snapshot and runs `change` again, as `policy`
    /// allows. Returns the version written and the attempts taken.
    ///
    /// `change` sees the value as it is at each attempt (it is re-run, never
    /// replayed with an old result), so it must not have side effects it
    /// cannot repeat. No lock is held while it runs.
    ///
    /// Cost per attempt: one clone of the value, `change`, and one
    /// [`compare_and_set`](VersionedCell::compare_and_set); plus the policy's
    /// backoff after a conflict.
    ///
    /// # Errors
    ///
    /// [`RetryError`] when every attempt allowed by `policy` met a conflict
    /// ([`Exhausted`](RetryError::Exhausted)), the deadline would pass
    /// ([`Deadline`](RetryError::Deadline)), or the version reached `u64::MAX`
    /// ([`Failed`](RetryError::Failed) with
    /// [`OptimisticError::VersionOverflow`]).
    ///
    /// ```
    /// use routekit::optimistic::{RetryPolicy, VersionedCell};
    /// let cell = VersionedCell::new(vec!["a"]);
    /// let done = cell.update(&RetryPolicy::immediate(10)?, |list| {
    ///     let mut list = list.clone();
    ///     list.push("b");
    ///     list
    /// })?;
    /// assert_eq!((done.value, done.attempts), (1, 1));
    /// assert_eq!(cell.load().value, ["a", "b"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn update(
        &self,
        policy: &RetryPolicy,
        mut change: impl FnMut(&T) -> T,
    ) -> Result<Retried<u64>, RetryError<OptimisticError>> {
        policy.retry(|_| {
            let snapshot = self.load();
            self.compare_and_set(snapshot.version, change(&snapshot.value))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compare_and_set_refuses_at_the_largest_version() {
        let cell = VersionedCell::from(Versioned::new('a', u64::MAX));
        assert_eq!(
            cell.compare_and_set(u64::MAX, 'b'),
            Err(OptimisticError::VersionOverflow { version: u64::MAX, max: u64::MAX })
        );
        assert_eq!(cell.load(), Versioned::new('a', u64::MAX));
        let err = cell.update(&RetryPolicy::immediate(5).unwrap(), |c| *c).unwrap_err();
        assert_eq!(err.attempts(), 1, "an overflow is not retried");
    }

    #[test]
    fn debug_shows_value_and_version() {
        let cell = VersionedCell::new(7);
        assert_eq!(format!("{cell:?}"), "VersionedCell(Versioned { value: 7, version: 0 })");
    }
}
