//! How an [`OrSet`](super::OrSet) stores the dots of its elements: the first
//! dot inline in the element's entry, any further ones chained through one
//! arena shared by the whole set.
//!
//! Almost every element has exactly one dot; two concurrent adds of the same
//! element give it two, and more is rare. An entry is the element plus 16
//! bytes (24 for a `u64` element), and a second dot costs a 16-byte arena
//! slot, never an allocation of its own.

/// One add event: the actor's index in the set's causal context and its
/// counter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) struct Dot {
    pub(super) actor: u32,
    pub(super) counter: u64,
}

/// Marks the end of a chain (and an empty free list).
const END: u32 = u32::MAX;

/// A present element, its first dot, and the start of its chain of further
/// dots in [`Links`]. The dot's fields are flattened so that the entry has no
/// padding.
#[derive(Clone, Debug)]
pub(super) struct Entry<T> {
    pub(super) value: T,
    counter: u64,
    actor: u32,
    next: u32,
}

impl<T> Entry<T> {
    /// An element with one dot.
    pub(super) fn new(value: T, dot: Dot) -> Self {
        Entry { value, counter: dot.counter, actor: dot.actor, next: END }
    }

    /// The element's first dot.
    pub(super) fn first(&self) -> Dot {
        Dot { actor: self.actor, counter: self.counter }
    }

    fn set_first(&mut self, dot: Dot) {
        self.counter = dot.counter;
        self.actor = dot.actor;
    }
}

/// A dot beyond an element's first, and the next one of the same element.
#[derive(Clone, Copy, Debug)]
struct Link {
    counter: u64,
    actor: u32,
    next: u32,
}

/// The arena of every element's further dots; freed slots are reused.
#[derive(Clone, Debug)]
pub(super) struct Links {
    links: Vec<Link>,
    /// The first free slot, chained through `next`.
    free: u32,
}

impl Default for Links {
    fn default() -> Self {
        Links { links: Vec::new(), free: END }
    }
}

/// The dots of one element, first dot first.
pub(super) struct Dots<'a> {
    links: &'a [Link],
    first: Option<Dot>,
    next: u32,
}

impl Iterator for Dots<'_> {
    type Item = Dot;

    #[inline]
    fn next(&mut self) -> Option<Dot> {
        if let Some(first) = self.first.take() {
            return Some(first);
        }
        let link = self.links.get(self.next as usize)?;
        self.next = link.next;
        Some(Dot { actor: link.actor, counter: link.counter })
    }
}

impl Links {
    /// The dots of `entry`.
    #[inline]
    pub(super) fn dots<'a, T>(&'a self, entry: &Entry<T>) -> Dots<'a> {
        Dots { links: &self.links, first: Some(entry.first()), next: entry.next }
    }

    /// How many dots `entry` has.
    pub(super) fn count<T>(&self, entry: &Entry<T>) -> usize {
        self.dots(entry).count()
    }

    /// Whether `entry` has `dot`.
    #[inline]
    pub(super) fn holds<T>(&self, entry: &Entry<T>, dot: Dot) -> bool {
        entry.first() == dot || (entry.next != END && self.dots(entry).skip(1).any(|d| d == dot))
    }

    /// Gives `entry` one more dot (one it does not have).
    ///
    /// # Panics
    ///
    /// When the set already holds 2^32 - 1 dots beyond the first of their
    /// elements (64 GiB of them).
    pub(super) fn push<T>(&mut self, entry: &mut Entry<T>, dot: Dot) {
        let link = Link { counter: dot.counter, actor: dot.actor, next: entry.next };
        entry.next = if self.free != END {
            let at = self.free;
            self.free = self.links[at as usize].next;
            self.links[at as usize] = link;
            at
        } else {
            let at = u32::try_from(self.links.len())
                .ok()
                .filter(|&at| at != END)
                .expect("an OrSet holds at most 2^32 - 1 dots beyond the first of their elements");
            self.links.push(link);
            at
        };
    }

    /// Makes `dot` the only dot of `entry`.
    pub(super) fn replace<T>(&mut self, entry: &mut Entry<T>, dot: Dot) {
        self.release(entry);
        entry.next = END;
        entry.set_first(dot);
    }

    /// Frees the further dots of an entry that is going away.
    pub(super) fn release<T>(&mut self, entry: &Entry<T>) {
        let mut at = entry.next;
        while at != END {
            let next = self.links[at as usize].next;
            self.free_slot(at);
            at = next;
        }
    }

    /// Keeps the dots of `entry` for which `keep(value, dot)` is true, each
    /// asked once; false when none is left (the entry must then go, or get
    /// a dot with [`replace`](Self::replace)).
    pub(super) fn retain<T>(
        &mut self,
        entry: &mut Entry<T>,
        mut keep: impl FnMut(&T, Dot) -> bool,
    ) -> bool {
        // The chain first: unlink what goes.
        let (mut previous, mut at) = (END, entry.next);
        while at != END {
            let link = self.links[at as usize];
            if keep(&entry.value, Dot { actor: link.actor, counter: link.counter }) {
                previous = at;
            } else {
                match previous {
                    END => entry.next = link.next,
                    previous => self.links[previous as usize].next = link.next,
                }
                self.free_slot(at);
            }
            at = link.next;
        }
        if keep(&entry.value, entry.first()) {
            return true;
        }
        // The first dot goes: the next one, if any, takes its place.
        let at = entry.next;
        if at == END {
            return false;
        }
        let link = self.links[at as usize];
        entry.set_first(Dot { actor: link.actor, counter: link.counter });
        entry.next = link.next;
        self.free_slot(at);
        true
    }

    /// Forgets every chain.
    pub(super) fn clear(&mut self) {
        self.links.clear();
        self.free = END;
    }

    fn free_slot(&mut self, at: u32) {
        self.links[at as usize].next = self.free;
        self.free = at;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(actor: u32, counter: u64) -> Dot {
        Dot { actor, counter }
    }

    fn sorted(links: &Links, entry: &Entry<u8>) -> Vec<Dot> {
        let mut dots: Vec<Dot> = links.dots(entry).collect();
        dots.sort_unstable();
        dots
    }

    #[test]
    fn an_entry_is_its_element_and_sixteen_bytes() {
        assert_eq!(std::mem::size_of::<Entry<u64>>(), 24);
        assert_eq!(std::mem::size_of::<Link>(), 16);
    }

    #[test]
    fn chains_grow_shrink_and_reuse_freed_slots() {
        let mut links = Links::default();
        let mut x = Entry::new(1u8, d(0, 1));
        let mut y = Entry::new(2u8, d(1, 1));
        links.push(&mut x, d(1, 2));
        links.push(&mut x, d(2, 3));
        links.push(&mut y, d(0, 2));
        assert_eq!(sorted(&links, &x), [d(0, 1), d(1, 2), d(2, 3)]);
        assert_eq!((links.count(&x), links.count(&y)), (3, 2));
        assert!(links.holds(&x, d(2, 3)) && !links.holds(&x, d(0, 2)));

        // Dropping the first dot promotes a chained one; the slot is reused.
        assert!(links.retain(&mut x, |_, dot| dot != d(0, 1)));
        assert_eq!(sorted(&links, &x), [d(1, 2), d(2, 3)]);
        let slots = links.links.len();
        links.push(&mut y, d(3, 9));
        assert_eq!(links.links.len(), slots);
        assert_eq!(sorted(&links, &y), [d(0, 2), d(1, 1), d(3, 9)]);

        // Dropping from the middle and the end of a chain.
        assert!(links.retain(&mut y, |_, dot| dot == d(1, 1)));
        assert_eq!(sorted(&links, &y), [d(1, 1)]);
        assert!(!links.retain(&mut x, |_, _| false));

        // Replacing every dot frees the chain.
        links.push(&mut y, d(4, 4));
        links.replace(&mut y, d(5, 5));
        assert_eq!(sorted(&links, &y), [d(5, 5)]);
        let mut free = 0;
        let mut at = links.free;
        while at != END {
            free += 1;
            at = links.links[at as usize].next;
        }
        assert_eq!(free, links.links.len());
    }

    #[test]
    fn retain_asks_about_each_dot_once() {
        let mut links = Links::default();
        let mut x = Entry::new(7u8, d(0, 1));
        links.push(&mut x, d(0, 2));
        links.push(&mut x, d(0, 3));
        let mut asked = Vec::new();
        assert!(links.retain(&mut x, |&value, dot| {
            assert_eq!(value, 7);
            asked.push(dot.counter);
            dot.counter == 3
        }));
        asked.sort_unstable();
        assert_eq!(asked, [1, 2, 3]);
        assert_eq!(sorted(&links, &x), [d(0, 3)]);
    }
}
