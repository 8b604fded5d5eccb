//! routekit's benchmarks: one criterion entry point, one group per module.
//!
//! Every group carries its baseline in the same run, so results read as
//! ratios: `cargo bench -- route` compares the ring with a plain sorted-array
//! binary search, `cargo bench -- hash` compares the hashers with each other,
//! `cargo bench --features compat -- compat` the compatibility profiles with
//! a `HashRing` over as many points.
//! Inputs are seeded, so runs compare like with like.

use criterion::{criterion_group, criterion_main};

mod adapter;
mod bloom;
mod compat;
mod crdt;
mod crdt_session;
mod handoff;
mod hash;
mod inputs;
mod keyset;
mod optimistic;
mod rendezvous;
mod route;
mod strategies;

criterion_group!(
    benches,
    hash::bench,
    route::bench,
    route::bench_build,
    route::bench_shared,
    rendezvous::bench,
    crdt::bench,
    crdt_session::bench,
    keyset::bench,
    keyset::bench_pages,
    bloom::bench,
    optimistic::bench,
    adapter::bench,
    adapter::bench_deep,
    strategies::bench_maglev,
    strategies::bench_jump,
    strategies::bench_memento_removed,
    strategies::bench_bounded,
    handoff::bench_ranges,
    handoff::bench_keys
);
criterion_group!(compat_benches, compat::bench);
criterion_main!(benches, compat_benches);
