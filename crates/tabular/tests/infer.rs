//! `Model::infer` sends rows through in blocks of `INFER_ROWS` so that a whole validation or
//! prediction table never sizes the layers' buffers: its result must be the one `predict` of all
//! rows gives, bit for bit, for the TabM models of the reference fixture (ensembles, piecewise-
//! linear embeddings) in f32.
use ndarray::Array2;
use ndnet_layers::{INFER_ROWS, Mode, Model, ModelSpec};
use ndnet_tabular::registry;
use rand::{Rng, SeedableRng};
use serde_json::Value;

const FIXTURE: &str = include_str!("fixtures/tabm_f64.json");

#[test]
fn inference_in_blocks_is_one_pass_bit_for_bit() {
    let fixture: Value = serde_json::from_str(FIXTURE).unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    for (name, case) in fixture["cases"].as_object().unwrap() {
        let spec: ModelSpec = serde_json::from_value(case["spec"].clone()).unwrap();
        let mut model = spec.build::<f32>(&registry(), 3).unwrap();
        model.set_mode(Mode::Eval);
        let rows = 2 * INFER_ROWS + 123; // two whole blocks and a part
        let x = Array2::from_shape_fn((rows, spec.inputs), |_| rng.random_range(-2.0f32..2.0));
        let whole = model.predict(x.view()).unwrap();
        let blocks = model.infer(x.view()).unwrap();
        assert_eq!(blocks.dim(), whole.dim(), "{name}");
        let differ = whole.iter().zip(&blocks).filter(|(a, b)| a.to_bits() != b.to_bits()).count();
        let rows_differ: Vec<usize> = (0..rows).filter(|&i| whole.row(i) != blocks.row(i)).collect();
        let d = whole.iter().zip(&blocks).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
        assert_eq!(
            differ,
            0,
            "{name}: {differ} outputs differ, rows {:?}..{:?} ({}), max {d}",
            rows_differ.first(),
            rows_differ.last(),
            rows_differ.len()
        );
    }
}
