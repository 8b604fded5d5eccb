//! The routing glue of the cart service: one membership view, who owns a
//! session, when to redirect, and what a membership change must move.
//!
//! Placement is a [`Rendezvous`] router; the ownership check with its loop
//! guard and the handoff plans are routekit's [`route::handoff`]
//! ([`Ownership`], [`Handoff`]). What this module adds is what the service
//! needs beyond them: health (an owner found down is skipped, and its
//! replica holder serves), and the choice of which old holder sends a
//! session to the instances that gain it.
//!
//! [`route::handoff`]: routekit::route::handoff

use std::net::SocketAddr;

use routekit::route::handoff::{self, Handoff, Incoming, Ownership, ServeReason};
use routekit::route::{Membership, Rendezvous, Router};

use crate::cart::Error;

/// Copies of every session: the owner and one replica.
pub(crate) const REPLICATION: usize = 2;

/// Header: redirects this request has already taken (routekit's protocol).
pub(crate) const HOPS: &str = handoff::HOPS_HEADER;
/// Header: fingerprint of the membership of the instance that redirected.
pub(crate) const VIEW: &str = handoff::MEMBERSHIP_HEADER;
/// Header: the owner an instance redirected to.
pub(crate) const OWNER: &str = "x-routekit-owner";
/// Header: an instance the client could not reach.
pub(crate) const UNREACHABLE: &str = "x-routekit-unreachable";

/// One membership as one instance sees it: ids, addresses, the router, and
/// the ownership check for that instance.
#[derive(Clone)]
pub(crate) struct View {
    members: Vec<(String, SocketAddr)>,
    ownership: Ownership<Rendezvous<String>>,
}

/// What an instance does with a request for a session.
#[derive(Debug, PartialEq)]
pub(crate) enum Decision {
    /// This instance owns the session, or is the first healthy instance of
    /// its preference list.
    Serve,
    /// Redirect to this owner, with these headers.
    Redirect(String, Vec<(&'static str, String)>),
    /// routekit says serve here anyway (the views differ, or the hop limit
    /// is reached); this instance may not hold the session, so it refuses
    /// and the client starts again.
    Refuse(ServeReason),
    /// No member is healthy.
    Unavailable,
}

impl View {
    /// The view of `members` (id, address) at instance `me` (any id for
    /// an observer that never decides).
    pub(crate) fn new(members: Vec<(String, SocketAddr)>, me: &str) -> Result<View, Error> {
        let mut router = Rendezvous::new();
        router.extend(members.iter().map(|(id, _)| id.clone()))?;
        Ok(View { members, ownership: Ownership::new(router, me) })
    }

    /// The same membership as instance `me` sees it.
    pub(crate) fn at(&self, me: &str) -> View {
        View { members: self.members.clone(), ownership: Ownership::new(self.router().clone(), me) }
    }

    fn router(&self) -> &Rendezvous<String> {
        self.ownership.router()
    }

    /// The members, as given.
    pub(crate) fn members(&self) -> &[(String, SocketAddr)] {
        &self.members
    }

    /// Whether `id` is a member.
    pub(crate) fn contains(&self, id: &str) -> bool {
        self.members.iter().any(|(m, _)| m == id)
    }

    /// The address of member `id`.
    pub(crate) fn addr(&self, id: &str) -> Option<SocketAddr> {
        self.members.iter().find(|(m, _)| m == id).map(|(_, a)| *a)
    }

    /// routekit's digest of the placement: equal views place every session
    /// alike. (The service sends it inside the redirect headers.)
    #[cfg(test)]
    pub(crate) fn fingerprint(&self) -> handoff::Fingerprint {
        self.ownership.fingerprint()
    }

    /// The first `n` instances of the session's preference list.
    pub(crate) fn preference(&self, session: &str, n: usize) -> Vec<String> {
        self.router().route_n(session.as_bytes(), n).into_iter().cloned().collect()
    }

    /// The instances that hold copies of `session`: owner, then replica.
    pub(crate) fn holders(&self, session: &str) -> Vec<String> {
        self.preference(session, REPLICATION)
    }

    /// Who serves `session` here, given what the request says of its path.
    pub(crate) fn decide(
        &self,
        me: &str,
        session: &str,
        incoming: Incoming,
        healthy: &dyn Fn(&str) -> bool,
    ) -> Decision {
        let key = session.as_bytes();
        let Some(first_healthy) = self.router().route_healthy(key, &|n: &String| healthy(n)) else {
            return Decision::Unavailable;
        };
        if first_healthy == me {
            return Decision::Serve;
        }
        match self.ownership.decide(key, incoming) {
            // Owner by the view but not the first healthy: cannot happen
            // (an instance never marks itself down); serving is right.
            handoff::Decision::Serve => Decision::Serve,
            // The owner, or the replica holder when the owner is down.
            handoff::Decision::Forward { outgoing, .. } => {
                Decision::Redirect(first_healthy.clone(), outgoing.headers())
            }
            handoff::Decision::ServeAnyway { reason } => Decision::Refuse(reason),
        }
    }

    /// The next healthy instance after `me` in the session's preference
    /// list: where the deltas of a change made at `me` go.
    pub(crate) fn replica_after(
        &self,
        me: &str,
        session: &str,
        healthy: &dyn Fn(&str) -> bool,
    ) -> Option<String> {
        self.preference(session, self.members.len()).into_iter().find(|n| n != me && healthy(n))
    }
}

/// What the change from `old` to `new` moves for one session: the instances
/// that hold a copy under `new` and did not under `old` (routekit's replica
/// plan), and the instance that sends it to them (the first old holder that
/// is still a member, which has every acknowledged change).
pub(crate) struct Move {
    /// Who sends the session's state.
    pub(crate) source: Option<String>,
    /// Who gains a copy.
    pub(crate) gainers: Vec<String>,
}

/// The handoff plan of one session for the change `old` -> `new`.
pub(crate) fn plan(old: &View, new: &View, session: &str) -> Result<Move, Error> {
    let plan = Handoff::new(old.router(), new.router())?;
    let replicas = plan.replicas(session.as_bytes(), REPLICATION);
    Ok(Move {
        source: old.holders(session).into_iter().find(|n| new.contains(n)),
        gainers: replicas.gained().iter().map(|n| (*n).clone()).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(ids: &[&str], me: &str) -> Result<View, Error> {
        let members = ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.to_string(), SocketAddr::from(([127, 0, 0, 1], 9000 + i as u16))));
        View::new(members.collect(), me)
    }

    #[test]
    fn non_owners_redirect_once_and_refuse_what_routekit_would_serve_anyway() -> Result<(), Error> {
        let all = |_: &str| true;
        let owner = view(&["a", "b", "c"], "a")?.holders("s1")[0].clone();
        let other = ["a", "b", "c"].into_iter().find(|n| *n != owner).ok_or("no other")?;
        let (at_owner, elsewhere) =
            (view(&["a", "b", "c"], &owner)?, view(&["a", "b", "c"], other)?);
        assert_eq!(at_owner.decide(&owner, "s1", Incoming::client(), &all), Decision::Serve);
        let Decision::Redirect(to, headers) =
            elsewhere.decide(other, "s1", Incoming::client(), &all)
        else {
            return Err("expected a redirect".into());
        };
        assert_eq!(to, owner);
        let forwarded = Incoming::from_headers(Some(&headers[0].1), Some(&headers[1].1))?;
        assert_eq!(at_owner.decide(&owner, "s1", forwarded, &all), Decision::Serve);
        // A non-owner reached with another view's fingerprint does not send
        // the request on.
        let two = view(&["a", "b"], other)?;
        let from_two = Incoming::from_headers(Some("1"), Some(&two.fingerprint().to_string()))?;
        assert_ne!(two.fingerprint(), elsewhere.fingerprint());
        assert_eq!(
            elsewhere.decide(other, "s1", from_two, &all),
            Decision::Refuse(ServeReason::MembershipDiffers)
        );
        // The owner down: the replica holder serves, and others send there.
        let replica = at_owner.holders("s1")[1].clone();
        let up = |n: &str| n != owner;
        assert_eq!(
            elsewhere.at(&replica).decide(&replica, "s1", Incoming::client(), &up),
            Decision::Serve
        );
        let third =
            ["a", "b", "c"].into_iter().find(|n| *n != owner && *n != replica).ok_or("no third")?;
        let decision = elsewhere.at(third).decide(third, "s1", Incoming::client(), &up);
        assert!(matches!(decision, Decision::Redirect(to, _) if to == replica));
        Ok(())
    }

    #[test]
    fn a_plan_names_exactly_the_holders_a_change_adds() -> Result<(), Error> {
        let (old, new) = (view(&["a", "b", "c"], "a")?, view(&["a", "b", "c", "d"], "a")?);
        for i in 0..200 {
            let session = format!("s{i}");
            let plan = plan(&old, &new, &session)?;
            let (before, after) = (old.holders(&session), new.holders(&session));
            let added: Vec<String> =
                after.iter().filter(|n| !before.contains(n)).cloned().collect();
            assert_eq!(plan.gainers, added);
            assert!(plan.gainers.iter().all(|g| g == "d"));
            assert!(plan.source.as_ref().is_some_and(|s| before.contains(s)));
        }
        Ok(())
    }
}
