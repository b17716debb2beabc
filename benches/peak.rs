//! What the large products reach of the machine: the fused multiply-add peak
//! (`ndnet_kernels::peak::fma_peak`, 12 independent vector chains per thread) on 1 thread and on
//! every thread, and a 512-wide dense layer's three products at batch 256 (forward with its
//! bias, weight gradient with the bias gradient, input gradient) on 1 thread and on every
//! thread, in ndnet's feature-major layout. `tools/bench/report.py` turns the times into GFLOP/s
//! and shares of the peak.
//!
//! And the rest of a wide step against memory speed (group `memory`): Adam's and RMSprop's
//! updates, a ReLU pass and the batch gather, each beside a copy of as many bytes at the same
//! size (so in the same level of cache or in DRAM). Sizes: the 13 → 512 → 512 → 512 → 1 model's
//! 532,481 parameters (its optimizer state is in L3) and 4·2²⁰ (beyond L3); a 256 × 512
//! activation; a batch of 256 rows of a 20,640 × 13 table. `cargo bench --bench peak`
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ndnet::kernels::gather::gather_rows;
use ndnet::kernels::gemm::{gemm, gemm_bias, gemm_with_column_sums};
use ndnet::kernels::peak::fma_peak;
use ndnet::kernels::threads::{for_each_split, max_threads, set_max_threads};
use ndnet::layers::{Layer, Relu};
use ndnet::ndarray::{Array1, Array2, ShapeBuilder};
use ndnet::optim::{Adam, AdamConfig, Optimizer, RmsProp, RmsPropConfig};
use std::hint::black_box;

/// Rounds of 12 vector FMAs per thread per measurement: 4.8·10⁷ per thread, about 8 ms, so
/// starting the threads (tens of µs) is under 1 % of it.
const ROUNDS: u64 = 4_000_000;

fn peak(c: &mut Criterion) {
    let all = max_threads();
    let mut g = c.benchmark_group("peak");
    g.sample_size(20);
    // Criterion records the throughput beside the time: the floating-point operations of one
    // measurement (12 vector FMAs of 2 operations a lane per round and thread).
    let lanes = match ndnet::kernels::simd::level() {
        ndnet::kernels::simd::Level::Avx512 => 16,
        _ => 8,
    };
    for threads in [1, all] {
        g.throughput(Throughput::Elements(ROUNDS * 12 * lanes * 2 * threads as u64));
        g.bench_function(BenchmarkId::new("fma", threads), |b| b.iter(|| fma_peak(threads, ROUNDS)));
    }
    let (batch, inputs, outputs) = (256, 512, 512);
    let value = |i: usize, j: usize| ((i * 7 + j * 3) % 13) as f32 * 0.1 - 0.6;
    let x = Array2::from_shape_fn((batch, inputs).f(), |(i, j)| value(i, j));
    let w = Array2::from_shape_fn((inputs, outputs), |(i, j)| value(j, i));
    let bias = Array1::from_elem(outputs, 0.5f32);
    let dy = Array2::from_shape_fn((batch, outputs).f(), |(i, j)| value(j, i + 1));
    let (mut y, mut dx) = (Array2::zeros((batch, outputs).f()), Array2::zeros((batch, inputs).f()));
    let (mut dw, mut db) = (Array2::zeros((inputs, outputs)), vec![0.0f32; outputs]);
    g.throughput(Throughput::Elements((batch * inputs * outputs) as u64));
    for threads in [1, all] {
        set_max_threads(threads);
        g.bench_function(BenchmarkId::new("forward", threads), |b| {
            b.iter(|| gemm_bias(1.0, x.view(), w.view(), bias.view(), y.view_mut()))
        });
        g.bench_function(BenchmarkId::new("weight_gradient", threads), |b| {
            b.iter(|| gemm_with_column_sums(1.0, x.t(), dy.view(), 0.0, dw.view_mut(), &mut db))
        });
        g.bench_function(BenchmarkId::new("input_gradient", threads), |b| {
            b.iter(|| gemm(1.0, dy.view(), w.t(), 0.0, dx.view_mut()))
        });
    }
    set_max_threads(all);
    g.finish();
}

/// Bytes each update moves per parameter (f32): Adam reads θ, g, m, v and writes θ, m, v;
/// RMSprop reads θ, g, v and writes θ, v. `report.py` uses the same counts.
fn memory(c: &mut Criterion) {
    let mut g = c.benchmark_group("memory");
    g.sample_size(20);
    for n in [532_481usize, 4 << 20] {
        let (mut w, mut grad) = (Array1::<f32>::from_elem(n, 0.5), Array1::<f32>::from_elem(n, 0.01));
        let mut adam = Adam::new(AdamConfig::pytorch(1e-3)).expect("valid");
        let mut rmsprop = RmsProp::new(RmsPropConfig::keras(1e-3)).expect("valid");
        g.bench_function(BenchmarkId::new("adam", n), |b| {
            b.iter(|| adam.step(&mut [(&mut w, &mut grad)]).expect("fits"))
        });
        g.bench_function(BenchmarkId::new("rmsprop", n), |b| {
            b.iter(|| rmsprop.step(&mut [(&mut w, &mut grad)]).expect("fits"))
        });
        // A copy of 7n floats reads 7n·4 bytes and writes as many: set beside Adam's 7n·4.
        let src = vec![1.0f32; 7 * n / 2];
        let mut dst = vec![0.0f32; 7 * n / 2];
        g.bench_function(BenchmarkId::new("copy_7n", n), |b| b.iter(|| copy(&mut dst, &src)));
    }
    let x = Array2::from_shape_fn((256, 512).f(), |(i, j)| (i as f32 - j as f32) * 0.01);
    let mut y = Array2::zeros((256, 512).f());
    g.bench_function("relu_256x512", |b| b.iter(|| Relu.forward(x.view(), y.view_mut())));
    let (src, mut dst) = (vec![1.0f32; 256 * 512], vec![0.0f32; 256 * 512]);
    // On one thread, as the activation passes run.
    g.bench_function("copy_256x512", |b| b.iter(|| dst.copy_from_slice(black_box(&src))));
    let table: Vec<f32> = (0..20_640 * 13).map(|i| i as f32).collect();
    let order: Vec<usize> = (0..256).map(|i| (i * 7_919) % 20_640).collect();
    let mut batch = vec![0.0f32; 256 * 13];
    g.bench_function("gather_256x13", |b| b.iter(|| gather_rows(&table, 13, &order, &mut batch)));
    g.finish();
}

/// A copy split across threads as the updates are (`threads::for_each_split`).
fn copy(dst: &mut [f32], src: &[f32]) {
    for_each_split((dst, black_box(src)), &|(d, s): (&mut [f32], &[f32])| d.copy_from_slice(s));
}

criterion_group!(benches, peak, memory);
criterion_main!(benches);
