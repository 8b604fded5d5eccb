//! Acting on a membership change: what state moves where ([`Handoff`]
//! plans), a fingerprint of the membership ([`Fingerprint`]), and the
//! ownership check with a loop guard for requests that reach an instance
//! ([`Ownership`]).
//!
//! A service whose instances hold state for their keys (carts, sessions,
//! connections) needs three answers when the membership changes:
//!
//! * **What moves.** [`Handoff::new(&before, &after)`](Handoff::new) plans
//!   between the router before and after a change, for every strategy:
//!   per key ([`key`](Handoff::key): two routings; [`leaves`](Handoff::leaves):
//!   one, for a scan of an instance's own state; [`replicas`](Handoff::replicas)
//!   for a replication factor `r`), as hash ranges for the rings
//!   ([`ranges`](Handoff::ranges) and [`replica_ranges`](Handoff::replica_ranges)
//!   of a [`HashRing`](super::HashRing) or `compat::CompatRing`), and as
//!   table slots for [`Maglev`](super::Maglev) ([`slots`](Handoff::slots)).
//!   A store that indexes keys by their ring position
//!   ([`HashRing::position`](super::HashRing::position)) turns a range
//!   plan into range scans.
//! * **Do we agree.** [`Fingerprint::of`] digests everything that decides
//!   placement; equal fingerprints place every key alike.
//! * **Serve or forward.** [`Ownership::decide`] answers for a request:
//!   serve here, forward to the owner, or serve here anyway because the
//!   hop limit is reached or the sender's view differs.
//!
//! # The forwarding protocol
//!
//! An instance that forwards a request to the key's owner (a 307 redirect
//! or a proxied call) sends two headers, which [`Incoming::headers`]
//! writes and [`Incoming::from_headers`] reads:
//!
//! | header | value |
//! |--------|-------|
//! | [`Routekit-Hops`](HOPS_HEADER) | how many times the request has been forwarded (decimal) |
//! | [`Routekit-Membership`](MEMBERSHIP_HEADER) | the sender's [`Fingerprint`] (32 hex digits) |
//!
//! The receiver serves a request it owns. One it does not own it serves
//! anyway when the sender's fingerprint differs from its own — the two
//! views disagree while a change propagates, and sending it on could
//! bounce it back — or when the hop count reached the limit; otherwise it
//! forwards with one more hop. So two instances that see different
//! memberships never bounce a request: a request is forwarded once while
//! fingerprints travel, and at most [`DEFAULT_MAX_HOPS`] times through
//! senders that drop them. Strip both headers from requests arriving from
//! outside, so a client cannot pose as an instance.
//!
//! # Example
//!
//! ```
//! use routekit::route::handoff::{Decision, Handoff, Incoming, Ownership};
//! use routekit::route::{HashRing, Membership, Router};
//!
//! let mut before = HashRing::new();
//! before.extend(["a", "b", "c"])?;
//! let mut after = before.clone();
//! after.insert("d")?;
//!
//! // Which ranges of the ring move, from whom, to whom: here all onto "d".
//! let plan = Handoff::new(&before, &after)?;
//! let ranges = plan.ranges();
//! assert!(ranges.iter().all(|moved| moved.to() == Some(&"d")));
//! let key = b"cart:42";
//! let moving = ranges.iter().any(|moved| moved.range().contains(after.position(key)));
//! assert_eq!(moving, plan.key(key).moves());
//!
//! // At the instance a request reaches: serve, or forward once.
//! let view = Ownership::new(after.clone(), "a");
//! match view.decide(key, Incoming::client()) {
//!     Decision::Serve => assert_eq!(after.route(key), Some(&"a")),
//!     Decision::Forward { owner, outgoing } => {
//!         assert_eq!(outgoing.headers()[0], ("Routekit-Hops", "1".to_string()));
//!         assert_eq!(after.route(key), Some(owner));
//!     }
//!     Decision::ServeAnyway { reason } => unreachable!("{reason}"),
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod error;
mod fingerprint;
mod ownership;
mod placement;
mod plan;
mod ranges;
mod slots;

pub use error::{HasherIdText, HeaderError, PlanError};
pub use fingerprint::Fingerprint;
pub use ownership::{DEFAULT_MAX_HOPS, Decision, Incoming, Ownership, ServeReason};
#[doc(hidden)]
pub use placement::MemberDigest;
pub use placement::{Placement, Settings};
pub use plan::{Handoff, KeyMove, ReplicaMove};
pub use ranges::{HashRange, RangeMove, ReplicaRangeMove};
pub use slots::SlotMove;

/// The header a forwarded request carries its hop count in.
///
/// ```
/// assert_eq!(routekit::route::handoff::HOPS_HEADER, "Routekit-Hops");
/// ```
pub const HOPS_HEADER: &str = "Routekit-Hops";

/// The header a forwarded request carries its sender's membership
/// [`Fingerprint`] in.
///
/// ```
/// assert_eq!(routekit::route::handoff::MEMBERSHIP_HEADER, "Routekit-Membership");
/// ```
pub const MEMBERSHIP_HEADER: &str = "Routekit-Membership";
