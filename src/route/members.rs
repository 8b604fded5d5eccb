//! The membership bookkeeping every strategy shares: the nodes, an order,
//! lookup by identity in O(log n), the duplicate check, and bulk changes
//! with one sort that either happen whole or not at all.
//!
//! Two orders exist, chosen by the owner with the type parameter:
//!
//! * [`ById`]: the nodes are kept sorted by identity bytes, so a node's
//!   index is its rank and orders ties (ring points, rendezvous scores, the
//!   Maglev fill). Changes report how indices moved ([`Slot`]), so the owner
//!   can carry its per-node data and renumber its tables.
//! * [`Arranged`]: the nodes are kept in an order the owner chooses — the
//!   buckets of a jump hash, MementoHash's dense positions, a deployed
//!   system's configuration order — with an index of positions sorted by
//!   identity beside them.
//!
//! Nothing here validates weights or capacities: owners check what only
//! they know before calling, so a refused change leaves every part of a
//! router untouched.

use super::{NodeId, RouteError};

/// A router's nodes in order `O`, with lookup by identity.
#[derive(Clone, Debug)]
pub(crate) struct Members<N, O = ById> {
    nodes: Vec<N>,
    order: O,
}

/// Nodes sorted by identity bytes: a node's index is its rank.
#[derive(Clone, Debug, Default)]
pub(crate) struct ById;

/// Nodes in the owner's order, with their positions sorted by identity.
#[derive(Clone, Debug, Default)]
pub(crate) struct Arranged {
    by_identity: Vec<u32>,
}

/// Where each node of a changed [`Members<N, ById>`] came from, in the new
/// order: an old index (increasing along the new order) or the data given
/// with a new node.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Slot<T> {
    Old(u32),
    New(T),
}

impl<N, O: Default> Default for Members<N, O> {
    fn default() -> Self {
        Members { nodes: Vec::new(), order: O::default() }
    }
}

impl<N, O> Members<N, O> {
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.nodes.len()
    }

    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The node at `index`; panics past the end, which a router's own
    /// tables never reach.
    #[inline]
    pub(crate) fn get(&self, index: usize) -> &N {
        &self.nodes[index]
    }

    #[inline]
    pub(crate) fn as_slice(&self) -> &[N] {
        &self.nodes
    }
}

impl<N: NodeId> Members<N, ById> {
    /// The index of the node with identity `id`: O(log n).
    pub(crate) fn find(&self, id: &[u8]) -> Option<usize> {
        self.search(id).ok()
    }

    fn search(&self, id: &[u8]) -> Result<usize, usize> {
        self.nodes.binary_search_by(|node| node.id_bytes().as_ref().cmp(id))
    }

    /// Heap bytes of the node list.
    pub(crate) fn memory_bytes(&self) -> usize {
        self.nodes.capacity() * size_of::<N>()
    }

    /// Adds nodes, each with data for its owner, keeping identity order: one
    /// sort of the new nodes and a merge, O(n + k log k) for `k` new nodes.
    /// Returns where every node of the new order came from.
    ///
    /// # Errors
    ///
    /// [`RouteError::DuplicateNode`] when an identity repeats, among the new
    /// nodes or with a present one; nothing is changed then.
    pub(crate) fn insert_all<T>(
        &mut self,
        mut added: Vec<(N, T)>,
    ) -> Result<Vec<Slot<T>>, RouteError> {
        added.sort_unstable_by(|(a, _), (b, _)| a.id_bytes().as_ref().cmp(b.id_bytes().as_ref()));
        check_sorted_distinct(added.iter().map(|(node, _)| node))?;
        if let Some((node, _)) = added.iter().find(|(node, _)| self.contains(node)) {
            return Err(RouteError::duplicate(node));
        }
        let old = std::mem::take(&mut self.nodes);
        self.nodes.reserve_exact(old.len() + added.len());
        let mut slots = Vec::with_capacity(old.len() + added.len());
        let mut old = old.into_iter().zip(0u32..).peekable();
        let mut new = added.into_iter().peekable();
        loop {
            let take_old = match (old.peek(), new.peek()) {
                (Some((o, _)), Some((n, _))) => o.id_bytes().as_ref() < n.id_bytes().as_ref(),
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            if take_old {
                let (node, index) = old.next().expect("peeked");
                self.nodes.push(node);
                slots.push(Slot::Old(index));
            } else {
                let (node, data) = new.next().expect("peeked");
                self.nodes.push(node);
                slots.push(Slot::New(data));
            }
        }
        Ok(slots)
    }

    /// Removes the node with `node`'s identity: O(n). Returns its index and
    /// the node; the nodes after it move down by one.
    ///
    /// # Errors
    ///
    /// [`RouteError::UnknownNode`] when no node has that identity.
    pub(crate) fn remove<Q: NodeId + ?Sized>(
        &mut self,
        node: &Q,
    ) -> Result<(usize, N), RouteError> {
        let index = self.find(node.id_bytes().as_ref()).ok_or_else(|| RouteError::unknown(node))?;
        Ok((index, self.nodes.remove(index)))
    }

    fn contains<Q: NodeId + ?Sized>(&self, node: &Q) -> bool {
        self.find(node.id_bytes().as_ref()).is_some()
    }
}

impl<N: NodeId> Members<N, Arranged> {
    /// The position of the node with identity `id`: O(log n).
    pub(crate) fn find(&self, id: &[u8]) -> Option<usize> {
        self.search(id).ok().map(|at| self.order.by_identity[at] as usize)
    }

    /// Where `id` is, or would be, in the identity index.
    fn search(&self, id: &[u8]) -> Result<usize, usize> {
        let nodes = &self.nodes;
        self.order
            .by_identity
            .binary_search_by(|&position| nodes[position as usize].id_bytes().as_ref().cmp(id))
    }

    /// Heap bytes of the node list and its index.
    pub(crate) fn memory_bytes(&self) -> usize {
        self.nodes.capacity() * size_of::<N>()
            + self.order.by_identity.capacity() * size_of::<u32>()
    }

    /// Appends nodes after those present, in the given order: one sort of
    /// the new positions and a merge into the index, O(n + k log k) for `k`
    /// new nodes. The caller keeps the count within `u32`.
    ///
    /// # Errors
    ///
    /// [`RouteError::DuplicateNode`] when an identity repeats, among the new
    /// nodes or with a present one; nothing is changed then.
    pub(crate) fn append(&mut self, added: Vec<N>) -> Result<(), RouteError> {
        debug_assert!(u32::try_from(self.nodes.len() + added.len()).is_ok());
        let mut fresh: Vec<u32> = (0..added.len() as u32).collect();
        fresh.sort_unstable_by(|&a, &b| {
            added[a as usize].id_bytes().as_ref().cmp(added[b as usize].id_bytes().as_ref())
        });
        check_sorted_distinct(fresh.iter().map(|&i| &added[i as usize]))?;
        if let Some(node) = added.iter().find(|node| self.find(node.id_bytes().as_ref()).is_some())
        {
            return Err(RouteError::duplicate(node));
        }
        let before = self.nodes.len() as u32;
        self.nodes.extend(added);
        let nodes = &self.nodes;
        let old = std::mem::take(&mut self.order.by_identity);
        let mut index = Vec::with_capacity(nodes.len());
        let mut old = old.into_iter().peekable();
        let mut new = fresh.into_iter().map(|i| i + before).peekable();
        loop {
            let take_old = match (old.peek(), new.peek()) {
                (Some(&o), Some(&n)) => {
                    nodes[o as usize].id_bytes().as_ref() < nodes[n as usize].id_bytes().as_ref()
                }
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            index.push(if take_old { old.next() } else { new.next() }.expect("peeked"));
        }
        self.order.by_identity = index;
        Ok(())
    }

    /// Removes the last node: O(n) for the index.
    pub(crate) fn pop(&mut self) -> Option<N> {
        let last = self.nodes.len().checked_sub(1)?;
        self.unindex(last);
        self.nodes.pop()
    }

    /// Removes the node at `position`, keeping the order of the others (those
    /// after it move down by one): O(n).
    #[cfg_attr(
        not(feature = "compat"),
        allow(
            dead_code,
            reason = "for route::compat, which keeps its servers in configuration order"
        )
    )]
    pub(crate) fn remove_at(&mut self, position: usize) -> N {
        self.unindex(position);
        for at in &mut self.order.by_identity {
            if *at as usize > position {
                *at -= 1;
            }
        }
        self.nodes.remove(position)
    }

    /// Removes the node at `position` and moves the last node there: O(n)
    /// for the index.
    pub(crate) fn swap_remove(&mut self, position: usize) -> N {
        self.unindex(position);
        let last = self.nodes.len() - 1;
        if position != last {
            let moved = self.search(self.nodes[last].id_bytes().as_ref()).expect("indexed");
            self.order.by_identity[moved] = position as u32;
        }
        self.nodes.swap_remove(position)
    }

    /// Puts the nodes in the (stable) order of `key(position, node)`: O(n log
    /// n). Returns, for each new position, the node's old position.
    pub(crate) fn sort_by_key<K: Ord>(&mut self, mut key: impl FnMut(usize, &N) -> K) -> Vec<u32> {
        let keys: Vec<K> = self.nodes.iter().enumerate().map(|(i, node)| key(i, node)).collect();
        let mut order: Vec<u32> = (0..self.nodes.len() as u32).collect();
        order.sort_by(|&a, &b| keys[a as usize].cmp(&keys[b as usize]));
        let mut new_position = vec![0u32; order.len()];
        for (new, &old) in order.iter().enumerate() {
            new_position[old as usize] = new as u32;
        }
        let mut taken: Vec<Option<N>> = self.nodes.drain(..).map(Some).collect();
        self.nodes.extend(order.iter().map(|&old| taken[old as usize].take().expect("once")));
        for at in &mut self.order.by_identity {
            *at = new_position[*at as usize];
        }
        order
    }

    /// Drops the index entry of the node at `position`.
    fn unindex(&mut self, position: usize) {
        let at = self.search(self.nodes[position].id_bytes().as_ref()).expect("indexed");
        self.order.by_identity.remove(at);
    }
}

/// Refuses the first repeated identity of nodes sorted by identity.
fn check_sorted_distinct<'n, N: NodeId + 'n>(
    sorted: impl Iterator<Item = &'n N>,
) -> Result<(), RouteError> {
    let mut previous: Option<&N> = None;
    for node in sorted {
        if previous.is_some_and(|p| p.id_bytes().as_ref() == node.id_bytes().as_ref()) {
            return Err(RouteError::duplicate(node));
        }
        previous = Some(node);
    }
    Ok(())
}

/// Rebuilds a per-node vector along the new order of a change: an old
/// node's entry is moved from `old`, a new node's is made by `new(index,
/// data)` with its index in the new order.
pub(crate) fn along<D, T>(
    old: Vec<D>,
    slots: &[Slot<T>],
    mut new: impl FnMut(usize, &T) -> D,
) -> Vec<D> {
    let mut old = old.into_iter();
    slots
        .iter()
        .enumerate()
        .map(|(index, slot)| match slot {
            Slot::Old(_) => old.next().expect("one entry per old node"),
            Slot::New(data) => new(index, data),
        })
        .collect()
}

/// For each old index, its index in the new order.
pub(crate) fn renumbering<T>(slots: &[Slot<T>], old_len: usize) -> Vec<u32> {
    let mut renumber = vec![0u32; old_len];
    for (new, slot) in slots.iter().enumerate() {
        if let Slot::Old(old) = slot {
            renumber[*old as usize] = new as u32;
        }
    }
    renumber
}

#[cfg(test)]
mod tests {
    use super::*;

    fn by_id(nodes: &[&'static str]) -> Members<&'static str> {
        let mut members = Members::default();
        members.insert_all(nodes.iter().map(|&n| (n, ())).collect()).unwrap();
        members
    }

    fn names<O>(members: &Members<&'static str, O>) -> Vec<&'static str> {
        members.as_slice().to_vec()
    }

    #[test]
    fn identity_order_merges_and_reports_where_nodes_came_from() {
        let mut members = by_id(&["d", "b"]);
        assert_eq!(names(&members), ["b", "d"]);
        let slots = members.insert_all(vec![("e", 5), ("a", 1), ("c", 3)]).unwrap();
        assert_eq!(names(&members), ["a", "b", "c", "d", "e"]);
        assert_eq!(slots, [Slot::New(1), Slot::Old(0), Slot::New(3), Slot::Old(1), Slot::New(5)]);
        assert_eq!(renumbering(&slots, 2), [1, 3]);
        let data = along(vec!["b-data", "d-data"], &slots, |i, _| ["a", "", "c", "", "e"][i]);
        assert_eq!(data, ["a", "b-data", "c", "d-data", "e"]);
        assert_eq!(members.find(b"c"), Some(2));
        assert_eq!(members.find(b"cc"), None);
        assert_eq!(members.remove("b").unwrap(), (1, "b"));
        assert_eq!(members.find(b"c"), Some(1));
    }

    #[test]
    fn identity_order_is_all_or_nothing() {
        let mut members = by_id(&["b", "d"]);
        let err = members.insert_all(vec![("a", ()), ("d", ())]).unwrap_err();
        assert_eq!(err, RouteError::DuplicateNode { node: "d".into() });
        let err = members.insert_all(vec![("x", ()), ("c", ()), ("x", ())]).unwrap_err();
        assert_eq!(err, RouteError::DuplicateNode { node: "x".into() });
        assert_eq!(names(&members), ["b", "d"]);
        assert_eq!(members.remove("a").unwrap_err(), RouteError::UnknownNode { node: "a".into() });
        assert_eq!(
            members.insert_all(Vec::<(&str, ())>::new()).unwrap(),
            [Slot::Old(0), Slot::Old(1)]
        );
    }

    fn arranged(nodes: &[&'static str]) -> Members<&'static str, Arranged> {
        let mut members = Members::default();
        members.append(nodes.to_vec()).unwrap();
        members
    }

    /// The index lists every position once, sorted by identity.
    fn assert_indexed(members: &Members<&'static str, Arranged>) {
        let index = &members.order.by_identity;
        let mut positions = index.clone();
        positions.sort_unstable();
        assert_eq!(positions, (0..members.len() as u32).collect::<Vec<_>>());
        assert!(index.windows(2).all(|w| members.get(w[0] as usize) < members.get(w[1] as usize)));
        for (position, node) in members.as_slice().iter().enumerate() {
            assert_eq!(members.find(node.as_bytes()), Some(position));
        }
    }

    #[test]
    fn arranged_order_keeps_the_owners_order_with_an_index() {
        let mut members = arranged(&["m", "c", "x"]);
        members.append(vec!["a", "z", "n"]).unwrap();
        assert_eq!(names(&members), ["m", "c", "x", "a", "z", "n"]);
        assert_indexed(&members);
        assert_eq!(members.pop(), Some("n"));
        assert_indexed(&members);
        assert_eq!(members.remove_at(1), "c");
        assert_eq!(names(&members), ["m", "x", "a", "z"]);
        assert_indexed(&members);
        assert_eq!(members.swap_remove(0), "m");
        assert_eq!(names(&members), ["z", "x", "a"]);
        assert_indexed(&members);
        let order = members.sort_by_key(|_, node| *node);
        assert_eq!((names(&members), order), (vec!["a", "x", "z"], vec![2, 1, 0]));
        assert_indexed(&members);
        assert_eq!(members.swap_remove(2), "z");
        assert_eq!(members.pop(), Some("x"));
        assert_eq!(members.pop(), Some("a"));
        assert_eq!(members.pop(), None);
        assert_indexed(&members);
    }

    #[test]
    fn arranged_order_is_all_or_nothing() {
        let mut members = arranged(&["b", "a"]);
        let err = members.append(vec!["c", "a"]).unwrap_err();
        assert_eq!(err, RouteError::DuplicateNode { node: "a".into() });
        let err = members.append(vec!["q", "c", "q"]).unwrap_err();
        assert_eq!(err, RouteError::DuplicateNode { node: "q".into() });
        assert_eq!(names(&members), ["b", "a"]);
        assert_indexed(&members);
        assert_eq!(members.find(b"c"), None);
    }

    #[test]
    fn integer_nodes_order_by_their_identity_bytes() {
        // Little-endian: 256 is 00 01 ..., 7 is 07 00 ..., so 256 sorts first.
        let mut members: Members<u64> = Members::default();
        members.insert_all(vec![(7, ()), (256, ()), (1, ())]).unwrap();
        assert_eq!(members.as_slice(), [256, 1, 7]);
        assert_eq!(members.find(&7u64.to_le_bytes()), Some(2));
    }
}
