//! Dense by hand: forward and backward against hand-computed values, seeded initialisers, bad configurations.

use ndarray::array;
use ndarray::{Array1, Array2};
use ndnet_layers::{Dense, DenseConfig, Init, Layer};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

#[test]
fn forward_and_backward_match_hand_computed_values() {
    // W = [[1, 2], [3, 4], [5, 6]], b = [0.5, -1], x = [[1, 0, -1], [2, 1, 0]]
    let mut d = Dense::from_arrays(array![[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], array![0.5, -1.0]).unwrap();
    let x = array![[1.0, 0.0, -1.0], [2.0, 1.0, 0.0]];
    let mut y = Array2::zeros((2, 2));
    d.forward(x.view(), y.view_mut());
    // row 0: [1-5, 2-6] + b = [-3.5, -5]; row 1: [2+3, 4+4] + b = [5.5, 7]
    assert_eq!(y, array![[-3.5, -5.0], [5.5, 7.0]]);

    let dy = array![[1.0, -1.0], [0.5, 2.0]];
    let mut dx = Array2::zeros((2, 3));
    d.backward(x.view(), y.view(), dy.view(), Some(dx.view_mut()));
    // dW = xᵀ·dy
    assert_eq!(d.grad_weight(), &array![[2.0, 3.0], [0.5, 2.0], [-1.0, 1.0]]);
    assert_eq!(d.grad_bias(), &array![1.5, 1.0]);
    // dx = dy·Wᵀ: row 0 = [1-2, 3-4, 5-6]; row 1 = [0.5+4, 1.5+8, 2.5+12]
    assert_eq!(dx, array![[-1.0, -1.0, -1.0], [4.5, 9.5, 14.5]]);
}

#[test]
fn same_seed_same_bits_different_seed_different_weights() {
    let cfg = DenseConfig::new(10, 10);
    let a: Dense<f32> = cfg.init(&mut ChaCha8Rng::seed_from_u64(42)).unwrap();
    let b: Dense<f32> = cfg.init(&mut ChaCha8Rng::seed_from_u64(42)).unwrap();
    let c: Dense<f32> = cfg.init(&mut ChaCha8Rng::seed_from_u64(43)).unwrap();
    let bits = |d: &Dense<f32>| d.weight().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&a), bits(&b));
    assert_ne!(bits(&a), bits(&c));
    assert!(a.bias().iter().all(|&v| v == 0.0));
}

#[test]
fn initialisers_respect_their_bounds_and_spread() {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let (i, o) = (64, 32);
    for (init, bound) in [
        (Init::GlorotUniform, (6.0 / (i + o) as f64).sqrt()),
        (Init::HeUniform, (6.0 / i as f64).sqrt()),
        (Init::TorchLinear, 1.0 / (i as f64).sqrt()),
    ] {
        let w: Array2<f64> = init.sample((i, o), i, o, &mut rng).unwrap();
        let max = w.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
        assert!(max <= bound, "{init:?}: {max} > {bound}");
        // 2048 draws from U(-a, a) reach beyond 0.9·a on both sides with near certainty.
        assert!(w.iter().any(|&v| v > 0.9 * bound) && w.iter().any(|&v| v < -0.9 * bound), "{init:?}");
        let mean = w.sum() / w.len() as f64;
        assert!(mean.abs() < 0.1 * bound, "{init:?} mean {mean}");
    }
}

#[test]
fn bad_configs_are_errors() {
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let err = DenseConfig::new(0, 3).init::<f64, _>(&mut rng).unwrap_err();
    assert_eq!(err.to_string(), "invalid Dense inputs = 0: allowed ≥ 1");
    let err = Dense::from_arrays(Array2::<f64>::zeros((2, 3)), Array1::zeros(2)).unwrap_err();
    assert_eq!(err.to_string(), "Dense bias: expected shape 1 × 3, got 1 × 2");
    let err = Init::Uniform { low: 1.0, high: 0.0 }.sample::<f64, _, _>(3, 1, 1, &mut rng).unwrap_err();
    assert!(err.to_string().contains("low < high"), "{err}");
}
