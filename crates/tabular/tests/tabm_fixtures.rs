//! TabM's layers and whole models against the `tabm` package (PyTorch): `LinearBatchEnsemble`,
//! `LinearEnsemble`, and `TabM.make` models ("tabm" with piecewise-linear embeddings, "tabm-mini")
//! rebuilt from ndnet model descriptions — output, input gradient and every parameter gradient
//! in f64. The fixture is made by `tools/tabm_fixtures.py` (its docstring says how).
use ndarray::{Array2, ArrayView2, ArrayViewMut2};
use ndnet_layers::{Loss, Mode, Model, ModelSpec};
use ndnet_tabular::registry;
use serde_json::Value;

const FIXTURE: &str = include_str!("fixtures/tabm_f64.json");
const TOL: f64 = 1e-12;

fn numbers(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

fn matrix(v: &Value) -> Array2<f64> {
    let rows: Vec<Vec<f64>> = v.as_array().unwrap().iter().map(numbers).collect();
    Array2::from_shape_fn((rows.len(), rows[0].len()), |(i, j)| rows[i][j])
}

fn assert_close(what: &str, got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len(), "{what}");
    let worst = got.iter().zip(want).map(|(a, b)| (a - b).abs() / b.abs().max(1.0)).fold(0.0, f64::max);
    println!("{what}: largest error {worst:.2e}");
    assert!(worst <= TOL, "{what}: {worst:e}\n got {got:?}\nwant {want:?}");
}

/// `L = Σ ŷ ⊙ dy`: its gradient is the upstream gradient `dy`, passed as the target.
struct Dot;

impl Loss<f64> for Dot {
    fn loss(&self, p: ArrayView2<'_, f64>, dy: ArrayView2<'_, f64>) -> ndnet_layers::Result<f64> {
        Ok((&p * &dy).sum())
    }
    fn loss_and_grad(
        &self,
        p: ArrayView2<'_, f64>,
        dy: ArrayView2<'_, f64>,
        mut grad: ArrayViewMut2<'_, f64>,
    ) -> ndnet_layers::Result<f64> {
        grad.assign(&dy);
        self.loss(p, dy)
    }
}

#[test]
fn tabm_layers_and_models_match_the_tabm_package() {
    let fixture: Value = serde_json::from_str(FIXTURE).unwrap();
    for (name, case) in fixture["cases"].as_object().unwrap() {
        let spec: ModelSpec = serde_json::from_value(case["spec"].clone()).unwrap();
        let mut model = spec.build::<f64>(&registry(), 0).unwrap();
        let params = case["params"].as_object().unwrap();
        let mut seen = 0;
        model.visit_params_mut(&mut |shape, value, _, param| {
            let want = &params[&param.to_string()];
            let want_shape: Vec<usize> = numbers(&want["shape"]).iter().map(|&v| v as usize).collect();
            assert_eq!(shape, &want_shape[..], "{name} {param}");
            value.copy_from_slice(&numbers(&want["value"]));
            seen += 1;
        });
        assert_eq!(seen, params.len(), "{name}: one parameter of the model per reference parameter");
        model.set_mode(Mode::Train);
        let (x, dy) = (matrix(&case["x"]), matrix(&case["dy"]));
        let y = model.forward(x.view()).unwrap().to_owned();
        assert_close(
            &format!("{name} y"),
            y.as_standard_layout().as_slice().unwrap(),
            matrix(&case["y"]).as_slice().unwrap(),
        );
        let mut dx = Array2::zeros(x.raw_dim());
        model.forward_backward_input(x.view(), dy.view(), &Dot, Some(dx.view_mut())).unwrap();
        assert_close(
            &format!("{name} dx"),
            dx.as_standard_layout().as_slice().unwrap(),
            matrix(&case["dx"]).as_slice().unwrap(),
        );
        model.visit_params_mut(&mut |_, _, grad, param| {
            assert_close(&format!("{name} d{param}"), grad, &numbers(&case["grads"][&param.to_string()]));
        });
    }
}
