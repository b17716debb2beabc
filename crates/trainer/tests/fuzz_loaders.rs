//! Property tests: the CSV loaders (numeric and through the pipeline, under every missing-value
//! and unknown-category policy) and the checkpoint loader return Ok or Err for any input, never
//! panic.
//! 300 cases per property by default; `NDNET_FUZZ_CASES=50000 cargo test --release -p
//! ndnet-trainer --test fuzz_loaders` for a long run.

mod common;

use std::path::Path;

use ndnet_data::{Dataset, Missing, PipelineConfig, Prepared, Table, UnknownCategory};
use ndnet_layers::Sequential;
use ndnet_optim::{RmsProp, RmsPropConfig};
use ndnet_trainer::{Checkpoint, predict_table};
use proptest::prelude::*;

fn cases(default: u32) -> ProptestConfig {
    let n = std::env::var("NDNET_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    ProptestConfig { cases: n, ..ProptestConfig::default() }
}

fn any_csv_outcome(bytes: &[u8]) {
    let p = Path::new("fuzz.csv");
    let _ = Dataset::from_csv_bytes(bytes, p, "y", None);
    let _ = Dataset::from_csv_bytes(bytes, p, "y", Some(&["a", "b"]));
    let Ok(table) = Table::from_csv_bytes(bytes, p) else { return };
    for missing in [Missing::Error, Missing::Drop, Missing::Mean, Missing::Median] {
        for unknown in [UnknownCategory::Error, UnknownCategory::Ignore] {
            let config = PipelineConfig::new("y")
                .with_missing(missing)
                .with_unknown_category(unknown)
                .with_max_categories(Some(3));
            if let Ok(prepared) = Prepared::<f32>::from_table(&table, &config, 0.2, 0.2, 1) {
                // The fitted pipeline must also take the whole table (unseen rows included).
                let width = prepared.pipeline.input_width().max(1);
                let mut model = ndnet_layers::Sequential::<f32>::new().push(
                    ndnet_layers::Dense::from_arrays(ndarray::Array2::zeros((width, 1)), ndarray::Array1::zeros(1))
                        .unwrap(),
                );
                let _ = predict_table(&mut model, &prepared.pipeline, &table);
            }
        }
    }
}

/// A cell that is sometimes right, sometimes wrong in every way the corpus knows.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<f64>().prop_map(|v| v.to_string()),
        (-1000i64..1000).prop_map(|v| v.to_string()),
        Just(String::new()),
        Just("NaN".into()),
        Just("NA".into()),
        Just("?".into()),
        Just(" n/a ".into()),
        Just("null".into()),
        Just("inf".into()),
        Just("1e400".into()),
        Just("Yes".into()),
        Just("no".into()),
        Just("\"quoted, comma\"".into()),
        Just("\"unterminated".into()),
        "[a-z]{1,5}",
        "\\PC{0,4}",
    ]
}

fn structured_csv() -> impl Strategy<Value = String> {
    let header = prop::sample::subsequence(vec!["y", "a", "b", "c", "a"], 0..5).prop_map(|h| h.join(","));
    let rows = prop::collection::vec(prop::collection::vec(cell(), 0..5).prop_map(|r| r.join(",")), 0..8);
    (header, rows, prop::bool::ANY).prop_map(|(h, rows, crlf)| {
        let end = if crlf { "\r\n" } else { "\n" };
        let mut s = h + end;
        for r in rows {
            s.push_str(&r);
            s.push_str(end);
        }
        s
    })
}

fn valid_checkpoint() -> Vec<u8> {
    let p = common::prepare(0);
    let mut model: Sequential<f32> = common::model(0);
    let mut opt = RmsProp::new(RmsPropConfig::keras(0.001).with_momentum(0.5)).unwrap();
    let mut trainer = ndnet_trainer::Trainer::new(ndnet_trainer::TrainerConfig::new(1).with_verbose(false)).unwrap();
    trainer.fit(&mut model, &ndnet_layers::Mse, &mut opt, &mut common::batches(&p, 64), None).unwrap();
    serde_json::to_vec(&trainer.checkpoint(&model, &opt)).unwrap()
}

fn any_checkpoint_outcome(bytes: &[u8]) {
    let path = Path::new("fuzz.json");
    if let Ok(c) = Checkpoint::<f32>::from_bytes(bytes, path) {
        let mut model = common::model(1);
        let mut opt = RmsProp::new(RmsPropConfig::keras(0.001).with_momentum(0.5)).unwrap();
        let _ = c.apply(path, &mut model, &mut opt);
    }
}

proptest! {
    #![proptest_config(cases(300))]

    #[test]
    fn csv_loader_never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        any_csv_outcome(&bytes);
    }

    #[test]
    fn csv_loader_never_panics_on_structured_csv(csv in structured_csv()) {
        any_csv_outcome(csv.as_bytes());
    }

    #[test]
    fn checkpoint_loader_never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        any_checkpoint_outcome(&bytes);
    }
}

proptest! {
    #![proptest_config(cases(200))]

    /// A real checkpoint with bytes flipped, cut short, or a number replaced.
    #[test]
    fn checkpoint_loader_never_panics_on_mutated_checkpoints(
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        cut in any::<prop::sample::Index>(),
        truncate in prop::bool::weighted(0.3),
    ) {
        thread_local!(static VALID: Vec<u8> = valid_checkpoint());
        let mut bytes = VALID.with(|v| v.clone());
        for (at, b) in edits {
            let i = at.index(bytes.len());
            bytes[i] = b;
        }
        if truncate {
            let n = cut.index(bytes.len());
            bytes.truncate(n);
        }
        any_checkpoint_outcome(&bytes);
    }
}
