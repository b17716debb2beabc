//! One training step of the headline model (10 → 10 → 1, batch 32, f32, RMSprop Keras preset):
//! ndnet against the hand-fused loop. `cargo bench --bench train_step`
use criterion::{Criterion, criterion_group, criterion_main};
use ndnet::layers::{Model, Mse};
use ndnet::optim::{Optimizer, RmsProp, RmsPropConfig};
use ndnet::trainer::ModelParams;
use std::hint::black_box;

#[path = "support/mod.rs"]
mod support;

fn train_step(c: &mut Criterion) {
    let (x, y) = support::synthetic(32, 1);
    let mut g = c.benchmark_group("train_step");
    let mut model = support::model(0, &[10, 10, 1]);
    let mut hand = support::HandFused::from_model(&model, 32, 1e-3);
    let mut opt = RmsProp::new(RmsPropConfig::keras(1e-3)).expect("valid");
    g.bench_function("ndnet", |b| {
        b.iter(|| {
            let loss = model.forward_backward(black_box(x.view()), black_box(y.view()), &Mse).expect("fits");
            opt.step(&mut ModelParams(&mut model)).expect("fits");
            loss
        })
    });
    // The parts, to see where a step's time goes.
    g.bench_function("ndnet_forward", |b| b.iter(|| model.forward(black_box(x.view())).expect("fits")[(0, 0)]));
    g.bench_function("ndnet_forward_backward", |b| {
        b.iter(|| model.forward_backward(black_box(x.view()), black_box(y.view()), &Mse).expect("fits"))
    });
    g.bench_function("ndnet_optimizer_step", |b| b.iter(|| opt.step(&mut ModelParams(&mut model)).expect("fits")));
    let (xs, ys) = (x.as_slice().expect("contiguous").to_vec(), y.as_slice().expect("contiguous").to_vec());
    g.bench_function("hand_fused", |b| b.iter(|| hand.step(black_box(&xs), black_box(&ys))));
    g.finish();
}

criterion_group!(benches, train_step);
criterion_main!(benches);
