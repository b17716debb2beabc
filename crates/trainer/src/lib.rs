//! # ndnet-trainer
//!
//! The loop a Keras or PyTorch user expects, for any ndnet [`Model`](ndnet_layers::Model): the
//! [`Trainer`] and its [`Callback`]s (printing, progress bar, [`EarlyStopping`],
//! [`LrScheduler`], reduce-on-plateau, [`Checkpointer`], yours), reshuffled mini-[`Batches`]
//! gathered into reused buffers, the [`History`], [`Metrics`] in the target's units, resumable
//! [`Checkpoint`]s and safetensors weights with the run's [`RunMetadata`] (the pipeline and the
//! model description), [`load_model`], prediction and conformal [`Calibration`]s.
//!
//! ```no_run
//! use ndnet_data::{Dataset, Prepared, Standardize};
//! use ndnet_layers::{Mse, Sequential};
//! use ndnet_optim::{RmsProp, RmsPropConfig};
//! use ndnet_trainer::*;
//! use rand::SeedableRng;
//!
//! let data = Dataset::from_csv("data/housing.csv", "price", Some(&["livingArea", "bathrooms"]))?;
//! let p = Prepared::<f32>::new(&data, 0.15, 0.15, 42, Standardize::All)?;
//! let mut batches = Batches::new(p.train_x.clone(), p.train_y.clone(), 32)?;
//! let mut model = Sequential::mlp(&[2, 10, 1], &mut rand_chacha::ChaCha8Rng::seed_from_u64(42))?;
//! let mut opt = RmsProp::new(RmsPropConfig::keras(0.001))?;
//! let mut trainer = Trainer::new(TrainerConfig::new(100))?;
//! trainer.fit(&mut model, &Mse, &mut opt, &mut batches, Some((&p.val_x, &p.val_y)))?;
//! println!("{}", Metrics::compute(&p.predict_original(&mut model, &p.test_x)?, &p.split.test.y));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod architecture;
mod batches;
mod callback;
mod checkpoint;
mod checkpointer;
mod conformal;
mod cross_validation;
mod early_stopping;
mod error;
mod fit;
mod history;
mod lr_scheduler;
mod metadata;
mod metrics;
mod predict;
mod progress;
mod saved_model;
mod trainer;
mod weights;

pub use architecture::{Architecture, Ensemble, NumericEmbedding};
pub use batches::Batches;
pub use callback::{Callback, Context, load_state, save_state};
pub use checkpoint::{CHECKPOINT_FORMAT, CHECKPOINT_VERSION, Checkpoint};
pub use checkpointer::Checkpointer;
pub use conformal::{
    Calibration, IntervalScore, MAX_SPREAD_INPUTS, Spread, Uncertainty, calibration_rows_needed, check_interval,
    conformal_quantile, interval_coverage, set_coverage,
};
pub use cross_validation::{CrossValidation, CvSettings, FoldResult, ModelOf, cross_validate, fold_summary};
pub use early_stopping::{Best, EarlyStopping};
pub use error::{Result, TrainError};
pub use fit::{
    ClassWeight, FitSettings, Fitted, baseline_name, baseline_of, evaluate, fit, fit_baseline, members_loss, task_loss,
};
pub use history::{EpochRecord, History};
pub use lr_scheduler::LrScheduler;
pub use metadata::{MODEL_FORMAT, ModelFormat, RunMetadata, Settings};
pub use metrics::{ClassMetrics, Evaluation, Metrics, roc_curve};
pub use ndnet_sweep::mean_sd;
pub use predict::{
    PredictOriginal, predict_csv, predict_table, predict_with_uncertainty, predicted_classes, prediction_columns,
    set_text, write_predictions,
};
pub use progress::{EpochPrinter, ProgressBar};
pub use saved_model::{load_model, load_model_bytes, load_model_with};
pub use trainer::{ModelParams, Trainer, TrainerConfig};
pub use weights::{
    METADATA_KEY, load_safetensors, load_safetensors_bytes, read_safetensors_metadata, read_safetensors_metadata_bytes,
    safetensors_bytes, save_safetensors,
};
