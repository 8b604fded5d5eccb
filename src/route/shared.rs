//! A router shared by many threads: snapshots for readers, copy-on-write
//! updates for writers.

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use arc_swap::{ArcSwap, Guard};
use parking_lot::Mutex;

/// A router shared by many threads.
///
/// Readers call [`load`](SharedRouter::load) and route on the snapshot they
/// get; they never wait for a writer and never see a half-applied change.
/// Writers call [`update`](SharedRouter::update), which clones the current
/// router, applies the change to the clone and publishes it atomically; writers
/// are serialized among themselves so no update is lost. A snapshot stays
/// valid (and keeps its router alive) for as long as the reader holds it.
///
/// **Mechanism.** The current router lives in an
/// [`arc-swap`](https://docs.rs/arc-swap) cell. Loading a snapshot does not
/// write to a shared reference count, so readers on different cores do not
/// fight over one cache line, and a writer never blocks them. Alone, a
/// reader pays a few nanoseconds more than an `Arc` cloned out of a
/// `parking_lot::RwLock`; as soon as other threads route through the same
/// cell, the lock's shared counter makes it several times slower than the
/// snapshot. The `shared` group of `cargo bench` measures both in one run.
///
/// # Example
///
/// ```
/// use std::sync::Arc;
/// use routekit::route::{HashRing, Membership, Router, SharedRouter};
///
/// let shared = Arc::new(SharedRouter::new(HashRing::new()));
/// shared.update(|ring| ring.extend(["a", "b", "c"]))?;
///
/// let reader = {
///     let shared = Arc::clone(&shared);
///     std::thread::spawn(move || shared.load().route(b"session-9").copied())
/// };
/// shared.update(|ring| ring.insert("d"))?;
/// assert!(reader.join().unwrap().is_some());
/// assert_eq!(shared.load().len(), 4);
/// # Ok::<(), routekit::route::RouteError>(())
/// ```
pub struct SharedRouter<R> {
    current: ArcSwap<R>,
    writers: Mutex<()>,
}

/// A consistent view of a [`SharedRouter`] at one moment: dereferences to the
/// router. Hold it for the duration of one request, not for long periods
/// (while many snapshots are held, loading gets slower).
///
/// # Example
///
/// ```
/// use routekit::route::{Membership, Rendezvous, Router, SharedRouter};
///
/// let shared = SharedRouter::new(Rendezvous::new());
/// shared.update(|r| r.insert("a"))?;
/// let snapshot = shared.load();
/// shared.update(|r| r.insert("b"))?;
/// assert_eq!(snapshot.len(), 1); // unchanged by the later update
/// # Ok::<(), routekit::route::RouteError>(())
/// ```
pub struct Snapshot<R> {
    guard: Guard<Arc<R>>,
}

impl<R> Deref for Snapshot<R> {
    type Target = R;

    #[inline]
    fn deref(&self) -> &R {
        &self.guard
    }
}

impl<R: fmt::Debug> fmt::Debug for Snapshot<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt(f)
    }
}

impl<R: fmt::Debug> fmt::Debug for SharedRouter<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SharedRouter").field(&*self.load()).finish()
    }
}

impl<R> SharedRouter<R> {
    /// Shares `router`.
    ///
    /// ```
    /// use routekit::route::{HashRing, SharedRouter};
    /// let shared = SharedRouter::new(HashRing::<String>::new());
    /// # let _ = shared;
    /// ```
    pub fn new(router: R) -> Self {
        SharedRouter { current: ArcSwap::from_pointee(router), writers: Mutex::new(()) }
    }

    /// The current router: wait-free in the common case, never blocked by a
    /// writer.
    ///
    /// ```
    /// use routekit::route::{HashRing, Router, SharedRouter};
    /// let shared = SharedRouter::new(HashRing::<String>::new());
    /// assert!(shared.load().is_empty());
    /// ```
    #[inline]
    pub fn load(&self) -> Snapshot<R> {
        Snapshot { guard: self.current.load() }
    }

    /// The current router as an owned `Arc`, for keeping beyond one request.
    ///
    /// ```
    /// use routekit::route::{HashRing, Router, SharedRouter};
    /// let shared = SharedRouter::new(HashRing::<String>::new());
    /// let owned = shared.load_full();
    /// assert!(owned.is_empty());
    /// ```
    pub fn load_full(&self) -> Arc<R> {
        self.current.load_full()
    }

    /// Publishes `router` in place of the current one and returns the old one.
    ///
    /// ```
    /// use routekit::route::{HashRing, Membership, Router, SharedRouter};
    /// let shared = SharedRouter::new(HashRing::new());
    /// let mut next = HashRing::new();
    /// next.insert("a")?;
    /// let old = shared.replace(next);
    /// assert!(old.is_empty());
    /// assert_eq!(shared.load().len(), 1);
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    pub fn replace(&self, router: R) -> Arc<R> {
        let _writer = self.writers.lock();
        self.current.swap(Arc::new(router))
    }
}

impl<R: Clone> SharedRouter<R> {
    /// Applies `change` to a copy of the current router and publishes the
    /// copy if `change` succeeds; on error nothing is published. Updates are
    /// serialized, so concurrent updates all take effect.
    ///
    /// Cost: a clone of the router plus the change itself; readers keep
    /// routing on the previous router meanwhile.
    ///
    /// # Errors
    ///
    /// Whatever `change` returns.
    ///
    /// ```
    /// use routekit::route::{HashRing, Membership, RouteError, Router, SharedRouter};
    /// let shared = SharedRouter::new(HashRing::new());
    /// shared.update(|ring| ring.insert("a"))?;
    /// assert!(shared.update(|ring| ring.insert("a")).is_err());
    /// assert_eq!(shared.load().len(), 1);
    /// # Ok::<(), RouteError>(())
    /// ```
    pub fn update<T, E>(&self, change: impl FnOnce(&mut R) -> Result<T, E>) -> Result<T, E> {
        let _writer = self.writers.lock();
        let mut next = R::clone(&self.current.load());
        let out = change(&mut next)?;
        self.current.store(Arc::new(next));
        Ok(out)
    }
}
