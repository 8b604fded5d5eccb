//! The load generator: clients behind a plain balancer that follow
//! redirects, fail over when an owner does not answer, retry stale
//! checkouts, and remember every item the service acknowledged.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hyper::{Method, StatusCode};

use crate::cart::Error;
use crate::http::{Client, Reply, SendError};
use crate::routing::{HOPS, OWNER, UNREACHABLE, VIEW};

/// What the clients counted.
#[derive(Default)]
pub(crate) struct Counters {
    /// Client operations (each one call of the API, however many hops).
    pub(crate) operations: AtomicU64,
    /// HTTP requests sent, redirects and retries included.
    pub(crate) requests: AtomicU64,
    /// 307s followed.
    pub(crate) redirects: AtomicU64,
    /// Owners that did not answer, after which the client went to the
    /// replica holder.
    pub(crate) failovers: AtomicU64,
    /// Instances the balancer offered that did not answer.
    pub(crate) balancer_retries: AtomicU64,
    /// 503/508 answers (views disagree, loop guard), retried.
    pub(crate) retries: AtomicU64,
    /// Checkouts refused with 412 and retried after reading the cart again.
    pub(crate) stale_checkouts: AtomicU64,
    /// Checkouts that went through.
    pub(crate) checkouts: AtomicU64,
    /// Reads that did not show every acknowledged item.
    pub(crate) stale_reads: AtomicU64,
    /// Operations that gave up.
    pub(crate) failed: AtomicU64,
    /// Reads of sessions that never existed.
    pub(crate) ghost_reads: AtomicU64,
    /// Of those, reads that found a cart.
    pub(crate) ghost_found: AtomicU64,
    /// Items added and acknowledged.
    pub(crate) added: AtomicU64,
    /// Items removed and acknowledged.
    pub(crate) removed: AtomicU64,
}

/// The instances a plain balancer spreads requests over: it knows nothing
/// of sessions and learns of a failure only when told.
#[derive(Clone, Default)]
pub(crate) struct Balancer {
    pool: Arc<Mutex<Vec<SocketAddr>>>,
    turn: Arc<AtomicU64>,
}

impl Balancer {
    /// Adds an instance to the pool.
    pub(crate) fn add(&self, addr: SocketAddr) {
        self.pool.lock().unwrap_or_else(|p| p.into_inner()).push(addr);
    }

    /// Takes an instance out of the pool.
    pub(crate) fn remove(&self, addr: SocketAddr) {
        self.pool.lock().unwrap_or_else(|p| p.into_inner()).retain(|a| *a != addr);
    }

    fn pick(&self) -> Option<SocketAddr> {
        let pool = self.pool.lock().unwrap_or_else(|p| p.into_inner());
        let turn = self.turn.fetch_add(1, Relaxed) as usize;
        (!pool.is_empty()).then(|| pool[turn % pool.len()])
    }
}

/// A client of the cart service.
#[derive(Clone)]
pub(crate) struct Shopper {
    client: Client,
    balancer: Balancer,
    counters: Arc<Counters>,
    latencies: Arc<Mutex<Vec<u32>>>,
}

/// What a client remembers of one session: everything acknowledged.
#[derive(Default)]
pub(crate) struct Session {
    /// The session id.
    pub(crate) id: String,
    /// Items in the cart.
    pub(crate) items: BTreeSet<String>,
    /// Items checked out.
    pub(crate) ordered: BTreeSet<String>,
    removed: Vec<String>,
    next_item: u64,
    rng: u64,
}

impl Session {
    /// A new session `id`, its choices drawn from `seed`.
    pub(crate) fn new(id: String, seed: u64) -> Session {
        Session { id, rng: seed, ..Session::default() }
    }

    fn draw(&mut self, n: u64) -> u64 {
        // splitmix64: a seeded, reproducible mix of operations.
        self.rng = self.rng.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (z ^ (z >> 31)) % n
    }

    /// Everything the service acknowledged as present.
    pub(crate) fn expected(&self) -> BTreeSet<String> {
        self.items.union(&self.ordered).cloned().collect()
    }
}

/// A cart as a read answers it.
pub(crate) struct Seen {
    /// Items in the cart.
    pub(crate) items: BTreeSet<String>,
    /// Items checked out.
    pub(crate) ordered: BTreeSet<String>,
    /// The cart's ETag.
    pub(crate) etag: String,
}

impl Shopper {
    /// A client that sends through `balancer` and counts into `counters`.
    pub(crate) fn new(balancer: Balancer, counters: Arc<Counters>) -> Shopper {
        Shopper { client: Client::new(), balancer, counters, latencies: Arc::default() }
    }

    /// Per-operation latencies so far, in microseconds, sorted.
    pub(crate) fn latencies(&self) -> Vec<u32> {
        let mut all = self.latencies.lock().unwrap_or_else(|p| p.into_inner()).clone();
        all.sort_unstable();
        all
    }

    /// One operation: through the balancer, following redirects, failing
    /// over to the replica holder when an owner does not answer.
    pub(crate) async fn call(
        &self,
        method: Method,
        path: &str,
        session: &str,
        body: &str,
        if_match: Option<&str>,
    ) -> Result<Reply, Error> {
        let started = Instant::now();
        self.counters.operations.fetch_add(1, Relaxed);
        let mut target = self.balancer.pick().map(|a| format!("http://{a}"));
        let mut carried: Vec<(&str, String)> = Vec::new();
        let mut owner: Option<String> = None;
        let mut unreachable: Option<String> = None;
        for _ in 0..60 {
            let Some(base) = target.clone() else {
                tokio::time::sleep(Duration::from_millis(5)).await;
                target = self.balancer.pick().map(|a| format!("http://{a}"));
                continue;
            };
            let mut headers = vec![("cookie", format!("session={session}"))];
            headers.extend(carried.iter().cloned());
            if let Some(id) = &unreachable {
                headers.push((UNREACHABLE, id.clone()));
            }
            if let Some(tag) = if_match {
                headers.push(("if-match", tag.to_owned()));
            }
            self.counters.requests.fetch_add(1, Relaxed);
            let url = format!("{base}{path}");
            match self.client.send(method.clone(), &url, &headers, body.as_bytes().to_vec()).await {
                Ok(reply) if reply.status == StatusCode::TEMPORARY_REDIRECT => {
                    self.counters.redirects.fetch_add(1, Relaxed);
                    let location = reply.header("location").unwrap_or_default();
                    target = location.strip_suffix(path).map(str::to_owned);
                    carried = [HOPS, VIEW]
                        .into_iter()
                        .filter_map(|h| Some((h, reply.header(h)?.to_owned())))
                        .collect();
                    owner = reply.header(OWNER).map(str::to_owned);
                }
                Ok(reply)
                    if reply.status == StatusCode::SERVICE_UNAVAILABLE
                        || reply.status == StatusCode::LOOP_DETECTED =>
                {
                    self.counters.retries.fetch_add(1, Relaxed);
                    tokio::time::sleep(Duration::from_millis(2)).await;
                    (target, carried, owner) =
                        (self.balancer.pick().map(|a| format!("http://{a}")), Vec::new(), None);
                }
                Ok(reply) => {
                    let micros = u32::try_from(started.elapsed().as_micros()).unwrap_or(u32::MAX);
                    self.latencies.lock().unwrap_or_else(|p| p.into_inner()).push(micros);
                    return Ok(reply);
                }
                Err(error) => {
                    match owner.take() {
                        // The owner we were sent to is gone: back to the
                        // balancer, telling the instance who did not answer.
                        Some(id) => {
                            self.counters.failovers.fetch_add(1, Relaxed);
                            unreachable = Some(id);
                        }
                        None => {
                            self.counters.balancer_retries.fetch_add(1, Relaxed);
                        }
                    }
                    if !matches!(error, SendError::Refused) {
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                    carried.clear();
                    let next = self.balancer.pick().map(|a| format!("http://{a}"));
                    target = if next == Some(base) {
                        self.balancer.pick().map(|a| format!("http://{a}"))
                    } else {
                        next
                    };
                }
            }
        }
        self.counters.failed.fetch_add(1, Relaxed);
        Err(format!("{method} {path} for {session}: no answer after 60 tries").into())
    }

    /// Reads a cart; `None` when there is none.
    pub(crate) async fn read(&self, session: &str) -> Result<Option<Seen>, Error> {
        let reply = self.call(Method::GET, "/cart", session, "", None).await?;
        if reply.status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if reply.status != StatusCode::OK {
            return Err(format!("read {session}: {} {}", reply.status, reply.text()).into());
        }
        let mut seen = Seen {
            items: BTreeSet::new(),
            ordered: BTreeSet::new(),
            etag: reply.header("etag").unwrap_or_default().to_owned(),
        };
        for line in reply.text().lines() {
            match line.split_once(' ') {
                Some(("item", item)) => seen.items.insert(item.to_owned()),
                Some(("ordered", item)) => seen.ordered.insert(item.to_owned()),
                _ => return Err(format!("read {session}: odd line {line:?}").into()),
            };
        }
        Ok(Some(seen))
    }

    /// One step of a session: add, remove, read, check out, or look up a
    /// session that does not exist.
    pub(crate) async fn step(&self, session: &mut Session, ghost: u64) -> Result<(), Error> {
        let roll = if session.items.is_empty() && session.ordered.is_empty() {
            0
        } else {
            session.draw(100)
        };
        match roll {
            0..=49 => self.add(session).await,
            50..=59 if !session.items.is_empty() => {
                let pick = session.draw(session.items.len() as u64) as usize;
                let item = session.items.iter().nth(pick).cloned().unwrap_or_default();
                self.remove(session, &item).await
            }
            60..=64 if !session.removed.is_empty() => {
                // A second click on "remove": changes nothing, sends nothing.
                let pick = session.draw(session.removed.len() as u64) as usize;
                let item = session.removed[pick].clone();
                self.remove(session, &item).await
            }
            65..=79 => {
                let seen = self.read(&session.id).await?;
                let present: BTreeSet<String> =
                    seen.map(|s| s.items.union(&s.ordered).cloned().collect()).unwrap_or_default();
                if present != session.expected() {
                    self.counters.stale_reads.fetch_add(1, Relaxed);
                }
                Ok(())
            }
            80..=89 => self.checkout(session).await,
            90..=99 => {
                self.counters.ghost_reads.fetch_add(1, Relaxed);
                if self.read(&format!("ghost-{ghost}")).await?.is_some() {
                    self.counters.ghost_found.fetch_add(1, Relaxed);
                }
                Ok(())
            }
            _ => self.add(session).await,
        }
    }

    async fn add(&self, session: &mut Session) -> Result<(), Error> {
        let item = format!("{}-item-{}", session.id, session.next_item);
        session.next_item += 1;
        let reply = self.call(Method::POST, "/cart/items", &session.id, &item, None).await?;
        if reply.status != StatusCode::OK {
            return Err(format!("add {item}: {} {}", reply.status, reply.text()).into());
        }
        self.counters.added.fetch_add(1, Relaxed);
        session.items.insert(item);
        Ok(())
    }

    async fn remove(&self, session: &mut Session, item: &str) -> Result<(), Error> {
        let path = format!("/cart/items/{item}");
        let reply = self.call(Method::DELETE, &path, &session.id, "", None).await?;
        if reply.status != StatusCode::OK {
            return Err(format!("remove {item}: {} {}", reply.status, reply.text()).into());
        }
        if session.items.remove(item) {
            self.counters.removed.fetch_add(1, Relaxed);
            session.removed.push(item.to_owned());
        }
        Ok(())
    }

    /// Reads the cart for its ETag and checks out with `If-Match`; half the
    /// time another tab of the same session adds an item in between, the
    /// checkout gets 412, and the client reads again and retries.
    async fn checkout(&self, session: &mut Session) -> Result<(), Error> {
        for attempt in 0..5 {
            let Some(seen) = self.read(&session.id).await? else { return Ok(()) };
            // Items a checkout moved whose answer was lost are checked out.
            for item in seen.ordered.intersection(&session.items).cloned().collect::<Vec<_>>() {
                session.items.remove(&item);
                session.ordered.insert(item);
            }
            if seen.items.is_empty() {
                return Ok(());
            }
            if attempt == 0 && session.draw(2) == 0 {
                self.add(session).await?;
            }
            let reply = self
                .call(Method::POST, "/cart/checkout", &session.id, "", Some(&seen.etag))
                .await?;
            match reply.status {
                StatusCode::OK => {
                    self.counters.checkouts.fetch_add(1, Relaxed);
                    for item in reply.text().lines() {
                        session.items.remove(item);
                        session.ordered.insert(item.to_owned());
                    }
                    return Ok(());
                }
                StatusCode::PRECONDITION_FAILED => {
                    self.counters.stale_checkouts.fetch_add(1, Relaxed);
                }
                other => {
                    return Err(format!("checkout {}: {other} {}", session.id, reply.text()).into());
                }
            }
        }
        Err(format!("checkout {}: still stale after 5 tries", session.id).into())
    }
}
