//! The membership fingerprint: a 128-bit digest of everything that decides
//! where a router places keys.

use std::fmt;
use std::str::FromStr;

use xxhash_rust::xxh3::Xxh3 as Xxh3Stream;

use super::HeaderError;
use super::placement::{MemberDigest, Placement};

/// A stable 128-bit digest of a router's placement: its strategy, hasher
/// (algorithm and seed, or a one-way tag of a secret key), parameters
/// (vnodes, table size) and members with their weights, in the order that
/// decides placement (identity order where the order nodes were added in
/// makes no difference).
///
/// Two routers with equal fingerprints place every key alike, in every
/// process, on every platform and in later releases (the digest is XXH3-128
/// of a versioned byte layout, which a release may not change silently).
/// Compute it once per membership change with [`Fingerprint::of`] — O(n) in
/// the node count — and keep it beside the router, as [`Ownership`] does:
/// it is never part of a lookup.
///
/// It travels as 32 lowercase hex digits (`Display`, [`FromStr`]), in the
/// [`MEMBERSHIP_HEADER`](super::MEMBERSHIP_HEADER) of a forwarded request.
///
/// [`Ownership`]: super::Ownership
///
/// # Example
///
/// ```
/// use routekit::route::handoff::Fingerprint;
/// use routekit::route::{HashRing, Membership};
///
/// let mut one = HashRing::new();
/// one.extend(["a", "b", "c"])?;
/// let mut other = HashRing::new();
/// other.extend(["c", "a", "b"])?; // another order: the same placement
/// assert_eq!(Fingerprint::of(&one), Fingerprint::of(&other));
///
/// other.remove("b")?;
/// assert_ne!(Fingerprint::of(&one), Fingerprint::of(&other));
///
/// let text = Fingerprint::of(&one).to_string();
/// assert_eq!(text.len(), 32);
/// assert_eq!(text.parse::<Fingerprint>()?, Fingerprint::of(&one));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint(u128);

/// The first bytes of the digested layout: its name and version.
const LAYOUT: &[u8] = b"routekit membership fingerprint v1\0";

impl Fingerprint {
    /// The fingerprint of `router`'s placement: O(n) in the node count (the
    /// identities and weights are hashed once).
    ///
    /// ```
    /// use routekit::route::handoff::Fingerprint;
    /// use routekit::route::{Maglev, Rendezvous, Weighted};
    ///
    /// let mut light = Rendezvous::new();
    /// light.insert_weighted("a", 1.0)?;
    /// let mut heavy = Rendezvous::new();
    /// heavy.insert_weighted("a", 2.0)?;
    /// assert_ne!(Fingerprint::of(&light), Fingerprint::of(&heavy));
    /// // Same member, another strategy: another fingerprint.
    /// let mut lb = Maglev::new();
    /// lb.insert_weighted("a", 1.0)?;
    /// assert_ne!(Fingerprint::of(&light), Fingerprint::of(&lb));
    /// # Ok::<(), routekit::route::RouteError>(())
    /// ```
    pub fn of<R: Placement + ?Sized>(router: &R) -> Fingerprint {
        let mut state = Xxh3Stream::new();
        state.update(LAYOUT);
        let settings = router.settings();
        write_bytes(&mut state, settings.strategy().as_bytes());
        match settings.hasher() {
            Some(id) => {
                state.update(&[1, id.algorithm().code()]);
                state.update(&id.tag().to_le_bytes());
            }
            None => state.update(&[0]),
        }
        match settings.parameter() {
            Some((name, value)) => {
                state.update(&[1]);
                write_bytes(&mut state, name.as_bytes());
                state.update(&value.to_le_bytes());
            }
            None => state.update(&[0]),
        }
        let mut digest = MemberDigest::new(&mut state);
        router.digest_members(&mut digest);
        let count = digest.count();
        state.update(&count.to_le_bytes());
        Fingerprint(state.digest128())
    }

    /// The 128 bits, for storing the fingerprint in your own format.
    ///
    /// ```
    /// use routekit::route::handoff::Fingerprint;
    /// let fingerprint = Fingerprint::from_u128(7);
    /// assert_eq!(fingerprint.as_u128(), 7);
    /// ```
    pub const fn as_u128(self) -> u128 {
        self.0
    }

    /// A fingerprint from its 128 bits, as [`as_u128`](Fingerprint::as_u128)
    /// gave them.
    ///
    /// ```
    /// use routekit::route::handoff::Fingerprint;
    /// assert_eq!(Fingerprint::from_u128(1).to_string(), "00000000000000000000000000000001");
    /// ```
    pub const fn from_u128(bits: u128) -> Fingerprint {
        Fingerprint(bits)
    }
}

/// A length prefix keeps the digested fields unambiguous.
pub(super) fn write_bytes(state: &mut Xxh3Stream, bytes: &[u8]) {
    state.update(&(bytes.len() as u64).to_le_bytes());
    state.update(bytes);
}

impl fmt::Display for Fingerprint {
    /// 32 lowercase hex digits, as the membership header carries them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:032x}", self.0)
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({:032x})", self.0)
    }
}

impl FromStr for Fingerprint {
    type Err = HeaderError;

    /// Exactly 32 hex digits (either case), surrounding spaces allowed.
    ///
    /// # Errors
    ///
    /// [`HeaderError::Membership`] for anything else.
    fn from_str(text: &str) -> Result<Fingerprint, HeaderError> {
        let digits = text.trim();
        if digits.len() != 32 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(HeaderError::Membership { length: text.len() });
        }
        u128::from_str_radix(digits, 16)
            .map(Fingerprint)
            .map_err(|_| HeaderError::Membership { length: text.len() })
    }
}
