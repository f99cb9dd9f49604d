//! The gradient step allocates nothing: a counting global allocator watches N steps after a
//! warm-up step, for one-hot and dense inputs, shallow and deep networks, linear or not.

// A global allocator is an unsafe trait: the one place the project's unsafe-code lint is lifted.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use dln_explorer::config::Activation;
use dln_explorer::engine::bench::Case;

struct Counting;

thread_local! {
    // Per thread, so tests running in parallel do not count each other's allocations. Const
    // initialisers without destructors: reading them never allocates.
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn count_one() {
    let _ = COUNTING.try_with(|on| {
        if on.get() {
            let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        }
    });
}

// SAFETY: every call is forwarded unchanged to the system allocator; the counter only observes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one();
        System.alloc(layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count_one();
        System.alloc_zeroed(layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_one();
        System.realloc(ptr, layout, new_size)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations this thread makes while `f` runs.
fn allocations_during(f: impl FnOnce()) -> usize {
    ALLOCATIONS.with(|n| n.set(0));
    COUNTING.with(|on| on.set(true));
    f();
    COUNTING.with(|on| on.set(false));
    ALLOCATIONS.with(|n| n.get())
}

fn steps_allocate_nothing(name: &str, n: u64) {
    steps_allocate_nothing_with(name, n, Activation::Linear);
}

fn steps_allocate_nothing_with(name: &str, n: u64, activation: Activation) {
    let mut case = Case::new(name).expect("a benchmark case");
    case.net.activation = activation;
    case.steps(1); // warm-up
    let mut loss = 0.0;
    let count = allocations_during(|| loss = case.steps(n));
    assert_eq!(count, 0, "{name}: {count} allocations in {n} steps");
    assert!(loss.is_finite());
}

#[test]
fn gradient_steps_on_one_hot_items_allocate_nothing() {
    steps_allocate_nothing("rm8", 1000);
}

#[test]
fn gradient_steps_on_dense_inputs_allocate_nothing() {
    steps_allocate_nothing("wide", 20);
}

#[test]
fn gradient_steps_through_eight_layers_allocate_nothing() {
    steps_allocate_nothing("deep", 20);
}

#[test]
fn gradient_steps_of_tanh_and_relu_networks_allocate_nothing() {
    steps_allocate_nothing_with("rm8", 500, Activation::Tanh);
    steps_allocate_nothing_with("wide", 10, Activation::Relu);
}

#[test]
fn the_counter_sees_an_allocation() {
    // The guard against a test that cannot fail: a Vec made while counting is counted.
    let count = allocations_during(|| {
        let v: Vec<u64> = std::hint::black_box(vec![1, 2, 3]);
        assert_eq!(v.len(), 3);
    });
    assert!(count >= 1);
}
