//! Tabular networks as people train them: one epoch over 20,640 rows × 13 standardised inputs,
//! Adam (PyTorch preset, lr 1e-3), MSE, batch 256, reshuffled every epoch, for
//! 13 → 256 → 256 → 1 and 13 → 512 → 512 → 512 → 1 (ReLU). `tools/bench/frameworks.py` times the
//! same epochs in PyTorch and JAX. `cargo bench --bench wide_epochs`
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ndnet::layers::Mse;
use ndnet::ndarray::Array2;
use ndnet::optim::{Adam, AdamConfig};
use ndnet::rand::{Rng, SeedableRng};
use ndnet::trainer::{Batches, Trainer, TrainerConfig};

#[path = "support/mod.rs"]
mod support;

/// The shapes, named as `frameworks.py` names them.
const SHAPES: [(&str, &[usize]); 2] =
    [("13_256_256_1", &[13, 256, 256, 1]), ("13_512_512_512_1", &[13, 512, 512, 512, 1])];
const ROWS: usize = 20_640;

fn wide_epochs(c: &mut Criterion) {
    let mut rng = ndnet::rand_chacha::ChaCha8Rng::seed_from_u64(5);
    let x = Array2::from_shape_fn((ROWS, 13), |_| rng.random_range(-2.0f32..2.0));
    let y =
        Array2::from_shape_fn((ROWS, 1), |(i, _)| 0.5 * x[(i, 0)] - 0.3 * x[(i, 1)] * x[(i, 2)] + x[(i, 3)].max(0.0));
    let mut g = c.benchmark_group("wide_epochs");
    g.sample_size(10);
    for (name, widths) in SHAPES {
        let mut model = support::model(0, widths);
        let mut opt = Adam::new(AdamConfig::pytorch(1e-3)).expect("valid");
        let mut batches = Batches::new(x.clone(), y.clone(), 256).expect("valid");
        let mut trainer = Trainer::new(TrainerConfig::new(1).with_verbose(false)).expect("valid");
        g.throughput(Throughput::Elements(ROWS as u64));
        let mut epoch = 0;
        g.bench_function(BenchmarkId::new("ndnet", name), |b| {
            b.iter(|| {
                epoch += 1;
                trainer.run_epoch(epoch, &mut model, &Mse, &mut opt, &mut batches).expect("fits")
            })
        });
    }
    g.finish();
}

criterion_group!(benches, wide_epochs);
criterion_main!(benches);
