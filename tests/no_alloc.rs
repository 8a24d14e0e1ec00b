//! The epoch loops allocate nothing: a counting global allocator sees no allocation while
//! `UmapSgd::run` goes through whole epochs (after the schedule's buffers exist), in every step
//! mode and math mode.

// A global allocator is the one thing here that needs `unsafe`; it only forwards to `System`.
#![allow(unsafe_code)]
// Tests may use the platform math library (tests/common does).
#![allow(clippy::disallowed_methods)]

use neighbor_embed::graph::CsrGraph;
use neighbor_embed::kernel::{Cauchy, Umap};
use neighbor_embed::sgd::{OwnedUmapSgd, SampleOrder, Silent, UmapConfig};
use neighbor_embed::sink::InPlace;
use neighbor_embed::step::{BceStep, InfoNceStep, NegStep, Step};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
mod common;

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations made by `f`.
fn allocations(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.load(Ordering::SeqCst);
    f();
    ALLOCATIONS.load(Ordering::SeqCst) - before
}

fn epochs_allocate_nothing<S: Step<f32>>(name: &str, step: S) {
    epochs_allocate_nothing_in(SampleOrder::Csr, name, step);
}

fn epochs_allocate_nothing_in<S: Step<f32>>(order: SampleOrder, name: &str, mut step: S) {
    let f = common::digits();
    let g = CsrGraph::new(f.n, &f.indptr, &f.indices, &f.weights)
        .unwrap()
        .with_umap_filter(50);
    let config = UmapConfig {
        n_epochs: 50,
        order,
        ..UmapConfig::umap_learn(f.n, 3)
    };
    let mut sgd = OwnedUmapSgd::<f32>::new(&g, &config).unwrap();
    let mut y = f.init.clone();
    let mut sink = InPlace::new(&mut y, 2, None);
    let mut report = None;
    let count = allocations(|| {
        report = Some(
            sgd.run(&g, &mut step, &mut sink, usize::MAX, &mut Silent)
                .unwrap(),
        );
    });
    let report = report.unwrap();
    assert_eq!(report.epochs, 50);
    assert!(report.updates() > 100_000);
    assert_eq!(
        count, 0,
        "{name}: {count} allocations in {} epochs",
        report.epochs
    );
}

#[test]
fn umap_sgd_epochs_allocate_nothing() {
    // the counter sees allocations (so a zero below means something)
    assert!(allocations(|| drop(std::hint::black_box(vec![0u8; 16]))) >= 1);
    let umap = Umap::<f32>::umap_learn_default();
    epochs_allocate_nothing("bce exact", BceStep::umap_learn(umap));
    epochs_allocate_nothing("bce fast", BceStep::umap_learn(umap.fast()));
    epochs_allocate_nothing(
        "bce fast batched",
        BceStep {
            batched_negatives: true,
            ..BceStep::umap_learn(umap.fast())
        },
    );
    epochs_allocate_nothing_in(
        SampleOrder::Lockstep,
        "bce fast batched, lockstep",
        BceStep {
            batched_negatives: true,
            ..BceStep::umap_learn(umap.fast())
        },
    );
    epochs_allocate_nothing_in(
        SampleOrder::Lockstep,
        "neg, lockstep",
        NegStep::new(Cauchy, 1.0f32),
    );
    epochs_allocate_nothing("neg", NegStep::new(Cauchy, 1.0f32));
    epochs_allocate_nothing("infonce", InfoNceStep::new(Cauchy, 1.0f32));
}
