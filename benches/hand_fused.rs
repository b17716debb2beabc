//! The hand-fused reference alone: the headline step and epoch as plain loops.
//! `cargo bench --bench hand_fused`
use criterion::{Criterion, criterion_group, criterion_main};
use ndnet::rand::SeedableRng;
use std::hint::black_box;

#[path = "support/mod.rs"]
mod support;

fn hand_fused(c: &mut Criterion) {
    let mut g = c.benchmark_group("hand_fused");
    let model = support::model(0, &[10, 10, 1]);
    let (x, y) = support::synthetic(20_640, 2);
    let (xs, ys) = (x.as_slice().expect("contiguous").to_vec(), y.as_slice().expect("contiguous").to_vec());
    let mut hand = support::HandFused::from_model(&model, 32, 1e-3);
    g.bench_function("step_32", |b| b.iter(|| hand.step(black_box(&xs[..320]), black_box(&ys[..32]))));
    let mut rng = ndnet::rand_chacha::ChaCha8Rng::seed_from_u64(0);
    let mut scratch = support::Scratch::default();
    g.sample_size(20);
    g.bench_function("epoch_20640", |b| b.iter(|| hand.epoch(&xs, &ys, 32, &mut scratch, &mut rng)));
    g.finish();
}

criterion_group!(benches, hand_fused);
criterion_main!(benches);
