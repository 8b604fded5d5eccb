//! The operator and the scenario: start the instances, run the load, kill
//! one, declare it dead, bring it back, add one, retire one, and check what
//! the clients were promised against what the instances hold.

use std::collections::{BTreeSet, HashMap};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use hyper::{Method, StatusCode};

use crate::cart::Error;
use crate::http::Client;
use crate::instance::{self, Handle, Stats};
use crate::load::{Balancer, Counters, Session, Shopper};
use crate::routing::{self, REPLICATION, View};

/// The operator's name in its views: it is never a member and never decides.
const OPERATOR: &str = "operator";

/// The size of a run.
pub(crate) struct Config {
    /// Instances at the start (at least 3: one is killed, one retires).
    pub(crate) instances: usize,
    /// Client sessions.
    pub(crate) sessions: usize,
    /// Client operations in all (the run stops by itself after them).
    pub(crate) operations: u64,
    /// Sessions driven at once.
    pub(crate) concurrency: usize,
    /// Seed of the clients' choices.
    pub(crate) seed: u64,
}

/// One membership change and what it moved.
pub(crate) struct ChangeReport {
    /// What happened.
    pub(crate) label: String,
    /// Members after the change.
    pub(crate) members: usize,
    /// Sessions held anywhere when the change began.
    pub(crate) sessions: usize,
    /// Copies the plan says must move for the sessions held at the start
    /// of the change (the least the handoff must move).
    pub(crate) must_move_before: u64,
    /// The same for the sessions held after the handoff (the most).
    pub(crate) must_move_after: u64,
    /// Copies the sending instances planned.
    pub(crate) planned: u64,
    /// Copies the gaining instances confirmed.
    pub(crate) moved: u64,
    /// Copies the gaining instances counted on arrival.
    pub(crate) received: u64,
    /// Received copies the plan does not name.
    pub(crate) unplanned: u64,
    /// Bytes of whole carts sent.
    pub(crate) bytes: u64,
    /// Copies dropped by instances that no longer hold them.
    pub(crate) dropped: u64,
    /// The expected copies moved: sessions × replicas ÷ the larger member
    /// count (each session's list of 2 changes with that chance).
    pub(crate) ideal: f64,
}

/// Everything a run measured.
pub(crate) struct Report {
    /// Client operations.
    pub(crate) operations: u64,
    /// HTTP requests the clients sent.
    pub(crate) requests: u64,
    /// Redirects followed.
    pub(crate) redirects: u64,
    /// Failovers to the replica holder.
    pub(crate) failovers: u64,
    /// Requests the replica holder served for a dead owner.
    pub(crate) failover_served: u64,
    /// Balancer picks that did not answer.
    pub(crate) balancer_retries: u64,
    /// 503 / 508 answers retried (views disagree, loop guard).
    pub(crate) retries: u64,
    /// Loop guards tripped.
    pub(crate) loop_guards: u64,
    /// Checkouts refused with 412 and retried.
    pub(crate) stale_checkouts: u64,
    /// Checkouts done.
    pub(crate) checkouts: u64,
    /// Reads missing an acknowledged item.
    pub(crate) stale_reads: u64,
    /// Operations that gave up.
    pub(crate) failed: u64,
    /// Items acknowledged and not removed, in all sessions.
    pub(crate) acknowledged: u64,
    /// Of those, present in the final carts.
    pub(crate) present: u64,
    /// Acknowledged items missing from the final carts.
    pub(crate) lost: u64,
    /// Items in the final carts that were never acknowledged, or removed.
    pub(crate) unexpected: u64,
    /// Reads of sessions that never existed.
    pub(crate) ghost_reads: u64,
    /// Of those, answered by a Bloom filter without a lookup.
    pub(crate) bloom_skipped: u64,
    /// Lookups the Bloom filters let through that found nothing.
    pub(crate) bloom_false_positives: u64,
    /// Writes that changed nothing and sent nothing.
    pub(crate) unchanged: u64,
    /// Changes sent to replicas.
    pub(crate) replicated: u64,
    /// Bytes of those deltas.
    pub(crate) delta_bytes: u64,
    /// Bytes the whole carts would have been.
    pub(crate) full_bytes: u64,
    /// Sessions at the end.
    pub(crate) sessions: usize,
    /// Sessions not held by exactly their holders at the end.
    pub(crate) misplaced: usize,
    /// Sessions whose copies differ at the end.
    pub(crate) diverged: usize,
    /// The membership changes.
    pub(crate) changes: Vec<ChangeReport>,
    /// Operation latency, median, microseconds.
    pub(crate) p50_us: u32,
    /// Operation latency, 99th percentile, microseconds.
    pub(crate) p99_us: u32,
    /// Wall time of the load.
    pub(crate) elapsed: Duration,
    /// The first errors the clients met.
    pub(crate) errors: Vec<String>,
}

/// Runs the scenario on a runtime of its own.
pub(crate) fn run(config: &Config) -> Result<Report, Error> {
    if config.instances < 3 {
        return Err("the scenario kills one instance and retires another: start at least 3".into());
    }
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(scenario(config))
}

struct Operator {
    client: Client,
    live: Vec<Handle>,
    stats: Vec<Arc<Stats>>,
    view: View,
    balancer: Balancer,
    changes: Vec<ChangeReport>,
}

impl Operator {
    async fn post(&self, addr: SocketAddr, path: &str, body: String) -> Result<String, Error> {
        let reply = self
            .client
            .send(Method::POST, &format!("http://{addr}{path}"), &[], body.into_bytes())
            .await
            .map_err(|e| format!("{path} at {addr}: {e}"))?;
        if reply.status != StatusCode::OK {
            return Err(format!("{path} at {addr}: {} {}", reply.status, reply.text()).into());
        }
        Ok(reply.text().to_owned())
    }

    /// Every session held by a live instance: who holds it, and a digest.
    async fn holdings(&self) -> Result<HashMap<String, Vec<(String, String)>>, Error> {
        let mut held: HashMap<String, Vec<(String, String)>> = HashMap::new();
        for handle in &self.live {
            let url = format!("http://{}/admin/keys", handle.addr);
            let reply = self
                .client
                .send(Method::GET, &url, &[], Vec::new())
                .await
                .map_err(|e| format!("{e}"))?;
            for line in reply.text().lines() {
                let (session, digest) =
                    line.split_once(' ').ok_or("keys lines are `session digest`")?;
                held.entry(session.to_owned())
                    .or_default()
                    .push((handle.id.clone(), digest.to_owned()));
            }
        }
        Ok(held)
    }

    fn sum(&self, field: impl Fn(&Stats) -> &AtomicU64) -> u64 {
        self.stats.iter().map(|s| field(s).load(Relaxed)).sum()
    }

    fn start(&mut self, id: &str, incarnation: u32, addr: SocketAddr) -> Result<SocketAddr, Error> {
        let handle = instance::start(id, incarnation, addr, self.view.clone())?;
        let addr = handle.addr;
        self.stats.push(handle.stats.clone());
        self.live.push(handle);
        Ok(addr)
    }

    fn take(&mut self, id: &str) -> Option<Handle> {
        let at = self.live.iter().position(|h| h.id == id)?;
        Some(self.live.remove(at))
    }

    /// Changes the membership to `next` on every live instance, step by
    /// step (see the `instance` module docs), and reports what moved.
    async fn change(&mut self, label: &str, next: View) -> Result<ChangeReport, Error> {
        let must_move = |held: &HashMap<String, Vec<(String, String)>>| -> Result<u64, Error> {
            let mut copies = 0;
            for session in held.keys() {
                copies += routing::plan(&self.view, &next, session)?.gainers.len() as u64;
            }
            Ok(copies)
        };
        let before = self.holdings().await?;
        let must_move_before = must_move(&before)?;
        let (received0, unplanned0) =
            (self.sum(|s| &s.handoff_received), self.sum(|s| &s.handoff_unplanned));
        let addrs: Vec<SocketAddr> = self.live.iter().map(|h| h.addr).collect();
        for &addr in &addrs {
            self.post(addr, "/admin/prepare", instance::view_body(&next)).await?;
        }
        let (mut planned, mut moved, mut bytes) = (0, 0, 0);
        for &addr in &addrs {
            let answer = self.post(addr, "/admin/handoff", String::new()).await?;
            let numbers: Vec<u64> = answer.split(' ').filter_map(|n| n.parse().ok()).collect();
            let [p, m, b] = numbers[..] else {
                return Err(format!("handoff answered {answer:?}").into());
            };
            (planned, moved, bytes) = (planned + p, moved + m, bytes + b);
        }
        let must_move_after = must_move(&self.holdings().await?)?;
        let mut dropped = 0;
        for step in ["/admin/switch", "/admin/settle", "/admin/drop"] {
            for &addr in &addrs {
                dropped += self.post(addr, step, String::new()).await?.parse::<u64>().unwrap_or(0);
            }
        }
        let members = (self.view.members().len(), next.members().len());
        self.view = next;
        Ok(ChangeReport {
            label: label.to_owned(),
            members: members.1,
            sessions: before.len(),
            must_move_before,
            must_move_after,
            planned,
            moved,
            received: self.sum(|s| &s.handoff_received) - received0,
            unplanned: self.sum(|s| &s.handoff_unplanned) - unplanned0,
            bytes,
            dropped,
            ideal: before.len() as f64 * REPLICATION as f64 / members.0.max(members.1) as f64,
        })
    }

    fn with(&self, id: &str, addr: SocketAddr) -> Result<View, Error> {
        let mut members = self.view.members().to_vec();
        members.push((id.to_owned(), addr));
        View::new(members, OPERATOR)
    }

    fn without(&self, id: &str) -> Result<View, Error> {
        View::new(self.view.members().iter().filter(|(m, _)| m != id).cloned().collect(), OPERATOR)
    }

    fn addr_of(&self, id: &str) -> Result<SocketAddr, Error> {
        self.view.addr(id).ok_or_else(|| format!("{id} is not a member").into())
    }
}

async fn wait_for(counters: &Counters, operations: u64) {
    while counters.operations.load(Relaxed) < operations {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// The failure, recovery, join and leave, each at a point of the load.
async fn events(
    operator: &mut Operator,
    counters: &Counters,
    config: &Config,
) -> Result<(), Error> {
    let at = |percent: u64| config.operations * percent / 100;
    let (victim, leaver, joiner) = ("cart-1", "cart-2", format!("cart-{}", config.instances));

    wait_for(counters, at(15)).await;
    let victim_addr = operator.addr_of(victim)?;
    // Killed: its thread's runtime is dropped, so its listener and every
    // connection close; nobody is told.
    if let Some(handle) = operator.take(victim) {
        handle.kill();
    }

    wait_for(counters, at(30)).await;
    operator.balancer.remove(victim_addr);
    let next = operator.without(victim)?;
    let report = operator.change(&format!("{victim} declared dead"), next).await?;
    operator.changes.push(report);

    wait_for(counters, at(45)).await;
    // Back on its old address with nothing in memory: a new incarnation,
    // so a new CRDT actor id.
    operator.start(victim, 2, victim_addr)?;
    let next = operator.with(victim, victim_addr)?;
    let report = operator.change(&format!("{victim} recovered, empty"), next).await?;
    operator.changes.push(report);
    operator.balancer.add(victim_addr);

    wait_for(counters, at(60)).await;
    let addr = operator.start(&joiner, 1, SocketAddr::from(([127, 0, 0, 1], 0)))?;
    let next = operator.with(&joiner, addr)?;
    let report = operator.change(&format!("{joiner} joined"), next).await?;
    operator.changes.push(report);
    operator.balancer.add(addr);

    wait_for(counters, at(75)).await;
    let leaver_addr = operator.addr_of(leaver)?;
    operator.balancer.remove(leaver_addr);
    let next = operator.without(leaver)?;
    let report = operator.change(&format!("{leaver} left for good"), next).await?;
    operator.changes.push(report);
    if let Some(handle) = operator.take(leaver) {
        handle.kill();
    }
    Ok(())
}

async fn scenario(config: &Config) -> Result<Report, Error> {
    let balancer = Balancer::default();
    let mut operator = Operator {
        client: Client::new(),
        live: Vec::new(),
        stats: Vec::new(),
        view: View::new(Vec::new(), OPERATOR)?,
        balancer: balancer.clone(),
        changes: Vec::new(),
    };
    let mut members = Vec::new();
    for i in 0..config.instances {
        let id = format!("cart-{i}");
        members.push((id.clone(), operator.start(&id, 1, SocketAddr::from(([127, 0, 0, 1], 0)))?));
    }
    operator.change("start", View::new(members.clone(), OPERATOR)?).await?;
    for (_, addr) in &members {
        balancer.add(*addr);
    }

    let counters = Arc::new(Counters::default());
    let shopper = Shopper::new(balancer.clone(), counters.clone());
    let started = Instant::now();
    let mut workers = Vec::new();
    for worker in 0..config.concurrency.max(1) {
        let mut sessions: Vec<Session> = (worker..config.sessions)
            .step_by(config.concurrency.max(1))
            .map(|i| {
                Session::new(
                    format!("s{i:05}"),
                    config.seed ^ (i as u64).wrapping_mul(0x2545_f491_4f6c_dd1d),
                )
            })
            .collect();
        let (shopper, counters, budget) = (shopper.clone(), counters.clone(), config.operations);
        workers.push(tokio::spawn(async move {
            let mut errors = Vec::new();
            let mut turn = 0u64;
            while !sessions.is_empty() && counters.operations.load(Relaxed) < budget {
                let at = (turn % sessions.len() as u64) as usize;
                let ghost = (worker as u64) << 32 | turn;
                turn += 1;
                if let Err(e) = shopper.step(&mut sessions[at], ghost).await {
                    errors.push(e.to_string());
                }
            }
            (sessions, errors)
        }));
    }
    let event_result = events(&mut operator, &counters, config).await;
    let mut sessions = Vec::new();
    let mut errors = Vec::new();
    for worker in workers {
        let (mine, errs) = worker.await?;
        sessions.extend(mine);
        errors.extend(errs);
    }
    event_result?;
    let elapsed = started.elapsed();
    let snapshot = |c: &AtomicU64| c.load(Relaxed);
    let latencies = shopper.latencies();
    let percentile = |p: usize| {
        latencies.get((latencies.len() * p / 100).min(latencies.len().saturating_sub(1)))
    };

    let mut report = Report {
        operations: snapshot(&counters.operations),
        requests: snapshot(&counters.requests),
        redirects: snapshot(&counters.redirects),
        failovers: snapshot(&counters.failovers),
        failover_served: operator.sum(|s| &s.failover_served),
        balancer_retries: snapshot(&counters.balancer_retries),
        retries: snapshot(&counters.retries),
        loop_guards: operator.sum(|s| &s.loop_guards),
        stale_checkouts: snapshot(&counters.stale_checkouts),
        checkouts: snapshot(&counters.checkouts),
        stale_reads: snapshot(&counters.stale_reads),
        failed: snapshot(&counters.failed),
        acknowledged: 0,
        present: 0,
        lost: 0,
        unexpected: 0,
        ghost_reads: snapshot(&counters.ghost_reads),
        bloom_skipped: operator.sum(|s| &s.bloom_skipped),
        bloom_false_positives: operator.sum(|s| &s.bloom_false_positives),
        unchanged: operator.sum(|s| &s.unchanged),
        replicated: operator.sum(|s| &s.replicated),
        delta_bytes: operator.sum(|s| &s.delta_bytes),
        full_bytes: operator.sum(|s| &s.full_bytes),
        sessions: 0,
        misplaced: 0,
        diverged: 0,
        changes: std::mem::take(&mut operator.changes),
        p50_us: percentile(50).copied().unwrap_or(0),
        p99_us: percentile(99).copied().unwrap_or(0),
        elapsed,
        errors: errors.into_iter().take(5).collect(),
    };

    // What every client was promised, against what the service now holds.
    for session in &sessions {
        let expected = session.expected();
        let present: BTreeSet<String> = match shopper.read(&session.id).await? {
            Some(seen) => seen.items.union(&seen.ordered).cloned().collect(),
            None => BTreeSet::new(),
        };
        report.acknowledged += expected.len() as u64;
        report.present += expected.intersection(&present).count() as u64;
        report.lost += expected.difference(&present).count() as u64;
        report.unexpected += present.difference(&expected).count() as u64;
    }
    // Every session on exactly its holders, every copy alike.
    let held = operator.holdings().await?;
    report.sessions = held.len();
    for (session, copies) in &held {
        let holders: BTreeSet<&str> = copies.iter().map(|(id, _)| id.as_str()).collect();
        let planned = operator.view.holders(session);
        if holders != planned.iter().map(String::as_str).collect() {
            report.misplaced += 1;
        }
        if copies.iter().any(|(_, digest)| *digest != copies[0].1) {
            report.diverged += 1;
        }
    }
    Ok(report)
}
