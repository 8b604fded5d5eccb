//! Every public type is `Send + Sync`: this file fails to compile otherwise.

use routekit::bloom::{
    AtomicBloomFilter, BlockedBloomFilter, BloomFilter, BuildError, CombineError, Corruption,
    DecodeError, Degeneracy,
};
use routekit::crdt::{
    CausalContext, CrdtError, DecodeError as CrdtDecodeError, DisableWinsFlag, EnableWinsFlag,
    GCounter, GCounterDelta, HybridClock, Invariant, LwwMap, LwwMapDelta, LwwRegister, MvRegister,
    OrSet, OrSetDelta, PNCounter, PNCounterDelta,
};
use routekit::hash::{Fnv1a, HashAlgorithm, HasherId, Sip13, Xxh3};
use routekit::keyset::{
    CursorError, CursorSecret, KeyType, KeyValuesError, Keyset, KeysetBuilder, KeysetError, Page,
    PageQuery, Position, SortKey, Source,
};
use routekit::optimistic::{
    Backoff, ETag, ETagError, ETagList, GaveUp, GuardedWrite, OptimisticError, OptimisticUpdate,
    OptimisticUpdateBuilder, PolicyError, Precondition, Preconditions, PreparedInsert,
    PreparedUpdate, Retried, RetryError, RetryPolicy, RetryPolicyBuilder, SchemaError, Versioned,
    VersionedCell, WriteError,
};
use routekit::route::{
    AddressText, BoundedLoads, BuildError as RouteBuildError, HashRing, HashRingBuilder,
    JumpBackHash, JumpHash, LoadTracker, Maglev, MaglevBuilder, MementoHash, Rendezvous,
    RouteError, Router, SharedRouter, Snapshot,
};
use routekit::sql::{
    Dialect, Ident, IdentError, MySql, NativeNulls, Nulls, Order, Postgres, SqlWriter, Sqlite,
    Statement, Timestamp, TimestampError, Value,
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
    send_sync::<routekit::route::handoff::Handoff<'static, HashRing<String>>>();
    send_sync::<routekit::route::handoff::Ownership<HashRing<String>>>();
    send_sync::<routekit::route::handoff::Fingerprint>();
    send_sync::<routekit::route::handoff::Decision<'static, String>>();
    send_sync::<routekit::route::handoff::KeyMove<'static, String>>();
    send_sync::<routekit::route::handoff::ReplicaMove<'static, String>>();
    send_sync::<routekit::route::handoff::RangeMove<'static, String>>();
    send_sync::<routekit::route::handoff::ReplicaRangeMove<'static, String>>();
    send_sync::<routekit::route::handoff::SlotMove<'static, String>>();
    send_sync::<routekit::route::handoff::PlanError>();
    send_sync::<routekit::route::handoff::HeaderError>();
    send_sync::<RouteError>();
    send_sync::<&'static dyn Dialect>();
    send_sync::<RouteBuildError>();
    send_sync::<AddressText>();
    send_sync::<Box<dyn Router<Node = String> + Send + Sync>>();
    send_sync::<Postgres>();
    send_sync::<Sqlite>();
    send_sync::<MySql>();
    send_sync::<NativeNulls>();
    send_sync::<Order>();
    send_sync::<Nulls>();
    send_sync::<Ident>();
    send_sync::<Value>();
    send_sync::<Timestamp>();
    send_sync::<Statement>();
    send_sync::<SqlWriter>();
    send_sync::<IdentError>();
    send_sync::<TimestampError>();
    send_sync::<Keyset>();
    send_sync::<KeysetBuilder>();
    send_sync::<PageQuery<'static>>();
    send_sync::<Position<'static>>();
    send_sync::<Page<String>>();
    send_sync::<SortKey>();
    send_sync::<Source>();
    send_sync::<KeyType>();
    send_sync::<CursorSecret>();
    send_sync::<KeysetError>();
    send_sync::<CursorError>();
    send_sync::<KeyValuesError>();
    send_sync::<Versioned<String>>();
    send_sync::<VersionedCell<Vec<u8>>>();
    send_sync::<RetryPolicy>();
    send_sync::<RetryPolicyBuilder>();
    send_sync::<Backoff>();
    send_sync::<Retried<String>>();
    send_sync::<RetryError<OptimisticError>>();
    send_sync::<GaveUp>();
    send_sync::<PolicyError>();
    send_sync::<OptimisticError>();
    send_sync::<SchemaError>();
    send_sync::<OptimisticUpdate>();
    send_sync::<OptimisticUpdateBuilder>();
    send_sync::<PreparedUpdate<2>>();
    send_sync::<PreparedInsert<2>>();
    send_sync::<GuardedWrite<'static>>();
    send_sync::<WriteError<std::io::Error>>();
    send_sync::<ETag>();
    send_sync::<ETagList>();
    send_sync::<ETagError>();
    send_sync::<Preconditions<'static>>();
    send_sync::<Precondition>();
}

#[test]
fn bloom_types_are_send_and_sync() {
    send_sync::<BloomFilter>();
    send_sync::<BloomFilter<Sip13>>();
    send_sync::<BlockedBloomFilter<Fnv1a>>();
    send_sync::<AtomicBloomFilter<Sip13>>();
    send_sync::<BuildError>();
    send_sync::<CombineError>();
    send_sync::<DecodeError>();
    send_sync::<Corruption>();
    send_sync::<Degeneracy>();
    #[cfg(feature = "serde")]
    send_sync::<routekit::bloom::WithHasher<BloomFilter<Sip13>>>();
}

#[test]
fn crdt_types_are_send_and_sync() {
    send_sync::<GCounter<String>>();
    send_sync::<GCounterDelta<String>>();
    send_sync::<PNCounter<String>>();
    send_sync::<PNCounterDelta<String>>();
    send_sync::<OrSet<String, String>>();
    send_sync::<OrSetDelta<String, String>>();
    send_sync::<LwwRegister<String, String>>();
    send_sync::<EnableWinsFlag<String>>();
    send_sync::<DisableWinsFlag<String>>();
    send_sync::<HybridClock>();
    send_sync::<LwwMap<String, String, String>>();
    send_sync::<LwwMapDelta<String, String, String>>();
    send_sync::<MvRegister<String, String>>();
    send_sync::<CausalContext<String>>();
    send_sync::<CrdtError>();
    send_sync::<CrdtDecodeError>();
    send_sync::<Invariant>();
}
