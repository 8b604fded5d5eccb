//! The ownership check for a request that reached an instance: serve here,
//! forward to the owner, or serve here anyway — with a loop guard.

use super::{Fingerprint, HOPS_HEADER, HeaderError, MEMBERSHIP_HEADER, Placement};
use crate::route::NodeId;

/// One instance's view of the membership, for deciding where requests are
/// served: the router, this instance's identity and the router's
/// [`Fingerprint`], computed once when the view is built.
///
/// Build a new `Ownership` whenever the membership changes (as you would
/// swap a [`SharedRouter`](crate::route::SharedRouter) snapshot); each
/// [`decide`](Ownership::decide) is one routing of the key and a comparison,
/// never a fingerprint.
///
/// The protocol (see the [module docs](super)): a request forwarded to its
/// owner carries the hop count ([`HOPS_HEADER`]) and the sender's
/// fingerprint ([`MEMBERSHIP_HEADER`]). An instance that receives a
/// forwarded request with a fingerprint other than its own serves it
/// whether or not it is the owner by its own view: the two views disagree,
/// and forwarding again could send it back. So a request is forwarded at
/// most once while the fingerprints travel, and at most
/// [`max_hops`](Ownership::max_hops) times when a sender drops them.
///
/// # Example
///
/// ```
/// use routekit::route::handoff::{Decision, Incoming, Ownership};
/// use routekit::route::{HashRing, Membership, Router};
///
/// let mut ring = HashRing::new();
/// ring.extend(["a", "b", "c"])?;
/// let owner = *ring.route(b"cart:9").unwrap();
/// let other = if owner == "a" { "b" } else { "a" };
///
/// let at_owner = Ownership::new(ring.clone(), &owner);
/// let elsewhere = Ownership::new(ring, &other);
///
/// // A client's request reaches the wrong instance: forward it, once.
/// let Decision::Forward { owner: to, outgoing } = elsewhere.decide(b"cart:9", Incoming::client())
/// else { panic!("not the owner") };
/// assert_eq!(*to, owner);
/// // The owner serves what it receives.
/// assert_eq!(at_owner.decide(b"cart:9", outgoing), Decision::Serve);
/// # Ok::<(), routekit::route::RouteError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Ownership<R> {
    router: R,
    me: Box<[u8]>,
    fingerprint: Fingerprint,
    max_hops: u32,
}

/// The most forwards of one request unless [`Ownership::with_max_hops`]
/// says otherwise: one is all that two instances with the same membership
/// need; the second allows for a sender that does not send its fingerprint.
pub const DEFAULT_MAX_HOPS: u32 = 2;

/// What an instance should do with a request: the answer of
/// [`Ownership::decide`].
///
/// # Example
///
/// ```
/// use routekit::route::handoff::{Decision, Incoming, Ownership, ServeReason};
/// use routekit::route::HashRing;
///
/// let empty: HashRing<&str> = HashRing::new();
/// let view = Ownership::new(empty, "a");
/// assert_eq!(
///     view.decide(b"k", Incoming::client()),
///     Decision::ServeAnyway { reason: ServeReason::NoNodes }
/// );
/// ```
#[derive(Debug, PartialEq, Eq)]
pub enum Decision<'r, N> {
    /// This instance owns the key: serve the request here.
    Serve,
    /// Another instance owns the key: forward the request to `owner` with
    /// the `outgoing` headers (a 307 redirect, or a proxied call).
    Forward {
        /// The key's owner by this instance's view.
        owner: &'r N,
        /// The hop count and fingerprint to send with the request.
        outgoing: Incoming,
    },
    /// Serve the request here although this instance is not the owner by
    /// its own view, for `reason`.
    ServeAnyway {
        /// Why forwarding again would be wrong.
        reason: ServeReason,
    },
}

/// Why an instance serves a request it does not own.
///
/// # Example
///
/// ```
/// use routekit::route::handoff::ServeReason;
/// assert_eq!(ServeReason::HopLimit.to_string(), "the hop limit is reached");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ServeReason {
    /// The request has been forwarded [`Ownership::max_hops`] times.
    HopLimit,
    /// The sender forwarded it with another membership fingerprint: the
    /// two views disagree (one of them has not seen a change yet), and
    /// forwarding again could bounce it back.
    MembershipDiffers,
    /// The router has no nodes, so no instance owns the key.
    NoNodes,
}

impl std::fmt::Display for ServeReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ServeReason::HopLimit => "the hop limit is reached",
            ServeReason::MembershipDiffers => "the sender's membership differs from ours",
            ServeReason::NoNodes => "the router has no nodes",
        })
    }
}

/// What a request says about its path: how many times it has been
/// forwarded, and the sender's membership fingerprint if an instance sent
/// it. Read from the headers with [`from_headers`](Incoming::from_headers),
/// written with [`headers`](Incoming::headers).
///
/// # Example
///
/// ```
/// use routekit::route::handoff::{Fingerprint, Incoming};
///
/// let incoming = Incoming::from_headers(Some("1"), Some(&Fingerprint::from_u128(5).to_string()))?;
/// assert_eq!(incoming.hops(), 1);
/// assert_eq!(incoming.sender(), Some(Fingerprint::from_u128(5)));
/// assert_eq!(Incoming::from_headers(None, None)?, Incoming::client());
/// # Ok::<(), routekit::route::handoff::HeaderError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Incoming {
    hops: u32,
    sender: Option<Fingerprint>,
}

impl Incoming {
    /// A request straight from a client: no hops, no fingerprint.
    ///
    /// ```
    /// use routekit::route::handoff::Incoming;
    /// assert_eq!(Incoming::client().hops(), 0);
    /// assert_eq!(Incoming::client().sender(), None);
    /// ```
    pub const fn client() -> Incoming {
        Incoming { hops: 0, sender: None }
    }

    /// A request forwarded `hops` times, last by an instance whose
    /// membership fingerprint is `sender`.
    ///
    /// ```
    /// use routekit::route::handoff::{Fingerprint, Incoming};
    /// let incoming = Incoming::forwarded(2, Some(Fingerprint::from_u128(1)));
    /// assert_eq!(incoming.hops(), 2);
    /// ```
    pub const fn forwarded(hops: u32, sender: Option<Fingerprint>) -> Incoming {
        Incoming { hops, sender }
    }

    /// Reads the values of the [`HOPS_HEADER`] and the
    /// [`MEMBERSHIP_HEADER`], each `None` when the request has none (a
    /// missing hop count is 0).
    ///
    /// # Errors
    ///
    /// [`HeaderError`] when a value is present but malformed.
    ///
    /// ```
    /// use routekit::route::handoff::Incoming;
    /// assert_eq!(Incoming::from_headers(Some(" 3 "), None)?.hops(), 3);
    /// assert!(Incoming::from_headers(None, Some("beef")).is_err());
    /// # Ok::<(), routekit::route::handoff::HeaderError>(())
    /// ```
    pub fn from_headers(
        hops: Option<&str>,
        membership: Option<&str>,
    ) -> Result<Incoming, HeaderError> {
        let hops = match hops {
            None => 0,
            Some(text) => {
                text.trim().parse::<u32>().map_err(|_| HeaderError::Hops { length: text.len() })?
            }
        };
        let sender = membership.map(str::parse).transpose()?;
        Ok(Incoming { hops, sender })
    }

    /// The number of times the request has been forwarded.
    ///
    /// ```
    /// use routekit::route::handoff::Incoming;
    /// assert_eq!(Incoming::forwarded(1, None).hops(), 1);
    /// ```
    pub const fn hops(&self) -> u32 {
        self.hops
    }

    /// The fingerprint of the instance that forwarded the request, if any.
    ///
    /// ```
    /// use routekit::route::handoff::Incoming;
    /// assert_eq!(Incoming::forwarded(1, None).sender(), None);
    /// ```
    pub const fn sender(&self) -> Option<Fingerprint> {
        self.sender
    }

    /// The headers to send: `(name, value)` pairs for the
    /// [`HOPS_HEADER`] and, when there is a fingerprint, the
    /// [`MEMBERSHIP_HEADER`].
    ///
    /// ```
    /// use routekit::route::handoff::{Fingerprint, Incoming};
    /// let headers = Incoming::forwarded(1, Some(Fingerprint::from_u128(255))).headers();
    /// assert_eq!(headers[0], ("Routekit-Hops", "1".to_string()));
    /// assert_eq!(headers[1].1, "000000000000000000000000000000ff");
    /// ```
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        let mut headers = vec![(HOPS_HEADER, self.hops.to_string())];
        if let Some(sender) = self.sender {
            headers.push((MEMBERSHIP_HEADER, sender.to_string()));
        }
        headers
    }
}

impl<R: Placement> Ownership<R> {
    /// This instance's view: `router` as it sees the membership, and its own
    /// identity `me` (which need not be a member: an instance that is
    /// joining or leaving forwards everything it does not own). Computes
    /// the router's fingerprint: O(n) in the node count.
    ///
    /// ```
    /// use routekit::route::handoff::{Fingerprint, Ownership};
    /// use routekit::route::{Membership, Rendezvous};
    ///
    /// let mut router = Rendezvous::new();
    /// router.extend([1u64, 2, 3])?;
    /// let view = Ownership::new(router.clone(), &2u64);
    /// assert_eq!(view.fingerprint(), Fingerprint::of(&router));
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    pub fn new<Q: NodeId + ?Sized>(router: R, me: &Q) -> Ownership<R> {
        let fingerprint = Fingerprint::of(&router);
        Ownership {
            router,
            me: me.id_bytes().as_ref().into(),
            fingerprint,
            max_hops: DEFAULT_MAX_HOPS,
        }
    }

    /// The same view with another hop limit (0: never forward).
    ///
    /// ```
    /// use routekit::route::handoff::{Decision, Incoming, Ownership, ServeReason};
    /// use routekit::route::{Membership, Rendezvous, Router};
    ///
    /// let mut router = Rendezvous::new();
    /// router.extend(["a", "b"])?;
    /// let other = if *router.route(b"k").unwrap() == "a" { "b" } else { "a" };
    /// let view = Ownership::new(router, other).with_max_hops(0);
    /// assert_eq!(
    ///     view.decide(b"k", Incoming::client()),
    ///     Decision::ServeAnyway { reason: ServeReason::HopLimit }
    /// );
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    pub fn with_max_hops(mut self, max_hops: u32) -> Ownership<R> {
        self.max_hops = max_hops;
        self
    }

    /// Where to serve a request for `key` that reached this instance: one
    /// routing of the key, no allocation.
    ///
    /// In order: no nodes → [`ServeAnyway`](Decision::ServeAnyway)
    /// ([`NoNodes`](ServeReason::NoNodes)); this instance owns the key →
    /// [`Serve`](Decision::Serve); the sender's fingerprint differs from
    /// ours → serve anyway ([`MembershipDiffers`](ServeReason::MembershipDiffers));
    /// the request has made [`max_hops`](Ownership::max_hops) hops → serve
    /// anyway ([`HopLimit`](ServeReason::HopLimit)); otherwise
    /// [`Forward`](Decision::Forward) to the owner with one more hop and
    /// our fingerprint.
    ///
    /// ```
    /// use routekit::route::handoff::{Decision, Incoming, Ownership, ServeReason};
    /// use routekit::route::{Membership, Rendezvous, Router};
    ///
    /// let mut old = Rendezvous::new();
    /// old.extend(["a", "b"])?;
    /// let mut new = old.clone();
    /// new.insert("c")?;
    /// // A key that "c" now owns, and its owner before.
    /// let key = (0..).map(|i| format!("k{i}")).find(|k| new.route(k.as_bytes()) == Some(&"c")).unwrap();
    /// let before = *old.route(key.as_bytes()).unwrap();
    ///
    /// // "c" has not seen itself join yet and forwards to the old owner, which
    /// // has: the views differ, so the old owner serves instead of bouncing.
    /// let stale = Ownership::new(old, "c");
    /// let fresh = Ownership::new(new, before);
    /// let Decision::Forward { outgoing, .. } = stale.decide(key.as_bytes(), Incoming::client())
    /// else { panic!() };
    /// assert_eq!(
    ///     fresh.decide(key.as_bytes(), outgoing),
    ///     Decision::ServeAnyway { reason: ServeReason::MembershipDiffers }
    /// );
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    #[inline]
    pub fn decide(&self, key: &[u8], incoming: Incoming) -> Decision<'_, R::Node> {
        let Some(owner) = self.router.route(key) else {
            return Decision::ServeAnyway { reason: ServeReason::NoNodes };
        };
        if owner.id_bytes().as_ref() == &*self.me {
            return Decision::Serve;
        }
        if incoming.sender.is_some_and(|sender| sender != self.fingerprint) {
            return Decision::ServeAnyway { reason: ServeReason::MembershipDiffers };
        }
        if incoming.hops >= self.max_hops {
            return Decision::ServeAnyway { reason: ServeReason::HopLimit };
        }
        let outgoing = Incoming { hops: incoming.hops + 1, sender: Some(self.fingerprint) };
        Decision::Forward { owner, outgoing }
    }

    /// The router's fingerprint, computed when this view was built: what
    /// [`Forward`](Decision::Forward) sends.
    ///
    /// ```
    /// use routekit::route::handoff::{Fingerprint, Ownership};
    /// use routekit::route::Maglev;
    /// let lb: Maglev<&str> = Maglev::new();
    /// assert_eq!(Ownership::new(lb.clone(), "a").fingerprint(), Fingerprint::of(&lb));
    /// ```
    pub fn fingerprint(&self) -> Fingerprint {
        self.fingerprint
    }

    /// The most forwards of one request (default [`DEFAULT_MAX_HOPS`]).
    ///
    /// ```
    /// use routekit::route::handoff::{Ownership, DEFAULT_MAX_HOPS};
    /// use routekit::route::Maglev;
    /// assert_eq!(Ownership::new(Maglev::<&str>::new(), "a").max_hops(), DEFAULT_MAX_HOPS);
    /// ```
    pub fn max_hops(&self) -> u32 {
        self.max_hops
    }

    /// The router this view routes with.
    ///
    /// ```
    /// use routekit::route::handoff::Ownership;
    /// use routekit::route::{Maglev, Router};
    /// assert!(Ownership::new(Maglev::<&str>::new(), "a").router().is_empty());
    /// ```
    pub fn router(&self) -> &R {
        &self.router
    }
}

impl<N> Clone for Decision<'_, N> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<N> Copy for Decision<'_, N> {}
