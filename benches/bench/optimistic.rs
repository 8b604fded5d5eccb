//! Optimistic: `VersionedCell::update` against a plain `std::sync::Mutex<T>`
//! (the baseline: lock, compute, store), and against an atomic snapshot swap
//! (`arc-swap` compare-and-swap, the mechanism `VersionedCell` did not pick),
//! alone and with a second thread updating the same cell. Reads likewise.
//!
//! Every contender computes the new value from a reference to the old one,
//! so all do the same work; what differs is the concurrency control.

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock, Mutex};

use arc_swap::ArcSwap;
use criterion::{BenchmarkId, Criterion};
use routekit::optimistic::{RetryPolicy, Versioned, VersionedCell};

/// What the group measures on each contender.
trait Contender<T>: Send + Sync + 'static {
    fn update(&self, change: fn(&T) -> T);
    fn read_version(&self) -> u64;
}

/// Retries without waiting, as many as it takes.
static RETRY: LazyLock<RetryPolicy> = LazyLock::new(|| RetryPolicy::immediate(u32::MAX).unwrap());

impl<T: Clone + Send + Sync + 'static> Contender<T> for VersionedCell<T> {
    fn update(&self, change: fn(&T) -> T) {
        black_box(VersionedCell::update(self, &RETRY, change).unwrap());
    }
    fn read_version(&self) -> u64 {
        self.load().version
    }
}

/// The baseline: a plain mutex around the value and a version.
struct Plain<T>(Mutex<Versioned<T>>);

impl<T: Clone + Send + 'static> Contender<T> for Plain<T> {
    fn update(&self, change: fn(&T) -> T) {
        let mut current = self.0.lock().unwrap();
        let next = change(&current.value);
        *current = Versioned::new(next, current.version + 1);
    }
    fn read_version(&self) -> u64 {
        self.0.lock().unwrap().clone().version
    }
}

/// The alternative mechanism: versioned snapshots swapped atomically.
struct Swap<T>(ArcSwap<Versioned<T>>);

impl<T: Clone + Send + Sync + 'static> Contender<T> for Swap<T> {
    fn update(&self, change: fn(&T) -> T) {
        loop {
            let current = self.0.load();
            let next = Arc::new(Versioned::new(change(&current.value), current.version + 1));
            let previous = self.0.compare_and_swap(&*current, next);
            if Arc::ptr_eq(&previous, &current) {
                return;
            }
            std::thread::yield_now();
        }
    }
    fn read_version(&self) -> u64 {
        Versioned::clone(&self.0.load()).version
    }
}

/// A document-sized value: 256 bytes of text and a counter.
#[derive(Clone)]
struct Doc {
    body: String,
    edits: u64,
}

fn bump_counter(n: &u64) -> u64 {
    n + 1
}

fn bump_doc(doc: &Doc) -> Doc {
    Doc { body: doc.body.clone(), edits: doc.edits + 1 }
}

pub(crate) fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("optimistic");
    measure(&mut group, "u64", 0u64, bump_counter, true);
    measure(&mut group, "doc256", Doc { body: "x".repeat(256), edits: 0 }, bump_doc, false);
    group.finish();
}

fn measure<T: Clone + Send + Sync + 'static>(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    value: &str,
    initial: T,
    change: fn(&T) -> T,
    reads: bool,
) {
    let contenders: [(&str, Arc<dyn Contender<T>>); 3] = [
        ("mutex_baseline", Arc::new(Plain(Mutex::new(Versioned::new(initial.clone(), 0))))),
        ("versioned_cell", Arc::new(VersionedCell::new(initial.clone()))),
        ("arc_swap_cas", Arc::new(Swap(ArcSwap::from_pointee(Versioned::new(initial, 0))))),
    ];
    for contended in [false, true] {
        let label = if contended { "contended" } else { "alone" };
        for (name, contender) in &contenders {
            // The contended case: another thread updates the same cell
            // without pause while this one is measured.
            let stop = Arc::new(AtomicBool::new(false));
            let writer = contended.then(|| {
                let (contender, stop) = (Arc::clone(contender), Arc::clone(&stop));
                std::thread::spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        contender.update(change);
                    }
                })
            });
            group.bench_function(BenchmarkId::new(format!("{name}_update_{value}"), label), |b| {
                b.iter(|| contender.update(change))
            });
            if reads {
                group
                    .bench_function(BenchmarkId::new(format!("{name}_read_{value}"), label), |b| {
                        b.iter(|| black_box(contender.read_version()))
                    });
            }
            stop.store(true, Ordering::Relaxed);
            if let Some(writer) = writer {
                writer.join().unwrap();
            }
        }
    }
}
