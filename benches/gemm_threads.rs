//! Where threads start to pay for a large product: f32 `gemm` of n×n·n×n on 1 thread and on
//! every thread, for n from 64 to 256 (2.6e5 to 1.7e7 multiply-adds). `PARALLEL_GEMM_LIMIT`
//! is set from this. `cargo bench --bench gemm_threads`
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ndnet::kernels::gemm::gemm;
use ndnet::kernels::threads::{max_threads, set_max_threads};
use ndnet::ndarray::Array2;

fn threads(c: &mut Criterion) {
    let all = max_threads();
    let mut g = c.benchmark_group("gemm_threads");
    for n in [64, 96, 112, 128, 136, 144, 152, 160, 192, 256] {
        let a = Array2::from_shape_fn((n, n), |(i, j)| ((i * 7 + j * 3) % 11) as f32 * 0.1);
        let b = Array2::from_shape_fn((n, n), |(i, j)| ((i + j * 5) % 13) as f32 * 0.1);
        let mut out = Array2::zeros((n, n));
        g.throughput(Throughput::Elements((n * n * n) as u64));
        for t in [1, all] {
            g.bench_with_input(BenchmarkId::new(format!("{t}_threads"), n), &n, |bench, _| {
                set_max_threads(t);
                bench.iter(|| gemm(1.0, a.view(), b.view(), 0.0, out.view_mut()));
            });
        }
    }
    g.finish();
    set_max_threads(all);
}

criterion_group!(benches, threads);
criterion_main!(benches);
