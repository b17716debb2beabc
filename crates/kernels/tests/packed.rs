//! The large f32 products (past `SMALL_GEMM_LIMIT`, on a CPU with AVX2 or AVX-512) are, element
//! by element, one chain of fused multiply-adds over `p` in order, then the epilogue — checked
//! bit for bit against that definition written as scalar `mul_add`s, for every layout of A, B
//! and C, every epilogue, tile edges and `k` past one block, at each vector level the CPU has
//! from AVX2 up (so AVX2 and AVX-512 are checked to give the same bits). Thread counts are
//! checked in `ndnet-layers`' `tests/threads.rs`.
use ndarray::{Array1, Array2, ArrayView2, ShapeBuilder};
use ndnet_kernels::gemm::{SMALL_GEMM_LIMIT, column_sums, gemm, gemm_bias, gemm_with_column_sums};
use ndnet_kernels::simd::{self, Level};

fn filled(shape: (usize, usize), column_major: bool, seed: usize) -> Array2<f32> {
    let value = |i: usize, j: usize| (((i * 31 + j * 17 + seed * 7) % 29) as f32 - 14.0) * 0.0731;
    if column_major {
        Array2::from_shape_fn(shape.f(), |(i, j)| value(i, j))
    } else {
        Array2::from_shape_fn(shape, |(i, j)| value(i, j))
    }
}

/// `Σ_p a[i, p]·b[p, j]` as one fused multiply-add chain from zero, over `p` in order.
fn chain(a: &ArrayView2<f32>, b: &ArrayView2<f32>, i: usize, j: usize) -> f32 {
    (0..a.ncols()).fold(0.0f32, |s, p| a[(i, p)].mul_add(b[(p, j)], s))
}

fn bits(c: &Array2<f32>) -> Vec<u32> {
    c.iter().map(|v| v.to_bits()).collect()
}

fn wide_levels() -> Vec<Level> {
    let levels: Vec<Level> = [Level::Avx2, Level::Avx512].into_iter().filter(|&l| l <= simd::supported()).collect();
    println!("levels with a tile on this CPU: {levels:?}");
    levels
}

#[test]
fn large_products_are_fused_multiply_add_chains_in_order() {
    // Tile edges in both directions (6/12 rows, 16/32 columns), k past one block of 256 (and
    // not a multiple of it), a C narrower than one tile, a dense layer's three shapes.
    let shapes = [(70, 300, 50), (13, 256, 97), (100, 513, 40), (37, 129, 61), (6, 1000, 48), (257, 33, 35)];
    for level in wide_levels() {
        for (m, k, n) in shapes {
            assert!(m * k * n > SMALL_GEMM_LIMIT, "{m}×{k}×{n} takes the large path");
            for layout in 0..8 {
                let a = filled((m, k), layout & 1 == 1, 1);
                let b = filled((k, n), layout & 2 == 2, 2);
                let c0 = filled((m, n), layout & 4 == 4, 3);
                let bias = Array1::from_shape_fn(n, |j| j as f32 * 0.125 - 2.0);
                let (a, b) = (a.view(), b.view());
                let expect = |f: &dyn Fn(usize, usize, f32) -> f32| {
                    let mut e = c0.clone();
                    e.indexed_iter_mut().for_each(|((i, j), e)| *e = f(i, j, chain(&a, &b, i, j)));
                    bits(&e)
                };
                let context = format!("{level:?} {m}×{k}×{n} layout {layout:03b}");
                simd::with_level(level, || {
                    let mut c = c0.clone();
                    gemm(0.3, a, b, 0.0, c.view_mut());
                    assert_eq!(bits(&c), expect(&|_, _, s| 0.3 * s), "{context}: α·s");
                    let mut c = c0.clone();
                    gemm_bias(1.0, a, b, bias.view(), c.view_mut());
                    assert_eq!(bits(&c), expect(&|_, j, s| s + bias[j]), "{context}: s + bias");
                    if k <= 256 {
                        let mut c = c0.clone();
                        gemm(0.75, a, b, 0.3, c.view_mut());
                        assert_eq!(bits(&c), expect(&|i, j, s| 0.75 * s + 0.3 * c0[(i, j)]), "{context}: α·s + β·c");
                    }
                    let (mut c, mut sums) = (c0.clone(), vec![f32::NAN; n]);
                    gemm_with_column_sums(1.0, a, b, 0.0, c.view_mut(), &mut sums);
                    assert_eq!(bits(&c), expect(&|_, _, s| s), "{context}: with sums");
                    let mut apart = vec![0.0; n];
                    column_sums(b, &mut apart);
                    let sum_bits = |s: &[f32]| s.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
                    assert_eq!(sum_bits(&sums), sum_bits(&apart), "{context}: column sums");
                });
            }
        }
    }
}

#[test]
fn beta_past_one_block_of_k_and_f64_take_the_fallback_and_are_right() {
    // α·s + β·c with k > 256 cannot keep partial sums in C: matrixmultiply computes it.
    let (a, b) = (filled((40, 600), false, 4), filled((600, 30), true, 5));
    let c0 = filled((40, 30), false, 6);
    let mut c = c0.clone();
    gemm(1.0, a.view(), b.view(), 0.5, c.view_mut());
    let exact = Array2::from_shape_fn((40, 30), |(i, j)| {
        (0..600).map(|p| a[(i, p)] as f64 * b[(p, j)] as f64).sum::<f64>() + 0.5 * c0[(i, j)] as f64
    });
    let worst = c.iter().zip(&exact).map(|(&c, &e)| (c as f64 - e).abs()).fold(0.0, f64::max);
    assert!(worst < 1e-3, "largest error {worst}");
    let (a, b) = (a.mapv(f64::from), b.mapv(f64::from));
    let mut c = Array2::zeros((40, 30));
    gemm(1.0, a.view(), b.view(), 0.0, c.view_mut());
    let worst =
        c.iter().zip(&exact).zip(&c0).map(|((&c, &e), &c0)| (c - (e - 0.5 * c0 as f64)).abs()).fold(0.0, f64::max);
    assert!(worst < 1e-9, "f64: largest error {worst}");
}
