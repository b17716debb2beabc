//! Save → load → continue, validation, shape checks and clipping.

use ndarray::{Array1, Array2, array};
use ndnet_optim::{
    Adam, AdamConfig, Clip, OptimError, Optimizer, OptimizerState, RmsProp, RmsPropConfig, Schedule, Sgd, SgdConfig,
    WeightDecay,
};

/// A small θ-dependent gradient for two tensors.
fn grads(w: &Array2<f64>, b: &Array1<f64>, t: usize) -> (Array2<f64>, Array1<f64>) {
    let s = (t as f64 * 0.37).sin();
    (w.mapv(|v| 0.5 * v + s), b.mapv(|v| v - 0.25 * s))
}

fn run(opt: &mut dyn Optimizer<f64>, w: &mut Array2<f64>, b: &mut Array1<f64>, steps: std::ops::Range<usize>) {
    for t in steps {
        let (mut gw, mut gb) = grads(w, b, t);
        opt.step(&mut [
            (w.view_mut().into_dyn(), gw.view_mut().into_dyn()),
            (b.view_mut().into_dyn(), gb.view_mut().into_dyn()),
        ])
        .unwrap();
    }
}

type Maker = Box<dyn Fn() -> Box<dyn Optimizer<f64>>>;

fn every_optimizer() -> Vec<(&'static str, Maker)> {
    vec![
        (
            "sgd momentum nesterov",
            Box::new(|| Box::new(Sgd::new(SgdConfig::pytorch(0.05).with_momentum(0.9).with_nesterov(true)).unwrap())),
        ),
        ("sgd keras", Box::new(|| Box::new(Sgd::new(SgdConfig::keras(0.05).with_momentum(0.8)).unwrap()))),
        (
            "rmsprop torch centered momentum",
            Box::new(|| {
                Box::new(
                    RmsProp::new(
                        RmsPropConfig::pytorch(0.01)
                            .with_centered(true)
                            .with_momentum(0.9)
                            .with_weight_decay(WeightDecay::L2(0.01)),
                    )
                    .unwrap(),
                )
            }),
        ),
        (
            "rmsprop keras clip",
            Box::new(|| {
                Box::new(
                    RmsProp::new(RmsPropConfig::keras(0.01).with_momentum(0.5).with_clip(Some(Clip::GlobalNorm(0.5))))
                        .unwrap(),
                )
            }),
        ),
        ("rmsprop tf1", Box::new(|| Box::new(RmsProp::new(RmsPropConfig::tf1(0.01)).unwrap()))),
        (
            "rmsprop optax momentum",
            Box::new(|| Box::new(RmsProp::new(RmsPropConfig::optax(0.01).with_momentum(0.9)).unwrap())),
        ),
        (
            "adam pytorch amsgrad",
            Box::new(|| Box::new(Adam::new(AdamConfig::pytorch(0.01).with_amsgrad(true)).unwrap())),
        ),
        ("adamw keras", Box::new(|| Box::new(Adam::new(AdamConfig::keras_adamw(0.01)).unwrap()))),
        (
            "adamw optax eps_root amsgrad",
            Box::new(|| {
                Box::new(Adam::new(AdamConfig::optax_adamw(0.01).with_eps_root(1e-8).with_amsgrad(true)).unwrap())
            }),
        ),
    ]
}

#[test]
fn save_load_continue_is_bit_identical() {
    for (name, make) in every_optimizer() {
        let (w0, b0) = (array![[1.0, -2.0], [0.5, 3.0]], array![0.1, -0.2]);
        let (mut w, mut b) = (w0.clone(), b0.clone());
        let mut straight = make();
        run(straight.as_mut(), &mut w, &mut b, 0..50);

        let (mut w2, mut b2) = (w0.clone(), b0.clone());
        let mut first = make();
        run(first.as_mut(), &mut w2, &mut b2, 0..20);
        let json = serde_json::to_string(&first.state()).unwrap();
        let restored: OptimizerState<f64> = serde_json::from_str(&json).unwrap();
        let mut second = make();
        second.load_state(&restored).unwrap();
        assert_eq!(second.steps(), 20, "{name}");
        run(second.as_mut(), &mut w2, &mut b2, 20..50);

        let bits = |a: &Array2<f64>, b: &Array1<f64>| a.iter().chain(b.iter()).map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&w, &b), bits(&w2, &b2), "{name}");
    }
}

#[test]
fn hyper_parameters_out_of_range_are_named() {
    let cases: Vec<(ndnet_optim::Result<()>, &str)> = vec![
        (SgdConfig::new(0.0).validate(), "invalid learning_rate = 0: allowed > 0 and finite"),
        (SgdConfig::new(-1.0).validate(), "invalid learning_rate = -1"),
        (SgdConfig::new(f64::NAN).validate(), "invalid learning_rate = NaN"),
        (SgdConfig::new(0.1).with_momentum(1.0).validate(), "invalid momentum = 1: allowed in [0, 1)"),
        (SgdConfig::new(0.1).with_nesterov(true).validate(), "nesterov"),
        (SgdConfig::new(0.1).with_dampening(1.5).validate(), "dampening = 1.5"),
        (RmsPropConfig::keras(0.1).with_rho(1.0).validate(), "invalid rho = 1: allowed in [0, 1)"),
        (RmsPropConfig::keras(0.1).with_epsilon(-1e-8).validate(), "invalid epsilon = -1e-8"),
        (RmsPropConfig::keras(0.1).with_momentum(-0.1).validate(), "momentum = -0.1"),
        (RmsPropConfig::keras(0.1).with_weight_decay(WeightDecay::L2(f64::INFINITY)).validate(), "weight_decay = inf"),
        (RmsPropConfig::keras(0.1).with_clip(Some(Clip::Norm(0.0))).validate(), "clip threshold = 0"),
        (AdamConfig::pytorch(0.1).with_betas(1.0, 0.999).validate(), "invalid beta1 = 1: allowed in [0, 1)"),
        (AdamConfig::pytorch(0.1).with_betas(0.9, -0.1).validate(), "invalid beta2 = -0.1: allowed in [0, 1)"),
        (AdamConfig::optax(0.1).with_eps_root(-1.0).validate(), "invalid eps_root = -1"),
        (AdamConfig::keras(0.1).with_weight_decay(WeightDecay::Decoupled(-0.1)).validate(), "weight_decay = -0.1"),
        (Schedule::Step { step_size: 0, gamma: 0.5 }.validate(), "step_size = 0"),
        (Schedule::Exponential { gamma: 1.5 }.validate(), "gamma = 1.5"),
    ];
    for (result, want) in cases {
        let err = result.unwrap_err().to_string();
        assert!(err.contains(want), "{err:?} should contain {want:?}");
    }
    assert!(matches!(
        RmsProp::<f32>::new(RmsPropConfig::keras(0.0)),
        Err(OptimError::Config { name: "learning_rate", .. })
    ));
    let mut opt = Sgd::<f64>::new(SgdConfig::new(0.1)).unwrap();
    assert!(opt.set_learning_rate(-0.5).is_err());
    assert_eq!(opt.learning_rate(), 0.1);
}

#[test]
fn a_changed_shape_is_an_error_not_a_reset() {
    let mut opt = RmsProp::<f64>::new(RmsPropConfig::keras(0.1)).unwrap();
    let (mut x, mut g) = (array![1.0, 2.0], array![1.0, 1.0]);
    opt.step(&mut [(&mut x, &mut g)]).unwrap();
    let before = opt.state();
    let (mut y, mut gy) = (array![1.0, 2.0, 3.0], array![1.0, 1.0, 1.0]);
    let err = opt.step(&mut [(&mut y, &mut gy)]).unwrap_err();
    assert_eq!(err.to_string(), "parameter 0: optimizer state has shape [2], the parameter has shape [3]");
    assert_eq!(y, array![1.0, 2.0, 3.0], "nothing is written on error");
    assert_eq!(opt.state(), before);
    let (mut x2, mut g2) = (x.clone(), g.clone());
    let err = opt.step(&mut [(&mut x, &mut g), (&mut x2, &mut g2)]).unwrap_err();
    assert!(matches!(err, OptimError::Count { expected: 1, actual: 2 }));
}

#[test]
fn loading_a_mismatched_state_is_an_error() {
    let mut rms = RmsProp::<f64>::new(RmsPropConfig::keras(0.1).with_momentum(0.9)).unwrap();
    let (mut x, mut g) = (array![1.0], array![1.0]);
    rms.step(&mut [(&mut x, &mut g)]).unwrap();
    let mut sgd = Sgd::<f64>::new(SgdConfig::new(0.1)).unwrap();
    assert_eq!(
        sgd.load_state(&rms.state()).unwrap_err().to_string(),
        "the saved state is for RmsProp, this optimizer is Sgd"
    );
    let mut plain = RmsProp::<f64>::new(RmsPropConfig::keras(0.1).with_centered(true)).unwrap();
    let err = plain.load_state(&rms.state()).unwrap_err().to_string();
    assert!(err.contains("buffer `grad_avg` is missing"), "{err}");
}

#[test]
fn clipping_by_value_norm_and_global_norm() {
    let mut g = [3.0, -4.0, 0.5];
    Clip::Value(1.0).apply_one(&mut g);
    assert_eq!(g, [1.0, -1.0, 0.5]);

    // Global norm over two tensors: ‖(3, 4, 12)‖ = 13 → scaled by 6.5/13 = 0.5.
    let mut opt = Sgd::<f64>::new(SgdConfig::new(1.0).with_clip(Some(Clip::GlobalNorm(6.5)))).unwrap();
    let (mut a, mut ga) = (array![0.0, 0.0], array![3.0, 4.0]);
    let (mut b, mut gb) = (array![0.0], array![12.0]);
    opt.step(&mut [(a.view_mut(), ga.view_mut()), (b.view_mut(), gb.view_mut())]).unwrap();
    assert_eq!(a, array![-1.5, -2.0]);
    assert_eq!(b, array![-6.0]);

    // Per-tensor norm leaves the small tensor alone.
    let mut opt = Sgd::<f64>::new(SgdConfig::new(1.0).with_clip(Some(Clip::Norm(2.5)))).unwrap();
    let (mut a, mut ga) = (array![0.0, 0.0], array![3.0, 4.0]);
    let (mut b, mut gb) = (array![0.0], array![1.0]);
    opt.step(&mut [(a.view_mut(), ga.view_mut()), (b.view_mut(), gb.view_mut())]).unwrap();
    assert_eq!(a, array![-1.5, -2.0]);
    assert_eq!(b, array![-1.0]);
}

#[test]
fn first_steps_by_hand() {
    // PyTorch RMSprop, one step from v = 0: v = 0.01·g², θ −= η·g/(√v + ε).
    let mut opt = RmsProp::<f64>::new(RmsPropConfig::pytorch(0.01)).unwrap();
    let (mut x, mut g) = (array![1.0], array![2.0]);
    opt.step(&mut [(&mut x, &mut g)]).unwrap();
    let expected = 1.0 - 0.01 * 2.0 / ((0.01_f64 * 4.0).sqrt() + 1e-8);
    assert!((x[0] - expected).abs() < 1e-15, "{} vs {expected}", x[0]);
    // TF1 starts the accumulator at 1: v = 1 + (4 − 1)·0.1 = 1.3.
    let mut opt = RmsProp::<f64>::new(RmsPropConfig::tf1(0.5)).unwrap();
    let (mut x, mut g) = (array![0.0], array![2.0]);
    opt.step(&mut [(&mut x, &mut g)]).unwrap();
    assert!((x[0] + 0.5 * 2.0 / 1.3_f64.sqrt()).abs() < 1e-7, "{}", x[0]);
    // Adam's first step: m̂ = g and v̂ = g², so PyTorch and optax move by η·g/(|g| + ε) ≈ η·sign(g).
    // Keras adds ε to the uncorrected √v = √(1 − β₂)·|g|, and computes α = η·√(1 − β₂)/(1 − β₁)
    // with β rounded through float32.
    let keras_alpha = 0.1 * (1.0 - f64::from(0.999_f32)).sqrt() / (1.0 - f64::from(0.9_f32));
    let keras = move |g: f64| 0.1 * g * keras_alpha / ((0.001_f64).sqrt() * g.abs() + 1e-7);
    let plain = |g: f64| 0.1 * g / (g.abs() + 1e-8);
    let presets: [(AdamConfig, &dyn Fn(f64) -> f64); 3] =
        [(AdamConfig::pytorch(0.1), &plain), (AdamConfig::optax(0.1), &plain), (AdamConfig::keras(0.1), &keras)];
    for (config, step) in presets {
        let mut opt = Adam::<f64>::new(config).unwrap();
        let (mut x, mut g) = (array![1.0, 1.0], array![2.0, -0.5]);
        opt.step(&mut [(&mut x, &mut g)]).unwrap();
        let want = [1.0 - step(2.0), 1.0 - step(-0.5)];
        for (got, want) in x.iter().zip(want) {
            assert!((got - want).abs() < 1e-9, "{config:?}: {got} vs {want}");
        }
    }
    // The textbook RMSprop, θ ← θ − α·g/√(v + ε) with ρ 0.9, ε 1e-8, for three steps by hand.
    let mut opt = RmsProp::<f64>::new(RmsPropConfig::textbook(0.1)).unwrap();
    let (mut x, mut v) = (array![1.0_f64], 0.0_f64);
    let mut want = 1.0_f64;
    for g in [2.0_f64, -1.0, 0.5] {
        opt.step(&mut [(&mut x, &mut array![g])]).unwrap();
        v = 0.9 * v + (1.0 - 0.9) * (g * g);
        want -= 0.1 * g / (v + 1e-8).sqrt();
        assert_eq!(x[0].to_bits(), want.to_bits(), "{} vs {want}", x[0]);
    }
    // maximize ascends
    let mut opt = Sgd::<f64>::new(SgdConfig::new(0.1).with_maximize(true)).unwrap();
    let (mut x, mut g) = (array![0.0], array![1.0]);
    opt.step(&mut [(&mut x, &mut g)]).unwrap();
    assert_eq!(x[0], 0.1);
}

#[test]
fn unsteppable_pairs_are_errors_before_any_write() {
    use ndarray::{Array2, ShapeBuilder, s};
    let mut opt = Sgd::<f64>::new(SgdConfig::new(0.1)).unwrap();
    let (mut a, mut ga) = (array![1.0, 2.0], array![1.0, 1.0]);
    // A strided view (every other column) cannot be handed out as a slice.
    let mut wide = Array2::<f64>::ones((2, 4));
    let mut gwide = Array2::<f64>::ones((2, 4));
    let err = opt
        .step(&mut [
            (a.view_mut().into_dyn(), ga.view_mut().into_dyn()),
            (wide.slice_mut(s![.., ..;2]).into_dyn(), gwide.slice_mut(s![.., ..;2]).into_dyn()),
        ])
        .unwrap_err();
    assert_eq!(err.to_string(), "parameter 1: value and gradient must be contiguous and row-major (standard layout)");
    assert_eq!(a, array![1.0, 2.0], "nothing written");
    // Value and gradient of different shapes.
    let (mut b, mut gb) = (array![1.0, 2.0], array![1.0, 1.0, 1.0]);
    let err = opt.step(&mut [(&mut b, &mut gb)]).unwrap_err();
    assert_eq!(err.to_string(), "parameter 0: value has shape [2], gradient [3]");
    // Owned column-major arrays are stepped like their row-major twins.
    let mut f = Array2::from_shape_vec((2, 3).f(), vec![1.0, 4.0, 2.0, 5.0, 3.0, 6.0]).unwrap();
    let mut gf = Array2::from_shape_vec((2, 3).f(), vec![0.5, 2.0, 1.0, 2.5, 1.5, 3.0]).unwrap();
    let mut c = array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]];
    let mut gc = array![[0.5, 1.0, 1.5], [2.0, 2.5, 3.0]];
    let mut rms = RmsProp::<f64>::new(RmsPropConfig::pytorch(0.1)).unwrap();
    let mut twin = rms.clone();
    for _ in 0..3 {
        rms.step(&mut [(&mut f, &mut gf)]).unwrap();
        twin.step(&mut [(&mut c, &mut gc)]).unwrap();
    }
    assert_eq!(f, c);
}

/// What a schedule sets is what the configuration reports, what the state saves and what a load
/// restores: the learning rate is kept in one place.
#[test]
fn the_learning_rate_lives_in_the_configuration_only() {
    let mut adam = Adam::<f64>::new(AdamConfig::pytorch(1e-3)).unwrap();
    adam.set_learning_rate(5e-4).unwrap();
    assert_eq!((adam.config().learning_rate, adam.learning_rate()), (5e-4, 5e-4));
    let state = adam.state();
    assert_eq!(state.learning_rate, 5e-4);
    let mut other = Adam::<f64>::new(AdamConfig::pytorch(1e-2)).unwrap();
    other.load_state(&state).unwrap();
    assert_eq!(other.config().learning_rate, 5e-4);
}

/// Every kind and preset the registry offers builds, and the lists a program shows come from it.
#[test]
fn the_registry_builds_every_kind_and_preset() {
    use ndnet_optim::{OPTIMIZERS, OptimizerOptions, entry_names, named_spec, optimizer_help};
    for kind in OPTIMIZERS {
        for preset in kind.presets {
            let spec = OptimizerOptions::new(kind.name).with_preset(Some(preset)).spec::<f32>().unwrap();
            assert_eq!(spec.learning_rate(), kind.default_lr, "{} {preset}", kind.name);
            assert!(optimizer_help().contains(preset));
        }
    }
    assert_eq!(entry_names().len(), 1 + OPTIMIZERS.iter().map(|k| 1 + k.presets.len()).sum::<usize>());
    for name in entry_names() {
        named_spec::<f64>(&name, 0.01).unwrap();
    }
    let err = OptimizerOptions::new("lbfgs").spec::<f32>().unwrap_err().to_string();
    assert_eq!(err, "invalid --optimizer lbfgs: allowed one of sgd, rmsprop, adam, adamw, adagrad");
    let err = OptimizerOptions::new("sgd").with_lr(Some(1e308)).spec::<f32>().unwrap_err().to_string();
    assert_eq!(err, "invalid --lr 1e308: allowed > 0 and finite in the model's float type");
    let err = OptimizerOptions::new("rmsprop").with("rho", Some(1.5)).spec::<f32>().unwrap_err().to_string();
    assert_eq!(err, "invalid --rho 1.5: allowed in [0, 1)");
    let err = named_spec::<f32>("adam-caffe", 0.01).unwrap_err().to_string();
    assert!(err.starts_with("invalid --optimizers adam-caffe: allowed one of sgd-momentum, sgd, sgd-pytorch"), "{err}");
}
