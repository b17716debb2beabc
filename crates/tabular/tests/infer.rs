//! `Model::infer` sends rows through in blocks of exactly `INFER_ROWS` so that a whole validation
//! or prediction table never sizes the layers' buffers, and so that a row's prediction does not
//! depend on how many rows come with it: for the TabM models of the reference fixture
//! (ensembles, piecewise-linear embeddings) in f32, each row predicted alone, among a few, or
//! among thousands gives the same bits.
use ndarray::{Array2, Axis, Slice};
use ndnet_layers::{INFER_ROWS, Mode, Model, ModelSpec};
use ndnet_tabular::registry;
use rand::{Rng, SeedableRng};
use serde_json::Value;

const FIXTURE: &str = include_str!("fixtures/tabm_f64.json");

fn bits(a: ndarray::ArrayView2<'_, f32>) -> Vec<u32> {
    a.iter().map(|v| v.to_bits()).collect()
}

#[test]
fn a_rows_prediction_does_not_depend_on_the_rows_beside_it() {
    let fixture: Value = serde_json::from_str(FIXTURE).unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    for (name, case) in fixture["cases"].as_object().unwrap() {
        let spec: ModelSpec = serde_json::from_value(case["spec"].clone()).unwrap();
        let mut model = spec.build::<f32>(&registry(), 3).unwrap();
        model.set_mode(Mode::Eval);
        let rows = 2 * INFER_ROWS + 123; // two whole blocks and a part
        let x = Array2::from_shape_fn((rows, spec.inputs), |_| rng.random_range(-2.0f32..2.0));
        let all = model.infer(x.view()).unwrap();
        assert_eq!(all.dim().0, rows, "{name}");
        for (start, len) in [(0, 1), (5, 1), (rows - 1, 1), (17, 40), (INFER_ROWS - 3, 9), (0, INFER_ROWS + 1)] {
            let part = x.slice_axis(Axis(0), Slice::from(start..start + len));
            let alone = model.infer(part).unwrap();
            let within = all.slice_axis(Axis(0), Slice::from(start..start + len));
            assert_eq!(bits(alone.view()), bits(within), "{name}: rows {start}..{}", start + len);
        }
    }
}
