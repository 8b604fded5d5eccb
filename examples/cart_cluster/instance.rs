//! One instance of the cart service: an HTTP server on its own thread and
//! runtime, holding carts in memory, redirecting to owners, replicating
//! deltas, and taking part in membership changes.
//!
//! Client API (session in a `session=` cookie or an `x-session` header):
//! `GET /cart`, `POST /cart/items` (body: the item), `DELETE
//! /cart/items/{item}`, `POST /cart/checkout` (with `If-Match`).
//! Between instances: `POST /internal/replicate` (deltas) and `POST
//! /internal/handoff` (whole carts). From the operator: `POST
//! /admin/{prepare,handoff,switch,settle,drop}` and `GET /admin/keys`.
//!
//! A membership change runs in five steps, each on every instance before
//! the next begins. `prepare` installs the next view beside the current
//! one: ownership still follows the current view, but every change is also
//! sent to the session's holders under the next one. `handoff` sends every
//! session whose holders change to the instances that gain it, from the
//! first old holder still a member. `switch` makes the next view current
//! and keeps the old one, whose holders still get every change while other
//! instances have not switched yet. `settle` forgets the old view, and
//! `drop` deletes the sessions this instance no longer holds. Each step
//! waits, at each instance, for the writes in flight there (they hold the
//! view for reading until their replicas answered), so every acknowledged
//! write is in the handoff's copy or was sent to the new holders as it
//! happened, and no write made under an old view reaches an instance after
//! it dropped the session.

use std::collections::{HashMap, HashSet};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use routekit::optimistic::{Precondition, Preconditions};
use routekit::{AtomicBloomFilter, KeyHasher, Xxh3};
use tokio::sync::{RwLock, mpsc, oneshot};

use crate::cart::{Cart, Change, Error, decode_records, encode_record};
use crate::http::Client;
use crate::routing::{self, Decision, HOPS, OWNER, UNREACHABLE, VIEW, View};
use routekit::route::handoff::{self, ServeReason};

/// What an instance counts; shared with the operator, kept after a kill.
#[derive(Default)]
pub(crate) struct Stats {
    /// Client requests this instance answered itself.
    pub(crate) served: AtomicU64,
    /// Client requests redirected (307) to the owner.
    pub(crate) redirects: AtomicU64,
    /// Requests refused by the hop limit.
    pub(crate) loop_guards: AtomicU64,
    /// Redirected requests refused because the two views differed.
    pub(crate) views_disagree: AtomicU64,
    /// Requests served here because the owner was down.
    pub(crate) failover_served: AtomicU64,
    /// "No such cart" answered by the Bloom filter, without a lookup.
    pub(crate) bloom_skipped: AtomicU64,
    /// Lookups the Bloom filter let through that found no cart.
    pub(crate) bloom_false_positives: AtomicU64,
    /// Writes that changed nothing (so sent nothing).
    pub(crate) unchanged: AtomicU64,
    /// Changes sent to a replica (one per replica).
    pub(crate) replicated: AtomicU64,
    /// Bytes of deltas sent to replicas.
    pub(crate) delta_bytes: AtomicU64,
    /// Bytes the whole carts would have been, had whole carts been sent.
    pub(crate) full_bytes: AtomicU64,
    /// Checkouts refused with 412.
    pub(crate) stale_checkouts: AtomicU64,
    /// Peers this instance found not listening and stopped using.
    pub(crate) marked_down: AtomicU64,
    /// Sessions received in handoffs.
    pub(crate) handoff_received: AtomicU64,
    /// Of those, sessions this instance does not gain under the change.
    pub(crate) handoff_unplanned: AtomicU64,
}

/// A running instance, as the operator holds it.
pub(crate) struct Handle {
    /// The instance id (its place in the membership).
    pub(crate) id: String,
    /// Where it listens.
    pub(crate) addr: SocketAddr,
    /// Its counters.
    pub(crate) stats: Arc<Stats>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

struct Instance {
    id: String,
    /// Actor id of this incarnation in every CRDT: an instance that
    /// restarts without its state takes a new one.
    actor: String,
    views: RwLock<Views>,
    carts: Mutex<HashMap<String, Cart>>,
    sessions: AtomicBloomFilter,
    down: Mutex<HashSet<String>>,
    client: Client,
    peers: Mutex<HashMap<String, mpsc::UnboundedSender<Job>>>,
    stats: Arc<Stats>,
}

struct Views {
    current: View,
    /// The view being changed to, between `prepare` and `switch`.
    next: Option<View>,
    /// The view changed from, between `switch` and `settle`: instances
    /// that have not switched yet still serve by it.
    previous: Option<View>,
}

struct Job {
    record: Vec<u8>,
    done: oneshot::Sender<bool>,
}

type Reply = Response<Full<Bytes>>;

/// Starts instance `id` (incarnation `incarnation`) listening on `addr`
/// (port 0 for any) with `view` as its membership.
pub(crate) fn start(
    id: &str,
    incarnation: u32,
    addr: SocketAddr,
    view: View,
) -> Result<Handle, Error> {
    let stats = Arc::new(Stats::default());
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = oneshot::channel();
    let instance = Instance {
        id: id.to_owned(),
        actor: format!("{id}#{incarnation}"),
        views: RwLock::new(Views { current: view.at(id), next: None, previous: None }),
        carts: Mutex::new(HashMap::new()),
        sessions: AtomicBloomFilter::new(10_000, 0.01)?,
        down: Mutex::new(HashSet::new()),
        client: Client::new(),
        peers: Mutex::new(HashMap::new()),
        stats: stats.clone(),
    };
    let thread = std::thread::Builder::new().name(id.to_owned()).spawn(move || {
        let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
            Ok(runtime) => runtime,
            Err(e) => return drop(ready_tx.send(Err(Error::from(e)))),
        };
        runtime.block_on(serve(Arc::new(instance), addr, ready_tx, stop_rx));
        // Dropping the runtime drops every task: the listener and every
        // connection close, and the carts in memory are gone.
        drop(runtime);
    })?;
    let addr = ready_rx.recv()??;
    Ok(Handle { id: id.to_owned(), addr, stats, stop: Some(stop_tx), thread: Some(thread) })
}

impl Handle {
    /// Stops the instance for real: its listener and connections close.
    pub(crate) fn kill(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.shutdown();
    }
}

async fn serve(
    instance: Arc<Instance>,
    addr: SocketAddr,
    ready: std::sync::mpsc::Sender<Result<SocketAddr, Error>>,
    mut stop: oneshot::Receiver<()>,
) {
    let bound = (|| {
        let socket = tokio::net::TcpSocket::new_v4()?;
        // A restarted instance binds its old port while the old
        // connections are still in TIME_WAIT.
        socket.set_reuseaddr(true)?;
        socket.bind(addr)?;
        let listener = socket.listen(1024)?;
        let local = listener.local_addr()?;
        Ok::<_, std::io::Error>((listener, local))
    })();
    let listener = match bound {
        Ok((listener, local)) => {
            let _ = ready.send(Ok(local));
            listener
        }
        Err(e) => return drop(ready.send(Err(e.into()))),
    };
    loop {
        tokio::select! {
            _ = &mut stop => return,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                let instance = instance.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        let instance = instance.clone();
                        async move { Ok::<_, Infallible>(instance.handle(request).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        }
    }
}

fn reply(status: StatusCode, headers: &[(&str, String)], body: impl Into<Bytes>) -> Reply {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (
            hyper::header::HeaderName::from_bytes(name.as_bytes()),
            hyper::header::HeaderValue::from_str(value),
        ) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}

fn bad(message: impl Into<String>) -> Reply {
    reply(StatusCode::BAD_REQUEST, &[], message.into())
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock is a bug in this example; the data
    // (carts that are CRDTs) stays usable.
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn header<'r>(request: &'r Request<Incoming>, name: &str) -> Option<&'r str> {
    request.headers().get(name).and_then(|v| v.to_str().ok())
}

fn session_of(request: &Request<Incoming>) -> Option<String> {
    if let Some(session) = header(request, "x-session") {
        return Some(session.to_owned());
    }
    let cookies = header(request, "cookie")?;
    cookies.split(';').find_map(|c| c.trim().strip_prefix("session=")).map(str::to_owned)
}

fn parse_view(body: &str, me: &str) -> Result<View, Error> {
    let mut members = Vec::new();
    for line in body.lines().filter(|l| !l.is_empty()) {
        let (id, addr) = line.split_once(' ').ok_or("a member line is `id address`")?;
        members.push((id.to_owned(), addr.parse()?));
    }
    View::new(members, me)
}

/// A view as the `prepare` body: one `id address` line per member.
pub(crate) fn view_body(view: &View) -> String {
    view.members().iter().map(|(id, addr)| format!("{id} {addr}\n")).collect()
}

/// The operation a client request asks for.
enum Op {
    Get,
    Add(String),
    Remove(String),
    Checkout(Option<String>),
}

impl Instance {
    async fn handle(self: Arc<Self>, request: Request<Incoming>) -> Reply {
        let method = request.method().clone();
        let path = request.uri().path().to_owned();
        match (&method, path.as_str()) {
            (&Method::POST, "/internal/replicate") => self.receive_deltas(request).await,
            (&Method::POST, "/internal/handoff") => self.receive_handoff(request).await,
            (&Method::POST, "/admin/prepare") => self.prepare(request).await,
            (&Method::POST, "/admin/handoff") => self.handoff().await,
            (&Method::POST, "/admin/switch") => self.switch().await,
            (&Method::POST, "/admin/settle") => self.settle().await,
            (&Method::POST, "/admin/drop") => self.drop_unheld().await,
            (&Method::GET, "/admin/keys") => self.keys(),
            _ => self.client_request(request).await,
        }
    }

    fn is_down(&self, id: &str) -> bool {
        lock(&self.down).contains(id)
    }

    /// Checks that `id` really is not listening before routing around it:
    /// a client's word alone does not take an instance out.
    async fn probe(&self, id: &str, addr: Option<SocketAddr>) {
        if id == self.id || self.is_down(id) {
            return;
        }
        let Some(addr) = addr else { return };
        let connect =
            tokio::time::timeout(Duration::from_millis(300), tokio::net::TcpStream::connect(addr));
        if !matches!(connect.await, Ok(Ok(_))) && lock(&self.down).insert(id.to_owned()) {
            self.stats.marked_down.fetch_add(1, Relaxed);
        }
    }

    async fn client_request(self: Arc<Self>, request: Request<Incoming>) -> Reply {
        let Some(session) = session_of(&request) else {
            return bad("send the session id in a `session=` cookie or an x-session header");
        };
        let incoming =
            match handoff::Incoming::from_headers(header(&request, HOPS), header(&request, VIEW)) {
                Ok(incoming) => incoming,
                Err(e) => return bad(e.to_string()),
            };
        let unreachable = header(&request, UNREACHABLE).map(str::to_owned);
        let if_match = header(&request, "if-match").map(str::to_owned);
        let method = request.method().clone();
        let path = request.uri().path().to_owned();
        let op = match (&method, path.as_str()) {
            (&Method::GET, "/cart") => Op::Get,
            (&Method::POST, "/cart/checkout") => Op::Checkout(if_match),
            (&Method::POST, "/cart/items") => match request.into_body().collect().await {
                Ok(body) => match String::from_utf8(body.to_bytes().to_vec()) {
                    Ok(item) if !item.is_empty() => Op::Add(item),
                    _ => return bad("the body is the item id, as text"),
                },
                Err(_) => return bad("could not read the body"),
            },
            (&Method::DELETE, p) if p.starts_with("/cart/items/") => {
                Op::Remove(p["/cart/items/".len()..].to_owned())
            }
            _ => return reply(StatusCode::NOT_FOUND, &[], "no such route"),
        };

        // Held for reading until the answer is ready, so that a membership
        // change waits for this request's replicas (see the module docs).
        let views = self.views.read().await;
        if let Some(id) = &unreachable {
            let addr = views.current.addr(id);
            self.probe(id, addr).await;
        }
        let healthy = |n: &str| !self.is_down(n);
        match views.current.decide(&self.id, &session, incoming, &healthy) {
            Decision::Serve => {}
            Decision::Redirect(owner, mut headers) => {
                self.stats.redirects.fetch_add(1, Relaxed);
                let Some(addr) = views.current.addr(&owner) else {
                    return reply(StatusCode::SERVICE_UNAVAILABLE, &[], "owner has no address");
                };
                headers.push(("location", format!("http://{addr}{path}")));
                headers.push((OWNER, owner));
                return reply(StatusCode::TEMPORARY_REDIRECT, &headers, "");
            }
            Decision::Refuse(ServeReason::HopLimit) => {
                self.stats.loop_guards.fetch_add(1, Relaxed);
                return reply(
                    StatusCode::LOOP_DETECTED,
                    &[],
                    "too many redirects; retry from the start",
                );
            }
            Decision::Refuse(reason) => {
                self.stats.views_disagree.fetch_add(1, Relaxed);
                return reply(
                    StatusCode::SERVICE_UNAVAILABLE,
                    &[("retry-after", "0".into())],
                    reason.to_string(),
                );
            }
            Decision::Unavailable => {
                return reply(StatusCode::SERVICE_UNAVAILABLE, &[], "no instance is healthy");
            }
        }
        self.stats.served.fetch_add(1, Relaxed);
        if views.current.holders(&session).first() != Some(&self.id) {
            self.stats.failover_served.fetch_add(1, Relaxed);
        }
        self.serve(&views, &session, op).await
    }

    async fn serve(&self, views: &Views, session: &str, op: Op) -> Reply {
        let (status, body, change, etag) = {
            let mut carts = lock(&self.carts);
            if matches!(op, Op::Get) {
                if !self.sessions.contains(session.as_bytes()) {
                    self.stats.bloom_skipped.fetch_add(1, Relaxed);
                    return reply(
                        StatusCode::NOT_FOUND,
                        &[("x-routekit-bloom", "absent".into())],
                        "no such cart",
                    );
                }
                let Some(cart) = carts.get(session) else {
                    self.stats.bloom_false_positives.fetch_add(1, Relaxed);
                    return reply(StatusCode::NOT_FOUND, &[], "no such cart");
                };
                let mut body = String::new();
                for item in cart.items() {
                    body.push_str(&format!("item {item}\n"));
                }
                for item in cart.ordered() {
                    body.push_str(&format!("ordered {item}\n"));
                }
                return reply(StatusCode::OK, &[("etag", cart.etag().to_string())], body);
            }
            let cart = carts.entry(session.to_owned()).or_default();
            let outcome = match &op {
                Op::Add(item) => cart.add(&self.actor, item).map(|c| (String::new(), c)),
                Op::Remove(item) => cart.remove(&self.actor, item).map(|c| (String::new(), c)),
                Op::Checkout(if_match) => {
                    let mut preconditions = Preconditions::new("POST");
                    if let Some(tags) = if_match {
                        preconditions.if_match(tags);
                    }
                    let current = cart.etag();
                    match preconditions.require().evaluate(Some(&current)) {
                        Ok(Precondition::Proceed) => {
                            cart.checkout(&self.actor).map(|(moved, c)| (moved.join("\n"), c))
                        }
                        Ok(refused) => {
                            let status = refused.status().unwrap_or(412);
                            self.stats.stale_checkouts.fetch_add(u64::from(status == 412), Relaxed);
                            let status = StatusCode::from_u16(status)
                                .unwrap_or(StatusCode::PRECONDITION_FAILED);
                            return reply(
                                status,
                                &[("etag", current.to_string())],
                                "the cart changed: read it again",
                            );
                        }
                        Err(e) => return bad(e.to_string()),
                    }
                }
                Op::Get => unreachable!("answered above"),
            };
            match outcome {
                Ok((body, change)) => {
                    let full = change.as_ref().map(|_| cart.encoded_len());
                    let etag = cart.etag().to_string();
                    if cart.items().next().is_none()
                        && cart.ordered().next().is_none()
                        && change.is_none()
                    {
                        // A remove of a cart that never existed leaves nothing.
                        carts.remove(session);
                    } else {
                        self.sessions.insert(session.as_bytes());
                    }
                    (StatusCode::OK, body, change.zip(full), etag)
                }
                Err(e) => return reply(StatusCode::INTERNAL_SERVER_ERROR, &[], e.to_string()),
            }
        };
        let copies = match change {
            Some((change, full)) => match self.replicate(views, session, change, full).await {
                Ok(copies) => copies,
                Err(e) => return reply(StatusCode::SERVICE_UNAVAILABLE, &[], e.to_string()),
            },
            None => {
                self.stats.unchanged.fetch_add(1, Relaxed);
                0
            }
        };
        reply(status, &[("etag", etag), ("x-routekit-copies", (copies + 1).to_string())], body)
    }

    /// Sends a change to the session's next healthy instance (and, during a
    /// membership change, to its holders under the next view), and waits
    /// until they have it. Returns how many replicas took it.
    async fn replicate(
        &self,
        views: &Views,
        session: &str,
        change: Change,
        full: usize,
    ) -> Result<usize, Error> {
        let mut record = Vec::new();
        encode_record(&mut record, session, &change.0);
        let healthy = |n: &str| !self.is_down(n);
        // The next healthy instance of the preference list, replaced by the
        // one after it if it turns out to be down; and, while membership
        // changes, the holders under the other view, skipped if down.
        let mut targets: Vec<(String, bool)> = views
            .current
            .replica_after(&self.id, session, &healthy)
            .map(|t| (t, true))
            .into_iter()
            .collect();
        for other in views.next.iter().chain(&views.previous) {
            for holder in other.holders(session) {
                if holder != self.id
                    && !self.is_down(&holder)
                    && !targets.iter().any(|(t, _)| *t == holder)
                {
                    targets.push((holder, false));
                }
            }
        }
        let mut copies = 0;
        for (mut target, primary) in targets {
            let mut attempts = 0;
            loop {
                attempts += 1;
                let addr = [Some(&views.current), views.next.as_ref(), views.previous.as_ref()]
                    .into_iter()
                    .flatten()
                    .find_map(|view| view.addr(&target));
                let Some(addr) = addr else { break };
                if self.send_record(&target, addr, record.clone()).await {
                    self.stats.replicated.fetch_add(1, Relaxed);
                    self.stats.delta_bytes.fetch_add(change.0.len() as u64, Relaxed);
                    self.stats.full_bytes.fetch_add(full as u64, Relaxed);
                    copies += 1;
                    break;
                }
                if attempts >= 3 {
                    return Err(format!("replica {target} did not take the change").into());
                }
                self.probe(&target, Some(addr)).await;
                if self.is_down(&target) {
                    match views.current.replica_after(&self.id, session, &healthy) {
                        Some(next) if primary && next != target => target = next,
                        _ => break,
                    }
                }
            }
        }
        Ok(copies)
    }

    async fn send_record(&self, peer: &str, addr: SocketAddr, record: Vec<u8>) -> bool {
        let (done, answer) = oneshot::channel();
        let queue = {
            let mut peers = lock(&self.peers);
            match peers.get(peer) {
                Some(queue) if !queue.is_closed() => queue.clone(),
                _ => {
                    let (queue, jobs) = mpsc::unbounded_channel();
                    tokio::spawn(replicator(self.client.clone(), self.id.clone(), addr, jobs));
                    peers.insert(peer.to_owned(), queue.clone());
                    queue
                }
            }
        };
        if queue.send(Job { record, done }).is_err() {
            return false;
        }
        answer.await.unwrap_or(false)
    }

    async fn receive_deltas(&self, request: Request<Incoming>) -> Reply {
        let Ok(body) = request.into_body().collect().await else {
            return bad("could not read the body");
        };
        let body = body.to_bytes();
        let records = match decode_records(&body) {
            Ok(records) => records,
            Err(e) => return bad(e.to_string()),
        };
        let mut carts = lock(&self.carts);
        for (session, change) in records {
            if let Err(e) = carts.entry(session.clone()).or_default().apply(change) {
                return bad(e.to_string());
            }
            self.sessions.insert(session.as_bytes());
        }
        reply(StatusCode::OK, &[], "")
    }

    async fn receive_handoff(&self, request: Request<Incoming>) -> Reply {
        let Ok(body) = request.into_body().collect().await else {
            return bad("could not read the body");
        };
        let body = body.to_bytes();
        let records = match decode_records(&body) {
            Ok(records) => records,
            Err(e) => return bad(e.to_string()),
        };
        let views = self.views.read().await;
        let mut carts = lock(&self.carts);
        let mut taken = 0u64;
        for (session, bytes) in records {
            let incoming = match Cart::from_bytes(bytes) {
                Ok(cart) => cart,
                Err(e) => return bad(e.to_string()),
            };
            let planned = match &views.next {
                Some(next) => match routing::plan(&views.current, next, &session) {
                    Ok(plan) => plan.gainers.contains(&self.id),
                    Err(e) => return bad(e.to_string()),
                },
                None => false,
            };
            if !planned {
                self.stats.handoff_unplanned.fetch_add(1, Relaxed);
            }
            if let Err(e) = carts.entry(session.clone()).or_default().merge(&incoming) {
                return bad(e.to_string());
            }
            self.sessions.insert(session.as_bytes());
            taken += 1;
        }
        self.stats.handoff_received.fetch_add(taken, Relaxed);
        reply(StatusCode::OK, &[], taken.to_string())
    }

    async fn prepare(&self, request: Request<Incoming>) -> Reply {
        let Ok(body) = request.into_body().collect().await else {
            return bad("could not read the body");
        };
        let next = match parse_view(&String::from_utf8_lossy(&body.to_bytes()), &self.id) {
            Ok(view) => view,
            Err(e) => return bad(e.to_string()),
        };
        // The operator vouches for every member of the next view.
        lock(&self.down).retain(|id| !next.contains(id));
        self.views.write().await.next = Some(next);
        reply(StatusCode::OK, &[], "")
    }

    /// Sends every session this instance is the source of to its gainers.
    /// Answers `planned moved bytes`.
    async fn handoff(&self) -> Reply {
        let views = self.views.read().await;
        let Some(next) = &views.next else { return bad("no membership change is prepared") };
        let mut batches: HashMap<String, (Vec<u8>, u64)> = HashMap::new();
        for (session, cart) in lock(&self.carts).iter() {
            let plan = match routing::plan(&views.current, next, session) {
                Ok(plan) => plan,
                Err(e) => return reply(StatusCode::INTERNAL_SERVER_ERROR, &[], e.to_string()),
            };
            if plan.source.as_deref() != Some(&self.id) {
                continue;
            }
            let bytes = cart.to_bytes();
            for gainer in plan.gainers {
                let (body, count) = batches.entry(gainer).or_default();
                encode_record(body, session, &bytes);
                *count += 1;
            }
        }
        let (mut planned, mut moved, mut bytes) = (0, 0, 0);
        for (gainer, (body, count)) in batches {
            planned += count;
            let Some(addr) = next.addr(&gainer) else { continue };
            let length = body.len();
            let sent = self
                .client
                .send(Method::POST, &format!("http://{addr}/internal/handoff"), &[], body)
                .await;
            if let Ok(answer) = sent.map_err(|e| format!("{e}")) {
                if answer.status == StatusCode::OK {
                    moved += answer.text().parse::<u64>().unwrap_or(0);
                    bytes += length;
                }
            }
        }
        reply(StatusCode::OK, &[], format!("{planned} {moved} {bytes}"))
    }

    async fn switch(&self) -> Reply {
        let mut views = self.views.write().await;
        match views.next.take() {
            Some(next) => {
                let old = std::mem::replace(&mut views.current, next);
                views.previous = Some(old);
                reply(StatusCode::OK, &[], "")
            }
            None => bad("no membership change is prepared"),
        }
    }

    async fn settle(&self) -> Reply {
        self.views.write().await.previous = None;
        reply(StatusCode::OK, &[], "")
    }

    /// Drops the sessions this instance does not hold under its view.
    async fn drop_unheld(&self) -> Reply {
        let views = self.views.read().await;
        let mut carts = lock(&self.carts);
        let before = carts.len();
        carts.retain(|session, _| views.current.holders(session).contains(&self.id));
        reply(StatusCode::OK, &[], (before - carts.len()).to_string())
    }

    /// `session digest` per held cart: where copies are, and whether they agree.
    fn keys(&self) -> Reply {
        let mut body = String::new();
        for (session, cart) in lock(&self.carts).iter() {
            body.push_str(&format!("{session} {:016x}\n", Xxh3::new().hash64(&cart.to_bytes())));
        }
        reply(StatusCode::OK, &[], body)
    }
}

/// Sends the changes queued for one peer, as many as are waiting in one
/// request, off the path of the requests that made them.
async fn replicator(
    client: Client,
    from: String,
    addr: SocketAddr,
    mut jobs: mpsc::UnboundedReceiver<Job>,
) {
    let url = format!("http://{addr}/internal/replicate");
    while let Some(first) = jobs.recv().await {
        let mut batch = vec![first];
        while batch.len() < 256 {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let body: Vec<u8> = batch.iter().flat_map(|job| job.record.iter().copied()).collect();
        let sent =
            client.send(Method::POST, &url, &[("x-routekit-from", from.clone())], body).await;
        let ok = matches!(sent, Ok(answer) if answer.status == StatusCode::OK);
        for job in batch {
            let _ = job.done.send(ok);
        }
    }
}
