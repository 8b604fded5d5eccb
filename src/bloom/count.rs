//! The inserted-keys count: one saturating rule for every filter and every
//! path (insert, union, atomic insert, `union_shared`, decode), and what a
//! filter's bits say about it.
//!
//! A count only grows by an insert that set a new bit (+1) and by a union
//! (the sum); it is never more than `u64::MAX`, where it stays. A
//! saturating sum is commutative and associative, so unions keep their laws
//! at the top of the range too, and no count read from bytes can make a
//! later operation overflow.
//!
//! The bits bound the count from below (see [`Bounds`]), and an all-zero
//! filter counts nothing. Nothing bounds it from above: the union of a filter
//! with itself doubles its count and keeps its bits.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// `a + b`, or `u64::MAX` when the sum does not fit: the one way counts add.
#[inline]
pub(super) const fn add(a: u64, b: u64) -> u64 {
    a.saturating_add(b)
}

/// The counts a filter's bits allow: `least..=most`.
///
/// Every counted insert sets at most `k` new bits (standard filter), or at
/// most `k / 8` new bits in each lane of its one block (blocked filter), and
/// a union's bits are at most the sum of both filters' bits while its count
/// is the sum of both counts (or `u64::MAX`). So a standard filter with `p`
/// set bits counted at least `⌈p / k⌉` inserts, and a blocked filter at least
/// `Σ over blocks of max over its lanes ⌈ones / (k / 8)⌉`. An intersection
/// keeps the smaller count of two filters whose bits are each at least their
/// AND, so it keeps the bound. A filter with no bit set counts nothing (an
/// intersection that leaves no bit counts 0); with a bit set, any count from
/// the least up is reachable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Bounds {
    pub(super) least: u64,
    pub(super) most: u64,
}

impl Bounds {
    /// The bounds for bits whose lower bound is `least` (0 exactly when no
    /// bit is set).
    pub(super) const fn from_least(least: u64) -> Bounds {
        Bounds { least, most: if least == 0 { 0 } else { u64::MAX } }
    }

    /// The bounds of a standard filter with `ones` bits set, `hashes` per key.
    pub(super) const fn standard(ones: u64, hashes: u32) -> Bounds {
        Bounds::from_least(ones.div_ceil(hashes as u64))
    }

    /// `count` moved into the bounds: what a filter whose count was read
    /// apart from its bits (a racing atomic insert) should say.
    pub(super) fn reconcile(self, count: u64) -> u64 {
        count.clamp(self.least, self.most)
    }

    pub(super) fn contains(self, count: u64) -> bool {
        (self.least..=self.most).contains(&count)
    }
}

/// The count of an [`AtomicBloomFilter`](super::AtomicBloomFilter), spread
/// over cache-line-sized stripes so that threads inserting different keys
/// do not all write one line: a single shared counter would move between
/// cores on every insert of a new key and serialize them. A key's hash picks
/// its stripe; the count is the (saturating) sum.
pub(super) struct SharedCount {
    stripes: [Stripe; STRIPES],
}

/// Stripes of a [`SharedCount`]: more than the threads that usually insert
/// at once, few enough that reading the count stays cheap.
const STRIPES: usize = 8;

/// One counter alone in 128 bytes: two cache lines, because x86-64 CPUs
/// fetch lines in adjacent pairs.
#[derive(Default)]
#[repr(align(128))]
struct Stripe(AtomicU64);

impl Stripe {
    /// Adds `n`, saturating.
    #[inline]
    fn add(&self, n: u64) {
        // `fetch_add` would wrap; the update only fails under contention on
        // this stripe, which the striping makes rare.
        let _ = self.0.fetch_update(Relaxed, Relaxed, |count| Some(add(count, n)));
    }
}

impl SharedCount {
    /// A count of `count`.
    pub(super) fn new(count: u64) -> SharedCount {
        let shared = SharedCount { stripes: Default::default() };
        shared.stripes[0].0.store(count, Relaxed);
        shared
    }

    /// Counts one insert, on the stripe `pick` (any `u64`, such as bits of
    /// the key's hash) selects.
    #[inline]
    pub(super) fn add_one(&self, pick: u64) {
        self.stripes[(pick >> 61) as usize % STRIPES].add(1);
    }

    /// Adds `n` (a union).
    pub(super) fn add(&self, n: u64) {
        self.stripes[0].add(n);
    }

    /// The count now: each stripe read once, relaxed.
    pub(super) fn load(&self) -> u64 {
        self.stripes.iter().fold(0, |sum, stripe| add(sum, stripe.0.load(Relaxed)))
    }

    /// The count, with exclusive access.
    pub(super) fn get_mut(&mut self) -> u64 {
        self.stripes.iter_mut().fold(0, |sum, stripe| add(sum, *stripe.0.get_mut()))
    }

    /// Sets the count to `count`, with exclusive access.
    pub(super) fn set(&mut self, count: u64) {
        for stripe in &mut self.stripes {
            *stripe.0.get_mut() = 0;
        }
        *self.stripes[0].0.get_mut() = count;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_saturate_on_every_path() {
        assert_eq!(add(u64::MAX, 1), u64::MAX);
        assert_eq!(add(u64::MAX - 1, 1), u64::MAX);
        let shared = SharedCount::new(u64::MAX);
        shared.add_one(0);
        shared.add_one(u64::MAX); // another stripe: the sum saturates
        shared.add(u64::MAX);
        assert_eq!(shared.load(), u64::MAX);
        let mut shared = SharedCount::new(u64::MAX - 2);
        for pick in [0, 1 << 61, 2 << 61] {
            shared.add_one(pick);
        }
        assert_eq!(shared.get_mut(), u64::MAX);
        shared.set(5);
        assert_eq!(shared.load(), 5);
    }

    #[test]
    fn stripes_are_apart_and_picked_by_the_high_bits() {
        assert_eq!(std::mem::align_of::<Stripe>(), 128);
        let shared = SharedCount::new(0);
        for stripe in 0..STRIPES as u64 {
            shared.add_one(stripe << 61);
        }
        assert!(shared.stripes.iter().all(|stripe| stripe.0.load(Relaxed) == 1));
    }

    #[test]
    fn bounds_clamp_a_count() {
        assert_eq!(Bounds::from_least(0), Bounds { least: 0, most: 0 });
        assert_eq!(Bounds::from_least(0).reconcile(7), 0);
        assert_eq!(Bounds::from_least(3).reconcile(1), 3);
        assert_eq!(Bounds::from_least(3).reconcile(u64::MAX), u64::MAX);
        assert!(Bounds::from_least(3).contains(4) && !Bounds::from_least(3).contains(2));
    }
}
