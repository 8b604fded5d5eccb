//! The routing glue of the cart service: one membership view, who owns a
//! session, when to redirect, and what a membership change must move.
//!
//! Everything the service asks of routekit's placement goes through this
//! module, so that it is the only one that changes with the routing API.

use std::net::SocketAddr;

use routekit::route::{Membership, Rendezvous, Router};
use routekit::{KeyHasher, Xxh3};

use crate::cart::Error;

/// Copies of every session: the owner and one replica.
pub(crate) const REPLICATION: usize = 2;
/// Redirects a request may take before an instance stops redirecting it.
pub(crate) const MAX_HOPS: u32 = 3;

/// Header: redirects this request has already taken.
pub(crate) const HOPS: &str = "x-routekit-hops";
/// Header: fingerprint of the membership of the instance that redirected.
pub(crate) const VIEW: &str = "x-routekit-view";
/// Header: the owner an instance redirected to.
pub(crate) const OWNER: &str = "x-routekit-owner";
/// Header: an instance the client could not reach.
pub(crate) const UNREACHABLE: &str = "x-routekit-unreachable";

/// One membership: instance ids, their addresses, and the router over them.
#[derive(Clone)]
pub(crate) struct View {
    members: Vec<(String, SocketAddr)>,
    router: Rendezvous<String>,
    fingerprint: String,
}

/// What an instance does with a request for a session.
#[derive(Debug, PartialEq)]
pub(crate) enum Decision {
    /// This instance owns the session (or is the first healthy one in its
    /// preference list).
    Serve,
    /// Redirect to this owner.
    Redirect(String),
    /// The request was redirected too often: refuse, the client retries.
    LoopGuard,
    /// The redirecting instance sees another membership and this one does
    /// not own the session: one of the two is mid-change, the client
    /// retries instead of being sent back and forth.
    ViewsDisagree,
    /// No member is healthy.
    Unavailable,
}

impl View {
    /// A view of `members` (id, address).
    pub(crate) fn new(members: Vec<(String, SocketAddr)>) -> Result<View, Error> {
        let mut router = Rendezvous::new();
        router.extend(members.iter().map(|(id, _)| id.clone()))?;
        let mut ids: Vec<&str> = members.iter().map(|(id, _)| id.as_str()).collect();
        ids.sort_unstable();
        let fingerprint = format!("{:016x}", Xxh3::new().hash64(ids.join("\n").as_bytes()));
        Ok(View { members, router, fingerprint })
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

    /// A digest of the members: equal views place every session alike.
    pub(crate) fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The first `n` instances of the session's preference list.
    pub(crate) fn preference(&self, session: &str, n: usize) -> Vec<String> {
        self.router.route_n(session.as_bytes(), n).into_iter().cloned().collect()
    }

    /// The instances that hold copies of `session`: owner, then replica.
    pub(crate) fn holders(&self, session: &str) -> Vec<String> {
        self.preference(session, REPLICATION)
    }

    /// Who serves `session` at this instance `me`, given the request's hop
    /// count and the redirecting instance's view fingerprint.
    pub(crate) fn decide(
        &self,
        me: &str,
        session: &str,
        hops: u32,
        sender_view: Option<&str>,
        healthy: &dyn Fn(&str) -> bool,
    ) -> Decision {
        let Some(owner) = self.router.route_healthy(session.as_bytes(), &|n: &String| healthy(n))
        else {
            return Decision::Unavailable;
        };
        if owner == me {
            Decision::Serve
        } else if hops >= MAX_HOPS {
            Decision::LoopGuard
        } else if sender_view.is_some_and(|v| v != self.fingerprint) {
            Decision::ViewsDisagree
        } else {
            Decision::Redirect(owner.clone())
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
/// that hold a copy under `new` and did not under `old`, and the instance
/// that sends it to them (the first old holder still a member).
pub(crate) struct Move {
    /// Who sends the session's state.
    pub(crate) source: Option<String>,
    /// Who gains a copy.
    pub(crate) gainers: Vec<String>,
}

/// The handoff plan of one session for the change `old` -> `new`.
pub(crate) fn plan(old: &View, new: &View, session: &str) -> Move {
    let before = old.holders(session);
    let after = new.holders(session);
    Move {
        source: before.iter().find(|n| new.contains(n)).cloned(),
        gainers: after.into_iter().filter(|n| !before.contains(n)).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(ids: &[&str]) -> Result<View, Error> {
        View::new(
            ids.iter()
                .enumerate()
                .map(|(i, id)| {
                    (id.to_string(), SocketAddr::from(([127, 0, 0, 1], 9000 + i as u16)))
                })
                .collect(),
        )
    }

    #[test]
    fn non_owners_redirect_until_the_hop_limit_or_a_different_view() -> Result<(), Error> {
        let three = view(&["a", "b", "c"])?;
        let all = |_: &str| true;
        let owner = three.holders("s1")[0].clone();
        let other = ["a", "b", "c"].into_iter().find(|n| *n != owner).ok_or("no other")?;
        assert_eq!(three.decide(&owner, "s1", 0, None, &all), Decision::Serve);
        assert_eq!(three.decide(other, "s1", 0, None, &all), Decision::Redirect(owner.clone()));
        assert_eq!(three.decide(other, "s1", MAX_HOPS, None, &all), Decision::LoopGuard);
        let two = view(&["a", "b"])?;
        assert_ne!(two.fingerprint(), three.fingerprint());
        assert_eq!(
            three.decide(other, "s1", 1, Some(two.fingerprint()), &all),
            Decision::ViewsDisagree
        );
        assert_eq!(
            three.decide(other, "s1", 1, Some(three.fingerprint()), &all),
            Decision::Redirect(owner.clone())
        );
        // The owner down: the next of the preference list serves.
        let replica = three.holders("s1")[1].clone();
        let up = |n: &str| n != owner;
        assert_eq!(three.decide(&replica, "s1", 0, None, &up), Decision::Serve);
        Ok(())
    }

    #[test]
    fn a_plan_names_exactly_the_holders_a_change_adds() -> Result<(), Error> {
        let (old, new) = (view(&["a", "b", "c"])?, view(&["a", "b", "c", "d"])?);
        for i in 0..200 {
            let session = format!("s{i}");
            let plan = plan(&old, &new, &session);
            let (before, after) = (old.holders(&session), new.holders(&session));
            assert_eq!(
                plan.gainers.is_empty(),
                before == after || after.iter().all(|n| before.contains(n))
            );
            assert!(plan.gainers.iter().all(|g| g == "d"));
            assert!(plan.source.as_ref().is_some_and(|s| before.contains(s)));
        }
        Ok(())
    }
}
