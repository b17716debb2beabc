//! What the examples share with the `ndnet` program (`ndnet_cli::program`): which file and
//! columns to load when the user names none, and how a program starts and ends (one-line
//! errors, exit 1; quiet on a closed stdout).
#![allow(dead_code, unused_imports)]

use std::error::Error;

pub use ndnet_cli::program::{
    HOUSING_FEATURES, check, create_dir, data_path, features, finish, parse, refuse_overwrite, say, with_flag_hint,
};

/// The model a run's metadata describes ([`Architecture`](ndnet::trainer::Architecture)), its
/// weights drawn from `seed`.
pub fn model_of(
    metadata: &ndnet::trainer::RunMetadata,
    seed: u64,
) -> Result<ndnet::layers::Sequential<f32>, Box<dyn Error>> {
    let architecture = metadata.architecture.as_ref().ok_or("the file stores no model architecture")?;
    Ok(architecture.build(seed)?)
}
