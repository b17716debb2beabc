//! The headline run pinned to the bit: the README's housing output (seed 42, 100 epochs of the
//! 10 → 10 → 1 regressor with Keras-preset RMSprop at 0.001) must come out exactly the same after
//! any change that claims to change no result (a faster kernel, a refactor).
//!
//! The run goes through the library exactly as `examples/housing.rs` does; the expected values
//! were printed by it (`{:?}` of f64 is the shortest text that reads back to the same bits).

use ndnet::prelude::*;

#[path = "../examples/common/housing_features.rs"]
mod housing_features;
use housing_features::HOUSING_FEATURES as FEATURES;

fn headline_run() -> (History, Metrics) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/housing.csv");
    let table = Table::from_csv(path).unwrap();
    let config = PipelineConfig::new("price").with_features(Some(FEATURES.map(String::from).to_vec()));
    let p = Prepared::<f32>::from_table(&table, &config, 0.15, 0.15, 42).unwrap();
    let mut model = Sequential::<f32>::mlp(&[10, 10, 1], &mut ChaCha8Rng::seed_from_u64(42)).unwrap();
    let mut optimizer = RmsProp::new(RmsPropConfig::keras(0.001)).unwrap();
    let mut trainer = Trainer::new(TrainerConfig::new(100).with_seed(42).with_verbose(false)).unwrap();
    let mut batches = Batches::new(p.train_x.clone(), p.train_y.clone(), 32).unwrap();
    trainer.fit(&mut model, &Mse, &mut optimizer, &mut batches, Some((&p.val_x, &p.val_y))).unwrap();
    let metrics = Metrics::compute(&p.predict_original(&mut model, &p.test_x).unwrap(), &p.split.test.y);
    (trainer.history().clone(), metrics)
}

#[test]
fn the_readme_housing_run_to_the_bit() {
    let (history, m) = headline_run();
    let (first, last) = (history.epochs[0], history.epochs[99]);
    println!(
        "first {:?} {:?}; last {:?} {:?}; {m:?}",
        first.train_loss, first.val_loss, last.train_loss, last.val_loss
    );
    // What the README prints, to its 4 decimals …
    assert_eq!(
        format!("Epoch 1, Loss: {:.4}, Val loss: {:.4}", first.train_loss, first.val_loss.unwrap()),
        "Epoch 1, Loss: 0.8613, Val loss: 0.7221"
    );
    assert_eq!(
        format!("Epoch 100, Loss: {:.4}, Val loss: {:.4}", last.train_loss, last.val_loss.unwrap()),
        "Epoch 100, Loss: 0.3182, Val loss: 0.4298"
    );
    assert_eq!(m.to_string(), "MSE 3.3694e9, RMSE 58046.80, MAE 40086.73, R² 0.6531");
    // … and to the bit.
    let bits = |v: f64| v.to_bits();
    assert_eq!(
        [first.train_loss, first.val_loss.unwrap(), last.train_loss, last.val_loss.unwrap()].map(bits),
        [GOLDEN_FIRST_TRAIN, GOLDEN_FIRST_VAL, GOLDEN_LAST_TRAIN, GOLDEN_LAST_VAL].map(bits)
    );
    assert_eq!([m.mse, m.rmse, m.mae, m.r2].map(bits), [GOLDEN_MSE, GOLDEN_RMSE, GOLDEN_MAE, GOLDEN_R2].map(bits));
}

// Printed by `cargo test --release --test golden -- --nocapture` (the debug build gives the same bits).
const GOLDEN_FIRST_TRAIN: f64 = 0.8613054911952374;
const GOLDEN_FIRST_VAL: f64 = 0.7221223711967468;
const GOLDEN_LAST_TRAIN: f64 = 0.31818579920559875;
const GOLDEN_LAST_VAL: f64 = 0.42982542514801025;
const GOLDEN_MSE: f64 = 3369430886.150009;
const GOLDEN_RMSE: f64 = 58046.799103395955;
const GOLDEN_MAE: f64 = 40086.73061882241;
const GOLDEN_R2: f64 = 0.6531402107760831;
