//! The numerical embeddings against the packages that define them — `rtdl_num_embeddings`
//! (piecewise-linear version B, periodic, periodic lite; `compute_bins`) and pytabkit (PBLD):
//! output, input gradient and every parameter gradient in f64, and the bin edges. The fixture
//! is made by `tools/embedding_fixtures.py` (its docstring says how).
use ndarray::Array2;
use ndnet_layers::{BuildContext, Layer, LayerDesc, Real};
use ndnet_tabular::{quantile_bins, registry, tree_bins};
use rand::SeedableRng;
use serde_json::Value;

const FIXTURE: &str = include_str!("fixtures/embeddings_f64.json");
/// f64 against f64: only the order of the sums differs.
const TOL: f64 = 1e-12;

fn fixture() -> Value {
    serde_json::from_str(FIXTURE).unwrap()
}

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

/// Builds the case's layer from its stored spec, sets the reference's parameters, and checks a
/// forward and backward pass.
fn check_case(name: &str, case: &Value) {
    let desc: LayerDesc = serde_json::from_value(case["spec"].clone()).unwrap();
    let spec = registry().resolve(&desc).unwrap();
    let (x, dy) = (matrix(&case["x"]), matrix(&case["dy"]));
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
    let mut layer = f64::build(&*spec, &mut BuildContext::new(x.ncols(), &mut rng)).unwrap();
    let params = &case["params"];
    let mut seen = 0;
    layer.visit_params_mut(&mut |shape, value, _, param| {
        let want = &params[param];
        let want_shape: Vec<usize> = numbers(&want["shape"]).iter().map(|&v| v as usize).collect();
        assert_eq!(shape, &want_shape[..], "{name} {param} shape");
        value.copy_from_slice(&numbers(&want["value"]));
        seen += 1;
    });
    assert_eq!(seen, params.as_object().unwrap().len(), "{name}: every reference parameter is one of the layer's");
    let width = layer.output_width(x.ncols()).unwrap();
    let mut y = Array2::zeros((x.nrows(), width));
    layer.forward(x.view(), y.view_mut());
    assert_close(&format!("{name} y"), y.as_slice().unwrap(), matrix(&case["y"]).as_slice().unwrap());
    let mut dx = Array2::zeros(x.raw_dim());
    layer.backward(x.view(), y.view(), dy.view(), Some(dx.view_mut()));
    assert_close(&format!("{name} dx"), dx.as_slice().unwrap(), matrix(&case["dx"]).as_slice().unwrap());
    layer.visit_params_mut(&mut |_, _, grad, param| {
        assert_close(&format!("{name} d{param}"), grad, &numbers(&case["grads"][param]));
    });
}

#[test]
fn every_embedding_matches_its_reference() {
    let f = fixture();
    for (name, case) in f["cases"].as_object().unwrap() {
        check_case(name, case);
    }
}

fn edges_of(v: &Value) -> Vec<Vec<f64>> {
    v.as_array().unwrap().iter().map(numbers).collect()
}

#[test]
fn bins_match_compute_bins() {
    let f = fixture();
    let b = &f["bins"];
    let x = matrix(&b["x"]);
    let n_bins = b["n_bins"].as_u64().unwrap() as usize;
    let (leaf, decrease) = (
        b["tree"]["min_samples_leaf"].as_u64().unwrap() as usize,
        b["tree"]["min_impurity_decrease"].as_f64().unwrap(),
    );
    let (y_reg, y_cls) = (numbers(&b["y_regression"]), numbers(&b["y_classes"]));
    for (j, column) in x.columns().into_iter().enumerate() {
        let column = column.to_vec();
        assert_eq!(quantile_bins(&column, n_bins), edges_of(&b["quantile"])[j], "quantile bins of column {j}");
        assert_eq!(
            tree_bins(&column, &y_reg, None, n_bins, leaf, decrease),
            edges_of(&b["tree_regression"])[j],
            "regression tree bins of column {j}"
        );
        assert_eq!(
            tree_bins(&column, &y_cls, Some(2), n_bins, leaf, decrease),
            edges_of(&b["tree_classes"])[j],
            "class tree bins of column {j}"
        );
    }
}
