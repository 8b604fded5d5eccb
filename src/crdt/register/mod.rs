//! Registers: the last-writer-wins [`LwwRegister`] and the stamp
//! (timestamp, actor) that orders its writes, shared with the
//! [`LwwMap`](super::LwwMap).

mod lww;
mod lww_wire;

pub use lww::LwwRegister;

use std::cmp::Ordering;

use super::CrdtError;

/// When and by whom a value was written: writes are ordered by timestamp,
/// then by actor, so equal timestamps are decided the same way on every
/// replica, whatever the order of arrival.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Stamp<A> {
    pub(crate) timestamp: u64,
    pub(crate) actor: A,
}

/// Whether a write stamped `theirs` with `their_value` replaces one stamped
/// `mine` with `my_value`: `Ok(true)` when it is later, `Ok(false)` when it
/// is earlier or the same write, and a conflict when one stamp carries two
/// values.
pub(crate) fn later<A: Ord, V: PartialEq>(
    mine: (&Stamp<A>, &V),
    theirs: (&Stamp<A>, &V),
) -> Result<bool, CrdtError> {
    match theirs.0.cmp(mine.0) {
        Ordering::Greater => Ok(true),
        Ordering::Less => Ok(false),
        Ordering::Equal if theirs.1 == mine.1 => Ok(false),
        Ordering::Equal => Err(CrdtError::WriteConflict { timestamp: mine.0.timestamp }),
    }
}
