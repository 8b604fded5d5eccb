//! Retrying a read-modify-write on conflict: bounded attempts, exponential
//! backoff with jitter, a deadline.

use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use thiserror::Error;

use super::IsConflict;
use crate::hash::finalize64;

/// How to retry a read-modify-write that met a conflict: how many attempts,
/// how long to wait between them, and when to give up.
///
/// The wait before attempt `k + 1` (after `k` failed attempts) is
/// `min(max_backoff, initial_backoff × multiplier^(k−1))`, shortened by a
/// random fraction of up to `jitter` of itself (`jitter = 1` is "full
/// jitter": uniform between 0 and the full wait). A wait of zero yields the
/// thread instead of sleeping. No attempt starts after the deadline: when the
/// next wait would end past it, the retry gives up instead of sleeping.
///
/// **Jitter source.** Each retry loop draws its jitter from its own SplitMix64
/// generator. Its seed is [`seed`](RetryPolicyBuilder::seed) when one is set
/// (reproducible waits, for tests), otherwise a hash, keyed by the standard
/// library's per-process random [`RandomState`], of a process-wide counter:
/// loops in different threads and processes get unrelated waits, which is the
/// point of jitter. The seed is drawn only when a first wait is needed, so an
/// uncontended write pays nothing for it.
///
/// | constructor | attempts | waits | for |
/// |-------------|----------|-------|-----|
/// | [`RetryPolicy::new`] | 10 | 1 ms, 2 ms, 4 ms … capped at 100 ms, full jitter | database rows, remote stores |
/// | [`RetryPolicy::immediate`]`(n)` | `n` | none (yields the thread) | in-memory cells |
/// | [`RetryPolicy::builder`] | any | any | everything else |
///
/// # Example
///
/// ```
/// use std::time::Duration;
/// use routekit::optimistic::{RetryPolicy, VersionedCell};
///
/// let policy = RetryPolicy::builder()
///     .max_attempts(5)
///     .initial_backoff(Duration::from_millis(2))
///     .deadline(Duration::from_secs(1))
///     .build()?;
///
/// // Fails with a conflict twice, then succeeds: retried, and counted.
/// let cell = VersionedCell::new(());
/// let mut calls = 0;
/// let done = policy.retry(|attempt| {
///     calls += 1;
///     assert_eq!(attempt, calls);
///     if attempt < 3 { cell.compare_and_set(9, ()).map(|_| "") } else { Ok("saved") }
/// })?;
/// assert_eq!((done.value, done.attempts), ("saved", 3));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    multiplier: f64,
    jitter: f64,
    deadline: Option<Duration>,
    seed: Option<u64>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy::new()
    }
}

impl RetryPolicy {
    /// The default policy, for rows in a database: 10 attempts, waits from
    /// 1 ms doubling up to 100 ms with full jitter, no deadline (the nine
    /// waits add up to at most 327 ms).
    ///
    /// ```
    /// let policy = routekit::optimistic::RetryPolicy::new();
    /// assert_eq!(policy.max_attempts(), 10);
    /// ```
    pub fn new() -> Self {
        RetryPolicy {
            max_attempts: 10,
            initial_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(100),
            multiplier: 2.0,
            jitter: 1.0,
            deadline: None,
            seed: None,
        }
    }

    /// Up to `max_attempts` attempts with no wait between them other than
    /// yielding the thread: for a [`VersionedCell`](super::VersionedCell),
    /// where a conflict means another thread has just finished its write.
    /// The same as the [builder](RetryPolicy::builder) with
    /// `max_attempts(max_attempts)` and zero backoff.
    ///
    /// # Errors
    ///
    /// [`PolicyError::ZeroAttempts`] for 0: the first attempt is one of the
    /// `max_attempts`, as everywhere in a policy.
    ///
    /// ```
    /// use std::time::Duration;
    /// use routekit::optimistic::{PolicyError, RetryPolicy};
    ///
    /// let policy = RetryPolicy::immediate(100)?;
    /// assert_eq!(policy.max_attempts(), 100);
    /// assert_eq!(policy.initial_backoff(), Duration::ZERO);
    /// assert_eq!(RetryPolicy::immediate(0), Err(PolicyError::ZeroAttempts));
    /// # Ok::<(), PolicyError>(())
    /// ```
    pub fn immediate(max_attempts: u32) -> Result<Self, PolicyError> {
        RetryPolicy::builder()
            .max_attempts(max_attempts)
            .initial_backoff(Duration::ZERO)
            .max_backoff(Duration::ZERO)
            .build()
    }

    /// A builder starting from [`RetryPolicy::new`].
    ///
    /// ```
    /// let policy = routekit::optimistic::RetryPolicy::builder().max_attempts(3).build()?;
    /// assert_eq!(policy.max_attempts(), 3);
    /// # Ok::<(), routekit::optimistic::PolicyError>(())
    /// ```
    pub fn builder() -> RetryPolicyBuilder {
        RetryPolicyBuilder { policy: RetryPolicy::new() }
    }

    /// The most attempts, the first included.
    ///
    /// ```
    /// assert_eq!(routekit::optimistic::RetryPolicy::new().max_attempts(), 10);
    /// ```
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The wait after the first failed attempt, before jitter.
    ///
    /// ```
    /// use std::time::Duration;
    /// assert_eq!(routekit::optimistic::RetryPolicy::new().initial_backoff(), Duration::from_millis(1));
    /// ```
    pub fn initial_backoff(&self) -> Duration {
        self.initial_backoff
    }

    /// The longest wait, before jitter.
    ///
    /// ```
    /// use std::time::Duration;
    /// assert_eq!(routekit::optimistic::RetryPolicy::new().max_backoff(), Duration::from_millis(100));
    /// ```
    pub fn max_backoff(&self) -> Duration {
        self.max_backoff
    }

    /// The time after the first attempt starts beyond which no attempt starts.
    ///
    /// ```
    /// assert_eq!(routekit::optimistic::RetryPolicy::new().deadline(), None);
    /// ```
    pub fn deadline(&self) -> Option<Duration> {
        self.deadline
    }

    /// The wait schedule for one read-modify-write, started now: the
    /// building block of [`retry`](RetryPolicy::retry), public so that async
    /// code can sleep with its own runtime's timer.
    ///
    /// ```
    /// use routekit::optimistic::RetryPolicy;
    /// let mut backoff = RetryPolicy::immediate(2)?.start();
    /// assert!(backoff.next_delay().is_ok()); // after attempt 1: retry
    /// assert!(backoff.next_delay().is_err()); // after attempt 2: give up
    /// # Ok::<(), routekit::optimistic::PolicyError>(())
    /// ```
    pub fn start(&self) -> Backoff {
        // The clock is read only when there is a deadline to keep: an uncontended
        // in-memory update would otherwise spend most of its time on it.
        let started = self.deadline.map(|_| Instant::now());
        Backoff { policy: *self, attempts: 1, started, rng: None }
    }

    /// Runs `attempt` (a whole read-modify-write: read, compute, conditional
    /// write) until it succeeds, retrying it after a conflict as this policy
    /// allows. `attempt` receives the attempt number, starting at 1.
    ///
    /// Only errors whose [`is_conflict`](IsConflict::is_conflict) is true are
    /// retried; any other error is returned at once. Waits use
    /// `std::thread::sleep`; async code uses [`start`](RetryPolicy::start) and
    /// its runtime's timer instead (see [`Backoff`]).
    ///
    /// # Errors
    ///
    /// [`RetryError`], carrying the last error and the attempts taken:
    /// `Failed` for an error that is not a conflict, `Exhausted` when the last
    /// allowed attempt met a conflict, `Deadline` when the next attempt would
    /// start after the deadline.
    ///
    /// ```
    /// use routekit::optimistic::{OptimisticError, RetryError, RetryPolicy, VersionedCell};
    ///
    /// let policy = RetryPolicy::immediate(3)?;
    /// let cell = VersionedCell::new(0);
    /// let always = policy.retry(|_| cell.compare_and_set(7, 1));
    /// assert!(matches!(always, Err(RetryError::Exhausted { attempts: 3, .. })));
    ///
    /// let gone = policy.retry(|_| Err::<(), _>(OptimisticError::NotFound));
    /// assert!(matches!(gone, Err(RetryError::Failed { attempts: 1, .. })));
    /// # Ok::<(), routekit::optimistic::PolicyError>(())
    /// ```
    pub fn retry<T, E: IsConflict>(
        &self,
        mut attempt: impl FnMut(u32) -> Result<T, E>,
    ) -> Result<Retried<T>, RetryError<E>> {
        let mut backoff = self.start();
        loop {
            let attempts = backoff.attempts();
            let error = match attempt(attempts) {
                Ok(value) => return Ok(Retried { value, attempts }),
                Err(error) => error,
            };
            if !error.is_conflict() {
                return Err(RetryError::Failed { error, attempts });
            }
            match backoff.next_delay() {
                Ok(Duration::ZERO) => std::thread::yield_now(),
                Ok(delay) => std::thread::sleep(delay),
                Err(gave_up) => return Err(gave_up.with(error)),
            }
        }
    }

    /// [`retry`](RetryPolicy::retry) for async code: runs the future
    /// `attempt` makes until it succeeds, retrying after a conflict as this
    /// policy allows, and waits with the caller's timer — `sleep` is called
    /// with each delay (zero included, so a runtime's zero sleep yields) and
    /// awaited. No runtime is needed by this crate.
    ///
    /// # Errors
    ///
    /// As [`retry`](RetryPolicy::retry): `Failed`, `Exhausted` or
    /// `Deadline`, with the last error and the attempts taken.
    ///
    /// ```
    /// use std::time::Duration;
    /// use routekit::optimistic::{RetryPolicy, VersionedCell};
    ///
    /// let policy = RetryPolicy::builder()
    ///     .max_attempts(5)
    ///     .initial_backoff(Duration::from_millis(1))
    ///     .build()?;
    /// let cell = VersionedCell::new(10);
    /// let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build()?;
    /// let done = runtime.block_on(policy.retry_async(
    ///     |attempt| {
    ///         let cell = &cell;
    ///         async move {
    ///             // The first attempt holds a stale version, as if another
    ///             // writer got there first; the retry reads again.
    ///             let seen = if attempt == 1 { 7 } else { cell.version() };
    ///             cell.compare_and_set(seen, 11)
    ///         }
    ///     },
    ///     tokio::time::sleep,
    /// ))?;
    /// assert_eq!((done.attempts, cell.version()), (2, 1));
    /// assert_eq!(cell.read(|v| v.value), 11);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn retry_async<T, E, Attempt, Wait>(
        &self,
        mut attempt: impl FnMut(u32) -> Attempt,
        mut sleep: impl FnMut(Duration) -> Wait,
    ) -> Result<Retried<T>, RetryError<E>>
    where
        E: IsConflict,
        Attempt: Future<Output = Result<T, E>>,
        Wait: Future<Output = ()>,
    {
        let mut backoff = self.start();
        loop {
            let attempts = backoff.attempts();
            let error = match attempt(attempts).await {
                Ok(value) => return Ok(Retried { value, attempts }),
                Err(error) => error,
            };
            if !error.is_conflict() {
                return Err(RetryError::Failed { error, attempts });
            }
            match backoff.next_delay() {
                Ok(delay) => sleep(delay).await,
                Err(gave_up) => return Err(gave_up.with(error)),
            }
        }
    }
}

/// Sets the knobs of a [`RetryPolicy`]; every setter returns the builder for
/// chaining and [`build`](RetryPolicyBuilder::build) checks them together.
///
/// # Example
///
/// ```
/// use std::time::Duration;
/// use routekit::optimistic::RetryPolicy;
///
/// let policy = RetryPolicy::builder()
///     .max_attempts(8)
///     .initial_backoff(Duration::from_millis(5))
///     .multiplier(1.5)
///     .max_backoff(Duration::from_millis(200))
///     .jitter(0.5) // waits between 50 % and 100 % of the schedule
///     .deadline(Duration::from_secs(2))
///     .build()?;
/// assert_eq!(policy.max_attempts(), 8);
/// # Ok::<(), routekit::optimistic::PolicyError>(())
/// ```
#[derive(Clone, Debug)]
pub struct RetryPolicyBuilder {
    policy: RetryPolicy,
}

impl RetryPolicyBuilder {
    /// The most attempts, the first included (default 10; at least 1).
    ///
    /// ```
    /// let p = routekit::optimistic::RetryPolicy::builder().max_attempts(1).build()?;
    /// assert_eq!(p.max_attempts(), 1);
    /// # Ok::<(), routekit::optimistic::PolicyError>(())
    /// ```
    pub fn max_attempts(&mut self, attempts: u32) -> &mut Self {
        self.policy.max_attempts = attempts;
        self
    }

    /// The wait after the first failed attempt (default 1 ms; zero means
    /// "yield the thread").
    ///
    /// ```
    /// use std::time::Duration;
    /// let p = routekit::optimistic::RetryPolicy::builder().initial_backoff(Duration::ZERO).build()?;
    /// assert_eq!(p.initial_backoff(), Duration::ZERO);
    /// # Ok::<(), routekit::optimistic::PolicyError>(())
    /// ```
    pub fn initial_backoff(&mut self, wait: Duration) -> &mut Self {
        self.policy.initial_backoff = wait;
        self
    }

    /// The longest wait (default 100 ms; at least the initial backoff).
    ///
    /// ```
    /// use std::time::Duration;
    /// let p = routekit::optimistic::RetryPolicy::builder().max_backoff(Duration::from_secs(1)).build()?;
    /// assert_eq!(p.max_backoff(), Duration::from_secs(1));
    /// # Ok::<(), routekit::optimistic::PolicyError>(())
    /// ```
    pub fn max_backoff(&mut self, wait: Duration) -> &mut Self {
        self.policy.max_backoff = wait;
        self
    }

    /// The factor between successive waits (default 2; finite, at least 1).
    ///
    /// ```
    /// assert!(routekit::optimistic::RetryPolicy::builder().multiplier(0.5).build().is_err());
    /// ```
    pub fn multiplier(&mut self, factor: f64) -> &mut Self {
        self.policy.multiplier = factor;
        self
    }

    /// The largest fraction by which a wait is randomly shortened (default 1,
    /// "full jitter"; 0 for fixed waits; between 0 and 1).
    ///
    /// ```
    /// assert!(routekit::optimistic::RetryPolicy::builder().jitter(1.5).build().is_err());
    /// ```
    pub fn jitter(&mut self, fraction: f64) -> &mut Self {
        self.policy.jitter = fraction;
        self
    }

    /// No attempt starts later than `after` the first one started (default:
    /// no deadline, only the attempt bound).
    ///
    /// ```
    /// use std::time::Duration;
    /// let p = routekit::optimistic::RetryPolicy::builder().deadline(Duration::from_secs(3)).build()?;
    /// assert_eq!(p.deadline(), Some(Duration::from_secs(3)));
    /// # Ok::<(), routekit::optimistic::PolicyError>(())
    /// ```
    pub fn deadline(&mut self, after: Duration) -> &mut Self {
        self.policy.deadline = Some(after);
        self
    }

    /// Seeds the jitter generator, making the waits reproducible (default: a
    /// fresh random seed for every retry loop, see [`RetryPolicy`]).
    ///
    /// ```
    /// use routekit::optimistic::RetryPolicy;
    /// let p = RetryPolicy::builder().seed(7).build()?;
    /// let (mut a, mut b) = (p.start(), p.start());
    /// assert_eq!(a.next_delay().ok(), b.next_delay().ok());
    /// # Ok::<(), routekit::optimistic::PolicyError>(())
    /// ```
    pub fn seed(&mut self, seed: u64) -> &mut Self {
        self.policy.seed = Some(seed);
        self
    }

    /// Checks the knobs and returns the policy.
    ///
    /// # Errors
    ///
    /// [`PolicyError`] naming the knob that is out of range.
    ///
    /// ```
    /// use routekit::optimistic::{PolicyError, RetryPolicy};
    /// assert_eq!(RetryPolicy::builder().max_attempts(0).build(), Err(PolicyError::ZeroAttempts));
    /// ```
    pub fn build(&self) -> Result<RetryPolicy, PolicyError> {
        let p = self.policy;
        if p.max_attempts == 0 {
            return Err(PolicyError::ZeroAttempts);
        }
        if !(p.multiplier.is_finite() && p.multiplier >= 1.0) {
            return Err(PolicyError::InvalidMultiplier { multiplier: p.multiplier });
        }
        if !(0.0..=1.0).contains(&p.jitter) {
            return Err(PolicyError::InvalidJitter { jitter: p.jitter });
        }
        if p.initial_backoff > p.max_backoff {
            return Err(PolicyError::BackoffOrder {
                initial: p.initial_backoff,
                max: p.max_backoff,
            });
        }
        Ok(p)
    }
}

/// The wait schedule of one read-modify-write under a [`RetryPolicy`]:
/// counts attempts, computes jittered waits, and says when to give up.
///
/// [`RetryPolicy::retry`] is built on it; async code uses it directly and
/// sleeps with its runtime's timer (no runtime is needed by this crate):
///
/// ```
/// use routekit::optimistic::{IsConflict, RetryPolicy};
///
/// # async fn sleep(_: std::time::Duration) {}
/// # async fn save() -> Result<(), routekit::optimistic::OptimisticError> { Ok(()) }
/// async fn save_with_retry(policy: &RetryPolicy) -> Result<(), Box<dyn std::error::Error>> {
///     let mut backoff = policy.start();
///     loop {
///         match save().await {
///             Err(e) if e.is_conflict() => match backoff.next_delay() {
///                 Ok(wait) => sleep(wait).await, // e.g. tokio::time::sleep
///                 Err(gave_up) => return Err(gave_up.with(e).into()),
///             },
///             other => return Ok(other?),
///         }
///     }
/// }
/// # let _ = save_with_retry;
/// ```
#[derive(Clone, Debug)]
pub struct Backoff {
    policy: RetryPolicy,
    attempts: u32,
    /// When the first attempt started; read only with a deadline.
    started: Option<Instant>,
    rng: Option<SplitMix64>,
}

impl Backoff {
    /// The number of the attempt in progress (or just failed), from 1.
    ///
    /// ```
    /// let mut backoff = routekit::optimistic::RetryPolicy::immediate(5)?.start();
    /// assert_eq!(backoff.attempts(), 1);
    /// backoff.next_delay().unwrap();
    /// assert_eq!(backoff.attempts(), 2);
    /// # Ok::<(), routekit::optimistic::PolicyError>(())
    /// ```
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Call after an attempt failed with a conflict: the wait before the next
    /// attempt (which this call counts), or why to stop.
    ///
    /// Cost: O(1), one generator step and a few float operations.
    ///
    /// # Errors
    ///
    /// [`GaveUp::Exhausted`] when the attempt that failed was the last one
    /// allowed; [`GaveUp::Deadline`] when the next attempt would start after
    /// the deadline.
    ///
    /// ```
    /// use std::time::Duration;
    /// use routekit::optimistic::{GaveUp, RetryPolicy};
    ///
    /// let policy = RetryPolicy::builder()
    ///     .max_attempts(4)
    ///     .initial_backoff(Duration::from_millis(10))
    ///     .jitter(0.0)
    ///     .build()?;
    /// let mut backoff = policy.start();
    /// let waits: Vec<_> = std::iter::from_fn(|| backoff.next_delay().ok()).collect();
    /// let ms = Duration::from_millis;
    /// assert_eq!(waits, [ms(10), ms(20), ms(40)]);
    /// assert!(matches!(backoff.next_delay(), Err(GaveUp::Exhausted { attempts: 4, .. })));
    /// # Ok::<(), routekit::optimistic::PolicyError>(())
    /// ```
    pub fn next_delay(&mut self) -> Result<Duration, GaveUp> {
        let policy = &self.policy;
        if self.attempts >= policy.max_attempts {
            return Err(GaveUp::Exhausted { attempts: self.attempts });
        }
        let mut nanos = scheduled_nanos(policy, self.attempts);
        if policy.jitter > 0.0 && nanos > 0.0 {
            let rng =
                self.rng.get_or_insert_with(|| SplitMix64(policy.seed.unwrap_or_else(fresh_seed)));
            nanos *= 1.0 - policy.jitter * rng.next_unit();
        }
        // `as` saturates; the schedule is capped at `max_backoff`, a Duration.
        let delay = Duration::from_nanos(nanos as u64);
        if let (Some(deadline), Some(started)) = (policy.deadline, self.started) {
            if started.elapsed().saturating_add(delay) > deadline {
                return Err(GaveUp::Deadline { attempts: self.attempts, deadline });
            }
        }
        self.attempts += 1;
        Ok(delay)
    }
}

/// The un-jittered wait, in nanoseconds, after `failed` attempts (from 1):
/// `min(max_backoff, initial_backoff × multiplier^(failed − 1))`.
fn scheduled_nanos(policy: &RetryPolicy, failed: u32) -> f64 {
    if policy.initial_backoff.is_zero() {
        return 0.0; // and not 0 × ∞ = NaN after a thousand doublings
    }
    let exponent = i32::try_from(failed - 1).unwrap_or(i32::MAX);
    let grown = policy.initial_backoff.as_nanos() as f64 * policy.multiplier.powi(exponent);
    grown.min(policy.max_backoff.as_nanos() as f64)
}

/// A fresh jitter seed: a process-wide counter hashed under the standard
/// library's randomly keyed `RandomState`.
fn fresh_seed() -> u64 {
    static LOOPS: AtomicU64 = AtomicU64::new(0);
    RandomState::new().hash_one(LOOPS.fetch_add(1, Ordering::Relaxed))
}

/// SplitMix64 (Steele, Lea and Flood, 2014): a tiny generator, plenty for
/// spreading out retry waits. Its output function is the crate's 64-bit
/// finalizer.
#[derive(Clone, Debug)]
struct SplitMix64(u64);

impl SplitMix64 {
    /// Uniform in [0, 1), from the top 53 bits of the next output.
    fn next_unit(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        (finalize64(self.0) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A successful retried operation: its value and how many attempts it took.
///
/// # Example
///
/// ```
/// use routekit::optimistic::{OptimisticError, RetryPolicy};
/// let done = RetryPolicy::immediate(1)?.retry(|_| Ok::<_, OptimisticError>(42))?;
/// assert_eq!((done.value, done.attempts), (42, 1));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retried<T> {
    /// What the successful attempt returned.
    pub value: T,
    /// Attempts taken, the successful one included (1 = no retry).
    pub attempts: u32,
}

/// Why a [`Backoff`] says to stop retrying, with the attempts taken.
///
/// # Example
///
/// ```
/// use routekit::optimistic::{GaveUp, RetryPolicy};
/// let mut backoff = RetryPolicy::immediate(1)?.start();
/// assert!(matches!(backoff.next_delay(), Err(GaveUp::Exhausted { attempts: 1, .. })));
/// # Ok::<(), routekit::optimistic::PolicyError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum GaveUp {
    /// The attempt that failed was the last one allowed.
    #[non_exhaustive]
    Exhausted {
        /// Attempts taken.
        attempts: u32,
    },
    /// The next attempt would start after the deadline.
    #[non_exhaustive]
    Deadline {
        /// Attempts taken.
        attempts: u32,
        /// The policy's deadline.
        deadline: Duration,
    },
}

impl GaveUp {
    /// The [`RetryError`] for giving up after `last`, the error of the final
    /// attempt.
    ///
    /// ```
    /// use routekit::optimistic::{OptimisticError, RetryError, RetryPolicy};
    /// let mut backoff = RetryPolicy::immediate(1)?.start();
    /// let gave_up = backoff.next_delay().unwrap_err();
    /// let err = gave_up.with(OptimisticError::NotFound);
    /// assert!(matches!(err, RetryError::Exhausted { attempts: 1, .. }));
    /// # Ok::<(), routekit::optimistic::PolicyError>(())
    /// ```
    pub fn with<E>(self, last: E) -> RetryError<E> {
        match self {
            GaveUp::Exhausted { attempts } => RetryError::Exhausted { last, attempts },
            GaveUp::Deadline { attempts, deadline } => {
                RetryError::Deadline { last, attempts, deadline }
            }
        }
    }
}

/// A retried operation that did not succeed: the last error and the attempts
/// taken.
///
/// # Example
///
/// ```
/// use routekit::optimistic::{OptimisticError, RetryPolicy, VersionedCell};
/// let cell = VersionedCell::new(0);
/// cell.compare_and_set(0, 1)?;
/// let err = RetryPolicy::immediate(2)?.retry(|_| cell.compare_and_set(0, 2)).unwrap_err();
/// assert_eq!(err.attempts(), 2);
/// assert_eq!(err.to_string(), "gave up after 2 attempts, each met a conflict; the last: \
///     version conflict: expected version 0, the current version is 1");
/// assert!(matches!(err.into_inner(), OptimisticError::Conflict { expected: 0, current: 1, .. }));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum RetryError<E> {
    /// An attempt failed with an error that is not a conflict: not retried.
    #[error("{error}")]
    #[non_exhaustive]
    Failed {
        /// The error.
        #[source]
        error: E,
        /// Attempts taken, the failed one included.
        attempts: u32,
    },
    /// Every allowed attempt met a conflict.
    #[error("gave up after {attempts} attempts, each met a conflict; the last: {last}")]
    #[non_exhaustive]
    Exhausted {
        /// The last attempt's conflict.
        #[source]
        last: E,
        /// Attempts taken (the policy's maximum).
        attempts: u32,
    },
    /// The next attempt would have started after the deadline.
    #[error(
        "gave up after {attempts} attempts: the next would start after the {deadline:?} deadline; the last: {last}"
    )]
    #[non_exhaustive]
    Deadline {
        /// The last attempt's conflict.
        #[source]
        last: E,
        /// Attempts taken.
        attempts: u32,
        /// The policy's deadline.
        deadline: Duration,
    },
}

impl<E> RetryError<E> {
    /// Attempts taken, the last one included.
    ///
    /// ```
    /// use routekit::optimistic::{OptimisticError, RetryPolicy};
    /// let err = RetryPolicy::immediate(4)?.retry(|_| Err::<(), _>(OptimisticError::NotFound)).unwrap_err();
    /// assert_eq!(err.attempts(), 1);
    /// # Ok::<(), routekit::optimistic::PolicyError>(())
    /// ```
    pub fn attempts(&self) -> u32 {
        match self {
            RetryError::Failed { attempts, .. }
            | RetryError::Exhausted { attempts, .. }
            | RetryError::Deadline { attempts, .. } => *attempts,
        }
    }

    /// The last attempt's error.
    ///
    /// ```
    /// use routekit::optimistic::{OptimisticError, RetryPolicy};
    /// let err = RetryPolicy::immediate(1)?.retry(|_| Err::<(), _>(OptimisticError::NotFound)).unwrap_err();
    /// assert_eq!(err.into_inner(), OptimisticError::NotFound);
    /// # Ok::<(), routekit::optimistic::PolicyError>(())
    /// ```
    pub fn into_inner(self) -> E {
        match self {
            RetryError::Failed { error: last, .. }
            | RetryError::Exhausted { last, .. }
            | RetryError::Deadline { last, .. } => last,
        }
    }

    /// The last attempt's error, borrowed.
    ///
    /// ```
    /// use routekit::optimistic::{OptimisticError, RetryPolicy};
    /// let err = RetryPolicy::immediate(1)?.retry(|_| Err::<(), _>(OptimisticError::NotFound)).unwrap_err();
    /// assert_eq!(err.last(), &OptimisticError::NotFound);
    /// # Ok::<(), routekit::optimistic::PolicyError>(())
    /// ```
    pub fn last(&self) -> &E {
        match self {
            RetryError::Failed { error: last, .. }
            | RetryError::Exhausted { last, .. }
            | RetryError::Deadline { last, .. } => last,
        }
    }
}

impl<E: IsConflict> IsConflict for RetryError<E> {
    fn is_conflict(&self) -> bool {
        self.last().is_conflict()
    }
}

/// A [`RetryPolicy`] knob out of range.
///
/// # Example
///
/// ```
/// use routekit::optimistic::{PolicyError, RetryPolicy};
/// let err = RetryPolicy::builder().jitter(f64::NAN).build().unwrap_err();
/// assert!(matches!(err, PolicyError::InvalidJitter { .. }));
/// ```
#[derive(Clone, Debug, PartialEq, Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// `max_attempts` was 0.
    #[error("max attempts must be at least 1, got 0")]
    ZeroAttempts,
    /// The multiplier was below 1, infinite or NaN.
    #[error("backoff multiplier must be finite and at least 1, got {multiplier}")]
    #[non_exhaustive]
    InvalidMultiplier {
        /// The rejected multiplier.
        multiplier: f64,
    },
    /// The jitter fraction was outside [0, 1] or NaN.
    #[error("jitter must be a fraction between 0 and 1, got {jitter}")]
    #[non_exhaustive]
    InvalidJitter {
        /// The rejected fraction.
        jitter: f64,
    },
    /// The initial backoff was longer than the maximum.
    #[error("initial backoff {initial:?} is longer than the maximum backoff {max:?}")]
    #[non_exhaustive]
    BackoffOrder {
        /// The initial backoff.
        initial: Duration,
        /// The maximum backoff.
        max: Duration,
    },
}
