//! The membership bookkeeping every strategy shares: the nodes, an order,
//! lookup by identity in O(log n), the duplicate check, and bulk changes
//! with one sort that either happen whole or not at all.
//!
//! Two orders exist, chosen by the owner with the type parameter:
//!
//! * [`ById`]: the nodes are kept sorted by identity bytes, so a node's
//!   index is its rank and orders ties (ring points, rendezvous scores, the
//!   Maglev fill). Changes report where the new nodes went ([`Inserted`]),
//!   so the owner can carry its per-node data and renumber its tables.
//! * [`Arranged`]: the nodes are kept in an order the owner chooses — the
//!   buckets of a jump hash, MementoHash's dense positions, a deployed
//!   system's configuration order — with an index of positions sorted by
//!   identity beside them.
//!
//! Nothing here validates weights or capacities: owners check what only
//! they know before calling, so a refused change leaves every part of a
//! router untouched.

use super::{NodeId, RouteError, alloc};

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

/// The new nodes of a change to a [`Members<N, ById>`]: each one's index in
/// the new identity order (increasing) with the data given with it. The
/// owner carries its per-node vectors along with
/// [`along`](Inserted::along) and renumbers its tables with
/// [`renumbering`](Inserted::renumbering).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Inserted<T> {
    at: Vec<(usize, T)>,
    /// For each old index, its index after the change.
    renumber: Vec<u32>,
}

/// Memory reserved before a change for growing a per-node vector along it
/// ([`Inserted::along_in`]), so that the change cannot fail half-way: room
/// in the vector itself for a few new items, or a new vector for the merge.
#[derive(Debug)]
pub(crate) struct Room<D>(Option<Vec<D>>);

impl<D> Room<D> {
    /// Room to add `added` items to `vec`; `vec` keeps its contents.
    pub(crate) fn reserve(vec: &mut Vec<D>, added: usize) -> Result<Room<D>, RouteError> {
        if added <= FEW || vec.is_empty() {
            alloc::reserve(vec, added)?;
            Ok(Room(None))
        } else {
            let total = vec.len().saturating_add(added);
            Ok(Room(Some(alloc::vec_with_capacity(total)?)))
        }
    }
}

/// Memory for [`Members::sort_by_key_in`], reserved before a change.
#[derive(Debug)]
pub(crate) struct SortRoom<K, N> {
    keys: Vec<K>,
    order: Vec<u32>,
    new_position: Vec<u32>,
    taken: Vec<Option<N>>,
}

impl<K, N> SortRoom<K, N> {
    /// Room to sort `nodes` nodes.
    pub(crate) fn reserve(nodes: usize) -> Result<SortRoom<K, N>, RouteError> {
        Ok(SortRoom {
            keys: alloc::vec_with_capacity(nodes)?,
            order: alloc::vec_with_capacity(nodes)?,
            new_position: alloc::vec_with_capacity(nodes)?,
            taken: alloc::vec_with_capacity(nodes)?,
        })
    }
}

/// Up to this many new items are inserted in place; more rebuild the
/// vector in one pass.
const FEW: usize = 4;

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

    /// The node with identity `id`: O(log n).
    pub(crate) fn node_by_id(&self, id: &[u8]) -> Option<&N> {
        self.find(id).map(|at| &self.nodes[at])
    }

    fn search(&self, id: &[u8]) -> Result<usize, usize> {
        self.nodes.binary_search_by(|node| node.id_bytes().as_ref().cmp(id))
    }

    /// Heap bytes of the node list.
    pub(crate) fn memory_bytes(&self) -> usize {
        self.nodes.capacity() * size_of::<N>()
    }

    /// Adds nodes, each with data for its owner, keeping identity order: one
    /// sort of the new nodes, a binary search for each, and one pass over
    /// the old ones (a move of those after it, for a single new node):
    /// O(n + k log n) for `k` new nodes.
    ///
    /// # Errors
    ///
    /// [`RouteError::DuplicateNode`] when an identity repeats, among the new
    /// nodes or with a present one; nothing is changed then.
    pub(crate) fn insert_all<T>(&mut self, added: Vec<(N, T)>) -> Result<Inserted<T>, RouteError> {
        let added = sort_by_identity(added, |(node, _)| node)?;
        // Where each new node goes among the old ones; the new nodes are
        // sorted, so each search starts where the previous one ended, and a
        // new node's index counts the new nodes before it. Every allocation
        // comes before the first change, so a refusal changes nothing.
        let mut from = 0;
        let mut inserted = alloc::vec_with_capacity(added.len())?;
        let mut nodes = alloc::vec_with_capacity(added.len())?;
        for (before, (node, data)) in added.into_iter().enumerate() {
            let present = {
                let id = node.id_bytes();
                let id = id.as_ref();
                from += self.nodes[from..].partition_point(|old| old.id_bytes().as_ref() < id);
                self.nodes.get(from).is_some_and(|old| old.id_bytes().as_ref() == id)
            };
            if present {
                return Err(RouteError::duplicate(&node));
            }
            inserted.push((from + before, data));
            nodes.push((from + before, node));
        }
        let renumber = renumbering(&inserted, self.nodes.len())?;
        let room = Room::reserve(&mut self.nodes, nodes.len())?;
        insert_sorted(&mut self.nodes, nodes.into_iter(), room);
        Ok(Inserted { at: inserted, renumber })
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
}

impl<N: NodeId> Members<N, Arranged> {
    /// The position of the node with identity `id`: O(log n).
    pub(crate) fn find(&self, id: &[u8]) -> Option<usize> {
        self.search(id).ok().map(|at| self.order.by_identity[at] as usize)
    }

    /// The node with identity `id`: O(log n).
    pub(crate) fn node_by_id(&self, id: &[u8]) -> Option<&N> {
        self.find(id).map(|at| &self.nodes[at])
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
    /// the new identities, a binary search for each in the index, and one
    /// pass over it (a move, for a single new node): O(n + k log n) for `k`
    /// new nodes. The caller keeps the count within `u32`.
    ///
    /// # Errors
    ///
    /// [`RouteError::DuplicateNode`] when an identity repeats, among the new
    /// nodes or with a present one; nothing is changed then.
    pub(crate) fn append(&mut self, added: Vec<N>) -> Result<(), RouteError> {
        debug_assert!(u32::try_from(self.nodes.len() + added.len()).is_ok());
        let before = self.nodes.len();
        let fresh = sort_by_identity(added.iter().enumerate().collect(), |(_, node)| *node)?;
        let mut from = 0;
        let mut index = alloc::vec_with_capacity(fresh.len())?;
        for (earlier, &(offset, node)) in fresh.iter().enumerate() {
            let id = node.id_bytes();
            let id = id.as_ref();
            let nodes = &self.nodes;
            let rest = &self.order.by_identity[from..];
            from += rest.partition_point(|&p| nodes[p as usize].id_bytes().as_ref() < id);
            let present = self.order.by_identity.get(from);
            if present.is_some_and(|&p| self.nodes[p as usize].id_bytes().as_ref() == id) {
                return Err(RouteError::duplicate(node));
            }
            index.push((from + earlier, (before + offset) as u32));
        }
        drop(fresh);
        // Every allocation comes before the first change.
        let room = Room::reserve(&mut self.order.by_identity, index.len())?;
        alloc::reserve(&mut self.nodes, added.len())?;
        self.nodes.extend(added);
        insert_sorted(&mut self.order.by_identity, index.into_iter(), room);
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
    /// n). Returns, for each new position, the node's old position. May
    /// allocate, infallibly: owners that reserve first use
    /// [`sort_by_key_in`](Members::sort_by_key_in).
    #[cfg_attr(
        not(feature = "compat"),
        allow(dead_code, reason = "for route::compat, which sorts twemproxy's servers by name")
    )]
    pub(crate) fn sort_by_key<K: Ord>(&mut self, key: impl FnMut(usize, &N) -> K) -> Vec<u32> {
        let room = SortRoom {
            keys: Vec::with_capacity(self.nodes.len()),
            order: Vec::with_capacity(self.nodes.len()),
            new_position: Vec::with_capacity(self.nodes.len()),
            taken: Vec::with_capacity(self.nodes.len()),
        };
        self.sort_by_key_in(room, key)
    }

    /// [`sort_by_key`](Members::sort_by_key) in memory reserved before the
    /// change: allocates nothing beyond `room`.
    pub(crate) fn sort_by_key_in<K: Ord>(
        &mut self,
        room: SortRoom<K, N>,
        mut key: impl FnMut(usize, &N) -> K,
    ) -> Vec<u32> {
        let SortRoom { mut keys, mut order, mut new_position, mut taken } = room;
        keys.extend(self.nodes.iter().enumerate().map(|(i, node)| key(i, node)));
        order.extend(0..self.nodes.len() as u32);
        // Ties broken by position: the stable order, without the scratch
        // memory a stable sort allocates.
        order.sort_unstable_by(|&a, &b| keys[a as usize].cmp(&keys[b as usize]).then(a.cmp(&b)));
        new_position.resize(order.len(), 0);
        for (new, &old) in order.iter().enumerate() {
            new_position[old as usize] = new as u32;
        }
        taken.extend(self.nodes.drain(..).map(Some));
        // The drained vector keeps its capacity: this does not allocate.
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

/// Sorts `items` by the identity of `node(item)` and refuses the first
/// repeated identity.
///
/// Each identity's first 12 bytes are read once into the high bits of an
/// integer whose low 32 bits hold the item's position, and the integers are
/// sorted as integers: two identities whose 12-byte heads differ are ordered
/// by their heads exactly as by their bytes (see [`head`]). Only runs of
/// equal heads are then sorted by their whole identities. So most
/// comparisons are integer compares, and identities made on the spot
/// (addresses) are made once.
fn sort_by_identity<X, N: NodeId>(
    items: Vec<X>,
    node: impl Fn(&X) -> &N,
) -> Result<Vec<X>, RouteError> {
    if items.len() < 2 {
        return Ok(items);
    }
    let full = |a: u128, b: u128| {
        let (a, b) = (&items[a as u32 as usize], &items[b as u32 as usize]);
        node(a).id_bytes().as_ref().cmp(node(b).id_bytes().as_ref())
    };
    let mut order: Vec<u128> = if u32::try_from(items.len()).is_ok() {
        let mut order = alloc::vec_with_capacity(items.len())?;
        order.extend(items.iter().zip(0u32..).map(|(item, i)| head(node(item)) | u128::from(i)));
        order
    } else {
        // Too many to number in 32 bits (never in practice): sort on the
        // whole identities. The positions then do not fit the integers.
        return sort_on_whole_identities(items, node);
    };
    order.sort_unstable();
    let mut run = 0;
    while run < order.len() {
        let head = order[run] >> 32;
        let same = order[run..].iter().take_while(|&&key| key >> 32 == head).count();
        if same > 1 {
            let equal_heads = &mut order[run..run + same];
            equal_heads.sort_unstable_by(|&a, &b| full(a, b));
            if let Some(pair) = equal_heads.windows(2).find(|p| full(p[0], p[1]).is_eq()) {
                return Err(RouteError::duplicate(node(&items[pair[1] as u32 as usize])));
            }
        }
        run += same;
    }
    // Move the items into that order in place, following each position to
    // where its item went by the earlier swaps (as `sort_by_cached_key`).
    let mut from: Vec<u32> = alloc::vec_with_capacity(order.len())?;
    from.extend(order.iter().map(|&key| key as u32));
    drop(order);
    let mut items = items;
    for i in 0..from.len() {
        let mut at = from[i] as usize;
        while at < i {
            at = from[at] as usize;
        }
        from[i] = at as u32;
        items.swap(i, at);
    }
    Ok(items)
}

/// [`sort_by_identity`] for more than 2³² items: comparisons on the whole
/// identities.
fn sort_on_whole_identities<X, N: NodeId>(
    mut items: Vec<X>,
    node: impl Fn(&X) -> &N,
) -> Result<Vec<X>, RouteError> {
    items.sort_unstable_by(|a, b| node(a).id_bytes().as_ref().cmp(node(b).id_bytes().as_ref()));
    let repeated = items
        .windows(2)
        .find(|p| node(&p[0]).id_bytes().as_ref() == node(&p[1]).id_bytes().as_ref());
    if let Some(pair) = repeated {
        return Err(RouteError::duplicate(node(&pair[1])));
    }
    Ok(items)
}

/// The first 12 identity bytes, big-endian, zero-padded, in the top 96 bits
/// of an integer. If the heads of two identities differ, they order the
/// identities as their bytes do: at the first byte where the heads differ
/// both identities have a byte and it decides, or one identity has ended
/// (its head pads with zeros) and is a prefix of the other, which sorts
/// first either way.
fn head<N: NodeId + ?Sized>(node: &N) -> u128 {
    let id = node.id_bytes();
    let id = id.as_ref();
    let mut head = [0u8; 16];
    let len = id.len().min(12);
    head[..len].copy_from_slice(&id[..len]);
    u128::from_be_bytes(head)
}

/// Puts each `(index, item)` at its index of the grown vector; the indices
/// are increasing and final (they count the items inserted before them).
/// Allocates nothing beyond `room` (from [`Room::reserve`] for this many
/// items).
fn insert_sorted<D>(
    vec: &mut Vec<D>,
    items: impl ExactSizeIterator<Item = (usize, D)>,
    room: Room<D>,
) {
    let Some(mut merged) = room.0 else {
        for (at, item) in items {
            vec.insert(at, item);
        }
        return;
    };
    let mut old = std::mem::take(vec).into_iter();
    for (at, item) in items {
        let keep = at - merged.len();
        if keep > 0 {
            merged.extend(old.by_ref().take(keep));
        }
        merged.push(item);
    }
    merged.extend(old);
    *vec = merged;
}

/// For each of `old_len` old indices, its index after inserting at the
/// (increasing, final) indices of `at`.
fn renumbering<T>(at: &[(usize, T)], old_len: usize) -> Result<Vec<u32>, RouteError> {
    let mut renumber = alloc::vec_with_capacity(old_len)?;
    let mut new = at.iter().map(|(index, _)| *index).peekable();
    let mut shift = 0;
    for old in 0..old_len {
        while new.next_if(|&index| index <= old + shift).is_some() {
            shift += 1;
        }
        renumber.push((old + shift) as u32);
    }
    Ok(renumber)
}

impl<T> Inserted<T> {
    /// The new nodes' indices with their data, increasing.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (usize, &T)> {
        self.at.iter().map(|(index, data)| (*index, data))
    }

    /// Grows a per-node vector along the change: each new node's entry is
    /// made by `new(index, data)`, the old entries keep their order. May
    /// allocate, infallibly: the routers reserve first and use
    /// [`along_in`](Inserted::along_in); this form is for the tests.
    #[cfg(test)]
    pub(crate) fn along<D>(&self, vec: &mut Vec<D>, new: impl FnMut(usize, &T) -> D) {
        let room = if self.at.len() <= FEW || vec.is_empty() {
            Room(None)
        } else {
            Room(Some(Vec::with_capacity(vec.len() + self.at.len())))
        };
        self.along_in(vec, room, new);
    }

    /// `along` in memory reserved before the change:
    /// allocates nothing beyond `room`.
    pub(crate) fn along_in<D>(
        &self,
        vec: &mut Vec<D>,
        room: Room<D>,
        mut new: impl FnMut(usize, &T) -> D,
    ) {
        insert_sorted(vec, self.at.iter().map(|(index, data)| (*index, new(*index, data))), room);
    }

    /// For each old index, its index after the change.
    pub(crate) fn renumbering(&self) -> &[u32] {
        &self.renumber
    }
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
    fn identity_order_merges_and_reports_where_new_nodes_went() {
        let mut members = by_id(&["d", "b"]);
        assert_eq!(names(&members), ["b", "d"]);
        let inserted = members.insert_all(vec![("e", 5), ("a", 1), ("c", 3)]).unwrap();
        assert_eq!(names(&members), ["a", "b", "c", "d", "e"]);
        assert_eq!(inserted.iter().collect::<Vec<_>>(), [(0, &1), (2, &3), (4, &5)]);
        assert_eq!(inserted.renumbering(), [1, 3]);
        let mut data = vec!["b-data", "d-data"];
        inserted.along(&mut data, |i, _| ["a", "", "c", "", "e"][i]);
        assert_eq!(data, ["a", "b-data", "c", "d-data", "e"]);
        assert_eq!(members.find(b"c"), Some(2));
        assert_eq!(members.find(b"cc"), None);
        assert_eq!(members.remove("b").unwrap(), (1, "b"));
        assert_eq!(members.find(b"c"), Some(1));
    }

    #[test]
    fn many_new_nodes_merge_in_one_pass() {
        // More than a few new nodes take the rebuilding path; interleave them
        // with the old ones, at both ends and in runs.
        let mut members: Members<String> = Members::default();
        let evens: Vec<(String, usize)> =
            (0..40).step_by(2).map(|i| (format!("n{i:03}"), i)).collect();
        members.insert_all(evens).unwrap();
        let odds: Vec<(String, usize)> =
            (1..60).step_by(2).rev().map(|i| (format!("n{i:03}"), i)).collect();
        let inserted = members.insert_all(odds).unwrap();
        let expected: Vec<String> = (0..40)
            .step_by(2)
            .chain((1..60).step_by(2))
            .map(|i| format!("n{i:03}"))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        assert_eq!(members.as_slice(), expected);
        let mut data: Vec<usize> = (0..40).step_by(2).collect();
        inserted.along(&mut data, |_, &i| i);
        let parsed: Vec<usize> =
            members.as_slice().iter().map(|n| n[1..].parse().unwrap()).collect();
        assert_eq!(data, parsed);
        let renumber = inserted.renumbering();
        for (old, &new) in renumber.iter().enumerate() {
            assert_eq!(members.get(new as usize), &format!("n{:03}", 2 * old));
        }
    }

    #[test]
    fn identities_sharing_a_long_prefix_sort_by_their_whole_bytes() {
        // Past 16 bytes the integer prefix ties and the whole identity decides;
        // a shorter identity that is a prefix sorts first.
        let long = |tail: &str| format!("0123456789abcdef{tail}");
        let mut members: Members<String> = Members::default();
        let names = [long("b"), long(""), long("a"), "0123".into(), long("ab"), "0123\0".into()];
        members.insert_all(names.iter().cloned().map(|n| (n, ())).collect()).unwrap();
        let mut sorted = names.to_vec();
        sorted.sort();
        assert_eq!(members.as_slice(), sorted);
        let err = members.insert_all(vec![(long("zz"), ()), (long("ab"), ())]).unwrap_err();
        assert!(matches!(err, RouteError::DuplicateNode { .. }));
        let err = members.insert_all(vec![(long("q"), ()), (long("q"), ())]).unwrap_err();
        assert!(matches!(err, RouteError::DuplicateNode { .. }));
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
        assert_eq!(members.insert_all(Vec::<(&str, ())>::new()).unwrap().iter().count(), 0);
        assert_eq!(names(&members), ["b", "d"]);
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
    fn both_sorts_agree_with_a_plain_sort() {
        let mut names: Vec<String> =
            (0..300).map(|i| format!("10.0.{}.{}:80{}", i % 3, i, i % 7)).collect();
        names.extend(["", "\0", "10.0.0.0:8", "10.0.0.0:80", "10.0.0.0:8009"].map(String::from));
        let mut expected = names.clone();
        expected.sort();
        let by_head = sort_by_identity(names.clone(), |n| n).unwrap();
        let whole = sort_on_whole_identities(names.clone(), |n| n).unwrap();
        assert_eq!((&by_head, &whole), (&expected, &expected));
        names.push("10.0.1.7:800".into());
        assert!(matches!(
            sort_by_identity(names.clone(), |n| n),
            Err(RouteError::DuplicateNode { .. })
        ));
        assert!(matches!(
            sort_on_whole_identities(names, |n| n),
            Err(RouteError::DuplicateNode { .. })
        ));
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
    fn arranged_order_indexes_many_appended_nodes() {
        let mut members = arranged(&["m", "c", "x", "q", "b", "k"]);
        members.append(vec!["a", "z", "n", "d", "l", "y", "e"]).unwrap();
        assert_eq!(members.len(), 13);
        assert_indexed(&members);
        for node in ["z", "b", "a", "q", "m"] {
            members.append(vec![]).unwrap();
            let at = members.find(node.as_bytes()).unwrap();
            members.swap_remove(at);
            assert_indexed(&members);
        }
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
