//! What decides a router's placement, as the fingerprint and the plans read
//! it: [`Placement`] and its [`Settings`].

use xxhash_rust::xxh3::Xxh3 as Xxh3Stream;

use super::fingerprint::write_bytes;
use crate::hash::{HasherId, KeyHasher};
use crate::route::{
    HashRing, JumpBackHash, JumpHash, Maglev, MementoHash, NodeId, Rendezvous, Router,
};

/// A router whose placement can be described, fingerprinted and compared:
/// every routekit strategy ([`HashRing`], [`Rendezvous`], [`JumpHash`],
/// [`JumpBackHash`], [`MementoHash`], [`Maglev`], `compat::CompatRing`),
/// and references and boxes of them.
///
/// [`BoundedLoads`](crate::route::BoundedLoads) is not one: where it sends
/// a key depends on the loads of the moment, not on the membership alone;
/// plan the router it wraps.
///
/// # Example
///
/// ```
/// use routekit::route::handoff::Placement;
/// use routekit::route::HashRing;
///
/// let ring: HashRing<String> = HashRing::builder().vnodes(40).build()?;
/// let settings = ring.settings();
/// assert_eq!(settings.strategy(), "hash ring");
/// assert_eq!(settings.parameter(), Some(("vnodes", 40)));
/// # Ok::<(), routekit::route::BuildError>(())
/// ```
pub trait Placement: Router {
    /// The strategy, hasher and parameters: everything but the members that
    /// decides placement. O(1).
    ///
    /// ```
    /// use routekit::hash::{KeyHasher, Xxh3};
    /// use routekit::route::handoff::Placement;
    /// use routekit::route::Rendezvous;
    ///
    /// let router: Rendezvous<String> = Rendezvous::with_hasher(Xxh3::with_seed(3));
    /// assert_eq!(router.settings().hasher(), Some(Xxh3::with_seed(3).id()));
    /// assert_eq!(router.settings().parameter(), None);
    /// ```
    fn settings(&self) -> Settings;

    /// Feeds the members, in the order that decides placement, to the
    /// fingerprint's digest; called by
    /// [`Fingerprint::of`](super::Fingerprint::of).
    #[doc(hidden)]
    fn digest_members(&self, digest: &mut MemberDigest<'_>);
}

/// What decides a router's placement besides its members: the strategy
/// (for `compat::CompatRing`, the profile), the hasher and the one numeric
/// parameter some strategies have (a ring's vnodes, a Maglev table's size).
///
/// Plans compare the settings of the two routers first and refuse to plan
/// between routers whose settings differ.
///
/// # Example
///
/// ```
/// use routekit::route::handoff::Placement;
/// use routekit::route::Maglev;
///
/// let settings = Maglev::<String>::new().settings();
/// assert_eq!(settings.strategy(), "maglev");
/// assert_eq!(settings.parameter(), Some(("table size", 65_537)));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    strategy: &'static str,
    hasher: Option<HasherId>,
    parameter: Option<(&'static str, u64)>,
}

impl Settings {
    /// The strategy's name: `"hash ring"`, `"rendezvous"`, `"jump hash"`,
    /// `"jump back hash"`, `"memento hash"`, `"maglev"`, or a compat
    /// profile's name (`"libketama"`, `"nginx"`, …).
    ///
    /// ```
    /// use routekit::route::handoff::Placement;
    /// use routekit::route::JumpHash;
    /// assert_eq!(JumpHash::<u32>::new().settings().strategy(), "jump hash");
    /// ```
    pub fn strategy(&self) -> &'static str {
        self.strategy
    }

    /// The hasher's id, or `None` where the strategy fixes its hash (the
    /// compat profiles: MD5 or CRC-32).
    ///
    /// ```
    /// use routekit::hash::{Fnv1a, KeyHasher};
    /// use routekit::route::handoff::Placement;
    /// use routekit::route::HashRing;
    /// let ring: HashRing<String, Fnv1a> = HashRing::with_hasher(Fnv1a);
    /// assert_eq!(ring.settings().hasher(), Some(Fnv1a.id()));
    /// ```
    pub fn hasher(&self) -> Option<HasherId> {
        self.hasher
    }

    /// The strategy's parameter by name and value: `("vnodes", v)` for a
    /// [`HashRing`], `("table size", m)` for a [`Maglev`], `None` for the
    /// others.
    ///
    /// ```
    /// use routekit::route::handoff::Placement;
    /// use routekit::route::HashRing;
    /// assert_eq!(HashRing::<String>::new().settings().parameter(), Some(("vnodes", 160)));
    /// ```
    pub fn parameter(&self) -> Option<(&'static str, u64)> {
        self.parameter
    }

    fn of<H: KeyHasher>(strategy: &'static str, hasher: &H) -> Settings {
        Settings { strategy, hasher: Some(hasher.id()), parameter: None }
    }

    fn with(mut self, name: &'static str, value: u64) -> Settings {
        self.parameter = Some((name, value));
        self
    }
}

/// The digest a [`Placement`] feeds its members to. Not constructible
/// outside routekit.
#[doc(hidden)]
pub struct MemberDigest<'s> {
    state: &'s mut Xxh3Stream,
    count: u64,
}

impl<'s> MemberDigest<'s> {
    pub(super) fn new(state: &'s mut Xxh3Stream) -> MemberDigest<'s> {
        MemberDigest { state, count: 0 }
    }

    pub(super) fn count(&self) -> u64 {
        self.count
    }

    /// One member: its identity bytes and its weight's bits (0 where the
    /// strategy has no weights).
    fn member(&mut self, id: &[u8], weight: u64) {
        self.count += 1;
        self.state.update(&[1]);
        write_bytes(self.state, id);
        self.state.update(&weight.to_le_bytes());
    }

    /// Something else placement depends on at this point of the order (a
    /// removed bucket, a server's name).
    fn extra(&mut self, tag: u8, bytes: &[u8]) {
        self.state.update(&[2, tag]);
        write_bytes(self.state, bytes);
    }
}

impl<N: NodeId, H: KeyHasher> Placement for HashRing<N, H> {
    fn settings(&self) -> Settings {
        Settings::of("hash ring", self.hasher()).with("vnodes", u64::from(self.vnodes()))
    }

    fn digest_members(&self, digest: &mut MemberDigest<'_>) {
        for (node, weight, _) in self.nodes() {
            digest.member(node.id_bytes().as_ref(), weight.to_bits());
        }
    }
}

impl<N: NodeId, H: KeyHasher> Placement for Rendezvous<N, H> {
    fn settings(&self) -> Settings {
        Settings::of("rendezvous", self.hasher())
    }

    fn digest_members(&self, digest: &mut MemberDigest<'_>) {
        for (node, weight) in self.nodes() {
            digest.member(node.id_bytes().as_ref(), weight.to_bits());
        }
    }
}

impl<N: NodeId, H: KeyHasher> Placement for Maglev<N, H> {
    fn settings(&self) -> Settings {
        Settings::of("maglev", self.hasher()).with("table size", u64::from(self.table_size()))
    }

    fn digest_members(&self, digest: &mut MemberDigest<'_>) {
        for (node, weight) in self.nodes() {
            digest.member(node.id_bytes().as_ref(), weight.to_bits());
        }
    }
}

impl<N: NodeId, H: KeyHasher> Placement for JumpHash<N, H> {
    fn settings(&self) -> Settings {
        Settings::of("jump hash", self.hasher())
    }

    fn digest_members(&self, digest: &mut MemberDigest<'_>) {
        for node in self.nodes() {
            digest.member(node.id_bytes().as_ref(), 0);
        }
    }
}

impl<N: NodeId, H: KeyHasher> Placement for JumpBackHash<N, H> {
    fn settings(&self) -> Settings {
        Settings::of("jump back hash", self.hasher())
    }

    fn digest_members(&self, digest: &mut MemberDigest<'_>) {
        for node in self.nodes() {
            digest.member(node.id_bytes().as_ref(), 0);
        }
    }
}

impl<N: NodeId, H: KeyHasher> Placement for MementoHash<N, H> {
    fn settings(&self) -> Settings {
        Settings::of("memento hash", self.hasher())
    }

    /// Bucket by bucket: the node it holds, or where its keys go instead.
    fn digest_members(&self, digest: &mut MemberDigest<'_>) {
        for (node, replacer) in self.buckets().zip(self.removed_replacers()) {
            match (node, replacer) {
                (Some(node), _) => digest.member(node.id_bytes().as_ref(), 0),
                (None, replacer) => {
                    digest.extra(1, &replacer.unwrap_or(u32::MAX).to_le_bytes());
                }
            }
        }
    }
}

#[cfg(feature = "compat")]
impl<N: NodeId> Placement for crate::route::compat::CompatRing<N> {
    fn settings(&self) -> Settings {
        Settings { strategy: self.profile().name(), hasher: None, parameter: None }
    }

    /// In the ring's order, which orders equal points.
    fn digest_members(&self, digest: &mut MemberDigest<'_>) {
        for server in self.servers() {
            digest.member(server.node().id_bytes().as_ref(), u64::from(server.weight()));
            if let Some(name) = server.name() {
                digest.extra(2, name);
            }
        }
    }
}

impl<R: Placement + ?Sized> Placement for &R {
    fn settings(&self) -> Settings {
        (**self).settings()
    }

    fn digest_members(&self, digest: &mut MemberDigest<'_>) {
        (**self).digest_members(digest)
    }
}

impl<R: Placement + ?Sized> Placement for Box<R> {
    fn settings(&self) -> Settings {
        (**self).settings()
    }

    fn digest_members(&self, digest: &mut MemberDigest<'_>) {
        (**self).digest_members(digest)
    }
}
