//! BatchNorm1d and LayerNorm against PyTorch: forward, input gradient, weight and bias
//! gradients, and BatchNorm's running statistics, in both modes. The fixture is made by
//! `tools/layer_fixtures.py` (its docstring says how); inputs are closed-form, rebuilt here.
use ndarray::Array2;
use ndnet_layers::{BatchNorm1d, Layer, LayerNorm, Mode};
use serde_json::Value;

const FIXTURE: &str = include_str!("fixtures/norms_f64.json");
/// f64 against f64: only the order of the sums differs.
const TOL: f64 = 1e-12;

fn fixture() -> Value {
    serde_json::from_str(FIXTURE).unwrap()
}

fn inputs(rows: usize, features: usize) -> (Array2<f64>, Array2<f64>) {
    let x = Array2::from_shape_fn((rows, features), |(i, j)| {
        (0.7 * i as f64 + 1.3 * j as f64).sin() * (1.0 + 0.5 * j as f64)
    });
    let dy = Array2::from_shape_fn((rows, features), |(i, j)| (0.4 * i as f64 - 0.9 * j as f64).cos());
    (x, dy)
}

fn affine(layer: &mut dyn Layer<f64>) {
    layer.visit_params_mut(&mut |_, value, _, name| {
        for (j, v) in value.iter_mut().enumerate() {
            *v = if name == "weight" { 0.5 + 0.25 * j as f64 } else { 0.1 * j as f64 - 0.2 };
        }
    });
}

fn numbers(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

fn assert_close(what: &str, got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len(), "{what}");
    let worst = got.iter().zip(want).map(|(a, b)| (a - b).abs() / b.abs().max(1.0)).fold(0.0, f64::max);
    println!("{what}: largest error {worst:.2e}");
    assert!(worst <= TOL, "{what}: {worst:e}\n got {got:?}\nwant {want:?}");
}

/// Forward and backward on `x`; checks y, dx and the parameter gradients against `want`.
fn check_step(what: &str, layer: &mut dyn Layer<f64>, x: &Array2<f64>, dy: &Array2<f64>, want: &Value) {
    let mut y = Array2::zeros(x.raw_dim());
    let mut dx = Array2::zeros(x.raw_dim());
    layer.forward(x.view(), y.view_mut());
    layer.backward(x.view(), y.view(), dy.view(), Some(dx.view_mut()));
    assert_close(&format!("{what} y"), y.as_slice().unwrap(), &numbers(&want["y"]));
    assert_close(&format!("{what} dx"), dx.as_slice().unwrap(), &numbers(&want["dx"]));
    let mut grads = Vec::new();
    layer.visit_params_mut(&mut |_, _, grad, name| grads.push((name, grad.to_vec())));
    assert_close(&format!("{what} dweight"), &grads[0].1, &numbers(&want["dweight"]));
    assert_close(&format!("{what} dbias"), &grads[1].1, &numbers(&want["dbias"]));
}

#[test]
fn batch_norm_matches_pytorch_in_both_modes() {
    let f = fixture();
    let (rows, features) = (f["rows"].as_u64().unwrap() as usize, f["features"].as_u64().unwrap() as usize);
    let (x, dy) = inputs(rows, features);
    let mut bn = BatchNorm1d::<f64>::new(features);
    affine(&mut bn);
    let mut scratch = Array2::zeros((rows, features));
    for warm in [x.clone(), &x * 0.5 + 1.0, &x * 2.0 - 0.5] {
        bn.forward(warm.view(), scratch.view_mut());
    }
    let want = &f["batch_norm"];
    check_step("BatchNorm1d train", &mut bn, &x, &dy, &want["train"]);
    let state = &want["state_after_train"];
    assert_close("running_mean", bn.running_mean().as_slice().unwrap(), &numbers(&state["running_mean"]));
    assert_close("running_var", bn.running_var().as_slice().unwrap(), &numbers(&state["running_var"]));
    assert_eq!(bn.num_batches_tracked(), state["num_batches_tracked"].as_u64().unwrap());
    bn.set_mode(Mode::Eval);
    check_step("BatchNorm1d eval", &mut bn, &x, &dy, &want["eval"]);
    assert_eq!(bn.num_batches_tracked(), 4, "inference changes no state");
}

#[test]
fn layer_norm_matches_pytorch() {
    let f = fixture();
    let (rows, features) = (f["rows"].as_u64().unwrap() as usize, f["features"].as_u64().unwrap() as usize);
    let (x, dy) = inputs(rows, features);
    let mut ln = LayerNorm::<f64>::new(features);
    affine(&mut ln);
    check_step("LayerNorm", &mut ln, &x, &dy, &f["layer_norm"]);
}
