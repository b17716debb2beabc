//! RMSprop, Adam and SGD updates over 1e3, 1e5 and 1e7 parameters, in elements per second, next to
//! a plain copy of the same bytes (the memory-bandwidth bound); and where splitting an update
//! across threads starts to pay (`ndnet::kernels::threads::PARALLEL_ELEMENTS`).
//! `cargo bench --bench optimizer_update`
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ndnet::kernels::{simd, threads};
use ndnet::ndarray::Array1;
use ndnet::optim::{Adam, AdamConfig, Optimizer, RmsProp, RmsPropConfig, Sgd, SgdConfig};
use std::hint::black_box;

fn optimizer_update(c: &mut Criterion) {
    let mut g = c.benchmark_group("optimizer_update");
    for n in [1_000usize, 100_000, 10_000_000] {
        g.throughput(Throughput::Elements(n as u64));
        if n == 10_000_000 {
            g.sample_size(10);
        }
        let mut w = Array1::<f32>::from_elem(n, 0.5);
        let mut grad = Array1::<f32>::from_elem(n, 0.01);
        let mut opts: Vec<(&str, Box<dyn Optimizer<f32>>)> = vec![
            ("rmsprop_keras", Box::new(RmsProp::new(RmsPropConfig::keras(1e-3)).expect("valid"))),
            ("rmsprop_pytorch", Box::new(RmsProp::new(RmsPropConfig::pytorch(1e-3)).expect("valid"))),
            ("adam_pytorch", Box::new(Adam::new(AdamConfig::pytorch(1e-3)).expect("valid"))),
            ("adam_keras", Box::new(Adam::new(AdamConfig::keras(1e-3)).expect("valid"))),
            ("sgd_momentum", Box::new(Sgd::new(SgdConfig::new(1e-3).with_momentum(0.9)).expect("valid"))),
            ("sgd", Box::new(Sgd::new(SgdConfig::new(1e-3)).expect("valid"))),
        ];
        for (name, opt) in &mut opts {
            g.bench_function(BenchmarkId::new(*name, n), |b| {
                b.iter(|| opt.step(&mut [(&mut w, &mut grad)]).expect("fits"))
            });
        }
        // RMSprop reads θ, g, v and writes θ, v: 5 × 4 bytes per element; a copy of n floats
        // moves 8 bytes per element. Compare rates with that in mind.
        let src = vec![1.0f32; n];
        let mut dst = vec![0.0f32; n];
        g.bench_function(BenchmarkId::new("copy", n), |b| b.iter(|| dst.copy_from_slice(black_box(&src))));
    }
    g.finish();
}

/// Keras RMSprop's element rule over `n` elements in 1 block and in 2 (one per core), forced
/// whatever `PARALLEL_ELEMENTS` says: the threshold is where 2 blocks start to win.
fn split(c: &mut Criterion) {
    let mut g = c.benchmark_group("optimizer_split");
    for n in [32_768usize, 65_536, 98_304, 131_072, 196_608, 262_144, 393_216] {
        g.throughput(Throughput::Elements(n as u64));
        let mut theta = vec![0.5f32; n];
        let grad: Vec<f32> = (0..n).map(|i| (i as f32).sin() * 0.01).collect();
        let mut v = vec![0.0f32; n];
        let (rho, omr, eps, lr) = (0.9f32, 0.1f32, 1e-7f32, 1e-3f32);
        let update = |(theta, grad, v): (&mut [f32], &[f32], &mut [f32])| {
            simd::dispatch(
                #[inline(always)]
                || {
                    theta.iter_mut().zip(grad).zip(v).for_each(|((t, &g), v)| {
                        *v = rho * *v + omr * (g * g);
                        *t -= lr * g / (*v + eps).sqrt();
                    })
                },
            )
        };
        for blocks in [1, 2] {
            g.bench_function(BenchmarkId::new(format!("{blocks}_blocks"), n), |b| {
                b.iter(|| threads::for_each_split_in(blocks, (&mut theta[..], &grad[..], &mut v[..]), &update))
            });
        }
    }
    g.finish();
}

criterion_group!(benches, optimizer_update, split);
criterion_main!(benches);
