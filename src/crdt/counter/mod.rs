//! Grow-only and up-down counters, [`GCounter`] and [`PNCounter`], and their
//! deltas, [`GCounterDelta`] and [`PNCounterDelta`].
//!
//! Each actor owns one `u64` count that only it increments; the value is the
//! exact sum of all counts, and merging takes each actor's larger count. A
//! delta carries the incrementing actor's new absolute count, so deltas need
//! no causal delivery: any order, any number of copies, gives the same sum.
//! Nothing here can fail to merge, so the counters' `merge` and
//! `merge_delta` return no `Result`.

mod delta;
mod gcounter;
mod pncounter;

#[cfg(feature = "serde")]
pub(crate) use delta::ONE_ACTOR;
pub use delta::{GCounterDelta, PNCounterDelta};
pub use gcounter::GCounter;
pub use pncounter::PNCounter;
