//! What the large products reach of the machine: the fused multiply-add peak
//! (`ndnet_kernels::peak::fma_peak`, 12 independent vector chains per thread) on 1 thread and on
//! every thread, and a 512-wide dense layer's three products at batch 256 (forward with its
//! bias, weight gradient with the bias gradient, input gradient) on 1 thread and on every
//! thread, in ndnet's feature-major layout. `tools/bench/report.py` turns the times into GFLOP/s
//! and shares of the peak. `cargo bench --bench peak`
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ndnet::kernels::gemm::{gemm, gemm_bias, gemm_with_column_sums};
use ndnet::kernels::peak::fma_peak;
use ndnet::kernels::threads::{max_threads, set_max_threads};
use ndnet::ndarray::{Array1, Array2, ShapeBuilder};

/// Rounds of 12 vector FMAs per thread per measurement: 12·10⁶ per thread, a few milliseconds.
const ROUNDS: u64 = 1_000_000;

fn peak(c: &mut Criterion) {
    let all = max_threads();
    let mut g = c.benchmark_group("peak");
    g.sample_size(20);
    for threads in [1, all] {
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

criterion_group!(benches, peak);
criterion_main!(benches);
