//! A hybrid logical clock: [`HybridClock`], the timestamps of the
//! last-writer-wins types.
//!
//! A timestamp is one `u64`: the wall-clock milliseconds since the Unix
//! epoch in its high 48 bits and a logical counter in its low 16. Reading
//! the clock returns a timestamp above every one it returned or observed
//! before, and as close to the wall clock as that allows (Kulkarni et al.,
//! *Logical Physical Clocks*): timestamps order the writes of one replica
//! even when its wall clock steps back, and follow causality across
//! replicas that observe each other's timestamps.

use std::time::{SystemTime, UNIX_EPOCH};

use super::CrdtError;

/// A hybrid logical clock: timestamps for last-writer-wins writes that
/// never go backwards and stay close to the wall clock.
///
/// [`now`](HybridClock::now) returns `max(wall clock, last + 1)`, a `u64`
/// with the wall-clock milliseconds since the Unix epoch in its high 48 bits
/// and a logical counter in its low 16; [`observe`] moves the
/// clock past a timestamp received from another replica, so a write made
/// after seeing another's write is ordered after it. One clock per replica,
/// owned by the code that writes.
///
/// A received timestamp further ahead of the local wall clock than the
/// clock's maximum drift (one minute unless set with
/// [`with_max_drift`](HybridClock::with_max_drift)) is refused: a peer with
/// a wrong clock would otherwise drag every later write of this replica
/// into its future.
///
/// [`observe`]: HybridClock::observe
///
/// # Example
///
/// ```
/// use routekit::crdt::HybridClock;
///
/// let mut clock = HybridClock::new();
/// let first = clock.now_at(1_000)?;
/// let second = clock.now_at(999)?; // the wall clock stepped back
/// assert!(second > first);
/// assert_eq!(HybridClock::millis(second), 1_000);
/// assert_eq!(HybridClock::logical(second), 1);
///
/// // A timestamp from a replica slightly ahead orders the next write after it.
/// let remote = HybridClock::pack(1_500, 0);
/// clock.observe_at(remote, 1_001)?;
/// assert!(clock.now_at(1_002)? > remote);
/// # Ok::<(), routekit::crdt::CrdtError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HybridClock {
    /// The greatest timestamp returned or observed.
    last: u64,
    /// How far, in milliseconds, an observed timestamp may be ahead of the
    /// wall clock.
    max_drift_millis: u64,
}

impl Default for HybridClock {
    fn default() -> Self {
        HybridClock::new()
    }
}

impl HybridClock {
    /// The number of low bits that hold the logical counter.
    pub const LOGICAL_BITS: u32 = 16;

    /// The greatest wall-clock time a timestamp holds, in milliseconds since
    /// the epoch (2^48 - 1, in the year 10889); later times are clamped.
    pub const MAX_MILLIS: u64 = (1 << (64 - Self::LOGICAL_BITS)) - 1;

    /// A clock that has returned nothing yet, with a maximum drift of one
    /// minute.
    ///
    /// ```
    /// assert_eq!(routekit::crdt::HybridClock::new().last(), 0);
    /// ```
    pub fn new() -> Self {
        HybridClock { last: 0, max_drift_millis: 60_000 }
    }

    /// A clock that refuses observed timestamps more than
    /// `max_drift_millis` ahead of the wall clock.
    ///
    /// ```
    /// use routekit::crdt::HybridClock;
    ///
    /// let mut strict = HybridClock::with_max_drift(10);
    /// assert!(strict.observe_at(HybridClock::pack(1_011, 0), 1_000).is_err());
    /// ```
    pub fn with_max_drift(max_drift_millis: u64) -> Self {
        HybridClock { last: 0, max_drift_millis }
    }

    /// The timestamp of wall-clock time `millis` with logical counter
    /// `logical` (`millis` clamped to [`MAX_MILLIS`](Self::MAX_MILLIS)).
    ///
    /// ```
    /// use routekit::crdt::HybridClock;
    ///
    /// let ts = HybridClock::pack(42, 7);
    /// assert_eq!((HybridClock::millis(ts), HybridClock::logical(ts)), (42, 7));
    /// ```
    pub const fn pack(millis: u64, logical: u16) -> u64 {
        let millis = if millis > Self::MAX_MILLIS { Self::MAX_MILLIS } else { millis };
        (millis << Self::LOGICAL_BITS) | logical as u64
    }

    /// The wall-clock milliseconds of a timestamp.
    ///
    /// ```
    /// assert_eq!(routekit::crdt::HybridClock::millis(5 << 16 | 3), 5);
    /// ```
    pub const fn millis(timestamp: u64) -> u64 {
        timestamp >> Self::LOGICAL_BITS
    }

    /// The logical counter of a timestamp.
    ///
    /// ```
    /// assert_eq!(routekit::crdt::HybridClock::logical(5 << 16 | 3), 3);
    /// ```
    pub const fn logical(timestamp: u64) -> u16 {
        timestamp as u16
    }

    /// The greatest timestamp this clock returned or observed (0 for none).
    ///
    /// ```
    /// let mut clock = routekit::crdt::HybridClock::new();
    /// let ts = clock.now()?;
    /// assert_eq!(clock.last(), ts);
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn last(&self) -> u64 {
        self.last
    }

    /// A new timestamp from the system clock: above every timestamp this
    /// clock returned or observed. Cost: one read of the system clock.
    ///
    /// # Errors
    ///
    /// [`CrdtError::ClockExhausted`] when the clock has reached `u64::MAX`
    /// (only after observing such a timestamp).
    ///
    /// ```
    /// let mut clock = routekit::crdt::HybridClock::new();
    /// let (a, b) = (clock.now()?, clock.now()?);
    /// assert!(b > a);
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn now(&mut self) -> Result<u64, CrdtError> {
        self.now_at(wall_millis())
    }

    /// A new timestamp for wall-clock time `wall_millis` (milliseconds since
    /// the epoch): `max(wall_millis, last + 1)` in packed form. For tests
    /// and for callers with their own time source.
    ///
    /// # Errors
    ///
    /// [`CrdtError::ClockExhausted`] as [`now`](Self::now).
    ///
    /// ```
    /// use routekit::crdt::HybridClock;
    ///
    /// let mut clock = HybridClock::new();
    /// assert_eq!(clock.now_at(7)?, HybridClock::pack(7, 0));
    /// assert_eq!(clock.now_at(7)?, HybridClock::pack(7, 1));
    /// assert_eq!(clock.now_at(8)?, HybridClock::pack(8, 0));
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn now_at(&mut self, wall_millis: u64) -> Result<u64, CrdtError> {
        let next = self.last.checked_add(1).ok_or(CrdtError::ClockExhausted)?;
        self.last = next.max(Self::pack(wall_millis, 0));
        Ok(self.last)
    }

    /// Moves the clock past `remote`, a timestamp received from another
    /// replica, reading the system clock for the drift check.
    ///
    /// # Errors
    ///
    /// [`CrdtError::ClockDrift`] when `remote` is more than the maximum
    /// drift ahead of the wall clock; the clock is then unchanged.
    ///
    /// ```
    /// use routekit::crdt::HybridClock;
    ///
    /// let (mut a, mut b) = (HybridClock::new(), HybridClock::new());
    /// let sent = a.now()?;
    /// b.observe(sent)?;
    /// assert!(b.now()? > sent);
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn observe(&mut self, remote: u64) -> Result<(), CrdtError> {
        self.observe_at(remote, wall_millis())
    }

    /// As [`observe`](Self::observe), with the wall clock given.
    ///
    /// # Errors
    ///
    /// [`CrdtError::ClockDrift`] as [`observe`](Self::observe).
    ///
    /// ```
    /// use routekit::crdt::{CrdtError, HybridClock};
    ///
    /// let mut clock = HybridClock::new();
    /// let far = HybridClock::pack(10_000_000, 0);
    /// assert!(matches!(clock.observe_at(far, 1_000), Err(CrdtError::ClockDrift { .. })));
    /// assert_eq!(clock.last(), 0);
    /// ```
    pub fn observe_at(&mut self, remote: u64, wall_millis: u64) -> Result<(), CrdtError> {
        let limit = Self::pack(wall_millis.saturating_add(self.max_drift_millis), u16::MAX);
        if remote > limit {
            return Err(CrdtError::ClockDrift {
                ahead_millis: Self::millis(remote).saturating_sub(wall_millis),
                max_drift_millis: self.max_drift_millis,
            });
        }
        self.last = self.last.max(remote);
        Ok(())
    }

    /// A timestamp above both the clock and `floor`, without a drift check:
    /// for writing over a value this replica already holds.
    pub(crate) fn now_after(&mut self, floor: u64) -> Result<u64, CrdtError> {
        self.last = self.last.max(floor);
        self.now()
    }
}

/// Milliseconds since the Unix epoch, 0 for a system clock set before it.
fn wall_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| u64::try_from(since.as_millis()).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logical_counter_overflow_carries_into_the_millis() {
        let mut clock = HybridClock::new();
        clock.observe_at(HybridClock::pack(5, u16::MAX), 5).unwrap();
        let next = clock.now_at(5).unwrap();
        assert_eq!((HybridClock::millis(next), HybridClock::logical(next)), (6, 0));
    }

    #[test]
    fn exhausted_clock_says_so() {
        let mut clock = HybridClock::with_max_drift(u64::MAX);
        clock.observe_at(u64::MAX, 0).unwrap();
        assert_eq!(clock.now_at(0), Err(CrdtError::ClockExhausted));
        assert_eq!(clock.last(), u64::MAX);
    }

    #[test]
    fn wall_times_past_the_range_are_clamped() {
        assert_eq!(HybridClock::millis(HybridClock::pack(u64::MAX, 0)), HybridClock::MAX_MILLIS);
    }
}
