//! Every vector width gives the baseline's bits: the kernels (products in every layout and
//! epilogue, column sums, f32 and f64) and whole training runs, at each level this CPU has,
//! against the baseline copy. On a CPU without AVX-512 (or AVX2) the missing levels are capped
//! to the widest it has, and the test says which levels it covered.
use ndnet::kernels::gemm::{column_sums, gemm, gemm_bias, gemm_with_column_sums};
use ndnet::layers::simd::{self, Level};
use ndnet::ndarray::{Array1, Array2, ArrayView2, ShapeBuilder};
use ndnet::prelude::*;
use ndnet::rand::Rng;

fn levels() -> Vec<Level> {
    let levels: Vec<Level> = Level::ALL.into_iter().filter(|&l| l <= simd::supported()).collect();
    println!("levels covered: {levels:?}");
    levels
}

fn random<F: ndnet::ndarray::NdFloat>(rng: &mut ChaCha8Rng, shape: (usize, usize), column_major: bool) -> Array2<F> {
    let values: Vec<F> = (0..shape.0 * shape.1).map(|_| F::from(rng.random_range(-2.0..2.0)).unwrap()).collect();
    if column_major {
        Array2::from_shape_vec(shape.f(), values).unwrap()
    } else {
        Array2::from_shape_vec(shape, values).unwrap()
    }
}

/// Runs `f` with the kernels capped at `level`.
fn at<R>(level: Level, f: impl FnOnce() -> R) -> R {
    simd::with_level(level, f)
}

fn products<F: ndnet::ndarray::NdFloat>(bits: impl Fn(&Array2<F>) -> Vec<u64>) {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    // The headline shapes, every tile edge (1..40 columns), and inner sizes that pick each
    // panel (≤ 64, ≤ 256, larger).
    let mut shapes = vec![(32, 10, 10), (32, 10, 1), (10, 32, 10), (10, 32, 1), (32, 1, 10), (7, 300, 9)];
    shapes.extend((1..=40).map(|n| (10, 32, n)));
    shapes.extend([(3, 70, 17), (20, 5, 33), (9, 64, 16), (17, 129, 5), (33, 3, 65)]);
    let levels = levels();
    for &(m, k, n) in &shapes {
        for layout in 0..8 {
            let a = random::<F>(&mut rng, (m, k), layout & 1 == 1);
            let b = random::<F>(&mut rng, (k, n), layout & 2 == 2);
            let bias = Array1::from_shape_fn(n, |j| F::from(j as f64 * 0.25 - 1.0).unwrap());
            let c0 = random::<F>(&mut rng, (m, n), layout & 4 == 4);
            let run = |level: Level| {
                at(level, || {
                    let mut outs = Vec::new();
                    // 0.3: β·C rounds, so a fused multiply-add in the epilogue would show.
                    for beta in [0.0, 1.0, 0.5, 0.3] {
                        let mut c = c0.clone();
                        gemm(F::from(0.75).unwrap(), a.view(), b.view(), F::from(beta).unwrap(), c.view_mut());
                        outs.push(bits(&c));
                    }
                    let mut c = c0.clone();
                    gemm_bias(F::one(), a.view(), b.view(), bias.view(), c.view_mut());
                    outs.push(bits(&c));
                    let mut sums = vec![F::zero(); n];
                    column_sums(c.view(), &mut sums);
                    outs.push(sums.iter().map(|v| v.to_f64().unwrap().to_bits()).collect());
                    // A weight and bias gradient in one call: the same bits as the two calls.
                    let (mut c, mut b_sums) = (c0.clone(), vec![F::nan(); n]);
                    gemm_with_column_sums(F::one(), a.view(), b.view(), F::zero(), c.view_mut(), &mut b_sums);
                    let (mut apart, mut apart_sums) = (c0.clone(), vec![F::zero(); n]);
                    gemm(F::one(), a.view(), b.view(), F::zero(), apart.view_mut());
                    column_sums(b.view(), &mut apart_sums);
                    assert!(bits(&c) == bits(&apart), "{m}×{k}×{n}, layout {layout:03b}: product");
                    let sum_bits = |s: &[F]| s.iter().map(|v| v.to_f64().unwrap().to_bits()).collect::<Vec<_>>();
                    assert_eq!(sum_bits(&b_sums), sum_bits(&apart_sums), "{m}×{k}×{n}, layout {layout:03b}: sums");
                    outs.push(sum_bits(&b_sums));
                    outs
                })
            };
            let baseline = run(Level::Baseline);
            for &level in &levels[1..] {
                assert!(run(level) == baseline, "{m}×{k}×{n}, layout {layout:03b}: {level} differs from baseline");
            }
        }
    }
}

#[test]
fn products_and_column_sums_are_the_baselines_bits_at_every_level() {
    products::<f32>(|c| c.iter().map(|v| u64::from(v.to_bits())).collect());
    products::<f64>(|c| c.iter().map(|v| v.to_bits()).collect());
}

/// Three epochs of the headline model on a shuffled synthetic table (a partial last batch
/// included), with Adam, and leaky-ReLU and tanh models too: every parameter's bits.
fn training_run(activation: Activation) -> Vec<u32> {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let x: Array2<f32> = random(&mut rng, (1_000, 10), false);
    let y = Array2::from_shape_fn((1_000, 1), |(i, _)| x[(i, 0)] - 0.5 * x[(i, 3)] * x[(i, 4)]);
    let mut model =
        Sequential::<f32>::mlp_with(&[10, 10, 1], || activation, &mut ChaCha8Rng::seed_from_u64(0)).unwrap();
    let mut optimizer = RmsProp::new(RmsPropConfig::keras(1e-3)).unwrap();
    let mut trainer = Trainer::new(TrainerConfig::new(3).with_seed(1).with_verbose(false)).unwrap();
    let mut batches = Batches::new(x.clone(), y.clone(), 32).unwrap();
    trainer.fit(&mut model, &Mse, &mut optimizer, &mut batches, Some((&x, &y))).unwrap();
    let mut adam = Adam::new(AdamConfig::pytorch(1e-3)).unwrap();
    trainer.fit(&mut model, &Mse, &mut adam, &mut batches, None).unwrap();
    let predictions = model.predict(ArrayView2::from(&x)).unwrap();
    let mut bits: Vec<u32> = model.snapshot().iter().flat_map(|(_, t)| t.iter().map(|v| v.to_bits())).collect();
    bits.extend(predictions.iter().map(|v| v.to_bits()));
    bits.extend(trainer.history().epochs.iter().map(|e| e.train_loss.to_bits() as u32));
    bits
}

#[test]
fn training_runs_are_the_baselines_bits_at_every_level() {
    for activation in [Activation::Relu, Activation::LeakyRelu(0.1), Activation::Tanh] {
        let baseline = at(Level::Baseline, || training_run(activation));
        for level in levels().into_iter().skip(1) {
            assert!(at(level, || training_run(activation)) == baseline, "{activation:?}: {level} differs");
        }
    }
}

/// Gathered batches are the table's rows in order, at every level: tables 1 to 20 columns wide
/// (the AVX-512 transpose takes up to 16), batches that fill 16-row blocks and ones that do
/// not, repeated rows, f32 and f64, row-major and column-major tables.
#[test]
fn gathered_batches_are_the_tables_rows_at_every_level() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let levels = levels();
    for width in 1..=20 {
        for rows in [1, 5, 16, 17, 32, 33, 40] {
            let order: Vec<usize> = (0..rows).map(|_| rng.random_range(0..50)).collect();
            for column_major in [false, true] {
                let table: Array2<f32> = random(&mut rng, (50, width), column_major);
                let expected = table.select(ndnet::ndarray::Axis(0), &order);
                let table64 = table.mapv(f64::from);
                for &level in &levels {
                    let mut buffer = ndnet::layers::Buffer::default();
                    let got = at(level, || buffer.gather(table.view(), &order).to_owned());
                    let same = got.iter().zip(&expected).all(|(a, b)| a.to_bits() == b.to_bits());
                    assert!(same && got.dim() == expected.dim(), "{width} wide, {rows} rows, {level}");
                    let mut buffer = ndnet::layers::Buffer::default();
                    let got = at(level, || buffer.gather(table64.view(), &order).to_owned());
                    assert_eq!(got, expected.mapv(f64::from), "f64, {width} wide, {rows} rows, {level}");
                }
            }
        }
    }
}
