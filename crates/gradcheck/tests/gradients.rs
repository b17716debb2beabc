//! Every backward pass against central finite differences, in f64.

use ndarray::{Array2, ArrayView2};
use ndnet_gradcheck::{self as gradcheck, GradCheck, GradReport};
use ndnet_layers::{DenseConfig, Init, Layer, LayerError, Model, Mse, Relu, Sequential};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

const TOL: f64 = 1e-6;

/// Deterministic inputs whose every element is at least 0.05 away from 0 (ReLU's kink).
fn batch(rows: usize, cols: usize, seed: u64) -> Array2<f64> {
    Array2::from_shape_fn((rows, cols), |(i, j)| {
        let v = ((i * 13 + j * 7) as f64 + seed as f64 * 0.37).sin();
        if v.abs() < 0.05 { v.signum() * 0.05 + v } else { v }
    })
}

fn assert_ok(what: &str, report: &GradReport) {
    println!("{what}:\n{report}");
    assert!(report.max_rel_error() <= TOL, "{what}: max rel error {:e} > {TOL:e}\n{report}", report.max_rel_error());
}

#[test]
fn dense_gradients() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let mut dense = DenseConfig::new(10, 7).with_bias_init(Init::TorchLinear).init::<f64, _>(&mut rng).unwrap();
    let report = gradcheck::check_layer(&mut dense, batch(8, 10, 1).view()).unwrap();
    assert_ok("Dense", &report);
    assert_eq!(report.tensors.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["weight", "bias", "input"]);
}

#[test]
fn relu_gradients_away_from_the_kink() {
    let x = batch(9, 6, 2);
    assert!(x.iter().all(|v| v.abs() >= 0.01));
    let report = gradcheck::check_layer(&mut Relu, x.view()).unwrap();
    assert_ok("Relu", &report);
}

#[test]
fn mse_gradients() {
    let report = gradcheck::check_loss(&Mse, batch(16, 3, 3).view(), batch(16, 3, 4).view()).unwrap();
    assert_ok("Mse", &report);
}

#[test]
fn whole_10_10_1_model_with_mse() {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let mut model = Sequential::<f64>::new()
        .push(DenseConfig::new(10, 10).with_bias_init(Init::TorchLinear).init(&mut rng).unwrap())
        .push(Relu)
        .push(DenseConfig::new(10, 1).with_bias_init(Init::TorchLinear).init(&mut rng).unwrap());
    let (x, y) = (batch(32, 10, 6), batch(32, 1, 7));
    // Dense + ReLU + MSE is piecewise quadratic in every element, so the central difference has
    // no truncation error and a larger step only shrinks rounding error (ε·L/h). The input
    // gradients are small (the mean divides by 32), so the default step would leave ~1e-11 of
    // noise on values of ~1e-5. No pre-activation lies within 1e-4·|W| of ReLU's kink for this data.
    let report = GradCheck::default().with_step(1e-4).check_model(&mut model, &Mse, x.view(), y.view()).unwrap();
    assert_ok("10 → 10 → 1 + Mse", &report);
    let names: Vec<_> = report.tensors.iter().map(|t| t.name.clone()).collect();
    assert_eq!(names, ["0.weight", "0.bias", "2.weight", "2.bias", "input"]);
}

#[test]
fn a_wrong_backward_pass_is_caught() {
    /// y = 3x with a backward pass that forgets the 3.
    struct Wrong;
    impl Layer<f64> for Wrong {
        fn kind(&self) -> &'static str {
            "Wrong"
        }
        fn output_width(&self, w: usize) -> ndnet_layers::Result<usize> {
            Ok(w)
        }
        fn forward(&mut self, x: ArrayView2<f64>, mut y: ndarray::ArrayViewMut2<f64>) {
            y.assign(&(&x * 3.0));
        }
        fn backward(
            &mut self,
            _: ArrayView2<f64>,
            _: ArrayView2<f64>,
            dy: ArrayView2<f64>,
            dx: Option<ndarray::ArrayViewMut2<f64>>,
        ) {
            if let Some(mut dx) = dx {
                dx.assign(&dy);
            }
        }
    }
    let report = gradcheck::check_layer(&mut Wrong, batch(3, 2, 0).view()).unwrap();
    assert!(report.get("input").unwrap().max_rel_error > 0.5, "{report}");
}

fn model<F: ndarray::NdFloat>(seed: u64) -> Sequential<F> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    Sequential::new()
        .push(DenseConfig::new(10, 10).init(&mut rng).unwrap())
        .push(Relu)
        .push(DenseConfig::new(10, 1).init(&mut rng).unwrap())
}

#[test]
fn f32_and_f64_models_agree() {
    let x64 = batch(32, 10, 8);
    let y64 = batch(32, 1, 9);
    let (x32, y32) = (x64.mapv(|v| v as f32), y64.mapv(|v| v as f32));
    let mut m64 = model::<f64>(3);
    let mut m32 = model::<f32>(3);
    let l64 = m64.forward_backward(x64.view(), y64.view(), &Mse).unwrap();
    let l32 = m32.forward_backward(x32.view(), y32.view(), &Mse).unwrap();
    assert!(((l32 as f64) - l64).abs() < 1e-5 * l64.abs().max(1.0), "{l32} vs {l64}");
    let mut g64 = Vec::new();
    m64.visit_params_mut(&mut |_, _, grad, _| g64.extend(grad.iter().copied()));
    let mut g32 = Vec::new();
    m32.visit_params_mut(&mut |_, _, grad, _| g32.extend(grad.iter().map(|&v| v as f64)));
    for (a, b) in g64.iter().zip(&g32) {
        assert!((a - b).abs() < 1e-4 * a.abs().max(1e-2), "{a} vs {b}");
    }
}

#[test]
fn shape_errors_name_expected_and_actual() {
    let mut m = model::<f64>(0);
    let err = m.forward(Array2::zeros((4, 9)).view()).unwrap_err();
    assert_eq!(err.to_string(), "model input: expected 10 input columns, got 9");
    let err = m.forward_backward(Array2::zeros((4, 10)).view(), Array2::zeros((4, 2)).view(), &Mse).unwrap_err();
    assert_eq!(err.to_string(), "Mse target: expected shape 4 × 1, got 4 × 2");
    let err = m.forward(Array2::zeros((0, 10)).view()).unwrap_err();
    assert!(matches!(err, LayerError::EmptyBatch { rows: 0, cols: 10, .. }), "{err}");
    let err = m.backward(Array2::zeros((3, 10)).view(), Array2::zeros((3, 1)).view()).unwrap_err();
    assert!(matches!(err, LayerError::NoForward { .. }), "{err}");

    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let mut bad = Sequential::<f64>::new()
        .push(DenseConfig::new(3, 4).init(&mut rng).unwrap())
        .push(Relu)
        .push(DenseConfig::new(5, 1).init(&mut rng).unwrap());
    let err = bad.forward(Array2::zeros((2, 3)).view()).unwrap_err();
    assert_eq!(err.to_string(), "layer 2 (Dense): expected 5 input columns, got 4");
    assert!(matches!(Sequential::<f64>::new().forward(Array2::zeros((1, 1)).view()), Err(LayerError::EmptyModel)));
}

#[test]
fn snapshot_restore_round_trip_and_mismatch() {
    let mut a = model::<f64>(1);
    let b = model::<f64>(2);
    a.restore(&b.snapshot()).unwrap();
    assert_eq!(a.snapshot(), b.snapshot());
    let mut wrong = b.snapshot();
    wrong[2].0 = "2.kernel".into();
    let err = a.restore(&wrong).unwrap_err();
    assert!(err.to_string().contains("`2.weight`") && err.to_string().contains("`2.kernel`"), "{err}");
    assert!(matches!(a.restore(&wrong[..3]), Err(LayerError::ParamCount { expected: 4, actual: 3 })));
}

#[test]
fn smaller_batches_reuse_the_larger_buffers() {
    let mut m = model::<f64>(4);
    let x = batch(32, 10, 1);
    let full = m.predict(x.view()).unwrap();
    let part = m.predict(x.slice(ndarray::s![..5, ..])).unwrap();
    assert_eq!(part, full.slice(ndarray::s![..5, ..]));
}

#[test]
fn activation_gradients() {
    use ndnet_layers::{Activation, Gelu, LeakyRelu, Sigmoid, Tanh};
    let x = batch(9, 6, 5);
    let layers: [(&str, &mut dyn Layer<f64>); 6] = [
        ("Gelu", &mut Gelu),
        ("Tanh", &mut Tanh),
        ("Sigmoid", &mut Sigmoid),
        ("LeakyRelu (0.01, inputs ≥ 0.05 from the kink)", &mut LeakyRelu::default()),
        ("LeakyRelu (0.2)", &mut LeakyRelu { slope: 0.2 }),
        ("Activation::Tanh", &mut Activation::Tanh),
    ];
    for (name, layer) in layers {
        let report = gradcheck::check_layer(layer, x.view()).unwrap();
        assert_eq!(report.get("input").unwrap().elements, 54, "{name}");
        assert_ok(name, &report);
    }
}

#[test]
fn loss_gradients() {
    use ndnet_layers::{BceWithLogits, CrossEntropy, Huber, Mae, Quantile};
    let (p, t) = (batch(16, 3, 3), batch(16, 3, 4));
    // |p − t| stays ≥ 1e-3 here, away from the kinks of Mae (0) and Huber (±δ).
    assert!(p.iter().zip(&t).all(|(a, b)| (a - b).abs() > 1e-3 && ((a - b).abs() - 0.5).abs() > 1e-3));
    let probabilities = t.mapv(|v| (v + 1.0) / 2.0); // targets in [0, 1]
    let classes = Array2::from_shape_fn((16, 1), |(i, _)| (i % 3) as f64);
    let logits = p.mapv(|v| 3.0 * v);
    let (q1, q9) = (Quantile::new(0.1).unwrap(), Quantile::new(0.9).unwrap());
    let cases: [(&str, &dyn ndnet_layers::Loss<f64>, ArrayView2<f64>, ArrayView2<f64>); 7] = [
        ("Mae", &Mae, p.view(), t.view()),
        ("Quantile (τ 0.1)", &q1, p.view(), t.view()),
        ("Quantile (τ 0.9)", &q9, p.view(), t.view()),
        ("Huber (δ 0.5)", &Huber::new(0.5), p.view(), t.view()),
        ("Huber (δ 1)", &Huber::default(), p.view(), t.view()),
        ("BceWithLogits", &BceWithLogits, logits.view(), probabilities.view()),
        ("CrossEntropy", &CrossEntropy, logits.view(), classes.view()),
    ];
    for (name, loss, prediction, target) in cases {
        let report = gradcheck::check_loss(loss, prediction, target).unwrap();
        assert_eq!(report.tensors[0].elements, 48, "{name}");
        assert_ok(name, &report);
    }
}

#[test]
fn classification_losses_are_finite_for_huge_logits() {
    use ndnet_layers::{BceWithLogits, CrossEntropy, Loss};
    let z = ndarray::array![[1e4_f64, -1e4, 0.0], [-1e4, 1e4, 3.0]];
    let classes = ndarray::array![[1.0], [0.0]];
    let mut g = Array2::zeros((2, 3));
    let ce = CrossEntropy.loss_and_grad(z.view(), classes.view(), g.view_mut()).unwrap();
    assert!(ce.is_finite() && g.iter().all(|v| v.is_finite()), "{ce} {g}");
    assert!((ce - 2e4).abs() < 1e-6, "each row is 2e4 off: {ce}");
    let y = ndarray::array![[1.0, 0.0, 1.0], [1.0, 1.0, 0.0]];
    let bce = BceWithLogits.loss_and_grad(z.view(), y.view(), g.view_mut()).unwrap();
    assert!(bce.is_finite() && g.iter().all(|v| v.is_finite()), "{bce} {g}");
}

#[test]
fn mlp_with_each_activation_and_loss_passes() {
    use ndnet_layers::{Activation, BceWithLogits, Huber, Mae};
    for activation in [Activation::Tanh, Activation::Sigmoid, Activation::LeakyRelu(0.1)] {
        let mut m = Sequential::<f64>::mlp_with(&[4, 6, 1], || activation, &mut ChaCha8Rng::seed_from_u64(2)).unwrap();
        let (x, y) = (batch(8, 4, 2), batch(8, 1, 3));
        let probabilities = y.mapv(|v| (v + 1.0) / 2.0);
        let losses: [(&dyn ndnet_layers::Loss<f64>, &Array2<f64>); 3] =
            [(&Mae, &y), (&Huber::new(0.3), &y), (&BceWithLogits, &probabilities)];
        for (loss, y) in losses {
            let report = gradcheck::check_model(&mut m, loss, x.view(), y.view()).unwrap();
            assert_ok(&format!("4 → 6 ({activation:?}) → 1"), &report);
        }
    }
}

/// A Dense layer whose backward pass gets the weight or bias gradient slightly wrong.
struct Mutant {
    dense: ndnet_layers::Dense<f64>,
    wrong: &'static str,
}

impl Layer<f64> for Mutant {
    fn kind(&self) -> &'static str {
        "Mutant"
    }
    fn output_width(&self, w: usize) -> ndnet_layers::Result<usize> {
        self.dense.output_width(w)
    }
    fn forward(&mut self, x: ArrayView2<f64>, y: ndarray::ArrayViewMut2<f64>) {
        self.dense.forward(x, y);
    }
    fn backward(
        &mut self,
        x: ArrayView2<f64>,
        y: ArrayView2<f64>,
        dy: ArrayView2<f64>,
        dx: Option<ndarray::ArrayViewMut2<f64>>,
    ) {
        self.dense.backward(x, y, dy, dx);
        let wrong = self.wrong;
        self.dense.visit_params_mut(&mut |_, _, grad, name| {
            if name == wrong {
                grad[0] *= 1.01; // one element 1 % off
            }
        });
    }
    fn visit_params(&self, f: &mut dyn FnMut(&'static str, ndarray::ArrayViewD<'_, f64>)) {
        self.dense.visit_params(f);
    }
    fn visit_params_mut(&mut self, f: &mut dyn FnMut(&[usize], &mut [f64], &mut [f64], &'static str)) {
        self.dense.visit_params_mut(f);
    }
}

fn mutant(wrong: &'static str, inputs: usize, outputs: usize) -> Mutant {
    let dense = DenseConfig::new(inputs, outputs)
        .with_bias_init(Init::TorchLinear)
        .init(&mut ChaCha8Rng::seed_from_u64(8))
        .unwrap();
    Mutant { dense, wrong }
}

#[test]
fn wrong_parameter_gradients_are_caught_in_a_layer_and_in_a_model() {
    for wrong in ["weight", "bias"] {
        let report = gradcheck::check_layer(&mut mutant(wrong, 4, 3), batch(5, 4, 1).view()).unwrap();
        let bad = report.get(wrong).unwrap();
        assert!(bad.max_rel_error > 1e-3, "{wrong}: {report}");
        let other = if wrong == "weight" { "bias" } else { "weight" };
        assert!(report.get(other).unwrap().max_rel_error < TOL, "{report}");

        let mut model = Sequential::<f64>::new().push(mutant(wrong, 4, 3)).push(Relu).push(mutant("none", 3, 2));
        let report = gradcheck::check_model(&mut model, &Mse, batch(5, 4, 2).view(), batch(5, 2, 3).view()).unwrap();
        assert!(report.get(&format!("0.{wrong}")).unwrap().max_rel_error > 1e-3, "{report}");
        assert!(report.get("2.weight").unwrap().max_rel_error < TOL, "{report}");
    }
}

#[test]
fn a_wrong_loss_gradient_is_caught() {
    /// MSE whose gradient forgets the factor 2.
    struct HalfMse;
    impl ndnet_layers::Loss<f64> for HalfMse {
        fn loss(&self, p: ArrayView2<f64>, t: ArrayView2<f64>) -> ndnet_layers::Result<f64> {
            Mse.loss(p, t)
        }
        fn loss_and_grad(
            &self,
            p: ArrayView2<f64>,
            t: ArrayView2<f64>,
            mut g: ndarray::ArrayViewMut2<f64>,
        ) -> ndnet_layers::Result<f64> {
            let l = Mse.loss_and_grad(p, t, g.view_mut())?;
            g.mapv_inplace(|v| v / 2.0);
            Ok(l)
        }
    }
    let report = gradcheck::check_loss(&HalfMse, batch(6, 2, 1).view(), batch(6, 2, 2).view()).unwrap();
    assert!(report.max_rel_error() > 0.4, "{report}");
}

#[test]
fn an_empty_gradient_is_not_a_zero_error() {
    /// A layer that hands out its weight with no gradient at all.
    struct NoGrad(Array2<f64>, Vec<f64>);
    impl Layer<f64> for NoGrad {
        fn kind(&self) -> &'static str {
            "NoGrad"
        }
        fn output_width(&self, w: usize) -> ndnet_layers::Result<usize> {
            Ok(w)
        }
        fn forward(&mut self, x: ArrayView2<f64>, mut y: ndarray::ArrayViewMut2<f64>) {
            ndarray::Zip::from(&mut y).and(&x).for_each(|y, &x| *y = x * self.0[(0, 0)]);
        }
        fn backward(
            &mut self,
            _: ArrayView2<f64>,
            _: ArrayView2<f64>,
            dy: ArrayView2<f64>,
            dx: Option<ndarray::ArrayViewMut2<f64>>,
        ) {
            if let Some(mut dx) = dx {
                dx.assign(&(&dy * self.0[(0, 0)]));
            }
        }
        fn visit_params_mut(&mut self, f: &mut dyn FnMut(&[usize], &mut [f64], &mut [f64], &'static str)) {
            f(&[1, 1], self.0.as_slice_mut().unwrap(), &mut self.1, "scale");
        }
    }
    let report =
        gradcheck::check_layer(&mut NoGrad(Array2::from_elem((1, 1), 2.0), Vec::new()), batch(3, 2, 1).view()).unwrap();
    let scale = report.get("scale").unwrap();
    assert_eq!(scale.elements, 1, "the tensor's one element is checked");
    let worst = report.max_rel_error();
    assert!(worst.is_nan() || worst > TOL, "an empty gradient must fail: {report}");
}

/// A layer checked in both modes, each within the tolerance.
fn assert_both_modes(what: &str, report: &GradReport) {
    use ndnet_layers::Mode;
    assert_eq!(report.modes(), [Mode::Train, Mode::Eval], "{what}: both modes checked\n{report}");
    assert_ok(what, report);
}

#[test]
fn dropout_gradients_in_both_modes() {
    let mut dropout = ndnet_layers::Dropout::new(0.3).unwrap().with_seed(4);
    let report = gradcheck::check_layer(&mut dropout, batch(9, 7, 1).view()).unwrap();
    assert_both_modes("Dropout", &report);
}

/// Non-trivial scale, shift and running statistics, so every term of the backward pass counts.
fn batch_norm(features: usize) -> ndnet_layers::BatchNorm1d<f64> {
    let mut bn = ndnet_layers::BatchNorm1d::new(features);
    bn.visit_params_mut(&mut |_, value, _, name| {
        for (i, v) in value.iter_mut().enumerate() {
            *v = if name == "weight" { 0.5 + 0.3 * i as f64 } else { -0.2 + 0.1 * i as f64 };
        }
    });
    let mut out = Array2::zeros((6, features));
    for seed in 0..3 {
        bn.forward(batch(6, features, 20 + seed).view(), out.view_mut()); // moves the running statistics
    }
    bn
}

#[test]
fn batch_norm_gradients_in_both_modes() {
    let mut bn = batch_norm(5);
    let report = gradcheck::check_layer(&mut bn, batch(8, 5, 2).view()).unwrap();
    assert_both_modes("BatchNorm1d", &report);
    let names: Vec<_> = report.tensors.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["weight", "bias", "input", "weight", "bias", "input"]);
}

#[test]
fn layer_norm_gradients() {
    let mut ln = ndnet_layers::LayerNorm::new(6);
    ln.visit_params_mut(&mut |_, value, _, name| {
        for (i, v) in value.iter_mut().enumerate() {
            *v = if name == "weight" { 1.5 - 0.2 * i as f64 } else { 0.1 * i as f64 };
        }
    });
    let report = gradcheck::check_layer(&mut ln, batch(7, 6, 3).view()).unwrap();
    assert_eq!(report.modes(), [ndnet_layers::Mode::Train], "one mode: LayerNorm is the same in both");
    assert_ok("LayerNorm", &report);
}

#[test]
fn embedding_gradients_with_unknown_codes() {
    let mut rng = ChaCha8Rng::seed_from_u64(6);
    let mut emb = ndnet_layers::EmbeddingConfig::new(1, 4, 3).init::<f64, _>(&mut rng).unwrap();
    // Codes 0..4 plus two that are none (7, −1), between two numeric columns. (A NaN code also
    // gives the zero vector, but no finite difference can be taken at NaN.)
    let mut x = batch(8, 3, 4);
    for (i, code) in [0.0, 3.0, 1.0, 7.0, 2.0, -1.0, 1.0, 0.0].into_iter().enumerate() {
        x[(i, 1)] = code;
    }
    let report = gradcheck::check_layer(&mut emb, x.view()).unwrap();
    assert_ok("Embedding", &report);
}

#[test]
fn a_model_with_every_new_layer_in_both_modes() {
    use ndnet_layers::{Dropout, LayerNorm, Tanh};
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut model = Sequential::<f64>::new()
        .push(DenseConfig::new(4, 6).with_bias_init(Init::TorchLinear).init(&mut rng).unwrap())
        .push(batch_norm(6))
        .push(Tanh)
        .push(Dropout::new(0.25).unwrap().with_seed(9))
        .push(LayerNorm::new(6))
        .push(DenseConfig::new(6, 2).with_bias_init(Init::TorchLinear).init(&mut rng).unwrap());
    let (x, y) = (batch(10, 4, 8), batch(10, 2, 9));
    let before = model.state_snapshot();
    let report = gradcheck::check_model(&mut model, &Mse, x.view(), y.view()).unwrap();
    assert_both_modes("Dense → BatchNorm1d → Tanh → Dropout → LayerNorm → Dense + Mse", &report);
    assert_eq!(model.state_snapshot(), before, "the check puts the state back");
    assert_eq!(model.mode(), ndnet_layers::Mode::Train);
}

#[test]
fn class_weighted_losses_pass_the_checker_and_reduce_to_the_plain_ones() {
    use ndnet_layers::{BceWithLogits, ClassWeighted, CrossEntropy, Loss};
    let logits = batch(16, 3, 5).mapv(|v| 3.0 * v);
    let classes = Array2::from_shape_fn((16, 1), |(i, _)| ((i * 7) % 3) as f64);
    let weighted = ClassWeighted::new(vec![0.5, 2.0, 1.25]).unwrap();
    assert_ok("ClassWeighted, 3 classes", &gradcheck::check_loss(&weighted, logits.view(), classes.view()).unwrap());
    let one = logits.column(0).to_owned().insert_axis(ndarray::Axis(1));
    let binary = classes.mapv(|c| f64::from(c > 0.5));
    let weighted2 = ClassWeighted::new(vec![3.0, 0.75]).unwrap();
    assert_ok("ClassWeighted, one logit", &gradcheck::check_loss(&weighted2, one.view(), binary.view()).unwrap());
    // Every weight 1: the plain losses, value and gradient.
    let (mut g1, mut g2) = (Array2::zeros((16, 3)), Array2::zeros((16, 3)));
    let ones = ClassWeighted::new(vec![1.0; 3]).unwrap();
    let a = ones.loss_and_grad(logits.view(), classes.view(), g1.view_mut()).unwrap();
    let b = CrossEntropy.loss_and_grad(logits.view(), classes.view(), g2.view_mut()).unwrap();
    assert!((a - b).abs() < 1e-14 && (&g1 - &g2).iter().all(|d| d.abs() < 1e-15), "{a} {b}");
    let c = ClassWeighted::new(vec![1.0; 2]).unwrap().loss(one.view(), binary.view()).unwrap();
    assert!((c - BceWithLogits.loss(one.view(), binary.view()).unwrap()).abs() < 1e-14);
    // A weighted mean: doubling one class's weight moves the loss towards that class's rows.
    assert!(ClassWeighted::new(vec![0.0, 1.0]).is_err() && ClassWeighted::new(vec![1.0]).is_err());
}
