//! A matmul-bound shape: 256 → 512 → 512 → 1, batch 256, one training step (RMSprop).
//! `cargo bench --bench wide`
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ndnet::layers::{Model, Mse};
use ndnet::ndarray::Array2;
use ndnet::optim::{Optimizer, RmsProp, RmsPropConfig};
use ndnet::rand::{Rng, SeedableRng};
use ndnet::trainer::ModelParams;

#[path = "support/mod.rs"]
mod support;

fn wide(c: &mut Criterion) {
    let mut rng = ndnet::rand_chacha::ChaCha8Rng::seed_from_u64(3);
    let x = Array2::from_shape_fn((256, 256), |_| rng.random_range(-1.0f32..1.0));
    let y = Array2::from_shape_fn((256, 1), |_| rng.random_range(-1.0f32..1.0));
    let mut model = support::model(0, &[256, 512, 512, 1]);
    let mut opt = RmsProp::new(RmsPropConfig::keras(1e-4)).expect("valid");
    let mut g = c.benchmark_group("wide");
    // multiply-adds per step: forward 256·(256·512 + 512·512 + 512), backward about twice that
    g.throughput(Throughput::Elements(256 * (256 * 512 + 512 * 512 + 512) * 3));
    g.bench_function("ndnet_step", |b| {
        b.iter(|| {
            let loss = model.forward_backward(x.view(), y.view(), &Mse).expect("fits");
            opt.step(&mut ModelParams(&mut model)).expect("fits");
            loss
        })
    });
    g.finish();
}

criterion_group!(benches, wide);
criterion_main!(benches);
