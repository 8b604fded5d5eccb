//! Every public type is `Send + Sync`: this file fails to compile otherwise.

use routekit::hash::{Fnv1a, HashAlgorithm, HasherId, Sip13, Xxh3};
use routekit::route::{
    AddressText, BoundedLoads, BuildError, HashRing, HashRingBuilder, JumpBackHash, JumpHash,
    LoadTracker, Maglev, MaglevBuilder, MementoHash, Rendezvous, RouteError, Router, SharedRouter,
    Snapshot,
};
use routekit::sql::{
    Ident, MySql, Postgres, SqlError, SqlWriter, Sqlite, Statement, Timestamp, Value,
};

fn send_sync<T: Send + Sync>() {}

#[test]
fn public_types_are_send_and_sync() {
    send_sync::<Xxh3>();
    send_sync::<Fnv1a>();
    send_sync::<Sip13>();
    send_sync::<HasherId>();
    send_sync::<HashAlgorithm>();
    send_sync::<HashRing<String>>();
    send_sync::<HashRing<Vec<u8>, Sip13>>();
    send_sync::<HashRingBuilder<Xxh3>>();
    send_sync::<HashRing<std::net::SocketAddr>>();
    send_sync::<Rendezvous<u64>>();
    send_sync::<Rendezvous<String, Fnv1a>>();
    send_sync::<SharedRouter<HashRing<String>>>();
    send_sync::<Snapshot<Rendezvous<String>>>();
    send_sync::<JumpHash<String>>();
    send_sync::<JumpBackHash<String, Sip13>>();
    send_sync::<MementoHash<Vec<u8>>>();
    send_sync::<Maglev<String>>();
    send_sync::<MaglevBuilder<Sip13>>();
    send_sync::<BoundedLoads<HashRing<String>>>();
    send_sync::<LoadTracker<Rendezvous<String>>>();
    send_sync::<RouteError>();
    send_sync::<BuildError>();
    send_sync::<AddressText>();
    send_sync::<Box<dyn Router<Node = String> + Send + Sync>>();
    send_sync::<Postgres>();
    send_sync::<Sqlite>();
    send_sync::<MySql>();
    send_sync::<Ident>();
    send_sync::<Value>();
    send_sync::<Timestamp>();
    send_sync::<Statement>();
    send_sync::<SqlError>();
    send_sync::<SqlWriter<'static>>();
}
