//! Every backward pass of this crate against finite differences, in f64: the input gradient and
//! each parameter's, on inputs inside and outside the bins, with every parameter drawn non-zero
//! (the piecewise matrix starts at zero, which would hide its input gradient).
use ndarray::Array2;
use ndnet_layers::{BuildContext, Layer, LayerDesc, LayerSpec, Real};
use ndnet_tabular::{
    Adapters, EnsembleDenseSpec, EnsembleHeadSpec, EnsembleViewSpec, PbldSpec, PeriodicSpec, PiecewiseLinearSpec,
    ScalingInit, registry,
};
use rand::{Rng, SeedableRng};

fn check(what: &str, desc: LayerDesc, width: usize) {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    let spec = registry().resolve(&desc).unwrap();
    let mut layer = f64::build(&*spec, &mut BuildContext::new(width, &mut rng)).unwrap();
    layer.visit_params_mut(&mut |_, value, _, _| value.iter_mut().for_each(|v| *v = rng.random_range(-1.0..1.0)));
    // Values from −3 to 3: some below the first edge (−2) and above the last (2.5).
    let x = Array2::from_shape_fn((7, width), |(i, j)| 3.0 * (0.83 * i as f64 + 1.9 * j as f64 + 0.1).sin());
    let report = ndnet_gradcheck::check_layer(&mut layer, x.view()).unwrap();
    println!("{what}: {:.2e}", report.max_rel_error());
    assert!(report.max_rel_error() < 1e-6, "{what}: {report:?}");
}

fn edges() -> Vec<f64> {
    vec![-2.0, -0.7, 0.1, 0.35, 1.2, 2.5]
}

#[test]
fn piecewise_linear_backward_is_its_derivative() {
    let spec = PiecewiseLinearSpec::new(vec![0, 2], vec![edges(), vec![-1.0, 1.0]], 3);
    check("piecewise_linear", LayerDesc::of(&spec), 4);
    check("piecewise_linear relu", LayerDesc::of(&spec.with_relu(true)), 4);
}

#[test]
fn periodic_backward_is_its_derivative() {
    let spec = PeriodicSpec::new(vec![1, 2], 4).with_frequencies(3).with_sigma(0.2);
    check("periodic", LayerDesc::of(&spec), 3);
    check("periodic without relu", LayerDesc::of(&spec.clone().with_relu(false)), 3);
    check("periodic lite", LayerDesc::of(&spec.with_lite(true)), 3);
}

#[test]
fn pbld_backward_is_its_derivative() {
    check("pbld", LayerDesc::of(&PbldSpec::new(vec![0, 1]).with_sizes(5, 3)), 3);
}

#[test]
fn ensemble_backward_is_its_derivative() {
    check("ensemble_view", LayerDesc::of(&EnsembleViewSpec { members: 3 }), 2);
    for adapters in [Adapters::Batch, Adapters::Input, Adapters::Shared] {
        let spec = EnsembleDenseSpec::new(3, 4, adapters).with_r_init(ScalingInit::Normal, vec![1, 2]);
        check(&format!("ensemble_dense {adapters:?}"), LayerDesc::of(&spec), 3 * 3);
    }
    check("ensemble_head", LayerDesc::of(&EnsembleHeadSpec { members: 3, outputs: 2 }), 3 * 4);
}

#[test]
fn settings_a_file_could_hold_are_refused() {
    let bad = [
        PiecewiseLinearSpec::new(vec![0], vec![vec![1.0, 1.0]], 3),
        PiecewiseLinearSpec::new(vec![0], vec![vec![1.0]], 3),
        PiecewiseLinearSpec::new(vec![0], vec![vec![0.0, f64::NAN]], 3),
        PiecewiseLinearSpec::new(vec![0], vec![vec![-1e308, 1e308]], 3),
        PiecewiseLinearSpec::new(vec![0, 1], vec![edges()], 3),
        PiecewiseLinearSpec::new(vec![1, 0], vec![edges(), edges()], 3),
        PiecewiseLinearSpec::new(vec![5], vec![edges()], 3),
        PiecewiseLinearSpec::new(vec![0], vec![edges()], 0),
    ];
    for spec in bad {
        assert!(spec.output_width(2).is_err(), "{spec:?}");
    }
    assert!(PeriodicSpec::new(vec![0], 4).with_sigma(-1.0).output_width(1).is_err());
    assert!(PeriodicSpec::new(vec![0], 4).with_lite(true).with_relu(false).output_width(1).is_err());
    assert!(PbldSpec::new(vec![0]).with_sizes(4, 1).output_width(1).is_err());
    assert!(PbldSpec::new(vec![]).output_width(1).is_err());
    assert!(EnsembleViewSpec { members: 0 }.output_width(3).is_err());
    assert!(EnsembleViewSpec { members: usize::MAX }.output_width(3).is_err());
    assert!(EnsembleDenseSpec::new(3, 4, Adapters::Batch).output_width(10).is_err());
    assert!(
        EnsembleDenseSpec::new(2, 4, Adapters::Batch)
            .with_r_init(ScalingInit::Normal, vec![2, 2])
            .output_width(10)
            .is_err()
    );
    assert!(EnsembleHeadSpec { members: 4, outputs: 1 }.output_width(6).is_err());
}
