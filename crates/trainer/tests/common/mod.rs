//! Shared set-up: the shipped housing table, split, standardised, as f32 batches.
#![allow(dead_code)]

use std::path::PathBuf;

use ndnet_data::{Dataset, Standardize};
use ndnet_layers::Sequential;
use ndnet_trainer::Batches;
use rand::SeedableRng;

#[path = "../../../../examples/common/housing_features.rs"]
mod housing_features;
pub use housing_features::HOUSING_FEATURES;

pub fn housing_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/housing.csv")
}

pub type Prepared = ndnet_data::Prepared<f32>;

/// The shipped table, split 70/15/15 with `seed`, features and target standardised.
pub fn prepare(seed: u64) -> Prepared {
    let data = Dataset::from_csv(housing_path(), "price", Some(&HOUSING_FEATURES)).unwrap();
    Prepared::new(&data, 0.15, 0.15, seed, Standardize::All).unwrap()
}

pub fn batches(p: &Prepared, batch_size: usize) -> Batches<'static, f32> {
    Batches::new(p.train_x.clone(), p.train_y.clone(), batch_size).unwrap()
}

pub fn model(seed: u64) -> Sequential<f32> {
    Sequential::mlp(&[10, 10, 1], &mut rand_chacha::ChaCha8Rng::seed_from_u64(seed)).unwrap()
}

pub fn tmp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ndnet-test-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
