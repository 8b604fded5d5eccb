//! The error types of the routing module: [`BuildError`] for a router
//! configured wrongly (a bug in the calling program), [`RouteError`] for a
//! membership change the router refuses (something a correct program may
//! meet at run time and branch on).

use thiserror::Error;

use super::NodeId;

/// A router, builder or load cap configured with a value it cannot use.
///
/// These are mistakes in the calling program's configuration, reported when
/// the value is built: fix the configuration.
///
/// # Example
///
/// ```
/// use routekit::route::{BuildError, HashRing, Maglev};
///
/// let err = HashRing::builder().vnodes(0).build::<String>().unwrap_err();
/// assert_eq!(err, BuildError::ZeroVnodes);
/// let err = Maglev::builder().table_size(65_536).build::<String>().unwrap_err();
/// assert_eq!(err.to_string(), "maglev table size 65536 is not prime: use a prime such as 65537");
/// ```
#[derive(Clone, Debug, PartialEq, Error)]
#[non_exhaustive]
pub enum BuildError {
    /// A ring was asked for zero virtual nodes per unit of weight.
    #[error("vnodes per unit of weight must be at least 1, got 0")]
    ZeroVnodes,
    /// A Maglev table size that is not prime: the permutations only visit
    /// every entry when the size is prime.
    #[error("maglev table size {size} is not prime: use a prime such as 65537")]
    #[non_exhaustive]
    TableSizeNotPrime {
        /// The rejected size.
        size: u32,
    },
    /// A Maglev table with room for no node: fewer entries than the 100 one
    /// node needs.
    #[error(
        "a maglev table of {size} entries holds no node: it needs at least {least} entries per node"
    )]
    #[non_exhaustive]
    TableSizeTooSmall {
        /// The rejected size.
        size: u32,
        /// The least size allowed: the entries one node needs.
        least: u32,
    },
    /// A bounded-loads balance factor that is not a finite number above 1.
    #[error("balance factor {factor} is not allowed: it must be finite and greater than 1")]
    #[non_exhaustive]
    InvalidBalanceFactor {
        /// The rejected factor.
        factor: f64,
    },
}

/// A membership change or load release that a router refuses; the router is
/// left as it was.
///
/// Every variant says what was wrong and what is allowed. Nodes are named by
/// [`NodeId::display_name`] (their identity as text, or in hex when it is not
/// UTF-8; integers by their value).
///
/// # Example
///
/// ```
/// use routekit::route::{HashRing, Membership, RouteError, Weighted};
///
/// let mut ring = HashRing::new();
/// ring.insert("a")?;
/// let err = ring.insert("a").unwrap_err();
/// assert!(matches!(&err, RouteError::DuplicateNode { node, .. } if node == "a"));
/// assert_eq!(
///     err.to_string(),
///     "node \"a\" is already present: remove it first, or give the new node another identity"
/// );
/// assert!(matches!(ring.insert_weighted("b", f64::NAN), Err(RouteError::InvalidWeight { .. })));
/// assert!(matches!(ring.remove("c"), Err(RouteError::UnknownNode { .. })));
/// # Ok::<(), RouteError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Error)]
#[non_exhaustive]
pub enum RouteError {
    /// A node with the same identity bytes is already present (or appears
    /// twice among the nodes added together).
    #[error(
        "node {node:?} is already present: remove it first, or give the new node another identity"
    )]
    #[non_exhaustive]
    DuplicateNode {
        /// The duplicated node's name.
        node: String,
    },
    /// No node has the given identity.
    #[error("node {node:?} is not present")]
    #[non_exhaustive]
    UnknownNode {
        /// The name of the node that was looked for.
        node: String,
    },
    /// A weight was zero, negative, infinite or NaN.
    #[error(
        "weight {weight} for node {node:?} is not allowed: a weight must be positive and finite"
    )]
    #[non_exhaustive]
    InvalidWeight {
        /// The name of the node the weight was given for.
        node: String,
        /// The rejected weight.
        weight: f64,
    },
    /// The weights ask a ring for more points than it can index.
    #[error(
        "the ring would need {requested} points, more than the {max} it can index: lower the vnodes or the weights"
    )]
    #[non_exhaustive]
    TooManyPoints {
        /// Points the change would need in total.
        requested: u64,
        /// The most points a ring holds.
        max: u64,
    },
    /// More nodes than a Maglev table holds at 100 entries per node, which
    /// the paper advises at the least (shares would differ by more than 1%).
    #[error(
        "a maglev table of {size} entries is too small for {nodes} nodes: it needs at least 100 entries per node ({needed}); build it with a larger prime size"
    )]
    #[non_exhaustive]
    TableTooSmall {
        /// The table size.
        size: u32,
        /// The node count it would have to hold.
        nodes: usize,
        /// The least size allowed for that many nodes.
        needed: u64,
    },
    /// More nodes (or buckets) than the strategy can number.
    #[error("{strategy} holds at most {max} nodes: the change would make {requested}")]
    #[non_exhaustive]
    TooManyNodes {
        /// The strategy: `jump hash`, `jump-back hash` or `memento hash`.
        strategy: &'static str,
        /// The node (or bucket) count the change would make.
        requested: u64,
        /// The most it holds.
        max: u64,
    },
    /// The allocator could not provide the memory a table needs. Every size a
    /// router accepts is checked against its documented limits first; this
    /// is what remains when the machine has less memory than the change asks
    /// for.
    #[error(
        "could not allocate {bytes} bytes for the router's tables: lower the node count, weights, vnodes or table size"
    )]
    #[non_exhaustive]
    OutOfMemory {
        /// The bytes asked for (saturated at `u64::MAX`).
        bytes: u64,
    },
    /// A server that the deployed system a `compat::CompatRing` reproduces
    /// would refuse or read differently (feature `compat`).
    #[error("{profile} cannot use server {server:?}: {reason}")]
    #[non_exhaustive]
    InvalidServer {
        /// The profile's short name, such as `nginx` or `libmemcached`.
        profile: &'static str,
        /// The server's name.
        server: String,
        /// Why the system would refuse it and what to write instead, as a
        /// sentence for people; branch on the variant, not on this text.
        reason: String,
    },
    /// A load was released from a node that holds none.
    #[error("node {node:?} holds no load to release")]
    #[non_exhaustive]
    NoLoad {
        /// The node's name.
        node: String,
    },
}

impl RouteError {
    pub(crate) fn duplicate<N: NodeId + ?Sized>(node: &N) -> RouteError {
        RouteError::DuplicateNode { node: node.display_name() }
    }

    pub(crate) fn unknown<N: NodeId + ?Sized>(node: &N) -> RouteError {
        RouteError::UnknownNode { node: node.display_name() }
    }
}

/// Checks a weight the way every weighted strategy must: positive and
/// finite.
pub(crate) fn check_weight<N: NodeId + ?Sized>(node: &N, weight: f64) -> Result<(), RouteError> {
    if weight.is_finite() && weight > 0.0 {
        Ok(())
    } else {
        Err(RouteError::InvalidWeight { node: node.display_name(), weight })
    }
}
