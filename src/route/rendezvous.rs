//! Rendezvous (highest random weight) hashing with exact weights.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::fmt;

use super::alloc;
use super::error::check_weight;
use super::members::Members;
use super::mix::{ln, mix64, unit_open};
use super::{Membership, NodeId, RouteError, Router, Weighted};
use crate::hash::{KeyHasher, Xxh3};

/// Rendezvous hashing, also called highest random weight (HRW).
///
/// Every node scores every key; the key belongs to the highest score, and its
/// preference list is the nodes in descending score order. Adding a node can
/// only take keys for itself; removing one only moves the keys it owned, each
/// to its own next-best node. No table is kept, so memory is a few words per
/// node and changes are O(n) (a bulk [`extend`](Membership::extend) sorts only
/// the new nodes), but a lookup visits every node: O(n).
///
/// **Placement is a function of the node identities and weights alone**,
/// never of the order they were added in.
///
/// **Scores.** The key is hashed once, `k = H(key)`; each node has a seed
/// `s = H(identity)`; the node's draw is `u = unit(mix64(k ^ s))`, a uniform
/// value in (0, 1), and its score is `weight / -ln(u)` (the logarithmic
/// method of Schindelhauer and Schomaker). The scores `-ln(u)/weight` are
/// exponential variables with rates `weight`, so a node wins with probability
/// exactly `weight / Σ weights`, for any positive finite weights, and a node's
/// score never depends on the other nodes. The logarithm is computed with
/// basic IEEE-754 operations only, so scores are bit-identical on every
/// platform; exact ties (same score, same draw) go to the smaller identity.
///
/// **Any weight ratio.** Scores are ranked as exact keys: the quotient
/// `mantissa(weight) / -ln(u)` with the weight's binary exponent added back
/// in a wider exponent field, so a score never overflows or underflows and
/// ranks exactly as the real `weight / -ln(u)` rounded once, for every pair
/// of accepted weights (`f64::MAX` beside `1e-300` included). Where
/// `weight / -ln(u)` fits an `f64`, this is the same order as comparing the
/// `f64` scores, so placement does not depend on the exponent trick.
///
/// **Speed.** Most nodes are rejected without a logarithm: since
/// `-ln(u) ≥ 1 - u`, a node whose `weight / (1 - u)` cannot beat the current
/// best is skipped after a multiply and a compare.
///
/// # Example
///
/// ```
/// use routekit::route::{Rendezvous, Router, Weighted};
///
/// let mut router = Rendezvous::new();
/// router.insert_weighted("eu-1", 1.0)?;
/// router.insert_weighted("eu-2", 3.0)?; // three times the keys of eu-1
/// let owner = router.route(b"tenant-17").unwrap();
/// let prefs = router.route_n(b"tenant-17", 2);
/// assert_eq!(prefs[0], owner);
/// # Ok::<(), routekit::route::RouteError>(())
/// ```
#[derive(Clone)]
pub struct Rendezvous<N, H = Xxh3> {
    hasher: H,
    /// Nodes sorted by identity bytes; `seeds` and `weights` run in parallel.
    members: Members<N>,
    seeds: Vec<u64>,
    weights: Vec<f64>,
    /// For pruning only: each weight times `2^-shift`, rounded up, with the
    /// heaviest in [1, 2) and the lightest clamped at [`TINY`] (see
    /// [`prune_weight`]). Exact ranks never read these.
    prune_weights: Vec<f64>,
    /// The binary exponent of the heaviest weight.
    shift: i32,
    /// All weights are equal, so ranks follow the draws (see `clearly_apart`).
    uniform: bool,
}

impl<N: NodeId, H: KeyHasher> Router for Rendezvous<N, H> {
    type Node = N;

    /// The highest-scoring node: O(n), no allocation.
    fn route(&self, key: &[u8]) -> Option<&N> {
        let key_hash = self.hasher.uniform64(key);
        let decided = if self.uniform {
            self.uniform_winner(key_hash)
        } else {
            self.weighted_winner(key_hash)
        };
        let index = match decided {
            Decided::Yes(index) => index,
            Decided::Empty => return None,
            Decided::Undecided => self.scored_top(key_hash, None)?.index,
        };
        Some(self.members.get(index))
    }

    /// The `n` highest-scoring nodes in descending order: O(len · log n);
    /// allocation-free for `n ≤ 15` when `out` has room.
    fn route_n_into<'r>(&'r self, key: &[u8], n: usize, out: &mut Vec<&'r N>) {
        out.clear();
        let wanted = n.min(self.members.len());
        if wanted == 0 {
            return;
        }
        let key_hash = self.hasher.uniform64(key);
        if self.uniform {
            // Rank by draw, keeping one extra to check the cut for near-ties.
            // Ranks follow the draws; nodes come in index order, so a later
            // node with an equal draw ranks after (hence `<=` and `>=`).
            let mut top: Top<(u64, usize)> = Top::new((wanted + 1).min(self.members.len()));
            let mut threshold = None;
            for (index, &seed) in self.seeds.iter().enumerate() {
                let draw = mix64(key_hash, seed) >> 12;
                if threshold.is_some_and(|t| draw <= t) {
                    continue;
                }
                top.offer_by((draw, index), |held, new| held.0 >= new.0);
                threshold = top.threshold().map(|t| t.0);
            }
            let ranked = top.as_slice();
            if ranked.windows(2).all(|pair| clearly_apart(pair[0].0, pair[1].0)) {
                out.extend(ranked[..wanted].iter().map(|&(_, index)| self.members.get(index)));
                return;
            }
        }
        let mut top = TopScores::new(wanted);
        for index in 0..self.members.len() {
            if let Some(score) = self.score_above(key_hash, index, top.threshold()) {
                top.offer(score);
            }
        }
        out.extend(top.as_slice().iter().map(|s| self.members.get(s.index)));
    }

    /// The highest-scoring healthy node: O(n); `is_healthy` is called only
    /// for nodes that would beat the best healthy node so far (about ln n of
    /// them).
    fn route_healthy(&self, key: &[u8], is_healthy: &dyn Fn(&N) -> bool) -> Option<&N> {
        let best = self.scored_top(self.hasher.uniform64(key), Some(is_healthy))?;
        Some(self.members.get(best.index))
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
            + self.seeds.capacity() * size_of::<u64>()
            + self.weights.capacity() * size_of::<f64>()
            + self.prune_weights.capacity() * size_of::<f64>()
    }
}

impl<N: NodeId, H: KeyHasher> Membership for Rendezvous<N, H> {
    /// Adds many nodes at weight 1: one sort of the new nodes and a merge,
    /// O(n + k log k) for `k` new nodes. Either every node is added or, on
    /// error, none is.
    ///
    /// # Errors
    ///
    /// [`RouteError::DuplicateNode`] when an identity repeats (among the new
    /// nodes or with a present one).
    ///
    /// ```
    /// use routekit::route::{Membership, Rendezvous, Router};
    /// let mut router = Rendezvous::new();
    /// router.extend((0..1000).map(|i| format!("node-{i}")))?;
    /// assert_eq!(router.len(), 1000);
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    fn extend<I: IntoIterator<Item = N>>(&mut self, nodes: I) -> Result<(), RouteError> {
        self.extend_weighted(nodes.into_iter().map(|node| (node, 1.0)))
    }

    /// O(n).
    fn remove<Q>(&mut self, node: &Q) -> Result<N, RouteError>
    where
        N: Borrow<Q>,
        Q: NodeId + ?Sized,
    {
        let (at, removed) = self.members.remove(node)?;
        self.seeds.remove(at);
        self.weights.remove(at);
        self.prune_weights.remove(at);
        if !self.uniform {
            self.uniform = all_equal(&self.weights);
        }
        self.refresh_prune_weights();
        Ok(removed)
    }
}

impl<N: NodeId, H: KeyHasher> Weighted for Rendezvous<N, H> {
    /// Positive and finite; a node wins a key with probability exactly
    /// `weight / Σ weights`.
    type Weight = f64;

    /// Adds many weighted nodes: one sort of the new nodes and a merge,
    /// O(n + k log k) for `k` new nodes, and one hash of each new identity.
    /// Either every node is added or, on error, none is.
    ///
    /// # Errors
    ///
    /// [`RouteError::InvalidWeight`] unless every weight is positive and
    /// finite (any ratio between weights is fine); [`RouteError::DuplicateNode`];
    /// [`RouteError::OutOfMemory`] when the tables for the new node count
    /// cannot be allocated. Nothing is changed on error.
    ///
    /// ```
    /// use routekit::route::{Rendezvous, Weighted};
    /// let mut router = Rendezvous::new();
    /// router.extend_weighted([("eu-1", 1.0), ("eu-2", 3.0)])?;
    /// assert_eq!(router.weight("eu-2"), Some(3.0));
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    fn extend_weighted<I: IntoIterator<Item = (N, f64)>>(
        &mut self,
        nodes: I,
    ) -> Result<(), RouteError> {
        let nodes = nodes.into_iter();
        let mut added = alloc::vec_with_capacity(nodes.size_hint().0)?;
        for (node, weight) in nodes {
            check_weight(&node, weight)?;
            if added.len() == added.capacity() {
                // Doubling, as `push` would, but refusable.
                let more = added.len().max(4);
                alloc::reserve(&mut added, more)?;
            }
            added.push((node, weight));
        }
        if added.is_empty() {
            return Ok(());
        }
        // Room for every per-node table before membership changes, so that
        // a refused allocation leaves the router as it was.
        let count = added.len();
        alloc::reserve(&mut self.seeds, count)?;
        alloc::reserve(&mut self.weights, count)?;
        alloc::reserve(&mut self.prune_weights, count)?;
        let mut fresh: Vec<(usize, u64, f64)> = alloc::vec_with_capacity(count)?;
        let first = self.weights.first().or(added.first().map(|(_, weight)| weight)).copied();
        let uniform = added.iter().all(|&(_, weight)| Some(weight) == first);
        let inserted = self.members.insert_all(added)?;
        for (index, &weight) in inserted.iter() {
            let seed = self.hasher.uniform64(self.members.get(index).id_bytes().as_ref());
            fresh.push((index, seed, weight));
        }
        merge_at(&mut self.seeds, fresh.iter().map(|&(index, seed, _)| (index, seed)), 0);
        let weights = fresh.iter().map(|&(index, _, weight)| (index, weight));
        merge_at(&mut self.weights, weights, 1.0);
        let prune_weights = fresh.iter().map(|&(index, _, _)| (index, 1.0));
        merge_at(&mut self.prune_weights, prune_weights, 1.0);
        self.uniform &= uniform;
        debug_assert_eq!(self.uniform, all_equal(&self.weights));
        self.refresh_prune_weights();
        Ok(())
    }

    /// O(log n).
    fn weight<Q>(&self, node: &Q) -> Option<f64>
    where
        N: Borrow<Q>,
        Q: NodeId + ?Sized,
    {
        self.members.find(node.id_bytes().as_ref()).map(|at| self.weights[at])
    }
}

impl<N, H: Default> Default for Rendezvous<N, H> {
    fn default() -> Self {
        Rendezvous::with_hasher(H::default())
    }
}

impl<N: NodeId, H: fmt::Debug> fmt::Debug for Rendezvous<N, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let nodes: Vec<_> = self
            .members
            .as_slice()
            .iter()
            .zip(&self.weights)
            .map(|(n, w)| (n.display_name(), *w))
            .collect();
        f.debug_struct("Rendezvous").field("hasher", &self.hasher).field("nodes", &nodes).finish()
    }
}

impl<N> Rendezvous<N, Xxh3> {
    /// An empty router hashing with [`Xxh3`] seed 0.
    ///
    /// ```
    /// use routekit::route::{Rendezvous, Router};
    /// let router: Rendezvous<String> = Rendezvous::new();
    /// assert!(router.route(b"k").is_none());
    /// ```
    pub fn new() -> Self {
        Rendezvous::with_hasher(Xxh3::new())
    }
}

impl<N, H> Rendezvous<N, H> {
    /// An empty router hashing keys and identities with `hasher`.
    ///
    /// ```
    /// use routekit::hash::Sip13;
    /// use routekit::route::Rendezvous;
    /// let router: Rendezvous<&str, Sip13> = Rendezvous::with_hasher(Sip13::new([3; 16]));
    /// # let _ = router;
    /// ```
    pub fn with_hasher(hasher: H) -> Self {
        Rendezvous {
            hasher,
            members: Members::default(),
            seeds: Vec::new(),
            weights: Vec::new(),
            prune_weights: Vec::new(),
            shift: 0,
            uniform: true,
        }
    }

    /// The hasher used for keys and node identities.
    ///
    /// ```
    /// use routekit::hash::Xxh3;
    /// use routekit::route::Rendezvous;
    /// assert_eq!(*Rendezvous::<String>::new().hasher(), Xxh3::new());
    /// ```
    pub fn hasher(&self) -> &H {
        &self.hasher
    }

    /// The nodes with their weights, in identity order.
    ///
    /// ```
    /// use routekit::route::{Membership, Rendezvous, Weighted};
    /// let mut router = Rendezvous::new();
    /// router.insert_weighted("b", 2.0)?;
    /// router.insert("a")?;
    /// assert_eq!(router.nodes().collect::<Vec<_>>(), [(&"a", 1.0), (&"b", 2.0)]);
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    pub fn nodes(&self) -> impl ExactSizeIterator<Item = (&N, f64)> + '_ {
        self.members.as_slice().iter().zip(self.weights.iter().copied())
    }
}

impl<N: NodeId, H: KeyHasher> Rendezvous<N, H> {
    /// The score of the node with `node`'s identity for `key`: `weight /
    /// -ln(u)` with `u` the node's uniform draw for the key (see the type's
    /// docs). `None` when no node has that identity. Keys go to the highest
    /// score; equal scores go to the higher draw, then the smaller identity.
    /// A weight near `f64::MAX` may score `+inf` here; routing ranks the
    /// exact keys described on the type, which never overflow.
    ///
    /// Cost: one hash of the key and one logarithm, and O(log n) to find the
    /// node.
    ///
    /// ```
    /// use routekit::route::{Membership, Rendezvous, Router};
    /// let mut router = Rendezvous::new();
    /// router.extend(["a", "b"])?;
    /// let (a, b) = (router.score(b"k", "a").unwrap(), router.score(b"k", "b").unwrap());
    /// let winner = if a > b { "a" } else { "b" };
    /// assert_eq!(router.route(b"k"), Some(&winner));
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    pub fn score<Q>(&self, key: &[u8], node: &Q) -> Option<f64>
    where
        N: Borrow<Q>,
        Q: NodeId + ?Sized,
    {
        let index = self.members.find(node.id_bytes().as_ref())?;
        let u = unit_open(mix64(self.hasher.uniform64(key), self.seeds[index]));
        Some(self.weights[index] / -ln(u))
    }
}

impl<N, H> Rendezvous<N, H> {
    /// With equal weights, the winner is the node with the highest draw
    /// unless the runner-up is so close that rounding could reorder their
    /// scores.
    ///
    /// One mix and a compare per node: the branch is taken only for a draw
    /// that beats the runner-up so far (about 2 ln n times), so it is
    /// predicted.
    #[inline]
    fn uniform_winner(&self, key_hash: u64) -> Decided {
        if self.seeds.is_empty() {
            return Decided::Empty;
        }
        let (mut best, mut best_index, mut second) = (0u64, 0usize, 0u64);
        for (index, &seed) in self.seeds.iter().enumerate() {
            let draw = mix64(key_hash, seed) >> 12;
            // `>`: on equal draws the smaller identity (earlier index) wins;
            // equal draws are never clearly apart, so they take the exact
            // path anyway.
            if draw > second {
                if draw > best {
                    second = best;
                    best = draw;
                    best_index = index;
                } else {
                    second = draw;
                }
            }
        }
        if self.seeds.len() == 1 || clearly_apart(best, second) {
            Decided::Yes(best_index)
        } else {
            Decided::Undecided
        }
    }

    /// With unequal weights: one cheap pass brackets every score between
    /// bounds that need no logarithm, then exact scores only for the few
    /// nodes whose upper bound reaches the best lower bound.
    ///
    /// With `x = 1 - u`, `x ≤ -ln(1 - x) ≤ x / (1 - x)`, so a node's score
    /// `w / -ln(u)` lies in `[w (1 - x) / x, w / x]`. A node whose upper bound
    /// is below another's lower bound cannot win. The 1e-12 margins cover the
    /// rounding of the bounds and of the scores (a few ulps). The bounds use
    /// the prune weights (scaled by a common power of two, so they stay in
    /// range); a clamped weight contributes no lower bound.
    fn weighted_winner(&self, key_hash: u64) -> Decided {
        const MARGIN: f64 = 1.0 - 1e-12;
        let mut candidates = [0usize; 16];
        let mut count = 0;
        let mut best_lower = 0.0f64;
        for (index, (&seed, &weight)) in self.seeds.iter().zip(&self.prune_weights).enumerate() {
            let x = one_minus_unit(mix64(key_hash, seed));
            if weight < best_lower * x * MARGIN {
                continue;
            }
            if weight > TINY {
                best_lower = best_lower.max(weight * (1.0 - x) / x);
            }
            if count == candidates.len() {
                return Decided::Undecided;
            }
            candidates[count] = index;
            count += 1;
        }
        let mut best: Option<Score> = None;
        for &index in &candidates[..count] {
            let x = one_minus_unit(mix64(key_hash, self.seeds[index]));
            if self.prune_weights[index] < best_lower * x * MARGIN {
                continue;
            }
            if let Some(score) = self.score_above(key_hash, index, best.as_ref()) {
                best = Some(score);
            }
        }
        best.map_or(Decided::Empty, |b| Decided::Yes(b.index))
    }

    /// The best score among the nodes that `accept` (all when `None`), with
    /// pruning: a logarithm only for nodes that may beat the best so far.
    fn scored_top(&self, key_hash: u64, accept: Option<&dyn Fn(&N) -> bool>) -> Option<Score> {
        let mut best: Option<Score> = None;
        for index in 0..self.members.len() {
            if let Some(score) = self.score_above(key_hash, index, best.as_ref()) {
                if accept.is_none_or(|accept| accept(self.members.get(index))) {
                    best = Some(score);
                }
            }
        }
        best
    }

    /// The score of node `index` for `key_hash` if it beats `bound` (or if
    /// there is no bound); `None` when it certainly does not.
    #[inline]
    fn score_above(&self, key_hash: u64, index: usize, bound: Option<&Score>) -> Option<Score> {
        let draw = mix64(key_hash, self.seeds[index]);
        let u = unit_open(draw);
        if let Some(bound) = bound {
            // -ln(u) ≥ 1 - u (exact in f64 here), so weight / (1 - u) bounds
            // the score from above; the prune weight is rounded up and the
            // bound's value down, and the 1e-12 margin covers the rounding
            // of this test, so a node that is skipped could not have reached
            // `bound` even as a tie.
            if self.prune_weights[index] * (1.0 + 1e-12) < bound.prune_value * (1.0 - u) {
                return None;
            }
        }
        let (mantissa, exponent) = split(self.weights[index]);
        let quotient = mantissa / -ln(u);
        let score = Score {
            rank: rank_key(quotient, exponent),
            prune_value: prune_value(quotient, exponent - self.shift),
            draw: draw >> 12,
            index,
        };
        match bound {
            Some(bound) if score.cmp_rank(bound) != Ordering::Less => None,
            _ => Some(score),
        }
    }

    /// Recomputes `shift` and every prune weight: O(n), after each change.
    fn refresh_prune_weights(&mut self) {
        let heaviest = self.weights.iter().copied().fold(0.0, f64::max);
        self.shift = if heaviest > 0.0 { split(heaviest).1 } else { 0 };
        for (prune, &weight) in self.prune_weights.iter_mut().zip(&self.weights) {
            *prune = prune_weight(weight, self.shift);
        }
    }
}

/// Prune weights and prune values at or below this are clamped: scaled
/// weights this small can never win against the heaviest node (whose
/// scaled score is at least 1/37), and clamping keeps the pruning
/// arithmetic away from subnormal numbers.
const TINY: f64 = f64::from_bits((1023 - 900) << 52);

/// `1 - unit_open(draw)`, exactly, with integer bit operations and two
/// exact float operations (no integer-to-float conversion, which SSE2
/// cannot do on 64-bit lanes): `1 + k/2^52` built from bits, minus 1, plus
/// half an ulp of the grid.
#[inline]
fn one_minus_unit(draw: u64) -> f64 {
    const ONE: u64 = 0x3ff0_0000_0000_0000;
    const HALF_STEP: f64 = 1.0 / (1u64 << 53) as f64;
    (f64::from_bits(ONE | (!draw >> 12)) - 1.0) + HALF_STEP
}

/// `weight = mantissa · 2^exponent` with the mantissa in [1, 2), exact for
/// every positive finite weight (subnormals included).
#[inline]
fn split(weight: f64) -> (f64, i32) {
    const TWO_POW_64: f64 = (1u128 << 64) as f64;
    let (normal, adjust) =
        if weight < f64::MIN_POSITIVE { (weight * TWO_POW_64, -64) } else { (weight, 0) };
    let bits = normal.to_bits();
    let exponent = ((bits >> 52) & 0x7ff) as i32 - 1023;
    let mantissa = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
    (mantissa, exponent + adjust)
}

/// `2^exponent` for an exponent of a normal double, [-1022, 1023].
#[inline]
fn pow2(exponent: i32) -> f64 {
    debug_assert!((-1022..=1023).contains(&exponent));
    f64::from_bits(((exponent + 1023) as u64) << 52)
}

/// The exact rank of `quotient · 2^exponent` (`quotient` normal, in about
/// [2⁻⁶, 2⁵⁴]; `exponent` of a weight, [-1074, 1023]): the quotient's bits
/// with the exponent added to its exponent field, which has room for it
/// (see `EXPONENT_OFFSET`). Keys compare as the real values do, and as
/// `f64` bits do wherever the value fits an `f64`.
#[inline]
fn rank_key(quotient: f64, exponent: i32) -> u64 {
    // The quotient's exponent field is within [1017, 1077]; adding the
    // weight's exponent plus this offset stays within [26 + 1017, 3200],
    // inside the 12 bits above the mantissa.
    const EXPONENT_OFFSET: i32 = 1100;
    quotient.to_bits() + (((exponent + EXPONENT_OFFSET) as u64) << 52)
}

/// The score scaled by `2^-shift`, rounded down, for the pruning tests:
/// exact where it is above [`TINY`], zero (which prunes nothing) below.
#[inline]
fn prune_value(quotient: f64, scaled_exponent: i32) -> f64 {
    if scaled_exponent < -900 { 0.0 } else { quotient * pow2(scaled_exponent.min(0)) }
}

/// `weight · 2^-shift` rounded up, for the pruning tests: exact for weights
/// down to [`TINY`], and [`TINY`] (above any lighter one) for those below.
#[inline]
fn prune_weight(weight: f64, shift: i32) -> f64 {
    let (mantissa, exponent) = split(weight);
    let scaled = exponent - shift;
    if scaled < -900 { TINY } else { mantissa * pow2(scaled.min(0)) }
}

/// Grows `vec` by the `(index, item)` pairs, each landing at its index of
/// the grown vector (indices increasing and final), moving the old items
/// back to front in one pass. The caller has reserved the room, so nothing
/// is allocated.
fn merge_at<D: Copy>(
    vec: &mut Vec<D>,
    items: impl DoubleEndedIterator<Item = (usize, D)> + ExactSizeIterator,
    filler: D,
) {
    let old_len = vec.len();
    let total = old_len + items.len();
    debug_assert!(vec.capacity() >= total);
    vec.resize(total, filler);
    let (mut source, mut target) = (old_len, total);
    for (at, item) in items.rev() {
        while target - 1 > at {
            target -= 1;
            source -= 1;
            vec[target] = vec[source];
        }
        target -= 1;
        vec[target] = item;
    }
}

/// The outcome of a fast path.
enum Decided {
    /// This node index wins.
    Yes(usize),
    /// There are no nodes.
    Empty,
    /// The fast path cannot tell (draws too close to rank without their
    /// scores, or too many candidates): score every node.
    Undecided,
}

/// True when draws `higher ≥ lower` (top 52 bits) are far enough apart that
/// equal-weight scores computed in floating point rank them in draw order.
///
/// With `x = 1 - u` (exact), `-ln(1 - x) / x` increases with `x`, so
/// `E_low / E_high ≥ x_low / x_high`. The scores `w / E` carry a relative
/// error below 2⁻⁴⁹ (the logarithm is within an ulp or two, the division
/// within half an ulp), so `x_low ≥ x_high · (1 + 2⁻⁴⁰)` orders them strictly.
/// Here `x = (2⁵³ - 1 - 2·draw) / 2⁵³`.
#[inline]
fn clearly_apart(higher: u64, lower: u64) -> bool {
    const TOP: u64 = (1 << 53) - 1;
    let (x_high, x_low) = (TOP - 2 * higher, TOP - 2 * lower);
    x_low - x_high > x_high >> 40
}

fn all_equal(weights: &[f64]) -> bool {
    weights.windows(2).all(|pair| pair[0] == pair[1])
}

/// A node's score for one key. Ranks are ordered by the exact key (higher
/// first), then by draw (higher first), then by identity (smaller index
/// first).
#[derive(Clone, Copy, Debug, Default)]
struct Score {
    /// See [`rank_key`].
    rank: u64,
    /// See [`prune_value`].
    prune_value: f64,
    draw: u64,
    index: usize,
}

impl Score {
    /// `Less` when `self` ranks before (beats) `other`.
    #[inline]
    fn cmp_rank(&self, other: &Score) -> Ordering {
        other
            .rank
            .cmp(&self.rank)
            .then(other.draw.cmp(&self.draw))
            .then(self.index.cmp(&other.index))
    }
}

/// The best `k` items seen so far, best first: inline for k ≤ 16.
struct Top<T> {
    inline: [T; 16],
    heap: Vec<T>,
    len: usize,
    capacity: usize,
}

/// The best scores so far.
type TopScores = Top<Score>;

impl<T: Copy + Default> Top<T> {
    fn new(capacity: usize) -> Top<T> {
        let heap = if capacity > 16 { Vec::with_capacity(capacity) } else { Vec::new() };
        Top { inline: [T::default(); 16], heap, len: 0, capacity }
    }

    fn as_slice(&self) -> &[T] {
        if self.capacity > 16 { &self.heap } else { &self.inline[..self.len] }
    }

    /// The item a newcomer must beat, once `capacity` items are held.
    fn threshold(&self) -> Option<&T> {
        if self.len == self.capacity { self.as_slice().last() } else { None }
    }

    /// Inserts `item` after every held item that `ranks_before` it, dropping
    /// the worst when full. Callers only offer items that beat the threshold.
    #[inline]
    fn offer_by(&mut self, item: T, ranks_before: impl Fn(&T, &T) -> bool) {
        let slot = self.as_slice().partition_point(|held| ranks_before(held, &item));
        if self.capacity > 16 {
            if self.len == self.capacity {
                self.heap.pop();
            }
            self.heap.insert(slot, item);
            self.len = self.heap.len();
        } else {
            let end = if self.len == self.capacity { self.len - 1 } else { self.len };
            self.inline.copy_within(slot..end, slot + 1);
            self.inline[slot] = item;
            self.len = (self.len + 1).min(self.capacity);
        }
    }
}

impl TopScores {
    /// Inserts `score` in rank order; see [`Top::offer_by`].
    fn offer(&mut self, score: Score) {
        self.offer_by(score, |held, new| held.cmp_rank(new) == Ordering::Less);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_rank_by_draw_then_identity() {
        let a = Score { rank: 10, draw: 5, index: 3, ..Score::default() };
        let b = Score { rank: 10, draw: 4, index: 0, ..Score::default() };
        let c = Score { rank: 10, draw: 5, index: 1, ..Score::default() };
        assert_eq!(a.cmp_rank(&b), Ordering::Less);
        assert_eq!(c.cmp_rank(&a), Ordering::Less);
        assert_eq!(Score { rank: 11, ..b }.cmp_rank(&a), Ordering::Less);
    }

    #[test]
    fn top_scores_keep_the_best_in_order() {
        for capacity in [1, 3, 16, 17, 40] {
            let mut top = TopScores::new(capacity);
            let mut all = Vec::new();
            for i in 0..100usize {
                let rank = ((i * 37) % 101) as u64;
                let score = Score { rank, index: i, ..Score::default() };
                all.push(score);
                if top.threshold().is_none_or(|t| score.cmp_rank(t) == Ordering::Less) {
                    top.offer(score);
                }
            }
            all.sort_by(Score::cmp_rank);
            let got: Vec<usize> = top.as_slice().iter().map(|s| s.index).collect();
            let want: Vec<usize> = all[..capacity].iter().map(|s| s.index).collect();
            assert_eq!(got, want, "capacity {capacity}");
        }
    }

    #[test]
    fn pruning_never_changes_the_winner() {
        // Compare against scoring every node without any bound: mixed weights,
        // and weights growing along the identity order (which overflows the
        // weighted fast path's candidate list and takes the fallback).
        let mixed = |i: usize| 0.1 + (i % 7) as f64;
        let growing = |i: usize| 1.6f64.powi(i as i32);
        for weight in [&mixed as &dyn Fn(usize) -> f64, &growing] {
            let mut router = Rendezvous::new();
            for i in 0..50 {
                router.insert_weighted(format!("n{i:02}"), weight(i)).unwrap();
            }
            for key in 0u32..5_000 {
                let key_hash = router.hasher.uniform64(&key.to_le_bytes());
                let full = (0..router.len())
                    .map(|i| router.score_above(key_hash, i, None).unwrap())
                    .min_by(Score::cmp_rank)
                    .unwrap();
                assert_eq!(router.route(&key.to_le_bytes()), Some(router.members.get(full.index)));
            }
        }
    }

    #[test]
    fn the_weighted_fast_path_falls_back_when_candidates_overflow() {
        let mut router = Rendezvous::new();
        for i in 0..60 {
            router.insert_weighted(format!("n{i:02}"), 1.6f64.powi(i)).unwrap();
        }
        let undecided = (0u32..2_000)
            .filter(|key| {
                let key_hash = router.hasher.uniform64(&key.to_le_bytes());
                matches!(router.weighted_winner(key_hash), Decided::Undecided)
            })
            .count();
        assert!(undecided > 0, "the fallback was never taken");
    }
}
