//! A counting global allocator proves a training step allocates nothing after the first batch.
//! This file is its own test binary so no other test's threads disturb the count.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use ndarray::Array2;
use ndnet_layers::{DenseConfig, Model, Mse, Relu, Sequential};
use rand::SeedableRng;

struct Counting;
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator unchanged; only counts calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn forward_loss_backward_allocates_nothing_after_the_first_batch() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
    let mut model = Sequential::<f32>::new()
        .push(DenseConfig::new(10, 10).init(&mut rng).unwrap())
        .push(Relu)
        .push(DenseConfig::new(10, 1).init(&mut rng).unwrap());
    let x = Array2::from_shape_fn((32, 10), |(i, j)| (i as f32 * 0.1 - j as f32 * 0.2).sin());
    let y = Array2::from_shape_fn((32, 1), |(i, _)| i as f32 * 0.01);
    let tail = ndarray::s![..7, ..];

    model.forward_backward(x.view(), y.view(), &Mse).unwrap(); // warm-up: buffers are made here
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    for _ in 0..100 {
        model.forward_backward(x.view(), y.view(), &Mse).unwrap();
        // A last partial batch, as at the end of an epoch, reuses the same buffers.
        model.forward_backward(x.slice(tail), y.slice(tail), &Mse).unwrap();
        model.visit_params_mut(&mut |_, p| p.value.iter_mut().zip(&*p.grad).for_each(|(w, g)| *w -= 0.01 * g));
    }
    let after = ALLOCATIONS.load(Ordering::Relaxed);
    println!("heap allocations in 200 steady-state steps: {}", after - before);
    assert_eq!(after - before, 0);
}
