//! Label smoothing against PyTorch's `CrossEntropyLoss(label_smoothing=ε)` (several logits, and
//! one logit as the two-class softmax on `[0, z]`): loss and gradient in f64; and against finite
//! differences. The fixture is made by `tools/label_smoothing_fixtures.py`.
use ndarray::Array2;
use ndnet_layers::{LabelSmoothing, Loss};
use serde_json::Value;

fn matrix(v: &Value) -> Array2<f64> {
    let rows: Vec<Vec<f64>> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect())
        .collect();
    Array2::from_shape_fn((rows.len(), rows[0].len()), |(i, j)| rows[i][j])
}

#[test]
fn label_smoothing_matches_pytorch() {
    let f: Value = serde_json::from_str(include_str!("fixtures/label_smoothing_f64.json")).unwrap();
    for case in f["cases"].as_array().unwrap() {
        let eps = case["eps"].as_f64().unwrap();
        let (z, y, want) = (matrix(&case["z"]), matrix(&case["y"]), matrix(&case["grad"]));
        let loss = LabelSmoothing::new(eps).unwrap();
        let mut g = Array2::zeros(z.raw_dim());
        let value = loss.loss_and_grad(z.view(), y.view(), g.view_mut()).unwrap();
        let expected = case["loss"].as_f64().unwrap();
        assert!(
            (value - expected).abs() <= 1e-14 * expected.abs().max(1.0),
            "ε {eps}, {} logits: {value} vs {expected}",
            z.ncols()
        );
        let worst = g.iter().zip(want.iter()).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        assert!(worst <= 1e-15, "ε {eps}, {} logits: gradient off by {worst:e}", z.ncols());
        let report = ndnet_gradcheck::check_loss(&loss, z.view(), y.view()).unwrap();
        assert!(report.max_rel_error() < 1e-6, "{report:?}");
    }
}

#[test]
fn smoothing_outside_zero_to_one_is_refused() {
    for eps in [-0.1, 1.0, f64::NAN] {
        assert!(LabelSmoothing::new(eps).is_err(), "{eps}");
    }
}
