//! Every activation of the registry against PyTorch's module of the same name: forward and
//! input gradient in f64 over −6 to 6. The fixture is made by `tools/activation_fixtures.py` (its
//! docstring says how); the inputs are closed-form, rebuilt here. The layers are built from the
//! registry, so an activation registered without a fixture fails here.
use ndarray::Array2;
use ndnet_layers::{BuildContext, Layer, Registry};
use rand::SeedableRng;
use serde_json::Value;

const FIXTURE: &str = include_str!("fixtures/activations_f64.json");
/// Relative to max(|value|, 1): the erf, exp and tanh of two libraries may differ in the last bits.
const TOL: f64 = 1e-14;

fn numbers(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

#[test]
fn every_activation_matches_pytorch() {
    let doc: Value = serde_json::from_str(FIXTURE).unwrap();
    let (rows, cols) = (doc["rows"].as_u64().unwrap() as usize, doc["columns"].as_u64().unwrap() as usize);
    let x = Array2::from_shape_fn((rows, cols), |(i, j)| 6.0 * (0.37 * i as f64 + 1.1 * j as f64 + 0.2).sin());
    let dy = Array2::from_shape_fn((rows, cols), |(i, j)| (0.4 * i as f64 - 0.9 * j as f64).cos());
    let registry = Registry::builtin();
    for name in registry.activation_names() {
        let kind = name.replace('-', "_");
        let case = &doc["cases"][&kind];
        assert!(case.is_object(), "no PyTorch fixture for the activation `{kind}`");
        let spec = registry.resolve(&registry.activation(&name).unwrap()).unwrap();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
        let mut layer = spec.build_f64(&mut BuildContext::new(cols, &mut rng)).unwrap();
        let (mut y, mut dx) = (Array2::zeros((rows, cols)), Array2::zeros((rows, cols)));
        layer.forward(x.view(), y.view_mut());
        layer.backward(x.view(), y.view(), dy.view(), Some(dx.view_mut()));
        for (what, got, want) in [("y", &y, numbers(&case["y"])), ("dx", &dx, numbers(&case["dx"]))] {
            let worst = got.iter().zip(&want).map(|(a, b)| (a - b).abs() / b.abs().max(1.0)).fold(0.0, f64::max);
            println!("{kind} {what}: largest error {worst:.2e}");
            assert!(worst <= TOL, "{kind} {what}: {worst:e}");
        }
    }
}
