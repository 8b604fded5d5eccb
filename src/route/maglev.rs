//! Maglev hashing (Eisenbud et al., NSDI 2016): a prime-sized lookup table
//! filled from per-node permutations; one table read per key.

use std::borrow::Borrow;
use std::fmt;

use super::error::check_weight;
use super::members::Members;
use super::{BuildError, Membership, NodeId, RouteError, Router, Weighted};
use crate::hash::{KeyHasher, Xxh3};

/// The table size unless the builder says otherwise: 65,537, the paper's
/// choice, prime and enough for 655 nodes at 100 entries per node.
pub const DEFAULT_TABLE_SIZE: u32 = 65_537;

/// Entries per node the paper advises at the least (shares then differ by
/// at most about 1%).
const ENTRIES_PER_NODE: u64 = 100;

/// An entry no node holds yet, while filling.
const EMPTY: u32 = u32::MAX;

/// Maglev hashing: a lookup table of prime size `M`, one table read per key.
///
/// **Table.** Each node has a permutation of the `M` entries, `offset + j ·
/// skip (mod M)` for `j = 0, 1, …`, where `offset = h₁ mod M` and `skip =
/// h₂ mod (M - 1) + 1` come from the two independent halves `(h₁, h₂)` of the
/// hasher's [`uniform128`](KeyHasher::uniform128) of the node's
/// [`NodeId`] bytes ("two seeded hashes" in the paper); `M` prime makes every skip visit every
/// entry. Nodes take turns, in identity order, claiming the next entry of
/// their permutation that is still free, until the table is full. With
/// weights, a node's turns come at the rate `weight / max weight` and each
/// node stops at its **quota**, `M · weight / Σ weights` rounded by largest
/// remainder (at least one entry): every node holds its quota exactly, within
/// one entry of its exact weighted share. With equal weights this is the
/// paper's round-robin fill unchanged.
///
/// **Lookup.** `H(key)` is reduced to an entry by multiply-shift
/// (`(H · M) >> 64`, no division) and the entry names the node: O(1), one
/// table read, no allocation.
///
/// **Changes** rebuild the table: O(M log M). The table is a function of the
/// node set (identities, weights, hasher, `M`), never of insertion order.
/// What Maglev promises on a change is *near*-minimal disruption, not the
/// exact minimum: every entry of a node that leaves changes owner and every
/// entry a new node gets changes owner, but because the others' turns shift,
/// a few further entries change hands too (about 1–2% of the table beyond the
/// minimum at `M ≈ 100 × nodes`, fewer in larger tables).
/// [`Maglev::last_change_fraction`] reports the fraction of entries that
/// changed on the last rebuild.
///
/// **Size.** `M` must be prime and at least 100 entries per node, as the
/// paper advises (shares then differ by at most about 1%); inserting more
/// nodes than `M / 100` is refused with [`RouteError::TableTooSmall`]. Use
/// [`MaglevBuilder::table_size_for`] to size a table for a node count. Memory:
/// 2 bytes per entry up to 65,536 nodes (128 KB for the default size), 4
/// beyond.
///
/// **Preference lists.** After the owner, the other nodes rank by how early
/// the key's entry comes in their permutation: the node whose permutation
/// reaches the entry first is the one most likely to claim it when the table
/// is rebuilt without the owner. So failover spreads a node's keys over all
/// the others, mostly where a rebuild would send them. Cost: O(n) per list.
///
/// # Example
///
/// ```
/// use routekit::route::{Maglev, Membership, Router};
///
/// let mut lb = Maglev::new();
/// lb.extend(["10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80"])?;
/// let backend = lb.route(b"198.51.100.7:5353").unwrap();
///
/// // Every backend holds a third of the 65,537 entries, to the entry.
/// let mine = lb.table().filter(|n| *n == backend).count();
/// assert!((21_845..=21_846).contains(&mine));
///
/// lb.remove("10.0.0.2:80")?;
/// assert!(lb.last_change_fraction() < 0.40); // a third, and a little more
/// # Ok::<(), routekit::route::RouteError>(())
/// ```
#[derive(Clone)]
pub struct Maglev<N, H = Xxh3> {
    hasher: H,
    size: u32,
    /// Nodes sorted by identity bytes; `permutations` runs in parallel.
    members: Members<N>,
    permutations: Vec<Permutation>,
    /// The node index owning each entry; empty when there are no nodes.
    table: Table,
    /// The fraction of entries that changed owner on the last rebuild.
    last_change: f64,
}

/// A node's weight and permutation of the table.
#[derive(Clone, Copy, Debug)]
struct Permutation {
    weight: f64,
    offset: u32,
    skip: u32,
    /// `skip⁻¹ mod M`: the position of entry `e` in the permutation is
    /// `(e - offset) · skip⁻¹ mod M`.
    inverse_skip: u32,
}

impl<N: NodeId, H: KeyHasher> Router for Maglev<N, H> {
    type Node = N;

    /// One hash and one table read: O(1), no allocation.
    #[inline]
    fn route(&self, key: &[u8]) -> Option<&N> {
        let owner = self.table.get(self.entry_of(key))?;
        Some(self.members.get(owner as usize))
    }

    /// The owner, then the others by how early the key's entry comes in
    /// their permutation: O(n); allocation-free for `n ≤ 17` when `out` has
    /// room.
    fn route_n_into<'r>(&'r self, key: &[u8], n: usize, out: &mut Vec<&'r N>) {
        out.clear();
        if n == 0 {
            return;
        }
        let entry = self.entry_of(key);
        let Some(owner) = self.table.get(entry) else {
            return;
        };
        out.push(self.members.get(owner as usize));
        let wanted = n.min(self.members.len()) - 1;
        let ranked = self.ranks(entry as u32).filter(|&rank| rank as u32 != owner);
        if wanted <= SMALL {
            let mut best = Smallest::new(wanted);
            ranked.for_each(|r| best.offer(r));
            out.extend(best.as_slice().iter().map(|&r| self.node_of_rank(r)));
        } else {
            let mut all: Vec<u64> = ranked.collect();
            all.sort_unstable();
            out.extend(all[..wanted].iter().map(|&r| self.node_of_rank(r)));
        }
    }

    /// O(1) when the owner is healthy, else O(n); `is_healthy` is called
    /// only for nodes that rank before the best healthy node so far.
    fn route_healthy(&self, key: &[u8], is_healthy: &dyn Fn(&N) -> bool) -> Option<&N> {
        let entry = self.entry_of(key);
        let owner = self.table.get(entry)?;
        let owner_node = self.members.get(owner as usize);
        if is_healthy(owner_node) {
            return Some(owner_node);
        }
        let mut best: Option<u64> = None;
        for rank in self.ranks(entry as u32).filter(|&rank| rank as u32 != owner) {
            if best.is_none_or(|b| rank < b) && is_healthy(self.node_of_rank(rank)) {
                best = Some(rank);
            }
        }
        best.map(|r| self.node_of_rank(r))
    }

    /// O(log n).
    fn node_by_id(&self, id: &[u8]) -> Option<&N> {
        self.members.node_by_id(id)
    }

    fn len(&self) -> usize {
        self.members.len()
    }

    fn memory_bytes(&self) -> usize {
        self.members.memory_bytes()
            + self.permutations.capacity() * size_of::<Permutation>()
            + self.table.memory_bytes()
    }
}

impl<N: NodeId, H: KeyHasher> Membership for Maglev<N, H> {
    /// Adds many nodes at weight 1 with one rebuild: O(M log M). Either
    /// every node is added or, on error, none is.
    ///
    /// # Errors
    ///
    /// A duplicate identity, or more nodes than the table holds at 100
    /// entries per node ([`RouteError::TableTooSmall`]).
    ///
    /// ```
    /// use routekit::route::{Maglev, Membership, RouteError};
    /// let mut lb = Maglev::new();
    /// lb.extend((0..655).map(|i| format!("b{i}")))?;
    /// assert!(matches!(lb.insert("one-too-many".to_string()), Err(RouteError::TableTooSmall { .. })));
    /// # Ok::<(), RouteError>(())
    /// ```
    fn extend<I: IntoIterator<Item = N>>(&mut self, nodes: I) -> Result<(), RouteError> {
        self.extend_weighted(nodes.into_iter().map(|node| (node, 1.0)))
    }

    /// Removes a node and rebuilds the table: O(M log M).
    fn remove<Q>(&mut self, node: &Q) -> Result<N, RouteError>
    where
        N: Borrow<Q>,
        Q: NodeId + ?Sized,
    {
        let (at, removed) = self.members.remove(node)?;
        self.permutations.remove(at);
        let at = at as u32;
        let renumber: Vec<u32> = (0..=self.members.len() as u32)
            .map(|old| match old.cmp(&at) {
                std::cmp::Ordering::Less => old,
                std::cmp::Ordering::Equal => EMPTY,
                std::cmp::Ordering::Greater => old - 1,
            })
            .collect();
        self.rebuild(&renumber);
        Ok(removed)
    }
}

impl<N: NodeId, H: KeyHasher> Weighted for Maglev<N, H> {
    /// Positive and finite; a node holds `M · weight / Σ weights` entries,
    /// rounded by largest remainder (at least one).
    type Weight = f64;

    /// Adds many weighted nodes with one rebuild: O(M log M). Either every
    /// node is added or, on error, none is.
    ///
    /// # Errors
    ///
    /// [`RouteError::InvalidWeight`], [`RouteError::DuplicateNode`],
    /// [`RouteError::TableTooSmall`].
    ///
    /// ```
    /// use routekit::route::{Maglev, Router, Weighted};
    /// let mut lb = Maglev::new();
    /// lb.extend_weighted([("small", 1.0), ("large", 4.0)])?;
    /// assert_eq!(lb.len(), 2);
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    fn extend_weighted<I: IntoIterator<Item = (N, f64)>>(
        &mut self,
        nodes: I,
    ) -> Result<(), RouteError> {
        let mut added = Vec::new();
        for (node, weight) in nodes {
            check_weight(&node, weight)?;
            added.push((node, weight));
        }
        let count = self.members.len() + added.len();
        if count as u64 * ENTRIES_PER_NODE > u64::from(self.size) {
            return Err(RouteError::TableTooSmall {
                size: self.size,
                nodes: count,
                needed: count as u64 * ENTRIES_PER_NODE,
            });
        }
        if added.is_empty() {
            return Ok(());
        }
        let old_len = self.members.len();
        let inserted = self.members.insert_all(added)?;
        let (members, hasher, size) = (&self.members, &self.hasher, self.size);
        inserted.along(&mut self.permutations, |index, &weight| {
            permutation(hasher, members.get(index).id_bytes().as_ref(), weight, size)
        });
        self.rebuild(&inserted.renumbering(old_len));
        Ok(())
    }

    /// O(log n).
    fn weight<Q>(&self, node: &Q) -> Option<f64>
    where
        N: Borrow<Q>,
        Q: NodeId + ?Sized,
    {
        self.members.find(node.id_bytes().as_ref()).map(|at| self.permutations[at].weight)
    }
}

impl<N, H: Default> Default for Maglev<N, H> {
    fn default() -> Self {
        Maglev::with_parts(H::default(), DEFAULT_TABLE_SIZE)
    }
}

impl<N: NodeId, H: fmt::Debug> fmt::Debug for Maglev<N, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let nodes: Vec<_> = self.nodes().map(|(n, weight)| (n.display_name(), weight)).collect();
        f.debug_struct("Maglev")
            .field("hasher", &self.hasher)
            .field("table_size", &self.size)
            .field("nodes", &nodes)
            .finish()
    }
}

impl<N> Maglev<N, Xxh3> {
    /// An empty router with a table of [`DEFAULT_TABLE_SIZE`] entries,
    /// hashing with [`Xxh3`] seed 0.
    ///
    /// ```
    /// use routekit::route::{Maglev, Router};
    /// let lb: Maglev<String> = Maglev::new();
    /// assert_eq!(lb.table_size(), 65_537);
    /// assert!(lb.route(b"k").is_none());
    /// ```
    pub fn new() -> Self {
        Maglev::with_parts(Xxh3::new(), DEFAULT_TABLE_SIZE)
    }
}

impl Maglev<()> {
    /// A builder to choose the table size and the hasher. The builder does
    /// not depend on the node type, which [`build`](MaglevBuilder::build)
    /// chooses (hence this function lives on `Maglev<()>`, so that
    /// `Maglev::builder()` needs no type annotation).
    ///
    /// ```
    /// use routekit::route::Maglev;
    /// let lb: Maglev<String> = Maglev::builder().table_size_for(1000).build()?;
    /// assert_eq!(lb.table_size(), 100_003); // the first prime ≥ 100 × 1000
    /// # Ok::<(), routekit::route::BuildError>(())
    /// ```
    pub fn builder() -> MaglevBuilder {
        MaglevBuilder::default()
    }
}

impl<N, H> Maglev<N, H> {
    /// An empty router with a table of [`DEFAULT_TABLE_SIZE`] entries,
    /// hashing keys and node permutations with `hasher`.
    ///
    /// ```
    /// use routekit::hash::Sip13;
    /// use routekit::route::Maglev;
    /// let lb: Maglev<String, Sip13> = Maglev::with_hasher(Sip13::new([2; 16]));
    /// assert_eq!(lb.table_size(), 65_537);
    /// ```
    pub fn with_hasher(hasher: H) -> Self {
        Maglev::with_parts(hasher, DEFAULT_TABLE_SIZE)
    }

    fn with_parts(hasher: H, size: u32) -> Self {
        Maglev {
            hasher,
            size,
            members: Members::default(),
            permutations: Vec::new(),
            table: Table::Narrow(Vec::new()),
            last_change: 0.0,
        }
    }

    /// The number of table entries `M`.
    ///
    /// ```
    /// assert_eq!(routekit::route::Maglev::<String>::new().table_size(), 65_537);
    /// ```
    pub fn table_size(&self) -> u32 {
        self.size
    }

    /// The hasher used for keys and node permutations.
    ///
    /// ```
    /// use routekit::hash::Xxh3;
    /// use routekit::route::Maglev;
    /// assert_eq!(*Maglev::<String>::new().hasher(), Xxh3::new());
    /// ```
    pub fn hasher(&self) -> &H {
        &self.hasher
    }

    /// The fraction of table entries whose owner changed on the last
    /// rebuild (an entry without an owner before or after counts as
    /// changed); 0 before the first change.
    ///
    /// ```
    /// use routekit::route::{Maglev, Membership};
    /// let mut lb = Maglev::new();
    /// lb.extend((0..100).map(|i| format!("backend-{i}")))?;
    /// assert_eq!(lb.last_change_fraction(), 1.0); // every entry was new
    /// lb.insert("backend-100".to_string())?;
    /// let moved = lb.last_change_fraction();
    /// assert!(moved > 1.0 / 101.0 && moved < 0.05, "{moved}");
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    pub fn last_change_fraction(&self) -> f64 {
        self.last_change
    }

    /// The owner of each table entry, in entry order (empty without nodes).
    ///
    /// ```
    /// use routekit::route::{Maglev, Weighted};
    /// let mut lb = Maglev::new();
    /// lb.insert_weighted("a", 1.0)?;
    /// lb.insert_weighted("b", 3.0)?;
    /// let a = lb.table().filter(|n| **n == "a").count();
    /// assert_eq!(a, 16_384); // 65,537 / 4, rounded by largest remainder
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    pub fn table(&self) -> impl ExactSizeIterator<Item = &N> + '_ {
        self.table.owners().map(|m| self.members.get(m as usize))
    }

    /// The nodes with their weights, in identity order.
    ///
    /// ```
    /// use routekit::route::{Maglev, Membership, Weighted};
    /// let mut lb = Maglev::new();
    /// lb.insert_weighted("b", 2.0)?;
    /// lb.insert("a")?;
    /// assert_eq!(lb.nodes().collect::<Vec<_>>(), [(&"a", 1.0), (&"b", 2.0)]);
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    pub fn nodes(&self) -> impl ExactSizeIterator<Item = (&N, f64)> + '_ {
        self.members.as_slice().iter().zip(&self.permutations).map(|(n, p)| (n, p.weight))
    }

    /// Each node's rank for `entry`, in index order: the position of `entry`
    /// in node `i`'s permutation, with `i` in the low bits, so comparing
    /// ranks orders by position, then identity.
    #[inline]
    fn ranks(&self, entry: u32) -> impl Iterator<Item = u64> + '_ {
        let size = u64::from(self.size);
        self.permutations.iter().zip(0u32..).map(move |(permutation, i)| {
            let distance = (u64::from(entry) + size - u64::from(permutation.offset)) % size;
            let position = distance * u64::from(permutation.inverse_skip) % size;
            (position << 32) | u64::from(i)
        })
    }

    fn node_of_rank(&self, rank: u64) -> &N {
        self.members.get(rank as u32 as usize)
    }
}

impl<N, H: KeyHasher> Maglev<N, H> {
    #[inline]
    pub(crate) fn entry_of(&self, key: &[u8]) -> usize {
        ((u128::from(self.hasher.uniform64(key)) * u128::from(self.size)) >> 64) as usize
    }

    /// Refills the table and records the fraction of entries that changed;
    /// `renumber[old]` maps old node indices to new ones (`EMPTY` for a
    /// removed node).
    fn rebuild(&mut self, renumber: &[u32]) {
        let table = fill(&self.permutations, self.size);
        let changed = if self.table.is_empty() || table.is_empty() {
            self.size as usize
        } else {
            self.table
                .owners()
                .zip(&table)
                .filter(|&(old, &new)| renumber[old as usize] != new)
                .count()
        };
        self.last_change = changed as f64 / f64::from(self.size);
        self.table = Table::new(table, self.members.len());
    }
}

/// The permutation of a node with identity bytes `identity`.
fn permutation<H: KeyHasher>(hasher: &H, identity: &[u8], weight: f64, size: u32) -> Permutation {
    let hash = hasher.uniform128(identity);
    let m = u64::from(size);
    let offset = ((hash as u64) % m) as u32;
    let skip = ((hash >> 64) as u64 % (m - 1) + 1) as u32;
    Permutation { weight, offset, skip, inverse_skip: inverse_mod(skip, size) }
}

/// The lookup table: each entry's owner as a member index, in 16 bits while
/// every index fits (up to 65,536 members), which halves the memory a lookup
/// reads from.
#[derive(Clone)]
enum Table {
    Narrow(Vec<u16>),
    Wide(Vec<u32>),
}

impl Table {
    /// The table of `owners`, member indices below `members`.
    fn new(owners: Vec<u32>, members: usize) -> Table {
        if members <= 1 << 16 {
            // Every owner is below `members`, so it fits in 16 bits.
            Table::Narrow(owners.into_iter().map(|owner| owner as u16).collect())
        } else {
            Table::Wide(owners)
        }
    }

    /// The owner of `entry`, if the table has it.
    #[inline]
    fn get(&self, entry: usize) -> Option<u32> {
        match self {
            Table::Narrow(table) => table.get(entry).map(|&owner| u32::from(owner)),
            Table::Wide(table) => table.get(entry).copied(),
        }
    }

    fn len(&self) -> usize {
        match self {
            Table::Narrow(table) => table.len(),
            Table::Wide(table) => table.len(),
        }
    }

    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The owners in entry order.
    fn owners(&self) -> impl ExactSizeIterator<Item = u32> + '_ {
        (0..self.len()).map(|entry| self.get(entry).unwrap_or(EMPTY))
    }

    fn memory_bytes(&self) -> usize {
        match self {
            Table::Narrow(table) => table.capacity() * std::mem::size_of::<u16>(),
            Table::Wide(table) => table.capacity() * std::mem::size_of::<u32>(),
        }
    }
}

/// Builds a [`Maglev`] router with a chosen table size and hasher.
///
/// # Example
///
/// ```
/// use routekit::hash::Sip13;
/// use routekit::route::{BuildError, Maglev};
///
/// let lb: Maglev<String, Sip13> =
///     Maglev::builder().table_size(131_071).hasher(Sip13::new([4; 16])).build()?;
/// assert_eq!(lb.table_size(), 131_071);
/// assert!(matches!(
///     Maglev::builder().table_size(65_536).build::<String>(),
///     Err(BuildError::TableSizeNotPrime { size: 65_536, .. })
/// ));
/// # Ok::<(), BuildError>(())
/// ```
#[derive(Clone, Debug)]
pub struct MaglevBuilder<H = Xxh3> {
    hasher: H,
    size: u32,
}

impl Default for MaglevBuilder {
    /// [`DEFAULT_TABLE_SIZE`] entries and [`Xxh3`] seed 0.
    fn default() -> Self {
        MaglevBuilder { hasher: Xxh3::new(), size: DEFAULT_TABLE_SIZE }
    }
}

impl<H: KeyHasher> MaglevBuilder<H> {
    /// The table size `M` (default [`DEFAULT_TABLE_SIZE`]); checked by
    /// [`build`](MaglevBuilder::build): prime, and at least 100.
    ///
    /// ```
    /// use routekit::route::Maglev;
    /// let lb: Maglev<String> = Maglev::builder().table_size(1_009).build()?;
    /// assert_eq!(lb.table_size(), 1_009);
    /// # Ok::<(), routekit::route::BuildError>(())
    /// ```
    pub fn table_size(&mut self, size: u32) -> &mut Self {
        self.size = size;
        self
    }

    /// Sizes the table for `nodes` nodes: the smallest prime at least 100 ×
    /// `nodes` and at least [`DEFAULT_TABLE_SIZE`]. Saturates at the largest
    /// prime below 2³².
    ///
    /// ```
    /// use routekit::route::Maglev;
    /// let lb: Maglev<String> = Maglev::builder().table_size_for(10).build()?;
    /// assert_eq!(lb.table_size(), 65_537);
    /// let lb: Maglev<String> = Maglev::builder().table_size_for(5000).build()?;
    /// assert_eq!(lb.table_size(), 500_009);
    /// # Ok::<(), routekit::route::BuildError>(())
    /// ```
    pub fn table_size_for(&mut self, nodes: usize) -> &mut Self {
        let least =
            (nodes as u64).saturating_mul(ENTRIES_PER_NODE).max(u64::from(DEFAULT_TABLE_SIZE));
        self.size = (least..=u64::from(u32::MAX))
            .find(|&n| is_prime(n))
            .map_or(LARGEST_U32_PRIME, |p| p as u32);
        self
    }

    /// The hasher for keys and node permutations (default [`Xxh3`] seed 0):
    /// a builder of the new hasher type with the same table size.
    ///
    /// ```
    /// use routekit::hash::Fnv1a;
    /// use routekit::route::Maglev;
    /// let lb: Maglev<String, Fnv1a> = Maglev::builder().hasher(Fnv1a).build()?;
    /// # let _ = lb;
    /// # Ok::<(), routekit::route::BuildError>(())
    /// ```
    pub fn hasher<H2: KeyHasher>(&self, hasher: H2) -> MaglevBuilder<H2> {
        MaglevBuilder { hasher, size: self.size }
    }

    /// An empty router of `N` nodes with these settings.
    ///
    /// # Errors
    ///
    /// [`BuildError::TableSizeNotPrime`] unless the size is prime;
    /// [`BuildError::TableSizeTooSmall`] when it is below 100 (one node's
    /// worth).
    ///
    /// ```
    /// use routekit::route::{BuildError, Maglev};
    /// let err = Maglev::builder().table_size(97).build::<String>().unwrap_err();
    /// assert!(matches!(err, BuildError::TableSizeTooSmall { size: 97, least: 100, .. }));
    /// ```
    pub fn build<N>(&self) -> Result<Maglev<N, H>, BuildError> {
        if u64::from(self.size) < ENTRIES_PER_NODE {
            return Err(BuildError::TableSizeTooSmall {
                size: self.size,
                least: ENTRIES_PER_NODE as u32,
            });
        }
        if !is_prime(u64::from(self.size)) {
            return Err(BuildError::TableSizeNotPrime { size: self.size });
        }
        Ok(Maglev::with_parts(self.hasher.clone(), self.size))
    }
}

const LARGEST_U32_PRIME: u32 = 4_294_967_291;

/// Trial division: at most 2¹⁶ steps for a `u32`.
fn is_prime(n: u64) -> bool {
    if n < 4 {
        return n >= 2;
    }
    if n % 2 == 0 {
        return false;
    }
    (3..).step_by(2).take_while(|d| d * d <= n).all(|d| n % d != 0)
}

/// `a⁻¹ mod m` for prime `m` and `0 < a < m` (extended Euclid).
fn inverse_mod(a: u32, m: u32) -> u32 {
    let (mut r0, mut r1) = (i64::from(m), i64::from(a));
    let (mut t0, mut t1) = (0i64, 1i64);
    while r1 != 0 {
        let q = r0 / r1;
        (r0, r1) = (r1, r0 - q * r1);
        (t0, t1) = (t1, t0 - q * t1);
    }
    t0.rem_euclid(i64::from(m)) as u32
}

/// Each member's entry count: `size · weight / Σ weights` rounded by largest
/// remainder (ties to the smaller index), then at least one entry each.
fn quotas(members: &[Permutation], size: u32) -> Vec<u32> {
    let total: f64 = members.iter().map(|m| m.weight).sum();
    let exact: Vec<f64> = members.iter().map(|m| f64::from(size) * m.weight / total).collect();
    let mut quotas: Vec<u32> = exact.iter().map(|e| e.floor() as u32).collect();
    let assigned: u64 = quotas.iter().map(|&q| u64::from(q)).sum();
    let mut order: Vec<usize> = (0..members.len()).collect();
    order.sort_by(|&a, &b| {
        let (ra, rb) = (exact[a] - exact[a].floor(), exact[b] - exact[b].floor());
        rb.total_cmp(&ra).then(a.cmp(&b))
    });
    let leftover = u64::from(size).saturating_sub(assigned) as usize;
    for &i in order.iter().cycle().take(leftover) {
        quotas[i] += 1;
    }
    // Every node holds at least one entry, taken from the largest quota.
    for i in 0..quotas.len() {
        if quotas[i] == 0 {
            let largest =
                (0..quotas.len()).max_by_key(|&j| (quotas[j], usize::MAX - j)).unwrap_or(i);
            quotas[largest] -= 1;
            quotas[i] = 1;
        }
    }
    quotas
}

/// Fills a table of `size` entries: members take turns in index order at the
/// rate `weight / max weight`, each claiming the next free entry of its
/// permutation, until it holds its quota. When a whole round passes without
/// a claim (members of tiny weight are all that is left), every member below
/// its quota claims each round.
fn fill(members: &[Permutation], size: u32) -> Vec<u32> {
    if members.is_empty() {
        return Vec::new();
    }
    let quotas = quotas(members, size);
    let max_weight = members.iter().map(|m| m.weight).fold(0.0, f64::max);
    let rates: Vec<f64> = members.iter().map(|m| m.weight / max_weight).collect();
    let mut table = vec![EMPTY; size as usize];
    let mut next: Vec<u32> = members.iter().map(|m| m.offset).collect();
    let mut credit = vec![0.0f64; members.len()];
    let mut held = vec![0u32; members.len()];
    let (mut filled, mut every_turn) = (0u32, false);
    while filled < size {
        let mut claimed = false;
        for (i, member) in members.iter().enumerate() {
            if held[i] == quotas[i] {
                continue;
            }
            if !every_turn {
                credit[i] += rates[i];
                if credit[i] < 1.0 {
                    continue;
                }
                credit[i] -= 1.0;
            }
            let mut entry = next[i];
            while table[entry as usize] != EMPTY {
                entry = step(entry, member.skip, size);
            }
            table[entry as usize] = i as u32;
            next[i] = step(entry, member.skip, size);
            held[i] += 1;
            filled += 1;
            claimed = true;
        }
        every_turn |= !claimed;
    }
    table
}

/// The next entry of a permutation: `(entry + skip) mod size`.
#[inline]
fn step(entry: u32, skip: u32, size: u32) -> u32 {
    let next = u64::from(entry) + u64::from(skip);
    (if next >= u64::from(size) { next - u64::from(size) } else { next }) as u32
}

/// Up to this many further nodes are ranked on the stack.
const SMALL: usize = 16;

/// The smallest `capacity ≤ SMALL` ranks offered, in order.
struct Smallest {
    ranks: [u64; SMALL],
    len: usize,
    capacity: usize,
}

impl Smallest {
    fn new(capacity: usize) -> Smallest {
        Smallest { ranks: [0; SMALL], len: 0, capacity }
    }

    fn offer(&mut self, rank: u64) {
        if self.len == self.capacity && self.ranks[..self.len].last().is_none_or(|&l| rank >= l) {
            return;
        }
        let at = self.ranks[..self.len].partition_point(|&r| r < rank);
        let end = self.len.min(self.capacity - 1);
        self.ranks.copy_within(at..end, at + 1);
        self.ranks[at] = rank;
        self.len = (self.len + 1).min(self.capacity);
    }

    fn as_slice(&self) -> &[u64] {
        &self.ranks[..self.len]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primes_and_inverses() {
        assert!(is_prime(65_537) && is_prime(2) && is_prime(LARGEST_U32_PRIME.into()));
        assert!(!is_prime(65_536) && !is_prime(1) && !is_prime(0) && !is_prime(9));
        for a in [1u32, 2, 3, 1000, 65_536] {
            assert_eq!(u64::from(a) * u64::from(inverse_mod(a, 65_537)) % 65_537, 1);
        }
    }

    #[test]
    fn smallest_keeps_the_least_in_order() {
        for capacity in 0..=SMALL {
            let mut best = Smallest::new(capacity);
            let offered: Vec<u64> = (0..100u64).map(|i| (i * 37) % 101).collect();
            offered.iter().for_each(|&r| best.offer(r));
            let mut sorted = offered.clone();
            sorted.sort_unstable();
            assert_eq!(best.as_slice(), &sorted[..capacity]);
        }
    }

    #[test]
    fn quotas_sum_to_the_table_and_give_everyone_an_entry() {
        let mut lb: Maglev<String> = Maglev::new();
        lb.insert_weighted("huge".into(), 1e12).unwrap();
        lb.insert_weighted("tiny".into(), 1e-12).unwrap();
        let q = quotas(&lb.permutations, lb.size);
        assert_eq!(q.iter().map(|&q| u64::from(q)).sum::<u64>(), 65_537);
        assert_eq!(q, [65_536, 1]);
        assert_eq!(lb.table().filter(|n| *n == "tiny").count(), 1);
    }

    #[test]
    fn the_table_narrows_to_16_bits_while_every_member_index_fits() {
        let owners = vec![0, 65_535, 7, 65_535];
        let narrow = Table::new(owners.clone(), 1 << 16);
        assert!(matches!(narrow, Table::Narrow(_)));
        assert_eq!(narrow.owners().collect::<Vec<_>>(), owners);
        assert_eq!(narrow.memory_bytes(), 8);
        let wide = Table::new(vec![0, 65_536, 3], (1 << 16) + 1);
        assert!(matches!(wide, Table::Wide(_)));
        assert_eq!((wide.get(1), wide.get(3)), (Some(65_536), None));
        assert_eq!(wide.owners().len(), 3);
    }

    #[test]
    fn extend_is_all_or_nothing() {
        let mut lb: Maglev<&str> = Maglev::new();
        lb.extend(["b", "d"]).unwrap();
        let before: Vec<&str> = lb.table().copied().collect();
        assert_eq!(lb.extend(["a", "d"]), Err(RouteError::DuplicateNode { node: "d".into() }));
        assert_eq!(lb.extend(["c", "c"]), Err(RouteError::DuplicateNode { node: "c".into() }));
        assert_eq!(lb.nodes().map(|(n, _)| *n).collect::<Vec<_>>(), ["b", "d"]);
        assert_eq!(lb.table().copied().collect::<Vec<_>>(), before);
    }

    #[test]
    fn the_change_fraction_counts_renumbered_members_correctly() {
        let mut lb: Maglev<String> = Maglev::new();
        lb.extend(["b", "d"].map(String::from)).unwrap();
        let before: Vec<String> = lb.table().cloned().collect();
        // "a" sorts first, so every old member is renumbered.
        lb.insert("a".to_string()).unwrap();
        let after: Vec<String> = lb.table().cloned().collect();
        let changed = before.iter().zip(&after).filter(|(x, y)| x != y).count();
        assert_eq!(lb.last_change_fraction(), changed as f64 / 65_537.0);
        lb.remove("b").unwrap();
        let last: Vec<String> = lb.table().cloned().collect();
        let changed = after.iter().zip(&last).filter(|(x, y)| x != y).count();
        assert_eq!(lb.last_change_fraction(), changed as f64 / 65_537.0);
    }
}
