//! The errors of handoff planning: [`PlanError`] for two routers that
//! cannot be compared, [`HeaderError`] for a forwarding header that cannot
//! be read.

use thiserror::Error;

use crate::hash::HasherId;

/// Two routers whose placements cannot be compared: a plan between them
/// would be meaningless, because every key's position or order of choices
/// differs. Build the new router with the old one's strategy, hasher and
/// parameters (changing those moves nearly every key: move all state, or
/// migrate by reading through both routers).
///
/// # Example
///
/// ```
/// use routekit::route::handoff::{Handoff, PlanError};
/// use routekit::route::HashRing;
///
/// let before: HashRing<String> = HashRing::builder().vnodes(100).build()?;
/// let after: HashRing<String> = HashRing::builder().vnodes(160).build()?;
/// let err = Handoff::new(&before, &after).unwrap_err();
/// assert!(matches!(err, PlanError::Parameter { name: "vnodes", before: 100, after: 160, .. }));
/// assert_eq!(
///     err.to_string(),
///     "the routers differ in vnodes (100 before, 160 after): plan only between routers \
///      built with the same strategy, hasher and parameters"
/// );
/// # Ok::<(), routekit::route::BuildError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum PlanError {
    /// The routers use different strategies (or compat profiles).
    #[error(
        "the routers use different strategies ({before} before, {after} after): plan only \
         between routers of the same strategy"
    )]
    #[non_exhaustive]
    Strategy {
        /// The strategy before the change.
        before: &'static str,
        /// The strategy after the change.
        after: &'static str,
    },
    /// The routers hash with different hashers, seeds or keys.
    #[error(
        "the routers hash differently ({before} before, {after} after): plan only between \
         routers with the same hasher and seed or key"
    )]
    #[non_exhaustive]
    Hasher {
        /// The hasher before the change, `None` for a strategy's fixed hash.
        before: HasherIdText,
        /// The hasher after the change.
        after: HasherIdText,
    },
    /// The routers differ in a parameter such as vnodes or table size.
    #[error(
        "the routers differ in {name} ({before} before, {after} after): plan only between \
         routers built with the same strategy, hasher and parameters"
    )]
    #[non_exhaustive]
    Parameter {
        /// The parameter's name: `"vnodes"`, `"table size"`.
        name: &'static str,
        /// Its value before the change.
        before: u64,
        /// Its value after the change.
        after: u64,
    },
}

/// A hasher as a [`PlanError`] names it: its id, or none for a strategy
/// whose hash is fixed.
///
/// # Example
///
/// ```
/// use routekit::hash::{KeyHasher, Xxh3};
/// use routekit::route::handoff::HasherIdText;
///
/// assert_eq!(HasherIdText(Some(Xxh3::with_seed(2).id())).to_string(), "xxh3 seed 2");
/// assert_eq!(HasherIdText(None).to_string(), "the strategy's own hash");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HasherIdText(pub Option<HasherId>);

impl std::fmt::Display for HasherIdText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(id) => id.fmt(f),
            None => f.write_str("the strategy's own hash"),
        }
    }
}

/// A forwarding header that cannot be read. A service answers such a
/// request as it would any malformed one (400), or serves it here, which is
/// always safe: it is what a hop limit does.
///
/// # Example
///
/// ```
/// use routekit::route::handoff::{HeaderError, Incoming};
///
/// let err = Incoming::from_headers(Some("many"), None).unwrap_err();
/// assert!(matches!(err, HeaderError::Hops { length: 4, .. }));
/// assert_eq!(
///     err.to_string(),
///     "the Routekit-Hops header (4 bytes) is not a hop count: send a decimal number from 0 \
///      to 4294967295"
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum HeaderError {
    /// The hop count is not a decimal `u32`.
    #[error(
        "the Routekit-Hops header ({length} bytes) is not a hop count: send a decimal number \
         from 0 to 4294967295"
    )]
    #[non_exhaustive]
    Hops {
        /// The length of the value received (the value itself is the
        /// client's and is not repeated).
        length: usize,
    },
    /// The membership fingerprint is not 32 hex digits.
    #[error(
        "the Routekit-Membership header ({length} bytes) is not a fingerprint: send the 32 hex \
         digits of Fingerprint's Display"
    )]
    #[non_exhaustive]
    Membership {
        /// The length of the value received.
        length: usize,
    },
}
