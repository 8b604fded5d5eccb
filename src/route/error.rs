//! The error type of the routing module.

use thiserror::Error;

/// What went wrong when changing or querying a [`Router`](super::Router).
///
/// Every variant says what was wrong and what is allowed; node identities are
/// shown as text (bytes that are not UTF-8 appear as `\u{fffd}`).
///
/// # Example
///
/// ```
/// use routekit::route::{HashRing, RouteError, Router};
///
/// let mut ring = HashRing::new();
/// ring.insert("a")?;
/// assert!(matches!(ring.insert("a"), Err(RouteError::DuplicateNode { .. })));
/// assert!(matches!(ring.insert_weighted("b", f64::NAN), Err(RouteError::InvalidWeight { .. })));
/// assert_eq!(ring.route_n(b"key", 0), Err(RouteError::ZeroReplicas));
/// # Ok::<(), RouteError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Error)]
#[non_exhaustive]
pub enum RouteError {
    /// A ring was asked for zero virtual nodes per unit of weight.
    #[error("vnodes per unit of weight must be at least 1, got 0")]
    ZeroVnodes,
    /// A weight was zero, negative, infinite or NaN.
    #[error(
        "weight {weight} for node {node:?} is not allowed: a weight must be positive and finite"
    )]
    InvalidWeight {
        /// The node the weight was given for.
        node: String,
        /// The rejected weight.
        weight: f64,
    },
    /// A node with the same identity bytes is already present.
    #[error(
        "node {node:?} is already present: remove it first, or give the new node another identity"
    )]
    DuplicateNode {
        /// The duplicated identity.
        node: String,
    },
    /// No node has the given identity.
    #[error("node {node:?} is not present")]
    UnknownNode {
        /// The identity that was looked for.
        node: String,
    },
    /// `route_n` was asked for zero nodes.
    #[error("asked for 0 nodes: n must be at least 1")]
    ZeroReplicas,
    /// The weights ask a ring for more points than it can index.
    #[error(
        "the ring would need {requested} points, more than the {max} it can index: lower the vnodes or the weights"
    )]
    TooManyPoints {
        /// Points the change would need in total.
        requested: u64,
        /// The most points a ring holds.
        max: u64,
    },
    /// A Maglev table size that is not prime: the permutations only visit
    /// every entry when the size is prime.
    #[error("maglev table size {size} is not prime: use a prime such as 65537")]
    TableSizeNotPrime {
        /// The rejected size.
        size: u64,
    },
    /// A Maglev table with fewer than 100 entries per node, which the paper
    /// advises against (shares would differ by more than 1%).
    #[error(
        "a maglev table of {size} entries is too small for {nodes} nodes: it needs at least 100 entries per node ({needed}); build it with a larger prime size"
    )]
    TableTooSmall {
        /// The table size.
        size: u64,
        /// The node count it would have to hold.
        nodes: usize,
        /// The least size allowed for that many nodes.
        needed: u64,
    },
    /// A bounded-loads balance factor that is not a finite number above 1.
    #[error("balance factor {factor} is not allowed: it must be finite and greater than 1")]
    InvalidBalanceFactor {
        /// The rejected factor.
        factor: f64,
    },
    /// A load was released from a node that holds none.
    #[error("node {node:?} holds no load to release")]
    NoLoad {
        /// The node.
        node: String,
    },
    /// The strategy cannot do this operation (for example, remove a node
    /// other than the last one from a jump hash).
    #[error("{strategy} cannot {operation}")]
    Unsupported {
        /// The strategy's name.
        strategy: &'static str,
        /// What was asked, with the reason.
        operation: &'static str,
    },
    /// A server that the deployed router a compatibility profile
    /// (`route::compat`) reproduces would refuse or read differently: an
    /// address it cannot parse, a weight that is not a whole number in its
    /// range, a name where it has none.
    #[error("{profile} cannot use server {server:?}: {reason}")]
    InvalidServer {
        /// The profile: `libketama`, `libmemcached`, `twemproxy` or `nginx`.
        profile: &'static str,
        /// The server identity as given.
        server: String,
        /// What is wrong, and what is allowed.
        reason: String,
    },
}

/// A node identity as text for error messages.
pub(crate) fn display_node(node: &[u8]) -> String {
    String::from_utf8_lossy(node).into_owned()
}
